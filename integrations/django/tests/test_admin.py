"""The admin's PPOI widget: the image with its marker, and a posted PPOI that reaches rendition."""
from django.conf import settings
from django.contrib.auth.models import User

from .helpers import PhotoTestCase, admin_record


class AdminWidgetTests(PhotoTestCase):
    def setUp(self) -> None:
        super().setUp()
        User.objects.create_superuser("admin", "admin@example.com", "pw")
        self.client.login(username="admin", password="pw")

    def test_the_change_form_shows_the_clickable_image_and_saves_the_ppoi(self) -> None:
        photo = self.create_photo()
        page = self.client.get(f"/admin/gallery/photo/{photo.pk}/change/").content.decode()
        self.assertIn('<div class="rendition-ppoi" data-ppoi-input="ppoi">', page)
        self.assertIn(f'<img src="{settings.RENDITION_MEDIA_URL}{photo.image.name}"', page)
        self.assertIn('style="left: 50%; top: 50%"', page)
        self.assertIn("rendition_django/ppoi.js", page)
        response = self.client.post(
            f"/admin/gallery/photo/{photo.pk}/change/",
            {"title": "A cat", "ppoi": "0.3x0.7", "width": "640", "height": "480"},
        )
        self.assertEqual(response.status_code, 302, response.content.decode()[:2000])
        record = admin_record(photo.image.name)
        assert record is not None
        self.assertEqual(record["ppoi"], {"x": 0.3, "y": 0.7})

    def test_a_bad_ppoi_is_a_form_error(self) -> None:
        photo = self.create_photo()
        response = self.client.post(f"/admin/gallery/photo/{photo.pk}/change/", {"title": "A cat", "ppoi": "2x2"})
        self.assertContains(response, "Expected a PPOI within 0..1 but received &#x27;2x2&#x27;")
