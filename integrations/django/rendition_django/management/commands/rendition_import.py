"""`manage.py rendition_import`: moving from VIF, registers existing images and their PPOIs and warms them."""
from __future__ import annotations

from typing import Any, Optional

from django.core.management.base import BaseCommand, CommandError, CommandParser

from ... import client
from ...fields_registry import stored_images
from ...outbox import sync_image


class Command(BaseCommand):
    help = "Register every image of the RenditionImageFields with rendition (PPOI included) and warm its key sets."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--model", help="only this model (app_label.Model)")

    def handle(self, *args: Any, model: Optional[str] = None, **options: Any) -> None:
        images = list(stored_images(model))
        failures = 0
        for done, (row, field) in enumerate(images, start=1):
            name = getattr(row, field.attname).name
            key_sets = field._key_sets()
            ppoi = getattr(row, field.ppoi_field, "") if field.ppoi_field else ""
            try:
                sync_image(name, key_sets, ppoi, f"{row._meta.label}.{field.name}", upload=True)
                status = "ok"
            except (client.RenditionError, OSError, ValueError) as error:
                failures += 1
                status = f"FAILED: {error}"
            self.stdout.write(f"[{done}/{len(images)}] {name} {status}")
        if failures:
            raise CommandError(f"{failures} of {len(images)} images failed; run the command again to retry them")
        self.stdout.write(f"rendition_import: {len(images)} images registered and warmed")
