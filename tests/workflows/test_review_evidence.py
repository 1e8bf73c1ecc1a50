"""Reviewers decide with the evidence in front of them; the panel stays confidential
(issue 19): the documents beside each task's form, who may read them, what the case page
shows to whom. Attacked through HTTP, as a user would."""

import re

from documents.models import DocumentDownload
from tests.workflows.conftest import open_tasks
from workflows import services

SCORES = {"qualification": 90, "course-plan": 80, "safety": 85, "price": 70, "reputation": 75}


def _apply(w):
    return services.selection_apply(actor=w.provider, organization=w.organization,
                                    bureau=w.bureau, offerings=[w.offering])


def _page(case, task, action="execute"):
    flow = case.flow_class.instance.flow_label
    return f"/{flow}/{case.pk}/{task.flow_task.name}/{task.pk}/{action}/"


def _verify_all(w, case):
    [task] = open_tasks(case, "qualification")
    assert services.task_perform(actor=w.clerk, task=task,
                                 data={f"doc_{d.pk}": "verify" for d in w.documents})


def _view_links(html: str) -> list[str]:
    return [link.replace("&amp;", "&") for link in
            re.findall(r'href="(/documents/\d+/view/\?t=[^"]+)"', html)]


def test_the_clerk_reads_every_document_beside_the_form(world, client):
    w = world
    case = _apply(w)
    [task] = open_tasks(case, "qualification")
    client.force_login(w.clerk)
    client.post(_page(case, task, "assign"), {"_continue": "1"})
    page = client.get(_page(case, task)).content.decode()
    links = _view_links(page)
    assert len(set(links)) == len(w.documents)
    assert f'href="/selection/cases/{case.pk}/"' in page
    response = client.get(links[0])
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith("inline")
    assert DocumentDownload.objects.filter(user=w.clerk, via="inline-stream").count() == 1


def test_a_view_address_is_the_readers_own_and_short_lived(world, client):
    w = world
    case = _apply(w)
    [task] = open_tasks(case, "qualification")
    client.force_login(w.clerk)
    client.post(_page(case, task, "assign"), {"_continue": "1"})
    link = _view_links(client.get(_page(case, task)).content.decode())[0]
    # another signed-in user with the clerk's link: refused
    client.force_login(w.other_provider)
    assert client.get(link).status_code == 403
    # the public: sent to sign in
    client.logout()
    assert client.get(link).status_code == 302
    # a tampered or missing token
    client.force_login(w.clerk)
    assert client.get(link.split("?")[0]).status_code == 403
    assert client.get(link[:-2] + "xx").status_code == 403
    import time_machine
    from django.utils import timezone
    with time_machine.travel(timezone.now() + timezone.timedelta(minutes=6)):
        assert client.get(link).status_code == 403


def test_experts_on_the_panel_read_the_documents_others_do_not(world, client):
    w = world
    case = _apply(w)
    document = w.documents[0]
    # before the draw no expert reads them (a bureau role of expert is not enough)
    client.force_login(w.experts[0])
    assert client.get(f"/api/v1/documents/{document.pk}/download/").status_code == 404
    _verify_all(w, case)
    tasks = open_tasks(case, "expert_review")
    drawn = {t.owner for t in tasks}
    [outsider] = [e for e in w.experts if e not in drawn] or [None]
    task = tasks[0]
    client.force_login(task.owner)
    page = client.get(_page(case, task)).content.decode()
    links = _view_links(page)
    assert len(set(links)) == len(w.documents)
    assert client.get(links[0]).status_code == 200
    assert client.get(f"/api/v1/documents/{document.pk}/view/").status_code == 200
    assert DocumentDownload.objects.filter(user=task.owner).count() == 2
    # afterwards, for the record, too
    services.task_perform(actor=task.owner, task=task,
                          data={"conflict": "no", **{f"score_{k}": v for k, v in SCORES.items()}})
    assert client.get(f"/api/v1/documents/{document.pk}/view/").status_code == 200
    # an expert not on the panel, a clerk of another bureau, another provider: nothing
    for user in [u for u in (outsider, w.other_clerk, w.other_provider) if u is not None]:
        client.force_login(user)
        assert client.get(f"/api/v1/documents/{document.pk}/view/").status_code == 404
        assert client.get(f"/documents/{document.pk}/download/").status_code == 404
        assert client.get(f"/selection/cases/{case.pk}/").status_code == 404
        assert client.get(links[0]).status_code == 403
    # the public
    client.logout()
    assert client.get(f"/api/v1/documents/{document.pk}/view/").status_code in (401, 403)
    assert client.get(f"/selection/cases/{case.pk}/").status_code == 302


def test_a_roster_persons_documents_are_not_the_panels(world, client):
    from tests.workflows.conftest import upload_all

    w = world
    upload_all(w.provider, w.person)
    case = services.selection_apply(actor=w.provider, organization=w.organization,
                                    bureau=w.bureau, offerings=[w.offering], roster=[w.person])
    del case
    from documents.selectors import documents_of
    personal = documents_of(w.person, history=False).first()
    expert = w.experts[0]
    from workflows.models import ExpertAssignment, SelectionProcess
    ExpertAssignment.objects.create(case=SelectionProcess.objects.get(), expert=expert, slot=1)
    client.force_login(expert)
    assert client.get(f"/api/v1/documents/{w.documents[0].pk}/view/").status_code == 200
    assert client.get(f"/api/v1/documents/{personal.pk}/view/").status_code == 404
