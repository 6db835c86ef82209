"""Members and their suspensions, as moderators see them in the admin.

``Member`` is a proxy of auth.User that shows no password, permissions, groups or staff
status; the stock UserAdmin stays for superusers. Suspending and lifting go through
``annotations.moderation``, which logs who did it, when and why.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.db.models import F, Prefetch, QuerySet
from django.http import HttpRequest
from django.utils.html import format_html

from annotations.models import Member, Suspension
from annotations.moderation import services as moderation
from annotations.moderation.admin_tools import (
    ReviewOnlyAdmin,
    SuspendedFilter,
    SuspendForm,
    SuspensionStateFilter,
    changelist_url,
    confirm_action,
    member_link,
    plural,
    staff,
    suspension_state,
)


class SuspensionColumns:
    """The columns a suspension shows wherever the admin lists it."""

    @admin.display(description="state")
    def state(self, suspension: Suspension) -> str:
        return suspension_state(suspension)

    @admin.display(description="suspended by")
    def suspended_by(self, suspension: Suspension) -> str:
        return member_link(suspension.created_by)

    @admin.display(description="lifted by")
    def lifter(self, suspension: Suspension) -> str:
        return member_link(suspension.lifted_by)


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
    fields = ["username", "email", "date_joined", "last_login", "suspension", "activity"]
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
            '<a href="{}">Comments</a> · <a href="{}">Flags raised</a>',
            changelist_url("comment", author__id__exact=member.pk),
            changelist_url("flag", flagger__id__exact=member.pk),
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


@admin.register(Suspension)
class SuspensionAdmin(SuspensionColumns, admin.ModelAdmin):
    list_display = ["user", "state", "starts_at", "ends_at", "reason", "created_by", "lifted_at"]
    list_filter = [SuspensionStateFilter, "starts_at"]
    list_select_related = ["user", "created_by", "lifted_by"]
    search_fields = ["user__username", "reason"]
    actions = ["lift_suspensions"]

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
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def save_model(self, request: HttpRequest, obj: Suspension, form: Any, change: bool) -> None:
        if not change:
            obj.created_by = staff(request)
        super().save_model(request, obj, form, change)

    def log_addition(self, request: HttpRequest, obj: Suspension, message: Any) -> Any:
        return super().log_addition(
            request, obj, f"Suspended {obj.user} {obj.until_text}. Reason: {obj.reason}"
        )

    def log_change(self, request: HttpRequest, obj: Suspension, message: Any) -> Any:
        return super().log_change(
            request, obj, f"Changed: {obj.user} suspended {obj.until_text}. Reason: {obj.reason}"
        )

    @admin.display(description="member")
    def member(self, suspension: Suspension) -> str:
        return member_link(suspension.user)

    @admin.action(description="Lift these members’ suspensions", permissions=["change"])
    def lift_suspensions(self, request: HttpRequest, queryset: QuerySet[Suspension]) -> None:
        users = Member.objects.filter(pk__in=queryset.values("user_id"))
        freed = moderation.members_lift_suspension(users=users, moderator=staff(request))
        self.message_user(request, f"Lifted the suspension of {plural(freed, 'member')}.")
