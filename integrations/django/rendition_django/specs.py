"""Pure rules, no settings and no I/O: key-set entries, rendition URLs and output sizes.

They mirror the server's (docs/urls.md, docs/key-sets.md), so URLs are built locally with
no request: `<media_url><path>[/filters/<f>…]/<sizer>/<W>x<H>`.
"""
from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from typing import Any, Dict, Iterable, List, Mapping, Optional, Sequence, Tuple
from urllib.parse import quote

SIZERS = ("thumbnail", "crop", "pad")
#: The server's filters, in the one order a URL may list them.
FILTERS = ("blur", "sharpen", "invert", "grayscale")
_SIZE = re.compile(r"^(0|[1-9][0-9]{0,4})x(0|[1-9][0-9]{0,4})$")


class SpecError(ValueError):
    """A key-set entry, size or filter rendition would refuse."""


@dataclass(frozen=True)
class Entry:
    """One key-set entry: `sizer__WxH`, with optional `densities` or `widths` for a srcset."""

    sizer: str
    width: int
    height: int
    densities: Tuple[float, ...] = ()
    widths: Tuple[int, ...] = ()
    sizes: Optional[str] = None

    @property
    def spec(self) -> str:
        return f"{self.sizer}__{self.width}x{self.height}"

    def to_server_form(self) -> Any:
        """The entry as GET /admin/key-sets answers it: a string, or an object with variants."""
        if self.densities:
            return {"size": self.spec, "densities": list(self.densities)}
        if self.widths:
            return {"size": self.spec, "widths": list(self.widths), "sizes": self.sizes}
        return self.spec


KeySets = Dict[str, Dict[str, Entry]]


def parse_size(size: str) -> Tuple[int, int]:
    """`"350x350"` -> (350, 350); canonical numbers only, not both 0."""
    match = _SIZE.match(size)
    if match is None or size == "0x0":
        raise SpecError(f"Expected a size like 350x350 but received {size!r}")
    return int(match.group(1)), int(match.group(2))


def parse_entry(value: Any) -> Entry:
    """A `"thumbnail__180x180"` string or rendition's `{"size": …, "densities"|"widths": …}`."""
    options: Mapping[str, Any] = {}
    if isinstance(value, Mapping):
        options, value = value, value.get("size")
    if not isinstance(value, str) or "__" not in value:
        raise SpecError(f"Expected an entry like thumbnail__180x180 but received {value!r}")
    sizer, _, size = value.partition("__")
    if sizer not in SIZERS:
        raise SpecError(f"Expected a sizer of {', '.join(SIZERS)} but received {sizer!r}")
    width, height = parse_size(size)
    densities = tuple(sorted({1.0, *(float(d) for d in options.get("densities", ()))}))
    widths = tuple(sorted({width, *(int(w) for w in options.get("widths", ()))}))
    return Entry(
        sizer,
        width,
        height,
        densities=densities if "densities" in options else (),
        widths=widths if "widths" in options else (),
        sizes=options.get("sizes") or (f"(max-width: {width}px) 100vw, {width}px" if "widths" in options else None),
    )


def parse_key_sets(value: Mapping[str, Any]) -> KeySets:
    """VIF's `{"image": [("small", "thumbnail__180x180"), …]}`, or `{name: {key: entry}}`."""
    key_sets: KeySets = {}
    for name, entries in value.items():
        pairs: Iterable[Tuple[str, Any]] = entries.items() if isinstance(entries, Mapping) else entries
        try:
            key_sets[name] = {key: parse_entry(entry) for key, entry in pairs}
        except SpecError as error:
            raise SpecError(f"key set {name!r}: {error}") from None
    return key_sets


def canonical_filters(names: Iterable[str]) -> Tuple[str, ...]:
    """Filters in the server's order, each once; unknown ones refused."""
    chosen = set(names)
    unknown = chosen - set(FILTERS)
    if unknown:
        raise SpecError(f"Expected filters of {', '.join(FILTERS)} but received {sorted(unknown)!r}")
    return tuple(name for name in FILTERS if name in chosen)


def rendition_url(
    media_url: str,
    path: str,
    sizer: Optional[str] = None,
    size: Optional[Tuple[int, int]] = None,
    filters: Sequence[str] = (),
) -> str:
    """The URL of a rendition (or of the filtered original when `sizer` is None)."""
    url = f"{media_url.rstrip('/')}/{quote(path)}"
    if filters:
        url += "/filters/" + "/".join(canonical_filters(filters))
    if sizer is not None and size is not None:
        url += f"/{sizer}/{size[0]}x{size[1]}"
    return url


def _round(value: float) -> int:
    """JavaScript's Math.round, which the server uses (Python's round() rounds half to even)."""
    return math.floor(value + 0.5)


def output_size(original: Tuple[int, int], sizer: str, size: Tuple[int, int], upscale: bool = False) -> Tuple[int, int]:
    """The size of a rendition of an original of `original` (width, height), as the server plans it."""
    w, h = original
    W, H = size
    if sizer == "pad" and W and H:
        return W, H  # fitted inside, then barred out to exactly WxH
    if sizer != "crop" or W == 0 or H == 0:
        scales = [W / w if W else math.inf, H / h if H else math.inf]
        scale = min(scales) if upscale else min(1, *scales)
        return max(1, _round(w * scale)), max(1, _round(h * scale))
    if not upscale and max(W / w, H / h) > 1:
        # Too small to cover WxH: the largest WxH-shaped window it has.
        if w / h > W / H:
            return max(1, _round(h * W / H)), h
        return w, max(1, _round(w * H / W))
    return W, H


@dataclass(frozen=True)
class Srcset:
    """What an <img> needs for one entry."""

    src: str
    srcset: str
    width: Optional[int] = None
    height: Optional[int] = None
    sizes: Optional[str] = None
    candidates: List[Tuple[str, str]] = field(default_factory=list)


def srcset_for(media_url: str, path: str, entry: Entry, original: Optional[Tuple[int, int]] = None) -> Srcset:
    """src, srcset (exact descriptors when the original's size is known) and sizes of an entry."""
    variants: List[Tuple[Tuple[int, int], float]]
    if entry.widths:
        variants = [((w, _round(entry.height * w / entry.width)), w) for w in entry.widths]
    else:
        variants = [((_round(entry.width * d), _round(entry.height * d)), d) for d in entry.densities or (1.0,)]
    base = output_size(original, entry.sizer, (entry.width, entry.height)) if original else None
    candidates: List[Tuple[str, str]] = []
    widest = 0
    for size, value in variants:
        descriptor: float = value
        if original is not None and base is not None:
            out_width = output_size(original, entry.sizer, size)[0]
            if out_width <= widest:
                continue
            widest = out_width
            if entry.widths:
                descriptor = out_width
            else:
                real = out_width / base[0]
                descriptor = value if abs(real - value) < value / 100 else _round(real * 100) / 100
        unit = "w" if entry.widths else "x"
        candidates.append((rendition_url(media_url, path, entry.sizer, size), f"{descriptor:g}{unit}"))
    return Srcset(
        src=rendition_url(media_url, path, entry.sizer, (entry.width, entry.height)),
        srcset=", ".join(f"{url} {descriptor}" for url, descriptor in candidates),
        width=base[0] if base else None,
        height=base[1] if base else None,
        sizes=entry.sizes,
        candidates=candidates,
    )


def parse_ppoi(value: Optional[str]) -> Tuple[float, float]:
    """VIF's stored PPOI `"0.3x0.6"` -> (0.3, 0.6); empty is the centre."""
    if not value:
        return (0.5, 0.5)
    try:
        x, y = (float(part) for part in value.split("x"))
    except ValueError:
        raise SpecError(f"Expected a PPOI like 0.5x0.5 but received {value!r}") from None
    if not (0 <= x <= 1 and 0 <= y <= 1):
        raise SpecError(f"Expected a PPOI within 0..1 but received {value!r}")
    return (x, y)


def format_ppoi(ppoi: Tuple[float, float]) -> str:
    """(0.3, 0.6) -> `"0.3x0.6"`, VIF's stored form."""
    return f"{ppoi[0]:g}x{ppoi[1]:g}"
