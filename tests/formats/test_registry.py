"""The format registry: names, detection, and the round trip over every format."""

from __future__ import annotations

import pytest

from termbank.errors import FormatError, UsageError
from termbank.formats import FORMATS, Format, detect_format, get_format, read_bytes, read_file

from .conftest import DATA, make_concepts, make_units

BOTH = sorted(name for name, cls in FORMATS.items() if cls.can_read() and cls.can_write())
EXACT = ("csv", "tsv", "json")


def test_registry_is_built_from_the_classes():
    assert set(FORMATS) == {"tbx", "tmx", "csv", "tsv", "deepl", "google", "pairs", "md", "html", "json"}
    for name, cls in FORMATS.items():
        assert issubclass(cls, Format) and cls.name == name
        assert cls.kind in ("terms", "tm")
        assert cls.extensions and all(e.startswith(".") for e in cls.extensions)
        assert cls.can_read() or cls.can_write()
    assert not FORMATS["md"].can_read() and not FORMATS["html"].can_read()
    assert FORMATS["tmx"].kind == "tm"


def test_get_format_is_case_insensitive_and_refuses_unknown_names():
    assert get_format("TBX").name == "tbx"
    with pytest.raises(UsageError, match="unknown format"):
        get_format("xliff")


def _items(name: str):
    return make_units() if FORMATS[name].kind == "tm" else make_concepts()


@pytest.mark.parametrize("name", BOTH)
def test_export_import_export_is_stable(name):
    fmt = get_format(name)
    first = fmt.write(_items(name))
    result = fmt.read(first, f"export.{name}")
    again = fmt.write(result.units if fmt.kind == "tm" else result.concepts)
    assert again == first
    assert result.report, "every reader explains what it did"


@pytest.mark.parametrize("name", EXACT)
def test_own_layouts_round_trip_exactly(name):
    fmt = get_format(name)
    assert fmt.read(fmt.write(make_concepts()), f"x.{name}").concepts == make_concepts()


@pytest.mark.parametrize("name", [n for n in BOTH if FORMATS[n].kind == "terms"])
def test_round_trip_of_the_shipped_glossaries(name, shipped_concepts):
    if not shipped_concepts:
        pytest.skip("no shipped glossaries")
    fmt = get_format(name)
    first = fmt.write(shipped_concepts)
    back = fmt.read(first, f"shipped.{name}").concepts
    assert fmt.write(back) == first
    assert len(back) == len(shipped_concepts)
    if name in ("tbx", "csv", "tsv", "json"):
        assert sum(len(c.terms) for c in back) == sum(len(c.terms) for c in shipped_concepts)
        assert [c.id for c in back] == [c.id for c in shipped_concepts]
    if name in EXACT:
        assert back == shipped_concepts


def test_json_keeps_units_too():
    fmt = get_format("json")
    result = fmt.read(fmt.write(make_concepts() + make_units()), "backup.json")
    assert result.concepts == make_concepts()
    assert result.units == make_units()


@pytest.mark.parametrize("relative, expected", [
    ("tbx/tbx-v3-basic/samples/Example_Astronomy_DCA_VALID.tbx", "tbx"),
    ("tbx/tbx-2008-basic/samples/TBX-basic-sample.tbx", "tbx"),
    ("tmx/tmx-compliance-kit/ImportTest1A.tmx", "tmx"),  # UTF-16 LE with BOM
    ("tmx/tmx-compliance-kit/ImportTest1G.tmx", "tmx"),  # UTF-16 BE with BOM
    ("glossaries/tico19-facebook_f_en-es_XX.csv", "pairs"),
    ("glossaries/tico19-google_g_en_es-419.csv", "pairs"),
])
def test_detection_by_content(interop, relative, expected):
    path = interop(relative)
    data = path.read_bytes()
    assert detect_format(data, path.name).name == expected
    assert detect_format(data, "renamed.dat").name == expected, "content decides, not the extension"


@pytest.mark.parametrize("name, expected", [
    ("translator-edited.csv", "csv"),
    ("excel-unicode-text.tsv", "tsv"),
    ("deepl_en-es.tsv", "deepl"),
    ("google-sets.csv", "google"),
    ("google-unidirectional_en-es.csv", "google"),
])
def test_detection_of_delimited_layouts(name, expected):
    path = DATA / "formats" / name
    assert detect_format(path.read_bytes(), path.name).name == expected
    assert read_file(path).format == expected


def test_detection_of_own_exports():
    for name in ("tbx", "tmx", "csv", "tsv", "json", "pairs"):
        data = get_format(name).write(_items(name))
        assert detect_format(data, "").name == name


def test_unknown_content_is_a_format_error_with_a_line():
    with pytest.raises(FormatError) as err:
        detect_format(b"just some prose\n", "notes.txt")
    assert err.value.file == "notes.txt" and err.value.line == 1


def test_read_file_reports_unreadable_paths(tmp_path):
    with pytest.raises(FormatError, match="cannot read file"):
        read_file(tmp_path / "missing.tbx")


def test_export_only_formats_cannot_be_imported():
    with pytest.raises(UsageError, match="only be exported"):
        read_bytes(b"# x\n", "x.md", format="md")
