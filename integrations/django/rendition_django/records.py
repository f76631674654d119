"""What only the server knows about an original, asked once and cached: its placeholders and the
real size of each rendition (the server's rounding). Failures answer None; pages never break."""
from __future__ import annotations

import logging
from typing import Any, Dict, Optional, Tuple

from django.core.cache import cache

from . import client
from .outbox import record_cache_key

log = logging.getLogger("rendition_django")

#: A record is cached this long (jobs that change it clear it).
RECORD_SECONDS = 24 * 3600
#: "Not registered" or "unreachable" is cached this long, so pages do not wait on each render.
MISSING_SECONDS = 300


def record_of(path: str) -> Optional[Dict[str, Any]]:
    """GET /admin/images/<path>, cached; None when unregistered or unreachable."""
    key = record_cache_key(path)
    cached = cache.get(key)
    if cached is not None:
        return cached or None
    try:
        record: Dict[str, Any] = client.record(path)
    except client.RenditionError as error:
        if error.code != "NOT_FOUND":
            log.warning("rendition record of %s: %s", path, error)
        cache.set(key, {}, MISSING_SECONDS)
        return None
    cache.set(key, record, RECORD_SECONDS)
    return record


def placeholders_of(path: str) -> Optional[Dict[str, str]]:
    """{dominant, lqip, thumbhash} of a registered original."""
    record = record_of(path)
    return (record or {}).get("placeholders")


def served_size(path: str, key_set: str, name: str) -> Optional[Tuple[int, int]]:
    """The width and height the server reports for one entry's `src` rendition."""
    served = ((record_of(path) or {}).get("srcsets") or {}).get(key_set, {}).get(name)
    if not served or "width" not in served:
        return None
    return int(served["width"]), int(served["height"])
