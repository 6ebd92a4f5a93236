"""Knowledge briefs from a discussion: scope, key lessons, promising practices by country,
themes with summaries and quotes, and a method note — in Markdown, HTML and Word.

Every lesson, practice, summary sentence and quote is a verbatim sentence of a redacted post
and carries the post id it comes from. A theme resting on few posts, or mostly on one author
or one country, is flagged as such and never stated as a general finding.
"""
from __future__ import annotations

import html as _html
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from .summarise import (ExtractiveSummariser, Sentence, find_lessons, find_practices, pick_quotes,
                        sentences_of)

FEW_POSTS = 5
ONE_VOICE = 0.5


@dataclass
class Item:
    text: str
    post_id: str
    country: str = ""


@dataclass
class BriefTheme:
    label: str
    size: int | None
    pillar: str
    summary: list[Item]
    quotes: list[Item]
    flag: str = ""


@dataclass
class Brief:
    title: str
    scope: dict[str, Any]
    lessons: list[Item]
    practices: dict[str, list[Item]]
    themes: list[BriefTheme]
    method: list[str] = field(default_factory=list)

    def items(self) -> list[Item]:
        out = list(self.lessons) + [i for v in self.practices.values() for i in v]
        for t in self.themes:
            out += t.summary + t.quotes
        return out


def build_brief(posts: pd.DataFrame, *, title: str, embedder, k: int = 10, theme_result=None,
                seed: int = 42, summariser=None, excluded_quotes: set[str] | None = None) -> Brief:
    """A brief from a prepared (redacted) posts table; themes are fitted unless given."""
    from .themes import fit_themes

    posts = posts.reset_index(drop=True)
    summariser = summariser or ExtractiveSummariser()
    sents = sentences_of(posts)
    vecs = embedder.encode([s.text for s in sents]) if sents else np.zeros((0, 1))
    by_post: dict[str, list[int]] = {}
    for i, s in enumerate(sents):
        by_post.setdefault(s.post_id, []).append(i)
    if theme_result is None and len(posts) >= 20:
        theme_result = fit_themes(posts["text"].tolist(), posts["post_id"].astype(str).tolist(),
                                  embedder=embedder, seed=seed)
    used: set[str] = set()
    themes: list[BriefTheme] = []
    if theme_result is not None:
        assign = theme_result.assignments.set_index("doc_id")["theme_id"]
        meta = posts.set_index(posts["post_id"].astype(str))
        for r in theme_result.themes.itertuples():
            members = [str(d) for d, t in assign.items() if t == r.theme_id]
            idx = [i for p in members for i in by_post.get(p, [])]
            summ = summariser.summarise([sents[i] for i in idx], vecs[idx], k=3) if idx else []
            cent = theme_result.centroids.get(int(r.theme_id))
            rank = list(np.argsort(-(vecs[idx] @ cent))) if idx and cent is not None and vecs.shape[1] == len(cent) else None
            quotes = [] if len(members) < k else pick_quotes([sents[i] for i in idx], used_authors=used, n=1,
                                                              excluded_posts=excluded_quotes, rank=rank)
            authors = meta.loc[members, "author_id"] if "author_id" in meta else pd.Series(dtype=str)
            countries = meta.loc[members, "country"] if "country" in meta else pd.Series(dtype=str)
            flag = ""
            if len(members) < FEW_POSTS:
                flag = f"Rests on {len(members)} posts: a signal to follow up, not a general finding."
            elif len(authors) and authors.value_counts(normalize=True).iloc[0] > ONE_VOICE:
                flag = "Mostly one participant's posts: one voice, not a general finding."
            elif len(countries) and countries.replace("", np.nan).dropna().value_counts(normalize=True).max() > 0.8:
                flag = "Mostly from one country: may not hold elsewhere."
            themes.append(BriefTheme(label=r.label, size=len(members) if len(members) >= k else None,
                                     pillar=r.pillar_name or "", flag=flag,
                                     summary=[Item(s.text, s.post_id) for s in summ],
                                     quotes=[Item(q.text, q.post_id) for q in quotes]))
    # key lessons: the lesson sentences nearest the centre of all lessons, redundancy removed
    les = find_lessons(sents)
    les_idx = [sents.index(s) for s in les] if les else []
    key = summariser.summarise(les, vecs[les_idx], k=8) if les else []
    prac: dict[str, list[Item]] = {}
    seen: set[str] = set()
    for s, c in find_practices(sents):
        if s.text.lower() in seen:
            continue
        seen.add(s.text.lower())
        prac.setdefault(c, []).append(Item(s.text, s.post_id, c))
    prac = {c: v[:3] for c, v in sorted(prac.items())}
    d = pd.to_datetime(posts["created_at"], utc=True) if "created_at" in posts else pd.Series(dtype="datetime64[ns, UTC]")
    n_people = posts["author_id"].nunique() if "author_id" in posts else None
    scope = {"from": d.min().strftime("%Y-%m-%d") if len(d.dropna()) else "",
             "to": d.max().strftime("%Y-%m-%d") if len(d.dropna()) else "",
             "posts": len(posts), "threads": posts["thread_id"].nunique() if "thread_id" in posts else None,
             "participants": n_people if n_people is None or n_people >= k else f"fewer than {k}",
             "regions": sorted(x for x in posts.get("region", pd.Series(dtype=str)).dropna().unique() if x),
             "languages": sorted(x for x in posts.get("language", pd.Series(dtype=str)).dropna().unique() if x and x != "und")}
    method = ["Themes: BERTopic on sentence embeddings (kmsynth themes), seeded and reproducible.",
              "Summaries, lessons and practices are sentences quoted verbatim from posts (after redaction), "
              "chosen by centrality to the theme with redundancy removed; nothing is paraphrased or invented.",
              "Quotes come only from participants who agreed to be quoted, at most one per participant, "
              "with no redacted detail around them.",
              f"Personal data was redacted before analysis; counts below {k} are not shown. Themes resting on "
              f"fewer than {FEW_POSTS} posts or mostly on one voice are flagged."]
    return Brief(title=title, scope=scope, lessons=[Item(s.text, s.post_id) for s in key], practices=prac,
                 themes=themes, method=method)


# --------------------------------------------------------------------------------------------
# renderers


def _scope_lines(b: Brief) -> list[str]:
    s = b.scope
    return [f"Period: {s['from']} to {s['to']}", f"Posts: {s['posts']}" + (f" in {s['threads']} threads" if s.get("threads") else ""),
            f"Participants: {s['participants']}", "Regions: " + (", ".join(s["regions"]) or "not stated"),
            "Languages: " + (", ".join(s["languages"]) or "not stated")]


def render_markdown(b: Brief) -> str:
    def md(t: str) -> str:  # keep data text from becoming markup
        return _html.escape(t, quote=False).replace("*", r"\*").replace("_", r"\_").replace("#", r"\#").replace("[", r"\[")

    out = [f"# {md(b.title)}", "", "## Scope", ""] + [f"- {md(x)}" for x in _scope_lines(b)]
    out += ["", "## Key lessons learned", ""] + [f"- {md(i.text)} *(post {md(i.post_id)})*" for i in b.lessons]
    out += ["", "## Promising practices by country", ""]
    for c, items in b.practices.items():
        out += [f"**{md(c)}**", ""] + [f"- {md(i.text)} *(post {md(i.post_id)})*" for i in items] + [""]
    out += ["## Themes", ""]
    for t in b.themes:
        size = f"{t.size} posts" if t.size else "few posts"
        out += [f"### {md(t.label)} ({size}{'; ' + md(t.pillar) if t.pillar else ''})", ""]
        if t.flag:
            out += [f"> **Caution:** {md(t.flag)}", ""]
        out += [f"- {md(i.text)} *(post {md(i.post_id)})*" for i in t.summary]
        out += [f"> “{md(q.text)}” *(post {md(q.post_id)})*" for q in t.quotes] + [""]
    out += ["## Method", ""] + [f"- {md(m)}" for m in b.method]
    return "\n".join(out) + "\n"


def render_html(b: Brief) -> str:
    from .html import CSP, CSS, esc

    def li(i: Item) -> str:
        return f"<li>{esc(i.text)} <span class='muted'>(post {esc(i.post_id)})</span></li>"

    parts = [f"<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'>"
             f"<meta http-equiv='Content-Security-Policy' content=\"{CSP}\"><title>{esc(b.title)}</title>{CSS}</head>"
             f"<body><div class='km'><h1>{esc(b.title)}</h1><h2>Scope</h2><ul>"
             + "".join(f"<li>{esc(x)}</li>" for x in _scope_lines(b)) + "</ul>",
             "<h2>Key lessons learned</h2><ul>" + "".join(li(i) for i in b.lessons) + "</ul>",
             "<h2>Promising practices by country</h2>"]
    for c, items in b.practices.items():
        parts.append(f"<h3>{esc(c)}</h3><ul>" + "".join(li(i) for i in items) + "</ul>")
    parts.append("<h2>Themes</h2>")
    for t in b.themes:
        size = f"{t.size} posts" if t.size else "few posts"
        parts.append(f"<div class='theme'><h3>{esc(t.label)} <span class='muted'>({esc(size)}"
                     f"{'; ' + esc(t.pillar) if t.pillar else ''})</span></h3>"
                     + (f"<p class='flag'>Caution: {esc(t.flag)}</p>" if t.flag else "")
                     + "<ul>" + "".join(li(i) for i in t.summary) + "</ul>"
                     + "".join(f"<blockquote>“{esc(q.text)}” <span class='muted'>(post {esc(q.post_id)})</span></blockquote>"
                               for q in t.quotes) + "</div>")
    parts.append("<h2>Method</h2><ul>" + "".join(f"<li>{esc(m)}</li>" for m in b.method) + "</ul></div></body></html>")
    return "".join(parts)


def render_docx(b: Brief, path: str | Path) -> Path:
    from docx import Document

    doc = Document()
    doc.add_heading(b.title, 0)
    doc.add_heading("Scope", 1)
    for x in _scope_lines(b):
        doc.add_paragraph(x, style="List Bullet")
    doc.add_heading("Key lessons learned", 1)
    for i in b.lessons:
        doc.add_paragraph(f"{i.text} (post {i.post_id})", style="List Bullet")
    doc.add_heading("Promising practices by country", 1)
    for c, items in b.practices.items():
        doc.add_heading(c, 2)
        for i in items:
            doc.add_paragraph(f"{i.text} (post {i.post_id})", style="List Bullet")
    doc.add_heading("Themes", 1)
    for t in b.themes:
        size = f"{t.size} posts" if t.size else "few posts"
        doc.add_heading(f"{t.label} ({size}{'; ' + t.pillar if t.pillar else ''})", 2)
        if t.flag:
            doc.add_paragraph(f"Caution: {t.flag}")
        for i in t.summary:
            doc.add_paragraph(f"{i.text} (post {i.post_id})", style="List Bullet")
        for q in t.quotes:
            doc.add_paragraph(f"“{q.text}” (post {q.post_id})", style="Intense Quote")
    doc.add_heading("Method", 1)
    for m in b.method:
        doc.add_paragraph(m, style="List Bullet")
    p = Path(path)
    doc.save(p)
    return p


def write_brief(b: Brief, out: str | Path) -> Path:
    """Write by extension: .md, .html or .docx."""
    from .errors import InputError

    p = Path(out)
    ext = p.suffix.lower()
    p.parent.mkdir(parents=True, exist_ok=True)
    if ext == ".md":
        p.write_text(render_markdown(b), encoding="utf-8")
    elif ext in (".html", ".htm"):
        p.write_text(render_html(b), encoding="utf-8")
    elif ext == ".docx":
        render_docx(b, p)
    else:
        raise InputError(f"cannot write a brief as {ext or 'a file without extension'}", file=str(p),
                         hint="use --out brief.md, brief.html or brief.docx")
    return p
