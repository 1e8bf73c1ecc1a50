"""Background work for documents. The beat schedule (settings) runs it weekly."""

import logging

from celery import shared_task

from documents.integrity import verify_stored_documents

logger = logging.getLogger(__name__)


@shared_task(name="documents.tasks.verify_documents")
def verify_documents() -> dict:
    """Re-read stored documents and log every mismatch; read-only, so a re-run is harmless."""
    checked, problems = verify_stored_documents()
    for problem in problems:
        logger.error("document %s %s: %s %s", problem.document_id, problem.problem,
                     problem.storage_key, problem.detail)
    return {"checked": checked, "problems": [p.document_id for p in problems]}
