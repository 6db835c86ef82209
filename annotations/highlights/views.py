"""Highlight views: make one from a selection or a whole clause, open it, change it, delete it.

Each answers HTMX with fragments (the panel, plus the clauses whose marks changed, as
out-of-band swaps) and plain requests with pages and redirects, so everything works without
JavaScript too.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.utils.safestring import SafeString
from django.views.decorators.http import require_http_methods

from annotations.discussion import threads
from annotations.highlights import layer as queries
from annotations.highlights import services
from annotations.highlights.anchoring import AnchorError
from annotations.highlights.forms import ClauseAnnotateForm, HighlightForm, NoteForm, VisibilityForm
from annotations.models import Highlight
from annotations.permissions import (
    login_redirect,
    member_write,
    visible_highlight_or_404,
    write_refusal,
)
from treaty_reader.http import HtmxHttpRequest, problem
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
) -> list[tuple[Clause, SafeString]]:
    """The clauses from ``span[0]`` to ``span[1]`` rendered with every highlight this viewer
    can see; none when the span is gone from the text. After a write (``written``), the
    document is read again: the write moved its cache stamp past the copy in hand."""
    if span is None:
        return []
    if written:
        document.refresh_from_db(fields=["version", "generation"])
    layer = queries.reader_layer(document=document, user=request.user)
    chosen = queries.clauses_between(layer.public.clauses, *span)
    html = layer.clauses_html(chosen)
    return [(clause, html[clause.key]) for clause in chosen]


def render_panel(
    request: HtmxHttpRequest,
    highlight: Highlight,
    *,
    refresh: Span | None = None,
    status: int = 200,
    template: str = "annotations/highlights/highlight.html#panel",
    **extra: object,
) -> HttpResponse:
    thread = threads.highlight_thread(highlight=highlight, user=request.user)
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
    return render(request, template, context, status=status)


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


@member_write
@limit("highlight")
def highlight_create(request: HtmxHttpRequest, slug: str) -> HttpResponse:
    document = get_object_or_404(Document, slug=slug)
    form = HighlightForm(request.POST)
    if not form.is_valid():
        return problem(request, form.error_text(), status=400, title=CANNOT_SAVE)
    try:
        highlight = services.highlight_create(
            author=request.user, document=document, **form.anchor_fields()
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
    form = ClauseAnnotateForm(request.POST if request.method == "POST" else None)
    if request.method == "GET" or not form.is_valid():
        status = 422 if form.is_bound else 200
        return render(
            request,
            "annotations/highlights/clause_annotate.html",
            {"clause": clause, "form": form},
            status=status,
        )
    return write_refusal(request) or _clause_annotate_submit(request, clause, form)


@limit("highlight")
def _clause_annotate_submit(
    request: HtmxHttpRequest, clause: Clause, form: ClauseAnnotateForm
) -> HttpResponse:
    highlight, comment = services.clause_annotate(
        author=request.user,
        clause=clause,
        visibility=form.cleaned_data["visibility"],
        comment=form.cleaned_data["comment"],
    )
    messages.success(request, "Highlighted" + (" with your comment." if comment else "."))
    anchor = f"#comment-{comment.pk}" if comment else ""
    return HttpResponseRedirect(highlight.get_absolute_url() + anchor)


@member_write
def highlight_visibility(request: HtmxHttpRequest, pk: int) -> HttpResponse:
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
def highlight_note(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    highlight = visible_highlight_or_404(request.user, pk)
    if highlight.author_id != request.user.pk:
        return not_the_author(request)
    form = NoteForm(request.POST)
    if not form.is_valid():
        return problem(request, " ".join(form.errors["note"]), status=422)
    services.highlight_set_note(highlight=highlight, note=form.cleaned_data["note"])
    if request.htmx:
        return render_panel(request, highlight)
    messages.success(request, "Note saved.")
    return HttpResponseRedirect(highlight.get_absolute_url())


@member_write
def highlight_delete(request: HtmxHttpRequest, pk: int) -> HttpResponse:
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
        return HttpResponseRedirect(document.get_absolute_url())
    refreshed = rendered_clauses(request, document, span, written=True)
    context = {"message": message, "refreshed": refreshed}
    return render(request, "annotations/highlights/highlight.html#deleted", context)
