"""What school search ranks on (``ProviderAvailability``, the approved approvals flattened per
category): every service that changes an approval keeps it exact, and the exact check on the
approvals stays a guard, so an approval expired or suspended without the row being
refreshed (time passing, a write outside the services) never shows."""

import pytest
from django.test import Client

from registry import selectors, services
from registry.models import Approval, ProviderAvailability
from tests.registry.builders import approve, category, days, jurisdiction, organization, person
from tests.registry.builders import school_user as make_school_user

pytestmark = pytest.mark.django_db


def rows() -> set[tuple]:
    return set(ProviderAvailability.objects.values_list(
        "approval_id", "organization_id", "person_id", "jurisdiction_id", "category_id",
        "valid_from", "valid_until", "expert_score"))


def rebuilt() -> set[tuple]:
    """The rows as a rebuild from the approvals writes them."""
    services.availability_rebuild()
    return rows()


def names(school, **kwargs) -> list[str]:
    return [o.name for o in selectors.approved_organizations_search(school=school, **kwargs)]


@pytest.fixture
def school_user():
    return make_school_user("360102")


def test_every_approval_service_keeps_the_rows_exact():
    go = organization("南昌弈林文化有限公司", ("少儿围棋启蒙班", "arts", "25"))
    ball = organization("南昌飞跃体育有限公司", ("少儿篮球班", "sport", "40"))
    retiree = person("王秀兰")
    pending = services.approval_create(
        actor=None, jurisdiction=jurisdiction("360100"), organization=go,
        categories=[category("arts"), category("reading")], expert_score=81)
    assert rows() == set()  # in public notice: not available anywhere
    services.approval_approve(actor=None, approval=pending, valid_from=days(-5),
                              valid_until=days(300))
    after_approve = rows()
    assert {(r[2], r[4], r[6], str(r[7])) for r in after_approve} == {
        (None, category("arts").pk, days(300), "81.00"),
        (None, category("reading").pk, days(300), "81.00")}
    assert after_approve == rebuilt()
    no_category = approve(organization=ball, where="360102", categories=())
    someone = approve(person=retiree, where="360000", categories=("arts",), expert_score="70")
    assert {r[4] for r in rows() if r[0] == no_category.pk} == {None}
    assert rows() == rebuilt()
    services.approval_suspend(actor=None, approval=pending, reason="证照过期")
    assert not [r for r in rows() if r[0] == pending.pk]
    assert rows() == rebuilt()
    services.approval_reinstate(actor=None, approval=pending, reason="已补证",
                                valid_until=days(100))
    assert {r[6] for r in rows() if r[0] == pending.pk} == {days(100)}
    assert rows() == rebuilt()
    services.approval_expire(actor=None, approval=someone, reason="期满")
    services.approval_revoke(actor=None, approval=no_category, reason="违规")
    assert {r[0] for r in rows()} == {pending.pk}
    assert rows() == rebuilt()


def test_a_suspension_written_outside_the_services_never_shows(school_user):
    user, school = school_user
    go = organization("南昌弈林文化有限公司", ("少儿围棋启蒙班", "arts", "25"))
    kept = organization("东湖围棋社有限公司", ("围棋", "arts", "10"))
    approval = approve(organization=go, where="360102", categories=("arts",), expert_score="99")
    approve(organization=kept, where="360100", categories=("arts",))
    client = Client()
    client.force_login(user)
    before = client.get("/api/v1/search/organizations/", {"keyword": "围棋"}).json()
    assert {r["name"] for r in before["results"]} == {"南昌弈林文化有限公司", "东湖围棋社有限公司"}
    # given: the approval suspended by a write that does not refresh the ranked rows
    Approval.objects.filter(pk=approval.pk).update(status=Approval.Status.SUSPENDED)
    assert ProviderAvailability.objects.filter(approval=approval).exists()  # stale on purpose
    # when: a school searches
    for query in ({"keyword": "围棋"}, {}, {"category": "arts"}, {"keyword": "弈林"}):
        response = client.get("/api/v1/search/organizations/", query)
        # then: the suspended provider is not shown, whatever the stale row says
        assert response.status_code == 200
        assert "南昌弈林文化有限公司" not in [r["name"] for r in response.json()["results"]]
    assert names(school, keyword="围棋") == ["东湖围棋社有限公司"]


def test_an_approval_that_lapses_with_time_never_shows(school_user):
    _user, school = school_user
    go = organization("南昌弈林文化有限公司", ("少儿围棋启蒙班", "arts", "25"))
    retiree = person("王秀兰")
    approve(organization=go, where="360102", categories=("arts",), valid_until=days(10))
    approve(person=retiree, where="360100", categories=("arts",), valid_until=days(10))
    assert names(school, keyword="围棋") == ["南昌弈林文化有限公司"]
    # time passes: no service runs, nothing is refreshed
    assert names(school, keyword="围棋", on=days(11)) == []
    assert [p.name for p in selectors.approved_people_search(school=school, on=days(11))] == []
    # an end date moved back by a write outside the services: the approvals decide
    Approval.objects.filter(organization=go).update(valid_until=days(-1))
    assert names(school, keyword="围棋") == []
    assert [p.name for p in selectors.approved_people_search(school=school)] == ["王秀兰"]
    Approval.objects.filter(person=retiree).update(status=Approval.Status.EXPIRED)
    assert [p.name for p in selectors.approved_people_search(school=school)] == []
