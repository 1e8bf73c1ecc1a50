"""Vetting documents: the catalogue of types, each uploaded version, and who read them."""

from __future__ import annotations

import datetime

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from registry.models.fields import user_field
from registry.models.geography import high_risk_q
from registry.models.subjects import SubjectMixin, subject_constraint, subject_fields


class DocumentTypeQuerySet(models.QuerySet):
    def active(self):
        return self.filter(is_active=True)


def offers_high_risk(organization) -> bool:
    """Whether ``organization`` has an active offering in a high-risk sports category (or
    a sub-item of one): one query."""
    return organization.offerings.filter(high_risk_q("category"), is_active=True).exists()


def teaches_high_risk(person) -> bool:
    """Whether ``person`` holds an open approval (pending, in force or suspended) naming a
    high-risk sports category or a sub-item of one: one query."""
    from registry.models import Approval, ServiceCategory

    return ServiceCategory.objects.filter(
        high_risk_q(), approvals__person=person,
        approvals__status__in=Approval.OPEN_STATUSES).exists()


class DocumentType(models.Model):
    """One kind of evidence (营业执照, 健康证明 …) and to whom it applies.

    "Applies to" is data: a type is for organizations or for people; an
    organization type may be limited to some registration kinds (a company
    shows a business licence, a non-profit its registration certificate) and a
    person type to some kinds of person (a retiree shows a retirement
    certificate). An empty list means every kind.
    """

    class Subject(models.TextChoices):
        ORGANIZATION = "organization", _("Organization")
        PERSON = "person", _("Person")

    code = models.SlugField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=64)
    name_en = models.CharField(_("English name"), max_length=128, blank=True)
    subject = models.CharField(_("applies to"), max_length=16, choices=Subject.choices)
    registration_kinds = models.JSONField(
        _("registration kinds"), default=list, blank=True,
        help_text=_("For organization types: the registration kinds it applies to "
                    "(empty: all)."),
    )
    provider_kinds = models.JSONField(
        _("kinds of provider"), default=list, blank=True,
        help_text=_("For organization types: the kinds of provider it applies to (private "
                    "training organization, public venue …; empty: all)."),
    )
    person_kinds = models.JSONField(
        _("person kinds"), default=list, blank=True,
        help_text=_("For person types: the kinds of person it applies to (empty: all)."),
    )
    is_required = models.BooleanField(_("required"), default=True)
    # 课程方案: one document per active offering of the organization, not one per provider
    per_offering = models.BooleanField(
        _("one per offering"), default=False,
        help_text=_("For organization types: each active offering needs its own (a course "
                    "plan)."))
    # 高危险性体育项目许可: asked only of a provider offering a high-risk category
    # (registry.ServiceCategory.is_high_risk), whatever its kind. For a person (the
    # qualification to teach it: a swimming instructor's or lifeguard's certificate): any
    # person may upload it, and it is required of one approved, or being approved, to teach
    # a high-risk category (documents.selectors.requirement_checklist)
    for_high_risk = models.BooleanField(
        _("only for high-risk sports"), default=False,
        help_text=_("Organization types: apply only to a provider offering a high-risk "
                    "sports category (swimming …). Person types: required only of a person "
                    "approved, or being approved, to teach one."))
    is_sensitive = models.BooleanField(
        _("sensitive personal data"), default=False,
        help_text=_("ID documents and record-check results: every read is logged and the "
                    "person can see which bureaus looked."))
    expires = models.BooleanField(_("expires"), default=False)
    validity_months = models.PositiveSmallIntegerField(
        _("default validity (months)"), null=True, blank=True,
        help_text=_("Used when the uploader gives no expiry date; empty: the document's "
                    "own dates decide."),
    )
    max_age_days = models.PositiveSmallIntegerField(
        _("at most days old at submission"), null=True, blank=True,
        help_text=_("Must have been issued at most this many days before an application is "
                    "submitted (a credit report: 30); empty: any age."))
    description = models.TextField(_("description"), blank=True)
    is_active = models.BooleanField(_("active"), default=True)
    sort_order = models.PositiveSmallIntegerField(_("sort order"), default=0)

    objects = DocumentTypeQuerySet.as_manager()

    class Meta:
        verbose_name = _("document type")
        verbose_name_plural = _("document types")
        ordering = ["subject", "sort_order", "code"]
        constraints = [
            models.CheckConstraint(
                condition=Q(validity_months__isnull=True) | Q(expires=True),
                name="documenttype_validity_only_if_expires",
            ),
        ]

    def __str__(self) -> str:
        return self.display_name

    @property
    def display_name(self) -> str:
        if (get_language() or "").startswith("en") and self.name_en:
            return self.name_en
        return self.name

    def clean(self):
        from registry.models import Organization, Person

        if self.subject == self.Subject.ORGANIZATION:
            allowed, field, other = Organization.RegistrationKind.values, "registration_kinds", \
                "person_kinds"
        else:
            allowed, field, other = Person.Kind.values, "person_kinds", "registration_kinds"
        values = getattr(self, field) or []
        if not isinstance(values, list) or any(v not in allowed for v in values):
            raise ValidationError({field: _("Choose among: %(kinds)s.")
                                   % {"kinds": ", ".join(allowed)}})
        if getattr(self, other):
            raise ValidationError({other: _("Does not apply to this subject.")})
        kinds = self.provider_kinds or []
        if self.subject != self.Subject.ORGANIZATION and kinds:
            raise ValidationError({"provider_kinds": _("Does not apply to this subject.")})
        if not isinstance(kinds, list) or any(
                v not in Organization.ProviderKind.values for v in kinds):
            raise ValidationError({"provider_kinds": _("Choose among: %(kinds)s.") % {
                "kinds": ", ".join(Organization.ProviderKind.values)}})
        if self.validity_months and not self.expires:
            raise ValidationError(
                {"validity_months": _("Only a document that expires has a validity.")})
        if self.subject != self.Subject.ORGANIZATION and self.per_offering:
            raise ValidationError({"per_offering": _("Does not apply to this subject.")})

    def applies_to(self, subject, *, high_risk: bool | None = None) -> bool:
        """Whether this type is evidence for ``subject`` (an Organization or a Person).
        ``high_risk``: whether the organization offers a high-risk sports category (read
        when not given and the type asks). A person's type for high-risk sports applies to
        every person (of its kinds), who may upload it before being approved to teach one;
        :meth:`required_of` says when it is required."""
        from registry.models import Organization, Person

        if isinstance(subject, Organization):
            if not (self.subject == self.Subject.ORGANIZATION and (
                not self.registration_kinds or subject.registration_kind in self.registration_kinds
            ) and (not self.provider_kinds or subject.provider_kind in self.provider_kinds)):
                return False
            if self.for_high_risk:
                return offers_high_risk(subject) if high_risk is None else high_risk
            return True
        if isinstance(subject, Person):
            return self.subject == self.Subject.PERSON and (
                not self.person_kinds or subject.kind in self.person_kinds
            )
        return False

    def required_of(self, *, high_risk: bool) -> bool:
        """Whether a subject this type applies to must hold it: a type for high-risk sports
        only when the subject offers or teaches one (``high_risk``)."""
        return self.is_required and (high_risk or not self.for_high_risk)

    def default_expiry(self, issued_on: datetime.date) -> datetime.date | None:
        """The day before the same date ``validity_months`` later (a 12-month certificate
        issued on 1 March is valid through the last day of February)."""
        if not self.expires or not self.validity_months:
            return None
        month_index = issued_on.month - 1 + self.validity_months
        year, month = issued_on.year + month_index // 12, month_index % 12 + 1
        day = issued_on.day
        while True:
            try:
                return datetime.date(year, month, day) - datetime.timedelta(days=1)
            except ValueError:  # 31 March + 1 month: clamp to the end of the month
                day -= 1


class Document(SubjectMixin, models.Model):
    """One uploaded version of one document of one organization or person.

    A new upload of the same type supersedes the current one (``superseded_at``
    is set); no version is ever deleted by an upload. ``review_state`` changes
    only through :meth:`apply_review`, which enforces ``TRANSITIONS``.
    """

    class ReviewState(models.TextChoices):
        PENDING = "pending", _("Pending review")
        VERIFIED = "verified", _("Verified")
        REJECTED = "rejected", _("Rejected")

    TRANSITIONS: dict[str, frozenset[str]] = {
        ReviewState.PENDING: frozenset({ReviewState.VERIFIED, ReviewState.REJECTED}),
        # A verified document found to be false later can still be rejected.
        ReviewState.VERIFIED: frozenset({ReviewState.REJECTED}),
        ReviewState.REJECTED: frozenset(),
    }

    document_type = models.ForeignKey(
        DocumentType, verbose_name=_("document type"), on_delete=models.PROTECT,
        related_name="documents",
    )
    organization, person = subject_fields("documents")
    # the offering a per-offering document (a course plan) is about; empty otherwise
    offering = models.ForeignKey(
        "registry.Offering", verbose_name=_("offering"), null=True, blank=True,
        on_delete=models.PROTECT, related_name="documents")
    issued_on = models.DateField(_("issue date"))
    expires_on = models.DateField(_("expiry date"), null=True, blank=True)
    original_name = models.CharField(_("file name"), max_length=200)
    # The storage key is random: it reveals nothing about the person or organization.
    storage_key = models.CharField(_("storage key"), max_length=255, unique=True, editable=False)
    size = models.PositiveBigIntegerField(_("size (bytes)"), editable=False)
    sha256 = models.CharField(_("SHA-256"), max_length=64, editable=False)
    content_type = models.CharField(_("content type"), max_length=64, editable=False)
    uploaded_by = user_field(_("uploaded by"), null=True, blank=False)
    uploaded_at = models.DateTimeField(_("uploaded"), default=timezone.now)
    review_state = models.CharField(
        _("review"), max_length=16, choices=ReviewState.choices, default=ReviewState.PENDING,
        editable=False,
    )
    reviewed_by = user_field(_("reviewed by"), null=True)
    reviewed_at = models.DateTimeField(_("reviewed"), null=True, blank=True)
    rejection_reason = models.TextField(_("reason for rejection"), blank=True)
    superseded_at = models.DateTimeField(_("superseded"), null=True, blank=True)
    superseded_by = models.OneToOneField(
        "self", verbose_name=_("superseded by"), null=True, blank=True,
        on_delete=models.PROTECT, related_name="supersedes",
    )

    class Meta:
        verbose_name = _("document")
        verbose_name_plural = _("documents")
        ordering = ["document_type__sort_order", "-uploaded_at", "-pk"]
        constraints = [
            subject_constraint("document_exactly_one_subject"),
            models.CheckConstraint(
                condition=Q(expires_on__isnull=True) | Q(expires_on__gte=models.F("issued_on")),
                name="document_expiry_not_before_issue",
            ),
            models.CheckConstraint(condition=Q(size__gt=0), name="document_not_empty"),
            # At most one current version per subject and type (and offering, for a type
            # that is one per offering).
            models.UniqueConstraint(
                fields=["organization", "document_type"],
                condition=Q(superseded_at__isnull=True, organization__isnull=False,
                            offering__isnull=True),
                name="document_one_current_per_organization_type",
            ),
            models.UniqueConstraint(
                fields=["offering", "document_type"],
                condition=Q(superseded_at__isnull=True, offering__isnull=False),
                name="document_one_current_per_offering_type",
            ),
            models.UniqueConstraint(
                fields=["person", "document_type"],
                condition=Q(superseded_at__isnull=True, person__isnull=False),
                name="document_one_current_per_person_type",
            ),
        ]
        indexes = [
            models.Index(fields=["review_state", "uploaded_at"], name="document_review_idx"),
            models.Index(fields=["expires_on"], name="document_expires_idx"),
            # The clerk's review queue (documents_awaiting_review): current pending documents,
            # oldest first, a page at a time. In that order, the page is the first documents
            # the clerk may review; without it PostgreSQL sorted every pending document on
            # disk first (131k at 100k organizations / 1M people: 0.6-2.4 s a page).
            models.Index(
                fields=["uploaded_at", "id"],
                condition=Q(superseded_at__isnull=True, review_state="pending"),
                name="document_pending_queue_idx",
            ),
            # The daily credential sweep reads current documents by expiry date and needs
            # only these columns: an index-only scan instead of one heap page per document
            # (make bench: sweep_seconds over 3.3M documents).
            models.Index(
                fields=["expires_on", "document_type", "person", "organization",
                        "review_state", "id"],
                condition=Q(superseded_at__isnull=True),
                name="document_current_expiry_idx",
            ),
            # The same sweep's other lapse: a verified version, since replaced by an upload
            # still awaiting review (or rejected), that has expired. Only the verified
            # versions that were replaced: few beside the current ones.
            models.Index(
                fields=["expires_on", "document_type", "person", "organization", "id"],
                condition=Q(superseded_at__isnull=False, review_state="verified"),
                name="document_replaced_expiry_idx",
            ),
            # The same sweep, between full passes: the versions rejected since its last run
            # (workflows.services.lapses); rejections are few beside the documents.
            models.Index(fields=["reviewed_at"], condition=Q(review_state="rejected"),
                         name="document_rejected_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.document_type} · {self.subject} · {self.uploaded_at:%Y-%m-%d}"

    @property
    def is_current(self) -> bool:
        return self.superseded_at is None

    def apply_review(self, state: str) -> str:
        """Move to ``state`` if the map allows it; return the previous state.

        Raises ValidationError (and changes nothing) otherwise; the caller saves and audits.
        """
        if not self.is_current:
            raise ValidationError(_("This version has been superseded; review the current one."),
                                  code="superseded")
        if state not in self.TRANSITIONS.get(self.review_state, frozenset()):
            raise ValidationError(
                _("A document that is %(current)s cannot become %(target)s."),
                code="forbidden_transition",
                params={"current": self.get_review_state_display(),
                        "target": self.ReviewState(state).label},
            )
        previous = self.review_state
        self.review_state = state
        return previous


class DocumentDownload(models.Model):
    """One read of a document's bytes: record-check results are sensitive."""

    document = models.ForeignKey(
        Document, verbose_name=_("document"), on_delete=models.PROTECT, related_name="downloads",
    )
    user = user_field(_("user"))
    downloaded_at = models.DateTimeField(_("when"), default=timezone.now, db_index=True)
    via = models.CharField(_("via"), max_length=16)

    class Meta:
        verbose_name = _("document download")
        verbose_name_plural = _("document downloads")
        ordering = ["-downloaded_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.downloaded_at:%Y-%m-%d %H:%M} {self.user} {self.document_id}"


class PersonalDataAccess(models.Model):
    """One read of a person's sensitive data (an ID document, a record-check document or a
    record-check result): who, when, what, through which case. The bureau's administrator
    reads this log; the person sees which bureaus looked and when."""

    class Kind(models.TextChoices):
        DOCUMENT = "document", _("Sensitive document")
        RECORD_CHECK_RESULT = "record_check", _("Record-check result")

    person = models.ForeignKey("registry.Person", verbose_name=_("person"),
                               on_delete=models.PROTECT, related_name="+")
    actor = user_field(_("read by"))
    bureau = models.ForeignKey("registry.Bureau", verbose_name=_("bureau"), null=True,
                               blank=True, on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(_("what"), max_length=16, choices=Kind.choices)
    document = models.ForeignKey(Document, verbose_name=_("document"), null=True, blank=True,
                                 on_delete=models.PROTECT, related_name="+")
    case_label = models.CharField(_("through case"), max_length=64, blank=True)
    accessed_at = models.DateTimeField(_("when"), default=timezone.now)

    class Meta:
        verbose_name = _("personal data access")
        verbose_name_plural = _("personal data accesses")
        ordering = ["-accessed_at", "-pk"]
        indexes = [
            models.Index(fields=["person", "accessed_at"], name="pda_person_idx"),
            models.Index(fields=["bureau", "accessed_at"], name="pda_bureau_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.accessed_at:%Y-%m-%d %H:%M} {self.actor} {self.person_id} {self.kind}"


class EngagementPaper(models.Model):
    """One side's signed copy of one of an engagement's papers (the service agreement,
    the safety responsibility letter 安全责任书), uploaded back after signing.

    A new upload of the same paper by the same side supersedes the previous one; the
    engagement is signed once both sides' current copies of both papers are in.
    """

    class Kind(models.TextChoices):
        AGREEMENT = "agreement", _("Service agreement")
        SAFETY = "safety", _("Safety responsibility letter (安全责任书)")

    class Side(models.TextChoices):
        SCHOOL = "school", _("School")
        PROVIDER = "provider", _("Provider")

    engagement = models.ForeignKey("registry.Engagement", verbose_name=_("engagement"),
                                   on_delete=models.PROTECT, related_name="papers")
    kind = models.CharField(_("paper"), max_length=16, choices=Kind.choices)
    side = models.CharField(_("signed by"), max_length=16, choices=Side.choices)
    original_name = models.CharField(_("file name"), max_length=200)
    storage_key = models.CharField(_("storage key"), max_length=255, unique=True, editable=False)
    size = models.PositiveBigIntegerField(_("size (bytes)"), editable=False)
    sha256 = models.CharField(_("SHA-256"), max_length=64, editable=False)
    content_type = models.CharField(_("content type"), max_length=64, editable=False)
    uploaded_by = user_field(_("uploaded by"), null=True, blank=False)
    uploaded_at = models.DateTimeField(_("uploaded"), default=timezone.now)
    superseded_at = models.DateTimeField(_("superseded"), null=True, blank=True)

    class Meta:
        verbose_name = _("signed paper")
        verbose_name_plural = _("signed papers")
        ordering = ["engagement", "kind", "side", "-uploaded_at"]
        constraints = [
            models.UniqueConstraint(fields=["engagement", "kind", "side"],
                                    condition=Q(superseded_at__isnull=True),
                                    name="paper_one_current_per_side"),
        ]

    def __str__(self) -> str:
        return f"{self.engagement_id} · {self.get_kind_display()} · {self.get_side_display()}"
