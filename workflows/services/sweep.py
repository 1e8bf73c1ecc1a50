"""The daily credential sweep: reminders, suspensions, expiries, digests and annual
reviews, each step idempotent and bounded per run.

The sweep is set-based: its number of queries does not depend on how many documents
there are (reminders are recorded with one INSERT … SELECT per threshold and kind of
holder), and the per-approval work (suspensions, expiries) is bounded per run."""

from __future__ import annotations

import dataclasses
import datetime
import logging

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext

from registry import services as registry_services
from registry.models import (
    Approval,
)
from workflows.services.annual_review import annual_reviews_open
from workflows.services.recertification import (
    approvals_suspend_expired,
    recertifications_expire_after_grace,
)
from workflows.services.reminders import digests_send, reminders_record

logger = logging.getLogger(__name__)


@dataclasses.dataclass
class SweepReport:
    reminders_recorded: int = 0
    suspended: int = 0
    expired_after_grace: int = 0
    expired_term: int = 0
    digests: int = 0
    annual_reviews: int = 0


def approvals_expire_term(*, today: datetime.date) -> int:
    """Approvals whose term has ended become expired (search already ignores them)."""
    # Oldest term first, along approval_status_until_idx: ordered by pk, the planner walked
    # the primary key through all 1.1M approvals when none was due (make bench).
    due = (Approval.objects.filter(status=Approval.Status.APPROVED, valid_until__lt=today)
           .order_by("valid_until", "pk").values_list("pk", flat=True)
           [: settings.RECERT_SWEEP_BATCH])
    count = 0
    for pk in list(due):
        with transaction.atomic():
            approval = Approval.objects.select_for_update().get(pk=pk)
            if approval.status != Approval.Status.APPROVED or approval.valid_until >= today:
                continue
            reason = gettext("The approval term has ended.")
            registry_services.approval_expire(actor=None, approval=approval, reason=reason)
            # an engagement that would run past it (a renewal that stopped early at a
            # document's expiry) ends, and its school is told
            registry_services.sanction_fan_out(actor=None, approvals=[approval],
                                               action="expire", reason=reason)
            count += 1
    return count


def credential_sweep(*, today: datetime.date | None = None) -> SweepReport:
    """The daily sweep. Each step is idempotent; running it twice, or twice at once,
    records, suspends and expires nothing twice."""
    today = today or timezone.localdate()
    report = SweepReport()
    report.reminders_recorded = reminders_record(today=today)
    report.suspended = approvals_suspend_expired(today=today)
    report.expired_after_grace = recertifications_expire_after_grace(today=today)
    report.expired_term = approvals_expire_term(today=today)
    report.digests = digests_send(today=today)
    report.annual_reviews = annual_reviews_open(today=today)
    logger.info("credential sweep %s: %s", today, report)
    return report
