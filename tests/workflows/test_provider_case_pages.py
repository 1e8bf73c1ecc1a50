"""The provider's own pages of its cases, as it reads them: each case says what happens next
in its state (and never more than the reader may know of a record query); the answer and
re-examination (复核) forms of a review case are laid out as the other forms; the apply
page with no offering says where to add one."""
# the review case's world, fixture ``w``, is imported from its test module
# ruff: noqa: F811

import datetime
import re

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone
from viewflow.workflow.timers import fire_due_timers

from registry import services as registry_services
from registry.roles import Role
from tests.after.beat import at
from tests.after.test_review_case import (  # noqa: F401
    D0,
    _act,
    _investigate,
    _report_incident,
    w,
)
from tests.factories import OfferingFactory, OrganizationFactory, PersonFactory, UserFactory
from tests.workflows.conftest import clerk_verifies, open_tasks, upload_all, worker_runs
from workflows import task_actions
from workflows.services import selection, vetting

pytestmark = pytest.mark.django_db
D = datetime.timedelta
SCORES = {"qualification": 90, "course-plan": 80, "safety": 85, "price": 70, "reputation": 75}


def _next_step(client, user, url) -> str | None:
    client.force_login(user)
    page = client.get(url)
    assert page.status_code == 200
    found = re.search(r'id="next-step"[^>]*>(.*?)</p>', page.content.decode(), flags=re.S)
    return found.group(1) if found else None


def _case_url(case) -> str:
    return reverse("workflows:case", args=[case.pk])


def _apply(w):
    return selection.selection_apply(actor=w.provider, organization=w.organization,
                                     bureau=w.bureau, offerings=[w.offering])


def _qualify(w, case, reject=None):
    [task] = open_tasks(case, "qualification")
    data = {f"doc_{d.pk}": "verify" for d in w.documents}
    if reject is not None:
        data.update({f"doc_{reject.pk}": "reject", f"doc_{reject.pk}_reason": "执照已过期"})
    task_actions.task_perform(actor=w.clerk, task=task, data=data)


def _to_decision(w, case):
    _qualify(w, case)
    while tasks := open_tasks(case, "expert_review"):
        task_actions.task_perform(actor=tasks[0].owner, task=tasks[0], data={
            "conflict": "no", **{f"score_{k}": v for k, v in SCORES.items()}})


def _decide(w, case, decision):
    [task] = open_tasks(case, "decision")
    task_actions.task_perform(actor=w.approver, task=task, data={
        "decision": decision, "confirm": "yes", "reason": "课程方案与收费不符合要求"})
    worker_runs()
    case.refresh_from_db()


# --- what happens next ------------------------------------------------------------------------

def test_a_submitted_application_says_the_clerk_checks_it_next(world, client):
    case = _apply(world)
    line = _next_step(client, world.provider, _case_url(case))
    assert line and "经办人审核您的材料和资质" in line
    # the bureau's staff are not told their own steps
    assert _next_step(client, world.clerk, _case_url(case)) is None


def test_an_application_sent_back_says_what_to_do_and_by_when(world, client, settings):
    settings.WORKFLOW_MAX_CORRECTION_ROUNDS = 2
    case = _apply(world)
    _qualify(world, case, reject=world.documents[0])
    assert open_tasks(case, "correction")
    line = _next_step(client, world.provider, _case_url(case))
    assert line and "需补正事项" in line and "补正截止时间" in line and "2 轮" in line


def test_an_application_in_public_notice_then_approved_says_what_follows(world, client):
    case = _apply(world)
    _to_decision(world, case)
    line = _next_step(client, world.provider, _case_url(case))
    assert line and "审批人作出决定" in line and "公示 5 个工作日" in line
    _decide(world, case, "approve")
    line = _next_step(client, world.provider, _case_url(case))
    assert line and "公示" in line and "实名" in line and "公示截止日期" in line
    end = case.notice_ends_on + D(1)
    with time_machine.travel(datetime.datetime.combine(
            end, datetime.time(0, 5), tzinfo=timezone.get_current_timezone())):
        fire_due_timers()
        line = _next_step(client, world.provider, _case_url(case))
    assert line and "已通过" in line and "公布的名单" in line


def test_a_rejected_application_names_the_reason_and_the_re_examination(world, client):
    case = _apply(world)
    _to_decision(world, case)
    _decide(world, case, "reject")
    line = _next_step(client, world.provider, _case_url(case))
    assert line and "理由见上方" in line and "复核" in line


def test_a_vetting_tells_the_person_its_steps_and_the_organization_no_record_query(
        world, client):
    person = PersonFactory(organization=world.organization, kind="retiree", user=UserFactory())
    documents = upload_all(world.provider, person)
    case = vetting.vetting_start(actor=world.provider, person=person, bureau=world.bureau)
    url = reverse("workflows:case-of", args=["vetting", case.pk])
    mine = _next_step(client, person.user, url)
    assert mine and "入职查询" in mine
    theirs = _next_step(client, world.provider, url)
    assert theirs and "教育局正在审查" in theirs and "入职查询" not in theirs
    clerk_verifies(world.clerk, case, documents)  # a clear query: on to the decision
    assert "可任教的类别" in _next_step(client, person.user, url)
    # the organization reads the same line as before: nothing says how the query went
    assert _next_step(client, world.provider, url) == theirs


def test_a_vetting_ended_on_a_record_hit_adds_nothing_to_the_re_check(world, client):
    person = PersonFactory(organization=world.organization, kind="retiree", user=UserFactory())
    documents = upload_all(world.provider, person)
    case = vetting.vetting_start(actor=world.provider, person=person, bureau=world.bureau)
    clerk_verifies(world.clerk, case, documents, result="hit")
    url = reverse("workflows:case-of", args=["vetting", case.pk])
    assert _next_step(client, world.provider, url) is None
    client.force_login(person.user)
    page = client.get(url).content.decode()
    assert 'id="record-hit-next"' in page and 'id="next-step"' not in page


# --- the review case's forms -----------------------------------------------------------------

def _field_block(html: str, form_id: str) -> str:
    return html.split(f'id="{form_id}"')[1].split("</form>")[0]


def test_the_answer_and_re_examination_forms_are_laid_out_as_the_others(client, w):
    case = _investigate(client, w, _report_incident(client, w))
    page = reverse("workflows:review-case", args=[case.pk])
    with at(D0 + D(1)):
        client.force_login(w.owner)
        form = _field_block(client.get(page).content.decode(), "respond-form")
        assert form.count('class="portal-field"') == 3 and "<p>" not in form
        assert 'for="id_text"' in form and 'for="id_evidence_files"' in form
        refused = client.post(page, {"step": "respond", "text": ""})
    assert refused.status_code == 400
    form = _field_block(refused.content.decode(), "respond-form")
    assert 'id="id_text_errors"' in form
    with at(D0 + D(1)):
        assert client.post(page, {"step": "respond", "text": "已更换看护人员"}).status_code == 302
    with at(D0 + D(3)):
        assert _act(client, w.decider, case, "decide",
                    {"decision": "suspend", "reason": "安全责任未落实"}).status_code == 200
    with at(D0 + D(4)):
        client.force_login(w.owner)
        form = _field_block(client.get(page).content.decode(), "reexamination-form")
        assert 'class="portal-field"' in form and 'for="id_statement"' in form
        refused = client.post(page, {"step": "reexamination", "statement": " "})
    assert refused.status_code == 400
    assert 'id="id_statement_errors"' in _field_block(refused.content.decode(),
                                                      "reexamination-form")


# --- the apply page ---------------------------------------------------------------------------

def test_the_apply_page_without_offerings_says_where_to_add_one(client):
    organization = OrganizationFactory(name="南昌市小白鹭美术培训中心")
    provider = UserFactory()
    registry_services.role_grant(actor=None, user=provider, role=Role.PROVIDER,
                                 target=organization)
    client.force_login(provider)
    page = client.get("/selection/apply/").content.decode()
    assert 'id="no-offerings"' in page and "您还没有服务项目" in page
    link = f'href="/registry/portal/organizations/{organization.pk}/#offerings"'
    assert link in page and "为南昌市小白鹭美术培训中心添加服务项目" in page
    # the organization's page has the place the link leads to
    assert 'id="offerings"' in client.get(
        f"/registry/portal/organizations/{organization.pk}/").content.decode()
    # once it has one, the form is there and the message is not
    OfferingFactory(organization=organization)
    page = client.get("/selection/apply/").content.decode()
    assert 'id="no-offerings"' not in page and 'name="offerings"' in page


def test_the_apply_page_of_an_account_with_no_organization_says_to_register_one(client):
    client.force_login(UserFactory())
    page = client.get("/selection/apply/").content.decode()
    assert 'id="no-offerings"' in page and "您尚未代表任何机构" in page
    assert f'href="{reverse("registry:portal-register")}"' in page
