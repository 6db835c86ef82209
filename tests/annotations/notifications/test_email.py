"""Email: off until chosen, each at once or a daily digest, one-click unsubscribe, and a
command that mails each notification at most once, even in overlapping runs."""

from __future__ import annotations

import datetime as dt
import re
import threading
from typing import TYPE_CHECKING, cast

import pytest
from django.core import mail
from django.core.management import CommandError, call_command
from django.db import connection
from django.utils import timezone

from annotations.models import EmailChoice, MemberSettings, Notification
from annotations.notifications import email, preferences, services
from annotations.notifications.unsubscribing import unsubscribe_url

if TYPE_CHECKING:
    from django.db.backends.sqlite3.base import DatabaseWrapper as SQLiteWrapper


@pytest.fixture(autouse=True)
def locmem(settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    settings.SITE_URL = "https://treaty.example.org"


def choose(member, choice):
    preferences.member_settings_update(user=member, email=choice, watch_on_comment=True)


def test_email_is_off_for_new_members(say, alice, bob):
    say(bob, "An answer.", parent=say(alice, "Mine."))
    call_command("send_notifications")
    assert mail.outbox == []
    assert preferences.member_settings(alice).email == EmailChoice.NEVER


def test_each_notification_at_once(say, alice, bob):
    choose(alice, EmailChoice.IMMEDIATE)
    mine = say(alice, "Mine.")
    reply = say(bob, "An answer, @alice.", parent=mine)
    call_command("send_notifications")
    (message,) = mail.outbox
    assert message.to == ["alice@example.org"]
    assert (
        message.subject
        == "bob replied to your comment and mentioned you in the discussion of Anglo-Soviet Treaty"
    )
    assert "“An answer, @alice.”" in message.body
    assert (
        f"https://treaty.example.org/treaties/anglo-soviet-treaty-1942/discussion/#comment-{reply.pk}"
        in message.body
    )
    assert "bob@example.org" not in message.body
    assert Notification.objects.get().emailed_at is not None
    call_command("send_notifications")
    assert len(mail.outbox) == 1, "mailed once"


def test_every_mail_can_unsubscribe_in_one_click(say, alice, bob):
    choose(alice, EmailChoice.IMMEDIATE)
    say(bob, "An answer.", parent=say(alice, "Mine."))
    call_command("send_notifications")
    (message,) = mail.outbox
    found = re.search(r"<(https://[^>]+)>", message.extra_headers["List-Unsubscribe"])
    assert found is not None
    link = found.group(1)
    assert message.extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert link in message.body
    from django.test import Client

    path = link.removeprefix("https://treaty.example.org")
    anonymous = Client(enforce_csrf_checks=True)
    assert "Stop emails" in anonymous.get(path).content.decode()
    assert preferences.member_settings(alice).email == EmailChoice.IMMEDIATE, (
        "a GET changes nothing"
    )
    response = anonymous.post(
        path, "List-Unsubscribe=One-Click", content_type="application/x-www-form-urlencoded"
    )
    assert response.status_code == 200
    assert preferences.member_settings(alice).email == EmailChoice.NEVER


def test_a_forged_unsubscribe_link_is_refused(client, alice, bob):
    choose(alice, EmailChoice.IMMEDIATE)
    good = unsubscribe_url(alice)
    token = good.rstrip("/").rsplit("/", 1)[1]
    forged = good.replace(token, token[:-2] + ("aa" if not token.endswith("aa") else "bb"))
    response = client.post(forged)
    assert response.status_code == 400
    assert "not valid" in response.content.decode()
    assert client.post("/notifications/unsubscribe/123/").status_code == 400
    assert preferences.member_settings(alice).email == EmailChoice.IMMEDIATE


def test_a_daily_digest_gathers_a_day_of_notifications(say, alice, bob, carol):
    choose(alice, EmailChoice.DAILY)
    mine = say(alice, "Mine.")
    say(bob, "One.", parent=mine)
    say(carol, "Two, @alice.")
    call_command("send_notifications")
    (message,) = mail.outbox
    assert message.subject == "2 new notifications on Treaty Reader"
    assert "“One.”" in message.body and "“Two, @alice.”" in message.body
    say(bob, "Three.", parent=mine)
    call_command("send_notifications")
    assert len(mail.outbox) == 1, "not before a day has passed"
    later = timezone.now() + dt.timedelta(days=1, minutes=1)
    email.send_pending(now=later)
    assert len(mail.outbox) == 2 and "“Three.”" in mail.outbox[1].body


def test_nothing_from_before_email_was_turned_on_is_sent(say, alice, bob):
    say(bob, "Old news.", parent=say(alice, "Mine."))
    choose(alice, EmailChoice.IMMEDIATE)
    call_command("send_notifications")
    assert mail.outbox == []


def test_read_or_no_longer_visible_notifications_are_not_mailed(say, alice, bob):
    choose(alice, EmailChoice.IMMEDIATE)
    mine = say(alice, "Mine.")
    say(bob, "Read already.", parent=mine)
    services.notifications_mark_all_read(user=alice)
    gone = say(bob, "Deleted soon.", parent=mine)
    gone.deleted_at = timezone.now()
    gone.save()
    call_command("send_notifications")
    assert mail.outbox == []


def test_a_failed_send_is_logged_and_retried_next_run(say, alice, bob, monkeypatch, caplog):
    from django.core.mail.backends.locmem import EmailBackend

    choose(alice, EmailChoice.IMMEDIATE)
    say(bob, "An answer.", parent=say(alice, "Mine."))
    real = EmailBackend.send_messages

    def broken(self, messages):
        raise OSError("SMTP server unreachable")

    monkeypatch.setattr(EmailBackend, "send_messages", broken)
    with pytest.raises(CommandError, match="1 notification"):
        call_command("send_notifications")
    assert "tried again on the next run" in caplog.text
    notice = Notification.objects.get()
    assert notice.emailed_at is None and notice.email_claim == ""

    monkeypatch.setattr(EmailBackend, "send_messages", real)
    call_command("send_notifications")
    assert len(mail.outbox) == 1


def test_a_claim_by_another_run_is_left_alone_until_it_is_stale(say, alice, bob):
    choose(alice, EmailChoice.IMMEDIATE)
    say(bob, "An answer.", parent=say(alice, "Mine."))
    Notification.objects.update(email_claim="another-run", email_claimed_at=timezone.now())
    call_command("send_notifications")
    assert mail.outbox == []
    stale = timezone.now() + email.CLAIM_TIMEOUT + dt.timedelta(minutes=1)
    email.send_pending(now=stale)
    assert len(mail.outbox) == 1


@pytest.mark.django_db(transaction=True)
def test_overlapping_runs_mail_each_notification_once(treaty, alice, bob):
    from annotations.discussion.services import comment_create

    choose(alice, EmailChoice.IMMEDIATE)
    mine = comment_create(author=alice, document=treaty, body="Mine.")
    for n in range(60):
        comment_create(author=bob, document=treaty, parent=mine, body=f"Answer {n}.")
    barrier = threading.Barrier(2)
    errors = []

    def run():
        try:
            barrier.wait()
            email.send_pending()
        except Exception as exc:  # noqa: BLE001
            errors.append(exc)
        finally:
            connection.close()

    if connection.vendor == "sqlite" and cast("SQLiteWrapper", connection).is_in_memory_db():
        pytest.skip("threads cannot share an in-memory SQLite database")
    runs = [threading.Thread(target=run) for _ in range(2)]
    for t in runs:
        t.start()
    for t in runs:
        t.join()
    assert errors == []
    bodies = [m.body for m in mail.outbox]
    assert len(bodies) == 60
    answers = set()
    for b in bodies:
        assert isinstance(b, str)
        found = re.search(r"“(Answer \d+\.)”", b)
        assert found is not None
        answers.add(found.group(1))
    assert len(answers) == 60
    assert not Notification.objects.filter(emailed_at__isnull=True).exists()


def test_the_settings_page_chooses_email(alice_client, alice):
    html = alice_client.get("/notifications/settings/").content.decode()
    assert 'value="never"' in html and "checked" in html.split('value="never"')[1][:40]
    response = alice_client.post(
        "/notifications/settings/", {"email": "daily", "watch_on_comment": "on"}
    )
    assert response.status_code == 302
    settings_row = MemberSettings.objects.get(user=alice)
    assert (settings_row.email, settings_row.watch_on_comment) == ("daily", True)


def test_the_settings_page_refuses_a_bad_choice(alice_client, alice):
    response = alice_client.post("/notifications/settings/", {"email": "hourly"})
    assert response.status_code == 422
    assert "Select a valid choice" in response.content.decode()
    assert not MemberSettings.objects.filter(user=alice).exists()


def test_the_settings_page_needs_a_member(client, db):
    assert client.get("/notifications/settings/").status_code == 302
