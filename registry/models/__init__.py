from .approvals import Approval, InvalidTransition
from .audit import AuditEvent
from .geography import Bureau, Jurisdiction, School, ServiceCategory
from .providers import Offering, Organization, Person, Weekday

__all__ = [
    "Approval",
    "AuditEvent",
    "Bureau",
    "InvalidTransition",
    "Jurisdiction",
    "Offering",
    "Organization",
    "Person",
    "School",
    "ServiceCategory",
    "Weekday",
]
