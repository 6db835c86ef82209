"""Suspensions members understand: the banner on every page, composers and buttons disabled
with the reason, refusals in place; and finding the member to suspend by name or email."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import User
from django.test import Client

from annotations.models import Comment, Suspension
from annotations.moderation import services as moderation
from annotations.moderation.backends import with_current_suspension
from annotations.permissions import active_suspension, current_suspension
from tests import moderating
from tests.conftest import PASSWORD

PAGE = "/treaties/anglo-soviet-treaty-1942/"
DISCUSSION = PAGE + "discussion/"
SEARCH = "/admin/annotations/suspension/member-search/"
ADD = "/admin/annotations/suspension/add/"


@pytest.fixture
def suspension(alice, moderator) -> Suspension:
    return moderating.member_suspend(
        user=alice, moderator=moderator, period="week", reason="Personal attacks."
    )


# The member's side ----------------------------------------------------------------------------


@pytest.mark.parametrize("path", [PAGE, DISCUSSION, "/members/alice/", "/notifications/"])
def test_a_suspended_member_sees_the_banner_on_every_page(alice_client, treaty, suspension, path):
    html = alice_client.get(path).content.decode()

    assert 'id="suspension-banner"' in html
    assert f"Your account is suspended {suspension.until_text}." in html
    assert "Reason: Personal attacks." in html


def test_nobody_else_sees_a_banner(bob_client, client, treaty, suspension):
    for viewer in (bob_client, client):
        assert 'id="suspension-banner"' not in viewer.get(PAGE).content.decode()


def test_the_banner_goes_when_the_suspension_is_lifted(
    alice_client, treaty, moderator, suspension, alice
):
    assert 'id="suspension-banner"' in alice_client.get(DISCUSSION).content.decode()

    moderating.suspension_lift(user=alice, moderator=moderator)

    assert 'id="suspension-banner"' not in alice_client.get(DISCUSSION).content.decode()


def test_composers_and_buttons_are_disabled_with_the_reason(
    alice_client, bob_client, treaty, say, bob, suspension
):
    say(bob, "Bob's remark.")

    html = alice_client.get(DISCUSSION).content.decode()
    usable = bob_client.get(DISCUSSION).content.decode()

    assert "You cannot post while your account is suspended" in html
    assert 'maxlength="10000" required disabled' in html
    assert 'class="like-button" disabled aria-describedby="suspension-banner-text"' in html
    assert 'class="link-button reply-link" disabled' in html
    assert 'class="link-button flag-button" disabled' in html
    assert 'hx-get="/comments/' not in html  # no working reply or flag link
    assert " disabled" not in usable


def test_the_selection_toolbar_is_disabled_too(alice_client, treaty, suspension):
    html = alice_client.get(PAGE).content.decode()

    assert "You cannot highlight or comment while your account is suspended" in html
    assert 'value="highlight" disabled' in html


def test_a_suspended_members_page_costs_no_query_more(alice_client, bob, treaty, suspension):
    """The suspension comes with the member, in the one query that loads them."""
    from tests.conftest import queries_for

    carol = Client()
    carol.force_login(User.objects.create_user("carol", "carol@example.org", PASSWORD))
    # Both look at bob's page (a member's own page also lists their access tokens).
    alice_queries = queries_for(lambda: alice_client.get("/members/bob/"))
    carol_queries = queries_for(lambda: carol.get("/members/bob/"))

    assert alice_queries == carol_queries


def test_the_member_is_loaded_with_the_longest_current_suspension(alice, moderator, suspension):
    later = Suspension.objects.create(user=alice, reason="Indefinitely.", created_by=moderator)
    Suspension.objects.create(user=moderator, reason="Not hers.", created_by=alice)

    loaded = with_current_suspension(User.objects.filter(pk=alice.pk)).get()

    assert (loaded.suspension_pk, loaded.suspension_reason) == (later.pk, "Indefinitely.")
    assert loaded.suspension_ends_at is None


def test_the_standing_loaded_with_the_member_is_the_suspension_a_write_looks_up(
    alice, bob, moderator, suspension
):
    Suspension.objects.create(user=alice, reason="Indefinitely.", created_by=moderator)
    for member in (alice, bob):
        loaded = with_current_suspension(User.objects.filter(pk=member.pk)).get()
        found, looked_up = current_suspension(loaded), active_suspension(member)
        assert (found and found.pk, found and found.reason, found and found.ends_at) == (
            looked_up and looked_up.pk,
            looked_up and looked_up.reason,
            looked_up and looked_up.ends_at,
        )
    assert current_suspension(User.objects.get(pk=bob.pk)) is None


def test_a_member_loaded_without_their_standing_is_refused_all_the_same(
    settings, alice, treaty, suspension
):
    """Signed in through a backend that loads only the user's row: the suspension is looked
    up, so the write is still refused, and the banner still shows."""
    backend = "django.contrib.auth.backends.ModelBackend"
    settings.AUTHENTICATION_BACKENDS = [*settings.AUTHENTICATION_BACKENDS, backend]
    client = Client()
    client.force_login(alice, backend=backend)

    response = client.post(PAGE + "comments/", {"body": "My draft."}, HTTP_HX_REQUEST="true")

    assert response.status_code == 403
    assert "Personal attacks." in response.content.decode()
    assert not Comment.objects.filter(author=alice).exists()
    assert 'id="suspension-banner"' in client.get(DISCUSSION).content.decode()


def test_a_refused_htmx_write_answers_with_the_reason_as_a_fragment(
    alice_client, treaty, suspension
):
    response = alice_client.post(PAGE + "comments/", {"body": "My draft."}, HTTP_HX_REQUEST="true")

    html = response.content.decode()
    assert response.status_code == 403
    assert not html.lstrip().startswith("<!doctype")  # a fragment, swapped in place
    assert "Your account is suspended" in html and "Personal attacks." in html


def test_every_page_loads_the_script_that_keeps_refusals_in_place(client, treaty):
    html = client.get(PAGE).content.decode()

    assert '<script src="/static/js/in-place.js" defer></script>' in html


# Suspending staff ---------------------------------------------------------------------------


def test_the_service_refuses_to_suspend_staff_and_changes_nothing(moderator, staff_outsider):
    with pytest.raises(Exception, match="Staff .* cannot be suspended: sam"):
        moderation.members_suspend(
            users=User.objects.filter(pk=staff_outsider.pk), moderator=moderator,
            period="day", reason="No.",
        )  # fmt: skip

    assert not Suspension.objects.exists()


def test_the_members_action_refuses_staff(moderator_client, staff_outsider):
    response = moderator_client.post(
        "/admin/annotations/member/",
        {"action": "suspend_members", "_selected_action": [staff_outsider.pk], "confirm": "yes",
         "period": "day", "reason": "No."},
    )  # fmt: skip

    assert response.status_code == 200
    assert "Staff (moderators and superusers) and you yourself cannot be suspended: sam" in (
        response.content.decode()
    )
    assert not Suspension.objects.exists()


def test_the_suspension_form_refuses_staff_with_a_clear_message(moderator_client, staff_outsider):
    response = moderator_client.post(
        ADD, {"user": staff_outsider.pk, "reason": "No.", "starts_at_0": "2026-11-30",
              "starts_at_1": "00:00:00"},
    )  # fmt: skip

    assert response.status_code == 200
    assert "Staff (moderators and superusers) cannot be suspended." in response.content.decode()
    assert not Suspension.objects.exists()


# Finding the member -------------------------------------------------------------------------


@pytest.fixture
def members(db) -> list[User]:
    return [
        User.objects.create_user("alexandra", "sasha@example.org", PASSWORD, first_name="Sasha"),
        User.objects.create_user("boris", "b.petrov@example.org", PASSWORD, last_name="Petrov"),
        User.objects.create_user("carla", "carla@example.org", PASSWORD, is_staff=True),
    ]


def found(client: Client, term: str) -> list[str]:
    response = client.get(SEARCH, {"term": term})
    assert response.status_code == 200
    return [row["text"].split(" ")[0] for row in response.json()["results"]]


@pytest.mark.parametrize(
    ("term", "names"),
    [
        ("alex", ["alexandra"]),
        ("sasha", ["alexandra"]),  # first name and email
        ("petrov", ["boris"]),  # last name and email
        ("EXAMPLE.ORG", ["alexandra", "boris"]),  # not carla (staff), nor maria (herself)
        ("", []),  # nobody until something is typed
        ("zzz", []),
    ],
)
def test_the_suspension_form_finds_members_by_name_or_email(moderator_client, members, term, names):
    assert found(moderator_client, term) == names


def test_the_search_shows_the_email_beside_the_name(moderator_client, members):
    response = moderator_client.get(SEARCH, {"term": "boris"})

    assert response.json() == {
        "results": [{"id": str(members[1].pk), "text": "boris (b.petrov@example.org)"}],
        "pagination": {"more": False},
    }


def test_the_search_is_for_those_who_may_suspend(client, alice_client, staff_outsider, members):
    outsider = Client()
    outsider.force_login(staff_outsider)

    assert client.get(SEARCH, {"term": "a"}).status_code == 302
    assert alice_client.get(SEARCH, {"term": "a"}).status_code == 302
    assert outsider.get(SEARCH, {"term": "a"}).status_code == 403


def test_the_suspension_form_asks_the_search_instead_of_listing_everyone(moderator_client, members):
    html = moderator_client.get(ADD).content.decode()

    assert f'data-ajax--url="{SEARCH}"' in html
    assert "admin-autocomplete" in html
    assert ">alexandra<" not in html and ">boris<" not in html


# A member's record, in Members ----------------------------------------------------------------


def test_a_members_page_in_the_admin_shows_their_record(
    moderator_client, moderator, say, alice, bob
):
    rude = say(alice, "Rude.")
    say(alice, "Polite.")
    moderation.flag_create(comment=rude, flagger=bob, reason="abuse")
    moderating.comment_hide(comment=rude, moderator=moderator, reason="Rude")
    moderating.member_suspend(user=alice, moderator=moderator, period="day", reason="Rude")

    html = moderator_client.get(f"/admin/annotations/member/{alice.pk}/change/").content.decode()

    assert "2 comments (1 hidden) · 1 flag against them · 1 suspension, suspended now" in html
    assert f"/admin/annotations/flag/?comment__author__id__exact={alice.pk}" in html
    assert "Flags against them" in html
