"""Mailing notifications: each at once, or a daily digest, to members who chose so.

``send_pending`` is what ``manage.py send_notifications`` runs, from cron every few minutes.
Runs may overlap: a run first *claims* the notifications it will mail (one UPDATE whose
conditions are on the rows themselves, so a second run that meets them already claimed
skips them, on PostgreSQL as on SQLite), then mails them, then marks them mailed. A send that
fails gives its claim back, so the next run tries again, and is logged. A claim left by a run
that died is taken over after ``CLAIM_TIMEOUT``.
"""

from __future__ import annotations

import datetime as dt
import logging
import uuid
from collections import defaultdict
from dataclasses import dataclass, field

from django.conf import settings
from django.contrib.auth.models import User
from django.core.mail import EmailMessage, get_connection
from django.db.models import Exists, F, OuterRef, Q, QuerySet
from django.template.loader import render_to_string
from django.utils import timezone

from annotations.models import EmailChoice, Highlight, MemberSettings, Notification, readable
from annotations.notifications import entries as entry_list
from annotations.notifications.unsubscribing import unsubscribe_url

logger = logging.getLogger(__name__)

CLAIM_TIMEOUT = dt.timedelta(minutes=15)
DIGEST_EVERY = dt.timedelta(days=1)
# Notifications claimed and mailed at a time: bounds the memory of a run whatever is waiting.
BATCH = 500
# A digest lists this many; the rest are counted, and on the notifications page.
DIGEST_SHOWN = 50


@dataclass
class Report:
    notifications: int = 0
    messages: int = 0
    failed: int = 0
    failed_members: set[int] = field(default_factory=set)


def pending(now: dt.datetime) -> QuerySet[Notification]:
    """Unread, unmailed notifications of members who want mail now, made after they chose it
    (email is off until a member turns it on: nothing older is sent then)."""
    wants = MemberSettings.objects.filter(
        Q(email=EmailChoice.IMMEDIATE)
        | Q(email=EmailChoice.DAILY)
        & (Q(last_digest_at__isnull=True) | Q(last_digest_at__lte=now - DIGEST_EVERY)),
        user_id=OuterRef("recipient_id"),
        email_chosen_at__lte=OuterRef("created_at"),
    )
    visible = Notification.objects.filter(
        Q(comment__highlight__isnull=True)
        | Q(comment__highlight__visibility=Highlight.Visibility.PUBLIC)
        | Q(comment__highlight__author_id=OuterRef("recipient_id")),
        pk=OuterRef("pk"),
    )
    words = readable("comment__") | Q(
        kind=Notification.Kind.HIDDEN, comment__deleted_at__isnull=True
    )
    # As ``badge.visible_to``: a text change is its highlight's author's, while not withdrawn.
    about_text_change = Q(
        kind=Notification.Kind.TEXT_CHANGED,
        text_change__highlight__author_id=F("recipient_id"),
        text_change__highlight__withdrawn_at__isnull=True,
    )
    return Notification.objects.filter(
        (Q(comment__isnull=False) & words & Exists(visible)) | about_text_change,
        Exists(wants),
        emailed_at__isnull=True,
        read_at__isnull=True,
        recipient__is_active=True,
    ).exclude(recipient__email="")


def _claim(now: dt.datetime, skip: set[int]) -> tuple[str, int]:
    """Claim the next batch for this run; returns the claim and how many it took."""
    free = Q(email_claim="") | Q(email_claimed_at__lt=now - CLAIM_TIMEOUT)
    ids = list(
        pending(now)
        .filter(free)
        .exclude(recipient_id__in=skip)
        .order_by("recipient_id", "created_at", "id")
        .values_list("pk", flat=True)[:BATCH]
    )
    claim = uuid.uuid4().hex
    if not ids:
        return claim, 0
    if len(ids) == BATCH:
        # The batch's last member gets the rest of theirs too: a digest is sent whole.
        last = Notification.objects.values_list("recipient_id", flat=True).get(pk=ids[-1])
        ids += list(
            pending(now)
            .filter(free, recipient_id=last)
            .exclude(pk__in=ids)
            .values_list("pk", flat=True)
        )
    # The conditions again, on the rows: a run that claimed them first wins.
    taken = Notification.objects.filter(free, pk__in=ids, emailed_at__isnull=True).update(
        email_claim=claim, email_claimed_at=now
    )
    return claim, taken


def _absolute(path: str) -> str:
    return settings.SITE_URL + path


def _message(
    member: User, choice: str, found: list[entry_list.Entry], unsubscribe: str
) -> EmailMessage:
    context = {
        "member": member,
        "entries": found[:DIGEST_SHOWN],
        "more": max(0, len(found) - DIGEST_SHOWN),
        "site": settings.SITE_URL,
        "notifications_url": _absolute("/notifications/"),
        "settings_url": _absolute("/notifications/settings/"),
        "unsubscribe_url": unsubscribe,
    }
    if choice == EmailChoice.DAILY:
        count = len(found)
        subject = f"{count} new notification{'s' if count != 1 else ''} on Treaty Reader"
    else:
        subject = found[0].sentence
    body = render_to_string("annotations/notifications/email.txt", context)
    return EmailMessage(
        subject=" ".join(subject.split())[:200],
        body=body,
        to=[member.email],
        headers={
            "List-Unsubscribe": f"<{unsubscribe}>",
            "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
        },
    )


def send_pending(*, now: dt.datetime | None = None) -> Report:
    """Mail what is due, a batch at a time; see the module's docstring."""
    now = now or timezone.now()
    report = Report()
    connection = get_connection()
    with connection:
        while True:
            claim, taken = _claim(now, report.failed_members)
            if not taken:
                break
            rows = list(
                entry_list.with_context(Notification.objects.filter(email_claim=claim))
                .select_related("recipient")
                .order_by("recipient_id", "created_at", "id")
            )
            choices = dict(
                MemberSettings.objects.filter(
                    user_id__in={n.recipient_id for n in rows}
                ).values_list("user_id", "email")
            )
            by_member: dict[int, list[Notification]] = defaultdict(list)
            for notification in rows:
                by_member[notification.recipient_id].append(notification)
            found = {e.notification.pk: e for e in entry_list.entries(rows)}
            sent: list[int] = []
            digested: list[int] = []
            for member_id, notices in by_member.items():
                member = notices[0].recipient
                unsubscribe = _absolute(unsubscribe_url(member))
                choice = choices.get(member_id, EmailChoice.NEVER)
                groups = [notices] if choice == EmailChoice.DAILY else [[n] for n in notices]
                for group in groups:
                    message = _message(member, choice, [found[n.pk] for n in group], unsubscribe)
                    try:
                        connection.send_messages([message])
                    except Exception:  # noqa: BLE001 - any failure: retried next run
                        logger.exception(
                            "Could not mail %d notification(s) to member %d; "
                            "they will be tried again on the next run.",
                            len(group),
                            member_id,
                        )
                        report.failed += len(group)
                        report.failed_members.add(member_id)
                        continue
                    sent += [n.pk for n in group]
                    report.messages += 1
                    if choice == EmailChoice.DAILY:
                        digested.append(member_id)
            Notification.objects.filter(pk__in=sent, email_claim=claim).update(
                emailed_at=now, email_claim=""
            )
            # What failed is given back: the next run takes it again.
            Notification.objects.filter(email_claim=claim).update(
                email_claim="", email_claimed_at=None
            )
            MemberSettings.objects.filter(user_id__in=digested).update(last_digest_at=now)
            report.notifications += len(sent)
    return report
