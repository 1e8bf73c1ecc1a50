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
    steps = {case.organization.name: [t.flow_task.name for t in case.task_set.all()
                                      if t.status == "NEW"] for case in waiting}
    # the labour course waits for the clerk; the swimming club for the sports bureau (会审)
    assert steps == {"南昌市启航劳动教育服务中心": ["qualification"],
                     "南昌浪花游泳俱乐部有限公司": ["partner_review"]}


@pytest.mark.django_db
def test_seed_demo_sports_bureau_user_finds_the_swimming_clubs_opinion_task():
    from registry.models import PartnerDepartment
    from workflows.flows import OrganizationSelectionFlow
    from workflows.task_queue import task_queue_for

    call_command("seed_demo")
    user = get_user_model().objects.get(username="sportsdept")
    assert user.check_password("Demo@2026")
    departments = {d.name: sorted(c.code for c in d.categories.all())
                   for d in PartnerDepartment.objects.all()}
    assert departments == {"南昌市体育局": ["swimming"], "南昌市文化广电新闻出版旅游局": ["arts"],
                           "南昌市科学技术协会": ["science"]}
    [task] = task_queue_for(user, [OrganizationSelectionFlow])
    assert task.flow_task.name == "partner_review"


@pytest.mark.django_db
def test_the_public_finds_the_demo_list_published(client):
    call_command("seed_demo")
    page = client.get("/registry/lists/", HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert page.status_code == 200
    assert "尚未发布名单" not in page.content.decode()
    from registry.models import Publication

    (publication,) = Publication.objects.all()
    assert publication.entry_count >= 1
    listed = client.get(f"/registry/lists/p/{publication.pk}/", HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert "南昌市青苗体育培训中心有限公司" in listed.content.decode()


@pytest.mark.django_db
def test_seed_demo_people_available_to_schools_have_their_documents():
    """Nobody shows as available without the documents vetting asks for: the demo's approved
    people had none (their pages said 不齐全 while schools could engage them); and no
    individual is 'in public notice' (individuals have none): 李明's vetting waits for the
    clerk instead."""
    from documents.selectors import document_types_for
    from workflows.models import VettingProcess

    call_command("seed_demo")
    for approval in Approval.objects.filter(person__isnull=False).select_related("person"):
        person = approval.person
        verified = set(person.documents.filter(superseded_at__isnull=True,
                                               review_state="verified")
                       .values_list("document_type__code", flat=True))
        assert {kind.code for kind in document_types_for(person)} <= verified, person.name
    assert not Approval.objects.filter(person__isnull=False, status="pending").exists()
    student = Person.objects.get(name="李明")
    case = VettingProcess.objects.get(person=student, outcome="open")
    assert [t.flow_task.name for t in case.task_set.filter(status="NEW")] == ["verification"]
