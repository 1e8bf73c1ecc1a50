"""Before credentials expire: reminders to their holders (recorded set-based, delivered
once each) and the daily digest to each bureau's clerks."""

from __future__ import annotations

import datetime
from urllib.parse import urlencode

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Exists, OuterRef
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext

from documents.models import Document, offers_high_risk, teaches_high_risk
from registry.expiry import expiring_q
from registry.formatting import local_date
from registry.models import (
    Approval,
    Bureau,
    Jurisdiction,
)
from workflows import recipients
from workflows.models import (
    DigestLog,
    ExpiryReminder,
)
from workflows.services.notifications import notify, subject_name

ACTIVE = ("pending", "approved", "suspended")


def _brackets(thresholds) -> list[tuple[int, int]]:
    """(threshold, lower bound) pairs: a document with d days left gets the reminder of the
    smallest threshold ≥ d only, so a late sweep never sends a stale 60-day reminder."""
    ordered = sorted({int(t) for t in thresholds}, reverse=True)
    return [(t, ordered[i + 1] if i + 1 < len(ordered) else -1) for i, t in enumerate(ordered)]


def reminders_record(*, today: datetime.date) -> int:
    """Record due reminders, at most once per (document, threshold). Two statements per
    threshold, whatever the number of documents."""
    doc = Document._meta.db_table
    approval = Approval._meta.db_table
    reminder = ExpiryReminder._meta.db_table
    ops = connection.ops
    now = ops.adapt_datetimefield_value(timezone.now())
    statuses = ", ".join(f"'{s}'" for s in ACTIVE)
    recorded = 0
    with connection.cursor() as cursor:
        for threshold, lower in _brackets(settings.RECERT_REMINDER_DAYS):
            for column in ("organization_id", "person_id"):
                # Static SQL: table and column names come from the models, values are bound.
                sql = (
                    f"INSERT INTO {reminder} (document_id, threshold_days, expires_on, "  # noqa: S608
                    f"created_at) SELECT d.id, %s, d.expires_on, %s FROM {doc} d "
                    f"WHERE d.superseded_at IS NULL AND d.review_state <> 'rejected' "
                    f"AND d.{column} IS NOT NULL AND d.expires_on > %s AND d.expires_on <= %s "
                    f"AND EXISTS (SELECT 1 FROM {approval} a WHERE a.{column} = d.{column} "
                    f"AND a.status IN ({statuses})) "
                    f"ON CONFLICT (document_id, threshold_days) DO NOTHING"
                )
                cursor.execute(sql, [
                    threshold, now,
                    ops.adapt_datefield_value(today + datetime.timedelta(days=lower)),
                    ops.adapt_datefield_value(today + datetime.timedelta(days=threshold)),
                ])
                recorded += max(cursor.rowcount, 0)
    return recorded


def _required_of_holder(document: Document) -> bool:
    """Whether the holder's approval rests on ``document`` (the checklist's rule,
    DocumentType.required_of): a type for high-risk sports only where the holder offers
    or teaches one."""
    kind = document.document_type
    if not kind.is_required or not kind.for_high_risk:
        return kind.is_required
    subject = document.subject
    high_risk = (teaches_high_risk(subject) if document.person_id
                 else offers_high_risk(subject))
    return kind.required_of(high_risk=high_risk)


def _documents_page(document: Document) -> str:
    """Where the holder uploads the renewal: the subject's documents page (its checklist and
    upload form), which each of ``recipients.holders_of`` may open, at its upload form with
    the expiring document's type chosen (as a re-certification's due list links)."""
    if document.person_id:
        page = reverse("documents:subject", args=["person", document.person_id])
    else:
        page = reverse("documents:subject", args=["organization", document.organization_id])
    return f"{page}?{urlencode({'type': document.document_type.code})}#upload"


def reminders_deliver(*, limit: int = 500) -> int:
    """Turn recorded, unsent reminders into notifications (in-app now, email through the
    outbox after commit). Each reminder is delivered once: it is locked, skipped if another
    worker holds it, and marked in the same transaction as its notifications."""
    delivered = 0
    pending = (ExpiryReminder.objects.filter(sent_at__isnull=True)
               .order_by("created_at", "pk").values_list("pk", flat=True)[:limit])
    for pk in list(pending):
        with transaction.atomic():
            reminder = (ExpiryReminder.objects.select_for_update(skip_locked=True, of=("self",))
                        .filter(pk=pk, sent_at__isnull=True)
                        .select_related("document__document_type", "document__organization",
                                        "document__person").first())
            if reminder is None:
                continue
            document = reminder.document
            # the days left on the day it is delivered: not the bracket it was recorded under
            # (a document first seen with 20 days left gets the 30-day one) nor the
            # days left when it was recorded (delivery may come later)
            days_left = max((reminder.expires_on - timezone.localdate()).days, 0)
            words = {"subject": subject_name(document.subject),
                     "type": document.document_type.display_name,
                     "days": days_left, "date": local_date(reminder.expires_on)}
            if _required_of_holder(document):
                body = gettext("%(subject)s: %(type)s expires in %(days)d days, on "
                               "%(date)s. Upload a renewed one in time, or the approval will "
                               "be suspended when it expires.") % words
            else:
                # nothing rests on it (an optional document, or a qualification for a
                # high-risk sport the holder does not teach): no threat of a suspension
                body = gettext("%(subject)s: %(type)s expires in %(days)d days, on "
                               "%(date)s. Your approval does not depend on it; upload a "
                               "renewed one if you want it kept on record.") % words
            notify(users=recipients.holders_of(document.subject),
                   subject=gettext("%(type)s expires on %(date)s") % words, body=body,
                   url=_documents_page(document), about=document.subject)
            reminder.sent_at = timezone.now()
            reminder.save(update_fields=["sent_at"])
            delivered += 1
    return delivered


DIGEST_ITEMS = 20  # what a digest lists; a further one says "… and more"
HOLDER_COLUMNS = ("organization_id", "person_id")  # a document's holder: exactly one is set


def _expiring_for(bureau: Bureau, *, today: datetime.date, limit: int) -> list[Document]:
    """The first ``limit`` current documents, in expiry order, that expire within the digest's
    window and whose holder has an open approval in the bureau's area. After the area's
    jurisdictions, one statement: a UNION of a branch per kind of holder, each the first
    ``limit`` of its own (the window walked by its expiry index, each document's holder
    looked up by the (holder, jurisdiction) index of open approvals); the outer query takes
    the first ``limit`` of the two. An OR of the two EXISTS instead hashed every open
    approval of the area (85k rows twice at SCALE 0.1, each run): it grew with history.
    Each branch is wrapped (``pk IN (… LIMIT n)``): SQLite takes no LIMIT inside a UNION."""
    # the area's ids as values, read first: with a subquery PostgreSQL guessed a county's
    # share of the approvals and hashed them all (25 ms for 7k at SCALE 0.1, not 3 ms)
    area = list(Jurisdiction.objects.filter(Jurisdiction.subtree_q(bureau.jurisdiction_id))
                .values_list("pk", flat=True))
    active = Approval.objects.filter(status__in=ACTIVE, jurisdiction__in=area)
    window = Document.objects.filter(expiring_q(today, settings.RECERT_DIGEST_DAYS),
                                     superseded_at__isnull=True)
    order = ("expires_on", "pk")  # a total order: a branch's first n hold the union's
    first, second = (
        Document.objects.filter(pk__in=window.filter(
            Exists(active.filter(**{column: OuterRef(column)})))
            .order_by(*order).values("pk")[:limit]).order_by().values("pk")
        for column in HOLDER_COLUMNS)
    return list(Document.objects.filter(pk__in=first.union(second, all=True))
                .select_related("document_type", "organization", "person")
                .order_by(*order)[:limit])


def digests_send(*, today: datetime.date) -> int:
    """Once a day, tell each bureau's clerks what expires soon in their jurisdiction. A bureau
    told today is left out before anything is read for it (the load runs the sweep often)."""
    sent = 0
    told = DigestLog.objects.filter(day=today).values("bureau_id")
    for bureau in Bureau.objects.exclude(pk__in=told).select_related("jurisdiction"):
        clerks = recipients.staff_of(bureau, "clerk_bureau")
        if not clerks:
            continue
        items = _expiring_for(bureau, today=today, limit=DIGEST_ITEMS + 1)
        if not items:
            continue
        with transaction.atomic():
            _log, created = DigestLog.objects.get_or_create(bureau=bureau, day=today)
            if not created:  # another sweep told it meanwhile
                continue
            # dates as the digest's own words are written (the active language)
            lines = [f"{local_date(d.expires_on)} {subject_name(d.subject)} · "
            f"{d.document_type.display_name}"
            for d in items[:DIGEST_ITEMS]]
            if len(items) > DIGEST_ITEMS:
                lines.append(gettext("… and more; see the dashboard."))
            notify(users=clerks, subject=gettext("Credentials expiring within %(n)d days")
                   % {"n": settings.RECERT_DIGEST_DAYS}, body="\n".join(lines),
                   url=reverse("workflows:dashboard", args=[bureau.pk]), about=bureau)
            sent += 1
    return sent
