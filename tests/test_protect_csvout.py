"""CSV outputs neutralise spreadsheet formulas and are owner-only (RELIABILITY 7a, 12)."""

import os
import stat

import pandas as pd

from kmsynth.protect import neutralise_formulas, write_csv

NASTY = ['=HYPERLINK("http://x","y")', "+cmd", "-2+3", "@SUM(A1)", "\t=1", "\r=1"]


def _mode(p) -> int:
    return stat.S_IMODE(os.stat(p).st_mode)


def test_neutralise_strings_labels_keep_numbers():
    f = pd.DataFrame({"id": NASTY, "n": [1, -2, 3, 4, 5, 6], "=x": ["a", "ok", None, "b", "", "c"]})
    out = neutralise_formulas(f)
    assert out["id"].tolist() == ["'" + v for v in NASTY]
    assert out["n"].tolist() == [1, -2, 3, 4, 5, 6]
    assert out["n"].dtype == f["n"].dtype
    assert list(out.columns) == ["id", "n", "'=x"]
    assert out["'=x"].isna().sum() == 1
    assert f["id"].tolist() == NASTY  # input untouched


def test_write_csv_round_trip_modes_and_atomic(tmp_path):
    f = pd.DataFrame({"id": NASTY, "n": [1, -2, 3, 4, 5, 6]}, index=pd.Index(NASTY, name="@k"))
    p = write_csv(f, tmp_path / "a" / "b" / "out.csv")
    back = pd.read_csv(p, index_col=0, keep_default_na=False)
    assert back["id"].tolist() == ["'" + v for v in NASTY]
    assert back.index.tolist() == ["'" + v for v in NASTY]
    assert back.index.name == "'@k"
    assert back["n"].tolist() == [1, -2, 3, 4, 5, 6]
    assert _mode(p) == 0o600
    assert _mode(tmp_path / "a") == 0o700 and _mode(tmp_path / "a" / "b") == 0o700
    assert [x.name for x in p.parent.iterdir()] == ["out.csv"]  # no temporary left


def test_write_csv_failure_keeps_previous_file(tmp_path, monkeypatch):
    p = write_csv(pd.DataFrame({"a": [1]}), tmp_path / "x.csv", index=False)
    before = p.read_text()

    def boom(self, *a, **k):
        raise OSError("disk full")

    monkeypatch.setattr(pd.DataFrame, "to_csv", boom)
    try:
        write_csv(pd.DataFrame({"a": [2]}), p, index=False)
    except OSError:
        pass
    assert p.read_text() == before
    assert [x.name for x in tmp_path.iterdir()] == ["x.csv"]
