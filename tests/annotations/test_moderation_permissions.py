"""Who may moderate: the Moderators group, and what its members can and cannot reach."""

from __future__ import annotations

import re

import pytest
from django.contrib.auth.models import Group
from django.utils import timezone

from annotations.models import Comment
from tests import moderating
from treaty_reader.models import Clause

COMMENTS = "/admin/annotations/comment/"
QUEUE = "/admin/annotations/comment/review-queue/"
MODERATION_PAGES = [
    COMMENTS,
    QUEUE,
    "/admin/annotations/flag/",
    "/admin/annotations/highlight/",
    "/admin/annotations/member/",
    "/admin/annotations/suspension/",
    "/admin/annotations/suspension/add/",
]


@pytest.fixture
def comment(treaty, alice) -> Comment:
    return Comment.objects.create(
        document=treaty, author=alice, body="x", body_html="<p>x</p>", created_at=timezone.now()
    )


def test_the_moderators_group_holds_exactly_what_moderation_needs(db):
    group = Group.objects.get(name="Moderators")

    permissions = {
        f"{p.content_type.app_label}.{p.codename}"
        for p in group.permissions.select_related("content_type")
    }

    assert permissions == {
        "annotations.view_comment",
        "annotations.change_comment",
        "annotations.view_highlight",
        "annotations.change_highlight",
        "annotations.view_flag",
        "annotations.change_flag",
        "annotations.view_suspension",
        "annotations.add_suspension",
        "annotations.change_suspension",
        "annotations.view_member",
        "annotations.change_member",
    }


def test_a_moderator_is_staff_but_not_a_superuser(moderator):
    assert moderator.is_staff
    assert not moderator.is_superuser
    assert not moderator.has_perm("auth.change_user")
    assert not moderator.has_perm("treaty_reader.change_clause")


@pytest.mark.parametrize("page", MODERATION_PAGES)
def test_a_moderator_can_open_every_moderation_page(moderator_client, comment, page):
    assert moderator_client.get(page).status_code == 200


def test_a_moderator_sees_the_moderation_models_on_the_admin_index(moderator_client, treaty):
    html = moderator_client.get("/admin/").content.decode()

    for name in ("Comments", "Flags", "Highlights", "Members", "Suspensions"):
        assert f">{name}</a>" in html
    assert "/admin/auth/user/" not in html
    assert "/admin/treaty_reader/" not in html


@pytest.mark.parametrize(
    "page",
    [
        "/admin/auth/user/",
        "/admin/auth/user/{alice}/change/",
        "/admin/auth/user/{alice}/password/",
        "/admin/auth/group/",
        "/admin/treaty_reader/document/",
        "/admin/treaty_reader/clause/",
        "/admin/treaty_reader/clause/{clause}/change/",
    ],
)
def test_a_moderator_cannot_touch_passwords_permissions_or_the_treaty(
    moderator_client, alice, treaty, page
):
    clause = Clause.objects.get(document=treaty, key="article-7-para-1")
    assert moderator_client.get(page.format(alice=alice.pk, clause=clause.pk)).status_code == 403


def test_a_moderator_cannot_post_a_new_password(moderator_client, alice):
    response = moderator_client.post(
        f"/admin/auth/user/{alice.pk}/password/",
        {"password1": "a new long passphrase", "password2": "a new long passphrase"},
    )

    alice.refresh_from_db()
    assert response.status_code == 403
    assert alice.check_password("correct horse battery staple")


def test_a_moderator_cannot_correct_the_treaty(moderator_client, treaty):
    clause = Clause.objects.get(document=treaty, key="article-7-para-1")

    response = moderator_client.post(
        f"/admin/treaty_reader/clause/{clause.pk}/change/", {"text": "Vandalised."}
    )

    clause.refresh_from_db()
    assert response.status_code == 403
    assert clause.text != "Vandalised."


@pytest.mark.parametrize("page", MODERATION_PAGES)
def test_staff_outside_the_group_are_refused(client, staff_outsider, comment, page):
    client.force_login(staff_outsider)

    assert client.get(page).status_code == 403


def test_staff_outside_the_group_cannot_act_on_comments(client, staff_outsider, comment):
    client.force_login(staff_outsider)

    changelist = client.post(
        COMMENTS,
        {
            "action": "hide_comments",
            "_selected_action": [comment.pk],
            "confirm": "yes",
            "reason": "r",
        },
    )
    queue = client.post(QUEUE, {"comment": comment.pk, "do": "hide", "reason": "r"})

    comment.refresh_from_db()
    assert (changelist.status_code, queue.status_code) == (403, 403)
    assert not comment.is_hidden


def test_staff_outside_the_group_see_no_attention_summary(client, staff_outsider):
    client.force_login(staff_outsider)

    response = client.get("/admin/")

    assert response.status_code == 200
    assert "Needs attention" not in response.content.decode()


@pytest.mark.parametrize("page", MODERATION_PAGES)
def test_members_are_sent_to_the_admin_sign_in(alice_client, comment, page):
    response = alice_client.get(page)

    assert response.status_code == 302
    assert response["Location"].startswith("/admin/login/")


@pytest.mark.parametrize("page", MODERATION_PAGES)
def test_anonymous_visitors_are_sent_to_the_admin_sign_in(client, comment, page):
    response = client.get(page)

    assert response.status_code == 302
    assert response["Location"].startswith("/admin/login/")


def test_a_member_cannot_act_through_the_queue(alice_client, comment):
    response = alice_client.post(QUEUE, {"comment": comment.pk, "do": "hide", "reason": "r"})

    comment.refresh_from_db()
    assert response.status_code == 302
    assert not comment.is_hidden


# Members, as moderators see them -----------------------------------------------------------


def test_the_member_form_shows_no_password_permissions_or_staff_status(moderator_client, alice):
    response = moderator_client.get(f"/admin/annotations/member/{alice.pk}/change/")

    html = response.content.decode()
    assert response.status_code == 200
    assert "alice@example.org" in html
    inputs = set(re.findall(r'<(?:input|select|textarea)[^>]*name="([^"]+)"', html))
    assert not inputs & {
        "password",
        "password1",
        "groups",
        "user_permissions",
        "is_staff",
        "is_superuser",
        "username",
        "email",
    }
    assert "pbkdf2" not in html
    assert 'name="_save"' not in html


def test_a_moderator_cannot_add_or_delete_members(moderator_client, alice):
    assert moderator_client.get("/admin/annotations/member/add/").status_code == 403
    assert moderator_client.get(f"/admin/annotations/member/{alice.pk}/delete/").status_code == 403


def test_superusers_keep_the_full_user_admin(admin_client, alice):
    response = admin_client.get(f"/admin/auth/user/{alice.pk}/change/")

    assert response.status_code == 200
    assert 'name="is_superuser"' in response.content.decode()


def test_moderation_pages_link_people_to_members_not_users(moderator_client, moderator, comment):
    from annotations.models import Flag
    from annotations.moderation import services as moderation

    flag = moderation.flag_create(comment=comment, flagger=moderator, reason="spam", note="")
    moderating.comment_hide(comment=comment, moderator=moderator, reason="r")
    suspension = moderating.member_suspend(
        user=comment.author, moderator=moderator, period="day", reason="r"
    )
    pages = [
        f"{COMMENTS}{comment.pk}/change/",
        f"/admin/annotations/flag/{Flag.objects.get(pk=flag.pk).pk}/change/",
        f"/admin/annotations/suspension/{suspension.pk}/change/",
        f"/admin/annotations/member/{comment.author.pk}/change/",
    ]

    for page in pages:
        html = moderator_client.get(page).content.decode()
        assert "/admin/auth/user/" not in html, page
        assert f"/admin/annotations/member/{moderator.pk}/change/" in html, page
