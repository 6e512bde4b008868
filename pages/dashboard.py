"""Dashboard: which channels and campaigns pay back, and is it getting better?"""

from __future__ import annotations

import altair as alt
import pandas as pd
import streamlit as st

from kpi_core.alerts import AlertSettings, recent_alerts, watched_kpis
from kpi_core.alerts.recent import RECENT_PERIODS
from kpi_core.metrics import BY_ID, GRAINS
from kpi_core.metrics.format import EMPTY, display_table, format_change, format_compact, format_value, label, text_table
from kpi_core.metrics.registry import short_name
from kpi_core.metrics.views import breakdown, funnel, missing_kpis, roas_band, tiles
from kpi_core.metrics.workspace_data import workspace_performance
from kpi_core.report.export import to_csv, to_xlsx
from kpi_core.trends.annotations import in_range, saved_annotations
from kpi_core.trends.correlation import correlate, lag_profile
from kpi_core.trends.series import kpi_series
from pages import _charts, _session, _tables

HEADLINE = ("spend", "revenue", "pipeline", "customers", "roas", "romi", "cac", "ltv_to_cac", "cac_payback_months")

ws = _session.workspace()
performance = workspace_performance(ws)
st.title("Dashboard")
if not performance.sources:
    st.switch_page("pages/home.py")  # the Dashboard is the app's front page; without data, Home is

if not performance.kpis:
    st.warning("The mapped data has no measure to compute a KPI from: map at least one of spend, revenue, "
               "clicks, leads or customers.")
    st.page_link("pages/mapping.py", label="Map a measure", icon=":material/account_tree:")
    st.stop()

settings = performance.settings
currency = settings.currency
shown_currency = _session.plain(currency)  # typed by a user: for values shown in Markdown (metrics)
request = _session.kpi_request(performance.dimensions)
low, high = performance.date_range()
start, end = request.date_from or low, request.date_to or high
filters = ", ".join(f"{d} = {', '.join(v)}" for d, v in request.where.items()) or "all channels and campaigns"
st.caption(_session.plain(f"{start:%d %b %Y} to {end:%d %b %Y} · {filters} · {len(performance.sources)} performance dataset(s)"))


def download(label: str, frame: pd.DataFrame, name: str, key: str) -> None:
    left, right = st.columns(2)
    table = display_table(frame, currency)  # human headers; Excel gets the number formats too
    # The files are made when clicked, not on every re-run.
    left.download_button(f"{label} (CSV)", lambda: to_csv(table.labelled()), f"{name}.csv", "text/csv",
                         key=f"{key}-csv")
    right.download_button(f"{label} (Excel)", lambda: to_xlsx({name: table}, currency), f"{name}.xlsx",
                          "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", key=f"{key}-xlsx")


# --- headline ----------------------------------------------------------------------------------
comparison = st.radio("Compare with", ["previous", "last_year"], horizontal=True, key="comparison",
                      format_func=lambda c: "the previous period" if c == "previous" else "the same period last year")
all_tiles = {t.kpi.id: t for t in tiles(performance, request, comparison)}
shown = [all_tiles[k] for k in HEADLINE if k in all_tiles]
TILES_PER_ROW = 4  # five tiles leave ~100 px each at 1024x768: too narrow for "$2.17M" at the tile's size
for row_start in range(0, len(shown), TILES_PER_ROW):
    for column, tile in zip(st.columns(TILES_PER_ROW), shown[row_start:row_start + TILES_PER_ROW]):
        column.metric(
            short_name(tile.kpi), format_compact(tile.kpi, tile.value, shown_currency),
            format_change(tile.change, tile.value, tile.previous),
            delta_color="off" if tile.change == 0 else "normal" if tile.kpi.direction == "higher" else "inverse",
            delta_arrow="off" if tile.change == 0 else "auto",  # "no change" points neither way
            help=f"**{tile.kpi.name}: {format_value(tile.kpi, tile.value, shown_currency)}** "
                 f"(before: {format_value(tile.kpi, tile.previous, shown_currency)}). "
                 f"{tile.kpi.formula}. {tile.kpi.description}",
        )
missing = missing_kpis(performance)
money_missing = [m for m in missing if m.kpi.id in HEADLINE]
if money_missing:
    st.info("Not shown, because a role is not mapped: " + " ".join(m.sentence for m in money_missing),
            icon=":material/info:")
    st.page_link("pages/mapping.py", label="Map more columns", icon=":material/account_tree:")

# --- alerts ------------------------------------------------------------------------------------
alert_settings = AlertSettings.from_settings(settings)
watched = watched_kpis(performance, settings)
alerts = recent_alerts(performance, watched, request, alert_settings)
with st.expander(f"What changed: {len(alerts)} alert(s) in the last {RECENT_PERIODS} periods", expanded=bool(alerts)):
    if not alerts:
        st.caption("Nothing unusual: every watched KPI stayed within its recent range.")
    for alert in alerts[:12]:
        arrow = ":material/trending_up:" if alert.direction == "up" else ":material/trending_down:"
        color = "blue" if BY_ID[alert.kpi].stage == "cost" else "green" if alert.good else "red"  # spend: neither
        # The plain sentence first; the statistics one click away, in the help beside it.
        st.markdown(f":{color}[{arrow}] " + _session.plain(alert.headline(currency)),
                    help=_session.plain(alert.details(currency, alert_settings)))
    if len(alerts) > 12:
        st.caption(f"…and {len(alerts) - 12} more (download them below).")
    for note in alerts.notes():  # thin (holiday, partial) or incomplete periods are left out, and said
        st.caption(_session.plain(note))
    st.caption(
        "Biggest money at stake first, at most one per channel, kind of KPI and period; the (?) beside an alert "
        f"gives its statistics. Watched: {', '.join(BY_ID[k].name for k in watched)}. "
        "Change the sensitivity and the KPIs in Settings."
    )
    if alerts:
        download("Alerts", pd.DataFrame([a.to_record(currency) for a in alerts]), "alerts", "alerts")

# --- funnel ------------------------------------------------------------------------------------
st.header("Funnel")
stages = funnel(performance, request)
if stages.empty:
    st.caption("Map funnel stages (clicks, leads, MQLs, SQLs...) to see the funnel.")
else:
    # Impressions outnumber customers a hundred thousand times: a log axis keeps every stage visible,
    # and bars start at 1 because a log axis has no zero.
    chart = alt.Chart(stages.dropna(subset=["count"])).mark_bar(color="#4C78A8").encode(
        y=alt.Y("label:N", sort=list(stages["label"]), title=None),
        x=alt.X("count:Q", scale=alt.Scale(type="log"), title="Count (log scale)"),
        x2=alt.datum(1),
        tooltip=[alt.Tooltip("label:N", title="Stage"), alt.Tooltip("count:Q", format=",.0f"),
                 alt.Tooltip("conversion:Q", format=".1%", title="From previous stage"),
                 alt.Tooltip("drop_off:Q", format=".1%", title="Drop-off")],
    )
    labels = chart.mark_text(align="left", dx=4).encode(text=alt.Text("count:Q", format=",.0f"))
    st.altair_chart(chart + labels)
    _tables.show(display_table(
        stages[["label", "count", "conversion", "drop_off"]], currency,
        units={"count": "count", "conversion": "percent", "drop_off": "percent"},
        labels={"label": "Stage", "count": "Count", "conversion": "From previous stage"}), key="funnel_table")
    st.caption("Conversion = this stage / the stage before, over the period; drop-off = 1 - conversion.")

# --- trend -------------------------------------------------------------------------------------
st.header("Trend")
kpi_ids = [k.id for k in performance.kpis]
left, right = st.columns([2, 1])
trend_kpi = left.selectbox("KPI", kpi_ids, index=kpi_ids.index("roas") if "roas" in kpi_ids else 0,
                           format_func=lambda k: BY_ID[k].name, key="trend_kpi")
grain = right.selectbox("Grain", GRAINS, index=1, key="trend_grain")
series = kpi_series(performance, trend_kpi, grain, request)
if series.empty:
    st.caption("No data in the selected range.")
elif low == high:
    st.caption(f"Every row is dated {low:%d %b %Y}: a trend needs rows on more than one date "
               "(map a date column, or add a file for another period).")
else:
    long = series.melt("period", ["value", "last_year"], var_name="series", value_name="v").dropna()
    long["series"] = long["series"].map({"value": "This period", "last_year": "A year earlier"})
    trend = alt.Chart(long).mark_line(point=True).encode(
        x=alt.X("period:T", title=None),
        y=alt.Y("v:Q", title=BY_ID[trend_kpi].name),
        color=alt.Color("series:N", scale=alt.Scale(domain=["This period", "A year earlier"], range=["#4C78A8", "#BBBBBB"]),
                        legend=alt.Legend(title=None, orient="top")),
        strokeDash=alt.StrokeDash("series:N", scale=alt.Scale(domain=["This period", "A year earlier"], range=[[1, 0], [4, 4]]), legend=None),
        tooltip=[alt.Tooltip("period:T"), alt.Tooltip("series:N"), alt.Tooltip("v:Q", title=BY_ID[trend_kpi].name, format=",.4g")],
    )
    notes = _charts.annotation_layer(in_range(saved_annotations(ws), series["period"].min(), series["period"].max()))
    st.altair_chart(trend + notes if notes is not None else trend)
    st.caption(f"{BY_ID[trend_kpi].name} = {BY_ID[trend_kpi].formula}, over each {grain}'s sums.")
    download("Trend data", series, f"trend_{trend_kpi}_{grain}", "trend")

# --- breakdown ---------------------------------------------------------------------------------
st.header("Breakdown")
if not performance.dimensions:
    st.caption("Map a channel or campaign column (or set one for the whole file) to break the KPIs down.")
else:
    dimension = st.radio("By", performance.dimensions, horizontal=True, key="breakdown_by",
                         format_func=lambda d: _session.plain(label(d)))  # radio options are Markdown
    table = breakdown(performance, request, dimension)
    strong, weak = settings.roas_strong, settings.roas_weak
    shades = {"strong": "background-color: #d4edda", "middle": "background-color: #fff3cd",
              "weak": "background-color: #f8d7da"}

    def colour(column: str, value: object) -> str:
        if column not in ("roas", "romi") or not isinstance(value, (int, float)):
            return ""
        band = roas_band(value + 1 if column == "romi" else value, strong, weak)  # ROMI: on the ROAS basis
        return shades.get(band or "", "")

    _tables.show(display_table(table, currency, labels={dimension: _session.plain(label(dimension))}),
                 key="breakdown_table", colour=colour)
    st.caption(f"ROAS shading: green at {strong:g}:1 or more, red under {weak:g}:1 (ROMI shaded on the same break-even basis); "
               "change the thresholds in Settings.")
    download("Breakdown", table, f"kpis_by_{dimension}", "breakdown")

# --- every KPI by tier -------------------------------------------------------------------------
st.header("All KPIs by tier")
download("All KPIs", pd.DataFrame([
    {"kpi": t.kpi.id, "name": t.kpi.name, "tier": t.kpi.tier, "value": t.value, "comparison_period": t.previous,
     "change": t.change, "formula": t.kpi.formula}
    for t in all_tiles.values()
]), "kpis_with_comparison", "all-kpis")
for tier in ("strategic", "operational", "tactical", "volume"):
    members = [t for t in all_tiles.values() if t.kpi.tier == tier]
    if not members:
        continue
    with st.expander(f"{tier.capitalize()} ({len(members)})", expanded=tier == "strategic"):
        _tables.show(text_table(pd.DataFrame([
            {"KPI": t.kpi.name, "Value": format_value(t.kpi, t.value, currency),
             "Comparison period": format_value(t.kpi, t.previous, currency),
             "Change": format_change(t.change, t.value, t.previous) or EMPTY, "Formula": t.kpi.formula}
            for t in members
        ]), numbers=("Value", "Comparison period", "Change")), key=f"tier_{tier}")
if missing:
    with st.expander(f"Not computable yet ({len(missing)})"):
        st.caption("Each needs a role the mapping does not fill yet.")
        for item in missing:
            st.markdown(f"- {item.sentence}")

# --- correlation -------------------------------------------------------------------------------
st.header("Does one KPI lead another?")
a, b, c, d = st.columns(4)
leader = a.selectbox("Leading KPI", kpi_ids, index=kpi_ids.index("spend") if "spend" in kpi_ids else 0,
                     format_func=lambda k: BY_ID[k].name, key="corr_leader")
follower = b.selectbox("Following KPI", kpi_ids, index=kpi_ids.index("sqls") if "sqls" in kpi_ids else 0,
                       format_func=lambda k: BY_ID[k].name, key="corr_follower")
corr_grain = c.selectbox("Grain", ("week", "month"), key="corr_grain")
lag = d.slider("Lag (periods)", 0, 12, 0, key="corr_lag")
found = correlate(performance, leader, follower, corr_grain, lag, request)
if found.r is None:
    st.caption(_session.plain(found.message or "Not enough data."))
else:
    st.markdown(
        f"Pearson r = **{found.r:.2f}** between {BY_ID[leader].name} and {BY_ID[follower].name} "
        f"{lag} {corr_grain}(s) later, over {found.points} periods (p = {found.p_value:.3g}). "
        "Correlation is not causation: a shared season can drive both."
    )
    left, right = st.columns(2)
    pairs = found.pairs.rename(columns={found.pairs.columns[1]: "x", found.pairs.columns[2]: "y"})
    left.altair_chart(alt.Chart(pairs).mark_circle(size=50, opacity=0.6).encode(
        x=alt.X("x:Q", title=BY_ID[leader].name), y=alt.Y("y:Q", title=f"{BY_ID[follower].name}, {lag} later"),
        tooltip=["period:T", "x:Q", "y:Q"]))
    profile = lag_profile(performance, leader, follower, corr_grain, 12, request)
    right.altair_chart(alt.Chart(profile.dropna()).mark_bar().encode(
        x=alt.X("lag:O", title=f"Lag ({corr_grain}s)"), y=alt.Y("r:Q", title="r"), tooltip=["lag", "r", "points"]),
        )
