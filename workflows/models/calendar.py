"""The calendar's records: notifications, the official calendar's overrides, the expiry
reminders sent and the bureaus' digests."""


from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Notification(models.Model):
    """An in-app message; the same text is emailed after the transaction commits."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("user"),
                             on_delete=models.CASCADE, related_name="notifications")
    subject = models.CharField(_("subject"), max_length=200)
    body = models.TextField(_("message"))
    url = models.CharField(_("link"), max_length=255, blank=True)
    # whom it is about, by name: the organization, bureau, school or department the user
    # acts for here (a user may act for several), shown beside it and in the email subject
    concerns = models.CharField(_("concerns"), max_length=200, blank=True)
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    read_at = models.DateTimeField(_("read"), null=True, blank=True)
    emailed_at = models.DateTimeField(_("emailed"), null=True, blank=True)

    class Meta:
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        ordering = ["-created_at", "-pk"]
        indexes = [
            models.Index(fields=["user", "read_at", "created_at"], name="notification_user_idx"),
            models.Index(fields=["emailed_at"], name="notification_unsent_idx",
                         condition=Q(emailed_at__isnull=True)),
        ]

    def __str__(self) -> str:
        return self.subject


class CalendarOverride(models.Model):
    """A date the official calendar package does not know (e.g. next year's 调休)."""

    date = models.DateField(_("date"), unique=True)
    is_workday = models.BooleanField(_("working day"))
    note = models.CharField(_("note"), max_length=100, blank=True)

    class Meta:
        verbose_name = _("calendar override")
        verbose_name_plural = _("calendar overrides")
        ordering = ["date"]

    def __str__(self) -> str:
        return f"{self.date} {'workday' if self.is_workday else 'holiday'}"


class ExpiryReminder(models.Model):
    """A reminder that a credential expires soon: recorded once per (document, threshold)
    by the sweep, then delivered. The unique constraint makes reruns, retries and
    concurrent sweeps harmless; ``sent_at`` tells what is still to deliver."""

    document = models.ForeignKey("documents.Document", verbose_name=_("document"),
                                 on_delete=models.CASCADE, related_name="+")
    threshold_days = models.PositiveSmallIntegerField(_("days before expiry"))
    expires_on = models.DateField(_("expires on"))
    created_at = models.DateTimeField(_("recorded"), default=timezone.now)
    sent_at = models.DateTimeField(_("sent"), null=True, blank=True)

    class Meta:
        verbose_name = _("expiry reminder")
        verbose_name_plural = _("expiry reminders")
        constraints = [
            models.UniqueConstraint(fields=["document", "threshold_days"],
                                    name="reminder_once_per_threshold"),
        ]
        indexes = [
            models.Index(fields=["created_at"], name="reminder_unsent_idx",
                         condition=Q(sent_at__isnull=True)),
        ]

    def __str__(self) -> str:
        return f"{self.document_id} −{self.threshold_days}d"


class DigestLog(models.Model):
    """The daily digest to a bureau's clerks: at most one per bureau and day."""

    bureau = models.ForeignKey("registry.Bureau", on_delete=models.CASCADE, related_name="+")
    day = models.DateField()
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["bureau", "day"], name="digest_once_a_day")]

    def __str__(self) -> str:
        return f"{self.bureau_id} {self.day}"


class SweepWatermark(models.Model):
    """How far a kind of the nightly sweep's work is known to be done (one row per kind,
    e.g. the suspensions for lapsed credentials): the day and the start of its last run
    that left nothing behind (every candidate handled, fewer than a batch), when it last
    read the whole history (a full pass), and the catalogue that run read. The next run
    reads only what changed since (``workflows.services.lapses``)."""

    kind = models.CharField(max_length=32, unique=True)
    # the ``today`` of the last complete run, and when it began reading (its snapshot)
    day = models.DateField()
    started_at = models.DateTimeField()
    # the ``today`` of the last complete full pass
    full_on = models.DateField()
    # what of the catalogue the candidates read (a digest): another one asks a full pass
    catalogue = models.CharField(max_length=64)

    def __str__(self) -> str:
        return f"{self.kind} {self.day} (full {self.full_on})"
