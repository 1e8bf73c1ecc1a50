"""A published list's exports, written once and then served from storage.

A published list never changes (its entries and digest are fixed), yet every download of
its CSV, XLSX or JSON that was not a conditional GET built the file again from the
database: 1.8 s of CPU for the CSV of 100,000 entries, 16 s for the XLSX, each holding a
server thread (and, in Python, much of its process) while it ran. The first download of a
format in a language now writes the file to the default (private) storage as it is sent;
later ones are served from there.

The files are named by the list, its digest, the language (the columns' titles are
translated) and the format. A file counts only once its marker (``.done``) is written
after it, so a reader never takes a file that another request is still writing. Storing
is a cache: if the storage fails, the download is still answered in full and the next
one tries again.
"""

from __future__ import annotations

import logging
import tempfile
from collections.abc import Iterable, Iterator

from django.core.files import File
from django.core.files.base import ContentFile
from django.core.files.storage import storages

from registry.exports import WORDING
from registry.models import Publication

logger = logging.getLogger(__name__)

DONE = ".done"


def list_export_name(publication: Publication, fmt: str, language: str,
                     standing: str = "") -> str:
    """Where the list's export in ``fmt`` and ``language`` is kept; a CSV or XLSX of a list
    some of whose entries no longer hold (``standing``: ``conditional.standing_key``) is
    kept apart, as each such entry's row says so, and so is one of another wording."""
    folder = f"{language}/{standing}" if standing and standing != "0" else language
    if fmt != "json":  # the signed JSON is the list as published; the others' words change
        # (exports.WORDING): a file kept in an older wording is not this one
        folder = f"{folder}/{WORDING}"
    return (f"lists/{publication.pk}/{publication.digest[:16]}/{folder}/"
            f"list-{publication.jurisdiction.code}-{publication.year}-{publication.number}"
            f".{fmt}")


def list_export_stored(name: str):
    """The stored export ``name`` opened for reading, or None when it is not (yet) whole
    in the storage or the storage cannot be read (the caller builds it instead)."""
    storage = storages["default"]
    try:
        if not storage.exists(name + DONE):
            return None
        return storage.open(name, "rb")
    except FileNotFoundError:  # removed since (a clean-up, a restore without it)
        return None
    except Exception:  # a cache: a storage that fails must not fail the download
        logger.exception("list export %s: the stored file could not be read", name)
        return None


def list_export_store(name: str, spool) -> None:
    """Keep the whole export in ``spool`` (a file at its start) under ``name``, then its
    marker; nothing when another request stored it first."""
    storage = storages["default"]
    try:
        if storage.exists(name + DONE):
            return
        saved = storage.save(name, File(spool))
        if saved != name:  # another request is writing the same file: it will finish it
            storage.delete(saved)
            return
        marker = storage.save(name + DONE, ContentFile(b""))
        if marker != name + DONE:  # the other request's marker came first
            storage.delete(marker)
    except Exception:
        logger.exception("list export %s: the file could not be stored", name)


def list_export_tee(chunks: Iterable[bytes], name: str) -> Iterator[bytes]:
    """``chunks`` as they come, copied to a temporary file that is stored under ``name``
    once the last chunk was sent. A download stopped half-way (the client went away: the
    server closes this generator) stores nothing."""
    with tempfile.TemporaryFile() as spool:
        for chunk in chunks:
            spool.write(chunk)
            yield chunk
        spool.seek(0)
        list_export_store(name, spool)
