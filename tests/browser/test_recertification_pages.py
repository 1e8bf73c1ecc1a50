"""The re-certification journey as its provider walks it, in Chinese at a desktop's (1280)
and a phone's (390) width: the case page and the renewal task page list what to renew (the
expired liability insurance, its expiry in words, the date to renew it by, nothing uploaded
yet) and link to the upload form for that type, which opens with the type chosen.
``screenshot`` checks each page (axe, the phone's width, no leaked English) and keeps a PNG
under var/screenshots/recert-*."""

import datetime

import pytest
from django.utils import timezone

from documents.models import Document
from tests.browser.conftest import login, screenshot
from tests.workflows.conftest import open_tasks
from tests.workflows.test_recertification import _approve
from workflows.models import RecertificationProcess
from workflows.services import sweep

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


@pytest.mark.parametrize("size", ["desktop", "phone"])
def test_the_provider_reads_what_to_renew_and_reaches_its_upload_form(
        size, new_page, new_phone_page, world):
    w = world
    # given: the organization's insurance expired yesterday, and the night's sweep
    # suspended its approval and opened a re-certification case
    today = timezone.localdate()
    Document.objects.filter(organization=w.organization, superseded_at__isnull=True,
                            document_type__code="liability_insurance").update(
        expires_on=today - datetime.timedelta(days=1),
        issued_on=today - datetime.timedelta(days=366))
    _approve(w, organization=w.organization)
    sweep.credential_sweep(today=today)
    case = RecertificationProcess.objects.get()
    page = login((new_page if size == "desktop" else new_phone_page)(), w.provider)
    # the organization's page: its suspension card names what to renew, and by when
    page.goto(f"/registry/portal/organizations/{w.organization.pk}/")
    card = page.inner_text("#suspension")
    assert "责任保险" in card and "须于" in card and "材料页面上传" in card
    screenshot(page, f"recert-organization-{size}")
    # the case page: the due list, marked expired in words
    page.goto(f"/selection/cases/recertification/{case.pk}/")
    row = page.locator('li[data-due-type="liability_insurance"]')
    assert "责任保险" in row.inner_text() and "已过期" in row.inner_text()
    assert "尚未上传" in row.inner_text()
    screenshot(page, f"recert-case-{size}")
    # the renewal task, taken from the case page: the same list above the confirmation
    [task] = open_tasks(case, "renew")
    task_page = f"/recertification/{case.pk}/renew/{task.pk}/"
    page.locator("main a", has_text="上传更新的证件").first.click()
    page.wait_for_url(lambda url: task_page in url)
    if "/assign/" in page.url:  # the provider takes the task first (viewflow's assign form)
        page.locator("main form button").last.click()
        page.wait_for_url(lambda url: "/assign/" not in url)
    page.goto(task_page + "execute/")
    assert "责任保险" in page.locator('li[data-due-type="liability_insurance"]').inner_text()
    screenshot(page, f"recert-renew-task-{size}")
    # its link opens the documents page at the upload form, the insurance chosen
    page.locator("a.renewals-due__upload").first.click()
    page.wait_for_url(lambda url: "/documents/organization/" in url)
    assert page.locator("#upload select[name=document_type]").input_value() == \
        "liability_insurance"
    screenshot(page, f"recert-upload-form-{size}")
