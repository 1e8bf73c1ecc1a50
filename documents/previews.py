"""Small previews of stored images, upright as the camera meant them (EXIF orientation)."""

from __future__ import annotations

import io

from PIL import Image, ImageOps

from documents.models import Document
from documents.storage import document_storage

_FORMATS = {"image/jpeg": "JPEG", "image/png": "PNG"}


def image_preview(document: Document, max_side: int) -> bytes | None:
    """A preview of ``document`` no larger than ``max_side`` on either side, or None for a
    document that is not an image (a PDF).

    Turned as its EXIF orientation says (a phone photo taken upright is stored sideways
    with orientation 6), then scaled; a JPEG original gives a JPEG without EXIF, a PNG a PNG
    (transparency kept). A JPEG is decoded at a reduced scale where it can be (``draft``),
    not whole. The image was inspected at upload (size within DOCUMENTS_MAX_IMAGE_PIXELS).
    """
    kind = _FORMATS.get(document.content_type)
    if kind is None:
        return None
    with document_storage().open(document.storage_key, "rb") as handle, \
            Image.open(handle, formats=[kind]) as image:
        image.draft(image.mode, (max_side, max_side))
        upright = ImageOps.exif_transpose(image)
        upright.thumbnail((max_side, max_side))
        buffer = io.BytesIO()
        if kind == "PNG":
            upright.save(buffer, "PNG", optimize=True)
        else:
            upright.convert("RGB").save(buffer, "JPEG", quality=85)
    return buffer.getvalue()
