"""The repository on the backend under test (SQLite, or PostgreSQL with
TERMBANK_TEST_DATABASE_URL): adding, upserting, removing, history, counts, revisions,
optimistic concurrency and translation units."""

from __future__ import annotations

import threading
import time
from datetime import datetime, timezone

import pytest
from sqlalchemy import insert, select

from termbank import api
from termbank.errors import ConflictError, NotFound, UsageError
from termbank.model import Concept, Term, TMUnit, replace
from termbank.store import repo
from termbank.store.db import open_store


def tank(**changes) -> Concept:
    base = Concept(
        id="tank", category="equipment", definition="armoured fighting vehicle",
        terms=(Term("en", "tank"), Term("es", "tanque"), Term("es", "carro de combate", status="admitted")),
    )
    return replace(base, **changes)


def write(store, fn):
    return store.run_write(fn)


def read(store, fn):
    with store.read() as session:
        return fn(session)


def add(store, concept, author="ana"):
    return write(store, lambda s: repo.add_concept(s, concept, author))


def get(store, concept_id):
    return read(store, lambda s: repo.get_concept(s, concept_id))


def history(store, concept_id):
    return read(store, lambda s: repo.history(s, concept_id))


def revision(store):
    return read(store, repo.revision)


# -- add / get ------------------------------------------------------------------------
def test_add_then_get_returns_the_same_content(store):
    stored = add(store, tank())
    assert stored.version == 1
    got = get(store, "tank")
    assert got.terms == tank().terms
    assert (got.category, got.definition) == ("equipment", "armoured fighting vehicle")
    assert got.created_at.tzinfo is not None and got.created_at.utcoffset().total_seconds() == 0


def test_get_of_a_missing_concept(store):
    assert get(store, "nope") is None
    with pytest.raises(NotFound, match="nope"):
        read(store, lambda s: repo.require_concept(s, "nope"))


def test_adding_a_taken_id_is_refused(store):
    add(store, tank())
    with pytest.raises(UsageError, match="already exists"):
        add(store, tank(definition="other"), author="ben")
    assert get(store, "tank").definition == "armoured fighting vehicle"


def test_term_order_and_fields_survive(store):
    terms = (
        Term("es-MX", "Tte. Gral.", type="abbreviation", status="admitted", case_sensitive=True, match="case"),
        Term("en", "Lieutenant General", part_of_speech="noun", gender=None, geo="US", usage="formal",
             source="DoD", context="the Lieutenant General said", note="rank"),
        Term("es", "teniente general", gender="masculine", number="singular"),
    )
    add(store, Concept(id="ltgen", category="rank", terms=terms))
    assert get(store, "ltgen").terms == terms


def test_timestamps_are_utc_aware_on_every_backend(store):
    add(store, tank())
    c = get(store, "tank")
    for stamp in (c.created_at, c.updated_at):
        assert stamp.tzinfo is not None and stamp.astimezone(timezone.utc) == stamp
    assert history(store, "tank")[0]["at"].endswith("+00:00")


def test_iter_concepts_reads_what_get_concept_reads(store):
    add(store, tank())
    add(store, Concept(id="ltgen", category="rank", terms=(
        Term("es-MX", "Tte. Gral.", type="abbreviation", status="admitted", case_sensitive=True, match="case"),
        Term("en", "Lieutenant General", part_of_speech="noun", geo="US", usage="formal", source="DoD",
             context="the Lieutenant General said", note="rank"),
        Term("es", "teniente general", case_sensitive=False, gender="masculine", number="singular"))))
    add(store, Concept(id="empty", category="rank"))
    every = read(store, repo.iter_concepts)
    assert [c.id for c in every] == ["empty", "ltgen", "tank"]
    assert every == [get(store, c.id) for c in every]  # terms, versions and timestamps alike
    assert all(c.created_at.tzinfo is not None for c in every)
    assert [c.id for c in read(store, lambda s: repo.iter_concepts(s, "rank"))] == ["empty", "ltgen"]


def test_iter_concepts_keeps_position_order_whatever_order_rows_were_written_in(store):
    from termbank.store.models import TermRow

    add(store, tank())
    add(store, Concept(id="ltgen", category="rank", terms=(Term("en", "Lieutenant General"), Term("es", "teniente general"))))
    # An edit that reorders writes its terms again; then rows whose positions no longer
    # follow their ids (as a hand edit or another tool could leave them).
    write(store, lambda s: repo.save_concept(s, replace(get(store, "tank"), terms=tuple(reversed(tank().terms))), "ana"))
    assert [t.text for t in read(store, repo.iter_concepts)[1].terms] == ["carro de combate", "tanque", "tank"]

    def swap(s):
        rows = s.scalars(select(TermRow).where(TermRow.concept_id == "ltgen").order_by(TermRow.position)).all()
        rows[0].position, rows[1].position = 1, 0
    write(store, swap)
    every = read(store, repo.iter_concepts)
    assert [t.text for t in every[0].terms] == ["teniente general", "Lieutenant General"]
    assert every == [get(store, c.id) for c in every]


# -- upsert -----------------------------------------------------------------------------
def test_upsert_reports_added_unchanged_updated(store):
    up = lambda c: write(store, lambda s: repo.upsert_concept(s, c, "importer"))  # noqa: E731
    assert up(tank()) == "added"
    assert up(tank()) == "unchanged"
    assert up(tank(definition="a tracked armoured vehicle")) == "updated"
    assert get(store, "tank").definition == "a tracked armoured vehicle"
    assert [h["action"] for h in history(store, "tank")] == ["import", "import"]


def test_upserting_the_same_concepts_twice_adds_nothing(store):
    concepts = [tank(), Concept(id="frigate", terms=(Term("en", "frigate"), Term("es", "fragata")))]

    def load(s):
        return [repo.upsert_concept(s, c, "importer") for c in concepts]

    assert write(store, load) == ["added", "added"]
    before = (read(store, repo.counts), revision(store), len(history(store, "tank")))
    assert write(store, load) == ["unchanged", "unchanged"]
    assert (read(store, repo.counts), revision(store), len(history(store, "tank"))) == before
    assert get(store, "tank").version == 1


# -- remove, history, counts, revisions ----------------------------------------------------
def test_remove_keeps_the_history(store):
    add(store, tank())
    removed = write(store, lambda s: repo.remove_concept(s, "tank", "ben"))
    assert removed.terms == tank().terms
    assert get(store, "tank") is None
    h = history(store, "tank")
    assert [(x["action"], x["author"]) for x in h] == [("add", "ana"), ("remove", "ben")]
    assert h[1]["changes"]["before"]["terms"][0]["text"] == "tank"
    assert read(store, repo.counts)["terms"] == 0
    with pytest.raises(NotFound):
        write(store, lambda s: repo.remove_concept(s, "tank", "ben"))


def test_history_records_who_changed_what(store):
    add(store, tank())
    write(store, lambda s: repo.save_concept(s, tank(note="NATO usage"), "ben"))
    h = history(store, "tank")
    assert [(x["action"], x["author"]) for x in h] == [("add", "ana"), ("edit", "ben")]
    assert h[1]["changes"] == {"note": {"from": None, "to": "NATO usage"}}


def test_counts(store):
    assert read(store, repo.counts)["concepts"] == 0
    add(store, tank())
    add(store, Concept(id="frigate", category="equipment", terms=(Term("en", "frigate"),)))
    c = read(store, repo.counts)
    assert (c["concepts"], c["terms"], c["tm_units"]) == (2, 4, 0)
    assert c["by_category"] == {"equipment": 2}
    assert c["by_language"] == {"en": 2, "es": 2}
    assert c["by_status"] == {"admitted": 1, "preferred": 3}


def test_revision_moves_on_every_change_and_only_then(store):
    r0 = revision(store)
    add(store, tank())
    r1 = revision(store)
    assert r1[0] not in (r0[0], 0) and r1[1] == r0[1]
    write(store, lambda s: repo.save_concept(s, tank(note="x"), "ben"))
    r2 = revision(store)
    assert r2[0] not in (r1[0], r0[0], 0)
    write(store, lambda s: repo.save_concept(s, tank(note="x"), "ben"))  # no change
    assert write(store, lambda s: repo.upsert_concept(s, tank(note="x"), "ben")) == "unchanged"
    assert revision(store) == r2
    write(store, lambda s: repo.remove_concept(s, "tank", "ben"))
    assert revision(store)[0] not in (r2[0], r1[0], r0[0], 0)


def test_the_same_changes_on_another_database_give_other_revision_marks(tmp_path):
    # A database deleted and made again under its name must not meet its old caches.
    marks = []
    for attempt in range(2):
        path = tmp_path / "same-name.db"
        path.unlink(missing_ok=True)
        other = open_store(f"sqlite:///{path}", create=True)
        try:
            assert other.revision() == (0, 0)
            add(other, tank())
            write(other, lambda s: repo.add_units(s, [TMUnit("en", "Hello.", "es", "Hola.")], "ben"))
            marks.append(other.revision())
        finally:
            other.dispose()
    assert marks[0][0] != marks[1][0] and marks[0][1] != marks[1][1]


def test_version_bumps_on_each_saved_change(store):
    add(store, tank())
    for n, note in enumerate(["a", "b", "c"], start=2):
        saved = write(store, lambda s, note=note: repo.save_concept(s, tank(note=note), "ben"))
        assert saved.version == n
    unchanged = write(store, lambda s: repo.save_concept(s, tank(note="c"), "ben"))
    assert unchanged.version == 4


def test_created_by_is_kept_across_edits(store):
    from termbank.store.models import ConceptRow

    add(store, tank(), author="ana")
    write(store, lambda s: repo.save_concept(s, tank(note="x"), "ben"))
    row = read(store, lambda s: s.get(ConceptRow, "tank"))
    assert (row.created_by, row.updated_by) == ("ana", "ben")


# -- optimistic concurrency ----------------------------------------------------------------
def test_a_stale_edit_is_refused_naming_who_changed_it(store):
    add(store, tank())
    mine = get(store, "tank")
    write(store, lambda s: repo.save_concept(s, tank(note="ben's note"), "ben", expected_version=mine.version))
    with pytest.raises(ConflictError, match=r"changed by ben .*version 2.*version 1"):
        write(store, lambda s: repo.save_concept(s, tank(note="ana's note"), "ana", expected_version=mine.version))
    assert get(store, "tank").note == "ben's note"


def test_api_edit_if_version_refuses_a_stale_version(store):
    add(store, tank())
    api.edit(store, "tank", note="first", if_version=1, author="ben")
    with pytest.raises(ConflictError, match="changed by ben"):
        api.edit(store, "tank", note="second", if_version=1, author="ana")
    assert get(store, "tank").note == "first"


def test_two_editors_save_at_the_same_moment_one_is_refused(store):
    """Both load version 1 and save at once (threads): one wins, the other hears who."""
    add(store, tank())
    loaded = get(store, "tank")
    barrier = threading.Barrier(2)
    outcome: dict[str, object] = {}

    def editor(name):
        barrier.wait(timeout=10)
        try:
            write(store, lambda s: repo.save_concept(s, tank(note=f"by {name}"), name, expected_version=loaded.version))
            outcome[name] = "saved"
        except ConflictError as exc:
            outcome[name] = exc

    threads = [threading.Thread(target=editor, args=(n,)) for n in ("ana", "ben")]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    saved = [n for n, o in outcome.items() if o == "saved"]
    refused = {n: o for n, o in outcome.items() if isinstance(o, ConflictError)}
    assert len(saved) == 1 and len(refused) == 1, outcome
    assert f"changed by {saved[0]}" in str(next(iter(refused.values())))
    final = get(store, "tank")
    assert (final.note, final.version) == (f"by {saved[0]}", 2)


def test_interleaved_transactions_stale_update_becomes_conflict(store):
    """Two open transactions load the same row; the second UPDATE matches no version.

    SQLAlchemy raises StaleDataError for that; save_concept reports ConflictError naming
    the other author. SQLite serializes writers (BEGIN IMMEDIATE), so the interleaving is
    only possible on PostgreSQL.
    """
    if store.dialect == "sqlite":
        pytest.skip("SQLite writers cannot interleave: BEGIN IMMEDIATE queues them")
    add(store, tank())
    with pytest.raises(ConflictError, match="changed by ben"):
        with store.write() as sa:
            mine = repo.get_concept(sa, "tank")  # ana's transaction has loaded version 1
            with store.write() as sb:
                repo.save_concept(sb, tank(note="ben"), "ben", expected_version=1)
            repo.save_concept(sa, tank(note="ana"), "ana", expected_version=mine.version)
    assert get(store, "tank").note == "ben"


def test_blocked_stale_update_becomes_conflict_once_the_other_commits(store):
    """ana's UPDATE waits on ben's row lock; when ben commits it matches no row."""
    if store.dialect == "sqlite":
        pytest.skip("SQLite writers cannot interleave: BEGIN IMMEDIATE queues them")
    add(store, tank())
    loaded, started = threading.Event(), threading.Event()
    result: dict[str, object] = {}

    def ana():
        try:
            with store.write() as sa:
                repo.get_concept(sa, "tank")
                loaded.set()
                started.wait(10)
                repo.save_concept(sa, tank(note="ana"), "ana", expected_version=1)
            result["ana"] = "saved"
        except ConflictError as exc:
            result["ana"] = exc

    t = threading.Thread(target=ana)
    with store.write() as sb:
        t.start()
        assert loaded.wait(10)
        repo.save_concept(sb, tank(note="ben"), "ben", expected_version=1)
        started.set()
        t.join(0.5)
        assert t.is_alive(), "ana's update should wait for ben's row lock"
    t.join(30)
    assert isinstance(result.get("ana"), ConflictError) and "changed by ben" in str(result["ana"])
    assert get(store, "tank").note == "ben"


def test_concurrent_unversioned_edits_are_all_applied(store):
    """Edits without --if-version wait for each other: nothing is overwritten."""
    add(store, tank())
    barrier = threading.Barrier(4)
    errors = []

    def editor(n):
        barrier.wait(timeout=10)
        try:
            for i in range(5):
                api.edit(store, "tank", add_terms=[Term("en", f"tank {n}-{i}", status="admitted")], author=f"w{n}")
        except Exception as exc:  # noqa: BLE001 - any error is a failure of the test
            errors.append(exc)

    threads = [threading.Thread(target=editor, args=(n,)) for n in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert errors == []
    final = get(store, "tank")
    texts = {t.text for t in final.terms}
    assert {f"tank {n}-{i}" for n in range(4) for i in range(5)} <= texts
    assert final.version == 21
    assert len(history(store, "tank")) == 21


# -- translation units ---------------------------------------------------------------------
def unit(src, tgt, **kw):
    return TMUnit(source_lang="en", source=src, target_lang="es", target=tgt, **kw)


def test_units_are_added_and_duplicates_merged(store):
    units = [unit("The tank advanced.", "El tanque avanzó."), unit("Hold the line.", "Mantengan la línea.")]
    assert write(store, lambda s: repo.add_units(s, units, "ana")) == (2, 0)
    r = revision(store)
    again = units + [unit("  The tank   advanced. ", "El tanque avanzo\u0301."), unit("New.", "Nuevo.")]
    assert write(store, lambda s: repo.add_units(s, again, "ben")) == (1, 3)
    moved = revision(store)
    assert moved[1] != r[1] and moved[0] == r[0]
    assert write(store, lambda s: repo.add_units(s, units, "ben")) == (0, 2)
    assert revision(store) == moved  # nothing new, no new mark
    stored = read(store, lambda s: list(repo.iter_units(s)))
    assert [u.source for u in stored] == ["The tank advanced.", "Hold the line.", "New."]
    assert stored[0].created_by == "ana" and stored[2].created_by == "ben"
    assert stored[0].created_at.tzinfo is not None
    assert read(store, repo.counts)["tm_units"] == 3


def test_duplicates_within_one_batch_are_merged(store):
    u = unit("Fire!", "¡Fuego!")
    assert write(store, lambda s: repo.add_units(s, [u, u, u], None)) == (1, 2)


def test_unit_props_and_note_round_trip(store):
    u = unit("Roger.", "Recibido.", origin="radio.tmx", note="radio", props={"x-domain": "comms"})
    write(store, lambda s: repo.add_units(s, [u], "ana"))
    (got,) = read(store, lambda s: list(repo.iter_units(s)))
    assert (got.origin, got.note, got.props) == ("radio.tmx", "radio", {"x-domain": "comms"})


# -- races on new keys: both see nothing, both insert ---------------------------------------
def _race(store, first, second):
    """Run ``first`` and ``second`` in write transactions so that ``second`` looks for the
    row after ``first`` inserted it but before ``first`` commits; return both results."""
    inserted = threading.Event()
    out: dict[str, object] = {}

    def run_first(s):
        result = first(s)
        inserted.set()
        time.sleep(0.3)  # still uncommitted while the second transaction looks and inserts
        return result

    def run_second():
        inserted.wait(10)
        out["second"] = store.run_write(second)

    t = threading.Thread(target=run_second)
    t.start()
    out["first"] = store.run_write(run_first)
    t.join(30)
    return out["first"], out["second"]


def test_two_imports_adding_the_same_new_concept_at_once(store):
    """On PostgreSQL the second INSERT fails with a unique violation; run_write retries it
    and the retry finds the first one's row. SQLite queues the second transaction."""
    retries = store.retries
    first, second = _race(store, lambda s: repo.upsert_concept(s, tank(), "ana"),
                          lambda s: repo.upsert_concept(s, tank(), "ben"))
    assert (first, second) == ("added", "unchanged")
    assert [h["author"] for h in history(store, "tank")] == ["ana"]
    if store.dialect == "postgresql":
        assert store.retries > retries


def test_two_writers_adding_the_same_unit_at_once(store):
    u = unit("Contact front.", "Contacto al frente.")
    first, second = _race(store, lambda s: repo.add_units(s, [u], "ana"), lambda s: repo.add_units(s, [u], "ben"))
    assert (first, second) == ((1, 0), (0, 1))
    assert read(store, repo.counts)["tm_units"] == 1


def test_a_real_duplicate_key_is_not_retried_forever(store):
    """A unique violation that a retry cannot cure is a bug: it is raised, quickly."""
    from sqlalchemy.exc import IntegrityError

    from termbank.store.models import TMUnitRow

    write(store, lambda s: repo.add_units(s, [unit("a", "b")], "ana"))
    key = read(store, lambda s: s.scalar(select(TMUnitRow.key)))
    row = dict(key=key, source_lang="en", source="a", target_lang="es", target="b",
               created_at=datetime.now(timezone.utc), updated_at=datetime.now(timezone.utc))
    started = time.monotonic()
    with pytest.raises(IntegrityError):
        write(store, lambda s: s.execute(insert(TMUnitRow), [row]))
    assert time.monotonic() - started < 5
