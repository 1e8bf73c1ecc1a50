"""What an engagement that is over still holds, and the school withdrawing its own draft.

An engagement holds its place (its dates against a second engagement of the same offering,
a slot under the term's cap on external projects) while it is or may yet be live: draft,
signed, active or suspended. A terminated one holds nothing; an ended one no slot, and only
the days it ran (up to the day it ended: ending leaves ``ends_on`` as agreed). The school
withdraws a draft it recorded, with a reason; the draft is terminated, so its roster and
permits are dead and the school may engage the same offering again. Everything the school
does here, it does through HTTP, as the school's user; the setting is built by services.
"""

import re

import pytest
from django.core.files.base import ContentFile

from documents.papers import engagement_paper_upload
from registry import selectors, services
from registry.models import AuditEvent, Engagement
from registry.roles import Role
from tests.contracts.conftest import days, engage
from tests.contracts.test_contract import _signed_pdf
from tests.factories import UserFactory
from tests.registry.builders import approve, bureau_admin, organization, person, school_user
from workflows.models import Notification
from workflows.services.notifications import notifications_send

ENGAGEMENTS = "/registry/school/engagements/"
OVERLAP = "本校在重叠的时间段内已引进该服务提供方。"


def _engage_over_http(client, contract, *, org=None, offering=None, starts_on=None,
                      ends_on=None):
    """The school records an engagement on its engagements page."""
    org = org or contract["org"]
    offering = offering or org.offerings.get()
    data = {"eng-term": contract["term"].pk, "eng-organization": org.pk,
            "eng-offering": offering.pk, "eng-fee_per_session": "45", "eng-sessions": "16"}
    if starts_on is not None:
        data["eng-starts_on"] = starts_on.isoformat()
    if ends_on is not None:
        data["eng-ends_on"] = ends_on.isoformat()
    client.force_login(contract["user"])
    return client.post(ENGAGEMENTS, data)


def _refusals(response) -> list[str]:
    """The refusals the page shows (beside the form's fields, or as messages)."""
    return re.findall(r'<li(?: class="error")?>([^<]+)</li>', response.content.decode())


def _active(contract, engagement):
    services.engagement_sign(actor=contract["user"], engagement=engagement)
    return services.engagement_activate(actor=contract["user"], engagement=engagement)


def _sport_org(name):
    org = organization(name, ("少儿篮球", "sport", "50"))
    approve(organization=org, where="360100", categories=("sport",))
    return org


# --- what an engagement that is over still holds --------------------------------------

@pytest.mark.django_db
def test_an_engagement_ended_early_frees_the_days_after_its_end_not_those_it_ran(
        contract, client):
    # given an engagement of the whole term, ended today by the school
    first = engage(contract)
    _active(contract, first)
    services.engagement_end(actor=contract["user"], engagement=first, reason="提前结束")
    first.refresh_from_db()
    assert first.status == Engagement.Status.ENDED and first.ends_on == days(120)
    # when the school engages the same offering again over the days it ran: refused
    for starts_on in (days(-5), days(0)):
        refused = _engage_over_http(client, contract, starts_on=starts_on, ends_on=days(120))
        assert refused.status_code == 400
        assert OVERLAP in refused.content.decode()
    # then from the day after it ended: recorded
    made = _engage_over_http(client, contract, starts_on=days(1), ends_on=days(120))
    assert made.status_code == 302, _refusals(made)
    again = Engagement.objects.exclude(pk=first.pk).get()
    assert (again.offering, again.starts_on, again.status) == (
        contract["offering"], days(1), Engagement.Status.DRAFT)


ENDED = "学校已结束与您的引进项目"


@pytest.mark.django_db
@pytest.mark.parametrize("reason", ["场地改作他用", ""])
def test_the_provider_of_an_engagement_the_school_ends_is_told_and_nobody_else(
        contract, client, mailoutbox, reason):
    """A hole found: ending an engagement told nobody, while withdrawing a draft tells the
    provider. The notice is in the site's language (a provider's users keep none of their
    own), whatever language the school's page was in."""
    # given an active engagement, and the same school's engagement of another provider
    ended = engage(contract)
    _active(contract, ended)
    other_org = _sport_org("南昌第二体育有限公司")
    other_provider = UserFactory()
    services.role_grant(actor=None, user=other_provider, role=Role.PROVIDER, target=other_org)
    kept = engage(contract, organization=other_org, offering=other_org.offerings.get())
    _active(contract, kept)
    notifications_send()  # what the engagements' creation told went out already
    mailoutbox.clear()
    before = set(Notification.objects.values_list("pk", flat=True))
    # when the school ends the first one, on its English page, with a reason or none
    client.force_login(contract["user"])
    response = client.post(f"/registry/engagements/{ended.pk}/end/", {"reason": reason},
                           HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 302
    ended.refresh_from_db()
    assert ended.status == Engagement.Status.ENDED
    # then its provider's user is told, in Chinese, with the reason and a link; nobody else
    told = list(Notification.objects.exclude(pk__in=before))
    assert [(n.user, n.subject) for n in told] == [(contract["provider"], ENDED)]
    assert contract["school"].name in told[0].body and str(ended.pk) in told[0].body
    assert ("理由" in told[0].body) == bool(reason)
    assert reason in told[0].body
    assert told[0].url == f"/registry/engagements/{ended.pk}/"
    # emailed to that user only, by the outbox run
    assert notifications_send() == 1
    # (its subject names the provider first: a user may act for several)
    assert [(m.to, m.subject) for m in mailoutbox] == [
        ([contract["provider"].email], f"【{ended.organization.name}】{ENDED}")]
    # and the audit trail has the school's reason and who was told
    event = AuditEvent.objects.for_object(ended).filter(action="engagement.end").get()
    assert (event.actor, event.from_state, event.to_state, event.reason) == (
        contract["user"], "active", "ended", reason)
    assert event.data["told"] == [contract["provider"].pk]
    kept.refresh_from_db()
    assert kept.status == Engagement.Status.ACTIVE


@pytest.mark.django_db
def test_a_terminated_engagement_no_longer_blocks_the_same_offering(contract, client):
    # given an engagement the bureau terminated
    first = _active(contract, engage(contract))
    admin, bureau = bureau_admin("360100")
    services.engagement_terminate(actor=admin, bureau=bureau, engagement=first, reason="处分")
    # when the school engages the same offering for the rest of the term
    made = _engage_over_http(client, contract, starts_on=days(10), ends_on=days(120))
    # then it is recorded; a live one still blocks a second over the same dates
    assert made.status_code == 302, _refusals(made)
    refused = _engage_over_http(client, contract, starts_on=days(30), ends_on=days(60))
    assert refused.status_code == 400 and OVERLAP in refused.content.decode()
    assert Engagement.objects.count() == 2


@pytest.mark.django_db
def test_the_cap_counts_the_engagements_live_this_term_only(contract, client, settings):
    settings.REGISTRY_EXTERNAL_PROJECT_CAP = 0.30  # 30 % of the term's 10 projects: 3
    admin, bureau = bureau_admin("360100")
    # given one engagement ended, one terminated, one suspended (live: may be restored)
    ended = _active(contract, engage(contract))
    services.engagement_end(actor=contract["user"], engagement=ended, reason="学期调整")
    terminated = engage(contract, organization=(org := _sport_org("南昌第二体育有限公司")),
                        offering=org.offerings.get())
    services.engagement_terminate(actor=admin, bureau=bureau, engagement=terminated,
                                  reason="处分")
    suspended = engage(contract, organization=(org := _sport_org("南昌第三体育有限公司")),
                       offering=org.offerings.get())
    services.engagement_suspend(actor=admin, bureau=bureau, engagement=suspended,
                                reason="调查")
    # when the school engages two more organizations: one live before each, then two
    for name in ("南昌第四体育有限公司", "南昌第五体育有限公司"):
        made = _engage_over_http(client, contract, org=_sport_org(name))
        assert made.status_code == 302, _refusals(made)
    # then a fourth live one (suspended, two drafts, and this) is over the cap of 3
    refused = _engage_over_http(client, contract, org=_sport_org("南昌第六体育有限公司"))
    assert refused.status_code == 400
    assert "即 3 个；已引进 3 个。" in refused.content.decode()
    assert Engagement.objects.count() == 5


# --- the school withdraws its draft --------------------------------------------------------

def _withdraw(client, user, engagement, reason="录入有误，重新登记"):
    client.force_login(user)
    return client.post(f"/registry/engagements/{engagement.pk}/withdraw/", {"reason": reason})


@pytest.mark.django_db
def test_the_school_withdraws_its_draft_and_may_engage_the_same_offering_again(
        contract, client):
    # given a draft with two people on its roster
    draft = engage(contract)
    member = selectors.roster_of(draft).first()
    token = selectors.permit_token(member)
    client.force_login(contract["user"])
    page = client.get(f"/registry/engagements/{draft.pk}/").content.decode()
    assert 'id="withdraw"' in page and "撤回草稿" in page
    # when the school withdraws it, with a reason
    response = _withdraw(client, contract["user"], draft)
    # then it is terminated for good, audited with the school's reason, and said so
    assert response.status_code == 302
    draft.refresh_from_db()
    assert draft.status == Engagement.Status.TERMINATED
    event = AuditEvent.objects.for_object(draft).filter(action="engagement.terminate").get()
    assert (event.actor, event.from_state, event.to_state, event.reason) == (
        contract["user"], "draft", "terminated", "录入有误，重新登记")
    page = client.get(response["Location"]).content.decode()
    assert "引进项目草稿已撤回" in page and 'id="withdraw"' not in page
    # its roster is closed and its permits answer "revoked"
    added = client.post(f"/registry/engagements/{draft.pk}/roster/",
                        {"person": contract["painter"].pk})
    assert added.status_code == 400
    assert client.get(f"/api/v1/permits/verify/{token}/").json()["status"] == "revoked"
    # the provider never had a hand in it: it is not told of the withdrawal (only, when
    # the school recorded it, of the draft to sign)
    assert [n.subject for n in Notification.objects.filter(user=contract["provider"])] == [
        "有学校登记了与您的引进项目：请签订合同"]
    # and the same offering, over the same dates, may be engaged again
    made = _engage_over_http(client, contract)
    assert made.status_code == 302, _refusals(made)
    assert Engagement.objects.filter(status=Engagement.Status.DRAFT).count() == 1


@pytest.mark.django_db
@pytest.mark.parametrize("part", ["proposal", "paper"])
def test_the_provider_that_had_a_hand_in_the_draft_is_told_with_the_reason(
        contract, client, part):
    # given a draft the provider proposed one of its own people for, or signed a paper of
    draft = engage(contract)
    if part == "proposal":
        coach = person("赵志强")
        coach.organization = contract["org"]
        coach.save(update_fields=["organization"])
        approve(person=coach, where="360100", categories=("sport",))
        services.engagement_roster_add(actor=contract["provider"], engagement=draft,
                                       person=coach)
    else:
        engagement_paper_upload(actor=contract["provider"], engagement=draft,
                                kind="agreement", side="provider",
                                file=ContentFile(_signed_pdf()), filename="agreement.pdf")
    assert draft.status == Engagement.Status.DRAFT
    # when the school withdraws it
    assert _withdraw(client, contract["user"], draft, reason="预算取消").status_code == 302
    # then the provider hears of it, with the reason, and a link to the engagement
    told = Notification.objects.filter(user=contract["provider"]).order_by("pk").last()
    assert told is not None and "撤回" in told.subject
    assert "预算取消" in told.body and contract["school"].name in told.body


@pytest.mark.django_db
def test_a_withdrawal_needs_a_reason_and_a_draft(contract, client):
    draft = engage(contract)
    refused = _withdraw(client, contract["user"], draft, reason="  ")
    assert refused.status_code == 400
    assert "请填写理由" in refused.content.decode()
    signed = engage(contract, organization=(org := _sport_org("南昌第二体育有限公司")),
                    offering=org.offerings.get())
    services.engagement_sign(actor=contract["user"], engagement=signed)
    refused = _withdraw(client, contract["user"], signed)
    assert refused.status_code == 400
    assert "只有草稿状态的引进项目可以撤回" in refused.content.decode()
    assert 'id="withdraw"' not in client.get(
        f"/registry/engagements/{signed.pk}/").content.decode()
    assert list(Engagement.objects.order_by("pk").values_list("status", flat=True)) == [
        "draft", "signed"]


@pytest.mark.django_db
def test_another_school_and_the_provider_cannot_withdraw_it(contract, client):
    draft = engage(contract)
    other_school_user, _ = school_user("360102")
    other_provider = UserFactory()
    services.role_grant(actor=None, user=other_provider, role=Role.PROVIDER,
                        target=organization("别家体育有限公司", ("足球", "sport", "30")))
    for outsider in (other_school_user, contract["provider"], other_provider):
        assert _withdraw(client, outsider, draft).status_code in (403, 404)
        response = client.post(f"/api/v1/engagements/{draft.pk}/withdraw/",
                               {"reason": "撤回"}, content_type="application/json")
        assert response.status_code in (403, 404)
    # the provider sees the draft, without the school's button
    client.force_login(contract["provider"])
    page = client.get(f"/registry/engagements/{draft.pk}/")
    assert page.status_code == 200 and 'id="withdraw"' not in page.content.decode()
    draft.refresh_from_db()
    assert draft.status == Engagement.Status.DRAFT
    assert not AuditEvent.objects.filter(action="engagement.terminate").exists()
    # while its own school may (the refusals above are about who asks)
    assert _withdraw(client, contract["user"], draft).status_code == 302
    draft.refresh_from_db()
    assert draft.status == Engagement.Status.TERMINATED


@pytest.mark.django_db
def test_the_school_withdraws_a_draft_through_the_api(contract, client):
    draft = engage(contract)
    client.force_login(contract["user"])
    refused = client.post(f"/api/v1/engagements/{draft.pk}/withdraw/", {},
                          content_type="application/json", HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert refused.status_code == 400 and "请填写理由" in refused.content.decode()
    response = client.post(f"/api/v1/engagements/{draft.pk}/withdraw/",
                           {"reason": "录入有误"}, content_type="application/json")
    assert response.status_code == 200, response.content
    assert response.json() == {"id": draft.pk, "status": "terminated"}
    again = client.post(f"/api/v1/engagements/{draft.pk}/withdraw/", {"reason": "再次"},
                        content_type="application/json")
    assert again.status_code == 400
    assert list(AuditEvent.objects.for_object(draft).filter(
        action="engagement.terminate").values_list("reason", flat=True)) == ["录入有误"]
