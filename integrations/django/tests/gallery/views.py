from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render

from .models import Photo


def photo_page(request: HttpRequest, pk: int) -> HttpResponse:
    return render(request, "gallery/photo.html", {"photo": get_object_or_404(Photo, pk=pk)})
