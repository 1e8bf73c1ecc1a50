"""The append-only audit trail: who did what to which object, when and why."""

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class AppendOnlyError(Exception):
    """Raised on any attempt to change or remove an audit event."""


class AuditAction(models.TextChoices):
    """Every action an audit event may record, ``<object>.<what happened>``: the one
    vocabulary, checked by ``registry.services.audit_record`` (an action not listed here is
    a programming error). The admin's writes are ``<model>.admin_create``, ``.admin_change``
    and ``.admin_delete`` for each model it audits (``registry.admin``)."""

    ACADEMICSIGNAL_ADMIN_CHANGE = "academicsignal.admin_change"
    ACADEMICSIGNAL_ADMIN_CREATE = "academicsignal.admin_create"
    ACADEMICSIGNAL_ADMIN_DELETE = "academicsignal.admin_delete"
    ACCOUNT_CONFIRM = "account.confirm"
    ACCOUNT_SIGNUP = "account.signup"
    ALLOWEDCATEGORY_ADMIN_CHANGE = "allowedcategory.admin_change"
    ALLOWEDCATEGORY_ADMIN_CREATE = "allowedcategory.admin_create"
    ALLOWEDCATEGORY_ADMIN_DELETE = "allowedcategory.admin_delete"
    ANNUAL_REVIEW_DECIDE = "annual_review.decide"
    ANNUAL_REVIEW_OPEN = "annual_review.open"
    APPROVAL_ADMIN_CHANGE = "approval.admin_change"
    APPROVAL_ADMIN_CREATE = "approval.admin_create"
    APPROVAL_ADMIN_DELETE = "approval.admin_delete"
    APPROVAL_APPROVED = "approval.approved"
    APPROVAL_CREATE = "approval.create"
    APPROVAL_EXPIRED = "approval.expired"
    APPROVAL_HOLD = "approval.hold"
    APPROVAL_HOLD_LIFT = "approval.hold_lift"
    APPROVAL_RECTIFICATION = "approval.rectification"
    APPROVAL_RECTIFICATION_END = "approval.rectification_end"
    APPROVAL_RENEW = "approval.renew"
    APPROVAL_REVOKED = "approval.revoked"
    APPROVAL_SUSPENDED = "approval.suspended"
    BLACKLIST_CONFIRM = "blacklist.confirm"
    BLACKLIST_EVIDENCE_READ = "blacklist.evidence_read"
    BLACKLIST_LIFT = "blacklist.lift"
    BLACKLIST_PROPOSE = "blacklist.propose"
    BLACKLIST_REEXAMINATION_LIFT = "blacklist.reexamination_lift"
    BLACKLIST_RECHECK_DECIDE = "blacklist.recheck_decide"
    BLACKLIST_RECHECK_REQUEST = "blacklist.recheck_request"
    BLACKLIST_RECORD_HIT = "blacklist.record_hit"
    BLACKLIST_REFUSE = "blacklist.refuse"
    BUREAU_ADMIN_CHANGE = "bureau.admin_change"
    BUREAU_ADMIN_CREATE = "bureau.admin_create"
    BUREAU_ADMIN_DELETE = "bureau.admin_delete"
    CALL_OPEN = "call.open"
    CASE_APPLY = "case.apply"
    CASE_APPROVED = "case.approved"
    CASE_COMPLETENESS = "case.completeness"
    CASE_CORRECTION_SUBMIT = "case.correction_submit"
    CASE_DECIDE = "case.decide"
    CASE_EXPERT_NO_CONFLICT = "case.expert_no_conflict"
    CASE_EXPERT_RECUSED = "case.expert_recused"
    CASE_EXPERT_SCORED = "case.expert_scored"
    CASE_EXPERTS_DRAWN = "case.experts_drawn"
    CASE_FLAG_DECIDED = "case.flag_decided"
    CASE_FLAGGED = "case.flagged"
    CASE_NOTICE_START = "case.notice_start"
    CASE_NOTICE_STOPPED = "case.notice_stopped"
    CASE_OBJECTION_ACKNOWLEDGED = "case.objection_acknowledged"
    CASE_OBJECTION_FILED = "case.objection_filed"
    CASE_OBJECTION_INVESTIGATING = "case.objection_investigating"
    CASE_OBJECTION_RESOLVED = "case.objection_resolved"
    CASE_PARTNER_OPINION = "case.partner_opinion"
    CASE_PARTNER_OPINION_REQUESTED = "case.partner_opinion_requested"
    CASE_QUALIFICATION_CHECK = "case.qualification_check"
    CASE_REJECTED = "case.rejected"
    CASE_RESUBMIT = "case.resubmit"
    CASE_RETURN_FOR_CORRECTION = "case.return_for_correction"
    CASE_SCORES_SUMMARIZED = "case.scores_summarized"
    CASE_VETTING_START = "case.vetting_start"
    CASE_VETTING_VERIFY = "case.vetting_verify"
    CASE_WITHDRAWN = "case.withdrawn"
    CHANGE_REQUEST_APPROVED = "change_request.approved"
    CHANGE_REQUEST_CREATE = "change_request.create"
    CHANGE_REQUEST_REJECTED = "change_request.rejected"
    CONSENT_GIVE = "consent.give"
    CONSENT_WITHDRAW = "consent.withdraw"
    DOCUMENT_REJECT = "document.reject"
    DOCUMENT_SUPERSEDE = "document.supersede"
    DOCUMENT_UPLOAD = "document.upload"
    DOCUMENT_VERIFY = "document.verify"
    ENGAGEMENT_ACTIVATE = "engagement.activate"
    ENGAGEMENT_CREATE = "engagement.create"
    ENGAGEMENT_END = "engagement.end"
    ENGAGEMENT_EVALUATE = "engagement.evaluate"
    ENGAGEMENT_FREE_PLACES = "engagement.free_places"
    ENGAGEMENT_PAPER_UPLOAD = "engagement.paper_upload"
    ENGAGEMENT_RESTORE = "engagement.restore"
    ENGAGEMENT_ROSTER_ACCEPT = "engagement.roster_accept"
    ENGAGEMENT_ROSTER_ADD = "engagement.roster_add"
    ENGAGEMENT_ROSTER_PROPOSE = "engagement.roster_propose"
    ENGAGEMENT_ROSTER_REMOVE = "engagement.roster_remove"
    ENGAGEMENT_SIGN = "engagement.sign"
    ENGAGEMENT_SUSPEND = "engagement.suspend"
    ENGAGEMENT_TERMINATE = "engagement.terminate"
    FEEREFERENCE_ADMIN_CHANGE = "feereference.admin_change"
    FEEREFERENCE_ADMIN_CREATE = "feereference.admin_create"
    FEEREFERENCE_ADMIN_DELETE = "feereference.admin_delete"
    INCIDENT_REPORT = "incident.report"
    INVITATION_ACCEPTED = "invitation.accepted"
    INVITATION_CREATE = "invitation.create"
    INVITATION_DECLINED = "invitation.declined"
    INVITATION_WITHDRAWN = "invitation.withdrawn"
    JOB_DONE = "job.done"
    JOB_FAILED = "job.failed"
    JOB_RESTART = "job.restart"
    JOB_START = "job.start"
    JURISDICTION_ADMIN_CHANGE = "jurisdiction.admin_change"
    JURISDICTION_ADMIN_CREATE = "jurisdiction.admin_create"
    JURISDICTION_ADMIN_DELETE = "jurisdiction.admin_delete"
    LESSON_CONFIRM = "lesson.confirm"
    LESSON_DISPUTE = "lesson.dispute"
    LESSON_RECORD = "lesson.record"
    LIST_REVIEW_PUBLISH = "list_review.publish"
    LIST_REVIEW_START = "list_review.start"
    OFFERING_ADMIN_CHANGE = "offering.admin_change"
    OFFERING_ADMIN_CREATE = "offering.admin_create"
    OFFERING_ADMIN_DELETE = "offering.admin_delete"
    OFFERING_CREATE = "offering.create"
    OFFERING_EDIT = "offering.edit"
    ORGANIZATION_ADMIN_CHANGE = "organization.admin_change"
    ORGANIZATION_ADMIN_CREATE = "organization.admin_create"
    ORGANIZATION_ADMIN_DELETE = "organization.admin_delete"
    ORGANIZATION_EDIT = "organization.edit"
    ORGANIZATION_REGISTER = "organization.register"
    PARTNERDEPARTMENT_ADMIN_CHANGE = "partnerdepartment.admin_change"
    PARTNERDEPARTMENT_ADMIN_CREATE = "partnerdepartment.admin_create"
    PARTNERDEPARTMENT_ADMIN_DELETE = "partnerdepartment.admin_delete"
    PERMISSION_ADMIN_GRANT = "permission.admin_grant"
    PERMISSION_ADMIN_REVOKE = "permission.admin_revoke"
    PERSON_ADMIN_CHANGE = "person.admin_change"
    PERSON_ADMIN_CREATE = "person.admin_create"
    PERSON_ADMIN_DELETE = "person.admin_delete"
    PERSON_EDIT = "person.edit"
    PERSON_PHOTO_CONSENT = "person.photo_consent"
    PERSON_PHOTO_UPLOAD = "person.photo_upload"
    PERSON_PHOTO_WITHDRAW = "person.photo_withdraw"
    PERSON_REGISTER = "person.register"
    PROVIDER_INVITATION_ACCEPT = "provider_invitation.accept"
    PROVIDER_INVITATION_CREATE = "provider_invitation.create"
    PUBLICATION_PUBLISH = "publication.publish"
    RECERT_APPROVED = "recert.approved"
    RECERT_OPEN = "recert.open"
    RECERT_REJECTED = "recert.rejected"
    RECERT_SUBMIT = "recert.submit"
    RECERT_VERIFY = "recert.verify"
    RECERT_WITHDRAWN = "recert.withdrawn"
    REQUERY_OPEN = "requery.open"
    REQUERY_OVERDUE = "requery.overdue"
    REQUERY_RECORD = "requery.record"
    REVIEW_CASE_BACK_TO_CLERK = "review_case.back_to_clerk"
    REVIEW_CASE_CAUSE = "review_case.cause"
    REVIEW_CASE_CLOSE = "review_case.close"
    REVIEW_CASE_DECIDE = "review_case.decide"
    REVIEW_CASE_EVIDENCE_READ = "review_case.evidence_read"
    REVIEW_CASE_INVESTIGATE = "review_case.investigate"
    REVIEW_CASE_NOTICE = "review_case.notice"
    REVIEW_CASE_OPEN = "review_case.open"
    REVIEW_CASE_RECTIFICATION = "review_case.rectification"
    REVIEW_CASE_RECTIFICATION_CHECK = "review_case.rectification_check"
    REVIEW_CASE_RECTIFICATION_CHECKED = "review_case.rectification_checked"
    REVIEW_CASE_RECTIFICATION_SUBMIT = "review_case.rectification_submit"
    REVIEW_CASE_REEXAMINATION_REQUEST = "review_case.reexamination_request"
    REVIEW_CASE_REEXAMINE = "review_case.reexamine"
    REVIEW_CASE_RESPOND = "review_case.respond"
    REVIEW_CASE_TO_DECISION = "review_case.to_decision"
    REVIEW_CASE_TO_REEXAMINATION = "review_case.to_reexamination"
    REVIEW_REQUEST_CLOSE = "review_request.close"
    REVIEW_REQUEST_OPEN = "review_request.open"
    ROLE_GRANT = "role.grant"
    ROLE_REVOKE = "role.revoke"
    ROSTER_REMOVE = "roster.remove"
    ROSTER_RETURN = "roster.return"
    SCHOOL_ADMIN_CHANGE = "school.admin_change"
    SCHOOL_ADMIN_CREATE = "school.admin_create"
    SCHOOL_ADMIN_DELETE = "school.admin_delete"
    SCHOOLTERM_ADMIN_CHANGE = "schoolterm.admin_change"
    SCHOOLTERM_ADMIN_CREATE = "schoolterm.admin_create"
    SCHOOLTERM_ADMIN_DELETE = "schoolterm.admin_delete"
    SERVICECATEGORY_ADMIN_CHANGE = "servicecategory.admin_change"
    SERVICECATEGORY_ADMIN_CREATE = "servicecategory.admin_create"
    SERVICECATEGORY_ADMIN_DELETE = "servicecategory.admin_delete"
    TERM_CREATE = "term.create"
    TERM_NEED_ADD = "term.need_add"
    TERM_SLOT_ADD = "term.slot_add"
    TOKEN_CREATE = "token.create"  # noqa: S105 - an action name, not a secret
    TOKEN_REVOKE = "token.revoke"  # noqa: S105 - an action name, not a secret


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
