"""A page of a provider's cases (我的申请) as their own kinds: the rows behind
``workflows.selectors.provider_cases_for`` (re-exported there)."""

from workflows.models import (
    RecertificationProcess,
    ReviewCaseProcess,
    SelectionProcess,
    VettingProcess,
)


def provider_cases_of(processes) -> list:
    """The cases of ``processes`` (a page of ``provider_cases_for``) in their order, each as
    its own kind with its subject and bureau: one query per kind, not one per row."""
    pks = [process.pk for process in processes]
    cases = {case.pk: case for case in [
        *SelectionProcess.objects.filter(pk__in=pks).select_related("organization", "bureau"),
        *VettingProcess.objects.filter(pk__in=pks).select_related("person", "bureau"),
        *RecertificationProcess.objects.filter(pk__in=pks).select_related(
            "approval__organization", "approval__person", "bureau"),
        *ReviewCaseProcess.objects.filter(pk__in=pks).select_related(
            "organization", "person", "bureau"),
    ]}
    return [cases[pk] for pk in pks if pk in cases]


def case_status_field(case) -> str:
    """The field that says where ``case`` stands: a review case's stage, the others'
    outcome."""
    return "stage" if isinstance(case, ReviewCaseProcess) else "outcome"
