"""End-to-end tests of the example against a real rendition server behind a real nginx.

npm test (test/examples/django.test.ts) starts both on loopback with temporary roots and
runs `/usr/bin/python3 manage.py test` with:
  MEDIA_ROOT                  rendition's MEDIA_ROOT (Django writes originals there)
  RENDITION_ADMIN_URL         rendition's admin API, through nginx
  RENDITION_TOKEN             rendition's ADMIN_TOKEN
  RENDITION_TEST_SITE_URL     nginx, where a browser fetches MEDIA_URL from
  RENDITION_TEST_CACHE_ROOT   rendition's CACHE_ROOT, to check what was written and deleted
"""
import io
import os
import stat
import struct
from html.parser import HTMLParser

import requests
from django.conf import settings
from django.core.files.base import ContentFile
from django.test import TransactionTestCase
from django.urls import reverse
from PIL import Image, ImageDraw

from rendition_django import client

from .models import Photo

# Accept headers of three browsers, and the file each makes nginx serve from CACHE_ROOT.
BROWSERS = [
    ("*/*", "image/jpeg", ".fallback.jpg"),
    ("image/webp,*/*", "image/webp", ".webp"),
    ("image/avif,image/webp,*/*", "image/avif", ".avif"),
]


def required_env(name):
    value = os.environ.get(name, "")
    if value == "":
        raise AssertionError(f"{name} is not set: run these tests through npm test (test/examples/django.test.ts)")
    return value


def generated_image(width, height, image_format):
    """A real encoded image with some structure (blocks of colour and a diagonal)."""
    image = Image.new("RGB", (width, height), (40, 90, 160))
    draw = ImageDraw.Draw(image)
    draw.rectangle((0, 0, width // 2, height // 2), fill=(220, 60, 30))
    draw.line((0, height - 1, width - 1, 0), fill=(250, 250, 250), width=5)
    out = io.BytesIO()
    image.save(out, format=image_format)
    return out.getvalue()


def fit_inside(width, height, box_width, box_height):
    """versatileimagefield's (and rendition's) `thumbnail`: inside the box, aspect kept, no upscaling."""
    scale = min(box_width / width, box_height / height, 1)
    return round(width * scale), round(height * scale)


def decoded_size(body, content_type):
    """Width and height of an image body; AVIF from its `ispe` box (Pillow here has no AVIF)."""
    if content_type == "image/avif":
        at = body.index(b"ispe")
        return struct.unpack(">II", body[at + 8 : at + 16])
    with Image.open(io.BytesIO(body)) as image:
        image.load()
        return image.size


class ImageSources(HTMLParser):
    """The `src` of every <img> by its class, the <picture>'s sources by type and its <img>,
    and the `href` of the original's link."""

    def __init__(self):
        super().__init__()
        self.images = {}
        self.picture = {}
        self.picture_img = None
        self.original = None
        self.in_picture = False

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if tag == "picture":
            self.in_picture = True
        if tag == "source" and self.in_picture:
            self.picture[attributes.get("type")] = attributes.get("srcset")
        if tag == "img" and self.in_picture:
            self.picture_img = attributes
        elif tag == "img":
            self.images[attributes.get("class")] = attributes.get("src")
        if tag == "a" and attributes.get("class") == "original":
            self.original = attributes.get("href")

    def handle_endtag(self, tag):
        if tag == "picture":
            self.in_picture = False


class PhotoRenditionsTests(TransactionTestCase):
    """TransactionTestCase: the field's hooks act on commit, as they do in production."""

    def setUp(self):
        self.site = required_env("RENDITION_TEST_SITE_URL").rstrip("/")
        self.cache_root = required_env("RENDITION_TEST_CACHE_ROOT")
        self.media_root = settings.MEDIA_ROOT
        self.http = requests.Session()
        self.addCleanup(self.http.close)
        # Each photo's files go the way a deletion in production takes them.
        self.addCleanup(lambda: Photo.objects.all().delete())

    def create_photo(self, name="cat.jpg", size=(640, 480), image_format="JPEG"):
        return Photo.objects.create(
            title="A cat", image_file=ContentFile(generated_image(*size, image_format), name=name)
        )

    def page_sources(self, photo):
        response = self.client.get(reverse("photo-detail", args=[photo.pk]))
        self.assertEqual(response.status_code, 200)
        sources = ImageSources()
        sources.feed(response.content.decode())
        return sources

    def files_of(self, name):
        """Every file under MEDIA_ROOT and CACHE_ROOT that belongs to the original `name`."""
        found = []
        for root in (self.media_root, self.cache_root):
            for directory, _, files in os.walk(root):
                for file in files:
                    relative = os.path.relpath(os.path.join(directory, file), root)
                    if relative == name or relative.startswith(name + "/"):
                        found.append(os.path.join(root, relative))
        return sorted(found)

    def test_rendition_has_the_key_sets_of_the_settings(self):
        expected = {
            key_set: dict(entries) for key_set, entries in settings.RENDITION_KEY_SETS.items()
        }
        served = client.key_sets()
        for key_set, entries in expected.items():
            self.assertEqual(served.get(key_set), entries)

    def test_saving_warms_every_size_in_every_format(self):
        photo = self.create_photo()
        name = photo.image_file.name
        original = os.path.join(self.media_root, name)
        self.assertTrue(os.path.isfile(original))
        # rendition (another user in production) can delete it, nginx can read it.
        self.assertEqual(stat.S_IMODE(os.stat(os.path.dirname(original)).st_mode) & 0o777, 0o775)
        self.assertEqual(stat.S_IMODE(os.stat(original).st_mode), 0o644)
        for _, entry in settings.RENDITION_KEY_SETS["image"]:
            for _, _, suffix in BROWSERS:
                cached = os.path.join(self.cache_root, name, entry.replace("__", "/") + suffix)
                self.assertTrue(os.path.isfile(cached), f"{cached} was not warmed")

    def test_the_page_images_answer_with_their_key_set_sizes(self):
        photo = self.create_photo()
        sources = self.page_sources(photo)
        entries = dict(settings.RENDITION_KEY_SETS["image"])
        self.assertEqual(set(sources.images), set(entries))
        for key, entry in entries.items():
            self.assertEqual(sources.images[key], photo.sizes[key])
            box = [int(side) for side in entry.split("__")[1].split("x")]
            for accept, content_type, _ in BROWSERS:
                with self.subTest(key=key, accept=accept):
                    response = self.http.get(self.site + sources.images[key], headers={"Accept": accept})
                    self.assertEqual(response.status_code, 200)
                    self.assertEqual(response.headers["Content-Type"], content_type)
                    self.assertEqual(decoded_size(response.content, content_type), fit_inside(640, 480, *box))
        original = self.http.get(self.site + sources.original)
        self.assertEqual(original.status_code, 200)
        self.assertEqual(decoded_size(original.content, "image/jpeg"), (640, 480))

    def test_the_picture_offers_avif_webp_and_jpeg_at_the_large_size(self):
        photo = self.create_photo()
        sources = self.page_sources(photo)
        large = photo.sizes["large"]
        self.assertEqual(sources.picture, {"image/avif": f"{large}.avif 1x", "image/webp": f"{large}.webp 1x"})
        img = sources.picture_img
        self.assertEqual(img["src"], f"{large}.jpg")
        expected = fit_inside(640, 480, 320, 320)
        self.assertEqual((int(img["width"]), int(img["height"])), expected)
        for url, content_type in [
            (sources.picture["image/avif"].split(" ")[0], "image/avif"),
            (sources.picture["image/webp"].split(" ")[0], "image/webp"),
            (img["src"], "image/jpeg"),
        ]:
            with self.subTest(content_type=content_type):
                response = self.http.get(self.site + url)
                self.assertEqual(response.status_code, 200)
                self.assertEqual(response.headers["Content-Type"], content_type)
                self.assertEqual(decoded_size(response.content, content_type), expected)

    def test_deleting_the_photo_leaves_no_file(self):
        photo = self.create_photo(name="dog.png", size=(500, 700), image_format="PNG")
        name = photo.image_file.name
        urls = self.page_sources(photo).images
        for url in urls.values():
            self.assertEqual(self.http.get(self.site + url).status_code, 200)
        self.assertGreater(len(self.files_of(name)), 1)

        photo.delete()

        self.assertEqual(self.files_of(name), [])
        self.assertFalse(os.path.exists(os.path.join(self.cache_root, name)))
        # nginx may serve a file it opened in the last 2 s (open_file_cache_valid); this
        # rendition was warmed but never fetched, so nginx finds nothing and asks rendition.
        response = self.http.get(self.site + urls["small"], headers={"Accept": "image/avif"})
        self.assertEqual(response.status_code, 404)
        self.assertEqual(response.json()["error"]["code"], "ORIGINAL_NOT_FOUND")

    def test_a_new_image_replaces_the_old_files(self):
        photo = self.create_photo(name="before.jpg")
        before = photo.image_file.name
        self.assertNotEqual(self.files_of(before), [])

        photo.image_file = ContentFile(generated_image(300, 600, "PNG"), name="after.png")
        photo.save()

        self.assertEqual(self.files_of(before), [])
        after = photo.image_file.name
        small = self.http.get(self.site + photo.sizes["small"], headers={"Accept": "image/webp"})
        self.assertEqual(small.status_code, 200)
        self.assertEqual(decoded_size(small.content, "image/webp"), fit_inside(300, 600, 180, 180))
        photo.delete()
        self.assertEqual(self.files_of(after), [])
