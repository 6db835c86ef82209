"""The HTTP of the Web Annotation Protocol: problems, negotiation, Prefer, headers, ETags."""

from __future__ import annotations

import json
from typing import Any

from django.http import HttpRequest, HttpResponse

from . import jsonld

LDP = "http://www.w3.org/ns/ldp#"
PREFER_MINIMAL = f"{LDP}PreferMinimalContainer"
PREFER_IRIS = "http://www.w3.org/ns/oa#PreferContainedIRIs"
PREFER_DESCRIPTIONS = "http://www.w3.org/ns/oa#PreferContainedDescriptions"
CONSTRAINED_BY = f'<http://www.w3.org/TR/annotation-protocol/>; rel="{LDP}constrainedBy"'
CONTAINER_LINK = f'<{LDP}BasicContainer>; rel="type", {CONSTRAINED_BY}'
RESOURCE_LINK = f'<{LDP}Resource>; rel="type"'
JSON_TYPES = ("application/ld+json", "application/json")


def problem(message: str, *, status: int, title: str = "That didn’t work") -> HttpResponse:
    """An error as RFC 9457 problem details: what went wrong, in a sentence."""
    body = {"type": "about:blank", "title": title, "status": status, "detail": message}
    return HttpResponse(
        json.dumps(body, ensure_ascii=False),
        status=status,
        content_type="application/problem+json; charset=utf-8",
    )


def _accepted(header: str) -> list[tuple[str, float]]:
    ranges = []
    for part in header.split(","):
        media, *params = (p.strip() for p in part.split(";"))
        quality = 1.0
        for param in params:
            name, _, value = param.partition("=")
            if name.strip().lower() == "q":
                try:
                    quality = float(value)
                except ValueError:
                    quality = 0.0
        if media:
            ranges.append((media.lower(), quality))
    return ranges


def wants_html(request: HttpRequest) -> bool:
    """Whether the client prefers HTML to JSON-LD: browsers do; anything else, and no
    Accept at all, gets JSON-LD."""
    ranges = _accepted(request.headers.get("Accept", ""))

    def best(*types: str) -> float:
        return max((q for media, q in ranges if media in types), default=0.0)

    return best("text/html", "application/xhtml+xml") > best(*JSON_TYPES)


def preferences(request: HttpRequest) -> set[str]:
    """The IRIs a ``Prefer: return=representation; include="…"`` header asks to include."""
    header = request.headers.get("Prefer", "")
    found: set[str] = set()
    for preference in header.split(","):
        parts = [p.strip() for p in preference.split(";")]
        if not parts or parts[0].replace(" ", "") != "return=representation":
            continue
        for part in parts[1:]:
            name, _, value = part.partition("=")
            if name.strip().lower() == "include":
                found.update(value.strip().strip('"').split())
    return found


def is_json(request: HttpRequest) -> bool:
    media = request.content_type.lower() if request.content_type else ""
    return media in JSON_TYPES


def read_json(request: HttpRequest) -> Any:
    """The request's JSON; ``ValueError`` with a sentence when it is not."""
    try:
        return json.loads(request.body.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise ValueError(f"The request body is not valid JSON: {error}.") from None


def jsonld_response(data: Any, *, status: int = 200, headers: dict[str, str]) -> HttpResponse:
    encoded = jsonld.dumps(data).encode()
    response = HttpResponse(encoded, status=status, content_type=jsonld.MEDIA_TYPE)
    response["ETag"] = jsonld.etag_of(encoded)
    for name, value in headers.items():
        response[name] = value
    return response


def not_modified(request: HttpRequest, response: HttpResponse) -> HttpResponse | None:
    """304 when the client's copy (If-None-Match) is current."""
    wanted = request.headers.get("If-None-Match", "")
    if wanted and response["ETag"] in {tag.strip() for tag in wanted.split(",")}:
        kept = HttpResponse(status=304)
        for name in ("ETag", "Vary", "Content-Location", "Link", "Allow"):
            if name in response:
                kept[name] = response[name]
        return kept
    return None


def finish(request: HttpRequest, response: HttpResponse) -> HttpResponse:
    """Conditional GET, and HEAD: the same headers without the body."""
    if request.method in ("GET", "HEAD"):
        unchanged = not_modified(request, response)
        if unchanged is not None:
            return unchanged
    if request.method == "HEAD":
        length = len(response.content)
        response.content = b""
        response["Content-Length"] = str(length)
    return response


def options(allow: str, link: str, **extra: str) -> HttpResponse:
    response = HttpResponse(status=204)
    response["Allow"] = allow
    response["Link"] = link
    for name, value in extra.items():
        response[name.replace("_", "-")] = value
    return response
