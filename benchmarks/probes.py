"""In-process measurements for benchmarks/run.py; each prints one JSON object on stdout.

Run by the runner in a fresh subprocess (so that its peak memory is its own)::

    python benchmarks/probes.py build    --db URL
    python benchmarks/probes.py lookup   --db URL --queries FILE
    python benchmarks/probes.py baselines --db URL --corpus DIR [--flashtext]
    python benchmarks/probes.py tm       --tm FILE --queries FILE [--truth FILE]
    python benchmarks/probes.py tm_db    --db URL --tm FILE
"""

from __future__ import annotations

import argparse
import gc
import json
import statistics
import sys
import time
import unicodedata
from pathlib import Path


def _now() -> float:
    return time.perf_counter()


def _pct(values: list[float], q: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, int(q * len(values)))]


# -- matcher build -----------------------------------------------------------------------
def probe_build(args) -> dict:
    """Time loading the concepts from the database, the term index and the automaton."""
    from termbank.annotate import Annotator
    from termbank.match import TermIndex
    from termbank.store import repo
    from termbank.store.db import open_store

    store = open_store(args.db, create=False)
    t0 = _now()
    with store.read() as session:
        concepts = repo.iter_concepts(session)
    t1 = _now()
    index = TermIndex.build(concepts)
    t2 = _now()
    annot = Annotator(index)
    t3 = _now()
    return {"concepts": len(concepts), "keys": len(index.entries), "iter_concepts": t1 - t0,
            "term_index": t2 - t1, "automaton": t3 - t2, "total": t3 - t0, "ok": annot is not None}


# -- lookup --------------------------------------------------------------------------------
def probe_lookup(args) -> dict:
    """Time ``TermIndex.lookup`` (the cached index, as the CLI loads it) over a query list."""
    from termbank import api

    store = api.open_database(args.db)
    t0 = _now()
    index = api.term_index(store)
    load = _now() - t0
    queries = [q for q in Path(args.queries).read_text(encoding="utf-8").splitlines() if q.strip()]
    for q in queries[:20]:
        index.lookup(q)  # first use builds the fuzzy key lists; not a per-query cost
    times, found = [], 0
    for q in queries:
        t = _now()
        hits = index.lookup(q)
        times.append(_now() - t)
        found += bool(hits)
    return {"queries": len(queries), "load": load, "p50_ms": 1000 * statistics.median(times),
            "p95_ms": 1000 * _pct(times, 0.95), "mean_ms": 1000 * statistics.fmean(times),
            "with_hits": found}


# -- annotate baselines -----------------------------------------------------------------------
def _fold_table() -> dict[int, str]:
    """A code-point table that strips accents and lower-cases (the baselines' whole fold)."""
    table = {}
    for cp in range(0x0250):
        ch = chr(cp)
        out = "".join(c for c in unicodedata.normalize("NFD", ch) if not unicodedata.combining(c)).casefold()
        if out != ch:
            table[cp] = out
    return table


def probe_baselines(args) -> dict:
    """Scan the corpus with a bare pyahocorasick automaton and with flashtext over termbank's keys."""
    import ahocorasick

    from termbank import api

    store = api.open_database(args.db)
    keys = [k for k in api.term_index(store).entries if k.strip()]
    texts = [p.read_text(encoding="utf-8") for p in sorted(Path(args.corpus).glob("*.txt"))]
    nbytes = sum(len(t.encode("utf-8")) for t in texts)
    table = _fold_table()
    out: dict = {"keys": len(keys), "bytes": nbytes}

    t = _now()
    automaton = ahocorasick.Automaton()
    for k in keys:
        automaton.add_word(k, len(k))
    automaton.make_automaton()
    out["aho_build"] = _now() - t
    runs = []
    for _ in range(args.repeat):
        gc.collect()
        t = _now()
        hits = 0
        for text in texts:
            for _end, _length in automaton.iter_long(text.translate(table)):
                hits += 1
        runs.append(_now() - t)
    out["aho_scan"] = statistics.median(runs)
    out["aho_hits"] = hits
    out["aho_mb_s"] = nbytes / 1e6 / out["aho_scan"]
    del automaton

    if args.flashtext:
        from flashtext import KeywordProcessor

        t = _now()
        kp = KeywordProcessor(case_sensitive=True)  # the text is folded already
        for k in keys:
            kp.add_keyword(k)
        out["flashtext_build"] = _now() - t
        t = _now()
        hits = 0
        for text in texts:
            hits += len(kp.extract_keywords(text.translate(table)))
        out["flashtext_scan"] = _now() - t
        out["flashtext_hits"] = hits
        out["flashtext_mb_s"] = nbytes / 1e6 / out["flashtext_scan"]
    return out


# -- translation memory -------------------------------------------------------------------------
def _read_tm(path: str) -> list[str]:
    sources = []
    with open(path, encoding="utf-8") as fh:
        for line in fh:
            sources.append(line.split("\t", 2)[1])
    return sources


def _word_codes(texts: list[str], vocab: dict[str, str]) -> list[str]:
    """Encode each text as one character per word (folded, numbers as '#'), for word-level Levenshtein."""
    from termbank.tm import _analyze

    out = []
    for text in texts:
        chars = []
        for w in _analyze(text).folded:
            c = vocab.get(w)
            if c is None:
                n = len(vocab) + 0x100
                if n >= 0xD800:
                    n += 0x800  # skip surrogates
                c = vocab[w] = chr(n)
            chars.append(c)
        out.append("".join(chars))
    return out


def true_best(sources: list[str], queries: list[str]) -> list[list[int]]:
    """Return, per query, every unit with the best :func:`termbank.tm.score` (exhaustive).

    The score's base is a word-level Levenshtein ratio and its penalties take at most 7
    points, so every unit within 7.5 points of the best base ratio (computed for all
    units with rapidfuzz over one-character-per-word codes) is rescored exactly.
    """
    from rapidfuzz import process
    from rapidfuzz.distance import Levenshtein

    from termbank.tm import score

    vocab: dict[str, str] = {}
    codes = _word_codes(sources, vocab)
    best_ids = []
    for q, qc in zip(queries, _word_codes(queries, vocab)):
        top = process.extract(qc, codes, scorer=Levenshtein.normalized_similarity, limit=1)
        if not top:
            best_ids.append([])
            continue
        cutoff = max(0.0, top[0][1] - 0.075)
        near = process.extract(qc, codes, scorer=Levenshtein.normalized_similarity, limit=2000,
                               score_cutoff=cutoff)
        scored = [(score(q, sources[i]), i) for _, _, i in near]
        top_score = max(s for s, _ in scored)
        best_ids.append(sorted(i for s, i in scored if s == top_score) + [top_score])
    return best_ids


def probe_tm(args) -> dict:
    """Build a TMIndex over the memory, time searches, and check them against the exhaustive best."""
    from rapidfuzz import fuzz, process

    from termbank.tm import TMIndex

    sources = _read_tm(args.tm)
    queries = [line.split("\t", 1)[1] for line in Path(args.queries).read_text(encoding="utf-8").splitlines()]
    queries = queries[: args.limit]
    out: dict = {"units": len(sources), "queries": len(queries)}
    t = _now()
    index = TMIndex()
    index.add_many(enumerate(sources))
    out["build"] = _now() - t
    save_path = Path(args.work) / "tm.index"
    t = _now()
    index.save(save_path)
    out["save"] = _now() - t
    t = _now()
    index = TMIndex.load(save_path)
    out["load"] = _now() - t
    times, results = [], []
    for q in queries:
        t = _now()
        hits = index.search(q, limit=5, min_score=0)
        times.append(_now() - t)
        results.append([h.id for h in hits])
    out["p50_ms"] = 1000 * statistics.median(times)
    out["p95_ms"] = 1000 * _pct(times, 0.95)
    # The exhaustive best, cached next to the queries (it takes minutes at 1M units).
    truth_path = Path(args.truth)
    truth = json.loads(truth_path.read_text()) if truth_path.exists() else None
    if truth is None or len(truth) < len(queries):
        t = _now()
        truth = true_best(sources, queries)
        out["truth_time"] = _now() - t
        truth_path.write_text(json.dumps(truth))
    # Recall over the queries whose true best match reaches the default search threshold
    # (70): a query with no such match in the memory has no best match to find.
    hit = judged = 0
    for got, best in zip(results, truth):
        ids, top = best[:-1], (best[-1] if best else 0)
        if not ids or top < 70:
            continue
        judged += 1
        hit += bool(set(got) & set(ids))
    out["judged"] = judged
    out["top5_recall"] = hit / judged if judged else 1.0
    # Brute force: rapidfuzz over every unit, as a CAT tool without an index would do.
    bf = []
    for q in queries[: args.brute]:
        t = _now()
        process.extractOne(q, sources, scorer=fuzz.ratio)
        bf.append(_now() - t)
    out["brute_p50_ms"] = 1000 * statistics.median(bf)
    return out


def probe_tm_db(args) -> dict:
    """Store the memory's units in a termbank database (setup for the CLI search row)."""
    from termbank.model import TMUnit
    from termbank.store import repo
    from termbank.store.db import open_store

    store = open_store(args.db, create=True)
    with store.read() as session:
        if repo.counts(session)["tm_units"]:
            return {"units": repo.counts(session)["tm_units"], "loaded": 0, "seconds": 0.0}
    t = _now()
    added = 0
    batch: list = []

    def flush() -> None:
        nonlocal added
        added += store.run_write(lambda session: repo.add_units(session, batch, "benchmark"))[0]
        batch.clear()

    with open(args.tm, encoding="utf-8") as fh:
        for line in fh:
            uid, source, target = line.rstrip("\n").split("\t", 2)
            batch.append(TMUnit("en", source, "es", target, origin="benchmark"))
            if len(batch) >= 100_000:
                flush()
    if batch:
        flush()
    return {"units": added, "loaded": added, "seconds": _now() - t}


def main() -> int:
    parser = argparse.ArgumentParser()
    sub = parser.add_subparsers(dest="probe", required=True)
    b = sub.add_parser("build")
    b.add_argument("--db", required=True)
    lk = sub.add_parser("lookup")
    lk.add_argument("--db", required=True)
    lk.add_argument("--queries", required=True)
    bl = sub.add_parser("baselines")
    bl.add_argument("--db", required=True)
    bl.add_argument("--corpus", required=True)
    bl.add_argument("--flashtext", action="store_true")
    bl.add_argument("--repeat", type=int, default=3)
    tm = sub.add_parser("tm")
    tm.add_argument("--tm", required=True)
    tm.add_argument("--queries", required=True)
    tm.add_argument("--truth", required=True)
    tm.add_argument("--work", required=True)
    tm.add_argument("--limit", type=int, default=200)
    tm.add_argument("--brute", type=int, default=10)
    td = sub.add_parser("tm_db")
    td.add_argument("--db", required=True)
    td.add_argument("--tm", required=True)
    args = parser.parse_args()
    result = {"build": probe_build, "lookup": probe_lookup, "baselines": probe_baselines, "tm": probe_tm,
              "tm_db": probe_tm_db}[args.probe](args)
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
