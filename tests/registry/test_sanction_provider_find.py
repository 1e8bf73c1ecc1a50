"""Finding the provider on a bureau's sanction and blacklisting forms (registry.provider_find).

The forms asked for the provider's number in the registry (or a code or an ID number typed
from a complaint), with no way to look it up: an administrator holding a complaint about
"晨光" had to know its number. Now each form has a search by name (or an organization's
unified social credit code) among the providers the bureau's sanctions reach, whose results
fill the form in: search, choose, the form comes back naming the provider. Nothing outside
the bureau's jurisdiction is found, and no ID number is shown.
"""

import re

import pytest

from tests.registry.builders import approve, bureau_admin, organization, person


@pytest.fixture
def providers(db):
    morning = organization("南昌晨光体育培训有限公司", ("少儿篮球", "sport", "40"))
    approve(organization=morning, where="360100", categories=("sport",))
    coach = person("张建华")
    approve(person=coach, where="360100", categories=("sport",))
    # approved only under another city's bureau: outside Nanchang's reach
    elsewhere = organization("景德镇晨光围棋培训有限公司", ("少儿围棋", "arts", "30"))
    approve(organization=elsewhere, where="360200", categories=("arts",))
    return {"morning": morning, "coach": coach, "elsewhere": elsewhere}


def _results(page: str) -> str:
    found = re.search(r'<section class="provider-find-results".*?</section>', page, re.S)
    assert found, "the page shows what the search found"
    return found.group(0)


def test_the_sanction_form_finds_the_provider_by_name_and_the_choice_fills_it(client,
                                                                              providers):
    admin, bureau = bureau_admin("360100")
    morning, elsewhere = providers["morning"], providers["elsewhere"]
    client.force_login(admin)
    url = f"/registry/bureau/{bureau.pk}/"
    page = client.get(url).content.decode()
    assert 'name="find"' in page and "查找服务提供方" in page  # the search is on the page

    results = _results(client.get(url, {"find": "晨光"}).content.decode())
    assert "与“晨光”相符的服务提供方" in results
    assert morning.name in results and f"统一社会信用代码：{morning.uscc}" in results
    assert elsewhere.name not in results  # another city's provider
    choose = f'href="?organization={morning.pk}#sanction"'
    assert choose in results

    chosen = client.get(url, {"organization": morning.pk}).content.decode()
    assert f"服务提供方：{morning.name}（编号 {morning.pk}）" in chosen
    assert re.search(rf'name="organization"[^>]*value="{morning.pk}"', chosen)


def test_a_person_is_found_by_name_without_an_id_number(client, providers):
    admin, bureau = bureau_admin("360100")
    coach = providers["coach"]
    client.force_login(admin)
    page = client.get(f"/registry/bureau/{bureau.pk}/", {"find": "建华"}).content.decode()
    results = _results(page)
    assert coach.name in results and f'href="?person={coach.pk}#sanction"' in results
    assert coach.id_number not in page and coach.masked_id not in results


def test_an_organization_is_found_by_its_code_and_nothing_else_reads_as_nothing(
        client, providers):
    admin, bureau = bureau_admin("360100")
    morning, elsewhere = providers["morning"], providers["elsewhere"]
    client.force_login(admin)
    url = f"/registry/bureau/{bureau.pk}/"
    by_code = _results(client.get(url, {"find": morning.uscc.lower()}).content.decode())
    assert morning.name in by_code
    # a code outside the reach finds nothing, as a code nobody holds does
    outside = _results(client.get(url, {"find": elsewhere.uscc}).content.decode())
    assert elsewhere.name not in outside
    assert "本辖区内没有持有准入且与之相符的服务提供方" in outside


def test_a_district_bureau_finds_only_its_district(client, providers):
    admin, bureau = bureau_admin("360102")  # 东湖区: the city's approvals are above it
    client.force_login(admin)
    results = _results(client.get(f"/registry/bureau/{bureau.pk}/",
                                  {"find": "晨光"}).content.decode())
    assert providers["morning"].name not in results


def test_another_bureaus_page_is_not_searched(client, providers):
    admin, _ = bureau_admin("360200")
    _, nanchang = bureau_admin("360100")
    client.force_login(admin)
    response = client.get(f"/registry/bureau/{nanchang.pk}/", {"find": "晨光"})
    assert response.status_code in (403, 404)
    assert providers["morning"].name not in response.content.decode()


def test_the_blacklisting_form_finds_and_fills_the_provider_too(client, providers):
    admin, bureau = bureau_admin("360100")
    morning = providers["morning"]
    client.force_login(admin)
    url = f"/registry/bureau/{bureau.pk}/blacklist-proposals/new/"
    results = _results(client.get(url, {"find": "晨光"}).content.decode())
    assert f'href="?organization={morning.pk}"' in results
    chosen = client.get(url, {"organization": morning.pk}).content.decode()
    assert f"服务提供方：{morning.name}" in chosen
    assert re.search(rf'name="organization"[^>]*value="{morning.pk}"', chosen)


def test_the_search_asks_two_questions_and_stops_at_its_limit(providers,
                                                             django_assert_max_num_queries):
    from registry.selectors.sanctions import providers_in_reach_find

    _, bureau = bureau_admin("360100")
    for n in range(3):
        approve(organization=organization(f"南昌晨光分校{n}培训有限公司"), where="360100")
    with django_assert_max_num_queries(2):
        found = providers_in_reach_find(bureau, "晨光", limit=2)
    assert len(found["organizations"]) == 2 and found["more"]
    assert providers_in_reach_find(bureau, "  ") == {"organizations": [], "people": [],
                                                       "more": False}
