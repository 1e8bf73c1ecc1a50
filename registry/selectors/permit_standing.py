"""An entry permit's live standing, and why it lets nobody in, in words: one rule for the
gate's check, the school's gate list and the engagement's list of permits."""

from __future__ import annotations

import datetime

from django.utils import formats
from django.utils.translation import gettext as _

from registry.models import Approval, Engagement, RosterMember


class PermitStatus:
    VALID = "valid"
    SUSPENDED = "suspended"
    REVOKED = "revoked"
    EXPIRED = "expired"
    NOT_YET_VALID = "not_yet_valid"
    INVALID = "invalid"


def member_row(member: RosterMember) -> tuple:
    """What :func:`standing` reads, from a roster row loaded with its engagement and both
    approvals (``select_related("approval", "engagement__approval")``): no query."""
    engagement = member.engagement
    return (engagement.pk, member.removed_at, engagement.status, engagement.starts_on,
            engagement.ends_on, member.approval.status, member.approval.valid_until,
            engagement.approval.status, engagement.approval.valid_until, member.accepted_at)


def standing(row: tuple, today: datetime.date) -> str:
    """The permit's standing (a :class:`PermitStatus`) from ``row``: the roster row's
    engagement id, removal, the engagement's status and dates, the person's approval's
    status and end, the provider's approval's status and end, and the acceptance."""
    (_engagement, removed_at, status, starts_on, ends_on, person_status, person_until,
     provider_status, provider_until, accepted_at) = row[:10]
    revoked = Approval.Status.REVOKED
    if (removed_at is not None or status == Engagement.Status.TERMINATED
            or revoked in (person_status, provider_status)):
        return PermitStatus.REVOKED
    if Approval.Status.SUSPENDED in (person_status, provider_status) or (
            status == Engagement.Status.SUSPENDED):
        return PermitStatus.SUSPENDED
    if (status == Engagement.Status.ENDED or Approval.Status.EXPIRED in (person_status,
                                                                          provider_status)
            or today > ends_on or today > person_until or today > provider_until):
        return PermitStatus.EXPIRED
    if status != Engagement.Status.ACTIVE or today < starts_on or accepted_at is None:
        return PermitStatus.NOT_YET_VALID
    return PermitStatus.VALID


def person_lapsed(row: tuple, today: datetime.date) -> bool:
    """Whether the person's own individual approval is suspended, revoked or expired."""
    person_status, person_until = row[5], row[6]
    return person_status in (Approval.Status.SUSPENDED, Approval.Status.REVOKED,
                             Approval.Status.EXPIRED) or today > person_until


def _day(day: datetime.date) -> str:
    return formats.date_format(day, "DATE_FORMAT")


def standing_reason(row: tuple, status: str, today: datetime.date) -> str:
    """Why a permit of ``status`` (:func:`standing` of ``row``) lets nobody in today, in
    the reader's language: the person's own approval first (what the school can act on:
    another person), then the provider's, then the engagement's. Empty when valid."""
    (_engagement, removed_at, engagement_status, starts_on, ends_on, person_status,
     person_until, provider_status, provider_until, accepted_at) = row[:10]
    if status == PermitStatus.REVOKED:
        if person_status == Approval.Status.REVOKED:
            return _("Their own individual approval is revoked.")
        if provider_status == Approval.Status.REVOKED:
            return _("The provider's approval is revoked.")
        if removed_at is not None:
            return _("They are off the roster.")
        return _("The engagement is terminated.")
    if status == PermitStatus.SUSPENDED:
        if person_status == Approval.Status.SUSPENDED:
            return _("Their own individual approval is suspended.")
        if provider_status == Approval.Status.SUSPENDED:
            return _("The provider's approval is suspended.")
        return _("The engagement is suspended.")
    if status == PermitStatus.EXPIRED:
        if person_status == Approval.Status.EXPIRED or today > person_until:
            return _("Their own individual approval has expired.")
        if provider_status == Approval.Status.EXPIRED or today > provider_until:
            return _("The provider's approval has expired.")
        return _("The engagement ended on %(date)s.") % {"date": _day(ends_on)}
    if status == PermitStatus.NOT_YET_VALID:
        if engagement_status == Engagement.Status.ACTIVE and today < starts_on:
            return _("The engagement starts on %(date)s.") % {"date": _day(starts_on)}
        if accepted_at is None:
            return _("The school has not accepted them on the roster yet.")
        return _("The engagement is not active.")
    return ""


def printable(permits: list[dict]) -> list[dict]:
    """Of ``permits`` (:func:`registry.selectors.contracts.permits_of`), those printed on
    paper: none for someone whose own approval has lapsed, since a printed permit reads as
    leave to come in (the gate's live check would refuse it anyway)."""
    return [permit for permit in permits if not permit["lapsed"]]
