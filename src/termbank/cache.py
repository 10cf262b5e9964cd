"""On-disk cache of compiled indexes, keyed to the store revision.

Building the term index for a large termbase takes seconds; a repeat CLI run on an
unchanged database loads the pickled index instead (issue 3, "Speed"). The key holds
the database URL (hashed, so no password reaches the file system), the store revision
and the termbank version, so any edit or import invalidates it.
"""

from __future__ import annotations

import hashlib
import mmap
import os
import pickle
import struct
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

from . import __version__
from .heap import bulk, map_buffer

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


# File layout: MAGIC, the digest (32 ASCII bytes), then little-endian u64 lengths of the
# pickle and of each out-of-band buffer (count first), then the pickle and the buffers,
# each starting at a multiple of 8. Bump MAGIC when the layout changes.
MAGIC = b"termbank-cache-2\n"
_ALIGN = 8


def cached(kind: str, url: str, revision: object, build: Callable[[], T], *, layout: object = "") -> T:
    """Return the object cached for (kind, url, revision), building and saving it if absent.

    ``layout`` names the version of the cached object's pickled form (its class may
    bump it): a file written for another layout is rebuilt. Byte strings the object
    pickles as :class:`termbank.heap.Blob` are stored out of band and read back as views
    of the memory-mapped file: neither copied nor even read from disk until used
    (issue 8, start-up). A cache that cannot be read or written is ignored:
    the cache only saves time.
    """
    if os.environ.get("TERMBANK_NO_CACHE"):
        return build()
    digest = hashlib.sha256(f"{kind}|{url}|{revision}|{__version__}|{layout}".encode()).hexdigest()[:32].encode()
    folder = cache_dir()
    path = folder / f"{kind}-{hashlib.sha256(url.encode()).hexdigest()[:16]}.pickle"
    try:
        found = _load(path, digest)
    except (OSError, EOFError, pickle.UnpicklingError, ValueError, TypeError, AttributeError, ImportError,
            IndexError, struct.error):
        found = None
    if found is not None:
        return found[0]
    obj = build()
    try:
        _save(path, digest, obj)
    except OSError:
        pass
    return obj


def _load(path: Path, digest: bytes) -> tuple | None:
    """Return ``(object,)`` from the cache file, or None when it holds another digest."""
    with open(path, "rb") as fh:
        head = fh.read(len(MAGIC) + 32)
        if head != MAGIC + digest:
            return None
        # The mapping outlives the file object: the buffers handed to pickle are views of it.
        mm = mmap.mmap(fh.fileno(), 0, access=mmap.ACCESS_READ)
    pos = len(head)
    count = struct.unpack_from("<Q", mm, pos)[0]
    sizes = struct.unpack_from(f"<{count + 1}Q", mm, pos + 8)
    pos += 8 * (count + 2)
    parts = []
    for size in sizes:
        pos += -pos % _ALIGN
        if pos + size > len(mm):
            raise EOFError("cache file cut short")
        parts.append(map_buffer(mm, pos, size))
        pos += size
    # Unpickling a large index allocates millions of small objects; the cyclic garbage
    # collector would walk them all several times for nothing (see heap.bulk).
    with bulk():
        return (pickle.loads(parts[0], buffers=parts[1:]),)


def _save(path: Path, digest: bytes, obj: object) -> None:
    import tempfile  # only to save: a cache hit does without it

    buffers: list[pickle.PickleBuffer] = []
    data = pickle.dumps(obj, protocol=5, buffer_callback=buffers.append)
    raws = [b.raw() for b in buffers]
    sizes = [len(data), *(r.nbytes for r in raws)]
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=path.name, suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(MAGIC + digest)
            fh.write(struct.pack(f"<{len(sizes) + 1}Q", len(raws), *sizes))
            for part in (data, *raws):
                fh.write(b"\0" * (-fh.tell() % _ALIGN))
                fh.write(part)
        os.replace(tmp, path)  # atomic: a concurrent reader sees the old or the new file
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise
