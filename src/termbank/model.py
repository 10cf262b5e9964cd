"""Plain data objects shared by every layer: concepts, terms, translation units.

These are frozen dataclasses with no database or file-format knowledge; the store maps
them to tables, the formats read and write them, the matcher indexes them. Field names
and values follow TBX-Basic (ISO 30042) where TBX has a data category for them.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Literal

from .langs import locale_distance

__all__ = [
    "CATEGORIES",
    "TERM_TYPES",
    "STATUSES",
    "MATCH_RULES",
    "PARTS_OF_SPEECH",
    "GENDERS",
    "NUMBERS",
    "Concept",
    "Term",
    "TMUnit",
    "default_case_sensitive",
    "default_match_rule",
    "replace",
    "term_as_dict",
    "concept_as_dict",
    "concept_from_dict",
    "same_content",
    "TERM_CHOICES",
    "term_value_problem",
]

Category = Literal["institution", "rank", "title", "unit", "acronym", "person", "other"]
TermType = Literal["fullForm", "abbreviation", "acronym", "shortForm", "variant"]
Status = Literal["preferred", "admitted", "deprecated"]
MatchRule = Literal["always", "case", "capitalized", "title"]

CATEGORIES: tuple[str, ...] = ("institution", "rank", "title", "unit", "acronym", "person", "other")
TERM_TYPES: tuple[str, ...] = ("fullForm", "abbreviation", "acronym", "shortForm", "variant")
STATUSES: tuple[str, ...] = ("preferred", "admitted", "deprecated")
MATCH_RULES: tuple[str, ...] = ("always", "case", "capitalized", "title")
PARTS_OF_SPEECH: tuple[str, ...] = ("noun", "properNoun", "adjective", "verb", "adverb", "other")
GENDERS: tuple[str, ...] = ("masculine", "feminine", "neuter", "other")
NUMBERS: tuple[str, ...] = ("singular", "plural", "otherNumber")
#: The Term fields whose values come from a closed list, and the list.
TERM_CHOICES: dict[str, tuple[str, ...]] = {
    "type": TERM_TYPES, "status": STATUSES, "match": MATCH_RULES,
    "part_of_speech": PARTS_OF_SPEECH, "gender": GENDERS, "number": NUMBERS,
}


def term_value_problem(field: str, value: object, label: str | None = None) -> str | None:
    """Return why ``value`` is not allowed for a closed-list Term field, or None if it is.

    >>> term_value_problem("status", "approved")
    "status 'approved' not one of preferred, admitted, deprecated"
    >>> term_value_problem("gender", None) is None, term_value_problem("note", "x") is None
    (True, True)
    """
    allowed = TERM_CHOICES.get(field)
    if allowed is None or value is None or value in allowed:
        return None
    return f"{label or field} {value!r} not one of {', '.join(allowed)}"


def default_case_sensitive(term_type: str) -> bool:
    """Return whether a term of this type matches case-sensitively by default.

    >>> default_case_sensitive("acronym"), default_case_sensitive("fullForm")
    (True, False)
    """
    return term_type in ("acronym", "abbreviation")


def default_match_rule(term_type: str, case_sensitive: bool | None = None) -> str:
    """Return the match rule a term gets when none is given.

    >>> default_match_rule("abbreviation"), default_match_rule("fullForm")
    ('case', 'always')
    """
    if case_sensitive is None:
        case_sensitive = default_case_sensitive(term_type)
    return "case" if case_sensitive else "always"


@dataclass(frozen=True, slots=True)
class Term:
    """One designation of a concept in one language (a TBX ``termSec``)."""

    lang: str
    text: str
    type: str = "fullForm"
    status: str = "preferred"
    case_sensitive: bool | None = None
    match: str | None = None
    part_of_speech: str | None = None
    gender: str | None = None
    number: str | None = None
    geo: str | None = None
    usage: str | None = None
    source: str | None = None
    context: str | None = None
    note: str | None = None

    @property
    def is_case_sensitive(self) -> bool:
        """True when the term only matches in its own case (acronyms by default)."""
        if self.case_sensitive is None:
            return default_case_sensitive(self.type)
        return self.case_sensitive

    @property
    def match_rule(self) -> str:
        """The annotator's match rule, defaulted from the type (see glossaries/README.md)."""
        return self.match or default_match_rule(self.type, self.is_case_sensitive)

    @property
    def base_lang(self) -> str:
        """The language subtag: ``"es"`` for ``"es-MX"``."""
        base = _BASE_LANG.get(self.lang)
        if base is None:
            base = _BASE_LANG[self.lang] = self.lang.split("-", 1)[0].lower()
        return base


# Language tag -> its language subtag: the annotator asks a term for it millions of times.
_BASE_LANG: dict[str, str] = {}


@dataclass(frozen=True, slots=True)
class Concept:
    """A concept (TBX ``conceptEntry``) with its terms in every language."""

    id: str
    category: str = "other"
    subject: str | None = None
    definition: str | None = None
    note: str | None = None
    source: str | None = None
    terms: tuple[Term, ...] = ()
    version: int = 1
    created_at: datetime | None = None
    updated_at: datetime | None = None

    def terms_in(self, lang: str) -> tuple[Term, ...]:
        """Return the terms whose language is ``lang`` or a locale of it."""
        base = lang.split("-", 1)[0].lower()
        return tuple(t for t in self.terms if t.base_lang == base)

    def preferred(self, lang: str, locale: str | None = None, like: Term | None = None) -> Term | None:
        """Return the term to suggest in ``lang``, preferring ``locale`` when given.

        Order: deprecated terms last; then, with ``like``, a term of its role (a full form
        for a full form, an abbreviation for an abbreviation); then the locale's own term,
        its region's (``es-419`` for ``es-MX``), the language's, another region's; then
        preferred before admitted; full form before abbreviations.
        """
        candidates = self.terms_in(lang)
        if not candidates:
            return None
        status_rank = {"preferred": 0, "admitted": 1, "deprecated": 2}
        type_rank = {"fullForm": 0, "shortForm": 1, "acronym": 2, "abbreviation": 3, "variant": 4}
        abbr = ("abbreviation", "acronym")
        role = None if like is None else like.type in abbr

        def key(t: Term) -> tuple:
            # A term of the requested locale wins over the generic preferred term
            # (``--to es-MX``), but a deprecated term never wins while another exists, and
            # another region's term ("VANT", es-MX, for es-ES) only when nothing else is left.
            fit = locale_distance(t.lang, locale)
            return (t.status == "deprecated", fit == 3, role is not None and (t.type in abbr) != role,
                    fit, like is not None and t.type != like.type, status_rank.get(t.status, 1),
                    type_rank.get(t.type, 5))

        return min(candidates, key=key)


@dataclass(frozen=True, slots=True)
class TMUnit:
    """A translation unit: a source sentence and its translation."""

    source_lang: str
    source: str
    target_lang: str
    target: str
    id: str | None = None
    origin: str | None = None
    created_by: str | None = None
    created_at: datetime | None = None
    note: str | None = None
    props: dict[str, str] = field(default_factory=dict)


_TERM_FIELDS = (
    "lang", "text", "type", "status", "case_sensitive", "match", "part_of_speech", "gender",
    "number", "geo", "usage", "source", "context", "note",
)
_CONCEPT_FIELDS = ("id", "category", "subject", "definition", "note", "source")


def term_as_dict(term: Term) -> dict:
    """Return the term's fields that are set, as a JSON-ready dict."""
    return {k: getattr(term, k) for k in _TERM_FIELDS if getattr(term, k) is not None}


def concept_as_dict(concept: Concept, *, with_meta: bool = False) -> dict:
    """Return the concept and its terms as a JSON-ready dict (unset fields left out).

    >>> concept_as_dict(Concept("x", "rank", terms=(Term("en", "general"),)))
    {'id': 'x', 'category': 'rank', 'terms': [{'lang': 'en', 'text': 'general', 'type': 'fullForm', 'status': 'preferred'}]}
    """
    out = {k: getattr(concept, k) for k in _CONCEPT_FIELDS if getattr(concept, k) is not None}
    out["terms"] = [term_as_dict(t) for t in concept.terms]
    if with_meta:
        out["version"] = concept.version
        for k in ("created_at", "updated_at"):
            v = getattr(concept, k)
            if v is not None:
                out[k] = v.isoformat()
    return out


def concept_from_dict(data: dict) -> Concept:
    """Return a Concept from :func:`concept_as_dict` output (timestamps are not restored)."""
    terms = tuple(Term(**{k: v for k, v in t.items() if k in _TERM_FIELDS}) for t in data.get("terms", ()))
    fields = {k: data.get(k) for k in _CONCEPT_FIELDS if k in data}
    return Concept(terms=terms, **fields)


def same_content(a: Concept, b: Concept) -> bool:
    """Return True when two concepts hold the same data (ignoring version and timestamps)."""
    return concept_as_dict(a) == concept_as_dict(b)
