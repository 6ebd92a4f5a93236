"""Consent (issue 13 item 6): text from people who did not agree to be quoted never appears
verbatim in anything shared: the report, themes.csv, the brief. Without a consent column the
config decides (privacy.verbatim_without_consent, default deny)."""

from __future__ import annotations

import csv
import html
from pathlib import Path

import pandas as pd
import pytest

from kmsynth.cli.main import main
from kmsynth.config import load_config
from kmsynth.text import split_sentences
from tests.conftest import write_posts


def _sentences(path: Path) -> list[str]:
    """Every sentence of 6 words or more in the posts file."""
    with path.open(encoding="utf-8", newline="") as f:
        texts = [r["text"] for r in csv.DictReader(f)]
    return [s.text for t in texts for s in split_sentences(t) if s.words >= 6]


def _leaks(sentences: list[str], shown: str) -> list[str]:
    return [s for s in sentences if s in shown or html.escape(s) in shown]


def _posts(tmp_path: Path, consent: str | None) -> Path:
    path = write_posts(tmp_path / "posts.csv", per_month=60)
    frame = pd.read_csv(path, dtype=str, keep_default_na=False)
    if consent is None:
        frame = frame.drop(columns=["consent_to_quote"])
    else:
        frame["consent_to_quote"] = consent
    frame.to_csv(path, index=False)
    return path


def _config(tmp_path: Path, posts: Path, verbatim: str = "deny") -> Path:
    cfg = tmp_path / "kmsynth.yml"
    cfg.write_text(
        f"data:\n  posts: {posts.name}\nembedding:\n  embedder: tfidf\n  cache_dir: cache\n"
        f"privacy:\n  verbatim_without_consent: {verbatim}\n",
        encoding="utf-8",
    )
    return cfg


def _report_page(cfg_path: Path) -> tuple[str, list[str]]:
    from kmsynth.report import build_monthly_report

    rep = build_monthly_report("2026-10", load_config(cfg_path))
    page = rep.section_themes() + rep.section_glance() + rep.section_method()
    return page, rep.notes


@pytest.mark.slow
def test_no_consent_means_no_verbatim_text_in_report_themes_csv_or_brief(tmp_path: Path) -> None:
    posts = _posts(tmp_path, consent="no")
    sentences = _sentences(posts)
    cfg_path = _config(tmp_path, posts, verbatim="allow")  # a consent column overrides the config
    page, notes = _report_page(cfg_path)
    assert "Themes of the month" in page and "T" in page
    assert _leaks(sentences, page) == []
    assert any("agreed to be quoted" in n for n in notes)  # the report says which rule applied

    out = tmp_path / "themes"
    code = main(
        ["themes", str(posts), "--out", str(out), "--embedder", "tfidf", "--id-col", "post_id"]
    )
    assert code == 0
    themes = pd.read_csv(out / "themes.csv", dtype=str, keep_default_na=False)
    assert len(themes) and themes["summary"].str.len().gt(0).all()
    assert _leaks(sentences, "\n".join(themes["summary"])) == []

    from kmsynth.embed import get_embedder
    from kmsynth.ingest.prepare import prepare
    from kmsynth.synthesis.brief import build_brief, render_html, render_markdown

    cfg = load_config(cfg_path)
    table = prepare("posts", posts, cfg).table
    emb = get_embedder("tfidf").fit(table["text"].tolist())
    brief = build_brief(table, title="Consent", config=cfg, embedder=emb)
    assert _leaks(sentences, render_markdown(brief) + render_html(brief)) == []


@pytest.mark.slow
def test_consent_given_shows_key_points_and_the_report_says_so(tmp_path: Path) -> None:
    """The control: with consent the same run does show verbatim key points."""
    posts = _posts(tmp_path, consent="yes")
    page, _ = _report_page(_config(tmp_path, posts))
    assert _leaks(_sentences(posts), page)


@pytest.mark.slow
def test_without_a_consent_column_the_config_decides(tmp_path: Path) -> None:
    posts = _posts(tmp_path, consent=None)
    sentences = _sentences(posts)
    page, notes = _report_page(_config(tmp_path, posts, verbatim="deny"))
    assert _leaks(sentences, page) == []
    assert any("verbatim_without_consent: deny" in n for n in notes)
    page, notes = _report_page(_config(tmp_path, posts, verbatim="allow"))
    assert _leaks(sentences, page)
    assert any("verbatim_without_consent: allow" in n for n in notes)
