"""The person withdraws their separate consent (单独同意, PIPL art. 15) to the registry holding
their ID number, in their own account, on the web and through the API, after a page that
says what follows. In the same transaction the processing stops beyond storage (art. 47):
their approvals are held for the withdrawal (out of school search, off the gate), the
engagements resting on them are suspended, the schools and the bureau told (never the ID
number). Nobody else may withdraw it; nothing in force to withdraw is a 400. Giving it
again is recorded and lets the bureau resume the approval; it resumes nothing by itself."""

from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client

from registry import selectors, services
from registry.identifiers import make_id_number
from registry.models import (
    Approval,
    ApprovalHold,
    AuditEvent,
    Engagement,
    PersonalDataConsent,
    RecordQueryConsent,
    RecordRequery,
    RosterMember,
)
from registry.roles import Role
from tests.factories import OrganizationFactory, UserFactory, category
from tests.registry.builders import approve, bureau_admin, days, organization, school_user
from workflows.models import Notification
from workflows.services.checks import consent_counts

pytestmark = pytest.mark.django_db

PRIVACY = "/registry/me/privacy/"
WITHDRAW = "/registry/me/privacy/data-consent/withdraw/"
API_WITHDRAW = "/api/v1/data-consents/withdraw/"
ACTION = "person.data_consent_withdraw"


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _registered(name="王秀兰", region=3601):
    """A person registered in their own account, with their own consent."""
    user = UserFactory()
    person = services.individual_register(
        actor=user, personal_data_consent=True, name=name, id_number=make_id_number(region),
        kind="retiree", phone="13912345678")
    return person


@pytest.fixture
def world():
    """An approved individual with a live engagement at a school, the bureau's staff."""
    person = _registered()
    approval = approve(person=person, where="360100", categories=("reading",))
    admin, bureau = bureau_admin("360100")
    clerk = UserFactory()
    services.role_grant(actor=None, user=clerk, role=Role.BUREAU_CLERK, target=bureau)
    school_account, school = school_user("360102")
    term = services.school_term_create(actor=school_account, school=school,
                                       name="2026 秋季学期", starts_on=days(0),
                                       ends_on=days(100), project_count=10)
    engagement = services.engagement_create(
        actor=school_account, school=school, term=term, person=person,
        fee_per_session=Decimal("20"), sessions=8, category=category("reading"),
        grade_min=1, grade_max=6)
    Engagement.objects.filter(pk=engagement.pk).update(status=Engagement.Status.SIGNED)
    return {"person": person, "approval": approval, "admin": admin, "clerk": clerk,
            "bureau": bureau, "school_user": school_account, "school": school,
            "engagement": engagement}


def _found_by_school(school_user_account) -> list[str]:
    response = _client(school_user_account).get("/api/v1/search/people/", {"keyword": "王"})
    assert response.status_code == 200
    return [r["name"] for r in response.json()["results"]]


def _withdrawals() -> int:
    return AuditEvent.objects.filter(action=ACTION).count()


def test_the_web_journey_confirm_withdraw_then_consent_again():
    person = _registered()
    client = _client(person.user)
    # the privacy page offers the withdrawal
    page = client.get(PRIVACY, HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert f'href="{WITHDRAW}"' in page and "撤回我的单独同意" in page
    # the confirmation says plainly what follows, in Chinese …
    confirm = client.get(WITHDRAW, HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert confirm.status_code == 200
    html = confirm.content.decode()
    for words in ("教育局将无法再对您进行审核", "学校将搜索不到您", "入校证件被暂停",
                  "与您合作的学校和教育局会收到", "档案管理规定的期限保存", "不作任何其他用途",
                  "重新作出同意", "请教育局恢复您的准入", 'name="confirm"'):
        assert words in html, words
    # … and in English
    html = client.get(WITHDRAW, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    for words in ("can no longer vet you", "disappear from the schools",
                  "permits are suspended", "education bureau are told",
                  "archive rules require", "give your consent again"):
        assert words in html, words
    # without the box ticked nothing changes
    refused = client.post(WITHDRAW, {}, HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert refused.status_code == 400 and "请勾选以确认撤回" in refused.content.decode()
    assert selectors.data_consent_in_force(person) is not None and _withdrawals() == 0
    # confirmed, it is withdrawn, recorded with when, by whom and from where
    done = client.post(WITHDRAW, {"confirm": "on"}, REMOTE_ADDR="203.0.113.9")
    assert done.status_code == 302 and done.url.startswith(PRIVACY)
    row = PersonalDataConsent.objects.get(person=person)
    assert row.withdrawn_at is not None and row.withdrawn_by == person.user
    assert row.withdrawn_from == "203.0.113.9" and not row.in_force
    assert _withdrawals() == 1
    # the page says so, offers to consent again, and no longer offers to withdraw
    page = client.get(PRIVACY, HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert "并于" in page and "撤回。" in page and "您的单独同意已撤回" in page
    assert "重新作出同意" in page and f'href="{WITHDRAW}"' not in page
    # a second withdrawal: a clear 400, nothing written
    again = client.post(WITHDRAW, {"confirm": "on"}, HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert again.status_code == 400 and "无可撤回" in again.content.decode()
    assert _withdrawals() == 1
    # giving it again is recorded, and the page offers the withdrawal once more
    assert client.post(PRIVACY, {"action": "data-consent",
                                 "personal_data_consent": "on"}).status_code == 302
    assert selectors.data_consent_in_force(person).given_at > row.withdrawn_at
    assert f'href="{WITHDRAW}"' in client.get(PRIVACY).content.decode()


def test_withdrawal_suspends_tells_everyone_and_takes_the_person_out_of_search(world):
    person, approval = world["person"], world["approval"]
    assert _found_by_school(world["school_user"]) == ["王秀兰"]
    client = _client(person.user)
    # the API says what follows before the withdrawal, and asks for confirmation
    told = client.get(API_WITHDRAW, HTTP_ACCEPT_LANGUAGE="zh-hans").json()
    assert told["in_force"] is True and len(told["consequences"]) == 5
    unconfirmed = client.post(API_WITHDRAW, {}, content_type="application/json",
                              HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert unconfirmed.status_code == 400 and "请勾选以确认撤回" in unconfirmed.content.decode()
    assert _withdrawals() == 0
    # when the person withdraws through the API
    response = client.post(API_WITHDRAW, {"confirm": True}, content_type="application/json")
    assert response.status_code == 200
    assert [r["in_force"] for r in response.json()] == [False]
    # then the approval is held for the withdrawal, the engagement suspended
    approval.refresh_from_db()
    assert approval.status == Approval.Status.SUSPENDED
    assert ApprovalHold.objects.filter(approval=approval, cause="consent",
                                       lifted_at=None).exists()
    assert Engagement.objects.get(pk=world["engagement"].pk).status == \
        Engagement.Status.SUSPENDED
    # the school and the bureau's staff are told, never with the ID number
    for user in (world["school_user"], world["admin"], world["clerk"]):
        assert Notification.objects.filter(user=user).exists(), user
    assert Notification.objects.filter(user=world["school_user"],
                                       subject__contains="撤回同意").exists()
    assert Notification.objects.filter(user=world["admin"],
                                       subject__contains="撤回").exists()
    for note in Notification.objects.all():
        assert person.id_number not in note.subject + note.body + note.url
    # and the school no longer finds the person
    assert _found_by_school(world["school_user"]) == []
    # a second withdrawal through the API: 400, no second audit event
    again = client.post(API_WITHDRAW, {"confirm": True}, content_type="application/json",
                        HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert again.status_code == 400 and "无可撤回" in again.content.decode()
    assert _withdrawals() == 1


def test_nobody_else_may_withdraw_the_persons_consent(world):
    person = world["person"]
    other = _registered(name="李明", region=3602)
    for attacker in (world["school_user"], world["clerk"], world["admin"], other.user):
        client = _client(attacker)
        for answer in (client.post(WITHDRAW, {"confirm": "on"}),
                       client.post(API_WITHDRAW, {"confirm": True},
                                   content_type="application/json"),
                       # the address names nobody: a person's id in the query is ignored
                       client.post(f"{API_WITHDRAW}?person={person.pk}", {"confirm": True},
                                   content_type="application/json")):
            assert answer.status_code in (302, 400, 403, 404), answer.status_code
        assert selectors.data_consent_in_force(person) is not None
    # the other person withdrew only their own (once; then nothing was left)
    assert selectors.data_consent_in_force(other) is None
    assert [e.target_repr for e in AuditEvent.objects.filter(action=ACTION)] == [str(other)]
    # users without a person record are refused outright
    for refused in (world["school_user"], world["clerk"]):
        assert _client(refused).post(WITHDRAW, {"confirm": "on"}).status_code == 403
        assert _client(refused).post(API_WITHDRAW, {"confirm": True},
                                     content_type="application/json").status_code == 403
    # and the service itself refuses anyone but the person
    with pytest.raises(PermissionDenied):
        services.personal_data_consent_withdraw(actor=world["admin"], person=person)
    assert Approval.objects.get(pk=world["approval"].pk).status == Approval.Status.APPROVED


def test_consent_given_again_lets_the_bureau_resume_but_resumes_nothing_itself(world):
    person, approval, admin, bureau = (world["person"], world["approval"], world["admin"],
                                       world["bureau"])
    services.personal_data_consent_withdraw(actor=person.user, person=person)
    # while withdrawn the bureau's reinstatement cannot put it back in force
    services.provider_reinstate(actor=admin, bureau=bureau, person=person, reason="复核")
    approval.refresh_from_db()
    assert approval.status == Approval.Status.SUSPENDED
    assert services.approval_held_by(approval) == ["consent"]
    # nor any other service answering the cause
    services.approval_reinstate(actor=admin, approval=approval, reason="x",
                                causes=["consent", "sanction"])
    assert Approval.objects.get(pk=approval.pk).status == Approval.Status.SUSPENDED
    # the person gives it again: recorded, the bureau told, nothing resumed by itself
    Notification.objects.all().delete()
    response = _client(person.user).post(PRIVACY, {"action": "data-consent",
                                                   "personal_data_consent": "on"})
    assert response.status_code == 302
    given = AuditEvent.objects.filter(action="person.data_consent").order_by("-pk").first()
    assert given.data["after_withdrawal"] is True
    assert Notification.objects.filter(user=world["admin"],
                                       subject__contains="重新作出").exists()
    approval.refresh_from_db()
    assert approval.status == Approval.Status.SUSPENDED
    assert _found_by_school(world["school_user"]) == []
    # the bureau decides to resume: now the hold no longer blocks
    services.provider_reinstate(actor=admin, bureau=bureau, person=person, reason="已重新同意")
    approval.refresh_from_db()
    assert approval.status == Approval.Status.APPROVED
    assert Engagement.objects.get(pk=world["engagement"].pk).status == \
        Engagement.Status.SIGNED
    assert _found_by_school(world["school_user"]) == ["王秀兰"]


def test_a_staff_member_with_an_account_withdraws_and_the_attestation_no_longer_counts():
    org = OrganizationFactory()
    org_user = UserFactory()
    services.role_grant(actor=None, user=org_user, role=Role.PROVIDER, target=org)
    staff = services.staff_register(actor=org_user, organization=org,
                                    personal_data_consent_attested=True, name="赵文静",
                                    id_number=make_id_number(3601), kind="retiree")
    staff.user = UserFactory()
    staff.save(update_fields=["user"])
    assert selectors.data_consent_in_force(staff).kind == PersonalDataConsent.Kind.ATTESTED
    client = _client(staff.user)
    page = client.get(WITHDRAW, HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert f"您所在机构{org.name}的承诺也将不再有效" in page
    assert client.post(WITHDRAW, {"confirm": "on"}).status_code == 302
    attestation = PersonalDataConsent.objects.get(person=staff)
    assert attestation.withdrawn_at is not None and attestation.withdrawn_by == staff.user
    assert selectors.data_consent_in_force(staff) is None
    assert selectors.data_consent_withdrawn(staff)
    page = client.get(PRIVACY, HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert "该承诺不再有效" in page and "重新作出同意" in page
    # the organization cannot withdraw for its staff member, nor in their place
    with pytest.raises(PermissionDenied):
        services.personal_data_consent_withdraw(actor=org_user, person=staff)


def test_while_withdrawn_no_approval_takes_effect_and_no_record_query_counts(world):
    person, bureau = world["person"], world["bureau"]
    pending = approve(person=person, where="360200", categories=("sport",), status="pending")
    services.consent_give(actor=person.user, person=person, bureau=bureau,
                          purpose=RecordQueryConsent.Purpose.REQUERY)
    requery = RecordRequery.objects.create(approval=world["approval"], person=person,
                                           bureau=bureau, year=days(0).year,
                                           opened_on=days(0), due_on=days(30))
    services.consent_give(actor=person.user, person=person, bureau=bureau)
    assert consent_counts(person, bureau)
    assert services.requery_consent_on_record(requery)
    services.personal_data_consent_withdraw(actor=person.user, person=person)
    assert not consent_counts(person, bureau)
    assert not services.requery_consent_on_record(requery)
    with pytest.raises(ValidationError) as refused:
        services.approval_approve(actor=None, approval=pending, valid_from=days(0),
                                  valid_until=days(300))
    assert refused.value.code == "consent_withdrawn"
    # given again, both count again
    services.personal_data_consent_give(actor=person.user, person=person)
    assert consent_counts(person, bureau)
    services.approval_approve(actor=None, approval=pending, valid_from=days(0),
                              valid_until=days(300))


def test_a_rostered_staff_member_withdrawing_is_off_the_gate_and_the_school_is_told(
        settings, tmp_path):
    settings.REGISTRY_SIGNING_KEY_FILE = str(tmp_path / "signing.pem")
    # given an organization's engagement at a school with a coach (own account) on its roster
    school_account, school = school_user("360102")
    term = services.school_term_create(actor=school_account, school=school,
                                       name="2026 秋季学期", starts_on=days(0),
                                       ends_on=days(100), project_count=10)
    org = organization("南昌飞跃体育培训有限公司", ("少儿篮球", "sport", "50"))
    approve(organization=org, where="360100", categories=("sport",))
    coach = _registered(name="张建华")
    approve(person=coach, where="360100", categories=("sport",))
    engagement = services.engagement_create(
        actor=school_account, school=school, term=term, organization=org,
        offering=org.offerings.get(), fee_per_session=Decimal("45"), sessions=16, places=30,
        roster=[coach])
    member = RosterMember.objects.get(engagement=engagement, person=coach)
    token = selectors.permit_token(member)
    before = selectors.permit_check(token)["status"]
    # when the coach withdraws their consent
    services.personal_data_consent_withdraw(actor=coach.user, person=coach)
    # then their permit there no longer lets them in, the organization's engagement goes on,
    # and the school is told (without the ID number)
    after = selectors.permit_check(token)["status"]
    assert before == selectors.PermitStatus.NOT_YET_VALID  # a draft, not yet in force
    assert after == selectors.PermitStatus.SUSPENDED
    assert Engagement.objects.get(pk=engagement.pk).status == engagement.status
    notes = Notification.objects.filter(user=school_account)
    assert [n.subject for n in notes] == ["张建华的准入已暂停：已撤回同意"]
    assert coach.id_number not in notes[0].body
