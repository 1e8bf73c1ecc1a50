"""Who may see which case: each kind's cases a user may see (``SELECTORS``), the one
question every page and list asks (``may_view_case``), and the bureaus and providers a user
holds a role on. ``workflows.selectors`` re-exports them; ``workflows.record_privacy``
builds on them."""

from __future__ import annotations

from django.db.models import Q, QuerySet
from guardian.shortcuts import get_objects_for_user

from registry.models import Bureau, Organization, Person
from registry.selectors.departments import departments_of_user
from workflows.models import (
    AnnualReviewProcess,
    RecertificationProcess,
    ReviewCaseProcess,
    SelectionProcess,
    VettingProcess,
)

BUREAU_PERMS = ["registry.clerk_bureau", "registry.approve_bureau",
                "registry.administer_bureau"]


def _remembered(user, key, ask):
    """``ask()``, remembered on ``user`` (a request's user: read anew with every request) under
    ``key``: a list page asks who may see what once per row, and the answer does not change
    within a request."""
    if not user.is_authenticated:
        return ask()
    known = user.__dict__.setdefault("_case_access", {})
    if key not in known:
        known[key] = ask()
    return known[key]


def bureau_ids(user, perms=BUREAU_PERMS) -> list[int]:
    """The ids of the bureaus where ``user`` holds any of ``perms`` (object permissions: its
    own or its groups'; never a global one)."""
    return _remembered(user, ("bureaus", *perms), lambda: list(
        get_objects_for_user(user, perms, klass=Bureau, any_perm=True,
                             accept_global_perms=False, with_superuser=False)
        .values_list("pk", flat=True)))


def reads_as_case_staff(user, case) -> bool:
    """``panel_view_of``'s bureau view, its bureaus asked once per request, not per case."""
    return user.is_superuser or (user.is_authenticated and case.bureau_id in bureau_ids(user))


def granted_ids(user, perm: str, klass) -> list[int]:
    """The ids of the ``klass`` rows on which ``user`` holds ``perm`` as an object
    permission (its own or its groups'; never a global one)."""
    return _remembered(user, ("granted", perm, klass._meta.label), lambda: list(
        get_objects_for_user(user, perm, klass=klass, accept_global_perms=False,
                             with_superuser=False).values_list("pk", flat=True)))


def selection_cases_for(user) -> QuerySet:
    """Organization cases the user may see: its own organizations', its bureaus', those
    it was drawn to review as an expert, or those a department it acts for was asked to
    give its opinion on (会审)."""
    if not user.is_authenticated:
        return SelectionProcess.objects.none()
    queryset = SelectionProcess.objects.select_related("organization", "bureau", "call")
    if user.is_superuser:
        return queryset
    org_ids = granted_ids(user, "registry.act_for_organization", Organization)
    return queryset.filter(
        Q(organization_id__in=org_ids)
        | Q(bureau_id__in=bureau_ids(user))
        | Q(assignments__expert=user)
        | Q(partner_opinions__department_id__in=departments_of_user(user))
    ).distinct()


def vetting_cases_for(user) -> QuerySet:
    """Individual cases the user may see: ones it started, its own, its organization's
    staff, its bureaus'. Experts do not see individual cases."""
    if not user.is_authenticated:
        return VettingProcess.objects.none()
    queryset = VettingProcess.objects.select_related("person__organization", "bureau", "school")
    if user.is_superuser:
        return queryset
    org_ids = granted_ids(user, "registry.act_for_organization", Organization)
    return queryset.filter(
        Q(applicant=user) | Q(person__user=user) | Q(person__organization_id__in=org_ids)
        | Q(bureau_id__in=bureau_ids(user))
    )


def recertification_cases_for(user) -> QuerySet:
    """Re-certification cases: the provider's own, and those of the user's bureaus."""
    if not user.is_authenticated:
        return RecertificationProcess.objects.none()
    queryset = RecertificationProcess.objects.select_related("approval", "bureau")
    if user.is_superuser:
        return queryset
    org_ids = granted_ids(user, "registry.act_for_organization", Organization)
    return queryset.filter(
        Q(approval__organization_id__in=org_ids) | Q(approval__person__user=user)
        | Q(approval__person__organization_id__in=org_ids)
        | Q(bureau_id__in=bureau_ids(user))
    )


def annual_review_cases_for(user) -> QuerySet:
    """Annual reviews: only the bureau's own staff see them."""
    if not user.is_authenticated:
        return AnnualReviewProcess.objects.none()
    queryset = AnnualReviewProcess.objects.select_related("approval", "bureau")
    if user.is_superuser:
        return queryset
    return queryset.filter(bureau_id__in=bureau_ids(user))


def review_cases_for(user) -> QuerySet:
    """Review cases: the provider's own (an organization's users; a person and
    those acting for the person), and those of the user's bureaus."""
    if not user.is_authenticated:
        return ReviewCaseProcess.objects.none()
    queryset = ReviewCaseProcess.objects.select_related("bureau", "organization", "person")
    if user.is_superuser:
        return queryset
    org_ids = granted_ids(user, "registry.act_for_organization", Organization)
    person_ids = granted_ids(user, "registry.act_for_person", Person)
    return queryset.filter(
        Q(organization_id__in=org_ids) | Q(person__user=user) | Q(person_id__in=person_ids)
        | Q(bureau_id__in=bureau_ids(user)))


SELECTORS = {
    ReviewCaseProcess: review_cases_for,
    SelectionProcess: selection_cases_for,
    VettingProcess: vetting_cases_for,
    RecertificationProcess: recertification_cases_for,
    AnnualReviewProcess: annual_review_cases_for,
}


def may_view_case(user, case) -> bool:
    model = case_model(case)
    selector = SELECTORS.get(model)
    if selector is None:
        return False
    return _remembered(user, ("case", model, case.pk),
                       lambda: selector(user).filter(pk=case.pk).exists())


def cases_viewed_together(user, model, pks) -> None:
    """Ask ``may_view_case`` of the cases ``pks`` (of ``model``) at once and remember the
    answers on ``user``: a list page's rows ask it each (who may open a task), which cost a
    query a row."""
    if not user.is_authenticated or model not in SELECTORS:
        return
    pks = set(pks)
    viewable = set(SELECTORS[model](user).filter(pk__in=pks).values_list("pk", flat=True))
    known = user.__dict__.setdefault("_case_access", {})
    for pk in pks:
        known[("case", model, pk)] = pk in viewable


def case_model(case):
    """The model of a case, from its flow when it is viewflow's bare process row (a task's
    ``process``): without the query ``coerced`` makes, once per row of a task list."""
    flow_class = getattr(case, "flow_class", None)
    return flow_class.process_class if flow_class is not None else type(case)
