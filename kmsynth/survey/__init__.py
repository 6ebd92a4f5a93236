"""Survey synthesis: Likert scales, group tables, waves, open-ended themes, the section."""

from kmsynth.survey.build import survey_section, survey_section_html
from kmsynth.survey.data import SurveyData, load_survey, survey_data
from kmsynth.survey.figures import likert_figure, theme_figure, waves_figure
from kmsynth.survey.open_ended import (
    MAX_OPEN_THEMES,
    MIN_OPEN_ANSWERS,
    OpenQuestion,
    OpenTheme,
    fit_open_themes,
    open_theme_count,
    theme_open_question,
)
from kmsynth.survey.parse import NUMERIC_POINTS, parse_likert
from kmsynth.survey.scales import (
    DONT_KNOW,
    DONT_KNOW_LABELS,
    LANGUAGES,
    NOT_STATED,
    POINTS,
    SCALES,
    LikertScale,
    get_scale,
    normalise_label,
    register_scale,
)
from kmsynth.survey.section import BREAKDOWN_TITLES, SurveySection
from kmsynth.survey.stats import (
    compare_waves,
    default_waves,
    group_counts,
    item_table,
    mean_ci,
    wilson_ci,
)

__all__ = [
    "DONT_KNOW",
    "DONT_KNOW_LABELS",
    "POINTS",
    "NOT_STATED",
    "LANGUAGES",
    "MIN_OPEN_ANSWERS",
    "MAX_OPEN_THEMES",
    "normalise_label",
    "LikertScale",
    "SCALES",
    "register_scale",
    "get_scale",
    "NUMERIC_POINTS",
    "parse_likert",
    "mean_ci",
    "wilson_ci",
    "group_counts",
    "item_table",
    "compare_waves",
    "default_waves",
    "likert_figure",
    "waves_figure",
    "theme_figure",
    "OpenTheme",
    "OpenQuestion",
    "fit_open_themes",
    "open_theme_count",
    "theme_open_question",
    "SurveyData",
    "load_survey",
    "survey_data",
    "BREAKDOWN_TITLES",
    "SurveySection",
    "survey_section",
    "survey_section_html",
]
