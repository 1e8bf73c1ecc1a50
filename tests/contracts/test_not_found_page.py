"""The site's own not-found page (config/templates/404.html, ``config.api_errors.not_found``).

Another school's engagement, another provider's document and a number nobody holds all answer
404 with the same words (tests/contracts/test_http.py, tests/security/
test_privacy_probes_documents_web.py). Those words must reach the reader: on the site's own
page (its toolbar, its menu, the language switch), in the reader's language, with a way back,
not viewflow's bare lock screen that said only "page not found". Django's own English words
(get_object_or_404's "No Engagement matches the given query.", the resolver's) never show.
"""

import re

import pytest
from django.core.files.base import ContentFile
from django.http import Http404
from django.test import RequestFactory
from django.utils import timezone, translation

from config.api_errors import not_found
from documents.services import document_upload
from registry import services
from registry.roles import Role
from tests.contracts.conftest import engage
from tests.factories import UserFactory
from tests.registry.builders import organization, school_user
from tests.samples import PDF

pytestmark = pytest.mark.django_db

FRAME = 'class="mdc-top-app-bar__title portal-brand"'  # the site's toolbar, on every page


def _main(page: str) -> str:
    found = re.search(r'<main[^>]*id="main"[^>]*>(.*?)</main>', page, re.S)
    assert found, page
    return found.group(1)


def _other_provider():
    other_org = organization("别家体育有限公司", ("足球", "sport", "30"))
    user = UserFactory()
    services.role_grant(actor=None, user=user, role=Role.PROVIDER, target=other_org)
    return user


@pytest.mark.parametrize("language, words, back", [
    ("zh-hans", "找不到该引进项目。", "返回工作台"),
    ("en", "No such engagement.", "Back to the workspace")])
def test_another_schools_engagement_is_the_sites_own_not_found_page(contract, client,
                                                                   language, words, back):
    engagement = engage(contract)
    outsider, _ = school_user("360102")
    client.force_login(outsider)
    response = client.get(f"/registry/engagements/{engagement.pk}/",
                          HTTP_ACCEPT_LANGUAGE=language)
    assert response.status_code == 404
    page = response.content.decode()
    assert FRAME in page  # the site's toolbar, with the language switch
    main = _main(page)
    assert words in main  # what was not found, in the reader's words
    assert re.search(rf'<a [^>]*href="/"[^>]*>\s*{back}\s*</a>', main), main  # a way back
    assert "vf-page-lockscreen" not in page  # not viewflow's lock screen
    # the number typed is not echoed (a foreign and an unknown one read alike)
    assert f"/{engagement.pk}/" not in page


@pytest.mark.parametrize("language, words", [("zh-hans", "找不到该材料。"),
                                             ("en", "No such document.")])
def test_another_providers_document_is_the_sites_own_not_found_page(contract, client,
                                                                   language, words):
    document = document_upload(
        actor=contract["provider"], subject=contract["org"], document_type="safety_plan",
        file=ContentFile(PDF, name="plan.pdf"), filename="安全制度.pdf",
        issued_on=timezone.localdate())
    client.force_login(_other_provider())
    for path in (f"/documents/{document.pk}/review/", f"/documents/{document.pk}/download/"):
        response = client.get(path, HTTP_ACCEPT_LANGUAGE=language)
        assert response.status_code == 404, path
        page = response.content.decode()
        assert FRAME in page and words in _main(page), path
        assert "安全制度.pdf" not in page


def test_an_address_nobody_routes_is_the_sites_page_without_djangos_words(client):
    outsider, _ = school_user("360102")
    client.force_login(outsider)
    response = client.get("/registry/no-such-page/")
    assert response.status_code == 404
    page = response.content.decode()
    assert FRAME in page
    assert "页面不存在" in _main(page)
    assert "Resolver404" not in page and "tried" not in page


def test_djangos_english_of_get_object_or_404_is_not_shown(client):
    request = RequestFactory().get("/registry/engagements/1/")
    request.user = UserFactory()
    with translation.override("zh-hans"):
        response = not_found(request, Http404("No Engagement matches the given query."))
    page = response.content.decode()
    assert response.status_code == 404
    assert "matches the given query" not in page and "页面不存在" in _main(page)


def test_the_public_is_shown_the_way_to_the_published_lists(client):
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    main = _main(response.content.decode())
    assert "页面不存在" in main and re.search(r'<a [^>]*href="/"[^>]*>\s*返回首页\s*</a>', main)


def test_the_api_still_answers_json(client):
    response = client.get("/api/v1/no-such-endpoint/")
    assert response.status_code == 404 and response["Content-Type"] == "application/json"
    assert response.json()["detail"]
