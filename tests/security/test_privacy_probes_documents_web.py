"""Attacks on which documents, providers and engagements the registry holds, through the
documents pages (and the documents API) that take a number in their address.

The rule of ``test_privacy_probes_ids_web``, for the documents area: a number the user may
not see (another provider's organization or person, a document of a provider their bureau
does not reach, another school's engagement and its signed papers) answers exactly as one
nobody holds: the same status, the same page, in the reader's language. A 403 for it told
anyone trying numbers that the record exists. Each probe is made by an outsider (another
organization's provider, another city's clerk, a school's user), once with a number that
exists and once with one past the largest in use.

Refusals that tell nothing new stay as they were, with their words: a user who may read a
provider's documents but not upload them (a clerk) or review them (an approver), and a
reader whose link to a document has expired.
"""

import difflib
import re
from dataclasses import dataclass
from types import SimpleNamespace
from typing import Any

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db.models import Max
from django.test import Client
from django.utils import timezone
from rest_framework.test import APIClient

from documents.delivery import view_address
from documents.models import Document, EngagementPaper
from documents.papers import engagement_paper_upload
from registry.models import Approval, Engagement, Organization, Person
from tests.factories import EngagementFactory, SchoolFactory
from tests.samples import PDF
from tests.security.test_privacy_probes_ids import scene  # noqa: F401 - the fixture

pytestmark = pytest.mark.django_db

LANGUAGES = [None, "en"]  # None: the default, zh-hans
ATTACKERS = ["provider", "clerk", "school_user"]  # another provider's, 景德镇's, a school's


def _pdf(name="signed.pdf"):
    return SimpleUploadedFile(name, PDF, content_type="application/pdf")


def _past_the_last(model) -> int:
    """A number nobody holds, where the next ones would be."""
    return (model.objects.aggregate(last=Max("pk"))["last"] or 0) + 1000


@pytest.fixture
def papers_scene(scene):  # noqa: F811
    """The world's organization engaged by a school of its own (no attacker's), with the
    provider's signed service agreement uploaded."""
    w = scene.world
    scene.own_school = SchoolFactory()
    scene.own_engagement = EngagementFactory(  # under its approval in 南昌 (the scene's)
        term__school=scene.own_school,
        approval=Approval.objects.get(organization=w.organization,
                                      jurisdiction=w.bureau.jurisdiction))
    scene.paper = engagement_paper_upload(
        actor=w.provider, engagement=scene.own_engagement, kind="agreement", side="provider",
        file=_pdf(), filename="agreement.pdf", declared_content_type="application/pdf")
    return scene


@dataclass
class Route:
    method: str
    url: str  # ``{}``: the number
    model: Any  # what the number names
    known: Any  # the scene → the one that exists and is not the outsiders'
    data: Any = None  # the body of a POST (a function: fresh files every time)


def _token(user_pk: int, pk: int) -> str:
    """The link a task page would give ``user_pk`` for document ``pk``: the outsider's
    own, rightly signed (as if once given), so that only the permission stands between."""
    return view_address(SimpleNamespace(pk=user_pk), SimpleNamespace(pk=pk)).split("?t=")[1]


ROUTES = {
    "an organization's documents": Route(
        "get", "/documents/organization/{}/", Organization, lambda s: s.world.organization),
    "a person's documents": Route(
        "get", "/documents/person/{}/", Person, lambda s: s.world.person),
    "an upload for an organization": Route(
        "post", "/documents/organization/{}/", Organization, lambda s: s.world.organization,
        lambda: {"document_type": "safety_plan", "issued_on": "2025-01-01", "file": _pdf()}),
    "an upload for a person": Route(
        "post", "/documents/person/{}/", Person, lambda s: s.world.person,
        lambda: {"document_type": "id_card", "issued_on": "2025-01-01", "file": _pdf()}),
    "an organization's application form": Route(
        "get", "/documents/organization/{}/forms/application.pdf", Organization,
        lambda s: s.world.organization),
    "a person's commitment letter": Route(
        "get", "/documents/person/{}/forms/commitment.pdf", Person, lambda s: s.world.person),
    "a document's review page": Route(
        "get", "/documents/{}/review/", Document, lambda s: s.world.documents[0]),
    "a document's review, verified": Route(
        "post", "/documents/{}/review/", Document, lambda s: s.world.documents[0],
        lambda: {"action": "verify"}),
    "a document's review, rejected": Route(
        "post", "/documents/{}/review/", Document, lambda s: s.world.documents[0],
        lambda: {"action": "reject", "reason": "过期"}),
    "a document's download": Route(
        "get", "/documents/{}/download/", Document, lambda s: s.world.documents[0]),
    "a document read inline, no link": Route(
        "get", "/documents/{}/view/", Document, lambda s: s.world.documents[0]),
    "a document read inline, a made-up link": Route(
        "get", "/documents/{}/view/?t=1.abc:def", Document, lambda s: s.world.documents[0]),
    "a document read inline, the outsider's own link": Route(
        "get", "/documents/{}/view/?t={token}", Document, lambda s: s.world.documents[0]),
    "an engagement's signed copy uploaded": Route(
        "post", "/documents/engagements/{}/papers/", Engagement,
        lambda s: s.own_engagement,
        lambda: {"kind": "agreement", "side": "provider", "file": _pdf()}),
    "an engagement's signed copy uploaded for the school": Route(
        "post", "/documents/engagements/{}/papers/", Engagement,
        lambda s: s.own_engagement,
        lambda: {"kind": "agreement", "side": "school", "file": _pdf()}),
    "an engagement's signed copy downloaded": Route(
        "get", "/documents/engagement-papers/{}/", EngagementPaper, lambda s: s.paper),
}


def _answer(route: Route, user, pk: int, language: str | None) -> tuple[int, str]:
    client = Client()
    client.force_login(user)
    headers = {"HTTP_ACCEPT_LANGUAGE": language} if language else {}
    url = route.url.format(pk, token=_token(user.pk, pk))
    if route.method == "get":
        response = client.get(url, **headers)
    else:
        response = client.post(url, route.data(), **headers)
    text = response.content.decode(errors="replace")
    text = re.sub(r'name="csrfmiddlewaretoken" value="[^"]*"', "", text)
    return response.status_code, text


@pytest.mark.parametrize("name", list(ROUTES))
@pytest.mark.parametrize("language", LANGUAGES)
def test_a_number_not_yours_shows_what_a_number_nobody_holds_shows(papers_scene, name,
                                                                  language):
    s, route = papers_scene, ROUTES[name]
    known = route.known(s)
    counts = (Document.objects.count(), EngagementPaper.objects.count())
    for attacker in ATTACKERS:
        user = getattr(s, attacker)
        refused = _answer(route, user, known.pk, language)
        nobody = _answer(route, user, _past_the_last(route.model), language)
        assert refused == nobody, (attacker, refused[0], nobody[0], list(difflib.unified_diff(
            refused[1].splitlines(), nobody[1].splitlines(), lineterm="", n=0))[2:])
        assert refused[0] == 404, attacker
        for shown in ("name", "original_name"):
            if getattr(known, shown, ""):
                assert getattr(known, shown) not in refused[1], attacker
    assert (Document.objects.count(), EngagementPaper.objects.count()) == counts


# --- the API: the same rule (its lists and uploads answer alike already: 400, "Unknown
# organization or person.", in tests/security/test_privacy_probes_ids.py) -----------------

API_ROUTES = {
    "a document": ("get", "/api/v1/documents/{}/", Document, lambda s: s.world.documents[0],
                   None),
    "a document's download": ("get", "/api/v1/documents/{}/download/", Document,
                              lambda s: s.world.documents[0], None),
    "a document read": ("get", "/api/v1/documents/{}/view/", Document,
                        lambda s: s.world.documents[0], None),
    "a document verified": ("post", "/api/v1/documents/{}/verify/", Document,
                            lambda s: s.world.documents[0], lambda: {}),
    "a document rejected": ("post", "/api/v1/documents/{}/reject/", Document,
                            lambda s: s.world.documents[0], lambda: {"reason": "过期"}),
    "an engagement's signed copy uploaded": (
        "post", "/api/v1/engagements/{}/papers/", Engagement, lambda s: s.own_engagement,
        lambda: {"kind": "agreement", "side": "provider", "file": _pdf()}),
    "an organization's generated form": (
        "get", "/api/v1/generated-forms/organization/{}/application/", Organization,
        lambda s: s.world.organization, None),
}


def _api_answer(route, user, pk: int, language: str | None) -> tuple[int, str]:
    method, url, _model, _known, data = route
    client = APIClient()
    client.force_authenticate(user)
    headers = {"HTTP_ACCEPT_LANGUAGE": language} if language else {}
    if method == "get":
        response = client.get(url.format(pk), **headers)
    else:
        response = client.post(url.format(pk), data(), format="multipart", **headers)
    return response.status_code, response.content.decode()


@pytest.mark.parametrize("name", list(API_ROUTES))
@pytest.mark.parametrize("language", LANGUAGES)
def test_the_api_answers_a_number_not_yours_as_one_nobody_holds(papers_scene, name, language):
    s, route = papers_scene, API_ROUTES[name]
    for attacker in ATTACKERS:
        user = getattr(s, attacker)
        refused = _api_answer(route, user, route[3](s).pk, language)
        nobody = _api_answer(route, user, _past_the_last(route[2]), language)
        assert refused == nobody, attacker
        assert refused[0] == 404, (attacker, refused)
        has_chinese = any("\u4e00" <= c <= "\u9fff" for c in refused[1])
        assert has_chinese == (language is None), (attacker, refused)


# --- whom the pages serve, and the refusals that say why --------------------------------

def _client(user, language="zh-hans") -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE=language)
    client.force_login(user)
    return client


def test_the_provider_and_the_clerk_still_read_the_documents(papers_scene):
    s, w = papers_scene, papers_scene.world
    document = w.documents[0]
    provider = _client(w.provider)
    for url in (f"/documents/organization/{w.organization.pk}/",
                f"/documents/person/{w.person.pk}/",
                f"/documents/organization/{w.organization.pk}/forms/application.pdf",
                f"/documents/{document.pk}/download/"):
        assert provider.get(url).status_code == 200, url
    posted = provider.post(f"/documents/organization/{w.organization.pk}/", {
        "document_type": "safety_plan", "issued_on": "2025-01-01", "file": _pdf()})
    assert posted.status_code == 302
    clerk = _client(w.clerk)
    for url in (f"/documents/organization/{w.organization.pk}/",
                f"/documents/{document.pk}/review/", f"/documents/{document.pk}/download/"):
        assert clerk.get(url).status_code == 200, url
    assert clerk.post(f"/documents/{document.pk}/review/",
                      {"action": "verify"}).status_code == 302
    document.refresh_from_db()
    assert document.review_state == "verified"
    assert clerk.get(view_address(w.clerk, document)).status_code == 200
    # the engagement's parties: its provider uploads and reads its signed copies
    posted = provider.post(f"/documents/engagements/{s.own_engagement.pk}/papers/", {
        "kind": "safety", "side": "provider", "file": _pdf()})
    assert posted.status_code == 302
    assert EngagementPaper.objects.filter(engagement=s.own_engagement).count() == 2
    download = provider.get(f"/documents/engagement-papers/{s.paper.pk}/")
    assert download.status_code == 200
    assert b"".join(download.streaming_content) == PDF


@pytest.mark.parametrize("language, words", [
    ("zh-hans", "您无权审核该服务提供方的材料。"),
    ("en", "You may not review this provider&#x27;s documents.")])
def test_an_approver_who_reads_but_does_not_review_is_told_so(scene, language,  # noqa: F811
                                                              words):
    w = scene.world
    document = w.documents[0]
    approver = _client(w.approver, language)
    assert approver.get(f"/documents/{document.pk}/download/").status_code == 200
    for response in (approver.get(f"/documents/{document.pk}/review/"),
                     approver.post(f"/documents/{document.pk}/review/", {"action": "verify"})):
        assert response.status_code == 403
        assert words in response.content.decode()
    document.refresh_from_db()
    assert document.review_state == "pending"
    api = APIClient()
    api.force_authenticate(w.approver)
    assert api.post(f"/api/v1/documents/{document.pk}/verify/").status_code == 403


@pytest.mark.parametrize("language, words", [
    ("zh-hans", "您无权为该服务提供方上传材料。"),
    ("en", "You may not upload documents for this provider.")])
def test_a_clerk_who_reads_but_does_not_upload_is_told_so(scene, language,  # noqa: F811
                                                          words):
    w = scene.world
    clerk = _client(w.clerk, language)
    before = Document.objects.count()
    response = clerk.post(f"/documents/organization/{w.organization.pk}/", {
        "document_type": "safety_plan", "issued_on": "2025-01-01", "file": _pdf()})
    assert response.status_code == 403
    assert words in response.content.decode()
    assert Document.objects.count() == before


@pytest.mark.parametrize("language, words", [
    ("zh-hans", "该链接已过期或不属于您。"),
    ("en", "This link has expired or is not yours.")])
def test_a_reader_whose_link_expired_is_told_to_reload(scene, language, words):  # noqa: F811
    w = scene.world
    document = w.documents[0]
    link = view_address(w.clerk, document)
    clerk = _client(w.clerk, language)
    with time_machine.travel(timezone.now() + timezone.timedelta(minutes=6)):
        response = clerk.get(link)
    assert response.status_code == 403
    assert words in response.content.decode()
    # a link of another reader, in the hands of one who may read the document too
    response = _client(w.approver, language).get(link)
    assert response.status_code == 403 and words in response.content.decode()


@pytest.mark.parametrize("language, words", [
    ("zh-hans", "请选择要上传的签署件。"), ("en", "Choose the signed copy to upload.")])
def test_a_party_who_sends_no_file_is_sent_back_with_what_to_mend(papers_scene, language,
                                                                  words):
    s = papers_scene
    provider = _client(s.world.provider, language)
    before = EngagementPaper.objects.filter(engagement=s.own_engagement).count()
    posted = provider.post(f"/documents/engagements/{s.own_engagement.pk}/papers/",
                           {"kind": "safety", "side": "provider"}, follow=True)
    assert posted.redirect_chain[0] == (
        f"/registry/engagements/{s.own_engagement.pk}/#papers", 302)
    assert posted.status_code == 200 and words in posted.content.decode()
    assert EngagementPaper.objects.filter(engagement=s.own_engagement).count() == before
