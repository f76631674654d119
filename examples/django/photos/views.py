"""One page per photo, with its small, medium and large renditions."""
from django.shortcuts import get_object_or_404, render

from .models import Photo


def photo_detail(request, pk):
    photo = get_object_or_404(Photo, pk=pk)
    return render(request, "photos/photo_detail.html", {"photo": photo})
