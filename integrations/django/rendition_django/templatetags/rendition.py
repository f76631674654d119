"""`{% load rendition %}`: complete <img> and <picture> elements, and the `rendition` filter.

    {% rendition_img photo.image "image" "small" alt=photo.title %}
    {% rendition_picture photo.image "image" "large" alt=photo.title %}
    {{ photo.image|rendition:"crop__400x400" }}
"""
from __future__ import annotations

from typing import Any, Dict, Optional

from django import template
from django.forms.utils import flatatt
from django.utils.html import format_html

from .. import conf, records
from ..specs import SpecError, entry_url, parse_entry

register = template.Library()

#: The <picture> sources, best first; the <img> gets the JPEG.
PICTURE_FORMATS = (("avif", "image/avif"), ("webp", "image/webp"))


@register.filter(name="rendition")
def rendition_filter(file: Any, spec: str) -> str:
    """The URL of one `[filters__<f>__…]sizer__WxH[.fmt]` rendition of an image (empty for no image)."""
    if not getattr(file, "name", None):
        return ""
    try:
        entry = parse_entry(spec)
    except SpecError as error:
        raise template.TemplateSyntaxError(str(error)) from None
    return entry_url(conf.media_url(), file.name, entry)


def _attributes(file: Any, key_set: str, name: str, extra: Dict[str, Any]) -> Optional[Dict[str, Any]]:
    if not getattr(file, "name", None):
        return None
    srcset = file.srcset(key_set, name)
    served = records.served_size(file.name, key_set, name)
    width, height = served or (srcset.width, srcset.height)
    attributes: Dict[str, Any] = {"src": srcset.src, "srcset": srcset.srcset}
    if srcset.sizes:
        attributes["sizes"] = srcset.sizes
    if width is not None:
        attributes.update(width=width, height=height)
    attributes.update({"alt": "", "loading": "lazy", "decoding": "async"})
    attributes.update({key.replace("_", "-"): value for key, value in extra.items()})
    return attributes


@register.simple_tag
def rendition_img(file: Any, key_set: str, name: str, **extra: Any) -> str:
    """<img src srcset [sizes] width height alt loading decoding> for one key-set entry."""
    attributes = _attributes(file, key_set, name, extra)
    return format_html("<img{}>", flatatt(attributes)) if attributes else ""


@register.simple_tag
def rendition_picture(file: Any, key_set: str, name: str, **extra: Any) -> str:
    """<picture> with AVIF and WebP sources and a JPEG <img>, painted with the placeholder."""
    attributes = _attributes(file, key_set, name, extra)
    if attributes is None:
        return ""
    srcset = file.srcset(key_set, name)
    if conf.key_sets()[key_set][name].format is not None:
        # An entry with an explicit format (`crop__400x400.webp`) is that format for everyone.
        return format_html("<picture><img{}></picture>", flatatt(attributes))
    sizes = format_html(' sizes="{}"', srcset.sizes) if srcset.sizes else ""
    sources = [
        format_html(
            '<source type="{}" srcset="{}"{}>',
            mime,
            ", ".join(f"{url}.{extension} {descriptor}" for url, descriptor in srcset.candidates),
            sizes,
        )
        for extension, mime in PICTURE_FORMATS
    ]
    attributes["src"] = f"{srcset.src}.jpg"
    attributes["srcset"] = ", ".join(f"{url}.jpg {descriptor}" for url, descriptor in srcset.candidates)
    placeholders = records.placeholders_of(file.name)
    if placeholders:
        attributes.setdefault(
            "style",
            f"background: {placeholders['dominant']} url({placeholders['lqip']}) center / cover no-repeat",
        )
    return format_html("<picture>{}<img{}></picture>", format_html("".join(["{}"] * len(sources)), *sources), flatatt(attributes))
