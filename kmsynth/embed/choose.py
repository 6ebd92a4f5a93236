"""`embedding.embedder: auto`: the right model for the corpus, chosen by a stated rule.

Rule: when at least `AUTO_SHARE` (10 %) of the texts whose language could be told are in a
language other than English, the multilingual encoder (USE multilingual v3, 16 languages) is
used, else minilm (all-MiniLM-L6-v2, English). An English-only model places texts of other
languages by language rather than by topic (themes split by language); below 10 % the few
other-language texts cost less than minilm's better English themes gain (figures in
benchmarks/bench_multilingual.py). The choice and its reason go into the manifest.
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

log = logging.getLogger(__name__)

AUTO_SHARE = 0.10
UNKNOWN = frozenset({"", "und", "unknown", "nan", "none"})


@dataclass(frozen=True)
class EmbedderChoice:
    """Which model `auto` picked and why (for the manifest and the report's method section)."""

    name: str
    reason: str
    non_english_share: float
    languages: dict[str, int] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def choose_embedder(languages: Sequence[str], share: float = AUTO_SHARE) -> EmbedderChoice:
    """Apply the rule to the language codes of a corpus (one per text; 'und' is not counted)."""
    counts = Counter(str(x).strip().lower() or "und" for x in languages)
    known = {k: v for k, v in counts.items() if k not in UNKNOWN}
    total = sum(known.values())
    other = total - known.get("en", 0)
    frac = other / total if total else 0.0
    langs = dict(sorted(known.items(), key=lambda kv: -kv[1]))
    if total and frac >= share:
        why = (f"{100 * frac:.0f}% of texts with a known language are not in English "
               f"(threshold {100 * share:.0f}%): multilingual encoder")
        return EmbedderChoice("multilingual", why, round(frac, 4), langs)
    why = (f"{100 * frac:.0f}% of texts with a known language are not in English "
           f"(below {100 * share:.0f}%): English model")
    return EmbedderChoice("minilm", why, round(frac, 4), langs)


class AutoEmbedder:
    """Picks minilm or the multilingual encoder from the texts it first sees (fit or encode),
    then behaves as that embedder. `choice` holds the decision; `model_id` is the chosen
    model's, so caches and stable theme ids never mix the two."""

    def __init__(self, cache_dir: str | Path | None = None, batch_size: int = 64,
                 languages: Sequence[str] | None = None) -> None:
        self.cache_dir = cache_dir
        self.batch_size = batch_size
        self.languages = languages
        self.choice: EmbedderChoice | None = None
        self._inner: Any = None

    def _decide(self, texts: Sequence[str]) -> Any:
        if self._inner is None:
            langs = self.languages
            if langs is None or len(langs) != len(texts):
                from kmsynth.protect.languages import detect_languages

                langs = detect_languages(["" if t is None else str(t) for t in texts])
            self.choice = choose_embedder(langs)
            log.info("embedder auto: %s", self.choice.reason)
            from kmsynth.embed.embedders import get_embedder

            self._inner = get_embedder(self.choice.name, cache_dir=self.cache_dir,
                                       batch_size=self.batch_size)
        return self._inner

    @property
    def model_id(self) -> str:
        """The chosen model's id; 'auto' until fit or encode has seen the texts."""
        return "auto" if self._inner is None else str(self._inner.model_id)

    @property
    def dim(self) -> int:
        if self._inner is None:
            raise RuntimeError("AutoEmbedder has not chosen a model yet: call fit or encode")
        return int(self._inner.dim)

    def fit(self, texts: Sequence[str]) -> AutoEmbedder:
        self._decide(texts).fit(texts)
        return self

    def encode(self, texts: Sequence[str], show_progress: bool = False) -> np.ndarray:
        return self._decide(texts).encode(texts, show_progress=show_progress)

    def __getattr__(self, name: str) -> Any:  # last_counts, folder, ... of the chosen embedder
        if name.startswith("_") or self.__dict__.get("_inner") is None:
            raise AttributeError(name)
        return getattr(self._inner, name)
