"""Pieces the moderation admin is built from: list filters, reason forms, confirmation pages.

Kept apart from ``admin.py`` and ``member_admin.py`` so those read as what moderators see.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Exists, OuterRef, QuerySet
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.http import urlencode
from django.utils.text import Truncator

from annotations.models import Comment, Flag, Suspension, SuspensionQuerySet
from annotations.moderation.services import REASON_MAX_LENGTH, SuspensionPeriod
from treaty_reader.models import Article, Division
from treaty_reader.numerals import to_roman

ARTICLE_KEY = re.compile(r"article-(\d+)-")
DIVISION_LABELS = dict(Division.Kind.choices)
NO_SAVE = {"show_save": False, "show_save_and_continue": False, "show_save_and_add_another": False}


def changelist_url(model_name: str, **params: str | int) -> str:
    url = reverse(f"admin:annotations_{model_name}_changelist")
    return f"{url}?{urlencode(params)}" if params else url


def staff(request: HttpRequest) -> User:
    """The staff member acting: the admin lets only signed-in staff this far."""
    if not isinstance(request.user, User):
        raise PermissionDenied
    return request.user


def member_link(user: Any) -> str:
    """A person, linked to their page in Members: moderators cannot open Users."""
    if user is None:
        return "—"
    url = reverse("admin:annotations_member_change", args=[user.pk])
    return format_html('<a href="{}">{}</a>', url, user.get_username())


def member_column(field: str, description: str) -> Callable[[Any, Any], str]:
    """An admin column (or read-only field) showing the person in the row's ``field``, linked
    as ``member_link`` does: every "flagged by", "hidden by", "lifted by" is this one."""

    @admin.display(description=description)
    def column(model_admin: Any, row: Any) -> str:
        return member_link(getattr(row, field))

    return column


def plural(count: int, noun: str) -> str:
    return f"{count} {noun}{'' if count == 1 else 's'}"


class ReviewOnlyAdmin(admin.ModelAdmin):
    """Objects that change only through moderation actions: the form shows them, never edits."""

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        return self.get_fields(request, obj)

    def change_view(
        self,
        request: HttpRequest,
        object_id: str,
        form_url: str = "",
        extra_context: dict[str, Any] | None = None,
    ) -> HttpResponse:
        return super().change_view(
            request, object_id, form_url, {**NO_SAVE, **(extra_context or {})}
        )


# Where a comment is ------------------------------------------------------------------------


def place_label(start_key: str) -> str:
    """The part of the treaty a clause key names: "article-7-para-1" is "Article VII"."""
    match = ARTICLE_KEY.match(start_key)
    if match:
        return f"Article {to_roman(int(match[1]))}"
    kind = start_key.split("-", 1)[0]
    return DIVISION_LABELS.get(kind, start_key)


def comment_place(comment: Comment) -> str:
    """ "Discussion", or the article and the quote the comment is attached to.

    A private highlight's quote is left out: private highlights are never sent to anyone else,
    moderators included.
    """
    highlight = comment.highlight
    if highlight is None:
        return "Discussion"
    where = place_label(highlight.start_key)
    if highlight.is_orphaned:
        where += " (orphaned)"
    if not highlight.is_public:
        return f"{where}, on a private highlight"
    return f"{where}: “{Truncator(highlight.exact).chars(60)}”"


# List filters -----------------------------------------------------------------------------


class CommentStatusFilter(admin.SimpleListFilter):
    title = "status"
    parameter_name = "status"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        return [("visible", "Visible"), ("hidden", "Hidden"), ("deleted", "Deleted")]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Comment]) -> QuerySet[Comment]:
        match self.value():
            case "visible":
                return queryset.filter(hidden_at__isnull=True, deleted_at__isnull=True)
            case "hidden":
                return queryset.filter(hidden_at__isnull=False, deleted_at__isnull=True)
            case "deleted":
                return queryset.filter(deleted_at__isnull=False)
        return queryset


def has_open_flags() -> Exists:
    return Exists(Flag.objects.filter(comment=OuterRef("pk"), resolved_at__isnull=True))


class FlaggedFilter(admin.SimpleListFilter):
    title = "open flags"
    parameter_name = "flagged"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        return [("yes", "Flagged"), ("no", "Not flagged")]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Comment]) -> QuerySet[Comment]:
        match self.value():
            case "yes":
                return queryset.filter(has_open_flags())
            case "no":
                return queryset.filter(~has_open_flags())
        return queryset


class PlaceFilter(admin.SimpleListFilter):
    """Where in the treaty: the document's discussion, or a part or article of its text."""

    title = "place"
    parameter_name = "place"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        numbers = Article.objects.order_by("number").values_list("number", flat=True).distinct()
        return [
            ("discussion", "Discussion"),
            ("preamble", DIVISION_LABELS["preamble"]),
            ("plenipotentiaries", DIVISION_LABELS["plenipotentiaries"]),
            *((str(n), f"Article {to_roman(n)}") for n in numbers),
            ("closing", DIVISION_LABELS["closing"]),
        ]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Comment]) -> QuerySet[Comment]:
        value = self.value()
        if not value:
            return queryset
        if value == "discussion":
            return queryset.filter(highlight__isnull=True)
        prefix = f"article-{value}-" if value.isdigit() else f"{value}-"
        return queryset.filter(highlight__start_key__startswith=prefix)


class FlagStateFilter(admin.SimpleListFilter):
    title = "state"
    parameter_name = "state"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        return [("open", "Open"), ("resolved", "Resolved")]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Flag]) -> QuerySet[Flag]:
        match self.value():
            case "open":
                return queryset.filter(resolved_at__isnull=True)
            case "resolved":
                return queryset.filter(resolved_at__isnull=False)
        return queryset


class SuspendedFilter(admin.SimpleListFilter):
    title = "suspended"
    parameter_name = "suspended"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        return [("yes", "Suspended now"), ("no", "Not suspended")]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> QuerySet[Any]:
        active = Suspension.objects.active().values("user_id")
        match self.value():
            case "yes":
                return queryset.filter(pk__in=active)
            case "no":
                return queryset.exclude(pk__in=active)
        return queryset


class SuspensionStateFilter(admin.SimpleListFilter):
    title = "state"
    parameter_name = "state"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        return [("active", "Active now"), ("lifted", "Lifted")]

    def queryset(  # type: ignore[override]  # the admin passes this model's own queryset
        self, request: HttpRequest, queryset: SuspensionQuerySet
    ) -> QuerySet[Suspension]:
        match self.value():
            case "active":
                return queryset.active()
            case "lifted":
                return queryset.filter(lifted_at__isnull=False)
        return queryset


def suspension_state(suspension: Suspension) -> str:
    now = timezone.now()
    if suspension.lifted_at is not None:
        return "Lifted"
    if suspension.ends_at is not None and suspension.ends_at <= now:
        return "Ended"
    if suspension.starts_at > now:
        return "Scheduled"
    return "Active"


# Confirmation pages for actions -----------------------------------------------------------


class ReasonForm(forms.Form):
    reason = forms.CharField(
        max_length=REASON_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 3, "cols": 60}),
        help_text="Recorded with the action, in the history of each object.",
    )

    def __init__(self, *args: Any, required: bool = True, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["reason"].required = required
        if not required:
            self.fields["reason"].label = "Reason (optional)"


class SuspendForm(ReasonForm):
    period = forms.ChoiceField(
        choices=SuspensionPeriod.choices,
        widget=forms.RadioSelect,
        initial=SuspensionPeriod.DAY,
        label="For how long",
    )
    field_order = ["period", "reason"]


def confirm_action(
    model_admin: admin.ModelAdmin,
    request: HttpRequest,
    queryset: QuerySet[Any],
    *,
    action: str,
    title: str,
    button: str,
    form: forms.Form,
    apply: Callable[[dict[str, Any]], str],
    describe: Callable[[Any], str] = str,
) -> HttpResponse | None:
    """The admin's intermediate page: ask for a reason, then apply and report.

    ``form`` is bound when the page was submitted. ``apply`` receives its cleaned data and
    returns the message for the moderator; a ``ValidationError`` shows on the page.
    """
    if request.POST.get("confirm") and form.is_valid():
        try:
            message = apply(form.cleaned_data)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            model_admin.message_user(request, message, messages.SUCCESS)
            return None  # back to the change list
    opts = model_admin.model._meta
    count = queryset.count()
    context = {
        **model_admin.admin_site.each_context(request),
        "title": title,
        "button": button,
        "opts": opts,
        "app_label": opts.app_label,
        "objects": [describe(obj) for obj in queryset[:20]],
        "count": count,
        "more": max(count - 20, 0),
        "form": form,
        "action": action,
        "selected": request.POST.getlist(ACTION_CHECKBOX_NAME),
        "select_across": request.POST.get("select_across", "0"),
        "action_checkbox_name": ACTION_CHECKBOX_NAME,
        "media": model_admin.media + form.media,
    }
    return TemplateResponse(request, "admin/annotations/action_confirmation.html", context)
