"""The admin API over urllib (docs/admin-api.md): the only module that talks to rendition."""
from __future__ import annotations

import json
import uuid
from typing import Any, Dict, Iterable, Optional, Tuple
from urllib.error import HTTPError, URLError
from urllib.parse import quote, urlencode
from urllib.request import Request, urlopen

from . import conf


class RenditionError(Exception):
    """A call that failed: rendition's status and error code, or `UNREACHABLE` with no answer."""

    def __init__(self, message: str, status: Optional[int] = None, code: str = "UNREACHABLE") -> None:
        super().__init__(message)
        self.status = status
        self.code = code


def _call(method: str, route: str, body: Optional[bytes] = None, content_type: Optional[str] = None) -> Any:
    url = f"{conf.admin_url()}{route}"
    headers = {"Authorization": f"Bearer {conf.token()}", "Accept": "application/json"}
    if content_type:
        headers["Content-Type"] = content_type
    request = Request(url, data=body, method=method, headers=headers)
    try:
        with urlopen(request, timeout=conf.timeout()) as response:
            payload = response.read()
    except HTTPError as error:
        raise _error_of(method, url, error) from None
    except (URLError, OSError) as error:
        reason = getattr(error, "reason", error)
        raise RenditionError(f"rendition is unreachable at {url} ({method}): {reason}") from None
    return json.loads(payload) if payload else None


def _error_of(method: str, url: str, error: HTTPError) -> RenditionError:
    try:
        detail = json.loads(error.read())["error"]
        code, message = str(detail["code"]), str(detail["message"])
    except (ValueError, KeyError, TypeError):
        code, message = "HTTP_ERROR", error.reason
    hint = " (check RENDITION_TOKEN against rendition's ADMIN_TOKEN)" if error.code == 401 else ""
    return RenditionError(f"rendition answered {error.code} {code} to {method} {url}: {message}{hint}", error.code, code)


def _json(value: Any) -> Tuple[bytes, str]:
    return json.dumps(value).encode(), "application/json"


def image_route(path: str) -> str:
    return f"/images/{quote(path)}"


def key_sets() -> Dict[str, Dict[str, Any]]:
    """The server's key sets, as GET /admin/key-sets answers them."""
    return _call("GET", "/key-sets")["keySets"]


def record(path: str) -> Dict[str, Any]:
    """The registered image at `path` (404 NOT_FOUND when it is not registered)."""
    return _call("GET", image_route(path))


def info(path: str, media_base: str) -> Dict[str, Any]:
    """GET <media_base>/<path>/info: size, format, PPOI and placeholders of any original."""
    request = Request(f"{media_base.rstrip('/')}/{quote(path)}/info", headers={"Accept": "application/json"})
    try:
        with urlopen(request, timeout=conf.timeout()) as response:
            return json.loads(response.read())
    except HTTPError as error:
        raise _error_of("GET", request.full_url, error) from None
    except (URLError, OSError) as error:
        raise RenditionError(f"rendition is unreachable at {request.full_url}: {error}") from None


def list_paths(prefix: str = "") -> Iterable[str]:
    """Every registered path (under `prefix`), page by page."""
    cursor: Optional[str] = None
    while True:
        query = {"limit": "200", **({"prefix": prefix} if prefix else {}), **({"cursor": cursor} if cursor else {})}
        page = _call("GET", f"/images?{urlencode(query)}")
        for item in page["items"]:
            yield item["path"]
        cursor = page.get("next")
        if not cursor:
            return


def warm(path: str, key_sets: Iterable[str]) -> Dict[str, Any]:
    """Renders the key sets of the original at `path` now: `{key set: {created, existing, failed}}`."""
    return _call("POST", f"{image_route(path)}/warm", *_json({"keySets": list(key_sets)}))["warmed"]


def upload(path: str, content: bytes, file_name: str, warm: Iterable[str] = ()) -> Dict[str, Any]:
    """Registers `content` at `path` (replacing what is there) and warms `warm`: the record."""
    boundary = uuid.uuid4().hex
    parts = [("path", path)] + ([("warm", ",".join(warm))] if warm else [])
    body = b"".join(
        f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode()
        for name, value in parts
    )
    safe_name = file_name.replace('"', "").replace("\r", "").replace("\n", "")
    body += (
        f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="{safe_name}"\r\n'
        "Content-Type: application/octet-stream\r\n\r\n"
    ).encode() + content + f"\r\n--{boundary}--\r\n".encode()
    return _call("POST", "/images?replace=true", body, f"multipart/form-data; boundary={boundary}")


def set_ppoi(path: str, ppoi: Tuple[float, float]) -> Dict[str, Any]:
    """PATCHes the PPOI of the registered image at `path` (its crops are made again)."""
    return _call("PATCH", image_route(path), *_json({"ppoi": {"x": ppoi[0], "y": ppoi[1]}}))


def delete(path: str) -> None:
    """Deletes the original at `path`, its renditions and record; already gone is fine."""
    try:
        _call("DELETE", image_route(path))
    except RenditionError as error:
        if error.code != "NOT_FOUND":
            raise
