"""School search's prefilter (``ProviderSearchDocument.availability``): every service that
changes an approval keeps it right, search follows at once, a stale or forged token never
shows an unavailable provider, and the API answers in a fixed number of queries."""

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from registry import selectors, services
from registry.models import (
    Approval,
    Jurisdiction,
    Organization,
    ProviderSearchDocument,
    ServiceCategory,
)
from registry.services.search import search_availability_rebuild
from tests.registry.builders import (
    approve,
    bureau_admin,
    category,
    days,
    organization,
    person,
    school_user,
)

pytestmark = pytest.mark.django_db


def j(code: str) -> int:
    return Jurisdiction.objects.get(code=code).pk


def c(code: str) -> int:
    return ServiceCategory.objects.get(code=code).pk


def tokens(*, organization=None, person=None) -> set[str]:
    subject = {"organization": organization} if organization else {"person": person}
    return set(ProviderSearchDocument.objects.get(**subject).availability.split())


def found(school, **kwargs) -> list[str]:
    return [o.name for o in selectors.approved_organizations_search(school=school, **kwargs)]


@pytest.fixture
def school():
    _user, school = school_user("360102")
    return school


def test_every_approval_service_keeps_the_prefilter_right(school):
    go = organization("南昌弈林文化有限公司", ("少儿围棋启蒙班", "arts", "25"))
    assert tokens(organization=go) == set()
    # a decision in public notice (pending) is not available anywhere yet
    city = services.approval_create(actor=None, jurisdiction=Jurisdiction.objects.get(
        code="360100"), organization=go, categories=[category("arts")])
    assert tokens(organization=go) == set()
    assert found(school, keyword="围棋") == []
    # approved: found at once, under the city and its category
    services.approval_approve(actor=None, approval=city, valid_from=days(-1),
                              valid_until=days(300))
    city_tokens = {f"j{j('360100')}", f"j{j('360100')}c{c('arts')}"}
    assert tokens(organization=go) == city_tokens
    assert found(school, keyword="围棋") == ["南昌弈林文化有限公司"]
    # a second approval, in the county, adds its own tokens
    county = approve(organization=go, where="360102", categories=("sport", "arts"))
    county_tokens = {f"j{j('360102')}", f"j{j('360102')}c{c('sport')}",
                     f"j{j('360102')}c{c('arts')}"}
    assert tokens(organization=go) == city_tokens | county_tokens
    # suspending one leaves the other's
    services.approval_suspend(actor=None, approval=city, reason="安全检查")
    assert tokens(organization=go) == county_tokens
    services.approval_reinstate(actor=None, approval=city, reason="检查通过")
    assert tokens(organization=go) == city_tokens | county_tokens
    services.approval_revoke(actor=None, approval=county, reason="违规")
    assert tokens(organization=go) == city_tokens
    # writes of the text keep the tokens (the refresh recomputes both)
    services.offering_create(actor=None, organization=go, category=category("arts"),
                             title="少儿象棋", description="", grade_min=1, grade_max=6,
                             fee_per_session="20", capacity=20, weekdays=1)
    assert tokens(organization=go) == city_tokens
    services.approval_expire(actor=None, approval=city, reason="期满")
    assert tokens(organization=go) == set()
    assert found(school, keyword="围棋") == []


def test_sanctions_take_effect_in_search_and_in_the_prefilter(school):
    admin, bureau = bureau_admin("360100")
    ball = organization("南昌飞跃体育有限公司", ("少儿篮球班", "sport", "40"))
    approve(organization=ball, where="360100", categories=("sport",))
    assert found(school, keyword="篮球") == ["南昌飞跃体育有限公司"]
    services.provider_suspend(actor=admin, bureau=bureau, organization=ball, reason="调查")
    assert tokens(organization=ball) == set()
    assert found(school, keyword="篮球") == []
    services.provider_reinstate(actor=admin, bureau=bureau, organization=ball, reason="结束")
    assert tokens(organization=ball) == {f"j{j('360100')}", f"j{j('360100')}c{c('sport')}"}
    assert found(school, keyword="篮球") == ["南昌飞跃体育有限公司"]
    services.provider_revoke(actor=admin, bureau=bureau, organization=ball, reason="吊销")
    assert tokens(organization=ball) == set()
    assert found(school, keyword="篮球") == []


def test_people_follow_the_same_rules(school):
    teacher = person("王秀兰", "retiree")
    approval = approve(person=teacher, where="360102", categories=("reading",))
    assert tokens(person=teacher) == {f"j{j('360102')}", f"j{j('360102')}c{c('reading')}"}
    search = selectors.approved_people_search
    assert [p.name for p in search(school=school, keyword="王秀兰")] == ["王秀兰"]
    assert [p.name for p in search(school=school, keyword="wxl",
                                   category=category("reading"))] == ["王秀兰"]
    assert [p.name for p in search(school=school, keyword="wxl",
                                   category=category("sport"))] == []
    services.approval_suspend(actor=None, approval=approval, reason="核查")
    assert tokens(person=teacher) == set()
    assert list(search(school=school, keyword="王秀兰")) == []


def test_a_stale_or_forged_prefilter_never_shows_an_unavailable_provider(school):
    """The tokens only narrow the search: status, dates, jurisdiction and category are
    checked on the approvals, so a document claiming everything shows nothing extra."""
    shown = organization("南昌弈林文化有限公司", ("围棋", "arts", "10"))
    approve(organization=shown, where="360102", categories=("arts",))
    hidden = {
        "suspended": approve(organization=organization("暂停围棋社", ("围棋", "arts", "10")),
                             categories=("arts",), status="suspended"),
        "revoked": approve(organization=organization("撤销围棋社", ("围棋", "arts", "10")),
                           categories=("arts",), status="revoked"),
        "expired": approve(organization=organization("期满围棋社", ("围棋", "arts", "10")),
                           categories=("arts",), status="expired"),
        "past term": approve(organization=organization("过期围棋社", ("围棋", "arts", "10")),
                             categories=("arts",), valid_from=days(-400),
                             valid_until=days(-1)),
        "not yet": approve(organization=organization("未来围棋社", ("围棋", "arts", "10")),
                           categories=("arts",), valid_from=days(3)),
        "pending": approve(organization=organization("公示中围棋社", ("围棋", "arts", "10")),
                           categories=("arts",), status="pending"),
        "other county": approve(organization=organization("西湖围棋社", ("围棋", "arts", "10")),
                                where="360103", categories=("arts",)),
        "other category": approve(organization=organization("体育围棋社",
                                                            ("围棋", "arts", "10")),
                                  where="360102", categories=("sport",)),
    }
    # the "past term" one is still approved: its tokens are there until the sweep expires it
    assert tokens(organization=hidden["past term"].organization) == {
        f"j{j('360100')}", f"j{j('360100')}c{c('arts')}"}
    forged = " ".join(f"j{pk}" for pk in (j("360102"), j("360100"), j("360000"))) + " " + \
        " ".join(f"j{jp}c{cp}" for jp in (j("360102"), j("360100"), j("360000"))
                 for cp in ServiceCategory.objects.values_list("pk", flat=True))
    ProviderSearchDocument.objects.update(availability=forged)
    # approved in the school's county, but for sport: shown, except under another category
    assert set(found(school, keyword="围棋")) == {"南昌弈林文化有限公司", "体育围棋社"}
    assert set(found(school)) == {"南昌弈林文化有限公司", "体育围棋社"}
    assert found(school, keyword="围棋", category=category("arts")) == ["南昌弈林文化有限公司"]
    assert found(school, category=category("arts")) == ["南昌弈林文化有限公司"]
    assert len(hidden) == 8


def test_a_missing_token_hides_and_a_rebuild_restores(school):
    go = organization("南昌弈林文化有限公司", ("围棋", "arts", "10"))
    approve(organization=go, where="360100", categories=("arts",))
    other = organization("南昌飞跃体育有限公司", ("篮球", "sport", "40"))
    approve(organization=other, where="360102", categories=("sport",), status="suspended")
    retiree = person("王秀兰")
    approve(person=retiree, where="360000", categories=("reading", "arts"))
    expected = {d.pk: d.availability for d in ProviderSearchDocument.objects.all()}
    assert any(expected.values())
    ProviderSearchDocument.objects.update(availability="j999")
    assert found(school, keyword="围棋") == []
    search_availability_rebuild()
    assert {d.pk: d.availability for d in ProviderSearchDocument.objects.all()} == expected
    assert found(school, keyword="围棋") == ["南昌弈林文化有限公司"]
    # the rebuild command writes the tokens too
    ProviderSearchDocument.objects.all().delete()
    call_command("rebuild_search_index", "--batch-size", "2")
    assert {d.availability for d in ProviderSearchDocument.objects.all()} == set(
        expected.values())
    assert found(school, keyword="围棋") == ["南昌弈林文化有限公司"]


def _api(client, params):
    with CaptureQueriesContext(connection) as queries:
        response = client.get("/api/v1/search/organizations/", params)
    assert response.status_code == 200, response.content
    return response.json(), [q["sql"] for q in queries.captured_queries]


def test_the_api_counts_in_the_page_query_and_its_queries_do_not_grow(client, settings):
    settings.REGISTRY_SEARCH_PAGE_SIZE = 5
    user, _school = school_user("360102")
    client.force_login(user)
    first = organization("南昌第0围棋培训有限公司", ("围棋", "arts", "10"), ("篮球", "sport", "10"))
    approve(organization=first, where="360102", categories=("arts", "sport"))
    params = {"keyword": "围棋", "category": "arts", "county": "360102"}
    _api(client, params)  # warm: the first request of a process also reads content types
    one, one_queries = _api(client, params)
    assert (one["count"], len(one["results"])) == (1, 1)
    for i in range(1, 13):
        org = organization(f"南昌第{i}围棋培训有限公司", ("围棋", "arts", "10"),
                           ("篮球", "sport", "10"))
        approve(organization=org, where="360100" if i % 2 else "360102",
                categories=("arts", "sport"))
    many, many_queries = _api(client, params)
    assert (many["count"], many["num_pages"], len(many["results"])) == (13, 3, 5)
    # then: as many queries for 13 results as for 1, no COUNT query (the page carries it):
    # session, user, school, ranking, and the page (approvals with their organizations,
    # categories and offerings); categories, counties and fee references are the process's
    assert len(many_queries) == len(one_queries) <= 5, many_queries
    assert not [sql for sql in many_queries if sql.startswith("SELECT COUNT(")]
    # the last page, and one beyond it (a 400 that names the last page)
    last, _queries = _api(client, {**params, "page": 3})
    assert (last["count"], len(last["results"])) == (13, 3)
    beyond = client.get("/api/v1/search/organizations/", {**params, "page": 4})
    assert beyond.status_code == 400
    assert "第 3 页" in beyond.json()["detail"][0]  # names the last page
    ids = {r["id"] for p in (1, 2, 3)
           for r in _api(client, {**params, "page": p})[0]["results"]}
    assert len(ids) == 13


def test_nothing_found_is_an_empty_first_page(client):
    user, _school = school_user("360102")
    client.force_login(user)
    data, queries = _api(client, {"keyword": "不存在的课程"})
    assert (data["count"], data["num_pages"], data["results"]) == (0, 1, [])
    assert not [sql for sql in queries if sql.startswith("SELECT COUNT(")]


def test_only_approvals_in_status_approved_leave_tokens():
    go = organization("南昌弈林文化有限公司", ("围棋", "arts", "10"))
    for status in ("pending", "suspended", "revoked", "expired"):
        approval = approve(organization=go, where="360102", status=status)
        assert approval.status == status
        assert tokens(organization=go) == set()
        if status in Approval.OPEN_STATUSES:
            services.approval_revoke(actor=None, approval=approval, reason="清理")


def test_a_provider_suspended_between_ranking_and_page_is_left_out(school):
    # given: two providers ranked for the school's search
    go = organization("南昌弈林文化有限公司", ("少儿围棋启蒙班", "arts", "25"))
    chess = organization("南昌棋乐围棋俱乐部有限公司", ("围棋提高班", "arts", "30"))
    go_approval = approve(organization=go, where="360102", categories=("arts",))
    approve(organization=chess, where="360102", categories=("arts",))
    results = selectors.approved_organizations_search(school=school, keyword="围棋")
    load = results._load

    def suspended_meanwhile(ids):
        # when: a suspension commits after the ranking, before the page is read
        services.approval_suspend(actor=None, approval=go_approval, reason="证照过期")
        return load(ids)

    results._load = suspended_meanwhile
    page = results[0:20]
    # then: the page shows only the provider still available; nothing half-shown
    assert [o.name for o in page] == ["南昌棋乐围棋俱乐部有限公司"]
    assert all(o.valid_approvals for o in page)
    # and the next search no longer ranks it at all
    assert found(school, keyword="围棋") == ["南昌棋乐围棋俱乐部有限公司"]


def test_a_provider_written_in_the_admin_is_searchable_by_what_the_admin_wrote(client, school):
    # given: a superuser adds an organization with an offering in the Django admin
    from django.contrib.auth import get_user_model

    from registry.identifiers import make_uscc

    admin_user = get_user_model().objects.create_superuser("root", "root@example.invalid", "x")
    client.force_login(admin_user)
    county = Jurisdiction.objects.get(code="360102")
    response = client.post("/admin/registry/organization/add/", {
        "name": "南昌青禾书法有限公司", "uscc": make_uscc(987_654),
        "registration_kind": "company", "provider_kind": "private_training",
        "legal_representative": "李青", "county": county.pk, "contact_name": "李青",
        "contact_phone": "13800000000", "address": "南昌市东湖区",
        "offerings-TOTAL_FORMS": "1", "offerings-INITIAL_FORMS": "0",
        "offerings-MIN_NUM_FORMS": "0", "offerings-MAX_NUM_FORMS": "1000",
        "offerings-0-title": "软笔书法入门", "offerings-0-category": ServiceCategory.objects.get(
            code="arts").pk, "offerings-0-description": "", "offerings-0-grade_min": "1",
        "offerings-0-grade_max": "6", "offerings-0-fee_per_session": "30",
        "offerings-0-capacity": "20", "offerings-0-free_places_per_term": "0",
        "offerings-0-weekdays": "1", "offerings-0-is_active": "on",
    })
    assert response.status_code == 302, response.content.decode()[:2000]
    org = Organization.objects.get(name="南昌青禾书法有限公司")
    # when: it is approved through the services
    approve(organization=org, where="360102", categories=("arts",))
    # then: the school finds it by the offering's title the admin wrote
    assert found(school, keyword="软笔书法") == ["南昌青禾书法有限公司"]


def test_an_approval_for_a_subject_without_a_document_writes_the_document(school):
    go = organization("南昌弈林文化有限公司", ("少儿围棋启蒙班", "arts", "25"))
    ProviderSearchDocument.objects.filter(organization=go).delete()
    approve(organization=go, where="360102", categories=("arts",))
    assert found(school, keyword="围棋") == ["南昌弈林文化有限公司"]
