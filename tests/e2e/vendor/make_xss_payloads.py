"""Regenerate ``xss-payloads.json`` from the brs-kb package (PyPI, MIT).

brs-kb is not a dependency of the project: download its wheel somewhere else and point
``PYTHONPATH`` at it, then run this script (see ``xss-payloads.md``).
"""

from __future__ import annotations

import importlib
import json
import sys
from pathlib import Path

# Vectors that reach an HTML body: tags, event handlers, URL schemes, SVG, Markdown,
# polyglots and mutation XSS. API-, header- and framework-specific ones are left out.
SOURCES = [
    ("vectors.brs_kb_html_tags", "HTML_TAGS_DATABASE"),
    ("vectors.brs_kb_events", "EVENT_HANDLER_PAYLOADS"),
    ("vectors.brs_kb_protocols", "PROTOCOL_HANDLER_PAYLOADS"),
    ("vectors.brs_kb_svg", "SVG_PAYLOADS"),
    ("context_specific.brs_kb_ctx_markdown", "MARKDOWN_XSS_PAYLOADS"),
    ("techniques.brs_kb_polyglots", "POLYGLOT_PAYLOADS"),
    ("techniques.brs_kb_mutation", "MUTATION_XSS_PAYLOADS"),
]
MAX_LENGTH = 2000  # a comment takes 10,000 characters; longer payloads add nothing here


def main() -> None:
    import brs_kb.version

    payloads: list[str] = []
    for module_name, attribute in SOURCES:
        module = importlib.import_module(f"brs_kb.payloads.{module_name}")
        for entry in getattr(module, attribute).values():
            text = entry.payload
            if text.strip() and len(text) <= MAX_LENGTH and text not in payloads:
                payloads.append(text)
    data = {
        "source": f"brs-kb {brs_kb.version.__version__} (https://pypi.org/project/brs-kb/)",
        "licence": "MIT, see brs-kb-LICENSE.txt",
        "selection": [f"brs_kb.payloads.{m}.{a}" for m, a in SOURCES],
        "count": len(payloads),
        "payloads": payloads,
    }
    out = Path(__file__).with_name("xss-payloads.json")
    out.write_text(json.dumps(data, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    print(f"wrote {len(payloads)} payloads to {out}", file=sys.stderr)


if __name__ == "__main__":
    main()
