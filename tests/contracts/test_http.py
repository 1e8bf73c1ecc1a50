"""The contract through HTTP: the API and the pages, as each party and as an attacker
(another school, another provider, the public)."""

import io
import re

import openpyxl
import pytest
from cryptography.hazmat.primitives.serialization import load_pem_public_key
from django.core.files.uploadedfile import SimpleUploadedFile

from registry import papers, services
from registry.identifiers import make_id_number
from registry.models import Engagement, Lesson, RosterMember
from registry.roles import Role
from tests.contracts.conftest import days, engage
from tests.factories import UserFactory
from tests.registry.builders import bureau_admin, organization, person, school_user


def _pdf(name="signed.pdf"):
    writer = papers._Writer("signed")
    writer.line("已签字")
    return SimpleUploadedFile(name, writer.bytes(), content_type="application/pdf")


def _answer(response) -> tuple[int, str]:
    """The status and the page, without its CSRF token (the site's not-found page has the
    language switch and sign-out forms: a fresh token each time, no news to anyone)."""
    return response.status_code, re.sub(r'name="csrfmiddlewaretoken" value="[^"]*"', "",
                                        response.content.decode())


def _sign_over_api(client, contract, engagement):
    for side, user in (("school", contract["user"]), ("provider", contract["provider"])):
        client.force_login(user)
        for kind in ("agreement", "safety"):
            response = client.post(f"/api/v1/engagements/{engagement.pk}/papers/",
                                   {"kind": kind, "side": side, "file": _pdf()})
            assert response.status_code == 201, response.content
    return response.json()["engagement_status"]


def _active_over_http(client, contract):
    """An engagement recorded, signed by both over the API and activated by the school."""
    engagement = engage(contract)
    _sign_over_api(client, contract, engagement)
    client.force_login(contract["user"])
    client.post(f"/registry/engagements/{engagement.pk}/activate/")
    return engagement


@pytest.mark.django_db
def test_the_api_records_a_contract_and_refuses_bad_input_writing_nothing(contract, client):
    client.force_login(contract["user"])
    body = {"school": contract["school"].pk, "term": contract["term"].pk,
            "organization": contract["org"].pk, "offering": contract["offering"].pk,
            "fee_per_session": "200", "sessions": 16,
            "roster": [c.pk for c in contract["coaches"]]}
    refused = client.post("/api/v1/engagements/", body, content_type="application/json",
                          HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert refused.status_code == 400
    assert "200.00" in refused.json()["fee_per_session"][0]
    assert "50.00" in refused.json()["fee_per_session"][0]
    refused = client.post("/api/v1/engagements/", {
        **body, "fee_per_session": "45", "roster": [contract["painter"].pk]},
        content_type="application/json")
    assert refused.status_code == 400 and "王画师" in refused.json()["roster"][0]
    refused = client.post("/api/v1/engagements/", {**body, "fee_per_session": "45",
                                                   "roster": ["110101199003077777"]},
                          content_type="application/json")
    assert refused.status_code == 400 and "1101" in refused.json()["roster"][0]
    assert not Engagement.objects.exists() and not RosterMember.objects.exists()
    made = client.post("/api/v1/engagements/", {**body, "fee_per_session": "45"},
                       content_type="application/json")
    assert made.status_code == 201, made.content
    assert made.json()["status"] == "draft"
    assert made.json()["roster"] == [c.pk for c in contract["coaches"]]


@pytest.mark.django_db
def test_permits_verify_publicly_and_die_when_the_provider_is_suspended(contract, client):
    engagement = engage(contract)
    assert _sign_over_api(client, contract, engagement) == "signed"
    client.force_login(contract["user"])
    assert client.post(f"/api/v1/engagements/{engagement.pk}/activate/").status_code == 200
    permits = client.get(f"/api/v1/engagements/{engagement.pk}/permits/").json()
    assert len(permits) == 2
    token = permits[0]["token"]
    pdf = client.get(f"/registry/engagements/{engagement.pk}/permits.pdf")
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    client.logout()
    page = client.get(f"/verify/{token}")
    html = page.content.decode()
    assert page.status_code == 200 and 'data-status="valid"' in html and "张*华" in html
    for coach in contract["coaches"]:
        assert coach.id_number not in html and coach.name not in html
    assert client.get(f"/api/v1/permits/verify/{token}/").json()["status"] == "valid"
    admin, bureau = bureau_admin("360100")
    services.provider_suspend(actor=admin, bureau=bureau, reason="检查",
                              organization=contract["org"])
    assert 'data-status="suspended"' in client.get(f"/verify/{token}").content.decode()
    tampered = token[:-3] + ("AAA" if not token.endswith("AAA") else "BBB")
    assert client.get(f"/verify/{tampered}").status_code == 404
    assert client.get(f"/api/v1/permits/verify/{tampered}/").json() == {"status": "invalid"}
    key = load_pem_public_key(client.get("/keys/registry-signing-key.pem").content)
    assert key is not None


@pytest.mark.django_db
def test_another_school_another_provider_and_the_public_are_kept_out(contract, client):
    engagement = engage(contract)
    other_school_user, _ = school_user("360102")
    other_org = organization("别家体育有限公司", ("足球", "sport", "30"))
    other_provider = UserFactory()
    services.role_grant(actor=None, user=other_provider, role=Role.PROVIDER, target=other_org)
    paths = [f"/registry/engagements/{engagement.pk}/",
             f"/registry/engagements/{engagement.pk}/papers/agreement.pdf",
             f"/registry/engagements/{engagement.pk}/settlement.xlsx"]
    unknown = Engagement.objects.order_by("-pk").first().pk + 1000
    for outsider in (other_school_user, other_provider):
        client.force_login(outsider)
        for path in paths:
            # to an outsider the engagement is one nobody holds: the same answer, word for
            # word, or trying numbers tells which engagements exist
            foreign = client.get(path)
            none = client.get(path.replace(f"/{engagement.pk}/", f"/{unknown}/"))
            assert _answer(foreign) == _answer(none)
            assert foreign.status_code == 404, path
        assert client.get(f"/api/v1/engagements/{engagement.pk}/roster/").status_code == 404
        response = client.post(f"/api/v1/engagements/{engagement.pk}/papers/",
                               {"kind": "agreement", "side": "school", "file": _pdf()})
        assert response.status_code in (403, 404)
        response = client.post(f"/registry/engagements/{engagement.pk}/roster/",
                               {"person": contract["painter"].pk})
        assert response.status_code == 404
        # nor another school's term, its plan or its settlement
        for path in (f"/registry/school/terms/{engagement.term_id}/plan/",
                     f"/registry/school/terms/{engagement.term_id}/settlement.xlsx"):
            foreign = client.get(path)
            none = client.get(path.replace(f"/{engagement.term_id}/", f"/{unknown}/"))
            assert _answer(foreign) == _answer(none)
            assert foreign.status_code == 404, path
    # the provider may not sign for the school, nor put on the roster anyone not its own
    # (it proposes its own people: tests/contracts/test_roster.py)
    client.force_login(contract["provider"])
    assert client.post(f"/api/v1/engagements/{engagement.pk}/papers/", {
        "kind": "agreement", "side": "school", "file": _pdf()}).status_code == 403
    assert client.post(f"/api/v1/engagements/{engagement.pk}/roster/", {
        "person": str(contract["painter"].pk)}).status_code == 400
    assert not RosterMember.objects.filter(person=contract["painter"]).exists()
    client.logout()
    for path in paths:
        assert client.get(path).status_code == 302  # to the sign-in page
    assert client.get(f"/api/v1/engagements/{engagement.pk}/permits/").status_code in (401, 403)
    from documents.models import EngagementPaper
    assert not EngagementPaper.objects.exists()


@pytest.mark.django_db
def test_lessons_over_http_and_the_settlement_export(contract, client):
    engagement = _active_over_http(client, contract)
    client.force_login(contract["provider"])
    lesson = {"taught_on": days(-1).isoformat(), "period": 1,
              "teacher": contract["coaches"][0].pk, "pupils_present": 25}
    made = client.post(f"/api/v1/engagements/{engagement.pk}/lessons/", lesson,
                       content_type="application/json")
    assert made.status_code == 201, made.content
    off = client.post(f"/api/v1/engagements/{engagement.pk}/lessons/",
                      {**lesson, "period": 2, "teacher": contract["painter"].pk},
                      content_type="application/json")
    # another provider's person: not named, as a number nobody holds
    # (tests/security/test_privacy_probes_ids.py)
    assert (off.status_code, off.json()) == (
        400, {"teacher": ["本项目的人员名单中没有此编号的人员。"]})
    page = client.post(f"/registry/engagements/{engagement.pk}/lessons/",
                       {**lesson, "period": 2, "teacher": contract["painter"].pk})
    # and the page answers as the API does (test_privacy_probes_ids_web.py)
    assert page.status_code == 400 and "王画师" not in page.content.decode()
    assert "本项目的人员名单中没有此编号的人员。" in page.content.decode()
    assert Lesson.objects.count() == 1
    client.force_login(contract["user"])
    decided = client.post(
        f"/api/v1/engagements/{engagement.pk}/lessons/{made.json()['id']}/decide/",
        {"decision": "confirm"}, content_type="application/json")
    assert decided.json()["status"] == "confirmed"
    assert client.get(f"/api/v1/engagements/{engagement.pk}/settlement/").json()[
        "amount"] == "45.00"
    xlsx = client.get(f"/registry/engagements/{engagement.pk}/settlement.xlsx")
    sheet = openpyxl.load_workbook(io.BytesIO(b"".join(xlsx.streaming_content))).active
    assert [c.value for c in sheet[2]][9] == 1
    pdf = client.get(f"/registry/engagements/{engagement.pk}/settlement.pdf")
    assert pdf.content.startswith(b"%PDF")


@pytest.mark.django_db
def test_the_parents_page_is_public_and_masks_names(contract, client):
    engagement = engage(contract)
    _sign_over_api(client, contract, engagement)
    client.force_login(contract["user"])
    client.post(f"/registry/engagements/{engagement.pk}/activate/")
    client.logout()
    html = client.get(f"/registry/schools/{contract['school'].pk}/after-school/").content.decode()
    assert "张*华" in html and "张建华" not in html and contract["org"].name in html
    data = client.get(f"/api/v1/schools/{contract['school'].pk}/after-school/").json()
    assert data["activities"][0]["teachers"] == ["张*华", "李*"]

    # a coach the bureau suspends no longer teaches there: parents no longer read the name
    admin, bureau = bureau_admin("360100")
    services.provider_suspend(actor=admin, bureau=bureau, person=contract["coaches"][0],
                              reason="投诉调查")
    html = client.get(f"/registry/schools/{contract['school'].pk}/after-school/").content.decode()
    assert "张*华" not in html and "李*" in html
    data = client.get(f"/api/v1/schools/{contract['school'].pk}/after-school/").json()
    assert data["activities"][0]["teachers"] == ["李*"]


@pytest.mark.django_db
def test_no_lesson_is_recorded_for_a_teacher_suspended_before_it(contract, client):
    # given an active engagement, and then one of its two coaches suspended by the bureau
    engagement = _active_over_http(client, contract)
    suspended, other = contract["coaches"]
    admin, bureau = bureau_admin("360100")
    services.provider_suspend(actor=admin, bureau=bureau, person=suspended, reason="投诉调查")
    client.force_login(contract["provider"])
    url = f"/api/v1/engagements/{engagement.pk}/lessons/"
    lesson = {"taught_on": days(0).isoformat(), "period": 1, "teacher": suspended.pk,
              "pupils_present": 25}

    # when the provider records a lesson taught by the suspended coach today: refused by
    # name, in the user's language, and nothing is written
    refused = client.post(url, lesson, content_type="application/json",
                          HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert refused.status_code == 400
    assert "张建华" in refused.json()["teacher"][0] and "不能登记" in refused.json()["teacher"][0]
    page = client.post(f"/registry/engagements/{engagement.pk}/lessons/", lesson)
    assert page.status_code == 400 and "张建华" in page.content.decode()
    assert not Lesson.objects.exists()

    # while a lesson the other coach taught, and one the suspended coach taught before
    # the suspension, are recorded
    for taught in ({**lesson, "teacher": other.pk},
                   {**lesson, "taught_on": days(-1).isoformat()}):
        made = client.post(url, taught, content_type="application/json")
        assert made.status_code == 201, made.content


@pytest.mark.django_db
def test_the_engagement_page_says_who_may_not_come_in_today(contract, client):
    engagement = _active_over_http(client, contract)
    suspended, other = contract["coaches"]
    admin, bureau = bureau_admin("360100")
    services.provider_suspend(actor=admin, bureau=bureau, person=suspended, reason="投诉调查")
    client.force_login(contract["user"])
    html = client.get(f"/registry/engagements/{engagement.pk}/",
                      HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    # the page no longer claims that everyone on it holds a valid approval
    assert "每人均持有有效的个人准入" not in html
    rows = {name: html[html.index(f"<td>{name}</td>"):][:400] for name in ("张建华", "李明")}
    assert "个人准入恢复有效前不得入校" in rows["张建华"].split("</tr>")[0]
    assert "不得入校" not in rows["李明"].split("</tr>")[0]


@pytest.mark.django_db
def test_permits_of_an_active_engagement_with_nobody_left_on_its_roster_say_so(contract, client):
    engagement = _active_over_http(client, contract)
    for member in RosterMember.objects.filter(engagement=engagement):
        services.engagement_roster_remove(actor=contract["user"], member=member,
                                          reason="人员离职")
    client.force_login(contract["user"])
    refused = client.get(f"/registry/engagements/{engagement.pk}/permits.pdf",
                         HTTP_ACCEPT_LANGUAGE="zh-hans")
    html = refused.content.decode()
    assert refused.status_code == 409
    # it is active: the reason is the empty roster, not the engagement's status
    assert "名单上已没有人员：没有可打印的入校证" in html, html


@pytest.mark.django_db
def test_the_parents_page_shows_every_term_running_today(contract, client):
    # given the semester's active engagement, and a shorter programme that started later
    engagement = _active_over_http(client, contract)
    services.school_term_create(actor=contract["user"], school=contract["school"],
                                name="2026 冬季托管", starts_on=days(-1), ends_on=days(30),
                                project_count=2)
    client.logout()
    # when a parent opens the school's page
    html = client.get(f"/registry/schools/{contract['school'].pk}/after-school/",
                      HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    # then the semester's activity is still there, beside the programme's dates
    assert contract["offering"].title in html and "张*华" in html
    assert "2026 秋季学期" in html and "2026 冬季托管" in html
    data = client.get(f"/api/v1/schools/{contract['school'].pk}/after-school/").json()
    assert data["terms"] == ["2026 秋季学期", "2026 冬季托管"]
    assert [(a["term"], a["title"]) for a in data["activities"]] == [
        ("2026 秋季学期", contract["offering"].title)]
    assert engagement.term.name == "2026 秋季学期"


@pytest.mark.django_db
def test_every_refused_roster_number_is_said_at_once_in_the_order_typed(contract, client):
    """A roster of several people the school may not engage was refused one at a time (the
    first only, then the next once that was fixed); and an unknown number refused before a
    registered one told the school which was which. All are said at once, in order."""
    registered = person("赵无证")  # registered, approved nowhere
    unknown = make_id_number(4243)
    client.force_login(contract["user"])
    body = {"school": contract["school"].pk, "term": contract["term"].pk,
            "organization": contract["org"].pk, "offering": contract["offering"].pk,
            "fee_per_session": "45", "sessions": 16}
    for roster in ([registered.id_number, unknown], [unknown, registered.id_number]):
        refused = client.post("/api/v1/engagements/", {**body, "roster": roster},
                              content_type="application/json", HTTP_ACCEPT_LANGUAGE="zh-hans")
        assert refused.status_code == 400
        messages = refused.json()["roster"]
        assert len(messages) == 2, messages
        for message, number in zip(messages, roster, strict=True):
            assert number[:4] in message and number[-4:] in message
    assert not Engagement.objects.exists()


@pytest.mark.django_db
def test_a_roster_number_typed_at_random_does_not_tell_whether_it_is_registered(
        contract, client):
    registered = person("赵无证")  # registered, approved nowhere
    client.force_login(contract["user"])
    body = {"school": contract["school"].pk, "term": contract["term"].pk,
            "organization": contract["org"].pk, "offering": contract["offering"].pk,
            "fee_per_session": "45", "sessions": 16}
    answers = []
    for number in (registered.id_number, make_id_number(4242)):
        refused = client.post("/api/v1/engagements/", {**body, "roster": [number]},
                              content_type="application/json", HTTP_ACCEPT_LANGUAGE="zh-hans")
        assert refused.status_code == 400
        [message] = refused.json()["roster"]
        answers.append(message.replace(number[:4], "").replace(number[-4:], ""))
        assert "赵无证" not in message
    assert answers[0] == answers[1], answers
    assert not Engagement.objects.exists()
