"""The public objection form checks the evidence chosen against the server's limits before
sending anything (workflows/static/workflows/objection.js, the limits written into the form
from settings): over a limit it says so in the form, in the page's language, sends nothing,
and keeps what was typed. A body over the total limit would otherwise be refused unread,
with a page that cannot give the form back."""

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import screenshot
from tests.workflows.conftest import PDF
from tests.workflows.test_selection_flow import _to_notice
from workflows.models import Objection

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

KB = 1024
REASON = "该机构去年在本校多收学生费用，有收据为证。"


def _pdf(name: str, size: int) -> dict:
    return {"name": name, "mimeType": "application/pdf",
            "buffer": PDF + b"0" * (size - len(PDF))}


@pytest.fixture
def form(page, world, settings):
    """The objection form of a case in notice, opened by a visitor, with small limits: at
    most 3 files of 0.5 MB, 0.75 MB in all; every POST the page sends is kept."""
    settings.OBJECTION_MAX_FILES = 3
    settings.OBJECTION_MAX_FILE_BYTES = 512 * KB
    settings.OBJECTION_MAX_BODY_BYTES = 768 * KB
    case = _to_notice(world)
    page.sent = []
    page.on("request", lambda request: page.sent.append(request.url)
            if request.method == "POST" else None)
    page.goto(f"/selection/notices/{case.pk}/object/")
    page.fill("#id_real_name", "王小明")
    page.fill("#id_contact", "13900000000")
    page.fill("#id_reason", REASON)
    return page


def _assert_nothing_sent(page, message: str):
    error = page.locator("[data-objection-error]")
    expect(error).to_be_visible()
    expect(error).to_contain_text(message)
    expect(error).to_contain_text("尚未提交，您填写的内容仍在")
    assert page.sent == []
    assert not Objection.objects.exists()
    expect(page.locator("#id_reason")).to_have_value(REASON)
    expect(page.locator("#id_real_name")).to_have_value("王小明")


def test_files_over_the_total_are_not_sent_and_the_form_says_why(form):
    page = form
    # given: two files, each within its limit, over the total together
    page.set_input_files("#id_evidence", [_pdf("收据1.pdf", 400 * KB),
                                          _pdf("收据2.pdf", 400 * KB)])
    # when
    page.click("main button[type=submit]")
    # then
    _assert_nothing_sent(page, "异议内容过大：连同证据文件合计不得超过 0.75 MB。")
    screenshot(page, "objection-over-the-total")


def test_a_file_over_its_limit_or_a_file_too_many_is_not_sent(form):
    page = form
    page.set_input_files("#id_evidence", [_pdf("收据.pdf", 10 * KB),
                                          _pdf("照片.pdf", 600 * KB)])
    page.click("main button[type=submit]")
    _assert_nothing_sent(page, "“照片.pdf”过大：每个证据文件不得超过 0.5 MB。")
    page.set_input_files("#id_evidence", [_pdf(f"{n}.pdf", 10 * KB) for n in range(4)])
    page.click("main button[type=submit]")
    _assert_nothing_sent(page, "一份异议最多 3 个证据文件，每个不超过 0.5 MB。")


def test_within_the_limits_the_objection_is_sent(form, _private_document_storage):
    page = form
    page.set_input_files("#id_evidence", [_pdf("收据.pdf", 10 * KB)])
    page.click("main button[type=submit]")
    page.wait_for_url("**/selection/notices/")
    assert len(page.sent) == 1
    assert Objection.objects.get().reason == REASON


def test_without_the_check_the_server_page_leads_back_to_the_form_as_typed(form):
    """A browser that did not run the check (an old one, the script not loaded) sends the
    body; the server refuses it unread with its page, whose link goes back to the form with
    what was typed."""
    page = form
    page.evaluate("document.querySelector('form[data-objection-limits]')"
                  ".removeAttribute('data-objection-limits')")
    page.set_input_files("#id_evidence", [_pdf("收据1.pdf", 400 * KB),
                                          _pdf("收据2.pdf", 400 * KB)])
    with page.expect_navigation():
        page.click("main button[type=submit]")
    expect(page.locator("main h1")).to_have_text("异议未能提交")
    expect(page.locator("main")).to_contain_text("异议内容过大")
    screenshot(page, "objection-refused-by-the-server")
    page.click("main a[data-objection-back]")
    expect(page.locator("#id_reason")).to_have_value(REASON)
    expect(page.locator("#id_contact")).to_have_value("13900000000")
    assert not Objection.objects.exists()
