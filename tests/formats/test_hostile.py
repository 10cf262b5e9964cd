"""Hostile and broken inputs: every one is refused with a FormatError naming file and line.

The corpus lives in tests/data/hostile/ and MANIFEST.json says what each file should be
refused for. Mutations of good files (fuzzing) must give either a result or a
FormatError, never another exception.
"""

from __future__ import annotations

import json
import re

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from termbank.errors import FormatError
from termbank.formats import FORMATS, get_format, read_bytes, read_file

from .conftest import DATA, make_concepts, make_units

HOSTILE = DATA / "hostile"
MANIFEST = json.loads((HOSTILE / "MANIFEST.json").read_text(encoding="utf-8"))["files"]


def test_the_corpus_is_complete_and_large_enough():
    on_disk = {p.name for p in HOSTILE.iterdir() if p.name not in ("MANIFEST.json", "README.md")}
    assert on_disk == set(MANIFEST)
    assert len(MANIFEST) >= 25


@pytest.mark.parametrize("name", sorted(MANIFEST))
def test_hostile_file_is_refused_with_file_and_line(name):
    path = HOSTILE / name
    with pytest.raises(FormatError) as err:
        read_file(path)
    error = err.value
    assert error.file == str(path)
    assert error.line is not None and error.line >= 1
    assert re.search(MANIFEST[name]["expect"], error.message), error.message
    assert str(error).startswith(f"{path}:{error.line}: ")


@pytest.mark.parametrize("name", ["billion-laughs.tbx", "billion-laughs.tmx", "xxe-file.tbx", "xxe-parameter.tmx"])
@pytest.mark.parametrize("fmt", ["tbx", "tmx"])
def test_entities_are_refused_whatever_the_format_asked(name, fmt):
    with pytest.raises(FormatError, match="entit"):
        get_format(fmt).read((HOSTILE / name).read_bytes(), name)


def _samples() -> dict[str, bytes]:
    out = {}
    for name, cls in FORMATS.items():
        if cls.can_read() and cls.can_write():
            items = make_units() if cls.kind == "tm" else make_concepts()
            out[name] = cls().write(items)
    return out


SAMPLES = _samples()


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    name=st.sampled_from(sorted(SAMPLES)),
    cut=st.floats(min_value=0, max_value=1),
    flips=st.lists(st.tuples(st.floats(min_value=0, max_value=1), st.integers(0, 255)), max_size=4),
    as_format=st.sampled_from(["auto"] + sorted(SAMPLES)),
)
def test_mutated_files_give_a_result_or_a_format_error(name, cut, flips, as_format):
    data = bytearray(SAMPLES[name][: max(0, int(len(SAMPLES[name]) * cut))] if cut < 0.5 else SAMPLES[name])
    for where, value in flips:
        if data:
            data[min(len(data) - 1, int(where * len(data)))] = value
    try:
        read_bytes(bytes(data), f"fuzz.{name}", format=as_format)
    except FormatError as err:
        assert err.file == f"fuzz.{name}"


@settings(max_examples=100, deadline=None)
@given(st.binary(max_size=300), st.sampled_from(["auto"] + sorted(SAMPLES)))
def test_random_bytes_give_a_result_or_a_format_error(data, as_format):
    try:
        read_bytes(data, "random.bin", format=as_format)
    except FormatError:
        pass
