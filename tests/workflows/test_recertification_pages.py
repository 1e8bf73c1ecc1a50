"""The re-certification's pages say what must be renewed: the renewal task page, the case
page (the provider's and the bureau's), the organization's page where its suspension shows,
each naming the due document type with its expiry, the date to renew it by, whether a
renewal has been uploaded, and a link to the upload form for it."""

import datetime
import html
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from documents.models import Document
from documents.services import document_upload
from tests.workflows.conftest import open_tasks, pdf
from tests.workflows.test_recertification import START, _approve, _at
from workflows.models import RecertificationProcess
from workflows.renewals_due import recertification_due, renewals_due_of
from workflows.services import sweep


@pytest.fixture
def suspended(world, settings):
    """The organization's liability insurance expired on 2026-04-15: the next night's sweep
    suspended its approval and opened a re-certification case, to renew by 2026-05-16."""
    w = world
    settings.RECERT_GRACE_DAYS = 30
    expiry = START + datetime.timedelta(days=100)
    Document.objects.filter(organization=w.organization, superseded_at__isnull=True,
                            document_type__code="liability_insurance").update(
        expires_on=expiry, issued_on=expiry - datetime.timedelta(300))
    approval = _approve(w, organization=w.organization)
    day = expiry + datetime.timedelta(days=1)
    with _at(day, 2):
        assert sweep.credential_sweep(today=day).suspended == 1
    return approval, day, RecertificationProcess.objects.get(approval=approval)


UPLOAD = "/documents/organization/{pk}/?type=liability_insurance#upload"


def _row(body: str) -> str:
    """The due list's row of the liability insurance (its text, tags dropped)."""
    match = re.search(r'<li data-due-type="liability_insurance"[^>]*>(.*?)</li>', body, re.S)
    assert match, "the due list names no liability insurance"
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html.unescape(match.group(1))))


@pytest.mark.parametrize(("language", "words"), [
    ("zh-hans", {"type": "责任保险", "expired": "已过期", "expires": "2026年4月15日",
                 "grace": "2026年5月16日", "none": "尚未上传", "upload": "上传更新的"}),
    ("en", {"type": "liability insurance", "expired": "Expired", "expires": "April 15, 2026",
            "grace": "May 16, 2026", "none": "Not uploaded yet",
            "upload": "Upload the renewed"}),
])
def test_the_renewal_task_page_lists_what_to_renew_and_links_to_its_upload_form(
        world, suspended, client, language, words):
    w = world
    # given: the insurance expired on 2026-04-15, the approval is suspended, a case opened
    _approval, day, case = suspended
    [task] = open_tasks(case, "renew")
    client.force_login(w.provider)
    # when the provider takes and opens the renewal task
    with _at(day, 10):
        client.post(f"/recertification/{case.pk}/renew/{task.pk}/assign/")
        page = client.get(f"/recertification/{case.pk}/renew/{task.pk}/execute/",
                          HTTP_ACCEPT_LANGUAGE=language)
    # then above the confirmation, the insurance: expired (in words), its expiry, the date
    # to renew it by, nothing uploaded yet, and a link to the upload form for that type
    assert page.status_code == 200
    body = page.content.decode()
    row = _row(body)
    assert words["type"] in row.lower() if language == "en" else words["type"] in row
    for key in ("expired", "expires", "grace", "none", "upload"):
        assert words[key] in row, (key, row)
    assert UPLOAD.format(pk=w.organization.pk) in body
    assert body.index('data-due-type="liability_insurance"') < body.index('name="confirm"')


def test_the_upload_link_preselects_the_due_type(world, suspended, client):
    w = world
    _approval, day, _case = suspended
    client.force_login(w.provider)
    with _at(day, 10):
        page = client.get(f"/documents/organization/{w.organization.pk}/",
                          {"type": "liability_insurance"})
    body = page.content.decode()
    assert re.search(r'<option value="liability_insurance"[^>]*selected', body)
    assert 'id="upload"' in body


def test_the_case_page_marks_the_expired_document_and_then_the_renewal(world, suspended, client):
    w = world
    approval, day, case = suspended
    url = f"/selection/cases/recertification/{case.pk}/"
    # the provider's case page: the due insurance, marked expired, linked to its upload
    client.force_login(w.provider)
    with _at(day, 10):
        body = client.get(url).content.decode()
    row = _row(body)
    assert "责任保险" in row and "已过期" in row and "尚未上传" in row
    assert UPLOAD.format(pk=w.organization.pk) in body
    # the documents table marks the lapsed version expired, not only "verified"
    documents = body[body.index('class="mdc-data-table__table case-documents"'):]
    insurance = re.search(r"<tr><td>责任保险.*?</tr>", documents, re.S).group(0)
    assert "已过期" in insurance
    # once a renewal is uploaded, the list says so (and what it awaits)
    with _at(day, 11):
        document_upload(actor=w.provider, subject=w.organization,
                        document_type="liability_insurance", file=pdf(), filename="new.pdf",
                        issued_on=day, expires_on=day + datetime.timedelta(days=300))
        row = _row(client.get(url).content.decode())
    assert "尚未上传" not in row and "已于" in row and "待审核" in row
    # the bureau's clerk reads the same list, linked to the documents page, no upload link
    client.force_login(w.clerk)
    with _at(day, 11):
        body = client.get(url).content.decode()
    assert "责任保险" in _row(body) and "上传更新的" not in _row(body)
    assert f'href="/documents/organization/{w.organization.pk}/"' in body


def test_another_provider_sees_neither_the_case_nor_its_due_list(world, suspended, client):
    w = world
    _approval, day, case = suspended
    [task] = open_tasks(case, "renew")
    client.force_login(w.other_provider)
    with _at(day, 10):
        case_page = client.get(f"/selection/cases/recertification/{case.pk}/")
        task_page = client.get(f"/recertification/{case.pk}/renew/{task.pk}/execute/")
    assert case_page.status_code == 404
    assert task_page.status_code in (403, 404)
    for response in (case_page, task_page):
        assert "liability_insurance" not in response.content.decode()


@pytest.mark.parametrize(("language", "names", "grace"), [
    ("zh-hans", "责任保险", "2026年5月16日"),
    ("en", "liability insurance", "May 16, 2026"),
])
def test_the_organizations_page_names_what_its_suspension_asks_to_renew(
        world, suspended, client, language, names, grace):
    w = world
    _approval, day, case = suspended
    client.force_login(w.provider)
    with _at(day, 10):
        body = client.get(f"/registry/portal/organizations/{w.organization.pk}/",
                          HTTP_ACCEPT_LANGUAGE=language).content.decode()
    section = body[body.index('id="suspension"'):]
    section = section[:section.index("</table>")]
    text = html.unescape(re.sub(r"<[^>]+>", " ", section))
    assert names in text.lower() if language == "en" else names in text
    assert grace in text
    assert f'href="/documents/organization/{w.organization.pk}/"' in section
    assert f'href="/selection/cases/recertification/{case.pk}/"' in section


def test_the_due_list_reads_in_the_same_queries_however_many_types_are_due(
        world, suspended):
    w = world
    approval, day, case = suspended

    def counts():
        fresh = RecertificationProcess.objects.select_related("approval").get(pk=case.pk)
        with _at(day, 10), CaptureQueriesContext(connection) as page:
            due = recertification_due(w.provider, fresh)
        with CaptureQueriesContext(connection) as portal:
            renewals_due_of([approval.pk])
        return len(due["items"]), len(page), len(portal)

    one = counts()
    # a second and a third due type (as a clerk's check adds one that lapsed meanwhile)
    more = Document.objects.filter(organization=w.organization, superseded_at__isnull=True,
                                   document_type__code__in=["fire_safety", "venue_proof"])
    case.due_types = [*case.due_types, *({"code": d.document_type.code, "name": "",
                                          "document": d.pk, "expires_on": "2026-04-15"}
                                         for d in more.select_related("document_type"))]
    case.save(update_fields=["due_types"])
    three = counts()
    assert (one[0], three[0]) == (1, 3)
    assert one[1:] == three[1:]
    assert three[2] == 2
