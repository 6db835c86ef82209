"""``manage.py send_notifications``: mail the notifications due, from cron every few minutes."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError

from annotations.notifications.email import send_pending


class Command(BaseCommand):
    help = (
        "Mail members the notifications they asked to be emailed (each at once, or a daily "
        "digest). Safe to run often and in overlapping runs: each is mailed at most once."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        report = send_pending()
        self.stdout.write(
            f"Mailed {report.notifications} notification(s) in {report.messages} message(s)."
        )
        if report.failed:
            raise CommandError(
                f"{report.failed} notification(s) could not be mailed; they will be tried "
                "again on the next run (see the log)."
            )
