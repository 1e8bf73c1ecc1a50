from .after_approval import BureauCalendar, RecordRequery, TermReminder
from .approvals import (
    Approval,
    InvalidTransition,
    approval_covers,
    covering_parent_id,
    grades_label,
)
from .audit import AuditAction, AuditEvent
from .availability import ProviderAvailability
from .changes import ChangeRequest
from .consent import PersonalDataConsent, RecordQueryConsent, SchoolInvitation
from .contracts import Lesson, PermitPhoto, RosterMember, TermNeed, TermSlot
from .departments import PartnerDepartment
from .engagements import (
    EVALUATION_RUBRIC,
    RUBRIC_TOP_SCORE,
    Engagement,
    Evaluation,
    Incident,
    SchoolTerm,
    rubric_percent,
)
from .geography import Bureau, Jurisdiction, School, ServiceCategory
from .holds import ApprovalHold
from .jobs import BackgroundJob
from .membership import ProviderInvitation
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
    "approval_covers",
    "covering_parent_id",
    "grades_label",
    "PartnerDepartment",
    "BackgroundJob",
    "ChangeRequest",
    "ProviderInvitation",
    "BureauCalendar",
    "RecordRequery",
    "TermReminder",
    "AcademicSignal",
    "AllowedCategory",
    "FeeReference",
    "Blacklisting",
    "PersonalDataConsent",
    "RecordQueryConsent",
    "SchoolInvitation",
    "BlacklistProposal",
    "RecheckRequest",
    "SanctionEvidence",
    "Engagement",
    "Lesson",
    "PermitPhoto",
    "RosterMember",
    "TermNeed",
    "TermSlot",
    "EVALUATION_RUBRIC",
    "Evaluation",
    "RUBRIC_TOP_SCORE",
    "rubric_percent",
    "Incident",
    "SchoolTerm",
    "Publication",
    "PublicationEntry",
    "ReviewRequest",
    "ProviderSearchDocument",
    "ProviderAvailability",
    "Approval",
    "ApprovalHold",
    "AuditAction",
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
