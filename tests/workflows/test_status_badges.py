"""The case page and the list of one's applications show statuses as coloured badges with
words (``registry/templatetags/portal.py``'s ``status_badge``, as the other pages do), never as
plain words or codes: the case's outcome, each document's verdict, each expert's seat (to the
bureau), objections."""

import pytest

from tests.workflows.conftest import open_tasks
from tests.workflows.test_selection_flow import _apply, _score_all, _verify_all

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
