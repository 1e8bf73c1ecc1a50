"""Exit (退出): the blacklist (黑名单) and review requests the bureau must look at."""

from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from registry.models.subjects import SubjectMixin, subject_constraint, subject_fields
from registry.models.transitions import StatusTransitions

from .fields import decision_fields, user_field


class Blacklisting(SubjectMixin, models.Model):
    """A provider barred from applying for ``years`` years, by credit code or ID number.

    The identifier is copied so the bar holds against a new registration too.
    """

    bureau = models.ForeignKey(
        "registry.Bureau", verbose_name=_("bureau"), on_delete=models.PROTECT,
        related_name="blacklistings",
    )
    organization, person = subject_fields("blacklistings")
    uscc = models.CharField(_("unified social credit code"), max_length=18, blank=True,
                            db_index=True)
    id_number = models.CharField(_("resident ID number"), max_length=18, blank=True,
                                 db_index=True)
    starts_on = models.DateField(_("from"))
    ends_on = models.DateField(_("until"))
    reason = models.TextField(_("reason"))
    created_by = user_field(_("decided by"), null=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    proposal = models.OneToOneField(
        "registry.BlacklistProposal", verbose_name=_("proposal"), null=True, blank=True,
        on_delete=models.PROTECT, related_name="blacklisting",
    )
    # A re-check (复查) that lifts the bar ends it here; the row stays, for the record.
    lifted_at = models.DateTimeField(_("lifted"), null=True, blank=True)

    class Meta:
        verbose_name = _("blacklisting")
        verbose_name_plural = _("blacklist")
        ordering = ["-starts_on", "-pk"]
        constraints = [
            subject_constraint("blacklisting_exactly_one_subject",
                               organization_also=~Q(uscc=""), person_also=~Q(id_number="")),
            models.CheckConstraint(condition=Q(starts_on__lte=F("ends_on")),
                                   name="blacklisting_dates_ordered"),
        ]

    def __str__(self) -> str:
        subject = self.organization.name if self.organization_id else self.person.name
        return f"{subject} · {self.starts_on}–{self.ends_on}"


class ReviewRequest(SubjectMixin, StatusTransitions, models.Model):
    """A task for the bureau: look at a provider (e.g. low satisfaction).

    Opened by :func:`registry.services.evaluation_record`; the workflows app
    may later drive it as a process.
    """

    class Status(models.TextChoices):
        OPEN = "open", _("Open")
        CLOSED = "closed", _("Closed")

    class Trigger(models.TextChoices):
        LOW_SATISFACTION = "low_satisfaction", _("Low satisfaction")

    TRANSITIONS: dict[str, frozenset[str]] = {
        Status.OPEN: frozenset({Status.CLOSED}),
        Status.CLOSED: frozenset(),
    }
    transition_refused = _("This review request cannot change that way.")
    transition_code = None
    transition_stamp = "status_changed_at"

    bureau = models.ForeignKey(
        "registry.Bureau", verbose_name=_("bureau"), on_delete=models.PROTECT,
        related_name="review_requests",
    )
    organization, person = subject_fields("review_requests")
    trigger = models.CharField(_("trigger"), max_length=32, choices=Trigger.choices)
    details = models.JSONField(_("details"), default=dict, blank=True)
    status = models.CharField(_("status"), max_length=16, choices=Status.choices,
                              default=Status.OPEN, editable=False)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    status_changed_at = models.DateTimeField(_("status changed"), default=timezone.now)

    class Meta:
        verbose_name = _("review request")
        verbose_name_plural = _("review requests")
        ordering = ["-created_at", "-pk"]
        constraints = [
            subject_constraint("review_request_exactly_one_subject"),
            models.UniqueConstraint(fields=["bureau", "organization", "trigger"],
                                    condition=Q(status="open", organization__isnull=False),
                                    name="review_request_one_open_per_organization"),
            models.UniqueConstraint(fields=["bureau", "person", "trigger"],
                                    condition=Q(status="open", person__isnull=False),
                                    name="review_request_one_open_per_person"),
        ]

    def __str__(self) -> str:
        subject = self.organization.name if self.organization_id else self.person.name
        return f"{subject} · {self.get_trigger_display()}"


class BlacklistProposal(SubjectMixin, StatusTransitions, models.Model):
    """A blacklisting waiting for a second person (four eyes).

    A county or city administrator proposes one (``kind`` proposal): a blacklisting bars
    applications province-wide, so an administrator of the provincial bureau other than
    the proposer confirms or refuses it. A clerk's record of a record hit (入职查询) makes
    one too (``kind`` record_hit), which an administrator of the case's bureau other than
    that clerk confirms. Nobody is barred until it is confirmed (a ``Blacklisting``).
    """

    class Kind(models.TextChoices):
        PROPOSAL = "proposal", _("Proposed by a bureau")
        RECORD_HIT = "record_hit", _("Record query hit")

    class Status(models.TextChoices):
        PROPOSED = "proposed", _("Waiting for confirmation")
        CONFIRMED = "confirmed", _("Confirmed")
        REFUSED = "refused", _("Refused")
        LIFTED = "lifted", _("Lifted on re-check")

    TRANSITIONS: dict[str, frozenset[str]] = {
        Status.PROPOSED: frozenset({Status.CONFIRMED, Status.REFUSED, Status.LIFTED}),
        Status.CONFIRMED: frozenset({Status.LIFTED}),
        Status.REFUSED: frozenset(),
        Status.LIFTED: frozenset(),
    }
    transition_refused = _("This blacklist proposal has already been decided.")
    transition_code = "decided"

    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices,
                            default=Kind.PROPOSAL)
    status = models.CharField(_("status"), max_length=16, choices=Status.choices,
                              default=Status.PROPOSED, editable=False)
    bureau = models.ForeignKey(
        "registry.Bureau", verbose_name=_("proposing bureau"), on_delete=models.PROTECT,
        related_name="blacklist_proposals",
    )
    organization, person = subject_fields("blacklist_proposals")
    reason = models.TextField(_("reason"))
    years = models.PositiveSmallIntegerField(_("years"))
    evidence_references = models.TextField(
        _("evidence references"), blank=True,
        help_text=_("Documents already on file, inspection reports, complaint numbers …"))
    proposed_by = user_field(_("proposed by"), null=True, blank=False)
    proposed_at = models.DateTimeField(_("proposed"), default=timezone.now)
    decided_by, decided_at, decision_reason = decision_fields()

    class Meta:
        verbose_name = _("blacklist proposal")
        verbose_name_plural = _("blacklist proposals")
        ordering = ["-proposed_at", "-pk"]
        constraints = [
            subject_constraint("blacklist_proposal_exactly_one_subject"),
            models.UniqueConstraint(fields=["person", "kind"],
                                    condition=Q(status="proposed", person__isnull=False),
                                    name="blacklist_proposal_one_pending_per_person"),
            models.UniqueConstraint(fields=["organization", "kind"],
                                    condition=Q(status="proposed",
                                                organization__isnull=False),
                                    name="blacklist_proposal_one_pending_per_organization"),
        ]

    def __str__(self) -> str:
        subject = self.organization.name if self.organization_id else str(self.person)
        return f"{subject} · {self.get_kind_display()} #{self.pk}"


class RecheckRequest(StatusTransitions, models.Model):
    """A person's request for a re-check (复查) of a record hit: once per hit. A task for
    the bureau's clerks and administrators, decided upheld or lifted."""

    class Status(models.TextChoices):
        OPEN = "open", _("Waiting for the bureau")
        UPHELD = "upheld", _("Upheld")
        LIFTED = "lifted", _("Lifted")

    TRANSITIONS: dict[str, frozenset[str]] = {
        Status.OPEN: frozenset({Status.UPHELD, Status.LIFTED}),
        Status.UPHELD: frozenset(),
        Status.LIFTED: frozenset(),
    }
    transition_refused = _("This re-check has already been decided.")
    transition_code = "decided"

    proposal = models.OneToOneField(
        BlacklistProposal, verbose_name=_("record hit"), on_delete=models.PROTECT,
        related_name="recheck",
    )
    statement = models.TextField(_("statement"))
    status = models.CharField(_("status"), max_length=16, choices=Status.choices,
                              default=Status.OPEN, editable=False)
    requested_by = user_field(_("requested by"))
    requested_at = models.DateTimeField(_("requested"), default=timezone.now)
    decided_by, decided_at, decision_reason = decision_fields()

    class Meta:
        verbose_name = _("re-check request")
        verbose_name_plural = _("re-check requests")
        ordering = ["requested_at", "pk"]

    def __str__(self) -> str:
        return f"{self.proposal} · {self.get_status_display()}"


class SanctionEvidence(models.Model):
    """A file given as evidence with a blacklist proposal or a re-check request, kept in
    the private document storage under a random key."""

    proposal = models.ForeignKey(
        BlacklistProposal, verbose_name=_("blacklist proposal"), null=True, blank=True,
        on_delete=models.PROTECT, related_name="evidence",
    )
    recheck = models.ForeignKey(
        RecheckRequest, verbose_name=_("re-check request"), null=True, blank=True,
        on_delete=models.PROTECT, related_name="evidence",
    )
    storage_key = models.CharField(_("storage key"), max_length=255, unique=True,
                                   editable=False)
    filename = models.CharField(_("file name"), max_length=255)
    content_type = models.CharField(_("content type"), max_length=100)
    size = models.PositiveIntegerField(_("size"))
    uploaded_by = user_field(_("uploaded by"))
    uploaded_at = models.DateTimeField(_("uploaded"), auto_now_add=True)

    class Meta:
        verbose_name = _("sanction evidence")
        verbose_name_plural = _("sanction evidence")
        ordering = ["pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(proposal__isnull=False, recheck__isnull=True)
                | Q(proposal__isnull=True, recheck__isnull=False),
                name="sanction_evidence_one_owner",
            ),
        ]

    def __str__(self) -> str:
        return self.filename
