"""Production settings: Django's deploy checklist passes, the portal will not
start without its secrets or with DEBUG on, every response carries the
security headers and cookie flags, and no page loads anything from a CDN."""

import os
import re
import runpy
import subprocess
import sys
from pathlib import Path

import pytest
from cryptography.fernet import Fernet
from django.conf import settings as django_settings
from django.core.exceptions import ImproperlyConfigured
from django.core.management.utils import get_random_secret_key
from django.urls import reverse

from . import factories

BASE_DIR = Path(django_settings.BASE_DIR)
PRODUCTION = "jwg_portal.settings.production"
# The variables README.md names for production, set to fresh values.
REQUIRED = ("SECRET_KEY", "ALLOWED_HOSTS", "FIELD_ENCRYPTION_KEYS")
# Production's defaults are what is tested, whatever this shell has set.
DEFAULTED = (
    "DEBUG",
    "SECURE_SSL_REDIRECT",
    "SECURE_HSTS_SECONDS",
    "SECURE_HSTS_PRELOAD",
    "SESSION_COOKIE_AGE",
)
HTTPS = {"x-forwarded-proto": "https"}


def fresh_production_environ():
    return {
        "SECRET_KEY": get_random_secret_key(),
        "ALLOWED_HOSTS": "jwg.example.org",
        "FIELD_ENCRYPTION_KEYS": Fernet.generate_key().decode(),
    }


@pytest.fixture
def production_environ(monkeypatch):
    for name, value in fresh_production_environ().items():
        monkeypatch.setenv(name, value)
    for name in DEFAULTED:
        monkeypatch.delenv(name, raising=False)
    return monkeypatch


def load_production():
    """The production settings module run afresh under this environment."""
    return runpy.run_module(PRODUCTION)


def test_check_deploy_passes_without_warnings():
    """What `make check-deploy` and CI run: no warning at all."""
    env = {
        **os.environ,
        **fresh_production_environ(),
        "DJANGO_SETTINGS_MODULE": PRODUCTION,
        "DEBUG": "false",
    }
    for name in DEFAULTED[1:]:
        env.pop(name, None)
    # Set by tests/browser/conftest.py for Playwright in this process only.
    env.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout


def test_production_settings_load_with_the_required_variables(production_environ):
    production = load_production()

    assert production["DEBUG"] is False
    assert production["ALLOWED_HOSTS"] == ["jwg.example.org"]
    assert len(production["SECRET_KEY"]) >= 50


def test_production_keeps_a_secret_key_that_starts_with_a_dollar(
    production_environ,
):
    """django-environ would read "$..." as the name of another variable; one
    key in fifty from Django's generator starts so."""
    key = "$" + get_random_secret_key()[1:]
    production_environ.setenv("SECRET_KEY", key)

    assert load_production()["SECRET_KEY"] == key


@pytest.mark.parametrize("name", REQUIRED)
@pytest.mark.parametrize("missing", ["unset", "empty"])
def test_production_refuses_to_start_without_a_required_variable(
    production_environ, name, missing
):
    if missing == "unset":
        production_environ.delenv(name)
    else:
        production_environ.setenv(name, "")

    with pytest.raises(ImproperlyConfigured, match=name):
        load_production()


@pytest.mark.parametrize("value", ["true", "1", "on"])
def test_production_refuses_to_start_with_debug_on(production_environ, value):
    production_environ.setenv("DEBUG", value)

    with pytest.raises(ImproperlyConfigured, match="DEBUG"):
        load_production()


@pytest.mark.parametrize(
    "keys",
    [
        "not-a-fernet-key",
        # A good key beside a bad one is still refused.
        Fernet.generate_key().decode() + ",short",
    ],
)
def test_production_refuses_to_start_with_a_key_that_is_not_fernet(
    production_environ, keys
):
    production_environ.setenv("FIELD_ENCRYPTION_KEYS", keys)

    with pytest.raises(ImproperlyConfigured, match="FIELD_ENCRYPTION_KEYS"):
        load_production()


@pytest.fixture
def production_security(production_environ, settings):
    """The test settings with production's security settings laid over them,
    read from the production module rather than copied here."""
    production = load_production()
    prefixes = ("SECURE_", "SESSION_", "CSRF_", "X_FRAME_", "CONTENT_SECURITY_")
    names = [name for name in production if name.startswith(prefixes)]
    assert "SECURE_HSTS_SECONDS" in names
    for name in names:
        setattr(settings, name, production[name])
    settings.DEBUG = production["DEBUG"]
    return settings


def test_production_responses_carry_the_security_headers(client, production_security):
    response = client.get(reverse("login"), headers=HTTPS)

    assert response.status_code == 200
    assert (
        response["Strict-Transport-Security"]
        == "max-age=31536000; includeSubDomains; preload"
    )
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["Cross-Origin-Opener-Policy"] == "same-origin"
    policy = dict(
        directive.strip().split(" ", 1)
        for directive in response["Content-Security-Policy"].split(";")
    )
    assert policy["default-src"] == "'self'"
    assert policy["script-src"] == "'self'"
    assert policy["style-src"] == "'self'"
    assert policy["frame-ancestors"] == "'none'"
    assert policy["object-src"] == "'none'"
    assert "unsafe" not in response["Content-Security-Policy"]
    assert "http" not in response["Content-Security-Policy"]


def test_production_csrf_cookie_is_secure_http_only_and_same_site(
    client, production_security
):
    response = client.get(reverse("login"), headers=HTTPS)

    cookie = response.cookies[django_settings.CSRF_COOKIE_NAME]
    assert cookie["secure"] is True
    assert cookie["httponly"] is True
    assert cookie["samesite"] == "Lax"


def test_production_session_cookie_is_secure_and_ends_with_the_browser(
    client, db, production_security
):
    user = factories.UserFactory(username="fp-mys")

    response = client.post(
        reverse("login"),
        {"username": "fp-mys", "password": "a-long-test-password"},
        headers=HTTPS,
    )

    assert response.status_code == 302
    assert int(client.session["_auth_user_id"]) == user.pk
    cookie = response.cookies[django_settings.SESSION_COOKIE_NAME]
    assert cookie["secure"] is True
    assert cookie["httponly"] is True
    assert cookie["samesite"] == "Lax"
    # No lifetime in the cookie: the browser forgets it when it closes...
    assert not cookie["max-age"]
    assert not cookie["expires"]
    # ...and the server forgets the session after a working day.
    assert client.session.get_expiry_age() == 8 * 60 * 60
    assert client.session.get_expire_at_browser_close() is True


def test_production_sends_plain_http_to_https(client, production_security):
    response = client.get(reverse("login"), headers={"x-forwarded-proto": "http"})

    assert response.status_code == 301
    assert response["Location"] == "https://testserver" + reverse("login")
    assert "Strict-Transport-Security" not in response


# Addresses that name something and fetch nothing: XML namespaces, and the
# banners and error messages inside the vendored Bootstrap.
HARMLESS_URLS = {
    "http://www.w3.org/2000/svg",
    "http://www.w3.org/1999/xlink",
    "https://getbootstrap.com/",
    "https://github.com/twbs/bootstrap/graphs/contributors",
    "https://github.com/twbs/bootstrap/blob/main/LICENSE",
    "https://popper.js.org/docs/v2/",
}
ABSOLUTE_URL = re.compile(r"https?://[^\s\"'<>()\\]+", re.IGNORECASE)
# Protocol-relative addresses where a page would load them.
PROTOCOL_RELATIVE = re.compile(
    r"""(?:\b(?:src|href|srcset|action|poster|data)\s*=\s*["']?|url\(\s*["']?"""
    r"""|@import\s+["'])\s*//""",
    re.IGNORECASE,
)


def outside_addresses(text):
    """Every address in a template or static file that is not known harmless."""
    found = [url for url in ABSOLUTE_URL.findall(text) if url not in HARMLESS_URLS]
    found += [match.group() for match in PROTOCOL_RELATIVE.finditer(text)]
    return found


def template_and_static_files():
    roots = [BASE_DIR / "templates", BASE_DIR / "static"]
    for app in ("meetings", "delegates", "accounts", "jwg_portal"):
        roots += [BASE_DIR / app / "templates", BASE_DIR / app / "static"]
    for root in roots:
        for path in sorted(root.rglob("*")):
            if path.is_file():
                yield path


@pytest.mark.parametrize(
    "text",
    [
        '<script src="https://cdn.jsdelivr.net/npm/bootstrap.min.js"></script>',
        '<link rel="stylesheet" href="http://fonts.googleapis.com/css?family=X">',
        '<script src="//code.jquery.com/jquery.min.js"></script>',
        "body { background: url(//example.org/a.png) }",
        '@import "//fonts.example.org/font.css";',
        '<img srcset="https://images.example.org/logo.png 2x">',
    ],
)
def test_an_outside_address_is_found(text):
    assert outside_addresses(text)


@pytest.mark.parametrize(
    "text",
    [
        '<svg xmlns="http://www.w3.org/2000/svg"></svg>',
        "<script src=\"{% static 'vendor/bootstrap/bootstrap.bundle.min.js' %}\">",
        "// a comment in a script, not an address",
        '<a href="{{ portal_base_url }}/registration/{{ token }}/">',
    ],
)
def test_a_local_or_harmless_address_is_not_found(text):
    assert outside_addresses(text) == []


def test_no_template_or_static_file_loads_from_outside():
    """The portal runs on a closed network: nothing from a CDN, ever."""
    files = list(template_and_static_files())
    assert any(path.name == "base.html" for path in files)
    assert any(path.name == "bootstrap.min.css" for path in files)
    offending = {}
    for path in files:
        try:
            text = path.read_text(encoding="utf-8")
        except UnicodeDecodeError:
            continue  # images and fonts name no address
        found = outside_addresses(text)
        if found:
            offending[str(path.relative_to(BASE_DIR))] = found
    assert offending == {}
