"""A school's "Invite a person" page must not tell whether an ID number is registered: a
school typing names and ID numbers at random would otherwise learn who is in the registry
(personal data). A malformed ID number is the school's typing error, said next to the field;
whether it is well formed says nothing about anyone."""

import re

import pytest
from django.test import Client

from registry import services
from registry.identifiers import make_id_number
from registry.models import SchoolInvitation
from registry.roles import Role
from tests.factories import PersonFactory, SchoolFactory, UserFactory

pytestmark = pytest.mark.django_db

PAGE = "/registry/school/invitations/"
SENT = "如有姓名和身份证号相符的已注册人员，其将在本人账户中看到邀请。"


@pytest.fixture
def school_client():
    school = SchoolFactory()
    user = UserFactory()
    services.role_grant(actor=None, user=user, role=Role.SCHOOL, target=school)
    client = Client()
    client.force_login(user)
    client.school = school
    return client


def _seen(client) -> str:
    """The page as the school sees it, less what changes on every request (the CSRF token)."""
    page = client.get(PAGE, {"school": client.school.pk})
    assert page.status_code == 200
    return re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", page.content.decode())


def _probe(client, name: str, number: str):
    """The school invites (name, number); the answer, and the page it then sees."""
    before = _seen(client)
    answer = client.post(PAGE, {"school": client.school.pk, "name": name,
                                "id_number": number})
    shown = client.get(answer.url) if answer.status_code == 302 else answer
    text = shown.content.decode()
    return before, (answer.status_code, answer.get("Location"), SENT in text), _seen(client)


def test_probing_an_id_number_does_not_tell_whether_it_is_registered(school_client):
    # given: a registered person with an account, and a valid number nobody registered
    registered = PersonFactory(user=UserFactory(), name="张三")
    unregistered = make_id_number(987)
    # when: the school tries both
    hit = _probe(school_client, "张三", registered.id_number)
    miss = _probe(school_client, "李四", unregistered)
    # then: the same answer, and the page it sees afterwards has not changed either way
    assert hit[1] == miss[1] == (302, f"{PAGE}?school={school_client.school.pk}", True)
    for before, _answer, after in (hit, miss):
        assert after == before
    assert "张三" not in hit[2] and "在此之前，不会告知您" in hit[2]
    # the invitation is there all the same, for the person to answer in their own account
    assert SchoolInvitation.objects.get().person == registered


def test_once_the_person_answers_the_school_sees_it(school_client):
    person = PersonFactory(user=UserFactory(), name="王五")
    _probe(school_client, "王五", person.id_number)
    invitation = SchoolInvitation.objects.get()
    services.invitation_answer(actor=person.user, invitation=invitation, accept=True)
    page = _seen(school_client)
    assert "王五" in page and "已接受" in page


@pytest.mark.parametrize(("number", "said"), [
    ("123", "居民身份证号码应为 18 位，当前为 3 位。"),
    (make_id_number(5)[:-1] + ("0" if make_id_number(5)[-1] != "0" else "1"), "校验"),
    ("36010219600501A00X", "居民身份证号码由 17 位数字和 1 位数字或 X 组成。"),
])
def test_a_malformed_id_number_is_refused_beside_the_field(school_client, number, said):
    response = school_client.post(PAGE, {"school": school_client.school.pk, "name": "张三",
                                         "id_number": number})
    assert response.status_code == 400
    body = response.content.decode()
    errors = re.search(r'id="id_id_number_errors">(.*?)</ul>', body, re.S)
    assert errors is not None and said in errors.group(1)
    assert SENT not in body
    assert not SchoolInvitation.objects.exists()


def test_the_api_does_not_tell_either(school_client):
    registered = PersonFactory(user=UserFactory(), name="张三")
    for name, number in (("张三", registered.id_number), ("李四", make_id_number(987))):
        sent = school_client.post("/api/v1/invitations/",
                                  {"school": school_client.school.pk, "name": name,
                                   "id_number": number}, content_type="application/json")
        assert sent.status_code == 202
        # the school's list is the same after either: nothing waiting is shown
        listed = school_client.get("/api/v1/invitations/").json()
        rows = listed["results"] if isinstance(listed, dict) else listed
        assert rows == []
    # the person finds it in their own account
    mine = Client()
    mine.force_login(registered.user)
    listed = mine.get("/api/v1/invitations/").json()
    rows = listed["results"] if isinstance(listed, dict) else listed
    assert len(rows) == 1
