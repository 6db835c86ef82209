"""The default cache keeps a worker's memory bounded, in bytes and in entries, however many
pages and members it sees; and keeps a page's bytes without copying them."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import User
from django.core.cache import cache
from django.test import Client

from treaty_reader.memory_cache import LocMemCache

from ..conftest import queries_for

PAGE = "/treaties/anglo-soviet-treaty-1942/"


def bounded(name: str, *, max_bytes: int, max_entries: int = 10_000) -> LocMemCache:
    store = LocMemCache(name, {"OPTIONS": {"MAX_BYTES": max_bytes, "MAX_ENTRIES": max_entries}})
    store.clear()
    return store


def test_it_never_holds_more_bytes_than_its_budget():
    store = bounded("bytes", max_bytes=1_000_000)
    for number in range(100):
        store.set(f"page-{number}", (b"x" * 50_000, b"slot", b"y" * 50_000))
        assert store.total_bytes <= 1_000_000

    assert store.get("page-99") is not None
    assert store.get("page-0") is None
    assert sum(store.get(f"page-{n}") is not None for n in range(100)) == 9


def test_it_drops_the_least_recently_read_first():
    store = bounded("recency", max_bytes=350_000)
    for number in range(3):
        store.set(f"page-{number}", b"x" * 100_000)
    store.get("page-0")
    store.set("page-3", b"x" * 100_000)

    assert store.get("page-0") is not None
    assert store.get("page-1") is None


def test_it_never_holds_more_entries_than_its_maximum():
    store = bounded("entries", max_bytes=10**9, max_entries=50)
    for number in range(500):
        store.set(f"k{number}", number)

    assert sum(store.get(f"k{n}") is not None for n in range(500)) <= 50
    assert store.get("k499") == 499


def test_a_value_larger_than_the_whole_budget_is_not_kept():
    store = bounded("huge", max_bytes=1_000)
    store.set("small", b"x" * 10)
    store.set("huge", b"x" * 10_000)

    assert store.get("huge") is None
    assert store.get("small") == b"x" * 10


def test_a_page_is_handed_back_as_kept_and_anything_changeable_as_a_copy():
    store = bounded("copies", max_bytes=10**6)
    page = (b"<html>", b"slot", b"</html>")
    layer = {"clauses": [1, 2]}
    store.set("page", page)
    store.set("layer", layer)

    assert store.get("page") is page
    got = store.get("layer")
    got["clauses"].append(3)
    assert store.get("layer") == {"clauses": [1, 2]}


def test_increments_and_deletes_keep_the_count_right():
    store = bounded("incr", max_bytes=10**6)
    store.set("n", 1)
    assert store.incr("n", 5) == 6
    store.set("page", b"x" * 1000)
    store.delete("page")
    store.delete("n")

    assert store.total_bytes == 0


@pytest.fixture
def small_cache(settings):
    settings.CACHES = {
        **settings.CACHES,
        "default": {
            "BACKEND": "treaty_reader.memory_cache.LocMemCache",
            "LOCATION": "small-page-cache",
            "OPTIONS": {"MAX_BYTES": 300_000, "MAX_ENTRIES": 500},
        },
    }
    cache.clear()
    yield cache
    cache.clear()


def test_a_worker_seeing_many_members_stays_within_its_page_cache_budget(treaty, small_cache):
    for number in range(25):
        member = User.objects.create_user(f"reader{number}", password="unused-password-1")
        reader = Client()
        reader.force_login(member)
        assert reader.get(PAGE).status_code == 200
        assert small_cache.total_bytes <= 300_000

    # The latest member's copy is still kept: their next visit is answered from it.
    assert queries_for(lambda: reader.get(PAGE)) == 4
