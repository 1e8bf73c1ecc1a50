import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command

from registry.models import Approval, AuditEvent, Organization, Person, School
from registry.roles import Role


def _counts():
    return (get_user_model().objects.count(), Organization.objects.count(),
            Person.objects.count(), School.objects.count(), Approval.objects.count(),
            AuditEvent.objects.count())


@pytest.mark.django_db
def test_seed_demo_is_idempotent_and_prints_every_login(capsys):
    call_command("seed_demo")
    first = _counts()
    out = capsys.readouterr().out
    call_command("seed_demo")
    assert _counts() == first
    for username in ["admin", "clerk", "expert1", "approver", "bureauadmin", "school", "provider"]:
        assert username in out


@pytest.mark.django_db
def test_seed_demo_has_one_user_per_role_and_providers_in_different_states():
    call_command("seed_demo")
    users = get_user_model().objects
    for role in Role.values:
        assert users.filter(groups__name=role).exists(), role
    statuses = set(Approval.objects.values_list("status", flat=True))
    assert {"approved", "pending", "suspended", "expired"} <= statuses
    assert users.get(username="clerk").check_password("Demo@2026")


@pytest.mark.django_db
def test_seed_demo_has_a_case_in_the_clerks_queue_and_one_in_public_notice():
    from workflows.models import SelectionProcess
    from workflows.selectors import notices_open

    call_command("seed_demo")
    assert notices_open().count() == 1
    waiting = SelectionProcess.objects.filter(outcome="open", approval__isnull=True)
    assert waiting.count() == 1
    [task] = [t for t in waiting.get().task_set.all() if t.status == "NEW"]
    assert task.flow_task.name == "qualification"
