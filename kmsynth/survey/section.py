"""Survey synthesis: Likert items and open-ended answers from symposium and webinar feedback.

Loading goes through `prepare("survey", ...)`: the mapping's `likert:` and `open_ended:` lists
name the question columns (kept under their own names), open answers arrive redacted.

- Likert answers map to an ordered 1-5 scale through a registry of `LikertScale`s (agreement,
  satisfaction, usefulness, quality) with labels in English, Spanish, French and Portuguese,
  plus 1-5 numbers and "5 - Strongly agree" forms. "Don't know", N/A and the like are kept
  apart (`DONT_KNOW`), blanks are "no answer" (NaN): neither is ever neutral or in a mean.
- Per item: distribution, n, mean with a 95% CI (t, or a seeded bootstrap), top-2-box share
  with a Wilson CI; overall and by respondent group, region and wave. Every breakdown passes
  through `privacy.suppress_small_cells` (groups under k hidden, plus secondary suppression
  so that a hidden group cannot be worked out from the others and the total).
- Two waves are compared item by item: Mann-Whitney U, difference in means with a Welch CI,
  rank-biserial effect size, Holm's correction across items.
- Open questions are themed with `themes.fit_themes`; each theme has its share of
  respondents (suppressed), typical answers and quotes, both verbatim redacted answers of
  respondents who agreed to be quoted.

`survey_section(...)` gathers all of it for a notebook or the monthly report.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import pandas as pd

from kmsynth.html import HIDDEN
from kmsynth.survey.open_ended import OpenQuestion
from kmsynth.survey.stats import share_shown

if TYPE_CHECKING:
    pass


def _fmt_ci(est: float, lo: float, hi: float, pct: bool = False) -> str:
    if pd.isna(est):
        return ""
    if pct:
        return f"{100 * est:.0f}% ({100 * lo:.0f}–{100 * hi:.0f})"
    est, lo, hi = (round(x, 2) + 0.0 for x in (est, lo, hi))  # no "-0.00"
    return f"{est:.2f} ({lo:.2f}–{hi:.2f})"


def _ci_columns(t: pd.DataFrame) -> dict[str, list[str]]:
    """The mean and top-2 box of each row with its 95% interval, as shown in the tables."""
    return {
        "mean (95% CI)": [
            _fmt_ci(m, lo, hi)
            for m, lo, hi in zip(t["mean"], t["mean_ci_low"], t["mean_ci_high"], strict=False)
        ],
        "top-2 box (95% CI)": [
            _fmt_ci(m, lo, hi, True)
            for m, lo, hi in zip(t["top2"], t["top2_ci_low"], t["top2_ci_high"], strict=False)
        ],
    }


def _fmt_p(p: float) -> str:
    if pd.isna(p):
        return ""
    return "< 0.001" if p < 0.001 else f"{p:.3f}"


BREAKDOWN_TITLES = {
    "respondent_group": "respondent group",
    "region": "region",
    "wave": "wave",
    "country": "country",
    "language": "language",
}


@dataclass
class SurveySection:
    """What the survey synthesis shows: every table already suppressed (k), figures built from
    shown rows only. `to_html()` renders it all as escaped HTML fragments."""

    title: str
    k: int
    n_responses: int
    period: str
    items: pd.DataFrame  # item_table overall
    breakdowns: dict[str, pd.DataFrame]  # column -> item_table by that column
    waves: pd.DataFrame | None  # compare_waves, or None
    open_ended: list[OpenQuestion]
    figures: dict[str, Any]
    notes: list[str] = field(default_factory=list)
    method: list[str] = field(default_factory=list)

    # -- tables for people ----------------------------------------------------------------

    def items_display(self) -> pd.DataFrame:
        t = self.items[self.items["shown"]]
        return pd.DataFrame(
            {
                "item": t["item"],
                "answered": t["n"].astype("Int64"),
                "don't know": t["dont_know"].astype("Int64"),
                "no answer": t["no_answer"].astype("Int64"),
                **_ci_columns(t),
            }
        )

    def breakdown_display(self, col: str) -> pd.DataFrame:
        t = self.breakdowns[col]
        t = t[t["shown"]]
        return pd.DataFrame(
            {
                "item": t["item"],
                BREAKDOWN_TITLES.get(col, col): t["group"],
                "answered": t["n"].astype("Int64"),
                **_ci_columns(t),
            }
        )

    def waves_display(self) -> pd.DataFrame:
        c = self.waves
        a, b = c.attrs.get("wave_a", "a"), c.attrs.get("wave_b", "b")
        c = c[c["tested"]]
        return pd.DataFrame(
            {
                "item": c["item"],
                f"mean {a}": c["mean_a"].round(2),
                f"mean {b}": c["mean_b"].round(2),
                "difference (95% CI)": [
                    _fmt_ci(d, lo, hi)
                    for d, lo, hi in zip(
                        c["difference"],
                        c["difference_ci_low"],
                        c["difference_ci_high"],
                        strict=False,
                    )
                ],
                "effect (rank-biserial)": [
                    f"{r:+.2f} {w}" for r, w in zip(c["rank_biserial"], c["effect"], strict=False)
                ],
                "p (Mann-Whitney)": [_fmt_p(p) for p in c["p"]],
                "p (Holm)": [_fmt_p(p) for p in c["p_holm"]],
                "significant": c["significant"].map({True: "yes", False: ""}),
            }
        )

    # -- HTML -----------------------------------------------------------------------------

    def html_overview(self) -> str:
        from kmsynth import html as h

        parts = [
            h.paragraph(
                f"{self.n_responses} responses ({self.period}). Likert items on a 1-5 scale; "
                f"'don't know' and blank answers are counted apart and are never in a mean. "
                f"Groups, answer points and counts under {self.k}, and shares that would reveal "
                f"one, are not shown ({HIDDEN} in tables, no bar in charts).",
                "muted",
            )
        ]
        for note in self.notes:
            parts.append(h.paragraph(note, "muted"))
        if "likert" in self.figures:
            parts.append(h.figure_html(self.figures["likert"], name="survey-likert"))
            parts.append(
                h.table_html(
                    self.items_display(),
                    caption="All respondents: mean and top-2 box "
                    "(the two most positive points) with 95% confidence intervals",
                )
            )
        hidden = int((~self.items["shown"]).sum())
        if hidden:
            parts.append(
                h.paragraph(
                    f"{hidden} item(s) had fewer than {self.k} answers and are not shown.", "muted"
                )
            )
        return h.section(self.title, "".join(parts))

    def html_breakdowns(self) -> str:
        from kmsynth import html as h

        parts = []
        for col, t in self.breakdowns.items():
            name = BREAKDOWN_TITLES.get(col, col)
            parts.append(f"<h3>By {h.esc(name)}</h3>")
            if t["shown"].any():
                parts.append(
                    h.figure_html(self.figures[f"likert_by_{col}"], name=f"survey-likert-{col}")
                )
                parts.append(h.table_html(self.breakdown_display(col), caption=f"By {name}"))
            hidden = t.loc[~t["shown"], ["item", "group"]]
            if len(hidden):
                n_groups = hidden["group"].nunique()
                parts.append(
                    h.paragraph(
                        f"{n_groups} {name}{'s' if n_groups != 1 else ''} hidden for some or all "
                        f"items: fewer than {self.k} answers, or hidden as well so that a small "
                        "group cannot be worked out from the others and the total.",
                        "muted",
                    )
                )
        return h.section("Results by group", "".join(parts)) if parts else ""

    def html_waves(self) -> str:
        from kmsynth import html as h

        if self.waves is None:
            return ""
        c = self.waves
        a, b = c.attrs.get("wave_a", "a"), c.attrs.get("wave_b", "b")
        parts = [
            h.paragraph(
                f"{a} against {b}: two-sided Mann-Whitney U test per item, p-values adjusted "
                "across items with Holm's method; difference = later minus earlier mean, with a "
                "Welch 95% CI; rank-biserial effect size (+1: every later answer higher).",
                "muted",
            )
        ]
        if c["tested"].any():
            parts.append(h.figure_html(self.figures["waves"], name="survey-waves"))
            parts.append(h.table_html(self.waves_display(), caption=f"{a} against {b}"))
            sig = c[c["significant"]]
            if len(sig):
                parts.append(
                    h.bullet_list(
                        [
                            f"{r.item}: {r.mean_a:.2f} → {r.mean_b:.2f} "
                            f"(difference {r.difference:+.2f}, {r.effect} effect, "
                            f"Holm p {_fmt_p(r.p_holm)})"
                            for r in sig.itertuples()
                        ]
                    )
                )
            else:
                parts.append(
                    h.paragraph("No item differs significantly between the two waves.", "")
                )
        untested = int((~c["tested"]).sum())
        if untested:
            parts.append(
                h.paragraph(
                    f"{untested} item(s) not tested: a wave had fewer than {self.k} answers.",
                    "muted",
                )
            )
        return h.section("Waves compared", "".join(parts))

    def _answered_text(self, n: int) -> str:
        """How many answered an open question, unless those who did not are fewer than k."""
        if share_shown(n, self.n_responses, self.k):
            return f"{n} respondents answered."
        return f"All but fewer than {self.k} respondents answered."

    def html_open_ended(self) -> str:
        from kmsynth import html as h

        parts = []
        for i, q in enumerate(self.open_ended):
            parts.append(f"<h3>{h.esc(q.question)}</h3>")
            if q.note:
                parts.append(h.paragraph(q.note, "muted"))
                continue
            parts.append(h.paragraph(self._answered_text(q.n_answered), "muted"))
            if any(t.shown for t in q.themes):
                parts.append(h.figure_html(self.figures[f"themes_{i}"], name=f"survey-themes-{i}"))
            for t in q.themes:
                if not t.shown:
                    continue
                body = [
                    f"<b>{h.esc(t.label)}</b> <span class='badge'>{h.esc(t.n)} · "
                    f"{h.esc(f'{100 * t.share:.0f}%')}</span>"
                ]
                if t.summary:
                    body.append(h.paragraph("Typical answers: " + " / ".join(t.summary)))
                body += [h.quote_html(x) for x in t.quotes]
                parts.append('<div class="theme">' + "".join(body) + "</div>")
            extra = []
            if q.hidden_themes:
                extra.append(
                    f"{q.hidden_themes} smaller theme(s) not shown (fewer than {self.k} "
                    "respondents, or hidden so that they cannot be worked out from the total)"
                )
            if q.unthemed:
                extra.append(f"{q.unthemed} answers fit no theme")
            if extra:
                parts.append(h.paragraph("; ".join(extra) + ".", "muted"))
        return h.section("Open questions", "".join(parts)) if parts else ""

    def html_method(self) -> str:
        from kmsynth import html as h

        return h.section("How these figures were made", h.bullet_list(self.method))

    def to_html(self) -> str:
        return "".join(
            [
                self.html_overview(),
                self.html_waves(),
                self.html_breakdowns(),
                self.html_open_ended(),
                self.html_method(),
            ]
        )
