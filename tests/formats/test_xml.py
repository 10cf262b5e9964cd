"""Line numbers of XML elements past line 65,535 (base.line_of), where libxml2 keeps none."""

from __future__ import annotations

import pytest
from lxml import etree

from termbank.errors import FormatError
from termbank.formats.base import line_of
from termbank.formats.tmx import TmxFormat
from termbank.model import TMUnit

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
    data = good[:cut] + b'  <tu>\n      <tuv xml:lang="en"><seg>Alone.</seg></tuv>\n    </tu>\n  ' + good[cut:]
    with pytest.raises(FormatError, match="<tu> has 1 <tuv>") as err:
        TmxFormat().read(data, "memory.tmx")
    assert err.value.line == good.count(b"\n", 0, cut) + 1 > 65_535
