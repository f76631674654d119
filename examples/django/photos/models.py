"""A model with an image, the article's, with rendition doing versatileimagefield's work.

rendition_django's field builds the URLs (VIF's attribute API, no request) and, once a
transaction commits, warms the key sets after a save, deletes the old original and its
renditions when a new file replaces it, and deletes everything after a delete. A failure
never breaks the save: it is logged and kept in the outbox (`manage.py rendition_sync`).
"""
from django.db import models

from rendition_django.fields import PPOIField, RenditionImageField


class Photo(models.Model):
    title = models.CharField(max_length=200)
    # Django writes the original to MEDIA_ROOT/photos/, rendition's MEDIA_ROOT; the field
    # builds rendition URLs (VIF's attribute API) and its hooks warm and delete on commit.
    image_file = RenditionImageField(upload_to="photos", ppoi_field="ppoi")
    ppoi = PPOIField()

    def __str__(self):
        return self.title

    @property
    def sizes(self):
        """{small: url, medium: url, large: url} of the `image` key set."""
        return self.image_file.url_set("image")
