"""Generated images, HTTP reads of the server, and files under its roots."""
from __future__ import annotations

import io
import json
import os
import struct
import time
from typing import Any, Dict, List, Optional, Tuple
from urllib.error import HTTPError
from urllib.request import Request, urlopen

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.test import TransactionTestCase
from PIL import Image, ImageDraw

from .gallery.models import Photo
from .server import S3, SERVER, TOKEN


def generated_image(width: int, height: int, image_format: str = "JPEG") -> bytes:
    """An encoded image with some structure (a block of colour and a diagonal)."""
    image = Image.new("RGB", (width, height), (40, 90, 160))
    draw = ImageDraw.Draw(image)
    draw.rectangle((0, 0, width // 2, height // 2), fill=(220, 60, 30))
    draw.line((0, height - 1, width - 1, 0), fill=(250, 250, 250), width=5)
    out = io.BytesIO()
    image.save(out, format=image_format)
    return out.getvalue()


def fetch(url: str, accept: str = "*/*") -> Tuple[int, str, bytes]:
    """GET a URL (a path is on the server): status, Content-Type and body."""
    full = url if url.startswith("http") else SERVER.url + url
    try:
        with urlopen(Request(full, headers={"Accept": accept}), timeout=30) as response:
            return response.status, response.headers["Content-Type"], response.read()
    except HTTPError as error:
        return error.code, error.headers["Content-Type"], error.read()


def decoded_size(body: bytes, content_type: str) -> Tuple[int, int]:
    """Width and height of an image body; AVIF from its `ispe` box (Debian's Pillow has no AVIF)."""
    if content_type == "image/avif":
        at = body.index(b"ispe")
        return struct.unpack(">II", body[at + 8 : at + 16])
    with Image.open(io.BytesIO(body)) as image:
        return image.size


def admin_record(path: str) -> Optional[Dict[str, Any]]:
    """The server's record of `path`, None when it is not registered."""
    request = Request(f"{SERVER.url}/admin/images/{path}", headers={"Authorization": f"Bearer {TOKEN}"})
    try:
        with urlopen(request, timeout=30) as response:
            return json.loads(response.read())
    except HTTPError as error:
        if error.code == 404:
            return None
        raise


def files_of(name: str) -> List[str]:
    """Every file of the original `name` under MEDIA_ROOT and CACHE_ROOT (and its object in S3 mode)."""
    found = []
    if S3 is not None and default_storage.exists(name):
        found.append(f"s3:{name}")
    for root in (SERVER.media_root, SERVER.cache_root):
        for directory, _, files in os.walk(root):
            for file in files:
                relative = os.path.relpath(os.path.join(directory, file), root)
                if relative == name or relative.startswith(name + "/"):
                    found.append(os.path.join(root, relative))
    return sorted(found)


def wait_until_gone(name: str, timeout: float = 15.0) -> None:
    """Until rendition answers 404 for the original `name` (S3 mode notices an object deleted
    behind its back within ORIGINALS_RESCAN_SECONDS, local mode at once)."""
    deadline = time.monotonic() + timeout
    while fetch(f"/media/{name}")[0] != 404:
        if time.monotonic() > deadline:
            raise AssertionError(f"rendition still serves {name} {timeout} s after it was deleted")
        time.sleep(0.1)


def cached_renditions(name: str) -> List[str]:
    """The rendition files of `name` in CACHE_ROOT, relative to its directory."""
    base = SERVER.cache_root / name
    return sorted(str(path.relative_to(base)) for path in base.rglob("*") if path.is_file()) if base.exists() else []


class PhotoTestCase(TransactionTestCase):
    """TransactionTestCase: the hooks run on commit, as in production. Rows go as a delete takes them."""

    def setUp(self) -> None:
        self.addCleanup(lambda: Photo.objects.all().delete())

    def create_photo(self, name: str = "cat.jpg", size: Tuple[int, int] = (640, 480), image_format: str = "JPEG", **fields: Any) -> Photo:
        content = ContentFile(generated_image(*size, image_format), name=name)
        return Photo.objects.create(title="A cat", image=content, **fields)
