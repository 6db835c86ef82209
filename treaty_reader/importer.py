"""Reading a treaty text from a file, in whichever of our source formats it is written."""

from __future__ import annotations

from pathlib import Path

from .sources.common import ParsedDocument, SourceError, read_structure, read_text
from .sources.forum_post import parse_forum_post
from .sources.markdown import parse_markdown

__all__ = ["SourceError", "read_source"]


def read_source(path: Path, *, structure_path: Path | None = None) -> ParsedDocument:
    """Parse a file, choosing the format by its suffix (``.md`` is Markdown)."""
    text = read_text(path)
    if path.suffix.lower() in {".md", ".markdown"}:
        return parse_markdown(text, source=path.name)
    if structure_path is None:
        candidate = path.with_name(path.stem + ".structure.toml")
        structure_path = candidate if candidate.exists() else None
    structure = read_structure(structure_path) if structure_path else {}
    return parse_forum_post(text, structure=structure, source=path.name)
