"""Translation-memory matching: scores, differences, the search index, concordance."""

from __future__ import annotations

import random
import re
import time
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import termbank.tm as tm
from termbank.errors import FormatError
from termbank.model import TMUnit
from termbank.tm import TMIndex, concordance, diff, find_phrase, format_diff, highlight, score

ROOT = Path(__file__).resolve().parents[1]
INTEROP = ROOT.parent / "shared" / "interop"
TICO = INTEROP / "tmx" / "real" / "tico19-all.en-es-419.tmx"

TWENTY = (
    "More than 120 military and civilian officials from both countries met in El Paso "
    "yesterday to review joint border patrols"
)


# --- scores -------------------------------------------------------------------


def test_twenty_word_sentence():
    assert len(re.findall(r"\w+", TWENTY)) == 20


def test_exact_match_is_100():
    assert score(TWENTY, TWENTY) == 100.0
    assert score("", "") == 100.0


def test_one_word_changed_in_twenty_scores_in_the_nineties():
    changed = TWENTY.replace("review", "assess")
    assert 90 <= score(TWENTY, changed) <= 99
    assert score(TWENTY, changed) == 95.0
    # added or removed words count the same way
    assert 90 <= score(TWENTY, TWENTY.replace("joint ", "")) <= 99
    assert 90 <= score(TWENTY, TWENTY + " today") <= 99


def test_more_edits_score_lower():
    one = TWENTY.replace("review", "assess")
    two = one.replace("joint", "naval")
    five = two.replace("military", "naval").replace("border", "coast").replace("met", "gathered")
    assert score(TWENTY, one) > score(TWENTY, two) > score(TWENTY, five) >= 70
    assert score(TWENTY, "The aircraft landed in Acapulco on Monday.") < 30


@pytest.mark.parametrize(
    "candidate",
    [
        TWENTY.replace("120", "150"),  # numbers only
        TWENTY.replace("120", "1,200"),
        TWENTY.replace("More", "more").replace("El Paso", "EL PASO"),  # case only
        TWENTY + ".",  # punctuation only
        TWENTY.replace("El Paso", "El Paso,"),
        TWENTY.replace(" to ", "  to "),  # white space only
        TWENTY.replace(" ", "\u00a0", 1),
    ],
)
def test_differences_that_keep_the_words_score_high_but_below_100(candidate):
    s = score(TWENTY, candidate)
    assert 95 <= s < 100, s


def test_penalties_are_defined():
    assert score("Se reunieron 120 oficiales.", "Se reunieron 150 oficiales.") == 100 - tm.NUMBER_PENALTY
    assert score("Se reunieron 120 oficiales.", "Se reunieron 120 oficiales") == 100 - tm.PUNCTUATION_PENALTY
    assert score("Se reunieron en Mexico.", "se reunieron en México.") == 100 - tm.CASE_PENALTY - tm.ACCENT_PENALTY
    assert score("Se reunieron.", "Se  reunieron.") == tm.MAX_INEXACT
    # Numbers: at most 3 points however many differ.
    assert score("Lotes 1, 2, 3, 4 y 5.", "Lotes 6, 7, 8, 9 y 10.") == 100 - 3


def test_score_is_not_fooled_by_number_formats():
    # The same digits with other separators still differ from an identical text.
    assert 95 <= score("Una frontera de 3,145 km.", "Una frontera de 3 145 km.") < 100


_texts = st.lists(st.sampled_from(list("ab cé.,1 ÁA") + ["Gen.", " EE. UU.", "3,145", "\u00a0"]), max_size=25).map("".join)


@settings(max_examples=300, deadline=None)
@given(_texts, _texts)
def test_score_properties(a, b):
    s = score(a, b)
    assert 0 <= s <= 100
    assert score(a, a) == 100
    if a != b:
        assert s <= tm.MAX_INEXACT


@settings(max_examples=300, deadline=None)
@given(_texts, _texts)
def test_diff_rebuilds_both_texts(a, b):
    pieces = diff(a, b)
    assert "".join(t for op, t in pieces if op in ("equal", "delete")) == a
    assert "".join(t for op, t in pieces if op in ("equal", "insert")) == b
    assert all(op in ("equal", "delete", "insert") and t for op, t in pieces)


def test_diff_shows_what_differs():
    pieces = diff("Gen. Guillot met 120 officials.", "Gen. Guillot met 150 officers.")
    assert ("delete", "120") in pieces and ("insert", "150") in pieces
    assert format_diff(pieces) == "Gen. Guillot met [-120-]{+150+} [-officials-]{+officers+}."


# --- index ----------------------------------------------------------------------

_SUBJECTS = ["The Mexican Navy", "U.S. Northern Command", "SEDENA", "The National Guard", "The U.S. Coast Guard",
             "Army engineers", "A joint task force", "Marines from both countries", "The Air Force", "The delegation"]
_VERBS = ["deployed", "trained", "inspected", "escorted", "evacuated", "supplied", "patrolled", "reviewed", "tested"]
_OBJECTS = ["two patrol vessels", "a field hospital", "the port of Veracruz", "three helicopters", "the northern border",
            "cargo aircraft", "communications equipment", "search teams", "drinking water", "a mobile command post"]
_PLACES = ["near Tampico", "off the coast of Oaxaca", "in Baja California", "at Fort Bliss", "in the Gulf of Mexico",
           "along the Río Bravo", "in Ciudad Juárez", "at Santa Lucía", "near Mazatlán", "in the Bay of Campeche"]
_TAILS = ["during the annual exercise", "after the hurricane", "as part of a bilateral agreement",
          "before the conference began", "with support from partner nations", "in less than {n} hours",
          "for {n} days", "despite heavy rain", "under a new protocol", "while officials observed"]


def _sentence(rng: random.Random) -> str:
    parts = [rng.choice(_SUBJECTS), rng.choice(_VERBS), rng.choice(_OBJECTS), rng.choice(_PLACES),
             rng.choice(_TAILS).format(n=rng.randint(2, 90))]
    if rng.random() < 0.5:
        parts.append(rng.choice(_TAILS).format(n=rng.randint(2, 90)))
    return " ".join(parts) + "."


PLANTED = ("The Mexican Navy deployed two patrol vessels and a field hospital near Tampico "
           "during the annual exercise with support from partner nations.")


@pytest.fixture(scope="module")
def distractor_index():
    rng = random.Random(11)
    idx = TMIndex()
    for k in range(5000):
        idx.add(k, _sentence(rng))
    # near misses: the planted sentence with two and three words changed
    idx.add("near-2", PLANTED.replace("two", "three").replace("field", "mobile"))
    idx.add("near-3", PLANTED.replace("two", "four").replace("field", "naval").replace("Tampico", "Tuxpan"))
    idx.add("planted", PLANTED)
    for k in range(5000, 5200):
        idx.add(k, _sentence(rng))
    return idx


def test_planted_unit_comes_first_among_5000_distractors(distractor_index):
    query = PLANTED.replace("deployed", "sent")
    hits = distractor_index.search(query, limit=5, min_score=70)
    assert hits[0].id == "planted"
    assert 90 <= hits[0].score <= 99
    assert [h.id for h in hits[:3]] == ["planted", "near-2", "near-3"]
    assert all(hits[i].score >= hits[i + 1].score for i in range(len(hits) - 1))
    exact = distractor_index.search(PLANTED)
    assert exact[0] == tm.Hit("planted", 100.0)


def test_search_reranks_a_bounded_candidate_set(distractor_index, monkeypatch):
    calls = []
    real = tm.score
    monkeypatch.setattr(tm, "score", lambda q, c: calls.append(c) or real(q, c))
    distractor_index.search("The Mexican Navy deployed search teams in the Gulf of Mexico for 5 days.")
    assert 0 < len(calls) <= distractor_index.candidates < len(distractor_index)


def test_search_limit_and_min_score(distractor_index):
    query = PLANTED.replace("deployed", "sent")
    assert len(distractor_index.search(query, limit=2)) == 2
    assert all(h.score >= 93 for h in distractor_index.search(query, min_score=93))
    assert distractor_index.search("Completely unrelated words about cooking pasta") == []


def test_search_is_fast_enough(distractor_index):
    rng = random.Random(5)
    queries = [_sentence(rng) for _ in range(50)]
    start = time.perf_counter()
    for q in queries:
        distractor_index.search(q)
    assert (time.perf_counter() - start) / len(queries) < 0.25


def test_search_folds_case_and_accents():
    idx = TMIndex()
    idx.add(1, "El Ejército Mexicano desplegó 3,145 elementos en la frontera norte.")
    idx.add(2, "La Marina aseguró un semisumergible.")
    hits = idx.search("el ejercito mexicano desplego 3.145 elementos en la frontera norte")
    assert hits[0].id == 1 and 90 <= hits[0].score < 100


def test_save_load_round_trip(tmp_path, distractor_index):
    path = tmp_path / "tm.idx"
    distractor_index.meta["generation"] = 7
    distractor_index.save(path)
    loaded = TMIndex.load(path)
    assert loaded.meta == {"generation": 7}
    assert len(loaded) == len(distractor_index)
    query = PLANTED.replace("deployed", "sent")
    assert loaded.search(query) == distractor_index.search(query)
    # units added after loading are found with the loaded ones
    loaded.add("late", "A late unit about the Río Bravo bridges and customs.")
    assert loaded.search("A late unit about the Rio Bravo bridges and customs.")[0].id == "late"
    loaded.save(path)
    again = TMIndex.load(path)
    assert again.search(query)[0].id == "planted"
    assert again.search("A late unit about the Río Bravo bridges and customs.")[0].id == "late"


def test_integer_ids_round_trip(tmp_path):
    idx = TMIndex()
    idx.add(10, "Los buques zarparon de Veracruz.")
    idx.add(2**40, "Los aviones aterrizaron en Acapulco.")
    idx.save(tmp_path / "i.idx")
    loaded = TMIndex.load(tmp_path / "i.idx")
    assert loaded.search("Los aviones aterrizaron en Acapulco.")[0] == (2**40, 100.0)


def test_load_rejects_other_files(tmp_path):
    bad = tmp_path / "bad.idx"
    bad.write_bytes(b"not an index")
    with pytest.raises(FormatError):
        TMIndex.load(bad)
    idx = TMIndex()
    idx.add(1, "Uno.")
    idx.save(tmp_path / "ok.idx")
    data = (tmp_path / "ok.idx").read_bytes()
    (tmp_path / "cut.idx").write_bytes(data[:-3])
    with pytest.raises(FormatError):
        TMIndex.load(tmp_path / "cut.idx")


def test_remove():
    idx = TMIndex()
    idx.add("a", "The fleet sailed from Veracruz.")
    idx.add("b", "The fleet sailed from Tampico.")
    assert idx.remove("a") == 1
    assert len(idx) == 1
    assert [h.id for h in idx.search("The fleet sailed from Veracruz.")] == ["b"]
    assert idx.remove("a") == 0


def test_find_phrase_in_index():
    idx = TMIndex()
    idx.add(1, "El Tte. Gral. Ruiz llegó a Mazatlán.")
    idx.add(2, "Llegó el teniente general.")
    idx.add(3, "Gral. Tte. Ruiz")
    assert idx.find("tte. gral.") == [1]
    assert idx.find("MAZATLAN") == [1]
    assert idx.find("nothing here") == []


# --- concordance ------------------------------------------------------------------


def test_concordance_is_accent_and_case_insensitive_both_sides():
    units = [
        TMUnit("en", "The Mexican Army (SEDENA) deployed troops.", "es", "El Ejército Mexicano (Sedena) desplegó tropas."),
        TMUnit("en", "The Navy sailed.", "es", "La Armada zarpó."),
        TMUnit("es", "El ejercito llegó.", "en", "The army arrived."),
    ]
    hits = concordance(units, "ejército")
    assert [(units.index(h.unit), h.field) for h in hits] == [(0, "target"), (2, "source")]
    h = hits[0]
    assert [h.unit.target[s:e] for s, e in h.spans] == ["Ejército"]
    assert highlight(h.unit.target, h.spans) == "El [Ejército] Mexicano (Sedena) desplegó tropas."
    hits = concordance(units, "sedena")
    assert [(units.index(h.unit), h.field) for h in hits] == [(0, "source"), (0, "target")]


def test_find_phrase_whole_words_and_spacing():
    text = "Llegaron tropas de EE.UU. y de EE. UU.; el Gral. Ruiz y el general Ruiz."
    assert len(find_phrase(text, "EE. UU.")) == 2
    assert [text[s:e] for s, e in find_phrase(text, "gral")] == ["Gral"]
    assert find_phrase(text, "genera") == []
    assert find_phrase(text, "") == []


# --- acceptance on a real memory ----------------------------------------------------


def _tico_units():
    data = TICO.read_bytes()
    try:
        from termbank.formats.tmx import TmxFormat

        return [(u.source, u.target) for u in TmxFormat().read(data, str(TICO)).units]
    except (ImportError, AttributeError, TypeError):
        from lxml import etree

        xml_lang = "{http://www.w3.org/XML/1998/namespace}lang"
        pairs = []
        for tu in etree.fromstring(data).iter("tu"):
            segs = {tuv.get(xml_lang, "").lower()[:2]: "".join(tuv.find("seg").itertext()) for tuv in tu.iter("tuv")}
            if "en" in segs and "es" in segs:
                pairs.append((segs["en"], segs["es"]))
        return pairs


@pytest.mark.skipif(not TICO.exists(), reason=f"TICO-19 memory not available at {TICO}")
def test_tico19_one_word_changed_finds_the_unit():
    units = _tico_units()
    assert len(units) > 3000
    idx = TMIndex()
    for k, (source, _) in enumerate(units):
        idx.add(k, source)
    rng = random.Random(19)
    sample = [k for k, (s, _) in enumerate(units) if len(s.split()) >= 5]
    checked = 0
    for k in rng.sample(sample, 300):
        source = units[k][0]
        words = source.split(" ")
        choices = [i for i, w in enumerate(words) if w.isalpha()]
        if not choices:
            continue
        i = rng.choice(choices)
        words[i] = "zeppelin" if words[i].lower() != "zeppelin" else "balloon"
        query = " ".join(words)
        hits = idx.search(query)
        assert hits, source
        # the unit itself, or a unit with the very same source text
        assert units[hits[0].id][0] == source, (query, hits[:2])
        assert 80 <= hits[0].score <= 99, (query, hits[0])
        exact = idx.search(source)
        assert exact[0].score == 100 and units[exact[0].id][0] == source
        checked += 1
    assert checked >= 250
