"""Personal access tokens: made, named, listed and revoked on the member's page; shown once,
stored hashed, sent as ``Authorization: Bearer``; read-only or read-write."""

from __future__ import annotations

import hashlib
import json
from typing import Any

import pytest
from django.test import Client

from annotations.models import AccessToken, Highlight
from tests import moderating

from .conftest import BASE, CONTAINER, annotation, bearer, quote_target, send

pytestmark = pytest.mark.usefixtures("treaty")
NEW = "/annotations/tokens/"


def test_a_member_makes_a_token_and_sees_it_once(alice_client, alice):
    response = alice_client.post(NEW, {"name": "My notebook", "scope": "write"})
    assert response.status_code == 201
    assert response["Cache-Control"] == "no-store"
    page = response.content.decode()
    token = AccessToken.objects.get(user=alice)
    secret = page.split('id="token-secret"', 1)[1].split('value="', 1)[1].split('"', 1)[0]
    assert secret.startswith("trk_")
    assert token.digest == hashlib.sha256(secret.encode()).hexdigest()
    assert secret not in str(AccessToken.objects.values_list())  # only its digest is kept
    assert (token.name, token.scope) == ("My notebook", "write")
    own_page = alice_client.get("/members/alice/").content.decode()
    assert "My notebook" in own_page and token.prefix in own_page
    assert secret not in own_page


def test_the_member_page_offers_tokens_and_export_only_to_the_member(
    alice_client, bob_client, alice
):
    own = alice_client.get("/members/alice/").content.decode()
    assert 'action="/annotations/tokens/"' in own
    assert "/annotations/export/?format=csv" in own
    other = bob_client.get("/members/alice/").content.decode()
    assert "/annotations/tokens/" not in other and "/annotations/export/" not in other


def test_a_token_needs_a_name_and_a_scope(alice_client, alice):
    response = alice_client.post(NEW, {"name": "  ", "scope": "write"})
    assert response.status_code == 422
    assert "This field is required" in response.content.decode()
    assert alice_client.post(NEW, {"name": "x", "scope": "admin"}).status_code == 422
    assert not AccessToken.objects.exists()


def test_making_a_token_needs_a_signed_in_member_and_a_post(client, alice_client):
    assert client.post(NEW, {"name": "x", "scope": "read"})["Location"].startswith(
        "/accounts/login/"
    )
    assert alice_client.get(NEW).status_code == 405
    assert not AccessToken.objects.exists()


def test_making_a_token_checks_csrf(alice):
    client = Client(enforce_csrf_checks=True)
    client.force_login(alice)
    assert client.post(NEW, {"name": "x", "scope": "read"}).status_code == 403
    assert not AccessToken.objects.exists()


def test_a_revoked_token_is_refused(alice_client, alice, alice_token):
    token = AccessToken.objects.get(user=alice)
    assert Client().get(CONTAINER, **_auth(alice_token)).status_code == 200
    response = alice_client.post(f"/annotations/tokens/{token.pk}/revoke/")
    assert response.status_code == 302
    assert token.prefix not in alice_client.get("/members/alice/").content.decode()
    refused = Client().get(CONTAINER, **_auth(alice_token))
    assert refused.status_code == 401
    assert 'error="invalid_token"' in refused["WWW-Authenticate"]


def test_a_member_cannot_revoke_anothers_token(bob_client, alice, alice_token):
    token = AccessToken.objects.get(user=alice)
    assert bob_client.post(f"/annotations/tokens/{token.pk}/revoke/").status_code == 404
    assert AccessToken.objects.get(pk=token.pk).revoked_at is None


def _auth(secret: str) -> dict[str, Any]:
    return {"HTTP_AUTHORIZATION": f"Bearer {secret}"}


def test_a_token_reads_as_its_member(alice_private_highlight, alice_read_token):
    found = json.loads(Client().get(CONTAINER, **_auth(alice_read_token)).content)
    iri = f"{BASE}/annotations/highlight-{alice_private_highlight.pk}"
    assert iri in [item["id"] for item in found["first"]["items"]]
    anonymous = json.loads(Client().get(CONTAINER).content)
    assert iri not in [item["id"] for item in anonymous.get("first", {}).get("items", [])]


def test_a_token_records_when_it_was_last_used(alice, alice_read_token):
    assert AccessToken.objects.get(user=alice).last_used_at is None
    Client().get(CONTAINER, **_auth(alice_read_token))
    assert AccessToken.objects.get(user=alice).last_used_at is not None


def test_a_read_only_token_cannot_write(alice_read_token):
    client = Client()
    response = send(
        client, "POST", CONTAINER, annotation(quote_target("post-war")), **bearer(alice_read_token)
    )
    assert response.status_code == 403
    assert 'error="insufficient_scope"' in response["WWW-Authenticate"]
    assert not Highlight.objects.exists()


def test_a_read_write_token_writes_without_csrf(token_client, alice):
    response = send(token_client, "POST", CONTAINER, annotation(quote_target("post-war")))
    assert response.status_code == 201
    assert Highlight.objects.get().author == alice


def test_a_session_write_without_csrf_is_refused(alice):
    client = Client(enforce_csrf_checks=True)
    client.force_login(alice)
    response = send(client, "POST", CONTAINER, annotation(quote_target("post-war")))
    assert response.status_code == 403
    assert not Highlight.objects.exists()


def test_a_session_write_with_csrf_goes_through(alice):
    client = Client(enforce_csrf_checks=True)
    client.force_login(alice)
    client.get("/treaties/anglo-soviet-treaty-1942/")
    token = client.cookies["csrftoken"].value
    response = send(
        client, "POST", CONTAINER, annotation(quote_target("post-war")), x_csrftoken=token
    )
    assert response.status_code == 201
    assert Highlight.objects.get().author == alice


@pytest.mark.parametrize(
    "header", ["Bearer", "Bearer trk_not-a-token", "Basic YWxpY2U6cGFzc3dvcmQ=", "Token abc"]
)
def test_a_bad_authorization_header_is_401(header):
    response = Client().get(CONTAINER, HTTP_AUTHORIZATION=header)
    assert response.status_code == 401
    assert response["WWW-Authenticate"].startswith("Bearer")


def test_the_token_of_a_deactivated_member_is_refused(alice, alice_token):
    alice.is_active = False
    alice.save()
    assert Client().get(CONTAINER, **_auth(alice_token)).status_code == 401


def test_anonymous_writes_are_401_and_change_nothing(client):
    response = send(client, "POST", CONTAINER, annotation(quote_target("post-war")))
    assert response.status_code == 401
    assert response["WWW-Authenticate"].startswith("Bearer")
    assert not Highlight.objects.exists()


def test_a_suspended_member_cannot_make_a_token_but_can_revoke_one(
    alice_client, alice, moderator, alice_token
):

    moderating.member_suspend(user=alice, moderator=moderator, period="week", reason="Spam.")
    response = alice_client.post(NEW, {"name": "Another", "scope": "write"})
    assert response.status_code == 403
    assert AccessToken.objects.filter(user=alice).count() == 1
    token = AccessToken.objects.get(user=alice)
    assert alice_client.post(f"/annotations/tokens/{token.pk}/revoke/").status_code == 302
    assert AccessToken.objects.get(pk=token.pk).revoked_at is not None
