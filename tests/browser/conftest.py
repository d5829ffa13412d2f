"""Browser tests: a throwaway JupyterLab driven by Debian's Chromium through Playwright.

Every test in this folder joins one xdist group, so under ``pytest -n 2 --dist loadgroup`` a single worker
starts one JupyterLab and one Chromium for all of them. Both are stopped by PID at the end of the session,
also when a test fails; the kernels JupyterLab started are stopped with them.

The book tests serve book/_build/html (built by ``make book``) from a thread on 127.0.0.1.

Without Chromium (or Playwright, or a current book build) the tests skip and say how to enable them; with
``CI=true`` that skip is a failure, because CI must prove the explorers and the book work in a browser.
"""

import base64
import functools
import http.server
import io
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.request
import uuid
from pathlib import Path

import pytest

CHROMIUM = os.environ.get("GMM_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
HOW_TO_ENABLE = (
    f"browser tests need Chromium at {CHROMIUM} and the Python package playwright: run `make test` as root "
    "(it installs Debian's chromium with apt-get), or `apt-get install chromium`, or set GMM_CHROMIUM to a "
    "Chromium binary"
)
NOTEBOOKS = Path(__file__).parent / "notebooks"
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
# Every wait below is for a condition (a server that answers, a pixel drawn, a text shown), so it ends as soon as
# the condition holds; the deadline only matters when it never does. Deadlines are generous for one reason:
# `make test` must pass on 2 cores saturated by other jobs, where a kernel's EM step or a canvas redraw can take
# many times longer than on an idle machine (issue 17). Playwright's own defaults (5 s for expect) are raised
# to the same patience.
PATIENCE_SECONDS = 120.0
PATIENCE_MS = int(PATIENCE_SECONDS * 1000)
SERVER_START_TIMEOUT = 3 * PATIENCE_SECONDS
BOOK = Path(__file__).resolve().parents[2] / "book"
BOOK_HTML = BOOK / "_build" / "html"

# The test notebooks are run in the browser, never collected as tests themselves (e.g. by nbval).
collect_ignore_glob = ["notebooks/*"]


@pytest.hookimpl(tryfirst=True)  # before pytest-xdist reads the groups (it renames the tests by group)
def pytest_collection_modifyitems(config, items):
    """Put every browser test in one xdist group, so one JupyterLab and one Chromium serve them all."""
    here = Path(__file__).parent
    for item in items:
        if here in item.path.parents:
            item.add_marker(pytest.mark.xdist_group("browser"))


def _skip_or_fail(reason, how_to_enable=HOW_TO_ENABLE):
    """Skip with ``reason``, unless this is CI, where a browser test that cannot run is a failure."""
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(f"CI=true and {reason}; {how_to_enable}", pytrace=False)
    pytest.skip(f"{reason}; {how_to_enable}")


@pytest.fixture(scope="session")
def playwright_api():
    """The running Playwright driver (its own Node.js process, stopped at the end)."""
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _skip_or_fail("the Python package playwright is not installed")
    try:
        import jupyterlab  # noqa: F401  (the server the explorer tests start)
    except ImportError:
        _skip_or_fail("JupyterLab is not installed (pip install -e '.[test,book]')")
    if not os.access(CHROMIUM, os.X_OK):
        _skip_or_fail(f"there is no Chromium at {CHROMIUM}")
    from playwright.sync_api import expect

    expect.set_options(timeout=PATIENCE_MS)
    with sync_playwright() as api:
        yield api


@pytest.fixture(scope="session")
def browser(playwright_api, tmp_path_factory):
    """Headless Chromium with a fresh profile; never downloads anything (no ``playwright install``)."""
    profile = tmp_path_factory.mktemp("chromium-profile")
    context = playwright_api.chromium.launch_persistent_context(
        str(profile),
        executable_path=CHROMIUM,
        args=CHROMIUM_ARGS,
        headless=True,
        viewport={"width": 1280, "height": 900},
    )
    yield context
    context.close()


@pytest.fixture
def page(browser):
    """A new tab that records uncaught JavaScript errors in ``page.js_errors``; closed after the test."""
    tab = browser.new_page()
    tab.set_default_timeout(PATIENCE_MS)
    tab.js_errors = []
    tab.on("pageerror", lambda error: tab.js_errors.append(str(error)))
    yield tab
    tab.close()


def _free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class JupyterLabServer:
    """A JupyterLab process on 127.0.0.1 with throwaway config, runtime, data and working directories."""

    def __init__(self, root):
        self.root = root
        self.workdir = root / "work"
        shutil.copytree(NOTEBOOKS, self.workdir)
        self.port = _free_port()
        self.token = uuid.uuid4().hex
        self.url = f"http://127.0.0.1:{self.port}"
        self.log_path = root / "jupyterlab.log"
        self.process = None

    def environment(self):
        """The server's (and so the kernels') environment: Jupyter dirs in ``root``, ipympl for the widgets."""
        env = dict(os.environ)
        env.pop("MPLBACKEND", None)  # let the kernel choose, as in a learner's JupyterLab
        for name in ("config", "runtime", "data", "ipython", "settings", "workspaces", "mpl"):
            (self.root / name).mkdir(exist_ok=True)
        labconfig = self.root / "config" / "labconfig"
        labconfig.mkdir(exist_ok=True)
        # No "get notified about Jupyter news?" toast over the widgets, and no request to fetch news.
        (labconfig / "page_config.json").write_text(
            json.dumps({"disabledExtensions": {"@jupyterlab/apputils-extension:announcements": True}})
        )
        env.update(
            JUPYTER_CONFIG_DIR=str(self.root / "config"),
            JUPYTER_RUNTIME_DIR=str(self.root / "runtime"),
            JUPYTER_DATA_DIR=str(self.root / "data"),
            JUPYTERLAB_SETTINGS_DIR=str(self.root / "settings"),
            JUPYTERLAB_WORKSPACES_DIR=str(self.root / "workspaces"),
            IPYTHONDIR=str(self.root / "ipython"),
            MPLCONFIGDIR=str(self.root / "mpl"),
            GMM_MPL_BACKEND="widget",
            PYTHONUNBUFFERED="1",
        )
        return env

    def command(self):
        return [
            sys.executable,
            "-m",
            "jupyterlab",
            "--no-browser",
            "--allow-root",
            "--ip",
            "127.0.0.1",
            "--port",
            str(self.port),
            "--ServerApp.port_retries=0",
            f"--IdentityProvider.token={self.token}",
            f"--ServerApp.root_dir={self.workdir}",
            "--LabApp.news_url=None",
            "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate",
        ]

    def start(self):
        with open(self.log_path, "wb") as log:
            self.process = subprocess.Popen(
                self.command(),
                cwd=self.workdir,
                env=self.environment(),
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        self._wait_until_ready()

    def _wait_until_ready(self):
        deadline = time.monotonic() + SERVER_START_TIMEOUT
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"JupyterLab exited with {self.process.returncode}:\n{self.log()}")
            try:
                with urllib.request.urlopen(f"{self.url}/api/status?token={self.token}", timeout=2):
                    return
            except OSError:
                time.sleep(0.3)
        raise RuntimeError(f"JupyterLab did not answer within {SERVER_START_TIMEOUT:.0f} s:\n{self.log()}")

    def log(self):
        return self.log_path.read_text(errors="replace")[-5000:]

    def notebook_url(self, name):
        return f"{self.url}/lab/tree/{name}?token={self.token}&reset"

    def api(self, path, method="GET"):
        request = urllib.request.Request(
            f"{self.url}/api/{path}", method=method, headers={"Authorization": f"token {self.token}"}
        )
        with urllib.request.urlopen(request, timeout=30) as response:
            body = response.read()
        return json.loads(body) if body else None

    def shutdown_kernels(self):
        """End every notebook session, so the next test starts from fresh kernels and idle CPUs."""
        for session in self.api("sessions"):
            self.api(f"sessions/{session['id']}", method="DELETE")

    def stop(self):
        """Stop the server's process group and every kernel it started (kernels run in their own sessions)."""
        import psutil

        if self.process is None or self.process.poll() is not None:
            return
        try:
            children = psutil.Process(self.process.pid).children(recursive=True)
        except psutil.NoSuchProcess:
            children = []
        os.killpg(self.process.pid, signal.SIGTERM)
        try:
            self.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=5)
        for child in children:
            try:
                child.kill()
            except psutil.NoSuchProcess:
                pass
        psutil.wait_procs(children, timeout=5)


@pytest.fixture(scope="session")
def jupyter_lab(playwright_api, tmp_path_factory):
    """One JupyterLab for the session (it needs Chromium to be useful, hence ``playwright_api`` first)."""
    server = JupyterLabServer(tmp_path_factory.mktemp("jupyterlab"))
    try:
        server.start()
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="session")
def artifacts():
    """The git-ignored folder for screenshots a person should look at."""
    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS


class LabNotebook:
    """One notebook open in JupyterLab in ``page``: run it, find its widgets, read its canvas pixels."""

    def __init__(self, page, server, name):
        self.page = page
        page.goto(server.notebook_url(name))
        page.wait_for_selector(".jp-Notebook")
        page.wait_for_selector("#jp-main-statusbar >> text=Idle")
        page.keyboard.press("Control+b")  # hide the file browser: more room for the explorer

    def run_all(self, expected_outputs=1, timeout=2 * PATIENCE_MS):
        """Run > Run All Cells, then wait until the kernel is idle and ``expected_outputs`` widgets exist."""
        self.page.click(".lm-MenuBar-itemLabel:text-is('Run')")
        self.page.click(".lm-Menu-itemLabel:text-is('Run All Cells')")
        self.page.wait_for_function(
            "n => document.querySelectorAll('.jp-OutputArea-output .jupyter-widgets').length >= n",
            arg=expected_outputs,
            timeout=timeout,
        )
        self.wait_idle(timeout)
        errors = self.page.locator(".jp-OutputArea-output[data-mime-type='application/vnd.jupyter.stderr']")
        tracebacks = [text for text in errors.all_inner_texts() if "Traceback" in text or "Error" in text]
        assert not tracebacks, f"a cell raised:\n{tracebacks[0]}"

    @staticmethod
    def canvas(output):
        """The ipympl canvas inside a widget output."""
        return Canvas(output)

    def run_explorer(self):
        """Run every cell; return the explorer (the last widget output), its canvas and its readout (the last
        HTML widget inside it)."""
        self.run_all()
        output = self.widget()
        return output, self.canvas(output), output.locator(".widget-html-content").last

    def wait_idle(self, timeout=PATIENCE_MS):
        self.page.wait_for_function(
            "() => [...document.querySelectorAll('#jp-main-statusbar span')]"
            ".some(span => span.textContent.includes('| Idle'))",
            timeout=timeout,
        )

    def widget(self, index=-1, attempts=3):
        """The ``index``-th widget output of the notebook, scrolled into view (Lab renders visible cells only).

        An output shown only while a cell runs (ElbowExplorer's progress bar) can be removed by the front end
        just after the kernel is idle, under our feet: then the locator, which is resolved again on every
        action, is simply asked again.
        """
        from playwright.sync_api import Error as PlaywrightError

        outputs = self.page.locator(".jp-OutputArea-output > .jupyter-widgets")
        for attempt in range(attempts):
            output = outputs.nth(index)
            output.wait_for(state="attached")
            try:
                output.scroll_into_view_if_needed()
                return output
            except PlaywrightError as error:
                if "not attached" not in str(error) or attempt == attempts - 1:
                    raise


class Canvas:
    """The pixels of an ipympl canvas (its bottom layer, where matplotlib's image is drawn)."""

    def __init__(self, output):
        self.locator = output.locator(".jupyter-matplotlib-canvas-div canvas").first

    def pixels(self):
        """What the canvas shows, as a (height, width, 4) uint8 RGBA array."""
        import numpy as np
        from PIL import Image

        data_url = self.locator.evaluate("canvas => canvas.toDataURL('image/png')")
        if data_url == "data:,":  # a canvas not laid out yet has no pixels
            return np.zeros((0, 0, 4), dtype=np.uint8)
        png = base64.b64decode(data_url.split(",", 1)[1])
        return np.asarray(Image.open(io.BytesIO(png)).convert("RGBA"))

    def drawn_pixels(self, timeout=PATIENCE_SECONDS):
        """Wait until matplotlib has drawn into the canvas (some opaque pixel) and return the image."""
        deadline = time.monotonic() + timeout
        while True:
            image = self.pixels()
            if image[..., 3].any():
                return image
            if time.monotonic() > deadline:
                raise AssertionError(f"the ipympl canvas stayed empty for {timeout:.0f} s")
            time.sleep(0.2)

    @staticmethod
    def changed_fraction(before, after):
        """The fraction of pixels that differ between two canvas images (1.0 if the canvas was resized)."""
        if before.shape != after.shape:
            return 1.0
        return float((before != after).any(axis=-1).mean())

    def wait_for_change(self, before, minimum=0.001, timeout=PATIENCE_SECONDS):
        """Poll until at least ``minimum`` of the pixels differ from ``before``; return the new image."""
        deadline = time.monotonic() + timeout
        while True:
            after = self.pixels()
            if self.changed_fraction(before, after) >= minimum or time.monotonic() > deadline:
                return after
            time.sleep(0.2)


@pytest.fixture(autouse=True)
def _fresh_kernels(request):
    """After each test that used JupyterLab, end its kernels (they would hold memory and CPU)."""
    yield
    if "jupyter_lab" in request.fixturenames:
        request.getfixturevalue("jupyter_lab").shutdown_kernels()


@pytest.fixture
def open_notebook(page, jupyter_lab):
    """``open_notebook("name.ipynb")`` opens a copy of tests/browser/notebooks/name.ipynb in JupyterLab."""
    return lambda name: LabNotebook(page, jupyter_lab, name)


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format, *args):
        pass


def _stale_book_reason():
    """Why book/_build/html cannot be tested as the current book, or None if it can."""
    built = BOOK_HTML / "intro.html"
    if not built.exists():
        return f"the book is not built ({built} is missing)"
    sources = [path for path in BOOK.iterdir() if path.suffix in (".ipynb", ".md", ".yml")]
    newer = [path.name for path in sources if path.stat().st_mtime > built.stat().st_mtime]
    if newer:
        return f"book/_build/html is older than {', '.join(sorted(newer))}"
    return None


@pytest.fixture(scope="session")
def book_site(playwright_api):
    """book/_build/html served on 127.0.0.1 (a free port) for the session; yields its base URL."""
    reason = _stale_book_reason()
    if reason:
        _skip_or_fail(reason, "the book tests check the HTML that `make book` builds")
    handler = functools.partial(_QuietHandler, directory=str(BOOK_HTML))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


@pytest.fixture
def offline_page(page):
    """A tab in which every request to another host than 127.0.0.1 is blocked and recorded in ``page.blocked``.

    ``page.failed_requests`` keeps the local requests that failed or answered with an HTTP error.
    """
    page.blocked = []
    page.failed_requests = []

    def route(route):
        url = route.request.url
        if url.startswith(("http://127.0.0.1", "data:", "blob:")):
            route.continue_()
        else:
            page.blocked.append(url)
            route.abort("blockedbyclient")

    def failed(request):
        # about:blank is no request for a file (MathJax's font probe opens one); it cannot be missing
        font_probe = "/_static/mathjax/fonts/HTML-CSS/TeX/" in request.url
        if request.url not in page.blocked and not request.url.startswith("about:") and not font_probe:
            page.failed_requests.append(f"{request.url}: {request.failure}")

    def response(answer):
        # MathJax 2 first asks for its own TeX font for a script letter such as \mathcal{N}; the package ships
        # only the STIX web fonts, which it then uses (the formula renders: checked in a screenshot)
        font_probe = "/_static/mathjax/fonts/HTML-CSS/TeX/" in answer.url
        if answer.status >= 400 and not font_probe:
            page.failed_requests.append(f"{answer.url}: HTTP {answer.status}")

    page.route("**/*", route)
    page.on("requestfailed", failed)
    page.on("response", response)
    return page
