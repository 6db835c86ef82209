"""Moderation's settings: what moderators switch on and tune in the admin."""

from __future__ import annotations

from typing import Any

from django.core.cache import cache
from django.core.validators import MinValueValidator
from django.db import models

SETTINGS_CACHE_KEY = "annotations:moderation-settings"
SETTINGS_CACHE_SECONDS = 60


class ModerationSettings(models.Model):
    """How moderation runs, set by moderators in the admin: a single row (pk 1).

    Read on every comment and flag, so it is kept in the cache and dropped when saved. Without
    a shared cache (CACHE_URL), each worker keeps its own copy: a change reaches every worker
    within ``SETTINGS_CACHE_SECONDS``.
    """

    first_posts_enabled = models.BooleanField(
        "new members' first posts wait for approval",
        default=False,
        help_text="As Discourse does: a moderator approves them before anyone else sees them.",
    )
    first_posts_count = models.PositiveSmallIntegerField(
        "how many first posts",
        default=3,
        validators=[MinValueValidator(1)],
        help_text="Comments of a new account that wait, until this many have been approved.",
    )
    first_posts_account_age = models.PositiveSmallIntegerField(
        "new for (days)",
        default=7,
        validators=[MinValueValidator(1)],
        help_text="An account younger than this counts as new.",
    )
    auto_hide_flag_count = models.PositiveSmallIntegerField(
        "hide after flags from",
        default=3,
        help_text="A comment flagged by this many members in good standing is hidden at once, "
        "until a moderator reviews it. 0 switches automatic hiding off.",
    )

    class Meta:
        verbose_name = "moderation settings"
        verbose_name_plural = "moderation settings"

    def __str__(self) -> str:
        return "Moderation settings"

    def save(self, *args: Any, **kwargs: Any) -> None:
        self.pk = 1
        super().save(*args, **kwargs)
        cache.delete(SETTINGS_CACHE_KEY)

    @classmethod
    def current(cls) -> ModerationSettings:
        """The settings in force: from the cache, else the row, else the defaults."""
        found = cache.get(SETTINGS_CACHE_KEY)
        if found is None:
            found = cls.objects.filter(pk=1).first() or cls(pk=1)
            cache.set(SETTINGS_CACHE_KEY, found, SETTINGS_CACHE_SECONDS)
        return found
