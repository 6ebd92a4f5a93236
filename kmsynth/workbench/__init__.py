"""The analyst's workbench: the month's themes with the report's ids, checked curation
decisions, widgets for JupyterLab, and figures that survive nbconvert's HTML export."""

from kmsynth.workbench.core import MAX_LABEL, MonthData, Workbench, default_curation
from kmsynth.workbench.views import (
    figure_html,
    merge_candidates,
    show_figure,
    theme_hierarchy,
    theme_map,
    themes_over_time,
)
from kmsynth.workbench.widgets import WorkbenchApp, workbench_app

__all__ = [
    "MAX_LABEL",
    "MonthData",
    "Workbench",
    "WorkbenchApp",
    "default_curation",
    "figure_html",
    "merge_candidates",
    "show_figure",
    "theme_hierarchy",
    "theme_map",
    "themes_over_time",
    "workbench_app",
]
