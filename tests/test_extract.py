"""`termbank extract`: candidates the termbase lacks, written as a file `import` accepts."""

from __future__ import annotations

import json

from termbank.annotate import Annotator
from termbank.extract import candidates_as_concepts, extract_candidates
from termbank.match import TermIndex
from termbank.model import Concept, Term

ARTICLE_EN = """The Caribbean Maritime Security Initiative (CMSI) met in Kingston. Gen. Laura Osorio spoke
first. Officers of the Caribbean Maritime Security Initiative then signed a plan with the
Regional Fisheries Watch, and the Regional Fisheries Watch agreed to share radar data.
Col. Pedro Ibáñez closed the meeting."""

ARTICLE_ES = """La Unidad de Búsqueda Costera (UBC) rescató a 12 personas. El general Raúl Benítez Ortega
visitó la zona."""


def _annotator() -> Annotator:
    concepts = [
        Concept("gen", "rank", terms=(Term("en", "general", match="title"), Term("en", "Gen.", "abbreviation"),
                                      Term("es", "general", match="title"), Term("es", "Gral.", "abbreviation"))),
        Concept("col", "rank", terms=(Term("en", "colonel", match="title"), Term("en", "Col.", "abbreviation"),
                                      Term("es", "coronel", match="title"))),
    ]
    return Annotator(TermIndex.build(concepts))


def test_acronyms_names_and_people_are_proposed():
    annot = _annotator()
    docs = [annot.annotate(ARTICLE_EN, file="a.txt"), annot.annotate(ARTICLE_ES, file="b.txt")]
    found = {(c.kind, c.text): c for c in extract_candidates(annot, docs)}
    assert found[("acronym", "CMSI")].full_form == "Caribbean Maritime Security Initiative"
    assert found[("acronym", "UBC")].full_form == "Unidad de Búsqueda Costera"
    assert found[("acronym", "CMSI")].count == 1 and found[("acronym", "UBC")].count == 1
    assert found[("name", "Regional Fisheries Watch")].count == 2
    assert ("person", "Laura Osorio") in found and ("person", "Pedro Ibáñez") in found
    assert ("person", "Raúl Benítez Ortega") in found
    # the acronym's full form is not reported a second time as a recurring name
    assert ("name", "Caribbean Maritime Security Initiative") not in found


def test_known_terms_are_not_proposed():
    annot = _annotator()
    doc = annot.annotate("The general (Gen.) said. The general said.", file="c.txt")
    assert extract_candidates(annot, [doc]) == []


def test_candidates_become_importable_concepts():
    annot = _annotator()
    cands = extract_candidates(annot, [annot.annotate(ARTICLE_EN, file="a.txt")])
    concepts = candidates_as_concepts(cands)
    assert len({c.id for c in concepts}) == len(concepts)
    acr = next(c for c in concepts if any(t.text == "CMSI" for t in c.terms))
    assert [(t.text, t.type) for t in acr.terms] == [("Caribbean Maritime Security Initiative", "fullForm"), ("CMSI", "acronym")]
    assert "first context" in acr.note


def test_extract_cli_output_imports(filled_cli, tmp_path):
    article = tmp_path / "a.txt"
    article.write_text(ARTICLE_EN, encoding="utf-8")
    out = tmp_path / "cands.csv"
    result = filled_cli("extract", str(article), "-o", str(out))
    assert result.exit_code == 0, result.stderr
    assert "CMSI" in result.stderr
    assert out.read_bytes()
    refused = filled_cli("import", str(out))
    assert refused.exit_code == 3  # one language only: refused by default, saying how to take it
    assert "--min-languages 1" in refused.stderr
    imported = filled_cli("import", str(out), "--min-languages", "1", "--json")
    assert imported.exit_code == 0, imported.stderr
    report = json.loads(imported.stdout)
    assert report["concepts"]["added"] >= 3
    shown = json.loads(filled_cli("show", "cand-caribbean-maritime-security-initiative", "--json").stdout)
    assert [t["text"] for t in shown["terms"]] == ["Caribbean Maritime Security Initiative", "CMSI"]


def test_an_acronym_is_counted_wherever_it_is_written():
    annot = _annotator()
    text = ("La Agencia Federal de Investigación Criminal (AFIC) llegó. La AFIC coordinó el operativo y la "
            "AFIC lo cerró; la AFICION no cuenta. La Agencia Federal de Investigación Criminal (AFIC) volvió.")
    (cand,) = extract_candidates(annot, [annot.annotate(text, file="d.txt")])
    assert (cand.text, cand.count, cand.full_form) == ("AFIC", 4, "Agencia Federal de Investigación Criminal")


def test_a_person_named_again_without_the_rank_is_one_candidate():
    annotator = _annotator()
    doc = annotator.annotate("Col. Maria Gonzalez arrived in Bogota. Later, Maria Gonzalez added a word.", lang="en")
    found = [(c.kind, c.text, c.count, c.category) for c in extract_candidates(annotator, [doc])]
    assert found == [("person", "Maria Gonzalez", 2, "person")]
