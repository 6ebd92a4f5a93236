"""The monthly report run: stage, execute, check, convert, publish — each a function.

`render_monthly_report` runs the report notebook with papermill into a staging folder
(`execute`), checks the executed notebook itself (`check_executed`), converts it to one
self-contained `index.html` (`to_html`, `check_html`), writes `manifest.json`, and only then swaps
the staging folder in for `reports/YYYY-MM/` in one atomic step (`publish`). A failed run leaves
the previous report untouched, keeps the failed notebook and an error summary in
`reports/.failed/YYYY-MM/` (owner-only), and exits 1; a full disk or a read-only folder is such a
failure, said plainly. A partial run does not replace a complete report made from the same
inputs. A lock per month refuses a second run of the same month (exit 75).
"""

from __future__ import annotations

import errno
import os
import shutil
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Unpack

from kmsynth.config import Config, load_config
from kmsynth.errors import InputError, KmsynthError
from kmsynth.ingest.read import sha256_if_file
from kmsynth.manifest import build_manifest, write_json
from kmsynth.report.execution import check_executed, execute, input_error_payload, strip_errors
from kmsynth.report.notebook import NOTEBOOK, ReportFlags, apply_overrides
from kmsynth.report.page import check_html, to_html
from kmsynth.report.publishing import (
    keeps_complete,
    month_lock,
    private_dir,
    publish,
    published_manifest,
    record_run,
    recover,
    staging_dir,
    write_index,
)
from kmsynth.report.sections import check_month

INPUT_KINDS = ("posts", "survey", "findings", "lessons")
_STORAGE_ERRORS = {
    errno.ENOSPC: "no space left on device",
    errno.EDQUOT: "disk quota exceeded",
    errno.EROFS: "read-only file system",
    errno.EACCES: "read-only: permission denied",
    errno.EPERM: "read-only: operation not permitted",
}


@dataclass
class RunResult:
    """What a report run did: status complete | partial | failed, where, and why."""

    month: str
    status: str
    folder: Path | None
    missing: list[str] = field(default_factory=list)
    error: str = ""
    seconds: float = 0.0
    note: str = ""  # e.g. a partial run that kept the complete report


class ReportFailed(KmsynthError):
    """A report run failed (the CLI prints RunResult.error and exits 1)."""


def storage_problem(exc: OSError) -> str | None:
    """'no space left on device writing <path>' (or read-only ...) for a storage error."""
    what = _STORAGE_ERRORS.get(exc.errno or 0)
    if what is None:
        return None
    return f"{what} writing {exc.filename}" if exc.filename else what


def render_monthly_report(
    month: str,
    *,
    config_path: str | Path | None = None,
    out: str | Path | None = None,
    notebook: Path | None = None,
    dask: str | None = None,
    replace_complete: bool = False,
    on_stage: Callable[..., None] | None = None,
    **flags: Unpack[ReportFlags],
) -> RunResult:
    """Render reports/YYYY-MM/ (index.html, report.ipynb, manifest.json) and reports/index.html.

    `replace_complete` lets a partial run replace a complete report made from the same inputs.
    """
    t0 = time.perf_counter()
    month = check_month(month)
    cfg = apply_overrides(load_config(config_path), **flags)
    _check_inputs(cfg)
    out = Path(out or cfg.report.out).resolve()
    say = on_stage or (lambda *a, **k: None)
    try:
        out.mkdir(parents=True, exist_ok=True)
        lock = month_lock(out, month)
    except OSError as exc:
        why = storage_problem(exc) or f"cannot write the reports folder ({type(exc).__name__})"
        return RunResult(month, "failed", None, [], why, round(time.perf_counter() - t0, 1))
    staging: Path | None = None
    try:
        recover(out, month)
        staging = staging_dir(out, month)
        nb = Path(notebook or cfg.report.notebook or NOTEBOOK)
        run = _Run(month, cfg, out, staging, nb, dask, replace_complete, say, t0)
        return run.go()
    except OSError as exc:
        why = storage_problem(exc)
        if why is None:
            raise
        return _fail(out, month, staging, cfg, why, t0)
    except InputError as exc:
        extra = {"input_error": input_error_payload(exc)}
        _fail(out, month, staging, cfg, f"bad input: {exc.message}", t0, extra=extra)
        raise
    finally:
        if staging is not None:
            shutil.rmtree(staging, ignore_errors=True)
        lock.release()


def _check_inputs(cfg: Config) -> None:
    if cfg.data.posts is None:
        raise InputError("no posts file: set data.posts in the config or pass --posts")
    for kind in INPUT_KINDS:  # a missing curation file means "no decisions yet"
        p = getattr(cfg.data, kind)
        if p is not None and not Path(p).is_file():
            raise InputError(
                f"the {kind} file does not exist",
                file=str(p),
                hint=f"check data.{kind} in the config or the --{kind} flag",
            )


@dataclass
class _Run:
    month: str
    cfg: Config
    out: Path
    staging: Path
    notebook: Path
    dask: str | None
    replace_complete: bool
    say: Callable[..., None]
    t0: float

    def go(self) -> RunResult:
        executed = self.staging / "report.ipynb"
        self.say("running the report notebook", month=self.month)
        ok, err = execute(
            self.notebook,
            executed,
            self.parameters(),
            cwd=self.staging,
            cell_timeout=self.cfg.report.cell_timeout_s,
            run_timeout=self.cfg.report.run_timeout_s,
            on_stage=self.say,
        )
        status, missing, cell_errors = check_executed(executed)
        status = "failed" if not ok else status
        problems: list[str] = []
        if status != "failed":
            self.say("converting to HTML", status=status)
            strip_errors(executed)
            page = to_html(executed, f"{self.cfg.report.title}: {self.month}")
            problems = check_html(page)
            status = "failed" if problems else status
            if not problems:
                write_text(self.staging / "index.html", page)
        if status == "failed":
            why = "; ".join([err, *cell_errors, *problems]).strip("; ") or "unknown failure"
            self.keep_failed(executed)
            return _fail(self.out, self.month, None, self.cfg, why, self.t0, missing=missing)
        return self.publish(executed, status, missing)

    def parameters(self) -> dict[str, Any]:
        d = self.cfg.data
        return {
            "month": self.month,
            "config_path": str(self.cfg.source_file) if self.cfg.source_file else None,
            **{
                k: (str(getattr(d, k)) if getattr(d, k) else None)
                for k in (*INPUT_KINDS, "curation")
            },
            "embedder": self.cfg.embedding.embedder,
            "seed": self.cfg.themes.seed,
            "state_dir": str(private_dir(self.out / ".state")),
            "dask": self.dask,
        }

    def keep_failed(self, executed: Path) -> None:
        if executed.is_file():
            failed = private_dir(self.out / ".failed" / self.month)
            shutil.copy2(executed, failed / "report.ipynb")
            os.chmod(failed / "report.ipynb", 0o600)

    def publish(self, executed: Path, status: str, missing: list[str]) -> RunResult:
        manifest = report_manifest(
            self.cfg, self.month, status, missing, self.parameters(), self.t0
        )
        elapsed = manifest["run_seconds"]
        previous = published_manifest(self.out, self.month)
        if not self.replace_complete and keeps_complete(previous, manifest):
            note = (
                f"partial run ({', '.join(missing)} missing) not published: the complete "
                f"report of {previous.get('created_at') or previous.get('generated_at')} "
                f"is kept (same inputs; --replace-complete publishes it)"
            )
            record_run(self.out, manifest | {"note": note})
            write_index(self.out)
            return RunResult(self.month, status, self.out / self.month, missing, "", elapsed, note)
        self.say("publishing", folder=str(self.out / self.month))
        os.chmod(executed, 0o600)
        write_json(self.staging / "manifest.json", manifest)
        os.chmod(self.staging, 0o755)
        publish(self.staging, self.out / self.month)
        shutil.rmtree(self.out / ".failed" / self.month, ignore_errors=True)  # no longer applies
        record_run(self.out, manifest)
        write_index(self.out)
        return RunResult(self.month, status, self.out / self.month, missing, "", elapsed)


def write_text(path: Path, text: str) -> None:
    """Write a page in the staging folder (a full disk raises OSError with the path)."""
    path.write_text(text, encoding="utf-8")


def report_manifest(
    cfg: Config, month: str, status: str, missing: list[str], parameters: dict[str, Any], t0: float
) -> dict[str, Any]:
    """The report's manifest.json: inputs with their kinds and hashes, parameters, status."""
    sources = [
        {"kind": k, "file": getattr(cfg.data, k), "sha256": sha256_if_file(getattr(cfg.data, k))}
        for k in INPUT_KINDS
        if getattr(cfg.data, k) is not None
    ]
    if cfg.source_file:
        sources.append(
            {
                "kind": "config",
                "file": cfg.source_file,
                "sha256": sha256_if_file(Path(cfg.source_file)),
            }
        )
    elapsed = round(time.perf_counter() - t0, 1)
    return build_manifest(
        "report",
        sources=sources,
        timings={"wall": elapsed},
        parameters={k: v for k, v in parameters.items() if k != "state_dir"},
        month=month,
        status=status,
        missing_sections=missing,
        run_seconds=elapsed,
        seed=cfg.themes.seed,
        min_cell=cfg.privacy.min_cell,
        curation_sha256=sha256_if_file(cfg.data.curation),
    )


def _fail(
    out: Path,
    month: str,
    staging: Path | None,
    cfg: Config,
    why: str,
    t0: float,
    *,
    missing: list[str] | None = None,
    extra: dict[str, Any] | None = None,
) -> RunResult:
    """Record a failed attempt (best effort: the disk may be full) and say why."""
    if staging is not None:
        shutil.rmtree(staging, ignore_errors=True)
    elapsed = round(time.perf_counter() - t0, 1)
    try:
        manifest = report_manifest(cfg, month, "failed", missing or [], {"month": month}, t0)
        manifest |= {"error": why, **(extra or {})}
        write_json(private_dir(out / ".failed" / month) / "error.json", manifest, private=True)
        record_run(out, manifest)
        write_index(out)
    except OSError:
        pass  # the disk that is full or read-only cannot hold the record either
    return RunResult(month, "failed", None, missing or [], why, elapsed)
