"""The site menu marks, on an engagement's own page, the menu's item of the engagements:
"引进项目" for the school's user, "与学校的引进项目" for the provider's (the page names its
item; the list's own address still marks it as before). Through HTTP, in zh-hans."""

import pytest

from tests.contracts.conftest import engage
from tests.registry.test_school_menu_active import _active_items

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(("who", "expected"), [
    ("user", "引进项目"),
    ("provider", "与学校的引进项目"),
])
def test_the_menu_marks_the_engagements_on_an_engagements_page(contract, client, who,
                                                               expected):
    engagement = engage(contract)
    client.force_login(contract[who])
    for path in (f"/registry/engagements/{engagement.pk}/",
                 f"/registry/engagements/{engagement.pk}/roster/"):
        response = client.get(path, HTTP_ACCEPT_LANGUAGE="zh-hans")
        assert response.status_code == 200, path
        html = response.content.decode()
        assert _active_items(html) == [expected], path
        # it looks marked too (viewflow's script, left alone, marks no item there)
        assert html.count("mdc-list-item--selected") == 1, path


def test_the_providers_list_of_engagements_is_still_marked(contract, client):
    client.force_login(contract["provider"])
    html = client.get("/registry/provider/engagements/",
                      HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert _active_items(html) == ["与学校的引进项目"]

