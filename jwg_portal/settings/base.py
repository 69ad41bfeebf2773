"""Settings shared by every environment; each value comes from the environment.

`local`, `test` and `production` import this module and change only what
differs. See README.md for the variables.
"""

from pathlib import Path

import environ
from csp.constants import NONE, SELF
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent.parent

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

SECRET_KEY = env("SECRET_KEY", default="")
DEBUG = env.bool("DEBUG", default=False)
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "crispy_forms",
    "crispy_bootstrap5",
    "django_countries",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "axes",
    "auditlog",
    "dbbackup",
    "meetings.apps.MeetingsConfig",
    "delegates.apps.DelegatesConfig",
    "accounts.apps.AccountsConfig",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # Every view needs a signed-in user unless marked @login_not_required;
    # docs/permissions.md lists the public ones.
    "django.contrib.auth.middleware.LoginRequiredMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    # Auditlog's, naming the actor and the client's address (accounts/audit.py).
    "accounts.audit.AuditMiddleware",
    # Last, as django-axes asks: it answers a locked-out login attempt.
    "axes.middleware.AxesMiddleware",
]

AUTHENTICATION_BACKENDS = [
    # First: refuses a locked-out login before the password is checked.
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]

ROOT_URLCONF = "jwg_portal.urls"
WSGI_APPLICATION = "jwg_portal.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.i18n",
            ],
        },
    },
]

DATABASES = {
    "default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}"),
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # IMMEDIATE takes SQLite's write lock when a transaction begins, so two
    # approvals cannot both read a free place (PostgreSQL uses row locks).
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {"transaction_mode": "IMMEDIATE", "timeout": 20}
    )

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

CACHES = {
    "default": env.cache_url("CACHE_URL", default="dbcache://jwg_portal_cache"),
}

_VALIDATORS = "django.contrib.auth.password_validation."
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": _VALIDATORS + "UserAttributeSimilarityValidator"},
    {
        "NAME": _VALIDATORS + "MinimumLengthValidator",
        "OPTIONS": {"min_length": env.int("PASSWORD_MIN_LENGTH", default=12)},
    },
    {"NAME": _VALIDATORS + "CommonPasswordValidator"},
    {"NAME": _VALIDATORS + "NumericPasswordValidator"},
]

LANGUAGE_CODE = "en"
LANGUAGES = [("en", _("English")), ("id", _("Bahasa Indonesia"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
USE_I18N = True
# Stored in UTC; every page shows a meeting's times in that meeting's zone.
TIME_ZONE = env("TIME_ZONE", default="UTC")
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}
MEDIA_ROOT = Path(env("MEDIA_ROOT", default=str(BASE_DIR / "media")))
MEDIA_URL = "media/"

# ASEAN's own spelling of its members' names.
COUNTRIES_OVERRIDE = {"VN": _("Viet Nam"), "LA": _("Lao PDR")}

CRISPY_ALLOWED_TEMPLATE_PACKS = "bootstrap5"
CRISPY_TEMPLATE_PACK = "bootstrap5"

EMAIL_CONFIG = env.email_url("EMAIL_URL", default="consolemail://")
vars().update(EMAIL_CONFIG)
DEFAULT_FROM_EMAIL = env(
    "DEFAULT_FROM_EMAIL", default="JWG Portal <noreply@jwg-portal.invalid>"
)
SERVER_EMAIL = DEFAULT_FROM_EMAIL

LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "focal:home"

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", default="INFO")},
}

PORTAL_NAME = _("JWG Portal")

# Where links in mail point; the address people reach the portal at.
PORTAL_BASE_URL = env("PORTAL_BASE_URL", default="http://127.0.0.1:8000")
# Who is told when an approved registration changes and needs a new decision.
SECRETARIAT_EMAILS = env.list("SECRETARIAT_EMAILS", default=[])
# Public form submissions allowed per client address and minute.
REGISTRATION_RATE_PER_MINUTE = env.int("REGISTRATION_RATE_PER_MINUTE", default=20)
NOMINATION_LETTER_MAX_BYTES = env.int(
    "NOMINATION_LETTER_MAX_BYTES", default=5 * 1024 * 1024
)

# Personal data at rest: Fernet keys, the first encrypts, all decrypt
# (jwg_portal/crypto.py). Required in production; `local` and `test` derive
# one from SECRET_KEY.
FIELD_ENCRYPTION_KEYS = env.list("FIELD_ENCRYPTION_KEYS", default=[])
# Sensitive fields (passport, photo, needs) are purged this many days after a
# meeting ends, by `python manage.py purge_personal_data`.
PERSONAL_DATA_RETENTION_DAYS = env.int("PERSONAL_DATA_RETENTION_DAYS", default=90)
PHOTO_MAX_BYTES = env.int("PHOTO_MAX_BYTES", default=5 * 1024 * 1024)

# Content Security Policy (django-csp): everything from this origin, nothing
# inline, no frames. Assets are vendored, so no CDN is ever named here.
# The admin gets no relaxed policy: Django 5.2's admin templates have no
# inline script, their scripts change styles through the DOM (which the
# policy allows), and the portal's admin styles are in static/css/admin.css.
# tests/browser/test_csp.py loads the admin's pages and fails on a violation.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
        "base-uri": [SELF],
        "object-src": [NONE],
    }
}

# Sign-in protection (django-axes): after AXES_FAILURE_LIMIT failures for one
# user name from one address, that pair is refused for AXES_COOLOFF_MINUTES.
# Keyed on the pair, so an attacker elsewhere cannot lock the real user out.
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = env.float("AXES_COOLOFF_MINUTES", default=15) / 60
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_VERBOSE = False

# Backups (django-dbbackup): `make backup` writes the database and the uploads
# to BACKUP_DIR and keeps the newest BACKUP_KEEP of each; `make restore` reads
# the newest back. They hold personal data: keep BACKUP_DIR outside MEDIA_ROOT
# and readable by the portal's user only. The connector follows the engine:
# SQLite's online backup API, or pg_dump's custom format read by pg_restore.
STORAGES["dbbackup"] = {
    "BACKEND": "django.core.files.storage.FileSystemStorage",
    "OPTIONS": {"location": env("BACKUP_DIR", default=str(BASE_DIR / "backups"))},
}
DBBACKUP_FILENAME_TEMPLATE = "jwg-portal-{databasename}-{datetime}.{extension}"
DBBACKUP_MEDIA_FILENAME_TEMPLATE = "jwg-portal-media-{datetime}.{extension}"
DBBACKUP_CLEANUP_KEEP = env.int("BACKUP_KEEP", default=14)
# For `dbbackup --encrypt` (needs python-gnupg and the recipient's public key).
DBBACKUP_GPG_RECIPIENT = env("BACKUP_GPG_RECIPIENT", default=None)
# The commands print through their own handler; once is enough.
LOGGING.setdefault("loggers", {})["dbbackup"] = {"propagate": False}

# Audit log (django-auditlog; what it records is in accounts/audit.py). No
# correlation id from a request header: the client writes it, and the log
# would show whatever it chose.
AUDITLOG_CID_HEADER = None

# Sign-in protection, continued (accounts/). TRUSTED_PROXY_COUNT: how many
# reverse proxies in front of the portal append to X-Forwarded-For; 0 trusts
# REMOTE_ADDR alone. Set it only when the portal cannot be reached except
# through them. Both the lockout and the public forms' rate limit count the
# address it gives (delegates/ratelimit.py).
TRUSTED_PROXY_COUNT = env.int("TRUSTED_PROXY_COUNT", default=0)
AXES_CLIENT_IP_CALLABLE = "delegates.ratelimit.client_ip"
AXES_LOCKOUT_CALLABLE = "accounts.views.locked_out"
# A failed attempt while locked out starts the cool-off again; the page says so.
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = True
# Two-factor sign-in (django-otp, TOTP) is open to every user. With
# OTP_REQUIRED_FOR_SECRETARIAT, the Secretariat group's staff and superusers
# must set up a device and give a code before the admin or a staff page opens.
OTP_REQUIRED_FOR_SECRETARIAT = env.bool("OTP_REQUIRED_FOR_SECRETARIAT", default=False)
OTP_TOTP_ISSUER = env("OTP_TOTP_ISSUER", default="JWG Portal")
# The admin must not show one user's secret key to another.
OTP_ADMIN_HIDE_SENSITIVE_DATA = True
MIDDLEWARE.insert(
    MIDDLEWARE.index("django_otp.middleware.OTPMiddleware") + 1,
    "accounts.middleware.TwoFactorMiddleware",
)
