"""`manage.py rendition_sync`: runs every job of the outbox now; `--check` reports drift instead."""
from __future__ import annotations

from typing import Any, List

from django.core.management.base import BaseCommand, CommandError, CommandParser

from ... import client, conf
from ...fields_registry import stored_images
from ...models import RenditionJob
from ...outbox import run_due


class Command(BaseCommand):
    help = "Run the rendition outbox (failed warms, uploads, PPOIs, deletes); --check reports drift."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--check", action="store_true", help="report drift and exit 1 if there is any")

    def handle(self, *args: Any, check: bool = False, **options: Any) -> None:
        if check:
            return self.check_drift()
        pending = RenditionJob.objects.count()
        failed = run_due(everything=True)
        self.stdout.write(f"rendition_sync: {pending - len(failed)} of {pending} jobs done")
        if failed:
            for job in failed:
                self.stderr.write(f"  {job.action} {job.path}: {job.last_error}")
            raise CommandError(f"{len(failed)} jobs failed and stay in the outbox")

    def check_drift(self) -> None:
        lines: List[str] = [
            f"pending: {job.action} {job.path} (attempts {job.attempts}: {job.last_error or 'not run yet'})"
            for job in RenditionJob.objects.all()
        ]
        names = set()
        for row, field in stored_images():
            name = getattr(row, field.attname).name
            names.add(name)
            try:
                client.info(name, self.media_base())
            except client.RenditionError as error:
                lines.append(f"without renditions: {row._meta.label} {row.pk} {name} ({error.code})")
        try:
            for path in client.list_paths():
                if path not in names:
                    lines.append(f"no row points to: {path} (registered in rendition)")
        except client.RenditionError as error:
            raise CommandError(str(error)) from None
        for line in lines:
            self.stdout.write(line)
        if lines:
            raise CommandError(f"{len(lines)} differences between Django and rendition")
        self.stdout.write("rendition_sync --check: no drift")

    @staticmethod
    def media_base() -> str:
        """Where the info endpoint is: MEDIA_URL on the admin API's host when it is relative."""
        media = conf.media_url()
        if media.startswith("http"):
            return media
        origin = conf.admin_url().rsplit("/admin", 1)[0]
        return f"{origin}{media}"
