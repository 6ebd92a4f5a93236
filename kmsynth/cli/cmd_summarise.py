"""`kmsynth summarise PATH --out FILE.jsonl`: the key points of a file of texts, per group."""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path

from kmsynth.cli.main import EXIT_OK, add_common_args, command, config_from_args, print_excluded
from kmsynth.errors import InputError


def _positive(value: str) -> int:
    try:
        n = int(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{value!r} is not a whole number") from None
    if n < 1:
        raise argparse.ArgumentTypeError("must be at least 1")
    return n


@command
def register(sub: argparse._SubParsersAction) -> None:
    s = sub.add_parser(
        "summarise",
        help="key points of a file of texts (one JSON line per group)",
        description="Key points: sentences backed by many texts and authors, verbatim after "
        "redaction, within a word budget. Only texts whose authors agreed to be quoted are shown "
        "verbatim; without a consent column, privacy.verbatim_without_consent decides (deny).",
    )
    s.add_argument("path", help="the texts: CSV, XLSX, JSON, JSONL or Parquet")
    s.add_argument("--out", required=True, help="output file, one JSON line per group (.jsonl)")
    s.add_argument("--group-col", help="summarise each value of this column apart")
    s.add_argument("--max-words", type=_positive, default=60, help="words per summary (60)")
    s.add_argument(
        "--verbatim-without-consent",
        choices=["allow", "deny"],
        help="the file has no consent column: may its text be shown? (default: the config, deny)",
    )
    add_common_args(s)
    s.set_defaults(func=cmd_summarise)


def cmd_summarise(args: argparse.Namespace) -> int:
    from kmsynth.embed import embedder_from_config
    from kmsynth.ingest.prepare import prepare
    from kmsynth.synthesis import (
        CONSENT_RULE_TEXT,
        KeyPointSummariser,
        consent_rule,
        summarise_groups,
        with_consent,
    )

    cfg = config_from_args(
        args, {"privacy.verbatim_without_consent": args.verbatim_without_consent}
    )
    prep = prepare(
        "documents", args.path, cfg, mapping=None, id_col=args.id_col, text_col=args.text_col
    )
    table = prep.table
    group_col = _column(table.columns, args.group_col, args.path) if args.group_col else None
    rule = consent_rule(table, cfg)
    table = with_consent(table, cfg)
    embedder = embedder_from_config(cfg)
    embedder.fit(table["text"].astype(str).tolist())  # tfidf learns, auto chooses on every text
    summariser = KeyPointSummariser(max_words=args.max_words, gate="consent")
    lines = summarise_groups(table, embedder, group_col=group_col, summariser=summariser)
    _write_jsonl(Path(args.out), lines)
    points = sum(len(x["summary"]) for x in lines)
    print(f"{len(lines)} group(s), {points} key point(s) from {len(table)} texts -> {args.out}")
    if not table["quotable"].any():
        print(f"kmsynth: verbatim text: {CONSENT_RULE_TEXT[rule]}", file=sys.stderr)
        if rule == "deny":
            print("  if the authors agreed, pass --verbatim-without-consent allow", file=sys.stderr)
    print_excluded(prep.errors)
    return EXIT_OK


def _column(columns: Sequence[object], name: str, path: str) -> str:
    """`name` among the table's columns (exact, else ignoring case)."""
    if name in columns:
        return name
    match = [c for c in columns if str(c).lower() == name.lower()]
    if match:
        return match[0]
    raise InputError(
        f"no column {name[:40]!r} to group by",
        file=path,
        column=name[:40],
        hint="pass --group-col with a column of the file's header",
    )


def _write_jsonl(path: Path, lines: list[dict]) -> None:
    """Write atomically, owner-only (the file holds text from the data)."""
    from kmsynth.protect import make_private_dir

    make_private_dir(path.parent)
    fd, tmp = tempfile.mkstemp(prefix=".summary-", suffix=".jsonl", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            for line in lines:
                f.write(json.dumps(line, ensure_ascii=False) + "\n")
        os.chmod(tmp, 0o600)
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)
