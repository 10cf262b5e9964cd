"""The term index: folded keys of every term and its forms, and lookup over them.

:class:`TermIndex` maps each key (a :func:`~termbank.normalize.fold` of a term, of its
spelling without spaces, or of a plural or feminine form) to the terms it stands for.
``lookup`` answers the CLI ``lookup`` command (SPEC: match classes exact, folded,
variant, inflected, fuzzy); the annotator scans article text for the same keys, so
everything it needs (``entries``, ``max_key_len``, :meth:`KeyEntry.accepts_case`) is
public here.
"""

from __future__ import annotations

import marshal
import pickle
import re
import sys
from array import array
from bisect import bisect_left
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, fields
from datetime import datetime
from functools import partial
from itertools import accumulate, compress, filterfalse, islice, starmap
from operator import eq, ne
from typing import NamedTuple

from rapidfuzz import fuzz, process

from .heap import Blob, bulk
from .model import Concept, Term
from .morph import inflections, is_title_abbreviation
from .normalize import fold, fold_case, normalize_space

__all__ = ["KeyEntry", "Hit", "TermIndex", "MATCH_CLASSES", "SCORES", "FUZZY_MAX", "joined_key"]

#: Match classes, best first (SPEC: ``lookup --json`` "match").
MATCH_CLASSES: tuple[str, ...] = ("exact", "folded", "variant", "inflected", "fuzzy")
#: The score of each non-fuzzy class.
SCORES: dict[str, float] = {"exact": 100.0, "folded": 98.0, "variant": 95.0, "inflected": 92.0}
#: Fuzzy scores are capped below every non-fuzzy score.
FUZZY_MAX = 89.0
#: Queries shorter than this (folded) get no fuzzy hits: "us" is near everything.
FUZZY_MIN_LEN = 4
FUZZY_CUTOFF = 75.0
#: An index with more keys than this scores only the keys sharing the most character
#: trigrams with the query instead of every key (400k keys cost 0.8 s a query; issue 8).
FUZZY_SCAN_MAX = 10_000
_GRAM_POOL = 300  # keys scored per query in a large index
_GRAM_BUDGET = 15_000  # postings read per query, rarest trigrams first
_PARTIAL_SCALE = 0.9

_RANK = {m: i for i, m in enumerate(MATCH_CLASSES)}
_STATUS_RANK = {"preferred": 0, "admitted": 1, "deprecated": 2}
# Categories whose full forms get plural keys, and the subset that also gets feminines
# (a person's rank or title; "Estado Mayor" has no feminine).
_INFLECT_CATEGORIES = frozenset({"rank", "title", "unit", "other", "institution", "acronym"})
_FEMININE_CATEGORIES = frozenset({"rank", "title"})
_INFLECT_TYPES = frozenset({"fullForm", "shortForm", "variant", "abbreviation"})
# The longest folded term given keys (lookup, annotate): see TermIndex._add_new.
MAX_KEY_CHARS = 1000
_ABBREVIATION_TYPES = frozenset({"abbreviation", "acronym"})
_PLURAL_KINDS = ("plural",)
_FEMININE_KINDS = ("plural", "feminine", "feminine-plural")
_SHORT_TOKEN = 4
_LONG_TOKEN = re.compile(f"[^ ]{{{_SHORT_TOKEN + 1}}}")  # a word of a key longer than _SHORT_TOKEN
_NUL = "\x00"
_ARTICLE = re.compile(r"^(?:el|la|los|las|the)\s+(?=\S)", re.IGNORECASE)
_POSSESSIVE = re.compile(r"(?:['\u2019]s|(?<=s)['\u2019])$")


def _grams(text: str) -> set[str]:
    """Return the character trigrams of ``text`` padded with a space on each side.

    >>> sorted(_grams("tte"))
    [' tt', 'te ', 'tte']
    """
    padded = f" {text} "
    return {padded[i:i + 3] for i in range(len(padded) - 2)}


def _most_shared(positions: array, size: int) -> list[int]:
    """Return, in increasing order, the ``size`` values most repeated in ``positions``, ties to the smallest.

    Fewer when there are fewer distinct values. Sorting the values and comparing each
    with the next, the C-level way to count them: ``levels[c]`` holds each value that
    occurs more than ``c`` times, ``occurrences - c`` times (a third less time than a
    Counter and its histogram at 100k concepts; issue 8).

    >>> _most_shared(array("I", [5, 9, 2, 9, 5, 7, 9, 1]), 2), _most_shared(array("I", [3, 1, 3, 2]), 3)
    ([5, 9], [1, 2, 3])
    """
    if not positions:
        return []
    level = positions.tolist()
    level.sort()
    levels = [level]
    while level:
        level = list(compress(level, map(eq, level, islice(level, 1, None))))
        levels.append(level)
    # From the most repeated down, stop at the first count c that ``size`` values reach:
    # those seen more than c times all go in, and the first of those seen c times.
    above: list[int] = []
    for c in range(len(levels) - 1, 0, -1):
        reached = levels[c - 1]
        reached = [*compress(reached, map(ne, reached, islice(reached, 1, None))), reached[-1]]
        if len(reached) >= size or c == 1:
            break
        above = reached
    if len(reached) <= size:
        return reached
    room = size - len(above)
    if not above:
        return reached[:room]
    return sorted(above + list(islice(filterfalse(set(above).__contains__, reached), room)))


def _fold_all(texts: list[str], fold_one) -> list[str]:
    """Return ``[fold_one(t) for t in texts]`` for :func:`fold` or :func:`fold_case`, folding them as one string.

    One ``translate`` and one pass of each regex over the texts joined by NUL instead of
    one per text: 40% less time at 100k concepts (issue 8). The fold works per
    character and its period and space rules stop at a NUL (it folds to itself), so
    each part is the fold of its text once stripped. Texts holding a NUL are folded
    one by one.

    >>> _fold_all(["Tte. Gral.", "  EE. UU. ", "", "Ángeles"], fold)
    ['tte gral', 'ee uu', '', 'angeles']
    """
    if len(texts) < 2:
        return [fold_one(t) for t in texts]
    parts = fold_one(_NUL.join(texts)).split(_NUL)
    if len(parts) != len(texts):
        return [fold_one(t) for t in texts]
    return [p.strip(" ") for p in parts]


#: Kinds of index entries that stand for a term as listed, spaces apart: the term, the
#: term without spaces ("joined") and the term without the spaces between its
#: abbreviations ("tight"). The other kinds are generated forms (plural, feminine).
LISTED_KINDS = frozenset({"term", "joined", "tight"})
SPACED_KINDS = frozenset({"joined", "tight"})

# A space after an abbreviation's period and before another abbreviation: "EE. UU.".
_SPACE_IN_ABBREVIATIONS = re.compile(r"(?<=[^\W\d_]\.)\s+(?=[^\W\d_]+\.)")


def tight_text(text: str) -> str | None:
    """Return ``text`` without the spaces between its abbreviations, or None when it has none.

    Inside a longer name the joined spelling (no space at all) is no help, yet the
    abbreviations in it are written both ways: "Ejército de EE. UU." and "Ejército de EE.UU.".

    >>> tight_text("Ejército de EE. UU."), tight_text("Gen. Guillot") is None, tight_text("EE.UU.") is None
    ('Ejército de EE.UU.', True, True)
    """
    tight = _SPACE_IN_ABBREVIATIONS.sub("", text)
    return tight if tight != text else None


def joined_key(key: str, text: str, term_type: str = "fullForm") -> str | None:
    """Return ``key`` without spaces when a spelling without spaces is plausible, else None.

    That is when the term is an abbreviation or acronym, has periods, or has only short
    words: "EE. UU." is also written "EEUU", "Tte. Gral." "Tte.Gral.".

    >>> joined_key("ee uu", "EE. UU."), joined_key("tte gral", "Tte. Gral.", "abbreviation")
    ('eeuu', 'ttegral')
    >>> joined_key("guardia nacional", "Guardia Nacional") is None, joined_key("us", "U.S.") is None
    (True, True)
    """
    if " " not in key:
        return None
    if term_type in _ABBREVIATION_TYPES or "." in text or not _LONG_TOKEN.search(key):
        return key.replace(" ", "")
    return None


_TERM_FIELDS = tuple(f.name for f in fields(Term))
_CONCEPT_FIELDS = tuple(f.name for f in fields(Concept) if f.name != "terms")


def _concept_row(concept: Concept) -> tuple:
    """Return a concept as plain tuples, its timestamps as ISO strings (see :class:`_Packed`).

    >>> from datetime import timezone
    >>> c = Concept("x", "rank", terms=(Term("en", "general"),), created_at=datetime(2026, 1, 2, tzinfo=timezone.utc))
    >>> _concept_row(c)[0][-2:], _concept_from_row(_concept_row(c)) == c
    (('2026-01-02T00:00:00+00:00', None), True)
    """
    values = tuple(getattr(concept, f) for f in _CONCEPT_FIELDS)
    stamps = tuple(None if v is None else v.isoformat() for v in values[_STAMPS_AT:])
    return (values[:_STAMPS_AT] + stamps,
            tuple(tuple(getattr(t, f) for f in _TERM_FIELDS) for t in concept.terms))


_TERMS_AT = [f.name for f in fields(Concept)].index("terms")
# A row holds the concept's fields but its terms, in order, ending with the two timestamps.
_STAMPS_AT = len(_CONCEPT_FIELDS) - 2
assert _CONCEPT_FIELDS[_STAMPS_AT:] == ("created_at", "updated_at") and _STAMPS_AT == _TERMS_AT + 1
_from_iso = datetime.fromisoformat


def _concept_from_row(row: tuple) -> Concept:
    values, terms = row
    created, updated = values[_STAMPS_AT:]
    # Positional: a lookup decodes a dozen concepts (issue 8).
    return Concept(*values[:_TERMS_AT], tuple(starmap(Term, terms)), values[_TERMS_AT],
                   created if created is None else _from_iso(created),
                   updated if updated is None else _from_iso(updated))


_FINDS_BEFORE_DICT = 4096


class _KeyTable:
    """Sorted string keys packed as one UTF-8 string with a newline after each, read one at a time.

    The cached form of a packed dict's keys (see TermIndex.__getstate__): a view of the
    mapped cache file instead of 400,000 strings to make at every start; a lookup
    bisects it and decodes about twenty keys (issue 8, ``lookup`` start-up).

    >>> t = _KeyTable(*_KeyTable.pack(["ab", "ñu", "zz"]))
    >>> len(t), t[1], list(t), _KeyTable.pack(["a\\nb"])
    (3, 'ñu', ['ab', 'ñu', 'zz'], ['a\\nb'])
    """

    __slots__ = ("_data", "_starts")

    def __init__(self, data, starts: array):
        self._data = memoryview(Blob.unwrap(data))
        self._starts = starts

    @staticmethod
    def pack(keys: list) -> tuple | list:
        """Return ``(Blob, starts)`` for ``keys``, or ``keys`` itself when they are not all newline-free strings."""
        if not all(isinstance(k, str) and "\n" not in k for k in keys):
            return keys
        starts, pos = array("Q"), 0
        for k in keys:
            starts.append(pos)
            pos += len(k.encode()) + 1
        return Blob("".join(k + "\n" for k in keys).encode()), starts

    def __len__(self) -> int:
        return len(self._starts)

    def __getitem__(self, i: int) -> str:
        start = self._starts[i]
        end = self._starts[i + 1] - 1 if i + 1 < len(self._starts) else len(self._data) - 1
        return str(self._data[start:end], "utf-8")

    def __iter__(self):
        return iter(str(self._data, "utf-8").split("\n")[:-1])


class _Packed(dict):
    """A dict restored from the index cache whose values are decoded on first use.

    Decoding every concept and key entry of a 100k-concept index takes seconds, and a
    run reads a small part of them (issue 8: a repeat run starts annotating at once).
    Reading ``d[key]`` costs a plain dict lookup once the value is decoded; iterating,
    ``len`` and ``in`` behave as on the full dict, in the original order.

    Values are stored with :mod:`marshal` when they are all plain tuples, lists, strings,
    numbers and None (concept rows, key entries): three to five times faster to write
    and twice as fast to read as one pickle per value, which is what a value of any
    other type gets (the ``codec`` of the packed form).

    >>> d = _Packed(*_Packed.pack({"b": [2], "a": [1], "c": [3]}))
    >>> d["a"], "b" in d, "x" in d, len(d), d.get("x"), d.pop("c")
    ([1], True, False, 3, None, [3])
    >>> list(d), d == {"b": [2], "a": [1]}
    (['b', 'a'], True)
    >>> odd = _Packed.pack({"a": [datetime(2026, 1, 2)]})
    >>> odd[4], _Packed(*odd)["a"], _Packed.pack({"a": [1]})[4]
    ('pickle', [datetime.datetime(2026, 1, 2, 0, 0)], 'marshal')
    """

    __slots__ = ("_keys", "_order", "_blob", "_offsets", "_gone", "_decode", "_finds", "_where", "_loads")

    def __init__(self, keys, order: array, blob: bytes, offsets: array, codec: str = "pickle", decode=None):
        super().__init__()
        self._loads = marshal.loads if codec == "marshal" else pickle.loads
        self._decode = decode  # applied to each loaded value
        # Sorted keys searched by bisection: no dict of them to build (hash) at load time.
        self._keys = _KeyTable(*keys) if isinstance(keys, tuple) else keys
        self._order = order  # positions in ``keys`` in the original insertion order
        self._blob = blob
        self._offsets = offsets
        self._gone: set = set()  # packed keys decoded, replaced or deleted since loading
        self._finds = 0
        self._where: dict | None = None  # key -> position, once searched often (see _find)

    @staticmethod
    def pack(items: dict, encode=None) -> tuple[list, array, bytes, array, str]:
        """Return ``(sorted keys, order, blob, offsets, codec)``: each value (``encode``-d) stored on its own."""
        keys = sorted(items)
        rank = dict(zip(keys, range(len(keys))))
        order = array("I", (rank[k] for k in items))
        values = list(map(items.__getitem__, keys))
        if encode is not None:
            values = list(map(encode, values))
        try:
            codec, parts = "marshal", list(map(marshal.dumps, values))
        except ValueError:  # a value marshal cannot store (it takes plain types only)
            codec, parts = "pickle", [pickle.dumps(v, protocol=5) for v in values]
        offsets = array("Q", [0])
        offsets.extend(accumulate(map(len, parts)))
        return keys, order, b"".join(parts), offsets, codec

    def index_keys(self) -> None:
        """Build the dict of key positions now (see _find): before forking workers that share it."""
        if self._where is None and len(self._keys) > _FINDS_BEFORE_DICT:
            self._where = dict(zip(self._keys, range(len(self._keys))))

    def _find(self, key) -> int:
        """Return the position of ``key`` among the packed keys, or -1.

        By bisection at first; after _FINDS_BEFORE_DICT searches (a long batch), by a
        dict of positions built then: bisecting 400,000 keys scattered in memory costs
        microseconds a search, a dict a tenth of that.
        """
        keys = self._keys
        where = self._where
        if where is not None:
            try:
                return where.get(key, -1)
            except TypeError:  # unhashable: not a key
                return -1
        self._finds += 1
        if self._finds > _FINDS_BEFORE_DICT and len(keys) > _FINDS_BEFORE_DICT:
            self._where = dict(zip(keys, range(len(keys))))
        try:
            i = bisect_left(keys, key)
        except TypeError:
            return -1
        return i if i < len(keys) and keys[i] == key else -1

    def _packed(self, key) -> bool:
        return key not in self._gone and self._find(key) >= 0

    def __missing__(self, key):
        i = self._find(key) if key not in self._gone else -1
        if i < 0:
            raise KeyError(key)
        value = self._loads(self._blob[self._offsets[i]:self._offsets[i + 1]])
        if self._decode is not None:
            value = self._decode(value)
        self._gone.add(key)
        dict.__setitem__(self, key, value)
        return value

    def _unpack_all(self) -> None:
        if len(self._gone) == len(self._keys):
            return
        live = dict(dict.items(self))
        dict.clear(self)
        keys = self._keys
        for i in self._order:
            key = keys[i]
            if key in live:
                dict.__setitem__(self, key, live.pop(key))
            elif key not in self._gone:
                self.__missing__(key)
        dict.update(self, live)  # added after loading
        self._gone = set(keys)

    def __contains__(self, key) -> bool:
        return dict.__contains__(self, key) or self._packed(key)

    def __len__(self) -> int:
        return dict.__len__(self) + len(self._keys) - len(self._gone)

    def __setitem__(self, key, value) -> None:
        if key not in self._gone and self._find(key) >= 0:
            self._gone.add(key)
        dict.__setitem__(self, key, value)

    def __delitem__(self, key) -> None:
        if self._packed(key):
            self._gone.add(key)
            dict.pop(self, key, None)
            return
        dict.__delitem__(self, key)

    def get(self, key, default=None):
        if dict.__contains__(self, key):
            return dict.__getitem__(self, key)
        return self[key] if self._packed(key) else default

    def setdefault(self, key, default=None):
        if key not in self:
            self[key] = default
        return self[key]

    _MISSING = object()

    def pop(self, key, default=_MISSING):
        if key in self:
            value = self[key]
            del self[key]
            return value
        if default is _Packed._MISSING:
            raise KeyError(key)
        return default

    def update(self, *args, **kwargs) -> None:
        for key, value in dict(*args, **kwargs).items():
            self[key] = value

    def __iter__(self):
        self._unpack_all()
        return dict.__iter__(self)

    def keys(self):
        self._unpack_all()
        return dict.keys(self)

    def values(self):
        self._unpack_all()
        return dict.values(self)

    def items(self):
        self._unpack_all()
        return dict.items(self)

    def popitem(self):
        self._unpack_all()
        return dict.popitem(self)

    def copy(self) -> dict:
        return dict(self.items())

    def __eq__(self, other) -> bool:
        return dict(self.items()) == other

    __hash__ = None

    def __repr__(self) -> str:
        return repr(dict(self.items()))

    def __reduce__(self):
        return (dict, (dict(self.items()),))


class _Postings:
    """Trigram postings restored from the cache: one array of positions, read in place.

    The cached form is ``(gram -> (start, count), Blob of uint32 positions)``, so that the
    40 MB of positions of a 100k-concept index are a view of the mapped cache file and
    not 20,000 arrays to allocate at every start (issue 8, ``lookup`` start-up).

    >>> p = _Postings(*_Postings.pack({"abc": array("I", [1, 5]), "bcd": array("I", [2])}))
    >>> list(p["abc"]), len(p["bcd"]), "abc" in p, "xyz" in p
    ([1, 5], 1, True, False)
    """

    __slots__ = ("_spans", "_bytes")

    def __init__(self, spans: dict[str, tuple[int, int]], positions):
        self._spans = spans
        self._bytes = memoryview(Blob.unwrap(positions)).cast("B")

    @staticmethod
    def pack(postings: dict[str, array]) -> tuple[dict[str, tuple[int, int]], Blob]:
        spans, flat = {}, array("I")
        for gram, plist in postings.items():
            spans[gram] = (len(flat), len(plist))
            flat.extend(plist)
        return spans, Blob(flat.tobytes())

    def __contains__(self, gram) -> bool:
        return gram in self._spans

    def __getitem__(self, gram) -> array:
        start, count = self._spans[gram]
        out = array("I")
        out.frombytes(self._bytes[4 * start:4 * (start + count)])
        return out


class KeyEntry(NamedTuple):
    """One term (or form of a term) behind a key.

    ``kind`` is ``"term"``, ``"joined"`` (the term without spaces), ``"tight"`` (without
    the spaces between its abbreviations, see :func:`tight_text`), ``"plural"``,
    ``"feminine"`` or ``"feminine-plural"``. ``case_key`` is set for case-sensitive
    terms: the :func:`~termbank.normalize.fold_case` of the form, joined like the key.
    A named tuple rather than a dataclass: an index holds one per key and form, and
    tuples pickle (for the on-disk index cache) several times faster.
    """

    concept_id: str
    term_index: int
    kind: str
    case_key: str | None = None

    def accepts_case(self, text: str, joined: bool = False) -> bool:
        """Return whether ``text`` (a query or the original words of a mention) has this entry's case.

        ``joined`` compares without spaces on both sides (the text matched through the
        joined spelling of a spaced key).

        >>> e = KeyEntry("us", 0, "term", "US")
        >>> e.accepts_case("U.S."), e.accepts_case("US"), e.accepts_case("us")
        (True, True, False)
        >>> KeyEntry("eeuu", 0, "joined", "EEUU").accepts_case("EE.UU.")
        True
        """
        if self.case_key is None:
            return True
        got = fold_case(text)
        want = self.case_key
        if joined or self.kind in SPACED_KINDS:
            got, want = got.replace(" ", ""), want.replace(" ", "")
        return got == want


_new_entry = partial(tuple.__new__, KeyEntry)  # KeyEntry(*row) without its Python-level __new__


def _entry_rows(entries: list[KeyEntry]) -> tuple:
    """Return a key's entries as plain tuples (see :class:`_Packed`)."""
    return tuple(map(tuple, entries))


def _entries_from_rows(rows) -> list[KeyEntry]:
    return list(map(_new_entry, rows))


@dataclass(frozen=True, slots=True)
class Hit:
    """A lookup result: the concept, the stored term matched, the match class and score."""

    concept: Concept
    term: Term
    match: str
    score: float
    kind: str = "term"


class TermIndex:
    """Folded keys of every term of a set of concepts, for lookup and text scanning.

    >>> from termbank.model import Concept, Term
    >>> idx = TermIndex.build([Concept("lt-gen", "rank", terms=(
    ...     Term("en", "lieutenant general"), Term("es", "teniente general"),
    ...     Term("es", "Tte. Gral.", "abbreviation", "admitted")))])
    >>> sorted(idx.entries)
    ['lieutenant general', 'lieutenant generals', 'teniente general', 'tenientes generales', 'tte gral', 'ttegral']
    >>> [(h.term.text, h.match, h.score) for h in idx.lookup("Tte Gral")]
    [('Tte. Gral.', 'folded', 98.0)]
    """

    #: Version of the pickled form and of the keys made (a new inflection rule makes other
    #: keys), for the cache (see cache.cached's ``layout``); marshal's format (see _Packed)
    #: may change with the Python version.
    LAYOUT = (8, marshal.version, sys.version_info[:2])

    def __init__(self) -> None:
        self.entries: dict[str, list[KeyEntry]] = {}
        self.concepts: dict[str, Concept] = {}
        self.max_key_len = 0
        self._order: dict[str, int] = {}
        self._fuzzy_keys: dict[str | None, tuple[list[str], list[int]]] | None = None
        self._pack_memo: tuple | None = None
        self._gram_postings: dict[str, array] | None = None
        self._lang_keys: dict[str, set[str]] = {}

    def __getstate__(self) -> dict:
        self._keys_for(None)
        state = dict(self.__dict__)
        # The fuzzy key lists are stored: rebuilding them reads the language of every
        # term, which would decode every packed concept at the first fuzzy lookup.
        fuzzy_keys = {lg: (keys, array("I", lengths)) for lg, (keys, lengths) in self._fuzzy_keys.items()}
        # What only lookup reads (the fuzzy key lists, the concepts' order for ranking
        # ties) is one more pickle inside, unpickled on first use (__getattr__): the
        # annotator, which never looks up, loads its cache 0.07 s sooner at 100k concepts.
        state["_lazy"] = Blob(pickle.dumps({"_fuzzy_keys": fuzzy_keys, "_order": self._order},
                                           protocol=pickle.HIGHEST_PROTOCOL))
        del state["_fuzzy_keys"], state["_order"]
        postings = self._grams_index() if self.__dict__.get("_with_grams", True) else None
        state["_gram_postings"] = _Postings.pack(postings) if postings is not None else None
        state["_lang_keys"] = {}
        # Concepts and key entries are stored one pickle per value and decoded on first
        # use (see _Packed): loading a 100k-concept index then takes milliseconds.
        # The term index and the annotator holding it are cached one after the other:
        # pack once per content.
        memo = state.pop("_pack_memo", None)
        if memo is None:
            memo = self._pack_memo = (_Packed.pack(self.entries, _entry_rows), _Packed.pack(self.concepts, _concept_row))
        # The blobs as Blob: views of the mapped cache file once loaded (see cache.py).
        state["entries"], state["concepts"] = ((_KeyTable.pack(keys), order, Blob(blob), offsets, codec)
                                               for keys, order, blob, offsets, codec in memo)
        state["_row_fields"] = (_CONCEPT_FIELDS, _TERM_FIELDS)
        return state

    def __setstate__(self, state: dict) -> None:
        if isinstance(state.get("concepts"), tuple):
            if state.pop("_row_fields", None) != (_CONCEPT_FIELDS, _TERM_FIELDS):
                raise ValueError("index cached with other Concept/Term fields")  # the cache rebuilds it
            state["concepts"] = _Packed(*state["concepts"], decode=_concept_from_row)
        if isinstance(state.get("entries"), tuple):
            state["entries"] = _Packed(*state["entries"], decode=_entries_from_rows)
        if isinstance(state.get("_gram_postings"), tuple):
            state["_gram_postings"] = _Postings(*state["_gram_postings"])
        self.__dict__.update(state)
        for name, default in (("_pack_memo", None), ("_gram_postings", None), ("_lang_keys", {})):
            self.__dict__.setdefault(name, default)

    def __getattr__(self, name: str):
        # Only called for an attribute not set: the lazily unpickled part of a cached index.
        lazy = self.__dict__.pop("_lazy", None)
        if lazy is None or name.startswith("__"):
            raise AttributeError(name)
        self.__dict__.update(pickle.loads(lazy))
        return getattr(self, name)

    def __len__(self) -> int:
        return len(self.concepts)

    def warm(self) -> None:
        """Do now the one-off work a long run would do on first use (for forked workers to share)."""
        for packed in (self.entries, self.concepts):
            if isinstance(packed, _Packed):
                packed.index_keys()

    def without_grams(self) -> TermIndex:
        """Return a shallow copy that pickles without the trigram postings of fuzzy lookup.

        For the annotator's cache: scanning never reads them, and loading them costs
        memory at every start (about 40 MB at 100k concepts). A fuzzy lookup on the
        loaded copy builds them on first use.
        """
        twin = object.__new__(TermIndex)
        twin.__dict__.update(self.__dict__)
        twin._with_grams = False
        return twin

    @classmethod
    def build(cls, concepts: Iterable[Concept]) -> TermIndex:
        """Return the index of ``concepts`` (a later concept with the same id replaces an earlier one)."""
        index = cls()
        concepts = list(concepts)
        # The build allocates a few objects per term and frees none: the cyclic garbage
        # collector would rescan the growing heap again and again (40% of the time
        # for 100k concepts) without finding anything to free.
        with bulk():
            if len({c.id for c in concepts}) == len(concepts):
                index._add_new(concepts)
            else:
                for concept in concepts:
                    index._add(concept)
        return index

    def add(self, concept: Concept) -> None:
        """Add (or replace) one concept."""
        self._add(concept)

    def remove(self, concept_id: str) -> None:
        """Remove a concept and its keys; unknown ids are ignored."""
        if self.concepts.pop(concept_id, None) is None:
            return
        self._order.pop(concept_id, None)
        for key in [k for k, es in self.entries.items() if any(e.concept_id == concept_id for e in es)]:
            kept = [e for e in self.entries[key] if e.concept_id != concept_id]
            if kept:
                self.entries[key] = kept
            else:
                del self.entries[key]
        self._fuzzy_keys = self._pack_memo = self._gram_postings = None
        self._lang_keys = {}

    def _add(self, concept: Concept) -> None:
        if concept.id in self.concepts:
            self.remove(concept.id)
        self._add_new([concept])

    def _add_new(self, concepts: list[Concept]) -> None:
        """Add concepts whose ids are neither in the index nor repeated in ``concepts``.

        Puts the keys in the order of concepts, terms, then the term's key, joined key
        and forms (the order :meth:`lookup` and the annotator see them in). Every text
        is folded in one call per kind of text (see :func:`_fold_all`).
        """
        order = self._order
        for concept in concepts:
            self.concepts[concept.id] = concept
            order[concept.id] = len(order)
        self._fuzzy_keys = self._pack_memo = self._gram_postings = None
        self._lang_keys = {}
        terms = [t for c in concepts for t in c.terms]
        # A "term" longer than MAX_KEY_CHARS (a pasted paragraph) stays stored but gets no
        # key: nobody writes it in an article, and the automaton of a key of several
        # hundred thousand characters crashes pyahocorasick when it is pickled.
        keys = [key if len(key) <= MAX_KEY_CHARS else "" for key in _fold_all([t.text for t in terms], fold)]
        sensitive = [t.is_case_sensitive for t in terms]
        case_keys = iter(_fold_all([t.text for t, s, key in zip(terms, sensitive, keys) if s and key], fold_case))
        # The plural and feminine forms of each term that takes them (None for the others).
        forms: list[list[tuple[str, str]] | None] = []
        k = 0
        for concept in concepts:
            n = len(concept.terms)
            category = concept.category
            if category not in _INFLECT_CATEGORIES:
                forms.extend([None] * n)
                k += n
                continue
            kinds = _FEMININE_KINDS if category in _FEMININE_CATEGORIES else _PLURAL_KINDS
            for term in concept.terms:
                # Of the abbreviations, English titles take a plural ("Lt. Cols."); no other does.
                forms.append(inflections(term.text, term.lang, kinds)
                             if keys[k] and term.type in _INFLECT_TYPES
                             and (term.type != "abbreviation" or is_title_abbreviation(term.text)) else None)
                k += 1
        flat = [form for fs in forms if fs for form, _ in fs]
        flat_keys = _fold_all(flat, fold)
        form_keys = iter(flat_keys)
        form_case_keys = iter(_fold_all([form for fs, s in zip(forms, sensitive) if fs and s for form, _ in fs],
                                        fold_case))
        # No entry can be in its bucket already: the concepts are new, and one term's
        # entries differ in kind.
        put = self.entries.setdefault
        new = tuple.__new__  # KeyEntry(...) without the Python-level __new__ of a named tuple
        k = 0
        for concept in concepts:
            cid = concept.id
            for i, term in enumerate(concept.terms):
                key, fs, sens = keys[k], forms[k], sensitive[k]
                k += 1
                if not key:
                    continue
                case_key = next(case_keys) if sens else None
                put(key, []).append(new(KeyEntry, (cid, i, "term", case_key)))
                if " " in key:
                    joined = joined_key(key, term.text, term.type)
                    if joined:
                        put(joined, []).append(new(KeyEntry, (cid, i, "joined",
                                                              case_key.replace(" ", "") if case_key else None)))
                    tight = tight_text(term.text) if "." in term.text else None
                    tkey = fold(tight) if tight else None
                    if tkey and tkey not in (key, joined):
                        put(tkey, []).append(new(KeyEntry, (cid, i, "tight", fold_case(tight) if sens else None)))
                for form, kind in fs or ():
                    fkey = next(form_keys)
                    fcase = next(form_case_keys) if sens else None
                    if fkey and fkey != key:
                        put(fkey, []).append(new(KeyEntry, (cid, i, kind, fcase)))
        # A joined key is its key without spaces: never the longest.
        self.max_key_len = max(self.max_key_len, max(map(len, keys), default=0), max(map(len, flat_keys), default=0))

    def term(self, entry: KeyEntry) -> Term:
        """Return the stored term an entry stands for."""
        return self.concepts[entry.concept_id].terms[entry.term_index]

    # -- lookup ---------------------------------------------------------------------
    def lookup(self, query: str, from_lang: str | None = None, limit: int = 10,
               fuzzy: bool = True) -> list[Hit]:
        """Return up to ``limit`` hits for ``query``, one per concept, best first.

        Ranking: match class (exact, folded, variant, inflected, fuzzy), then score,
        then closeness of the matched form to the query as written (accents count),
        then the status of the matched term (preferred first). A leading article
        (el, la, los, las, the), then an English possessive ('s), is dropped when the
        whole query finds nothing; what is then found is reported as "inflected". Fuzzy
        hits fill the remaining places.
        """
        q = normalize_space(query)
        if not q or limit < 1:
            return []
        lang = from_lang.split("-", 1)[0].lower() if from_lang else None
        found: dict[str, tuple[tuple, Hit]] = {}
        self._direct(q, lang, found, capped=False)
        fq = fold(q)
        if not found:
            rest = q
            m = _ARTICLE.match(rest)
            if m:
                rest = rest[m.end():]
                self._direct(rest, lang, found, capped=True)
            # An English possessive: "the Navy's", "SEDENA's", "the Marines'".
            m = _POSSESSIVE.search(rest) if not found and lang in (None, "en") else None
            if m:
                rest = rest[:m.start()]
                self._direct(rest, "en", found, capped=True)
            if rest != q:
                fq = fold(rest)
        if fuzzy and len(found) < limit and len(fq) >= FUZZY_MIN_LEN:
            self._fuzzy(fq, lang, found, limit)
        ranked = sorted(found.values(), key=lambda kh: kh[0])
        return [h for _, h in ranked[:limit]]

    def form(self, entry: KeyEntry) -> str:
        """Return the text an entry stands for: the term, or its plural or feminine form."""
        term = self.term(entry)
        if entry.kind == "tight":
            return tight_text(term.text) or term.text
        if entry.kind in LISTED_KINDS:
            return term.text
        for form, kind in inflections(term.text, term.base_lang, (entry.kind,)):
            if kind == entry.kind:
                return form
        return term.text

    def _offer(self, found: dict, entry: KeyEntry, term: Term, match: str, score: float,
               raw: float, query: str | None = None) -> None:
        concept = self.concepts[entry.concept_id]
        # Between hits of one class and score, the form closest to the query as written
        # (accents included) wins: "la secretaria de Marina" is the woman secretary (a
        # feminine of "secretario de Marina"), not the Secretaría; "Méxicó" is "México"
        # rather than "Mexico".
        closeness = 0.0
        if query is not None:
            closeness = fuzz.ratio(query.casefold(), self.form(entry).casefold())
        key = (_RANK[match], -raw, -closeness, _STATUS_RANK.get(term.status, 1), self._order[concept.id],
               entry.term_index)
        best = found.get(concept.id)
        if best is None or key < best[0]:
            found[concept.id] = (key, Hit(concept, term, match, score, entry.kind))

    def _direct(self, q: str, lang: str | None, found: dict, capped: bool) -> None:
        fq = fold(q)
        if not fq:
            return
        routes = [(fq, False)]
        jq = fq.replace(" ", "")
        if jq != fq and ("." in q or not _LONG_TOKEN.search(fq)):
            # "U. S." or "E.E. U.U.": try the spelling without spaces as well.
            routes.append((jq, True))
        for key, joined_route in routes:
            for entry in self.entries.get(key, ()):
                term = self.term(entry)
                if lang is not None and term.base_lang != lang:
                    continue
                if not entry.accepts_case(q, joined=joined_route):
                    continue
                if entry.kind == "term" and not joined_route:
                    if not capped and q == normalize_space(term.text):
                        match = "exact"
                    elif term.type == "variant":
                        match = "variant"
                    else:
                        match = "folded"
                elif entry.kind in LISTED_KINDS:
                    match = "variant"
                else:
                    match = "inflected"
                if capped and _RANK[match] < _RANK["inflected"]:
                    match = "inflected"
                self._offer(found, entry, term, match, SCORES[match], SCORES[match], q)

    def _keys_for(self, lang: str | None) -> tuple[list[str], list[int]]:
        """Return the keys with a term in ``lang`` (all keys for None), shortest first, and their lengths."""
        if self._fuzzy_keys is None:
            by_lang: dict[str | None, list[str]] = {None: list(self.entries)}
            for key, bucket in self.entries.items():
                for lg in {self.term(e).base_lang for e in bucket}:
                    by_lang.setdefault(lg, []).append(key)
            self._fuzzy_keys = {}
            for lg, keys in by_lang.items():
                keys.sort(key=len)
                self._fuzzy_keys[lg] = (keys, [len(k) for k in keys])
        return self._fuzzy_keys.get(lang, ([], []))

    def _grams_index(self) -> dict[str, array] | None:
        """Return trigram -> positions in the list of all keys, for a large index (else None)."""
        keys, _ = self._keys_for(None)
        if len(keys) <= FUZZY_SCAN_MAX:
            return None
        if getattr(self, "_gram_postings", None) is None:
            postings: dict[str, list[int]] = defaultdict(list)
            for pos, key in enumerate(keys):
                for gram in _grams(key):
                    postings[gram].append(pos)
            self._gram_postings = {gram: array("I", p) for gram, p in postings.items()}
        return self._gram_postings

    def _fuzzy_pool(self, fq: str, lang: str | None) -> tuple[list[str], int]:
        """Return the keys to score for ``fq``, shortest first, and where those at least as long start.

        Every key of ``lang`` in an index of up to FUZZY_SCAN_MAX keys; in a larger one,
        the _GRAM_POOL keys sharing the most trigrams with ``fq`` (rarest trigrams first,
        at most _GRAM_BUDGET postings read), which nearly always holds every key that
        scores above the cutoff.
        """
        keys, lengths = self._keys_for(lang)
        postings = self._grams_index()
        if postings is None or not keys:
            return keys, bisect_left(lengths, len(fq))
        lists = sorted((postings[g] for g in _grams(fq) if g in postings), key=len)
        merged = array("I")
        for plist in lists:
            if merged and len(merged) + len(plist) > _GRAM_BUDGET:
                break
            merged += plist
        every, _ = self._keys_for(None)
        pool = list(map(every.__getitem__, _most_shared(merged, _GRAM_POOL)))
        if lang is not None:
            wanted = self._lang_keys.get(lang)
            if wanted is None:
                wanted = self._lang_keys[lang] = set(keys)
            pool = [k for k in pool if k in wanted]
        return pool, bisect_left(list(map(len, pool)), len(fq))

    def _fuzzy(self, fq: str, lang: str | None, found: dict, limit: int) -> None:
        keys, cut = self._fuzzy_pool(fq, lang)
        if not keys:
            return
        want = min(limit * 4 + len(found), len(keys))  # rapidfuzz wants a C long: --limit 10**23
        # Whole-string similarity (plain or with the words reordered) for every key,
        # and, for a key at least as long as the query, the best-matching part of it
        # scaled by 0.9 (as in WRatio): that forgives a missing first name ("Trevila
        # Trejo") or a query that is one word of the term. WRatio itself is not used:
        # its token-set part gives 85 to any two names sharing a word such as "de".
        scores: dict[str, float] = {}
        for key, sc, _ in process.extract(fq, keys, scorer=fuzz.token_sort_ratio, limit=want,
                                          score_cutoff=FUZZY_CUTOFF):
            scores[key] = sc
        for key, sc, _ in process.extract(fq, keys[cut:], scorer=fuzz.partial_ratio, limit=want,
                                          score_cutoff=FUZZY_CUTOFF / _PARTIAL_SCALE):
            scores[key] = max(scores.get(key, 0.0), sc * _PARTIAL_SCALE)
        results = sorted(scores.items(), key=lambda kv: -kv[1])
        jq = fq.replace(" ", "")
        for key, raw in results:
            for entry in self.entries[key]:
                if entry.concept_id in found and found[entry.concept_id][0][0] < _RANK["fuzzy"]:
                    continue
                if entry.case_key is not None and key.replace(" ", "") == jq:
                    # "us" is not a near miss of "US", nor "ee uu" of "EE. UU.": the
                    # key is the same, only the case differs.
                    continue
                term = self.term(entry)
                if lang is not None and term.base_lang != lang:
                    continue
                self._offer(found, entry, term, "fuzzy", min(float(raw), FUZZY_MAX), float(raw))
