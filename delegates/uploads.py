"""Checks on uploaded files, by what they contain rather than their names."""

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.formats import number_format
from django.utils.translation import gettext_lazy as _

MEGABYTE = 1024 * 1024
PDF_MAGIC = b"%PDF-"


def size_in_mb(max_bytes):
    """The limit as people read it: '5', '2.5', never '0'."""
    megabytes = max(round(max_bytes / MEGABYTE, 1), 0.1)
    return number_format(int(megabytes) if megabytes.is_integer() else megabytes)


def check_size(upload, max_bytes):
    if upload.size > max_bytes:
        raise ValidationError(
            _("The file is too large: the limit is %(limit)s MB."),
            code="too_large",
            params={"limit": size_in_mb(max_bytes)},
        )


def read_head(upload, length):
    upload.seek(0)
    head = upload.read(length)
    upload.seek(0)
    return head


def validate_pdf(upload, max_bytes):
    """Refuse a file over `max_bytes` or one that is not a PDF.

    The type is judged by the first bytes: a name ending in .pdf and the
    browser's content type are both the uploader's to choose.
    """
    check_size(upload, max_bytes)
    if read_head(upload, len(PDF_MAGIC)) != PDF_MAGIC:
        raise ValidationError(
            _("This file is not a PDF. Save the letter as PDF and upload it again."),
            code="not_pdf",
        )


class NominationLetterForm(forms.Form):
    letter = forms.FileField(
        label=_("Nomination letter or note verbale (PDF)"),
        widget=forms.FileInput(attrs={"accept": "application/pdf,.pdf"}),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["letter"].help_text = _(
            "PDF only, at most %(limit)s MB. A new upload replaces the current letter."
        ) % {"limit": size_in_mb(settings.NOMINATION_LETTER_MAX_BYTES)}

    def clean_letter(self):
        letter = self.cleaned_data["letter"]
        validate_pdf(letter, settings.NOMINATION_LETTER_MAX_BYTES)
        return letter
