"""What a knowledge brief holds (items, themes, scope, method notes) and the guards that flag a
theme resting on few voices; the theme run a brief can start from."""

from __future__ import annotations

import logging
import os
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from kmsynth.errors import InputError
from kmsynth.protect import restore_formulas
from kmsynth.synthesis.summarise import group_by
from kmsynth.text import Sentence, country_pattern, fold

log = logging.getLogger(__name__)

MIN_POSTS_FOR_THEMES = 20  # below this, a brief has lessons and practices but no themes
SUMMARY_SENTENCES = 3
THEME_LESSONS = 3
SIMILAR_AT = 0.8  # cosine at which two lessons make "the same point"
SUBSTANTIVE_SHARE = 0.3  # a theme where fewer posts say anything of substance is small talk
QUOTE_DISTINCT_AT = 0.9  # a quote this close to a sentence already shown would repeat it
CSP = (
    "default-src 'none'; style-src 'unsafe-inline'; img-src data:; font-src data:; "
    "connect-src 'none'; base-uri 'none'; form-action 'none'"
)
LANGUAGE_NAMES = {
    "en": "English",
    "es": "Spanish",
    "fr": "French",
    "pt": "Portuguese",
    "ar": "Arabic",
    "ru": "Russian",
    "zh": "Chinese",
    "sw": "Swahili",
    "ht": "Haitian Creole",
    "de": "German",
    "it": "Italian",
    "nl": "Dutch",
    "id": "Indonesian",
    "tl": "Tagalog",
    "hi": "Hindi",
    "bn": "Bengali",
    "ne": "Nepali",
    "km": "Khmer",
    "vi": "Vietnamese",
    "am": "Amharic",
    "so": "Somali",
    "ha": "Hausa",
    "yo": "Yoruba",
    "zu": "Zulu",
    "sm": "Samoan",
    "to": "Tongan",
}


@dataclass(frozen=True)
class Item:
    """One line of a brief: a verbatim sentence of post `post_id` (``text[start:end]``).

    support: distinct participants who made a similar point (this one included).
    also: other posts making the same point; also_countries: other countries a practice was
    reported from.
    """

    text: str
    post_id: str
    start: int
    end: int
    theme: str = ""
    country: str = ""
    region: str = ""
    language: str = ""
    support: int = 1
    also: tuple[str, ...] = ()
    also_countries: tuple[str, ...] = ()

    @property
    def post_ids(self) -> tuple[str, ...]:
        return (self.post_id, *self.also)


@dataclass
class BriefTheme:
    theme_id: int
    label: str
    size: int | None  # None: fewer than k posts (not shown)
    pillar: str
    keywords: str
    summary: list[Item]
    lessons: list[Item]
    quotes: list[Item]
    flags: list[str] = field(default_factory=list)

    @property
    def flag(self) -> str:
        return " ".join(self.flags)


@dataclass
class Brief:
    title: str
    scope: dict[str, Any]
    lessons: list[Item]
    practices: dict[str, list[Item]]  # country -> practices, ordered by region then country
    themes: list[BriefTheme]
    method: list[str] = field(default_factory=list)
    intro: str = ""
    omitted_themes: int = 0
    small_talk_themes: int = 0
    k: int = 10
    post_key: bytes = field(default=b"", repr=False)

    def cite_id(self, post_id: str) -> str:
        """The post as a shared output names it: a keyed pseudonym ('post-1a2b3c4d5e'), never
        the platform's id, which leads back to the person."""
        from kmsynth.protect import pseudonymise

        return pseudonymise(str(post_id), self.post_key or b"kmsynth", prefix="post")

    def items(self) -> list[Item]:
        """Every sentence the brief shows, each with its source post."""
        out = list(self.lessons) + [i for v in self.practices.values() for i in v]
        for t in self.themes:
            out += t.summary + t.lessons + t.quotes
        return out

    def quotes(self) -> list[Item]:
        return [q for t in self.themes for q in t.quotes]

    def lessons_by(self, key: str = "theme") -> dict[str, list[Item]]:
        """All lessons shown (key lessons and the themes' lessons) grouped by 'theme', 'region'
        or 'country'."""
        seen, items = set(), []
        for i in list(self.lessons) + [x for t in self.themes for x in t.lessons]:
            if (i.post_id, i.start) not in seen:
                seen.add((i.post_id, i.start))
                items.append(i)
        return group_by(items, key)

    def practices_by_region(self) -> dict[str, dict[str, list[Item]]]:
        out: dict[str, dict[str, list[Item]]] = {}
        for country, items in self.practices.items():
            region = items[0].region if items else ""
            out.setdefault(region, {})[country] = items
        return out


# --------------------------------------------------------------------------------------------
# guards


def share_text(share: float) -> str:
    return "more than half" if abs(share - 0.5) < 1e-9 else f"more than {share:.0%}"


def overclaim_flags(
    members: pd.DataFrame,
    *,
    min_posts: int = 5,
    max_share: float = 0.5,
    k: int = 10,
    overall: pd.DataFrame | None = None,
) -> list[str]:
    """Why a theme must not be read as a general finding: fewer than `min_posts` posts, or one
    participant (author_id), organisation or country behind more than `max_share` of its posts.

    With `overall` (all posts of the brief), an organisation or country is flagged only when it
    does not already dominate the whole discussion (a national discussion is not over-claiming
    by being national). A country is named only when its own count is at least k."""
    n = len(members)
    flags: list[str] = []
    if n < min_posts:
        flags.append(f"Rests on few voices: fewer than {min_posts} posts.")
    if n == 0:
        return flags
    org = next((c for c in ("organisation", "organization", "org") if c in members.columns), None)
    for col, what in (("author_id", "participant"), (org, "organisation"), ("country", "country")):
        if not col or col not in members.columns:
            continue
        vals = members[col].astype("string").fillna("").str.strip()
        vals = vals[vals != ""]
        if vals.empty:
            continue
        counts = vals.value_counts(sort=True)
        top, top_n = counts.index[0], int(counts.iloc[0])
        if (
            what != "participant"
            and overall is not None
            and col in overall.columns
            and len(overall)
        ):
            if (overall[col].astype("string").fillna("").str.strip() == top).mean() > max_share:
                continue
        if top_n / n > max_share:
            share = share_text(max_share)
            if what == "participant":
                flags.append(f"Rests on few voices: one participant wrote {share} of these posts.")
            elif what == "organisation":
                flags.append(
                    f"Rests on few voices: {share} of these posts come from one organisation."
                )
            else:
                name = f" ({top})" if top_n >= k else ""
                flags.append(
                    f"Rests on few voices: {share} of these posts come from one country{name}."
                )
    return flags


def _languages(values: pd.Series) -> list[str]:
    return [LANGUAGE_NAMES.get(c, c) for c in values]


def _shown(counts: pd.Series, k: int) -> tuple[list[str], bool]:
    """Names of the groups with at least k posts (suppress_small_cells), and whether any was hidden.

    Only names are published, never their counts, so no hidden count can be recovered from a
    total: secondary suppression (which would hide a large group too) is not needed here."""
    from kmsynth.protect import suppress_small_cells

    counts = counts[counts > 0]
    if counts.empty:
        return [], False
    kept = suppress_small_cells(counts.astype(int), k, secondary=False)
    names = sorted(str(i) for i, v in kept.items() if not pd.isna(v))
    return names, len(names) < len(counts)


def curation_exclusions(path: str | os.PathLike) -> set[str]:
    """Post ids a reviewer excluded from quoting (exclude_quote decisions in the curation file)."""
    from kmsynth.themes.curation import Curation

    return {
        str(d["post"]) for d in Curation.load(path).decisions if d.get("action") == "exclude_quote"
    }


def describe_scope(posts: pd.DataFrame, k: int) -> dict[str, Any]:
    d = (
        pd.to_datetime(posts["created_at"], utc=True, errors="coerce")
        if "created_at" in posts
        else pd.Series(dtype="datetime64[ns, UTC]")
    )
    d = d.dropna()
    n_people = (
        int(posts["author_id"].astype("string").replace("", pd.NA).dropna().nunique())
        if "author_id" in posts
        else None
    ) or None  # no author column, or no author stated: participants unknown
    regions, more_regions = (
        _shown(posts["region"].astype("string").replace("", pd.NA).dropna().value_counts(), k)
        if "region" in posts
        else ([], False)
    )
    lang = (
        posts["language"].astype("string").replace({"": pd.NA, "und": pd.NA}).dropna()
        if "language" in posts
        else pd.Series(dtype="string")
    )
    langs, more_langs = _shown(lang.value_counts(), k)
    langs = sorted(langs, key=lambda c: -int((lang == c).sum()))
    countries = (
        posts["country"].astype("string").replace("", pd.NA).dropna().nunique()
        if "country" in posts
        else 0
    )
    return {
        "from": d.min().strftime("%Y-%m-%d") if len(d) else "",
        "to": d.max().strftime("%Y-%m-%d") if len(d) else "",
        "posts": int(len(posts)),
        "threads": int(posts["thread_id"].nunique()) if "thread_id" in posts else None,
        "participants": (
            None if n_people is None else n_people if n_people >= k else f"fewer than {k}"
        ),
        "countries": int(countries)
        if countries >= k
        else (f"fewer than {k}" if countries else None),
        "regions": regions,
        "other_regions": more_regions,
        "languages": _languages(pd.Series(langs, dtype=str)),
        "other_languages": more_langs,
    }


def describe_intro(scope: dict[str, Any]) -> str:
    when = f" between {scope['from']} and {scope['to']}" if scope.get("from") else ""
    threads = f" in {scope['threads']:,} threads" if scope.get("threads") else ""
    langs = scope.get("languages") or []
    lang = (
        f", in {', '.join(langs[:-1])} and {langs[-1]}"
        if len(langs) > 1
        else f", in {langs[0]}"
        if langs
        else ""
    )
    return (
        f"This brief distils what participants shared in {scope['posts']:,} "
        f"posts{threads}{when}{lang}. "
        "It highlights key lessons learned and promising practices, then the main themes of the "
        "discussion with short summaries and quotes. Every statement is quoted from a post, after "
        "personal data was removed, and cites that post: nothing is paraphrased or invented."
    )


def method_notes(
    model: str,
    theme_result: Any,
    k: int,
    min_posts: int,
    max_share: float,
    seed: int,
    fitted: bool = True,
) -> list[str]:
    """The brief's method section: how each part was made (`model`: the embedder's id)."""
    share = share_text(max_share)
    if theme_result is None:
        themes = "Themes: too few posts to find themes; lessons and practices come from all posts."
    elif fitted:
        themes = (
            f"Themes: kmsynth themes (BERTopic wrapper, seed {seed}) on {model} sentence "
            "embeddings, reproducible for the same posts and settings; posts no theme could take "
            "count for lessons and practices only."
        )
    else:
        themes = (
            f"Themes: taken from a given theme run; sentences compared with {model} embeddings. "
            "Posts no theme could take count for lessons and practices only."
        )
    return [
        "Personal data (e-mails, phone numbers, handles, personal links, ID numbers, the names of "
        "participants and the configured names and places) was removed before any analysis; "
        "participants are counted, never named.",
        themes,
        "Summaries: for each theme, its key points: sentences backed by the most posts and "
        "participants, redundancy removed, questions and small talk never chosen, in the "
        "language they were written in.",
        "Lessons, recommendations and practices are told apart by a small classifier shipped "
        "with kmsynth (word, mood and sentence-meaning features; trained on forum advice and "
        "planted examples in English, Spanish, French and Portuguese), not by keywords: venting, "
        "questions and small talk are not lessons. Key lessons are the points the most "
        "participants made, redundancy removed. Practices are described actions in a named "
        "country; one practice reported from several countries is listed once.",
        "Quotes, summaries, lessons and practices come only from participants who agreed to be "
        "quoted; quotes at most one per participant, 8 to 40 words, with no redacted detail, "
        f"name or small place in them, and never from a theme, region or country with fewer "
        f"than {k} posts.",
        f"Counts below {k} are not shown. A theme with fewer than {min_posts} posts, or where one "
        f"participant, organisation or country contributed {share} of the posts, is marked "
        '"rests on few voices": read it as a signal to follow up, not a general finding; its '
        "lessons are not among the key lessons.",
    ]


# --------------------------------------------------------------------------------------------
# items and checks shared by the sections


def item_from(
    s: Sentence,
    *,
    theme: str = "",
    country: str = "",
    region: str = "",
    support: int = 1,
    also: Sequence[str] = (),
    also_countries: Sequence[str] = (),
) -> Item:
    """The brief item of sentence `s` (its text, post and offsets, and where it comes from)."""
    return Item(
        s.text,
        s.post_id,
        s.start,
        s.end,
        theme=theme,
        country=country or s.country,
        region=region or s.region,
        language=s.language,
        support=support,
        also=tuple(also),
        also_countries=tuple(also_countries),
    )


def check_posts(posts: pd.DataFrame) -> None:
    """Refuse a posts table without post_id/text columns or with duplicate post ids."""
    missing = [c for c in ("post_id", "text") if c not in posts.columns]
    if missing:
        raise InputError(
            f"the posts table has no {', '.join(missing)} column",
            column=missing[0],
            hint="pass the table prepare('posts', ...) returns",
        )
    ids = posts["post_id"].astype(str)
    if ids.duplicated().any():
        row = int(np.argmax(ids.duplicated().to_numpy())) + 1
        raise InputError(
            "post ids must be unique",
            row=row,
            column="post_id",
            hint="prepare() merges duplicates; pass its table",
        )


def support_counts(
    vecs: np.ndarray, keys: Sequence[str], at: float = SIMILAR_AT
) -> tuple[np.ndarray, list[list[int]]]:
    """For each row: how many distinct keys (participants) have a row at cosine >= `at`, and
    the indices of those similar rows."""
    if len(vecs) == 0:
        return np.zeros(0), []
    support, similar = np.zeros(len(vecs)), []
    for a in range(0, len(vecs), 1024):  # blocks of rows: memory stays O(1024 x n)
        sims = vecs[a : a + 1024] @ vecs.T
        for r in range(sims.shape[0]):
            i = a + r
            near = np.flatnonzero(sims[r] >= at)
            support[i] = len({keys[j] for j in near} | {keys[i]})
            similar.append([int(j) for j in near if j != i])
    return support, similar


def validated(chosen: Sequence[Sentence], pool: Sequence[Sentence], who: str) -> list[Sentence]:
    """Keep only sentences that are in `pool`: a plugged-in summariser may not invent text."""
    ok = {(s.post_id, s.start, s.end, s.text) for s in pool}
    out = [s for s in chosen if (s.post_id, s.start, s.end, s.text) in ok]
    if len(out) < len(chosen):
        log.warning(
            "%s returned %d sentence(s) not taken from the theme's posts; dropped",
            who,
            len(chosen) - len(out),
        )
    return out


def country_key(text: str) -> str:
    """A practice sentence with country names masked, to spot one practice in many countries."""
    folded = fold(text)
    return re.sub(r"\s+", " ", country_pattern().sub("<c>", folded)).strip(" .")


# --------------------------------------------------------------------------------------------
# loading a theme run


def load_theme_run(folder: str | os.PathLike) -> Any:
    """A ThemeResult from a `kmsynth themes` output folder (themes.csv + assignments.csv), or
    from a folder written by ThemeResult.save."""
    from kmsynth.themes import ThemeResult

    src = Path(folder)
    if (src / "theme_model.json").is_file():
        return ThemeResult.load(src)
    if not (src / "themes.csv").is_file() or not (src / "assignments.csv").is_file():
        raise InputError(
            "no theme run here (themes.csv and assignments.csv)",
            file=str(src),
            hint="point --themes to the --out folder of `kmsynth themes`",
        )
    t = restore_formulas(
        pd.read_csv(
            src / "themes.csv", keep_default_na=False, dtype={"label": str, "keywords": str}
        )
    )
    a = restore_formulas(
        pd.read_csv(src / "assignments.csv", keep_default_na=False, dtype={"doc_id": str})
    )
    for col, f in (("theme_id", t), ("doc_id", a), ("theme_id", a)):
        if col not in f.columns:
            raise InputError(f"the theme run has no {col} column", file=str(src), column=col)
    a["theme_id"] = pd.to_numeric(a["theme_id"], errors="coerce").fillna(-1).astype(int)
    if "probability" not in a:
        a["probability"] = 1.0
    return ThemeResult(
        themes=t,
        assignments=a[["doc_id", "theme_id", "probability"]],
        embeddings=np.zeros((0, 0), np.float32),
        centroids={},
        outlier_share=float((a["theme_id"] < 0).mean()) if len(a) else 0.0,
        outlier_share_final=float((a["theme_id"] < 0).mean()) if len(a) else 0.0,
        params={"source": str(src)},
    )
