"""`termbank tm`: add, search, concordance, align, pretranslate (issue 5), on SQLite and PostgreSQL.

The acceptance of issue 5 is checked through the command line: the TICO-19 memory
imported from TMX and searched with one word changed, the hand-written article pairs of
tests/data/align/ (and the held-out pair) aligned against their gold alignments.
"""

from __future__ import annotations

import json
import random
import re
from pathlib import Path

import pytest

from termbank import api, memory
from termbank.segment import segment
from termbank.store import repo

INTEROP = Path(__file__).resolve().parents[1].parent / "shared" / "interop"
TICO = INTEROP / "tmx" / "real" / "tico19-all.en-es-419.tmx"
ALIGN = Path(__file__).resolve().parent / "data" / "align"
PAIRS = [(ALIGN, p.name[: -len(".gold.json")]) for p in sorted(ALIGN.glob("*.gold.json"))]
HELDOUT = [(ALIGN / "heldout", p.name[: -len(".gold.json")]) for p in sorted((ALIGN / "heldout").glob("*.gold.json"))]

SEARCH_KEYS = {"source": str, "target": str, "score": (int, float), "id": str}
BEAD_KEYS = {"en": list, "es": list, "confidence": (int, float), "stored": bool}


def run_json(cli, *args):
    result = cli(*args, "--json")
    assert result.exit_code == 0, result.stderr
    return json.loads(result.stdout)


def tm_units(cli) -> int:
    return run_json(cli, "stats")["tm_units"]


def assert_search_shape(hits):
    assert isinstance(hits, list)
    for h in hits:
        for key, kind in SEARCH_KEYS.items():
            assert isinstance(h[key], kind), (key, h)
        assert 0 <= h["score"] <= 100
    assert [h["score"] for h in hits] == sorted((h["score"] for h in hits), reverse=True)


@pytest.fixture
def calls(monkeypatch):
    """Count how often the memory indexes are built from scratch, extended, or read from the store."""
    counts = {"build": 0, "extend": 0, "units_after": 0}

    def spy(name, fn):
        def wrapper(*args, **kwargs):
            counts[name] += 1
            return fn(*args, **kwargs)
        return wrapper

    monkeypatch.setattr(memory, "_build", spy("build", memory._build))
    monkeypatch.setattr(memory, "_extend", spy("extend", memory._extend))
    monkeypatch.setattr(repo, "units_after", spy("units_after", repo.units_after))
    return counts


# -- the TICO-19 memory ------------------------------------------------------------------
def _one_word_changed(source: str, rng: random.Random) -> str | None:
    words = source.split(" ")
    choices = [i for i, w in enumerate(words) if w.isalpha() and len(w) > 2]
    if not choices:
        return None
    i = rng.choice(choices)
    words[i] = "zeppelin" if words[i].lower() != "zeppelin" else "balloon"
    return " ".join(words)


@pytest.mark.skipif(not TICO.exists(), reason="TICO-19 memory not available in ../shared/interop")
def test_tico19_search_finds_the_unit_with_one_word_changed(cli, calls):
    assert cli("init", "--empty").exit_code == 0
    imported = run_json(cli, "import", str(TICO))
    assert imported["units"]["added"] + imported["units"]["merged"] == 3071
    store = api.open_database(cli.url)
    try:
        with store.read() as session:
            units = list(repo.iter_units(session))
    finally:
        store.dispose()
    assert len(units) == imported["units"]["added"]
    rng = random.Random(5)
    sample = rng.sample([u for u in units if 8 <= len(u.source.split()) <= 40], 25)
    checked = 0
    for unit in sample:
        query = _one_word_changed(unit.source, rng)
        if query is None:
            continue
        hits = run_json(cli, "tm", "search", query, "--from", "en")
        assert_search_shape(hits)
        assert hits, query
        # The unit itself, or one with the very same source (the TMX repeats a few).
        assert hits[0]["source"] == unit.source, (query, hits[0])
        assert 80 <= hits[0]["score"] <= 99, (query, hits[0])
        assert "zeppelin" in hits[0]["diff"] or "balloon" in hits[0]["diff"]
        exact = run_json(cli, "tm", "search", unit.source, "--from", "en")
        assert exact[0]["score"] == 100 and exact[0]["source"] == unit.source
        assert exact[0]["target"] == unit.target and exact[0]["target_lang"] == "es-419"
        checked += 1
    assert checked >= 20
    # Fifty searches built the English index once and then only loaded it.
    assert calls["build"] == 1 and calls["extend"] == 1 and calls["units_after"] == 1
    assert memory.index_path(cli.url, "en").exists()

    # The other direction: a Spanish sentence finds the unit by its target.
    unit = sample[0]
    hits = run_json(cli, "tm", "search", unit.target, "--from", "es")
    assert hits[0]["score"] == 100 and hits[0]["source"] == unit.target and hits[0]["target"] == unit.source
    assert (hits[0]["source_lang"], hits[0]["target_lang"]) == ("es-419", "en")


# -- the index: saved, reused, extended, rebuilt ------------------------------------------------
def test_index_is_saved_reused_and_updated_incrementally(cli, calls):
    assert cli("init", "--empty").exit_code == 0
    for en, es in [
        ("The fleet sailed from Veracruz at dawn on Monday.", "La flota zarpó de Veracruz al amanecer del lunes."),
        ("Helicopters patrolled the northern border.", "Helicópteros patrullaron la frontera norte."),
    ]:
        assert cli("tm", "add", en, es, "--from", "en").exit_code == 0
    query = "The fleet sailed from Tampico at dawn on Monday."
    first = run_json(cli, "tm", "search", query)
    assert first[0]["source"].startswith("The fleet sailed from Veracruz") and 80 <= first[0]["score"] < 100
    path = memory.index_path(cli.url, "en")
    assert path.exists() and calls["build"] == 1
    stamp = path.stat().st_mtime_ns

    # Nothing changed: the saved file is loaded, never rebuilt or rewritten, no unit read.
    again = run_json(cli, "tm", "search", query)
    assert again == first
    assert calls == {"build": 1, "extend": 1, "units_after": 1}
    assert path.stat().st_mtime_ns == stamp

    # A unit added: only the new unit is read and indexed, and the file saved again.
    added = run_json(cli, "tm", "add", "The fleet sailed from Tampico at dawn on Monday.",
                     "La flota zarpó de Tampico al amanecer del lunes.")
    hits = run_json(cli, "tm", "search", query)
    assert hits[0]["id"] == added["id"] and hits[0]["score"] == 100
    assert calls["build"] == 1 and calls["extend"] == 2
    meta = memory.TMIndex.load(path).meta
    assert meta["last_id"] == int(added["id"]) and meta["units"] == 3

    # A unit removed: the index is rebuilt without it.
    assert cli("tm", "remove", added["id"]).exit_code == 0
    hits = run_json(cli, "tm", "search", query)
    assert added["id"] not in [h["id"] for h in hits]
    assert calls["build"] == 2


def test_a_removed_last_unit_whose_id_comes_back_is_not_searched_as_it_was(cli):
    # SQLite gives the id of a removed last unit to the next one: the unit count and id
    # sum then look as if nothing had changed but units added.
    assert cli("init", "--empty").exit_code == 0
    run_json(cli, "tm", "add", "The frigate sailed at dawn.", "La fragata zarpó al amanecer.", "--from", "en")
    gone = run_json(cli, "tm", "add", "The corvette returned to port.", "La corbeta volvió a puerto.", "--from", "en")
    assert run_json(cli, "tm", "search", "The corvette returned to port.")[0]["id"] == gone["id"]
    assert cli("tm", "remove", gone["id"]).exit_code == 0
    new = run_json(cli, "tm", "add", "The submarine surfaced near the coast.",
                   "El submarino emergió cerca de la costa.", "--from", "en")
    hits = run_json(cli, "tm", "search", "The submarine surfaced near the coast.")
    assert (hits[0]["id"], hits[0]["score"]) == (new["id"], 100)
    assert [h["source"] for h in run_json(cli, "tm", "search", "The corvette returned to port.")] == []


def test_a_memory_made_again_under_its_name_gets_a_new_index(tmp_path, cli_at):
    path = tmp_path / "memory.db"
    termbank = cli_at(f"sqlite:///{path}").ok

    found = []
    for source, target in (("The frigate sailed at dawn.", "La fragata zarpó al amanecer."),
                           ("The corvette sailed at dawn.", "La corbeta zarpó al amanecer.")):
        path.unlink(missing_ok=True)
        termbank("init", "--empty")
        termbank("tm", "add", source, target, "--from", "en")
        hits = json.loads(termbank("tm", "search", "The frigate sailed at dawn.", "--json"))
        found.append([(h["target"], h["score"]) for h in hits])
    assert found[0] == [("La fragata zarpó al amanecer.", 100)]
    assert found[1][0][0] == "La corbeta zarpó al amanecer." and found[1][0][1] < 100


def test_open_index_reports_how_it_got_the_index(store):
    api.tm_add(store, "The convoy reached Monterrey.", "El convoy llegó a Monterrey.", from_lang="en")
    assert memory.open_index(store, "en")[1] == "built"
    assert memory.open_index(store, "en")[1] == "loaded"
    unit = api.tm_add(store, "The convoy reached Saltillo.", "El convoy llegó a Saltillo.", from_lang="en")
    index, how = memory.open_index(store, "en")
    assert how == "updated" and len(index) == 2
    assert memory.open_index(store, "es")[1] == "built"
    api.tm_remove(store, unit["id"])
    index, how = memory.open_index(store, "es")
    assert how == "built" and len(index) == 1


def test_large_index_is_saved_again_only_once_the_backlog_is_worth_it(store, monkeypatch):
    monkeypatch.setattr(memory, "SAVE_ALWAYS_BELOW", 0)
    monkeypatch.setattr(memory, "SAVE_BACKLOG", 0.5)
    for n in range(4):
        api.tm_add(store, f"Patrol {n} left the base at dawn.", f"La patrulla {n} salió de la base al amanecer.",
                   from_lang="en")
    assert memory.open_index(store, "en")[1] == "built"
    path = memory.index_path(store.url, "en")
    api.tm_add(store, "Patrol 9 left the port at dawn.", "La patrulla 9 salió del puerto al amanecer.", from_lang="en")
    assert api.tm_search(store, "Patrol 9 left the port at dawn.")[0]["score"] == 100
    assert memory.TMIndex.load(path).meta["units"] == 4  # one new unit in five: not saved
    api.tm_add(store, "Patrol 8 left the port at dusk.", "La patrulla 8 salió del puerto al anochecer.", from_lang="en")
    index, how = memory.open_index(store, "en")
    assert how == "updated" and len(index) == 6
    assert memory.TMIndex.load(path).meta["units"] == 6  # two new units for four saved: saved


def test_damaged_index_file_is_rebuilt(cli):
    assert cli("init", "--empty").exit_code == 0
    assert cli("tm", "add", "The convoy reached Monterrey.", "El convoy llegó a Monterrey.").exit_code == 0
    assert run_json(cli, "tm", "search", "The convoy reached Monterrey.")[0]["score"] == 100
    path = memory.index_path(cli.url, "en")
    path.write_bytes(b"not an index")
    assert run_json(cli, "tm", "search", "The convoy reached Monterrey.")[0]["score"] == 100
    assert memory.TMIndex.load(path).meta["units"] == 1


# -- add, search ---------------------------------------------------------------------------
def test_add_twice_merges(cli):
    assert cli("init", "--empty").exit_code == 0
    first = run_json(cli, "tm", "add", "The Navy sent four ships.", "La Armada envió cuatro buques.",
                     "--origin", "bulletin 12")
    assert first["status"] == "added" and (first["source_lang"], first["target_lang"]) == ("en", "es")
    second = run_json(cli, "tm", "add", "The Navy sent four ships. ", "La Armada  envió cuatro buques.")
    assert second["status"] == "merged" and second["id"] == first["id"]
    assert second["origin"] == "bulletin 12"
    assert tm_units(cli) == 1
    human = cli("tm", "add", "The Navy sent four ships.", "La Armada envió cuatro buques.")
    assert human.exit_code == 0 and f"unit {first['id']}" in human.stdout and "merged" in human.stdout
    # The other direction, or another locale, is another unit.
    other = run_json(cli, "tm", "add", "La Armada envió cuatro buques.", "The Navy sent four ships.")
    assert other["status"] == "added" and other["source_lang"] == "es"
    mx = run_json(cli, "tm", "add", "The Navy sent four ships.", "La Armada envió cuatro buques.", "--to", "es-MX")
    assert mx["status"] == "added" and mx["target_lang"] == "es-MX"
    assert tm_units(cli) == 3


def test_search_json_shape_diff_and_human_output(cli):
    assert cli("init", "--empty").exit_code == 0
    source = "More than 120 military and civilian officials from both countries met in El Paso yesterday."
    unit = run_json(cli, "tm", "add", source, "Más de 120 funcionarios militares y civiles de ambos países se "
                    "reunieron ayer en El Paso.")
    hits = run_json(cli, "tm", "search", source.replace("120", "150").replace("met", "gathered"))
    assert_search_shape(hits)
    assert len(hits) == 1 and hits[0]["id"] == unit["id"] and 80 <= hits[0]["score"] < 95
    assert "[-150-]{+120+}" in hits[0]["diff"] and "[-gathered-]{+met+}" in hits[0]["diff"]
    # Case and punctuation differences score high, but not 100.
    near = run_json(cli, "tm", "search", source.lower().rstrip("."))
    assert 95 <= near[0]["score"] < 100
    assert run_json(cli, "tm", "search", source)[0]["score"] == 100
    human = cli("tm", "search", source.replace("met", "gathered"))
    assert human.exit_code == 0
    assert f"unit {unit['id']}" in human.stdout and "[-gathered-]{+met+}" in human.stdout
    assert "Más de 120 funcionarios" in human.stdout
    # Nothing similar: an empty array, exit 0.
    assert cli("tm", "search", "The aircraft landed in Acapulco.", "--json").stdout.strip() == "[]"
    assert "no match" in cli("tm", "search", "The aircraft landed in Acapulco.").stdout


def test_search_min_score_limit_and_detected_language(cli):
    assert cli("init", "--empty").exit_code == 0
    base = "The ships of the Mexican Navy patrolled the coast of Baja California for ten days"
    for k, word in enumerate(["ten", "five", "six", "eight", "nine", "seven"]):
        run_json(cli, "tm", "add", base.replace("ten", word) + " in May" * (k % 2) + ".",
                 f"Los buques de la Armada de México patrullaron la costa de Baja California ({k}).")
    hits = run_json(cli, "tm", "search", base + ".")
    assert len(hits) == 5
    assert len(run_json(cli, "tm", "search", base + ".", "--limit", "2")) == 2
    assert all(h["score"] >= 90 for h in run_json(cli, "tm", "search", base + ".", "--min-score", "90"))
    # A Spanish query, language detected: found by the Spanish side.
    es = run_json(cli, "tm", "search", "Los buques de la Armada de México patrullaron la costa de Baja California (3).")
    assert es[0]["score"] == 100 and es[0]["source_lang"] == "es" and es[0]["target"].startswith(base[:30])


def test_short_segments_are_stored_and_found_the_right_way_round(cli):
    # "If x < y" has the Spanish word "y": read alone it looked Spanish, and the unit was
    # stored backwards. The pair is compared, and an unsure query searches both sides.
    assert cli("init", "--empty").exit_code == 0
    unit = run_json(cli, "tm", "add", "If x < y, press OK.", "Si x < y, pulse Aceptar.")
    assert (unit["source_lang"], unit["target_lang"]) == ("en", "es")
    assert run_json(cli, "tm", "search", "If x < y, press OK.")[0]["score"] == 100
    run_json(cli, "tm", "add", "The fever rose.", "La fiebre subió.")
    hits = run_json(cli, "tm", "search", "fiebre", "--min-score", "30")
    assert [(h["source"], h["source_lang"]) for h in hits] == [("La fiebre subió.", "es")]
    # --to names the target's language, so the other text is the source.
    unit = run_json(cli, "tm", "add", "Pulse Intro", "Press Enter", "--to", "en")
    assert (unit["source_lang"], unit["target_lang"]) == ("es", "en")


# -- concordance ------------------------------------------------------------------------------
def test_concordance_both_directions_accents_case_and_highlight(cli):
    assert cli("init", "--empty").exit_code == 0
    run_json(cli, "tm", "add", "The Mexican Army trained with U.S. soldiers.",
             "El Ejército Mexicano entrenó con soldados de EE. UU.")
    run_json(cli, "tm", "add", "El ejercito desfiló en la capital.", "The army paraded in the capital.", "--from", "es")
    run_json(cli, "tm", "add", "The Navy stayed in port.", "La Armada permaneció en puerto.")
    hits = run_json(cli, "tm", "concordance", "EJERCITO")
    assert [h["highlighted"] for h in hits] == [
        "El [Ejército] Mexicano entrenó con soldados de EE. UU.",
        "El [ejercito] desfiló en la capital.",
    ]
    for h in hits:
        assert h["source_lang"].startswith("es") and h["target_lang"].startswith("en")
        s, e = h["spans"][0]
        assert h["source"][s:e].lower() in ("ejército", "ejercito")
    army = run_json(cli, "tm", "concordance", "army")
    assert [h["source"] for h in army] == ["The Mexican Army trained with U.S. soldiers.", "The army paraded in the capital."]
    assert army[1]["target"] == "El ejercito desfiló en la capital."
    assert run_json(cli, "tm", "concordance", "ee. uu.")[0]["highlighted"].endswith("[EE. UU.]")
    assert run_json(cli, "tm", "concordance", "ejército", "--from", "en") == []
    assert len(run_json(cli, "tm", "concordance", "the", "--limit", "1")) == 1
    human = cli("tm", "concordance", "Mexican Army")
    assert human.exit_code == 0 and "The [Mexican Army] trained" in human.stdout
    # A phrase on both sides of a unit ("Armada", a name) lists the unit once.
    run_json(cli, "tm", "add", "The Armada sailed.", "La Armada zarpó.")
    both = run_json(cli, "tm", "concordance", "Armada", "--limit", "2")
    assert len({h["id"] for h in both}) == len(both) == 2


# -- align --------------------------------------------------------------------------------------
def _gold_pairs(folder: Path, name: str) -> set[tuple[tuple[str, ...], tuple[str, ...]]]:
    en = [s.text for s in segment((folder / f"{name}.en.txt").read_text("utf-8"), "en")]
    es = [s.text for s in segment((folder / f"{name}.es.txt").read_text("utf-8"), "es")]
    gold = json.loads((folder / f"{name}.gold.json").read_text("utf-8"))
    return {(tuple(en[i] for i in b["en"]), tuple(es[j] for j in b["es"])) for b in gold}


def _align_accuracy(cli, pairs) -> tuple[int, int]:
    hit = total = 0
    for folder, name in pairs:
        beads = run_json(cli, "tm", "align", folder / f"{name}.en.txt", folder / f"{name}.es.txt", "--dry-run")
        gold = _gold_pairs(folder, name)
        # Every sentence of both files in exactly one bead, in document order.
        en_order = [s for b in beads for s in b["en"]]
        es_order = [s for b in beads for s in b["es"]]
        assert en_order == [s.text for s in segment((folder / f"{name}.en.txt").read_text("utf-8"), "en")]
        assert es_order == [s.text for s in segment((folder / f"{name}.es.txt").read_text("utf-8"), "es")]
        found = {(tuple(b["en"]), tuple(b["es"])) for b in beads}
        hit += len(found & gold)
        total += len(gold)
    return hit, total


@pytest.mark.parametrize("pairs", [PAIRS, HELDOUT], ids=["written", "heldout"])
def test_align_article_pairs_against_gold(filled_cli, pairs):
    assert pairs
    hit, total = _align_accuracy(filled_cli, pairs)
    print(f"\ntm align {[n for _, n in pairs]}: {hit}/{total} = {hit / total:.1%} gold beads found")
    assert hit / total >= 0.95
    assert tm_units(filled_cli) == 0  # --dry-run stored nothing


def test_align_json_shape_and_what_is_stored(filled_cli):
    cli = filled_cli
    folder, name = PAIRS[0]
    en_file, es_file = folder / f"{name}.en.txt", folder / f"{name}.es.txt"
    dry = run_json(cli, "tm", "align", en_file, es_file, "--dry-run")
    for b in dry:
        for key, kind in BEAD_KEYS.items():
            assert isinstance(b[key], kind), (key, b)
        assert 0 <= b["confidence"] <= 1 and all(isinstance(s, str) and s == s.strip() for s in b["en"] + b["es"])
        assert b["stored"] is False
        assert len(b["en"]) <= 2 and len(b["es"]) <= 2 and (b["en"] or b["es"])
    kinds = {f"{len(b['en'])}:{len(b['es'])}" for b in dry}
    assert {"1:1", "1:2", "2:1"} <= kinds and ({"1:0", "0:1"} & kinds)
    assert tm_units(cli) == 0

    sure = [b for b in dry if b["en"] and b["es"] and b["confidence"] >= 0.8]
    unsure = [b for b in dry if b["en"] and b["es"] and b["confidence"] < 0.8]
    stored = run_json(cli, "tm", "align", en_file, es_file)
    assert [b["stored"] for b in stored] == [b in sure for b in dry]
    assert not any(b["stored"] for b in stored if not (b["en"] and b["es"]))  # never a 1:0 bead
    assert tm_units(cli) == len(sure)
    # Stored pairs are found again, with their origin, and a 1:2 bead is one unit.
    split = next(b for b in stored if b["stored"] and len(b["es"]) == 2)
    hits = run_json(cli, "tm", "search", " ".join(split["en"]), "--from", "en")
    assert hits[0]["score"] == 100 and hits[0]["target"] == " ".join(split["es"])
    assert hits[0]["origin"] == f"{en_file} | {es_file}"

    # --all stores the unsure pairs too (the sure ones merge); a rerun adds nothing.
    everything = run_json(cli, "tm", "align", en_file, es_file, "--all")
    assert sum(b["stored"] for b in everything) == len(sure) + len(unsure)
    assert tm_units(cli) == len(sure) + len(unsure)
    run_json(cli, "tm", "align", en_file, es_file, "--all")
    assert tm_units(cli) == len(sure) + len(unsure)

    human = cli("tm", "align", en_file, es_file, "--dry-run")
    assert human.exit_code == 0 and "dry run:" in human.stdout and "1:2" in human.stdout


def test_align_min_confidence(filled_cli):
    folder, name = PAIRS[0]
    args = ("tm", "align", folder / f"{name}.en.txt", folder / f"{name}.es.txt")
    beads = run_json(filled_cli, *args, "--min-confidence", "0.99")
    assert all(b["confidence"] >= 0.99 for b in beads if b["stored"])
    assert tm_units(filled_cli) == sum(b["stored"] for b in beads)


def test_align_html_and_windows_1252(cli, tmp_path):
    assert cli("init", "--empty").exit_code == 0
    en = tmp_path / "a.en.html"
    es = tmp_path / "a.es.txt"
    en.write_text("<html><body><h1>Joint patrol</h1><p>The <b>Navy</b> sent 4 ships to Tampico. "
                  "They stayed ten days &mdash; as planned.</p></body></html>", "utf-8")
    es.write_bytes("Patrullaje conjunto\n\nLa Armada envió 4 buques a Tampico. Permanecieron diez días.".encode("cp1252"))
    result = cli("tm", "align", en, es, "--json", "--all")
    assert result.exit_code == 0, result.stderr
    assert "Windows-1252" in result.stderr
    beads = json.loads(result.stdout)
    assert [(b["en"], b["es"]) for b in beads] == [
        (["Joint patrol"], ["Patrullaje conjunto"]),
        (["The Navy sent 4 ships to Tampico."], ["La Armada envió 4 buques a Tampico."]),
        (["They stayed ten days \u2014 as planned."], ["Permanecieron diez días."]),  # &mdash; decoded
    ]


# -- pretranslate ---------------------------------------------------------------------------------
def test_pretranslate_lists_matches_and_term_suggestions(filled_cli, tmp_path):
    cli = filled_cli
    run_json(cli, "tm", "add", "The exercise ended on Friday in Veracruz.", "El ejercicio terminó el viernes en Veracruz.")
    run_json(cli, "tm", "add", "Helicopters patrolled the northern border for ten days.",
             "Helicópteros patrullaron la frontera norte durante diez días.")
    article = tmp_path / "article.txt"
    article.write_text("Lt. Gen. Gregory M. Guillot visited the Navy base. The exercise ended on Friday in Veracruz.\n\n"
                       "Helicopters patrolled the southern border for ten days.", "utf-8")
    data = run_json(cli, "tm", "pretranslate", article)
    assert data["lang"] == "en" and data["file"] == str(article)
    text = article.read_text("utf-8")
    sentences = data["sentences"]
    assert [s["text"] for s in sentences] == [
        "Lt. Gen. Gregory M. Guillot visited the Navy base.",
        "The exercise ended on Friday in Veracruz.",
        "Helicopters patrolled the southern border for ten days.",
    ]
    for s in sentences:
        assert text[s["start"]:s["end"]] == s["text"]
        for t in s["terms"]:
            assert s["start"] <= t["start"] < t["end"] <= s["end"] and text[t["start"]:t["end"]] == t["text"]
    assert sentences[0]["match"] is None
    terms = {t["text"]: t["suggestion"] for t in sentences[0]["terms"]}
    assert terms.get("Lt. Gen.") == "Tte. Gral."
    assert sentences[1]["match"]["score"] == 100
    assert sentences[1]["match"]["target"] == "El ejercicio terminó el viernes en Veracruz."
    fuzzy = sentences[2]["match"]
    assert 80 <= fuzzy["score"] < 100 and "[-southern-]{+northern+}" in fuzzy["diff"]
    assert data["summary"] == {"sentences": 3, "exact": 1, "fuzzy": 1, "no_match": 1,
                               "terms": sum(len(s["terms"]) for s in sentences)}

    human = cli("tm", "pretranslate", article)
    assert human.exit_code == 0
    assert "memory 100" in human.stdout and "Tte. Gral." in human.stdout and "no match" in human.stdout
    assert re.search(r"memory 8\d(\.\d+)? \(unit \d+\)", human.stdout)
    # A higher bar drops the fuzzy match.
    strict = run_json(cli, "tm", "pretranslate", article, "--min-score", "99")
    assert strict["sentences"][2]["match"] is None


# -- errors ------------------------------------------------------------------------------------------
@pytest.mark.parametrize("args,code", [
    (("tm", "search", "The fleet.", "--from", "fr"), 2),
    (("tm", "search", "The fleet.", "--min-score", "101"), 2),
    (("tm", "search", "The fleet.", "--limit", "0"), 2),
    (("tm", "search", "   "), 2),
    (("tm", "add", "The fleet.", ""), 2),
    (("tm", "add", "The fleet.", "La flota.", "--to", "fr"), 2),
    (("tm", "concordance", "..."), 2),
    (("tm", "remove", "999"), 2),
    (("tm", "remove", "abc"), 2),
    (("tm", "search"), 2),
    (("tm", "frobnicate"), 2),
    (("tm", "align", "missing.en.txt", "missing.es.txt"), 3),
    (("tm", "pretranslate", "missing.txt"), 3),
])
def test_exit_codes(filled_cli, args, code):
    result = filled_cli(*args)
    assert result.exit_code == code, (result.stdout, result.stderr)
    assert "Traceback" not in result.stderr


def test_bad_files_exit_3_and_store_nothing(filled_cli, tmp_path):
    binary = tmp_path / "bin.txt"
    binary.write_bytes(b"The fleet\x00sailed.")
    good = ALIGN / f"{PAIRS[0][1]}.es.txt"
    for args in (("tm", "align", binary, good), ("tm", "align", good, binary), ("tm", "pretranslate", binary)):
        result = filled_cli(*args)
        assert result.exit_code == 3
        assert str(binary) in result.stderr and len(result.stderr.strip().splitlines()) == 1
    assert filled_cli("tm", "align", ALIGN / f"{PAIRS[0][1]}.en.txt", good, "--min-confidence", "2").exit_code == 2
    assert tm_units(filled_cli) == 0


def test_tm_stats(cli):
    assert cli("init", "--empty").exit_code == 0
    run_json(cli, "tm", "add", "The Navy sent four ships.", "La Armada envió cuatro buques.")
    run_json(cli, "tm", "add", "La Armada zarpó.", "The Navy sailed.")
    data = run_json(cli, "tm", "stats")
    assert data["units"] == 2 and data["language_pairs"] == {"en>es": 1, "es>en": 1}
    assert data["sides"]["en"]["texts"] == 2 and data["sides"]["es"]["texts"] == 2
    assert "translation units: 2" in cli("tm", "stats").stdout


def test_align_refuses_articles_given_the_wrong_way_round(filled_cli):
    folder, name = PAIRS[0]
    en_file, es_file = folder / f"{name}.en.txt", folder / f"{name}.es.txt"
    swapped = filled_cli("tm", "align", str(es_file), str(en_file), "--dry-run")
    assert swapped.exit_code == 2
    assert "tm align takes the English article first" in swapped.stderr and "Traceback" not in swapped.stderr
    both = filled_cli("tm", "align", str(en_file), str(en_file), "--dry-run")
    assert both.exit_code == 2 and "reads as English and" in both.stderr


def test_align_refuses_an_empty_file_as_bad_input(filled_cli, tmp_path):
    folder, name = PAIRS[0]
    empty = tmp_path / "empty.es.txt"
    empty.write_text(" \n\u200b\n", encoding="utf-8")
    result = filled_cli("tm", "align", str(folder / f"{name}.en.txt"), str(empty), "--dry-run")
    assert result.exit_code == 3 and "empty.es.txt" in result.stderr and "empty" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
