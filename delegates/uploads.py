"""Checks on uploaded files, by what they contain rather than their names.

A name ending in .pdf or .jpg and the browser's content type are both the
uploader's to choose, so neither decides anything here: a letter must parse
as a PDF, and a photo must decode as a JPEG, PNG or WebP image, which is then
drawn again as a fresh JPEG so that nothing of the uploaded bytes (metadata,
appended data, a polyglot's other half) is ever stored or served.
"""

import contextlib
import io
import struct
import warnings

import pypdf
from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils.formats import number_format
from django.utils.translation import gettext_lazy as _
from PIL import Image, UnidentifiedImageError

MEGABYTE = 1024 * 1024
PDF_MAGIC = b"%PDF-"
# The end-of-file marker sits in the last bytes; writers may add a little
# whitespace or padding after it, as the PDF specification tolerates.
PDF_TAIL = 1024

# What a photo may be, judged by Pillow from its content. Not GIF (a badge
# photo is no animation) nor SVG (a document that can carry script).
PHOTO_FORMATS = ("JPEG", "PNG", "WEBP")
# Refused before any pixel is decoded: 40 megapixels is more than a phone
# camera's photo, and decoding it already takes 160 MB.
PHOTO_MAX_PIXELS = 40_000_000
# The badge prints the photo at about 18 x 22 mm: 800 x 1000 is 1000 dpi.
PHOTO_MAX_SIZE = (800, 1000)
PHOTO_QUALITY = 85
PHOTO_ACCEPT = "image/jpeg,image/png,image/webp,.jpg,.jpeg,.png,.webp"


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


def read_tail(upload, length):
    upload.seek(max(upload.size - length, 0))
    tail = upload.read(length)
    upload.seek(0)
    return tail


# --- Nomination letter -------------------------------------------------------

# Actions a PDF viewer would run or hand to the system: a letter needs none.
PDF_ACTIVE_KEYS = {"/JS", "/JavaScript", "/Launch", "/RichMedia"}
PDF_ACTIVE_ACTIONS = {"/JavaScript", "/Launch", "/RichMediaExecute"}


def _pdf_active_content(reader):
    """The first key or action that would run something, or None.

    Walks every object reachable from the trailer, so a script hidden in a
    compressed object stream or behind a page's annotation is found as
    well as one in the document's open action.
    """
    seen = set()
    pending = [reader.trailer]
    while pending:
        item = pending.pop()
        if isinstance(item, pypdf.generic.IndirectObject):
            key = (item.idnum, item.generation)
            if key in seen:
                continue
            seen.add(key)
            item = item.get_object()
        if isinstance(item, pypdf.generic.DictionaryObject):
            for name, value in item.items():
                if name in PDF_ACTIVE_KEYS:
                    return name
                if name == "/S" and value in PDF_ACTIVE_ACTIONS:
                    return value
                pending.append(value)
        elif isinstance(item, pypdf.generic.ArrayObject):
            pending.extend(item)
    return None


def validate_pdf(upload, max_bytes):
    """Refuse a file over `max_bytes`, one that is not a PDF throughout, and
    one that is encrypted or would run script or a program when opened.

    The head and the tail are checked first, cheaply; then pypdf reads the
    cross-reference table, the page tree and every object reachable from the
    trailer. A file that only starts like a PDF (an HTML or ZIP polyglot
    with a PDF header) fails there.
    """
    check_size(upload, max_bytes)
    not_pdf = ValidationError(
        _("This file is not a PDF. Save the letter as PDF and upload it again."),
        code="not_pdf",
    )
    if read_head(upload, len(PDF_MAGIC)) != PDF_MAGIC:
        raise not_pdf
    if b"%%EOF" not in read_tail(upload, PDF_TAIL):
        raise not_pdf
    try:
        reader = pypdf.PdfReader(upload, strict=False)
        if reader.is_encrypted:
            raise ValidationError(
                _(
                    "This PDF is protected by a password or encrypted. Save it "
                    "without protection and upload it again."
                ),
                code="encrypted",
            )
        if len(reader.pages) == 0:
            raise not_pdf
        active = _pdf_active_content(reader)
    except ValidationError:
        raise
    except Exception as error:
        # pypdf reads untrusted bytes and may fail in many ways (its own
        # errors, but also KeyError, ValueError, RecursionError...): each
        # means the file is not a PDF this portal accepts.
        raise not_pdf from error
    finally:
        upload.seek(0)
    if active is not None:
        raise ValidationError(
            _(
                "This PDF contains script or actions that run when it is opened. "
                "Print it to PDF or save it as plain PDF and upload it again."
            ),
            code="active_content",
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


# --- Delegate photo ----------------------------------------------------------


def _photo_errors():
    return {
        "not_image": ValidationError(
            _(
                "This file is not a photo in JPEG, PNG or WebP format. Save the "
                "photo in one of these formats and upload it again."
            ),
            code="not_image",
        ),
        "corrupt": ValidationError(
            _(
                "This photo could not be read: the file may be damaged. Save it "
                "again and upload it."
            ),
            code="corrupt",
        ),
        "too_many_pixels": ValidationError(
            _(
                "This photo has too many pixels: the limit is %(limit)s "
                "megapixels. Make it smaller and upload it again."
            ),
            code="too_many_pixels",
            params={"limit": number_format(PHOTO_MAX_PIXELS // 1_000_000)},
        ),
    }


def _open_photo(upload):
    """The upload opened by Pillow, its header read and nothing decoded yet;
    only the accepted formats' readers are tried."""
    upload.seek(0)
    return Image.open(upload, formats=PHOTO_FORMATS)


def _flattened(image):
    """A new RGB image with the pixels of `image` on white, and nothing else:
    no EXIF (GPS), XMP, comment or colour profile comes along."""
    if image.mode not in ("RGB", "RGBA"):
        has_alpha = image.mode in ("LA", "PA") or "transparency" in image.info
        image = image.convert("RGBA" if has_alpha else "RGB")
    clean = Image.new("RGB", image.size, "white")
    clean.paste(image, mask=image.getchannel("A") if image.mode == "RGBA" else None)
    return clean


# EXIF orientation (tag 0x0112) -> the transpose that turns the image upright.
_ORIENTATION_TRANSPOSE = {
    2: Image.Transpose.FLIP_LEFT_RIGHT,
    3: Image.Transpose.ROTATE_180,
    4: Image.Transpose.FLIP_TOP_BOTTOM,
    5: Image.Transpose.TRANSPOSE,
    6: Image.Transpose.ROTATE_270,
    7: Image.Transpose.TRANSVERSE,
    8: Image.Transpose.ROTATE_90,
}


def _upright(image):
    """`image` turned by its EXIF orientation. Only the orientation tag is
    read: Pillow's `exif_transpose` also re-serialises the whole EXIF block,
    which fails in ways of its own on damaged tags, and the EXIF is dropped
    anyway. A damaged or unreadable block counts as no orientation."""
    try:
        orientation = image.getexif().get(0x0112)
    except Exception:  # noqa: BLE001 - damaged EXIF means "no orientation"
        orientation = None
    if not isinstance(orientation, int):
        return image
    method = _ORIENTATION_TRANSPOSE.get(orientation)
    return image.transpose(method) if method is not None else image


def validate_and_reencode_photo(upload, max_bytes=None):
    """The photo as a new JPEG (a ContentFile), or a ValidationError.

    Refuses a file over `max_bytes` (settings.PHOTO_MAX_BYTES), one that is
    not a JPEG, PNG or WebP image by its content, one that cannot be decoded
    and one with more than PHOTO_MAX_PIXELS pixels (a decompression bomb:
    a small file that decodes to gigabytes). Turns the image upright by its
    EXIF orientation, fits it within PHOTO_MAX_SIZE and encodes it again, so
    that no metadata and none of the uploaded bytes are kept.
    """
    check_size(upload, settings.PHOTO_MAX_BYTES if max_bytes is None else max_bytes)
    errors = _photo_errors()
    with warnings.catch_warnings():
        # Pillow only warns between its limit and twice it; refuse those too.
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        try:
            with _open_photo(upload) as image:
                width, height = image.size
                if width * height > PHOTO_MAX_PIXELS:
                    raise errors["too_many_pixels"]
                # Checks the structure (PNG's checksums, say) without decoding.
                image.verify()
            with _open_photo(upload) as image:
                # A JPEG may be decoded at a half, a quarter or an eighth of
                # its size, which saves memory and time.
                image.draft(None, (PHOTO_MAX_SIZE[1], PHOTO_MAX_SIZE[1]))
                upright = _upright(image)
                upright.thumbnail(PHOTO_MAX_SIZE, Image.Resampling.LANCZOS)
                photo = _flattened(upright)
        except ValidationError:
            raise
        except UnidentifiedImageError as error:
            raise errors["not_image"] from error
        except (Image.DecompressionBombError, Image.DecompressionBombWarning) as error:
            raise errors["too_many_pixels"] from error
        except (
            OSError,
            SyntaxError,
            ValueError,
            TypeError,
            KeyError,
            IndexError,
            EOFError,
            MemoryError,
            struct.error,
        ) as error:
            # Pillow's ways of saying the data is truncated or malformed; a
            # damaged EXIF block can surface as TypeError or KeyError.
            raise errors["corrupt"] from error
        finally:
            upload.seek(0)
    buffer = io.BytesIO()
    photo.save(buffer, format="JPEG", quality=PHOTO_QUALITY, optimize=True)
    return ContentFile(buffer.getvalue(), name="photo.jpg")


class PhotoField(forms.FileField):
    """An optional photo, checked and re-encoded as the form is cleaned.

    Its cleaned value is the new JPEG, never the upload; the file's name is
    not looked at (the stored name is generated: `delegate_photo_path`).
    """

    widget = forms.FileInput(attrs={"accept": PHOTO_ACCEPT})

    def __init__(self, **kwargs):
        kwargs.setdefault("required", False)
        kwargs.setdefault("label", _("Photo"))
        super().__init__(**kwargs)
        self.help_text = kwargs.get("help_text") or _(
            "Optional, for the badge: a recent passport-style photo, JPEG, PNG "
            "or WebP, at most %(limit)s MB. Only the secretariat and the "
            "delegation's focal points see it."
        ) % {"limit": size_in_mb(settings.PHOTO_MAX_BYTES)}

    def clean(self, data, initial=None):
        value = super().clean(data, initial)
        if isinstance(value, UploadedFile):
            return validate_and_reencode_photo(value)
        return value


@contextlib.contextmanager
def photo_changes():
    """Replace or remove delegates' photos inside a transaction, on disk too.

    Yields `change(delegate, photo)`: a ContentFile replaces the photo (the
    file is written at once, under a generated name), False removes it. The
    caller saves the delegate. The old file is deleted once the transaction
    commits; a new file is deleted again if the block fails, so a refused
    change leaves no file behind.
    """
    written = []

    def change(delegate, photo):
        old = delegate.photo.name
        storage = delegate.photo.storage
        if photo is False:
            delegate.photo = ""
        else:
            delegate.photo.save("photo.jpg", photo, save=False)
            written.append((storage, delegate.photo.name))
        if old:
            transaction.on_commit(lambda: storage.delete(old))

    try:
        yield change
    except BaseException:
        for storage, name in written:
            storage.delete(name)
        raise
