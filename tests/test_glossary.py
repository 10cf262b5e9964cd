"""The shipped glossaries: readable, complete enough, unambiguous, and inside the wheel."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from collections import Counter, defaultdict

import pytest

from termbank.errors import FormatError
from termbank.glossary import parse_glossary, read_glossary, shipped_paths
from termbank.normalize import fold

from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_at_least_400_concepts(shipped_concepts):
    assert len(shipped_concepts) >= 400


def test_every_category_is_present(shipped_concepts):
    cats = Counter(c.category for c in shipped_concepts)
    for cat in ("institution", "rank", "title", "unit", "acronym", "person", "other"):
        assert cats[cat] > 0, cats


def test_every_concept_has_english_and_spanish(shipped_concepts):
    missing = [c.id for c in shipped_concepts if not c.terms_in("en") or not c.terms_in("es")]
    assert missing == []


def test_every_concept_has_one_preferred_term_per_language(shipped_concepts):
    bad = []
    for c in shipped_concepts:
        for lang in ("en", "es"):
            if not any(t.status == "preferred" for t in c.terms_in(lang)):
                bad.append((c.id, lang))
    assert bad == []


def test_sources_are_given(shipped_concepts):
    with_source = sum(1 for c in shipped_concepts if c.source or any(t.source for t in c.terms))
    # "give a source for each entry where you can": most entries cite one.
    assert with_source / len(shipped_concepts) >= 0.85


def test_written_forms_resolve_to_one_concept(shipped_concepts):
    """A written form (accents and case folded) belongs to one concept per language,
    except homonyms the glossary declares in a comment of its file."""
    owners = defaultdict(set)
    for c in shipped_concepts:
        for t in c.terms:
            if t.status != "deprecated":
                owners[(t.base_lang, fold(t.text), t.is_case_sensitive and t.text)].add(c.id)
    comments = fold(" ".join(line for p in shipped_paths() for line in p.read_text(encoding="utf-8").splitlines()
                             if line.lstrip().startswith("#")))
    clashes = {k: v for k, v in owners.items() if len(v) > 1}
    undeclared = {k: sorted(v) for k, v in clashes.items() if k[1] not in comments}
    assert undeclared == {}, "homonyms must be declared in a comment of their glossary file"


def test_rank_abbreviations_from_ap_style(shipped_concepts):
    texts = {t.text for c in shipped_concepts if c.category == "rank" for t in c.terms}
    for abbr in ("Gen.", "Lt. Gen.", "Maj. Gen.", "Brig. Gen.", "Col.", "Adm.", "Vice Adm.", "Rear Adm.",
                 "Sgt. Maj.", "Chief Master Sgt.", "Gral.", "Tte. Gral.", "Alm."):
        assert abbr in texts, abbr


def test_regional_usage_is_recorded(shipped_concepts):
    locales = {t.lang for c in shipped_concepts for t in c.terms}
    assert {"es-MX", "es-ES"} <= locales


def test_bad_record_is_refused_with_file_and_line(tmp_path):
    bad = tmp_path / "bad.toml"
    bad.write_text('[concept.ok]\nterms = [{lang = "en", text = "a"}]\n\n[concept.x]\ncategory = "weapon"\n'
                   'terms = [{lang = "en", text = "b"}]\n', encoding="utf-8")
    with pytest.raises(FormatError) as err:
        read_glossary(bad)
    assert str(err.value).startswith(f"{bad}:4:")
    syntax = tmp_path / "syntax.toml"
    syntax.write_text('[concept.a]\nterms = [\n', encoding="utf-8")
    with pytest.raises(FormatError, match=r"syntax.toml:\d+: TOML syntax"):
        read_glossary(syntax)


def test_unknown_keys_and_languages_are_refused():
    with pytest.raises(FormatError, match="unknown term key"):
        parse_glossary('[concept.a]\nterms = [{lang = "en", text = "a", colour = "red"}]\n')
    with pytest.raises(FormatError, match="language tag"):
        parse_glossary('[concept.a]\nterms = [{lang = "english", text = "a"}]\n')


@pytest.mark.slow
def test_wheel_contains_the_glossaries(tmp_path):
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q", "-w",
                    str(tmp_path), str(ROOT)], check=True, capture_output=True)
    wheel, = tmp_path.glob("termbank-*.whl")
    names = zipfile.ZipFile(wheel).namelist()
    for path in shipped_paths():
        assert f"termbank/glossaries/{path.name}" in names
    assert any(n.startswith("termbank/store/migrations/versions/") for n in names)
