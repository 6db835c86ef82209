"""The one-click unsubscribe link every mail carries: signed, so it needs no sign-in and
cannot be made up for someone else."""

from __future__ import annotations

from django.contrib.auth.models import User
from django.core import signing
from django.urls import reverse

SALT = "annotations.notifications.unsubscribe"


def unsubscribe_url(user: User) -> str:
    token = signing.dumps(user.pk, salt=SALT, compress=True)
    return reverse("annotations:unsubscribe", kwargs={"token": token})


def member_of(token: str) -> int:
    """The member a token was made for; ``signing.BadSignature`` if it was not made here."""
    return int(signing.loads(token, salt=SALT))
