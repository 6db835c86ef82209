"""In the browser: the author reviews highlights a correction of the text changed."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest
from playwright.sync_api import expect

from annotations.highlights.services import highlight_create
from annotations.models import TextChange
from treaty_reader.models import Clause
from treaty_reader.services import clause_update_text

from .axe import assert_accessible
from .test_journeys import sign_in

if TYPE_CHECKING:
    from playwright.sync_api import BrowserContext, Page

pytestmark = pytest.mark.e2e

KEY = "article-6-para-1"


def test_the_author_confirms_a_changed_highlight_in_place(
    page: Page, context: BrowserContext, live_url: str, treaty, alice
) -> None:
    clause = Clause.objects.get(document=treaty, key=KEY)
    start = clause.text.index("all possible economic assistance")
    highlight_create(
        author=alice, document=treaty, start_key=KEY, start_offset=start, end_key=KEY,
        end_offset=start + len("all possible economic assistance"),
    )  # fmt: skip
    clause_update_text(
        clause=clause, text=clause.text.replace("possible economic", "possible mutual economic")
    )
    sign_in(context, live_url, alice)

    page.goto(f"{live_url}/members/alice/")
    section = page.locator("#text-changes")
    expect(section).to_contain_text("all possible mutual economic assistance")
    assert_accessible(page)
    section.get_by_role("button", name="Confirm the new words").click()

    expect(section).to_contain_text("Nothing left to review")
    assert page.url.endswith("/members/alice/")  # swapped in place, no page load
    assert TextChange.objects.get().confirmed_at is not None
    assert_accessible(page)
