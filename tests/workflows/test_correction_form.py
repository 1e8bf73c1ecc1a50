"""The provider's correction (补正) as a provider meets it, through the web pages.

Found by trying the app as an applicant: the selection's correction opened on viewflow's
"take this task" page (领取 / 领取并办理, 办理人 未领取), whose prominent button only took the
task and dropped the provider back on the case page; and a form sent back with errors
(three files chosen without their issue dates) came back with every file box empty, without
saying so, the issue date being required with a file although its label did not say it.
"""

import datetime
import re

from django.utils import timezone
from viewflow.workflow.status import STATUS

from tests.workflows.conftest import open_tasks, pdf, vetting_back_for_correction
from tests.workflows.test_selection_flow import _apply
from workflows import selectors, task_actions

AGAIN = "此文件未保留，请重新选择。"


def _sent_back(w, codes=("liability_insurance", "safety_plan")):
    """The clerk rejects the documents of ``codes``: the case goes back for correction."""
    case = _apply(w)
    [task] = open_tasks(case, "qualification")
    data = {f"doc_{d.pk}": "verify" for d in w.documents}
    for document in w.documents:
        if document.document_type.code in codes:
            data[f"doc_{document.pk}"] = "reject"
            data[f"doc_{document.pk}_reason"] = "请重新上传"
    task_actions.task_perform(actor=w.clerk, task=task, data=data)
    [task] = open_tasks(case, "correction")
    return case, task


def _waiting_link(client, case_page) -> str:
    body = client.get(case_page).content.decode()
    box = re.search(r'aria-label="[^"]*"[^>]*>\s*<strong>[^<]*</strong>(.*?)</div>', body, re.S)
    assert box, "no “waiting for you” box on the case page"
    [href] = re.findall(r'href="([^"]+)"', box.group(1))
    return href


def test_the_providers_link_to_a_selection_correction_opens_its_form(world, client):
    # given an application sent back for correction, and the provider told so
    w = world
    case, task = _sent_back(w)
    note = w.provider.notifications.filter(subject__contains=str(case.pk)).latest("pk")
    # when the provider follows the notice to the case page, then its "waiting for you"
    client.force_login(w.provider)
    page = client.get(_waiting_link(client, note.url), follow=True)
    # then the correction's form is there, nothing to take first
    body = page.content.decode()
    assert page.status_code == 200
    assert page.request["PATH_INFO"].endswith(f"/correction/{task.pk}/execute/")
    assert 'name="item0_file"' in body and 'name="item0_issued_on"' in body
    assert "领取" not in body
    task.refresh_from_db()
    assert task.status == STATUS.ASSIGNED and task.owner == w.provider


def test_a_selection_correction_is_the_applicants_alone(world, client):
    w = world
    case, task = _sent_back(w)
    # another user of the registry neither does it nor takes it
    client.force_login(w.other_provider)
    base = f"/organizationselection/{case.pk}/correction/{task.pk}/"
    assert client.get(base + "execute/").status_code in (403, 404)
    assert client.post(base + "assign/", {"_continue": "1"}).status_code in (403, 404)
    task.refresh_from_db()
    assert task.owner == w.provider


def test_the_providers_link_to_a_vetting_correction_opens_its_form(world, client):
    w = world
    case, task = vetting_back_for_correction(w)
    client.force_login(w.provider)
    page = client.get(_waiting_link(client, selectors.case_url(case)), follow=True)
    assert page.request["PATH_INFO"].endswith(f"/correction/{task.pk}/execute/")
    assert 'name="item0_file"' in page.content.decode()


def test_the_form_says_which_files_to_choose_again_when_it_comes_back(world, client):
    # given a correction of two documents, opened by the provider
    w = world
    case, task = _sent_back(w)
    base = f"/organizationselection/{case.pk}/correction/{task.pk}/"
    client.force_login(w.provider)
    form = client.get(base + "execute/").content.decode()
    # the issue date says it is needed with a file; each item is headed by its type
    assert form.count("签发日期（上传文件时必填）") == 2
    assert re.search(r"<legend>责任保险 · [^<]+</legend>", form), form
    # when both files are sent without their issue dates
    page = client.post(base + "execute/", {"item0_file": pdf("a.pdf"), "item1_file": pdf("b.pdf"),
                                           "item0_answer": "已重新上传"})
    # then the form comes back saying, above it, that the files must be chosen again, which
    assert page.status_code == 200
    body = page.content.decode()
    alert = re.search(r'<div class="correction-alert" role="alert">(.*?)</div>', body, re.S)
    assert alert, body
    assert "已选择的文件未保留，请重新选择" in alert.group(1)
    items = page.context["form"].items
    for item in items:
        assert str(item.document_type.display_name) in alert.group(1)
    # and beside each file, with the date's own message
    errors = page.context["form"].errors
    for key in ("item0", "item1"):
        assert errors[f"{key}_file"] == [AGAIN], errors
        assert errors[f"{key}_issued_on"] == ["请填写签发日期。"], errors
    assert body.count(AGAIN) == 2
    task.refresh_from_db()
    assert task.status == STATUS.ASSIGNED  # nothing was done


def test_a_form_sent_back_without_files_says_nothing_of_files(world, client):
    w = world
    case, task = _sent_back(w)
    base = f"/organizationselection/{case.pk}/correction/{task.pk}/"
    client.force_login(w.provider)
    page = client.post(base + "execute/", {"item0_answer": "已重新上传"})
    assert page.status_code == 200
    assert page.context["form"].errors
    body = page.content.decode()
    assert AGAIN not in body and "已选择的文件未保留" not in body


def test_a_refused_file_says_why_and_to_choose_it_again_in_one_message(world, client):
    """viewflow shows a field's first error only: both are said in it."""
    w = world
    case, task = _sent_back(w, codes=("liability_insurance",))
    base = f"/organizationselection/{case.pk}/correction/{task.pk}/"
    client.force_login(w.provider)
    today = timezone.localdate()
    page = client.post(base + "execute/", {
        "item0_file": pdf("old.pdf"), "item0_answer": "已重新投保",
        "item0_issued_on": str(today - datetime.timedelta(days=400)),
        "item0_expires_on": str(today - datetime.timedelta(days=1))})
    [message] = page.context["form"].errors["item0_file"]
    assert "过期" in message and message.endswith(AGAIN), message
