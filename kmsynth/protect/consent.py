"""The quoting rule: quotes are opt-in (consent, and a quotable source where sources are set)."""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd

__all__ = ["quotable_mask"]


def quotable_mask(df: pd.DataFrame, quotable_sources: Sequence[str] | None) -> pd.Series:
    """Quotes are opt-in: consent_to_quote true where the column exists, and a quotable source
    where sources are configured. No consent column and no source list: nothing is quotable.
    Sources configured but no `source` column: the rows' source is unknown, so not quotable."""
    has_consent = "consent_to_quote" in df.columns
    has_sources = quotable_sources is not None
    if not has_consent and not has_sources:
        return pd.Series(False, index=df.index)
    ok = pd.Series(True, index=df.index)
    if has_consent:
        ok &= df["consent_to_quote"].fillna(False).astype(bool)
    if has_sources:
        if "source" not in df.columns:
            return pd.Series(False, index=df.index)
        allowed = {s.strip().lower() for s in quotable_sources}
        ok &= df["source"].astype(str).str.strip().str.lower().isin(allowed)
    return ok
