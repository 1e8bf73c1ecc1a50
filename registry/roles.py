"""Roles: a Django group each, plus an object permission on what the role acts for."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    PROVIDER = "provider", _("Provider")
    BUREAU_CLERK = "bureau_clerk", _("Bureau clerk")
    BUREAU_EXPERT = "bureau_expert", _("Bureau expert")
    BUREAU_APPROVER = "bureau_approver", _("Bureau approver")
    BUREAU_ADMIN = "bureau_admin", _("Bureau administrator")
    SCHOOL = "school", _("School")
    DEPARTMENT = "department", _("Partner department")


BUREAU_ROLES = (Role.BUREAU_CLERK, Role.BUREAU_EXPERT, Role.BUREAU_APPROVER, Role.BUREAU_ADMIN)

# role → {model label: permission codename granted on the object}
ROLE_PERMISSIONS: dict[str, dict[str, str]] = {
    Role.PROVIDER: {
        "registry.organization": "act_for_organization",
        "registry.person": "act_for_person",
    },
    Role.BUREAU_CLERK: {"registry.bureau": "clerk_bureau"},
    Role.BUREAU_EXPERT: {"registry.bureau": "expert_bureau"},
    Role.BUREAU_APPROVER: {"registry.bureau": "approve_bureau"},
    Role.BUREAU_ADMIN: {"registry.bureau": "administer_bureau"},
    Role.SCHOOL: {"registry.school": "act_for_school"},
    Role.DEPARTMENT: {"registry.partnerdepartment": "opine_department"},
}
