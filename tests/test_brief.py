"""Knowledge briefs: nothing invented, quotes verbatim and opt-in, no personal data in any format,
over-claiming flagged, HTML inert."""

from __future__ import annotations

import zipfile
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from kmsynth.cli.main import main
from kmsynth.config import load_config
from kmsynth.embed.embedders import get_embedder
from kmsynth.errors import InputError
from kmsynth.ingest.prepare import prepare
from kmsynth.synthesis.brief import (
    Brief,
    BriefTheme,
    Item,
    build_brief,
    load_theme_run,
    overclaim_flags,
    render_html,
    render_markdown,
    write_brief,
)
from kmsynth.themes import ThemeResult

LEAKS = (
    "Amina",
    "Okafor",
    "Rosa Diaz",
    "Diaz",
    "Maria Gonzalez",
    "Gonzalez",
    "Kibera",
    "example.org",
    "gmail",
    "876 555 0142",
    "555 0142",
    "0712 345 678",
    "@rosa_d",
)


def _docx_text(path: Path) -> str:
    """Everything Word would show, read back with python-docx, plus every XML part of the file."""
    from docx import Document

    d = Document(str(path))
    shown = "\n".join(p.text for p in d.paragraphs)
    with zipfile.ZipFile(path) as z:
        raw = "\n".join(
            z.read(n).decode("utf-8", "replace") for n in z.namelist() if n.endswith(".xml")
        )
    return shown + "\n" + raw


@pytest.fixture(scope="module")
def brief_and_posts(tmp_path_factory):
    from tests.conftest import write_posts

    d = tmp_path_factory.mktemp("brief")
    texts = [
        (
            "In Jamaica, the programme established a shelter network for survivors in every "
            "parish. "
            "Write to amina.okafor@example.org or call +1 876 555 0142 for the protocol.",
            "Amina Okafor",
            "en",
        ),
        (
            "We learned that shelter staff need stable funding, says Amina Okafor, to keep "
            "survivors safe at night. Maria Gonzalez from Kibera can tell you more: "
            "rosa at gmail dot com, 0712 345 678, @rosa_d.",
            "Rosa Diaz",
            "en",
        ),
        (
            "Shelter survivors helpline <script>alert('x')</script> referral counselling beds "
            "safe house.",
            "Rosa Diaz",
            "en",
        ),
        (
            "Aprendimos que Maria Gonzalez tiene razón: el refugio necesita fondos estables "
            "todo el año.",
            "Lucia Perez",
            "es",
        ),
    ]
    pii = [
        {
            "post_id": f"z{i}",
            "thread_id": "tz",
            "created_at": "2026-10-05T10:00:00Z",
            "text": text,
            "author": author,
            "region": "Caribbean",
            "country": "Jamaica",
            "language": lang,
            "source": "hub",
            "consent_to_quote": "yes",
        }
        for i, (text, author, lang) in enumerate(texts)
    ]
    write_posts(
        d / "posts.csv", months=("2026-09", "2026-10"), per_month=60, seed=9, extra_rows=pii
    )
    cfg_file = d / "kmsynth.yml"
    cfg_file.write_text(
        "data:\n  posts: posts.csv\nembedding:\n  embedder: tfidf\n  cache_dir: cache\n"
        "privacy:\n  block_list: [Maria Gonzalez]\n  places: [Kibera]\n"
    )
    cfg = load_config(cfg_file)
    prep = prepare("posts", cfg.data.posts, cfg)
    emb = get_embedder("tfidf").fit(prep.table["text"].tolist())
    b = build_brief(prep.table, title="Test brief", config=cfg, embedder=emb)
    return b, prep.table, d, cfg_file, cfg, emb


def test_every_item_is_a_verbatim_sentence_of_its_post(brief_and_posts) -> None:
    b, posts, *_ = brief_and_posts
    text = dict(zip(posts["post_id"].astype(str), posts["text"], strict=True))
    items = b.items()
    assert b.lessons and b.practices and b.themes and b.quotes()
    for it in items:
        assert text[it.post_id][it.start : it.end] == it.text, it
        assert all(p in text for p in it.post_ids)
    assert "Jamaica" in b.practices  # "In Jamaica, the programme established ..."


def test_quotes_verbatim_opt_in_one_per_author_not_from_small_groups(brief_and_posts) -> None:
    b, posts, *_ = brief_and_posts
    meta = posts.set_index(posts["post_id"].astype(str))
    quotes = b.quotes()
    assert quotes
    for q in quotes:
        assert q.text in meta.loc[q.post_id, "text"]  # word for word, after redaction
        assert bool(meta.loc[q.post_id, "quotable"])
        assert "[" not in q.text and "<" not in q.text
        assert 8 <= len(q.text.split()) <= 40
    authors = [meta.loc[q.post_id, "author_id"] for q in quotes]
    assert len(authors) == len(set(authors))
    # Jamaica (4 posts) and the Pacific region (2 posts) are below k = 10: never quoted
    assert not any(meta.loc[q.post_id, "country"] == "Jamaica" for q in quotes)
    assert not any(meta.loc[q.post_id, "region"] == "Pacific" for q in quotes)


def test_no_personal_data_in_any_format(brief_and_posts, tmp_path: Path) -> None:
    b, *_ = brief_and_posts
    assert any("[NAME]" in i.text or "[EMAIL]" in i.text for i in b.items()) or b.practices
    outputs = {"md": render_markdown(b), "html": render_html(b)}
    write_brief(b, tmp_path / "b.docx")
    outputs["docx"] = _docx_text(tmp_path / "b.docx")
    for fmt, out in outputs.items():
        for leaked in LEAKS:
            assert leaked not in out, (fmt, leaked)
        assert "<script" not in out.replace("&lt;script", ""), fmt


def test_scope_counts_and_small_groups(brief_and_posts) -> None:
    b, posts, *_ = brief_and_posts
    s = b.scope
    assert s["posts"] == len(posts) and s["from"] == "2026-09-01"
    assert isinstance(s["participants"], int) and s["participants"] == posts["author_id"].nunique()
    assert "Pacific" not in s["regions"] and s["other_regions"]  # 2 posts: hidden
    assert "Caribbean" in s["regions"]


def _fake_result(groups: dict[int, list[str]], labels: dict[int, str]) -> ThemeResult:
    rows = [(d, t) for t, ids in groups.items() for d in ids]
    themes = pd.DataFrame(
        {
            "theme_id": list(groups),
            "label": [labels[t] for t in groups],
            "size": [len(v) for v in groups.values()],
            "keywords": "a; b",
            "pillar": [4] * len(groups),
            "pillar_name": ["Services"] * len(groups),
            "pillar_confidence": 0.5,
            "representative_ids": [v[:3] for v in groups.values()],
        }
    )
    return ThemeResult(
        themes=themes,
        assignments=pd.DataFrame(
            {"doc_id": [r[0] for r in rows], "theme_id": [r[1] for r in rows], "probability": 1.0}
        ),
        embeddings=np.zeros((0, 0)),
        centroids={},
        outlier_share=0.0,
        outlier_share_final=0.0,
        params={},
    )


@pytest.fixture(scope="module")
def flagged():
    """Four themes: one author only; many voices; three posts; mostly one country (Fiji)."""
    rows = []
    extra = [
        "Parents came to every evening session once we served a meal with it.",
        "The district office lent us a minibus so pupils from far villages could attend.",
        "Our counsellors now sit in the staff room two mornings a week for teachers.",
        "Mothers asked for the same sessions for younger children at primary level.",
        "Head teachers signed a pledge and reported progress at every board meeting.",
        "Boys who joined the football league talked more openly about consent afterwards.",
    ]
    for i in range(12):
        rows.append(
            (
                f"a{i}",
                "P-solo",
                "Kenya",
                f"We learned that shelters need funding for night staff in round {i}. "
                "Shelter beds are full every night of the week.",
            )
        )
        rows.append(
            (
                f"b{i}",
                f"P-b{i}",
                "Uganda" if i % 2 else "Kenya",
                f"We learned that school programmes work best when parents join early, term {i}. "
                "Teachers discussed respectful relationships with pupils every week. "
                + extra[i % 6],
            )
        )
        rows.append(
            (
                f"d{i}",
                f"P-d{i}",
                "Fiji" if i < 10 else "Kenya",
                f"It is essential that data on femicide is published every quarter, report {i}. "
                "The observatory bulletin is now used by parliament in budget debates.",
            )
        )
    for i in range(3):
        rows.append(
            (
                f"c{i}",
                f"P-c{i}",
                "Kenya",
                f"We recommend radio drama for remote villages, episode {i}. "
                "Radio drama reached remote villages with prevention messages.",
            )
        )
    posts = pd.DataFrame(rows, columns=["post_id", "author_id", "country", "text"])
    posts["created_at"] = pd.Timestamp("2026-10-01", tz="UTC")
    posts["quotable"] = True
    posts["region"] = posts["country"].map(
        {"Kenya": "Africa", "Uganda": "Africa", "Fiji": "Pacific"}
    )
    groups = {
        t: posts.loc[posts.post_id.str[0] == c, "post_id"].tolist()
        for t, c in ((0, "a"), (1, "b"), (2, "c"), (3, "d"))
    }
    res = _fake_result(
        groups, {0: "Shelter funding", 1: "School programmes", 2: "Radio drama", 3: "Femicide data"}
    )
    emb = get_embedder("tfidf").fit(posts["text"].tolist())
    return build_brief(posts, res, title="Flags", embedder=emb, k=10), posts


def test_over_claiming_is_flagged_in_every_format(flagged, tmp_path: Path) -> None:
    b, posts = flagged
    flags = {t.label: t.flags for t in b.themes}
    assert any("one participant" in f for f in flags["Shelter funding"])
    assert flags["School programmes"] == []
    assert any("fewer than 5 posts" in f for f in flags["Radio drama"])
    assert any("one country (Fiji)" in f for f in flags["Femicide data"])
    write_brief(b, tmp_path / "f.docx")
    for out in (render_markdown(b), render_html(b), _docx_text(tmp_path / "f.docx")):
        assert out.count("Rests on few voices") >= 3
    # a flagged theme's lessons are never key lessons
    assert b.lessons and all(i.post_id.startswith("b") for i in b.lessons)
    sizes = {t.label: t.size for t in b.themes}
    assert sizes["Radio drama"] is None and sizes["School programmes"] == 12  # below k: not shown


def test_one_quote_per_author_across_the_brief(flagged) -> None:
    b, posts = flagged
    authors = posts.set_index("post_id")["author_id"]
    quoted = [authors[q.post_id] for q in b.quotes()]
    assert quoted and len(quoted) == len(set(quoted))
    assert not any(authors[q.post_id] == "P-solo" for q in b.quotes()[1:])


def test_overclaim_flags_rules() -> None:
    m = pd.DataFrame(
        {
            "author_id": ["P-1"] * 6 + ["P-2"] * 4,
            "country": ["Fiji"] * 6 + ["Kenya"] * 4,
            "organisation": ["Org"] * 3 + ["Other"] * 7,
        }
    )
    f = overclaim_flags(m, min_posts=5, k=10)
    assert any("one participant" in x for x in f) and any(
        "one country." in x for x in f
    )  # 6 < k: not named
    assert any("one organisation" in x for x in f)
    national = pd.DataFrame({"country": ["Fiji"] * 20})
    assert overclaim_flags(m.iloc[:0].assign(country=[]), min_posts=5) == [
        "Rests on few voices: fewer than 5 posts."
    ]
    assert not any("country" in x for x in overclaim_flags(m, k=10, overall=national))


def test_a_plugged_in_summariser_cannot_invent(flagged) -> None:
    from kmsynth.synthesis.summarise import Sentence

    class Inventive:
        def summarise(self, sentences, embeddings, k):
            return [
                Sentence("Everything is fine everywhere and always.", sentences[0].post_id, 0, 10),
                sentences[0],
            ]

    _, posts = flagged
    emb = get_embedder("tfidf").fit(posts["text"].tolist())
    res = _fake_result({0: posts.post_id.tolist()}, {0: "All"})
    b = build_brief(posts, res, title="t", embedder=emb, summariser=Inventive())
    summary = b.themes[0].summary
    assert len(summary) == 1 and "Everything is fine" not in render_markdown(b)
    assert posts.set_index("post_id").loc[summary[0].post_id, "text"].startswith(summary[0].text)


def test_html_and_markdown_escape_data() -> None:
    evil = (
        "<script>alert('x')</script> <img src=x onerror=alert(1)> *bold* "
        "[link](javascript:alert(1))"
    )
    it = Item(
        evil, "<b>1</b>", 0, len(evil), theme="<i>t</i>", country="Jamaica", region="Caribbean"
    )
    b = Brief(
        title="<script>alert(2)</script>",
        scope={"posts": 1, "regions": ["<b>R</b>"], "languages": []},
        lessons=[it],
        practices={"Jamaica": [it]},
        themes=[
            BriefTheme(
                1,
                "<script>x</script>",
                12,
                "",
                "k; <k>",
                [it],
                [it],
                [it],
                ["Rests on few voices: x"],
            )
        ],
        method=["m <b>"],
        intro="<p>intro</p>",
    )
    page = render_html(b)
    assert "<script" not in page and "<img" not in page and "<b>" not in page and "<i>" not in page
    assert "&lt;script&gt;" in page and "http-equiv='Content-Security-Policy'" in page
    assert "script-src" not in page  # default-src 'none': no script runs
    assert (
        "http://" not in page and "https://" not in page and "src=" not in page.replace("src=x", "")
    )
    md = render_markdown(b)
    assert "<script" not in md and "<img" not in md and "[link](" not in md and "\\*bold\\*" in md


def test_write_brief_rejects_other_formats_and_keeps_old_file(flagged, tmp_path: Path) -> None:
    b, _ = flagged
    with pytest.raises(InputError):
        write_brief(b, tmp_path / "b.pdf")
    good = write_brief(b, tmp_path / "b.md")
    before = good.read_text()
    assert write_brief(b, tmp_path / "b.md").read_text() == before  # deterministic
    assert sorted(p.name for p in tmp_path.iterdir()) == ["b.md"]  # no temporary file left


def test_cli_brief_formats_themes_folder_and_errors(
    brief_and_posts, tmp_path: Path, capsys
) -> None:
    _, _, d, cfg, *_ = brief_and_posts
    for ext in ("md", "html", "docx"):
        assert (
            main(
                [
                    "brief",
                    str(d / "posts.csv"),
                    "--config",
                    str(cfg),
                    "--out",
                    str(tmp_path / f"b.{ext}"),
                    "--title",
                    "Brief",
                ]
            )
            == 0
        )
        assert (tmp_path / f"b.{ext}").stat().st_size > 500
    assert main(["brief", str(d / "posts.csv"), "--out", str(tmp_path / "b.pdf")]) == 2
    run = tmp_path / "run"
    run.mkdir()
    pd.DataFrame({"theme_id": [0], "label": ["x"], "size": [3]}).to_csv(
        run / "themes.csv", index=False
    )
    pd.DataFrame({"doc_id": ["1", "2", "3"], "theme_id": [0, 0, 0]}).to_csv(
        run / "assignments.csv", index=False
    )
    assert (
        main(
            [
                "brief",
                str(d / "posts.csv"),
                "--config",
                str(cfg),
                "--themes",
                str(run),
                "--out",
                str(tmp_path / "c.md"),
            ]
        )
        == 2
    )  # row numbers, not post ids
    err = capsys.readouterr().err
    assert "Traceback" not in err and "post id" in err
    assert load_theme_run(run).themes["label"].tolist() == ["x"]


@pytest.mark.slow
def test_notebook_runs_on_small_data_and_renders_inert(brief_and_posts, tmp_path: Path) -> None:
    import nbformat
    import papermill as pm
    from nbconvert import HTMLExporter

    _, posts, d, cfg, *_ = brief_and_posts
    root = Path(__file__).resolve().parent.parent
    out = tmp_path / "brief.ipynb"
    run = tmp_path / "run"  # a given theme run: no BERTopic in the kernel, a faster test
    run.mkdir()
    ids = posts["post_id"].astype(str).tolist()
    pd.DataFrame(
        {
            "theme_id": [0, 1],
            "label": ["First half", "Second half"],
            "size": [60, 63],
            "keywords": ["a; b", "c; d"],
        }
    ).to_csv(run / "themes.csv", index=False)
    pd.DataFrame({"doc_id": ids, "theme_id": [0 if i < 60 else 1 for i in range(len(ids))]}).to_csv(
        run / "assignments.csv", index=False
    )
    pm.execute_notebook(
        str(root / "notebooks" / "discussion_brief.ipynb"),
        str(out),
        kernel_name="python3",
        progress_bar=False,
        cwd=str(tmp_path),
        parameters={
            "posts": str(d / "posts.csv"),
            "config_path": str(cfg),
            "title": "Small <b>brief</b>",
            "embedder": "tfidf",
            "themes": str(run),
        },
    )
    nb = nbformat.read(out, as_version=4)
    outputs = [o for c in nb.cells if c.cell_type == "code" for o in c.get("outputs", [])]
    assert not [o for o in outputs if o.get("output_type") == "error"]
    exp = HTMLExporter(template_name="lab")
    exp.exclude_input = True
    page, _ = exp.from_notebook_node(nb)
    assert "Key lessons learned" in page and "Small &lt;b&gt;brief&lt;/b&gt;" in page
    assert "Second half" in page
    assert "<script>alert" not in page and "<b>brief</b>" not in page
    for leaked in LEAKS:
        assert leaked not in page, leaked
    # issue 16: the summary cards are styled in the exported HTML too (the CSS travels with them)
    assert 'class="card"' in page and ".km .card{" in page


def test_discussion_brief_notebook_is_thin() -> None:
    # issue 12: parameters in one tagged cell, then a few lines calling kmsynth per cell
    import nbformat

    root = Path(__file__).resolve().parent.parent
    nb = nbformat.read(root / "notebooks" / "discussion_brief.ipynb", as_version=4)
    code = [c for c in nb.cells if c.cell_type == "code"]
    assert "parameters" in code[0].metadata.get("tags", [])
    assert all(len(c.source.strip().splitlines()) <= 8 for c in code[1:])


def test_small_talk_theme_is_not_summarised() -> None:
    hello = [
        "Thank you, this is very helpful for our team.",
        "Welcome to the knowledge exchange hub!",
        "I work on shelters with the ministry of gender.",
        "Following this thread with interest from here.",
        "Congratulations to the whole team, very inspiring work.",
    ]
    rows = [(f"h{i}", f"P-h{i}", hello[i % 5]) for i in range(12)]
    rows += [
        (
            f"s{i}",
            f"P-s{i}",
            f"Shelters need predictable public funding, not short grants, case {i}.",
        )
        for i in range(12)
    ]
    posts = pd.DataFrame(rows, columns=["post_id", "author_id", "text"]).assign(
        created_at=pd.Timestamp("2026-10-01", tz="UTC"), quotable=True
    )
    res = _fake_result(
        {0: [f"h{i}" for i in range(12)], 1: [f"s{i}" for i in range(12)]},
        {0: "Hello", 1: "Shelters"},
    )
    b = build_brief(
        posts, res, title="t", embedder=get_embedder("tfidf").fit(posts["text"].tolist())
    )
    assert [t.label for t in b.themes] == ["Shelters"] and b.small_talk_themes == 1
    assert "greetings, thanks and introductions" in render_markdown(b)
    assert not any(i.post_id.startswith("h") for i in b.items())


def test_reviewer_excluded_quotes_from_the_curation_file(flagged, tmp_path: Path) -> None:
    from kmsynth.config import Config

    b, posts = flagged
    first = b.quotes()[0].post_id
    cur = tmp_path / "curation.yml"
    cur.write_text(
        f"decisions:\n  - action: exclude_quote\n    post: '{first}'\n    by: reviewer\n"
    )
    res = _fake_result(
        {
            t: [p for p in posts.post_id if p[0] == c]
            for t, c in ((0, "a"), (1, "b"), (2, "c"), (3, "d"))
        },
        {0: "Shelter funding", 1: "School programmes", 2: "Radio drama", 3: "Femicide data"},
    )
    cfg = Config.model_validate({"data": {"curation": str(cur)}})
    again = build_brief(
        posts,
        res,
        title="Flags",
        config=cfg,
        embedder=get_embedder("tfidf").fit(posts["text"].tolist()),
    )
    assert again.quotes() and first not in [q.post_id for q in again.quotes()]


def test_scope_lists_every_group_of_k_or_more() -> None:
    from kmsynth.synthesis.brief import describe_scope

    posts = pd.DataFrame(
        {
            "post_id": [str(i) for i in range(80)],
            "text": "x",
            "language": ["en"] * 50 + ["es"] * 12 + ["fr"] * 11 + ["ar"] * 7,
            "region": ["Africa"] * 70 + ["Pacific"] * 10,
            "author_id": [f"P-{i}" for i in range(80)],
        }
    )
    s = describe_scope(posts, 10)
    assert s["languages"] == ["English", "Spanish", "French"] and s["other_languages"]
    assert s["regions"] == ["Africa", "Pacific"] and not s["other_regions"]


def test_brief_cites_posts_by_pseudonym_not_platform_id(tmp_path) -> None:
    """Platform post ids lead back to the person: every format cites a keyed pseudonym."""
    from kmsynth.config import Config
    from kmsynth.embed.fake import FakeEmbedder
    from kmsynth.synthesis.brief import build_brief, render_html, render_markdown

    rows = []
    for i in range(40):
        topic = (
            "shelters for survivors need stable funding"
            if i % 2
            else ("police training improved how statements are taken")
        )
        rows.append(
            {
                "post_id": f"98765{i:03d}",
                "text": f"In our district, {topic}. It helped.",
                "created_at": pd.Timestamp("2026-10-01", tz="UTC"),
                "author_id": f"A{i}",
                "country": "Kenya",
                "region": "Africa",
                "language": "en",
                "quotable": True,
            }
        )
    posts = pd.DataFrame(rows)
    cfg = Config().with_overrides({"embedding.cache_dir": tmp_path / "cache"})
    b = build_brief(posts, None, config=cfg, embedder=FakeEmbedder())
    assert b.items(), "the brief shows sentences"
    for text in (render_markdown(b), render_html(b)):
        assert "98765" not in text
        assert "post-" in text
    assert b.cite_id(b.items()[0].post_id) == b.cite_id(b.items()[0].post_id)
