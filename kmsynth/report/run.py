"""The monthly report run: stage, execute, check, convert, publish — each a function.

`render_monthly_report` runs `notebooks/monthly_report.ipynb` with papermill into a staging
folder, checks the executed notebook itself (papermill can exit 0 after failures:
papermill#501, #539), converts it with nbconvert to a self-contained `index.html` (no code, no
request leaves the page, a restrictive Content-Security-Policy), writes `manifest.json`, and only
then swaps the staging folder in for `reports/YYYY-MM/` by rename. A failed run leaves the
previous report untouched, keeps the failed notebook and an error summary in
`reports/.failed/YYYY-MM/` (owner-only), and exits 1. A lock per month refuses a second run (75).
"""
from __future__ import annotations

import json
import logging
import os
import re
import shutil
import subprocess
import sys
import time
import uuid
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

from kmsynth.config import Config, load_config
from kmsynth.errors import AlreadyRunning, InputError, KmsynthError
from kmsynth.ingest.read import sha256_if_file
from kmsynth.manifest import package_versions, utc_now, write_json
from kmsynth.report.sections import MonthlyReport, build_monthly_report, check_month

log = logging.getLogger(__name__)
NOTEBOOK = Path(str(resources.files("kmsynth") / "resources" / "notebooks" / "monthly_report.ipynb"))
REQUIRED_SECTIONS = ("setup", "header", "glance", "themes", "trends", "method")


# --------------------------------------------------------------------------------------------
# inside the notebook


def notebook_setup(*, month: str, config_path: str | None = None, posts: str | None = None,
                   survey: str | None = None, findings: str | None = None, lessons: str | None = None,
                   embedder: str | None = None, seed: int | None = None, state_dir: str | None = None,
                   curation: str | None = None, dask: str | None = None) -> MonthlyReport:
    """What the notebook's first cell calls: the config with the run's overrides, then the report."""
    cfg = apply_overrides(load_config(config_path), posts=posts, survey=survey, findings=findings,
                          lessons=lessons, embedder=embedder, seed=seed, curation=curation)
    rep = build_monthly_report(month, cfg, state_dir=state_dir, curation=cfg.data.curation, dask=dask)
    rep.extra["config"] = cfg
    return rep


def apply_overrides(cfg: Config, **over: Any) -> Config:
    """Flags and papermill parameters override the config's settings (None leaves them)."""
    settings = {f"data.{kind}": over.get(kind) or None
                for kind in ("posts", "survey", "findings", "lessons", "curation")}
    settings["embedding.embedder"] = over.get("embedder") or None
    settings["themes.seed"] = over.get("seed")
    return cfg.with_overrides(settings)


def optional_section(report: MonthlyReport, name: str) -> str:
    """Survey results or evaluation links, when their inputs are configured ('' otherwise).

    Delegates to `kmsynth.survey.survey_section_html` / `kmsynth.link.linker.links_section_html`.
    An error here makes the run 'partial', never 'failed': the section is left out, a marker
    output (MISSING_MIME) tells `check_executed`, and the page says the section is missing.
    """
    try:
        return _optional_section(report, name)
    except Exception as exc:  # noqa: BLE001 - any failure leaves this section out, not the report
        from IPython.display import display

        from kmsynth.html import esc

        log.warning("section %s left out (%s)", name, type(exc).__name__)
        display({MISSING_MIME: {"section": name, "reason": type(exc).__name__}}, raw=True)
        return (f'<div class="km"><p class="flag">The {esc(name)} section could not be produced this '
                f"month ({esc(type(exc).__name__)}); the rest of the report is complete.</p></div>")


MISSING_MIME = "application/vnd.kmsynth.missing+json"


def _optional_section(report: MonthlyReport, name: str) -> str:
    cfg: Config = report.extra["config"]
    if name == "survey":
        if cfg.data.survey is None:
            return ""
        from kmsynth.survey import survey_section_html

        return survey_section_html(cfg.data.survey, cfg, month=report.month)
    if name == "links":
        if cfg.data.findings is None or cfg.data.lessons is None:
            return ""
        from kmsynth.link.linker import links_section_html

        return links_section_html(cfg.data.findings, cfg.data.lessons, cfg)
    raise ValueError(f"unknown section {name!r}")


# --------------------------------------------------------------------------------------------
# run


@dataclass
class RunResult:
    month: str
    status: str  # complete | partial | failed
    folder: Path | None
    missing: list[str] = field(default_factory=list)
    error: str = ""
    seconds: float = 0.0


def _private_dir(p: Path) -> Path:
    p.mkdir(parents=True, exist_ok=True)
    os.chmod(p, 0o700)
    return p


def execute(notebook: Path, output: Path, parameters: dict[str, Any], *, cell_timeout: int,
            run_timeout: int, cwd: Path) -> tuple[bool, str]:
    """Run papermill in a child process (so a hung kernel can be stopped): (ok, error text)."""
    import yaml

    params_file = output.with_suffix(".params.yml")
    params_file.write_text(yaml.safe_dump(parameters), encoding="utf-8")
    cmd = [sys.executable, "-m", "papermill", str(notebook), str(output), "-f", str(params_file),
           "-k", "python3", "--execution-timeout", str(cell_timeout), "--cwd", str(cwd),
           "--no-progress-bar", "--log-level", "ERROR"]
    env = dict(os.environ, HF_HUB_OFFLINE="1", TRANSFORMERS_OFFLINE="1", TOKENIZERS_PARALLELISM="false",
               PYDEVD_DISABLE_FILE_VALIDATION="1")
    try:
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=run_timeout, env=env)
    except subprocess.TimeoutExpired:
        return False, f"the run took longer than {run_timeout} s and was stopped (report.run_timeout_s)"
    finally:
        params_file.unlink(missing_ok=True)
    if proc.returncode != 0:
        tail = "\n".join(proc.stderr.strip().splitlines()[-3:])
        # only the exception's type and cell are kept: the message may quote data
        m = re.search(r"(\w+(?:Error|Exception|Interrupt))\b", tail)
        return False, f"papermill exited {proc.returncode}" + (f" ({m.group(1)})" if m else "")
    return True, ""


def check_executed(path: Path) -> tuple[str, list[str], list[str]]:
    """Read the executed notebook: (status, missing sections, failed cells' tags and error names).

    A section is missing when its cell did not run or raised. Missing required sections: failed;
    missing optional sections only: partial; else complete.
    """
    import nbformat

    if not path.is_file():
        return "failed", list(REQUIRED_SECTIONS), ["no executed notebook"]
    nb = nbformat.read(path, as_version=4)
    missing, errors = [], []
    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        tags = cell.metadata.get("tags", [])
        sec = next((t.split(":", 1)[1] for t in tags if t.startswith("section:")), None)
        errs = [o for o in cell.get("outputs", []) if o.get("output_type") == "error"]
        marks = [o["data"][MISSING_MIME] for o in cell.get("outputs", [])
                 if MISSING_MIME in o.get("data", {})]
        ran = cell.get("execution_count") is not None
        if sec and (errs or marks or not ran):
            missing.append(sec)
            why = errs[0].get("ename", "error") if errs else marks[0].get("reason") if marks else "not run"
            errors.append(f"{sec}: {why}")
    if any(s in REQUIRED_SECTIONS for s in missing):
        return "failed", missing, errors
    return ("partial" if missing else "complete"), missing, errors


def strip_errors(path: Path) -> None:
    """Remove error outputs, stderr streams and status markers so no trace reaches the HTML."""
    import nbformat

    nb = nbformat.read(path, as_version=4)
    for cell in nb.cells:
        if cell.cell_type == "code":
            cell.outputs = [o for o in cell.get("outputs", [])
                            if o.get("output_type") != "error"
                            and MISSING_MIME not in o.get("data", {})
                            and not (o.get("output_type") == "stream" and o.get("name") == "stderr")]
    nbformat.write(nb, path)


_EXTERNAL = re.compile(r"<script[^>]*\bsrc\s*=\s*[\"']?(?:https?:)?//[^>]*>\s*</script>|"
                       r"<link[^>]*\bhref\s*=\s*[\"']?(?:https?:)?//[^>]*>", re.I)


def to_html(executed: Path, title: str) -> str:
    """nbconvert to one self-contained page: no code, no prompts, no external requests, a CSP."""
    import nbformat
    from nbconvert import HTMLExporter

    from kmsynth.html import CSP, esc

    nb = nbformat.read(executed, as_version=4)
    for i, cell in enumerate(nb.cells):  # papermill's injected cell has a random id
        cell["id"] = f"cell-{i}"
    exp = HTMLExporter(template_name="lab")
    exp.exclude_input = True
    exp.exclude_input_prompt = True
    exp.exclude_output_prompt = True
    exp.exclude_markdown = True
    body, _ = exp.from_notebook_node(nb, resources={"metadata": {"name": title}})
    body = _EXTERNAL.sub("", body)
    body = re.sub(r"<script[^>]*mathjax[^>]*>.*?</script>", "", body, flags=re.I | re.S)
    body = re.sub(r"<title>.*?</title>", f"<title>{esc(title)}</title>", body, count=1, flags=re.S)
    body = body.replace("<head>", f'<head>\n<meta http-equiv="Content-Security-Policy" content="{CSP}">', 1)
    return body


def check_html(page: str) -> list[str]:
    """Problems that must stop a publish: external loads, tracebacks, code cells."""
    problems = []
    markup = re.sub(r"(<script\b[^>]*>).*?</script>", r"\1</script>", page, flags=re.I | re.S)
    if re.search(r"<(?:script|link|img|iframe)\b[^>]*\b(?:src|href)\s*=\s*[\"']?(?:https?:)?//", markup, re.I):
        problems.append("the page loads something from the network")
    if "Traceback (most recent call last)" in page or 'class="ansi-red-fg"' in page:
        problems.append("the page shows an error trace")
    if "Content-Security-Policy" not in page:
        problems.append("the page has no Content-Security-Policy")
    return problems


def _lock(out: Path, month: str):
    from filelock import FileLock, Timeout

    lock = FileLock(str(_private_dir(out / ".locks") / f"{month}.lock"), timeout=0)
    try:
        lock.acquire()
    except Timeout:
        raise AlreadyRunning(f"another run is writing the {month} report (lock {out / '.locks'})") from None
    return lock


def recover(out: Path) -> None:
    """Undo a publish a killed process left half-done: put the previous report back."""
    for old in out.glob(".old-*"):
        month = old.name.split("-", 1)[1].rsplit("-", 1)[0]
        target = out / month
        if not target.exists():
            old.rename(target)
            log.warning("restored the previous %s report after an interrupted publish", month)
        else:
            shutil.rmtree(old, ignore_errors=True)
    for stage in out.glob(".staging-*"):
        shutil.rmtree(stage, ignore_errors=True)


def publish(staging: Path, target: Path) -> None:
    """Swap `staging` in for `target` by rename; the old report is removed only afterwards."""
    old = target.with_name(f".old-{target.name}-{uuid.uuid4().hex[:6]}")
    if target.exists():
        target.rename(old)
    staging.rename(target)
    if old.exists():
        shutil.rmtree(old, ignore_errors=True)


def render_monthly_report(month: str, *, config_path: str | Path | None = None, out: str | Path | None = None,
                          posts: str | None = None, survey: str | None = None, findings: str | None = None,
                          lessons: str | None = None, embedder: str | None = None, seed: int | None = None,
                          curation: str | None = None, notebook: Path | None = None,
                          dask: str | None = None) -> RunResult:
    """Render reports/YYYY-MM/ (index.html, report.ipynb, manifest.json) and reports/index.html."""
    t0 = time.perf_counter()
    month = check_month(month)
    cfg = apply_overrides(load_config(config_path), posts=posts, survey=survey, findings=findings,
                          lessons=lessons, embedder=embedder, seed=seed, curation=curation)
    if cfg.data.posts is None:
        raise InputError("no posts file: set data.posts in the config or pass --posts")
    for kind in ("posts", "survey", "findings", "lessons", "curation"):
        p = getattr(cfg.data, kind)
        if p is not None and not Path(p).is_file():
            raise InputError(f"the {kind} file does not exist", file=str(p),
                             hint=f"check data.{kind} in the config or the --{kind} flag")
    out = Path(out or cfg.report.out).resolve()
    out.mkdir(parents=True, exist_ok=True)
    notebook = Path(notebook or cfg.report.notebook or NOTEBOOK)
    lock = _lock(out, month)
    try:
        recover(out)
        staging = _private_dir(out / f".staging-{month}-{uuid.uuid4().hex[:8]}")
        state = _private_dir(out / ".state")
        params = {"month": month, "config_path": str(cfg.source_file) if cfg.source_file else None,
                  "posts": str(cfg.data.posts), "survey": str(cfg.data.survey) if cfg.data.survey else None,
                  "findings": str(cfg.data.findings) if cfg.data.findings else None,
                  "lessons": str(cfg.data.lessons) if cfg.data.lessons else None,
                  "embedder": cfg.embedding.embedder, "seed": cfg.themes.seed, "state_dir": str(state),
                  "curation": str(cfg.data.curation) if cfg.data.curation else None, "dask": dask}
        executed = staging / "report.ipynb"
        ok, err = execute(notebook, executed, params, cell_timeout=cfg.report.cell_timeout_s,
                          run_timeout=cfg.report.run_timeout_s, cwd=staging)
        status, missing, cell_errors = check_executed(executed)
        if not ok and status != "failed":
            status = "failed"
        page_problems: list[str] = []
        if status != "failed":
            strip_errors(executed)
            page = to_html(executed, f"{cfg.report.title}: {month}")
            page_problems = check_html(page)
            if page_problems:
                status = "failed"
            else:
                (staging / "index.html").write_text(page, encoding="utf-8")
        elapsed = round(time.perf_counter() - t0, 1)
        manifest = {"month": month, "status": status, "missing_sections": missing,
                    "generated_at": utc_now(), "run_seconds": elapsed,
                    "parameters": {k: v for k, v in params.items() if k not in ("state_dir",)},
                    "inputs": _input_hashes(cfg), "versions": package_versions(),
                    "seed": cfg.themes.seed, "min_cell": cfg.privacy.min_cell,
                    "curation_sha256": sha256_if_file(cfg.data.curation)}
        if status == "failed":
            why = "; ".join([err] + cell_errors + page_problems).strip("; ") or "unknown failure"
            failed = _private_dir(out / ".failed" / month)
            if executed.is_file():
                shutil.copy2(executed, failed / "report.ipynb")
                os.chmod(failed / "report.ipynb", 0o600)
            write_json(failed / "error.json", manifest | {"error": why}, private=True)
            shutil.rmtree(staging, ignore_errors=True)
            _record_run(out, manifest | {"error": why})
            write_index(out)
            return RunResult(month, "failed", None, missing, why, elapsed)
        os.chmod(executed, 0o600)
        write_json(staging / "manifest.json", manifest)
        os.chmod(staging, 0o755)
        publish(staging, out / month)
        shutil.rmtree(out / ".failed" / month, ignore_errors=True)  # an older failure no longer applies
        _record_run(out, manifest)
        write_index(out)
        return RunResult(month, status, out / month, missing, "", elapsed)
    finally:
        lock.release()


def _input_hashes(cfg: Config) -> list[dict[str, Any]]:
    out = []
    for kind in ("posts", "survey", "findings", "lessons"):
        p = getattr(cfg.data, kind)
        if p is not None:
            out.append({"kind": kind, "file": Path(p).name, "sha256": sha256_if_file(Path(p))})
    if cfg.source_file:
        out.append({"kind": "config", "file": Path(cfg.source_file).name, "sha256": sha256_if_file(Path(cfg.source_file))})
    return out


def _record_run(out: Path, manifest: dict[str, Any]) -> None:
    """Append the run's status (no data) to reports/runs.json, read by the index page."""
    path = out / "runs.json"
    runs = json.loads(path.read_text("utf-8")) if path.is_file() else []
    runs.append({k: manifest.get(k) for k in ("month", "status", "generated_at", "run_seconds",
                                              "missing_sections", "error")})
    write_json(path, runs[-500:])  # type: ignore[arg-type]


def write_index(out: Path) -> Path:
    """reports/index.html: every published month with its status, and the last attempt per month."""
    from kmsynth.html import CSP, CSS, esc

    runs = json.loads((out / "runs.json").read_text("utf-8")) if (out / "runs.json").is_file() else []
    last_attempt: dict[str, dict] = {}
    for r in runs:
        last_attempt[r["month"]] = r
    months = sorted({p.name for p in out.iterdir() if p.is_dir() and re.match(r"^\d{4}-\d{2}$", p.name)}
                    | set(last_attempt), reverse=True)
    rows = []
    for m in months:
        man = out / m / "manifest.json"
        pub = json.loads(man.read_text("utf-8")) if man.is_file() else None
        att = last_attempt.get(m, {})
        link = f'<a href="{esc(m)}/index.html">{esc(m)}</a>' if pub else esc(m)
        status = pub["status"] if pub else "not published"
        missing = ", ".join(pub.get("missing_sections", [])) if pub else ""
        note = ""
        if att and att.get("status") == "failed":
            note = f"last attempt failed at {att.get('generated_at')}" + ("; previous report kept" if pub else "")
        rows.append(f"<tr><td>{link}</td><td>{esc(status)}</td><td>{esc(missing)}</td>"
                    f"<td>{esc(pub['generated_at'] if pub else '')}</td><td>{esc(note)}</td></tr>")
    page = (f'<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">'
            f'<meta http-equiv="Content-Security-Policy" content="{CSP}"><title>kmsynth reports</title>'
            f"{CSS}</head><body><div class='km'><h1>Monthly reports</h1>"
            f"<table class='t'><thead><tr><th>Month</th><th>Status</th><th>Missing sections</th>"
            f"<th>Generated (UTC)</th><th>Note</th></tr></thead><tbody>{''.join(rows)}</tbody></table>"
            f"</div></body></html>")
    tmp = out / ".index.html.tmp"
    tmp.write_text(page, encoding="utf-8")
    tmp.replace(out / "index.html")
    return out / "index.html"


class ReportFailed(KmsynthError):
    pass
