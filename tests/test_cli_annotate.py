"""`termbank annotate` as SPEC.md describes it: formats, offsets, batch, exit codes."""

from __future__ import annotations

import csv
import io
import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"


def _jsonl(stdout: str) -> list[dict]:
    return [json.loads(line) for line in stdout.splitlines() if line.strip()]


def test_json_is_one_object_per_file_with_exact_offsets(filled_cli):
    result = filled_cli("annotate", "--format", "json", str(EXAMPLES))
    assert result.exit_code == 0, result.stderr
    docs = _jsonl(result.stdout)
    assert {Path(d["file"]).name for d in docs} == {"border-conference.en.txt", "border-conference.es.txt"}
    for doc in docs:
        source = Path(doc["file"]).read_text(encoding="utf-8")
        assert doc["lang"] == ("en" if doc["file"].endswith(".en.txt") else "es")
        assert set(doc) >= {"file", "lang", "mentions", "summary"}
        last_end = 0
        for m in doc["mentions"]:
            assert set(m) >= {"start", "end", "text", "concept", "category", "canonical", "suggestion", "flags"}
            assert source[m["start"]:m["end"]] == m["text"]
            assert m["start"] >= last_end  # sorted, never overlapping
            last_end = m["end"]
        assert doc["summary"]["mentions"] == len(doc["mentions"])


def test_flags_on_the_example(filled_cli):
    doc, = _jsonl(filled_cli("annotate", "--format", "json", str(EXAMPLES / "border-conference.en.txt")).stdout)
    by_text = {m["text"]: m for m in doc["mentions"]}
    assert "accent" in by_text["Raymundo Pedro Morales Àngeles"]["flags"]
    assert by_text["Raymundo Pedro Morales Àngeles"]["canonical"] == "Raymundo Pedro Morales Ángeles"
    assert by_text["U.S. Northern Command"]["suggestion"] == "Comando Norte de Estados Unidos"
    assert "Lt. Gen." in by_text and by_text["Lt. Gen."]["suggestion"] == "Tte. Gral."
    # ordinary words that are also terms do not match in ordinary use
    texts = [m["text"].lower() for m in doc["mentions"]]
    assert "private" not in texts
    assert sum(1 for m in doc["mentions"] if m["text"] == "general") == 1  # "The general said", not "In general"


def test_spanish_example_flags(filled_cli):
    doc, = _jsonl(filled_cli("annotate", "--format", "json", str(EXAMPLES / "border-conference.es.txt")).stdout)
    by_text = {m["text"]: m for m in doc["mentions"]}
    assert "accent" in by_text["Morales Angeles"]["flags"]
    assert "inconsistent" in by_text["EU"]["flags"]
    assert "inconsistent" not in by_text["EE. UU."]["flags"]
    assert by_text["EU"]["canonical"] == "EE. UU."
    # The country inside a listed name, spaced otherwise: one mention of the name.
    army_north = by_text["Ejército Norte de EE.UU."]
    assert (army_north["concept"], army_north["canonical"]) == ("us-arnorth", "Ejército Norte de Estados Unidos")
    lowered = [m["text"] for m in doc["mentions"]]
    for distractor in ("marina", "capitán", "defensa"):
        assert distractor not in lowered


def test_stdin_and_strict(filled_cli):
    clean = filled_cli("annotate", "--format", "json", "--strict", "-", input="El Gral. Ricardo Trevilla Trejo habló.\n")
    assert clean.exit_code == 0, clean.stderr
    doc, = _jsonl(clean.stdout)
    assert doc["file"] == "-"
    flagged = filled_cli("annotate", "--strict", "-", input="El almirante Raymundo Pedro Morales Àngeles habló.\n")
    assert flagged.exit_code == 1
    assert "accent" in flagged.stdout


def test_html_input_offsets_point_into_the_markup(filled_cli, tmp_path):
    page = tmp_path / "a.html"
    page.write_text('<html><body><p>The <b>U.S. Northern Command</b> met <i>SEDENA</i>.</p>'
                    '<script>var general = "Gen. X";</script></body></html>', encoding="utf-8")
    doc, = _jsonl(filled_cli("annotate", "--format", "json", "--lang", "en", str(page)).stdout)
    source = page.read_text(encoding="utf-8")
    texts = [m["text"] for m in doc["mentions"]]
    assert texts == ["U.S. Northern Command", "SEDENA"]
    for m in doc["mentions"]:
        assert source[m["start"]:m["end"]] == m["text"]


def test_bad_file_in_a_batch_exits_3_after_the_others(filled_cli, tmp_path):
    good = tmp_path / "good.txt"
    good.write_text("Gen. Gregory M. Guillot visited.", encoding="utf-8")
    bad = tmp_path / "bad.txt"
    bad.write_bytes(b"\x00\x01binary")
    result = filled_cli("annotate", "--format", "json", str(good), str(bad))
    assert result.exit_code == 3
    assert len(_jsonl(result.stdout)) == 1
    assert f"{bad}:1:" in result.stderr and "Traceback" not in result.stderr


def test_missing_file_and_bad_options(filled_cli):
    assert filled_cli("annotate", "no/such/file.txt").exit_code == 3
    assert filled_cli("annotate", "--format", "pdf", "-", input="x").exit_code == 2
    assert filled_cli("annotate", "--lang", "fr", "-", input="x").exit_code == 2
    assert filled_cli("annotate", "--encoding", "nope", "-", input="x").exit_code == 2


def test_windows_1252_article_is_read_with_a_warning(filled_cli, tmp_path):
    article = tmp_path / "old.txt"
    article.write_bytes("El almirante Raymundo Pedro Morales Ángeles visitó la Secretaría de Marina.".encode("cp1252"))
    result = filled_cli("annotate", "--format", "json", str(article))
    assert result.exit_code == 0
    assert "Windows-1252" in result.stderr
    doc, = _jsonl(result.stdout)
    assert "Secretaría de Marina" in [m["text"] for m in doc["mentions"]]


def test_csv_has_one_row_per_mention(filled_cli):
    result = filled_cli("annotate", "--format", "csv", str(EXAMPLES / "border-conference.en.txt"))
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    doc, = _jsonl(filled_cli("annotate", "--format", "json", str(EXAMPLES / "border-conference.en.txt")).stdout)
    assert len(rows) == len(doc["mentions"])
    assert rows[0]["concept"] == doc["mentions"][0]["concept"]


def test_markdown_and_text_and_output_file(filled_cli, tmp_path):
    out = tmp_path / "report.md"
    assert filled_cli("annotate", "--format", "md", "-o", str(out), str(EXAMPLES / "border-conference.en.txt")).exit_code == 0
    md = out.read_text(encoding="utf-8")
    assert "| offsets | text | concept |" in md and "us-northcom" in md
    text = filled_cli("annotate", str(EXAMPLES / "border-conference.en.txt")).stdout
    assert "U.S. Northern Command⟦→ Comando Norte de Estados Unidos⟧" in text


def test_html_report_is_standalone(filled_cli, tmp_path):
    out = tmp_path / "report.html"
    assert filled_cli("annotate", "--format", "html", "-o", str(out), str(EXAMPLES)).exit_code == 0
    page = out.read_text(encoding="utf-8")
    assert page.startswith("<!DOCTYPE html>")
    assert "http://" not in page and "https://" not in page and "<link" not in page
    assert page.count('class="summary"') == 2


CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser") or shutil.which("google-chrome")


@pytest.mark.browser
@pytest.mark.skipif(CHROMIUM is None, reason="no headless Chromium installed (apt-get install chromium)")
def test_html_report_renders_in_headless_chromium(filled_cli, tmp_path):
    out = tmp_path / "report.html"
    filled_cli("annotate", "--format", "html", "-o", str(out), str(EXAMPLES / "border-conference.en.txt"))
    profile = tmp_path / "profile"
    cmd = [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
           "--disable-background-networking", "--disable-component-update", "--disable-sync",
           f"--user-data-dir={profile}", "--dump-dom", out.as_uri()]
    dom = subprocess.run(cmd, capture_output=True, text=True, timeout=120).stdout
    assert 'class="term' in dom and 'data-concept="us-northcom"' in dom
    assert '<table class="summary">' in dom
    png = tmp_path / "report.png"
    shot = cmd[:-2] + [f"--screenshot={png}", "--window-size=1200,1600", out.as_uri()]
    subprocess.run(shot, capture_output=True, timeout=120)
    assert png.exists() and png.stat().st_size > 10_000


def test_a_first_run_leaves_the_matcher_cached_when_it_returns(filled_cli, _isolated_home, monkeypatch):
    # The cache files are written while the articles are annotated (another process
    # where it can fork); the command returns once they are on disk.
    first = filled_cli("annotate", "--format", "json", str(EXAMPLES))
    assert first.exit_code == 0, first.stderr
    folder = _isolated_home / "cache"
    assert {p.name.split("-")[0] for p in folder.glob("*.pickle")} >= {"annotator", "termindex"}
    assert not list(folder.glob("*.tmp"))

    from termbank.annotate import Annotator

    def no_build(*args, **kwargs):
        raise AssertionError("the matcher was built again instead of loaded")

    monkeypatch.setattr(Annotator, "__init__", no_build)
    again = filled_cli("annotate", "--format", "json", str(EXAMPLES))
    assert again.exit_code == 0, again.stderr
    assert again.stdout == first.stdout


def test_a_database_made_again_under_its_name_is_not_annotated_from_the_old_cache(tmp_path, cli_at):
    # The same commands on a database deleted and created again under the same name
    # once gave it the old database's revision, and so its cached matcher.
    path = tmp_path / "desk.db"
    termbank = cli_at(f"sqlite:///{path}").ok

    text = tmp_path / "note.en.txt"
    text.write_text("The frigate met the corvette.\n", encoding="utf-8")
    found = []
    for en, es in (("frigate", "fragata"), ("corvette", "corbeta")):
        path.unlink(missing_ok=True)
        termbank("init", "--empty")
        termbank("add", "--en", en, "--es", es)
        (doc,) = _jsonl(termbank("annotate", "--format", "json", str(text)))
        found.append([(m["text"], m["suggestion"]) for m in doc["mentions"]])
    assert found == [[("frigate", "fragata")], [("corvette", "corbeta")]]


def test_html_character_references_are_read_as_the_characters(filled_cli, tmp_path):
    page = tmp_path / "page.html"
    page.write_text("<p>La Secretar&iacute;a de Marina, EE.&nbsp;UU. y M&#233;xico; la Secretar&igrave;a de "
                    "Marina y AT&amp;T.</p>\n", encoding="utf-8")
    result = filled_cli("annotate", "--format", "json", str(page))
    assert result.exit_code == 0, result.stderr
    (doc,) = _jsonl(result.stdout)
    source = page.read_text(encoding="utf-8")
    got = [(m["text"], m["concept"], m["flags"]) for m in doc["mentions"]]
    assert all(source[m["start"]:m["end"]] == m["text"] for m in doc["mentions"])
    assert got == [
        ("Secretar&iacute;a de Marina", "mx-semar", []),
        ("EE.&nbsp;UU.", "geo-united-states", []),
        ("M&#233;xico", "geo-mexico", []),
        ("Secretar&igrave;a de Marina", "mx-semar", ["accent", "inconsistent"]),
    ]


def test_an_empty_folder_is_a_warning_not_silence(filled_cli, tmp_path):
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    (inbox / "photo.jpg").write_bytes(b"\xff\xd8\xff")
    for command in ("annotate", "extract"):
        result = filled_cli(command, str(inbox))
        assert result.exit_code == 0, result.stderr
        assert f"termbank: warning: no article (.txt, .md, .markdown, .html, .htm) in {inbox}" in result.stderr


def test_a_term_broken_over_lines_or_spaced_by_markup_is_not_asked_to_change(filled_cli, tmp_path):
    # "use X" is for a form to write otherwise, not for a line break, a no-break space, a
    # soft hyphen or an HTML character reference; a missing period still is.
    plain = tmp_path / "note.es.txt"
    plain.write_text("El teniente\ncoronel Luis Ruiz, el Tte.\u00a0Cnel. Juan Pérez, la Secre\u00adtaría de Marina "
                     "y el Tte Cnel Ana Gil.\n", encoding="utf-8")
    page = tmp_path / "note.es.html"
    page.write_text("<p>El Tte.&nbsp;Cnel. Juan Pérez y la Secretar&iacute;a de Marina.</p>\n", encoding="utf-8")
    for path, wanted in ((plain, 4), (page, 2)):
        mentions = json.loads(filled_cli("annotate", str(path), "--format", "json", "-q").stdout)["mentions"]
        assert len(mentions) == wanted
        shown = filled_cli("annotate", str(path), "--format", "text", "-q").stdout
        hints = re.findall(r"use ([^;⟧]+)", shown)
        assert hints == (["Tte. Cnel."] if path is plain else []), shown
        report = filled_cli("annotate", str(path), "--format", "html", "-q").stdout
        assert report.count("use: ") == len(hints)


def test_a_capital_that_opens_a_sentence_is_not_asked_to_change(filled_cli, tmp_path):
    path = tmp_path / "caps.es.txt"
    path.write_text("Teniente coronel Luis Ruiz llegó.\nGeneral Ana Gil habló. Lo dijo el General Pérez.\n",
                    encoding="utf-8")
    shown = filled_cli("annotate", str(path), "--format", "text", "-q").stdout
    assert re.findall(r"use ([^;⟧]+)", shown) == ["general"], shown  # only the capital inside a sentence
    report = filled_cli("annotate", str(path), "--format", "html", "-q").stdout
    assert report.count("use: ") == 1


def test_html_attributes_and_an_open_comment_are_not_text(filled_cli, tmp_path):
    page = tmp_path / "page.html"
    page.write_text('<p><a title="x > SEMAR y" href="#">la Secretaría de Marina</a> y 3 < 5 SEDENA</p>\n'
                    "<!-- SEDENA, unfinished", encoding="utf-8")
    (doc,) = _jsonl(filled_cli("annotate", str(page), "--format", "json").stdout)
    text = page.read_text(encoding="utf-8")
    assert [(m["text"], m["start"]) for m in doc["mentions"]] == [
        ("Secretaría de Marina", text.index("Secretaría")), ("SEDENA", text.index("SEDENA</p>"))]


def test_markdown_cells_stay_one_line_and_csv_names_standard_input(filled_cli, tmp_path):
    article = tmp_path / "wrapped.en.txt"
    article.write_bytes(b"They met U.S. Northern\r\nCommand and <b>SEMAR</b> staff.\r\n")
    md = filled_cli("annotate", str(article), "--format", "md").stdout
    row = next(line for line in md.splitlines() if "us-northcom" in line)
    assert "\r" not in md and "U.S. Northern Command" in row
    table = filled_cli("annotate", "-", "--format", "csv", input="The ROE were clear.\n").stdout
    assert next(csv.reader(io.StringIO(table.splitlines()[1])))[0] == "-"
