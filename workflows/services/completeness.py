"""A case's documents: the automatic completeness check, and the clerk's verdict on each
document of the case's subject."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext_lazy as _

from documents.services import (
    documents_review,
)
from workflows.models import (
    SelectionProcess,
)
from workflows.services import checks
from workflows.services._base import audit


@transaction.atomic
def case_check_completeness(*, case) -> bool:
    """Automatic step: every required document present, verified or pending, and valid."""
    problems = []
    subject = case.organization if isinstance(case, SelectionProcess) else case.person
    # submitted now: a credit record must be recent (DocumentType.max_age_days)
    for problem in checks.document_problems(subject, submission=True):
        if problem["state"] != "pending":  # pending documents are for the clerk to check
            problems.append(problem)
    case.missing = problems
    case.save(update_fields=["missing"])
    audit(None, "case.completeness", case, to_state="complete" if not problems else
          "incomplete", data={"problems": problems})
    return not problems


# savepoint=False: a transaction of its own when called alone; inside a caller's (a case
# action, under viewflow's lock) it joins it instead of opening a savepoint, which cost two
# statements per action (SAVEPOINT, RELEASE). Nothing of it is ever kept half-done: an error
# here rolls back the caller's transaction, or its own savepoint if it holds one (the web
# task view's perform_task does).
@transaction.atomic(savepoint=False)
def check_document_decisions(actor, subject, decisions) -> tuple[list, list]:
    """Apply the clerk's verdict on each document of the case's subject: one review action
    (one lock, one UPDATE, one INSERT of audit events), never one per document. Returns the
    verified ids and the rejected ``{"document", "reason"}``."""
    verified, rejected, verdicts = [], [], {}
    for raw_id, decision in decisions.items():
        try:
            pk = int(raw_id)
        except (TypeError, ValueError):
            raise ValidationError(_("Unknown document in the decisions.")) from None
        verdict, reason = decision if isinstance(decision, tuple | list) else (decision, "")
        if verdict == "verify":
            verified.append(pk)
        elif verdict == "reject":
            if not (reason or "").strip():
                raise ValidationError(_("Give a reason for rejecting a document."))
            rejected.append({"document": pk, "reason": reason})
        else:
            raise ValidationError(_("Unknown decision: %(v)s.") % {"v": verdict})
        verdicts[pk] = (verdict, reason)
    if verdicts:
        # refuses, as a whole, any document that is not the subject's
        documents_review(actor=actor, subject=subject, decisions=verdicts)
    return verified, rejected
