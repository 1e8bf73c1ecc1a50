"""Long operations run in the Celery worker (publishing a list, a large export, starting the
yearly review of the list): one row each, which the page polls for its progress bar."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from .approvals import InvalidTransition


class BackgroundJob(models.Model):
    """One long operation of one user, for one bureau: who asked, how far it is
    (``done`` of ``total``), and when it is over, where its result is or why it failed.

    Written only by ``registry.services.jobs``; read by its owner and by the staff of its
    bureau (``registry.selectors.jobs_visible_to``)."""

    class Kind(models.TextChoices):
        PUBLISH = "publish", _("Publishing the list")
        EXPORT = "export", _("Exporting the list")
        LIST_REVIEW = "list_review", _("Starting the yearly review of the list")

    class State(models.TextChoices):
        QUEUED = "queued", _("Waiting to start")
        RUNNING = "running", _("Running")
        DONE = "done", _("Done")
        FAILED = "failed", _("Failed")

    # the one map of allowed state changes; ``apply_transition`` is the only writer, but
    # for the sweep's conditional UPDATEs (registry.services.jobs), which follow it too
    TRANSITIONS = {
        State.QUEUED: {State.RUNNING, State.FAILED},
        # running → queued: the worker died mid-job (no heartbeat), the sweep starts it again
    State.RUNNING: {State.DONE, State.FAILED, State.QUEUED},
        State.DONE: set(),
        State.FAILED: set(),
    }

    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("started by"),
                              on_delete=models.CASCADE, related_name="+")
    bureau = models.ForeignKey("registry.Bureau", verbose_name=_("bureau"),
                               on_delete=models.CASCADE, related_name="+")
    # what the runner needs, by id (e.g. {"publication": 3, "format": "xlsx"})
    params = models.JSONField(_("parameters"), default=dict, blank=True)
    state = models.CharField(_("state"), max_length=10, choices=State.choices,
                             default=State.QUEUED)
    done = models.PositiveIntegerField(_("items done"), default=0)
    total = models.PositiveIntegerField(_("total"), default=0)
    result_url = models.CharField(_("result"), max_length=300, blank=True)
    result_label = models.CharField(_("result label"), max_length=200, blank=True)
    # an export's file, in the private storage (served by a permission-checked view)
    result_file = models.CharField(_("result file"), max_length=300, blank=True)
    error = models.TextField(_("why it failed"), blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    # the worker is asked through the broker: when the last message was handed to it (None
    # while none was, or the last send failed) and how many were sent; a queued job the
    # worker does not pick up is sent again (registry.services.jobs.jobs_resend_stalled)
    sent_at = models.DateTimeField(_("worker last asked at"), null=True, blank=True)
    send_attempts = models.PositiveSmallIntegerField(_("times the worker was asked"),
                                                     default=0)
    # the run's heartbeat: set when the worker starts the job and with each progress report;
    # a job running whose heartbeat is older than REGISTRY_JOB_STALE_MINUTES is taken for
    # dead (its worker was killed) and started again, at most REGISTRY_JOB_RUN_ATTEMPTS
    # times (registry.services.jobs.jobs_resend_stalled); ``run_attempts`` counts the starts
    heartbeat_at = models.DateTimeField(_("last sign of life"), null=True, blank=True)
    run_attempts = models.PositiveSmallIntegerField(_("times the worker started it"),
                                                    default=0)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)

    class Meta:
        verbose_name = _("background job")
        verbose_name_plural = _("background jobs")
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["owner", "-created_at"], name="job_owner_recent")]
        constraints = [
            models.CheckConstraint(condition=models.Q(done__lte=models.F("total"))
                                   | models.Q(total=0), name="job_done_within_total"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} #{self.pk}"

    @property
    def is_over(self) -> bool:
        return self.state in (self.State.DONE, self.State.FAILED)

    @property
    def percent(self) -> int | None:
        """How far, 0–100; None while the total is not known (the bar is indeterminate)."""
        if self.state == self.State.DONE:
            return 100
        if not self.total:
            return None
        return min(100, (100 * self.done) // self.total)

    def apply_transition(self, to_state: str) -> str:
        """Move to ``to_state`` if the map allows it; returns the state left."""
        if to_state not in self.TRANSITIONS[self.State(self.state)]:
            raise InvalidTransition(f"{self.state} → {to_state}")
        before, self.state = self.state, to_state
        return before
