"""The case page and the list of one's applications show statuses as coloured badges with
words (``registry/templatetags/portal.py``'s ``status_badge``, as the other pages do), never as
plain words or codes: the case's outcome, each document's verdict, each expert's seat (to the
bureau), objections, the partner departments' opinions."""

import pytest

from registry import services as registry_services
from registry.models import PartnerDepartment, ServiceCategory
from registry.roles import Role
from tests.factories import OfferingFactory, UserFactory
from tests.workflows.conftest import open_tasks, upload_missing
from tests.workflows.test_selection_flow import _apply, _score_all, _verify_all
from workflows import task_actions
from workflows.services.selection import selection_apply

pytestmark = pytest.mark.django_db


def test_the_case_page_and_the_case_list_show_statuses_as_badges(world, client):
    w = world
    case = _apply(w)
    _verify_all(w, case)
    _score_all(w, case)
    client.force_login(w.provider)
    listing = client.get("/selection/cases/").content.decode()
    assert '<span class="portal-badge portal-badge--info">办理中</span>' in listing
    page = client.get(f"/selection/cases/{case.pk}/").content.decode()
    assert '<dd><span class="portal-badge portal-badge--info">办理中</span>' in page
    # each document's verdict too (its own colours are the documents pages' only)
    assert page.count('<span class="portal-badge portal-badge--ok doc-badge doc-badge--verified">'
                      '已核验</span>') == len(w.documents)
    client.force_login(w.clerk)
    page = client.get(f"/selection/cases/{case.pk}/").content.decode()
    assert page.count('<span class="portal-badge portal-badge--ok">已评分</span>') == 3

    # and beside the approver's decision, each seat of the panel
    [decision] = open_tasks(case, "decision")
    with decision.activation() as activation:
        activation.assign(w.approver)
    client.force_login(w.approver)
    task_page = client.get(f"/organizationselection/{case.pk}/decision/{decision.pk}/execute/")
    assert task_page.status_code == 200
    assert task_page.content.decode().count(
        '<span class="portal-badge portal-badge--ok">已评分</span>') == 3


def test_the_partner_departments_opinions_are_badges_in_their_tones(world, partners, client):
    # given a case asking three departments: 体育局 (swimming), 文化和旅游局 (arts), 科协
    w, p = world, partners
    science = PartnerDepartment.objects.create(name="南昌市科学技术协会",
                                               jurisdiction=w.bureau.jurisdiction)
    science.categories.set([ServiceCategory.objects.get(code="science")])
    science_user = UserFactory()
    registry_services.role_grant(actor=w.root, user=science_user, role=Role.DEPARTMENT,
                                 target=science)
    for code in ("arts", "science"):
        OfferingFactory(organization=w.organization, category=ServiceCategory.objects.get(
            code=code))
    w.documents += upload_missing(w.provider, w.organization)
    case = selection_apply(actor=w.provider, organization=w.organization, bureau=w.bureau,
                           offerings=list(w.organization.offerings.all()))
    _verify_all(w, case)
    _score_all(w, case)
    tasks = {t.owner_permission_obj: t for t in open_tasks(case, "partner_review")}
    assert set(tasks) == {p.sports, p.culture, science}

    # when one agrees with conditions, the others not yet
    task_actions.task_perform(actor=p.sports_user, task=tasks[p.sports], data={
        "opinion": "conditions", "reason": "许可有效", "conditions": "每班不超过16人"})
    client.force_login(w.clerk)
    page = client.get(f"/selection/cases/{case.pk}/").content.decode()
    # then the case page shows it as the shared badge, the others as waiting
    assert '<span class="portal-badge portal-badge--warn">附条件同意</span>' in page
    assert page.count('<span class="portal-badge portal-badge--info">等待部门出具意见</span>') == 2
    assert "opinion-badge" not in page and "background:#" not in page

    # and once all have answered, the approver reads each beside the decision
    task_actions.task_perform(actor=p.culture_user, task=tasks[p.culture],
                              data={"opinion": "disagree", "reason": "师资不足"})
    task_actions.task_perform(actor=science_user, task=tasks[science],
                              data={"opinion": "agree", "reason": "课程合规"})
    [decision] = open_tasks(case, "decision")
    with decision.activation() as activation:
        activation.assign(w.approver)
    client.force_login(w.approver)
    page = client.get(f"/organizationselection/{case.pk}/decision/{decision.pk}/execute/")
    body = page.content.decode()
    assert page.status_code == 200
    for badge in ('<span class="portal-badge portal-badge--ok">同意</span>',
                  '<span class="portal-badge portal-badge--warn">附条件同意</span>',
                  '<span class="portal-badge portal-badge--bad">不同意</span>'):
        assert badge in body, badge
    assert "等待部门出具意见" not in body
