"""Notifications: a transactional outbox (rows first, email after commit), and how a
notification names a case or its subject (never by a masked ID number)."""

from __future__ import annotations

import logging
from smtplib import SMTPException

from celery import current_app
from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext, pgettext

from workflows import recipients, selectors
from workflows.models import (
    Notification,
)

logger = logging.getLogger(__name__)

# The Celery task that emails notifications, by its registered name: the tasks call these
# services, so these look the task up in Celery's registry rather than import it
# (workflows.tasks is imported in every process by WorkflowsConfig.ready).
EMAIL_TASK = "workflows.tasks.send_notification_emails"


@transaction.atomic
def notify(*, users, subject: str, body: str, url: str = "", case=None,
           about=None) -> list[Notification]:
    """Record an in-app notification per user; email each after the transaction commits.

    A notification about a case links to the case's page (``case``; the page shows each
    reader what that reader may see), unless ``url`` names another page. ``about`` names
    whom it concerns for the users told (the organization, bureau, school or department
    they act for here, or the person): shown beside it and in the email's subject, since
    a user may act for several.

    If the email backend fails the row stays unsent and ``notifications_send_pending``
    retries it, so nothing is lost.
    """
    if case is not None and not url:
        url = selectors.case_url(case)
    return _record(_rows(users, subject=subject, body=body, url=url, about=about))


@transaction.atomic
def notify_many(*, messages) -> list[Notification]:
    """Several notifications at once, each a ``registry.notifications.Message`` (its own
    users, subject, body, link and ``about``), recorded as :func:`notify` records one:
    in one insert however many messages there are (the database's batch size apart), and
    emailed after the commit."""
    rows = []
    for message in messages:
        rows += _rows(message.users, subject=message.subject, body=message.body,
                      url=message.url, about=message.about)
    return _record(rows)


def _rows(users, *, subject, body, url, about) -> list[Notification]:
    """A notification per user (each once), not yet saved."""
    concerns = about_name(about)
    return [Notification(user=u, subject=str(subject)[:200], body=str(body), url=url,
                         concerns=concerns)
            for u in {u.pk: u for u in users if u is not None}.values()]


def _record(rows: list[Notification]) -> list[Notification]:
    """Save ``rows``; email them after the transaction commits."""
    Notification.objects.bulk_create(rows)
    if rows:
        ids = [r.pk for r in rows if r.pk]
        if ids:
            def _enqueue():
                try:
                    current_app.tasks[EMAIL_TASK].delay(ids)
                except Exception as exc:  # noqa: BLE001 - broker down: the periodic retry sends
                    logger.warning("notification email not enqueued (%s); the periodic "
                                   "outbox run will send it", exc.__class__.__name__)
            transaction.on_commit(_enqueue)
    return rows


def notifications_send(*, ids=None, limit: int = 200) -> int:
    """Email unsent notifications (all, or the given ids); mark each sent. Idempotent.

    The link is written in full (``REGISTRY_SITE_URL`` before the page's path): an email
    is read outside the site, where a bare path leads nowhere. A user without an email
    address is left out of the batch (the notification stays on their page): else enough
    of them would fill every batch and nobody after them would be emailed again."""
    sent = 0
    queryset = (Notification.objects.filter(emailed_at__isnull=True).exclude(user__email="")
                .select_related("user"))
    if ids is not None:
        queryset = queryset.filter(pk__in=list(ids))
    for note in queryset.order_by("pk")[:limit]:
        with transaction.atomic():
            locked = (Notification.objects.select_for_update(skip_locked=True)
                      .filter(pk=note.pk, emailed_at__isnull=True).first())
            if locked is None:
                continue
            try:
                send_mail(email_subject(locked), f"{locked.body}\n\n{site_url(locked.url)}".strip(),
                          settings.DEFAULT_FROM_EMAIL, [note.user.email])
            except (OSError, SMTPException) as exc:
                # Stays unsent; the next outbox run tries again. Nothing is lost.
                logger.warning("notification %s not emailed: %s", locked.pk,
                               exc.__class__.__name__)
                continue
            locked.emailed_at = timezone.now()
            locked.save(update_fields=["emailed_at"])
            sent += 1
    return sent


def email_subject(note: Notification) -> str:
    """The email's subject: whom it concerns first, as a Chinese notice writes it
    ("【南昌市教育局】新任务：…"), in the site's language whoever sends the batch."""
    if not note.concerns:
        return note.subject
    with translation.override(settings.LANGUAGE_CODE):
        return pgettext("notification email", "[%(concerns)s] %(subject)s") % {
            "concerns": note.concerns, "subject": note.subject}


def about_name(about) -> str:
    """How ``about`` is named beside a notification: its name (a person's too, never the
    ``str`` that carries the masked ID number); a text as it is; nothing for None."""
    if about is None:
        return ""
    return str(about if isinstance(about, str) else subject_name(about))[:200]


def site_url(path: str) -> str:
    """``path`` (a page of this site) as the full address an email needs; '' stays ''."""
    if not path or "://" in path:
        return path
    return settings.REGISTRY_SITE_URL.rstrip("/") + "/" + path.lstrip("/")


def subject_name(subject) -> str:
    """How a notification names an organization or a person: by name. A person's ``str``
    carries the masked ID number, and no notification (an email) carries ID numbers."""
    return subject.name


@transaction.atomic
def notify_private_news(*, users, case, kind: str, about=None) -> None:
    """Tell ``users`` that a case about a person has news, without the news: the outcome of
    a record query (入职查询) and the reasons of a decision go by email to no one, and a
    school that started a vetting is not told why it was refused. The link leads to the
    case's page, which shows each reader what that reader may see."""
    notify(users=users,
           subject=gettext("%(kind)s #%(pk)s: there is news") % {"kind": kind, "pk": case.pk},
           body=gettext("Sign in to see it on the case's page."), case=case, about=about)


@transaction.atomic
def notify_task_queue(*, activation, why: str = "") -> None:
    """Tell the users who hold a new task's permission on its bureau that it is waiting;
    ``why``, when the flow gives it, says why the case is there (a low rating's figures)."""
    task, process = activation.task, activation.process.coerced
    codename = (task.owner_permission or "").split(".")[-1]
    bureau = getattr(process, "bureau", None)
    if not codename or bureau is None:
        return
    title = activation.flow_task.task_title
    notify(users=recipients.staff_of(bureau, codename),
           subject=gettext("New task: %(title)s (#%(pk)s)") % {"title": title, "pk": process.pk},
           body="\n".join(filter(None, [_case_label(process), why])), case=process,
           about=bureau)


def _case_label(case) -> str:
    """``#12 name``: the case's number and whom it is about (never a masked ID number)."""
    subject = getattr(case, "organization", None) or getattr(case, "person", None)
    if subject is None and getattr(case, "approval", None) is not None:
        subject = case.approval.subject
    return f"#{case.pk} {subject_name(subject)}" if subject is not None else f"#{case.pk}"
