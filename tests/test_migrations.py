"""Schema migrations (issue 7): databases made by every earlier schema version upgrade in
place with their data intact, and the ORM models match what the migrations create."""

from __future__ import annotations

import importlib.util
import shutil
import sqlite3
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import select

from termbank.model import Concept, Term, TMUnit
from termbank.store import repo
from termbank.store.db import MIGRATIONS_DIR, Store, head_revision, open_store
from termbank.store.models import Base, ConceptRow, HistoryRow, RevisionRow, TermRow, TMUnitRow

FIXTURES = Path(__file__).resolve().parent / "data" / "migrations"
_spec = importlib.util.spec_from_file_location("make_fixtures", FIXTURES / "make_fixtures.py")
make_fixtures = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(make_fixtures)

ROW_CLASSES = {"concept": ConceptRow, "term": TermRow, "history": HistoryRow, "tm_unit": TMUnitRow}
EARLIER = sorted(make_fixtures.SAMPLES)


def alembic_config() -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    return cfg


def all_revisions() -> list[str]:
    return [s.revision for s in ScriptDirectory.from_config(alembic_config()).walk_revisions()]


def test_every_earlier_revision_has_a_fixture():
    earlier = set(all_revisions()) - {head_revision()}
    assert earlier <= set(make_fixtures.SAMPLES), "add a SAMPLES entry and run make_fixtures.py"
    for rev in earlier:
        assert (FIXTURES / f"schema-{rev}.db").is_file()


def check_upgraded(store: Store, revision: str) -> None:
    """Assert the sample data of ``revision`` survived the upgrade to the newest schema."""
    sample = make_fixtures.SAMPLES[revision]
    assert store.schema_revision() == head_revision()
    with store.read() as s:
        for table, cls in ROW_CLASSES.items():
            rows = {r.id: r for r in s.scalars(select(cls))}
            assert sorted(rows) == sorted(x["id"] for x in sample[table]), table
            for expected in sample[table]:
                row = rows[expected["id"]]
                got = {k: getattr(row, k) for k in expected}
                assert got == expected, (table, expected["id"])
        rev = s.get(RevisionRow, 1)
        assert (rev.terms, rev.tm) == (sample["store_revision"][0]["terms"], sample["store_revision"][0]["tm"])
        # 0003: a memory holding units gets a lineage mark.
        assert rev.tm_lineage != 0
        assert [h["action"] for h in repo.history(s, "gone")] == ["add", "remove"]
    # 0002: the creator comes from the oldest history row, else from updated_by.
    with store.read() as s:
        created_by = dict(s.execute(select(ConceptRow.id, ConceptRow.created_by)).all())
    assert created_by == {"lt-gen": "ana", "sedena": "ana", "no-history": "carla"}


def check_usable(store: Store) -> None:
    """The upgraded database takes new work: versions go on, TM keys still merge."""
    lt = store.run_write(lambda s: repo.require_concept(s, "lt-gen"))
    from dataclasses import replace

    saved = store.run_write(lambda s: repo.save_concept(s, replace(lt, note="checked after upgrade"), "dora",
                                                        expected_version=lt.version))
    assert saved.version == lt.version + 1
    store.run_write(lambda s: repo.add_concept(s, Concept(id="new", terms=(Term("en", "new"),)), "dora"))
    again = TMUnit("en", "The  general arrived. ", "es", "El general llegó.")
    assert store.run_write(lambda s: repo.add_units(s, [again], "dora")) == (0, 1)
    added = store.run_write(lambda s: repo.add_units(s, [TMUnit("en", "Fresh.", "es", "Nuevo.")], "dora"))
    assert added == (1, 0)  # ids continue after the fixture's rows


@pytest.mark.parametrize("revision", EARLIER)
def test_sqlite_fixture_upgrades_in_place(tmp_path, revision):
    path = tmp_path / f"schema-{revision}.db"
    shutil.copy(FIXTURES / f"schema-{revision}.db", path)
    store = open_store(f"sqlite:///{path}", create=False)
    try:
        check_upgraded(store, revision)
        check_usable(store)
    finally:
        store.dispose()
    conn = sqlite3.connect(path)
    assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    assert conn.execute("PRAGMA foreign_key_check").fetchall() == []
    conn.close()


@pytest.mark.parametrize("revision", EARLIER)
def test_the_committed_fixture_is_still_at_its_revision(revision):
    conn = sqlite3.connect(f"file:{FIXTURES / f'schema-{revision}.db'}?mode=ro", uri=True)
    assert conn.execute("SELECT version_num FROM alembic_version").fetchone()[0] == revision
    conn.close()


@pytest.mark.parametrize("revision", EARLIER)
def test_earlier_schema_upgrades_on_the_backend_under_test(db_url, revision):
    """On PostgreSQL the old database is made here: migrations up to ``revision``, then data."""
    make_fixtures.build(db_url, revision)
    store = open_store(db_url, create=False)
    try:
        check_upgraded(store, revision)
        check_usable(store)
    finally:
        store.dispose()


def test_downgrade_and_upgrade_again_keep_the_data(db_url):
    store = open_store(db_url)
    try:
        store.run_write(lambda s: repo.add_concept(
            s, Concept(id="tank", terms=(Term("en", "tank"), Term("es", "tanque"))), "ana"))
        before = store.run_write(lambda s: repo.iter_concepts(s))
        for target in all_revisions()[1:]:  # newest-but-one down to 0001, one step at a time
            store.downgrade(target)
            assert store.schema_revision() == target
            assert store.run_write(lambda s: repo.iter_concepts(s)) == before
        store.upgrade()
        assert store.schema_revision() == head_revision()
        assert store.run_write(lambda s: repo.iter_concepts(s)) == before
        with store.read() as s:
            assert s.get(ConceptRow, "tank").created_by == "ana"  # refilled from history
    finally:
        store.dispose()


def test_models_match_the_migrations(db_url):
    """Like ``alembic check``: autogenerate finds nothing to change after ``upgrade head``."""
    store = open_store(db_url)
    try:
        with store.engine.connect() as conn:
            ctx = MigrationContext.configure(conn, opts={"compare_type": True})
            diff = compare_metadata(ctx, Base.metadata)
        assert diff == []
    finally:
        store.dispose()
