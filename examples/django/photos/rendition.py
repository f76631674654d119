"""The few calls Django makes to rendition: URL sets (no request), warm and delete (admin API).

URL sets are built locally from RENDITION_KEY_SETS, exactly as rendition builds them:
`<MEDIA_URL><path>/<sizer>/<W>x<H>` for a `sizer__WxH` entry. nginx answers those URLs
from CACHE_ROOT once they are warmed, and falls back to rendition for a miss.
"""
from urllib.parse import quote

import requests
from django.conf import settings


class RenditionError(Exception):
    """rendition answered an error: its HTTP status and its `{"error": {code, message}}`."""

    def __init__(self, status, code, message):
        super().__init__(f"rendition answered {status} {code}: {message}")
        self.status = status
        self.code = code


def url_set(path, key_set):
    """{name: URL} for the `(name, "sizer__WxH")` entries of a key set, e.g. small -> /media/x.jpg/thumbnail/180x180."""
    base = f"{settings.MEDIA_URL}{quote(path)}"
    return {name: f"{base}/{entry.replace('__', '/')}" for name, entry in key_set}


def warm(path, key_sets):
    """Renders every rendition of `key_sets` for the original at `path` now; rendition's summary."""
    return _call("POST", f"{path}/warm", json={"keySets": list(key_sets)})["warmed"]


def delete(path):
    """Deletes the original at `path`, every rendition of it and its record; gone already is fine."""
    try:
        _call("DELETE", path)
    except RenditionError as error:
        if error.code != "NOT_FOUND":
            raise


def key_sets():
    """rendition's configured key sets: {name: {key: "sizer__WxH"}}."""
    return _request("GET", f"{settings.RENDITION_ADMIN_URL}/key-sets")["keySets"]


def _call(method, path, **kwargs):
    return _request(method, f"{settings.RENDITION_ADMIN_URL}/images/{quote(path)}", **kwargs)


def _request(method, url, **kwargs):
    response = requests.request(
        method,
        url,
        headers={"Authorization": f"Bearer {settings.RENDITION_TOKEN}"},
        timeout=settings.RENDITION_TIMEOUT,
        **kwargs,
    )
    if response.status_code >= 400:
        try:
            error = response.json()["error"]
        except (ValueError, KeyError, TypeError):
            error = {"code": "HTTP_ERROR", "message": response.text[:200]}
        raise RenditionError(response.status_code, error.get("code"), error.get("message"))
    return response.json() if response.content else None
