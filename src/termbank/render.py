"""Annotated articles rendered for people: terminal text, Markdown, CSV and a standalone HTML page.

JSON, the machine contract, is :meth:`termbank.annotate.Document.as_dict`; these
renderers only present the same mentions. Nothing here writes files or imports the CLI.
"""

from __future__ import annotations

import csv
import html
import io
import re
from collections import Counter
from collections.abc import Iterable

from .annotate import Document, Mention, as_read

__all__ = ["render_text", "render_markdown", "render_csv", "render_html", "summary_line", "CSV_FIELDS"]

_CATEGORY_COLOURS = {
    "rank": "#1f6fb2", "title": "#7a3db8", "institution": "#1d7f4e", "person": "#b5651d",
    "unit": "#8a6d00", "acronym": "#0f7b8a", "other": "#555555",
}
_ANSI = {"term": "\x1b[1;36m", "flag": "\x1b[1;31m", "hint": "\x1b[2m", "reset": "\x1b[0m"}


def summary_line(doc: Document) -> str:
    """Return one line: file, language, mentions, concepts and flag counts.

    >>> summary_line(Document("a.txt", "en", "", []))
    'a.txt [en]: 0 mentions of 0 concepts, no flags'
    """
    s = doc.summary
    flags = ", ".join(f"{n} {f}" for f, n in s["flags"].items()) or "no flags"
    return f"{doc.file} [{doc.lang}]: {s['mentions']} mentions of {s['concepts']} concepts, {flags}"


# What may come right before a sentence (or a heading, a quotation, an HTML element, a
# Markdown heading) opens: its first word is capitalized whatever the termbase lists.
_OPENS = re.compile(r"(?:^|[.!?¡¿:;…\n\"“«—(>#]\s*|\n\s*)$")


def _change(m: Mention, text: str = "") -> str | None:
    """Return the form to write instead of the mention's text, or None when it is written so.

    Only what a reader sees counts: a line break, a no-break space, a soft hyphen or an
    HTML character reference is no change to ask for ("Tte.&nbsp;Cnel." is "Tte. Cnel."),
    nor is the capital of a word that opens a sentence (``text`` is the document's).

    >>> m = Mention(0, 17, "teniente\\ncoronel", "c", "rank", "teniente coronel", "")
    >>> _change(m) is None, _change(Mention(0, 6, "Tte Cnel", "c", "rank", "Tte. Cnel.", ""))
    (True, 'Tte. Cnel.')
    >>> m = Mention(7, 14, "General", "c", "rank", "general", "")
    >>> _change(m, "Llegó. General") is None, _change(m, "xx <h1>General") is None, _change(m, "Habló, General")
    (True, True, 'general')
    """
    if not m.canonical:
        return None
    seen = as_read(html.unescape(m.text))
    if m.canonical == seen:
        return None
    if seen[:1].isupper() and seen[:1].lower() + seen[1:] == m.canonical \
            and _OPENS.search(text[max(0, m.start - 8):m.start]):
        return None
    return m.canonical


def _inline(m: Mention, text: str = "") -> str:
    parts = []
    if _change(m, text):
        parts.append(f"use {m.canonical}")
    if m.suggestion:
        parts.append(f"→ {m.suggestion}")
    if m.flags:
        parts.append("!" + ",".join(m.flags))
    return "; ".join(parts)


def render_text(doc: Document, *, colour: bool = False) -> str:
    """Return the article with each mention followed by ``⟦canonical → translation !flags⟧``."""
    a = _ANSI if colour else {k: "" for k in _ANSI}
    out, last = [], 0
    for m in doc.mentions:
        out.append(doc.text[last:m.start])
        style = a["flag"] if m.flags else a["term"]
        out.append(f"{style}{m.text}{a['reset']}{a['hint']}⟦{_inline(m, doc.text)}⟧{a['reset']}")
        last = m.end
    out.append(doc.text[last:])
    body = "".join(out)
    return f"== {summary_line(doc)}\n{body}" + ("" if body.endswith("\n") else "\n")


def _md_escape(s: str) -> str:
    """Return ``s`` as the text of a Markdown table cell: one line, markup shown as written.

    >>> _md_escape("U.S. Northern\\r\\nCommand"), _md_escape("Secretaría</i> de *Marina* | A&B")
    ('U.S. Northern Command', 'Secretaría&lt;/i&gt; de \\\\*Marina\\\\* \\\\| A&amp;B')
    """
    s = s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    s = s.replace("\\", "\\\\").replace("|", "\\|").replace("*", "\\*").replace("_", "\\_")
    return " ".join(s.split())


def render_markdown(doc: Document) -> str:
    """Return a Markdown report: the mentions as a table, then counts per concept."""
    lines = [f"## {_md_escape(doc.file)} ({doc.lang})", "", summary_line(doc), "",
             "| offsets | text | concept | category | canonical | suggestion | flags |",
             "|---|---|---|---|---|---|---|"]
    for m in doc.mentions:
        lines.append(
            f"| {m.start}–{m.end} | {_md_escape(m.text)} | {_md_escape(m.concept)} | {m.category} | "
            f"{_md_escape(m.canonical)} | {_md_escape(m.suggestion)} | {', '.join(m.flags)} |"
        )
    lines += ["", "| concept | mentions |", "|---|---|"]
    for cid, n in doc.summary["by_concept"].items():
        lines.append(f"| {_md_escape(cid)} | {n} |")
    return "\n".join(lines) + "\n"


CSV_FIELDS = ("file", "lang", "start", "end", "text", "concept", "category", "canonical", "suggestion", "flags")


def _cell(value) -> str:
    """Neutralize spreadsheet formulas: a cell starting with = + - @ is prefixed with '.

    A lone "-" (standard input's name) is no formula.

    >>> _cell("=SUM(A1)"), _cell("-"), _cell("-x")
    ("'=SUM(A1)", '-', "'-x")
    """
    s = str(value)
    return "'" + s if s[:1] in ("=", "+", "-", "@", "\t", "\r") and s != "-" else s


def render_csv(docs: Iterable[Document], *, header: bool = True) -> str:
    """Return one CSV row per mention (formula-looking cells neutralized)."""
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    if header:
        w.writerow(CSV_FIELDS)
    for doc in docs:
        for m in doc.mentions:
            w.writerow([_cell(v) for v in (doc.file, doc.lang, m.start, m.end, m.text, m.concept, m.category,
                                           m.canonical, m.suggestion, ";".join(m.flags))])
    return buf.getvalue()


_CSS = """
body{font-family:Georgia,serif;max-width:60rem;margin:2rem auto;padding:0 1rem;line-height:1.6;color:#222}
h1{font-family:sans-serif;font-size:1.4rem}h2{font-family:sans-serif;font-size:1.1rem;margin-top:2.5rem}
.article{white-space:pre-wrap;border:1px solid #ddd;padding:1rem;border-radius:4px;background:#fcfcfc}
mark.term{background:none;border-bottom:3px solid var(--c);padding:0 1px;cursor:help;position:relative}
mark.term:hover,mark.term:focus{background:#fff4c2;outline:none}
mark.flagged{background:#ffe3e3;border-bottom-style:dashed}
mark.term .tip{display:none;position:absolute;left:0;top:1.6em;z-index:2;min-width:16rem;max-width:28rem;
 background:#222;color:#fff;font:0.85rem/1.4 sans-serif;padding:.5rem .6rem;border-radius:4px;white-space:normal}
mark.term:hover .tip,mark.term:focus .tip{display:block}
.flag{font:bold .7rem sans-serif;color:#b00020;vertical-align:super;margin-left:1px}
table{border-collapse:collapse;font:0.9rem sans-serif;margin-top:1rem}
td,th{border:1px solid #ccc;padding:.25rem .5rem;text-align:left}th{background:#f0f0f0}
.legend span{display:inline-block;margin-right:1rem;border-bottom:3px solid var(--c);font:0.85rem sans-serif}
"""


def _mark(m: Mention, text: str = "") -> str:
    colour = _CATEGORY_COLOURS.get(m.category, "#555")
    cls = "term flagged" if m.flags else "term"
    tip = [f"<b>{html.escape(m.concept)}</b> ({html.escape(m.category)})"]
    if _change(m, text):
        tip.append(f"use: {html.escape(m.canonical)}")
    if m.suggestion:
        tip.append(f"translation: {html.escape(m.suggestion)}")
    if m.flags:
        tip.append("flags: " + html.escape(", ".join(m.flags)))
    if m.notes:
        tip.append(html.escape(m.notes))
    flags = "".join(f'<span class="flag">{html.escape(f)}</span>' for f in m.flags)
    title = html.escape(f"{m.concept}: {m.suggestion}" + (f" [{', '.join(m.flags)}]" if m.flags else ""), quote=True)
    return (f'<mark class="{cls}" tabindex="0" style="--c:{colour}" data-concept="{html.escape(m.concept, quote=True)}"'
            f' data-category="{m.category}" data-flags="{html.escape(" ".join(m.flags), quote=True)}" title="{title}">'
            f'{html.escape(m.text)}<span class="tip" role="tooltip">{"<br>".join(tip)}</span></mark>{flags}')


def render_html(docs: Iterable[Document], *, title: str = "termbank annotation report") -> str:
    """Return one standalone HTML page (no external assets) for one or more documents."""
    docs = list(docs)
    parts = [
        "<!DOCTYPE html>", '<html lang="en">', "<head>", '<meta charset="utf-8">',
        f"<title>{html.escape(title)}</title>", f"<style>{_CSS}</style>", "</head>", "<body>",
        f"<h1>{html.escape(title)}</h1>",
        '<p class="legend">' + "".join(f'<span style="--c:{c}">{k}</span>' for k, c in _CATEGORY_COLOURS.items())
        + "</p>",
    ]
    for doc in docs:
        parts.append(f'<section class="document" data-file="{html.escape(doc.file, quote=True)}">')
        parts.append(f"<h2>{html.escape(doc.file)} <small>({doc.lang})</small></h2>")
        parts.append(f"<p>{html.escape(summary_line(doc))}</p>")
        body, last = [], 0
        for m in doc.mentions:
            body.append(html.escape(doc.text[last:m.start]))
            body.append(_mark(m, doc.text))
            last = m.end
        body.append(html.escape(doc.text[last:]))
        parts.append('<div class="article">' + "".join(body) + "</div>")
        counts = Counter(m.concept for m in doc.mentions)
        first = {}
        for m in doc.mentions:
            first.setdefault(m.concept, m)
        flags = Counter((m.concept, f) for m in doc.mentions for f in m.flags)
        parts.append('<table class="summary"><thead><tr><th>concept</th><th>category</th><th>canonical</th>'
                     "<th>translation</th><th>mentions</th><th>flags</th></tr></thead><tbody>")
        for cid, n in counts.most_common():
            m = first[cid]
            fl = ", ".join(f"{f} ×{k}" for (c, f), k in flags.items() if c == cid)
            parts.append(f"<tr><td>{html.escape(cid)}</td><td>{m.category}</td><td>{html.escape(m.canonical)}</td>"
                         f"<td>{html.escape(m.suggestion)}</td><td>{n}</td><td>{html.escape(fl)}</td></tr>")
        parts.append("</tbody></table></section>")
    parts += ["</body>", "</html>"]
    return "\n".join(parts) + "\n"
