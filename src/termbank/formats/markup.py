"""Printable glossaries (Markdown, HTML) and the JSON backup format: bytes for concepts.

Markdown and HTML are export only: entries grouped by category, sorted in the
alphabetical order of the headword language (accents ignored, ``ñ`` after ``n`` in
Spanish, case ignored), each with its abbreviations, the translation(s), the
definition, notes, and a locale label (``es-MX``) on locale-specific terms. The HTML is
one standalone file with inline CSS and no external assets; all text is escaped.

JSON is a full dump for backup: ``{"format": "termbank", "version": 1, "concepts":
[...], "units": [...]}`` holding every field of every concept, term and translation
unit; it reads back exactly.
"""

from __future__ import annotations

import html
import json
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import fields
from datetime import datetime

from ..errors import FormatError
from ..model import (
    CATEGORIES,
    TERM_CHOICES,
    Concept,
    TMUnit,
    Term,
    term_value_problem,
)
from ..normalize import visible
from .base import Format, LanguageTags, ReadResult, count, decode_text, require_languages, scan_text

__all__ = ["MarkdownFormat", "HtmlFormat", "JsonFormat", "sort_key"]


# -- collation ---------------------------------------------------------------------------
def sort_key(text: str, lang: str = "en") -> tuple[str, str, str]:
    """Return a key that sorts terms alphabetically for ``lang`` ("en" or "es").

    Accents and case are ignored (ties broken by them), punctuation is ignored, spaces
    separate words, and in Spanish ``ñ`` is its own letter after ``n``.

    >>> sorted(["oso", "ñandú", "nube", "Nación", "nación"], key=lambda t: sort_key(t, "es"))
    ['Nación', 'nación', 'nube', 'ñandú', 'oso']
    >>> sorted(["Zulu", "Ángel", "angel", "año"], key=lambda t: sort_key(t, "en"))
    ['angel', 'Ángel', 'año', 'Zulu']
    """
    spanish = lang.split("-")[0].lower() == "es"
    folded = unicodedata.normalize("NFC", text).casefold()
    out = []
    for ch in folded:
        if spanish and ch == "ñ":
            out.append("n\x7f")  # after every "n" + letter, before "o"
            continue
        for part in unicodedata.normalize("NFD", ch):
            if unicodedata.combining(part):
                continue
            if part.isalnum():
                out.append(part)
            elif part.isspace():
                out.append(" ")
    key = " ".join("".join(out).split())
    return key, folded, text


# -- shared layout -----------------------------------------------------------------------
_HEADINGS = {
    "en": {"institution": "Institutions", "rank": "Ranks", "title": "Titles and positions", "unit": "Units",
           "acronym": "Acronyms", "person": "People", "other": "Other terms"},
    "es": {"institution": "Instituciones", "rank": "Grados y empleos", "title": "Cargos y tratamientos",
           "unit": "Unidades", "acronym": "Siglas", "person": "Personas", "other": "Otros términos"},
}
_LABELS = {
    "en": {"abbreviation": "abbr.", "acronym": "acronym", "shortForm": "short form", "variant": "variant",
           "deprecated": "do not use", "definition": "Definition", "note": "Note", "subject": "Subject",
           "usage": "usage", "lang": {"en": "English", "es": "Spanish"}, "glossary": "Glossary"},
    "es": {"abbreviation": "abrev.", "acronym": "sigla", "shortForm": "forma corta", "variant": "variante",
           "deprecated": "no usar", "definition": "Definición", "note": "Nota", "subject": "Ámbito",
           "usage": "uso", "lang": {"en": "inglés", "es": "español"}, "glossary": "Glosario"},
}


def _ui(lang: str) -> str:
    return "es" if lang.split("-")[0].lower() == "es" else "en"


class _Entry:
    """One concept laid out for printing from ``lang`` into ``target``."""

    def __init__(self, concept: Concept, lang: str, target: str):
        self.concept = concept
        base, tbase = lang.split("-")[0].lower(), target.split("-")[0].lower()
        head = concept.preferred(base, lang if "-" in lang else None) or concept.terms[0]
        self.head = head
        self.source_terms = [t for t in concept.terms if t.base_lang == head.base_lang and t is not head]
        tr = concept.preferred(tbase, target if "-" in target else None, like=head)
        self.translation = tr
        self.target_terms = [t for t in concept.terms if t.base_lang == tbase and t is not tr]
        self.key = sort_key(head.text, head.base_lang)


def _entries(items: Iterable[Concept], lang: str, target: str) -> list[tuple[str, list[_Entry]]]:
    groups: dict[str, list[_Entry]] = {}
    for c in items:
        if isinstance(c, Concept) and c.terms:
            groups.setdefault(c.category, []).append(_Entry(c, lang, target))
    order = list(CATEGORIES) + sorted(set(groups) - set(CATEGORIES))
    return [(cat, sorted(groups[cat], key=lambda e: e.key)) for cat in order if cat in groups]


def _term_labels(t: Term, ui: str) -> list[str]:
    labels = _LABELS[ui]
    out = []
    if t.type in ("abbreviation", "acronym", "shortForm", "variant"):
        out.append(labels[t.type])
    if "-" in t.lang:
        out.append(t.lang)
    if t.status == "deprecated":
        out.append(labels["deprecated"])
    if t.usage:
        out.append(f"{labels['usage']}: {t.usage}")
    return out


def _title(lang: str, target: str, title: str | None) -> str:
    if title:
        return title
    ui = _ui(lang)
    names = _LABELS[ui]["lang"]
    src = names.get(lang.split("-")[0], lang)
    tgt = names.get(target.split("-")[0], target)
    return f"{_LABELS[ui]['glossary']}: {src} → {tgt}"


def _other_lang(lang: str) -> str:
    return "es" if lang.split("-")[0].lower() == "en" else "en"


# -- Markdown ----------------------------------------------------------------------------
_MD_SPECIAL = re.compile(r"([\\`*_\[\]<>|#~&])")  # "&": "&amp;" in a term is not an entity


def md_escape(text: str) -> str:
    """Return ``text`` with Markdown punctuation escaped and whitespace collapsed.

    >>> md_escape("*general de división* [MX]")
    '\\\\*general de división\\\\* \\\\[MX\\\\]'
    >>> md_escape("R&amp;D")
    'R\\\\&amp;D'
    """
    return _MD_SPECIAL.sub(r"\\\1", " ".join(text.split()))


class MarkdownFormat(Format):
    """A printable glossary in Markdown (export only)."""

    name = "md"
    extensions = (".md", ".markdown")
    kind = "terms"
    description = "printable glossary, Markdown (export only)"

    def write(self, items: Iterable[Concept], *, lang: str = "en", target: str | None = None,
              title: str | None = None, **options) -> bytes:
        """Return a Markdown glossary from ``lang`` into ``target`` (see the module docstring)."""
        target = target or _other_lang(lang)
        ui = _ui(lang)
        labels = _LABELS[ui]
        out = [f"# {md_escape(_title(lang, target, title))}", ""]
        for cat, entries in _entries(items, lang, target):
            out += [f"## {md_escape(_HEADINGS[ui].get(cat, cat))}", ""]
            for e in entries:
                out.append("- " + self._line(e, ui) + ("  " if self._details(e, labels) else ""))
                details = self._details(e, labels)
                for i, d in enumerate(details):
                    out.append(f"  {d}" + ("  " if i < len(details) - 1 else ""))
            out.append("")
        return ("\n".join(out).rstrip("\n") + "\n").encode("utf-8")

    @staticmethod
    def _term(t: Term, ui: str, strong: bool = False) -> str:
        text = md_escape(t.text)
        if strong:
            text = f"**{text}**"
        labels = _term_labels(t, ui)
        return text + (f" *({md_escape(', '.join(labels))})*" if labels else "")

    def _line(self, e: _Entry, ui: str) -> str:
        left = [self._term(e.head, ui, strong=True)] + [self._term(t, ui) for t in e.source_terms]
        line = "; ".join(left)
        if e.translation is not None:
            right = [self._term(e.translation, ui, strong=True)] + [self._term(t, ui) for t in e.target_terms]
            line += " → " + "; ".join(right)
        return line

    @staticmethod
    def _details(e: _Entry, labels: dict) -> list[str]:
        c = e.concept
        out = []
        if c.definition:
            out.append(f"*{labels['definition']}:* {md_escape(c.definition)}")
        if c.subject:
            out.append(f"*{labels['subject']}:* {md_escape(c.subject)}")
        for line in (c.note or "").splitlines():
            if line.strip():
                out.append(f"*{labels['note']}:* {md_escape(line)}")
        return out


# -- HTML --------------------------------------------------------------------------------
_CSS = """
body{font-family:Georgia,'Times New Roman',serif;max-width:52rem;margin:2rem auto;padding:0 1rem;color:#111}
h1{font-size:1.6rem;border-bottom:2px solid #333}h2{font-size:1.2rem;margin-top:2rem;border-bottom:1px solid #999}
dl{margin:0}dt{margin-top:.8rem}dd{margin:.1rem 0 0 1.5rem}.lbl{font-size:.8em;color:#555;font-style:italic}
.tr::before{content:"\\2192\\00a0"}.def,.note{font-size:.92em}.dep{text-decoration:line-through}
@media print{body{margin:0;max-width:none}h2{break-after:avoid}dt{break-after:avoid}}
""".strip()


class HtmlFormat(Format):
    """A printable glossary as one standalone HTML page (export only)."""

    name = "html"
    extensions = (".html", ".htm")
    kind = "terms"
    description = "printable glossary, standalone HTML (export only)"

    def write(self, items: Iterable[Concept], *, lang: str = "en", target: str | None = None,
              title: str | None = None, **options) -> bytes:
        """Return a standalone HTML glossary from ``lang`` into ``target`` (all text escaped)."""
        target = target or _other_lang(lang)
        ui = _ui(lang)
        labels = _LABELS[ui]
        esc = html.escape
        page_title = _title(lang, target, title)
        out = ["<!DOCTYPE html>", f'<html lang="{esc(ui)}">', "<head>", '<meta charset="utf-8">',
               f"<title>{esc(page_title)}</title>", f"<style>{_CSS}</style>", "</head>", "<body>",
               f"<h1>{esc(page_title)}</h1>"]
        for cat, entries in _entries(items, lang, target):
            out.append(f'<section class="cat-{esc(cat)}">')
            out.append(f"<h2>{esc(_HEADINGS[ui].get(cat, cat))}</h2>")
            out.append("<dl>")
            for e in entries:
                left = [self._term(e.head, ui, True)] + [self._term(t, ui) for t in e.source_terms]
                out.append(f"<dt>{'; '.join(left)}</dt>")
                if e.translation is not None:
                    right = [self._term(e.translation, ui, True)] + [self._term(t, ui) for t in e.target_terms]
                    out.append(f'<dd class="tr">{"; ".join(right)}</dd>')
                c = e.concept
                if c.definition:
                    out.append(f'<dd class="def"><span class="lbl">{esc(labels["definition"])}:</span> '
                               f"{esc(c.definition)}</dd>")
                if c.subject:
                    out.append(f'<dd class="def"><span class="lbl">{esc(labels["subject"])}:</span> '
                               f"{esc(c.subject)}</dd>")
                for line in (c.note or "").splitlines():
                    if line.strip():
                        out.append(f'<dd class="note"><span class="lbl">{esc(labels["note"])}:</span> '
                                   f"{esc(line.strip())}</dd>")
            out.append("</dl>")
            out.append("</section>")
        out += ["</body>", "</html>", ""]
        return "\n".join(out).encode("utf-8")

    @staticmethod
    def _term(t: Term, ui: str, strong: bool = False) -> str:
        esc = html.escape
        text = f'<span lang="{esc(t.lang)}"' + (' class="dep"' if t.status == "deprecated" else "") + \
            f">{esc(t.text)}</span>"
        if strong:
            text = f"<strong>{text}</strong>"
        labels = _term_labels(t, ui)
        if labels:
            text += f' <span class="lbl">({esc(", ".join(labels))})</span>'
        return text


# -- JSON --------------------------------------------------------------------------------
_CONCEPT_KEYS = tuple(f.name for f in fields(Concept))
_TERM_KEYS = tuple(f.name for f in fields(Term))
_UNIT_KEYS = tuple(f.name for f in fields(TMUnit))


def _dump(value):
    return value.isoformat() if isinstance(value, datetime) else value


class JsonFormat(Format):
    """Full JSON dump of concepts (and translation units): termbank's backup format."""

    name = "json"
    extensions = (".json",)
    kind = "terms"
    description = "termbank JSON backup (every field of concepts and translation units)"

    def sniff(self, head: bytes) -> bool:
        """True for a JSON object with ``concepts``/``units``, or an array of concepts."""
        text = scan_text(head).lstrip()
        if text.startswith("{"):
            return '"concepts"' in text or '"units"' in text
        return text.startswith("[") and '"terms"' in text

    def write(self, items: Iterable, **options) -> bytes:
        """Return every concept and unit as JSON (all fields, nulls included, ISO dates)."""
        concepts, units = [], []
        for item in items:
            if isinstance(item, Concept):
                d = {k: _dump(getattr(item, k)) for k in _CONCEPT_KEYS if k != "terms"}
                d["terms"] = [{k: getattr(t, k) for k in _TERM_KEYS} for t in item.terms]
                concepts.append(d)
            elif isinstance(item, TMUnit):
                units.append({k: _dump(getattr(item, k)) for k in _UNIT_KEYS})
        doc = {"format": "termbank", "version": 1, "concepts": concepts, "units": units}
        return (json.dumps(doc, ensure_ascii=False, indent=2) + "\n").encode("utf-8")

    def read(self, data: bytes, filename: str = "<input>", *, encoding: str | None = None,
             **options) -> ReadResult:
        """Return the concepts and units of a JSON backup (or of a bare array of concepts)."""
        text = decode_text(data, filename, encoding)
        if not text.strip():
            raise FormatError("empty file", filename, 1)
        try:
            doc = json.loads(text)
        except json.JSONDecodeError as exc:
            raise FormatError(f"not valid JSON: {exc.msg}", filename, exc.lineno) from None
        except RecursionError:
            raise FormatError("JSON nested too deeply", filename, 1) from None
        if isinstance(doc, list):
            doc = {"concepts": doc}
        if not isinstance(doc, dict) or not ("concepts" in doc or "units" in doc):
            raise FormatError("not a termbank JSON dump (expected an object with \"concepts\")", filename, 1)
        if doc.get("format", "termbank") != "termbank":
            raise FormatError(f"unknown JSON format {doc.get('format')!r}", filename, 1)
        reader = _JsonReader(filename, text)
        concepts = [reader.concept(i, c) for i, c in enumerate(_list(doc, "concepts", filename))]
        units = [reader.unit(i, u) for i, u in enumerate(_list(doc, "units", filename))]
        seen: set[str] = set()
        for c in concepts:
            if c.id in seen:
                raise FormatError(f"duplicate concept id {c.id!r}", filename, reader.line_of(c.id))
            seen.add(c.id)
        if not concepts and not units:
            raise FormatError("no concepts and no units", filename, 1)
        if concepts:
            require_languages(concepts, filename, 1, options.get("min_languages", 2))
        return ReadResult(concepts=concepts, units=units, format=self.name,
                          report=[f"read {count(len(concepts), 'concept')} with "
                                  f"{count(sum(len(c.terms) for c in concepts), 'term')} and "
                                  f"{count(len(units), 'translation unit')}"] + reader.langs.report)


def _list(doc: dict, key: str, filename: str) -> list:
    value = doc.get(key, [])
    if not isinstance(value, list):
        raise FormatError(f"\"{key}\" must be an array", filename, 1)
    return value


class _JsonReader:
    def __init__(self, filename: str, text: str):
        self.filename = filename
        self.text = text
        self.langs = LanguageTags(filename)

    def line_of(self, needle: str | None) -> int | None:
        if not needle:
            return None
        pos = self.text.find(json.dumps(needle, ensure_ascii=False))
        return self.text.count("\n", 0, pos) + 1 if pos >= 0 else None

    def fail(self, where: str, msg: str, needle: str | None = None) -> FormatError:
        return FormatError(f"{where}: {msg}", self.filename, self.line_of(needle))

    def _obj(self, where: str, value, keys: tuple[str, ...], needle: str | None) -> dict:
        if not isinstance(value, dict):
            raise self.fail(where, "must be an object", needle)
        unknown = set(value) - set(keys)
        if unknown:
            raise self.fail(where, f"unknown field(s) {', '.join(sorted(unknown))}", needle)
        return value

    def _date(self, where: str, value, needle):
        if value is None:
            return None
        try:
            return datetime.fromisoformat(value)
        except (TypeError, ValueError):
            raise self.fail(where, f"{value!r} is not an ISO date", needle) from None

    def _str(self, where: str, d: dict, key: str, needle, required: bool = False):
        value = d.get(key)
        if value is None and not required:
            return None
        if not isinstance(value, str) or (required and not visible(value)):
            raise self.fail(where, f"{key} must be {'non-empty ' if required else ''}text", needle)
        if "\x00" in value:
            raise self.fail(where, f"{key} holds a NUL character", needle)
        surrogate = _SURROGATE.search(value)  # "\ud800" in the JSON: no file can hold it
        if surrogate:
            raise self.fail(where, f"{key} holds an unpaired surrogate (\\u{ord(surrogate.group()):04x})", needle)
        return value

    def _lang(self, where: str, d: dict, key: str, needle) -> str:
        raw = self._str(where, d, key, needle, True)
        try:
            return self.langs(raw)
        except FormatError as exc:
            raise self.fail(where, exc.message, needle) from None

    def concept(self, i: int, raw) -> Concept:
        needle = raw.get("id") if isinstance(raw, dict) and isinstance(raw.get("id"), str) else None
        where = f"concepts[{i}]" + (f" ({needle})" if needle else "")
        d = self._obj(where, raw, _CONCEPT_KEYS, needle)
        cid = self._str(where, d, "id", needle, required=True)
        category = d.get("category", "other")
        if category not in CATEGORIES:
            raise self.fail(where, f"unknown category {category!r}", needle)
        version = d.get("version", 1)
        if not isinstance(version, int) or isinstance(version, bool) or version < 1:
            raise self.fail(where, "version must be a positive integer", needle)
        terms_raw = d.get("terms", [])
        if not isinstance(terms_raw, list):
            raise self.fail(where, "terms must be an array", needle)
        terms = tuple(self.term(f"{where}.terms[{j}]", t, needle) for j, t in enumerate(terms_raw))
        if not terms:
            raise self.fail(where, "has no terms", needle)
        return Concept(
            id=cid, category=category,
            **{k: self._str(where, d, k, needle) for k in ("subject", "definition", "note", "source")},
            terms=terms, version=version, created_at=self._date(where, d.get("created_at"), needle),
            updated_at=self._date(where, d.get("updated_at"), needle),
        )

    def term(self, where: str, raw, needle) -> Term:
        d = self._obj(where, raw, _TERM_KEYS, needle)
        values = {"lang": self._lang(where, d, "lang", needle), "text": self._str(where, d, "text", needle, True)}
        for key in _TERM_KEYS:
            if key in ("lang", "text") or key not in d:
                continue
            value = d[key]
            if key == "case_sensitive":
                if value is not None and not isinstance(value, bool):
                    raise self.fail(where, "case_sensitive must be true, false or null", needle)
            elif key in TERM_CHOICES:
                problem = term_value_problem(key, value)
                if problem:
                    raise self.fail(where, problem, needle)
            elif value is not None and not isinstance(value, str):
                raise self.fail(where, f"{key} must be text", needle)
            values[key] = value
        if "type" in values and values["type"] is None:
            del values["type"]
        if "status" in values and values["status"] is None:
            del values["status"]
        return Term(**values)

    def unit(self, i: int, raw) -> TMUnit:
        where = f"units[{i}]"
        needle = raw.get("source") if isinstance(raw, dict) and isinstance(raw.get("source"), str) else None
        d = self._obj(where, raw, _UNIT_KEYS, needle)
        values = {"source_lang": self._lang(where, d, "source_lang", needle),
                  "source": self._str(where, d, "source", needle, True),
                  "target_lang": self._lang(where, d, "target_lang", needle),
                  "target": self._str(where, d, "target", needle, True)}
        for k in ("id", "origin", "created_by", "note"):
            values[k] = self._str(where, d, k, needle)
        props = d.get("props") or {}
        if not isinstance(props, dict) or not all(isinstance(k, str) and isinstance(v, str) for k, v in props.items()):
            raise self.fail(where, "props must be an object of text values", needle)
        return TMUnit(**values, created_at=self._date(where, d.get("created_at"), needle), props=dict(props))


# A code point json.loads lets through from a "\udXXX" escape but UTF-8 cannot encode.
_SURROGATE = re.compile("[\ud800-\udfff]")
