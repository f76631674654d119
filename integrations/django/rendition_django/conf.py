"""The package's settings, read when used (so override_settings works), with their defaults.

| setting | default | what |
|---|---|---|
| RENDITION_ADMIN_URL | "http://127.0.0.1:3000/admin" | rendition's admin API |
| RENDITION_TOKEN | "" | rendition's ADMIN_TOKEN |
| RENDITION_TIMEOUT | 10 | seconds per admin call |
| RENDITION_MEDIA_URL | MEDIA_URL | where browsers fetch originals and renditions |
| RENDITION_KEY_SETS | VERSATILEIMAGEFIELD_RENDITION_KEY_SETS | key sets, VIF's format accepted |
| RENDITION_ON_SAVE | "warm" | "warm" (Django writes MEDIA_ROOT) or "upload" (rendition stores it) |
| RENDITION_RETRY_DELAYS | (10, 60, 300, 1800, 7200) | seconds before each retry of a failed job |
| RENDITION_CHECK_SERVER | True | the system check asks the server for its key sets |
| RENDITION_THUMBNAIL_ROUNDING | "nearest" | the server's THUMBNAIL_ROUNDING ("pillow": VIF's sizes), for width/height |
| RENDITION_CROP_UPSCALE | False | the server's CROP_UPSCALE, for width/height |
"""
from __future__ import annotations

from typing import Tuple

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from .specs import ROUNDINGS, KeySets, SpecError, parse_key_sets

ON_SAVE_MODES = ("warm", "upload")


def admin_url() -> str:
    return getattr(settings, "RENDITION_ADMIN_URL", "http://127.0.0.1:3000/admin").rstrip("/")


def token() -> str:
    return getattr(settings, "RENDITION_TOKEN", "")


def timeout() -> float:
    return float(getattr(settings, "RENDITION_TIMEOUT", 10))


def media_url() -> str:
    return getattr(settings, "RENDITION_MEDIA_URL", None) or settings.MEDIA_URL


def key_sets() -> KeySets:
    raw = getattr(settings, "RENDITION_KEY_SETS", None)
    if raw is None:
        raw = getattr(settings, "VERSATILEIMAGEFIELD_RENDITION_KEY_SETS", {})
    try:
        return parse_key_sets(raw)
    except SpecError as error:
        raise ImproperlyConfigured(f"RENDITION_KEY_SETS: {error}") from None


def on_save() -> str:
    mode = getattr(settings, "RENDITION_ON_SAVE", "warm")
    if mode not in ON_SAVE_MODES:
        raise ImproperlyConfigured(f"RENDITION_ON_SAVE: expected one of {ON_SAVE_MODES} but received {mode!r}")
    return mode


def retry_delays() -> Tuple[float, ...]:
    return tuple(getattr(settings, "RENDITION_RETRY_DELAYS", (10, 60, 300, 1800, 7200)))


def check_server() -> bool:
    return bool(getattr(settings, "RENDITION_CHECK_SERVER", True))


def thumbnail_rounding() -> str:
    """The server's THUMBNAIL_ROUNDING, so width/height and srcset descriptors are the real sizes."""
    rounding = getattr(settings, "RENDITION_THUMBNAIL_ROUNDING", "nearest")
    if rounding not in ROUNDINGS:
        raise ImproperlyConfigured(f"RENDITION_THUMBNAIL_ROUNDING: expected one of {ROUNDINGS} but received {rounding!r}")
    return rounding


def crop_upscale() -> bool:
    """The server's CROP_UPSCALE."""
    return bool(getattr(settings, "RENDITION_CROP_UPSCALE", False))
