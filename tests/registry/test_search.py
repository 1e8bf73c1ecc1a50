import pytest
from django.core.management import call_command

from registry import selectors, services
from registry.models import Approval, School
from tests.factories import FeeReferenceFactory, ServiceCategoryFactory
from tests.registry.builders import (
    approve,
    bureau_admin,
    category,
    days,
    jurisdiction,
    organization,
    person,
    school_user,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def world():
    """A school in 东湖区 (Nanchang); providers approved at every level and in every state."""
    user, school = school_user("360102")
    go = organization("南昌弈林文化有限公司",
                      ("少儿围棋启蒙班", "arts", "25", "黑白世界，培养专注力", 1, 6, 0b0000001))
    ball = organization("南昌飞跃体育有限公司",
                        ("少儿篮球班", "sport", "40", "运球与传球", 3, 9, 0b0000110))
    calligraphy = organization("东湖书法学校有限公司",
                               ("硬笔书法", "arts", "15", "围棋以外的静心课程", 1, 3, 0b0010000))
    province = organization("江西省科技馆服务有限公司",
                            ("机器人编程", "science", "30", "", 4, 9, 0b0001000),
                            county="360103")
    approve(organization=go, where="360102", categories=("arts",), expert_score="80")
    approve(organization=ball, where="360100", expert_score="95")
    approve(organization=calligraphy, where="360100", categories=("arts",))
    approve(organization=province, where="360000", categories=("science",))
    hidden = {
        "other county": approve(organization=organization("西湖围棋社有限公司",
                                                          ("围棋", "arts", "10")),
                                where="360103", categories=("arts",)),
        "other city": approve(organization=organization("九江围棋社有限公司",
                                                        ("围棋", "arts", "10")),
                              where="360400", categories=("arts",)),
        "suspended": approve(organization=organization("暂停围棋社有限公司",
                                                       ("围棋", "arts", "10")),
                             categories=("arts",), status="suspended"),
        "revoked": approve(organization=organization("撤销围棋社有限公司",
                                                     ("围棋", "arts", "10")),
                           categories=("arts",), status="revoked"),
        "expired by date": approve(organization=organization("过期围棋社有限公司",
                                                             ("围棋", "arts", "10")),
                                   categories=("arts",), valid_from=days(-400),
                                   valid_until=days(-1)),
        "not yet effective": approve(organization=organization("未来围棋社有限公司",
                                                               ("围棋", "arts", "10")),
                                     categories=("arts",), valid_from=days(3)),
        "pending": approve(organization=organization("公示中围棋社有限公司",
                                                     ("围棋", "arts", "10")),
                           categories=("arts",), status="pending"),
    }
    return {"user": user, "school": school, "go": go, "ball": ball,
            "calligraphy": calligraphy, "province": province, "hidden": hidden}


def names(queryset):
    return [o.name for o in queryset]


def search(world, **kwargs):
    return names(selectors.approved_organizations_search(school=world["school"], **kwargs))


def test_only_approvals_valid_now_for_county_city_or_province_appear(world):
    assert set(search(world)) == {"南昌弈林文化有限公司", "南昌飞跃体育有限公司",
                                  "东湖书法学校有限公司", "江西省科技馆服务有限公司"}


@pytest.mark.parametrize("keyword", ["围棋", "围棋启蒙", "少儿围棋启蒙班", "弈林", "weiqi", "wq",
                                     "WeiQi", "ｗｅｉｑｉ"])
def test_keyword_finds_chinese_substrings_and_pinyin(world, keyword):
    found = search(world, keyword=keyword)
    assert found[0] == "南昌弈林文化有限公司"
    assert not set(found) & {"西湖围棋社有限公司", "暂停围棋社有限公司", "过期围棋社有限公司"}


def test_keyword_is_an_exact_substring_not_a_bag_of_characters(world):
    # 棋围 shares both characters with 围棋 but is not in any text
    assert search(world, keyword="棋围") == []
    # bigrams 启蒙 and 蒙班 both occur, 启蒙班 occurs; 蒙启 does not
    assert search(world, keyword="蒙启") == []


def test_one_character_keyword_has_its_own_path(world):
    assert set(search(world, keyword="棋")) == {"南昌弈林文化有限公司", "东湖书法学校有限公司"}
    assert search(world, keyword="篮") == ["南昌飞跃体育有限公司"]


def test_a_pinyin_keyword_is_looked_up_by_its_trigrams():
    """Three ASCII characters or more are asked of the index by trigrams (a pinyin bigram
    such as ``an`` is in a large share of all documents); shorter ones, and Chinese, by
    bigrams; every such gram is indexed."""
    from registry.search_text import document_fields, term_grams

    assert term_grams("yangli") == ["ang", "gli", "ngl", "yan"]
    assert term_grams("wq") == ["wq"]
    assert term_grams("3d打印") == ["3d", "d打", "打印"]
    grams = set(document_fields(names=["杨丽"])["grams"].split())
    assert {"yan", "ang", "ngl", "gli", "yl"} <= grams
    assert set(term_grams("yangli")) <= grams


@pytest.mark.parametrize("keyword", ["biancheng", "jqrbc", "jiqiren", "ren"])
def test_pinyin_keywords_find_the_organization(world, keyword):
    # 机器人编程: jiqirenbiancheng / jqrbc, in the offering's title
    assert search(world, keyword=keyword) == ["江西省科技馆服务有限公司"]


def test_documents_written_before_the_trigrams_get_them_from_the_migration(world):
    """A document as written before migration 0027 (no trigrams) is found by a pinyin
    keyword again once the migration's step has run over it."""
    import importlib

    from django.apps import apps

    from registry.models import ProviderSearchDocument

    document = ProviderSearchDocument.objects.get(organization=world["province"])
    old = [gram for gram in document.grams.split() if len(gram) < 3 or not gram.isascii()
           or gram.startswith("county:")]
    ProviderSearchDocument.objects.filter(pk=document.pk).update(grams=" ".join(old))
    assert search(world, keyword="biancheng") == []
    migration = importlib.import_module("registry.migrations.0027_search_ascii_trigrams")
    migration.add_trigrams(apps, None)
    assert search(world, keyword="biancheng") == ["江西省科技馆服务有限公司"]
    assert search(world, keyword="科技馆", county=jurisdiction("360103")) == [
        "江西省科技馆服务有限公司"]


def test_name_matches_rank_above_description_matches_then_expert_score(world):
    # 书法 is in the calligraphy school's name; 围棋 only in its description
    found = search(world, keyword="围棋")
    assert found == ["南昌弈林文化有限公司", "东湖书法学校有限公司"]
    # without a keyword: expert score, highest first, unscored last
    found = search(world)
    assert found[:2] == ["南昌飞跃体育有限公司", "南昌弈林文化有限公司"]


@pytest.mark.parametrize(
    ("filters", "expected"),
    [
        ({"category": "arts"}, {"南昌弈林文化有限公司", "东湖书法学校有限公司"}),
        ({"category": "intangible-heritage"}, {"南昌弈林文化有限公司", "东湖书法学校有限公司"}),
        ({"category": "science"}, {"江西省科技馆服务有限公司"}),
        ({"county": "360103"}, {"江西省科技馆服务有限公司"}),
        ({"weekday": 1}, {"南昌弈林文化有限公司"}),
        ({"weekday": 2}, {"南昌飞跃体育有限公司"}),
        ({"max_fee": "25"}, {"南昌弈林文化有限公司", "东湖书法学校有限公司"}),
        ({"max_fee": "14.99"}, set()),
        ({"grade": 8}, {"南昌飞跃体育有限公司", "江西省科技馆服务有限公司"}),
        ({"grade": 2, "max_fee": "20"}, {"东湖书法学校有限公司"}),
    ],
)
def test_filters(world, filters, expected):
    from registry.forms import ProviderSearchForm

    form = ProviderSearchForm(filters)
    assert form.is_valid(), form.errors
    assert set(search(world, **{k: v for k, v in form.search_kwargs().items()
                                if v not in (None, "")})) == expected


def test_suspension_takes_effect_in_search_immediately(world):
    admin, bureau = bureau_admin("360100")
    services.provider_suspend(actor=admin, bureau=bureau, organization=world["ball"],
                              reason="安全事故调查")
    assert "南昌飞跃体育有限公司" not in search(world)
    services.provider_reinstate(actor=admin, bureau=bureau, organization=world["ball"],
                                reason="调查结束")
    assert "南昌飞跃体育有限公司" in search(world)


def test_the_index_follows_every_write(world):
    # a new offering is searchable at once (services refresh the index)
    services.offering_create(actor=None, organization=world["ball"], category=category("sport"),
                             title="少儿足球", description="", grade_min=1, grade_max=6,
                             fee_per_session="20", capacity=20, weekdays=1)
    assert search(world, keyword="足球") == ["南昌飞跃体育有限公司"]
    assert search(world, keyword="zq") == ["南昌飞跃体育有限公司"]


def test_rebuild_command_restores_the_index(world):
    from registry.models import ProviderSearchDocument

    ProviderSearchDocument.objects.all().delete()
    assert search(world, keyword="围棋") == []
    call_command("rebuild_search_index", "--batch-size", "2")
    assert search(world, keyword="围棋")[0] == "南昌弈林文化有限公司"


def test_people_search_never_exposes_id_numbers(world, client, django_assert_max_num_queries):
    retiree = person("王秀兰", "retiree")
    student = person("李明", "student")
    approve(person=retiree, where="360100", categories=("reading",))
    approve(person=student, where="360102", categories=("sport",))
    approve(person=person("王大力", "volunteer"), where="360102", status="suspended")
    found = selectors.approved_people_search(school=world["school"], keyword="王")
    assert names(found) == ["王秀兰"]
    assert names(selectors.approved_people_search(school=world["school"], keyword="wxl")) == [
        "王秀兰"]
    assert names(selectors.approved_people_search(school=world["school"], kind="student")) == [
        "李明"]
    client.force_login(world["user"])
    with django_assert_max_num_queries(12):
        response = client.get("/api/v1/search/people/", {"keyword": "王"})
    assert response.status_code == 200
    assert [r["name"] for r in response.json()["results"]] == ["王秀兰"]
    page = client.get("/registry/school/search/", {"type": "people", "keyword": "王"})
    for body in (response.content.decode(), page.content.decode()):
        assert retiree.id_number not in body and student.id_number not in body

@pytest.mark.parametrize(("path", "keyword"), [("/api/v1/search/organizations/", "围棋"),
                                               ("/api/v1/search/people/", "王")])
def test_a_search_through_the_api_runs_four_statements(world, client, settings, path, keyword):
    """With sessions in a cache every process shares (production's Redis; here the test
    process's memory, config/sessions): the user, the school with its grant, the ranking and
    the page, and nothing else (the reference data is the process's, read once)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    approve(person=person("王秀兰", "retiree"), where="360100", categories=("reading",))
    settings.SESSION_ENGINE = "config.sessions.cached"
    client.force_login(world["user"])
    assert client.get(path, {"keyword": keyword}).status_code == 200
    with CaptureQueriesContext(connection) as captured:
        response = client.get(path, {"keyword": keyword})
    assert response.status_code == 200 and response.json()["results"]
    statements = [query["sql"] for query in captured.captured_queries]
    assert len(statements) == 4, statements
    assert '"auth_user"' in statements[0] and "guardian_userobjectpermission" in statements[1]
    assert "COUNT(*) OVER ()" in statements[2]



def test_api_and_web_give_the_same_results(world, client, django_assert_max_num_queries):
    client.force_login(world["user"])
    with django_assert_max_num_queries(14):
        response = client.get("/api/v1/search/organizations/", {"keyword": "围棋"})
    assert response.status_code == 200
    data = response.json()
    assert [r["name"] for r in data["results"]] == search(world, keyword="围棋")
    assert data["results"][0]["offerings"][0]["title"] == "少儿围棋启蒙班"
    with django_assert_max_num_queries(16):
        page = client.get("/registry/school/search/", {"keyword": "围棋"})
    assert page.status_code == 200
    body = page.content.decode()
    assert body.index("南昌弈林文化有限公司") < body.index("东湖书法学校有限公司")
    assert "西湖围棋社" not in body


def test_results_are_paginated(world, client, settings):
    settings.REGISTRY_SEARCH_PAGE_SIZE = 3
    client.force_login(world["user"])
    first = client.get("/api/v1/search/organizations/").json()
    second = client.get("/api/v1/search/organizations/", {"page": 2}).json()
    assert (first["count"], first["num_pages"]) == (4, 2)
    assert len(first["results"]) == 3 and len(second["results"]) == 1
    assert {r["id"] for r in first["results"]}.isdisjoint({r["id"] for r in second["results"]})


@pytest.mark.parametrize(
    "params",
    [{"max_fee": "-1"}, {"max_fee": "abc"}, {"category": "maths"}, {"page": "9"},
     {"page": "0"}, {"weekday": "8"}, {"grade": "10"}, {"grade": "x"}, {"county": "999999"},
     {"county": "360100"}, {"keyword": "围" * 51}],
)
def test_bad_parameters_are_a_clear_400(world, client, params):
    client.force_login(world["user"])
    api = client.get("/api/v1/search/organizations/", params)
    assert api.status_code == 400
    assert api.json()  # says what is wrong
    web = client.get("/registry/school/search/", {"keyword": "", **params})
    assert web.status_code == 400


def test_only_school_users_search_and_only_for_their_own_school(world, client):
    _other_user, other_school = school_user("360103")
    client.force_login(world["user"])
    assert client.get("/api/v1/search/organizations/",
                      {"school": other_school.pk}).status_code == 403
    admin, _bureau = bureau_admin("360100")
    client.force_login(admin)
    assert client.get("/api/v1/search/organizations/").status_code == 403
    client.logout()
    # the public: not authenticated (a Bearer challenge, since API clients use tokens)
    assert client.get("/api/v1/search/organizations/").status_code == 401


def test_selector_runs_a_bounded_number_of_queries(world, django_assert_max_num_queries):
    for i in range(5):
        org = organization(f"南昌第{i}围棋培训有限公司", ("围棋", "arts", "10"),
                           ("篮球", "sport", "10"))
        approve(organization=org, where="360102", categories=("arts", "sport"))
    # the school as the views read it (with its lineage), and the reference data the
    # process keeps (registry.reference); then: the ranking, and the page's approvals with
    # their organizations, category links and offerings: two, however many results
    school = School.objects.select_related("county__parent__parent").get(pk=world["school"].pk)
    list(selectors.approved_organizations_search(school=school, keyword="围棋"))
    with django_assert_max_num_queries(2):
        results = list(selectors.approved_organizations_search(school=school,
                                                               keyword="围棋"))
        for item in results:
            [a.category_list for a in item.valid_approvals]
            [o.category.name for o in item.active_offerings]
    assert len(results) == 7


def _plan(connection, queryset) -> str:
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        sql, params = queryset.ranking.sql(0, 20)
        cursor.execute("EXPLAIN " + sql, params)
        return "\n".join(row[0] for row in cursor.fetchall())


def test_postgres_keyword_filter_is_served_by_the_bigram_index(world, on_postgres):
    # enough approved organizations that scanning them is not the cheap way
    for i in range(150):
        org = organization(f"南昌第{i}号体育培训有限公司", ("篮球", "sport", "10"))
        approve(organization=org, where="360102")
    with on_postgres.cursor() as cursor:
        cursor.execute("ANALYZE registry_providersearchdocument")
        cursor.execute("ANALYZE registry_approval")
        cursor.execute("ANALYZE registry_organization")
    for keyword in ("围棋", "启蒙班", "棋", "weiqi"):
        queryset = selectors.approved_organizations_search(school=world["school"],
                                                           keyword=keyword)
        plan = _plan(on_postgres, queryset)
        assert "registry_searchdoc_organization_gin" in plan, plan
    assert search(world, keyword="围棋")[0] == "南昌弈林文化有限公司"


def test_expert_score_is_filled_by_others_and_orders_results(world):
    # the score is written on the approval (the decision's panel fills it); whoever writes
    # it outside approval_create/approval_transition refreshes what search ranks on
    Approval.objects.filter(organization=world["calligraphy"]).update(expert_score=99)
    services.availability_refresh(approval=Approval.objects.get(organization=world["calligraphy"]))
    assert search(world)[0] == "东湖书法学校有限公司"


def test_result_serializers_write_what_drf_would(world):
    """The result serializers write each result directly (DRF's field-by-field path was
    most of the API's Python time); they must give exactly what their declared fields
    give through DRF's generic path, which the API schema describes."""
    from rest_framework import serializers as drf

    from registry.api import search as api

    FeeReferenceFactory(jurisdiction=jurisdiction("360100"), category=category("sport"),
                        effective_from=days(-30), reference_fee="30.5", cap="40",
                        source="test")
    retiree = person("王秀兰", "retiree")
    approve(person=retiree, where="360100", categories=("reading", "arts"), expert_score="77.5")
    school = School.objects.select_related("county__parent__parent").get(pk=world["school"].pk)
    organizations = list(selectors.approved_organizations_search(school=school))
    people = list(selectors.approved_people_search(school=school))
    offerings = [o for item in organizations for o in item.active_offerings]
    approvals = [a for item in organizations + people for a in item.valid_approvals]
    # what the check covers: scored and unscored, fees with and without a reference
    assert {a.expert_score is None for a in approvals} == {True, False}
    assert {o.fee_reference is None for o in offerings} == {True, False}
    assert people and all(len(o.weekday_list) for o in offerings)
    for serializer, items in ((api.OfferingResultSerializer(), offerings),
                              (api.ApprovalResultSerializer(), approvals),
                              (api.OrganizationResultSerializer(), organizations),
                              (api.PersonResultSerializer(), people)):
        for item in items:
            assert serializer.to_representation(item) == drf.Serializer.to_representation(
                serializer, item)


def test_the_search_page_queries_do_not_grow_with_categories_or_results(world, client):
    """The page's category list names each sub-item's parent (体育 · 游泳): read with its
    parent, not one query per option; and a page of more results costs no more queries."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext


    client.force_login(world["user"])

    def queries(keyword: str) -> int:
        client.get("/registry/school/search/", {"keyword": keyword})  # warm per-process caches
        with CaptureQueriesContext(connection) as captured:
            page = client.get("/registry/school/search/", {"keyword": keyword})
        assert page.status_code == 200
        return len(captured.captured_queries)

    few = queries("弈林")  # one result
    sport = category("sport")
    for i in range(5):
        ServiceCategoryFactory(code=f"sport-extra-{i}", name=f"体育项目{i}", parent=sport,
                               sort_order=90 + i)
    assert queries("弈林") == few
    assert queries("有限公司") == few  # four results


def test_the_providers_offering_form_reads_categories_with_their_parents(client):
    """The same category list on the provider's organization page."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from registry.roles import Role
    from tests.factories import UserFactory

    org = organization("南昌弈林文化有限公司", ("少儿围棋启蒙班", "arts", "25"))
    user = UserFactory()
    services.role_grant(actor=None, user=user, role=Role.PROVIDER, target=org)
    client.force_login(user)

    def queries() -> int:
        client.get(f"/registry/portal/organizations/{org.pk}/")
        with CaptureQueriesContext(connection) as captured:
            assert client.get(f"/registry/portal/organizations/{org.pk}/").status_code == 200
        return len(captured.captured_queries)

    before = queries()
    for i in range(5):
        ServiceCategoryFactory(code=f"arts-extra-{i}", name=f"艺术项目{i}",
                               parent=category("arts"), sort_order=90 + i)
    assert queries() == before


def test_a_category_created_between_the_search_and_its_page_is_shown(world):
    """The categories are read when the search is built; one added before the page is read
    (and already given to an offering and an approval) is read then, not a 500."""

    school = School.objects.select_related("county__parent__parent").get(pk=world["school"].pk)
    results = selectors.approved_organizations_search(school=school, keyword="弈林")
    new = ServiceCategoryFactory(code="arts-new", name="新艺术项目", parent=category("arts"),
                                 sort_order=99)
    go = world["go"]
    services.offering_create(actor=None, organization=go, category=new, title="新项目班",
                             description="", grade_min=1, grade_max=6, fee_per_session="20",
                             capacity=20, weekdays=1)
    Approval.objects.get(organization=go).categories.add(new)
    [item] = list(results)
    assert "新艺术项目" in [o.category.name for o in item.active_offerings]
    assert "新艺术项目" in [c.name for a in item.valid_approvals for c in a.category_list]


def test_categories_another_process_created_meanwhile_are_read_once(
        world, django_assert_num_queries):
    """The same when no signal reaches this process (the categories were created by
    another one): the snapshot is read again, once for all the missing categories."""
    from registry import reference
    from registry.models import ServiceCategory

    school = School.objects.select_related("county__parent__parent").get(pk=world["school"].pk)
    results = selectors.approved_organizations_search(school=school, keyword="弈林")
    ServiceCategory.objects.bulk_create([  # no signal
        ServiceCategory(code=f"arts-other-{i}", name=f"他处项目{i}", parent=category("arts"),
                        sort_order=90 + i) for i in range(2)])
    first, second = ServiceCategory.objects.filter(code__startswith="arts-other-")
    go = world["go"]
    for new in (first, second):
        services.offering_create(actor=None, organization=go, category=new, title=new.name,
                                 description="", grade_min=1, grade_max=6,
                                 fee_per_session="20", capacity=20, weekdays=1)
    Approval.objects.get(organization=go).categories.add(first)
    reference.jurisdictions(), reference.fee_references()  # as read by earlier requests
    # the ranking, the approvals with their links and offerings, the categories read
    # again (once, for the approval's and the offerings')
    with django_assert_num_queries(3):
        [item] = list(results)
    assert {"他处项目0", "他处项目1"} <= {o.category.name for o in item.active_offerings}
    assert "他处项目0" in [c.name for a in item.valid_approvals for c in a.category_list]
