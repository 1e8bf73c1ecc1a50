"""How cases reach documents: the ``documents.permissions.CaseReach`` this app fills.

A bureau reaches a subject's documents through a case of that subject at the bureau: a
selection (the organization, and the people on its roster) or a vetting (the person).
"""

from __future__ import annotations

from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from guardian.shortcuts import get_objects_for_user

from documents.permissions import VIEW_BUREAU_PERMISSIONS, CaseReach
from registry.models import Bureau, Organization
from registry.selectors.departments import departments_of_user
from workflows.models import (
    ExpertAssignment,
    PartnerOpinion,
    SelectionProcess,
    VettingProcess,
)

_Roster = SelectionProcess.roster.through


class WorkflowCaseReach(CaseReach):
    def jurisdictions(self, subject) -> set[int]:
        if isinstance(subject, Organization):
            cases = SelectionProcess.objects.filter(organization=subject)
            return set(cases.values_list("bureau__jurisdiction_id", flat=True))
        ids = set(VettingProcess.objects.filter(person=subject)
                  .values_list("bureau__jurisdiction_id", flat=True))
        ids.update(_Roster.objects.filter(person=subject)
                   .values_list("selectionprocess__bureau__jurisdiction_id", flat=True))
        return ids

    def organizations_q(self, held: set[int]) -> Q:
        return Q(organization__in=SelectionProcess.objects.filter(
            bureau__jurisdiction_id__in=held).values("organization"))

    def people_q(self, held: set[int]) -> Q:
        return (
            Q(person__in=VettingProcess.objects.filter(
                bureau__jurisdiction_id__in=held).values("person"))
            | Q(person__in=_Roster.objects.filter(
                selectionprocess__bureau__jurisdiction_id__in=held).values("person"))
        )

    def case_for(self, user, subject):
        """The newest case of ``subject`` at a bureau where ``user`` holds a role:
        (bureau, "vetting #12"), or None."""
        bureaus = get_objects_for_user(
            user, [f"registry.{c}" for c in VIEW_BUREAU_PERMISSIONS], klass=Bureau,
            any_perm=True, accept_global_perms=False, with_superuser=False)
        if isinstance(subject, Organization):
            case = (SelectionProcess.objects.filter(organization=subject, bureau__in=bureaus)
                    .select_related("bureau").order_by("-pk").first())
            return (case.bureau, f"selection #{case.pk}") if case else None
        case = (VettingProcess.objects.filter(person=subject, bureau__in=bureaus)
                .select_related("bureau").order_by("-pk").first())
        if case is not None:
            return case.bureau, f"vetting #{case.pk}"
        case = (SelectionProcess.objects.filter(roster=subject, bureau__in=bureaus)
                .select_related("bureau").order_by("-pk").first())
        return (case.bureau, f"selection #{case.pk}") if case else None

    def label_words(self, label: str) -> str:
        """"vetting #12" as the log's readers say it: 资格审查 第12号 (a label of another
        form stays as it is)."""
        kind, _sep, number = label.partition(" #")
        words = {"selection": _("selection case no. %(number)s"),
                 "vetting": _("vetting case no. %(number)s")}.get(kind)
        return str(words) % {"number": number} if words and number.isdigit() else label

    def panel_may_read(self, user, subject) -> bool:
        """An expert drawn for a selection of this organization, or a partner department
        asked for its opinion on one, reads its documents while the review is open and
        afterwards, for the record; an expert who recused does not. A person's documents
        (personal data) are never reached this way."""
        if not isinstance(subject, Organization):
            return False
        if ExpertAssignment.objects.filter(
            case__organization=subject, expert=user,
            status__in=[ExpertAssignment.Status.DRAWN, ExpertAssignment.Status.SCORED],
        ).exists():
            return True
        # a partner department asked for its opinion (会审) on a case of the organization:
        # while its task is open and afterwards, for the record
        departments = departments_of_user(user)
        return bool(departments) and PartnerOpinion.objects.filter(
            case__organization=subject, department_id__in=departments).exists()
