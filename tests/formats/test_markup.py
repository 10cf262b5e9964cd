"""Printable glossaries (Markdown, HTML) and the JSON backup."""

from __future__ import annotations

import json
import re

import pytest

from termbank.errors import FormatError
from termbank.formats.markup import HtmlFormat, JsonFormat, MarkdownFormat, sort_key
from termbank.model import Concept, Term


def _c(cid, en, es, category="other", **kw):
    return Concept(cid, category, terms=(Term("en", en), Term("es", es)), **kw)


GLOSSARY = [
    _c("c1", "bird", "ñandú"), _c("c2", "cloud", "nube"), _c("c3", "nation", "nación"), _c("c4", "bear", "oso"),
    _c("c5", "tree", "árbol"), _c("c6", "water", "agua"), _c("c7", "Army", "Ejército", "institution"),
    _c("c8", "general", "general", "rank", definition="General officer.", note="first\nsecond"),
]


def test_spanish_order_ignores_accents_and_puts_enye_after_n():
    words = ["oso", "ñandú", "nube", "nación", "árbol", "agua", "Ávila", "ñu", "nuez"]
    assert sorted(words, key=lambda w: sort_key(w, "es")) == [
        "agua", "árbol", "Ávila", "nación", "nube", "nuez", "ñandú", "ñu", "oso"]


def test_english_order_folds_everything():
    words = ["Zulu", "año", "anode", "Ångström", "angel"]
    assert sorted(words, key=lambda w: sort_key(w, "en")) == ["angel", "Ångström", "año", "anode", "Zulu"]


def test_markdown_is_grouped_by_category_and_sorted():
    md = MarkdownFormat().write(GLOSSARY, lang="es").decode()
    headings = re.findall(r"^## (.+)$", md, re.M)
    assert headings == ["Instituciones", "Grados y empleos", "Otros términos"]
    others = md.split("## Otros términos")[1]
    heads = re.findall(r"^- \*\*(.+?)\*\*", others, re.M)
    assert heads == ["agua", "árbol", "nación", "nube", "ñandú", "oso"]
    assert md.startswith("# Glosario: español → inglés")
    assert "*Definición:* General officer." in md and "*Nota:* second" in md


def test_markdown_labels_abbreviations_locales_and_deprecated_terms():
    c = Concept("x", "rank", terms=(
        Term("en", "lieutenant general"), Term("en", "Lt. Gen.", type="abbreviation", status="admitted"),
        Term("es", "teniente general"), Term("es-MX", "general de división", status="deprecated"),
    ))
    md = MarkdownFormat().write([c]).decode()
    assert "**lieutenant general**; Lt. Gen. *(abbr.)* → **teniente general**; general de división " \
           "*(es-MX, do not use)*" in md


def test_markdown_escapes_markup():
    md = MarkdownFormat().write([_c("x", "*bold* [link](http://x)", "<b>")]).decode()
    assert r"\*bold\* \[link\](http://x)" in md and r"\<b\>" in md


def test_html_is_standalone_and_escaped():
    hostile = _c("x", "<script>alert(1)</script>", "\"quoted\" & <b>", note="<img src=x onerror=alert(1)>")
    page = HtmlFormat().write(GLOSSARY + [hostile]).decode()
    assert page.startswith("<!DOCTYPE html>") and page.rstrip().endswith("</html>")
    assert '<meta charset="utf-8">' in page
    assert "<script" not in page and "<img" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page and "&quot;quoted&quot; &amp; &lt;b&gt;" in page
    assert not re.search(r"""(src|href)\s*=\s*["']?https?:""", page), "no external assets"
    assert '<span lang="es">ñandú</span>' in page
    dts = re.findall(r"<dt><strong><span lang=\"en\">(.+?)</span>", page.split("Other terms")[1])
    assert dts == ["bear", "bird", "cloud", "nation", "&lt;script&gt;alert(1)&lt;/script&gt;", "tree", "water"]


def test_json_backup_round_trips(concepts, units):
    fmt = JsonFormat()
    data = fmt.write(concepts + units)
    doc = json.loads(data)
    assert doc["format"] == "termbank" and doc["version"] == 1
    result = fmt.read(data, "backup.json")
    assert result.concepts == concepts and result.units == units


def test_json_accepts_a_bare_array_of_concepts():
    data = json.dumps([{"id": "x", "terms": [{"lang": "en", "text": "a"}, {"lang": "es", "text": "b"}]}]).encode()
    result = JsonFormat().read(data, "x.json")
    assert result.concepts[0].terms[1] == Term("es", "b")


@pytest.mark.parametrize("doc, message", [
    ({"concepts": [{"id": "x", "terms": [{"lang": "en", "text": "a", "tone": "formal"}]}]}, "unknown field"),
    ({"concepts": [{"id": "x", "category": "weapon", "terms": []}]}, "unknown category"),
    ({"concepts": [{"id": "x", "terms": [{"lang": "en", "text": "a"}]}] * 2}, "duplicate concept id"),
    ({"concepts": [{"id": "x", "terms": [{"lang": "en", "text": "a"}], "created_at": "tuesday"}]}, "not an ISO date"),
    ({"concepts": [{"id": "x"}]}, "has no terms"),
    ({"concepts": [{"id": "x", "terms": [{"lang": "en", "text": "a"}, {"lang": "klingon", "text": "b"}]}]},
     "unknown language code 'klingon'"),
    ({"concepts": [{"id": "x", "terms": [{"lang": "en", "text": "a"}, {"lang": "en-US", "text": "b"}]}]},
     "one language only"),
    ({"units": [{"source_lang": "en", "source": "a", "target_lang": "es"}]}, "target must be"),
    ({"format": "other", "concepts": []}, "unknown JSON format"),
])
def test_json_refuses_bad_content_with_a_line(doc, message):
    with pytest.raises(FormatError, match=message) as err:
        JsonFormat().read(json.dumps(doc, indent=2).encode(), "bad.json")
    assert err.value.file == "bad.json"
