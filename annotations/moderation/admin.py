"""The moderators' admin: comments and their review queue, flags and highlights.

Moderators (staff in the Moderators group) change things only through actions that ask for
a reason and go through ``annotations.moderation``, which records each one in the admin log.
The forms themselves are read-only: nobody edits a member's words here. Members and their
suspensions are in ``member_admin``.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Count, Q, QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import URLPattern, path, reverse
from django.utils.html import format_html
from django.utils.text import Truncator

from annotations.discussion.markdown import excerpt
from annotations.models import Comment, Flag, Highlight
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
    member_link,
    place_label,
    plural,
    staff,
)
from annotations.permissions import highlights_in_admin

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

    def get_queryset(self, request: HttpRequest) -> QuerySet[Flag]:
        return super().get_queryset(request).select_related("flagger", "resolved_by")

    @admin.display(description="flagged by")
    def flagged_by(self, flag: Flag) -> str:
        return member_link(flag.flagger)

    @admin.display(description="resolved by")
    def resolver(self, flag: Flag) -> str:
        return member_link(flag.resolved_by)


@admin.register(Comment)
class CommentAdmin(ReviewOnlyAdmin):
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
    actions = ["hide_comments", "unhide_comments", "delete_comments", "restore_comments"]

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
        return moderation.comment_site_url(comment)

    @admin.display(description="comment")
    def excerpt_text(self, comment: Comment) -> str:
        return excerpt(comment.body, 80) or "(empty)"

    @admin.display(description="author", ordering="author__username")
    def author_name(self, comment: Comment) -> str:
        return comment.byline

    @admin.display(description="where")
    def place(self, comment: Comment) -> str:
        return comment_place(comment)

    @admin.display(description="hidden by")
    def hider(self, comment: Comment) -> str:
        return member_link(comment.hidden_by)

    @admin.display(description="status")
    def status(self, comment: Comment) -> str:
        if comment.is_deleted:
            return "Deleted"
        return "Hidden" if comment.is_hidden else "Visible"

    @admin.display(description="open flags", ordering="open_flag_count")
    def open_flags(self, comment: Comment) -> int:
        return comment.open_flag_count  # type: ignore[attr-defined]

    @admin.display(description="on the site")
    def on_site(self, comment: Comment) -> str:
        return format_html('<a href="{}">View</a>', moderation.comment_site_url(comment))

    # Actions, each with a confirmation page that asks why.

    def _moderate(
        self,
        request: HttpRequest,
        queryset: QuerySet[Comment],
        *,
        action: str,
        title: str,
        button: str,
        reason_required: bool,
        service: Any,
        report: Any,
    ) -> HttpResponse | None:
        data = request.POST if request.POST.get("confirm") else None
        form = ReasonForm(data, required=reason_required)

        def apply(cleaned: dict[str, Any]) -> str:
            outcome = service(comments=queryset, moderator=staff(request), reason=cleaned["reason"])
            return report(outcome)

        return confirm_action(
            self, request, queryset, action=action, title=title, button=button, form=form,
            apply=apply, describe=describe_comment,
        )  # fmt: skip

    @admin.action(description="Hide selected comments…", permissions=["change"])
    def hide_comments(self, request: HttpRequest, queryset: QuerySet[Comment]) -> Any:
        def report(o: moderation.Outcome) -> str:
            skipped = f" {o.skipped} already hidden." if o.skipped else ""
            flags = plural(o.flags_resolved, "flag")
            return f"Hid {plural(o.changed, 'comment')} and resolved {flags}.{skipped}"

        return self._moderate(
            request, queryset, action="hide_comments", title="Hide comments", button="Hide",
            reason_required=True, service=moderation.comments_hide, report=report,
        )  # fmt: skip

    @admin.action(description="Unhide selected comments…", permissions=["change"])
    def unhide_comments(self, request: HttpRequest, queryset: QuerySet[Comment]) -> Any:
        def report(o: moderation.Outcome) -> str:
            skipped = f" {o.skipped} were not hidden." if o.skipped else ""
            return f"Unhid {plural(o.changed, 'comment')}.{skipped}"

        return self._moderate(
            request, queryset, action="unhide_comments", title="Unhide comments",
            button="Unhide", reason_required=False, service=moderation.comments_unhide,
            report=report,
        )  # fmt: skip

    @admin.action(description="Delete selected comments…", permissions=["change"])
    def delete_comments(self, request: HttpRequest, queryset: QuerySet[Comment]) -> Any:
        def report(o: moderation.Outcome) -> str:
            skipped = f" {o.skipped} already deleted." if o.skipped else ""
            flags = plural(o.flags_resolved, "flag")
            return f"Deleted {plural(o.changed, 'comment')} and resolved {flags}.{skipped}"

        return self._moderate(
            request, queryset, action="delete_comments", title="Delete comments",
            button="Delete", reason_required=True, service=moderation.comments_soft_delete,
            report=report,
        )  # fmt: skip

    @admin.action(description="Restore selected comments…", permissions=["change"])
    def restore_comments(self, request: HttpRequest, queryset: QuerySet[Comment]) -> Any:
        def report(o: moderation.Outcome) -> str:
            skipped = (
                f" {o.skipped} not deleted by a moderator were left as they were."
                if o.skipped
                else ""
            )
            return f"Restored {plural(o.changed, 'comment')}.{skipped}"

        return self._moderate(
            request, queryset, action="restore_comments", title="Restore comments",
            button="Restore", reason_required=False, service=moderation.comments_restore,
            report=report,
        )  # fmt: skip

    # The review queue.

    def get_urls(self) -> list[URLPattern]:
        queue = path(
            "review-queue/",
            self.admin_site.admin_view(self.review_queue_view),
            name="annotations_comment_review_queue",
        )
        return [queue, *super().get_urls()]

    def changelist_view(
        self, request: HttpRequest, extra_context: dict[str, Any] | None = None
    ) -> HttpResponse:
        context = {"open_flag_total": moderation.open_flags().count(), **(extra_context or {})}
        return super().changelist_view(request, context)

    def review_queue_view(self, request: HttpRequest) -> HttpResponse:
        """Flagged comments, most flagged first, each with its flags and two ways to settle it."""
        if not self.has_change_permission(request):
            raise PermissionDenied
        if request.method == "POST":
            return self._settle(request)
        page = Paginator(moderation.review_queue(), 25).get_page(request.GET.get("page"))
        for comment in page:
            comment.place = comment_place(comment)  # type: ignore[attr-defined]
            comment.site_url = moderation.comment_site_url(comment)  # type: ignore[attr-defined]
        context = {
            **self.admin_site.each_context(request),
            "title": "Review queue",
            "opts": self.model._meta,
            "app_label": self.model._meta.app_label,
            "page": page,
            "open_flag_total": moderation.open_flags().count(),
            "reason_max_length": moderation.REASON_MAX_LENGTH,
        }
        return TemplateResponse(request, "admin/annotations/comment/review_queue.html", context)

    def _settle(self, request: HttpRequest) -> HttpResponse:
        pk = request.POST.get("comment", "")
        if not pk.isdigit():
            return HttpResponseBadRequest("Which comment?")
        comment = get_object_or_404(Comment.objects.select_related("document"), pk=pk)
        match request.POST.get("do"):
            case "hide":
                try:
                    resolved = moderation.flags_resolve_by_hiding(
                        comment=comment,
                        moderator=staff(request),
                        reason=request.POST.get("reason", ""),
                    )
                except ValidationError as error:
                    self.message_user(
                        request,
                        f"Comment {comment.pk} was not hidden: {' '.join(error.messages)}",
                        messages.ERROR,
                    )
                else:
                    self.message_user(
                        request,
                        f"Hid comment {comment.pk} and resolved {plural(resolved, 'flag')}.",
                        messages.SUCCESS,
                    )
            case "dismiss":
                dismissed = moderation.flags_dismiss(comment=comment, moderator=staff(request))
                self.message_user(
                    request,
                    f"Dismissed {plural(dismissed, 'flag')} on comment {comment.pk}.",
                    messages.SUCCESS,
                )
            case _:
                return HttpResponseBadRequest("Hide or dismiss?")
        return HttpResponseRedirect(request.get_full_path())


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

    @admin.display(description="comment")
    def comment_excerpt(self, flag: Flag) -> str:
        url = reverse("admin:annotations_comment_change", args=[flag.comment_id])
        return format_html('<a href="{}">{}</a>', url, excerpt(flag.comment.body, 60) or "(empty)")

    @admin.display(description="flagged by")
    def flagged_by(self, flag: Flag) -> str:
        return member_link(flag.flagger)

    @admin.display(description="resolved by")
    def resolver(self, flag: Flag) -> str:
        return member_link(flag.resolved_by)

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

    def get_queryset(self, request: HttpRequest) -> QuerySet[Highlight]:
        highlights = super().get_queryset(request).select_related("author", "document")
        return highlights.filter(highlights_in_admin(request.user))

    @admin.display(description="treaty")
    def treaty(self, highlight: Highlight) -> str:
        return str(highlight.document)

    @admin.display(description="author")
    def author_link(self, highlight: Highlight) -> str:
        return member_link(highlight.author)

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
