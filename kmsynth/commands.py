"""Sub-commands beyond `validate`, each registered on the parser by `@command`."""
from __future__ import annotations

import argparse
from pathlib import Path

from .cli import command

SAMPLE_DIR = Path(__file__).resolve().parent.parent / "data" / "sample"


@command
def _demo(sub: argparse._SubParsersAction) -> None:
    d = sub.add_parser("demo", help="the monthly report on the bundled sample data")
    d.add_argument("--out", default="reports")
    d.set_defaults(func=cmd_demo)


def cmd_demo(args: argparse.Namespace) -> int:
    from .config import load_config
    from .prepare import prepare

    cfg = load_config(SAMPLE_DIR / "kmsynth.yml")
    for kind in ("posts", "survey", "findings", "lessons"):
        path = getattr(cfg.data, kind)
        if path is None:
            continue
        prep = prepare(kind, path, cfg)
        print(f"{kind}: {path.name}: {prep.ledger.summary()}")
    return 0
