"""`run_report` and `run_demo`: the monthly report, checked first, and the sample's demo."""

from __future__ import annotations

import os
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any, Unpack

from kmsynth.config import load_config
from kmsynth.errors import InputError
from kmsynth.runs.check import check_config
from kmsynth.runs.progress import Progress, quiet_unless

if TYPE_CHECKING:
    from kmsynth.report.notebook import ReportFlags

SAMPLE_DIR = Path(str(resources.files("kmsynth") / "resources" / "sample"))
SAMPLE_CONFIG = SAMPLE_DIR / "kmsynth.yml"


def run_report(
    month: str,
    *,
    config: str | os.PathLike[str] | None = None,
    out: str | os.PathLike[str] | None = None,
    dask: str | None = None,
    replace_complete: bool = False,
    notebook: Path | None = None,
    progress: Progress | None = None,
    **flags: Unpack[ReportFlags],
) -> Any:
    """Check the configuration, then render reports/YYYY-MM/ (see `render_monthly_report`).

    Raises InputError listing every configuration problem before anything slow runs.
    """
    from kmsynth.report import check_month, override_settings, render_monthly_report

    say = quiet_unless(progress)
    month = check_month(month)
    say.stage("checking the configuration")
    over = override_settings(**flags) | {"report.out": Path(out).resolve() if out else None}
    problems = check_config(config, need_posts=True, overrides=over)
    if problems:
        raise InputError(f"{len(problems)} problem(s) in the configuration",
                         file=str(config) if config else None,
                         hint="fix each one, then check again: kmsynth check --config FILE",
                         problems=problems)  # fmt: skip
    return render_monthly_report(month, config_path=config, out=out, dask=dask, notebook=notebook,
                                 replace_complete=replace_complete, on_stage=say.stage,
                                 **flags)  # fmt: skip


def latest_month(config: str | os.PathLike[str]) -> str:
    """The latest month with posts in the configured posts file ('YYYY-MM')."""
    import pandas as pd

    from kmsynth.ingest import load_table

    cfg = load_config(config)
    loaded = load_table("posts", cfg.data.posts, mapping=cfg.data.mapping)
    dates = pd.to_datetime(loaded.table["created_at"], utc=True, errors="coerce").dropna()
    if dates.empty:
        raise InputError("the posts file has no dated posts", file=str(cfg.data.posts))
    return dates.max().strftime("%Y-%m")


def run_demo(
    out: str | os.PathLike[str] = "reports",
    *,
    cache_dir: str | os.PathLike[str] | None = None,
    progress: Progress | None = None,
) -> Any:
    """The monthly report of the bundled sample's latest month, rendered into `out`.

    Embeddings are cached in `cache_dir` (default: the user's cache folder, e.g.
    ~/.cache/kmsynth), so a second demo is quick; nothing is written inside the package.
    """
    if not SAMPLE_CONFIG.is_file():
        raise InputError(
            "the bundled sample data is missing from this installation",
            file=SAMPLE_CONFIG.name,
            hint="reinstall kmsynth (pip install kmsynth)",
        )
    month = latest_month(SAMPLE_CONFIG)
    out = Path(out).resolve()
    config = demo_config(out, Path(cache_dir) if cache_dir else user_cache_dir())
    return run_report(month, config=config, out=out, progress=progress)


def user_cache_dir() -> Path:
    """The per-user cache folder: $XDG_CACHE_HOME/kmsynth, else ~/.cache/kmsynth."""
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "kmsynth"


def demo_config(out: Path, cache_dir: Path) -> Path:
    """A copy of the sample config whose paths point into the package and caches into `out`."""
    import yaml

    raw = yaml.safe_load(SAMPLE_CONFIG.read_text("utf-8")) or {}
    for key, value in (raw.get("data") or {}).items():
        if value is not None:
            raw["data"][key] = str((SAMPLE_DIR / value).resolve())
    raw.setdefault("embedding", {})["cache_dir"] = str(cache_dir)
    out.mkdir(parents=True, exist_ok=True)
    path = out / ".demo-kmsynth.yml"
    path.write_text(yaml.safe_dump(raw, allow_unicode=True, sort_keys=False), encoding="utf-8")
    os.chmod(path, 0o600)  # it holds the sample's block list of names
    return path
