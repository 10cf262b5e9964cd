"""Hostile and odd input across the commands that read files or arguments (issue 7).

Never a traceback, never a lost byte: bad files exit 3 with a one-line error naming the
file (and the byte offset for bad encodings); odd but valid text is annotated with exact
offsets into the original string.
"""

from __future__ import annotations

import json
import unicodedata

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from termbank import api
from termbank.annotate import Annotator
from termbank.glossary import load_shipped
from termbank.match import TermIndex

ODD_QUERIES = [
    "", " ", "\t\n", "(.*)[", "\\", "^$", "a|b", "[[:alpha:]]", "%", "_", "%_%",
    "'; DROP TABLE concept; --", "\" OR 1=1 --", "Robert'); DELETE FROM term;--",
    "\u202eGral.\u202c", "שלום", "مرحبا", "🙂 general 🙂", "ＧＥＮ．", "A\u0301ngeles", "x" * 5000,
    "\u00a0\u2009\u200b", "Tte.\u00a0Gral.", "EE.\u2002UU.", "\ufeffSEDENA", "𝐆𝐞𝐧.", "ǅ", "İstanbul", "ß",
]


@pytest.mark.parametrize("query", ODD_QUERIES)
def test_lookup_never_crashes(filled_cli, query):
    result = filled_cli("lookup", query, "--json")
    if not query.strip():
        assert result.exit_code == 2
        return
    assert result.exit_code == 0, result.stderr
    assert isinstance(json.loads(result.stdout), list)


ODD_ARTICLES = {
    "empty": b"",
    "only-bom": b"\xef\xbb\xbf",
    "bom": "\ufeffEl Gral. Ricardo Trevilla Trejo.".encode("utf-8"),
    "crlf": b"The U.S.\r\nNorthern Command\r\nmet SEDENA.\r\n",
    "tabs-nbsp": "Gen.\u00a0Gregory\tM. Guillot and the U.S.\u00a0\u00a0Northern\tCommand".encode("utf-8"),
    "nfd": unicodedata.normalize("NFD", "La Secretaría de la Defensa Nacional y el almirante Morales Ángeles").encode(),
    "emoji-rtl": "🙂 Gen. Gregory M. Guillot שלום met مرحبا SEDENA 🇲🇽.".encode("utf-8"),
    "regex-chars": b"(Gen.) [U.S.] {SEDENA} ^$ .* \\d+ (?P<x>)",
    "sql": b"'; DROP TABLE concept; -- NORAD",
    "long-line": ("SEDENA " * 200_000).encode("ascii"),
    "control-chars": b"\x07Gen.\x0b Guillot\x0c NORAD\x1b[31m",
    "utf16-bom": "El Gral. Cortés".encode("utf-16"),
}


@pytest.mark.parametrize("name", sorted(ODD_ARTICLES))
def test_odd_articles_are_annotated_with_exact_offsets(filled_cli, tmp_path, name):
    path = tmp_path / f"{name}.txt"
    path.write_bytes(ODD_ARTICLES[name])
    result = filled_cli("annotate", "--format", "json", str(path))
    assert result.exit_code == 0, result.stderr
    doc = json.loads(result.stdout)
    raw = ODD_ARTICLES[name]
    source = raw.decode("utf-16") if raw.startswith(b"\xff\xfe") else raw.decode("utf-8").removeprefix("\ufeff")
    for m in doc["mentions"]:
        assert source[m["start"]:m["end"]] == m["text"]
    if name == "long-line":
        assert len(doc["mentions"]) == 200_000


BAD_ARTICLES = {
    "nul": (b"Gen. Guillot\x00 NORAD", "NUL"),
    "invalid-utf8": (b"General \xc3\x28 Trevilla", "byte 8"),
    "truncated-utf8": (b"Secretar\xc3", "byte 8"),
    "binary": (bytes(range(256)) * 4, "NUL"),
}


@pytest.mark.parametrize("name", sorted(BAD_ARTICLES))
def test_bad_articles_exit_3_naming_the_file(filled_cli, tmp_path, name):
    data, expect = BAD_ARTICLES[name]
    path = tmp_path / f"{name}.txt"
    path.write_bytes(data)
    for command in ("annotate", "extract"):
        result = filled_cli(command, str(path))
        assert result.exit_code == 3, (command, result.stderr)
        line, = result.stderr.strip().splitlines()[-1:]
        assert str(path) in line and expect in line and "Traceback" not in result.stderr


def test_encoding_option_reads_latin1(filled_cli, tmp_path):
    path = tmp_path / "latin1.txt"
    path.write_bytes("Secretaría de Marina ¿sí?".encode("latin-1"))
    result = filled_cli("annotate", "--format", "json", "--encoding", "latin-1", str(path))
    assert result.exit_code == 0
    assert [m["text"] for m in json.loads(result.stdout)["mentions"]] == ["Secretaría de Marina"]


def test_terms_with_metacharacters_and_sql(cli, tmp_path):
    cli("init", "--empty")
    for text in ("C++ (test) [x]", "x'); DROP TABLE term; SELECT ('", "a.*b", "100% (Q&A)"):
        assert cli("add", "--en", text, "--es", text + " es").exit_code == 0
    article = tmp_path / "a.txt"
    article.write_text("We met C++ (test) [x] and x'); DROP TABLE term; SELECT (' and a.*b, 100% (Q&A).", encoding="utf-8")
    doc = json.loads(cli("annotate", "--format", "json", "--lang", "en", str(article)).stdout)
    assert [m["text"] for m in doc["mentions"]] == ["C++ (test) [x]", "x'); DROP TABLE term; SELECT ('", "a.*b", "100% (Q&A)"]
    assert json.loads(cli("stats", "--json").stdout)["concepts"] == 4


@pytest.mark.slow
def test_fifty_megabyte_article(filled_cli, tmp_path):
    paragraph = ("El Gral. Ricardo Trevilla Trejo, secretario de la Defensa Nacional, se reunió con el "
                 "almirante Raymundo Pedro Morales Àngeles y con oficiales del Comando Norte de EE. UU. "
                 "para hablar del tráfico de armas en la frontera.\n")
    one = json.loads(filled_cli("annotate", "--format", "json", "-", input=paragraph).stdout)["mentions"]
    path = tmp_path / "big.txt"
    n = 50 * 1024 * 1024 // len(paragraph.encode("utf-8")) + 1
    path.write_text(paragraph * n, encoding="utf-8")
    result = filled_cli("annotate", "--format", "csv", "-o", str(tmp_path / "out.csv"), str(path))
    assert result.exit_code == 0, result.stderr
    rows = (tmp_path / "out.csv").read_text(encoding="utf-8").count("\n") - 1
    assert rows == n * len(one)


# -- fuzzing the library (hypothesis) --------------------------------------------------
_INDEX = TermIndex.build(load_shipped())
_ANNOTATOR = Annotator(_INDEX)
_TERMS = [t.text for c in list(_INDEX.concepts.values())[:300] for t in c.terms]

text_with_terms = st.lists(
    st.one_of(st.text(max_size=12), st.sampled_from(_TERMS), st.sampled_from([" ", "\n", "\r\n", "\u00a0", "  "]),
              st.sampled_from(_TERMS).map(lambda t: unicodedata.normalize("NFD", t))),
    max_size=25,
).map("".join)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(text_with_terms)
def test_lookup_fuzz_never_raises(query):
    hits = _INDEX.lookup(query) if query.strip() else []
    for h in hits:
        assert 0 <= h.score <= 100 and h.match in ("exact", "folded", "variant", "inflected", "fuzzy")


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(text_with_terms, st.sampled_from(["auto", "en", "es"]))
def test_annotate_fuzz_offsets_exact(text, lang):
    doc = _ANNOTATOR.annotate(text, lang=lang)
    last = 0
    for m in doc.mentions:
        assert text[m.start:m.end] == m.text and m.start >= last and m.end > m.start
        last = m.end
    json.dumps(doc.as_dict())


def test_api_lookup_rejects_empty_query(filled_store):
    with pytest.raises(api.UsageError):
        api.lookup(filled_store, "   ")
