"""Run one function over the files of a batch on several processes, results in order.

A batch of articles is embarrassingly parallel: each file is read, annotated and
rendered on its own. The workers are forked from the process that already holds the
compiled matcher, so they share its memory (copy on write) instead of each loading a
cache of hundreds of megabytes; where ``fork`` is not available (Windows, and macOS by
Python's default) the batch runs in this process. Results come back in input order.
"""

from __future__ import annotations

import gc
import multiprocessing
import os
from collections.abc import Callable, Iterable, Iterator
from typing import TypeVar

__all__ = ["default_jobs", "run_batch"]

T = TypeVar("T")
R = TypeVar("R")

# The work function of the batch being run, inherited by the forked workers (a closure
# over the matcher cannot be pickled, and need not be: the workers already have it).
_WORK: Callable | None = None


def default_jobs() -> int:
    """Return how many processes a batch uses by default: the CPUs this process may run on."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except (AttributeError, OSError):
        return max(1, os.cpu_count() or 1)


def _call(item):
    return _WORK(item)


def run_batch(work: Callable[[T], R], items: Iterable[T], *, jobs: int = 1, chunksize: int = 8) -> Iterator[R]:
    """Yield ``work(item)`` for each item, in order, computed by up to ``jobs`` forked processes.

    ``work`` must catch its own expected errors and return them as values: an exception
    escaping it stops the batch. With ``jobs`` 1, a single item, or no ``fork``, the work
    runs here, one item after the other.

    >>> list(run_batch(len, ["a", "bb", "ccc"], jobs=2))
    [1, 2, 3]
    """
    global _WORK
    items = list(items)
    if jobs <= 1 or len(items) < 2 or "fork" not in multiprocessing.get_all_start_methods():
        yield from map(work, items)
        return
    _WORK = work
    # Objects that exist now are never collected in the workers, so their pages stay
    # shared with this process instead of being copied by the collector's bookkeeping.
    gc.freeze()
    try:
        ctx = multiprocessing.get_context("fork")
        with ctx.Pool(min(jobs, len(items))) as pool:
            yield from pool.imap(_call, items, chunksize=max(1, min(chunksize, len(items) // (4 * jobs) or 1)))
    finally:
        _WORK = None
        gc.unfreeze()
