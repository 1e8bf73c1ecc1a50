"""The site menu marks the page the school's user is on: the search of individuals is its
own item (the same address as the search of organizations, with ``?type=people``), so it
is that item the menu marks there, and not the organizations' search."""

import re

import pytest

from tests.registry.builders import school_user

pytestmark = pytest.mark.django_db

PROVIDERS = "查找准入机构"
PEOPLE = "查找准入个人"


def _active_items(html: str) -> list[str]:
    """The labels of the menu's items marked as the current page (highlighted and
    ``aria-current``)."""
    items = re.findall(r'<a class="mdc-list-item ([^"]*)" href="[^"]*"([^>]*)>(.*?)</a>',
                       html, re.S)
    active = []
    for classes, attributes, body in items:
        marked = "mdc-list-item--activated" in classes
        assert marked == ('aria-current="page"' in attributes)  # both or neither
        if marked:
            active.append(re.search(r'mdc-list-item__content">([^<]*)<', body).group(1))
    return active


@pytest.mark.parametrize(("query", "expected"), [
    ("?type=people", PEOPLE),
    ("?type=people&school={school}&keyword=&category=&kind=&grade=", PEOPLE),
    ("?type=people&keyword=&page=1&school={school}", PEOPLE),
    ("", PROVIDERS),
    ("?school={school}&keyword=&category=sport", PROVIDERS),
])
def test_the_menu_marks_the_search_the_school_is_on(client, query, expected):
    user, school = school_user("360102")
    client.force_login(user)
    response = client.get("/registry/school/search/" + query.format(school=school.pk),
                          HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert response.status_code == 200
    assert _active_items(response.content.decode()) == [expected]


def test_the_menu_still_marks_a_page_without_a_query(client):
    user, _school = school_user("360102")
    client.force_login(user)
    html = client.get("/registry/school/engagements/",
                      HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert _active_items(html) == ["引进项目"]
