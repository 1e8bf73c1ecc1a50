import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from registry import selectors, services
from registry.models import Approval, AuditEvent, Blacklisting
from tests.registry.builders import (
    approve,
    bureau_admin,
    days,
    organization,
    person,
    school_user,
)

pytestmark = pytest.mark.django_db
S = Approval.Status


@pytest.fixture
def case():
    admin, bureau = bureau_admin("360100")
    user, school = school_user("360102")
    term = services.school_term_create(actor=user, school=school, name="2026 秋季学期",
                                       starts_on=days(0), ends_on=days(100), project_count=10)
    org = organization("南昌弈林围棋培训有限公司", ("少儿围棋启蒙班", "arts", "25"))
    city = approve(organization=org, where="360100", categories=("arts",))
    county = approve(organization=org, where="360102", categories=("arts",))
    elsewhere = approve(organization=org, where="360400", categories=("arts",))
    retiree = person("王秀兰")
    approve(person=retiree, where="360102", categories=("reading",))
    province_admin, province = bureau_admin("360000")
    return {"admin": admin, "bureau": bureau, "province_admin": province_admin,
            "province": province, "user": user, "school": school, "term": term,
            "org": org, "city": city, "county": county, "elsewhere": elsewhere,
            "retiree": retiree}


def _statuses(*approvals):
    return [Approval.objects.get(pk=a.pk).status for a in approvals]


def _engage(case, **extra):
    return services.engagement_create(
        actor=case["user"], school=case["school"], term=case["term"],
        fee_per_session=Decimal("20"), sessions=8, **({"organization": case["org"]} | extra))


def _found(case):
    return [o.name for o in selectors.approved_organizations_search(school=case["school"])]


def test_suspension_applies_to_the_bureaus_jurisdiction_and_below_at_once(case):
    services.provider_suspend(actor=case["admin"], bureau=case["bureau"],
                              organization=case["org"], reason="安全事故调查")
    assert _statuses(case["city"], case["county"], case["elsewhere"]) == [
        S.SUSPENDED, S.SUSPENDED, S.APPROVED]
    assert _found(case) == []
    with pytest.raises(ValidationError, match="suspended|暂停"):
        _engage(case)
    services.provider_reinstate(actor=case["admin"], bureau=case["bureau"],
                                organization=case["org"], reason="调查结束")
    assert _found(case) == ["南昌弈林围棋培训有限公司"]
    _engage(case)
    actions = AuditEvent.objects.filter(action__startswith="approval.").values_list(
        "action", flat=True)
    assert list(actions).count("approval.suspended") == 2
    assert list(actions).count("approval.approved") >= 2


def test_revocation_is_final_and_immediate(case):
    services.provider_revoke(actor=case["admin"], bureau=case["bureau"],
                             organization=case["org"], reason="违规讲授新课")
    assert _statuses(case["city"], case["county"]) == [S.REVOKED, S.REVOKED]
    assert _found(case) == []
    with pytest.raises(ValidationError):
        services.provider_reinstate(actor=case["admin"], bureau=case["bureau"],
                                    organization=case["org"], reason="再议")


def _blacklist(case, reason, years, **subject):
    """Proposed by the city's administrator, confirmed by a provincial one."""
    proposal = services.blacklist_propose(actor=case["admin"], bureau=case["bureau"],
                                          reason=reason, years=years, **subject)
    assert not Blacklisting.objects.filter(proposal=proposal).exists()  # not yet
    return services.blacklist_confirm(actor=case["province_admin"], proposal=proposal,
                                      reason="同意")


def test_blacklist_revokes_and_bars_new_applications_for_n_years(case):
    entry = _blacklist(case, "严重违规", 3, person=case["retiree"])
    assert entry.ends_on.year == days(0).year + 3
    assert _statuses(*case["retiree"].approvals.all()) == [S.REVOKED]
    assert selectors.is_blacklisted(id_number=case["retiree"].id_number)
    assert selectors.is_blacklisted(id_number=case["retiree"].id_number.lower())
    assert selectors.is_blacklisted(id_number=case["retiree"].id_number,
                                    on=entry.ends_on)
    assert not selectors.is_blacklisted(id_number=case["retiree"].id_number,
                                        on=entry.ends_on + datetime.timedelta(days=1))
    assert not selectors.is_blacklisted(uscc=case["org"].uscc)
    _blacklist(case, "严重失信", 5, organization=case["org"])
    assert selectors.is_blacklisted(uscc=case["org"].uscc)
    # the city's approvals are revoked; the one issued under another city's bureau is not
    assert _statuses(case["city"], case["county"], case["elsewhere"]) == [
        S.REVOKED, S.REVOKED, S.APPROVED]
    assert not selectors.is_blacklisted()
    assert AuditEvent.objects.filter(action="blacklist.confirm").count() == 2
    # a new application in any jurisdiction is refused while the bar lasts
    with pytest.raises(ValidationError) as excinfo:
        services.approval_create(actor=None, jurisdiction=case["city"].jurisdiction,
                                 organization=case["org"])
    assert excinfo.value.code == "blacklisted"


def test_sanctions_need_a_reason_and_the_bureaus_administrator(case):
    with pytest.raises(ValidationError):
        services.provider_suspend(actor=case["admin"], bureau=case["bureau"],
                                  organization=case["org"], reason=" ")
    other_admin, other_bureau = bureau_admin("360400")
    with pytest.raises(PermissionDenied):
        services.provider_suspend(actor=other_admin, bureau=case["bureau"],
                                  organization=case["org"], reason="越权")
    with pytest.raises(PermissionDenied):
        services.provider_suspend(actor=case["user"], bureau=case["bureau"],
                                  organization=case["org"], reason="越权")
    with pytest.raises(ValidationError):
        services.blacklist_propose(actor=case["admin"], bureau=case["bureau"],
                                   organization=case["org"], reason="x", years=0)
    assert _statuses(case["city"], case["county"]) == [S.APPROVED, S.APPROVED]
    assert not Blacklisting.objects.exists()


def test_sanctions_through_the_api_and_the_browser(case, client,
                                                   django_assert_max_num_queries):
    client.force_login(case["admin"])
    response = client.post("/api/v1/sanctions/", {
        "bureau": case["bureau"].pk, "action": "suspend", "organization": case["org"].pk,
        "reason": "投诉核查"})
    assert response.status_code == 201, response.content
    assert {a["status"] for a in response.json()["approvals"]} == {"suspended"}
    again = client.post("/api/v1/sanctions/", {
        "bureau": case["bureau"].pk, "action": "suspend", "organization": case["org"].pk,
        "reason": "投诉核查"})
    assert again.status_code == 400  # nothing left to suspend: said clearly
    bad = client.post("/api/v1/blacklist-proposals/", {"bureau": case["bureau"].pk,
                                                       "person": case["retiree"].pk,
                                                       "reason": "x"})
    assert bad.status_code == 400  # years missing
    page = client.post(f"/registry/bureau/{case['bureau'].pk}/blacklist-proposals/new/", {
        "person": case["retiree"].pk, "reason": "严重违规", "years": "2"})
    assert page.status_code == 302
    assert not selectors.is_blacklisted(id_number=case["retiree"].id_number)  # proposed
    client.force_login(case["province_admin"])
    [proposal] = client.get("/api/v1/blacklist-proposals/?status=proposed").json()["results"]
    page = client.post(f"/registry/bureau/{case['province'].pk}/blacklist-proposals/"
                       f"{proposal['id']}/confirm/", {"reason": "同意"})
    assert page.status_code == 302
    assert selectors.is_blacklisted(id_number=case["retiree"].id_number)
    client.force_login(case["admin"])
    with django_assert_max_num_queries(8):
        assert client.get("/api/v1/review-requests/").status_code == 200
    client.force_login(case["user"])
    assert client.post("/api/v1/sanctions/", {
        "bureau": case["bureau"].pk, "action": "revoke", "organization": case["org"].pk,
        "reason": "越权"}).status_code == 403
    assert client.get("/api/v1/review-requests/").json()["count"] == 0
