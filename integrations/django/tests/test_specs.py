"""The pure rules: key-set entries in VIF's and rendition's forms, URLs, sizes, srcsets, PPOIs."""
from django.test import SimpleTestCase

from rendition_django.specs import (
    Entry,
    SpecError,
    canonical_filters,
    format_ppoi,
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
