"""Real-browser fixtures: the app served by `streamlit run` on a free localhost port, and Debian's Chromium.

Nothing here touches the network beyond 127.0.0.1, and every wait is bounded.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SCREENSHOTS = Path(__file__).resolve().parent / "screenshots"
STARTUP_TIMEOUT_S = 60
STOP_TIMEOUT_S = 10
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


def chromium_path() -> str:
    path = shutil.which("chromium") or shutil.which("chromium-browser")
    if not path:
        pytest.skip("Chromium is not installed (apt-get install chromium)")
    return path


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _healthy(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=2) as response:  # noqa: S310 (127.0.0.1 only)
            return response.status == 200 and response.read().decode("utf-8", "replace").strip() == "ok"
    except (urllib.error.URLError, OSError):
        return False


def _stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is not None:
        return
    process.terminate()
    try:
        process.wait(timeout=STOP_TIMEOUT_S)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=STOP_TIMEOUT_S)


@pytest.fixture(scope="module")
def sync_api():  # type: ignore[no-untyped-def]
    """playwright.sync_api, or a skip when the package is missing."""
    try:
        from playwright import sync_api
    except ImportError:
        pytest.skip("the playwright package is not installed (pip install -r requirements-dev.txt)")
    return sync_api


@pytest.fixture(scope="module")
def app_home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The server's ROI_WORKBENCH_HOME (empty at start): a test may build workspaces in it and open
    them with ``?ws=<name>``."""
    return tmp_path_factory.mktemp("browser-workspaces")


@pytest.fixture(scope="module")
def app_url(tmp_path_factory: pytest.TempPathFactory, app_home: Path) -> Iterator[str]:
    """`streamlit run app.py` on a free port, with its own empty ROI_WORKBENCH_HOME; yields the base URL."""
    for stale in SCREENSHOTS.glob("FAILED-*.png"):  # from an earlier run
        stale.unlink()
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    home = app_home
    log_path = tmp_path_factory.mktemp("browser-logs") / "streamlit.log"
    env = {**os.environ, "ROI_WORKBENCH_HOME": str(home), "PYTHONUNBUFFERED": "1"}
    with open(log_path, "wb") as log:
        process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "streamlit",
                "run",
                "app.py",
                "--server.headless",
                "true",
                "--server.port",
                str(port),
                "--server.address",
                "127.0.0.1",
                "--browser.gatherUsageStats",
                "false",
            ],
            cwd=ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    try:
        deadline = time.monotonic() + STARTUP_TIMEOUT_S
        while not _healthy(f"{base}/_stcore/health"):
            if process.poll() is not None:
                pytest.fail(f"streamlit exited with {process.returncode}:\n{log_path.read_text(errors='replace')}")
            if time.monotonic() > deadline:
                pytest.fail(
                    f"streamlit did not answer in {STARTUP_TIMEOUT_S} s:\n{log_path.read_text(errors='replace')}"
                )
            time.sleep(0.25)
        yield base
    finally:
        _stop(process)
        output = log_path.read_text(errors="replace")
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        (SCREENSHOTS / "streamlit.log").write_text(output)  # kept beside the screenshots (git-ignored)
        if "Traceback" in output:
            sys.stderr.write(f"\n--- streamlit server log (has a traceback) ---\n{output}\n")


@pytest.fixture(scope="module")
def browser(sync_api):  # type: ignore[no-untyped-def]
    executable = chromium_path()
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=executable, headless=True, args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


@pytest.fixture
def page(browser, app_url):  # type: ignore[no-untyped-def]
    """A fresh browser context (so a fresh Streamlit session and a new private workspace) per test."""
    context = browser.new_context(viewport={"width": 1400, "height": 900})
    context.set_default_timeout(30_000)
    page = context.new_page()
    # Only the local app: any other request (fonts, telemetry...) is refused instead of hanging.
    page.route(
        lambda url: (
            not url.startswith(app_url)
            and not url.startswith("ws://127.0.0.1")
            and not url.startswith(("data:", "blob:"))
        ),
        lambda route: route.abort(),
    )
    try:
        yield page
    finally:
        context.close()


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]):  # type: ignore[no-untyped-def]
    """When a browser test fails, keep a screenshot of what the browser showed, and say where it is."""
    outcome = yield
    report = outcome.get_result()
    page = getattr(item, "funcargs", {}).get("page")
    if report.when != "call" or not report.failed or page is None:
        return
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    target = SCREENSHOTS / f"FAILED-{item.name.replace('/', '_')}.png"
    try:
        app = page.locator('[data-testid="stApp"]')
        state = {
            name: app.get_attribute(name, timeout=2_000)
            for name in ("data-test-connection-state", "data-test-script-state")
        }
        page.screenshot(path=str(target), full_page=True, timeout=10_000)
        report.sections.append(("browser", f"url: {page.url}\nstApp: {state}\nscreenshot: {target}"))
    except Exception as exc:  # noqa: BLE001 (diagnostics must not hide the real failure)
        report.sections.append(("browser", f"no failure screenshot: {exc}"))


@pytest.fixture(scope="session")
def screenshots() -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    return SCREENSHOTS
