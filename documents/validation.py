"""What an upload must look like: a clean file name and content of an allowed type.

The type is decided by the first bytes of the content (magic numbers), never by
the file name or the type the client declares. What the content holds beyond its type
(active content, a second format, a decompression bomb) is documents.inspection's.
"""

from __future__ import annotations

import unicodedata

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

MAX_FILENAME_LENGTH = 200
# How many leading bytes the sniffer needs; the upload loop keeps this many.
SNIFF_BYTES = 16

# (content type, signature, extension)
_SIGNATURES: list[tuple[str, bytes, str]] = [
    ("application/pdf", b"%PDF-", "pdf"),
    ("image/jpeg", b"\xff\xd8\xff", "jpg"),
    ("image/png", b"\x89PNG\r\n\x1a\n", "png"),
]
EXTENSIONS = {content_type: ext for content_type, _sig, ext in _SIGNATURES}

# Declarations that say nothing (browsers send octet-stream for what they do not know).
_UNDECLARED = {"", "application/octet-stream", "binary/octet-stream"}
_ALIASES = {"image/jpg": "image/jpeg", "image/pjpeg": "image/jpeg", "application/x-pdf":
            "application/pdf", "image/x-png": "image/png"}


def field_error(field: str, message, code: str) -> ValidationError:
    """A ValidationError for one field that keeps its code (a dict of strings would not)."""
    return ValidationError({field: ValidationError(message, code=code)})


def sniff_content_type(head: bytes) -> str | None:
    """The content type that ``head`` (the first bytes of a file) proves, or None."""
    for content_type, signature, _ext in _SIGNATURES:
        if head.startswith(signature):
            return content_type
    return None


def normalize_declared_type(declared: str | None) -> str:
    value = (declared or "").split(";")[0].strip().lower()
    return _ALIASES.get(value, value)


def check_declared_type(declared: str | None, detected: str) -> None:
    """Refuse a declared content type that contradicts the bytes."""
    value = normalize_declared_type(declared)
    if value in _UNDECLARED:
        return
    if value != detected:
        message = _("The file claims to be %(declared)s but its content is %(detected)s.")
        raise field_error("file", message % {"declared": value, "detected": detected},
                          "declared_type_mismatch")


def validate_filename(filename: str) -> str:
    """Return ``filename`` stripped, or refuse names that could be abused or are unreadable.

    Refused: empty, longer than MAX_FILENAME_LENGTH, any path separator or ``..``
    component, NUL or any other control or format character.
    """
    name = (filename or "").strip()
    if not name:
        raise field_error("filename", _("The file has no name."), "filename_empty")
    if len(name) > MAX_FILENAME_LENGTH:
        raise field_error("filename", _("The file name is longer than %(max)d characters.")
             % {"max": MAX_FILENAME_LENGTH}, "filename_too_long")
    if any(unicodedata.category(ch) in {"Cc", "Cf", "Cs", "Co", "Zl", "Zp"} for ch in name):
        raise field_error("filename", _("The file name contains control characters."),
                          "filename_control")
    if "/" in name or "\\" in name or name.startswith(".."):
        raise field_error("filename", _("The file name must not contain a path."), "filename_path")
    return name
