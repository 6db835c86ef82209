"""The API's cast: tokens for alice, and helpers to speak JSON-LD to the container."""

from __future__ import annotations

import json

import pytest
from django.test import Client

from annotations.api import tokens

ANNO = "http://www.w3.org/ns/anno.jsonld"
MEDIA_TYPE = f'application/ld+json; profile="{ANNO}"'
BASE = "http://testserver"
TREATY = f"{BASE}/treaties/anglo-soviet-treaty-1942/"
CONTAINER = "/annotations/"


def annotation(target, **fields):
    return {"@context": ANNO, "type": "Annotation", "target": target, **fields}


def quote_target(exact, *, clause="", **selector):
    source = f"{TREATY}#{clause}" if clause else TREATY
    return {"source": source, "selector": {"type": "TextQuoteSelector", "exact": exact, **selector}}


def body(text, fmt="text/markdown"):
    return {"type": "TextualBody", "value": text, "format": fmt}


def send(client, method, url, data=None, **headers):
    """A JSON-LD request; ``data`` goes as the body."""
    payload = json.dumps(data) if data is not None else ""
    kwargs = {f"HTTP_{k.upper().replace('-', '_')}": v for k, v in headers.items()}
    return getattr(client, method.lower())(url, payload, content_type=MEDIA_TYPE, **kwargs)


def bearer(secret):
    return {"Authorization": f"Bearer {secret}"}


@pytest.fixture
def alice_token(alice):
    """A read-write token's secret for alice."""
    _, secret = tokens.token_create(user=alice, name="notebook", scope="write")
    return secret


@pytest.fixture
def alice_read_token(alice):
    _, secret = tokens.token_create(user=alice, name="reader", scope="read")
    return secret


@pytest.fixture
def token_client(alice_token):
    """alice's program: a client with no session, CSRF enforced, and her token."""
    client = Client(enforce_csrf_checks=True)
    client.defaults["HTTP_AUTHORIZATION"] = f"Bearer {alice_token}"
    return client
