"""Hooks on commit: warm or upload, PPOI, deletes; failures kept in the outbox, never raised; sync and checks."""
import io
from typing import List

from django.core.checks import Error
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.management import call_command
from django.core.management.base import CommandError, SystemCheckError

from rendition_django import client
from rendition_django.checks import check_key_sets
from rendition_django.models import RenditionJob

from .gallery.models import Photo
from .helpers import PhotoTestCase, admin_record, cached_renditions, files_of, generated_image, wait_until_gone
from .server import SERVER

#: Some of the files warming the `image` and `hero` key sets writes (every format, variants too).
WARMED = ["crop/320x320.avif", "crop/640x360.webp", "crop/320x180.avif", "thumbnail/180x180.webp", "thumbnail/360x360.avif"]


def run_command(*args: str) -> str:
    out = io.StringIO()
    call_command(*args, stdout=out, stderr=out)
    return out.getvalue()


class SaveTests(PhotoTestCase):
    def assertWarmed(self, name: str) -> None:
        self.assertTrue(set(WARMED) <= set(cached_renditions(name)), cached_renditions(name))

    def test_a_save_warms_every_key_set_and_leaves_no_job(self) -> None:
        photo = self.create_photo()
        self.assertWarmed(photo.image.name)
        self.assertIsNone(admin_record(photo.image.name), "warm mode registers nothing")
        self.assertEqual(RenditionJob.objects.count(), 0)

    def test_a_new_file_deletes_the_old_original_and_its_renditions(self) -> None:
        photo = self.create_photo(name="before.jpg")
        before = photo.image.name
        photo.image = ContentFile(generated_image(300, 600, "PNG"), name="after.png")
        photo.save()
        self.assertEqual(files_of(before), [])
        self.assertWarmed(photo.image.name)

    def test_a_delete_leaves_no_file(self) -> None:
        photo = self.create_photo(name="dog.png", size=(500, 700), image_format="PNG")
        name = photo.image.name
        self.assertGreater(len(files_of(name)), 1)
        photo.delete()
        self.assertEqual(files_of(name), [])

    def test_a_ppoi_reaches_rendition_on_create_and_on_change(self) -> None:
        photo = self.create_photo(ppoi="0.2x0.8")
        record = admin_record(photo.image.name)
        assert record is not None
        self.assertEqual(record["ppoi"], {"x": 0.2, "y": 0.8})
        photo.image.ppoi = (0.9, 0.1)
        photo.save()
        record = admin_record(photo.image.name)
        assert record is not None
        self.assertEqual((record["ppoi"], record["ppoiSet"]), ({"x": 0.9, "y": 0.1}, True))
        self.assertEqual(RenditionJob.objects.count(), 0)

    def test_upload_mode_registers_the_file_with_rendition(self) -> None:
        with self.settings(RENDITION_ON_SAVE="upload"):
            photo = self.create_photo()
        record = admin_record(photo.image.name)
        assert record is not None
        self.assertEqual((record["width"], record["height"], record["format"]), (640, 480, "jpeg"))
        self.assertWarmed(photo.image.name)


class FailureTests(PhotoTestCase):
    def test_rendition_stopped_during_saves_and_deletes_then_rendition_sync(self) -> None:
        kept = self.create_photo(name="kept.jpg")
        gone = kept.image.name
        SERVER.stop()
        try:
            with self.assertLogs("rendition_django", "ERROR") as logs:
                photo = self.create_photo(name="offline.jpg")  # no exception: the save succeeded
                kept.delete()
            self.assertTrue(Photo.objects.filter(pk=photo.pk).exists())
            jobs = list(RenditionJob.objects.values_list("action", "path", "attempts"))
            self.assertEqual(jobs, [("sync", photo.image.name, 1), ("delete", gone, 1)])
            self.assertRegex(logs.output[0], r"rendition job sync photos/offline.*\.jpg failed \(attempt 1, next in 30s, kept in the outbox\): rendition is unreachable at http://127\.0\.0\.1:\d+/admin/images/")
            with self.assertRaisesRegex(CommandError, "2 jobs failed and stay in the outbox"):
                run_command("rendition_sync")
            self.assertEqual(list(RenditionJob.objects.values_list("attempts", flat=True)), [2, 2])
        finally:
            SERVER.start()
        self.assertIn("rendition_sync: 2 of 2 jobs done", run_command("rendition_sync"))
        self.assertEqual(RenditionJob.objects.count(), 0)
        self.assertTrue(set(WARMED) <= set(cached_renditions(photo.image.name)))
        self.assertEqual(files_of(gone), [])

    def test_a_failed_job_is_retried_once_its_backoff_is_over_and_rendition_answers(self) -> None:
        with self.settings(RENDITION_RETRY_DELAYS=(0,)):
            SERVER.stop()
            try:
                with self.assertLogs("rendition_django", "ERROR"):
                    first = self.create_photo(name="first.jpg")
            finally:
                SERVER.start()
            self.assertEqual(RenditionJob.objects.count(), 1)
            self.create_photo(name="second.jpg")
        # The second save's job succeeded, so the due job of the first ran after it.
        self.assertEqual(RenditionJob.objects.count(), 0)
        self.assertTrue(set(WARMED) <= set(cached_renditions(first.image.name)))

    def test_an_invalid_ppoi_never_breaks_the_save(self) -> None:
        with self.assertLogs("rendition_django", "ERROR") as logs:
            photo = self.create_photo(ppoi="2x2")
        self.assertTrue(Photo.objects.filter(pk=photo.pk).exists())
        self.assertIn("Expected a PPOI within 0..1 but received '2x2'", logs.output[0])
        self.assertEqual(RenditionJob.objects.get().attempts, 1)
        RenditionJob.objects.all().delete()

    def test_a_wrong_token_logs_clearly_keeps_the_job_and_fails_the_check(self) -> None:
        with self.settings(RENDITION_TOKEN="wrong"):
            with self.assertLogs("rendition_django", "ERROR") as logs:
                photo = self.create_photo()
            self.assertIn("rendition answered 401 UNAUTHORIZED to POST", logs.output[0])
            self.assertIn("(check RENDITION_TOKEN against rendition's ADMIN_TOKEN)", logs.output[0])
            [error] = check_key_sets()
            self.assertIsInstance(error, Error)
            self.assertEqual(error.id, "rendition.E002")
            self.assertIn("401 UNAUTHORIZED", error.msg)
            with self.assertRaises(SystemCheckError):
                call_command("check", stdout=io.StringIO(), stderr=io.StringIO())
        self.assertEqual(RenditionJob.objects.count(), 1)
        run_command("rendition_sync")
        self.assertTrue(set(WARMED) <= set(cached_renditions(photo.image.name)))


class CheckTests(PhotoTestCase):
    def test_key_sets_that_differ_are_listed(self) -> None:
        changed = {
            "image": [("small", "thumbnail__180x180"), ("medium", "crop__220x220"), ("huge", "crop__900x900")],
            "avatar": [("tiny", "crop__48x48")],
            # Same filter and sizer, another format: a difference too.
            "listing": [("dark", "filters__invert__crop__320x320.webp")],
        }
        with self.settings(VERSATILEIMAGEFIELD_RENDITION_KEY_SETS=changed):
            [error] = check_key_sets()
        self.assertEqual(error.id, "rendition.E003")
        lines: List[str] = error.msg.splitlines()[1:]
        self.assertEqual(
            [line.strip() for line in lines],
            [
                "image.small: 'thumbnail__180x180' here, {'size': 'thumbnail__180x180', 'densities': [1.0, 2.0]} on the server",
                "image.medium: 'crop__220x220' here, 'thumbnail__220x220' on the server",
                "image.huge: crop__900x900 here, missing on the server",
                "image.large: missing here, crop__320x320 on the server",
                "key set 'avatar' is not on the server (it has ['hero', 'image', 'listing'])",
                "listing.dark: 'filters__invert__crop__320x320.webp' here, 'filters__invert__crop__320x320.png' on the server",
            ],
        )

    def test_matching_key_sets_pass_and_an_unreachable_server_is_a_warning(self) -> None:
        self.assertEqual(check_key_sets(), [])
        with self.settings(RENDITION_ADMIN_URL="http://127.0.0.1:9/admin"):
            [warning] = check_key_sets()
        self.assertEqual(warning.id, "rendition.W001")

    def test_rendition_sync_check_reports_drift(self) -> None:
        self.assertIn("no drift", run_command("rendition_sync", "--check"))
        photo = self.create_photo()
        # Gone behind both apps' backs (a file removed, an object deleted).
        default_storage.delete(photo.image.name)
        wait_until_gone(photo.image.name)
        client.upload("orphans/left.jpg", generated_image(40, 30), "left.jpg")
        self.addCleanup(client.delete, "orphans/left.jpg")
        out = io.StringIO()
        with self.assertRaisesRegex(CommandError, "2 differences between Django and rendition"):
            call_command("rendition_sync", "--check", stdout=out)
        self.assertIn(f"without renditions: gallery.Photo {photo.pk} {photo.image.name} (ORIGINAL_NOT_FOUND)", out.getvalue())
        self.assertIn("no row points to: orphans/left.jpg (registered in rendition)", out.getvalue())


class ImportTests(PhotoTestCase):
    def test_rendition_import_registers_vif_images_with_their_ppoi_and_warms_them(self) -> None:
        # Rows as VIF left them: files in storage, PPOIs in the column, no hook ever ran.
        names = [default_storage.save(f"photos/vif-{n}.jpg", ContentFile(generated_image(400, 300))) for n in range(3)]
        Photo.objects.bulk_create(
            [Photo(title=name, image=name, ppoi=ppoi) for name, ppoi in zip(names, ["0.5x0.5", "0.1x0.9", "0.75x0.25"])]
        )
        out = run_command("rendition_import")
        for done, name in enumerate(names, start=1):
            self.assertIn(f"[{done}/3] {name} ok", out)
        self.assertIn("rendition_import: 3 images registered and warmed", out)
        records = [admin_record(name) for name in names]
        self.assertEqual([r and r["ppoi"] for r in records], [{"x": 0.5, "y": 0.5}, {"x": 0.1, "y": 0.9}, {"x": 0.75, "y": 0.25}])
        for name in names:
            self.assertTrue(set(WARMED) <= set(cached_renditions(name)))
