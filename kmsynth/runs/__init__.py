"""Runs: each command's work as one library call, used by the CLI, the notebooks and the workbench.

`run_themes`, `run_link`, `run_brief`, `run_code`, `run_report` and `run_demo` read, prepare,
compute, write the outputs and their manifest (`kmsynth.manifest.build_manifest`), and return
what they did; `check_config` finds every configuration problem before anything slow runs.
Nothing here prints: stage names and counts go to a `Progress` (stderr when enabled).
"""

from kmsynth.runs.check import check_config
from kmsynth.runs.code import CodeRun, run_code
from kmsynth.runs.link import LinkRun, run_link
from kmsynth.runs.progress import Progress
from kmsynth.runs.report import (
    SAMPLE_CONFIG,
    SAMPLE_DIR,
    latest_month,
    run_demo,
    run_report,
    user_cache_dir,
)
from kmsynth.runs.themes import BriefRun, ThemesRun, run_brief, run_themes

__all__ = [
    "SAMPLE_CONFIG",
    "SAMPLE_DIR",
    "BriefRun",
    "CodeRun",
    "LinkRun",
    "Progress",
    "ThemesRun",
    "check_config",
    "latest_month",
    "run_brief",
    "run_code",
    "run_demo",
    "run_link",
    "run_report",
    "run_themes",
    "user_cache_dir",
]
