"""Codebooks: the frameworks evaluators and survey analysts code against.

A codebook file (YAML)::

    codes:
      - id: access
        name: Access to services
        description: Waiting times, appointments, distance, cost.   # optional
        examples: ["We waited three months for a first appointment."]  # optional
        parent: services                                             # optional

The programme's six pillars ship as the built-in codebook `pillars`.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path

import yaml

from kmsynth.errors import InputError, Problem

BUILTIN = ("pillars",)
_FIELDS = {"id", "name", "description", "examples", "parent"}


@dataclass(frozen=True)
class Code:
    """One code: an id, a name, an optional description, example answers and a parent id."""

    id: str
    name: str
    description: str = ""
    examples: tuple[str, ...] = ()
    parent: str = ""

    @property
    def label_text(self) -> str:
        """What the code says about itself: its name, then its description."""
        return f"{self.name}: {self.description}" if self.description else self.name


@dataclass(frozen=True)
class Codebook:
    """An ordered set of codes with unique ids; `source` names the file it came from."""

    codes: tuple[Code, ...]
    source: str = ""
    _index: dict[str, int] = field(default_factory=dict, compare=False, repr=False)

    def __post_init__(self) -> None:
        self._index.update({c.id: i for i, c in enumerate(self.codes)})

    def __len__(self) -> int:
        return len(self.codes)

    @property
    def ids(self) -> list[str]:
        return [c.id for c in self.codes]

    def get(self, code_id: str) -> Code:
        """The code with this id; InputError naming the allowed ids when there is none."""
        if code_id not in self._index:
            raise InputError(
                f"unknown code {code_id!r}",
                file=self.source or None,
                hint=f"codes in this codebook: {', '.join(self.ids[:20])}",
            )
        return self.codes[self._index[code_id]]

    def with_examples(self, examples: dict[str, Sequence[str]]) -> Codebook:
        """A copy with more example answers per code id (the analyst's one-click examples)."""
        codes = []
        for c in self.codes:
            more = tuple(str(t) for t in examples.get(c.id, ()) if str(t).strip())
            codes.append(replace(c, examples=tuple(dict.fromkeys(c.examples + more))))
        return Codebook(tuple(codes), self.source)


def _text(value: object) -> str:
    return "" if value is None else str(value).strip()


def _problem(
    file: str, row: int | None, message: str, hint: str, column: str | None = None
) -> Problem:
    return Problem(file=file, rule="codebook", message=message, hint=hint, row=row, column=column)


def _check_entry(raw: object, i: int, file: str) -> tuple[Code | None, list[Problem]]:
    row = i + 1
    if not isinstance(raw, dict):
        return None, [
            _problem(
                file,
                row,
                "a code must be a mapping with id and name",
                "write each code as '- id: ...' then 'name: ...'",
            )
        ]
    problems = []
    unknown = sorted(set(map(str, raw)) - _FIELDS)
    if unknown:
        problems.append(
            _problem(
                file,
                row,
                f"unknown field(s) {', '.join(u[:40] for u in unknown)}",
                "fields are id, name, description, examples, parent",
            )
        )
    cid, name = _text(raw.get("id")), _text(raw.get("name"))
    if not cid:
        problems.append(
            _problem(file, row, "a code has no id", "give every code a short unique id", "id")
        )
    if not name:
        problems.append(
            _problem(
                file,
                row,
                "a code has an empty name",
                "give every code a name (a few words)",
                "name",
            )
        )
    examples = raw.get("examples") or []
    if isinstance(examples, str) or not isinstance(examples, list):
        problems.append(
            _problem(
                file,
                row,
                "examples must be a list of answer texts",
                'write examples: ["...", "..."]',
                "examples",
            )
        )
        examples = []
    code = Code(
        cid,
        name,
        _text(raw.get("description")),
        tuple(_text(x) for x in examples if _text(x)),
        _text(raw.get("parent")),
    )
    return code, problems


def codebook_from_entries(entries: Iterable[object], source: str = "") -> Codebook:
    """Validate codebook entries (dicts) in one pass: every problem is reported at once
    (duplicate ids, empty names, unknown parents, parent cycles), each with its entry number."""
    codes: list[Code] = []
    problems: list[Problem] = []
    for i, raw in enumerate(entries):
        code, found = _check_entry(raw, i, source)
        problems += found
        if code is not None:
            codes.append(code)
    seen: dict[str, int] = {}
    for i, c in enumerate(codes):
        if c.id and c.id in seen:
            problems.append(
                _problem(
                    source,
                    i + 1,
                    f"code id {c.id[:40]!r} is used twice (entries {seen[c.id]} and {i + 1})",
                    "make every code id unique",
                    "id",
                )
            )
        seen.setdefault(c.id, i + 1)
    for i, c in enumerate(codes):
        if c.parent and c.parent not in seen:
            problems.append(
                _problem(
                    source,
                    i + 1,
                    f"parent {c.parent[:40]!r} is not a code of this codebook",
                    "use the id of another code, or leave parent out",
                    "parent",
                )
            )
    problems += _cycles(codes, source)
    if not codes and not problems:
        problems.append(
            _problem(source, None, "the codebook has no codes", "list codes under 'codes:'")
        )
    if problems:
        raise InputError(
            f"the codebook has {len(problems)} problem(s)",
            file=source or None,
            problems=problems,
            hint="fix each entry listed (entries are numbered from 1)",
        )
    return Codebook(tuple(codes), source)


def _cycles(codes: Sequence[Code], source: str) -> list[Problem]:
    parent = {c.id: c.parent for c in codes}
    out = []
    for i, c in enumerate(codes):
        seen, p = {c.id}, parent.get(c.id, "")
        while p and p in parent:
            if p in seen:
                out.append(
                    _problem(
                        source,
                        i + 1,
                        f"code {c.id[:40]!r} is its own ancestor",
                        "parents must form a tree",
                        "parent",
                    )
                )
                break
            seen.add(p)
            p = parent[p]
    return out


def pillars_codebook() -> Codebook:
    """The programme's six pillars as a codebook (ids p1..p6; seed words as description)."""
    from kmsynth.ingest.schemas import pillars

    codes = tuple(Code(f"p{p.id}", p.name, ", ".join(p.seed_words[:12])) for p in pillars())
    return Codebook(codes, "pillars")


def load_codebook(path: str | Path) -> Codebook:
    """Read a codebook YAML, or the built-in one by name ('pillars')."""
    if str(path) in BUILTIN:
        return pillars_codebook()
    p = Path(path)
    if not p.is_file():
        raise InputError(
            "codebook file not found",
            file=str(p),
            hint="give the path of a codebook YAML, or 'pillars' for the built-in",
        )
    try:
        raw = yaml.safe_load(p.read_text(encoding="utf-8")) or {}
    except (yaml.YAMLError, UnicodeDecodeError) as exc:
        mark = getattr(exc, "problem_mark", None)
        raise InputError(
            "the codebook is not valid YAML",
            file=str(p),
            row=(mark.line + 1) if mark else None,
            hint="check indentation and quoting on that line",
        ) from None
    entries = raw.get("codes") if isinstance(raw, dict) else None
    if not isinstance(entries, list):
        raise InputError(
            "the codebook must have a list under 'codes:'",
            file=str(p),
            hint="start the file with 'codes:' and one '- id: ...' entry per code",
        )
    return codebook_from_entries(entries, str(p))
