"""An applicant who withdraws their own application is named in the audit trail as the one
who ended it (who did what is what the trail is for), not the system."""

import re

from django.urls import reverse

from registry import services as registry_services
from registry.models import AuditEvent
from registry.roles import Role
from tests.factories import UserFactory
from tests.workflows.test_selection_flow import _to_notice
from workflows.models import CaseOutcome


def test_the_withdrawal_is_recorded_as_the_applicants(world, client):
    w = world
    case = _to_notice(w)  # approved by the approver, in public notice
    # when: the applicant withdraws on the case page
    client.force_login(w.provider)
    page = client.post(reverse("workflows:withdraw", args=[case.pk]), {"confirm": "yes"},
                       follow=True)
    # then: the case is withdrawn, and the trail names the applicant as who did it
    assert "申请已撤回。" in page.content.decode()
    case.refresh_from_db()
    assert case.outcome == CaseOutcome.WITHDRAWN
    [event] = AuditEvent.objects.for_object(case).filter(action="case.withdrawn")
    assert event.actor == w.provider
    assert (event.from_state, event.to_state) == ("open", "withdrawn")
    assert event.reason == "申请人已撤回。"
    # the applicant's colleague reads on the case page who withdrew it, not the bureau
    colleague = UserFactory()
    registry_services.role_grant(actor=w.root, user=colleague, role=Role.PROVIDER,
                                 target=w.organization)
    client.force_login(colleague)
    page = client.get(f"/selection/cases/{case.pk}/").content.decode()
    [row] = [r for r in re.findall(r"<tr>.*?</tr>", page, re.S) if "已撤回" in r]
    # as the applicant's organization: not the colleague's login name, nor the bureau
    assert w.organization.name in row and w.bureau.name not in row, row
    assert event.actor_repr not in row, row
