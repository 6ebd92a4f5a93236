"""`kmsynth code PATH --codebook FILE --out DIR`: code texts against a codebook."""

from __future__ import annotations

import argparse

from kmsynth.cli.main import EXIT_OK, add_common_args, command, config_from_args, print_excluded


@command
def register(sub: argparse._SubParsersAction) -> None:
    c = sub.add_parser("code", help="code texts against a codebook (YAML, or 'pillars')")
    c.add_argument("path", help="the texts: CSV, XLSX, JSON, JSONL or Parquet")
    c.add_argument(
        "--codebook",
        required=True,
        help="codebook YAML (codes: id, name, description, examples, parent), "
        "or 'pillars' for the programme's six pillars",
    )
    c.add_argument("--out", required=True, help="folder for codes.csv, summary.csv, manifest.json")
    c.add_argument("--human-col", help="column of human codes ('a; b'): adds agreement.csv")
    add_common_args(c)
    c.set_defaults(func=cmd_code)


def cmd_code(args: argparse.Namespace) -> int:
    from kmsynth.runs import run_code

    cfg = config_from_args(args)
    run = run_code(
        args.path,
        args.codebook,
        args.out,
        cfg,
        text_col=args.text_col,
        id_col=args.id_col,
        human_col=args.human_col,
    )
    coded = run.manifest["coded"]
    print(f"{run.documents} documents, {coded} coded with at least one code -> {args.out}")
    if run.manifest.get("agreement_micro"):
        a = run.manifest["agreement_micro"]
        print(
            f"agreement with {args.human_col}: micro-F1 {a['f1']:.3f}, mean kappa "
            f"{a['kappa']:.3f} (details: agreement.csv, disagreements.csv)"
        )
    print_excluded(run.problems)
    return EXIT_OK
