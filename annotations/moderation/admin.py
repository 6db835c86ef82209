"""The moderators' admin: comments and their review queue, flags and highlights.

Moderators (staff in the Moderators group) change things only through actions that ask for
a reason and go through ``annotations.moderation``, which records each one in the admin log.
The forms themselves are read-only: nobody edits a member's words here. Members and their
suspensions are in ``member_admin``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.db.models import Count, Q, QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.utils.html import format_html
from django.utils.text import Truncator

from annotations.discussion.markdown import excerpt
from annotations.models import Comment, Flag, Highlight, ModerationSettings
from annotations.moderation import (
    member_admin,  # noqa: F401 (registers Member and Suspension)
)
from annotations.moderation import services as moderation
from annotations.moderation.admin_tools import (
    CommentStatusFilter,
    FlaggedFilter,
    FlagStateFilter,
    PlaceFilter,
    ReasonForm,
    ReviewOnlyAdmin,
    changelist_url,
    comment_place,
    confirm_action,
    member_column,
    place_label,
    plural,
    staff,
)
from annotations.moderation.queue_admin import ReviewQueueAdmin
from annotations.permissions import highlights_in_admin, is_moderator

# Comments ---------------------------------------------------------------------------------


def describe_comment(comment: Comment) -> str:
    return f"{comment.author_name}: “{excerpt(comment.body, 100)}” ({comment_place(comment)})"


FLAG_INLINE_FIELDS = (
    "reason", "note", "flagged_by", "created_at", "resolution", "resolver", "resolved_at"
)  # fmt: skip


class FlagInline(admin.TabularInline):
    model = Flag
    fields = readonly_fields = FLAG_INLINE_FIELDS
    extra = 0
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    flagged_by = member_column("flagger", "flagged by")
    resolver = member_column("resolved_by", "resolved by")

    def get_queryset(self, request: HttpRequest) -> QuerySet[Flag]:
        return super().get_queryset(request).select_related("flagger", "resolved_by")


@dataclass(frozen=True)
class CommentAct:
    """A bulk action on comments: its confirmation page, its service and its report."""

    name: str
    title: str  # "Hide comments": the page's title; "Hide selected comments…" in the menu
    button: str
    reason_required: bool
    service: Callable[..., moderation.Outcome]
    verb: str  # "Hid": the report's first word
    skipped: str  # why the others were left alone
    resolves_flags: bool = False

    def report(self, outcome: moderation.Outcome) -> str:
        flags = f" and resolved {plural(outcome.flags_resolved, 'flag')}" * self.resolves_flags
        skipped = f" {outcome.skipped} {self.skipped}." if outcome.skipped else ""
        return f"{self.verb} {plural(outcome.changed, 'comment')}{flags}.{skipped}"


COMMENT_ACTS = [
    CommentAct("hide_comments", "Hide comments", "Hide", True, moderation.comments_hide,
               "Hid", "already hidden", resolves_flags=True),
    CommentAct("unhide_comments", "Unhide comments", "Unhide", False,
               moderation.comments_unhide, "Unhid", "were not hidden"),
    CommentAct("delete_comments", "Delete comments", "Delete", True,
               moderation.comments_soft_delete, "Deleted", "already deleted", resolves_flags=True),
    CommentAct("restore_comments", "Restore comments", "Restore", False,
               moderation.comments_restore, "Restored",
               "not deleted by a moderator were left as they were"),
    CommentAct("approve_comments", "Approve comments", "Approve", False,
               moderation.comments_approve, "Approved", "were not waiting for approval"),
    CommentAct("reject_comments", "Reject comments", "Reject", False,
               moderation.comments_reject, "Rejected", "were not waiting for approval"),
]  # fmt: skip


def comment_action(act: CommentAct) -> Callable[..., HttpResponse | None]:
    """The admin action for one row of ``COMMENT_ACTS``, named as the row says."""

    def action(
        model_admin: CommentAdmin, request: HttpRequest, queryset: QuerySet[Comment]
    ) -> HttpResponse | None:
        return model_admin.moderate(request, queryset, act)

    action.__name__ = act.name
    menu = act.title.replace(" comments", " selected comments…")
    return admin.action(description=menu, permissions=["change"])(action)


@admin.register(Comment)
class CommentAdmin(ReviewQueueAdmin, ReviewOnlyAdmin):
    list_display = [
        "excerpt_text",
        "author_name",
        "place",
        "status",
        "open_flags",
        "like_count",
        "created_at",
        "on_site",
    ]
    list_display_links = ["excerpt_text"]
    list_filter = [CommentStatusFilter, FlaggedFilter, PlaceFilter, "created_at"]
    list_select_related = ["author", "document", "highlight"]
    search_fields = ["body", "author__username"]
    ordering = ["-created_at", "-id"]
    fields = [
        "status",
        "place",
        "on_site",
        "author_name",
        "created_at",
        "edited_at",
        "body",
        "like_count",
        "open_flags",
        "hidden_at",
        "hider",
        "hidden_reason",
        "deleted_at",
    ]
    inlines = [FlagInline]
    actions = [comment_action(act) for act in COMMENT_ACTS]
    hider = member_column("hidden_by", "hidden by")

    def get_queryset(self, request: HttpRequest) -> QuerySet[Comment]:
        return (
            super()
            .get_queryset(request)
            .select_related("author", "document", "highlight", "hidden_by")
            .annotate(open_flag_count=Count("flags", filter=Q(flags__resolved_at__isnull=True)))
        )

    def get_actions(self, request: HttpRequest) -> dict[str, Any]:
        actions = super().get_actions(request)
        actions.pop("delete_selected", None)  # comments are deleted softly, with a reason
        return actions

    def view_on_site(self, comment: Comment) -> str:
        return moderation.comment_permalink(comment)

    @admin.display(description="comment")
    def excerpt_text(self, comment: Comment) -> str:
        return excerpt(comment.body, 80) or "(empty)"

    @admin.display(description="author", ordering="author__username")
    def author_name(self, comment: Comment) -> str:
        return comment.byline

    @admin.display(description="where")
    def place(self, comment: Comment) -> str:
        return comment_place(comment)

    @admin.display(description="status")
    def status(self, comment: Comment) -> str:
        if comment.is_deleted:
            return "Deleted"
        if comment.is_hidden:
            return "Hidden automatically" if comment.hidden_automatically else "Hidden"
        return "Waiting for approval" if comment.is_pending else "Visible"

    @admin.display(description="open flags", ordering="open_flag_count")
    def open_flags(self, comment: Comment) -> int:
        return comment.open_flag_count  # type: ignore[attr-defined]

    @admin.display(description="on the site")
    def on_site(self, comment: Comment) -> str:
        return format_html('<a href="{}">View</a>', moderation.comment_site_url(comment))

    # Actions, each with a confirmation page that asks why: one per row of ``COMMENT_ACTS``.

    def moderate(
        self, request: HttpRequest, queryset: QuerySet[Comment], act: CommentAct
    ) -> HttpResponse | None:
        data = request.POST if request.POST.get("confirm") else None
        form = ReasonForm(data, required=act.reason_required)

        def apply(cleaned: dict[str, Any]) -> str:
            reason = cleaned["reason"]
            return act.report(
                act.service(comments=queryset, moderator=staff(request), reason=reason)
            )

        return confirm_action(
            self, request, queryset, action=act.name, title=act.title, button=act.button,
            form=form, apply=apply, describe=describe_comment,
        )  # fmt: skip


# Flags ------------------------------------------------------------------------------------


@admin.register(Flag)
class FlagAdmin(ReviewOnlyAdmin):
    list_display = ["reason", "comment_excerpt", "note", "flagger", "created_at", "state"]
    list_filter = [FlagStateFilter, "reason", "resolution", "created_at"]
    list_select_related = ["comment", "flagger", "resolved_by"]
    search_fields = ["note", "flagger__username", "comment__body"]
    fields = [
        "comment_excerpt",
        "reason",
        "note",
        "flagged_by",
        "created_at",
        "state",
        "resolved_at",
        "resolver",
    ]
    actions = ["dismiss_flags"]
    flagged_by = member_column("flagger", "flagged by")
    resolver = member_column("resolved_by", "resolved by")

    def lookup_allowed(self, lookup: str, value: str, request: HttpRequest) -> bool:
        # The review queue and a member's page link to the flags against a member.
        return lookup == "comment__author__id__exact" or super().lookup_allowed(
            lookup, value, request
        )

    @admin.display(description="comment")
    def comment_excerpt(self, flag: Flag) -> str:
        url = reverse("admin:annotations_comment_change", args=[flag.comment_id])
        return format_html('<a href="{}">{}</a>', url, excerpt(flag.comment.body, 60) or "(empty)")

    @admin.display(description="state")
    def state(self, flag: Flag) -> str:
        if flag.is_open:
            return "Open"
        by = f" by {flag.resolved_by}" if flag.resolved_by else ""
        return f"{flag.get_resolution_display()}{by}"

    @admin.action(description="Dismiss selected flags", permissions=["change"])
    def dismiss_flags(self, request: HttpRequest, queryset: QuerySet[Flag]) -> None:
        dismissed = moderation.flags_dismiss_many(flags=queryset, moderator=staff(request))
        self.message_user(request, f"Dismissed {plural(dismissed, 'open flag')}.")


# Highlights -------------------------------------------------------------------------------


@admin.register(Highlight)
class HighlightAdmin(ReviewOnlyAdmin):
    """Highlights, orphans included. Others' private highlights are for superusers only."""

    list_display = [
        "quote_excerpt",
        "author",
        "document",
        "place",
        "status",
        "visibility",
        "created_at",
        "comments",
    ]
    list_filter = ["status", "visibility", "document", "created_at"]
    list_select_related = ["author", "document"]
    search_fields = ["exact", "note", "author__username"]
    ordering = ["-created_at", "-id"]
    fields = [
        "treaty",
        "place",
        "exact",
        "prefix",
        "suffix",
        "note",
        "author_link",
        "visibility",
        "status",
        "withdrawn_at",
        "created_at",
        "updated_at",
        "comments",
    ]
    author_link = member_column("author", "author")

    def get_queryset(self, request: HttpRequest) -> QuerySet[Highlight]:
        highlights = super().get_queryset(request).select_related("author", "document")
        return highlights.filter(highlights_in_admin(request.user))

    @admin.display(description="treaty")
    def treaty(self, highlight: Highlight) -> str:
        return str(highlight.document)

    @admin.display(description="quote", ordering="exact")
    def quote_excerpt(self, highlight: Highlight) -> str:
        return Truncator(highlight.exact).chars(80)

    @admin.display(description="where")
    def place(self, highlight: Highlight) -> str:
        return place_label(highlight.start_key)

    @admin.display(description="comments")
    def comments(self, highlight: Highlight) -> str:
        return format_html('<a href="{}">Comments</a>', changelist_url(
            "comment", highlight__id__exact=highlight.pk
        ))  # fmt: skip


# Settings ---------------------------------------------------------------------------------


@admin.register(ModerationSettings)
class ModerationSettingsAdmin(admin.ModelAdmin):
    """The one settings row: the list leads straight to it, and it is never added or deleted."""

    fieldsets = [
        ("New members’ first posts", {"fields": [
            "first_posts_enabled", "first_posts_count", "first_posts_account_age"
        ]}),
        ("Automatic hiding", {"fields": ["auto_hide_flag_count"]}),
    ]  # fmt: skip

    # Whoever moderates comments tunes how moderation runs: the Moderators group's
    # permissions stay exactly those on the things moderated.
    def has_module_permission(self, request: HttpRequest) -> bool:
        return is_moderator(request.user)

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return is_moderator(request.user)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return is_moderator(request.user)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def changelist_view(
        self, request: HttpRequest, extra_context: dict[str, Any] | None = None
    ) -> HttpResponse:
        if not self.has_view_permission(request):
            raise PermissionDenied
        ModerationSettings.current().save()  # the row exists from the first visit on
        url = reverse("admin:annotations_moderationsettings_change", args=[1])
        return HttpResponseRedirect(url)

    def log_change(self, request: HttpRequest, obj: ModerationSettings, message: Any) -> Any:
        changed = ", ".join(f"{f}: {getattr(obj, f)}" for f in (
            "first_posts_enabled", "first_posts_count", "first_posts_account_age",
            "auto_hide_flag_count",
        ))  # fmt: skip
        return super().log_change(request, obj, f"Changed the moderation settings ({changed}).")
