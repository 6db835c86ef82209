"""The moderators' admin lives in ``annotations.moderation``; Django looks for it here."""

from annotations.moderation import admin, member_admin  # noqa: F401 (registers the models)
