"""Small, real files for tests that upload documents: a one-page PDF, a PNG and a JPEG.

Real, because uploads are opened by a PDF parser (qpdf) and an image decoder (Pillow):
a header followed by zeros is refused as unreadable.
"""

import io

import pikepdf
from PIL import Image


def pdf_bytes(pages: int = 1) -> bytes:
    pdf = pikepdf.new()
    for _ in range(pages):
        pdf.add_blank_page(page_size=(595, 842))
    buffer = io.BytesIO()
    pdf.save(buffer, static_id=True)
    return buffer.getvalue()


def image_bytes(kind: str = "PNG", size=(32, 24), color=(40, 90, 160), **options) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, color).save(buffer, kind, **options)
    return buffer.getvalue()


PDF = pdf_bytes()
PNG = image_bytes("PNG")
JPEG = image_bytes("JPEG")
