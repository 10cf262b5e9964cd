"""Find every known term in an article: exact spans, canonical form, translation, flags.

The scan runs one Aho–Corasick automaton (pyahocorasick, C) over the folded article
(:func:`termbank.normalize.fold_with_offsets`), so accents, case, abbreviation periods,
dashes and line breaks inside a term do not matter; every hit is then checked in Python
against the original text: word boundaries, case for acronyms, the term's match rule
(``always``, ``case``, ``capitalized``, ``title``: see glossaries/README.md), and the
longest non-overlapping hits are kept (leftmost-longest). Offsets always point into the
original string: ``source[m.start:m.end] == m.text``.
"""

from __future__ import annotations

import re
import unicodedata
from array import array
from bisect import bisect_left
from collections import Counter, defaultdict, deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from functools import lru_cache
from itertools import accumulate

import ahocorasick

from .heap import Blob, bulk, release
from .langs import base_language, locale_distance
from .match import LISTED_KINDS, SPACED_KINDS, TermIndex, tight_text
from .model import Concept, Term
from .morph import inflections
from .normalize import fold, fold_case, fold_with_offsets, normalize_space, strip_accents
from .segment import _rules_data

__all__ = ["Mention", "Document", "Annotator", "detect_language", "spanish_lean", "as_read", "FLAGS"]

#: Flags a mention can carry.
FLAGS = ("accent", "deprecated", "inconsistent", "untranslated")

# Words that introduce a noun phrase. A rank after one of these and before a lowercase
# word is ordinary prose ("the general public"), unless the same rank was already used
# as a title in the document ("the general said" after "Gen. Guillot").
_DETERMINERS = {
    "en": frozenset("the a an this that these those our their his her its".split()),
    "es": frozenset("el la los las un una unos unas este esta estos estas ese esa al del su sus".split()),
}
# Frequent words, to tell English from Spanish (``--lang auto``).
_STOPWORDS = {
    "en": frozenset("the of and to in is was for on that with as by at from his her it were are has have "
                    "said which who this be an will their been if or not but they we you he she our its "
                    "into than also after about would can".split()),
    "es": frozenset("de la el en y los las del que se por con para una un es al su lo como fue más pero "
                    "sus le ha dijo este esta entre si también sobre desde son han hay sin cuando donde "
                    "muy ya".split()),
}
# Spelling that is common in one language and rare in the other, for short texts with
# few frequent words ("Tte. Cnel. Juan Pérez", "press OK"): accents, "ción", "th", "-ing".
_SPELLING_HINTS = {
    "en": re.compile(r"th|wh|ght|sh|w|k|ing$|['’]s$"),
    "es": re.compile(r"[áéíóúñü]|ción$|ciones$|mente$"),
}
# After "the general" / "el general", the words that show the rank is the subject of a
# clause ("the general said", "el general explicó") rather than an adjective before a
# noun ("the general public", "la mayor parte") or a noun with a complement ("el capitán
# del pesquero"): a few frequent words, and verb endings (English past, Spanish preterite).
_CLAUSE_WORDS = {
    "en": frozenset("said says told tells added adds noted notes who whose which and also then later is was "
                    "has had will would could can did does spoke speaks met meets recalled wrote".split()),
    "es": frozenset("dijo dice dicen es fue era ha había habría será sería quien quienes que y también luego "
                    "no se le lo les al tiene tuvo puso hizo".split()),
}
_CLAUSE_ENDINGS = {"en": ("ed",), "es": ("ó", "aron", "ieron")}
_WORD = re.compile(r"[^\W_]+(?:['’][^\W_]+)*")
# A number, and at most one word (an adjective: "two Mexican colonels"), before a plural rank.
_COUNTED = re.compile(
    r"(?<![\w.,])(?:\d[\d.,]*|two|three|four|five|six|seven|eight|nine|ten|dozen|several|dos|tres|cuatro|"
    r"cinco|seis|siete|ocho|nueve|diez|varios|varias)[ \t\u00a0]+(?:[^\W\d_][\w'’-]*[ \t\u00a0]+)?$",
    re.IGNORECASE,
)
# Rank words whose plural is above all the ordinary noun for members of a force: counted,
# they are not the rank ("1200 soldados" are soldiers, not privates).
_GENERIC_PLURALS = frozenset({
    "soldados", "soldadas", "marineros", "marineras", "aviadores", "aviadoras", "especialistas",
    "airmen", "seamen", "specialists",
})
_SENTENCE_END = set('.!?¿¡:;"“”«»\n')
# The word right before a mention, across spaces and at most one line break.
_WORD_BEFORE = re.compile(r"([^\W\d_][\w'’.-]*)[ \t\u00a0]*\r?\n?[ \t\u00a0]*\Z")
# What may follow a Spanish name and go on with it: a capitalized word, straight after it
# or after "de", "del", "de la" ("Ejército Peruano", "Armada de Chile").
_NAME_GOES_ON = re.compile(
    r"(?=\s)[ \t\u00a0]*\r?\n?[ \t\u00a0]*(?:(?:de|del)[ \t\u00a0\r\n]+(?:(?:la|las|los|el)[ \t\u00a0\r\n]+)?)?"
    r"([^\W\d_][\w'’.-]*)")
# The automaton scans a copy of the folded text in which every character that cannot be
# inside a word (str.isalnum() is False; \w is isalnum plus "_") is _GAP, for keys padded
# with _GAP: a key then only matches whole words, and short keys ("de", "us") no longer
# hit inside every longer word (issue 8: millions of raw hits in a 10 MB corpus).
_NOT_ALNUM = re.compile(r"[\W_]")
_GAP = "\x00"
_ASTRAL = re.compile("[\U00010000-\U0010ffff]")
_SCAN_TABLE: list[str] = []  # code point (below 0x10000) -> itself or _GAP; built on first use
_GAPS = re.compile(_GAP)
# Bumped whenever the automaton's keys or values change meaning: older caches are rebuilt.
_SCAN_VERSION = 5
# Texts searched without the automaton (see Annotator._hits): each at most _PROBE_MAX
# characters, at most _PROBE_BUDGET in all before the automaton is loaded.
_PROBE_MAX = 20_000
_PROBE_BUDGET = 40_000
# Distinct (key, surface, ...) outcomes remembered across documents before starting over.
_MEMO_MAX = 200_000


def _accented(text: str) -> int:
    """Return how many letters of ``text`` carry a diacritic.

    >>> _accented("decomisó"), _accented("decomiso"), _accented("A\u0301ngeles")
    (1, 0, 1)
    """
    nfc = unicodedata.normalize("NFC", text)
    return sum(1 for a, b in zip(nfc, strip_accents(nfc)) if a != b)


@lru_cache(maxsize=1 << 16)
def _spelling(text: str) -> str:
    """Return ``text`` as compared for the accent flag: NFC, whitespace runs as one space, case folded.

    Composed and decomposed accents, a line break or a tab inside a term are not spelling
    differences; a missing, wrong or extra accent is.

    >>> _spelling("Me\\u0301xico") == _spelling("MÉXICO"), _spelling("secretario de la\\r\\nDefensa")
    (True, 'secretario de la defensa')
    """
    return as_read(text).casefold()


def as_read(text: str) -> str:
    """Return ``text`` as a reader sees it: NFC, whitespace runs as one space, no soft hyphen.

    A soft hyphen is invisible; mask_html pads decoded character references with it.

    >>> as_read("Secre\\u00adtaría de\\nMarina ")
    'Secretaría de Marina'
    """
    if "\u00ad" in text:
        text = text.replace("\u00ad", "")
    return normalize_space(text)


def _starts_clause(after: str, lang: str) -> bool:
    """Return whether the text after a rank shows it heads a clause (see ``_CLAUSE_WORDS``).

    >>> _starts_clause(" said.", "en"), _starts_clause(" public", "en"), _starts_clause(", who", "en")
    (True, False, True)
    >>> _starts_clause(" explicó que", "es"), _starts_clause(" parte", "es"), _starts_clause(" del pesquero", "es")
    (True, False, False)
    """
    m = re.match(r"\s*([^\W\d_][\w'’-]*)?", after)
    word = m.group(1) if m else None
    if not word:
        return True  # punctuation, a number or the end: "dijo el general.", "the general, who"
    w = word.lower()
    return w in _CLAUSE_WORDS.get(lang, ()) or w.endswith(_CLAUSE_ENDINGS.get(lang, ()))


def _inside_another_name(c: _Candidate, text: str, names: Callable[[str], Iterable[str]] | None = None) -> bool:
    """Return whether a bare capitalized name ("Army", "Ejército") is a word of a longer one.

    The glossary enters the bare names of the forces for one country (the U.S. in English,
    Mexico in Spanish) and other countries' with the country ("Colombian Army", "Ejército
    de Guatemala"); a listed longer name is chosen before its words (leftmost-longest). A
    longer name that is not listed still shows beside the bare word: the English qualifier
    comes before it ("Colombian National Army", "Mexico's Navy", "Texas National Guard"),
    the Spanish one after it ("Ejército Peruano", "Armada Nacional de Colombia", "Guardia
    Civil", "Ejército de Tierra"). That name is another body, not the glossary's concept,
    unless the word beside it is one of the concept's own ("U.S. Marines": "U.S. Marine
    Corps" is listed), or ``names(word)`` (the texts of the concepts the word is a term
    of) gives one written inside the concept's terms: "la Guardia Costera de EU", as "EU"
    is a term of the United States, written in "Guardia Costera de Estados Unidos".

    >>> from termbank.model import Concept, Term
    >>> def cand(text, start, end, lang):
    ...     term = Term(text=text[start:end], lang=lang)
    ...     return _Candidate(start, end, start, end, Concept(id="x", category="institution", terms=(term,)),
    ...                       term, 0, "term", "capitalized", ())
    >>> [_inside_another_name(cand(t, t.index("Army"), t.index("Army") + 4, "en"), t)
    ...  for t in ("the Colombian National Army", "the Army", "The Army", "Smith. Army", "Smith, Army")]
    [True, False, False, False, False]
    >>> [_inside_another_name(cand(t, 3, 11, "es"), t)
    ...  for t in ("el Ejército Peruano", "el Ejército de Tierra", "el Ejército y la Marina", "el Ejército. La")]
    [True, True, False, False]

    A Spanish adjective of nationality after the name says whose service it is
    (data/demonyms.toml): "el Ejército salvadoreño" is El Salvador's.

    >>> [_inside_another_name(cand(t, 3, 11, "es"), t)
    ...  for t in ("el Ejército salvadoreño.", "el Ejército desplegó tropas", "el Ejército en la frontera")]
    [True, False, False]

    Not in a line written in title case or capitals (a headline), nor beside a word
    that a capital does not make a name: a sentence's first word ("The"), a month or
    a day ("In January Army officials"), a dateline ("WASHINGTON").

    >>> [_inside_another_name(cand(t, t.index("Army"), t.index("Army") + 4, "en"), t)
    ...  for t in ("In January Army officials", "WASHINGTON\\nArmy officials", "Pentagon Tells Army To Cut Costs")]
    [False, False, False]
    """
    if c.term.base_lang == "en":
        m = _WORD_BEFORE.search(text[max(0, c.start - 60):c.start])
        if m is None:
            return False
        word = m.group(1)
        if word.endswith(".") and "." not in word[:-1]:
            return False  # the end of a sentence ("... Smith. Army officials"), not "U.S."
        if not word[:1].isupper() or word in _opening_words("en") or word in _calendar_words() \
                or (word.isupper() and len(word) > 3 and "." not in word):
            return False
    else:
        m = _NAME_GOES_ON.match(text, c.end)
        if m is not None and m.group(1)[:1].islower() and not m.group(0).lstrip()[:2].lower() == "de":
            # "el Ejército salvadoreño": another country's service, unless the concept is
            # that country's ("la Marina mexicana": mx-semar's subject names Mexico).
            country = _demonyms().get(m.group(1).rstrip("."))
            return country is not None and not _of_country(c.concept, country)
        if m is None or not m.group(1)[:1].isupper() or m.group(1) in _opening_words("es"):
            return False
        word = m.group(1)
    if _bare_word(word) in {_bare_word(w) for t in c.concept.terms for w in t.text.split()}:
        return False
    if names is not None:
        own = [f" {t.text} " for t in c.concept.terms]
        if any(f" {name} " in term for name in names(word) if len(name) > 1 for term in own):
            return False
    return not _headline(text, c.start, c.end)  # last: it reads the whole line


def _headline(text: str, start: int, end: int) -> bool:
    """Return whether the line around ``start:end`` reads as a headline: it starts with a
    capital, has no comma and no final period, and every word of four letters or more
    (three at least) starts with a capital.

    >>> _headline("Pentagon Tells Army To Cut Costs", 15, 19), _headline("The commander of the Colombian Army", 30, 34)
    (True, False)
    >>> _headline("The Indian Army and the Colombian Congress met.", 11, 15)
    False
    """
    line_start = text.rfind("\n", 0, start) + 1
    line_end = text.find("\n", end)
    line = text[line_start:len(text) if line_end < 0 else line_end].strip()
    if not line[:1].isupper() or "," in line or line.endswith("."):
        return False
    words = [w for w in _WORD.findall(line) if len(w) >= 4]
    return len(words) >= 3 and all(w[:1].isupper() for w in words)


@lru_cache(maxsize=None)
def _demonyms() -> dict[str, str]:
    """Spanish adjectives of nationality, every form ("chileno", "chilenas"), to their ISO 3166 code."""
    from .data import load
    from .morph import inflect_word

    return {form: code for word, code in load("demonyms.toml")["es"].items()
            for form in (word, *(inflect_word(word, "es", k) for k in ("plural", "feminine", "feminine-plural")))}


def _of_country(concept: Concept, code: str) -> bool:
    """Return whether the concept's subject or terms name the country (its English or Spanish name)."""
    names = _country_names(code)
    said = " ".join([concept.subject or "", *(t.text for t in concept.terms)])
    return any(name in said for name in names)


@lru_cache(maxsize=None)
def _country_names(code: str) -> tuple[str, ...]:
    """The country's names in English and Spanish (babel's CLDR data): "Mexico", "México"."""
    from babel import Locale

    return tuple({Locale(lang).territories.get(code, code) for lang in ("en", "es")})


@lru_cache(maxsize=None)
def _calendar_words() -> frozenset[str]:
    """English month and day names (babel's CLDR data): capitalized, yet not part of a name."""
    from babel import Locale

    en = Locale("en")
    return frozenset(name for names in (en.months["format"]["wide"], en.days["format"]["wide"])
                     for name in names.values())


def _bare_word(word: str) -> str:
    """Return a word as compared with a concept's words: no accents, case, periods or possessive.

    >>> _bare_word("U.S."), _bare_word("Mexico’s"), _bare_word("Perú")
    ('us', 'mexico', 'peru')
    """
    word = strip_accents(word.casefold()).replace(".", "")
    return re.sub(r"['’]s?$", "", word)


@lru_cache(maxsize=None)
def _opening_words(lang: str) -> frozenset[str]:
    """Words that open sentences with a capital ("The", "Our"): not part of a name."""
    return frozenset(_rules_data().get("lang", {}).get(lang, {}).get("sentence_starters", ()))


def _scan_text(ftext: str) -> str:
    """Return the folded text as the automaton scans it: ``_GAP`` for every non-word character, and around it.

    One ``str.translate`` through a table indexed by code point (a third of the time of
    the equivalent ``re.sub``); text with characters beyond the Basic Multilingual Plane,
    which the table does not cover, takes the regex.

    >>> _scan_text("ee uu, u_s 3.5").replace(_GAP, "|"), _scan_text("¿sí? \U0001f600").replace(_GAP, "|")
    ('|ee|uu||u|s|3|5|', '||sí||||')
    """
    if not ftext.isascii() and _ASTRAL.search(ftext):
        return _GAP + _NOT_ALNUM.sub(_GAP, ftext) + _GAP
    if not _SCAN_TABLE:
        _SCAN_TABLE.extend(ch if ch.isalnum() else _GAP for ch in map(chr, range(0x10000)))
    return _GAP + ftext.translate(_SCAN_TABLE) + _GAP


def detect_language(text: str) -> str:
    """Return ``"en"`` or ``"es"``, whichever language the text reads more like (English on a tie).

    >>> detect_language("El general dijo que la reunión fue un éxito."), detect_language("The general said it was.")
    ('es', 'en')
    >>> detect_language("Tte. Cnel. Juan Pérez"), detect_language("If x < y, press OK."), detect_language("fiebre")
    ('es', 'en', 'en')
    """
    return "es" if spanish_lean(text) > 0 else "en"


def spanish_lean(text: str) -> float:
    """Return how much more ``text`` reads as Spanish than as English (negative: English).

    Each frequent word counts 1 for its language; each other word spelt the way one
    language spells (``_SPELLING_HINTS``) counts half, so frequent words decide a sentence
    and spelling decides a caption; "ñ", "¿", "¡" count 2.

    >>> spanish_lean("Si x < y, pulse Aceptar.") > spanish_lean("If x < y, press OK.")
    True
    """
    counts = {"en": 0.0, "es": 0.0}
    for i, m in enumerate(_WORD.finditer(text[:20000])):
        w = m.group().lower()
        hit = False
        for lang, words in _STOPWORDS.items():
            if w in words:
                counts[lang] += 1
                hit = True
        if not hit:
            for lang, hint in _SPELLING_HINTS.items():
                if hint.search(w):
                    counts[lang] += 0.5
        if i > 3000:
            break
    if any(c in text[:20000] for c in "ñ¿¡"):
        counts["es"] += 2
    return counts["es"] - counts["en"]


class _SortedWords:
    """Scanned words and their automaton values, sorted and packed into one string.

    Searched by bisection without building a string per word: unpickled in milliseconds
    where a dict of 400,000 words takes a tenth of a second.

    >>> g = _GAP
    >>> w = _SortedWords({g + "us" + g: 36, g + "ee" + g + "uu" + g: 101})
    >>> [w[i].split(g) for i in range(len(w))], list(w.values), w.longest
    ([['', 'ee', 'uu', ''], ['', 'us', '']], [101, 36], 7)
    """

    def __init__(self, values: dict[str, int]):
        words = sorted(values)
        self.blob = "".join(words)
        self.offsets = array("q", [0])
        self.offsets.extend(accumulate(map(len, words)))
        self.values = array("q", (values[w] for w in words))
        self.longest = max(map(len, words), default=0)

    def __len__(self) -> int:
        return len(self.values)

    def __getitem__(self, i: int) -> str:
        return self.blob[self.offsets[i]:self.offsets[i + 1]]


@dataclass(frozen=True, slots=True)
class Mention:
    """One term found in a text (SPEC: annotate MENTION), plus what was matched."""

    start: int
    end: int
    text: str
    concept: str
    category: str
    canonical: str
    suggestion: str
    flags: tuple[str, ...] = ()
    term: str = ""
    term_lang: str = ""
    status: str = ""
    match: str = ""
    notes: str | None = None

    def as_dict(self) -> dict:
        """Return the SPEC's MENTION object (with termbank's extra fields)."""
        out = {
            "start": self.start, "end": self.end, "text": self.text, "concept": self.concept,
            "category": self.category, "canonical": self.canonical, "suggestion": self.suggestion,
            "flags": list(self.flags), "term": self.term, "term_lang": self.term_lang,
            "status": self.status, "match": self.match,
        }
        if self.notes:
            out["notes"] = self.notes
        return out


@dataclass
class Document:
    """The annotations of one text."""

    file: str
    lang: str
    text: str
    mentions: list[Mention] = field(default_factory=list)

    @property
    def summary(self) -> dict:
        """Return counts: mentions, concepts, flags, categories."""
        flags = Counter(f for m in self.mentions for f in m.flags)
        return {
            "mentions": len(self.mentions),
            "concepts": len({m.concept for m in self.mentions}),
            "flags": dict(sorted(flags.items())),
            "by_category": dict(sorted(Counter(m.category for m in self.mentions).items())),
            "by_concept": dict(Counter(m.concept for m in self.mentions).most_common()),
        }

    def as_dict(self) -> dict:
        """Return the SPEC's per-file JSON object."""
        return {"file": self.file, "lang": self.lang, "mentions": [m.as_dict() for m in self.mentions],
                "summary": self.summary}


@dataclass(slots=True)
class _Candidate:
    start: int  # original offsets
    end: int
    fstart: int  # folded offsets
    fend: int
    concept: Concept
    term: Term
    term_pos: int
    kind: str
    rule: str
    score: tuple


def _role(term: Term) -> str:
    """Return which forms compete with each other: full names, short forms, abbreviations."""
    if term.type in ("abbreviation", "acronym"):
        return "abbr"
    if term.type == "shortForm":
        return "short"
    return "full"


class Annotator:
    """A compiled matcher over a :class:`TermIndex` (picklable, so it can be cached)."""

    #: Version of the pickled form, for the cache (see cache.cached's ``layout``).
    LAYOUT = (_SCAN_VERSION, TermIndex.LAYOUT)

    def __init__(self, index: TermIndex):
        self.index = index
        self._build_automaton()
        self._forms: dict[tuple[str, int, str], str] = {}
        self._memo: dict[tuple, tuple] = {}

    def _build_automaton(self) -> None:
        """Add every key, as scanned (see ``_GAP``), with what a hit on it stands for.

        A key that starts and ends with a letter or digit and is the only key scanned so
        (nearly all) is stored as the int ``16 * len(key) + 8 * upper + 4 * inner + 2 *
        plural`` and read back from the folded text (``upper``: an acronym or abbreviation
        never written in lowercase, so a hit on a lowercase word is dropped at once;
        ``inner``: it has spaces or punctuation inside, so the text read must be checked to
        be that key); any other as ``2 * i + 1``, ``i`` indexing ``_special``. Int values
        keep the pickled automaton small and quick to load (issue 8).
        """
        # Many small tuples and no garbage: the cyclic collector would rescan them again
        # and again (as in TermIndex.build).
        with bulk():
            self._add_words()
        self._gap_scan = _SCAN_VERSION

    def _add_words(self) -> None:
        # The first item of each scanned word, and all of them for the few words several
        # keys share (one list per word would cost 400,000 lists at 100k concepts).
        first: dict[str, tuple] = {}
        more: dict[str, list[tuple]] = {}
        upper: set[str] = set()
        # Terms an English acronym plural can stand for (checked again per term on a hit).
        acronyms = {(c.id, i) for c in self.index.concepts.values() for i, t in enumerate(c.terms)
                    if t.type == "acronym" and t.base_lang == "en"}
        for key, entries in self.index.entries.items():
            if not key or not key.strip():
                continue
            if len(entries) == 1:
                e = entries[0]
                is_upper = e.case_key is not None and e.case_key[:1].isupper()
                plural_s = e.kind in LISTED_KINDS and (e.concept_id, e.term_index) in acronyms
            else:
                is_upper = all(e.case_key is not None and e.case_key[:1].isupper() for e in entries)
                plural_s = any(e.kind in LISTED_KINDS and (e.concept_id, e.term_index) in acronyms
                               for e in entries)
            if is_upper:
                upper.add(key)  # acronyms and abbreviations: never written starting in lowercase
            scan = key.replace(" ", _GAP)
            if not scan.replace(_GAP, "").isalnum():
                scan = _NOT_ALNUM.sub(_GAP, key)
            left = _GAP if key[0].isalnum() else ""
            right = _GAP if key[-1].isalnum() else ""
            verify = scan != key  # punctuation inside: "1.o batallon" must not match "1 o batallon"
            word = left + scan + right
            item = (key, len(left), False, verify, len(word))
            if word in first:
                more.setdefault(word, [first[word]]).append(item)
            else:
                first[word] = item
            if right and plural_s:
                # An English acronym may go on into a plural -s: "TCOs" (checked per term).
                word = left + scan + "s" + _GAP
                item = (key, len(left), True, verify, len(word))
                if word in first:
                    more.setdefault(word, [first[word]]).append(item)
                else:
                    first[word] = item
        self._special: list[tuple] = []
        values: dict[str, int] = {}
        for word, item in first.items():
            found = more.get(word)
            key, left, plural, verify, size = item
            if found is None and left and size == len(key) + 2 + plural:
                values[word] = 16 * len(key) + 8 * (key in upper) + 4 * verify + 2 * plural
            else:
                values[word] = 2 * len(self._special) + 1
                self._special.append(tuple(found) if found else (item,))
        automaton = ahocorasick.Automaton(ahocorasick.STORE_INTS, ahocorasick.KEY_STRING)
        deque(map(automaton.add_word, values, values.values()), maxlen=0)
        if values:
            automaton.make_automaton()
        self._automaton = automaton
        self._automaton_args = None
        # The sorted words are only searched after a cache load (see _hits): made when pickled.
        self._values: dict[str, int] | None = values
        self._words: _SortedWords | None = None
        self._count = len(values)
        self._probed = 0
        self._upper_keys = frozenset(upper)

    def _sorted_words(self) -> _SortedWords:
        if self._words is None:
            self._words = _SortedWords(self._values)
        return self._words

    def warm(self) -> None:
        """Load now what a long batch needs (the automaton, key positions): before forking workers that share it."""
        _ = self.automaton
        self.index.warm()

    @property
    def automaton(self) -> ahocorasick.Automaton:
        """The Aho–Corasick automaton of every scanned word, unpickled on first use (see ``_hits``)."""
        if self._automaton is None and not self._automaton_args:
            # Pickled without a word (an empty termbase): an empty automaton pickles as ().
            self._automaton = ahocorasick.Automaton(ahocorasick.STORE_INTS, ahocorasick.KEY_STRING)
        if self._automaton is None:
            chunks, *rest = self._automaton_args
            # From the cache its byte chunks may be views of the mapped file (cache.py):
            # copied (pyahocorasick wants bytes), then their pages given back.
            copies = []
            for chunk in chunks:
                copies.append(bytes(chunk))
                release([chunk])
            self._automaton = ahocorasick.Automaton(copies, *rest)
            self._automaton_args = None
        return self._automaton

    def __getstate__(self) -> dict:
        state = dict(self.__dict__)
        state["_memo"] = {}
        state["_probed"] = 0
        state["index"] = self.index.without_grams()
        # The automaton's own pickled form (its nodes as bytes), so that loading the cache
        # does not rebuild its millions of nodes before they are known to be needed.
        args = self._automaton.__reduce__()[1] if self._automaton is not None else self._automaton_args
        state["_automaton_args"] = args  # () for an automaton without a word (see automaton)
        if args:
            chunks, *rest = args
            state["_automaton_args"] = ([Blob(c) for c in chunks], *rest)  # see cache.py
        state["_automaton"] = None
        state["_words"] = self._sorted_words()
        state["_values"] = None
        return state

    def __setstate__(self, state: dict) -> None:
        self.__dict__.update(state)
        self.__dict__.setdefault("_memo", {})
        if state.get("_gap_scan") != _SCAN_VERSION:
            self._build_automaton()  # a cache written for another scan or value layout

    # -- public ----------------------------------------------------------------------
    def annotate(self, text: str, *, lang: str = "auto", to: str | None = None, file: str = "-") -> Document:
        """Return the :class:`Document` of ``text``: every mention, sorted and disjoint."""
        doc_lang = detect_language(text) if lang in (None, "auto") else base_language(lang)
        folded = fold_with_offsets(text, cased=True)
        candidates = self._candidates(text, folded, doc_lang)
        chosen = self._select(candidates, text, doc_lang)
        mentions = self._finish(chosen, text, doc_lang, to)
        return Document(file=file, lang=doc_lang, text=text, mentions=mentions)

    # -- scanning --------------------------------------------------------------------
    def _candidates(self, text: str, folded, doc_lang: str) -> list[_Candidate]:
        ftext = folded.text
        n = len(ftext)
        out: list[_Candidate] = []
        if not self._count:
            return out
        memo = self._memo
        if len(memo) > _MEMO_MAX:
            memo.clear()
        # ``cased`` lines up with ``ftext`` and keeps the capitals of the original.
        cased = folded.cased
        special = self._special
        entries = self.index.entries
        upper_keys = self._upper_keys
        english = doc_lang == "en"
        # First the raw hits that are whole words of a key: (fstart, fend, key, plural -s).
        hits = []
        for last, value in self._hits(_scan_text(ftext)):
            if not value & 1:
                # _GAP key [s] _GAP ending at ``last``; the scanned text is ftext shifted by
                # one. The padding makes it whole words already.
                size, plural = value >> 4, (value >> 1) & 1
                fstart = last - size - 1 - plural
                if value & 8 and cased[fstart].islower():
                    continue  # "de", "la", "us" in lowercase are words, not DE, LA, US
                if plural and not english:
                    continue
                key = ftext[fstart:fstart + size]
                if value & 4 and key not in entries:
                    continue  # other punctuation where the key has a space: "estados, unidos"
                hits.append((fstart, fstart + size, key, plural))
                continue
            for key, left, plural_s, verify, length in special[value >> 1]:
                fstart = last - length + left
                fend = fstart + len(key)
                if verify and not ftext.startswith(key, fstart):
                    continue
                # Whole words only, in the folded text (padding covers keys that start and
                # end with a letter or digit).
                if not left and fstart > 0 and ftext[fstart - 1].isalnum():
                    continue
                if not plural_s and fend < n and ftext[fend].isalnum():
                    continue
                if plural_s and not english:
                    continue
                if key in upper_keys and cased[fstart].islower():
                    continue  # as above
                hits.append((fstart, fend, key, plural_s))
        to_original = folded.mapper()
        for fstart, fend, key, plural_s in hits:
            ostart, oend = to_original(fstart, fend)
            surface = text[ostart:oend]
            after = text[oend:oend + 1]
            if plural_s and (after != "s" or not surface[-1:].isupper()):
                continue
            # Everything below depends only on these: computed once per distinct spelling.
            mkey = (key, surface, doc_lang, bool(plural_s), after == ".")
            made = memo.get(mkey)
            if made is None:
                made = memo[mkey] = self._templates(*mkey)
            for concept, term, term_pos, kind, rule, score, extra in made:
                out.append(_Candidate(ostart, oend + extra, fstart, fend, concept, term, term_pos, kind, rule, score))
        return out

    def _hits(self, scan: str) -> Iterable[tuple[int, int]]:
        """Return ``(end, value)`` for every scanned word in ``scan``, as ``automaton.iter`` does.

        Until the automaton is loaded, a small text is searched in the sorted words
        instead (:meth:`_probe`): a one-sentence article then does not wait for an
        automaton of millions of nodes to be unpickled (issue 8, start-up). Past
        ``_PROBE_BUDGET`` characters the automaton is loaded and used.
        """
        if self._automaton is None and len(scan) <= _PROBE_MAX and self._probed + len(scan) <= _PROBE_BUDGET:
            self._probed += len(scan)
            return self._probe(scan)
        return self.automaton.iter(scan)

    def _probe(self, scan: str) -> list[tuple[int, int]]:
        """Return the hits of ``scan`` (see :meth:`_hits`) found by bisection in the sorted words.

        Every scanned word runs from a ``_GAP`` to a ``_GAP``: for each gap that starts a
        word some scanned word starts with, every later gap within the longest word's reach
        closes a candidate. Hits come in the automaton's order: by end, longest first.
        """
        words = self._sorted_words()
        n = len(words)
        gaps = [m.start() for m in _GAPS.finditer(scan)]
        longest = words.longest
        hits = []
        for i, start in enumerate(gaps[:-1]):
            lo = 0
            for end in gaps[i + 1:]:
                if end - start >= longest:
                    break
                # Words sorted: those starting with ``piece`` come first from ``lo`` on, and
                # when none does, no longer piece from this start can be a word either.
                piece = scan[start:end + 1]
                lo = bisect_left(words, piece, lo)
                if lo == n:
                    break
                found = words[lo]
                if found == piece:
                    hits.append((end, start, words.values[lo]))
                elif not found.startswith(piece):
                    break
        hits.sort(key=lambda h: (h[0], h[1]))
        return [(end, value) for end, _start, value in hits]

    def _templates(self, key: str, surface: str, doc_lang: str, plural_s: bool, period: bool) -> tuple:
        """Return the candidates a hit on ``key`` written ``surface`` makes, without their offsets.

        Each is ``(concept, term, term_pos, kind, rule, score, extra)``, ``extra`` being the
        characters the mention takes after the key (an abbreviation's period, a plural -s).
        """
        out = []
        spelt = _spelling(surface)
        accents = _accented(surface)
        entries = self.index.entries
        concepts = self.index.concepts
        for entry in entries[key]:
            concept = concepts[entry.concept_id]
            term = concept.terms[entry.term_index]
            tlang = term.base_lang
            if plural_s and not (term.type == "acronym" and tlang == "en" and entry.kind in LISTED_KINDS):
                continue
            if not entry.accepts_case(surface):
                continue
            rule = term.match_rule
            # "capitalized": the capital marks the name (Marina, Defensa, Navy); a name has
            # no plural, so "Armadas", "Navies" at the start of a sentence are common nouns.
            if rule == "capitalized" and (not surface[:1].isupper() or entry.kind not in LISTED_KINDS):
                continue
            if rule == "title" and entry.kind not in LISTED_KINDS \
                    and spelt != self._form_spelling(concept, entry.term_index, entry.kind):
                # A rank or title word is also an ordinary word: a generated form with other
                # accents is another word ("la Secretaría de Bienestar" is not "secretaria").
                continue
            if entry.kind not in LISTED_KINDS \
                    and accents > _accented(self._form(concept, entry.term_index, entry.kind)):
                # A generated form written with an accent it does not have is another word,
                # whatever the rule: "la Secretaría de Seguridad Nacional" (a secretariat) is
                # not "la secretaria de Seguridad Nacional" (the woman at its head).
                continue
            if rule == "case" and entry.case_key is None:
                # A term whose match rule asks for its case although its type does not.
                form = self._form(concept, entry.term_index, entry.kind)
                if not entry._replace(case_key=fold_case(form)).accepts_case(surface):
                    continue
            if " " not in term.text and term.text[:1].islower() and entry.kind == "term" \
                    and accents > _accented(term.text):
                # A one-word common noun written with an accent it does not have is another
                # word, not a misspelling: "decomisó" (verb) is not "decomiso" (noun).
                continue
            foreign = tlang != doc_lang
            if foreign and not self._neutral(concept, term):
                # A term of the other language: only names of several words count
                # (an English institution name left in a Spanish article).
                if len(surface.split()) < 2 or rule in ("title", "capitalized"):
                    continue
            exact = spelt == self._form_spelling(concept, entry.term_index, entry.kind)
            case_ok = surface[:1].isupper() == term.text[:1].isupper()
            score = (
                0 if not foreign else 1,
                0 if case_ok else 1,
                0 if exact else 1,
                0 if entry.kind == "term" else 1,
                {"preferred": 0, "admitted": 1}.get(term.status, 2),
            )
            extra, kind = 0, entry.kind
            if plural_s:
                extra, kind = 1, "acronym-plural"
            elif period and self._form(concept, entry.term_index, entry.kind).endswith("."):
                extra = 1  # the abbreviation's own period: "U.S.", "Gral.", "Lt. Cols."
            out.append((concept, term, entry.term_index, kind, rule, score, extra))
        return tuple(out)

    @staticmethod
    def _neutral(concept: Concept, term: Term) -> bool:
        """True when the same written form is listed in both languages (names, acronyms)."""
        other = "es" if term.base_lang == "en" else "en"
        return any(t.text == term.text for t in concept.terms_in(other))

    def _form_spelling(self, concept: Concept, term_pos: int, kind: str) -> str:
        """Return :func:`_spelling` of :meth:`_form` (remembered with it)."""
        key = (concept.id, term_pos, kind, "spelling")
        spelt = self._forms.get(key)
        if spelt is None:
            spelt = self._forms[key] = _spelling(self._form(concept, term_pos, kind))
        return spelt

    def _form(self, concept: Concept, term_pos: int, kind: str) -> str:
        """Return the written form (accents kept) that an index entry stands for."""
        key = (concept.id, term_pos, kind)
        form = self._forms.get(key)
        if form is None:
            term = concept.terms[term_pos]
            form = term.text
            if kind == "acronym-plural":
                form = term.text + "s"
            elif kind not in LISTED_KINDS:
                form = dict((k, f) for f, k in inflections(term.text, term.base_lang)).get(kind, term.text)
            elif kind == "joined":
                form = term.text.replace(" ", "")
            elif kind == "tight":
                form = tight_text(term.text) or term.text
            self._forms[key] = form
        return form

    # -- match rules -------------------------------------------------------------------
    def _select(self, candidates: list[_Candidate], text: str, doc_lang: str) -> list[_Candidate]:
        """Return the leftmost-longest disjoint candidates that pass their match rules."""
        by_span: dict[tuple[int, int], list[_Candidate]] = defaultdict(list)
        for c in candidates:
            by_span[(c.start, c.end)].append(c)
        spans = sorted(by_span, key=lambda s: (s[0], -(s[1] - s[0])))
        titled: set[str] = set()
        chosen: list[_Candidate] = []
        taken_end = -1
        for span in spans:
            if span[0] < taken_end:
                continue
            best = None
            for c in sorted(by_span[span], key=lambda c: c.score):
                if c.rule == "title" and not self._works_as_title(c, text, doc_lang, titled):
                    continue
                if c.rule == "capitalized" and _inside_another_name(c, text, self._names):
                    continue
                best = c
                break
            if best is None:
                continue
            if best.rule == "title" or best.concept.category in ("rank", "title"):
                titled.add(best.concept.id)
            chosen.append(best)
            taken_end = span[1]
        return chosen

    def _names(self, word: str) -> list[str]:
        """Return the texts of every term of the concepts ``word`` is written as a term of."""
        concepts = self.index.concepts
        found = self.index.entries.get(fold(word), ())
        return [t.text for cid in {e.concept_id for e in found} for t in concepts[cid].terms]

    def _works_as_title(self, c: _Candidate, text: str, doc_lang: str, titled: set[str]) -> bool:
        """Return True when a rank or title word is used as one (see glossaries/README.md)."""
        after = text[c.end:c.end + 60]
        m = re.match(r"[ \t\u00a0]+([^\W\d_][\w'’.-]*)", after)
        next_word = m.group(1) if m else ""
        before = text[max(0, c.start - 60):c.start]
        prev = re.search(r"([^\W_][\w'’.]*)[ \t\u00a0]*$", before)
        prev_word = prev.group(1) if prev else ""
        prev_char = before.rstrip()[-1:] if before.strip() else ""
        sentence_start = not before.strip() or prev_char in _SENTENCE_END
        surface = text[c.start:c.end]
        # Before a personal name: "el general Ricardo Trevilla", "Gen. Guillot".
        if next_word[:1].isupper() and not next_word.isupper():
            return True
        # Capitalized inside a sentence, not part of a longer name ("Juan Coronel").
        if surface[:1].isupper() and not sentence_start:
            if not (prev_word[:1].isupper() and prev_word.lower() not in _DETERMINERS.get(doc_lang, ())):
                return True
        determiners = _DETERMINERS.get(doc_lang, frozenset())
        # "the general said" after a named general in the same document, but not "the
        # general public", "a major exercise", "la mayor parte", "el capitán del pesquero".
        if c.concept.id in titled and prev_word.lower() in determiners and _starts_clause(after, doc_lang):
            return True
        # A rank counted: "60 generals", "dos mayores", "two Mexican colonels", but not
        # "1200 soldados" (_GENERIC_PLURALS). A counted title is an ordinary noun: "two
        # secretaries", "the two military chiefs".
        if c.kind in ("plural", "feminine-plural") and c.concept.category == "rank" and _COUNTED.search(before) \
                and strip_accents(surface.casefold()) not in _GENERIC_PLURALS:
            return True
        return False

    # -- flags, canonical, suggestion ---------------------------------------------------
    def _finish(self, chosen: list[_Candidate], text: str, doc_lang: str, to: str | None) -> list[Mention]:
        target_lang = "es" if doc_lang == "en" else "en"
        if to and base_language(to) == doc_lang:
            to = None
        drafts = []
        memo = self._memo
        for c in chosen:
            surface = text[c.start:c.end]
            # Flags, canonical form and suggestion depend only on these (a news batch
            # repeats its terms): computed once per distinct spelling.
            mkey = ("finish", c.concept.id, c.term_pos, c.kind, surface, doc_lang, to)
            done = memo.get(mkey)
            if done is not None:
                drafts.append((c, surface, list(done[0]), *done[1:]))
                continue
            concept, term = c.concept, c.term
            form, want, want_bare, fixed, canonical_term, inflected, suggestion = \
                self._profile(concept, c.term_pos, c.kind, doc_lang, target_lang, to)
            spelt = _spelling(surface)
            flags = []
            if spelt != want and strip_accents(spelt) == want_bare \
                    and spelt not in self._listed_spellings(concept, term.base_lang):
                flags.append("accent")
            flags.extend(fixed)
            canonical = inflected
            if canonical_term is term and "accent" not in flags and term.status != "deprecated" \
                    and c.kind not in SPACED_KINDS:
                canonical = form  # "Tte.Cnel." is written "Tte. Cnel." as listed
            memo[mkey] = (tuple(flags), canonical, canonical_term, suggestion)
            drafts.append((c, surface, flags, canonical, canonical_term, suggestion))
        # Inconsistency: the same concept written in competing forms of one role.
        # A person's listed names do not compete (full name first, surname after); each
        # is still written one way.
        def group(c: _Candidate) -> tuple:
            return (c.concept.id, c.term.base_lang, c.term_pos if c.concept.category == "person" else _role(c.term))

        groups: dict[tuple, set] = defaultdict(set)
        for c, surface, flags, canonical, _, _ in drafts:
            groups[group(c)].add((c.term_pos, "accent" in flags))
        mentions = []
        for c, surface, flags, canonical, canonical_term, suggestion in drafts:
            forms = groups[group(c)]
            if len(forms) > 1:
                canonical_pos = c.concept.terms.index(canonical_term) if canonical_term in c.concept.terms else None
                if c.term_pos != canonical_pos or "accent" in flags:
                    flags.append("inconsistent")
            notes = "; ".join(x for x in (c.concept.note, c.term.usage) if x) or None
            mentions.append(
                Mention(
                    start=c.start, end=c.end, text=surface, concept=c.concept.id, category=c.concept.category,
                    canonical=canonical, suggestion=suggestion,
                    flags=tuple(flags), term=c.term.text, term_lang=c.term.lang, status=c.term.status,
                    match=c.kind, notes=notes,
                )
            )
        return mentions

    def _profile(self, concept: Concept, term_pos: int, kind: str, doc_lang: str, target_lang: str,
                 to: str | None) -> tuple:
        """Return what a mention's flags, canonical form and suggestion need, but its own spelling.

        ``(form, its spelling, that without accents, flags that do not depend on the
        spelling, canonical term, canonical term inflected, suggestion)``: computed once
        per concept, term, form and languages.
        """
        pkey = ("profile", concept.id, term_pos, kind, doc_lang, to)
        found = self._memo.get(pkey)
        if found is not None:
            return found
        term = concept.terms[term_pos]
        lang = term.base_lang
        form = self._form(concept, term_pos, kind)
        want = _spelling(form)
        fixed = []
        if term.status == "deprecated":
            fixed.append("deprecated")
        untranslated = lang != doc_lang and not self._neutral(concept, term)
        if untranslated:
            fixed.append("untranslated")
        # The form the document's language should use: for a term left in the other
        # language, its translation ("Departamento de Defensa" for "el Department of
        # Defense"), when the concept has one.
        canonical_term = None
        if lang == doc_lang or untranslated:
            canonical_term = self._canonical_term(concept, term, doc_lang)
        if canonical_term is None:
            canonical_term = self._canonical_term(concept, term, lang)
        inflected = self._inflect_like(canonical_term, kind) if canonical_term else form
        suggestion = self._suggest(concept, term, kind, target_lang, to)
        found = self._memo[pkey] = (form, want, strip_accents(want), tuple(fixed), canonical_term, inflected,
                                    suggestion)
        return found

    def _listed_spellings(self, concept: Concept, lang: str) -> frozenset[str]:
        """Return the spellings (:func:`_spelling`) of the listed forms and their inflections in ``lang``.

        A mention spelt as one of these has the accents of a listed form: no accent flag.
        """
        key = ("listed", concept.id, lang)
        found = self._memo.get(key)
        if found is None:
            spellings = set()
            for t in concept.terms:
                if t.base_lang == lang:
                    spellings.add(_spelling(t.text))
                    spellings.update(_spelling(form) for form, _kind in inflections(t.text, t.base_lang))
            found = self._memo[key] = frozenset(spellings)
        return found

    @staticmethod
    def _canonical_term(concept: Concept, term: Term, lang: str) -> Term | None:
        """Return the listed term this language should use in place of ``term`` (same role)."""
        role = _role(term)
        same_lang = [t for t in concept.terms_in(lang) if t.status != "deprecated"]
        if not same_lang:
            return None
        rank = {"preferred": 0, "admitted": 1}
        same_role = [t for t in same_lang if _role(t) == role]
        if term.status != "deprecated" and term in same_role \
                and (term.status == "preferred" or concept.category == "person"):
            # A person's every listed name is right where it stands: "Guillot" on second
            # reference after "Gen. Gregory M. Guillot" is news style, not a short form to fix.
            return term
        pool = same_role or same_lang
        return min(pool, key=lambda t: (rank.get(t.status, 2), t.lang.count("-")))

    def _inflect_like(self, term: Term, kind: str) -> str:
        if kind in LISTED_KINDS:
            return term.text
        if kind == "acronym-plural":
            return term.text + "s" if term.type == "acronym" and term.base_lang == "en" else term.text
        forms = dict((k, f) for f, k in inflections(term.text, term.base_lang))
        if kind in forms:
            return forms[kind]
        if kind == "feminine-plural" and "plural" in forms:
            return forms["plural"]
        return term.text

    def _suggest(self, concept: Concept, term: Term, kind: str, target_lang: str, to: str | None) -> str:
        """Return the translation to use: same role (abbreviation for an abbreviation), inflected alike."""
        pool = [t for t in concept.terms_in(target_lang) if t.status != "deprecated"]
        if not pool:
            return ""
        if concept.category == "person":
            same = next((t for t in pool if t.text == term.text), None)
            if same is not None:
                return same.text  # "Guillot" is "Guillot" in the translation too
        role = _role(term)
        # A locale asked for: terms of other regions are not its usage ("VANT" is es-MX,
        # not es-ES), unless the concept has nothing else in the language. Its region's
        # are ("mayor", es-419, for es-MX).
        pool = [t for t in pool if locale_distance(t.lang, to) < 3] or pool
        same_role = [t for t in pool if _role(t) == role] or pool
        rank = {"preferred": 0, "admitted": 1}

        def key(t: Term):
            return (locale_distance(t.lang, to), rank.get(t.status, 2), {"fullForm": 0}.get(t.type, 1))

        best = min(same_role, key=key)
        if kind in ("plural", "feminine-plural", "acronym-plural"):
            if kind == "acronym-plural" and best.type == "acronym" and best.base_lang == "en":
                return best.text + "s"
            forms = dict((k, f) for f, k in inflections(best.text, best.base_lang))
            return forms.get("plural", best.text)
        if kind == "feminine":
            forms = dict((k, f) for f, k in inflections(best.text, best.base_lang))
            return forms.get("feminine", best.text)
        return best.text


def annotate_texts(annotator: Annotator, items: Iterable[tuple[str, str]], **kwargs) -> Iterable[Document]:
    """Yield the Document of each ``(name, text)`` pair."""
    for name, text in items:
        yield annotator.annotate(text, file=name, **kwargs)
