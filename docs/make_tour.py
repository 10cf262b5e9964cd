"""Rebuild the "Tour" section of README.md from real runs of the commands.

Run from the repository root with termbank installed:  python docs/make_tour.py
Every command runs against a fresh default database in a temporary folder, so the
output in the README is what a new user sees. The section between the markers
``<!-- tour:start -->`` and ``<!-- tour:end -->`` is replaced.
"""

from __future__ import annotations

import os
import re
import shlex
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
README = ROOT / "README.md"
MAX_LINES = 28

# (heading, explanation, [commands]); a command is run with the shell, in ROOT.
TOUR = [
    ("lookup", "Find a term however it is written; the suggestion is the translation to use.",
     ['termbank lookup "Tte. Gral."',
      'termbank lookup "secretaria de la defensa nacional" --json --limit 1',
      "termbank lookup us --json",
      'termbank lookup "tenientes coroneles" --limit 1',
      'termbank lookup "Guillott" --limit 1']),
    ("annotate", "Mark every known term in articles (text, json, html, md or csv). `--jobs N` spreads a\n"
     "batch over N worker processes (`--jobs 0`: one per CPU) that share the loaded matcher:\n"
     "the same output in the same order, faster, for more memory (at 100,000 concepts, two\n"
     "processes annotate 10 MB in 3.5 s instead of 5.1 s, holding 610 MB instead of 540).",
     ["termbank annotate examples/border-conference.es.txt --format md | head -20",
      "termbank annotate examples/border-conference.en.txt --format json"
      " | python -c \"import json,sys; d=json.load(sys.stdin); print(json.dumps(d['mentions'][18], ensure_ascii=False, indent=1))\"",
      "termbank annotate examples/ --strict --format csv -o report.csv; echo \"exit $?\""]),
    ("check", "Check a translation against its source (terms, numbers, dates, names).",
     ["termbank check examples/border-conference.en.txt examples/border-conference.es.txt | head -24"]),
    ("extract", "Propose entries the termbase lacks.",
     ["termbank extract examples/border-conference.en.txt -o candidates.csv"]),
    ("add, show, edit, remove", "Manage entries; every change is recorded with its author. A term is a full form "
     "unless `--term LANG:TYPE:TEXT` says otherwise, but one word in capitals (`--en ROE`) is an acronym, "
     "matched in capitals only; a term added to a language that has a preferred one is admitted.",
     ['termbank --author ana add --id us-cfacc --category title --en "combined forces air component commander"'
      ' --term "en:acronym:CFACC" --es "comandante del componente aéreo de las fuerzas combinadas"'
      ' --note "Joint doctrine (JP 3-30)"',
      "termbank --author luis edit us-cfacc --add-term \"es:acronym:admitted:CFACC\" --if-version 1",
      "termbank --author ana edit us-cfacc --note \"JP 3-30\" --if-version 1; echo \"exit $?\"",
      "termbank show us-cfacc --history",
      "termbank remove us-cfacc"]),
    ("import and export", "TBX-Basic v3, TBX 2008, TMX 1.4b, CSV/TSV, DeepL, Google, JSON; printable glossaries.\n"
     "`--merge-by-term` merges a glossary without ids into the stored concepts it names (a term shared in\n"
     "both languages) and lists the entries whose translation disagrees with the termbase.",
     ["termbank export --format tbx -o glossary.tbx && termbank --db sqlite:///copy.db import glossary.tbx",
      "termbank import ../shared/interop/glossaries/tico19-google_g_en_es-419.csv --dry-run",
      "termbank import examples/client-glossary.csv --merge-by-term --dry-run",
      "termbank export --format deepl --category rank | head -5",
      "termbank export --format md --category title | head -12",
      "printf '<?xml version=\"1.0\"?><tbx><text><body>' > broken.tbx; termbank import broken.tbx; echo \"exit $?\""]),
    ("translation memory", "Sentence pairs, fuzzy search, concordance, alignment, pretranslation.",
     ["termbank import ../shared/interop/tmx/real/tico19-all.en-es-419.tmx",
      'termbank tm search "The CDC recommends that people wash hands often with soap and water for at least thirty'
      ' seconds, especially after going to the toilet or when hands are visibly dirty; before eating; and after'
      ' blowing one\'s nose, coughing, or sneezing." --limit 2',
      'termbank tm concordance "soap" --limit 2',
      "termbank tm align tests/data/align/naval_exercise.en.txt tests/data/align/naval_exercise.es.txt --dry-run | head -12",
      "termbank tm pretranslate examples/border-conference.en.txt | head -12"]),
    ("stats and init", "Counts; create or upgrade a database.",
     ["termbank stats",
      "termbank --db sqlite:///team.db init --empty"]),
]


def run(cmd: str, env: dict, cwd: Path) -> str:
    proc = subprocess.run(cmd, shell=True, cwd=cwd, env=env, capture_output=True, text=True, timeout=300)
    out = (proc.stdout + proc.stderr).rstrip("\n")
    lines = out.splitlines()
    if len(lines) > MAX_LINES:
        lines = lines[:MAX_LINES] + [f"… ({len(lines) - MAX_LINES} more lines)"]
    return "\n".join(lines)


def build() -> str:
    parts = ["## Tour", "",
             "Every command below was run on a fresh default database (`python docs/make_tour.py` "
             "regenerates this section). Global options come before the command: `--db URL`, "
             "`--author NAME`.", ""]
    with tempfile.TemporaryDirectory() as tmp:
        env = dict(os.environ, TERMBANK_DATA_DIR=str(Path(tmp) / "data"), TERMBANK_CACHE_DIR=str(Path(tmp) / "cache"),
                   COLUMNS="100", TERMBANK_AUTHOR="editor")
        env.pop("TERMBANK_DATABASE_URL", None)
        work = Path(tmp) / "work"
        work.mkdir()
        for name in ("examples", "tests"):
            os.symlink(ROOT / name, work / name)
        os.symlink(ROOT.parent / "shared", Path(tmp) / "shared")
        for heading, text, commands in TOUR:
            parts += [f"### {heading}", "", text, "", "```console"]
            for cmd in commands:
                shown = cmd.replace("../shared/interop/", "../shared/interop/")
                parts.append(f"$ {shown}")
                parts.append(run(cmd, env, work))
            parts += ["```", ""]
    text = "\n".join(parts)
    return re.sub(r"/tmp/[^\s/]+/", "", text)


def main() -> int:
    readme = README.read_text(encoding="utf-8")
    start, end = "<!-- tour:start -->", "<!-- tour:end -->"
    if start not in readme or end not in readme:
        print("README.md has no tour markers", file=sys.stderr)
        return 1
    head, rest = readme.split(start, 1)
    _, tail = rest.split(end, 1)
    README.write_text(f"{head}{start}\n{build()}\n{end}{tail}", encoding="utf-8")
    print(shlex.quote(str(README.relative_to(ROOT))), "updated")
    return 0


if __name__ == "__main__":
    sys.exit(main())
