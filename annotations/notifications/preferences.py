"""A member's notification settings: email (off until they choose), and whether commenting
on a thread watches it."""

from __future__ import annotations

from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from annotations.models import EmailChoice, MemberSettings
from treaty_reader.prepared import PreparedQuery


def member_settings(user: User) -> MemberSettings:
    """The member's settings; the defaults (no email, watch what you comment on) if they
    never chose."""
    found = _SETTINGS.rows(MemberSettings, user.pk)
    return found[0] if found else MemberSettings(user=user)


# Read for every comment written (does its writer watch the thread?): built once per process.
_SETTINGS = PreparedQuery(lambda pk: MemberSettings.objects.filter(user_id=pk))


@transaction.atomic
def member_settings_update(*, user: User, email: str, watch_on_comment: bool) -> MemberSettings:
    if email not in EmailChoice.values:
        raise ValidationError("Choose how often to be emailed.", code="email")
    settings = member_settings(user)
    if settings.email != email:
        settings.email = email
        settings.email_chosen_at = timezone.now()
    settings.watch_on_comment = watch_on_comment
    settings.save()
    return settings


def email_unsubscribe(*, user: User) -> MemberSettings:
    """Stop every email to the member (the one-click link in each mail)."""
    return member_settings_update(
        user=user, email=EmailChoice.NEVER, watch_on_comment=member_settings(user).watch_on_comment
    )
