"""Page benchmark: how long the app takes to draw, as a user feels it, in Chromium.

    python bench/pages.py [--rounds 3]

Run from the repository root; needs Chromium and playwright. Workspaces go under ``bench/out/pages/``.

Each time runs from the browser's action until the script is idle with the page's heading drawn
(and still idle 250 ms later: a run that reruns itself is not done), on the sample workspace:
  first render  a new browser session opening the app (the Dashboard): cold = the first session of a
                server that has just started (nothing imported or cached yet), warm = later sessions.
  each page     in one session, a click on the page's link in the sidebar (Streamlit switches
                pages without reloading), every page in turn, ``--rounds`` times.
Baseline, run the same way beside it: a bare Streamlit app (a title and a line of text), whose
first render and page switch are what any Streamlit page costs on this machine.

Targets (issue 15): first render under 3 s and every page under 1.5 s with the sample data.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "bench" / "out" / "pages"
if OUT.exists():
    shutil.rmtree(OUT)
OUT.mkdir(parents=True)
os.environ["ROI_WORKBENCH_HOME"] = str(OUT / "workspaces")
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from serving import serve  # noqa: E402

from kpi_core.workspace import Workspace, load_samples  # noqa: E402

WORKSPACE = "bench-pages"
PAGES = {  # link text in the sidebar: the page's heading
    "Dashboard": "Dashboard",
    "Goals": "Goals",
    "Annotations": "Annotations",
    "Budget": "Budget",
    "A/B tests": "A/B tests",
    "KPI glossary": "KPI glossary",
    "Home": "ROI Workbench",
    "Data": "Data",
    "Mapping": "Mapping",
    "Data quality": "Data quality",
    "Settings": "Settings",
}
BARE_APP = """import streamlit as st

pages = [st.Page(lambda: (st.title("One"), st.write("A line of text.")), title="One", url_path="one"),
         st.Page(lambda: (st.title("Two"), st.write("Another line.")), title="Two", url_path="two")]
st.navigation(pages).run()
"""
IDLE_JS = """([heading, complete]) => {
    const app = document.querySelector('[data-testid=stApp]');
    const idle = app && app.getAttribute('data-test-script-state') === 'notRunning'
        && app.getAttribute('data-test-connection-state') === 'CONNECTED';
    const h1 = [...document.querySelectorAll('h1')].some(h => h.innerText.trim() === heading);
    return idle && h1 && (!complete || !document.querySelector('[data-testid=stSkeleton]'));
}"""


def settled(page, heading: str, started: float, complete: bool = True) -> float:  # type: ignore[no-untyped-def]
    """Seconds from ``started`` until the page is idle with its heading, and still so 250 ms later;
    ``complete``: with every chart and table drawn too (Streamlit shows a placeholder while the
    browser loads a chart's or a grid's code)."""
    while True:
        page.wait_for_function(IDLE_JS, arg=[heading, complete], polling=10, timeout=120_000)
        done = time.perf_counter()
        page.wait_for_timeout(250)
        if page.evaluate(IDLE_JS, [heading, complete]):
            return done - started


def first_render(browser, url: str, heading: str) -> tuple[float, float]:  # type: ignore[no-untyped-def]
    """(script done with the page's words and tiles on screen, every chart drawn too), in seconds."""
    context = browser.new_context(viewport={"width": 1440, "height": 900})
    page = context.new_page()
    started = time.perf_counter()
    page.goto(url, wait_until="commit")
    shown = settled(page, heading, started, complete=False)
    elapsed = settled(page, heading, started)
    context.close()
    return shown, elapsed


def page_switches(browser, url: str, pages: dict[str, str], rounds: int) -> dict[str, list[float]]:  # type: ignore[no-untyped-def]
    context = browser.new_context(viewport={"width": 1440, "height": 900})
    page = context.new_page()
    page.goto(url, wait_until="commit")
    settled(page, next(iter(pages.values())), time.perf_counter())
    times: dict[str, list[float]] = {name: [] for name in pages}
    for _ in range(rounds):
        for link, heading in [*list(pages.items())[1:], next(iter(pages.items()))]:
            started = time.perf_counter()
            page.get_by_test_id("stSidebarNav").get_by_role("link", name=link, exact=True).click()
            times[link].append(settled(page, heading, started))
    context.close()
    return times


def summary(values: list[float]) -> str:
    return f"median {statistics.median(values):.2f} s, worst {max(values):.2f} s"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    from playwright.sync_api import sync_playwright

    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    if not chromium:
        sys.exit("error: no chromium on PATH")
    ws = Workspace(WORKSPACE)
    load_samples(ws)
    ws.close()
    bare = OUT / "bare"
    bare.mkdir()
    (bare / "app.py").write_text(BARE_APP)
    print(f"python {sys.version.split()[0]}, nproc {os.cpu_count()}, load {os.getloadavg()[0]:.1f}")
    servers = []
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(
                executable_path=chromium, headless=True, args=["--no-sandbox", "--disable-dev-shm-usage"]
            )
            for name, folder, url_path, pages in (
                ("bare app", bare, "", {"One": "One", "Two": "Two"}),
                ("ROI Workbench", ROOT, f"?ws={WORKSPACE}", PAGES),
            ):
                server, port = serve(folder, OUT / f"{name.replace(' ', '_')}.log")
                servers.append(server)
                url = f"http://127.0.0.1:{port}/{url_path}"
                heading = next(iter(pages.values()))
                cold = first_render(browser, url, heading)
                warm = [first_render(browser, url, heading) for _ in range(args.rounds)]
                print(
                    f"{name}: first render cold {cold[0]:.2f} s with words and tiles, {cold[1]:.2f} s with every "
                    f"chart; warm {summary([w[0] for w in warm])} / {summary([w[1] for w in warm])}"
                )
                for link, times in page_switches(browser, url, pages, args.rounds).items():
                    print(f"  {link}: {summary(times)}")
            browser.close()
    finally:
        for server in servers:
            server.terminate()
            server.wait(timeout=20)


if __name__ == "__main__":
    main()
