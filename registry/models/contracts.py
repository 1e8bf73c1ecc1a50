"""The school's term plan (一校一案) and what an engagement carries as a contract:
the roster of people who come into the school, and the lessons they give."""

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .fields import user_field
from .providers import Weekday
from .transitions import StatusTransitions


class TermSlot(models.Model):
    """A time slot of the school's after-school service in one term: weekday × period
    (e.g. Monday, the first period after the last lesson)."""

    term = models.ForeignKey("registry.SchoolTerm", verbose_name=_("term"),
                             on_delete=models.CASCADE, related_name="slots")
    weekday = models.PositiveSmallIntegerField(
        _("weekday"), validators=[MinValueValidator(1), MaxValueValidator(7)],
        help_text=_("1 = Monday … 7 = Sunday."))
    period = models.PositiveSmallIntegerField(
        _("period"), validators=[MinValueValidator(1), MaxValueValidator(3)],
        help_text=_("1 = the first period after the last lesson, 2 = the second."))

    class Meta:
        verbose_name = _("time slot")
        verbose_name_plural = _("time slots")
        ordering = ["term", "weekday", "period"]
        constraints = [
            models.UniqueConstraint(fields=["term", "weekday", "period"], name="slot_once"),
            models.CheckConstraint(condition=Q(weekday__gte=1, weekday__lte=7, period__gte=1,
                                               period__lte=3), name="slot_in_range"),
        ]

    def __str__(self) -> str:
        day = Weekday(1 << (self.weekday - 1)).label
        return _("%(day)s, period %(period)d") % {"day": day, "period": self.period}


class TermNeed(models.Model):
    """What the school wants filled in a term: category × grades × slots × places,
    with a budget per session."""

    term = models.ForeignKey("registry.SchoolTerm", verbose_name=_("term"),
                             on_delete=models.CASCADE, related_name="needs")
    category = models.ForeignKey("registry.ServiceCategory", verbose_name=_("category"),
                                 on_delete=models.PROTECT, related_name="+")
    grade_min = models.PositiveSmallIntegerField(
        _("lowest grade"), validators=[MinValueValidator(1), MaxValueValidator(9)])
    grade_max = models.PositiveSmallIntegerField(
        _("highest grade"), validators=[MinValueValidator(1), MaxValueValidator(9)])
    slots = models.ManyToManyField(TermSlot, verbose_name=_("time slots"), blank=True,
                                   related_name="needs")
    places = models.PositiveIntegerField(_("places"), validators=[MinValueValidator(1)])
    budget_per_session = models.DecimalField(
        _("budget per session (CNY)"), max_digits=8, decimal_places=2,
        validators=[MinValueValidator(0)])

    class Meta:
        verbose_name = _("need")
        verbose_name_plural = _("needs")
        ordering = ["term", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(grade_min__gte=1, grade_max__lte=9, grade_min__lte=F("grade_max")),
                name="need_grade_range_valid"),
            models.CheckConstraint(condition=Q(places__gte=1, budget_per_session__gte=0),
                                   name="need_places_budget_valid"),
        ]

    def __str__(self) -> str:
        return f"{self.category} · {self.grade_min}–{self.grade_max}"


class RosterMember(models.Model):
    """A person who will come into the school under an engagement, and the individual
    approval that lets them. Their entry permit is this row: its token carries the
    row's id, and the permit's standing is read from here at verification.

    The school puts a person on the roster at once (``accepted_at`` set); the provider
    proposes one of its own people, who is on the roster only once the school accepts
    (``accepted_at`` empty until then). Taking a person off (``removed_at``) kills their
    permit; putting them back later makes a new row, so a new token (the old one stays
    revoked)."""

    engagement = models.ForeignKey("registry.Engagement", verbose_name=_("engagement"),
                                   on_delete=models.PROTECT, related_name="roster")
    person = models.ForeignKey("registry.Person", verbose_name=_("person"),
                               on_delete=models.PROTECT, related_name="rosters")
    approval = models.ForeignKey("registry.Approval", verbose_name=_("individual approval"),
                                 on_delete=models.PROTECT, related_name="+")
    added_by = user_field(_("added by"), null=True)
    added_at = models.DateTimeField(_("added"), default=timezone.now)
    accepted_at = models.DateTimeField(_("accepted by the school"), null=True, blank=True)
    accepted_by = user_field(_("accepted by"), null=True)
    removed_at = models.DateTimeField(_("removed"), null=True, blank=True)
    removed_by = user_field(_("removed by"), null=True)

    class Meta:
        verbose_name = _("roster member")
        verbose_name_plural = _("roster")
        ordering = ["engagement", "pk"]
        constraints = [
            # once at a time: a person taken off may be put back (a new row, a new permit)
            models.UniqueConstraint(fields=["engagement", "person"],
                                    condition=Q(removed_at__isnull=True), name="roster_once"),
        ]

    def __str__(self) -> str:
        return f"{self.person.name} · {self.engagement_id}"

    @property
    def is_proposed(self) -> bool:
        """Proposed by the provider, waiting for the school: no permit yet."""
        return self.accepted_at is None and self.removed_at is None


class PermitPhoto(models.Model):
    """A person's photo for their entry permits, and their consent to show it at the gate.

    The consent is the person's own, given in their own account; their organization's
    administrator may upload the photo on their behalf only while that consent stands.
    ``/verify/<token>`` shows the photo only while consent is recorded and not withdrawn.
    The image is re-encoded on upload (EXIF dropped after turning it upright), kept in the
    private document storage under a random key, with its SHA-256."""

    person = models.OneToOneField("registry.Person", verbose_name=_("person"),
                                  on_delete=models.CASCADE, related_name="permit_photo")
    consent_given_at = models.DateTimeField(_("consent given"), null=True, blank=True)
    consent_given_by = user_field(_("consent given by"), null=True)
    consent_withdrawn_at = models.DateTimeField(_("consent withdrawn"), null=True, blank=True)
    storage_key = models.CharField(_("storage key"), max_length=255, blank=True)
    sha256 = models.CharField(_("SHA-256"), max_length=64, blank=True)
    size = models.PositiveIntegerField(_("size (bytes)"), default=0)
    uploaded_by = user_field(_("uploaded by"), null=True)
    uploaded_at = models.DateTimeField(_("uploaded"), null=True, blank=True)

    class Meta:
        verbose_name = _("permit photo")
        verbose_name_plural = _("permit photos")

    def __str__(self) -> str:
        return f"{self.person_id} · {self.uploaded_at or '-'}"

    @property
    def consented(self) -> bool:
        return self.consent_given_at is not None and self.consent_withdrawn_at is None

    @property
    def shown(self) -> bool:
        """Whether a gate may see it: uploaded, and consent stands."""
        return self.consented and bool(self.storage_key)


class Lesson(StatusTransitions, models.Model):
    """One lesson the provider says it gave; the school confirms or disputes it.
    Settlement (据实结算) counts the confirmed ones."""

    class Status(models.TextChoices):
        RECORDED = "recorded", _("Recorded")
        CONFIRMED = "confirmed", _("Confirmed")
        DISPUTED = "disputed", _("Disputed")

    TRANSITIONS: dict[str, frozenset[str]] = {
        Status.RECORDED: frozenset({Status.CONFIRMED, Status.DISPUTED}),
        # a dispute settled in the provider's favour
        Status.DISPUTED: frozenset({Status.CONFIRMED}),
        Status.CONFIRMED: frozenset(),
    }
    transition_refused = _("A lesson that is %(current)s cannot become %(target)s.")

    engagement = models.ForeignKey("registry.Engagement", verbose_name=_("engagement"),
                                   on_delete=models.PROTECT, related_name="lessons")
    taught_on = models.DateField(_("date"))
    period = models.PositiveSmallIntegerField(
        _("period"), validators=[MinValueValidator(1), MaxValueValidator(3)])
    teacher = models.ForeignKey(RosterMember, verbose_name=_("teacher"),
                                on_delete=models.PROTECT, related_name="lessons")
    pupils_present = models.PositiveIntegerField(_("pupils present"))
    status = models.CharField(_("status"), max_length=16, choices=Status.choices,
                              default=Status.RECORDED, editable=False)
    dispute_reason = models.TextField(_("reason for dispute"), blank=True)
    recorded_by = user_field(_("recorded by"), null=True, blank=False)
    recorded_at = models.DateTimeField(_("recorded"), default=timezone.now)

    class Meta:
        verbose_name = _("lesson")
        verbose_name_plural = _("lessons")
        ordering = ["engagement", "taught_on", "period"]
        constraints = [
            models.UniqueConstraint(fields=["engagement", "taught_on", "period"],
                                    name="lesson_once_per_period"),
            models.CheckConstraint(condition=Q(period__gte=1, period__lte=3),
                                   name="lesson_period_in_range"),
        ]
        indexes = [models.Index(fields=["engagement", "status"], name="lesson_status_idx")]

    def __str__(self) -> str:
        return f"{self.engagement_id} · {self.taught_on} · {self.period}"
