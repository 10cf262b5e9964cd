"""Merging imported concepts into stored ones that share terms (``import --merge-by-term``).

A two-column glossary (CSV pairs, DeepL, Google) has no concept ids: each entry becomes
a new concept, so importing a client's glossary beside the curated termbase would give
"major general" twice. With ``--merge-by-term``, a concept whose id is not stored and
that shares a term in each of two languages with one stored concept (more of its
terms than with any other) is merged into it: its new terms are added, a preferred one
as admitted when the stored concept already prefers a term in that language; an empty
definition, note or source is filled; nothing stored is changed or removed. The terms
added are listed for review.

Added as it is, and reported, is a concept that:

* shares terms in one language only ("US" -> "nosotros" beside the United States): a
  conflicting translation, for the translator to settle;
* shares terms in two languages with several stored concepts as much. (One whose
  English term is one concept's and Spanish term another's shares one language with
  each: a conflict, as above.)

Terms are the same when they have the same language (whatever the locale) and the same
text whatever the case (Unicode NFC, case-folded); an acronym or abbreviation, imported
or stored, must match in its own case as well (``US`` is not ``us``).
"""

from __future__ import annotations

import unicodedata
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..model import Concept, Term, replace
from .models import ConceptRow, TermRow
from .repo import get_concept, text_key

__all__ = ["ByTerm"]

#: How many items a report line names before "… (N more)".
SHOWN = 10


def _key(lang: str, text: str) -> tuple[str, str]:
    return lang.split("-", 1)[0].lower(), text_key(text)


def _listing(items: list[str]) -> str:
    more = f"; … ({len(items) - SHOWN} more)" if len(items) > SHOWN else ""
    return "; ".join(items[:SHOWN]) + more


class ByTerm:
    """Routes imported concepts: passed on as they are, or merged into the stored concept they name."""

    def __init__(self, session: Session):
        self.session = session
        self.stored_ids: set[str] = set(session.scalars(select(ConceptRow.id)))
        # (language, folded text) -> [(concept id, NFC text, case-sensitive)]
        self.terms: dict[tuple[str, str], list[tuple[str, str, bool]]] = defaultdict(list)
        t = TermRow.__table__.c
        for cid, lang, text, type_, sensitive in session.execute(
                select(t.concept_id, t.lang, t.text, t.type, t.case_sensitive)):
            if sensitive is None:
                sensitive = type_ in ("acronym", "abbreviation")
            self.terms[_key(lang, text)].append((cid, unicodedata.normalize("NFC", text), bool(sensitive)))
        # stored id -> the imported concepts to merge into it, merged once the file is stored
        self.pending: dict[str, list[Concept]] = defaultdict(list)
        self.added: dict[str, list[Term]] = defaultdict(list)  # stored id -> the terms it gains
        self.ambiguous: list[tuple[str, list[str]]] = []  # imported id, the stored ones it names as much
        self.conflicts: list[tuple[str, list[str]]] = []  # imported id, the stored ones sharing one language

    def route(self, concepts: Iterable[Concept]) -> Iterator[Concept]:
        """Yield the concepts to store as they are; keep the merged ones for :meth:`merged_concepts`."""
        for concept in concepts:
            if concept.id in self.stored_ids:
                yield concept  # a known id replaces its concept (SPEC): ids come first
                continue
            shared = self._shared(concept)
            # A concept of one language needs one shared language, any other two.
            wanted = min(2, len({t.base_lang for t in concept.terms}))
            same = {cid: keys for cid, keys in shared.items() if len({lang for lang, _ in keys}) >= wanted}
            most = max(map(len, same.values()), default=0)
            best = [cid for cid, keys in same.items() if len(keys) == most]
            if len(best) == 1:
                self.pending[best[0]].append(concept)
                continue
            if best:
                self.ambiguous.append((concept.id, best))
            elif shared:
                self.conflicts.append((concept.id, list(shared)))
            yield concept

    def _shared(self, concept: Concept) -> dict[str, set[tuple[str, str]]]:
        """Return the stored concepts that have terms of ``concept``, with those terms' keys."""
        found: dict[str, set[tuple[str, str]]] = defaultdict(set)
        for term in concept.terms:
            key, text = _key(term.lang, term.text), unicodedata.normalize("NFC", term.text)
            for cid, stored_text, sensitive in self.terms.get(key, ()):
                if stored_text == text or not (sensitive or term.is_case_sensitive):
                    found[cid].add(key)
        return found

    def merged_concepts(self) -> list[Concept]:
        """Return the stored concepts with what was merged into them, in the order first merged.

        Called once the concepts :meth:`route` passed on are stored: a concept the same
        file replaced by its id is merged into as the file left it.
        """
        out = []
        for cid, concepts in self.pending.items():
            target = get_concept(self.session, cid)
            if target is None:  # removed meanwhile: nothing to merge into (the file cannot remove)
                continue
            for concept in concepts:
                target = self._merge(target, concept)
            out.append(target)
        return out

    def _merge(self, target: Concept, concept: Concept) -> Concept:
        have = {_key(t.lang, t.text) for t in target.terms}
        preferred = {t.base_lang for t in target.terms if t.status == "preferred"}
        added: list[Term] = []
        for term in concept.terms:
            key = _key(term.lang, term.text)
            if key in have:
                continue  # under any locale: no "CDC" [es] beside "CDC" [es-419]
            if term.status == "preferred" and term.base_lang in preferred:
                term = replace(term, status="admitted")
            have.add(key)
            added.append(term)
        self.added[target.id].extend(added)
        return replace(
            target, terms=target.terms + tuple(added),
            definition=target.definition or concept.definition, note=target.note or concept.note,
            source=target.source or concept.source,
        )

    def report(self, count: Callable[[int, str], str]) -> list[str]:
        """Return the report lines: merges, terms added (after :meth:`merged_concepts`), concepts added as new and why."""
        lines = []
        if self.pending:
            n = sum(map(len, self.pending.values()))
            merges = [f"{', '.join(c.id for c in concepts)} → {cid}" for cid, concepts in self.pending.items()]
            lines.append(f"{count(n, 'concept')} matched {count(len(self.pending), 'stored concept')} by shared "
                         f"terms, merged into them instead of added: {_listing(merges)}")
        gained = [f"{cid}: " + ", ".join(f"{t.text!r} [{t.lang}, {t.status}]" for t in terms)
                  for cid, terms in self.added.items() if terms]
        if gained:
            lines.append(f"terms added to stored concepts (review them; `termbank show ID --history`): "
                         f"{_listing(gained)}")
        for found, why in ((self.conflicts, "sharing terms with a stored concept in one language only: "
                                             "check which translation is right"),
                           (self.ambiguous, "naming several stored concepts as much")):
            if found:
                named = [f"{cid} ({', '.join(stored[:4])})" for cid, stored in found]
                lines.append(f"{count(len(found), 'concept')} added as new, {why}: {_listing(named)}")
        return lines
