"""The workbench widgets without a browser: refused decisions show why and write nothing,
accepted ones are saved and redrawn (escaped), undo removes the last one; figures carry
their data and plotly.js as HTML (what nbconvert's export keeps)."""

from __future__ import annotations

from pathlib import Path

from kmsynth.themes import Curation
from kmsynth.workbench import (
    Workbench,
    WorkbenchApp,
    figure_html,
    theme_hierarchy,
    theme_map,
    themes_over_time,
)
from tests.test_workbench_ids import _posts


def test_widgets_check_save_redraw_and_undo(tmp_path: Path) -> None:
    _posts(tmp_path / "posts.csv")
    (tmp_path / "kmsynth.yml").write_text(
        "data:\n  posts: posts.csv\nembedding:\n  embedder: tfidf\n  cache_dir: cache\n",
        encoding="utf-8")
    wb = Workbench(tmp_path / "kmsynth.yml")
    app = WorkbenchApp(wb)
    app.name.value = "  "
    app.buttons["Rename"].click()
    assert "1 to 120 characters" in app.message.value
    assert not (tmp_path / "curation.yml").exists()
    app.others.value = (app.theme.value,)
    app.buttons["Merge into this theme"].click()
    assert "two different themes" in app.message.value
    app.name.value = "<script>alert(1)</script> Shelters"
    app.buttons["Rename"].click()
    assert "done" in app.message.value and "Reports do not read it yet" in app.message.value
    assert "<script>alert" not in app.table.value + app.message.value + app.detail.value
    assert "&lt;script&gt;" in app.table.value  # redrawn with the new (escaped) name
    app.pillar.value = 4
    app.buttons["Set pillar"].click()
    assert Curation.load(tmp_path / "curation.yml").decisions[-1]["pillar"] == 4
    app.buttons["Undo last decision"].click()
    assert [d["action"] for d in Curation.load(tmp_path / "curation.yml").decisions] == ["rename"]
    month = wb.month
    first = figure_html(theme_map(wb, month), name="map", with_js=True)
    assert "Plotly.newPlot" in first and len(first) > 1_000_000  # plotly.js inline, no CDN
    for fig in (theme_hierarchy(wb, month), themes_over_time(wb, month)):
        page = figure_html(fig, name="x", with_js=False)
        assert "Plotly.newPlot" in page and "cdn.plot.ly" not in page
