"""Queries and changes on the term store; every function takes an open Session.

Functions never commit: the caller owns the transaction (``with store.write() as s:``),
so an import of many concepts is all or nothing. Every change to a concept writes a
history row and gives the store revision that caches are keyed on a new value.
"""

from __future__ import annotations

import hashlib
import json
import secrets
import unicodedata
from collections import defaultdict, deque
from collections.abc import Iterable, Iterator
from dataclasses import fields
from itertools import islice, repeat
from operator import itemgetter

from sqlalchemy import String, case, delete, func, select, type_coerce, update
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from ..config import AUTHOR_MAX
from ..errors import ConflictError, FormatError, NotFound, UsageError
from ..heap import bulk
from ..model import Concept, Term, TMUnit, concept_as_dict, same_content  # noqa: F401 (same_content re-exported)
from ..normalize import control_character, visible
from .models import GEO_MAX, ID_MAX, ConceptRow, HistoryRow, RevisionRow, TermRow, TMUnitRow, utcnow

__all__ = [
    "get_concept",
    "require_concept",
    "iter_concepts",
    "add_concept",
    "save_concept",
    "upsert_concept",
    "upsert_concepts",
    "upsert_outcome",
    "remove_concept",
    "history",
    "last_actions",
    "counts",
    "revision",
    "bump_revision",
    "tm_marks",
    "add_units",
    "iter_units",
    "unit_key",
    "add_units_each",
    "get_units",
    "units_after",
    "unit_stats",
    "unit_language_pairs",
    "remove_unit",
    "abbreviations",
    "term_pairs",
]


# -- mapping ----------------------------------------------------------------------
def _term_from_row(r: TermRow) -> Term:
    return Term(
        lang=r.lang, text=r.text, type=r.type, status=r.status, case_sensitive=r.case_sensitive,
        match=r.match_rule, part_of_speech=r.part_of_speech, gender=r.gender, number=r.number,
        geo=r.geo, usage=r.usage, source=r.source, context=r.context, note=r.note,
    )


def _term_row(t: Term, position: int) -> TermRow:
    return TermRow(
        position=position, lang=t.lang, text=t.text, type=t.type, status=t.status,
        case_sensitive=t.case_sensitive, match_rule=t.match, part_of_speech=t.part_of_speech,
        gender=t.gender, number=t.number, geo=t.geo, usage=t.usage, source=t.source,
        context=t.context, note=t.note,
    )


def _concept_from_row(row: ConceptRow, terms: Iterable[Term] | None = None) -> Concept:
    return Concept(
        id=row.id, category=row.category, subject=row.subject, definition=row.definition,
        note=row.note, source=row.source,
        terms=tuple(terms) if terms is not None else tuple(_term_from_row(t) for t in row.terms),
        version=row.version, created_at=row.created_at, updated_at=row.updated_at,
    )


def check_fits(concept: Concept, *, stored: bool = False) -> None:
    """Refuse a term that shows no character, and a concept id or term ``geo`` longer than every database holds.

    SQLite would store long ones and PostgreSQL refuse them: checked here, the same on
    both. Each reader refuses an empty term with its line; a term of zero-width
    characters only (pasted from a web page) is caught here. A ``stored`` concept's id is
    not checked, nor are its terms for control characters: one a SQLite file took before
    these limits stays editable (``edit`` refuses such a term it adds itself).
    """
    if not stored and len(concept.id) > ID_MAX:
        raise FormatError(f"concept id {concept.id[:40]!r}… is {len(concept.id)} characters long; "
                          f"at most {ID_MAX}")
    for name in () if stored else ("subject", "definition", "note", "source"):
        bad = control_character(getattr(concept, name) or "")
        if bad:
            raise FormatError(f"concept {concept.id!r}: its {name} holds the control character U+{ord(bad):04X}, "
                              "which no TBX or TMX file can carry")
    for term in concept.terms:
        if not visible(term.text):
            raise FormatError(f"concept {concept.id!r}: its {term.lang} term {term.text!r} shows no character "
                              "(spaces or zero-width characters only)")
        bad = None if stored else control_character(term.text)
        if bad:
            raise FormatError(f"concept {concept.id!r}: its {term.lang} term {term.text!r} holds the control "
                              f"character U+{ord(bad):04X}, which no TBX or TMX file can carry")
        if term.geo is not None and len(term.geo) > GEO_MAX:
            raise FormatError(f"concept {concept.id!r}: the geographical usage of {term.text[:40]!r} is "
                              f"{len(term.geo)} characters long; at most {GEO_MAX}")


def _apply(row: ConceptRow, concept: Concept) -> None:
    row.category = concept.category
    row.subject = concept.subject
    row.definition = concept.definition
    row.note = concept.note
    row.source = concept.source
    row.terms = [_term_row(t, i) for i, t in enumerate(concept.terms)]


# -- reading ----------------------------------------------------------------------
def _get_row(session: Session, concept_id: str, lock: bool = False) -> ConceptRow | None:
    if not lock:
        return session.get(ConceptRow, concept_id)
    # SELECT ... FOR UPDATE on PostgreSQL (SQLite's BEGIN IMMEDIATE already serializes
    # writers): a read-modify-write waits for a concurrent writer of the same concept
    # and then starts from its version instead of overwriting it (issue 7).
    return session.get(ConceptRow, concept_id, with_for_update=True, populate_existing=True)


def get_concept(session: Session, concept_id: str, *, lock: bool = False) -> Concept | None:
    """Return the concept with this id, or None; ``lock`` holds its row until the transaction ends."""
    row = _get_row(session, concept_id, lock)
    return _concept_from_row(row) if row else None


def require_concept(session: Session, concept_id: str, *, lock: bool = False) -> Concept:
    """Return the concept with this id, or raise :class:`NotFound`."""
    concept = get_concept(session, concept_id, lock=lock)
    if concept is None:
        raise NotFound(f"no concept with id {concept_id!r}")
    return concept


def iter_concepts(session: Session, category: str | None = None) -> list[Concept]:
    """Return every concept (optionally of one category) with its terms, ordered by id.

    Two flat queries instead of one per concept, so that building the matcher for a
    100k-concept termbase stays fast. They name table columns, not mapped attributes:
    plain Core rows skip the ORM's per-row loading (a third of the time at 100k, issue 8).
    """
    c, t = ConceptRow.__table__.c, TermRow.__table__.c
    # The timestamps are read as the driver gives them and converted once per distinct
    # value: an import stamps all its concepts alike, and converting 200k of them one
    # by one was a tenth of the time at 100k concepts (issue 8).
    cq = select(
        c.id, c.category, c.subject, c.definition, c.note, c.source, c.version,
        type_coerce(c.created_at, String), type_coerce(c.updated_at, String),
    ).order_by(c.id)
    # The Term fields in their order, so that a row after concept_id is Term(*row[1:]).
    tq = select(t.concept_id, *(t[_TERM_COLUMNS.get(f, f)] for f in _TERM_FIELDS)).order_by(t.concept_id, t.position)
    if category:
        cq = cq.where(c.category == category)
        tq = tq.join(ConceptRow.__table__, c.id == t.concept_id).where(c.category == category)
    # Hundreds of thousands of new objects and no garbage: the cyclic collector would
    # rescan them again and again (a quarter of the time at 100k concepts).
    with bulk():
        rows = session.execute(tq).all()
        terms: dict[str, list[Term]] = defaultdict(list)
        for cid, term in zip(map(itemgetter(0), rows), _new_many(Term, rows, 1)):
            terms[cid].append(term)
        dialect = session.get_bind().dialect
        created = _Converted(c.created_at.type, dialect)
        updated = _Converted(c.updated_at.type, dialect)
        return [
            Concept(
                id=r[0], category=r[1], subject=r[2], definition=r[3], note=r[4], source=r[5],
                terms=tuple(terms.get(r[0], ())), version=r[6], created_at=created[r[7]], updated_at=updated[r[8]],
            )
            for r in session.execute(cq).all()
        ]


# TermRow columns named otherwise than the Term field they hold.
_TERM_COLUMNS = {"match": "match_rule"}
_TERM_FIELDS = tuple(f.name for f in fields(Term))


def _new_many(cls, rows: list, start: int) -> list:
    """Return ``[cls(*row[start:]) for row in rows]`` for a slotted dataclass, built field by field.

    A frozen dataclass's ``__init__`` sets each field through ``object.__setattr__``,
    a quarter of reading 267k terms (issue 8). Setting one field of every instance at a
    time, from C (``map`` over the field's slot), takes 40% less. A class whose
    ``__init__`` does more (``__post_init__``) is built the usual way.
    """
    if hasattr(cls, "__post_init__") or "__slots__" not in cls.__dict__:
        return [cls(*row[start:]) for row in rows]
    made = list(map(object.__new__, repeat(cls, len(rows))))
    for i, name in enumerate((f.name for f in fields(cls)), start):
        deque(map(getattr(cls, name).__set__, made, map(itemgetter(i), rows)), maxlen=0)
    return made


class _Converted(dict):
    """Raw column values of one type mapped to what SQLAlchemy returns for them, converted once each."""

    def __init__(self, type_, dialect) -> None:
        super().__init__()
        self._process = type_.dialect_impl(dialect).result_processor(dialect, None)

    def __missing__(self, raw):
        value = self[raw] = raw if self._process is None or raw is None else self._process(raw)
        return value


def history(session: Session, concept_id: str) -> list[dict]:
    """Return the changes to a concept, oldest first: ``{at, author, action, changes}``."""
    rows = session.scalars(select(HistoryRow).where(HistoryRow.concept_id == concept_id).order_by(HistoryRow.id))
    return [
        {"at": r.at.isoformat() if r.at else None, "author": r.author, "action": r.action,
         "changes": json.loads(r.changes or "{}")}
        for r in rows
    ]


def last_actions(session: Session, concept_ids: list[str]) -> dict[str, str]:
    """Return the action of the latest history row of each of these concepts that has one."""
    out: dict[str, str] = {}
    for i in range(0, len(concept_ids), 500):
        latest = (select(func.max(HistoryRow.id)).where(HistoryRow.concept_id.in_(concept_ids[i:i + 500]))
                  .group_by(HistoryRow.concept_id))
        out.update(session.execute(select(HistoryRow.concept_id, HistoryRow.action).where(HistoryRow.id.in_(latest))).all())
    return out


def counts(session: Session) -> dict:
    """Return the store's figures: concepts, terms, tm_units, and breakdowns."""
    by_category = dict(session.execute(select(ConceptRow.category, func.count()).group_by(ConceptRow.category)).all())
    by_lang = dict(session.execute(select(TermRow.lang, func.count()).group_by(TermRow.lang)).all())
    by_status = dict(session.execute(select(TermRow.status, func.count()).group_by(TermRow.status)).all())
    return {
        "concepts": session.scalar(select(func.count()).select_from(ConceptRow)) or 0,
        "terms": session.scalar(select(func.count()).select_from(TermRow)) or 0,
        "tm_units": session.scalar(select(func.count()).select_from(TMUnitRow)) or 0,
        "by_category": dict(sorted(by_category.items())),
        "by_language": dict(sorted(by_lang.items())),
        "by_status": dict(sorted(by_status.items())),
    }


def revision(session: Session) -> tuple[int, int]:
    """Return the (terms, tm) revision marks: ``(0, 0)`` until the store is first changed."""
    row = session.get(RevisionRow, 1)
    return (row.terms, row.tm) if row else (0, 0)


def tm_marks(session: Session) -> tuple[int, int]:
    """Return the memory's revision mark and its lineage mark (see :func:`bump_revision`)."""
    row = session.get(RevisionRow, 1)
    return (row.tm, row.tm_lineage) if row else (0, 0)


def bump_revision(session: Session, *, terms: bool = False, tm: bool = False, tm_lineage: bool = False) -> None:
    """Give the terms' or the memory's revision mark a new value, so that caches built on the old contents are discarded.

    The new value is random, not the old one plus one: a database deleted and made again
    under the same name, or restored from a backup, would otherwise reach a count an old
    cache was built for, with other contents, and be annotated with that cache. It fits
    a 32-bit column and is never 0 (the mark of a store never changed).

    The memory also has a lineage mark, which stays while units are only added, so that
    a search index built before can be extended with them (memory.py). ``tm_lineage``
    says the memory changed otherwise (a unit removed, whose id SQLite may give to the
    next unit; a database copied): the lineage mark gets a new value too. A memory's
    first change gives it one, so that a database made again under the same name has
    another lineage than the one it replaced.
    """
    values = {}
    if terms:
        values["terms"] = _new_mark()
    if tm or tm_lineage:
        values["tm"] = _new_mark()
        first = RevisionRow.tm_lineage == 0
        values["tm_lineage"] = _new_mark() if tm_lineage else case((first, _new_mark()), else_=RevisionRow.tm_lineage)
    if values:
        session.execute(update(RevisionRow).where(RevisionRow.id == 1).values(**values))


def _new_mark() -> int:
    return secrets.randbelow(2**31 - 1) + 1


# -- writing ----------------------------------------------------------------------
def _record(session: Session, concept_id: str, action: str, author: str, changes: dict) -> None:
    session.add(
        HistoryRow(concept_id=concept_id, action=action, author=author, at=utcnow(),
                   changes=json.dumps(changes, ensure_ascii=False, sort_keys=True))
    )


def _diff(before: Concept, after: Concept) -> dict:
    a, b = concept_as_dict(before), concept_as_dict(after)
    return {k: {"from": a.get(k), "to": b.get(k)} for k in sorted(set(a) | set(b)) if a.get(k) != b.get(k)}


def add_concept(session: Session, concept: Concept, author: str, *, action: str = "add") -> Concept:
    """Insert a new concept and return it as stored; raise if the id is taken."""
    check_fits(concept)
    if session.get(ConceptRow, concept.id) is not None:
        raise UsageError(f"concept {concept.id!r} already exists (use `termbank edit`)")
    now = utcnow()
    row = ConceptRow(id=concept.id, created_at=now, updated_at=now, updated_by=author, created_by=author)
    _apply(row, concept)
    session.add(row)
    session.flush()
    _record(session, concept.id, action, author, {"after": concept_as_dict(concept)})
    bump_revision(session, terms=True)
    return _concept_from_row(row)


def save_concept(session: Session, concept: Concept, author: str, *, expected_version: int | None = None,
                 action: str = "edit") -> Concept:
    """Replace an existing concept's data and return it; refuse a stale version.

    ``expected_version`` is the version the editor started from; when another person
    saved in between, :class:`ConflictError` names them instead of overwriting.
    """
    check_fits(concept, stored=True)
    row = session.get(ConceptRow, concept.id)
    if row is None:
        raise NotFound(f"no concept with id {concept.id!r}")
    if expected_version is not None and row.version != expected_version:
        raise _conflict(concept.id, expected_version, row.updated_by, row.updated_at, row.version)
    before = _concept_from_row(row)
    if same_content(before, concept):
        return before
    _apply(row, concept)
    row.updated_at = utcnow()
    row.updated_by = author
    try:
        # The UPDATE carries "WHERE version = <the version read>" (version_id_col): when a
        # concurrent writer committed first it matches no row and SQLAlchemy raises.
        session.flush()
    except StaleDataError:
        if expected_version is None:
            raise  # an unversioned write: Store.run_write runs it again on the new version
        raise _conflict(concept.id, expected_version, *_current_author(session, concept.id)) from None
    _record(session, concept.id, action, author, _diff(before, concept))
    bump_revision(session, terms=True)
    return _concept_from_row(row)


def _conflict(concept_id: str, expected: int, who: str | None, when, version: int | None) -> ConflictError:
    at = f" at {when:%Y-%m-%d %H:%M} UTC" if when else ""
    now = f"now version {version}" if version is not None else "now removed"
    return ConflictError(
        f"concept {concept_id!r} was changed by {who or 'someone else'}{at} ({now}, you edited "
        f"version {expected}); show it again and redo your edit"
    )


def _current_author(session: Session, concept_id: str) -> tuple:
    """Return (updated_by, updated_at, version) as committed now, read on a fresh connection.

    Called after a failed flush, when this session's transaction is already rolled back.
    """
    stmt = select(ConceptRow.updated_by, ConceptRow.updated_at, ConceptRow.version).where(ConceptRow.id == concept_id)
    with session.get_bind().connect() as conn:
        row = conn.execute(stmt).first()
    return tuple(row) if row else (None, None, None)


def upsert_concept(session: Session, concept: Concept, author: str, *, action: str = "import",
                   unrelated: list[str] | None = None) -> str:
    """Insert or replace a concept by id; return ``"added"``, ``"updated"`` or ``"unchanged"``.

    A replaced concept that shares no term with the new one (an id such as ``c1`` used
    by two files for two concepts) has its id appended to ``unrelated``, for a warning.
    """
    row = session.get(ConceptRow, concept.id)
    outcome = upsert_outcome(_concept_from_row(row) if row is not None else None, concept, unrelated)
    if outcome == "added":
        add_concept(session, concept, author, action=action)
    elif outcome == "updated":
        save_concept(session, concept, author, action=action)
    return outcome


def upsert_outcome(stored: Concept | None, concept: Concept, unrelated: list[str] | None = None) -> str:
    """Return what :func:`upsert_concept` does with ``concept`` when ``stored`` has its id (a dry run asks too).

    ``"added"``, ``"unchanged"`` or ``"updated"``; an update by a concept sharing no term
    with the stored one appends the id to ``unrelated``.
    """
    if stored is None:
        return "added"
    if same_content(stored, concept):
        return "unchanged"
    if unrelated is not None and not shares_a_term(stored, concept):
        unrelated.append(concept.id)
    return "updated"


def text_key(text: str) -> str:
    """Return what two terms' texts are compared by: NFC, case-folded ("the same text, whatever the case")."""
    return unicodedata.normalize("NFC", text).casefold()


def shares_a_term(a: Concept, b: Concept) -> bool:
    """True when the two concepts have a term in common (same text, whatever the case)."""
    texts = {text_key(t.text) for t in a.terms}
    return any(text_key(t.text) in texts for t in b.terms)


def upsert_concepts(session: Session, concepts: Iterable[Concept], author: str, *,
                    action: str = "import", batch: int = 5000, unrelated: list[str] | None = None) -> dict[str, int]:
    """Upsert many concepts (as :func:`upsert_concept` does each); return the added/updated/unchanged counts.

    New ids, the bulk of an import, are written with multi-row INSERTs of concepts,
    terms and history, and the revision moves once: an ORM flush per concept costs
    about 6 ms, ten minutes for a 100k-concept TBX (issue 8). Known ids, and an id
    repeated in a batch, go through :func:`upsert_concept` in input order. ``concepts``
    is read ``batch`` at a time, so it can be a stream (a TBX file as it is parsed): an
    id repeated in a later batch is known by then, and updates the concept.
    """
    counts = {"added": 0, "updated": 0, "unchanged": 0}
    now = utcnow()
    it = iter(concepts)
    while chunk := list(islice(it, batch)):
        _upsert_batch(session, chunk, author, action, now, counts, unrelated)
    return counts


def _upsert_batch(session: Session, concepts: list[Concept], author: str, action: str, now,
                  counts: dict[str, int], unrelated: list[str] | None) -> None:
    seen: dict[str, int] = defaultdict(int)
    for c in concepts:
        seen[c.id] += 1
    ids = list(seen)
    known: set[str] = set()
    for i in range(0, len(ids), 500):
        known.update(session.scalars(select(ConceptRow.id).where(ConceptRow.id.in_(ids[i:i + 500]))))
    for c in concepts:
        check_fits(c, stored=c.id in known)
    fresh = [c for c in concepts if c.id not in known and seen[c.id] == 1]
    for i in range(0, len(fresh), 1000):
        rows = fresh[i:i + 1000]
        session.execute(ConceptRow.__table__.insert(), [
            {"id": c.id, "category": c.category, "subject": c.subject, "definition": c.definition,
             "note": c.note, "source": c.source, "version": 1,
             # The file's dates, when it has them (TBX transacGrp, a termbank CSV or JSON):
             # an exported termbase comes back with the dates it had.
             "created_at": c.created_at or now, "updated_at": c.updated_at or c.created_at or now,
             "updated_by": author, "created_by": author} for c in rows])
        session.execute(TermRow.__table__.insert(), [
            {"concept_id": c.id, "position": p, "lang": t.lang, "text": t.text, "type": t.type,
             "status": t.status, "case_sensitive": t.case_sensitive, "match_rule": t.match,
             "part_of_speech": t.part_of_speech, "gender": t.gender, "number": t.number, "geo": t.geo,
             "usage": t.usage, "source": t.source, "context": t.context, "note": t.note}
            for c in rows for p, t in enumerate(c.terms)])
        session.execute(HistoryRow.__table__.insert(), [
            {"concept_id": c.id, "action": action, "author": author, "at": now,
             "changes": json.dumps({"after": concept_as_dict(c)}, ensure_ascii=False, sort_keys=True)}
            for c in rows])
    if fresh and not counts["added"]:
        bump_revision(session, terms=True)  # once, at the first batch that adds (upsert_concept moves it itself)
    counts["added"] += len(fresh)
    fresh_ids = {c.id for c in fresh}
    for c in concepts:
        if c.id not in fresh_ids:
            counts[upsert_concept(session, c, author, action=action, unrelated=unrelated)] += 1


def remove_concept(session: Session, concept_id: str, author: str) -> Concept:
    """Delete a concept and its terms (history is kept) and return what was removed."""
    concept = require_concept(session, concept_id)
    session.execute(delete(TermRow).where(TermRow.concept_id == concept_id))
    session.execute(delete(ConceptRow).where(ConceptRow.id == concept_id))
    _record(session, concept_id, "remove", author, {"before": concept_as_dict(concept)})
    bump_revision(session, terms=True)
    return concept


# -- translation memory -------------------------------------------------------------
def unit_key(unit: TMUnit) -> str:
    """Return the duplicate key of a unit: languages and whitespace-normalized NFC texts."""
    def norm(s: str) -> str:
        return " ".join(unicodedata.normalize("NFC", s).split())

    raw = "\x1f".join((unit.source_lang.lower(), norm(unit.source), unit.target_lang.lower(), norm(unit.target)))
    return hashlib.sha256(raw.encode("utf-8")).hexdigest()


def add_units(session: Session, units: Iterable[TMUnit], author: str | None = None, *,
              batch: int = 5000, dry_run: bool = False) -> tuple[int, int]:
    """Store translation units, merging duplicates; return (added, merged).

    A unit whose languages and texts (see :func:`unit_key`) are already stored, or come
    earlier in ``units``, is merged: nothing is written for it. ``units`` is read and
    stored ``batch`` units at a time, so it can be a stream of any length (issue 8).
    ``dry_run`` checks and counts every unit the same way and writes nothing.
    """
    added = merged = 0
    now = utcnow()
    # Duplicates within ``units`` are found here (a key's 32 bytes each), those of stored
    # units by querying them, but only when the memory held any before: looking each key
    # up among the rows this call inserts made importing a million units 40% slower.
    seen: set[bytes] = set()
    stored_before = session.scalar(select(TMUnitRow.id).limit(1)) is not None
    it = iter(units)
    while chunk := list(islice(it, batch)):
        pending: dict[str, TMUnit] = {}
        for u in chunk:
            k = unit_key(u)
            digest = bytes.fromhex(k)
            if digest in seen:
                merged += 1
            else:
                seen.add(digest)
                pending[k] = u
        existing = _ids_of_keys(session, list(pending)) if stored_before else {}
        rows = [_unit_row(u, k, author, now) for k, u in pending.items() if k not in existing]
        merged += len(existing)
        for i in range(0, 0 if dry_run else len(rows), 1000):
            session.execute(TMUnitRow.__table__.insert(), rows[i:i + 1000])
        added += len(rows)
    if added and not dry_run:
        bump_revision(session, tm=True)
    return added, merged


def iter_units(session: Session, *, batch: int = 5000) -> Iterator[TMUnit]:
    """Yield every translation unit in id order."""
    last = 0
    while True:
        rows = session.scalars(select(TMUnitRow).where(TMUnitRow.id > last).order_by(TMUnitRow.id).limit(batch)).all()
        if not rows:
            return
        for r in rows:
            yield TMUnit(
                source_lang=r.source_lang, source=r.source, target_lang=r.target_lang, target=r.target,
                id=str(r.id), origin=r.origin, created_by=r.created_by, created_at=r.created_at,
                note=r.note, props=json.loads(r.props) if r.props else {},
            )
        last = rows[-1].id


def _unit_row(u: TMUnit, key: str, author: str | None, now) -> dict:
    if not (visible(u.source) and visible(u.target)):
        raise FormatError(f"a translation unit shows no character on one side: {u.source[:40]!r} / {u.target[:40]!r}")
    if u.created_by is not None and len(u.created_by) > AUTHOR_MAX:
        raise FormatError(f"a translation unit's author ({u.created_by[:40]!r}…) is {len(u.created_by)} "
                          f"characters long; at most {AUTHOR_MAX}")
    props = dict(u.props or {})
    if u.id and "tu:tuid" not in props:
        props["tu:tuid"] = u.id  # the store numbers its units: the file's id is kept, and exported as tuid
    return {
        "key": key, "source_lang": u.source_lang, "source": u.source, "target_lang": u.target_lang,
        "target": u.target, "origin": u.origin, "created_by": u.created_by or author,
        "created_at": u.created_at or now, "updated_at": now, "note": u.note,
        "props": json.dumps(props, ensure_ascii=False) if props else None,
    }


def _unit_from_row(r) -> TMUnit:
    return TMUnit(
        source_lang=r.source_lang, source=r.source, target_lang=r.target_lang, target=r.target,
        id=str(r.id), origin=r.origin, created_by=r.created_by, created_at=r.created_at,
        note=r.note, props=json.loads(r.props) if r.props else {},
    )


def _ids_of_keys(session: Session, keys: list[str]) -> dict[str, int]:
    found: dict[str, int] = {}
    for i in range(0, len(keys), 500):
        found.update((k, i_) for i_, k in session.execute(
            select(TMUnitRow.id, TMUnitRow.key).where(TMUnitRow.key.in_(keys[i:i + 500]))))
    return found


def add_units_each(session: Session, units: Iterable[TMUnit], author: str | None = None) -> list[tuple[int, str]]:
    """Store translation units as :func:`add_units` does; return ``(id, "added"|"merged")`` per unit, in order.

    A unit whose languages and texts (see :func:`unit_key`) are already stored, or
    appear earlier in ``units``, is merged: it gets the id of the stored unit and
    nothing is written for it.
    """
    units = list(units)
    keys = [unit_key(u) for u in units]
    existing = _ids_of_keys(session, list(dict.fromkeys(keys)))
    now = utcnow()
    rows, fresh = [], set()
    for u, k in zip(units, keys):
        if k not in existing and k not in fresh:
            fresh.add(k)
            rows.append(_unit_row(u, k, author, now))
    for i in range(0, len(rows), 1000):
        session.execute(TMUnitRow.__table__.insert(), rows[i:i + 1000])
    ids = dict(existing)
    if rows:
        ids.update(_ids_of_keys(session, [r["key"] for r in rows]))
        bump_revision(session, tm=True)
    out, reported = [], set()
    for k in keys:
        out.append((ids[k], "added" if k in fresh and k not in reported else "merged"))
        reported.add(k)
    return out


def get_units(session: Session, ids: Iterable[int | str]) -> list[TMUnit]:
    """Return the units with these ids, in the order given (unknown ids are left out)."""
    wanted = [int(i) for i in ids]
    found: dict[int, TMUnit] = {}
    unique = list(dict.fromkeys(wanted))
    for i in range(0, len(unique), 500):
        for r in session.scalars(select(TMUnitRow).where(TMUnitRow.id.in_(unique[i:i + 500]))):
            found[r.id] = _unit_from_row(r)
    return [found[i] for i in wanted if i in found]


def units_after(session: Session, last_id: int, *, batch: int = 5000) -> Iterator[tuple[int, str, str, str, str]]:
    """Yield ``(id, source_lang, source, target_lang, target)`` of the units with a larger id, in id order.

    Plain tuples, read in batches by id, so that indexing a million units stays light.
    """
    cols = (TMUnitRow.id, TMUnitRow.source_lang, TMUnitRow.source, TMUnitRow.target_lang, TMUnitRow.target)
    last = int(last_id)
    while True:
        rows = session.execute(select(*cols).where(TMUnitRow.id > last).order_by(TMUnitRow.id).limit(batch)).all()
        if not rows:
            return
        for r in rows:
            yield tuple(r)
        last = rows[-1][0]


def unit_stats(session: Session, up_to: int | None = None) -> tuple[int, int, int]:
    """Return (count, largest id, sum of ids) of the units, or of those with ``id <= up_to``.

    Caches of the memory compare these to tell "units were only added" from any other change.
    """
    q = select(func.count(), func.max(TMUnitRow.id), func.sum(TMUnitRow.id))
    if up_to is not None:
        q = q.where(TMUnitRow.id <= up_to)
    n, top, total = session.execute(q).one()
    return int(n or 0), int(top or 0), int(total or 0)


def unit_language_pairs(session: Session) -> dict[str, int]:
    """Return the number of units per ``"source_lang>target_lang"`` pair, most frequent first."""
    q = select(TMUnitRow.source_lang, TMUnitRow.target_lang, func.count()).group_by(
        TMUnitRow.source_lang, TMUnitRow.target_lang)
    rows = sorted(session.execute(q).all(), key=lambda r: (-r[2], r[0], r[1]))
    return {f"{a}>{b}": n for a, b, n in rows}


def remove_unit(session: Session, unit_id: int | str) -> TMUnit:
    """Delete a translation unit and return it; raise :class:`NotFound` if there is none."""
    try:
        key = int(unit_id)
    except (TypeError, ValueError):
        raise NotFound(f"no translation unit with id {unit_id!r}") from None
    row = session.get(TMUnitRow, key) if 0 < key < 2**63 else None  # ids are 64-bit at most
    if row is None:
        raise NotFound(f"no translation unit with id {unit_id!r}")
    unit = _unit_from_row(row)
    session.execute(delete(TMUnitRow).where(TMUnitRow.id == key))
    bump_revision(session, tm_lineage=True)
    return unit


def _lang_filter(lang: str):
    base = lang.split("-")[0].lower()
    return (func.lower(TermRow.lang) == base) | (func.lower(TermRow.lang).like(f"{base}-%"))


def abbreviations(session: Session, lang: str) -> list[str]:
    """Return the texts of the termbase's abbreviations in a language (any locale of it), sorted.

    The segmenter uses them so that "Gral. Brig." or "Tte. Frag." never ends a sentence.
    """
    q = select(TermRow.text).where(TermRow.type == "abbreviation", _lang_filter(lang)).distinct()
    return sorted(session.scalars(q))


def term_pairs(session: Session) -> set[tuple[str, str]]:
    """Return every (English term, Spanish term) pair of a concept; the aligner's anchors."""
    by_concept: dict[str, tuple[set[str], set[str]]] = defaultdict(lambda: (set(), set()))
    q = select(TermRow.concept_id, TermRow.lang, TermRow.text).where(_lang_filter("en") | _lang_filter("es"))
    for cid, lang, text in session.execute(q):
        by_concept[cid][0 if lang.lower().startswith("en") else 1].add(text)
    return {(e, s) for en, es in by_concept.values() for e in en for s in es}
