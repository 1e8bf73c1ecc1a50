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
from django.db import OperationalError, transaction
from django.utils import timezone
from django.utils.translation import gettext

from registry import services as registry_services
from registry.models import (
    Approval,
)
from workflows.services._base import ItemsFailed, each_apart, one_core
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
    return each_apart(list(due), lambda pk: _expire_term(pk, today),
                      what="expiry at the end of the term")


@transaction.atomic
def _expire_term(pk: int, today: datetime.date) -> bool:
    approval = Approval.objects.select_for_update().get(pk=pk)
    if approval.status != Approval.Status.APPROVED or approval.valid_until >= today:
        return False
    reason = gettext("The approval term has ended.")
    registry_services.approval_expire(actor=None, approval=approval, reason=reason)
    # an engagement that would run past it (a renewal that stopped early at a document's
    # expiry) ends, and its school is told
    registry_services.sanction_fan_out(actor=None, approvals=[approval], action="expire",
                                       reason=reason)
    return True


class SweepIncomplete(Exception):
    """Some of the sweep's work failed (the log names each failure); the rest was done."""

    def __init__(self, today, failed: list[str], report: SweepReport):
        super().__init__(f"credential sweep {today}: {', '.join(failed)} failed; {report}")
        self.failed, self.report = failed, report


def credential_sweep(*, today: datetime.date | None = None) -> SweepReport:
    """The daily sweep. Each step is idempotent; running it twice, or twice at once,
    records, suspends and expires nothing twice. A step that fails does not stop the
    others (nor one approval the rest of its step): the sweep does what it can, then
    raises :class:`SweepIncomplete` so that the run is seen to fail."""
    today = today or timezone.localdate()
    report, failed = SweepReport(), []
    with one_core():
        _steps(today, report, failed)
    logger.info("credential sweep %s: %s", today, report)
    if failed:
        raise SweepIncomplete(today, failed, report)
    return report


def _steps(today: datetime.date, report: SweepReport, failed: list[str]) -> None:
    for field, step in (("reminders_recorded", reminders_record),
                        ("suspended", approvals_suspend_expired),
                        ("expired_after_grace", recertifications_expire_after_grace),
                        ("expired_term", approvals_expire_term),
                        ("digests", digests_send),
                        ("annual_reviews", annual_reviews_open)):
        try:
            setattr(report, field, step(today=today))
        except OperationalError:
            raise  # the database is gone: the task retries the whole sweep
        except ItemsFailed as partial:
            setattr(report, field, partial.done)
            failed.append(field)
        except Exception:
            logger.exception("credential sweep %s: the step %s failed", today, field)
            failed.append(field)
