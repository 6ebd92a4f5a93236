"""Knowledge briefs from a discussion: scope, key lessons learned, promising practices by region
and country, themes with key points and quotes, and a method note — as Markdown, HTML and Word.

Every lesson, practice, summary sentence and quote is a verbatim sentence of a redacted post
from an author who agreed to be quoted, and carries the post id and character offsets it comes
from. A theme resting on few voices is flagged in every format and its lessons are not promoted.

    brief = build_brief(prepared.table, title="Online discussion, May 2026", config=cfg)
    write_brief(brief, "brief.docx")
"""

from kmsynth.synthesis.brief.build import BriefOptions, build_brief
from kmsynth.synthesis.brief.model import (
    CSP,
    LANGUAGE_NAMES,
    MIN_POSTS_FOR_THEMES,
    QUOTE_DISTINCT_AT,
    SIMILAR_AT,
    SUBSTANTIVE_SHARE,
    SUMMARY_SENTENCES,
    THEME_LESSONS,
    Brief,
    BriefTheme,
    Item,
    curation_exclusions,
    describe_scope,
    load_theme_run,
    overclaim_flags,
)
from kmsynth.synthesis.brief.render import (
    brief_cards_html,
    brief_charts_html,
    render_docx,
    render_html,
    render_html_fragment,
    render_markdown,
    write_brief,
)
from kmsynth.synthesis.brief.source import brief_from_file

__all__ = [
    "CSP",
    "LANGUAGE_NAMES",
    "MIN_POSTS_FOR_THEMES",
    "QUOTE_DISTINCT_AT",
    "SIMILAR_AT",
    "SUBSTANTIVE_SHARE",
    "SUMMARY_SENTENCES",
    "THEME_LESSONS",
    "Brief",
    "BriefOptions",
    "BriefTheme",
    "Item",
    "brief_cards_html",
    "brief_charts_html",
    "brief_from_file",
    "build_brief",
    "curation_exclusions",
    "describe_scope",
    "load_theme_run",
    "overclaim_flags",
    "render_docx",
    "render_html",
    "render_html_fragment",
    "render_markdown",
    "write_brief",
]
