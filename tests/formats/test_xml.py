"""TBX and TMX as XML: a file read from its path as from its bytes; line numbers past 65,535."""

from __future__ import annotations

import pytest
from lxml import etree

from termbank.errors import FormatError
from termbank.formats.base import line_of
from termbank.formats.tbx import TbxFormat
from termbank.formats.tmx import TmxFormat
from termbank.model import Concept, Term, TMUnit

from .conftest import DATA, INTEROP

# <a> in each: its children, text, tail and neighbours are what libxml2 takes a line from.
SHAPES = [
    "<a>\n  <b>x</b>\n</a>",
    "<a><b>x</b></a>",
    "<a/>\n",
    "<p>\n<a/></p>",
    "<a>Hello\nworld</a>",
    '<a\n  x="1">\n  <b/>\n</a>',
    "<a><b>\n\nx</b></a>",
    "<p><a/><b>\n\nx</b></p>",
    "<a><b/>\n</a>",
]


@pytest.mark.parametrize("shape", SHAPES)
def test_an_element_past_line_65535_has_the_line_it_has_near_the_top(shape):
    def line(pad: int) -> int:
        root = etree.fromstring(("<root>\n<pad/>\n" + "\n" * pad + shape + "\n</root>\n").encode())
        return line_of(root.find(".//a")) - pad

    assert line(70_000) == line(0)


def test_a_tmx_error_past_line_65535_names_its_line():
    good = TmxFormat().write([TMUnit("en", f"Post {i}.", "es", f"Puesto {i}.") for i in range(9_000)])
    cut = good.rindex(b"</body>")
    data = good[:cut] + b'  <tu>\n      <note>Alone.</note>\n    </tu>\n  ' + good[cut:]
    with pytest.raises(FormatError, match="<tu> has no <tuv>") as err:
        TmxFormat().read(data, "memory.tmx")
    assert err.value.line == good.count(b"\n", 0, cut) + 1 > 65_535


def _outcome(run):
    try:
        return run()
    except FormatError as exc:
        return ("error", str(exc), exc.line)


def _tbx_document(n: int) -> bytes:
    return TbxFormat().write([Concept(id=f"c{i}", category="unit", terms=(
        Term("en", f"Battalion {i}"), Term("es", f"Batallón {i}"))) for i in range(n)])


# Each about 1.5 MB, so that the checks before parsing read them in two pieces.
_BIG = {"tmx": TmxFormat().write([TMUnit("en", f"Unit {i} of the memory.", "es", f"Unidad {i} de la memoria.")
                                  for i in range(9_000)]),
        "tbx": _tbx_document(2_500)}
_BAD_END = {"tmx": b'<tu><tuv xml:lang="en"><seg>x</seg></tuv></tu>\n', "tbx": b'<conceptEntry id="bad"><langSec><termSec><term>x</term></termSec></langSec>'
                                       b"</conceptEntry>\n"}


def _whole_and_streamed(fmt, data: bytes, path, **options):
    """Return what the reader gives for the bytes and for the file at ``path`` holding them."""
    path.write_bytes(data)

    def read(source):
        def run():
            result = fmt.read(source, str(path), **options)
            return result.concepts, result.units, result.report, result.skipped
        return _outcome(run)

    return read(data), read(path)


@pytest.mark.parametrize("name", ["tmx", "tbx"])
@pytest.mark.parametrize("case", [
    "files", "truncated", "nul after the first megabyte", "blank beyond a megabyte", "flaw at the end",
])
def test_reading_from_the_path_is_reading_the_bytes(name, case, tmp_path):
    # `import` gives a TBX or TMX reader the file's path, never holding its bytes (issue 8):
    # the result and errors must be those of the reader given the whole file's bytes.
    fmt = {"tmx": TmxFormat(), "tbx": TbxFormat()}[name]
    big = _BIG[name]
    if case == "files":
        files = sorted(DATA.glob(f"hostile/*.{name}")) + sorted(INTEROP.glob(f"{name}/**/*.{name}"))
        inputs = {p.name: p.read_bytes() for p in files}
        assert len(inputs) >= 10  # the hostile files; the interop ones too when present
    elif case == "truncated":
        inputs = {f"cut at {n}": big[:n] for n in (40, 300, len(big) // 2, len(big) - 9)}
    elif case == "nul after the first megabyte":
        inputs = {"nul": big[:1_200_000] + b"\x00" + big[1_200_000:]}
    elif case == "blank beyond a megabyte":
        inputs = {"blank": b" \n" * 700_000}
    else:
        cut = big.rindex(b"</body>")
        inputs = {"flaw": big[:cut] + _BAD_END[name] + big[cut:],
                  "entity": big[:cut] + _BAD_END[name].replace(b"x<", b"&amp; &unknown;<") + big[cut:]}
    option_sets = ({}, {"inline": "keep"}) if name == "tmx" else ({}, {"min_languages": 1})
    for label, data in inputs.items():
        for options in option_sets:
            whole, streamed = _whole_and_streamed(fmt, data, tmp_path / f"input.{name}", **options)
            assert streamed == whole, (label, options)
    if case != "files":
        assert whole[0] == "error", whole
    if case == "nul after the first megabyte":
        assert whole[2] == big.count(b"\n", 0, 1_200_000) + 1


def test_import_reads_a_tbx_or_tmx_file_from_its_path(tmp_path):
    from termbank.formats import open_source

    for name, data in _BIG.items():
        path = tmp_path / f"big.{name}"
        path.write_bytes(data)
        fmt, source = open_source(path)
        assert fmt.name == name and source == path
    path = tmp_path / "terms.csv"
    path.write_bytes(b"en,es\nbattalion,batall\xc3\xb3n\n")
    fmt, source = open_source(path, "pairs")
    assert source == path.read_bytes()
