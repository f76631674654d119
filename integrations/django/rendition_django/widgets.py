"""The admin's PPOI widget: the file input plus the image, clicked to set the PPOI field."""
from __future__ import annotations

from typing import Any, Dict, Optional

from django import forms

from . import conf
from .specs import SpecError, rendition_url


class PPOIClickWidget(forms.ClearableFileInput):
    """VIF's click-to-set PPOI widget: writes "x"x"y" into the form's `ppoi_field` input."""

    template_name = "rendition_django/ppoi_widget.html"

    class Media:
        js = ("rendition_django/ppoi.js",)
        css = {"all": ("rendition_django/ppoi.css",)}

    def __init__(self, attrs: Optional[Dict[str, Any]] = None, ppoi_field: str = "ppoi") -> None:
        super().__init__(attrs)
        self.ppoi_field = ppoi_field

    def get_context(self, name: str, value: Any, attrs: Optional[Dict[str, Any]]) -> Dict[str, Any]:
        context = super().get_context(name, value, attrs)
        try:
            ppoi = getattr(value, "ppoi", (0.5, 0.5))
        except SpecError:  # an invalid PPOI being posted: the form shows its error
            ppoi = (0.5, 0.5)
        context["widget"].update(
            ppoi_input=self.ppoi_field,
            ppoi_left=f"{ppoi[0] * 100:g}%",
            ppoi_top=f"{ppoi[1] * 100:g}%",
            # The original as rendition serves it, wherever the storage keeps the file.
            image_url=rendition_url(conf.media_url(), value.name) if getattr(value, "name", "") else "",
        )
        return context
