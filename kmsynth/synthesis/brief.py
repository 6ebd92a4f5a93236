"""Knowledge briefs from a discussion: scope, key lessons learned, promising practices by region
and country, themes with summaries and quotes, and a method note — as Markdown, HTML and Word.

Every lesson, practice, summary sentence and quote is a verbatim sentence of a redacted post
and carries the post id and character offsets it comes from. A theme resting on few posts, or
mostly on one participant, organisation or country, is flagged "rests on few voices" in every
format and its lessons are not promoted to key lessons.

    brief = build_brief(prepared.table, title="Online discussion, May 2026", config=cfg,
                        embedder=get_embedder("minilm"))
    write_brief(brief, "brief.docx")
"""

from __future__ import annotations

import html as _html
import logging
import os
import re
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Sequence

import numpy as np
import pandas as pd

from kmsynth.config import Config
from kmsynth.errors import InputError
from kmsynth.protect import check_k, make_private_dir, restore_formulas
from kmsynth.synthesis.keypoints import KeyPointSummariser
from kmsynth.synthesis.quotes import pick_quotes, with_consent
from kmsynth.synthesis.summarise import (
    Sentence,
    Summariser,
    canonical_country,
    find_lessons,
    find_practices,
    group_by,
    mmr,
    rank_by_centrality,
    sentences_of,
    usable,
)
from kmsynth.text import country_pattern, fold

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


def _share_text(share: float) -> str:
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
            share = _share_text(max_share)
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


# --------------------------------------------------------------------------------------------
# building


def _item(
    s: Sentence,
    *,
    theme: str = "",
    country: str = "",
    region: str = "",
    support: int = 1,
    also: Sequence[str] = (),
    also_countries: Sequence[str] = (),
) -> Item:
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


def _check_posts(posts: pd.DataFrame) -> None:
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


def _support(
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


def _validated(chosen: Sequence[Sentence], pool: Sequence[Sentence], who: str) -> list[Sentence]:
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


def _country_key(text: str) -> str:
    """A practice sentence with country names masked, to spot one practice in many countries."""
    folded = fold(text)
    return re.sub(r"\s+", " ", country_pattern().sub("<c>", folded)).strip(" .")


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


def build_brief(
    posts: pd.DataFrame,
    theme_result=None,
    *,
    title: str = "Knowledge brief",
    config: Config | None = None,
    embedder=None,
    k: int | None = None,
    min_posts: int | None = None,
    seed: int | None = None,
    summariser: Summariser | None = None,
    excluded_quotes: set[str] | None = None,
) -> Brief:
    """A brief from a prepared (redacted) posts table.

    posts: the table `prepare("posts", ...)` returns (post_id, text, created_at, author_id,
        region, country, language, quotable, ...). Raw, unredacted text must never be passed.
    theme_result: a ThemeResult whose assignments' doc_id are post ids; fitted with
        `kmsynth.themes.model.fit_themes` when None (and there are at least 20 posts).
    config: thresholds (privacy.min_cell as k, brief.*) and the embedder when none is given.
    k, min_posts, seed: override the config's privacy.min_cell, brief.min_posts, themes.seed.
    summariser: any `Summariser`; the default is the offline `KeyPointSummariser` (key points
        backed by many posts, only from authors who agreed to be quoted).
    excluded_quotes: post ids a reviewer excluded from quoting; None: the exclude_quote
        decisions of the config's curation file, if any.
    """
    cfg = config or Config()
    bc = cfg.brief
    k = check_k(k or cfg.privacy.min_cell)
    min_posts = int(min_posts or bc.min_posts)
    seed = cfg.themes.seed if seed is None else seed
    summariser = summariser or KeyPointSummariser()
    _check_posts(posts)
    posts = posts.reset_index(drop=True).copy()
    posts["post_id"] = posts["post_id"].astype(str)
    posts = with_consent(posts, cfg)  # verbatim text only from authors who agreed
    if embedder is None:
        from kmsynth.embed.embedders import embedder_from_config

        embedder = embedder_from_config(cfg)
        if embedder.model_id.startswith("tfidf"):
            embedder.fit(posts["text"].astype(str).tolist())

    sents = sentences_of(posts)
    vecs = (
        np.asarray(embedder.encode([s.text for s in sents]), dtype=np.float32)
        if sents
        else np.zeros((0, 1), np.float32)
    )
    by_post: dict[str, list[int]] = {}
    for i, s in enumerate(sents):
        by_post.setdefault(s.post_id, []).append(i)

    fitted = theme_result is None and len(posts) >= MIN_POSTS_FOR_THEMES
    if fitted:
        from kmsynth.themes import fit_themes

        langs = posts["language"].astype(str).tolist() if "language" in posts.columns else None
        theme_result = fit_themes(
            posts["text"].astype(str).tolist(),
            posts["post_id"].tolist(),
            embedder=embedder,
            languages=langs,
            seed=seed,
            min_theme_size=cfg.themes.min_theme_size,
            n_representative_docs=cfg.themes.n_representative_docs,
            cache_dir=cfg.embedding.cache_dir,
        )
    meta = posts.set_index("post_id")
    theme_of: dict[str, int] = {}
    labels: dict[int, str] = {}
    if theme_result is not None:
        a = theme_result.assignments
        theme_of = {
            str(d): int(t) for d, t in zip(a["doc_id"], a["theme_id"]) if str(d) in meta.index
        }
        if len(a) and not theme_of:
            raise InputError(
                "the theme run's document ids match no post id",
                hint="run `kmsynth themes` with --id-col set to the post id column",
            )
        labels = {int(r.theme_id): str(r.label) for r in theme_result.themes.itertuples()}
    members_of: dict[int, list[str]] = {}
    for p, t in theme_of.items():
        members_of.setdefault(t, []).append(p)
    if excluded_quotes is None and cfg.data.curation:
        excluded_quotes = curation_exclusions(cfg.data.curation)

    # groups too small to show: no quote may come from them
    region_n = (
        meta["region"].astype("string").fillna("").value_counts()
        if "region" in meta
        else pd.Series(dtype=int)
    )
    country_n = (
        meta["country"].astype("string").fillna("").value_counts()
        if "country" in meta
        else pd.Series(dtype=int)
    )
    theme_n = (
        pd.Series(list(theme_of.values())).value_counts() if theme_of else pd.Series(dtype=int)
    )

    def quotable_group(s: Sentence) -> bool:
        t = theme_of.get(s.post_id)
        return (
            (t is None or theme_n.get(t, 0) >= k)
            and (not s.region or region_n.get(s.region, 0) >= k)
            and (not s.country or country_n.get(s.country, 0) >= k)
        )

    regions_words = [w for r in region_n.index for w in str(r).split()]
    used_authors: set[str] = set()
    themes: list[BriefTheme] = []
    flagged_posts: set[str] = set()
    omitted = small_talk = 0
    if theme_result is not None:
        order = sorted(
            theme_result.themes.itertuples(),
            key=lambda r: (-int(theme_n.get(int(r.theme_id), 0)), int(r.theme_id)),
        )
        for r in order:
            tid = int(r.theme_id)
            members = members_of.get(tid, [])
            if not members:
                continue
            flags = overclaim_flags(
                meta.loc[members], min_posts=min_posts, max_share=bc.max_share, k=k, overall=meta
            )
            if flags:
                flagged_posts.update(members)
            idx = [i for p in members for i in by_post.get(p, [])]
            pool = [sents[i] for i in idx]
            substantive = len({s.post_id for s in pool if usable(s)}) / len(members)
            if substantive < SUBSTANTIVE_SHARE:  # greetings, thanks and introductions
                small_talk += 1
                continue
            if len(themes) >= bc.max_themes:
                omitted += 1
                continue
            V = vecs[idx]
            summary = _validated(
                summariser.summarise(pool, V, SUMMARY_SENTENCES) if pool else [],
                pool,
                type(summariser).__name__,
            )
            shown = {s.text for s in summary}
            pool_lessons = set(find_lessons(pool))
            les_i = [
                j
                for j, s in enumerate(pool)
                if s in pool_lessons and s.text not in shown and usable(s)
            ]
            if summary and les_i:  # not the summary's points again in other words
                S = V[[pool.index(x) for x in summary]]
                les_i = [j for j in les_i if (V[j] @ S.T).max() < SIMILAR_AT]
            les = [pool[j] for j in les_i]
            theme_lessons = (
                KeyPointSummariser(duplicate_at=SIMILAR_AT).summarise(
                    les, V[les_i], THEME_LESSONS
                )
                if les
                else []
            )
            shown |= {s.text for s in theme_lessons}
            # a quote adds a voice: not a sentence already shown, nor one saying the same thing
            # (even about another country), and from a post not cited yet when there is one
            rank = rank_by_centrality(pool, V)
            shown_i = [j for j, s in enumerate(pool) if s.text in shown]
            if shown_i:
                near = (V @ V[shown_i].T).max(axis=1) >= QUOTE_DISTINCT_AT
                same = {_country_key(pool[j].text) for j in shown_i}
                rank = [j for j in rank if not near[j] and _country_key(pool[j].text) not in same]
                cited = {pool[j].post_id for j in shown_i}
                fresh = [j for j in rank if pool[j].post_id not in cited]
                rank = fresh + [j for j in rank if pool[j].post_id in cited]
            quotes = pick_quotes(
                pool,
                used_authors=used_authors,
                n=bc.quotes_per_theme,
                excluded_posts=excluded_quotes,
                rank=rank,
                allowed=quotable_group,
                allowed_words=regions_words,
                avoid=shown,
            )
            label = labels.get(tid, f"Theme {tid}")
            pillar = str(getattr(r, "pillar_name", "") or "")
            themes.append(
                BriefTheme(
                    theme_id=tid,
                    label=label,
                    size=len(members) if len(members) >= k else None,
                    pillar="" if pillar in ("Unassigned", "nan") else pillar,
                    keywords=str(getattr(r, "keywords", "") or ""),
                    summary=[_item(s, theme=label) for s in summary],
                    lessons=[_item(s, theme=label) for s in theme_lessons],
                    quotes=[_item(s, theme=label) for s in quotes],
                    flags=flags,
                )
            )

    # key lessons: the points most participants made, redundancy removed; never from a theme
    # that rests on few voices
    all_lessons = [i for i, s in enumerate(sents) if usable(s) and s.quotable]
    lesson_set = set(find_lessons([sents[i] for i in all_lessons]))
    les_idx = [
        i for i in all_lessons if sents[i] in lesson_set and sents[i].post_id not in flagged_posts
    ]
    key_lessons: list[Item] = []
    if les_idx:
        L = vecs[les_idx]
        keys = [sents[i].author_id or f"post:{sents[i].post_id}" for i in les_idx]
        support, similar = _support(L, keys)
        rel = support / (support.max() or 1)
        posts_of = [sents[i].post_id for i in les_idx]
        for j in mmr(
            L,
            rel,
            bc.key_lessons,
            diversity=0.3,
            groups=posts_of,
            max_per_group=1,
            duplicate_at=SIMILAR_AT,
        ):
            s = sents[les_idx[j]]
            also = list(dict.fromkeys(posts_of[x] for x in similar[j] if posts_of[x] != s.post_id))
            key_lessons.append(
                _item(
                    s,
                    theme=labels.get(theme_of.get(s.post_id, -1), ""),
                    support=int(support[j]),
                    also=also,
                )
            )

    practices = _practices(sents, vecs, meta, theme_of, labels, bc.max_practices)
    scope = _scope(posts, k)
    return Brief(
        title=title,
        scope=scope,
        lessons=key_lessons,
        practices=practices,
        themes=themes,
        method=_method(embedder, theme_result, k, min_posts, bc.max_share, seed, fitted=fitted),
        intro=_intro(scope),
        omitted_themes=omitted,
        small_talk_themes=small_talk,
        k=k,
    )


def curation_exclusions(path: str | os.PathLike) -> set[str]:
    """Post ids a reviewer excluded from quoting (exclude_quote decisions in the curation file)."""
    from kmsynth.themes.curation import Curation

    return {
        str(d["post"]) for d in Curation.load(path).decisions if d.get("action") == "exclude_quote"
    }


def _practices(
    sents: list[Sentence],
    vecs: np.ndarray,
    meta: pd.DataFrame,
    theme_of: dict[str, int],
    labels: dict[int, str],
    max_practices: int,
) -> dict[str, list[Item]]:
    """Distinct practices, the same practice in several countries listed once (with the other
    countries), at most two per country, chosen for centrality and variety."""
    found = [
        (i, c)
        for i, s in enumerate(sents)
        if usable(s, 6, 60) and s.quotable
        for _, c in find_practices([s])
    ]
    if not found:
        return {}
    groups: dict[str, list[tuple[int, str]]] = {}
    for i, c in found:
        groups.setdefault(_country_key(sents[i].text), []).append((i, c))
    reps = [g[0] for g in groups.values()]
    others = [g[1:] for g in groups.values()]
    V = vecs[[i for i, _ in reps]]
    cent = V.mean(axis=0)
    cent = cent / (np.linalg.norm(cent) or 1)
    spread = np.array([len({c for _, c in g}) for g in groups.values()], dtype=float)
    rel = 0.5 * (V @ cent) + 0.5 * spread / (spread.max() or 1)
    country_region = {}
    if "country" in meta.columns and "region" in meta.columns:
        cr = meta[["country", "region"]].astype("string").dropna()
        cr = cr.assign(c=cr["country"].map(lambda x: canonical_country(x) or x))
        country_region = (
            cr.groupby("c")["region"].agg(lambda s: s.value_counts().index[0]).to_dict()
        )
    pick = mmr(V, rel, max_practices, diversity=0.3, groups=[c for _, c in reps], max_per_group=2)
    items: list[Item] = []
    for j in pick:
        i, c = reps[j]
        s = sents[i]
        also_c = list(dict.fromkeys(c2 for _, c2 in others[j] if c2 != c))
        items.append(
            _item(
                s,
                theme=labels.get(theme_of.get(s.post_id, -1), ""),
                country=c,
                region=country_region.get(c, s.region if canonical_country(s.country) == c else ""),
                also=list(dict.fromkeys(sents[i2].post_id for i2, _ in others[j]))[:20],
                also_countries=also_c,
            )
        )
    items.sort(key=lambda x: (x.region or "~", x.country))
    out: dict[str, list[Item]] = {}
    for it in items:
        out.setdefault(it.country, []).append(it)
    return out


def _scope(posts: pd.DataFrame, k: int) -> dict[str, Any]:
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


def _intro(scope: dict[str, Any]) -> str:
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
        f"This brief distils what participants shared in {scope['posts']:,} posts{threads}{when}{lang}. "
        "It highlights key lessons learned and promising practices, then the main themes of the "
        "discussion with short summaries and quotes. Every statement is quoted from a post, after "
        "personal data was removed, and cites that post: nothing is paraphrased or invented."
    )


def _method(
    embedder, theme_result, k: int, min_posts: int, max_share: float, seed: int, fitted: bool = True
) -> list[str]:
    model = getattr(embedder, "model_id", "") or type(embedder).__name__
    share = _share_text(max_share)
    if theme_result is None:
        themes = "Themes: too few posts to find themes; lessons and practices come from all posts."
    elif fitted:
        themes = (
            f"Themes: kmsynth themes (BERTopic wrapper, seed {seed}) on {model} sentence embeddings, "
            "reproducible for the same posts and settings; posts no theme could take count for lessons "
            "and practices only."
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
        "Summaries: for each theme, the sentences closest to its centre (each post weighing the same), "
        "redundancy removed by maximal marginal relevance, at most one per post, in the language they "
        "were written in.",
        'Lessons are sentences that state a lesson or a recommendation (for example "we learned", '
        '"it is essential", "aprendimos", "il est essentiel", "é fundamental"); key lessons are '
        "the points the most participants made, redundancy removed. Practices are sentences describing "
        "an action in a named country; one practice reported from several countries is listed once.",
        "Quotes come only from participants who agreed to be quoted, at most one per participant, 8 to "
        "40 words, with no redacted detail, name or small place in them, and never from a theme, region "
        f"or country with fewer than {k} posts.",
        f"Counts below {k} are not shown. A theme with fewer than {min_posts} posts, or where one "
        f'participant, organisation or country contributed {share} of the posts, is marked "rests on '
        'few voices": read it as a signal to follow up, not a general finding; its lessons are not '
        "among the key lessons.",
    ]


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


# --------------------------------------------------------------------------------------------
# renderers


def _clean(t: Any) -> str:
    """One line of text: whitespace runs (line breaks in a post) become one space."""
    return re.sub(r"\s+", " ", "" if t is None else str(t)).strip()


def _scope_lines(b: Brief) -> list[tuple[str, str]]:
    s = b.scope
    out = []
    if s.get("from"):
        out.append(("Period", f"{s['from']} to {s['to']}"))
    out.append(
        ("Posts", f"{s['posts']:,}" + (f" in {s['threads']:,} threads" if s.get("threads") else ""))
    )
    if s.get("participants") is not None:
        p = s["participants"]
        out.append(("Participants", f"{p:,}" if isinstance(p, int) else str(p)))
    if s.get("countries") is not None:
        c = s["countries"]
        out.append(("Countries", f"{c:,}" if isinstance(c, int) else str(c)))
    regions = ", ".join(s.get("regions") or []) or "not stated"
    if s.get("other_regions"):
        regions += f" (and regions with fewer than {b.k} posts)"
    out.append(("Regions", regions))
    langs = ", ".join(s.get("languages") or []) or "not stated"
    if s.get("other_languages"):
        langs += f" (and languages with fewer than {b.k} posts)"
    out.append(("Languages", langs))
    return out


def _cite(i: Item, b: Brief, *, theme: bool = False) -> str:
    parts = [f"post {i.post_id}"]
    if theme and i.theme:
        parts.append(f"theme: {i.theme}")
    if i.support >= b.k:
        parts.append(f"a point made by {i.support} participants")
    if i.also_countries:
        parts.append(
            "also reported from "
            + ", ".join(i.also_countries[:6])
            + (" and others" if len(i.also_countries) > 6 else "")
        )
    return "; ".join(_clean(p) for p in parts)


def _theme_meta(t: BriefTheme, b: Brief) -> str:
    size = f"{t.size:,} posts" if t.size else f"fewer than {b.k} posts"
    bits = (
        [size]
        + ([f"pillar: {t.pillar}"] if t.pillar else [])
        + (
            [f"keywords: {', '.join([x.strip() for x in t.keywords.split(';') if x.strip()][:6])}"]
            if t.keywords
            else []
        )
    )
    return " · ".join(_clean(x) for x in bits)


def _theme_notes(b: Brief) -> list[str]:
    out = []
    if b.omitted_themes:
        out.append(f"{b.omitted_themes} smaller theme(s) are not summarised here.")
    if b.small_talk_themes:
        out.append(
            f"{b.small_talk_themes} theme(s) of greetings, thanks and introductions are not "
            "summarised."
        )
    return out


_MD_SPECIAL = re.compile(r"([\\`*_\[\]#|~])")


def _md(t: Any) -> str:
    """Data text made inert in Markdown: HTML-escaped (a renderer passing raw HTML through shows
    it as text) and Markdown punctuation backslash-escaped."""
    s = _html.escape(_clean(t), quote=False)
    s = _MD_SPECIAL.sub(r"\\\1", s)
    return re.sub(r"^([-+>]|\d+[.)])", r"\\\1", s)


def render_markdown(b: Brief) -> str:
    """The brief as Markdown; every data text escaped."""
    out = [f"# {_md(b.title)}", "", _md(b.intro), "", "## Scope", ""]
    out += [f"- **{k}:** {_md(v)}" for k, v in _scope_lines(b)]
    out += ["", "## Key lessons learned", ""]
    out += [f"- {_md(i.text)} *({_md(_cite(i, b, theme=True))})*" for i in b.lessons] or [
        "- None found."
    ]
    out += ["", "## Promising practices", ""]
    if not b.practices:
        out += ["None found.", ""]
    for region, by_country in b.practices_by_region().items():
        out += [f"### {_md(region or 'Other')}", ""]
        for country, items in by_country.items():
            out += [f"- **{_md(country)}:** {_md(i.text)} *({_md(_cite(i, b))})*" for i in items]
        out.append("")
    out += ["## Themes", ""]
    if not b.themes:
        out += ["Too few posts to find themes.", ""]
    for n, t in enumerate(b.themes, 1):
        out += [f"### {n}. {_md(t.label)}", "", f"*{_md(_theme_meta(t, b))}*", ""]
        for f in t.flags:
            out += [f"> **Caution — {_md(f)}**", ""]
        if t.summary:
            out += ["What participants said:", ""] + [
                f"- {_md(i.text)} *(post {_md(i.post_id)})*" for i in t.summary
            ]
            out.append("")
        if t.lessons:
            out += ["Lessons:", ""] + [
                f"- {_md(i.text)} *(post {_md(i.post_id)})*" for i in t.lessons
            ]
            out.append("")
        for q in t.quotes:
            out += [f"> “{_md(q.text)}” — a participant *(post {_md(q.post_id)})*", ""]
    out += [_md(n) + "\n" for n in _theme_notes(b)]
    out += ["## Method", ""] + [f"- {_md(m)}" for m in b.method]
    return "\n".join(out) + "\n"


_CSS = """<style>
.kmbrief{font-family:system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:#1d2433;max-width:860px;
 margin:0 auto;line-height:1.45}
.kmbrief h1{color:#4b2a7b}.kmbrief h2{border-bottom:2px solid #6a3d9a;padding-bottom:4px;margin-top:1.8em}
.kmbrief .intro{font-size:1.05em}.kmbrief .muted{color:#666;font-size:.88em}
.kmbrief .theme{border-left:4px solid #6a3d9a;padding:2px 14px;margin:14px 0}
.kmbrief .flag{color:#b3261e;font-weight:600}
.kmbrief blockquote{margin:8px 0 8px 6px;padding:4px 12px;border-left:3px solid #b9a3d6;color:#333;
 font-style:italic}
.kmbrief dl.scope{display:grid;grid-template-columns:max-content 1fr;gap:2px 14px}
.kmbrief dl.scope dt{font-weight:600}.kmbrief dl.scope dd{margin:0}
</style>"""


def render_html_fragment(b: Brief) -> str:
    """The brief as an HTML fragment (styles scoped to it), for a notebook or another page:
    every data text escaped, no script, no link, no image."""
    e = _html.escape

    def cite(i: Item, theme: bool = False) -> str:
        return f" <span class='muted'>({e(_cite(i, b, theme=theme))})</span>"

    def li(i: Item, theme: bool = False) -> str:
        return f"<li>{e(_clean(i.text))}{cite(i, theme)}</li>"

    p = [
        f"{_CSS}<div class='kmbrief'><h1>{e(_clean(b.title))}</h1><p class='intro'>{e(b.intro)}</p>",
        "<h2>Scope</h2><dl class='scope'>"
        + "".join(f"<dt>{e(k)}</dt><dd>{e(v)}</dd>" for k, v in _scope_lines(b))
        + "</dl>",
        "<h2>Key lessons learned</h2>"
        + (
            "<ul>" + "".join(li(i, True) for i in b.lessons) + "</ul>"
            if b.lessons
            else "<p>None found.</p>"
        ),
        "<h2>Promising practices</h2>" + ("" if b.practices else "<p>None found.</p>"),
    ]
    for region, by_country in b.practices_by_region().items():
        p.append(f"<h3>{e(_clean(region or 'Other'))}</h3><ul>")
        for country, items in by_country.items():
            p += [
                f"<li><strong>{e(_clean(country))}:</strong> {e(_clean(i.text))}{cite(i)}</li>"
                for i in items
            ]
        p.append("</ul>")
    p.append("<h2>Themes</h2>" + ("" if b.themes else "<p>Too few posts to find themes.</p>"))
    for n, t in enumerate(b.themes, 1):
        p.append(
            f"<div class='theme'><h3>{n}. {e(_clean(t.label))}</h3>"
            f"<p class='muted'>{e(_theme_meta(t, b))}</p>"
        )
        p += [f"<p class='flag'>Caution — {e(f)}</p>" for f in t.flags]
        if t.summary:
            p.append(
                "<p>What participants said:</p><ul>" + "".join(li(i) for i in t.summary) + "</ul>"
            )
        if t.lessons:
            p.append("<p>Lessons:</p><ul>" + "".join(li(i) for i in t.lessons) + "</ul>")
        p += [
            f"<blockquote>“{e(_clean(q.text))}” — a participant{cite(q)}</blockquote>"
            for q in t.quotes
        ]
        p.append("</div>")
    p += [f"<p class='muted'>{e(n)}</p>" for n in _theme_notes(b)]
    p.append("<h2>Method</h2><ul>" + "".join(f"<li>{e(m)}</li>" for m in b.method) + "</ul></div>")
    return "".join(p)


def render_html(b: Brief) -> str:
    """The brief as one self-contained HTML page: every data text escaped, no script, no request
    (a Content-Security-Policy forbids both)."""
    return (
        "<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'>"
        f"<meta http-equiv='Content-Security-Policy' content=\"{CSP}\">"
        "<meta name='referrer' content='no-referrer'>"
        "<meta name='viewport' content='width=device-width, initial-scale=1'>"
        f"<title>{_html.escape(_clean(b.title))}</title>"
        "<style>body{margin:2em auto;padding:0 1em}</style></head><body>"
        + render_html_fragment(b)
        + "</body></html>"
    )


_XML_BAD = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def _x(t: Any) -> str:
    """Text Word accepts (no control characters)."""
    return _XML_BAD.sub("", _clean(t))


def render_docx(b: Brief, path: str | os.PathLike) -> Path:
    """The brief as a Word document (python-docx)."""
    from docx import Document
    from docx.shared import Pt, RGBColor

    doc = Document()
    cp = doc.core_properties
    cp.title, cp.author, cp.last_modified_by, cp.comments = _x(b.title), "kmsynth", "kmsynth", ""
    if b.scope.get("to"):
        from datetime import datetime, timezone

        cp.created = cp.modified = datetime.strptime(b.scope["to"], "%Y-%m-%d").replace(
            tzinfo=timezone.utc
        )
    doc.add_heading(_x(b.title), 0)
    doc.add_paragraph(_x(b.intro))

    def bullet(text: str, cite: str = "", lead: str = "") -> None:
        para = doc.add_paragraph(style="List Bullet")
        if lead:
            para.add_run(_x(lead) + ": ").bold = True
        para.add_run(_x(text))
        if cite:
            r = para.add_run(f" ({_x(cite)})")
            r.italic = True
            r.font.size = Pt(9)
            r.font.color.rgb = RGBColor(0x66, 0x66, 0x66)

    doc.add_heading("Scope", 1)
    for k, v in _scope_lines(b):
        bullet(v, lead=k)
    doc.add_heading("Key lessons learned", 1)
    for i in b.lessons:
        bullet(i.text, _cite(i, b, theme=True))
    if not b.lessons:
        doc.add_paragraph("None found.")
    doc.add_heading("Promising practices", 1)
    if not b.practices:
        doc.add_paragraph("None found.")
    for region, by_country in b.practices_by_region().items():
        doc.add_heading(_x(region or "Other"), 2)
        for country, items in by_country.items():
            for i in items:
                bullet(i.text, _cite(i, b), lead=country)
    doc.add_heading("Themes", 1)
    if not b.themes:
        doc.add_paragraph("Too few posts to find themes.")
    for n, t in enumerate(b.themes, 1):
        doc.add_heading(f"{n}. {_x(t.label)}", 2)
        meta = doc.add_paragraph().add_run(_x(_theme_meta(t, b)))
        meta.italic = True
        for f in t.flags:
            r = doc.add_paragraph().add_run("Caution — " + _x(f))
            r.bold = True
            r.font.color.rgb = RGBColor(0xB3, 0x26, 0x1E)
        if t.summary:
            doc.add_paragraph("What participants said:")
            for i in t.summary:
                bullet(i.text, f"post {i.post_id}")
        if t.lessons:
            doc.add_paragraph("Lessons:")
            for i in t.lessons:
                bullet(i.text, f"post {i.post_id}")
        for q in t.quotes:
            doc.add_paragraph(
                f"“{_x(q.text)}” — a participant (post {_x(q.post_id)})", style="Intense Quote"
            )
    for n in _theme_notes(b):
        doc.add_paragraph(n)
    doc.add_heading("Method", 1)
    for m in b.method:
        bullet(m)
    out = Path(path)
    doc.save(str(out))
    return out


def write_brief(b: Brief, out: str | os.PathLike) -> Path:
    """Write by extension (.md, .html/.htm, .docx), atomically: a failed write leaves no
    half-written file and keeps any previous one."""
    p = Path(out)
    ext = p.suffix.lower()
    if ext not in (".md", ".html", ".htm", ".docx"):
        raise InputError(
            f"cannot write a brief as {ext or 'a file without extension'}",
            file=str(p),
            hint="use --out brief.md, brief.html or brief.docx",
        )
    make_private_dir(p.parent)
    fd, tmp = tempfile.mkstemp(prefix=".brief-", suffix=ext, dir=p.parent)
    os.close(fd)
    try:
        if ext == ".md":
            Path(tmp).write_text(render_markdown(b), encoding="utf-8")
        elif ext == ".docx":
            render_docx(b, tmp)
        else:
            Path(tmp).write_text(render_html(b), encoding="utf-8")
        os.chmod(tmp, 0o600)  # a brief holds redacted text: owner-only until shared on purpose
        os.replace(tmp, p)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)
    return p
