"""CSV/TSV layouts: termbank's own, DeepL, Google, and the TICO-19 term lists."""

from __future__ import annotations

import csv
import io

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from termbank.errors import FormatError
from termbank.formats import read_bytes, read_file
from termbank.formats.base import escape_formula, unescape_formula
from termbank.formats.delimited import DeeplTsv, GoogleCsv, PairsCsv, TermbankCsv, TermbankTsv, encode_terms
from termbank.normalize import visible
from termbank.model import (
    CATEGORIES,
    GENDERS,
    MATCH_RULES,
    NUMBERS,
    PARTS_OF_SPEECH,
    STATUSES,
    TERM_TYPES,
    Concept,
    Term,
)

from .conftest import DATA

FORMATS_DATA = DATA / "formats"


# -- TICO-19 glossaries ---------------------------------------------------------------------
def test_facebook_list_skips_padding_and_normalizes_es_xx(interop):
    result = read_file(interop("glossaries/tico19-facebook_f_en-es_XX.csv"))
    assert result.format == "pairs"
    assert len(result.concepts) == 306 and result.skipped == 306 and result.merged == 0
    assert {t.lang for c in result.concepts for t in c.terms} == {"en", "es"}
    text = "\n".join(result.report)
    assert "skipped 306 rows with no terms" in text
    assert "'es_XX' has no real region; read as 'es'" in text
    first = result.concepts[0]
    assert first.id == "tico19-facebook-f-en-es-xx-1"
    assert [(t.lang, t.text) for t in first.terms] == [("en", "1918 flu"), ("es", "La gripe de 1918")]


def test_google_list_merges_repeated_sources(interop):
    result = read_file(interop("glossaries/tico19-google_g_en_es-419.csv"))
    assert len(result.concepts) == 327 and result.merged == 10
    text = "\n".join(result.report)
    assert "merged 10 rows that repeat a source term into 9 concepts" in text and "'quarantine'" in text
    by_source = {c.terms[0].text: c for c in result.concepts}
    quarantine = by_source["quarantine"]
    assert [(t.lang, t.text, t.status, t.part_of_speech) for t in quarantine.terms] == [
        ("en", "quarantine", "preferred", "noun"),
        ("es-419", "cuarentena", "preferred", "noun"),
        ("es-419", "(poner/estar) en cuarentena", "admitted", "verb"),
    ]
    assert quarantine.definition.startswith("In the context of the coronavirus")
    assert by_source["CDC"].terms[0].part_of_speech == "properNoun"
    # 24 rows have a description; two of them (quarantine, noun and verb) merge.
    assert sum(1 for c in result.concepts if c.definition) == 23


def test_spanish_to_english_list(interop):
    result = read_file(interop("glossaries/tico19-google_g_es-ES_en.csv"))
    assert len(result.concepts) == 50
    first = result.concepts[0]
    assert first.id == "xx_251"
    assert [(t.lang, t.text) for t in first.terms] == [("es-ES", "fase de ralentización"), ("en", "delay phase")]


def test_pairs_export_round_trip(concepts):
    fmt = PairsCsv()
    data = fmt.write(concepts)
    rows = list(csv.reader(io.StringIO(data.decode())))
    assert rows[0] == ["id", "sourceLang", "targetLang", "pos", "description", "sourceString", "targetString"]
    assert rows[1][:3] == ["rank-lt-gen", "en", "es"] and rows[1][5:] == ["lieutenant general", "teniente general"]
    back = fmt.read(data, "x.csv").concepts
    assert [c.id for c in back] == [c.id for c in concepts]


# -- termbank CSV/TSV -----------------------------------------------------------------------
def test_translator_edited_file():
    result = read_file(FORMATS_DATA / "translator-edited.csv")
    first, second = result.concepts
    assert first.id == "lieutenant-general" and first.category == "rank"
    assert [(t.text, t.status) for t in first.terms if t.lang == "es"] == [
        ("teniente general", "preferred"), ("Tte. Gral.", "admitted")]
    assert second.id == "sedena" and second.definition is None
    assert "made ids for 1 row without one" in result.report[1]


@pytest.mark.parametrize("name, fmt, layout", [
    ("google-sets.csv", "csv", "google"),
    ("deepl_en-es.tsv", "tsv", "deepl"),
])
def test_other_layouts_asked_for_as_csv_are_handed_over(name, fmt, layout):
    result = read_file(FORMATS_DATA / name, format=fmt)
    assert result.format == layout and "read as the" in result.report[0]


def test_a_broken_termbank_file_is_not_mistaken_for_another_layout():
    with pytest.raises(FormatError, match="missing column"):
        TermbankCsv().read(b"id,category\nc1,rank\n", "broken.csv")


def test_excel_unicode_text_is_utf16_tsv():
    result = read_file(FORMATS_DATA / "excel-unicode-text.tsv")
    assert [(t.lang, t.text) for t in result.concepts[0].terms] == [("en", "captain"), ("es", "capitán")]


def test_plain_cells_when_possible_json_otherwise():
    assert encode_terms([Term("en", "general")], "en") == "general"
    assert encode_terms([Term("en", "[sic]")], "en").startswith("[{")
    assert encode_terms([Term("en", " padded ")], "en").startswith("[{")
    assert encode_terms([Term("en", "a", status="admitted")], "en") == '[{"text": "a", "status": "admitted"}]'


def test_terms_out_of_column_order_keep_their_order():
    c = Concept("x", terms=(Term("fr", "a"), Term("en", "b"), Term("es", "c"), Term("en", "d", status="admitted")))
    data = TermbankCsv().write([c])
    assert b"fr en es en" in data
    assert TermbankCsv().read(data, "x.csv", min_languages=1).concepts == [c]


def test_cells_with_formulas_are_neutralized_on_export(concepts):
    data = TermbankCsv().write(concepts).decode("utf-8-sig")
    cells = [cell for row in csv.reader(io.StringIO(data)) for cell in row]
    assert all(not cell.startswith(("=", "+", "-", "@", "\t", "\r")) for cell in cells)
    assert "'-ism" in cells and "'@home" in cells
    assert TermbankCsv().read(data.encode(), "x.csv").concepts == concepts


@given(st.text(max_size=30))
def test_formula_escaping_is_reversible(text):
    escaped = escape_formula(text)
    assert unescape_formula(escaped) == text
    assert not escaped.startswith(("=", "+", "-", "@", "\t", "\r"))


def test_unquoted_formula_is_refused():
    with pytest.raises(FormatError, match="spreadsheet formula") as err:
        TermbankCsv().read(b"id,term:en,term:es\nx,=1+1,b\n", "f.csv")
    assert err.value.line == 2


def test_semicolon_and_bom_are_sniffed():
    data = "\ufeffid;term:en;term:es\nx;general;general\n".encode()
    assert TermbankCsv().read(data, "x.csv").concepts[0].terms[1].text == "general"


def test_latin1_is_refused_with_the_line_unless_named():
    data = "id,term:en,term:es\nx,year,año\n".encode("latin-1")
    with pytest.raises(FormatError, match="not valid UTF-8") as err:
        TermbankCsv().read(data, "l.csv")
    assert err.value.line == 2
    result = TermbankCsv().read(data, "l.csv", encoding="cp1252")
    assert result.concepts[0].terms[1].text == "año"


def test_tsv_uses_the_same_columns(concepts):
    data = TermbankTsv().write(concepts)
    assert data.decode("utf-8-sig").splitlines()[0].split("\t")[:7] == [
        "id", "category", "subject", "definition", "note", "source", "term:en"]
    assert TermbankTsv().read(data, "x.tsv").concepts == concepts


_opt = lambda values: st.one_of(st.none(), st.sampled_from(values))  # noqa: E731
_text = st.text(st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"), min_size=1,
                max_size=12).filter(str.strip)
_terms = st.builds(
    # A term shows a character: one of controls or zero-width characters only is refused.
    Term, lang=st.sampled_from(["en", "es", "es-MX", "en-US", "fr"]), text=_text.filter(visible),
    type=st.sampled_from(TERM_TYPES), status=st.sampled_from(STATUSES),
    case_sensitive=st.one_of(st.none(), st.booleans()),
    match=_opt(MATCH_RULES), part_of_speech=_opt(PARTS_OF_SPEECH), gender=_opt(GENDERS), number=_opt(NUMBERS),
    geo=st.one_of(st.none(), _text), usage=st.one_of(st.none(), _text), source=st.one_of(st.none(), _text),
    context=st.none(), note=st.one_of(st.none(), _text),
)
_concepts = st.builds(
    Concept, id=st.from_regex(r"[a-z][a-z0-9-]{0,10}", fullmatch=True), category=st.sampled_from(CATEGORIES),
    subject=st.one_of(st.none(), _text), definition=st.one_of(st.none(), _text), note=st.one_of(st.none(), _text),
    source=st.none(), terms=st.lists(_terms, min_size=1, max_size=5).map(tuple),
)


@settings(max_examples=60, deadline=None)
@given(st.lists(_concepts, min_size=1, max_size=4, unique_by=lambda c: c.id))
def test_termbank_csv_round_trips_anything(concepts):
    for fmt in (TermbankCsv(), TermbankTsv()):
        back = fmt.read(fmt.write(concepts), "x.csv", min_languages=1).concepts
        assert back == concepts


# -- DeepL ----------------------------------------------------------------------------------
def test_deepl_export_follows_deepl_rules():
    concepts = [
        Concept("a", terms=(Term("en", "general", status="admitted"), Term("en", " General  Officer "),
                            Term("es", "oficial\tgeneral"))),
        Concept("b", terms=(Term("en", "General Officer"), Term("es", "duplicado"))),
        Concept("c", terms=(Term("en", "only English"),)),
        Concept("d", terms=(Term("en", "major"), Term("es", "mayor"), Term("es-MX", "mayor MX"))),
    ]
    report: list[str] = []
    data = DeeplTsv().write(concepts, report=report)
    assert data.decode() == "General Officer\toficial general\nmajor\tmayor\n"
    assert any("1 repeated source term (DeepL needs unique sources)" in line for line in report)
    assert any("without a en and a es term" in line for line in report)
    assert DeeplTsv().write(concepts, source_lang="es", target_lang="en").decode().startswith("oficial general\t")
    assert DeeplTsv().write(concepts, target_lang="es-MX").decode().endswith("major\tmayor MX\n")


def test_machine_glossaries_are_written_without_spreadsheet_escapes():
    # DeepL and Google would keep the apostrophe of "'+34" as part of the term.
    concepts = [Concept("a", terms=(Term("en", "+34 prefix"), Term("es", "prefijo +34"))),
                Concept("b", terms=(Term("en", "-30 degrees"), Term("es", "-30 grados")))]
    assert DeeplTsv().write(concepts).decode() == "+34 prefix\tprefijo +34\n-30 degrees\t-30 grados\n"
    google = GoogleCsv().write(concepts).decode().splitlines()
    assert google[1:] == ["+34 prefix,prefijo +34", "-30 degrees,-30 grados"]
    assert "'-30 degrees" in TermbankCsv().write(concepts).decode()  # a file for people keeps them


def test_deepl_export_for_a_locale_keeps_full_forms_full():
    # The es-MX abbreviation must not become the translation of the full form (an MT
    # engine would write "Sbtte." in running text); Latin America's term fits es-MX.
    concepts = [
        Concept("a", terms=(Term("en", "second lieutenant"), Term("en", "2nd Lt.", type="abbreviation"),
                            Term("es", "subteniente"), Term("es-MX", "Sbtte.", type="abbreviation"))),
        Concept("b", terms=(Term("en", "U.S. Navy"), Term("es", "Armada de Estados Unidos"),
                            Term("es-419", "Marina de Estados Unidos", status="admitted"),
                            Term("es-ES", "Armada estadounidense", status="admitted"))),
    ]
    assert DeeplTsv().write(concepts, target_lang="es-MX").decode() == (
        "second lieutenant\tsubteniente\nU.S. Navy\tMarina de Estados Unidos\n")


def test_deepl_import(tmp_path):
    result = read_file(FORMATS_DATA / "deepl_en-es.tsv")
    assert result.format == "deepl" and len(result.concepts) == 3 and result.merged == 1
    major = result.concepts[1]
    assert [(t.text, t.status) for t in major.terms] == [("major", "preferred"), ("mayor", "preferred"),
                                                          ("comandante", "admitted")]
    text = "\n".join(result.report)
    assert "language pair en → es from the file name" in text and "trimmed" in text
    reverse = DeeplTsv().read(b"general\tgeneral\n", "g.tsv", source_lang="es", target_lang="en")
    assert [t.lang for t in reverse.concepts[0].terms] == ["es", "en"]


# -- Google ---------------------------------------------------------------------------------
def test_google_equivalent_term_sets():
    result = read_file(FORMATS_DATA / "google-sets.csv")
    assert result.format == "google" and len(result.concepts) == 2 and result.skipped == 1
    lt, navy = result.concepts
    assert lt.definition == "Three-star officer" and lt.terms[0].part_of_speech == "noun"
    assert navy.terms[1].part_of_speech == "properNoun"


def test_google_unidirectional():
    result = read_file(FORMATS_DATA / "google-unidirectional_en-es.csv")
    assert [[t.text for t in c.terms] for c in result.concepts] == [["general", "general"], ["major", "mayor"]]


@pytest.mark.parametrize("data", [
    "en;es\r\ncolonel;coronel\r\nmajor;\"mayor; comandante\"\r\n",  # Excel in a Spanish locale
    "sep=;\r\nen;es\r\ncolonel;coronel\r\nmajor;\"mayor; comandante\"\r\n",  # with Excel's delimiter line
])
def test_a_google_glossary_with_semicolons(data):
    result = read_bytes(data.encode("utf-8"), "list.csv")
    assert result.format == "google"
    assert [[(t.lang, t.text) for t in c.terms] for c in result.concepts] == [
        [("en", "colonel"), ("es", "coronel")], [("en", "major"), ("es", "mayor; comandante")]]


def test_a_delimited_file_may_start_with_a_bracket():
    result = read_bytes("[x]\t[y]\nmajor\tmayor\n".encode("utf-8"), "small.tsv")
    assert result.format == "deepl" and [c.terms[0].text for c in result.concepts] == ["[x]", "major"]


def test_line_numbers_count_excels_delimiter_line():
    with pytest.raises(FormatError) as err:
        read_bytes('sep=;\r\nen;es\r\ncolonel;"coronel\r\n'.encode("utf-8"), "list.csv")
    assert err.value.line == 3


@pytest.mark.parametrize("name, data, terms", [
    ("list.csv", "English;Spanish\nfrigate;fragata\n", [("en", "frigate"), ("es", "fragata")]),
    ("list.csv", "English,Spanish\nfrigate,fragata\n", [("en", "frigate"), ("es", "fragata")]),
    ("list.csv", "\ufeffInglés,Español\nfrigate,fragata\n", [("en", "frigate"), ("es", "fragata")]),
    ("list.csv", "Spanish,English\nfragata,frigate\n", [("es", "fragata"), ("en", "frigate")]),
    ("list.csv", "source,target\nfrigate,fragata\n", [("en", "frigate"), ("es", "fragata")]),  # default pair
    ("list.tsv", "EN\tES-MX\nfrigate\tfragata\n", [("en", "frigate"), ("es-MX", "fragata")]),
    ("list.tsv", "english\tspanish\nfrigate\tfragata\n", [("en", "frigate"), ("es", "fragata")]),
])
def test_a_title_row_of_a_two_column_glossary_is_not_an_entry(name, data, terms):
    result = read_bytes(data.encode("utf-8"), name)
    (concept,) = result.concepts
    assert [(t.lang, t.text) for t in concept.terms] == terms
    assert any(line.startswith("line 1 read as column titles") for line in result.report)


def test_language_names_as_an_entry_stay_an_entry():
    # Two names of one language are an entry of a glossary of language names.
    result = read_bytes("English,inglés\nSpanish,español\n".encode("utf-8"), "languages.csv")
    assert [c.terms[0].text for c in result.concepts] == ["English", "Spanish"]
    assert not any("column titles" in line for line in result.report)


def test_google_export_layouts(concepts):
    sets = GoogleCsv().write(concepts).decode()
    assert sets.splitlines()[0] == "en,es,fr,pos,description"
    assert "lieutenant general,teniente general,,noun,Three-star general officer (O-9)." in sets
    pairs = GoogleCsv().write(concepts, layout="pairs").decode()
    assert pairs.splitlines()[0] == "lieutenant general,teniente general"
    assert GoogleCsv().read(pairs.encode(), "g.csv").concepts[0].terms[1].text == "teniente general"


def test_a_two_column_glossary_needs_two_languages():
    from termbank.errors import UsageError

    for fmt in (DeeplTsv(), GoogleCsv()):
        with pytest.raises(UsageError, match="both 'en'"):
            fmt.read(b"frigate\tfragata\n" if fmt.name == "deepl" else b"frigate,fragata\n", "g",
                     source_lang="en", target_lang="en-GB")
