"""Translation-memory matching: fuzzy match scores, differences, a search index, concordance.

Scores have the meaning translators know from CAT tools: the share of words that need
no editing. ``score`` is a word-level Levenshtein distance turned into 0-100 (one word
changed in a 20-word sentence scores 95), minus small penalties for differences that
do not change the words: numbers, punctuation, case, accents, white space. Only an
identical text scores 100.

:class:`TMIndex` finds candidates through an inverted index of folded words (never by
reading every unit) and reranks them with :func:`score`; it can be saved to and loaded
from a file so that a command does not rebuild it.

>>> score("The fleet sailed on May 5.", "The fleet sailed on May 5.")
100.0
>>> score("The fleet sailed on May 5.", "The fleet sailed on May 6.")
99.0
"""

from __future__ import annotations

import json
import os
import re
import sys
import unicodedata
from array import array
from bisect import bisect_left
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, NamedTuple

from rapidfuzz.distance import Levenshtein

from .errors import FormatError

__all__ = [
    "score",
    "diff",
    "format_diff",
    "fold",
    "find_phrase",
    "highlight",
    "concordance",
    "ConcordanceHit",
    "Hit",
    "TMIndex",
    "NUMBER_PENALTY",
    "PUNCTUATION_PENALTY",
    "CASE_PENALTY",
    "ACCENT_PENALTY",
    "MAX_INEXACT",
]

# Penalties, in score points, for differences that leave the words alone. A number
# differs: the translation needs the number changed, nothing else (up to 3 numbers).
NUMBER_PENALTY = 1.0
NUMBER_PENALTY_MAX = 3.0
# A punctuation mark added, removed or changed (up to 2).
PUNCTUATION_PENALTY = 1.0
PUNCTUATION_PENALTY_MAX = 2.0
# Any difference of letter case; any difference of accents alone ("ejercito").
CASE_PENALTY = 1.0
ACCENT_PENALTY = 1.0
# The best score of a text that is not identical (white space, quote styles...).
MAX_INEXACT = 99.0

# Tokens for scoring: numbers with their separators ("3,145", "2.5", "15 000"), words,
# single punctuation marks. White space is not a token.
_NUMBER_RE = r"\d{1,3}(?:[\u00a0\u202f\u2009 ]\d{3})+(?!\d)|\d+(?:[.,]\d+)*"
_SCORE_TOKEN = re.compile(rf"{_NUMBER_RE}|\w+|[^\w\s]")
# Tokens for differences: the same, plus runs of white space, so that they cover the text.
_DIFF_TOKEN = re.compile(rf"\s+|{_NUMBER_RE}|\w+|[^\w\s]")
_COMBINING = re.compile(r"[\u0300-\u036f]")
_DIGIT_GROUP = re.compile(r"(?<=\d)[.,\u00a0\u202f\u2009](?=\d)")
_INDEX_WORD = re.compile(r"\w+")
# Candidates (times the number asked for) recounted with the common words a search skips.
_TIE_POOL = 5


def _strip_accents(text: str) -> str:
    return unicodedata.normalize("NFC", _COMBINING.sub("", unicodedata.normalize("NFD", text)))


def fold(text: str) -> str:
    """Return the search form of a text: case-folded, accents removed, digit groups joined.

    >>> fold("Ejército: 3,145 km")
    'ejercito: 3145 km'
    """
    return _DIGIT_GROUP.sub("", _strip_accents(text).casefold())


class _Analysis(NamedTuple):
    folded: list[str]  # words casefolded and without accents; numbers as "#"
    cased: list[str]  # words without accents, case kept; numbers as "#"
    accented: list[str]  # words casefolded, accents kept; numbers as "#"
    numbers: list[str]
    punctuation: list[str]


def _analyze(text: str) -> _Analysis:
    folded, cased, accented, numbers, punctuation = [], [], [], [], []
    for tok in _SCORE_TOKEN.findall(text):
        if tok[0].isdigit():
            numbers.append(tok)
            folded.append("#")
            cased.append("#")
            accented.append("#")
        elif tok[0].isalnum() or tok[0] == "_":
            plain = _strip_accents(tok)
            folded.append(plain.casefold())
            cased.append(plain)
            accented.append(tok.casefold())
        else:
            punctuation.append(tok)
    return _Analysis(folded, cased, accented, numbers, punctuation)


def score(query: str, candidate: str) -> float:
    """Return the fuzzy match score of ``candidate`` for ``query``, 0-100.

    The base is ``100 * (1 - d / n)``: ``d`` is the word-level edit distance (words
    case-folded, accents removed, any number equal to any number) and ``n`` the word
    count of the longer text. Then, for differences that keep the words, subtract
    1 point per differing number (at most 3), 1 per punctuation edit (at most 2),
    1 for case and 1 for accents. A text that is not identical scores at most 99.

    >>> q = "Mexican and U.S. forces trained together in the Gulf of Mexico during ten days last May"
    >>> score(q, q.replace("trained", "sailed"))
    94.12
    >>> score("Gen. Guillot spoke.", "gen. guillot spoke.")
    99.0
    >>> score("Se reunieron 120 oficiales.", "Se reunieron 150 oficiales")
    98.0
    """
    if query == candidate:
        return 100.0
    q, c = _analyze(query), _analyze(candidate)
    n = max(len(q.folded), len(c.folded))
    if n == 0:
        # Nothing but punctuation and white space on both sides.
        d = Levenshtein.distance(q.punctuation, c.punctuation)
        m = max(len(q.punctuation), len(c.punctuation)) or 1
        return round(min(MAX_INEXACT, 100.0 * (1 - d / m)), 2)
    d = Levenshtein.distance(q.folded, c.folded)
    value = 100.0 * (1.0 - d / n)
    if q.numbers != c.numbers:
        value -= min(NUMBER_PENALTY_MAX, NUMBER_PENALTY * Levenshtein.distance(q.numbers, c.numbers))
    if q.punctuation != c.punctuation:
        edits = Levenshtein.distance(q.punctuation, c.punctuation)
        value -= min(PUNCTUATION_PENALTY_MAX, PUNCTUATION_PENALTY * edits)
    if q.cased != c.cased and Levenshtein.distance(q.cased, c.cased) > d:
        value -= CASE_PENALTY
    if q.accented != c.accented and Levenshtein.distance(q.accented, c.accented) > d:
        value -= ACCENT_PENALTY
    return round(max(0.0, min(MAX_INEXACT, value)), 2)


def diff(query: str, candidate: str) -> list[tuple[str, str]]:
    """Return the differences between two texts as ``(op, text)`` pieces, word by word.

    ``op`` is ``"equal"``, ``"delete"`` (only in ``query``) or ``"insert"`` (only in
    ``candidate``): the equal and deleted pieces rebuild the query, the equal and
    inserted ones the candidate.

    >>> diff("The fleet sailed on May 5.", "The fleet left on May 6.")
    [('equal', 'The fleet '), ('delete', 'sailed'), ('insert', 'left'), ('equal', ' on May '), ('delete', '5'), ('insert', '6'), ('equal', '.')]
    """
    a = _DIFF_TOKEN.findall(query)
    b = _DIFF_TOKEN.findall(candidate)
    out: list[tuple[str, str]] = []

    def emit(op: str, text: str) -> None:
        if not text:
            return
        if out and out[-1][0] == op:
            out[-1] = (op, out[-1][1] + text)
        else:
            out.append((op, text))

    for op in Levenshtein.opcodes(a, b):
        if op.tag == "equal":
            emit("equal", "".join(a[op.src_start : op.src_end]))
        else:
            emit("delete", "".join(a[op.src_start : op.src_end]))
            emit("insert", "".join(b[op.dest_start : op.dest_end]))
    return out


def format_diff(pieces: Iterable[tuple[str, str]]) -> str:
    """Return a plain-text rendering of :func:`diff`: ``[-removed-]{+added+}`` (wdiff style).

    >>> format_diff(diff("The fleet sailed.", "The fleet left."))
    'The fleet [-sailed-]{+left+}.'
    """
    marks = {"equal": ("", ""), "delete": ("[-", "-]"), "insert": ("{+", "+}")}
    return "".join(f"{marks[op][0]}{text}{marks[op][1]}" for op, text in pieces)


# ---------------------------------------------------------------------------
# Concordance


def _phrase_pattern(phrase: str) -> re.Pattern[str] | None:
    """Return a pattern finding ``phrase`` in folded text, or None for an empty phrase.

    Words must match whole words; white space next to punctuation is optional, so
    "EE. UU." also finds "EE.UU.".
    """
    tokens = re.findall(r"\w+|[^\w\s]", fold(phrase))
    if not tokens:
        return None
    parts = []
    for i, tok in enumerate(tokens):
        if i:
            prev_word = tokens[i - 1][0].isalnum() or tokens[i - 1][0] == "_"
            this_word = tok[0].isalnum() or tok[0] == "_"
            parts.append(r"\s+" if prev_word and this_word else r"\s*")
        parts.append(re.escape(tok))
    body = "".join(parts)
    if re.match(r"\w", tokens[0]):
        body = r"(?<!\w)" + body
    if re.match(r"\w", tokens[-1]):
        body += r"(?!\w)"
    return re.compile(body)


def _folded_with_map(text: str) -> tuple[str, list[int]]:
    """Return ``fold(text)`` character by character, with each character's source offset.

    Digit groups are not joined here, so that offsets stay exact.
    """
    chars: list[str] = []
    where: list[int] = []
    for i, ch in enumerate(text):
        f = _COMBINING.sub("", unicodedata.normalize("NFD", ch)).casefold() if not ch.isascii() else ch.lower()
        for c in f:
            chars.append(c)
            where.append(i)
    return "".join(chars), where


def find_phrase(text: str, phrase: str) -> list[tuple[int, int]]:
    """Return the (start, end) offsets in ``text`` of every occurrence of ``phrase``.

    Case and accents are ignored; words match whole words.

    >>> find_phrase("El Ejército y la SEDENA; el ejercito.", "ejército")
    [(3, 11), (28, 36)]
    >>> find_phrase("Tropas de EE.UU. y de EE. UU.", "ee. uu.")
    [(10, 16), (22, 29)]
    """
    pattern = _phrase_pattern(phrase)
    if pattern is None:
        return []
    folded, where = _folded_with_map(text)
    spans = []
    for m in pattern.finditer(folded):
        if m.end() > m.start():
            spans.append((where[m.start()], where[m.end() - 1] + 1))
    return spans


def highlight(text: str, spans: Iterable[tuple[int, int]], before: str = "[", after: str = "]") -> str:
    """Return ``text`` with each span wrapped in markers.

    >>> highlight("Gral. Trevilla", [(0, 5)])
    '[Gral.] Trevilla'
    """
    out, last = [], 0
    for start, end in sorted(spans):
        out.append(text[last:start])
        out.append(f"{before}{text[start:end]}{after}")
        last = end
    out.append(text[last:])
    return "".join(out)


@dataclass(frozen=True, slots=True)
class ConcordanceHit:
    """A unit containing the phrase: which text of it (``field``) and where."""

    unit: Any
    field: str  # "source", "target", or "text" for a plain string
    spans: tuple[tuple[int, int], ...]


def concordance(units: Iterable[Any], phrase: str) -> list[ConcordanceHit]:
    """Return the units containing ``phrase`` (case- and accent-insensitive), in input order.

    A unit is a string or an object with ``source`` and ``target`` texts (a
    :class:`termbank.model.TMUnit`); both texts are searched, so one call serves both
    directions.

    >>> hits = concordance(["La Sedena y la SEMAR.", "Nada."], "sedena")
    >>> [(h.unit, h.field, h.spans) for h in hits]
    [('La Sedena y la SEMAR.', 'text', ((3, 9),))]
    """
    if _phrase_pattern(phrase) is None:
        return []
    hits = []
    for unit in units:
        fields = [("text", unit)] if isinstance(unit, str) else [
            ("source", getattr(unit, "source", "") or ""),
            ("target", getattr(unit, "target", "") or ""),
        ]
        for name, text in fields:
            spans = find_phrase(text, phrase)
            if spans:
                hits.append(ConcordanceHit(unit, name, tuple(spans)))
    return hits


# ---------------------------------------------------------------------------
# Index


class Hit(NamedTuple):
    """A search result: the unit id given to :meth:`TMIndex.add` and its score."""

    id: Any
    score: float


def _index_words(text: str) -> list[str]:
    return _INDEX_WORD.findall(fold(text))


_MAGIC = b"TBTMIDX\x01"


class TMIndex:
    """An inverted index of translation-unit sources for fuzzy search.

    Each unit's source is folded (:func:`fold`) and split into words; every word gets
    an integer id, and every word id a posting list (an ``array('I')`` of internal unit
    numbers). A search counts, for the query's rarest words first, how many words each
    unit shares with the query, keeps the ``candidates`` units sharing the most, and
    reranks them with :func:`score`. Very common words are skipped once
    ``max_postings`` postings have been read, so a search never walks every unit.
    Sources are kept as one UTF-8 buffer, not one string per unit.

    >>> idx = TMIndex()
    >>> idx.add(1, "The ships sailed from Veracruz on Monday.")
    >>> idx.add(2, "The aircraft landed in Acapulco.")
    >>> idx.search("The ships sailed from Tampico on Monday.")
    [Hit(id=1, score=85.71)]
    """

    def __init__(self, *, candidates: int = 100, max_postings: int = 200_000):
        self.candidates = candidates
        self.max_postings = max_postings
        self.meta: dict[str, Any] = {}
        self._vocab: dict[str, int] = {}
        self._base_off = array("Q", [0])  # postings of word w: _base_post[off[w]:off[w+1]]
        self._base_post = array("I")
        self._delta: dict[int, array] = {}  # postings added since the last load or save
        self._ids: list[Any] = []
        self._src = bytearray()
        self._src_off = array("Q", [0])
        self._nwords = array("H")
        self._dead = bytearray()
        self._live = 0
        self._positions: dict[Any, list[int]] | None = None

    def __len__(self) -> int:
        """Return the number of live units."""
        return self._live

    # -- building -----------------------------------------------------------

    def add(self, id: Any, source: str) -> None:
        """Index one unit; ``id`` is returned by searches (an int or a str)."""
        pos = len(self._ids)
        if pos >= 0xFFFFFFFF:
            raise OverflowError("TMIndex holds at most 2**32 - 1 units")
        words = _index_words(source)
        for word in set(words):
            wid = self._vocab.get(word)
            if wid is None:
                wid = self._vocab[word] = len(self._vocab)
            postings = self._delta.get(wid)
            if postings is None:
                postings = self._delta[wid] = array("I")
            postings.append(pos)
        self._ids.append(id)
        data = source.encode("utf-8")
        self._src += data
        self._src_off.append(len(self._src))
        self._nwords.append(min(len(words), 0xFFFF))
        self._dead.append(0)
        self._live += 1
        if self._positions is not None:
            self._positions.setdefault(id, []).append(pos)

    def add_many(self, units: Iterable[tuple[Any, str]]) -> None:
        """Index ``(id, source)`` pairs."""
        for id, source in units:
            self.add(id, source)

    def remove(self, id: Any) -> int:
        """Forget every unit added with ``id``; return how many were removed."""
        if self._positions is None:
            self._positions = {}
            for pos, uid in enumerate(self._ids):
                self._positions.setdefault(uid, []).append(pos)
        removed = 0
        for pos in self._positions.pop(id, []):
            if not self._dead[pos]:
                self._dead[pos] = 1
                self._live -= 1
                removed += 1
        return removed

    # -- reading ------------------------------------------------------------

    def source(self, pos: int) -> str:
        """Return the source text of the unit at internal position ``pos``."""
        return self._src[self._src_off[pos] : self._src_off[pos + 1]].decode("utf-8")

    def _df(self, wid: int) -> int:
        n = 0
        if wid + 1 < len(self._base_off):
            n = self._base_off[wid + 1] - self._base_off[wid]
        delta = self._delta.get(wid)
        return n + (len(delta) if delta is not None else 0)

    def _postings(self, wid: int) -> Iterator[Iterable[int]]:
        if wid + 1 < len(self._base_off):
            a, b = self._base_off[wid], self._base_off[wid + 1]
            if b > a:
                yield memoryview(self._base_post)[a:b]
        delta = self._delta.get(wid)
        if delta is not None:
            yield delta

    def candidates_for(self, query: str, limit: int | None = None) -> list[int]:
        """Return internal positions of the units sharing the most words with ``query``."""
        limit = limit or self.candidates
        wids = {self._vocab[w] for w in _index_words(query) if w in self._vocab}
        ranked = sorted((self._df(w), w) for w in wids)
        counts: Counter[int] = Counter()
        read = 0
        skipped: list[int] = []
        for df, wid in ranked:
            # Rarest words first; stop before a word would exceed the budget (but always
            # read at least one word).
            if read and read + df > self.max_postings:
                skipped = [w for _, w in ranked[ranked.index((df, wid)):]]
                break
            for postings in self._postings(wid):
                counts.update(postings)
            read += df
        dead = self._dead
        if skipped and len(counts) > limit:
            # Units tie on the few rare words read (a name shared with a hundred others):
            # among the most promising, count the common words skipped too, found by
            # binary search in their sorted postings (issue 8: the best unit fell outside
            # the candidates for 4 of 173 queries over 1M units).
            pool = [pos for pos, _ in counts.most_common(limit * _TIE_POOL)]
            lists = [p for wid in skipped for p in self._postings(wid)]
            for pos in pool:
                for plist in lists:
                    i = bisect_left(plist, pos)
                    if i < len(plist) and plist[i] == pos:
                        counts[pos] += 1
            pool.sort(key=counts.__getitem__, reverse=True)
            best = [pos for pos in pool if not dead[pos]]
        else:
            best = [pos for pos, _ in counts.most_common(limit * 2) if not dead[pos]]
        return best[:limit]

    def search(self, query: str, limit: int = 5, min_score: float = 70) -> list[Hit]:
        """Return up to ``limit`` units scoring at least ``min_score``, best first.

        Ties keep the order in which units were added.
        """
        q_words = max(1, len(_index_words(query)))
        floor = min_score / 100.0 - 0.05
        results = []
        for pos in self.candidates_for(query):
            n = max(1, self._nwords[pos])
            # A word-level score can never exceed shorter/longer length.
            if min(n, q_words) / max(n, q_words) < floor:
                continue
            value = score(query, self.source(pos))
            if value >= min_score:
                results.append((-value, pos))
        results.sort()
        return [Hit(self._ids[pos], -neg) for neg, pos in results[:limit]]

    def find(self, phrase: str, limit: int | None = None) -> list[Any]:
        """Return ids of units whose source contains ``phrase`` (see :func:`find_phrase`).

        Only units holding every word of the phrase are read.
        """
        words = set(_index_words(phrase))
        if not words or any(w not in self._vocab for w in words):
            return []
        ranked = sorted((self._df(self._vocab[w]), self._vocab[w]) for w in words)
        common: set[int] | None = None
        for _, wid in ranked:
            found = {p for postings in self._postings(wid) for p in postings}
            common = found if common is None else common & found
            if not common:
                return []
        out = []
        for pos in sorted(common or ()):
            if not self._dead[pos] and find_phrase(self.source(pos), phrase):
                out.append(self._ids[pos])
                if limit and len(out) >= limit:
                    break
        return out

    # -- persistence --------------------------------------------------------

    def _compacted(self) -> tuple[array, array]:
        if not self._delta:
            return self._base_off, self._base_post
        off = array("Q", [0])
        post = array("I")
        base_words = len(self._base_off) - 1
        for wid in range(len(self._vocab)):
            if wid < base_words:
                post.extend(memoryview(self._base_post)[self._base_off[wid] : self._base_off[wid + 1]])
            delta = self._delta.get(wid)
            if delta is not None:
                post.extend(delta)
            off.append(len(post))
        return off, post

    def save(self, path: str | os.PathLike[str]) -> None:
        """Write the index to ``path`` (replaced atomically).

        The file is a small JSON header followed by raw arrays; loading it runs no code.
        Ids come back as they went in when they are all integers, or strings, or any
        other JSON values (tuples come back as lists).
        """
        off, post = self._compacted()
        self._base_off, self._base_post, self._delta = off, post, {}
        int_ids = all(type(i) is int and -(2**63) <= i < 2**63 for i in self._ids)
        ids = array("q", self._ids).tobytes() if int_ids else json.dumps(self._ids, ensure_ascii=False).encode("utf-8")
        blocks = [
            ("vocab", "\n".join(self._vocab).encode("utf-8")),
            ("word_offsets", off),
            ("postings", post),
            ("source_offsets", self._src_off),
            ("sources", self._src),
            ("word_counts", self._nwords),
            ("removed", self._dead),
            ("ids", ids),
        ]
        header = {
            "version": 1,
            "byteorder": sys.byteorder,
            "units": len(self._ids),
            "words": len(self._vocab),
            "ids": "int64" if int_ids else "json",
            "meta": self.meta,
            "blocks": [[name, len(memoryview(data).cast("B"))] for name, data in blocks],
            "candidates": self.candidates,
            "max_postings": self.max_postings,
        }
        head = json.dumps(header, ensure_ascii=False).encode("utf-8")
        path = Path(path)
        tmp = path.with_name(path.name + ".tmp")
        with open(tmp, "wb") as f:
            f.write(_MAGIC)
            f.write(len(head).to_bytes(8, "little"))
            f.write(head)
            for _, data in blocks:
                f.write(data)
        os.replace(tmp, path)

    @classmethod
    def load(cls, path: str | os.PathLike[str]) -> "TMIndex":
        """Return the index saved at ``path``; raise :class:`FormatError` if it is not one."""
        try:
            with open(path, "rb") as f:
                if f.read(len(_MAGIC)) != _MAGIC:
                    raise FormatError("not a termbank TM index", str(path))
                size = int.from_bytes(f.read(8), "little")
                header = json.loads(f.read(size).decode("utf-8"))
                swap = header.get("byteorder", sys.byteorder) != sys.byteorder
                raw: dict[str, Any] = {}
                codes = {"word_offsets": "Q", "postings": "I", "source_offsets": "Q", "word_counts": "H"}
                if header.get("ids") == "int64":
                    codes["ids"] = "q"
                for name, length in header["blocks"]:
                    if name in codes:
                        a = array(codes[name])
                        a.fromfile(f, length // a.itemsize)  # EOFError when truncated
                        if swap:
                            a.byteswap()
                        raw[name] = a
                    else:
                        b = bytearray(length)
                        if f.readinto(b) != length:
                            raise EOFError("truncated")
                        raw[name] = b
        except (EOFError, ValueError, KeyError, UnicodeDecodeError) as exc:
            raise FormatError(f"damaged TM index ({exc})", str(path)) from None

        idx = cls(candidates=header.get("candidates", 100), max_postings=header.get("max_postings", 200_000))
        idx.meta = header.get("meta", {})
        vocab = raw["vocab"].decode("utf-8")
        words = vocab.split("\n") if vocab else []
        idx._vocab = dict(zip(words, range(len(words))))
        idx._base_off = raw["word_offsets"]
        idx._base_post = raw["postings"]
        idx._src_off = raw["source_offsets"]
        idx._src = raw["sources"]
        idx._nwords = raw["word_counts"]
        idx._dead = raw["removed"]
        ids = raw["ids"]
        idx._ids = ids.tolist() if isinstance(ids, array) else json.loads(ids.decode("utf-8"))
        idx._live = len(idx._ids) - idx._dead.count(1)
        if len(idx._base_off) != len(words) + 1 or len(idx._src_off) != len(idx._ids) + 1:
            raise FormatError("damaged TM index (sizes disagree)", str(path))
        return idx
