"""Budget benchmark: fitting, what-ifs, the optimiser and slider moves on the Budget page.

    python bench/budget.py              # everything (the page part needs Chromium + playwright)
    python bench/budget.py --no-page    # the core timings only
    python bench/budget.py --page-only  # the browser timings only

Run from the repository root. Workspaces go under ``bench/out/budget/`` (git-ignored).

Data: ``kpi_core.budget.simulate`` with 20 channels x 104 weeks (a fixed seed; half S-shaped Hill
curves, half concave, some with carry-over), loaded through the product's own DuckDB view.

Timed in this process, baseline and product alternating, one warm-up each (time.perf_counter):
  fit        product: fit_budget(history) - per channel 2 families x 3 carry-over decays x 2-3
             starts, AICc choice, a scipy least_squares polish and 200 block-bootstrap refits.
             baseline: one scipy.optimize.least_squares Hill fit per channel (no carry-over, no
             family choice, no bootstrap): the least a fitted curve can cost. Best of 3.
  what-if    product: project(model, spends) - outcome, marginal return and their 90% intervals
             for every channel, the total's interval. baseline: the 20 point outcomes in numpy.
             Median and p95 of 300 calls, spends drawn at random within the caps.
  optimise   product: allocate(model, total, bounds) (the dynamic programme: half the curves are
             S-shaped) and recommend(model) (optimise + both projections + evidence + the 20%-flatter
             re-optimisation). baseline: scipy SLSQP from the current split under the same curves
             (a local solver), whose outcome is also compared. Median of 20.
  page       streamlit run app.py + Playwright in Chromium on the Budget page's What-if tab: 40
             slider key presses, each timed from the press until the projected outcome on the
             screen has changed and the script is idle again (the what-if is a fragment: only it
             reruns). p50 / p95 over the presses, on the sample workspace (7 channels) and on the
             20-channel simulation.

Targets (issue 6): fit with bootstrap < 2 s, what-if < 20 ms, optimisation < 200 ms; (issue 15) a
what-if move p95 < 150 ms with 20 channels. A move is a key press on the picked channel's slider,
timed until the spend tile shows the new total (the tiles and table redraw in the same run).
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
OUT = ROOT / "bench" / "out" / "budget"
if OUT.exists():
    shutil.rmtree(OUT)
OUT.mkdir(parents=True)
os.environ["ROI_WORKBENCH_HOME"] = str(OUT / "workspaces")
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

import duckdb  # noqa: E402
import numpy as np  # noqa: E402
from scipy.optimize import least_squares, minimize  # noqa: E402
from serving import serve  # noqa: E402

from kpi_core.budget import budget_history, fit_budget, project, recommend, resolve_bounds  # noqa: E402
from kpi_core.budget.curves import FAMILIES  # noqa: E402
from kpi_core.budget.optimise import allocate  # noqa: E402
from kpi_core.budget.simulate import TrueChannel, simulate_channels  # noqa: E402
from kpi_core.mapping import mapping_from_dict  # noqa: E402
from kpi_core.metrics import Performance, Source  # noqa: E402
from kpi_core.workspace import Workspace, load_samples  # noqa: E402

MAPPING = {
    "version": 1,
    "kind": "performance",
    "roles": {"date": "date", "channel": "channel", "spend": "spend", "revenue": "revenue"},
}


def channels(count: int = 20) -> list[TrueChannel]:
    rng = np.random.default_rng(7)
    made = []
    for i in range(count):
        typical = float(rng.uniform(2_000, 30_000))
        made.append(
            TrueChannel(
                f"Channel {i + 1:02d}",
                beta=typical * float(rng.uniform(3, 12)),
                half_saturation=typical * float(rng.uniform(0.6, 2.0)),
                exponent=float(rng.uniform(1.5, 3.0)) if i % 2 else float(rng.uniform(0.7, 1.0)),
                typical_spend=typical,
                decay=0.3 if i % 3 == 0 else 0.0,
            )
        )
    return made


def best_of(runs: int, work) -> float:  # type: ignore[no-untyped-def]
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        work()
        times.append(time.perf_counter() - start)
    return min(times)


def percentile(values: list[float], q: float) -> float:
    return float(np.percentile(values, q))


def core() -> None:
    frame = simulate_channels(channels(), periods=104, seed=11)
    con = duckdb.connect()
    con.register("incoming", frame)
    con.execute("CREATE TABLE rows AS SELECT * FROM incoming")
    performance = Performance(con, [Source(mapping_from_dict(MAPPING), "rows")])
    history = budget_history(performance, "revenue")
    spend, outcome = history.spend, history.outcome

    def baseline_fit() -> None:
        family = FAMILIES["hill"]
        for name in spend.columns:
            x, y = spend[name].to_numpy(float), outcome[name].to_numpy(float)
            start = family.free(np.array([0.0, y.max() * 1.5, np.median(x), 1.0]))
            least_squares(lambda p, x=x, y=y: family.predict(p[None, :], x)[0] - y, start, method="trf")

    baseline_fit()
    fit_budget(history)
    base = best_of(3, baseline_fit)
    product = best_of(3, lambda: fit_budget(history))
    print(
        f"fit 20 channels x 104 weeks: product {product:.3f} s (with 200 bootstrap refits each), "
        f"baseline {base:.3f} s (one plain least_squares per channel), ratio {product / base:.1f}  "
        f"target < 2 s: {'met' if product < 2 else 'NOT met'}"
    )

    model = fit_budget(history)
    rng = np.random.default_rng(3)
    draws = [rng.uniform(0, 1, len(model.channels)) * model.caps() for _ in range(300)]
    params = [(c.fit.family, c.fit.params) for c in model.channels]
    product_times, base_times = [], []
    for spends in draws:
        start = time.perf_counter()
        project(model, spends)
        product_times.append(time.perf_counter() - start)
        start = time.perf_counter()
        [FAMILIES[f].value(p, s) for (f, p), s in zip(params, spends)]
        base_times.append(time.perf_counter() - start)
    median = statistics.median(product_times)
    print(
        f"what-if (20 channels, intervals): product median {median * 1e3:.2f} ms, p95 "
        f"{percentile(product_times, 95) * 1e3:.2f} ms; baseline (point outcomes only) median "
        f"{statistics.median(base_times) * 1e3:.3f} ms, ratio {median / statistics.median(base_times):.0f}  "
        f"target < 20 ms: {'met' if percentile(product_times, 95) < 0.02 else 'NOT met'}"
    )

    total = float(model.current().sum())
    lower, upper = resolve_bounds(model, total)
    allocate_times, recommend_times, slsqp_times = [], [], []
    ours = slsqp = None
    for _ in range(20):
        start = time.perf_counter()
        ours = allocate(model, total, lower, upper)
        allocate_times.append(time.perf_counter() - start)
        start = time.perf_counter()
        recommend(model)
        recommend_times.append(time.perf_counter() - start)
        start = time.perf_counter()
        slsqp = minimize(
            lambda s: -model.total(s),
            model.current(),
            method="SLSQP",
            bounds=list(zip(lower, upper)),
            constraints=[{"type": "eq", "fun": lambda s: s.sum() - total}],
        )
        slsqp_times.append(time.perf_counter() - start)
    assert ours is not None and slsqp is not None
    print(
        f"optimise (20 channels, {ours.method}): allocate median {statistics.median(allocate_times) * 1e3:.1f} ms, "
        f"recommend (with evidence and sensitivity) median {statistics.median(recommend_times) * 1e3:.1f} ms; "
        f"baseline SLSQP median {statistics.median(slsqp_times) * 1e3:.1f} ms, ratio "
        f"{statistics.median(allocate_times) / statistics.median(slsqp_times):.2f}  "
        f"target < 200 ms: {'met' if statistics.median(recommend_times) < 0.2 else 'NOT met'}"
    )
    current_outcome = model.total(model.current())
    print(
        f"  outcome per week under the fitted curves: current {current_outcome:,.0f}, ours "
        f"{model.total(ours.spends):,.0f}, SLSQP {-slsqp.fun:,.0f}"
    )


BARE_PAGE = """import streamlit as st

st.title("Budget")


@st.fragment
def what_if():
    value = st.slider("Spend", 0, 20000, 10000, 100)
    st.metric("Spend per week", value * 3)
    st.metric("Spend per week", value * 4)


what_if()
"""


def slider_presses(page, url: str, presses: int = 40, tab: str | None = "What-if") -> list[tuple[float, float]]:  # type: ignore[no-untyped-def]
    """(key press to script start, script start to idle with the new number on screen), in seconds,
    from the page's own clock: a MutationObserver on Streamlit's script-state attribute, and the
    moment (polled every 5 ms) the new number is on screen with the script idle."""
    page.goto(url, wait_until="domcontentloaded")
    page.get_by_role("heading", name="Budget", exact=True).wait_for(timeout=120_000)
    page.wait_for_function(
        "() => document.querySelector('[data-testid=stApp]')?.getAttribute('data-test-script-state') === 'notRunning'"
        " && document.querySelectorAll('[data-testid=stMetric]').length > 1",
        timeout=120_000,
    )
    time.sleep(2)
    if tab:
        page.get_by_role("tab", name=tab).click()
    thumb = page.get_by_role("slider").first
    thumb.focus()
    page.evaluate("""() => {
        const app = document.querySelector('[data-testid=stApp]');
        window.benchLog = [];
        new MutationObserver(() => window.benchLog.push([performance.now(), app.getAttribute('data-test-script-state')]))
            .observe(app, {attributes: true, attributeFilter: ['data-test-script-state']});
        document.addEventListener('keydown', () => window.benchLog.push([performance.now(), 'key']), true);
    }""")
    phases = []
    for i in range(presses):
        before = page.evaluate(
            "() => [...document.querySelectorAll('[data-testid=stMetric]')]"
            ".filter(m => m.innerText.includes('Spend per week')).at(-1).innerText"
        )
        page.evaluate("() => { window.benchLog = []; }")
        thumb.press("ArrowRight" if i % 2 else "ArrowLeft")
        page.wait_for_function(
            """(before) => {
                const app = document.querySelector('[data-testid=stApp]');
                const tiles = [...document.querySelectorAll('[data-testid=stMetric]')]
                    .filter(m => m.innerText.includes('Spend per week'));
                const done = tiles.at(-1).innerText !== before && app.getAttribute('data-test-script-state') === 'notRunning';
                if (done) window.benchDone = performance.now();
                return done;
            }""",
            arg=before,
            polling=5,
            timeout=30_000,
        )
        log = page.evaluate("() => window.benchLog")
        done = page.evaluate("() => window.benchDone")
        pressed = next(t for t, what in log if what == "key")
        started = next((t for t, what in log if what == "running"), pressed)  # a very short run may not show
        phases.append(((started - pressed) / 1000, (done - started) / 1000))
        time.sleep(0.3)
    return phases


def report(what: str, phases: list[tuple[float, float]], baseline: float | None = None) -> float:
    total = [a + b for a, b in phases]
    p95 = percentile(total, 95)
    ratio = f", ratio to the bare page {p95 / baseline:.1f}" if baseline else ""
    print(
        f"slider ({what}): p50 {statistics.median(total) * 1e3:.0f} ms, p95 {p95 * 1e3:.0f} ms "
        f"[press to run start p50 {statistics.median(a for a, _ in phases) * 1e3:.0f} ms; run start to idle p50 "
        f"{statistics.median(b for _, b in phases) * 1e3:.0f} ms, p95 {percentile([b for _, b in phases], 95) * 1e3:.0f} ms] "
        f"over {len(phases)} presses{ratio}"
    )
    return p95


def page_timings() -> None:
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        print("page: skipped (playwright is not installed)")
        return
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    if not chromium:
        print("page: skipped (no chromium on PATH)")
        return
    samples = Workspace("bench-samples")
    load_samples(samples)
    samples.close()
    simulated = Workspace("bench-twenty")
    csv = OUT / "twenty_channels.csv"
    simulate_channels(channels(), periods=104, seed=11).to_csv(csv, index=False)
    simulated.add_dataset(csv, mapping=mapping_from_dict(MAPPING))
    simulated.close()
    bare = OUT / "bare"
    bare.mkdir()
    (bare / "app.py").write_text(BARE_PAGE)
    servers = []
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(
                executable_path=chromium, headless=True, args=["--no-sandbox", "--disable-dev-shm-usage"]
            )
            page = browser.new_page(viewport={"width": 1400, "height": 900})
            server, port = serve(bare, OUT / "bare.log")
            servers.append(server)
            baseline = report(
                "bare page: one slider and two numbers in a fragment",
                slider_presses(page, f"http://127.0.0.1:{port}/", tab=None),
            )
            server, port = serve(ROOT, OUT / "streamlit.log")
            servers.append(server)
            for workspace, what in (
                ("bench-samples", "Budget page, sample data, 7 channels"),
                ("bench-twenty", "Budget page, simulation, 20 channels"),
            ):
                p95 = report(what, slider_presses(page, f"http://127.0.0.1:{port}/budget?ws={workspace}"), baseline)
                print(f"  target p95 < 150 ms: {'met' if p95 < 0.15 else 'NOT met'}")
            browser.close()
    finally:
        for server in servers:
            server.terminate()
            server.wait(timeout=20)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--no-page", action="store_true", help="skip the browser measurement")
    parser.add_argument("--page-only", action="store_true", help="only the browser measurement")
    args = parser.parse_args()
    print(
        f"python {sys.version.split()[0]}, numpy {np.__version__}, duckdb {duckdb.__version__}, nproc {os.cpu_count()}"
    )
    if not args.page_only:
        core()
    if not args.no_page:
        page_timings()


if __name__ == "__main__":
    main()
