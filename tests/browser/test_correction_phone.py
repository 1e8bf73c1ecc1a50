"""The provider's correction (补正) on a phone (390×844), as an applicant meets it.

Found by trying the app as an applicant: the field labels were cut short with … and hid
which document they were for ("替换材料：李国华 (3601**********…"); the selection's
correction opened on viewflow's "take this task" page; and a form sent with files but
without their issue dates came back with every file box empty, without saying so.
"""

import datetime

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from tests.browser.checks import truncated_labels
from tests.browser.conftest import login, screenshot
from tests.browser.test_journeys import _pdf, _submit_task
from tests.factories import PersonFactory
from tests.workflows.conftest import open_tasks
from tests.workflows.test_correction_form import _sent_back
from workflows import selectors
from workflows.services import vetting

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def _open_correction(page, case):
    """From the case page, the "waiting for you" link: straight to the form."""
    page.goto(selectors.case_url(case))
    page.locator("main a.mdc-button", has_text="补正").first.click()
    page.wait_for_url("**/correction/**/execute/")


def _checked(page, name):
    screenshot(page, name)  # check_page: axe, the phone's width, no leaked English
    assert not truncated_labels(page), f"{page.url}: {truncated_labels(page)}"


def _dates(page, today, *, expires):
    for key in ("item0", "item1"):
        page.locator(f"input[name={key}_issued_on]").fill(
            (today - datetime.timedelta(days=2)).isoformat())
        expiry = page.locator(f"input[name={key}_expires_on]")
        if expiry.count():
            expiry.fill(expires.isoformat())


def test_a_selection_correction_on_a_phone(new_phone_page, world):
    w = world
    case, task = _sent_back(w)  # the liability insurance and the safety plan
    page = login(new_phone_page(), w.provider)
    _open_correction(page, case)
    # each item under its document type, first in its heading, which wraps
    legends = page.locator("main fieldset.correction-item legend")
    expect(legends).to_have_count(2)
    expect(legends.filter(has_text="责任保险 · ")).to_have_count(1)
    expect(legends.filter(has_text="安全预案 · ")).to_have_count(1)
    expect(page.locator("main")).to_contain_text("签发日期（上传文件时必填）")
    _checked(page, "phone-correction-form")

    # two files chosen without their issue dates: not sent, and the files are still chosen
    page.set_input_files("input[name=item0_file]", _pdf("safety.pdf"))
    page.set_input_files("input[name=item1_file]", _pdf("insurance.pdf"))
    page.locator("main form button:not([name=_continue])").last.click()
    alert = page.locator("[data-correction-check]")
    expect(alert).to_be_visible()
    expect(alert).to_contain_text("尚未提交，已选择的文件仍保留")
    expect(page.locator("vf-field-input#id_item0_issued_on")).to_contain_text("请填写签发日期")
    expect(page.locator("vf-field-input#id_item1_issued_on")).to_contain_text("请填写签发日期")
    assert "/execute/" in page.url
    assert page.evaluate("[...document.querySelectorAll('input[type=file]')]"
                         ".map(i => i.files.length)") == [1, 1]
    _checked(page, "phone-correction-dates-missing")

    # the dates given, but the insurance already expired: the server refuses it, and the form
    # comes back saying, above it and beside each file, that the files must be chosen again
    today = timezone.localdate()
    _dates(page, today, expires=today - datetime.timedelta(days=1))
    expect(page.locator("vf-field-input#id_item0_issued_on")).not_to_contain_text("请填写")
    page.locator("main form button:not([name=_continue])").last.click()
    returned = page.locator("main .correction-alert[role=alert]:not([data-correction-check])")
    expect(returned).to_contain_text("已选择的文件未保留，请重新选择")
    expect(returned).to_contain_text("责任保险")
    expect(page.locator("vf-field-file#id_item0_file")).to_contain_text("请重新选择")
    expect(page.locator("vf-field-file#id_item1_file")).to_contain_text("过期")
    expect(page.locator("vf-field-file#id_item1_file")).to_contain_text("请重新选择")
    _checked(page, "phone-correction-returned")

    # chosen again, with a valid expiry, the correction goes
    page.set_input_files("input[name=item0_file]", _pdf("safety.pdf"))
    page.set_input_files("input[name=item1_file]", _pdf("insurance.pdf"))
    _dates(page, today, expires=today + datetime.timedelta(days=365))
    _submit_task(page)
    assert open_tasks(case, "qualification")


def test_a_vetting_correction_names_the_document_first_on_a_phone(new_phone_page, world):
    w = world
    person = PersonFactory(organization=w.organization, name="李国华")  # no documents
    case = vetting.vetting_start(actor=w.provider, person=person, bureau=w.bureau)
    page = login(new_phone_page(), w.provider)
    _open_correction(page, case)
    legend = page.locator("main fieldset.correction-item legend").first
    expect(legend).to_contain_text("李国华")
    assert not legend.inner_text().startswith("李国华")  # the document type comes first
    _checked(page, "phone-correction-vetting")
