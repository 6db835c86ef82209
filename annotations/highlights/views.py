"""Highlight views: make one from a selection or a whole clause, open it, change it, delete it.

Each answers HTMX with fragments (the panel, plus the clauses whose marks changed, as
out-of-band swaps) and plain requests with pages and redirects, so everything works without
JavaScript too.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils.safestring import SafeString
from django.views.decorators.http import require_http_methods, require_safe

from annotations.discussion import thread_pages, threads
from annotations.highlights import layer as queries
from annotations.highlights import services, text_changes
from annotations.highlights.anchoring import AnchorError
from annotations.highlights.forms import ClauseAnnotateForm, HighlightForm, NoteForm, VisibilityForm
from annotations.models import Highlight, TextChange
from annotations.notifications.services import notifications_text_change_read
from annotations.permissions import (
    login_redirect,
    member_write,
    visible_highlight_or_404,
    write_refusal,
)
from treaty_reader.http import AuthenticatedHttpRequest, HtmxHttpRequest, posted_back, problem
from treaty_reader.models import Clause, Document
from treaty_reader.page_cache import cached_page
from treaty_reader.ratelimits import limit

CANNOT_SAVE = "That selection can’t be saved"


def not_the_author(request: HtmxHttpRequest) -> HttpResponse:
    return problem(request, "Only its author can change a highlight.", status=403)


Span = tuple[str, str]  # the first and last clause key a highlight covers


def span_of(highlight: Highlight) -> Span:
    return (highlight.start_key, highlight.end_key)


def rendered_clauses(
    request: HtmxHttpRequest, document: Document, span: Span | None, *, written: bool = False
) -> list[tuple[Clause, SafeString, SafeString]]:
    """The clauses from ``span[0]`` to ``span[1]`` rendered with every highlight this viewer
    can see, each with its margin marker; none when the span is gone from the text. After a
    write (``written``), the document is read again: the write moved its cache stamp past
    the copy in hand."""
    if span is None:
        return []
    if written:
        document.refresh_from_db(fields=["version", "generation"])
    layer = queries.reader_layer(document=document, user=request.user)
    chosen = queries.clauses_between(layer.public.clauses, *span)
    html = layer.clauses_html(chosen)
    markers = layer.clause_markers(document, chosen)
    return [(clause, html[clause.key], markers[clause.key]) for clause in chosen]


def render_panel(
    request: HtmxHttpRequest,
    highlight: Highlight,
    *,
    refresh: Span | None = None,
    status: int = 200,
    template: str = "annotations/highlights/highlight.html#panel",
    **extra: object,
) -> HttpResponse:
    thread = thread_pages.highlight_thread(highlight=highlight, user=request.user)
    context = {
        "highlight": highlight,
        "document": highlight.document,
        "thread": thread,
        "comment_count": threads.highlight_comment_count(highlight),
        "visibility_form": VisibilityForm(initial={"visibility": highlight.visibility}),
        "note_form": NoteForm(initial={"note": highlight.note}),
        "is_owner": request.user.is_authenticated and highlight.author_id == request.user.pk,
        "refreshed": rendered_clauses(
            request, highlight.document, refresh, written=refresh is not None
        ),
        **extra,
    }
    return threads.render_thread(request, template, context, status=status)


def highlight_detail(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    """The panel for HTMX; otherwise a page with the passage in its context and the thread."""
    highlight = visible_highlight_or_404(request.user, pk)

    # A boosted link (the live notice's "show") wants the whole page, to pick from it.
    panel = bool(request.htmx) and not request.htmx.boosted

    def page() -> HttpResponse:
        if panel:
            return render_panel(request, highlight)
        passage = rendered_clauses(request, highlight.document, span_of(highlight))
        return render_panel(
            request, highlight, template="annotations/highlights/highlight.html", passage=passage
        )

    name = f"highlight.{highlight.pk}.{'panel' if panel else 'page'}"
    return cached_page(request, highlight.document, name, page)


@require_safe
def highlight_clauses(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    """The clauses a highlight covers, as out-of-band swaps: how the reading page brings its
    marks and margin counts up to date after a comment is posted in the panel."""
    highlight = visible_highlight_or_404(request.user, pk)
    refreshed = rendered_clauses(request, highlight.document, span_of(highlight))
    return render(
        request, "annotations/highlights/highlight.html#refreshed", {"refreshed": refreshed}
    )


@require_safe
def clause_highlights(request: HtmxHttpRequest, slug: str, key: str) -> HttpResponse:
    """Every highlight this viewer sees on a clause (or just ``?ids=``, those covering one
    stretch of it), with its quote, author and replies: what a click on overlapping marks,
    a paragraph's margin marker or Enter on a paragraph offers. A page without JavaScript."""
    document = get_object_or_404(Document, slug=slug)
    layer = queries.reader_layer(document=document, user=request.user)
    clause = next((c for c in layer.public.clauses if c.key == key), None)
    if clause is None:
        raise Http404("There is no such paragraph in this treaty.")
    spans = layer.spans.get(key, [])
    ids = [hid for _, _, hid in spans]
    wanted = {int(i) for i in request.GET.get("ids", "").split(",") if i.strip().isdigit()}
    if wanted:
        ids = [hid for hid in ids if hid in wanted]
    found = {
        h.pk: h
        for h in Highlight.objects.filter(pk__in=ids)
        .select_related("author")
        .only("id", "exact", "visibility", "author__username", "author_id", "created_at")
        .annotate(comment_count=queries.READABLE_COMMENTS)
    }
    entries = [found[hid] for hid in dict.fromkeys(ids) if hid in found]
    context = {
        "document": document,
        "clause": clause,
        "entries": entries,
        "own": layer.own_ids,
        "everything": not wanted,
    }
    template = "annotations/highlights/clause_highlights.html"
    return render(request, template + ("#list" if request.htmx else ""), context)


@member_write
@limit("highlight")
def highlight_create(request: AuthenticatedHttpRequest, slug: str) -> HttpResponse:
    document = get_object_or_404(Document, slug=slug)
    form = HighlightForm(request.POST)
    if not form.is_valid():
        return problem(request, form.error_text(), status=400, title=CANNOT_SAVE)
    try:
        highlight = services.highlight_create(
            author=request.user, document=document, **form.selection()
        )
    except AnchorError as exc:
        return problem(request, str(exc), status=422, title=CANNOT_SAVE)
    except ValidationError as exc:
        return problem(request, " ".join(exc.messages), status=422, title=CANNOT_SAVE)
    wants_comment = form.cleaned_data["then"] == "comment"
    if not request.htmx:
        return HttpResponseRedirect(
            highlight.get_absolute_url() + ("#add-comment" if wants_comment else "")
        )
    return render_panel(
        request,
        highlight,
        refresh=span_of(highlight),
        focus_comment=wants_comment,
        status=201,
    )


@require_http_methods(["GET", "POST"])
def clause_annotate(request: HtmxHttpRequest, slug: str, key: str) -> HttpResponse:
    """Highlight, and comment on, a whole clause with an ordinary form: the no-JS path."""
    clause = get_object_or_404(
        Clause.objects.select_related("document"), document__slug=slug, key=key
    )
    if not request.user.is_authenticated:
        return login_redirect(request, request.get_full_path())
    initial = {"words": request.GET.get("words", "")}
    form = ClauseAnnotateForm(request.POST if request.method == "POST" else None, initial=initial)
    if request.method == "GET" or not form.is_valid():
        return _clause_annotate_form(request, clause, form)
    return write_refusal(request) or _clause_annotate_submit(request, clause, form)


def _clause_annotate_form(
    request: HtmxHttpRequest, clause: Clause, form: ClauseAnnotateForm
) -> HttpResponse:
    status = 422 if form.is_bound else 200
    context = {"clause": clause, "form": form}
    return render(request, "annotations/highlights/clause_annotate.html", context, status=status)


@limit("highlight")
def _clause_annotate_submit(
    request: AuthenticatedHttpRequest, clause: Clause, form: ClauseAnnotateForm
) -> HttpResponse:
    try:
        highlight, comment = services.clause_annotate(
            author=request.user,
            clause=clause,
            visibility=form.cleaned_data["visibility"],
            comment=form.cleaned_data["comment"],
            words=form.cleaned_data["words"],
        )
    except AnchorError as exc:
        form.add_error("words", str(exc))
        return _clause_annotate_form(request, clause, form)
    messages.success(request, "Highlighted" + (" with your comment." if comment else "."))
    anchor = f"#comment-{comment.pk}" if comment else ""
    return HttpResponseRedirect(highlight.get_absolute_url() + anchor)


@member_write
def highlight_visibility(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    highlight = visible_highlight_or_404(request.user, pk)
    if highlight.author_id != request.user.pk:
        return not_the_author(request)
    form = VisibilityForm(request.POST)
    if not form.is_valid():
        return problem(request, "Choose “Everyone” or “Only me”.", status=400)
    services.highlight_set_visibility(
        highlight=highlight, visibility=form.cleaned_data["visibility"]
    )
    if request.htmx:
        return render_panel(request, highlight, refresh=span_of(highlight))
    messages.success(request, f"Visible to: {highlight.get_visibility_display()}.")
    return HttpResponseRedirect(highlight.get_absolute_url())


@member_write
def highlight_note(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    highlight = visible_highlight_or_404(request.user, pk)
    if highlight.author_id != request.user.pk:
        return not_the_author(request)
    form = NoteForm(request.POST)
    if not form.is_valid():
        return problem(request, " ".join(map(str, form.errors["note"])), status=422)
    services.highlight_set_note(highlight=highlight, note=form.cleaned_data["note"])
    if request.htmx:
        return render_panel(request, highlight)
    messages.success(request, "Note saved.")
    return HttpResponseRedirect(highlight.get_absolute_url())


@member_write
def highlight_delete(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    highlight = visible_highlight_or_404(request.user, pk)
    if highlight.author_id != request.user.pk:
        return not_the_author(request)
    document = highlight.document
    span = span_of(highlight)
    outcome = services.highlight_delete(highlight=highlight)
    message = (
        "Highlight withdrawn. Others replied to it, so its discussion stays."
        if outcome == services.WITHDRAWN
        else "Highlight deleted."
    )
    if not request.htmx:
        messages.success(request, message)
        # The notifications page deletes it too, and asks to come back.
        return HttpResponseRedirect(posted_back(request, document.get_absolute_url()))
    refreshed = rendered_clauses(request, document, span, written=True)
    context = {"message": message, "refreshed": refreshed}
    return render(request, "annotations/highlights/highlight.html#deleted", context)


def _open_change_or_404(request: AuthenticatedHttpRequest, pk: int) -> TextChange:
    """The member's own change still waiting for review. Another member's does not exist for
    this one (404): it would reveal a highlight that may be private."""
    return get_object_or_404(
        TextChange.objects.filter(confirmed_at__isnull=True).select_related("highlight__document"),
        pk=pk,
        highlight__author=request.user,
    )


@member_write
def text_change_confirm(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """Accept a highlight a correction of the text changed, as it now is; the change leaves
    the member's list (``text_changes``) and its notification is read. The notifications
    page asks (``next``) to come back to it."""
    change = _open_change_or_404(request, pk)
    text_changes.text_change_confirm(change=change)
    if request.htmx:
        context = {"text_changes": text_changes.open_text_changes(request.user)}
        return render(request, "annotations/highlights/text_changes.html#section", context)
    messages.success(request, "Confirmed: the highlight stays as it is now.")
    url = reverse("member", kwargs={"username": request.user.get_username()})
    return HttpResponseRedirect(posted_back(request, f"{url}#text-changes"))


@member_write
def text_change_reselect(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """Go and select the passage again, from the notification of the change: it is read,
    and the member lands on the paragraph the highlight began in. The change stays open
    until they confirm the old highlight or delete it."""
    change = _open_change_or_404(request, pk)
    notifications_text_change_read(highlight=change.highlight)
    highlight = change.highlight
    return HttpResponseRedirect(f"{highlight.document.get_absolute_url()}#{highlight.start_key}")
