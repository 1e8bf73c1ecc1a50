"""After approval: the bureau's yearly dates, the yearly record re-query
(入职查询, repeated every year for people in service) and the term-end reminders."""

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from .fields import user_field
from .transitions import StatusTransitions


def _month_day(value: str) -> tuple[int, int]:
    month, day = (int(part) for part in value.split("-"))
    return month, day


class BureauCalendar(models.Model):
    """The dates a bureau sets for its yearly work; a bureau without one uses the settings
    (``REGISTRY_ANNUAL_REVIEW_DATE``, ``REGISTRY_REQUERY_DATE``)."""

    bureau = models.OneToOneField("registry.Bureau", verbose_name=_("bureau"),
                                  on_delete=models.CASCADE, related_name="calendar")
    annual_review_month = models.PositiveSmallIntegerField(
        _("annual review: month"), validators=[MinValueValidator(1), MaxValueValidator(12)])
    annual_review_day = models.PositiveSmallIntegerField(
        _("annual review: day"), validators=[MinValueValidator(1), MaxValueValidator(28)])
    requery_month = models.PositiveSmallIntegerField(
        _("record re-query: month"), validators=[MinValueValidator(1), MaxValueValidator(12)])
    requery_day = models.PositiveSmallIntegerField(
        _("record re-query: day"), validators=[MinValueValidator(1), MaxValueValidator(28)])

    class Meta:
        verbose_name = _("bureau calendar")
        verbose_name_plural = _("bureau calendars")

    def __str__(self) -> str:
        return str(self.bureau)

    @staticmethod
    def default_dates() -> dict[str, tuple[int, int]]:
        return {"annual_review": _month_day(settings.REGISTRY_ANNUAL_REVIEW_DATE),
                "requery": _month_day(settings.REGISTRY_REQUERY_DATE)}

    def dates(self) -> dict[str, tuple[int, int]]:
        return {"annual_review": (self.annual_review_month, self.annual_review_day),
                "requery": (self.requery_month, self.requery_day)}


class RecordRequery(StatusTransitions, models.Model):
    """One person's yearly record re-query, a task for the bureau's clerk. Not done within
    ``REGISTRY_REQUERY_DAYS`` it suspends the person's approval, with notice."""

    class Status(models.TextChoices):
        OPEN = "open", _("Waiting for the clerk")
        DONE = "done", _("Done: no record")
        HIT = "hit", _("Done: a record was found")
        OVERDUE = "overdue", _("Not done in time: approval suspended")

    TRANSITIONS: dict[str, frozenset[str]] = {
        Status.OPEN: frozenset({Status.DONE, Status.HIT, Status.OVERDUE}),
        # done late: the suspension it caused is lifted (or stays, on a hit)
        Status.OVERDUE: frozenset({Status.DONE, Status.HIT}),
        Status.DONE: frozenset(),
        Status.HIT: frozenset(),
    }
    transition_refused = _("This re-query is %(current)s: it cannot change that way.")

    approval = models.ForeignKey("registry.Approval", verbose_name=_("approval"),
                                 on_delete=models.PROTECT, related_name="requeries")
    person = models.ForeignKey("registry.Person", verbose_name=_("person"),
                               on_delete=models.PROTECT, related_name="requeries")
    bureau = models.ForeignKey("registry.Bureau", verbose_name=_("bureau"),
                               on_delete=models.PROTECT, related_name="requeries")
    year = models.PositiveSmallIntegerField(_("year"))
    opened_on = models.DateField(_("opened on"))
    due_on = models.DateField(_("due on"))
    status = models.CharField(_("status"), max_length=16, choices=Status.choices,
                              default=Status.OPEN, editable=False)
    query_reference = models.CharField(_("query reference"), max_length=64, blank=True)
    query_date = models.DateField(_("query date"), null=True, blank=True)
    done_by = user_field(_("done by"), null=True)
    done_at = models.DateTimeField(_("done"), null=True, blank=True)

    class Meta:
        verbose_name = _("yearly record re-query")
        verbose_name_plural = _("yearly record re-queries")
        ordering = ["due_on", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["approval", "year"], name="requery_one_per_year"),
        ]
        indexes = [models.Index(fields=["status", "due_on"], name="requery_status_due_idx"),
                   models.Index(fields=["bureau", "status"], name="requery_bureau_status_idx")]

    def __str__(self) -> str:
        return f"{self.person.name} · {self.year}"


class TermReminder(models.Model):
    """A reminder that an approval's term ends, sent once per threshold and term end."""

    approval = models.ForeignKey("registry.Approval", verbose_name=_("approval"),
                                 on_delete=models.CASCADE, related_name="term_reminders")
    threshold_days = models.PositiveSmallIntegerField(_("days before"))
    valid_until = models.DateField(_("term ends"))
    created_at = models.DateTimeField(_("sent"), auto_now_add=True)

    class Meta:
        verbose_name = _("term reminder")
        verbose_name_plural = _("term reminders")
        constraints = [
            models.UniqueConstraint(fields=["approval", "threshold_days", "valid_until"],
                                    name="term_reminder_once"),
        ]

    def __str__(self) -> str:
        return f"{self.approval_id} · {self.threshold_days}"


__all__ = ["BureauCalendar", "RecordRequery", "TermReminder"]
