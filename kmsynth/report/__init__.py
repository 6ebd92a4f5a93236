"""The monthly report: sections, and the run (stage, execute, check, convert, publish)."""

from kmsynth.report.content import TREND_MONTHS, MonthlyReport, theme_model_text
from kmsynth.report.execution import (
    MISSING_MIME,
    REQUIRED_SECTIONS,
    carry_input_errors,
    check_executed,
    execute,
    strip_errors,
)
from kmsynth.report.notebook import (
    NOTEBOOK,
    OVERRIDABLE,
    ReportFlags,
    apply_overrides,
    notebook_setup,
    optional_section,
    override_settings,
)
from kmsynth.report.page import check_html, to_html
from kmsynth.report.publishing import (
    keeps_complete,
    publish,
    read_runs,
    rebuild_runs,
    record_run,
    recover,
    write_index,
)
from kmsynth.report.run import ReportFailed, RunResult, render_monthly_report, storage_problem
from kmsynth.report.sections import MONTH_RE, build_monthly_report, check_month

__all__ = [
    "MISSING_MIME",
    "MONTH_RE",
    "NOTEBOOK",
    "OVERRIDABLE",
    "REQUIRED_SECTIONS",
    "TREND_MONTHS",
    "MonthlyReport",
    "ReportFailed",
    "ReportFlags",
    "RunResult",
    "apply_overrides",
    "build_monthly_report",
    "carry_input_errors",
    "check_executed",
    "check_html",
    "check_month",
    "execute",
    "keeps_complete",
    "notebook_setup",
    "optional_section",
    "override_settings",
    "publish",
    "read_runs",
    "rebuild_runs",
    "record_run",
    "recover",
    "render_monthly_report",
    "storage_problem",
    "strip_errors",
    "theme_model_text",
    "to_html",
    "write_index",
]
