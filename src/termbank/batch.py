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
import threading
from collections.abc import Callable, Iterable, Iterator
from typing import TypeVar

__all__ = ["can_fork", "default_jobs", "run_batch"]

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


def can_fork() -> bool:
    """True when this process may fork: ``fork`` exists, no other thread runs, and it is no pool worker.

    A child gets a copy of the forking thread only: a lock another thread held (a
    console's, the allocator's) stays held in it forever. A pool's workers are daemonic
    and may not have children.
    """
    return ("fork" in multiprocessing.get_all_start_methods() and threading.active_count() == 1
            and not multiprocessing.current_process().daemon)


def _call(item):
    return _WORK(item)


def run_batch(work: Callable[[T], R], items: Iterable[T], *, jobs: int = 1, chunksize: int = 8) -> Iterator[R]:
    """Yield ``work(item)`` for each item, in order, computed by up to ``jobs`` forked processes.

    ``work`` must catch its own expected errors and return them as values: an exception
    escaping it stops the batch. With ``jobs`` 1, a single item, or where forking is not
    safe (see :func:`can_fork`), the work runs here, one item after the other.

    >>> list(run_batch(len, ["a", "bb", "ccc"], jobs=2))
    [1, 2, 3]
    """
    global _WORK
    items = list(items)
    if jobs <= 1 or len(items) < 2 or not can_fork():
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
