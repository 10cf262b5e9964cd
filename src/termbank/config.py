"""Where the database is: ``--db``, else ``TERMBANK_DATABASE_URL``, else the user data dir."""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path

from .errors import ConfigError

__all__ = ["DatabaseChoice", "choose_database", "default_database_path", "redact_url", "current_author"]

ENV_URL = "TERMBANK_DATABASE_URL"
ENV_DATA_DIR = "TERMBANK_DATA_DIR"


@dataclass(frozen=True)
class DatabaseChoice:
    """The database to use and whether it is the built-in default (which fills itself)."""

    url: str
    is_default: bool


def default_database_path() -> Path:
    """Return the path of the default SQLite file (``TERMBANK_DATA_DIR`` overrides the folder)."""
    folder = os.environ.get(ENV_DATA_DIR)
    if not folder:
        # Imported only when needed (issue 8: start-up time).
        from platformdirs import user_data_dir

        folder = user_data_dir("termbank", appauthor=False)
    return Path(folder) / "termbank.db"


def choose_database(option: str | None = None) -> DatabaseChoice:
    """Return the database named by the option, the environment, or the default file.

    An empty ``--db`` is an error, not the default database: a script passing an unset
    variable must not read or write the user's own termbase. (An empty environment
    variable counts as unset, as usual.)
    """
    if option is not None and not option.strip():
        raise ConfigError("--db is empty (expected e.g. sqlite:///path/file.db or postgresql+psycopg://user@host/db)")
    url = option or os.environ.get(ENV_URL)
    if url:
        url = url.strip()
        if "://" not in url:
            raise ConfigError(
                f"database URL {redact_url(url)!r} is not a URL "
                "(expected e.g. sqlite:///path/file.db or postgresql+psycopg://user@host/db)"
            )
        return DatabaseChoice(url, is_default=False)
    return DatabaseChoice(f"sqlite:///{default_database_path()}", is_default=True)


_PASSWORD = re.compile(r"(?P<head>://[^:/@]*:)(?P<pw>[^@]*)(?P<at>@)")


def redact_url(url: str) -> str:
    """Return the URL with any password replaced by ``***``.

    >>> redact_url("postgresql+psycopg://ana:s3cret@db.example/termbank")
    'postgresql+psycopg://ana:***@db.example/termbank'
    >>> redact_url("sqlite:///x.db")
    'sqlite:///x.db'
    >>> redact_url("ana:s3cret@db.example")  # not a URL: anything after a colon may be secret
    'ana:***'
    """
    if "://" not in url:
        head, colon, _ = url.partition(":")
        return f"{head}:***" if colon else url
    return _PASSWORD.sub(lambda m: f"{m['head']}***{m['at']}", url)


#: Longest author name every database holds (see store.models).
AUTHOR_MAX = 200


def current_author(explicit: str | None = None) -> str:
    """Return who is making a change: ``--author``, ``TERMBANK_AUTHOR``, else the login name."""
    for name, value in (("--author", explicit), ("TERMBANK_AUTHOR", os.environ.get("TERMBANK_AUTHOR"))):
        if value:
            if len(value) > AUTHOR_MAX:
                raise ConfigError(f"{name} is {len(value)} characters long; at most {AUTHOR_MAX}")
            return value
    import getpass

    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "unknown"
