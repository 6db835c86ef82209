"""Discussion views: comment, reply, quote, edit, delete and like.

HTMX requests get fragments that update the page in place (the new comment, the like
count, the highlight's comment count and the header's unread badge out of band); plain
requests get pages and redirects, so every form works without JavaScript.

Forms swap themselves (``hx-target="this"``): their errors come back as the form, with
status 422 and what was typed. Buttons on a comment aim at its status line, so a refusal
shows there; their successes re-target to what changed.
"""

from __future__ import annotations

import re

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse, HttpResponseRedirect
from django.middleware.csrf import get_token
from django.shortcuts import get_object_or_404, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_safe
from django_htmx.http import reswap, retarget

from annotations.discussion import locations, nodes, services, threads
from annotations.discussion.forms import CommentEditForm, CommentForm
from annotations.discussion.markdown import quote_as_markdown, quoted_from
from annotations.highlights import layer
from annotations.models import Comment, Highlight
from annotations.moderation.context import suspension
from annotations.notifications.badge import unread_notifications
from annotations.permissions import may_see_highlight, member_write, signed_in, write_refusal
from annotations.templatetags.comment_tags import form_place
from treaty_reader.fast_pages import page_document
from treaty_reader.http import AuthenticatedHttpRequest, HtmxHttpRequest, problem
from treaty_reader.models import Document
from treaty_reader.page_cache import cached_page
from treaty_reader.prepared import PreparedQuery
from treaty_reader.ratelimits import limit


def readable_node(request: HtmxHttpRequest, comment: Comment) -> nodes.Node:
    """The comment as this viewer sees it; 404 when only a placeholder is left of it."""
    node = threads.comment_node(comment=comment, user=request.user)
    if node.is_placeholder:
        raise Http404("That comment has been deleted or removed.")
    return node


# Writing a comment or a reply -----------------------------------------------------------


def compose_context(
    *,
    document: Document,
    highlight: Highlight | None,
    parent: Comment | None,
    form: CommentForm | None,
    inline: bool,
) -> dict[str, object]:
    return {
        "document": document,
        "highlight": highlight,
        "parent": parent,
        "parent_name": parent.author_name if parent else "",
        "form": form,
        "inline": inline,
    }


def create(
    request: AuthenticatedHttpRequest, *, document: Document, highlight: Highlight | None
) -> HttpResponse:
    form = CommentForm(request.POST)
    parent = None
    if form.is_valid():
        parent_id = form.cleaned_data["parent"]
        if parent_id:
            parent = Comment.objects.select_related("author").filter(pk=parent_id).first()
            if parent is None:
                form.add_error(None, "The comment you are replying to no longer exists.")
    if form.is_valid():
        try:
            comment = services.comment_create(
                author=request.user,
                document=document,
                highlight=highlight,
                parent=parent,
                body=form.cleaned_data["body"],
            )
        except PermissionDenied as exc:
            return problem(request, str(exc), status=403)
        except ValidationError as exc:
            form.add_error(None, exc)
    if not form.is_valid():
        # A parent from another thread is not shown as "replying to" it.
        same_thread = parent is not None and services.in_thread(parent, document, highlight)
        shown_parent = parent if same_thread else None
        return render_compose(
            request,
            document=document,
            highlight=highlight,
            parent=shown_parent,
            form=form,
            status=422,
        )

    if not request.htmx:
        return HttpResponseRedirect(locations.comment_location(comment))
    return posted(request, comment=comment, document=document, highlight=highlight, parent=parent)


# A Jinja2 template (the answer to every post is rendered there: see it for why), and the
# Django template of the counters it sends out of band, as a deletion's answer does.
POSTED = "annotations/discussion/posted.html"
COUNTERS = "annotations/discussion/_counters.html"


def posted(
    request: AuthenticatedHttpRequest,
    *,
    comment: Comment,
    document: Document,
    highlight: Highlight | None,
    parent: Comment | None,
) -> HttpResponse:
    """The answer to a comment posted by HTMX (``jinja2/annotations/discussion/posted.html``)."""
    place = form_place({"document": document, "highlight": highlight, "parent": parent})
    if parent:
        container = f"comment-{parent.pk}-replies"
    elif highlight:
        container = f"highlight-{highlight.pk}-comments"
    else:
        container = "discussion-comments"
    context = {
        "place": place,
        # One masked token for the form and the new comment's buttons (the backend's own
        # csrf_token masks a new one at every use).
        "csrf": get_token(request),
        "parent": parent,
        "parent_name": parent.author_name if parent else "",
        "highlight": highlight,
        "suspended": suspension(request)["member_suspension"],
        "mentions_url": reverse("annotations:mention_suggestions"),
        "node": threads.comment_node(comment=comment, user=request.user),
        "container": container,
        # The counters as every other write sends them (a plain context: no request, so no
        # context processors to run).
        "counters": render_to_string(
            COUNTERS,
            {
                "highlight": highlight,
                "comment_count": (
                    threads.highlight_comment_count(highlight) if highlight else None
                ),
                "user": request.user,
                "unread_notifications": unread_notifications(request),
            },
        ),
    }
    return render(request, POSTED, context, status=201, using="jinja2")


def render_compose(
    request: HtmxHttpRequest,
    *,
    document: Document,
    highlight: Highlight | None,
    parent: Comment | None,
    form: CommentForm,
    status: int = 200,
) -> HttpResponse:
    """The comment form: in place for HTMX, otherwise a page of its own with a way back."""
    context = compose_context(
        document=document, highlight=highlight, parent=parent, form=form, inline=bool(request.htmx)
    )
    if request.htmx:
        return render(request, "annotations/discussion/compose.html#form", context, status=status)
    context["back_url"] = _back_url(document, highlight, parent)
    return render(request, "annotations/discussion/compose.html", context, status=status)


def _back_url(document: Document, highlight: Highlight | None, parent: Comment | None) -> str:
    if parent is not None:
        return locations.comment_location(parent)
    if highlight is not None:
        return highlight.get_absolute_url() + "#add-comment"
    return document.get_absolute_url() + "#discussion"


@member_write
@limit("comment")
def document_comment_create(request: AuthenticatedHttpRequest, slug: str) -> HttpResponse:
    """Comment on the document as a whole, or reply in its discussion."""
    document = get_object_or_404(Document, slug=slug)
    return create(request, document=document, highlight=None)


@member_write
@limit("comment")
def highlight_comment_create(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """Comment on a highlight, or reply in its discussion."""
    found = _HIGHLIGHT.rows(Highlight, pk)
    if not found or not may_see_highlight(found[0], request.user):
        raise Http404("No such highlight.")
    highlight = found[0]
    (highlight.document,) = _DOCUMENT.rows(Document, highlight.document_id)
    return create(request, document=highlight.document, highlight=highlight)


# Every comment on a highlight starts with these two: built once per process.
_HIGHLIGHT = PreparedQuery(lambda pk: Highlight.objects.filter(pk=pk))
_DOCUMENT = PreparedQuery(lambda pk: Document.objects.filter(pk=pk))


@require_safe
def comment_reply(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    """The reply form, prefilled with a quote from the comment when ``?quote=`` is given."""
    if refusal := write_refusal(request):
        return refusal
    comment = threads.comment_for_viewer(pk=pk, user=request.user)
    if threads.comment_node(comment=comment, user=request.user).state != nodes.SHOWN:
        return problem(
            request, "That comment has been deleted or removed: it can’t take replies.", status=404
        )
    quote = request.GET.get("quote", "")[: services.BODY_MAX_LENGTH]
    initial: dict[str, object] = {"parent": comment.pk}
    if quote.strip() and quoted_from(comment.body_html, quote):
        initial["body"] = quote_as_markdown(quote, comment.author_name)
    return render_compose(
        request,
        document=comment.document,
        highlight=comment.highlight,
        parent=comment,
        form=CommentForm(initial=initial),
    )


# Reading one comment --------------------------------------------------------------------


@require_safe
def comment_detail(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    """The comment's own page: it and the replies below it."""
    comment = threads.comment_for_viewer(pk=pk, user=request.user)
    node = threads.comment_subtree(comment=comment, user=request.user)
    if node is None:
        raise Http404("That comment has been deleted or removed.")
    context = {
        "comment": comment,
        "node": node,
        "document": comment.document,
        "highlight": comment.highlight,
    }
    if request.htmx:
        return render(request, "annotations/discussion/detail.html#subtree", context)
    context["location"] = locations.comment_location(comment)
    return render(request, "annotations/discussion/detail.html", context)


@require_safe
def comment_history(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    """Earlier versions of an edited comment, newest first."""
    comment = threads.comment_for_viewer(pk=pk, user=request.user)
    readable_node(request, comment)
    context = {
        "comment": comment,
        "author_name": comment.author_name,
        "revisions": list(comment.revisions.order_by("-created_at", "-id")),
        "location": locations.comment_location(comment),
    }
    return render(request, "annotations/discussion/history.html", context)


# Changing a comment ---------------------------------------------------------------------


def own_comment(request: AuthenticatedHttpRequest, pk: int, verb: str) -> Comment | HttpResponse:
    comment = threads.comment_for_viewer(pk=pk, user=request.user)
    if comment.author_id != request.user.pk:
        return problem(request, f"You can only {verb} your own comments.", status=403)
    return comment


@require_http_methods(["GET", "POST"])
def comment_edit(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    """The edit form (GET) and saving it (POST); the previous version is kept."""
    if refusal := write_refusal(request):
        return refusal
    request = signed_in(request)
    comment = own_comment(request, pk, "edit")
    if isinstance(comment, HttpResponse):
        return comment
    node = readable_node(request, comment)
    if node.is_hidden:
        return problem(
            request, "A moderator removed this comment, so it can’t be edited.", status=403
        )
    form = CommentEditForm(
        request.POST if request.method == "POST" else None, initial={"body": comment.body}
    )
    if form.is_bound and form.is_valid():
        try:
            comment = services.comment_edit(
                comment=comment, editor=request.user, body=form.cleaned_data["body"]
            )
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            if not request.htmx:
                messages.success(request, "Your comment is saved.")
                return HttpResponseRedirect(locations.comment_location(comment))
            comment.author = request.user
            node = threads.comment_node(comment=comment, user=request.user)
            return render(request, "annotations/discussion/_comment.html#main", {"node": node})
    context = {
        "comment": comment,
        "form": form,
        "inline": bool(request.htmx),
        "location": locations.comment_location(comment),
    }
    status = 422 if form.is_bound else 200
    if request.htmx:
        return render(request, "annotations/discussion/edit.html#form", context, status=status)
    return render(request, "annotations/discussion/edit.html", context, status=status)


@member_write
def comment_delete(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """Delete your comment: it goes, or stays as a placeholder while replies hang from it."""
    comment = own_comment(request, pk, "delete")
    if isinstance(comment, HttpResponse):
        return comment
    try:
        services.comment_delete(comment=comment, user=request.user)
    except ValidationError as exc:
        return problem(request, " ".join(exc.messages), status=404)
    outcome = threads.after_delete(comment=comment, user=request.user)
    if not request.htmx:
        messages.success(request, "Your comment is deleted.")
        if outcome.placeholder is not None:
            return HttpResponseRedirect(locations.comment_location(comment))
        anchor = "" if comment.highlight_id else "#discussion"
        return HttpResponseRedirect(locations.thread_url(comment) + anchor)
    context = {
        "node": outcome.placeholder,
        "highlight": comment.highlight,
        "comment_count": (
            threads.highlight_comment_count(comment.highlight) if comment.highlight else None
        ),
    }
    response = render(request, "annotations/discussion/deleted.html", context)
    if outcome.placeholder is not None:
        response = retarget(response, f"#comment-{comment.pk}-main")
    else:
        response = retarget(response, f"#comment-{outcome.removed_pk}")
    return reswap(response, "outerHTML")


def _like_response(
    request: HtmxHttpRequest, comment: Comment, *, error: str = "", status: int = 200
) -> HttpResponse:
    if not request.htmx:
        if error:
            return problem(request, error, status=status)
        return HttpResponseRedirect(locations.comment_location(comment))
    node = threads.comment_node(comment=comment, user=request.user)
    context = {"node": node, "error": error}
    response = render(request, "annotations/discussion/liked.html", context, status=status)
    if error:
        return response  # into the status line, with the true count out of band
    return reswap(retarget(response, f"#comment-{comment.pk}-likes"), "outerHTML")


def _like_or_unlike(request: AuthenticatedHttpRequest, pk: int, *, like: bool) -> HttpResponse:
    comment = threads.comment_for_viewer(pk=pk, user=request.user)
    change = services.comment_like if like else services.comment_unlike
    try:
        comment = change(comment=comment, user=request.user)
    except PermissionDenied as exc:
        return problem(request, str(exc), status=403)
    except ValidationError as exc:
        return _like_response(request, comment, error=" ".join(exc.messages), status=409)
    return _like_response(request, comment)


@member_write
@limit("like")
def comment_like(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    return _like_or_unlike(request, pk, like=True)


@member_write
def comment_unlike(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    return _like_or_unlike(request, pk, like=False)


# The document's discussion, page by page ------------------------------------------------


@require_safe
def document_discussion(request: HtmxHttpRequest, slug: str) -> HttpResponse:
    """A page of the discussion of the document as a whole, oldest first: a page of its own,
    or for HTMX the first page loaded into the reading page ("discussion-body") or a later
    one appended where its "more" link was."""
    document = page_document(request, slug)
    number = request.GET.get("page", "1")
    pages = layer.discussion_pages(document)
    if not re.fullmatch(r"[0-9]{1,9}", number) or not 1 <= int(number) <= pages:
        raise Http404("The discussion has no such page.")
    appending = bool(request.htmx) and request.htmx.target == "discussion-more"
    # A boosted link (the live notice's "show") wants the whole page, to pick from it.
    if request.htmx and not request.htmx.boosted:
        template = "annotations/discussion/discussion.html#" + ("more" if appending else "body")
    else:
        template = "annotations/discussion/discussion.html"

    def page() -> HttpResponse:
        discussion = threads.discussion_page(
            document=document, user=request.user, number=int(number)
        )
        context = {
            "document": document,
            "thread": discussion.nodes,
            "page": discussion.page,
            "highlight": None,
            "appendable": bool(request.htmx),
        }
        return threads.render_thread(request, template, context)

    return cached_page(request, document, f"discussion.{template}.{number}", page, ("page",))
