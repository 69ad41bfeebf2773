"""WSGI entry point, as gunicorn loads it: `gunicorn jwg_portal.wsgi`."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "jwg_portal.settings.production")

application = get_wsgi_application()
