"""Correction rounds (补正): sending a case back with a deadline, the provider's
resubmission, and ending the cases whose deadline passed."""

from __future__ import annotations

import datetime

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from viewflow.workflow.status import PROCESS, STATUS

from workflows import entry, selectors
from workflows.models import (
    CaseOutcome,
    SelectionProcess,
    VettingProcess,
)
from workflows.services._base import audit
from workflows.services.errors import CaseStateError
from workflows.services.notifications import notify, notify_private_news
from workflows.services.outcome import case_reject


def case_return_for_correction(*, case, reason: str = "") -> None:
    """Send the case back to the provider (补正) with a deadline; the rounds are counted."""
    case.correction_rounds += 1
    case.correction_due = timezone.now() + datetime.timedelta(
        days=settings.WORKFLOW_CORRECTION_DAYS)
    case.save(update_fields=["correction_rounds", "correction_due"])
    audit(None, "case.return_for_correction", case, to_state="correction", reason=reason,
          data={"round": case.correction_rounds, "missing": case.missing})
    if isinstance(case, VettingProcess):  # about a person: the page says what is missing
        notify_private_news(users=selectors.case_providers(case), case=case,
                            kind=gettext("Vetting"))
        return
    listing = "\n".join(f"- {p.get('subject', '')}: {p.get('document_type', '')} "
                        f"({p.get('state', '')})" for p in case.missing)
    notify(users=selectors.case_providers(case),
           subject=gettext("Application #%(pk)s needs correction") % {"pk": case.pk},
           body=gettext("Please correct the following by %(due)s:\n%(items)s\n%(reason)s")
           % {"due": timezone.localtime(case.correction_due).strftime("%Y-%m-%d"),
              "items": listing, "reason": reason})


def case_corrections_exhausted(*, case) -> bool:
    return case.correction_rounds >= settings.WORKFLOW_MAX_CORRECTION_ROUNDS


def case_resubmit(*, actor, case) -> None:
    """The provider says the corrections are made (the correction task completes)."""
    if case.correction_due and timezone.now() > case.correction_due:
        raise CaseStateError(_("The correction deadline has passed."))
    audit(actor, "case.resubmit", case, from_state="correction", to_state="submitted")


def corrections_reject_overdue() -> int:
    """End every case whose correction deadline has passed while it waits for the provider.

    Idempotent: a case is handled under its flow lock and only while its correction
    task is still open.
    """
    count = 0
    now = timezone.now()
    for flow_class, model in ((entry.flow("selection"), SelectionProcess),
                              (entry.flow("vetting"), VettingProcess)):
        overdue = model.objects.filter(outcome=CaseOutcome.OPEN, correction_due__lt=now,
                                       task__flow_task=flow_class.correction,
                                       task__status__in=[STATUS.NEW, STATUS.ASSIGNED]
                                       ).values_list("pk", flat=True).distinct()
        for pk in list(overdue[:500]):
            with flow_class.lock(pk), transaction.atomic():
                case = model.objects.get(pk=pk)
                open_tasks = case.task_set.filter(flow_task=flow_class.correction,
                                                  status__in=[STATUS.NEW, STATUS.ASSIGNED])
                if case.outcome != CaseOutcome.OPEN or not open_tasks.exists():
                    continue
                open_tasks.update(status=STATUS.CANCELED, finished=now)
                case.status, case.finished = PROCESS.DONE, now
                case.save(update_fields=["status", "finished"])
                case_reject(case=case, reason=gettext("The correction deadline passed without a "
                                                      "resubmission."))
                count += 1
    return count
