"""The translation memory's search indexes, kept on disk and brought up to date on use.

There is one :class:`~termbank.tm.TMIndex` per language side, ``en`` and ``es``: each
holds every unit's text in that language, whether it is the unit's source or its
target, keyed by the unit id. A search in English reads the ``en`` index only, so the
memory is searched in both directions without scanning a single unit (issue 5, "Scale").

An index file lives in the cache folder (:func:`termbank.cache.cache_dir`) and records,
in its meta data, the database it was built from (a hash of the URL), the store's TM
revision and lineage marks, the largest unit id it holds and the count and sum of the
unit ids up to there. When the revision has moved, the lineage mark (which changes on
any change but units added: a unit removed, a database copied or made again under
the same name) and those figures tell "units were only added" (the usual case: ``tm
add``, ``tm align``, ``import``), where the new units are indexed and the file saved
again, from any other change, where the index is rebuilt.
"""

from __future__ import annotations

import hashlib
import os
import re
import tempfile
from collections.abc import Iterable
from pathlib import Path

from . import __version__, cache
from .errors import FormatError
from .langs import base_language
from .segment import Span, segment
from .store import repo
from .tm import TMIndex

__all__ = ["SIDES", "index_path", "open_index", "sentences", "pairs_in"]

SIDES = ("en", "es")
# Saving rewrites the whole file (some 300 bytes per unit). Below this many units that
# is cheap and is done after every update; a larger index is saved again only once the
# units added since its file was written reach SAVE_BACKLOG of it: until then each
# command indexes those few units in memory after loading the file.
SAVE_ALWAYS_BELOW = 200_000
SAVE_BACKLOG = 0.01
# Written into the meta data; an index of another layout or termbank version is rebuilt.
INDEX_LAYOUT = 3


def _url_hash(url: str) -> str:
    return hashlib.sha256(url.encode("utf-8")).hexdigest()[:16]


def index_path(url: str, lang: str) -> Path:
    """Return the file of the ``lang`` side index of the database at ``url``."""
    return cache.cache_dir() / f"tm-{_url_hash(url)}-{lang}.idx"


def _side_text(lang: str, row: tuple) -> str | None:
    """Return the text of a ``(id, source_lang, source, target_lang, target)`` row in ``lang``."""
    _, source_lang, source, target_lang, target = row
    if base_language(source_lang) == lang:
        return source
    if base_language(target_lang) == lang:
        return target
    return None


def _extend(index: TMIndex, rows: Iterable[tuple], lang: str) -> None:
    """Index the rows' texts in ``lang`` and advance the meta figures past them.

    Units imported with their inline codes kept are indexed by their words.
    """
    from .formats.tmx import plain_text

    meta = index.meta
    for row in rows:
        text = _side_text(lang, row)
        if text is not None:
            index.add(row[0], plain_text(text))
        meta["units"] += 1
        meta["id_sum"] += row[0]
        meta["last_id"] = max(meta["last_id"], row[0])


def _build(session, url: str, lang: str, marks: tuple[int, int]) -> TMIndex:
    index = TMIndex()
    index.meta = {"layout": INDEX_LAYOUT, "version": __version__, "url_hash": _url_hash(url), "lang": lang,
                  "tm_revision": marks[0], "tm_lineage": marks[1], "last_id": 0, "units": 0, "id_sum": 0}
    _extend(index, repo.units_after(session, 0), lang)
    return index


def _load(path: Path, url: str, lang: str) -> TMIndex | None:
    try:
        index = TMIndex.load(path)
    except (OSError, FormatError):
        return None
    meta = index.meta
    wanted = {"layout": INDEX_LAYOUT, "version": __version__, "url_hash": _url_hash(url), "lang": lang}
    if any(meta.get(k) != v for k, v in wanted.items()):
        return None
    if not all(isinstance(meta.get(k), int) for k in ("tm_revision", "tm_lineage", "last_id", "units", "id_sum")):
        return None
    return index


def _save(index: TMIndex, path: Path) -> None:
    """Write the index next to ``path`` under a unique name, then move it into place.

    Two commands refreshing the same index at once each write their own file; the last
    move wins and a reader always sees a whole file. The cache only saves time, so a
    folder that cannot be written is ignored.
    """
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=path.name, suffix=".new")
        os.close(fd)
        try:
            index.save(tmp)
            os.replace(tmp, path)
        finally:
            if os.path.exists(tmp):
                os.unlink(tmp)
    except OSError:
        pass


def open_index(store, lang: str) -> tuple[TMIndex, str]:
    """Return the search index of the memory's ``lang`` side and how it was obtained.

    The second value is ``"loaded"`` (the saved index was current), ``"updated"`` (units
    had been added since; only those were indexed) or ``"built"`` (no usable saved
    index, or units were removed). ``TERMBANK_NO_CACHE`` builds it every time.
    """
    if lang not in SIDES:
        raise ValueError(f"no index for language {lang!r}")
    url = store.url
    use_cache = not os.environ.get("TERMBANK_NO_CACHE")
    path = index_path(url, lang)
    with store.read() as session:
        # The marks are read first: a unit committed while the index is read makes the
        # saved revision look old, never new, so the next command checks again.
        revision, lineage = marks = repo.tm_marks(session)
        index = _load(path, url, lang) if use_cache else None
        if index is not None and index.meta["tm_lineage"] == lineage:
            meta = index.meta
            if meta["tm_revision"] == revision:
                return index, "loaded"
            count, _, id_sum = repo.unit_stats(session, up_to=meta["last_id"])
            if (count, id_sum) == (meta["units"], meta["id_sum"]):
                saved = meta["units"]
                meta["tm_revision"] = revision
                _extend(index, repo.units_after(session, meta["last_id"]), lang)
                if use_cache and (saved < SAVE_ALWAYS_BELOW or meta["units"] - saved >= SAVE_BACKLOG * saved):
                    _save(index, path)
                return index, "updated"
        index = _build(session, url, lang, marks)
    if use_cache:
        _save(index, path)
    return index, "built"


# -- sentences of articles ----------------------------------------------------------------
_SPACES = re.compile(r"\s+")


def sentences(text: str, lang: str, abbreviations: Iterable[str] = (), *, html: bool = False) -> list[Span]:
    """Return the sentences of an article; for HTML, tags are skipped and white space is collapsed.

    Offsets always refer to ``text``.

    >>> [s.text for s in sentences("<p>Gen. Guillot spoke.</p><p>He left.</p>", "en", html=True)]
    ['Gen. Guillot spoke.', 'He left.']
    """
    if not html:
        return segment(text, lang, abbreviations)
    from .articles import SOFT_HYPHEN, mask_html

    # Block-level tags end a paragraph.
    masked = re.sub(r"</?(?:p|div|h[1-6]|li|br|tr|td|th|blockquote|section|article)\b[^>]*>",
                    lambda m: "\n\n" + " " * (len(m.group()) - 2), text, flags=re.IGNORECASE)
    masked = mask_html(masked)
    # The soft hyphens that pad decoded character references (mask_html) are not text.
    return [Span(s.start, s.end, _SPACES.sub(" ", s.text.replace(SOFT_HYPHEN, "")))
            for s in segment(masked, lang, abbreviations)]


def pairs_in(pairs: Iterable[tuple[str, str]], en_text: str, es_text: str) -> set[tuple[str, str]]:
    """Return the term pairs whose English term occurs in ``en_text`` and Spanish term in ``es_text``.

    The aligner compares every pair with every sentence; a termbase holds many pairs that
    two given articles never use.

    >>> sorted(pairs_in({("Navy", "Armada"), ("Army", "Ejército")}, "The Navy sailed.", "La Armada zarpó."))
    [('Navy', 'Armada')]
    """
    from .align import term_key

    en_keys = f" {term_key(en_text)} "
    es_keys = f" {term_key(es_text)} "
    out = set()
    for en, es in pairs:
        ek, sk = term_key(en), term_key(es)
        if ek and sk and f" {ek} " in en_keys and f" {sk} " in es_keys:
            out.add((en, es))
    return out
