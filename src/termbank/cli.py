"""The ``termbank`` command line (SPEC.md): parse, call :mod:`termbank.api`, render, exit.

Only this module imports typer (and through it click and rich). Errors the user can act on are
:class:`~termbank.errors.TermbankError`: one line on stderr and the exit code the spec
gives (2 usage, 3 bad input, 4 database). Anything else is a bug and keeps its traceback
(with locals hidden, so database passwords never show).
"""

# No ``from __future__ import annotations`` here: typer reads every command's annotations
# at each start, and evaluating them from strings took 15 ms of a warm lookup (issue 8).
import gc
import json
import os
import sys
from typing import Annotated, Optional

import typer

from . import __version__, api
from .errors import TermbankError, UsageError
from .langs import validate_to
from .store.db import BUSY_TIMEOUT_MS
from .model import CATEGORIES

app = typer.Typer(
    name="termbank",
    help="English-Spanish terminology and translation memory for defense and security translators.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_show_locals=False,
    rich_markup_mode=None,
)


class State:
    db: str | None = None
    author: str | None = None


state = State()


def _version(value: bool) -> None:
    if value:
        typer.echo(f"termbank {__version__}")
        raise typer.Exit()


@app.callback()
def main_callback(
    db: Annotated[Optional[str], typer.Option("--db", metavar="URL", envvar="TERMBANK_DATABASE_URL", show_envvar=True,
                                              help="SQLAlchemy URL: sqlite:///file.db or postgresql+psycopg://user@host/db.")] = None,
    author: Annotated[Optional[str], typer.Option("--author", metavar="NAME", help="Name recorded in the change history (default: login name).")] = None,
    version: Annotated[bool, typer.Option("--version", callback=_version, is_eager=True, help="Show the version and exit.")] = False,
) -> None:
    """English-Spanish terminology and translation memory for defense and security translators."""
    state.db = db
    state.author = author


def fail(error: TermbankError) -> None:
    """Print one line on stderr and exit with the error's code."""
    typer.echo(f"termbank: error: {error}", err=True)
    raise typer.Exit(error.exit_code)


class Output:
    """``--output``, written to a temporary file beside it and moved into place by :meth:`close`.

    A command that fails or is interrupted half way leaves the file as it was
    (:meth:`discard`, or leaving a ``with`` block on an exception). A symbolic link is
    followed (the file it points to is replaced); a device or pipe, and any path under
    ``/dev`` or ``/proc`` (``/dev/stdout``), is written directly. Every failure to
    write is one line and exit 2.
    """

    def __init__(self, path: str, mode: str = "w"):
        import os
        import stat
        import tempfile

        self.path = path
        self.tmp: str | None = None
        text = {} if "b" in mode else {"encoding": "utf-8", "newline": ""}
        try:
            target = os.path.realpath(path)
            st = os.stat(target) if os.path.exists(target) else None
            if st is not None and stat.S_ISDIR(st.st_mode):
                raise IsADirectoryError(21, "Is a directory")
            special = os.path.abspath(path).startswith(("/dev/", "/proc/"))  # /dev/stdout, /dev/fd/3
            if special or (st is not None and not stat.S_ISREG(st.st_mode)):
                self.fh = open(path, mode, **text)  # a device or a pipe: nothing to replace
                return
            fd, self.tmp = tempfile.mkstemp(dir=os.path.dirname(target), prefix=".termbank-", suffix=".part")
        except OSError as exc:
            fail(UsageError(f"{path}: cannot write: {exc.strerror}"))
        self.target = target
        try:
            # The permissions a plain open() would give: the file's own, else the umask's.
            umask = os.umask(0)
            os.umask(umask)
            os.chmod(self.tmp, st.st_mode & 0o7777 if st is not None else 0o666 & ~umask)
        except OSError:
            pass
        self.fh = os.fdopen(fd, mode, **text)

    def write(self, data) -> None:
        try:
            self.fh.write(data)
        except OSError as exc:
            self._give_up(exc)

    def close(self) -> None:
        """Finish the file and put it in place of ``path``."""
        import os

        try:
            self.fh.close()
            if self.tmp is not None:
                os.replace(self.tmp, self.target)
        except OSError as exc:
            self._give_up(exc)

    def _give_up(self, exc: OSError) -> None:
        self.discard()
        fail(UsageError(f"{self.path}: cannot write: {exc.strerror}"))

    def discard(self) -> None:
        """Drop what was written; ``path`` stays as it was (but for a device or pipe)."""
        import os

        try:
            self.fh.close()
        except OSError:
            pass
        if self.tmp is not None:
            try:
                os.unlink(self.tmp)
            except OSError:
                pass

    def __enter__(self) -> "Output":
        return self

    def __exit__(self, kind, *rest) -> None:
        if kind is None:
            self.close()
        else:
            self.discard()


def open_output(path: str, mode: str = "w", *, inputs: tuple[str, ...] = ()) -> Output:
    """Return ``--output`` ready for writing (see :class:`Output`).

    An output that is one of the command's ``inputs`` or the SQLite file of the
    selected database is refused (exit 2): ``-o`` given the article or the termbase by
    mistake would replace it.
    """
    import os

    from .config import choose_database
    from .store.db import plain_sqlite_path

    try:
        database = plain_sqlite_path(choose_database(state.db).url)
    except TermbankError:
        database = None
    for other, what in [(p, "an input file") for p in inputs] + [(database, "the database")]:
        try:
            if other is not None and os.path.samefile(path, other):
                fail(UsageError(f"{path}: is {what}; write the output elsewhere"))
        except OSError:
            pass  # one of them does not exist: not the same file
    return Output(path, mode)


def warn_if_no_articles(given: list[str], found: list[str]) -> None:
    """Say on stderr when the files and folders given hold no article (an empty inbox is no error)."""
    if not found:
        from .articles import ARTICLE_SUFFIXES

        typer.echo(f"termbank: warning: no article ({', '.join(ARTICLE_SUFFIXES)}) in {', '.join(given)}", err=True)


def emit_json(data) -> None:
    typer.echo(json.dumps(data, ensure_ascii=False, indent=None if isinstance(data, list) and not data else 2))


def open_db(create: bool = False):
    store = api.open_database(state.db, create=create)
    store.on_lock_wait = lambda: typer.echo(
        f"termbank: the database has been locked by another program for {BUSY_TIMEOUT_MS // 1000} s; "
        "waiting as long again", err=True)
    return store


# -- init / stats ---------------------------------------------------------------------
@app.command()
def init(
    empty: Annotated[bool, typer.Option("--empty", help="Create or upgrade the schema only; load no glossary.")] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Create or upgrade the database and load the shipped glossaries (idempotent)."""
    try:
        store = open_db(create=True)
        result = api.init(store, empty=empty, author=state.author)
    except TermbankError as e:
        fail(e)
    if as_json:
        emit_json(result)
        return
    loaded = result["loaded"]
    typer.echo(f"database: {result['database']} (schema {result['schema']})")
    if loaded is not None:
        typer.echo(f"shipped glossaries: {loaded['added']} added, {loaded['updated']} updated, "
                   f"{loaded['unchanged']} unchanged")
        if loaded["kept"]:
            typer.echo(f"kept as changed in this database, not reloaded: {', '.join(loaded['kept'])}")
    typer.echo(f"{result['concepts']} concepts, {result['terms']} terms, {result['tm_units']} translation units")


@app.command()
def stats(as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False) -> None:
    """Count concepts, terms and translation units."""
    try:
        result = api.stats(open_db())
    except TermbankError as e:
        fail(e)
    if as_json:
        emit_json(result)
        return
    typer.echo(f"database:     {result['database']}")
    typer.echo(f"concepts:     {result['concepts']}")
    typer.echo(f"terms:        {result['terms']}")
    typer.echo(f"tm units:     {result['tm_units']}")
    if result["by_category"]:
        typer.echo("by category:  " + ", ".join(f"{k} {v}" for k, v in result["by_category"].items()))
    if result["by_language"]:
        typer.echo("by language:  " + ", ".join(f"{k} {v}" for k, v in result["by_language"].items()))


# -- lookup ---------------------------------------------------------------------------
def _render_hit(n: int, h: dict) -> list[str]:
    lines = [f"{n}. {h['suggestion'] or '(no translation)'}    <- {h['matched']} [{h['lang']}]"]
    lines.append(f"   concept {h['concept']} ({h['category']}) · match {h['match']} {h['score']:g}")
    if h.get("replacement"):
        lines.append(f"   DEPRECATED: {h['matched']!r} — use {h['replacement']!r}")
    for t in h["translations"]:
        mark = "  (deprecated)" if t["status"] == "deprecated" else ""
        lines.append(f"   - {t['text']}  [{t['lang']}, {t['type']}, {t['status']}]{mark}")
    return lines


@app.command()
def lookup(
    query: Annotated[str, typer.Argument(help="A term as written: any accents, case, periods or inflection.")],
    from_lang: Annotated[Optional[str], typer.Option("--from", help="Language of the query: en or es.")] = None,
    to: Annotated[Optional[str], typer.Option("--to", help="Target locale for the suggestion, e.g. es-MX.")] = None,
    limit: Annotated[int, typer.Option("--limit", help="At most this many hits.")] = 10,
    as_json: Annotated[bool, typer.Option("--json", help="Print the SPEC JSON array.")] = False,
) -> None:
    """Find a term however it is written and show the translation to use."""
    try:
        hits = api.lookup(open_db(), query, from_lang=from_lang, to=to, limit=limit)
    except TermbankError as e:
        fail(e)
    if as_json:
        emit_json(hits)
        return
    if not hits:
        typer.echo(f"no match for {query!r}")
        return
    for n, h in enumerate(hits, 1):
        typer.echo("\n".join(_render_hit(n, h)))


# -- add / show / edit / remove --------------------------------------------------------
TERM_HELP = "LANG:TEXT, LANG:TYPE:TEXT or LANG:TYPE:STATUS:TEXT (type: fullForm, abbreviation, acronym, shortForm, variant)."


def _status_given(spec: str, term) -> bool:
    """Whether a LANG:TYPE:STATUS:TEXT spec names the term's status (else the language's rule decides)."""
    return spec.count(":") >= 3 and term.status != "preferred" or ":preferred:" in spec


@app.command()
def add(
    en: Annotated[list[str], typer.Option("--en", help="English term (repeatable; the first is preferred).")] = [],
    es: Annotated[list[str], typer.Option("--es", help="Spanish term (repeatable; the first is preferred).")] = [],
    term: Annotated[list[str], typer.Option("--term", help=TERM_HELP)] = [],
    concept_id: Annotated[Optional[str], typer.Option("--id", help="Concept id (default: from the English term).")] = None,
    category: Annotated[str, typer.Option("--category", help=f"One of: {', '.join(CATEGORIES)}.")] = "other",
    subject: Annotated[Optional[str], typer.Option("--subject", help="Subject field.")] = None,
    definition: Annotated[Optional[str], typer.Option("--definition")] = None,
    note: Annotated[Optional[str], typer.Option("--note")] = None,
    source: Annotated[Optional[str], typer.Option("--source")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the stored concept as JSON.")] = False,
) -> None:
    """Add a concept with its English and Spanish terms."""
    try:
        terms = [api.parse_term_spec(f"en:{t}") for t in en] + [api.parse_term_spec(f"es:{t}") for t in es]
        explicit = set()
        for spec in term:
            t = api.parse_term_spec(spec)
            if _status_given(spec, t):
                explicit.add(len(terms))
            terms.append(t)
        concept = api.add(open_db(create=True), terms, concept_id=concept_id, category=category,
                          subject=subject, definition=definition, note=note, source=source,
                          author=state.author, explicit_status=explicit)
    except TermbankError as e:
        fail(e)
    if as_json:
        emit_json(api.concept_as_dict(concept, with_meta=True))
    else:
        typer.echo(f"added concept {concept.id} ({concept.category}, {len(concept.terms)} terms)")


def _render_concept(c: dict) -> list[str]:
    lines = [f"{c['id']}  ({c['category']}{', ' + c['subject'] if c.get('subject') else ''})  version {c['version']}"]
    for key in ("definition", "note", "source"):
        if c.get(key):
            lines.append(f"  {key}: {c[key]}")
    for t in c["terms"]:
        extras = [t["type"], t["status"]]
        for key in ("match", "geo", "gender", "number", "part_of_speech"):
            if t.get(key):
                extras.append(f"{key}={t[key]}")
        if t.get("case_sensitive") is not None:
            extras.append("case-sensitive" if t["case_sensitive"] else "case-insensitive")
        lines.append(f"  [{t['lang']}] {t['text']}  ({', '.join(extras)})")
        for key in ("usage", "source", "context", "note"):
            if t.get(key):
                lines.append(f"        {key}: {t[key]}")
    for h in c.get("history", []):
        lines.append(f"  {h['at']}  {h['action']:<7} by {h['author']}: {', '.join(h['changes'])}")
    return lines


@app.command()
def show(
    concept_id: Annotated[str, typer.Argument(metavar="CONCEPT", help="Concept id.")],
    history: Annotated[bool, typer.Option("--history", help="Also show the change history.")] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Show a concept with all its terms."""
    try:
        data = api.show(open_db(), concept_id, with_history=history)
    except TermbankError as e:
        fail(e)
    if as_json:
        emit_json(data)
    else:
        typer.echo("\n".join(_render_concept(data)))


@app.command()
def edit(
    concept_id: Annotated[str, typer.Argument(metavar="CONCEPT", help="Concept id.")],
    category: Annotated[Optional[str], typer.Option("--category")] = None,
    subject: Annotated[Optional[str], typer.Option("--subject")] = None,
    definition: Annotated[Optional[str], typer.Option("--definition")] = None,
    note: Annotated[Optional[str], typer.Option("--note")] = None,
    source: Annotated[Optional[str], typer.Option("--source")] = None,
    add_term: Annotated[list[str], typer.Option("--add-term", help=TERM_HELP)] = [],
    remove_term: Annotated[list[str], typer.Option("--remove-term", help="LANG:TEXT of a term to remove.")] = [],
    set_status: Annotated[list[str], typer.Option("--set-status", help="LANG:TEXT=preferred|admitted|deprecated")] = [],
    set_match: Annotated[list[str], typer.Option("--set-match", help="LANG:TEXT=always|case|capitalized|title")] = [],
    if_version: Annotated[Optional[int], typer.Option("--if-version", min=1, max=2**31 - 1, help="Refuse if the concept is no longer at this version.")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the new version as JSON.")] = False,
) -> None:
    """Change a concept: fields, terms, statuses, match rules."""
    try:
        new_terms = [api.parse_term_spec(s) for s in add_term]
        explicit = {i for i, (spec, t) in enumerate(zip(add_term, new_terms)) if _status_given(spec, t)}
        concept = api.edit(open_db(), concept_id, category=category, subject=subject, definition=definition,
                           note=note, source=source, add_terms=new_terms, remove_terms=remove_term,
                           set_status=set_status, set_match=set_match, if_version=if_version,
                           author=state.author, explicit_status=explicit)
    except TermbankError as e:
        fail(e)
    if as_json:
        emit_json(api.concept_as_dict(concept, with_meta=True))
    else:
        typer.echo(f"concept {concept.id} is now at version {concept.version}")


@app.command()
def remove(concept_id: Annotated[str, typer.Argument(metavar="CONCEPT", help="Concept id.")]) -> None:
    """Remove a concept and its terms (the change history keeps a copy)."""
    try:
        concept = api.remove(open_db(), concept_id, author=state.author)
    except TermbankError as e:
        fail(e)
    typer.echo(f"removed concept {concept.id} ({len(concept.terms)} terms)")


# -- annotate ---------------------------------------------------------------------------
FORMATS_ANNOTATE = ("text", "json", "html", "md", "csv")


@app.command()
def annotate(
    ctx: typer.Context,
    files: Annotated[list[str], typer.Argument(metavar="FILE...", help="Articles (.txt, .md, .html), folders, or - for stdin.")],
    lang: Annotated[str, typer.Option("--lang", help="auto, en or es.")] = "auto",
    to: Annotated[Optional[str], typer.Option("--to", help="Locale of the suggested translations, e.g. es-MX.")] = None,
    fmt: Annotated[str, typer.Option("--format", help="text, json, html, md or csv.")] = "text",
    output: Annotated[Optional[str], typer.Option("--output", "-o", help="Write here instead of standard output.")] = None,
    strict: Annotated[bool, typer.Option("--strict", help="Exit 1 when any mention is flagged.")] = False,
    encoding: Annotated[Optional[str], typer.Option("--encoding", help="Encoding of the articles (default: UTF-8, Windows-1252 detected).")] = None,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No per-file summary lines on stderr.")] = False,
    jobs: Annotated[int, typer.Option("--jobs", "-j", metavar="N", help="Processes for a batch: faster, more memory (0: one per CPU).")] = 1,
) -> None:
    """Mark every known term in English or Spanish articles, with translations and flags."""
    from . import cache, render
    from .articles import iter_articles, read_article
    from .batch import default_jobs, run_batch

    if fmt not in FORMATS_ANNOTATE:
        fail(UsageError(f"--format must be one of {', '.join(FORMATS_ANNOTATE)}"))
    if jobs < 0:
        fail(UsageError("--jobs must be 0 (one per CPU) or more"))
    if lang not in ("auto", "en", "es"):
        fail(UsageError(f"--lang must be auto, en or es, not {lang!r}"))
    try:
        if to is not None:
            validate_to(to)  # once, before any file is read
        paths = list(iter_articles(files))
        warn_if_no_articles(files, paths)
        with cache.deferred_saves() as queued:
            annot = api.annotator(open_db())
    except TermbankError as e:
        fail(e)
    # A first run after a change writes the matcher's cache files from another process
    # while this one annotates; the command ends once they are written.
    ctx.call_on_close(cache.save_in_background(queued))
    if "-" in paths:
        jobs = 1  # standard input is read here, not by a worker
    elif jobs == 0:
        jobs = default_jobs()
    if jobs > 1 and len(paths) > 1:
        annot.warm()  # loaded once, here, and shared with the workers
    out = open_output(output, inputs=tuple(paths)) if output else None
    colour = fmt == "text" and out is None and sys.stdout.isatty()
    write = (out.write if out else lambda s: typer.echo(s, nl=False))

    def work(path: str) -> tuple:
        """Return (error, exit code, warning, output, summary line, flagged mentions, document for HTML)."""
        try:
            article = read_article(path, encoding)
            doc = api.annotate_article(annot, article, lang=lang, to=to)
        except TermbankError as e:
            return str(e), e.exit_code, None, "", None, 0, None
        if fmt == "json":
            text = json.dumps(doc.as_dict(), ensure_ascii=False) + "\n"
        elif fmt == "text":
            text = render.render_text(doc, colour=colour)
        elif fmt == "md":
            text = render.render_markdown(doc) + "\n"
        elif fmt == "csv":
            text = render.render_csv([doc], header=False)
        else:
            text = ""
        summary = render.summary_line(doc) if not quiet and fmt != "text" else None
        return (None, 0, article.warning, text, summary, sum(1 for m in doc.mentions if m.flags),
                doc if fmt == "html" else None)

    docs, bad, flagged, written = [], 0, 0, 0
    progress = None
    if len(paths) > 3 and sys.stderr.isatty():
        from rich.progress import Progress

        # Started at the first result, once --jobs workers are forked: the bar's refresh
        # thread must not run while they are (a lock it holds would stay held in them).
        progress = Progress(transient=True)
        task = progress.add_task("annotating", total=len(paths))
    # The matcher fills its caches as it goes: nothing cyclic to collect, but each full
    # collection rescans all of it (issue 8: a sixth of the time of a 10 MB batch).
    # Paused for the loop only (and in the workers, which inherit it).
    collecting = gc.isenabled()
    gc.disable()
    finished = False
    try:
        for error, code, warning, text, summary, n_flagged, doc in run_batch(work, paths, jobs=jobs):
            if progress:
                if not progress.live.is_started:
                    progress.start()
                progress.advance(task)
            if error is not None:
                typer.echo(f"termbank: error: {error}", err=True)
                bad = max(bad, code)
                continue
            if warning:
                typer.echo(f"termbank: warning: {warning}", err=True)
            flagged += n_flagged
            if fmt == "csv" and not written:
                write(render.render_csv([]))  # the header
            write(text)
            written += 1
            if doc is not None:
                docs.append(doc)
            if summary:
                typer.echo(summary, err=True)
        if fmt == "html":
            write(render.render_html(docs))
        elif fmt == "csv" and not written:
            write(render.render_csv([]))
        finished = True
    finally:
        if collecting:
            gc.enable()
        if progress:
            progress.stop()
        if out and finished and (written or not bad):
            out.close()
        elif out:
            out.discard()  # interrupted, or no file could be read: the output stays as it was
    if bad:
        raise typer.Exit(bad)
    if strict and flagged:
        raise typer.Exit(1)


# -- check ------------------------------------------------------------------------------
FORMATS_CHECK = ("text", "json", "html")


@app.command()
def check(
    source: Annotated[str, typer.Argument(metavar="SOURCE", help="The original article (.txt, .md, .html).")],
    target: Annotated[str, typer.Argument(metavar="TARGET", help="Its translation.")],
    as_json: Annotated[bool, typer.Option("--json", help="Print the SPEC JSON (same as --format json).")] = False,
    fmt: Annotated[str, typer.Option("--format", help="text, json or html.")] = "text",
    ignore: Annotated[list[str], typer.Option("--ignore", metavar="KIND", help="Do not report this kind of finding (repeatable).")] = [],
    config: Annotated[Optional[str], typer.Option("--config", metavar="FILE", help="Settings file (default: the nearest .termbank.toml, [check] table).")] = None,
    source_lang: Annotated[str, typer.Option("--source-lang", help="auto, en or es.")] = "auto",
    target_lang: Annotated[str, typer.Option("--target-lang", help="auto, en or es.")] = "auto",
    to: Annotated[Optional[str], typer.Option("--to", metavar="LOCALE", help="Target locale, e.g. es-MX or es-ES: suggestions and number style.")] = None,
    output: Annotated[Optional[str], typer.Option("--output", "-o", help="Write the report here instead of standard output.")] = None,
    encoding: Annotated[Optional[str], typer.Option("--encoding", help="Encoding of both files (default: UTF-8, Windows-1252 detected).")] = None,
) -> None:
    """Check a translation against its source: terms, numbers, dates, names (exit 1 on findings).

    Finding kinds: missing-term, deprecated-term, untranslated-term, name-mismatch,
    inconsistent-term, number-mismatch, date-mismatch. A .termbank.toml in this folder or
    a parent may hold [check] ignore = [KIND...], ignore_concepts = [ID...] and to = LOCALE.
    """
    from . import qa

    if as_json:
        fmt = "json"
    if fmt not in FORMATS_CHECK:
        fail(UsageError(f"--format must be one of {', '.join(FORMATS_CHECK)}"))
    try:
        report = api.check_files(open_db(), source, target, source_lang=source_lang, target_lang=target_lang,
                                 to=to, ignore=ignore, config=config, encoding=encoding)
    except TermbankError as e:
        fail(e)
    for warning in report.warnings:
        typer.echo(f"termbank: warning: {warning}", err=True)
    if fmt == "json":
        data = json.dumps(report.as_dict(), ensure_ascii=False, indent=2) + "\n"
    elif fmt == "html":
        data = qa.render_html(report)
    else:
        data = qa.render_text(report, colour=output is None and sys.stdout.isatty())
    if output:
        with open_output(output, inputs=(source, target)) as fh:
            fh.write(data)
    else:
        typer.echo(data, nl=False)
    if report.findings:
        raise typer.Exit(1)


@app.command("copy")
def copy_command(
    to: Annotated[str, typer.Option("--to", metavar="URL", help="The database to copy into (created if needed; must be empty).")],
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Copy the whole termbase (concepts, terms, history, translation memory) into another database."""
    try:
        if not to.strip():
            raise UsageError("--to is empty (expected e.g. sqlite:///backup.db)")
        result = api.copy(open_db(), to)
    except TermbankError as e:
        fail(e)
    if as_json:
        emit_json(result)
        return
    typer.echo(f"copied {result['concepts']} concepts, {result['terms']} terms, {result['history']} history "
               f"entries and {result['tm_units']} translation units\n  from {result['from']}\n  to   {result['to']}")


# Formats of an extract candidate file: the termbase formats import reads back whole.
_EXTRACT_FORMATS = ("csv", "tsv", "tbx", "json")


@app.command()
def extract(
    files: Annotated[list[str], typer.Argument(metavar="FILE...", help="Articles (.txt, .md, .html), folders, or - for stdin.")],
    lang: Annotated[str, typer.Option("--lang", help="auto, en or es.")] = "auto",
    fmt: Annotated[str, typer.Option("--format", help="Format of the candidate file: csv, tsv, tbx or json.")] = "csv",
    output: Annotated[Optional[str], typer.Option("--output", "-o", help="Write the candidates here (default: stdout).")] = None,
    min_count: Annotated[int, typer.Option("--min-count", help="Report a recurring name seen at least this often.")] = 2,
    encoding: Annotated[Optional[str], typer.Option("--encoding", help="Encoding of the articles.")] = None,
) -> None:
    """Propose entries the termbase lacks: defined acronyms, recurring names, rank + name."""
    from .articles import iter_articles, read_article
    from .extract import candidates_as_concepts, extract_candidates
    from .formats import get_format

    try:
        if fmt not in _EXTRACT_FORMATS:
            raise UsageError(f"--format must be one of {', '.join(_EXTRACT_FORMATS)}: a candidate file "
                             "is imported back")
        writer = get_format(fmt)
        paths = list(iter_articles(files))
        warn_if_no_articles(files, paths)
        annot = api.annotator(open_db())
        docs = [api.annotate_article(annot, read_article(p, encoding), lang=lang) for p in paths]
    except TermbankError as e:
        fail(e)
    candidates = extract_candidates(annot, docs, min_count=min_count)
    data = writer.write(candidates_as_concepts(candidates))
    if output:
        with open_output(output, "wb", inputs=tuple(files)) as fh:
            fh.write(data)
    else:
        sys.stdout.buffer.write(data)
        sys.stdout.flush()
    typer.echo(f"{len(candidates)} candidates from {len(docs)} file(s); add the translations, then "
               "`termbank import FILE` (or `--min-languages 1` to import them as they are)", err=True)
    for c in candidates:
        label = f"{c.text} = {c.full_form}" if c.full_form else c.text
        typer.echo(f"  {c.kind:<8} {c.count:>3}×  {label}    «{c.context}»", err=True)


# -- import / export ----------------------------------------------------------------------
@app.command("import")
def import_(
    file: Annotated[str, typer.Argument(metavar="FILE", help="TBX, TMX, CSV/TSV, DeepL/Google glossary or termbank JSON.")],
    fmt: Annotated[str, typer.Option("--format", help="auto, tbx, tmx, json, csv, tsv, pairs, deepl or google.")] = "auto",
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Report what would change; write nothing.")] = False,
    inline: Annotated[Optional[str], typer.Option("--inline", help="TMX inline codes: strip (default) or keep.")] = None,
    source_lang: Annotated[Optional[str], typer.Option("--source-lang", help="Source language of a two-column glossary or TMX filter.")] = None,
    target_lang: Annotated[Optional[str], typer.Option("--target-lang", help="Target language of a two-column glossary or TMX filter.")] = None,
    encoding: Annotated[Optional[str], typer.Option("--encoding", help="Encoding of a CSV/TSV file (default UTF-8).")] = None,
    min_languages: Annotated[int, typer.Option("--min-languages", help="Refuse concepts with terms in fewer languages (1 accepts monolingual candidates from `extract`).")] = 2,
    merge_by_term: Annotated[bool, typer.Option("--merge-by-term", help="Merge a new concept whose terms name exactly one stored concept into it (for glossaries without ids).")] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print the report as JSON.")] = False,
) -> None:
    """Import terms or translation units; all or nothing, merging by concept id."""
    if inline not in (None, "strip", "keep"):
        fail(UsageError("--inline must be strip or keep"))
    import tempfile

    with tempfile.TemporaryDirectory(prefix="termbank-") as scratch:
        try:
            store = api.open_for_dry_run(state.db, scratch) if dry_run else open_db(create=True)
            try:
                report = api.import_file(store, file, format=fmt, dry_run=dry_run, author=state.author,
                                         inline=inline, source_lang=source_lang, target_lang=target_lang,
                                         encoding=encoding, min_languages=min_languages,
                                         merge_by_term=merge_by_term)
            finally:
                store.dispose()
        except TermbankError as e:
            fail(e)
    if as_json:
        emit_json(report)
        return
    head = "would import" if dry_run else "imported"
    typer.echo(f"{head} {report['file']} ({report['format']})")
    if report["concepts"] is not None:
        c = report["concepts"]
        from .formats.base import count

        merged = f", {count(c['merged'], 'stored concept')} given new terms" if merge_by_term else ""
        typer.echo(f"  concepts: {c['added']} added, {c['updated']} updated, {c['unchanged']} unchanged{merged}")
    if report["units"] is not None:
        u = report["units"]
        typer.echo(f"  translation units: {u['added']} added, {u['merged']} duplicates merged")
    if report["skipped"] or report["merged_in_file"]:
        what = "entries" if report["units"] is not None else "rows"
        typer.echo(f"  in the file: {report['skipped']} {what} skipped, {report['merged_in_file']} merged")
    for line in report["report"]:
        typer.echo(f"  - {line}")


@app.command()
def export(
    fmt: Annotated[str, typer.Option("--format", help="tbx, csv, tsv, deepl, google, tmx, md, html, json or pairs.")] = "tbx",
    category: Annotated[Optional[str], typer.Option("--category", help=f"Only this category: {', '.join(CATEGORIES)}.")] = None,
    output: Annotated[Optional[str], typer.Option("--output", "-o", help="Write here (default: standard output).")] = None,
    source_lang: Annotated[Optional[str], typer.Option("--source-lang", help="Source language of a DeepL/Google/pairs glossary.")] = None,
    target_lang: Annotated[Optional[str], typer.Option("--target-lang", help="Target language of a DeepL/Google/pairs glossary.")] = None,
    lang: Annotated[Optional[str], typer.Option("--lang", help="Language to sort a printable glossary by (md, html).")] = None,
    inline: Annotated[Optional[str], typer.Option("--inline", help="TMX: unit texts are plain text (strip, the default) or TMX inline markup, as imported with --inline keep.")] = None,
) -> None:
    """Export the termbase (TBX-Basic v3, CSV, DeepL, Google, glossaries) or the memory (TMX)."""
    import shutil
    import tempfile

    if inline not in (None, "strip", "keep"):
        fail(UsageError("--inline must be strip or keep"))
    if inline is not None and fmt != "tmx":
        fail(UsageError("--inline applies to --format tmx only"))

    # Written to a temporary file first, as it is made (a large memory never sits in
    # memory whole), then copied: a failure half way leaves the output as it was.
    with tempfile.TemporaryFile() as spool:
        try:
            api.export_to(open_db(), spool, format=fmt, category=category, source_lang=source_lang,
                          target_lang=target_lang, lang=lang, inline=inline)
        except TermbankError as e:
            fail(e)
        except OSError as exc:
            fail(UsageError(f"cannot write a temporary file: {exc.strerror}"))
        spool.seek(0)
        if output:
            with open_output(output, "wb") as fh:  # its write errors are one line, exit 2
                shutil.copyfileobj(spool, fh, 1 << 20)
        else:
            shutil.copyfileobj(spool, sys.stdout.buffer, 1 << 20)
            sys.stdout.flush()


# -- translation memory ----------------------------------------------------------------------
tm_app = typer.Typer(
    help="Translation memory: store sentence pairs, search them, align article pairs, pretranslate.",
    no_args_is_help=True,
    rich_markup_mode=None,
)
app.add_typer(tm_app, name="tm")

DIFF_LEGEND = "[-only in your text-] {+only in the memory+}"


def _marked(text: str, spans, colour: bool) -> str:
    """Return ``text`` with the spans in bold yellow on a terminal, else in brackets."""
    out, last = [], 0
    for start, end in spans:
        piece = text[start:end]
        out.append(text[last:start])
        out.append(typer.style(piece, fg="yellow", bold=True) if colour else f"[{piece}]")
        last = end
    out.append(text[last:])
    return "".join(out)


def _render_match(n: int, m: dict) -> list[str]:
    lines = [f"{n}. {m['score']:g}  unit {m['id']}  {m['source_lang']} -> {m['target_lang']}"]
    lines.append(f"   source: {m['source']}")
    if m["score"] < 100:
        lines.append(f"   differs: {m['diff']}")
    lines.append(f"   target: {m['target']}")
    return lines


@tm_app.command("add")
def tm_add(
    source: Annotated[str, typer.Argument(metavar="SOURCE_TEXT", help="The sentence in the source language.")],
    target: Annotated[str, typer.Argument(metavar="TARGET_TEXT", help="Its translation.")],
    from_lang: Annotated[Optional[str], typer.Option("--from", help="Language of the source: en or es (default: detected).")] = None,
    to: Annotated[Optional[str], typer.Option("--to", metavar="LOCALE", help="Locale of the target, e.g. es-MX (default: en or es).")] = None,
    origin: Annotated[Optional[str], typer.Option("--origin", help="Where the pair comes from (document, project).")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the unit as JSON.")] = False,
) -> None:
    """Store a sentence and its translation (an identical pair is merged, not repeated)."""
    try:
        unit = api.tm_add(open_db(create=True), source, target, from_lang=from_lang, to=to, origin=origin,
                          author=state.author)
    except TermbankError as e:
        fail(e)
    if as_json:
        emit_json(unit)
    elif unit["status"] == "added":
        typer.echo(f"added unit {unit['id']} ({unit['source_lang']} -> {unit['target_lang']})")
    else:
        typer.echo(f"already in the memory as unit {unit['id']} (merged)")


@tm_app.command("search")
def tm_search(
    text: Annotated[str, typer.Argument(metavar="TEXT", help="The sentence to translate.")],
    from_lang: Annotated[Optional[str], typer.Option("--from", help="Language of TEXT: en or es (default: detected).")] = None,
    min_score: Annotated[float, typer.Option("--min-score", help="Leave out matches scoring less (0-100).")] = 70,
    limit: Annotated[int, typer.Option("--limit", help="At most this many matches.")] = 5,
    as_json: Annotated[bool, typer.Option("--json", help="Print the SPEC JSON array.")] = False,
) -> None:
    """Find earlier translations of similar sentences, with a 0-100 score and what differs."""
    try:
        matches = api.tm_search(open_db(), text, from_lang=from_lang, min_score=min_score, limit=limit)
    except TermbankError as e:
        fail(e)
    if as_json:
        emit_json(matches)
        return
    if not matches:
        typer.echo(f"no match scoring {min_score:g} or more")
        return
    if any(m["score"] < 100 for m in matches):
        typer.echo(f"differences: {DIFF_LEGEND}")
    for n, m in enumerate(matches, 1):
        typer.echo("\n".join(_render_match(n, m)))


@tm_app.command("concordance")
def tm_concordance(
    phrase: Annotated[str, typer.Argument(metavar="PHRASE", help="A word or phrase; case and accents are ignored.")],
    from_lang: Annotated[Optional[str], typer.Option("--from", help="Search only the en or es side (default: both).")] = None,
    limit: Annotated[int, typer.Option("--limit", help="At most this many units.")] = 20,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Show the units containing a word or phrase, in either language, with the phrase marked."""
    try:
        hits = api.tm_concordance(open_db(), phrase, from_lang=from_lang, limit=limit)
    except TermbankError as e:
        fail(e)
    if as_json:
        emit_json(hits)
        return
    if not hits:
        typer.echo(f"no unit contains {phrase!r}")
        return
    colour = sys.stdout.isatty()
    for h in hits:
        typer.echo(f"unit {h['id']}  {h['source_lang']} -> {h['target_lang']}")
        typer.echo(f"   {_marked(h['source'], h['spans'], colour)}")
        typer.echo(f"   {h['target']}")


@tm_app.command("align")
def tm_align(
    en_file: Annotated[str, typer.Argument(metavar="EN_FILE", help="The English article (.txt, .md, .html).")],
    es_file: Annotated[str, typer.Argument(metavar="ES_FILE", help="Its Spanish translation.")],
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Show the pairs with their confidence; store nothing.")] = False,
    store_all: Annotated[bool, typer.Option("--all", help="Store every pair with both sides, however unsure.")] = False,
    min_confidence: Annotated[float, typer.Option("--min-confidence", help="Store pairs at least this sure (0-1).")] = 0.8,
    encoding: Annotated[Optional[str], typer.Option("--encoding", help="Encoding of both files (default: UTF-8, Windows-1252 detected).")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the SPEC JSON array of beads.")] = False,
) -> None:
    """Split an article and its translation into sentences, align them and store the sure pairs."""
    try:
        result = api.tm_align(open_db(create=not dry_run), en_file, es_file, dry_run=dry_run, store_all=store_all,
                              min_confidence=min_confidence, encoding=encoding, author=state.author)
    except TermbankError as e:
        fail(e)
    for warning in result["warnings"]:
        typer.echo(f"termbank: warning: {warning}", err=True)
    beads = result["beads"]
    if as_json:
        emit_json(beads)
        return
    for n, b in enumerate(beads, 1):
        mark = "stored" if b["stored"] else ("would store" if b["selected"] else "not stored")
        typer.echo(f"{n:>3}. {b['kind']}  {b['confidence']:.2f}  {mark}")
        for s in b["en"]:
            typer.echo(f"     en: {s}")
        for s in b["es"]:
            typer.echo(f"     es: {s}")
    kinds: dict[str, int] = {}
    for b in beads:
        kinds[b["kind"]] = kinds.get(b["kind"], 0) + 1
    typer.echo(f"{result['en_sentences']} English and {result['es_sentences']} Spanish sentences in {len(beads)} pairs ("
               + ", ".join(f"{v} {k}" for k, v in sorted(kinds.items(), key=lambda kv: -kv[1])) + ")")
    if dry_run:
        typer.echo(f"dry run: {result['selected']} pairs would be stored")
    else:
        typer.echo(f"stored {result['selected']} pairs: {result['added']} added, {result['merged']} already in the memory")


@tm_app.command("pretranslate")
def tm_pretranslate(
    file: Annotated[str, typer.Argument(metavar="FILE", help="The article to translate (.txt, .md, .html, - for stdin).")],
    lang: Annotated[str, typer.Option("--lang", help="auto, en or es.")] = "auto",
    to: Annotated[Optional[str], typer.Option("--to", metavar="LOCALE", help="Locale of the term suggestions, e.g. es-MX.")] = None,
    min_score: Annotated[float, typer.Option("--min-score", help="Show memory matches scoring at least this (0-100).")] = 70,
    encoding: Annotated[Optional[str], typer.Option("--encoding", help="Encoding of the file.")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """List, sentence by sentence, the best memory match with its score and the term suggestions."""
    try:
        result = api.tm_pretranslate(open_db(), file, lang=lang, to=to, min_score=min_score, encoding=encoding)
    except TermbankError as e:
        fail(e)
    if result["warning"]:
        typer.echo(f"termbank: warning: {result['warning']}", err=True)
    if as_json:
        emit_json(result)
        return
    for n, s in enumerate(result["sentences"], 1):
        typer.echo(f"{n:>3}. {s['text']}")
        m = s["match"]
        if m is None:
            typer.echo("     memory: no match")
        else:
            typer.echo(f"     memory {m['score']:g} (unit {m['id']}): {m['target']}")
            if m["score"] < 100:
                typer.echo(f"        differs: {m['diff']}")
        for t in s["terms"]:
            flags = f"  [{', '.join(t['flags'])}]" if t["flags"] else ""
            typer.echo(f"     term: {t['text']} -> {t['suggestion'] or '(no translation)'}{flags}")
    sm = result["summary"]
    typer.echo(f"{sm['sentences']} sentences: {sm['exact']} exact, {sm['fuzzy']} fuzzy, {sm['no_match']} without a "
               f"match; {sm['terms']} term suggestions")


@tm_app.command("remove")
def tm_remove(unit_id: Annotated[str, typer.Argument(metavar="ID", help="Unit id, as search shows it.")]) -> None:
    """Remove a translation unit."""
    try:
        unit = api.tm_remove(open_db(), unit_id)
    except TermbankError as e:
        fail(e)
    typer.echo(f"removed unit {unit['id']}: {unit['source']}")


@tm_app.command("stats")
def tm_stats(as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False) -> None:
    """Count translation units per language pair and bring the search indexes up to date."""
    try:
        result = api.tm_stats(open_db())
    except TermbankError as e:
        fail(e)
    if as_json:
        emit_json(result)
        return
    typer.echo(f"translation units: {result['units']}")
    for pair, n in result["language_pairs"].items():
        typer.echo(f"  {pair.replace('>', ' -> ')}: {n}")
    for lang, side in result["sides"].items():
        typer.echo(f"index {lang}: {side['texts']} texts ({side['index']})")


def main() -> None:
    """Console-script entry point.

    Click's own errors (an unknown option, a value of the wrong type) are printed as one
    line too, as SPEC asks of every error, with a pointer to the command's help.
    """
    for arg in sys.argv[1:]:
        # Bytes that are not UTF-8 reach Python as lone surrogates: fine in a file name,
        # but text (a term, a query) could not be stored or printed.
        if any("\ud800" <= ch <= "\udfff" for ch in arg) and not os.path.lexists(arg):
            shown = arg.encode("utf-8", "surrogateescape").decode("utf-8", "replace")
            typer.echo(f"termbank: error: argument {shown!r} is not UTF-8 text", err=True)
            sys.exit(UsageError.exit_code)
    try:
        code = app(standalone_mode=False)
    except typer.TyperException as e:  # click's errors: usage, bad parameter, file
        if type(e).__name__ == "NoArgsIsHelpError":  # `termbank`, `termbank tm`: the help, as click shows it
            e.show()
            sys.exit(e.exit_code)
        where = e.ctx.command_path if getattr(e, "ctx", None) is not None else "termbank"
        text = e.format_message() if hasattr(e, "format_message") else str(e)
        message = " ".join(text.split())
        typer.echo(f"termbank: error: {message} (see `{where} --help`)", err=True)
        sys.exit(getattr(e, "exit_code", 2))
    except typer.Abort:  # Ctrl-C, or end of input at a prompt
        typer.echo("termbank: interrupted", err=True)
        sys.exit(130)
    except TermbankError as e:  # raised outside a command body (e.g. while parsing)
        typer.echo(f"termbank: error: {e}", err=True)
        sys.exit(e.exit_code)
    sys.exit(code if isinstance(code, int) else 0)
