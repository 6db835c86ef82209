"""The W3C Web Annotation Protocol (Recommendation, 23 February 2017), requirement by requirement.

Each test is named after the MUST or SHOULD it checks; the section of the protocol is in its
docstring.
"""

from __future__ import annotations

import json

import pytest

from annotations.api import container
from annotations.models import AnnotationProvenance, Comment, Highlight

from .conftest import (
    ANNO,
    BASE,
    CONTAINER,
    MEDIA_TYPE,
    annotation,
    body,
    quote_target,
    send,
)

LDP = "http://www.w3.org/ns/ldp#"
PREFER = 'return=representation;include="{}"'
MINIMAL = PREFER.format(f"{LDP}PreferMinimalContainer")
IRIS = PREFER.format("http://www.w3.org/ns/oa#PreferContainedIRIs")
DESCRIPTIONS = PREFER.format("http://www.w3.org/ns/oa#PreferContainedDescriptions")

pytestmark = pytest.mark.usefixtures("treaty")


@pytest.fixture
def discussion(alice_highlight, alice, bob, say):
    """A public highlight of alice's, bob's comment on it and alice's reply."""
    comment = say(bob, "Why *each*?", highlight=alice_highlight)
    reply = say(alice, "Because both.", highlight=alice_highlight, parent=comment)
    return alice_highlight, comment, reply


@pytest.fixture
def small_pages(monkeypatch):
    monkeypatch.setattr(container, "PAGE_SIZE", 2)


def links(response) -> list[str]:
    return [part.strip() for part in response["Link"].split(",")]


def data(response):
    return json.loads(response.content)


# 4. Annotation retrieval -------------------------------------------------------------------


def test_annotation_get_returns_the_annotation_as_json_ld_with_the_anno_profile(client, discussion):
    """4.1: MUST support GET; the representation MUST be JSON-LD with the anno.jsonld
    context, with the profile in Content-Type."""
    highlight, _, _ = discussion
    response = client.get(f"/annotations/highlight-{highlight.pk}")
    assert response.status_code == 200
    assert response["Content-Type"] == MEDIA_TYPE
    found = data(response)
    assert found["@context"] == ANNO
    assert found["id"] == f"{BASE}/annotations/highlight-{highlight.pk}"
    assert found["type"] == "Annotation"


def test_annotation_response_has_a_link_of_type_ldp_resource(client, discussion):
    """4.1: MUST have a Link header with rel type and http://www.w3.org/ns/ldp#Resource."""
    _, comment, _ = discussion
    response = client.get(f"/annotations/comment-{comment.pk}")
    assert f'<{LDP}Resource>; rel="type"' in links(response)


def test_annotation_response_has_an_etag(client, discussion):
    """4.1: MUST have an ETag header; it changes when the annotation does."""
    _, comment, _ = discussion
    url = f"/annotations/comment-{comment.pk}"
    before = client.get(url)["ETag"]
    assert before.startswith('"') and before.endswith('"')
    Comment.objects.filter(pk=comment.pk).update(body="Changed.")
    assert client.get(url)["ETag"] != before


def test_annotation_response_has_allow_listing_the_methods(client, discussion):
    """4.1: MUST have an Allow header listing the HTTP methods the annotation supports."""
    highlight, _, _ = discussion
    response = client.get(f"/annotations/highlight-{highlight.pk}")
    assert set(response["Allow"].split(", ")) == {"GET", "HEAD", "OPTIONS", "PUT", "DELETE"}


def test_annotation_response_varies_on_accept(client, discussion):
    """4.1: SHOULD have Vary: Accept when content negotiation is supported."""
    highlight, _, _ = discussion
    response = client.get(f"/annotations/highlight-{highlight.pk}")
    assert "Accept" in [v.strip() for v in response["Vary"].split(",")]


def test_annotation_supports_head_with_the_get_headers_and_no_body(client, discussion):
    """4.1: MUST support HEAD."""
    highlight, _, _ = discussion
    url = f"/annotations/highlight-{highlight.pk}"
    got, head = client.get(url), client.head(url)
    assert head.status_code == 200
    assert head.content == b""
    for header in ("Content-Type", "ETag", "Link", "Allow"):
        assert head[header] == got[header]


def test_annotation_supports_options_with_allow(client, discussion):
    """4.1: MUST support OPTIONS."""
    highlight, _, _ = discussion
    response = client.options(f"/annotations/highlight-{highlight.pk}")
    assert response.status_code in (200, 204)
    assert "PUT" in response["Allow"] and "DELETE" in response["Allow"]


def test_annotation_conditional_get_answers_304_when_unchanged(client, discussion):
    highlight, _, _ = discussion
    url = f"/annotations/highlight-{highlight.pk}"
    tag = client.get(url)["ETag"]
    response = client.get(url, HTTP_IF_NONE_MATCH=tag)
    assert response.status_code == 304
    assert response["ETag"] == tag


def test_content_negotiation_gives_a_browser_a_readable_page(client, discussion):
    """4.1: SHOULD support content negotiation: a browser asking for HTML gets a page."""
    _, comment, _ = discussion
    accept = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"
    response = client.get(f"/annotations/comment-{comment.pk}", HTTP_ACCEPT=accept)
    assert response["Content-Type"].startswith("text/html")
    assert "<em>each</em>" in response.content.decode()
    assert client.get(CONTAINER, HTTP_ACCEPT=accept)["Content-Type"].startswith("text/html")
    assert client.get(CONTAINER, HTTP_ACCEPT="*/*")["Content-Type"] == MEDIA_TYPE


def test_an_unsupported_method_is_405_with_allow(client, discussion):
    highlight, _, _ = discussion
    response = client.patch(f"/annotations/highlight-{highlight.pk}")
    assert response.status_code == 405
    assert "GET" in response["Allow"]


# 5. Annotation containers ------------------------------------------------------------------


def test_container_is_an_ldp_basic_container_and_an_annotation_collection(client, discussion):
    """5.1: the Container MUST be an LDP Basic Container (type and contexts) and SHOULD also
    be an AnnotationCollection."""
    found = data(client.get(CONTAINER))
    assert found["@context"] == [ANNO, "http://www.w3.org/ns/ldp.jsonld"]
    assert set(found["type"]) == {"BasicContainer", "AnnotationCollection"}
    assert found["id"] == f"{BASE}{CONTAINER}"
    assert found["total"] == 3 + Comment.objects.filter(is_imported=True).count()


def test_container_response_has_link_type_basic_container_and_constrained_by(client):
    """5.1: MUST advertise ldp#BasicContainer as rel type; SHOULD give constrainedBy."""
    response = client.get(CONTAINER)
    assert f'<{LDP}BasicContainer>; rel="type"' in links(response)
    assert f'<http://www.w3.org/TR/annotation-protocol/>; rel="{LDP}constrainedBy"' in links(
        response
    )


def test_container_response_has_the_anno_profile_content_type(client):
    """5.1: MUST have Content-Type application/ld+json with the anno.jsonld profile."""
    assert client.get(CONTAINER)["Content-Type"] == MEDIA_TYPE


def test_container_response_has_an_etag(client, discussion, say, bob):
    """5.1: MUST have an ETag; a new annotation changes it."""
    before = client.get(CONTAINER)["ETag"]
    say(bob, "One more.")
    assert client.get(CONTAINER)["ETag"] != before


def test_container_response_has_allow_and_accept_post(client):
    """5.1: MUST have Allow; SHOULD have Accept-Post with the JSON-LD media type."""
    response = client.get(CONTAINER)
    assert set(response["Allow"].split(", ")) == {"GET", "HEAD", "OPTIONS", "POST"}
    assert response["Accept-Post"] == MEDIA_TYPE


def test_container_response_varies_on_accept_and_prefer(client):
    """5.1, 5.2: SHOULD have Vary with Accept (negotiation) and Prefer (preferences)."""
    vary = [v.strip() for v in client.get(CONTAINER)["Vary"].split(",")]
    assert "Accept" in vary and "Prefer" in vary


def test_container_response_has_content_location(client):
    """5.2: SHOULD give Content-Location naming the representation returned."""
    assert client.get(CONTAINER)["Content-Location"] == f"{BASE}{CONTAINER}"
    iris = client.get(CONTAINER, HTTP_PREFER=IRIS)
    assert iris["Content-Location"] == f"{BASE}{CONTAINER}?iris=1"


def test_container_supports_head_and_options(client):
    """5.1: MUST support HEAD and OPTIONS."""
    head = client.head(CONTAINER)
    assert head.status_code == 200 and head.content == b""
    assert head["ETag"] == client.get(CONTAINER)["ETag"]
    options = client.options(CONTAINER)
    assert "POST" in options["Allow"]
    assert options["Accept-Post"] == MEDIA_TYPE


def test_container_embeds_the_first_page_and_links_the_last(client, discussion, small_pages):
    """5.2: the container gives first (the first page) and last."""
    found = data(client.get(CONTAINER))
    assert found["first"]["type"] == "AnnotationPage"
    assert found["first"]["id"] == f"{BASE}{CONTAINER}?iris=0&page=0"
    assert len(found["first"]["items"]) == 2
    assert found["last"] == f"{BASE}{CONTAINER}?iris=0&page={(found['total'] - 1) // 2}"


def test_pages_have_part_of_start_index_next_prev_and_total(client, discussion, small_pages):
    """5.3: an AnnotationPage gives partOf (with total), startIndex, next and prev, and
    walking next from first to last visits every annotation once."""
    total = data(client.get(CONTAINER))["total"]
    url, seen, number = f"{CONTAINER}?iris=0&page=0", [], 0
    while url:
        page = data(client.get(url))
        assert page["@context"] == ANNO
        assert page["type"] == "AnnotationPage"
        assert page["partOf"] == {
            "id": f"{BASE}{CONTAINER}",
            "type": "AnnotationCollection",
            "total": total,
        }
        assert page["startIndex"] == number * 2
        assert ("prev" in page) == (number > 0)
        seen += [item["id"] for item in page["items"]]
        url = page.get("next", "").removeprefix(BASE)
        number += 1
    assert len(seen) == len(set(seen)) == total


def test_a_page_beyond_the_last_is_404(client, discussion, small_pages):
    assert client.get(f"{CONTAINER}?page=99").status_code == 404
    assert client.get(f"{CONTAINER}?page=x").status_code == 400


def test_prefer_minimal_container_gives_first_and_last_without_items(client, discussion):
    """5.2: PreferMinimalContainer: no embedded annotations, only links to the pages."""
    response = client.get(CONTAINER, HTTP_PREFER=MINIMAL)
    found = data(response)
    assert found["first"] == f"{BASE}{CONTAINER}?iris=0&page=0"
    assert "last" in found and found["total"] > 0
    assert "items" not in json.dumps(found)
    assert response["Preference-Applied"] == "return=representation"


def test_prefer_contained_iris_gives_pages_of_iris(client, discussion, small_pages):
    """5.2: PreferContainedIRIs: pages list the annotations' IRIs, and their links keep it."""
    found = data(client.get(CONTAINER, HTTP_PREFER=IRIS))
    first = found["first"]
    assert all(isinstance(item, str) and item.startswith(BASE) for item in first["items"])
    assert first["next"] == f"{BASE}{CONTAINER}?iris=1&page=1"
    page = data(client.get(first["next"].removeprefix(BASE)))
    assert all(isinstance(item, str) for item in page["items"])


def test_prefer_contained_descriptions_gives_whole_annotations(client, discussion):
    """5.2: PreferContainedDescriptions: pages embed the annotations themselves."""
    found = data(client.get(CONTAINER, HTTP_PREFER=DESCRIPTIONS))
    assert all(item["type"] == "Annotation" for item in found["first"]["items"])


# 5.3 Creation, 5.4 update, 5.5 deletion ----------------------------------------------------


def test_post_creates_with_201_location_etag_and_a_server_assigned_id(alice_client, treaty):
    """5.3: MUST answer 201 with Location, the annotation with its new IRI, and an ETag."""
    response = send(alice_client, "POST", CONTAINER, annotation(quote_target("post-war")))
    assert response.status_code == 201, response.content
    created = data(response)
    highlight = Highlight.objects.get()
    assert created["id"] == response["Location"] == f"{BASE}/annotations/highlight-{highlight.pk}"
    assert response["ETag"] == alice_client.get(created["id"].removeprefix(BASE))["ETag"]
    assert response["Content-Type"] == MEDIA_TYPE
    assert created["creator"]["name"] == "alice"


def test_post_keeps_a_client_id_as_via_and_keeps_canonical(alice_client, treaty):
    """5.3: an id sent by the client SHOULD be moved to via; canonical MUST be kept."""
    sent = annotation(
        quote_target("post-war"),
        id="urn:uuid:0b6c3d2e-1f0a-4c8e-9a55-3a4e1c2b7d10",
        canonical="https://annotations.example/a/42",
    )
    created = data(send(alice_client, "POST", CONTAINER, sent))
    assert created["id"].startswith(f"{BASE}/annotations/highlight-")
    assert created["via"] == sent["id"]
    assert created["canonical"] == sent["canonical"]
    stored = data(alice_client.get(created["id"].removeprefix(BASE)))
    assert stored["canonical"] == sent["canonical"]
    assert AnnotationProvenance.objects.get().via == sent["id"]


def test_post_of_something_other_than_json_ld_is_415(alice_client, treaty):
    response = alice_client.post(CONTAINER, "exact=post-war", content_type="text/plain")
    assert response.status_code == 415
    assert response["Accept-Post"] == MEDIA_TYPE
    assert not Highlight.objects.exists()


def test_post_of_json_that_is_not_an_annotation_is_400(alice_client, treaty):
    for bad in ({"type": "Note", "target": "x"}, [1, 2], {"@context": ANNO, "type": "Annotation"}):
        response = send(alice_client, "POST", CONTAINER, bad)
        assert response.status_code == 400
        assert response["Content-Type"].startswith("application/problem+json")
        assert data(response)["detail"]
    response = alice_client.post(CONTAINER, "{not json", content_type="application/ld+json")
    assert response.status_code == 400
    assert not Highlight.objects.exists()


def test_put_with_the_current_etag_updates_the_annotation(alice_client, discussion):
    """5.4: PUT replaces the annotation; the answer is 200 with the new ETag."""
    _, _, reply = discussion
    url = f"/annotations/comment-{reply.pk}"
    got = alice_client.get(url)
    changed = {**data(got), "body": body("Because **both** parties.")}
    response = send(alice_client, "PUT", url, changed, if_match=got["ETag"])
    assert response.status_code == 200, response.content
    assert response["ETag"] != got["ETag"]
    reply.refresh_from_db()
    assert reply.body == "Because **both** parties."
    assert reply.revisions.count() == 1  # through comment_edit, history kept


def test_put_with_a_stale_etag_is_412(alice_client, discussion):
    """5.4: a PUT whose If-Match is not current fails with 412 and changes nothing."""
    _, _, reply = discussion
    url = f"/annotations/comment-{reply.pk}"
    got = alice_client.get(url)
    Comment.objects.filter(pk=reply.pk).update(body="Changed meanwhile.")
    changed = {**data(got), "body": body("Mine.")}
    response = send(alice_client, "PUT", url, changed, if_match=got["ETag"])
    assert response.status_code == 412
    assert Comment.objects.get(pk=reply.pk).body == "Changed meanwhile."


def test_put_without_if_match_is_428(alice_client, discussion):
    """5.4: the server requires If-Match on PUT (428 Precondition Required)."""
    _, _, reply = discussion
    url = f"/annotations/comment-{reply.pk}"
    changed = {**data(alice_client.get(url)), "body": body("Mine.")}
    response = send(alice_client, "PUT", url, changed)
    assert response.status_code == 428
    assert Comment.objects.get(pk=reply.pk).body == "Because both."


def test_put_cannot_move_an_annotation_to_another_target(alice_client, discussion):
    highlight, _, reply = discussion
    url = f"/annotations/comment-{reply.pk}"
    got = alice_client.get(url)
    moved = {**data(got), "target": f"{BASE}/annotations/highlight-{highlight.pk}"}
    response = send(alice_client, "PUT", url, moved, if_match=got["ETag"])
    assert response.status_code == 400
    assert Comment.objects.get(pk=reply.pk).parent_id is not None


def test_put_changes_a_highlights_note_and_audience(alice_client, discussion):
    highlight, _, _ = discussion
    url = f"/annotations/highlight-{highlight.pk}"
    got = alice_client.get(url)
    changed = {
        **data(got),
        "body": body("Compare Article VIII.", "text/plain"),
        "audience": {"id": f"{BASE}/members/alice/"},
    }
    response = send(alice_client, "PUT", url, changed, if_match=got["ETag"])
    assert response.status_code == 200, response.content
    assert data(response)["motivation"] == "commenting"
    highlight.refresh_from_db()
    assert (highlight.note, highlight.visibility) == ("Compare Article VIII.", "private")


def test_delete_is_204_and_the_annotation_is_then_gone(alice_client, client, discussion):
    """5.5: DELETE answers 204; the annotation is no longer served (410 Gone)."""
    _, _, reply = discussion
    url = f"/annotations/comment-{reply.pk}"
    response = alice_client.delete(url)
    assert response.status_code == 204
    assert Comment.objects.get(pk=reply.pk).deleted_at is not None  # via comment_delete
    assert client.get(url).status_code == 410


def test_delete_with_a_stale_if_match_is_412(alice_client, discussion):
    _, _, reply = discussion
    response = alice_client.delete(f"/annotations/comment-{reply.pk}", HTTP_IF_MATCH='"stale"')
    assert response.status_code == 412
    assert Comment.objects.get(pk=reply.pk).deleted_at is None


# Filters -----------------------------------------------------------------------------------


def ids(response) -> list[str]:
    found = data(response)
    return [item["id"] for item in found["first"]["items"]] if "first" in found else []


def test_filter_by_member(client, discussion):
    highlight, comment, reply = discussion
    bobs = ids(client.get(f"{CONTAINER}?member=bob"))
    assert bobs == [f"{BASE}/annotations/comment-{comment.pk}"]
    assert ids(client.get(f"{CONTAINER}?member=alice")) == [
        f"{BASE}/annotations/highlight-{highlight.pk}",
        f"{BASE}/annotations/comment-{reply.pk}",
    ]


def test_filter_by_article_and_clause(client, discussion, treaty, bob):
    from annotations.highlights.services import highlight_create

    across = highlight_create(
        author=bob, document=treaty, start_key="article-6-para-1", start_offset=0,
        end_key="article-8-para-1", end_offset=3,
    )  # fmt: skip
    highlight, comment, reply = discussion
    in_seven = {
        f"{BASE}/annotations/highlight-{highlight.pk}",
        f"{BASE}/annotations/comment-{comment.pk}",
        f"{BASE}/annotations/comment-{reply.pk}",
        f"{BASE}/annotations/highlight-{across.pk}",
    }
    assert set(ids(client.get(f"{CONTAINER}?article=7"))) == in_seven
    assert set(ids(client.get(f"{CONTAINER}?clause=article-7-para-1"))) == in_seven
    assert ids(client.get(f"{CONTAINER}?article=2")) == []
    assert client.get(f"{CONTAINER}?article=seven").status_code == 400


def test_filter_by_motivation(client, discussion):
    highlight, comment, reply = discussion
    assert ids(client.get(f"{CONTAINER}?motivation=highlighting")) == [
        f"{BASE}/annotations/highlight-{highlight.pk}"
    ]
    replying = ids(client.get(f"{CONTAINER}?motivation=replying&member=alice"))
    assert replying == [f"{BASE}/annotations/comment-{reply.pk}"]
    assert client.get(f"{CONTAINER}?motivation=liking").status_code == 400


def test_filter_by_changed_since(client, discussion):
    from datetime import timedelta

    highlight, comment, reply = discussion
    moment = Comment.objects.get(pk=reply.pk).created_at
    Highlight.objects.filter(pk=highlight.pk).update(updated_at=moment - timedelta(days=1))
    since = (moment - timedelta(seconds=1)).isoformat().replace("+00:00", "Z")
    assert f"{BASE}/annotations/comment-{reply.pk}" in ids(client.get(CONTAINER, {"since": since}))
    assert f"{BASE}/annotations/highlight-{highlight.pk}" not in ids(
        client.get(CONTAINER, {"since": since})
    )
    assert client.get(CONTAINER, {"since": "last tuesday"}).status_code == 400


def test_filters_keep_paging_valid(client, discussion, small_pages, say, bob):
    for n in range(3):
        say(bob, f"More {n}.")
    found = data(client.get(f"{CONTAINER}?member=bob"))
    assert found["total"] == 4
    assert found["id"] == f"{BASE}{CONTAINER}?member=bob"
    assert found["first"]["next"] == f"{BASE}{CONTAINER}?member=bob&iris=0&page=1"
    second = data(client.get(found["first"]["next"].removeprefix(BASE)))
    assert second["partOf"]["total"] == 4
    assert len(second["items"]) == 2
    assert all(item["creator"]["name"] == "bob" for item in second["items"])
