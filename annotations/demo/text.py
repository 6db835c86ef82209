"""What demo members write: their names, their comments' sentences and their notes.

Short Markdown built from fixed phrases about the treaty, so that bodies repeat often enough
to render each distinct one once, with the odd emoji shortcode, link and quote-reply.
"""

from __future__ import annotations

from random import Random
from typing import TYPE_CHECKING

from annotations.discussion.markdown import quote_as_markdown

if TYPE_CHECKING:
    from annotations.models import Comment, Highlight

NAMES = [
    "alice",
    "anna",
    "boris",
    "clement",
    "dmitri",
    "edith",
    "elena",
    "fyodor",
    "grace",
    "harold",
    "irina",
    "ivan",
    "james",
    "ksenia",
    "leonid",
    "margaret",
    "mikhail",
    "nadia",
    "olga",
    "peter",
    "rosa",
    "ruth",
    "sergei",
    "tatiana",
    "vera",
    "walter",
    "yuri",
    "zoya",
]
SENTENCES = (
    "This is the heart of the treaty.",
    "Note the word *mutual* here.",
    "Compare this with the agreement of **12 July 1941**.",
    "I read this differently.",
    "The drafting here is careful, almost lawyerly.",
    "Eden wanted exactly this wording, as far as I know.",
    "Molotov arrived in London expecting frontiers to be settled; this is what he got instead.",
    "Twenty years turned out to be optimistic.",
    "No separate peace: that was the real fear on both sides.",
    "The phrase *territorial aggrandisement* is doing a lot of work.",
    "It echoes the Atlantic Charter almost word for word.",
    "Worth remembering what happened to Poland.",
    "Good catch.",
    "Agreed, mostly.",
    "Not quite: the obligation only runs while the war lasts.",
    "Does anyone know how the Russian text renders this?",
    "See [the Hansard debate](https://hansard.parliament.uk/) from June 1942.",
    "The *post-war* clauses were the harder ones to agree.",
    "This is why it was denounced in 1955.",
    "Interesting that economic assistance gets its own article.",
    "I had never noticed this sentence before.",
    "The second front is conspicuously absent.",
    "Strange bedfellows indeed.",
    "Read it again: it is an alliance against Germany *and its associates*.",
    "Hard to square with what came after.",
    "That is a fair reading.",
    "Source? I would like to read more.",
    "The preamble matters more than people think.",
    "Legally this is stronger than a declaration.",
    "Thanks, that clears it up.",
    "Both governments kept their options open here.",
    "**Non-interference** meant different things in London and Moscow.",
)
EMOJI = (":thinking:", ":+1:", ":books:", ":scroll:", ":handshake:", ":eyes:", ":bulb:")
NOTES = (
    "Key passage.",
    "Compare with Article V.",
    "Look up the Russian text.",
    "Quote for the essay.",
    "Ask about this in the discussion.",
    "The 1941 agreement said much the same.",
    "Unclear wording.",
)


def note(rng: Random) -> str:
    """A highlight's note: most highlights have none."""
    return rng.choice(NOTES) if rng.random() < 0.3 else ""


def comment_body(rng: Random, highlight: Highlight | None, parent: Comment | None) -> str:
    """One to four sentences; now and then an emoji, a quote of the passage or of the parent."""
    text = " ".join(rng.sample(SENTENCES, rng.choice((1, 1, 2, 2, 3))))
    if rng.random() < 0.2:
        text += "\n\n" + rng.choice(SENTENCES)
    if rng.random() < 0.1:
        text += " " + rng.choice(EMOJI)
    if parent is not None and parent.author and rng.random() < 0.1:
        first = parent.body.split("\n", 1)[0]
        return quote_as_markdown(first, parent.author.username) + text
    if highlight is not None and parent is None and rng.random() < 0.15:
        return f"> {' '.join(highlight.exact.split()[:12])}\n\n{text}"
    return text
