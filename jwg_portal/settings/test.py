"""Settings for the test suite: fast hashing, mail kept in memory."""

from .base import *  # noqa: F403

SECRET_KEY = "test-only-secret-key-with-enough-length-for-the-checks-0123456789"
DEBUG = False
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
STORAGES["staticfiles"]["BACKEND"] = (  # noqa: F405
    "django.contrib.staticfiles.storage.StaticFilesStorage"
)
ALLOWED_HOSTS = ["testserver", "127.0.0.1", "localhost"]
WHITENOISE_AUTOREFRESH = True  # no collectstatic before tests

from jwg_portal.crypto import derived_key  # noqa: E402

FIELD_ENCRYPTION_KEYS = [derived_key(SECRET_KEY)]
