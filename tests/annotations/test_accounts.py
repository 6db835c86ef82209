"""Accounts: signing up, in and out, passwords, the header, and a member's page."""

from __future__ import annotations

import re

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.utils import timezone

from annotations.highlights import services
from annotations.models import Comment, Highlight

from ..conftest import PASSWORD

PASSAGE = "/treaties/anglo-soviet-treaty-1942/"
NEW_PASSWORD = "a tremendously long wartime alliance"


def signup_data(**overrides: str) -> dict[str, str]:
    data = {
        "username": "carol",
        "email": "carol@example.org",
        "password1": NEW_PASSWORD,
        "password2": NEW_PASSWORD,
    }
    data.update(overrides)
    return data


def signed_in_user_id(client: Client) -> str | None:
    return client.session.get("_auth_user_id")


def account_nav(html: str) -> str:
    """The header's account links, where the page says who is signed in."""
    return html.split('<nav aria-label="Account"', 1)[1].split("</nav>", 1)[0]


def highlight(author: User, document, **kwargs) -> Highlight:
    return services.highlight_create(
        author=author,
        document=document,
        start_key="article-7-para-1",
        start_offset=0,
        end_key="article-7-para-1",
        end_offset=20,
        **{"visibility": "public", **kwargs},
    )


def comment(author: User, document, body: str, **fields) -> Comment:
    return Comment.objects.create(
        document=document,
        author=author,
        body=body,
        body_html=f"<p>{body}</p>",
        created_at=timezone.now(),
        **fields,
    )


# Sign up


def test_signup_page_carries_next_and_links_to_sign_in_with_it(client, db):
    response = client.get("/accounts/signup/", {"next": PASSAGE})
    assert response.status_code == 200
    html = response.content.decode()
    assert f'<input type="hidden" name="next" value="{PASSAGE}">' in html
    assert '/accounts/login/?next=/treaties/anglo-soviet-treaty-1942/"' in html
    assert 'autocomplete="new-password"' in html
    assert "Your username is public" in html


def test_it_signs_up_signs_in_and_returns_to_the_passage(client, treaty):
    response = client.post("/accounts/signup/", {**signup_data(), "next": PASSAGE})
    assert response.status_code == 302
    assert response.url == PASSAGE
    carol = User.objects.get(username="carol")
    assert carol.email == "carol@example.org"
    assert carol.check_password(NEW_PASSWORD)
    assert signed_in_user_id(client) == str(carol.pk)


def test_it_signs_up_without_an_email_and_goes_home_without_next(client, db):
    response = client.post("/accounts/signup/", signup_data(email=""))
    assert response.status_code == 302
    assert response.url == "/"
    assert User.objects.get(username="carol").email == ""


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"password1": "password", "password2": "password"}, "This password is too common."),
        ({"password1": "x7Q!", "password2": "x7Q!"}, "This password is too short."),
        ({"password2": "something else entirely"}, "The two password fields didn"),
        ({"username": "no spaces please"}, "Enter a valid username."),
        ({"email": "not-an-address"}, "Enter a valid email address."),
    ],
)
def test_it_refuses_a_bad_signup_and_says_why_in_place(client, db, overrides, message):
    response = client.post("/accounts/signup/", {**signup_data(**overrides), "next": PASSAGE})
    assert response.status_code == 200
    html = response.content.decode()
    assert message in html
    assert "<title>Error: Sign up" in html
    assert 'aria-invalid="true"' in html
    assert f'value="{PASSAGE}"' in html
    assert not User.objects.filter(username=signup_data(**overrides)["username"]).exists()
    assert signed_in_user_id(client) is None


def test_it_keeps_what_was_typed_except_passwords(client, db):
    response = client.post("/accounts/signup/", signup_data(password2="mismatch"))
    html = response.content.decode()
    assert 'value="carol"' in html
    assert 'value="carol@example.org"' in html
    assert NEW_PASSWORD not in html


def test_it_refuses_a_username_already_taken_whatever_its_case(client, alice):
    response = client.post("/accounts/signup/", signup_data(username="Alice"))
    assert response.status_code == 200
    assert "A user with that username already exists." in response.content.decode()
    assert User.objects.count() == 1


def test_it_sends_a_signed_in_member_on_from_signup(alice_client):
    response = alice_client.get("/accounts/signup/", {"next": PASSAGE})
    assert response.status_code == 302
    assert response.url == PASSAGE


@pytest.mark.parametrize(
    "evil", ["https://evil.example/", "//evil.example/", "/\\evil.example", "javascript:alert(1)"]
)
def test_signup_refuses_to_redirect_off_site(client, db, evil):
    response = client.post("/accounts/signup/", {**signup_data(), "next": evil})
    assert response.status_code == 302
    assert response.url == "/"
    page = client.get("/accounts/signup/", {"next": evil}).content.decode()
    assert "evil" not in page


# Sign in


def test_login_page_carries_next_and_links_to_sign_up_with_it(client, db):
    response = client.get("/accounts/login/", {"next": PASSAGE})
    assert response.status_code == 200
    html = response.content.decode()
    assert f'<input type="hidden" name="next" value="{PASSAGE}">' in html
    assert '/accounts/signup/?next=/treaties/anglo-soviet-treaty-1942/"' in html
    assert 'autocomplete="current-password"' in html


def test_it_signs_in_and_returns_to_the_passage(client, alice, treaty):
    response = client.post(
        "/accounts/login/", {"username": "alice", "password": PASSWORD, "next": PASSAGE}
    )
    assert response.status_code == 302
    assert response.url == PASSAGE
    assert signed_in_user_id(client) == str(alice.pk)


@pytest.mark.parametrize("evil", ["https://evil.example", "//evil.example/path"])
def test_login_refuses_to_redirect_off_site(client, alice, evil):
    response = client.post(
        "/accounts/login/", {"username": "alice", "password": PASSWORD, "next": evil}
    )
    assert response.status_code == 302
    assert response.url == "/"
    assert "evil" not in client.get("/accounts/login/", {"next": evil}).content.decode()


def test_a_wrong_password_shows_an_error_and_signs_no_one_in(client, alice):
    response = client.post("/accounts/login/", {"username": "alice", "password": "wrong"})
    assert response.status_code == 200
    html = response.content.decode()
    assert "Please enter a correct username and password." in html
    assert 'value="alice"' in html
    assert signed_in_user_id(client) is None


# Sign out


def test_logout_by_get_is_refused(alice_client, alice):
    response = alice_client.get("/accounts/logout/")
    assert response.status_code == 405
    assert signed_in_user_id(alice_client) == str(alice.pk)


def test_logout_by_post_signs_out_and_goes_home(alice_client):
    response = alice_client.post("/accounts/logout/")
    assert response.status_code == 302
    assert response.url == "/"
    assert signed_in_user_id(alice_client) is None


# The header


def test_header_offers_sign_in_and_sign_up_returning_here(client, treaty):
    html = account_nav(client.get(PASSAGE).content.decode())
    assert 'href="/accounts/login/?next=/treaties/anglo-soviet-treaty-1942/"' in html
    assert 'href="/accounts/signup/?next=/treaties/anglo-soviet-treaty-1942/"' in html
    assert "Signed in as" not in html


def test_header_shows_who_is_signed_in_and_a_sign_out_button(alice_client, treaty):
    html = account_nav(alice_client.get(PASSAGE).content.decode())
    assert 'Signed in as <a href="/members/alice/">alice</a>' in html
    assert '<form method="post" action="/accounts/logout/">' in html
    assert '<button type="submit" class="link-button">Sign out</button>' in html
    assert "/accounts/login/" not in html


# Passwords


def test_password_change_requires_sign_in(client, db):
    response = client.get("/accounts/password_change/")
    assert response.status_code == 302
    assert response.url == "/accounts/login/?next=/accounts/password_change/"


def test_it_changes_the_password_and_stays_signed_in(alice_client, alice):
    response = alice_client.post(
        "/accounts/password_change/",
        {"old_password": PASSWORD, "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
    )
    assert response.status_code == 302
    assert response.url == "/accounts/password_change/done/"
    alice.refresh_from_db()
    assert alice.check_password(NEW_PASSWORD)
    assert signed_in_user_id(alice_client) == str(alice.pk)
    assert alice_client.get(response.url).status_code == 200


def test_password_change_refuses_a_wrong_old_password(alice_client, alice):
    response = alice_client.post(
        "/accounts/password_change/",
        {"old_password": "wrong", "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
    )
    assert response.status_code == 200
    assert "Your old password was entered incorrectly." in response.content.decode()
    alice.refresh_from_db()
    assert alice.check_password(PASSWORD)


def test_password_reset_mails_one_working_link(client, alice, mailoutbox):
    response = client.post("/accounts/password_reset/", {"email": "alice@example.org"})
    assert response.status_code == 302
    assert response.url == "/accounts/password_reset/done/"
    assert len(mailoutbox) == 1
    mail = mailoutbox[0]
    assert mail.to == ["alice@example.org"]
    assert mail.subject == "Reset your Treaty Reader password"
    assert "&amp;" not in mail.body
    found = re.search(r"https?://[^/\s]+(/accounts/reset/\S+/)", mail.body)
    assert found is not None
    link = found.group(1)

    form_page = client.get(link, follow=True)
    assert form_page.status_code == 200
    assert form_page.context["validlink"]
    set_password_url = form_page.redirect_chain[-1][0]
    response = client.post(
        set_password_url, {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD}
    )
    assert response.status_code == 302
    assert response.url == "/accounts/reset/done/"
    alice.refresh_from_db()
    assert alice.check_password(NEW_PASSWORD)
    assert "That link no longer works" in client.get(link, follow=True).content.decode()


def test_password_reset_for_an_unknown_address_looks_the_same_and_sends_nothing(
    client, alice, mailoutbox
):
    response = client.post("/accounts/password_reset/", {"email": "nobody@example.org"})
    assert response.status_code == 302
    assert response.url == "/accounts/password_reset/done/"
    assert mailoutbox == []


@pytest.mark.parametrize(
    "url",
    [
        "/accounts/login/",
        "/accounts/signup/",
        "/accounts/password_reset/",
        "/accounts/password_reset/done/",
        "/accounts/reset/done/",
        "/accounts/reset/MQ/bad-token/",
    ],
)
def test_every_account_page_uses_the_site_layout(client, db, url):
    response = client.get(url, follow=True)
    assert response.status_code == 200
    assert 'class="site-header"' in response.content.decode()


# The member page


def test_member_page_lists_highlights_and_comments_newest_first(client, alice, treaty):
    older = highlight(alice, treaty, note="first")
    newer = highlight(alice, treaty, note="second")
    comment(alice, treaty, "An early thought")
    latest = comment(alice, treaty, "A **later** thought")
    response = client.get("/members/alice/")
    assert response.status_code == 200
    html = response.content.decode()
    assert [e.highlight for e in response.context["highlight_entries"]] == [newer, older]
    assert html.index("A later thought") < html.index("An early thought")
    assert f'href="/highlights/{newer.pk}/"' in html  # each highlight links to its place
    assert f'href="{PASSAGE}discussion/#comment-{latest.pk}"' in html
    assert "<strong>" not in html.split('id="comments"')[1].split("</section>")[0]


def test_another_reader_sees_only_public_anchored_highlights(bob_client, alice, treaty):
    public = highlight(alice, treaty)
    private = highlight(alice, treaty, visibility="private")
    orphan = highlight(alice, treaty)
    Highlight.objects.filter(pk=orphan.pk).update(status=Highlight.Status.ORPHANED)
    withdrawn = highlight(alice, treaty)
    Highlight.objects.filter(pk=withdrawn.pk).update(withdrawn_at=timezone.now())

    for viewer in (bob_client, Client()):
        response = viewer.get("/members/alice/")
        assert [e.highlight for e in response.context["highlight_entries"]] == [public]
        html = response.content.decode()
        assert "Only me" not in html
        assert "Orphaned" not in html
    assert private.pk and withdrawn.pk


def test_a_member_sees_their_private_and_orphaned_highlights_marked(alice_client, alice, treaty):
    public = highlight(alice, treaty)
    private = highlight(alice, treaty, visibility="private")
    orphan = highlight(alice, treaty)
    Highlight.objects.filter(pk=orphan.pk).update(status=Highlight.Status.ORPHANED)
    withdrawn = highlight(alice, treaty)
    Highlight.objects.filter(pk=withdrawn.pk).update(withdrawn_at=timezone.now())

    response = alice_client.get("/members/alice/")
    shown = [e.highlight for e in response.context["highlight_entries"]]
    assert shown == [orphan, private, public]
    html = response.content.decode()
    assert html.count(">Only me</span>") == 1
    assert html.count(">Orphaned — the text changed</span>") == 1
    assert "This is your page." in html


def test_comments_hide_what_the_viewer_may_not_see(alice_client, bob_client, alice, bob, treaty):
    comment(alice, treaty, "Plain and visible")
    comment(alice, treaty, "Gone for good", deleted_at=timezone.now())
    comment(
        alice,
        treaty,
        "Hidden by the mods",
        hidden_at=timezone.now(),
        hidden_reason="Off-topic",
        hidden_by=bob,
    )
    own_private = highlight(alice, treaty, visibility="private")
    comment(alice, treaty, "On my private highlight", highlight=own_private)
    bobs_private = highlight(bob, treaty, visibility="private")
    comment(alice, treaty, "On bob's private highlight", highlight=bobs_private)
    bobs_public = highlight(bob, treaty)
    comment(alice, treaty, "On bob's public highlight", highlight=bobs_public)

    def bodies(client: Client) -> list[str]:
        response = client.get("/members/alice/")
        return [e.comment.body for e in response.context["comment_entries"]]

    assert bodies(bob_client) == [
        "On bob's public highlight",
        "On bob's private highlight",
        "Plain and visible",
    ]
    assert bodies(Client()) == ["On bob's public highlight", "Plain and visible"]
    assert bodies(alice_client) == [
        "On bob's public highlight",
        "On my private highlight",
        "Hidden by the mods",
        "Plain and visible",
    ]
    html = alice_client.get("/members/alice/").content.decode()
    assert "Hidden by a moderator: Off-topic" in html
    assert "Gone for good" not in html
    assert "Hidden by" not in bob_client.get("/members/alice/").content.decode()


def test_member_page_for_an_unknown_or_inactive_member_is_404(client, alice):
    assert client.get("/members/nobody/").status_code == 404
    User.objects.filter(pk=alice.pk).update(is_active=False)
    assert client.get("/members/alice/").status_code == 404


def test_member_page_refuses_post(alice_client, alice):
    assert alice_client.post("/members/alice/").status_code == 405


def test_member_page_paginates_each_list_by_fifty(client, alice, treaty):
    for _ in range(51):
        highlight(alice, treaty)
    first = client.get("/members/alice/")
    assert len(first.context["highlight_entries"]) == 50
    html = first.content.decode()
    assert 'href="?highlights=2&amp;comments=1#highlights"' in html
    second = client.get("/members/alice/", {"highlights": 2})
    assert len(second.context["highlight_entries"]) == 1
    assert client.get("/members/alice/", {"highlights": "junk"}).status_code == 200


@pytest.mark.parametrize("viewer", ["alice", "bob"])
def test_member_page_costs_the_same_queries_however_much_there_is(
    django_assert_max_num_queries, alice, bob, treaty, viewer
):
    viewing = Client()
    viewing.force_login(alice if viewer == "alice" else bob)

    def count_queries() -> int:
        # Session, viewer, the header's unread replies, the member, a count and a page for
        # each of the two lists, and where the comments sit in their threads; on the
        # member's own page, their access tokens and the highlights a correction of the
        # text changed (one query each).
        with django_assert_max_num_queries(9 + 2 * (viewer == "alice")) as captured:
            assert viewing.get("/members/alice/").status_code == 200
        return len(captured)

    def add(n: int) -> None:
        for i in range(n):
            mark = highlight(alice, treaty, visibility="private" if i % 3 else "public")
            comment(alice, treaty, f"Comment {i}", highlight=mark if i % 2 else None)

    add(3)
    few = count_queries()
    add(57)
    many = count_queries()
    assert few == many
