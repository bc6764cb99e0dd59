"""Static HTML for the package: pages that open from disk in any browser, no server, no scripts.

Everything is escaped; images are referenced by relative paths to PNG files that
sit beside the pages; every table and image has its source and scenario lines
in a caption right below it.
"""
from __future__ import annotations

from html import escape
from typing import Iterable, Sequence

from k2020proj.outputs import formats, labels
from k2020proj.outputs.formats import Table

STYLE = """
body{font-family:"DejaVu Sans",Arial,sans-serif;margin:0;color:#1b1b1b;background:#fff}
header{background:#0b3d66;color:#fff;padding:14px 28px}
header a{color:#cfe3ff}
main{padding:8px 28px 40px;max-width:1400px}
h1{font-size:1.5em;margin:4px 0}
h2{font-size:1.2em;margin-top:1.6em;border-bottom:2px solid #0b3d66}
p.lead{font-size:1.05em;line-height:1.5;max-width:60em}
nav ul{columns:3;list-style:none;padding:0}
nav li{margin:2px 0}
figure{margin:12px 0 22px}
.scroll{overflow-x:auto;max-width:100%}
figcaption{font-size:.8em;color:#444;margin-top:4px}
table{border-collapse:collapse;font-size:.82em}
th,td{border:1px solid #c8cdd2;padding:3px 7px}
th{background:#e8eef4;text-align:left;vertical-align:bottom}
td.num{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}
tr.total td{font-weight:bold;background:#f4f6f8}
img{max-width:100%;height:auto;border:1px solid #e0e0e0}
.warn{background:#fff3cd;border:1px solid #e0c060;padding:6px 10px}
"""


def page(title: str, body: str, lang: str, subtitle: str = "", home: str | None = None) -> str:
    """A whole HTML document with the package's style, a header and ``body``."""
    back = f'<p><a href="{escape(home)}">{escape(labels.text("back", lang))}</a></p>' if home else ""
    return (f'<!DOCTYPE html>\n<html lang="{"nb" if lang == "no" else "en"}">\n<head>\n'
            f'<meta charset="utf-8">\n<title>{escape(title)}</title>\n<style>{STYLE}</style>\n'
            f'</head>\n<body>\n<header><h1>{escape(title)}</h1>{_p(subtitle)}{back}</header>\n'
            f'<main>\n{body}\n</main>\n</body>\n</html>\n')


def _p(text: str) -> str:
    return f"<p>{escape(text)}</p>" if text else ""


def heading(text: str) -> str:
    return f"<h2>{escape(text)}</h2>"


def lead(sentences: Sequence[str]) -> str:
    """The generated findings as one paragraph."""
    return f'<p class="lead">{escape(" ".join(sentences))}</p>'


def caption(notes: Iterable[str]) -> str:
    return "<figcaption>" + "<br>".join(escape(n) for n in notes) + "</figcaption>"


def table(tab: Table, threshold: int, lang: str, total_region: str | None = None) -> str:
    """``tab`` as an HTML table for people (rounded, symbols, suppression) with its caption."""
    shown = formats.people_frame(tab, threshold, lang)
    numeric = {tab.headers.get(c, c) for c in tab.value_columns()}
    head = "".join(f"<th>{escape(str(c))}</th>" for c in shown.columns)
    rows = []
    regions = tab.frame["region"] if "region" in tab.frame.columns else [None] * len(shown)
    for region, row in zip(regions, shown.itertuples(index=False)):
        cells = "".join(f'<td class="num">{escape(str(v))}</td>' if c in numeric
                        else f"<td>{escape(str(v))}</td>" for c, v in zip(shown.columns, row))
        marker = ' class="total"' if total_region is not None and region == total_region else ""
        rows.append(f"<tr{marker}>{cells}</tr>")
    symbols = labels.text("symbols", lang, threshold=threshold)
    return (f'<figure><div class="scroll"><table><thead><tr>{head}</tr></thead>'
            f"<tbody>{''.join(rows)}</tbody></table></div>"
            f"{caption([*tab.notes, symbols])}</figure>")


def image(src: str, alt: str, notes: Sequence[str]) -> str:
    """A chart with its source lines below it (they are also drawn inside the PNG)."""
    return f'<figure><img src="{escape(src)}" alt="{escape(alt)}">{caption(notes)}</figure>'


def links(items: Sequence[tuple[str, str]]) -> str:
    """A list of links ``(href, text)``."""
    entries = "".join(f'<li><a href="{escape(href)}">{escape(text)}</a></li>' for href, text in items)
    return f"<nav><ul>{entries}</ul></nav>"


def warning(text: str) -> str:
    return f'<p class="warn">{escape(text)}</p>'


def definitions(items: Sequence[tuple[str, str]]) -> str:
    """A two-column table of terms and explanations (the method page)."""
    rows = "".join(f"<tr><th>{escape(k)}</th><td>{escape(v)}</td></tr>" for k, v in items)
    return f"<table>{rows}</table>"
