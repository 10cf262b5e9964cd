"""Building or loading large acyclic structures without the cyclic garbage collector in the way.

A 100k-concept termbase becomes millions of small objects (tuples, strings, terms) that
live until the command ends and hold no reference cycles. While they are made, every
collection would walk all of them again for nothing; once made, the first collections
would still walk them on their way to the oldest generation (0.1 to 0.2 s each at
100k concepts, issue 8).
"""

from __future__ import annotations

import gc
import pickle
import weakref
from collections.abc import Iterator
from contextlib import contextmanager

__all__ = ["Blob", "bulk", "map_buffer", "release"]


@contextmanager
def bulk() -> Iterator[None]:
    """Pause the collector for the block; then move what it made to the oldest generation.

    Freezing then unfreezing puts every tracked object straight into the oldest
    generation, which full collections still visit (so nothing is leaked); the collector
    is enabled again only if it was enabled before.

    >>> with bulk():
    ...     rows = [(i, str(i)) for i in range(1000)]
    >>> len(rows), gc.isenabled()
    (1000, True)
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        gc.freeze()
        gc.unfreeze()
        if was_enabled:
            gc.enable()


class Blob:
    """A byte string to pickle out of band (protocol 5, see :func:`termbank.cache.cached`).

    Unpickled with the buffers of a memory-mapped cache file it comes back as a
    read-only ``memoryview`` of the file, neither copied nor read from disk until used;
    pickled any other way it comes back as ``bytes``. Either works with
    ``pickle.loads``, slicing and ``bytes()``.

    >>> pickle.loads(pickle.dumps(Blob(b"abc"), protocol=5)), pickle.loads(pickle.dumps(Blob(b"abc"), protocol=4))
    (b'abc', b'abc')
    >>> buffers = []
    >>> data = pickle.dumps(Blob(b"abc"), protocol=5, buffer_callback=buffers.append)
    >>> view = pickle.loads(data, buffers=[memoryview(b"abc")])
    >>> type(view).__name__, bytes(view)
    ('memoryview', b'abc')
    """

    __slots__ = ("data",)

    def __init__(self, data: bytes | memoryview):
        self.data = data

    @staticmethod
    def unwrap(obj):
        """Return the bytes of a Blob (one not pickled yet), or ``obj`` as it is (bytes or a view)."""
        return obj.data if isinstance(obj, Blob) else obj

    def __reduce_ex__(self, protocol):
        if protocol >= 5:
            return _as_given, (pickle.PickleBuffer(self.data),)
        return bytes, (bytes(self.data),)


def _as_given(buffer):
    return buffer


# Views handed out of memory-mapped files: id(view) -> (weak reference to the mapping,
# offset, size). Weak, so that a mapping (and its file descriptor) goes once the views
# of it are gone; the size guards against a new view that reuses an old one's id.
_MAPPED: dict[int, tuple] = {}


def map_buffer(mapping, offset: int, size: int) -> memoryview:
    """Return a read-only view of ``size`` bytes of ``mapping`` (an ``mmap``) at ``offset``, releasable."""
    view = memoryview(mapping)[offset:offset + size]
    _MAPPED[id(view)] = (weakref.ref(mapping), offset, size)
    return view


def release(views) -> None:
    """Tell the system the pages under these mapped views are not needed by this process any more.

    For a blob that was copied out of the mapping (the automaton's nodes): its pages
    would otherwise stay counted in this process's resident memory beside the copy.
    Views that are not of a mapping are ignored.
    """
    import mmap

    if not hasattr(mmap, "MADV_DONTNEED"):
        return
    for view in views:
        found = _MAPPED.pop(id(view), None)
        mapping = found[0]() if found is not None else None
        if mapping is None or found[2] != view.nbytes or view.obj is not mapping:
            continue
        offset = found[1]
        page = mmap.PAGESIZE
        start = -(-offset // page) * page
        end = (offset + view.nbytes) // page * page
        if end > start:
            try:
                mapping.madvise(mmap.MADV_DONTNEED, start, end - start)
            except (OSError, ValueError):
                pass
