"""A write killed halfway with SIGKILL leaves the database exactly as it was (issue 7).

A child process opens one write transaction through the real API and writes thousands
of concepts, edits and translation units; once it has flushed a good part of them it is
killed with SIGKILL. Every table must then hold exactly what it held before, SQLite's
``PRAGMA integrity_check`` must say ``ok``, and the next write must go through. When the
``termbank import`` command exists, a real import of a large generated TBX file is killed
the same way.
"""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest
from sqlalchemy import create_engine, inspect, text

from termbank import api
from termbank.model import Concept, Term, TMUnit
from termbank.store import repo

pytestmark = pytest.mark.skipif(not hasattr(signal, "SIGKILL"), reason="needs SIGKILL")

BULK = 20_000  # concepts the killed transaction would write
MARKER_AFTER = 4_000  # rows flushed to the database before the child says so

WRITER = r"""
import sys, time
from pathlib import Path
from termbank import api
from termbank.model import Concept, Term, TMUnit
from termbank.store import repo

url, bulk, marker_after, marker = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), Path(sys.argv[4])
store = api.open_database(url)

def work(session):
    for i in range(50):  # change every concept that was there before
        c = repo.require_concept(session, f"seed-{i}")
        repo.save_concept(session, Concept(id=c.id, category=c.category, definition="overwritten",
                                           terms=c.terms + (Term("en", f"extra {i}"),)), "importer")
    repo.remove_concept(session, "seed-0", "importer")
    repo.add_units(session, [TMUnit("en", f"Bulk sentence {i}.", "es", f"Frase masiva {i}.") for i in range(2000)],
                   "importer")
    for i in range(bulk):
        repo.upsert_concept(session, Concept(id=f"bulk-{i}", category="other",
                                             terms=(Term("en", f"bulk term {i}"), Term("es", f"termino masivo {i}"))),
                            "importer")
        if i == marker_after:
            session.flush()
            marker.write_text("flushed")
    print("commit", flush=True)

store.run_write(work)
print("committed", flush=True)
"""


def seed(store) -> None:
    def work(s):
        for i in range(50):
            repo.add_concept(s, Concept(id=f"seed-{i}", category="unit",
                                        terms=(Term("en", f"seed {i}"), Term("es", f"semilla {i}"))), "ana")
        repo.add_units(s, [TMUnit("en", f"Seed sentence {i}.", "es", f"Frase semilla {i}.") for i in range(10)], "ana")

    store.run_write(work)
    api.edit(store, "seed-1", note="edited before the crash", author="ben")


def snapshot(url: str) -> dict[str, list[tuple]]:
    """Return every row of every table, in primary-key order, from a fresh connection."""
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            out = {}
            for table in sorted(inspect(conn).get_table_names()):
                pk = inspect(conn).get_pk_constraint(table)["constrained_columns"] or ["1"]
                rows = conn.execute(text(f"SELECT * FROM {table} ORDER BY {', '.join(pk)}")).all()
                out[table] = [tuple(r) for r in rows]
            return out
    finally:
        engine.dispose()


def wait_for(predicate, proc: subprocess.Popen, what: str, timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if proc.poll() is not None:
            out, err = proc.communicate()
            pytest.fail(f"the writer ended (exit {proc.returncode}) before {what}: {out[-500:]} {err[-2000:]}")
        assert time.monotonic() < deadline, f"timed out waiting until {what}"
        time.sleep(0.01)


def kill(proc: subprocess.Popen) -> None:
    os.kill(proc.pid, signal.SIGKILL)
    proc.communicate(timeout=30)
    assert proc.returncode == -signal.SIGKILL, "the writer finished before it was killed"


def assert_unchanged_and_usable(store, before: dict) -> None:
    assert snapshot(store.url) == before
    if store.sqlite_path is not None:
        conn = sqlite3.connect(store.sqlite_path)
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        assert conn.execute("PRAGMA foreign_key_check").fetchall() == []
        conn.close()
    # Nothing is left locked: the next writer goes through at once.
    started = time.monotonic()
    api.edit(store, "seed-2", note="after the crash", author="carla")
    api.add(store, [Term("en", "bulk term 1")], concept_id="bulk-1", author="carla")
    assert time.monotonic() - started < 20
    assert api.stats(store)["concepts"] == 51


def test_killed_write_transaction_leaves_the_database_as_it_was(store, tmp_path):
    seed(store)
    before = snapshot(store.url)
    marker = tmp_path / "flushed"
    proc = subprocess.Popen([sys.executable, "-c", WRITER, store.url, str(BULK), str(MARKER_AFTER), str(marker)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    wait_for(marker.exists, proc, f"{MARKER_AFTER} concepts were flushed")
    wal = Path(f"{store.sqlite_path}-wal") if store.sqlite_path else None
    wal_bytes = wal.stat().st_size if wal and wal.exists() else 0
    kill(proc)
    print(f"\n[crash] {store.dialect}: killed after >= {MARKER_AFTER} of {BULK} concepts, 50 edits, "
          f"1 removal and 2000 TM units were written uncommitted"
          + (f"; WAL held {wal_bytes // 1024} KiB" if wal else ""))
    assert_unchanged_and_usable(store, before)


# -- the real `termbank import` (once the command exists) ------------------------------------
def _import_command_exists() -> bool:
    from typer.testing import CliRunner

    from termbank.cli import app

    return CliRunner().invoke(app, ["import", "--help"]).exit_code == 0


TERMBANK = [sys.executable, "-c", "from termbank.cli import main; main()"]  # the console script's entry


def write_tbx(path: Path, n: int) -> None:
    """Write a TBX-Basic v3 (DCA) file of ``n`` bilingual concepts."""
    with open(path, "w", encoding="utf-8") as fh:
        fh.write('<?xml version="1.0" encoding="UTF-8"?>\n'
                 '<tbx type="TBX-Basic" style="dca" xml:lang="en" xmlns="urn:iso:std:iso:30042:ed-2">\n'
                 "<tbxHeader><fileDesc><sourceDesc><p>generated for the crash test</p></sourceDesc>"
                 "</fileDesc></tbxHeader>\n<text><body>\n")
        for i in range(n):
            fh.write(f'<conceptEntry id="bulk-{i}"><langSec xml:lang="en"><termSec><term>bulk term {i}</term>'
                     f'</termSec></langSec><langSec xml:lang="es"><termSec><term>término masivo {i}</term>'
                     "</termSec></langSec></conceptEntry>\n")
        fh.write("</body></text></tbx>\n")


def _writing(store):
    """Return a predicate: has some other connection an open write transaction with changes?"""
    if store.sqlite_path is not None:
        def sqlite_locked() -> bool:
            conn = sqlite3.connect(store.sqlite_path, timeout=0, isolation_level=None)
            try:
                conn.execute("BEGIN IMMEDIATE")
                conn.execute("ROLLBACK")
                return False
            except sqlite3.OperationalError:
                return True
            finally:
                conn.close()
        return sqlite_locked

    engine = create_engine(store.url)
    name = store.engine.url.database

    def pg_writing() -> bool:
        with engine.connect() as conn:
            return bool(conn.execute(text(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = :d AND backend_xid IS NOT NULL "
                "AND pid <> pg_backend_pid()"), {"d": name}).scalar())
    pg_writing.engine = engine
    return pg_writing


def test_killed_termbank_import_leaves_the_database_as_it_was(store, tmp_path):
    if not _import_command_exists():
        pytest.skip("no `termbank import` command yet")
    seed(store)
    before = snapshot(store.url)
    tbx = tmp_path / "big.tbx"
    write_tbx(tbx, BULK * 2)
    started = time.monotonic()
    proc = subprocess.Popen(TERMBANK + ["--db", store.url, "import", str(tbx)], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)
    writing = _writing(store)
    try:
        wait_for(writing, proc, "the import started writing")
        writing_at = time.monotonic()
        time.sleep(0.5)  # let it write a good part inside its transaction
        kill(proc)
    finally:
        if hasattr(writing, "engine"):
            writing.engine.dispose()
    print(f"\n[crash] {store.dialect}: `termbank import` of {BULK * 2} TBX concepts killed "
          f"{time.monotonic() - writing_at:.1f} s into its write transaction "
          f"({writing_at - started:.1f} s after it started)")
    assert_unchanged_and_usable(store, before)
