"""The field's VIF attribute API, the templates and the DRF field: URLs built locally, served for real."""
from html.parser import HTMLParser
from typing import Dict, List

from django.conf import settings
from django.template import Context, Template, TemplateSyntaxError
from rest_framework import serializers
from rest_framework.test import APIRequestFactory

from rendition_django.serializers import RenditionImageFieldSerializer

from .gallery.models import Photo
from .helpers import PhotoTestCase, decoded_size, fetch

BROWSERS = [("*/*", "image/jpeg"), ("image/webp,*/*", "image/webp"), ("image/avif,image/webp,*/*", "image/avif")]


class Tags(HTMLParser):
    """Every start tag with its attributes, in order."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: List[Dict[str, str]] = []

    def handle_starttag(self, tag: str, attrs: list) -> None:
        self.tags.append({"tag": tag, **{key: value or "" for key, value in attrs}})


def tags_of(html: str) -> List[Dict[str, str]]:
    parser = Tags()
    parser.feed(html)
    return parser.tags


class PhotoSerializer(serializers.ModelSerializer):
    image = RenditionImageFieldSerializer(sizes="image")
    hero = RenditionImageFieldSerializer(source="image", sizes="hero", srcsets=True, placeholders=True)
    pair = RenditionImageFieldSerializer(source="image", sizes=[("full_size", "url"), ("square", "crop__320x320")])

    class Meta:
        model = Photo
        fields = ["title", "image", "hero", "pair"]


class AttributeApiTests(PhotoTestCase):
    def test_vif_attributes_build_urls_the_server_answers_at_their_size(self) -> None:
        photo = self.create_photo()
        base = f"{settings.RENDITION_MEDIA_URL}{photo.image.name}"
        cases = [
            (photo.image.thumbnail["180x180"].url, f"{base}/thumbnail/180x180", (180, 135)),
            (photo.image.crop["320x320"].url, f"{base}/crop/320x320", (320, 320)),
            (photo.image.pad["320x320"].url, f"{base}/pad/320x320", (320, 320)),
            (photo.image.filters.invert.crop["320x320"].url, f"{base}/filters/invert/crop/320x320", (320, 320)),
            (photo.image.filters.invert.url, f"{base}/filters/invert", (640, 480)),
        ]
        for url, expected, size in cases:
            with self.subTest(url=url):
                self.assertEqual(url, expected)
                for accept, content_type in BROWSERS:
                    status, served_type, body = fetch(url, accept)
                    self.assertEqual((status, served_type), (200, content_type))
                    self.assertEqual(decoded_size(body, served_type), size)

    def test_url_set_is_vifs_build_versatileimagefield_url_set(self) -> None:
        photo = self.create_photo()
        base = f"{settings.RENDITION_MEDIA_URL}{photo.image.name}"
        self.assertEqual(
            photo.image.url_set("image"),
            {"small": f"{base}/thumbnail/180x180", "medium": f"{base}/thumbnail/220x220", "large": f"{base}/crop/320x320"},
        )

    def test_an_explicit_format_and_entries_with_filters_are_served_as_named(self) -> None:
        photo = self.create_photo()
        base = f"{settings.RENDITION_MEDIA_URL}{photo.image.name}"
        url = photo.image.filters.grayscale.pad["320x320.webp"].url
        self.assertEqual(url, f"{base}/filters/grayscale/pad/320x320.webp")
        with self.settings(RENDITION_KEY_SETS={"listing": {"dark": "filters__invert__crop__320x320.png"}}):
            self.assertEqual(photo.image.url_set("listing"), {"dark": f"{base}/filters/invert/crop/320x320.png"})
            rendered = Template('{% load rendition %}{{ photo.image|rendition:"filters__invert__crop__320x320.png" }}')
            self.assertEqual(rendered.render(Context({"photo": photo})), f"{base}/filters/invert/crop/320x320.png")
        for target, content_type in [(url, "image/webp"), (f"{base}/filters/invert/crop/320x320.png", "image/png")]:
            for accept, _ in BROWSERS:
                with self.subTest(url=target, accept=accept):
                    status, served_type, body = fetch(target, accept)
                    self.assertEqual((status, served_type), (200, content_type))
                    self.assertEqual(decoded_size(body, served_type), (320, 320))

    def test_an_unknown_filter_or_size_is_a_clear_error(self) -> None:
        photo = self.create_photo()
        with self.assertRaisesRegex(
            AttributeError, "Expected a filter of still, blur, sharpen, invert, grayscale, watermark but received 'sepia'"
        ):
            photo.image.filters.sepia
        with self.assertRaisesRegex(ValueError, "Expected a size like 350x350"):
            photo.image.crop["big"]

    def test_ppoi_reads_and_writes_the_ppoi_field(self) -> None:
        photo = self.create_photo()
        self.assertEqual(photo.image.ppoi, (0.5, 0.5))
        photo.image.ppoi = (0.25, 0.75)
        self.assertEqual(photo.ppoi, "0.25x0.75")
        self.assertEqual(photo.image.ppoi, (0.25, 0.75))


class TemplateTests(PhotoTestCase):
    def test_the_page_has_every_url_and_complete_img_and_picture_elements(self) -> None:
        photo = self.create_photo()
        response = self.client.get(f"/photos/{photo.pk}/")
        self.assertEqual(response.status_code, 200)
        tags = tags_of(response.content.decode())
        base = f"{settings.RENDITION_MEDIA_URL}{photo.image.name}"
        images = [tag for tag in tags if tag["tag"] == "img"]
        self.assertEqual(images[0]["src"], f"{base}/thumbnail/350x350")
        self.assertEqual(images[1]["src"], f"{base}/filters/invert/crop/400x400")
        self.assertEqual(images[2]["src"], f"{base}/crop/400x400")
        small = images[3]
        self.assertEqual(
            small,
            {
                "tag": "img",
                "src": f"{base}/thumbnail/180x180",
                "srcset": f"{base}/thumbnail/180x180 1x, {base}/thumbnail/360x360 2x",
                "width": "180",
                "height": "135",
                "alt": "A cat",
                "loading": "lazy",
                "decoding": "async",
                "class": "tag",
            },
        )
        wide = images[4]
        self.assertEqual(wide["srcset"], f"{base}/crop/320x180 320w, {base}/crop/640x360 640w")
        self.assertEqual(wide["sizes"], "(max-width: 640px) 100vw, 640px")
        self.assertEqual((wide["width"], wide["height"]), ("640", "360"))
        # Every srcset candidate renders at the size its descriptor says.
        for candidate, size in [(f"{base}/thumbnail/360x360", (360, 270)), (f"{base}/crop/320x180", (320, 180))]:
            status, content_type, body = fetch(candidate)
            self.assertEqual((status, decoded_size(body, content_type)), (200, size))

    def test_picture_has_avif_webp_and_jpeg_and_the_servers_placeholder(self) -> None:
        # Registered (upload mode) so the server has placeholders for it.
        with self.settings(RENDITION_ON_SAVE="upload"):
            photo = self.create_photo(name="registered.jpg")
        html = Template('{% load rendition %}{% rendition_picture photo.image "image" "large" alt="x" %}').render(
            Context({"photo": photo})
        )
        tags = tags_of(html)
        self.assertEqual([tag["tag"] for tag in tags], ["picture", "source", "source", "img"])
        base = f"{settings.RENDITION_MEDIA_URL}{photo.image.name}/crop/320x320"
        self.assertEqual((tags[1]["type"], tags[1]["srcset"]), ("image/avif", f"{base}.avif 1x"))
        self.assertEqual((tags[2]["type"], tags[2]["srcset"]), ("image/webp", f"{base}.webp 1x"))
        self.assertEqual((tags[3]["src"], tags[3]["width"], tags[3]["height"]), (f"{base}.jpg", "320", "320"))
        self.assertRegex(tags[3]["style"], r"^background: #[0-9a-f]{6} url\(data:image/webp;base64,[A-Za-z0-9+/=]+\) center / cover")
        for tag, content_type in [(tags[1], "image/avif"), (tags[2], "image/webp"), (tags[3], "image/jpeg")]:
            status, served_type, body = fetch((tag.get("srcset") or tag["src"]).split(" ")[0])
            self.assertEqual((status, served_type, decoded_size(body, served_type)), (200, content_type, (320, 320)))

    def test_no_image_renders_nothing_and_a_bad_spec_is_a_template_error(self) -> None:
        photo = Photo(title="none")
        html = Template('{% load rendition %}[{% rendition_img photo.image "image" "small" %}][{{ photo.image|rendition:"crop__10x10" }}]')
        self.assertEqual(html.render(Context({"photo": photo})), "[][]")
        with self.assertRaisesRegex(TemplateSyntaxError, "Expected a sizer"):
            Template('{% load rendition %}{{ photo.image|rendition:"square__10x10" }}').render(
                Context({"photo": self.create_photo()})
            )


class SerializerTests(PhotoTestCase):
    def test_the_output_has_vifs_shape_with_absolute_urls(self) -> None:
        with self.settings(RENDITION_ON_SAVE="upload"):
            photo = self.create_photo()
        request = APIRequestFactory().get("/api/photos/1/")
        data = PhotoSerializer(photo, context={"request": request}).data
        base = f"{settings.RENDITION_MEDIA_URL}{photo.image.name}"
        self.assertEqual(
            data["image"],
            {"small": f"{base}/thumbnail/180x180", "medium": f"{base}/thumbnail/220x220", "large": f"{base}/crop/320x320"},
        )
        # The original through rendition as well, whatever storage holds the file (S3 included).
        self.assertEqual(data["pair"], {"full_size": base, "square": f"{base}/crop/320x320"})
        self.assertEqual(
            data["hero"]["srcsets"]["wide"],
            {
                "src": f"{base}/crop/640x360",
                "srcset": f"{base}/crop/320x180 320w, {base}/crop/640x360 640w",
                "sizes": "(max-width: 640px) 100vw, 640px",
                "width": 640,
                "height": 360,
            },
        )
        self.assertEqual(set(data["hero"]["placeholders"]), {"dominant", "lqip", "thumbhash"})

    def test_a_relative_media_url_becomes_absolute_with_the_request(self) -> None:
        photo = self.create_photo()
        with self.settings(RENDITION_MEDIA_URL="/media/"):
            data = PhotoSerializer(photo, context={"request": APIRequestFactory().get("/")}).data
        self.assertEqual(data["image"]["small"], f"http://testserver/media/{photo.image.name}/thumbnail/180x180")
