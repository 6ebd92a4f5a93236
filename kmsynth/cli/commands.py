"""Sub-commands beyond `validate`, each registered on the parser by `@command`."""
from __future__ import annotations

import argparse
from importlib import resources
from pathlib import Path

import pandas as pd

from kmsynth.cli.main import command
from kmsynth.errors import InputError

SAMPLE_DIR = Path(str(resources.files("kmsynth") / "resources" / "sample"))


# --------------------------------------------------------------------------------------------
# themes


@command
def _themes(sub: argparse._SubParsersAction) -> None:
    t = sub.add_parser("themes", help="find themes in a file of texts (BERTopic on cached embeddings)")
    t.add_argument("path")
    t.add_argument("--out", required=True, help="folder for themes.csv, assignments.csv, manifest.json")
    t.add_argument("--text-col", help="column holding the text (default: a column named text)")
    t.add_argument("--id-col", help="column holding the id (default: 1-based row number)")
    t.add_argument("--embedder", help="minilm (default), static, tfidf, or a sentence-transformers path")
    t.add_argument("--seed", type=int, help="random seed (default 42)")
    t.add_argument("--min-theme-size", type=int, help="smallest theme (default: scaled to the corpus)")
    t.add_argument("--curation", help="curation YAML whose decisions to apply (rename, merge, ...)")
    t.add_argument("--dask", help="spread reading, redaction and embedding over Dask: 'local' or a "
                                  "scheduler address (tcp://host:8786)")
    t.add_argument("--config", help="kmsynth.yml")
    t.set_defaults(func=cmd_themes)


def cmd_themes(args: argparse.Namespace) -> int:
    import sys
    import time

    from kmsynth.cli.main import config_from_args
    from kmsynth.embed.embedders import embedder_from_config
    from kmsynth.ingest.prepare import prepare
    from kmsynth.manifest import package_versions, utc_now, write_json
    from kmsynth.themes.model import (
        fit_themes,
        language_coverage,
        simple_summaries,
        write_theme_outputs,
    )

    t0 = time.perf_counter()
    cfg = config_from_args(args).with_overrides({
        "embedding.embedder": args.embedder, "themes.seed": args.seed,
        "themes.min_theme_size": args.min_theme_size})
    client = None
    if args.dask:
        from kmsynth.themes.large import client_for, prepare_distributed

        client = client_for(args.dask)
        prep = prepare_distributed("documents", args.path, cfg, client, mapping=None, id_col=args.id_col,
                                   text_col=args.text_col)
    else:
        prep = prepare("documents", args.path, cfg, mapping=None, id_col=args.id_col,
                       text_col=args.text_col)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    prep.ledger.check()
    prep.ledger.save(out / "ledger.csv")
    if prep.errors:
        print(f"kmsynth: {len(prep.errors)} row(s) excluded (see {out / 'ledger.csv'}):", file=sys.stderr)
        for p in prep.errors[:20]:
            print(f"  - {p}", file=sys.stderr)
    table = prep.table
    embedder = embedder_from_config(cfg)
    if embedder.model_id.startswith("tfidf"):
        embedder.fit(table["text"].tolist())
    if client is not None:
        from kmsynth.themes.large import embed_distributed, fit_themes_large

        vecs = embed_distributed(table["text"].tolist(), embedder, client)
        client.close()
        result = fit_themes_large(table["text"].tolist(), table["doc_id"].tolist(), embeddings=vecs,
                                  embedder=embedder, seed=cfg.themes.seed,
                                  strata=table["language"].tolist() if "language" in table else None,
                                  min_theme_size=cfg.themes.min_theme_size,
                                  n_representative_docs=cfg.themes.n_representative_docs,
                                  cache_dir=cfg.embedding.cache_dir)
    else:
        result = fit_themes(table["text"].tolist(), table["doc_id"].tolist(), embedder=embedder,
                            languages=table.get("language", pd.Series(dtype=str)).tolist() or None,
                            seed=cfg.themes.seed, min_theme_size=cfg.themes.min_theme_size,
                            n_representative_docs=cfg.themes.n_representative_docs,
                            cache_dir=cfg.embedding.cache_dir, show_progress=sys.stderr.isatty())
    curation_file = args.curation or cfg.data.curation
    stale: list[str] = []
    if curation_file:
        from kmsynth.themes.curation import Curation, apply_curation

        result, outcome = apply_curation(result, Curation.load(curation_file), seed=cfg.themes.seed)
        stale = outcome.messages()
        for msg in stale:
            print(f"kmsynth: {msg}", file=sys.stderr)
    summaries = simple_summaries(result, table.set_index("doc_id")["text"], embedder)
    files = write_theme_outputs(result, out, summaries=summaries, ledger_frame=prep.ledger.frame)
    cover = language_coverage(result, table["language"].tolist(), k=cfg.privacy.min_cell) \
        if "language" in table.columns else None
    manifest = {
        "command": "themes", "created_at": utc_now(),
        "inputs": [{"file": Path(s["file"]).name, "sha256": s["sha256"], "rows": s["rows"]}
                   for s in prep.sources],
        "parameters": result.params | {"embedder": embedder.model_id},
        "versions": package_versions(),
        "timings_s": {k: round(v, 3) for k, v in result.timings.items()}
        | {"wall": round(time.perf_counter() - t0, 3)},
        "ledger": prep.ledger.counts(),
        "themes": int(len(result.themes)),
        "outlier_share_before_reassignment": round(result.outlier_share, 4),
        "outlier_share": round(result.outlier_share_final, 4),
        "languages": cover.to_dict(orient="records") if cover is not None else [],
        "curation_sha256": result.params.get("curation_sha256"),
        "curation_stale": stale,
    }
    write_json(out / "manifest.json", manifest)
    print(f"{len(result.themes)} themes on {len(table)} documents; outliers "
          f"{100 * result.outlier_share_final:.1f}% ({100 * result.outlier_share:.1f}% before "
          f"reassignment); wrote {files['themes']}, {files['assignments']}, {out / 'manifest.json'}")
    return 0


# --------------------------------------------------------------------------------------------
# link


@command
def _link(sub: argparse._SubParsersAction) -> None:
    k = sub.add_parser("link", help="link evaluation findings to the lessons-learned inventory")
    k.add_argument("findings")
    k.add_argument("lessons")
    k.add_argument("--out", required=True, help="folder for links.csv, gaps.csv, evidence_map.csv")
    k.add_argument("--top-k", type=int, default=5, help="candidates per finding (default 5)")
    k.add_argument("--reviewed", help="a links.csv with reviewers' accept/reject decisions")
    k.add_argument("--threshold", type=float, help="calibrated score a pair needs to be a link "
                                                   "(default: the shipped calibration's, about 0.3)")
    k.add_argument("--mapping", help="YAML column mapping (findings and lessons sections)")
    k.add_argument("--embedder", help="minilm (default), static, tfidf")
    k.add_argument("--config", help="kmsynth.yml")
    k.set_defaults(func=cmd_link)


def cmd_link(args: argparse.Namespace) -> int:
    import os
    import time

    from kmsynth.cli.main import config_from_args
    from kmsynth.embed.embedders import embedder_from_config
    from kmsynth.ingest.prepare import prepare
    from kmsynth.link.linker import Linker, read_reviewed
    from kmsynth.manifest import package_versions, utc_now, write_json

    t0 = time.perf_counter()
    if args.top_k < 1:
        raise InputError("--top-k must be at least 1")
    if args.threshold is not None and not 0 <= args.threshold <= 1:
        raise InputError("--threshold must be between 0 and 1")
    cfg = config_from_args(args)
    cfg = cfg.with_overrides({"embedding.embedder": args.embedder})
    mapping = args.mapping or cfg.data.mapping
    reviewed = read_reviewed(args.reviewed) if args.reviewed else None  # fail early on a bad file
    f = prepare("findings", args.findings, cfg, mapping=mapping)
    l_ = prepare("lessons", args.lessons, cfg, mapping=mapping)
    for prep, what in ((f, "findings"), (l_, "lessons")):
        if len(prep.table) == 0:
            raise InputError(f"no usable {what}: the file has no rows, or every row was excluded",
                             file=str(getattr(args, what)),
                             hint=f"run: kmsynth validate {what} {getattr(args, what)}")
    emb = embedder_from_config(cfg)
    if emb.model_id.startswith("tfidf"):
        emb.fit(f.table["text"].tolist() + l_.table["text"].tolist())
    linker = Linker(emb, top_k=args.top_k, threshold=args.threshold, seed=cfg.themes.seed).fit(l_.table)
    res = linker.link(f.table, reviewed=reviewed)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    # links and gaps quote redacted text and ids: owner-readable only, like the ledgers
    for name, frame in (("links.csv", res.links_for_review()), ("gaps.csv", res.gaps)):
        frame.to_csv(out / name, index=False)
        os.chmod(out / name, 0o600)
    res.evidence_map.to_csv(out / "evidence_map.csv")
    f.ledger.save(out / "ledger_findings.csv")
    l_.ledger.save(out / "ledger_lessons.csv")
    write_json(out / "manifest.json", {
        "command": "link", "created_at": utc_now(),
        "inputs": [{"file": Path(s["file"]).name, "sha256": s["sha256"], "rows": s["rows"]}
                   for s in f.sources + l_.sources]
        + ([{"file": Path(args.reviewed).name, "decisions": int(len(reviewed))}] if reviewed is not None else []),
        "parameters": res.params, "versions": package_versions(),
        "ledger": {"findings": f.ledger.counts(), "lessons": l_.ledger.counts()},
        "links": int(len(res.links)), "rejected_carried": int(len(res.rejected)),
        "findings_without_lesson": int(len(res.gaps_findings)),
        "lessons_without_finding": int(len(res.gaps_lessons)),
        "timings_s": {"wall": round(time.perf_counter() - t0, 3)}})
    print(f"{len(res.links)} links between {len(f.table)} findings and {len(l_.table)} lessons "
          f"(threshold {res.params['threshold_used']:.2f}); {len(res.gaps_findings)} findings without a "
          f"lesson, {len(res.gaps_lessons)} lessons without evidence -> {out}")
    return 0


# --------------------------------------------------------------------------------------------
# brief


@command
def _brief(sub: argparse._SubParsersAction) -> None:
    b = sub.add_parser("brief", help="a knowledge brief from a discussion export (md, html or docx)")
    b.add_argument("path")
    b.add_argument("--out", required=True, help="brief.md, brief.html or brief.docx")
    b.add_argument("--title", default="Knowledge brief")
    b.add_argument("--mapping", help="YAML column mapping (posts section)")
    b.add_argument("--embedder", help="minilm (default), static, tfidf")
    b.add_argument("--config", help="kmsynth.yml")
    b.add_argument("--themes", help="use this `kmsynth themes` output folder instead of fitting themes")
    b.set_defaults(func=cmd_brief)


def cmd_brief(args: argparse.Namespace) -> int:
    from kmsynth.cli.main import config_from_args
    from kmsynth.embed.embedders import embedder_from_config
    from kmsynth.ingest.prepare import prepare
    from kmsynth.synthesis.brief import build_brief, load_theme_run, write_brief

    if Path(args.out).suffix.lower() not in (".md", ".html", ".htm", ".docx"):
        raise InputError("the brief's file name must end in .md, .html or .docx", file=args.out)
    cfg = config_from_args(args)
    cfg = cfg.with_overrides({"embedding.embedder": args.embedder})
    prep = prepare("posts", args.path, cfg, mapping=args.mapping or cfg.data.mapping)
    if len(prep.table) == 0:
        raise InputError("no usable posts: every row was excluded", file=args.path,
                         hint="run kmsynth validate posts on it to see why")
    emb = embedder_from_config(cfg)
    if emb.model_id.startswith("tfidf"):
        emb.fit(prep.table["text"].tolist())
    themes = load_theme_run(args.themes) if getattr(args, "themes", None) else None
    brief = build_brief(prep.table, themes, title=args.title, config=cfg, embedder=emb)
    out = write_brief(brief, args.out)
    print(f"brief: {len(brief.lessons)} lessons, {sum(len(v) for v in brief.practices.values())} practices "
          f"in {len(brief.practices)} countries, {len(brief.themes)} themes -> {out}")
    return 0


# --------------------------------------------------------------------------------------------
# report and demo


@command
def _report(sub: argparse._SubParsersAction) -> None:
    r = sub.add_parser("report", help="render reports/YYYY-MM/index.html (papermill + nbconvert)")
    r.add_argument("--month", required=True, help="YYYY-MM")
    for kind in ("posts", "survey", "findings", "lessons"):
        r.add_argument(f"--{kind}", help=f"{kind} file (overrides the config)")
    r.add_argument("--curation", help="curation YAML (overrides the config)")
    r.add_argument("--config", help="kmsynth.yml")
    r.add_argument("--out", help="reports folder (default: the config's report.out, else reports/)")
    r.add_argument("--embedder", help="minilm, static, tfidf or a sentence-transformers path")
    r.add_argument("--seed", type=int)
    r.add_argument("--dask", help="spread reading, redaction and embedding over Dask: 'local' or an address")
    r.set_defaults(func=cmd_report)


def _print_run(res) -> int:
    import sys

    from kmsynth.cli.main import EXIT_INTERNAL

    if res.status == "failed":
        print(f"kmsynth: the {res.month} report failed ({res.error}); the previous report, if any, "
              f"is unchanged. Details (owner only): .failed/{res.month}/", file=sys.stderr)
        return EXIT_INTERNAL
    extra = f" ({', '.join(res.missing)} missing)" if res.status == "partial" else ""
    print(f"{res.month}: {res.status}{extra} in {res.seconds:.0f} s -> {res.folder / 'index.html'}")
    return 0


def cmd_report(args: argparse.Namespace) -> int:
    from kmsynth.report.run import render_monthly_report

    res = render_monthly_report(args.month, config_path=args.config, out=args.out or None,
                                posts=args.posts, survey=args.survey, findings=args.findings,
                                lessons=args.lessons, embedder=args.embedder, seed=args.seed,
                                curation=args.curation, dask=args.dask)
    return _print_run(res)


def latest_month(config_path: Path) -> str:
    """The latest month with posts in the configured posts file."""
    from kmsynth.config import load_config
    from kmsynth.ingest.read import load_table

    cfg = load_config(config_path)
    loaded = load_table("posts", cfg.data.posts, mapping=cfg.data.mapping)
    dates = pd.to_datetime(loaded.table["created_at"], utc=True, errors="coerce").dropna()
    if dates.empty:
        raise InputError("the sample has no dated posts", file=str(cfg.data.posts))
    return dates.max().strftime("%Y-%m")


@command
def _demo(sub: argparse._SubParsersAction) -> None:
    d = sub.add_parser("demo", help="the monthly report on the bundled sample data")
    d.add_argument("--out", default="reports")
    d.set_defaults(func=cmd_demo)


def cmd_demo(args: argparse.Namespace) -> int:
    from kmsynth.report.run import render_monthly_report

    config = SAMPLE_DIR / "kmsynth.yml"
    if not config.is_file():
        raise InputError("the bundled sample data is missing", file=str(config),
                         hint="regenerate it with: python data/make_sample.py")
    month = latest_month(config)
    print(f"kmsynth demo: the {month} report on the bundled sample data (first run: a few minutes)")
    res = render_monthly_report(month, config_path=config, out=args.out)
    return _print_run(res)
