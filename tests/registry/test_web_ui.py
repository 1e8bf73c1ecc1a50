"""What people see on the registry's pages: the product and whom the user acts
for on every page, menus with only what the user may do, search results that lead
somewhere and an empty search that says what to loosen, statuses in words, dates typed
as people write them."""

import datetime
import re

import pytest
from django.template import Context, Template

from registry.forms import EngagementForm
from registry.models import Approval
from tests.registry.test_search import world as world  # noqa: F401 - the search's fixture

pytestmark = pytest.mark.django_db


def test_every_page_names_the_product_and_whom_the_user_acts_for(world, client):
    client.force_login(world["user"])
    for path in ("/workspace/", "/registry/school/search/", "/registry/lists/"):
        body = client.get(path).content.decode()
        assert "课后服务外聘机构与人员遴选登记系统</title>" in body, path
        assert world["school"].name in body, path
        for leaked in ("No viewsets found", "Viewflow", "Django Material"):
            assert leaked not in body, (path, leaked)


def test_a_school_is_not_offered_what_only_providers_or_bureaus_do(world, client):
    client.force_login(world["user"])
    body = client.get("/workspace/").content.decode()
    assert "/registry/school/search/" in body
    for foreign in ("/registry/portal/register/", "/organizationselection/",
                    "/documents/review/"):
        assert f'href="{foreign}' not in body, foreign


def test_search_results_link_to_the_profile_and_show_status_in_words(world, client):
    client.force_login(world["user"])
    body = client.get("/registry/school/search/", {"keyword": "围棋"}).content.decode()
    # the profile is for the school searching (a user of several schools says which)
    assert f'href="/registry/providers/{world["go"].pk}/?school={world["school"].pk}"' in body
    assert 'class="portal-badge portal-badge--ok">已批准<' in body
    assert "(approved)" not in body


def test_an_empty_search_says_so_and_what_to_loosen(world, client):
    client.force_login(world["user"])
    response = client.get("/registry/school/search/",
                          {"keyword": "围棋", "category": "sport", "grade": "9"})
    body = response.content.decode()
    assert response.status_code == 200
    assert "没有符合条件的准入服务提供方。" in body
    # each criterion can be dropped: the link repeats the search without it
    assert "?keyword=%E5%9B%B4%E6%A3%8B&amp;grade=9" in body  # without the category
    assert "?keyword=%E5%9B%B4%E6%A3%8B&amp;category=sport" in body  # without the grade
    # and following one finds something again
    loosened = client.get("/registry/school/search/", {"keyword": "围棋"}).content.decode()
    assert "南昌弈林文化有限公司" in loosened


@pytest.mark.parametrize("status, tone, words", [
    (Approval.Status.APPROVED, "ok", "已批准"),
    (Approval.Status.SUSPENDED, "warn", None),
    (Approval.Status.REVOKED, "bad", None),
])
def test_a_status_is_a_coloured_badge_with_words(status, tone, words):
    approval = Approval(status=status)
    html = Template("{% load portal %}{{ a|status_badge }}").render(Context({"a": approval}))
    assert f"portal-badge--{tone}" in html
    assert str(approval.get_status_display()) in html and f">{status.value}<" not in html
    if words:
        assert words in html


@pytest.mark.parametrize("typed", ["2026-09-01", "2026年9月1日", "2026/9/1"])
def test_dates_are_accepted_as_people_write_them(typed):
    field = EngagementForm.base_fields["starts_on"]
    assert field.clean(typed) == datetime.date(2026, 9, 1)
    # the field is text with a calendar button beside it (portal.js), not a native date
    # input that refuses 2026年9月1日
    assert 'class="portal-date-input"' in field.widget.render("starts_on", None)


def test_amounts_and_dates_are_shown_as_readers_expect():
    html = Template("{% load portal %}{{ fee|yuan }} {{ day|date:'DATE_FORMAT' }}").render(
        Context({"fee": "1234", "day": datetime.date(2026, 9, 1)}))
    assert html == "¥1,234.00 2026年9月1日"


def test_a_providers_profile_costs_the_same_few_queries_however_much_it_offers(world, client):
    """A school reads a provider's profile: its approvals in force and its offerings. The
    queries do not grow with them (and the role groups are asked once, for the view and the
    menu alike)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from tests.registry.builders import approve, organization

    many = organization("南昌多彩艺术培训有限公司", *[(f"课程{n}", "arts", "20") for n in range(6)])
    approve(organization=many, where="360102", categories=("arts",))
    approve(organization=many, where="360100", categories=("arts", "sport"))
    client.force_login(world["user"])
    client.get(f"/registry/providers/{many.pk}/")  # (the process's reference data, read once)
    counts = []
    for provider in (world["go"], many):
        with CaptureQueriesContext(connection) as queries:
            response = client.get(f"/registry/providers/{provider.pk}/")
        assert response.status_code == 200
        assert provider.name in response.content.decode()
        counts.append(len(queries))
        asked_groups = [q["sql"] for q in queries.captured_queries
                        if re.match(r'SELECT .{0,40}FROM "auth_group" ', q["sql"])]
        assert len(asked_groups) == 1, asked_groups
    assert counts[0] == counts[1] <= 10, counts


@pytest.mark.parametrize("where", ["other county", "other city"])
def test_a_school_outside_a_providers_approvals_sees_none_of_them_and_no_engagement_link(
        world, client, where):
    # given an organization approved only in 西湖区 (or 九江市), not where the school is
    approval = world["hidden"][where]
    client.force_login(world["user"])
    # when the school (东湖区, 南昌市) opens its page
    response = client.get(f"/registry/providers/{approval.organization_id}/")
    body = response.content.decode()
    # then it is told that the provider may not be engaged by it, and why
    assert response.status_code == 200
    assert "该机构的准入资格均不在贵校所在的区县、市或省有效，贵校不得聘用。" in body
    # and it sees neither the other area's approval nor a way to engage the provider
    assert approval.jurisdiction.name not in body
    assert f"&amp;organization={approval.organization_id}&amp;offering=" not in body


@pytest.mark.parametrize("path", ["/registry/school/search/",
                                  "/registry/school/search/?type=people",
                                  "/registry/school/engagements/", "/registry/school/gate/",
                                  "/registry/school/incidents/"])
def test_a_user_of_several_schools_is_asked_which_one_not_refused(world, client, path):
    """The school menu's links name no school: one who acts for two schools (a school group's
    after-school lead) was answered "您代表多所学校，请选择其中一所。" (400) with nothing to
    choose from, on every page of the school workspace."""
    from registry import services
    from registry.roles import Role
    from tests.factories import SchoolFactory

    # given the school's user also acts for a second school
    other = SchoolFactory(name="南昌市东湖区百花洲小学", county=world["school"].county)
    services.role_grant(actor=None, user=world["user"], role=Role.SCHOOL, target=other)
    client.force_login(world["user"])
    # when they follow the menu's link
    response = client.get(path)
    # then the page asks which school, each a link to the same page for that school
    assert response.status_code == 200
    body = response.content.decode()
    assert "选择学校" in body
    links = dict(response.context["choices"])
    assert set(links) == {world["school"].name, other.name}
    # and following one opens the page for that school, the rest of the address kept
    chosen = client.get(links[other.name])
    assert chosen.status_code == 200
    assert chosen.context["school"] == other
    if "type=people" in path:
        assert chosen.context["people"]


def test_a_user_of_two_schools_sees_a_providers_profile_for_the_school_they_name(world,
                                                                                client):
    """A hole found: the profile was shown for the user's first school, unsaid: its
    approvals in force there and its "登记引进项目" links, for a user who meant the other.
    Two schools in different counties, a provider approved in each county."""
    from registry import services
    from registry.models import Jurisdiction
    from registry.roles import Role
    from tests.factories import SchoolFactory

    # given the school's user (东湖区) also acts for a school in 西湖区
    xihu = SchoolFactory(name="南昌市西湖区育新学校",
                         county=Jurisdiction.objects.get(code="360103"))
    services.role_grant(actor=None, user=world["user"], role=Role.SCHOOL, target=xihu)
    client.force_login(world["user"])
    approved_in_xihu = world["hidden"]["other county"]  # approved in 西湖区 only
    profile = f"/registry/providers/{approved_in_xihu.organization_id}/"
    # when they open the provider's profile naming no school: they are asked which
    asked = client.get(profile)
    assert asked.status_code == 200
    assert "选择学校" in asked.content.decode()
    assert approved_in_xihu.organization.name not in asked.content.decode()
    links = dict(asked.context["choices"])
    assert set(links) == {world["school"].name, xihu.name}
    # then for the 西湖区 school: its approval there, and a link to engage it for that school
    page = client.get(links[xihu.name])
    body = page.content.decode()
    assert page.status_code == 200 and page.context["school"] == xihu
    assert approved_in_xihu.jurisdiction.name in body
    assert (f"?school={xihu.pk}&amp;organization={approved_in_xihu.organization_id}"
            "&amp;offering=") in body
    # and for the 东湖区 school: approved elsewhere only, nothing to engage
    page = client.get(f"{profile}?school={world['school'].pk}")
    body = page.content.decode()
    assert page.context["school"] == world["school"]
    assert "该机构的准入资格均不在贵校所在的区县、市或省有效，贵校不得聘用。" in body
    assert f"&amp;organization={approved_in_xihu.organization_id}&amp;offering=" not in body
    # the reverse for a provider approved in 东湖区 only
    body = client.get(f"/registry/providers/{world['go'].pk}/?school={xihu.pk}").content.decode()
    assert "该机构的准入资格均不在贵校所在的区县、市或省有效，贵校不得聘用。" in body
    body = client.get(f"/registry/providers/{world['go'].pk}/?school={world['school'].pk}"
                      ).content.decode()
    assert f"?school={world['school'].pk}&amp;organization={world['go'].pk}&amp;offering=" in body
    # a school not theirs is refused, as on the search
    other = SchoolFactory(name="南昌市东湖区邮政路小学", county=world["school"].county)
    assert client.get(f"{profile}?school={other.pk}").status_code == 403
