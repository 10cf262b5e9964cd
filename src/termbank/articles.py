"""Reading articles: files, folders and standard input, decoded with care.

Offsets in annotations are Python string offsets into the decoded text, so decoding is
part of the contract: UTF-8 (a BOM is dropped), UTF-16 with a BOM, or the encoding the
user names. Windows-1252 (Latin-1) articles from older word processors are recognized
and decoded with a warning rather than refused. Bytes that are not text are refused with
the byte offset and line, never silently replaced.
"""

from __future__ import annotations

import codecs
import html
import re
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from .errors import FormatError, UsageError
from .normalize import decode_named

__all__ = ["Article", "decode_text", "read_article", "iter_articles", "mask_html", "ARTICLE_SUFFIXES"]

ARTICLE_SUFFIXES = (".txt", ".md", ".markdown", ".html", ".htm")
# Skipped in HTML: scripts and styles, comments (one left open runs to the end, as
# browsers read it) and tags, whose quoted attribute values may hold ">".
_HTML_SKIP = re.compile(r"<(script|style)\b.*?</\1\s*>|<!--.*?(?:-->|\Z)|<[A-Za-z/!?](?:[^>\"']|\"[^\"]*\"|'[^']*')*>",
                        re.IGNORECASE | re.DOTALL)
# Letters of Spanish and English text in the 0x80-0xFF range of Windows-1252.
_CP1252_LETTERS = set("áéíóúüñÁÉÍÓÚÜÑàèìòùçÇ¿¡ºª«»–—‘’“”…€")


@dataclass(frozen=True)
class Article:
    """A decoded article: its name for reports, the text, and any warning about decoding."""

    name: str
    text: str
    warning: str | None = None
    is_html: bool = False


def _line_of(data: bytes, offset: int) -> int:
    return data.count(b"\n", 0, offset) + 1


def decode_text(data: bytes, name: str, encoding: str | None = None) -> tuple[str, str | None]:
    """Return ``(text, warning)`` for the bytes of an article; raise FormatError if not text.

    >>> decode_text("Gral. Cortés".encode("utf-8-sig"), "a.txt")
    ('Gral. Cortés', None)
    >>> decode_text("Gral. Cortés".encode("cp1252"), "a.txt")[1]
    'a.txt: not UTF-8; read as Windows-1252 (use --encoding to choose)'
    """
    if encoding:
        try:
            codecs.lookup(encoding)
        except LookupError:
            raise UsageError(f"unknown encoding {encoding!r}") from None
        try:
            text = decode_named(data, encoding)
        except UnicodeDecodeError as exc:
            raise FormatError(f"not valid {encoding} at byte {exc.start}", name, _line_of(data, exc.start)) from None
        except LookupError:  # a codec that is not a text encoding: rot13, base64, zip
            raise UsageError(f"{encoding!r} is not a text encoding") from None
        return text.removeprefix("\ufeff"), None
    if data.startswith(codecs.BOM_UTF8):
        data = data[3:]
    elif data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        try:
            return data.decode("utf-16"), None
        except UnicodeDecodeError as exc:
            raise FormatError(f"not valid UTF-16 at byte {exc.start}", name) from None
    nul = data.find(b"\x00")
    if nul >= 0:
        raise FormatError(f"binary data (NUL byte at byte {nul}); not a text article", name, _line_of(data, nul))
    try:
        return data.decode("utf-8"), None
    except UnicodeDecodeError as exc:
        first_bad = exc.start
    # Windows-1252 when every non-ASCII byte decodes to a letter or punctuation of
    # Spanish/English text; otherwise refuse rather than guess.
    try:
        text = data.decode("cp1252")
    except UnicodeDecodeError:
        text = None
    if text is not None and all(ch in _CP1252_LETTERS for ch in text if ord(ch) > 127):
        return text, f"{name}: not UTF-8; read as Windows-1252 (use --encoding to choose)"
    raise FormatError(
        f"not valid UTF-8 at byte {first_bad} (use --encoding, e.g. --encoding cp1252)",
        name, _line_of(data, first_bad),
    )


def mask_html(text: str) -> str:
    """Return HTML with tags, comments, scripts and styles blanked out, keeping every offset.

    Character references are decoded in place: the character, then soft hyphens (which
    folding and spelling ignore) up to the reference's length, so ``Secretar&iacute;a``
    is read as *Secretaría* and offsets still point into the HTML. An unknown entity
    stays as it is.

    >>> mask_html("<p>El <b>Gral.</b> Cortés</p>")
    '   El    Gral.     Cortés    '
    >>> mask_html("M&eacute;xico &amp; EE.&nbsp;UU.") == "Mé" + SOFT_HYPHEN * 7 + "xico &" + SOFT_HYPHEN * 4 + " EE.\xa0" + SOFT_HYPHEN * 5 + "UU."
    True
    """
    masked = _HTML_SKIP.sub(lambda m: re.sub(r"[^\n]", " ", m.group()), text)
    return _ENTITY.sub(_decoded_entity, masked) if "&" in masked else masked


SOFT_HYPHEN = "\u00ad"
_ENTITY = re.compile(r"&(?:#[0-9]{1,7}|#[xX][0-9a-fA-F]{1,6}|[A-Za-z][A-Za-z0-9]{1,31});")


def _decoded_entity(m: re.Match) -> str:
    raw = m.group()
    text = html.unescape(raw)
    if text == raw or len(text) > len(raw) or "\n" in text:
        return raw
    return text + SOFT_HYPHEN * (len(raw) - len(text))


# The largest article read (a 10 MB batch is hundreds of files): past it, a clear error
# instead of running out of memory on ``annotate /dev/zero``.
ARTICLE_LIMIT = 256 << 20


def read_article(path: str, encoding: str | None = None) -> Article:
    """Return the article at ``path`` (``-`` is standard input)."""
    if path == "-":
        data = sys.stdin.buffer.read(ARTICLE_LIMIT + 1)
        name = "-"
    else:
        try:
            with open(path, "rb") as f:
                data = f.read(ARTICLE_LIMIT + 1)
        except IsADirectoryError:
            raise FormatError("is a directory", path) from None
        except OSError as exc:
            raise FormatError(exc.strerror or "cannot read", path) from None
        name = path
    if len(data) > ARTICLE_LIMIT:
        raise FormatError(f"more than {ARTICLE_LIMIT >> 20} MB: not an article (split it)", name)
    text, warning = decode_text(data, name, encoding)
    is_html = name.lower().endswith((".html", ".htm")) or bool(re.match(r"\s*(<!doctype html|<html)", text[:200], re.I))
    return Article(name, text, warning, is_html)


def iter_articles(paths: list[str]) -> Iterator[str]:
    """Yield the article paths named: files as given, folders searched recursively, ``-`` as is.

    In a folder, hidden files and folders (".git", a Mac's "._article.txt") are left out.
    """
    for raw in paths:
        if raw == "-":
            yield raw
            continue
        p = Path(raw)
        try:
            if p.is_dir():
                found = sorted(q for q in p.rglob("*") if q.is_file() and q.suffix.lower() in ARTICLE_SUFFIXES
                               and not any(part.startswith(".") for part in q.relative_to(p).parts))
            elif p.exists():
                found = None
            else:
                raise FormatError("no such file or directory", raw)
        except OSError as exc:  # a folder on the way that may not be read
            raise FormatError(f"cannot read: {exc.strerror}", raw) from None
        if found is None:
            yield raw
        else:
            yield from (str(q) for q in found)
