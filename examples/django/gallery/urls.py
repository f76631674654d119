"""URLs of the example site: one page per photo. nginx serves MEDIA_URL, never Django."""
from django.urls import path

from photos.views import photo_detail

urlpatterns = [
    path("photos/<int:pk>/", photo_detail, name="photo-detail"),
]
