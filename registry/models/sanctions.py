"""Exit (退出): the blacklist (黑名单) and review requests the bureau must look at."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Blacklisting(models.Model):
    """A provider barred from applying for ``years`` years, by credit code or ID number.

    The identifier is copied so the bar holds against a new registration too.
    """

    bureau = models.ForeignKey(
        "registry.Bureau", verbose_name=_("bureau"), on_delete=models.PROTECT,
        related_name="blacklistings",
    )
    organization = models.ForeignKey(
        "registry.Organization", verbose_name=_("organization"), null=True, blank=True,
        on_delete=models.PROTECT, related_name="blacklistings",
    )
    person = models.ForeignKey(
        "registry.Person", verbose_name=_("person"), null=True, blank=True,
        on_delete=models.PROTECT, related_name="blacklistings",
    )
    uscc = models.CharField(_("unified social credit code"), max_length=18, blank=True,
                            db_index=True)
    id_number = models.CharField(_("resident ID number"), max_length=18, blank=True,
                                 db_index=True)
    starts_on = models.DateField(_("from"))
    ends_on = models.DateField(_("until"))
    reason = models.TextField(_("reason"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("decided by"), null=True, blank=True,
        on_delete=models.PROTECT, related_name="+",
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("blacklisting")
        verbose_name_plural = _("blacklist")
        ordering = ["-starts_on", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=(Q(organization__isnull=False, person__isnull=True) & ~Q(uscc=""))
                | (Q(organization__isnull=True, person__isnull=False) & ~Q(id_number="")),
                name="blacklisting_exactly_one_subject",
            ),
            models.CheckConstraint(condition=Q(starts_on__lte=F("ends_on")),
                                   name="blacklisting_dates_ordered"),
        ]

    def __str__(self) -> str:
        subject = self.organization.name if self.organization_id else self.person.name
        return f"{subject} · {self.starts_on}–{self.ends_on}"


class ReviewRequest(models.Model):
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

    bureau = models.ForeignKey(
        "registry.Bureau", verbose_name=_("bureau"), on_delete=models.PROTECT,
        related_name="review_requests",
    )
    organization = models.ForeignKey(
        "registry.Organization", verbose_name=_("organization"), null=True, blank=True,
        on_delete=models.PROTECT, related_name="review_requests",
    )
    person = models.ForeignKey(
        "registry.Person", verbose_name=_("person"), null=True, blank=True,
        on_delete=models.PROTECT, related_name="review_requests",
    )
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
            models.CheckConstraint(
                condition=Q(organization__isnull=False, person__isnull=True)
                | Q(organization__isnull=True, person__isnull=False),
                name="review_request_exactly_one_subject",
            ),
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

    def apply_transition(self, status: str) -> str:
        """Move to ``status`` if allowed; return the previous status. The caller saves."""
        if status not in self.TRANSITIONS.get(self.status, frozenset()):
            raise ValidationError(_("This review request cannot change that way."))
        previous = self.status
        self.status = status
        self.status_changed_at = timezone.now()
        return previous
