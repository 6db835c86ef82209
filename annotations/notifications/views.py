"""Notifications: the page, marking read, watching, @ suggestions, the live-update poll,
email settings and the one-click unsubscribe."""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Callable

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.models import User
from django.core import signing
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import Http404, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from annotations.models import Comment, Highlight, Notification, readable
from annotations.notifications import badge, entries, mentions, preferences, services, watching
from annotations.notifications import seen as seen_module
from annotations.notifications.forms import SettingsForm
from annotations.notifications.unsubscribing import member_of
from annotations.permissions import highlights_visible_to, login_redirect, may_see_highlight
from treaty_reader.http import AuthenticatedHttpRequest, HtmxHttpRequest, posted_back, problem
from treaty_reader.models import Article, Document

PAGE_SIZE = 30


def signed_in_post(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """POST by a signed-in member. Unlike ``member_write``, a suspended member may still
    mark their notifications read and choose what they watch: it changes nothing others see."""

    @require_POST
    @functools.wraps(view)
    def wrapper(request: HtmxHttpRequest, *args: object, **kwargs: object) -> HttpResponse:
        if not request.user.is_authenticated:
            return login_redirect(request)
        return view(request, *args, **kwargs)

    return wrapper


# The page -------------------------------------------------------------------------------


@require_safe
@login_required
def notifications_page(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Every notification the member may still read, newest first; unread ones marked."""
    found = entries.with_context(badge.notifications_for(request.user))
    page = Paginator(found, PAGE_SIZE).get_page(request.GET.get("page"))
    context = {
        "page": page,
        "entries": entries.entries(list(page)),
        # Where a correction's review (confirm, delete) brings the member back to.
        "back": request.get_full_path(),
    }
    return render(request, "annotations/notifications/notifications.html", context)


@signed_in_post
def notification_read(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """Mark one read. Someone else's, or none: 404, and nothing changes."""
    try:
        notification = services.notification_mark_read(user=request.user, pk=pk)
    except Notification.DoesNotExist:
        return problem(request, "You have no such notification.", status=404)
    if not request.htmx:
        return HttpResponseRedirect(posted_back(request, reverse("annotations:notifications")))
    found = entries.with_context(Notification.objects.filter(pk=notification.pk))
    context = {"entries": entries.entries(list(found))}
    return render(request, "annotations/notifications/notifications.html#read", context)


@signed_in_post
def notifications_read_all(request: AuthenticatedHttpRequest) -> HttpResponse:
    count = services.notifications_mark_all_read(user=request.user)
    messages.success(
        request,
        f"Marked {count} notification{'s' if count != 1 else ''} read."
        if count
        else "Nothing was unread.",
    )
    return HttpResponseRedirect(reverse("annotations:notifications"))


@require_safe
def replies_moved(request: HtmxHttpRequest) -> HttpResponse:
    """The Replies page became the notifications page."""
    return HttpResponseRedirect(reverse("annotations:notifications"))


# Watching -------------------------------------------------------------------------------


def _watch_target(request: HtmxHttpRequest) -> dict[str, object]:
    """What the request names: a document and at most one of an Article, a highlight or a
    discussion thread; 404 for what does not exist or this member may not see."""
    data = request.GET  # the form posts to the button's own address
    document = get_object_or_404(Document, slug=data.get("document", ""))
    target: dict[str, object] = {"document": document}

    def number(name: str) -> int | None:
        value = data.get(name, "")
        if not value:
            return None
        if not value.isdigit():
            raise Http404(f"No such {name}.")
        return int(value)

    if (pk := number("highlight")) is not None:
        highlight = Highlight.objects.filter(pk=pk, document=document).first()
        if highlight is None or not may_see_highlight(highlight, request.user):
            raise Http404("No such highlight.")
        target["highlight"] = highlight
    if (pk := number("article")) is not None:
        target["article"] = get_object_or_404(Article, pk=pk, document=document)
    if (pk := number("comment")) is not None:
        target["comment"] = get_object_or_404(
            Comment, readable(), pk=pk, document=document, highlight__isnull=True
        )
    return target


def _watch_query(target: dict[str, object]) -> str:
    parts = [f"document={target['document'].slug}"]  # type: ignore[attr-defined]
    parts += [f"{k}={v.pk}" for k, v in target.items() if k != "document"]  # type: ignore[attr-defined]
    return "&".join(parts)


@require_http_methods(["GET", "POST"])
def watch(request: HtmxHttpRequest) -> HttpResponse:
    """The watch button for one thing (GET: loaded into cached pages, so each member sees
    their own), and pressing it (POST ``watching=1`` or ``0``)."""
    target = _watch_target(request)
    if request.method == "POST":
        if not request.user.is_authenticated:
            return login_redirect(request)
        wanted = request.POST.get("watching")
        if wanted not in {"0", "1"}:
            return problem(request, "Say whether to watch (1) or stop (0).", status=400)
        try:
            watching.watch_set(user=request.user, watching=wanted == "1", **target)  # type: ignore[arg-type]
        except (PermissionDenied, ValidationError) as exc:
            message = exc.messages[0] if isinstance(exc, ValidationError) else str(exc)
            return problem(
                request, message, status=404 if isinstance(exc, PermissionDenied) else 400
            )
        if not request.htmx:
            return HttpResponseRedirect(posted_back(request, reverse("annotations:notifications")))
    context = {
        "target": target,
        "query": _watch_query(target),
        "watching": request.user.is_authenticated
        and watching.watching(user=request.user, **target),  # type: ignore[arg-type]
        "label": _watch_label(target),
    }
    template = "annotations/notifications/watch.html"
    return render(request, template + "#button" if request.htmx else template, context)


def _watch_label(target: dict[str, object]) -> str:
    if "highlight" in target:
        return "this highlight’s thread"
    if "comment" in target:
        return "this thread"
    if "article" in target:
        return f"Article {target['article'].roman}"  # type: ignore[attr-defined]
    return "the whole discussion"


# @mentions ------------------------------------------------------------------------------


@require_safe
def mention_suggestions(request: HtmxHttpRequest) -> HttpResponse:
    """Members whose names start with ``q``, as a listbox for the composer: names only."""
    if not request.user.is_authenticated:
        return problem(request, "Sign in to mention members.", status=403)
    prefix = request.GET.get("q", "").lstrip("@")[:150]
    found = list(mentions.suggestions(prefix)) if prefix else []
    return render(
        request,
        "annotations/notifications/suggestions.html",
        {"members": found, "listbox": request.GET.get("listbox", "mention-list")[:80]},
    )


# Live updates ---------------------------------------------------------------------------


@require_safe
def live(request: HtmxHttpRequest, slug: str) -> HttpResponse:
    """The poll pages make every 15 seconds while visible. Nothing changed on the document
    since the page's stamp: 204, from one query and no rendering. Otherwise the comments
    others wrote since the page was made, counted, as a notice with a fresh stamp."""
    document = Document.objects.for_page(slug)
    if request.GET.get("stamp") == document.cache_stamp:
        return HttpResponse(status=204)
    try:
        since = dt.datetime.fromtimestamp(float(request.GET.get("since", "")), tz=dt.UTC)
    except (ValueError, OverflowError, OSError):
        return problem(request, "The page’s time (since) is missing or not a number.", status=400)
    # Imported forum replies carry made-up times; they are never news.
    new = Comment.objects.filter(
        readable(), document=document, created_at__gt=since, is_imported=False
    )
    new = new.filter(highlights_visible_to(request.user, "highlight__") | Q(highlight__isnull=True))
    scope = request.GET.get("scope", "page")
    highlight_pk = request.GET.get("highlight", "")
    if highlight_pk.isdigit():
        new = new.filter(highlight_id=int(highlight_pk))
        scope = "highlight"
    elif scope == "discussion":
        new = new.filter(highlight__isnull=True)
    if request.user.is_authenticated:
        new = new.exclude(author=request.user)
    context = {
        "document": document,
        "count": new.count(),
        "since": request.GET["since"],
        "stamp": document.cache_stamp,
        "scope": scope,
        "highlight_pk": highlight_pk if scope == "highlight" else "",
        "show_url": request.GET.get("show", "")
        if url_has_allowed_host_and_scheme(request.GET.get("show", ""), None)
        else document.get_absolute_url(),
    }
    return render(request, "annotations/notifications/live.html#response", context)


# Settings and unsubscribing -------------------------------------------------------------


@require_http_methods(["GET", "POST"])
@login_required
def notification_settings(request: AuthenticatedHttpRequest) -> HttpResponse:
    """How often to be emailed (never, unless the member chooses), and whether commenting on
    a thread watches it."""
    current = preferences.member_settings(request.user)
    initial = {"email": current.email, "watch_on_comment": current.watch_on_comment}
    form = SettingsForm(request.POST if request.method == "POST" else None, initial=initial)
    if form.is_bound and form.is_valid():
        preferences.member_settings_update(user=request.user, **form.cleaned_data)
        messages.success(request, "Your notification settings are saved.")
        return HttpResponseRedirect(reverse("annotations:notification_settings"))
    status = 422 if form.is_bound else 200
    return render(request, "annotations/notifications/settings.html", {"form": form}, status=status)


@csrf_exempt  # the signed token is the proof; mail clients POST here without a cookie
@require_http_methods(["GET", "POST"])
def unsubscribe(request: HtmxHttpRequest, token: str) -> HttpResponse:
    """One click, no sign-in: GET shows a button (link checkers must not unsubscribe
    anyone), POST (the button, or a mail client's List-Unsubscribe-Post) stops all mail."""
    try:
        pk = member_of(token)
        member = User.objects.get(pk=pk, is_active=True)
    except (signing.BadSignature, User.DoesNotExist, TypeError, ValueError):
        return problem(
            request,
            "This unsubscribe link is not valid: it may have been cut short. Sign in and "
            "choose “Never” on your notification settings page instead.",
            status=400,
            title="Not a valid link",
        )
    done = request.method == "POST"
    if done:
        preferences.email_unsubscribe(user=member)
    context = {"done": done, "name": member.get_username(), "at": timezone.now()}
    return render(request, "annotations/notifications/unsubscribe.html", context)


# New since your last visit -------------------------------------------------------------


@signed_in_post
def seen(request: AuthenticatedHttpRequest, slug: str) -> HttpResponse:
    """Pages post here as they show a document (``thread=page``) or a thread (``discussion``,
    ``highlight-<pk>``): the visit is recorded, and the answer says what is new since the one
    before: for the page, the passages with comments not seen; for a thread, since when."""
    document = Document.objects.for_page(slug)
    thread = request.GET.get("thread", "")
    if thread.startswith("highlight-") and thread[len("highlight-") :].isdigit():
        pk = int(thread[len("highlight-") :])
        highlight = Highlight.objects.filter(pk=pk, document=document).first()
        if highlight is None or not may_see_highlight(highlight, request.user):
            return problem(request, "No such highlight.", status=404)
    elif thread not in {seen_module.PAGE, seen_module.DISCUSSION}:
        return problem(request, "Say which thread was seen.", status=400)
    context: dict[str, object] = {"document": document, "thread": thread}
    if thread == seen_module.PAGE:
        context["passages"] = seen_module.unseen_passages(user=request.user, document=document)
    context["before"] = seen_module.visit(user=request.user, document=document, thread=thread)
    if not request.htmx:
        return HttpResponseRedirect(document.get_absolute_url())
    return render(request, "annotations/notifications/seen.html", context)
