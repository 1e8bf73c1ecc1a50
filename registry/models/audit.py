"""The append-only audit trail: who did what to which object, when and why."""

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.utils import timezone
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class AppendOnlyError(Exception):
    """Raised on any attempt to change or remove an audit event."""


# What the admin's writes say, "Changed by an administrator: school"
_ADDED = pgettext_lazy("audit", "Added by an administrator: {}")
_CHANGED = pgettext_lazy("audit", "Changed by an administrator: {}")
_DELETED = pgettext_lazy("audit", "Deleted by an administrator: {}")
_ACADEMICSIGNAL = pgettext_lazy("audit", "subject-tutoring keyword")
_ALLOWEDCATEGORY = pgettext_lazy("audit", "allowed service category")
_APPROVAL = pgettext_lazy("audit", "approval")
_BUREAU = pgettext_lazy("audit", "bureau")
_FEEREFERENCE = pgettext_lazy("audit", "fee reference")
_JURISDICTION = pgettext_lazy("audit", "jurisdiction")
_OFFERING = pgettext_lazy("audit", "offering")
_ORGANIZATION = pgettext_lazy("audit", "organization")
_PARTNERDEPARTMENT = pgettext_lazy("audit", "partner department")
_PERSON = pgettext_lazy("audit", "person")
_SCHOOL = pgettext_lazy("audit", "school")
_SCHOOLTERM = pgettext_lazy("audit", "school term")
_SERVICECATEGORY = pgettext_lazy("audit", "service category")


class AuditAction(models.TextChoices):
    """Every action an audit event may record, ``<object>.<what happened>``: the one
    vocabulary, checked by ``registry.services.audit_record`` (an action not listed here is
    a programming error). The admin's writes are ``<model>.admin_create``, ``.admin_change``
    and ``.admin_delete`` for each model it audits (``registry.admin``).

    Each action's label is what people read in a history (the codes are stable and
    searchable, never shown): a new action cannot be added without its words, and
    ``tests/registry/test_audit_vocabulary.py`` checks every label is translated."""

    ACADEMICSIGNAL_ADMIN_CHANGE = ("academicsignal.admin_change",
        format_lazy(_CHANGED, _ACADEMICSIGNAL))
    ACADEMICSIGNAL_ADMIN_CREATE = ("academicsignal.admin_create",
        format_lazy(_ADDED, _ACADEMICSIGNAL))
    ACADEMICSIGNAL_ADMIN_DELETE = ("academicsignal.admin_delete",
        format_lazy(_DELETED, _ACADEMICSIGNAL))
    ACCOUNT_CONFIRM = "account.confirm", pgettext_lazy("audit", "Email address confirmed")
    ACCOUNT_SIGNUP = "account.signup", pgettext_lazy("audit", "Account created")
    ALLOWEDCATEGORY_ADMIN_CHANGE = ("allowedcategory.admin_change",
        format_lazy(_CHANGED, _ALLOWEDCATEGORY))
    ALLOWEDCATEGORY_ADMIN_CREATE = ("allowedcategory.admin_create",
        format_lazy(_ADDED, _ALLOWEDCATEGORY))
    ALLOWEDCATEGORY_ADMIN_DELETE = ("allowedcategory.admin_delete",
        format_lazy(_DELETED, _ALLOWEDCATEGORY))
    ANNUAL_REVIEW_DECIDE = "annual_review.decide", pgettext_lazy("audit", "Annual review decided")
    ANNUAL_REVIEW_OPEN = "annual_review.open", pgettext_lazy("audit", "Annual review opened")
    APPROVAL_ADMIN_CHANGE = "approval.admin_change", format_lazy(_CHANGED, _APPROVAL)
    APPROVAL_ADMIN_CREATE = "approval.admin_create", format_lazy(_ADDED, _APPROVAL)
    APPROVAL_ADMIN_DELETE = "approval.admin_delete", format_lazy(_DELETED, _APPROVAL)
    APPROVAL_APPROVED = "approval.approved", pgettext_lazy("audit", "Approval in force")
    APPROVAL_CREATE = "approval.create", pgettext_lazy("audit", "Approval created")
    APPROVAL_EXPIRED = "approval.expired", pgettext_lazy("audit", "Approval expired")
    APPROVAL_HOLD = "approval.hold", pgettext_lazy("audit", "Approval held for another cause")
    APPROVAL_HOLD_LIFT = ("approval.hold_lift",
        pgettext_lazy("audit", "A cause holding the approval lifted"))
    APPROVAL_RECTIFICATION = ("approval.rectification",
        pgettext_lazy("audit", "Rectification ordered"))
    APPROVAL_RECTIFICATION_END = ("approval.rectification_end",
        pgettext_lazy("audit", "Rectification period ended"))
    APPROVAL_RENEW = "approval.renew", pgettext_lazy("audit", "Approval renewed (1+1)")
    APPROVAL_REVOKED = "approval.revoked", pgettext_lazy("audit", "Approval revoked")
    APPROVAL_SUSPENDED = "approval.suspended", pgettext_lazy("audit", "Approval suspended")
    BLACKLIST_CONFIRM = "blacklist.confirm", pgettext_lazy("audit", "Blacklisting confirmed")
    BLACKLIST_EVIDENCE_READ = ("blacklist.evidence_read",
        pgettext_lazy("audit", "Evidence file read"))
    BLACKLIST_LIFT = "blacklist.lift", pgettext_lazy("audit", "Blacklisting lifted on re-check")
    BLACKLIST_PROPOSE = "blacklist.propose", pgettext_lazy("audit", "Blacklisting proposed")
    BLACKLIST_REEXAMINATION_LIFT = ("blacklist.reexamination_lift",
        pgettext_lazy("audit", "Blacklisting lifted on re-examination"))
    BLACKLIST_RECHECK_DECIDE = ("blacklist.recheck_decide",
        pgettext_lazy("audit", "Re-check decided"))
    BLACKLIST_RECHECK_REQUEST = ("blacklist.recheck_request",
        pgettext_lazy("audit", "Re-check requested"))
    BLACKLIST_RECORD_HIT = ("blacklist.record_hit",
        pgettext_lazy("audit", "Record hit: bar proposed"))
    BLACKLIST_RECORD_HIT_TOLD = ("blacklist.record_hit_told",
        pgettext_lazy("audit", "Person told in writing of the record hit"))
    BLACKLIST_REFUSE = "blacklist.refuse", pgettext_lazy("audit", "Blacklisting refused")
    BUREAU_ADMIN_CHANGE = "bureau.admin_change", format_lazy(_CHANGED, _BUREAU)
    BUREAU_ADMIN_CREATE = "bureau.admin_create", format_lazy(_ADDED, _BUREAU)
    BUREAU_ADMIN_DELETE = "bureau.admin_delete", format_lazy(_DELETED, _BUREAU)
    CALL_OPEN = "call.open", pgettext_lazy("audit", "Call for applications published")
    CASE_APPLY = "case.apply", pgettext_lazy("audit", "Application submitted")
    CASE_APPROVED = "case.approved", pgettext_lazy("audit", "Approved")
    CASE_COMPLETENESS = "case.completeness", pgettext_lazy("audit", "Completeness checked")
    CASE_CORRECTION_SUBMIT = ("case.correction_submit",
        pgettext_lazy("audit", "Corrections submitted"))
    CASE_DECIDE = "case.decide", pgettext_lazy("audit", "Decision recorded")
    CASE_EXPERT_NO_CONFLICT = ("case.expert_no_conflict",
        pgettext_lazy("audit", "Expert declared no conflict of interest"))
    CASE_EXPERT_RECUSED = "case.expert_recused", pgettext_lazy("audit", "Expert recused")
    CASE_EXPERT_SCORED = "case.expert_scored", pgettext_lazy("audit", "Expert scored")
    CASE_EXPERTS_DRAWN = "case.experts_drawn", pgettext_lazy("audit", "Experts drawn")
    CASE_FLAG_DECIDED = "case.flag_decided", pgettext_lazy("audit", "Policy flag decided")
    CASE_FLAGGED = "case.flagged", pgettext_lazy("audit", "Flagged by policy screening")
    CASE_NOTICE_START = "case.notice_start", pgettext_lazy("audit", "Public notice started")
    CASE_NOTICE_STOPPED = "case.notice_stopped", pgettext_lazy("audit", "Public notice stopped")
    CASE_OBJECTION_ACKNOWLEDGED = ("case.objection_acknowledged",
        pgettext_lazy("audit", "Objection acknowledged"))
    CASE_OBJECTION_FILED = "case.objection_filed", pgettext_lazy("audit", "Objection filed")
    CASE_OBJECTION_INVESTIGATING = ("case.objection_investigating",
        pgettext_lazy("audit", "Objection under investigation"))
    CASE_OBJECTION_RESOLVED = ("case.objection_resolved",
        pgettext_lazy("audit", "Objection resolved"))
    CASE_PARTNER_OPINION = ("case.partner_opinion",
        pgettext_lazy("audit", "Partner department's opinion given"))
    CASE_PARTNER_OPINION_REQUESTED = ("case.partner_opinion_requested",
        pgettext_lazy("audit", "Partner department's opinion requested"))
    CASE_QUALIFICATION_CHECK = ("case.qualification_check",
        pgettext_lazy("audit", "Qualification checked"))
    CASE_REJECTED = "case.rejected", pgettext_lazy("audit", "Rejected")
    CASE_RESUBMIT = "case.resubmit", pgettext_lazy("audit", "Corrections submitted")
    CASE_RETURN_FOR_CORRECTION = ("case.return_for_correction",
        pgettext_lazy("audit", "Returned for correction"))
    CASE_SCORES_SUMMARIZED = "case.scores_summarized", pgettext_lazy("audit", "Scores summarized")
    CASE_VETTING_START = "case.vetting_start", pgettext_lazy("audit", "Vetting started")
    CASE_VETTING_VERIFY = ("case.vetting_verify",
        pgettext_lazy("audit", "Documents and records verified"))
    CASE_WITHDRAWN = "case.withdrawn", pgettext_lazy("audit", "Withdrawn")
    CHANGE_REQUEST_APPROVED = ("change_request.approved",
        pgettext_lazy("audit", "Change request approved"))
    CHANGE_REQUEST_CREATE = "change_request.create", pgettext_lazy("audit", "Change requested")
    CHANGE_REQUEST_REJECTED = ("change_request.rejected",
        pgettext_lazy("audit", "Change request rejected"))
    CONSENT_GIVE = "consent.give", pgettext_lazy("audit", "Consent to the record query given")
    CONSENT_WITHDRAW = ("consent.withdraw",
        pgettext_lazy("audit", "Consent to the record query withdrawn"))
    DOCUMENT_REJECT = "document.reject", pgettext_lazy("audit", "Document rejected")
    DOCUMENT_SUPERSEDE = ("document.supersede",
        pgettext_lazy("audit", "Document replaced by a newer one"))
    DOCUMENT_UPLOAD = "document.upload", pgettext_lazy("audit", "Document uploaded")
    DOCUMENT_VERIFY = "document.verify", pgettext_lazy("audit", "Document verified")
    ENGAGEMENT_ACTIVATE = "engagement.activate", pgettext_lazy("audit", "Engagement in force")
    ENGAGEMENT_CREATE = "engagement.create", pgettext_lazy("audit", "Engagement created")
    ENGAGEMENT_END = "engagement.end", pgettext_lazy("audit", "Engagement ended")
    ENGAGEMENT_EVALUATE = "engagement.evaluate", pgettext_lazy("audit", "Engagement evaluated")
    ENGAGEMENT_FREE_PLACES = ("engagement.free_places",
        pgettext_lazy("audit", "Free places recorded"))
    ENGAGEMENT_PAPER_UPLOAD = ("engagement.paper_upload",
        pgettext_lazy("audit", "Signed paper uploaded"))
    ENGAGEMENT_RESTORE = "engagement.restore", pgettext_lazy("audit", "Engagement restored")
    ENGAGEMENT_ROSTER_ACCEPT = ("engagement.roster_accept",
        pgettext_lazy("audit", "Accepted for the engagement's roster"))
    ENGAGEMENT_ROSTER_ADD = ("engagement.roster_add",
        pgettext_lazy("audit", "Added to the engagement's roster"))
    ENGAGEMENT_ROSTER_PROPOSE = ("engagement.roster_propose",
        pgettext_lazy("audit", "Proposed for the engagement's roster"))
    ENGAGEMENT_ROSTER_REMOVE = ("engagement.roster_remove",
        pgettext_lazy("audit", "Taken off the engagement's roster"))
    ENGAGEMENT_SIGN = "engagement.sign", pgettext_lazy("audit", "Engagement signed")
    ENGAGEMENT_SUSPEND = "engagement.suspend", pgettext_lazy("audit", "Engagement suspended")
    ENGAGEMENT_TERMINATE = "engagement.terminate", pgettext_lazy("audit", "Engagement terminated")
    FEEREFERENCE_ADMIN_CHANGE = "feereference.admin_change", format_lazy(_CHANGED, _FEEREFERENCE)
    FEEREFERENCE_ADMIN_CREATE = "feereference.admin_create", format_lazy(_ADDED, _FEEREFERENCE)
    FEEREFERENCE_ADMIN_DELETE = "feereference.admin_delete", format_lazy(_DELETED, _FEEREFERENCE)
    INCIDENT_REPORT = "incident.report", pgettext_lazy("audit", "Incident reported")
    INVITATION_ACCEPTED = "invitation.accepted", pgettext_lazy("audit", "Invitation accepted")
    INVITATION_CREATE = "invitation.create", pgettext_lazy("audit", "School invited the person")
    INVITATION_DECLINED = "invitation.declined", pgettext_lazy("audit", "Invitation declined")
    INVITATION_WITHDRAWN = "invitation.withdrawn", pgettext_lazy("audit", "Invitation withdrawn")
    JOB_DONE = "job.done", pgettext_lazy("audit", "Background task finished")
    JOB_FAILED = "job.failed", pgettext_lazy("audit", "Background task failed")
    JOB_RESTART = "job.restart", pgettext_lazy("audit", "Background task restarted")
    JOB_START = "job.start", pgettext_lazy("audit", "Background task started")
    JURISDICTION_ADMIN_CHANGE = "jurisdiction.admin_change", format_lazy(_CHANGED, _JURISDICTION)
    JURISDICTION_ADMIN_CREATE = "jurisdiction.admin_create", format_lazy(_ADDED, _JURISDICTION)
    JURISDICTION_ADMIN_DELETE = "jurisdiction.admin_delete", format_lazy(_DELETED, _JURISDICTION)
    LESSON_CONFIRM = "lesson.confirm", pgettext_lazy("audit", "Lesson confirmed")
    LESSON_DISPUTE = "lesson.dispute", pgettext_lazy("audit", "Lesson disputed")
    LESSON_RECORD = "lesson.record", pgettext_lazy("audit", "Lesson recorded")
    LIST_REVIEW_PUBLISH = "list_review.publish", pgettext_lazy("audit", "List review published")
    LIST_REVIEW_START = "list_review.start", pgettext_lazy("audit", "List review started")
    OFFERING_ADMIN_CHANGE = "offering.admin_change", format_lazy(_CHANGED, _OFFERING)
    OFFERING_ADMIN_CREATE = "offering.admin_create", format_lazy(_ADDED, _OFFERING)
    OFFERING_ADMIN_DELETE = "offering.admin_delete", format_lazy(_DELETED, _OFFERING)
    OFFERING_CREATE = "offering.create", pgettext_lazy("audit", "Offering added")
    OFFERING_EDIT = "offering.edit", pgettext_lazy("audit", "Offering edited")
    ORGANIZATION_ADMIN_CHANGE = "organization.admin_change", format_lazy(_CHANGED, _ORGANIZATION)
    ORGANIZATION_ADMIN_CREATE = "organization.admin_create", format_lazy(_ADDED, _ORGANIZATION)
    ORGANIZATION_ADMIN_DELETE = "organization.admin_delete", format_lazy(_DELETED, _ORGANIZATION)
    ORGANIZATION_EDIT = "organization.edit", pgettext_lazy("audit", "Organization details edited")
    ORGANIZATION_REGISTER = ("organization.register",
        pgettext_lazy("audit", "Organization registered"))
    PARTNERDEPARTMENT_ADMIN_CHANGE = ("partnerdepartment.admin_change",
        format_lazy(_CHANGED, _PARTNERDEPARTMENT))
    PARTNERDEPARTMENT_ADMIN_CREATE = ("partnerdepartment.admin_create",
        format_lazy(_ADDED, _PARTNERDEPARTMENT))
    PARTNERDEPARTMENT_ADMIN_DELETE = ("partnerdepartment.admin_delete",
        format_lazy(_DELETED, _PARTNERDEPARTMENT))
    PERMISSION_ADMIN_GRANT = ("permission.admin_grant",
        pgettext_lazy("audit", "Permission granted by an administrator"))
    PERMISSION_ADMIN_REVOKE = ("permission.admin_revoke",
        pgettext_lazy("audit", "Permission withdrawn by an administrator"))
    PERSON_ACCOUNT_LINK = ("person.account_link",
        pgettext_lazy("audit", "Own account linked to the record by an administrator"))
    PERSON_ACCOUNT_UNLINK = ("person.account_unlink",
        pgettext_lazy("audit", "Own account unlinked from the record by an administrator"))
    PERSON_ADMIN_CHANGE = "person.admin_change", format_lazy(_CHANGED, _PERSON)
    PERSON_ADMIN_CREATE = "person.admin_create", format_lazy(_ADDED, _PERSON)
    PERSON_ADMIN_DELETE = "person.admin_delete", format_lazy(_DELETED, _PERSON)
    PERSON_DATA_CONSENT = ("person.data_consent",
        pgettext_lazy("audit", "Separate consent to hold the ID number given"))
    PERSON_DATA_CONSENT_ATTESTED = ("person.data_consent_attested",
        pgettext_lazy("audit", "Organization attested it holds the signed separate consent"))
    PERSON_DATA_CONSENT_WITHDRAW = ("person.data_consent_withdraw",
        pgettext_lazy("audit", "Separate consent to hold the ID number withdrawn"))
    PERSON_EDIT = "person.edit", pgettext_lazy("audit", "Personal details edited")
    PERSON_PHOTO_CONSENT = ("person.photo_consent",
        pgettext_lazy("audit", "Consent to the permit photo recorded"))
    PERSON_PHOTO_UPLOAD = "person.photo_upload", pgettext_lazy("audit", "Permit photo uploaded")
    PERSON_PHOTO_WITHDRAW = ("person.photo_withdraw",
        pgettext_lazy("audit", "Permit photo consent withdrawn"))
    PERSON_REGISTER = "person.register", pgettext_lazy("audit", "Person registered")
    PROVIDER_INVITATION_ACCEPT = ("provider_invitation.accept",
        pgettext_lazy("audit", "Invitation to act for the provider accepted"))
    PROVIDER_INVITATION_CREATE = ("provider_invitation.create",
        pgettext_lazy("audit", "Invited to act for the provider"))
    PUBLICATION_PUBLISH = "publication.publish", pgettext_lazy("audit", "List published")
    RECERT_APPROVED = "recert.approved", pgettext_lazy("audit", "Re-certification passed")
    RECERT_OPEN = "recert.open", pgettext_lazy("audit", "Re-certification opened")
    RECERT_REJECTED = "recert.rejected", pgettext_lazy("audit", "Re-certification not passed")
    RECERT_SUBMIT = "recert.submit", pgettext_lazy("audit", "Renewed documents submitted")
    RECERT_VERIFY = "recert.verify", pgettext_lazy("audit", "Renewed documents checked")
    RECERT_WITHDRAWN = "recert.withdrawn", pgettext_lazy("audit", "Re-certification withdrawn")
    REQUERY_OPEN = "requery.open", pgettext_lazy("audit", "Yearly record query opened")
    REQUERY_OVERDUE = "requery.overdue", pgettext_lazy("audit", "Yearly record query overdue")
    REQUERY_RECORD = "requery.record", pgettext_lazy("audit", "Yearly record query result recorded")
    REVIEW_CASE_BACK_TO_CLERK = ("review_case.back_to_clerk",
        pgettext_lazy("audit", "Back to the clerk"))
    REVIEW_CASE_CAUSE = ("review_case.cause",
        pgettext_lazy("audit", "Another cause added to the case"))
    REVIEW_CASE_CLOSE = "review_case.close", pgettext_lazy("audit", "Review case closed")
    REVIEW_CASE_DECIDE = "review_case.decide", pgettext_lazy("audit", "Decided")
    REVIEW_CASE_EVIDENCE_READ = ("review_case.evidence_read",
        pgettext_lazy("audit", "Evidence file read"))
    REVIEW_CASE_INVESTIGATE = ("review_case.investigate",
        pgettext_lazy("audit", "Investigated; intended action"))
    REVIEW_CASE_NOTICE = ("review_case.notice",
        pgettext_lazy("audit", "Notice of intended action sent"))
    REVIEW_CASE_OPEN = "review_case.open", pgettext_lazy("audit", "Review case opened")
    REVIEW_CASE_RECTIFICATION = ("review_case.rectification",
        pgettext_lazy("audit", "Rectification under way"))
    REVIEW_CASE_RECTIFICATION_CHECK = ("review_case.rectification_check",
        pgettext_lazy("audit", "Rectification to check"))
    REVIEW_CASE_RECTIFICATION_CHECKED = ("review_case.rectification_checked",
        pgettext_lazy("audit", "Rectification checked"))
    REVIEW_CASE_RECTIFICATION_SUBMIT = ("review_case.rectification_submit",
        pgettext_lazy("audit", "Rectification evidenced"))
    REVIEW_CASE_REEXAMINATION_REQUEST = ("review_case.reexamination_request",
        pgettext_lazy("audit", "Re-examination asked"))
    REVIEW_CASE_REEXAMINE = "review_case.reexamine", pgettext_lazy("audit", "Re-examined")
    REVIEW_CASE_RESPOND = "review_case.respond", pgettext_lazy("audit", "The provider answered")
    REVIEW_CASE_TO_DECISION = ("review_case.to_decision",
        pgettext_lazy("audit", "Ready for the decision"))
    REVIEW_CASE_TO_REEXAMINATION = ("review_case.to_reexamination",
        pgettext_lazy("audit", "Sent to re-examination"))
    REVIEW_REQUEST_CLOSE = "review_request.close", pgettext_lazy("audit", "Review request closed")
    REVIEW_REQUEST_OPEN = "review_request.open", pgettext_lazy("audit", "Review request opened")
    ROLE_GRANT = "role.grant", pgettext_lazy("audit", "Role granted")
    ROLE_REVOKE = "role.revoke", pgettext_lazy("audit", "Role withdrawn")
    ROSTER_REMOVE = "roster.remove", pgettext_lazy("audit", "Taken off the provider's staff roster")
    ROSTER_RETURN = "roster.return", pgettext_lazy("audit", "Back on the provider's staff roster")
    SCHOOL_ADMIN_CHANGE = "school.admin_change", format_lazy(_CHANGED, _SCHOOL)
    SCHOOL_ADMIN_CREATE = "school.admin_create", format_lazy(_ADDED, _SCHOOL)
    SCHOOL_ADMIN_DELETE = "school.admin_delete", format_lazy(_DELETED, _SCHOOL)
    SCHOOLTERM_ADMIN_CHANGE = "schoolterm.admin_change", format_lazy(_CHANGED, _SCHOOLTERM)
    SCHOOLTERM_ADMIN_CREATE = "schoolterm.admin_create", format_lazy(_ADDED, _SCHOOLTERM)
    SCHOOLTERM_ADMIN_DELETE = "schoolterm.admin_delete", format_lazy(_DELETED, _SCHOOLTERM)
    SERVICECATEGORY_ADMIN_CHANGE = ("servicecategory.admin_change",
        format_lazy(_CHANGED, _SERVICECATEGORY))
    SERVICECATEGORY_ADMIN_CREATE = ("servicecategory.admin_create",
        format_lazy(_ADDED, _SERVICECATEGORY))
    SERVICECATEGORY_ADMIN_DELETE = ("servicecategory.admin_delete",
        format_lazy(_DELETED, _SERVICECATEGORY))
    TERM_CREATE = "term.create", pgettext_lazy("audit", "Term plan created")
    TERM_NEED_ADD = "term.need_add", pgettext_lazy("audit", "Need added to the term plan")
    TERM_SLOT_ADD = "term.slot_add", pgettext_lazy("audit", "Time slot added to the term plan")
    TOKEN_CREATE = ("token.create",  # noqa: S105 - an action name, not a secret
        pgettext_lazy("audit", "API token created"))
    TOKEN_REVOKE = ("token.revoke",  # noqa: S105 - an action name, not a secret
        pgettext_lazy("audit", "API token revoked"))


class AuditEventQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise AppendOnlyError("audit events cannot be updated")

    def delete(self):
        raise AppendOnlyError("audit events cannot be deleted")

    def for_object(self, obj):
        return self.filter(
            target_type=ContentType.objects.get_for_model(obj), target_id=str(obj.pk)
        )


class AuditEvent(models.Model):
    """One state change, written by the service that made it, in its transaction.

    Append-only three times over: this model refuses updates and deletes, its
    queryset refuses bulk ones, and database triggers (see the migration)
    refuse them for raw SQL too.
    """

    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("actor"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text=_("Empty when the system (the calendar) acted."),
    )
    actor_repr = models.CharField(_("actor name"), max_length=150)
    action = models.CharField(_("action"), max_length=64, db_index=True)
    target_type = models.ForeignKey(
        ContentType, verbose_name=_("object type"), on_delete=models.PROTECT, related_name="+"
    )
    target_id = models.CharField(_("object id"), max_length=64)
    target_repr = models.CharField(_("object"), max_length=255)
    from_state = models.CharField(_("from"), max_length=32, blank=True)
    to_state = models.CharField(_("to"), max_length=32, blank=True)
    reason = models.TextField(_("reason"), blank=True)
    data = models.JSONField(_("details"), default=dict, blank=True)
    created_at = models.DateTimeField(_("when"), default=timezone.now, db_index=True)

    objects = AuditEventQuerySet.as_manager()

    class Meta:
        verbose_name = _("audit event")
        verbose_name_plural = _("audit events")
        ordering = ["-created_at", "-pk"]
        indexes = [
            models.Index(fields=["target_type", "target_id", "created_at"],
                         name="audit_target_idx"),
        ]

    def __str__(self) -> str:
        when = f"{self.created_at:%Y-%m-%d %H:%M}"
        return f"{when} {self.actor_repr} {self.action} {self.target_repr}"

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise AppendOnlyError("audit events cannot be updated")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise AppendOnlyError("audit events cannot be deleted")
