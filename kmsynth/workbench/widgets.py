"""The workbench as ipywidgets (JupyterLab, offline): pick a month, read a theme's posts and
summary, rename, merge, split, set a pillar, keep a post out of quotes, undo.

Every action goes through `Workbench`'s checked decisions: a refused one shows its message and
what is allowed; an accepted one is written to the curation file and the view is redrawn.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from kmsynth import html as h
from kmsynth.errors import InputError
from kmsynth.ingest.schemas import pillars
from kmsynth.workbench.core import Workbench


class WorkbenchApp:
    """The widgets around one Workbench; `app.view` is the box to display."""

    def __init__(self, wb: Workbench, month: str | None = None) -> None:
        import ipywidgets as w

        self.wb = wb
        months = wb.months(with_themes=True)
        self.month = w.Dropdown(options=months, value=month or wb.month, description="Month")
        self.theme = w.Select(
            options=[], rows=10, description="Theme", layout=w.Layout(width="460px")
        )
        self.table = w.HTML()
        self.detail = w.HTML(layout=w.Layout(width="560px"))
        self.message = w.HTML()
        self.by = w.Text(placeholder="your name", description="By")
        self.name = w.Text(placeholder="new name", description="Name")
        self.pillar = w.Dropdown(options=[(p.name, p.id) for p in pillars()], description="Pillar")
        self.others = w.SelectMultiple(options=[], rows=5, description="Merge")
        self.parts = w.BoundedIntText(value=2, min=2, max=10, description="Parts")
        self.post = w.Dropdown(options=[], description="Post")
        self.buttons = {
            label: w.Button(description=label, layout=w.Layout(width="200px"))
            for label in (
                "Rename",
                "Set pillar",
                "Merge into this theme",
                "Split",
                "Keep out of quotes",
                "Undo last decision",
            )
        }
        actions: dict[str, Callable[[], Any]] = {
            "Rename": lambda: wb.rename(self.current(), self.name.value, **self._who()),
            "Set pillar": lambda: wb.set_pillar(self.current(), self.pillar.value, **self._who()),
            "Merge into this theme": lambda: wb.merge(
                list(self.others.value), self.current(), **self._who()
            ),
            "Split": lambda: wb.split(self.current(), self.parts.value, **self._who()),
            "Keep out of quotes": lambda: wb.exclude_quote(self.post.value or "", **self._who()),
            "Undo last decision": wb.undo,
        }
        for label, act in actions.items():
            self.buttons[label].on_click(lambda _b, act=act, label=label: self.act(label, act))
        self.month.observe(lambda _c: self.refresh(), names="value")
        self.theme.observe(lambda _c: self.show_theme(), names="value")
        self.view = self._layout()
        self.refresh()

    def _layout(self) -> Any:
        """The app's boxes: month, theme table, theme list with its tools, detail, messages."""
        import ipywidgets as w

        b = self.buttons
        tools = w.VBox(
            [
                self.by,
                w.HBox([self.name, b["Rename"]]),
                w.HBox([self.pillar, b["Set pillar"]]),
                w.HBox([self.others, b["Merge into this theme"]]),
                w.HBox([self.parts, b["Split"]]),
                w.HBox([self.post, b["Keep out of quotes"]]),
                b["Undo last decision"],
            ]
        )
        return w.VBox(
            [
                self.month,
                self.table,
                w.HBox([w.VBox([self.theme, tools]), self.detail]),
                self.message,
            ]
        )

    def _who(self) -> dict[str, Any]:
        return {"month": self.month.value, "by": self.by.value.strip()}

    def current(self) -> int:
        if self.theme.value is None:
            raise InputError("no theme is selected", hint="pick a theme in the list")
        return int(self.theme.value)

    def act(self, label: str, action: Callable[[], Any]) -> None:
        """Run one decision; show what was done or why it was refused; redraw."""
        try:
            d = action()
        except InputError as exc:
            self.message.value = f'<p class="kmwb-error">{h.esc(label)}: {h.esc(exc)}</p>'
            return
        what = ", ".join(f"{k} {v}" for k, v in d.items() if k not in ("by", "at", "why"))
        file = h.esc(self.wb.curation.path.name)
        unread = (
            f" Reports do not read it yet: add <code>curation: {file}</code> under "
            "<code>data:</code> in kmsynth.yml."
            if self.wb.config.data.curation is None
            else ""
        )
        self.message.value = (
            f'<p class="kmwb-done">{h.esc(label)} done ({h.esc(what)}); saved to {file}.'
            f"{unread}</p>"
        )
        self.name.value = ""
        self.refresh()

    def refresh(self) -> None:
        """Redraw the theme table and list for the chosen month (after any decision)."""
        month = self.month.value
        table = self.wb.theme_table(month)
        self.table.value = (
            h.page_head()
            + '<div class="km">'
            + h.table_html(table, caption=f"Themes in {month} (sizes below {self.wb.k} hidden)")
            + "</div>"
        )
        keep = self.theme.value
        options = [
            (f"T{r.theme} · {r.label} · {r.pillar} · {r.status}", int(r.theme))
            for r in table.itertuples()
        ]
        self.theme.options = options
        ids = [v for _, v in options]
        self.theme.value = keep if keep in ids else (ids[0] if ids else None)
        self.others.options = options
        self.show_theme()

    def show_theme(self) -> None:
        """The chosen theme's keywords, summary and posts (redacted, escaped)."""
        if self.theme.value is None:
            self.detail.value = ""
            return
        month, t = self.month.value, int(self.theme.value)
        row = self.wb.theme_table(month).set_index("theme")
        posts = self.wb.posts_of(month, t, n=8)
        self.post.options = list(posts["post_id"])
        self.post.value = self.post.options[0] if self.post.options else None
        summary = self.wb.summary(month, t)
        self.detail.value = (
            h.page_head()
            + '<div class="km">'
            + f"<h3>T{t} · {h.esc(row.loc[t, 'label'])}</h3>"
            + h.paragraph(f"Keywords: {row.loc[t, 'keywords']}", "muted")
            + h.paragraph(summary or "No summary (no quotable posts, or under k posts).")
            + h.table_html(posts, caption="Posts (redacted; for you, not for sharing)")
            + "</div>"
        )


def workbench_app(wb: Workbench, month: str | None = None) -> Any:
    """The workbench widgets for `display(...)` in JupyterLab."""
    return WorkbenchApp(wb, month).view


__all__ = ["WorkbenchApp", "workbench_app"]
