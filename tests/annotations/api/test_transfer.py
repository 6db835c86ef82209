"""Export and import: a member's download, ``export_annotations`` and ``import_annotations``."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest
from django.contrib.auth.models import User
from django.core.management import CommandError, call_command

from annotations.highlights.services import highlight_create
from annotations.models import AnnotationProvenance, Comment, Highlight, Notification
from tests import moderating
from treaty_reader.models import Clause

from .conftest import BASE

pytestmark = pytest.mark.usefixtures("treaty")
ORIGIN = "https://old.example"


@pytest.fixture
def written(treaty, alice, bob, moderator, alice_highlight, alice_private_highlight, say):
    """A discussion: highlights (one private, one with a note, one across clauses), comments,
    replies (one to a forum reply), a hidden comment and a deleted one."""
    noted = highlight_create(
        author=bob, document=treaty, start_key="article-2-para-1", start_offset=0,
        end_key="article-2-para-1", end_offset=60, note="=SUM(A1) is not a formula here",
    )  # fmt: skip
    across = highlight_create(
        author=bob, document=treaty, start_key="article-6-para-1", start_offset=0,
        end_key="article-8-para-1", end_offset=3,
    )  # fmt: skip
    comment = say(bob, "Why *each*?", highlight=alice_highlight)
    say(alice, "Because both.", highlight=alice_highlight, parent=comment)
    say(alice, "On the whole treaty.")
    forum = treaty.comments.filter(is_imported=True, parent=None).first()
    say(bob, "Answering the forum.", parent=forum)
    hidden = say(bob, "Rude.", highlight=noted)
    moderating.comment_hide(comment=hidden, moderator=moderator, reason="Rude.")
    from annotations.discussion.services import comment_delete

    comment_delete(comment=say(alice, "Never mind."), user=alice)
    return {"noted": noted, "across": across}


# A member's export -------------------------------------------------------------------------


def test_a_member_downloads_everything_they_wrote_as_json_ld(alice_client, written):
    response = alice_client.get("/annotations/export/?format=jsonld")
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith('attachment; filename="treaty-reader-alice')
    found = json.loads(response.content)
    assert found["type"] == "AnnotationCollection"
    items = found["first"]["items"]
    assert found["total"] == len(items) == 4  # 2 highlights, 2 comments; not the deleted one
    assert {item["creator"]["name"] for item in items} == {"alice"}
    assert sum("audience" in item for item in items) == 1  # her private highlight, hers to keep


def test_a_member_downloads_everything_they_wrote_as_csv(bob_client, written):
    response = bob_client.get("/annotations/export/?format=csv")
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(response.content.decode())))
    assert len(rows) == 5  # 2 highlights, 3 comments, his hidden one included
    noted = next(r for r in rows if r["kind"] == "highlight" and r["clause"] == "article-2-para-1")
    assert noted["article"] == "2"
    assert noted["text"] == "'=SUM(A1) is not a formula here"  # no spreadsheet formula
    assert noted["quote"] == written["noted"].exact
    assert noted["link"] == f"{BASE}/highlights/{written['noted'].pk}/"
    assert noted["visibility"] == "public"
    reply = next(r for r in rows if r["text"] == "Why *each*?")
    assert reply["in_reply_to"].startswith(f"{BASE}/annotations/highlight-")
    assert set(rows[0]) >= {"created", "modified", "quote", "article", "text", "link"}


def test_the_export_needs_a_member(client, written):
    assert client.get("/annotations/export/?format=csv").status_code == 401
    assert client.get("/annotations/export/?format=xml").status_code == 401


def test_the_export_refuses_an_unknown_format(alice_client):
    assert alice_client.get("/annotations/export/?format=xml").status_code == 400


def test_a_token_can_download_the_export(client, written, alice_read_token):
    response = client.get("/annotations/export/", HTTP_AUTHORIZATION=f"Bearer {alice_read_token}")
    assert response.status_code == 200
    assert json.loads(response.content)["total"] == 4


# export_annotations ------------------------------------------------------------------------


def export(path: Path, fmt: str = "jsonld") -> tuple[str, str]:
    out, err = io.StringIO(), io.StringIO()
    call_command("export_annotations", str(path), f"--format={fmt}", f"--base-url={ORIGIN}",
                 stdout=out, stderr=err)  # fmt: skip
    return out.getvalue(), err.getvalue()


def test_export_writes_the_public_annotations_as_json_ld_with_a_progress_bar(tmp_path, written):
    out, err = export(tmp_path / "treaty.jsonld")
    found = json.loads((tmp_path / "treaty.jsonld").read_text())
    items = found["first"]["items"]
    public = Highlight.objects.filter(visibility="public").count()
    readable = Comment.objects.filter(deleted_at=None, hidden_at=None).count()
    assert found["total"] == len(items) == public + readable
    assert not any("audience" in item for item in items)
    assert all(item["id"].startswith(f"{ORIGIN}/annotations/") for item in items)
    assert f"Wrote {len(items)} annotations" in out
    assert f"[{'#' * 30}] {len(items)} / {len(items)}" in err


def test_export_writes_ndjson_and_csv(tmp_path, written):
    export(tmp_path / "a.ndjson", "ndjson")
    lines = (tmp_path / "a.ndjson").read_text().splitlines()
    assert all(json.loads(line)["type"] == "Annotation" for line in lines)
    export(tmp_path / "a.csv", "csv")
    rows = list(csv.DictReader((tmp_path / "a.csv").open()))
    assert len(rows) == len(lines)


def test_export_replaces_the_file_whole_or_not_at_all(tmp_path, written, monkeypatch):
    from annotations.api import exporting

    path = tmp_path / "treaty.jsonld"
    path.write_text("the previous export")

    def broken(*args, **kwargs):
        yield {"id": "x"}
        raise RuntimeError("disk full")

    monkeypatch.setattr(exporting, "annotations_in_chunks", broken)
    with pytest.raises(RuntimeError):
        export(path)
    assert path.read_text() == "the previous export"
    assert [p.name for p in tmp_path.iterdir()] == ["treaty.jsonld"]


def test_export_to_a_missing_folder_fails_with_a_reason(tmp_path):
    with pytest.raises(CommandError, match="does not exist"):
        export(tmp_path / "nowhere" / "a.jsonld")


# import_annotations ------------------------------------------------------------------------


def empty_the_instance() -> None:
    """What another instance with the same treaty has: its text and the forum's replies."""
    Comment.objects.filter(is_imported=False).delete()
    Highlight.objects.all().delete()
    User.objects.all().delete()


def normalised(items: list[dict]) -> list[dict]:
    """Annotations with their instance's IRIs replaced by their place in the file, and the
    provenance an import adds left out, so two instances' exports can be compared."""
    place = {item["id"]: index for index, item in enumerate(items)}
    result = []
    for item in items:
        copy = {k: v for k, v in item.items() if k not in ("id", "via")}
        copy["id"] = place[item["id"]]
        if isinstance(copy["target"], str) and copy["target"] in place:
            copy["target"] = place[copy["target"]]
        result.append(copy)
    return result


def imported(path: Path, *options: str) -> str:
    out = io.StringIO()
    call_command("import_annotations", str(path), *options, stdout=out, stderr=io.StringIO())
    return out.getvalue()


@pytest.mark.parametrize("fmt", ["jsonld", "ndjson"])
def test_round_trip_export_then_import_into_an_empty_instance_gives_the_same_annotations(
    tmp_path, written, fmt
):
    export(tmp_path / "before", fmt)
    before = tmp_path / "before"
    empty_the_instance()

    report = imported(before)

    assert "0 moved, 0 orphans, 0 refused; 2 members created." in report
    export(tmp_path / "after", "jsonld")
    after = json.loads((tmp_path / "after").read_text())["first"]["items"]
    if fmt == "ndjson":
        original = [json.loads(line) for line in before.read_text().splitlines()]
        original = [{k: v for k, v in a.items() if k != "@context"} for a in original]
    else:
        original = json.loads(before.read_text())["first"]["items"]
    assert normalised(after) == normalised(original)
    assert not Notification.objects.exists()  # old replies are not news
    assert AnnotationProvenance.objects.filter(via__startswith=ORIGIN).count() == len(
        [a for a in original if "creator" in a]
    )


def test_import_re_anchors_each_quote_reporting_moved_and_orphaned(tmp_path, written, treaty):
    export(tmp_path / "a.jsonld")
    empty_the_instance()
    # This instance's text differs: Article II's first words gone, Article VII moved along
    # (which also moves the highlight from Article VI to VIII, across it).
    seven = Clause.objects.get(document=treaty, key="article-7-para-1")
    seven.text = "Indeed, " + seven.text
    seven.save()
    two = Clause.objects.get(document=treaty, key="article-2-para-1")
    two.text = "Completely different words stand here now, and nothing else remains."
    two.save()

    report = imported(tmp_path / "a.jsonld")

    assert "2 moved, 1 orphans, 0 refused" in report
    moved = Highlight.objects.get(exact="Each")
    assert (moved.start_key, moved.start_offset) == ("article-7-para-1", len("Indeed, "))
    assert Highlight.objects.get(note__startswith="=SUM").status == "orphaned"


def test_import_is_all_or_nothing(tmp_path, written):
    export(tmp_path / "a.ndjson", "ndjson")
    lines = (tmp_path / "a.ndjson").read_text().splitlines()
    broken = json.loads(lines[-1])
    broken["target"] = f"{ORIGIN}/annotations/comment-999999"
    (tmp_path / "a.ndjson").write_text("\n".join([*lines[:-1], json.dumps(broken)]) + "\n")
    empty_the_instance()
    rows = (Highlight.objects.count(), Comment.objects.count(), User.objects.count())

    with pytest.raises(CommandError, match="Nothing imported: 1 of"):
        imported(tmp_path / "a.ndjson")

    assert (Highlight.objects.count(), Comment.objects.count(), User.objects.count()) == rows
    report = imported(tmp_path / "a.ndjson", "--skip-refused")
    assert "1 refused" in report
    assert Highlight.objects.count() == 3


def test_import_refuses_a_file_that_is_not_annotations(tmp_path):
    path = tmp_path / "a.jsonld"
    path.write_text("{not json\n")
    with pytest.raises(CommandError, match="Not JSON-LD or NDJSON"):
        imported(path)
    with pytest.raises(CommandError, match="No such file"):
        imported(tmp_path / "missing.jsonld")


def test_import_refuses_a_treaty_this_instance_does_not_have(tmp_path, alice_highlight):
    export(tmp_path / "a.ndjson", "ndjson")
    text = (tmp_path / "a.ndjson").read_text().replace("anglo-soviet-treaty-1942", "treaty-x")
    (tmp_path / "a.ndjson").write_text(text)
    with pytest.raises(CommandError, match="Nothing imported"):
        imported(tmp_path / "a.ndjson")
