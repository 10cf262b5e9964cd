"""`termbank import` / `export` end to end: real files in, valid files out, nothing written on bad input."""

from __future__ import annotations

import hashlib
import json
import re
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

ROOT = Path(__file__).resolve().parents[1]
INTEROP = ROOT.parent / "shared" / "interop"
HOSTILE = ROOT / "tests" / "data" / "hostile"
MANIFEST = json.loads((HOSTILE / "MANIFEST.json").read_text(encoding="utf-8"))["files"]

needs_interop = pytest.mark.skipif(not INTEROP.exists(), reason="../shared/interop not found next to the repository")


def snapshot(url: str) -> str:
    """Return a digest of every row of every termbank table (both backends)."""
    engine = create_engine(url)
    h = hashlib.sha256()
    with engine.connect() as conn:
        for table in ("concept", "term", "history", "tm_unit", "store_revision"):
            for row in conn.execute(text(f"SELECT * FROM {table} ORDER BY 1")):
                h.update(repr(tuple(row)).encode())
    engine.dispose()
    return h.hexdigest()


def sqlite_bytes(url: str) -> bytes | None:
    if not url.startswith("sqlite:///"):
        return None
    return Path(url.removeprefix("sqlite:///")).read_bytes()


@pytest.mark.parametrize("name", sorted(MANIFEST))
def test_hostile_file_is_refused_and_changes_nothing(filled_cli, name):
    before, raw_before = snapshot(filled_cli.url), sqlite_bytes(filled_cli.url)
    result = filled_cli("import", str(HOSTILE / name))
    assert result.exit_code == 3, (name, result.stdout, result.stderr)
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in result.stderr
    assert name in lines[0] and re.search(MANIFEST[name]["expect"], lines[0]), lines[0]
    assert re.search(rf"{re.escape(name)}:\d+: ", lines[0]), "the error names the line"
    assert snapshot(filled_cli.url) == before
    if raw_before is not None:
        assert sqlite_bytes(filled_cli.url) == raw_before


def test_dry_run_and_reimport_write_nothing(filled_cli, tmp_path):
    exported = tmp_path / "all.json"
    assert filled_cli("export", "--format", "json", "-o", str(exported)).exit_code == 0
    before = snapshot(filled_cli.url)
    for args in (["--dry-run"], []):
        result = filled_cli("import", str(exported), "--json", *args)
        assert result.exit_code == 0, result.stderr
        report = json.loads(result.stdout)
        assert report["concepts"]["added"] == 0 and report["concepts"]["updated"] == 0
        assert snapshot(filled_cli.url) == before


def test_a_dry_run_into_a_database_not_made_yet_creates_nothing(cli, db_url, tmp_path):
    # Reported as an import into an empty database would be; on SQLite no file appears,
    # on PostgreSQL no table.
    glossary = tmp_path / "g.csv"
    glossary.write_text("major general,general de división\nfrigate,fragata\n", encoding="utf-8")
    result = cli("import", str(glossary), "--dry-run", "--json")
    assert result.exit_code == 0, result.stderr
    assert json.loads(result.stdout)["concepts"] == {"added": 2, "updated": 0, "unchanged": 0}
    missing = cli("stats")
    assert missing.exit_code == 4 and "termbank init" in missing.stderr
    if db_url.startswith("sqlite:///"):
        assert not Path(db_url.removeprefix("sqlite:///")).exists()


def test_shipped_glossary_round_trips_through_valid_tbx(filled_cli, tmp_path, db_url):
    tbx = tmp_path / "glossary.tbx"
    assert filled_cli("export", "--format", "tbx", "-o", str(tbx)).exit_code == 0
    if INTEROP.exists():
        check = subprocess.run([sys.executable, str(INTEROP / "validate_tbx.py"), str(tbx)], capture_output=True, text=True)
        assert check.returncode == 0, check.stdout + check.stderr
    stats = json.loads(filled_cli("stats", "--json").stdout)
    other = f"sqlite:///{tmp_path / 'other.db'}"
    result = filled_cli("--db", other, "import", str(tbx), "--json", db=False)
    assert result.exit_code == 0, result.stderr
    again = json.loads(filled_cli("--db", other, "stats", "--json", db=False).stdout)
    assert (again["concepts"], again["terms"]) == (stats["concepts"], stats["terms"])
    ids = json.loads(filled_cli("--db", other, "export", "--format", "json", db=False).stdout)
    assert {c["id"] for c in ids["concepts"]} == {c["id"] for c in json.loads(filled_cli("export", "--format", "json").stdout)["concepts"]}


@needs_interop
@pytest.mark.parametrize(
    "relative, concepts",
    [
        ("tbx/tbx-v3-basic/samples/Example_Astronomy_DCA_VALID.tbx", 45),
        ("tbx/tbx-2008-basic/samples/TBX-basic-sample.tbx", 5),
        ("tbx/real/iate-exemplum.tbx", 2),
        ("glossaries/tico19-facebook_f_en-es_XX.csv", 306),
        ("glossaries/tico19-google_g_en_es-419.csv", 327),
        ("glossaries/tico19-google_g_es-ES_en.csv", 50),
    ],
)
def test_real_files_import_with_expected_counts(cli, relative, concepts, tmp_path):
    cli("init", "--empty")
    result = cli("import", str(INTEROP / relative), "--json")
    assert result.exit_code == 0, result.stderr
    report = json.loads(result.stdout)
    assert report["concepts"]["added"] == concepts
    assert json.loads(cli("stats", "--json").stdout)["concepts"] == concepts
    # the export of an imported file keeps its concept ids
    exported = json.loads(cli("export", "--format", "json").stdout)
    reread = tmp_path / "again.tbx"
    assert cli("export", "--format", "tbx", "-o", str(reread)).exit_code == 0
    second = f"sqlite:///{tmp_path / 'second.db'}"
    assert cli("--db", second, "import", str(reread), db=False).exit_code == 0
    ids2 = {c["id"] for c in json.loads(cli("--db", second, "export", "--format", "json", db=False).stdout)["concepts"]}
    assert ids2 == {c["id"] for c in exported["concepts"]}


@needs_interop
def test_tico19_memory_imports_and_exports_valid_tmx(cli, tmp_path):
    from lxml import etree

    cli("init", "--empty")
    tico = str(INTEROP / "tmx/real/tico19-all.en-es-419.tmx")
    dry = json.loads(cli("import", tico, "--json", "--dry-run").stdout)
    result = cli("import", tico, "--json")
    assert result.exit_code == 0, result.stderr
    report = json.loads(result.stdout)
    assert dry["units"] == report["units"]  # a dry run counts what the import does
    assert json.loads(cli("import", tico, "--json", "--dry-run").stdout)["units"] == {"added": 0, "merged": 3071}
    assert report["units"]["added"] + report["units"]["merged"] == 3071
    assert json.loads(cli("stats", "--json").stdout)["tm_units"] == report["units"]["added"]
    out = tmp_path / "memory.tmx"
    assert cli("export", "--format", "tmx", "-o", str(out)).exit_code == 0
    dtd = etree.DTD(str(INTEROP / "tmx/tmx14.dtd"))
    assert dtd.validate(etree.parse(str(out))), dtd.error_log.filter_from_errors()[:3]
    again = cli("import", str(out), "--json")
    assert json.loads(again.stdout)["units"]["added"] == 0  # duplicates merged, not multiplied


def test_export_options_and_errors(filled_cli, tmp_path):
    deepl = filled_cli("export", "--format", "deepl", "--category", "rank")
    assert deepl.exit_code == 0
    rows = [line.split("\t") for line in deepl.stdout.splitlines()]
    assert rows and all(len(r) == 2 and r[0] and r[1] for r in rows)
    assert len({r[0] for r in rows}) == len(rows)  # DeepL: unique sources
    md = filled_cli("export", "--format", "md", "--category", "title")
    assert md.exit_code == 0 and md.stdout.startswith("#")
    assert filled_cli("export", "--format", "docx").exit_code == 2
    assert filled_cli("export", "--category", "weapons").exit_code == 2
    # Options that would be ignored, or make an es -> es glossary, are usage errors.
    tmx = filled_cli("export", "--format", "tmx", "--category", "rank")
    assert tmx.exit_code == 2 and "translation memory" in tmx.stderr
    same = filled_cli("export", "--format", "deepl", "--source-lang", "es", "--target-lang", "es-MX")
    assert same.exit_code == 2 and "one language" in same.stderr
    assert filled_cli("import", str(tmp_path / "missing.tbx")).exit_code == 3


def test_memory_export_streams_the_units_and_finds_srclang_by_query(cli, tmp_path):
    # `export --format tmx` writes the units as they come from the database; the header's
    # srclang comes from a query: the one source language, or *all* when there are several.
    from termbank import api
    from termbank.formats.tmx import TmxFormat
    from termbank.model import TMUnit
    from termbank.store import repo

    cli("init", "--empty")
    store = api.open_database(cli.url)
    english = [TMUnit("en", f"The general arrived on day {i}.", "es", f"El general llegó el día {i}.") for i in range(7)]
    store.run_write(lambda s: repo.add_units(s, english, "tester"))
    out = tmp_path / "memory.tmx"
    assert cli("export", "--format", "tmx", "-o", str(out)).exit_code == 0
    with store.read() as session:
        stored = list(repo.iter_units(session))
    assert out.read_bytes() == TmxFormat().write(stored) and b'srclang="en"' in out.read_bytes()

    store.run_write(lambda s: repo.add_units(s, [TMUnit("es", "La Marina informó.", "en", "The Navy reported.")], "tester"))
    mixed = cli("export", "--format", "tmx")
    with store.read() as session:
        stored = list(repo.iter_units(session))
    assert mixed.stdout_bytes == TmxFormat().write(stored) and b'srclang="*all*"' in mixed.stdout_bytes
    assert len(stored) == 8


def _memory(n: int, start: int = 0) -> list:
    from termbank.model import TMUnit

    return [TMUnit("en", f"The brigade reached post {i}.", "es", f"La brigada llegó al puesto {i}.") for i in range(start, start + n)]


def _stored_texts(url: str) -> list[tuple[str, str]]:
    from termbank import api
    from termbank.store import repo

    with api.open_database(url).read() as session:
        return [(u.source, u.target) for u in repo.iter_units(session)]


@pytest.mark.parametrize("held", [True, False], ids=["into a memory", "into an empty one"])
def test_memory_import_stores_units_as_read_across_batches(cli, tmp_path, held):
    # `import` of a TMX stores its units a batch (5,000) at a time as they are read:
    # duplicates are merged across batches and with what the store held, in file order.
    from termbank.formats.tmx import TmxFormat

    cli("init", "--empty")
    first = _memory(3, start=20_000) if held else []
    if held:
        (tmp_path / "held.tmx").write_bytes(TmxFormat().write(first))
        assert cli("import", str(tmp_path / "held.tmx")).exit_code == 0
    units = _memory(12_000)
    units[7_000] = units[10]  # a duplicate in the second batch of one in the first
    units[11_999] = _memory(1, start=20_001)[0]  # one the store may hold
    units[11_998] = _memory(1, start=20_001)[0]
    path = tmp_path / "memory.tmx"
    path.write_bytes(TmxFormat().write(units))
    result = cli("import", str(path), "--json")
    assert result.exit_code == 0, result.stderr
    report = json.loads(result.stdout)
    assert report["units"] == ({"added": 11_997, "merged": 3} if held else {"added": 11_998, "merged": 2})
    assert report["concepts"] is None
    assert report["report"][0].startswith("read 12000 translation units from 12000 <tu>")
    expected = list(dict.fromkeys((u.source, u.target) for u in first + units))
    assert _stored_texts(cli.url) == expected
    again = json.loads(cli("import", str(path), "--json", "--dry-run").stdout)
    assert again["units"] == {"added": 0, "merged": 12_000} and again["dry_run"]  # what the import would do
    assert json.loads(cli("import", str(path), "--json").stdout)["units"] == {"added": 0, "merged": 12_000}


def _termbase(n: int, start: int = 0) -> list:
    from termbank.model import Concept, Term

    return [Concept(id=f"bn-{i}", category="unit", terms=(Term("en", f"Battalion {i}"), Term("es", f"Batallón {i}")))
            for i in range(start, start + n)]


# A flaw near the end of each format, after a batch of 5,000 was stored: (bytes, message,
# its line counted from the flaw's first line, or None: wherever the parser stops).
_FLAWS = {
    ("tmx", "entry"): (b'  <tu>\n      <note>Alone.</note>\n    </tu>\n  ', "<tu> has no <tuv>", 0),
    ("tmx", "syntax"): (b"  <tu>\n  ", "not well-formed XML", None),
    ("tbx", "entry"): (b'  <conceptEntry id="late">\n<langSec><termSec><term>x</term></termSec></langSec>\n'
                       b"</conceptEntry>\n    ", "<langSec> without xml:lang", 1),
    ("tbx", "syntax"): (b"  <conceptEntry>\n  ", "not well-formed XML", None),
}


@pytest.mark.parametrize("name, flaw", sorted(_FLAWS))
def test_import_found_bad_after_stored_batches_keeps_nothing(filled_cli, tmp_path, name, flaw):
    # Units or concepts of the first batches are in the database when the reader meets the
    # flaw near the end: the transaction is rolled back, the store is byte for byte as it was.
    from termbank.formats.tbx import TbxFormat
    from termbank.formats.tmx import TmxFormat

    good = TmxFormat().write(_memory(6_000)) if name == "tmx" else TbxFormat().write(_termbase(6_000))
    cut = good.rindex(b"</body>")
    bad, message, offset = _FLAWS[(name, flaw)]
    path = tmp_path / f"file.{name}"
    path.write_bytes(good[:cut] + bad + good[cut:])
    before, raw_before = snapshot(filled_cli.url), sqlite_bytes(filled_cli.url)
    result = filled_cli("import", str(path))
    assert result.exit_code == 3, result.stdout
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in result.stderr
    line = good.count(b"\n", 0, cut) + 1 + offset if offset is not None else r"\d+"
    assert re.search(rf"file\.{name}:{line}: {re.escape(message)}", lines[0]), lines[0]
    assert snapshot(filled_cli.url) == before
    if raw_before is not None:
        assert sqlite_bytes(filled_cli.url) == raw_before


def test_termbase_import_stores_concepts_as_read(cli, tmp_path):
    # A TBX is stored a batch of concepts at a time as it is parsed; entries without an id
    # get theirs at the end, one no entry of the file has, as TbxFormat.read gives them.
    from termbank import api
    from termbank.formats.tbx import TbxFormat
    from termbank.store import repo

    cli("init", "--empty")
    # TBX 2008 (martif), where an entry may have no id: here two, one in each batch, and
    # an entry whose id is what the first of them would get from its English term.
    ids = {i: f' id="bn-{i}"' for i in range(12_000)} | {3: "", 7_001: "", 11_999: ' id="battalion-3"'}
    data = ('<martif type="TBX-Basic" xml:lang="en"><martifHeader><fileDesc><sourceDesc><p>t</p></sourceDesc>'
            "</fileDesc></martifHeader><text><body>\n" + "".join(
                f'<termEntry{ids[i]}><langSet xml:lang="en"><tig><term>Battalion {i}</term></tig></langSet>'
                f'<langSet xml:lang="es"><tig><term>Batallón {i}</term></tig></langSet></termEntry>\n'
                for i in range(12_000)) + "</body></text></martif>\n").encode()
    path = tmp_path / "termbase.tbx"
    path.write_bytes(data)
    read = TbxFormat().read(data, str(path)).concepts
    assert {c.id for c in read} >= {"battalion-3", "battalion-3-2", "battalion-7001"}
    report = json.loads(cli("import", str(path), "--json").stdout)
    assert report["concepts"] == {"added": 12_000, "updated": 0, "unchanged": 0} and report["units"] is None
    assert report["report"][0].startswith("read 12000 concepts with 24000 terms")
    with api.open_database(cli.url).read() as session:
        stored = {c.id: c.terms for c in repo.iter_concepts(session)}
    assert stored == {c.id: c.terms for c in read}
    again = json.loads(cli("import", str(path), "--json", "--dry-run").stdout)
    assert again["concepts"] == {"added": 0, "updated": 0, "unchanged": 12_000}
    assert json.loads(cli("import", str(path), "--json").stdout)["concepts"]["unchanged"] == 12_000


def test_memory_import_retried_reads_the_file_again(cli, tmp_path, monkeypatch):
    # A write transaction that fails on a lock is run again from the start (Store.run_write):
    # the streamed import must then read the file again, not go on from where it stopped.
    # The lock error is injected after the first batch was stored, as a busy database would.
    import sqlite3

    from sqlalchemy.exc import OperationalError

    from termbank import api
    from termbank.formats.tmx import TmxFormat
    from termbank.store import repo

    cli("init", "--empty")
    path = tmp_path / "memory.tmx"
    path.write_bytes(TmxFormat().write(_memory(7_000)))
    real = repo.add_units
    calls = []

    def busy_once(session, units, author=None, **kw):
        calls.append(1)
        if len(calls) == 1:
            it = iter(units)
            real(session, [next(it) for _ in range(5_000)], author)
            raise OperationalError("INSERT INTO tm_unit", {}, sqlite3.OperationalError("database is locked"))
        return real(session, units, author, **kw)

    monkeypatch.setattr(repo, "add_units", busy_once)
    store = api.open_database(cli.url)
    report = api.import_file(store, str(path))
    assert store.retries == 1 and len(calls) == 2
    assert report["units"] == {"added": 7_000, "merged": 0}
    assert _stored_texts(cli.url) == [(u.source, u.target) for u in _memory(7_000)]


@pytest.mark.skipif(not Path("/dev/fd").is_dir(), reason="needs /dev/fd (as bash's <(...) does)")
@pytest.mark.parametrize("name", ["tmx", "tbx"])
def test_import_from_a_pipe_reads_it_once(cli, name):
    # `termbank import <(gunzip -c memory.tmx.gz)`: a pipe can be read only once, so its
    # bytes are read whole (a regular file is parsed from its path, issue 8).
    import os
    import threading

    from termbank.formats.tbx import TbxFormat
    from termbank.formats.tmx import TmxFormat
    from termbank.model import Concept, Term

    cli("init", "--empty")
    if name == "tmx":
        data = TmxFormat().write(_memory(1_000))
    else:
        data = TbxFormat().write([Concept(id=f"c{i}", category="unit",
                                          terms=(Term("en", f"Battalion {i}"), Term("es", f"Batallón {i}")))
                                  for i in range(1_000)])
    assert len(data) > 65_536  # more than the head read to tell the format
    read_end, write_end = os.pipe()

    def write() -> None:
        with os.fdopen(write_end, "wb") as out:
            out.write(data)

    writer = threading.Thread(target=write)
    writer.start()
    try:
        result = cli("import", f"/dev/fd/{read_end}", "--json")
    finally:
        os.close(read_end)  # a reader that stopped early must not leave the writer blocked
        writer.join()
    assert result.exit_code == 0, result.stderr
    report = json.loads(result.stdout)
    assert (report["units"] if name == "tmx" else report["concepts"])["added"] == 1_000


@needs_interop
def test_inline_codes_kept_on_import_come_back_on_export(cli, tmp_path):
    from lxml import etree

    source = INTEROP / "tmx" / "omegat-tests" / "test-save-tmx14.tmx"
    assert cli("init", "--empty").exit_code == 0
    assert cli("import", str(source), "--inline", "keep").exit_code == 0
    out = tmp_path / "back.tmx"
    result = cli("export", "--format", "tmx", "--inline", "keep", "-o", str(out))
    assert result.exit_code == 0, result.stderr

    def segs(path):
        return [etree.tostring(seg, encoding="unicode", with_tail=False) for seg in etree.parse(str(path)).iter("seg")]

    assert segs(out) == segs(source) and any("<ph " in s for s in segs(out))
    dtd = etree.DTD(str(INTEROP / "tmx" / "tmx14.dtd"))
    assert dtd.validate(etree.parse(str(out))), dtd.error_log
    wrong = cli("export", "--format", "tbx", "--inline", "keep")
    assert wrong.exit_code == 2 and "--format tmx only" in wrong.stderr


@needs_interop
def test_units_kept_with_inline_codes_are_searched_by_their_words_and_export_beside_plain_ones(cli, tmp_path):
    from lxml import etree

    assert cli("init", "--empty").exit_code == 0
    source = INTEROP / "tmx" / "tmx-compliance-kit" / "ImportTest2A.tmx"
    assert cli("import", str(source), "--inline", "keep").exit_code == 0
    hits = json.loads(cli("tm", "search", "The big black cat sleeps.", "--from", "en", "--json").stdout)
    assert hits and hits[0]["score"] == 100 and "<bpt" in hits[0]["source"]
    # A plain unit with "&" beside them: the keep-mode export writes it as text.
    assert cli("tm", "add", "The R&D budget grew.", "El presupuesto de I+D creció.").exit_code == 0
    out = tmp_path / "mixed.tmx"
    result = cli("export", "--format", "tmx", "--inline", "keep", "-o", str(out))
    assert result.exit_code == 0, result.stderr
    dtd = etree.DTD(str(INTEROP / "tmx" / "tmx14.dtd"))
    assert dtd.validate(etree.parse(str(out))), dtd.error_log
    assert "The R&D budget grew." in [seg.text for seg in etree.parse(str(out)).iter("seg")]


@needs_interop
def test_an_id_reused_for_another_concept_is_replaced_with_a_warning(cli):
    # Both official samples call their concept "c1": a file, then an open cluster.
    assert cli("init", "--empty").exit_code == 0
    assert cli("import", str(INTEROP / "tbx" / "minimal_en-es_TBX-Basic.tbx")).exit_code == 0
    astronomy = INTEROP / "tbx" / "tbx-v3-basic" / "samples" / "Example_Astronomy_DCA_VALID.tbx"
    for args in (["--dry-run"], []):
        report = json.loads(cli("import", str(astronomy), "--json", *args).stdout)
        warnings = [line for line in report["report"] if line.startswith("warning:")]
        assert warnings == ["warning: 1 concept replaced by one sharing no term with it (the same id for two "
                            "concepts?): c1; `termbank show ID --history` has the replaced version"]
    history = json.loads(cli("show", "c1", "--history", "--json").stdout)["history"]
    assert [h["action"] for h in history] == ["import", "import"]
    # A concept updated that keeps its terms is an ordinary update: no warning.
    assert cli("edit", "c1", "--note", "a local note").exit_code == 0
    again = json.loads(cli("import", str(astronomy), "--json").stdout)
    assert again["concepts"]["updated"] == 1
    assert not [line for line in again["report"] if line.startswith("warning:")]


def test_a_file_too_large_to_read_whole_is_refused(filled_cli, tmp_path, monkeypatch):
    # The real limits are 2 GiB and 256 MB (against `import /dev/zero`); here, 1,000 bytes.
    from termbank import articles
    from termbank.formats import base

    monkeypatch.setattr(base, "WHOLE_FILE_LIMIT", 1000)
    monkeypatch.setattr(articles, "ARTICLE_LIMIT", 1000)
    glossary = tmp_path / "big.csv"
    glossary.write_text("".join(f"frigate {i},fragata {i}\n" for i in range(100)), encoding="utf-8")
    before = snapshot(filled_cli.url)
    result = filled_cli("import", str(glossary))
    assert result.exit_code == 3 and "too large for this format" in result.stderr
    assert snapshot(filled_cli.url) == before
    article = tmp_path / "big.en.txt"
    article.write_text("The frigate sailed. " * 100, encoding="utf-8")
    result = filled_cli("annotate", str(article))
    assert result.exit_code == 3 and "not an article" in result.stderr
    glossary.write_text("frigate,fragata\n", encoding="utf-8")
    assert filled_cli("import", str(glossary), "--dry-run").exit_code == 0


def _tmx_unit_by(author: str) -> bytes:
    return ('<?xml version="1.0" encoding="UTF-8"?>\n<tmx version="1.4"><header creationtool="t" '
            'creationtoolversion="1" segtype="sentence" o-tmf="t" adminlang="en" srclang="en" datatype="plaintext"/>'
            f'<body><tu creationid="{author}"><tuv xml:lang="en"><seg>The fleet sailed.</seg></tuv>'
            '<tuv xml:lang="es"><seg>La flota zarpó.</seg></tuv></tu></body></tmx>\n').encode()


@pytest.mark.parametrize("name, content, message", [
    ("long-id.json", json.dumps({"concepts": [{"id": "c" * 201, "terms": [
        {"lang": "en", "text": "tank"}, {"lang": "es", "text": "tanque"}]}]}).encode(),
     "is 201 characters long; at most 200"),
    ("long-geo.json", json.dumps({"concepts": [{"id": "c1", "terms": [
        {"lang": "en", "text": "tank", "geo": "US" * 51}, {"lang": "es", "text": "tanque"}]}]}).encode(),
     "the geographical usage of 'tank' is 102 characters long; at most 100"),
    ("long-author.tmx", _tmx_unit_by("a" * 201), "is 201 characters long; at most 200"),
])
def test_what_one_database_would_refuse_is_refused_on_both(filled_cli, tmp_path, name, content, message):
    # SQLite stores any length; PostgreSQL's VARCHAR does not. The same file gets the same
    # one-line error on both, before anything is written.
    path = tmp_path / name
    path.write_bytes(content)
    before, raw_before = snapshot(filled_cli.url), sqlite_bytes(filled_cli.url)
    for extra in ((), ("--dry-run",)) if name.endswith(".json") else ((),):
        result = filled_cli("import", str(path), *extra)
        assert result.exit_code == 3, result.stdout
        lines = result.stderr.strip().splitlines()
        assert len(lines) == 1 and lines[0].startswith(f"termbank: error: {path}: ") and message in lines[0]
    assert snapshot(filled_cli.url) == before
    if raw_before is not None:
        assert sqlite_bytes(filled_cli.url) == raw_before
    long_id = filled_cli("add", "--id", "c" * 201, "--en", "hovercraft", "--es", "aerodeslizador")
    assert long_id.exit_code == 2 and "is 201 characters long; at most 200" in long_id.stderr
    long_author = filled_cli("--author", "a" * 201, "add", "--en", "hovercraft", "--es", "aerodeslizador")
    assert long_author.exit_code == 2 and "--author is 201 characters long" in long_author.stderr
    assert snapshot(filled_cli.url) == before


def test_a_column_named_id_in_a_term_set_glossary_is_called_a_language(cli, tmp_path):
    path = tmp_path / "sets.csv"
    path.write_text("id,en,es\nkapal perang,warship,buque de guerra\n", encoding="utf-8")
    result = cli("import", str(path), "--json")
    assert result.exit_code == 0
    report = json.loads(result.stdout)["report"]
    assert any(line.startswith("warning: column 'id' read as Indonesian terms") for line in report)


def test_a_glossary_cell_of_zero_width_characters_is_an_empty_cell(cli, tmp_path):
    # Pasted from a web page, a cell can hold a byte-order mark or a zero-width space and
    # nothing else: read as empty, so the row is skipped as a one-sided row is.
    path = tmp_path / "pasted.csv"
    path.write_text("English,Spanish\nfrigate,fragata\n\ufeff\u200b,corbeta\ncorvette,\u2060\u00ad\n", encoding="utf-8")
    result = cli("import", str(path), "--json")
    assert result.exit_code == 0, result.stderr
    report = json.loads(result.stdout)
    assert report["concepts"]["added"] == 1 and report["skipped"] == 2
    assert any("skipped 2 rows without two terms (lines 3, 4)" in line for line in report["report"])
    added = cli("add", "--en", "\u200b", "--es", "corbeta")
    assert added.exit_code == 2 and "has no text" in added.stderr
    unit = cli("tm", "add", "The corvette sailed.", "\ufeff\u200b")
    assert unit.exit_code == 2 and "needs a source text and a target text" in unit.stderr
    assert json.loads(cli("stats", "--json").stdout)["terms"] == 2
    memory = tmp_path / "pasted.tmx"
    memory.write_bytes(_tmx_unit_by("ana").replace(b"</body>", (
        '<tu><tuv xml:lang="en"><seg>The corvette sailed.</seg></tuv>'
        '<tuv xml:lang="es"><seg>\u200b\u00ad</seg></tuv></tu></body>').encode()))
    report = json.loads(cli("import", str(memory), "--json").stdout)
    assert report["units"] == {"added": 1, "merged": 0} and report["skipped"] == 1


def test_a_long_id_a_sqlite_file_took_before_the_limit_stays_editable(tmp_path, cli_at):
    import sqlite3

    path = tmp_path / "older.db"
    run = cli_at(f"sqlite:///{path}")
    assert run("init", "--empty").exit_code == 0
    long_id = "c" * 250
    with sqlite3.connect(path) as conn:  # as a termbank without the limit stored it
        conn.execute("INSERT INTO concept (id, category, version, created_at, updated_at) "
                     "VALUES (?, 'other', 1, '2026-01-01 00:00:00', '2026-01-01 00:00:00')", (long_id,))
        conn.execute("INSERT INTO term (concept_id, position, lang, text, type, status) "
                     "VALUES (?, 0, 'en', 'hovercraft', 'fullForm', 'preferred')", (long_id,))
    assert run("edit", long_id, "--note", "kept").exit_code == 0
    exported = tmp_path / "older.json"
    assert run("export", "--format", "json", "-o", str(exported)).exit_code == 0
    again = run("import", str(exported), "--json", "--min-languages", "1")
    assert again.exit_code == 0, again.stderr
    assert json.loads(again.stdout)["concepts"]["unchanged"] == 1


@pytest.mark.parametrize("fmt", ["json", "tbx", "csv"])
def test_concept_dates_in_a_file_are_kept_on_import(filled_cli, tmp_path, fmt):
    # A termbase exported and imported elsewhere keeps when its concepts were made and
    # last changed (before, every concept got the time of the import).
    dump = json.loads(filled_cli("export", "--format", "json").stdout)
    dump["concepts"] = [dict(c, created_at="2020-05-01T10:00:00+00:00", updated_at="2021-02-03T04:05:06+00:00")
                        for c in dump["concepts"] if c["id"] in ("us-army", "mx-semar")]
    first, second = f"sqlite:///{tmp_path / 'first.db'}", f"sqlite:///{tmp_path / 'second.db'}"
    source = tmp_path / "dated.json"
    source.write_text(json.dumps(dump), encoding="utf-8")
    assert filled_cli("--db", first, "import", str(source), db=False).exit_code == 0
    moved = tmp_path / f"dated.{fmt}"
    assert filled_cli("--db", first, "export", "--format", fmt, "-o", str(moved), db=False).exit_code == 0
    result = filled_cli("--db", second, "import", str(moved), db=False)
    assert result.exit_code == 0, result.stderr
    for db in (first, second):
        shown = json.loads(filled_cli("--db", db, "show", "us-army", "--json", db=False).stdout)
        assert (shown["created_at"][:19], shown["updated_at"][:19]) == ("2020-05-01T10:00:00", "2021-02-03T04:05:06")


def test_a_control_character_in_a_term_is_refused_before_anything_is_written(filled_cli, tmp_path):
    # No TBX or TMX file can carry U+0001: the export dropped it silently.
    db_url = filled_cli.url
    before = snapshot(db_url)
    added = filled_cli("add", "--id", "ctl", "--en", "bad\x01term", "--es", "malo")
    assert added.exit_code == 2 and "U+0001" in added.stderr
    path = tmp_path / "ctl.csv"
    path.write_text('id,term:en,term:es\nc1,ok,bien\nc2,"ok\x02x",bien\n', encoding="utf-8")
    imported = filled_cli("import", str(path))
    assert imported.exit_code == 3 and "ctl.csv" in imported.stderr and "U+0002" in imported.stderr
    assert snapshot(db_url) == before
    # A concept an earlier version stored with one stays editable; edit adds none.
    with create_engine(db_url).begin() as conn:
        conn.execute(text("UPDATE term SET text = 'Army\x01' WHERE concept_id = 'us-army' AND text = 'Army'"))
    assert filled_cli("edit", "us-army", "--note", "checked").exit_code == 0
    added = filled_cli("edit", "us-army", "--add-term", "en:bad\x02term")
    assert added.exit_code == 2 and "U+0002" in added.stderr
    noted = filled_cli("edit", "us-army", "--note", "page\x0cbreak")
    assert noted.exit_code == 2 and "--note" in noted.stderr and "U+000C" in noted.stderr
    path.write_text('id,definition,term:en,term:es\nc3,"vertical\x0btab",ok,bien\n', encoding="utf-8")
    imported = filled_cli("import", str(path))
    assert imported.exit_code == 3 and "definition" in imported.stderr


def test_a_memory_comes_back_with_its_tuids_change_dates_and_repeated_props(cli, tmp_path):
    from lxml import etree

    cli("init", "--empty")
    source = tmp_path / "client.tmx"
    source.write_text(
        '<?xml version="1.0" encoding="UTF-8"?>\n<tmx version="1.4"><header creationtool="x" '
        'creationtoolversion="1" segtype="sentence" o-tmf="x" adminlang="en" srclang="en" datatype="plaintext"/>'
        '<body><tu tuid="ABC-7" changeid="ana" changedate="20240102T030405Z" usagecount="4">'
        '<prop type="x-client">SEMAR</prop><prop type="x-client">SEDENA</prop>'
        '<tuv xml:lang="en"><seg>The Navy sailed.</seg></tuv><tuv xml:lang="es"><seg>La Armada zarpó.</seg></tuv>'
        "</tu></body></tmx>\n", encoding="utf-8")
    assert cli("import", str(source)).exit_code == 0
    out = tmp_path / "back.tmx"
    assert cli("export", "--format", "tmx", "-o", str(out)).exit_code == 0
    if INTEROP.exists():
        dtd = etree.DTD(str(INTEROP / "tmx/tmx14.dtd"))
        assert dtd.validate(etree.parse(str(out))), dtd.error_log.filter_from_errors()[:3]
    (tu,) = etree.parse(str(out)).iter("tu")
    assert {k: tu.get(k) for k in ("tuid", "changeid", "changedate", "usagecount")} == {
        "tuid": "ABC-7", "changeid": "ana", "changedate": "20240102T030405Z", "usagecount": "4"}
    assert [(p.get("type"), p.text) for p in tu.iter("prop")] == [("x-client", "SEMAR"), ("x-client", "SEDENA")]
