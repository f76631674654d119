"""A VIF model moved to rendition: only the imports changed."""
from django.db import models

from rendition_django.fields import PPOIField, RenditionImageField


class Photo(models.Model):
    title = models.CharField(max_length=200)
    image = RenditionImageField(upload_to="photos", ppoi_field="ppoi", width_field="width", height_field="height")
    ppoi = PPOIField()
    width = models.PositiveIntegerField(null=True, blank=True)
    height = models.PositiveIntegerField(null=True, blank=True)

    def __str__(self) -> str:
        return self.title
