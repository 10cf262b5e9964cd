"""Shared fixtures: every test runs against a throw-away database.

The database under test is SQLite by default. Setting ``TERMBANK_TEST_DATABASE_URL`` to a
PostgreSQL server URL (``postgresql+psycopg://user@127.0.0.1:5432/postgres``) runs the
same tests against PostgreSQL: each test gets a fresh database created on that server
and dropped afterwards. Tests that use a database are marked ``db`` automatically, so
``pytest -m db`` runs just those (``.ci/run`` does, against a real server).
"""

from __future__ import annotations

import os
import uuid
from pathlib import Path

import pytest
from typer.testing import CliRunner

ROOT = Path(__file__).resolve().parents[1]
INTEROP = ROOT.parent / "shared" / "interop"
DATA = Path(__file__).resolve().parent / "data"

DB_FIXTURES = {"db_url", "filled_url", "store", "filled_store", "cli", "filled_cli"}


def pytest_collection_modifyitems(config, items):
    for item in items:
        if DB_FIXTURES & set(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.db)


def pytest_configure(config):
    config.addinivalue_line("markers", "db: uses the database under test (SQLite or PostgreSQL)")


@pytest.fixture(autouse=True)
def _isolated_home(tmp_path_factory, monkeypatch):
    """Point the default database, data and cache folders at a temporary place."""
    home = tmp_path_factory.mktemp("home")
    monkeypatch.setenv("TERMBANK_DATA_DIR", str(home / "data"))
    monkeypatch.setenv("TERMBANK_CACHE_DIR", str(home / "cache"))
    monkeypatch.setenv("TERMBANK_AUTHOR", "tester")
    monkeypatch.delenv("TERMBANK_DATABASE_URL", raising=False)
    yield home


def _postgres_server() -> str | None:
    url = os.environ.get("TERMBANK_TEST_DATABASE_URL", "")
    return url if url.startswith("postgresql") else None


def _create_pg_database(server: str, template: str | None = None) -> str:
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    name = f"tb_{uuid.uuid4().hex[:12]}"
    admin = create_engine(server, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"' + (f' TEMPLATE "{template}"' if template else "")))
    admin.dispose()
    return make_url(server).set(database=name).render_as_string(hide_password=False)


def _drop_pg_database(server: str, url: str) -> None:
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    admin = create_engine(server, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{make_url(url).database}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture
def db_url(tmp_path):
    """Yield the URL of an empty database (no schema yet) on the backend under test."""
    server = _postgres_server()
    if server is None:
        yield f"sqlite:///{tmp_path / 'test.db'}"
        return
    url = _create_pg_database(server)
    try:
        yield url
    finally:
        _drop_pg_database(server, url)


@pytest.fixture(scope="session")
def _filled_template(tmp_path_factory):
    """Build once per session a database holding the shipped glossaries, to copy from."""
    from termbank import api
    from termbank.store.db import open_store

    server = _postgres_server()
    if server is None:
        url = f"sqlite:///{tmp_path_factory.mktemp('template') / 'filled.db'}"
    else:
        url = _create_pg_database(server)
    store = open_store(url)
    api.load_shipped(store, author="tester")
    store.dispose()
    yield url
    if server is not None:
        _drop_pg_database(server, url)


@pytest.fixture
def filled_url(tmp_path, _filled_template):
    """Yield the URL of a fresh copy of a database initialized with the shipped glossaries."""
    import shutil

    from sqlalchemy.engine import make_url

    server = _postgres_server()
    if server is None:
        path = tmp_path / "test.db"
        shutil.copyfile(_filled_template.removeprefix("sqlite:///"), path)
        yield f"sqlite:///{path}"
        return
    url = _create_pg_database(server, template=make_url(_filled_template).database)
    try:
        yield url
    finally:
        _drop_pg_database(server, url)


@pytest.fixture
def store(db_url):
    """Yield an opened store with the current schema and no data."""
    from termbank.store.db import open_store

    s = open_store(db_url)
    yield s
    s.dispose()


@pytest.fixture(scope="session")
def shipped_concepts():
    from termbank.glossary import load_shipped

    return load_shipped()


@pytest.fixture
def filled_store(filled_url):
    """Yield a store holding the shipped glossaries."""
    from termbank.store.db import open_store

    s = open_store(filled_url)
    yield s
    s.dispose()


class Cli:
    """Run ``termbank --db URL ...`` in-process and keep stdout and stderr apart."""

    def __init__(self, url: str):
        from termbank.cli import app

        self.app = app
        self.url = url
        self.runner = CliRunner()

    def __call__(self, *args: str, input: str | None = None, db: bool = True):
        argv = (["--db", self.url] if db else []) + [str(a) for a in args]
        return self.runner.invoke(self.app, argv, input=input, catch_exceptions=False)

    def ok(self, *args: str) -> str:
        """Run a command that must succeed and return its standard output."""
        result = self(*args)
        assert result.exit_code == 0, result.stderr
        return result.stdout


@pytest.fixture
def cli(db_url):
    """A CLI runner bound to an empty database URL (run ``init`` yourself)."""
    return Cli(db_url)


@pytest.fixture
def cli_at():
    """Return ``Cli`` itself: a runner for any URL, for tests that delete or damage the database file."""
    return Cli


@pytest.fixture
def filled_cli(filled_url):
    """A CLI runner bound to a database initialized with the shipped glossaries."""
    return Cli(filled_url)
