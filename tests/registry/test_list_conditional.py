"""Public list pages and exports answer conditional GETs (ETag / Last-Modified, 304) and
stay valid until the next publication."""

import pytest
from django.test import Client

from registry import services
from tests.registry.builders import approve, bureau_admin, organization

pytestmark = pytest.mark.django_db


@pytest.fixture
def published():
    approve(organization=organization("南昌弈林围棋培训有限公司", ("少儿围棋启蒙班", "arts", "25")),
            categories=("arts",))
    admin, bureau = bureau_admin("360100")
    return admin, bureau, services.publication_publish(actor=admin, bureau=bureau)


def _again(client, url, first, **extra):
    """The same GET, with the validators the first answer gave (as a browser sends them)."""
    return client.get(url, HTTP_IF_NONE_MATCH=first["ETag"], **extra)


@pytest.mark.parametrize("path", ["/registry/lists/", "/registry/lists/360100/",
                                  "/registry/lists/p/{pk}/", "/registry/lists/p/{pk}/?page=1",
                                  "/registry/lists/p/{pk}/export.csv",
                                  "/registry/lists/p/{pk}/export.json",
                                  "/registry/lists/p/{pk}/export.xlsx"])
def test_a_public_list_page_or_export_answers_304_until_the_next_publication(published, path):
    admin, bureau, publication = published
    url = path.format(pk=publication.pk)
    client = Client()
    first = client.get(url)
    assert first.status_code == 200
    assert first["ETag"] and first["Last-Modified"] and "public" in first["Cache-Control"]
    # the same page again: not built, not streamed
    again = _again(client, url, first)
    assert again.status_code == 304
    assert not again.content
    by_date = client.get(url, HTTP_IF_MODIFIED_SINCE=first["Last-Modified"])
    assert by_date.status_code == 304
    # a new publication of the jurisdiction: the index and its page change; a list already
    # published does not (it is fixed), so its own pages and exports stay valid
    services.publication_publish(actor=admin, bureau=bureau)
    after = _again(client, url, first)
    if "/p/" in url:
        assert after.status_code == 304
    else:
        assert after.status_code == 200
        assert after["ETag"] != first["ETag"]
        assert _again(client, url, after).status_code == 304


def test_another_language_or_a_signed_in_administrator_gets_its_own_page(published):
    admin, _bureau, _publication = published
    public = Client()
    first = public.get("/registry/lists/360100/")
    english = public.get("/registry/lists/360100/", HTTP_IF_NONE_MATCH=first["ETag"],
                         HTTP_ACCEPT_LANGUAGE="en")
    assert english.status_code == 200 and english["ETag"] != first["ETag"]
    administrator = Client()
    administrator.force_login(admin)
    theirs = administrator.get("/registry/lists/360100/", HTTP_IF_NONE_MATCH=first["ETag"])
    assert theirs.status_code == 200 and theirs["ETag"] != first["ETag"]


def test_an_unknown_list_is_still_a_404(published):
    assert Client().get("/registry/lists/p/999999/").status_code == 404
    assert Client().get("/registry/lists/p/999999/export.csv").status_code == 404
