"""Safe HTML fragments for reports and notebooks: every data text is escaped here.

Notebooks show results through these helpers (`display(HTML(fragment))`), never by passing data
text to `HTML()` or `Markdown()` directly, which would execute a post's `<script>` in the
rendered page. Charts are Plotly figures embedded as static JSON plus one inline copy of
plotly.js, so the page makes no request.
"""

from __future__ import annotations

import base64
import hashlib
import html
import math
import re
from collections.abc import Iterable, Sequence
from typing import Any

import pandas as pd

HIDDEN = "–"  # shown in place of a suppressed (small) count
_CSP_REST = (
    "style-src 'unsafe-inline'; img-src data:; font-src data:; connect-src 'none'; "
    "base-uri 'none'; form-action 'none'"
)
# a page without scripts (the reports index)
INDEX_CSP = f"default-src 'none'; script-src 'none'; {_CSP_REST}"
_INLINE_SCRIPT = re.compile(r"<script\b(?![^>]*\bsrc\s*=)[^>]*>(.*?)</script>", re.I | re.S)


def page_csp(page: str) -> str:
    """The Content-Security-Policy of a static page: only its own inline scripts may run.

    Each inline script is allowed by the sha256 of its text (no 'unsafe-inline'), so markup that
    escaped escaping still cannot run a script.
    """
    hashes = sorted(
        {
            "'sha256-"
            + base64.b64encode(hashlib.sha256(m.encode("utf-8")).digest()).decode("ascii")
            + "'"
            for m in _INLINE_SCRIPT.findall(page)
        }
    )
    scripts = " ".join(hashes) if hashes else "'none'"
    return f"default-src 'none'; script-src {scripts}; {_CSP_REST}"


CSS = """
<style>
.km{font-family:system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:#1d2433;max-width:1100px}
.km h2{border-bottom:2px solid #6a3d9a;padding-bottom:4px;margin-top:28px}
.km .cards{display:flex;flex-wrap:wrap;gap:12px;margin:8px 0 16px}
.km .card{background:#f6f3fa;border-radius:8px;padding:10px 14px;min-width:130px}
.km .card .v{font-size:1.6em;font-weight:600}.km .card .l{font-size:.85em;color:#555}
.km .up{color:#1a7f37}.km .down{color:#b3261e}.km .muted{color:#666;font-size:.9em}
.km table.t{border-collapse:collapse;margin:6px 0 14px;font-size:.92em}
.km table.t th,.km table.t td{border-bottom:1px solid #ddd;padding:4px 8px;text-align:left;
  vertical-align:top}
.km table.t td.n{text-align:right;font-variant-numeric:tabular-nums}
.km .theme{border-left:4px solid #6a3d9a;padding:4px 12px;margin:12px 0}
.km .badge{display:inline-block;border-radius:10px;padding:1px 8px;font-size:.8em;background:#eee;
  margin-left:6px}
.km .new{background:#d7f5dd}.km .growing{background:#fff1c2}.km .shrinking{background:#fde0dc}
.km .gone{background:#e5e5e5}
.km blockquote{margin:6px 0 6px 10px;padding-left:10px;border-left:3px solid #ccc;color:#333}
.km .flag{color:#b3261e;font-size:.9em}
</style>
"""


def esc(value: Any) -> str:
    """Escape one value for HTML text or attribute context; None and NaN become empty."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    return html.escape(str(value), quote=True)


def _cell(v: Any, numeric: bool) -> str:
    if v is None or (isinstance(v, float) and math.isnan(v)) or v is pd.NA:
        return (
            f'<td class="n" title="hidden: too few to show">{HIDDEN}</td>'
            if numeric
            else "<td></td>"
        )
    if numeric and isinstance(v, float):
        txt = f"{v:,.0f}" if float(v).is_integer() else f"{v:,.2f}"
        return f'<td class="n">{esc(txt)}</td>'
    if numeric:
        return f'<td class="n">{esc(f"{v:,}" if isinstance(v, int) else v)}</td>'
    return f"<td>{esc(v)}</td>"


def table_html(
    df: pd.DataFrame, *, caption: str | None = None, index: bool = False, max_rows: int = 200
) -> str:
    """An escaped HTML table of an aggregate table (never of raw input rows)."""
    d = df.reset_index() if index else df
    d = d.head(max_rows)
    numeric = {c: pd.api.types.is_numeric_dtype(d[c]) for c in d.columns}
    head = "".join(f"<th>{esc(c)}</th>" for c in d.columns)
    cols = list(d.columns)
    body = "".join(
        "<tr>" + "".join(_cell(v, numeric[c]) for c, v in zip(cols, row, strict=True)) + "</tr>"
        for row in d.itertuples(index=False, name=None)
    )
    cap = f"<caption class='muted'>{esc(caption)}</caption>" if caption else ""
    return f'<table class="t">{cap}<thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>'


def cards_html(cards: Iterable[tuple[str, Any, str]]) -> str:
    """Headline figures: (label, value, change text such as '+12% on April')."""
    out = []
    for label, value, change in cards:
        cls = (
            "up"
            if str(change).startswith("+")
            else "down"
            if str(change).startswith("−") or str(change).startswith("-")
            else "muted"
        )
        val = (
            HIDDEN
            if value is None or (isinstance(value, float) and math.isnan(value))
            else (f"{value:,}" if isinstance(value, int) else value)
        )
        out.append(
            f'<div class="card"><div class="v">{esc(val)}</div><div class="l">{esc(label)}</div>'
            f'<div class="{cls}">{esc(change)}</div></div>'
        )
    return '<div class="cards">' + "".join(out) + "</div>"


def section(title: str, body: str, *, intro: str | None = None) -> str:
    """A report section: escaped title and intro, `body` already built by these helpers."""
    p = f'<p class="muted">{esc(intro)}</p>' if intro else ""
    return f'<div class="km"><h2>{esc(title)}</h2>{p}{body}</div>'


def paragraph(text: str, cls: str = "") -> str:
    """An escaped paragraph with an optional class."""
    return f'<p class="{esc(cls)}">{esc(text)}</p>'


def bullet_list(items: Sequence[str]) -> str:
    """An escaped bullet list."""
    return "<ul>" + "".join(f"<li>{esc(i)}</li>" for i in items) + "</ul>"


def quote_html(text: str, source: str = "") -> str:
    """A quote (already redacted and consented) with an optional source note, escaped."""
    s = f' <span class="muted">({esc(source)})</span>' if source else ""
    return f"<blockquote>{esc(text)}{s}</blockquote>"


def figure_html(fig: Any, *, name: str) -> str:
    """A Plotly figure as a div with its data inline; `name` makes the div id deterministic."""
    div_id = "fig-" + hashlib.sha256(name.encode("utf-8")).hexdigest()[:12]
    return fig.to_html(
        full_html=False,
        include_plotlyjs=False,
        div_id=div_id,
        config={"displaylogo": False, "responsive": True},
    )


def plotly_js() -> str:
    """plotly.js inline, once per page (about 4 MB; no CDN, works offline)."""
    from plotly.offline import get_plotlyjs

    return '<script type="text/javascript">' + get_plotlyjs() + "</script>"


def page_head() -> str:
    """CSS for the report fragments (the CSP meta tag is added to the final page)."""
    return CSS
