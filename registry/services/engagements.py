"""Schools engaging approved providers, rating them, and reporting incidents."""

from __future__ import annotations

import datetime
import math
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import F, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from registry.formatting import local_date, local_date_lazy
from registry.models import (
    Approval,
    AuditEvent,
    Engagement,
    Offering,
    Organization,
    Person,
    RosterMember,
    School,
    SchoolTerm,
    ServiceCategory,
    TermNeed,
    approval_covers,
    grades_label,
)
from registry.models.subjects import one_subject
from registry.notifications import notify
from registry.selectors.contracts import NOT_APPROVED, roster_people
from registry.selectors.policy import fee_reference_for
from registry.selectors.sanctions import holders_of_person, users_acting_for
from registry.selectors.search import school_jurisdiction_ids
from registry.services.contracts import _locked, _move, _provider_users
from registry.services.core import _require_reason, audit_record, require_perm


def _require_school(actor, school: School) -> None:
    require_perm(actor, "registry.act_for_school", school, _("You do not act for this school."))


@transaction.atomic
def school_term_create(*, actor, school: School, name: str, starts_on: datetime.date,
                       ends_on: datetime.date, project_count: int) -> SchoolTerm:
    """Record a term and how many after-school projects the school runs in it."""
    _require_school(actor, school)
    if ends_on < starts_on:
        raise ValidationError({"ends_on": _("The term ends before it starts.")})
    if SchoolTerm.objects.filter(school=school, name=name.strip()).exists():
        raise ValidationError({"name": _("This school already has a term of that name.")})
    term = SchoolTerm(school=school, name=name.strip(), starts_on=starts_on, ends_on=ends_on,
                      project_count=project_count)
    term.full_clean()
    term.save()
    audit_record(actor=actor, action="term.create", target=term, to_state="open",
                 data={"project_count": project_count})
    return term


def external_project_limit(term: SchoolTerm) -> int:
    """How many external organization projects the cap allows in ``term``."""
    share = Decimal(str(settings.REGISTRY_EXTERNAL_PROJECT_CAP))
    return math.floor(Decimal(term.project_count) * share)


# The statuses in which an engagement holds its place: its dates (against a second engagement
# of the same provider and offering) and its slot under the term's cap on external projects.
# A draft, a signed or an active engagement will run or runs; a suspended one may be restored
# (a lifted sanction puts it back where it was). A terminated one never runs again (withdrawn
# by the school, or ended by a sanction). An ended one is over: see _holding_place.
HOLDING_STATUSES = (*Engagement.LIVE_STATUSES, Engagement.Status.SUSPENDED)


def _holding_place(*, starts_on: datetime.date | None = None,
                   ends_on: datetime.date | None = None) -> Q:
    """The engagements that hold their place, as one rule for the duplicate check and the
    cap. Without dates: those live in their term (``HOLDING_STATUSES``), which the cap
    counts. With dates: those holding any day from ``starts_on`` to ``ends_on``, which are
    the live ones over their agreed dates and the ended ones over the days they ran. Ending
    leaves ``ends_on`` as agreed and stamps the day in ``status_changed_at``, so an
    engagement ended early holds the days up to (and with) the day it ended, whose lessons
    are its own, and frees the rest of the term."""
    live = Q(status__in=HOLDING_STATUSES)
    if starts_on is None:
        return live
    ran = (Q(status=Engagement.Status.ENDED, status_changed_at__date__gte=starts_on)
           & Q(status_changed_at__date__gte=F("starts_on")))
    return (live | ran) & Q(starts_on__lte=ends_on, ends_on__gte=starts_on)


def _approval_for(*, school: School, subject_filter: dict, starts_on: datetime.date,
                  ends_on: datetime.date, person: Person | None = None, category=None,
                  grades: tuple[int, int] | None = None) -> Approval:
    """The approval an engagement relies on, or a refusal that says why there is none.
    It must cover what is taught (``approval_covers``): an individual's the category and
    the grades, an organization's the category (its offering's: an offering added since in
    another category is not approved by it)."""
    today = timezone.localdate()
    jurisdiction_ids = school_jurisdiction_ids(school)
    candidates = Approval.objects.filter(jurisdiction_id__in=jurisdiction_ids, **subject_filter)
    valid = candidates.valid_on(today).order_by("-valid_until", "pk")
    if person is not None or category is not None:
        grades = grades if person is not None else None
        found = list(valid.prefetch_related("categories"))
        covering = [a for a in found
                    if not approval_covers(a, category=category, grades=grades)]
        if found and not covering:
            nearest = next((a for a in found if not approval_covers(a, category=category)),
                           found[0])
            raise _coverage_error(name=next(iter(subject_filter.values())).name,
                                  approval=nearest, category=category, grades=grades,
                                  code_prefix="engagement")
        approval = covering[0] if covering else None
    else:
        approval = valid.first()
    if approval is None:
        if candidates.filter(status=Approval.Status.SUSPENDED).exists():
            raise ValidationError(_("This provider is suspended and cannot be engaged."),
                                  code="suspended")
        raise ValidationError(
            _("This provider is not approved for your school's county, city or province."),
            code="not_approved",
        )
    if approval.valid_until < ends_on:
        raise ValidationError(
            _("The provider's approval ends on %(until)s, before the engagement ends."),
            code="approval_ends_early", params={"until": local_date_lazy(approval.valid_until)},
        )
    if approval.valid_from > starts_on:
        # Nobody may teach before the approval is in force, even for a term already begun.
        raise ValidationError(
            {"starts_on": _("The provider's approval starts on %(since)s, after the "
                            "engagement starts; start the engagement on or after it.")
             % {"since": local_date(approval.valid_from)}},
            code="approval_starts_late",
        )
    return approval


@transaction.atomic
def engagement_create(
    *,
    actor,
    school: School,
    term: SchoolTerm,
    fee_per_session: Decimal,
    sessions: int,
    organization: Organization | None = None,
    offering: Offering | None = None,
    person: Person | None = None,
    starts_on: datetime.date | None = None,
    ends_on: datetime.date | None = None,
    category: ServiceCategory | None = None,
    places: int = 0,
    need: TermNeed | None = None,
    grade_min: int | None = None,
    grade_max: int | None = None,
    roster=(),
) -> Engagement:
    """Record a school's engagement of an approved provider for (part of) a term.

    Refused unless the provider holds an approval valid now, for the school's
    county, city or province, lasting to the engagement's end; refused if it
    duplicates an overlapping engagement, or if an organization would push the
    term's external projects over ``REGISTRY_EXTERNAL_PROJECT_CAP`` (both counting only the
    engagements that hold their place: :func:`_holding_place`); refused if the
    fee per session is above the approved offering's fee or the bureau's cap for the
    category (the message names both figures), or if a person on ``roster`` holds no
    valid individual approval covering the category (named). An individual is engaged for
    a category and grades (given, or the need's) that their approval covers: refused,
    naming what it covers, otherwise, and refused when either is missing. The school row is
    locked
    first so that two engagements racing for the last slot under the cap are judged one
    after the other. The engagement starts as a draft: signed papers sign it.

    ``grade_min``/``grade_max``: the grades taught, both or neither; within the need's
    grades when it fills one (the need's, when none are given). ``roster``: people, or
    references as a list or as typed text (:func:`registry.selectors.roster_people`); the
    school records it, so each person is on the roster at once.
    """
    _require_school(actor, school)
    if term.school_id != school.pk:
        raise PermissionDenied(_("This term belongs to another school."))
    one_subject(organization, person, _("Engage exactly one organization or one person."))
    if offering is not None and (organization is None or offering.organization_id
                                 != organization.pk):
        raise ValidationError({"offering": _("This offering is not the organization's.")})
    if offering is not None and not offering.is_active:
        raise ValidationError({"offering": _("This offering is no longer offered.")})
    starts_on = starts_on or term.starts_on
    ends_on = ends_on or term.ends_on
    if ends_on < starts_on:
        raise ValidationError({"ends_on": _("The engagement ends before it starts.")})
    if starts_on < term.starts_on or ends_on > term.ends_on:
        raise ValidationError({"ends_on": _("The engagement must lie within the term.")})
    if fee_per_session is None or Decimal(fee_per_session) < 0:
        raise ValidationError({"fee_per_session": _("The fee cannot be negative.")})
    if sessions is None or int(sessions) < 1:
        raise ValidationError({"sessions": _("At least one session.")})
    if offering is not None:
        category = offering.category
    if need is not None and need.term_id != term.pk:
        raise ValidationError({"need": _("This need belongs to another term.")})
    if category is None and need is not None:
        category = need.category
    grade_min, grade_max = engagement_grades(need=need, offering=offering,
                                             grade_min=grade_min, grade_max=grade_max)
    if person is not None:
        _require_what_is_taught(category=category, grade_min=grade_min)
    people = roster_people(roster)

    School.objects.select_for_update().get(pk=school.pk)
    subject_filter = {"organization": organization} if organization else {"person": person}
    # an individual's approval must cover what is taught: the category and the grades the
    # engagement names (given, or its need's), not only a need's when it fills one
    grades = (grade_min, grade_max) if grade_min is not None else None
    approval = _approval_for(school=school, subject_filter=subject_filter, starts_on=starts_on,
                             ends_on=ends_on, person=person, category=category, grades=grades)
    overlapping = Engagement.objects.filter(
        _holding_place(starts_on=starts_on, ends_on=ends_on), school=school, **subject_filter,
    )
    if organization is not None:
        overlapping = overlapping.filter(offering=offering)
    if overlapping.exists():
        raise ValidationError(
            _("This school already engages this provider for overlapping dates."),
            code="duplicate",
        )
    if organization is not None:
        used = Engagement.objects.filter(_holding_place(), term=term,
                                         organization__isnull=False).count()
        limit = external_project_limit(term)
        if used + 1 > limit:
            raise ValidationError(
                _("External organization projects are capped at %(limit)d of this term's "
                  "%(total)d after-school projects (%(share)s%%); %(used)d are already "
                  "engaged."),
                code="cap_reached",
                params={"limit": limit, "total": term.project_count, "used": used,
                        "share": f"{Decimal(str(settings.REGISTRY_EXTERNAL_PROJECT_CAP)) * 100:g}"},
            )
    fee_within_limits(school=school, offering=offering, category=category,
                      fee=Decimal(fee_per_session), on=starts_on, organization=organization)
    engagement = Engagement(
        school=school, term=term, approval=approval, organization=organization,
        offering=offering, person=person, starts_on=starts_on, ends_on=ends_on,
        fee_per_session=fee_per_session, sessions=sessions, created_by=actor,
        category=None if offering is not None else category, places=int(places or 0),
        need=need, grade_min=grade_min, grade_max=grade_max,
    )
    engagement.full_clean()
    # every roster person is judged before anything is written, and every refusal said at
    # once, in the order typed: one refusal writes nothing
    checked, refused = [], []
    for member in people:
        try:
            if isinstance(member, ValidationError):  # unknown (roster_people)
                raise member
            checked.append((member, roster_approval_for(engagement=engagement, person=member)))
        except ValidationError as error:
            refused.extend(error.error_dict["roster"] if hasattr(error, "error_dict")
                           else error.error_list)
    if refused:
        raise ValidationError({"roster": refused})
    engagement.save()
    now = timezone.now()
    RosterMember.objects.bulk_create([
        RosterMember(engagement=engagement, person=member, approval=member_approval,
                     added_by=actor, added_at=now, accepted_at=now, accepted_by=actor)
        for member, member_approval in checked])
    told = _provider_users(engagement)
    audit_record(actor=actor, action="engagement.create", target=engagement,
                 to_state=engagement.status,
                 data={"approval": approval.pk, "fee_per_session": str(fee_per_session),
                       "sessions": int(sessions), "roster": [m.pk for m in people],
                       "grades": [grade_min, grade_max], "told": [u.pk for u in told]})
    # the contract is signed only once the provider's signed papers are in: without this
    # it would never learn there is anything to sign
    notify(users=told, subject=_("A school has engaged you: sign the contract"),
           body=_("%(school)s has recorded engagement %(engagement)s with %(provider)s for "
                  "%(term)s. Open it, check the roster (propose anyone missing), download "
                  "the service agreement (服务协议) and the safety responsibility letter "
                  "(安全责任书), sign both and upload your signed copies. Once both sides' "
                  "copies are in, the engagement is signed; nobody comes into the school "
                  "before the school activates it.")
           % {"school": school.name, "engagement": engagement.pk,
              "provider": (organization or person).name, "term": term.name},
           url=reverse("registry:engagement-detail", args=[engagement.pk]),
           about=organization or person)
    return engagement


@transaction.atomic
def engagement_withdraw(*, actor, engagement: Engagement, reason: str) -> Engagement:
    """The school withdraws a draft it recorded (a mistake, a plan that changed), with a
    reason kept in the audit trail. The draft is terminated, as a sanction would terminate
    it: its roster no longer changes, its papers are no longer taken, and the permits of its
    roster answer *revoked*; it no longer holds its dates or a slot under the cap
    (:func:`_holding_place`), so the school may engage the same offering again.

    Only a draft: once both sides' signed papers are in, the agreement binds the provider
    too, and the school alone does not undo it. The provider is told, with the reason, when
    it has had a hand in the draft (proposed someone for its roster or uploaded its signed
    copy of a paper); a draft it never touched is the school's own business."""
    _require_school(actor, engagement.school)
    _require_reason(reason)
    locked = _locked(engagement)
    if locked.status != Engagement.Status.DRAFT:
        raise ValidationError(
            _("Only a draft engagement can be withdrawn; this one is %(status)s."),
            code="not_draft", params={"status": locked.get_status_display()})
    involved = _provider_took_part(locked)
    withdrawn = _move(actor=actor, engagement=engagement, to=Engagement.Status.TERMINATED,
                      reason=reason.strip(), action="engagement.terminate")
    if involved:
        provider = (locked.organization.name if locked.organization_id
                    else locked.person.name)
        users = (users_acting_for("organization", "act_for_organization",
                                  [locked.organization_id])
                 if locked.organization_id else holders_of_person(locked.person))
        notify(users=users, subject=_("A draft engagement is withdrawn"),
               body=_("%(school)s has withdrawn the draft engagement %(engagement)s "
                      "(%(provider)s) before it was signed: nobody comes into the school "
                      "under it, and its papers need no more signing. Reason: %(reason)s")
               % {"school": locked.school.name, "engagement": locked.pk,
                  "provider": provider, "reason": reason.strip()},
               url=reverse("registry:engagement-detail", args=[locked.pk]),
               about=locked.organization or locked.person)
    return withdrawn


def _provider_took_part(engagement: Engagement) -> bool:
    """Whether the provider has acted on the engagement: proposed someone for its roster,
    or uploaded its signed copy of a paper (both are in the audit trail, the papers' rows
    being the documents app's)."""
    return AuditEvent.objects.for_object(engagement).filter(
        Q(action="engagement.roster_propose")
        | Q(action="engagement.paper_upload", data__side="provider")).exists()


def _require_what_is_taught(*, category, grade_min) -> None:
    """An individual is engaged to teach a category to some grades, as their approval
    names them: an engagement saying neither could take a person approved for grades 1–3
    into grade 9. (A school has no grades of its own to fall back on, and reading "every
    grade" would let anyone through; so the school names them, or a need of its term plan
    does.)"""
    errors = {}
    if category is None:
        errors["category"] = ValidationError(
            _("Name the category the person will teach: an individual is engaged only for "
              "what their approval covers."), code="engagement_category_missing")
    if grade_min is None:
        errors["grade_max"] = ValidationError(
            _("Name the grades the person will teach (the lowest and the highest): an "
              "individual is engaged only for the grades their approval covers."),
            code="engagement_grades_missing")
    if errors:
        raise ValidationError(errors)


def engagement_grades(*, need: TermNeed | None, grade_min, grade_max,
                      offering: Offering | None = None) -> tuple[int | None, int | None]:
    """The grades an engagement teaches: both or neither, 1–9, lowest first, within the
    need's grades when it fills one and within the offering's when it names one. None
    given: the need's, else the offering's."""
    if grade_min in ("", None) and grade_max in ("", None):
        if need is not None:
            return need.grade_min, need.grade_max
        if offering is not None:
            return offering.grade_min, offering.grade_max
        return None, None
    if grade_min in ("", None) or grade_max in ("", None):
        raise ValidationError({"grade_max": _("Give both the lowest and the highest grade "
                                              "taught, or neither.")}, code="grades_half")
    try:
        low, high = int(grade_min), int(grade_max)
    except (TypeError, ValueError):
        raise ValidationError({"grade_min": _("Grades run from 1 to 9, lowest first.")},
                              code="grades_range") from None
    if not 1 <= low <= high <= 9:
        raise ValidationError({"grade_max": _("Grades run from 1 to 9, lowest first.")},
                              code="grades_range")
    if need is not None and not need.grade_min <= low <= high <= need.grade_max:
        raise ValidationError({"grade_max": ValidationError(
            _("Grades %(low)d–%(high)d lie outside the need's grades %(need_low)d–"
              "%(need_high)d in the term plan."), code="grades_outside_need",
            params={"low": low, "high": high, "need_low": need.grade_min,
                    "need_high": need.grade_max})})
    if offering is not None and not offering.grade_min <= low <= high <= offering.grade_max:
        raise ValidationError({"grade_max": ValidationError(
            _("Grades %(low)d–%(high)d lie outside the approved offering's grades "
              "%(offer_low)d–%(offer_high)d."), code="grades_outside_offering",
            params={"low": low, "high": high, "offer_low": offering.grade_min,
                    "offer_high": offering.grade_max})})
    return low, high


def fee_within_limits(*, school: School, offering: Offering | None,
                      category: ServiceCategory | None, fee: Decimal,
                      on: datetime.date, organization: Organization | None = None) -> None:
    """Refuse a fee per session above the approved offering's fee or above the bureau's cap
    for the category in the school's county (inherited from its city or province)."""
    if offering is None and organization is not None:
        # engaged without naming the offering: no more than its dearest approved offering
        # (of the category, when one is known)
        offerings = organization.offerings.filter(is_active=True)
        if category is not None:
            offerings = offerings.filter(category=category)
        offering = offerings.order_by("-fee_per_session").first()
    if offering is not None and fee > offering.fee_per_session:
        raise ValidationError({"fee_per_session": ValidationError(
            _("The fee of ¥%(fee)s per session is above the ¥%(approved)s approved for "
              "this offering."), code="above_offering",
            params={"fee": f"{fee:.2f}", "approved": f"{offering.fee_per_session:.2f}"})})
    if category is None:
        return
    in_force = fee_reference_for(category=category, jurisdiction=school.county, on=on)
    if in_force is not None and fee > in_force.cap:
        raise ValidationError({"fee_per_session": ValidationError(
            _("The fee of ¥%(fee)s per session is above the bureau's cap of ¥%(cap)s for "
              "%(category)s."), code="above_cap",
            params={"fee": f"{fee:.2f}", "cap": f"{in_force.cap:.2f}",
                    "category": category.name})})


def _coverage_error(*, name: str, approval: Approval, category, grades, code_prefix: str):
    """The refusal naming the person and what their approval does not cover."""
    missing = approval_covers(approval, category=category, grades=grades)
    if "category" in missing:
        return ValidationError(_("%(name)s is not approved for %(category)s."),
                               code=f"{code_prefix}_category",
                               params={"name": name, "category": category.name})
    return ValidationError(
        _("%(name)s is approved for %(approved)s, not for %(wanted)s."),
        code=f"{code_prefix}_grades",
        params={"name": name, "approved": grades_label(approval.grades),
                "wanted": grades_label(grades)})


def roster_approval_for(*, engagement: Engagement, person: Person) -> Approval:
    """The individual approval that lets ``person`` come into the school under
    ``engagement``: in force now, for the school's county, city or province, lasting to
    the engagement's end and covering its category and grades (``approval_covers``).
    Refused by name otherwise, saying what is missing."""
    if not isinstance(person, Person):
        raise ValidationError({"roster": _("Unknown person on the roster.")})
    approvals = Approval.objects.filter(
        person=person, jurisdiction_id__in=school_jurisdiction_ids(engagement.school),
    ).valid_on(timezone.localdate()).prefetch_related("categories").order_by(
        "-valid_until", "pk")
    name = person.name
    found = list(approvals)
    if not found:
        # by number, not by name: whoever the school typed holds nothing it may engage, and
        # the school has no business learning who that is (a number or an ID number typed
        # at random would otherwise name anyone registered)
        raise ValidationError({"roster": ValidationError(
            NOT_APPROVED, code="roster_not_approved",
            params={"number": getattr(person, "typed", person.pk)})})
    category, grades = engagement.taught_category, engagement.taught_grades
    covering = [a for a in found if not approval_covers(a, category=category, grades=grades)]
    if not covering:
        # the nearest miss: one that has the category, if any does
        nearest = next((a for a in found if not approval_covers(a, category=category)),
                       found[0])
        raise ValidationError({"roster": _coverage_error(
            name=name, approval=nearest, category=category, grades=grades,
            code_prefix="roster")})
    found = covering
    lasting = [a for a in found if a.valid_until >= engagement.ends_on
               and a.valid_from <= engagement.starts_on]
    if not lasting:
        raise ValidationError({"roster": ValidationError(
            _("%(name)s's approval (%(from)s – %(until)s) does not cover the engagement's "
              "dates."), code="roster_dates",
            params={"name": name, "from": local_date(found[0].valid_from),
                    "until": local_date(found[0].valid_until)})})
    return lasting[0]


__all__ = [
    "engagement_create",
    "engagement_grades",
    "engagement_withdraw",
    "external_project_limit",
    "fee_within_limits",
    "roster_approval_for",
    "school_term_create",
]
