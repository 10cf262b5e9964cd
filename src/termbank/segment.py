"""Sentence segmentation of English and Spanish text, driven by SRX-like rules kept as data.

The rules live in ``termbank/data/segment_rules.toml`` (read that file's header for the
rule model, the lists and the "U.S." heuristic). This module only compiles them and
applies them: at each candidate position the first matching rule decides, as in SRX 2.0.
Paragraph breaks (blank lines) always end a sentence.

>>> [s.text for s in segment("Gen. Guillot met Gral. Trevilla. They spoke.", "en")]
['Gen. Guillot met Gral. Trevilla.', 'They spoke.']
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from typing import NamedTuple

from .data import load as load_data
from .langs import base_language

__all__ = [
    "Span", "segment", "split_sentences", "paragraph_numbers", "is_terminal_abbreviation",
    "rules_for", "RuleSet", "Rule",
]

# A run of white space containing a blank line: a paragraph break.
_PARAGRAPH_BREAK = re.compile(r"\n[^\S\n]*\n\s*")
# A line break, for texts that hold one paragraph per line.
_LINE_BREAK = re.compile(r"[^\S\n]*\n\s*")
# How far back a rule's `before` expression may look (characters).
_LOOKBEHIND = 80
_PLACEHOLDER = re.compile(r"\{([A-Z_]+)\}")
_DOTTED_CHUNK = re.compile(r"([^\W\d_]{1,2})\.\s?")


class Span(NamedTuple):
    """A sentence: ``text == source[start:end]``, surrounding white space trimmed."""

    start: int
    end: int
    text: str


@dataclass(frozen=True, slots=True)
class Rule:
    """One compiled SRX-like rule: break (or not) where `before` ends and `after` starts."""

    name: str
    breaks: bool
    before: re.Pattern[str]
    after: re.Pattern[str]


@dataclass(frozen=True, slots=True)
class RuleSet:
    """The compiled rules of one language."""

    lang: str
    candidate: re.Pattern[str]
    rules: tuple[Rule, ...]
    inverted_pairs: tuple[tuple[str, str], ...]


@lru_cache(maxsize=1)
def _rules_data() -> dict:
    return load_data("segment_rules.toml")


def _variants(abbr: str) -> list[str]:
    """Return the abbreviation and, when it starts in lower case, its capitalized form."""
    if abbr[:1].islower():
        return [abbr, abbr[:1].upper() + abbr[1:]]
    return [abbr]


def _heads(abbr: str) -> list[str]:
    """Return the leading parts of a spaced abbreviation that end in a period.

    >>> _heads("Tte. Gral."), _heads("EE. UU."), _heads("U.S.")
    (['Tte.'], ['EE.'], [])
    """
    return [abbr[: m.start() + 1] for m in re.finditer(r"\.\s+(?=\S)", abbr)]


def _alternation(items: Iterable[str]) -> str:
    """Return a regex alternation of literal abbreviations, longest first.

    A space inside an abbreviation matches any run of white space, or none.
    """
    unique = sorted(set(items), key=lambda s: (-len(s), s))
    if not unique:
        return "(?!)"  # matches nothing
    parts = []
    for item in unique:
        pieces = [re.escape(p) for p in item.split()]
        parts.append(r"\s*".join(pieces))
    return "|".join(parts)


def is_terminal_abbreviation(abbr: str) -> bool:
    """Return True for a dotted abbreviation that may also end a sentence (U.S., EE. UU.).

    >>> [is_terminal_abbreviation(a) for a in ("EE. UU.", "a.m.", "Gral.", "p. ej.", "Lt. Gen.")]
    [True, True, False, False, False]
    """
    abbr = abbr.strip()
    chunks = [m.group(1) for m in _DOTTED_CHUNK.finditer(abbr)]
    if len(chunks) < 2 or sum(len(m.group(0)) for m in _DOTTED_CHUNK.finditer(abbr)) != len(abbr):
        return False
    # All capitals (U.S., EE. UU., FF. AA.) or single small letters (a.m., p. m.).
    return all(c.isupper() for c in chunks) or all(len(c) == 1 and c.islower() for c in chunks)


@lru_cache(maxsize=32)
def _compile(lang: str, extra: tuple[str, ...]) -> RuleSet:
    data = _rules_data()
    macros: dict[str, str] = dict(data.get("macros", {}))
    ldata = data.get("lang", {}).get(lang, {})
    terminal = [v for a in ldata.get("terminal_abbreviations", []) for v in _variants(a)]
    # A bilingual magazine quotes ranks and titles of the other language ("Gral.
    # Trevilla" in an English article), so every language's prefix abbreviations
    # apply, except where this language lists the same letters as a possible sentence
    # end (English "Sr." is "Senior", Spanish "Sr." is "señor").
    own = [v for a in ldata.get("prefix_abbreviations", []) for v in _variants(a)]
    others = [
        v
        for name, section in data.get("lang", {}).items()
        if name != lang
        for a in section.get("prefix_abbreviations", [])
        for v in _variants(a)
    ]
    prefix = own + [a for a in others if a not in set(terminal)]
    known = set(prefix) | set(terminal)
    for abbr in extra:
        abbr = " ".join(abbr.split())
        # Only an abbreviation that ends in a period can be mistaken for a sentence end.
        if not abbr.endswith(".") or abbr in known:
            continue
        (terminal if is_terminal_abbreviation(abbr) else prefix).extend(_variants(abbr))
    heads = [h for a in prefix + terminal for h in _heads(a)]
    macros["PREFIX_ABBR"] = _alternation(prefix + heads)
    macros["TERMINAL_ABBR"] = _alternation(terminal)
    macros["NUMBER_ABBR"] = _alternation(ldata.get("number_abbreviations", []))
    starters = ldata.get("sentence_starters", [])
    macros["STARTERS"] = "|".join(re.escape(s) for s in sorted(set(starters), key=len, reverse=True)) or "(?!)"

    def expand(pattern: str) -> str:
        return _PLACEHOLDER.sub(lambda m: macros.get(m.group(1), m.group(0)), pattern)

    default = data.get("default", {})
    rules = []
    # SRX cascade: the language's own rules first, then the default ones.
    for raw in list(ldata.get("rules", [])) + list(default.get("rules", [])):
        rules.append(
            Rule(
                name=raw.get("name", ""),
                breaks=bool(raw["break"]),
                before=re.compile(f"(?:{expand(raw.get('before', ''))})\\Z"),
                after=re.compile(expand(raw.get("after", ""))),
            )
        )
    candidate = re.compile(expand(ldata.get("candidate", default["candidate"])))
    pairs = tuple((o, c) for o, c in ldata.get("inverted_pairs", []))
    return RuleSet(lang=lang, candidate=candidate, rules=tuple(rules), inverted_pairs=pairs)


def rules_for(lang: str, extra_abbreviations: Iterable[str] = ()) -> RuleSet:
    """Return the compiled rules for a language tag (``en``, ``es-MX``...).

    A language without its own section gets the default rules and no abbreviations.
    """
    base = base_language(lang)
    extra = tuple(sorted({a.strip() for a in extra_abbreviations if a and a.strip()}))
    return _compile(base, extra)


def _is_break(rules: RuleSet, text: str, pos: int) -> bool:
    window = max(0, pos - _LOOKBEHIND)
    for rule in rules.rules:
        if rule.after.match(text, pos) and rule.before.search(text, window, pos):
            return rule.breaks
    return False


def _protected(rules: RuleSet, text: str, start: int, end: int) -> list[tuple[int, int]]:
    """Return (open, close) ranges of ¿…? and ¡…! inside one paragraph."""
    ranges = []
    for opener, closer in rules.inverted_pairs:
        i = text.find(opener, start, end)
        while i != -1:
            j = text.find(closer, i + 1, end)
            if j == -1:
                break
            ranges.append((i, j))
            i = text.find(opener, i + 1, end)
    return ranges


def _trimmed(text: str, start: int, end: int) -> Span | None:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    if start == end:
        return None
    return Span(start, end, text[start:end])


def _paragraphs(text: str) -> list[tuple[int, int]]:
    """Return the (start, end) of each paragraph.

    Paragraphs are separated by blank lines; a text without any blank line but with
    several lines is taken to hold one paragraph per line (the usual export of a word
    processor), so its line breaks separate paragraphs.
    """
    breaks = _PARAGRAPH_BREAK if _PARAGRAPH_BREAK.search(text) else _LINE_BREAK
    out = []
    start = 0
    for m in breaks.finditer(text):
        out.append((start, m.start()))
        start = m.end()
    out.append((start, len(text)))
    return out


def segment(text: str, lang: str, extra_abbreviations: Iterable[str] = ()) -> list[Span]:
    """Return the sentences of ``text`` as spans (offsets into ``text``), in order.

    ``extra_abbreviations`` adds abbreviations (for instance every abbreviation in the
    termbase) to the language's lists; a dotted one such as ``U.N.`` or ``FF. AA.`` is
    treated like "U.S.", any other (``Gral. Brig.``) like a title before a name.

    >>> [s.text for s in segment("Lt. Gen. Gregory M. Guillot, head of U.S. Northern Command, spoke.", "en")]
    ['Lt. Gen. Gregory M. Guillot, head of U.S. Northern Command, spoke.']
    >>> [s.text for s in segment("¿Qué opina el Tte. Gral. Ruiz? Dijo que sí.", "es")]
    ['¿Qué opina el Tte. Gral. Ruiz?', 'Dijo que sí.']
    >>> segment("  Hola.  ", "es")
    [Span(start=2, end=7, text='Hola.')]
    """
    rules = rules_for(lang, extra_abbreviations)
    spans: list[Span] = []
    for p_start, p_end in _paragraphs(text):
        protected = _protected(rules, text, p_start, p_end)
        cut = p_start
        for m in rules.candidate.finditer(text, p_start, p_end):
            pos = m.end()
            if pos >= p_end or any(o < pos <= c for o, c in protected):
                continue
            if _is_break(rules, text, pos):
                span = _trimmed(text, cut, pos)
                if span:
                    spans.append(span)
                cut = pos
        span = _trimmed(text, cut, p_end)
        if span:
            spans.append(span)
    return spans


def split_sentences(text: str, lang: str, extra_abbreviations: Iterable[str] = ()) -> list[str]:
    """Return the sentence texts of ``text`` (see :func:`segment`).

    >>> split_sentences("Trained in the U.S. The program ended.", "en")
    ['Trained in the U.S.', 'The program ended.']
    """
    return [s.text for s in segment(text, lang, extra_abbreviations)]


def paragraph_numbers(text: str, spans: Iterable[Span]) -> list[int]:
    r"""Return, for each span of ``text``, the number of the paragraph it lies in (from 0).

    >>> text = "Title\n\nOne. Two.\n\nThree."
    >>> paragraph_numbers(text, segment(text, "en"))
    [0, 1, 1, 2]
    """
    bounds = [end for _, end in _paragraphs(text)]
    out = []
    para = 0
    for span in spans:
        while para < len(bounds) - 1 and span.start >= bounds[para]:
            para += 1
        out.append(para)
    return out
