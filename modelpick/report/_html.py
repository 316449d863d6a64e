"""Building blocks of the HTML documents: one escaped page shell, tables and provenance marks.

Every string that reaches a page goes through :func:`escape` (or is built from escaped parts by the
helpers here), so a label such as ``<script>`` or a model path holding quotes is shown, never run.
The page loads nothing: styles are inline and the plot is inline SVG, so one file is the whole report.
"""

from __future__ import annotations

import html
from collections.abc import Iterable, Sequence

__all__ = [
    "PROVENANCE_LEGEND", "Markup", "bullets", "escape", "figure_svg", "join", "key_values", "model_name", "number",
    "page", "provenance_mark", "section", "table", "tag",
]


class Markup(str):
    """A string that is already HTML (built here from escaped parts); :func:`escape` leaves it alone.

    Adding anything to it escapes the other side first, so markup never absorbs raw text.
    """

    def __add__(self, other: object) -> Markup:
        return Markup(str.__add__(self, escape(other)))

    def __radd__(self, other: object) -> Markup:
        return Markup(str.__add__(escape(other), self))


def escape(value: object) -> Markup:
    """``value`` as text inside HTML, quotes included (safe in attributes too)."""
    if isinstance(value, Markup):
        return value
    return Markup(html.escape(str(value), quote=True))


def join(parts: Iterable[object], separator: str = "") -> Markup:
    return Markup(escape(separator).join(escape(p) for p in parts))


def tag(name: str, content: object = "", **attributes: object) -> Markup:
    """``<name attr="...">content</name>`` with the content and every attribute value escaped."""
    attrs = "".join(
        f' {key.rstrip("_").replace("_", "-")}="{escape(value)}"'
        for key, value in attributes.items() if value is not None
    )
    return Markup(f"<{name}{attrs}>{escape(content)}</{name}>")


# Provenance: measured here, estimated by a named method, or published with a citation.
_MARKS = {"measured": ("m", "measured here"), "estimated": ("e", "estimated"), "published": ("p", "published")}
PROVENANCE_LEGEND = Markup(
    '<p class="legend">Where each number comes from: '
    '<sup class="prov prov-m">m</sup> measured here, on this machine and your data; '
    '<sup class="prov prov-e">e</sup> estimated by the named method; '
    '<sup class="prov prov-p">p</sup> published (the citation is in the tooltip and under the table). '
    "Hover over a mark for the details.</p>"
)


def model_name(value: str) -> Markup:
    """A model id or path in monospace, with break opportunities after each ``/`` so long ids wrap there."""
    # Each part stays whole (browsers would break "tfidf-logreg" at its hyphen); lines break after "/".
    inner = Markup("/<wbr>").join(tag("span", part, class_="part") for part in value.split("/"))
    return Markup(f'<span class="name">{inner}</span>')


def provenance_mark(kind: str, detail: str) -> Markup:
    """A small superscript saying where a number comes from, with the details as its tooltip."""
    letter, words = _MARKS.get(kind, ("?", kind))
    return tag("sup", letter, class_=f"prov prov-{letter}", title=f"{words}: {detail}" if detail else words)


def number(text: str, kind: str | None, detail: str = "") -> Markup:
    """A figure followed by its provenance mark (none for ``"-"`` or when ``kind`` is None)."""
    if kind is None or text in ("-", ""):
        return escape(text)
    return Markup(escape(text) + provenance_mark(kind, detail))


def table(headers: Sequence[object], rows: Iterable[Sequence[object]], *, numeric: Sequence[int] = (),
          class_: str = "", caption: object = None) -> Markup:
    """A table; columns listed in ``numeric`` are right-aligned."""
    head = "".join(tag("th", h, class_="num" if i in numeric else None) for i, h in enumerate(headers))
    body = "".join(
        "<tr>" + "".join(tag("td", c, class_="num" if i in numeric else None) for i, c in enumerate(row)) + "</tr>"
        for row in rows
    )
    cap = tag("caption", caption) if caption is not None else ""
    return Markup(f'<table class="{escape(class_)}">{cap}<thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>')


def key_values(rows: Iterable[tuple[object, object]]) -> Markup:
    body = "".join(f"<tr>{tag('th', k, scope='row')}{tag('td', v)}</tr>" for k, v in rows)
    return Markup(f'<table class="kv"><tbody>{body}</tbody></table>')


def bullets(items: Iterable[object], *, ordered: bool = False) -> Markup:
    name = "ol" if ordered else "ul"
    return Markup(f"<{name}>" + "".join(tag("li", i) for i in items) + f"</{name}>")


def section(anchor: str, title: object, *content: object) -> Markup:
    inner = "".join(escape(c) for c in content)
    return Markup(f'<section id="{escape(anchor)}">{tag("h2", title)}{inner}</section>')


def figure_svg(svg: str, caption: object) -> Markup:
    """An inline SVG the plot module wrote (matplotlib escapes its own text), with a caption."""
    return Markup(f'<figure class="plot">{svg}{tag("figcaption", caption)}</figure>')


_STYLE = """
:root { color-scheme: light; --ink: #1f2328; --muted: #59636e; --line: #d1d9e0; --ok: #1b7837; --bad: #b2182b; }
* { box-sizing: border-box; }
body { margin: 0; font: 15px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, "DejaVu Sans", sans-serif;
       color: var(--ink); background: #fff; }
main { max-width: 1280px; margin: 0 auto; padding: 24px 28px 48px; }
h1 { font-size: 1.6rem; margin: 0 0 4px; }
h2 { font-size: 1.2rem; margin: 32px 0 8px; padding-bottom: 4px; border-bottom: 1px solid var(--line); }
h3 { font-size: 1.05rem; margin: 18px 0 6px; }
.meta, .legend, figcaption, .note { color: var(--muted); font-size: 0.9rem; }
.verdict { font-size: 1.15rem; font-weight: 600; padding: 10px 14px; border-radius: 6px; margin: 12px 0 6px; }
.verdict.ok { background: #e7f4ea; border-left: 5px solid var(--ok); }
.verdict.none { background: #fbe9eb; border-left: 5px solid var(--bad); }
.warning { background: #fff6e0; border-left: 5px solid #c98a00; padding: 8px 14px; border-radius: 6px; }
p.pair { font-size: 1rem; font-weight: 500; margin: 8px 0; padding: 8px 12px; background: #f6f8fa;
         border-left: 4px solid var(--ok); border-radius: 4px; }
.card ul { list-style: none; padding-left: 0; }
.card li { margin: 6px 0; }
table.matrix th:first-child, table.matrix td:first-child { min-width: 15em; }
table { border-collapse: collapse; margin: 8px 0 12px; font-size: 0.86rem; }
th, td { padding: 5px 7px; border-bottom: 1px solid var(--line); text-align: left; vertical-align: top; }
thead th { background: #f6f8fa; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
table.kv th { font-weight: 600; white-space: nowrap; padding-right: 18px; }
table.wide { width: 100%; }
tr.front td:first-child { box-shadow: inset 4px 0 var(--ok); }
code, .name { font-family: ui-monospace, "DejaVu Sans Mono", Menlo, monospace; font-size: 0.88em;
              overflow-wrap: break-word; }
.name .part { white-space: nowrap; }
td .name { display: inline-block; min-width: 9em; }
thead th { white-space: normal; }
table.matrix td { white-space: normal; }
sup.prov { font-size: 0.68em; margin-left: 2px; padding: 0 3px; border-radius: 3px; cursor: help; font-weight: 600; }
sup.prov-m { background: #e7f4ea; color: #14592a; }
sup.prov-e { background: #fff4d6; color: #7a5200; }
sup.prov-p { background: #e8eefb; color: #1f3f8f; }
figure.plot { margin: 8px 0; }
figure.plot svg { max-width: 100%; height: auto; }
.cols { display: grid; grid-template-columns: repeat(auto-fit, minmax(320px, 1fr)); gap: 16px; }
.card { border: 1px solid var(--line); border-radius: 8px; padding: 10px 16px; }
.card h3 { margin-top: 6px; }
.strength { color: var(--ok); }
.weakness { color: var(--bad); }
details summary { cursor: pointer; color: var(--muted); }
footer { margin-top: 36px; color: var(--muted); font-size: 0.85rem; }
"""


def page(title: str, body: Iterable[object]) -> str:
    """The whole document: a page that needs nothing but itself."""
    return (
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{escape(title)}</title>\n<style>{_STYLE}</style>\n</head>\n<body>\n<main>\n"
        + "\n".join(escape(b) for b in body)
        + "\n</main>\n</body>\n</html>\n"
    )
