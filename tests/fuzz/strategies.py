"""What the fuzz tests feed the public forms, and how it goes over the wire.

A submission is a list of (name, value) pairs, sent as a browser would:
multipart or urlencoded, repeated names for lists. Values are whatever a
client can put in a body: text of every Unicode category (never a lone
surrogate, which no UTF-8 body can carry), NUL and control characters,
right-to-left text, emoji, 10^5 characters, numbers, raw bytes that are not
UTF-8, and files.
"""

import datetime
import io
import os
import string
import struct
import zlib
from dataclasses import dataclass
from urllib.parse import urlencode

from django.apps import apps
from django.conf import settings as django_settings
from hypothesis import HealthCheck, Phase, settings
from hypothesis import strategies as st
from PIL import Image


def fuzz_settings(max_examples):
    """Settings for one property; FUZZ_EXAMPLES=1000 runs a longer hunt.

    `database=None`: no example database to replay from; a failure prints
    the shrunk input (and a blob for @reproduce_failure), and what it found
    is kept as a plain test in test_regressions.py.
    """
    return settings(
        max_examples=int(os.environ.get("FUZZ_EXAMPLES") or max_examples),
        deadline=None,
        database=None,
        print_blob=True,
        # The explain phase reruns each failure many times over; too slow here.
        phases=[Phase.explicit, Phase.reuse, Phase.generate, Phase.shrink],
        suppress_health_check=[
            HealthCheck.too_slow,
            HealthCheck.data_too_large,
            HealthCheck.large_base_example,
        ],
    )


class _Missing:
    """A field left out of the submission altogether."""

    def __repr__(self):
        return "MISSING"


MISSING = _Missing()


@dataclass(frozen=True)
class Upload:
    filename: str
    content: bytes
    content_type: str = "application/octet-stream"


SPECIMENS = [
    "",
    " ",
    "\x00",
    "a\x00b",
    "Rahman\x00",
    "\t\n\r\x0b\x0c",
    "\r\n",
    "\x1b[31mred",
    "\x7f\x80\x9f",
    "\u0085",
    "\u00a0",
    "\u200b",
    "\u200e\u200f",
    "\u202egnp.exe",
    "\u2066\u2069",
    "\ufeff",
    "\ufffd",
    "\uffff",
    "\U0010ffff",
    "\U000e0001",
    "مرحبا بالعالم",
    "שָׁלוֹם",
    "𝕳𝖊𝖑𝖑𝖔",
    "👩‍👩‍👧‍👦",
    "🇲🇾🇮🇩",
    "e\u0301\u0301\u0301",
    "Z̷̢̛̖a̵l̶g̴o̸",
    "ﷺ",
    "𒐫",
    "Nguyễn Thị Minh Khai",
    "ສະບາຍດີ",
    "မင်္ဂလာပါ",
    "សួស្តី",
    "<script>alert(1)</script>",
    "' OR 1=1 --",
    "%s%s%n",
    "{{ 7*7 }}",
    "${jndi:ldap://x}",
    '=HYPERLINK("http://x")',
    "../../etc/passwd",
    "null",
    "None",
    "true",
    "[]",
    "{}",
]

NUMBERISH = [
    "0",
    "-1",
    "1",
    " 1 ",
    "+1",
    "1.0",
    "1e3",
    "0x1",
    "1_000",
    "٣",
    "𝟗",
    "١٢",
    "9" * 19,
    "9" * 20,
    str(2**31),
    str(2**63 - 1),
    str(2**63),
    str(-(2**63) - 1),
    "9_223_372_036_854_775_808",
    "-9_223_372_036_854_775_809",
    "1" * 5000,
    "NaN",
    "inf",
    "-0",
]

DATEISH = [
    "2024-02-30",
    "2023-02-29",
    "2024-13-01",
    "2024-00-10",
    "0000-01-01",
    "0001-01-01",
    "9999-12-31",
    "10000-01-01",
    "-2024-01-01",
    "2024/01/01",
    "01/02/2024",
    "12/31/99",
    "2024-1-1",
    "20240101",
    "2024-01-01T00:00:00",
    "2024-01-01 25:00",
    "31.12.2030",
    "yesterday",
    "2024-01-01\x00",
    " 2030-01-01 ",
    "٢٠٣٠-٠١-٠١",
    "2030‐01‐01",
]

EMAILISH = [
    "a@b",
    "a@b.c",
    "@example.org",
    "a@",
    "a@@example.org",
    "a b@example.org",
    '"a"@example.org',
    "a@[127.0.0.1]",
    "a@xn--80ak6aa92e.com",
    "用户@例子.广告",
    "siti@example.org\n",
    "siti@example.org\x00",
    "a" * 64 + "@example.org",
    "a" * 65 + "@example.org",
    "a@" + "b" * 250 + ".org",
    "a@example.org, b@example.org",
]

CHOICEISH = [
    "head",
    "HEAD",
    "Delegate",
    "delegate ",
    "secretariat",
    "organising_committee",
    "Mr",
    "mr",
    "H.E",
    "XXX",
    "mys",
    "MYS ",
    "id",
    "en-us",
    "EN",
    "on",
    "off",
    "false",
    "0",
]

LENGTHS = [99, 100, 101, 200, 201, 254, 255, 300, 301, 1000, 10**5]

text_any = st.text(max_size=40)
text_odd = st.text(
    st.characters(
        categories=("Cc", "Cf", "Co", "Cn", "Zs", "Zl", "Zp", "Mn", "Me", "So")
    ),
    max_size=20,
)
text_rtl = st.text(st.characters(min_codepoint=0x590, max_codepoint=0x8FF), max_size=30)
text_long = st.builds(
    lambda char, length: char * length,
    st.sampled_from(["a", "é", "€", "😀", "\u202e", " ", "\x01", "\x00"]),
    st.sampled_from(LENGTHS),
)

nasty_scalar = st.one_of(
    st.sampled_from(SPECIMENS + NUMBERISH + DATEISH + EMAILISH + CHOICEISH),
    text_any,
    text_odd,
    text_rtl,
    text_long,
    st.integers(),
    st.integers(min_value=2**63 - 2, max_value=2**70),
    st.floats(),
    st.booleans(),
    st.binary(max_size=30),
    st.emails(),
)


# Numbers as a form reads them: Python's int() also takes 1_000, " 7 ",
# "+7" and digits of any script, so a guard that only knows 0-9 misses them.
idish = st.one_of(
    st.sampled_from(NUMBERISH),
    st.integers().map(str),
    st.integers().map("{:_}".format),
    st.integers(min_value=2**63 - 2, max_value=2**70).map("{:_}".format),
    st.integers(min_value=0).map(
        lambda n: str(n).translate(str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩"))
    ),
)


def nasty_value(extra=()):
    """One value or a list of them (a name repeated), with `extra` values
    that mean something to this form (ids of other meetings' rows, say)."""
    scalar = (
        st.one_of(st.sampled_from(list(extra)), nasty_scalar)
        if extra
        else (nasty_scalar)
    )
    return st.one_of(scalar, st.lists(scalar, max_size=4))


def good_text(max_length, *, required=False):
    """Text a person could really type, of any script, that the form keeps."""
    chars = st.characters(codec="utf-8", exclude_characters="\x00")
    solid = chars.filter(lambda c: not c.isspace())
    text = st.one_of(
        st.text(chars, max_size=max_length),
        st.sampled_from([s for s in SPECIMENS if "\x00" not in s]),
        st.builds(lambda c: c * max_length, solid),
    )
    if required:
        text = st.builds(lambda c, s: c + s, solid, text)
    return text.map(lambda s: s[:max_length])


good_email = st.builds(
    "{}@{}".format,
    st.from_regex(r"[a-z0-9][a-z0-9_+-]{0,20}", fullmatch=True).map("fz-{}".format),
    st.sampled_from(["example.org", "Example.ORG", "mail.example.co.id"]),
)


def email_variants(address):
    """The same address as a person might retype it, and look-alikes that
    some databases fold to it: Kelvin sign, long s, dotless and dotted i."""
    local, domain = address.split("@")
    lookalikes = {"k": "\u212a", "s": "\u017f", "i": "\u0131"}
    variants = [
        address,
        address.upper(),
        address.title(),
        f" {address} ",
        f"{local}@{domain.upper()}",
        *(
            address.replace(plain, odd, 1)
            for plain, odd in lookalikes.items()
            if plain in local
        ),
        address.replace("i", "\u0130", 1),
    ]
    return st.sampled_from(variants)


def keys_for(encoding):
    """Names of fields nobody asked for; multipart names exclude what a
    browser escapes (quotes and line breaks)."""
    names = st.text(min_size=1, max_size=20)
    if encoding == "multipart":
        names = names.filter(lambda k: not set(k) & set('"\r\n\x00'))
    return names


def pairs_from(data):
    """(name, value) pairs from a dict; lists repeat the name, MISSING drops it."""
    pairs = []
    for name, value in data.items():
        if value is MISSING:
            continue
        values = value if isinstance(value, list) else [value]
        pairs.extend((name, item) for item in values)
    return pairs


BOUNDARY = "fuzz" + string.ascii_letters[:20]


def _as_bytes(value):
    if isinstance(value, bytes):
        return value
    return str(value).encode()


def encode(pairs, encoding):
    """The body and content type a client sends for these pairs."""
    if encoding == "urlencoded":
        body = urlencode(
            [(name, _as_bytes(value)) for name, value in pairs if not _is_file(value)]
        )
        return body, "application/x-www-form-urlencoded"
    lines = []
    for name, value in pairs:
        lines.append(f"--{BOUNDARY}".encode())
        if _is_file(value):
            filename = value.filename.replace('"', "%22").replace("\r", "%0D")
            filename = filename.replace("\n", "%0A")
            lines.append(
                f'Content-Disposition: form-data; name="{name}"; '
                f'filename="{filename}"'.encode()
            )
            lines.append(f"Content-Type: {value.content_type}".encode())
            lines.extend([b"", value.content])
        else:
            lines.append(f'Content-Disposition: form-data; name="{name}"'.encode())
            lines.extend([b"", _as_bytes(value)])
    lines.extend([f"--{BOUNDARY}--".encode(), b""])
    return b"\r\n".join(lines), f"multipart/form-data; boundary={BOUNDARY}"


def _is_file(value):
    return isinstance(value, Upload)


encodings = st.sampled_from(["multipart", "urlencoded"])


def post(client, url, pairs, encoding, **extra):
    body, content_type = encode(pairs, encoding)
    return client.post(url, body, content_type=content_type, **extra)


def last_text(pairs, name):
    """What Django's QueryDict.get returns for `name`: the last value, as text."""
    values = [value for key, value in pairs if key == name and not _is_file(value)]
    if not values:
        return None
    value = values[-1]
    if isinstance(value, bytes):
        return value.decode(errors="replace")
    return str(value)


def row_counts():
    """Rows in every table of the delegates app (with its many-to-many
    tables) and in the audit log: what a refused submission must not touch."""
    models = list(
        apps.get_app_config("delegates").get_models(include_auto_created=True)
    )
    if apps.is_installed("auditlog"):
        models.append(apps.get_model("auditlog", "LogEntry"))
    return {model._meta.label: model._default_manager.count() for model in models}


def differences(before, after):
    return {
        label: after[label] - before[label]
        for label in after
        if after[label] != before.get(label)
    }


def media_files():
    """Every file under MEDIA_ROOT, to see that a refused upload left none."""
    root = django_settings.MEDIA_ROOT
    found = set()
    for folder, _dirs, files in os.walk(root):
        found.update(os.path.join(folder, name) for name in files)
    return found


# --- The registration form ---------------------------------------------------

FORM_FIELDS = [
    "delegation",
    "role",
    "honorific",
    "given_name",
    "family_name",
    "badge_name",
    "position",
    "agency",
    "email",
    "phone",
    "nationality",
    "preferred_language",
    "sessions",
    "arrival_date",
    "departure_date",
    "dietary_requirements",
    "accessibility_needs",
    "needs_visa_letter",
    "passport_number",
    "passport_expiry",
    "passport_country",
    "photo",
    "consent_publish",
    "consent_privacy",
]
# Text the person types, kept as typed apart from surrounding white space.
TYPED = [
    "given_name",
    "family_name",
    "badge_name",
    "position",
    "agency",
    "email",
    "phone",
    "dietary_requirements",
    "accessibility_needs",
    "passport_number",
]
# The fuzz tests' photo limit (override_settings), so an oversize upload
# needs no megabytes.
PHOTO_MAX_BYTES = 100_000
GOOD_ROLES = ["delegate", "alternate", "observer", "resource_person"]
HONORIFICS = ["", "Mr", "Ms", "Mrs", "Dr", "Prof", "H.E.", "Ir."]
PHONE = r"\+?[0-9][0-9()./-][0-9 ()./-]{3,35}[0-9()./-]"


def _countries():
    from django_countries import countries

    return [countries.alpha3(code) for code, _name in countries]


def image_bytes(fmt, size=(8, 8)):
    buffer = io.BytesIO()
    Image.new("RGB", size, (200, 30, 30)).save(buffer, format=fmt)
    return buffer.getvalue()


def png_claiming(width, height):
    """A small PNG whose header claims `width` x `height` pixels: a
    decompression bomb as far as any reader that trusts the header knows."""
    png = bytearray(image_bytes("PNG"))
    # The IHDR chunk: length (4), type (4), then width and height at 16.
    png[16:24] = struct.pack(">II", width, height)
    png[29:33] = struct.pack(">I", zlib.crc32(bytes(png[12:29])))
    return bytes(png)


good_photo = st.builds(
    Upload,
    filename=st.sampled_from(["me.jpg", "photo.png", "Ảnh.jpeg", "noname"]),
    content=st.sampled_from([image_bytes("JPEG"), image_bytes("PNG")]),
    content_type=st.sampled_from(["image/jpeg", "image/png", "text/plain"]),
)


def bad_photo():
    return st.one_of(
        st.builds(
            Upload,
            filename=st.one_of(
                st.text(max_size=60),
                st.sampled_from(["../../x.jpg", "x.php", ".htaccess", "a.jpg\x00.php"]),
            ),
            content=st.one_of(
                st.binary(max_size=2000),
                st.sampled_from(
                    [
                        b"",
                        b"\xff\xd8\xff\xe0" + b"\x00" * 40,
                        image_bytes("JPEG")[:-40],
                        image_bytes("PNG")[:-20],
                        png_claiming(20_000, 20_000),
                        png_claiming(2**31 - 1, 1),
                        b"%PDF-1.4\n",
                        b"<svg onload=alert(1)>",
                        image_bytes("GIF"),
                        image_bytes("BMP"),
                        image_bytes("JPEG") + b"<?php echo 1; ?>",
                        b"\xff\xd8" + b"\x00" * PHOTO_MAX_BYTES,
                    ]
                ),
            ),
            content_type=st.sampled_from(
                ["image/jpeg", "application/octet-stream", "text/html"]
            ),
        ),
        st.lists(good_photo, min_size=2, max_size=2),
    )


def good_registration(*, delegation, sessions, emails, needed):
    """A submission the form should accept: any script, any length up to
    the limit, every optional field either way, a photo or none."""
    visa = st.shared(st.booleans(), key="visa")
    countries = _countries()
    dates = st.dates(max_value=datetime.date(9998, 1, 1))
    return st.fixed_dictionaries(
        {
            "delegation": st.just(str(delegation)),
            "role": st.sampled_from(GOOD_ROLES),
            "honorific": st.sampled_from(HONORIFICS),
            "given_name": good_text(100),
            "family_name": good_text(100, required=True),
            "badge_name": good_text(60),
            "position": good_text(200),
            "agency": good_text(300),
            "email": emails,
            "phone": st.one_of(st.just(""), st.from_regex(PHONE, fullmatch=True)),
            "nationality": visa.flatmap(
                lambda v: st.sampled_from(countries if v else ["", *countries])
            ),
            "preferred_language": st.sampled_from(["en", "id"]),
            "sessions": st.lists(st.sampled_from(sessions), min_size=1, unique=True),
            "arrival_date": st.one_of(st.just(""), dates.map(str)),
            "departure_date": st.just(""),
            "dietary_requirements": good_text(300),
            "accessibility_needs": good_text(300),
            "needs_visa_letter": visa.map(lambda v: "on" if v else MISSING),
            "passport_number": visa.flatmap(lambda v: good_text(20, required=v)),
            "passport_expiry": visa.flatmap(
                lambda v: st.dates(min_value=needed).map(str) if v else st.just("")
            ),
            "passport_country": st.sampled_from(["", *countries]),
            "photo": st.one_of(st.just(MISSING), good_photo),
            "consent_publish": st.sampled_from(["on", MISSING]),
            "consent_privacy": st.just("on"),
        }
    ).flatmap(_with_departure)


def _with_departure(data):
    if not data["arrival_date"]:
        return st.just(data)
    arrival = datetime.date.fromisoformat(data["arrival_date"])
    return st.dates(min_value=arrival).map(
        lambda day: {**data, "departure_date": str(day)}
    )


def registration_submission(data, good, *, broken_fields, ids=(), fields=FORM_FIELDS):
    """(pairs, encoding): a good submission with as many fields broken or
    left out as one of `broken_fields` says, and (if any) up to three
    fields nobody asked for."""
    submission = data.draw(good, label="good")
    count = data.draw(st.sampled_from(broken_fields), label="broken fields")
    broken = data.draw(
        st.dictionaries(
            st.sampled_from(fields),
            st.one_of(st.just(MISSING), nasty_value(ids), bad_photo()),
            min_size=count,
            max_size=count,
        ),
        label="broken",
    )
    for name in ("delegation", "sessions"):
        if name in broken and data.draw(st.booleans(), label=f"{name} id-shaped"):
            broken[name] = data.draw(
                st.one_of(idish, st.lists(idish, min_size=1, max_size=3)), label=name
            )
    encoding = data.draw(encodings, label="encoding")
    unknown = data.draw(
        st.dictionaries(
            keys_for(encoding).filter(lambda k: k not in fields),
            nasty_value(),
            max_size=3 if max(broken_fields) else 0,
        ),
        label="unknown",
    )
    return pairs_from({**submission, **broken, **unknown}), encoding
