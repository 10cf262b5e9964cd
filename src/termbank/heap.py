"""Building or loading large acyclic structures without the cyclic garbage collector in the way.

A 100k-concept termbase becomes millions of small objects (tuples, strings, terms) that
live until the command ends and hold no reference cycles. While they are made, every
collection would walk all of them again for nothing; once made, the first collections
would still walk them on their way to the oldest generation (0.1 to 0.2 s each at
100k concepts, issue 8).
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager

__all__ = ["bulk"]


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
