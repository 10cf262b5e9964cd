"""Generate the synthetic benchmark data (issue 8): termbases, article corpora, translation memories.

Everything is drawn from one seeded ``random.Random`` per file, so the same command
writes the same bytes on any machine::

    python benchmarks/generate.py            # every size (about 700 MB, one or two minutes)
    python benchmarks/generate.py --quick    # the small sizes only

Outputs (in ``benchmarks/data/``, git-ignored):

``termbase-{1k,10k,100k}.tbx``
    EN-ES concepts written with termbank's own TBX writer: institutions with acronyms,
    ranks and titles with abbreviations ("Tte. Cnel.") and the ``title`` match rule,
    units, people, places, acronyms ("U.S.", "EE. UU.", two-letter ones that are also
    ordinary words), generic terms of 1-6 words; locale terms (es-MX, es-ES, en-US),
    admitted variants and deprecated terms.
``corpus-{en,es}-{1mb,10mb}/``
    Folders of news-length articles (about 5 KB each) built against the 100k termbase
    (1 MB corpora against the 10k one), with one known term every 15-25 words, 10% of
    them without their accents and 10% in another case; ``planted.jsonl`` lists every
    planted mention (file, start, end, concept).
``tm-{100k,1m}.tsv``
    Translation memories, one ``id<TAB>source<TAB>target`` line per unit (English
    source, Spanish target), in families of near-duplicate sentences as real memories
    have; ``tm-{100k,1m}-queries.tsv`` holds the search queries (edited copies of units,
    plus some unrelated sentences).
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import unicodedata
from pathlib import Path

DATA = Path(__file__).resolve().parent / "data"
SEED = 8  # issue 8

TERMBASE_SIZES = {"1k": 1_000, "10k": 10_000, "100k": 100_000}
CORPUS_SIZES = {"1mb": 1_000_000, "10mb": 10_000_000}
TM_SIZES = {"100k": 100_000, "1m": 1_000_000}
QUICK = {"termbases": ("1k", "10k"), "corpora": ("1mb",), "tms": ("100k",)}
FULL = {"termbases": ("1k", "10k", "100k"), "corpora": ("1mb", "10mb"), "tms": ("100k", "1m")}
# The termbase a corpus embeds terms from.
CORPUS_TERMBASE = {"1mb": "10k", "10mb": "100k"}

# -- vocabulary -----------------------------------------------------------------------
# (English, Spanish) pairs of domain words; Spanish keeps its accents.
NOUNS = [
    ("defense", "defensa"), ("security", "seguridad"), ("army", "ejército"), ("navy", "marina"),
    ("force", "fuerza"), ("command", "comando"), ("staff", "estado mayor"), ("intelligence", "inteligencia"),
    ("operations", "operaciones"), ("logistics", "logística"), ("border", "frontera"), ("customs", "aduanas"),
    ("police", "policía"), ("guard", "guardia"), ("coast", "costa"), ("aviation", "aviación"),
    ("engineering", "ingeniería"), ("communications", "comunicaciones"), ("health", "sanidad"),
    ("justice", "justicia"), ("finance", "hacienda"), ("energy", "energía"), ("transport", "transporte"),
    ("migration", "migración"), ("research", "investigación"), ("training", "adiestramiento"),
    ("procurement", "adquisiciones"), ("cyberdefense", "ciberdefensa"), ("surveillance", "vigilancia"),
    ("reconnaissance", "reconocimiento"), ("artillery", "artillería"), ("infantry", "infantería"),
    ("cavalry", "caballería"), ("armor", "blindados"), ("aviation maintenance", "mantenimiento aeronáutico"),
    ("military justice", "justicia militar"), ("civil protection", "protección civil"),
    ("emergency management", "gestión de emergencias"), ("counterterrorism", "antiterrorismo"),
    ("counternarcotics", "antinarcóticos"), ("public safety", "seguridad pública"),
    ("internal affairs", "asuntos internos"), ("foreign affairs", "relaciones exteriores"),
    ("human rights", "derechos humanos"), ("personnel", "personal"), ("education", "educación"),
    ("doctrine", "doctrina"), ("readiness", "alistamiento"), ("mobilization", "movilización"),
    ("cartography", "cartografía"), ("meteorology", "meteorología"), ("hydrography", "hidrografía"),
    ("ports", "puertos"), ("airports", "aeropuertos"), ("prisons", "prisiones"), ("weapons", "armamento"),
    ("munitions", "municiones"), ("explosives", "explosivos"), ("budget", "presupuesto"),
    ("planning", "planeación"), ("statistics", "estadística"), ("telecommunications", "telecomunicaciones"),
]
ADJECTIVES = [
    ("national", "nacional"), ("federal", "federal"), ("regional", "regional"), ("joint", "conjunto"),
    ("naval", "naval"), ("aerial", "aéreo"), ("strategic", "estratégico"), ("tactical", "táctico"),
    ("special", "especial"), ("general", "general"), ("technical", "técnico"), ("central", "central"),
    ("northern", "del norte"), ("southern", "del sur"), ("eastern", "del este"), ("western", "del oeste"),
    ("maritime", "marítimo"), ("territorial", "territorial"), ("strategic", "estratégico"),
    ("international", "internacional"), ("interagency", "interinstitucional"), ("public", "público"),
    ("economic", "económico"), ("scientific", "científico"), ("electronic", "electrónico"),
    ("amphibious", "anfibio"), ("airborne", "aerotransportado"), ("mechanized", "mecanizado"),
    ("hemispheric", "hemisférico"), ("Pacific", "del Pacífico"), ("Atlantic", "del Atlántico"),
]
BODIES = [
    ("Ministry", "Ministerio"), ("Secretariat", "Secretaría"), ("Directorate", "Dirección"),
    ("Office", "Oficina"), ("Agency", "Agencia"), ("Council", "Consejo"), ("Institute", "Instituto"),
    ("Commission", "Comisión"), ("Center", "Centro"), ("Service", "Servicio"), ("Bureau", "Departamento"),
    ("Unit", "Unidad"), ("School", "Escuela"), ("Academy", "Academia"), ("Coordination", "Coordinación"),
    ("Undersecretariat", "Subsecretaría"), ("Inspectorate", "Inspección"), ("Prosecutor's Office", "Fiscalía"),
]
RANKS = [
    # (en, en abbr, es, es abbr, single ordinary word -> "title" rule)
    ("general", "Gen.", "general", "Gral.", True), ("lieutenant general", "Lt. Gen.", "teniente general", "Tte. Gral.", False),
    ("major general", "Maj. Gen.", "general de división", "Gral. Div.", False),
    ("brigadier general", "Brig. Gen.", "general de brigada", "Gral. Brig.", False),
    ("colonel", "Col.", "coronel", "Cnel.", True), ("lieutenant colonel", "Lt. Col.", "teniente coronel", "Tte. Cnel.", False),
    ("major", "Maj.", "mayor", "My.", True), ("captain", "Capt.", "capitán", "Cap.", True),
    ("first lieutenant", "1st Lt.", "teniente primero", "Tte. 1.º", False), ("lieutenant", "Lt.", "teniente", "Tte.", True),
    ("sergeant", "Sgt.", "sargento", "Sgto.", True), ("corporal", "Cpl.", "cabo", "Cbo.", True),
    ("private", "Pvt.", "soldado", "Sdo.", True), ("admiral", "Adm.", "almirante", "Alm.", True),
    ("vice admiral", "Vice Adm.", "vicealmirante", "Valm.", False), ("rear admiral", "Rear Adm.", "contraalmirante", "Calm.", False),
    ("commander", "Cmdr.", "capitán de fragata", "Cap. Frag.", True), ("commodore", "Cdre.", "comodoro", "Com.", True),
    ("master sergeant", "MSgt.", "sargento mayor", "Sgto. My.", False), ("warrant officer", "WO", "suboficial", "Subof.", False),
]
TITLES = [
    ("secretary", "secretario"), ("undersecretary", "subsecretario"), ("director", "director"),
    ("deputy director", "subdirector"), ("commissioner", "comisionado"), ("inspector general", "inspector general"),
    ("chief", "jefe"), ("attorney general", "fiscal general"), ("ambassador", "embajador"),
    ("governor", "gobernador"), ("minister", "ministro"), ("spokesperson", "vocero"), ("coordinator", "coordinador"),
]
UNIT_TYPES = [
    ("Infantry Battalion", "Batallón de Infantería", "Inf. Bn.", "B. I."), ("Cavalry Regiment", "Regimiento de Caballería", "Cav. Regt.", "R. C."),
    ("Military Zone", "Zona Militar", "MZ", "Z. M."), ("Naval Region", "Región Naval", "NR", "R. N."),
    ("Air Wing", "Ala Aérea", "AW", "A. A."), ("Engineer Company", "Compañía de Ingenieros", "Eng. Co.", "Cía. Ing."),
    ("Military Police Brigade", "Brigada de Policía Militar", "MP Bde.", "Bgda. P. M."),
    ("Marine Infantry Battalion", "Batallón de Infantería de Marina", "MIB", "BIM"),
    ("Special Forces Group", "Grupo de Fuerzas Especiales", "SFG", "G. F. E."), ("Air Squadron", "Escuadrón Aéreo", "AS", "E. A."),
]
GIVEN = ["José", "María", "Ángel", "Óscar", "Raúl", "Inés", "Martín", "Sofía", "Julián", "Andrés", "Lucía",
         "Ramón", "Verónica", "Héctor", "Adrián", "Tomás", "Iván", "Mónica", "Rubén", "Jesús", "Ana", "Luis",
         "Carlos", "Elena", "Jorge", "Patricia", "Miguel", "Laura", "John", "Mary", "Robert", "Linda", "James",
         "Karen", "Michael", "Susan", "David", "Nancy", "Daniel", "Sarah", "Kevin", "Emily", "Brian", "Laura"]
SYLLABLES = ["ra", "mi", "to", "lo", "pe", "sa", "qui", "ve", "na", "ga", "ro", "cue", "ta", "lu", "mo", "hua", "za",
             "te", "po", "ca", "xo", "chi", "ya", "bel", "mar", "dor", "val", "tel", "lan", "gar", "ber", "son"]
ACCENTED = {"a": "á", "e": "é", "i": "í", "o": "ó", "u": "ú"}

# Filler prose: frequent words (weighted by repetition) and the domain words above.
EN_FILLER = ("the the the the of of of and and to to in in a a is was for on that with as by at from "
             "his her it were are has have said which who this be an will their been officials government "
             "report week year country people state forces security meeting border agreement plan new "
             "also more than after before during about against between under over would could may "
             "minister president official statement troops operation city region support program "
             "according told reporters added however while since into other first last two three").split()
ES_FILLER = ("de de de de la la la el el en en y y que que los las del se por con para una un es al su "
             "lo como fue más pero sus le ha dijo este esta entre también según país años gobierno "
             "seguridad fuerzas reunión frontera acuerdo plan nuevo política económica región apoyo "
             "programa informe semana año ciudad estado durante después antes contra sobre tras "
             "funcionarios declaró añadió mientras desde otros primera última dos tres así está "
             "operación tropas ministro presidente comunicado periodistas además sin embargo aún").split()
MONTHS = {"en": ["January", "February", "March", "April", "May", "June", "July", "August", "September",
                 "October", "November", "December"],
          "es": ["enero", "febrero", "marzo", "abril", "mayo", "junio", "julio", "agosto", "septiembre",
                 "octubre", "noviembre", "diciembre"]}


def _accent_name(rng: random.Random, word: str) -> str:
    """Put an acute accent on one vowel of a made-up name, as Spanish names often have."""
    vowels = [i for i, c in enumerate(word) if c in ACCENTED]
    if not vowels:
        return word
    i = rng.choice(vowels)
    return word[:i] + ACCENTED[word[i]] + word[i + 1:]


def make_name(rng: random.Random, syllables: int | None = None) -> str:
    """Return a made-up place or family name, capitalized, accented about a third of the time."""
    n = syllables or rng.choice((2, 2, 3, 3, 4))
    word = "".join(rng.choice(SYLLABLES) for _ in range(n))
    if rng.random() < 0.35:
        word = _accent_name(rng, word)
    return word[:1].upper() + word[1:]


def title_case(text: str) -> str:
    """Capitalize every word but the Spanish and English particles ("Gestión de Emergencias")."""
    return " ".join(w if w in ("de", "del", "of", "the", "y", "and") else w[:1].upper() + w[1:] for w in text.split())


def strip_accents(text: str) -> str:
    """Return ``text`` without its combining accents (the commonest spelling error)."""
    return unicodedata.normalize("NFC", "".join(
        c for c in unicodedata.normalize("NFD", text) if not unicodedata.combining(c)))


def acronym_of(words: str) -> str:
    """Return the initials of the capitalized words (at least two letters)."""
    letters = [w[0] for w in words.replace("'s", "").split() if w[:1].isupper()]
    return strip_accents("".join(letters)).upper()


# -- termbases --------------------------------------------------------------------------
class _TermbaseBuilder:
    """Draws unique concepts; every primary term is new to the termbase."""

    def __init__(self, rng: random.Random):
        from termbank.model import Concept, Term

        self.Concept, self.Term = Concept, Term
        self.rng = rng
        self.seen: set[str] = set()
        self.acronyms: set[str] = set()
        self.concepts: list = []

    def _fresh(self, *texts: str) -> bool:
        keys = [strip_accents(t).casefold() for t in texts]
        if any(k in self.seen for k in keys):
            return False
        self.seen.update(keys)
        return True

    def _acronym(self, base: str) -> str | None:
        rng = self.rng
        acr = base
        for _ in range(6):
            if 2 <= len(acr) <= 6 and acr not in self.acronyms:
                self.acronyms.add(acr)
                return acr
            acr = base[:5] + rng.choice("ABCDEFGHIJKLMNOPQRSTUVWXYZ")
            base = acr
        return None

    def add(self, category: str, terms: list, **fields) -> None:
        if any(len(t.text.split()) > 6 for t in terms):
            return  # realistic lengths: 1-6 words
        cid = f"{category[:4]}-{len(self.concepts):06d}"
        self.concepts.append(self.Concept(cid, category, terms=tuple(terms), **fields))

    def institution(self) -> None:
        rng, T = self.rng, self.Term
        body_en, body_es = rng.choice(BODIES)
        noun_en, noun_es = rng.choice(NOUNS)
        place = make_name(rng)
        shape = rng.random()
        if shape < 0.35:
            adj_en, adj_es = rng.choice(ADJECTIVES)
            en = f"{title_case(adj_en)} {body_en} of {title_case(noun_en)}"
            es = f"{body_es} {title_case(adj_es)} de {title_case(noun_es)}"
            if max(len(en.split()), len(es.split())) <= 4:
                en, es = f"{en} of {place}", f"{es} de {place}"
        elif shape < 0.7:
            en = f"{place} {body_en} of {title_case(noun_en)}"
            es = f"{body_es} de {title_case(noun_es)} de {place}"
        else:
            en = f"{body_en} of {place}"
            es = f"{body_es} de {place}"
        if not self._fresh(en, es):
            return
        terms = [T("en", en), T("es", es)]
        if rng.random() < 0.6:
            acr = self._acronym(acronym_of(es))
            if acr:
                terms.append(T("es", acr, "acronym"))
                if rng.random() < 0.3:
                    terms.append(T("en", acr, "acronym"))
        if rng.random() < 0.15:
            terms.append(T("es-MX", es.replace(body_es, rng.choice(BODIES)[1], 1), "variant", "admitted", geo="MX"))
        if rng.random() < 0.08:
            # An outdated name the termbase keeps as deprecated.
            terms.append(T("es", f"Antigua {es}", "variant", "deprecated", usage="former name"))
        self.add("institution", terms, subject=noun_en)

    def person(self) -> None:
        rng, T = self.rng, self.Term
        name = f"{rng.choice(GIVEN)} {make_name(rng)}"
        if rng.random() < 0.5:
            name += " " + make_name(rng)
        if not self._fresh(name):
            return
        # Names are written alike in both languages.
        self.add("person", [T("en", name, part_of_speech="properNoun"), T("es", name, part_of_speech="properNoun")])

    def place(self) -> None:
        rng, T = self.rng, self.Term
        name = make_name(rng)
        shape = rng.random()
        if shape < 0.5:
            en, es = name, name
        elif shape < 0.8:
            en, es = f"{name} Bay", f"Bahía de {name}"
        else:
            en, es = f"Port of {name}", f"Puerto {name}"
        if not self._fresh(en if en != es else name + "#place"):
            return
        # One-word place names are also ordinary-looking words: capitalized only.
        match = "capitalized" if " " not in en else None
        self.add("other", [T("en", en, match=match), T("es", es, match=match)], subject="place")

    def rank(self, i: int) -> None:
        rng, T = self.rng, self.Term
        en, en_abbr, es, es_abbr, single = RANKS[i % len(RANKS)]
        branch = None
        if i >= len(RANKS):
            # Service-specific ranks: "naval captain", "capitán de navío"...
            branch = make_name(rng, 2)
            en, es = f"{branch} {en}", f"{es} {branch}"
            en_abbr, es_abbr = f"{branch[:3]}. {en_abbr}", f"{es_abbr} {branch[:3]}."
            single = False
        if not self._fresh(en, es):
            return
        rule = "title" if single else None
        terms = [T("en", en, match=rule), T("en", en_abbr, "abbreviation"), T("es", es, match=rule),
                 T("es", es_abbr, "abbreviation")]
        if rng.random() < 0.2:
            terms.append(T("es-MX", es, geo="MX", status="admitted", match=rule))
        self.add("rank", terms, subject=branch or "armed forces")

    def title(self) -> None:
        rng, T = self.rng, self.Term
        t_en, t_es = rng.choice(TITLES)
        noun_en, noun_es = rng.choice(NOUNS)
        place = make_name(rng) if rng.random() < 0.7 else None
        en = f"{t_en} of {noun_en}" + (f" of {place}" if place else "")
        es = f"{t_es} de {noun_es}" + (f" de {place}" if place else "")
        if not self._fresh(en, es):
            return
        terms = [T("en", en), T("es", es)]
        if rng.random() < 0.4:
            fem = t_es[:-1] + "a" if t_es.endswith(("o", "e")) else t_es + "a"
            if " " not in t_es:
                terms.append(T("es", f"{fem} de {noun_es}" + (f" de {place}" if place else ""), status="admitted",
                               gender="feminine"))
        self.add("title", terms)

    def unit(self) -> None:
        rng, T = self.rng, self.Term
        en_t, es_t, en_abbr, es_abbr = rng.choice(UNIT_TYPES)
        n = rng.randint(1, 120)
        suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
        en, es = f"{n}{suffix} {en_t}", f"{n}.º {es_t}"
        if rng.random() < 0.5:
            place = make_name(rng)
            en, es = f"{en} {place}", f"{es} {place}"
        if not self._fresh(en, es):
            return
        terms = [T("en", en), T("es", es), T("es", f"{n}/o. {es_abbr}", "abbreviation", "admitted")]
        self.add("unit", terms)

    def acronym(self) -> None:
        rng, T = self.rng, self.Term
        n = rng.choice((2, 3, 3, 3, 4, 4, 5, 6))
        acr = "".join(rng.choice("ABCDEFGHIJKLMNOPRSTUV") for _ in range(n))
        if acr in self.acronyms:
            return
        self.acronyms.add(acr)
        noun_en, noun_es = rng.choice(NOUNS)
        place = make_name(rng)
        en, es = f"{place} {title_case(noun_en)} Program", f"Programa de {title_case(noun_es)} de {place}"
        if not self._fresh(en, es):
            return
        terms = [T("en", acr, "acronym"), T("en", en), T("es", es), T("es", acr, "acronym")]
        if n <= 3 and rng.random() < 0.3:
            # Written with periods too: "U.S.", "E.U.".
            terms.append(T("en", ".".join(acr) + ".", "abbreviation", "admitted"))
        self.add("acronym", terms)

    def generic(self) -> None:
        rng, T = self.rng, self.Term
        k = rng.choice((1, 2, 2, 3, 3, 4))
        adj_en, adj_es = rng.choice(ADJECTIVES)
        noun_en, noun_es = rng.choice(NOUNS)
        name = make_name(rng)
        if k == 1:
            en, es = name.lower(), name.lower()
            en, es = en + "ite", es + "ita"  # a made-up technical noun ("ramitoite")
        elif k == 2:
            en, es = f"{name.lower()} {noun_en}", f"{noun_es} {name.lower()}"
        elif k == 3:
            en, es = f"{adj_en.lower()} {name.lower()} {noun_en}", f"{noun_es} {name.lower()} {adj_es.lower()}"
        else:
            en, es = f"{adj_en.lower()} {noun_en} {name.lower()} system", f"sistema de {noun_es} {name.lower()} {adj_es.lower()}"
        if not self._fresh(en, es):
            return
        terms = [T("en", en), T("es", es)]
        if rng.random() < 0.05:
            terms.append(T("es", strip_accents(es) + "s", "variant", "deprecated"))
        self.add("other", terms)


def make_termbase(size: int, seed: int = SEED) -> list:
    """Return ``size`` synthetic concepts (termbank Concept objects), the same for a given seed.

    Every termbase holds the rank table and two-letter acronyms that are also words
    ("US", "UN", "EU"), so short keys that hit inside ordinary words are always there.
    """
    rng = random.Random(f"termbase-{seed}-{size}")
    b = _TermbaseBuilder(rng)
    T = b.Term
    # Fixed anchors: the ambiguous two-letter acronyms of real news.
    for acr, en, es in (("US", "United States", "Estados Unidos"), ("UN", "United Nations", "Naciones Unidas"),
                        ("EU", "European Union", "Unión Europea"), ("AL", "Arab League", "Liga Árabe")):
        b.acronyms.add(acr)
        b._fresh(en, es)
        terms = [T("en", acr, "acronym"), T("en", en), T("es", es)]
        if acr == "US":
            terms += [T("en", "U.S.", "abbreviation", "admitted"), T("es", "EE. UU.", "abbreviation"),
                      T("es", "EUA", "acronym", "admitted")]
        b.add("institution", terms)
    ranks = 0
    makers = [(0.26, b.institution), (0.16, b.person), (0.08, b.place), (0.06, None), (0.08, b.title),
              (0.08, b.unit), (0.10, b.acronym), (0.18, b.generic)]
    while len(b.concepts) < size:
        r = rng.random()
        for p, fn in makers:
            if r < p:
                break
            r -= p
        if fn is None:
            b.rank(ranks)
            ranks += 1
        else:
            fn()
    return b.concepts[:size]


def write_termbase(name: str, seed: int = SEED) -> Path:
    from termbank.formats import get_format

    path = DATA / f"termbase-{name}.tbx"
    concepts = make_termbase(TERMBASE_SIZES[name], seed)
    path.write_bytes(get_format("tbx").write(concepts, title=f"termbank benchmark termbase {name}"))
    return path


# -- articles -------------------------------------------------------------------------
def _surface(rng: random.Random, term, lang: str) -> str:
    """Return how a writer spells a known term: as listed, or without accents, or in another case."""
    text = term.text
    r = rng.random()
    if r < 0.10 and text != strip_accents(text):
        return strip_accents(text)  # accent error
    if term.is_case_sensitive or term.match_rule in ("case", "capitalized", "title"):
        return text  # a change of case would (rightly) not match
    if r < 0.15:
        return text.lower()
    if r < 0.18:
        return text.upper()
    if r < 0.20:
        return text[:1].upper() + text[1:]
    return text


def _pick_term(rng: random.Random, concept, lang: str):
    own = [t for t in concept.terms if t.base_lang == lang and t.status != "deprecated"]
    if rng.random() < 0.03:
        dep = [t for t in concept.terms if t.base_lang == lang and t.status == "deprecated"]
        if dep:
            return dep[0]
    return rng.choice(own) if own else None


def _filler(rng: random.Random, lang: str, n: int) -> list[str]:
    words = EN_FILLER if lang == "en" else ES_FILLER
    domain = [p[0] if lang == "en" else p[1] for p in NOUNS]
    out = []
    for _ in range(n):
        r = rng.random()
        if r < 0.08:
            out.append(rng.choice(domain))
        elif r < 0.10:
            out.append(str(rng.randint(2, 3000)))
        else:
            out.append(rng.choice(words))
    return out


def make_article(rng: random.Random, concepts: list, lang: str, target_bytes: int) -> tuple[str, list]:
    """Return one article of about ``target_bytes`` and its planted mentions ``(start, end, concept id)``."""
    parts: list[str] = []
    planted: list[tuple[int, int, str]] = []
    pos = 0
    # A news story keeps coming back to a few concepts.
    topic = [rng.choice(concepts) for _ in range(6)]

    def put(s: str) -> None:
        nonlocal pos
        parts.append(s)
        pos += len(s)

    title = " ".join(_filler(rng, lang, rng.randint(5, 9))).capitalize()
    put(title + "\n\n")
    until_next = rng.randint(15, 25)  # words before the next known term
    while pos < target_bytes:
        for _ in range(rng.randint(3, 6)):
            words = _filler(rng, lang, rng.randint(14, 32))
            for i, w in enumerate(words):
                put((w[:1].upper() + w[1:]) if i == 0 else " " + w)
                until_next -= 1
                if until_next > 0 or i == len(words) - 1:
                    continue
                until_next = rng.randint(15, 25)
                c = rng.choice(topic) if rng.random() < 0.6 else rng.choice(concepts)
                term = _pick_term(rng, c, lang)
                if term is None:
                    continue
                surface = _surface(rng, term, lang)
                put(" ")
                planted.append((pos, pos + len(surface), c.id))
                if c.category == "rank" and term.match_rule == "title":
                    # A rank that is an ordinary word works as a title before a name.
                    surface = f"{surface} {rng.choice(GIVEN)} {make_name(rng)}"
                put(surface)
                if surface.endswith("."):
                    put(",")
            put(". " if rng.random() < 0.85 else ", " + MONTHS[lang][rng.randint(0, 11)] + ". ")
        put("\n\n")
    return "".join(parts), planted


def write_corpus(lang: str, name: str, concepts: list, seed: int = SEED) -> Path:
    folder = DATA / f"corpus-{lang}-{name}"
    folder.mkdir(parents=True, exist_ok=True)
    for old in folder.glob("*.txt"):
        old.unlink()
    rng = random.Random(f"corpus-{seed}-{lang}-{name}")
    total, n = 0, 0
    target = CORPUS_SIZES[name]
    with open(folder / "planted.jsonl", "w", encoding="utf-8") as man:
        while total < target:
            text, planted = make_article(rng, concepts, lang, rng.randint(3500, 6500))
            fname = f"article-{n:05d}.{lang}.txt"
            data = text.encode("utf-8")
            (folder / fname).write_bytes(data)
            man.write(json.dumps({"file": fname, "mentions": planted}, ensure_ascii=False) + "\n")
            total += len(data)
            n += 1
    return folder


# -- translation memories ------------------------------------------------------------
def _sentence_pair(rng: random.Random, names: list[str]) -> tuple[list[str], list[str]]:
    n = rng.randint(8, 30)
    en = _filler(rng, "en", n)
    es = _filler(rng, "es", n + rng.randint(0, 4))
    for _ in range(rng.randint(1, 3)):
        k = rng.randrange(len(en))
        en[k] = rng.choice(names)
        es[min(k, len(es) - 1)] = en[k]
    return en, es


def _edit_words(rng: random.Random, words: list[str], edits: int) -> list[str]:
    out = list(words)
    for _ in range(edits):
        op = rng.random()
        k = rng.randrange(len(out))
        if op < 0.5:
            out[k] = rng.choice(EN_FILLER)
        elif op < 0.7 and len(out) > 4:
            del out[k]
        elif op < 0.85:
            out.insert(k, rng.choice(EN_FILLER))
        else:
            out[k] = str(rng.randint(2, 3000))
    return out


def _join(words: list[str]) -> str:
    s = " ".join(words)
    return s[:1].upper() + s[1:] + "."


def write_tm(name: str, seed: int = SEED) -> tuple[Path, Path]:
    """Write a memory of families of near-duplicate units and the search queries for it."""
    size = TM_SIZES[name]
    rng = random.Random(f"tm-{seed}-{name}")
    names = [make_name(rng) for _ in range(20_000)]
    path = DATA / f"tm-{name}.tsv"
    families: list[list[str]] = []
    with open(path, "w", encoding="utf-8") as out:
        uid = 0
        while uid < size:
            en, es = _sentence_pair(rng, names)
            if len(families) < 5000 and rng.random() < 0.05:
                families.append(en)
            for v in range(rng.choice((1, 1, 1, 2, 3, 5))):
                if uid >= size:
                    break
                src = en if v == 0 else _edit_words(rng, en, rng.randint(1, 3))
                out.write(f"{uid}\t{_join(src)}\t{_join(es)}\n")
                uid += 1
    # Queries: edited copies of stored sentences (a translator's new sentence close to
    # an old one) and a few unrelated sentences with no good match.
    qpath = DATA / f"tm-{name}-queries.tsv"
    with open(qpath, "w", encoding="utf-8") as out:
        for i in range(400):
            if i % 10 == 9:
                words = _filler(rng, "en", rng.randint(8, 30))
                kind = "unrelated"
            else:
                words = _edit_words(rng, rng.choice(families), rng.randint(1, 3))
                kind = "edited"
            q = _join(words)
            if rng.random() < 0.1:
                q = q.lower()
            out.write(f"{kind}\t{q}\n")
    return path, qpath


def generate(quick: bool = False, force: bool = False, log=print) -> None:
    """Write every data file the runner needs that is not there yet (all of them with ``force``)."""
    plan = QUICK if quick else FULL
    DATA.mkdir(parents=True, exist_ok=True)
    for name in plan["termbases"]:
        path = DATA / f"termbase-{name}.tbx"
        if force or not path.exists():
            log(f"writing {path.name}")
            write_termbase(name)
    for name in plan["corpora"]:
        concepts = None
        for lang in ("en", "es"):
            folder = DATA / f"corpus-{lang}-{name}"
            if force or not (folder / "planted.jsonl").exists():
                concepts = concepts or make_termbase(TERMBASE_SIZES[CORPUS_TERMBASE[name]])
                log(f"writing {folder.name}/")
                write_corpus(lang, name, concepts)
    for name in plan["tms"]:
        path = DATA / f"tm-{name}.tsv"
        if force or not path.exists():
            log(f"writing {path.name}")
            write_tm(name)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="only the small sizes")
    parser.add_argument("--force", action="store_true", help="rewrite files that exist")
    args = parser.parse_args(argv)
    generate(quick=args.quick, force=args.force, log=lambda m: print(m, file=sys.stderr))
    return 0


if __name__ == "__main__":
    sys.exit(main())
