"""On-disk cache of compiled indexes, keyed to the store revision.

Building the term index for a large termbase takes seconds; a repeat CLI run on an
unchanged database loads the pickled index instead (issue 3, "Speed"). The key holds
the database URL (hashed, so no password reaches the file system), the store revision
and the termbank version, so any edit or import invalidates it.
"""

from __future__ import annotations

import gc
import hashlib
import mmap
import os
import pickle
import struct
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TypeVar

from . import __version__
from .heap import bulk, map_buffer

__all__ = ["cache_dir", "cached", "deferred_saves", "save_in_background"]

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
    if _queue is not None:
        _queue.append((path, digest, obj))  # see deferred_saves
    else:
        _try_save(path, digest, obj)
    return obj


# What cached() built inside deferred_saves(), to be written by save_in_background().
_queue: list[tuple[Path, bytes, object]] | None = None


@contextmanager
def deferred_saves() -> Iterator[list[tuple[Path, bytes, object]]]:
    """Queue what :func:`cached` builds in the block instead of writing it; yield the queue.

    For a command that can write its caches while it works: it hands the queue to
    :func:`save_in_background` after the block. In a block already inside another, the
    outer one's queue is used.
    """
    global _queue
    if _queue is not None:
        yield _queue
        return
    _queue = []
    try:
        yield _queue
    finally:
        _queue = None


def save_in_background(queued: list[tuple[Path, bytes, object]]) -> Callable[[], None]:
    """Write the queued cache files from a forked process while this one goes on; return a function that waits for it.

    Pickling and writing the caches of a 100k-concept termbase takes about 9 s, more
    than building them: the first run after a change then annotates on the other CPU
    meanwhile (issue 8). The child shares this process's memory (copy on write) and
    writes each file as :func:`cached` does (a temporary file, then an atomic rename),
    so a concurrent reader sees the old file or the new one. Where ``fork`` is not
    available, or other threads run in this process (the child of a threaded process may
    deadlock on a lock one of them held), the files are written here, now.
    """
    if not queued:
        return _nothing
    pid = _fork()
    if pid is None:
        for item in queued:
            _try_save(*item)
        return _nothing
    if pid == 0:  # the child: write, then out without running this process's clean-up
        try:
            gc.disable()  # pickling touches every object; nothing here needs collecting
            for item in queued:
                _try_save(*item)
        finally:
            os._exit(0)

    def wait() -> None:
        try:
            os.waitpid(pid, 0)
        except ChildProcessError:  # already reaped
            pass

    return wait


def _nothing() -> None:
    pass


def _fork() -> int | None:
    """Return ``os.fork()``, or None where forking is not safe or possible here."""
    from .batch import can_fork  # only when there is something to write

    if not can_fork():
        return None
    try:
        return os.fork()
    except OSError:
        return None


def _try_save(path: Path, digest: bytes, obj: object) -> None:
    try:
        _save(path, digest, obj)
    except OSError:
        pass  # the cache only saves time


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
