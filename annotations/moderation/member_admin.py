"""Members and their suspensions, as moderators see them in the admin.

``Member`` is a proxy of auth.User that shows no password, permissions, groups or staff
status; the stock UserAdmin stays for superusers. Suspending and lifting go through
``annotations.moderation``, which logs who did it, when and why.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.contrib.admin.widgets import AutocompleteSelect
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db import transaction
from django.db.models import F, Prefetch, Q, QuerySet
from django.http import HttpRequest, JsonResponse
from django.urls import URLPattern, path, reverse
from django.utils.html import format_html

from annotations.models import Member, Suspension
from annotations.moderation import queue
from annotations.moderation import services as moderation
from annotations.moderation.admin_tools import (
    ReviewOnlyAdmin,
    SuspendedFilter,
    SuspendForm,
    SuspensionStateFilter,
    changelist_url,
    confirm_action,
    member_column,
    plural,
    staff,
    suspension_state,
)


class SuspensionColumns:
    """The columns a suspension shows wherever the admin lists it."""

    @admin.display(description="state")
    def state(self, suspension: Suspension) -> str:
        return suspension_state(suspension)

    suspended_by = member_column("created_by", "suspended by")
    lifter = member_column("lifted_by", "lifted by")


SUSPENSION_INLINE_FIELDS = (
    "starts_at", "ends_at", "reason", "suspended_by", "state", "lifted_at", "lifter"
)  # fmt: skip


class SuspensionInline(SuspensionColumns, admin.TabularInline):
    model = Suspension
    fk_name = "user"
    fields = readonly_fields = SUSPENSION_INLINE_FIELDS
    extra = 0
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def get_queryset(self, request: HttpRequest) -> QuerySet[Suspension]:
        return super().get_queryset(request).select_related("created_by", "lifted_by")


@admin.register(Member)
class MemberAdmin(ReviewOnlyAdmin):
    """Members as moderators see them: no password, permissions or staff status here."""

    list_display = ["username", "email", "date_joined", "last_login", "suspension", "activity"]
    list_filter = [SuspendedFilter, "date_joined"]
    search_fields = ["username", "email"]
    ordering = ["username"]
    fields = [
        "username", "email", "date_joined", "last_login", "suspension", "record", "activity"
    ]  # fmt: skip
    inlines = [SuspensionInline]
    actions = ["suspend_members", "lift_suspensions"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Member]:
        current = Suspension.objects.active().order_by(F("ends_at").desc(nulls_first=True))
        return (
            super()
            .get_queryset(request)
            .prefetch_related(Prefetch("suspensions", queryset=current, to_attr="current"))
        )

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # superusers remove accounts in Users, not here

    def has_suspend_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm("annotations.add_suspension")

    def has_lift_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm("annotations.change_suspension")

    @admin.display(description="suspension")
    def suspension(self, member: Member) -> str:
        current = getattr(member, "current", None)
        if current is None:
            current = list(Suspension.objects.active().filter(user=member))
        return f"Suspended {current[0].until_text}" if current else "—"

    @admin.display(description="activity")
    def activity(self, member: Member) -> str:
        return format_html(
            '<a href="{}">Comments</a> · <a href="{}">Flags against them</a> · '
            '<a href="{}">Flags raised</a>',
            changelist_url("comment", author__id__exact=member.pk),
            changelist_url("flag", comment__author__id__exact=member.pk),
            changelist_url("flag", flagger__id__exact=member.pk),
        )

    @admin.display(description="record")
    def record(self, member: Member) -> str:
        """Their history in numbers, as the review queue shows it beside their comments."""
        found = queue.records([member.pk]).get(member.pk)
        if found is None:
            return "—"
        hidden = f" ({found.hidden} hidden)" if found.hidden else ""
        now = ", suspended now" if found.suspended_now else ""
        return (
            f"{plural(found.comments, 'comment')}{hidden} · "
            f"{plural(found.flags_against, 'flag')} against them · "
            f"{plural(found.suspensions, 'suspension')}{now}"
        )

    @admin.action(description="Suspend selected members…", permissions=["suspend"])
    def suspend_members(self, request: HttpRequest, queryset: QuerySet[Member]) -> Any:
        form = SuspendForm(request.POST if request.POST.get("confirm") else None)

        def apply(cleaned: dict[str, Any]) -> str:
            suspensions = moderation.members_suspend(
                users=queryset,
                moderator=staff(request),
                period=cleaned["period"],
                reason=cleaned["reason"],
            )
            until = suspensions[0].until_text if suspensions else ""
            return f"Suspended {plural(len(suspensions), 'member')} {until}."

        return confirm_action(
            self, request, queryset, action="suspend_members", title="Suspend members",
            button="Suspend", form=form, apply=apply,
        )  # fmt: skip

    @admin.action(description="Lift selected members’ suspensions", permissions=["lift"])
    def lift_suspensions(self, request: HttpRequest, queryset: QuerySet[Member]) -> None:
        freed = moderation.members_lift_suspension(users=queryset, moderator=staff(request))
        self.message_user(request, f"Lifted the suspension of {plural(freed, 'member')}.")


# Suspending someone by name ----------------------------------------------------------------

STAFF_REFUSED = "Staff (moderators and superusers) cannot be suspended. Nothing was changed."
SEARCH_RESULTS = 20


class MemberSearch(AutocompleteSelect):
    """The admin's autocomplete box, asking Members: moderators cannot open Users, where the
    stock autocomplete would look."""

    def get_url(self) -> str:
        return reverse("admin:annotations_suspension_member_search")


class SuspensionForm(forms.ModelForm):
    class Meta:
        model = Suspension
        fields = ["user", "reason", "starts_at", "ends_at"]

    def clean_user(self) -> Any:
        user = self.cleaned_data["user"]
        if user is not None and (user.is_staff or user.is_superuser):
            raise ValidationError(STAFF_REFUSED)
        return user


def members_matching(term: str, *, moderator: Any) -> QuerySet[Member]:
    """Members a moderator may suspend whose name or email contains ``term``; none for an
    empty term: the box lists no one until something is typed."""
    term = term.strip()
    if not term:
        return Member.objects.none()
    found = Q(username__icontains=term) | Q(email__icontains=term)
    found |= Q(first_name__icontains=term) | Q(last_name__icontains=term)
    return (
        Member.objects.filter(found, is_active=True, is_staff=False, is_superuser=False)
        .exclude(pk=moderator.pk)
        .order_by("username")
    )


@admin.register(Suspension)
class SuspensionAdmin(SuspensionColumns, admin.ModelAdmin):
    list_display = ["user", "state", "starts_at", "ends_at", "reason", "created_by", "lifted_at"]
    list_filter = [SuspensionStateFilter, "starts_at"]
    list_select_related = ["user", "created_by", "lifted_by"]
    search_fields = ["user__username", "reason"]
    actions = ["lift_suspensions"]
    form = SuspensionForm
    member = member_column("user", "member")

    def get_urls(self) -> list[URLPattern]:
        view = self.admin_site.admin_view(self.member_search_view)
        search = path("member-search/", view, name="annotations_suspension_member_search")
        return [search, *super().get_urls()]

    def member_search_view(self, request: HttpRequest) -> JsonResponse:
        """Members by name or email, for the autocomplete box (select2's JSON)."""
        if not self.has_add_permission(request):
            raise PermissionDenied
        members = members_matching(request.GET.get("term", ""), moderator=staff(request))
        page = Paginator(members, SEARCH_RESULTS).get_page(request.GET.get("page"))
        results = [
            {"id": str(m.pk), "text": f"{m.username} ({m.email or 'no email'})"} for m in page
        ]
        return JsonResponse({"results": results, "pagination": {"more": page.has_next()}})

    def get_fields(self, request: HttpRequest, obj: Any = None) -> tuple[str, ...]:
        if obj is None:
            return ("user", "reason", "starts_at", "ends_at")
        return (
            "member",
            "state",
            "reason",
            "starts_at",
            "ends_at",
            "suspended_by",
            "lifted_at",
            "lifter",
        )

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        if obj is None:
            return []
        return ["member", "state", "starts_at", "suspended_by", "lifted_at", "lifter"]

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # a suspension is lifted, never erased: it is the member's record

    def formfield_for_foreignkey(self, db_field: Any, request: HttpRequest, **kwargs: Any) -> Any:
        if db_field.name == "user":
            kwargs["queryset"] = (
                Member.objects.filter(is_superuser=False)
                .exclude(pk=staff(request).pk)
                .order_by("username")
            )
            kwargs["widget"] = MemberSearch(db_field, self.admin_site)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def save_model(self, request: HttpRequest, obj: Suspension, form: Any, change: bool) -> None:
        if not change:
            obj.created_by = staff(request)
        with transaction.atomic():
            super().save_model(request, obj, form, change)
            moderation.every_page().page_changed()  # the member's banner, on every page

    def log_addition(self, request: HttpRequest, obj: Suspension, message: Any) -> Any:
        return super().log_addition(
            request, obj, f"Suspended {obj.user} {obj.until_text}. Reason: {obj.reason}"
        )

    def log_change(self, request: HttpRequest, obj: Suspension, message: Any) -> Any:
        return super().log_change(
            request, obj, f"Changed: {obj.user} suspended {obj.until_text}. Reason: {obj.reason}"
        )

    @admin.action(description="Lift these members’ suspensions", permissions=["change"])
    def lift_suspensions(self, request: HttpRequest, queryset: QuerySet[Suspension]) -> None:
        users = Member.objects.filter(pk__in=queryset.values("user_id"))
        freed = moderation.members_lift_suspension(users=users, moderator=staff(request))
        self.message_user(request, f"Lifted the suspension of {plural(freed, 'member')}.")
