"""The analysis notebooks run top to bottom under papermill on the bundled sample, and their
rendered HTML carries no raw data markup."""

from __future__ import annotations

from pathlib import Path

import nbformat
import papermill as pm
import pytest

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = ROOT / "data" / "sample"


@pytest.mark.slow
@pytest.mark.parametrize(
    "name,params",
    [
        ("discussion_brief", {"posts": str(SAMPLE / "posts.csv")}),
        (
            "evaluation_links",
            {"findings": str(SAMPLE / "findings.xlsx"), "lessons": str(SAMPLE / "lessons.xlsx")},
        ),
        ("survey_synthesis", {"survey": str(SAMPLE / "survey.csv")}),
    ],
)
def test_notebook_runs_and_renders_safely(name: str, params: dict, tmp_path: Path) -> None:
    from nbconvert import HTMLExporter

    out = tmp_path / f"{name}.ipynb"
    pm.execute_notebook(
        str(ROOT / "notebooks" / f"{name}.ipynb"),
        str(out),
        kernel_name="python3",
        parameters={**params, "config_path": str(SAMPLE / "kmsynth.yml"), "embedder": "tfidf"},
        cwd=str(ROOT / "notebooks"),
        progress_bar=False,
    )
    nb = nbformat.read(out, as_version=4)
    assert not [
        o
        for c in nb.cells
        if c.cell_type == "code"
        for o in c.get("outputs", [])
        if o.get("output_type") == "error"
    ]
    exp = HTMLExporter(template_name="lab")
    exp.exclude_input = True
    page, _ = exp.from_notebook_node(nb)
    assert "<script>alert" not in page and "onerror=alert(1)>" not in page
    assert "example.org" not in page and "+254 712" not in page
