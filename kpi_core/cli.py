"""The command line: ``python -m kpi_core COMMAND ...``, the same calls the app makes.

Bad input exits 2 with one ``error: ...`` line on stderr, never a traceback.
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import sys
from datetime import date
from typing import Any, Callable, Sequence

from kpi_core.errors import InputError
from kpi_core.goals import goal_from_json, review_goal
from kpi_core.ingest import ingest
from kpi_core.mapping import Mapping, mapping_from_json, suggest, validate
from kpi_core.messages import BUDGET_BAD_BOUND, BUDGET_NEGATIVE_TOTAL, BUDGET_UNKNOWN_CHANNEL
from kpi_core.metrics import GRAINS, KpiRequest, Performance, Source

FORMATS = ("table", "csv", "json")


class _Parser(argparse.ArgumentParser):
    """argparse that reports usage mistakes as one error line and exit status 2."""

    def error(self, message: str) -> None:  # type: ignore[override]
        raise InputError(f"{message} (see '{self.prog} --help')")


def _add_format(parser: argparse.ArgumentParser, default: str = "table") -> None:
    parser.add_argument("--format", choices=FORMATS, default=default, help="output format (default: %(default)s)")


def _table(rows: list[dict[str, Any]]) -> str:
    if not rows:
        return "(no rows)"
    keys = list(rows[0])
    cells = [[_cell(r.get(k)) for k in keys] for r in rows]
    widths = [max(len(k), *(len(c[i]) for c in cells)) for i, k in enumerate(keys)]
    lines = ["  ".join(k.ljust(w) for k, w in zip(keys, widths))]
    lines.append("  ".join("-" * w for w in widths))
    lines += ["  ".join(c.ljust(w) for c, w in zip(row, widths)) for row in cells]
    return "\n".join(lines)


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        if value.is_integer():
            return f"{value:,.0f}"
        return f"{value:,.2f}" if abs(value) >= 100 else f"{value:.4g}"
    return str(value)


def _csv(rows: list[dict[str, Any]]) -> str:
    if not rows:
        return ""
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(rows[0]), lineterminator="\n")
    writer.writeheader()
    writer.writerows({k: ("" if v is None else v) for k, v in r.items()} for r in rows)
    return out.getvalue()


def _one_line(text: str) -> str:
    return " ".join(text.split())


def cmd_profile(args: argparse.Namespace) -> str:
    profile = ingest(args.file, sheet=args.sheet).profile
    if args.format == "json":
        return json.dumps(profile.to_dict(), indent=2, ensure_ascii=False)
    rows = [dict(vars(c)) for c in profile.columns]
    if args.format == "csv":
        return _csv(rows)
    head = [
        f"file: {profile.file}" + (f"  sheet: {profile.sheet}" if profile.sheet else ""),
        f"header row: {profile.header_row}   rows: {profile.rows}   dropped rows: {len(profile.dropped_rows)}",
    ]
    warnings = [f"warning: {w}" for w in profile.warnings]
    return "\n".join(head + ["", _table(rows)] + ([""] + warnings if warnings else []))


def cmd_suggest_mapping(args: argparse.Namespace) -> str:
    profile = ingest(args.file, sheet=args.sheet).profile
    return suggest(profile, kind=args.kind).to_json()


def _date(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise InputError(f"'{text}' is not a date: write it as YYYY-MM-DD.") from None


def _read_text(path: str, what: str) -> str:
    try:
        with open(path, encoding="utf-8") as handle:
            return handle.read()
    except OSError as exc:
        raise InputError(f"the {what} file '{path}' cannot be read ({exc.strerror}).") from None


def _load_mapped(args: argparse.Namespace) -> tuple[Any, Mapping]:
    """Ingest FILE and check its --mapping against it: (ingested file, mapping)."""
    mapping = mapping_from_json(_read_text(args.mapping, "mapping"))
    ingested = ingest(args.file, sheet=args.sheet or mapping.sheet)
    check = validate(mapping, ingested.profile)
    if not check.ok:
        raise InputError(f"the mapping does not fit {ingested.profile.file}: {check.errors[0]}")
    return ingested, mapping


def _where(items: list[str]) -> dict[str, tuple[str, ...]]:
    where: dict[str, list[str]] = {}
    for item in items:
        dimension, separator, value = item.partition("=")
        if not separator or not dimension.strip():
            raise InputError(f"--where {item}: write it as DIMENSION=VALUE, e.g. --where channel='LinkedIn Ads'.")
        where.setdefault(dimension.strip(), []).append(value)
    return {k: tuple(v) for k, v in where.items()}


def _performance(args: argparse.Namespace) -> Performance:
    """FILE under its --mapping as the performance data the KPIs are computed over."""
    ingested, mapping = _load_mapped(args)
    if mapping.kind != "performance":
        raise InputError(f"{args.command} needs a performance mapping; this one is of kind '{mapping.kind}'.")
    ingested.con.execute(f"CREATE TABLE performance_rows AS SELECT * FROM {ingested.relation}")
    return Performance(ingested.con, [Source(mapping, "performance_rows")])


def _output(records: list[dict[str, Any]], fmt: str, columns: list[str] | None = None) -> str:
    if fmt == "json":
        return json.dumps(records, indent=2, ensure_ascii=False)
    if fmt == "csv":
        return _csv(records) if records else ",".join(columns or []) + "\n"
    return _table(records)


def cmd_kpis(args: argparse.Namespace) -> str:
    performance = _performance(args)
    request = KpiRequest(
        by=tuple(d.strip() for d in args.by.split(",") if d.strip()) if args.by else (),
        grain=args.grain,
        date_from=_date(args.date_from) if args.date_from else None,
        date_to=_date(args.date_to) if args.date_to else None,
        where=_where(args.where or []),
    )
    table = performance.compute(request)
    return _output(table.records(), args.format, table.columns)


def cmd_goal(args: argparse.Namespace) -> str:
    goal = goal_from_json(_read_text(args.goal, "goal"))
    performance = _performance(args)
    for dimension in goal.where:
        if dimension not in performance.dimensions:
            mapped = ", ".join(performance.dimensions) or "none"
            raise InputError(f"the goal's scope names {dimension}, which is not mapped (mapped dimensions: {mapped}).")
    as_of = _date(args.as_of) if args.as_of else None
    review = review_goal(goal, performance, as_of, currency=str(performance.settings.get("currency", "USD")))
    record = review.to_record()
    if args.format == "json":
        return json.dumps(record, indent=2, ensure_ascii=False)
    flat = {k: v for k, v in record.items() if not isinstance(v, (dict, list))}
    flat.update({f"projected_{k}": v for k, v in record["projected"].items()})
    flat.update({f"smart_{k}": v for k, v in record["smart"].items() if k != "notes"})
    if args.format == "csv":
        return _csv([flat])
    lines = [f"{k}: {_cell(v)}" for k, v in flat.items()]
    lines += [f"smart {letter}: {note}" for letter, note in record["smart"]["notes"].items()]
    return "\n".join(lines)


def cmd_alerts(args: argparse.Namespace) -> str:
    from kpi_core.alerts import AlertSettings, detect_alerts

    performance = _performance(args)
    settings = AlertSettings(threshold=args.threshold) if args.threshold is not None else AlertSettings()
    found = detect_alerts(performance, args.kpi, args.by, args.grain, KpiRequest(), settings)
    records = [a.to_record() for a in found]
    if args.format == "table":
        records = [{k: v for k, v in r.items() if k != "message"} for r in records]
    return _output(records, args.format, ["period", *([args.by] if args.by else []), "kpi", "value", "expected",
                                           "score", "direction"])


def _count(text: str, what: str, spec: str) -> int:
    try:
        value = float(text.replace(",", "").replace("_", ""))
    except ValueError:
        raise InputError(f"--arm {spec}: {what} must be a number, not '{text}'.") from None
    if not value.is_integer():
        raise InputError(f"--arm {spec}: {what} must be a whole number, not '{text}'.")
    return int(value)


def _arm(spec: str) -> Any:
    """NAME:USERS:CONVERSIONS, or NAME:USERS:CONVERSIONS:REVENUE_SUM:REVENUE_SUM_OF_SQUARES."""
    from kpi_core.abtest import Arm

    parts = spec.split(":")
    numbers = parts[-4:] if len(parts) >= 5 else parts[-2:]
    name = ":".join(parts[: len(parts) - len(numbers)]).strip()
    if len(parts) < 3 or not name:
        raise InputError(f"--arm {spec}: write it as NAME:USERS:CONVERSIONS, e.g. --arm Control:10000:500.")
    users, conversions = _count(numbers[0], "users", spec), _count(numbers[1], "conversions", spec)
    revenue = squares = None
    if len(numbers) == 4:
        try:
            revenue, squares = float(numbers[2]), float(numbers[3])
        except ValueError:
            raise InputError(f"--arm {spec}: revenue sum and sum of squares must be numbers.") from None
    return Arm(name, users, conversions, revenue, squares)


def _split(text: str | None) -> tuple[float, ...] | None:
    if not text:
        return None
    try:
        return tuple(float(part) for part in text.split(","))
    except ValueError:
        raise InputError(f"--split {text}: give one share per arm, comma-separated, e.g. --split 50,50.") from None


def cmd_abtest(args: argparse.Namespace) -> str:
    from kpi_core.abtest import ExperimentSettings, analyse

    arms = [_arm(spec) for spec in args.arm or []]
    settings = ExperimentSettings(
        alpha=args.alpha, power=args.power, control=args.control, split=_split(args.split),
        planned_n=args.planned_n, sequential=args.sequential,
        start_date=_date(args.start_date) if args.start_date else None,
        as_of=_date(args.as_of) if args.as_of else None,
    )
    result = analyse(arms, settings).to_record()
    if args.format == "json":
        return json.dumps(result, indent=2, ensure_ascii=False)
    rows = [{k: v for k, v in c.items() if k != "message"} for c in result["comparisons"] + result["revenue_comparisons"]]
    if args.format == "csv":
        return _csv(rows)
    srm = result["srm"]
    lines = [_table(result["arms"]), "", _table(rows), "",
             f"sample ratio: chi2 {_cell(srm['chi2'])}, p {_cell(srm['p_value'])}, {srm['status']}"]
    lines += [f"{c['arm']} vs {c['control']}: {c['message']}" for c in result["comparisons"] + result["revenue_comparisons"]]
    return "\n".join(lines)


def cmd_sample_size(args: argparse.Namespace) -> str:
    from kpi_core.abtest import list_size_effect, plan

    if args.list_size is not None:
        mde = list_size_effect(args.baseline, args.list_size, args.arms, args.alpha, args.power)
        record: dict[str, Any] = {
            "list_size": args.list_size, "per_arm": args.list_size / args.arms, "mde": mde,
            "mde_relative": None if mde is None else mde / args.baseline,
        }
    elif args.mde is None:
        raise InputError("give --mde (the smallest effect worth detecting), or --list-size to see what a list can detect.")
    else:
        record = plan(args.baseline, args.mde, args.relative, args.alpha, args.power, args.arms,
                      args.weekly_traffic).to_record()
    if args.format == "json":
        return json.dumps(record, indent=2)
    return _csv([record]) if args.format == "csv" else "\n".join(f"{k}: {_cell(v)}" for k, v in record.items())


def _amount(text: str, current: float, spec: str) -> float | None:
    """One side of a --bounds range: empty, an amount, or a percentage of the current spend."""
    text = text.strip().replace(",", "")
    if not text:
        return None
    try:
        value = float(text[:-1]) / 100 * current if text.endswith("%") else float(text)
    except ValueError:
        raise InputError(BUDGET_BAD_BOUND.format(channel=spec)) from None
    if value < 0 or value != value:
        raise InputError(BUDGET_BAD_BOUND.format(channel=spec))
    return value


def _bounds(items: list[str], model: Any) -> dict[str, tuple[float | None, float | None]]:
    bounds: dict[str, tuple[float | None, float | None]] = {}
    for item in items:
        channel, separator, limits = item.rpartition("=")
        low, colon, high = limits.partition(":")
        if not separator or not colon or not channel.strip():
            raise InputError(BUDGET_BAD_BOUND.format(channel=item))
        name = channel.strip()
        if name not in model.names:
            raise InputError(BUDGET_UNKNOWN_CHANNEL.format(channel=name, channels=", ".join(model.names)))
        current = model.channel(name).current_spend
        bounds[name] = (_amount(low, current, item), _amount(high, current, item))
    return bounds


def cmd_budget(args: argparse.Namespace) -> str:
    from kpi_core.budget import budget_history, fit_budget, recommend

    if args.total is not None and args.total < 0:
        raise InputError(BUDGET_NEGATIVE_TOTAL.format(total=f"{args.total:,.2f}"))
    performance = _performance(args)
    history = budget_history(performance, args.target, args.grain)
    model = fit_budget(history, adstock=not args.no_adstock, lag=args.lag)
    objective = "target_return" if args.target_return is not None else "goal" if args.goal is not None else "max_outcome"
    plan = recommend(
        model, total=args.total, bounds=_bounds(args.bounds or [], model), locked=set(args.lock or []),
        beyond_cap=args.beyond_cap, objective=objective, target_return=args.target_return, goal=args.goal,
        gross_margin=float(performance.settings.get("gross_margin", 1.0)),
    )
    record = plan.to_record()
    if args.format == "json":
        return json.dumps(record, indent=2, ensure_ascii=False)
    rows = [{k: v for k, v in c.items() if not isinstance(v, (dict, list))} | {"family": c["curve"]["family"],
            "r2": c["curve"]["r2"], "points": c["curve"]["points"]} for c in record["channels"]]
    if args.format == "csv":
        return _csv(rows)
    shown = ("channel", "current_spend", "recommended_spend", "current_outcome", "recommended_outcome",
             "marginal_return", "bound", "family", "r2")
    rows = [{k: r[k] for k in shown} for r in rows]
    summary = (f"{record['target']} per {record['grain']}: {record['current_outcome']:,.2f} now, "
               f"{record['recommended_outcome']:,.2f} recommended (total spend {record['total']:,.2f}; "
               f"chance of gaining {record['probability_of_gain']:.0%})")
    return _table(rows) + "\n" + summary


def _add_mapped_input(parser: argparse.ArgumentParser) -> None:
    """FILE, its --mapping and --sheet: the input of every command that computes KPIs."""
    parser.add_argument("file")
    parser.add_argument("--mapping", required=True, help="mapping JSON (see the README)")
    parser.add_argument("--sheet", help="workbook sheet (default: the mapping's, else the first with data)")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="python -m kpi_core", description="ROI Workbench from the command line.")
    commands = parser.add_subparsers(dest="command", parser_class=_Parser)

    profile = commands.add_parser("profile", help="read a CSV/XLSX file and describe what was found")
    profile.add_argument("file")
    profile.add_argument("--sheet", help="workbook sheet (default: the first with data)")
    _add_format(profile)
    profile.set_defaults(run=cmd_profile)

    suggestion = commands.add_parser("suggest-mapping", help="print a suggested mapping JSON for a file")
    suggestion.add_argument("file")
    suggestion.add_argument("--sheet")
    suggestion.add_argument("--kind", choices=("performance", "deals", "touchpoints", "experiment"))
    _add_format(suggestion, default="json")
    suggestion.set_defaults(run=cmd_suggest_mapping)

    kpis = commands.add_parser("kpis", help="compute every KPI the mapping allows, by dimension and period")
    _add_mapped_input(kpis)
    kpis.add_argument("--by", help="dimensions to group by, comma-separated (e.g. channel,campaign)")
    kpis.add_argument("--grain", choices=GRAINS, help="group by period: week (Monday), month, quarter or year")
    kpis.add_argument("--from", dest="date_from", help="first day, YYYY-MM-DD (inclusive)")
    kpis.add_argument("--to", dest="date_to", help="last day, YYYY-MM-DD (inclusive)")
    kpis.add_argument("--where", action="append", help="DIMENSION=VALUE filter; repeat to allow several values")
    _add_format(kpis)
    kpis.set_defaults(run=cmd_kpis)

    goal = commands.add_parser("goal", help="progress, projection, SMART check and funnel back-solve of a goal")
    _add_mapped_input(goal)
    goal.add_argument("--goal", required=True, help="goal JSON: name, objective, kpi, target, start, end, where")
    goal.add_argument("--as-of", dest="as_of", help="judge the goal as of this day, YYYY-MM-DD (default: the data's last date)")
    _add_format(goal)
    goal.set_defaults(run=cmd_goal)

    alerts = commands.add_parser("alerts", help="significant changes and anomalies in a KPI's series")
    _add_mapped_input(alerts)
    alerts.add_argument("--kpi", required=True, help="KPI id, e.g. sqls or cpl")
    alerts.add_argument("--by", help="one dimension: a series per value (e.g. channel)")
    alerts.add_argument("--grain", choices=("week", "month"), default="week", help="default: %(default)s")
    alerts.add_argument("--threshold", type=float, help="robust z-score (MAD units) that raises an alert")
    _add_format(alerts)
    alerts.set_defaults(run=cmd_alerts)

    abtest = commands.add_parser("abtest", help="A/B test verdict: health gate, lift, intervals, Bayesian chance to beat")
    abtest.add_argument("--arm", action="append", metavar="NAME:USERS:CONVERSIONS",
                        help="one arm; repeat for 2-6 arms (the first is the control). Append :REVENUE_SUM:SUM_OF_SQUARES "
                             "to also test revenue per user")
    abtest.add_argument("--control", help="the control arm's name (default: the first arm)")
    abtest.add_argument("--alpha", type=float, default=0.05, help="significance level (default: %(default)s)")
    abtest.add_argument("--power", type=float, default=0.8, help="power for the detectable effect (default: %(default)s)")
    abtest.add_argument("--split", help="planned split of users, one share per arm (default: equal), e.g. 50,50")
    abtest.add_argument("--planned-n", dest="planned_n", type=int,
                        help="planned users in total, all arms together (sample-size's 'total')")
    abtest.add_argument("--sequential", action="store_true", help="always-valid intervals: safe to look at any time")
    abtest.add_argument("--start-date", dest="start_date", help="the day the test started, YYYY-MM-DD (runtime check)")
    abtest.add_argument("--as-of", dest="as_of", help="the day of this look, YYYY-MM-DD (default: today)")
    _add_format(abtest)
    abtest.set_defaults(run=cmd_abtest)

    budget = commands.add_parser("budget", help="fit response curves per channel and recommend a budget split")
    _add_mapped_input(budget)
    budget.add_argument("--target", default="revenue", help="outcome to maximise: revenue, pipeline, customers, "
                                                            "sqls, leads... (default: %(default)s)")
    budget.add_argument("--grain", choices=("week", "month"), default="week", help="period of spends (default: %(default)s)")
    budget.add_argument("--total", type=float, help="budget per period (default: the sum of current mean spends)")
    budget.add_argument("--bounds", action="append", metavar="CHANNEL=MIN:MAX",
                        help="spend limits per period; amounts or %% of current spend, either side may be empty; repeat")
    budget.add_argument("--lock", action="append", metavar="CHANNEL", help="keep this channel at its current spend; repeat")
    budget.add_argument("--beyond-cap", dest="beyond_cap", action="store_true",
                        help="allow spends above a channel's largest period spend (the curve is extrapolated there)")
    budget.add_argument("--target-return", dest="target_return", type=float,
                        help="instead of --total: spend while the next unit returns at least this much (e.g. ROAS 3)")
    budget.add_argument("--goal", type=float, help="instead of --total: the least budget whose best split reaches this "
                                                   "outcome per period")
    budget.add_argument("--lag", type=int, default=0, help="periods between spend and outcome (default: %(default)s)")
    budget.add_argument("--no-adstock", dest="no_adstock", action="store_true", help="no carry-over between periods")
    _add_format(budget)
    budget.set_defaults(run=cmd_budget)

    size = commands.add_parser("sample-size", help="users per arm and weeks a test needs; or what a list can detect")
    size.add_argument("--baseline", type=float, required=True, help="control conversion rate as a fraction, e.g. 0.2")
    size.add_argument("--mde", type=float, help="smallest effect worth detecting: absolute (0.05 = 5 points) or, "
                                                 "with --relative, relative (0.1 = +10%%)")
    size.add_argument("--relative", action="store_true", help="--mde is relative to the baseline")
    size.add_argument("--alpha", type=float, default=0.05, help="significance level, two-sided (default: %(default)s)")
    size.add_argument("--power", type=float, default=0.8, help="default: %(default)s")
    size.add_argument("--arms", type=int, default=2, help="arms including the control (default: %(default)s)")
    size.add_argument("--weekly-traffic", dest="weekly_traffic", type=float, help="users per week entering the test")
    size.add_argument("--list-size", dest="list_size", type=int,
                      help="reverse mode: the effect a list of this many users (split equally) can detect")
    _add_format(size)
    size.set_defaults(run=cmd_sample_size)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
        if getattr(args, "run", None) is None:
            parser.print_help()
            return 2
        run: Callable[[argparse.Namespace], str] = args.run
        output = run(args)
    except InputError as exc:
        print(f"error: {_one_line(str(exc))}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("error: interrupted", file=sys.stderr)
        return 130
    except Exception as exc:  # a file we did not foresee: still one line, never a traceback
        print(f"error: could not process the input ({type(exc).__name__}: {_one_line(str(exc))})", file=sys.stderr)
        return 2
    sys.stdout.write(output if output.endswith("\n") else output + "\n")
    return 0
