"""Convert the executed notebook to one self-contained page, and check the page before publishing.

No code, no prompts, no request leaving the page (nbconvert's CDN scripts are dropped; plotly.js
is inline), and a Content-Security-Policy that lets only the page's own inline scripts run, by
their sha256 hashes.
"""

from __future__ import annotations

import re
from pathlib import Path

_EXTERNAL = re.compile(
    r"<script[^>]*\bsrc\s*=\s*[\"']?(?:https?:)?//[^>]*>\s*</script>|"
    r"<link[^>]*\bhref\s*=\s*[\"']?(?:https?:)?//[^>]*>",
    re.I,
)
_NETWORK = re.compile(
    r"<(?:script|link|img|iframe)\b[^>]*\b(?:src|href)\s*=\s*[\"']?"
    r"(?:https?:)?//",
    re.I,
)
_CSP_META = re.compile(r'<meta http-equiv="Content-Security-Policy" content="([^"]*)"', re.I)


def to_html(executed: Path, title: str) -> str:
    """nbconvert to one self-contained page: no code, no prompts, no external requests, a CSP."""
    import nbformat
    from nbconvert import HTMLExporter

    from kmsynth.html import esc, page_csp

    nb = nbformat.read(executed, as_version=4)
    for i, cell in enumerate(nb.cells):  # papermill's injected cell has a random id
        cell["id"] = f"cell-{i}"
    exp = HTMLExporter(template_name="lab")
    exp.exclude_input = True
    exp.exclude_input_prompt = True
    exp.exclude_output_prompt = True
    exp.exclude_markdown = True
    body, _ = exp.from_notebook_node(nb, resources={"metadata": {"name": title}})
    body = _EXTERNAL.sub("", body)
    body = re.sub(r"<script[^>]*mathjax[^>]*>.*?</script>", "", body, flags=re.I | re.S)
    body = re.sub(r"<title>.*?</title>", f"<title>{esc(title)}</title>", body, count=1, flags=re.S)
    meta = f'<meta http-equiv="Content-Security-Policy" content="{page_csp(body)}">'
    return body.replace("<head>", f"<head>\n{meta}", 1)


def check_html(page: str) -> list[str]:
    """Problems that must stop a publish: external loads, tracebacks, a missing or loose CSP."""
    problems = []
    markup = re.sub(r"(<script\b[^>]*>).*?</script>", r"\1</script>", page, flags=re.I | re.S)
    if _NETWORK.search(markup):
        problems.append("the page loads something from the network")
    if "Traceback (most recent call last)" in page or 'class="ansi-red-fg"' in page:
        problems.append("the page shows an error trace")
    csp = _CSP_META.search(page)
    if csp is None:
        problems.append("the page has no Content-Security-Policy")
    elif "'unsafe-inline'" in csp.group(1).split("script-src", 1)[-1].split(";", 1)[0]:
        problems.append("the page's Content-Security-Policy lets any inline script run")
    return problems
