"""An annual review's open task and its page, as the bureau's administrator reads it."""

from viewflow.workflow.models import Task
from viewflow.workflow.status import STATUS

from workflows.models import AnnualReviewProcess


def review_task(approval, period_end):
    """The open human task of ``approval``'s annual review whose period ends ``period_end``."""
    case = AnnualReviewProcess.objects.get(approval=approval, period_end=period_end)
    return Task.objects.get(process_id=case.pk, status=STATUS.NEW, flow_task_type="HUMAN")


def review_page(client, admin, task) -> str:
    """The annual review's task page, as the bureau administrator reads it (taken, read,
    given back)."""
    base = f"/annualreview/{task.process_id}/review/{task.pk}"
    client.force_login(admin)
    assert client.post(f"{base}/assign/").status_code in (200, 302)
    page = client.get(f"{base}/execute/")
    assert page.status_code == 200, page.status_code
    client.post(f"{base}/unassign/")
    return page.content.decode()
