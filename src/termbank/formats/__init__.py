"""File formats: a registry of readers and writers between bytes and termbank model objects.

>>> sorted(FORMATS)
['csv', 'deepl', 'google', 'html', 'json', 'md', 'pairs', 'tbx', 'tmx', 'tsv']
>>> get_format("TBX").kind, get_format("tmx").kind
('terms', 'tm')

Readers never write anywhere and raise :class:`~termbank.errors.FormatError` (file and
line) for anything they cannot read; the caller stores the result all or nothing.
"""

from __future__ import annotations

from pathlib import Path

from ..errors import FormatError, UsageError
from .base import HEAD_SIZE, Format, ReadResult, Streamed, bom_encoding, file_bytes
from .delimited import DeeplTsv, GoogleCsv, PairsCsv, TermbankCsv, TermbankTsv
from .markup import HtmlFormat, JsonFormat, MarkdownFormat
from .tbx import TbxFormat
from .tmx import TmxFormat

__all__ = [
    "FORMATS",
    "Format",
    "ReadResult",
    "Streamed",
    "get_format",
    "detect_format",
    "file_bytes",
    "open_source",
    "read_bytes",
    "read_file",
    "reader_for",
    "readable_formats",
    "writable_formats",
]

# Detection order matters when several sniffers accept a file: the most specific
# layouts come first (a termbank CSV header also looks like a two-column CSV).
_ORDER = (TbxFormat, TmxFormat, JsonFormat, PairsCsv, TermbankCsv, TermbankTsv, GoogleCsv, DeeplTsv,
          MarkdownFormat, HtmlFormat)

# When the content matches nothing, the extension picks the reader that will explain best
# what is wrong: termbank's own layouts for .csv/.tsv.
_FALLBACK = (TbxFormat, TmxFormat, JsonFormat, TermbankCsv, TermbankTsv)

#: Every format by name, built from the classes' own ``name`` attributes.
FORMATS: dict[str, type[Format]] = {cls.name: cls for cls in _ORDER}


def get_format(name: str) -> Format:
    """Return the format called ``name`` (case-insensitive); raise UsageError if unknown."""
    cls = FORMATS.get(name.strip().lower())
    if cls is None:
        raise UsageError(f"unknown format {name!r}; use one of {', '.join(sorted(FORMATS))}")
    return cls()


def readable_formats() -> list[str]:
    """Return the names of the formats that can be imported."""
    return [cls.name for cls in _ORDER if cls.can_read()]


def writable_formats() -> list[str]:
    """Return the names of the formats that can be exported."""
    return [cls.name for cls in _ORDER if cls.can_write()]


def detect_format(data: bytes, filename: str = "") -> Format:
    """Return the readable format of ``data``: by content first, the file extension as a hint.

    When several formats accept the content, the one whose extension matches wins,
    else the most specific. When none does, a format known by the extension is
    returned so that its reader explains what is wrong; otherwise FormatError.
    """
    head = data[:HEAD_SIZE]
    ext = Path(filename).suffix.lower() if filename else ""
    readers = [cls() for cls in _ORDER if cls.can_read()]
    matches = [f for f in readers if f.sniff(head)]
    if matches:
        for f in matches:
            if ext and ext in f.extensions:
                return f
        return matches[0]
    for cls in _FALLBACK:
        if ext and ext in cls.extensions:
            return cls()
    if not data.strip():
        raise FormatError("empty file", filename or None, 1)
    nul = data.find(b"\x00")
    if nul >= 0 and bom_encoding(data)[0] is None:
        raise FormatError("binary data (NUL byte), or UTF-16 without a byte-order mark",
                          filename or None, data.count(b"\n", 0, nul) + 1)
    raise FormatError("cannot tell the format of this file (not TBX, TMX, CSV/TSV or termbank JSON); "
                      "name it with --format", filename or None, 1)


def reader_for(data: bytes, filename: str = "<input>", format: str = "auto") -> Format:
    """Return the reader of ``format``, or of the format detected in ``data``; UsageError if export-only."""
    fmt = detect_format(data, filename) if format == "auto" else get_format(format)
    if not fmt.can_read():
        raise UsageError(f"format {fmt.name!r} can only be exported")
    return fmt


def read_bytes(data: bytes, filename: str = "<input>", format: str = "auto", **options) -> ReadResult:
    """Return what the reader of ``format`` (or the detected one) finds in ``data``."""
    fmt = reader_for(data, filename, format)
    result = fmt.read(data, filename, **options)
    result.format = result.format or fmt.name
    return result


def open_source(path: str | Path, format: str = "auto") -> tuple[Format, bytes | Path]:
    """Return the reader of the file at ``path`` and what to give it: the path or the bytes.

    The format is told from the file's head. A reader that parses files as it reads them
    (:attr:`Format.reads_paths`, XML) gets the path of a regular file, so that its bytes
    are never all in memory (issue 8); any other reader, or any other file (a pipe such
    as ``<(gunzip -c memory.tmx.gz)``, which can be read only once), gets the bytes.
    """
    fmt = None
    try:
        regular = Path(path).is_file()
    except OSError:  # a folder on the way that may not be read: reading says why
        regular = False
    if regular:
        try:
            fmt = reader_for(file_bytes(path, HEAD_SIZE), str(path), format)
        except FormatError:
            pass  # the whole file explains better what is wrong
    if fmt is not None and fmt.reads_paths:
        return fmt, Path(path)
    data = file_bytes(path)
    return reader_for(data, str(path), format), data


def read_file(path: str | Path, format: str = "auto", **options) -> ReadResult:
    """Return what is in the file at ``path`` (see :func:`read_bytes`); nothing is written."""
    fmt, source = open_source(path, format)
    result = fmt.read(source, str(path), **options)
    result.format = result.format or fmt.name
    return result
