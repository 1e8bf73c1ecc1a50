"""How far a 1+1 renewal runs: one more term after the current one, never past the expiry
of a required document the approval rests on (the documents layer answers that, through a
hook registered at start-up). :func:`registry.services.after_approval.approval_renew`
renews; the annual review's page says the date before it is decided."""

from __future__ import annotations

import datetime

from django.conf import settings

from registry.models import Approval

# The earliest expiry among the documents a subject's approval rests on, and that
# document's name: ``(date, name)`` or ``None``. The registry does not keep documents; the
# documents layer answers (registered in ``workflows.apps``, with the other hooks).
_document_limit_hook = None


def renewal_document_limit_register(hook) -> None:
    """Name the callable ``hook(subject) -> (date, name) | None`` that tells how far a
    renewal may go: no further than the earliest expiry of a required document."""
    global _document_limit_hook  # one process-wide hook, set once at start-up
    _document_limit_hook = hook


def approval_renewal_term(approval: Approval) -> tuple:
    """``(term_end, limit)``: the end of one more term after the approval's current one
    (its ``valid_until``), and the earliest-expiring required document ``(date, name)``
    or None."""
    days = (settings.WORKFLOW_INDIVIDUAL_APPROVAL_DAYS if approval.person_id
            else settings.REGISTRY_APPROVAL_TERM_DAYS)
    limit = None if _document_limit_hook is None else _document_limit_hook(approval.subject)
    return approval.valid_until + datetime.timedelta(days=days), limit


def approval_renewal_end(approval: Approval) -> datetime.date | None:
    """The day a renewal (1+1) of ``approval`` would run to, as ``approval_renew`` sets
    it; None when it has no end of validity."""
    if approval.valid_until is None:
        return None
    term_end, limit = approval_renewal_term(approval)
    return min(term_end, limit[0]) if limit is not None else term_end


__all__ = ["approval_renewal_end", "approval_renewal_term", "renewal_document_limit_register"]
