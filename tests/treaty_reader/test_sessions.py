"""Sessions read with a prepared query and decoded once per process: still exactly Django's."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test import Client

from treaty_reader.sessions import SessionStore

SIGNED_IN_PAGE = "/notifications/"


def test_a_session_ended_elsewhere_ends_here_though_its_data_was_decoded_before(alice):
    first, second = Client(), Client()
    first.force_login(alice)
    second.cookies = first.cookies  # the same session in another browser tab
    assert second.get(SIGNED_IN_PAGE).status_code == 200

    first.post("/accounts/logout/")

    assert second.get(SIGNED_IN_PAGE).status_code == 302  # sent to sign in


def test_each_load_gets_its_own_copy_of_the_data(db):
    store = SessionStore()
    store["basket"] = ["a"]
    store.create()

    one, other = SessionStore(store.session_key), SessionStore(store.session_key)
    one["basket"].append("b")

    assert other["basket"] == ["a"]


def test_changed_data_is_read_as_changed(db):
    store = SessionStore()
    store["step"] = 1
    store.create()
    assert SessionStore(store.session_key)["step"] == 1

    store["step"] = 2
    store.save()

    assert SessionStore(store.session_key)["step"] == 2


def test_data_signed_with_another_key_is_no_session(db, settings):
    store = SessionStore()
    store["member"] = "alice"
    store.create()
    assert SessionStore(store.session_key).get("member") == "alice"

    settings.SECRET_KEY = "another-key-" + "x" * 50

    assert SessionStore(store.session_key).get("member") is None


@pytest.mark.parametrize("times", [1, 2])
def test_a_literal_percent_sign_in_sql_survives_the_kept_placeholders(db, times):
    with connection.cursor() as cursor:
        for _ in range(times):
            cursor.execute("SELECT '100%%', %s", ["sure"])
            assert cursor.fetchone() == ("100%", "sure")
