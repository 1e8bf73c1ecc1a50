"""Blacklisting (拉黑): proposed below, confirmed or refused by a second person (four
eyes). A confirmed blacklisting revokes the provider's approvals through the sanctions of
``registry.services.sanctions``; the re-check (复查) of a record hit is
``registry.services.recheck``'s."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.storage import storages
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from guardian.shortcuts import get_users_with_perms

from registry.models import (
    Approval,
    Blacklisting,
    BlacklistProposal,
    Bureau,
    Engagement,
    Jurisdiction,
    Organization,
    Person,
    SanctionEvidence,
)
from registry.notifications import notify
from registry.selectors.record_hit_notice import RecordHitReach, person_record_hit_reach
from registry.selectors.sanctions import (
    bureau_staff,
    is_blacklisted,
    may_read_sanction_evidence,
    users_acting_for,
)
from registry.services.core import (
    _require_reason,
    approval_revoke,
    audit_record,
    require_perm,
)
from registry.services.holds import record_hit_answered
from registry.services.record_hit_notice import record_hit_notice_ask
from registry.services.sanction_reach import provider_users_and_roster, sanction_fan_out
from registry.services.sanctions import (
    _add_years,
    _approvals,
    _require_admin,
    _subject,
    is_blacklisted_subject,
)

# --- blacklisting: proposed, then confirmed or refused by a second person ----------------
#
# A blacklisting bars applications everywhere, so one administrator cannot impose it
# alone: a county or city administrator proposes it (with reasons and evidence) and an
# administrator of the provincial bureau other than the proposer confirms or refuses it.
# A record hit recorded by a clerk waits in the same way for an administrator of the
# case's bureau other than that clerk.

# A record of sexual offences bars a person from work with children for good.
RECORD_HIT_BAR_YEARS = 100

# Whether a provider is within a bureau's reach through something the registry does not
# keep (e.g. the workflows app's cases): callables ``(jurisdiction_id, subject) -> bool``
# registered by the apps that keep it (see ``workflows.apps``).
_reach_checks: list = []


def reach_check_register(check) -> None:
    """Add a ``(jurisdiction_id, subject) -> bool`` answer to "is this provider within the
    reach of this jurisdiction's bureau?"; registering the same callable twice is a no-op."""
    if check not in _reach_checks:
        _reach_checks.append(check)


def provider_within_reach(*, bureau: Bureau, organization: Organization | None = None,
                          person: Person | None = None) -> bool:
    """Whether the provider has an approval (of any status) or a case in the bureau's
    subtree, or is registered there (an organization's county; a person's employer's)."""
    subject = _subject(organization, person)
    under = bureau.jurisdiction_id
    if Approval.objects.filter(Jurisdiction.subtree_q(under, prefix="jurisdiction__"),
                               **subject).exists():
        return True
    county_id = (organization.county_id if organization is not None
                 else person.organization.county_id if person.organization_id else None)
    if county_id and Jurisdiction.objects.filter(Jurisdiction.subtree_q(under),
                                                 pk=county_id).exists():
        return True
    return any(check(under, organization or person) for check in _reach_checks)


def deciding_bureau(proposal: BlacklistProposal) -> Bureau:
    """Whose administrators decide ``proposal``: the provincial bureau above the proposer
    for a proposal, the case's bureau for a record hit."""
    if proposal.kind == BlacklistProposal.Kind.RECORD_HIT:
        return proposal.bureau
    return provincial_bureau(proposal.bureau)


def provincial_bureau(bureau: Bureau) -> Bureau:
    root = bureau.jurisdiction.lineage_ids()[-1]
    return bureau if root == bureau.jurisdiction_id else Bureau.objects.get(jurisdiction_id=root)


def _evidence_store(*, actor, files, **owner) -> list[SanctionEvidence]:
    """Keep uploaded evidence files in the private storage (PDF, JPEG or PNG, by their
    first bytes, within the document size limit). Every file is checked before any is
    written, so a refused one leaves nothing behind."""
    checked = []
    for upload in files or ():
        head = upload.read(8)
        upload.seek(0)
        kind = next((t for magic, t in _MAGIC if head.startswith(magic)), None)
        if kind is None:
            raise ValidationError({"evidence": _("Evidence must be a PDF, JPEG or PNG file.")})
        if upload.size > settings.DOCUMENTS_MAX_UPLOAD_BYTES:
            raise ValidationError({"evidence": _("This evidence file is too large.")})
        checked.append((upload, kind))
    storage = storages["documents"]
    stored = []
    for upload, (content_type, suffix) in checked:
        key = storage.save(f"sanctions/{uuid.uuid4().hex}{suffix}", upload)
        stored.append(SanctionEvidence.objects.create(
            storage_key=key, filename=(upload.name or "evidence")[-255:],
            content_type=content_type, size=upload.size, uploaded_by=actor, **owner))
    return stored


@transaction.atomic
def sanction_evidence_open(*, actor, evidence: SanctionEvidence):
    """The stored bytes of an evidence file of a blacklist proposal or a re-check, for
    those who may see what it came with; each read is audited on that proposal or
    re-check (who, which file), as a document's read is recorded."""
    if not may_read_sanction_evidence(actor, evidence):
        raise PermissionDenied(_("You may not read this evidence file."))
    handle = storages["documents"].open(evidence.storage_key, "rb")
    try:
        audit_record(actor=actor, action="blacklist.evidence_read",
                     target=evidence.proposal or evidence.recheck,
                     data={"evidence": evidence.pk, "file": evidence.filename, "via": "web"})
    except BaseException:
        handle.close()  # not given out unrecorded
        raise
    return handle


_MAGIC = ((b"%PDF-", ("application/pdf", ".pdf")), (b"\xff\xd8\xff", ("image/jpeg", ".jpg")),
          (b"\x89PNG\r\n\x1a\n", ("image/png", ".png")))


def _url(name: str, *args) -> str:
    return reverse(f"registry:{name}", args=args)


def _provider_users(proposal: BlacklistProposal) -> list:
    """The accounts that act for the proposal's subject (and the person's own)."""
    subject = proposal.subject
    codename = "act_for_organization" if proposal.organization_id else "act_for_person"
    users = list(get_users_with_perms(subject, only_with_perms_in=[codename],
                                      with_superusers=False, with_group_users=True)
                 .filter(is_active=True))
    if proposal.person_id and proposal.person.user_id:
        users.append(proposal.person.user)
    return users


def _subject_page(proposal: BlacklistProposal) -> str:
    if proposal.organization_id:
        return _url("portal-organization", proposal.organization_id)
    return _url("my-sanctions")


@transaction.atomic
def blacklist_propose(*, actor, bureau: Bureau, reason: str, years: int,
                      organization: Organization | None = None,
                      person: Person | None = None, evidence_references: str = "",
                      evidence_files=()) -> BlacklistProposal:
    """Propose blacklisting (黑名单) a provider within the bureau's reach for ``years``
    years. Nobody is barred until an administrator of the provincial bureau, other than
    the proposer, confirms it (:func:`blacklist_confirm`)."""
    _require_admin(actor, bureau)
    _require_reason(reason)
    subject = _subject(organization, person)
    try:
        years = int(years)
    except (TypeError, ValueError):
        years = 0
    if not 1 <= years <= 20:
        raise ValidationError({"years": _("Blacklist for 1 to 20 years.")})
    if not provider_within_reach(bureau=bureau, **subject):
        raise PermissionDenied(_("This provider has no approval, case or registration in "
                                 "your jurisdiction: propose only providers within it."))
    # one pending proposal per provider: lock the provider, then look
    (Organization if organization else Person).objects.select_for_update().get(
        pk=(organization or person).pk)
    if BlacklistProposal.objects.filter(status=BlacklistProposal.Status.PROPOSED,
                                        kind=BlacklistProposal.Kind.PROPOSAL,
                                        **subject).exists():
        raise ValidationError(_("A blacklisting of this provider is already waiting for "
                                "confirmation."))
    if is_blacklisted_subject(**subject):
        raise ValidationError(_("This provider is already blacklisted."))
    proposal = BlacklistProposal.objects.create(
        kind=BlacklistProposal.Kind.PROPOSAL, bureau=bureau, reason=reason.strip(),
        years=years, evidence_references=(evidence_references or "").strip(),
        proposed_by=actor, **subject)
    files = _evidence_store(actor=actor, files=evidence_files, proposal=proposal)
    audit_record(actor=actor, action="blacklist.propose", target=proposal,
                 to_state=proposal.status, reason=proposal.reason,
                 data={"years": years, "evidence_files": len(files),
                       "bureau": bureau.pk})
    province = deciding_bureau(proposal)
    notify(users=bureau_staff(province, "administer_bureau"),
           subject=_("A blacklisting is waiting for your confirmation"),
           body=_("%(bureau)s proposes blacklisting %(subject)s for %(years)d years. "
                  "Confirm or refuse it.") % {"bureau": bureau.name,
                                              "subject": proposal.subject, "years": years},
           url=_url("blacklist-proposals", province.pk), about=province)
    return proposal


def _lock(proposal: BlacklistProposal) -> BlacklistProposal:
    return (BlacklistProposal.objects.select_for_update(of=("self",))
            .select_related("bureau__jurisdiction", "organization", "person")
            .get(pk=proposal.pk))


def _require_decider(actor, proposal: BlacklistProposal) -> None:
    """Four eyes: an administrator of the deciding bureau, and not the proposer (for a
    record hit: not the clerk who recorded it)."""
    bureau = deciding_bureau(proposal)
    require_perm(actor, "registry.administer_bureau", bureau,
                 _("Only an administrator of %(bureau)s may decide this.")
                 % {"bureau": bureau.name})
    if proposal.proposed_by_id == actor.pk:
        raise PermissionDenied(_("Someone other than the proposer must decide this."))


@transaction.atomic
def blacklist_confirm(*, actor, proposal: BlacklistProposal,
                      reason: str = "") -> Blacklisting:
    """Confirm a proposal: the provider's open approvals (under the proposing bureau; for
    a record hit, everywhere) are revoked and the blacklisting takes effect."""
    proposal = _lock(proposal)
    _require_decider(actor, proposal)
    previous = proposal.apply_transition(BlacklistProposal.Status.CONFIRMED)
    proposal.decided_by, proposal.decided_at = actor, timezone.now()
    proposal.decision_reason = (reason or "").strip()
    proposal.save(update_fields=["status", "decided_by", "decided_at", "decision_reason"])
    subject = _subject(proposal.organization, proposal.person)
    if proposal.kind == BlacklistProposal.Kind.RECORD_HIT:
        approvals = list(Approval.objects.select_for_update(of=("self",)).filter(
            status__in=Approval.OPEN_STATUSES, **subject).order_by("pk"))
    else:
        approvals = _approvals(proposal.bureau, subject, Approval.OPEN_STATUSES)
    for approval in approvals:
        approval_revoke(actor=actor, approval=approval, reason=proposal.reason)
    sanction_fan_out(actor=actor, approvals=approvals, action="terminate",
                     reason=proposal.reason)
    today = timezone.localdate()
    entry = Blacklisting.objects.create(
        bureau=proposal.bureau, proposal=proposal, starts_on=today,
        ends_on=_add_years(today, proposal.years), reason=proposal.reason, created_by=actor,
        uscc=proposal.organization.uscc if proposal.organization_id else "",
        id_number=proposal.person.id_number if proposal.person_id else "", **subject)
    audit_record(actor=actor, action="blacklist.confirm", target=proposal,
                 from_state=previous, to_state=proposal.status, reason=proposal.decision_reason,
                 data={"blacklisting": entry.pk, "until": entry.ends_on.isoformat(),
                       "revoked": [a.pk for a in approvals]})
    _tell_decision(proposal)
    return entry


@transaction.atomic
def blacklist_refuse(*, actor, proposal: BlacklistProposal, reason: str) -> BlacklistProposal:
    """Refuse a proposal, with a reason: nobody is barred."""
    _require_reason(reason)
    proposal = _lock(proposal)
    _require_decider(actor, proposal)
    previous = proposal.apply_transition(BlacklistProposal.Status.REFUSED)
    proposal.decided_by, proposal.decided_at = actor, timezone.now()
    proposal.decision_reason = reason.strip()
    proposal.save(update_fields=["status", "decided_by", "decided_at", "decision_reason"])
    audit_record(actor=actor, action="blacklist.refuse", target=proposal, from_state=previous,
                 to_state=proposal.status, reason=proposal.decision_reason)
    if proposal.person_id:  # a record hit not confirmed no longer holds the person
        record_hit_answered(actor=actor, person=proposal.person, reason=proposal.decision_reason)
    _tell_decision(proposal)
    return proposal


@transaction.atomic
def blacklist_lift_on_reexamination(*, actor, proposal: BlacklistProposal, reason: str,
                                    case_ref: int | None = None) -> BlacklistProposal:
    """A re-examination (复核) of the review case that proposed ``proposal`` lifted the
    decision: the proposal no longer waits for confirmation, or the blacklisting it became
    ends now (the row stays, for the record). Approvals the confirmation revoked stay
    revoked (a revocation is final; the provider may apply again). The provider, its staff,
    the proposer and the deciding bureau's administrators, and the schools whose
    engagements the blacklisting terminated are told. A proposal already refused or
    lifted is left as it is (nothing to lift)."""
    _require_reason(reason)
    proposal = _lock(proposal)
    require_perm(actor, "registry.administer_bureau", proposal.bureau,
                 _("Only an administrator of %(bureau)s may do this.")
                 % {"bureau": proposal.bureau.name})
    if actor.pk in (proposal.proposed_by_id, proposal.decided_by_id):
        raise PermissionDenied(_("Someone who neither proposed nor confirmed the "
                                 "blacklisting must re-examine it."))
    if proposal.status not in (BlacklistProposal.Status.PROPOSED,
                               BlacklistProposal.Status.CONFIRMED):
        return proposal
    was = proposal.apply_transition(BlacklistProposal.Status.LIFTED)
    proposal.save(update_fields=["status"])
    entry = Blacklisting.objects.filter(proposal=proposal, lifted_at__isnull=True).first()
    terminated_schools: set[int] = set()
    if entry is not None:
        entry.lifted_at = timezone.now()
        entry.save(update_fields=["lifted_at"])
        subject = {"organization": proposal.organization} if proposal.organization_id else {
            "person": proposal.person}
        terminated_schools = set(Engagement.objects.filter(
            status=Engagement.Status.TERMINATED,
            status_changed_at__gte=proposal.decided_at, **subject)
            .values_list("school_id", flat=True))
    audit_record(actor=actor, action="blacklist.reexamination_lift", target=proposal,
                 from_state=was, to_state=proposal.status, reason=reason.strip(),
                 data={"review_case": case_ref, "blacklisting_ended":
                       entry.pk if entry is not None else None})
    named = proposal.subject.name
    words = {"subject": named}
    headline = _("The blacklisting of %(subject)s is lifted on re-examination (复核)") % words
    notify(users=provider_users_and_roster(proposal.subject), subject=headline,
           body=_("The re-examination lifted the proposal to blacklist you: you are not "
                  "barred. Approvals already revoked stay revoked; you may apply again. The "
                  "reasons are on your page."),
           url=_subject_page(proposal), about=proposal.subject)
    deciders = bureau_staff(deciding_bureau(proposal), "administer_bureau")
    notify(users=[u for u in [proposal.proposed_by, *deciders] if u is not None],
           subject=headline,
           body=_("The re-examination (复核) of the review case lifted the decision: the "
                  "blacklist proposal is withdrawn and needs no confirmation; a "
                  "blacklisting already in force ends today."),
           url=_url("blacklist-proposals", deciding_bureau(proposal).pk), about=proposal.bureau)
    if terminated_schools:
        notify(users=users_acting_for("school", "act_for_school", terminated_schools),
               subject=headline,
               body=_("%(subject)s is no longer barred. The engagements the blacklisting "
                      "terminated stay terminated; once approved again, it may be engaged "
                      "through the search.") % words,
               url=reverse("registry:school-engagements"), about=proposal.subject)
    return proposal


def _tell_decision(proposal: BlacklistProposal) -> None:
    """The proposer hears the decision; the provider hears there is news (no reasons in
    a message that may be read by others: they are on the provider's own page)."""
    # an organization may be named; a person (a record hit) is not, in a message
    named = proposal.organization.name if proposal.organization_id else _("a person")
    words = {"subject": named, "status": proposal.get_status_display()}
    notify(users=[proposal.proposed_by],
           subject=_("Blacklist proposal decided: %(status)s") % words,
           body=_("The blacklisting of %(subject)s: %(status)s.") % words,
           url=_url("blacklist-proposals", proposal.bureau_id), about=proposal.bureau)
    if proposal.status == BlacklistProposal.Status.CONFIRMED or (
            proposal.kind == BlacklistProposal.Kind.RECORD_HIT):
        notify(users=_provider_users(proposal),
               subject=_("News from the education bureau"),
               body=_("There is news about your standing with the education bureau. "
                      "Sign in to read it."),
               url=_subject_page(proposal), about=proposal.organization or proposal.bureau)


@transaction.atomic
def person_bar_for_record_hit(*, actor, bureau: Bureau, person: Person,
                              reason: str) -> BlacklistProposal | None:
    """A mandatory record query (入职查询) returned a record, recorded by ``actor`` (the
    clerk): the person is barred once an administrator of ``bureau`` other than that
    clerk confirms it (:func:`blacklist_confirm`). Until then nobody is barred; the person
    is told and may ask once for a re-check (:func:`recheck_request`). Returns the
    pending proposal (the existing one if there is one), or ``None`` if the person is
    already barred."""
    _require_reason(reason)
    Person.objects.select_for_update().get(pk=person.pk)
    if is_blacklisted(id_number=person.id_number):
        return None
    pending = BlacklistProposal.objects.filter(
        person=person, kind=BlacklistProposal.Kind.RECORD_HIT,
        status=BlacklistProposal.Status.PROPOSED).first()
    if pending is not None:
        return pending
    proposal = BlacklistProposal.objects.create(
        kind=BlacklistProposal.Kind.RECORD_HIT, bureau=bureau, person=person,
        reason=reason.strip(), years=RECORD_HIT_BAR_YEARS, proposed_by=actor)
    audit_record(actor=actor, action="blacklist.record_hit", target=proposal,
                 to_state=proposal.status, reason=proposal.reason)
    notify(users=[u for u in bureau_staff(bureau, "administer_bureau") if u.pk != actor.pk],
           subject=_("A record hit is waiting for your confirmation"),
           # who and what are on the page, for those who may see them: never in an email
           body=_("A record query found a record. Confirm or refuse the bar on the page."),
           url=_url("blacklist-proposals", bureau.pk), about=bureau)
    reach = person_record_hit_reach(person)  # who can be told: the one rule of it
    notify(users=reach.own,
           subject=_("News from the education bureau"),
           body=_("There is news for you from the education bureau. Sign in to read it."),
           url=_url("my-sanctions"), about=bureau)
    if reach.inviters:
        _employer_asked_to_invite(person, reach)
    elif reach.in_writing:  # nobody with an account to tell: the bureau writes to the person
        record_hit_notice_ask(bureau=bureau, proposal=proposal)
    return proposal


def _employer_asked_to_invite(person: Person, reach: RecordHitReach) -> None:
    """A person with no account of their own could neither read the news of their record
    hit nor ask for a re-check: their organization is asked to invite them to claim their
    record (its administrator sends invitations), and is not told what the news is."""
    organization = person.organization
    words = {"person": person.name}
    url = (_url("portal-invite", organization.pk) if reach.by_administrator
           else _url("portal-person", person.pk))
    notify(users=reach.inviters, subject=_("The education bureau has news for %(person)s") % words,
           body=_("There is news from the education bureau that only %(person)s may read and "
                  "answer. %(person)s has no account of their own: your organization's "
                  "administrator invites them to claim their record with their own account; "
                  "then ask them to sign in.") % words,
           url=url, about=organization)


def _provider_users_of_person(person: Person) -> list:
    """The person's own accounts: their user, and those acting for them as a person."""
    users = list(get_users_with_perms(person, only_with_perms_in=["act_for_person"],
                                      with_superusers=False, with_group_users=True)
                 .filter(is_active=True))
    return [*users, person.user] if person.user_id else users


def may_act_as_person(user, person: Person) -> bool:
    return bool(user and user.is_authenticated) and (
        person.user_id == user.pk or user.has_perm("registry.act_for_person", person))
