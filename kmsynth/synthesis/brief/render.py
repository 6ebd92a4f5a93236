"""A knowledge brief as Markdown, an HTML page or fragment, and a Word document; every text from
the data escaped. `write_brief` picks the format by extension and writes atomically."""

from __future__ import annotations

import html as _html
import os
import re
import tempfile
from pathlib import Path
from typing import Any

import pandas as pd

from kmsynth.errors import InputError
from kmsynth.protect import make_private_dir
from kmsynth.synthesis.brief.model import CSP, Brief, BriefTheme, Item

# --------------------------------------------------------------------------------------------
# renderers


def _clean(t: Any) -> str:
    """One line of text: whitespace runs (line breaks in a post) become one space."""
    return re.sub(r"\s+", " ", "" if t is None else str(t)).strip()


def _scope_lines(b: Brief) -> list[tuple[str, str]]:
    s = b.scope
    out = []
    if s.get("from"):
        out.append(("Period", f"{s['from']} to {s['to']}"))
    out.append(
        ("Posts", f"{s['posts']:,}" + (f" in {s['threads']:,} threads" if s.get("threads") else ""))
    )
    if s.get("participants") is not None:
        p = s["participants"]
        out.append(("Participants", f"{p:,}" if isinstance(p, int) else str(p)))
    if s.get("countries") is not None:
        c = s["countries"]
        out.append(("Countries", f"{c:,}" if isinstance(c, int) else str(c)))
    regions = ", ".join(s.get("regions") or []) or "not stated"
    if s.get("other_regions"):
        regions += f" (and regions with fewer than {b.k} posts)"
    out.append(("Regions", regions))
    langs = ", ".join(s.get("languages") or []) or "not stated"
    if s.get("other_languages"):
        langs += f" (and languages with fewer than {b.k} posts)"
    out.append(("Languages", langs))
    return out


def _cite(i: Item, b: Brief, *, theme: bool = False) -> str:
    parts = [b.cite_id(i.post_id)]
    if theme and i.theme:
        parts.append(f"theme: {i.theme}")
    if i.support >= b.k:
        parts.append(f"a point made by {i.support} participants")
    if i.also_countries:
        parts.append(
            "also reported from "
            + ", ".join(i.also_countries[:6])
            + (" and others" if len(i.also_countries) > 6 else "")
        )
    return "; ".join(_clean(p) for p in parts)


def _theme_meta(t: BriefTheme, b: Brief) -> str:
    size = f"{t.size:,} posts" if t.size else f"fewer than {b.k} posts"
    bits = (
        [size]
        + ([f"pillar: {t.pillar}"] if t.pillar else [])
        + (
            [f"keywords: {', '.join([x.strip() for x in t.keywords.split(';') if x.strip()][:6])}"]
            if t.keywords
            else []
        )
    )
    return " · ".join(_clean(x) for x in bits)


def _theme_notes(b: Brief) -> list[str]:
    out = []
    if b.omitted_themes:
        out.append(f"{b.omitted_themes} smaller theme(s) are not summarised here.")
    if b.small_talk_themes:
        out.append(
            f"{b.small_talk_themes} theme(s) of greetings, thanks and introductions are not "
            "summarised."
        )
    return out


_MD_SPECIAL = re.compile(r"([\\`*_\[\]#|~])")


def _md(t: Any) -> str:
    """Data text made inert in Markdown: HTML-escaped (a renderer passing raw HTML through shows
    it as text) and Markdown punctuation backslash-escaped."""
    s = _html.escape(_clean(t), quote=False)
    s = _MD_SPECIAL.sub(r"\\\1", s)
    return re.sub(r"^([-+>]|\d+[.)])", r"\\\1", s)


def render_markdown(b: Brief) -> str:
    """The brief as Markdown; every data text escaped."""
    out = [f"# {_md(b.title)}", "", _md(b.intro), "", "## Scope", ""]
    out += [f"- **{k}:** {_md(v)}" for k, v in _scope_lines(b)]
    out += ["", "## Key lessons learned", ""]
    out += [f"- {_md(i.text)} *({_md(_cite(i, b, theme=True))})*" for i in b.lessons] or [
        "- None found."
    ]
    out += ["", "## Promising practices", ""]
    if not b.practices:
        out += ["None found.", ""]
    for region, by_country in b.practices_by_region().items():
        out += [f"### {_md(region or 'Other')}", ""]
        for country, items in by_country.items():
            out += [f"- **{_md(country)}:** {_md(i.text)} *({_md(_cite(i, b))})*" for i in items]
        out.append("")
    out += ["## Themes", ""]
    if not b.themes:
        out += ["Too few posts to find themes.", ""]
    for n, t in enumerate(b.themes, 1):
        out += [f"### {n}. {_md(t.label)}", "", f"*{_md(_theme_meta(t, b))}*", ""]
        for f in t.flags:
            out += [f"> **Caution — {_md(f)}**", ""]
        if t.summary:
            out += ["What participants said:", ""] + [
                f"- {_md(i.text)} *({_md(b.cite_id(i.post_id))})*" for i in t.summary
            ]
            out.append("")
        if t.lessons:
            out += ["Lessons:", ""] + [
                f"- {_md(i.text)} *({_md(b.cite_id(i.post_id))})*" for i in t.lessons
            ]
            out.append("")
        for q in t.quotes:
            out += [f"> “{_md(q.text)}” — a participant *({_md(b.cite_id(q.post_id))})*", ""]
    out += [_md(n) + "\n" for n in _theme_notes(b)]
    out += ["## Method", ""] + [f"- {_md(m)}" for m in b.method]
    return "\n".join(out) + "\n"


_CSS = """<style>
.kmbrief{font-family:system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:#1d2433;
 max-width:860px;margin:0 auto;line-height:1.45}
.kmbrief h1{color:#4b2a7b}
.kmbrief h2{border-bottom:2px solid #6a3d9a;padding-bottom:4px;margin-top:1.8em}
.kmbrief .intro{font-size:1.05em}.kmbrief .muted{color:#666;font-size:.88em}
.kmbrief .theme{border-left:4px solid #6a3d9a;padding:2px 14px;margin:14px 0}
.kmbrief .flag{color:#b3261e;font-weight:600}
.kmbrief blockquote{margin:8px 0 8px 6px;padding:4px 12px;border-left:3px solid #b9a3d6;color:#333;
 font-style:italic}
.kmbrief dl.scope{display:grid;grid-template-columns:max-content 1fr;gap:2px 14px}
.kmbrief dl.scope dt{font-weight:600}.kmbrief dl.scope dd{margin:0}
</style>"""


def render_html_fragment(b: Brief) -> str:
    """The brief as an HTML fragment (styles scoped to it), for a notebook or another page:
    every data text escaped, no script, no link, no image."""
    e = _html.escape

    def cite(i: Item, theme: bool = False) -> str:
        return f" <span class='muted'>({e(_cite(i, b, theme=theme))})</span>"

    def li(i: Item, theme: bool = False) -> str:
        return f"<li>{e(_clean(i.text))}{cite(i, theme)}</li>"

    p = [
        f"{_CSS}<div class='kmbrief'><h1>{e(_clean(b.title))}</h1><p "
        f"class='intro'>{e(b.intro)}</p>",
        "<h2>Scope</h2><dl class='scope'>"
        + "".join(f"<dt>{e(k)}</dt><dd>{e(v)}</dd>" for k, v in _scope_lines(b))
        + "</dl>",
        "<h2>Key lessons learned</h2>"
        + (
            "<ul>" + "".join(li(i, True) for i in b.lessons) + "</ul>"
            if b.lessons
            else "<p>None found.</p>"
        ),
        "<h2>Promising practices</h2>" + ("" if b.practices else "<p>None found.</p>"),
    ]
    for region, by_country in b.practices_by_region().items():
        p.append(f"<h3>{e(_clean(region or 'Other'))}</h3><ul>")
        for country, items in by_country.items():
            p += [
                f"<li><strong>{e(_clean(country))}:</strong> {e(_clean(i.text))}{cite(i)}</li>"
                for i in items
            ]
        p.append("</ul>")
    p.append("<h2>Themes</h2>" + ("" if b.themes else "<p>Too few posts to find themes.</p>"))
    for n, t in enumerate(b.themes, 1):
        p.append(
            f"<div class='theme'><h3>{n}. {e(_clean(t.label))}</h3>"
            f"<p class='muted'>{e(_theme_meta(t, b))}</p>"
        )
        p += [f"<p class='flag'>Caution — {e(f)}</p>" for f in t.flags]
        if t.summary:
            p.append(
                "<p>What participants said:</p><ul>" + "".join(li(i) for i in t.summary) + "</ul>"
            )
        if t.lessons:
            p.append("<p>Lessons:</p><ul>" + "".join(li(i) for i in t.lessons) + "</ul>")
        p += [
            f"<blockquote>“{e(_clean(q.text))}” — a participant{cite(q)}</blockquote>"
            for q in t.quotes
        ]
        p.append("</div>")
    p += [f"<p class='muted'>{e(n)}</p>" for n in _theme_notes(b)]
    p.append("<h2>Method</h2><ul>" + "".join(f"<li>{e(m)}</li>" for m in b.method) + "</ul></div>")
    return "".join(p)


def brief_cards_html(b: Brief) -> str:
    """Headline figures of a brief as styled cards (the report's one CSS included, so they are
    styled in JupyterLab and in nbconvert's HTML alike)."""
    from kmsynth import html as h

    cards = [
        ("posts", b.scope.get("posts"), ""),
        ("key lessons", len(b.lessons), ""),
        ("practices", sum(len(v) for v in b.practices.values()), ""),
        ("themes", len(b.themes), ""),
    ]
    return h.CSS + '<div class="km">' + h.cards_html(cards) + "</div>"


def brief_charts_html(b: Brief, posts: pd.DataFrame) -> str:
    """Posts per region and per theme as inline Plotly charts, groups below k hidden
    (plotly.js embedded once: no request leaves the page)."""
    import plotly.express as px

    from kmsynth import html as h
    from kmsynth.protect import suppress_small_cells

    region = posts.get("region", pd.Series(dtype=str)).fillna("").replace("", "(not stated)")
    per_region = suppress_small_cells(region.value_counts(), b.k).dropna()
    per_region = per_region.rename("posts").rename_axis("region").reset_index()
    fig_r = px.bar(
        per_region,
        x="posts",
        y="region",
        orientation="h",
        template="plotly_white",
        title=f"Posts per region (regions with fewer than {b.k} posts hidden)",
    )
    sizes = pd.DataFrame(
        {"theme": [t.label for t in b.themes], "posts": [t.size for t in b.themes]}
    ).dropna()
    fig_t = px.bar(
        sizes.iloc[::-1],
        x="posts",
        y="theme",
        orientation="h",
        template="plotly_white",
        title=f"Posts per theme (themes with fewer than {b.k} posts hidden)",
    )
    return (
        h.plotly_js()
        + h.figure_html(fig_r, name="brief-regions")
        + h.figure_html(fig_t, name="brief-themes")
    )


def render_html(b: Brief) -> str:
    """The brief as one self-contained HTML page: every data text escaped, no script, no request
    (a Content-Security-Policy forbids both)."""
    return (
        "<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'>"
        f"<meta http-equiv='Content-Security-Policy' content=\"{CSP}\">"
        "<meta name='referrer' content='no-referrer'>"
        "<meta name='viewport' content='width=device-width, initial-scale=1'>"
        f"<title>{_html.escape(_clean(b.title))}</title>"
        "<style>body{margin:2em auto;padding:0 1em}</style></head><body>"
        + render_html_fragment(b)
        + "</body></html>"
    )


_XML_BAD = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def _x(t: Any) -> str:
    """Text Word accepts (no control characters)."""
    return _XML_BAD.sub("", _clean(t))


def render_docx(b: Brief, path: str | os.PathLike) -> Path:
    """The brief as a Word document (python-docx)."""
    from docx import Document

    doc = Document()
    _docx_properties(doc, b)
    doc.add_heading(_x(b.title), 0)
    doc.add_paragraph(_x(b.intro))
    doc.add_heading("Scope", 1)
    for k, v in _scope_lines(b):
        _docx_bullet(doc, v, lead=k)
    doc.add_heading("Key lessons learned", 1)
    for i in b.lessons:
        _docx_bullet(doc, i.text, _cite(i, b, theme=True))
    if not b.lessons:
        doc.add_paragraph("None found.")
    doc.add_heading("Promising practices", 1)
    if not b.practices:
        doc.add_paragraph("None found.")
    for region, by_country in b.practices_by_region().items():
        doc.add_heading(_x(region or "Other"), 2)
        for country, items in by_country.items():
            for i in items:
                _docx_bullet(doc, i.text, _cite(i, b), lead=country)
    _docx_themes(doc, b)
    doc.add_heading("Method", 1)
    for m in b.method:
        _docx_bullet(doc, m)
    out = Path(path)
    doc.save(str(out))
    return out


def _docx_properties(doc: Any, b: Brief) -> None:
    """Title, 'kmsynth' as author, no comments; dated by the brief's last day (reproducible)."""
    cp = doc.core_properties
    cp.title, cp.author, cp.last_modified_by, cp.comments = _x(b.title), "kmsynth", "kmsynth", ""
    if b.scope.get("to"):
        from datetime import datetime, timezone

        cp.created = cp.modified = datetime.strptime(b.scope["to"], "%Y-%m-%d").replace(
            tzinfo=timezone.utc
        )


def _docx_bullet(doc: Any, text: str, cite: str = "", lead: str = "") -> None:
    """A bullet: an optional bold lead, the text, an optional small grey citation."""
    from docx.shared import Pt, RGBColor

    para = doc.add_paragraph(style="List Bullet")
    if lead:
        para.add_run(_x(lead) + ": ").bold = True
    para.add_run(_x(text))
    if cite:
        r = para.add_run(f" ({_x(cite)})")
        r.italic = True
        r.font.size = Pt(9)
        r.font.color.rgb = RGBColor(0x66, 0x66, 0x66)


def _docx_themes(doc: Any, b: Brief) -> None:
    """The themes section: label, size and flags, what participants said, lessons, quotes."""
    from docx.shared import RGBColor

    doc.add_heading("Themes", 1)
    if not b.themes:
        doc.add_paragraph("Too few posts to find themes.")
    for n, t in enumerate(b.themes, 1):
        doc.add_heading(f"{n}. {_x(t.label)}", 2)
        meta = doc.add_paragraph().add_run(_x(_theme_meta(t, b)))
        meta.italic = True
        for f in t.flags:
            r = doc.add_paragraph().add_run("Caution — " + _x(f))
            r.bold = True
            r.font.color.rgb = RGBColor(0xB3, 0x26, 0x1E)
        for heading, items in (("What participants said:", t.summary), ("Lessons:", t.lessons)):
            if items:
                doc.add_paragraph(heading)
                for i in items:
                    _docx_bullet(doc, i.text, b.cite_id(i.post_id))
        for q in t.quotes:
            doc.add_paragraph(
                f"“{_x(q.text)}” — a participant ({_x(b.cite_id(q.post_id))})",
                style="Intense Quote",
            )
    for n in _theme_notes(b):
        doc.add_paragraph(n)


def write_brief(b: Brief, out: str | os.PathLike) -> Path:
    """Write by extension (.md, .html/.htm, .docx), atomically: a failed write leaves no
    half-written file and keeps any previous one."""
    p = Path(out)
    ext = p.suffix.lower()
    if ext not in (".md", ".html", ".htm", ".docx"):
        raise InputError(
            f"cannot write a brief as {ext or 'a file without extension'}",
            file=str(p),
            hint="use --out brief.md, brief.html or brief.docx",
        )
    make_private_dir(p.parent)
    fd, tmp = tempfile.mkstemp(prefix=".brief-", suffix=ext, dir=p.parent)
    os.close(fd)
    try:
        if ext == ".md":
            Path(tmp).write_text(render_markdown(b), encoding="utf-8")
        elif ext == ".docx":
            render_docx(b, tmp)
        else:
            Path(tmp).write_text(render_html(b), encoding="utf-8")
        os.chmod(tmp, 0o600)  # a brief holds redacted text: owner-only until shared on purpose
        os.replace(tmp, p)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)
    return p
