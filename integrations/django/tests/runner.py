"""Django's test runner, with the built rendition server up for the whole run."""
from typing import Any

from django.conf import settings
from django.test.runner import DiscoverRunner

from .server import SERVER


class RenditionTestRunner(DiscoverRunner):
    def setup_test_environment(self, **kwargs: Any) -> None:
        SERVER.start()
        settings.RENDITION_ADMIN_URL = f"{SERVER.url}/admin"
        settings.RENDITION_MEDIA_URL = f"{SERVER.url}/media/"
        super().setup_test_environment(**kwargs)

    def teardown_test_environment(self, **kwargs: Any) -> None:
        super().teardown_test_environment(**kwargs)
        SERVER.stop()
