"""A Sphinx hook that drops repeated ``<script>`` lines from every built page.

sphinx-thebe adds its inline configuration script (``const THEBE_JS_URL = ...``) each time the environment
reads documents, and Jupyter Book's build reads them twice, so every page declared the constant twice and the
browser threw "Identifier 'THEBE_JS_URL' has already been declared" (sphinx-togglebutton's script was
repeated the same way). The scripts reach the page through several themes' hooks, so the repeats are removed
from the written HTML, once the build has finished: a ``<script>`` line equal to an earlier one is dropped.
"""

from pathlib import Path


def drop_repeated_script_lines(html):
    """``html`` without the ``<script>`` lines that repeat an earlier line exactly."""
    seen, kept = set(), []
    for line in html.splitlines(keepends=True):
        tag = line.strip()
        if tag.startswith("<script") and tag.endswith("</script>"):
            if tag in seen:
                continue
            seen.add(tag)
        kept.append(line)
    return "".join(kept)


def clean_built_pages(app, exception):
    """``build-finished`` handler: rewrite every HTML page of a successful build."""
    if exception is not None or app.builder.format != "html":
        return
    for page in Path(app.outdir).rglob("*.html"):
        html = page.read_text(encoding="utf-8")
        cleaned = drop_repeated_script_lines(html)
        if cleaned != html:
            page.write_text(cleaned, encoding="utf-8")


def setup(app):
    app.connect("build-finished", clean_built_pages)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
