"""The pure rules: key-set entries in VIF's and rendition's forms, URLs, sizes, srcsets, PPOIs."""
from django.test import SimpleTestCase
from PIL import Image

from rendition_django.specs import (
    Entry,
    SpecError,
    canonical_filters,
    format_ppoi,
    entry_url,
    output_size,
    parse_entry,
    parse_key_sets,
    parse_ppoi,
    rendition_url,
    srcset_for,
)


class SpecsTests(SimpleTestCase):
    def test_key_sets_in_vif_form_and_rendition_form_are_the_same(self) -> None:
        vif = parse_key_sets({"image": [("small", "thumbnail__180x180"), ("big", "crop__400x0")]})
        ours = parse_key_sets({"image": {"small": "thumbnail__180x180", "big": {"size": "crop__400x0"}}})
        self.assertEqual(vif, ours)
        self.assertEqual(vif["image"]["big"], Entry("crop", 400, 0))

    def test_bad_entries_say_what_was_expected(self) -> None:
        for value, message in [
            ("thumb__1x1", "Expected a sizer of thumbnail, crop, pad but received 'thumb'"),
            ("crop__0x0", "Expected a size like 350x350 but received '0x0'"),
            ("crop__010x10", "received '010x10'"),
            ("crop", "Expected an entry like thumbnail__180x180"),
        ]:
            with self.subTest(value=value), self.assertRaisesRegex(SpecError, message):
                parse_entry(value)
        with self.assertRaisesRegex(SpecError, "key set 'image'"):
            parse_key_sets({"image": [("small", "nope")]})

    def test_urls_follow_the_grammar(self) -> None:
        self.assertEqual(rendition_url("/media/", "photos/a b.jpg", "crop", (400, 400)), "/media/photos/a%20b.jpg/crop/400x400")
        self.assertEqual(
            rendition_url("/media/", "p.jpg", "thumbnail", (10, 0), ["grayscale", "invert"]),
            "/media/p.jpg/filters/invert/grayscale/thumbnail/10x0",
        )
        self.assertEqual(canonical_filters(["invert", "blur", "invert"]), ("blur", "invert"))
        with self.assertRaisesRegex(SpecError, "received \\['sepia'\\]"):
            canonical_filters(["sepia"])

    def test_entries_with_filters_and_a_format_in_vifs_form(self) -> None:
        entry = parse_entry("filters__invert__crop__400x400")
        self.assertEqual(entry, Entry("crop", 400, 400, filters=("invert",)))
        self.assertEqual(entry.spec, "filters__invert__crop__400x400")
        self.assertEqual(entry_url("/media/", "a.jpg", entry), "/media/a.jpg/filters/invert/crop/400x400")
        both = parse_entry({"size": "filters__still__grayscale__pad__200x200.png", "densities": [2]})
        self.assertEqual((both.filters, both.format), (("still", "grayscale"), "png"))
        self.assertEqual(
            both.to_server_form(), {"size": "filters__still__grayscale__pad__200x200.png", "densities": [1.0, 2.0]}
        )
        self.assertEqual(
            srcset_for("/media/", "a.jpg", both).srcset,
            "/media/a.jpg/filters/still/grayscale/pad/200x200.png 1x, /media/a.jpg/filters/still/grayscale/pad/400x400.png 2x",
        )
        self.assertEqual(entry_url("/media/", "a.jpg", parse_entry("thumbnail__180x180.webp")), "/media/a.jpg/thumbnail/180x180.webp")
        for value, message in [
            ("filters__blur__invert__blur__crop__1x1", "at most once each, in the order still, blur"),
            ("filters__grayscale__invert__crop__1x1", "but received 'grayscale__invert'"),
            ("filters__crop__1x1", "Expected an entry like filters__invert__crop__400x400"),
            ("filters__sepia__crop__1x1", "received \\['sepia'\\]"),
            ("crop__1x1.bmp", "Expected a format of jpg, png, webp, avif, gif but received 'bmp'"),
            ("invert__crop__1x1", "Expected an entry like thumbnail__180x180"),
        ]:
            with self.subTest(value=value), self.assertRaisesRegex(SpecError, message):
                parse_entry(value)

    def test_urls_with_an_explicit_format(self) -> None:
        self.assertEqual(
            rendition_url("/media/", "p.jpg", "pad", (180, 180), ["watermark", "still"], "gif"),
            "/media/p.jpg/filters/still/watermark/pad/180x180.gif",
        )
        with self.assertRaisesRegex(SpecError, "filters-only rendition has no explicit format"):
            rendition_url("/media/", "p.jpg", filters=["invert"], fmt="png")

    def test_pillow_rounding_gives_vifs_sizes(self) -> None:
        # ../shared/FACTS.md, measured on VIF's own test media: VIF's size, then rendition's nearest.
        for original, box, vif, nearest in [
            ((601, 203), (34, 34), (34, 12), (34, 11)),
            ((580, 164), (30, 30), (30, 9), (30, 8)),
            ((600, 450), (82, 82), (82, 62), (82, 61)),
            ((604, 203), (180, 180), (180, 61), (180, 60)),
        ]:
            with self.subTest(original=original, box=box):
                self.assertEqual(output_size(original, "thumbnail", box, rounding="pillow"), vif)
                self.assertEqual(output_size(original, "thumbnail", box), nearest)
        self.assertEqual(output_size((601, 203), "pad", (34, 34), rounding="pillow"), (34, 34))
        self.assertEqual(output_size((601, 203), "crop", (0, 12), rounding="pillow"), (36, 12))
        with self.assertRaisesRegex(SpecError, "Expected a rounding of nearest, pillow but received 'up'"):
            output_size((10, 10), "thumbnail", (5, 5), rounding="up")

    def test_pillow_rounding_is_real_pillows_thumbnail(self) -> None:
        for w in range(1, 640, 37):
            for h in range(1, 480, 29):
                for box in ((34, 34), (180, 180), (50, 20), (20, 50)):
                    image = Image.new("L", (w, h))
                    image.thumbnail(box)
                    with self.subTest(original=(w, h), box=box):
                        self.assertEqual(output_size((w, h), "thumbnail", box, rounding="pillow"), image.size)

    def test_crop_upscale_enlarges_crops_only(self) -> None:
        self.assertEqual(output_size((200, 100), "crop", (320, 320), crop_upscale=True), (320, 320))
        self.assertEqual(output_size((200, 100), "crop", (320, 320)), (100, 100))
        self.assertEqual(output_size((200, 100), "thumbnail", (320, 320), crop_upscale=True), (200, 100))
        entry = parse_entry({"size": "crop__320x320", "densities": [2]})
        srcset = srcset_for("/media/", "s.jpg", entry, (200, 100), crop_upscale=True)
        self.assertEqual((srcset.width, srcset.height), (320, 320))
        self.assertEqual(srcset.srcset, "/media/s.jpg/crop/320x320 1x, /media/s.jpg/crop/640x640 2x")
        thumb = srcset_for("/media/", "w.jpg", parse_entry("thumbnail__34x34"), (601, 203), rounding="pillow")
        self.assertEqual((thumb.width, thumb.height), (34, 12))

    def test_output_sizes_match_the_server_plan(self) -> None:
        self.assertEqual(output_size((640, 480), "thumbnail", (180, 180)), (180, 135))
        self.assertEqual(output_size((100, 50), "thumbnail", (180, 180)), (100, 50))
        self.assertEqual(output_size((640, 480), "crop", (320, 320)), (320, 320))
        self.assertEqual(output_size((100, 50), "crop", (80, 80)), (50, 50))
        self.assertEqual(output_size((640, 480), "crop", (0, 120)), (160, 120))
        self.assertEqual(output_size((100, 50), "pad", (180, 180)), (180, 180))
        self.assertEqual(output_size((640, 480), "pad", (180, 0)), (180, 135))
        # Math.round, not Python's round-half-even: 0.5 goes up.
        self.assertEqual(output_size((5, 3), "thumbnail", (1, 0)), (1, 1))
        self.assertEqual(output_size((10, 5), "thumbnail", (5, 0)), (5, 3))

    def test_srcsets_use_exact_descriptors_for_small_originals(self) -> None:
        entry = parse_entry({"size": "thumbnail__180x180", "densities": [2, 3]})
        srcset = srcset_for("/media/", "a.jpg", entry, (250, 200))
        self.assertEqual(srcset.srcset, "/media/a.jpg/thumbnail/180x180 1x, /media/a.jpg/thumbnail/360x360 1.39x")
        self.assertEqual((srcset.width, srcset.height), (180, 144))
        wide = srcset_for("/media/", "a.jpg", parse_entry({"size": "crop__640x360", "widths": [320]}))
        self.assertEqual(wide.srcset, "/media/a.jpg/crop/320x180 320w, /media/a.jpg/crop/640x360 640w")
        self.assertEqual(wide.sizes, "(max-width: 640px) 100vw, 640px")

    def test_ppoi_round_trips_in_vif_form(self) -> None:
        self.assertEqual(parse_ppoi("0.3x0.6"), (0.3, 0.6))
        self.assertEqual(parse_ppoi(""), (0.5, 0.5))
        self.assertEqual(format_ppoi((0.25, 1.0)), "0.25x1")
        for bad in ("1.5x0.5", "axb", "0.5"):
            with self.subTest(bad=bad), self.assertRaises(SpecError):
                parse_ppoi(bad)
