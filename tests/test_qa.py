"""Bilingual QA, ``termbank check`` (issue 6): planted errors found once, clean pairs clean.

Each folder of ``tests/data/qa`` holds one translation pair: ``source.LANG.txt``, a
professional translation ``clean.LANG.txt`` using the termbase's approved terms, a copy
``planted.LANG.txt`` with errors planted in it, and ``gold.json`` listing each planted error
(kind, concept or null, the source and target text it concerns). ``heldout/`` holds a pair
kept apart while the checker was tuned.
"""

from __future__ import annotations

import json
import re
from decimal import Decimal
from pathlib import Path

import pytest

from termbank import qa
from termbank.errors import ConfigError, UsageError

DATA = Path(__file__).resolve().parent / "data" / "qa"
PAIRS = sorted(p.parent for p in DATA.glob("*/gold.json")) + sorted(p.parent for p in DATA.glob("heldout/*/gold.json"))


def _gold(pair: Path) -> dict:
    return json.loads((pair / "gold.json").read_text(encoding="utf-8"))


@pytest.fixture(scope="session")
def annotator(shipped_concepts):
    from termbank.annotate import Annotator
    from termbank.match import TermIndex

    return Annotator(TermIndex.build(shipped_concepts))


def _run(annotator, pair: Path, version: str, locale: str | None):
    gold = _gold(pair)
    source = (pair / gold["source"]).read_text(encoding="utf-8")
    target = (pair / gold[version]).read_text(encoding="utf-8")
    findings = qa.check(source, target, annotator, source_lang=gold["source_lang"],
                        target_lang=gold["target_lang"], target_locale=locale)
    return source, target, findings


def _span_of(text: str, snippet: str, nth: int = 1) -> tuple[int, int]:
    starts = [m.start() for m in re.finditer(re.escape(snippet), text)]
    assert len(starts) >= nth, f"gold snippet {snippet!r} not in the text"
    if nth == 1:
        assert len(starts) == 1, f"gold snippet {snippet!r} is ambiguous; give an occurrence"
    return starts[nth - 1], starts[nth - 1] + len(snippet)


def _overlaps(span, other) -> bool:
    return span is not None and span[0] < other[1] and other[0] < span[1]


def test_there_are_enough_pairs():
    pairs = [p for p in PAIRS if p.parent == DATA]
    assert len(pairs) >= 5
    assert sum(_gold(p)["source_lang"] == "en" for p in pairs) >= 4
    assert sum(_gold(p)["source_lang"] == "es" for p in pairs) >= 1
    assert any(p.parent.name == "heldout" for p in PAIRS)
    for pair in PAIRS:
        gold = _gold(pair)
        words = len((pair / gold["source"]).read_text(encoding="utf-8").split())
        assert 150 <= words <= 400, (pair.name, words)
        # Every kind is planted in every pair.
        assert {e["kind"] for e in gold["errors"]} == set(qa.KINDS), pair.name


@pytest.mark.parametrize("with_locale", [True, False], ids=["locale", "inferred"])
@pytest.mark.parametrize("pair", PAIRS, ids=lambda p: p.name)
def test_clean_translation_has_no_findings(annotator, pair, with_locale):
    locale = _gold(pair)["locale"] if with_locale else None
    _, _, findings = _run(annotator, pair, "clean", locale)
    assert findings == []


@pytest.mark.parametrize("with_locale", [True, False], ids=["locale", "inferred"])
@pytest.mark.parametrize("pair", PAIRS, ids=lambda p: p.name)
def test_each_planted_error_is_reported_once(annotator, pair, with_locale):
    gold = _gold(pair)
    source, target, findings = _run(annotator, pair, "planted", gold["locale"] if with_locale else None)
    unclaimed = list(findings)
    for error in gold["errors"]:
        src = _span_of(source, error["source"], error.get("source_n", 1)) if error["source"] else None
        tgt = _span_of(target, error["target"], error.get("target_n", 1)) if error["target"] else None
        hits = [f for f in unclaimed
                if f.kind == error["kind"]
                and (error["concept"] is None or f.concept == error["concept"])
                and (src is None or _overlaps(f.source_span, src))
                and (tgt is None or _overlaps(f.target_span, tgt))]
        assert len(hits) == 1, (error, [f.as_dict() for f in findings])
        unclaimed.remove(hits[0])
    assert unclaimed == [], [f.as_dict() for f in unclaimed]


@pytest.mark.parametrize("pair", PAIRS, ids=lambda p: p.name)
def test_spans_point_into_the_texts(annotator, pair):
    source, target, findings = _run(annotator, pair, "planted", _gold(pair)["locale"])
    for f in findings:
        assert f.kind in qa.KINDS
        for span, text in ((f.source_span, source), (f.target_span, target)):
            if span is not None:
                assert 0 <= span[0] < span[1] <= len(text)
        if f.kind in ("deprecated-term", "untranslated-term", "name-mismatch") and f.found:
            assert target[f.target_span[0]:f.target_span[1]] == f.found
    d = findings[0].as_dict()
    assert set(d) >= {"kind", "message", "concept", "source_span", "target_span"}
    json.dumps(d)


def test_ignore_kinds_and_concepts(annotator):
    pair = DATA / "northcom_sedena"
    _, _, everything = _run(annotator, pair, "planted", "es-MX")
    gold = _gold(pair)
    source = (pair / gold["source"]).read_text(encoding="utf-8")
    target = (pair / gold["planted"]).read_text(encoding="utf-8")
    fewer = qa.check(source, target, annotator, source_lang="en", target_lang="es", target_locale="es-MX",
                     ignore=["number-mismatch"], ignore_concepts=["mx-sedena"])
    assert {f.kind for f in fewer} == {f.kind for f in everything} - {"number-mismatch", "inconsistent-term"}
    with pytest.raises(UsageError):
        qa.check(source, target, annotator, source_lang="en", target_lang="es", ignore=["typo"])
    with pytest.raises(UsageError):
        qa.check(source, source, annotator, source_lang="en", target_lang="en")


# -- terms: small cases ---------------------------------------------------------------------
def _kinds(annotator, source, target, **kw):
    kw.setdefault("source_lang", "en")
    kw.setdefault("target_lang", "es")
    return [(f.kind, f.concept) for f in qa.check(source, target, annotator, **kw)]


def test_another_rank_inside_the_right_one_is_a_wrong_term(annotator):
    # "coronel" is a word of "teniente coronel", but it is another rank.
    for source, target, wrong in [
        ("Lt. Col. John Smith spoke.", "Habló el coronel John Smith.", "us-lt-col"),
        ("Two lieutenant colonels attended.", "Asistieron dos coroneles.", "us-lt-col"),
        ("Sgt. Maj. John Smith spoke.", "Habló el sargento John Smith.", "us-sgm"),
        ("Deputy Secretary of Defense Steve Feinberg spoke.", "Habló el secretario de Defensa Steve Feinberg.",
         "title-dep-secdef"),
    ]:
        assert _kinds(annotator, source, target) == [("wrong-term", wrong)], target
    assert _kinds(annotator, "Lt. Col. John Smith spoke.", "Habló el teniente coronel John Smith.") == []
    # "general" is also the generic title of every general officer (ranks-us.toml).
    assert _kinds(annotator, "Brig. Gen. John Smith spoke.", "Habló el general John Smith.") == []


def test_terms_are_counted_per_occurrence(annotator):
    source = "SEDENA sent troops. SEDENA sent aircraft. SEDENA sent ships."
    assert _kinds(annotator, source, "La SEDENA envió tropas. La Defensa envió aviones. La Secretaría de la "
                                     "Defensa Nacional envió buques.", target_locale="es-MX") == []
    found = _kinds(annotator, source, "La SEDENA envió tropas. Envió aviones. La SEDENA envió buques.")
    assert found == [("missing-term", "mx-sedena")]
    f, = qa.check(source, "La SEDENA envió tropas. Envió aviones. La SEDENA envió buques.", annotator,
                  source_lang="en", target_lang="es")
    assert source[f.source_span[0]:f.source_span[1]] == "SEDENA" and f.source_span[0] == source.index("SEDENA sent a")
    assert f.expected == "SEDENA"


def test_a_deprecated_or_misspelt_rendering_is_not_also_missing(annotator):
    assert _kinds(annotator, "The task force met.", "La fuerza de trabajo se reunió.") == \
        [("deprecated-term", "unit-task-force")]
    assert _kinds(annotator, "Adm. Raymundo Pedro Morales Ángeles spoke.",
                  "Habló el almirante Raymundo Pedro Morales Angeles.") == \
        [("name-mismatch", "person-raymundo-pedro-morales-angeles")]


def test_untranslated_name_and_its_gloss(annotator):
    assert _kinds(annotator, "Joint Task Force North leads.", "La Joint Task Force North dirige.") == \
        [("untranslated-term", "us-jtf-north")]
    # The English name given after the Spanish one is a gloss, not an error.
    assert _kinds(annotator, "Joint Task Force North leads.",
                  "La Fuerza de Tarea Conjunta Norte (Joint Task Force North) dirige.") == []


def test_acronym_defined_in_parentheses_is_one_occurrence(annotator):
    source = "Officials from the Secretariat of National Defense (SEDENA) and SEDENA's engineers met."
    target = "Funcionarios de la Secretaría de la Defensa Nacional e ingenieros de la SEDENA se reunieron."
    assert _kinds(annotator, source, target) == []


def test_inconsistent_forms_reported_once_per_concept(annotator):
    source = "The U.S. and Mexico met. The U.S. sent a team; the U.S. paid."
    target = "EE. UU. y México se reunieron. EE.UU. envió un equipo; EE.UU. pagó."
    found = qa.check(source, target, annotator, source_lang="en", target_lang="es")
    assert [(f.kind, f.concept) for f in found] == [("inconsistent-term", "geo-united-states")]
    assert found[0].expected == "EE. UU."


def test_misspelt_names_beyond_accents(annotator):
    source = "Omar García Harfuch met Gen. Gregory M. Guillot."
    found = qa.check(source, "Omar Garsía Harfuch se reunió con el general Gregory M. Guilliot.", annotator,
                     source_lang="en", target_lang="es")
    assert sorted((f.kind, f.found) for f in found) == [("name-mismatch", "Gregory M. Guilliot"),
                                                         ("name-mismatch", "Omar Garsía Harfuch")]


def test_a_source_word_left_in_the_target(annotator):
    found = qa.check("According to the Pentagon, it worked.", "Según el Pentagon, funcionó.", annotator,
                     source_lang="en", target_lang="es")
    assert [(f.kind, f.found, f.expected) for f in found] == [("untranslated-term", "Pentagon", "Pentágono")]


def test_ordinary_translation_freedoms(annotator):
    # An adjective for a country, a word inserted inside a term, a verb that looks like a
    # noun term but for its accent, a country named in a possessive.
    pairs = [
        ("U.S. officials reviewed security cooperation.",
         "Funcionarios estadounidenses revisaron la cooperación bilateral en materia de seguridad."),
        ("Mexico's Secretariat of National Defense reported it.", "La Secretaría de la Defensa Nacional lo informó."),
        ("Officials seized two boats.", "Las autoridades decomisó dos lanchas."),
        ("The U.S. Navy sent a ship.", "La Marina de EE. UU. envió un buque."),
    ]
    for source, target in pairs:
        assert _kinds(annotator, source, target) == [], source


def test_weekday_must_agree(annotator):
    source = "They met on Tuesday, March 4."
    assert _kinds(annotator, source, "Se reunieron el martes 4 de marzo.") == []
    assert _kinds(annotator, source, "Se reunieron el miércoles 4 de marzo.") == [("date-mismatch", None)]


# -- numbers across locales ---------------------------------------------------------------------
@pytest.mark.parametrize("token, locale, value", [
    ("3,145", "en", "3145"), ("3145", "en", "3145"), ("2.5", "en", "2.5"), ("10,000", "en", "10000"),
    ("3.145", "es", "3145"), ("3145", "es", "3145"), ("10.000", "es", "10000"), ("10 000", "es", "10000"),
    ("2,5", "es", "2.5"), ("3.145", "es_ES", "3145"), ("2,5", "es_ES", "2.5"),
    ("3,145", "es_MX", "3145"), ("2.5", "es_MX", "2.5"), ("10,000", "es_MX", "10000"),
    ("3,145", "es_419", "3145"), ("2.5", "es_419", "2.5"), ("10\u00a0000", "es_419", "10000"),
])
def test_parse_number(token, locale, value):
    assert qa.parse_number(token, locale) == Decimal(value)


@pytest.mark.parametrize("token, locale", [("2.5", "es"), ("2,5", "en"), ("2,5", "es_MX"), ("2.5", "es_ES"),
                                           ("3,14", "en"), ("10 00", "es")])
def test_a_number_the_locale_cannot_write(token, locale):
    assert qa.parse_number(token, locale) is None


def test_a_comma_group_reads_as_a_decimal_in_spain():
    assert qa.parse_number("3,145", "es_ES") == Decimal("3.145")


@pytest.mark.parametrize("lang, locale, text, expected", [
    ("en", None, "", ("en",)),
    ("es", "es-MX", "", ("es_MX",)), ("es", "es-ES", "", ("es_ES",)), ("es", "es-419", "", ("es_419",)),
    ("es", None, "un 2,5 % y 10.000 efectivos", ("es",)),
    ("es", None, "un 2.5% y 10,000 elementos", ("es_MX",)),
    ("es", None, "1.200.000 personas", ("es",)),
    ("es", None, "los 3145 kilómetros", ("es", "es_MX")),
    ("es", "es", "3,145 y 2.5", ("es_MX",)),
])
def test_number_locales(lang, locale, text, expected):
    assert qa.number_locales(lang, locale, text) == expected


def test_spell_number_uses_babel():
    assert qa.spell_number(Decimal("10000"), ["es_ES"])[0] == "10.000"
    assert qa.spell_number(Decimal("10000"), ["es_MX"])[0] == "10,000"
    assert qa.spell_number(Decimal("2.5"), ["es_419"]) == ["2.5"]


def _numbers(text, lang, locales=None, **kw):
    return [(n.text, sorted(n.values), n.kind, n.unit) for n in
            qa.find_numbers(text, lang, locales or qa.number_locales(lang, None, text), **kw)]


def test_find_numbers_scales_units_and_percentages():
    assert _numbers("$1.2 billion, 15 percent and 3,145-kilometer", "en") == [
        ("1.2 billion", [Decimal("1.2E9")], "number", None),
        ("15", [Decimal(15)], "number", None),
        ("3,145", [Decimal(3145)], "number", "km"),
    ]
    assert _numbers("1200 millones de dólares y 10 mil elementos, un 15 %", "es", ["es"])[:2] == [
        ("1200 millones", [Decimal("1.2E9")], "number", None),
        ("10 mil", [Decimal(10000)], "number", None),
    ]


def test_find_numbers_ordinals_words_and_times():
    found = _numbers("la 3.ª Brigada, el 1.er batallón, la Tercera Flota, la V Región Militar, dos buques, "
                     "a las 15:00 horas", "es", ["es"], words=True)
    assert ("3.ª", [Decimal(3)], "ordinal", None) in found
    assert ("1.er", [Decimal(1)], "ordinal", None) in found
    assert ("Tercera", [Decimal(3)], "ordinal", None) in found
    assert ("V", [Decimal(5)], "ordinal", None) in found
    assert ("dos", [Decimal(2)], "number", None) in found
    assert ("15:00 horas", [900], "time", None) in found
    assert [(t, k) for t, _, k, _ in _numbers("the 1st Brigade at 3 p.m.", "en")] == [("1st", "ordinal"),
                                                                                       ("3 p.m.", "time")]


def test_a_source_span_takes_a_whole_parenthesis(annotator):
    source = "The National Intelligence Center (CNI) met."
    (f,) = qa.check(source, "El CISEN se reunió.", annotator, source_lang="en", target_lang="es")
    assert f.kind == "deprecated-term" and source[f.source_span[0]:f.source_span[1]] == "National Intelligence Center (CNI)"


def test_military_times_are_times(annotator):
    found = _numbers("at 0600 hours, at 1830 and at 2200 hrs; the 1830s, 1,830 troops, in 1830", "en")
    assert [(t, k) for t, _, k, _ in found] == [("0600 hours", "time"), ("1830", "time"), ("2200 hrs", "time"),
                                                ("1,830", "number"), ("1830", "number")]
    # Years, counts, durations and altitudes after "at" / "las" stay numbers.
    for text, lang in [("Spending stayed at 2015 levels.", "en"), ("They logged 1500 hours of training.", "en"),
                       ("The helicopters flew at 1500 feet.", "en"), ("De las 2000 armas incautadas.", "es"),
                       ("Registraron 1500 horas de vuelo.", "es")]:
        assert [k for _, _, k, _ in _numbers(text, lang, [lang])] == ["number"], text
    source = "The patrol arrived at 0600 hours and left at 1830."
    for target, bad in [("La patrulla llegó a las 06:00 horas y partió a las 18:30.", []),
                        ("La patrulla llegó a las 0600 horas y partió a las 1830.", []),
                        ("La patrulla llegó a las 07:00 horas y partió a las 18:30.", ["07:00 horas"])]:
        found = qa.check(source, target, annotator, source_lang="en", target_lang="es")
        assert [target[f.target_span[0]:f.target_span[1]] for f in found] == bad, target


def test_unit_conversions_within_two_percent():
    src, = qa.find_numbers("650 nautical miles", "en", ["en"])
    close, = qa.find_numbers("1200 kilómetros", "es", ["es"])
    far, = qa.find_numbers("1300 kilómetros", "es", ["es"])
    same_value_other_unit, = qa.find_numbers("650 kilómetros", "es", ["es"])
    assert src.accepts(close) and not src.accepts(far) and not src.accepts(same_value_other_unit)
    miles, = qa.find_numbers("60 miles", "en", ["en"])
    assert miles.accepts(qa.find_numbers("97 km", "es", ["es"])[0])
    pounds, = qa.find_numbers("500 pounds", "en", ["en"])
    assert pounds.accepts(qa.find_numbers("227 kilos", "es", ["es"])[0])


def test_number_findings_across_locales(annotator):
    source = "The border is 3,145 kilometers long and 2.5 percent of it is fenced."
    for locale, target, bad in [
        ("es-ES", "La frontera mide 3145 kilómetros y el 2,5 % está vallado.", None),
        ("es-ES", "La frontera mide 3.145 kilómetros y el 2,5 % está vallado.", None),
        ("es-ES", "La frontera mide 3,145 kilómetros y el 2,5 % está vallado.", "3,145"),
        ("es-MX", "La frontera mide 3,145 kilómetros y el 2.5% está cercado.", None),
        ("es-MX", "La frontera mide 3,145 kilómetros y el 2,5% está cercado.", "2,5"),
        ("es-419", "La frontera mide 3,145 kilómetros y el 2.5% está cercado.", None),
        ("es-MX", "La frontera mide 1,954 millas y el 2.5% está cercado.", None),
        ("es-MX", "La frontera mide 3,154 kilómetros y el 2.5% está cercado.", "3,154"),
    ]:
        found = qa.check(source, target, annotator, source_lang="en", target_lang="es", target_locale=locale)
        numbers = [target[f.target_span[0]:f.target_span[1]] for f in found if f.kind == "number-mismatch"]
        assert numbers == ([bad] if bad else []), (locale, target, [f.message for f in found])


def test_numbers_in_words_and_ordinals_are_accepted(annotator):
    source = "The 3rd Brigade sent 2 helicopters and 40 troops at 3 p.m."
    target = "La Tercera Brigada envió dos helicópteros y cuarenta tropas a las 15:00 horas."
    assert [f.kind for f in qa.check(source, target, annotator, source_lang="en", target_lang="es")] == []


# -- dates ------------------------------------------------------------------------------------
def _dates(text, lang):
    return [(d.text, sorted(d.points), d.year) for d in qa.find_dates(text, lang)]


def test_find_dates_in_both_languages():
    assert _dates("They met June 23-25, 2025, and in May 2025; again June 18.", "en") == [
        ("June 23-25, 2025", [(6, 23), (6, 25)], 2025), ("May 2025", [(5, None)], 2025),
        ("June 18", [(6, 18)], None)]
    assert _dates("del 23 al 25 de junio de 2025, en mayo de 2025 y el 18 de junio", "es") == [
        ("del 23 al 25 de junio de 2025", [(6, 23), (6, 25)], 2025), ("mayo de 2025", [(5, None)], 2025),
        ("el 18 de junio", [(6, 18)], None)]
    assert _dates("Sept. 30, 2024 and 30 September 2024", "en") == [
        ("Sept. 30, 2024", [(9, 30)], 2024), ("30 September 2024", [(9, 30)], 2024)]
    assert _dates("del 30 de junio al 2 de julio; el 1.º de mayo; setiembre de 2025", "es") == [
        ("del 30 de junio al 2 de julio", [(6, 30), (7, 2)], None), ("el 1.º de mayo", [(5, 1)], None),
        ("setiembre de 2025", [(9, None)], 2025)]
    # "may" the verb is no date; "May" the month needs a day, a year or a preposition.
    assert _dates("Officials may meet. May officials agree?", "en") == []


def test_dates_match_across_languages():
    en = qa.find_dates("June 23-25, 2025", "en")[0]
    assert en.accepts(qa.find_dates("del 23 al 25 de junio de 2025", "es")[0])
    assert en.accepts(qa.find_dates("los días 23, 24 y 25 de junio de 2025", "es")[0])
    assert not en.accepts(qa.find_dates("del 23 al 26 de junio de 2025", "es")[0])
    assert not en.accepts(qa.find_dates("del 23 al 25 de julio de 2025", "es")[0])
    assert not en.accepts(qa.find_dates("del 23 al 25 de junio de 2024", "es")[0])
    assert qa.format_date(en, "es") == "del 23 al 25 de junio de 2025"
    assert qa.format_date(qa.find_dates("18 de junio", "es")[0], "en") == "June 18"


def test_date_finding_names_the_expected_date(annotator):
    found = qa.check("The drill ends May 2025.", "El simulacro termina en abril de 2025.", annotator,
                     source_lang="en", target_lang="es")
    assert [(f.kind, f.expected, f.found) for f in found] == [("date-mismatch", "mayo de 2025", "abril de 2025")]


# -- sentences --------------------------------------------------------------------------------
def test_sentence_spans_skip_abbreviations():
    text = "El Gral. Div. Ricardo Trevilla Trejo llegó a EE. UU. el lunes. Habló con el Tte. Gral. Pepin."
    assert [text[s:e] for s, e in qa.sentence_spans(text)] == [
        "El Gral. Div. Ricardo Trevilla Trejo llegó a EE. UU. el lunes.", "Habló con el Tte. Gral. Pepin."]
    text = "The meeting ended.\nA new line starts here. And another sentence."
    assert len(qa.sentence_spans(text)) == 3


# -- configuration ----------------------------------------------------------------------------
def test_read_and_find_config(tmp_path):
    (tmp_path / ".termbank.toml").write_text(
        '[check]\nignore = ["number-mismatch"]\nignore_concepts = ["geo-mexico"]\nto = "es_mx"\n', encoding="utf-8")
    sub = tmp_path / "a" / "b"
    sub.mkdir(parents=True)
    found = qa.find_config(sub)
    assert found == tmp_path / ".termbank.toml"
    config = qa.read_config(found)
    assert config.ignore == ("number-mismatch",) and config.ignore_concepts == ("geo-mexico",)
    assert config.to == "es-MX"


@pytest.mark.parametrize("content, message", [
    ('[check]\nignore = ["typo"]\n', "typo"),
    ('[check]\nignore = "number-mismatch\n', "line 2"),
    ('[check]\nignore_concepts = [1]\n', "list of strings"),
    ('[check]\nfrobnicate = true\n', "frobnicate"),
    ('[check]\nto = "klingon"\n', "language tag"),
])
def test_bad_config(tmp_path, content, message):
    path = tmp_path / "bad.toml"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(ConfigError) as err:
        qa.read_config(path)
    assert message in str(err.value) and str(path) in str(err.value)


# -- reports ----------------------------------------------------------------------------------
def _report(annotator, version="planted", **kw):
    pair = DATA / "northcom_sedena"
    gold = _gold(pair)
    return qa.check_report((pair / gold["source"]).read_text(encoding="utf-8"),
                           (pair / gold[version]).read_text(encoding="utf-8"), annotator,
                           source_lang="en", target_lang="es", target_locale="es-MX",
                           source_file="source.en.txt", target_file=f"{version}.es.txt", **kw)


def test_text_report_groups_by_kind_with_context(annotator):
    out = qa.render_text(_report(annotator))
    planted = len(_gold(DATA / "northcom_sedena")["errors"])
    assert out.startswith(f"termbank check: source.en.txt [en] → planted.es.txt [es-MX]: {planted} findings")
    positions = [out.index(f"— {k} (") for k in qa.KINDS]
    assert positions == sorted(positions)
    assert "source 259-264: " in out and "⟦3,145⟧" in out and "⟦3,415⟧" in out
    assert qa.render_text(_report(annotator, "clean")).rstrip().endswith("no findings")


def test_json_report_shape(annotator):
    report = _report(annotator, ignore=["date-mismatch"])
    data = json.loads(json.dumps(report.as_dict()))
    assert set(data) == {"findings", "summary"}
    planted = len(_gold(DATA / "northcom_sedena")["errors"])
    assert data["summary"]["ignored"] == 1 and data["summary"]["findings"] == planted - 1
    assert all(set(f) >= {"kind", "message", "concept", "source_span", "target_span"} for f in data["findings"])


def test_html_report_is_standalone_and_escaped(annotator):
    report = _report(annotator)
    report.findings.append(qa.Finding("missing-term", "<script>alert(1)</script>", "x", (0, 5), None))
    page = qa.render_html(report)
    assert page.startswith("<!DOCTYPE html>") and page.rstrip().endswith("</html>")
    assert "<script>" not in page and "&lt;script&gt;" in page
    assert not re.search(r"""(?:src|href)\s*=\s*["']?(?:https?:)?//""", page)
    assert page.count('class="finding"') == len(_gold(DATA / "northcom_sedena")["errors"]) + 1
    assert '<section class="kind" data-kind="number-mismatch">' in page
    assert "No findings." in qa.render_html(_report(annotator, "clean"))


# -- command line ------------------------------------------------------------------------------
def _paths(name="northcom_sedena", version="planted"):
    pair = DATA / name
    gold = _gold(pair)
    return str(pair / gold["source"]), str(pair / gold[version])


@pytest.fixture
def in_tmp(tmp_path, monkeypatch):
    """Run from an empty folder, so no project .termbank.toml is picked up."""
    monkeypatch.chdir(tmp_path)
    return tmp_path


def test_cli_clean_pair_exits_0(filled_cli, in_tmp):
    result = filled_cli("check", *_paths(version="clean"))
    assert result.exit_code == 0, result.stderr
    assert "no findings" in result.stdout


def test_cli_planted_pair_exits_1_with_spec_json(filled_cli, in_tmp):
    source, target = _paths()
    result = filled_cli("check", source, target, "--json", "--to", "es-MX")
    assert result.exit_code == 1, result.stderr
    data = json.loads(result.stdout)
    assert len(data["findings"]) == len(_gold(DATA / "northcom_sedena")["errors"])
    for f in data["findings"]:
        assert set(f) >= {"kind", "message", "concept", "source_span", "target_span"}
        assert f["kind"] in qa.KINDS
        for span in (f["source_span"], f["target_span"]):
            assert span is None or (isinstance(span, list) and len(span) == 2 and all(isinstance(i, int) for i in span))
    assert data["summary"]["target"]["locale"] == "es-MX"
    inferred = json.loads(filled_cli("check", source, target, "--format", "json").stdout)
    assert [(f["kind"], f["source_span"], f["target_span"]) for f in inferred["findings"]] == \
        [(f["kind"], f["source_span"], f["target_span"]) for f in data["findings"]]


def test_cli_text_output_is_grouped(filled_cli, in_tmp):
    result = filled_cli("check", *_paths())
    assert result.exit_code == 1
    assert "Missing terms — missing-term (1)" in result.stdout and "Dates — date-mismatch (1)" in result.stdout


def test_cli_ignore(filled_cli, in_tmp):
    source, target = _paths()
    result = filled_cli("check", source, target, "--json", "--ignore", "number-mismatch", "--ignore", "date-mismatch")
    kinds = {f["kind"] for f in json.loads(result.stdout)["findings"]}
    assert result.exit_code == 1 and not kinds & {"number-mismatch", "date-mismatch"}
    everything = ["--ignore=" + k for k in qa.KINDS]
    result = filled_cli("check", source, target, *everything)
    planted = len(_gold(DATA / "northcom_sedena")["errors"])
    assert result.exit_code == 0 and f"{planted} ignored" in result.stdout
    bad = filled_cli("check", source, target, "--ignore", "typos")
    assert bad.exit_code == 2 and "typos" in bad.stderr and len(bad.stderr.strip().splitlines()) == 1


def test_cli_project_config_file(filled_cli, in_tmp):
    source, target = _paths()
    (in_tmp / ".termbank.toml").write_text(
        '[check]\nignore = ["number-mismatch", "date-mismatch", "missing-term", "untranslated-term",'
        ' "deprecated-term", "name-mismatch", "wrong-term"]\nignore_concepts = ["mx-sedena"]\n', encoding="utf-8")
    nested = in_tmp / "drafts"
    nested.mkdir()
    import os

    os.chdir(nested)  # found in a parent folder too
    result = filled_cli("check", source, target, "--json")
    assert result.exit_code == 0, result.stdout
    data = json.loads(result.stdout)
    assert data["findings"] == [] and data["summary"]["ignored"] == len(_gold(DATA / "northcom_sedena")["errors"])
    assert data["summary"]["config"].endswith(".termbank.toml")


def test_cli_explicit_config_and_bad_config(filled_cli, in_tmp):
    source, target = _paths()
    config = in_tmp / "qa.toml"
    config.write_text('[check]\nignore = ["number-mismatch"]\nto = "es-MX"\n', encoding="utf-8")
    result = filled_cli("check", source, target, "--config", str(config), "--json")
    data = json.loads(result.stdout)
    assert result.exit_code == 1 and data["summary"]["ignored"] == 2
    assert data["summary"]["target"]["locale"] == "es-MX"
    config.write_text('[check]\nignore = ["nope"]\n', encoding="utf-8")
    bad = filled_cli("check", source, target, "--config", str(config))
    assert bad.exit_code == 2 and "nope" in bad.stderr and len(bad.stderr.strip().splitlines()) == 1
    missing = filled_cli("check", source, target, "--config", str(in_tmp / "none.toml"))
    assert missing.exit_code == 2


def test_cli_html_report(filled_cli, in_tmp):
    source, target = _paths()
    out = in_tmp / "report.html"
    result = filled_cli("check", source, target, "--format", "html", "--output", str(out))
    assert result.exit_code == 1 and result.stdout == ""
    page = out.read_text(encoding="utf-8")
    assert page.startswith("<!DOCTYPE html>") and "Guilliot" in page and "<link" not in page


def test_cli_usage_and_input_errors(filled_cli, in_tmp):
    source, target = _paths()
    for args in (["--format", "pdf"], ["--to", "xx-YY"], ["--source-lang", "fr"], ["--to", "en-US"]):
        result = filled_cli("check", source, target, *args)
        assert result.exit_code == 2, args
        assert result.stderr.startswith("termbank: error:") and len(result.stderr.strip().splitlines()) == 1
    same = filled_cli("check", source, source)
    assert same.exit_code == 2 and "both in English" in same.stderr
    forced = filled_cli("check", source, target, "--source-lang", "es", "--target-lang", "es")
    assert forced.exit_code == 2
    empty = in_tmp / "empty.es.txt"
    empty.write_text("  \n", encoding="utf-8")
    result = filled_cli("check", source, str(empty))
    assert result.exit_code == 3 and "empty" in result.stderr
    missing = filled_cli("check", source, str(in_tmp / "nope.es.txt"))
    assert missing.exit_code == 3 and "nope.es.txt" in missing.stderr
    binary = in_tmp / "image.es.txt"
    binary.write_bytes(b"\x89PNG\x00\x00\x00")
    result = filled_cli("check", source, str(binary))
    assert result.exit_code == 3 and len(result.stderr.strip().splitlines()) == 1


def test_cli_database_error_exits_4(cli, in_tmp):
    result = cli("check", *_paths())  # the database was never initialized
    assert result.exit_code == 4 and len(result.stderr.strip().splitlines()) == 1


def test_cli_reads_html_and_legacy_encodings(filled_cli, in_tmp):
    source, target = _paths(version="clean")
    html_target = in_tmp / "clean.es.html"
    text = Path(target).read_text(encoding="utf-8")
    html_target.write_text("<!DOCTYPE html><html><body>" + "".join(f"<p>{p}</p>" for p in text.split("\n\n"))
                           + "</body></html>", encoding="utf-8")
    result = filled_cli("check", source, str(html_target))
    assert result.exit_code == 0, result.stdout
    cp1252 = in_tmp / "clean.cp1252.es.txt"
    cp1252.write_bytes(text.replace("—", "-").replace("«", '"').replace("»", '"').encode("cp1252"))
    result = filled_cli("check", source, str(cp1252))
    assert result.exit_code == 0, result.stdout
    assert "Windows-1252" in result.stderr or result.stderr == ""


def test_cli_spanish_to_english(filled_cli, in_tmp):
    source, target = _paths("gabinete_seguridad", "planted")
    result = filled_cli("check", source, target, "--json")
    assert result.exit_code == 1
    data = json.loads(result.stdout)
    assert data["summary"]["source"]["lang"] == "es" and data["summary"]["target"]["lang"] == "en"
    assert {f["kind"] for f in data["findings"]} == set(qa.KINDS)
