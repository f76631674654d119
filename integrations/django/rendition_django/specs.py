"""Pure rules, no settings and no I/O: key-set entries, rendition URLs and output sizes.

They mirror the server's (docs/urls.md, docs/key-sets.md), so URLs are built locally with
no request: `<media_url><path>[/filters/<f>…]/<sizer>/<W>x<H>[.<fmt>]`.
"""
from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from typing import Any, Dict, Iterable, List, Mapping, Optional, Sequence, Tuple
from urllib.parse import quote

SIZERS = ("thumbnail", "crop", "pad")
#: The server's filters, in the one order a URL may list them.
FILTERS = ("still", "blur", "sharpen", "invert", "grayscale", "watermark")
#: Output formats, by their URL extension (`/thumbnail/180x180.webp`).
FORMATS = ("jpg", "png", "webp", "avif", "gif")
#: THUMBNAIL_ROUNDING on the server: how the free side of a fit-inside size is rounded.
ROUNDINGS = ("nearest", "pillow")
_SIZE = re.compile(r"^(0|[1-9][0-9]{0,4})x(0|[1-9][0-9]{0,4})$")
_SIZE_WITH_FORMAT = re.compile(r"^(.*?)(?:\.([a-z]+))?$")


class SpecError(ValueError):
    """A key-set entry, size or filter rendition would refuse."""


@dataclass(frozen=True)
class Entry:
    """One key-set entry: `[filters__<f>__…]sizer__WxH[.fmt]`, with optional `densities` or `widths` for a srcset."""

    sizer: str
    width: int
    height: int
    densities: Tuple[float, ...] = ()
    widths: Tuple[int, ...] = ()
    sizes: Optional[str] = None
    #: In the server's order; empty: none.
    filters: Tuple[str, ...] = ()
    #: An explicit output format; None: negotiated from Accept.
    format: Optional[str] = None

    @property
    def spec(self) -> str:
        prefix = "".join(f"{name}__" for name in ("filters", *self.filters)) if self.filters else ""
        suffix = f".{self.format}" if self.format else ""
        return f"{prefix}{self.sizer}__{self.width}x{self.height}{suffix}"

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


def parse_size_and_format(text: str) -> Tuple[int, int, Optional[str]]:
    """`"350x350"` -> (350, 350, None); `"350x350.webp"` -> (350, 350, "webp")."""
    match = _SIZE_WITH_FORMAT.match(text)
    size, fmt = (match.group(1), match.group(2)) if match else (text, None)
    width, height = parse_size(size)
    if fmt is not None and fmt not in FORMATS:
        raise SpecError(f"Expected a format of {', '.join(FORMATS)} but received {fmt!r}")
    return width, height, fmt


def parse_entry(value: Any) -> Entry:
    """A `"[filters__invert__]thumbnail__180x180[.webp]"` string or rendition's `{"size": …, "densities"|"widths": …}`."""
    options: Mapping[str, Any] = {}
    if isinstance(value, Mapping):
        options, value = value, value.get("size")
    if not isinstance(value, str) or "__" not in value:
        raise SpecError(f"Expected an entry like thumbnail__180x180 but received {value!r}")
    parts = value.split("__")
    filters: Tuple[str, ...] = ()
    if parts[0] == "filters":
        names = parts[1:-2]
        if not names:
            raise SpecError(f"Expected an entry like filters__invert__crop__400x400 but received {value!r}")
        filters = canonical_filters(names)
        if filters != tuple(names):
            raise SpecError(
                f"Expected filters at most once each, in the order {', '.join(FILTERS)}, but received {'__'.join(names)!r}"
            )
        parts = parts[-2:]
    if len(parts) != 2:
        raise SpecError(f"Expected an entry like thumbnail__180x180 but received {value!r}")
    sizer, size = parts
    if sizer not in SIZERS:
        raise SpecError(f"Expected a sizer of {', '.join(SIZERS)} but received {sizer!r}")
    width, height, fmt = parse_size_and_format(size)
    densities = tuple(sorted({1.0, *(float(d) for d in options.get("densities", ()))}))
    widths = tuple(sorted({width, *(int(w) for w in options.get("widths", ()))}))
    return Entry(
        sizer,
        width,
        height,
        densities=densities if "densities" in options else (),
        widths=widths if "widths" in options else (),
        sizes=options.get("sizes") or (f"(max-width: {width}px) 100vw, {width}px" if "widths" in options else None),
        filters=filters,
        format=fmt,
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
    fmt: Optional[str] = None,
) -> str:
    """The URL of a rendition (or of the filtered original when `sizer` is None), `fmt` its explicit format."""
    url = f"{media_url.rstrip('/')}/{quote(path)}"
    if filters:
        url += "/filters/" + "/".join(canonical_filters(filters))
    if sizer is not None and size is not None:
        url += f"/{sizer}/{size[0]}x{size[1]}"
        if fmt is not None:
            if fmt not in FORMATS:
                raise SpecError(f"Expected a format of {', '.join(FORMATS)} but received {fmt!r}")
            url += f".{fmt}"
    elif fmt is not None:
        raise SpecError("Expected a size with the format: a filters-only rendition has no explicit format")
    return url


def entry_url(media_url: str, path: str, entry: Entry, size: Optional[Tuple[int, int]] = None) -> str:
    """The URL of a key-set entry (or of one of its variants, `size`), its filters and format kept."""
    return rendition_url(media_url, path, entry.sizer, size or (entry.width, entry.height), entry.filters, entry.format)


def _round(value: float) -> int:
    """JavaScript's Math.round, which the server uses (Python's round() rounds half to even)."""
    return math.floor(value + 0.5)


def pillow_fit(w: int, h: int, box_w: float, box_h: float) -> Tuple[int, int]:
    """Pillow's `Image.thumbnail()` rule (THUMBNAIL_ROUNDING=pillow): the bounded side exact, the
    other rounded down or up, whichever keeps `w / h` closer (down on a tie), at least 1."""
    aspect = w / h

    def closest(value: float, error: Any) -> int:
        down, up = math.floor(value), math.ceil(value)
        return max(up if error(up) < error(down) else down, 1)

    if box_w / box_h >= aspect:
        return closest(box_h * aspect, lambda n: abs(aspect - n / box_h)), int(box_h)
    # Pillow scores a height of 0 as a perfect fit; the floor of 1 then applies.
    return int(box_w), closest(box_w / aspect, lambda n: 0 if n == 0 else abs(aspect - box_w / n))


def output_size(
    original: Tuple[int, int],
    sizer: str,
    size: Tuple[int, int],
    upscale: bool = False,
    rounding: str = "nearest",
    crop_upscale: bool = False,
) -> Tuple[int, int]:
    """The size of a rendition of an original of `original` (width, height), as the server plans it
    with UPSCALE, THUMBNAIL_ROUNDING (`rounding`) and CROP_UPSCALE."""
    if rounding not in ROUNDINGS:
        raise SpecError(f"Expected a rounding of {', '.join(ROUNDINGS)} but received {rounding!r}")
    w, h = original
    W, H = size
    if sizer == "pad" and W and H:
        return W, H  # fitted inside, then barred out to exactly WxH
    if sizer != "crop" or W == 0 or H == 0:
        box_w, box_h = W or math.inf, H or math.inf
        scale = min(box_w / w, box_h / h) if upscale else min(1, box_w / w, box_h / h)
        if scale != 1 and rounding == "pillow":
            return pillow_fit(w, h, box_w, box_h)
        return max(1, _round(w * scale)), max(1, _round(h * scale))
    if not upscale and not crop_upscale and max(W / w, H / h) > 1:
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


def srcset_for(
    media_url: str,
    path: str,
    entry: Entry,
    original: Optional[Tuple[int, int]] = None,
    rounding: str = "nearest",
    crop_upscale: bool = False,
) -> Srcset:
    """src, srcset (exact descriptors when the original's size is known) and sizes of an entry,
    sized as the server does with THUMBNAIL_ROUNDING (`rounding`) and CROP_UPSCALE."""

    def sized(size: Tuple[int, int]) -> Tuple[int, int]:
        assert original is not None
        return output_size(original, entry.sizer, size, rounding=rounding, crop_upscale=crop_upscale)

    variants: List[Tuple[Tuple[int, int], float]]
    if entry.widths:
        variants = [((w, _round(entry.height * w / entry.width)), w) for w in entry.widths]
    else:
        variants = [((_round(entry.width * d), _round(entry.height * d)), d) for d in entry.densities or (1.0,)]
    base = sized((entry.width, entry.height)) if original else None
    candidates: List[Tuple[str, str]] = []
    widest = 0
    for size, value in variants:
        descriptor: float = value
        if original is not None and base is not None:
            out_width = sized(size)[0]
            if out_width <= widest:
                continue
            widest = out_width
            if entry.widths:
                descriptor = out_width
            else:
                real = out_width / base[0]
                descriptor = value if abs(real - value) < value / 100 else _round(real * 100) / 100
        unit = "w" if entry.widths else "x"
        candidates.append((entry_url(media_url, path, entry, size), f"{descriptor:g}{unit}"))
    return Srcset(
        src=entry_url(media_url, path, entry),
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
