"""Attacks on schools' invitations and vetting requests, and on the bureau's worklist,
through HTTP.

Rules: a school reaches only its own invitations, asks for a vetting only of a person who
accepted its invitation (and consents), only at a bureau over the school, and never learns
whether an ID number is registered; a worklist (我的待办 / 待领取任务 / 已办结, viewflow's
queues, the API's task list) shows a user only tasks they hold or may take, never another
bureau's, another panel's or another party's. Covered elsewhere, not repeated: another
school's accepted invitation and a waiting one on the school's vetting page
(tests/workflows/test_school_vetting_page.py), a school asking an outside bureau and a
withdrawn consent over the API (tests/security/test_vetting_reach.py), a matched and an
unmatched invitation side by side on the school's pages and API
(tests/security/test_school_invitation_disclosure.py), another bureau's clerk's queue and
providers' and schools' 403 (tests/workflows/test_bureau_worklist.py).
"""

import pytest
from django.test import Client
from rest_framework.test import APIClient
from viewflow.workflow.status import STATUS

from registry import services as registry_services
from registry.identifiers import make_id_number
from registry.models import SchoolInvitation
from registry.roles import Role
from tests.workflows.conftest import open_tasks, vetting_back_for_correction
from tests.workflows.test_bureau_worklist import _vetting
from tests.workflows.test_consent_pages import (  # noqa: F401 - fixtures
    person,
    school,
    school_with_user,
)
from tests.workflows.test_selection_flow import _apply, _verify_all
from workflows.models import VettingProcess

pytestmark = pytest.mark.django_db

LISTS = ("/selection/work/inbox/", "/selection/work/queue/", "/selection/work/archive/")


def _web(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _api(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def _invited(school, person, *, accept=True):  # noqa: F811
    invitation = registry_services.school_invite(actor=school.user, school=school,
                                                 id_number=person.id_number, name=person.name)
    return registry_services.invitation_answer(actor=person.user, invitation=invitation,
                                               accept=accept)


# --- school invitations ----------------------------------------------------------------

def test_a_declined_or_withdrawn_invitation_ties_no_one_to_the_school(world, school, person):  # noqa: F811
    registry_services.consent_give(actor=person.user, person=person, bureau=world.bureau)
    declined = _invited(school, person, accept=False)
    accepted_then_withdrawn = registry_services.invitation_withdraw(
        actor=person.user, invitation=_invited(school, person))
    for invitation in (declined, accepted_then_withdrawn):
        address = f"/selection/vetting/invitation/{invitation.pk}/"
        assert _web(school.user).get(address).status_code == 404, invitation.status
        assert _web(school.user).post(address, {"bureau": world.bureau.pk}).status_code == 404
    # nor over the API: refused as for a person the school never invited, as a number
    # nobody holds is (tests/security/test_privacy_probes_ids.py)
    answer = _api(school.user).post("/api/v1/vettings/", {
        "person": person.pk, "bureau": world.bureau.pk, "school": school.pk}, format="json")
    assert (answer.status_code, answer.json()) == (
        400, {"person": ["记录不存在，或您无权在此使用。"]})
    assert not VettingProcess.objects.exists()


def test_another_schools_invitation_is_neither_listed_nor_withdrawn(world, school, person):  # noqa: F811
    waiting = registry_services.school_invite(actor=school.user, school=school,
                                              id_number=person.id_number, name=person.name)
    other = school_with_user(world)
    assert _web(other.user).post(
        f"/registry/school/invitations/{waiting.pk}/withdraw/").status_code == 404
    api = _api(other.user)
    assert api.post(f"/api/v1/invitations/{waiting.pk}/withdraw/").status_code == 404
    assert api.get("/api/v1/invitations/").json()["results"] == []
    page = _web(other.user).get("/registry/school/invitations/").content.decode()
    assert person.name not in page and waiting.masked_id_number not in page
    waiting.refresh_from_db()
    assert waiting.status == SchoolInvitation.Status.PENDING


def test_a_waiting_invitation_reads_the_same_whether_or_not_it_reached_anyone(
        world, school, person):  # noqa: F811
    """The school's vetting page and the API's withdraw answer for an invitation still
    waiting: the same for an ID number someone registered as for one nobody did."""
    reached = registry_services.school_invite(actor=school.user, school=school,
                                              id_number=person.id_number, name=person.name)
    nobody = registry_services.school_invite(actor=school.user, school=school,
                                             id_number=make_id_number(4242), name=person.name)
    assert reached.person_id == person.pk and nobody.person_id is None
    pages = [_web(school.user).get(f"/selection/vetting/invitation/{i.pk}/")
             for i in (reached, nobody)]
    assert [p.status_code for p in pages] == [404, 404]
    answers = []
    for invitation in (reached, nobody):
        body = _api(school.user).post(f"/api/v1/invitations/{invitation.pk}/withdraw/").json()
        for key in ("id", "masked_id_number", "created_at", "withdrawn_at"):
            body.pop(key)
        answers.append(body)
    assert answers[0] == answers[1]
    assert answers[0]["person"] is None and answers[0]["status"] == "withdrawn"


def test_the_page_refuses_a_forged_bureau_outside_the_schools_jurisdiction(
        world, school, person):  # noqa: F811
    invitation = _invited(school, person)
    registry_services.consent_give(actor=person.user, person=person, bureau=world.other_bureau)
    address = f"/selection/vetting/invitation/{invitation.pk}/"
    form = _web(school.user).get(address).content.decode()
    assert f'value="{world.other_bureau.pk}"' not in form  # not offered
    answer = _web(school.user).post(address, {"bureau": world.other_bureau.pk})  # forged
    assert answer.status_code in (200, 400)
    assert not VettingProcess.objects.exists()


def test_a_withdrawn_consent_stops_the_schools_request_on_the_page(world, school, person):  # noqa: F811
    invitation = _invited(school, person)
    consent = registry_services.consent_give(actor=person.user, person=person,
                                             bureau=world.bureau)
    withdrawn = _web(person.user).post(f"/registry/me/consents/{consent.pk}/withdraw/")
    assert withdrawn.status_code == 302
    answer = _web(school.user).post(f"/selection/vetting/invitation/{invitation.pk}/",
                                    {"bureau": world.bureau.pk})
    assert answer.status_code in (200, 400) and "知情同意" in answer.content.decode()
    assert not VettingProcess.objects.exists()


# --- the bureau's worklist ----------------------------------------------------------------

def test_no_list_shows_another_bureaus_or_another_panels_tasks(world):
    """A selection case with its panel drawn (three experts of the world's four), a vetting
    back for correction, another waiting for its check: no list of another bureau's staff,
    of the expert left off the panel, or of one expert shows another's task."""
    case = _apply(world)
    _verify_all(world, case)
    reviews = open_tasks(case, "expert_review")
    assert len(reviews) == 3
    vetted, _task = vetting_back_for_correction(world)
    waiting, _person = _vetting(world, verify=False)  # its check waits in the clerks' queue
    outsiders = [world.other_clerk,
                 world.staff(Role.BUREAU_APPROVER, bureau=world.other_bureau),
                 world.staff(Role.BUREAU_ADMIN, bureau=world.other_bureau),
                 next(e for e in world.experts if e.pk not in {t.owner_id for t in reviews})]
    for user in outsiders:
        web = _web(user)
        for page in LISTS:
            body = web.get(page).content.decode()
            shown = [f"/selection/cases/{case.pk}/", f"/organizationselection/{case.pk}/",
                     *(f"/selection/cases/vetting/{c.pk}/" for c in (vetted, waiting)),
                     *(f"/individualvetting/{c.pk}/" for c in (vetted, waiting))]
            assert not any(address in body for address in shown), (user, page)
        assert _api(user).get("/api/v1/tasks/").json()["results"] == [], user
    # each expert on the panel: their own review task, nobody else's
    for mine in reviews:
        body = _web(mine.owner).get("/selection/work/inbox/").content.decode()
        assert f"/expert_review/{mine.pk}/" in body
        others = [t for t in reviews if t.pk != mine.pk]
        assert not any(f"/expert_review/{t.pk}/" in body for t in others), mine.owner


def test_a_named_persons_task_handed_back_is_in_nobody_elses_list(world):
    """A hole found: a flow manager handed a provider's correction back (it needs no
    permission, the flow named its person); every queue then listed it, with the person's
    name, to every bureau's staff and every organization's provider, though none of them
    may take it."""
    case, task = vetting_back_for_correction(world, name="张三丰")
    assert _web(world.root).post(
        f"/individualvetting/{case.pk}/correction/{task.pk}/unassign/").status_code == 302
    task.refresh_from_db()
    assert task.status == STATUS.NEW and task.owner_id is None
    for user in (world.other_clerk, world.clerk, world.experts[0], world.other_provider):
        web = _web(user)
        for page in ("/selection/work/queue/", "/individualvetting/queue/"):
            answer = web.get(page)
            assert answer.status_code in (200, 403), (user, page)
            assert "张三丰" not in answer.content.decode(), (user, page)
        assert task.pk not in {row["id"] for row in
                               _api(user).get("/api/v1/tasks/").json()["results"]}, user
    # the person it is for still finds it on the case's page, and takes it
    web = _web(world.provider)
    assert f"/correction/{task.pk}/" in web.get(
        f"/selection/cases/vetting/{case.pk}/").content.decode()
    assert web.post(f"/individualvetting/{case.pk}/correction/{task.pk}/assign/",
                    {"_continue": "1"}).status_code == 302
    task.refresh_from_db()
    assert (task.status, task.owner) == (STATUS.ASSIGNED, world.provider)
