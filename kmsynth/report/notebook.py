"""What the report notebook calls: the setup cell and the optional sections.

The notebook holds presentation only; its first cell calls `notebook_setup`, which also makes an
InputError raised in any later cell travel back to the parent process (exit 2, not exit 1).
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any, TypedDict, Unpack

from kmsynth.config import Config, load_config
from kmsynth.report.content import MonthlyReport
from kmsynth.report.execution import MISSING_MIME, carry_input_errors
from kmsynth.report.sections import build_monthly_report

log = logging.getLogger(__name__)


def _bundled_notebook() -> Path:
    from importlib import resources

    return Path(
        str(resources.files("kmsynth") / "resources" / "notebooks" / "monthly_report.ipynb")
    )


NOTEBOOK = _bundled_notebook()


class ReportFlags(TypedDict, total=False):
    """The settings a report run takes from flags or papermill parameters (None: the config's);
    the one list `notebook_setup`, `render_monthly_report` and `runs.run_report` accept."""

    posts: str | None
    survey: str | None
    findings: str | None
    lessons: str | None
    curation: str | None
    embedder: str | None
    seed: int | None


OVERRIDABLE = tuple(ReportFlags.__annotations__)


def notebook_setup(
    *,
    month: str,
    config_path: str | None = None,
    state_dir: str | None = None,
    dask: str | None = None,
    **flags: Unpack[ReportFlags],
) -> MonthlyReport:
    """What the notebook's first cell calls: the config with the run's overrides, then the
    report; an InputError in any later cell is carried back to the parent process."""
    carry_input_errors()
    cfg = apply_overrides(load_config(config_path), **flags)
    rep = build_monthly_report(
        month, cfg, state_dir=state_dir, curation=cfg.data.curation, dask=dask
    )
    rep.extra["config"] = cfg
    return rep


def override_settings(**flags: Unpack[ReportFlags]) -> dict[str, Any]:
    """The settings that flags and papermill parameters override ({"data.posts": ...});
    None leaves a setting as the config has it. An unknown flag is a TypeError."""
    unknown = sorted(set(flags) - set(OVERRIDABLE))
    if unknown:
        raise TypeError(f"unknown report setting(s): {', '.join(unknown)}")
    settings: dict[str, Any] = {
        f"data.{kind}": flags.get(kind) or None
        for kind in ("posts", "survey", "findings", "lessons", "curation")
    }
    settings["embedding.embedder"] = flags.get("embedder") or None
    settings["themes.seed"] = flags.get("seed")
    return settings


def apply_overrides(cfg: Config, **flags: Unpack[ReportFlags]) -> Config:
    """Flags and papermill parameters override the config's settings (None leaves them)."""
    return cfg.with_overrides(override_settings(**flags))


def optional_section(report: MonthlyReport, name: str) -> str:
    """Survey results or evaluation links, when their inputs are configured ('' otherwise).

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
        return (
            f'<div class="km"><p class="flag">The {esc(name)} section could not be produced '
            f"this month ({esc(type(exc).__name__)}); the rest of the report is complete."
            f"</p></div>"
        )


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
        from kmsynth.link import links_section_html

        return links_section_html(cfg.data.findings, cfg.data.lessons, cfg)
    raise ValueError(f"unknown section {name!r}")
