"""Format protocol: :class:`ReadResult` and the :class:`Format` base class, plus shared helpers.

Every format module (``tbx``, ``tmx``, ``delimited``, ``markup``) subclasses :class:`Format`
and declares ``name``, ``extensions`` and ``kind``. Readers are pure: bytes in,
:class:`ReadResult` out, nothing written anywhere. Every problem with the input is a
:class:`~termbank.errors.FormatError` naming the file and, where known, the line.
"""

from __future__ import annotations

import codecs
import io
import re
import unicodedata
from collections import Counter
from collections.abc import Generator, Iterable, Iterator
from contextlib import ExitStack
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import BinaryIO, ClassVar

from babel import Locale
from lxml import etree

from ..errors import FormatError
from ..langs import normalize_tag
from ..normalize import XML_INVALID, decode_named
from ..model import Concept, Term, TMUnit

__all__ = [
    "ReadResult",
    "Format",
    "Streamed",
    "LanguageTags",
    "HEAD_SIZE",
    "bom_encoding",
    "file_bytes",
    "decode_text",
    "scan_text",
    "collapse",
    "parse_xml",
    "XmlStream",
    "xml_root_name",
    "line_of",
    "is_xml_id",
    "slug",
    "unique_id",
    "concept_id_from",
    "id_prefix",
    "xml_safe",
    "escape_formula",
    "unescape_formula",
    "default_statuses",
    "require_languages",
    "require_base_languages",
    "count",
    "counted",
    "line_list",
]

#: How many leading bytes :meth:`Format.sniff` gets.
HEAD_SIZE = 65536


@dataclass
class ReadResult:
    """What a reader found: concepts or units, and a human report of what it did."""

    concepts: list[Concept] = field(default_factory=list)
    units: list[TMUnit] = field(default_factory=list)
    report: list[str] = field(default_factory=list)
    skipped: int = 0
    merged: int = 0
    format: str = ""


class Streamed:
    """The items of a :meth:`Format.stream`, to iterate once; then ``result`` holds its :class:`ReadResult`."""

    def __init__(self, stream: Generator[Concept | TMUnit, None, ReadResult]):
        self._stream = stream
        self.result: ReadResult | None = None

    def __iter__(self) -> Iterator[Concept | TMUnit]:
        self.result = yield from self._stream

    def collect(self, kind: str) -> ReadResult:
        """Return the whole :class:`ReadResult`: the items read into it, as ``units`` for ``kind`` "tm", else ``concepts``."""
        items = list(self)
        if kind == "tm":
            self.result.units = items
        else:
            self.result.concepts = items
        return self.result


class Format:
    """Base class of a file format: content sniffing, a reader and/or a writer.

    Subclasses override :meth:`read` and/or :meth:`write`; :meth:`can_read` and
    :meth:`can_write` tell which. Instances hold no state.
    """

    name: ClassVar[str] = ""
    extensions: ClassVar[tuple[str, ...]] = ()
    kind: ClassVar[str] = "terms"  # "terms" (concepts) or "tm" (translation units)
    description: ClassVar[str] = ""
    #: Its reader also takes a file's path, and reads the file as it parses (XML).
    reads_paths: ClassVar[bool] = False

    def sniff(self, head: bytes) -> bool:
        """Return True if ``head`` (the first bytes of a file) looks like this format."""
        return False

    def read(self, data: bytes, filename: str = "<input>", **options) -> ReadResult:
        """Return the concepts or units in ``data``; raise FormatError naming file and line."""
        raise NotImplementedError(f"{self.name}: export only")

    def stream(self, source: bytes | Path, filename: str = "<input>",
               **options) -> Generator[Concept | TMUnit, None, ReadResult]:
        """Yield the items of :attr:`kind` in ``source`` (bytes, or a file's path) as they are read.

        Concepts, or units for a ``tm`` format; the :class:`ReadResult` returned at the end
        holds the rest (a termbank JSON file's units besides its concepts). A format that
        reads one entry at a time (TBX, TMX) yields each as it is read, from the file as
        it goes; this default reads the whole file first. Errors are those of
        :meth:`read`, raised where the reader meets them, so possibly after some items.
        """
        data = source if isinstance(source, bytes) else file_bytes(source)
        result = self.read(data, filename, **options)
        if self.kind == "tm":
            items, result.units = result.units, []
        else:
            items, result.concepts = result.concepts, []
        yield from items
        return result

    def write(self, items: Iterable, **options) -> bytes:
        """Return the file bytes for ``items`` (concepts or units)."""
        raise NotImplementedError(f"{self.name}: import only")

    def write_to(self, items: Iterable, out: BinaryIO, **options) -> None:
        """Write the file for ``items`` to ``out``: as :meth:`write`, or as it goes where a format can."""
        out.write(self.write(items, **options))

    @classmethod
    def can_read(cls) -> bool:
        """True when the format has a reader."""
        return cls.read is not Format.read

    @classmethod
    def can_write(cls) -> bool:
        """True when the format has a writer."""
        return cls.write is not Format.write

    def __repr__(self) -> str:
        return f"<Format {self.name}>"


# The most a reader takes in whole (CSV, JSON, glossaries; TBX and TMX through a pipe):
# past it, a clear error instead of running out of memory (``import /dev/zero``).
WHOLE_FILE_LIMIT = 2 << 30


def file_bytes(path: str | Path, limit: int = -1) -> bytes:
    """Return the bytes of the file at ``path`` (the first ``limit``); FormatError naming it when it cannot be read.

    Without ``limit``, a file of more than :data:`WHOLE_FILE_LIMIT` bytes is refused.
    """
    try:
        with open(path, "rb") as f:
            if limit >= 0:
                return f.read(limit)
            data = f.read(WHOLE_FILE_LIMIT + 1)
    except OSError as exc:
        raise FormatError(f"cannot read file: {exc.strerror or exc}", str(path)) from None
    if len(data) > WHOLE_FILE_LIMIT:
        raise FormatError(f"more than {WHOLE_FILE_LIMIT >> 30} GiB to read whole: too large for this format "
                          "(TBX and TMX files are read as they are parsed)", str(path))
    return data


# -- text decoding ---------------------------------------------------------------------
_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32-le"),
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)


def bom_encoding(data: bytes) -> tuple[str | None, int]:
    """Return (encoding, BOM length) for a byte-order mark at the start, else (None, 0).

    >>> bom_encoding(b"\\xef\\xbb\\xbfid"), bom_encoding(b"id")
    (('utf-8', 3), (None, 0))
    """
    for bom, enc in _BOMS:
        if data.startswith(bom):
            return enc, len(bom)
    return None, 0


def _line_at(data: bytes, offset: int) -> int:
    return data.count(b"\n", 0, offset) + 1


def decode_text(data: bytes, filename: str, encoding: str | None = None) -> str:
    """Return ``data`` decoded: BOM-marked UTF-8/16/32, else strict UTF-8 (or ``encoding``).

    Latin-1 or cp1252 input is refused with the line of the first byte that is not
    UTF-8, unless the caller names the encoding. NUL bytes without a UTF-16/32 BOM
    mean UTF-16 without a byte-order mark or binary data, and are refused too.

    >>> decode_text("año".encode("utf-8"), "x.csv")
    'año'
    >>> decode_text(b"\\xef\\xbb\\xbfid", "x.csv")
    'id'
    """
    if not data:
        raise FormatError("empty file", filename, 1)
    enc, skip = bom_encoding(data)
    if enc is None and encoding:
        enc = encoding
    if enc is None:
        nul = data.find(b"\x00")
        if nul >= 0:
            raise FormatError(
                "NUL byte: binary data, or UTF-16 without a byte-order mark (save as UTF-8)",
                filename, _line_at(data, nul))
        enc = "utf-8"
    try:
        text = decode_named(data[skip:], enc)
    except UnicodeDecodeError as exc:
        line = _line_at(data, skip + exc.start) if enc.startswith("utf-8") else None
        hint = "" if encoding else " (convert it to UTF-8, or name the encoding)"
        raise FormatError(f"not valid {enc.upper()} at byte {skip + exc.start}{hint}", filename, line) from None
    except LookupError:
        raise FormatError(f"unknown encoding {encoding!r}", filename) from None
    if "\x00" in text:
        line = text.count("\n", 0, text.index("\x00")) + 1
        raise FormatError("NUL character in text", filename, line)
    return text


def scan_text(head: bytes) -> str:
    """Return ``head`` decoded leniently for sniffing (BOM-aware, errors replaced)."""
    enc, skip = bom_encoding(head)
    if enc is None:
        if head[:4] in (b"<\x00?\x00", b"<\x00<\x00"):
            enc = "utf-16-le"
        elif head[:4] in (b"\x00<\x00?",):
            enc = "utf-16-be"
        else:
            enc = "utf-8"
    body = head[skip:]
    if enc.startswith("utf-16"):
        body = body[: len(body) - len(body) % 2]
    elif enc.startswith("utf-32"):
        body = body[: len(body) - len(body) % 4]
    return body.decode(enc, errors="replace")


# -- XML -------------------------------------------------------------------------------
_PROLOG = re.compile(
    r"""\s*(?:<\?.*?\?>|<!--.*?-->|<!DOCTYPE(?:[^\[>]|\[.*?\])*>)""", re.S | re.I)
_ROOT = re.compile(r"\s*<([A-Za-z_][\w.\-]*:)?([A-Za-z_][\w.\-]*)")


#: The largest line number libxml2 stores on an element (16 bits).
_LINE_CAP = 65535


def line_of(el: etree._Element) -> int | None:
    """Return ``el.sourceline``, corrected past line 65,535 to what libxml2 gives below it.

    libxml2 keeps an element's line in 16 bits. Past 65,535 it keeps lines on text nodes
    only, recorded where each text ends, and gives an element the line of a neighbour
    (xmlGetLineNo): its first child, else the node after it, else the one before. There
    ``sourceline`` comes out late by the newlines of the text it was taken from (a
    ``tu``'s indentation: one line), so an error in a large file named the wrong line.
    This follows the same neighbours and takes those newlines back.
    """
    line = el.sourceline
    node = el
    while line is not None and line > _LINE_CAP:
        if node.text is not None:  # the first child is this text
            return line - node.text.count("\n")
        if len(node):  # an element right after the start tag: on the same line
            node = node[0]
        elif node.tail is not None:  # the text after it
            return line - node.tail.count("\n")
        elif node.getnext() is not None:  # an element right after it
            node = node.getnext()
        else:
            return line  # the text before it, which ends where it starts
        if not isinstance(node.tag, str):
            return line  # a comment or processing instruction: not corrected
    return line


def xml_root_name(head: bytes) -> str | None:
    """Return the local name of the root element of an XML head, or None if not XML.

    >>> xml_root_name(b'<?xml version="1.0"?>\\n<!-- c --><tmx version="1.4">')
    'tmx'
    >>> xml_root_name(b"id,en,es") is None
    True
    """
    text = scan_text(head)
    pos = 0
    while True:
        m = _PROLOG.match(text, pos)
        if not m:
            break
        pos = m.end()
    m = _ROOT.match(text, pos)
    return m.group(2) if m else None


# No entity substitution, no network, no DTD loading, default size limits: the parser never
# fetches or expands anything the file asks for. Shared by parse_xml and XmlStream.
_PARSER_OPTIONS = {
    "resolve_entities": False, "no_network": True, "load_dtd": False, "huge_tree": False,
    "dtd_validation": False, "remove_blank_text": False, "collect_ids": False,
}


def _xml_parser() -> etree.XMLParser:
    return etree.XMLParser(**_PARSER_OPTIONS)


def _check_xml_chunks(chunks: Iterable[bytes], filename: str) -> bytes:
    """Refuse empty input and NUL bytes without a UTF-16/32 byte-order mark; return the first piece.

    ``chunks`` are the file's bytes in order: all at once, or read piece by piece.
    """
    blank, lines, nul_check, first = True, 0, None, b""
    for chunk in chunks:
        if nul_check is None:
            first = chunk
            enc, _ = bom_encoding(chunk)
            nul_check = enc is None or enc == "utf-8"
        if blank and chunk and not chunk.isspace():  # not strip(): that copies the chunk
            blank = False
        nul = chunk.find(b"\x00") if nul_check else -1
        if nul >= 0:
            raise FormatError(
                "NUL byte: binary data, or UTF-16 without a byte-order mark (XML 1.0 requires one)",
                filename, lines + _line_at(chunk, nul))
        lines += chunk.count(b"\n")
    if blank:
        raise FormatError("empty file", filename, 1)
    return first


def _file_chunks(path: Path, filename: str, size: int = 1 << 20) -> Iterator[bytes]:
    try:
        with open(path, "rb") as f:
            while chunk := f.read(size):
                yield chunk
    except OSError as exc:
        raise FormatError(f"cannot read file: {exc.strerror or exc}", filename) from None


def _syntax_error(msg: str, line: int | None, filename: str) -> FormatError:
    if "ntit" in msg:  # "Entity 'x' not defined", "Detected an entity reference loop"
        msg = f"entity references are refused: {msg}"
    return FormatError(f"not well-formed XML: {msg}", filename, line or None)


def _dtd_error(root: etree._Element, data: bytes, filename: str) -> FormatError | None:
    """Return the refusal of a DOCTYPE that declares entities, else None."""
    dtd = root.getroottree().docinfo.internalDTD
    if dtd is not None:
        entities = list(dtd.iterentities())
        if entities:
            names = ", ".join(sorted({e.name for e in entities})[:5])
            return FormatError(
                f"the DOCTYPE declares entities ({names}); entity declarations are refused "
                "(entity expansion and external entities are not allowed)",
                filename, _doctype_line(data))
    return None


def parse_xml(data: bytes, filename: str) -> etree._Element:
    """Return the root element of an XML document parsed safely.

    Refused with :class:`FormatError`: empty input, NUL bytes without a UTF-16/32
    byte-order mark (XML 1.0 appendix F: UTF-16 needs a BOM), anything not
    well-formed, and any DOCTYPE that declares entities (entity expansion, e.g.
    "billion laughs", and external entities such as ``file:///etc/passwd``).
    :class:`XmlStream` reads a document the same way without keeping the whole tree.
    """
    _check_xml_chunks((data,), filename)
    try:
        root = etree.fromstring(data, _xml_parser())
    except etree.XMLSyntaxError as exc:
        raise _syntax_error(exc.msg or str(exc), exc.lineno, filename) from None
    except (ValueError, etree.LxmlError) as exc:  # e.g. an unsupported declared encoding
        raise FormatError(f"cannot parse XML: {exc}", filename, 1) from None
    if root is None:
        raise FormatError("no root element", filename, 1)
    refused = _dtd_error(root, data, filename)
    if refused is not None:
        raise refused
    for node in root.iter(etree.Entity):
        raise FormatError(f"entity reference {node.text} is refused", filename, node.sourceline)
    return root


class XmlStream:
    """The ``("start" | "end", element)`` events of an XML document parsed safely, as a stream.

    The parser settings are those of :func:`parse_xml` (``lxml.etree.iterparse``), and so
    are the refusals and their order: a well-formedness error anywhere in the file wins,
    then a DOCTYPE declaring entities, then the first entity reference. A syntax error is
    raised where the parser meets it, the other two once the last event has been read, so
    a caller that holds back its own errors until the loop ends reports what parse_xml
    would. After one of them (or :meth:`skip`) no more events are yielded, but the rest
    of the file is still parsed and freed.

    The caller hands each element it is done with to :meth:`release`: reading a file
    then costs one entry at a time instead of the whole tree, about nine times the file
    size (issue 8).
    """

    def __init__(self, source: bytes | Path, filename: str):
        # A path is read as the parser goes, so that the file's bytes are never all in
        # memory (issue 8: a translation memory may be gigabytes); it is checked first.
        chunks = (source,) if isinstance(source, bytes) else _file_chunks(source, filename, _DOCTYPE_WITHIN)
        self.head = _check_xml_chunks(chunks, filename)  # where _doctype_line looks
        self.source = source
        self.filename = filename
        self.root: etree._Element | None = None
        self._refused: FormatError | None = None
        self._entity: tuple[int, str, int | None] | None = None  # line to compare, text, line
        self._watch = False  # a DOCTYPE: undeclared entity references may stay in the tree
        self._skipping = False

    def __iter__(self) -> Iterator[tuple[str, etree._Element]]:
        with ExitStack() as stack:
            try:
                file = io.BytesIO(self.source) if isinstance(self.source, bytes) else stack.enter_context(
                    open(self.source, "rb"))
                for event, el in etree.iterparse(file, events=("start", "end"), **_PARSER_OPTIONS):
                    if self.root is None:
                        self._begin(el)
                    if not self._skipping:
                        yield event, el
                    elif event == "end":
                        self.release(el)
            except etree.XMLSyntaxError as exc:
                raise self._syntax_error(exc) from None
            except (ValueError, etree.LxmlError) as exc:
                raise FormatError(f"cannot parse XML: {exc}", self.filename, 1) from None
            except OSError as exc:
                raise FormatError(f"cannot read file: {exc.strerror or exc}", self.filename) from None
        if self.root is None:
            raise FormatError("no root element", self.filename, 1)
        if self._refused is not None:
            raise self._refused
        if self._watch:
            self._look(self.root.iter(etree.Entity))
        if self._entity is not None:
            _, text, line = self._entity
            raise FormatError(f"entity reference {text} is refused", self.filename, line)

    def skip(self) -> None:
        """Yield no more events: the caller has its answer unless the rest of the file is refused."""
        self._skipping = True

    def release(self, el: etree._Element) -> None:
        """Free ``el`` (its attributes, text and children) and drop the siblings before it."""
        if self._watch:
            self._look(el.iter(etree.Entity))
        # The tail stays: libxml2 stores line numbers above 65535 on text nodes only, and
        # finds an empty element's line from its neighbours (xmlGetLineNo).
        el.clear(keep_tail=True)
        parent = el.getparent()
        while parent is not None and el.getprevious() is not None:
            first = parent[0]
            if self._watch and first.tag is etree.Entity:
                self._look((first,))
            del parent[0]

    def _begin(self, root: etree._Element) -> None:
        self.root = root
        # The DOCTYPE has been read by the time the root element starts.
        self._watch = root.getroottree().docinfo.internalDTD is not None
        self._refused = _dtd_error(root, self.head, self.filename)
        if self._refused is not None:
            self._skipping = True

    def _look(self, entities: Iterable[etree._Entity]) -> None:
        # Parsing order is not document order (a child's reference is seen before an
        # earlier one in its parent), so the lowest line wins, as root.iter() would find it.
        for node in entities:
            if self._entity is None or (node.sourceline or 0) < self._entity[0]:
                self._entity = (node.sourceline or 0, node.text, node.sourceline)
            self._skipping = True
            return

    def _syntax_error(self, exc: etree.XMLSyntaxError) -> FormatError:
        msg, line = exc.msg or str(exc), exc.lineno
        if not line:
            # The incremental parser can report "no element found" at line 0 for an error
            # that its log holds with a line ("Entity 'x' not defined"): use the log.
            for entry in reversed(exc.error_log):
                if entry.level >= etree.ErrorLevels.ERROR and entry.line:
                    msg, line = f"{entry.message}, line {entry.line}, column {entry.column}", entry.line
                    break
        return _syntax_error(msg, line, self.filename)


#: How far into a file :func:`_doctype_line` looks for the DOCTYPE.
_DOCTYPE_WITHIN = 1 << 20


def _doctype_line(data: bytes) -> int | None:
    text = scan_text(data[:_DOCTYPE_WITHIN])
    pos = text.upper().find("<!DOCTYPE")
    return text.count("\n", 0, pos) + 1 if pos >= 0 else None


def xml_safe(text: str) -> str:
    """Return ``text`` without the control characters XML 1.0 cannot hold.

    >>> xml_safe("a\\x01b\\tc")
    'ab\\tc'
    """
    return XML_INVALID.sub("", text)


def collapse(text: str | None) -> str:
    """Return ``text`` with runs of whitespace collapsed to one space and trimmed.

    >>> collapse("  open\\n\\t\\tcluster ")
    'open cluster'
    """
    return " ".join((text or "").split())


# -- languages -------------------------------------------------------------------------
_TERRITORIES = frozenset(Locale("en").territories)


class LanguageTags:
    """Normalizes the language codes of one file, remembering what it changed.

    Codes are matched case-insensitively (``EN-US``, ``en_us``). A region subtag that
    is no real region (``es_XX``, used by some MT glossaries as "generic Spanish") is
    dropped, keeping the language, and that is reported once per code.
    """

    def __init__(self, filename: str):
        self.filename = filename
        self._cache: dict[str, str] = {}
        self.report: list[str] = []

    def __call__(self, raw: str | None, line: int | None = None) -> str:
        """Return the BCP 47 tag for ``raw``; raise FormatError if it is no language."""
        key = (raw or "").strip()
        if key in self._cache:
            return self._cache[key]
        if not key:
            raise FormatError("missing language code", self.filename, line)
        tag = normalize_tag(key)
        if tag is None:
            raise FormatError(f"unknown language code {raw!r}", self.filename, line)
        parts = tag.split("-")
        if len(parts) > 1 and parts[-1] not in _TERRITORIES and not parts[-1].istitle():
            base = "-".join(parts[:-1])
            self.report.append(f"language code {raw!r} has no real region; read as {base!r}")
            tag = base
        self._cache[key] = tag
        return tag


def require_languages(concepts: Iterable[Concept], filename: str, line: int | None = None,
                      minimum: int = 2) -> set[str]:
    """Return the base languages used; raise FormatError when there are fewer than ``minimum``.

    termbank is bilingual, so a file needs terms in two languages (individual concepts
    may still be monolingual). Readers take a ``min_languages`` option to lower this.
    """
    return require_base_languages({t.base_lang for c in concepts for t in c.terms}, filename, line, minimum)


def require_base_languages(langs: set[str], filename: str, line: int | None = None, minimum: int = 2) -> set[str]:
    """:func:`require_languages` given the base languages of the terms (a reader that streams counts them)."""
    if not langs:
        raise FormatError("no terms in any language", filename, line)
    if len(langs) < minimum:
        raise FormatError(
            f"terms in one language only ({', '.join(sorted(langs))}); a termbank glossary "
            "needs at least two languages (--min-languages 1 imports it as it is)", filename, line)
    return langs


def default_statuses(terms: list[Term], explicit: list[bool]) -> list[Term]:
    """Return terms where those without an explicit status get one.

    The first term of each language is ``preferred`` unless another term of that
    language is explicitly preferred; the others are ``admitted`` (the rule of
    glossaries/README.md).
    """
    preferred_langs = {t.base_lang for t, e in zip(terms, explicit) if e and t.status == "preferred"}
    seen: set[str] = set()
    out = []
    for t, e in zip(terms, explicit):
        if not e:
            lang = t.base_lang
            status = "preferred" if lang not in seen and lang not in preferred_langs else "admitted"
            t = replace(t, status=status)
        seen.add(t.base_lang)
        out.append(t)
    return out


# -- ids -------------------------------------------------------------------------------
_NCNAME = re.compile(r"^[^\W\d][\w.\-]*$")


def is_xml_id(value: str) -> bool:
    """Return True if ``value`` can be an XML ID (an NCName), as TBX requires for concept ids.

    >>> is_xml_id("rank-lt-gen"), is_xml_id("c1"), is_xml_id("254003"), is_xml_id("a b")
    (True, True, False, False)
    """
    return bool(_NCNAME.match(value)) and ":" not in value


def slug(text: str, limit: int = 60) -> str:
    """Return a lower-case ASCII slug of ``text`` (letters, digits and hyphens).

    >>> slug("Secretaría de la Defensa Nacional"), slug("COVID-19"), slug("tico19-facebook_f_en-es_XX")
    ('secretaria-de-la-defensa-nacional', 'covid-19', 'tico19-facebook-f-en-es-xx')
    """
    folded = unicodedata.normalize("NFKD", text)
    folded = "".join(ch for ch in folded if not unicodedata.combining(ch)).lower()
    out = re.sub(r"[^a-z0-9]+", "-", folded).strip("-")
    return out[:limit].strip("-")


def unique_id(base: str, taken: set[str]) -> str:
    """Return ``base`` or ``base-2``, ``base-3``... not in ``taken``, and add it to ``taken``.

    >>> taken = {"covid-19"}
    >>> unique_id("covid-19", taken), unique_id("covid-19", taken)
    ('covid-19-2', 'covid-19-3')
    """
    candidate, n = base, 2
    while candidate in taken:
        candidate, n = f"{base}-{n}", n + 1
    taken.add(candidate)
    return candidate


def concept_id_from(raw: str, prefix: str) -> str:
    """Return a concept id for a raw id: kept when it is a valid XML ID, else prefixed.

    >>> concept_id_from("c12", "iate"), concept_id_from("254003", "iate")
    ('c12', 'iate-254003')
    """
    raw = raw.strip()
    if is_xml_id(raw):
        return raw
    cleaned = re.sub(r"[^\w.\-]+", "-", raw).strip("-")
    return f"{prefix}-{cleaned}" if cleaned else prefix


def id_prefix(filename: str) -> str:
    """Return an id prefix made from a file name: ``glossaries/My File.csv`` -> ``my-file``.

    >>> id_prefix("glossaries/tico19-facebook_f_en-es_XX.csv"), id_prefix("-"), id_prefix("2024.tsv")
    ('tico19-facebook-f-en-es-xx', 'import', 'g-2024')
    """
    stem = re.split(r"[\\/]", filename)[-1]
    stem = stem.rsplit(".", 1)[0] if "." in stem else stem
    s = slug(stem, 40) or "import"
    return s if s[0].isalpha() else f"g-{s}"


# -- spreadsheets ----------------------------------------------------------------------
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_ESCAPED = re.compile(r"^'+[=+\-@\t\r]")


def escape_formula(cell: str) -> str:
    """Return ``cell`` made inert for spreadsheets: a leading ``'`` before ``= + - @``, tab, CR.

    Cells that already start with quotes followed by such a character get one more
    quote, so :func:`unescape_formula` gives back exactly the original text.

    >>> escape_formula("=HYPERLINK(1)"), escape_formula("-ism"), escape_formula("plain")
    ("'=HYPERLINK(1)", "'-ism", 'plain')
    >>> unescape_formula(escape_formula("'=x")) == "'=x"
    True
    """
    if cell.startswith(_FORMULA_START) or _ESCAPED.match(cell):
        return "'" + cell
    return cell


def unescape_formula(cell: str) -> str:
    """Undo :func:`escape_formula` (only that: other leading quotes are kept).

    >>> unescape_formula("'=SUM(A1)"), unescape_formula("'tis")
    ('=SUM(A1)', "'tis")
    """
    if _ESCAPED.match(cell):
        return cell[1:]
    return cell


# -- reporting -------------------------------------------------------------------------
def count(n: int, word: str) -> str:
    """Return ``"1 row"``, ``"3 rows"``, ``"2 entries"``.

    >>> count(1, "concept"), count(306, "row"), count(2, "entry"), count(0, "data category")
    ('1 concept', '306 rows', '2 entries', '0 data categories')
    """
    if n == 1:
        return f"1 {word}"
    if word.endswith("y") and word[-2:-1] not in "aeiou":
        return f"{n} {word[:-1]}ies"
    return f"{n} {word}s"


def counted(counter: Counter, limit: int = 12) -> str:
    """Return ``"a ×3, b ×1"`` for a Counter, most common first.

    >>> counted(Counter({"reliabilityCode": 10, "termLocation": 2}))
    'reliabilityCode ×10, termLocation ×2'
    """
    items = counter.most_common()
    text = ", ".join(f"{k} ×{v}" for k, v in items[:limit])
    if len(items) > limit:
        text += f", … ({len(items) - limit} more)"
    return text


def line_list(lines: list[int], limit: int = 8) -> str:
    """Return ``"lines 3, 5, 9"`` (shortened when long).

    >>> line_list([308, 309, 310]), line_list([4])
    ('lines 308, 309, 310', 'line 4')
    """
    if len(lines) == 1:
        return f"line {lines[0]}"
    if len(lines) > limit:
        return f"lines {', '.join(map(str, lines[:limit]))}, … {lines[-1]}"
    return f"lines {', '.join(map(str, lines))}"
