"""The photos app: a model with an image whose renditions rendition makes and deletes."""
from django.apps import AppConfig


class PhotosConfig(AppConfig):
    name = "photos"
