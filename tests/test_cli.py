"""The command-line contract of SPEC.md: commands, JSON shapes, exit codes, one-line errors."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from termbank.config import redact_url


def _one_line_error(result) -> str:
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert "Traceback" not in result.stderr
    return lines[0]


def test_init_empty_then_stats_shows_zero(cli):
    assert cli("init", "--empty").exit_code == 0
    result = cli("stats", "--json")
    assert result.exit_code == 0
    data = json.loads(result.stdout)
    assert (data["concepts"], data["terms"], data["tm_units"]) == (0, 0, 0)


def test_init_twice_gives_same_counts(cli):
    first = cli("init", "--json")
    assert first.exit_code == 0, first.stderr
    counts1 = json.loads(first.stdout)
    second = json.loads(cli("init", "--json").stdout)
    assert counts1["concepts"] >= 400
    assert (counts1["concepts"], counts1["terms"]) == (second["concepts"], second["terms"])
    assert second["loaded"]["added"] == 0 and second["loaded"]["updated"] == 0


def test_init_again_keeps_what_the_desk_changed_and_updates_the_rest(cli, db_url):
    from dataclasses import replace

    from termbank.store import repo
    from termbank.store.db import open_store

    assert cli("init").exit_code == 0
    assert cli("edit", "us-col", "--note", "House style: spell it out.").exit_code == 0
    assert cli("remove", "us-maj").exit_code == 0
    shipped = json.loads(cli("show", "us-gen", "--json").stdout)
    # An earlier release loaded another version of us-gen: the loader's, so init updates it.
    store = open_store(db_url)
    try:
        old = store.run_write(lambda s: repo.require_concept(s, "us-gen"))
        store.run_write(lambda s: repo.save_concept(s, replace(old, note="an older note"), "termbank", action="init"))
    finally:
        store.dispose()

    again = cli("init")
    assert again.exit_code == 0, again.stderr
    assert "0 added, 1 updated" in again.stdout
    assert "kept as changed in this database, not reloaded: us-col, us-maj" in again.stdout
    loaded = json.loads(cli("init", "--json").stdout)["loaded"]
    assert (loaded["added"], loaded["updated"], sorted(loaded["kept"])) == (0, 0, ["us-col", "us-maj"])
    assert json.loads(cli("show", "us-col", "--json").stdout)["note"] == "House style: spell it out."
    assert cli("show", "us-maj").exit_code == 2
    assert json.loads(cli("show", "us-gen", "--json").stdout)["note"] == shipped.get("note")


def test_named_database_is_not_created_by_read_commands(cli, db_url):
    result = cli("stats")
    assert result.exit_code == 4
    assert "termbank init" in _one_line_error(result)


@pytest.mark.parametrize("empty", ["", "  "])
def test_an_empty_db_option_is_refused_not_taken_for_the_default(cli, empty, _isolated_home):
    # A script passing an unset variable must not touch the user's own termbase.
    result = cli("--db", empty, "stats", db=False)
    assert result.exit_code == 2
    assert "--db is empty" in _one_line_error(result)
    assert not list(_isolated_home.rglob("*.db"))  # the default database was not created


def test_default_database_fills_itself_on_first_use(cli):
    result = cli("stats", "--json", db=False)
    assert result.exit_code == 0, result.stderr
    assert json.loads(result.stdout)["concepts"] >= 400


def test_add_show_edit_remove_round(cli):
    cli("init", "--empty")
    added = cli("add", "--category", "rank", "--en", "staff sergeant", "--term", "en:abbreviation:Staff Sgt.",
                "--es", "sargento segundo", "--note", "E-6", "--json")
    assert added.exit_code == 0, added.stderr
    concept = json.loads(added.stdout)
    assert concept["id"] == "staff-sergeant"
    assert [(t["lang"], t["text"], t["status"]) for t in concept["terms"]] == [
        ("en", "staff sergeant", "preferred"), ("es", "sargento segundo", "preferred"),
        ("en", "Staff Sgt.", "admitted"),
    ]
    shown = json.loads(cli("show", "staff-sergeant", "--json").stdout)
    assert shown["note"] == "E-6" and shown["version"] == 1

    edited = cli("edit", "staff-sergeant", "--add-term", "es:abbreviation:Sgto. 2/o.",
                 "--set-status", "es:sargento segundo=preferred", "--if-version", "1", "--json")
    assert edited.exit_code == 0, edited.stderr
    assert json.loads(edited.stdout)["version"] == 2

    stale = cli("edit", "staff-sergeant", "--note", "late", "--if-version", "1")
    assert stale.exit_code == 4
    assert "tester" in _one_line_error(stale)  # names who changed it

    history = json.loads(cli("show", "staff-sergeant", "--history", "--json").stdout)["history"]
    assert [h["action"] for h in history] == ["add", "edit"]
    assert history[1]["author"] == "tester"

    assert cli("remove", "staff-sergeant").exit_code == 0
    missing = cli("show", "staff-sergeant")
    assert missing.exit_code == 2
    assert "staff-sergeant" in _one_line_error(missing)


@pytest.mark.parametrize(
    "args, code",
    [
        (["add", "--en", "x", "--category", "weapon"], 2),
        (["add", "--term", "xx-QQ:thing"], 2),
        (["add"], 2),
        (["lookup", "general", "--from", "fr"], 2),
        (["lookup", "general", "--to", "klingon"], 2),
        (["edit", "nope", "--note", "x"], 2),
        (["remove", "nope"], 2),
        (["no-such-command"], 2),
    ],
)
def test_errors_exit_codes(filled_cli, args, code):
    result = filled_cli(*args)
    assert result.exit_code == code
    assert "Traceback" not in result.stderr


def test_add_refuses_duplicate_id(cli):
    cli("init", "--empty")
    assert cli("add", "--id", "x1", "--en", "a", "--es", "b").exit_code == 0
    again = cli("add", "--id", "x1", "--en", "c")
    assert again.exit_code == 2
    assert "x1" in _one_line_error(again)


def test_bad_url_is_a_usage_error_without_password(cli):
    result = cli("--db", "not a url:secret", "stats", db=False)
    assert result.exit_code == 2
    assert "secret" not in result.stderr or "***" in result.stderr


def test_redact_url_hides_password():
    assert "hunter2" not in redact_url("postgresql+psycopg://ana:hunter2@db/termbank")


# -- lookup (SPEC: lookup --json) ----------------------------------------------------------
def test_lookup_abbreviation_shows_translation(filled_cli):
    result = filled_cli("lookup", "Tte. Gral.")
    assert result.exit_code == 0, result.stderr
    assert "lieutenant general" in result.stdout
    assert "Lt. Gen." in result.stdout


def test_lookup_json_shape_and_folded_sedena(filled_cli):
    result = filled_cli("lookup", "secretaria de la defensa nacional", "--json")
    assert result.exit_code == 0, result.stderr
    hits = json.loads(result.stdout)
    first = hits[0]
    assert set(first) >= {"concept", "category", "matched", "lang", "match", "score", "suggestion", "translations"}
    assert first["match"] == "folded"
    assert first["matched"] == "Secretaría de la Defensa Nacional"
    assert first["category"] == "institution"
    assert any(t["text"] == "SEDENA" for t in json.loads(filled_cli("show", first["concept"], "--json").stdout)["terms"])
    assert first["suggestion"]
    for t in first["translations"]:
        assert set(t) == {"text", "lang", "status", "type"} and t["lang"].startswith("en")


def _united_states(hits):
    return [h for h in hits if any(t["text"] == "United States" for t in h["translations"]) or h["matched"] in ("US", "U.S.")]


def test_lookup_us_is_case_sensitive(filled_cli):
    lower = json.loads(filled_cli("lookup", "us", "--json").stdout)
    strong = {"exact", "folded", "variant", "inflected"}
    assert not [h for h in lower if h["matched"] in ("US", "U.S.") and h["match"] in strong]
    for query in ("US", "U.S."):
        hits = json.loads(filled_cli("lookup", query, "--json").stdout)
        assert hits and hits[0]["matched"] in ("US", "U.S.") and hits[0]["match"] in strong, hits[:1]
        assert hits[0]["suggestion"] in ("Estados Unidos", "EE. UU.")


def test_lookup_unmatched_prints_empty_array(filled_cli):
    result = filled_cli("lookup", "zzqxv", "--json")
    assert result.exit_code == 0
    assert json.loads(result.stdout) == []


def test_lookup_to_locale_prefers_locale_term(filled_cli):
    hits = json.loads(filled_cli("lookup", "major", "--from", "en", "--to", "es-ES", "--json").stdout)
    assert hits, "no hit for 'major'"
    es_es = [t for t in hits[0]["translations"] if t["lang"] == "es-ES"]
    if es_es:
        assert hits[0]["suggestion"] == es_es[0]["text"]


def test_lookup_to_a_locale_keeps_the_querys_role(filled_cli):
    # es-MX has its own abbreviations ("Sbtte."); a full form still gets a full form.
    def suggestion(query):
        return json.loads(filled_cli("lookup", query, "--to", "es-MX", "--json").stdout)[0]["suggestion"]

    assert suggestion("second lieutenant") == "subteniente"
    assert suggestion("2nd Lt.") == "Sbtte."
    for command in (["lookup", "major"], ["annotate", "-"]):
        result = filled_cli(*command, "--to", "fr")
        assert result.exit_code == 2 and "English and Spanish" in result.stderr


def test_a_termbase_without_concepts_checks_extracts_and_pretranslates(cli, tmp_path):
    # The cached matcher of an empty termbase has no automaton to pickle.
    assert cli("init", "--empty").exit_code == 0
    assert cli("tm", "add", "The Navy sent four ships.", "La Armada envió cuatro buques.", "--from", "en").exit_code == 0
    en, es = tmp_path / "a.en.txt", tmp_path / "a.es.txt"
    en.write_text("The Navy sent 4 ships.\n", encoding="utf-8")
    es.write_text("La Armada envió 5 buques.\n", encoding="utf-8")
    for _ in range(2):  # built, then loaded from the cache
        checked = cli("check", str(en), str(es), "--json")
        assert checked.exit_code == 1, checked.stderr
        assert [f["kind"] for f in json.loads(checked.stdout)["findings"]] == ["number-mismatch"]
        extracted = cli("extract", str(en))
        assert extracted.exit_code == 0, extracted.stderr
        pre = cli("tm", "pretranslate", str(en), "--json")
        assert pre.exit_code == 0, pre.stderr
        assert json.loads(pre.stdout)["sentences"][0]["match"]["id"] == "1"
        annotated = cli("annotate", str(en), "--format", "json")
        assert annotated.exit_code == 0 and json.loads(annotated.stdout)["mentions"] == []


@pytest.mark.parametrize("command", ["annotate", "check", "extract"])
@pytest.mark.parametrize("where", ["missing/out.txt", "."])
def test_an_output_that_cannot_be_written_is_a_usage_error(filled_cli, tmp_path, command, where):
    en, es = tmp_path / "a.en.txt", tmp_path / "a.es.txt"
    en.write_text("Gen. Guillot met the Navy.\n", encoding="utf-8")
    es.write_text("El Gral. Guillot se reunió con la Armada.\n", encoding="utf-8")
    files = [str(en), str(es)] if command == "check" else [str(en)]
    result = filled_cli(command, *files, "--output", str(tmp_path / where))
    assert result.exit_code == 2
    assert _one_line_error(result).startswith(f"termbank: error: {tmp_path / where}: cannot write:")


def test_output_never_replaces_an_input_or_the_database(filled_cli, db_url, tmp_path):
    article = tmp_path / "a.en.txt"
    article.write_text("Gen. Guillot met the Navy.\n", encoding="utf-8")
    kept = article.read_bytes()
    result = filled_cli("annotate", str(article), "--output", str(article))
    assert result.exit_code == 2 and "is an input file" in _one_line_error(result)
    assert article.read_bytes() == kept
    if db_url.startswith("sqlite:///"):
        database = Path(db_url.removeprefix("sqlite:///"))
        before = database.read_bytes()
        result = filled_cli("export", "--format", "csv", "--output", str(database))
        assert result.exit_code == 2 and "is the database" in _one_line_error(result)
        assert database.read_bytes() == before


def test_output_is_replaced_only_by_a_finished_run(filled_cli, tmp_path):
    out = tmp_path / "report.json"
    out.write_text("the previous report\n", encoding="utf-8")
    out.chmod(0o640)
    binary = tmp_path / "scan.txt"
    binary.write_bytes(b"\x00\x01binary" * 100)
    # No file could be read: the previous report stays.
    failed = filled_cli("annotate", str(binary), "--format", "json", "--output", str(out))
    assert failed.exit_code == 3
    assert out.read_text(encoding="utf-8") == "the previous report\n"
    # A finished run replaces it, through a link too, keeping the file's permissions.
    article = tmp_path / "a.en.txt"
    article.write_text("Gen. Guillot met the Navy.\n", encoding="utf-8")
    link = tmp_path / "latest.json"
    link.symlink_to(out.name)
    done = filled_cli("annotate", str(article), "--format", "json", "--output", str(link))
    assert done.exit_code == 0, done.stderr
    assert link.is_symlink() and json.loads(out.read_text(encoding="utf-8"))["file"] == str(article)
    assert out.stat().st_mode & 0o777 == 0o640
    assert not list(tmp_path.glob(".termbank-*"))  # no temporary file left behind


def test_odd_option_values_are_one_line_errors_or_clamped(filled_cli, tmp_path):
    article = tmp_path / "a.en.txt"
    article.write_text("Gen. Guillot met the Navy.\n", encoding="utf-8")
    for args in (["annotate", str(article), "--encoding", "rot13"], ["extract", str(article), "--encoding", "base64"]):
        result = filled_cli(*args)
        assert result.exit_code == 2 and "is not a text encoding" in _one_line_error(result)
    gone = filled_cli("tm", "remove", str(10**23))
    assert gone.exit_code == 2 and "no translation unit" in _one_line_error(gone)
    hits = filled_cli("lookup", "SEDENAS", "--limit", str(10**23), "--json")
    assert hits.exit_code == 0 and json.loads(hits.stdout)[0]["concept"] == "mx-sedena"


def test_a_folder_that_cannot_be_read_is_a_bad_input(filled_cli, tmp_path):
    import os
    import shutil
    import subprocess
    import sys

    # Root reads any folder: the commands then run without that capability (setpriv).
    prefix = []
    if os.geteuid() == 0:
        if not shutil.which("setpriv"):
            pytest.skip("root may read any folder, and setpriv is not there to drop that")
        prefix = ["setpriv", "--bounding-set=-dac_override,-dac_read_search", "--inh-caps=-dac_override,-dac_read_search"]
    folder = tmp_path / "locked"
    folder.mkdir()
    (folder / "a.en.txt").write_text("Gen. Guillot met the Navy.\n", encoding="utf-8")
    folder.chmod(0)
    try:
        for command in ("annotate", "extract", "import"):
            code = "from termbank.cli import main; main()"
            result = subprocess.run([*prefix, sys.executable, "-c", code, "--db", filled_cli.url, command,
                                     str(folder / "a.en.txt")], capture_output=True, text=True, timeout=120)
            assert result.returncode == 3, result.stderr
            lines = result.stderr.strip().splitlines()
            assert len(lines) == 1 and "Permission denied" in lines[0] and "Traceback" not in result.stderr
    finally:
        folder.chmod(0o755)


def test_a_database_of_a_newer_termbank_is_refused_unchanged(tmp_path, cli_at):
    import sqlite3

    path = tmp_path / "newer.db"
    run = cli_at(f"sqlite:///{path}")
    assert run("init", "--empty").exit_code == 0
    with sqlite3.connect(path) as conn:
        conn.execute("UPDATE alembic_version SET version_num = '9999'")
    before = path.read_bytes()
    result = run("stats")
    assert result.exit_code == 4
    assert "schema '9999' is not one this termbank knows" in _one_line_error(result)
    assert path.read_bytes() == before


def test_copy_to_an_empty_url_is_a_usage_error(filled_cli):
    result = filled_cli("copy", "--to", " ")
    assert result.exit_code == 2 and "--to is empty" in _one_line_error(result)


def test_edit_refuses_a_term_the_concept_already_has(cli):
    assert cli("init", "--empty").exit_code == 0
    assert cli("add", "--en", "drone", "--es", "dron", "--term", "es:acronym:VANT").exit_code == 0
    again = cli("edit", "drone", "--add-term", "es:VANT")
    assert again.exit_code == 2 and "already has the es term 'VANT'" in _one_line_error(again)
    assert cli("edit", "drone", "--add-term", "es-MX:VANT").exit_code == 0  # another locale's term
    assert [t["lang"] for t in json.loads(cli("show", "drone", "--json").stdout)["terms"]] == ["en", "es", "es", "es-MX"]


def test_a_word_in_capitals_added_without_a_type_is_an_acronym(cli):
    assert cli("init", "--empty").exit_code == 0
    assert cli("add", "--id", "sam", "--en", "SAM", "--es", "misil tierra-aire").exit_code == 0
    assert [t["type"] for t in json.loads(cli("show", "sam", "--json").stdout)["terms"]] == ["acronym", "fullForm"]
    out = cli("annotate", "-", "--lang", "en", "--format", "json", input="Uncle Sam saw the SAM battery.\n").stdout
    assert [m["text"] for m in json.loads(out)["mentions"]] == ["SAM"]


def test_edit_adds_a_second_term_as_admitted_and_finds_the_locale_named(cli):
    assert cli("init", "--empty").exit_code == 0
    assert cli("add", "--id", "uav", "--en", "unmanned aerial vehicle", "--es", "vehículo aéreo no tripulado",
               "--term", "es-MX:shortForm:admitted:aeronave", "--term", "es-ES:shortForm:admitted:aeronave"
               ).exit_code == 0
    assert cli("edit", "uav", "--add-term", "es:dron", "--add-term", "en:abbreviation:preferred:UAV").exit_code == 0
    assert cli("edit", "uav", "--set-status", "es-ES:aeronave=deprecated").exit_code == 0
    terms = {(t["lang"], t["text"]): t["status"] for t in json.loads(cli("show", "uav", "--json").stdout)["terms"]}
    assert terms[("es", "dron")] == "admitted" and terms[("en", "UAV")] == "preferred"
    assert (terms[("es-ES", "aeronave")], terms[("es-MX", "aeronave")]) == ("deprecated", "admitted")
    assert cli("edit", "uav", "--remove-term", "es-ES:aeronave").exit_code == 0
    left = [(t["lang"], t["text"]) for t in json.loads(cli("show", "uav", "--json").stdout)["terms"]]
    assert ("es-MX", "aeronave") in left and ("es-ES", "aeronave") not in left


@pytest.mark.parametrize("args, message", [
    (["lookup", "X", "--limit", "abc"], "Invalid value for '--limit'"),
    (["lookup"], "Missing argument 'query'."),
    (["nosuch"], "No such command 'nosuch'."),
    (["annotate", "--colour"], "No such option: --colour"),
])
def test_usage_errors_of_the_console_script_are_one_line(args, message):
    import subprocess
    import sys

    done = subprocess.run([sys.executable, "-c", "from termbank.cli import main; main()", *args],
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 2
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("termbank: error: ") and message in lines[0], done.stderr
    assert "--help`)" in lines[0]


def test_an_argument_that_is_not_utf8_is_one_line_but_a_file_name_may_be(tmp_path):
    import os
    import subprocess
    import sys

    script = [sys.executable, "-c", "from termbank.cli import main; main()"]
    db = f"sqlite:///{tmp_path / 'tb.db'}"
    bad = subprocess.run([*script, "--db", db, "add", "--en", os.fsdecode(b"bad\x85term"), "--es", "malo"],
                         capture_output=True, timeout=120)
    assert bad.returncode == 2 and bad.stderr.count(b"\n") == 1 and b"not UTF-8 text" in bad.stderr
    assert not (tmp_path / "tb.db").exists()
    article = tmp_path / os.fsdecode(b"art\xe9.en.txt")
    article.write_text("The Navy sailed.\n", encoding="utf-8")
    assert subprocess.run([*script, "--db", db, "init"], capture_output=True, timeout=120).returncode == 0
    done = subprocess.run([*script, "--db", db, "annotate", str(article), "--format", "json", "-q"],
                          capture_output=True, timeout=120)
    assert done.returncode == 0 and b'"Navy"' in done.stdout, done.stderr


def test_the_console_script_alone_shows_its_help():
    import subprocess
    import sys

    done = subprocess.run([sys.executable, "-c", "from termbank.cli import main; main()"],
                          capture_output=True, text=True, timeout=120)
    assert "Usage: " in done.stdout + done.stderr and "lookup" in done.stdout + done.stderr


@pytest.mark.parametrize("version", ["0", "-1", str(10**23)])
def test_if_version_out_of_range_is_a_usage_error_not_a_conflict(filled_cli, version):
    result = filled_cli("edit", "us-col", "--note", "x", "--if-version", version)
    assert result.exit_code == 2 and "was changed by" not in result.stderr
