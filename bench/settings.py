"""Production settings, as deployed, with what a benchmark on loopback needs.

Kept to the differences a benchmark cannot do without: plain HTTP on
127.0.0.1 (no HTTPS redirect, cookies not marked secure), no rate limit on
the registration form (every request comes from one address), mail rendered
but not sent (bench.mail), Redis as the shared cache, and the floor view
mounted through bench.urls. Everything else (middleware, templates, static
manifest, persistent database connections) is production's.
"""

import os
from pathlib import Path

BENCH_DIR = Path(__file__).resolve().parent
WORK_DIR = Path(os.environ.get("BENCH_WORK_DIR", BENCH_DIR / "results" / "tmp"))

# Production reads these from the environment and refuses to start without.
os.environ.setdefault("SECRET_KEY", "bench-only-" + "k" * 50)
os.environ.setdefault("ALLOWED_HOSTS", "127.0.0.1,localhost")
# A fixed key, so a data set seeded once can be read by every later run.
os.environ.setdefault(
    "FIELD_ENCRYPTION_KEYS", "YmVuY2gtb25seS1rZXktbm90LWZvci1wcm9kLXVzZSE="
)
os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/jwg_bench")

from jwg_portal.settings.production import *  # noqa: E402, F403

ROOT_URLCONF = "bench.urls"
DEBUG = False
SECURE_SSL_REDIRECT = False
SECURE_HSTS_SECONDS = 0
SESSION_COOKIE_SECURE = False
CSRF_COOKIE_SECURE = False
REGISTRATION_RATE_PER_MINUTE = 10**9
EMAIL_BACKEND = "bench.mail.RenderingNullBackend"
CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/15"),
        "KEY_PREFIX": "jwg-bench",
    }
}
STATIC_ROOT = WORK_DIR / "static"
# Only warnings and worse: a line per request would be the benchmark's cost.
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": "WARNING"},
}
