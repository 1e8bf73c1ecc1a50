"""The roster as a page and an API: the school adds, the provider proposes its own people and
the school accepts, either side takes people off; after signing the other side is told and
the permits follow at once. The grades an engagement teaches sit within its need."""

from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import translation

from registry import selectors, services
from registry.identifiers import make_id_number
from registry.models import AuditEvent, Engagement, RosterMember
from registry.validators import mask_id_number
from tests.contracts.conftest import engage
from tests.contracts.test_contract import sign_all
from tests.registry.builders import approve, person
from workflows.models import Notification


def _own_coach(contract, name="赵志强"):
    """A person of the organization's own staff, approved for sport."""
    coach = person(name)
    coach.organization = contract["org"]
    coach.save(update_fields=["organization"])
    approve(person=coach, where="360100", categories=("sport",))
    return coach


def _active(contract):
    engagement = sign_all(contract, engage(contract))
    services.engagement_activate(actor=contract["user"], engagement=engagement)
    return engagement


@pytest.mark.django_db
def test_the_provider_proposes_its_own_person_and_the_school_accepts(contract):
    engagement = engage(contract)
    coach = _own_coach(contract)
    member = services.engagement_roster_add(actor=contract["provider"],
                                            engagement=engagement, person=coach)
    # a proposal is not on the roster: no permit, not in the papers, not on the gate list
    assert member.is_proposed
    assert coach.pk not in [m.person_id for m in selectors.roster_of(engagement)]
    assert coach.pk in [m.person_id for m in selectors.roster_of(engagement, proposals=True)]
    told = Notification.objects.filter(user=contract["user"])
    assert told.count() == 1 and "赵志强" in told.get().body
    # the provider cannot accept its own proposal
    with pytest.raises(PermissionDenied):
        services.engagement_roster_accept(actor=contract["provider"], member=member)
    accepted = services.engagement_roster_accept(actor=contract["user"], member=member)
    assert accepted.accepted_at is not None and accepted.accepted_by == contract["user"]
    assert coach.pk in [m.person_id for m in selectors.roster_of(engagement)]
    assert list(AuditEvent.objects.filter(action__startswith="engagement.roster").values_list(
        "action", flat=True).order_by("pk")) == ["engagement.roster_propose",
                                                 "engagement.roster_accept"]
    with pytest.raises(ValidationError) as answered:
        services.engagement_roster_accept(actor=contract["user"], member=member)
    assert answered.value.code == "roster_answered"


@pytest.mark.django_db
def test_the_provider_may_propose_only_its_own_people_and_each_is_judged(contract):
    engagement = engage(contract)
    with translation.override("zh-hans"), pytest.raises(ValidationError) as refused:
        services.engagement_roster_add(actor=contract["provider"], engagement=engagement,
                                       person=contract["painter"])
    # another provider's person: refused as a number nobody holds is, by number, never by
    # name (tests/security/test_privacy_probes_ids.py)
    [not_own] = refused.value.error_dict["roster"]
    assert not_own.code == "roster_not_approved"
    assert "王画师" not in str(refused.value.message_dict["roster"])
    assert f"编号 {contract['painter'].pk} " in str(refused.value.message_dict["roster"])
    unapproved = person("钱未审")
    unapproved.organization = contract["org"]
    unapproved.save(update_fields=["organization"])
    with pytest.raises(ValidationError) as refused:
        services.engagement_roster_add(actor=contract["provider"], engagement=engagement,
                                       person=unapproved)
    assert refused.value.error_dict["roster"][0].code == "roster_not_approved"
    assert RosterMember.objects.filter(engagement=engagement).count() == 2
    assert not AuditEvent.objects.filter(action="engagement.roster_propose").exists()


@pytest.mark.django_db
def test_after_signing_a_removal_needs_a_reason_tells_the_provider_and_kills_the_permit(
        contract):
    engagement = _active(contract)
    token = selectors.permits_of(engagement)[0]["token"]
    member = RosterMember.objects.get(engagement=engagement, person=contract["coaches"][0])
    with pytest.raises(ValidationError) as refused:
        services.engagement_roster_remove(actor=contract["user"], member=member)
    assert "reason" in refused.value.message_dict
    assert selectors.permit_check(token)["status"] == "valid"
    services.engagement_roster_remove(actor=contract["user"], member=member, reason="调岗")
    assert selectors.permit_check(token)["status"] == "revoked"
    assert Notification.objects.filter(user=contract["provider"],
                                       body__contains="调岗").exists()
    # put back: a new row and a new token; the old token stays revoked
    again = services.engagement_roster_add(actor=contract["user"], engagement=engagement,
                                           person=contract["coaches"][0])
    assert again.pk != member.pk
    new_token = next(p["token"] for p in selectors.permits_of(engagement)
                     if p["member"].pk == again.pk)
    assert selectors.permit_check(new_token)["status"] == "valid"
    assert selectors.permit_check(token)["status"] == "revoked"
    # the provider is told of the addition after signing
    assert Notification.objects.filter(user=contract["provider"],
                                       body__contains="张建华").count() == 2


@pytest.mark.django_db
def test_a_proposal_accepted_under_an_active_engagement_gets_a_permit_at_once(contract):
    engagement = _active(contract)
    coach = _own_coach(contract)
    member = services.engagement_roster_add(actor=contract["provider"],
                                            engagement=engagement, person=coach)
    assert [p["member"].pk for p in selectors.permits_of(engagement)].count(member.pk) == 0
    services.engagement_roster_accept(actor=contract["user"], member=member)
    permit = next(p for p in selectors.permits_of(engagement) if p["member"].pk == member.pk)
    assert selectors.permit_check(permit["token"])["status"] == "valid"
    # the provider withdraws its own person, with a reason: the school is told
    services.engagement_roster_remove(actor=contract["provider"], member=member,
                                      reason="离职")
    assert selectors.permit_check(permit["token"])["status"] == "revoked"
    assert Notification.objects.filter(user=contract["user"], body__contains="离职").exists()


@pytest.mark.django_db
def test_a_suspended_engagement_takes_removals_only_and_an_ended_one_nothing(contract):
    from tests.registry.builders import bureau_admin

    engagement = _active(contract)
    admin, bureau = bureau_admin("360100")
    services.engagement_suspend(actor=admin, bureau=bureau, engagement=engagement,
                                reason="处分")
    with pytest.raises(ValidationError) as refused:
        services.engagement_roster_add(actor=contract["user"], engagement=engagement,
                                       person=_own_coach(contract))
    assert refused.value.code == "roster_closed"
    member = RosterMember.objects.filter(engagement=engagement).first()
    services.engagement_roster_remove(actor=contract["user"], member=member, reason="停用")
    services.engagement_restore(actor=admin, bureau=bureau, engagement=engagement,
                                reason="解除")
    services.engagement_end(actor=contract["user"], engagement=engagement)
    other = RosterMember.objects.filter(engagement=engagement, removed_at=None).first()
    with pytest.raises(ValidationError) as refused:
        services.engagement_roster_remove(actor=contract["user"], member=other, reason="x")
    assert refused.value.code == "roster_closed"


@pytest.mark.django_db
def test_the_roster_api_lists_proposals_and_accepts_and_removes(contract, client):
    engagement = engage(contract)
    coach = _own_coach(contract)
    client.force_login(contract["provider"])
    proposed = client.post(f"/api/v1/engagements/{engagement.pk}/roster/",
                           {"person": str(coach.pk)}, content_type="application/json")
    assert proposed.status_code == 201, proposed.content
    assert proposed.json()["state"] == "proposed"
    refused = client.post(f"/api/v1/engagements/{engagement.pk}/roster/",
                          {"person": str(contract["painter"].pk)},
                          content_type="application/json", HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert refused.status_code == 400 and "王画师" not in str(refused.json())
    assert refused.json()["roster"] == [
        f"编号 {contract['painter'].pk} 的人员未持有本校所在县（区）、市或省的有效个人准入。"]
    member_id = proposed.json()["id"]
    assert client.post(f"/api/v1/engagements/{engagement.pk}/roster/{member_id}/accept/"
                       ).status_code == 403
    client.force_login(contract["user"])
    listed = client.get(f"/api/v1/engagements/{engagement.pk}/roster/").json()
    assert [(m["name"], m["state"]) for m in listed] == [
        ("张建华", "accepted"), ("李明", "accepted"), ("赵志强", "proposed")]
    accepted = client.post(f"/api/v1/engagements/{engagement.pk}/roster/{member_id}/accept/")
    assert accepted.status_code == 200 and accepted.json()["state"] == "accepted"
    removed = client.post(f"/api/v1/engagements/{engagement.pk}/roster/{member_id}/remove/",
                          {}, content_type="application/json")
    assert removed.status_code == 200 and removed.json()["state"] == "removed"
    assert client.get(f"/api/v1/engagements/{engagement.pk}/").json()["roster"] == [
        c.pk for c in contract["coaches"]]


@pytest.mark.django_db
def test_the_roster_page_for_each_side(contract, client):
    engagement = engage(contract)
    coach = _own_coach(contract)
    client.force_login(contract["provider"])
    page = client.get(f"/registry/engagements/{engagement.pk}/roster/",
                      HTTP_ACCEPT_LANGUAGE="zh-hans")
    html = page.content.decode()
    assert page.status_code == 200 and 'id="roster-propose"' in html and "赵志强" in html
    assert coach.id_number not in html
    response = client.post(f"/registry/engagements/{engagement.pk}/roster/",
                           {"person": str(coach.pk)})
    assert response.status_code == 302
    member = RosterMember.objects.get(engagement=engagement, person=coach)
    assert member.is_proposed
    client.force_login(contract["user"])
    html = client.get(f"/registry/engagements/{engagement.pk}/roster/").content.decode()
    assert f'id="proposal-{member.pk}"' in html
    response = client.post(
        f"/registry/engagements/{engagement.pk}/roster/{member.pk}/accept/")
    assert response.status_code == 302
    member.refresh_from_db()
    assert not member.is_proposed
    response = client.post(
        f"/registry/engagements/{engagement.pk}/roster/{member.pk}/remove/", {})
    assert response.status_code == 302
    member.refresh_from_db()
    assert member.removed_at is not None


@pytest.mark.django_db
def test_a_roster_given_as_a_list_or_text_is_read_by_the_service(contract, client):
    body = {"school": contract["school"].pk, "term": contract["term"].pk,
            "organization": contract["org"].pk, "offering": contract["offering"].pk,
            "fee_per_session": "45", "sessions": 16}
    client.force_login(contract["user"])
    coach = contract["coaches"][0]
    twice = client.post("/api/v1/engagements/", {**body, "roster": [coach.pk, coach.pk]},
                        content_type="application/json", HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert twice.status_code == 400 and "张建华" in twice.json()["roster"][0]
    too_many = client.post("/api/v1/engagements/", {**body, "roster": list(range(1, 53))},
                           content_type="application/json")
    assert too_many.status_code == 400 and "52" in too_many.json()["roster"][0]
    assert not Engagement.objects.exists()
    # the school's form: resident ID numbers, one per line or separated by commas
    engagement = services.engagement_create(
        actor=contract["user"], school=contract["school"], term=contract["term"],
        organization=contract["org"], offering=contract["offering"],
        fee_per_session=Decimal("45"), sessions=16,
        roster=f"{contract['coaches'][0].id_number}，{contract['coaches'][1].id_number}")
    assert [m.person for m in selectors.roster_of(engagement)] == contract["coaches"]


@pytest.mark.django_db
def test_the_grades_taught_lie_within_the_need(contract, client):
    from registry.models import ServiceCategory

    need = services.term_need_add(actor=contract["user"], term=contract["term"],
                                  category=ServiceCategory.objects.get(code="sport"),
                                  grade_min=3, grade_max=6, places=30,
                                  budget_per_session=Decimal("50"))
    with translation.override("zh-hans"), pytest.raises(ValidationError) as refused:
        engage(contract, need=need, grade_min=2, grade_max=4)
    message = str(refused.value.message_dict["grade_max"])
    assert "2" in message and "3" in message and "6" in message
    with pytest.raises(ValidationError) as refused:
        engage(contract, grade_min=4)
    assert "grade_max" in refused.value.message_dict
    with pytest.raises(ValidationError) as refused:  # the offering is approved for 1–6
        engage(contract, grade_min=7, grade_max=8)
    assert refused.value.error_dict["grade_max"][0].code == "grades_outside_offering"
    assert not Engagement.objects.exists()
    # none given: the need's grades
    engagement = engage(contract, need=need)
    assert (engagement.grade_min, engagement.grade_max) == (3, 6)
    client.force_login(contract["user"])
    shown = client.get(f"/api/v1/engagements/{engagement.pk}/").json()
    assert (shown["grade_min"], shown["grade_max"]) == (3, 6)
    html = client.get(f"/registry/engagements/{engagement.pk}/",
                      HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert "3" in html and "6" in html


@pytest.mark.django_db
def test_a_school_typing_numbers_learns_no_name_of_people_it_may_not_engage(contract, client):
    # a person approved elsewhere only, and one approved nowhere: neither may come in
    elsewhere = person("孙远方")
    approve(person=elsewhere, where="360400", categories=("sport",))
    nowhere = person("钱未审")
    engagement = engage(contract)
    client.force_login(contract["user"])
    url = f"/registry/engagements/{engagement.pk}/roster/"
    for someone in (elsewhere, nowhere):
        for typed in (str(someone.pk), someone.id_number):
            refused = client.post(url, {"person": typed}, HTTP_ACCEPT_LANGUAGE="zh-hans")
            html = refused.content.decode()
            assert refused.status_code == 400
            # named by what was typed (an ID number masked), as one never registered is
            shown = typed if len(typed) < 12 else mask_id_number(typed)
            assert f"编号 {shown} 的人员未持有" in html
            assert someone.name not in html
    unknown = make_id_number(4343)
    refused = client.post(url, {"person": unknown}, HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert refused.status_code == 400
    assert f"编号 {mask_id_number(unknown)} 的人员未持有" in refused.content.decode()
    assert not RosterMember.objects.filter(person__in=[elsewhere, nowhere]).exists()
