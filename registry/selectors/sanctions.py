"""Reads for sanctions: the blacklist, its proposals and re-checks, and the bureau's review
requests. Whether an identifier is blacklisted is for bureau staff and the services only."""

from __future__ import annotations

import datetime

from django.contrib.auth import get_user_model
from django.contrib.contenttypes.models import ContentType
from django.db.models import Case, Exists, F, OuterRef, Q, QuerySet, Subquery, When
from django.db.models.functions import Coalesce
from django.utils import timezone
from guardian.models import GroupObjectPermission, UserObjectPermission
from guardian.shortcuts import get_users_with_perms

from registry.models import (
    Approval,
    ApprovalHold,
    Blacklisting,
    BlacklistProposal,
    Bureau,
    Engagement,
    Jurisdiction,
    Organization,
    Person,
    ProviderSearchDocument,
    RecheckRequest,
    ReviewRequest,
)
from registry.roles import Role
from registry.search_text import keyword_terms, normalize, term_grams
from registry.selectors.core import objects_for_role
from registry.validators import normalize_id_number, normalize_uscc


def is_blacklisted(*, uscc: str | None = None, id_number: str | None = None,
                   on: datetime.date | None = None) -> bool:
    """Whether a unified social credit code or an ID number is blacklisted on ``on``
    (today by default). Call it before accepting an application."""
    if not uscc and not id_number:
        return False
    day = on or timezone.localdate()
    match = Q()
    if uscc:
        match |= Q(uscc=normalize_uscc(uscc))
    if id_number:
        match |= Q(id_number=normalize_id_number(id_number))
    return Blacklisting.objects.filter(match, starts_on__lte=day, ends_on__gte=day,
                                       lifted_at__isnull=True).exists()


def review_requests_for_bureaus(bureau_ids, *, status: str | None = None) -> QuerySet:
    """Review requests of some bureaus, newest first."""
    queryset = ReviewRequest.objects.filter(bureau_id__in=bureau_ids).select_related(
        "bureau", "organization", "person")
    if status:
        queryset = queryset.filter(status=status)
    return queryset


def blacklist_for_bureaus(bureau_ids) -> QuerySet:
    return Blacklisting.objects.filter(bureau_id__in=bureau_ids).select_related(
        "bureau", "organization", "person")


def bureau_staff(bureau: Bureau, codename: str) -> list:
    """The active users holding ``codename`` on ``bureau`` (directly or through a group)."""
    return list(get_users_with_perms(bureau, only_with_perms_in=[codename],
                                     with_superusers=False, with_group_users=True)
                .filter(is_active=True))


def _bureau_ids(user, *roles) -> QuerySet:
    """The ids of the bureaus where ``user`` holds any of ``roles`` (a subquery)."""
    match = Q(pk__in=[])
    for role in roles:
        match |= Q(pk__in=objects_for_role(user, role, "registry.bureau").values("pk"))
    return Bureau.objects.filter(match).values("pk")


def blacklist_proposals_for(user, *, status: str | None = None) -> QuerySet:
    """The blacklist proposals ``user`` may see, oldest waiting first: those their
    bureaus proposed, those under a province whose bureau they administer (they decide
    them), and the record hits of the bureaus where they are a clerk, an approver or an
    administrator. Each carries ``deciding_bureau_id`` (see ``services.deciding_bureau``).
    Nobody else, not the provider either (see :func:`sanctions_of_person`)."""
    administered = list(objects_for_role(user, Role.BUREAU_ADMIN, "registry.bureau")
                        .values_list("pk", "jurisdiction_id", "jurisdiction__level"))
    staffed = list(_bureau_ids(user, Role.BUREAU_CLERK, Role.BUREAU_APPROVER)
                   .values_list("pk", flat=True))
    if not administered and not staffed:
        return BlacklistProposal.objects.none()
    record_hit = BlacklistProposal.Kind.RECORD_HIT
    match = Q(kind=record_hit, bureau_id__in=[*staffed, *(a[0] for a in administered)])
    match |= Q(kind=BlacklistProposal.Kind.PROPOSAL, bureau_id__in=[a[0] for a in administered])
    for _pk, jurisdiction_id, level in administered:
        if level == Jurisdiction.Level.PROVINCE:
            match |= Q(Jurisdiction.subtree_q(jurisdiction_id, prefix="bureau__jurisdiction__"),
                       kind=BlacklistProposal.Kind.PROPOSAL)
    province = Coalesce("bureau__jurisdiction__parent__parent_id",
                        "bureau__jurisdiction__parent_id", "bureau__jurisdiction_id")
    queryset = (BlacklistProposal.objects.filter(match)
                .annotate(province_id=province)
                .annotate(deciding_bureau_id=Case(
                    When(kind=record_hit, then=F("bureau_id")),
                    default=Subquery(Bureau.objects.filter(
                        jurisdiction_id=OuterRef("province_id")).values("pk")[:1])))
                .select_related("bureau", "organization", "person", "proposed_by",
                                "decided_by", "recheck")
                .prefetch_related("evidence").order_by("proposed_at", "pk"))
    return queryset.filter(status=status) if status else queryset


def _own_people(user, path: str) -> Q:
    """The people ``user`` is (their own account) or acts for as that person, reached
    through ``path`` (the person field of the rows filtered)."""
    people = objects_for_role(user, Role.PROVIDER, "registry.person").values("pk")
    return Q(**{f"{path}__user": user}) | Q(**{f"{path}__in": people})


def suspensions_of_own_people(user) -> QuerySet:
    """:func:`suspensions_of` the individual approvals of the people ``user`` is or acts
    for as that person."""
    if not user.is_authenticated:
        return ApprovalHold.objects.none()
    return suspensions_of(Approval.objects.filter(_own_people(user, "person")))


def sanctions_of_person(user) -> QuerySet:
    """The record hits about the people ``user`` is (their own account) or acts for as that
    person, with their reasons: theirs to read, and to ask a re-check of."""
    if not user.is_authenticated:
        return BlacklistProposal.objects.none()
    return (BlacklistProposal.objects
            .filter(_own_people(user, "person"), kind=BlacklistProposal.Kind.RECORD_HIT)
            .select_related("bureau", "person", "recheck", "blacklisting")
            .prefetch_related("recheck__evidence").order_by("-proposed_at", "-pk"))


def sanctions_of_organization(organization) -> QuerySet:
    """The blacklistings of an organization, for its own users' page."""
    return (Blacklisting.objects.filter(organization=organization).select_related("bureau")
            .order_by("-starts_on", "-pk"))


def provider_under_bureau(bureau: Bureau, *, uscc: str = "", id_number: str = "",
                          organization_pk: int | None = None, person_pk: int | None = None):
    """The organization of ``uscc`` or the person of ``id_number`` (as typed: normalised
    here), or the one numbered ``organization_pk`` or ``person_pk``, if it holds an
    approval, in any status, issued in ``bureau``'s jurisdiction or below it: the providers
    its sanctions reach. ``None`` otherwise, whether registered elsewhere or not at all (a
    bureau learns nothing of providers outside its reach)."""
    if uscc:
        model, lookup = Organization, {"uscc": normalize_uscc(uscc)}
    elif organization_pk is not None:
        model, lookup = Organization, {"pk": organization_pk}
    elif person_pk is not None:
        model, lookup = Person, {"pk": person_pk}
    else:
        model, lookup = Person, {"id_number": normalize_id_number(id_number)}
    field = model._meta.model_name
    reach = Approval.objects.filter(
        Jurisdiction.subtree_q(bureau.jurisdiction_id, prefix="jurisdiction__"),
        **{field: OuterRef("pk")})
    return model.objects.filter(Exists(reach), **lookup).first()


def took_part_in_hit(user, proposal) -> bool:
    """Whether ``user`` recorded or confirmed the record hit ``proposal``: then someone
    else of the bureau decides its re-check (复查). The service refuses them; the queue
    offers them no form."""
    return user is not None and user.pk in (proposal.proposed_by_id, proposal.decided_by_id)


def held_for_credential(engagement) -> bool:
    """Whether ``engagement`` is suspended because the approval it rests on is held for an
    expired credential (the calendar's suspension, no sanction): the one cause a school is
    told on the engagement's page (the other causes' reasons are not the school's to read).
    One query, only for a suspended engagement."""
    if engagement.status != Engagement.Status.SUSPENDED:
        return False
    return suspensions_of(Approval.objects.filter(pk=engagement.approval_id)).filter(
        cause=ApprovalHold.Cause.CREDENTIAL).exists()


def suspensions_of(approvals: QuerySet) -> QuerySet:
    """What keeps ``approvals`` (one provider's, its own users' to read) suspended: each
    open hold with its cause, since when, and the bureau that issued the approval (whom the
    provider answers to). The bureau's own reason is the provider's to read; the reasons of
    the other causes (a record query's finding about one of its people) are not shown to
    an organization's users: the page names the cause only."""
    return (ApprovalHold.objects
            .filter(lifted_at__isnull=True, approval__in=approvals,
                    approval__status=Approval.Status.SUSPENDED)
            .select_related("approval__jurisdiction__bureau")
            .order_by("placed_at", "pk"))


def rechecks_for(user, *, status: str | None = None) -> QuerySet:
    """Re-check requests (复查) of the bureaus where ``user`` is a clerk or an
    administrator: the queue they decide from, oldest first."""
    bureaus = _bureau_ids(user, Role.BUREAU_CLERK, Role.BUREAU_ADMIN)
    queryset = (RecheckRequest.objects.filter(proposal__bureau_id__in=bureaus)
                .select_related("proposal__bureau", "proposal__person", "requested_by",
                                "decided_by", "proposal__proposed_by",
                                "proposal__decided_by")
                .prefetch_related("evidence").order_by("requested_at", "pk"))
    return queryset.filter(status=status) if status else queryset


def may_read_sanction_evidence(user, evidence) -> bool:
    """Whether ``user`` may read an evidence file: who may see the blacklist proposal it
    came with, or the re-check request (复查) it came with (the bureau that decides it,
    the person the record hit is about)."""
    if evidence.proposal_id:
        return blacklist_proposals_for(user).filter(pk=evidence.proposal_id).exists()
    if evidence.recheck_id:
        return (rechecks_for(user).filter(pk=evidence.recheck_id).exists()
                or sanctions_of_person(user).filter(recheck__pk=evidence.recheck_id).exists())
    return False


def users_acting_for(model_name: str, codename: str, object_ids) -> list:
    """The active users holding ``codename`` on any of the ``model_name`` objects (registry
    models: school, organization, person, bureau) with ``object_ids``, directly or through
    a group: one query, however many objects (the sanction fan-out tells every school of a
    provider at once)."""
    keys = [str(pk) for pk in object_ids]
    if not keys:
        return []
    content_type = ContentType.objects.get_by_natural_key("registry", model_name)
    grant = {"content_type": content_type, "permission__codename": codename,
             "permission__content_type": content_type, "object_pk__in": keys}
    return list(get_user_model().objects.filter(is_active=True).filter(
        Q(pk__in=UserObjectPermission.objects.filter(**grant).values("user_id"))
        | Q(groups__in=GroupObjectPermission.objects.filter(**grant).values("group_id")))
        .distinct().order_by("pk"))


def users_acting_for_each(model_name: str, codename: str, object_ids) -> dict:
    """As :func:`users_acting_for`, but object by object: ``{object id: [users]}`` for
    each of ``object_ids`` (an object nobody acts for is left out), to tell each school
    of its own news. Two queries, however many objects (and one for the content type,
    until it is cached)."""
    ids = {str(pk): pk for pk in object_ids}
    if not ids:
        return {}
    content_type = ContentType.objects.get_by_natural_key("registry", model_name)
    grant = {"content_type": content_type, "permission__codename": codename,
             "permission__content_type": content_type, "object_pk__in": list(ids)}
    pairs = list(UserObjectPermission.objects.filter(**grant).values_list("object_pk", "user_id")
                 .union(GroupObjectPermission.objects.filter(**grant, group__user__isnull=False)
                        .values_list("object_pk", "group__user")))
    users = get_user_model().objects.filter(is_active=True).in_bulk(
        {user_id for _pk, user_id in pairs})
    found: dict = {}
    for object_pk, user_id in sorted(pairs, key=lambda pair: pair[1]):
        if user_id in users:
            found.setdefault(ids[object_pk], []).append(users[user_id])
    return found


def holders_of_person(person) -> list:
    """Who acts for a person in service: their own account, those acting for them, and
    the provider users of the organization employing them, so that a staff member without
    an account of their own is still reached (through their employer). One query each."""
    users = users_acting_for("person", "act_for_person", [person.pk])
    if person.organization_id:
        users += users_acting_for("organization", "act_for_organization",
                                  [person.organization_id])
    if person.user_id and person.user.is_active:
        users.append(person.user)
    return list({user.pk: user for user in users}.values())


PROVIDER_FIND_LIMIT = 20
# The most providers in reach whose names a search reads (see providers_in_reach_find).
PROVIDER_FIND_CANDIDATES = 200


def _named(model, text: str) -> QuerySet | None:
    """The keys of the ``model`` rows (organizations or people) whose name may hold
    ``text``: those whose search document holds its grams (``term_grams``; on PostgreSQL
    the GIN index of school search answers) and whose name there (NFKC, lower case) holds
    it. Every registered organization and person has a document, whatever its approvals'
    status (``search_index_refresh``, on registering and on every change of name). The
    caller still checks the name itself, as typed. ``None`` when ``text`` has no letter
    or digit: no gram to look up, it names nobody.

    The document's name is checked here, not only the subject's in the outer query:
    PostgreSQL has no statistics for the grams (it guesses 0.5 % of the rows hold any),
    and without a selective condition beside them it would rather read every name."""
    grams = sorted({gram for term in keyword_terms(text) for gram in term_grams(term)})
    if not grams:
        return None
    field = model._meta.model_name
    return ProviderSearchDocument.objects.filter(
        **{f"{field}__isnull": False}, grams__holds_all=grams,
        name_text__contains=normalize(text)).order_by().values(field)


def providers_in_reach_find(bureau: Bureau, text: str, *,
                            limit: int = PROVIDER_FIND_LIMIT) -> dict[str, list]:
    """What a bureau's sanction and blacklisting forms offer to choose from: organizations
    whose name holds ``text`` (or whose unified social credit code it is) and people whose
    name holds it, among the providers its sanctions reach (an approval, in any status,
    issued in its jurisdiction or below: as ``provider_under_bureau``). At most ``limit``
    of each, by name; ``more`` says whether there were others. Two queries.

    The names are found through the keyword index (``_named``), never by reading every
    name: one character finds the names holding it (its unigram is indexed), a text with
    no letter or digit finds no name. The work is bounded: each query stops at
    ``PROVIDER_FIND_CANDIDATES`` providers in reach and shows the first by name among
    them; so when more match (one character, a city's name: the form asks for more of
    the name then), those shown are the first of some of them, not of all."""
    text = (text or "").strip()
    if not text:
        return {"organizations": [], "people": [], "more": False}

    def reach(field: str) -> Exists:
        return Exists(Approval.objects.filter(
            Jurisdiction.subtree_q(bureau.jurisdiction_id, prefix="jurisdiction__"),
            **{field: OuterRef("pk")}))

    def first(model, match: Q, candidates: QuerySet) -> QuerySet:
        # in no order, so that the database stops at the bound; then by name
        bounded = (model.objects.filter(reach(model._meta.model_name), match,
                                        pk__in=candidates)
                   .order_by().values("pk")[:max(PROVIDER_FIND_CANDIDATES, limit + 1)])
        return model.objects.filter(pk__in=bounded).order_by("name", "pk")[:limit + 1]

    found: dict[str, list] = {"organizations": [], "people": []}
    candidates, match = _named(Organization, text), Q(name__icontains=text)
    code = normalize_uscc(text)
    if len(code) == 18:
        # the code's row joins the candidates in the subquery: an OR of the two in the
        # outer WHERE would have PostgreSQL read every organization to test it
        by_code = Organization.objects.filter(uscc=code).order_by().values("pk")
        candidates = by_code if candidates is None else candidates.union(by_code)
        match |= Q(uscc=code)
    if candidates is not None:
        found["organizations"] = list(first(Organization, match, candidates))
    candidates = _named(Person, text)
    if candidates is not None:
        found["people"] = list(first(Person, Q(name__icontains=text), candidates)
                               .select_related("organization"))
    more = any(len(rows) > limit for rows in found.values())
    return {**{key: rows[:limit] for key, rows in found.items()}, "more": more}
