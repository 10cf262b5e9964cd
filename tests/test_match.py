"""The term index and lookup of termbank.match, over a small built set and the shipped glossary."""

from __future__ import annotations

import csv
import doctest
import pickle
import time
import unicodedata
from array import array
from collections import Counter
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from termbank import match
from termbank.match import FUZZY_MAX, SCORES, Hit, KeyEntry, TermIndex
from termbank.model import Concept, Term
from termbank.normalize import fold, fold_case, normalize_space

DATA = Path(__file__).resolve().parent / "data"


def test_doctests():
    result = doctest.testmod(match)
    assert result.attempted > 0 and result.failed == 0


def T(lang, text, type="fullForm", status=None, **kw):
    return Term(lang, text, type, status or ("preferred" if type == "fullForm" else "admitted"), **kw)


CONCEPTS = [
    Concept("rank-gen", "rank", terms=(
        T("en", "general"), T("en", "Gen.", "abbreviation"), T("es", "general"),
        T("es", "Gral.", "abbreviation", case_sensitive=False))),
    Concept("rank-lt-gen", "rank", terms=(
        T("en", "lieutenant general"), T("en", "Lt. Gen.", "abbreviation"), T("en", "LTG", "acronym"),
        T("es", "teniente general"), T("es", "Tte. Gral.", "abbreviation", case_sensitive=False))),
    Concept("rank-col", "rank", terms=(T("en", "colonel"), T("es", "coronel"))),
    Concept("rank-lt-col", "rank", terms=(
        T("en", "lieutenant colonel"), T("en", "Lt. Col.", "abbreviation"),
        T("es", "teniente coronel"), T("es", "Tte. Cnel.", "abbreviation", case_sensitive=False))),
    Concept("rank-adm", "rank", terms=(T("en", "admiral"), T("es", "almirante"))),
    Concept("rank-vadm", "rank", terms=(T("en", "vice admiral"), T("es", "vicealmirante"))),
    Concept("rank-maj", "rank", terms=(T("en", "major", match="title"), T("es-419", "mayor", match="title"))),
    Concept("rank-mx-gral-div", "rank", terms=(
        T("en", "divisional general"), T("es-MX", "general de división"),
        T("es-MX", "Gral. Div.", "abbreviation", case_sensitive=False))),
    Concept("rank-navy-capt", "rank", terms=(T("en", "Navy captain"), T("es", "capitán de navío"))),
    Concept("mx-sedena", "institution", terms=(
        T("en", "Secretariat of National Defense"), T("en", "SEDENA", "acronym"),
        T("es", "Secretaría de la Defensa Nacional"), T("es", "SEDENA", "acronym"),
        T("es", "Sedena", "acronym"))),
    Concept("mx-semar", "institution", terms=(
        T("en", "Secretariat of the Navy"), T("en", "SEMAR", "acronym"),
        T("es", "Secretaría de Marina"), T("es", "SEMAR", "acronym"))),
    Concept("title-sec-defense-mx", "title", terms=(
        T("en", "Secretary of National Defense"), T("es", "secretario de la Defensa Nacional"))),
    Concept("title-sec-navy-mx", "title", terms=(T("en", "Secretary of the Navy"), T("es", "secretario de Marina"))),
    Concept("title-ambassador", "title", terms=(T("en", "ambassador"), T("es", "embajador"))),
    Concept("us-northcom", "institution", terms=(
        T("en", "U.S. Northern Command"), T("en", "Northern Command", "shortForm"),
        T("en", "NORTHCOM", "acronym"), T("es", "Comando Norte de Estados Unidos"))),
    Concept("us-norad", "institution", terms=(
        T("en", "North American Aerospace Defense Command"), T("en", "NORAD", "acronym"))),
    Concept("mx-guardia-nacional", "institution", terms=(
        T("en", "Mexican National Guard"), T("es", "Guardia Nacional"), T("es", "GN", "acronym"))),
    Concept("geo-us", "other", terms=(
        T("en", "United States"), T("en", "U.S.", "abbreviation"), T("en", "US", "acronym"),
        T("es", "Estados Unidos"), T("es", "EE. UU.", "abbreviation"))),
    Concept("geo-mexico", "other", terms=(
        T("en", "Mexico"), T("es", "México"), T("es-ES", "Méjico", "variant", "deprecated"))),
    Concept("geo-el-paso", "other", terms=(T("en", "El Paso"), T("es", "El Paso"))),
    Concept("person-morales", "person", terms=(
        T("es", "Raymundo Pedro Morales Ángeles"), T("es", "Morales Ángeles", "shortForm"))),
    Concept("person-trevilla", "person", terms=(
        T("es", "Ricardo Trevilla Trejo"), T("es", "Trevilla Trejo", "shortForm"))),
    Concept("person-guillot", "person", terms=(T("en", "Gregory M. Guillot"), T("en", "Guillot", "shortForm"))),
    Concept("sec-tco", "other", terms=(
        T("en", "transnational criminal organization"), T("en", "TCO", "acronym"),
        T("es", "organización criminal transnacional"))),
]


@pytest.fixture(scope="module")
def index():
    return TermIndex.build(CONCEPTS)


def first(index, query, **kw):
    hits = index.lookup(query, **kw)
    return hits[0] if hits else None


def ids(hits):
    return [h.concept.id for h in hits]


# -- the index itself -------------------------------------------------------------------

def test_entries_keys_and_kinds(index):
    assert index.concepts["geo-us"] is CONCEPTS[17]
    assert KeyEntry("rank-lt-gen", 4, "term", None) in index.entries["tte gral"]
    assert KeyEntry("rank-lt-gen", 4, "joined", None) in index.entries["ttegral"]
    assert KeyEntry("rank-lt-gen", 1, "joined", "LtGen") in index.entries["ltgen"]
    assert KeyEntry("geo-us", 4, "joined", "EEUU") in index.entries["eeuu"]
    assert KeyEntry("geo-us", 1, "term", "US") in index.entries["us"]
    assert KeyEntry("geo-us", 2, "term", "US") in index.entries["us"]
    assert KeyEntry("rank-lt-col", 2, "plural", None) in index.entries["tenientes coroneles"]
    assert KeyEntry("title-sec-defense-mx", 1, "feminine", None) in index.entries["secretaria de la defensa nacional"]
    assert KeyEntry("title-sec-defense-mx", 0, "plural", None) in index.entries["secretaries of national defense"]
    assert index.max_key_len == max(len(k) for k in index.entries)


def test_no_inflections_for_people_acronyms_or_institution_feminines(index):
    assert "raymundo pedro morales angeles" in index.entries
    assert not any(k.startswith("ricardos") or k.startswith("trevillas") for k in index.entries)
    assert "tcos" not in index.entries and "nortcoms" not in index.entries
    assert "secretarias de marina" in index.entries  # plural of the institution
    kinds = {e.kind for es in index.entries.values() for e in es if e.concept_id == "mx-semar"}
    assert kinds == {"term", "plural"}
    # Ranks in -e/-l are common gender: "la general", "la teniente coronel".
    kinds = {e.kind for es in index.entries.values() for e in es if e.concept_id in ("rank-gen", "rank-lt-col")}
    assert "feminine" not in kinds


def test_form_of_an_entry(index):
    entry = next(e for e in index.entries["secretarias de la defensa nacional"] if e.kind == "feminine-plural")
    assert index.form(entry) == "secretarias de la Defensa Nacional"
    assert index.term(entry).text == "secretario de la Defensa Nacional"


def test_add_replace_and_remove():
    idx = TermIndex.build(CONCEPTS[:3])
    idx.add(Concept("rank-gen", "rank", terms=(T("en", "four-star general"),)))
    assert "general" not in idx.entries and "four star general" in idx.entries
    idx.remove("rank-gen")
    assert "rank-gen" not in idx.concepts and "four star general" not in idx.entries
    assert first(idx, "four-star general") is None
    idx.remove("nope")


def test_index_survives_pickle(index):
    index.lookup("Northen Command")  # builds the fuzzy key lists, which are not pickled
    clone = pickle.loads(pickle.dumps(index))
    assert clone.entries == index.entries
    for q in ("EEUU", "Northen Command", "tenientes coroneles", "us"):
        assert [(h.concept.id, h.match, h.score) for h in clone.lookup(q)] == \
               [(h.concept.id, h.match, h.score) for h in index.lookup(q)]


def test_build_puts_keys_in_the_order_of_adding_one_by_one():
    """The batched build (issue 8) gives the entries, in order, that adding each concept does."""
    built = TermIndex.build(CONCEPTS)
    added = TermIndex()
    for concept in CONCEPTS:
        added.add(concept)
    assert list(built.entries.items()) == list(added.entries.items())
    assert built.max_key_len == added.max_key_len and list(built.concepts) == list(added.concepts)
    assert built._order == added._order


def test_build_with_a_repeated_id_keeps_the_last():
    again = Concept("rank-col", "rank", terms=(T("en", "full colonel"),))
    idx = TermIndex.build([*CONCEPTS[:3], again])
    assert idx.concepts["rank-col"] is again
    assert "colonel" not in idx.entries and "full colonel" in idx.entries


@given(st.lists(st.text(alphabet=" .-\u00a0\u0301\u2013\x00aZÁß1\n", max_size=8), max_size=8))
@settings(max_examples=500, deadline=None)
def test_fold_all_is_fold_of_each(texts):
    assert match._fold_all(texts, fold) == [fold(t) for t in texts]
    assert match._fold_all(texts, fold_case) == [fold_case(t) for t in texts]


def _most_shared_by_counting(values, size):
    counts = Counter(values)
    return sorted(sorted(counts, key=lambda v: (-counts[v], v))[:size])


@given(st.lists(st.lists(st.integers(0, 40), max_size=30, unique=True), max_size=8), st.integers(1, 12))
@settings(max_examples=500, deadline=None)
def test_most_shared_is_the_most_counted_ties_to_the_smallest(lists, size):
    merged = array("I", [v for plist in lists for v in sorted(plist)])
    assert match._most_shared(merged, size) == _most_shared_by_counting(merged, size)


# -- match classes ----------------------------------------------------------------------

@pytest.mark.parametrize(
    "query, concept, term, match_class",
    [
        ("Tte. Gral.", "rank-lt-gen", "Tte. Gral.", "exact"),
        ("  Tte.\u00a0Gral. ", "rank-lt-gen", "Tte. Gral.", "exact"),
        ("Secretaría de la Defensa Nacional", "mx-sedena", "Secretaría de la Defensa Nacional", "exact"),
        (unicodedata.normalize("NFD", "Secretaría de la Defensa Nacional"), "mx-sedena",
         "Secretaría de la Defensa Nacional", "exact"),
        ("secretaria de la defensa nacional", "mx-sedena", "Secretaría de la Defensa Nacional", "folded"),
        ("Tte Gral", "rank-lt-gen", "Tte. Gral.", "folded"),
        ("Lt. Gen", "rank-lt-gen", "Lt. Gen.", "folded"),
        ("Morales Àngeles", "person-morales", "Morales Ángeles", "folded"),
        ("Méxicó", "geo-mexico", "México", "folded"),
        ("EEUU", "geo-us", "EE. UU.", "variant"),
        ("EE.UU.", "geo-us", "EE. UU.", "variant"),
        ("Lt.Gen.", "rank-lt-gen", "Lt. Gen.", "variant"),
        ("U. S.", "geo-us", "U.S.", "variant"),
        ("Mejico", "geo-mexico", "Méjico", "variant"),
        ("Méjico", "geo-mexico", "Méjico", "exact"),
        ("tenientes coroneles", "rank-lt-col", "teniente coronel", "inflected"),
        ("generales de división", "rank-mx-gral-div", "general de división", "inflected"),
        ("capitanes de navio", "rank-navy-capt", "capitán de navío", "inflected"),
        ("lieutenant generals", "rank-lt-gen", "lieutenant general", "inflected"),
        ("Secretaries of National Defense", "title-sec-defense-mx", "Secretary of National Defense", "inflected"),
        ("organizaciones criminales transnacionales", "sec-tco", "organización criminal transnacional", "inflected"),
        ("embajadoras", "title-ambassador", "embajador", "inflected"),
        ("la embajadora", "title-ambassador", "embajador", "inflected"),
        ("la secretaria de Marina", "title-sec-navy-mx", "secretario de Marina", "inflected"),
        ("the lieutenant general", "rank-lt-gen", "lieutenant general", "inflected"),
        ("SEDENA's", "mx-sedena", "SEDENA", "inflected"),
        ("the lieutenant generals\u2019", "rank-lt-gen", "lieutenant general", "inflected"),
        ("NORTHCOM\u2019s", "us-northcom", "NORTHCOM", "inflected"),
        ("El Paso", "geo-el-paso", "El Paso", "exact"),
        ("Guillott", "person-guillot", "Guillot", "fuzzy"),
        ("Trevila Trejo", "person-trevilla", "Trevilla Trejo", "fuzzy"),
        ("Northen Command", "us-northcom", "Northern Command", "fuzzy"),
    ],
)
def test_match_class(index, query, concept, term, match_class):
    hit = first(index, query)
    assert hit is not None, query
    assert (hit.concept.id, hit.term.text, hit.match) == (concept, term, match_class)
    if match_class == "fuzzy":
        assert 75 <= hit.score <= FUZZY_MAX
    else:
        assert hit.score == SCORES[match_class]


def test_abbreviations_inside_a_name_may_lose_their_space():
    index = TermIndex.build([Concept("us-army", "institution", terms=(
        T("en", "U.S. Army"), T("es", "Ejército de EE. UU.")))])
    for query in ("Ejército de EE.UU.", "ejercito de EEUU"):
        (hit,) = index.lookup(query, "es")
        assert (hit.term.text, hit.match, hit.kind) == ("Ejército de EE. UU.", "variant", "tight")
    assert index.lookup("Ejército de EE. UU.", "es")[0].match == "exact"


def test_a_possessive_is_dropped_in_english_only(index):
    assert index.lookup("SEDENA's", "en")[0].match == "inflected"
    spanish = index.lookup("SEDENA's", "es")
    assert spanish and all(h.match == "fuzzy" for h in spanish)


def test_scores_are_ordered_by_class():
    assert SCORES["exact"] > SCORES["folded"] > SCORES["variant"] > SCORES["inflected"] > FUZZY_MAX


def test_ranking_by_class_then_score(index):
    hits = index.lookup("secretaria de la defensa nacional")
    assert ids(hits)[:2] == ["mx-sedena", "title-sec-defense-mx"]
    assert [h.match for h in hits[:2]] == ["folded", "inflected"]
    order = [(match.MATCH_CLASSES.index(h.match), -h.score) for h in hits]
    assert order == sorted(order)


def test_one_hit_per_concept(index):
    hits = index.lookup("general")
    assert len(ids(hits)) == len(set(ids(hits)))
    assert hits[0].concept.id == "rank-gen" and hits[0].match == "exact"
    assert all(h.match == "fuzzy" for h in hits[1:])


def test_limit(index):
    assert len(index.lookup("general", limit=2)) == 2
    assert index.lookup("general", limit=0) == []


def test_from_lang(index):
    hit = first(index, "general", from_lang="es")
    assert hit.term.lang == "es" and hit.term.text == "general"
    assert first(index, "general", from_lang="en").term.lang == "en"
    assert first(index, "Guardia Nacional", from_lang="en", fuzzy=False) is None
    assert first(index, "lieutenant general", from_lang="es-MX", fuzzy=False) is None


def test_preferred_term_wins_within_a_concept(index):
    # "SEDENA" is an English and a Spanish term of the same concept: either is exact.
    hit = first(index, "SEDENA")
    assert hit.concept.id == "mx-sedena" and hit.match == "exact"


# -- case-sensitive terms ---------------------------------------------------------------

@pytest.mark.parametrize("query", ["US", "U.S.", "U.S", "U. S."])
def test_us_in_capitals_is_the_united_states(index, query):
    hit = first(index, query)
    assert hit.concept.id == "geo-us" and hit.match in ("exact", "folded", "variant")


@pytest.mark.parametrize("query", ["us", "u.s.", "Us", "eeuu", "ee. uu.", "sedena", "norad", "tco"])
def test_lowercase_is_not_an_acronym(index, query):
    joined = fold(query).replace(" ", "")
    for hit in index.lookup(query):
        assert not (hit.term.is_case_sensitive and fold(hit.term.text).replace(" ", "") == joined)


def test_lowercase_acronym_not_even_fuzzy(index):
    assert index.lookup("sedena") == []
    assert index.lookup("us") == []
    assert index.lookup("ee uu") == []
    assert index.lookup("eeuu") == []


def test_title_case_acronym_listed_as_a_term(index):
    hit = first(index, "Sedena")
    assert (hit.concept.id, hit.term.text, hit.match) == ("mx-sedena", "Sedena", "exact")


def test_accepts_case():
    e = KeyEntry("x", 0, "term", "EE UU")
    assert e.accepts_case("EE. UU.") and e.accepts_case("EE UU") and not e.accepts_case("ee uu")
    assert e.accepts_case("EEUU", joined=True)
    assert KeyEntry("x", 0, "term", None).accepts_case("anything")


# -- edge cases -------------------------------------------------------------------------

@pytest.mark.parametrize("query", ["", "   ", "\u00a0", "...", "zzzzqqqq"])
def test_nothing_found(index, query):
    assert index.lookup(query) == []


def test_short_queries_get_no_fuzzy_hits(index):
    assert index.lookup("gnr") == []
    assert index.lookup("TCX") == []
    assert [h.match for h in index.lookup("gnrl")] in ([], ["fuzzy"] * len(index.lookup("gnrl")))


def test_fuzzy_off(index):
    assert index.lookup("Guillott", fuzzy=False) == []


def test_hit_is_frozen(index):
    hit = first(index, "general")
    assert isinstance(hit, Hit)
    with pytest.raises(AttributeError):
        hit.score = 1  # type: ignore[misc]


def test_build_speed():
    concepts = [
        Concept(f"c{i}", "rank", terms=(
            T("en", f"deputy colonel number {i}"), T("es", f"coronel adjunto de la zona {i}"),
            T("en", f"DC{i}", "acronym")))
        for i in range(20000)
    ]
    t = time.perf_counter()
    idx = TermIndex.build(concepts)
    elapsed = time.perf_counter() - t
    assert len(idx) == 20000
    assert first(idx, "coroneles adjuntos de la zona 19999", fuzzy=False).concept.id == "c19999"
    assert elapsed < 10  # about 0.7 s on a laptop; a quadratic build would take minutes


# -- the shipped glossary ---------------------------------------------------------------

@pytest.fixture(scope="module")
def shipped():
    from termbank.glossary import load_shipped

    concepts = load_shipped()
    if not concepts:
        pytest.skip("the shipped glossary is empty")
    return concepts, TermIndex.build(concepts)


def concepts_with(concepts, lang, text):
    """Return the ids of the concepts holding a term ``text`` in ``lang`` (exact, else folded)."""
    exact = {c.id for c in concepts for t in c.terms if t.base_lang == lang and normalize_space(t.text) == text}
    if exact:
        return exact
    return {c.id for c in concepts for t in c.terms if t.base_lang == lang and fold(t.text) == fold(text)}


@pytest.mark.parametrize(
    "query, lang, term",
    [
        ("lieutenant general", "en", "lieutenant general"),
        ("Tte. Gral.", "es", "teniente general"),
        ("teniente general", "es", "teniente general"),
        ("SEDENA", "es", "Secretaría de la Defensa Nacional"),
        ("Estados Unidos", "es", "Estados Unidos"),
    ],
)
def test_shipped_exact_or_folded(shipped, query, lang, term):
    concepts, idx = shipped
    expected = concepts_with(concepts, lang, term)
    if not expected:
        pytest.skip(f"no concept with the {lang} term {term!r} in the shipped glossary")
    hit = first(idx, query)
    assert hit is not None and hit.concept.id in expected
    assert hit.match in ("exact", "folded")


def test_shipped_us_is_case_sensitive(shipped):
    concepts, idx = shipped
    expected = concepts_with(concepts, "en", "United States")
    if not expected:
        pytest.skip("no United States concept")
    assert first(idx, "US").concept.id in expected
    assert all(h.concept.id not in expected for h in idx.lookup("us"))


def _rows():
    with open(DATA / "lookup_variants.tsv", encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh, delimiter="\t", quoting=csv.QUOTE_NONE))


def test_lookup_variants_table_is_big_enough():
    rows = _rows()
    assert len(rows) >= 60
    assert all(r["query"] and r["expected_lang"] in ("en", "es") and r["expected_term"] for r in rows)


def test_lookup_variants_first_hit(shipped, capsys):
    """The expected concept comes first for at least 95% of the table's rows."""
    concepts, idx = shipped
    rows = _rows()
    ok, failures = 0, []
    for r in rows:
        expected = concepts_with(concepts, r["expected_lang"], r["expected_term"])
        hits = idx.lookup(r["query"])
        if expected and hits and hits[0].concept.id in expected:
            ok += 1
            continue
        got = f"{hits[0].concept.id} ({hits[0].term.text!r}, {hits[0].match})" if hits else "nothing"
        why = "no such concept in the glossary" if not expected else f"got {got}"
        failures.append(f"{r['query']!r} -> {r['expected_term']!r}: {why}")
    with capsys.disabled():
        print(f"\nlookup variants: {ok}/{len(rows)} first hits ({100 * ok / len(rows):.1f}%)")
        for f in failures:
            print("  FAIL", f)
    assert ok >= 0.95 * len(rows), failures


def test_packed_dict_finds_the_same_keys_by_bisection_and_by_dict(monkeypatch):
    from termbank import match

    items = {f"k{i:05d}": [i] for i in range(3000, 0, -1)}
    monkeypatch.setattr(match, "_FINDS_BEFORE_DICT", 100)
    packed = match._Packed(*match._Packed.pack(items))
    probes = [f"k{i:05d}" for i in range(0, 3100, 7)] + ["", "zz", ("t",), ["x"]]
    got = [packed._find(k) for k in probes]  # bisection, then the dict once past 100 searches
    assert packed._where is not None
    again = [packed._find(k) for k in probes]  # all by the dict
    assert got == again
    assert [packed.get(k, [None])[0] if isinstance(k, str) else None for k in probes[:-2]] == \
        [items.get(k, [None])[0] for k in probes[:-2]]


def test_large_index_looks_up_the_same_after_the_cache(tmp_path, monkeypatch):
    """An index past FUZZY_SCAN_MAX keys (trigram pool for fuzzy lookup), before and after a cache round trip."""
    import random

    from termbank import cache
    from termbank.match import FUZZY_SCAN_MAX

    monkeypatch.setenv("TERMBANK_CACHE_DIR", str(tmp_path))
    monkeypatch.delenv("TERMBANK_NO_CACHE", raising=False)
    rng = random.Random(8)
    syllables = "ba be bi bo bu ca ce ci co cu da de di do du fa fe fi fo fu ga ge gi go gu la le li lo lu ma me " \
                "mi mo mu na ne ni no nu ra re ri ro ru sa se si so su ta te ti to tu".split()

    def word():
        return "".join(rng.choice(syllables) for _ in range(rng.randint(2, 4)))

    concepts = [Concept(f"c{i}", "other", terms=(Term(text=f"{word()} {word()}", lang="en"), Term(text=f"{word()} {word()}", lang="es")))
                for i in range(3000)]
    built = TermIndex.build(concepts)
    assert len(built.entries) > FUZZY_SCAN_MAX
    queries = [c.terms[0].text[:-1] + "x" for c in concepts[::97]] + [c.terms[1].text.upper() for c in concepts[::89]]

    def answers(index):
        return [[(h.concept.id, h.match, round(h.score, 2)) for h in index.lookup(q, limit=5)] for q in queries]

    want = answers(built)
    assert sum(bool(a) for a in want) > len(queries) * 0.9
    cache.cached("idx", "u", 1, lambda: built)
    loaded = cache.cached("idx", "u", 1, lambda: pytest.fail("rebuilt"))
    assert answers(loaded) == want
