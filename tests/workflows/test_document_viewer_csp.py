"""The documents beside a task's form open in the page's own viewer frame, from S3 too.

Why they did not (issue 19), seen in headless Chromium against the loopback S3 server: the
viewer frame opens ``/documents/<pk>/view/?t=…``, which on S3 answers with a redirect to a
presigned URL of the bucket's endpoint. The task page's Content-Security-Policy had no
``frame-src``, so it fell back to ``default-src 'self'`` and Chromium refused to frame the
bucket's origin ("Framing 'http://127.0.0.1:…/' violates … Content Security Policy"): an
empty viewer (chrome-error://), while "new tab" worked (a top-level navigation is not the
page's frame). Allowing the origin on the task page alone was not enough: viewflow's pages
use Turbo Drive, which swaps the next page's body into the current document, so the task
page reached from the case page or the "take this task" page kept *that* page's policy
(and asking Turbo for a full load of the task page lost its form errors and messages). So
every HTML page names exactly the bucket's origin in its ``frame-src``, and nothing wider:
no wildcard, ``object-src 'none'`` and ``frame-ancestors 'none'`` as before. Images were not
affected: their scaled, upright preview is this site's own answer, never a redirect.
"""

from urllib.parse import urlsplit

import pytest

from documents.delivery import view_address
from tests.workflows.conftest import open_tasks
from workflows.services import selection


def _directives(response) -> dict[str, list[str]]:
    policy = response["Content-Security-Policy"]
    return {name: values for name, *values in
            (part.split() for part in policy.split(";") if part.strip())}


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


def _qualification_page(w, client):
    case = selection.selection_apply(actor=w.provider, organization=w.organization,
                                     bureau=w.bureau, offerings=[w.offering])
    [task] = open_tasks(case, "qualification")
    base = f"/organizationselection/{case.pk}/qualification/{task.pk}/"
    client.force_login(w.clerk)
    client.post(base + "assign/", {"_continue": "1"})
    return client.get(base + "execute/")


@pytest.fixture
def s3_world(s3_document_storage, world):
    """The world, its organization's documents uploaded to the loopback S3 server (the
    storage is switched before the world uploads them)."""
    return world


def test_the_task_page_frames_exactly_the_buckets_origin(s3_world, s3_document_storage,
                                                          client):
    w = s3_world
    page = _qualification_page(w, client)
    assert page.status_code == 200
    policy = _directives(page)
    s3_origin = _origin(s3_document_storage["endpoint_url"])
    assert policy["frame-src"] == ["'self'", s3_origin]
    # nothing else is widened: no wildcard, no plugins, the page itself is never framed
    assert policy["default-src"] == ["'self'"] and policy["object-src"] == ["'none'"]
    assert policy["frame-ancestors"] == ["'none'"]
    assert not any("*" in v for values in policy.values() for v in values)
    html = page.content.decode()
    # the viewer's address of a PDF redirects to a presigned URL of exactly that origin,
    # which asks S3 to answer inline (the browser's own viewer, not a download)
    document = w.documents[0]
    assert document.content_type == "application/pdf"
    assert f"/documents/{document.pk}/view/?t=" in html
    answer = client.get(view_address(w.clerk, document))
    assert answer.status_code == 302
    assert _origin(answer["Location"]) in policy["frame-src"]
    assert "response-content-disposition=inline" in answer["Location"]


def test_on_local_storage_the_frame_stays_this_sites_own(world, client):
    page = _qualification_page(world, client)
    assert page.status_code == 200
    assert _directives(page)["frame-src"] == ["'self'"]


def test_every_page_a_task_page_may_be_swapped_into_allows_the_bucket(
        s3_world, s3_document_storage, client):
    """Turbo Drive keeps the first page's policy: the case page, the "take this task" page
    and any other page the task page may be reached from name the bucket too."""
    client.force_login(s3_world.provider)
    s3_origin = _origin(s3_document_storage["endpoint_url"])
    for path in ("/selection/cases/", "/"):
        page = client.get(path, follow=True)
        assert page.status_code == 200, path
        assert _directives(page)["frame-src"] == ["'self'", s3_origin], path
