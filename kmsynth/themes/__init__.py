"""Themes: the estimator, granularity, names and keywords, stable ids across months, pillars,
tables, curation, large corpora."""

from kmsynth.themes.cluster import (  # noqa: F401
    MAX_THEMES,
    SMALL_CORPUS,
    ThemeClusterer,
    candidate_sizes,
    coherence_curve,
    default_min_theme_size,
)
from kmsynth.themes.curation import (  # noqa: F401
    ACTIONS,
    Curation,
    Outcome,
    apply_curation,
)
from kmsynth.themes.labels import (  # noqa: F401
    MIN_POSTS,
    language_mix,
    make_label,
    shared_language_mix,
    theme_stop_words,
)
from kmsynth.themes.large import (  # noqa: F401
    embed_distributed,
    fit_themes_large,
)
from kmsynth.themes.model import (  # noqa: F401
    ThemeModel,
    fit_themes,
)
from kmsynth.themes.months import (  # noqa: F401
    MIN_MONTH_POSTS,
    MonthThemes,
    month_themes,
    state_path,
)
from kmsynth.themes.pillars import (  # noqa: F401
    classify_pillars,
    pillar_label,
)
from kmsynth.themes.result import (  # noqa: F401
    OUTLIER,
    ThemeResult,
    theme_centroids,
)
from kmsynth.themes.stable import (  # noqa: F401
    IdMatch,
    apply_stable_ids,
    match_stable_ids,
    match_themes,
    theme_changes,
)
from kmsynth.themes.tables import (  # noqa: F401
    FAIRNESS_RATIO,
    assignments_for_ledger,
    fairness_notes,
    language_coverage,
    themes_by_group,
    themes_over_time,
    write_theme_outputs,
)

__all__ = [
    "MAX_THEMES",
    "SMALL_CORPUS",
    "ThemeClusterer",
    "candidate_sizes",
    "default_min_theme_size",
    "coherence_curve",
    "ACTIONS",
    "Curation",
    "Outcome",
    "apply_curation",
    "MIN_POSTS",
    "language_mix",
    "make_label",
    "shared_language_mix",
    "theme_stop_words",
    "embed_distributed",
    "fit_themes_large",
    "ThemeModel",
    "fit_themes",
    "MIN_MONTH_POSTS",
    "MonthThemes",
    "month_themes",
    "state_path",
    "classify_pillars",
    "pillar_label",
    "OUTLIER",
    "ThemeResult",
    "theme_centroids",
    "IdMatch",
    "apply_stable_ids",
    "match_stable_ids",
    "match_themes",
    "theme_changes",
    "FAIRNESS_RATIO",
    "assignments_for_ledger",
    "fairness_notes",
    "language_coverage",
    "themes_by_group",
    "themes_over_time",
    "write_theme_outputs",
]
