from .after_approval import BureauCalendar, RecordRequery, TermReminder
from .approvals import Approval, InvalidTransition
from .audit import AuditEvent
from .consent import RecordQueryConsent, SchoolInvitation
from .engagements import Engagement, Evaluation, Incident, SchoolTerm
from .geography import Bureau, Jurisdiction, School, ServiceCategory
from .policy import AcademicSignal, AllowedCategory, FeeReference
from .providers import Offering, Organization, Person, Weekday
from .publications import Publication, PublicationEntry
from .sanctions import (
    Blacklisting,
    BlacklistProposal,
    RecheckRequest,
    ReviewRequest,
    SanctionEvidence,
)
from .search import ProviderSearchDocument

__all__ = [
    "BureauCalendar",
    "RecordRequery",
    "TermReminder",
    "AcademicSignal",
    "AllowedCategory",
    "FeeReference",
    "Blacklisting",
    "RecordQueryConsent",
    "SchoolInvitation",
    "BlacklistProposal",
    "RecheckRequest",
    "SanctionEvidence",
    "Engagement",
    "Evaluation",
    "Incident",
    "SchoolTerm",
    "Publication",
    "PublicationEntry",
    "ReviewRequest",
    "ProviderSearchDocument",
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
