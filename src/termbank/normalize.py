"""Folding of text into matching keys, with a map back to the original offsets.

Every comparison between a query or an article and the termbase goes through
:func:`fold`: ``"Tte. Gral."``, ``"TTE GRAL"`` and ``"Tte Gral"`` share one key, and so do
``"Ángeles"``, ``"Àngeles"``, ``"ANGELES"`` and the decomposed ``"A\\u0301ngeles"``.
:func:`fold_case` is the same key with the case kept, for acronyms that only match in
their own case (``US`` but not ``us``). :func:`fold_with_offsets` folds a whole article
and maps spans of the folded text back to the original, so that an annotation covers
exactly the characters the author wrote.

The per-character work is one ``str.translate`` with a table built once; the two
context rules (abbreviation periods, whitespace runs) are two C-level regex passes.

The fold is defined on the NFC form of the input, but NFC is not computed: the table
maps each character through its canonical decomposition and drops every combining
mark, which gives the same result for any canonically equivalent input (NFD of NFC is
NFD). That keeps one output position per input character, which the offset map needs.
"""

from __future__ import annotations

import codecs
import hashlib
import os
import pickle
import re
import sys
import tempfile
import unicodedata
from bisect import bisect_right
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

__all__ = ["fold", "fold_case", "strip_accents", "normalize_space", "visible", "Folded", "fold_with_offsets",
           "decode_named", "control_character", "XML_INVALID"]

# Ranges folded ahead of time (Latin, IPA, combining marks, Greek, Cyrillic, general
# punctuation, letterlike symbols, ligatures, full-width forms); any other character is
# folded on first sight and cached.
_PRECOMPUTED = (
    (0x0000, 0x058F), (0x1AB0, 0x1AFF), (0x1DC0, 0x1FFF), (0x2000, 0x218F),
    (0x2C60, 0x2C7F), (0x2E00, 0x2E7F), (0x3000, 0x303F), (0xA720, 0xA7FF),
    (0xFB00, 0xFB4F), (0xFE00, 0xFE6F), (0xFF00, 0xFFEF),
)

# Hyphens and dashes join words in some spellings and not in others ("Marina-Armada",
# "Marina Armada"), so they fold to a space.
_DASHES = "\u002d\u2010\u2011\u2012\u2013\u2014\u2015\u2212\u2e3a\u2e3b\ufe58\ufe63\uff0d"
_SINGLE_QUOTES = "\u2018\u2019\u201a\u201b\u2032\u2035\u02bc\u00b4\uff07"
_DOUBLE_QUOTES = "\u201c\u201d\u201e\u201f\u2033\u2036\u00ab\u00bb\uff02"
# Invisible characters that break words in pasted text without being visible: dropped.
_INVISIBLE = "\u00ad\u200b\u200c\u200d\u2060\ufeff\u180e"
# Letters with a stroke or bar have no canonical decomposition but are read as
# accented letters by Spanish and English writers.
_STROKES = {"ø": "o", "Ø": "O", "ł": "l", "Ł": "L", "đ": "d", "Đ": "D", "ħ": "h", "Ħ": "H", "ı": "i"}


def _is_mark(ch: str) -> bool:
    return unicodedata.category(ch) in ("Mn", "Me") or unicodedata.combining(ch) != 0


def _bare(s: str) -> str:
    """Canonically decompose ``s`` and drop its combining marks."""
    return "".join(c for c in unicodedata.normalize("NFD", s) if not _is_mark(c))


def _fold_one(ch: str, casefold: bool) -> str:
    if ch in _INVISIBLE:
        return ""
    if ch in _DASHES or ch.isspace():
        return " "
    if ch in _SINGLE_QUOTES:
        return "'"
    if ch in _DOUBLE_QUOTES:
        return '"'
    out = _STROKES.get(ch, ch)
    out = _bare(out)
    if casefold:
        # Case folding can reintroduce marks ("İ" -> "i" + U+0307) or new foldable
        # characters, hence the second pass.
        out = _bare(out.casefold())
    return "".join(_STROKES.get(c, c) for c in out)


def _fold_char(ch: str, casefold: bool) -> str:
    """Return the fold of one character, iterated to a fixed point so that fold is idempotent."""
    out = _fold_one(ch, casefold)
    for _ in range(4):
        nxt = "".join(_fold_one(c, casefold) for c in out)
        if nxt == out:
            break
        out = nxt
    return out


def _accent_char(ch: str) -> str:
    if ch in _STROKES:
        return _STROKES[ch]
    if _is_mark(ch):
        return ""
    bare = _bare(ch)
    return unicodedata.normalize("NFC", bare) if bare else ch


def _marked(ch: str, out: str) -> str:
    """Return ``out`` (the fold of ``ch``) with its first letter in capitals when ``ch`` is not lowercase.

    The annotator reads the case of an article's words from this text, which lines up
    with the folded one character for character (see :func:`fold_with_offsets`).
    """
    if not out or ch.islower():
        return out
    first = out[0].upper()
    if len(first) != 1 or first == out[0] or first.islower():
        return out
    return first + out[1:]


def _build_tables() -> tuple[dict[int, str], ...]:
    cps = [cp for lo, hi in _PRECOMPUTED for cp in range(lo, hi + 1)]
    fold = {cp: _fold_char(chr(cp), True) for cp in cps}
    return (fold, {cp: _fold_char(chr(cp), False) for cp in cps}, {cp: _accent_char(chr(cp)) for cp in cps},
            {cp: _marked(chr(cp), fold[cp]) for cp in cps})


def _tables() -> tuple[dict[int, str], ...]:
    """Return the fold tables, built once per version of this file and of Unicode and kept on disk.

    Building them takes about 0.1 s (unicodedata calls for 3,360 characters): a third of
    a warm command's start-up (issue 8). A cache that cannot be read or written is
    ignored.
    """
    from .cache import cache_dir  # noqa: PLC0415 - only here, to keep the import graph flat

    try:
        source = Path(__file__).read_bytes()
    except OSError:
        return _build_tables()
    digest = hashlib.sha256(source + f"|{unicodedata.unidata_version}|{sys.version_info[:2]}".encode()).hexdigest()
    path = cache_dir() / f"fold-{digest[:24]}.pickle"
    try:
        with open(path, "rb") as fh:
            tables = pickle.load(fh)
        if isinstance(tables, tuple) and len(tables) == 4 and all(isinstance(t, dict) for t in tables):
            return tables
    except (OSError, EOFError, pickle.UnpicklingError, ValueError, TypeError, AttributeError):
        pass
    tables = _build_tables()
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=path.name, suffix=".tmp")
        with os.fdopen(fd, "wb") as fh:
            pickle.dump(tables, fh, protocol=pickle.HIGHEST_PROTOCOL)
        os.replace(tmp, path)
    except OSError:
        pass
    return tables


# Plain dicts, not a dict subclass with __missing__: str.translate is a third faster on
# them. Characters outside the precomputed ranges are added by _prepare before use.
# _FOLD_MARK is _FOLD with the case of each character's first letter kept (_marked).
_FOLD, _FOLD_CASE, _ACCENTS, _FOLD_MARK = _tables()
# From _FOLD_MARK's capitals back to _FOLD's letters.
_UNMARK: dict[int, str] = {ord(m[0]): f[0] for m, f in zip(_FOLD_MARK.values(), _FOLD.values()) if m != f}


def _ranges_class(ranges: list[tuple[int, int]]) -> str:
    def esc(cp: int) -> str:
        return f"\\U{cp:08x}"

    return "[" + "".join(esc(a) if a == b else f"{esc(a)}-{esc(b)}" for a, b in ranges) + "]"


def _not_precomputed() -> list[tuple[int, int]]:
    out, prev = [], 0
    for lo, hi in _PRECOMPUTED:
        if lo > prev:
            out.append((prev, lo - 1))
        prev = hi + 1
    out.append((prev, sys.maxunicode))
    return out


_UNKNOWN = re.compile(_ranges_class(_not_precomputed()))


def _prepare(text: str) -> None:
    """Add the characters of ``text`` that no table knows yet to every table."""
    if text.isascii():
        return
    for ch in set(_UNKNOWN.findall(text)):
        cp = ord(ch)
        if cp not in _FOLD:
            _FOLD_CASE[cp] = _fold_char(ch, False)
            _ACCENTS[cp] = _accent_char(ch)
            out = _fold_char(ch, True)
            _FOLD_MARK[cp] = mark = _marked(ch, out)
            if mark != out:
                _UNMARK[ord(mark[0])] = out[0]
            _FOLD[cp] = out


def _irregular_class(table: dict[int, str]) -> str:
    """Return a regex class of characters whose fold is not exactly one character.

    Characters outside the precomputed ranges are in the class too; they are checked
    one by one, which only costs time for text in other scripts.
    """
    cps = sorted(cp for cp, out in table.items() if len(out) != 1)
    ranges: list[tuple[int, int]] = []
    for cp in cps:
        if ranges and ranges[-1][1] == cp - 1:
            ranges[-1] = (ranges[-1][0], cp)
        else:
            ranges.append((cp, cp))
    return _ranges_class(sorted(ranges + _not_precomputed()))


_IRREGULAR = re.compile(_irregular_class(_FOLD))
_IRREGULAR_CASE = re.compile(_irregular_class(_FOLD_CASE))
# A run of periods right after a letter is an abbreviation (or sentence) period and is
# dropped: "U.S." -> "us", "EE. UU." -> "ee uu". "3.145" keeps its period. The pattern
# starts with the literal so that the regex engine can skip to candidate periods.
_ABBR_PERIOD = re.compile(r"\.(?<=[^\W\d_]\.)\.*")
_SPACE_RUN = re.compile(r"  +")
_BOTH = re.compile(r"\.(?<=[^\W\d_]\.)\.*|  +")
_WS = re.compile(r"\s+")
_BEYOND_LATIN1 = re.compile("[^\x00-\xff]")


def _finish(s: str) -> str:
    return _SPACE_RUN.sub(" ", _ABBR_PERIOD.sub("", s))


def fold(text: str) -> str:
    """Return the case-insensitive matching key of ``text``.

    Diacritics are removed, case is folded, dashes become spaces, curly quotes become
    straight, abbreviation periods go, whitespace is collapsed and stripped.

    >>> fold("Tte. Gral."), fold("EE. UU."), fold("U.S."), fold("Lt.Gen.")
    ('tte gral', 'ee uu', 'us', 'ltgen')
    >>> {fold(s) for s in ("Ángeles", "Àngeles", "ANGELES", "A\\u0301ngeles")}
    {'angeles'}
    >>> fold("  Marina\\u2013Armada\\u00a0de  México\\r\\n"), fold("3.145 km")
    ('marina armada de mexico', '3.145 km')
    >>> fold("Secretaría de la Defensa Nacional"), fold("l\\u2019Armée")
    ('secretaria de la defensa nacional', "l'armee")
    """
    _prepare(text)
    return _finish(text.translate(_FOLD)).strip(" ")


def fold_case(text: str) -> str:
    """Return the matching key of ``text`` with its case kept (for case-sensitive terms).

    >>> fold_case("U.S."), fold_case("US"), fold_case("us"), fold_case("EE. UU.")
    ('US', 'US', 'us', 'EE UU')
    >>> fold_case("Morales Ángeles")
    'Morales Angeles'
    """
    _prepare(text)
    return _finish(text.translate(_FOLD_CASE)).strip(" ")


def strip_accents(text: str) -> str:
    """Return ``text`` without diacritics; case, spacing and punctuation are untouched.

    >>> strip_accents("Secretaría de la Defensa Nacional, Morales Ángeles, niño")
    'Secretaria de la Defensa Nacional, Morales Angeles, nino'
    >>> strip_accents("A\\u0301ngeles  U.S.")
    'Angeles  U.S.'
    """
    _prepare(text)
    return text.translate(_ACCENTS)


# Characters that show nothing: controls, format characters (zero-width spaces and
# joiners, direction marks, the byte-order mark, the soft hyphen), separators, and
# combining marks with no letter to sit on; and letters and symbols drawn blank (the
# Hangul fillers, the blank Braille pattern).
_INVISIBLE = frozenset(("Cc", "Cf", "Zs", "Zl", "Zp", "Mn", "Me"))
_BLANK_GLYPHS = frozenset("\u115f\u1160\u3164\uffa0\u2800")


def visible(text: str) -> bool:
    """Return True when ``text`` shows at least one character (not only spaces or zero-width ones).

    >>> visible(" Tte. "), visible("\u200b\ufeff\u00ad \u2060"), visible(""), visible("\u3164\u0301")
    (True, False, False, False)
    """
    first = text[:1]
    if first and first.isascii() and first.isprintable() and first != " ":
        return True  # nearly every text: its first character shows
    return any(not ch.isspace() and ch not in _BLANK_GLYPHS and unicodedata.category(ch) not in _INVISIBLE
               for ch in text)


def normalize_space(text: str) -> str:
    """Return ``text`` in NFC with whitespace runs collapsed to one space and stripped.

    This is the comparison used for an "exact" match: case and accents still count.

    >>> normalize_space(" Tte.\\u00a0 Gral. ")
    'Tte. Gral.'
    """
    return _WS.sub(" ", unicodedata.normalize("NFC", text)).strip()


class _Piecewise:
    """A non-decreasing map ``x -> x + delta(x)`` with ``delta`` constant between breakpoints."""

    __slots__ = ("xs", "ds")

    def __init__(self) -> None:
        self.xs = [0]
        self.ds = [0]

    def set(self, x: int, d: int) -> None:
        if self.xs[-1] == x:
            self.ds[-1] = d
            if len(self.xs) > 1 and self.ds[-2] == d:
                self.xs.pop()
                self.ds.pop()
        elif self.ds[-1] != d:
            self.xs.append(x)
            self.ds.append(d)

    def __call__(self, x: int) -> int:
        return x + self.ds[bisect_right(self.xs, x) - 1]


@dataclass(frozen=True, slots=True, eq=False)
class Folded:
    """A folded text and the map from its positions back to the original text.

    ``text`` is :func:`fold` (or :func:`fold_case`) of ``original`` *before the final
    strip*: a leading or trailing whitespace run is kept as one space, so that
    ``text.strip() == fold(original)`` and positions in ``text`` are stable.
    """

    original: str
    text: str
    # Two stages, each with a map for span starts and one for span ends: A is the
    # per-character table (dropped marks, expansions), B the period and space passes.
    _start_a: _Piecewise = field(repr=False)
    _end_a: _Piecewise = field(repr=False)
    _start_b: _Piecewise = field(repr=False)
    _end_b: _Piecewise = field(repr=False)
    #: ``text`` with the case of each original character's first letter kept, when asked
    #: for (``cased=True``): ``cased[i]`` is a capital exactly where the character that
    #: produced ``text[i]`` is not lowercase, and ``cased.lower()`` is ``text`` for ASCII.
    cased: str | None = field(default=None, repr=False)

    def to_original(self, start: int, end: int, *, with_period: bool = False) -> tuple[int, int]:
        """Return the ``(start, end)`` span of ``original`` that folded to ``text[start:end]``.

        The span runs from the first character that produced ``text[start]`` to the last
        one that produced ``text[end - 1]``, including combining marks that follow it. A
        dropped abbreviation period right after the span is left out, unless
        ``with_period`` is true. A whitespace run folded to one space maps to the whole run.
        An empty span maps to an empty span.

        >>> f = fold_with_offsets("El Tte.  Gral. Morales A\\u0301ngeles, de EE. UU.")
        >>> f.text
        'el tte gral morales angeles, de ee uu'
        >>> s = f.text.index("tte gral"); f.original.__getitem__(slice(*f.to_original(s, s + 8)))
        'Tte.  Gral'
        >>> s = f.text.index("angeles"); f.original.__getitem__(slice(*f.to_original(s, s + 7)))
        'A\\u0301ngeles'
        >>> s = f.text.index("ee uu"); f.original.__getitem__(slice(*f.to_original(s, s + 5, with_period=True)))
        'EE. UU.'
        """
        n = len(self.text)
        if not 0 <= start <= end <= n:
            raise ValueError(f"span ({start}, {end}) outside 0..{n}")
        if start == end:
            pos = self._start_a(self._start_b(start)) if start < n else len(self.original)
            pos = min(pos, len(self.original))
            return pos, pos
        ostart = self._start_a(self._start_b(start))
        oend = self._end_a(self._end_b(end))
        if with_period and oend < len(self.original) and self.original[oend] == "." and (
            end == n or self.text[end] != "."
        ):
            oend += 1
        return ostart, oend

    def mapper(self) -> Callable[[int, int], tuple[int, int]]:
        """Return a function doing :meth:`to_original` for non-empty in-bounds spans, without its checks.

        For callers mapping many spans (the annotator): one call instead of five.

        >>> f = fold_with_offsets("El Tte.  Gral. A\\u0301ngeles")
        >>> span = f.mapper()
        >>> all(span(s, e) == f.to_original(s, e) for s in range(len(f.text)) for e in range(s + 1, len(f.text) + 1))
        True
        """
        sax, sad, eax, ead = self._start_a.xs, self._start_a.ds, self._end_a.xs, self._end_a.ds
        sbx, sbd, ebx, ebd = self._start_b.xs, self._start_b.ds, self._end_b.xs, self._end_b.ds

        def span(start: int, end: int) -> tuple[int, int]:
            b = start + sbd[bisect_right(sbx, start) - 1]
            e = end + ebd[bisect_right(ebx, end) - 1]
            return b + sad[bisect_right(sax, b) - 1], e + ead[bisect_right(eax, e) - 1]

        return span


def fold_with_offsets(text: str, keep_case: bool = False, cased: bool = False) -> Folded:
    """Return ``text`` folded (see :class:`Folded`) with a map back to its offsets.

    Building costs two C-level passes plus Python work only at characters whose fold is
    not one character (decomposed accents, "ß"), at dropped abbreviation periods and at
    whitespace runs; mapping a span costs four binary searches. With ``cased`` (and not
    ``keep_case``), :attr:`Folded.cased` is filled too, for one more C-level pass.

    >>> f = fold_with_offsets(" Stra\\u00dfe  U.S.\\r\\n", cased=True)
    >>> f.text, f.text.strip() == fold(f.original), f.cased
    (' strasse us ', True, ' Strasse US ')
    >>> f.to_original(1, 8)
    (1, 7)
    """
    _prepare(text)
    cased = cased and not keep_case
    table = _FOLD_CASE if keep_case else (_FOLD_MARK if cased else _FOLD)
    irregular = _IRREGULAR_CASE if keep_case else _IRREGULAR
    start_a, end_a = _Piecewise(), _Piecewise()
    # Step A: the per-character table. delta = original index - translated index.
    delta = 0
    for m in irregular.finditer(text):
        i = m.start()
        out = table[ord(text[i])]
        k = len(out)
        if k == 1:
            continue
        f = i - delta
        if k == 0:
            # A dropped mark (or invisible character) belongs to the character before it.
            delta = i + 1 - f
            start_a.set(f, delta)
            end_a.set(f, delta)
        else:
            # Every character of an expansion ("ß" -> "ss") maps to the whole source character.
            for j in range(k):
                start_a.set(f + j, i - (f + j))
                if j:
                    end_a.set(f + j, i + 1 - (f + j))
            delta = i + 1 - (f + k)
            start_a.set(f + k, delta)
            end_a.set(f + k, delta)
    a = text.translate(table)
    # Step B: periods and whitespace runs on the translated text, the same passes as
    # _finish. Breakpoints are appended directly: this loop runs once per sentence.
    start_b, end_b = _Piecewise(), _Piecewise()
    sx, sd, ex, ed = start_b.xs, start_b.ds, end_b.xs, end_b.ds
    delta = 0
    for m in _BOTH.finditer(a):
        p, q = m.span()
        g = p - delta
        if a[p] == ".":
            # Dropped period: part of neither the span before it nor the one after.
            delta = q - g
            sx.append(g)
            ex.append(g + 1)
        else:
            delta = q - g - 1
            sx.append(g + 1)
            ex.append(g + 1)
        sd.append(delta)
        ed.append(delta)
    out = _finish(a)
    if not cased:
        return Folded(text, out, start_a, end_a, start_b, end_b)
    # str.lower() agrees with _UNMARK on ASCII and Latin-1 (the only capitals there are
    # the marks, and the folded letters are lowercase already) and is much faster.
    lower = out.lower() if out.isascii() or not _BEYOND_LATIN1.search(out) else out.translate(_UNMARK)
    return Folded(text, lower, start_a, end_a, start_b, end_b, cased=out)


def decode_named(data: bytes, encoding: str) -> str:
    """Decode; text named Latin-1 is read as Windows-1252, as the WHATWG Encoding Standard does.

    Files "in Latin-1" from Windows put curly quotes and dashes in 0x80-0x9F, which
    Latin-1 reads as invisible controls.

    >>> decode_named(b"\\x93Marina\\x94 \\x96 1,200", "latin-1")
    '“Marina” – 1,200'
    """
    try:
        latin = codecs.lookup(encoding).name == "iso8859-1"
    except LookupError:
        latin = False
    if latin:
        return data.decode("cp1252", errors="strict") if not _CP1252_HOLES.search(data) else data.decode("latin-1")
    return data.decode(encoding)


# Bytes Windows-1252 leaves undefined: a file holding them is read as Latin-1 proper.
_CP1252_HOLES = re.compile(rb"[\x81\x8d\x8f\x90\x9d]")


# What XML 1.0 cannot hold: C0 controls but tab, line feed and carriage return, and the
# noncharacters U+FFFE, U+FFFF. The TBX and TMX writers drop them (formats.base.xml_safe).
_NOT_IN_XML = "\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff"
XML_INVALID = re.compile(f"[{_NOT_IN_XML}]")
# Refused in a term or a concept's text: those, and DEL.
_CONTROL = re.compile(f"[{_NOT_IN_XML}\x7f]")


def control_character(text: str) -> str | None:
    r"""Return the first control character of ``text`` that no TBX or TMX file can carry, or None.

    >>> control_character("bad\x01term"), control_character("line\nbreak")
    ('\x01', None)
    """
    found = _CONTROL.search(text)
    return found.group() if found else None
