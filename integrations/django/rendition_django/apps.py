"""The app: registers the system check that compares key sets with the server's."""
from django.apps import AppConfig


class RenditionConfig(AppConfig):
    name = "rendition_django"
    verbose_name = "rendition"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from . import checks  # noqa: F401  (registers the check)
