"""What the A/B tests page shows, computed: notices, tiles, captions and the frames behind its charts
and tables. The page lays these out and computes nothing.

Texts meant for Markdown (notices, tile labels) carry user text (arm names, health messages that
quote them) escaped with ``as_markdown_text``, so they render literally; numbers and fixed texts are
left as they are. Frames are data for ``st.dataframe`` and the charts of ``charts.py``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import pandas as pd

from kpi_core.abtest.analyse import Comparison, ExperimentResult
from kpi_core.abtest.frames import arm_rates, default_control, interval_over_time, lifts
from kpi_core.abtest.models import Metric, Verdict
from kpi_core.abtest.planner import list_size_effect, plan
from kpi_core.abtest.verdict import difference_text, rate, relative
from kpi_core.markdown import as_markdown_text

Tone = Literal["success", "error", "info", "warning"]

HEADLINES: dict[Verdict, str] = {
    "win": "Winner",
    "loss": "Worse than control",
    "inconclusive": "No clear winner yet",
    "not_ready": "Not ready for a verdict",
}
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
    "- **Detectable effect**: the smallest lift this sample finds 80% of the time."
)
"""How the numbers are computed (Markdown), for the page's expander."""


@dataclass(frozen=True)
class Notice:
    """A message box: its tone (``st.success``, ``st.error``...), Markdown text and icon."""

    tone: Tone
    markdown: str
    icon: str


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
    """Every comparison's record (``Comparison.to_record`` without the message), for the table and its CSV."""


@dataclass(frozen=True)
class PlanView:
    """The planner's three tiles (users per arm, users in total, duration) and its sentence."""

    tiles: tuple[Tile, Tile, Tile]
    caption: str


def confidence_label(alpha: float, with_alpha: bool = True) -> str:
    """A significance level as users pick it: '95% (α = 0.05)', or '95%'."""
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
        srm = "—" if health.srm_p_value is None else f"p = {health.srm_p_value:.4f}"
        notices.append(
            Notice(
                "success",
                f"Health check passed: users split as planned ({srm}), enough users and "
                "conversions" + (f", {health.runtime_days} days run." if health.runtime_days else "."),
                ":material/health_and_safety:",
            )
        )
    notices += [Notice("warning", as_markdown_text(w), ":material/warning:") for w in health.warnings]
    if not health.passed:
        notices.append(
            Notice(
                "error",
                "**Health check failed: no winner is shown.** " + as_markdown_text(" ".join(health.problems)),
                ":material/block:",
            )
        )
    return tuple(notices)


def verdict_notice(comparison: Comparison) -> Notice:
    """One comparison's verdict: headline, which arms on which metric, then its sentences, one a line."""
    title = f"Winner: {comparison.arm}" if comparison.verdict == "win" else HEADLINES[comparison.verdict]
    text = (
        f"**{as_markdown_text(title)}** · {as_markdown_text(comparison.arm)} vs "
        f"{as_markdown_text(comparison.control)}, {METRIC_NAMES[comparison.metric]}\n\n"
        + "  \n".join(as_markdown_text(s) for s in comparison.sentences)
    )
    return Notice(TONES[comparison.verdict], text, ICONS[comparison.verdict])


def arm_tiles(result: ExperimentResult) -> tuple[Tile, ...]:
    """Each arm's conversion rate; a variant's delta is its relative lift over the control."""
    by_arm = {c.arm: c for c in result.comparisons}
    tiles = []
    for arm in result.arms:
        comparison = by_arm.get(arm.name)
        lift = comparison.relative.value if comparison else None
        tiles.append(
            Tile(
                as_markdown_text(arm.name + (" (control)" if arm is result.control else "")),
                rate(arm.rate),
                None if lift is None else relative(lift),
                f"{arm.conversions:,} conversions of {arm.users:,} users",
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


def result_view(result: ExperimentResult, daily: pd.DataFrame | None) -> ResultView:
    """The page for ``result``; ``daily`` is the dataset's cumulative counts per day (None for typed arms)."""
    lift_frame = lifts(result.comparisons) if result.comparisons else None
    with_interval = lift_frame is not None and bool(lift_frame["low"].notna().any())
    over_time = None
    if daily is not None and daily["day"].nunique() > 1:
        over_time = interval_over_time(daily, result)
    return ResultView(
        health=health_notices(result),
        tiles=arm_tiles(result),
        verdicts=tuple(verdict_notice(c) for c in result.comparisons + result.revenue_comparisons),
        rates=arm_rates(result) if result.comparisons else None,
        lifts=lift_frame.dropna(subset=["low"]) if lift_frame is not None and with_interval else None,
        over_time=over_time,
        over_time_caption="Each day shows everything collected up to that day. "
        + (SEQUENTIAL_OVER_TIME if result.settings.sequential else FIXED_OVER_TIME),
        bayesian=bayesian_frame(result.comparisons) if result.comparisons else None,
        numbers=numbers_frame(result),
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
