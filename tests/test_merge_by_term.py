"""`termbank import --merge-by-term`: glossaries without ids merged into the stored concepts they name."""

from __future__ import annotations

import csv
import json
import unicodedata
from collections import defaultdict
from pathlib import Path

import pytest

INTEROP = Path(__file__).resolve().parents[2] / "shared" / "interop"
GOOGLE = INTEROP / "glossaries" / "tico19-google_g_en_es-419.csv"
FACEBOOK = INTEROP / "glossaries" / "tico19-facebook_f_en-es_XX.csv"

needs_interop = pytest.mark.skipif(not INTEROP.exists(), reason="../shared/interop not found next to the repository")


def _fold(text: str) -> str:
    return unicodedata.normalize("NFC", text.strip()).casefold()


def _imported(result) -> dict:
    assert result.exit_code == 0, result.stderr
    return json.loads(result.stdout)


def _concept(cli, cid):
    shown = cli("show", cid, "--json")
    return json.loads(shown.stdout) if shown.exit_code == 0 else None


def _terms(concept) -> set[tuple[str, str, str]]:
    return {(t["lang"], t["text"], t["status"]) for t in concept["terms"]}


@needs_interop
def test_two_public_glossaries_of_the_same_terms_merge_where_both_sides_agree(cli):
    # Google's and Facebook's TICO-19 glossaries translate many of the same English
    # terms, by different hands. Worked out here from the files themselves: a Facebook
    # pair whose English and Spanish are both those of one Google entry is the same
    # concept; one agreeing on the English alone is a translation to check.
    google: dict[str, set[str]] = defaultdict(set)  # one entry per source term as written
    with GOOGLE.open(encoding="utf-8", newline="") as fh:
        for row in csv.DictReader(fh):
            google[row["sourceString"].strip()].add(_fold(row["targetString"]))
    english_of, spanish_of = defaultdict(set), defaultdict(set)
    for source, targets in google.items():
        english_of[_fold(source)].add(source)
        for text in targets:
            spanish_of[text].add(source)
    same, conflicting = [], []
    with FACEBOOK.open(encoding="utf-8", newline="") as fh:
        rows = [r for r in csv.DictReader(fh) if r["sourceString"].strip() and r["targetString"].strip()]
    for row in rows:
        en, es = _fold(row["sourceString"]), _fold(row["targetString"])
        both = english_of[en] & spanish_of[es]
        if len(both) == 1:
            same.append(row["id"])
        elif not both and (english_of[en] or spanish_of[es]):
            conflicting.append(row["id"])
    assert len(same) >= 20 and len(conflicting) >= 10  # the files do overlap both ways

    assert _imported(cli("import", GOOGLE, "--json"))["concepts"]["added"] == len(google)
    report = _imported(cli("import", FACEBOOK, "--merge-by-term", "--json"))
    assert report["concepts"] == {"added": len(rows) - len(same), "updated": 0, "unchanged": len(same), "merged": 0}
    stats = json.loads(cli("stats", "--json").stdout)
    assert stats["concepts"] == len(google) + len(rows) - len(same)
    prefix = "tico19-facebook-f-en-es-xx-"
    for fid in same:
        assert _concept(cli, prefix + fid) is None
    for fid in conflicting:
        assert _concept(cli, prefix + fid) is not None
    conflict_line = next(line for line in report["report"] if "in one language only" in line)
    assert conflict_line.startswith(f"{len(conflicting)} concepts added as new")
    merged_line = next(line for line in report["report"] if "merged into them" in line)
    assert merged_line.startswith(f"{len(same)} concepts matched")

    again = _imported(cli("import", FACEBOOK, "--merge-by-term", "--json"))
    assert again["concepts"]["added"] == again["concepts"]["merged"] == 0
    assert json.loads(cli("stats", "--json").stdout) == stats


def test_a_client_glossary_adds_a_rendering_to_the_curated_concept_and_flags_a_conflict(filled_cli, tmp_path):
    glossary = tmp_path / "client.csv"
    glossary.write_text(
        "English,Spanish\n"
        "drone,dron\n"
        "drone,aeronave pilotada a distancia\n"   # a second translation: the entry has three terms
        "Secretariat of the Navy,Secretaría de Marina\n"
        "US,nosotros\n",                          # shares "US" with the United States, nothing else
        encoding="utf-8",
    )
    uav_before = _concept(filled_cli, "sec-uav")
    semar_before = _concept(filled_cli, "mx-semar")
    stats_before = filled_cli("stats", "--json").stdout

    dry = _imported(filled_cli("import", glossary, "--merge-by-term", "--dry-run", "--json"))
    assert dry["concepts"] == {"added": 1, "updated": 0, "unchanged": 1, "merged": 1}
    assert filled_cli("stats", "--json").stdout == stats_before

    report = _imported(filled_cli("import", glossary, "--merge-by-term", "--json"))
    assert report["concepts"] == dry["concepts"]
    uav = _concept(filled_cli, "sec-uav")
    assert _terms(uav) == _terms(uav_before) | {("es", "aeronave pilotada a distancia", "admitted")}
    assert uav["version"] == uav_before["version"] + 1
    assert _concept(filled_cli, "mx-semar") == semar_before
    assert _concept(filled_cli, "client-drone") is None
    us = _concept(filled_cli, "client-us")
    assert us is not None and "nosotros" in {t["text"] for t in us["terms"]}
    assert "nosotros" not in {t["text"] for t in _concept(filled_cli, "geo-united-states")["terms"]}
    assert any("client-us (geo-united-states)" in line and "one language only" in line for line in report["report"])
    assert any("sec-uav: 'aeronave pilotada a distancia' [es, admitted]" in line for line in report["report"])
    history = filled_cli("show", "sec-uav", "--history")
    assert "import" in history.stdout

    # Without the option, the glossary's entries are concepts of their own, as before.
    plain = _imported(filled_cli("import", glossary, "--json"))
    assert plain["concepts"]["added"] == 2 and _concept(filled_cli, "client-drone") is not None


def test_case_matters_for_acronyms_when_merging(filled_cli, tmp_path):
    # "us"/"nosotros" shares no term with the United States: "US" is an acronym.
    glossary = tmp_path / "lower.csv"
    glossary.write_text("English,Spanish\nus,EE. UU.\n", encoding="utf-8")
    report = _imported(filled_cli("import", glossary, "--merge-by-term", "--json"))
    assert report["concepts"]["added"] == 1
    assert any("lower-us (geo-united-states)" in line for line in report["report"])


@needs_interop
def test_merge_by_term_is_for_terms_not_memories(filled_cli):
    before = filled_cli("stats", "--json").stdout
    result = filled_cli("import", INTEROP / "tmx" / "real" / "tico19-all.en-es-419.tmx", "--merge-by-term")
    assert result.exit_code == 2 and "--merge-by-term" in result.stderr
    assert filled_cli("stats", "--json").stdout == before


def test_a_concept_the_same_file_replaces_is_merged_into_as_the_file_left_it(filled_cli, tmp_path):
    # The file replaces sec-uav by its id and, in another row, brings a new concept naming it.
    path = tmp_path / "both.csv"
    path.write_text("id,category,definition,term:en,term:es\n"
                    "sec-uav,other,Replaced by the file.,unmanned aerial vehicle,vehículo aéreo no tripulado\n"
                    'new-drone,other,,drone,"dron\naeronave pilotada a distancia"\n', encoding="utf-8")
    report = _imported(filled_cli("import", path, "--merge-by-term", "--json"))
    assert report["concepts"] == {"added": 0, "updated": 1, "unchanged": 0, "merged": 1}
    uav = _concept(filled_cli, "sec-uav")
    assert uav["definition"] == "Replaced by the file."
    # Routed by the terms sec-uav had when the file was read; merged into what the file stored.
    assert [t["text"] for t in uav["terms"]] == ["unmanned aerial vehicle", "vehículo aéreo no tripulado",
                                                "drone", "dron", "aeronave pilotada a distancia"]
    assert _concept(filled_cli, "new-drone") is None
