"""The outbox: work for rendition written in the same transaction as the save or delete."""
from django.db import models


class RenditionJob(models.Model):
    """One call to make to rendition; deleted once it succeeded, kept (with its error) until then."""

    SYNC = "sync"
    PPOI = "ppoi"
    DELETE = "delete"
    ACTIONS = [(SYNC, "warm or upload"), (PPOI, "set the PPOI"), (DELETE, "delete")]

    action = models.CharField(max_length=10, choices=ACTIONS)
    path = models.CharField(max_length=512)
    #: The key sets to warm, the PPOI ("0.5x0.5") and the field ("app.Model.field") whose storage holds it.
    payload = models.JSONField(default=dict, blank=True)
    attempts = models.PositiveIntegerField(default=0)
    next_attempt_at = models.DateTimeField(db_index=True)
    last_error = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["id"]
        verbose_name = "rendition job"

    def __str__(self) -> str:
        return f"{self.action} {self.path}"
