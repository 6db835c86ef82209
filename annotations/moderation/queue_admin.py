"""The review queue page in the admin: flagged comments and new members' waiting ones, each
with its context and one-click acts, bulk acts over a selection, and keyboard shortcuts
(``static/js/review-queue.js``). What it reads and how acts are checked is in ``queue``.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import (
    Http404,
    HttpRequest,
    HttpResponse,
    HttpResponseBadRequest,
    HttpResponseRedirect,
)
from django.template.response import TemplateResponse
from django.urls import URLPattern, path, reverse

from annotations.models import Comment
from annotations.moderation import queue
from annotations.moderation import services as moderation
from annotations.moderation.admin_tools import changelist_url, comment_place, plural, staff


def _seen_flags(request: HttpRequest, pks: list[int]) -> dict[int, set[int]]:
    """The open flags the page showed for each comment (``flags-<pk>``: ids, comma-separated).
    A comment without them (an older page, a script) is checked only for open flags."""
    seen: dict[int, set[int]] = {}
    for pk in pks:
        raw = request.POST.get(f"flags-{pk}")
        if raw is not None:
            seen[pk] = {int(part) for part in raw.split(",") if part.strip().isdigit()}
    return seen


def _one_or_many(comments: list[Comment], one: str, many: str) -> str:
    return one.format(pk=comments[0].pk) if len(comments) == 1 else many


class ReviewQueueAdmin(admin.ModelAdmin):
    """Adds the review queue to the comments' admin."""

    def get_urls(self) -> list[URLPattern]:
        view = self.admin_site.admin_view(self.review_queue_view)
        queue_url = path("review-queue/", view, name="annotations_comment_review_queue")
        return [queue_url, *super().get_urls()]

    def changelist_view(
        self, request: HttpRequest, extra_context: dict[str, Any] | None = None
    ) -> HttpResponse:
        context = {"open_flag_total": moderation.open_flags().count(), **(extra_context or {})}
        return super().changelist_view(request, context)

    def review_queue_view(self, request: HttpRequest) -> HttpResponse:
        """What waits for a moderator, each item with its context and acts."""
        if not self.has_change_permission(request):
            raise PermissionDenied
        if request.method == "POST":
            return self._act(request)
        page = queue.flagged_page(request.GET.get("page"))
        pending = list(queue.pending_comments()[: queue.PENDING_SHOWN])
        items = [*page, *pending]
        records = queue.records(c.author_id for c in items if c.author_id is not None)
        for comment in items:
            self._dress(comment, records)
        context = {
            **self.admin_site.each_context(request),
            "title": "Review queue",
            "opts": self.model._meta,
            "app_label": self.model._meta.app_label,
            "page": page,
            "pending": pending,
            "pending_total": queue.pending_comments().count(),
            "open_flag_total": moderation.open_flags().count(),
            "reason_max_length": moderation.REASON_MAX_LENGTH,
            "periods": moderation.SuspensionPeriod.choices,
            "may_suspend": request.user.has_perm("annotations.add_suspension"),
        }
        return TemplateResponse(request, "admin/annotations/comment/review_queue.html", context)

    @staticmethod
    def _dress(comment: Comment, records: dict[int, queue.Record]) -> None:
        """What the template shows of a comment, worked out here once."""
        extra: dict[str, Any] = {
            "place": comment_place(comment),
            "site_url": moderation.comment_permalink(comment),
            "flag_ids": ",".join(str(f.pk) for f in getattr(comment, "open_flag_list", [])),
            "record": records.get(comment.author_id) if comment.author_id else None,
        }
        author = comment.author_id
        if author is not None:
            extra["author_url"] = reverse("admin:annotations_member_change", args=[author])
            extra["author_comments_url"] = changelist_url("comment", author__id__exact=author)
            extra["flags_against_url"] = changelist_url("flag", comment__author__id__exact=author)
        comment.queue = extra  # type: ignore[attr-defined]

    # Acting -----------------------------------------------------------------------------------

    def _act(self, request: HttpRequest) -> HttpResponse:
        act = request.POST.get("do", "")
        raw = request.POST.getlist("comment")
        if act not in (*queue.ACTS, "suspend") or not raw or not all(p.isdigit() for p in raw):
            return HttpResponseBadRequest("Which comment, and what to do with it?")
        pks = sorted({int(p) for p in raw})
        comments = list(Comment.objects.filter(pk__in=pks).select_related("author", "document"))
        if len(comments) != len(pks):
            raise Http404("No such comment.")
        if act == "suspend":
            self._suspend(request, comments)
        else:
            self._apply(request, act, comments, _seen_flags(request, pks))
        return HttpResponseRedirect(request.get_full_path())

    def _apply(
        self, request: HttpRequest, act: str, comments: list[Comment], seen: dict[int, set[int]]
    ) -> None:
        try:
            outcome, notes = queue.queue_act(
                act=act, comments=comments, moderator=staff(request),
                reason=request.POST.get("reason", ""), seen_flags=seen,
            )  # fmt: skip
        except queue.AlreadyHandled as handled:
            self.message_user(request, str(handled), messages.WARNING)
            return
        except ValidationError as error:
            done = {"hide": "hidden", "approve": "approved", "reject": "rejected"}.get(act, "done")
            subject = _one_or_many(comments, "Comment {pk} was", "The selected comments were")
            self.message_user(
                request, f"{subject} not {done}: {' '.join(error.messages)}", messages.ERROR
            )
            return
        self.message_user(request, self._report(act, comments, outcome), messages.SUCCESS)
        for note in notes:
            self.message_user(request, note, messages.WARNING)

    @staticmethod
    def _report(act: str, comments: list[Comment], outcome: moderation.Outcome) -> str:
        flags = plural(outcome.flags_resolved, "flag")
        if act == "dismiss":
            where = _one_or_many(comments, "comment {pk}", plural(outcome.changed, "comment"))
            return f"Dismissed {flags} on {where}."
        what = _one_or_many(comments, "comment {pk}", plural(outcome.changed, "comment"))
        if act == "hide":
            return f"Hid {what} and resolved {flags}."
        if act == "approve":
            return f"Approved {what}: everyone can read it now."
        return f"Rejected {what}: it stays hidden, and its author sees why."

    def _suspend(self, request: HttpRequest, comments: list[Comment]) -> None:
        if not request.user.has_perm("annotations.add_suspension"):
            raise PermissionDenied
        if len(comments) != 1:
            self.message_user(request, "Suspend one author at a time.", messages.ERROR)
            return
        comment = comments[0]
        name = comment.author_name
        try:
            suspension = queue.author_suspend(
                comment=comment, moderator=staff(request),
                period=request.POST.get("period", ""), reason=request.POST.get("reason", ""),
            )  # fmt: skip
        except queue.AlreadyHandled as handled:
            self.message_user(request, str(handled), messages.WARNING)
        except ValidationError as error:
            message = f"{name} was not suspended: {' '.join(error.messages)}"
            self.message_user(request, message, messages.ERROR)
        else:
            message = f"Suspended {name} {suspension.until_text}."
            self.message_user(request, message, messages.SUCCESS)
