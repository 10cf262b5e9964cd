"""Engine, sessions and schema upgrades for SQLite and PostgreSQL.

The caller opens a transaction with ``with store.write() as session:`` (or ``read()``);
repository functions in :mod:`termbank.store.repo` take that session and never commit.
SQLite gets foreign keys, WAL and a busy timeout, and write transactions start with
``BEGIN IMMEDIATE`` so two writers queue instead of failing with "database is locked"
when a reader upgrades to a writer. Short write transactions are retried on lock and
serialization errors (issue 7).

Importing SQLAlchemy takes 0.2 s, half of a warm ``lookup`` (issue 8), so this module
imports it only where it is used. A SQLite store makes its engines on the first session;
until then :func:`open_store` and :meth:`Store.revision` read a file whose schema is
current with the standard library's ``sqlite3``, and a command whose compiled index is
cached never needs SQLAlchemy at all.
"""

from __future__ import annotations

import os
import re
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, NamedTuple, TypeVar

from ..config import redact_url
from ..errors import StoreError

if TYPE_CHECKING:
    from sqlalchemy.engine import Engine
    from sqlalchemy.orm import Session, sessionmaker

__all__ = ["Store", "open_store", "head_revision", "plain_sqlite_path", "MIGRATIONS_DIR", "HEAD_REVISION"]  # noqa: F822 (module __getattr__)

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"
BUSY_TIMEOUT_MS = 30_000
# SQLite's own wait (the busy timeout) is over when "database is locked" comes out: a
# writer has held the file that long. Waiting once more is worth it, not a dozen times
# (six silent minutes); Store.on_lock_wait tells the user in between.
SQLITE_LOCKED_ATTEMPTS = 2
T = TypeVar("T")


# PostgreSQL SQLSTATEs a retry cures: serialization_failure, deadlock_detected,
# lock_not_available. unique_violation is the race of two writers inserting the same new
# concept id or TM unit: the retry sees the other's row and merges instead.
_RETRY_SQLSTATES = ("40001", "40P01", "55P03")
_UNIQUE_VIOLATION = "23505"
UNIQUE_RACE_ATTEMPTS = 3


def _sqlstate(exc: BaseException) -> str | None:
    orig = getattr(exc, "orig", exc)
    return getattr(orig, "sqlstate", None) or getattr(orig, "pgcode", None)


def _is_retryable(exc: BaseException) -> bool:
    """Return True for lock, serialization and lost-race failures that a retry can cure.

    A :class:`StaleDataError` here comes from an unversioned write (an import's upsert, an
    edit without ``--if-version``) whose row another writer changed first: run again, it
    starts from the new version. Versioned edits turn it into ConflictError instead.
    """
    from sqlalchemy.orm.exc import StaleDataError

    if isinstance(exc, StaleDataError):
        return True
    orig = getattr(exc, "orig", exc)
    text = str(orig).lower()
    if "database is locked" in text or "database is busy" in text:
        return True
    return _sqlstate(exc) in _RETRY_SQLSTATES + (_UNIQUE_VIOLATION,)


def _is_bug(exc: BaseException) -> bool:
    """Return True for errors in termbank's own SQL or data: they keep their traceback."""
    from sqlalchemy.exc import IntegrityError, ProgrammingError

    return isinstance(exc, (IntegrityError, ProgrammingError))


# A plain ``sqlite:///PATH`` URL, whose database SQLAlchemy's ``make_url`` reads as PATH
# itself. Anything else (a query string, %-escapes, ``:memory:``, a ``file:`` URI, other
# databases) is parsed by SQLAlchemy.
_PLAIN_SQLITE_URL = re.compile(r"sqlite(?:\+pysqlite)?:///(?P<path>[^?%\x00-\x1f]+)")


def plain_sqlite_path(url: str) -> Path | None:
    """Return the file of a plain ``sqlite:///PATH`` URL, or None for any other URL.

    >>> plain_sqlite_path("sqlite:///data/termbank.db").as_posix()
    'data/termbank.db'
    >>> plain_sqlite_path("sqlite:///x.db?mode=ro") is None, plain_sqlite_path("sqlite:///:memory:") is None
    (True, True)
    """
    m = _PLAIN_SQLITE_URL.fullmatch(url)
    if m is None or m["path"] == ":memory:" or m["path"].startswith("file:"):
        return None
    return Path(m["path"])


class _Engines(NamedTuple):
    engine: Engine
    write_engine: Engine
    read: sessionmaker
    write: sessionmaker


class Store:
    """An opened database: engines for reading and writing, and schema management.

    The engines of a SQLite store are made on first use (issue 8); a PostgreSQL store
    makes them at once, so a missing driver is reported when the store is opened.
    """

    def __init__(self, url: str, *, echo: bool = False):
        self.url = url
        self.safe_url = redact_url(url)
        self.echo = echo
        self.sqlite_path = plain_sqlite_path(url)
        self.dialect = "sqlite"
        if self.sqlite_path is None:
            self._parse_url()
        self._engines: _Engines | None = None
        self._engines_lock = threading.Lock()
        self.retries = 0  # write transactions run again by run_write (reported by tests)
        # Called before a write waits again for a SQLite file another program keeps locked.
        self.on_lock_wait: Callable[[], None] | None = None
        if self.dialect != "sqlite":
            self._connect()

    def _parse_url(self) -> None:
        from sqlalchemy.engine import make_url
        from sqlalchemy.exc import ArgumentError

        try:
            parsed = make_url(self.url)
        except ArgumentError:
            raise StoreError(f"{self.safe_url}: not a valid database URL") from None
        self.dialect = parsed.get_backend_name()
        if self.dialect == "sqlite":
            db = parsed.database
            self.sqlite_path = Path(db) if db and db != ":memory:" else None

    @property
    def engine(self) -> Engine:
        """The engine of read transactions (made on first use)."""
        return self._connect().engine

    @property
    def write_engine(self) -> Engine:
        """The engine of write transactions: on SQLite a second one, starting ``BEGIN IMMEDIATE``."""
        return self._connect().write_engine

    def _connect(self) -> _Engines:
        """Return the engines and session factories, making them the first time."""
        if self._engines is None:
            with self._engines_lock:  # two threads' first sessions must share one pool
                if self._engines is None:
                    self._engines = self._make_engines()
        return self._engines

    def _make_engines(self) -> _Engines:
        from sqlalchemy.exc import SQLAlchemyError
        from sqlalchemy.orm import sessionmaker

        try:
            engine = self._make_engine(self.url, immediate=False, echo=self.echo)
            write_engine = (
                self._make_engine(self.url, immediate=True, echo=self.echo) if self.dialect == "sqlite" else engine
            )
        except (ImportError, ModuleNotFoundError) as exc:
            hint = " (install the driver: pip install 'termbank[postgres]')" if "postgres" in self.dialect else ""
            raise StoreError(f"{self.safe_url}: database driver missing: {exc.name}{hint}") from None
        except SQLAlchemyError as exc:
            raise StoreError(f"{self.safe_url}: {_short(exc)}") from None
        return _Engines(engine, write_engine, sessionmaker(engine, expire_on_commit=False),
                        sessionmaker(write_engine, expire_on_commit=False))

    def _make_engine(self, url: str, *, immediate: bool, echo: bool) -> Engine:
        from sqlalchemy import create_engine, event

        if self.dialect != "sqlite":
            return create_engine(url, echo=echo, pool_pre_ping=True, hide_parameters=True)
        snapshot = None if immediate else self.read_only_snapshot()
        if snapshot is not None:
            import sqlite3

            from sqlalchemy.pool import QueuePool

            # The URI goes to sqlite3 as it is: inside a SQLAlchemy URL its %-escapes would
            # be decoded once more ("#" in a folder name would end the path). QueuePool and
            # check_same_thread as SQLAlchemy chooses for a file ("sqlite://" alone is memory).
            engine = create_engine("sqlite://", echo=echo, hide_parameters=True, poolclass=QueuePool,
                                   creator=lambda: sqlite3.connect(snapshot, uri=True, check_same_thread=False,
                                                                   timeout=BUSY_TIMEOUT_MS / 1000))
        else:
            engine = create_engine(
                url, echo=echo, hide_parameters=True, connect_args={"timeout": BUSY_TIMEOUT_MS / 1000}
            )

        @event.listens_for(engine, "connect")
        def _on_connect(dbapi_conn, _record):  # pragma: no cover - exercised by every test
            # Take over transaction control from pysqlite (SQLAlchemy docs, "Serializable
            # isolation / Savepoints / Transactional DDL") so BEGIN IMMEDIATE is possible.
            dbapi_conn.isolation_level = None
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA foreign_keys=ON")
            cur.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
            mode = cur.execute("PRAGMA journal_mode=WAL").fetchone()
            cur.execute("PRAGMA synchronous=NORMAL" if mode and mode[0] == "wal" else "PRAGMA synchronous=FULL")
            cur.close()

        @event.listens_for(engine, "begin")
        def _on_begin(conn):
            conn.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")

        return engine

    def read_only_snapshot(self) -> str | None:
        """Return the ``file:`` URI that reads a SQLite file in a read-only folder, or None.

        A database in WAL mode is read through a ``-shm`` file beside it, which SQLite
        must create in the folder: in a folder this user may not write (a termbase
        published on a read-only share), reading fails with "attempt to write a readonly
        database". When no ``-wal``, ``-shm`` or ``-journal`` file is there, every commit
        is in the database file itself, and it is read as it is (``immutable``). Anyone
        writing to it needs the folder, and a ``-wal`` file then appears: the plain
        connection is used again, which reads through the writer's files.
        """
        path = self.sqlite_path
        if path is None or not path.is_file():
            return None
        path = path.absolute()
        if os.access(path.parent, os.W_OK | os.X_OK):
            return None
        if any(Path(f"{path}{end}").exists() for end in ("-wal", "-shm", "-journal")):
            return None
        return f"{path.as_uri()}?mode=ro&immutable=1"

    # -- transactions -------------------------------------------------------------
    @contextmanager
    def read(self) -> Iterator[Session]:
        """Yield a session in a read transaction (rolled back at the end)."""
        from sqlalchemy.exc import DBAPIError

        factory = self._connect().read
        try:
            with factory() as session, session.begin():
                yield session
        except DBAPIError as exc:
            if _is_bug(exc):
                raise
            raise StoreError(f"{self.safe_url}: {_short(exc)}") from None

    @contextmanager
    def write(self) -> Iterator[Session]:
        """Yield a session in a write transaction, committed when the block ends without error."""
        from sqlalchemy.exc import DBAPIError

        factory = self._connect().write
        try:
            with factory() as session, session.begin():
                yield session
        except DBAPIError as exc:
            if _is_retryable(exc) or _is_bug(exc):
                raise
            raise StoreError(f"{self.safe_url}: {_short(exc)}") from None

    def run_write(self, fn: Callable[[Session], T], *, attempts: int = 12) -> T:
        """Return ``fn(session)`` run in a write transaction, retried on lock/serialization errors.

        ``fn`` must be safe to run again from the start: it reads what it needs inside the
        transaction. Lock waits happen first inside the database (SQLite busy timeout,
        PostgreSQL row locks); only what escapes those is retried here, with backoff.
        """
        import random

        from sqlalchemy.exc import DBAPIError
        from sqlalchemy.orm.exc import StaleDataError

        delay = 0.05
        locked = 0
        for attempt in range(attempts):
            try:
                with self.write() as session:
                    return fn(session)
            except (DBAPIError, StaleDataError) as exc:
                last = attempt == attempts - 1
                if _sqlstate(exc) == _UNIQUE_VIOLATION:
                    last = attempt >= UNIQUE_RACE_ATTEMPTS - 1  # a real duplicate fails fast
                if self.dialect == "sqlite" and "database is locked" in str(getattr(exc, "orig", exc)).lower():
                    locked += 1
                    if locked >= SQLITE_LOCKED_ATTEMPTS:
                        raise StoreError(f"{self.safe_url}: database is locked (another program has been writing "
                                         f"to it for {locked * BUSY_TIMEOUT_MS // 1000} s); try again once it "
                                         "has finished") from None
                    if self.on_lock_wait is not None:
                        self.on_lock_wait()
                if not _is_retryable(exc) or last:
                    if _is_bug(exc):
                        raise
                    raise StoreError(f"{self.safe_url}: {_short(exc)}") from None
                self.retries += 1
                time.sleep(delay * (1 + random.random()))
                delay = min(delay * 2, 2.0)
        raise AssertionError("unreachable")

    # -- schema -------------------------------------------------------------------
    def schema_revision(self) -> str | None:
        """Return the Alembic revision of the database, or None when it has no schema."""
        from sqlalchemy import inspect
        from sqlalchemy.exc import DBAPIError

        try:
            with self.engine.connect() as conn:
                if not inspect(conn).has_table("alembic_version"):
                    return None
                return conn.exec_driver_sql("SELECT version_num FROM alembic_version").scalar()
        except DBAPIError as exc:
            raise StoreError(f"{self.safe_url}: {_short(exc)}") from None

    def exists(self) -> bool:
        """Return True when the database exists and has a termbank schema."""
        if self.sqlite_path is not None and not self.sqlite_path.exists():
            return False
        return self.schema_revision() is not None

    def upgrade(self, revision: str = "head") -> None:
        """Create or upgrade the schema to the newest migration (or to ``revision``)."""
        on_disk = self.sqlite_path is None or self.sqlite_path.exists()
        if revision == "head" and on_disk and self.schema_revision() == head_revision():
            return  # the common case: no write transaction at every start
        from sqlalchemy.exc import DBAPIError

        if self.sqlite_path is not None:
            try:
                self.sqlite_path.parent.mkdir(parents=True, exist_ok=True)
            except OSError as exc:
                raise StoreError(f"{self.safe_url}: cannot create the database folder: {exc.strerror}") from None
        from alembic.util import CommandError

        try:
            self._migrate("upgrade", revision)
        except DBAPIError as exc:
            raise StoreError(f"{self.safe_url}: cannot create or upgrade schema: {_short(exc)}") from None
        except CommandError:
            # The schema's revision is none of the shipped migrations: a newer termbank's.
            raise StoreError(f"{self.safe_url}: schema {self.schema_revision()!r} is not one this termbank "
                             f"knows (newest: {head_revision()!r}); it was made by a newer termbank") from None

    def downgrade(self, revision: str) -> None:
        """Take the schema back to an earlier migration (for developers and tests)."""
        self._migrate("downgrade", revision)

    def _migrate(self, direction: str, revision: str) -> None:
        from alembic import command

        cfg = _alembic_config()
        with self.write_engine.connect() as conn:
            sqlite = self.dialect == "sqlite"
            if sqlite:
                # Batch migrations recreate a table (copy, drop, rename); with foreign keys
                # on, dropping ``concept`` would cascade and delete every term. The pragma
                # only works outside a transaction (alembic docs: batch.rst), so it is set
                # on the driver connection before SQLAlchemy begins one.
                conn.connection.driver_connection.execute("PRAGMA foreign_keys=OFF")
            try:
                with conn.begin():
                    cfg.attributes["connection"] = conn
                    getattr(command, direction)(cfg, revision)
                    if sqlite:
                        broken = conn.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
                        if broken:
                            raise StoreError(f"{self.safe_url}: migration to {revision} broke "
                                             f"{len(broken)} foreign keys; nothing was changed")
            finally:
                if sqlite:
                    conn.connection.driver_connection.execute("PRAGMA foreign_keys=ON")

    def revision(self) -> tuple[int, int]:
        """Return the (terms, tm) revision marks used to key caches (see repo.bump_revision)."""
        peeked = self._peek()
        if peeked is not None and peeked[0] == head_revision():
            return peeked[1]
        from sqlalchemy import select

        from .models import RevisionRow

        with self.read() as session:
            row = session.scalars(select(RevisionRow)).first()
            return (row.terms, row.tm) if row else (0, 0)

    def _peek(self) -> tuple[str | None, tuple[int, int]] | None:
        """Return (schema revision, revision marks) of a SQLite file read with ``sqlite3``, or None.

        None means "ask SQLAlchemy": not a SQLite file, no such file, no termbank tables,
        locked, damaged. Only SELECTs run. ``mode=rw`` never creates the file (a missing
        one is an error here) and, unlike ``mode=ro``, lets the last connection to close
        remove the ``-wal`` and ``-shm`` files as SQLAlchemy's connections do; a
        write-protected file is still opened, read-only, and one in a read-only folder
        as :meth:`read_only_snapshot` says.
        """
        if self.sqlite_path is None:
            return None
        import sqlite3

        try:
            uri = self.read_only_snapshot() or self.sqlite_path.absolute().as_uri() + "?mode=rw"
            conn = sqlite3.connect(uri, uri=True, timeout=BUSY_TIMEOUT_MS / 1000)
        except (sqlite3.Error, ValueError, OSError):
            return None
        try:
            schema = conn.execute("SELECT version_num FROM alembic_version").fetchone()
            row = conn.execute("SELECT terms, tm FROM store_revision LIMIT 1").fetchone()
        except (sqlite3.Error, ValueError, OSError):
            return None
        finally:
            conn.close()
        return (schema[0] if schema else None), ((int(row[0]), int(row[1])) if row else (0, 0))

    def is_current(self) -> bool:
        """Return True when a SQLite file has the newest schema, checked without SQLAlchemy.

        False when it cannot tell (other databases, a missing or odd file): the caller
        then takes the full path (:meth:`exists`, :meth:`upgrade`).
        """
        peeked = self._peek()
        return peeked is not None and peeked[0] == head_revision()

    def dispose(self) -> None:
        """Close every pooled connection."""
        if self._engines is None:
            return
        self._engines.engine.dispose()
        if self._engines.write_engine is not self._engines.engine:
            self._engines.write_engine.dispose()


def _alembic_config():
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    return cfg


_HEAD: list[str] = []


_REVISION_LINE = re.compile(r"^(down_revision|revision)\s*(?::[^=]*)?=\s*(?:['\"]([^'\"]*)['\"]|None)", re.MULTILINE)


def _scan_head() -> str | None:
    """Return the head revision read from the ``revision = "..."`` lines of the migration files.

    Importing alembic costs half a second at every start (issue 8: ``lookup`` and
    ``annotate`` on a current schema should not pay it); None when the files do not
    show a single head plainly, and alembic decides.

    >>> from alembic.script import ScriptDirectory
    >>> _scan_head() == ScriptDirectory.from_config(_alembic_config()).get_current_head()
    True
    """
    revisions, parents = set(), set()
    for path in (MIGRATIONS_DIR / "versions").glob("*.py"):
        found = dict((m.group(1), m.group(2)) for m in _REVISION_LINE.finditer(path.read_text(encoding="utf-8")))
        if not found.get("revision"):
            return None
        revisions.add(found["revision"])
        if found.get("down_revision"):
            parents.add(found["down_revision"])
    heads = revisions - parents
    return heads.pop() if len(heads) == 1 else None


def head_revision() -> str:
    """Return the newest migration's revision id (read once from ``migrations/versions``)."""
    if not _HEAD:
        head = _scan_head()
        if head is None:
            from alembic.script import ScriptDirectory

            head = ScriptDirectory.from_config(_alembic_config()).get_current_head()
        _HEAD.append(head)
    return _HEAD[0]


def __getattr__(name: str):
    if name == "HEAD_REVISION":  # computed on first use: alembic is not imported at start
        return head_revision()
    raise AttributeError(name)


def _short(exc: BaseException) -> str:
    """Return the first line of a database error without SQL or parameters."""
    orig = getattr(exc, "orig", None) or exc
    return str(orig).strip().splitlines()[0] if str(orig).strip() else type(orig).__name__


def open_store(url: str, *, create: bool = True) -> Store:
    """Return a :class:`Store` for ``url`` with its schema upgraded to the newest version.

    With ``create=False`` a database without a termbank schema is an error instead of
    being created (SPEC: a named database is never filled without init, import or add).
    """
    store = Store(url)
    if store.is_current():
        return store  # the common case (issue 8): nothing to upgrade, SQLAlchemy not imported
    if not store.exists():
        if not create:
            store.dispose()
            raise StoreError(f"{store.safe_url}: no termbank database here (run `termbank init` first)")
    store.upgrade()
    return store
