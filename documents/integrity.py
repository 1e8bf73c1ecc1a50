"""Integrity of the stored bytes: re-read each object and compare it with its row."""

from __future__ import annotations

import dataclasses

from documents.models import Document
from documents.storage import STORAGE_ERRORS, document_storage, stored_digest


@dataclasses.dataclass(frozen=True)
class IntegrityProblem:
    document_id: int
    storage_key: str
    problem: str  # "missing", "mismatch" or "unreadable"
    detail: str = ""


def verify_stored_documents(*, document_ids=None) -> tuple[int, list[IntegrityProblem]]:
    """Re-read every stored document (or those in ``document_ids``) and report any whose
    object is missing or whose SHA-256 or size differs from the recorded one.

    Returns (number checked, problems). Reads chunk by chunk; changes nothing.
    """
    storage = document_storage()
    queryset = Document.objects.order_by("pk").only("pk", "storage_key", "sha256", "size")
    if document_ids is not None:
        queryset = queryset.filter(pk__in=list(document_ids))
    checked, problems = 0, []
    for document in queryset.iterator(chunk_size=500):
        checked += 1
        try:
            digest, size = stored_digest(storage, document.storage_key)
        except FileNotFoundError:
            problems.append(IntegrityProblem(document.pk, document.storage_key, "missing"))
            continue
        except STORAGE_ERRORS as exc:
            missing = "404" in str(exc) or "NoSuchKey" in str(exc) or "Not Found" in str(exc)
            problems.append(IntegrityProblem(
                document.pk, document.storage_key, "missing" if missing else "unreadable",
                str(exc)[:200]))
            continue
        if digest != document.sha256 or size != document.size:
            problems.append(IntegrityProblem(
                document.pk, document.storage_key, "mismatch",
                f"expected {document.sha256} ({document.size} B), found {digest} ({size} B)"))
    return checked, problems
