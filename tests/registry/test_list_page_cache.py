"""A published list's page body is built once per page and language, then served from the
cache (registry.conditional.list_page_body): the list is fixed once published."""

import re

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from registry import services
from registry.models import PublicationEntry
from tests.registry.builders import approve, bureau_admin, organization

pytestmark = pytest.mark.django_db


@pytest.fixture
def published():
    """A list of 150 entries (two pages of 100): one approved organization, and 149 more
    entries written beside it, as a long list would hold them."""
    approve(organization=organization("南昌弈林围棋培训有限公司", ("少儿围棋启蒙班", "arts", "25")),
            categories=("arts",))
    admin, bureau = bureau_admin("360100")
    publication = services.publication_publish(actor=admin, bureau=bureau)
    PublicationEntry.objects.bulk_create(
        PublicationEntry(publication=publication, position=n, kind="organization",
                         key=f"org-{n}", name=f"第{n}号机构", data={}, digest=f"{n:064d}")
        for n in range(2, 151))
    return admin, publication


def _without_token(page: bytes) -> str:
    """The page without its CSRF token (each reader has their own)."""
    return re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", page.decode())


def _body(response) -> str:
    """The list's part of the page (the frame around it links back to the page's address)."""
    page = response.content.decode()
    return page[page.index('<div class="portal-sheet">'):page.index("</main>")]


def _get(client, url, **headers):
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url, **headers)
    return response, len(queries)


def test_the_second_reader_of_a_page_gets_the_same_page_without_reading_the_entries(published):
    _admin, publication = published
    url = f"/registry/lists/p/{publication.pk}/"
    first, first_queries = _get(Client(), url)
    again, queries = _get(Client(), url)  # another reader, with no validators to send
    assert first.status_code == again.status_code == 200
    assert _without_token(again.content) == _without_token(first.content)
    page = again.content.decode()
    assert "南昌弈林围棋培训有限公司" in page and "第100号机构" in page
    # the list row and the probe of its jurisdiction's last change (what lapsed since
    # publication, registry.selectors.publication_lapsed): neither the entries nor their
    # count are read again
    assert queries == 2 < first_queries


def test_each_page_and_each_language_has_its_own_body(published):
    _admin, publication = published
    url = f"/registry/lists/p/{publication.pk}/"
    client = Client()
    one = _body(client.get(url))
    two = _body(client.get(url + "?page=2"))
    assert "第100号机构" in one and "第101号机构" not in one
    assert "第101号机构" in two and "第150号机构" in two and "第100号机构" not in two
    assert "第 2 页，共 2 页" in two
    # page 1 read as "01" is page 1
    assert _body(client.get(url + "?page=01")) == one
    english = _body(client.get(url, HTTP_ACCEPT_LANGUAGE="en"))
    assert "Entries" in english and "Page 1 of 2" in english and "条目" not in english
    assert "条目" in _body(client.get(url))


@pytest.mark.parametrize("page", ["3", "0", "x", "1" * 12, "²"])
def test_a_page_that_does_not_exist_stays_a_400(published, page):
    _admin, publication = published
    url = f"/registry/lists/p/{publication.pk}/?page={page}"
    client = Client()
    client.get(f"/registry/lists/p/{publication.pk}/")  # page 1 kept
    for _ in range(2):
        response = client.get(url)
        assert response.status_code == 400
        assert "第101号机构" not in response.content.decode()


def test_only_the_body_is_shared_a_signed_in_reader_keeps_their_own_frame(published):
    admin, publication = published
    url = f"/registry/lists/p/{publication.pk}/"
    public = Client()
    public.get(url)  # the body is kept by an anonymous reader
    signed_in = Client()
    signed_in.force_login(admin)
    theirs = signed_in.get(url).content.decode()
    assert admin.username in theirs and "第100号机构" in theirs
    # each reader's page carries its own CSRF token (the language form), not the first's
    assert signed_in.cookies["csrftoken"].value != public.cookies["csrftoken"].value
