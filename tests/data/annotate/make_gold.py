"""Build the annotator's evaluation articles and gold spans from their marked-up sources.

Each article is authored once, as ``NAME.LANG.src``, with the gold annotations inline:

* ``[[surface|concept-id]]`` marks a mention of a glossary concept;
* ``[[surface|concept-id|accent]]`` marks a mention whose spelling differs from a listed
  form only in diacritics (the annotator must flag it ``accent``);
* ``{{surface}}`` marks a distractor: ordinary words that look like a term and must not
  be annotated at all (no mention may overlap them);
* a line that starts with ``%%`` is an author's note and is dropped with its line break.

Running this script writes, next to each source, ``NAME.LANG.txt`` (exactly the text the
annotator reads: the source without markup) and ``NAME.LANG.gold.json``::

    {"lang": "en",
     "mentions": [{"start": 0, "end": 4, "text": "Gen.", "concept": "us-gen", "accent": false}, ...],
     "distractors": [{"start": 10, "end": 20, "text": "in general"}, ...]}

Offsets are Python string offsets into the ``.txt`` text (end exclusive). The surface
may span a line break. ``python make_gold.py --check`` exits 1 when a generated file is
missing or out of date.

>>> text, gold = convert("Hoy el [[Gral.|us-gen]] habló {{en general}}.\\n%% note\\n", "es")
>>> text
'Hoy el Gral. habló en general.\\n'
>>> gold["mentions"], gold["distractors"]
([{'start': 7, 'end': 12, 'text': 'Gral.', 'concept': 'us-gen', 'accent': False}], [{'start': 19, 'end': 29, 'text': 'en general'}])
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
_MARK = re.compile(
    r"\[\[(?P<surface>[^\[\]|]+?)\|(?P<concept>[a-z][a-z0-9-]*)(?:\|(?P<flag>accent))?\]\]"
    r"|\{\{(?P<distractor>[^{}]+?)\}\}",
    re.DOTALL,
)
_NOTE = re.compile(r"^%%.*(?:\n|$)", re.MULTILINE)
_NAME = re.compile(r"^(?P<name>.+)\.(?P<lang>en|es)\.src$")


class MarkupError(ValueError):
    """A source file whose markup cannot be read."""


def convert(source: str, lang: str) -> tuple[str, dict]:
    """Return the plain text of a marked-up source and its gold annotations."""
    source = _NOTE.sub("", source)
    out: list[str] = []
    mentions: list[dict] = []
    distractors: list[dict] = []
    pos = 0  # in the source
    length = 0  # of the text written so far
    for m in _MARK.finditer(source):
        before = source[pos:m.start()]
        out.append(before)
        length += len(before)
        surface = m.group("surface") if m.group("surface") is not None else m.group("distractor")
        start, end = length, length + len(surface)
        if m.group("surface") is not None:
            mentions.append({"start": start, "end": end, "text": surface, "concept": m.group("concept"),
                             "accent": m.group("flag") == "accent"})
        else:
            distractors.append({"start": start, "end": end, "text": surface})
        out.append(surface)
        length = end
        pos = m.end()
    out.append(source[pos:])
    text = "".join(out)
    for bad in ("[[", "]]", "{{", "}}"):
        i = text.find(bad)
        if i >= 0:
            line = text.count("\n", 0, i) + 1
            raise MarkupError(f"unbalanced or malformed markup {bad!r} at text line {line}")
    for a, b in zip(mentions, mentions[1:]):
        if b["start"] < a["end"]:
            raise MarkupError(f"overlapping mentions {a['text']!r} and {b['text']!r}")
    return text, {"lang": lang, "mentions": mentions, "distractors": distractors}


def sources(root: Path = HERE) -> list[Path]:
    """Return every ``*.src`` article under ``root`` (the tuning set and ``heldout/``)."""
    return sorted(p for p in root.rglob("*.src") if _NAME.match(p.name))


def outputs(src: Path) -> tuple[Path, Path, str, dict]:
    """Return the ``.txt`` and ``.gold.json`` paths of a source and their expected content."""
    m = _NAME.match(src.name)
    if m is None:
        raise MarkupError(f"{src.name}: name must be NAME.en.src or NAME.es.src")
    text, gold = convert(src.read_bytes().decode("utf-8"), m.group("lang"))
    stem = f"{m.group('name')}.{m.group('lang')}"
    return src.with_name(stem + ".txt"), src.with_name(stem + ".gold.json"), text, gold


def render_gold(gold: dict) -> str:
    """Return the gold JSON as written to disk: one mention per line, easy to diff."""
    lines = ["{", f'  "lang": {json.dumps(gold["lang"])},', '  "mentions": [']
    for key in ("mentions", "distractors"):
        items = gold[key]
        if key == "distractors":
            lines.append('  "distractors": [')
        for i, item in enumerate(items):
            comma = "," if i < len(items) - 1 else ""
            lines.append("    " + json.dumps(item, ensure_ascii=False) + comma)
        lines.append("  ]," if key == "mentions" else "  ]")
    lines.append("}")
    return "\n".join(lines) + "\n"


def main(argv: list[str]) -> int:
    check = "--check" in argv
    stale = []
    for src in sources():
        txt_path, gold_path, text, gold = outputs(src)
        rendered = render_gold(gold)
        for path, content in ((txt_path, text), (gold_path, rendered)):
            current = path.read_bytes().decode("utf-8") if path.exists() else None
            if current == content:
                continue
            if check:
                stale.append(path.relative_to(HERE))
            else:
                path.write_bytes(content.encode("utf-8"))
                print(f"wrote {path.relative_to(HERE)}")
    if stale:
        print("out of date: " + ", ".join(map(str, stale)), file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
