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

DB_FIXTURES = {"db_url", "store", "filled_store", "cli", "filled_cli"}


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


@pytest.fixture
def db_url(tmp_path):
    """Yield the URL of an empty database (no schema yet) on the backend under test."""
    server = _postgres_server()
    if server is None:
        yield f"sqlite:///{tmp_path / 'test.db'}"
        return
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    name = f"tb_{uuid.uuid4().hex[:12]}"
    admin = create_engine(server, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    url = make_url(server).set(database=name).render_as_string(hide_password=False)
    try:
        yield url
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


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
def filled_store(store):
    """Yield a store holding the shipped glossaries."""
    from termbank import api

    api.load_shipped(store, author="tester")
    return store


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


@pytest.fixture
def cli(db_url):
    """A CLI runner bound to an empty database URL (run ``init`` yourself)."""
    return Cli(db_url)


@pytest.fixture
def filled_cli(db_url):
    """A CLI runner bound to a database initialized with the shipped glossaries."""
    c = Cli(db_url)
    result = c("init")
    assert result.exit_code == 0, result.stderr
    return c
