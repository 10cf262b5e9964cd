"""Folding keys and the offset map of termbank.normalize."""

from __future__ import annotations

import doctest
import unicodedata

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from termbank import normalize
from termbank.normalize import fold, fold_case, fold_with_offsets, normalize_space, strip_accents


def test_doctests():
    result = doctest.testmod(normalize)
    assert result.attempted > 0 and result.failed == 0


@pytest.mark.parametrize(
    "text, key",
    [
        ("Tte. Gral.", "tte gral"),
        ("TTE GRAL", "tte gral"),
        ("Tte.Gral.", "ttegral"),
        ("EE. UU.", "ee uu"),
        ("EE.UU.", "eeuu"),
        ("U.S.", "us"),
        ("U.S", "us"),
        ("Lt.Gen.", "ltgen"),
        ("Lt. Gen.", "lt gen"),
        ("Secretaría de la Defensa Nacional", "secretaria de la defensa nacional"),
        ("SECRETARÍA  DE LA\tDEFENSA\u00a0NACIONAL", "secretaria de la defensa nacional"),
        ("Marina-Armada", "marina armada"),
        ("Marina\u2013Armada", "marina armada"),
        ("Marina \u2014 Armada", "marina armada"),
        ("Peña Nieto", "pena nieto"),
        ("Françoise", "francoise"),
        ("pingüino", "pinguino"),
        ("Àngeles", "angeles"),
        ("Méxicó", "mexico"),
        ("3.145", "3.145"),
        ("3.5 km.", "3.5 km"),
        ("v. 2.0", "v 2.0"),
        ("\u201cLa Marina\u201d", '"la marina"'),
        ("O\u2019Brien", "o'brien"),
        ("Straße", "strasse"),
        ("İstanbul", "istanbul"),
        ("Secre\u00adtaría", "secretaria"),
        ("  a\r\n\r\nb  ", "a b"),
        ("a\u202fb\u2009c", "a b c"),
        ("", ""),
        ("...", "..."),
        ("etc...", "etc"),
        ("Gral. de Div.", "gral de div"),
        ("(SEDENA)", "(sedena)"),
    ],
)
def test_fold_table(text, key):
    assert fold(text) == key


@pytest.mark.parametrize(
    "text, key",
    [("U.S.", "US"), ("US", "US"), ("us", "us"), ("EE. UU.", "EE UU"), ("EE.UU.", "EEUU"),
     ("Sedena", "Sedena"), ("Tte.  Gral.", "Tte Gral"), ("Ángeles", "Angeles")],
)
def test_fold_case_table(text, key):
    assert fold_case(text) == key


def test_strip_accents_keeps_everything_else():
    assert strip_accents("¿Dónde está la Secretaría?  EE. UU.") == "¿Donde esta la Secretaria?  EE. UU."
    assert strip_accents("A\u0301NGELES") == "ANGELES"
    assert strip_accents("Ñandú") == "Nandu"


def test_normalize_space_keeps_case_and_accents():
    assert normalize_space("  Secretaría\u00a0de\nMarina ") == "Secretaría de Marina"
    assert normalize_space("A\u0301ngeles") == "Ángeles"


# -- properties -----------------------------------------------------------------------

_PIECES = [
    "a", "B", "é", "É", "ñ", "Ñ", "ü", "ç", "ß", "ﬁ", "İ", "ø", "Ω", "ж", "1", "7", ".", ". ",
    "..", ",", "-", "\u2013", "\u2014", " ", "  ", "\t", "\r\n", "\n", "\u00a0", "\u202f",
    "\u2019", "\u201c", "\u0301", "\u0308", "\u0303", "\u00ad", "\u200b", "A\u0301", "n\u0303",
    "EE. UU.", "U.S.", "Tte. Gral.", "Ángeles", "3.145", "\u3000", "\ufeff", "가", "\u1100\u1161",
]

texts = st.one_of(
    st.lists(st.sampled_from(_PIECES), max_size=25).map("".join),
    st.text(max_size=40),
    st.text(alphabet=st.characters(codec="utf-8"), max_size=40),
)


@given(texts)
@example("a..")
@example("ǰ")
@settings(max_examples=400)
def test_fold_is_idempotent(text):
    once = fold(text)
    assert fold(once) == once
    assert fold_case(fold_case(text)) == fold_case(text)


@given(texts)
@settings(max_examples=300)
def test_fold_ignores_normalization_form(text):
    key = fold(text)
    assert fold(unicodedata.normalize("NFC", text)) == key
    assert fold(unicodedata.normalize("NFD", text)) == key
    assert fold_case(unicodedata.normalize("NFD", text)) == fold_case(text)


@given(texts)
@settings(max_examples=300)
def test_fold_is_fold_case_casefolded(text):
    assert fold(fold_case(text)) == fold(text)


@given(st.sampled_from(["Ángeles", "Àngeles", "ANGELES", "A\u0301ngeles", "ángeles", "ÁNGELES", "Ángeles\u00a0"]))
def test_angeles_variants_share_one_key(text):
    assert fold(text) == "angeles"


def _token_boundaries(folded: str) -> list[int]:
    n = len(folded)
    return [i for i in range(n + 1) if i in (0, n) or folded[i - 1] == " " or folded[i] == " "]


@given(texts, st.booleans(), st.data())
@example("El Tte.  Gral. Morales A\u0301ngeles\r\nde EE. UU.", False, None)
@settings(max_examples=400)
def test_offsets_refold_to_the_same_key(text, keep_case, data):
    f = fold_with_offsets(text, keep_case=keep_case)
    folder = fold_case if keep_case else fold
    assert f.text.strip(" ") == folder(text)
    bounds = _token_boundaries(f.text)
    if data is None:
        pairs = [(s, e) for s in bounds for e in bounds if s < e]
    else:
        s = data.draw(st.sampled_from(bounds))
        e = data.draw(st.sampled_from([b for b in bounds if b >= s]))
        pairs = [(s, e)]
    for s, e in pairs:
        os_, oe = f.to_original(s, e)
        assert 0 <= os_ <= oe <= len(text)
        assert folder(text[os_:oe]) == f.text[s:e].strip(" ")


@given(texts, st.booleans())
@settings(max_examples=300)
def test_offsets_are_monotone_and_in_bounds(text, keep_case):
    f = fold_with_offsets(text, keep_case=keep_case)
    n = len(f.text)
    starts = [f.to_original(i, i + 1)[0] for i in range(n)]
    ends = [f.to_original(i, i + 1)[1] for i in range(n)]
    assert starts == sorted(starts)
    assert ends == sorted(ends)
    for s, e in zip(starts, ends):
        assert 0 <= s < e <= len(text)
    for i in range(n + 1):
        a, b = f.to_original(i, i)
        assert a == b and 0 <= a <= len(text)


def test_offsets_of_an_article():
    text = "El Tte.\u00a0Gral. Ricardo Trevilla Trejo, de la SEDENA, viajó a EE.\u00a0UU.\r\n"
    f = fold_with_offsets(text)
    for needle, original, with_period in [
        ("tte gral", "Tte.\u00a0Gral", False),
        ("tte gral", "Tte.\u00a0Gral.", True),
        ("ricardo trevilla trejo", "Ricardo Trevilla Trejo", False),
        ("sedena", "SEDENA", True),  # the comma after it is not a period
        ("viajo", "viajó", False),
        ("ee uu", "EE.\u00a0UU.", True),
    ]:
        s = f.text.index(needle)
        a, b = f.to_original(s, s + len(needle), with_period=with_period)
        assert text[a:b] == original


def test_offsets_with_decomposed_accents_and_expansions():
    text = "A\u0301ngeles Stra\u00dfe n\u0303"
    f = fold_with_offsets(text)
    assert f.text == "angeles strasse n"
    assert text[slice(*f.to_original(0, 7))] == "A\u0301ngeles"
    assert text[slice(*f.to_original(8, 15))] == "Stra\u00dfe"
    assert text[slice(*f.to_original(16, 17))] == "n\u0303"  # the trailing mark belongs to the span


def test_offsets_keep_case():
    f = fold_with_offsets("la U.S. Navy", keep_case=True)
    assert f.text == "la US Navy"
    assert f.to_original(3, 5) == (3, 6)
    assert f.to_original(3, 5, with_period=True) == (3, 7)


def test_to_original_rejects_bad_spans():
    f = fold_with_offsets("abc")
    with pytest.raises(ValueError):
        f.to_original(2, 1)
    with pytest.raises(ValueError):
        f.to_original(0, 4)


def test_large_text_is_folded_at_c_speed():
    import time

    text = ("El Tte. Gral. Ricardo Trevilla Trejo, secretario de la Defensa Nacional de México, "
            "se reunió con el Gen. Gregory M. Guillot del Comando Norte de EE. UU.\r\n") * 10000
    t = time.perf_counter()
    key = fold(text)
    f = fold_with_offsets(text)
    elapsed = time.perf_counter() - t
    assert f.text.strip() == key
    # About 1.6 MB: generous bound that still fails for a per-character Python loop.
    assert elapsed < 2.0


@given(texts)
@settings(max_examples=300)
def test_cased_text_lines_up_with_the_folded_text(text):
    plain, f = fold_with_offsets(text), fold_with_offsets(text, cased=True)
    assert f.text == plain.text
    assert len(f.cased) == len(f.text)
    previous = None
    for i, ch in enumerate(f.cased):
        start = f.to_original(i, i + 1)[0]
        source = text[start]
        first = start != previous  # the first character that ``source`` folded to
        previous = start
        if ch != f.text[i]:
            # A capital stands for an original character that is not lowercase.
            assert first and not source.islower() and ch == f.text[i].upper()
        elif first and source.isupper() and len(f.text[i].upper()) == 1 and not f.text[i].upper().islower():
            assert ch == f.text[i].upper() or ch == f.text[i] == ch.upper()


def test_cased_text_marks_capitals_after_accents_periods_and_expansions():
    text = "El Tte.\u00a0Gral. Ángeles, de la SEDENA, en EE. UU.; \u1e9e \u00df de"
    f = fold_with_offsets(text, cased=True)
    assert f.text == "el tte gral angeles, de la sedena, en ee uu; ss ss de"
    assert f.cased == "El Tte Gral Angeles, de la SEDENA, en EE UU; Ss ss de"


def test_unmark_table_undoes_every_capital():
    for cp, mark in normalize._FOLD_MARK.items():
        out = normalize._FOLD[cp]
        assert len(mark) == len(out)
        if mark != out:
            assert normalize._UNMARK[ord(mark[0])] == out[0] and mark[1:] == out[1:]
            if mark.isascii():
                assert mark.lower() == out


@pytest.mark.parametrize("text", ["¿Dónde está la SEDENA? «Ñandú» 1.º", "ΟΔΟΣ Ωμέγα", "Ǆemal ǅ İstanbul ᏣᎳᎩ"])
def test_cased_text_in_latin1_and_beyond(text):
    f = fold_with_offsets(text, cased=True)
    assert f.text == fold_with_offsets(text).text
    assert f.text.strip() == normalize.fold(text)


@pytest.mark.parametrize("text, shows", [
    ("Tte. Gral.", True), ("Ángeles", True), ("中国", True), ("e\u0301", True), ("  x ", True),
    ("", False), ("   ", False), ("\u200b\u200d\ufeff", False), ("\u00ad", False), ("\x07\x1b", False),
    ("\u3164", False), ("\u115f\u1160", False), ("\uffa0", False), ("\u2800", False),
    ("\u0301\u0308", False), ("\u2060 \u00a0\u202f", False),
])
def test_visible_is_true_when_a_character_shows(text, shows):
    assert normalize.visible(text) is shows
