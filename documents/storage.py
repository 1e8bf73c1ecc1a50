"""The private document storage (``STORAGES["documents"]``): local files or S3."""

from __future__ import annotations

import hashlib
import logging
import uuid

from botocore.exceptions import BotoCoreError, ClientError
from django.core.files.storage import Storage, storages
from django.utils import timezone

from documents.validation import EXTENSIONS

# Transport failures of either backend; anything else is a bug and should surface.
STORAGE_ERRORS = (BotoCoreError, ClientError, OSError)
READ_CHUNK = 1024 * 1024
logger = logging.getLogger(__name__)


def document_storage() -> Storage:
    return storages["documents"]


def is_s3(storage: Storage) -> bool:
    return storage.__class__.__module__.startswith("storages.backends.s3")


def new_storage_key(content_type: str) -> str:
    """A random key: no name, ID number or organization in it (object keys end up in logs)."""
    now = timezone.now()
    return f"documents/{now:%Y/%m}/{uuid.uuid4().hex}.{EXTENSIONS.get(content_type, 'bin')}"


def stored_digest(storage: Storage, key: str) -> tuple[str, int]:
    """SHA-256 and size of a stored object, read back in chunks."""
    digest, size = hashlib.sha256(), 0
    if is_s3(storage):
        # S3File would spool the whole object first; read the HTTP body as it comes.
        body = storage.bucket.Object(storage._normalize_name(key)).get()["Body"]
        for chunk in body.iter_chunks(READ_CHUNK):
            digest.update(chunk)
            size += len(chunk)
        return digest.hexdigest(), size
    with storage.open(key, "rb") as handle:
        while chunk := handle.read(READ_CHUNK):
            digest.update(chunk)
            size += len(chunk)
    return digest.hexdigest(), size


def delete_quietly(storage: Storage, key: str) -> None:
    """Best-effort removal of an object whose database row did not come to be."""
    try:
        storage.delete(key)
    except STORAGE_ERRORS:  # the outage that failed the upload may still be on
        logger.warning("could not remove orphaned document object %s", key, exc_info=True)
