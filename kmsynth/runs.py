"""Runs: each command's work as one library call, used by the CLI, the notebooks and the workbench.

`run_themes`, `run_link`, `run_brief`, `run_report` and `run_demo` read, prepare, compute, write
the outputs and their manifest (`kmsynth.manifest.build_manifest`), and return what they did;
`check_config` finds every configuration problem before anything slow runs. Nothing here prints:
stage names and counts go to a `Progress` (stderr when enabled, a log record always).
"""

from __future__ import annotations

import logging
import os
import sys
import time
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import IO, Any

from kmsynth.config import Config, load_config
from kmsynth.errors import InputError, Problem
from kmsynth.manifest import build_manifest, write_json

log = logging.getLogger(__name__)
SAMPLE_DIR = Path(str(resources.files("kmsynth") / "resources" / "sample"))
SAMPLE_CONFIG = SAMPLE_DIR / "kmsynth.yml"

__all__ = [
    "SAMPLE_CONFIG",
    "SAMPLE_DIR",
    "BriefRun",
    "CodeRun",
    "LinkRun",
    "Progress",
    "ThemesRun",
    "check_config",
    "latest_month",
    "run_brief",
    "run_code",
    "run_demo",
    "run_link",
    "run_report",
    "run_themes",
]


class Progress:
    """Stage names and counts for people watching a long run; bars for embedding and fitting.

    Disabled (the default, and under cron) it only logs at DEBUG; enabled it writes one line per
    stage to `stream` (stderr) and asks embedders and theme fitting for their progress bars.
    """

    def __init__(self, enabled: bool = False, stream: IO[str] | None = None) -> None:
        self.enabled = enabled
        self.stream = stream
        self._t0 = time.perf_counter()

    def stage(self, name: str, **counts: Any) -> None:
        """Report the start of a stage, e.g. ``stage("embedding", texts=575)``."""
        detail = ", ".join(
            f"{v:,} {k}" if isinstance(v, int) else f"{k} {v}" for k, v in counts.items()
        )
        line = f"{name}" + (f" ({detail})" if detail else "")
        log.debug("%s", line)
        if self.enabled:
            elapsed = time.perf_counter() - self._t0
            print(f"kmsynth [{elapsed:5.0f} s] {line}", file=self.stream or sys.stderr, flush=True)

    @property
    def bars(self) -> bool:
        """Whether long loops should show a progress bar."""
        return self.enabled


def _progress(progress: Progress | None) -> Progress:
    return progress if progress is not None else Progress(False)


def _fit_tfidf(embedder: Any, texts: list[str]) -> None:
    if embedder.model_id.startswith("tfidf"):
        embedder.fit(texts)


# --------------------------------------------------------------------------------------------
# themes


@dataclass
class ThemesRun:
    """What `run_themes` did: the themes, the files written, the manifest, excluded rows."""

    result: Any  # kmsynth.themes.ThemeResult
    files: dict[str, Path]
    manifest: dict[str, Any]
    excluded: list[Problem] = field(default_factory=list)
    curation_messages: list[str] = field(default_factory=list)
    n_docs: int = 0


def run_themes(
    path: str | os.PathLike[str],
    out: str | os.PathLike[str],
    config: Config,
    *,
    text_col: str | None = None,
    id_col: str | None = None,
    curation: str | os.PathLike[str] | None = None,
    dask: str | None = None,
    progress: Progress | None = None,
) -> ThemesRun:
    """Themes of a file of texts: DIR/themes.csv, assignments.csv, ledger.csv, manifest.json.

    `dask` ('local' or a scheduler address) spreads reading, redaction and embedding.
    """
    from kmsynth.embed.embedders import embedder_from_config
    from kmsynth.themes import language_coverage, simple_summaries, write_theme_outputs

    t0 = time.perf_counter()
    say = _progress(progress)
    say.stage("reading and protecting", file=Path(path).name)
    prep, table, client = _prepare_documents(
        path, config, text_col=text_col, id_col=id_col, dask=dask
    )
    from kmsynth.protect import make_private_dir

    out = make_private_dir(out)  # ledger and assignments: owner-only
    prep.ledger.check()
    prep.ledger.save(out / "ledger.csv")
    embedder = embedder_from_config(config)
    _fit_tfidf(embedder, table["text"].tolist())
    say.stage("embedding and fitting themes", documents=len(table), embedder=embedder.model_id)
    result = _fit(table, config, embedder, client, show_progress=say.bars)
    messages: list[str] = []
    curation_file = curation or config.data.curation
    if curation_file:
        from kmsynth.themes.curation import Curation, apply_curation

        result, outcome = apply_curation(
            result, Curation.load(curation_file), seed=config.themes.seed
        )
        messages = outcome.messages()
    say.stage("summarising and writing", themes=len(result.themes))
    summaries = simple_summaries(result, table.set_index("doc_id")["text"], embedder)
    files = write_theme_outputs(result, out, summaries=summaries, ledger_frame=prep.ledger.frame)
    cover = (
        language_coverage(result, table["language"].tolist(), k=config.privacy.min_cell)
        if "language" in table.columns
        else None
    )
    manifest = build_manifest(
        "themes",
        sources=prep.sources,
        parameters=result.params | {"embedder": embedder.model_id},
        timings=dict(result.timings) | {"wall": time.perf_counter() - t0},
        ledger=prep.ledger.counts(),
        themes=int(len(result.themes)),
        outlier_share_before_reassignment=round(result.outlier_share, 4),
        outlier_share=round(result.outlier_share_final, 4),
        languages=cover.to_dict(orient="records") if cover is not None else [],
        curation_sha256=result.params.get("curation_sha256"),
        curation_stale=messages,
    )
    write_json(out / "manifest.json", manifest)
    files["manifest"] = out / "manifest.json"
    files["ledger"] = out / "ledger.csv"
    return ThemesRun(result, files, manifest, list(prep.errors), messages, len(table))


def _prepare_documents(
    path: Any, config: Config, *, text_col: str | None, id_col: str | None, dask: str | None
) -> tuple[Any, Any, Any]:
    from kmsynth.ingest.prepare import prepare

    if not dask:
        prep = prepare("documents", path, config, mapping=None, id_col=id_col, text_col=text_col)
        return prep, prep.table, None
    from kmsynth.ingest import client_for

    client = client_for(dask)
    prep = prepare(
        "documents", path, config, mapping=None, id_col=id_col, text_col=text_col, client=client
    )
    return prep, prep.table, client


def _fit(table: Any, config: Config, embedder: Any, client: Any, *, show_progress: bool) -> Any:
    from kmsynth.themes import fit_themes

    texts, ids = table["text"].tolist(), table["doc_id"].tolist()
    languages = table["language"].tolist() if "language" in table.columns else None
    common = {
        "seed": config.themes.seed,
        "min_theme_size": config.themes.min_theme_size,
        "n_representative_docs": config.themes.n_representative_docs,
        "cache_dir": config.embedding.cache_dir,
    }
    if client is None:
        return fit_themes(
            texts,
            ids,
            embedder=embedder,
            languages=languages or None,
            show_progress=show_progress,
            **common,
        )
    from kmsynth.themes.large import embed_distributed, fit_themes_large

    vectors = embed_distributed(texts, embedder, client)
    client.close()
    return fit_themes_large(
        texts, ids, embeddings=vectors, embedder=embedder, strata=languages, **common
    )


# --------------------------------------------------------------------------------------------
# link


@dataclass
class LinkRun:
    """What `run_link` did: the linking result, the files written and the manifest."""

    result: Any  # kmsynth.link.LinkResult
    files: dict[str, Path]
    manifest: dict[str, Any]
    n_findings: int = 0
    n_lessons: int = 0


def run_link(
    findings: str | os.PathLike[str],
    lessons: str | os.PathLike[str],
    out: str | os.PathLike[str],
    config: Config,
    *,
    top_k: int = 5,
    threshold: float | None = None,
    reviewed: str | os.PathLike[str] | None = None,
    mapping: str | os.PathLike[str] | None = None,
    progress: Progress | None = None,
) -> LinkRun:
    """Link findings to lessons: DIR/links.csv, gaps.csv, evidence_map.csv, ledgers, manifest."""
    from kmsynth.embed.embedders import embedder_from_config
    from kmsynth.ingest.prepare import prepare
    from kmsynth.link import Linker, read_reviewed

    t0 = time.perf_counter()
    say = _progress(progress)
    if top_k < 1:
        raise InputError("--top-k must be at least 1")
    if threshold is not None and not 0 <= threshold <= 1:
        raise InputError("--threshold must be between 0 and 1")
    mapping = mapping or config.data.mapping
    decisions = read_reviewed(reviewed) if reviewed else None  # fail early on a bad file
    say.stage("reading and protecting", files=2)
    f = prepare("findings", findings, config, mapping=mapping)
    les = prepare("lessons", lessons, config, mapping=mapping)
    for prep, what, file in ((f, "findings", findings), (les, "lessons", lessons)):
        if len(prep.table) == 0:
            raise InputError(
                f"no usable {what}: the file has no rows, or every row was excluded",
                file=str(file),
                hint=f"run: kmsynth validate {what} {file}",
            )
    emb = embedder_from_config(config)
    _fit_tfidf(emb, f.table["text"].tolist() + les.table["text"].tolist())
    say.stage("linking", findings=len(f.table), lessons=len(les.table))
    linker = Linker(emb, top_k=top_k, threshold=threshold, seed=config.themes.seed).fit(les.table)
    res = linker.link(f.table, reviewed=decisions)
    files = _write_link_outputs(res, Path(out), f, les)
    extra = (
        [{"file": reviewed, "sha256": None, "rows": int(len(decisions))}]
        if decisions is not None
        else []
    )
    manifest = build_manifest(
        "link",
        sources=f.sources + les.sources + extra,
        parameters=res.params,
        timings={"wall": time.perf_counter() - t0},
        ledger={"findings": f.ledger.counts(), "lessons": les.ledger.counts()},
        links=int(len(res.links)),
        rejected_carried=int(len(res.rejected)),
        findings_without_lesson=int(len(res.gaps_findings)),
        lessons_without_finding=int(len(res.gaps_lessons)),
    )
    write_json(Path(out) / "manifest.json", manifest)
    files["manifest"] = Path(out) / "manifest.json"
    return LinkRun(res, files, manifest, len(f.table), len(les.table))


def _write_link_outputs(res: Any, out: Path, f: Any, les: Any) -> dict[str, Path]:
    from kmsynth.protect import make_private_dir, write_csv

    make_private_dir(out)
    files = {}
    # links and gaps quote redacted text and ids: write_csv makes them owner-readable only
    for name, frame in (("links.csv", res.links_for_review()), ("gaps.csv", res.gaps)):
        files[name.removesuffix(".csv")] = write_csv(frame, out / name, index=False)
    write_csv(res.evidence_map, out / "evidence_map.csv")
    files["evidence_map"] = out / "evidence_map.csv"
    f.ledger.save(out / "ledger_findings.csv")
    les.ledger.save(out / "ledger_lessons.csv")
    return files


# --------------------------------------------------------------------------------------------
# brief


@dataclass
class BriefRun:
    """What `run_brief` did: the brief and the file written."""

    brief: Any  # kmsynth.synthesis.Brief
    path: Path


BRIEF_SUFFIXES = (".md", ".html", ".htm", ".docx")


def run_brief(
    path: str | os.PathLike[str],
    out: str | os.PathLike[str],
    config: Config,
    *,
    title: str = "Knowledge brief",
    mapping: str | os.PathLike[str] | None = None,
    themes: str | os.PathLike[str] | None = None,
    progress: Progress | None = None,
) -> BriefRun:
    """A knowledge brief from a discussion export, written as .md, .html or .docx.

    `themes` is a `kmsynth themes` output folder to use instead of fitting themes.
    """
    from kmsynth.embed.embedders import embedder_from_config
    from kmsynth.ingest.prepare import prepare
    from kmsynth.synthesis.brief import build_brief, load_theme_run, write_brief

    say = _progress(progress)
    if Path(out).suffix.lower() not in BRIEF_SUFFIXES:
        raise InputError("the brief's file name must end in .md, .html or .docx", file=str(out))
    say.stage("reading and protecting", file=Path(path).name)
    prep = prepare("posts", path, config, mapping=mapping or config.data.mapping)
    if len(prep.table) == 0:
        raise InputError(
            "no usable posts: every row was excluded",
            file=str(path),
            hint="run kmsynth validate posts on it to see why",
        )
    emb = embedder_from_config(config)
    _fit_tfidf(emb, prep.table["text"].tolist())
    say.stage("building the brief", posts=len(prep.table))
    theme_run = load_theme_run(themes) if themes else None
    brief = build_brief(prep.table, theme_run, title=title, config=config, embedder=emb)
    return BriefRun(brief, write_brief(brief, out))


# --------------------------------------------------------------------------------------------
# configuration check


@dataclass
class CodeRun:
    """What `run_code` did: the coding, the files written, the manifest, row problems."""

    coding: Any
    files: dict[str, Path]
    manifest: dict[str, Any]
    problems: list[Problem] = field(default_factory=list)
    documents: int = 0


def run_code(
    path: str | os.PathLike[str],
    codebook: str | os.PathLike[str],
    out: str | os.PathLike[str],
    config: Config,
    *,
    text_col: str | None = None,
    id_col: str | None = None,
    human_col: str | None = None,
    progress: Progress | None = None,
) -> CodeRun:
    """Code a file of texts against a codebook (a YAML, or 'pillars'): DIR/codes.csv,
    summary.csv, manifest.json, and with `human_col` agreement.csv and disagreements.csv."""
    from kmsynth.coding import code_corpus, load_codebook, write_coding
    from kmsynth.embed.embedders import embedder_from_config
    from kmsynth.protect import make_private_dir

    t0 = time.perf_counter()
    say = _progress(progress)
    book = load_codebook(codebook)  # a bad codebook fails before anything slow
    say.stage("reading and protecting", file=Path(path).name)
    prep, table, _ = _prepare_documents(path, config, text_col=text_col, id_col=id_col, dask=None)
    human = None
    if human_col:
        if human_col not in table.columns:
            raise InputError(
                f"no column {human_col[:40]!r} for human codes",
                file=str(path),
                column=human_col[:40],
                hint="name the column of human codes with --human-col",
            )
        human = table[human_col].tolist()
    out = make_private_dir(out)
    embedder = embedder_from_config(config)
    texts = table["text"].astype(str).tolist()
    _fit_tfidf(embedder, texts)
    say.stage("embedding and coding", documents=len(texts), codes=len(book))
    coding = code_corpus(
        texts,
        table["doc_id"].astype(str).tolist(),
        book,
        embedder,
        k=config.privacy.min_cell,
        human=human,
    )
    files = {p.stem: p for p in write_coding(coding, out)}
    micro = None
    if coding.agreement is not None:
        micro = coding.agreement.set_index("scope").loc["micro", ["f1", "kappa"]].to_dict()
    manifest = build_manifest(
        "code",
        sources=prep.sources,
        parameters={
            "codebook": Path(str(codebook)).name,
            "codes": len(book),
            "examples": sum(len(c.examples) for c in book.codes),
            "embedder": embedder.model_id,
            "human_col": human_col,
            "min_cell": config.privacy.min_cell,
        },
        timings={"wall": time.perf_counter() - t0},
        ledger=prep.ledger.counts(),
        documents=len(texts),
        coded=int(coding.codes["doc_id"].nunique()),
        agreement_micro=micro,
        candidate_codes=coding.candidates,
    )
    write_json(out / "manifest.json", manifest, private=True)
    files["manifest"] = out / "manifest.json"
    return CodeRun(coding, files, manifest, list(prep.errors), len(texts))


def check_config(
    config: str | os.PathLike[str] | Config | None,
    *,
    need_posts: bool = False,
    overrides: dict[str, Any] | None = None,
) -> list[Problem]:
    """Every configuration problem, found without reading the data or loading a model.

    Checks the YAML and each setting, that configured files exist and that the mapping and
    curation files are readable, that the embedder is on this machine, and the output folder.
    """
    name = str(config) if isinstance(config, (str, os.PathLike)) else "the configuration"
    problems: list[Problem] = []
    if isinstance(config, Config):
        cfg = config
    else:
        try:
            cfg = load_config(config)
        except InputError as exc:
            problems, cfg = _settings_problems(config, exc, name)
            if cfg is None:
                return problems
    try:
        cfg = cfg.with_overrides(overrides or {})
    except InputError as exc:
        return [*problems, _problem(exc, name)]
    return problems + _file_problems(cfg, name, need_posts) + _other_problems(cfg, name)


def _problem(exc: InputError, name: str, rule: str = "config") -> Problem:
    return Problem(
        file=exc.file or name,
        rule=rule,
        message=exc.message,
        hint=exc.hint,
        row=exc.row,
        column=exc.column,
    )


def _settings_problems(
    path: str | os.PathLike[str] | None, exc: InputError, name: str
) -> tuple[list[Problem], Config | None]:
    """All invalid settings at once (load_config stops at the first), and the config without them
    (None when the file cannot be read at all), so the other checks still run."""
    import yaml
    from pydantic import ValidationError

    try:
        raw = yaml.safe_load(Path(path).read_text(encoding="utf-8")) if path else None
    except (OSError, UnicodeDecodeError, yaml.YAMLError):
        raw = None
    if not isinstance(raw, dict):
        return [_problem(exc, name)], None
    problems = []
    base = Path(str(path)).resolve()
    for _ in range(50):
        try:
            cfg = Config.model_validate({**raw, "source_file": base})
            break
        except ValidationError as err:
            for e in err.errors():
                problems.append(Problem(
                    file=str(path), rule="setting", column=".".join(map(str, e["loc"])),
                    message=f"invalid setting: {e['msg']}",
                    hint="see README.md, section 'Your own data', for every setting"))
                _drop(raw, e["loc"])
    else:
        return problems, None
    return problems, cfg.resolved(base.parent)


def _drop(raw: dict[str, Any], loc: tuple[Any, ...]) -> None:
    """Remove the setting at `loc` (so the defaults stand in for an invalid value)."""
    node: Any = raw
    for key in loc[:-1]:
        if not isinstance(node, dict) or key not in node:
            return
        node = node[key]
    if isinstance(node, dict):
        node.pop(loc[-1], None)
    elif isinstance(node, list) and isinstance(loc[-1], int) and loc[-1] < len(node):
        node.pop(loc[-1])


def _file_problems(cfg: Config, name: str, need_posts: bool) -> list[Problem]:
    from kmsynth.ingest import load_mapping
    from kmsynth.themes.curation import Curation

    out: list[Problem] = []
    if need_posts and cfg.data.posts is None:
        out.append(
            Problem(
                file=name,
                rule="missing",
                column="data.posts",
                message="no posts file",
                hint="set data.posts or pass --posts",
            )
        )
    for kind in ("posts", "survey", "findings", "lessons", "mapping", "store"):
        p = getattr(cfg.data, kind)
        if p is not None and kind != "store" and not Path(p).is_file():
            out.append(
                Problem(
                    file=name,
                    rule="missing",
                    column=f"data.{kind}",
                    message=f"the {kind} file does not exist: {Path(p).name}",
                    hint=f"check data.{kind} in the config or the --{kind} flag",
                )
            )
    checks: list[tuple[str, Any]] = []
    if cfg.data.mapping is not None and Path(cfg.data.mapping).is_file():
        for kind in ("posts", "survey", "findings", "lessons"):
            checks.append(("data.mapping", lambda k=kind: load_mapping(cfg.data.mapping, k)))
    if cfg.data.curation is not None:  # a missing or empty file means no decisions yet
        checks.append(("data.curation", lambda: Curation.load(cfg.data.curation)))
    for column, check in checks:
        try:
            check()
        except InputError as exc:
            out.append(
                _problem(exc, name)
                if exc.file
                else Problem(
                    file=name, rule="config", column=column, message=exc.message, hint=exc.hint
                )
            )
    return out


def _other_problems(cfg: Config, name: str) -> list[Problem]:
    from kmsynth.embed.embedders import get_embedder

    out: list[Problem] = []
    e = cfg.embedding
    try:  # constructs the embedder (checks the model is on disk) without loading weights
        get_embedder(e.model if (e.embedder == "minilm" and e.model) else e.embedder)
    except InputError as exc:
        out.append(
            Problem(
                file=name,
                rule="config",
                column="embedding.embedder",
                message=exc.message,
                hint=exc.hint,
            )
        )
    if cfg.report.notebook is not None and not Path(cfg.report.notebook).is_file():
        out.append(
            Problem(
                file=name,
                rule="missing",
                column="report.notebook",
                message="the report notebook does not exist",
                hint="remove report.notebook to use the bundled one",
            )
        )
    folder = Path(cfg.report.out)
    existing = next((p for p in (folder, *folder.parents) if p.exists()), None)
    if existing is None or not existing.is_dir() or not os.access(existing, os.W_OK | os.X_OK):
        out.append(
            Problem(
                file=name,
                rule="output",
                column="report.out",
                message="the reports folder cannot be written",
                hint="choose a folder you can write to (report.out or --out)",
            )
        )
    return out


# --------------------------------------------------------------------------------------------
# report and demo


def run_report(
    month: str,
    *,
    config: str | os.PathLike[str] | None = None,
    out: str | os.PathLike[str] | None = None,
    posts: str | None = None,
    survey: str | None = None,
    findings: str | None = None,
    lessons: str | None = None,
    embedder: str | None = None,
    seed: int | None = None,
    curation: str | None = None,
    dask: str | None = None,
    replace_complete: bool = False,
    notebook: Path | None = None,
    progress: Progress | None = None,
) -> Any:
    """Check the configuration, then render reports/YYYY-MM/ (see `render_monthly_report`).

    Raises InputError listing every configuration problem before anything slow runs.
    """
    from kmsynth.report import check_month, render_monthly_report

    say = _progress(progress)
    month = check_month(month)
    say.stage("checking the configuration")
    over = {
        f"data.{k}": v
        for k, v in (
            ("posts", posts),
            ("survey", survey),
            ("findings", findings),
            ("lessons", lessons),
            ("curation", curation),
        )
    }
    over |= {
        "embedding.embedder": embedder,
        "themes.seed": seed,
        "report.out": Path(out).resolve() if out else None,
    }
    problems = check_config(config, need_posts=True, overrides=over)
    if problems:
        raise InputError(
            f"{len(problems)} problem(s) in the configuration",
            file=str(config) if config else None,
            hint="fix each one, then check again: kmsynth check --config FILE",
            problems=problems,
        )
    return render_monthly_report(
        month,
        config_path=config,
        out=out,
        posts=posts,
        survey=survey,
        findings=findings,
        lessons=lessons,
        embedder=embedder,
        seed=seed,
        curation=curation,
        dask=dask,
        notebook=notebook,
        replace_complete=replace_complete,
        on_stage=say.stage,
    )


def latest_month(config: str | os.PathLike[str]) -> str:
    """The latest month with posts in the configured posts file ('YYYY-MM')."""
    import pandas as pd

    from kmsynth.ingest import load_table

    cfg = load_config(config)
    loaded = load_table("posts", cfg.data.posts, mapping=cfg.data.mapping)
    dates = pd.to_datetime(loaded.table["created_at"], utc=True, errors="coerce").dropna()
    if dates.empty:
        raise InputError("the posts file has no dated posts", file=str(cfg.data.posts))
    return dates.max().strftime("%Y-%m")


def run_demo(out: str | os.PathLike[str] = "reports", *, progress: Progress | None = None) -> Any:
    """The monthly report of the bundled sample's latest month, rendered into `out`.

    The embedding cache goes to `out/.kmsynth-cache`: nothing is written inside the package.
    """
    if not SAMPLE_CONFIG.is_file():
        raise InputError(
            "the bundled sample data is missing from this installation",
            file=SAMPLE_CONFIG.name,
            hint="reinstall kmsynth (pip install kmsynth)",
        )
    month = latest_month(SAMPLE_CONFIG)
    out = Path(out).resolve()
    demo_config = _demo_config(out)
    return run_report(month, config=demo_config, out=out, progress=progress)


def _demo_config(out: Path) -> Path:
    """A copy of the sample config whose paths point into the package and caches into `out`."""
    import yaml

    raw = yaml.safe_load(SAMPLE_CONFIG.read_text("utf-8")) or {}
    for key, value in (raw.get("data") or {}).items():
        if value is not None:
            raw["data"][key] = str((SAMPLE_DIR / value).resolve())
    raw.setdefault("embedding", {})["cache_dir"] = str(out / ".kmsynth-cache")
    out.mkdir(parents=True, exist_ok=True)
    path = out / ".demo-kmsynth.yml"
    path.write_text(yaml.safe_dump(raw, allow_unicode=True, sort_keys=False), encoding="utf-8")
    os.chmod(path, 0o600)  # it holds the sample's block list of names
    return path
