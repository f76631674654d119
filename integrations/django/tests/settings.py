"""Settings of the package's own suite: sqlite, MEDIA_ROOT shared with the server it starts."""
from .server import KEY_SETS, S3, SERVER, TOKEN

SECRET_KEY = "rendition-django-tests"
DEBUG = False
ALLOWED_HOSTS = ["testserver", "localhost"]
INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.admin",
    "rest_framework",
    "rendition_django",
    "tests.gallery",
]
MIDDLEWARE = [
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
]
ROOT_URLCONF = "tests.urls"
TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ]
        },
    }
]
DATABASES = {"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": str(SERVER.directory / "django.sqlite3")}}
DEFAULT_AUTO_FIELD = "django.db.models.AutoField"
USE_TZ = True
STATIC_URL = "/static/"
TEST_RUNNER = "tests.runner.RenditionTestRunner"

# Django writes originals into rendition's MEDIA_ROOT (RENDITION_ON_SAVE = "warm").
MEDIA_ROOT = str(SERVER.media_root)
MEDIA_URL = "/media/"
FILE_UPLOAD_DIRECTORY_PERMISSIONS = 0o775
FILE_UPLOAD_PERMISSIONS = 0o644
if S3 is not None:
    # The common production setup: django-storages writes originals to the bucket rendition
    # reads (ORIGINALS_STORE=s3), under the same prefix.
    DEFAULT_FILE_STORAGE = "storages.backends.s3boto3.S3Boto3Storage"
    AWS_S3_ENDPOINT_URL = S3["endpoint"]
    AWS_S3_REGION_NAME = S3["region"]
    AWS_STORAGE_BUCKET_NAME = S3["bucket"]
    AWS_LOCATION = S3["prefix"]
    AWS_ACCESS_KEY_ID = S3["accessKeyId"]
    AWS_SECRET_ACCESS_KEY = S3["secretAccessKey"]
    AWS_S3_ADDRESSING_STYLE = "path"
    AWS_S3_FILE_OVERWRITE = False
    AWS_DEFAULT_ACL = None

# The runner sets RENDITION_ADMIN_URL and RENDITION_MEDIA_URL once the server listens.
RENDITION_TOKEN = TOKEN
RENDITION_TIMEOUT = 10
# VIF's format, as a project moving from VIF has it.
VERSATILEIMAGEFIELD_RENDITION_KEY_SETS = {
    "image": [
        ("small", KEY_SETS["image"]["small"]),
        ("medium", "thumbnail__220x220"),
        ("large", "crop__320x320"),
    ],
    "hero": [("wide", KEY_SETS["hero"]["wide"])],
    "listing": [("dark", "filters__invert__crop__320x320.png")],
}
RENDITION_RETRY_DELAYS = (30, 120)
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "loggers": {"rendition_django": {"handlers": ["console"], "level": "CRITICAL"}},
}
