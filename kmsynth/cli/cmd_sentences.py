"""`kmsynth sentences PATH --out FILE.csv`: the kind of every sentence of a file of texts."""

from __future__ import annotations

import argparse

from kmsynth.cli.main import EXIT_OK, add_common_args, command, config_from_args, print_excluded


@command
def register(sub: argparse._SubParsersAction) -> None:
    s = sub.add_parser(
        "sentences",
        help="the kind of every sentence: lesson, practice, recommendation, question, ...",
        description="One row per sentence (after redaction): id, sentence_no, sentence, kind "
        "(lesson, practice, recommendation, question, courtesy, experience, other), score "
        "(probability of a lesson, practice or recommendation) and language. The file holds "
        "text from the data: it is written readable by you only; do not share it as is.",
    )
    s.add_argument("path", help="the texts: CSV, XLSX, JSON, JSONL or Parquet")
    s.add_argument("--out", required=True, help="output file (.csv)")
    add_common_args(s, embedder=False)
    s.set_defaults(func=cmd_sentences)


def cmd_sentences(args: argparse.Namespace) -> int:
    from kmsynth.ingest.prepare import prepare
    from kmsynth.protect import write_csv
    from kmsynth.synthesis.kinds import kind_encoder
    from kmsynth.synthesis.lessons import sentence_kinds

    cfg = config_from_args(args)
    prep = prepare(
        "documents", args.path, cfg, mapping=None, id_col=args.id_col, text_col=args.text_col
    )
    table = sentence_kinds(
        prep.table,
        id_col="doc_id",
        text_col="text",
        encoder=kind_encoder(cfg.embedding.cache_dir),
    )
    write_csv(table, args.out, index=False)
    counts = table["kind"].value_counts()
    found = ", ".join(f"{counts.get(k, 0)} {k}" for k in ("lesson", "practice", "recommendation"))
    print(f"{len(table)} sentences from {len(prep.table)} texts ({found}) -> {args.out}")
    print_excluded(prep.errors)
    return EXIT_OK
