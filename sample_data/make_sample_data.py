#!/usr/bin/env python3
"""Generate the synthetic ROI Workbench sample data set.

Story: a B2B SaaS company, two full years of weekly marketing data (weeks start on
Monday, 2024-01-01 .. 2025-12-22, 104 weeks) across 7 channels. Spend comes from
ad-platform exports and an in-house campaign tracker; the funnel below the lead and
the revenue come from a CRM roll-up. Outcomes follow a saturating (Hill) response to
adstocked (carried-over) spend, with noise; funnel counts are Poisson/binomial draws.

Everything is synthetic and seeded: running the script twice writes byte-identical
files. Dependencies: numpy, pandas, openpyxl only.

    python sample_data/make_sample_data.py
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import zipfile
from pathlib import Path

import numpy as np
import pandas as pd
from openpyxl import Workbook
from openpyxl.writer.excel import ExcelWriter

OUT = Path(__file__).resolve().parent
MAPPINGS = OUT / "mappings"
SEED = 2025
rng = np.random.default_rng(SEED)

WEEKS = pd.date_range("2024-01-01", "2025-12-22", freq="W-MON")
N = len(WEEKS)
assert N == 104
WEEK_STR = [w.strftime("%Y-%m-%d") for w in WEEKS]
AS_OF = dt.date(2025, 12, 28)  # end of the last week: data "exported" on this day
FIXED_TS = dt.datetime(2025, 12, 29, 0, 0, 0)  # xlsx metadata and zip timestamps
SETTINGS = {"gross_margin": 0.8, "customer_lifetime_years": 3, "currency": "USD"}
CHANNEL_ORDER = ["Google Ads", "LinkedIn Ads", "Meta Ads", "Webinars", "Events", "Email", "Content/SEO"]
SHEET_CHANNELS = ["Meta Ads", "Webinars", "Events", "Email", "Content/SEO"]

# --------------------------------------------------------------------------------------
# Channel and campaign parameters
# --------------------------------------------------------------------------------------
# decay: adstock carry-over; hill: Hill exponent; kappa: half-saturation / mean adstock;
# mql, sql, opp, win: stage conversion probabilities; deal: median deal size (USD);
# sigma: lognormal spread of deal size; cycle: median days opportunity -> close.
CHANNELS = {
    "Google Ads": dict(
        decay=0.30, hill=1.1, kappa=1.0, mql=0.45, sql=0.40, opp=0.50, win=0.26, deal=15000, sigma=0.45, cycle=50
    ),
    "LinkedIn Ads": dict(
        decay=0.50, hill=1.0, kappa=0.9, mql=0.62, sql=0.55, opp=0.55, win=0.26, deal=24000, sigma=0.40, cycle=75
    ),
    "Meta Ads": dict(
        decay=0.30, hill=1.2, kappa=0.8, mql=0.22, sql=0.18, opp=0.40, win=0.16, deal=8000, sigma=0.50, cycle=40
    ),
    "Webinars": dict(
        decay=0.60, hill=1.0, kappa=1.0, mql=0.55, sql=0.30, opp=0.45, win=0.22, deal=14000, sigma=0.45, cycle=55
    ),
    "Events": dict(
        decay=0.65, hill=1.0, kappa=1.0, mql=0.50, sql=0.42, opp=0.50, win=0.30, deal=22000, sigma=0.40, cycle=80
    ),
    "Email": dict(
        decay=0.20, hill=1.0, kappa=1.0, mql=0.35, sql=0.30, opp=0.40, win=0.25, deal=12000, sigma=0.45, cycle=45
    ),
    "Content/SEO": dict(
        decay=0.85, hill=1.0, kappa=1.0, mql=0.33, sql=0.30, opp=0.45, win=0.24, deal=11000, sigma=0.45, cycle=50
    ),
}


def widx(date_str: str) -> int:
    """Index of the week (Monday) that contains date_str."""
    d = pd.Timestamp(date_str)
    i = int((d - WEEKS[0]).days // 7)
    assert 0 <= i < N, date_str
    return i


def windows(*spans: tuple[str, str]) -> np.ndarray:
    m = np.zeros(N)
    for a, b in spans:
        m[widx(a) : widx(b) + 1] = 1.0
    return m


def event_profile(dates: list[str], profile: list[float], offset: int, total: float) -> np.ndarray:
    """Spend of a dated event: profile (fractions of total) starting offset weeks before."""
    m = np.zeros(N)
    for d in dates:
        i0 = widx(d) + offset
        for k, frac in enumerate(profile):
            if 0 <= i0 + k < N:
                m[i0 + k] += frac * total
    return m


def shift(start: str, factor: float, end: str | None = None) -> np.ndarray:
    m = np.ones(N)
    m[widx(start) : (widx(end) + 1 if end else N)] = factor
    return m


iso_week = np.array([w.isocalendar()[1] for w in WEEKS])
month = np.array([w.month for w in WEEKS])
t = np.arange(N)
# Spend seasonality: Q4 push, summer dip, holiday lull.
SPEND_SEASON = (
    1
    + 0.10 * np.cos(2 * np.pi * (iso_week - 45) / 52)
    - 0.15 * ((iso_week >= 28) & (iso_week <= 34))
    - 0.40 * ((iso_week >= 52) | (iso_week == 1))
    - 0.15 * (iso_week == 51)
)
# Buyer demand: similar shape, a bit stronger, plus business growth over the two years.
DEMAND = (
    1
    + 0.15 * np.cos(2 * np.pi * (iso_week - 44) / 52)
    - 0.20 * ((iso_week >= 28) & (iso_week <= 34))
    - 0.50 * ((iso_week >= 52) | (iso_week == 1))
    - 0.20 * (iso_week == 51)
) * (1 + 0.25 * t / N)
GROWTH = 1 + 0.40 * t / N  # organic reach (SEO, email list) grows

first_week_of_month = np.array([w.day <= 7 for w in WEEKS], dtype=float)
first_two_weeks = np.array([w.day <= 14 for w in WEEKS], dtype=float)


def on_off(p_on: float) -> np.ndarray:
    return (rng.random(N) < p_on).astype(float)


# Campaign table. budget: weekly spend (USD) when fully on; sched: multiplier per week
# (or absolute spend when fixed=True); cpm/ctr/sess: media model; cpl: planned cost per
# lead at the campaign's typical spend (None: no paid lead response); org_impr/org_leads:
# organic weekly impressions and leads; q: lead-quality multiplier on MQL/SQL rates;
# na: NA share of the campaign (campaign sheet only); group: LinkedIn campaign group.
CAMPAIGNS = [
    # Google Ads ---------------------------------------------------------------------
    dict(ch="Google Ads", name="GA - Brand Search", budget=2200, sched=np.ones(N), cpm=180, ctr=0.120, cpl=45, q=1.30),
    dict(
        ch="Google Ads",
        name="GA - Generic Search",
        budget=6500,
        sched=shift("2025-04-07", 0.75),
        cpm=170,
        ctr=0.035,
        cpl=140,
        q=1.0,
    ),
    dict(
        ch="Google Ads",
        name="GA - Competitor Search",
        budget=2800,
        sched=1 - windows(("2025-08-04", "2025-09-29")),
        cpm=190,
        ctr=0.028,
        cpl=190,
        q=1.1,
    ),
    dict(
        ch="Google Ads",
        name="GA - Display Remarketing",
        budget=1500,
        sched=(1 - windows(("2024-05-06", "2024-06-03"))) * on_off(0.92),
        cpm=7,
        ctr=0.0045,
        cpl=110,
        q=0.7,
    ),
    # LinkedIn Ads -------------------------------------------------------------------
    dict(
        ch="LinkedIn Ads",
        name="LI - ABM Decision Makers",
        group="ABM - Enterprise",
        budget=4500,
        sched=shift("2025-01-06", 1.4),
        cpm=95,
        ctr=0.0055,
        cpl=330,
        q=1.25,
    ),
    dict(
        ch="LinkedIn Ads",
        name="LI - ABM Retargeting",
        group="ABM - Enterprise",
        budget=1800,
        sched=np.ones(N),
        cpm=70,
        ctr=0.0080,
        cpl=220,
        q=1.15,
    ),
    dict(
        ch="LinkedIn Ads",
        name="LI - Lead Gen Forms",
        group="Demand Gen",
        budget=3500,
        sched=np.ones(N),
        cpm=65,
        ctr=0.0065,
        cpl=170,
        q=0.95,
    ),
    dict(
        ch="LinkedIn Ads",
        name="LI - Thought Leadership",
        group="Brand Awareness",
        budget=2000,
        sched=on_off(0.85),
        cpm=35,
        ctr=0.0040,
        cpl=600,
        q=0.9,
    ),
    # Meta Ads -----------------------------------------------------------------------
    dict(
        ch="Meta Ads",
        name="Meta - Lookalike Prospecting",
        budget=6000,
        sched=shift("2024-07-01", 0.5),
        cpm=11,
        ctr=0.011,
        sess=0.72,
        cpl=40,
        q=0.8,
        na=0.70,
        org_impr=0,
    ),
    dict(
        ch="Meta Ads",
        name="Meta - Retargeting",
        budget=2000,
        sched=np.ones(N),
        cpm=14,
        ctr=0.014,
        sess=0.78,
        cpl=55,
        q=1.0,
        na=0.68,
        org_impr=0,
    ),
    # Webinars -----------------------------------------------------------------------
    dict(
        ch="Webinars",
        name="Webinar - Q2 ROI Masterclass",
        budget=3500,
        sched=windows(("2024-04-01", "2024-06-24"), ("2025-03-31", "2025-06-23"))
        * (1 + 0.8 * windows(("2024-05-20", "2024-05-20"), ("2025-05-19", "2025-05-19"))),
        cpm=28,
        ctr=0.016,
        sess=0.85,
        cpl=32,
        q=1.15,
        na=0.60,
        org_impr=3000,
        org_leads=1.5,
    ),
    dict(
        ch="Webinars",
        name="Webinar - Product Deep Dive",
        budget=1600,
        sched=first_two_weeks,
        cpm=25,
        ctr=0.015,
        sess=0.85,
        cpl=30,
        q=1.0,
        na=0.62,
        org_impr=4000,
        org_leads=2.0,
    ),
    dict(
        ch="Webinars",
        name="Webinar - Customer Panel",
        budget=2500,
        sched=windows(("2024-10-07", "2024-11-25"), ("2025-09-15", "2025-11-24")),
        cpm=30,
        ctr=0.015,
        sess=0.85,
        cpl=38,
        q=1.2,
        na=0.55,
        org_impr=2000,
        org_leads=1.0,
    ),
    # Events (absolute spend schedules, no seasonality) --------------------------------
    dict(
        ch="Events",
        name="Event - SaaStr Annual",
        budget=1,
        fixed=True,
        sched=event_profile(
            ["2024-09-09", "2025-09-08"], [0.03, 0.05, 0.05, 0.08, 0.10, 0.14, 0.45, 0.06, 0.04], -6, 260000
        ),
        cpm=120,
        ctr=0.05,
        sess=0.90,
        cpl=450,
        q=1.0,
        na=0.85,
        org_impr=1500,
        org_leads=0.5,
    ),
    dict(
        ch="Events",
        name="Event - Regional Roadshow",
        budget=1,
        fixed=True,
        sched=event_profile(
            ["2024-03-11", "2024-06-03", "2024-10-07", "2024-11-11", "2025-03-17", "2025-10-20"],
            [0.15, 0.25, 0.50, 0.10],
            -2,
            40000,
        ),
        cpm=110,
        ctr=0.05,
        sess=0.90,
        cpl=380,
        q=1.1,
        na=0.50,
        org_impr=800,
        org_leads=0.3,
    ),
    dict(
        ch="Events",
        name="Event - Partner Summit",
        budget=1,
        fixed=True,
        sched=event_profile(["2024-05-13", "2025-05-12"], [0.10, 0.15, 0.20, 0.45, 0.10], -3, 70000),
        cpm=120,
        ctr=0.05,
        sess=0.90,
        cpl=420,
        q=1.2,
        na=0.60,
        org_impr=600,
        org_leads=0.3,
    ),
    # Email (spend = tool invoices; sends drive the funnel) -------------------------------
    dict(
        ch="Email",
        name="Email - Newsletter",
        budget=950,
        sched=first_week_of_month,
        no_season=True,
        cpm=None,
        ctr=0.021,
        sess=0.80,
        cpl=None,
        q=0.9,
        na=0.65,
        org_impr=42000,
        sends=(1 - ((iso_week >= 52) | (iso_week == 1))),
        org_leads=16,
    ),
    dict(
        ch="Email",
        name="Email - Nurture Sequence",
        budget=280,
        no_season=True,
        sched=(1 - windows(("2024-01-01", "2024-02-26"))) * on_off(0.85),
        cpm=None,
        ctr=0.045,
        sess=0.85,
        cpl=None,
        q=1.1,
        na=0.62,
        org_impr=11000,
        org_leads=20,
    ),
    # Content/SEO ----------------------------------------------------------------------
    dict(
        ch="Content/SEO",
        name="SEO - Blog Organic",
        budget=1800,
        sched=on_off(0.55),
        no_season=True,
        cpm=None,
        ctr=0.017,
        sess=0.95,
        cpl=None,
        q=1.0,
        na=0.58,
        org_impr=160000,
        org_leads=38,
        seo=True,
    ),
    dict(
        ch="Content/SEO",
        name="Content - Gated Ebooks",
        budget=1200,
        sched=on_off(0.60),
        no_season=True,
        cpm=30,
        ctr=0.010,
        sess=0.90,
        cpl=75,
        q=0.95,
        na=0.60,
        org_impr=25000,
        org_leads=15,
    ),
]


def adstock(x: np.ndarray, decay: float) -> np.ndarray:
    a = np.zeros_like(x)
    carry = 0.0
    for i, v in enumerate(x):
        carry = v + decay * carry
        a[i] = carry
    return a


def hill(a: np.ndarray, k: float, s: float) -> np.ndarray:
    a = np.maximum(a, 0.0)
    return a**s / (a**s + k**s)


# --------------------------------------------------------------------------------------
# Simulate: one row per week x campaign
# --------------------------------------------------------------------------------------
rows = []
for c in CAMPAIGNS:
    p = CHANNELS[c["ch"]]
    sched = c["sched"]
    if c.get("fixed"):
        spend = sched * rng.lognormal(0, 0.06, N)
    else:
        season = np.ones(N) if c.get("no_season") else SPEND_SEASON
        spend = c["budget"] * sched * season * rng.lognormal(0, 0.12, N)
    spend_cents = np.round(spend * 100).astype(np.int64)
    spend = spend_cents / 100.0

    ads = adstock(spend, p["decay"])
    k = p["kappa"] * ads[ads > 0].mean()
    f = hill(ads, k, p["hill"])

    # Media: impressions, clicks, sessions.
    mu_impr = np.zeros(N)
    if c.get("cpm"):
        mu_impr += spend / c["cpm"] * 1000 * rng.lognormal(0, 0.08, N)
    if c.get("org_impr"):
        org = c["org_impr"] * GROWTH * rng.lognormal(0, 0.06, N)
        if c.get("seo"):  # content spend lifts organic reach with a long carry-over
            org *= 0.85 + 0.30 * f
        if "sends" in c:
            org *= c["sends"]
        else:
            org *= np.clip(DEMAND, 0.3, None)
        mu_impr += org
    impressions = rng.poisson(mu_impr)
    ctr = np.clip(c["ctr"] * rng.lognormal(0, 0.08, N), 0, 0.9)
    clicks = rng.binomial(impressions, ctr)
    if "sess" in c:
        sessions = rng.binomial(clicks, c["sess"])
        cap = sessions
    else:
        sessions = np.full(N, -1)  # not reported (ad platforms)
        cap = clicks

    # Leads: saturating response to adstocked spend + organic leads.
    mu_leads = np.zeros(N)
    if c.get("cpl"):
        target = spend.sum() / c["cpl"]
        lmax = target / (f * DEMAND).sum()
        mu_leads += lmax * f * DEMAND
    if c.get("org_leads"):
        org_l = c["org_leads"] * DEMAND * GROWTH
        if "sends" in c:
            org_l = org_l * c["sends"]
        mu_leads += org_l
    leads = np.minimum(rng.poisson(mu_leads), cap)

    # Funnel below the lead.
    q = c["q"]
    mqls = rng.binomial(leads, min(0.95, p["mql"] * q))
    sqls = rng.binomial(mqls, min(0.95, p["sql"] * q))
    demos = sqls + rng.binomial(mqls - sqls, 0.30)
    opps = rng.binomial(sqls, p["opp"])
    customers = rng.binomial(opps, p["win"])
    pipeline = np.zeros(N, dtype=np.int64)
    revenue = np.zeros(N, dtype=np.int64)
    for i in range(N):
        if opps[i]:
            amounts = np.round(rng.lognormal(np.log(p["deal"]), p["sigma"], opps[i]) / 10).astype(np.int64) * 10
            pipeline[i] = amounts.sum()
            revenue[i] = amounts[: customers[i]].sum()

    for i in range(N):
        rows.append(
            dict(
                week=i,
                channel=c["ch"],
                campaign=c["name"],
                spend_cents=int(spend_cents[i]),
                impressions=int(impressions[i]),
                clicks=int(clicks[i]),
                sessions=int(sessions[i]),
                leads=int(leads[i]),
                mqls=int(mqls[i]),
                demos=int(demos[i]),
                sqls=int(sqls[i]),
                opps=int(opps[i]),
                customers=int(customers[i]),
                pipeline=int(pipeline[i]),
                revenue=int(revenue[i]),
            )
        )

M = pd.DataFrame(rows)
CAMP = {c["name"]: c for c in CAMPAIGNS}


# --------------------------------------------------------------------------------------
# Formatting helpers
# --------------------------------------------------------------------------------------
def money(cents: int, sep: bool = False) -> str:
    whole, frac = divmod(int(cents), 100)
    return (f"{whole:,}" if sep else str(whole)) + f".{frac:02d}"


def write_csv(
    path: Path,
    header: list[str] | None,
    data: list[list],
    pre: list[list] | None = None,
    encoding: str = "utf-8",
    delimiter: str = ",",
    lineterminator: str = "\n",
) -> None:
    buf = io.StringIO()
    w = csv.writer(buf, delimiter=delimiter, lineterminator=lineterminator, quoting=csv.QUOTE_MINIMAL)
    for r in pre or []:
        w.writerow(r)
    if header:
        w.writerow(header)
    w.writerows(data)
    path.write_bytes(buf.getvalue().encode(encoding))


def save_xlsx_deterministic(wb: Workbook, path: Path) -> None:
    """openpyxl's save() stamps 'now' into docProps and the zip entries; avoid both."""
    wb.properties.created = FIXED_TS
    wb.properties.modified = FIXED_TS
    wb.properties.creator = "ROI Workbench sample generator"
    wb.properties.lastModifiedBy = "ROI Workbench sample generator"
    raw = io.BytesIO()
    ExcelWriter(wb, zipfile.ZipFile(raw, "w", zipfile.ZIP_DEFLATED, allowZip64=True)).save()
    src = zipfile.ZipFile(io.BytesIO(raw.getvalue()))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        for info in src.infolist():
            zi = zipfile.ZipInfo(info.filename, date_time=FIXED_TS.timetuple()[:6])
            zi.compress_type = zipfile.ZIP_DEFLATED
            zi.create_system = 0
            zi.external_attr = 0
            z.writestr(zi, src.read(info.filename))
    path.write_bytes(out.getvalue())


def us_date(d: dt.date | None) -> str:
    return "" if d is None else f"{d.month}/{d.day}/{d.year}"


OUT.mkdir(exist_ok=True)
MAPPINGS.mkdir(exist_ok=True)

# --------------------------------------------------------------------------------------
# 1. Google Ads campaign report
# --------------------------------------------------------------------------------------
ga = M[M.channel == "Google Ads"].sort_values(["week", "campaign"], kind="stable")


def ga_line(label: str, week: str, cents: int, impr: int, clicks: int, conv: int) -> list:
    ctr = "--" if impr == 0 else f"{clicks / impr * 100:.2f}%"
    cpc = "--" if clicks == 0 else f"{cents / clicks / 100:.2f}"
    return [
        label,
        week,
        "USD",
        money(cents, sep=True),
        f"{impr:,}",
        f"{clicks:,}",
        ctr,
        cpc,
        f"{conv:,}.00",
        f"{conv * 50:,}.00",
    ]


ga_rows = [
    ga_line(r.campaign, WEEK_STR[r.week], r.spend_cents, r.impressions, r.clicks, r.leads) for r in ga.itertuples()
]
search = ga[ga.campaign.str.contains("Search")]
display = ga[~ga.campaign.str.contains("Search")]
for label, part in [("Total: Account", ga), ("Total: Search", search), ("Total: Display", display)]:
    ga_rows.append(
        ga_line(label, "--", part.spend_cents.sum(), part.impressions.sum(), part.clicks.sum(), part.leads.sum())
    )
write_csv(
    OUT / "google_ads_campaign_report.csv",
    ["Campaign", "Week", "Currency code", "Cost", "Impr.", "Clicks", "CTR", "Avg. CPC", "Conversions", "Conv. value"],
    ga_rows,
    pre=[["Campaign report"], ["January 1, 2024 - December 28, 2025"]],
)

# --------------------------------------------------------------------------------------
# 2. LinkedIn Campaign Manager workbook
# --------------------------------------------------------------------------------------
li = M[M.channel == "LinkedIn Ads"].copy()
li["group"] = li.campaign.map(lambda n: CAMP[n]["group"])
group_order = ["ABM - Enterprise", "Demand Gen", "Brand Awareness"]
li["g"] = li.group.map(group_order.index)
li = li.sort_values(["g", "campaign", "week"], kind="stable")
as_text = rng.random(len(li)) < 1 / 3  # a third of the spend cells are "$1,234.56" strings

wb = Workbook()
ws = wb.active
ws.title = "Campaign Performance"
ws["A1"] = "Campaign Performance Report (in UTC)"
ws["A2"] = "Report Start: 2024-01-01"
ws["A3"] = "Report End: 2025-12-28"
header = [
    "Start Date (in UTC)",
    "Campaign Name",
    "Campaign Group",
    "Total Spent",
    "Impressions",
    "Clicks",
    "Leads",
    "Currency",
]
for j, h in enumerate(header, start=1):
    ws.cell(row=5, column=j, value=h)
r_i = 6
prev_group = None
for r, txt in zip(li.itertuples(), as_text):
    if prev_group is not None and r.group != prev_group:
        r_i += 1  # a fully blank row between campaign-group blocks
    prev_group = r.group
    d = ws.cell(row=r_i, column=1, value=WEEKS[r.week].to_pydatetime())
    d.number_format = "yyyy-mm-dd"
    ws.cell(row=r_i, column=2, value=r.campaign)
    ws.cell(row=r_i, column=3, value=r.group)
    if txt:
        ws.cell(row=r_i, column=4, value="$" + money(r.spend_cents, sep=True))
    else:
        ws.cell(row=r_i, column=4, value=r.spend_cents / 100).number_format = "#,##0.00"
    ws.cell(row=r_i, column=5, value=r.impressions)
    ws.cell(row=r_i, column=6, value=r.clicks)
    ws.cell(row=r_i, column=7, value=r.leads)
    ws.cell(row=r_i, column=8, value="USD")
    r_i += 1
r_i += 1  # blank row before the total
ws.cell(row=r_i, column=1, value="Total")
ws.cell(row=r_i, column=4, value=int(li.spend_cents.sum()) / 100).number_format = "#,##0.00"
ws.cell(row=r_i, column=5, value=int(li.impressions.sum()))
ws.cell(row=r_i, column=6, value=int(li.clicks.sum()))
ws.cell(row=r_i, column=7, value=int(li.leads.sum()))
ws.cell(row=r_i, column=8, value="USD")
for col, width in zip("ABCDEFGH", [20, 28, 18, 14, 13, 10, 8, 10]):
    ws.column_dimensions[col].width = width
notes = wb.create_sheet("Notes")
for i, line in enumerate(
    [
        "LinkedIn Campaign Manager export, weekly breakdown (synthetic sample data).",
        "Account: Acme Analytics (demo). All amounts in USD.",
        "Leads are Lead Gen Form submissions; they also appear in the CRM roll-up.",
        "Rows are grouped by campaign group; a Total row closes the table.",
        "Generated by sample_data/make_sample_data.py",
    ],
    start=1,
):
    notes.cell(row=i, column=1, value=line)
notes.column_dimensions["A"].width = 80
save_xlsx_deterministic(wb, OUT / "linkedin_campaign_performance.xlsx")

# --------------------------------------------------------------------------------------
# 3. Campaign sheet (other channels, split by region)
# --------------------------------------------------------------------------------------
sheet = M[M.channel.isin(SHEET_CHANNELS)].copy()
sheet["ch_order"] = sheet.channel.map(CHANNEL_ORDER.index)
sheet = sheet.sort_values(["week", "ch_order", "campaign"], kind="stable")
sheet_rows = []
region_rows = []  # for the self-check
for r in sheet.itertuples():
    share = float(np.clip(CAMP[r.campaign]["na"] + rng.normal(0, 0.04), 0.05, 0.95))
    na_cents = int(round(r.spend_cents * share))
    na_impr = int(rng.binomial(r.impressions, share))
    na_clicks = int(rng.hypergeometric(r.clicks, r.impressions - r.clicks, na_impr)) if na_impr else 0
    na_sess = int(rng.hypergeometric(r.sessions, r.clicks - r.sessions, na_clicks)) if na_clicks else 0
    parts = [
        ("NA", na_cents, na_impr, na_clicks, na_sess),
        ("EMEA", r.spend_cents - na_cents, r.impressions - na_impr, r.clicks - na_clicks, r.sessions - na_sess),
    ]
    for reg, cents, impr, clk, sess in parts:
        sheet_rows.append([WEEK_STR[r.week], r.channel, r.campaign, reg, money(cents), impr, clk, sess])
write_csv(
    OUT / "campaign_sheet.csv",
    ["Week", "Channel", "Campaign", "Region", "Spend", "Impressions", "Clicks", "Sessions"],
    sheet_rows,
)

# --------------------------------------------------------------------------------------
# 4. CRM funnel roll-up (all channels)
# --------------------------------------------------------------------------------------
crm = M.copy()
crm["ch_order"] = crm.channel.map(CHANNEL_ORDER.index)
crm = crm.sort_values(["week", "ch_order", "campaign"], kind="stable")
crm_rows = [
    [
        WEEK_STR[r.week],
        r.channel,
        r.campaign,
        r.leads,
        r.mqls,
        r.sqls,
        r.opps,
        r.customers,
        f"{r.pipeline}.00",
        f"{r.revenue}.00",
        r.demos,
    ]
    for r in crm.itertuples()
]
write_csv(
    OUT / "crm_funnel_rollup.csv",
    [
        "Week",
        "Channel",
        "Campaign",
        "Leads",
        "MQLs",
        "SQLs",
        "Opportunities",
        "Closed won deals",
        "Pipeline value",
        "Closed won amount",
        "Demo requests",
    ],
    crm_rows,
)

# --------------------------------------------------------------------------------------
# 5. CRM deals export (a ~12% sample of the leads, with stage dates)
# --------------------------------------------------------------------------------------
OWNERS = {
    "NA": ["Alex Morgan", "Jordan Lee", "Priya Shah", "Marcus Green"],
    "EMEA": ["Sophie Müller", "Lukas Becker", "Camille Dubois"],
}
frac = 6000 / M.leads.sum()
deal_recs = []
for r in M.itertuples():
    n = int(rng.binomial(r.leads, frac)) if r.leads else 0
    if n == 0:
        continue
    # stage structure of this row's leads: won, lost opp, SQL only, MQL only, lead only
    colors = [r.customers, r.opps - r.customers, r.sqls - r.opps, r.mqls - r.sqls, r.leads - r.mqls]
    counts = rng.multivariate_hypergeometric(colors, n)
    labels = np.repeat(np.arange(5), counts)
    p = CHANNELS[r.channel]
    na_share = CAMP[r.campaign].get("na", 0.65)
    for lab in labels:
        created = (WEEKS[r.week] + pd.Timedelta(days=int(rng.integers(0, 7)))).date()
        depth = {0: 4, 1: 4, 2: 2, 3: 1, 4: 0}[int(lab)]  # 0 lead, 1 mql, 2 sql, 3 opp, 4 closed
        dates = [created]
        lags = [
            int(rng.integers(0, 11)),
            int(2 + rng.gamma(2, 5)),
            int(3 + rng.gamma(2, 6)),
            int(7 + rng.gamma(3, p["cycle"] / 3)),
        ]
        amount = int(round(rng.lognormal(np.log(p["deal"]), p["sigma"]) / 100) * 100)
        region = "NA" if rng.random() < na_share else "EMEA"
        owner = OWNERS[region][int(rng.integers(0, len(OWNERS[region])))]
        reached = 0
        for s in range(depth):
            nxt = dates[-1] + dt.timedelta(days=lags[s])
            if nxt > AS_OF:
                break
            dates.append(nxt)
            reached = s + 1
        if reached == 4:
            stage = "Closed Won" if lab == 0 else "Closed Lost"
        else:
            stage = ["Lead", "MQL", "SQL", "Opportunity"][reached]
        dates += [None] * (5 - len(dates))
        deal_recs.append(
            dict(
                created=created,
                mql=dates[1],
                sql=dates[2],
                opp=dates[3],
                close=dates[4],
                stage=stage,
                amount=amount if reached >= 3 else None,
                source=r.channel,
                campaign=r.campaign,
                owner=owner,
                region=region,
            )
        )
deal_recs.sort(key=lambda d: d["created"])  # stable: ties keep draw order
deal_rows = []
for k, d in enumerate(deal_recs):
    deal_rows.append(
        [
            f"D-{10001 + k}",
            us_date(d["created"]),
            us_date(d["mql"]),
            us_date(d["sql"]),
            us_date(d["opp"]),
            us_date(d["close"]),
            d["stage"],
            "" if d["amount"] is None else str(d["amount"]),
            d["source"],
            d["campaign"],
            d["owner"],
            d["region"],
        ]
    )
write_csv(
    OUT / "crm_deals.csv",
    [
        "Deal ID",
        "Created date",
        "MQL date",
        "SQL date",
        "Opportunity date",
        "Close date",
        "Stage",
        "Amount",
        "Original source",
        "Campaign",
        "Owner",
        "Region",
    ],
    deal_rows,
)

# --------------------------------------------------------------------------------------
# 6. Touchpoints (multi-touch journeys)
# --------------------------------------------------------------------------------------
TOUCH_TYPES = {
    "Google Ads": ["Ad click"],
    "LinkedIn Ads": ["Ad click", "Form fill"],
    "Meta Ads": ["Ad click"],
    "Webinars": ["Register", "Attend"],
    "Events": ["Booth scan", "Meeting"],
    "Email": ["Click"],
    "Content/SEO": ["Visit", "Download"],
}
W_FIRST = [0.22, 0.15, 0.20, 0.06, 0.07, 0.05, 0.25]
W_MID = [0.12, 0.15, 0.08, 0.20, 0.07, 0.28, 0.10]
W_LAST = [0.28, 0.20, 0.05, 0.15, 0.12, 0.12, 0.08]
# campaign weights per channel and week: that campaign's leads that week (+ a little)
camp_w = {}
for ch in CHANNEL_ORDER:
    names = [c["name"] for c in CAMPAIGNS if c["ch"] == ch]
    mat = np.array([M[(M.campaign == n)].sort_values("week").leads.to_numpy() for n in names], dtype=float) + 0.3
    camp_w[ch] = (names, mat / mat.sum(axis=0))
HOUR_P = np.array([0, 0, 0, 0, 0, 0, 1, 3, 7, 9, 9, 8, 6, 7, 8, 8, 7, 5, 4, 3, 3, 2, 1, 0], dtype=float)
HOUR_P /= HOUR_P.sum()
LEN_P = np.array([0.22, 0.20, 0.17, 0.13, 0.10, 0.08, 0.06, 0.04])
n_journeys = 5800
lengths = rng.choice(np.arange(1, 9), size=n_journeys, p=LEN_P)
contact_ids = rng.choice(np.arange(10000, 100000), size=n_journeys, replace=False)
start0 = dt.datetime(2024, 1, 1)
end_ts = dt.datetime(2025, 12, 28, 23, 59, 59)
span_s = int((end_ts - start0).total_seconds())
tp_rows = []
for j in range(n_journeys):
    L = int(lengths[j])
    chans = []
    for pos in range(L):
        w = W_FIRST if pos == 0 else (W_LAST if pos == L - 1 else W_MID)
        chans.append(CHANNEL_ORDER[int(rng.choice(7, p=w))])
    # days between touches, then business-hour times
    gaps = np.concatenate([[0.0], rng.exponential(7.0, L - 1)])
    day_off = np.floor(np.cumsum(gaps)).astype(int)
    start_day = start0 + dt.timedelta(seconds=int(rng.integers(0, span_s)))
    start_day = dt.datetime(start_day.year, start_day.month, start_day.day)
    overflow = (start_day + dt.timedelta(days=int(day_off[-1]))) - dt.datetime(2025, 12, 28)
    if overflow.days > 0:
        start_day -= dt.timedelta(days=overflow.days)
    stamps = []
    for pos in range(L):
        hour = int(rng.choice(24, p=HOUR_P))
        sec = int(rng.integers(0, 3600))
        ts = start_day + dt.timedelta(days=int(day_off[pos]), hours=hour, seconds=sec)
        if pos and ts <= stamps[-1]:
            ts = stamps[-1] + dt.timedelta(minutes=int(rng.integers(5, 240)))
        stamps.append(min(ts, end_ts))
    has = set(chans)
    p_conv = (
        0.03
        + 0.035 * (L - 1)
        + 0.05 * ("LinkedIn Ads" in has)
        + 0.04 * ("Webinars" in has)
        + 0.04 * ("Events" in has)
        - 0.02 * (has == {"Meta Ads"})
    )
    converted = rng.random() < min(max(p_conv, 0.005), 0.6)
    value = rng.lognormal(np.log(CHANNELS[chans[-1]]["deal"]), 0.45) if converted else 0.0
    for pos in range(L):
        wk = min(max((stamps[pos] - start0).days // 7, 0), N - 1)
        names, mat = camp_w[chans[pos]]
        camp = names[int(rng.choice(len(names), p=mat[:, wk]))]
        tt = TOUCH_TYPES[chans[pos]][int(rng.integers(0, len(TOUCH_TYPES[chans[pos]])))]
        last_conv = converted and pos == L - 1
        tp_rows.append(
            [
                f"C-{contact_ids[j]}",
                stamps[pos].strftime("%Y-%m-%dT%H:%M:%S"),
                chans[pos],
                camp,
                tt,
                1 if last_conv else 0,
                f"{value:.2f}" if last_conv else "",
            ]
        )
order = rng.permutation(len(tp_rows))
tp_rows = [tp_rows[i] for i in order]
write_csv(
    OUT / "touchpoints.csv",
    ["Contact ID", "Timestamp", "Channel", "Campaign", "Touch type", "Converted", "Conversion value"],
    tp_rows,
)

# --------------------------------------------------------------------------------------
# 7. A/B test (aggregated)
# --------------------------------------------------------------------------------------
ab_rows = []
for variant, rate in [("Control", 0.040), ("Variant B", 0.046), ("Variant C", 0.041)]:
    users = int(12000 + rng.integers(-150, 151))
    conv = int(round(users * rate))
    revenue = rng.lognormal(np.log(89.0), 0.35, conv).sum()
    ab_rows.append([variant, users, conv, f"{revenue:.2f}"])
write_csv(OUT / "ab_test_landing_page.csv", ["Variant", "Users", "Conversions", "Revenue"], ab_rows)

# --------------------------------------------------------------------------------------
# 8. European semicolon export (messy-ingest demo; not part of the one-click set)
# --------------------------------------------------------------------------------------
EU = [
    ("Événement Paris", ["2025-03-24", "2025-10-06"], 38000, 0.8),
    ("Köln Messe", ["2025-05-05", "2025-11-17"], 52000, 1.0),
    ("London Roadshow", ["2025-02-10", "2025-06-16", "2025-09-22"], 21000, 1.3),
]
eu_rows = []
for name, dates, total, eff in EU:
    m = event_profile(dates, [0.12, 0.20, 0.55, 0.13], -2, total) * rng.lognormal(0, 0.06, N)
    for i in range(N):
        if WEEKS[i].year != 2025 or m[i] <= 0:
            continue
        cents = int(round(m[i] * 100))
        leads_eu = int(rng.poisson(m[i] / 420 * eff))
        whole, frac2 = divmod(cents, 100)
        amount = f"{whole:,}".replace(",", ".") + f",{frac2:02d} €"
        eu_rows.append((i, [WEEKS[i].strftime("%d.%m.%Y"), "Events", name, amount, leads_eu]))
eu_rows.sort(key=lambda x: x[0])
write_csv(
    OUT / "eu_campaigns_semicolon.csv",
    ["Woche", "Kanal", "Kampagne", "Kosten", "Leads"],
    [r for _, r in eu_rows],
    encoding="cp1252",
    delimiter=";",
    lineterminator="\r\n",
)

# --------------------------------------------------------------------------------------
# Mappings, manifest
# --------------------------------------------------------------------------------------
MAPS = {
    "google_ads_campaign_report.json": {
        "version": 1,
        "kind": "performance",
        "roles": {
            "date": "Week",
            "channel": {"value": "Google Ads"},
            "campaign": "Campaign",
            "spend": "Cost",
            "impressions": "Impr.",
            "clicks": "Clicks",
        },
        "settings": SETTINGS,
    },
    "linkedin_campaign_performance.json": {
        "version": 1,
        "kind": "performance",
        "sheet": "Campaign Performance",
        "roles": {
            "date": "Start Date (in UTC)",
            "channel": {"value": "LinkedIn Ads"},
            "campaign": "Campaign Name",
            "spend": "Total Spent",
            "impressions": "Impressions",
            "clicks": "Clicks",
        },
        "dimensions": {"campaign_group": "Campaign Group"},
        "settings": SETTINGS,
    },
    "campaign_sheet.json": {
        "version": 1,
        "kind": "performance",
        "roles": {
            "date": "Week",
            "channel": "Channel",
            "campaign": "Campaign",
            "spend": "Spend",
            "impressions": "Impressions",
            "clicks": "Clicks",
            "sessions": "Sessions",
        },
        "dimensions": {"region": "Region"},
        "settings": SETTINGS,
    },
    "crm_funnel_rollup.json": {
        "version": 1,
        "kind": "performance",
        "roles": {
            "date": "Week",
            "channel": "Channel",
            "campaign": "Campaign",
            "leads": "Leads",
            "mqls": "MQLs",
            "sqls": "SQLs",
            "opportunities": "Opportunities",
            "customers": "Closed won deals",
            "pipeline": "Pipeline value",
            "revenue": "Closed won amount",
        },
        "custom_stages": [
            {
                "id": "demo_requests",
                "name": "Demo requests",
                "column": "Demo requests",
                "stage": "conversion",
                "after": "mqls",
            }
        ],
        "settings": SETTINGS,
    },
    "crm_deals.json": {
        "version": 1,
        "kind": "deals",
        "roles": {
            "id": "Deal ID",
            "created_date": "Created date",
            "mql_date": "MQL date",
            "sql_date": "SQL date",
            "opportunity_date": "Opportunity date",
            "close_date": "Close date",
            "status": "Stage",
            "amount": "Amount",
            "channel": "Original source",
            "campaign": "Campaign",
        },
        "dimensions": {"owner": "Owner", "region": "Region"},
        "settings": SETTINGS,
    },
    "touchpoints.json": {
        "version": 1,
        "kind": "touchpoints",
        "roles": {
            "journey_id": "Contact ID",
            "timestamp": "Timestamp",
            "channel": "Channel",
            "campaign": "Campaign",
            "converted": "Converted",
            "value": "Conversion value",
        },
        "dimensions": {"touch_type": "Touch type"},
        "settings": SETTINGS,
    },
    "ab_test_landing_page.json": {
        "version": 1,
        "kind": "experiment",
        "roles": {"variant": "Variant", "users": "Users", "conversions": "Conversions", "revenue": "Revenue"},
        "settings": SETTINGS,
    },
}
for fname, m in MAPS.items():
    (MAPPINGS / fname).write_text(json.dumps(m, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")

MANIFEST = [
    (
        "google_ads_campaign_report.csv",
        "performance",
        "Google Ads campaign report (weekly): cost, impressions, clicks, conversions (= leads). Has title lines and Total rows.",
    ),
    (
        "linkedin_campaign_performance.xlsx",
        "performance",
        "LinkedIn Campaign Manager export (weekly), sheet 'Campaign Performance': spend, impressions, clicks, lead-gen-form leads.",
    ),
    (
        "campaign_sheet.csv",
        "performance",
        "In-house campaign tracker for Meta Ads, Webinars, Events, Email and Content/SEO: spend and traffic by week and region.",
    ),
    (
        "crm_funnel_rollup.csv",
        "performance",
        "CRM weekly roll-up for all 7 channels: leads, MQLs, demo requests, SQLs, opportunities, closed-won deals, pipeline and revenue.",
    ),
    (
        "crm_deals.csv",
        "deals",
        "CRM deals export: one row per lead/deal with stage dates, stage, amount, source channel and campaign.",
    ),
    (
        "touchpoints.csv",
        "touchpoints",
        "Marketing touches of ~6,000 contact journeys (1-8 touches each), conversion flag and value on the converting touch.",
    ),
    ("ab_test_landing_page.csv", "experiment", "Landing-page A/B/C test: users, conversions and revenue per variant."),
]
manifest = [
    {"file": f, "mapping": "mappings/" + f.rsplit(".", 1)[0] + ".json", "kind": k, "description": d}
    for f, k, d in MANIFEST
]
(OUT / "manifest.json").write_text(json.dumps(manifest, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")


# --------------------------------------------------------------------------------------
# Self-check: read the written files back and check the story holds
# --------------------------------------------------------------------------------------
def num(s: pd.Series) -> pd.Series:
    return pd.to_numeric(s.astype(str).str.replace(r"[$,%\s]", "", regex=True).replace({"--": None, "": None}))


g = pd.read_csv(OUT / "google_ads_campaign_report.csv", skiprows=2, dtype=str)
assert list(g.columns)[:2] == ["Campaign", "Week"]
g_tot = g[g.Campaign.str.startswith("Total:")]
g = g[~g.Campaign.str.startswith("Total:")]
assert len(g_tot) == 3 and len(g) == 4 * N
for col in ["Cost", "Impr.", "Clicks", "Conversions"]:
    g[col] = num(g[col])
assert (g["Clicks"] <= g["Impr."]).all() and (g["Conversions"] <= g["Clicks"]).all()
assert (g[["Cost", "Impr.", "Clicks", "Conversions"]] >= 0).all().all()
assert (g["Avg. CPC"] == "--").any(), "expected some -- cells"
assert abs(num(g_tot[g_tot.Campaign == "Total: Account"]["Cost"]).iloc[0] - g["Cost"].sum()) < 0.005

lk = pd.read_excel(
    OUT / "linkedin_campaign_performance.xlsx", sheet_name="Campaign Performance", header=4, engine="openpyxl"
)
lk = lk.dropna(how="all")
lk_tot = lk[lk["Start Date (in UTC)"].astype(str) == "Total"]
lk = lk[lk["Start Date (in UTC)"].astype(str) != "Total"].copy()
assert len(lk_tot) == 1 and len(lk) == 4 * N
lk["Total Spent"] = num(lk["Total Spent"])
assert (lk["Clicks"] <= lk["Impressions"]).all() and (lk["Leads"] <= lk["Clicks"]).all()
assert (lk[["Total Spent", "Impressions", "Clicks", "Leads"]] >= 0).all().all()
assert abs(lk["Total Spent"].sum() - float(lk_tot["Total Spent"].iloc[0])) < 0.01

cs = pd.read_csv(OUT / "campaign_sheet.csv", keep_default_na=False)  # "NA" is a region, not null
assert set(cs.Region) == {"NA", "EMEA"} and set(cs.Channel) == set(SHEET_CHANNELS)
assert (cs[["Spend", "Impressions", "Clicks", "Sessions"]] >= 0).all().all()
assert ((cs.Sessions <= cs.Clicks) & (cs.Clicks <= cs.Impressions)).all()
assert ((cs[cs.Channel.isin(["Email", "Content/SEO"])].Spend) == 0).any(), "zero spend must occur"

cr = pd.read_csv(OUT / "crm_funnel_rollup.csv")
nums = [
    "Leads",
    "MQLs",
    "SQLs",
    "Opportunities",
    "Closed won deals",
    "Pipeline value",
    "Closed won amount",
    "Demo requests",
]
assert (cr[nums] >= 0).all().all()
assert (
    (cr.MQLs <= cr.Leads)
    & (cr["Demo requests"] <= cr.MQLs)
    & (cr.SQLs <= cr["Demo requests"])
    & (cr.Opportunities <= cr.SQLs)
    & (cr["Closed won deals"] <= cr.Opportunities)
    & (cr["Closed won amount"] <= cr["Pipeline value"])
).all()
assert ((cr["Closed won deals"] > 0) == (cr["Closed won amount"] > 0)).all()
known = set(g.Campaign) | set(lk["Campaign Name"]) | set(cs.Campaign)
assert set(cr.Campaign) <= known, set(cr.Campaign) - known
assert set(cr.Channel) == set(CHANNEL_ORDER)
# Leads in the CRM equal the ad platforms' conversions/leads for the same week and campaign.
gk = g.assign(Week=g.Week).set_index(["Week", "Campaign"])["Conversions"]
ck = cr.set_index(["Week", "Campaign"])["Leads"]
assert (ck.reindex(gk.index) == gk).all()
lk["Week"] = pd.to_datetime(lk["Start Date (in UTC)"]).dt.strftime("%Y-%m-%d")
lkk = lk.set_index(["Week", "Campaign Name"])["Leads"]
assert (ck.reindex(lkk.index).to_numpy() == lkk.to_numpy()).all()
# Combined view (added up by week x campaign): the funnel stays monotone.
comb = (
    cs.groupby(["Week", "Campaign"])[["Impressions", "Clicks", "Sessions"]]
    .sum()
    .join(cr.set_index(["Week", "Campaign"]), how="right")
)
side = comb[comb.Sessions.notna()]
assert (side.Leads <= side.Sessions).all()
# Efficiency story: channels differ visibly.
by_ch = M.groupby("channel")[["spend_cents", "leads", "customers", "revenue", "clicks"]].sum()
cpl = by_ch.spend_cents / 100 / by_ch.leads
l2c = by_ch.customers / by_ch.leads
assert cpl["Events"] > 3 * cpl["Google Ads"] and cpl["Webinars"] < cpl["Google Ads"] and cpl["Email"] < 20
assert l2c["Meta Ads"] < 0.5 * l2c.drop("Meta Ads").min()
assert (by_ch.spend_cents / by_ch.clicks)["Meta Ads"] < (by_ch.spend_cents / by_ch.clicks)["LinkedIn Ads"] / 5

dl = pd.read_csv(OUT / "crm_deals.csv", dtype=str, keep_default_na=False)
assert 5000 <= len(dl) <= 7000 and dl["Deal ID"].is_unique
assert set(dl.Stage) == {"Lead", "MQL", "SQL", "Opportunity", "Closed Won", "Closed Lost"}
dd = {
    c: pd.to_datetime(dl[c].replace("", None), format="%m/%d/%Y")
    for c in ["Created date", "MQL date", "SQL date", "Opportunity date", "Close date"]
}
chain = ["Created date", "MQL date", "SQL date", "Opportunity date", "Close date"]
for a, b in zip(chain, chain[1:]):
    both = dd[a].notna() & dd[b].notna()
    assert (dd[a][both] <= dd[b][both]).all() and not (dd[b].notna() & dd[a].isna()).any()
assert ((dl.Amount != "") == dl.Stage.isin(["Opportunity", "Closed Won", "Closed Lost"])).all()
assert ((dl["Close date"] != "") == dl.Stage.isin(["Closed Won", "Closed Lost"])).all()
assert set(dl.Campaign) <= known and set(dl["Original source"]) <= set(CHANNEL_ORDER)

tp = pd.read_csv(OUT / "touchpoints.csv", keep_default_na=False, dtype=str)
assert 18000 <= len(tp) <= 22000
tp["ts"] = pd.to_datetime(tp.Timestamp, format="%Y-%m-%dT%H:%M:%S")
assert not tp.ts.is_monotonic_increasing
lens = tp.groupby("Contact ID").size()
assert lens.min() >= 1 and lens.max() <= 8
last = tp.sort_values(["Contact ID", "ts"]).groupby("Contact ID").tail(1)
conv = tp[tp.Converted == "1"]
assert conv.index.isin(last.index).all() and (conv["Conversion value"] != "").all()
assert (tp[tp.Converted == "0"]["Conversion value"] == "").all()
assert set(tp.Campaign) <= known

ab = pd.read_csv(OUT / "ab_test_landing_page.csv")
assert list(ab.Variant) == ["Control", "Variant B", "Variant C"] and (ab.Conversions < ab.Users).all()

eu = (OUT / "eu_campaigns_semicolon.csv").read_bytes().decode("cp1252")
assert "Événement Paris" in eu and "Köln Messe" in eu and " €" in eu

for f in [m["file"] for m in manifest] + ["eu_campaigns_semicolon.csv"]:
    assert (OUT / f).stat().st_size < 1_500_000, f

# Every column a mapping names is in its file's header row.
headers = {
    "google_ads_campaign_report.csv": list(g.columns),
    "linkedin_campaign_performance.xlsx": header,
    "campaign_sheet.csv": list(cs.columns),
    "crm_funnel_rollup.csv": list(cr.columns),
    "crm_deals.csv": list(dl.columns),
    "touchpoints.csv": list(tp.columns)[:7],
    "ab_test_landing_page.csv": list(ab.columns),
}
for item in manifest:
    m = json.loads((OUT / item["mapping"]).read_text(encoding="utf-8"))
    assert m["version"] == 1 and m["kind"] == item["kind"]
    cols = (
        [v for v in m["roles"].values() if isinstance(v, str)]
        + list(m.get("dimensions", {}).values())
        + [s["column"] for s in m.get("custom_stages", [])]
    )
    missing = set(cols) - {h.strip() for h in headers[item["file"]]}
    assert not missing, (item["file"], missing)

# --------------------------------------------------------------------------------------
# Summary
# --------------------------------------------------------------------------------------
counts = {
    "google_ads_campaign_report.csv": f"{len(g)} campaign-week rows + 3 Total rows",
    "linkedin_campaign_performance.xlsx": f"{len(lk)} campaign-week rows + Total row (sheet 'Campaign Performance')",
    "campaign_sheet.csv": f"{len(cs)} rows",
    "crm_funnel_rollup.csv": f"{len(cr)} rows",
    "crm_deals.csv": f"{len(dl)} rows",
    "touchpoints.csv": f"{len(tp)} rows, {tp['Contact ID'].nunique()} journeys",
    "ab_test_landing_page.csv": f"{len(ab)} rows",
    "eu_campaigns_semicolon.csv": f"{len(eu_rows)} rows (cp1252, ';')",
}
for f, c in counts.items():
    print(f"{f}: {c}, {(OUT / f).stat().st_size:,} bytes")
tot = M.groupby("channel")[["spend_cents", "revenue"]].sum().reindex(CHANNEL_ORDER)
print("spend by channel: " + ", ".join(f"{ch} {money(v, sep=True)}" for ch, v in tot.spend_cents.items()))
print("revenue by channel: " + ", ".join(f"{ch} {v:,}" for ch, v in tot.revenue.items()))
