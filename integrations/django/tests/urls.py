"""The admin (for the PPOI widget) and one page of templates."""
from django.contrib import admin
from django.urls import path

from .gallery.views import photo_page

urlpatterns = [path("admin/", admin.site.urls), path("photos/<int:pk>/", photo_page)]
