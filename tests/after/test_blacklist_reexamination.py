"""Issue 20 (1): a review case decided with a proposal to blacklist, and its 复核 lifting it.
Confirmed or still waiting, the blacklisting ends, everyone concerned is told (as when a
suspension is lifted), and it is audited; the revoked approval stays revoked."""
# the review case's world, fixture ``w``, is imported from its test module
# ruff: noqa: F811

import datetime

import pytest

from registry.models import Approval, AuditEvent, Blacklisting, BlacklistProposal, Engagement
from registry.services import blacklist_confirm
from tests.after.beat import at, beat_day
from tests.after.test_review_case import (  # noqa: F401
    _act,
    _investigate,
    _report_incident,
    _told,
    w,
)
from tests.registry.builders import bureau_admin
from workflows.models import Notification

pytestmark = pytest.mark.django_db
DECIDED = datetime.date(2027, 3, 16)  # the day after the answer's deadline (5 working days)


def _blacklisted_case(client, w):
    case = _investigate(client, w, _report_incident(client, w), action="blacklist")
    beat_day(DECIDED)  # no answer: to the decision
    with at(DECIDED, 10):
        done = _act(client, w.decider, case, "decide",
                    {"decision": "blacklist", "reason": "多次发生安全事故，拟列入黑名单",
                     "blacklist_years": 3})
    assert done.status_code == 200, done.content
    case.refresh_from_db()
    proposal = BlacklistProposal.objects.get(organization=w.org)
    assert case.details["blacklist_proposal"] == proposal.pk
    return case, proposal


def _ask_and_lift(client, w, case, day):
    with at(day):
        client.force_login(w.owner)
        asked = client.post(f"/api/v1/review-cases/{case.pk}/reexamination/",
                            {"statement": "事故责任不在本机构，请求复核"},
                            content_type="application/json")
        assert asked.status_code == 200, asked.content
    Notification.objects.all().delete()
    with at(day, 15):
        done = _act(client, w.examiner, case, "reexamine",
                    {"outcome": "lifted", "reason": "证据不足以列入黑名单"})
    assert done.status_code == 200, done.content


def test_a_confirmed_blacklisting_ends_when_the_reexamination_lifts_it(client, w):
    case, proposal = _blacklisted_case(client, w)
    province_admin, _province = bureau_admin("360000")
    with at(DECIDED, 11):
        entry = blacklist_confirm(actor=province_admin, proposal=proposal, reason="同意")
    assert Approval.objects.get(pk=w.approval.pk).status == "revoked"
    assert Engagement.objects.get(pk=w.engagement.pk).status == "terminated"

    _ask_and_lift(client, w, case, DECIDED + datetime.timedelta(days=2))

    proposal.refresh_from_db()
    entry.refresh_from_db()
    assert proposal.status == "lifted" and entry.lifted_at is not None
    # the bar no longer holds; the revocation was final and stays
    assert not Blacklisting.objects.filter(organization=w.org, lifted_at__isnull=True).exists()
    assert Approval.objects.get(pk=w.approval.pk).status == "revoked"
    event = AuditEvent.objects.get(action="blacklist.reexamination_lift")
    assert event.actor_id == w.examiner.pk and event.data["review_case"] == case.pk
    assert (event.from_state, event.to_state) == ("confirmed", "lifted")
    # the provider, its staff, the school whose engagement it ended, and the deciders
    for user in (w.owner, w.coach.user, w.school_account, province_admin, w.decider):
        assert any("黑名单" in s and "复核" in s for s in _told(user)), _told(user)
    case.refresh_from_db()
    assert case.stage == "closed" and case.reexamination_outcome == "lifted"


def test_a_proposal_still_waiting_is_withdrawn_when_the_reexamination_lifts_it(client, w):
    case, proposal = _blacklisted_case(client, w)
    province_admin, _province = bureau_admin("360000")
    _ask_and_lift(client, w, case, DECIDED + datetime.timedelta(days=1))
    proposal.refresh_from_db()
    assert proposal.status == "lifted"
    assert not Blacklisting.objects.exists()
    assert Approval.objects.get(pk=w.approval.pk).status == "approved"
    assert any("复核" in s for s in _told(province_admin)), _told(province_admin)
    assert any("复核" in s for s in _told(w.owner)), _told(w.owner)
    # nothing is left for the province to confirm
    with at(DECIDED + datetime.timedelta(days=2)):
        client.force_login(province_admin)
        waiting = client.get("/api/v1/blacklist-proposals/?status=proposed").json()
    assert waiting["count"] == 0
