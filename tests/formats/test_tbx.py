"""TBX: official samples, real files, bad samples, and the validity of our export."""

from __future__ import annotations

import pytest

from termbank.errors import FormatError
from termbank.formats.tbx import TbxFormat

from .conftest import make_concepts

V3 = "tbx/tbx-v3-basic/"
V2 = "tbx/tbx-2008-basic/samples/"


def read(path, **options):
    return TbxFormat().read(path.read_bytes(), str(path), **options)


@pytest.mark.parametrize("relative, concepts, terms", [
    (V3 + "samples/Example_Astronomy_DCA_VALID.tbx", 45, 113),
    (V3 + "samples/Example_Astronomy_DCT_VALID.tbx", 45, 113),
    (V2 + "TBX-basic-sample.tbx", 5, 13),
    ("tbx/real/iate-exemplum.tbx", 2, 12),
    ("tbx/real/omegat-sampleTBXfile-oracle-tbx2008.tbx", 1, 2),
    ("tbx/minimal_en-es_TBX-Basic.tbx", 1, 3),
])
def test_good_samples_import_with_expected_counts(interop, relative, concepts, terms):
    result = read(interop(relative))
    assert len(result.concepts) == concepts
    assert sum(len(c.terms) for c in result.concepts) == terms
    assert result.report[0].startswith(f"read {concepts} concept")


def test_astronomy_mapping(interop):
    result = read(interop(V3 + "samples/Example_Astronomy_DCA_VALID.tbx"))
    c1 = result.concepts[0]
    assert (c1.id, c1.subject, c1.source) == ("c1", "General", "Oxford2007")
    assert c1.definition == "A group of stars formed together in the spiral arms of a galaxy."
    assert "[es] definition: Una acumulación" in c1.note, "the Spanish definition is kept as a note"
    assert "xGraphic: Open_Cluster.JPG <https://" in c1.note
    open_cluster, galactic, cumulo = c1.terms
    assert (open_cluster.status, open_cluster.part_of_speech) == ("preferred", "noun")
    assert open_cluster.context.startswith("Over 1100 open clusters")
    assert galactic.status == "deprecated" and "supersededTerm-admn-sts" in galactic.note
    assert (cumulo.lang, cumulo.text) == ("es", "cúmulo abierto")
    assert c1.created_at.year == 2010 and c1.updated_at.month == 5
    assert {t.lang for c in result.concepts for t in c.terms} == {"en", "es", "zu"}
    text = "\n".join(result.report)
    assert "xGraphic ×34" in text and "transaction records" in text


def test_dct_style_reads_like_dca(interop):
    dca = read(interop(V3 + "samples/Example_Astronomy_DCA_VALID.tbx")).concepts
    dct = read(interop(V3 + "samples/Example_Astronomy_DCT_VALID.tbx")).concepts
    assert [(c.id, c.subject, c.definition, [(t.lang, t.text, t.status, t.part_of_speech) for t in c.terms])
            for c in dca] == [(c.id, c.subject, c.definition, [(t.lang, t.text, t.status, t.part_of_speech)
                                                                for t in c.terms]) for c in dct]


def test_tbx_2008_sample(interop):
    result = read(interop(V2 + "TBX-basic-sample.tbx"))
    by_id = {c.id: c for c in result.concepts}
    assert sorted(by_id) == ["c1", "c2", "c5", "c6", "c7"]
    c7 = by_id["c7"]
    assert c7.source == "Wikipedia" and c7.definition.startswith("corrective lenses")
    assert [(t.text, t.type, t.status) for t in c7.terms[:3]] == [
        ("progressive lens", "fullForm", "preferred"), ("progressive addition lens", "fullForm", "admitted"),
        ("PAL", "acronym", "deprecated")]
    term = by_id["c1"].terms[0]
    assert (term.geo, term.gender, term.source) == ("Canada", "masculine", "IBM")
    assert "termLocation: menuItem" in term.note and "customerSubset: IBM" in term.note
    assert "crossReference: unscheduled operation <c2>" in by_id["c1"].note


def test_iate_numeric_ids_are_prefixed_and_unknown_categories_kept(interop):
    result = read(interop("tbx/real/iate-exemplum.tbx"))
    assert [c.id for c in result.concepts] == ["iate-254003", "iate-113131"]
    assert all(t.note == "reliabilityCode: 1" for c in result.concepts for t in c.terms)
    text = "\n".join(result.report)
    assert "254003 → iate-254003" in text
    assert "kept 12 data categories with no termbank field as notes: reliabilityCode ×12" in text
    assert result.concepts[1].terms[1].type == "abbreviation"


# Official negative samples. Structurally unreadable files are refused; files that are
# readable but break a dialect rule (a value outside a picklist, a data category at the
# wrong level, an unknown data-category name) are imported, and the report names what
# was unusual.
@pytest.mark.parametrize("relative, message", [
    (V3 + "test_files/poorly_formed_xml.tbx", "not well-formed"),
    (V2 + "tbx_basic_sample_notwellformed.tbx", "not well-formed"),
    (V3 + "test_files/core_structure_bad.tbx", "without a type attribute"),
    (V2 + "tbx_basic_sample_badelement.tbx", "unknown element <transaction>"),
    (V2 + "tbx_basic_sample_badelementorder.tbx", "<term> directly in <langSet>"),
    (V2 + "tbx_basic_sample_badattribute.tbx", "one language only"),
    (V2 + "tbx_basic_sample_badelementcontent.tbx", "one language only"),
])
def test_bad_samples_are_refused(interop, relative, message):
    path = interop(relative)
    with pytest.raises(FormatError, match=message) as err:
        read(path)
    assert err.value.file == str(path) and err.value.line is not None


@pytest.mark.parametrize("relative, unusual", [
    (V3 + "test_files/basic_bad.tbx", "partOfSpeech=nominal"),
    (V3 + "test_files/min_bad.tbx", "usageStatus=not an allowed value"),
    (V3 + "test_files/basic_good.tbx", "usageStatus → status"),
    (V3 + "test_files/min_good.tbx", "usageStatus → status"),
    (V3 + "test_files/core_structure_good.tbx", "note → note"),
])
def test_schema_invalid_but_readable_files_are_accepted_with_a_report(interop, relative, unusual):
    result = read(interop(relative))
    assert len(result.concepts) == 45
    assert unusual in "\n".join(result.report)


@pytest.mark.parametrize("name, kept", [
    ("tbx_basic_sample_badattribute.tbx", ["origin: Terminology SIG", "pos: noun"]),
    ("tbx_basic_sample_badelementcontent.tbx", ["partOfSpeech: preposition"]),
])
def test_monolingual_bad_samples_are_readable_when_one_language_is_allowed(interop, name, kept):
    result = read(interop(V2 + name), min_languages=1)
    notes = "\n".join(filter(None, [c.note for c in result.concepts] +
                             [t.note for c in result.concepts for t in c.terms]))
    for item in kept:
        assert item in notes


def test_export_validates_and_keeps_every_field(concepts, validate_tbx):
    fmt = TbxFormat()
    data = fmt.write(concepts)
    check = validate_tbx(data)
    assert check.returncode == 0, check.stdout + check.stderr
    back = fmt.read(data, "export.tbx").concepts
    for a, b in zip(concepts, back):
        assert (a.id, a.category, a.subject.strip() if a.subject else None, a.definition, a.source) == (
            b.id, b.category, b.subject, b.definition, b.source)
        assert a.note == b.note and a.created_at == b.created_at and a.updated_at == b.updated_at
        # TBX groups terms by language section; within a language the order is kept.
        assert sorted(a.terms, key=lambda t: t.lang) == sorted(b.terms, key=lambda t: t.lang)


def test_export_of_imported_files_keeps_concept_ids_and_validates(interop, validate_tbx):
    fmt = TbxFormat()
    for relative in (V3 + "samples/Example_Astronomy_DCA_VALID.tbx", "tbx/real/iate-exemplum.tbx",
                     V2 + "TBX-basic-sample.tbx"):
        first = read(interop(relative)).concepts
        data = fmt.write(first)
        check = validate_tbx(data)
        assert check.returncode == 0, check.stdout
        again = fmt.read(data, "again.tbx").concepts
        assert [c.id for c in again] == [c.id for c in first]
        assert sum(len(c.terms) for c in again) == sum(len(c.terms) for c in first)


def test_shipped_glossaries_export_validates_and_reimports(shipped_concepts, validate_tbx):
    if not shipped_concepts:
        pytest.skip("no shipped glossaries")
    fmt = TbxFormat()
    data = fmt.write(shipped_concepts)
    check = validate_tbx(data)
    assert check.returncode == 0, check.stdout
    back = fmt.read(data, "shipped.tbx").concepts
    assert len(back) == len(shipped_concepts)
    assert sum(len(c.terms) for c in back) == sum(len(c.terms) for c in shipped_concepts)


def test_ids_that_are_not_xml_ids_are_prefixed_on_export(validate_tbx):
    from termbank.model import Concept, Term

    report: list[str] = []
    data = TbxFormat().write([Concept("123", terms=(Term("en", "a"), Term("es", "b")))], report=report)
    assert b'id="id-123"' in data and "written as 'id-123'" in report[0]
    assert validate_tbx(data).returncode == 0


def test_termbank_notes_written_by_users_survive():
    from termbank.model import Concept, Term

    c = Concept("x", note="termbank:category: person", terms=(Term("en", "a", note="termbank:match: case"),
                                                             Term("es", "b")))
    back = TbxFormat().read(TbxFormat().write([c]), "x.tbx").concepts[0]
    assert back.category == "other" and back.note == "termbank:category: person"
    assert back.terms[0].match is None and back.terms[0].note == "termbank:match: case"


def test_empty_export_is_still_a_valid_document(validate_tbx):
    data = TbxFormat().write([])
    assert b"<text/>" in data
    assert validate_tbx(data).returncode == 0


def test_make_concepts_cover_every_term_field():
    from dataclasses import fields

    from termbank.model import Term

    used = {f.name for f in fields(Term) for c in make_concepts() for t in c.terms
            if getattr(t, f.name) != f.default}
    assert used == {f.name for f in fields(Term)}


# -- streaming (issue 8): entries are read one at a time, errors come out as from a whole tree
def _entry(cid: str, es: bytes = b' xml:lang="es"') -> bytes:
    return (f'<conceptEntry id="{cid}">\n<langSec xml:lang="en"><termSec><term>a</term></termSec></langSec>\n'
            f'<langSec{es.decode()}><termSec><term>b</term></termSec></langSec>\n</conceptEntry>\n').encode()


def _tbx(body: bytes, prolog: bytes = b"") -> bytes:
    return (prolog + b'<tbx xmlns="urn:iso:std:iso:30042:ed-2" type="TBX-Basic"><tbxHeader/><text><body>\n'
            + body + b"</body><back/></text></tbx>\n")


BAD = _entry("c2", es=b"")


@pytest.mark.parametrize("data, message", [
    (_tbx(_entry("c1") + BAD + b"<foo>"), "not well-formed XML: Opening and ending tag mismatch: foo"),
    (_tbx(_entry("c1") + BAD + b"<foo/>"), "unexpected <foo> in <body>"),
    (_tbx(_entry("c1") + BAD + _entry("c1")), "<langSec> without xml:lang"),
    (_tbx(_entry("c1") + _entry("c1") + BAD), "duplicate concept id 'c1'"),
    (_tbx(_entry("c1") + BAD + _entry("c3").replace(b">a<", b">&nbsp;<"), b'<!DOCTYPE tbx SYSTEM "tbx.dtd">\n'),
     "entity reference &nbsp; is refused"),
    (_tbx(_entry("c1"), b'<!DOCTYPE tbx [<!ENTITY e "x">]>\n') + b"<extra/>", "not well-formed XML: Extra content"),
    (b'<martif xmlns="urn:x"><text><body>' + _entry("c1") + b"</body></text></martif>", "root element <martif> is not TBX"),
])
def test_the_first_error_of_the_whole_document_wins(data, message):
    with pytest.raises(FormatError, match=message):
        TbxFormat().read(data, "x.tbx")


def test_line_numbers_past_65535_are_exact():
    # libxml2 keeps an element's line in 16 bits; past 65,535 lxml's sourceline is taken
    # from a neighbouring text and comes out late (base.line_of corrects it).
    from termbank.formats.base import line_of, parse_xml

    pad = b"\n" * 70_000
    for body, xpath, tag in [
        (_entry("c1") + pad + BAD, "//*[local-name()='langSec'][not(@xml:lang)]", b"<langSec>"),
        (_entry("c1") + pad + b"<foo/>" + _entry("c2"), "//*[local-name()='foo']", b"<foo/>"),
        (_entry("c1") + pad + _entry("c2") + b"<foo/>", "//*[local-name()='foo']", b"<foo/>"),
        (_entry("c1") + pad + _entry("c1"), "//*[local-name()='conceptEntry'][2]", b'<conceptEntry id="c1">'),
    ]:
        data = _tbx(body)
        line = data.count(b"\n", 0, data.rindex(tag)) + 1
        with pytest.raises(FormatError) as err:
            TbxFormat().read(data, "x.tbx")
        assert err.value.line == line_of(parse_xml(data, "x.tbx").xpath(xpath)[0]) == line > 65_535


def test_header_back_matter_and_ids_survive_streaming():
    data = _tbx(_entry("c1") + b"<!-- a comment -->\n" + _entry("c2").replace(b' id="c2"', b' id="2"'))
    result = TbxFormat().read(data, "x.tbx")
    assert [c.id for c in result.concepts] == ["c1", "tbx-2"]
    assert "ignored the back matter" in "\n".join(result.report)


def test_xml_stream_keeps_only_what_the_caller_has_not_released():
    from termbank.formats.base import XmlStream

    stream = XmlStream(b"<r>" + b"<e><f>x</f></e><!-- c -->" * 1000 + b"</r>", "x.xml")
    seen = 0
    for event, el in stream:
        if event == "end" and el.tag == "e":
            seen += 1
            stream.release(el)
    assert seen == 1000 and len(stream.root) == 2  # the last <e>, emptied, and the comment after it
    assert len(stream.root[0]) == 0
