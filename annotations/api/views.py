"""The Annotation Container (``/annotations/``) and its annotations, over the W3C Web
Annotation Protocol: GET, HEAD and OPTIONS everywhere, POST to the container, PUT (with
If-Match) and DELETE on an annotation. JSON-LD by default; a browser gets a readable page.

Writes are checked as on the site's forms: signed in (session, with CSRF, or a read-write
token), not suspended (``access.active_suspension``), within the rate limits
(``ratelimits.limit``), and the author's own for changes.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any
from urllib.parse import urlencode

from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from annotations.discussion import services as comment_services
from annotations.highlights import services
from annotations.models import Comment, Highlight
from annotations.permissions import active_suspension, may_see_highlight
from treaty_reader.ratelimits import limit

from . import container, jsonld, writes
from .http import (
    CONTAINER_LINK,
    PREFER_IRIS,
    PREFER_MINIMAL,
    RESOURCE_LINK,
    finish,
    is_json,
    jsonld_response,
    options,
    preferences,
    problem,
    read_json,
    wants_html,
)
from .tokens import ApiRequest, api_view, unauthorized

CONTAINER_ALLOW = "GET, HEAD, OPTIONS, POST"
PAGE_ALLOW = "GET, HEAD, OPTIONS"
ANNOTATION_ALLOW = "GET, HEAD, OPTIONS, PUT, DELETE"
ACCEPT_POST = jsonld.MEDIA_TYPE
LABELS = {"commenting": "Comment", "replying": "Reply"}
VARY = "Accept, Prefer, Authorization, Cookie"


def _write_refusal(request: ApiRequest) -> HttpResponse | None:
    """Why this requester may not write now (401 or 403), or None when they may."""
    if not request.user.is_authenticated:
        return unauthorized("Sign in, or send a read-write token: Bearer <token>.")
    suspension = active_suspension(request.user)
    if suspension is not None:
        return problem(
            f"Your account is suspended {suspension.until_text}: {suspension.reason} "
            "You can still read everything, but you cannot write until then.",
            status=403,
            title="Your account is suspended",
        )
    return None


def _allowed(request: HttpRequest) -> HttpResponse:
    return HttpResponse(status=204)  # what the limit lets through: only its refusal is read


def writer(request: ApiRequest) -> User:
    """The member writing, once ``_write_refusal`` has let the request through."""
    if not isinstance(request.user, User):
        raise PermissionDenied("Sign in first.")
    return request.user


def _over_limit(request: ApiRequest, kind: str) -> HttpResponse | None:
    """429 when this member has made too many of ``kind`` lately: the site's own limits
    (``ratelimits.limit``), counted the same, answered in JSON."""
    over = limit(kind)(_allowed)(request)
    if over.status_code != 429:
        return None
    wait = over.get("Retry-After", "60")
    response = problem(
        f"You have reached the limit for {kind}s: you can write again in {wait} seconds.",
        status=429,
        title="Please wait a little",
    )
    response["Retry-After"] = wait
    return response


# The container -----------------------------------------------------------------------------


def _query(filters: container.Filters, **extra: Any) -> str:
    params = [*filters.raw, *((k, str(v)) for k, v in extra.items())]
    return f"?{urlencode(params)}" if params else ""


def _page_iri(site: jsonld.Site, filters: container.Filters, iris: bool, number: int) -> str:
    return site.container() + _query(filters, iris=int(iris), page=number)


def _page_body(
    site: jsonld.Site,
    filters: container.Filters,
    page: container.ContainerPage,
    *,
    iris: bool,
    embedded: bool,
) -> dict[str, Any]:
    body: dict[str, Any] = {} if embedded else {"@context": jsonld.ANNO_CONTEXT}
    body.update(id=_page_iri(site, filters, iris, page.number), type="AnnotationPage")
    if not embedded:
        body["partOf"] = {
            "id": site.container() + _query(filters),
            "type": "AnnotationCollection",
            "total": page.total,
        }
    body["startIndex"] = page.start_index
    if page.number > 0:
        body["prev"] = _page_iri(site, filters, iris, page.number - 1)
    if page.number < page.last:
        body["next"] = _page_iri(site, filters, iris, page.number + 1)
    if iris:
        body["items"] = [item["id"] for item in page.items]
    else:
        body["items"] = [{k: v for k, v in item.items() if k != "@context"} for item in page.items]
    return body


def _container_get(request: ApiRequest) -> HttpResponse:
    site = jsonld.Site.of(request)
    try:
        filters = container.Filters.from_query(request.GET)
    except container.FilterError as error:
        return problem(str(error), status=400, title="That filter makes no sense")
    prefer = preferences(request)
    iris = request.GET.get("iris") == "1" or ("iris" not in request.GET and PREFER_IRIS in prefer)
    number_text = request.GET.get("page")
    if number_text is not None:
        return _page_get(request, site, filters, number_text, iris)
    minimal = PREFER_MINIMAL in prefer
    headers = {
        "Link": CONTAINER_LINK,
        "Allow": CONTAINER_ALLOW,
        "Accept-Post": ACCEPT_POST,
        "Vary": VARY,
        "Content-Location": site.container() + _query(filters, **({"iris": 1} if iris else {})),
    }
    if prefer:
        headers["Preference-Applied"] = "return=representation"
    if minimal:
        page = None
        total = container.container_total(request.user, filters)
    else:
        page = container.container_page(site=site, viewer=request.user, filters=filters, number=0)
        total = page.total
    if wants_html(request):
        return _html(request, site, filters, page, total, headers)
    body: dict[str, Any] = {
        "@context": [jsonld.ANNO_CONTEXT, "http://www.w3.org/ns/ldp.jsonld"],
        "id": site.container() + _query(filters),
        "type": ["BasicContainer", "AnnotationCollection"],
        "label": "Highlights and comments on Treaty Reader",
        "total": total,
    }
    if total:
        last = max(0, (total - 1) // container.PAGE_SIZE)
        if page is None:
            body["first"] = _page_iri(site, filters, iris, 0)
        else:
            body["first"] = _page_body(site, filters, page, iris=iris, embedded=True)
        body["last"] = _page_iri(site, filters, iris, last)
    return finish(request, jsonld_response(body, headers=headers))


def _page_get(
    request: ApiRequest,
    site: jsonld.Site,
    filters: container.Filters,
    number_text: str,
    iris: bool,
) -> HttpResponse:
    if not number_text.isdigit():
        return problem("page must be a page number, from 0.", status=400, title="No such page")
    number = int(number_text)
    page = container.container_page(site=site, viewer=request.user, filters=filters, number=number)
    if number > page.last:
        return problem(
            f"There are {page.last + 1} pages here; they are numbered from 0.",
            status=404,
            title="No such page",
        )
    headers = {
        "Allow": PAGE_ALLOW,
        "Vary": VARY,
        "Content-Location": _page_iri(site, filters, iris, number),
    }
    if wants_html(request):
        return _html(request, site, filters, page, page.total, headers)
    body = _page_body(site, filters, page, iris=iris, embedded=False)
    return finish(request, jsonld_response(body, headers=headers))


def _html(
    request: ApiRequest,
    site: jsonld.Site,
    filters: container.Filters,
    page: container.ContainerPage | None,
    total: int,
    headers: dict[str, str],
) -> HttpResponse:
    context = {
        "page": page,
        "entries": [_entry(item) for item in page.items] if page else [],
        "total": total,
        "filters": filters,
        "prev_url": _query(filters, page=page.number - 1) if page and page.number > 0 else "",
        "next_url": _query(filters, page=page.number + 1)
        if page and page.number < page.last
        else "",
        "last_page": (page.last + 1) if page else 0,
    }
    response = render(request, "annotations/api/container.html", context)
    for name in ("Link", "Allow", "Vary"):
        if name in headers:
            response[name] = headers[name]
    return finish(request, response)


def _entry(item: jsonld.Annotation) -> dict[str, Any]:
    """What the HTML page shows of an annotation."""
    target = item["target"]
    bodies = item.get("body", [])
    bodies = bodies if isinstance(bodies, list) else [bodies]
    by_format = {body.get("format"): body["value"] for body in bodies}
    selectors = target.get("selector", []) if isinstance(target, dict) else []
    selectors = selectors if isinstance(selectors, list) else [selectors]
    created = datetime.fromisoformat(item["created"])
    return {
        "key": "annotation-" + item["id"].rsplit("/", 1)[-1],
        "id": item["id"],
        "label": LABELS[item["motivation"]] if isinstance(target, str) else "Highlight",
        "creator": item.get("creator", {}).get("name", jsonld.IMPORTED_NAME),
        "created": item["created"],
        "created_text": f"{created:%-d %b %Y, %H:%M}",
        "private": "audience" in item,
        "quote": next((s["exact"] for s in selectors if s["type"] == "TextQuoteSelector"), ""),
        "text": by_format.get("text/plain", ""),
        "html": by_format.get("text/html", ""),
        "target": target if isinstance(target, str) else "",
    }


def _created(request: ApiRequest) -> HttpResponse:
    if not is_json(request):
        response = problem(
            f"Send the annotation as {jsonld.MEDIA_TYPE}.", status=415, title="Not JSON-LD"
        )
        response["Accept-Post"] = ACCEPT_POST
        return response
    refusal = _write_refusal(request)
    if refusal is not None:
        return refusal
    site = jsonld.Site.of(request)
    try:
        draft = writes.read_draft(read_json(request), site=site, user=writer(request))
    except (ValueError, writes.AnnotationError) as error:
        return problem(str(error), status=getattr(error, "status", 400), title="Not saved")
    refusal = _over_limit(request, draft.kind)
    if refusal is not None:
        return refusal
    try:
        item = writes.draft_create(draft, user=writer(request))
    except writes.AnnotationError as error:
        return problem(str(error), status=error.status, title="Not saved")
    annotation = _annotation_of(site, item)
    headers = {"Location": annotation["id"], "Link": RESOURCE_LINK, "Allow": ANNOTATION_ALLOW}
    return jsonld_response(annotation, status=201, headers={**headers, "Vary": VARY})


@api_view(("GET", "HEAD", "OPTIONS", "POST"))
def annotation_container(request: ApiRequest) -> HttpResponse:
    if request.method == "OPTIONS":
        return options(CONTAINER_ALLOW, CONTAINER_LINK, Accept_Post=ACCEPT_POST, Vary=VARY)
    if request.method == "POST":
        if "page" in request.GET:
            response = problem("Post to the container, not to one of its pages.", status=405)
            response["Allow"] = PAGE_ALLOW
            return response
        return _created(request)
    return _container_get(request)


# One annotation -----------------------------------------------------------------------------


def _annotation_of(site: jsonld.Site, item: Highlight | Comment) -> jsonld.Annotation:
    if isinstance(item, Highlight):
        starts = jsonld.clause_starts([item.document_id] if item.start_key != item.end_key else [])
        return jsonld.highlight_annotation(site, item, starts)
    return jsonld.comment_annotation(site, item)


def _find(request: ApiRequest, model: type[Highlight] | type[Comment], pk: int) -> Any:
    """The annotation if this requester may see it; else a 404 or 410 response."""
    related = ("author", "document", "provenance")
    if model is Highlight:
        item = Highlight.objects.select_related(*related).filter(pk=pk).first()
        if item is None or not may_see_highlight(item, request.user):
            return problem("There is no such annotation.", status=404, title="Not found")
        if item.withdrawn_at is not None:
            return problem("Its author deleted this annotation.", status=410, title="Gone")
        return item
    found = container.visible_comments(request.user).select_related(*related).filter(pk=pk).first()
    if found is None:
        if Comment.objects.filter(pk=pk, deleted_at__isnull=False).exists():
            return problem("Its author deleted this annotation.", status=410, title="Gone")
        return problem("There is no such annotation.", status=404, title="Not found")
    return found


def _representation(request: ApiRequest, item: Highlight | Comment) -> HttpResponse:
    site = jsonld.Site.of(request)
    annotation = _annotation_of(site, item)
    headers = {"Link": RESOURCE_LINK, "Allow": ANNOTATION_ALLOW, "Vary": VARY}
    if request.method in ("GET", "HEAD") and wants_html(request):
        response = render(request, "annotations/api/annotation.html", {"entry": _entry(annotation)})
        for name, value in headers.items():
            response[name] = value
        return finish(request, response)
    return finish(request, jsonld_response(annotation, headers=headers))


def _precondition(request: ApiRequest, current: str) -> HttpResponse | None:
    wanted = request.headers.get("If-Match")
    if wanted is None:
        if request.method == "PUT":
            return problem(
                "Send If-Match with the ETag you last saw, so no one else's change is lost.",
                status=428,
                title="If-Match required",
            )
        return None
    if wanted.strip() != "*" and current not in {tag.strip() for tag in wanted.split(",")}:
        return problem(
            "The annotation changed since you fetched it: fetch it again, then retry.",
            status=412,
            title="Changed meanwhile",
        )
    return None


def _change(request: ApiRequest, item: Highlight | Comment) -> HttpResponse:
    if item.author_id != request.user.pk:
        return problem("Only its author can change an annotation.", status=403, title="Not yours")
    site = jsonld.Site.of(request)
    current = jsonld.etag(_annotation_of(site, item))
    refusal = _precondition(request, current)
    if refusal is not None:
        return refusal
    if request.method == "DELETE":
        if isinstance(item, Highlight):
            services.highlight_delete(highlight=item)
        else:
            comment_services.comment_delete(comment=item, user=writer(request))
        return HttpResponse(status=204)
    if not is_json(request):
        return problem(f"Send the annotation as {jsonld.MEDIA_TYPE}.", status=415)
    try:
        draft = writes.read_draft(read_json(request), site=site, user=writer(request))
        writes.draft_update(item, draft, site=site, user=writer(request))
    except (ValueError, writes.AnnotationError) as error:
        return problem(str(error), status=getattr(error, "status", 400), title="Not saved")
    item.refresh_from_db()
    return _representation(request, item)


def _annotation_view(request: ApiRequest, model: type[Highlight] | type[Comment], pk: int) -> Any:
    if request.method == "OPTIONS":
        return options(ANNOTATION_ALLOW, RESOURCE_LINK, Vary=VARY)
    if request.method in ("PUT", "DELETE"):
        # As on the site's forms: who may write at all is settled before what is asked.
        refusal = _write_refusal(request)
        if refusal is not None:
            return refusal
    found = _find(request, model, pk)
    if isinstance(found, HttpResponse):
        return found
    if request.method in ("PUT", "DELETE"):
        return _change(request, found)
    return _representation(request, found)


@api_view(("GET", "HEAD", "OPTIONS", "PUT", "DELETE"))
def highlight_annotation(request: ApiRequest, pk: int) -> HttpResponse:
    return _annotation_view(request, Highlight, pk)


@api_view(("GET", "HEAD", "OPTIONS", "PUT", "DELETE"))
def comment_annotation(request: ApiRequest, pk: int) -> HttpResponse:
    return _annotation_view(request, Comment, pk)
