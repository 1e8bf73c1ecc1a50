"""Who may see, upload and review a subject's documents: the one place that decides.

A subject is a registry Organization or Person.

- Providers act for their own subject: ``act_for_organization`` on the
  organization, ``act_for_person`` on the person; an organization's provider
  users also act for the people it employs (its staff roster).
- Bureau staff reach a subject through a bureau on which they hold a role:
  the bureau's jurisdiction subtree contains the subject's county (a person's
  is their employing organization's), or the bureau's jurisdiction has an
  Approval for the subject. Clerks review; clerks, approvers and
  administrators may read.

A bureau the subject has applied to (a selection or vetting case, open or
closed) also reaches it: :func:`bureau_jurisdictions_reaching` and its queryset
twin :func:`subjects_reached_q` are the only two places that say so.
"""

from __future__ import annotations

from django.db.models import Q
from guardian.shortcuts import get_objects_for_user

from registry.models import Approval, Bureau, Jurisdiction, Organization, Person

VIEW_BUREAU_PERMISSIONS = ("clerk_bureau", "approve_bureau", "administer_bureau")
REVIEW_BUREAU_PERMISSIONS = ("clerk_bureau",)


def _is_active(user) -> bool:
    return bool(user is not None and user.is_authenticated and user.is_active)


def _bureau_jurisdiction_ids(user, codenames) -> set[int]:
    bureaus = get_objects_for_user(
        user, [f"registry.{c}" for c in codenames], klass=Bureau, any_perm=True,
        accept_global_perms=False, with_superuser=False,
    )
    return set(bureaus.values_list("jurisdiction_id", flat=True))


def _subject_county(subject) -> Jurisdiction | None:
    if isinstance(subject, Organization):
        return subject.county
    if isinstance(subject, Person) and subject.organization_id:
        return subject.organization.county
    return None


def bureau_jurisdictions_reaching(subject, *, enough: set[int] | None = None) -> set[int]:
    """Jurisdiction ids whose bureau may deal with ``subject``'s documents.

    With ``enough``, stops as soon as one of those ids is found (the registration county's
    line usually answers, without asking about approvals and cases elsewhere)."""
    ids: set[int] = set()
    county = _subject_county(subject)
    if county is not None:
        ids.update(county.lineage_ids())
        if enough is not None and ids & enough:
            return ids
    subject_filter = (
        {"organization": subject} if isinstance(subject, Organization) else {"person": subject}
    )
    ids.update(Approval.objects.filter(**subject_filter).values_list("jurisdiction_id",
                                                                     flat=True))
    if enough is not None and ids & enough:
        return ids
    ids.update(_case_jurisdictions(subject_filter))
    return ids


def _case_models():
    # Imported late: workflows builds on documents, not the other way round.
    from workflows.models import SelectionProcess, VettingProcess

    return SelectionProcess, VettingProcess


def _case_jurisdictions(subject_filter) -> set[int]:
    """Jurisdictions of the bureaus the subject has applied to (any case, open or closed)."""
    selection, vetting = _case_models()
    if "organization" in subject_filter:
        cases = selection.objects.filter(organization=subject_filter["organization"])
    else:
        cases = vetting.objects.filter(person=subject_filter["person"])
    return set(cases.values_list("bureau__jurisdiction_id", flat=True))


def may_act_for(user, subject) -> bool:
    """Whether ``user`` is a provider user of ``subject`` (may upload and read its documents)."""
    if not _is_active(user):
        return False
    if isinstance(subject, Organization):
        return user.has_perm("registry.act_for_organization", subject)
    if isinstance(subject, Person):
        if user.has_perm("registry.act_for_person", subject):
            return True
        return bool(subject.organization_id) and user.has_perm(
            "registry.act_for_organization", subject.organization
        )
    return False


def _bureau_may(user, subject, codenames) -> bool:
    if not _is_active(user):
        return False
    held = _bureau_jurisdiction_ids(user, codenames)
    return bool(held) and bool(held & bureau_jurisdictions_reaching(subject, enough=held))


def may_view_documents(user, subject) -> bool:
    """Whether ``user`` may list and download ``subject``'s documents."""
    if not _is_active(user):
        return False
    if user.is_superuser or may_act_for(user, subject):
        return True
    return _bureau_may(user, subject, VIEW_BUREAU_PERMISSIONS)


def may_upload_documents(user, subject) -> bool:
    """Whether ``user`` may upload documents for ``subject``: its own provider users only."""
    return may_act_for(user, subject)


def may_review_documents(user, subject) -> bool:
    """Whether ``user`` may verify or reject ``subject``'s documents: a clerk who reaches it."""
    if not _is_active(user):
        return False
    return _bureau_may(user, subject, REVIEW_BUREAU_PERMISSIONS)


def subjects_reached_q(user, codenames=REVIEW_BUREAU_PERMISSIONS) -> Q:
    """A Document filter: documents whose subject a bureau of ``user`` reaches (for queues)."""
    if not _is_active(user):
        return Q(pk__in=[])
    held = _bureau_jurisdiction_ids(user, codenames)
    if not held:
        return Q(pk__in=[])
    subtree = Q(pk__in=[])
    for jurisdiction_id in held:
        subtree |= Jurisdiction.subtree_q(jurisdiction_id)
    counties = Jurisdiction.objects.filter(subtree).values("pk")
    approved = Approval.objects.filter(jurisdiction_id__in=held)
    selection, vetting = _case_models()
    return (
        Q(organization__county__in=counties)
        | Q(person__organization__county__in=counties)
        | Q(organization__in=approved.exclude(organization=None).values("organization"))
        | Q(person__in=approved.exclude(person=None).values("person"))
        | Q(organization__in=selection.objects.filter(
            bureau__jurisdiction_id__in=held).values("organization"))
        | Q(person__in=vetting.objects.filter(
            bureau__jurisdiction_id__in=held).values("person"))
    )
