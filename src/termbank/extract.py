"""Term candidates the termbase lacks: defined acronyms, recurring names, rank + name.

An editor runs ``termbank extract`` over new articles; the candidates come out as
concepts (one language filled in, the other left for the translator) that ``termbank
import`` accepts. Three patterns, in both languages:

* an acronym defined in parentheses after its full form, whose letters are the initials
  of the full form's content words: "transnational criminal organization (TCO)",
  "organización criminal transnacional (OCT)";
* a name of two or more capitalized words (joined by "of", "de", "del", …) used at
  least twice: "Joint Task Force Bravo", "Heroico Colegio Militar";
* a person named after a known rank or title: "Gen. Laura Richardson",
  "el almirante José Rafael Ojeda Durán".
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field

from unidecode import unidecode

from .annotate import Annotator, Document
from .model import Concept, Term

__all__ = ["Candidate", "extract_candidates", "candidates_as_concepts"]

_CONNECTORS = frozenset("of the for and on de del la las los y e para en".split())
_SKIP_FIRST = frozenset(
    "The A An This That These Those In On At For From By With During After Before When While But And Or "
    "El La Los Las Un Una Unos Unas Este Esta Estos Estas En Con Por Para Durante Tras Según Al Del Desde "
    "Mr Mrs Ms Dr Sr Sra".split()
)
_WORD = re.compile(r"[^\W\d_][\w'’.-]*")
_ACRONYM = re.compile(r"\(([A-ZÁÉÍÓÚÑ][A-ZÁÉÍÓÚÑa-z&-]{1,11})\)")
_CAP_SEQ = re.compile(
    r"(?<![\w])(?:[A-ZÁÉÍÓÚÑ][\w'’-]+|[A-Z]{2,})(?:\s+(?:(?:of|the|for|and|de|del|la|las|los|y)\s+)*"
    r"(?:[A-ZÁÉÍÓÚÑ][\w'’-]+|[A-Z]{2,}))+"
)
_NAME = re.compile(r"\s+((?:[A-ZÁÉÍÓÚÑ][a-záéíóúñü'’-]+|[A-Z]\.)(?:\s+(?:[A-ZÁÉÍÓÚÑ][a-záéíóúñü'’-]+|[A-Z]\.)){1,4})")


@dataclass
class Candidate:
    """A proposed entry: its text, kind, language, how often it occurs and where first."""

    text: str
    kind: str  # "acronym", "name", "person"
    lang: str
    count: int = 1
    context: str = ""
    full_form: str | None = None
    category: str = "other"
    files: set[str] = field(default_factory=set)


def _context(text: str, start: int, end: int, width: int = 60) -> str:
    a = max(0, start - width)
    b = min(len(text), end + width)
    return " ".join(("…" if a else "") .split() + text[a:b].split() + (["…"] if b < len(text) else []))


def _initials_match(words: list[str], letters: str) -> int | None:
    """Return how many trailing words spell ``letters`` by their initials, or None.

    >>> _initials_match("the transnational criminal organization".split(), "TCO")
    3
    >>> _initials_match("la organización criminal transnacional".split(), "OCT")
    3
    >>> _initials_match("the Joint Task Force North".split(), "JTFN")
    4
    >>> _initials_match("Joint Interagency Task Force South".split(), "JIATFS") is None
    True
    """
    want = [c for c in unidecode(letters).upper() if c.isalpha()]
    i = len(want) - 1
    used = 0
    for w in reversed(words):
        used += 1
        if w.lower() in _CONNECTORS and i >= 0 and unidecode(w[0]).upper() != want[i]:
            continue
        if i < 0:
            return None
        if unidecode(w[0]).upper() != want[i]:
            return None
        i -= 1
        if i < 0:
            return used
    return None


def _known(annotator: Annotator, text: str, lang: str) -> bool:
    hits = annotator.index.lookup(text, from_lang=lang, limit=1)
    return bool(hits) and hits[0].match != "fuzzy"


def extract_candidates(annotator: Annotator, docs: Iterable[Document], *, min_count: int = 2) -> list[Candidate]:
    """Return candidates found in annotated documents and not yet in the termbase, most frequent first."""
    found: dict[tuple[str, str], Candidate] = {}

    def offer(text: str, kind: str, lang: str, file: str, ctx: str, times: int = 1, **extra) -> None:
        key = (kind, text)
        cand = found.get(key)
        if cand is None:
            cand = found[key] = Candidate(text, kind, lang, 0, ctx, **extra)
        cand.count += times
        cand.files.add(file)

    for doc in docs:
        text, lang = doc.text, doc.lang
        covered = [(m.start, m.end) for m in doc.mentions]

        def is_covered(a: int, b: int) -> bool:
            return any(s <= a and b <= e for s, e in covered)

        defined: set[str] = set()
        for m in _ACRONYM.finditer(text):
            acr = m.group(1)
            if acr in defined:
                continue
            words = text[max(0, m.start() - 200):m.start()].split()[-(len(acr) + 4):]
            n = _initials_match([w.strip(",;:") for w in words], acr)
            if n is None:
                continue
            full = " ".join(words[-n:]).strip(",;:")
            if _known(annotator, acr, lang) and _known(annotator, full, lang):
                continue
            # Counted wherever it is written in the document, not only where it is defined.
            defined.add(acr)
            uses = len(re.findall(rf"(?<!\w){re.escape(acr)}(?!\w)", text))
            offer(acr, "acronym", lang, doc.file, _context(text, m.start() - len(full), m.end()), times=uses,
                  full_form=full, category="acronym")
        for m in _CAP_SEQ.finditer(text):
            words = m.group().split()
            while words and words[0] in _SKIP_FIRST:
                words.pop(0)
            while words and words[-1].lower() in _CONNECTORS:
                words.pop()
            if len(words) < 2:
                continue
            name = " ".join(words)
            start = m.start() + m.group().find(words[0])
            if is_covered(start, start + len(name)) or _known(annotator, name, lang):
                continue
            offer(name, "name", lang, doc.file, _context(text, start, start + len(name)), category="institution")
        for mention in doc.mentions:
            if mention.category not in ("rank", "title"):
                continue
            nm = _NAME.match(text, mention.end)
            if not nm:
                continue
            name = nm.group(1).rstrip(".")
            s = nm.start(1)
            if is_covered(s, s + len(name)) or _known(annotator, name, lang):
                continue
            offer(name, "person", lang, doc.file, _context(text, mention.start, s + len(name)), category="person")
    # A name that is also a person named after a rank ("Col. Maria Gonzalez ... Maria
    # Gonzalez said") is that person, with every use counted.
    persons = {(c.lang, c.text): c for c in found.values() if c.kind == "person"}
    for key, c in list(found.items()):
        person = persons.get((c.lang, c.text)) if c.kind == "name" else None
        if person is not None:
            person.count = max(person.count, c.count)  # the name counted the rank's mention too
            person.files |= c.files
            del found[key]
    out = [c for c in found.values() if c.kind != "name" or c.count >= min_count]
    # A name that is only the full form of an acronym candidate is reported once.
    fulls = {c.full_form for c in out if c.full_form}
    out = [c for c in out if not (c.kind == "name" and c.text in fulls)]
    return sorted(out, key=lambda c: (-c.count, c.kind, c.text))


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", unidecode(text).lower()).strip("-")[:50] or "x"


def candidates_as_concepts(candidates: Iterable[Candidate]) -> list[Concept]:
    """Return one concept per candidate, with ids ``cand-…`` and the context in the note."""
    concepts, seen = [], set()
    for c in candidates:
        cid = f"cand-{_slug(c.full_form or c.text)}"
        n = 2
        while cid in seen:
            cid, n = f"cand-{_slug(c.full_form or c.text)}-{n}", n + 1
        seen.add(cid)
        terms = []
        if c.full_form:
            terms.append(Term(c.lang, c.full_form, "fullForm", "preferred"))
            terms.append(Term(c.lang, c.text, "acronym", "admitted"))
        else:
            terms.append(Term(c.lang, c.text, "fullForm", "preferred"))
        note = f"candidate ({c.kind}) found {c.count}× in {len(c.files)} file(s); first context: {c.context}"
        concepts.append(Concept(id=cid, category=c.category, note=note, terms=tuple(terms)))
    return concepts
