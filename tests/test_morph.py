"""Rule-based plurals and feminines of termbank.morph."""

from __future__ import annotations

import doctest

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from termbank import morph
from termbank.morph import feminine, inflect_word, inflections, plural


def test_doctests():
    result = doctest.testmod(morph)
    assert result.attempted > 0 and result.failed == 0


ES_PLURALS = [
    # single words: vowel, consonant, -z, accent loss and gain, invariable -s/-x
    ("general", "generales"),
    ("coronel", "coroneles"),
    ("almirante", "almirantes"),
    ("vicealmirante", "vicealmirantes"),
    ("capitán", "capitanes"),
    ("organización", "organizaciones"),
    ("batallón", "batallones"),
    ("almacén", "almacenes"),
    ("inglés", "ingleses"),
    ("país", "países"),
    ("raíz", "raíces"),
    ("luz", "luces"),
    ("mayor", "mayores"),
    ("sargento", "sargentos"),
    ("marroquí", "marroquíes"),
    ("ley", "leyes"),
    ("joven", "jóvenes"),
    ("orden", "órdenes"),
    ("origen", "orígenes"),
    ("examen", "exámenes"),
    ("régimen", "regímenes"),
    ("carácter", "caracteres"),
    ("mes", "meses"),
    ("tren", "trenes"),
    ("cónsul", "cónsules"),
    ("Capitán", "Capitanes"),
    # multiword: the head and the words agreeing with it, up to a preposition
    ("teniente coronel", "tenientes coroneles"),
    ("general de división", "generales de división"),
    ("general de brigada", "generales de brigada"),
    ("capitán de navío", "capitanes de navío"),
    ("capitán de fragata", "capitanes de fragata"),
    ("organización criminal transnacional", "organizaciones criminales transnacionales"),
    ("vehículo aéreo no tripulado", "vehículos aéreos no tripulados"),
    ("secretario de la Defensa Nacional", "secretarios de la Defensa Nacional"),
    ("Secretaría de Marina", "Secretarías de Marina"),
    ("Guardia Nacional", "Guardias Nacionales"),
    ("Fuerza Aérea Mexicana", "Fuerzas Aéreas Mexicanas"),
    ("jefe del Estado Mayor", "jefes del Estado Mayor"),
    ("sargento primero", "sargentos primeros"),
    ("Comando Norte", "Comandos Norte"),
]

ES_INVARIABLE_PLURAL = ["crisis", "lunes", "tórax", "Estados Unidos", "Fuerzas Armadas", "EE. UU.",
                        "Tte. Gral.", "SEDENA", "de la Defensa"]


@pytest.mark.parametrize("term, expected", ES_PLURALS)
def test_spanish_plural(term, expected):
    assert plural(term, "es") == expected


@pytest.mark.parametrize("term", ES_INVARIABLE_PLURAL)
def test_spanish_plural_none(term):
    assert plural(term, "es") is None


ES_FEMININES = [
    ("secretario", "secretaria"),
    ("subsecretario", "subsecretaria"),
    ("agregado militar", "agregada militar"),
    ("embajador", "embajadora"),
    ("director general adjunto", "directora general adjunta"),
    ("inspector", "inspectora"),
    ("jefe del Estado Mayor", "jefa del Estado Mayor"),
    ("presidente", "presidenta"),
    ("vicepresidente", "vicepresidenta"),
    ("secretario de la Defensa Nacional", "secretaria de la Defensa Nacional"),
    ("Secretario de Marina", "Secretaria de Marina"),
    ("ministro", "ministra"),
    ("comandante supremo", "comandante suprema"),
    # DLE "capitán, na": the feminine of the rank word ("la capitana de corbeta").
    ("capitán de navío", "capitana de navío"),
    ("capitán segundo", "capitana segunda"),
]

# Ranks and common-gender nouns: "la general", "la teniente coronel", "la sargento".
ES_NO_FEMININE = ["general", "coronel", "teniente coronel", "teniente", "comandante", "almirante",
                  "general de división", "edecán", "mayor", "cabo", "soldado",
                  "sargento primero", "fiscal general", "organización criminal transnacional",
                  "Tte. Gral.", "EE. UU."]


@pytest.mark.parametrize("term, expected", ES_FEMININES)
def test_spanish_feminine(term, expected):
    assert feminine(term, "es") == expected


@pytest.mark.parametrize("term", ES_NO_FEMININE)
def test_spanish_feminine_none(term):
    assert feminine(term, "es") is None


EN_PLURALS = [
    ("general", "generals"),
    ("colonel", "colonels"),
    ("lieutenant general", "lieutenant generals"),
    ("major general", "major generals"),
    ("brigadier general", "brigadier generals"),
    ("lieutenant colonel", "lieutenant colonels"),
    ("vice admiral", "vice admirals"),
    ("attorney general", "attorneys general"),
    ("inspector general", "inspectors general"),
    ("Secretary General", "Secretaries General"),
    ("chief of staff", "chiefs of staff"),
    ("Chief of Naval Operations", "Chiefs of Naval Operations"),
    ("Secretary of National Defense", "Secretaries of National Defense"),
    ("Secretary of the Navy", "Secretaries of the Navy"),
    ("Chairman of the Joint Chiefs of Staff", "Chairmen of the Joint Chiefs of Staff"),
    ("commander in chief", "commanders in chief"),
    ("sergeant major", "sergeants major"),
    ("command sergeant major", "command sergeants major"),
    ("private first class", "privates first class"),
    ("airman", "airmen"),
    ("attorney", "attorneys"),
    ("secretary", "secretaries"),
    ("transnational criminal organization", "transnational criminal organizations"),
    ("task force", "task forces"),
    ("marshal", "marshals"),
    ("boss", "bosses"),
    ("torpedo", "torpedoes"),
    ("wife", "wives"),
    ("chief", "chiefs"),
    ("crisis", "crises"),
    ("search", "searches"),
    ("U.S. Northern Command", "U.S. Northern Commands"),
]

EN_NO_PLURAL = ["United States", "Armed Forces", "Marine Corps", "Joint Chiefs of Staff", "headquarters",
                "NORAD", "Lt. Gen.", "TCO", "of staff"]


@pytest.mark.parametrize("term, expected", EN_PLURALS)
def test_english_plural(term, expected):
    assert plural(term, "en") == expected


@pytest.mark.parametrize("term", EN_NO_PLURAL)
def test_english_plural_none(term):
    assert plural(term, "en") is None


def test_english_has_no_feminine():
    assert feminine("secretary", "en") is None
    assert inflections("secretary", "en") == [("secretaries", "plural")]


def test_inflections_kinds_and_order():
    assert inflections("jefe", "es-MX") == [("jefes", "plural"), ("jefa", "feminine"), ("jefas", "feminine-plural")]
    assert inflections("jefe", "es", kinds=("plural",)) == [("jefes", "plural")]
    assert inflections("teniente coronel", "es") == [("tenientes coroneles", "plural")]
    assert inflections("", "es") == []


def test_inflect_word_keeps_case_and_leaves_abbreviations():
    assert inflect_word("Capitán", "es", "plural") == "Capitanes"
    # A word in capitals is taken for an acronym (SEDENA, NORAD) and left alone.
    assert inflect_word("SEDENA", "es", "plural") == "SEDENA"
    assert inflect_word("Gral.", "es", "plural") == "Gral."
    assert inflect_word("UU", "es", "plural") == "UU"
    assert inflect_word("F-16", "en", "plural") == "F-16"
    with pytest.raises(ValueError):
        inflect_word("general", "es", "dual")


# -- the head shortcut of inflections (issue 8) -----------------------------------------

def test_stop_word_letters_have_no_other_uppercase():
    """The stop-token patterns match each letter or its capital: no other character lower-cases to it."""
    letters = {c for w in morph._ES_STOP | morph._EN_STOP for c in w}
    for cp in range(0x110000):
        ch = chr(cp)
        low = ch.lower()
        if low in letters:
            assert ch in (low, low.upper()), (hex(cp), low)


_WORDS = sorted(morph._ES_STOP | morph._EN_STOP) + [
    "DE", "De", "OF", "Of", "SEGÚN", "Del", "general", "General", "major", "sergeant", "class", "first",
    "attorney", "secretario", "Secretaria", "jefe", "soldado", "capitán", "Estado", "Mayor", "chief", "staff",
    "wife", "SEDENA", "Gral.", "EE.", "UU.", "F-16", "ſin", "İn", "ΑΣ", "x",
]


@given(
    st.lists(st.sampled_from(_WORDS), min_size=0, max_size=6),
    st.lists(st.sampled_from([" ", "  ", "\t", "\u00a0", "\n", " \u2003 "]), min_size=6, max_size=6),
    st.sampled_from(["", " ", "\t"]),
    st.sampled_from(["es", "en", "es-MX", "EN-us", "fr"]),
    st.sampled_from([None, ("plural",), ("plural", "feminine", "feminine-plural"), ("feminine",),
                     ("feminine-plural",)]),
)
@settings(max_examples=2000, deadline=None)
def test_inflections_equal_those_of_the_whole_term(words, seps, pad, lang, kinds):
    """inflections() inflects only the words before the first stop word (or the English head): same forms."""
    text = pad + "".join((seps[i] if i else "") + w for i, w in enumerate(words)) + pad
    # English abbreviated titles have a rule of their own (test_english_abbreviated_titles).
    assume(not (morph._base(lang) == "en" and morph.is_title_abbreviation(text)))
    whole = morph._head_inflections(text.strip(), morph._base(lang), morph.KINDS if kinds is None else kinds)
    assert inflections(text, lang, kinds) == list(whole)


@pytest.mark.parametrize("term, plural", [
    ("Gen.", "Gens."), ("Lt. Col.", "Lt. Cols."), ("Sgt. Maj.", "Sgts. Maj."), ("Brig. Gen.", "Brig. Gens."),
    ("U.S.", None), ("Sgt. 1st Class", None), ("LtGen", None),
])
def test_english_abbreviated_titles(term, plural):
    # AP style: "Gens. Smith and Jones"; other abbreviations never inflect.
    assert morph.is_title_abbreviation(term) == (plural is not None)
    if plural:
        assert inflections(term, "en") == [(plural, "plural")]
        assert inflections(term, "en", ("feminine",)) == []
