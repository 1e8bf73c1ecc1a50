"""From its invitations page a school asks a bureau to vet a person who accepted its
invitation: the invitation stopped at 已接受, with nothing to do next on the web (only the
API's POST /api/v1/vettings/ with ``school`` could)."""

import pytest
from django.test import Client

from registry import services as registry_services
from registry.models import SchoolInvitation
from tests.workflows.test_consent_pages import person, school  # noqa: F401 - fixtures
from workflows.models import VettingProcess

pytestmark = pytest.mark.django_db


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _accepted(school, person):  # noqa: F811
    invitation = registry_services.school_invite(actor=school.user, school=school,
                                                 id_number=person.id_number, name=person.name)
    return registry_services.invitation_answer(actor=person.user, invitation=invitation,
                                               accept=True)


def test_the_school_asks_for_the_vetting_of_a_person_who_accepted(world, school, person):  # noqa: F811
    invitation = _accepted(school, person)
    page = _client(school.user).get("/registry/school/invitations/").content.decode()
    address = f"/selection/vetting/invitation/{invitation.pk}/"
    assert f'href="{address}"' in page and "申请资格审查" in page
    form = _client(school.user).get(address)
    assert form.status_code == 200 and person.name in form.content.decode()
    # without the person's own consent to the bureau's record query: refused, saying so
    refused = _client(school.user).post(address, {"bureau": world.bureau.pk})
    assert refused.status_code == 200 and "知情同意" in refused.content.decode()
    assert not VettingProcess.objects.exists()
    # the person consents in their own account; the school asks again
    registry_services.consent_give(actor=person.user, person=person, bureau=world.bureau)
    asked = _client(school.user).post(address, {"bureau": world.bureau.pk})
    case = VettingProcess.objects.get()
    assert (case.person, case.school, case.started_by) == (person, school, "school")
    assert asked.status_code == 302 and asked["Location"] == f"/selection/cases/vetting/{case.pk}/"
    assert _client(school.user).get(asked["Location"]).status_code == 200


def test_another_school_or_a_waiting_invitation_has_no_such_page(world, school, person):  # noqa: F811
    from registry.roles import Role
    from tests.factories import SchoolFactory, UserFactory

    invitation = _accepted(school, person)
    other = SchoolFactory()
    other.user = UserFactory()
    registry_services.role_grant(actor=world.root, user=other.user, role=Role.SCHOOL,
                                 target=other)
    address = f"/selection/vetting/invitation/{invitation.pk}/"
    assert _client(other.user).get(address).status_code == 404
    assert _client(other.user).post(address, {"bureau": world.bureau.pk}).status_code == 404
    SchoolInvitation.objects.filter(pk=invitation.pk).update(status="pending")
    assert _client(school.user).get(address).status_code == 404
    assert not VettingProcess.objects.exists()
