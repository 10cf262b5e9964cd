"""TMX: the LISA compliance kit, OmegaT's test files, TICO-19, and the validity of our export."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest
from lxml import etree

from termbank.errors import FormatError
from termbank.formats.tmx import TmxFormat, format_tmx_date, parse_tmx_date
from termbank.model import TMUnit

from .conftest import INTEROP, make_units

KIT = INTEROP / "tmx" / "tmx-compliance-kit"
OMEGAT = INTEROP / "tmx" / "omegat-tests"
ALL_FILES = sorted(KIT.glob("*.tmx")) + sorted(OMEGAT.glob("*.tmx"))


def read(path, **options):
    return TmxFormat().read(path.read_bytes(), str(path), **options)


@pytest.mark.skipif(not ALL_FILES, reason="TMX compliance kit not found in ../shared/interop")
@pytest.mark.parametrize("inline", ["strip", "keep"])
@pytest.mark.parametrize("path", ALL_FILES, ids=lambda p: p.name)
def test_every_kit_and_omegat_file_parses(path, inline):
    result = read(path, inline=inline)
    assert result.report[0].startswith("read ")
    assert all(u.source_lang and u.target_lang for u in result.units)


def _expected(txt):
    raw = txt.read_bytes()
    return raw.decode("utf-16" if raw[:2] in (b"\xff\xfe", b"\xfe\xff") else "utf-8-sig").splitlines()


@pytest.mark.skipif(not KIT.exists(), reason="TMX compliance kit not found")
@pytest.mark.parametrize("txt", [p for p in sorted(KIT.glob("*.txt")) if p.name != "License.txt"],
                         ids=lambda p: p.name)
def test_extracted_text_matches_the_kit(txt):
    stem, _, lang = txt.stem.partition("_")
    units = read(KIT / f"{stem}.tmx").units
    if lang:
        got = [u.target for u in units if u.target_lang.lower() == lang.lower()]
    else:
        got = list(dict.fromkeys(u.source for u in units))
    assert got == _expected(txt)


def test_utf16_with_bom_both_byte_orders(interop):
    le = read(interop("tmx/tmx-compliance-kit/ImportTest1F.tmx")).units
    be = read(interop("tmx/tmx-compliance-kit/ImportTest1G.tmx")).units
    assert [u.source for u in le] == [u.source for u in be]
    assert le[1].source == "ÿ=U+00FF, ™=U+2122, ’=U+2019"


def test_language_codes_are_case_insensitive(interop):
    units = read(interop("tmx/tmx-compliance-kit/ImportTest1B.tmx")).units
    assert [(u.source_lang, u.target_lang) for u in units] == [("en-US", "fr-CA")]


def test_tico19_gives_3071_units(interop):
    result = read(interop("tmx/real/tico19-all.en-es-419.tmx"))
    assert len(result.units) == 3071
    first = result.units[0]
    assert (first.source_lang, first.target_lang, first.id) == ("en", "es-419", "CMU_1:1")
    assert first.target == "¿cuánto hace más o menos que tiene estos síntomas?"
    assert first.note.startswith("http://www.speech.cs.cmu.edu/")


def test_more_than_two_variants_give_one_unit_per_target(interop):
    units = read(interop("tmx/tmx-compliance-kit/ImportTest1C.tmx")).units
    assert len(units) == 12
    assert {u.source_lang for u in units} == {"en-US"}
    many = read(interop("tmx/omegat-tests/test-multiple-tuv14.tmx")).units
    assert len(many) == 11
    assert [u.target_lang for u in many[:3]] == ["es", "es-AR", "es-BO"]
    assert len({u.id for u in many if u.id}) == len([u for u in many if u.id])


def test_srclang_decides_the_source(interop):
    k = read(interop("tmx/tmx-compliance-kit/ImportTest1K.tmx")).units
    assert [(u.source_lang, u.target_lang) for u in k] == [("de-DE", "en-GB"), ("fr-CA", "en-GB")]
    many = read(interop("tmx/tmx-compliance-kit/ImportTest1J_many.tmx")).units
    assert [(u.source_lang, u.target_lang) for u in many] == [("en-US", "en-GB"), ("en-US", "en-GB"),
                                                               ("es-ES", "en-US")]
    only = read(interop("tmx/tmx-compliance-kit/ImportTest1J_many.tmx"), source_lang="en-US",
                target_lang="en-GB")
    assert len(only.units) == 2 and only.skipped == 1


def test_star_all_takes_the_first_variant():
    data = (b'<tmx version="1.4"><header creationtool="x" creationtoolversion="1" segtype="sentence" '
            b'o-tmf="x" adminlang="en" srclang="*all*" datatype="plaintext"/><body><tu>'
            b'<tuv xml:lang="es"><seg>hola</seg></tuv><tuv xml:lang="en"><seg>hello</seg></tuv></tu></body></tmx>')
    result = TmxFormat().read(data, "all.tmx")
    assert [(u.source_lang, u.source) for u in result.units] == [("es", "hola")]
    assert any("*all*" in line for line in result.report)


def test_tmx_11_lang_attribute(interop):
    units = read(interop("tmx/omegat-tests/test-level1.tmx")).units
    assert len(units) == 7
    assert units[0].source == "entuv" and units[0].target_lang == "be"
    assert ("en-GB", "es") in {(u.source_lang, u.target_lang) for u in units}


def test_inline_codes_strip_and_keep(interop):
    path = interop("tmx/omegat-tests/test-save-tmx14.tmx")
    stripped = read(path).units
    kept = read(path, inline="keep").units
    assert [u.source for u in stripped[1:]] == ["12", "345", "67"]
    assert kept[2].source == '3<bpt i="1" x="1">&lt;a1&gt;</bpt>4<ept i="1">&lt;/a1&gt;</ept>5'
    kit = read(interop("tmx/tmx-compliance-kit/ImportTest2C.tmx")).units
    assert kit[0].source == "Click  to start.", "ph with its sub-flow is dropped, hi keeps its text"


def test_mismatched_bpt_ept_is_a_warning(interop):
    path = interop("tmx/omegat-tests/invalid.tmx")
    stripped = read(path)
    assert stripped.units == [] and stripped.skipped == 1, "only codes: nothing left after stripping"
    kept = read(path, inline="keep")
    assert len(kept.units) == 1
    assert any(line.startswith("warning: 2 segments have unbalanced bpt/ept") for line in kept.report)


@pytest.mark.parametrize("inline", ["strip", "keep"])
def test_export_is_valid_against_the_dtd_and_round_trips(interop, tmx_dtd, inline):
    fmt = TmxFormat()
    for path in ALL_FILES + [interop("tmx/real/tico19-all.en-es-419.tmx")]:
        units = read(path, inline=inline).units
        if not units:
            continue
        data = fmt.write(units, inline=inline)
        assert tmx_dtd.validate(etree.fromstring(data)), (path.name, tmx_dtd.error_log)
        back = fmt.read(data, "export.tmx", inline=inline).units
        assert back == units, path.name
        assert fmt.write(back, inline=inline) == data


def test_export_of_units_with_every_field(units, tmx_dtd):
    fmt = TmxFormat()
    data = fmt.write(units)
    assert tmx_dtd.validate(etree.fromstring(data)), tmx_dtd.error_log
    root = etree.fromstring(data)
    header = root.find("header")
    assert header.get("creationtool") == "termbank" and header.get("srclang") == "*all*"
    assert header.get("segtype") == "sentence" and header.get("datatype") == "plaintext"
    assert fmt.read(data, "x.tmx").units == units


def test_translate_toolkit_reads_our_tmx_with_the_same_count(interop):
    tmx = pytest.importorskip("translate.storage.tmx")
    units = read(interop("tmx/real/tico19-all.en-es-419.tmx")).units
    store = tmx.tmxfile.parsestring(TmxFormat().write(units))
    assert len(store.units) == len(units) == 3071
    assert store.units[5].source == units[5].source and store.units[5].target == units[5].target
    small = tmx.tmxfile.parsestring(TmxFormat().write(make_units()))
    assert len(small.units) == 3


def test_keep_mode_never_indents_inside_segments(tmx_dtd):
    unit = TMUnit("en", '<ph x="1">a</ph><ph x="2">b</ph>', "es", '<bpt i="1">x</bpt>y<ept i="1">z</ept>')
    data = TmxFormat().write([unit], inline="keep")
    assert b'<seg><ph x="1">a</ph><ph x="2">b</ph></seg>' in data
    assert TmxFormat().read(data, "x.tmx", inline="keep").units == [unit]


@pytest.mark.parametrize("text", ["<bpt i='1'>x", "<b>bold</b>", "R&D < 5"])
def test_keep_mode_writes_what_is_not_markup_as_text(text, tmx_dtd):
    # A memory mixes units kept with their codes and units added as plain text.
    data = TmxFormat().write([TMUnit("en", text, "es", "x")], inline="keep")
    assert tmx_dtd.validate(etree.fromstring(data)), tmx_dtd.error_log
    assert TmxFormat().read(data, "x.tmx").units[0].source == text


def test_dates():
    when = datetime(2002, 5, 23, 9, 12, tzinfo=timezone.utc)
    assert parse_tmx_date("20020523T091200Z") == when
    assert format_tmx_date(when) == "20020523T091200Z"
    assert parse_tmx_date("2002-05-23T09:12:00") == when
    assert parse_tmx_date("yesterday") is None


def test_unknown_inline_option_is_refused():
    with pytest.raises(FormatError, match="inline must be"):
        TmxFormat().read(TmxFormat().write(make_units()), "x.tmx", inline="drop")


@pytest.mark.parametrize("inline", ["strip", "keep"])
def test_export_is_the_whole_tree_serialized(interop, units, inline):
    # The writer serializes one <tu> at a time (issue 8, memory): the bytes must be those
    # of the document serialized as one tree.
    tico = read(interop("tmx/real/tico19-all.en-es-419.tmx"), inline=inline).units[:200]
    for batch in ([units] if inline == "strip" else []) + [tico, []]:
        data = TmxFormat().write(batch, inline=inline)
        tree = etree.fromstring(data, etree.XMLParser(remove_blank_text=False)).getroottree()
        assert etree.tostring(tree, xml_declaration=True, encoding="UTF-8") + b"\n" == data
        assert len(tree.getroot().find("body")) == len(batch) and (b"<body/>" in data) == (not batch)


def test_a_tu_with_one_variant_is_skipped_and_reported():
    # Valid TMX (tuv+): an untranslated segment. Nothing to pair, but the file is good.
    data = _tmx('<body>\n' + TU + '<tu tuid="u2"><tuv xml:lang="en"><seg>Untranslated.</seg></tuv></tu>\n' + TU
                + '</body>')
    result = TmxFormat().read(data, "partial.tmx")
    assert [(u.source, u.target) for u in result.units] == [("Hello", "Hola")] * 2
    assert result.skipped == 1
    assert "skipped 1 unit with one language only (line 6)" in result.report


def _tmx(body: str, *, header: str = '<header srclang="en" creationtool="t" creationtoolversion="1" '
         'segtype="sentence" o-tmf="t" adminlang="en" datatype="plaintext"/>', after: str = "") -> bytes:
    return f'<?xml version="1.0"?>\n<tmx version="1.4">\n{header}\n{body}\n{after}</tmx>\n'.encode()


TU = '<tu><tuv xml:lang="en"><seg>Hello</seg></tuv><tuv xml:lang="es"><seg>Hola</seg></tuv></tu>\n'
BAD_TU = '<tu><note>Alone</note></tu>\n'


@pytest.mark.parametrize("data, message, line", [
    # What <tmx> holds is checked before any unit, wherever it stands ...
    (_tmx(f"<body>\n{BAD_TU}</body>", after="<extra/>\n"), "unexpected <extra> in <tmx>", 7),
    (_tmx(f"<body>\n{BAD_TU}</body>", header=""), "no <header>", 2),
    # ... then the units, the first error in document order.
    (_tmx(f"<body>\n{TU}{BAD_TU}<note/>\n</body>"), "<tu> has no <tuv>", 6),
    (_tmx(f"<body>\n{TU}<note/>\n{BAD_TU}</body>"), "unexpected <note> in <body>", 6),
    # TMX 1.4b puts the header first: units are read with its srclang.
    (_tmx("", header=f"<body>\n{TU}</body>", after='<header srclang="en"/>\n'), "<header> after <body>", 7),
])
def test_structure_errors_name_the_first_problem_and_its_line(data, message, line):
    with pytest.raises(FormatError, match=message) as err:
        TmxFormat().read(data, "memory.tmx")
    assert err.value.line == line, str(err.value)


def test_an_unreadable_path_is_a_format_error(tmp_path):
    with pytest.raises(FormatError, match="cannot read file") as err:
        list(TmxFormat().stream(tmp_path / "missing.tmx", "missing.tmx"))
    assert str(err.value).startswith("missing.tmx")
