"""Delimited glossaries: concepts from and to CSV/TSV layouts.

Formats (one class each):

``csv`` / ``tsv`` — termbank's own layout, one concept per row, exact round trip
    Columns ``id, category, subject, definition, note, source``, then one column per
    language ``term:en``, ``term:es``, ``term:<lang>``..., then ``created_at,
    updated_at, version, term_order``. ``term_order`` is empty unless a concept's terms
    are not in column order (``en fr es``), so that their order also survives. A term
    cell is either

    * plain text: one term per line, all with default attributes; the first line is
      the preferred term, later lines are admitted (the rule of glossaries/README.md).
      A translator can type ``teniente general`` into a new row and that is a term;
    * or a JSON array when any attribute is set, one object per term with ``text``
      and only the fields that differ from the defaults, e.g.
      ``[{"text": "Lt. Gen.", "type": "abbreviation", "status": "admitted"}]``.
      ``lang`` appears only for a locale (``es-MX`` in the ``term:es`` column).

    The writer chooses plain text whenever it reads back identically, so
    export -> import gives back exactly the same concepts. Empty ``id`` cells get an
    id made from the first term. Files are written as UTF-8 with a BOM so that
    spreadsheets open them correctly.

``deepl`` — DeepL glossary TSV: ``source<TAB>target``, no header, one language pair.
    Export follows DeepL's rules: one direction, the preferred term of each concept,
    unique sources, no empty sides, no control characters, trimmed.

``google`` — Google Cloud Translation glossaries: the equivalent-term-sets CSV (a
    header of language codes, optional ``pos`` and ``description`` columns) and, on
    import, the unidirectional two-column CSV without header (``layout="pairs"`` on
    export).

``pairs`` — bilingual term lists with a header ``sourceLang, targetLang,
    sourceString, targetString`` (optional ``id``/``stringID``, ``pos``,
    ``description``), as published by TICO-19 (Facebook and Google term lists).

Every reader: BOM-aware UTF-8 (or UTF-16 with BOM); other encodings are refused with
the line of the first bad byte unless ``encoding=`` is given; the delimiter is sniffed
(comma, semicolon or tab); a cell that is a spreadsheet formula is refused, and one
neutralized by a termbank export (``'=...``) is given back as it was. The DeepL and
Google glossaries are written for the translation services, without that neutralizing:
a term that is itself a formula ("=SUM(A1)") does not come back from them. Rows that
repeat a source term are merged into one concept and rows without terms are skipped,
with report lines. Options a format does not know are ignored.
"""

from __future__ import annotations

import csv
import functools
import io
import json
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import fields, replace
from datetime import datetime

from ..errors import FormatError, UsageError
from ..model import (
    CATEGORIES,
    TERM_CHOICES,
    Concept,
    Term,
    term_value_problem,
)
from ..langs import normalize_tag
from ..normalize import visible
from .base import (
    HEAD_SIZE,
    Format,
    LanguageTags,
    ReadResult,
    decode_text,
    default_statuses,
    escape_formula,
    id_prefix,
    is_xml_id,
    line_list,
    require_languages,
    scan_text,
    slug,
    unescape_formula,
    unique_id,
    concept_id_from,
    count,
    xml_root_name,
)

__all__ = ["TermbankCsv", "TermbankTsv", "DeeplTsv", "GoogleCsv", "PairsCsv"]

_DELIMITERS = ("\t", ",", ";")
# Excel's first line naming the delimiter of the rows after it.
_SEP_LINE = re.compile(r"\ufeff?sep=([,;\t|])[ \t]*\r?\n")
# A JSON document's start: not a delimited file beginning with "[x]".
_JSON_START = re.compile(r'[\[{]\s*(?:["\[{\]}\d-]|true|false|null|$)')
# Control characters DeepL refuses in glossary entries (C0 except tab, DEL, C1,
# line and paragraph separators).
_CONTROL = re.compile("[\x00-\x08\x0a-\x1f\x7f-\x9f\u2028\u2029]")


# -- reading rows ----------------------------------------------------------------------
def _sniff_delimiter(text: str) -> str:
    """Return the delimiter that splits the first lines most consistently.

    >>> _sniff_delimiter("a;b;c\\n1;2;3\\n"), _sniff_delimiter("a\\tb\\n"), _sniff_delimiter("a,b\\n")
    (';', '\\t', ',')
    """
    sample = "\n".join(text.splitlines()[:20])
    best, best_score = ",", (0, 0)
    for d in _DELIMITERS:
        try:
            rows = [r for r in csv.reader(io.StringIO(sample), delimiter=d) if r]
        except csv.Error:
            continue
        if not rows:
            continue
        widths = [len(r) for r in rows]
        if widths[0] < 2:
            continue
        same = sum(1 for w in widths if w == widths[0])
        score = (same, widths[0])
        if score > best_score:
            best, best_score = d, score
    return best


def _read_rows(data: bytes, filename: str, encoding: str | None, delimiter: str | None = None
               ) -> tuple[list[tuple[int, list[str]]], str]:
    """Return (line number, cells) for every record, and the delimiter used."""
    text = decode_text(data, filename, encoding)
    if not text.strip():
        raise FormatError("empty file (no rows)", filename, 1)
    start = 1
    hint = _SEP_LINE.match(text)
    if hint:
        # Excel's "sep=;" first line names the delimiter; the rows start after it.
        delimiter, text, start = hint.group(1), text[hint.end():], 2
        if not text.strip():
            raise FormatError("no rows after the 'sep=' line", filename, 2)
    delim = delimiter or _sniff_delimiter(text)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delim, strict=True)
    rows: list[tuple[int, list[str]]] = []
    line0 = start - 1
    try:
        for row in reader:
            for cell in row:
                check_formula(cell, filename, start)
            rows.append((start, [unescape_formula(c) for c in row]))
            start = line0 + reader.line_num + 1
    except csv.Error as exc:
        raise FormatError(f"CSV syntax error: {exc}", filename, line0 + reader.line_num or start) from None
    return rows, delim


# A cell that a spreadsheet would run: "=anything", or "+ - @" followed by a function call
# or a DDE link ("@SUM(", "-cmd|'/C calc'!A0"). termbank's own exports quote such cells
# ("'=..."), so an unquoted one was typed or injected and is refused.
_FORMULA = re.compile(r"^[=\uff1d]|^[+\-@]\s*[A-Za-z_][\w.]*\s*[(|!]")


def check_formula(cell: str, filename: str, line: int) -> None:
    """Raise FormatError if ``cell`` is a spreadsheet formula (see :data:`_FORMULA`)."""
    if _FORMULA.match(cell.lstrip(" ")):
        shown = cell if len(cell) <= 40 else cell[:37] + "..."
        raise FormatError(f"cell {shown!r} is a spreadsheet formula; termbank does not import formulas "
                          "(prefix the cell with ' if it is meant as text)", filename, line)


def _blank(row: list[str]) -> bool:
    return not any(map(visible, row))


def _cell(cell: str) -> str:
    """Return a cell's text trimmed; empty when it shows nothing (zero-width characters only).

    >>> _cell("  frigate "), _cell("\ufeff\u200b ")
    ('frigate', '')
    """
    return cell.strip() if visible(cell) else ""


def _head_lines(head: bytes) -> list[str]:
    if xml_root_name(head) is not None:
        return []
    text = scan_text(head)
    hint = _SEP_LINE.match(text)
    if hint:
        text = text[hint.end():]
    start = text.lstrip()
    if start.startswith("<") or _JSON_START.match(start):
        return []
    lines = text.splitlines()
    if len(head) >= 4096 and len(lines) > 1:
        lines = lines[:-1]  # the last line may be cut off
    return [line for line in lines if line.strip()][:20]


def _head_rows(head: bytes, delimiter: str) -> list[list[str]]:
    lines = _head_lines(head)
    if not lines:
        return []
    try:
        return [r for r in csv.reader(io.StringIO("\n".join(lines)), delimiter=delimiter)]
    except csv.Error:
        return []


def _lang_header(cell: str) -> bool:
    cell = cell.strip()
    return bool(cell) and len(cell) <= 12 and normalize_tag(cell) is not None


def _write_rows(rows: Iterable[list[str]], delimiter: str, bom: bool, escape: bool,
                lineterminator: str = "\r\n") -> bytes:
    buf = io.StringIO()
    writer = csv.writer(buf, delimiter=delimiter, lineterminator=lineterminator, quoting=csv.QUOTE_MINIMAL)
    for row in rows:
        writer.writerow([escape_formula(c) if escape else c for c in row])
    return (("\ufeff" if bom else "") + buf.getvalue()).encode("utf-8")


# Column titles of a two-column glossary that say nothing of the languages.
_GENERIC_TITLES = frozenset({
    "source", "target", "source term", "target term", "term", "translation", "source text", "target text",
    "origen", "destino", "término", "termino", "traducción", "traduccion",
})


def _name_key(text: str) -> str:
    """Return a column title or language name as compared: lowercase, without accents or BOM."""
    text = text.strip().lstrip("\ufeff").lower()
    return "".join(ch for ch in unicodedata.normalize("NFD", text) if not unicodedata.combining(ch))


@functools.cache
def _language_names() -> dict[str, str]:
    """Return language names in English and Spanish (as :func:`_name_key` gives them) -> language code."""
    from babel import Locale

    return {_name_key(name): code for ui in ("es", "en") for code, name in Locale(ui).languages.items()
            if "_" not in code and normalize_tag(code)}


def _title_row(cells: list[str]) -> tuple[str | None, str | None] | None:
    """Return the languages a two-column glossary's first row names, when it is a row of titles.

    ``English, Spanish`` / ``inglés, español`` / ``EN, ES`` give their language codes;
    ``source, target`` (and the like) give ``(None, None)``; anything else (an entry)
    gives None.
    Two names of one language (``English, inglés``) are an entry of a glossary of
    language names, not titles.
    """
    if len(cells) != 2:
        return None
    names = _language_names()
    out: list[str | None] = []
    for cell in cells:
        key = _name_key(cell)
        if key in _GENERIC_TITLES:
            out.append(None)
        elif key in names:
            out.append(names[key])
        elif _lang_header(cell):
            out.append(cell.strip())  # a language code: "en", "ES", "es-MX"
        else:
            return None
    if out[0] is not None and out[1] is not None and normalize_tag(out[0]) == normalize_tag(out[1]):
        return None
    return out[0], out[1]


def _guess_pair(filename: str, source_lang: str | None, target_lang: str | None,
                report: list[str], titles: tuple[str | None, str | None] | None = None) -> tuple[str, str]:
    """Return the language pair of a two-column glossary (``titles``: what its title row names)."""
    named = bool(titles and titles[0] and titles[1])
    if named:
        source_lang, target_lang = source_lang or titles[0], target_lang or titles[1]
    if source_lang and target_lang:
        pair = (source_lang, target_lang)
        how = "from the title row" if named else "as given"
    else:
        name = re.split(r"[\\/]", filename)[-1].lower()
        m = re.search(r"(?<![a-z])([a-z]{2})[-_]([a-z]{2})(?![a-z])", name)
        if m and normalize_tag(m.group(1)) and normalize_tag(m.group(2)) and m.group(1) != m.group(2):
            pair = (source_lang or m.group(1), target_lang or m.group(2))
            how = "from the file name"
        else:
            pair = (source_lang or "en", target_lang or "es")
            how = "by default (--source-lang and --target-lang change it)"
    tags = []
    for raw in pair:
        tag = normalize_tag(raw)
        if tag is None:
            raise FormatError(f"unknown language code {raw!r}", filename)
        tags.append(tag)
    if tags[0].split("-")[0] == tags[1].split("-")[0]:
        raise UsageError(f"source and target are both {tags[0].split('-')[0]!r}: a glossary pairs two languages")
    report.append(f"language pair {tags[0]} → {tags[1]} {how}")
    return tags[0], tags[1]


# -- merging rows into concepts ---------------------------------------------------------
class _PairMerger:
    """Builds one concept per source term; later rows with the same source merge in."""

    def __init__(self, filename: str, prefix: str):
        self.filename = filename
        self.prefix = prefix
        self.by_source: dict[tuple[str, str], dict] = {}
        self.order: list[dict] = []
        self.ids: dict[str, int] = {}
        self.taken: set[str] = set()
        self.merged: list[tuple[str, list[int]]] = []
        self.merged_rows = 0

    def add(self, line: int, src_lang: str, src: str, tgt_lang: str, tgt: str, *, raw_id: str = "",
            pos: str | None = None, description: str | None = None, extra: list[str] | None = None) -> None:
        key = (src_lang, src)
        rec = self.by_source.get(key)
        if rec is None:
            if raw_id:
                cid = concept_id_from(raw_id, self.prefix)
                if cid in self.ids:
                    raise FormatError(f"duplicate id {raw_id!r} (first at line {self.ids[cid]})", self.filename, line)
            else:
                cid = unique_id(f"{self.prefix}-{slug(src, 40) or 'term'}", self.taken)
            self.ids[cid] = line
            self.taken.add(cid)
            rec = {"id": cid, "lines": [line], "definition": description or None, "notes": list(extra or []),
                   "terms": [Term(lang=src_lang, text=src, part_of_speech=pos)], "source_notes": []}
            self.by_source[key] = rec
            self.order.append(rec)
        else:
            rec["lines"].append(line)
            self.merged_rows += 1
            if description and description != rec["definition"]:
                if rec["definition"] is None:
                    rec["definition"] = description
                else:
                    rec["notes"].append(f"description (line {line}): {description}")
            first = rec["terms"][0]
            if pos and first.part_of_speech is None:
                rec["terms"][0] = replace(first, part_of_speech=pos)
            elif pos and pos != first.part_of_speech:
                rec["source_notes"].append(f"partOfSpeech (line {line}): {pos}")
            rec["notes"].extend(extra or [])
        if not any(t.lang == tgt_lang and t.text == tgt for t in rec["terms"]):
            rec["terms"].append(Term(lang=tgt_lang, text=tgt, part_of_speech=pos))

    def concepts(self) -> list[Concept]:
        out = []
        for rec in self.order:
            terms = list(rec["terms"])
            if rec["source_notes"]:
                terms[0] = replace(terms[0], note="\n".join(rec["source_notes"]))
            if len(rec["lines"]) > 1:
                self.merged.append((terms[0].text, rec["lines"]))
            out.append(Concept(
                id=rec["id"], definition=rec["definition"],
                note="\n".join(dict.fromkeys(rec["notes"])) or None,
                terms=tuple(default_statuses(terms, [False] * len(terms))),
            ))
        return out

    def report(self) -> list[str]:
        if not self.merged:
            return []
        shown = "; ".join(f"{text!r} ({line_list(lines)})" for text, lines in self.merged[:12])
        more = f"; … ({len(self.merged) - 12} more)" if len(self.merged) > 12 else ""
        return [f"merged {count(self.merged_rows, 'row')} that repeat a source term into "
                f"{count(len(self.merged), 'concept')} (different translations become admitted terms): "
                f"{shown}{more}"]


_POS_IN = {
    "noun": "noun", "n": "noun", "verb": "verb", "v": "verb", "adjective": "adjective", "adj": "adjective",
    "adverb": "adverb", "adv": "adverb", "proper noun": "properNoun", "propernoun": "properNoun",
    "proper_noun": "properNoun", "other": "other",
}
_POS_OUT = {"properNoun": "proper noun"}


def _pos(value: str, notes: list[str]) -> str | None:
    value = value.strip()
    if not value:
        return None
    pos = _POS_IN.get(value.lower())
    if pos is None:
        notes.append(f"pos: {value}")
    return pos


# -- termbank CSV/TSV -------------------------------------------------------------------
_FIXED = ("id", "category", "subject", "definition", "note", "source")
_META = ("created_at", "updated_at", "version", "term_order")
_TERM_DEFAULTS = {f.name: f.default for f in fields(Term)}
_TERM_KEYS = tuple(f.name for f in fields(Term))


def _lang_order(langs: Iterable[str]) -> list[str]:
    return sorted(set(langs), key=lambda x: (x != "en", x != "es", x))


def encode_terms(terms: list[Term], base: str) -> str:
    """Return the cell for the terms of one language column (plain lines or a JSON array).

    >>> encode_terms([Term("es", "teniente general"), Term("es", "Tte. Gral.", status="admitted")], "es")
    'teniente general\\nTte. Gral.'
    >>> encode_terms([Term("es-MX", "general de división")], "es")
    '[{"text": "general de división", "lang": "es-MX"}]'
    """
    plain = True
    for i, t in enumerate(terms):
        expected = Term(lang=base, text=t.text, status="preferred" if i == 0 else "admitted")
        if (t != expected or not t.text or t.text != t.text.strip() or "\n" in t.text or "\r" in t.text
                or t.text.startswith("[")):
            plain = False
            break
    if plain:
        return "\n".join(t.text for t in terms)
    items = []
    for t in terms:
        item = {"text": t.text}
        if t.lang != base:
            item["lang"] = t.lang
        for key in _TERM_KEYS:
            if key in ("lang", "text"):
                continue
            value = getattr(t, key)
            if value != _TERM_DEFAULTS[key]:
                item[key] = value
        items.append(item)
    return json.dumps(items, ensure_ascii=False)


def decode_terms(cell: str, base: str, lang_of, where) -> list[Term]:
    """Return the terms of a language cell written by :func:`encode_terms` (or typed by hand)."""
    stripped = cell.strip()
    if not stripped:
        return []
    if not stripped.startswith("["):
        texts = [line.strip() for line in cell.splitlines() if visible(line)]
        terms = [Term(lang=base, text=t) for t in texts]
        return default_statuses(terms, [False] * len(terms))
    try:
        items = json.loads(stripped)
    except json.JSONDecodeError as exc:
        raise where(f"term cell is not a valid JSON array: {exc.msg} (column {exc.colno} of the cell)")
    if not isinstance(items, list):
        raise where("term cell must be a JSON array of objects")
    out = []
    for item in items:
        if not isinstance(item, dict) or not isinstance(item.get("text"), str) or not visible(item["text"]):
            raise where("every term object needs a non-empty \"text\"")
        unknown = set(item) - set(_TERM_KEYS)
        if unknown:
            raise where(f"unknown term field(s) {', '.join(sorted(unknown))}")
        values = {}
        for key, value in item.items():
            if key == "lang":
                value = lang_of(value)
                if value.split("-")[0] != base:
                    raise where(f"term {item['text']!r} has lang {value!r} in the term:{base} column")
            elif key == "case_sensitive":
                if value is not None and not isinstance(value, bool):
                    raise where(f"term {item['text']!r}: case_sensitive must be true or false")
            elif key in TERM_CHOICES:
                problem = term_value_problem(key, value)
                if problem:
                    raise where(f"term {item['text']!r}: {problem}")
            elif value is not None and not isinstance(value, str):
                raise where(f"term {item['text']!r}: {key} must be text")
            values[key] = value
        values.setdefault("lang", base)
        out.append(Term(**values))
    return out


class TermbankCsv(Format):
    """termbank's own CSV layout: one concept per row, every field, exact round trip."""

    name = "csv"
    extensions = (".csv",)
    kind = "terms"
    description = "termbank CSV: one concept per row with term:<lang> columns (exact round trip)"
    delimiter = ","

    def sniff(self, head: bytes) -> bool:
        """True when the header has ``id`` and ``term:<lang>`` columns with this delimiter
        (comma or semicolon for ``csv``, tab for ``tsv``)."""
        lines = _head_lines(head)
        if not lines:
            return False
        delim = _sniff_delimiter("\n".join(lines))
        if (delim == "\t") != (self.delimiter == "\t"):
            return False
        rows = _head_rows(head, delim)
        if not rows:
            return False
        header = [c.strip().lstrip("\ufeff").lower() for c in rows[0]]
        return "id" in header and any(c.startswith("term:") for c in header)

    def read(self, data: bytes, filename: str = "<input>", *, encoding: str | None = None,
             min_languages: int = 2, **options) -> ReadResult:
        """Return the concepts of a termbank CSV/TSV file.

        Asked to read another delimited layout (a term list, Google term sets, DeepL
        entries) that has no ``term:`` columns, it hands over to that format's reader
        and says so in the report: users call every such file "CSV".
        """
        rows, _ = _read_rows(data, filename, encoding)
        header_line, header = rows[0]
        names = {c.strip().lstrip("\ufeff").lower() for c in header}
        if not any(c.startswith("term:") for c in names):
            head = data[:HEAD_SIZE]
            ours = names & (set(_FIXED) | set(_META))  # then it is a broken termbank file
            for other in (PairsCsv(),) + (() if ours else (GoogleCsv(), DeeplTsv())):
                if other.sniff(head):
                    result = other.read(data, filename, encoding=encoding, min_languages=min_languages, **options)
                    result.report.insert(0, f"no term:<lang> columns: read as the {other.name!r} layout "
                                            f"({other.description})")
                    return result
        names = [c.strip() for c in header]
        seen: set[str] = set()
        langs = LanguageTags(filename)
        columns: list[tuple[str, str | None]] = []
        for name in names:
            key = name.lower()
            if key in seen:
                raise FormatError(f"column {name!r} appears twice", filename, header_line)
            seen.add(key)
            if key.startswith("term:"):
                tag = langs(name[5:], header_line)
                base = tag.split("-")[0]
                if tag != base:
                    raise FormatError(f"column {name!r}: term columns are per language (term:{base}); "
                                      "put the locale in the term's \"lang\"", filename, header_line)
                columns.append(("term", base))
            elif key in _FIXED or key in _META:
                columns.append((key, None))
            else:
                raise FormatError(f"unknown column {name!r} (termbank CSV columns: {', '.join(_FIXED)}, "
                                  f"term:<lang>..., {', '.join(_META)})", filename, header_line)
        missing = [c for c in ("id",) if c not in seen]
        if missing or not any(k == "term" for k, _ in columns):
            what = ", ".join(missing + ([] if any(k == "term" for k, _ in columns) else ["term:<lang>"]))
            raise FormatError(f"missing column(s): {what}", filename, header_line)

        concepts: list[Concept] = []
        ids: dict[str, int] = {}
        pending: list[int] = []
        skipped: list[int] = []
        odd_order: list[int] = []
        for line, row in rows[1:]:
            if _blank(row):
                skipped.append(line)
                continue
            if len(row) > len(columns):
                raise FormatError(f"{len(row)} cells but the header has {len(columns)} columns", filename, line)
            row = row + [""] * (len(columns) - len(row))

            def where(msg: str, line: int = line) -> FormatError:
                return FormatError(msg, filename, line)

            values: dict[str, str] = {}
            terms: list[Term] = []
            for (key, base), cell in zip(columns, row):
                if key == "term":
                    terms.extend(decode_terms(cell, base, lambda v: langs(v, line), where))
                else:
                    values[key] = cell
            if not terms:
                raise where("row has no terms")
            cid = values.get("id", "").strip()
            if cid and not is_xml_id(cid):
                raise where(f"id {cid!r} is not a valid XML name (letters, digits, '-', '_', '.'; "
                            "starting with a letter)")
            if cid in ids:
                raise where(f"duplicate concept id {cid!r} (first at line {ids[cid]})")
            category = values.get("category", "").strip() or "other"
            if category not in CATEGORIES:
                raise where(f"unknown category {category!r} (one of {', '.join(CATEGORIES)})")
            meta = {}
            for key in ("created_at", "updated_at"):
                raw = values.get(key, "").strip()
                if raw:
                    try:
                        meta[key] = datetime.fromisoformat(raw)
                    except ValueError:
                        raise where(f"{key} {raw!r} is not an ISO date") from None
            raw_version = values.get("version", "").strip()
            if raw_version:
                if not raw_version.isdigit() or int(raw_version) < 1:
                    raise where(f"version {raw_version!r} is not a positive whole number")
                meta["version"] = int(raw_version)
            order = values.get("term_order", "").split()
            if order:
                reordered = _apply_order(terms, order)
                if reordered is None:
                    odd_order.append(line)
                else:
                    terms = reordered
            if cid:
                ids[cid] = line
            else:
                pending.append(len(concepts))
            concepts.append(Concept(
                id=cid, category=category,
                **{k: (values.get(k) or None) for k in ("subject", "definition", "note", "source")},
                terms=tuple(terms), **meta,
            ))
        report = [f"read {count(len(concepts), 'concept')} with {count(sum(len(c.terms) for c in concepts), 'term')}"]
        taken = set(ids)
        for i in pending:
            c = concepts[i]
            first = next((t for t in c.terms if t.base_lang == "en"), c.terms[0])
            concepts[i] = replace(c, id=unique_id(slug(first.text) or "concept", taken))
        if pending:
            report.append(f"made ids for {count(len(pending), 'row')} without one (from their first term)")
        if skipped:
            report.append(f"skipped {count(len(skipped), 'blank row')} ({line_list(skipped)})")
        if odd_order:
            report.append(f"term_order does not match the terms in {count(len(odd_order), 'row')} "
                          f"({line_list(odd_order)}); kept the column order there")
        report.extend(langs.report)
        require_languages(concepts, filename, header_line, min_languages)
        return ReadResult(concepts=concepts, report=report, skipped=len(skipped), format=self.name)

    def write(self, items: Iterable[Concept], *, escape_formulas: bool = True, bom: bool = True,
              report: list[str] | None = None, **options) -> bytes:
        """Return the concepts in termbank's CSV layout (see the module docstring)."""
        concepts = list(_concepts_only(items))
        langs = _lang_order(t.base_lang for c in concepts for t in c.terms)
        rank = {lang: i for i, lang in enumerate(langs)}
        rows = [list(_FIXED) + [f"term:{lang}" for lang in langs] + list(_META)]
        for c in concepts:
            by_lang: dict[str, list[Term]] = {lang: [] for lang in langs}
            for t in c.terms:
                by_lang[t.base_lang].append(t)
            # term_order is only filled when the terms are not already in column order.
            grouped = [t.base_lang for t in sorted(c.terms, key=lambda t: rank[t.base_lang])]
            actual = [t.base_lang for t in c.terms]
            rows.append(
                [c.id, c.category, c.subject or "", c.definition or "", c.note or "", c.source or ""]
                + [encode_terms(by_lang[lang], lang) if by_lang[lang] else "" for lang in langs]
                + [c.created_at.isoformat() if c.created_at else "", c.updated_at.isoformat() if c.updated_at else "",
                   str(c.version), " ".join(actual) if actual != grouped else ""]
            )
        return _write_rows(rows, self.delimiter, bom, escape_formulas)


def _apply_order(terms: list[Term], order: list[str]) -> list[Term] | None:
    """Return ``terms`` interleaved by the language sequence ``order``, or None if they differ.

    >>> [t.text for t in _apply_order([Term("en", "a"), Term("es", "b"), Term("fr", "c")], ["en", "fr", "es"])]
    ['a', 'c', 'b']
    """
    queues: dict[str, list[Term]] = {}
    for t in terms:
        queues.setdefault(t.base_lang, []).append(t)
    if sorted(order) != sorted(t.base_lang for t in terms):
        return None
    return [queues[lang].pop(0) for lang in order]


class TermbankTsv(TermbankCsv):
    """termbank's own layout, tab-separated (same columns as ``csv``)."""

    name = "tsv"
    extensions = (".tsv", ".tab")
    description = "termbank TSV: the csv layout, tab-separated"
    delimiter = "\t"


# -- DeepL ------------------------------------------------------------------------------
class DeeplTsv(Format):
    """DeepL glossary entries: ``source<TAB>target`` lines, one language pair, no header."""

    name = "deepl"
    extensions = (".tsv",)
    kind = "terms"
    description = "DeepL glossary TSV (source<TAB>target, one direction)"

    def sniff(self, head: bytes) -> bool:
        """True for header-less lines of exactly two tab-separated cells."""
        lines = _head_lines(head)
        if not lines or "\t" not in lines[0]:
            return False
        first = [c.strip().lower() for c in lines[0].split("\t")]
        if "id" in first or any(c.startswith("term:") for c in first):
            return False  # termbank TSV
        if len(first) > 2 and all(_lang_header(c) for c in first):
            return False  # a term-set table, not DeepL entries (two language codes are titles)
        return all("\t" in line for line in lines)

    def read(self, data: bytes, filename: str = "<input>", *, source_lang: str | None = None,
             target_lang: str | None = None, encoding: str | None = None, **options) -> ReadResult:
        """Return one concept per line (lines repeating a source merge into one concept)."""
        text = decode_text(data, filename, encoding)
        report: list[str] = []
        lines = text.split("\n")
        if lines and lines[-1] == "":
            lines.pop()
        titles = _title_row(lines[0].rstrip("\r").split("\t")) if lines else None
        src_lang, tgt_lang = _guess_pair(filename, source_lang, target_lang, report, titles)
        if titles is not None:
            report.append(f"line 1 read as column titles: {', '.join(c.strip() for c in lines[0].split(chr(9)))}")
        merger = _PairMerger(filename, options.get("id_prefix") or id_prefix(filename))
        skipped: list[int] = []
        trimmed = 0
        for n, raw in enumerate(lines, 1):
            line = raw[:-1] if raw.endswith("\r") else raw
            if n == 1 and titles is not None:
                continue
            if not line.strip():
                skipped.append(n)
                continue
            cells = line.split("\t")
            if len(cells) != 2:
                raise FormatError(f"expected 2 tab-separated cells (source, target), found {len(cells)}",
                                  filename, n)
            for cell in cells:
                check_formula(cell, filename, n)
            cells = [unescape_formula(c) for c in cells]
            bad = next((c for c in cells if _CONTROL.search(c)), None)
            if bad is not None:
                ch = _CONTROL.search(bad).group()
                raise FormatError(f"control character U+{ord(ch):04X} in an entry (DeepL glossaries "
                                  "allow none)", filename, n)
            src, tgt = map(_cell, cells)
            trimmed += sum(1 for c in cells if c != c.strip())
            if not src or not tgt:
                raise FormatError(f"empty {'source' if not src else 'target'} (DeepL entries need both sides)",
                                  filename, n)
            merger.add(n, src_lang, src, tgt_lang, tgt)
        concepts = merger.concepts()
        if not concepts:
            raise FormatError("no glossary entries", filename, 1)
        entries = len(lines) - len(skipped) - (titles is not None)
        report.insert(0, f"read {count(len(concepts), 'concept')} from {count(entries, 'entry')}")
        report += merger.report()
        if trimmed:
            report.append(f"trimmed surrounding whitespace from {trimmed} cells")
        if skipped:
            report.append(f"skipped {count(len(skipped), 'blank line')} ({line_list(skipped)})")
        return ReadResult(concepts=concepts, report=report, skipped=len(skipped), merged=merger.merged_rows,
                          format=self.name)

    def write(self, items: Iterable[Concept], *, source_lang: str = "en", target_lang: str = "es",
              escape_formulas: bool = False, report: list[str] | None = None, **options) -> bytes:
        """Return DeepL glossary TSV for one direction (preferred terms; see the module docstring).

        Cells are written as they are: DeepL would keep a spreadsheet escape's apostrophe
        as part of the term.
        """
        lines, seen, dropped, missing = [], set(), [], 0
        for c in _concepts_only(items):
            s = c.preferred(source_lang, _locale(source_lang))
            t = c.preferred(target_lang, _locale(target_lang), like=s)
            if s is None or t is None:
                missing += 1
                continue
            src, tgt = _deepl_clean(s.text), _deepl_clean(t.text)
            if not src or not tgt:
                missing += 1
                continue
            if src in seen:  # DeepL: each source term at most once
                dropped.append(src)
                continue
            seen.add(src)
            if escape_formulas:
                src, tgt = escape_formula(src), escape_formula(tgt)
            lines.append(f"{src}\t{tgt}\n")
        if report is not None:
            if missing:
                report.append(f"left out {count(missing, 'concept')} without a {source_lang} and a {target_lang} term")
            if dropped:
                report.append(f"left out {count(len(dropped), 'repeated source term')} (DeepL needs unique sources): "
                              + ", ".join(dropped[:8]))
        return "".join(lines).encode("utf-8")


def _concepts_only(items: Iterable[Concept]) -> Iterable[Concept]:
    """Return the Concept items (a mixed backup list may also hold units)."""
    return (c for c in items if isinstance(c, Concept))


def _locale(tag: str) -> str | None:
    return tag if "-" in tag else None


def _deepl_clean(text: str) -> str:
    return " ".join(_CONTROL.sub(" ", text).split())


# -- Google Cloud -----------------------------------------------------------------------
class GoogleCsv(Format):
    """Google Cloud Translation glossaries: equivalent term sets, or unidirectional pairs."""

    name = "google"
    extensions = (".csv",)
    kind = "terms"
    description = "Google Cloud glossary CSV (equivalent term sets; unidirectional pairs on import)"

    def sniff(self, head: bytes) -> bool:
        """True for a header of language codes (term sets) or header-less 2-column rows.

        Commas, or semicolons as a spreadsheet in a Spanish locale saves "CSV".
        """
        return any(self._sniff(_head_rows(head, d)) for d in (",", ";"))

    @staticmethod
    def _sniff(rows: list[list[str]]) -> bool:
        if not rows or len(rows[0]) < 2:
            return False
        header = [c.strip().lstrip("\ufeff") for c in rows[0]]
        langs = [c for c in header if c.lower() not in ("pos", "description")]
        if len(langs) >= 2 and all(_lang_header(c) for c in langs):
            return True
        return all(len(r) == 2 for r in rows) and "\t" not in "".join(header)

    def read(self, data: bytes, filename: str = "<input>", *, source_lang: str | None = None,
             target_lang: str | None = None, encoding: str | None = None, min_languages: int = 2,
             **options) -> ReadResult:
        """Return the concepts of a Google glossary CSV (term sets: one per row)."""
        head = data[:4096]
        delimiter = ";" if not self._sniff(_head_rows(head, ",")) and self._sniff(_head_rows(head, ";")) else ","
        rows, _ = _read_rows(data, filename, encoding, delimiter=delimiter)
        header_line, header = rows[0]
        cells = [c.strip() for c in header]
        named = [c for c in cells if c.lower() not in ("pos", "description")]
        prefix = options.get("id_prefix") or id_prefix(filename)
        if len(named) >= 2 and all(_lang_header(c) for c in named):
            return self._sets(rows, filename, prefix, min_languages)
        return self._pairs(rows, filename, prefix, source_lang, target_lang)

    def _sets(self, rows, filename: str, prefix: str, min_languages: int) -> ReadResult:
        header_line, header = rows[0]
        langs = LanguageTags(filename)
        columns: list[str] = []
        for c in header:
            key = c.strip().lower()
            if key in ("pos", "description"):
                columns.append(key)
            else:
                columns.append(langs(c, header_line))
        dup = {c for c in columns if columns.count(c) > 1}
        if dup:
            raise FormatError(f"column {sorted(dup)[0]!r} appears twice", filename, header_line)
        concepts, skipped, taken = [], [], set()
        for line, row in rows[1:]:
            if _blank(row):
                skipped.append(line)
                continue
            if len(row) > len(columns):
                raise FormatError(f"{len(row)} cells but the header has {len(columns)} columns", filename, line)
            row = row + [""] * (len(columns) - len(row))
            notes: list[str] = []
            values = dict(zip(columns, row))
            pos = _pos(values.get("pos", ""), notes)
            terms = [Term(lang=col, text=_cell(cell), part_of_speech=pos)
                     for col, cell in zip(columns, row) if col not in ("pos", "description") and _cell(cell)]
            if len(terms) < 2:
                skipped.append(line)
                continue
            cid = unique_id(f"{prefix}-{slug(terms[0].text, 40) or 'term'}", taken)
            concepts.append(Concept(id=cid, definition=values.get("description", "").strip() or None,
                                    note="\n".join(notes) or None, terms=tuple(terms)))
        report = [f"read {count(len(concepts), 'concept')} (equivalent term sets: "
                  f"{', '.join(c for c in columns if c not in ('pos', 'description'))})"]
        if skipped:
            report.append(f"skipped {count(len(skipped), 'row')} with fewer than two terms ({line_list(skipped)})")
        if any(c.strip().lower() == "id" for c in header):
            report.append("warning: column 'id' read as Indonesian terms (a language code, as Google's layout has "
                          "it); for concept ids use termbank's layout: id, category, …, term:en, term:es")
        report.extend(langs.report)
        require_languages(concepts, filename, header_line, min_languages)
        return ReadResult(concepts=concepts, report=report, skipped=len(skipped), format=self.name)

    def _pairs(self, rows, filename: str, prefix: str, source_lang, target_lang) -> ReadResult:
        report: list[str] = []
        titles = _title_row(rows[0][1]) if rows else None
        src_lang, tgt_lang = _guess_pair(filename, source_lang, target_lang, report, titles)
        if titles is not None:
            report.append(f"line {rows[0][0]} read as column titles: {', '.join(c.strip() for c in rows[0][1])}")
            rows = rows[1:]
        merger = _PairMerger(filename, prefix)
        skipped: list[int] = []
        for line, row in rows:
            if _blank(row):
                skipped.append(line)
                continue
            if len(row) != 2:
                raise FormatError(f"expected 2 cells (source, target) in a unidirectional glossary, "
                                  f"found {len(row)}", filename, line)
            src, tgt = _cell(row[0]), _cell(row[1])
            if not src or not tgt:
                skipped.append(line)
                continue
            merger.add(line, src_lang, src, tgt_lang, tgt)
        concepts = merger.concepts()
        if not concepts:
            raise FormatError("no glossary entries", filename, 1)
        report.insert(0, f"read {count(len(concepts), 'concept')} (unidirectional glossary)")
        report += merger.report()
        if skipped:
            report.append(f"skipped {count(len(skipped), 'row')} without two terms ({line_list(skipped)})")
        return ReadResult(concepts=concepts, report=report, skipped=len(skipped), merged=merger.merged_rows,
                          format=self.name)

    def write(self, items: Iterable[Concept], *, layout: str = "sets", languages: Iterable[str] | None = None,
              source_lang: str = "en", target_lang: str = "es", escape_formulas: bool = False,
              report: list[str] | None = None, **options) -> bytes:
        """Return a Google glossary CSV: ``layout="sets"`` (header of language codes, ``pos``,
        ``description``) or ``layout="pairs"`` (unidirectional, no header).

        Cells are written as they are, as for DeepL: the translation service reads them.
        """
        concepts = list(_concepts_only(items))
        if layout == "pairs":
            rows = []
            for c in concepts:
                s = c.preferred(source_lang, _locale(source_lang))
                t = c.preferred(target_lang, _locale(target_lang), like=s)
                if s is not None and t is not None:
                    rows.append([s.text, t.text])
            return _write_rows(rows, ",", False, escape_formulas)
        if layout != "sets":
            raise ValueError(f"layout must be 'sets' or 'pairs', not {layout!r}")
        langs = list(languages) if languages else _lang_order(t.base_lang for c in concepts for t in c.terms)
        has_pos = any(t.part_of_speech for c in concepts for t in c.terms)
        has_desc = any(c.definition for c in concepts)
        rows = [langs + (["pos"] if has_pos else []) + (["description"] if has_desc else [])]
        left_out = 0
        for c in concepts:
            first = c.preferred(langs[0], _locale(langs[0]))
            chosen = [first] + [c.preferred(lang, _locale(lang), like=first) for lang in langs[1:]]
            if sum(1 for t in chosen if t is not None) < 2:
                left_out += 1
                continue
            row = [t.text if t is not None else "" for t in chosen]
            if has_pos:
                pos = next((t.part_of_speech for t in chosen if t is not None and t.part_of_speech), None)
                row.append(_POS_OUT.get(pos, pos) if pos else "")
            if has_desc:
                row.append(c.definition or "")
            rows.append(row)
        if left_out and report is not None:
            report.append(f"left out {count(left_out, 'concept')} with terms in fewer than two of {', '.join(langs)}")
        return _write_rows(rows, ",", False, escape_formulas)


# -- bilingual term lists (TICO-19 style) -------------------------------------------------
_PAIR_REQUIRED = ("sourcelang", "targetlang", "sourcestring", "targetstring")


class PairsCsv(Format):
    """Bilingual term lists: ``[id,] sourceLang, targetLang, [pos, description,] sourceString, targetString``."""

    name = "pairs"
    extensions = (".csv",)
    kind = "terms"
    description = "bilingual term-list CSV (sourceLang,targetLang,sourceString,targetString; TICO-19)"

    def sniff(self, head: bytes) -> bool:
        """True when the header names sourceLang, targetLang, sourceString, targetString."""
        lines = _head_lines(head)
        if not lines:
            return False
        delim = _sniff_delimiter("\n".join(lines))
        rows = _head_rows(head, delim)
        header = {c.strip().lstrip("\ufeff").lower() for c in rows[0]} if rows else set()
        # Two of the four names are enough to recognize the layout, so that the reader
        # can then name the missing columns.
        return sum(1 for k in _PAIR_REQUIRED if k in header) >= 2

    def read(self, data: bytes, filename: str = "<input>", *, encoding: str | None = None,
             min_languages: int = 2, **options) -> ReadResult:
        """Return one concept per source term (repeated sources merged; blank rows skipped)."""
        rows, _ = _read_rows(data, filename, encoding)
        header_line, header = rows[0]
        keys = [c.strip().lower() for c in header]
        missing = [k for k in _PAIR_REQUIRED if k not in keys]
        if missing:
            names = {"sourcelang": "sourceLang", "targetlang": "targetLang", "sourcestring": "sourceString",
                     "targetstring": "targetString"}
            raise FormatError(f"missing column(s): {', '.join(names[k] for k in missing)}", filename, header_line)
        for k in set(keys):
            if k and keys.count(k) > 1:
                raise FormatError(f"column {k!r} appears twice", filename, header_line)
        id_col = next((k for k in ("id", "stringid", "termid") if k in keys), None)
        known = set(_PAIR_REQUIRED) | {"pos", "description", id_col}
        extra_cols = [(i, header[i].strip()) for i, k in enumerate(keys) if k not in known and k]
        langs = LanguageTags(filename)
        merger = _PairMerger(filename, options.get("id_prefix") or id_prefix(filename))
        blank: list[int] = []
        one_sided: list[int] = []
        for line, row in rows[1:]:
            if len(row) > len(keys):
                raise FormatError(f"{len(row)} cells but the header has {len(keys)} columns", filename, line)
            row = row + [""] * (len(keys) - len(row))
            v = dict(zip(keys, row))
            src, tgt = _cell(v["sourcestring"]), _cell(v["targetstring"])
            if not src and not tgt:
                blank.append(line)
                continue
            if not src or not tgt:
                one_sided.append(line)
                continue
            notes: list[str] = [f"{name}: {row[i].strip()}" for i, name in extra_cols if row[i].strip()]
            pos = _pos(v.get("pos", ""), notes)
            merger.add(line, langs(v["sourcelang"], line), src, langs(v["targetlang"], line), tgt,
                       raw_id=v.get(id_col, "").strip() if id_col else "", pos=pos,
                       description=v.get("description", "").strip() or None, extra=notes)
        concepts = merger.concepts()
        if not concepts:
            raise FormatError("no rows with terms", filename, header_line)
        pairs = sorted({f"{c.terms[0].lang} → {c.terms[-1].lang}" for c in concepts})
        used = len(rows) - 1 - len(blank) - len(one_sided)
        report = [f"read {count(len(concepts), 'concept')} from {count(used, 'row')} "
                  f"({', '.join(pairs)})"]
        report += merger.report()
        if blank:
            report.append(f"skipped {count(len(blank), 'row')} with no terms ({line_list(blank)})")
        if one_sided:
            report.append(f"skipped {count(len(one_sided), 'row')} with only one side filled ({line_list(one_sided)})")
        if extra_cols:
            report.append(f"kept columns with no termbank field as notes: {', '.join(n for _, n in extra_cols)}")
        report.extend(langs.report)
        require_languages(concepts, filename, header_line, min_languages)
        return ReadResult(concepts=concepts, report=report, skipped=len(blank) + len(one_sided),
                          merged=merger.merged_rows, format=self.name)

    def write(self, items: Iterable[Concept], *, source_lang: str = "en", target_lang: str = "es",
              escape_formulas: bool = True, report: list[str] | None = None, **options) -> bytes:
        """Return a term list for one direction: id, langs, pos, description, preferred terms."""
        rows = [["id", "sourceLang", "targetLang", "pos", "description", "sourceString", "targetString"]]
        left_out = 0
        for c in _concepts_only(items):
            s = c.preferred(source_lang, _locale(source_lang))
            t = c.preferred(target_lang, _locale(target_lang), like=s)
            if s is None or t is None:
                left_out += 1
                continue
            pos = s.part_of_speech or t.part_of_speech
            rows.append([c.id, s.lang, t.lang, _POS_OUT.get(pos, pos) if pos else "", c.definition or "",
                         s.text, t.text])
        if left_out and report is not None:
            report.append(f"left out {count(left_out, 'concept')} without a {source_lang} and a {target_lang} term")
        return _write_rows(rows, ",", False, escape_formulas)
