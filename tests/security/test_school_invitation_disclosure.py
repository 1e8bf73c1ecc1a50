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
from registry.validators import mask_id_number
from tests.factories import PersonFactory, SchoolFactory, UserFactory

pytestmark = pytest.mark.django_db

PAGE = "/registry/school/invitations/"
SENT = "如有姓名和身份证号相符的已注册人员，其将在本人账户中看到邀请。"
WAITING = "已发出，等待本人答复"


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
    # then: the same answer; each is listed, as typed and masked, waiting for an answer
    assert hit[1] == miss[1] == (302, f"{PAGE}?school={school_client.school.pk}", True)
    page = miss[2]
    for name, number in (("张三", registered.id_number), ("李四", unregistered)):
        assert name in page and mask_id_number(number) in page and number not in page
    assert page.count(WAITING) == 2
    # the invitation reached the person, for them to answer in their own account; the
    # other reached nobody
    assert [i.person for i in SchoolInvitation.objects.order_by("pk")] == [registered, None]


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
    for count, (name, number) in enumerate(
            (("张三", registered.id_number), ("李四", make_id_number(987))), start=1):
        sent = school_client.post("/api/v1/invitations/",
                                  {"school": school_client.school.pk, "name": name,
                                   "id_number": number}, content_type="application/json")
        assert sent.status_code == 202
        # the school's list shows each, waiting, naming nobody
        rows = _rows(school_client.get("/api/v1/invitations/"))
        assert len(rows) == count
        assert rows[0]["status_name"] == WAITING and rows[0]["person"] is None
    # the person finds theirs in their own account, and only theirs
    mine = Client()
    mine.force_login(registered.user)
    rows = _rows(mine.get("/api/v1/invitations/"))
    assert [row["person"] for row in rows] == [registered.pk]


# --- a matched and an unmatched invitation, side by side ----------------------------------

def _rows(response) -> list[dict]:
    assert response.status_code == 200
    listed = response.json()
    return listed["results"] if isinstance(listed, dict) else listed


def _twin(username: str):
    """A school user whose school is named as the other twin's: their pages may differ only
    in what each typed."""
    school = SchoolFactory(name="对照实验小学")
    user = UserFactory(username=username)
    services.role_grant(actor=None, user=user, role=Role.SCHOOL, target=school)
    client = Client()
    client.force_login(user)
    client.school, client.username = school, username
    return client


def _same(client, text: str, number: str) -> str:
    """``text`` less what is the school's own (its id, its user's name, the number it typed,
    the ids of its invitations, the CSRF token and the time)."""
    text = re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", text)
    text = re.sub(r"invitations/\d+/", "invitations/ID/", text)
    text = re.sub(r"invitation-\d+", "invitation-ID", text)
    text = re.sub(rf"(school=|school\W+value\W+){client.school.pk}\b", r"\1SCHOOL", text)
    text = re.sub(r'"(id|school)": ?\d+', r'"\1": ID', text)  # the API's
    text = re.sub(r"\d{4}-\d\d-\d\dT[\d:.]+(Z|[+-]\d\d:\d\d)?", "TIME", text)
    return (text.replace(client.username, "USER").replace(mask_id_number(number), "MASKED")
            .replace(number, "NUMBER"))


def test_a_matched_and_an_unmatched_invitation_read_the_same_to_the_school():
    """Two schools of the same name invite "张三": one by the number of a registered person
    of that name with an account, the other by a number nobody registered. Everything each
    school is shown, on the page and over the API, from sending to withdrawing, is the same
    apart from what it typed (and its own ids)."""
    person = PersonFactory(user=UserFactory(), name="张三")
    hit, miss = _twin("school_hit"), _twin("school_miss")
    numbers = {hit: person.id_number, miss: make_id_number(987)}

    def both(call):
        """``call(client)`` for each school, the answers made comparable."""
        answers = []
        for client in (hit, miss):
            response = call(client)
            body = response.content.decode()
            answers.append((response.status_code, _same(client, response.get("Location", ""),
                                                         numbers[client]),
                            _same(client, body, numbers[client])))
        return answers

    # sending, on the page; then what it shows
    sent = both(lambda c: c.post(PAGE, {"school": c.school.pk, "name": "张三",
                                        "id_number": numbers[c]}, follow=True))
    assert sent[0] == sent[1]
    assert sent[0][0] == 200 and SENT in sent[0][2]
    listed = both(lambda c: c.get(PAGE, {"school": c.school.pk}))
    assert listed[0] == listed[1]
    assert WAITING in listed[0][2] and "MASKED" in listed[0][2] and "撤回" in listed[0][2]
    # sending the same again, over the API: the same answer, and no second invitation
    again = both(lambda c: c.post("/api/v1/invitations/", {
        "school": c.school.pk, "name": " 张三 ", "id_number": numbers[c]},
        content_type="application/json"))
    assert again[0] == again[1] and again[0][0] == 202
    api = both(lambda c: c.get("/api/v1/invitations/"))
    assert api[0] == api[1]
    rows = {c: _rows(c.get("/api/v1/invitations/")) for c in (hit, miss)}
    assert [len(r) for r in rows.values()] == [1, 1]
    row = rows[hit][0]
    assert (row["invited_name"], row["person"], row["person_name"], row["status_name"]) == (
        "张三", None, None, WAITING)
    assert row["masked_id_number"] == mask_id_number(numbers[hit])
    # a school cannot answer its own invitation, whichever it is
    answered = both(lambda c: c.post(f"/api/v1/invitations/{rows[c][0]['id']}/accept/"))
    assert answered[0] == answered[1] and answered[0][0] == 404
    # withdrawing one still waiting: the same answer, and the same list afterwards
    withdrawn = both(lambda c: c.post(f"/registry/school/invitations/{rows[c][0]['id']}"
                                      "/withdraw/", follow=True))
    assert withdrawn[0] == withdrawn[1]
    assert withdrawn[0][0] == 200 and "已撤回" in withdrawn[0][2]
    api = both(lambda c: c.get("/api/v1/invitations/"))
    assert api[0] == api[1] and '"status":"withdrawn"' in api[0][2]
    # the person never saw the withdrawn one as answerable, and the other reached nobody
    mine = Client()
    mine.force_login(person.user)
    assert [r["status"] for r in _rows(mine.get("/api/v1/invitations/"))] == ["withdrawn"]
