"""Building a knowledge brief from a prepared (redacted) posts table: themes with key points,
lessons and quotes, key lessons learned and promising practices (the sentence-kind classifier
decides what is a lesson or a practice), scope and method notes.

    brief = build_brief(prepared.table, title="Online discussion, May 2026", config=cfg,
                        embedder=get_embedder("minilm"))
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field, fields
from typing import Any

import numpy as np
import pandas as pd

from kmsynth.config import Config
from kmsynth.embed.embedders import Embedder
from kmsynth.errors import InputError
from kmsynth.protect import check_k
from kmsynth.synthesis.brief.model import (
    MIN_POSTS_FOR_THEMES,
    QUOTE_DISTINCT_AT,
    SIMILAR_AT,
    SUBSTANTIVE_SHARE,
    SUMMARY_SENTENCES,
    THEME_LESSONS,
    Brief,
    BriefTheme,
    Item,
    check_posts,
    country_key,
    curation_exclusions,
    describe_intro,
    describe_scope,
    item_from,
    method_notes,
    overclaim_flags,
    support_counts,
    validated,
)
from kmsynth.synthesis.keypoints import KeyPointSummariser
from kmsynth.synthesis.kinds import classify
from kmsynth.synthesis.lessons import LESSON_KINDS, find_practices
from kmsynth.synthesis.quotes import pick_quotes, with_consent
from kmsynth.synthesis.summarise import (
    Summariser,
    mmr,
    rank_by_centrality,
    sentences_of,
    usable,
)
from kmsynth.text import Sentence, canonical_country
from kmsynth.vectors import unit_rows

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class BriefOptions:
    """Per-brief choices beside the Config: title; k, min_posts and seed override the config's
    privacy.min_cell, brief.min_posts and themes.seed; summariser: any `Summariser` (default
    `KeyPointSummariser`); excluded_quotes: post ids a reviewer excluded from quoting (None:
    the exclude_quote decisions of the config's curation file)."""

    title: str = "Knowledge brief"
    k: int | None = None
    min_posts: int | None = None
    seed: int | None = None
    summariser: Summariser | None = None
    excluded_quotes: frozenset[str] | set[str] | None = None


@dataclass
class _Corpus:
    """Everything the sections of one brief share."""

    cfg: Config
    k: int
    min_posts: int
    seed: int
    posts: pd.DataFrame
    meta: pd.DataFrame
    sents: list[Sentence]
    vecs: np.ndarray
    kinds: list[str]
    by_post: dict[str, list[int]]
    theme_of: dict[str, int] = field(default_factory=dict)
    labels: dict[int, str] = field(default_factory=dict)
    excluded: set[str] = field(default_factory=set)
    embedder_id: str = ""
    used_authors: set[str] = field(default_factory=set)

    def label_of(self, s: Sentence) -> str:
        return self.labels.get(self.theme_of.get(s.post_id, -1), "")


# --------------------------------------------------------------------------------------------
# building


def build_brief(
    posts: pd.DataFrame,
    theme_result: Any = None,
    *,
    config: Config | None = None,
    embedder: Embedder | None = None,
    options: BriefOptions | None = None,
    **overrides: Any,
) -> Brief:
    """A brief from a prepared (redacted) posts table.

    posts: the table `prepare("posts", ...)` returns (post_id, text, created_at, author_id,
        region, country, language, quotable, ...). Raw, unredacted text must never be passed.
    theme_result: a ThemeResult whose assignments' doc_id are post ids; fitted with
        `kmsynth.themes.fit_themes` when None (and there are at least 20 posts).
    config: thresholds (privacy.min_cell as k, brief.*) and the embedder when none is given.
    options / overrides: `BriefOptions`, or its fields as keywords (title=..., k=...).
    """
    known = {f.name for f in fields(BriefOptions)}
    unknown = sorted(set(overrides) - known)
    if unknown:
        raise TypeError(f"build_brief() got unexpected keyword(s): {', '.join(unknown)}")
    opts = options or BriefOptions()
    if overrides:
        opts = BriefOptions(**{**{n: getattr(opts, n) for n in known}, **overrides})
    c = _corpus(posts, config or Config(), embedder, opts)
    fitted = theme_result is None and len(c.posts) >= MIN_POSTS_FOR_THEMES
    if fitted:
        theme_result = _fit_themes(c, embedder)
    _assign_themes(c, theme_result)
    themes, flagged, omitted, small_talk = _theme_sections(
        c, theme_result, opts.summariser or KeyPointSummariser()
    )
    scope = describe_scope(c.posts, c.k)
    bc = c.cfg.brief
    return Brief(
        title=opts.title,
        scope=scope,
        lessons=_key_lessons(c, flagged),
        practices=_practices(c, bc.max_practices),
        themes=themes,
        method=method_notes(
            c.embedder_id, theme_result, c.k, c.min_posts, bc.max_share, c.seed, fitted=fitted
        ),
        intro=describe_intro(scope),
        omitted_themes=omitted,
        small_talk_themes=small_talk,
        k=c.k,
        post_key=_post_key(c.cfg),
    )


def _corpus(
    posts: pd.DataFrame, cfg: Config, embedder: Embedder | None, opts: BriefOptions
) -> _Corpus:
    """Posts checked and consent applied, sentences embedded and classified by kind."""
    check_posts(posts)
    posts = posts.reset_index(drop=True).copy()
    posts["post_id"] = posts["post_id"].astype(str)
    posts = with_consent(posts, cfg)  # verbatim text only from authors who agreed
    if embedder is None:
        from kmsynth.embed.embedders import embedder_from_config

        embedder = embedder_from_config(cfg)
        if hasattr(embedder, "fit"):  # tfidf learns, auto chooses, pretrained: no-op
            embedder.fit(posts["text"].astype(str).tolist())
    sents = sentences_of(posts)
    texts = [s.text for s in sents]
    vecs = (
        np.asarray(embedder.encode(texts), dtype=np.float32)
        if sents
        else np.zeros((0, 1), np.float32)
    )
    kinds = _kinds(sents, embedder, vecs, cfg)
    by_post: dict[str, list[int]] = {}
    for i, s in enumerate(sents):
        by_post.setdefault(s.post_id, []).append(i)
    excluded = opts.excluded_quotes
    if excluded is None and cfg.data.curation:
        excluded = curation_exclusions(cfg.data.curation)
    c = _Corpus(
        cfg=cfg,
        k=check_k(opts.k or cfg.privacy.min_cell),
        min_posts=int(opts.min_posts or cfg.brief.min_posts),
        seed=cfg.themes.seed if opts.seed is None else opts.seed,
        posts=posts,
        meta=posts.set_index("post_id"),
        sents=sents,
        vecs=vecs,
        kinds=kinds,
        by_post=by_post,
        excluded=set(excluded or ()),
    )
    c.embedder_id = getattr(embedder, "model_id", "") or type(embedder).__name__
    return c


def _kinds(sents: list[Sentence], embedder: Embedder, vecs: np.ndarray, cfg: Config) -> list[str]:
    """The kind of each sentence; the brief's own vectors are reused when they come from the
    encoder the kinds model was trained on."""
    from kmsynth.synthesis.kinds import kind_encoder, load_model

    if not sents:
        return []
    model = load_model()
    same = getattr(embedder, "model_id", "").startswith("use-multilingual") and vecs.shape[1] == (
        model.dim
    )
    found = classify(
        [s.text for s in sents],
        [s.post_id for s in sents],
        embeddings=vecs if same else None,
        encoder=None if same else kind_encoder(cfg.embedding.cache_dir),
        model=model,
    )
    return [k for k, _ in found]


def _fit_themes(c: _Corpus, embedder: Embedder | None) -> Any:
    from kmsynth.themes import fit_themes

    posts = c.posts
    langs = posts["language"].astype(str).tolist() if "language" in posts.columns else None
    return fit_themes(
        posts["text"].astype(str).tolist(),
        posts["post_id"].tolist(),
        embedder=embedder,
        languages=langs,
        seed=c.seed,
        min_theme_size=c.cfg.themes.min_theme_size,
        n_representative_docs=c.cfg.themes.n_representative_docs,
        cache_dir=c.cfg.embedding.cache_dir,
    )


def _assign_themes(c: _Corpus, theme_result: Any) -> None:
    if theme_result is None:
        return
    a = theme_result.assignments
    c.theme_of = {
        str(d): int(t)
        for d, t in zip(a["doc_id"], a["theme_id"], strict=True)
        if str(d) in c.meta.index
    }
    if len(a) and not c.theme_of:
        raise InputError(
            "the theme run's document ids match no post id",
            hint="run `kmsynth themes` with --id-col set to the post id column",
        )
    c.labels = {int(r.theme_id): str(r.label) for r in theme_result.themes.itertuples()}


def _counts(meta: pd.DataFrame, col: str) -> pd.Series:
    if col not in meta:
        return pd.Series(dtype=int)
    return meta[col].astype("string").fillna("").value_counts()


def _theme_sections(
    c: _Corpus, theme_result: Any, summariser: Summariser
) -> tuple[list[BriefTheme], set[str], int, int]:
    """The themes shown (largest first), the posts of flagged themes, and how many themes were
    left out for size or for being small talk."""
    themes: list[BriefTheme] = []
    flagged: set[str] = set()
    omitted = small_talk = 0
    if theme_result is None:
        return themes, flagged, omitted, small_talk
    members_of: dict[int, list[str]] = {}
    for p, t in c.theme_of.items():
        members_of.setdefault(t, []).append(p)
    theme_n = pd.Series({t: len(m) for t, m in members_of.items()}, dtype=int)
    region_n, country_n = _counts(c.meta, "region"), _counts(c.meta, "country")

    def quotable_group(s: Sentence) -> bool:  # groups too small to show give no quote
        t = c.theme_of.get(s.post_id)
        return (
            (t is None or theme_n.get(t, 0) >= c.k)
            and (not s.region or region_n.get(s.region, 0) >= c.k)
            and (not s.country or country_n.get(s.country, 0) >= c.k)
        )

    words = [w for r in region_n.index for w in str(r).split()]
    order = sorted(
        theme_result.themes.itertuples(),
        key=lambda r: (-int(theme_n.get(int(r.theme_id), 0)), int(r.theme_id)),
    )
    for r in order:
        members = members_of.get(int(r.theme_id), [])
        if not members:
            continue
        flags = overclaim_flags(
            c.meta.loc[members],
            min_posts=c.min_posts,
            max_share=c.cfg.brief.max_share,
            k=c.k,
            overall=c.meta,
        )
        if flags:
            flagged.update(members)
        idx = [i for p in members for i in c.by_post.get(p, [])]
        if len({c.sents[i].post_id for i in idx if usable(c.sents[i])}) < (
            SUBSTANTIVE_SHARE * len(members)
        ):  # greetings, thanks and introductions
            small_talk += 1
        elif len(themes) >= c.cfg.brief.max_themes:
            omitted += 1
        else:
            themes.append(_theme(c, r, members, idx, flags, summariser, quotable_group, words))
    return themes, flagged, omitted, small_talk


def _theme(
    c: _Corpus,
    r: Any,
    members: list[str],
    idx: list[int],
    flags: list[str],
    summariser: Summariser,
    quotable_group: Any,
    words: list[str],
) -> BriefTheme:
    """One theme: its key points, lessons not repeating them, and a quote adding a voice."""
    tid = int(r.theme_id)
    pool = [c.sents[i] for i in idx]
    V = c.vecs[idx]
    summary = validated(
        summariser.summarise(pool, V, SUMMARY_SENTENCES) if pool else [],
        pool,
        type(summariser).__name__,
    )
    shown = {s.text for s in summary}
    les_i = [
        j
        for j, i in enumerate(idx)
        if c.kinds[i] in LESSON_KINDS and pool[j].text not in shown and usable(pool[j])
    ]
    if summary and les_i:  # not the summary's points again in other words
        S = V[[pool.index(x) for x in summary]]
        les_i = [j for j in les_i if (V[j] @ S.T).max() < SIMILAR_AT]
    theme_lessons = (
        KeyPointSummariser(duplicate_at=SIMILAR_AT).summarise(
            [pool[j] for j in les_i], V[les_i], THEME_LESSONS
        )
        if les_i
        else []
    )
    shown |= {s.text for s in theme_lessons}
    quotes = pick_quotes(
        pool,
        used_authors=c.used_authors,
        n=c.cfg.brief.quotes_per_theme,
        excluded_posts=c.excluded,
        rank=_quote_rank(pool, V, shown),
        allowed=quotable_group,
        allowed_words=words,
        avoid=shown,
    )
    label = c.labels.get(tid, f"Theme {tid}")
    pillar = str(getattr(r, "pillar_name", "") or "")
    return BriefTheme(
        theme_id=tid,
        label=label,
        size=len(members) if len(members) >= c.k else None,
        pillar="" if pillar in ("Unassigned", "nan") else pillar,
        keywords=str(getattr(r, "keywords", "") or ""),
        summary=[item_from(s, theme=label) for s in summary],
        lessons=[item_from(s, theme=label) for s in theme_lessons],
        quotes=[item_from(s, theme=label) for s in quotes],
        flags=flags,
    )


def _quote_rank(pool: list[Sentence], V: np.ndarray, shown: set[str]) -> list[int]:
    """Most central first; a quote adds a voice: not a sentence already shown, nor one saying
    the same thing (even about another country), from a post not cited yet when there is one."""
    rank = rank_by_centrality(pool, V)
    shown_i = [j for j, s in enumerate(pool) if s.text in shown]
    if not shown_i:
        return rank
    near = (V @ V[shown_i].T).max(axis=1) >= QUOTE_DISTINCT_AT
    same = {country_key(pool[j].text) for j in shown_i}
    rank = [j for j in rank if not near[j] and country_key(pool[j].text) not in same]
    cited = {pool[j].post_id for j in shown_i}
    return [j for j in rank if pool[j].post_id not in cited] + [
        j for j in rank if pool[j].post_id in cited
    ]


def _key_lessons(c: _Corpus, flagged: set[str]) -> list[Item]:
    """The lessons and recommendations most participants made, redundancy removed; only from
    authors who agreed to be quoted, never from a theme that rests on few voices."""
    les_idx = [
        i
        for i, s in enumerate(c.sents)
        if c.kinds[i] in LESSON_KINDS
        and usable(s)
        and s.quotable
        and s.post_id not in flagged
        and s.post_id not in c.excluded
    ]
    if not les_idx:
        return []
    L = c.vecs[les_idx]
    keys = [c.sents[i].author_id or f"post:{c.sents[i].post_id}" for i in les_idx]
    support, similar = support_counts(L, keys)
    posts_of = [c.sents[i].post_id for i in les_idx]
    out: list[Item] = []
    for j in mmr(
        L,
        support / (support.max() or 1),
        c.cfg.brief.key_lessons,
        diversity=0.3,
        groups=posts_of,
        max_per_group=1,
        duplicate_at=SIMILAR_AT,
    ):
        s = c.sents[les_idx[j]]
        also = list(dict.fromkeys(posts_of[x] for x in similar[j] if posts_of[x] != s.post_id))
        out.append(item_from(s, theme=c.label_of(s), support=int(support[j]), also=also))
    return out


def _practices(c: _Corpus, max_practices: int) -> dict[str, list[Item]]:
    """Distinct practices (sentences the classifier calls a practice, set in a country), the
    same practice in several countries listed once (with the other countries), at most two per
    country, chosen for centrality and variety; only from authors who agreed to be quoted."""
    ok = [
        i
        for i, s in enumerate(c.sents)
        if c.kinds[i] == "practice"
        and usable(s, 6, 60)
        and s.quotable
        and s.post_id not in c.excluded
    ]
    pairs = find_practices([c.sents[i] for i in ok], kinds=[("practice", 1.0)] * len(ok))
    at = {(s.post_id, s.start): i for i, s in zip(ok, [c.sents[i] for i in ok], strict=True)}
    found = [(at[(s.post_id, s.start)], country) for s, country in pairs]
    if not found:
        return {}
    groups: dict[str, list[tuple[int, str]]] = {}
    for i, country in found:
        groups.setdefault(country_key(c.sents[i].text), []).append((i, country))
    reps = [g[0] for g in groups.values()]
    others = [g[1:] for g in groups.values()]
    V = c.vecs[[i for i, _ in reps]]
    cent = V.mean(axis=0)
    cent = unit_rows(cent, dtype=cent.dtype)
    spread = np.array([len({x for _, x in g}) for g in groups.values()], dtype=float)
    rel = 0.5 * (V @ cent) + 0.5 * spread / (spread.max() or 1)
    region_of = _country_regions(c.meta)
    pick = mmr(V, rel, max_practices, diversity=0.3, groups=[x for _, x in reps], max_per_group=2)
    items: list[Item] = []
    for j in pick:
        i, country = reps[j]
        s = c.sents[i]
        items.append(
            item_from(
                s,
                theme=c.label_of(s),
                country=country,
                region=region_of.get(
                    country, s.region if canonical_country(s.country) == country else ""
                ),
                also=list(dict.fromkeys(c.sents[i2].post_id for i2, _ in others[j]))[:20],
                also_countries=list(dict.fromkeys(x for _, x in others[j] if x != country)),
            )
        )
    items.sort(key=lambda x: (x.region or "~", x.country))
    out: dict[str, list[Item]] = {}
    for it in items:
        out.setdefault(it.country, []).append(it)
    return out


def _country_regions(meta: pd.DataFrame) -> dict[str, str]:
    """Each country's most frequent region in the posts."""
    if "country" not in meta.columns or "region" not in meta.columns:
        return {}
    cr = meta[["country", "region"]].astype("string").dropna()
    cr = cr.assign(c=cr["country"].map(lambda x: canonical_country(x) or x))
    return cr.groupby("c")["region"].agg(lambda s: s.value_counts().index[0]).to_dict()


def _post_key(cfg: Config) -> bytes:
    """The pseudonym key (the same one authors get), so a post's citation is stable."""
    from kmsynth.protect import pseudonym_key

    p = cfg.privacy
    return pseudonym_key(p.key_env, p.key_file, cfg.embedding.cache_dir)
