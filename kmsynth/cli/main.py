"""kmsynth: themes, briefs, evidence links and monthly reports from what practitioners write.

The command line is argument parsing and printing; the work is in `kmsynth.runs`.
Exit status: 0 success, 2 bad input or usage (message on stderr, no traceback), 1 internal
error, 75 another run holds the lock.
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
import traceback
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from kmsynth.errors import AlreadyRunning, InputError

if TYPE_CHECKING:
    from kmsynth.config import Config
    from kmsynth.runs import Progress

EXIT_OK, EXIT_INTERNAL, EXIT_INPUT, EXIT_LOCKED = 0, 1, 2, 75
log = logging.getLogger("kmsynth")


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # usage errors: exit 2 without a traceback
        self.print_usage(sys.stderr)
        print(f"kmsynth: error: {message}", file=sys.stderr)
        raise SystemExit(EXIT_INPUT)


EMBEDDER_HELP = (
    "auto (default), minilm, multilingual, static, tfidf, or a sentence-transformers path"
)


def add_common_args(
    parser: argparse.ArgumentParser, *, columns: bool = True, embedder: bool = True
) -> None:
    """The arguments every command that reads a file of texts shares: --text-col and --id-col
    (with `columns`), --embedder (with `embedder`) and --config."""
    if columns:
        parser.add_argument(
            "--text-col", help="column holding the text (default: a column named text)"
        )
        parser.add_argument("--id-col", help="column holding the id (default: 1-based row number)")
    if embedder:
        parser.add_argument("--embedder", help=EMBEDDER_HELP)
    parser.add_argument("--config", help="kmsynth.yml")


def config_from_args(
    args: argparse.Namespace, overrides: dict[str, object] | None = None
) -> Config:
    """The config named by --config (the defaults when there is none), with --embedder and
    `overrides` ({"section.name": value}; None values leave a setting as it is) applied."""
    from kmsynth.config import load_config

    settings = {"embedding.embedder": getattr(args, "embedder", None), **(overrides or {})}
    return load_config(getattr(args, "config", None)).with_overrides(settings)


def progress_of(args: argparse.Namespace) -> Progress:
    """Progress lines on a terminal or with -v; quiet under cron and in pipes."""
    from kmsynth.runs import Progress

    return Progress(bool(getattr(args, "verbose", False)) or sys.stderr.isatty())


def print_excluded(problems: Sequence[object], where: str = "") -> None:
    """The rows a command excluded (at most 20), on stderr; `where` names the ledger."""
    if problems:
        print_problems(f"row(s) excluded{where}", problems, limit=20)


def print_problems(what: str, problems: Sequence[object], *, limit: int = 50) -> None:
    """'kmsynth: N <what>:' and one line per problem on stderr, at most `limit` of them."""
    print(f"kmsynth: {len(problems)} {what}:", file=sys.stderr)
    for p in problems[:limit]:
        print(f"  - {p}", file=sys.stderr)
    if len(problems) > limit:
        print(f"  ... and {len(problems) - limit} more", file=sys.stderr)


# --------------------------------------------------------------------------------------------
# validate


def cmd_validate(args: argparse.Namespace) -> int:
    from kmsynth.ingest import shown_header
    from kmsynth.ingest.prepare import prepare

    cfg = config_from_args(args)
    prep = prepare(args.kind, args.path, cfg, mapping=args.mapping)
    t = prep.table
    src = prep.sources[0]
    out = [
        f"{args.path}: {args.kind}, {src['format']}"
        + (f", encoding {src['encoding']}" if src.get("encoding") else "")
        + (f", delimiter {src['delimiter']!r}" if src.get("delimiter") else ""),
        f"  {prep.ledger.summary()}",
        f"  columns: {', '.join(shown_header(c) for c in t.columns if not c.startswith('_'))}",
    ]
    if "language" in t.columns and len(t):
        langs = t["language"].value_counts()
        out.append("  languages: " + ", ".join(f"{k} {v}" for k, v in langs.head(12).items()))
    for col in ("created_at", "submitted_at"):
        if col in t.columns and t[col].notna().any():
            out.append(f"  dates: {t[col].min():%Y-%m-%d} to {t[col].max():%Y-%m-%d} (UTC)")
    if any(prep.redactions.values()):
        out.append("  redacted: " + ", ".join(f"{k} {v}" for k, v in prep.redactions.items() if v))
    if args.kind == "survey" and prep.mapping.likert:
        from kmsynth.survey import survey_data

        data = survey_data(prep, args.path)  # answers on no known scale: InputError (exit 2)
        out.append("  Likert items: " + "; ".join(f"{c} ({data.scales[c]})" for c in data.items))
    print("\n".join(out))
    warnings = [p for p in prep.problems if p.severity != "error"]
    if warnings:
        print(f"  {len(warnings)} warning(s):")
        for p in warnings[:50]:
            print(f"    - {p}")
    if prep.errors:
        print_problems("row(s) break the rules and would be excluded", prep.errors, limit=200)
        return EXIT_INPUT
    return EXIT_OK


# --------------------------------------------------------------------------------------------
# parser


def build_parser() -> argparse.ArgumentParser:
    p = _Parser(prog="kmsynth", description=__doc__.split("\n")[0])
    p.add_argument(
        "-v",
        "--verbose",
        action="store_true",
        help="show progress and details (progress is shown anyway on a terminal)",
    )
    p.add_argument("--version", action="version", version=f"kmsynth {_version()}")
    sub = p.add_subparsers(dest="command", required=True, parser_class=_Parser)

    v = sub.add_parser("validate", help="check an export against a canonical table")
    v.add_argument("kind", choices=["posts", "survey", "findings", "lessons"])
    v.add_argument("path")
    v.add_argument("--mapping", help="YAML column mapping")
    add_common_args(v, columns=False, embedder=False)
    v.set_defaults(func=cmd_validate)

    for register in _EXTRA_COMMANDS:
        register(sub)
    return p


def _version() -> str:
    from importlib import metadata

    try:
        return metadata.version("kmsynth")
    except metadata.PackageNotFoundError:
        from kmsynth import __version__

        return __version__


_EXTRA_COMMANDS: list[Callable[[argparse._SubParsersAction], None]] = []


def command(
    register: Callable[[argparse._SubParsersAction], None],
) -> Callable[[argparse._SubParsersAction], None]:
    """Decorator for modules that add a sub-command (keeps this file a thin dispatcher)."""
    _EXTRA_COMMANDS.append(register)
    return register


def _load_commands() -> None:
    # one line per module that registers sub-commands
    import kmsynth.cli.cmd_code  # noqa: F401
    import kmsynth.cli.cmd_sentences  # noqa: F401
    import kmsynth.cli.cmd_summarise  # noqa: F401
    import kmsynth.cli.commands  # noqa: F401


def main(argv: Sequence[str] | None = None) -> int:
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    _load_commands()
    try:
        args = build_parser().parse_args(argv)
    except SystemExit as exc:  # usage errors (exit 2) and --help (exit 0)
        return int(exc.code or 0)
    logging.basicConfig(
        level=logging.INFO if args.verbose else logging.WARNING,
        format="%(levelname)s %(name)s: %(message)s",
    )
    try:
        code = int(args.func(args) or 0)
        sys.stdout.flush()  # a closed pipe shows here, inside the handlers below
        return code
    except InputError as exc:
        print(f"kmsynth: {exc}", file=sys.stderr)
        return EXIT_INPUT
    except AlreadyRunning as exc:
        print(f"kmsynth: {exc}", file=sys.stderr)
        return EXIT_LOCKED
    except KeyboardInterrupt:
        print("kmsynth: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:  # `kmsynth validate ... | head`: the reader left; stop quietly
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return EXIT_OK
    except Exception as exc:  # internal error: short message, details in an owner-only log
        log_path = Path(
            os.environ.get("KMSYNTH_ERROR_LOG", Path.home() / ".kmsynth-last-error.log")
        )
        try:
            log_path.write_text(traceback.format_exc(), encoding="utf-8")
            os.chmod(log_path, 0o600)
            where = f" (details in {log_path})"
        except OSError:
            where = ""
        # the message itself may quote data: only its type goes to stderr
        print(f"kmsynth: internal error ({type(exc).__name__}){where}", file=sys.stderr)
        return EXIT_INTERNAL


if __name__ == "__main__":
    raise SystemExit(main())
