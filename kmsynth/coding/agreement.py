"""Agreement between two codings of the same documents (machine vs human, or two humans).

Each coding is a set of codes per document (multi-label; an empty set is "no code"). Reported:
micro and macro F1 over codes, Cohen's kappa per code (presence/absence over all documents), and
the documents where the two codings differ, for review.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

AGREEMENT_COLUMNS = [
    "scope",
    "code_id",
    "documents",
    "machine",
    "human",
    "both",
    "precision",
    "recall",
    "f1",
    "kappa",
]


def split_codes(value: object, sep: str = ";") -> frozenset[str]:
    """'a; b' -> {'a', 'b'}; blanks, NaN and None -> the empty set."""
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return frozenset()
    return frozenset(s.strip() for s in str(value).split(sep) if s.strip())


def _f1(tp: int, fp: int, fn: int) -> tuple[float, float, float]:
    p = tp / (tp + fp) if tp + fp else 0.0
    r = tp / (tp + fn) if tp + fn else 0.0
    return p, r, (2 * p * r / (p + r) if p + r else 0.0)


def _kappa(a: np.ndarray, b: np.ndarray) -> float:
    """Cohen's kappa of two boolean vectors (NaN when both raters never vary)."""
    n = len(a)
    if not n:
        return float("nan")
    po = float(np.mean(a == b))
    pa, pb = float(np.mean(a)), float(np.mean(b))
    pe = pa * pb + (1 - pa) * (1 - pb)
    return float("nan") if pe >= 1 else (po - pe) / (1 - pe)


def agreement(
    machine: Mapping[str, frozenset[str]], human: Mapping[str, frozenset[str]], codes: Sequence[str]
) -> pd.DataFrame:
    """One row per code plus 'micro' and 'macro' rows: counts, precision, recall, F1, kappa.

    Documents are those `human` codes (a document the machine left out counts as no code)."""
    docs = list(human)
    rows = []
    tot = [0, 0, 0]
    for code in codes:
        m = np.array([code in machine.get(d, frozenset()) for d in docs])
        h = np.array([code in human[d] for d in docs])
        tp, fp, fn = int((m & h).sum()), int((m & ~h).sum()), int((~m & h).sum())
        tot = [tot[0] + tp, tot[1] + fp, tot[2] + fn]
        p, r, f = _f1(tp, fp, fn)
        rows.append(
            {
                "scope": "code",
                "code_id": code,
                "documents": len(docs),
                "machine": int(m.sum()),
                "human": int(h.sum()),
                "both": tp,
                "precision": p,
                "recall": r,
                "f1": f,
                "kappa": _kappa(m, h),
            }
        )
    per_code = pd.DataFrame(rows, columns=AGREEMENT_COLUMNS)
    p, r, f = _f1(*tot)
    present = per_code[per_code["human"] + per_code["machine"] > 0]
    micro = {
        "scope": "micro",
        "code_id": "",
        "documents": len(docs),
        "machine": tot[0] + tot[1],
        "human": tot[0] + tot[2],
        "both": tot[0],
        "precision": p,
        "recall": r,
        "f1": f,
        "kappa": float(np.nanmean(present["kappa"])) if len(present) else float("nan"),
    }
    macro = {
        "scope": "macro",
        "code_id": "",
        "documents": len(docs),
        "machine": micro["machine"],
        "human": micro["human"],
        "both": tot[0],
        "precision": float(present["precision"].mean()) if len(present) else 0.0,
        "recall": float(present["recall"].mean()) if len(present) else 0.0,
        "f1": float(present["f1"].mean()) if len(present) else 0.0,
        "kappa": micro["kappa"],
    }
    return pd.concat([pd.DataFrame([micro, macro]), per_code], ignore_index=True)


def disagreements(
    machine: Mapping[str, frozenset[str]], human: Mapping[str, frozenset[str]]
) -> pd.DataFrame:
    """Documents whose two codings differ: doc_id, machine codes, human codes, only_machine,
    only_human (codes joined by '; '), in the humans' document order."""
    rows = []
    for d, h in human.items():
        m = machine.get(d, frozenset())
        if m != h:
            rows.append(
                {
                    "doc_id": d,
                    "machine": "; ".join(sorted(m)),
                    "human": "; ".join(sorted(h)),
                    "only_machine": "; ".join(sorted(m - h)),
                    "only_human": "; ".join(sorted(h - m)),
                }
            )
    return pd.DataFrame(rows, columns=["doc_id", "machine", "human", "only_machine", "only_human"])
