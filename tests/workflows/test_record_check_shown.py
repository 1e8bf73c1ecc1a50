"""The approver decides seeing the record query's result (入职查询): clear or hit, with its
reference, beside the decision form and on the case page, to exactly those who may read it
(``workflows.selectors.may_read_record_check``: the case's clerk, the bureau's approvers),
each read logged; never to the person, their organization's provider or the school that
asked. Through HTTP, as the users would."""

import pytest

from documents.models import PersonalDataAccess
from registry import services as registry_services
from registry.roles import Role
from tests.factories import PersonFactory, SchoolFactory, UserFactory
from tests.security.test_vetting_reach import _invite_and_accept, _start
from tests.workflows.conftest import clerk_verifies, open_tasks, upload_all
from workflows.models import VettingProcess

pytestmark = pytest.mark.django_db

CLEAR_REF, HIT_REF = "NC-2026-CLEAR-0042", "NC-2026-HIT-0099"


@pytest.fixture
def school(world):
    school = SchoolFactory()  # under the world's bureau (南昌市)
    school.user = UserFactory()
    registry_services.role_grant(actor=world.root, user=school.user, role=Role.SCHOOL,
                                 target=school)
    return school


def _vetted(world, school, result: str, reference: str):
    """A person the school invited and asked the bureau to vet, with every document; the
    clerk verifies them and records the record query's ``result``."""
    user = UserFactory()
    person = PersonFactory(organization=world.organization, user=user, kind="volunteer")
    documents = upload_all(world.provider, person)
    _invite_and_accept(school, person)
    registry_services.consent_give(actor=user, person=person, bureau=world.bureau)
    response = _start(school.user, person, world.bureau, school)
    assert response.status_code == 201, response.content
    case = VettingProcess.objects.get(pk=response.json()["id"])
    clerk_verifies(world.clerk, case, documents, reference=reference, result=result)
    return case, person


def _page(client, user, url):
    client.force_login(user)
    return client.get(url)


def test_the_approver_reads_the_result_beside_the_decision_form(world, school, client):
    case, _person = _vetted(world, school, "clear", CLEAR_REF)
    [decision] = open_tasks(case, "decision")
    execute = f"/individualvetting/{case.pk}/decision/{decision.pk}/execute/"
    # when: the approver takes the decision and opens its form
    client.force_login(world.approver)
    assert client.post(f"/individualvetting/{case.pk}/decision/{decision.pk}/assign/"
                       ).status_code in (200, 302)
    page = client.get(execute)
    # then: the result and its reference are beside the form
    assert page.status_code == 200
    body = page.content.decode()
    assert 'name="decision"' in body
    assert "未查到记录" in body and CLEAR_REF in body
    # and the read is logged, as the API's read is
    assert PersonalDataAccess.objects.filter(
        kind="record_check", actor=world.approver, case_label=f"vetting #{case.pk}").exists()
    # the case page shows the approver the same
    body = _page(client, world.approver, f"/selection/cases/vetting/{case.pk}/"
                 ).content.decode()
    assert "未查到记录" in body and CLEAR_REF in body


def test_a_hit_is_shown_to_the_clerk_and_the_approver_only(world, school, client):
    case, person = _vetted(world, school, "hit", HIT_REF)
    url = f"/selection/cases/vetting/{case.pk}/"
    for reader in (world.clerk, world.approver):
        page = _page(client, reader, url)
        assert page.status_code == 200
        body = page.content.decode()
        assert "查有记录" in body and HIT_REF in body, reader
    # the bureau's other staff see that a query was made, not its result
    second_clerk = world.staff(Role.BUREAU_CLERK)
    for reader in (world.admin, second_clerk):
        page = _page(client, reader, url)
        assert page.status_code == 200
        body = page.content.decode()
        assert "入职查询" in body, reader
        assert "查有记录" not in body and HIT_REF not in body, reader
    # the person, their organization's provider and the school that asked: never, not
    # even in the reason of the system's rejection in the history (the person is told of
    # the hit on their own sanctions page, where they may ask for a re-check)
    for reader in (person.user, world.provider, school.user):
        page = _page(client, reader, url)
        assert page.status_code in (200, 403, 404), reader
        body = page.content.decode()
        assert HIT_REF not in body and "record-check" not in body, reader
        assert "查有记录" not in body, reader
    assert set(PersonalDataAccess.objects.filter(kind="record_check").values_list(
        "actor", flat=True)) == {world.clerk.pk, world.approver.pk}


def test_the_decision_page_shows_nobody_else_the_result(world, school, client):
    case, person = _vetted(world, school, "clear", CLEAR_REF)
    [decision] = open_tasks(case, "decision")
    base = f"/individualvetting/{case.pk}/decision/{decision.pk}/"
    for reader in (person.user, world.provider, school.user, world.admin):
        client.force_login(reader)
        for page in (client.get(base, follow=True), client.get(base + "detail/"),
                     client.get(base + "execute/")):
            body = page.content.decode()
            assert CLEAR_REF not in body and "未查到记录" not in body, reader
            assert "record-check" not in body, reader
    # nor the case page, to the applicant's side
    for reader in (person.user, world.provider, school.user):
        body = _page(client, reader, f"/selection/cases/vetting/{case.pk}/").content.decode()
        assert CLEAR_REF not in body and "未查到记录" not in body, reader
        assert "record-check" not in body, reader
    assert not PersonalDataAccess.objects.filter(kind="record_check").exists()
