"""Knowledge briefs: nothing invented, quotes verbatim and opt-in, no personal data, flags."""
from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from kmsynth.brief import build_brief, render_html, render_markdown, write_brief
from kmsynth.cli import main
from kmsynth.config import load_config
from kmsynth.embed import get_embedder
from kmsynth.prepare import prepare
from kmsynth.summarise import find_lessons, find_practices, split_sentences


@pytest.fixture(scope="module")
def brief_and_posts(tmp_path_factory):
    from tests.conftest import write_posts

    d = tmp_path_factory.mktemp("brief")
    pii = [{"post_id": f"z{i}", "thread_id": "tz", "created_at": "2026-10-05T10:00:00Z",
            "text": text, "author": author, "region": "Caribbean", "country": "Jamaica", "language": "en",
            "source": "hub", "consent_to_quote": "yes"}
           for i, (text, author) in enumerate([
               ("In Jamaica, the programme established a shelter network for survivors in every parish. "
                "Write to amina.okafor@example.org or call +1 876 555 0142 for the protocol.", "Amina Okafor"),
               ("We learned that shelter staff need stable funding, says Amina Okafor, to keep survivors safe at night.", "Rosa Diaz"),
               ("Shelter survivors helpline <script>alert('x')</script> referral counselling beds safe house.", "Rosa Diaz"),
           ])]
    write_posts(d / "posts.csv", months=("2026-09", "2026-10"), per_month=60, seed=9, extra_rows=pii)
    cfg_file = d / "kmsynth.yml"
    cfg_file.write_text("data:\n  posts: posts.csv\nembedding:\n  embedder: tfidf\n  cache_dir: cache\n")
    cfg = load_config(cfg_file)
    prep = prepare("posts", cfg.data.posts, cfg)
    emb = get_embedder("tfidf").fit(prep.table["text"].tolist())
    b = build_brief(prep.table, title="Test brief", embedder=emb, k=10)
    return b, prep.table, d, cfg_file


def test_every_item_is_a_verbatim_sentence_of_its_post(brief_and_posts) -> None:
    b, posts, _, _ = brief_and_posts
    text = dict(zip(posts["post_id"].astype(str), posts["text"]))
    items = b.items()
    assert items and b.lessons and b.practices
    for it in items:
        assert it.text in text[it.post_id], it


def test_quotes_opt_in_one_per_author(brief_and_posts) -> None:
    b, posts, _, _ = brief_and_posts
    meta = posts.set_index(posts["post_id"].astype(str))
    quotes = [q for t in b.themes for q in t.quotes]
    assert quotes
    assert all(bool(meta.loc[q.post_id, "quotable"]) for q in quotes)
    authors = [meta.loc[q.post_id, "author_id"] for q in quotes]
    assert len(authors) == len(set(authors))
    assert not any("[" in q.text for q in quotes)


def test_no_personal_data_in_any_format(brief_and_posts, tmp_path: Path) -> None:
    b, _, _, _ = brief_and_posts
    from docx import Document

    md = render_markdown(b)
    page = render_html(b)
    write_brief(b, tmp_path / "b.docx")
    docx_text = "\n".join(p.text for p in Document(tmp_path / "b.docx").paragraphs)
    for out in (md, page, docx_text):
        for leaked in ("Amina", "Okafor", "example.org", "555 0142", "Rosa Diaz"):
            assert leaked not in out
    assert "<script>alert" not in page and "<script>alert" not in md
    assert "Content-Security-Policy" in page


def test_few_voices_are_flagged() -> None:
    posts = pd.DataFrame({"post_id": [str(i) for i in range(24)],
                          "text": ["Shelter beds for survivors are full every night in the district."] * 12
                          + ["School teachers discuss respectful relationships with pupils weekly."] * 12,
                          "author_id": ["P-a"] * 12 + [f"P-{i}" for i in range(12)],
                          "created_at": pd.Timestamp("2026-10-01", tz="UTC"), "quotable": True})
    posts["text"] = [t + f" Note {i}." for i, t in enumerate(posts["text"])]
    emb = get_embedder("tfidf").fit(posts["text"].tolist())
    b = build_brief(posts, title="t", embedder=emb, k=5)
    flags = {t.label: t.flag for t in b.themes}
    assert any("one voice" in f for f in flags.values())


def test_multilingual_cues() -> None:
    s = split_sentences("We learned that funding matters. Aprendimos que la clave es el presupuesto. "
                        "Nous avons appris que la formation compte. Aprendemos que a coordenação é fundamental. "
                        "The weather was fine.", "p")
    assert len(find_lessons(s)) == 4
    p = split_sentences("In Jamaica, the programme established a shelter. En México, el programa lanzó un curso. "
                        "Au Sénégal, le programme a mis en place une ligne d'écoute. "
                        "Em Moçambique, o programa criou centros.", "p")
    assert [c for _, c in find_practices(p)] == ["Jamaica", "Mexico", "Senegal", "Mozambique"]


def test_cli_brief_formats_and_bad_extension(brief_and_posts, tmp_path: Path, capsys) -> None:
    _, _, d, cfg = brief_and_posts
    for ext in ("md", "html", "docx"):
        assert main(["brief", str(d / "posts.csv"), "--config", str(cfg), "--out", str(tmp_path / f"b.{ext}"),
                     "--title", "Brief"]) == 0
        assert (tmp_path / f"b.{ext}").stat().st_size > 500
    assert main(["brief", str(d / "posts.csv"), "--out", str(tmp_path / "b.pdf")]) == 2
    assert "Traceback" not in capsys.readouterr().err
