"""Sentence segmentation: abbreviations, initials, decimals, ellipses, quotes, ¿…? and ¡…!."""

from __future__ import annotations

import re
import tomllib
from importlib import resources

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from termbank.segment import (
    Span,
    is_terminal_abbreviation,
    paragraph_numbers,
    rules_for,
    segment,
    split_sentences,
)

# (language, text, expected sentences)
CASES = [
    # --- English: ranks and titles before names
    ("en", "Gen. Guillot met Lt. Gen. Hayes. They spoke for an hour.",
     ["Gen. Guillot met Lt. Gen. Hayes.", "They spoke for an hour."]),
    ("en", "Maj. Gen. Carter and Brig. Gen. Ortiz arrived. Col. Diaz and Lt. Col. Ruiz followed.",
     ["Maj. Gen. Carter and Brig. Gen. Ortiz arrived.", "Col. Diaz and Lt. Col. Ruiz followed."]),
    ("en", "Adm. Ko, Vice Adm. Lee and Rear Adm. Wu sailed. Sgt. Park stayed.",
     ["Adm. Ko, Vice Adm. Lee and Rear Adm. Wu sailed.", "Sgt. Park stayed."]),
    ("en", "Capt. Brooks and Cmdr. Reyes briefed Dr. Soto. The briefing ended.",
     ["Capt. Brooks and Cmdr. Reyes briefed Dr. Soto.", "The briefing ended."]),
    # Spanish ranks quoted in an English article
    ("en", "Gral. Trevilla and Alm. Morales attended. So did Tte. Gral. Ruiz.",
     ["Gral. Trevilla and Alm. Morales attended.", "So did Tte. Gral. Ruiz."]),
    # --- initials
    ("en", "Lt. Gen. Gregory M. Guillot leads U.S. Northern Command. He took command in 2024.",
     ["Lt. Gen. Gregory M. Guillot leads U.S. Northern Command.", "He took command in 2024."]),
    ("en", "Ships followed Plan B. The plan worked.", ["Ships followed Plan B.", "The plan worked."]),
    # --- U.S. and other dotted abbreviations
    ("en", "He served in the U.S. Army for 20 years. Then he retired.",
     ["He served in the U.S. Army for 20 years.", "Then he retired."]),
    ("en", "Troops trained in the U.S. The program ended in May.",
     ["Troops trained in the U.S.", "The program ended in May."]),
    ("en", "The talks moved to the U.S. “We are ready,” she said.",
     ["The talks moved to the U.S.", "“We are ready,” she said."]),
    ("en", "The U.S.A. and Mexico signed. The U.N. observed.", ["The U.S.A. and Mexico signed.", "The U.N. observed."]),
    ("en", "The ships left at 9 a.m. The crews rested until 4 p.m. on Friday.",
     ["The ships left at 9 a.m.", "The crews rested until 4 p.m. on Friday."]),
    ("en", "They brought radios, tents, etc. The trucks left at dawn.",
     ["They brought radios, tents, etc.", "The trucks left at dawn."]),
    ("en", "See No. 5 on the list. It names the units.", ["See No. 5 on the list.", "It names the units."]),
    # --- decimals and numbers
    ("en", "The talks lasted 3.5 hours. The budget is $3.145 billion.",
     ["The talks lasted 3.5 hours.", "The budget is $3.145 billion."]),
    # --- ellipses
    ("en", "They waited... and waited. Then the order came.", ["They waited... and waited.", "Then the order came."]),
    ("en", "They waited… Nothing happened.", ["They waited…", "Nothing happened."]),
    ("en", "“We will [...] protect the border.” Nobody doubted it.",
     ["“We will [...] protect the border.”", "Nobody doubted it."]),
    # --- quotes
    ("en", "“We are more effective together.” Guillot said the exercise worked.",
     ["“We are more effective together.”", "Guillot said the exercise worked."]),
    ("en", "“We are more effective together,” Guillot said.", ["“We are more effective together,” Guillot said."]),
    ("en", "“Are we ready?” asked the admiral. Yes.", ["“Are we ready?” asked the admiral.", "Yes."]),
    ("en", "Photo credits follow the caption (U.S. Navy photo). The ship is in Veracruz.",
     ["Photo credits follow the caption (U.S. Navy photo).", "The ship is in Veracruz."]),
    # --- Spanish: grados y tratamientos
    ("es", "El Gral. Div. Luis Rodríguez y el Tte. Gral. Juan Pérez asistieron. La reunión duró 3.5 horas.",
     ["El Gral. Div. Luis Rodríguez y el Tte. Gral. Juan Pérez asistieron.", "La reunión duró 3.5 horas."]),
    ("es", "El Cnel. Ruiz y el Tte. Cnel. Vega llegaron. El Cap. Soto los recibió.",
     ["El Cnel. Ruiz y el Tte. Cnel. Vega llegaron.", "El Cap. Soto los recibió."]),
    ("es", "El Alm. Ojeda, el Vicealm. Pérez y el Contralm. López zarparon. Nadie faltó.",
     ["El Alm. Ojeda, el Vicealm. Pérez y el Contralm. López zarparon.", "Nadie faltó."]),
    ("es", "La Sra. Gómez, el Sr. Ruiz, el Dr. Vela, el Lic. Torres y el Ing. Vega firmaron. Todo quedó en orden.",
     ["La Sra. Gómez, el Sr. Ruiz, el Dr. Vela, el Lic. Torres y el Ing. Vega firmaron.", "Todo quedó en orden."]),
    ("es", "Según el art. 5 de la ley núm. 3, procede. Así se resolvió.",
     ["Según el art. 5 de la ley núm. 3, procede.", "Así se resolvió."]),
    ("es", "Se revisó el expediente No. 12. Luego se archivó.", ["Se revisó el expediente No. 12.", "Luego se archivó."]),
    # --- EE. UU.
    ("es", "La cooperación entre EE. UU. y México es clave. Así lo dijo.",
     ["La cooperación entre EE. UU. y México es clave.", "Así lo dijo."]),
    ("es", "Los elementos se capacitaron en EE. UU. El programa concluyó en mayo.",
     ["Los elementos se capacitaron en EE. UU.", "El programa concluyó en mayo."]),
    ("es", "El Comando Norte de EE. UU. Gregory Guillot llegó ayer.",  # the hard case: a name follows
     ["El Comando Norte de EE. UU. Gregory Guillot llegó ayer."]),
    ("es", "Llegaron a las 10 a. m. Después comieron. Partieron a las 4 p. m. del viernes.",
     ["Llegaron a las 10 a. m.", "Después comieron.", "Partieron a las 4 p. m. del viernes."]),
    ("es", "Trajeron radios, casas de campaña, etc. Los camiones partieron al alba.",
     ["Trajeron radios, casas de campaña, etc.", "Los camiones partieron al alba."]),
    # --- ¿…? and ¡…!
    ("es", "¿Qué opina el Cnel. Ruiz? ¡Es un éxito! Así lo dijo.",
     ["¿Qué opina el Cnel. Ruiz?", "¡Es un éxito!", "Así lo dijo."]),
    ("es", "¿Sabía que la Armada participa desde 1971. O no lo sabía? Es cierto.",
     ["¿Sabía que la Armada participa desde 1971. O no lo sabía?", "Es cierto."]),
    ("es", "¡Alto! ¿Quién vive? La patrulla respondió.", ["¡Alto!", "¿Quién vive?", "La patrulla respondió."]),
    ("es", "¿Vienes? dijo el sargento.", ["¿Vienes? dijo el sargento."]),
    # --- quotes, decimals, ellipses in Spanish
    ("es", "«Somos más eficaces juntos.» Guillot lo afirmó.", ["«Somos más eficaces juntos.»", "Guillot lo afirmó."]),
    ("es", "“Somos más eficaces juntos”, afirmó. La prensa tomó nota.",
     ["“Somos más eficaces juntos”, afirmó.", "La prensa tomó nota."]),
    ("es", "Se aseguraron 1.250 kg y 3,5 toneladas... en total. Fue un récord.",
     ["Se aseguraron 1.250 kg y 3,5 toneladas... en total.", "Fue un récord."]),
    ("es", "Es la 14.ª edición. Asistieron 120 personas.", ["Es la 14.ª edición.", "Asistieron 120 personas."]),
]


@pytest.mark.parametrize(("lang", "text", "expected"), CASES, ids=[f"{c[0]}-{i}" for i, c in enumerate(CASES)])
def test_segmentation_table(lang, text, expected):
    assert split_sentences(text, lang) == expected


def test_table_is_large_and_bilingual():
    assert len(CASES) >= 30
    assert sum(1 for c in CASES if c[0] == "en") >= 15
    assert sum(1 for c in CASES if c[0] == "es") >= 15


def test_spans_point_into_the_text():
    text = "  Gen. Guillot spoke.\n   The talks ended.  "
    spans = segment(text, "en")
    assert spans == [Span(2, 21, "Gen. Guillot spoke."), Span(25, 41, "The talks ended.")]
    for s in spans:
        assert text[s.start : s.end] == s.text
    start, end, sentence = spans[0]  # a plain tuple as well
    assert (start, end, sentence) == (2, 21, "Gen. Guillot spoke.")


def test_blank_lines_always_break():
    text = "Border Commanders Meet in El Paso\n\nBy Staff Writer\n\nMore than 120 officials met. They talked"
    assert split_sentences(text, "en") == [
        "Border Commanders Meet in El Paso", "By Staff Writer", "More than 120 officials met.", "They talked",
    ]
    # even after an abbreviation
    assert split_sentences("Trained by Gen.\n\nSmith spoke.", "en") == ["Trained by Gen.", "Smith spoke."]


def test_single_line_breaks():
    # With blank lines present, a single line break is white space (wrapped text).
    assert split_sentences("The fleet\nsailed. It\nreturned.\n\nEnd.", "en") == [
        "The fleet\nsailed.", "It\nreturned.", "End.",
    ]
    # Without any blank line, each line is a paragraph (word-processor export).
    assert split_sentences("Title\nFirst sentence. Second.\nLast", "en") == [
        "Title", "First sentence.", "Second.", "Last",
    ]


def test_paragraph_numbers():
    text = "Title\n\nOne. Two.\n\n\nThree. Four."
    assert paragraph_numbers(text, segment(text, "en")) == [0, 1, 1, 2, 2]


def test_locale_tags_and_unknown_languages():
    text = "El Gral. Ruiz llegó. Se fue."
    assert split_sentences(text, "es-MX") == split_sentences(text, "es") == ["El Gral. Ruiz llegó.", "Se fue."]
    # A language without rules still splits on sentence punctuation.
    assert split_sentences("Bonjour. Au revoir.", "fr") == ["Bonjour.", "Au revoir."]


def test_extra_abbreviations_from_the_termbase():
    text = "Asistió el Gral. Brig. D.E.M. Ruiz. También el Subdir. Vega. Las FF. MM. Navales zarparon. El resto no."
    assert split_sentences(text, "es", ["Subdir.", "FF. MM.", "Gral."]) == [
        "Asistió el Gral. Brig. D.E.M. Ruiz.", "También el Subdir. Vega.", "Las FF. MM. Navales zarparon.",
        "El resto no.",
    ]
    assert split_sentences("Las FF. MM. Navales zarparon.", "es") == ["Las FF. MM.", "Navales zarparon."]
    assert split_sentences("Led by Insp. Gen. Ruiz. Done.", "en") == ["Led by Insp. Gen. Ruiz.", "Done."]
    # A dotted capital abbreviation behaves like U.S.: breaks before a sentence opener only.
    text = "Units of the F.A.M. Air Wing flew. Pilots of the F.A.M. The rest stayed."
    assert split_sentences(text, "en", ["F.A.M."]) == [
        "Units of the F.A.M. Air Wing flew.", "Pilots of the F.A.M.", "The rest stayed.",
    ]
    # Without the extra list the unknown "Subdir." ends a sentence.
    assert split_sentences("También el Subdir. Vega.", "es") == ["También el Subdir.", "Vega."]


def test_terminal_abbreviation_classification():
    assert is_terminal_abbreviation("U.S.")
    assert is_terminal_abbreviation("EE. UU.")
    assert is_terminal_abbreviation("p. m.")
    assert not is_terminal_abbreviation("Gral.")
    assert not is_terminal_abbreviation("Tte. Gral.")
    assert not is_terminal_abbreviation("p. ej.")


def test_rules_are_data():
    raw = tomllib.loads(resources.files("termbank.data").joinpath("segment_rules.toml").read_text("utf-8"))
    assert {"en", "es"} <= set(raw["lang"])
    assert raw["default"]["rules"], "rules live in the TOML file"
    for lang in ("en", "es"):
        rules = rules_for(lang)
        assert all(isinstance(r.before, re.Pattern) for r in rules.rules)
        assert [r.name for r in rules.rules][-1] == "sentence-end"
    assert rules_for("es").inverted_pairs == (("¿", "?"), ("¡", "!"))


_sentence_chars = st.sampled_from(list("abc XYZ.?!…¿¡“”\"'()\n,;") + ["Gen.", "U.S.", "EE. UU.", "3.5", "\n\n"])


@settings(max_examples=300, deadline=None)
@given(st.lists(_sentence_chars, max_size=40).map("".join), st.sampled_from(["en", "es"]))
def test_spans_are_sorted_disjoint_trimmed_and_exact(text, lang):
    spans = segment(text, lang)
    last = 0
    for s in spans:
        assert last <= s.start < s.end <= len(text)
        assert text[s.start : s.end] == s.text
        assert s.text == s.text.strip() and s.text
        last = s.end
    # Nothing but white space is lost between spans.
    covered = "".join(s.text for s in spans)
    assert re.sub(r"\s", "", covered) == re.sub(r"\s", "", text)
