"""Running outbox jobs: each call to rendition is a row until it succeeds, never lost, never raised.

A save or delete writes its jobs in its own transaction and runs them on commit; a failure is
logged and the row kept with a backoff (RENDITION_RETRY_DELAYS). Due rows are retried after
any later job succeeds, and `manage.py rendition_sync` runs them all.
"""
from __future__ import annotations

import logging
from datetime import timedelta
from typing import Any, Dict, Iterable, List, Optional

from django.apps import apps
from django.core.cache import cache
from django.core.exceptions import FieldDoesNotExist
from django.core.files.storage import Storage, default_storage
from django.db import transaction
from django.utils import timezone

from . import client, conf
from .models import RenditionJob
from .specs import parse_ppoi

log = logging.getLogger("rendition_django")


def record_cache_key(path: str) -> str:
    return f"rendition:record:{path}"


def enqueue(action: str, path: str, **payload: Any) -> None:
    """Writes a job in the current transaction and runs it once the transaction commits."""
    if action == RenditionJob.DELETE:
        # Work left for a path being deleted is moot.
        RenditionJob.objects.filter(path=path).exclude(action=RenditionJob.DELETE).delete()
    job = RenditionJob.objects.create(action=action, path=path, payload=payload, next_attempt_at=timezone.now())
    transaction.on_commit(lambda: run_after_commit(job.pk))


def run_after_commit(pk: int) -> None:
    """Runs one job; if rendition answered, retries the due ones too. Never raises."""
    job = RenditionJob.objects.filter(pk=pk).first()
    if job is not None and run(job):
        run_due(limit=20)


def run_due(limit: Optional[int] = None, everything: bool = False) -> List[RenditionJob]:
    """Runs due jobs (every job with `everything`) in order; the ones that failed again."""
    jobs = RenditionJob.objects.all()
    if not everything:
        jobs = jobs.filter(next_attempt_at__lte=timezone.now())
    failed = []
    for job in list(jobs[:limit] if limit else jobs):
        if not run(job):
            failed.append(job)
    return failed


def run(job: RenditionJob) -> bool:
    """Makes the job's call; True (and the row deleted) on success, else logged and rescheduled."""
    try:
        _perform(job)
    except Exception as error:  # noqa: BLE001: whatever breaks, the user's save must not
        _reschedule(job, error)
        return False
    cache.delete(record_cache_key(job.path))
    RenditionJob.objects.filter(pk=job.pk).delete()
    return True


def _perform(job: RenditionJob) -> None:
    if job.action == RenditionJob.DELETE:
        client.delete(job.path)
        return
    payload: Dict[str, Any] = job.payload
    sync_image(
        job.path,
        key_sets=payload.get("key_sets", []),
        ppoi=payload.get("ppoi"),
        field=payload.get("field"),
        upload=job.action == RenditionJob.SYNC and conf.on_save() == "upload",
        ppoi_changed=job.action == RenditionJob.PPOI,
    )


def sync_image(
    path: str,
    key_sets: Iterable[str],
    ppoi: Optional[str],
    field: Optional[str],
    upload: bool,
    ppoi_changed: bool = False,
) -> None:
    """Uploads (or not), sets a PPOI other than the centre, then warms: the crops follow the PPOI."""
    point = parse_ppoi(ppoi)
    if upload:
        _upload(path, field)
    if ppoi_changed or point != (0.5, 0.5):
        try:
            client.set_ppoi(path, point)
        except client.RenditionError as error:
            if error.code != "NOT_FOUND":
                raise
            # A PPOI lives on a record: an original Django dropped in MEDIA_ROOT gets registered.
            _upload(path, field)
            client.set_ppoi(path, point)
    key_sets = list(key_sets)
    warmed = client.warm(path, key_sets) if key_sets else {}
    failures = [failure for summary in warmed.values() for failure in summary.get("failed", [])]
    if failures:
        raise client.RenditionError(f"rendition could not warm {path}: {failures}")


def _upload(path: str, field: Optional[str]) -> None:
    with storage_of(field).open(path, "rb") as file:
        content = file.read()
    client.upload(path, content, path.rsplit("/", 1)[-1])


def storage_of(field: Optional[str]) -> Storage:
    """The storage of the field "app_label.Model.field" (it wrote the file), else the default."""
    if not field:
        return default_storage
    model, _, name = field.rpartition(".")
    try:
        return apps.get_model(model)._meta.get_field(name).storage
    except (LookupError, FieldDoesNotExist):
        return default_storage


def _reschedule(job: RenditionJob, error: Exception) -> None:
    delays = conf.retry_delays() or (60,)
    delay = delays[min(job.attempts, len(delays) - 1)]
    job.attempts += 1
    job.last_error = str(error)[:2000]
    job.next_attempt_at = timezone.now() + timedelta(seconds=delay)
    RenditionJob.objects.filter(pk=job.pk).update(
        attempts=job.attempts, last_error=job.last_error, next_attempt_at=job.next_attempt_at
    )
    log.error(
        "rendition job %s %s failed (attempt %d, next in %ss, kept in the outbox): %s",
        job.action, job.path, job.attempts, delay, error,
    )
