"""Development on one machine: DEBUG on, SQLite unless DATABASE_URL says."""

from .base import *  # noqa: F403
from .base import env

DEBUG = env.bool("DEBUG", default=True)
SECRET_KEY = env(
    "SECRET_KEY", default="insecure-local-development-key-not-for-production"
)
STORAGES["staticfiles"]["BACKEND"] = (  # noqa: F405
    "django.contrib.staticfiles.storage.StaticFilesStorage"
)

from jwg_portal.crypto import derived_key  # noqa: E402

FIELD_ENCRYPTION_KEYS = env.list(
    "FIELD_ENCRYPTION_KEYS", default=[derived_key(SECRET_KEY)]
)
