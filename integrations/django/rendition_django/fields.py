"""RenditionImageField and PPOIField: VIF's model fields, with URLs built locally and hooks that never break a save.

`photo.image.thumbnail["350x350"].url`, `photo.image.crop["400x400"].url`,
`photo.image.pad["400x400"].url`, `photo.image.filters.invert.crop["400x400"].url`,
`photo.image.url_set("image")`, and in
templates `{{ photo.image.thumbnail.350x350 }}`: no request to rendition.
"""
from __future__ import annotations

from typing import Any, Dict, Iterable, List, Optional, Sequence, Tuple, Union

from django.db import models
from django.forms import ClearableFileInput
from django.db.models.fields.files import ImageFieldFile
from django.db.models.signals import post_delete, post_init, post_save

from . import conf, outbox
from .models import RenditionJob
from .specs import (
    FILTERS,
    SpecError,
    Srcset,
    canonical_filters,
    entry_url,
    format_ppoi,
    parse_ppoi,
    parse_size_and_format,
    rendition_url,
    srcset_for,
)


class SizedImage(str):
    """A rendition's URL (a str, so templates print it) with VIF's `.url`."""

    @property
    def url(self) -> str:
        return str(self)


class Sizer:
    """`file.thumbnail` / `file.crop` / `file.pad`: indexed by `"WxH"` or `"WxH.<fmt>"`."""

    def __init__(self, file: "RenditionFieldFile", sizer: str, filters: Sequence[str] = ()) -> None:
        self._file, self._sizer, self._filters = file, sizer, tuple(filters)

    def __getitem__(self, size: str) -> SizedImage:
        if not self._file.name:
            return SizedImage("")
        width, height, fmt = parse_size_and_format(size)
        return SizedImage(
            rendition_url(conf.media_url(), self._file.name, self._sizer, (width, height), self._filters, fmt)
        )


class Filters:
    """`file.filters.invert` (the filtered original, `.url`), then `.crop[...]`/`.thumbnail[...]`."""

    def __init__(self, file: "RenditionFieldFile", names: Tuple[str, ...] = ()) -> None:
        self._file, self._names = file, names

    def __getattr__(self, name: str) -> "Filters":
        if name.startswith("_") or name not in FILTERS:
            raise AttributeError(f"Expected a filter of {', '.join(FILTERS)} but received {name!r}")
        return Filters(self._file, canonical_filters((*self._names, name)))

    __getitem__ = __getattr__

    @property
    def thumbnail(self) -> Sizer:
        return Sizer(self._file, "thumbnail", self._names)

    @property
    def crop(self) -> Sizer:
        return Sizer(self._file, "crop", self._names)

    @property
    def pad(self) -> Sizer:
        return Sizer(self._file, "pad", self._names)

    @property
    def url(self) -> str:
        return rendition_url(conf.media_url(), self._file.name, filters=self._names) if self._file.name else ""

    def __str__(self) -> str:
        return self.url


class RenditionFieldFile(ImageFieldFile):
    """The file of a RenditionImageField: an ImageFieldFile with VIF's attribute API."""

    field: "RenditionImageField"

    @property
    def thumbnail(self) -> Sizer:
        return Sizer(self, "thumbnail")

    @property
    def crop(self) -> Sizer:
        return Sizer(self, "crop")

    @property
    def pad(self) -> Sizer:
        return Sizer(self, "pad")

    @property
    def filters(self) -> Filters:
        return Filters(self)

    @property
    def ppoi(self) -> Tuple[float, float]:
        """The PPOI as (x, y) in 0..1, from the model's `ppoi_field`; the centre without one."""
        name = self.field.ppoi_field
        return parse_ppoi(getattr(self.instance, name, None) if name else None)

    @ppoi.setter
    def ppoi(self, value: Union[str, Tuple[float, float]]) -> None:
        if not self.field.ppoi_field:
            raise AttributeError(f"{self.field.name} has no ppoi_field to store a PPOI in")
        text = value if isinstance(value, str) else format_ppoi(value)
        parse_ppoi(text)
        setattr(self.instance, self.field.ppoi_field, text)

    def url_set(self, key_set: str) -> Dict[str, SizedImage]:
        """`{name: url}` of a key set, VIF's build_versatileimagefield_url_set."""
        return {name: SizedImage(entry_url(conf.media_url(), self.name, entry)) if self.name else SizedImage("") for name, entry in conf.key_sets()[key_set].items()}

    def srcset(self, key_set: str, name: str) -> Srcset:
        """src, srcset, sizes and the rendition's width and height for one entry (no request)."""
        entry = conf.key_sets()[key_set][name]
        original = self.original_size()
        return srcset_for(
            conf.media_url(), self.name, entry, original, rounding=conf.thumbnail_rounding(), crop_upscale=conf.crop_upscale()
        )

    def original_size(self) -> Optional[Tuple[int, int]]:
        """(width, height) from width_field/height_field, else read from the file; None if unreadable."""
        try:
            return (self.width, self.height) if self.name else None
        except (OSError, ValueError, TypeError):
            return None


class RenditionImageField(models.ImageField):
    """A drop-in for VIF's VersatileImageField (and ImageField) whose renditions rendition makes.

    `key_sets`: the key sets warmed after a save (default: every one in RENDITION_KEY_SETS).
    `ppoi_field`: the name of the model's PPOIField.
    """

    attr_class = RenditionFieldFile

    def __init__(
        self,
        *args: Any,
        ppoi_field: Optional[str] = None,
        key_sets: Optional[Iterable[str]] = None,
        placeholder_image: Any = None,
        **kwargs: Any,
    ) -> None:
        self.ppoi_field = ppoi_field
        self.key_sets = tuple(key_sets) if key_sets is not None else None
        super().__init__(*args, **kwargs)

    def deconstruct(self) -> Tuple[Any, ...]:
        name, path, args, kwargs = super().deconstruct()
        if self.ppoi_field:
            kwargs["ppoi_field"] = self.ppoi_field
        if self.key_sets is not None:
            kwargs["key_sets"] = list(self.key_sets)
        return name, path, args, kwargs

    def contribute_to_class(self, cls: Any, name: str, **kwargs: Any) -> None:
        super().contribute_to_class(cls, name, **kwargs)
        if not cls._meta.abstract:
            post_init.connect(self._remember, sender=cls, weak=False)
            post_save.connect(self._after_save, sender=cls, weak=False)
            post_delete.connect(self._after_delete, sender=cls, weak=False)

    def formfield(self, **kwargs: Any) -> Any:
        from .widgets import PPOIClickWidget

        widget = kwargs.get("widget")
        widget_class = widget if isinstance(widget, type) else type(widget)
        # The admin asks for its AdminFileWidget: the PPOI widget is one with the image added.
        if self.ppoi_field and (widget is None or issubclass(widget_class, ClearableFileInput)):
            kwargs["widget"] = PPOIClickWidget(ppoi_field=self.ppoi_field)
        return super().formfield(**kwargs)

    # Lifecycle: what the row held when loaded or last saved, so a save knows what changed.

    def _state_key(self) -> str:
        return f"_rendition_{self.attname}"

    def _current(self, instance: models.Model) -> Tuple[str, str]:
        name = instance.__dict__.get(self.attname)
        name = getattr(name, "name", name) or ""
        ppoi = (getattr(instance, self.ppoi_field, "") if self.ppoi_field else "") or "0.5x0.5"
        try:
            return name, format_ppoi(parse_ppoi(ppoi))
        except SpecError:  # never break a save: the job fails, is logged and stays in the outbox
            return name, str(ppoi)

    def _remember(self, instance: models.Model, **kwargs: Any) -> None:
        if self.attname in instance.__dict__ and instance.pk is not None:
            instance.__dict__[self._state_key()] = self._current(instance)

    def _after_save(self, instance: models.Model, created: bool, **kwargs: Any) -> None:
        previous_name, previous_ppoi = instance.__dict__.get(self._state_key(), ("", "0.5x0.5"))
        name, ppoi = self._current(instance)
        if name != previous_name:
            if previous_name:
                outbox.enqueue(RenditionJob.DELETE, previous_name)
            if name:
                outbox.enqueue(RenditionJob.SYNC, name, key_sets=self._key_sets(), ppoi=ppoi, field=self._label())
        elif ppoi != previous_ppoi and name:
            outbox.enqueue(RenditionJob.PPOI, name, key_sets=self._key_sets(), ppoi=ppoi, field=self._label())
        instance.__dict__[self._state_key()] = (name, ppoi)

    def _after_delete(self, instance: models.Model, **kwargs: Any) -> None:
        name, _ = self._current(instance)
        if name:
            outbox.enqueue(RenditionJob.DELETE, name)

    def _key_sets(self) -> List[str]:
        """The key sets warmed for this field: its own, else every configured one."""
        return list(self.key_sets if self.key_sets is not None else conf.key_sets())

    def _label(self) -> str:
        return f"{self.model._meta.label}.{self.name}"


class PPOIField(models.CharField):
    """VIF's PPOIField: the primary point of interest stored as `"x" "x" "y"` ("0.5x0.5")."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("max_length", 20)
        kwargs.setdefault("default", "0.5x0.5")
        kwargs.setdefault("blank", True)
        super().__init__(*args, **kwargs)

    def validate(self, value: Any, model_instance: Any) -> None:
        super().validate(value, model_instance)
        from django.core.exceptions import ValidationError

        from .specs import SpecError

        try:
            parse_ppoi(value)
        except SpecError as error:
            raise ValidationError(str(error)) from None
