"""Whoever objected during a public notice, signed in, is told in the app when the bureau
acknowledges their objection and when it resolves it, in the language they wrote in, in
words for the public (never the bureau's finding or the note for the applicant); the
applicant is never sent the objector's identity, and nobody else is told."""

from registry.models import AuditEvent
from tests.factories import UserFactory
from tests.workflows.test_selection_flow import _to_notice
from workflows import recipients
from workflows.models import Notification, Objection

OBJECTOR_NAME = "赵敏敏"
FINDING = "经查属实：赵敏敏提供的收费单据显示超标收费"
APPLICANT_NOTE = "公示期间收到的异议经核查成立。"


def _new_notes(before: int):
    return list(Notification.objects.filter(pk__gt=before).select_related("user")
                .order_by("pk"))


def _last_pk() -> int:
    last = Notification.objects.order_by("-pk").first()
    return last.pk if last else 0


def _file(client, case, objector, language="zh-hans"):
    client.force_login(objector)
    response = client.post(f"/selection/notices/{case.pk}/object/",
                           {"real_name": OBJECTOR_NAME, "contact": "zmm@example.cn",
                            "reason": "该机构收费高于公示标准，附收费单据。"},
                           HTTP_ACCEPT_LANGUAGE=language)
    assert response.status_code == 302, response.content.decode()[:2000]
    return Objection.objects.get(case=case)


def _handle(client, w, case, objection, data):
    client.force_login(w.clerk)
    response = client.post(f"/selection/cases/{case.pk}/objections/{objection.pk}/", data)
    assert response.status_code == 302, response.content.decode()[:2000]


def test_the_signed_in_objector_is_told_of_acknowledgement_and_outcome(world, client):
    w = world
    case = _to_notice(w)
    objector = UserFactory(email="zmm@example.cn")
    objection = _file(client, case, objector)
    # when the clerk acknowledges it
    before = _last_pk()
    _handle(client, w, case, objection, {"step": "acknowledge", "finding": "已收到"})
    # then the objector alone is told, in Chinese, that it was received
    notes = _new_notes(before)
    assert [n.user for n in notes] == [objector]
    assert "已收到您的异议" in notes[0].subject + notes[0].body, notes[0].body
    assert w.organization.name in notes[0].body
    # when the clerk upholds it
    before = _last_pk()
    _handle(client, w, case, objection, {"step": "uphold", "finding": FINDING,
                                         "applicant_note": APPLICANT_NOTE})
    notes = _new_notes(before)
    told = [n for n in notes if n.user == objector]
    others = [n for n in notes if n.user != objector]
    # then the objector is told the outcome in words for the public, not the finding
    assert len(told) == 1
    assert "异议成立" in told[0].subject + told[0].body, told[0].body
    assert FINDING not in told[0].body and APPLICANT_NOTE not in told[0].body
    # the applicant's people are told what the clerk wrote for them, never who objected
    assert others and {n.user for n in others} <= set(recipients.providers_of(w.organization))
    for note in others:
        assert OBJECTOR_NAME not in note.subject + note.body
        assert objector.email not in note.subject + note.body
    # nobody else: no clerk, approver or expert is sent the objector's notification
    assert not any(n.user in (w.clerk, w.approver) for n in notes)
    # the audit says the objector was told, as each step records what it did
    events = AuditEvent.objects.filter(action__in=["case.objection_acknowledged",
                                                   "case.objection_resolved"],
                                       target_id=str(case.pk)).order_by("pk")
    assert [e.data.get("objector_notified") for e in events] == [True, True]


def test_the_objector_is_told_in_the_language_they_wrote_in(world, client):
    w = world
    case = _to_notice(w)
    objector = UserFactory(email="reader@example.com")
    objection = _file(client, case, objector, language="en")
    assert objection.language == "en"
    before = _last_pk()
    _handle(client, w, case, objection, {"step": "dismiss", "finding": "不属实",
                                         "applicant_note": "异议不成立。"})
    [told] = [n for n in _new_notes(before) if n.user == objector]
    assert told.subject == "Your objection was not upheld"
    assert "dismissed" in told.body


def test_an_objection_filed_without_signing_in_tells_nobody_new(world, client):
    w = world
    case = _to_notice(w)
    client.logout()
    response = client.post(f"/selection/notices/{case.pk}/object/",
                           {"real_name": OBJECTOR_NAME, "contact": "13900000000",
                            "reason": "该机构收费高于公示标准。"})
    assert response.status_code == 302
    objection = Objection.objects.get(case=case)
    assert objection.filed_by is None
    before = _last_pk()
    _handle(client, w, case, objection, {"step": "acknowledge"})
    assert _new_notes(before) == []
