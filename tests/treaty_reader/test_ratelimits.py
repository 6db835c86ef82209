"""Rate limits with the real rates: per member for writes (stricter in an account's first day),
per address for sign-ups and failed sign-ins, counted in a cache every worker shares."""

from __future__ import annotations

import subprocess
import sys
import uuid
from datetime import timedelta

import psycopg
import pytest
import redis
from django.contrib.auth.models import User
from django.core.cache import caches
from django.db import connection
from django.http import HttpResponse
from django.test import Client, RequestFactory
from django.urls import path
from django.utils import timezone

import treaty_reader.settings as configured
from annotations.permissions import member_write
from treaty_reader.ratelimits import client_ip, limit
from treaty_reader.urls import urlpatterns as site_urlpatterns

from ..conftest import PASSWORD, in_ci
from .serving import BASE_DIR, clean_environment, manage

CALLS: list[str] = []
SQLITE = connection.vendor == "sqlite"


@member_write
@limit("comment")
def add_comment(request):
    """Stands for the discussion's comment view, decorated as it will be."""
    CALLS.append(request.user.get_username())
    return HttpResponse("Saved.", status=201)


urlpatterns = [
    path("test/comment/", add_comment),
    *site_urlpatterns,
]
pytestmark = pytest.mark.urls(__name__)


def count(rate: str) -> int:
    return int(rate.split("/")[0])


ESTABLISHED, NEW = (count(rate) for rate in configured.RATE_LIMITS["comment"])
SIGNUPS = count(configured.RATE_LIMITS["signup"][0])
FAILED_SIGN_INS = count(configured.RATE_LIMITS["login_failed"][0])


@pytest.fixture(autouse=True)
def real_limits(settings, db):
    settings.RATE_LIMITS = configured.RATE_LIMITS
    # Sign-in tests check many passwords: a fast hasher keeps them quick.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    caches["ratelimit"].clear()
    CALLS.clear()


def member(username: str, *, days_old: float, **extra) -> Client:
    user = User.objects.create_user(username, f"{username}@example.org", PASSWORD, **extra)
    User.objects.filter(pk=user.pk).update(date_joined=timezone.now() - timedelta(days=days_old))
    client = Client()
    client.force_login(user)
    return client


def comment_until_refused(client: Client, **headers) -> list[int]:
    return [
        client.post("/test/comment/", headers=headers).status_code for _ in range(ESTABLISHED + 1)
    ]


def test_an_established_member_is_refused_with_429_once_over_the_limit():
    client = member("alice", days_old=30)
    statuses = comment_until_refused(client)
    assert statuses == [201] * ESTABLISHED + [429]
    assert len(CALLS) == ESTABLISHED, "the refused request never reached the view"

    refused = client.post("/test/comment/")
    text = refused.content.decode()
    assert refused.status_code == 429
    assert f"You have reached the limit of {ESTABLISHED} comments and replies per hour." in text
    assert "You can comment again in" in text
    assert 0 < int(refused["Retry-After"]) <= 3600
    assert "<html" in text


def test_a_new_account_has_the_stricter_limit_for_its_first_day():
    client = member("newcomer", days_old=0.5)
    statuses = comment_until_refused(client)
    assert statuses[: NEW + 1] == [201] * NEW + [429]
    assert "for accounts less than a day old" in client.post("/test/comment/").content.decode()


def test_the_refusal_is_a_fragment_for_htmx_requests():
    client = member("alice", days_old=30)
    comment_until_refused(client)
    refused = client.post("/test/comment/", headers={"HX-Request": "true"})
    assert refused.status_code == 429
    text = refused.content.decode()
    assert "<html" not in text
    assert 'role="alert"' in text
    assert "comments and replies per hour" in text


def test_each_member_has_a_count_of_their_own():
    comment_until_refused(member("alice", days_old=30))
    assert member("bob", days_old=30).post("/test/comment/").status_code == 201


def test_requests_turned_away_before_the_limit_do_not_count(client):
    for _ in range(ESTABLISHED + 1):
        assert client.post("/test/comment/").status_code == 302  # anonymous: sign in first
    alice = member("alice", days_old=30)
    for _ in range(ESTABLISHED + 1):
        assert alice.get("/test/comment/").status_code == 405
    assert alice.post("/test/comment/").status_code == 201


def test_staff_are_not_limited():
    statuses = comment_until_refused(member("moderator", days_old=0, is_staff=True))
    assert set(statuses) == {201}


WORKER = """
import os, sys, time
import django
django.setup()
from django.test import RequestFactory
from django_ratelimit.core import get_usage
request = RequestFactory().post("/", REMOTE_ADDR="198.51.100.7")
group, times, go = sys.argv[1], int(sys.argv[2]), sys.argv[3]
print("ready", flush=True)
while not os.path.exists(go):
    time.sleep(0.005)
for _ in range(times):
    get_usage(request, group=group, key="ip", rate="10000/m", increment=True)
usage = get_usage(request, group=group, key="ip", rate="10000/m", increment=False)
print(usage["count"], flush=True)
"""


def count_in_worker_processes(env: dict[str, str], tmp_path, workers: int, times: int) -> int:
    """Several processes, as gunicorn's workers are, count the same thing at the same moment;
    returns the count they leave."""
    group = f"contended-{uuid.uuid4().hex}"
    go = tmp_path / "go"
    processes = [
        subprocess.Popen(
            [sys.executable, "-c", WORKER, group, str(times), str(go)],
            env=clean_environment(env),
            cwd=BASE_DIR,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(workers)
    ]
    for process in processes:
        assert process.stdout is not None and process.stderr is not None
        assert process.stdout.readline().strip() == "ready", process.stderr.read()
    go.touch()
    finals = []
    for process in processes:
        out, err = process.communicate(timeout=120)
        assert process.returncode == 0, err
        finals.append(int(out.split()[-1]))
    return max(finals)


def test_counts_in_the_database_lose_nothing_when_workers_count_at_once(tmp_path, request):
    """SQLite here, or PostgreSQL when the suite runs on it: what runs without CACHE_URL."""
    if SQLITE:
        env = {"DATABASE_URL": f"sqlite:///{tmp_path / 'site.sqlite3'}"}
    else:
        postgres_url = request.getfixturevalue("postgres_url")
        name = f"treaty_counts_{uuid.uuid4().hex[:12]}"
        with psycopg.connect(postgres_url, autocommit=True) as admin:
            admin.execute(f'CREATE DATABASE "{name}"')
        request.addfinalizer(lambda: drop_database(postgres_url, name))
        env = {"DATABASE_URL": postgres_url.rsplit("/", 1)[0] + f"/{name}"}
    created = manage("createcachetable", env=env)
    assert created.returncode == 0, created.stderr
    assert count_in_worker_processes(env, tmp_path, workers=4, times=25) == 100


def drop_database(postgres_url: str, name: str) -> None:
    with psycopg.connect(postgres_url, autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def test_counts_in_redis_lose_nothing_when_workers_count_at_once(redis_cache, tmp_path):
    env = {"CACHE_URL": "redis://127.0.0.1:6379/0"}
    assert count_in_worker_processes(env, tmp_path, workers=4, times=25) == 100


@pytest.fixture
def redis_cache(settings):
    """The rate-limit cache in Redis, as with CACHE_URL set; keys of this test's own."""
    url = "redis://127.0.0.1:6379/0"
    try:
        redis.Redis.from_url(url, socket_connect_timeout=3).ping()
    except redis.exceptions.ConnectionError as error:
        reason = f"Redis is not reachable at {url}: {error}"
        if in_ci():
            pytest.fail(reason)
        pytest.skip(reason)
    prefix = f"test-{uuid.uuid4().hex}"
    settings.CACHES = {
        **settings.CACHES,
        "ratelimit": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": url,
            "KEY_PREFIX": prefix,
        },
    }
    client = redis.Redis.from_url(url)
    yield client
    # Only this test's keys: clear() would empty the whole Redis database.
    for key in client.scan_iter(f"{prefix}:*"):
        client.delete(key)


def test_with_redis_a_member_over_the_limit_is_refused(redis_cache):
    client = member("alice", days_old=30)
    assert comment_until_refused(client) == [201] * ESTABLISHED + [429]
    prefix = caches["ratelimit"].key_prefix
    assert list(redis_cache.scan_iter(f"{prefix}:*")), "the count is kept in Redis"


def test_with_redis_unreachable_writes_go_ahead_and_the_failure_is_logged(settings, caplog):
    settings.CACHES = {
        **settings.CACHES,
        "ratelimit": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": "redis://127.0.0.1:1/0",
        },
    }
    client = member("alice", days_old=30)
    with caplog.at_level("ERROR", logger="treaty_reader.ratelimits"):
        assert client.post("/test/comment/").status_code == 201
    assert "Rate limits are not being checked: the rate-limit cache is down." in caplog.text


def sign_up(client: Client, username: str, address: str, **extra):
    return client.post(
        "/accounts/signup/",
        {"username": username, "password1": PASSWORD, "password2": PASSWORD},
        REMOTE_ADDR=address,
        **extra,
    )


def test_sign_ups_from_one_address_are_limited():
    for n in range(SIGNUPS):
        assert sign_up(Client(), f"member{n}", "203.0.113.9").status_code == 302
    refused = sign_up(Client(), "one-too-many", "203.0.113.9")
    assert refused.status_code == 429
    assert "You can sign up in" in refused.content.decode()
    assert not User.objects.filter(username="one-too-many").exists()
    assert sign_up(Client(), "elsewhere", "192.0.2.44").status_code == 302


def test_sign_up_forms_with_errors_do_not_count():
    for _ in range(SIGNUPS + 2):
        response = Client().post(
            "/accounts/signup/",
            {"username": "x", "password1": "a", "password2": "b"},
            REMOTE_ADDR="203.0.113.9",
        )
        assert response.status_code == 200
    assert sign_up(Client(), "finally", "203.0.113.9").status_code == 302


def test_the_sign_up_form_still_shows_to_an_address_over_the_limit():
    for n in range(SIGNUPS):
        sign_up(Client(), f"member{n}", "203.0.113.9")
    assert Client().get("/accounts/signup/", REMOTE_ADDR="203.0.113.9").status_code == 200


def sign_in(client: Client, password: str, address: str, url: str = "/accounts/login/"):
    return client.post(url, {"username": "alice", "password": password}, REMOTE_ADDR=address)


def test_failed_sign_ins_from_one_address_are_limited(alice):
    for _ in range(FAILED_SIGN_INS):
        assert sign_in(Client(), "wrong", "203.0.113.9").status_code == 200
    client = Client()
    refused = sign_in(client, PASSWORD, "203.0.113.9")
    assert refused.status_code == 429
    assert "failed sign-ins from your address" in refused.content.decode()
    assert "_auth_user_id" not in client.session

    elsewhere = Client()
    assert sign_in(elsewhere, PASSWORD, "192.0.2.44").status_code == 302
    assert elsewhere.session["_auth_user_id"] == str(alice.pk)


def test_the_admin_sign_in_cannot_be_used_to_go_on_guessing(alice):
    User.objects.filter(pk=alice.pk).update(is_staff=True)
    for _ in range(FAILED_SIGN_INS):
        sign_in(Client(), "wrong", "203.0.113.9")
    client = Client()
    sign_in(client, PASSWORD, "203.0.113.9", url="/admin/login/")
    assert "_auth_user_id" not in client.session


def test_successful_sign_ins_do_not_count(alice):
    for _ in range(FAILED_SIGN_INS + 2):
        assert sign_in(Client(), PASSWORD, "203.0.113.9").status_code == 302


def test_without_a_trusted_proxy_x_forwarded_for_is_ignored():
    for n in range(SIGNUPS):
        sign_up(Client(), f"member{n}", "203.0.113.9", HTTP_X_FORWARDED_FOR=f"10.0.0.{n}")
    refused = sign_up(Client(), "forged", "203.0.113.9", HTTP_X_FORWARDED_FOR="10.9.9.9")
    assert refused.status_code == 429


def test_behind_a_trusted_proxy_each_client_has_its_own_count(settings):
    settings.TRUSTED_PROXY_COUNT = 1
    proxy = "127.0.0.1"
    for n in range(SIGNUPS):
        sign_up(Client(), f"member{n}", proxy, HTTP_X_FORWARDED_FOR="203.0.113.9")
    # A different client behind the same proxy may still sign up...
    assert sign_up(Client(), "other", proxy, HTTP_X_FORWARDED_FOR="192.0.2.44").status_code == 302
    # ...but the first cannot escape by writing addresses of its own in front.
    forged = sign_up(Client(), "forged", proxy, HTTP_X_FORWARDED_FOR="10.9.9.9, 203.0.113.9")
    assert forged.status_code == 429


@pytest.mark.parametrize(
    ("proxies", "forwarded_for", "address"),
    [
        (0, "192.0.2.1", "198.51.100.1"),
        (1, "10.0.0.1, 192.0.2.1", "192.0.2.1"),
        (2, "10.0.0.1, 192.0.2.1, 198.51.100.200", "192.0.2.1"),
        (2, "192.0.2.1", "192.0.2.1"),
        (1, "not-an-address", "198.51.100.1"),
        (1, "", "198.51.100.1"),
    ],
)
def test_the_client_address_is_the_one_the_outermost_trusted_proxy_saw(
    settings, proxies, forwarded_for, address
):
    settings.TRUSTED_PROXY_COUNT = proxies
    request = RequestFactory().get(
        "/", REMOTE_ADDR="198.51.100.1", HTTP_X_FORWARDED_FOR=forwarded_for
    )
    assert client_ip(request) == address


def test_rate_limits_can_be_set_from_the_environment():
    script = "from django.conf import settings; print(settings.RATE_LIMITS['comment'])"
    good = manage(
        "shell",
        "--no-imports",
        "-c",
        script,
        env={"DJANGO_RATE_LIMITS": "comment=5/m:2/m,signup=3/h"},
    )
    assert good.stdout.strip() == "('5/m', '2/m')", good.stderr
    bad = manage("shell", "--no-imports", "-c", script, env={"DJANGO_RATE_LIMITS": "comments=lots"})
    assert bad.returncode != 0
    assert "DJANGO_RATE_LIMITS: 'comments=lots' is not KIND=RATE" in bad.stderr


def test_cache_url_puts_both_caches_in_redis_and_refuses_anything_else():
    script = (
        "from django.conf import settings;"
        "print(*(c['BACKEND'].rsplit('.', 1)[1] for c in settings.CACHES.values()))"
    )
    redis_url = manage(
        "shell", "--no-imports", "-c", script, env={"CACHE_URL": "redis://127.0.0.1:6379/1"}
    )
    assert redis_url.stdout.split() == ["RedisCache", "RedisCache"], redis_url.stderr
    default = manage("shell", "--no-imports", "-c", script, env={})
    assert default.stdout.split() == ["LocMemCache", "DatabaseCounterCache"], default.stderr
    bad = manage("shell", "--no-imports", "-c", script, env={"CACHE_URL": "memcached://127.0.0.1"})
    assert "CACHE_URL must be a Redis URL" in bad.stderr
