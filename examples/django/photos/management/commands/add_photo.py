"""`manage.py add_photo IMAGE [--title T]`: one Photo from a file, as a form upload would.

The field stores the file under MEDIA_ROOT/photos/ and, once the transaction commits, warms
the `image` key set on rendition; the command prints the photo's page path.
"""
from pathlib import Path

from django.core.files import File
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction

from photos.models import Photo


class Command(BaseCommand):
    help = "Adds a photo from an image file and prints the path of its page."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("image", type=Path)
        parser.add_argument("--title", default=None)

    def handle(self, *args: object, image: Path, title: str | None, **options: object) -> None:
        if not image.is_file():
            raise CommandError(f"Expected an image file but {image} is not one")
        with transaction.atomic(), image.open("rb") as source:
            photo = Photo(title=title or image.stem)
            photo.image_file.save(image.name, File(source), save=False)
            photo.save()
        self.stdout.write(f"/photos/{photo.pk}/")
