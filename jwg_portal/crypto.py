"""Encryption of personal data at rest.

Values are encrypted with Fernet (AES-128-CBC with HMAC-SHA256) under the keys
in `settings.FIELD_ENCRYPTION_KEYS`: the first key encrypts, every key may
decrypt, so a key is rotated by putting a new one first and running
`python manage.py rotate_encryption_keys` before the old one is removed.

A database dump therefore holds no readable passport number; the key lives in
the environment, never beside the data.
"""

import base64
import functools
import hashlib
import json

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models

PREFIX = "fernet:"


def derived_key(secret):
    """A Fernet key derived from a secret; for development and tests only."""
    digest = hashlib.sha256(b"jwg-portal field encryption\x00" + secret.encode())
    return base64.urlsafe_b64encode(digest.digest()).decode()


@functools.cache
def _fernet(keys):
    if not keys:
        raise ImproperlyConfigured(
            "FIELD_ENCRYPTION_KEYS is empty: set it to a key made with "
            "`python manage.py generate_encryption_key`."
        )
    try:
        return MultiFernet([Fernet(key.encode()) for key in keys])
    except ValueError as error:
        raise ImproperlyConfigured(
            "FIELD_ENCRYPTION_KEYS holds a key that is not a Fernet key "
            "(32 url-safe base64-encoded bytes)."
        ) from error


def fernet():
    return _fernet(tuple(settings.FIELD_ENCRYPTION_KEYS))


def encrypt(value):
    if value in (None, ""):
        return value
    return PREFIX + fernet().encrypt(value.encode()).decode()


def _undecryptable():
    return ImproperlyConfigured(
        "A stored value cannot be decrypted with FIELD_ENCRYPTION_KEYS: "
        "was a key removed before `rotate_encryption_keys` ran?"
    )


def decrypt(stored):
    """The plain text of a stored value; plain values written before the
    field was encrypted are returned as they are."""
    if not stored or not stored.startswith(PREFIX):
        return stored
    try:
        return fernet().decrypt(stored[len(PREFIX) :].encode()).decode()
    except InvalidToken as error:
        raise _undecryptable() from error


def rotate(stored):
    """The value encrypted again under the first key."""
    if not stored:
        return stored
    if not stored.startswith(PREFIX):
        return encrypt(stored)
    try:
        return PREFIX + fernet().rotate(stored[len(PREFIX) :].encode()).decode()
    except InvalidToken as error:
        raise _undecryptable() from error


class EncryptedCharField(models.TextField):
    """A short text encrypted at rest; `max_length` applies to the plain text.

    It can be compared neither in the database nor by index: look rows up by
    other fields and compare in Python.
    """

    def __init__(self, *args, **kwargs):
        self.plain_max_length = kwargs.pop("plain_max_length", None)
        super().__init__(*args, **kwargs)
        if self.plain_max_length:
            from django.core.validators import MaxLengthValidator

            self.validators.append(MaxLengthValidator(self.plain_max_length))

    def deconstruct(self):
        name, path, args, kwargs = super().deconstruct()
        if self.plain_max_length:
            kwargs["plain_max_length"] = self.plain_max_length
        return name, path, args, kwargs

    def from_db_value(self, value, expression, connection):
        return decrypt(value)

    def to_python(self, value):
        return value

    def get_prep_value(self, value):
        value = super().get_prep_value(value)
        return encrypt(value)

    def formfield(self, **kwargs):
        from django import forms

        widget = kwargs.get("widget")
        widget_class = widget if isinstance(widget, type) else type(widget)
        # The admin gives every TextField a textarea; this is one short line.
        if issubclass(widget_class, forms.Textarea):
            del kwargs["widget"]
        defaults = {
            "form_class": forms.CharField,
            "max_length": self.plain_max_length,
            "widget": forms.TextInput,
        }
        defaults.update(kwargs)
        return models.Field.formfield(self, **defaults)


class EncryptedJSONField(EncryptedCharField):
    """JSON encrypted at rest, for snapshots that may hold personal data.

    Only `__isnull` works in queries; everything else is compared in Python.
    `None` is stored as SQL NULL.
    """

    def from_db_value(self, value, expression, connection):
        text = decrypt(value)
        if text is None:
            return None
        return json.loads(text)

    def get_prep_value(self, value):
        if value is None:
            return None
        return encrypt(json.dumps(value, cls=DjangoJSONEncoder))

    def value_to_string(self, obj):
        return json.dumps(self.value_from_object(obj), cls=DjangoJSONEncoder)

    def formfield(self, **kwargs):
        # Never edited in a form: these snapshots are written by services.
        return None
