"""Settings of the example site, every deployment-specific value from the environment.

rendition does what versatileimagefield does in the article: Django stores the original in
MEDIA_ROOT (the directory rendition serves originals from), nginx serves originals and
cached renditions, and rendition renders the misses. rendition_django (integrations/django,
`pip install ./integrations/django` or on PYTHONPATH) is the glue. RENDITION_KEY_SETS is
VERSATILEIMAGEFIELD_RENDITION_KEY_SETS and must equal rendition's own key sets
(`manage.py check` compares them; the defaults below are rendition's defaults).
"""
import os
from pathlib import Path

from django.core.exceptions import ImproperlyConfigured


def env(name, default=None):
    """The environment variable `name`, else `default`; missing with no default: an error."""
    value = os.environ.get(name, default)
    if value is None or value == "":
        raise ImproperlyConfigured(f"Set the {name} environment variable")
    return value


BASE_DIR = Path(__file__).resolve().parent.parent

SECRET_KEY = env("DJANGO_SECRET_KEY", "insecure-example-key-set-DJANGO_SECRET_KEY-in-production")
DEBUG = env("DJANGO_DEBUG", "false") == "true"
ALLOWED_HOSTS = env("DJANGO_ALLOWED_HOSTS", "localhost,127.0.0.1").split(",")

INSTALLED_APPS = ["rendition_django", "photos"]
MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.middleware.common.CommonMiddleware",
]
ROOT_URLCONF = "gallery.urls"
TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {},
    }
]
WSGI_APPLICATION = "gallery.wsgi.application"
DATABASES = {
    "default": {
        "ENGINE": "django.db.backends.sqlite3",
        "NAME": env("DJANGO_DB", str(BASE_DIR / "db.sqlite3")),
    }
}
DEFAULT_AUTO_FIELD = "django.db.models.AutoField"
USE_TZ = True

# The same directory as rendition's MEDIA_ROOT: Django writes originals there, nginx serves
# them and rendition renders from them. MEDIA_URL is rendition's MEDIA_URL plus a slash.
MEDIA_ROOT = env("MEDIA_ROOT")
MEDIA_URL = env("MEDIA_URL", "/media/")
# rendition deletes what Django writes: directories group-writable (make MEDIA_ROOT setgid,
# chmod 2775, so new directories get its group), files readable by nginx.
FILE_UPLOAD_DIRECTORY_PERMISSIONS = 0o775
FILE_UPLOAD_PERMISSIONS = 0o644

# rendition's admin API (through nginx or straight to Node) and its ADMIN_TOKEN.
RENDITION_ADMIN_URL = env("RENDITION_ADMIN_URL", "http://127.0.0.1:3000/admin")
RENDITION_TOKEN = env("RENDITION_TOKEN")
RENDITION_TIMEOUT = float(env("RENDITION_TIMEOUT", "30"))
RENDITION_KEY_SETS = {
    "image": [
        ("small", "thumbnail__180x180"),
        ("medium", "thumbnail__220x220"),
        ("large", "thumbnail__320x320"),
    ],
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "loggers": {"rendition_django": {"handlers": ["console"], "level": env("DJANGO_LOG_LEVEL", "WARNING")}},
}
