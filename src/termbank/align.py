"""Sentence alignment of an English article and its Spanish translation.

The model is Gale & Church (1993), "A Program for Aligning Sentences in Bilingual
Corpora", Computational Linguistics 19(1): dynamic programming over character lengths
with beads 1:1, 1:0, 0:1, 2:1, 1:2 and 2:2, each bead costing ``-log P(type)`` plus
``-log P(delta | match)`` where ``delta`` is the normalized length difference. On top of
the lengths, anchors shared by both sides lower a bead's cost (numbers, names and
acronyms, term pairs the termbase knows) and numbers found on one side only raise it.
Confidences are posterior probabilities of each bead given every alignment the model
allows (forward-backward over the same lattice), so they say how much better the bead
is than its alternatives.

>>> beads = align(["Hello there.", "The fleet sailed on May 5."],
...               ["Hola.", "La flota zarpó el 5 de mayo."])
>>> [(b.en, b.es) for b in beads]
[([0], [0]), ([1], [1])]
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache

from .segment import _rules_data

__all__ = ["Bead", "align", "extract_numbers", "extract_names", "term_key"]

# Gale & Church (1993), section 4 and the program in their appendix: the prior of each
# bead type (their penalties are -100 log(P(type) / P(1:1))) and the variance of the
# length difference per character (s2 = 6.8).
PRIORS: dict[tuple[int, int], float] = {
    (1, 1): 0.89,
    (1, 0): 0.0099,
    (0, 1): 0.0099,
    (2, 1): 0.089,
    (1, 2): 0.089,
    (2, 2): 0.011,
}
VARIANCE = 6.8
# Spanish characters per English character in translated prose, and how many
# characters of evidence that expectation is worth against a document's own ratio.
EXPECTED_RATIO = 1.15
RATIO_WEIGHT = 2000

# Gale & Church score a deleted sentence with the same length model as a match, which
# makes dropping a long photo caption cost more than wrongly gluing it to a neighbour.
# Given that a sentence has no translation, its length says little, so a 1:0 bead pays
# its prior plus a small amount per character.
DELETION_PER_CHAR = 0.01
# Anchor weights in nats (the unit of the costs above).
NUMBER_BONUS = 2.0
NAME_BONUS = 1.5
TERM_BONUS = 1.0
NUMBER_MISMATCH = 0.75
# A bead whose sentences on one side come from two paragraphs, and a bead that opens
# (or closes) a paragraph on one side only: translators keep paragraphs, and Gale &
# Church aligned paragraphs before sentences.
PARAGRAPH_PENALTY = 4.0
PARAGRAPH_MISMATCH = 2.0
# An unmatched sentence is never more than an even bet (the translator may have
# dropped it, or the aligner may have missed a merge), and is never a pair to store.
EMPTY_SIDE_FACTOR = 0.5
# A pair whose large numbers disagree (a year, a quantity on one side only) may be the
# best the lattice has, even by far, yet it is no sure translation: never above an even
# bet, so it is not stored unless asked for (``tm align --all``). Small numbers are left
# out: "the two armies" is often "ambos ejércitos", "5th" may be "V".
NUMBER_MISMATCH_FACTOR = 0.5
LARGE_NUMBER = 100

_NUMBER = re.compile(r"(?<![\w.,])(\d{1,3}(?:[ \u00a0\u202f\u2009]\d{3})+(?!\d)|\d+(?:[.,]\d+)*)")
_MULTIPLIERS = {
    "en": re.compile(r"\s+(thousand|million|billion|trillion)s?\b", re.IGNORECASE),
    "es": re.compile(r"\s+(mil\s+millones|millones|millón|millon|billones|billón|mil)\b", re.IGNORECASE),
}
_MULTIPLIER_VALUES = {
    "thousand": 10**3, "million": 10**6, "billion": 10**9, "trillion": 10**12,
    "mil": 10**3, "millones": 10**6, "millón": 10**6, "millon": 10**6,
    "mil millones": 10**9, "billones": 10**12, "billón": 10**12,
}
_NUMBER_WORDS = {
    "en": {"two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8,
           "nine": 9, "ten": 10, "eleven": 11, "twelve": 12},
    "es": {"dos": 2, "tres": 3, "cuatro": 4, "cinco": 5, "seis": 6, "siete": 7, "ocho": 8,
           "nueve": 9, "diez": 10, "once": 11, "doce": 12},
}
_WORD = re.compile(r"[^\W\d_][\w'’]*")
_COMBINING = re.compile(r"[\u0300-\u036f]")


@dataclass(frozen=True, slots=True)
class Bead:
    """Sentences of each side that translate each other (indices, in document order)."""

    en: list[int]
    es: list[int]
    confidence: float

    @property
    def kind(self) -> str:
        """The bead type, ``"1:1"``, ``"2:1"``, ``"1:0"``...

        >>> Bead([3, 4], [2], 0.9).kind
        '2:1'
        """
        return f"{len(self.en)}:{len(self.es)}"


def _fold(text: str) -> str:
    return _COMBINING.sub("", unicodedata.normalize("NFD", text)).casefold()


def term_key(text: str) -> str:
    """Return the form used to find a term in a sentence: folded, punctuation as spaces.

    >>> term_key("Tte. Gral."), term_key("EE. UU.")
    ('tte gral', 'ee uu')
    """
    return " ".join(re.sub(r"[\W_]+", " ", _fold(text)).split())


def _number_value(token: str) -> float:
    """Return the value of a number as written in English or Spanish text."""
    groups = re.split(r"[.,\u00a0\u202f\u2009 ]", token)
    if len(groups) == 2 and len(groups[1]) != 3:
        return float(f"{groups[0]}.{groups[1]}")  # a decimal: 2.5, 3,4
    return float("".join(groups))


def extract_numbers(text: str, lang: str = "en") -> frozenset[str]:
    """Return the numbers of a sentence as digit strings, whatever the separators.

    Thousands separators and decimal marks are dropped ("3,145", "3.145" and "3 145"
    are all "3145"); "2.3 million" and "2,3 millones" become "2300000"; small numbers
    written as words count too.

    >>> sorted(extract_numbers("More than 10,000 troops and 2.3 million pills in two days"))
    ['10000', '2', '2300000']
    >>> sorted(extract_numbers("Más de 10 000 elementos y 15,000 millones de pesos", "es"))
    ['10000', '15000000000']
    """
    found: set[str] = set()
    multipliers = _MULTIPLIERS.get(lang)
    for m in _NUMBER.finditer(text):
        token = m.group(1)
        mult = multipliers.match(text, m.end()) if multipliers else None
        if mult:
            factor = _MULTIPLIER_VALUES[" ".join(mult.group(1).lower().split())]
            found.add(str(round(_number_value(token) * factor)))
        else:
            found.add(re.sub(r"\D", "", token))
    words = _NUMBER_WORDS.get(lang, {})
    for w in _WORD.findall(text):
        value = words.get(w.lower())
        if value is not None:
            found.add(str(value))
    return frozenset(found)


@lru_cache(maxsize=1)
def _common_words() -> frozenset[str]:
    """Capitalized words that open sentences in either language: never name anchors."""
    langs = _rules_data().get("lang", {})
    return frozenset(_fold(w) for section in langs.values() for w in section.get("sentence_starters", []))


def extract_names(text: str) -> frozenset[str]:
    """Return the capitalized words and acronyms of a sentence, folded.

    >>> sorted(extract_names("The SEMAR sent Vice Adm. Ortiz to Mazatlán."))
    ['adm', 'mazatlan', 'ortiz', 'semar', 'vice']
    """
    common = _common_words()
    names = set()
    for w in _WORD.findall(text):
        if len(w) >= 2 and w[0].isupper():
            f = _fold(w)
            if f not in common:
                names.add(f)
    return frozenset(names)


def _terms_in(text: str, keys: Iterable[str]) -> frozenset[str]:
    padded = f" {term_key(text)} "
    return frozenset(k for k in keys if f" {k} " in padded)


def _neg_log_two_tail(z: float) -> float:
    """Return -log P(|Z| >= z) for a standard normal Z (Gale & Church's pd)."""
    x = abs(z) / math.sqrt(2.0)
    p = math.erfc(x)
    if p > 1e-300:
        return -math.log(p)
    # Asymptotic expansion of erfc for large x.
    return x * x + math.log(x * math.sqrt(math.pi))


def _text(sentence: object) -> str:
    return sentence if isinstance(sentence, str) else getattr(sentence, "text")


class _Side:
    """Features of one side, for runs of one and two sentences (a bead's side)."""

    def __init__(self, sentences: Sequence[object], lang: str, paragraphs: Sequence[int] | None):
        self.texts = [_text(s) for s in sentences]
        self.n = len(self.texts)
        self.lengths = [len(t) for t in self.texts]
        self.numbers = [extract_numbers(t, lang) for t in self.texts]
        self.names = [extract_names(t) for t in self.texts]
        self.terms: list[frozenset[str]] = [frozenset()] * self.n
        self.paragraphs = list(paragraphs) if paragraphs is not None else None
        if self.paragraphs is not None and len(self.paragraphs) != self.n:
            raise ValueError("one paragraph number per sentence is needed")

    def finish(self) -> None:
        """Precompute the features of every run of two sentences."""
        self.numbers2 = [self.numbers[i] | self.numbers[i + 1] for i in range(self.n - 1)]
        self.names2 = [self.names[i] | self.names[i + 1] for i in range(self.n - 1)]
        self.terms2 = [self.terms[i] | self.terms[i + 1] for i in range(self.n - 1)]
        p = self.paragraphs
        if p is None:
            self.opens = self.closes = self.crosses = None
        else:
            self.opens = [i == 0 or p[i - 1] != p[i] for i in range(self.n)]
            self.closes = [i == self.n - 1 or p[i + 1] != p[i] for i in range(self.n)]
            self.crosses = [p[i] != p[i + 1] for i in range(self.n - 1)]

    def features(self, i0: int, k: int) -> tuple[int, frozenset[str], frozenset[str], frozenset[str]]:
        """Return length, numbers, names and terms of sentences ``i0 .. i0+k-1``."""
        if k == 1:
            return self.lengths[i0], self.numbers[i0], self.names[i0], self.terms[i0]
        return (self.lengths[i0] + self.lengths[i0 + 1], self.numbers2[i0], self.names2[i0], self.terms2[i0])


class _Model:
    def __init__(self, en: _Side, es: _Side, anchors: object):
        self.en, self.es = en, es
        total_en, total_es = sum(en.lengths), sum(es.lengths)
        # Expected Spanish characters per English character (Gale & Church's c, which is
        # 1 for their language pairs; Spanish runs longer): the document's own ratio,
        # pulled towards the usual ratio when the document is short.
        self.c = (total_es + EXPECTED_RATIO * RATIO_WEIGHT) / (total_en + RATIO_WEIGHT)
        self.c = min(1.6, max(0.7, self.c))
        self.term_fn: Callable[[str, str], float] | None = None
        self.pairs: dict[str, set[str]] = {}
        if callable(anchors):
            self.term_fn = anchors
        elif anchors is not None:
            for en_key, es_key in anchors:
                ek, sk = term_key(en_key), term_key(es_key)
                if ek and sk:
                    self.pairs.setdefault(ek, set()).add(sk)
            es_keys = {k for ks in self.pairs.values() for k in ks}
            en.terms = [_terms_in(t, self.pairs) for t in en.texts]
            es.terms = [_terms_in(t, es_keys) for t in es.texts]
        en.finish()
        es.finish()
        self.use_paragraphs = en.paragraphs is not None and es.paragraphs is not None
        self.priors = {move: -math.log(p) for move, p in PRIORS.items()}

    def length_cost(self, l1: int, l2: int) -> float:
        if l1 == 0 or l2 == 0:
            return DELETION_PER_CHAR * (l1 + l2)
        mean = (l1 + l2 / self.c) / 2.0
        z = (self.c * l1 - l2) / math.sqrt(VARIANCE * mean)
        return _neg_log_two_tail(z)

    def cost(self, i0: int, di: int, j0: int, dj: int) -> float:
        """Return the cost of the bead of en[i0:i0+di] and es[j0:j0+dj]."""
        en, es = self.en, self.es
        value = self.priors[(di, dj)]
        if di == 0:
            return value + DELETION_PER_CHAR * es.features(j0, dj)[0]
        if dj == 0:
            return value + DELETION_PER_CHAR * en.features(i0, di)[0]
        l1, n1, a1, t1 = en.features(i0, di)
        l2, n2, a2, t2 = es.features(j0, dj)
        value += self.length_cost(l1, l2)
        if n1 or n2:
            shared = len(n1 & n2)
            value += NUMBER_MISMATCH * (len(n1) + len(n2) - 2 * shared) - NUMBER_BONUS * shared
        if a1 and a2:
            value -= NAME_BONUS * len(a1 & a2)
        if self.term_fn is not None:
            value -= TERM_BONUS * float(self.term_fn(" ".join(en.texts[i0 : i0 + di]), " ".join(es.texts[j0 : j0 + dj])))
        elif t1 and t2:
            value -= TERM_BONUS * sum(1 for ek in t1 for sk in self.pairs[ek] if sk in t2)
        if self.use_paragraphs:
            if (di == 2 and en.crosses[i0]) or (dj == 2 and es.crosses[j0]):
                value += PARAGRAPH_PENALTY
            value += PARAGRAPH_MISMATCH * (
                (en.opens[i0] != es.opens[j0]) + (en.closes[i0 + di - 1] != es.closes[j0 + dj - 1])
            )
        return value


def _large(numbers: frozenset[str]) -> set[str]:
    """Return the numbers of at least LARGE_NUMBER (see NUMBER_MISMATCH_FACTOR)."""
    return {x for x in numbers if float(x) >= LARGE_NUMBER}


def _band(n: int, m: int) -> list[tuple[int, int]]:
    """Return, for each i in 0..n, the range of j the lattice explores."""
    if n * m <= 250_000 or n == 0 or m == 0:
        return [(0, m)] * (n + 1)
    width = max(60, abs(n - m) + 30, max(n, m) // 10)
    out = []
    for i in range(n + 1):
        centre = i * m / n
        out.append((max(0, int(centre - width)), min(m, int(centre + width) + 1)))
    return out


def _logaddexp(a: float, b: float) -> float:
    if a < b:
        a, b = b, a
    if b == -math.inf:
        return a
    return a + math.log1p(math.exp(b - a))


def align(
    en_sentences: Sequence[object],
    es_sentences: Sequence[object],
    anchors: Callable[[str, str], float] | Iterable[tuple[str, str]] | None = None,
    *,
    en_paragraphs: Sequence[int] | None = None,
    es_paragraphs: Sequence[int] | None = None,
) -> list[Bead]:
    """Return the beads aligning two sentence lists; every sentence is in exactly one bead.

    Sentences are strings or objects with a ``text`` attribute (segment spans).
    ``anchors`` tells the aligner which terms translate each other: either a set of
    ``(english, spanish)`` term pairs (matched case- and accent-insensitively on whole
    words) or a function returning how many term pairs two texts share. Numbers and
    names are always used. ``en_paragraphs``/``es_paragraphs`` give each sentence's
    paragraph number (see :func:`termbank.segment.paragraph_numbers`); beads then avoid
    joining sentences of different paragraphs.

    >>> [b.kind for b in align(["One.", "Two sentences here."], ["Una y dos frases aquí."])]
    ['2:1']
    >>> align([], ["Solo."])[0].kind
    '0:1'
    """
    en = _Side(en_sentences, "en", en_paragraphs)
    es = _Side(es_sentences, "es", es_paragraphs)
    n, m = en.n, es.n
    if n == 0 and m == 0:
        return []
    model = _Model(en, es, anchors)
    band = _band(n, m)
    moves = list(PRIORS)

    # One pass computes the Viterbi path (minimum cost) and the forward sums
    # (log of the summed exp(-cost) of every path reaching a cell); the edges are kept
    # for the backward sums, so each bead's cost is computed once.
    best: dict[tuple[int, int], float] = {(0, 0): 0.0}
    back: dict[tuple[int, int], tuple[int, int, float]] = {}
    fwd: dict[tuple[int, int], float] = {(0, 0): 0.0}
    edges: list[tuple[int, int, int, int, float]] = []
    for i in range(n + 1):
        lo, hi = band[i]
        for j in range(lo, hi + 1):
            if i == 0 and j == 0:
                continue
            b_val, b_from, f_val = math.inf, None, -math.inf
            for di, dj in moves:
                pi, pj = i - di, j - dj
                prev = best.get((pi, pj))
                if prev is None or pi < 0 or pj < 0:
                    continue
                c = model.cost(pi, di, pj, dj)
                if prev + c < b_val:
                    b_val, b_from = prev + c, (pi, pj, c)
                f_val = _logaddexp(f_val, fwd[(pi, pj)] - c)
                edges.append((pi, pj, i, j, c))
            if b_from is not None:
                best[(i, j)], back[(i, j)], fwd[(i, j)] = b_val, b_from, f_val
    if (n, m) not in best:  # cannot happen: 1:0 and 0:1 moves stay inside the band
        raise RuntimeError("alignment lattice does not reach the end")

    # Edges were recorded in increasing order of their end cell, so walking them
    # backwards visits every cell after all the cells it leads to.
    bwd: dict[tuple[int, int], float] = {(n, m): 0.0}
    for pi, pj, i, j, c in reversed(edges):
        after = bwd.get((i, j))
        if after is not None:
            bwd[(pi, pj)] = _logaddexp(bwd.get((pi, pj), -math.inf), after - c)

    total = fwd[(n, m)]
    path = []
    cell = (n, m)
    while cell != (0, 0):
        pi, pj, c = back[cell]
        path.append((pi, pj, cell[0], cell[1], c))
        cell = (pi, pj)
    path.reverse()
    beads = []
    for i0, j0, i1, j1, c in path:
        post = math.exp(min(0.0, fwd[(i0, j0)] - c + bwd.get((i1, j1), -math.inf) - total))
        if i0 == i1 or j0 == j1:
            post *= EMPTY_SIDE_FACTOR
        elif _large(en.features(i0, i1 - i0)[1]) != _large(es.features(j0, j1 - j0)[1]):
            post = min(post, NUMBER_MISMATCH_FACTOR)
        beads.append(Bead(list(range(i0, i1)), list(range(j0, j1)), round(post, 4)))
    return beads
