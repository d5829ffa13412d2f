"""Serve MathJax from the built book itself, so formulas render with no network at all.

Sphinx loads MathJax from a CDN by default, which a reader offline (or the browser tests, where every
external request is blocked) never reaches: the formulas stay raw TeX. The PyPI package
``jupyter-server-mathjax`` ships MathJax 2.7 (the copy classic Jupyter used); this hook copies it into the
build's ``_static/mathjax`` and ``_config.yml`` points ``mathjax_path`` there.
"""

import shutil
from pathlib import Path


def copy_mathjax(app, exception):
    """``build-finished`` handler: put MathJax next to the pages that load it."""
    if exception is not None or app.builder.format != "html":
        return
    import jupyter_server_mathjax

    source = Path(jupyter_server_mathjax.__file__).parent / "static"
    shutil.copytree(source, Path(app.outdir) / "_static" / "mathjax", dirs_exist_ok=True)


def setup(app):
    app.connect("build-finished", copy_mathjax)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
