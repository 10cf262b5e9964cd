"""Bilingual QA of a translation against its source (issue 6): terms, numbers, dates, names.

:func:`check` compares a source text with its translation and returns
:class:`Finding` objects (SPEC: ``termbank check --json``). Kinds:

``missing-term``
    A source term mention with no rendering of its concept left in the target. Counted per
    occurrence: three mentions of SEDENA need three mentions in the target, in any mix of
    the concept's forms (full name, acronym, short form, inflection; a deprecated,
    untranslated or misspelt form still counts, and is reported under its own kind).
``deprecated-term``
    A deprecated term in the target, with the preferred replacement.
``untranslated-term``
    A source-language term left in the target (an English institution name in a Spanish
    text), with the translation to use. A name given in the other language as a gloss
    right after the translated one, ``Fuerza de Tarea Conjunta Norte (Joint Task Force
    North)``, is not reported.
``number-mismatch``
    A number of the source that the target does not give, written the target locale's way
    (babel's separators: ``3,145`` in English is ``3145`` or ``3.145`` in Spain and
    ``3,145`` in Mexico). Numbers in words, ordinals, scale words (``1.2 billion`` =
    ``1200 millones``), times and unit conversions (kilometres, miles, feet, pounds...,
    within 2 %) are understood.
``date-mismatch``
    A date of the source (``June 23-25, 2025``, ``May 2025``, ``June 18``) missing from the
    target or changed there; month names come from babel for both languages.
``name-mismatch``
    A person's name, an acronym or another listed name spelt differently from the termbase
    (``Morales Àngeles`` for ``Morales Ángeles``, ``Harfouch`` for ``Harfuch``).
``inconsistent-term``
    The target writes one concept in competing forms (``EE. UU.`` and ``EE.UU.``);
    reported once per concept, and not when the source itself varies the same way.

Each problem is reported once, under the most specific kind. Project settings live in a
``.termbank.toml`` file in the current folder or any parent (or the file named with
``--config``)::

    [check]
    ignore = ["number-mismatch"]          # kinds never reported
    ignore_concepts = ["geo-mexico"]      # concepts never reported
    to = "es-MX"                          # default target locale (--to)

Everything here is pure: texts in, findings out. Reading files is :mod:`termbank.api`'s
job and presenting them the CLI's (with :func:`render_text` and :func:`render_html`).
"""

from __future__ import annotations

import html
import re
import tomllib
from bisect import bisect_right
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from functools import lru_cache
from pathlib import Path

from babel import Locale
from babel.numbers import NumberFormatError, format_decimal, parse_decimal
from rapidfuzz import fuzz

from .errors import ConfigError, UsageError
from .langs import base_language, normalize_tag
from .morph import inflections
from .normalize import fold

__all__ = [
    "KINDS",
    "Finding",
    "CheckConfig",
    "CheckReport",
    "check",
    "check_report",
    "validate_kinds",
    "find_config",
    "read_config",
    "number_locales",
    "parse_number",
    "spell_number",
    "find_numbers",
    "find_dates",
    "format_date",
    "sentence_spans",
    "render_text",
    "render_html",
    "CONFIG_NAME",
]

#: Finding kinds, in the order reports list them.
KINDS: tuple[str, ...] = (
    "missing-term",
    "wrong-term",
    "deprecated-term",
    "untranslated-term",
    "name-mismatch",
    "inconsistent-term",
    "number-mismatch",
    "date-mismatch",
)
CONFIG_NAME = ".termbank.toml"


# =====================================================================================
# Findings and configuration
# =====================================================================================
@dataclass(frozen=True)
class Finding:
    """One problem in a translation (SPEC: ``check --json`` "findings" item)."""

    kind: str
    message: str
    concept: str | None = None
    source_span: tuple[int, int] | None = None
    target_span: tuple[int, int] | None = None
    expected: str | None = None
    found: str | None = None

    def as_dict(self) -> dict:
        """Return the SPEC's finding object (plus ``expected`` and ``found`` when known)."""
        out = {
            "kind": self.kind,
            "message": self.message,
            "concept": self.concept,
            "source_span": list(self.source_span) if self.source_span else None,
            "target_span": list(self.target_span) if self.target_span else None,
        }
        if self.expected is not None:
            out["expected"] = self.expected
        if self.found is not None:
            out["found"] = self.found
        return out

    @property
    def position(self) -> int:
        """Where the finding sits, for sorting: the target span, else the source span."""
        if self.target_span:
            return self.target_span[0]
        return self.source_span[0] if self.source_span else 0


def validate_kinds(kinds: Iterable[str], where: str = "--ignore") -> tuple[str, ...]:
    """Return the kinds, or raise :class:`UsageError` naming an unknown one.

    >>> validate_kinds(["number-mismatch"])
    ('number-mismatch',)
    """
    out = []
    for k in kinds:
        k = k.strip()
        if k not in KINDS:
            raise UsageError(f"{where}: unknown finding kind {k!r}; use one of {', '.join(KINDS)}")
        out.append(k)
    return tuple(out)


@dataclass(frozen=True)
class CheckConfig:
    """The ``[check]`` table of a project's ``.termbank.toml``."""

    ignore: tuple[str, ...] = ()
    ignore_concepts: tuple[str, ...] = ()
    to: str | None = None
    path: str | None = None


def find_config(start: str | Path = ".") -> Path | None:
    """Return the nearest ``.termbank.toml`` in ``start`` or a parent folder, or None."""
    here = Path(start).resolve()
    for folder in (here, *here.parents):
        candidate = folder / CONFIG_NAME
        if candidate.is_file():
            return candidate
    return None


def read_config(path: str | Path) -> CheckConfig:
    """Return the ``[check]`` settings of a config file; raise :class:`ConfigError` if wrong."""
    p = Path(path)
    try:
        data = tomllib.loads(p.read_text(encoding="utf-8"))
    except OSError as exc:
        raise ConfigError(f"{p}: {exc.strerror or 'cannot read'}") from None
    except UnicodeDecodeError as exc:
        raise ConfigError(f"{p}: not UTF-8 (byte {exc.start})") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{p}: {exc}") from None
    table = data.get("check", {})
    if not isinstance(table, dict):
        raise ConfigError(f"{p}: [check] must be a table")
    unknown = set(table) - {"ignore", "ignore_concepts", "to"}
    if unknown:
        raise ConfigError(f"{p}: unknown [check] setting(s): {', '.join(sorted(unknown))}")

    def strings(key: str) -> tuple[str, ...]:
        value = table.get(key, [])
        if isinstance(value, str):
            value = [value]
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise ConfigError(f"{p}: [check] {key} must be a list of strings")
        return tuple(value)

    try:
        ignore = validate_kinds(strings("ignore"), where=f"{p}: [check] ignore")
    except UsageError as exc:
        raise ConfigError(str(exc)) from None
    to = table.get("to")
    if to is not None:
        if not isinstance(to, str) or normalize_tag(to) is None:
            raise ConfigError(f"{p}: [check] to must be a language tag such as es-MX")
        to = normalize_tag(to)
    return CheckConfig(ignore=ignore, ignore_concepts=strings("ignore_concepts"), to=to, path=str(p))


@dataclass
class CheckReport:
    """The result of checking one translation: findings and what was compared."""

    source_file: str
    target_file: str
    source_lang: str
    target_lang: str
    target_locale: str | None
    source_text: str
    target_text: str
    findings: list[Finding]
    ignored: int = 0
    config: str | None = None
    warnings: list[str] = field(default_factory=list)

    @property
    def summary(self) -> dict:
        """Return counts per kind, the ignored count and the languages compared."""
        counts = Counter(f.kind for f in self.findings)
        return {
            "findings": len(self.findings),
            "by_kind": {k: counts[k] for k in KINDS if counts[k]},
            "ignored": self.ignored,
            "source": {"file": self.source_file, "lang": self.source_lang},
            "target": {"file": self.target_file, "lang": self.target_lang, "locale": self.target_locale},
            "config": self.config,
        }

    def as_dict(self) -> dict:
        """Return the SPEC JSON: ``{"findings": [...], "summary": {...}}``."""
        return {"findings": [f.as_dict() for f in self.findings], "summary": self.summary}


# =====================================================================================
# Sentences, paragraphs and a source -> target position map
# =====================================================================================
_ABBREVIATIONS = frozenset(
    "gen gral lt tte col cnel cor maj capt cap sgt sgto adm alm vicealm valm calm contralm brig bgda div "
    "cmdr cdr pvt cpl spc mr mrs ms dr sr sra srta jr st no nos núm vol art fig pp etc uu ee eua dc "
    "inc corp co ltd dept gob gov sen rep vs approx aprox".split()
)
_SENT_END = re.compile(r"[.!?…]+[\"”»’')\]]*(?=\s+[\"“«'‘(¿¡]?[A-ZÁÉÍÓÚÑÜ0-9])")


def sentence_spans(text: str) -> list[tuple[int, int]]:
    """Return ``(start, end)`` of each sentence (line breaks always end one).

    >>> t = "Gen. Guillot met Lt. Gen. Pepin in the U.S. Army North area. They talked."
    >>> [t[s:e] for s, e in sentence_spans(t)]
    ['Gen. Guillot met Lt. Gen. Pepin in the U.S. Army North area.', 'They talked.']
    """
    out = []
    for line in re.finditer(r"[^\n]+", text):
        base, chunk = line.start(), line.group()
        start = 0
        for m in _SENT_END.finditer(chunk):
            word = re.search(r"([^\W\d_]+)\.?$", chunk[:m.start() + 1])
            prev = word.group(1) if word else ""
            if chunk[m.start()] == "." and (len(prev) == 1 or prev.lower() in _ABBREVIATIONS):
                continue
            out.append((base + start, base + m.end()))
            start = m.end()
            while start < len(chunk) and chunk[start].isspace():
                start += 1
        if chunk[start:].strip():
            out.append((base + start, base + len(chunk.rstrip())))
    return [(s + len(text[s:e]) - len(text[s:e].lstrip()), e) for s, e in out if text[s:e].strip()]


def _paragraphs(text: str) -> list[tuple[int, int]]:
    return [(m.start(), m.end()) for m in re.finditer(r"\S(?:.|\n(?!\s*\n))*", text)]


def _lines(text: str) -> list[tuple[int, int]]:
    return [(m.start(), m.end()) for m in re.finditer(r"[^\n]*\S[^\n]*", text)]


class _PositionMap:
    """Map a source offset to the estimated target offset, through weighted anchors."""

    def __init__(self, source: str, target: str):
        self.ls, self.lt = len(source), len(target)
        self.hard: list[tuple[int, int]] = []
        self.soft: list[tuple[int, int]] = []
        self.sentence_pairs: list[tuple[tuple[int, int], tuple[int, int]]] = []
        sp, tp = _paragraphs(source), _paragraphs(target)
        if len(sp) != len(tp) or len(sp) < 2:
            lsp, ltp = _lines(source), _lines(target)
            if len(lsp) == len(ltp):
                sp, tp = lsp, ltp
        if len(sp) == len(tp):
            for (s0, s1), (t0, t1) in zip(sp, tp):
                self.hard += [(s0, t0), (s1, t1)]
                ss = [(a + s0, b + s0) for a, b in sentence_spans(source[s0:s1])]
                ts = [(a + t0, b + t0) for a, b in sentence_spans(target[t0:t1])]
                if len(ss) == len(ts):
                    for a, b in zip(ss, ts):
                        self.hard += [(a[0], b[0]), (a[1], b[1])]
                        self.sentence_pairs.append((a, b))
        self.target_sentences = sentence_spans(target)
        self._build()

    def add_soft(self, pairs: Iterable[tuple[int, int]]) -> None:
        self.soft.extend(pairs)
        self._build()

    def _build(self) -> None:
        points = [(s, t, 100) for s, t in self.hard] + [(s, t, 1) for s, t in self.soft]
        points += [(0, 0, 1000), (self.ls, self.lt, 1000)]
        points.sort()
        # Heaviest chain increasing in both coordinates (weighted LIS, O(n^2), n is small).
        best = [w for _, _, w in points]
        prev = [-1] * len(points)
        for i, (s, t, w) in enumerate(points):
            for j in range(i):
                if points[j][0] <= s and points[j][1] <= t and best[j] + w > best[i]:
                    best[i], prev[i] = best[j] + w, j
        i = max(range(len(points)), key=lambda k: (best[k], k))
        chain = []
        while i >= 0:
            chain.append(points[i][:2])
            i = prev[i]
        chain.reverse()
        self.xs = [s for s, _ in chain]
        self.ys = [t for _, t in chain]

    def __call__(self, x: int) -> int:
        i = bisect_right(self.xs, x) - 1
        if i < 0:
            return 0
        if i >= len(self.xs) - 1:
            return self.ys[-1]
        x0, x1, y0, y1 = self.xs[i], self.xs[i + 1], self.ys[i], self.ys[i + 1]
        if x1 == x0:
            return y0
        return round(y0 + (y1 - y0) * (x - x0) / (x1 - x0))

    def target_sentence(self, source_span: tuple[int, int]) -> tuple[int, int] | None:
        """Return the target sentence that translates the source text at ``source_span``."""
        for a, b in self.sentence_pairs:
            if a[0] <= source_span[0] < a[1] + 1:
                return b
        pos = self((source_span[0] + source_span[1]) // 2)
        for s, e in self.target_sentences:
            if s <= pos <= e:
                return (s, e)
        if not self.target_sentences:
            return None
        return min(self.target_sentences, key=lambda se: min(abs(se[0] - pos), abs(se[1] - pos)))


# =====================================================================================
# Numbers
# =====================================================================================
_LENIENT_ES = ("es", "es_MX")


def number_locales(lang: str, locale: str | None = None, text: str = "") -> tuple[str, ...]:
    """Return the babel locales whose number spelling a text may use.

    English is English. A Spanish locale given explicitly is used strictly; for plain
    ``es`` the text's own unambiguous numbers decide between Spain's ``2,5`` / ``10.000``
    and Mexico's ``2.5`` / ``10,000``; with no evidence either way, both are accepted.

    >>> number_locales("es", "es-MX"), number_locales("en")
    (('es_MX',), ('en',))
    >>> number_locales("es", None, "unos 2,5 millones"), number_locales("es", None, "3145 km")
    (('es',), ('es', 'es_MX'))
    """
    if base_language(lang) == "en":
        return ("en",)
    if locale and "-" in locale:
        return (normalize_tag(locale).replace("-", "_"),)
    votes = Counter()
    for m in _RAW_NUMBER.finditer(text):
        t = m.group().replace("\u00a0", " ").replace("\u202f", " ")
        if re.fullmatch(r"\d+,(\d{1,2}|\d{4,})|\d{1,3}(\.\d{3})+,\d+|\d{1,3}(\.\d{3}){2,}", t):
            votes["es"] += 2
        elif re.fullmatch(r"\d+\.(\d{1,2}|\d{4,})|\d{1,3}(,\d{3})+\.\d+|\d{1,3}(,\d{3}){2,}", t):
            votes["es_MX"] += 2
        elif re.fullmatch(r"\d{1,3}\.\d{3}", t) or re.fullmatch(r"\d{1,3}( \d{3})+", t):
            votes["es"] += 1
        elif re.fullmatch(r"\d{1,3},\d{3}", t):
            votes["es_MX"] += 1
    if votes["es"] > votes["es_MX"]:
        return ("es",)
    if votes["es_MX"] > votes["es"]:
        return ("es_MX",)
    return _LENIENT_ES


def parse_number(token: str, locale: str) -> Decimal | None:
    """Return the value of a number as ``locale`` writes it, or None if it cannot be that.

    Spaces between groups of three digits (``10 000``, the SI and RAE style) are accepted
    in every locale.

    >>> parse_number("3.145", "es"), parse_number("3,145", "es_MX"), parse_number("3,145", "es")
    (Decimal('3145'), Decimal('3145'), Decimal('3.145'))
    >>> parse_number("2.5", "es") is None, parse_number("10 000", "en")
    (True, Decimal('10000'))
    """
    t = token.replace("\u00a0", " ").replace("\u202f", " ")
    if " " in t:
        if not re.fullmatch(r"\d{1,3}( \d{3})+([.,]\d+)?", t):
            return None
        t = t.replace(" ", "")
    try:
        return parse_decimal(t, locale=locale, strict=True)
    except (NumberFormatError, InvalidOperation, ValueError):
        return None


def spell_number(value: Decimal, locales: Sequence[str]) -> list[str]:
    """Return the ways the locales write ``value``, babel's first.

    >>> spell_number(Decimal("3145"), ["es"]), spell_number(Decimal("2.5"), ["es", "es_MX"])
    (['3.145', '3145'], ['2,5', '2.5'])
    """
    out: list[str] = []
    for loc in locales:
        for s in (format_decimal(value, locale=loc, decimal_quantization=False),
                  format_decimal(value, locale=loc, group_separator=False, decimal_quantization=False)):
            if s not in out:
                out.append(s)
    return out


_RAW_NUMBER = re.compile(
    r"(?<![\w.,/:])(?:\d{1,3}(?:(?:,|\.|[ \u00a0\u202f](?=\d{3}(?!\d)))\d{3})+|\d+)(?:[.,]\d+)?(?![\w])(?![.,]\d)"
)
_TIME = re.compile(
    r"(?<![\w.,:])(?P<h>\d{1,2})(?:[:.](?P<min>\d{2}))?\s*(?P<ampm>[ap]\.\s?m\.|[ap]m\b)"
    r"|(?<![\w.,:])(?P<h2>\d{1,2}):(?P<min2>\d{2})(?:\s*(?:h\b|hrs?\b\.?|horas\b))?"
    r"|(?<![\w.,:])(?P<h3>\d{1,2})[.:](?P<min3>\d{2})\s*(?:h\b|hrs?\b\.?|horas\b)"
    # Military time: four digits with a leading zero ("0600"), or after "at" / "a las"
    # with "hours" after them or ending the clause ("at 1500 hours", "left at 1830.").
    # Not "1,500 hours of training", "at 2015 levels", "las 2000 armas".
    r"|(?:(?<![\w.,:])(?=0)|(?<=\bat )|(?<=\blas ))(?P<h4>[01]\d|2[0-3])(?P<min4>[0-5]\d)"
    r"\s*(?:hours\b|hrs?\b\.?|horas\b|h\b)"
    r"|(?:(?<![\w.,:])(?=0\d[0-5]\d(?![\w.,:]?\d))|(?<=\bat )|(?<=\blas ))(?P<h5>[01]\d|2[0-3])(?P<min5>[0-5]\d)"
    r"(?![\w.,:]?\d)(?=0|\s*(?:[.,;:)!?]|$|\s(?:and|y|on|el|local)\b))",
    re.IGNORECASE,
)
_ORDINAL = {
    "en": re.compile(r"(?<![\w.,])(\d+)(?:st|nd|rd|th)\b"),
    "es": re.compile(r"(?<![\w.,])(\d+)(?:\.?\s?[ºª°]|\.(?:er|os?|as?)\b|(?:er|ro|do|to|vo|no|mo)\b)(?![\w])"),
}
_WORD_NUMBERS = {
    "en": {w: i for i, w in enumerate(
        "zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen "
        "sixteen seventeen eighteen nineteen twenty".split())} | {
        "thirty": 30, "forty": 40, "fifty": 50, "sixty": 60, "seventy": 70, "eighty": 80, "ninety": 90,
        "hundred": 100, "thousand": 1000, "dozen": 12, "a dozen": 12},
    "es": {w: i for i, w in enumerate(
        "cero uno dos tres cuatro cinco seis siete ocho nueve diez once doce trece catorce quince "
        "dieciséis diecisiete dieciocho diecinueve veinte veintiuno veintidós veintitrés veinticuatro "
        "veinticinco veintiséis veintisiete veintiocho veintinueve treinta".split())} | {
        "un": 1, "una": 1, "veintiún": 21, "cuarenta": 40, "cincuenta": 50, "sesenta": 60, "setenta": 70,
        "ochenta": 80, "noventa": 90, "cien": 100, "ciento": 100, "mil": 1000, "docena": 12},
}
_ORDINAL_WORDS = {
    "en": {w: i + 1 for i, w in enumerate(
        "first second third fourth fifth sixth seventh eighth ninth tenth eleventh twelfth thirteenth "
        "fourteenth fifteenth sixteenth seventeenth eighteenth nineteenth twentieth".split())},
    "es": {w: i + 1 for i, w in enumerate(
        "primero segundo tercero cuarto quinto sexto séptimo octavo noveno décimo undécimo duodécimo".split())}
    | {"primer": 1, "tercer": 3, "decimotercero": 13, "decimocuarto": 14, "decimoquinto": 15, "vigésimo": 20},
}
_SCALE = {
    "en": [(re.compile(r"[\s-]+(?:thousand)\b", re.I), 10**3), (re.compile(r"[\s-]+millions?\b", re.I), 10**6),
           (re.compile(r"[\s-]+billions?\b", re.I), 10**9), (re.compile(r"[\s-]+trillions?\b", re.I), 10**12)],
    "es": [(re.compile(r"\s+mil\s+millones\b", re.I), 10**9), (re.compile(r"\s+millardos?\b", re.I), 10**9),
           (re.compile(r"\s+(?:millones|millón|mdd|mdp)\b", re.I), 10**6),
           (re.compile(r"\s+(?:billones|billón)\b", re.I), 10**12),
           (re.compile(r"\s+mil\b(?!\s+millones)", re.I), 10**3)],
}
# Units a translator may convert (kilometres <-> miles...): id, words in both languages,
# and the factor to each unit of the other system.
_UNITS: list[tuple[str, str, tuple[tuple[str, float], ...]]] = [
    ("nmi", r"nautical\s+miles?|millas?\s+náuticas?|nmi", (("km", 1.852), ("mi", 1.15078))),
    ("sqmi", r"square\s+miles?|millas?\s+cuadradas?", (("km2", 2.589988),)),
    ("km2", r"square\s+kilomet(?:er|re)s?|kilómetros?\s+cuadrados?|km2|km²", (("sqmi", 0.386102),)),
    ("mph", r"mph|miles\s+(?:per|an)\s+hour|millas\s+por\s+hora", (("kmh", 1.609344),)),
    ("kmh", r"km/h|kilomet(?:er|re)s\s+(?:per|an)\s+hour|kilómetros\s+por\s+hora",
     (("mph", 0.621371), ("kn", 0.539957))),
    ("mi", r"miles?|millas?", (("km", 1.609344),)),
    ("km", r"kilomet(?:er|re)s?|kilómetros?|km", (("mi", 0.621371), ("nmi", 0.539957))),
    ("ft", r"feet|foot|ft|pies?", (("m", 0.3048),)),
    ("yd", r"yards?|yardas?|yd", (("m", 0.9144),)),
    ("in", r"inch(?:es)?|pulgadas?", (("cm", 2.54), ("mm", 25.4))),
    ("cm", r"centimet(?:er|re)s?|centímetros?|cm", (("in", 0.393701),)),
    ("mm", r"millimet(?:er|re)s?|milímetros?|mm", (("in", 0.0393701),)),
    ("m", r"met(?:er|re)s?|metros?|m", (("ft", 3.28084), ("yd", 1.09361))),
    ("lb", r"pounds?|libras?|lbs?", (("kg", 0.453592),)),
    ("kg", r"kilograms?|kilogramos?|kilos?|kg", (("lb", 2.20462),)),
    ("t", r"(?:metric\s+|short\s+)?tons?|toneladas?(?:\s+(?:métricas|cortas))?|tonnes?|t",
     (("t", 0.907185), ("t", 1.10231))),
    ("gal", r"gallons?|galones?|gal", (("l", 3.78541),)),
    ("l", r"lit(?:er|re)s?|litros?|l", (("gal", 0.264172),)),
    ("kn", r"knots?|nudos?", (("kmh", 1.852), ("mph", 1.15078))),
    ("acre", r"acres?", (("ha", 0.404686),)),
    ("ha", r"hectares?|hectáreas?|ha", (("acre", 2.47105),)),
]
_UNIT_RE = re.compile(r"[\s-]*(" + "|".join(f"(?:{p})" for _, p, _ in _UNITS) + r")(?![\w/])", re.IGNORECASE)


@dataclass(frozen=True)
class NumberToken:
    """A number in a text: its span, spelling, possible values and kind."""

    start: int
    end: int
    text: str
    values: frozenset
    kind: str = "number"  # number | ordinal | time
    unit: str | None = None
    word: bool = False  # written in words ("dos", "tercera", "V")

    def accepts(self, other: "NumberToken") -> bool:
        """True when ``other`` (in the translation) renders this number."""
        if self.kind == "time" or other.kind == "time":
            return self.kind == other.kind and bool(self.values & other.values) \
                or (self.kind == "time" and any(v % 60 == 0 and Decimal(v // 60) in other.values for v in self.values))
        same_unit = self.unit is None or other.unit is None or self.unit == other.unit
        if self.values & other.values and same_unit:
            return True
        for to, f in _CONVERSIONS.get(self.unit, ()):
            if other.unit not in (None, to):
                continue
            for v in self.values:
                want = float(v) * f
                if want and any(abs(float(w) - want) <= 0.02 * abs(want) for w in other.values):
                    return True
        return False


_CONVERSIONS = {uid: conv for uid, _, conv in _UNITS}
_UNIT_NAMES = {"nmi": "nautical miles", "mi": "miles", "km": "kilometers", "m": "meters", "ft": "feet",
               "lb": "pounds", "kg": "kilograms", "t": "tons", "kn": "knots", "kmh": "km/h", "mph": "mph",
               "gal": "gallons", "l": "liters", "in": "inches", "cm": "centimeters", "yd": "yards"}


def _unit_at(text: str, end: int) -> str | None:
    """Return the id of the unit written right after a number, if any."""
    m = _UNIT_RE.match(text, end)
    if not m:
        return None
    word = m.group(1)
    for uid, pattern, _ in _UNITS:
        if re.fullmatch(pattern, word, re.IGNORECASE):
            return uid
    return None


def _scaled(text: str, end: int, lang: str, value: Decimal) -> tuple[Decimal, int]:
    for pattern, factor in _SCALE[lang]:
        m = pattern.match(text, end)
        if m:
            return value * factor, m.end()
    return value, end


def _roman(s: str) -> int | None:
    """Return the value of a Roman numeral up to L, or None (``V Región Militar``).

    >>> _roman("XII"), _roman("IIII")
    (12, None)
    """
    values = {"I": 1, "V": 5, "X": 10, "L": 50}
    total = 0
    for a, b in zip(s, s[1:] + " "):
        total += -values[a] if b != " " and values[a] < values[b] else values[a]
    canonical = {1: "I", 4: "IV", 5: "V", 9: "IX", 10: "X", 40: "XL", 50: "L"}
    out, n = "", total
    for v in sorted(canonical, reverse=True):
        while n >= v:
            out, n = out + canonical[v], n - v
    return total if out == s and total > 0 else None


def find_numbers(text: str, lang: str, locales: Sequence[str], *, words: bool = False,
                 skip: Sequence[tuple[int, int]] = ()) -> list[NumberToken]:
    """Return the numbers of a text (outside ``skip`` spans), each with its possible values.

    ``words`` also reads numbers written in words (``dos``, ``twelve``, ``tercera``).

    >>> [(n.text, sorted(n.values)) for n in find_numbers("Unos 3.145 km y 2,5 millones", "es", ["es"])]
    [('3.145', [Decimal('3145')]), ('2,5 millones', [Decimal('2500000.0')])]
    >>> [(n.text, n.kind) for n in find_numbers("the 3rd Brigade at 3 p.m.", "en", ["en"])]
    [('3rd', 'ordinal'), ('3 p.m.', 'time')]
    """
    lang = base_language(lang)
    taken = sorted(skip)
    out: list[NumberToken] = []

    def free(s: int, e: int) -> bool:
        if any(a < e and s < b for a, b in taken):
            return False
        return not any(t.start < e and s < t.end for t in out)

    for m in _TIME.finditer(text):
        if not free(m.start(), m.end()):
            continue
        h = int(m.group("h") or m.group("h2") or m.group("h3") or m.group("h4") or m.group("h5"))
        mins = int(m.group("min") or m.group("min2") or m.group("min3") or m.group("min4") or m.group("min5") or 0)
        ampm = (m.group("ampm") or "").lower()
        if h > 24 or mins > 59:
            continue
        if m.group("h4") or m.group("h5"):
            values = {h * 60 + mins}  # a 24-hour clock
        elif ampm.startswith("p") and h < 12:
            values = {(h + 12) * 60 + mins}
        elif ampm.startswith("a"):
            values = {(h % 12) * 60 + mins}
        else:
            values = {h * 60 + mins} | ({(h + 12) * 60 + mins} if h < 12 else set())
        out.append(NumberToken(m.start(), m.end(), m.group(), frozenset(values), "time"))
    for m in _ORDINAL[lang].finditer(text):
        if free(m.start(), m.end()):
            out.append(NumberToken(m.start(), m.end(), m.group(), frozenset({Decimal(int(m.group(1)))}), "ordinal"))
    for m in _RAW_NUMBER.finditer(text):
        if not free(m.start(), m.end()):
            continue
        raw = m.group()
        if lang == "en" and " " in raw:
            # English does not group with plain spaces: "in 2024 300 troops" is two numbers.
            continue
        values = {v for loc in locales if (v := parse_number(raw, loc)) is not None}
        if not values:
            values = {Decimal(-1)}  # written no way the locale allows; never equal to a source value
        end = m.end()
        scaled = set()
        for v in values:
            sv, end2 = _scaled(text, m.end(), lang, v)
            scaled.add(sv)
            end = max(end, end2)
        out.append(NumberToken(m.start(), end, text[m.start():end], frozenset(scaled), "number",
                               _unit_at(text, end)))
    if words:
        table, ordinals = _WORD_NUMBERS[lang], _ORDINAL_WORDS[lang]
        for m in re.finditer(r"[^\W\d_]+", text):
            w = m.group().lower()
            stem = re.sub(r"(?<=[^aeiou])(?:as|os|a|o)$", "o", w) if lang == "es" else w
            if w in table:
                v, end = _scaled(text, m.end(), lang, Decimal(table[w]))
                if free(m.start(), m.end()):
                    out.append(NumberToken(m.start(), end, text[m.start():end], frozenset({v}), "number",
                                           _unit_at(text, end), word=True))
            elif (w in ordinals or stem in ordinals) and free(m.start(), m.end()):
                out.append(NumberToken(m.start(), m.end(), m.group(),
                                       frozenset({Decimal(ordinals.get(w) or ordinals[stem])}), "ordinal", word=True))
            elif re.fullmatch(r"[IVXL]+", m.group()) and (roman := _roman(m.group())) and free(m.start(), m.end()):
                out.append(NumberToken(m.start(), m.end(), m.group(), frozenset({Decimal(roman)}), "ordinal",
                                       word=True))
    out.sort(key=lambda n: n.start)
    return out


# =====================================================================================
# Dates
# =====================================================================================
@lru_cache(maxsize=4)
def _month_table(lang: str) -> dict[str, int]:
    """Return month name -> number for a language: babel's names in its locales, plus
    the abbreviations written with a period (``Sept.``, ``ene.``)."""
    locales = {"en": ("en", "en_GB"), "es": ("es", "es_MX", "es_419", "es_PE")}[lang]
    table: dict[str, int] = {}
    for loc in locales:
        months = Locale.parse(loc).months
        for context in ("format", "stand-alone"):
            for num, name in months[context]["wide"].items():
                name = name.lower()
                table[name] = num
                for n in (3, 4):
                    if len(name) > n:
                        table.setdefault(name[:n] + ".", num)
            for num, name in months[context]["abbreviated"].items():
                table.setdefault(name.lower().rstrip(".") + ".", num)
    return table


@dataclass(frozen=True)
class DateToken:
    """A date in a text: its span, the (month, day-or-None) points named, and the year."""

    start: int
    end: int
    text: str
    points: frozenset
    year: int | None = None
    weekday: int | None = None  # 0 = Monday, when the text names it

    @property
    def months(self) -> frozenset:
        return frozenset(m for m, _ in self.points)

    def accepts(self, other: "DateToken") -> bool:
        """True when ``other`` (in the translation) gives this date."""
        if self.year and other.year and self.year != other.year:
            return False
        if self.weekday is not None and other.weekday is not None and self.weekday != other.weekday:
            return False
        if self.months != other.months:
            return False
        # First and last day: "June 23-25" is "23, 24 y 25 de junio".
        days = sorted(p for p in self.points if p[1] is not None)
        if not days:
            return True
        theirs = sorted(p for p in other.points if p[1] is not None)
        return bool(theirs) and (days[0], days[-1]) == (theirs[0], theirs[-1])


_DAY = r"(?<![\d.,])(\d{1,2})(?:st|nd|rd|th)?(?!\d)"
_EN_RANGE = r"\s*(?:-|–|—|to|through|and|&)\s*"
_ES_DAY = r"(?<![\d.,])(\d{1,2})(?:\.?\s?[º°])?(?!\d)"
_ES_RANGE = r"\s*(?:-|–|—|al|a|y|hasta\s+el|y\s+el)\s*(?:el\s+)?"
_MAY_CONTEXT = re.compile(r"(?:\b(?:in|of|since|until|by|from|through|during|early|late|mid|last|next|this)[\s-]+)$")


def find_dates(text: str, lang: str, skip: Sequence[tuple[int, int]] = ()) -> list[DateToken]:
    """Return the dates in a text, with babel's month names for the language.

    >>> [(d.text, sorted(d.points), d.year) for d in find_dates("Held June 23-25, 2025 and in May 2025.", "en")]
    [('June 23-25, 2025', [(6, 23), (6, 25)], 2025), ('May 2025', [(5, None)], 2025)]
    >>> [(d.text, sorted(d.points), d.year) for d in find_dates("del 23 al 25 de junio de 2025; el 18 de junio", "es")]
    [('del 23 al 25 de junio de 2025', [(6, 23), (6, 25)], 2025), ('el 18 de junio', [(6, 18)], None)]
    """
    lang = base_language(lang)
    table = _month_table(lang)
    weekdays = {name.lower(): num for num, name in Locale.parse(lang).days["format"]["wide"].items()}
    candidates: list[DateToken] = []
    word_re = re.compile(r"[^\W\d_]+\.?")

    def month_at(s: str) -> int | None:
        w = s.lower()
        if w in table:
            return table[w]
        if w.endswith(".") and w[:-1] in table:
            return table[w[:-1]]
        return None

    for m in word_re.finditer(text):
        word = m.group()
        bare = word.rstrip(".")
        num = table.get(bare.lower())
        end_word = m.start() + len(bare)
        if num is None and word.endswith("."):
            num = table.get(word.lower())
            end_word = m.end()
        if num is None:
            continue
        if lang == "en" and not bare[:1].isupper():
            continue
        if "." in text[m.start():end_word] and len(bare) > 4:
            end_word = m.start() + len(bare)
        start, end = m.start(), end_word
        points: set[tuple[int, int | None]] = set()
        year = None
        if lang == "en":
            r = re.compile(r"\s+" + _DAY + r"(?:" + _EN_RANGE + r"(?:([A-Z][a-z]+\.?)\s+)?" + _DAY + r")?")
            r = r.match(text, end)
            if r and int(r.group(1)) <= 31:
                points.add((num, int(r.group(1))))
                end = r.end(1)
                if r.group(3) and int(r.group(3)) <= 31:
                    second = month_at(r.group(2)) if r.group(2) else num
                    if second is not None:
                        points.add((second, int(r.group(3))))
                        end = r.end()
                end = re.match(r"(?:st|nd|rd|th)?", text[end:]).end() + end
            else:
                left = re.search(_DAY + r"(?:" + _EN_RANGE + _DAY + r")?\s+(?:of\s+)?$", text[max(0, start - 30):start])
                if left and int(left.group(1)) <= 31:
                    base = max(0, start - 30)
                    points.add((num, int(left.group(1))))
                    if left.group(2) and int(left.group(2)) <= 31:
                        points.add((num, int(left.group(2))))
                    start = base + left.start()
            y = re.compile(r",?\s+(\d{4})(?![\d.,]\d)").match(text, end)
            if y and 1000 <= int(y.group(1)) <= 2200:
                year, end = int(y.group(1)), y.end()
            if bare == "May" and not points and not year and not _MAY_CONTEXT.search(text[max(0, start - 12):start]):
                continue
        else:
            before = text[max(0, start - 60):start]
            base = max(0, start - 60)
            left = re.search(r"(?:\b(?:del?|el|los\s+días|entre\s+el|desde\s+el)\s+)?"
                             r"(?:(?<![\d.,])(?P<head>\d{1,2})\s*,\s*"
                             r"(?:\d{1,2}\s*,\s*)*)?" + _ES_DAY + r"(?:\s+de\s+([^\W\d_]+))?" + _ES_RANGE + _ES_DAY
                             + r"\s+de\s+$", before)
            if left and int(left.group(2)) <= 31 and int(left.group(4)) <= 31:
                first_month = month_at(left.group(3)) if left.group(3) else num
                if left.group(3) and first_month is None:
                    left = None
                else:
                    first = int(left.group("head") or left.group(2))
                    points |= {(first_month, first), (num, int(left.group(4)))}
                    start = base + left.start()
            if not points:
                left = re.search(r"(?:\b(?:del?|el)\s+)?" + _ES_DAY + r"\s+de\s+$", before)
                if left and int(left.group(1)) <= 31:
                    points.add((num, int(left.group(1))))
                    start = base + left.start()
            y = re.compile(r"(?:\s+(?:de|del)|,)?\s+(\d{4})(?![\d.,]\d)").match(text, end)
            if y and 1000 <= int(y.group(1)) <= 2200:
                year, end = int(y.group(1)), y.end()
        if not points:
            points.add((num, None))
        if any(a < end and start < b for a, b in skip):
            continue
        weekday = None
        if any(d is not None for _, d in points):
            w = re.search(r"(?:\b(?:el|on)\s+)?([^\W\d_]+),?\s+(?:(?:del?|el)\s+)?$", text[max(0, start - 30):start])
            if w and w.group(1).lower() in weekdays and (lang == "es" or w.group(1)[:1].isupper()):
                weekday = weekdays[w.group(1).lower()]
                start = max(0, start - 30) + w.start()
        candidates.append(DateToken(start, end, text[start:end], frozenset(points), year, weekday))
    # Overlaps (a range naming two months is found from each): keep the longest.
    chosen: list[DateToken] = []
    for d in sorted(candidates, key=lambda d: -(d.end - d.start)):
        if not any(c.start < d.end and d.start < c.end for c in chosen):
            chosen.append(d)
    return sorted(chosen, key=lambda d: d.start)


def format_date(date: DateToken, lang: str) -> str:
    """Return how ``lang`` writes a date, with babel's month names.

    >>> d = DateToken(0, 0, "", frozenset({(6, 23), (6, 25)}), 2025)
    >>> format_date(d, "es"), format_date(d, "en")
    ('del 23 al 25 de junio de 2025', 'June 23-25, 2025')
    >>> format_date(DateToken(0, 0, "", frozenset({(5, None)}), 2025), "es")
    'mayo de 2025'
    """
    lang = base_language(lang)
    names = Locale.parse(lang).months["format"]["wide"]
    pts = sorted(date.points)
    days = [(m, d) for m, d in pts if d is not None]
    month = names[pts[0][0]]
    if lang == "en":
        if not days:
            text = month
        elif len(days) == 1:
            text = f"{month} {days[0][1]}"
        elif days[0][0] == days[-1][0]:
            text = f"{month} {days[0][1]}-{days[-1][1]}"
        else:
            text = f"{month} {days[0][1]}-{names[days[-1][0]]} {days[-1][1]}"
        if date.year:
            text += f", {date.year}" if days else f" {date.year}"
        return text
    if not days:
        text = month
    elif len(days) == 1:
        text = f"{days[0][1]} de {month}"
    elif days[0][0] == days[-1][0]:
        text = f"del {days[0][1]} al {days[-1][1]} de {month}"
    else:
        text = f"del {days[0][1]} de {month} al {days[-1][1]} de {names[days[-1][0]]}"
    return text + (f" de {date.year}" if date.year else "")


# =====================================================================================
# Terms
# =====================================================================================
# Mentions of one concept separated only by this are one occurrence: "Secretariat of
# National Defense (SEDENA)", "Fuerza de Tarea Conjunta Norte (Joint Task Force North)".
_GLUE = re.compile(r"[ \t\u00a0(\[,/:–—-]{0,4}(?:(?:or|o|u)\s+)?")
_ADJECTIVE_NOTE = re.compile(r"Adjective:\s*'([^']+)'")
_WORD_RE = re.compile(r"[^\W_]+(?:[-'’.][^\W_]+)*\.?")
# Categories whose concepts are posts a person holds: one in the target where the source
# has another is a wrong translation, not a shorter form of it.
_POSTS = frozenset({"rank", "title"})
# Rank concepts whose word is also the generic title of every grade named with it, as
# the glossary says (ranks-us.toml, ranks-mx.toml): "el general Smith" for a brigadier
# general, "el capitán" for a navy captain, is not another rank.
_GENERIC_TITLES = frozenset({"us-gen", "us-capt"})
_FUZZY_MIN = 85.0


def _role(term_type: str) -> str:
    if term_type in ("abbreviation", "acronym"):
        return "abbr"
    return "short" if term_type == "shortForm" else "full"


@dataclass
class _Occ:
    """One occurrence of a concept: a mention, or mentions glued together."""

    start: int
    end: int
    concept: str
    category: str
    concepts: frozenset
    mentions: list
    matched: "_Occ | None" = None
    via: str = ""
    reported: bool = False

    @property
    def span(self) -> tuple[int, int]:
        return (self.start, self.end)

    @property
    def proper(self) -> list:
        """Mentions that are real renderings (not a gloss in the other language)."""
        return [m for m in self.mentions if "untranslated" not in m.flags]


class _Termbase:
    """Look-ups over the annotator's concepts that the checks need."""

    def __init__(self, annotator):
        self.annotator = annotator
        self.concepts = annotator.index.concepts
        self._inflected: dict[tuple[str, str], list[str]] = {}
        self.by_form: dict[tuple[str, str], set[str]] = defaultdict(set)
        for c in self.concepts.values():
            for t in c.terms:
                self.by_form[(t.base_lang, fold(t.text))].add(c.id)

    def term(self, concept_id: str, text: str, lang: str):
        c = self.concepts.get(concept_id)
        if c is None:
            return None
        for t in c.terms_in(lang):
            if t.text == text:
                return t
        return None

    def alternatives(self, mention) -> frozenset:
        """Return every concept that lists the matched term's written form in its language."""
        lang = base_language(mention.term_lang or "en")
        return frozenset(self.by_form.get((lang, fold(mention.term)), ())) | {mention.concept}

    def forms(self, concept_id: str, lang: str) -> list[str]:
        """Return the non-deprecated forms of a concept in a language, longest first."""
        c = self.concepts.get(concept_id)
        if c is None:
            return []
        return sorted({t.text for t in c.terms_in(lang) if t.status != "deprecated"}, key=len, reverse=True)

    def preferred(self, concept_id: str, text: str, lang: str, locale: str | None) -> str:
        """Return the form to use in ``lang`` for a term of another language (same role)."""
        c = self.concepts.get(concept_id)
        if c is None:
            return ""
        source = next((t for t in c.terms if t.text == text), None)
        pool = [t for t in c.terms_in(lang) if t.status != "deprecated"]
        if source is not None:
            pool = [t for t in pool if _role(t.type) == _role(source.type)] or pool
        if not pool:
            return ""
        best = c.preferred(lang, locale, like=source)
        if best in pool:
            return best.text
        return pool[0].text

    def inflected_forms(self, concept_id: str, lang: str) -> list[str]:
        """Return the non-deprecated forms of a concept with their plurals and feminines, and
        with a place name inside them written any listed way ("Marina de EE. UU." for
        "Marina de Estados Unidos")."""
        key = (concept_id, lang)
        if key in self._inflected:
            return self._inflected[key]
        out = set()
        for form in self.forms(concept_id, lang):
            out.add(form)
            out.update(f for f, _ in inflections(form, lang))
            if " " in form:
                for m in self.annotator.annotate(form, lang=lang).mentions:
                    inner = self.concepts.get(m.concept)
                    if m.concept == concept_id or inner is None or inner.category != "other" \
                            or (m.start, m.end) == (0, len(form)):
                        continue
                    for other in self.forms(m.concept, lang):
                        out.add(form[:m.start] + other + form[m.end:])
        self._inflected[key] = result = sorted(out, key=len, reverse=True)
        return result

    def stems(self, concept_id: str, lang: str) -> list[str]:
        """Return word stems that stand for a concept in running text: its one-word terms
        and the adjective its note names ('estadounidense' for the United States)."""
        c = self.concepts.get(concept_id)
        if c is None:
            return []
        words = [t.text for t in c.terms_in(lang) if t.status != "deprecated" and " " not in t.text.strip()
                 and t.type not in ("abbreviation", "acronym")]
        if lang == "es" and c.note:
            words += _ADJECTIVE_NOTE.findall(c.note)
        out = []
        for w in words:
            f = fold(w)
            if len(f) >= 5:
                out.append(f[:max(5, len(f) - 2)])
        return out


def _occurrences(doc, tb: _Termbase, *, drop_glosses: bool) -> list[_Occ]:
    """Return the document's concept occurrences (glued mentions merged).

    With ``drop_glosses`` a term of the other language counts for nothing, but still glues:
    "the Secretariat of National Defense (Secretaría de la Defensa Nacional, or SEDENA)" is
    one occurrence.
    """
    out: list[_Occ] = []
    text = doc.text
    for m in doc.mentions:
        gloss = drop_glosses and "untranslated" in m.flags
        alts = tb.alternatives(m)
        last = out[-1] if out else None
        gap = text[last.end:m.start] if last is not None else ""
        glued = last is not None and bool(_GLUE.fullmatch(gap))
        # "The Mexican Navy (SEMAR)": an acronym in parentheses says which body is meant.
        defines = glued and "(" in gap and m.text.isupper() and len(last.mentions) == 1
        if glued and (gloss or defines or m.concept == last.concept or m.concept in last.concepts
                      or last.concept in alts):
            if not gloss:
                last.mentions.append(m)
                last.concepts = last.concepts | alts
                if "untranslated" in last.mentions[0].flags and "untranslated" not in m.flags:
                    last.concept, last.category = m.concept, m.category
            last.end = m.end
            inside = text[last.start:last.end]
            if inside.count("(") > inside.count(")") and text[last.end:last.end + 1] == ")":
                last.end += 1  # "Secretariat of the Navy (SEMAR)": the span takes the whole parenthesis
            continue
        if not gloss:
            out.append(_Occ(m.start, m.end, m.concept, m.category, alts, [m]))
    return out


def _monotone_match(src: list[_Occ], tgt: list[_Occ], pos) -> list[tuple[_Occ, _Occ]]:
    """Pair as many as possible, in order, minimizing the distance of mapped positions."""
    n, k = len(src), len(tgt)
    if not n or not k:
        return []
    flip = n > k
    a, b = (tgt, src) if flip else (src, tgt)
    cost = (lambda x, y: abs(pos(y.start) - x.start)) if flip else (lambda x, y: abs(pos(x.start) - y.start))
    n, k = len(a), len(b)
    inf = float("inf")
    # f[i][j]: best cost pairing a[:i] with a subsequence of b[:j] (every a matched).
    f = [[inf] * (k + 1) for _ in range(n + 1)]
    f[0] = [0.0] * (k + 1)
    for i in range(1, n + 1):
        for j in range(i, k + 1):
            f[i][j] = min(f[i][j - 1], f[i - 1][j - 1] + cost(a[i - 1], b[j - 1]))
    pairs, i, j = [], n, k
    while i > 0:
        if j > i and f[i][j] == f[i][j - 1]:
            j -= 1
            continue
        pairs.append((a[i - 1], b[j - 1]))
        i, j = i - 1, j - 1
    pairs.reverse()
    return [(y, x) for x, y in pairs] if flip else pairs


def _contains(longer: str, shorter: str) -> bool:
    """True when ``shorter`` is ``longer`` or a run of its whole words (folded text)."""
    return longer != shorter and f" {shorter} " in f" {longer} "


def _link(s: _Occ, t: _Occ, via: str) -> None:
    s.matched, t.matched = t, s
    s.via = t.via = via


def _near(candidates, pos: int):
    return min(candidates, key=lambda c: abs(c[0] - pos), default=None)


def _fuzzy_name(target: str, forms: list[str], window: tuple[int, int], taken) -> tuple[int, int, str, tuple] | None:
    """Return the best near-spelling of one of ``forms`` inside ``window`` of the target."""
    words = [(m.start(), m.end()) for m in _WORD_RE.finditer(target, window[0], window[1])]
    best = None
    for form in forms:
        want = fold(form)
        if len(want) < 4:
            continue
        k = len(form.split())
        for size in {max(1, k - 1), k, k + 1}:
            for i in range(0, len(words) - size + 1):
                s, e = words[i][0], words[i + size - 1][1]
                if target[e - 1] == "." and not form.endswith("."):
                    e -= 1  # the sentence's period, not the name's
                if taken(s, e):
                    continue
                got = fold(target[s:e].rstrip("."))
                if got == want or abs(len(got) - len(want)) > max(3, len(want) // 4):
                    continue
                score = fuzz.ratio(got, want)
                # Equal folded scores: the form written most like the text (case) wins.
                rank = (score, fuzz.ratio(target[s:e], form))
                if score >= _FUZZY_MIN and (best is None or rank > best[3]):
                    best = (s, e, form, rank)
    return best


def _misspelt_around(target: str, t: _Occ, source_mention, tb: _Termbase, lang: str):
    """Return (start, end, form) when capitalized words next to a name found by a shorter
    form make, with it, a near-spelling of the longer form the source gives."""
    wanted = [f for f in tb.forms(t.concept, lang) if fold(f) == fold(source_mention.term)
              or fold(f) == fold(source_mention.text)]
    if not wanted:
        return None
    form = wanted[0]
    got = target[t.start:t.end]
    k = len(form.split()) - len(got.split())
    if k <= 0 or fold(got) == fold(form):
        return None
    left = [m for m in re.finditer(r"[^\W\d_][\w.'’-]*", target[max(0, t.start - 60):t.start])][-k:]
    right = [m for m in re.finditer(r"[^\W\d_][\w.'’-]*", target[t.end:t.end + 60])][:k]
    base_l, base_r = max(0, t.start - 60), t.end
    best = None
    for n_left in range(0, k + 1):
        n_right = k - n_left
        ls, rs = left[len(left) - n_left:] if n_left else [], right[:n_right]
        if len(ls) != n_left or len(rs) != n_right:
            continue
        words = [w.group() for w in ls + rs]
        if not all(w[:1].isupper() for w in words):
            continue
        start = base_l + ls[0].start() if ls else t.start
        end = base_r + rs[-1].end() if rs else t.end
        between = target[start:end]
        if "\n" in between or re.search(r"[,;:()«»\"“”]", between):
            continue
        candidate = between.rstrip(".")
        score = fuzz.ratio(fold(candidate), fold(form))
        if fold(candidate) != fold(form) and score >= _FUZZY_MIN and (best is None or score > best[3]):
            best = (start, start + len(candidate), form, score)
    return best[:3] if best else None


def _term_findings(src_doc, tgt_doc, tb: _Termbase, pos: _PositionMap, source: str, target: str,
                   source_lang: str, target_lang: str, target_locale: str | None) -> list[Finding]:
    src = _occurrences(src_doc, tb, drop_glosses=True)
    tgt = _occurrences(tgt_doc, tb, drop_glosses=False)
    findings: list[Finding] = []

    # Anchors: concepts met exactly once on each side.
    s_count = Counter(o.concept for o in src)
    t_count = Counter(o.concept for o in tgt)
    pos.add_soft((o.start, next(t.start for t in tgt if t.concept == o.concept))
                 for o in src if s_count[o.concept] == 1 and t_count[o.concept] == 1)

    # 1. Same concept, in order.
    by_concept_t: dict[str, list[_Occ]] = defaultdict(list)
    for t in tgt:
        by_concept_t[t.concept].append(t)
    by_concept_s: dict[str, list[_Occ]] = defaultdict(list)
    for s in src:
        by_concept_s[s.concept].append(s)
    for cid, ss in by_concept_s.items():
        for s, t in _monotone_match(ss, by_concept_t.get(cid, []), pos):
            _link(s, t, "concept")
    # 2. A written form that two concepts share ("general de división").
    pairs = []
    for s in src:
        if s.matched:
            continue
        for t in tgt:
            if not t.matched and (s.concept in t.concepts or t.concept in s.concepts):
                pairs.append((abs(pos(s.start) - t.start), s.start, t.start, s, t))
    for _, _, _, s, t in sorted(pairs, key=lambda p: p[:3]):
        if not s.matched and not t.matched:
            _link(s, t, "shared form")
    # 3. In the same sentence, a mention that is part of a listed form of the concept, or
    # contains one ("Guardia Nacional" for the U.S. National Guard, listed as "Guardia
    # Nacional de Estados Unidos"; "Fuerza Aérea" in "Fuerza Aérea de EE. UU."). Not
    # another rank or post: "coronel" inside "teniente coronel" is the wrong rank, kept in
    # ``other_rank`` for the report.
    other_rank: dict[int, list[tuple[int, int, _Occ]]] = {}
    for s in src:
        if s.matched:
            continue
        sentence = pos.target_sentence(s.span) or (0, len(target))
        forms = [fold(f) for f in tb.inflected_forms(s.concept, target_lang)]
        near, wrong = [], []
        for t in tgt:
            if t.matched or not (sentence[0] <= t.start < sentence[1]):
                continue
            got = fold(target[t.start:t.end])
            if s.category in _POSTS and t.category in _POSTS and s.concept not in t.concepts \
                    and t.concept not in s.concepts:
                if t.concept in _GENERIC_TITLES and any(_contains(f, got) for f in forms):
                    near.append((abs(t.start - pos(s.start)), t.start, t))  # "el general" for a brigadier general
                else:
                    wrong.append((abs(t.start - pos(s.start)), t.start, t))
                continue
            if len(got) >= 6 and any(_contains(f, got) or _contains(got, f) for f in forms if len(f) >= 6):
                near.append((abs(t.start - pos(s.start)), t.start, t))
        if near:
            _link(s, min(near, key=lambda x: x[:2])[2], "part of a form")
        elif wrong:
            other_rank[id(s)] = sorted(wrong, key=lambda x: x[:2])

    tgt_spans = [(m.start, m.end) for m in tgt_doc.mentions]
    used: list[tuple[int, int]] = []

    def taken(a: int, b: int) -> bool:
        return any(x < b and a < y for x, y in tgt_spans) or any(x < b and a < y for x, y in used)

    missing: list[_Occ] = []
    for s in src:
        if s.matched:
            continue
        sentence = pos.target_sentence(s.span) or (0, len(target))
        here = pos(s.start)
        # 4. An acronym or name kept verbatim although the termbase does not list it there.
        verbatim = []
        for m in s.mentions:
            term = tb.term(m.concept, m.term, m.term_lang)
            if m.category == "person" or (term is not None and term.type in ("acronym", "abbreviation")) \
                    or m.text.isupper():
                for hit in re.finditer(r"(?<!\w)" + re.escape(m.text) + r"(?!\w)", target):
                    if not taken(hit.start(), hit.end()):
                        verbatim.append((hit.start(), hit.end()))
        hit = _near(verbatim, here)
        if hit:
            used.append(hit)
            s.via = "verbatim"
            continue
        # 5. A form of the concept inside a longer name of the same sentence ("U.S. Army
        # North" for "Ejército Norte de EE. UU."), where a match rule kept it out, or with
        # a word or two inserted ("cooperación bilateral en materia de seguridad").
        inside = []
        for form in tb.inflected_forms(s.concept, target_lang):
            words = form.split()
            pattern = re.escape(words[0]) + "".join(r"\s+(?:[^\W\d_]+\s+){0,2}?" + re.escape(w) for w in words[1:])
            for hit in re.finditer(r"(?<!\w)" + pattern + r"(?!\w)", target[:sentence[1]], re.IGNORECASE):
                if hit.start() >= sentence[0] and not any(x < hit.end() and hit.start() < y for x, y in used) \
                        and not any(t.start <= hit.start() and hit.end() <= t.end and t.concept == s.concept
                                    for t in tgt):
                    inside.append((hit.start(), hit.end()))
        hit = _near(inside, here)
        if hit:
            used.append(hit)
            s.via = "inside"
            continue
        # 6. "Mexico's Secretariat of National Defense": the possessive belongs to the name.
        after = re.match(r"[’']s\s+", source[s.end:])
        if after and any(o.start == s.end + after.end() and (o.matched or o.via) for o in src):
            s.via = "possessive"
            continue
        # 7. A one-word term or its adjective in the matching sentence ("fronteriza").
        stems = tb.stems(s.concept, target_lang) if s.category == "other" else []
        if stems:
            words = [(w.start(), w.end()) for w in _WORD_RE.finditer(target, *sentence)
                     if not taken(w.start(), w.end()) and any(fold(w.group()).startswith(st) for st in stems)]
            hit = _near(words, here)
            if hit:
                used.append(hit)
                s.via = "stem"
                continue
        missing.append(s)

    # Then, for what is still missing: the source's words kept (8), or a name spelt differently
    # beyond accents, which the annotator flags itself (9).
    for s in missing:
        m = s.mentions[0]
        sentence = pos.target_sentence(s.span) or (0, len(target))
        forms = tb.forms(s.concept, target_lang)
        term = tb.term(m.concept, m.term, m.term_lang)
        # 8. The source's words left as they are ("Pentagon" in a Spanish text).
        kept = None
        if not any(fold(x.text) in {fold(f) for f in forms} for x in s.mentions):
            for x in s.mentions:
                for hit in re.finditer(r"(?<!\w)" + re.escape(x.text) + r"(?!\w)", target[:sentence[1]], re.IGNORECASE):
                    if hit.start() >= sentence[0] and not taken(hit.start(), hit.end()):
                        kept = (hit.start(), hit.end())
        if kept:
            used.append(kept)
            want = tb.preferred(s.concept, m.term, target_lang, target_locale) or m.suggestion
            findings.append(Finding(
                "untranslated-term",
                f"«{target[kept[0]:kept[1]]}» is left in {_LANG_NAMES.get(source_lang, source_lang)}"
                + (f"; translate it as «{want}»" if want else ""),
                s.concept, s.span, kept, expected=want or None, found=target[kept[0]:kept[1]]))
            continue
        name_like = s.category == "person" or (term is not None and term.type == "acronym" and len(m.text) >= 4) \
            or (len(m.text.split()) >= 2 and m.text[:1].isupper())
        # 9. A one-word proper name ("Guatamala") is looked for in its own sentence only.
        one_word_name = not name_like and m.text[:1].isupper() and len(m.text) >= 6 and " " not in m.text
        near = None
        if one_word_name:
            near = _fuzzy_name(target, [f for f in forms if " " not in f], sentence, taken)
        elif name_like:
            idx = pos.target_sentences.index(sentence) if sentence in pos.target_sentences else None
            window = sentence
            if idx is not None:
                lo = pos.target_sentences[max(0, idx - 1)][0]
                hi = pos.target_sentences[min(len(pos.target_sentences) - 1, idx + 1)][1]
                window = (lo, hi)
            near = _fuzzy_name(target, forms, window, taken)
        if near:
            ts, te, form, _ = near
            used.append((ts, te))
            findings.append(Finding(
                "name-mismatch",
                f"«{target[ts:te]}» is not how the termbase spells it: write «{form}»",
                s.concept, s.span, (ts, te), expected=form, found=target[ts:te]))
            continue
        suggestion = m.suggestion or (forms[0] if forms else "")
        other = next((t for _, _, t in other_rank.get(id(s), ()) if not t.matched and not t.reported), None)
        if other is not None:
            # "Lt. Col." rendered "coronel": another rank where this one should be.
            other.reported = True
            found = target[other.start:other.end]
            findings.append(Finding(
                "wrong-term",
                f"«{m.text}» ({s.concept}) is rendered «{found}», which is another {s.category} "
                f"({other.concept})" + (f"; use «{suggestion}»" if suggestion else ""),
                s.concept, s.span, other.span, expected=suggestion or None, found=found))
            continue
        findings.append(Finding(
            "missing-term",
            f"«{m.text}» ({s.concept}) has no translation in the target"
            + (f"; use «{suggestion}»" if suggestion else ""),
            s.concept, s.span, sentence, expected=suggestion or None))

    # A name matched through a shorter listed form, with misspelt words around it
    # ("Omar Garsía Harfuch" is found as "Harfuch").
    for s in src:
        t = s.matched
        if t is None or s.category != "person" or len(t.mentions) != 1 or "deprecated" in t.mentions[0].flags:
            continue
        near = _misspelt_around(target, t, s.mentions[0], tb, target_lang)
        if near:
            ts, te, form = near
            t.reported = True
            findings.append(Finding(
                "name-mismatch", f"«{target[ts:te]}» is not how the termbase spells it: write «{form}»",
                s.concept, s.span, (ts, te), expected=form, found=target[ts:te]))

    # Target-side problems: each mention at most once, under the most specific kind.
    for t in tgt:
        if t.reported:
            continue
        source_span = t.matched.span if t.matched else None
        # A translated name next to the original one makes the original a gloss; an acronym
        # next to it does not ("la U.S. Customs and Border Protection (CBP)").
        proper = [m for m in t.proper
                  if _role(getattr(tb.term(m.concept, m.term, m.term_lang), "type", "fullForm")) != "abbr"]
        for m in t.mentions:
            flags = m.flags
            if "untranslated" in flags:
                if proper:
                    continue  # a gloss of the translated name right before it
                want = tb.preferred(m.concept, m.term, target_lang, target_locale)
                findings.append(Finding(
                    "untranslated-term",
                    f"«{m.text}» is left in {_LANG_NAMES.get(base_language(m.term_lang), m.term_lang)}"
                    + (f"; translate it as «{want}»" if want else ""),
                    m.concept, source_span, (m.start, m.end), expected=want or None, found=m.text))
            elif "deprecated" in flags:
                if m.category == "person":
                    findings.append(Finding(
                        "name-mismatch", f"«{m.text}» is a misspelling: write «{m.canonical}»",
                        m.concept, source_span, (m.start, m.end), expected=m.canonical, found=m.text))
                    continue
                if t.matched and any(x.status == "deprecated" for x in t.matched.mentions):
                    continue  # the source names the former institution too (a historical reference)
                findings.append(Finding(
                    "deprecated-term", f"«{m.text}» is deprecated; use «{m.canonical}»",
                    m.concept, source_span, (m.start, m.end), expected=m.canonical, found=m.text))
            elif "accent" in flags and (m.category in ("person", "acronym", "institution") or m.text[:1].isupper()):
                # A lowercase word that differs from a common noun only in accents is most
                # often another word ("decomisó", the verb, for "decomiso").
                findings.append(Finding(
                    "name-mismatch", f"«{m.text}» is spelt «{m.canonical}» in the termbase",
                    m.concept, source_span, (m.start, m.end), expected=m.canonical, found=m.text))

    findings += _inconsistency(src_doc, tgt, tb, target_lang)
    return findings


_LANG_NAMES = {"en": "English", "es": "Spanish"}


def _inconsistency(src_doc, tgt: list[_Occ], tb: _Termbase, target_lang: str) -> list[Finding]:
    """One finding per concept written in competing forms in the target."""
    flagged: dict[tuple[str, str], list] = defaultdict(list)
    all_forms: dict[tuple[str, str], list] = defaultdict(list)
    matched_source: dict[int, tuple[int, int] | None] = {}
    for t in tgt:
        for m in t.mentions:
            if "untranslated" in m.flags:
                continue
            term = tb.term(m.concept, m.term, m.term_lang)
            role = _role(term.type if term else "fullForm")
            all_forms[(m.concept, role)].append(m)
            if t.matched:
                matched_source[m.start] = t.matched.span
            if "inconsistent" in m.flags and not {"accent", "deprecated"} & set(m.flags):
                flagged[(m.concept, role)].append(m)
    # Names and their short forms count together: "Northern Command" and "U.S. Northern
    # Command" in the source may become "Comando Norte" and "Comando Norte de Estados Unidos".
    source_terms: dict[tuple[str, str], set[str]] = defaultdict(set)
    for m in src_doc.mentions:
        if "untranslated" in m.flags:
            continue
        term = tb.term(m.concept, m.term, m.term_lang)
        role = _role(term.type if term else "fullForm")
        source_terms[(m.concept, "abbr" if role == "abbr" else "name")].add(m.term)
    out = []
    for key, mentions in flagged.items():
        counts = Counter(m.text for m in all_forms[key] if not {"accent", "deprecated"} & set(m.flags))
        if len(counts) < 2:
            continue
        odd = min(mentions, key=lambda m: (counts[m.text], m.start))
        # A variant spelling of one form ("EE.UU.", "Sedena") is inconsistent whatever the
        # source says. Other competing forms are not when the source varies too, or when the
        # form renders no source term of the concept ("cruce fronterizo" for "border crossing").
        if not _same_letters(odd.text, odd.canonical):
            if len(source_terms.get((key[0], "abbr" if key[1] == "abbr" else "name"), ())) > 1:
                continue
            if odd.start not in matched_source:
                continue
        forms = ", ".join(f"«{f}» ×{n}" for f, n in counts.most_common())
        out.append(Finding(
            "inconsistent-term",
            f"{key[0]} is written in competing forms: {forms}; keep to «{odd.canonical}»",
            key[0], matched_source.get(odd.start), (odd.start, odd.end), expected=odd.canonical, found=odd.text))
    return out


def _same_letters(a: str, b: str) -> bool:
    """True when two spellings differ only in case, accents, spaces and punctuation.

    >>> _same_letters("EE.UU.", "EE. UU."), _same_letters("Sedena", "SEDENA"), _same_letters("EU", "EE. UU.")
    (True, True, False)
    """
    return re.sub(r"[\W_]+", "", fold(a)) == re.sub(r"[\W_]+", "", fold(b))


# =====================================================================================
# Numbers and dates, compared
# =====================================================================================
def _pair_by_distance(src: list, tgt: list, pos: _PositionMap, ok) -> None:
    """Pair source and target tokens that ``ok`` accepts, nearest mapped position first."""
    pairs = []
    for i, s in enumerate(src):
        if s[1] is not None:
            continue
        for j, t in enumerate(tgt):
            if t[1] is None and ok(s[0], t[0]):
                pairs.append((abs(pos(s[0].start) - t[0].start), i, j))
    for _, i, j in sorted(pairs):
        if src[i][1] is None and tgt[j][1] is None:
            src[i][1], tgt[j][1] = j, i


def _culprit(tokens: list, sentence: tuple[int, int] | None, here: int):
    """Return the unpaired target token in the sentence nearest the expected place."""
    if sentence is None:
        return None
    free = [t[0] for t in tokens if t[1] is None and sentence[0] <= t[0].start < sentence[1]
            and not getattr(t[0], "word", False)]
    return min(free, key=lambda t: abs(t.start - here), default=None)


def _number_findings(source: str, target: str, source_lang: str, target_lang: str, target_locale: str | None,
                     pos: _PositionMap, src_skip, tgt_skip, tgt_dates: list[DateToken]) -> list[Finding]:
    src_locales = number_locales(source_lang, None, source)
    tgt_locales = number_locales(target_lang, target_locale, target)
    src = [[n, None] for n in find_numbers(source, source_lang, src_locales, skip=src_skip)]
    tgt = [[n, None] for n in find_numbers(target, target_lang, tgt_locales, words=True, skip=tgt_skip)]
    # Years and days inside the target's dates can render a bare number of the source.
    parts = []
    for d in tgt_dates:
        values = {Decimal(d.year)} if d.year else set()
        values |= {Decimal(day) for _, day in d.points if day}
        parts.append([NumberToken(d.start, d.end, d.text, frozenset(values), "number"), None])

    def same(s: NumberToken, t: NumberToken) -> bool:
        if s.kind == "time" or t.kind == "time":
            return s.accepts(t)
        return bool(s.values & t.values) and (s.unit is None or t.unit is None or s.unit == t.unit)

    _pair_by_distance(src, tgt, pos, same)
    _pair_by_distance(src, tgt, pos, lambda s, t: s.accepts(t))
    _pair_by_distance(src, parts, pos, same)
    out = []
    for s, partner in src:
        if partner is not None:
            continue
        sentence = pos.target_sentence((s.start, s.end))
        culprit = _culprit(tgt, sentence, pos(s.start))
        if culprit is not None:
            tgt[[t[0] for t in tgt].index(culprit)][1] = -1
        expected = _expected_number(s, tgt_locales, target_lang)
        msg = f"«{s.text}» in the source"
        converted = next((f for to, f in _CONVERSIONS.get(s.unit, ()) if culprit and to == culprit.unit), None)
        if culprit is not None and converted and s.values & culprit.values:
            v = float(next(iter(s.values))) * converted
            expected = spell_number(Decimal(round(v)), tgt_locales)[0]
            msg += (f" is in {_UNIT_NAMES.get(s.unit, s.unit)}; the target keeps the number but writes "
                    f"{_UNIT_NAMES.get(culprit.unit, culprit.unit)}: about {expected} once converted")
        else:
            if expected:
                msg += f" is written {expected} in {_locale_label(target_lang, target_locale, tgt_locales)}"
            msg += f"; the target has «{culprit.text}»" if culprit else "; the target does not give it"
        out.append(Finding("number-mismatch", msg, None, (s.start, s.end),
                           (culprit.start, culprit.end) if culprit else sentence,
                           expected=expected or None, found=culprit.text if culprit else None))
    return out


def _locale_label(lang: str, locale: str | None, locales: Sequence[str]) -> str:
    if locale and "-" in locale:
        return locale
    if base_language(lang) == "es":
        return {("es",): "es (Spain style)", ("es_MX",): "es (Mexico style)"}.get(tuple(locales), "es")
    return lang


def _expected_number(s: NumberToken, locales: Sequence[str], lang: str) -> str:
    """Return how the target should write a source number: "3145 or 3.145", "2,5 millones"."""
    if s.kind == "time" or len(s.values) != 1:
        return ""
    v = next(iter(s.values))
    if v < 0:
        return ""
    es = base_language(lang) == "es"
    if s.kind == "ordinal":
        if es:
            return f"{v}.º"
        return f"{v}" + ("th" if 10 <= v % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(int(v) % 10, "th"))
    scale, factor = "", 1
    for name, f in ((" millones", 10**6),) if es else ((" billion", 10**9), (" million", 10**6)):
        if v >= f and (v / f) == round(v / f, 3):
            scale, factor = name, f
            break
    spellings = spell_number((v / factor).normalize() if factor > 1 else v, locales)
    if not re.search(r"[.,\s]\d{3}", s.text):
        # The source writes it without separators (a year, a small number): so first.
        spellings.sort(key=lambda x: bool(re.search(r"\d[.,\s\u00a0\u202f]\d{3}(?!\d)", x)))
    return " or ".join(x + scale for x in spellings)


def _date_findings(src_dates: list[DateToken], tgt_dates: list[DateToken], pos: _PositionMap,
                   target_lang: str) -> list[Finding]:
    src = [[d, None] for d in src_dates]
    tgt = [[d, None] for d in tgt_dates]
    _pair_by_distance(src, tgt, pos, lambda s, t: s.accepts(t))
    out = []
    for s, partner in src:
        if partner is not None:
            continue
        sentence = pos.target_sentence((s.start, s.end))
        culprit = _culprit(tgt, sentence, pos(s.start))
        if culprit is not None:
            tgt[[t[0] for t in tgt].index(culprit)][1] = -1
        expected = format_date(s, target_lang)
        msg = f"«{s.text}» in the source is «{expected}»"
        msg += f"; the target has «{culprit.text}»" if culprit else "; the target does not give it"
        out.append(Finding("date-mismatch", msg, None, (s.start, s.end),
                           (culprit.start, culprit.end) if culprit else sentence,
                           expected=expected, found=culprit.text if culprit else None))
    return out


# =====================================================================================
# The check
# =====================================================================================
def _all_findings(source_text: str, target_text: str, annotator, *, source_lang: str, target_lang: str,
                  target_locale: str | None) -> list[Finding]:
    source_lang, target_lang = base_language(source_lang), base_language(target_lang)
    if source_lang == target_lang:
        raise UsageError(f"the source and the target are both {_LANG_NAMES.get(source_lang, source_lang)}")
    src_doc = annotator.annotate(source_text, lang=source_lang, to=target_locale, file="source")
    tgt_doc = annotator.annotate(target_text, lang=target_lang, file="target")
    tb = _termbase(annotator)
    pos = _PositionMap(source_text, target_text)
    findings = _term_findings(src_doc, tgt_doc, tb, pos, source_text, target_text, source_lang, target_lang,
                              target_locale)
    src_dates = find_dates(source_text, source_lang)
    tgt_dates = find_dates(target_text, target_lang)
    findings += _date_findings(src_dates, tgt_dates, pos, target_lang)
    src_skip = [(d.start, d.end) for d in src_dates] + [(m.start, m.end) for m in src_doc.mentions]
    tgt_skip = [(d.start, d.end) for d in tgt_dates] + [(m.start, m.end) for m in tgt_doc.mentions]
    findings += _number_findings(source_text, target_text, source_lang, target_lang, target_locale, pos,
                                 src_skip, tgt_skip, tgt_dates)
    return sorted(findings, key=lambda f: (f.position, KINDS.index(f.kind)))


_TERMBASES: dict[int, tuple[object, _Termbase]] = {}


def _termbase(annotator) -> _Termbase:
    key = id(annotator.index)
    hit = _TERMBASES.get(key)
    if hit is None or hit[0] is not annotator.index:
        _TERMBASES.clear()
        hit = _TERMBASES[key] = (annotator.index, _Termbase(annotator))
    return hit[1]


def _keep(f: Finding, ignore: Iterable[str], ignore_concepts: Iterable[str]) -> bool:
    return f.kind not in ignore and (f.concept is None or f.concept not in ignore_concepts)


def check(source_text: str, target_text: str, annotator, *, source_lang: str, target_lang: str,
          target_locale: str | None = None, ignore: Iterable[str] = (),
          ignore_concepts: Iterable[str] = ()) -> list[Finding]:
    """Return the findings of a translation against its source, sorted by position.

    ``annotator`` is a :class:`~termbank.annotate.Annotator`; ``target_locale`` (``es-MX``,
    ``es-ES``...) sets the suggestions and the number style expected; ``ignore`` drops kinds
    and ``ignore_concepts`` concepts.
    """
    ignore, ignore_concepts = set(validate_kinds(ignore)), set(ignore_concepts)
    found = _all_findings(source_text, target_text, annotator, source_lang=source_lang,
                          target_lang=target_lang, target_locale=target_locale)
    return [f for f in found if _keep(f, ignore, ignore_concepts)]


def check_report(source_text: str, target_text: str, annotator, *, source_lang: str, target_lang: str,
                 target_locale: str | None = None, ignore: Iterable[str] = (), ignore_concepts: Iterable[str] = (),
                 source_file: str = "source", target_file: str = "target", config: str | None = None) -> CheckReport:
    """Return a :class:`CheckReport`: :func:`check`'s findings, with what was ignored."""
    ignore, ignore_concepts = set(validate_kinds(ignore)), set(ignore_concepts)
    found = _all_findings(source_text, target_text, annotator, source_lang=source_lang,
                          target_lang=target_lang, target_locale=target_locale)
    kept = [f for f in found if _keep(f, ignore, ignore_concepts)]
    return CheckReport(source_file, target_file, base_language(source_lang), base_language(target_lang),
                       target_locale, source_text, target_text, kept, len(found) - len(kept), config)


# =====================================================================================
# Reports for people
# =====================================================================================
_KIND_TITLES = {
    "missing-term": "Missing terms",
    "wrong-term": "Another rank or post in the translation",
    "deprecated-term": "Deprecated terms",
    "untranslated-term": "Untranslated terms",
    "name-mismatch": "Names and acronyms spelt differently",
    "inconsistent-term": "Competing forms in the translation",
    "number-mismatch": "Numbers",
    "date-mismatch": "Dates",
}


def _snippet(text: str, span: tuple[int, int] | None, width: int = 70) -> tuple[str, str, str] | None:
    """Return (before, the span, after) around a span, on one line, cut at word boundaries."""
    if not span:
        return None
    s, e = span
    before = text[max(0, s - width):s]
    after = text[e:e + width]
    if s - width > 0:
        before = "…" + before.split(" ", 1)[-1] if " " in before else "…" + before
    if e + width < len(text):
        after = (after.rsplit(" ", 1)[0] if " " in after else after) + "…"
    one = lambda x: re.sub(r"\s+", " ", x)  # noqa: E731
    return one(before), one(text[s:e]), one(after)


def render_text(report: CheckReport, *, colour: bool = False) -> str:
    """Return the findings grouped by kind, each with the source and target context."""
    on, off = ("\x1b[1;31m", "\x1b[0m") if colour else ("⟦", "⟧")
    head = (f"termbank check: {report.source_file} [{report.source_lang}] → {report.target_file} "
            f"[{report.target_locale or report.target_lang}]: ")
    n = len(report.findings)
    head += "no findings" if not n else f"{n} finding{'s' if n != 1 else ''}"
    if report.ignored:
        head += f" ({report.ignored} ignored)"
    lines = [head]
    by_kind: dict[str, list[Finding]] = defaultdict(list)
    for f in report.findings:
        by_kind[f.kind].append(f)
    for kind in KINDS:
        items = by_kind.get(kind)
        if not items:
            continue
        lines += ["", f"{_KIND_TITLES[kind]} — {kind} ({len(items)})"]
        for f in items:
            lines.append(f"  • {f.message}" + (f"  [{f.concept}]" if f.concept else ""))
            for label, text, span in (("source", report.source_text, f.source_span),
                                      ("target", report.target_text, f.target_span)):
                snip = _snippet(text, span)
                if snip:
                    lines.append(f"      {label} {span[0]}-{span[1]}: {snip[0]}{on}{snip[1]}{off}{snip[2]}")
    return "\n".join(lines) + "\n"


_REPORT_CSS = """
body{font-family:system-ui,sans-serif;max-width:70rem;margin:2rem auto;padding:0 1rem;color:#222;line-height:1.5}
h1{font-size:1.4rem}h2{font-size:1.1rem;margin-top:2rem;border-bottom:1px solid #ddd}
.meta{color:#555}.ok{color:#1d7f4e;font-weight:bold}
table{border-collapse:collapse;width:100%;font-size:.92rem}
td,th{border:1px solid #ddd;padding:.35rem .5rem;vertical-align:top;text-align:left}th{background:#f3f3f3}
mark{background:#ffe08a;padding:0 2px;border-radius:2px}
td.msg{width:32%}.concept{font-family:monospace;color:#555;font-size:.85rem}
"""


def _html_snippet(text: str, span: tuple[int, int] | None) -> str:
    snip = _snippet(text, span)
    if not snip:
        return "<i>—</i>"
    b, m, a = (html.escape(x) for x in snip)
    return f"{b}<mark>{m}</mark>{a}"


def render_html(report: CheckReport, *, title: str = "termbank translation check") -> str:
    """Return a standalone HTML page (no external assets) of the findings, grouped by kind."""
    e = html.escape
    parts = ["<!DOCTYPE html>", '<html lang="en">', "<head>", '<meta charset="utf-8">',
             f"<title>{e(title)}</title>", f"<style>{_REPORT_CSS}</style>", "</head>", "<body>",
             f"<h1>{e(title)}</h1>",
             f'<p class="meta">source: <b>{e(report.source_file)}</b> ({e(report.source_lang)}) · '
             f'target: <b>{e(report.target_file)}</b> ({e(report.target_locale or report.target_lang)})'
             + (f" · {report.ignored} ignored" if report.ignored else "")
             + (f" · settings: {e(report.config)}" if report.config else "") + "</p>"]
    if not report.findings:
        parts.append('<p class="ok">No findings.</p>')
    by_kind: dict[str, list[Finding]] = defaultdict(list)
    for f in report.findings:
        by_kind[f.kind].append(f)
    for kind in KINDS:
        items = by_kind.get(kind)
        if not items:
            continue
        parts.append(f'<section class="kind" data-kind="{kind}"><h2>{e(_KIND_TITLES[kind])} '
                     f"<small>({kind}, {len(items)})</small></h2>")
        parts.append("<table><thead><tr><th>finding</th><th>source</th><th>target</th></tr></thead><tbody>")
        for f in items:
            concept = f'<div class="concept">{e(f.concept)}</div>' if f.concept else ""
            parts.append(f'<tr class="finding"><td class="msg">{e(f.message)}{concept}</td>'
                         f"<td>{_html_snippet(report.source_text, f.source_span)}</td>"
                         f"<td>{_html_snippet(report.target_text, f.target_span)}</td></tr>")
        parts.append("</tbody></table></section>")
    parts += ["</body>", "</html>"]
    return "\n".join(parts) + "\n"
