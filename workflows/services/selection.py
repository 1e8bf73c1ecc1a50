"""Organization selection (非学科类校外培训机构遴选): calls for applications, the
application that starts the flow, the policy flags on its offerings, and the clerk's
qualification check."""

from __future__ import annotations

import datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from documents.models import Document
from registry import services as registry_services
from registry.models import (
    Approval,
    Bureau,
    Organization,
    Person,
)
from workflows import entry, recipients
from workflows.models import (
    CallForApplications,
    CaseOutcome,
    OfferingFlag,
    SelectionProcess,
)
from workflows.services import checks, panel
from workflows.services._base import audit, require_text
from workflows.services.completeness import check_document_decisions


@transaction.atomic
def call_open(*, actor, bureau: Bureau, title: str, opens_on: datetime.date,
              closes_on: datetime.date, description: str = "") -> CallForApplications:
    """Publish a call for applications (征集公告) with its window."""
    if not actor.has_perm("registry.administer_bureau", bureau):
        raise PermissionDenied
    title = require_text(title, "title", _("Give the call a title."))
    if closes_on < opens_on:
        raise ValidationError({"closes_on": _("The call closes before it opens.")})
    call = CallForApplications.objects.create(bureau=bureau, title=title, opens_on=opens_on,
                                              closes_on=closes_on, description=description,
                                              created_by=actor)
    registry_services.audit_record(actor=actor, action="call.open", target=call,
                                   to_state="open", data={"opens_on": str(opens_on),
                                                          "closes_on": str(closes_on)})
    return call


def _call_for(bureau: Bureau, call: CallForApplications | None, today: datetime.date):
    """The call an application goes to; ``None`` where the bureau takes applications any time."""
    if call is not None:
        if call.bureau_id != bureau.pk:
            raise ValidationError({"call": _("This call belongs to another bureau.")})
        if not call.is_open(today):
            raise ValidationError({"call": _("This call for applications is not open "
                                             "(%(opens)s – %(closes)s).")
                                   % {"opens": call.opens_on, "closes": call.closes_on}})
        return call
    calls = CallForApplications.objects.filter(bureau=bureau)
    if not calls.exists():
        return None
    current = calls.filter(opens_on__lte=today, closes_on__gte=today).order_by("closes_on")
    if not current.exists():
        raise ValidationError(_("%(bureau)s is not accepting applications now: no call for "
                                "applications is open.") % {"bureau": bureau.name})
    return current.first()


@transaction.atomic
def selection_apply(*, actor, organization: Organization, bureau: Bureau, offerings,
                    roster=(), call: CallForApplications | None = None) -> SelectionProcess:
    """An organization applies to a bureau; starts the selection flow."""
    if not actor.has_perm("registry.act_for_organization", organization):
        raise PermissionDenied
    today = timezone.localdate()
    call = _call_for(bureau, call, today)
    checks.refuse_if_barred(organization=organization)
    Organization.objects.select_for_update().get(pk=organization.pk)  # serialise applications
    if SelectionProcess.objects.filter(organization=organization, bureau=bureau, call=call,
                                       outcome=CaseOutcome.OPEN).exists():
        raise ValidationError(_("This organization already has an open application to this "
                                "bureau."))
    offerings = list(offerings)
    if not offerings:
        raise ValidationError({"offerings": _("Choose at least one offering.")})
    if any(o.organization_id != organization.pk or not o.is_active for o in offerings):
        raise ValidationError({"offerings": _("Only the organization's own active offerings "
                                              "can be included.")})
    roster = list(roster)
    if any(p.organization_id != organization.pk for p in roster):
        raise ValidationError({"roster": _("Only the organization's own staff can be on the "
                                           "roster.")})
    # Policy screening: a disallowed category is refused outright; subject-tutoring
    # wording or a fee above the cap only flags the offering for the clerk.
    registry_services.offerings_require_allowed(offerings=offerings,
                                                jurisdiction=bureau.jurisdiction)
    case = entry.flow("selection").start.run(
      actor=actor, organization=organization, bureau=bureau, call=call,
      offerings=offerings, roster=roster,
  )
    _flags_record(case, offerings)
    return case


def _flags_record(case: SelectionProcess, offerings) -> list[OfferingFlag]:
    """Screen the offerings against the bureau's rules and record a flag per finding."""
    found = registry_services.offerings_screen(offerings=offerings,
                                               jurisdiction=case.bureau.jurisdiction)
    flags = OfferingFlag.objects.bulk_create([
        OfferingFlag(case=case, offering=f.offering, kind=f.kind,
                     matched_words=f.matched_words, detail=f.detail) for f in found])
    if flags:
        audit(None, "case.flagged", case, to_state="flagged",
              data={"flags": [{"offering": f.offering_id, "kind": f.kind,
                               "words": f.matched_words} for f in flags]})
    return flags


@transaction.atomic
def selection_create(*, activation, actor, organization, bureau, call, offerings, roster):
    """Fill the new process row (called by the flow's start node)."""
    case = activation.process
    case.organization, case.bureau, case.call, case.applicant = organization, bureau, call, actor
    case.save()
    case.offerings.set(offerings)
    case.roster.set(roster)
    audit(actor, "case.apply", case, to_state="submitted",
          data={"bureau": bureau.name, "offerings": [o.pk for o in offerings]})
    return case


def selection_corrector(case: SelectionProcess):
    """Who corrects a returned application (补正): the one who applied, while they still act
    for the organization; else another who does. The flow gives the task to them when it
    is created, so that its page is the form, not a "take this task" page first."""
    applicant = case.applicant
    if applicant.is_active and applicant.has_perm("registry.act_for_organization",
                                                  case.organization):
        return applicant
    providers = recipients.providers_of(case.organization)
    return providers[0] if providers else applicant


def _unvetted(people, bureau: Bureau) -> list[Person]:
    """Those of ``people`` without an approval in force in the bureau's jurisdiction or
    above it (one query for the whole roster)."""
    people = list(people)
    vetted = set(Approval.objects.valid_on().filter(
        person__in=people, jurisdiction_id__in=bureau.jurisdiction.lineage_ids(),
    ).values_list("person_id", flat=True))
    return [p for p in people if p.pk not in vetted]


# savepoint=False: see check_document_decisions (the clerk's check runs inside the task's
# transaction under viewflow's lock; its own savepoint was two statements of every check)
@transaction.atomic(savepoint=False)
def qualification_check(*, actor, case: SelectionProcess, decisions: dict,
                        note: str = "", flag_decisions: dict | None = None) -> bool:
    """The clerk verifies or rejects each document; returns whether the case passes.

    Any rejection, or a rostered person without an approved individual vetting,
    sends the case back for correction. Every policy flag not yet confirmed needs a
    decision in ``flag_decisions`` (``{flag id: ("confirm" | "reject", reason)}``);
    a rejected flag sends the case back like a rejected document.
    """
    if not actor.has_perm("registry.clerk_bureau", case.bureau):
        raise PermissionDenied
    flags_rejected = _flags_decide(actor, case, flag_decisions or {})
    verified, rejected = check_document_decisions(actor, case.organization, decisions)
    unvetted = _unvetted(case.roster.all(), case.bureau)
    remaining = [p for p in checks.document_problems(case.organization)]
    # a rejected document is named as the checklist names its type (ChecklistItem.name), in
    # the words of this step; its id is kept apart, for the correction task to find it
    documents = (Document.objects.select_related("document_type", "offering")
                 .in_bulk([r["document"] for r in rejected]))
    case.checked_by = actor
    case.missing = (
        [{"subject": str(case.organization),
          "document_type": _problem_name(documents.get(r["document"])),
          "document": r["document"], "state": "rejected", "reason": r["reason"]}
         for r in rejected]
        + [{"subject": p.name, "document_type": gettext("individual vetting"),
            "state": "missing"} for p in unvetted]
        + remaining
        + [{"subject": flag.offering.title, "document_type": str(_("policy screening")),
            "state": "rejected", "message": str(flag.get_kind_display()),
            "reason": flag.reason} for flag in flags_rejected]
    )
    case.save(update_fields=["checked_by", "missing"])
    passed = not case.missing
    if passed:
        # the panel is drawn in the background once this commits: a pool too small to
        # draw it is said to the clerk now
        panel.expert_pool_check(case)
    audit(actor, "case.qualification_check", case, to_state="passed" if passed else "failed",
          reason=note, data={"verified": verified, "rejected": rejected,
                             "unvetted": [p.pk for p in unvetted],
                             "flags_rejected": [f.pk for f in flags_rejected]})
    return passed


def _problem_name(document: Document | None) -> str:
    """A document as a list of problems names it: its type, and for a per-offering one (a
    course plan) the offering, as the checklist does (ChecklistItem.name)."""
    if document is None:
        return ""
    name = document.document_type.display_name
    return f"{name}（{document.offering.title}）" if document.offering_id else name


def _flags_decide(actor, case: SelectionProcess, decisions: dict) -> list[OfferingFlag]:
    """Record the clerk's decision on every flag still awaiting one; returns the rejected."""
    open_flags = list(OfferingFlag.objects.select_for_update().filter(case=case)
                      .exclude(decision=OfferingFlag.Decision.CONFIRMED)
                      .select_related("offering").order_by("pk"))
    by_id = {str(k): v for k, v in decisions.items()}
    unknown = set(by_id) - {str(f.pk) for f in open_flags}
    if unknown:
        raise ValidationError(_("Flag %(id)s is not open on this case.")
                              % {"id": sorted(unknown)[0]})
    now, rejected = timezone.now(), []
    for flag in open_flags:
        decision = by_id.get(str(flag.pk))
        verdict, reason = decision if isinstance(decision, tuple | list) else (decision, "")
        reason = (reason or "").strip()
        if verdict not in ("confirm", "reject"):
            raise ValidationError(_("Decide on the flag on “%(title)s”: confirm or reject it.")
                                  % {"title": flag.offering.title})
        if not reason:
            raise ValidationError(_("Give a reason for your decision on the flag on "
                                    "“%(title)s”.") % {"title": flag.offering.title})
        previous = flag.decision
        flag.decision = (OfferingFlag.Decision.CONFIRMED if verdict == "confirm"
                         else OfferingFlag.Decision.REJECTED)
        flag.reason, flag.decided_by, flag.decided_at = reason, actor, now
        flag.save(update_fields=["decision", "reason", "decided_by", "decided_at"])
        audit(actor, "case.flag_decided", case, from_state=previous, to_state=flag.decision,
              reason=reason, data={"flag": flag.pk, "offering": flag.offering_id,
                                   "kind": flag.kind, "words": flag.matched_words})
        if flag.decision == OfferingFlag.Decision.REJECTED:
            rejected.append(flag)
    return rejected
