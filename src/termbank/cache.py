"""On-disk cache of compiled indexes, keyed to the store revision.

Building the term index for a large termbase takes seconds; a repeat CLI run on an
unchanged database loads the pickled index instead (issue 3, "Speed"). The key holds
the database URL (hashed, so no password reaches the file system), the store revision
and the termbank version, so any edit or import invalidates it.
"""

from __future__ import annotations

import hashlib
import os
import pickle
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

from . import __version__
from .heap import bulk

__all__ = ["cache_dir", "cached"]

T = TypeVar("T")


def cache_dir() -> Path:
    """Return the cache folder (``TERMBANK_CACHE_DIR`` overrides it)."""
    folder = os.environ.get("TERMBANK_CACHE_DIR")
    if not folder:
        # Imported only when needed (issue 8: start-up time).
        from platformdirs import user_cache_dir

        folder = user_cache_dir("termbank", appauthor=False)
    return Path(folder)


def cached(kind: str, url: str, revision: object, build: Callable[[], T]) -> T:
    """Return the object cached for (kind, url, revision), building and saving it if absent.

    A cache that cannot be read or written is ignored: the cache only saves time.
    """
    if os.environ.get("TERMBANK_NO_CACHE"):
        return build()
    digest = hashlib.sha256(f"{kind}|{url}|{revision}|{__version__}".encode()).hexdigest()[:32]
    folder = cache_dir()
    path = folder / f"{kind}-{hashlib.sha256(url.encode()).hexdigest()[:16]}.pickle"
    try:
        with open(path, "rb") as fh:
            # Unpickling a large index allocates millions of small objects; the cyclic
            # garbage collector would walk them all several times for nothing.
            # (see heap.bulk: 0.06 s for a 100k-concept index, issue 8).
            with bulk():
                stored_digest, obj = pickle.load(fh)
        if stored_digest == digest:
            return obj
    except (OSError, EOFError, pickle.UnpicklingError, ValueError, TypeError, AttributeError, ImportError):
        pass
    obj = build()
    import tempfile  # only to save: a cache hit does without it

    try:
        folder.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=folder, prefix=path.name, suffix=".tmp")
        with os.fdopen(fd, "wb") as fh:
            pickle.dump((digest, obj), fh, protocol=pickle.HIGHEST_PROTOCOL)
        os.replace(tmp, path)  # atomic: a concurrent reader sees the old or the new file
    except OSError:
        pass
    return obj
