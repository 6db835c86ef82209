"""The annotation API's pages in a browser: tokens made and revoked with the keyboard alone,
and the readable pages a browser gets from /annotations/, checked with axe-core."""

from __future__ import annotations

from typing import TYPE_CHECKING

from playwright.sync_api import expect

from annotations.models import AccessToken

from .axe import assert_accessible
from .test_journeys import sign_in

if TYPE_CHECKING:
    from playwright.sync_api import BrowserContext, Page


def test_a_member_makes_and_revokes_a_token_with_the_keyboard(
    page: Page, context: BrowserContext, live_url: str, alice
) -> None:
    sign_in(context, live_url, alice)
    page.goto(f"{live_url}/members/alice/#tokens")
    assert_accessible(page)
    page.get_by_label("Name").focus()
    page.keyboard.type("Zotero sync")
    page.keyboard.press("Tab")  # to the scope radios: read only is chosen
    page.keyboard.press("ArrowDown")  # read and write
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", name="Your new token")).to_be_visible()
    secret = page.get_by_label("Token “Zotero sync” (read and write)").input_value()
    assert secret.startswith("trk_")
    assert AccessToken.objects.get(user=alice).scope == "write"
    assert_accessible(page)
    page.get_by_role("link", name="Back to your page").click()
    revoke = page.get_by_role("button", name="Revoke the token Zotero sync")
    revoke.focus()
    page.keyboard.press("Enter")
    expect(page.get_by_role("status")).to_contain_text("revoked")
    assert AccessToken.objects.get(user=alice).revoked_at is not None


def test_the_container_and_an_annotation_read_as_pages_in_a_browser(
    page: Page, live_url: str, alice_highlight, bob, say
) -> None:
    say(bob, "Both *parties*, surely.", highlight=alice_highlight)
    page.goto(f"{live_url}/annotations/")
    expect(page.get_by_role("heading", name="Open annotations")).to_be_visible()
    expect(page.locator(".annotation").filter(has_text="Reply by bob")).to_contain_text(
        "Both parties, surely."
    )
    assert_accessible(page)
    page.get_by_role("link", name=f"Annotation {live_url}/annotations/highlight-").first.click()
    expect(page.get_by_role("heading", name="Annotation", exact=True)).to_be_visible()
    assert_accessible(page)
