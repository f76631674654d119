"""Every RenditionImageField of the installed models, for the management commands."""
from __future__ import annotations

from typing import Iterator, List, Optional, Tuple, Type

from django.apps import apps
from django.db import models

from .fields import RenditionImageField


def image_fields(label: Optional[str] = None) -> List[Tuple[Type[models.Model], RenditionImageField]]:
    """(model, field) pairs, of one model ("app_label.Model") when `label` is given."""
    chosen = [apps.get_model(label)] if label else apps.get_models()
    return [
        (model, field)
        for model in chosen
        for field in model._meta.get_fields()
        if isinstance(field, RenditionImageField)
    ]


def stored_images(label: Optional[str] = None) -> Iterator[Tuple[models.Model, RenditionImageField]]:
    """(row, field) for each row that has a file in a RenditionImageField."""
    for model, field in image_fields(label):
        rows = model._default_manager.exclude(**{field.attname: ""}).exclude(**{f"{field.attname}__isnull": True})
        for row in rows.iterator():
            yield row, field
