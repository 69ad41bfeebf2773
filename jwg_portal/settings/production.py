"""Production: DEBUG off, secrets and hosts required from the environment.

`python manage.py check --deploy` passes without warnings once the variables
in README.md are set.
"""

import os

from cryptography.fernet import Fernet
from django.core.exceptions import ImproperlyConfigured

from .base import *  # noqa: F403
from .base import env


def _required(name, value):
    """The value, or no start: an empty secret would fail later and worse."""
    if not value:
        raise ImproperlyConfigured(f"{name} must be set in production (README.md).")
    return value


# A DEBUG=true left in the environment or .env stops the start rather than
# show tracebacks, with personal data in them, to anyone.
if env.bool("DEBUG", default=False):
    raise ImproperlyConfigured("DEBUG must not be on in production.")
DEBUG = False
# Read as it is: django-environ takes a value that starts with "$" for the
# name of another variable, and one key in fifty that Django makes does.
SECRET_KEY = _required("SECRET_KEY", os.environ.get("SECRET_KEY", ""))
ALLOWED_HOSTS = _required("ALLOWED_HOSTS", env.list("ALLOWED_HOSTS", default=[]))

SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=True)
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
# Signed-in users see personal data, often on shared computers at the venue:
# a session lasts a working day at most and ends when the browser closes.
SESSION_COOKIE_AGE = env.int("SESSION_COOKIE_AGE", default=8 * 60 * 60)
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_HTTPONLY = True
# No script reads the CSRF cookie: every form carries its token.
CSRF_COOKIE_HTTPONLY = True
CONN_MAX_AGE = env.int("CONN_MAX_AGE", default=60)
# Checked at start: a wrong key would otherwise fail every passport read.
FIELD_ENCRYPTION_KEYS = _required(
    "FIELD_ENCRYPTION_KEYS", env.list("FIELD_ENCRYPTION_KEYS", default=[])
)
for _key in FIELD_ENCRYPTION_KEYS:
    try:
        Fernet(_key)
    except ValueError as error:
        raise ImproperlyConfigured(
            "FIELD_ENCRYPTION_KEYS holds a key that is not a Fernet key."
        ) from error
