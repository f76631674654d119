"""Django REST framework (optional): VIF's VersatileImageFieldSerializer, answered with rendition's URLs.

    image = RenditionImageFieldSerializer(sizes="image")
    # {"small": "https://example.com/media/photos/cat.jpg/thumbnail/180x180", …}

`srcsets=True` adds `{"srcsets": {name: {src, srcset, sizes?, width, height}}}` and
`placeholders=True` adds the server's `{"placeholders": {dominant, lqip, thumbhash}}`.
"""
from __future__ import annotations

from typing import Any, Dict, Iterable, Tuple, Union

from rest_framework import serializers

from . import conf, records
from .specs import entry_url, parse_entry, rendition_url


class RenditionImageFieldSerializer(serializers.ImageField):
    """`{name: absolute URL}` of a key set (or of `[(name, "sizer__WxH"), …]`), VIF's output shape."""

    def __init__(
        self,
        sizes: Union[str, Iterable[Tuple[str, str]]],
        *args: Any,
        srcsets: bool = False,
        placeholders: bool = False,
        **kwargs: Any,
    ) -> None:
        self.sizes = sizes
        self.srcsets = srcsets
        self.placeholders = placeholders
        super().__init__(*args, **kwargs)

    def _entries(self) -> Dict[str, str]:
        if isinstance(self.sizes, str):
            return {name: entry.spec for name, entry in conf.key_sets()[self.sizes].items()}
        return dict(self.sizes)

    def to_representation(self, value: Any) -> Any:
        if not value:
            return None
        request = self.context.get("request")
        absolute = request.build_absolute_uri if request is not None else (lambda url: url)
        out: Dict[str, Any] = {}
        for name, spec in self._entries().items():
            # The original through rendition too, wherever the storage keeps it (an S3 URL would
            # bypass rendition's headers, surrogate keys and nginx).
            url = (
                rendition_url(conf.media_url(), value.name)
                if spec == "url"
                else entry_url(conf.media_url(), value.name, parse_entry(spec))
            )
            out[name] = absolute(url)
        if self.srcsets and isinstance(self.sizes, str):
            out["srcsets"] = {}
            for name in self._entries():
                srcset = value.srcset(self.sizes, name)
                served = records.served_size(value.name, self.sizes, name)
                width, height = served or (srcset.width, srcset.height)
                item: Dict[str, Any] = {
                    "src": absolute(srcset.src),
                    "srcset": ", ".join(f"{absolute(url)} {d}" for url, d in srcset.candidates),
                    "width": width,
                    "height": height,
                }
                if srcset.sizes:
                    item["sizes"] = srcset.sizes
                out["srcsets"][name] = item
        if self.placeholders:
            out["placeholders"] = records.placeholders_of(value.name)
        return out
