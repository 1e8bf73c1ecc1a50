"""Emails, notifications and logs never carry a record query's outcome or reference, an ID
number, or the reasons of a vetting decision: they say that there is news and link to the
case's page, which shows each reader what that reader may see.

Vettings started by a school are driven through the services as their users drive them — a
record hit, a refusal by the approver, an approval — and a person's re-certification ends on
the yearly record query; then every email sent (the outbox, after the worker has sent what was
recorded), every notification row and every log record at DEBUG is searched.
"""

import datetime
import logging

import pytest
from django.core import mail
from django.utils import timezone

from documents.models import Document
from registry import services as registry_services
from registry.models import Person
from registry.roles import Role
from registry.validators import mask_id_number
from tests.factories import PersonFactory, SchoolFactory, UserFactory
from tests.security.conftest import _approved, _do, _renew
from tests.workflows.conftest import clerk_verifies, open_tasks, upload_all
from workflows import task_actions
from workflows.models import CaseOutcome, Notification, RecertificationProcess
from workflows.services import notifications, recertification, vetting

REFERENCES = {"hit": "NC-2026-HIT-4711", "refused": "NC-2026-REF-4712",
              "approved": "NC-2026-OK-4713", "yearly": "NC-2027-YR-4714"}
REFUSAL = "档案显示其曾因体罚学生受处分"  # the approver's reason for refusing
APPROVAL = "查询无记录，材料齐全"
# the record-hit outcomes as the flows word them, in both languages
HIT_WORDS = ["The mandatory record query returned a record",
             "强制性入职查询查有记录", "The yearly record query returned a record",
             "年度入职查询发现记录", "Record query hit"]


class Side:
    pass


def _verify(w, case, reference, result):
    clerk_verifies(w.clerk, case, reference=reference, result=result)


def _decide(w, case, decision, reason):
    [task] = open_tasks(case, "decision")
    task_actions.task_perform(actor=w.approver, task=task,
                          data={"decision": decision, "confirm": "yes", "reason": reason,
                                "categories": "sport", "grade_min": "1", "grade_max": "6"})


@pytest.mark.django_db
def test_no_record_outcome_id_number_or_refusal_reason_in_emails_notifications_or_logs(
        world, caplog, django_capture_on_commit_callbacks):
    caplog.set_level(logging.DEBUG)
    w = world
    for user in (w.clerk, w.approver, w.provider):
        user.email = user.email or f"{user.username}@example.invalid"
        user.save(update_fields=["email"])
    school = SchoolFactory()
    school_user = UserFactory(email="school@example.invalid")
    registry_services.role_grant(actor=w.root, user=school_user, role=Role.SCHOOL,
                                 target=school)

    def person():
        account = UserFactory()
        account.email = f"{account.username}@example.invalid"
        account.save(update_fields=["email"])
        someone = PersonFactory(organization=w.organization, kind="retiree", user=account)
        upload_all(w.provider, someone)  # the consent to the record query included
        # tied to the school and consenting in their own account, as a school needs
        invitation = registry_services.school_invite(
            actor=school_user, school=school, id_number=someone.id_number, name=someone.name)
        registry_services.invitation_answer(actor=account, invitation=invitation, accept=True)
        registry_services.consent_give(actor=account, person=someone, bureau=w.bureau)
        return someone

    outcomes = {}
    with django_capture_on_commit_callbacks(execute=True):
        for name, result, decision, reason in [("hit", "hit", None, None),
                                               ("refused", "clear", "reject", REFUSAL),
                                               ("approved", "clear", "approve", APPROVAL)]:
            case = vetting.vetting_start(actor=school_user, person=person(),
                                         bureau=w.bureau, school=school)
            _verify(w, case, REFERENCES[name], result)
            if decision:
                _decide(w, case, decision, reason)
            case.refresh_from_db()
            outcomes[name] = case.outcome
        # an approved person's re-certification ends on the yearly record query
        s = Side()
        s.root, s.bureau = w.root, w.bureau
        s.users = {"provider": w.provider, "clerk": w.clerk}
        yearly = person()
        today = timezone.localdate()
        _approved(s, yearly, valid_from=today - datetime.timedelta(days=10),
                  valid_until=today + datetime.timedelta(days=300))
        Document.objects.filter(person=yearly, document_type__code="offence_query").update(
            expires_on=today - datetime.timedelta(days=1))
        recertification.approvals_suspend_expired(today=today)
        recert = RecertificationProcess.objects.get(approval__person=yearly)
        renewed = _renew(s, recert, "offence_query")
        _do(recert, "recert_verify", w.clerk, {
            f"doc_{renewed.pk}": "verify", "query_reference": REFERENCES["yearly"],
            "query_date": str(today), "query_result": "hit"})
        recert.refresh_from_db()
    notifications.notifications_send()  # the outbox run: whatever is still unsent

    # the story happened as told
    assert outcomes == {"hit": CaseOutcome.REJECTED, "refused": CaseOutcome.REJECTED,
                        "approved": CaseOutcome.APPROVED}
    assert recert.outcome == CaseOutcome.REJECTED
    assert mail.outbox, "nothing was emailed"

    numbers = list(Person.objects.values_list("id_number", flat=True))
    secrets = [*numbers, *(mask_id_number(n) for n in numbers), *REFERENCES.values(),
               REFUSAL, APPROVAL, *HIT_WORDS]
    texts = [("email " + m.subject, f"{m.subject}\n{m.body}") for m in mail.outbox]
    texts += [(f"notification {n.subject}", f"{n.subject}\n{n.body}")
              for n in Notification.objects.all()]
    texts += [(f"log {r.name}", r.getMessage()) for r in caplog.records]
    leaks = sorted({f"{where}: {secret}" for where, text in texts for secret in secrets
                    if secret.lower() in text.lower()})
    assert not leaks, "\n".join(leaks)
    # and yet the school is told of the end of each of its vettings, with the way to the
    # case's page (which shows the school only the outcome)
    ended = [n for n in Notification.objects.filter(user=school_user, url__startswith=
                                                    "/selection/cases/vetting/")]
    assert len({n.url for n in ended}) == 3, [(n.subject, n.url) for n in ended]
