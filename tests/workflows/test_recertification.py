"""A year of daily sweeps: reminders exactly once, suspension on expiry, renewal, grace."""

import datetime

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone, translation

from documents.models import Document, DocumentType
from documents.services import document_reject, document_upload, document_verify
from registry import services as registry_services
from registry.models import (
    Approval,
    ApprovalHold,
    AuditEvent,
    Blacklisting,
    BlacklistProposal,
    BureauCalendar,
    Jurisdiction,
    Offering,
    ServiceCategory,
)
from registry.roles import Role
from registry.selectors import is_blacklisted
from tests.factories import (
    InForceApprovalFactory,
    JurisdictionFactory,
    OfferingFactory,
    OrganizationFactory,
    OwnAccountPersonFactory,
    PersonFactory,
)
from tests.workflows.conftest import open_tasks, pdf, upload_all
from workflows import task_actions
from workflows.models import (
    AnnualReviewProcess,
    CaseOutcome,
    ExpiryReminder,
    Notification,
    RecertificationProcess,
)
from workflows.services import annual_review, recertification, reminders, sweep

START = datetime.date(2026, 1, 5)


def _at(day, hour=9):
    return time_machine.travel(datetime.datetime.combine(
        day, datetime.time(hour), tzinfo=timezone.get_current_timezone()), tick=False)


def _approve(w, *, organization=None, person=None, days=365, categories=()):
    return InForceApprovalFactory(
        actor=w.root, organization=organization, person=person, categories=categories,
        valid_from=START, valid_until=START + datetime.timedelta(days=days - 1))


@pytest.fixture
def insured(world):
    """An approved organization whose liability insurance expires on day 100."""
    w = world
    insurance = Document.objects.get(organization=w.organization,
                                     document_type__code="liability_insurance",
                                     superseded_at__isnull=True)
    expiry = START + datetime.timedelta(days=100)
    Document.objects.filter(pk=insurance.pk).update(expires_on=expiry,
                                                    issued_on=expiry - datetime.timedelta(300))
    approval = _approve(w, organization=w.organization)
    return approval, expiry


def _sweep_days(first, last):
    day = first
    while day <= last:
        with _at(day, 2):
            sweep.credential_sweep(today=day)
            reminders.reminders_deliver()
        day += datetime.timedelta(days=1)


def test_reminders_once_at_each_threshold_then_suspension_and_renewal(world, insured):
    w = world
    approval, expiry = insured
    # when the calendar sweeps every day until the insurance has expired
    _sweep_days(START, expiry + datetime.timedelta(days=1))
    insurance_reminders = ExpiryReminder.objects.filter(
        document__document_type__code="liability_insurance")
    # then exactly one reminder per threshold, each recorded on its day
    assert sorted(insurance_reminders.values_list("threshold_days", flat=True)) == [7, 30, 60]
    for reminder in insurance_reminders:
        assert timezone.localtime(reminder.created_at).date() == expiry - datetime.timedelta(
            days=reminder.threshold_days)
        assert reminder.sent_at is not None
    subjects = list(w.provider.notifications.values_list("subject", flat=True))
    assert sum("责任保险" in s for s in subjects) >= 3
    # a rerun of the same day records nothing new
    with _at(expiry):
        assert reminders.reminders_record(today=expiry) == 0

    # the day after expiry the approval is suspended, with the reason, and a case opens
    approval.refresh_from_db()
    assert approval.status == Approval.Status.SUSPENDED
    event = AuditEvent.objects.for_object(approval).filter(action="approval.suspended").get()
    assert "责任保险" in event.reason
    case = RecertificationProcess.objects.get(approval=approval)
    assert case.outcome == CaseOutcome.OPEN
    [task] = open_tasks(case, "renew")

    renew_day = expiry + datetime.timedelta(days=3)
    with _at(renew_day):
        # a renewal expiring earlier than the old one is refused
        from documents.services import document_upload

        document_upload(actor=w.provider, subject=w.organization,
                        document_type="liability_insurance", file=pdf(), filename="i.pdf",
                        issued_on=renew_day - datetime.timedelta(days=400),
                        expires_on=expiry - datetime.timedelta(days=1))
        with pytest.raises(ValidationError):
            task_actions.task_perform(actor=w.provider, task=task, data={"confirm": "on"})
        new = document_upload(actor=w.provider, subject=w.organization,
                              document_type="liability_insurance", file=pdf(),
                              filename="i2.pdf", issued_on=renew_day,
                              expires_on=renew_day + datetime.timedelta(days=200))
        task_actions.task_perform(actor=w.provider, task=task, data={"confirm": "on"})
        [task] = open_tasks(case, "recert_verify")
        task_actions.task_perform(actor=w.clerk, task=task, data={f"doc_{new.pk}": "verify"})
        approval.refresh_from_db()
        # restored, never past the new earliest expiry
        assert approval.status == Approval.Status.APPROVED
        assert approval.valid_until <= new.expires_on
        assert approval.is_valid_on(renew_day)
    case.refresh_from_db()
    assert case.outcome == CaseOutcome.APPROVED


def test_without_renewal_the_approval_expires_after_the_grace_period(world, insured, settings):
    approval, expiry = insured
    settings.RECERT_GRACE_DAYS = 10
    _sweep_days(expiry - datetime.timedelta(days=1), expiry + datetime.timedelta(days=12))
    approval.refresh_from_db()
    assert approval.status == Approval.Status.EXPIRED
    case = RecertificationProcess.objects.get(approval=approval)
    assert case.outcome == CaseOutcome.REJECTED
    assert not open_tasks(case)


@pytest.mark.parametrize(("language", "expires", "grace"), [
    ("zh-hans", "2026年4月15日", "2026年5月16日"),
    ("en", "April 15, 2026", "May 16, 2026"),
])
def test_reminder_grace_and_renewal_texts_give_dates_in_the_language_of_the_text(
        world, insured, settings, language, expires, grace):
    """Notifications are written once, in the language active when the calendar writes them
    (Celery runs in LANGUAGE_CODE): their dates follow that language, as the words do."""
    w = world
    _approval, expiry = insured  # 2026-04-15
    settings.RECERT_GRACE_DAYS = 30
    suspended_on = expiry + datetime.timedelta(days=1)  # grace until 2026-05-16
    with translation.override(language):
        with _at(expiry - datetime.timedelta(days=7)):
            reminders.reminders_record(today=expiry - datetime.timedelta(days=7))
            reminders.reminders_deliver()
        with _at(suspended_on):
            sweep.credential_sweep(today=suspended_on)
            # and a renewal expiring before the old one is refused, naming the old date
            from documents.services import document_upload

            document_upload(actor=w.provider, subject=w.organization,
                            document_type="liability_insurance", file=pdf(), filename="i.pdf",
                            issued_on=suspended_on - datetime.timedelta(days=400),
                            expires_on=expiry - datetime.timedelta(days=1))
            [task] = open_tasks(RecertificationProcess.objects.get(), "renew")
            with pytest.raises(ValidationError) as refused:
                task_actions.task_perform(actor=w.provider, task=task, data={"confirm": "on"})
    [reminder] = w.provider.notifications.filter(subject__contains=expires)
    assert expires in reminder.body
    [suspension] = w.provider.notifications.filter(body__contains=grace)
    assert any(expires in message for message in refused.value.messages)
    texts = [f"{n.subject} {n.body}" for n in w.provider.notifications.all()]
    assert not any(iso in text for text in [*texts, *refused.value.messages]
                   for iso in ("2026-04-15", "2026-05-16"))


def test_a_late_sweep_sends_only_the_most_urgent_reminder(world, insured):
    _approval, expiry = insured
    day = expiry - datetime.timedelta(days=5)
    with _at(day):
        reminders.reminders_record(today=day)
    assert list(ExpiryReminder.objects.filter(
        document__document_type__code="liability_insurance").values_list(
        "threshold_days", flat=True)) == [7]


def test_documents_without_expiry_are_never_swept(world, insured):
    approval, _expiry = insured
    far = START + datetime.timedelta(days=3000)
    with _at(far):
        reminders.reminders_record(today=far)
    # safety plan, fee schedule and venue proof have no expiry date: no reminder, ever
    codes = set(ExpiryReminder.objects.values_list("document__document_type__code", flat=True))
    assert not codes & {"safety_plan", "fee_schedule", "venue_proof"}


def test_yearly_record_query_hit_suspends_then_the_administrator_confirms_the_bar(world):
    w = world
    person = PersonFactory(organization=w.organization, kind="professional")
    documents = upload_all(w.provider, person, expires_in_days=1000)
    query = next(d for d in documents if d.document_type.code == "offence_query")
    expiry = START + datetime.timedelta(days=364)
    Document.objects.filter(pk=query.pk).update(expires_on=expiry, issued_on=START)
    approval = _approve(w, person=person)
    day = expiry + datetime.timedelta(days=1)
    with _at(day):
        sweep.credential_sweep(today=day)
    case = RecertificationProcess.objects.get(approval=approval)
    assert case.needs_query
    with _at(day):
        new = upload_all(w.provider, person, skip=[d.document_type.code for d in documents
                                                   if d.document_type.code != "offence_query"],
                         expires_in_days=365)[0]
        [task] = open_tasks(case, "renew")
        task_actions.task_perform(actor=w.provider, task=task, data={"confirm": "on"})
        [task] = open_tasks(case, "recert_verify")
        # the query fields are required for the yearly re-check
        with pytest.raises(ValidationError):
            task_actions.task_perform(actor=w.clerk, task=task, data={f"doc_{new.pk}": "verify"})
        task_actions.task_perform(actor=w.clerk, task=task, data={
                f"doc_{new.pk}": "verify", "query_reference": "NC-2027-9", "query_date": str(day),
                "query_result": "hit"})
    approval.refresh_from_db()
    # nobody may engage the person meanwhile; the bar waits for a second person
    assert approval.status == Approval.Status.SUSPENDED
    assert not is_blacklisted(id_number=person.id_number)
    proposal = BlacklistProposal.objects.get(person=person, kind="record_hit",
                                             status="proposed")
    with pytest.raises(PermissionDenied):  # the clerk who recorded the hit cannot confirm
        registry_services.blacklist_confirm(actor=w.clerk, proposal=proposal, reason="确认")
    registry_services.blacklist_confirm(actor=w.admin, proposal=proposal, reason="核实无误")
    approval.refresh_from_db()
    assert approval.status == Approval.Status.REVOKED
    assert is_blacklisted(id_number=person.id_number)


def test_clerks_get_one_digest_a_day(world, insured):
    _approval, expiry = insured
    day = expiry - datetime.timedelta(days=10)
    with _at(day):
        assert reminders.digests_send(today=day) >= 1
        assert reminders.digests_send(today=day) == 0
    [digest] = Notification.objects.filter(user=world.clerk)
    # the dates as its words are written (zh-hans: the worker activates no other language)
    assert f"{expiry.year}年{expiry.month}月{expiry.day}日" in digest.body
    assert expiry.isoformat() not in digest.body
    # it links to the dashboard, whose counts lead to the lists behind them (issue 19)
    assert digest.url == f"/selection/dashboard/{world.bureau.pk}/"


def test_sweep_query_count_does_not_grow_with_documents(world, insured,
                                                        django_assert_max_num_queries):
    _approval, expiry = insured
    day = expiry - datetime.timedelta(days=20)
    with _at(day), django_assert_max_num_queries(8):
        reminders.reminders_record(today=day)


def test_annual_review_opens_on_the_bureaus_date_before_the_term_ends(world, insured):
    """With the default settings (a one-year term, the review on 1 June) the
    review opens while the approval is still in force; nothing extends it by hand."""
    w = world
    approval, _expiry = insured
    # push the insurance out of the way so only the review date matters
    Document.objects.filter(document_type__code="liability_insurance").update(
        expires_on=START + datetime.timedelta(days=900))
    review_day = datetime.date(START.year, 6, 1)
    day_before = review_day - datetime.timedelta(days=1)
    with _at(day_before):
        assert annual_review.annual_reviews_open(today=day_before) == 0
    with _at(review_day):
        assert Approval.objects.get(pk=approval.pk).is_valid_on(review_day)
        assert annual_review.annual_reviews_open(today=review_day) == 1
        assert annual_review.annual_reviews_open(today=review_day) == 0
        from workflows.models import AnnualReviewProcess

        case = AnnualReviewProcess.objects.get(approval=approval)
        [task] = open_tasks(case, "review")
        with pytest.raises(ValidationError):
            task_actions.task_perform(actor=w.admin, task=task, data={
                "decision": "suspend", "confirm": "yes", "reason": ""})
        task_actions.task_perform(actor=w.admin, task=task, data={
            "decision": "suspend", "confirm": "yes", "reason": "两起安全事故"})
    approval.refresh_from_db()
    assert approval.status == Approval.Status.SUSPENDED
    case.refresh_from_db()
    assert case.decision == "suspend" and case.decided_by == w.admin


def test_a_sweep_killed_midway_loses_and_duplicates_nothing_on_the_next_run(world, monkeypatch):
    """Each approval is suspended and its case opened in one transaction: a crash after the
    first leaves it done and the second untouched; the rerun finishes the second only."""
    from tests.factories import OrganizationFactory
    from workflows.flows import RecertificationFlow

    w = world
    second = OrganizationFactory()
    registry_services.role_grant(actor=w.root, user=w.provider, role="provider", target=second)
    upload_all(w.provider, second)
    approvals = [_approve(w, organization=org) for org in (w.organization, second)]
    expired = START + datetime.timedelta(days=30)
    Document.objects.filter(document_type__code="liability_insurance").update(
        expires_on=expired, issued_on=START - datetime.timedelta(days=300))
    day = expired + datetime.timedelta(days=1)

    real_run = RecertificationFlow.start.run
    calls = {"n": 0}

    def run_then_die(**kwargs):
        calls["n"] += 1
        if calls["n"] == 2:
            raise SystemExit("worker killed")  # what a SIGTERM mid-task looks like
        return real_run(**kwargs)

    monkeypatch.setattr(RecertificationFlow.start, "run", run_then_die)
    with _at(day), pytest.raises(SystemExit):
        sweep.credential_sweep(today=day)
    statuses = sorted(Approval.objects.filter(pk__in=[a.pk for a in approvals])
                      .values_list("status", flat=True))
    assert statuses == ["approved", "suspended"]
    assert RecertificationProcess.objects.count() == 1

    monkeypatch.setattr(RecertificationFlow.start, "run", real_run)
    with _at(day):
        report = sweep.credential_sweep(today=day)
        again = sweep.credential_sweep(today=day)
    assert report.suspended == 1 and again.suspended == 0
    assert set(Approval.objects.filter(pk__in=[a.pk for a in approvals])
               .values_list("status", flat=True)) == {"suspended"}
    assert RecertificationProcess.objects.count() == 2
    for approval in approvals:
        assert AuditEvent.objects.for_object(approval).filter(
            action="approval.suspended").count() == 1


def test_a_clerk_by_group_gets_the_digest_too(world, insured):
    """A clerk's role given to a group (the admin's permission page can) lets its members
    act on the bureau's tasks, so they are told too."""
    from guardian.shortcuts import assign_perm

    from tests.factories import GroupFactory, UserFactory

    group = GroupFactory(name="东湖区经办组")
    assign_perm("clerk_bureau", group, world.bureau)
    member = UserFactory()
    member.groups.add(group)
    _approval, expiry = insured
    day = expiry - datetime.timedelta(days=10)
    with _at(day):
        assert reminders.digests_send(today=day) >= 1
    assert Notification.objects.filter(user=member).count() == 1
    assert Notification.objects.filter(user=world.clerk).count() == 1


def test_a_renewal_cut_at_a_document_returns_to_its_renewed_term_once_it_is_renewed(
        world, insured):
    """Issue 20: a 1+1 renewal stops where a document expires; renewed, the document gives
    the approval its renewed term back (not the first term, long past)."""
    w = world
    approval, _expiry = insured
    day = datetime.timedelta
    far, cut = START + day(2000), START + day(500)
    Document.objects.filter(organization=w.organization, expires_on__isnull=False).update(
        expires_on=far)
    Document.objects.filter(organization=w.organization, superseded_at__isnull=True,
                            document_type__code="liability_insurance").update(expires_on=cut)
    with _at(START + day(300)):
        registry_services.approval_renew(actor=None, approval=approval, reason="年审良好")
    approval.refresh_from_db()
    assert approval.valid_until == cut and approval.renewals == 1
    # the day after the insurance expires: suspended, and a re-certification opens
    _sweep_days(cut + day(1), cut + day(1))
    approval.refresh_from_db()
    assert approval.status == Approval.Status.SUSPENDED
    case = RecertificationProcess.objects.get(approval=approval)
    [task] = open_tasks(case, "renew")
    with _at(cut + day(3)):
        from documents.services import document_upload

        new = document_upload(actor=w.provider, subject=w.organization,
                              document_type="liability_insurance", file=pdf(),
                              filename="i3.pdf", issued_on=cut + day(3), expires_on=far)
        task_actions.task_perform(actor=w.provider, task=task, data={"confirm": "on"})
        [task] = open_tasks(case, "recert_verify")
        task_actions.task_perform(actor=w.clerk, task=task, data={f"doc_{new.pk}": "verify"})
    approval.refresh_from_db()
    assert approval.status == Approval.Status.APPROVED
    assert approval.valid_until == START + day(2 * 365 - 1)  # the renewed term's end


def test_holders_of_an_expired_document_not_required_of_them_never_hold_back_the_sweep(
        world, settings):
    # given more people than one run's batch whose only expired document is the
    # qualification for high-risk sports, which nobody asked of them (approved for no
    # high-risk sport): their approvals are not due, and come first in the approvals' order
    w = world
    settings.RECERT_SWEEP_BATCH = 2
    qualification = DocumentType.objects.get(code="high_risk_sports_qualification")
    def qualified(name):
        person = PersonFactory(name=name)
        document = document_upload(actor=w.root, subject=person, document_type=qualification,
                                   file=pdf("q.pdf"), filename="q.pdf",
                                   issued_on=timezone.localdate() - datetime.timedelta(10),
                                   expires_on=timezone.localdate() + datetime.timedelta(300))
        Document.objects.filter(pk=document.pk).update(
            issued_on=START - datetime.timedelta(300), expires_on=START + datetime.timedelta(50))
        return person

    bystanders = [_approve(w, person=qualified(name)) for name in ("游泳甲", "游泳乙", "游泳丙")]
    # and then an organization whose liability insurance has expired, and a swimming
    # teacher whose qualification has
    Document.objects.filter(organization=w.organization, superseded_at__isnull=True,
                            document_type__code="liability_insurance").update(
        issued_on=START - datetime.timedelta(200), expires_on=START + datetime.timedelta(100))
    due = [_approve(w, organization=w.organization),
           _approve(w, person=qualified("游泳丁"),
                    categories=[ServiceCategory.objects.get(code="swimming")])]
    assert max(b.pk for b in bystanders) < min(d.pk for d in due)

    # when the daily sweep runs, twice
    day = START + datetime.timedelta(days=101)
    with _at(day, 2):
        first = sweep.credential_sweep(today=day)
        second = sweep.credential_sweep(today=day)

    # then both are suspended on the first run, and the others stay approved
    assert (first.suspended, second.suspended) == (2, 0)
    assert {d.status for d in Approval.objects.filter(pk__in=[d.pk for d in due])} \
        == {Approval.Status.SUSPENDED}
    assert {b.status for b in Approval.objects.filter(pk__in=[b.pk for b in bystanders])} \
        == {Approval.Status.APPROVED}


def test_an_organization_is_suspended_for_its_high_risk_licence_only_while_it_offers_one(
        world):
    # given two approved organizations that each hold the high-risk sports licence, which
    # expires on day 100: one still offers swimming, the other no longer does
    w = world
    licence = DocumentType.objects.get(code="high_risk_sports_licence")
    swimming = ServiceCategory.objects.get(code="swimming")
    approvals = {}
    for name, keeps_swimming in (("still", True), ("stopped", False)):
        organization = OrganizationFactory()
        offering = OfferingFactory(organization=organization, category=swimming)
        upload_all(w.root, organization)
        Document.objects.filter(organization=organization, document_type=licence).update(
            issued_on=START - datetime.timedelta(200), expires_on=START + datetime.timedelta(100))
        if not keeps_swimming:
            Offering.objects.filter(pk=offering.pk).update(is_active=False)
        approvals[name] = _approve(w, organization=organization)

    # when the sweep runs after the licence expired
    day = START + datetime.timedelta(days=101)
    with _at(day, 2):
        report = sweep.credential_sweep(today=day)

    # then only the one still offering swimming is suspended, with the licence due
    assert report.suspended == 1
    for approval in approvals.values():
        approval.refresh_from_db()
    assert approvals["still"].status == Approval.Status.SUSPENDED
    assert approvals["stopped"].status == Approval.Status.APPROVED
    case = RecertificationProcess.objects.get(approval=approvals["still"])
    assert [d["code"] for d in case.due_types] == ["high_risk_sports_licence"]


def test_an_approval_reinstated_while_its_case_is_open_is_suspended_again_under_it(
        world, insured):
    # given an approval suspended for its expired insurance, with its case open, then back
    # in force as one reinstated before holds and the credential check existed could be,
    # the insurance still expired; and another approval whose term ends a few days later
    w = world
    approval, expiry = insured
    other_org = OrganizationFactory()
    registry_services.role_grant(actor=w.root, user=w.provider, role=Role.PROVIDER,
                                 target=other_org)
    upload_all(w.provider, other_org, expires_in_days=3000)
    other = _approve(w, organization=other_org, days=110)
    day = expiry + datetime.timedelta(days=1)
    with _at(day, 2):
        assert sweep.credential_sweep(today=day).suspended == 1
    case = RecertificationProcess.objects.get(approval=approval)
    ApprovalHold.objects.filter(approval=approval).delete()
    Approval.objects.filter(pk=approval.pk).update(status=Approval.Status.APPROVED)

    # when the next sweeps run
    later = day + datetime.timedelta(days=12)
    for run_day in (day + datetime.timedelta(days=1), later):
        with _at(run_day, 2):
            sweep.credential_sweep(today=run_day)

    # then the approval is suspended again under its one open case, and the sweep's later
    # steps still run (the other approval's term has ended: it is expired)
    approval.refresh_from_db()
    assert approval.status == Approval.Status.SUSPENDED
    assert list(RecertificationProcess.objects.filter(approval=approval)) == [case]
    case.refresh_from_db()
    assert case.outcome == CaseOutcome.OPEN
    other.refresh_from_db()
    assert other.status == Approval.Status.EXPIRED


def test_a_reminder_threatens_a_suspension_only_where_the_approval_rests_on_the_document(
        world):
    # given a person approved for arts who holds the qualification for high-risk sports
    # (optional for them) and a health certificate (required), both expiring on day 100
    w = world
    person = OwnAccountPersonFactory()
    user = person.user
    upload_all(user, person, expires_in_days=1000)
    _approve(w, person=person, categories=[ServiceCategory.objects.get(code="arts")])
    expiry = START + datetime.timedelta(days=100)
    current = Document.objects.filter(person=person, superseded_at__isnull=True,
                                      document_type__expires=True)
    qualification = current.get(document_type__for_high_risk=True)
    required = current.filter(document_type__is_required=True,
                              document_type__for_high_risk=False).first()
    assert required is not None
    current.filter(pk__in=[qualification.pk, required.pk]).update(
        expires_on=expiry, issued_on=START)

    # when the reminders a week before are recorded and delivered
    day = expiry - datetime.timedelta(days=7)
    with _at(day, 2), translation.override("zh-hans"):
        reminders.reminders_record(today=day)
        reminders.reminders_deliver()

    # then each says what is true of it: a suspension only for the required one
    bodies = dict(Notification.objects.filter(user=user).values_list("subject", "body"))
    [on_qualification] = [b for s, b in bodies.items()
                          if qualification.document_type.name in s]
    [on_required] = [b for s, b in bodies.items() if required.document_type.name in s]
    assert "暂停" not in on_qualification and "不以此证件为条件" in on_qualification
    assert "准入资格将被暂停" in on_required


@pytest.mark.parametrize("review", ["pending", "rejected", "verified"])
def test_a_renewal_carries_the_approval_past_the_old_expiry_only_once_verified(
        world, insured, review):
    # given the verified insurance the approval rests on, and a renewal uploaded five days
    # before it expires: left waiting for review, rejected, or verified
    w = world
    approval, expiry = insured
    insurance = Document.objects.get(organization=w.organization, superseded_at__isnull=True,
                                     document_type__code="liability_insurance")
    document_verify(actor=w.clerk, document=insurance)
    upload_day = expiry - datetime.timedelta(days=5)
    with _at(upload_day):
        renewal = document_upload(
            actor=w.provider, subject=w.organization, document_type="liability_insurance",
            file=pdf(), filename="renewal.pdf", issued_on=upload_day,
            expires_on=upload_day + datetime.timedelta(days=365))
        if review == "rejected":
            document_reject(actor=w.clerk, document=renewal, reason="保单不是本机构的")
        elif review == "verified":
            document_verify(actor=w.clerk, document=renewal)

    # when the sweep runs after the old one expired
    day = expiry + datetime.timedelta(days=3)
    with _at(day, 2):
        report = sweep.credential_sweep(today=day)

    # then only a verified renewal keeps the approval in force
    approval.refresh_from_db()
    if review == "verified":
        assert (report.suspended, approval.status) == (0, Approval.Status.APPROVED)
        return
    assert (report.suspended, approval.status) == (1, Approval.Status.SUSPENDED)
    # the case names the expired version the renewal must replace
    case = RecertificationProcess.objects.get(approval=approval)
    assert [(d["code"], d["document"], d["expires_on"]) for d in case.due_types] == [
        ("liability_insurance", insurance.pk, expiry.isoformat())]
    if review == "pending":
        # and the renewal waiting for review is what the provider submits for the check
        with _at(day, 10):
            recertification.recertification_submit(actor=w.provider, case=case)


def test_an_annual_review_date_in_late_december_is_caught_up_in_january(world, insured):
    # given a bureau that reviews on 20 December, and an approval in force until March
    w = world
    approval, _expiry = insured
    Document.objects.filter(document_type__code="liability_insurance").update(
        expires_on=START + datetime.timedelta(days=900))
    BureauCalendar.objects.create(bureau=w.bureau, annual_review_month=12,
                                  annual_review_day=20, requery_month=3, requery_day=1)
    Approval.objects.filter(pk=approval.pk).update(valid_until=datetime.date(2027, 3, 1))

    # when the runs of 20 December to 1 January were missed, and it runs on 2 January
    day = datetime.date(2027, 1, 2)
    with _at(day, 2):
        opened = annual_review.annual_reviews_open(today=day)
        again = annual_review.annual_reviews_open(today=day)

    # then the review of 20 December opens, once
    assert (opened, again) == (1, 0)
    assert AnnualReviewProcess.objects.get(approval=approval).period_end == \
        datetime.date(2026, 12, 20)


def test_a_document_type_the_catalogue_no_longer_asks_for_suspends_nobody(world, insured):
    # given the insurance expiring on day 100, and the catalogue no longer asking for it
    approval, expiry = insured
    DocumentType.objects.filter(code="liability_insurance").update(is_active=False)

    # when the sweep runs after it expired
    day = expiry + datetime.timedelta(days=1)
    with _at(day, 2):
        report = sweep.credential_sweep(today=day)

    # then nothing is suspended
    approval.refresh_from_db()
    assert (report.suspended, approval.status) == (0, Approval.Status.APPROVED)


def _renew(w, case, day):
    """The provider uploads a renewed insurance and submits; the clerk verifies it."""
    with _at(day):
        [task] = open_tasks(case, "renew")
        new = document_upload(actor=w.provider, subject=w.organization,
                              document_type="liability_insurance", file=pdf(),
                              filename="renewed.pdf", issued_on=day,
                              expires_on=day + datetime.timedelta(days=200))
        task_actions.task_perform(actor=w.provider, task=task, data={"confirm": "on"})
        [task] = open_tasks(case, "recert_verify")
        task_actions.task_perform(actor=w.clerk, task=task, data={f"doc_{new.pk}": "verify"})
    case.refresh_from_db()


def _suspended_for_the_insurance(w, insured):
    approval, expiry = insured
    day = expiry + datetime.timedelta(days=1)
    with _at(day, 2):
        assert sweep.credential_sweep(today=day).suspended == 1
    return approval, day, RecertificationProcess.objects.get(approval=approval)


def test_the_bureau_cannot_reinstate_past_an_expired_credential(world, insured):
    w = world
    approval, day, case = _suspended_for_the_insurance(w, insured)
    # when the administrator reinstates the organization while its insurance is expired
    with _at(day, 10):
        [held] = registry_services.provider_reinstate(
            actor=w.admin, bureau=w.bureau, organization=w.organization, reason="误操作")
    # then it stays suspended, held for the credential, and its case waits for the renewal
    assert held.status == Approval.Status.SUSPENDED
    assert registry_services.approval_held_by(held) == ["credential"]
    # the verified renewal puts it back in force
    _renew(w, case, day + datetime.timedelta(days=2))
    approval.refresh_from_db()
    assert approval.status == Approval.Status.APPROVED
    assert case.outcome == CaseOutcome.APPROVED


def test_a_verified_renewal_does_not_lift_the_bureaus_sanction(world, insured):
    w = world
    approval, day, case = _suspended_for_the_insurance(w, insured)
    # given the bureau suspends the organization too (an incident), while it is suspended
    with _at(day, 10):
        [sanctioned] = registry_services.provider_suspend(
            actor=w.admin, bureau=w.bureau, organization=w.organization, reason="安全事故调查")
    assert sanctioned.status == Approval.Status.SUSPENDED
    # when its renewal is verified
    renewed_on = day + datetime.timedelta(days=2)
    _renew(w, case, renewed_on)
    # then the re-certification is done, but the approval stays suspended and says why,
    # with its new term kept for when the sanction is lifted
    approval.refresh_from_db()
    assert approval.status == Approval.Status.SUSPENDED
    assert case.outcome == CaseOutcome.APPROVED
    assert "教育局作出的暂停决定" in case.outcome_reason
    assert approval.valid_until <= renewed_on + datetime.timedelta(days=200)
    # lifting the sanction puts it back in force, valid
    with _at(renewed_on, 12):
        registry_services.provider_reinstate(actor=w.admin, bureau=w.bureau,
                                             organization=w.organization, reason="调查结束")
    approval.refresh_from_db()
    assert approval.status == Approval.Status.APPROVED
    assert approval.is_valid_on(renewed_on)


def test_a_verified_renewal_does_not_reinstate_a_blacklisted_provider(world, insured):
    w = world
    approval, day, case = _suspended_for_the_insurance(w, insured)
    # given the organization is barred meanwhile by another bureau's confirmed case
    Blacklisting.objects.create(bureau=w.other_bureau, organization=w.organization,
                                uscc=w.organization.uscc, starts_on=day,
                                ends_on=day + datetime.timedelta(days=3 * 365),
                                reason="严重违规")
    # when its renewal is verified, it stays suspended
    _renew(w, case, day + datetime.timedelta(days=2))
    approval.refresh_from_db()
    assert approval.status == Approval.Status.SUSPENDED
    assert "黑名单" in case.outcome_reason


def _insurance_expires(organization, on):
    Document.objects.filter(organization=organization, superseded_at__isnull=True,
                            document_type__code="liability_insurance").update(
        expires_on=on, issued_on=on - datetime.timedelta(days=300))


def test_a_county_without_a_bureau_of_its_own_is_served_by_its_city(world):
    # given an organization approved in a county the registry has no bureau row for
    w = world
    county = JurisdictionFactory(code="360188", name="无局区")
    approval = InForceApprovalFactory(
        actor=w.root, jurisdiction=county, organization=w.organization, valid_from=START,
        valid_until=START + datetime.timedelta(days=364))
    expiry = START + datetime.timedelta(days=100)
    _insurance_expires(w.organization, expiry)
    # when its insurance expires, then it is suspended and its case goes to the city's bureau
    day = expiry + datetime.timedelta(days=1)
    with _at(day, 2):
        assert sweep.credential_sweep(today=day).suspended == 1
    assert RecertificationProcess.objects.get(approval=approval).bureau == w.bureau


def test_one_approval_that_fails_does_not_hold_back_the_sweep(world, caplog):
    # given, first in line, an approval in a province no bureau serves (added without its
    # bureau), then an approval of the world's organization, both with their insurance
    # expiring on day 100, and an approval whose term ends on day 50
    w = world
    nowhere = JurisdictionFactory(code="990000", name="无局省",
                                  level=Jurisdiction.Level.PROVINCE, parent=None)
    orphan_org, ended_org = OrganizationFactory(), OrganizationFactory()
    for org in (orphan_org, ended_org):
        registry_services.role_grant(actor=w.root, user=w.provider, role=Role.PROVIDER,
                                     target=org)
        upload_all(w.provider, org, expires_in_days=3000)
    orphan = InForceApprovalFactory(actor=w.root, jurisdiction=nowhere, organization=orphan_org,
                                    valid_from=START,
                                    valid_until=START + datetime.timedelta(days=364))
    approval = _approve(w, organization=w.organization)
    ended = _approve(w, organization=ended_org, days=50)
    expiry = START + datetime.timedelta(days=100)
    for org in (orphan_org, w.organization):
        _insurance_expires(org, expiry)
    # when the sweep runs the next day
    day = expiry + datetime.timedelta(days=1)
    with _at(day, 2), pytest.raises(sweep.SweepIncomplete) as incomplete:
        sweep.credential_sweep(today=day)
    # then the failure is reported, and everything else is done: the other approval is
    # suspended with its case, and the later steps ran (the ended term expired)
    assert incomplete.value.failed == ["suspended"]
    assert incomplete.value.report.suspended == 1
    assert f"item {orphan.pk} failed" in caplog.text
    approval.refresh_from_db()
    assert approval.status == Approval.Status.SUSPENDED
    assert RecertificationProcess.objects.filter(approval=approval).exists()
    ended.refresh_from_db()
    assert ended.status == Approval.Status.EXPIRED


def test_moving_the_annual_review_date_inside_the_window_opens_no_second_review(world):
    # given a bureau reviewing on 1 June, and an approval whose term ends in January
    w = world
    approval = _approve(w, organization=w.organization)
    calendar = BureauCalendar.objects.create(bureau=w.bureau, annual_review_month=6,
                                             annual_review_day=1, requery_month=3,
                                             requery_day=1)
    june_1 = datetime.date(2026, 6, 1)
    with _at(june_1, 2):
        assert annual_review.annual_reviews_open(today=june_1) == 1
    # when the bureau then moves its date to 10 June, and the run of 10 June comes
    calendar.annual_review_day = 10
    calendar.save()
    june_10 = datetime.date(2026, 6, 10)
    with _at(june_10, 2):
        opened = annual_review.annual_reviews_open(today=june_10)
    # then this year's review is the one already open
    assert opened == 0
    assert AnnualReviewProcess.objects.filter(approval=approval).count() == 1


def test_a_credential_that_expired_during_a_sanction_holds_the_approval_when_it_is_lifted(
        world, insured):
    # given an organization suspended by the bureau before its insurance expired on day 100
    w = world
    approval, expiry = insured
    with _at(expiry - datetime.timedelta(days=10), 10):
        registry_services.provider_suspend(actor=w.admin, bureau=w.bureau,
                                           organization=w.organization, reason="事故调查")
    day = expiry + datetime.timedelta(days=5)
    with _at(day, 2):
        sweep.credential_sweep(today=day)  # nothing to suspend: it is suspended already
    # when the bureau lifts its sanction, the insurance expired meanwhile
    with _at(day, 10):
        [held] = registry_services.provider_reinstate(
            actor=w.admin, bureau=w.bureau, organization=w.organization, reason="调查结束")
    # then it stays suspended for the credential, with its re-certification case open
    assert held.status == Approval.Status.SUSPENDED
    assert registry_services.approval_held_by(held) == ["credential"]
    case = RecertificationProcess.objects.get(approval=approval, outcome=CaseOutcome.OPEN)
    # and the verified renewal puts it back in force
    _renew(w, case, day + datetime.timedelta(days=1))
    approval.refresh_from_db()
    assert approval.status == Approval.Status.APPROVED


def test_a_credential_that_lapses_while_the_renewal_waits_is_asked_for_before_restoring(
        world, insured):
    # given an organization suspended for its insurance (expired on day 100), whose
    # operating licence expires two days later, while its renewal case is open
    w = world
    approval, day, case = _suspended_for_the_insurance(w, insured)
    licence_expiry = day + datetime.timedelta(days=1)
    Document.objects.filter(organization=w.organization, superseded_at__isnull=True,
                            document_type__code="operating_licence").update(
        expires_on=licence_expiry, issued_on=licence_expiry - datetime.timedelta(days=900))
    # when the clerk verifies the renewed insurance after the licence has expired
    renewed_on = licence_expiry + datetime.timedelta(days=1)
    _renew(w, case, renewed_on)
    # then the approval stays suspended (neither back in force on an expired licence nor
    # expired for it), and the case goes back to the provider for the licence too
    approval.refresh_from_db()
    assert approval.status == Approval.Status.SUSPENDED
    assert case.outcome == CaseOutcome.OPEN
    assert [item["code"] for item in case.due_types] == ["liability_insurance",
                                                         "operating_licence"]
    [task] = open_tasks(case, "renew")
    # and told what else to renew, in its language
    notice = w.provider.notifications.order_by("-pk").first()
    assert notice.subject == "您的准入资格仍处于暂停状态：请一并更新 办学许可证"
    assert "办学许可证已于" in notice.body
    # submitting without renewing the licence is refused, naming it
    with _at(renewed_on, 11), pytest.raises(ValidationError, match="办学许可证"):
        task_actions.task_perform(actor=w.provider, task=task, data={"confirm": "on"})
    # once the licence is renewed and verified, the approval is back in force
    with _at(renewed_on, 12):
        licence = document_upload(actor=w.provider, subject=w.organization,
                                  document_type="operating_licence", file=pdf(),
                                  filename="licence.pdf", issued_on=renewed_on,
                                  expires_on=renewed_on + datetime.timedelta(days=900))
        task_actions.task_perform(actor=w.provider, task=task, data={"confirm": "on"})
        [task] = open_tasks(case, "recert_verify")
        task_actions.task_perform(actor=w.clerk, task=task,
                                  data={f"doc_{licence.pk}": "verify"})
    approval.refresh_from_db()
    case.refresh_from_db()
    assert approval.status == Approval.Status.APPROVED
    assert approval.is_valid_on(renewed_on)
    assert case.outcome == CaseOutcome.APPROVED


def test_the_provider_finds_its_recertification_case_in_my_applications(world, insured, client):
    w = world
    approval, expiry = insured
    # given: the insurance expired, the approval is suspended and a re-certification opened
    day_after = expiry + datetime.timedelta(days=1)
    _sweep_days(day_after, day_after)
    case = RecertificationProcess.objects.get(approval=approval)
    # when the organization's provider opens 我的申请
    client.force_login(w.provider)
    with _at(day_after, 10):
        body = client.get("/selection/cases/").content.decode()
    # then the case is listed, linked to its page, with its kind and where it stands
    assert f'href="/selection/cases/recertification/{case.pk}/"' in body
    assert "重新审核案件" in body and w.organization.name in body and "办理中" in body
    # another organization's provider does not see it
    client.force_login(w.other_provider)
    with _at(day_after, 10):
        other = client.get("/selection/cases/").content.decode()
    assert f"/recertification/{case.pk}/" not in other
