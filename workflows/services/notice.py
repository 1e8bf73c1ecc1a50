"""The public notice (公示) of an approval: its start, its end, and what follows it."""

from __future__ import annotations

import datetime

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext

from registry import services as registry_services
from registry.formatting import local_date
from registry.models import (
    Approval,
    Offering,
)
from workflows import recipients
from workflows.models import (
    Objection,
    SelectionProcess,
)
from workflows.services._base import audit
from workflows.services.notifications import notify
from workflows.workdays import add_working_days


def _offering_categories(case: SelectionProcess):
    return list({o.category_id: o.category for o in
                 Offering.objects.filter(pk__in=case.offerings.values("pk"))
                 .select_related("category")}.values())


@transaction.atomic
def notice_start(*, case: SelectionProcess) -> None:
    """The approval goes into public notice (公示) for N working days."""
    today = timezone.localdate()
    case.notice_ends_on = add_working_days(today, settings.WORKFLOW_NOTICE_WORKING_DAYS)
    case.approval = registry_services.approval_create(
        actor=case.decided_by, jurisdiction=case.bureau.jurisdiction,
        organization=case.organization, categories=_offering_categories(case), case_id=case.pk,
        reason=case.decision_reason, expert_score=case.weighted_score)
    case.save(update_fields=["notice_ends_on", "approval"])
    audit(None, "case.notice_start", case, to_state="notice",
          data={"ends_on": str(case.notice_ends_on)})
    notify(users=recipients.providers_of(case.organization),
           subject=gettext("Application #%(pk)s is in public notice until %(end)s")
           % {"pk": case.pk, "end": local_date(case.notice_ends_on)},
           body=case.decision_reason, case=case, about=case.organization)


def notice_deadline(case: SelectionProcess) -> datetime.datetime:
    """When the notice timer fires: the start of the day after the last notice day."""
    end = case.notice_ends_on + datetime.timedelta(days=1)
    return timezone.make_aware(datetime.datetime.combine(end, datetime.time.min))


def notice_outcome(*, case: SelectionProcess) -> str:
    """After the notice: 'approve', 'reject' (an objection was upheld) or 'wait'."""
    if case.approval and case.approval.status == Approval.Status.REVOKED:
        return "reject"
    if case.objections.filter(status__in=Objection.UNRESOLVED).exists():
        return "wait"
    return "approve"
