"""Who is told, drawn or asked: the users who hold a role on a bureau, a partner department
or a provider, as guardian checks it when they act (given to the user, or to a group the
user is in: the admin's permission pages can do either). A group's members may take the
tasks, so they are told of them and drawn for panels too."""

from __future__ import annotations

from django.db.models import QuerySet
from guardian.shortcuts import get_users_with_perms

from registry.models import Bureau, Organization
from registry.selectors.sanctions import holders_of_person
from workflows.models import SelectionProcess


def staff_queryset(bureau: Bureau, codename: str) -> QuerySet:
    return get_users_with_perms(bureau, only_with_perms_in=[codename], with_superusers=False,
                                with_group_users=True).filter(is_active=True)


def staff_of(bureau: Bureau, codename: str) -> list:
    return list(staff_queryset(bureau, codename))


def department_users(department) -> list:
    """The active users of a partner department (its role, given to them or their group)."""
    return list(get_users_with_perms(department, only_with_perms_in=["opine_department"],
                                     with_superusers=False, with_group_users=True
                                     ).filter(is_active=True))


def providers_queryset(organization: Organization) -> QuerySet:
    return get_users_with_perms(organization, only_with_perms_in=["act_for_organization"],
                                with_superusers=False, with_group_users=True
                                ).filter(is_active=True)


def providers_of(organization: Organization) -> list:
    return list(providers_queryset(organization))


def holders_of(subject) -> list:
    """The users who act for an organization, or for a person (the person's own account
    and the employing organization's provider users): who is told about its credentials."""
    if isinstance(subject, Organization):
        return providers_of(subject)
    return holders_of_person(subject)  # the one rule, with those acting for the person


def case_providers(case) -> list:
    """Who acts for the provider side of a case: the organization's provider users, or the
    one who started a vetting and the person's holders."""
    if isinstance(case, SelectionProcess):
        return providers_of(case.organization)
    return [case.applicant, *holders_of(case.person)]


def bureau_for_approval(approval) -> Bureau:
    """The bureau of the approval's jurisdiction (where its cases go), else the nearest
    above it: a county without a bureau of its own in the registry is served by its
    city's. ``Bureau.DoesNotExist`` when no bureau serves the jurisdiction at all."""
    lineage = approval.jurisdiction.lineage_ids()  # nearest first
    bureaus = {b.jurisdiction_id: b for b in Bureau.objects.filter(jurisdiction_id__in=lineage)}
    for pk in lineage:
        if pk in bureaus:
            return bureaus[pk]
    raise Bureau.DoesNotExist(f"no bureau serves jurisdiction {approval.jurisdiction_id}")
