"""`run_link`: evaluation findings linked to the lessons-learned inventory, with the gaps."""

from __future__ import annotations

import os
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from kmsynth.config import Config
from kmsynth.errors import InputError
from kmsynth.manifest import build_manifest, write_json
from kmsynth.runs.progress import Progress, quiet_unless


@dataclass
class LinkRun:
    """What `run_link` did: the linking result, the files written and the manifest."""

    result: Any  # kmsynth.link.LinkResult
    files: dict[str, Path]
    manifest: dict[str, Any]
    n_findings: int = 0
    n_lessons: int = 0


def run_link(
    findings: str | os.PathLike[str],
    lessons: str | os.PathLike[str],
    out: str | os.PathLike[str],
    config: Config,
    *,
    top_k: int = 5,
    threshold: float | None = None,
    reviewed: str | os.PathLike[str] | None = None,
    mapping: str | os.PathLike[str] | None = None,
    progress: Progress | None = None,
) -> LinkRun:
    """Link findings to lessons: DIR/links.csv, gaps.csv, evidence_map.csv, ledgers, manifest."""
    from kmsynth.embed.embedders import embedder_from_config
    from kmsynth.ingest.prepare import prepare
    from kmsynth.link import Linker, read_reviewed

    t0 = time.perf_counter()
    say = quiet_unless(progress)
    if top_k < 1:
        raise InputError("--top-k must be at least 1")
    if threshold is not None and not 0 <= threshold <= 1:
        raise InputError("--threshold must be between 0 and 1")
    mapping = mapping or config.data.mapping
    decisions = read_reviewed(reviewed) if reviewed else None  # fail early on a bad file
    say.stage("reading and protecting", files=2)
    f = prepare("findings", findings, config, mapping=mapping)
    les = prepare("lessons", lessons, config, mapping=mapping)
    _check_not_empty(((f, "findings", findings), (les, "lessons", lessons)))
    emb = embedder_from_config(config)
    # tfidf learns, auto chooses, pretrained: no-op
    emb.fit(f.table["text"].tolist() + les.table["text"].tolist())
    say.stage("linking", findings=len(f.table), lessons=len(les.table))
    linker = Linker(emb, top_k=top_k, threshold=threshold, seed=config.themes.seed).fit(les.table)
    res = linker.link(f.table, reviewed=decisions)
    files = _write_link_outputs(res, Path(out), f, les)
    manifest = _link_manifest(res, f, les, reviewed, decisions, t0)
    write_json(Path(out) / "manifest.json", manifest)
    files["manifest"] = Path(out) / "manifest.json"
    return LinkRun(res, files, manifest, len(f.table), len(les.table))


def _check_not_empty(preps: tuple[tuple[Any, str, Any], ...]) -> None:
    """A findings or lessons file with no usable row is bad input (exit 2), not an empty run."""
    for prep, what, file in preps:
        if len(prep.table) == 0:
            raise InputError(
                f"no usable {what}: the file has no rows, or every row was excluded",
                file=str(file),
                hint=f"run: kmsynth validate {what} {file}",
            )


def _link_manifest(
    res: Any, f: Any, les: Any, reviewed: Any, decisions: Any, t0: float
) -> dict[str, Any]:
    """manifest.json of a link run: inputs (and the reviewed file), parameters, counts."""
    extra = (
        [{"file": reviewed, "sha256": None, "rows": int(len(decisions))}]
        if decisions is not None
        else []
    )
    return build_manifest(
        "link",
        sources=f.sources + les.sources + extra,
        parameters=res.params,
        timings={"wall": time.perf_counter() - t0},
        ledger={"findings": f.ledger.counts(), "lessons": les.ledger.counts()},
        links=int(len(res.links)),
        rejected_carried=int(len(res.rejected)),
        findings_without_lesson=int(len(res.gaps_findings)),
        lessons_without_finding=int(len(res.gaps_lessons)),
    )


def _write_link_outputs(res: Any, out: Path, f: Any, les: Any) -> dict[str, Path]:
    from kmsynth.protect import make_private_dir, write_csv

    make_private_dir(out)
    files = {}
    # links and gaps quote redacted text and ids: write_csv makes them owner-readable only
    for name, frame in (("links.csv", res.links_for_review()), ("gaps.csv", res.gaps)):
        files[name.removesuffix(".csv")] = write_csv(frame, out / name, index=False)
    write_csv(res.evidence_map, out / "evidence_map.csv")
    files["evidence_map"] = out / "evidence_map.csv"
    f.ledger.save(out / "ledger_findings.csv")
    les.ledger.save(out / "ledger_lessons.csv")
    return files
