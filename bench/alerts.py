"""Alerts benchmark (issue 15): how many alerts a user is shown, and are they real changes?

    python bench/alerts.py                      # this checkout
    python bench/alerts.py --root /tmp/before   # another checkout of the product (e.g. `git archive` of
                                                # an older commit), to measure "before"

Run from the repository root. Workspaces go under ``bench/out/alerts/`` (git-ignored).

1. **Real and sample data.** The sample workspace and every dated performance file of
   ``../shared/datasets`` (Meridian national and geo, Robyn weekly, the messy campaign sheet), each
   added with its suggested mapping, exactly as a user uploading it gets. The Dashboard's list,
   ``recent_alerts`` (watched KPIs, by channel), is run over the whole history (``periods`` large):
   since scoring only looks back, that is every alert the weekly reviews would have shown, once each.
   Reported: alerts per quarter of scored history, and the Dashboard's count on its default range
   (the last 12 months, last 8 periods).
2. **Known truth.** Simulated businesses of 6 channels x 104 weeks: spend ~ Normal(mu, 8%), leads ~
   Poisson(spend / CPL), SQLs ~ Poisson(leads x 25%). Half the channels get one step change at a
   random week 40-96: spend stops (-100%), spend -50% or +60% (leads follow), or leads -50% at the
   same spend (a broken form); the other half are pure noise. A change is caught when an alert names
   its channel within 4 weeks of the step; every other alert is false (noise channels, and changed
   channels outside that window). Reported: catch rate per kind of change, false alerts per quarter
   per business (6 channels, 4 KPIs watched).
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import time
from collections import Counter
from datetime import date, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
DATASETS = ROOT.parent / "shared" / "datasets"
REAL = [
    "google-meridian/national_media.xlsx",
    "google-meridian/geo_all_channels.csv",
    "meta-robyn/dt_simulated_weekly.csv",
    "messy-marketing-campaigns/marketing_campaign_data_messy.csv",
]
CHANGES = ("spend stops", "spend -50%", "spend +60%", "leads -50%")
MONDAY = date(2024, 1, 1)
WEEKS = 104
CHANNELS = 6


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--root", type=Path, default=ROOT, help="the product checkout to measure")
    parser.add_argument("--businesses", type=int, default=60)
    args = parser.parse_args()
    out = ROOT / "bench" / "out" / "alerts"
    if out.exists():
        shutil.rmtree(out)
    out.mkdir(parents=True)
    os.environ["ROI_WORKBENCH_HOME"] = str(out / "workspaces")
    sys.path.insert(0, str(args.root.resolve()))
    started = time.perf_counter()
    print(f"product: {args.root.resolve()}")
    real_data()
    known_truth(args.businesses)
    print(f"\n{time.perf_counter() - started:.1f} s")


def real_data() -> None:
    from kpi_core.alerts import AlertSettings, recent_alerts, watched_kpis
    from kpi_core.metrics import KpiRequest
    from kpi_core.metrics.views import default_range
    from kpi_core.metrics.workspace_data import workspace_performance
    from kpi_core.workspace import Workspace, load_samples

    print("\n| data | KPIs watched | periods scored | alerts, whole history | per quarter | Dashboard default |")
    print("|---|---|---:|---:|---:|---:|")
    sources: list[tuple[str, Path | None]] = [("sample data", None)]
    sources += [(name, DATASETS / name) for name in REAL if (DATASETS / name).exists()]
    for i, (name, path) in enumerate(sources):
        ws = Workspace(f"alerts{i}")
        if path is None:
            load_samples(ws)
        else:
            ws.add_dataset(path)
        performance = workspace_performance(ws)
        if not performance.sources:
            print(f"| {name} | not a performance dataset | | | | |")
            continue
        kpis = watched_kpis(performance, {})
        settings = AlertSettings()
        found = recent_alerts(performance, kpis, KpiRequest(), settings, 100_000)
        latest, step = performance.date_coverage(KpiRequest())
        low, high = performance.date_range()
        grain_days = 7 if step < 28 else 30.4
        periods = int(((high - low).days + 1) / grain_days) if low and high else 0
        scored_quarters = max(periods - settings.min_history, 1) * grain_days / 91.3
        start, end = default_range(low, high)
        shown = recent_alerts(performance, kpis, KpiRequest(date_from=start, date_to=end), settings)
        notes = getattr(shown, "notes", lambda: [])()
        print(
            f"| {name} | {', '.join(kpis)} | {periods} | {len(found)} | {len(found) / scored_quarters:.1f} | "
            f"{len(shown)}{' (+ ' + str(len(notes)) + ' left out, said)' if notes else ''} |"
        )
        by_kpi = Counter(a.kpi for a in found)
        print(f"|  | by KPI: {dict(by_kpi)} | | | | |")


def known_truth(businesses: int) -> None:
    import duckdb
    import numpy as np
    import pandas as pd

    from kpi_core.alerts import AlertSettings, recent_alerts
    from kpi_core.mapping import mapping_from_dict
    from kpi_core.metrics import KpiRequest, Performance, Source

    mapping = mapping_from_dict(
        {
            "version": 1,
            "kind": "performance",
            "roles": {"date": "date", "channel": "channel", "spend": "spend", "leads": "leads", "sqls": "sqls"},
        }
    )
    rng = np.random.default_rng(2026)
    caught: Counter[str] = Counter()
    injected: Counter[str] = Counter()
    false_alerts = 0
    on_noise = 0
    alerts_total = 0
    for b in range(businesses):
        rows: list[dict[str, Any]] = []
        truth: dict[str, tuple[str, date]] = {}
        for c in range(CHANNELS):
            channel = f"Channel {c + 1}"
            mu = float(rng.uniform(2000, 20000))
            cpl = float(rng.uniform(40, 160))
            change = CHANGES[(b * CHANNELS + c) // 2 % len(CHANGES)] if c % 2 == 0 else None
            week = int(rng.integers(40, WEEKS - 8))
            if change:
                truth[channel] = (change, MONDAY + timedelta(weeks=week))
            for t in range(WEEKS):
                after = change is not None and t >= week
                spend_factor = {"spend stops": 0.0, "spend -50%": 0.5, "spend +60%": 1.6}.get(change or "", 1.0)
                spend = max(rng.normal(mu, 0.08 * mu), 0.0) * (spend_factor if after else 1.0)
                rate = 0.5 if after and change == "leads -50%" else 1.0
                leads = rng.poisson(max(spend, 0.0) / cpl * rate) if spend > 0 else 0
                rows.append(
                    {
                        "date": MONDAY + timedelta(weeks=t),
                        "channel": channel,
                        "spend": round(spend, 2),
                        "leads": int(leads),
                        "sqls": int(rng.poisson(leads * 0.25)),
                    }
                )
        frame = pd.DataFrame(rows)
        con = duckdb.connect()
        con.register("frame", frame)
        con.execute("CREATE TABLE perf AS SELECT * FROM frame")
        performance = Performance(con, [Source(mapping, "perf")])
        found = recent_alerts(performance, ["spend", "leads", "sqls", "cpl"], KpiRequest(), AlertSettings(), 100_000)
        alerts_total += len(found)
        hit: set[str] = set()
        for alert in found:
            channel = alert.dims.get("channel", "")
            if channel in truth and 0 <= (alert.period - truth[channel][1]).days < 28:
                hit.add(channel)
            else:
                false_alerts += 1
                on_noise += channel not in truth
        for channel, (change, _) in truth.items():
            injected[change] += 1
            caught[change] += channel in hit
    quarters = businesses * (WEEKS - AlertSettings().min_history) * 7 / 91.3
    print(f"\nKnown truth: {businesses} businesses x {CHANNELS} channels x {WEEKS} weeks (seed 2026)\n")
    print("| change | injected | caught (alert within 4 weeks) |")
    print("|---|---:|---:|")
    for change in CHANGES:
        print(f"| {change} | {injected[change]} | {caught[change] / max(injected[change], 1):.0%} |")
    total = sum(injected.values())
    print(f"| all | {total} | {sum(caught.values()) / max(total, 1):.0%} |")
    print(
        f"\nalerts {alerts_total}; false alerts {false_alerts}: {false_alerts / quarters:.2f} per quarter per business "
        f"({false_alerts / (quarters * CHANNELS):.2f} per channel and quarter); on noise-only channels {on_noise}: "
        f"{on_noise / (quarters * CHANNELS / 2):.2f} per channel and quarter"
    )


if __name__ == "__main__":
    main()
