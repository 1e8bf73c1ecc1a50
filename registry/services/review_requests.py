"""What the bureau is asked to look into: a school's incident report (which opens a
review case where the workflow is installed) and the review requests (复核任务) that
other signals open, each closed by the bureau with a reason."""

from __future__ import annotations

import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from registry.models import Bureau, Engagement, Incident, Organization, Person, ReviewRequest
from registry.services.core import _require_reason, audit_record, require_perm
from registry.services.engagements import _require_school
from registry.services.review_hooks import review_case_request


@transaction.atomic
def review_request_open(*, actor, bureau: Bureau, trigger: str,
                        organization: Organization | None = None,
                        person: Person | None = None, details=None) -> ReviewRequest:
    """Open a review task for ``bureau`` unless one is already open for the same cause.

    ``trigger`` must be one of :class:`ReviewRequest.Trigger`: the column's choices are not
    checked on ``create()``, and a task with an unknown cause could not be shown or closed
    sensibly (its cause would read as a bare code)."""
    if trigger not in ReviewRequest.Trigger.values:
        raise ValidationError({"trigger": ValidationError(
            _("Unknown cause of review: %(trigger)s."), code="invalid_trigger",
            params={"trigger": trigger})})
    subject = {"organization": organization} if organization else {"person": person}
    existing = ReviewRequest.objects.filter(
        bureau=bureau, trigger=trigger, status=ReviewRequest.Status.OPEN, **subject,
    ).first()
    if existing is not None:
        return existing
    request = ReviewRequest.objects.create(bureau=bureau, trigger=trigger,
                                           details=details or {}, **subject)
    audit_record(actor=actor, action="review_request.open", target=request,
                 to_state=request.status, data=details or {})
    return request


@transaction.atomic
def review_request_close(*, actor, review_request: ReviewRequest, reason: str) -> ReviewRequest:
    """Close a review request (the bureau looked into it), with a reason."""
    require_perm(actor, "registry.administer_bureau", review_request.bureau,
                 _("Only an administrator of this bureau may close it."))
    _require_reason(reason)
    locked = ReviewRequest.objects.select_for_update().get(pk=review_request.pk)
    previous = locked.apply_transition(ReviewRequest.Status.CLOSED)
    locked.save(update_fields=["status", "status_changed_at"])
    audit_record(actor=actor, action="review_request.close", target=locked,
                 from_state=previous, to_state=locked.status, reason=reason)
    return locked


@transaction.atomic
def incident_report(*, actor, engagement: Engagement, kind: str, description: str,
                    occurred_on: datetime.date) -> Incident:
    """A school reports a problem with an engagement (safety, conduct, fees, new lessons)."""
    _require_school(actor, engagement.school)
    if kind not in Incident.Kind.values:
        raise ValidationError({"kind": _("Unknown kind of incident.")})
    if not (description or "").strip():
        raise ValidationError({"description": _("Describe what happened.")})
    if occurred_on > timezone.localdate():
        raise ValidationError({"occurred_on": _("An incident cannot be in the future.")})
    incident = Incident.objects.create(engagement=engagement, kind=kind,
                                       description=description.strip(),
                                       occurred_on=occurred_on, created_by=actor)
    audit_record(actor=actor, action="incident.report", target=incident, to_state="reported",
                 data={"kind": kind, "engagement": engagement.pk})
    # the bureau whose approval the engagement rests on looks into it (a review case)
    bureau = Bureau.objects.filter(jurisdiction_id=engagement.approval.jurisdiction_id).first()
    if bureau is not None:
        review_case_request(actor=actor, bureau=bureau, trigger="incident",
                            organization=engagement.organization, person=engagement.person,
                            incident=incident, details={"kind": kind})
    return incident


__all__ = ["incident_report", "review_request_close", "review_request_open"]
