"""In the English interface, categories and areas are named in English where the registry
holds an English name (``name_en``), and in Chinese where it holds none: the school's
search (its filters and results), a provider's profile, the engagement's page and the
published list. The Chinese interface keeps the Chinese names."""

import re
from decimal import Decimal

import pytest

from registry import services
from registry.models import ServiceCategory
from tests.registry.builders import (
    approve,
    bureau_admin,
    days,
    organization,
    person,
    school_user,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def setting():
    # science has no English name here: it is shown in Chinese, whatever the language
    science = ServiceCategory.objects.get(code="science")
    science.name_en = ""
    science.save(update_fields=["name_en"])
    user, school = school_user("360102")
    ball = organization("南昌飞跃篮球有限公司", ("少儿篮球班", "sport", "40"))
    approve(organization=ball, where="360100", categories=("sport",))
    robots = organization("南昌创客教育有限公司", ("机器人编程", "science", "30"))
    approve(organization=robots, where="360100", categories=("science",))
    coach = person("张建华")
    approve(person=coach, where="360100", categories=("sport",))
    return {"user": user, "school": school, "ball": ball, "robots": robots, "coach": coach}


def _get(client, url, language) -> str:
    response = client.get(url, HTTP_ACCEPT_LANGUAGE=language)
    assert response.status_code == 200, url
    return response.content.decode()


def _row(html: str, name: str) -> str:
    start = html.index(name)
    return html[start:html.index("</tr>", start)]


def _options(html: str, field: str) -> list[str]:
    select = re.search(rf'<select name="{field}"[^>]*>(.*?)</select>', html, re.S).group(1)
    return [text.strip() for text in re.findall(r"<option[^>]*>([^<]*)</option>", select)]


def test_the_search_names_categories_and_areas_in_english(client, setting):
    client.force_login(setting["user"])
    school = setting["school"].pk
    # the filters
    html = _get(client, f"/registry/school/search/?school={school}", "en")
    assert "Sport" in _options(html, "category")
    assert "Culture and arts · Intangible cultural heritage" in _options(html, "category")
    assert "科技" in _options(html, "category")  # no English name: the Chinese one
    assert "Donghu District" in _options(html, "county")
    assert "体育" not in html and "东湖区" not in _options(html, "county")
    # the results
    html = _get(client, f"/registry/school/search/?school={school}&keyword=", "en")
    row = _row(html, "南昌飞跃篮球有限公司")
    assert "Donghu District" in row and "少儿篮球班（Sport，" in row
    assert re.search(r"<td>\s*Sport\s*</td>", row) and "Nanchang " in row
    assert "体育" not in row and "东湖区" not in row and "南昌市" not in row
    assert "机器人编程（科技，" in _row(html, "南昌创客教育有限公司")
    # the individuals' search
    html = _get(client, f"/registry/school/search/?type=people&school={school}&keyword=",
                "en")
    row = _row(html, "张建华")
    assert "Sport" in row and "体育" not in row and "Nanchang " in row


def test_the_chinese_interface_keeps_the_chinese_names(client, setting):
    client.force_login(setting["user"])
    school = setting["school"].pk
    html = _get(client, f"/registry/school/search/?school={school}&keyword=", "zh-hans")
    row = _row(html, "南昌飞跃篮球有限公司")
    assert "东湖区" in row and "少儿篮球班（体育，" in row and "南昌市 " in row
    assert "Sport" not in row and "Donghu" not in row
    assert "文化艺术 · 非遗传承" in _options(html, "category")


def test_a_providers_profile_in_english(client, setting):
    client.force_login(setting["user"])
    url = f"/registry/providers/{setting['ball'].pk}/?school={setting['school'].pk}"
    html = _get(client, url, "en")
    assert "<p>Donghu District · " in html
    assert re.search(r"<td>Nanchang</td><td>\s*Sport\s*</td>", html)
    assert "<td>少儿篮球班</td><td>Sport</td>" in html
    assert "体育" not in html and "东湖区" not in html
    html = _get(client, url, "zh-hans")
    assert "<td>少儿篮球班</td><td>体育</td>" in html and "<p>东湖区 · " in html


def test_the_engagement_page_names_the_category_and_the_approvals_area_in_english(
        client, setting):
    term = services.school_term_create(actor=setting["user"], school=setting["school"],
                                       name="2026 秋季学期", starts_on=days(-5),
                                       ends_on=days(120), project_count=10)
    engagement = services.engagement_create(
        actor=setting["user"], school=setting["school"], term=term,
        organization=setting["ball"], offering=setting["ball"].offerings.get(),
        fee_per_session=Decimal("40"), sessions=16)
    client.force_login(setting["user"])
    html = _get(client, f"/registry/engagements/{engagement.pk}/", "en")
    assert re.search(r"<th>Category</th><td>Sport</td>", html)
    assert " · Nanchang · " in html and "体育" not in html


def test_the_published_list_names_categories_in_english(client, setting):
    admin, bureau = bureau_admin("360100")
    publication = services.publication_publish(actor=admin, bureau=bureau)
    url = f"/registry/lists/p/{publication.pk}/"
    english = _row(_get(client, url, "en"), "南昌飞跃篮球有限公司")
    assert "Sport" in english and "体育" not in english
    assert "科技" in _row(_get(client, url, "en"), "南昌创客教育有限公司")
    chinese = _row(_get(client, url, "zh-hans"), "南昌飞跃篮球有限公司")
    assert "体育" in chinese and "Sport" not in chinese
    # the list itself, as published, is unchanged (its digest is signed)
    assert {c["name"] for e in publication.entries.all()
            for c in e.data["categories"]} == {"体育", "科技"}
