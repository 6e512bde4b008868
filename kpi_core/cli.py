"""The command line: ``python -m kpi_core COMMAND ...``, the same calls the app makes.

Bad input exits 2 with one ``error: ...`` line on stderr, never a traceback. A bug (an exception that
is not an ``InputError``) exits 1 with one ``error: internal error (...)`` line; set KPI_CORE_DEBUG=1
to see its traceback. JSON output is strict: non-finite numbers are written as null, with a warning.
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import math
import numbers
import os
import sys
import warnings
from collections.abc import Callable, Sequence
from datetime import date
from typing import TYPE_CHECKING, Any

from kpi_core.errors import InputError
from kpi_core.messages import BUDGET_BAD_BOUND, BUDGET_UNKNOWN_CHANNEL

# Start-up: the parser is built from the standard library alone, and each command imports what it
# uses inside its handler, so --help and a light command never pay for pandas, DuckDB or scipy
# (tests/unit/test_cli_startup.py checks; bench/startup.py times it).
if TYPE_CHECKING:
    from kpi_core.budget.plan import Objective
    from kpi_core.ingest import Ingested
    from kpi_core.mapping import Mapping
    from kpi_core.metrics import Performance

FORMATS = ("table", "csv", "json")
DEBUG_ENV = "KPI_CORE_DEBUG"
EXIT_INPUT, EXIT_INTERNAL = 2, 1

# Sane limits for parameters: beyond them a float loses cents, a curve overflows, or the value is a typo.
MAX_AMOUNT = 1e15  # money or outcome per period (a quadrillion)
MAX_COUNT = 1e12  # users, list sizes, weekly traffic (a trillion)
MAX_SQUARES = 1e30  # a revenue sum of squares
MAX_RETURN = 1e6  # outcome per unit of money for --target-return
MAX_LAG = 52  # periods between spend and outcome
MAX_THRESHOLD = 100.0  # robust z-score of alerts
MAX_SHARE = 1e6  # one share of --split
MAX_PLANNED_ARMS = 100  # --arms of sample-size
MIN_ALPHA, MIN_POWER, MAX_POWER = 1e-6, 0.01, 0.999999  # beyond them z-scores overflow or mean nothing
MIN_EFFECT = 1e-6  # an absolute effect below one in a million needs more users than exist
FIRST_DAY, LAST_DAY = date(1900, 1, 1), date(2199, 12, 31)

SHOWN_FIELDS = 3  # non-finite fields named in the warning

# kpi_core.metrics.GRAINS, written out so that building the parser does not import pandas and DuckDB
# (tests/unit/test_cli_startup.py checks the two are equal).
GRAINS = ("week", "month", "quarter", "year")


class _Parser(argparse.ArgumentParser):
    """argparse that reports usage mistakes as one error line and exit status 2."""

    def error(self, message: str) -> None:  # type: ignore[override]
        raise InputError(f"{message} (see '{self.prog} --help')")


def _add_format(parser: argparse.ArgumentParser, default: str = "table") -> None:
    parser.add_argument("--format", choices=FORMATS, default=default, help="output format (default: %(default)s)")
    parser.add_argument(
        "--safe-csv",
        dest="safe_csv",
        action="store_true",
        help="with --format csv: prefix text cells starting with = + - @ TAB or CR with ' so a "
        "spreadsheet shows them as text (default: values exactly as computed, for machines)",
    )


class _NonFinite:
    """Which output fields were not finite numbers in this run (written as null or an empty cell)."""

    def __init__(self) -> None:
        self.fields: list[str] = []

    def reset(self) -> None:
        self.fields = []

    def warning(self) -> str | None:
        """One short ``warning: ...`` line, or None when every number was finite."""
        if not self.fields:
            return None
        unique = list(dict.fromkeys(self.fields))
        shown = ", ".join(unique[:SHOWN_FIELDS]) + (
            f" and {len(unique) - SHOWN_FIELDS} more" if len(unique) > SHOWN_FIELDS else ""
        )
        return f"warning: not a finite number, written as null (empty in csv): {shown}"


_NON_FINITE = _NonFinite()


def _label(value: Any, index: int) -> str:
    """A list item's label in a field path: its name, channel or arm if it has one, else its index."""
    if isinstance(value, dict):
        for key in ("name", "channel", "arm"):
            if isinstance(value.get(key), str):
                return str(value[key])
    return str(index)


def _finite(value: Any, path: str = "") -> Any:
    """``value`` with every non-finite float replaced by None (and noted for the warning)."""
    if value is None or isinstance(value, (str, bool, numbers.Integral)):
        return value
    if isinstance(value, numbers.Real):  # float, numpy floats
        number = float(value)
        if math.isfinite(number):
            return number
        _NON_FINITE.fields.append(path or "value")
        return None
    if isinstance(value, dict):
        return {k: _finite(v, f"{path}.{k}" if path else str(k)) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_finite(v, f"{path}[{_label(v, i)}]") for i, v in enumerate(value)]
    return value


def _json(value: Any) -> str:
    """Strict JSON: non-finite numbers become null; ``allow_nan=False`` refuses any that slip through."""
    return json.dumps(_finite(value), indent=2, ensure_ascii=False, allow_nan=False)


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
        if not math.isfinite(value) or abs(value) >= MAX_AMOUNT:
            return f"{value:.4g}"
        if value.is_integer():
            return f"{value:,.0f}"
        return f"{value:,.2f}" if abs(value) >= 100 else f"{value:.4g}"
    return str(value)


def _as_is(value: object) -> object:
    return value


def _csv(rows: list[dict[str, Any]], safe: bool = False, columns: list[str] | None = None) -> str:
    """Rows as CSV at full precision (``columns`` is the header when there are no rows); ``safe``
    defuses text cells a spreadsheet would run as a formula."""
    keys = list(rows[0]) if rows else list(columns or [])
    if not keys:
        return ""
    text: Callable[[object], object] = _as_is
    if safe:
        from kpi_core.report.export import defuse_formula  # openpyxl and pandas: only with --safe-csv

        text = defuse_formula
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow([text(k) for k in keys])
    for index, row in enumerate(rows, start=1):
        cells = _finite({k: row.get(k) for k in keys}, f"row {index}")
        writer.writerow(["" if cells[k] is None else text(cells[k]) for k in keys])
    return out.getvalue()


def _one_line(text: str) -> str:
    return " ".join(text.split())


def _ingest(path: str, sheet: str | None, table: int | None = None) -> Ingested:
    """Read FILE as the app reads an upload (ingest tells a workbook by its content, whatever its name).
    ``table``: which stacked table, 1 for the first."""
    from kpi_core.ingest import ingest

    if os.path.isdir(path):
        raise InputError(f"'{path}' is a folder, not a file: give the path of a CSV or Excel file.")
    return ingest(path, sheet=sheet, table=table - 1 if table is not None else None)


def cmd_profile(args: argparse.Namespace) -> str:
    profile = _ingest(args.file, args.sheet, args.table).profile
    if args.format == "json":
        return _json(profile.to_dict())
    rows = [dict(vars(c)) for c in profile.columns]
    if args.format == "csv":
        return _csv(rows, args.safe_csv)
    head = [
        f"file: {profile.file}"
        + (f"  sheet: {profile.sheet}" if profile.sheet else "")
        + (f"  table {profile.table_number} of {len(profile.tables)}: {profile.table}" if profile.table else ""),
        f"header row: {profile.header_row}   rows: {profile.rows}   dropped rows: {len(profile.dropped_rows)}",
    ]
    if profile.tables:
        head.append(
            "tables in this file (--table N): " + "; ".join(f"{i}. {t}" for i, t in enumerate(profile.tables, 1))
        )
    warnings = [f"warning: {w}" for w in profile.warnings]
    return "\n".join(head + ["", _table(rows)] + ([""] + warnings if warnings else []))


def cmd_suggest_mapping(args: argparse.Namespace) -> str:
    from kpi_core.mapping import suggest
    from kpi_core.mapping.suggest import explain

    profile = _ingest(args.file, args.sheet, args.table).profile
    if args.explain:
        suggestion = explain(profile, kind=args.kind)
        return _json({"mapping": json.loads(suggestion.mapping.to_json()), **suggestion.to_dict()})
    return _json(json.loads(suggest(profile, kind=args.kind).to_json()))


def _date(text: str, flag: str = "") -> date:
    """An ISO date from 1900 to 2199 (a later or earlier one is a typo, and overflows date sums)."""
    where = f"{flag} " if flag else ""
    try:
        day = date.fromisoformat(text.strip())
    except ValueError:
        raise InputError(f"{where}'{text}' is not a date: write it as YYYY-MM-DD.") from None
    if not FIRST_DAY <= day <= LAST_DAY:
        raise InputError(f"{where}{text} is out of range: give a date from {FIRST_DAY} to {LAST_DAY}, as YYYY-MM-DD.")
    return day


def _reject_constant(name: str) -> None:
    raise ValueError(name)


def _read_text(path: str, what: str) -> str:
    """A UTF-8 JSON file's text; NaN and Infinity (not JSON, though Python reads them) are refused."""
    try:
        with open(path, encoding="utf-8-sig") as handle:
            text = handle.read()
    except OSError as exc:
        raise InputError(f"the {what} file '{path}' cannot be read ({exc.strerror}).") from None
    except UnicodeDecodeError:
        raise InputError(
            f"the {what} file '{path}' is not UTF-8 text: give the {what} JSON file (see the README)."
        ) from None
    try:
        json.loads(text, parse_constant=_reject_constant)
    except json.JSONDecodeError:
        pass  # the parser of the mapping or goal says what is wrong with it
    except ValueError as exc:
        raise InputError(
            f"the {what} file '{path}' contains {exc}, which is not a JSON number: write a finite number (or null)."
        ) from None
    return text


def _load_mapped(args: argparse.Namespace) -> tuple[Any, Mapping]:
    """Ingest FILE and check its --mapping against it: (ingested file, mapping)."""
    from kpi_core.mapping import mapping_from_json, validate

    mapping = mapping_from_json(_read_text(args.mapping, "mapping"))
    ingested = _ingest(args.file, args.sheet or mapping.sheet, args.table or mapping.table)
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
    from kpi_core.metrics.file_data import file_performance

    ingested, mapping = _load_mapped(args)
    if mapping.kind != "performance":
        raise InputError(f"{args.command} needs a performance mapping; this one is of kind '{mapping.kind}'.")
    return file_performance(ingested, mapping)


def _output(records: list[dict[str, Any]], args: argparse.Namespace, columns: list[str] | None = None) -> str:
    if args.format == "json":
        return _json(records)
    if args.format == "csv":
        return _csv(records, args.safe_csv, columns) or "\n"
    return _table(records)


def cmd_kpis(args: argparse.Namespace) -> str:
    from kpi_core.metrics import KpiRequest

    performance = _performance(args)
    request = KpiRequest(
        by=tuple(d.strip() for d in args.by.split(",") if d.strip()) if args.by else (),
        grain=args.grain,
        date_from=_date(args.date_from, "--from") if args.date_from is not None else None,
        date_to=_date(args.date_to, "--to") if args.date_to is not None else None,
        where=_where(args.where or []),
    )
    table = performance.compute(request)
    return _output(table.records(), args, table.columns)


CHECK_COLUMNS = ["check", "severity", "column", "rows", "share", "example", "message"]


def cmd_check(args: argparse.Namespace) -> str:
    """The data-quality report of FILE under its mapping; --apply-fixes writes the mapping with every
    proposed fix added (merges, duplicates and outliers left out), for the other commands to read."""
    from kpi_core.quality import apply_fix, check_ingested

    ingested, mapping = _load_mapped(args)
    findings = check_ingested(ingested, mapping)
    if args.apply_fixes:
        fixed = mapping
        for finding in findings:
            if finding.fix is not None:
                fixed = apply_fix(fixed, finding.fix)
        try:
            with open(args.apply_fixes, "w", encoding="utf-8") as handle:
                handle.write(fixed.to_json() + "\n")
        except OSError as exc:
            raise InputError(f"--apply-fixes: cannot write '{args.apply_fixes}' ({exc.strerror}).") from None
    records = [f.to_dict() for f in findings]
    if args.format == "json":
        return _json(records)
    if args.format == "csv":
        return _csv([{k: r[k] for k in CHECK_COLUMNS} for r in records], args.safe_csv, CHECK_COLUMNS) or "\n"
    if not records:
        return "No data-quality problems found."
    return (
        _table([{k: r[k] for k in CHECK_COLUMNS if k != "message"} for r in records])
        + "\n\n"
        + "\n".join(f"{r['severity']}: {r['message']}" for r in records)
    )


def _check_goal(goal: Any) -> None:
    """Dates from 1900 to 2199 and a target of at most MAX_AMOUNT (or a change of at most MAX_SHARE):
    anything beyond is a typo that would overflow the review's date and number sums."""
    target = goal.target
    days = {
        "start": goal.start,
        "end": goal.end,
        "baseline start": target.baseline_start,
        "baseline end": target.baseline_end,
    }
    for what, day in days.items():
        if day is not None and not FIRST_DAY <= day <= LAST_DAY:
            raise InputError(
                f"the goal's {what} {day.isoformat()} is out of range: give a date from {FIRST_DAY} to "
                f"{LAST_DAY} in the goal file."
            )
    for what, value, limit in (("target", target.value, MAX_AMOUNT), ("target change", target.change, MAX_SHARE)):
        if value is not None and not (math.isfinite(value) and abs(value) <= limit):
            raise InputError(
                f"the goal's {what} {value:g} is out of range: give at most {_big(limit)} in the goal file "
                "(a change is a fraction: 0.2 for +20%)."
            )


def cmd_goal(args: argparse.Namespace) -> str:
    from kpi_core.goals import goal_from_json, review_goal  # scipy: loaded only by the commands that need it

    goal = goal_from_json(_read_text(args.goal, "goal"))
    _check_goal(goal)
    performance = _performance(args)
    for dimension in goal.where:
        if dimension not in performance.dimensions:
            mapped = ", ".join(performance.dimensions) or "none"
            raise InputError(f"the goal's scope names {dimension}, which is not mapped (mapped dimensions: {mapped}).")
    as_of = _date(args.as_of, "--as-of") if args.as_of is not None else None
    review = review_goal(goal, performance, as_of, currency=performance.settings.currency)
    record = review.to_record()
    if args.format == "json":
        return _json(record)
    flat = {k: v for k, v in record.items() if not isinstance(v, (dict, list))}
    flat.update({f"projected_{k}": v for k, v in record["projected"].items()})
    flat.update({f"smart_{k}": v for k, v in record["smart"].items() if k != "notes"})
    if args.format == "csv":
        return _csv([flat], args.safe_csv)
    lines = [f"{k}: {_cell(v)}" for k, v in flat.items()]
    lines += [f"smart {letter}: {note}" for letter, note in record["smart"]["notes"].items()]
    return "\n".join(lines)


def cmd_alerts(args: argparse.Namespace) -> str:
    from kpi_core.alerts import AlertSettings, detect_alerts
    from kpi_core.metrics import KpiRequest

    performance = _performance(args)
    settings = AlertSettings(threshold=args.threshold) if args.threshold is not None else AlertSettings()
    found = detect_alerts(performance, args.kpi, args.by, args.grain, KpiRequest(), settings)
    records = [a.to_record() for a in found]
    if args.format == "table":
        records = [{k: v for k, v in r.items() if k != "message"} for r in records]
    return _output(
        records, args, ["period", *([args.by] if args.by else []), "kpi", "value", "expected", "score", "direction"]
    )


def _big(value: float) -> str:
    """A limit as people write it: 1e15, not 1e+15."""
    mantissa, exponent = f"{value:.0e}".split("e")
    return f"{mantissa}e{int(exponent)}"


def _money(value: float) -> str:
    return f"{value:,.2f}" if abs(value) < MAX_AMOUNT else _big(value)


def _check_number(
    text: str,
    need: str,
    low: float | None = None,
    high: float | None = None,
    above: bool = False,
    below: bool = False,
    whole: bool = False,
) -> float:
    """``text`` as a finite number within [low, high] (``above``/``below``: that end excluded), else
    ValueError with what is wrong and ``need``, the sentence that says what to give."""
    cleaned = text.strip().replace("_", "")
    if whole:
        cleaned = cleaned.replace(",", "")  # thousands separators in counts
    try:
        value = float(cleaned)
    except ValueError:
        raise ValueError(f"'{text}' is not a number; {need}") from None
    if not math.isfinite(value):
        raise ValueError(f"'{text}' is not a finite number; {need}")
    if whole and not value.is_integer():
        raise ValueError(f"'{text}' is not a whole number; {need}")
    if low is not None and (value < low or (above and value == low)):
        raise ValueError(f"{text} is too small; {need}")
    if high is not None and (value > high or (below and value == high)):
        raise ValueError(f"{text} is too large; {need}")
    return value


def _number(
    need: str,
    low: float | None = None,
    high: float | None = None,
    above: bool = False,
    below: bool = False,
    whole: bool = False,
) -> Callable[[str], float | int]:
    """An argparse type for a finite number in range; argparse reports a refusal as one error line."""

    def parse(text: str) -> float | int:
        try:
            value = _check_number(text, need, low, high, above, below, whole)
        except ValueError as exc:
            raise argparse.ArgumentTypeError(str(exc)) from None
        return int(value) if whole else value

    return parse


def _count(text: str, what: str, spec: str) -> int:
    """USERS or CONVERSIONS of an --arm: a whole number up to MAX_COUNT (the arm refuses negatives)."""
    try:
        value = float(text.replace(",", "").replace("_", ""))
    except ValueError:
        raise InputError(f"--arm {spec}: {what} must be a number, not '{text}'.") from None
    if not math.isfinite(value):
        raise InputError(
            f"--arm {spec}: {what} must be a finite number, not '{text}'; give a count of people, "
            "e.g. --arm Control:10000:500."
        )
    if not value.is_integer():
        raise InputError(f"--arm {spec}: {what} must be a whole number, not '{text}'.")
    if value > MAX_COUNT:
        raise InputError(
            f"--arm {spec}: {what} {text} is more than {_big(MAX_COUNT)}; give a count of people, "
            "e.g. --arm Control:10000:500."
        )
    return int(value)


def _arm(spec: str) -> Any:
    """NAME:USERS:CONVERSIONS, or NAME:USERS:CONVERSIONS:REVENUE_SUM:REVENUE_SUM_OF_SQUARES."""
    from kpi_core.abtest import Arm

    parts = spec.split(":")
    fields = parts[-4:] if len(parts) >= 5 else parts[-2:]
    name = ":".join(parts[: len(parts) - len(fields)]).strip()
    if len(parts) < 3 or not name:
        raise InputError(f"--arm {spec}: write it as NAME:USERS:CONVERSIONS, e.g. --arm Control:10000:500.")
    users, conversions = _count(fields[0], "users", spec), _count(fields[1], "conversions", spec)
    revenue = squares = None
    if len(fields) == 4:
        try:
            revenue = _check_number(
                fields[2],
                f"give the revenue sum as a number from -{_big(MAX_AMOUNT)} to {_big(MAX_AMOUNT)}.",
                -MAX_AMOUNT,
                MAX_AMOUNT,
            )
            squares = _check_number(
                fields[3], f"give the revenue sum of squares as a number from 0 to {_big(MAX_SQUARES)}.", 0, MAX_SQUARES
            )
        except ValueError as exc:
            raise InputError(f"--arm {spec}: {exc}") from None
        if users and squares < revenue * revenue / users * (1 - 1e-9):
            raise InputError(
                f"--arm {spec}: the sum of squares ({squares:g}) is below revenue sum squared / users "
                f"({revenue * revenue / users:g}), which no set of revenues gives; check both numbers."
            )
    return Arm(name, users, conversions, revenue, squares)


def _split(text: str | None) -> tuple[float, ...] | None:
    if not text:
        return None
    need = f"give one positive share (at most {_big(MAX_SHARE)}) per arm, comma-separated, e.g. --split 50,50."
    try:
        return tuple(_check_number(part, need, 0, MAX_SHARE, above=True) for part in text.split(","))
    except ValueError as exc:
        raise InputError(f"--split {text}: {exc}") from None


def cmd_abtest(args: argparse.Namespace) -> str:
    from kpi_core.abtest import ExperimentSettings, analyse

    arms = [_arm(spec) for spec in args.arm or []]
    settings = ExperimentSettings(
        alpha=args.alpha,
        power=args.power,
        control=args.control,
        split=_split(args.split),
        planned_n=args.planned_n,
        sequential=args.sequential,
        start_date=_date(args.start_date, "--start-date") if args.start_date is not None else None,
        as_of=_date(args.as_of, "--as-of") if args.as_of is not None else None,
    )
    result = analyse(arms, settings).to_record()
    if args.format == "json":
        return _json(result)
    rows = [
        {k: v for k, v in c.items() if k != "message"} for c in result["comparisons"] + result["revenue_comparisons"]
    ]
    if args.format == "csv":
        return _csv(rows, args.safe_csv)
    srm = result["srm"]
    lines = [
        _table(result["arms"]),
        "",
        _table(rows),
        "",
        f"sample ratio: chi2 {_cell(srm['chi2'])}, p {_cell(srm['p_value'])}, {srm['status']}",
    ]
    lines += [
        f"{c['arm']} vs {c['control']}: {c['message']}" for c in result["comparisons"] + result["revenue_comparisons"]
    ]
    return "\n".join(lines)


def cmd_sample_size(args: argparse.Namespace) -> str:
    from kpi_core.abtest import list_size_effect, plan

    if args.list_size is not None:
        mde = list_size_effect(args.baseline, args.list_size, args.arms, args.alpha, args.power)
        record: dict[str, Any] = {
            "list_size": args.list_size,
            "per_arm": args.list_size / args.arms,
            "mde": mde,
            "mde_relative": None if mde is None else mde / args.baseline,
        }
    elif args.mde is None:
        raise InputError(
            "give --mde (the smallest effect worth detecting), or --list-size to see what a list can detect."
        )
    else:
        effect = args.mde * args.baseline if args.relative else args.mde
        if args.mde and abs(effect) < MIN_EFFECT:
            raise InputError(
                f"--mde {args.mde:g}{' (relative)' if args.relative else ''} is an effect of {effect:.3g} on "
                f"the rate, too small to plan a test for: give an effect of at least {_big(MIN_EFFECT)}."
            )
        record = plan(
            args.baseline, args.mde, args.relative, args.alpha, args.power, args.arms, args.weekly_traffic
        ).to_record()
    if args.format == "json":
        return _json(record)
    return (
        _csv([record], args.safe_csv)
        if args.format == "csv"
        else "\n".join(f"{k}: {_cell(v)}" for k, v in record.items())
    )


def _amount(text: str, current: float, spec: str, limit: float, limit_name: str) -> float | None:
    """One side of a --bounds range: empty, an amount, or a percentage of the current spend; finite,
    zero or more, and at most ``limit`` (the total budget, or MAX_AMOUNT when none is fixed). Minimums
    that add up to more than the total are the optimiser's to refuse ("cannot add up")."""
    text = text.strip().replace(",", "")
    if not text:
        return None
    try:
        value = float(text[:-1]) / 100 * current if text.endswith("%") else float(text)
    except ValueError:
        raise InputError(BUDGET_BAD_BOUND.format(channel=spec)) from None
    if not math.isfinite(value):
        raise InputError(
            f"Bounds for {spec}: '{text}' is not a finite amount; give amounts or percentages of current "
            "spend, e.g. 'Events=0:5000' or 'Events=80%:120%'."
        )
    if value < 0:
        raise InputError(BUDGET_BAD_BOUND.format(channel=spec))
    if value > limit * (1 + 1e-9):
        raise InputError(
            f"Bounds for {spec}: {_money(value)} is more than {limit_name} ({_money(limit)}); a channel "
            "cannot get more than that. Lower the bound, or leave that side empty."
        )
    return value


def _bounds(
    items: list[str], model: Any, limit: float = MAX_AMOUNT, limit_name: str = "the largest budget accepted"
) -> dict[str, tuple[float | None, float | None]]:
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
        bounds[name] = (
            _amount(low, current, item, MAX_AMOUNT, "the largest budget accepted"),
            _amount(high, current, item, limit, limit_name),
        )
    return bounds


def cmd_budget(args: argparse.Namespace) -> str:
    from kpi_core.budget import budget_history, fit_budget, recommend
    from kpi_core.budget import view as budget_view

    performance = _performance(args)
    history = budget_history(performance, args.target, args.grain)
    model = fit_budget(history, adstock=not args.no_adstock, lag=args.lag)
    objective: Objective = (
        "target_return" if args.target_return is not None else "goal" if args.goal is not None else "max_outcome"
    )
    if objective == "max_outcome":
        total = float(model.current().sum()) if args.total is None else args.total
        named = "the total budget" if args.total is not None else "the total budget (today's spends)"
        bounds = _bounds(args.bounds or [], model, total, f"{named} per {args.grain}")
    else:
        bounds = _bounds(args.bounds or [], model)
    plan = recommend(
        model,
        total=args.total,
        bounds=bounds,
        locked=set(args.lock or []),
        beyond_cap=args.beyond_cap,
        objective=objective,
        target_return=args.target_return,
        goal=args.goal,
        gross_margin=performance.settings.gross_margin,
    )
    advice = budget_view.verdict(plan, model, performance.settings.currency)
    record = plan.to_record() | {"verdict": {"recommend": advice.recommend, "text": advice.text}}
    if args.format == "json":
        return _json(record)
    rows = [
        {k: v for k, v in c.items() if not isinstance(v, (dict, list))}
        | {"family": c["curve"]["family"], "r2": c["curve"]["r2"], "points": c["curve"]["points"]}
        for c in record["channels"]
    ]
    if args.format == "csv":
        return _csv(rows, args.safe_csv)
    shown = (
        "channel",
        "current_spend",
        "recommended_spend",
        "current_outcome",
        "recommended_outcome",
        "marginal_return",
        "bound",
        "family",
        "r2",
    )
    rows = [{k: r[k] for k in shown} for r in rows]
    summary = (
        f"{record['target']} per {record['grain']}: {record['current_outcome']:,.2f} now, "
        f"{record['recommended_outcome']:,.2f} recommended (total spend {record['total']:,.2f})"
    )
    return _table(rows) + "\n" + summary + "\n" + advice.text


ALPHA = _number(f"give a significance level from {_big(MIN_ALPHA)} to 0.5, e.g. --alpha 0.05.", MIN_ALPHA, 0.5)
POWER = _number(f"give a power from {MIN_POWER:g} to {MAX_POWER:g}, e.g. --power 0.8.", MIN_POWER, MAX_POWER)
TABLE = _number("give the table's number, 1 for the first (see 'profile' of the file).", 1, 10_000, whole=True)


def _add_mapped_input(parser: argparse.ArgumentParser) -> None:
    """FILE, its --mapping and --sheet: the input of every command that computes KPIs."""
    parser.add_argument("file")
    parser.add_argument("--mapping", required=True, help="mapping JSON (see the README)")
    parser.add_argument("--sheet", help="workbook sheet (default: the mapping's, else the first with data)")
    parser.add_argument(
        "--table",
        type=TABLE,
        help="which of the file's stacked tables, 1 for the first (default: the mapping's, else the first)",
    )


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="python -m kpi_core", description="ROI Workbench from the command line.")
    commands = parser.add_subparsers(dest="command", parser_class=_Parser)

    profile = commands.add_parser("profile", help="read a CSV/XLSX file and describe what was found")
    profile.add_argument("file")
    profile.add_argument("--sheet", help="workbook sheet (default: the first with data)")
    profile.add_argument("--table", type=TABLE, help="which of the file's stacked tables, 1 for the first")
    _add_format(profile)
    profile.set_defaults(run=cmd_profile)

    suggestion = commands.add_parser("suggest-mapping", help="print a suggested mapping JSON for a file")
    suggestion.add_argument("file")
    suggestion.add_argument("--sheet")
    suggestion.add_argument("--table", type=TABLE, help="which of the file's stacked tables, 1 for the first")
    suggestion.add_argument("--kind", choices=("performance", "deals", "touchpoints", "experiment"))
    suggestion.add_argument(
        "--explain",
        action="store_true",
        help="print {mapping, kind_reason, roles: [role, column, confidence, reason, "
        "alternatives], unused, notes} instead of the mapping alone",
    )
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

    check = commands.add_parser(
        "check",
        help="data-quality report: near-duplicate values, blanks, duplicates, "
        "negatives, outliers, impossible sequences, date gaps",
    )
    _add_mapped_input(check)
    check.add_argument(
        "--apply-fixes",
        dest="apply_fixes",
        metavar="OUT.json",
        help="write the mapping with every proposed fix added as recode/exclude rules",
    )
    _add_format(check)
    check.set_defaults(run=cmd_check)

    goal = commands.add_parser("goal", help="progress, projection, SMART check and funnel back-solve of a goal")
    _add_mapped_input(goal)
    goal.add_argument("--goal", required=True, help="goal JSON: name, objective, kpi, target, start, end, where")
    goal.add_argument(
        "--as-of", dest="as_of", help="judge the goal as of this day, YYYY-MM-DD (default: the data's last date)"
    )
    _add_format(goal)
    goal.set_defaults(run=cmd_goal)

    alerts = commands.add_parser("alerts", help="significant changes and anomalies in a KPI's series")
    _add_mapped_input(alerts)
    alerts.add_argument("--kpi", required=True, help="KPI id, e.g. sqls or cpl")
    alerts.add_argument("--by", help="one dimension: a series per value (e.g. channel)")
    alerts.add_argument("--grain", choices=("week", "month"), default="week", help="default: %(default)s")
    alerts.add_argument(
        "--threshold",
        type=_number(
            f"give a robust z-score in MAD units, more than 0 and at most {MAX_THRESHOLD:g}, e.g. --threshold 3.5.",
            0,
            MAX_THRESHOLD,
            above=True,
        ),
        help="robust z-score (MAD units) that raises an alert",
    )
    _add_format(alerts)
    alerts.set_defaults(run=cmd_alerts)

    abtest = commands.add_parser(
        "abtest", help="A/B test verdict: health gate, lift, intervals, Bayesian chance to beat"
    )
    abtest.add_argument(
        "--arm",
        action="append",
        metavar="NAME:USERS:CONVERSIONS",
        help="one arm; repeat for 2-6 arms (the first is the control). Append :REVENUE_SUM:SUM_OF_SQUARES "
        "to also test revenue per user",
    )
    abtest.add_argument("--control", help="the control arm's name (default: the first arm)")
    abtest.add_argument("--alpha", type=ALPHA, default=0.05, help="significance level (default: %(default)s)")
    abtest.add_argument(
        "--power", type=POWER, default=0.8, help="power for the detectable effect (default: %(default)s)"
    )
    abtest.add_argument("--split", help="planned split of users, one share per arm (default: equal), e.g. 50,50")
    abtest.add_argument(
        "--planned-n",
        dest="planned_n",
        type=_number(
            f"give the planned users in total, all arms together: a whole number from 1 to {_big(MAX_COUNT)}, "
            "e.g. --planned-n 20000.",
            1,
            MAX_COUNT,
            whole=True,
        ),
        help="planned users in total, all arms together (sample-size's 'total')",
    )
    abtest.add_argument("--sequential", action="store_true", help="always-valid intervals: safe to look at any time")
    abtest.add_argument("--start-date", dest="start_date", help="the day the test started, YYYY-MM-DD (runtime check)")
    abtest.add_argument("--as-of", dest="as_of", help="the day of this look, YYYY-MM-DD (default: today)")
    _add_format(abtest)
    abtest.set_defaults(run=cmd_abtest)

    budget = commands.add_parser("budget", help="fit response curves per channel and recommend a budget split")
    _add_mapped_input(budget)
    budget.add_argument(
        "--target",
        default="revenue",
        help="outcome to maximise: revenue, pipeline, customers, sqls, leads... (default: %(default)s)",
    )
    budget.add_argument(
        "--grain", choices=("week", "month"), default="week", help="period of spends (default: %(default)s)"
    )
    objective = budget.add_mutually_exclusive_group()
    objective.add_argument(
        "--total",
        type=_number(
            f"give the budget per period, an amount of zero or more and at most "
            f"{_big(MAX_AMOUNT)}, e.g. --total 50000.",
            0,
            MAX_AMOUNT,
        ),
        help="budget per period (default: the sum of current mean spends)",
    )
    budget.add_argument(
        "--bounds",
        action="append",
        metavar="CHANNEL=MIN:MAX",
        help="spend limits per period; amounts or %% of current spend, either side may be empty; repeat",
    )
    budget.add_argument(
        "--lock", action="append", metavar="CHANNEL", help="keep this channel at its current spend; repeat"
    )
    budget.add_argument(
        "--beyond-cap",
        dest="beyond_cap",
        action="store_true",
        help="allow spends above a channel's largest period spend (the curve is extrapolated there)",
    )
    objective.add_argument(
        "--target-return",
        dest="target_return",
        type=_number(
            f"give the least return the next unit of money must bring, from 0 to {_big(MAX_RETURN)}, "
            "e.g. --target-return 3 (ROAS 3).",
            0,
            MAX_RETURN,
        ),
        help="instead of --total: spend while the next unit returns at least this much (e.g. ROAS 3)",
    )
    objective.add_argument(
        "--goal",
        type=_number(
            f"give the outcome per period to reach, more than 0 and at most {_big(MAX_AMOUNT)}, e.g. --goal 50000.",
            0,
            MAX_AMOUNT,
            above=True,
        ),
        help="instead of --total: the least budget whose best split reaches this outcome per period",
    )
    budget.add_argument(
        "--lag",
        type=_number(
            f"give whole periods between spend and outcome, from 0 to {MAX_LAG}, e.g. --lag 1.", 0, MAX_LAG, whole=True
        ),
        default=0,
        help="periods between spend and outcome (default: %(default)s)",
    )
    budget.add_argument("--no-adstock", dest="no_adstock", action="store_true", help="no carry-over between periods")
    _add_format(budget)
    budget.set_defaults(run=cmd_budget)

    size = commands.add_parser("sample-size", help="users per arm and weeks a test needs; or what a list can detect")
    size.add_argument(
        "--baseline",
        type=_number(
            "give the control's conversion rate as a fraction between 0 and 1, e.g. --baseline 0.05 for 5%.",
            0,
            1,
            above=True,
            below=True,
        ),
        required=True,
        help="control conversion rate as a fraction, e.g. 0.2",
    )
    size.add_argument(
        "--mde",
        type=_number(
            f"give the smallest effect worth detecting as a fraction (0.01 = one point, "
            f"or 0.1 with --relative = +10%), at most {_big(MAX_SHARE)} either way.",
            -MAX_SHARE,
            MAX_SHARE,
        ),
        help="smallest effect worth detecting: absolute (0.05 = 5 points) or, with --relative, relative (0.1 = +10%%)",
    )
    size.add_argument("--relative", action="store_true", help="--mde is relative to the baseline")
    size.add_argument("--alpha", type=ALPHA, default=0.05, help="significance level, two-sided (default: %(default)s)")
    size.add_argument("--power", type=POWER, default=0.8, help="default: %(default)s")
    size.add_argument(
        "--arms",
        type=_number(
            f"give the number of arms including the control, a whole number from 2 to "
            f"{MAX_PLANNED_ARMS}, e.g. --arms 2.",
            2,
            MAX_PLANNED_ARMS,
            whole=True,
        ),
        default=2,
        help="arms including the control (default: %(default)s)",
    )
    size.add_argument(
        "--weekly-traffic",
        dest="weekly_traffic",
        type=_number(
            f"give the users entering the test per week, from 1 to {_big(MAX_COUNT)}, e.g. --weekly-traffic 5000.",
            1,
            MAX_COUNT,
        ),
        help="users per week entering the test",
    )
    size.add_argument(
        "--list-size",
        dest="list_size",
        type=_number(
            f"give the users on the list, a whole number from 1 to {_big(MAX_COUNT)}, e.g. --list-size 20000.",
            1,
            MAX_COUNT,
            whole=True,
        ),
        help="reverse mode: the effect a list of this many users (split equally) can detect",
    )
    _add_format(size)
    size.set_defaults(run=cmd_sample_size)
    return parser


def _first_line(exc: BaseException) -> str:
    lines = str(exc).strip().splitlines()
    return " ".join(lines[0].split()) if lines else "no message"


def _write(output: str) -> None:
    """Print ``output``; a closed pipe (``| head``) is not an error, an unprintable character is escaped."""
    text = output if output.endswith("\n") else output + "\n"
    try:
        try:
            sys.stdout.write(text)
        except UnicodeEncodeError:
            sys.stdout.flush()
            sys.stdout.buffer.write(text.encode(sys.stdout.encoding or "utf-8", errors="backslashreplace"))
        sys.stdout.flush()
    except BrokenPipeError:
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())  # no second error at exit


def main(argv: Sequence[str] | None = None) -> int:
    """Run one command: 0 done, 2 bad input (one ``error:`` line), 1 a bug (one ``error: internal
    error`` line; the traceback with KPI_CORE_DEBUG=1), 130 interrupted."""
    debug = os.environ.get(DEBUG_ENV, "").strip() not in ("", "0")
    _NON_FINITE.reset()
    parser = build_parser()
    with warnings.catch_warnings():
        if not debug:
            warnings.simplefilter("ignore")  # numpy/pandas warnings would break the one-line contract
        try:
            args = parser.parse_args(argv)
            if getattr(args, "run", None) is None:
                parser.print_help()
                return EXIT_INPUT
            run: Callable[[argparse.Namespace], str] = args.run
            output = run(args)
        except InputError as exc:
            print(f"error: {_one_line(str(exc))}", file=sys.stderr)
            return EXIT_INPUT
        except KeyboardInterrupt:
            print("error: interrupted", file=sys.stderr)
            return 130
        except Exception as exc:  # a bug, not a user mistake: say so, and never as a traceback
            if debug:
                raise
            print(
                f"error: internal error ({type(exc).__name__}): {_first_line(exc)} (a bug in kpi_core: rerun with "
                f"{DEBUG_ENV}=1 for the traceback and report it)",
                file=sys.stderr,
            )
            return EXIT_INTERNAL
    _write(output)
    warning = _NON_FINITE.warning()
    if warning:
        print(warning, file=sys.stderr)
    return 0
