"""Start-up on the cached path (issue 8): a repeat ``lookup`` or ``annotate`` on an unchanged
SQLite termbase loads the pickled index and never imports SQLAlchemy (0.2 s of a warm run).

Each command runs in a fresh interpreter, as the installed ``termbank`` does, which then
reports the heavy modules it imported.
"""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from termbank.store.db import open_store

HEAVY = ("sqlalchemy", "alembic")

# The console script's entry point, then a report of what got imported (on stderr, last line).
RUN = """
import json, sys
from termbank.cli import main
sys.argv = ["termbank", *sys.argv[1:]]
try:
    main()
except SystemExit as exit:
    code = exit.code or 0
else:
    code = 0
sys.stdout.flush()
heavy = sorted({name.split(".")[0] for name in sys.modules} & set(HEAVY))
print("\\n" + json.dumps({"code": code, "heavy": heavy}), file=sys.stderr)
""".replace("HEAVY", repr(HEAVY))


def termbank(*args: str) -> tuple[str, dict]:
    """Run the CLI in a new interpreter; return its stdout and ``{"code", "heavy"}``."""
    proc = subprocess.run([sys.executable, "-c", RUN, *args], capture_output=True, text=True, timeout=300,
                          check=False)
    assert proc.returncode == 0, proc.stderr
    report = json.loads(proc.stderr.strip().splitlines()[-1])
    return proc.stdout, report


@pytest.fixture
def sqlite_url(tmp_path):
    """A real SQLite file holding the shipped glossaries (whatever backend the suite tests)."""
    url = f"sqlite:///{tmp_path / 'termbank.db'}"
    _, report = termbank("--db", url, "init")
    assert report["code"] == 0
    return url


@pytest.fixture
def article(tmp_path):
    path = tmp_path / "article.es.txt"
    path.write_text("El Tte. Gral. llegó a la SEDENA.\n", encoding="utf-8")
    return str(path)


def test_a_warm_lookup_does_not_import_sqlalchemy(sqlite_url):
    cold, first = termbank("--db", sqlite_url, "lookup", "Tte. Gral.", "--json")
    warm, second = termbank("--db", sqlite_url, "lookup", "Tte. Gral.", "--json")
    assert first["code"] == second["code"] == 0
    assert "sqlalchemy" in first["heavy"]  # the first run builds the index from the database
    assert second["heavy"] == []
    assert warm == cold and json.loads(warm)


def test_a_warm_annotate_does_not_import_sqlalchemy(sqlite_url, article):
    args = ("--db", sqlite_url, "annotate", article, "--lang", "es", "--format", "json", "-q")
    cold, _ = termbank(*args)
    warm, report = termbank(*args)
    assert report == {"code": 0, "heavy": []}
    assert warm == cold and json.loads(warm)["mentions"]


def test_the_default_database_is_filled_once_then_read_without_sqlalchemy():
    cold, first = termbank("lookup", "Tte. Gral.", "--json")  # creates and fills the default file
    assert "sqlalchemy" in first["heavy"] and json.loads(cold)
    warm, second = termbank("lookup", "Tte. Gral.", "--json")
    assert second["heavy"] == []
    assert warm == cold


def test_an_edit_is_seen_by_the_next_warm_lookup(sqlite_url):
    termbank("--db", sqlite_url, "lookup", "zanahoria blindada", "--json")
    _, added = termbank("--db", sqlite_url, "add", "--en", "armored carrot", "--es", "zanahoria blindada")
    assert added["code"] == 0
    out, report = termbank("--db", sqlite_url, "lookup", "zanahoria blindada", "--json")
    assert "sqlalchemy" in report["heavy"]  # the revision changed: the index is rebuilt
    assert json.loads(out)[0]["suggestion"] == "armored carrot"
    _, again = termbank("--db", sqlite_url, "lookup", "zanahoria blindada", "--json")
    assert again["heavy"] == []


def test_an_older_schema_is_still_upgraded_by_a_reading_command(sqlite_url):
    store = open_store(sqlite_url)
    store.downgrade("0001")
    store.dispose()
    out, report = termbank("--db", sqlite_url, "lookup", "Tte. Gral.", "--json")
    assert report["code"] == 0 and "alembic" in report["heavy"]
    assert json.loads(out)
    _, again = termbank("--db", sqlite_url, "lookup", "Tte. Gral.", "--json")
    assert again["heavy"] == []
