"""Opening databases that cannot be used: one line on stderr, exit 4, never a password."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys

import pytest
from typer.testing import CliRunner

from termbank.cli import app
from termbank.store.db import head_revision, open_store

SECRET = "s3cr3t"
REFUSED = f"postgresql+psycopg://user:{SECRET}@127.0.0.1:1/nope"  # nothing listens on port 1

COMMANDS = [
    ["stats"],
    ["stats", "--json"],
    ["init"],
    ["init", "--empty"],
    ["lookup", "tank"],
    ["show", "tank"],
    ["add", "--en", "tank", "--es", "tanque"],
    ["edit", "tank", "--note", "x"],
    ["remove", "tank"],
]


def run(*args):
    return CliRunner().invoke(app, [str(a) for a in args], catch_exceptions=False)


def assert_database_error(result, *hidden):
    assert result.exit_code == 4, (result.exit_code, result.stdout, result.stderr)
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("termbank: error:"), result.stderr
    assert "Traceback" not in result.stdout + result.stderr
    for h in hidden:
        assert h not in result.stdout + result.stderr


@pytest.mark.parametrize("command", COMMANDS, ids=lambda c: " ".join(c))
def test_unreachable_server_is_exit_4_without_the_password(command):
    result = run("--db", REFUSED, *command)
    assert_database_error(result, SECRET)
    assert "***" in result.stderr


def test_password_from_the_environment_is_hidden_too(monkeypatch):
    monkeypatch.setenv("TERMBANK_DATABASE_URL", REFUSED)
    assert_database_error(run("stats"), SECRET)


def test_the_installed_command_hides_the_password():
    exe = shutil.which("termbank") or os.path.join(os.path.dirname(sys.executable), "termbank")
    env = dict(os.environ, TERMBANK_DATABASE_URL=REFUSED)
    proc = subprocess.run([exe, "init"], capture_output=True, text=True, env=env, timeout=60)
    assert proc.returncode == 4, proc.stderr
    assert SECRET not in proc.stdout + proc.stderr
    assert len(proc.stderr.strip().splitlines()) == 1 and "Traceback" not in proc.stderr


def test_unknown_host_or_bad_password_is_exit_4(monkeypatch):
    result = run("--db", f"postgresql+psycopg://user:{SECRET}@no-such-host.invalid:5432/x", "stats")
    assert_database_error(result, SECRET)


@pytest.mark.parametrize("command", [["init"], ["stats"], ["add", "--en", "tank"]], ids=lambda c: c[0])
def test_sqlite_path_under_a_file(tmp_path, command):
    blocker = tmp_path / "plain-file"
    blocker.write_text("not a folder")
    result = run("--db", f"sqlite:///{blocker}/sub/termbank.db", *command)
    assert_database_error(result)
    assert blocker.read_text() == "not a folder"


def test_sqlite_file_that_is_not_a_database(tmp_path):
    path = tmp_path / "notes.db"
    path.write_text("these are my notes\n" * 100)
    for command in (["init"], ["stats"]):
        assert_database_error(run("--db", f"sqlite:///{path}", *command))
    assert path.read_text() == "these are my notes\n" * 100


def _as_a_user(args, **kw):
    """Run ``termbank ARGS`` in a child process subject to file permissions, even as root."""
    prefix = []
    if os.geteuid() == 0:
        if not shutil.which("setpriv"):
            pytest.skip("root may write into any folder, and setpriv is not there to drop that")
        drop = "-dac_override,-dac_read_search"
        prefix = ["setpriv", f"--bounding-set={drop}", f"--inh-caps={drop}"]
    code = "from termbank.cli import main; main()"
    return subprocess.run([*prefix, sys.executable, "-c", code, *map(str, args)],
                          capture_output=True, text=True, timeout=120, **kw)


def _one_line(result):
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("termbank: error:"), result.stderr
    return lines[0]


def test_sqlite_folder_not_writable(tmp_path):
    folder = tmp_path / "locked"
    folder.mkdir()
    folder.chmod(0o500)
    try:
        result = _as_a_user(["--db", f"sqlite:///{folder}/termbank.db", "init"])
        assert result.returncode == 4 and "unable to open database file" in _one_line(result)
        assert list(folder.iterdir()) == []
    finally:
        folder.chmod(0o700)


def test_a_termbase_in_a_read_only_folder_is_read_and_never_written(tmp_path):
    """A WAL database needs a -shm file beside it: a read-only folder is read as it is."""
    folder = tmp_path / "published termbase #2"  # spaced, and a "#" that a URI would end the path at
    folder.mkdir()
    url = f"sqlite:///{folder}/termbank.db"
    # In a child process, so that no connection of this one keeps a -wal file open.
    assert _as_a_user(["--db", url, "init"]).returncode == 0
    assert sorted(p.name for p in folder.iterdir()) == ["termbank.db"]
    article = tmp_path / "note.en.txt"
    article.write_text("The Secretariat of the Navy and SEDENA met.\n", encoding="utf-8")
    before = (folder / "termbank.db").read_bytes()
    folder.chmod(0o555)
    try:
        stats = _as_a_user(["--db", url, "stats", "--json"])
        assert stats.returncode == 0, stats.stderr
        assert json.loads(stats.stdout)["concepts"] > 500
        hit = _as_a_user(["--db", url, "lookup", "Secretaria de Marina", "--json"])
        assert hit.returncode == 0 and json.loads(hit.stdout)[0]["concept"] == "mx-semar", hit.stderr
        found = _as_a_user(["--db", url, "annotate", article, "--format", "json"])
        assert found.returncode == 0, found.stderr
        assert {m["concept"] for m in json.loads(found.stdout)["mentions"]} >= {"mx-semar", "mx-sedena"}
        refused = _as_a_user(["--db", url, "add", "--en", "drone", "--es", "dron"])
        assert refused.returncode == 4 and "readonly database" in _one_line(refused)
        assert sorted(p.name for p in folder.iterdir()) == ["termbank.db"]
        assert sorted(p.name for p in tmp_path.iterdir()) == sorted([folder.name, article.name])
    finally:
        folder.chmod(0o755)
    assert (folder / "termbank.db").read_bytes() == before


def test_a_named_database_is_not_created_by_reading_commands(tmp_path):
    path = tmp_path / "fresh.db"
    assert_database_error(run("--db", f"sqlite:///{path}", "stats"))
    assert not path.exists()


def test_schema_is_created_by_the_migrations_and_reopening_writes_nothing(db_url):
    store = open_store(db_url)
    try:
        assert store.schema_revision() == head_revision()
        before = store.revision()
        store.upgrade()  # at head: nothing to do
        assert store.revision() == before
    finally:
        store.dispose()


def test_a_current_sqlite_file_is_opened_and_read_without_an_engine(tmp_path):
    """Issue 8: opening and reading the revision of a current file need no SQLAlchemy engine."""
    from termbank.model import Concept, Term
    from termbank.store import repo

    url = f"sqlite:///{tmp_path / 'termbank.db'}"
    open_store(url).dispose()  # creates the schema
    store = open_store(url, create=False)
    try:
        assert store._engines is None
        assert store.revision() == (0, 0)
        assert store._engines is None
        assert sorted(p.name for p in tmp_path.iterdir()) == ["termbank.db"]  # no -wal or -shm left
        store.run_write(lambda s: repo.add_concept(s, Concept(id="tank", terms=(Term("en", "tank"),)), "ana"))
        with store.read() as s:
            expected = repo.revision(s)
        assert expected != (0, 0) and store.revision() == expected
    finally:
        store.dispose()


def test_a_sqlite_url_sqlalchemy_must_parse_still_works(tmp_path):
    url = f"sqlite:///{tmp_path / 'a%20b.db'}"  # SQLAlchemy unquotes the path
    store = open_store(url)
    try:
        assert store.sqlite_path == tmp_path / "a b.db" and store.sqlite_path.exists()
        assert store.is_current() and store.revision() == (0, 0)
    finally:
        store.dispose()


def test_a_file_locked_by_another_program_waits_once_more_then_says_so(tmp_path, monkeypatch):
    # Another program holds the write lock throughout: SQLite waits its busy timeout (here
    # 0.2 s instead of 30), termbank tells the user and waits once more, then gives up.
    import sqlite3

    from termbank.errors import StoreError
    from termbank.store import db as dbmod
    from termbank.store import repo as repomod

    monkeypatch.setattr(dbmod, "BUSY_TIMEOUT_MS", 200)
    path = tmp_path / "held.db"
    store = dbmod.open_store(f"sqlite:///{path}")
    waits = []
    store.on_lock_wait = lambda: waits.append(1)
    other = sqlite3.connect(path, isolation_level=None)
    other.execute("BEGIN EXCLUSIVE")
    try:
        with pytest.raises(StoreError, match="database is locked \\(another program has been writing"):
            store.run_write(lambda s: repomod.bump_revision(s, terms=True))
    finally:
        other.execute("ROLLBACK")
        other.close()
    assert waits == [1]
    store.run_write(lambda s: repomod.bump_revision(s, terms=True))  # free again: it works
    store.dispose()
