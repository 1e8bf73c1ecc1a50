"""What is inside an upload: PDFs opened by qpdf (through pikepdf), images by Pillow.

A file whose first bytes are a PDF or an image can still carry active content, a second
format (a polyglot) or a decompression bomb. Three checks, each refusing with its own code
and a message that tells the provider what to do:

- ``MarkupScanner`` sees every chunk of the upload once, as it is hashed: HTML, SVG or
  script markup in any encoding (UTF-8, UTF-16 and UTF-32, either byte order), and a ZIP
  end-of-central-directory record near the end (an archive appended).
- a PDF is opened by qpdf from the received upload (its spooled temporary file, or the
  in-memory file of a small upload; never copied) and every object is walked, those inside
  compressed object streams included: JavaScript, launch actions, form submission, embedded
  files, rich media, XFA forms, encryption and anything qpdf cannot parse are refused. Stream
  data is never decoded for this, so bytes that compressed image data happens to contain
  (``/JS``, ``<html>``) mean nothing; markup found by the scanner inside the data of a
  compressed stream is ignored (when the data is what its filter says it is).
- an image is opened by Pillow, which reads its real size wherever the header sits, without
  decoding the pixels; beyond ``DOCUMENTS_MAX_IMAGE_PIXELS`` it is refused, then
  ``verify()`` checks its structure (PNG chunk checksums).
"""

from __future__ import annotations

import bisect
import re
import zlib

import pikepdf
from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from PIL import Image, UnidentifiedImageError

from documents.validation import field_error

_MESSAGES = {
    "pdf_javascript": _(
        "The PDF contains JavaScript (a program that runs when it is opened or used). Print "
        "it to a plain PDF (for example with “Microsoft Print to PDF” or the scanner’s "
        "software) and upload that."),
    "pdf_launch": _(
        "The PDF contains an action that opens other files or programs. Print it to a plain "
        "PDF and upload that."),
    "pdf_form_submit": _(
        "The PDF contains a form that sends or imports data. Fill it in, print it to a plain "
        "PDF and upload that."),
    "pdf_embedded_file": _(
        "The PDF has other files attached inside it. Upload each document as a file of its "
        "own, and this PDF printed to a plain PDF."),
    "pdf_rich_media": _(
        "The PDF contains embedded multimedia (Flash, video or 3D). Print it to a plain PDF "
        "and upload that."),
    "pdf_xfa": _(
        "The PDF is an XFA form (a dynamic Adobe form). Print it to a plain PDF and upload "
        "that."),
    "pdf_encrypted": _(
        "The PDF is encrypted or protected by a password. Remove the protection, or print it "
        "to a plain PDF, and upload it again."),
    "pdf_too_complex": _(
        "The PDF is made of too many parts to be checked. Print it to a plain PDF, or scan "
        "it, and upload that."),
    "pdf_unreadable": _(
        "The PDF cannot be read: it is damaged, incomplete or not really a PDF. Save or scan "
        "it again and upload the new file."),
    "image_too_large": _(
        "The image has more than %(limit)s million pixels. Scan or photograph it at a lower "
        "resolution and upload it again."),
    "image_unreadable": _(
        "The image cannot be read: it is damaged or incomplete. Save, scan or photograph it "
        "again and upload the new file."),
    "polyglot_markup": _(
        "The file also contains web page code (HTML, SVG or script), which is not accepted. "
        "Save, scan or print it again as a plain PDF, JPEG or PNG and upload that."),
    "polyglot_archive": _(
        "The file also contains a ZIP archive, which is not accepted. Upload each document "
        "as a PDF, JPEG or PNG file of its own."),
}
REFUSAL_CODES = tuple(_MESSAGES)


def refusal(code: str, *, max_pixels: int | None = None) -> ValidationError:
    """The refusal of the upload's file for ``code`` (one of ``REFUSAL_CODES``)."""
    message = _MESSAGES[code]
    if code == "image_too_large":
        limit = max_pixels or settings.DOCUMENTS_MAX_IMAGE_PIXELS
        message = message % {"limit": f"{limit / 1e6:g}"}
    return field_error("file", message, code)


# --- markup and archives, in any encoding ----------------------------------------------
# Patterns start at "<"; in UTF-16 and UTF-32 every ASCII character is followed (little
# endian) or preceded (big endian) by NUL bytes. Seen from the "<", both byte orders are
# the same sequence: a character, then width - 1 NULs, then the next character.
# Each pattern is long enough that random data (compressed images) does not hold it by
# chance: "<svg" alone would, about once in 3,000 photos of 5 MB, so it needs an attribute
# that makes it active (xmlns, an event handler) or a closing ">".
_WS = "\t\n\f\r "
_TAGS = ("script", "html", "iframe", "object", "embed", "body", "frameset", "style")
_ATTRIBUTE_SPAN = 256
_TAIL_BYTES = 64 * 1024 + 22  # a ZIP reader looks for its directory record this far back
_OVERLAP = 8 * 1024  # longer than the longest match: UTF-32 markup across two chunks
_MAX_HITS = 256
_EOCD = b"PK\x05\x06"


def _markup_pattern() -> re.Pattern:
    def after_lt(width: int) -> bytes:
        # The NULs go between characters, never after the last one: in big-endian text
        # that ends the file, nothing follows the last character.
        pad = re.escape(b"\x00" * (width - 1))

        def cls(chars: str, negate: bool = False) -> bytes:
            return b"[" + (b"^" if negate else b"") + re.escape(chars.encode()) + b"]"

        def word(text: str) -> bytes:
            return pad.join(re.escape(c.encode()) for c in text)

        tags = [word(t) + pad + cls(_WS + "/>") for t in _TAGS]
        tags.append(word("!doctype") + b"(?:" + pad + cls(_WS) + b")+" + pad + word("html"))
        handler = word("on") + b"(?:" + pad + b"[a-z])+(?:" + pad + cls(_WS) + b")*" + pad + b"="
        tags.append(word("svg") + pad + b"(?:>|" + cls(_WS + "/") + b"(?:" + pad
                    + cls("<>", negate=True) + b"){0,%d}?" % _ATTRIBUTE_SPAN + pad + b"(?:"
                    + word("xmlns") + b"|" + handler + b"))")
        return pad + b"(?:" + b"|".join(tags) + b")"

    # one "<" in front of every alternative: the regex engine looks for that byte first
    return re.compile(b"<(?:" + b"|".join(b"(?:" + after_lt(w) + b")" for w in (1, 2, 4))
                      + b")", re.IGNORECASE)


_MARKUP = _markup_pattern()


class MarkupScanner:
    """Fed the chunks of an upload in order; remembers where markup and a ZIP directory
    record are (offsets from the start of the file, with a little context around each)."""

    def __init__(self):
        self.position = 0
        self._window = b""
        self._seen: set[int] = set()
        self.hits: list[tuple[int, bytes]] = []
        self.too_many = False
        self._tail = b""

    def feed(self, chunk: bytes) -> None:
        data = self._window + chunk
        base = self.position - len(self._window)
        for match in _MARKUP.finditer(data):
            start = base + match.start()
            if start in self._seen:
                continue  # found in the previous chunk's overlap already
            self._seen.add(start)
            if len(self.hits) >= _MAX_HITS:
                self.too_many = True
                break
            self.hits.append((start, data[max(0, match.start() - 16):match.end() + 16]))
        self._window = data[-_OVERLAP:]
        self.position += len(chunk)
        self._tail = (self._tail + chunk)[-_TAIL_BYTES:]

    def archive(self) -> tuple[int, bytes] | None:
        """Where a ZIP end-of-central-directory record sits near the end, if one does."""
        at = self._tail.rfind(_EOCD)
        if at < 0:
            return None
        return (self.position - len(self._tail) + at,
                self._tail[max(0, at - 16):at + len(_EOCD) + 16])


# --- the whole inspection --------------------------------------------------------------

def inspect_content(file, content_type: str, scanner: MarkupScanner, *,
                    max_pixels: int) -> None:
    """Raise the refusal of ``file`` (already sniffed as ``content_type`` and fed whole to
    ``scanner``) if it is hostile or unreadable; leave it positioned at its start."""
    try:
        if content_type == "application/pdf":
            _inspect_pdf(file, scanner)
        elif content_type.startswith("image/"):
            _inspect_image(file, content_type, scanner, max_pixels=max_pixels)
    finally:
        file.seek(0)


def _source(file):
    """A path for a spooled upload (the parser reads the file itself), else the file."""
    path = getattr(file, "temporary_file_path", None)
    if path is not None:
        return path()
    file.seek(0)
    return file


# --- PDF ---------------------------------------------------------------------------------
# Action types (/S) and dictionary keys that make a PDF do something beyond being read.
# /URI (links), /GoTo, /Named, /ResetForm and plain forms are fine.
_ACTIONS = {
    "/JavaScript": "pdf_javascript",
    "/Launch": "pdf_launch",
    "/GoToR": "pdf_launch",  # opens another file, also on a network share (leaks hashes)
    "/GoToE": "pdf_embedded_file",
    "/SubmitForm": "pdf_form_submit",
    "/ImportData": "pdf_form_submit",
    "/RichMediaExecute": "pdf_rich_media",
}
_KEYS = {
    "/JS": "pdf_javascript",
    "/JavaScript": "pdf_javascript",  # the document-level scripts of the /Names tree
    "/EmbeddedFiles": "pdf_embedded_file",
    "/EF": "pdf_embedded_file",
    "/RichMediaContent": "pdf_rich_media",
    "/RichMediaSettings": "pdf_rich_media",
    "/XFA": "pdf_xfa",
}
_TYPES = {
    "/EmbeddedFile": "pdf_embedded_file",
    "/FileAttachment": "pdf_embedded_file",
    "/RichMedia": "pdf_rich_media",
}
_WATCHED = frozenset(_KEYS) | {"/S", "/Type", "/Subtype"}
# When several are found, the refusal names the first of these.
_PDF_ORDER = ("pdf_javascript", "pdf_launch", "pdf_form_submit", "pdf_embedded_file",
              "pdf_rich_media", "pdf_xfa")
# Filters whose data is binary, compressed: a match of markup inside it is a coincidence.
_COMPRESSING = {"/FlateDecode", "/LZWDecode", "/RunLengthDecode", "/DCTDecode",
                "/JPXDecode", "/CCITTFaxDecode", "/JBIG2Decode"}
# Walking an object costs some 20 µs in Python; a long book has 100,000 objects, while a
# hostile file of 20 MB could pack millions into compressed object streams.
MAX_PDF_OBJECTS = 500_000
_CONTAINERS = (pikepdf.Dictionary, pikepdf.Array, pikepdf.Stream)
# qpdf's errors on hostile input: most are PdfError, a few surface as these.
_PARSER_ERRORS = (pikepdf.PdfError, RuntimeError, ValueError, RecursionError, OverflowError)


def _inspect_pdf(file, scanner: MarkupScanner) -> None:
    try:
        with pikepdf.open(_source(file)) as pdf:
            if pdf.is_encrypted:
                raise refusal("pdf_encrypted")
            if len(pdf.pages) == 0:
                raise refusal("pdf_unreadable")
            size = pdf.trailer.get("/Size")
            if isinstance(size, int) and size > MAX_PDF_OBJECTS:  # before qpdf lists them
                raise refusal("pdf_too_complex")
            found = pdf_active_content(pdf)
            if found:
                raise refusal(found)
            _check_pdf_polyglot(pdf, scanner)
    except pikepdf.PasswordError as error:
        raise refusal("pdf_encrypted") from error
    except _PARSER_ERRORS as error:
        raise refusal("pdf_unreadable") from error


def pdf_active_content(pdf: pikepdf.Pdf) -> str | None:
    """The refusal code of the first kind of active content in ``pdf``, or None.

    Every object in the file is visited (those in object streams too, and those nothing
    refers to), with the direct objects nested in it; stream data is never decoded. Beyond
    MAX_PDF_OBJECTS objects the file is refused instead (``pdf_too_complex``).
    """
    objects = pdf.objects
    if len(objects) > MAX_PDF_OBJECTS:
        raise refusal("pdf_too_complex")
    found: set[str] = set()
    pending = [pdf.trailer, *objects]
    while pending:
        obj = pending.pop()
        if isinstance(obj, pikepdf.Dictionary):
            keys = obj.keys()
        elif isinstance(obj, pikepdf.Stream):
            obj = obj.stream_dict
            keys = obj.keys()
        elif isinstance(obj, pikepdf.Array):
            pending.extend(c for c in obj if isinstance(c, _CONTAINERS) and not c.is_indirect)
            continue
        else:
            continue
        for key in keys & _WATCHED:
            found.update(_threat(key, obj[key]))
        # indirect children are in pdf.objects: visited once, there
        pending.extend(c for c in obj.values()
                       if isinstance(c, _CONTAINERS) and not c.is_indirect)
    return next((code for code in _PDF_ORDER if code in found), None)


def _threat(key: str, value) -> tuple[str, ...]:
    if key in _KEYS:
        return (_KEYS[key],)
    name = str(value) if isinstance(value, pikepdf.Name) else ""
    code = _ACTIONS.get(name) if key == "/S" else _TYPES.get(name)
    return (code,) if code else ()


def _check_pdf_polyglot(pdf: pikepdf.Pdf, scanner: MarkupScanner) -> None:
    archive = scanner.archive()
    if scanner.too_many:
        raise refusal("polyglot_markup")
    if not scanner.hits and archive is None:
        return
    streams = _StreamLocator(pdf)
    for offset, context in scanner.hits:
        if not streams.holds(offset, context):
            raise refusal("polyglot_markup")
    if archive is not None and not streams.holds(*archive):
        raise refusal("polyglot_archive")


class _StreamLocator:
    """Which compressed stream's data, if any, holds the bytes found at an offset."""

    def __init__(self, pdf: pikepdf.Pdf):
        self.pdf = pdf
        entries = sorted((entry.offset, objgen) for objgen, entry in
                         pdf.get_xref_table().items() if entry.type == 1)
        self.offsets = [offset for offset, _objgen in entries]
        self.objgens = [objgen for _offset, objgen in entries]
        self._checked: dict[tuple[int, int], bool] = {}

    def holds(self, offset: int, context: bytes) -> bool:
        at = bisect.bisect_right(self.offsets, offset) - 1
        if at < 0:
            return False
        objgen = self.objgens[at]
        stream = self.pdf.get_object(objgen)
        if not isinstance(stream, pikepdf.Stream):
            return False
        filters = stream.stream_dict.get("/Filter")
        first = filters[0] if isinstance(filters, pikepdf.Array) and len(filters) else filters
        if not isinstance(first, pikepdf.Name) or str(first) not in _COMPRESSING:
            return False
        raw = stream.read_raw_bytes()
        if context not in raw:
            return False
        if objgen not in self._checked:
            self._checked[objgen] = str(first) != "/FlateDecode" or _inflates(raw)
        return self._checked[objgen]


def _inflates(raw: bytes) -> bool:
    """Whether ``raw`` is a zlib stream (decoded piece by piece: nothing is kept)."""
    decoder = zlib.decompressobj()
    try:
        for start in range(0, len(raw), 256 * 1024):
            decoder.decompress(raw[start:start + 256 * 1024], 1024 * 1024)
            while decoder.unconsumed_tail:
                decoder.decompress(decoder.unconsumed_tail, 1024 * 1024)
    except zlib.error:
        return False
    return True


# --- images ------------------------------------------------------------------------------
_FORMATS = {"image/jpeg": "JPEG", "image/png": "PNG"}
_IMAGE_ERRORS = (UnidentifiedImageError, OSError, SyntaxError, ValueError, EOFError,
                 IndexError, TypeError, ZeroDivisionError)


def _inspect_image(file, content_type: str, scanner: MarkupScanner, *,
                   max_pixels: int) -> None:
    try:
        # The header only: Pillow reads the markers up to the frame's size, not the pixels.
        with Image.open(_source(file), formats=[_FORMATS[content_type]]) as image:
            width, height = image.size
            if width * height > max_pixels:
                raise refusal("image_too_large", max_pixels=max_pixels)
            image.verify()
    except Image.DecompressionBombError as error:  # Pillow's own, higher, limit
        raise refusal("image_too_large", max_pixels=max_pixels) from error
    except _IMAGE_ERRORS as error:
        raise refusal("image_unreadable") from error
    if scanner.hits or scanner.too_many:
        raise refusal("polyglot_markup")
    if scanner.archive() is not None:
        raise refusal("polyglot_archive")

