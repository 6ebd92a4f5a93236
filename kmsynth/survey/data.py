"""A prepared survey with its Likert items scored: `load_survey` (from a file) and `survey_data`
(from an already prepared table)."""

from __future__ import annotations

import logging
import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from kmsynth.config import Config
from kmsynth.errors import InputError
from kmsynth.survey.parse import likert_error, score_answers

if TYPE_CHECKING:
    from kmsynth.ingest.prepare import Prepared

log = logging.getLogger(__name__)


@dataclass
class SurveyData:
    """A prepared survey: the redacted table, each Likert item scored (1-5, DONT_KNOW, NaN)
    with its scale, the open questions, and the `Prepared` it came from (ledger, sources)."""

    table: pd.DataFrame
    scores: pd.DataFrame
    items: list[str]
    open_ended: list[str]
    scales: dict[str, str]
    file: str
    prepared: Any = None

    def scored(self) -> pd.DataFrame:
        """The table with each Likert column replaced by its scores."""
        out = self.table.copy()
        for c in self.items:
            out[c] = self.scores[c]
        return out

    def subset(self, mask: pd.Series | np.ndarray) -> SurveyData:
        m = np.asarray(mask, dtype=bool)
        return SurveyData(
            self.table[m],
            self.scores[m],
            self.items,
            self.open_ended,
            self.scales,
            self.file,
            self.prepared,
        )


def load_survey(
    path: str | os.PathLike[str],
    config: Config | None = None,
    *,
    mapping: Any = None,
    scales: Mapping[str, str] | None = None,
) -> SurveyData:
    """`prepare("survey", path, config, mapping=...)`, then score every Likert item the mapping
    declares (`likert:`), its scale detected unless `scales[item]` names it. All unknown labels
    of all items are reported in one InputError (file, row, line, response id, column)."""
    from kmsynth.ingest.prepare import prepare

    return survey_data(prepare("survey", path, config, mapping=mapping), path, scales=scales)


def survey_data(
    prep: Prepared, path: Any, *, scales: Mapping[str, str] | None = None
) -> SurveyData:
    """Score the Likert items of an already prepared survey (see `load_survey`)."""
    t = prep.table
    name = Path(str(path)).name if not isinstance(path, (list, tuple)) else "survey"
    items = [c for c in prep.mapping.likert if c in t.columns]
    open_ended = [c for c in prep.mapping.open_ended if c in t.columns]
    if not items and not open_ended:
        raise InputError(
            "the survey mapping declares no Likert items and no open questions",
            file=str(path),
            hint="list the question columns under `survey:` → `likert:` and `open_ended:` "
            "in the mapping file",
        )
    led = prep.ledger.frame
    line_of = {
        (str(f), int(r)): (int(ln) if pd.notna(ln) else None)
        for f, r, ln in zip(led["file"], led["row"], led["line"], strict=False)
    }
    rows = t["_row"].tolist()
    lines = [line_of.get((str(f), int(r))) for f, r in zip(t["_file"], t["_row"], strict=False)]
    ids = t["response_id"].astype(str).tolist()
    scores, found, problems = {}, {}, []
    for item in items:
        s, sc, probs = score_answers(
            t[item],
            scale=(scales or {}).get(item),
            file=name,
            column=item,
            rows=rows,
            lines=lines,
            ids=ids,
        )
        scores[item], found[item] = s, sc
        problems.extend(probs)
    if problems:
        raise likert_error(problems, name, found.get(problems[0].column, ""))
    log.info(
        "survey loaded: %d responses, %d Likert items, %d open questions",
        len(t),
        len(items),
        len(open_ended),
    )
    return SurveyData(t, pd.DataFrame(scores, index=t.index), items, open_ended, found, name, prep)
