"""Publishing a month: the lock, recovery of a killed run, the atomic swap, and the run record.

A month's folder is replaced in one step: `renameat2(RENAME_EXCHANGE)` swaps the staging folder
and the published one atomically where the system has it (Linux), so the month is never missing,
even if the process is killed; elsewhere two renames, undone by `recover` on the next run.
`runs.json` (every attempt's status, no data) is rebuilt from the month folders' manifests when it
is unreadable.
"""

from __future__ import annotations

import ctypes
import errno
import json
import logging
import os
import re
import shutil
import uuid
from pathlib import Path
from typing import Any

from kmsynth.errors import AlreadyRunning
from kmsynth.manifest import write_json

log = logging.getLogger(__name__)
MONTH_DIR = re.compile(r"^\d{4}-\d{2}$")
RUN_FIELDS = ("month", "status", "created_at", "run_seconds", "missing_sections", "error", "note")
RENAME_EXCHANGE = 2


def private_dir(path: Path) -> Path:
    """Create `path` (and parents) and make it owner-only; return it."""
    path.mkdir(parents=True, exist_ok=True)
    os.chmod(path, 0o700)
    return path


def month_lock(out: Path, month: str) -> Any:
    """Hold the month's lock (a second run of the same month gets AlreadyRunning: exit 75)."""
    from filelock import FileLock, Timeout

    lock = FileLock(str(private_dir(out / ".locks") / f"{month}.lock"), timeout=0)
    try:
        lock.acquire()
    except Timeout:
        raise AlreadyRunning(
            f"another run is writing the {month} report (lock {out / '.locks'})"
        ) from None
    return lock


def staging_dir(out: Path, month: str) -> Path:
    """A fresh owner-only staging folder for `month` inside `out`."""
    return private_dir(out / f".staging-{month}-{uuid.uuid4().hex[:8]}")


def recover(out: Path, month: str) -> None:
    """Undo what a killed run of `month` left: call with the month's lock held.

    Only this month's leftovers are touched: another month's staging belongs to a run that may
    still be going.
    """
    for old in out.glob(f".old-{month}-*"):
        target = out / month
        if not target.exists():
            old.rename(target)
            log.warning("restored the previous %s report after an interrupted publish", month)
        else:
            shutil.rmtree(old, ignore_errors=True)
    for stage in out.glob(f".staging-{month}-*"):
        shutil.rmtree(stage, ignore_errors=True)


def _exchange(a: Path, b: Path) -> bool:
    """Swap two paths atomically with renameat2(RENAME_EXCHANGE); False where unsupported."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        fn = libc.renameat2
    except (OSError, AttributeError):
        return False
    at_fdcwd = -100
    rc = fn(at_fdcwd, os.fsencode(a), at_fdcwd, os.fsencode(b), RENAME_EXCHANGE)
    if rc == 0:
        return True
    err = ctypes.get_errno()
    if err in (errno.ENOSYS, errno.EINVAL, errno.ENOTSUP, errno.EOPNOTSUPP):
        return False
    raise OSError(err, os.strerror(err), str(b))


def publish(staging: Path, target: Path) -> None:
    """Put `staging` in place of `target` in one atomic step; the old report is removed after."""
    if target.exists() and _exchange(staging, target):
        shutil.rmtree(staging, ignore_errors=True)  # staging now holds the previous report
        return
    old = target.with_name(f".old-{target.name}-{uuid.uuid4().hex[:6]}")
    if target.exists():
        os.rename(target, old)
    os.rename(staging, target)
    if old.exists():
        shutil.rmtree(old, ignore_errors=True)


def published_manifest(out: Path, month: str) -> dict[str, Any] | None:
    """The manifest of the published report of `month`, None when there is none (or unreadable)."""
    return _read_json(out / month / "manifest.json")


def _read_json(path: Path) -> Any:
    try:
        return json.loads(path.read_text("utf-8"))
    except (OSError, ValueError):
        return None


def read_runs(out: Path) -> list[dict[str, Any]]:
    """Every recorded attempt; an unreadable runs.json is rebuilt from the months' manifests."""
    path = out / "runs.json"
    if not path.exists():
        return []
    runs = _read_json(path)
    if isinstance(runs, list) and all(isinstance(r, dict) and "month" in r for r in runs):
        return runs
    log.warning("runs.json was unreadable: rebuilt from the month folders' manifests")
    return rebuild_runs(out)


def rebuild_runs(out: Path) -> list[dict[str, Any]]:
    """Attempts recovered from reports/YYYY-MM/manifest.json and .failed/YYYY-MM/error.json."""
    found = []
    for folder, name in ((out, "manifest.json"), (out / ".failed", "error.json")):
        if not folder.is_dir():
            continue
        for sub in folder.iterdir():
            man = _read_json(sub / name) if MONTH_DIR.match(sub.name) else None
            if isinstance(man, dict):
                found.append(run_entry(man))
    return sorted(found, key=lambda r: (str(r.get("created_at")), str(r["month"])))


def run_entry(manifest: dict[str, Any]) -> dict[str, Any]:
    """The fields of a manifest kept in runs.json (status, time, missing sections; no data)."""
    entry = {k: manifest.get(k) for k in RUN_FIELDS}
    entry["created_at"] = manifest.get("created_at") or manifest.get("generated_at")
    return entry


def record_run(out: Path, manifest: dict[str, Any]) -> None:
    """Append the run's status to reports/runs.json, read by the index page."""
    runs = read_runs(out)
    runs.append(run_entry(manifest))
    write_json(out / "runs.json", runs[-500:])


def comparable_inputs(manifest: dict[str, Any], leave_out: set[str]) -> dict[str, Any]:
    """What a report was made from, for deciding whether a re-run brings anything new."""
    inputs = {
        i.get("kind") or i.get("file"): i.get("sha256")
        for i in manifest.get("inputs", [])
        if (i.get("kind") or "") not in leave_out
    }
    params = {
        k: v
        for k, v in (manifest.get("parameters") or {}).items()
        if k in ("month", "embedder", "seed")
    }
    return {
        "inputs": inputs,
        "parameters": params,
        "curation": manifest.get("curation_sha256"),
        "min_cell": manifest.get("min_cell"),
    }


SECTION_INPUTS = {"survey": {"survey"}, "links": {"findings", "lessons"}}


def keeps_complete(previous: dict[str, Any] | None, new: dict[str, Any]) -> bool:
    """True when a partial run must not replace the published complete report of the month.

    The partial one may replace it only when what it was made from changed (the inputs of the
    sections it has, the parameters, the curation); a newly broken optional input does not count.
    """
    if not previous or previous.get("status") != "complete" or new.get("status") != "partial":
        return False
    gone = set().union(*(SECTION_INPUTS.get(s, set()) for s in new.get("missing_sections", [])))
    return comparable_inputs(previous, gone) == comparable_inputs(new, gone)


def write_index(out: Path) -> Path:
    """reports/index.html: every published month with its status, and the last attempt per month."""
    from kmsynth.html import CSS, INDEX_CSP, esc

    last_attempt: dict[str, dict] = {}
    for r in read_runs(out):
        last_attempt[str(r["month"])] = r
    months = sorted(
        {p.name for p in out.iterdir() if p.is_dir() and MONTH_DIR.match(p.name)}
        | set(last_attempt),
        reverse=True,
    )
    rows = []
    for m in months:
        pub = published_manifest(out, m)
        att = last_attempt.get(m, {})
        link = f'<a href="{esc(m)}/index.html">{esc(m)}</a>' if pub else esc(m)
        status = pub.get("status", "") if pub else "not published"
        missing = ", ".join(pub.get("missing_sections", [])) if pub else ""
        when = (pub.get("created_at") or pub.get("generated_at")) if pub else ""
        rows.append(
            f"<tr><td>{link}</td><td>{esc(status)}</td><td>{esc(missing)}</td>"
            f"<td>{esc(when)}</td><td>{esc(_note(att, pub))}</td></tr>"
        )
    page = (
        f'<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">'
        f'<meta http-equiv="Content-Security-Policy" content="{INDEX_CSP}">'
        f"<title>kmsynth reports</title>{CSS}</head><body><div class='km'>"
        f"<h1>Monthly reports</h1><table class='t'><thead><tr><th>Month</th><th>Status</th>"
        f"<th>Missing sections</th><th>Generated (UTC)</th><th>Note</th></tr></thead>"
        f"<tbody>{''.join(rows)}</tbody></table></div></body></html>"
    )
    tmp = out / ".index.html.tmp"
    tmp.write_text(page, encoding="utf-8")
    tmp.replace(out / "index.html")
    return out / "index.html"


def _note(attempt: dict[str, Any], published: dict[str, Any] | None) -> str:
    if not attempt:
        return ""
    if attempt.get("status") == "failed":
        return f"last attempt failed at {attempt.get('created_at')}" + (
            "; previous report kept" if published else ""
        )
    return str(attempt.get("note") or "")
