"""Fixtures for the format tests: paths to the interop samples and a concept set using every field."""

from __future__ import annotations

import subprocess
import sys
from datetime import datetime, timezone
from pathlib import Path

import pytest

from termbank.model import Concept, Term, TMUnit

ROOT = Path(__file__).resolve().parents[2]
INTEROP = ROOT.parent / "shared" / "interop"
DATA = ROOT / "tests" / "data"


@pytest.fixture
def interop():
    """Return a function giving the path of an interop sample, skipping the test if it is absent."""

    def get(relative: str) -> Path:
        path = INTEROP / relative
        if not path.exists():
            pytest.skip(f"interop sample {relative} not found (expected ../shared/interop next to the repository)")
        return path

    return get


@pytest.fixture
def validate_tbx(tmp_path):
    """Return a function running the official RelaxNG + Schematron check on TBX bytes."""
    script = INTEROP / "validate_tbx.py"
    if not script.exists():
        pytest.skip("validate_tbx.py not found in ../shared/interop")

    def run(data: bytes) -> subprocess.CompletedProcess:
        path = tmp_path / "export.tbx"
        path.write_bytes(data)
        return subprocess.run([sys.executable, str(script), str(path)], capture_output=True, text=True, timeout=120)

    return run


@pytest.fixture
def tmx_dtd():
    """Return the TMX 1.4b DTD as an lxml validator."""
    from lxml import etree

    path = INTEROP / "tmx" / "tmx14.dtd"
    if not path.exists():
        pytest.skip("tmx14.dtd not found in ../shared/interop/tmx")
    return etree.DTD(str(path))


def make_concepts() -> list[Concept]:
    """Concepts that use every field of Concept and Term, plus awkward text."""
    return [
        Concept(
            "rank-lt-gen", "rank", "U.S. Army; U.S. Air Force", "Three-star general officer (O-9).",
            "Mexican *general de división* is not an exact equivalent.\nSee also rank-mx-gral-div.",
            "U.S. DoD, Military Ranks",
            (
                Term("en", "lieutenant general", match="title", part_of_speech="noun"),
                Term("en", "Lt. Gen.", type="abbreviation", status="admitted", case_sensitive=True),
                Term("en", "LTG", type="acronym", status="admitted", usage="Army personnel style", match="case"),
                Term("es", "teniente general", match="title", gender="masculine", number="singular", geo="ES",
                     source="DRAE", context="El teniente general pasó revista.",
                     note="también «general de tres estrellas»"),
                Term("es-MX", "general de división", status="deprecated", part_of_speech="properNoun",
                     usage="not equivalent"),
            ),
            version=3, created_at=datetime(2024, 1, 2, 3, 4, 5, tzinfo=timezone.utc),
            updated_at=datetime(2024, 2, 3, 4, 5, 6, tzinfo=timezone.utc),
        ),
        Concept("inst-sedena", "institution", terms=(
            Term("en", "Secretariat of National Defense", part_of_speech="properNoun"),
            Term("es", "Secretaría de la Defensa Nacional", gender="feminine"),
            Term("es", "SEDENA", type="acronym", status="admitted"),
        )),
        Concept("other-formula", "other", note="=HYPERLINK(\"http://example.invalid\")\n+cmd|' /C calc'!A0",
                source="@home", terms=(
                    Term("en", "-ism"), Term("es", "-ismo"), Term("es", "'=quoted", status="admitted"),
                )),
        Concept("unit-nandu", "unit", definition="Ñandú & <bird> \"quoted\"", terms=(
            Term("en", "rhea"), Term("es", "ñandú"), Term("fr-CA", "nandou", status="admitted"),
        )),
        Concept("person-x", "person", subject="  padded  ", terms=(
            Term("es", "árbol"), Term("en", "tree", number="plural", gender="neuter"),
            Term("en", "[bracketed]", status="admitted"),
        )),
    ]


def make_units() -> list[TMUnit]:
    """Translation units with notes, props, dates and awkward text."""
    return [
        TMUnit("en", "The general arrived.", "es", "Llegó el general.", id="u1", origin="manual",
               created_by="ana", created_at=datetime(2024, 1, 2, 3, 4, 5, tzinfo=timezone.utc),
               note="first note\nsecond note", props={"x-project": "demo", "source:x-file": "a.txt",
                                                       "target:x-file": "b.txt"}),
        TMUnit("en", "Use <b> & \"quotes\"", "es-MX", "Usa <b> y «comillas»", id="u2"),
        TMUnit("es", "¿Dónde está?", "en", "Where is it?"),
    ]


@pytest.fixture
def concepts() -> list[Concept]:
    return make_concepts()


@pytest.fixture
def units() -> list[TMUnit]:
    return make_units()
