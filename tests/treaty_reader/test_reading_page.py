"""The reading page: the whole text, its permalinks, its cross-references and its discussion."""

from __future__ import annotations

import re
from html.parser import HTMLParser

import emoji
import pytest
from django.core.management import call_command

from treaty_reader.sources.blocks import SECTION, split_blocks
from treaty_reader.sources.forum_post import BULLET, PART_MARKER

from ..conftest import SOURCE

URL = "/treaties/anglo-soviet-treaty-1942/"
DISCUSSION = URL + "discussion/"


class Page(HTMLParser):
    """Collects a page's visible text, its elements' ids and attributes, and its links."""

    def __init__(self, html: str) -> None:
        super().__init__()
        self.text: list[str] = []
        self.elements: list[tuple[str, dict[str, str | None]]] = []
        self._skip = 0
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        self.elements.append((tag, dict(attrs)))
        if tag in {"script", "style", "head"}:
            self._skip += 1

    def handle_endtag(self, tag):
        if tag in {"script", "style", "head"}:
            self._skip -= 1

    def handle_data(self, data):
        if not self._skip:
            self.text.append(data)

    @property
    def plain(self) -> str:
        return re.sub(r"\s+", " ", "".join(self.text))

    def ids(self) -> list[str]:
        return [id_ for _, a in self.elements if (id_ := a.get("id"))]

    def by_id(self, id_: str) -> tuple[str, dict]:
        return next((tag, a) for tag, a in self.elements if a.get("id") == id_)

    def links(self) -> list[str]:
        return [href for tag, a in self.elements if tag == "a" and (href := a.get("href"))]


@pytest.fixture
def page(client, treaty) -> Page:
    response = client.get(URL)
    assert response.status_code == 200
    return Page(response.content.decode())


def test_the_home_page_lists_the_treaty(client, treaty):
    response = client.get("/")
    assert response.status_code == 200
    assert URL in response.content.decode()


def test_an_unknown_treaty_is_not_found(client, treaty):
    assert client.get("/treaties/no-such-treaty/").status_code == 404


def test_every_paragraph_of_the_source_is_on_the_site_verbatim(page, client):
    """The treaty on its page, the forum's replies on the page of its discussion."""
    discussion = Page(client.get(DISCUSSION).content.decode())
    shown = page.plain + discussion.plain
    text = SOURCE.read_text(encoding="utf-8")
    for block in split_blocks(text):
        paragraph = block.text
        if PART_MARKER.match(paragraph):  # "[Part One]" becomes the heading "Part One"
            paragraph = paragraph.strip("[]")
        if bullet := BULLET.match(paragraph):  # the bullet itself is list markup
            paragraph = bullet.group(1)
        if section := SECTION.match(paragraph):
            paragraph = f"{section.group(1)}. {section.group(2)}"
        paragraph = emoji.emojize(paragraph, language="alias")  # the replies show their emoji
        assert paragraph in shown, f"line {block.line} is missing: {paragraph[:60]}"


def test_it_has_the_permalinks_of_the_structure(page):
    ids = page.ids()
    articles = [f"article-{n}" for n in range(1, 9)]
    for anchor in ["preamble", "part-1", "part-2", "closing", "discussion", *articles,
                   "article-3-1", "article-3-2"]:  # fmt: skip
        assert anchor in ids
    assert len(ids) == len(set(ids)), "ids must be unique"
    assert page.by_id("article-3-2")[1]["data-clause"] == "article-3-2"


def test_every_paragraph_of_treaty_text_carries_its_clause_key(page, treaty):
    clauses = [(tag, a) for tag, a in page.elements if "data-clause" in a]
    keys = [a["data-clause"] for _, a in clauses]
    assert keys == list(treaty.clauses.order_by("order").values_list("key", flat=True))
    assert all(tag == "p" and a["id"] == a["data-clause"] for tag, a in clauses)


def test_each_heading_links_to_itself(page):
    links = page.links()
    for anchor in ["#preamble", "#part-1", "#part-2", "#article-1", "#article-8", "#discussion"]:
        assert links.count(anchor) >= 2, f"{anchor}: table of contents and self-link"


def test_cross_references_in_the_text_are_links(client, treaty):
    html = client.get(URL).content.decode()
    assert '<a class="xref" href="#article-3-2">Article III, Section 2</a>' in html
    assert '<a class="xref" href="#article-3-1">Article III, Section 1</a>' in html
    assert '<a class="xref" href="#article-8">Article VIII</a>' in html
    assert '<a class="xref" href="#part-1">Part One</a>' in html


def test_the_table_of_contents_lists_parts_and_articles(page):
    links = page.links()
    toc = links[links.index("#preamble") : links.index("#discussion") + 1]
    assert toc == [
        "#preamble", "#plenipotentiaries", "#part-1", "#article-1", "#article-2",
        "#part-2", *(f"#article-{n}" for n in range(3, 9)), "#closing", "#discussion",
    ]  # fmt: skip
    assert "Signed in London on 26 May 1942" in page.plain


def test_the_page_leads_to_its_discussion_with_and_without_javascript(page, treaty):
    tag, loader = page.by_id("discussion-body")
    assert loader["hx-get"] == DISCUSSION and loader["hx-trigger"] == "revealed"
    assert DISCUSSION in page.links()  # the way there without JavaScript
    assert "Read the discussion: 3 comments" in page.plain


def test_the_discussion_shows_the_forum_replies_nested(client, treaty):
    html = client.get(DISCUSSION).content.decode()
    discussion = html[html.index('id="discussion"') :]
    assert "1 Like" in discussion
    first = discussion.index("strange bedfellows")
    second = discussion.index("Idd Lol")
    third = discussion.index("From Russia with love")
    assert first < second < third
    # The second reply is rendered inside the first one's article, the third is not.
    assert discussion[first:second].count("<article") == 1
    assert discussion.count("Forum reply (imported)") == 3


def test_the_page_costs_the_same_queries_whatever_the_documents_size(
    client, treaty, tmp_path, django_assert_num_queries
):
    with django_assert_num_queries(4):
        client.get(URL)

    articles = "\n\n".join(
        f"### Article {n}\n\n1. Section one of article {n}, see Article {n}, Section 2.\n\n"
        f"2. Section two.\n\nA paragraph."
        for n in range(1, 61)
    )
    big = tmp_path / "big.md"
    big.write_text(f"# Big Treaty (1-1-50)\n\nPreamble.\n\n## Part One\n\n{articles}\n")
    call_command("import_treaty", str(big))
    with django_assert_num_queries(4):
        response = client.get("/treaties/big-treaty-1950/")
    assert response.content.decode().count("data-clause=") == 181
