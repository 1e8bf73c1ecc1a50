"""A correction round (补正) takes no replacement document that has already expired: it
could never put the case right. The provider is told so beside the file, in their
language, and nothing is stored: no document, no round used, the task still theirs."""

import datetime

from django.utils import timezone
from viewflow.workflow.status import STATUS

from documents.models import Document
from registry.models import AuditEvent
from tests.workflows.conftest import open_tasks, pdf
from tests.workflows.test_selection_flow import _apply
from workflows import selectors, task_actions

REFUSED = "过期，请上传仍在有效期内的材料。"


def _insurance_sent_back(w):
    """The clerk rejects the liability insurance (责任保险, which expires): back to the
    provider for correction."""
    case = _apply(w)
    [task] = open_tasks(case, "qualification")
    insurance = next(d for d in w.documents if d.document_type.code == "liability_insurance")
    data = {f"doc_{d.pk}": "verify" for d in w.documents}
    data[f"doc_{insurance.pk}"] = "reject"
    data[f"doc_{insurance.pk}_reason"] = "保单已过期"
    task_actions.task_perform(actor=w.clerk, task=task, data=data)
    [task] = open_tasks(case, "correction")
    return case, task


def test_an_expired_replacement_is_refused_and_nothing_is_stored(world, client):
    w = world
    case, task = _insurance_sent_back(w)
    today = timezone.localdate()
    base = f"/organizationselection/{case.pk}/correction/{task.pk}/"
    client.force_login(w.provider)
    assert task.owner == w.provider  # the flow gives the correction to the applicant
    documents, events = Document.objects.count(), AuditEvent.objects.count()
    attempts = [
        # an expiry date given, already past
        {"item0_issued_on": str(today - datetime.timedelta(days=400)),
         "item0_expires_on": str(today - datetime.timedelta(days=1))},
        # none given: the type's 12 months from an issue date two years ago are past too
        {"item0_issued_on": str(today - datetime.timedelta(days=730))},
    ]
    for dates in attempts:
        # when: the provider uploads the replacement and submits
        page = client.post(base + "execute/", {"item0_file": pdf("insurance-old.pdf"),
                                               "item0_answer": "已重新投保", **dates})
        # then: the form comes back with the refusal beside the file, and nothing is kept
        assert page.status_code == 200, dates
        errors = page.context["form"].errors
        assert any(REFUSED in message for message in errors.get("item0_file", [])), errors
        assert REFUSED in page.content.decode()
        assert Document.objects.count() == documents
        assert AuditEvent.objects.count() == events
        case.refresh_from_db()
        task.refresh_from_db()
        assert case.correction_rounds == 0
        assert (task.status, task.owner) == (STATUS.ASSIGNED, w.provider)
    # a replacement still valid is taken, and the case goes back to the clerk
    page = client.post(base + "execute/", {
        "item0_file": pdf("insurance-new.pdf"), "item0_answer": "已重新投保",
        "item0_issued_on": str(today - datetime.timedelta(days=3)),
        "item0_expires_on": str(today + datetime.timedelta(days=365))})
    assert page.status_code == 302
    case.refresh_from_db()
    assert case.correction_rounds == 1
    assert open_tasks(case, "qualification")


def test_after_sending_the_correction_the_provider_is_back_on_the_case_page(world, client):
    # viewflow's own next page is the bureau's task lists, where a provider has nothing
    w = world
    case, task = _insurance_sent_back(w)
    today = timezone.localdate()
    base = f"/organizationselection/{case.pk}/correction/{task.pk}/"
    client.force_login(w.provider)
    client.get("/organizationselection/inbox/")  # (viewflow pins the last list visited)
    sent = client.post(base + "execute/", {
        "item0_file": pdf("insurance-new.pdf"), "item0_answer": "已重新投保",
        "item0_issued_on": str(today - datetime.timedelta(days=3)),
        "item0_expires_on": str(today + datetime.timedelta(days=365))})
    assert sent.status_code == 302
    assert sent.url == selectors.case_url(case)
    assert client.get(sent.url).status_code == 200
