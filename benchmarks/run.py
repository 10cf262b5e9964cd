"""Run every performance target of issue 8 and print one table (written to benchmarks/RESULTS.md).

    pip install -e '.[bench]'
    python benchmarks/run.py --quick     # smoke run: 10k termbase, 1 MB corpus, 100k TM (a few minutes)
    python benchmarks/run.py             # the targets: 100k termbase, 10 MB corpus, 1M TM

Data comes from benchmarks/generate.py (written on first use to benchmarks/data/);
databases, caches and outputs go to benchmarks/out/. Every end-to-end figure is the
median wall time of several runs of a fresh process; peak memory is that process's
maximum resident set size (``ru_maxrss`` from ``wait4``, the figure
``getrusage(RUSAGE_CHILDREN)`` reports for one child).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from importlib import metadata
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
DATA = HERE / "data"
OUT = HERE / "out"
sys.path.insert(0, str(HERE))

import generate  # noqa: E402

NOTES_MARK = "<!-- notes: kept by run.py -->"


# -- processes ----------------------------------------------------------------------------
class TreeMemory(threading.Thread):
    """Sample the summed PSS of a process and its children (shared pages counted once) every 50 ms.

    ``ru_maxrss`` is the peak of the largest single process: with forked workers that
    share the matcher, the memory the whole command holds is the sum of their
    proportional set sizes, which this records.
    """

    def __init__(self, pid: int):
        super().__init__(daemon=True)
        self.pid, self.peak, self.done = pid, 0, threading.Event()

    def run(self) -> None:
        import psutil

        try:
            root = psutil.Process(self.pid)
        except psutil.Error:
            return
        while not self.done.wait(0.05):
            total = 0
            try:
                for p in [root, *root.children(recursive=True)]:
                    total += p.memory_full_info().pss
            except psutil.Error:
                continue
            self.peak = max(self.peak, total)


def run_proc(cmd: list[str], *, env: dict | None = None, tree: dict | None = None) -> tuple[float, float, str]:
    """Run ``cmd``; return (wall seconds, peak RSS in MB, stdout). Stop the run on a non-zero exit.

    With ``tree`` (a dict), the peak summed PSS of the process tree in MB is stored in
    ``tree["pss"]``.
    """
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        t = time.perf_counter()
        proc = subprocess.Popen(cmd, env=env, stdout=out, stderr=err, cwd=OUT)
        sampler = None
        if tree is not None:
            sampler = TreeMemory(proc.pid)
            sampler.start()
        # wait4 reaps this child and returns its own rusage: ru_maxrss is its peak RSS in KB
        # (or a reaped child's, whichever is larger).
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - t
        if sampler is not None:
            sampler.done.set()
            sampler.join()
            tree["pss"] = max(tree.get("pss", 0), sampler.peak / 2**20)
        proc.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        stdout, stderr = out.read().decode("utf-8", "replace"), err.read().decode("utf-8", "replace")
    if proc.returncode != 0:
        raise SystemExit(f"command failed ({proc.returncode}): {' '.join(cmd)}\n{stderr[-3000:]}")
    return wall, usage.ru_maxrss / 1024, stdout


def median_run(cmd: list[str], n: int, env: dict, *, tree: bool = False) -> dict:
    """Run ``cmd`` ``n`` times; return the median wall time, every wall time, the peak RSS, the last stdout.

    With ``tree``, one more run measures the process tree's summed PSS, its time not
    counted: reading ``/proc/*/smaps`` every 50 ms takes the second core from the measured
    command and made a 5.1 s annotate take 6.2-6.6 s (round 7).
    """
    walls, rsss, out, pss = [], [], "", {}
    for _ in range(n):
        wall, rss, out = run_proc(cmd, env=env)
        walls.append(wall)
        rsss.append(rss)
    if tree:
        _, rss, _ = run_proc(cmd, env=env, tree=pss)
        rsss.append(rss)
    return {"wall": statistics.median(walls), "walls": walls, "rss": max(rsss), "stdout": out, **pss}


def probe(name: str, args: list[str], env: dict, n: int = 1) -> dict:
    runs = []
    for _ in range(n):
        _, rss, out = run_proc([sys.executable, str(HERE / "probes.py"), name, *args], env=env)
        data = json.loads(out.strip().splitlines()[-1])
        data["rss"] = rss
        runs.append(data)
    if n == 1:
        return runs[0]
    merged = {}
    for k, v in runs[0].items():
        if isinstance(v, (int, float)) and not isinstance(v, bool):
            merged[k] = statistics.median(r[k] for r in runs)
        else:
            merged[k] = v
    merged["rss"] = max(r["rss"] for r in runs)
    return merged


# -- machine ----------------------------------------------------------------------------------
def machine() -> dict:
    cpu = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    ram = 0.0
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal"):
                ram = int(line.split()[1]) / 1024 / 1024
    except OSError:
        pass
    libs = {}
    for name in ("termbank", "pyahocorasick", "rapidfuzz", "SQLAlchemy", "lxml", "typer", "flashtext", "psutil"):
        try:
            libs[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            libs[name] = "not installed"
    return {"cpu": cpu, "cores": os.cpu_count(), "ram_gb": round(ram, 1),
            "python": platform.python_version(), "os": platform.system(), "libs": libs}


# -- queries ------------------------------------------------------------------------------------
def lookup_queries(corpus_name: str, path: Path) -> Path:
    """Write lookup queries: terms as the corpora spell them, misspelt copies, and misses."""
    rng = random.Random(f"lookup-{generate.SEED}-{corpus_name}")
    surfaces = []
    for lang in ("es", "en"):
        folder = DATA / f"corpus-{lang}-{corpus_name}"
        for line in (folder / "planted.jsonl").read_text(encoding="utf-8").splitlines()[:80]:
            rec = json.loads(line)
            text = (folder / rec["file"]).read_text(encoding="utf-8")
            surfaces += [text[s:e] for s, e, _ in rec["mentions"]]
    rng.shuffle(surfaces)
    queries = surfaces[:300]
    for s in surfaces[300:400]:  # a typo: one letter dropped
        if len(s) > 5:
            i = rng.randrange(1, len(s) - 1)
            s = s[:i] + s[i + 1:]
        queries.append(s)
    for _ in range(100):  # words that are in no termbase
        queries.append(generate.make_name(rng, 3).lower() + " " + rng.choice(generate.EN_FILLER))
    rng.shuffle(queries)
    path.write_text("\n".join(queries) + "\n", encoding="utf-8")
    return path


# -- the run -----------------------------------------------------------------------------------
def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="small sizes, fewer runs: a smoke test")
    parser.add_argument("--runs", type=int, default=None, help="runs per end-to-end figure (median)")
    parser.add_argument("--skip", default="", help="comma-separated targets to skip: import,build,annotate,lookup,tm")
    parser.add_argument("--no-write", action="store_true", help="print the table only; leave RESULTS.md alone")
    args = parser.parse_args(argv)
    quick = args.quick
    runs = args.runs or (2 if quick else 3)
    skip = set(filter(None, args.skip.split(",")))

    def log(msg: str) -> None:
        print(f"[{time.strftime('%H:%M:%S')}] {msg}", file=sys.stderr, flush=True)

    generate.generate(quick=quick, log=log)
    OUT.mkdir(parents=True, exist_ok=True)
    tb, corpus, tm = ("10k", "1mb", "100k") if quick else ("100k", "10mb", "1m")
    db_path = OUT / f"termbase-{tb}.db"
    db = f"sqlite:///{db_path}"
    cache = OUT / "cache"
    env = dict(os.environ, TERMBANK_CACHE_DIR=str(cache), PYTHONHASHSEED="0")
    env.pop("TERMBANK_DATABASE_URL", None)
    # Timed commands run as from a normal install, which has its modules byte-compiled:
    # a PYTHONDONTWRITEBYTECODE in the environment would make every start compile
    # termbank's sources again (0.04 s a command).
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    subprocess.run([sys.executable, "-m", "compileall", "-q", str(ROOT / "src" / "termbank")], env=env, check=False)
    env.pop("TERMBANK_NO_CACHE", None)
    # The termbank of this Python's environment (the one the probes import), on PATH or not.
    script = Path(sys.executable).parent / "termbank"
    termbank = [str(script) if script.exists() else shutil.which("termbank") or "termbank"]
    rows: list[dict] = []
    commands: list[str] = []
    results: dict = {"sizes": {"termbase": tb, "corpus": corpus, "tm": tm}, "runs": runs}

    def row(target: str, figure: str, goal: str, met: bool | None, baseline: str = "") -> None:
        rows.append({"target": target, "figure": figure, "goal": goal,
                     "met": "n/a" if met is None else ("yes" if met else "NO"), "baseline": baseline})

    # Import (also makes the database every other target reads).
    tbx = DATA / f"termbase-{tb}.tbx"
    import_cmd = termbank + ["--db", db, "import", str(tbx), "--json"]
    commands.append(f"termbank --db sqlite:///termbase-{tb}.db import ../data/termbase-{tb}.tbx --json")
    if "import" not in skip or not db_path.exists():
        walls, rss = [], 0.0
        for i in range(1 if quick else min(runs, 3)):
            for p in OUT.glob(f"termbase-{tb}.db*"):
                p.unlink()
            log(f"import {tbx.name} ({i + 1})")
            wall, r, _ = run_proc(import_cmd, env=env)
            walls.append(wall)
            rss = max(rss, r)
        results["import"] = {"wall": statistics.median(walls), "walls": walls, "rss": rss}
        imp = results["import"]
        row(f"import {tb}-concept TBX (CLI)", f"{imp['wall']:.1f} s, peak {imp['rss']:.0f} MB",
            "≤ 60 s, ≤ 1 GB", imp["wall"] <= 60 and imp["rss"] <= 1024)

    if "build" not in skip:
        log("matcher build from the database")
        b = probe("build", ["--db", db], env, n=1 if quick else 3)
        results["build"] = b
        row(f"build matcher from DB ({tb})",
            f"{b['total']:.2f} s (concepts {b['iter_concepts']:.2f} + index {b['term_index']:.2f} + "
            f"automaton {b['automaton']:.2f}), {b['keys']:,} keys",
            "≤ 5 s", b["total"] <= 5)

    corpus_dir = DATA / f"corpus-es-{corpus}"
    nbytes = sum(p.stat().st_size for p in corpus_dir.glob("*.txt"))
    if "annotate" not in skip:
        for p in cache.glob("*"):
            p.unlink()
        out_json = OUT / "annotate.jsonl"
        ann_cmd = termbank + ["--db", db, "annotate", str(corpus_dir), "--lang", "es", "--format", "json",
                              "-q", "-o", str(out_json)]
        commands.append(f"termbank --db sqlite:///termbase-{tb}.db annotate ../data/corpus-es-{corpus} "
                        "--lang es --format json -q -o annotate.jsonl")
        log("annotate, first run (builds the cache)")
        cold, cold_rss, _ = run_proc(ann_cmd, env=env)
        log(f"annotate x{runs}")
        warm = median_run(ann_cmd, runs, env, tree=True)
        mbs = nbytes / 1e6 / warm["wall"]
        commands.append(f"termbank --db sqlite:///termbase-{tb}.db annotate ../data/corpus-es-{corpus} "
                        "--lang es --format json -q -o annotate.jsonl --jobs 2")
        log(f"annotate on two processes (--jobs 2) x{runs}")
        double = median_run(ann_cmd + ["--jobs", "2"], runs, env, tree=True)
        double_mbs = nbytes / 1e6 / double["wall"]
        # Correctness on the way: offsets point at the text, and planted terms are found.
        planted = {}
        for line in (corpus_dir / "planted.jsonl").read_text(encoding="utf-8").splitlines():
            rec = json.loads(line)
            planted[rec["file"]] = {(s, c) for s, e, c in rec["mentions"]}
        found = total = bad = mentions = 0
        with open(out_json, encoding="utf-8") as fh:
            for line in fh:
                doc = json.loads(line)
                name = Path(doc["file"]).name
                text = Path(doc["file"]).read_text(encoding="utf-8")
                got = set()
                for m in doc["mentions"]:
                    mentions += 1
                    bad += text[m["start"]:m["end"]] != m["text"]
                    got.add((m["start"], m["concept"]))
                want = planted.get(name, set())
                total += len(want)
                found += len(want & got)
        tiny = OUT / "one-sentence.es.txt"
        tiny.write_text("El general Ricardo Trevilla habló con la Secretaría de la Defensa Nacional y EE. UU.\n",
                        encoding="utf-8")
        start_cmd = termbank + ["--db", db, "annotate", str(tiny), "--lang", "es", "--format", "json", "-q"]
        commands.append(f"termbank --db sqlite:///termbase-{tb}.db annotate one-sentence.es.txt --lang es "
                        "--format json -q")
        log("annotate a one-sentence article (start-up with the cached matcher)")
        start = median_run(start_cmd, runs, env)
        log("baselines: pyahocorasick and flashtext over the same keys")
        base = probe("baselines", ["--db", db, "--corpus", str(corpus_dir), "--flashtext"], env)
        results["annotate"] = {"bytes": nbytes, "cold": cold, "cold_rss": cold_rss, "warm": warm["wall"],
                               "walls": warm["walls"], "rss": warm["rss"], "mb_s": mbs,
                               "mentions": mentions, "offset_errors": bad, "planted": total,
                               "planted_found": found, "start": start["wall"], "start_walls": start["walls"],
                               "start_rss": start["rss"], "baselines": base, "pss": warm.get("pss"),
                               "jobs2": {"wall": double["wall"], "walls": double["walls"], "mb_s": double_mbs,
                                         "rss": double["rss"], "pss": double.get("pss")}}
        ratio = mbs / base["aho_mb_s"]
        row(f"annotate {corpus.upper()} es, {tb} termbase, JSON (CLI, cached matcher)",
            f"{mbs:.2f} MB/s ({warm['wall']:.2f} s for {nbytes / 1e6:.1f} MB)", "≥ 5 MB/s", mbs >= 5,
            f"flashtext {base['flashtext_mb_s']:.2f} MB/s (×{mbs / base['flashtext_mb_s']:.2f})")
        row("annotate vs bare pyahocorasick (fold + iter_long)", f"×{ratio:.2f} ({base['aho_mb_s']:.2f} MB/s bare)",
            "≥ ×0.5", ratio >= 0.5, f"pyahocorasick {base['aho_mb_s']:.2f} MB/s")
        row("annotate peak memory (RSS; PSS summed over processes)", f"{warm['rss']:.0f} MB (PSS {warm['pss']:.0f} MB)",
            "≤ 600 MB", max(warm["pss"], warm["rss"]) <= 600)
        row("the same on two processes (`--jobs 2`)",
            f"{double_mbs:.2f} MB/s (×{double_mbs / base['aho_mb_s']:.2f} of the bare scan), "
            f"PSS {double['pss']:.0f} MB summed, {double['rss']:.0f} MB largest process", "—", None)
        row("annotate first run (builds and caches the matcher)", f"{cold:.2f} s, peak {cold_rss:.0f} MB", "—", None)
        row("repeat run starts annotating (one-sentence article)", f"{start['wall']:.2f} s", "≤ 0.5 s",
            start["wall"] <= 0.5)
        row("annotate correctness", f"{found:,}/{total:,} planted terms found, {mentions:,} mentions, "
            f"{bad} offset errors", "offsets exact", bad == 0)

    if "lookup" not in skip:
        qfile = lookup_queries(corpus, OUT / "lookup-queries.txt")
        log("lookup in-process")
        lk = probe("lookup", ["--db", db, "--queries", str(qfile)], env)
        results["lookup"] = lk
        row(f"lookup in-process p50 ({tb}, {lk['queries']} queries)",
            f"{lk['p50_ms']:.2f} ms (p95 {lk['p95_ms']:.1f} ms)", "≤ 2 ms", lk["p50_ms"] <= 2)
        cli = termbank + ["--db", db, "lookup", "Tte. Cnel.", "--json"]
        commands.append(f"termbank --db sqlite:///termbase-{tb}.db lookup 'Tte. Cnel.' --json")
        log("lookup CLI")
        lc = median_run(cli, runs, env)
        results["lookup_cli"] = {"wall": lc["wall"], "walls": lc["walls"], "rss": lc["rss"]}
        row("lookup CLI wall time", f"{lc['wall']:.2f} s (peak {lc['rss']:.0f} MB)", "≤ 0.4 s", lc["wall"] <= 0.4)

    if "tm" not in skip:
        try:
            from termbank.tm import TMIndex  # noqa: F401
            have_index = True
        except ImportError:
            have_index = False
        if not have_index:
            row(f"TM search over {tm} units", "not available yet (no TMIndex)", "≤ 50 ms, top-5 ≥ 99%", None)
        else:
            log(f"translation memory: {tm} units")
            t = probe("tm", ["--tm", str(DATA / f"tm-{tm}.tsv"), "--queries", str(DATA / f"tm-{tm}-queries.tsv"),
                             "--truth", str(OUT / f"tm-{tm}-truth.json"), "--work", str(OUT),
                             "--limit", "100" if quick else "200", "--brute", "5" if quick else "10"], env)
            results["tm"] = t
            row(f"TM search p50 over {tm} units (TMIndex, in-process)",
                f"{t['p50_ms']:.1f} ms (p95 {t['p95_ms']:.1f} ms)", "≤ 50 ms", t["p50_ms"] <= 50,
                f"brute-force rapidfuzz {t['brute_p50_ms']:.0f} ms (×{t['brute_p50_ms'] / t['p50_ms']:.0f} faster)")
            row("TM true best match in top 5", f"{100 * t['top5_recall']:.1f}% of {t['judged']} queries "
                f"(of {t['queries']}; the others have no unit scoring ≥ 70)",
                "≥ 99%", t["top5_recall"] >= 0.99)
            row(f"TM index build / save / load ({tm})",
                f"{t['build']:.1f} s / {t['save']:.2f} s / {t['load']:.2f} s, peak {t['rss']:.0f} MB", "—", None)
        tm_cli = subprocess.run(termbank + ["tm", "search", "--help"], capture_output=True, env=env).returncode == 0
        if not tm_cli:
            row("TM search via the CLI", "not available yet (no `termbank tm search` command)", "—", None)
        else:
            tm_db = f"sqlite:///{OUT / f'tm-{tm}.db'}"
            log(f"translation memory in a database: {tm} units (setup, once)")
            setup = probe("tm_db", ["--db", tm_db, "--tm", str(DATA / f"tm-{tm}.tsv")], env)
            query = (DATA / f"tm-{tm}-queries.tsv").read_text(encoding="utf-8").splitlines()[0].split("\t", 1)[1]
            search = termbank + ["--db", tm_db, "tm", "search", query, "--from", "en", "--json"]
            commands.append(f"termbank --db sqlite:///tm-{tm}.db tm search '<first query of ../data/tm-{tm}-queries.tsv>' "
                            "--from en --json")
            for p in cache.glob("tm-*.idx"):
                p.unlink()
            log("tm search CLI, first run (builds the index file)")
            first, first_rss, _ = run_proc(search, env=env)
            log(f"tm search CLI x{runs}")
            warm = median_run(search, runs, env)
            results["tm_cli"] = {"setup": setup, "first": first, "first_rss": first_rss, "wall": warm["wall"],
                                 "walls": warm["walls"], "rss": warm["rss"]}
            row(f"TM search via the CLI ({tm} units in SQLite)",
                f"{warm['wall']:.2f} s (first run, building the index: {first:.1f} s, peak {first_rss:.0f} MB)",
                "—", None)
        # TMX interchange of the 100k memory: export it, import it into a new database.
        small_db = OUT / "tm-100k.db"
        if not small_db.exists():
            log("translation memory in a database: 100k units (setup, once)")
            probe("tm_db", ["--db", f"sqlite:///{small_db}", "--tm", str(DATA / "tm-100k.tsv")], env)
        tmx_file, tmx_db = OUT / "tm-100k.tmx", OUT / "tmx-import.db"
        tmx_db.unlink(missing_ok=True)
        log("TMX export and import: 100k units")
        exp_wall, exp_rss, _ = run_proc(termbank + ["--db", f"sqlite:///{small_db}", "export", "--format", "tmx",
                                                    "-o", str(tmx_file)], env=env)
        imp_wall, imp_rss, _ = run_proc(termbank + ["--db", f"sqlite:///{tmx_db}", "import", str(tmx_file), "--json"],
                                        env=env)
        commands.append("termbank --db sqlite:///tm-100k.db export --format tmx -o tm-100k.tmx")
        commands.append("termbank --db sqlite:///tmx-import.db import tm-100k.tmx --json")
        results["tmx"] = {"export": exp_wall, "export_rss": exp_rss, "import": imp_wall, "import_rss": imp_rss,
                          "mb": tmx_file.stat().st_size / 1e6}
        row(f"TMX export / import, 100k units ({tmx_file.stat().st_size / 1e6:.0f} MB file)",
            f"{exp_wall:.1f} s, peak {exp_rss:.0f} MB / {imp_wall:.1f} s, peak {imp_rss:.0f} MB", "—", None)

    m = machine()
    results["machine"] = m
    table = render_table(rows)
    print(table)
    (OUT / "results.json").write_text(json.dumps(results, indent=1, default=str))
    if not args.no_write:
        write_results(m, table, commands, quick, runs, results)
    return 0


def render_table(rows: list[dict]) -> str:
    lines = ["| target | figure | goal | met | baseline (same run) |", "|---|---|---|---|---|"]
    for r in rows:
        lines.append(f"| {r['target']} | {r['figure']} | {r['goal']} | {r['met']} | {r['baseline']} |")
    return "\n".join(lines)


def write_results(m: dict, table: str, commands: list[str], quick: bool, runs: int, results: dict) -> None:
    path = HERE / "RESULTS.md"
    notes = ""
    if path.exists():
        old = path.read_text(encoding="utf-8")
        if NOTES_MARK in old:
            notes = old.split(NOTES_MARK, 1)[1]
    libs = ", ".join(f"{k} {v}" for k, v in m["libs"].items())
    mode = "--quick" if quick else ""
    text = f"""# Benchmark results (issue 8)

Produced by `python benchmarks/run.py {mode}`.strip() on {time.strftime('%Y-%m-%d')}; every end-to-end
figure is the median of {runs} runs of a fresh process, peak memory the largest of them.

**Machine**: {m['cpu']}, {m['cores']} cores, {m['ram_gb']} GB RAM, {m['os']}; Python {m['python']};
{libs}.

{table}

Commands timed (run in `benchmarks/out/`, with `TERMBANK_CACHE_DIR=benchmarks/out/cache`; the
translation memory is stored in `tm-*.db` once, untimed, with `repo.add_units`):

```
{chr(10).join(commands)}
```

Baselines run in the same invocation over the same folded keys as termbank's automaton
(terms, joined and inflected forms): a bare pyahocorasick automaton scanning
`text.translate(fold_table)` with `iter_long` (no word boundaries, no offsets back to the
original text, no rules, no output), flashtext's `KeywordProcessor.extract_keywords` on the
same folded text, and for the translation memory `rapidfuzz.process.extractOne` with
`fuzz.ratio` over every unit. Baseline figures exclude start-up and loading; termbank's
annotate figure is end to end (process start, cache load, reading files, JSON written).

{NOTES_MARK}{notes}"""
    text = text.replace("`python benchmarks/run.py `.strip()", "`python benchmarks/run.py`")
    text = text.replace(f"`python benchmarks/run.py {mode}`.strip()", f"`python benchmarks/run.py {mode}`")
    path.write_text(text, encoding="utf-8")


if __name__ == "__main__":
    sys.exit(main())
