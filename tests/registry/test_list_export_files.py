"""A published list's exports are written once per format and language, then served from
storage: the list never changes, and building a large list's file on every download cost
seconds of a server's CPU each time."""

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import storages
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from registry import services
from registry.models import PublicationEntry
from tests.conftest import create_bucket, s3_storage_config
from tests.registry.builders import approve, bureau_admin, organization, person

pytestmark = pytest.mark.django_db

ENTRIES = PublicationEntry._meta.db_table


@pytest.fixture
def publication():
    approve(organization=organization("南昌弈林围棋培训有限公司", ("少儿围棋启蒙班", "arts", "25")),
            categories=("arts",))
    approve(person=person("王老师"), categories=("sport",))
    admin, bureau = bureau_admin("360100")
    return services.publication_publish(actor=admin, bureau=bureau)


def _download(client, url, **extra) -> tuple[bytes, list[str]]:
    """The whole body of a download, and the SQL it ran (a streamed body runs its
    queries while it is read)."""
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url, **extra)
        assert response.status_code == 200, response
        body = b"".join(response.streaming_content) if response.streaming else response.content
    return body, [query["sql"] for query in queries.captured_queries]


def _stored(publication, fmt, language="zh-hans") -> bytes | None:
    name = services.list_export_name(publication, fmt, language)
    storage = storages["default"]
    if not storage.exists(name + ".done"):
        return None
    with storage.open(name, "rb") as handle:
        return handle.read()


@pytest.mark.parametrize("fmt", ["csv", "xlsx", "json"])
def test_the_first_download_is_stored_and_the_next_is_served_from_storage(publication, fmt):
    url = f"/registry/lists/p/{publication.pk}/export.{fmt}"
    first, first_sql = _download(Client(), url)
    assert any(ENTRIES in sql for sql in first_sql)  # built from the entries
    assert _stored(publication, fmt) == first

    again, again_sql = _download(Client(), url)
    assert again == first
    assert not any(ENTRIES in sql for sql in again_sql), again_sql  # not built again
    assert len(again_sql) < len(first_sql)


def test_each_language_has_its_own_file(publication):
    url = f"/registry/lists/p/{publication.pk}/export.csv"
    chinese, _sql = _download(Client(), url, HTTP_ACCEPT_LANGUAGE="zh-hans")
    english, _sql = _download(Client(), url, HTTP_ACCEPT_LANGUAGE="en")
    assert "名称".encode() in chinese.splitlines()[0]
    assert b"Name" in english.splitlines()[0]
    assert _stored(publication, "csv", "zh-hans") == chinese
    assert _stored(publication, "csv", "en") == english
    # and each is served again in its own language
    assert _download(Client(), url, HTTP_ACCEPT_LANGUAGE="en")[0] == english


def test_a_file_without_its_marker_is_not_served(publication):
    """A file another request is still writing (its marker comes after it) is not taken:
    the download is built from the list, whole."""
    url = f"/registry/lists/p/{publication.pk}/export.csv"
    whole, _sql = _download(Client(), url)
    storage = storages["default"]
    name = services.list_export_name(publication, "csv", "zh-hans")
    storage.delete(name + ".done")
    storage.delete(name)
    storage.save(name, ContentFile(whole[:40]))  # half-written

    body, sql = _download(Client(), url)
    assert body == whole
    assert any(ENTRIES in query for query in sql)


def test_a_download_stopped_half_way_stores_nothing(publication):
    url = f"/registry/lists/p/{publication.pk}/export.csv"
    response = Client().get(url)
    next(response.streaming_content)
    # the client went away: the body is closed before its end (the test client's body,
    # closed, closes the response as a server does, keeping the test's connection open)
    response._iterator.close()
    assert _stored(publication, "csv") is None
    # the next download is whole, and stored
    body, _sql = _download(Client(), url)
    assert _stored(publication, "csv") == body


def test_exports_are_kept_in_s3_as_in_production(publication, settings, s3_server):
    import uuid

    bucket = f"exports-{uuid.uuid4().hex[:12]}"
    create_bucket(s3_server, bucket)
    settings.STORAGES = {**settings.STORAGES, "default": s3_storage_config(s3_server, bucket)}
    url = f"/registry/lists/p/{publication.pk}/export.csv"
    first, _sql = _download(Client(), url)
    assert _stored(publication, "csv") == first
    again, again_sql = _download(Client(), url)
    assert again == first
    assert not any(ENTRIES in sql for sql in again_sql)


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_a_file_kept_in_an_older_wording_is_not_served(publication, fmt):
    """The CSV's and XLSX's words changed (categories and kinds of person in the reader's
    language): a file kept before, in the place it was kept then, is not sent as this
    wording's; the signed JSON, the list as published, stays where it was."""
    storage = storages["default"]
    old = (f"lists/{publication.pk}/{publication.digest[:16]}/zh-hans/"
           f"list-{publication.jurisdiction.code}-{publication.year}-{publication.number}"
           f".{fmt}")
    storage.save(old, ContentFile(b"kept in the older wording"))
    storage.save(old + ".done", ContentFile(b""))
    body, _sql = _download(Client(), f"/registry/lists/p/{publication.pk}/export.{fmt}")
    assert body != b"kept in the older wording"
    assert _stored(publication, fmt) == body
    assert services.list_export_name(publication, "json", "zh-hans") == old[:-len(fmt)] + "json"
