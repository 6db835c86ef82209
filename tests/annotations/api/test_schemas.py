"""Every kind of annotation the site produces validates against the W3C's own JSON schemas.

The schemas are the Web Annotation Working Group's test assertions, a verbatim copy of what
they need (``tests/data/w3c-web-annotation-schemas``, with its licence): each ``*.test`` lists
assertions, each a JSON schema marked ``must``, ``should`` or ``may``. Every ``must`` of
every list has to hold for every annotation; the ``should`` and ``may`` assertions for the
features we use (creator, created, modified, motivation, body format and type) too.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from jsonschema import Draft4Validator
from referencing import Registry
from referencing.jsonschema import DRAFT4

from annotations.api import container, jsonld
from annotations.highlights.services import highlight_create, highlight_set_note

SCHEMAS = Path(__file__).resolve().parents[2] / "data" / "w3c-web-annotation-schemas"
# Optional assertions for features every annotation here uses, or uses when it has them.
FEATURES = {
    "3.3.1-annotationCreatedImplemented.json",
    "3.3.1-annotationModifiedImplemented.json",
    "3.3.5-annotationMotivationImplemented.json",
    "3.3.5-annotationSingleMotivationImplemented.json",
    "3.3.1-annotationCreatedValidated.json",
    "3.3.1-annotationModifiedValidated.json",
}
WITH_CREATOR = {
    "3.3.1-annotationCreatorImplemented.json",
    "3.3.1-annotationSingleCreatorImplemented.json",
    "3.3.2-annotationCreatorAgentTypeImplemented.json",
    "3.3.2-annotationCreatorAgentNameImplemented.json",
    "3.3.2-annotationCreatorAgentIdImplemented.json",
}
# Not 3.2.2-bodyType: it checks for the model's classes of external resources (Text, Image…),
# and a TextualBody is not one.
WITH_BODY = {"3.1-bodyKeyFound.json", "3.2.1-bodyFormat.json"}


def _registry() -> Registry:
    resources = []
    for path in (SCHEMAS / "definitions").glob("*.json"):
        schema = json.loads(path.read_text("utf-8"))
        resources.append((schema["id"], DRAFT4.create_resource(schema)))
    return Registry().with_resources(resources)


def _assertions() -> dict[str, tuple[str, dict]]:
    """Every assertion named by the .test files: name → (must/should/may, schema)."""
    found = {}
    for test in sorted((SCHEMAS / "annotations").glob("*.test")):
        for relative in json.loads(test.read_text("utf-8"))["assertions"]:
            path = SCHEMAS / relative
            schema = json.loads(path.read_text("utf-8"))
            found[path.name] = (schema["assertionType"], schema)
    return found


@pytest.fixture(scope="module")
def failures():
    """A function: the names of the assertions an annotation fails, with their level."""
    registry, assertions = _registry(), _assertions()
    assert len(assertions) > 80  # all three lists were read

    def failing(annotation: dict) -> dict[str, str]:
        return {
            name: level
            for name, (level, schema) in assertions.items()
            if not Draft4Validator(schema, registry=registry).is_valid(annotation)
        }

    return failing


def test_the_harness_accepts_a_correct_sample_and_rejects_a_broken_one(failures):
    sample = json.loads((SCHEMAS / "tools" / "samples" / "correct" / "anno1.json").read_text())
    assert not [n for n, level in failures(sample).items() if level == "must"]
    broken = {k: v for k, v in sample.items() if k != "target"}
    assert "3.1-targetKeyFound.json" in failures(broken)


@pytest.fixture
def every_kind(treaty, alice, bob, moderator, say):
    """One of each kind of annotation the site produces, and the JSON-LD of each."""
    plain = highlight_create(
        author=alice, document=treaty, start_key="article-7-para-1", start_offset=0,
        end_key="article-7-para-1", end_offset=4,
    )  # fmt: skip
    noted = highlight_create(
        author=alice, document=treaty, start_key="article-2-para-1", start_offset=0,
        end_key="article-2-para-1", end_offset=10, note="See also Article III.",
    )  # fmt: skip
    private = highlight_create(
        author=alice, document=treaty, start_key="article-6-para-1", start_offset=4,
        end_key="article-6-para-1", end_offset=30, visibility="private",
    )  # fmt: skip
    across = highlight_create(
        author=bob, document=treaty, start_key="article-6-para-1", start_offset=0,
        end_key="article-8-para-1", end_offset=3,
    )  # fmt: skip
    highlight_set_note(highlight=across, note="")
    orphan = highlight_create(
        author=bob, document=treaty, start_key="article-1-para-1", start_offset=0,
        end_key="article-1-para-1", end_offset=2,
    )  # fmt: skip
    orphan.status = orphan.Status.ORPHANED
    orphan.save()
    comment = say(bob, "On the *highlight*.", highlight=plain)
    reply = say(alice, "A reply, with [a link](https://example.org/).", parent=comment,
                highlight=plain)  # fmt: skip
    on_treaty = say(bob, "On the treaty as a whole.")
    site = jsonld.Site("https://treaty.example")
    kinds = {
        "highlight": container.annotations_for(site, [(0, plain.pk)]),
        "highlight with a note": container.annotations_for(site, [(0, noted.pk)]),
        "private highlight": container.annotations_for(site, [(0, private.pk)]),
        "highlight across clauses": container.annotations_for(site, [(0, across.pk)]),
        "orphaned highlight": container.annotations_for(site, [(0, orphan.pk)]),
        "comment on a highlight": container.annotations_for(site, [(1, comment.pk)]),
        "reply to a comment": container.annotations_for(site, [(1, reply.pk)]),
        "comment on the treaty": container.annotations_for(site, [(1, on_treaty.pk)]),
    }
    imported = treaty.comments.filter(is_imported=True).first()
    kinds["forum reply (no creator)"] = container.annotations_for(site, [(1, imported.pk)])
    return {name: items[0] for name, items in kinds.items()}


KINDS = [
    "highlight",
    "highlight with a note",
    "private highlight",
    "highlight across clauses",
    "orphaned highlight",
    "comment on a highlight",
    "reply to a comment",
    "comment on the treaty",
    "forum reply (no creator)",
]


@pytest.mark.parametrize("kind", KINDS)
def test_every_annotation_kind_meets_every_must_of_the_w3c_schemas(every_kind, failures, kind):
    annotation = every_kind[kind]
    musts = [name for name, level in failures(annotation).items() if level == "must"]
    assert musts == [], json.dumps(annotation, indent=2)


@pytest.mark.parametrize("kind", KINDS)
def test_every_annotation_kind_implements_the_optional_features_it_uses(every_kind, failures, kind):
    annotation = every_kind[kind]
    wanted = set(FEATURES)
    if "creator" in annotation:
        wanted |= WITH_CREATOR
    if "body" in annotation:
        wanted |= WITH_BODY
    failed = set(failures(annotation)) & wanted
    assert failed == set(), json.dumps(annotation, indent=2)


def test_the_kinds_cover_every_motivation_and_target_the_site_produces(every_kind):
    motivations = {a["motivation"] for a in every_kind.values()}
    assert motivations == {"highlighting", "commenting", "replying"}
    sources = {
        "clause" if "#" in a["target"]["source"] else "treaty"
        for a in every_kind.values()
        if isinstance(a["target"], dict)
    }
    assert sources == {"clause", "treaty"}
    assert every_kind["private highlight"]["audience"]["name"] == "alice"
    positions = every_kind["highlight across clauses"]["target"]["selector"][1]
    assert positions["type"] == "TextPositionSelector"
    assert positions["end"] > positions["start"]
