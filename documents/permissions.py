"""Who may see, upload and review a subject's documents: the one place that decides.

A subject is a registry Organization or Person.

- Providers act for their own subject: ``act_for_organization`` on the
  organization, ``act_for_person`` on the person; an organization's provider
  users also act for the people it employs (its staff roster).
- The person whose own account a Person record is (``Person.user``) reads that record's
  documents (PIPL art. 44/45: what is held about them), whether or not they hold the
  provider role on it (``is_own_record``): reading only; uploading stays with the record's
  provider users.
- Bureau staff reach an organization through a bureau on which they hold a role:
  the bureau's jurisdiction subtree contains the organization's county, or the
  bureau's jurisdiction has an Approval for it, or the organization applied there.
- A person's documents (ID card, record-check results: personal data) are reached by
  a bureau only through a case of that person at the bureau (a vetting, or a selection
  whose roster names them) or an approval the bureau issued: never merely because the
  person's employer sits in the bureau's county. Cases are started only by those entitled
  to (``workflows.services.vetting_start``), so a reach is always one rightly begun.
  Clerks review; clerks, approvers and administrators may read.
- An expert drawn for a selection's panel (and a partner department asked for its opinion)
  reads that organization's documents, never the people's, through ``panel_may_read``.

Cases live in ``workflows``, above this app: it tells this module which bureaus a
subject applied to through :func:`register_case_reach` (filled in its AppConfig), so
that ``documents`` never imports ``workflows``.
"""

from __future__ import annotations

from django.db.models import Q
from guardian.shortcuts import get_objects_for_user

from registry.models import Approval, Bureau, Jurisdiction, Organization, Person
from registry.requests import works_at_a_bureau

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


class CaseReach:
    """What the case layer tells documents: which bureaus a subject's cases reach.

    ``jurisdictions(subject)``: ids of the jurisdictions of the bureaus where the subject
    has a case (open or closed). ``organizations_q(held)`` / ``people_q(held)``: Document
    filters for the subjects with a case at a bureau of those jurisdictions.
    ``case_for(user, subject)``: (bureau, case label) through which ``user`` reaches the
    subject, for the access log, or None; ``label_words(label)``: that label as its
    readers say it (the stored label is a code, the same in every language)."""

    def jurisdictions(self, subject) -> set[int]:
        return set()

    def organizations_q(self, held: set[int]) -> Q:
        return Q(pk__in=[])

    def people_q(self, held: set[int]) -> Q:
        return Q(pk__in=[])

    def case_for(self, user, subject):
        return None

    def label_words(self, label: str) -> str:
        return label

    def panel_may_read(self, user, subject) -> bool:
        """Whether ``user`` reviews a case of ``subject`` in person, not through a bureau
        role: an expert drawn for its panel (while the task is open and afterwards, for the
        record) or a partner department asked for its opinion."""
        return False


_case_reach: CaseReach = CaseReach()


def register_case_reach(reach: CaseReach) -> None:
    """Called once by the app that owns cases (``workflows``) when it is ready."""
    global _case_reach
    _case_reach = reach


def case_reach() -> CaseReach:
    return _case_reach


def bureau_jurisdictions_reaching(subject, *, enough: set[int] | None = None) -> set[int]:
    """Jurisdiction ids whose bureau may deal with ``subject``'s documents.

    With ``enough``, stops as soon as one of those ids is found (an organization's
    registration county usually answers, without asking about approvals and cases)."""
    ids: set[int] = set()
    if isinstance(subject, Organization):
        ids.update(subject.county.lineage_ids())
        if enough is not None and ids & enough:
            return ids
        subject_filter = {"organization": subject}
    else:
        subject_filter = {"person": subject}
    ids.update(Approval.objects.filter(**subject_filter).values_list("jurisdiction_id",
                                                                     flat=True))
    if enough is not None and ids & enough:
        return ids
    ids.update(_case_reach.jurisdictions(subject))
    return ids


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


def is_own_record(user, subject) -> bool:
    """Whether ``subject`` is the person whose own account ``user`` is: the one the data is
    about. The provider role on the record (``act_for_person``) is how one acts for it; this
    is who it is, which no role granted or revoked changes (an account a bureau's
    administrator linked to the record, a role since taken away)."""
    return (_is_active(user) and isinstance(subject, Person)
            and subject.user_id is not None and subject.user_id == user.pk)


def _bureau_may(user, subject, codenames) -> bool:
    if not _is_active(user):
        return False
    held = _bureau_jurisdiction_ids(user, codenames)
    return bool(held) and bool(held & bureau_jurisdictions_reaching(subject, enough=held))


def may_view_documents(user, subject) -> bool:
    """Whether ``user`` may list and download ``subject``'s documents: its provider users,
    the person it is (``is_own_record``), the bureaus that reach it, its panel."""
    if not _is_active(user):
        return False
    if user.is_superuser or is_own_record(user, subject) or may_act_for(user, subject):
        return True
    return (_bureau_may(user, subject, VIEW_BUREAU_PERMISSIONS)
            or _case_reach.panel_may_read(user, subject))


def may_upload_documents(user, subject) -> bool:
    """Whether ``user`` may upload documents for ``subject``: its own provider users only."""
    return may_act_for(user, subject)


def may_review_documents(user, subject) -> bool:
    """Whether ``user`` may verify or reject ``subject``'s documents: a clerk who reaches it."""
    if not _is_active(user):
        return False
    return _bureau_may(user, subject, REVIEW_BUREAU_PERMISSIONS)


def may_see_reviewer(user) -> bool:
    """Whether ``user`` reads which clerk reviewed a document: the bureaus' staff only. A
    provider reads the review's outcome and reason, never the clerk (as on a case's
    history, where outsiders read the bureau's name)."""
    return works_at_a_bureau(user)


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
    return (
        Q(organization__county__in=counties)
        | Q(organization__in=approved.exclude(organization=None).values("organization"))
        | Q(person__in=approved.exclude(person=None).values("person"))
        | _case_reach.organizations_q(held)
        | _case_reach.people_q(held)
    )
