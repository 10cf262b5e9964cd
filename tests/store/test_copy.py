"""``termbank copy --to URL``: a whole termbase moves between databases unchanged."""

from __future__ import annotations

import json

from sqlalchemy import select
from typer.testing import CliRunner

from termbank import api
from termbank.cli import app
from termbank.model import Concept, Term, TMUnit
from termbank.store import repo
from termbank.store.db import open_store
from termbank.store.models import Base
from termbank.store.transfer import COPIED_TABLES


def fill(store) -> None:
    def work(s):
        for i in range(30):
            repo.add_concept(s, Concept(id=f"c{i}", category="equipment", definition=f"thing {i}",
                                        terms=(Term("en", f"thing {i}"), Term("es", f"cosa {i}", gender="feminine"),
                                               Term("es-MX", f"cosita {i}", status="admitted", case_sensitive=True))),
                             "ana")
        repo.add_units(s, [TMUnit("en", f"Sentence {i}.", "es", f"Frase {i}.", origin="x.tmx",
                                  props={"n": str(i)}) for i in range(40)], "ana")

    store.run_write(work)
    api.edit(store, "c1", note="edited", author="ben")
    api.edit(store, "c2", add_terms=[Term("en", "extra")], author="carla")
    api.remove(store, "c3", author="ben")


def contents(store) -> dict:
    """Every copied table's rows, through the models' types (so the two backends compare)."""
    out = {}
    with store.read() as s:
        for name in COPIED_TABLES:
            table = Base.metadata.tables[name]
            out[name] = [tuple(r) for r in s.execute(select(table).order_by(*table.primary_key.columns))]
    return out


def test_copy_from_the_backend_under_test_to_sqlite_and_back(store, tmp_path):
    fill(store)
    backup = f"sqlite:///{tmp_path / 'backup.db'}"
    result = api.copy(store, backup)
    assert (result["concepts"], result["terms"], result["history"], result["tm_units"]) == (29, 88, 33, 40)
    copy = open_store(backup, create=False)
    try:
        assert contents(copy) == contents(store)
        # New revision marks: no cache of either database is taken for the copy.
        assert all(a != b and a != 0 for a, b in zip(copy.revision(), store.revision()))
        # The copy keeps working: versions carry on, new ids follow the copied ones.
        api.edit(copy, "c1", note="edited again", if_version=2, author="dora")
        api.add(copy, [Term("en", "new")], concept_id="new", author="dora")
        assert copy.run_write(lambda s: repo.add_units(s, [TMUnit("en", "New.", "es", "Nueva.")], "dora")) == (1, 0)
    finally:
        copy.dispose()


def test_copy_into_the_backend_under_test(store, tmp_path):
    source = open_store(f"sqlite:///{tmp_path / 'desk.db'}")
    try:
        fill(source)
        api.copy(source, store.url)
        assert contents(store) == contents(source)
        # Sequences (PostgreSQL) were moved past the copied ids.
        api.edit(store, "c2", add_terms=[Term("es", "otra")], author="dora")
        assert store.run_write(lambda s: repo.add_units(s, [TMUnit("en", "New.", "es", "Nueva.")], "dora")) == (1, 0)
        assert [h["action"] for h in api.show(store, "c1", with_history=True)["history"]] == ["add", "edit"]
    finally:
        source.dispose()


def run(*args):
    return CliRunner().invoke(app, [str(a) for a in args], catch_exceptions=False)


def test_cli_copy_refuses_a_target_with_data(db_url, tmp_path):
    assert run("--db", db_url, "init", "--empty").exit_code == 0
    assert run("--db", db_url, "add", "--en", "tank", "--es", "tanque").exit_code == 0
    target = f"sqlite:///{tmp_path / 'copy.db'}"
    result = run("--db", db_url, "copy", "--to", target, "--json")
    assert result.exit_code == 0, result.stderr
    assert json.loads(result.stdout)["concepts"] == 1
    again = run("--db", db_url, "copy", "--to", target)
    assert again.exit_code == 2 and "already holds data" in again.stderr
    assert json.loads(run("--db", target, "stats", "--json").stdout)["concepts"] == 1


def test_cli_copy_to_an_unreachable_server_hides_the_password(tmp_path):
    src = f"sqlite:///{tmp_path / 'src.db'}"
    assert run("--db", src, "init", "--empty").exit_code == 0
    result = run("--db", src, "copy", "--to", "postgresql+psycopg://ana:s3cr3t@127.0.0.1:1/team")
    assert result.exit_code == 4
    assert "s3cr3t" not in result.stdout + result.stderr and len(result.stderr.strip().splitlines()) == 1


def test_copy_onto_itself_is_refused(store):
    result = run("--db", store.url, "copy", "--to", store.url)
    assert result.exit_code == 2 and "same database" in result.stderr
