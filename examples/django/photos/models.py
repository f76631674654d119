"""A model with an image, and the signal handlers of the article, done by rendition.

- post_save: warm the `image` key set (every size, in every format a browser may get), so
  nginx serves the page's images from disk from the first view.
- post_delete: delete the original and every rendition of it.
- A new image on an existing row: the old original and its renditions are deleted too.

The calls run once the transaction commits (a rolled-back save or delete touches nothing).
"""
import logging

from django.conf import settings
from django.db import models, transaction
from django.dispatch import receiver

from . import rendition

log = logging.getLogger(__name__)


class Photo(models.Model):
    title = models.CharField(max_length=200)
    # Django writes the original to MEDIA_ROOT/photos/, rendition's MEDIA_ROOT.
    image_file = models.ImageField(upload_to="photos")

    def __str__(self):
        return self.title

    @property
    def sizes(self):
        """{small: url, medium: url, large: url}: what the template puts in <img src>."""
        return rendition.url_set(self.image_file.name, settings.RENDITION_KEY_SETS["image"])


@receiver(models.signals.pre_save, sender=Photo)
def remember_previous_image(sender, instance, **kwargs):
    """Notes the stored image name, so post_save can tell whether it changed."""
    previous = sender.objects.filter(pk=instance.pk).values_list("image_file", flat=True).first()
    instance._previous_image_name = previous


@receiver(models.signals.post_save, sender=Photo)
def warm_images(sender, instance, **kwargs):
    """Creates the renditions of the `image` key set once the row is committed."""
    name = instance.image_file.name
    previous = getattr(instance, "_previous_image_name", None)

    def warm():
        if previous and previous != name:
            rendition.delete(previous)
        if not name:
            return
        for key_set, summary in rendition.warm(name, ["image"]).items():
            for failure in summary["failed"]:
                log.error("rendition could not warm %s %s: %s", name, key_set, failure)

    transaction.on_commit(warm)


@receiver(models.signals.post_delete, sender=Photo)
def delete_images(sender, instance, **kwargs):
    """Deletes the original and every rendition once the deletion is committed."""
    name = instance.image_file.name
    if name:
        transaction.on_commit(lambda: rendition.delete(name))
