"""Who provides after-school service: organizations, people, and what they offer."""

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from registry.validators import (
    mask_id_number,
    normalize_id_number,
    normalize_uscc,
    validate_id_number,
    validate_uscc,
)


class Organization(models.Model):
    """A non-academic off-campus training organization (非学科类校外培训机构)."""

    class RegistrationKind(models.TextChoices):
        COMPANY = "company", _("Company (business licence)")
        NON_PROFIT = "non_profit", _("Private non-enterprise unit (non-profit)")
        PUBLIC_INSTITUTION = "public_institution", _("Public institution")
        SOCIAL_GROUP = "social_group", _("Social group (社会团体)")

    class ProviderKind(models.TextChoices):
        """What kind of provider it is: decides its checklist (documents.DocumentType)."""

        PRIVATE_TRAINING = "private_training", _("Private training organization")
        PUBLIC_VENUE = "public_venue", _("Public venue (museum, science centre, youth palace)")
        SOCIAL_ORGANIZATION = "social_organization", _("Social organization")
        SPORTS_CLUB = "sports_club", _("Sports club")

    name = models.CharField(_("name"), max_length=200)
    uscc = models.CharField(
        _("unified social credit code"),
        max_length=18,
        unique=True,
        validators=[validate_uscc],
        help_text=_("18 characters, as printed on the business or registration licence."),
    )
    registration_kind = models.CharField(
        _("kind of registration"), max_length=32, choices=RegistrationKind.choices
    )
    provider_kind = models.CharField(
        _("kind of provider"), max_length=32, choices=ProviderKind.choices,
        default=ProviderKind.PRIVATE_TRAINING)
    legal_representative = models.CharField(_("legal representative"), max_length=64)
    county = models.ForeignKey(
        "registry.Jurisdiction",
        verbose_name=_("registered county"),
        on_delete=models.PROTECT,
        related_name="organizations",
        limit_choices_to={"level": "county"},
    )
    address = models.CharField(_("address"), max_length=255)
    contact_name = models.CharField(_("contact person"), max_length=64)
    contact_phone = models.CharField(_("contact phone"), max_length=32)
    contact_email = models.EmailField(_("contact email"), blank=True)
    # who registered it: invites colleagues and keeps the staff roster
    administrator = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("administrator"), null=True, blank=True,
        on_delete=models.SET_NULL, related_name="administered_organizations")
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("organization")
        verbose_name_plural = _("organizations")
        ordering = ["name"]
        permissions = [("act_for_organization", _("Act for the organization"))]

    def __str__(self) -> str:
        return self.name

    def clean(self):
        self.uscc = normalize_uscc(self.uscc)


class Person(models.Model):
    """An individual who may teach in after-school service (外聘人员)."""

    class Kind(models.TextChoices):
        RETIREE = "retiree", _("Retired teacher")
        STUDENT = "student", _("University student")
        PROFESSIONAL = "professional", _("Qualified professional")
        VOLUNTEER = "volunteer", _("Volunteer")

    name = models.CharField(_("name"), max_length=64)
    # Stored whole (a blacklist must match it) but shown only masked: see ``masked_id``.
    id_number = models.CharField(
        _("resident ID number"), max_length=18, unique=True, validators=[validate_id_number]
    )
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    # 资质: what the person is qualified as (教师资格证 初中体育, 国家二级游泳教练 …): a fact
    # an approval rests on, so a change after approval waits for the bureau (REVIEWED_FIELDS)
    qualification = models.CharField(
        _("qualification"), max_length=200, blank=True,
        help_text=_("For example: teacher certificate (junior secondary, PE); national "
                    "level-2 swimming coach."))
    organization = models.ForeignKey(
        Organization,
        verbose_name=_("employing organization"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="people",
    )
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user account"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="person",
    )
    phone = models.CharField(_("phone"), max_length=32, blank=True)
    email = models.EmailField(_("email"), blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("person")
        verbose_name_plural = _("people")
        ordering = ["name", "pk"]
        permissions = [("act_for_person", _("Act for the person"))]

    def __str__(self) -> str:
        return f"{self.name} ({self.masked_id})"

    def clean(self):
        self.id_number = normalize_id_number(self.id_number)

    @property
    def masked_id(self) -> str:
        return mask_id_number(self.id_number)


class Weekday(models.IntegerChoices):
    """Bit values for ``Offering.weekdays``; Monday is 1, as in ISO 8601."""

    MONDAY = 1, _("Monday")
    TUESDAY = 2, _("Tuesday")
    WEDNESDAY = 4, _("Wednesday")
    THURSDAY = 8, _("Thursday")
    FRIDAY = 16, _("Friday")
    SATURDAY = 32, _("Saturday")
    SUNDAY = 64, _("Sunday")

    @classmethod
    def mask(cls, days) -> int:
        """Bitmask for ISO weekday numbers (1 = Monday … 7 = Sunday)."""
        value = 0
        for day in days:
            if not 1 <= int(day) <= 7:
                raise ValueError(f"weekday out of range: {day}")
            value |= 1 << (int(day) - 1)
        return value

    @classmethod
    def days(cls, mask: int) -> list[int]:
        return [d for d in range(1, 8) if mask & (1 << (d - 1))]


class Offering(models.Model):
    """A programme an organization offers to schools (课程/项目)."""

    organization = models.ForeignKey(
        Organization, verbose_name=_("organization"), on_delete=models.CASCADE,
        related_name="offerings",
    )
    category = models.ForeignKey(
        "registry.ServiceCategory", verbose_name=_("category"), on_delete=models.PROTECT,
        related_name="offerings",
    )
    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    grade_min = models.PositiveSmallIntegerField(
        _("lowest grade"), validators=[MinValueValidator(1), MaxValueValidator(9)]
    )
    grade_max = models.PositiveSmallIntegerField(
        _("highest grade"), validators=[MinValueValidator(1), MaxValueValidator(9)]
    )
    fee_per_session = models.DecimalField(
        _("fee per session (CNY)"), max_digits=8, decimal_places=2,
        validators=[MinValueValidator(0)],
    )
    capacity = models.PositiveIntegerField(
        _("capacity per class"), validators=[MinValueValidator(1)]
    )
    free_places_per_term = models.PositiveIntegerField(
        _("free places per term (免费名额)"), default=0,
        help_text=_("Places given free each term to students in hardship; at most the "
                    "capacity."),
    )
    weekdays = models.PositiveSmallIntegerField(
        _("weekdays"),
        help_text=_("Days of the week it can be taught (bitmask, Monday = 1)."),
        validators=[MinValueValidator(1), MaxValueValidator(127)],
    )
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("offering")
        verbose_name_plural = _("offerings")
        ordering = ["organization_id", "title"]
        constraints = [
            models.CheckConstraint(
                condition=Q(grade_min__gte=1, grade_max__lte=9, grade_min__lte=F("grade_max")),
                name="offering_grade_range_valid",
                # what a form that checks the model (the admin's) says, not this name
                violation_error_message=_("Grades run from 1 to 9, lowest first."),
            ),
            models.CheckConstraint(
                condition=Q(fee_per_session__gte=0), name="offering_fee_not_negative"
            ),
            models.CheckConstraint(condition=Q(capacity__gte=1), name="offering_capacity_positive"),
            models.CheckConstraint(
                condition=Q(free_places_per_term__gte=0,
                            free_places_per_term__lte=F("capacity")),
                name="offering_free_places_within_capacity",
            ),
            models.CheckConstraint(
                condition=Q(weekdays__gte=1, weekdays__lte=127), name="offering_weekdays_valid"
            ),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def weekday_list(self) -> list[int]:
        return Weekday.days(self.weekdays)
