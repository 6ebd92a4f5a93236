"""Sub-commands beyond `validate`: argument parsing and printing; the work is in kmsynth.runs."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from kmsynth.cli.main import (
    EMBEDDER_HELP,
    EXIT_INPUT,
    EXIT_INTERNAL,
    EXIT_OK,
    add_common_args,
    command,
    config_from_args,
    print_excluded,
    print_problems,
    progress_of,
)

# --------------------------------------------------------------------------------------------
# themes


@command
def _themes(sub: argparse._SubParsersAction) -> None:
    t = sub.add_parser(
        "themes", help="find themes in a file of texts (BERTopic on cached embeddings)"
    )
    t.add_argument("path")
    t.add_argument(
        "--out", required=True, help="folder for themes.csv, assignments.csv, manifest.json"
    )
    add_common_args(t)
    t.add_argument("--seed", type=int, help="random seed (default 42)")
    t.add_argument(
        "--min-theme-size", type=int, help="smallest theme (default: scaled to the corpus)"
    )
    t.add_argument(
        "--themes",
        type=int,
        dest="n_themes",
        help="number of themes (default: chosen by stability under resampling)",
    )
    t.add_argument("--curation", help="curation YAML whose decisions to apply (rename, merge, ...)")
    t.add_argument(
        "--dask",
        help="spread reading, redaction and embedding over Dask: 'local' or a "
        "scheduler address (tcp://host:8786)",
    )
    t.set_defaults(func=cmd_themes)


def cmd_themes(args: argparse.Namespace) -> int:
    from kmsynth.runs import run_themes

    cfg = config_from_args(
        args,
        {
            "themes.seed": args.seed,
            "themes.min_theme_size": args.min_theme_size,
            "themes.n_themes": args.n_themes,
        },
    )
    run = run_themes(
        args.path,
        args.out,
        cfg,
        text_col=args.text_col,
        id_col=args.id_col,
        curation=args.curation,
        dask=args.dask,
        progress=progress_of(args),
    )
    print_excluded(run.excluded, f" (see {run.files['ledger']})")
    for msg in run.curation_messages:
        print(f"kmsynth: {msg}", file=sys.stderr)
    res = run.result
    print(
        f"{len(res.themes)} themes on {run.n_docs} documents; outliers "
        f"{100 * res.outlier_share_final:.1f}% ({100 * res.outlier_share:.1f}% before "
        f"reassignment); wrote {run.files['themes']}, {run.files['assignments']}, "
        f"{run.files['manifest']}"
    )
    return EXIT_OK


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
    k.add_argument(
        "--threshold",
        type=float,
        help="calibrated score a pair needs to be a link "
        "(default: the shipped calibration's, about 0.3)",
    )
    k.add_argument("--mapping", help="YAML column mapping (findings and lessons sections)")
    add_common_args(k, columns=False)
    k.set_defaults(func=cmd_link)


def cmd_link(args: argparse.Namespace) -> int:
    from kmsynth.runs import run_link

    cfg = config_from_args(args)
    run = run_link(
        args.findings,
        args.lessons,
        args.out,
        cfg,
        top_k=args.top_k,
        threshold=args.threshold,
        reviewed=args.reviewed,
        mapping=args.mapping,
        progress=progress_of(args),
    )
    res = run.result
    print(
        f"{len(res.links)} links between {run.n_findings} findings and {run.n_lessons} lessons "
        f"(threshold {res.params['threshold_used']:.2f}); {len(res.gaps_findings)} findings "
        f"without a lesson, {len(res.gaps_lessons)} lessons without evidence -> {args.out}"
    )
    return EXIT_OK


# --------------------------------------------------------------------------------------------
# brief


@command
def _brief(sub: argparse._SubParsersAction) -> None:
    b = sub.add_parser(
        "brief", help="a knowledge brief from a discussion export (md, html or docx)"
    )
    b.add_argument("path")
    b.add_argument("--out", required=True, help="brief.md, brief.html or brief.docx")
    b.add_argument("--title", default="Knowledge brief")
    b.add_argument("--mapping", help="YAML column mapping (posts section)")
    add_common_args(b, columns=False)
    b.add_argument(
        "--themes", help="use this `kmsynth themes` output folder instead of fitting themes"
    )
    b.set_defaults(func=cmd_brief)


def cmd_brief(args: argparse.Namespace) -> int:
    from kmsynth.runs import run_brief

    cfg = config_from_args(args)
    run = run_brief(
        args.path,
        args.out,
        cfg,
        title=args.title,
        mapping=args.mapping,
        themes=args.themes,
        progress=progress_of(args),
    )
    b = run.brief
    print(
        f"brief: {len(b.lessons)} lessons, {sum(len(v) for v in b.practices.values())} "
        f"practices in {len(b.practices)} countries, {len(b.themes)} themes -> {run.path}"
    )
    return EXIT_OK


# --------------------------------------------------------------------------------------------
# check


@command
def _check(sub: argparse._SubParsersAction) -> None:
    c = sub.add_parser("check", help="find every problem in kmsynth.yml before anything slow runs")
    c.add_argument("--config", required=True, help="kmsynth.yml")
    c.set_defaults(func=cmd_check)


def cmd_check(args: argparse.Namespace) -> int:
    from kmsynth.runs import check_config

    problems = check_config(args.config)
    if problems:
        print_problems(f"problem(s) in {args.config}", problems, limit=200)
        return EXIT_INPUT
    print(f"{args.config}: no problems found")
    return EXIT_OK


# --------------------------------------------------------------------------------------------
# report and demo


@command
def _report(sub: argparse._SubParsersAction) -> None:
    r = sub.add_parser("report", help="render reports/YYYY-MM/index.html (papermill + nbconvert)")
    r.add_argument("--month", required=True, help="YYYY-MM, or 'previous' for last month")
    for kind in ("posts", "survey", "findings", "lessons"):
        r.add_argument(f"--{kind}", help=f"{kind} file (overrides the config)")
    r.add_argument("--curation", help="curation YAML (overrides the config)")
    r.add_argument("--config", help="kmsynth.yml")
    r.add_argument("--out", help="reports folder (default: the config's report.out, else reports/)")
    r.add_argument("--embedder", help=EMBEDDER_HELP)
    r.add_argument("--seed", type=int)
    r.add_argument(
        "--dask", help="spread reading, redaction and embedding over Dask: 'local' or an address"
    )
    r.add_argument(
        "--replace-complete",
        action="store_true",
        help="publish a partial report over a complete one of the same month",
    )
    r.set_defaults(func=cmd_report)


def cmd_report(args: argparse.Namespace) -> int:
    from kmsynth.runs import run_report

    res = run_report(
        args.month,
        config=args.config,
        out=args.out or None,
        posts=args.posts,
        survey=args.survey,
        findings=args.findings,
        lessons=args.lessons,
        embedder=args.embedder,
        seed=args.seed,
        curation=args.curation,
        dask=args.dask,
        replace_complete=args.replace_complete,
        progress=progress_of(args),
    )
    return print_run(res)


def print_run(res: Any) -> int:
    """One line about a report run; exit 1 when it failed."""
    if res.status == "failed":
        print(
            f"kmsynth: the {res.month} report failed ({res.error}); the previous report, if "
            f"any, is unchanged. Details (owner only): .failed/{res.month}/",
            file=sys.stderr,
        )
        return EXIT_INTERNAL
    extra = f" ({', '.join(res.missing)} missing)" if res.status == "partial" else ""
    kept = f"; {res.note}" if getattr(res, "note", "") else ""
    print(
        f"{res.month}: {res.status}{extra} in {res.seconds:.0f} s -> "
        f"{res.folder / 'index.html'}{kept}"
    )
    return EXIT_OK


@command
def _demo(sub: argparse._SubParsersAction) -> None:
    d = sub.add_parser("demo", help="the monthly report on the bundled sample data")
    d.add_argument("--out", default="reports", help="reports folder (default: reports)")
    d.add_argument("--cache", help="embedding cache folder (default: ~/.cache/kmsynth)")
    d.set_defaults(func=cmd_demo)


def cmd_demo(args: argparse.Namespace) -> int:
    from kmsynth.runs import run_demo

    print("kmsynth demo: the latest month of the bundled sample data (first run: a few minutes)")
    return print_run(run_demo(args.out, cache_dir=args.cache, progress=progress_of(args)))
