"""The Python API: one function per command, taking a :class:`Store` and returning data.

The CLI parses arguments, calls these, renders the result and maps errors to exit codes;
scripts can call them directly::

    from termbank import api
    store = api.open_database()          # the default database, filled on first use
    hits = api.lookup(store, "Tte. Gral.")
"""

from __future__ import annotations

import io
import re
import unicodedata
from collections.abc import Iterable
from typing import BinaryIO

from . import cache
from .config import choose_database, current_author
from .errors import FormatError, NotFound, UsageError
from .langs import base_language, validate_tag, validate_to
from .model import (
    CATEGORIES,
    MATCH_RULES,
    STATUSES,
    TERM_TYPES,
    Concept,
    Term,
    concept_as_dict,
    replace,
)

# SQLAlchemy (through store.repo) is imported by the functions that use a session, not
# here: a lookup or annotate whose index is cached never opens one (issue 8).
from .normalize import control_character, visible
from .store.db import Store, open_store

__all__ = [
    "open_database",
    "init",
    "load_shipped",
    "stats",
    "term_index",
    "lookup",
    "hit_as_dict",
    "add",
    "show",
    "edit",
    "remove",
    "copy",
    "parse_term_spec",
    "annotator",
    "annotate_article",
    "check_files",
    "import_file",
    "export_data",
    "export_to",
    "make_concept_id",
    "concept_as_dict",
    "tm_add",
    "tm_search",
    "tm_concordance",
    "tm_align",
    "tm_pretranslate",
    "tm_remove",
    "tm_stats",
]


# -- opening ------------------------------------------------------------------------
def open_database(db: str | None = None, *, create: bool = False) -> Store:
    """Return the store named by ``db`` / ``TERMBANK_DATABASE_URL`` / the default file.

    The default database is created and filled with the shipped glossaries the first time
    any command touches it. A database named explicitly is created only when ``create``
    is true (``init``, ``import``, ``add``), and never filled except by ``init``.
    """
    choice = choose_database(db)
    if choice.is_default:
        store = open_store(choice.url, create=True)
        if store.revision() == (0, 0):
            load_shipped(store, author="termbank")
        return store
    return open_store(choice.url, create=create)


def open_for_dry_run(db: str | None, scratch: str) -> Store:
    """Return the store a dry run reads, creating nothing where the user looks.

    That is the selected database, or, when a database named by ``db`` (or the
    environment) holds no termbank schema yet, an empty one made in the folder
    ``scratch``: ``import --dry-run`` into a database to be created reports what would
    be added without creating it.
    """
    choice = choose_database(db)
    if not choice.is_default:
        probe = Store(choice.url)
        try:
            missing = not probe.exists()
        finally:
            probe.dispose()
        if missing:
            return open_store(f"sqlite:///{scratch}/dry-run.db", create=True)
    return open_database(db, create=True)


def load_shipped(store: Store, author: str | None = None) -> dict:
    """Load the shipped glossaries (idempotent): return the added/updated/unchanged counts and the ids kept.

    A shipped concept that was edited or removed in this database since the glossaries
    were loaded (its latest history row is not the loader's ``init``), or whose id a
    concept of this database already had, is left as it is here: ``kept`` lists those
    ids. The others are brought up to the shipped version, so ``init`` after an upgrade
    updates the glossaries without undoing a desk's own changes.
    """
    from . import glossary
    from .store import repo

    concepts = glossary.load_shipped()
    who = current_author(author)

    def work(session):
        result = {"added": 0, "updated": 0, "unchanged": 0, "kept": []}
        last = repo.last_actions(session, [c.id for c in concepts])
        for c in concepts:
            if last.get(c.id, "init") != "init":
                here = repo.get_concept(session, c.id)
                if here is None or not repo.same_content(here, c):
                    result["kept"].append(c.id)
                    continue
            result[repo.upsert_concept(session, c, who, action="init")] += 1
        return result

    return store.run_write(work)


def init(store: Store, *, empty: bool = False, author: str | None = None) -> dict:
    """Create or upgrade the schema (done by opening) and, unless ``empty``, load the glossaries."""
    loaded = None if empty else load_shipped(store, author)
    out = stats(store)
    out["loaded"] = loaded
    out["schema"] = store.schema_revision()
    return out


def stats(store: Store) -> dict:
    """Return ``{"concepts", "terms", "tm_units", ...}`` (SPEC: stats --json)."""
    from .store import repo

    with store.read() as session:
        out = repo.counts(session)
        out["revision"] = list(repo.revision(session))
    out["database"] = store.safe_url
    return out


# -- lookup -------------------------------------------------------------------------
def term_index(store: Store):
    """Return the compiled term index for the store's current contents (cached on disk)."""
    from .match import TermIndex

    rev = store.revision()

    def build():
        from .store import repo  # only on a cache miss: a hit needs no SQLAlchemy

        with store.read() as session:
            return TermIndex.build(repo.iter_concepts(session))

    return cache.cached("termindex", store.url, rev[0], build, layout=TermIndex.LAYOUT)


def _other_lang(lang: str) -> str:
    return "es" if base_language(lang) == "en" else "en"


def hit_as_dict(hit, to: str | None = None) -> dict:
    """Return a lookup hit in the SPEC's JSON shape."""
    concept: Concept = hit.concept
    target_lang = base_language(to) if to else _other_lang(hit.term.lang)
    if to and base_language(to) == base_language(hit.term.lang):
        target_lang = _other_lang(hit.term.lang)
        to = None
    # SPEC: the preferred term; for a locale asked for, the locale's term of the query's
    # role ("mayor" for "major", "Myr." for "Maj." with --to es-MX).
    best = concept.preferred(target_lang, to, like=hit.term if to else None)
    translations = [
        {"text": t.text, "lang": t.lang, "status": t.status, "type": t.type}
        for t in concept.terms
        if t.base_lang == target_lang
    ]
    out = {
        "concept": concept.id,
        "category": concept.category,
        "matched": hit.term.text,
        "lang": hit.term.lang,
        "match": hit.match,
        "score": round(float(hit.score), 1),
        "suggestion": best.text if best else "",
        "translations": translations,
    }
    if hit.term.status == "deprecated":
        same = concept.preferred(hit.term.base_lang)
        if same is not None and same.status != "deprecated":
            out["replacement"] = same.text
    return out


def lookup(store: Store, query: str, *, from_lang: str | None = None, to: str | None = None,
           limit: int = 10) -> list[dict]:
    """Return the hits for ``query``, best first, as SPEC dicts."""
    if not query.strip():
        raise UsageError("the query is empty")
    if from_lang is not None and from_lang not in ("en", "es"):
        raise UsageError(f"--from must be en or es, not {from_lang!r}")
    if to is not None:
        to = validate_to(to)
    if limit < 1:
        raise UsageError("--limit must be at least 1")
    index = term_index(store)
    hits = index.lookup(query, from_lang=from_lang, limit=limit)
    return [hit_as_dict(h, to) for h in hits]


# -- annotate -------------------------------------------------------------------------
def annotator(store: Store):
    """Return the compiled annotator for the store's current contents (cached on disk)."""
    from .annotate import Annotator

    rev = store.revision()
    return cache.cached("annotator", store.url, rev[0], lambda: Annotator(term_index(store)), layout=Annotator.LAYOUT)


def annotate_article(annot, article, *, lang: str = "auto", to: str | None = None):
    """Return the Document of an :class:`~termbank.articles.Article` (HTML tags are skipped)."""
    from .annotate import Document
    from .articles import mask_html

    if lang not in ("auto", "en", "es"):
        raise UsageError(f"--lang must be auto, en or es, not {lang!r}")
    if to is not None:
        to = validate_to(to)
    if not article.is_html:
        return annot.annotate(article.text, lang=lang, to=to, file=article.name)
    doc = annot.annotate(mask_html(article.text), lang=lang, to=to, file=article.name)
    mentions = [replace(m, text=article.text[m.start:m.end]) for m in doc.mentions]
    return Document(file=doc.file, lang=doc.lang, text=article.text, mentions=mentions)


# -- check ------------------------------------------------------------------------------
def check_files(store: Store, source_path: str, target_path: str, *, source_lang: str = "auto",
                target_lang: str = "auto", to: str | None = None, ignore: Iterable[str] = (),
                ignore_concepts: Iterable[str] = (), config: str | None = None, encoding: str | None = None,
                use_project_config: bool = True):
    """Return the :class:`~termbank.qa.CheckReport` of a translation against its source.

    Both files are read with :func:`~termbank.articles.read_article` (HTML tags are
    skipped); each side's language is detected unless given, and they must differ.
    Settings come from ``config``, else the nearest ``.termbank.toml`` (issue 6); ``to``
    and ``ignore`` add to them.
    """
    from . import qa
    from .annotate import detect_language
    from .articles import mask_html, read_article

    for name, value in (("--source-lang", source_lang), ("--target-lang", target_lang)):
        if value not in ("auto", "en", "es"):
            raise UsageError(f"{name} must be auto, en or es, not {value!r}")
    ignore = qa.validate_kinds(ignore)
    settings = qa.CheckConfig()
    if config is not None:
        settings = qa.read_config(config)
    elif use_project_config and (found := qa.find_config()) is not None:
        settings = qa.read_config(found)
    explicit_to = validate_to(to) if to is not None else None
    texts, warnings = [], []
    for path in (source_path, target_path):
        article = read_article(path, encoding)
        texts.append(mask_html(article.text) if article.is_html else article.text)
        warnings += [article.warning] if article.warning else []
        if not texts[-1].strip():
            raise FormatError("the file is empty; nothing to check", path)
    langs = [lang if lang != "auto" else detect_language(text) for lang, text in zip((source_lang, target_lang), texts)]
    if langs[0] == langs[1]:
        raise UsageError(f"{source_path} and {target_path} are both in {'English' if langs[0] == 'en' else 'Spanish'}; "
                         "a check needs a source and its translation (use --source-lang/--target-lang)")
    if explicit_to is not None and base_language(explicit_to) != langs[1]:
        raise UsageError(f"--to {explicit_to} is not a locale of the target's language ({langs[1]})")
    to = explicit_to or (settings.to if settings.to and base_language(settings.to) == langs[1] else None)
    annot = annotator(store)
    report = qa.check_report(texts[0], texts[1], annot, source_lang=langs[0], target_lang=langs[1],
                             target_locale=to, ignore=set(ignore) | set(settings.ignore),
                             ignore_concepts=set(ignore_concepts) | set(settings.ignore_concepts),
                             source_file=source_path, target_file=target_path, config=settings.path)
    report.warnings = warnings
    return report


# -- import / export ---------------------------------------------------------------------
def import_file(store: Store, path: str, *, format: str = "auto", dry_run: bool = False,
                author: str | None = None, merge_by_term: bool = False, **options) -> dict:
    """Import concepts (TBX, CSV, TSV, JSON, glossaries) or units (TMX) from a file, all or nothing.

    Concepts merge by id: a new id is added, a known id with other content replaces the
    stored concept (its history records the change), the same content changes nothing,
    so re-importing a file is a no-op. With ``merge_by_term``, a concept under a new id
    whose terms name exactly one stored concept is merged into it instead (see
    :mod:`termbank.store.merge`); ``counts["merged"]`` is the stored concepts it changed.
    With ``dry_run`` nothing is written. Returns the counts and the reader's report.

    The concepts or units go to the database as they are read (issue 8: a million TMX
    units took 1.7 GB), in one transaction, so a file found bad at its end leaves the
    store as it was.
    """
    from .formats import Streamed, open_source
    from .formats.base import count
    from .store import repo
    from .store.merge import ByTerm

    options = {k: v for k, v in options.items() if v is not None}
    fmt, source = open_source(path, format)  # a TBX or TMX file is read as it is parsed
    who = current_author(author)
    counts = {"added": 0, "updated": 0, "unchanged": 0} | ({"merged": 0} if merge_by_term else {})
    units = {"added": 0, "merged": 0}
    tm = fmt.kind == "tm"
    if tm and merge_by_term:
        raise UsageError(f"{path}: --merge-by-term merges concepts; this is a translation memory ({fmt.name})")
    unrelated: list[str] = []  # ids whose stored concept is replaced by one sharing no term
    merge_report: list[str] = []

    def store_units(session, items) -> None:
        units["added"], units["merged"] = repo.add_units(session, items, who, dry_run=dry_run)

    def work(session):
        # A new reader at each attempt: Store.run_write runs this again after a lock error.
        streamed = Streamed(fmt.stream(source, path, **options))
        unrelated.clear()
        merge_report.clear()
        counts.update(dict.fromkeys(counts, 0))
        by_term = ByTerm(session) if merge_by_term else None
        concepts = by_term.route(streamed) if by_term else streamed
        if tm:
            store_units(session, streamed)
        elif dry_run:
            for c in concepts:
                repo.check_fits(c)
                counts[repo.upsert_outcome(repo.get_concept(session, c.id), c, unrelated)] += 1
        else:
            counts.update(repo.upsert_concepts(session, concepts, who, action="import", unrelated=unrelated))
        if by_term:
            for c in by_term.merged_concepts():
                repo.check_fits(c)  # the terms merged in, checked in a dry run too
                changed = repo.upsert_outcome(repo.get_concept(session, c.id), c) == "updated"
                if changed and not dry_run:
                    repo.save_concept(session, c, who, action="import")
                counts["merged" if changed else "unchanged"] += 1
            merge_report.extend(by_term.report(count))
        result = streamed.result
        if result.units and not tm:  # a termbank JSON file holds both
            store_units(session, result.units)
        result.format = result.format or fmt.name
        return result

    try:
        if dry_run:
            with store.read() as session:
                result = work(session)
        else:
            result = store.run_write(work)
    except FormatError as exc:
        raise exc if exc.file else exc.located(path) from None
    result.report.extend(merge_report)
    if unrelated:
        shown = ", ".join(unrelated[:10]) + (f" and {len(unrelated) - 10} more" if len(unrelated) > 10 else "")
        result.report.append(f"warning: {count(len(unrelated), 'concept')} replaced by one sharing no term with it "
                             f"(the same id for two concepts?): {shown}; `termbank show ID --history` has the "
                             "replaced version")
    n_concepts, n_units = sum(counts.values()), units["added"] + units["merged"]
    return {
        "file": path, "format": result.format, "dry_run": dry_run,
        # A memory reports units (none, when its filter left none), a termbase concepts,
        # a termbank JSON file whichever it holds.
        "concepts": None if tm else counts if n_concepts or not n_units else None,
        "units": units if tm or n_units else None,
        "skipped": result.skipped, "merged_in_file": result.merged, "report": result.report,
    }


def export_data(store: Store, *, format: str = "tbx", category: str | None = None, **options) -> bytes:
    """Return the termbase (or, for TMX, the translation memory) in a file format."""
    out = io.BytesIO()
    export_to(store, out, format=format, category=category, **options)
    return out.getvalue()


def export_to(store: Store, out: BinaryIO, *, format: str = "tbx", category: str | None = None, **options) -> None:
    """Write the termbase (or, for TMX, the translation memory) to ``out`` in a file format.

    The memory goes from the database to ``out`` a batch of units at a time (issue 8: a
    million units took gigabytes as a list and a tree); TMX's ``srclang`` is found by
    a query first.
    """
    from .formats import get_format
    from .store import repo

    fmt = get_format(format)
    if not fmt.can_write():
        raise UsageError(f"format {format!r} can only be imported")
    if category is not None:
        _check_category(category)
        if fmt.kind == "tm":
            raise UsageError(f"--category selects concepts; --format {fmt.name} exports the translation memory")
    options = {k: v for k, v in options.items() if v is not None}
    source, target = options.get("source_lang"), options.get("target_lang")
    if source and target and base_language(source) == base_language(target):
        raise UsageError(f"--source-lang {source} and --target-lang {target} are one language; "
                         "a glossary goes from one language to the other")
    with store.read() as session:
        if fmt.kind == "tm":
            items = repo.iter_units(session)
            if fmt.name == "tmx" and "srclang" not in options:
                from .formats.tmx import header_srclang

                options["srclang"] = header_srclang(pair.split(">", 1)[0] for pair in repo.unit_language_pairs(session))
        else:
            items = repo.iter_concepts(session, category)
            if fmt.name == "json" and category is None:
                items = list(items) + list(repo.iter_units(session))
        fmt.write_to(items, out, **options)


# -- editing ------------------------------------------------------------------------
# One word of letters and digits, hyphens allowed: "ROE", "SEDENA", "MQ-9", "C4ISR".
_ONE_WORD = re.compile(r"[^\W_]+(?:-[^\W_]+)*")


def _acronym_like(text: str) -> bool:
    """Return whether ``text`` is one word in capitals (digits allowed), two characters or more."""
    return len(text) >= 2 and _ONE_WORD.fullmatch(text) is not None and text.upper() == text \
        and any(c.isalpha() for c in text)


def parse_term_spec(spec: str) -> Term:
    """Return a Term from ``LANG:TEXT``, ``LANG:TYPE:TEXT`` or ``LANG:TYPE:STATUS:TEXT``.

    >>> parse_term_spec("es-MX:abbreviation:admitted:Tte. Gral.")
    Term(lang='es-MX', text='Tte. Gral.', type='abbreviation', status='admitted', case_sensitive=None, match=None, part_of_speech=None, gender=None, number=None, geo=None, usage=None, source=None, context=None, note=None)
    >>> parse_term_spec("en:Lt. Gen.: retired").text
    'Lt. Gen.: retired'

    A word in capitals given without a type is an acronym, matched in capitals only:
    "ROE" is not the "roe" of fish, nor "SAM" the Sam of "Uncle Sam".

    >>> parse_term_spec("en:ROE").type, parse_term_spec("en:fullForm:ROE").type, parse_term_spec("en:NATO base").type
    ('acronym', 'fullForm', 'fullForm')
    """
    parts = spec.split(":")
    if len(parts) < 2 or not parts[0].strip():
        raise UsageError(f"term {spec!r}: expected LANG:TEXT, LANG:TYPE:TEXT or LANG:TYPE:STATUS:TEXT")
    lang = validate_tag(parts[0])
    rest = parts[1:]
    ttype, status = None, None
    if len(rest) >= 2 and rest[0] in TERM_TYPES:
        ttype, rest = rest[0], rest[1:]
        if len(rest) >= 2 and rest[0] in STATUSES:
            status, rest = rest[0], rest[1:]
    text = ":".join(rest).strip()
    if not visible(text):
        raise UsageError(f"term {spec!r} has no text")
    bad = control_character(text)
    if bad:
        raise UsageError(f"term {spec!r} holds the control character U+{ord(bad):04X}, which no TBX or TMX "
                         "file can carry")
    if ttype is None:
        ttype = "acronym" if _acronym_like(text) else "fullForm"
    return Term(lang=lang, text=unicodedata.normalize("NFC", text), type=ttype, status=status or "preferred")


def _with_statuses(terms: Iterable[Term], explicit: set[int]) -> tuple[Term, ...]:
    """Make the first term of each language preferred unless statuses were given."""
    out, seen = [], set()
    for i, t in enumerate(terms):
        if i not in explicit and t.base_lang in seen and t.status == "preferred":
            t = replace(t, status="admitted")
        seen.add(t.base_lang)
        out.append(t)
    return tuple(out)


def make_concept_id(text: str, taken) -> str:
    """Return a slug id from a term, made unique against ``taken(id) -> bool``.

    >>> make_concept_id("Secretaría de la Defensa Nacional", lambda i: False)
    'secretaria-de-la-defensa-nacional'
    """
    from unidecode import unidecode

    base = re.sub(r"[^a-z0-9]+", "-", unidecode(text).lower()).strip("-")[:60] or "concept"
    if not base[0].isalpha():
        base = "c-" + base
    candidate, n = base, 2
    while taken(candidate):
        candidate, n = f"{base}-{n}", n + 1
    return candidate


def _check_category(category: str) -> None:
    if category not in CATEGORIES:
        raise UsageError(f"unknown category {category!r}; use one of {', '.join(CATEGORIES)}")


def add(store: Store, terms: list[Term], *, concept_id: str | None = None, category: str = "other",
        subject: str | None = None, definition: str | None = None, note: str | None = None,
        source: str | None = None, author: str | None = None, explicit_status: set[int] = frozenset()) -> Concept:
    """Add a new concept with its terms and return it as stored."""
    from .store import repo
    from .store.models import ID_MAX

    _check_category(category)
    _check_fields(subject=subject, definition=definition, note=note, source=source)
    if not terms:
        raise UsageError("a concept needs at least one term (--en, --es or --term)")
    if concept_id is not None and not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_.-]*", concept_id):
        raise UsageError(f"concept id {concept_id!r}: use letters, digits, '-', '_' or '.', starting with a letter")
    if concept_id is not None and len(concept_id) > ID_MAX:
        raise UsageError(f"concept id {concept_id[:40]!r}… is {len(concept_id)} characters long; at most {ID_MAX}")
    who = current_author(author)

    def work(session):
        cid = concept_id or make_concept_id(
            next((t.text for t in terms if t.base_lang == "en"), terms[0].text),
            lambda i: repo.get_concept(session, i) is not None,
        )
        concept = Concept(id=cid, category=category, subject=subject, definition=definition, note=note,
                          source=source, terms=_with_statuses(terms, set(explicit_status)))
        return repo.add_concept(session, concept, who)

    return _from_the_command_line(store, work)


def _check_fields(**fields: str | None) -> None:
    """Refuse a concept field given with a control character no TBX or TMX file can carry."""
    for name, value in fields.items():
        bad = control_character(value) if value else None
        if bad:
            raise UsageError(f"--{name} holds the control character U+{ord(bad):04X}, which no TBX or TMX file "
                             "can carry")


def _from_the_command_line(store: Store, work):
    """Run ``work`` in a write transaction; what the store refuses is a usage error (exit 2), not a bad file."""
    try:
        return store.run_write(work)
    except FormatError as exc:
        raise UsageError(exc.message) from None


def show(store: Store, concept_id: str, *, with_history: bool = False) -> dict:
    """Return a concept as a dict (with version and timestamps, and optionally its history)."""
    from .store import repo

    with store.read() as session:
        concept = repo.require_concept(session, concept_id)
        out = concept_as_dict(concept, with_meta=True)
        if with_history:
            out["history"] = repo.history(session, concept_id)
    return out


def _find_term(concept: Concept, spec: str) -> int:
    """Return the index of the term ``LANG:TEXT`` names: of that exact locale first, else of its language."""
    lang, _, text = spec.partition(":")
    if not text:
        raise UsageError(f"{spec!r}: expected LANG:TEXT")
    same = [i for i, t in enumerate(concept.terms) if t.base_lang == base_language(lang) and t.text == text.strip()]
    exact = [i for i in same if concept.terms[i].lang.lower() == lang.strip().lower()]
    if exact or same:
        return (exact or same)[0]
    raise NotFound(f"concept {concept.id!r} has no {lang} term {text.strip()!r}")


def edit(store: Store, concept_id: str, *, category: str | None = None, subject: str | None = None,
         definition: str | None = None, note: str | None = None, source: str | None = None,
         add_terms: list[Term] = (), remove_terms: list[str] = (), set_status: list[str] = (),
         set_match: list[str] = (), if_version: int | None = None, author: str | None = None,
         explicit_status: set[int] | None = None) -> Concept:
    """Change a concept and return the new version; refuse when ``if_version`` is stale.

    An added term whose index is not in ``explicit_status`` (None: all are) is admitted
    when its language has a preferred term already, as ``add`` does: "dron" added beside
    "vehículo aéreo no tripulado" does not become a second preferred Spanish term.
    """
    from .store import repo

    if category is not None:
        _check_category(category)
    _check_fields(subject=subject, definition=definition, note=note, source=source)
    who = current_author(author)

    def work(session):
        # Locked: a concurrent edit of the same concept waits and is applied on top (issue 7).
        concept = repo.require_concept(session, concept_id, lock=True)
        terms = list(concept.terms)
        for spec in remove_terms:
            del terms[_find_term(replace(concept, terms=tuple(terms)), spec)]
        for spec, field, allowed in [(s, "status", STATUSES) for s in set_status] + \
                                   [(s, "match", MATCH_RULES) for s in set_match]:
            target, _, value = spec.rpartition("=")
            if value not in allowed:
                raise UsageError(f"{spec!r}: {field} must be one of {', '.join(allowed)}")
            i = _find_term(replace(concept, terms=tuple(terms)), target)
            terms[i] = replace(terms[i], **{field: value})
        for n, t in enumerate(add_terms):
            if any(o.text == t.text and o.lang.lower() == t.lang.lower() for o in terms):
                raise UsageError(f"concept {concept_id!r} already has the {t.lang} term {t.text!r} "
                                 "(use --set-status or --set-match to change it)")
            if explicit_status is not None and n not in explicit_status and t.status == "preferred" \
                    and any(o.base_lang == t.base_lang and o.status == "preferred" for o in terms):
                t = replace(t, status="admitted")
            terms.append(t)
        if not terms:
            raise UsageError(f"concept {concept_id!r} would have no terms left (use `termbank remove`)")
        changes = {k: v for k, v in dict(category=category, subject=subject, definition=definition,
                                         note=note, source=source).items() if v is not None}
        new = replace(concept, terms=tuple(terms), **changes)
        return repo.save_concept(session, new, who, expected_version=if_version)

    return _from_the_command_line(store, work)


def remove(store: Store, concept_id: str, *, author: str | None = None) -> Concept:
    """Remove a concept (its history is kept) and return what was removed."""
    from .store import repo

    who = current_author(author)
    return store.run_write(lambda session: repo.remove_concept(session, concept_id, who))


def copy(store: Store, to: str) -> dict:
    """Copy the whole termbase (concepts, terms, history, TM) into the empty database ``to``.

    Returns the rows copied per table and both URLs (passwords hidden). The target is
    created or upgraded first; it is written in one transaction.
    """
    from .store.transfer import copy_database

    target = open_store(choose_database(to).url, create=True)
    try:
        copied = copy_database(store, target)
    finally:
        target.dispose()
    return {"from": store.safe_url, "to": target.safe_url, "concepts": copied["concept"],
            "terms": copied["term"], "history": copied["history"], "tm_units": copied["tm_unit"]}


# -- translation memory ---------------------------------------------------------------------
def _tm_lang(value: str | None, text: str, option: str = "--from") -> str:
    """Return ``en`` or ``es``: the language given, or the one ``text`` is written in."""
    from .annotate import detect_language

    if value is None or value == "auto":
        return detect_language(text)
    if value not in ("en", "es"):
        raise UsageError(f"{option} must be en or es, not {value!r}")
    return value


def _pair_lang(value: str | None, source: str, target: str) -> str:
    """Return the source's language of a pair: the one given, or the side that reads less Spanish is English.

    Two texts tell more than one: "If x < y, press OK." alone has the Spanish "y".
    """
    from .annotate import spanish_lean

    if value is not None and value != "auto":
        return _tm_lang(value, source)
    lean, other = spanish_lean(source), spanish_lean(target)
    if lean != other:
        return "es" if lean > other else "en"
    return "es" if lean > 0 else "en"  # detect_language(source), from the lean just computed


def _oriented(unit, lang: str) -> tuple[str, str, str, str]:
    """Return (text, lang, other text, other lang) of a unit, starting from its ``lang`` side."""
    if base_language(unit.source_lang) == lang:
        return unit.source, unit.source_lang, unit.target, unit.target_lang
    return unit.target, unit.target_lang, unit.source, unit.source_lang


def tm_add(store: Store, source: str, target: str, *, from_lang: str | None = None, to: str | None = None,
           origin: str | None = None, author: str | None = None) -> dict:
    """Store one translation unit (merged with an identical stored one); return it with ``status``.

    ``from_lang`` (en or es) is the source's language, detected when not given; the
    target is in the other language, tagged ``to`` when that names a locale of it.
    """
    from .model import TMUnit
    from .store import repo

    source, target = unicodedata.normalize("NFC", source).strip(), unicodedata.normalize("NFC", target).strip()
    if not (visible(source) and visible(target)):
        raise UsageError("a translation unit needs a source text and a target text")
    if from_lang in (None, "auto") and to is not None and base_language(to) in ("en", "es"):
        src = _other_lang(base_language(to))  # "--to en": the source is the Spanish text
    else:
        src = _pair_lang(from_lang, source, target)
    other = _other_lang(src)
    tgt = other
    if to is not None:
        tgt = validate_tag(to)
        if base_language(tgt) != other:
            raise UsageError(f"--to {tgt} is not a locale of the target's language ({other})")
    unit = TMUnit(source_lang=src, source=source, target_lang=tgt, target=target, origin=origin)
    who = current_author(author)

    def work(session):
        unit_id, status = repo.add_units_each(session, [unit], who)[0]
        return status, repo.get_units(session, [unit_id])[0]

    status, stored = store.run_write(work)
    return {"id": stored.id, "status": status, "source": stored.source, "target": stored.target,
            "source_lang": stored.source_lang, "target_lang": stored.target_lang, "origin": stored.origin,
            "created_by": stored.created_by,
            "created_at": stored.created_at.isoformat() if stored.created_at else None}


def tm_search(store: Store, text: str, *, from_lang: str | None = None, min_score: float = 70,
              limit: int = 5) -> list[dict]:
    """Return the memory's best matches for ``text``, best first (SPEC: tm search --json).

    Each match is ``{"source", "target", "score", "id"}`` plus ``source_lang``,
    ``target_lang``, ``origin`` and ``diff``: the words of ``text`` the match lacks as
    ``[-...-]`` and the words it has instead as ``{+...+}``. ``source`` is the unit's text
    in the query's language, so a Spanish query finds English-to-Spanish units by
    their Spanish side.
    """
    from . import memory
    from .store import repo
    from .tm import diff, format_diff

    text = unicodedata.normalize("NFC", text).strip()
    if not text:
        raise UsageError("the text to search for is empty")
    if not 0 <= min_score <= 100:
        raise UsageError("--min-score must be between 0 and 100")
    if limit < 1:
        raise UsageError("--limit must be at least 1")
    from .annotate import spanish_lean

    if from_lang is None or from_lang == "auto":
        # A short query may read as either language ("fiebre", "press OK"): then both
        # sides are searched, best first.
        lean = spanish_lean(text)
        langs = [("es" if lean > 0 else "en")] if abs(lean) >= 1 else ["en", "es"]
    else:
        langs = [_tm_lang(from_lang, text)]
    found = []
    for lang in langs:
        index, _ = memory.open_index(store, lang)
        found += [(h, lang) for h in index.search(text, limit=limit, min_score=min_score)]
    best: dict = {}
    for h, lang in sorted(found, key=lambda f: -f[0].score):
        best.setdefault(h.id, (h, lang))  # a unit found by both its sides once, by the better
    found = list(best.values())[:limit]
    with store.read() as session:
        units = {u.id: u for u in repo.get_units(session, [h.id for h, _ in found])}
    out = []
    for h, lang in found:
        unit = units.get(str(h.id))
        if unit is None:  # removed since the index was read
            continue
        src, src_lang, tgt, tgt_lang = _oriented(unit, lang)
        out.append({"source": src, "target": tgt, "score": h.score, "id": unit.id, "source_lang": src_lang,
                    "target_lang": tgt_lang, "origin": unit.origin, "diff": format_diff(diff(text, src))})
    return out


def tm_concordance(store: Store, phrase: str, *, from_lang: str | None = None, limit: int = 20) -> list[dict]:
    """Return the units containing ``phrase`` (case and accents ignored), oldest first.

    Without ``from_lang`` both sides are searched. Each hit is ``{"id", "source",
    "target", "source_lang", "target_lang", "spans", "highlighted"}``, ``source`` being
    the text that contains the phrase and ``spans`` its ``[start, end]`` offsets there.
    """
    from . import memory
    from .store import repo
    from .tm import find_phrase, highlight

    phrase = unicodedata.normalize("NFC", phrase).strip()
    if not any(ch.isalnum() for ch in phrase):
        raise UsageError("the phrase to look for has no letters or digits")
    if from_lang is not None and from_lang not in ("en", "es"):
        raise UsageError(f"--from must be en or es, not {from_lang!r}")
    if limit < 1:
        raise UsageError("--limit must be at least 1")
    found: list[tuple[int, str]] = []
    for lang in [from_lang] if from_lang else list(memory.SIDES):
        index, _ = memory.open_index(store, lang)
        found.extend((int(i), lang) for i in index.find(phrase, limit=limit))
    # A unit whose both sides hold the phrase (a name, an acronym) is listed once.
    first: dict[int, str] = {}
    for unit_id, lang in sorted(found):
        first.setdefault(unit_id, lang)
    found = list(first.items())[:limit]
    with store.read() as session:
        units = {u.id: u for u in repo.get_units(session, [i for i, _ in found])}
    out = []
    for unit_id, lang in found:
        unit = units.get(str(unit_id))
        if unit is None:
            continue
        src, src_lang, tgt, tgt_lang = _oriented(unit, lang)
        spans = find_phrase(src, phrase)
        out.append({"id": unit.id, "source": src, "target": tgt, "source_lang": src_lang, "target_lang": tgt_lang,
                    "spans": [list(s) for s in spans], "highlighted": highlight(src, spans), "origin": unit.origin})
    return out


def _article_sentences(article, lang: str, abbreviations: list[str]):
    from . import memory

    return memory.sentences(article.text, lang, abbreviations, html=article.is_html)


def tm_align(store: Store, en_file: str, es_file: str, *, dry_run: bool = False, store_all: bool = False,
             min_confidence: float = 0.8, encoding: str | None = None, author: str | None = None) -> dict:
    """Align an English article with its Spanish translation and store the confident pairs.

    Returns ``{"beads": [...], "added", "merged", "warnings"}``; ``beads`` is the SPEC's
    array (document order, every sentence in exactly one bead) of ``{"en": [str...],
    "es": [str...], "confidence", "stored"}`` plus ``kind``, ``selected`` (the bead meets
    the bar to be stored: both sides present and, unless ``store_all``, a confidence of
    at least ``min_confidence``) and, once stored, the unit ``id``. A 1:0 bead is never
    stored; ``dry_run`` stores nothing. Segmentation knows the termbase's abbreviations
    and the aligner uses its term pairs as anchors, besides numbers and names.
    """
    from . import memory
    from .align import align
    from .annotate import detect_language
    from .articles import mask_html, read_article
    from .model import TMUnit
    from .segment import paragraph_numbers
    from .store import repo

    if not 0 <= min_confidence <= 1:
        raise UsageError("--min-confidence must be between 0 and 1")
    en_article = read_article(en_file, encoding)
    es_article = read_article(es_file, encoding)
    for name, article in ((en_file, en_article), (es_file, es_article)):
        if not visible(mask_html(article.text) if article.is_html else article.text):
            raise FormatError("the file is empty; nothing to align", str(name))
    found = (detect_language(en_article.text), detect_language(es_article.text))
    if found != ("en", "es"):
        names = {"en": "English", "es": "Spanish"}
        raise UsageError(f"{en_file} reads as {names[found[0]]} and {es_file} as {names[found[1]]}; "
                         "tm align takes the English article first, then its Spanish translation")
    with store.read() as session:
        en_abbr = repo.abbreviations(session, "en")
        es_abbr = repo.abbreviations(session, "es")
        pairs = repo.term_pairs(session)
    en = _article_sentences(en_article, "en", en_abbr)
    es = _article_sentences(es_article, "es", es_abbr)
    anchors = memory.pairs_in(pairs, " ".join(s.text for s in en), " ".join(s.text for s in es))
    beads = align(en, es, anchors, en_paragraphs=paragraph_numbers(en_article.text, en),
                  es_paragraphs=paragraph_numbers(es_article.text, es))
    origin = f"{en_file} | {es_file}"
    out, units, chosen = [], [], []
    for b in beads:
        en_texts, es_texts = [en[i].text for i in b.en], [es[j].text for j in b.es]
        selected = bool(en_texts and es_texts) and (store_all or b.confidence >= min_confidence)
        out.append({"en": en_texts, "es": es_texts, "confidence": b.confidence, "stored": False,
                    "kind": b.kind, "selected": selected})
        if selected:
            chosen.append(len(out) - 1)
            units.append(TMUnit(source_lang="en", source=" ".join(en_texts), target_lang="es",
                                target=" ".join(es_texts), origin=origin))
    added = merged = 0
    if units and not dry_run:
        who = current_author(author)
        results = store.run_write(lambda session: repo.add_units_each(session, units, who))
        for k, (unit_id, status) in zip(chosen, results):
            out[k]["stored"] = True
            out[k]["id"] = str(unit_id)
            added += status == "added"
            merged += status == "merged"
    warnings = [a.warning for a in (en_article, es_article) if a.warning]
    return {"beads": out, "added": added, "merged": merged, "selected": len(units), "dry_run": dry_run,
            "en_sentences": len(en), "es_sentences": len(es), "warnings": warnings}


def tm_pretranslate(store: Store, path: str, *, lang: str = "auto", to: str | None = None,
                    min_score: float = 70, encoding: str | None = None) -> dict:
    """Return, sentence by sentence, the best memory match and the term suggestions of an article.

    ``{"file", "lang", "sentences": [{"start", "end", "text", "match": MATCH|null,
    "terms": [MENTION...]}], "summary"}``: MATCH is a :func:`tm_search` result, MENTION
    an annotate mention (SPEC) lying in the sentence; offsets refer to the file's text.
    """
    from . import memory
    from .articles import read_article
    from .store import repo
    from .tm import diff, format_diff

    if not 0 <= min_score <= 100:
        raise UsageError("--min-score must be between 0 and 100")
    article = read_article(path, encoding)
    doc = annotate_article(annotator(store), article, lang=lang, to=to)
    with store.read() as session:
        abbr = repo.abbreviations(session, doc.lang)
    spans = _article_sentences(article, doc.lang, abbr)
    index, _ = memory.open_index(store, doc.lang)
    best = [next(iter(index.search(s.text, limit=1, min_score=min_score)), None) for s in spans]
    with store.read() as session:
        units = {u.id: u for u in repo.get_units(session, [h.id for h in best if h is not None])}
    mentions = sorted(doc.mentions, key=lambda m: m.start)
    sentences, k = [], 0
    for span, hit in zip(spans, best):
        while k < len(mentions) and mentions[k].start < span.start:
            k += 1
        terms = []
        while k < len(mentions) and mentions[k].start < span.end:
            terms.append(mentions[k].as_dict())
            k += 1
        match = None
        unit = units.get(str(hit.id)) if hit is not None else None
        if unit is not None:
            src, src_lang, tgt, tgt_lang = _oriented(unit, doc.lang)
            match = {"source": src, "target": tgt, "score": hit.score, "id": unit.id, "source_lang": src_lang,
                     "target_lang": tgt_lang, "origin": unit.origin, "diff": format_diff(diff(span.text, src))}
        sentences.append({"start": span.start, "end": span.end, "text": span.text, "match": match, "terms": terms})
    matched = [s["match"]["score"] for s in sentences if s["match"]]
    summary = {"sentences": len(sentences), "exact": sum(1 for v in matched if v == 100),
               "fuzzy": sum(1 for v in matched if v < 100), "no_match": len(sentences) - len(matched),
               "terms": sum(len(s["terms"]) for s in sentences)}
    return {"file": article.name, "lang": doc.lang, "sentences": sentences, "summary": summary,
            "warning": article.warning}


def tm_remove(store: Store, unit_id: str) -> dict:
    """Remove a translation unit and return what was removed."""
    from .store import repo

    unit = store.run_write(lambda session: repo.remove_unit(session, unit_id))
    return {"id": unit.id, "source": unit.source, "target": unit.target, "source_lang": unit.source_lang,
            "target_lang": unit.target_lang, "origin": unit.origin}


def tm_stats(store: Store) -> dict:
    """Return the memory's figures: units, language pairs, and the state of each side's index."""
    from . import memory
    from .store import repo

    with store.read() as session:
        units, last_id, _ = repo.unit_stats(session)
        pairs = repo.unit_language_pairs(session)
    sides = {}
    for lang in memory.SIDES:
        index, how = memory.open_index(store, lang)
        sides[lang] = {"texts": len(index), "index": how}
    return {"units": units, "last_id": last_id, "language_pairs": pairs, "sides": sides}
