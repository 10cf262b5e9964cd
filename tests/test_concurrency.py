"""Several processes write one termbase at once while another reads it (issue 7).

Four writer processes make 250 changes each through the Python API, every change its own
transaction: adding their own concepts, editing them, editing five concepts they all
share (each edit adds a term, so a lost update would show as a missing term), and adding
translation units, some of which all four add (a unique-key race). A reader process
looks terms up and rebuilds the term list meanwhile. Afterwards every change must be
in the database and no caller may have seen "database is locked" or a serialization
failure: Store.run_write waits and retries instead. Run with ``pytest -s`` for figures.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time

from termbank import api
from termbank.model import Concept, Term
from termbank.store import repo

WRITERS = 4
CHANGES = 250
SHARED = 5

WRITER = r"""
import json, sys, time
from pathlib import Path
from termbank import api
from termbank.model import Term, TMUnit
from termbank.store import repo

url, n, changes, shared, folder = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]), Path(sys.argv[5])
store = api.open_database(url)
(folder / f"ready-{n}").touch()
while not (folder / "go").exists():
    time.sleep(0.01)
done, errors, own = 0, [], []
start = time.monotonic()
for i in range(changes):
    try:
        kind = i % 5
        if kind in (0, 1):
            cid = f"w{n}-{i}"
            api.add(store, [Term("en", f"writer {n} term {i}"), Term("es", f"termino {n} {i}")],
                    concept_id=cid, category="other", author=f"writer{n}")
            own.append(cid)
        elif kind == 2:
            api.edit(store, own[-1], note=f"edited by writer {n} at change {i}", author=f"writer{n}")
        elif kind == 3:
            api.edit(store, f"shared-{i % shared}", add_terms=[Term("en", f"w{n} change {i}", status="admitted")],
                     author=f"writer{n}")
        else:
            units = [TMUnit("en", f"Writer {n} sentence {i}.", "es", f"Frase {i} del escritor {n}."),
                     TMUnit("en", f"Shared sentence {i}.", "es", f"Frase compartida {i}.")]
            store.run_write(lambda s: repo.add_units(s, units, f"writer{n}"))
        done += 1
    except Exception as exc:
        errors.append(f"change {i}: {type(exc).__name__}: {exc}")
print(json.dumps({"writer": n, "done": done, "errors": errors, "retries": store.retries,
                  "seconds": round(time.monotonic() - start, 2)}))
"""

READER = r"""
import importlib.util, json, os, sys, time
from pathlib import Path
from termbank import api
from termbank.store import repo

url, folder = sys.argv[1], Path(sys.argv[2])
store = api.open_database(url)
can_lookup = importlib.util.find_spec("termbank.match") is not None
reads, lookups, errors = 0, 0, []
parent = os.getppid()
(folder / "ready-reader").touch()
# Until told to stop, or until the test run that started it is gone (killed half way).
while not (folder / "stop").exists() and os.getppid() == parent:
    try:
        with store.read() as s:
            concepts = repo.iter_concepts(s)  # what the annotator's term index is built from
        assert concepts, "no concepts read"
        api.show(store, "shared-0", with_history=True)
        api.stats(store)
        reads += 3
        if can_lookup:
            api.lookup(store, "shared term")
            lookups += 1
    except Exception as exc:
        errors.append(f"{type(exc).__name__}: {exc}")
    time.sleep(0.02)
print(json.dumps({"reads": reads, "lookups": lookups, "errors": errors}))
"""


def _history_rows(store) -> int:
    from sqlalchemy import func, select

    from termbank.store.models import HistoryRow

    with store.read() as s:
        return s.scalar(select(func.count()).select_from(HistoryRow))


def test_writers_and_a_reader_lose_nothing(store, tmp_path):
    def seed(s):
        for j in range(SHARED):
            repo.add_concept(s, Concept(id=f"shared-{j}", terms=(Term("en", f"shared term {j}"),
                                                                 Term("es", f"termino comun {j}"))), "seed")

    store.run_write(seed)
    url = store.url
    env_py = [sys.executable, "-c"]
    writers = [
        subprocess.Popen(env_py + [WRITER, url, str(n), str(CHANGES), str(SHARED), str(tmp_path)],
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        for n in range(WRITERS)
    ]
    reader = subprocess.Popen(env_py + [READER, url, str(tmp_path)], stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 60
    while len(list(tmp_path.glob("ready-*"))) < WRITERS + 1:
        assert time.monotonic() < deadline, "workers did not start"
        assert all(p.poll() is None for p in writers + [reader]), [p.communicate() for p in writers + [reader]]
        time.sleep(0.05)
    start = time.monotonic()
    (tmp_path / "go").touch()
    results = []
    for p in writers:
        out, err = p.communicate(timeout=300)
        assert p.returncode == 0, err
        results.append(json.loads(out.strip().splitlines()[-1]))
    elapsed = time.monotonic() - start
    (tmp_path / "stop").touch()
    out, err = reader.communicate(timeout=60)
    assert reader.returncode == 0, err
    reading = json.loads(out.strip().splitlines()[-1])

    errors = [e for r in results for e in r["errors"]] + reading["errors"]
    lock_errors = [e for e in errors if "locked" in e or "serializ" in e or "deadlock" in e]
    retries = sum(r["retries"] for r in results)
    print(f"\n[concurrency] {store.dialect}: {WRITERS} writers x {CHANGES} changes in {elapsed:.1f} s "
          f"({WRITERS * CHANGES / elapsed:.0f} changes/s), reader: {reading['reads']} reads, "
          f"{reading['lookups']} lookups; errors {len(errors)}, lock errors {len(lock_errors)}, "
          f"retries {retries}")
    assert errors == [], errors[:5]
    assert [r["done"] for r in results] == [CHANGES] * WRITERS

    # Nothing lost: count and check every change.
    per_kind = CHANGES // 5
    adds, own_edits, shared_edits, tm_adds = 2 * per_kind, per_kind, per_kind, per_kind
    stats = api.stats(store)
    assert stats["concepts"] == SHARED + WRITERS * adds
    assert stats["tm_units"] == WRITERS * tm_adds + tm_adds  # each writer's own + the shared ones
    assert _history_rows(store) == SHARED + WRITERS * (adds + own_edits + shared_edits)
    lost = 0
    with store.read() as s:
        for j in range(SHARED):
            c = repo.get_concept(s, f"shared-{j}")
            texts = {t.text for t in c.terms}
            expected = {f"w{n} change {i}" for n in range(WRITERS) for i in range(CHANGES)
                        if i % 5 == 3 and i % SHARED == j}
            lost += len(expected - texts)
            assert c.version == 1 + len(expected)
        for n in range(WRITERS):
            for i in range(CHANGES):
                if i % 5 == 2:
                    c = repo.get_concept(s, f"w{n}-{i - 1}")
                    lost += c.note != f"edited by writer {n} at change {i}"
    assert lost == 0
