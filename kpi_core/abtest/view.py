"""What the A/B tests page shows, computed: notices, tiles, captions and the frames behind its charts
and tables. The page lays these out and computes nothing.

Texts meant for Markdown (notices, tile labels) carry user text (arm names, health messages that
quote them) escaped with ``as_markdown_text``, so they render literally; numbers and fixed texts are
left as they are. Frames are data for ``st.dataframe`` and the charts of ``charts.py``.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Literal

import pandas as pd

from kpi_core.abtest.analyse import Comparison, ExperimentResult
from kpi_core.abtest.frames import arm_rates, default_control, interval_over_time, lifts
from kpi_core.abtest.health import MIN_CONVERSIONS, MIN_DAYS, MIN_USERS
from kpi_core.abtest.models import Metric, Verdict
from kpi_core.abtest.planner import list_size_effect, plan
from kpi_core.abtest.verdict import difference_text, p_text, rate, relative, value_text
from kpi_core.markdown import as_markdown_text
from kpi_core.metrics.format import EMPTY, Column, DisplayTable, is_empty, money, percent

Tone = Literal["success", "error", "info", "warning"]

HEADLINES: dict[Verdict, str] = {
    "win": "Winner",
    "loss": "Worse than control",
    "inconclusive": "No clear winner yet",
    "not_ready": "Not ready for a verdict",
}
"""The verdict in a word or three (tables, chart legends): never the code itself."""
LONG_WAIT_WEEKS = 26
"""Beyond half a year of more testing, the action is to stop: the difference is too small to matter at this traffic."""
GLOSSARY = (
    "**p-value**: how often a gap at least this large would turn up by chance if the two truly performed the "
    "same (small is good evidence). **Confidence** (95%): how often intervals like these contain the true "
    "difference. **Power** (80%): the chance the test detects a true change of the stated size. **Points**: "
    "percentage points, 5.0% → 5.6% is +0.6 points (a +12% relative lift)."
)
TONES: dict[Verdict, Tone] = {"win": "success", "loss": "error", "inconclusive": "info", "not_ready": "warning"}
ICONS: dict[Verdict, str] = {
    "win": ":material/trophy:",
    "loss": ":material/trending_down:",
    "inconclusive": ":material/help:",
    "not_ready": ":material/hourglass_empty:",
}
METRIC_NAMES: dict[Metric, str] = {"conversion_rate": "conversion rate", "revenue_per_user": "revenue per user"}

SEQUENTIAL_OVER_TIME = "Sequential intervals stay valid at every look."
FIXED_OVER_TIME = (
    "Fixed-horizon intervals: they are only valid at the planned sample, so do not stop the test the "
    "first day the band leaves zero."
)
BAYESIAN_CAPTION = (
    "Probability that each variant's true conversion rate is above the control's, from an exact Beta posterior "
    "with a flat prior, and the expected loss: the conversion rate given up, on average, if you ship the variant "
    "and it is in fact worse. A different lens, not a second verdict."
)
METHODS = (
    "- **Difference**: variant rate − control rate; standard error "
    "√(p₁(1−p₁)/n₁ + p₀(1−p₀)/n₀) (unpooled), interval difference ± z × SE, and the p-value from the "
    "same z, so an interval that excludes 0 and p < α always agree. Revenue per user: Welch's t-test.\n"
    "- **Relative lift**: variant / control − 1, delta-method interval with a Welch–Satterthwaite t.\n"
    "- **Pooled p-value** (in the table): the classic two-proportion z-test, for reference.\n"
    "- **Several variants**: Holm-adjusted p-values decide the verdicts.\n"
    "- **Sequential**: always-valid confidence sequences (Waudby-Smith et al.), tuned to the planned sample.\n"
    "- **Health**: chi-square sample-ratio test against the planned split (fails below p 0.001), at least "
    "100 users and 25 conversions per arm, at least 7 days when the start date is known.\n"
    "- **Detectable effect**: the smallest lift this sample finds 80% of the time (80% power).\n"
    "- **Weeks still needed**: users still needed per arm × arms ÷ the users per week so far (from the start date)."
)
"""How the numbers are computed (Markdown), for the page's expander."""


@dataclass(frozen=True)
class Notice:
    """A message box: its tone (``st.success``, ``st.error``...), Markdown text and icon; ``details``
    (Markdown) are the statistics behind it, shown one click away."""

    tone: Tone
    markdown: str
    icon: str
    details: str | None = None


@dataclass(frozen=True)
class Tile:
    """A metric tile: label (Markdown), value, optional delta and help text."""

    label: str
    value: str
    delta: str | None = None
    help: str | None = None


@dataclass(frozen=True)
class ResultView:
    """Everything the page shows for one analysed test, in the page's order."""

    health: tuple[Notice, ...]
    """The health check: passed, or its warnings, then the failure that withholds every verdict."""
    tiles: tuple[Tile, ...]
    """One per arm: its conversion rate, the variants' relative lift as delta."""
    verdicts: tuple[Notice, ...]
    """One per comparison, conversion rate first, then revenue per user."""
    rates: pd.DataFrame | None
    """The rate chart's frame (``frames.arm_rates``); None without conversion comparisons."""
    lifts: pd.DataFrame | None
    """The lift chart's frame: the comparisons with an interval; None when none has one."""
    over_time: pd.DataFrame | None
    """The day-by-day chart's frame; None unless the data cover more than one day."""
    over_time_caption: str
    bayesian: pd.DataFrame | None
    """Chance to beat control and expected loss (in points) per variant; None without conversion comparisons."""
    numbers: pd.DataFrame
    """Every comparison's record (``Comparison.to_record`` without the message), for the CSV."""
    tables: tuple[DisplayTable, ...] = ()
    """The same numbers as people read them: one table per metric, human headers, units."""
    bayesian_table: DisplayTable | None = None
    """The Bayesian frame, formatted (percent, points)."""


@dataclass(frozen=True)
class PlanView:
    """The planner's three tiles (users per arm, users in total, duration) and its sentence."""

    tiles: tuple[Tile, Tile, Tile]
    caption: str


CONFIDENCE_HELP = (
    "How sure a verdict must be. At 95%, a test of two identical pages calls a winner about 1 time in 20 "
    "(statisticians write α = 0.05). Higher is stricter and needs more users."
)
POWER_HELP = (
    "Power: the chance the test detects the effect if it is really there. At 80%, one real effect in five of this "
    "size is missed; 90% needs about a third more users."
)

PLAN_FORMULA_NOTE = (
    "Users per arm to detect a move from rate p to rate q: z₁₋α/₂ is 1.96 at 95% confidence, z₁₋β is 0.84 at 80% "
    "power (two-sided normal approximation, unpooled variances)."
)


def confidence_label(alpha: float, with_alpha: bool = False) -> str:
    """A significance level as users pick it: '95%' (or '95% (α = 0.05)' where the symbol is wanted)."""
    return f"{1 - alpha:.0%} (α = {alpha:g})" if with_alpha else f"{1 - alpha:.0%}"


def percent_label(value: float) -> str:
    """A share such as power as a whole percentage: '80%'."""
    return f"{value:.0%}"


def control_index(names: list[str]) -> int:
    """Where the likely control (``frames.default_control``) is among the arm names."""
    return names.index(default_control(names))


def health_notices(result: ExperimentResult) -> tuple[Notice, ...]:
    """Passed (when nothing is worth a warning), else each warning; then the failure, if any."""
    health = result.health
    notices = []
    if health.passed and not health.warnings:
        srm = None if health.srm_p_value is None else f"Sample-ratio test: {p_text(health.srm_p_value)}."
        checked = "enough users" + ("" if any(a.conversions is None for a in result.arms) else " and conversions")
        head = "Health check passed" if not health.not_run else "Health check passed for what could be checked"
        notices.append(
            Notice(
                "success",
                f"{head}: users split as planned, {checked}"
                + (f", {health.runtime_days} days run." if health.runtime_days else "."),
                ":material/health_and_safety:",
                srm,
            )
        )
    notices += [Notice("warning", as_markdown_text(w), ":material/warning:") for w in health.warnings]
    notices += [Notice("info", n, ":material/rule:") for n in health.not_run]
    if not health.passed:
        notices.append(
            Notice(
                "error",
                "**Health check failed: no winner is shown.** " + as_markdown_text(" ".join(health.problems)),
                ":material/block:",
            )
        )
    return tuple(notices)


def _magnitude(metric: Metric, value: float, currency: str, digits: int = 2) -> str:
    """An unsigned size of a difference: '0.35' (points, said after the range) or '$1.20'."""
    if metric == "conversion_rate":
        return f"{abs(value) * 100:.{digits}f}"
    return money(abs(value), currency)


def _unit(metric: Metric) -> str:
    return " points" if metric == "conversion_rate" else " per user"


def _between(metric: Metric, low: float, high: float, currency: str) -> str:
    """A range of sizes for a difference known to point one way: '0.27 to 1.05 points'."""
    small, large = sorted((abs(low), abs(high)))
    if low * high <= 0:  # the interval touches zero: only its far end says anything
        return f"up to {_magnitude(metric, large, currency)}{_unit(metric)}"
    digits = 1 if small * 100 >= 1 else 2
    return (
        f"{_magnitude(metric, small, currency, digits)} to {_magnitude(metric, large, currency, digits)}{_unit(metric)}"
    )


def _signed_range(metric: Metric, low: float, high: float, currency: str) -> str:
    """A range that may cross zero: '−0.21 to +0.48 points', '−$0.40 to +$1.10 per user'."""
    if metric == "conversion_rate":
        return f"{low * 100:+.2f} to {high * 100:+.2f} points"
    return f"{difference_text(metric, low, currency).removesuffix(' per user')} to {difference_text(metric, high, currency)}"


def _weeks(weeks: float) -> str:
    """'1 more week', '3 more weeks', 'more than a year' (past 52 weeks the count is noise)."""
    whole = max(1, math.ceil(weeks - 1e-9))
    if whole > 52:
        return "more than a year"
    return f"{whole} more week" + ("" if whole == 1 else "s")


def _health_action(result: ExperimentResult) -> str:
    """What to do when the health check withholds every verdict."""
    health = result.health
    if health.srm_status == "fail":
        return (
            "Fix the test before reading it: users did not split as planned, so assignment or tracking is broken "
            "and no comparison of the arms can be trusted."
        )
    if any(a.users < MIN_USERS or (a.conversions is not None and a.conversions < MIN_CONVERSIONS) for a in result.arms):
        return (
            f"Keep testing: every arm needs at least {MIN_USERS} users and {MIN_CONVERSIONS} conversions before "
            "the arms can be compared."
        )
    if health.runtime_days is not None and health.runtime_days < MIN_DAYS:
        return (
            f"Keep testing: the test has run {health.runtime_days} day(s); give it at least {MIN_DAYS} so that "
            "every weekday is in it."
        )
    return "Fix what the health check found before reading the result."


def action(comparison: Comparison, result: ExperimentResult) -> str:
    """The verdict as one sentence a non-statistician acts on: ship, keep the control, keep testing
    (for how long, at the traffic so far) or fix the test; with the range of the effect."""
    c, currency = comparison, result.settings.currency
    arm, control, metric = c.arm, c.control, c.metric
    low, high = c.absolute.low, c.absolute.high
    verb = "converts" if metric == "conversion_rate" else "earns per user"
    if c.verdict == "not_ready" and not result.health.passed:
        return _health_action(result)
    if c.verdict == "win":
        likely = "" if low is None or high is None else f", likely by {_between(metric, low, high, currency)}"
        return f"Ship {arm}: it {verb} more than {control}{likely}."
    if c.verdict == "loss":
        likely = "" if low is None or high is None else f", likely by {_between(metric, low, high, currency)}"
        return f"Keep {control} and drop {arm}: {arm} {verb} less{likely}."
    span = "" if low is None or high is None else _signed_range(metric, low, high, currency)
    if c.verdict == "not_ready":  # an interim look before the planned sample
        if not c.users_needed:
            return "Keep testing until the planned sample is in: no winner is called before it."
        when = (
            f" (about {_weeks(c.weeks_needed)} at your traffic)"
            if c.weeks_needed
            else " (enter the start date to see how many weeks that is)"
        )
        return (
            f"Keep testing: {c.users_needed:,} more users per arm reach the planned sample{when}. "
            "No winner is called before then."
        )
    fits = f" (the data fit anything from {span})" if span else ""
    if c.users_needed == 0:
        return f"Stop the test and keep {control}: it reached its planned sample with no clear difference{fits}."
    if c.users_needed and c.weeks_needed and c.weeks_needed > LONG_WAIT_WEEKS:
        return (
            f"Keep {control} unless {arm} is better in other ways: any difference is too small to confirm at your "
            f"traffic ({_weeks(c.weeks_needed)} of testing){fits}."
        )
    if c.users_needed and c.weeks_needed:
        return (
            f"Keep testing: about {_weeks(c.weeks_needed)} at your traffic ({c.users_needed:,} more users per arm) "
            f"to tell whether {arm} is better, if the gap stays as large as so far{fits}."
        )
    if c.users_needed:
        return (
            f"Keep testing: about {c.users_needed:,} more users per arm to tell whether {arm} is better, if the gap "
            f"stays as large as so far{fits}. Enter the start date to see how many weeks that is."
        )
    return (
        f"No clear difference yet{fits}: keep testing if a change that size matters to you, otherwise keep {control}."
    )


def verdict_notice(comparison: Comparison, result: ExperimentResult | None = None) -> Notice:
    """One comparison's verdict: the action to take (when the result is given), headline, which arms on
    which metric; its statistical sentences, one a line, are the details."""
    title = f"Winner: {comparison.arm}" if comparison.verdict == "win" else HEADLINES[comparison.verdict]
    currency = result.settings.currency if result is not None else "USD"
    values = (
        f": {value_text(comparison.metric, comparison.arm_value, currency)} vs "
        f"{value_text(comparison.metric, comparison.control_value, currency)}"
        if comparison.arm_value is not None and comparison.control_value is not None
        else ""
    )
    lead = f"**{as_markdown_text(action(comparison, result))}**\n\n" if result is not None else ""
    text = (
        f"{lead}{as_markdown_text(title)} · {as_markdown_text(comparison.arm)} vs "
        f"{as_markdown_text(comparison.control)}, {METRIC_NAMES[comparison.metric]}{as_markdown_text(values)}"
    )
    details = "  \n".join(as_markdown_text(s) for s in comparison.sentences)
    return Notice(TONES[comparison.verdict], text, ICONS[comparison.verdict], details or None)


def arm_tiles(result: ExperimentResult) -> tuple[Tile, ...]:
    """Each arm's conversion rate; a variant's delta is its relative lift over the control."""
    by_arm = {c.arm: c for c in result.comparisons or result.revenue_comparisons}
    tiles = []
    for arm in result.arms:
        comparison = by_arm.get(arm.name)
        lift = comparison.relative.value if comparison else None
        revenue_only = arm.conversions is None
        tiles.append(
            Tile(
                as_markdown_text(arm.name + (" (control)" if arm is result.control else "")),
                value_text("revenue_per_user", arm.revenue_per_user, result.settings.currency)
                if revenue_only
                else rate(arm.rate),
                None if lift is None else relative(lift),
                f"{arm.users:,} users" if revenue_only else f"{arm.conversions:,} conversions of {arm.users:,} users",
            )
        )
    return tuple(tiles)


def bayesian_frame(comparisons: tuple[Comparison, ...]) -> pd.DataFrame:
    """Chance to beat control (0-1) and expected loss in percentage points, one row per variant."""
    return pd.DataFrame(
        [
            {
                "Variant": c.arm,
                "Chance to beat control": c.chance_to_beat_control,
                "Expected loss (points)": None if c.expected_loss is None else c.expected_loss * 100,
            }
            for c in comparisons
        ]
    )


def numbers_frame(result: ExperimentResult) -> pd.DataFrame:
    """Every comparison's numbers (conversion rate, then revenue per user), without the message."""
    record = result.to_record()
    return pd.DataFrame(
        [{k: v for k, v in c.items() if k != "message"} for c in record["comparisons"] + record["revenue_comparisons"]]
    )


Format = Callable[[Any], str]


def _empty_or(show: Format) -> Format:
    return lambda v: EMPTY if is_empty(v) else show(v)


def table(frame: pd.DataFrame, spec: Sequence[tuple[str, str, str, Format, str | None]]) -> DisplayTable:
    """A DisplayTable from (column, label, unit, formatter, help) rows: the page's own formats
    (points, p-values, weeks) that the shared units do not have."""
    columns = []
    for name, header, unit, show, help_text in spec:
        shown = _empty_or(show)
        longest = max((len(shown(v)) for v in frame[name]), default=0)
        columns.append(Column(name, header, unit, shown, max(longest, len(header)), help_text))
    return DisplayTable(frame.reset_index(drop=True), tuple(columns))


def _points(value: float) -> str:
    return f"{value * 100:+.2f} pts"


def _loss_points(value: float) -> str:
    return f"{value * 100:.3f} pts"


def _signed_percent(value: float) -> str:
    return f"{value * 100:+.1f}%"


def _weeks_text(value: float) -> str:
    return f"{value:,.1f} weeks"


def _count(value: float) -> str:
    return f"{value:,.0f}"


def numbers_tables(result: ExperimentResult) -> tuple[DisplayTable, ...]:
    """Every comparison's numbers as people read them: a table per metric (a rate's difference is in
    points, revenue's in money per user), verdicts in words, p-values as 'p < 0.0001'."""
    currency, tables = result.settings.currency, []
    for family in (result.comparisons, result.revenue_comparisons):
        if not family:
            continue
        metric = family[0].metric
        frame = pd.DataFrame(
            [
                {
                    "arm": c.arm,
                    "control": c.control,
                    "verdict": HEADLINES[c.verdict],
                    "arm_value": c.arm_value,
                    "control_value": c.control_value,
                    "abs_diff": c.absolute.value,
                    "abs_ci_low": c.absolute.low,
                    "abs_ci_high": c.absolute.high,
                    "rel_lift": c.relative.value,
                    "rel_ci_low": c.relative.low,
                    "rel_ci_high": c.relative.high,
                    "p_value": c.absolute.p_value,
                    "p_value_adjusted": c.p_value_adjusted,
                    "p_value_pooled": c.p_value_pooled,
                    "mde": c.mde,
                    "users_needed": c.users_needed,
                    "weeks_needed": c.weeks_needed,
                }
                for c in family
            ]
        )
        rate_metric = metric == "conversion_rate"
        level: Format = rate if rate_metric else (lambda v: money(v, currency))
        diff: Format = _points if rate_metric else (lambda v: difference_text("revenue_per_user", v, currency))
        unit = "percent" if rate_metric else "currency"
        name = "Conversion rate" if rate_metric else "Revenue per user"
        confidence = f"{1 - result.settings.alpha:.0%}"
        spec: list[tuple[str, str, str, Format, str | None]] = [
            ("arm", "Variant", "text", str, None),
            ("control", "Control", "text", str, None),
            ("verdict", "Verdict", "text", str, None),
            ("arm_value", name, unit, level, "The variant's"),
            ("control_value", f"Control's {name.lower()}", unit, level, None),
            (
                "abs_diff",
                "Difference",
                unit,
                diff,
                "Variant − control" + (" in percentage points" if rate_metric else ""),
            ),
            ("abs_ci_low", "Difference, low", unit, diff, f"Low end of the {confidence} interval"),
            ("abs_ci_high", "Difference, high", unit, diff, f"High end of the {confidence} interval"),
            ("rel_lift", "Relative lift", "percent", _signed_percent, "Variant ÷ control − 1"),
            ("rel_ci_low", "Lift, low", "percent", _signed_percent, f"Low end of the {confidence} interval"),
            ("rel_ci_high", "Lift, high", "percent", _signed_percent, f"High end of the {confidence} interval"),
            (
                "p_value",
                "p-value",
                "number",
                p_text,
                "How often a gap this large turns up by chance if the arms truly perform the same",
            ),
            (
                "p_value_adjusted",
                "p-value, adjusted",
                "number",
                p_text,
                "Holm-adjusted for several variants: what decides the verdict",
            ),
            ("p_value_pooled", "p-value, pooled", "number", p_text, "The classic two-proportion z-test, for reference"),
            ("mde", "Smallest detectable change", unit, diff, "Found 80% of the time at this sample (80% power)"),
            (
                "users_needed",
                "More users per arm",
                "count",
                _count,
                "To reach the planned sample, or to detect the difference seen so far",
            ),
            ("weeks_needed", "More weeks", "number", _weeks_text, "At the users per week so far (needs a start date)"),
        ]
        if not rate_metric:
            spec = [row for row in spec if row[0] != "p_value_pooled"]
        tables.append(table(frame, spec))
    return tuple(tables)


def bayesian_table(frame: pd.DataFrame) -> DisplayTable:
    """The Bayesian frame (``bayesian_frame``) formatted: a percentage and points."""
    return table(
        frame,
        [
            ("Variant", "Variant", "text", str, None),
            ("Chance to beat control", "Chance to beat control", "percent", percent,
             "Probability that the variant's true rate is above the control's"),
            ("Expected loss (points)", "Expected loss", "number", lambda v: f"{v:.3f} pts",
             "Conversion rate given up, on average, if you ship the variant and it is in fact worse"),
        ],
    )  # fmt: skip


def numbers_download(tables: tuple[DisplayTable, ...]) -> pd.DataFrame:
    """The numbers for the CSV download: every table's numbers under its human headers."""
    return pd.concat([t.labelled() for t in tables], ignore_index=True) if tables else pd.DataFrame()


def result_view(result: ExperimentResult, daily: pd.DataFrame | None) -> ResultView:
    """The page for ``result``; ``daily`` is the dataset's cumulative counts per day (None for typed arms)."""
    lift_frame = lifts(result.comparisons) if result.comparisons else None
    with_interval = lift_frame is not None and bool(lift_frame["low"].notna().any())
    over_time = None
    bayesian = bayesian_frame(result.comparisons) if result.comparisons else None
    if daily is not None and daily["day"].nunique() > 1:
        over_time = interval_over_time(daily, result)
    return ResultView(
        health=health_notices(result),
        tiles=arm_tiles(result),
        verdicts=tuple(verdict_notice(c, result) for c in result.comparisons + result.revenue_comparisons),
        rates=arm_rates(result) if result.comparisons else None,
        lifts=lift_frame.dropna(subset=["low"]) if lift_frame is not None and with_interval else None,
        over_time=over_time,
        over_time_caption="Each day shows everything collected up to that day. "
        + (SEQUENTIAL_OVER_TIME if result.settings.sequential else FIXED_OVER_TIME),
        bayesian=bayesian,
        numbers=numbers_frame(result),
        tables=numbers_tables(result),
        bayesian_table=None if bayesian is None else bayesian_table(bayesian),
    )


def plan_view(
    baseline_percent: float,
    effect: float,
    relative_effect: bool,
    alpha: float,
    power: float,
    arms: int,
    weekly_traffic: float,
) -> PlanView:
    """The planner for a control rate and an effect as typed (in %, or percentage points); a weekly
    traffic of 0 means unknown. Raises InputError for an impossible plan."""
    result = plan(
        baseline_percent / 100,
        effect / 100,
        relative=relative_effect,
        alpha=alpha,
        power=power,
        arms=int(arms),
        weekly_traffic=weekly_traffic or None,
    )
    duration = Tile(
        "Duration",
        "—" if result.whole_weeks is None else f"{result.whole_weeks} weeks",
        help="Whole weeks, so every weekday counts equally."
        + (f" ({result.weeks:.1f} weeks of traffic)" if result.weeks else ""),
    )
    caption = (
        f"Detects {rate(result.baseline)} → {rate(result.target)} "
        f"({difference_text('conversion_rate', result.target - result.baseline, 'USD')}) "
        f"{power:.0%} of the time at {1 - alpha:.0%} confidence."
        + (
            f" With {int(arms)} arms, verdicts use Holm-adjusted p-values; plan with confidence "
            f"{1 - alpha / (int(arms) - 1):.1%} to keep full power against every variant."
            if arms > 2
            else ""
        )
    )
    return PlanView(
        (Tile("Users per arm", f"{result.per_arm:,}"), Tile("Users in total", f"{result.total:,}"), duration), caption
    )


def list_size_tile(baseline_percent: float, list_size: int, arms: int, alpha: float, power: float) -> Tile | None:
    """The smallest change a list of ``list_size`` users can detect; None when too few for any.
    Raises InputError for an impossible baseline or list."""
    baseline = baseline_percent / 100
    mde = list_size_effect(baseline, int(list_size), int(arms), alpha, power)
    if mde is None:
        return None
    return Tile(
        "Smallest detectable change",
        f"{difference_text('conversion_rate', mde, 'USD')}",
        help=f"{relative(mde / baseline)} relative: {rate(baseline)} → {rate(baseline + mde)}",
    )
