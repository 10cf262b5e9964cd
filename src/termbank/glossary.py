"""The shipped glossaries: TOML records in ``glossaries/`` (see glossaries/README.md).

In an installed wheel the files live in ``termbank/glossaries``; in a source checkout
(editable install, tests) they are read from the repository's ``glossaries/`` folder.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Iterable, Iterator
from importlib import resources
from pathlib import Path

from .errors import FormatError
from .langs import normalize_tag
from .model import (
    CATEGORIES,
    Concept,
    Term,
    term_value_problem,
)

__all__ = ["shipped_paths", "load_shipped", "read_glossary", "parse_glossary"]

_CONCEPT_KEYS = {"category", "subject", "definition", "note", "source", "terms"}
_TERM_KEYS = {
    "lang", "text", "type", "status", "case_sensitive", "match", "pos", "gender",
    "number", "geo", "usage", "source",
}
_ID_CHARS = set("abcdefghijklmnopqrstuvwxyz0123456789-")


def shipped_dir() -> Path:
    """Return the folder holding the shipped ``*.toml`` glossaries."""
    packaged = resources.files("termbank").joinpath("glossaries")
    if packaged.is_dir():
        return Path(str(packaged))
    return Path(__file__).resolve().parents[2] / "glossaries"


def shipped_paths() -> list[Path]:
    """Return the shipped glossary files in a stable order."""
    return sorted(shipped_dir().glob("*.toml"))


def load_shipped() -> list[Concept]:
    """Return every concept of every shipped glossary, checked (see :func:`parse_glossary`)."""
    concepts: list[Concept] = []
    seen: dict[str, Path] = {}
    for path in shipped_paths():
        for concept in read_glossary(path):
            if concept.id in seen:
                raise FormatError(f"concept id {concept.id!r} also defined in {seen[concept.id].name}", str(path))
            seen[concept.id] = path
            concepts.append(concept)
    return concepts


def read_glossary(path: Path) -> list[Concept]:
    """Return the concepts of one glossary file; raise :class:`FormatError` naming file and line."""
    raw = path.read_bytes()
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise FormatError(f"not UTF-8 (byte {exc.start})", str(path), line) from None
    try:
        return parse_glossary(text, str(path))
    except tomllib.TOMLDecodeError as exc:
        # Python 3.11's TOMLDecodeError has no lineno attribute: read it from the message.
        message = str(exc)
        m = re.search(r"\s*\(at (?:line (\d+), column \d+|end of document)\)$", message)
        line = getattr(exc, "lineno", None) or (
            (int(m.group(1)) if m.group(1) else text.count("\n") + 1) if m else None
        )
        raise FormatError(f"TOML syntax: {message[:m.start()] if m else message}", str(path), line) from None


def _line_of(text: str, concept_id: str) -> int | None:
    needle = f"[concept.{concept_id}]"
    pos = text.find(needle)
    return text.count("\n", 0, pos) + 1 if pos >= 0 else None


def parse_glossary(text: str, name: str = "<glossary>") -> list[Concept]:
    """Return the concepts of a glossary given as TOML text.

    >>> c, = parse_glossary('''
    ... [concept.x]
    ... category = "rank"
    ... terms = [{lang = "en", text = "general"}, {lang = "es", text = "general"},
    ...          {lang = "es", text = "Gral.", type = "abbreviation"}]
    ... ''')
    >>> [(t.lang, t.text, t.status) for t in c.terms]
    [('en', 'general', 'preferred'), ('es', 'general', 'preferred'), ('es', 'Gral.', 'admitted')]
    """
    data = tomllib.loads(text)
    unknown_top = set(data) - {"concept"}
    if unknown_top:
        raise FormatError(f"unexpected top-level key(s): {', '.join(sorted(unknown_top))}", name)
    out = []
    for cid, rec in data.get("concept", {}).items():
        line = _line_of(text, cid)

        def fail(msg: str) -> FormatError:
            return FormatError(f"concept {cid}: {msg}", name, line)

        if not cid or cid[0] not in "abcdefghijklmnopqrstuvwxyz" or not set(cid) <= _ID_CHARS:
            raise fail("id must match [a-z][a-z0-9-]*")
        if not isinstance(rec, dict):
            raise fail("must be a table")
        extra = set(rec) - _CONCEPT_KEYS
        if extra:
            raise fail(f"unknown key(s) {', '.join(sorted(extra))}")
        category = rec.get("category", "other")
        if category not in CATEGORIES:
            raise fail(f"unknown category {category!r}")
        terms = []
        seen_lang: set[str] = set()
        for raw in rec.get("terms", []):
            if not isinstance(raw, dict):
                raise fail("terms must be inline tables")
            bad = set(raw) - _TERM_KEYS
            if bad:
                raise fail(f"unknown term key(s) {', '.join(sorted(bad))}")
            if not raw.get("lang") or not str(raw.get("text", "")).strip():
                raise fail("every term needs lang and text")
            tag = normalize_tag(raw["lang"])
            if tag is None:
                raise fail(f"unknown language tag {raw['lang']!r}")
            base = tag.split("-")[0]
            ttype = raw.get("type", "fullForm")
            status = raw.get("status") or ("admitted" if base in seen_lang else "preferred")
            seen_lang.add(base)
            checks = (
                ("type", ttype, "type"), ("status", status, "status"), ("match", raw.get("match"), "match"),
                ("part_of_speech", raw.get("pos"), "pos"), ("gender", raw.get("gender"), "gender"),
                ("number", raw.get("number"), "number"),
            )
            for field, value, label in checks:
                problem = term_value_problem(field, value, label)
                if problem:
                    raise fail(f"term {raw['text']!r}: {problem}")
            pos = raw.get("pos") or ("properNoun" if category in ("institution", "person") else "noun")
            terms.append(
                Term(
                    lang=tag, text=raw["text"].strip(), type=ttype, status=status,
                    case_sensitive=raw.get("case_sensitive"), match=raw.get("match"),
                    part_of_speech=pos, gender=raw.get("gender"), number=raw.get("number"),
                    geo=raw.get("geo"), usage=raw.get("usage"), source=raw.get("source"),
                )
            )
        if not terms:
            raise fail("has no terms")
        out.append(
            Concept(
                id=cid, category=category, subject=rec.get("subject"), definition=rec.get("definition"),
                note=rec.get("note"), source=rec.get("source"), terms=tuple(terms),
            )
        )
    return out


def iter_terms(concepts: Iterable[Concept]) -> Iterator[tuple[Concept, Term]]:
    """Yield every (concept, term) pair."""
    for c in concepts:
        for t in c.terms:
            yield c, t
