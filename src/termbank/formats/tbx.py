"""TBX: concepts from TBX v3 (ISO 30042:2019) and TBX 2008 files; TBX-Basic v3 DCA export.

Reading accepts TBX v3 ``<tbx>`` in DCA or DCT style (any dialect: TBX-Basic,
TBX-Min, TBX-Core, TBX-IATE...) and TBX 2008 ``<martif>`` (``termEntry/langSet/tig``
or ``ntig``). The structure must be sound (one ``term`` per term section, languages
on every language section, unique concept ids, only TBX element names); the
dialect's data-category rules are not enforced, so a schema-invalid but readable
file is imported and the report says what was unusual.

Field mapping (TBX-Basic data categories, ``TBX-Basic_DCA.sch``):

=====================  ===============================================================
termbank               TBX
=====================  ===============================================================
Concept.id             ``conceptEntry/@id`` (an XML ID; ids that are not, such as
                       IATE's numeric ids, are prefixed: ``254003`` -> ``iate-254003``)
Concept.subject        ``descrip type="subjectField"`` (conceptEntry)
Concept.definition     ``descrip type="definition"`` (conceptEntry; on import a langSec
                       definition is used when there is none, English first)
Concept.source         ``admin type="source"`` (conceptEntry)
Concept.note           ``note`` (conceptEntry), one element per line
Concept.category       ``note`` ``termbank:category: rank``
created_at/updated_at  ``transacGrp`` origination / modification with ``date``
Term.text, lang        ``langSec/@xml:lang``, ``termSec/term``
Term.type              ``termNote type="termType"``
Term.status            ``termNote type="administrativeStatus"`` (``preferredTerm-admn-sts``,
                       ``admittedTerm-admn-sts``, ``deprecatedTerm-admn-sts``)
Term.part_of_speech    ``termNote type="partOfSpeech"`` (TBX-Basic has no properNoun:
                       exported as ``noun`` plus ``termbank:pos: properNoun``)
Term.gender, geo       ``termNote type="grammaticalGender"`` / ``"geographicalUsage"``
Term.context           ``descrip type="context"`` (termSec)
Term.source            ``admin type="source"`` (termSec)
Term.note              ``note`` (termSec), one element per line
Term.case_sensitive,   ``note`` lines ``termbank:case_sensitive: true``, ``termbank:match:
match, number, usage   title``, ``termbank:number: plural``, ``termbank:usage: ...``
=====================  ===============================================================

``Concept.version`` (the store's edit counter) is not exported. TBX groups terms by
language section, so terms come back grouped by language (their order within a
language is kept), and text comes back with whitespace collapsed.

Anything else (``reliabilityCode``, ``termLocation``, ``customerSubset``, cross
references, langSec-level notes...) becomes a note line ``type: value`` so nothing is
lost, and the report counts it. Transaction records (who edited what, when, in the
source tool) are not kept beyond the concept's creation and modification dates; the
report says how many there were.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Generator, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from lxml import etree

from .. import __version__
from ..errors import FormatError
from ..model import (
    CATEGORIES,
    GENDERS,
    MATCH_RULES,
    NUMBERS,
    PARTS_OF_SPEECH,
    TERM_TYPES,
    Concept,
    Term,
)
from ..normalize import visible
from .base import (
    Format,
    LanguageTags,
    ReadResult,
    Streamed,
    XmlStream,
    collapse,
    concept_id_from,
    count,
    counted,
    default_statuses,
    is_xml_id,
    line_of,
    require_base_languages,
    slug,
    unique_id,
    xml_root_name,
    xml_safe,
)

__all__ = ["TbxFormat", "TBX_NS"]

TBX_NS = "urn:iso:std:iso:30042:ed-2"
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
PREFIX = "termbank:"

# TBX (ISO 30042) element names that may appear inside an entry. Anything else in the
# TBX namespace (or, for <martif>, in no namespace) is not TBX and is refused.
_ENTRY = {"conceptEntry", "termEntry"}
_LANG = {"langSec", "langSet"}
_TERMSEC = {"termSec", "tig", "ntig"}
_DATCATS = {"admin", "descrip", "termNote", "ref", "xref", "transac", "transacNote",
            "adminNote", "descripNote", "termCompList"}
_GROUPS = {"adminGrp", "descripGrp", "termNoteGrp", "transacGrp", "termGrp"}
_KNOWN = _ENTRY | _LANG | _TERMSEC | _DATCATS | _GROUPS | {
    "term", "note", "date", "termComp", "termCompGrp", "hi", "foreign", "ph", "sc", "ec"}

_STATUS_IN = {
    "preferredTerm-admn-sts": "preferred", "admittedTerm-admn-sts": "admitted",
    "deprecatedTerm-admn-sts": "deprecated", "supersededTerm-admn-sts": "deprecated",
    "standardizedTerm-admn-sts": "preferred", "legalTerm-admn-sts": "preferred",
    "regulatedTerm-admn-sts": "preferred",
    # TBX-Min usageStatus
    "preferred": "preferred", "admitted": "admitted", "deprecated": "deprecated",
    "notRecommended": "deprecated", "obsolete": "deprecated", "superseded": "deprecated",
}
_STATUS_OUT = {"preferred": "preferredTerm-admn-sts", "admitted": "admittedTerm-admn-sts",
               "deprecated": "deprecatedTerm-admn-sts"}
_POS_IN = {p: p for p in PARTS_OF_SPEECH} | {"proper noun": "properNoun", "properNoun": "properNoun"}
# TBX-Basic's partOfSpeech picklist (TBX-Basic_DCA.sch, module.min.termNote).
_POS_BASIC = {"adjective", "noun", "other", "verb", "adverb"}
_TERM_NOTE_KEYS = {"case_sensitive", "match", "pos", "number", "usage", "note"}


# String operations rather than etree.QName, which raises ValueError on a name such as
# ":x": the streaming parser reports that namespace error only at the end of the file.
def _local(el: etree._Element) -> str:
    return el.tag.rpartition("}")[2]


def _ns(el: etree._Element) -> str | None:
    tag = el.tag
    return tag[1:tag.index("}")] if tag[:1] == "{" else None


def _text(el: etree._Element) -> str:
    return collapse("".join(el.itertext()))


def _elements(el: etree._Element) -> list[etree._Element]:
    return [ch for ch in el if isinstance(ch.tag, str)]


def _parse_date(value: str) -> datetime | None:
    try:
        return datetime.fromisoformat(value.strip())
    except ValueError:
        return None


@dataclass
class _ConceptAcc:
    subjects: list[str] = field(default_factory=list)
    definition: str | None = None
    lang_definitions: list[tuple[str, str, str | None]] = field(default_factory=list)
    source: str | None = None
    notes: list[str] = field(default_factory=list)
    category: str | None = None
    created: datetime | None = None
    updated: datetime | None = None


@dataclass
class _TermAcc:
    lang: str
    text: str = ""
    type: str | None = None
    status: str | None = None
    pos: str | None = None
    gender: str | None = None
    number: str | None = None
    geo: str | None = None
    usage: str | None = None
    source: str | None = None
    context: str | None = None
    case_sensitive: bool | None = None
    match: str | None = None
    notes: list[str] = field(default_factory=list)


# How early a reader error would be met in a whole tree: the root element, then what
# <body> holds, then the entries in document order. The streaming reader holds back the
# first error it meets and lets only an earlier-ranked one replace it.
_ROOT_RANK, _BODY_RANK, _ENTRY_RANK = 0, 1, 2


class _Reader:
    def __init__(self, filename: str, min_languages: int = 2):
        self.filename = filename
        self.min_languages = min_languages
        self.langs = LanguageTags(filename)
        self.mapped: Counter = Counter()
        self.kept: Counter = Counter()
        self.odd_values: Counter = Counter()
        self.remapped: Counter = Counter()
        self.transactions = 0
        self.bad_dates = 0
        self.renamed: list[tuple[str, str]] = []
        self.generated = 0
        self.v3 = True
        self.core_ns: str | None = TBX_NS
        self.dialect = ""
        self.prefix = "tbx"
        self.back = False
        self.error: FormatError | None = None
        self.error_rank = _ENTRY_RANK

    def fail(self, message: str, el: etree._Element | None = None) -> FormatError:
        return FormatError(message, self.filename, line_of(el) if el is not None else None)

    def hold(self, error: FormatError, rank: int, stream: XmlStream) -> None:
        """Keep ``error`` unless one of an earlier rank is held; after a root or body error
        no later entry can change the answer, so the stream stops yielding."""
        if self.error is None or rank < self.error_rank:
            self.error, self.error_rank = error, rank
        if rank < _ENTRY_RANK:
            stream.skip()

    # -- document ------------------------------------------------------------------
    def stream(self, data: bytes | Path, *, in_order: bool = False) -> Generator[Concept, None, ReadResult]:
        """Yield the concepts of a TBX document as each entry is read; return the report (issue 8).

        Each entry is freed once it is a Concept, so memory holds one entry, not the tree,
        nor, for a caller that stores them as they come, the concepts. Entries without an
        id wait for the end, where they get one no entry of the file has: they come last,
        or, ``in_order``, in their place (the entries after the first of them wait too).
        Errors are raised after the last event, so that a well-formedness error or a
        refused entity later in the file still wins, as when the whole document was
        parsed first: a caller keeps nothing of a stream that raised.
        """
        stream = XmlStream(data, self.filename)
        concepts: list[Concept] = []  # the entry just read
        waiting: list[Concept] = []  # read, not yet yielded, in document order
        pending_ids: list[int] = []  # where in ``waiting`` the entries without an id are
        langs: Counter = Counter()  # terms per language tag, for the report
        bases: set[str] = set()
        seen: dict[str, int] = {}
        entries = 0
        depth = 0
        text_seen = body_seen = in_text = in_body = False  # the first <text> in the root, the first <body> in it
        root_line = body_line = None
        for event, el in stream:
            if event == "start":
                depth += 1
                if depth == 1:
                    root_line = line_of(el)
                    try:
                        self.start(el)
                    except FormatError as exc:
                        self.hold(exc, _ROOT_RANK, stream)
                elif depth == 2 and not text_seen and _local(el) == "text":
                    text_seen = in_text = True
                elif depth == 3 and in_text:
                    name = _local(el)
                    if name == "body" and not body_seen:
                        body_seen = in_body = True
                        body_line = line_of(el)
                    elif name == "back":
                        self.back = True
                continue
            if in_body and depth > 4:  # inside an entry: read and freed with the entry
                depth -= 1
                continue
            if depth == 4 and in_body:
                entries += self.body_child(el, stream, concepts, seen)
                for concept in concepts:
                    langs.update(t.lang for t in concept.terms)
                    bases.update(t.base_lang for t in concept.terms)
                    if not concept.id:
                        pending_ids.append(len(waiting))
                        waiting.append(concept)
                    elif in_order and waiting:
                        waiting.append(concept)
                    else:
                        yield concept
                concepts.clear()
            elif depth == 3 and in_body:
                in_body = False
            elif depth == 2 and in_text:
                in_text = False
            depth -= 1
            stream.release(el)
        if self.error is not None:
            raise self.error
        if not body_seen:
            raise FormatError("no <text><body> element: not a TBX termbase", self.filename, root_line)
        if not entries:
            raise FormatError("no concept entries (conceptEntry / termEntry) in <body>", self.filename, body_line)

        require_base_languages(bases, self.filename, body_line, self.min_languages)
        taken = set(seen)
        for i in pending_ids:
            c = waiting[i]
            first = next((t for t in c.terms if t.base_lang == "en"), c.terms[0])
            waiting[i] = Concept(**{**_fields(c), "id": unique_id(slug(first.text) or "concept", taken)})
            self.generated += 1
        yield from waiting
        return ReadResult(report=self.summary(len(seen) + len(pending_ids), langs), format="tbx")

    def read(self, data: bytes | Path) -> ReadResult:
        """Return the concepts of a TBX document in document order (:meth:`stream`, collected)."""
        return Streamed(self.stream(data, in_order=True)).collect("terms")

    def start(self, root: etree._Element) -> None:
        """Tell TBX v3 from TBX 2008 by the root element (its attributes are read at its start)."""
        name, ns = _local(root), _ns(root)
        if name == "tbx" and ns in (TBX_NS, None):
            self.v3, self.core_ns = True, ns
        elif name == "martif" and ns is None:
            self.v3, self.core_ns = False, None
        else:
            raise self.fail(f"root element <{name}> is not TBX (expected <tbx> or <martif>)", root)
        self.dialect = root.get("type") or ("TBX" if not self.v3 else "")
        self.prefix = "iate" if "iate" in self.dialect.lower() else "tbx"

    def body_child(self, el: etree._Element, stream: XmlStream, concepts: list[Concept],
                   seen: dict[str, int]) -> int:
        """Read one child of <body> into ``concepts``; return 1 if it is an entry."""
        if not (_local(el) in _ENTRY and _ns(el) == self.core_ns):
            self.hold(self.fail(f"unexpected <{_local(el)}> in <body>: TBX (ISO 30042) allows only "
                                f"{'conceptEntry' if self.v3 else 'termEntry'} there", el), _BODY_RANK, stream)
            return 0
        if self.error is not None:  # an earlier entry failed: only what <body> holds still matters
            return 1
        try:
            concept = self.entry(el, self.prefix)
            if concept.id:
                if concept.id in seen:
                    raise self.fail(f"duplicate concept id {concept.id!r} (first at line {seen[concept.id]})", el)
                seen[concept.id] = line_of(el) or 0
            concepts.append(concept)
        except FormatError as exc:
            self.hold(exc, _ENTRY_RANK, stream)
        return 1

    def summary(self, n_concepts: int, langs: Counter) -> list[str]:
        dialect = self.dialect
        n_terms = sum(langs.values())
        version = "TBX v3" if self.v3 else "TBX 2008 (martif)"
        lines = [f"read {count(n_concepts, 'concept')} with {count(n_terms, 'term')} from {version}"
                 f"{' ' + dialect if dialect else ''}: {counted(langs)}"]
        if self.mapped:
            lines.append(f"mapped to termbank fields: {counted(self.mapped, 20)}")
        if self.kept:
            lines.append(f"kept {count(sum(self.kept.values()), 'data category')} with no termbank field "
                         f"as notes: {counted(self.kept)}")
        if self.odd_values:
            lines.append(f"kept {count(sum(self.odd_values.values()), 'value')} outside termbank's lists as notes: "
                         f"{counted(self.odd_values)}")
        if self.remapped:
            lines.append(f"read as the nearest termbank value: {counted(self.remapped)}")
        if self.renamed:
            shown = ", ".join(f"{a} → {b}" for a, b in self.renamed[:5])
            more = f", … ({len(self.renamed) - 5} more)" if len(self.renamed) > 5 else ""
            lines.append(f"prefixed {count(len(self.renamed), 'concept id')} that are not valid XML IDs "
                         f"(strip the prefix to recover the original): {shown}{more}")
        if self.generated:
            lines.append(f"made ids for {count(self.generated, 'entry')} without one (from their first term)")
        if self.transactions:
            lines.append(f"not kept: {count(self.transactions, 'transaction record')} (transacGrp: who changed "
                         "what, when, in the source tool); concept-level origination/modification "
                         "dates became the created/updated dates")
        if self.bad_dates:
            lines.append(f"ignored {count(self.bad_dates, 'unreadable date')}")
        if self.back:
            lines.append("ignored the back matter (<back>: reference lists for transactions)")
        lines.extend(self.langs.report)
        return lines

    # -- entries -------------------------------------------------------------------
    def entry(self, el: etree._Element, prefix: str) -> Concept:
        raw_id = (el.get("id") or "").strip()
        if not raw_id and self.v3:
            raise self.fail("conceptEntry without id (TBX v3 requires one)", el)
        cid = ""
        if raw_id:
            cid = concept_id_from(raw_id, prefix)
            if not is_xml_id(cid):
                raise self.fail(f"concept id {raw_id!r} cannot be made a valid XML ID", el)
            if cid != raw_id:
                self.renamed.append((raw_id, cid))
        acc = _ConceptAcc()
        terms: list[_TermAcc] = []
        for ch in _elements(el):
            self.check_name(ch, el)
            if _local(ch) in _LANG:
                self.lang_section(ch, acc, terms)
            else:
                self.item(ch, "concept", acc, None)
        if not terms:
            raise self.fail(f"concept {raw_id or '(no id)'} has no terms (no langSec/termSec with a term)", el)
        return self.build(cid, acc, terms)

    def check_name(self, ch: etree._Element, parent: etree._Element) -> None:
        ns = _ns(ch)
        if ns == self.core_ns:
            if _local(ch) not in _KNOWN:
                raise self.fail(f"unknown element <{_local(ch)}> in <{_local(parent)}>: "
                                "not part of TBX (ISO 30042)", ch)
        elif not self.v3:
            raise self.fail(f"element {ch.tag} in a namespace: not TBX 2008", ch)

    def lang_section(self, el: etree._Element, acc: _ConceptAcc, terms: list[_TermAcc]) -> None:
        raw = el.get(XML_LANG) or el.get("lang")
        if not raw:
            raise self.fail(f"<{_local(el)}> without xml:lang", el)
        lang = self.langs(raw, line_of(el))
        found = False
        for ch in _elements(el):
            self.check_name(ch, el)
            name = _local(ch)
            if name in _TERMSEC:
                terms.append(self.term_section(ch, lang))
                found = True
            elif name == "term":
                raise self.fail(f"<term> directly in <{_local(el)}>: TBX (ISO 30042) puts it in "
                                f"{'termSec' if self.v3 else 'tig or ntig'}", ch)
            else:
                self.item(ch, "lang", acc, None, lang=lang)
        if not found:
            raise self.fail(f"<{_local(el)} xml:lang=\"{raw}\"> has no term section", el)

    def term_section(self, el: etree._Element, lang: str) -> _TermAcc:
        children = []
        for ch in _elements(el):
            self.check_name(ch, el)
            if _local(ch) == "termGrp":  # TBX 2008 ntig: <termGrp><term/><termNote/>...</termGrp>
                for sub in _elements(ch):
                    self.check_name(sub, ch)
                    children.append(sub)
            else:
                children.append(ch)
        term_els = [ch for ch in children if _local(ch) == "term"]
        if len(term_els) != 1:
            raise self.fail(f"<{_local(el)}> has {len(term_els)} <term> elements; TBX (ISO 30042) "
                            "requires exactly one", el)
        text = _text(term_els[0])
        if not text:
            raise self.fail("empty <term>", term_els[0])
        if not visible(text):
            raise self.fail(f"<term> {text!r} shows no character (zero-width characters only)", term_els[0])
        acc = _TermAcc(lang=lang, text=text)
        for ch in children:
            if ch is not term_els[0]:
                self.item(ch, "term", None, acc)
        return acc

    # -- data categories -----------------------------------------------------------
    def item(self, el: etree._Element, level: str, c: _ConceptAcc | None, t: _TermAcc | None,
             lang: str | None = None, attached: list[str] | None = None) -> None:
        """Map one child of an entry, language section or term section."""
        name = _local(el)
        if name == "transacGrp":
            self.transaction(el, level, c)
            return
        if name in _GROUPS:  # descripGrp/adminGrp/termNoteGrp: main item, then its extras
            kids = _elements(el)
            for k in kids:
                self.check_name(k, el)
            if not kids:
                return
            main, extras = kids[0], kids[1:]
            sources = [_text(k) for k in extras if self._type(k) == "source" and _text(k)]
            self.item(main, level, c, t, lang, attached=sources)
            for k in extras:
                if self._type(k) != "source":
                    self.item(k, level, c, t, lang)
            return
        if name == "note":
            self.note(_text(el), level, c, t, lang)
            return
        kind = self._type(el)
        if not kind:
            raise self.fail(f"<{name}> without a type attribute: TBX (ISO 30042) requires one", el)
        value = _text(el)
        if not value:
            return
        if name in ("ref", "xref") or el.get("target"):
            target = el.get("target")
            value = f"{value} <{target}>" if target else value
        src = attached[0] if attached else None
        if level == "concept":
            self.concept_item(kind, value, src, c)
        elif level == "lang":
            self.lang_item(kind, value, src, c, lang)
        else:
            self.term_item(kind, value, src, t)

    def _type(self, el: etree._Element) -> str:
        if _ns(el) != self.core_ns:  # DCT style: the element name is the data category
            return _local(el)
        return (el.get("type") or "").strip()

    def keep(self, notes: list[str], kind: str, value: str, label: str = "") -> None:
        notes.append(f"{label}{kind}: {value}")
        self.kept[kind] += 1

    def concept_item(self, kind: str, value: str, src: str | None, c: _ConceptAcc) -> None:
        if kind == "subjectField":
            c.subjects.append(value)
            self.mapped["subjectField → subject"] += 1
        elif kind == "definition" and c.definition is None:
            c.definition = value
            self.mapped["definition → definition"] += 1
            if src:
                self._source(c, src, "definition source")
            return
        elif kind == "source":
            self._source(c, value, "source")
        else:
            self.keep(c.notes, kind, value)
        if src:
            c.notes.append(f"{kind} source: {src}")

    def _source(self, c: _ConceptAcc, value: str, label: str) -> None:
        if c.source is None:
            c.source = value
            self.mapped[f"{label} → source"] += 1
        elif value != c.source:
            c.notes.append(f"{label}: {value}")

    def lang_item(self, kind: str, value: str, src: str | None, c: _ConceptAcc, lang: str) -> None:
        if kind == "definition":
            c.lang_definitions.append((lang, value, src))
            return
        self.keep(c.notes, kind, value, f"[{lang}] ")
        if src:
            c.notes.append(f"[{lang}] {kind} source: {src}")

    def term_item(self, kind: str, value: str, src: str | None, t: _TermAcc) -> None:
        if kind in ("administrativeStatus", "usageStatus"):
            status = _STATUS_IN.get(value)
            if status and t.status is None:
                t.status = status
                self.mapped[f"{kind} → status"] += 1
                if value not in ("preferred", "admitted", "deprecated") and not value.startswith(status):
                    self.remapped[f"{value} → {status}"] += 1
                    t.notes.append(f"{kind}: {value}")
                return
            self._odd(t, kind, value)
        elif kind == "termType":
            if value in TERM_TYPES and t.type is None:
                t.type = value
                self.mapped["termType → type"] += 1
            else:
                self._odd(t, kind, value)
        elif kind == "partOfSpeech":
            pos = _POS_IN.get(value)
            if pos and t.pos is None:
                t.pos = pos
                self.mapped["partOfSpeech → part_of_speech"] += 1
            else:
                self._odd(t, kind, value)
        elif kind == "grammaticalGender":
            if value in GENDERS and t.gender is None:
                t.gender = value
                self.mapped["grammaticalGender → gender"] += 1
            else:
                self._odd(t, kind, value)
        elif kind == "grammaticalNumber":
            if value in NUMBERS and t.number is None:
                t.number = value
                self.mapped["grammaticalNumber → number"] += 1
            else:
                self._odd(t, kind, value)
        elif kind == "geographicalUsage" and t.geo is None:
            t.geo = value
            self.mapped["geographicalUsage → geo"] += 1
        elif kind == "context" and t.context is None:
            t.context = value
            self.mapped["context → context"] += 1
            if src:
                t.notes.append(f"context source: {src}")
            return
        elif kind == "source":
            if t.source is None:
                t.source = value
                self.mapped["source → source"] += 1
            elif value != t.source:
                t.notes.append(f"source: {value}")
        else:
            self.keep(t.notes, kind, value)
        if src:
            t.notes.append(f"{kind} source: {src}")

    def _odd(self, t: _TermAcc, kind: str, value: str) -> None:
        t.notes.append(f"{kind}: {value}")
        self.odd_values[f"{kind}={value}"] += 1

    def note(self, value: str, level: str, c: _ConceptAcc | None, t: _TermAcc | None, lang: str | None) -> None:
        if not value:
            return
        if value.startswith(PREFIX):
            if self.termbank_note(value[len(PREFIX):], level, c, t):
                return
        if level == "concept":
            c.notes.append(value)
        elif level == "lang":
            c.notes.append(f"[{lang}] {value}")
        else:
            t.notes.append(value)
        self.mapped["note → note"] += 1

    def termbank_note(self, rest: str, level: str, c: _ConceptAcc | None, t: _TermAcc | None) -> bool:
        """Apply a ``termbank:key: value`` note written by :meth:`TbxFormat.write`."""
        m = re.match(r"(\w+):\s?(.*)$", rest, re.S)
        if not m:
            return False
        key, value = m.group(1), m.group(2).strip()
        if level == "concept" and key == "category" and value in CATEGORIES:
            c.category = value
        elif level == "concept" and key == "note":
            c.notes.append(value)
        elif level == "term" and key in _TERM_NOTE_KEYS:
            if key == "case_sensitive" and value in ("true", "false"):
                t.case_sensitive = value == "true"
            elif key == "match" and value in MATCH_RULES:
                t.match = value
            elif key == "pos" and value in PARTS_OF_SPEECH:
                t.pos = value
            elif key == "number" and value in NUMBERS:
                t.number = value
            elif key == "usage":
                t.usage = value
            elif key == "note":
                t.notes.append(value)
            else:
                return False
        else:
            return False
        self.mapped[f"termbank:{key}"] += 1
        return True

    def transaction(self, el: etree._Element, level: str, c: _ConceptAcc | None) -> None:
        self.transactions += 1
        kind = date = None
        for ch in _elements(el):
            self.check_name(ch, el)
            name = _local(ch)
            if self._type(ch) == "transactionType" or (name == "transac" and _ns(ch) == self.core_ns):
                kind = _text(ch)
            elif name == "date":
                date = _parse_date(_text(ch))
                if date is None:
                    self.bad_dates += 1
        if level != "concept" or date is None:
            return
        if kind in ("origination", "creation"):
            if c.created is None or _cmp_key(date) < _cmp_key(c.created):
                c.created = date
        elif kind == "modification":
            if c.updated is None or _cmp_key(date) > _cmp_key(c.updated):
                c.updated = date

    # -- assembly ------------------------------------------------------------------
    def build(self, cid: str, acc: _ConceptAcc, terms: list[_TermAcc]) -> Concept:
        notes = list(acc.notes)
        definition = acc.definition
        if acc.lang_definitions:
            chosen = None
            if definition is None:
                chosen = next((d for d in acc.lang_definitions if d[0].split("-")[0] == "en"),
                              acc.lang_definitions[0])
                definition = chosen[1]
                self.mapped["definition (language level) → definition"] += 1
                if chosen[2]:
                    self._source(acc, chosen[2], "definition source")
            for d in acc.lang_definitions:
                if d is chosen:
                    continue
                notes.append(f"[{d[0]}] definition: {d[1]}" + (f" (source: {d[2]})" if d[2] else ""))
                self.kept["definition (other languages)"] += 1
        built, explicit = [], []
        for t in terms:
            explicit.append(t.status is not None)
            built.append(Term(
                lang=t.lang, text=t.text, type=t.type or "fullForm", status=t.status or "preferred",
                case_sensitive=t.case_sensitive, match=t.match, part_of_speech=t.pos, gender=t.gender,
                number=t.number, geo=t.geo, usage=t.usage, source=t.source, context=t.context,
                note=_join(t.notes),
            ))
        return Concept(
            id=cid, category=acc.category or "other",
            subject="; ".join(dict.fromkeys(acc.subjects)) or None,
            definition=definition, note=_join(notes), source=acc.source,
            terms=tuple(default_statuses(built, explicit)),
            created_at=acc.created, updated_at=acc.updated,
        )


def _cmp_key(d: datetime) -> str:
    return d.isoformat()


def _join(lines: list[str]) -> str | None:
    out = list(dict.fromkeys(line for line in lines if line))
    return "\n".join(out) or None


def _fields(c: Concept) -> dict:
    return {k: getattr(c, k) for k in c.__slots__}


class TbxFormat(Format):
    """TBX termbases: TBX v3 and TBX 2008 in, TBX-Basic v3 (DCA style) out."""

    name = "tbx"
    extensions = (".tbx", ".tbxm")
    kind = "terms"
    description = "TermBase eXchange (ISO 30042): TBX-Basic v3 DCA export; v3 and 2008 import"
    reads_paths = True

    def sniff(self, head: bytes) -> bool:
        """True for an XML document whose root is ``<tbx>`` or ``<martif>``."""
        return xml_root_name(head) in ("tbx", "martif")

    def read(self, data: bytes | Path, filename: str = "<input>", *, min_languages: int = 2,
             **options) -> ReadResult:
        """Return the concepts of a TBX file, its bytes or its path (see the module docstring for the mapping)."""
        return _Reader(filename, min_languages).read(data)

    def stream(self, source: bytes | Path, filename: str = "<input>", *, min_languages: int = 2,
               **options) -> Generator[Concept, None, ReadResult]:
        """Yield the concepts of :meth:`read` as each entry is read (those without an id last); return the report.

        Given a path, the file is read as the parser goes. ``termbank import`` stores the
        concepts as they come (issue 8).
        """
        return _Reader(filename, min_languages).stream(source)

    def write(self, items: Iterable[Concept], *, title: str = "termbank glossary", lang: str = "en",
              report: list[str] | None = None, **options) -> bytes:
        """Return a TBX-Basic v3 DCA document (valid against TBXcoreStructV03.rng and
        TBX-Basic_DCA.sch) holding every field of the concepts."""
        E = _Builder()
        root = E.el("tbx", type="TBX-Basic", style="dca")
        root.set(XML_LANG, lang)
        header = E.sub(root, "tbxHeader")
        file_desc = E.sub(header, "fileDesc")
        title_stmt = E.sub(file_desc, "titleStmt")
        E.sub(title_stmt, "title", title)
        source_desc = E.sub(file_desc, "sourceDesc")
        E.sub(source_desc, "p", f"Exported by termbank {__version__}")
        text = E.sub(root, "text")
        body = None
        taken: set[str] = set()
        for concept in items:
            if not concept.terms:
                if report is not None:
                    report.append(f"skipped concept {concept.id}: no terms (TBX needs at least one)")
                continue
            if body is None:
                # TBX core structure: <body> holds one or more conceptEntry, so it is only
                # written when there is one.
                body = E.sub(text, "body")
            cid = concept.id if is_xml_id(concept.id) else concept_id_from(concept.id, "id")
            if not is_xml_id(cid):
                cid = "c-" + (slug(concept.id) or "concept")
            cid = unique_id(cid, taken)
            if cid != concept.id and report is not None:
                report.append(f"concept id {concept.id!r} is not a valid XML ID; written as {cid!r}")
            self._concept(E, body, cid, concept)
        return etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True)

    @staticmethod
    def _concept(E: "_Builder", body: etree._Element, cid: str, c: Concept) -> None:
        entry = E.sub(body, "conceptEntry", id=cid)
        # TBX-Basic transactionType values are origination and modification only.
        for kind, when in (("origination", c.created_at), ("modification", c.updated_at)):
            if when is not None:
                grp = E.sub(entry, "transacGrp")
                E.sub(grp, "transac", kind, type="transactionType")
                E.sub(grp, "date", when.isoformat(timespec="seconds") if isinstance(when, datetime)
                      else str(when))
        if c.subject:
            E.sub(entry, "descrip", c.subject, type="subjectField")
        if c.definition:
            E.sub(entry, "descrip", c.definition, type="definition")
        if c.source:
            E.sub(entry, "admin", c.source, type="source")
        E.sub(entry, "note", f"{PREFIX}category: {c.category}")
        for line in _note_lines(c.note):
            E.sub(entry, "note", line)
        groups: dict[str, list[Term]] = {}
        for t in c.terms:
            groups.setdefault(t.lang, []).append(t)
        for tag, terms in groups.items():
            sec = E.sub(entry, "langSec")
            sec.set(XML_LANG, tag)
            for t in terms:
                TbxFormat._term(E, sec, t)

    @staticmethod
    def _term(E: "_Builder", sec: etree._Element, t: Term) -> None:
        ts = E.sub(sec, "termSec")
        E.sub(ts, "term", t.text)
        # TBX core: termSec is term, then termNote*, then the other data categories.
        extra: list[str] = []
        if t.type in TERM_TYPES:
            E.sub(ts, "termNote", t.type, type="termType")
        else:
            extra.append(f"termType: {t.type}")
        E.sub(ts, "termNote", _STATUS_OUT.get(t.status, "admittedTerm-admn-sts"), type="administrativeStatus")
        if t.status not in _STATUS_OUT:
            extra.append(f"status: {t.status}")
        if t.part_of_speech:
            if t.part_of_speech in _POS_BASIC:
                E.sub(ts, "termNote", t.part_of_speech, type="partOfSpeech")
            else:
                E.sub(ts, "termNote", "noun" if t.part_of_speech == "properNoun" else "other",
                      type="partOfSpeech")
                extra.append(f"{PREFIX}pos: {t.part_of_speech}")
        if t.gender:
            if t.gender in GENDERS:
                E.sub(ts, "termNote", t.gender, type="grammaticalGender")
            else:
                extra.append(f"grammaticalGender: {t.gender}")
        if t.geo:
            E.sub(ts, "termNote", t.geo, type="geographicalUsage")
        if t.context:
            E.sub(ts, "descrip", t.context, type="context")
        if t.source:
            E.sub(ts, "admin", t.source, type="source")
        if t.case_sensitive is not None:
            extra.append(f"{PREFIX}case_sensitive: {'true' if t.case_sensitive else 'false'}")
        if t.match:
            extra.append(f"{PREFIX}match: {t.match}")
        if t.number:
            extra.append(f"{PREFIX}number: {t.number}")
        if t.usage:
            extra.append(f"{PREFIX}usage: {collapse(t.usage)}")
        for line in extra + _note_lines(t.note):
            E.sub(ts, "note", line)


def _note_lines(note: str | None) -> list[str]:
    """Return a note as ``<note>`` texts, one per non-blank line, escaping our prefix."""
    out = []
    for line in (note or "").splitlines():
        line = collapse(line)
        if line:
            out.append(f"{PREFIX}note: {line}" if line.startswith(PREFIX) else line)
    return out


class _Builder:
    """Makes elements in the TBX namespace with XML-safe, whitespace-collapsed text."""

    def el(self, name: str, **attrs: str) -> etree._Element:
        return etree.Element(f"{{{TBX_NS}}}{name}", nsmap={None: TBX_NS}, **attrs)

    def sub(self, parent: etree._Element, name: str, text: str | None = None, **attrs: str) -> etree._Element:
        el = etree.SubElement(parent, f"{{{TBX_NS}}}{name}", **attrs)
        if text is not None:
            # The reader collapses whitespace (TBX text is often line-wrapped), so the
            # writer does too: export -> import -> export gives the same bytes.
            el.text = collapse(xml_safe(text))
        return el
