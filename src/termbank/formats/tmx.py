"""TMX: translation units from TMX 1.1-1.4b files, and TMX 1.4b export valid against tmx14.dtd.

Reading
    * Encodings: whatever the XML declares, UTF-8 with or without BOM, UTF-16 LE/BE with
      BOM (UTF-16 without a BOM is refused, as XML 1.0 appendix F requires a BOM).
    * Languages: ``xml:lang`` (TMX 1.4) or ``lang`` (TMX 1.1), case-insensitive
      (``EN-US`` = ``en-us`` -> ``en-US``).
    * Source: the ``tu``'s ``srclang``, else the header's. It matches a ``tuv`` exactly,
      else by base language (``en`` finds ``en-GB``). ``*all*`` (any variant may be the
      source) takes the first ``tuv``. A ``tu`` with more than two ``tuv`` gives one unit
      per (source, other variant), in document order.
    * Inline codes (TMX 1.4b section 3.6): ``inline="strip"`` (default) keeps the text
      only: ``bpt/ept/it/ph/ut`` hold native codes and are dropped with their ``sub``
      sub-flows, ``hi`` keeps its text. ``inline="keep"`` keeps the segment content as
      TMX markup (``The <bpt i="1">&lt;b></bpt>cat``) so a later ``write(inline="keep")``
      gives the codes back. Strip is the default because the translation memory
      matches and displays plain text.
    * Unbalanced ``bpt``/``ept`` pairs (the DTD cannot catch them) are reported as a
      warning and the unit is kept: its text is still usable, and the codes are
      dropped in strip mode anyway.
    * Units whose source or target is empty (after stripping codes), and ``tu`` with a
      single ``tuv`` (valid TMX: an untranslated segment), are skipped and counted in
      the report.
    * The file is parsed as a stream, one ``tu`` at a time (a whole tree takes about
      thirteen times the file in memory), so ``header`` must come before ``body``, as
      TMX 1.4b requires: the units are read with the header's ``srclang``.
      :meth:`TmxFormat.stream` yields each unit as it is read, from the bytes or from
      the file as the parser goes: ``termbank import`` holds neither the file nor its
      units.

Writing builds, serializes and writes one ``tu`` at a time too (``write_to``), with
the bytes the whole document serialized as one tree would have.

Unit fields: ``tuid`` -> ``id`` (``tuid-2``... when one ``tu`` gives several units),
``creationid``/``creationdate`` -> ``created_by``/``created_at`` (the ``tu``'s, else the
target ``tuv``'s), ``prop type="x-origin"`` -> ``origin``, ``note`` elements and
``prop type="note"`` -> ``note``, other ``tu`` props -> ``props`` (several of one type as
one value, a line each, and several props again on export); props of the source and
target ``tuv`` -> ``props`` as ``source:TYPE`` / ``target:TYPE``. The store numbers its
units itself: it keeps a unit's ``id`` as the prop ``tu:tuid``. That prop and the ``tu``
attributes of :data:`_TU_KEPT` (last change, usage counts), kept in ``props`` as
``tu:NAME``, are written back as attributes.
"""

from __future__ import annotations

import io
from collections import Counter
from collections.abc import Generator, Iterable
from datetime import datetime, timezone
from itertools import chain
from pathlib import Path
from typing import BinaryIO

from lxml import etree

from .. import __version__
from ..errors import FormatError
from ..model import TMUnit
from ..normalize import visible
from .base import (
    Format,
    LanguageTags,
    ReadResult,
    Streamed,
    XmlStream,
    count,
    counted,
    line_list,
    line_of,
    xml_root_name,
    xml_safe,
)

__all__ = ["TmxFormat", "INLINE_TAGS", "header_srclang"]

XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
#: TMX 1.4b inline elements (``ut`` is deprecated but still read).
INLINE_TAGS = frozenset({"bpt", "ept", "it", "ph", "hi", "ut", "sub"})
_CODE_TAGS = frozenset({"bpt", "ept", "it", "ph", "ut"})
_TMX_DATE = "%Y%m%dT%H%M%SZ"
# The ranks of the streaming reader's errors: what <tmx> holds, then <body> and its units.
_ROOT_RANK, _BODY_RANK = 0, 1


def parse_tmx_date(value: str | None) -> datetime | None:
    """Return a TMX date (``YYYYMMDDThhmmssZ``, UTC) as an aware datetime, or None.

    >>> parse_tmx_date("20020523T091200Z")
    datetime.datetime(2002, 5, 23, 9, 12, tzinfo=datetime.timezone.utc)
    """
    if not value:
        return None
    value = value.strip()
    try:
        return datetime.strptime(value, _TMX_DATE).replace(tzinfo=timezone.utc)
    except ValueError:
        pass
    try:  # ISO 8601, written by some tools
        d = datetime.fromisoformat(value)
    except ValueError:
        return None
    return d if d.tzinfo else d.replace(tzinfo=timezone.utc)


def format_tmx_date(d: datetime) -> str:
    """Return ``d`` as a TMX 1.4b date (UTC; naive datetimes are taken as UTC).

    >>> format_tmx_date(datetime(2024, 1, 2, 3, 4, 5))
    '20240102T030405Z'
    """
    if d.tzinfo is not None:
        d = d.astimezone(timezone.utc)
    return d.strftime(_TMX_DATE)


def _elements(el: etree._Element) -> list[etree._Element]:
    return [ch for ch in el if isinstance(ch.tag, str)]


def seg_text(seg: etree._Element) -> str:
    """Return the plain text of a ``seg``: native codes dropped, ``hi`` text kept.

    >>> seg_text(etree.fromstring('<seg>The <bpt i="1">&lt;b></bpt>big<ept i="1">&lt;/b></ept> <hi>cat</hi></seg>'))
    'The big cat'
    """
    parts = [seg.text or ""]
    for ch in seg:
        if isinstance(ch.tag, str) and ch.tag == "hi":
            parts.append(seg_text(ch))
        parts.append(ch.tail or "")
    return "".join(parts)


def seg_markup(seg: etree._Element) -> str:
    """Return the content of a ``seg`` as TMX markup (text escaped, comments dropped).

    >>> seg_markup(etree.fromstring('<seg>a &lt; b <ph x="1">&lt;br/></ph></seg>'))
    'a &lt; b <ph x="1">&lt;br/&gt;</ph>'
    """
    parts = [_escape(seg.text or "")]
    for ch in seg:
        if isinstance(ch.tag, str):
            parts.append(_markup(ch))
        parts.append(_escape(ch.tail or ""))
    return "".join(parts)


def _markup(el: etree._Element) -> str:
    attrs = "".join(f' {k}="{_escape(v, True)}"' for k, v in el.attrib.items())
    inner = seg_markup(el)
    return f"<{el.tag}{attrs}>{inner}</{el.tag}>"


def _escape(text: str, attr: bool = False) -> str:
    text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return text.replace('"', "&quot;") if attr else text


def unbalanced_codes(seg: etree._Element) -> list[str]:
    """Return the problems with ``bpt``/``ept`` pairing in a segment (empty when fine).

    >>> unbalanced_codes(etree.fromstring('<seg><ept i="1"/><bpt i="2"/></seg>'))
    ['ept i=1 without a bpt', 'bpt i=2 without an ept']
    """
    open_: dict[str, int] = {}
    problems = []
    for el in seg.iter("bpt", "ept"):
        i = el.get("i", "?")
        if el.tag == "bpt":
            if i in open_:
                problems.append(f"two bpt with i={i}")
            open_[i] = 1
        elif i in open_:
            del open_[i]
        else:
            problems.append(f"ept i={i} without a bpt")
    problems.extend(f"bpt i={i} without an ept" for i in open_)
    return problems


class _Reader:
    def __init__(self, filename: str, inline: str, source_lang: str | None, target_lang: str | None):
        if inline not in ("strip", "keep"):
            raise FormatError(f"inline must be 'strip' or 'keep', not {inline!r}", filename)
        self.filename = filename
        self.inline = inline
        self.langs = LanguageTags(filename)
        self.want_source = source_lang
        self.want_target = target_lang
        self.empty: list[int] = []
        self.single: list[int] = []  # lines of <tu> with one <tuv>: nothing to pair
        self.unbalanced: list[int] = []
        self.filtered = 0
        self.no_srclang = False
        self.bad_dates = 0
        self.ignored_attrs: Counter = Counter()
        self.error: FormatError | None = None
        self.error_rank = _BODY_RANK

    def fail(self, message: str, el: etree._Element | None) -> FormatError:
        return FormatError(message, self.filename, line_of(el) if el is not None else None)

    def hold(self, error: FormatError, rank: int, stream: XmlStream) -> None:
        """Keep ``error`` unless one of an earlier rank is held; after a root error the stream stops yielding."""
        if self.error is None or rank < self.error_rank:
            self.error, self.error_rank = error, rank
        if rank == _ROOT_RANK:
            stream.skip()

    def stream(self, source: bytes | Path) -> Generator[TMUnit, None, ReadResult]:
        """Yield the units of a TMX document as each ``tu`` is read; return the report (issue 8).

        Each ``tu`` is freed once read, so memory holds neither the tree (about thirteen
        times the file) nor, for a caller that stores them as they come, the units. The
        errors are those a reader of the whole tree gives: what ``<tmx>`` holds first,
        then ``<body>`` and its units in document order; a well-formedness error or a
        refused entity anywhere wins (see XmlStream). So they come at the end: no unit
        is yielded after the first error, but the file is read to its end to find the
        one to raise, and a caller keeps nothing of a stream that raised.
        """
        stream = XmlStream(source, self.filename)
        pairs: Counter = Counter()
        n_tu = depth = 0
        root = header = None  # header: (srclang, line), read at its start
        version = "?"
        body_seen = in_body = body_first = False
        for event, el in stream:
            if event == "start":
                depth += 1
                if depth == 1:
                    root, version = el, el.get("version") or "?"
                    if el.tag != "tmx":
                        self.hold(self.fail(f"root element <{etree.QName(el).localname}> is not <tmx>", el),
                                  _ROOT_RANK, stream)
                elif depth == 2:
                    if el.tag == "header" and header is None:
                        header = (el.get("srclang"), line_of(el))
                    elif el.tag == "body" and not body_seen:
                        # Units are read with the header's srclang: after a late header, none is.
                        body_seen = in_body = True
                        body_first = header is None
                    else:
                        self.hold(self.fail(f"unexpected <{el.tag}> in <tmx> (TMX 1.4b: header, then body)", el),
                                  _ROOT_RANK, stream)
                continue
            if in_body and depth > 3:  # inside a tu: read and freed with it
                depth -= 1
                continue
            if in_body and depth == 3:
                if el.tag != "tu":
                    self.hold(self.fail(f"unexpected <{el.tag}> in <body> (TMX 1.4b allows only <tu>)", el),
                              _BODY_RANK, stream)
                else:
                    n_tu += 1
                    if self.error is None and not body_first:
                        try:
                            made = self.tu(el, header[0])
                        except FormatError as exc:
                            self.hold(exc, _BODY_RANK, stream)
                        else:
                            for u in made:
                                pairs[f"{u.source_lang}→{u.target_lang}"] += 1
                                yield u
            elif in_body and depth == 2:
                in_body = False
            depth -= 1
            stream.release(el)
        if self.error is not None and self.error_rank == _ROOT_RANK:
            raise self.error
        if header is None:
            raise self.fail("no <header> (TMX 1.4b requires one)", root)
        if not body_seen:
            raise self.fail("no <body>: the file holds no translation units", root)
        if body_first:
            raise FormatError("<header> after <body> (TMX 1.4b: header, then body)", self.filename, header[1])
        if self.error is not None:
            raise self.error
        return ReadResult(report=self.summary(version, n_tu, pairs),
                          skipped=len(self.empty) + len(self.single) + self.filtered, format="tmx")

    def summary(self, version: str, n_tu: int, pairs: Counter) -> list[str]:
        lines = [f"read {count(pairs.total(), 'translation unit')} from {n_tu} <tu> (TMX {version}, inline codes "
                 f"{'kept as markup' if self.inline == 'keep' else 'stripped'})"
                 + (f": {counted(pairs)}" if pairs else "")]
        if self.empty:
            lines.append(f"skipped {count(len(self.empty), 'unit')} with an empty source or target "
                         f"({line_list(self.empty)})")
        if self.single:
            lines.append(f"skipped {count(len(self.single), 'unit')} with one language only "
                         f"({line_list(self.single)})")
        if self.filtered:
            lines.append(f"skipped {count(self.filtered, 'unit')} in other languages than asked for")
        if self.unbalanced:
            lines.append(f"warning: {count(len(self.unbalanced), 'segment')} have unbalanced bpt/ept pairs "
                         f"({line_list(self.unbalanced)}); kept as they are")
        if self.no_srclang:
            lines.append("no srclang (or srclang=\"*all*\"): the first <tuv> of each <tu> is the source")
        if self.bad_dates:
            lines.append(f"ignored {count(self.bad_dates, 'unreadable date')}")
        lines.extend(self.langs.report)
        return lines

    def tu(self, tu: etree._Element, header_src: str | None) -> list[TMUnit]:
        notes: list[str] = []
        props: dict[str, str] = {}
        origin = None
        variants = []
        for ch in _elements(tu):
            if ch.tag == "tuv":
                variants.append(self.tuv(ch))
            elif variants:
                raise self.fail(f"<{ch.tag}> after <tuv> (TMX 1.4b: note and prop come first)", ch)
            elif ch.tag == "note":
                notes.append((ch.text or "").strip())
            elif ch.tag == "prop":
                kind = ch.get("type") or ""
                value = (ch.text or "").strip()
                if kind == "x-origin" and origin is None:
                    origin = value
                elif kind == "note":
                    notes.append(value)
                else:
                    _add_prop(props, kind, value)
            else:
                raise self.fail(f"unexpected <{ch.tag}> in <tu>", ch)
        if not variants:
            raise self.fail("<tu> has no <tuv> (TMX 1.4b: one or more)", tu)
        if len(variants) == 1:
            # Valid TMX (an untranslated segment, a monolingual memory), but no pair.
            self.single.append(line_of(tu) or 0)
            return []
        src_raw = tu.get("srclang") or header_src
        src = self.source_index(src_raw, variants, tu)
        s_lang, s_text, s_tuv, s_notes, s_props = variants[src]
        targets = [v for i, v in enumerate(variants) if i != src]
        out = []
        tuid = tu.get("tuid")
        for n, (t_lang, t_text, t_tuv, t_notes, t_props) in enumerate(targets, 1):
            if not (visible(s_text) and visible(t_text)):
                self.empty.append(line_of(t_tuv) or 0)
                continue
            if not (_lang_ok(s_lang, self.want_source) and _lang_ok(t_lang, self.want_target)):
                self.filtered += 1
                continue
            uid = tuid if tuid is None or len(targets) == 1 else (tuid if n == 1 else f"{tuid}-{n}")
            unit_props = dict(props)
            # The tu's attributes the unit has no field for come back on export (_TU_KEPT).
            for attr in _TU_KEPT[1:]:  # the tuid is the unit's id
                value = tu.get(attr)
                if value:
                    unit_props[f"tu:{attr}"] = value
            for k, v in s_props.items():
                unit_props[f"source:{k}"] = v
            for k, v in t_props.items():
                unit_props[f"target:{k}"] = v
            created = tu.get("creationdate") or t_tuv.get("creationdate")
            when = parse_tmx_date(created)
            if created and when is None:
                self.bad_dates += 1
            note = "\n".join(dict.fromkeys(x for x in notes + s_notes + t_notes if x)) or None
            out.append(TMUnit(
                source_lang=s_lang, source=s_text, target_lang=t_lang, target=t_text, id=uid,
                origin=origin, created_by=tu.get("creationid") or t_tuv.get("creationid"),
                created_at=when, note=note, props=unit_props,
            ))
        return out

    def tuv(self, tuv: etree._Element):
        raw = tuv.get(XML_LANG) or tuv.get("lang")
        if not raw:
            raise self.fail("<tuv> without xml:lang", tuv)
        lang = self.langs(raw, line_of(tuv))
        segs, notes, props = [], [], {}
        for ch in _elements(tuv):
            if ch.tag == "seg":
                segs.append(ch)
            elif segs:
                raise self.fail(f"<{ch.tag}> after <seg> (TMX 1.4b: a tuv ends with its seg)", ch)
            elif ch.tag == "note":
                notes.append((ch.text or "").strip())
            elif ch.tag == "prop":
                _add_prop(props, ch.get("type") or "", (ch.text or "").strip())
            else:
                raise self.fail(f"unexpected <{ch.tag}> in <tuv>", ch)
        if len(segs) != 1:
            raise self.fail(f"<tuv> has {len(segs)} <seg> elements (TMX 1.4b requires exactly one)", tuv)
        seg = segs[0]
        for el in seg.iter():
            if el is not seg and isinstance(el.tag, str) and el.tag not in INLINE_TAGS:
                raise self.fail(f"unknown element <{el.tag}> in <seg> (TMX 1.4b inline elements: "
                                f"{', '.join(sorted(INLINE_TAGS))})", el)
        if unbalanced_codes(seg):
            self.unbalanced.append(line_of(seg) or 0)
        text = seg_markup(seg) if self.inline == "keep" else seg_text(seg)
        return lang, text, tuv, notes, props

    def source_index(self, raw: str | None, variants: list, tu: etree._Element) -> int:
        if not raw or raw.strip().lower() == "*all*":
            self.no_srclang = True
            return 0
        want = self.langs(raw, line_of(tu))
        for i, v in enumerate(variants):
            if v[0].lower() == want.lower():
                return i
        base = want.split("-")[0].lower()
        for i, v in enumerate(variants):
            if v[0].split("-")[0].lower() == base:
                return i
        raise self.fail(f"srclang {raw!r} matches none of the <tuv> languages "
                        f"({', '.join(v[0] for v in variants)})", tu)


def header_srclang(source_langs: Iterable[str]) -> str:
    """Return the header's ``srclang`` for units in these source languages: the only one, else ``*all*``.

    >>> header_srclang(["en", "en"]), header_srclang(["en", "es"]), header_srclang([])
    ('en', '*all*', '*all*')
    """
    langs = set(source_langs)
    return langs.pop() if len(langs) == 1 else "*all*"


# Attributes of <tu> (TMX 1.4b) that a unit keeps in its props as "tu:NAME" and that are
# written back: the original tuid, the last change and the usage counts.
_TU_KEPT = ("tuid", "changedate", "changeid", "usagecount", "lastusagedate", "creationtool",
            "creationtoolversion")


def _add_prop(props: dict[str, str], kind: str, value: str) -> None:
    if kind in props:
        if value not in props[kind].split("\n"):
            props[kind] = f"{props[kind]}\n{value}"
    else:
        props[kind] = value


def _lang_ok(lang: str, want: str | None) -> bool:
    if not want:
        return True
    if "-" in want:
        return lang.lower() == want.lower()
    return lang.split("-")[0].lower() == want.lower()


class TmxFormat(Format):
    """TMX translation memories (Translation Memory eXchange, LISA OSCAR TMX 1.4b)."""

    name = "tmx"
    extensions = (".tmx",)
    kind = "tm"
    description = "Translation Memory eXchange 1.4b (import also 1.1-1.4)"
    reads_paths = True

    def sniff(self, head: bytes) -> bool:
        """True for an XML document whose root is ``<tmx>``."""
        return xml_root_name(head) == "tmx"

    def read(self, data: bytes | Path, filename: str = "<input>", *, inline: str = "strip",
             source_lang: str | None = None, target_lang: str | None = None, **options) -> ReadResult:
        """Return the translation units of a TMX file, its bytes or its path (see the module docstring).

        ``source_lang``/``target_lang`` keep only units in those languages (a bare
        language such as ``es`` also matches its locales).
        """
        return Streamed(self.stream(data, filename, inline=inline, source_lang=source_lang,
                                    target_lang=target_lang)).collect(self.kind)

    def stream(self, source: bytes | Path, filename: str = "<input>", *, inline: str = "strip",
               source_lang: str | None = None, target_lang: str | None = None,
               **options) -> Generator[TMUnit, None, ReadResult]:
        """Yield the units of :meth:`read` as each ``tu`` is read; return the rest of its result.

        Given a path, the file is read as the parser goes. ``termbank import`` stores
        the units as they come (issue 8: a million units took 1.7 GB as a list).
        """
        return _Reader(filename, inline, source_lang, target_lang).stream(source)

    def write(self, items: Iterable[TMUnit], *, inline: str = "strip", srclang: str | None = None,
              adminlang: str = "en", report: list[str] | None = None, **options) -> bytes:
        """Return a TMX 1.4b document valid against tmx14.dtd.

        ``inline="keep"`` treats unit texts as TMX inline markup (as read with
        ``inline="keep"``); the default writes them as plain text.
        """
        out = io.BytesIO()
        self.write_to(items, out, inline=inline, srclang=srclang, adminlang=adminlang, report=report)
        return out.getvalue()

    def write_to(self, items: Iterable[TMUnit], out: BinaryIO, *, inline: str = "strip",
                 srclang: str | None = None, adminlang: str = "en", report: list[str] | None = None,
                 **options) -> None:
        """Write the document :meth:`write` returns to ``out``, one unit at a time.

        Each unit's ``tu`` is made, serialized and written on its own, around a
        placeholder in the document: a tree of every unit takes about fourteen times the
        file in memory (issue 8). The bytes are those of the whole tree serialized.
        Given ``srclang``, ``items`` is read once, as it comes (units streamed from the
        database); without it, the units are gathered first to find it.
        """
        if srclang is None:
            items = list(items)
            srclang = header_srclang(u.source_lang for u in items)
        units = iter(items)
        first = next(units, None)
        root = etree.Element("tmx", version="1.4")
        # TMX 1.4b header: all seven attributes below are required by tmx14.dtd.
        etree.SubElement(root, "header", {
            "creationtool": "termbank", "creationtoolversion": __version__, "segtype": "sentence",
            "o-tmf": "termbank", "adminlang": adminlang, "srclang": srclang, "datatype": "plaintext",
        })
        body = etree.SubElement(root, "body")
        if first is not None:
            etree.SubElement(body, "tu")
        _indent(root)
        doctype = '<!DOCTYPE tmx SYSTEM "tmx14.dtd">'
        document = etree.tostring(root.getroottree(), xml_declaration=True, encoding="UTF-8",
                                  doctype=doctype) + b"\n"
        if first is None:
            out.write(document)
            return
        head, tail = document.split(b"<tu/>", 1)
        out.write(head)
        dropped = 0
        for n, u in enumerate(chain((first,), units), 1):
            holder = etree.Element("body")
            self._tu(holder, u, srclang, inline, n)
            _indent(holder[0], 2)
            if n > 1:
                out.write(b"\n    ")
            out.write(etree.tostring(holder[0], encoding="UTF-8", with_tail=False))
            dropped += sum(len(text) - len(xml_safe(text)) for text in (u.source, u.target))
        out.write(tail)
        if dropped and report is not None:
            report.append(f"removed {count(dropped, 'control character')} that XML 1.0 cannot hold")

    @staticmethod
    def _tu(body: etree._Element, u: TMUnit, srclang: str, inline: str, n: int) -> None:
        tu = etree.SubElement(body, "tu")
        props = dict(u.props or {})
        kept = {attr: props.pop(f"tu:{attr}") for attr in _TU_KEPT if f"tu:{attr}" in props}
        tuid = kept.pop("tuid", None) or u.id
        if tuid:
            tu.set("tuid", xml_safe(tuid))
        for attr, value in kept.items():
            tu.set(attr, xml_safe(value))
        if u.created_at:
            tu.set("creationdate", format_tmx_date(u.created_at))
        if u.created_by:
            tu.set("creationid", xml_safe(u.created_by))
        if srclang == "*all*" or srclang.lower() != u.source_lang.lower():
            tu.set("srclang", u.source_lang)
        # TMX 1.4b element order in <tu>: (note|prop)*, then tuv+; in <tuv>: (note|prop)*, seg.
        if u.note:
            etree.SubElement(tu, "note").text = xml_safe(u.note)
        if u.origin:
            etree.SubElement(tu, "prop", type="x-origin").text = xml_safe(u.origin)
        side: dict[str, dict[str, str]] = {"source": {}, "target": {}}
        for key, value in props.items():
            prefix, _, rest = key.partition(":")
            if prefix in side and rest:
                side[prefix][rest] = value
            else:
                # Props of one type were read as one value, a line each (_add_prop).
                for one in value.split("\n"):
                    etree.SubElement(tu, "prop", type=xml_safe(key) or "x-unknown").text = xml_safe(one)
        for which, lang, text in (("source", u.source_lang, u.source), ("target", u.target_lang, u.target)):
            tuv = etree.SubElement(tu, "tuv")
            tuv.set(XML_LANG, lang)
            for key, value in side[which].items():
                for one in value.split("\n"):
                    etree.SubElement(tuv, "prop", type=xml_safe(key)).text = xml_safe(one)
            seg = etree.SubElement(tuv, "seg")
            if inline == "keep":
                _fill_markup(seg, text, u.id or f"#{n}")
            else:
                seg.text = xml_safe(text)


def _indent(el: etree._Element, level: int = 0) -> None:
    """Indent the structure but never inside ``seg``, whose whitespace is content."""
    if el.tag == "seg":
        return
    kids = list(el)
    if not kids:
        return
    el.text = "\n" + "  " * (level + 1)
    for k in kids:
        _indent(k, level + 1)
        k.tail = "\n" + "  " * (level + 1)
    kids[-1].tail = "\n" + "  " * level


def _parse_markup(markup: str) -> etree._Element | None:
    """Return ``<seg>markup</seg>`` parsed, or None when it is not TMX inline markup."""
    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False)
    try:
        parsed = etree.fromstring(f"<seg>{xml_safe(markup)}</seg>".encode("utf-8"), parser)
    except etree.XMLSyntaxError:
        return None
    for el in parsed.iter():
        if el is not parsed and (not isinstance(el.tag, str) or el.tag not in INLINE_TAGS):
            return None
    return parsed


def _fill_markup(seg: etree._Element, markup: str, where: str) -> None:
    """Write a unit's text into ``seg`` as kept markup, or as plain text when it is not markup.

    A memory holds both: units imported with ``inline="keep"`` and units added as plain
    text ("The R&D budget", "x < y"), which the store does not tell apart.
    """
    parsed = _parse_markup(markup)
    if parsed is None:
        seg.text = xml_safe(markup)
        return
    seg.text = parsed.text
    for ch in parsed:
        seg.append(ch)


def plain_text(text: str) -> str:
    """Return the words of a unit's text: kept inline markup read as :func:`seg_text` does.

    >>> plain_text('The <bpt i="1">&lt;b></bpt>big<ept i="1">&lt;/b></ept> cat'), plain_text("R&D < 5")
    ('The big cat', 'R&D < 5')
    """
    if "<" not in text and "&" not in text:
        return text
    parsed = _parse_markup(text)
    return text if parsed is None else seg_text(parsed)
