"""Execute the report notebook in a child process and read what it did.

papermill runs in its own process group, is ended with the parent (SIGTERM when the parent dies,
on Linux) and is stopped by the parent when the run's time limit passes (papermill's own limit is
per cell). An InputError raised inside the notebook is written by the kernel to a small JSON file
and raised again here, with its file, row, column and hint (exit 2, not "papermill exited 1").
The executed notebook is then read (papermill can exit 0 after failures: papermill#501, #539).
"""

from __future__ import annotations

import contextlib
import ctypes
import json
import os
import re
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import fields
from pathlib import Path
from typing import Any

from kmsynth.errors import InputError, Problem
from kmsynth.manifest import write_json

REQUIRED_SECTIONS = ("setup", "header", "glance", "themes", "trends", "method")
MISSING_MIME = "application/vnd.kmsynth.missing+json"
INPUT_ERROR_ENV = "KMSYNTH_INPUT_ERROR_FILE"
KERNEL = "python3"
_PR_SET_PDEATHSIG = 1


def _die_with_parent() -> None:  # runs in the child between fork and exec
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL(None, use_errno=True).prctl(_PR_SET_PDEATHSIG, signal.SIGTERM)


def _end_group(proc: subprocess.Popen, grace: float = 5.0) -> None:
    """SIGTERM the child's process group, SIGKILL what is left after `grace` seconds."""
    for sig, wait in ((signal.SIGTERM, grace), (signal.SIGKILL, 10.0)):
        try:
            os.killpg(proc.pid, sig)
        except ProcessLookupError:
            return
        try:
            proc.wait(timeout=wait)
            return
        except subprocess.TimeoutExpired:
            continue


def execute(
    notebook: Path,
    output: Path,
    parameters: dict[str, Any],
    *,
    cell_timeout: int,
    run_timeout: float,
    cwd: Path,
    on_stage: Callable[..., None] | None = None,
) -> tuple[bool, str]:
    """Run papermill in a child process group: (ok, error text without data).

    Raises InputError when the notebook met bad input (carried back from the kernel).
    """
    import yaml

    params_file = output.with_suffix(".params.yml")
    params_file.write_text(yaml.safe_dump(parameters), encoding="utf-8")
    error_file = output.with_name(".input-error.json")
    error_file.unlink(missing_ok=True)
    cmd = [sys.executable, "-m", "papermill", str(notebook), str(output), "-f", str(params_file),
           "-k", KERNEL, "--execution-timeout", str(cell_timeout), "--cwd", str(cwd),
           "--no-progress-bar", "--log-level", "ERROR"]  # fmt: skip
    env = dict(os.environ, HF_HUB_OFFLINE="1", TRANSFORMERS_OFFLINE="1",
               TOKENIZERS_PARALLELISM="false", PYDEVD_DISABLE_FILE_VALIDATION="1",
               **{INPUT_ERROR_ENV: str(error_file)})  # fmt: skip
    stderr_file = output.with_name(".papermill-stderr.txt")
    try:
        with open(stderr_file, "w+", encoding="utf-8", errors="replace") as err:
            # its own process group (ended as one), and SIGTERM when this process dies
            proc = subprocess.Popen(
                cmd,
                stdout=subprocess.DEVNULL,
                stderr=err,
                env=env,
                start_new_session=True,
                preexec_fn=_die_with_parent,
            )
            timed_out = _wait(proc, output, run_timeout, on_stage)
            err.seek(0)
            tail = "\n".join(err.read().strip().splitlines()[-5:])
    finally:
        params_file.unlink(missing_ok=True)
        stderr_file.unlink(missing_ok=True)
    carried = read_input_error(error_file)
    if carried is not None:
        raise carried
    return _outcome(proc.returncode, tail, timed_out, run_timeout, output)


def _outcome(code: int | None, tail: str, timed_out: bool, run_timeout: float,
             output: Path) -> tuple[bool, str]:  # fmt: skip
    """(ok, why) from the child's exit: only the error's type is kept (its text may quote data)."""
    if timed_out:
        return False, (
            f"the run took longer than {run_timeout:.0f} s and was stopped (report.run_timeout_s)"
        )
    if code != 0:
        if "No space left on device" in tail:
            return False, f"no space left on device writing {output.parent}"
        m = re.search(r"(\w+(?:Error|Exception|Interrupt))\b", tail)
        return False, f"papermill exited {code}" + (f" ({m.group(1)})" if m else "")
    return True, ""


def _wait(
    proc: subprocess.Popen, output: Path, run_timeout: float, on_stage: Callable[..., None] | None
) -> bool:
    """Wait for the child, reporting sections as they finish; True when the time limit hit."""
    deadline = time.monotonic() + run_timeout
    shown = 0
    try:
        while proc.poll() is None:
            if time.monotonic() > deadline:
                _end_group(proc)
                return True
            if on_stage is not None:
                done = executed_sections(output)
                if len(done) > shown:
                    on_stage(f"notebook: {', '.join(done[shown:])} done ({len(done)} sections)")
                    shown = len(done)
            time.sleep(0.5)
    except BaseException:  # the parent is stopped (Ctrl-C, SIGTERM): end the child with it
        _end_group(proc, grace=2.0)
        raise
    return False


def executed_sections(path: Path) -> list[str]:
    """Sections of a notebook papermill is writing that have run so far ([] if unreadable)."""
    try:
        nb = json.loads(path.read_text("utf-8"))
    except (OSError, ValueError):
        return []
    return [
        t.split(":", 1)[1]
        for c in nb.get("cells", [])
        if c.get("execution_count")
        for t in c.get("metadata", {}).get("tags", [])
        if t.startswith("section:")
    ]


def carry_input_errors() -> None:
    """In the kernel: record an InputError for the parent process, then show it as usual."""
    path = os.environ.get(INPUT_ERROR_ENV)
    try:
        from IPython import get_ipython
    except ImportError:
        return
    shell = get_ipython()
    if not path or shell is None:
        return

    def handler(
        sh: Any, etype: type, value: BaseException, tb: Any, tb_offset: int | None = None
    ) -> Any:
        if isinstance(value, InputError):
            write_json(path, input_error_payload(value), private=True)
        return sh.InteractiveTB.structured_traceback(etype, value, tb, tb_offset=tb_offset)

    shell.set_custom_exc((InputError,), handler)


def input_error_payload(exc: InputError) -> dict[str, Any]:
    """An InputError as plain JSON (message, file, row, column, hint, problems)."""
    return {
        "message": exc.message,
        "file": exc.file,
        "row": exc.row,
        "column": exc.column,
        "hint": exc.hint,
        "problems": [
            {f.name: getattr(p, f.name) for f in fields(Problem)} for p in exc.problems[:200]
        ],
    }


def read_input_error(path: Path) -> InputError | None:
    """The InputError the kernel recorded, None when there is none."""
    try:
        raw = json.loads(path.read_text("utf-8"))
    except (OSError, ValueError):
        return None
    problems = [Problem(**p) for p in raw.pop("problems", []) if isinstance(p, dict)]
    return InputError(
        **{k: raw.get(k) for k in ("message", "file", "row", "column")},
        hint=raw.get("hint") or "",
        problems=problems,
    )


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
        marks = [
            o["data"][MISSING_MIME]
            for o in cell.get("outputs", [])
            if MISSING_MIME in o.get("data", {})
        ]
        if sec and (errs or marks or cell.get("execution_count") is None):
            missing.append(sec)
            why = (
                errs[0].get("ename", "error")
                if errs
                else marks[0].get("reason")
                if marks
                else "not run"
            )
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
            cell.outputs = [
                o
                for o in cell.get("outputs", [])
                if o.get("output_type") != "error"
                and MISSING_MIME not in o.get("data", {})
                and not (o.get("output_type") == "stream" and o.get("name") == "stderr")
            ]
    nbformat.write(nb, path)
