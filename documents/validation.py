"""What an upload must look like: a clean file name and content of an allowed type.

The type is decided by the first bytes of the content (magic numbers), never by
the file name or the type the client declares.
"""

from __future__ import annotations

import re
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


# --- active content, polyglots and decompression bombs (issue 9) ----------------------
# A file whose first bytes are a PDF or an image can still carry a second format or active
# content. ContentScanner sees every chunk once (nothing held whole) and refuses: PDFs with
# JavaScript, launch actions, embedded files or rich media; any file that also contains
# HTML/SVG markup or ends in a ZIP directory (a polyglot); images whose declared size is
# beyond DOCUMENTS_MAX_IMAGE_PIXELS (a decompression bomb).

_PDF_ACTIVE = re.compile(
    rb"/(?:JavaScript|JS|Launch|EmbeddedFiles?|RichMedia|XFA|OpenAction\s*<<[^>]*/S\s*/JavaScript)"
    rb"(?![A-Za-z])")
_MARKUP = re.compile(rb"<\s*(?:script|html|svg|iframe|object|embed|!doctype\s+html)\b", re.I)
_HEX_NAME = re.compile(rb"#([0-9A-Fa-f]{2})")
_HEAD_BYTES = 256 * 1024
_TAIL_BYTES = 64 * 1024 + 22
_OVERLAP = 64


class ContentScanner:
    """Fed the chunks of an upload in order; ``check(detected)`` raises if it is hostile."""

    def __init__(self):
        self.head = b""
        self.tail = b""
        self.pdf_active = False
        self.markup = False

    def feed(self, chunk: bytes) -> None:
        if len(self.head) < _HEAD_BYTES:
            self.head += chunk[: _HEAD_BYTES - len(self.head)]
        window = self.tail[-_OVERLAP:] + chunk
        names = _HEX_NAME.sub(lambda m: bytes([int(m.group(1), 16)]), window)
        self.pdf_active = self.pdf_active or bool(_PDF_ACTIVE.search(names))
        self.markup = self.markup or bool(_MARKUP.search(window))
        self.tail = (self.tail + chunk)[-_TAIL_BYTES:]

    def check(self, detected: str, *, max_pixels: int) -> None:
        if self.markup:
            raise field_error("file", _("The file also contains web page code (HTML or "
                                        "script): it is refused."), "polyglot")
        if b"PK\x05\x06" in self.tail:
            raise field_error("file", _("The file also contains a ZIP archive: it is "
                                        "refused."), "polyglot")
        if detected == "application/pdf" and self.pdf_active:
            raise field_error("file", _("The PDF contains scripts, actions or embedded files: "
                                        "print it to a plain PDF and upload that."),
                              "pdf_active_content")
        if detected.startswith("image/"):
            width, height = image_dimensions(self.head, detected) or (0, 0)
            if width * height > max_pixels:
                raise field_error("file", _("The image is %(width)d × %(height)d pixels, "
                                            "beyond what is accepted.")
                                  % {"width": width, "height": height}, "image_too_large")


def image_dimensions(head: bytes, content_type: str) -> tuple[int, int] | None:
    """(width, height) from a PNG's IHDR or a JPEG's SOF marker within ``head``."""
    if content_type == "image/png":
        if len(head) >= 24 and head[12:16] == b"IHDR":
            return int.from_bytes(head[16:20], "big"), int.from_bytes(head[20:24], "big")
        return None
    position = 2
    while position + 9 <= len(head):
        if head[position] != 0xFF:
            return None
        marker = head[position + 1]
        if marker in (0xD8, 0x01) or 0xD0 <= marker <= 0xD7:
            position += 2
            continue
        length = int.from_bytes(head[position + 2:position + 4], "big")
        if 0xC0 <= marker <= 0xCF and marker not in (0xC4, 0xC8, 0xCC):
            height = int.from_bytes(head[position + 5:position + 7], "big")
            width = int.from_bytes(head[position + 7:position + 9], "big")
            return width, height
        position += 2 + length
    return None
