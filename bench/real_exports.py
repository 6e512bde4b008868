"""Real-exports scorer: the product's reading and mapping of real marketing exports, against an analyst.

    python bench/real_exports.py                      # every file of tests/fixtures/real/expected.json
    python bench/real_exports.py google_ads_ad_group_utf16.csv ga4_events.csv   # some files
    python bench/real_exports.py --json               # the full result as JSON

Run from the repository root. The corpus (files, provenance, conventions) is described in
``tests/fixtures/real/README.md``; ``expected.json`` says, per file, what a careful analyst expects:
header row, data rows kept, every column's type, 1-3 column sums, the dataset kind and the roles.

What is compared, per file (or per table of a stacked-tables file):
  header   ``profile.header_row`` equals the expected 1-based line / row of the header
  rows     ``profile.rows`` equals the expected number of data rows (no titles, totals, blanks, footers)
  types    every expected column exists (name as in the header, trimmed; duplicates "Name (2)";
           blank "column N") with the expected type; a column the product has and the analyst
           does not counts as one wrong column too
  totals   ``profile.column(name).sum`` equals the expected sum (1e-6 relative, 1e-9 absolute)
  kind     ``suggest(profile).kind`` equals the expected kind
  roles    ``suggest(profile).roles``: a (role, column) pair is correct when the expected roles map
           that role to that column; a constant is correct only where the analyst expects the same
           constant (case-insensitive), a wide source never unless expected. Precision = correct /
           all suggested pairs, recall = correct / all expected pairs (summed over all files).
A file is "read right" when header, rows, every type and every total are right.

Stacked tables (a GA4 export with several ``#``-headed tables in one CSV): scored per table when
``kpi_core.ingest.list_tables(path)`` and ``ingest(path, table=i)`` exist; otherwise the file is one
failure, "stacked tables not supported", and its expected role pairs count as missed.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
import time
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

CORPUS = REPO / "tests" / "fixtures" / "real"
EXPECTED = CORPUS / "expected.json"
REL_TOL = 1e-6
ABS_TOL = 1e-9


def load_expected() -> list[dict[str, Any]]:
    return json.loads(EXPECTED.read_text(encoding="utf-8"))


def expected_by_file() -> dict[str, dict[str, Any]]:
    return {e["file"]: e for e in load_expected()}


# ---------------------------------------------------------------- reading with the product


@dataclass
class Read:
    """What the product made of one table: its profile and suggested mapping, or the error."""

    profile: Any = None
    mapping: Any = None
    confidence: dict[str, str] = field(default_factory=dict)  # role -> high/medium/low, as the product says
    error: str | None = None
    mapping_error: str | None = None


def _ingest_module() -> Any:
    import kpi_core.ingest as ingest_module

    return ingest_module


def tables_supported() -> bool:
    try:
        _ingest_module().list_tables  # noqa: B018  # present, or AttributeError
    except AttributeError:
        return False
    return True


@cache
def read(file: str, sheet: str | None = None, table: int | None = None) -> Read:
    """Ingest one file (one sheet, one table) with the product and suggest its mapping; cached."""
    ingest_module = _ingest_module()
    path = str(CORPUS / file)
    result = Read()
    try:
        kwargs: dict[str, Any] = {}
        if sheet is not None:
            kwargs["sheet"] = sheet
        if table is not None:
            kwargs["table"] = table
        ingested = ingest_module.ingest(path, **kwargs)
        result.profile = ingested.profile
    except Exception as exc:  # the product's own error, reported as the file's failure
        result.error = f"ingest raised {type(exc).__name__}: {exc}"
        return result
    try:
        from kpi_core.mapping.suggest import explain

        suggestion = explain(result.profile)
        result.mapping = suggestion.mapping
        result.confidence = {c.role: c.confidence for c in suggestion.choices}
    except Exception as exc:
        result.mapping_error = f"suggest raised {type(exc).__name__}: {exc}"
    return result


@cache
def table_count(file: str) -> int | None:
    """How many tables the product finds in a stacked file (None: it cannot list them)."""
    if not tables_supported():
        return None
    return len(_ingest_module().list_tables(str(CORPUS / file)))


# ---------------------------------------------------------------- comparing


def close(actual: float | None, expected: float) -> bool:
    if actual is None or (isinstance(actual, float) and math.isnan(actual)):
        return False
    return math.isclose(float(actual), float(expected), rel_tol=REL_TOL, abs_tol=ABS_TOL)


def _norm_constant(value: Any) -> str:
    return str(value).strip().casefold()


def source_key(source: Any) -> tuple[str, str]:
    """A suggested or expected role source as a comparable key."""
    if isinstance(source, str):
        return ("column", source.strip())
    if isinstance(source, dict):
        if "value" in source:
            return ("constant", _norm_constant(source["value"]))
        if "wide" in source:
            return ("wide", json.dumps(source["wide"], sort_keys=True))
    name = type(source).__name__
    if name == "ColumnSource":
        return ("column", source.column.strip())
    if name == "ConstantSource":
        return ("constant", _norm_constant(source.value))
    if name == "WideSource":
        return ("wide", ",".join(f"{w.column}={w.channel}" for w in source.columns))
    return ("unknown", repr(source))


def describe(source: Any) -> str:
    kind, value = source_key(source)
    if kind == "column":
        return repr(value)
    if kind == "constant":
        return f"constant {value!r}"
    if kind == "wide":
        return f"wide sheet ({value})"
    return value


@dataclass
class TableScore:
    name: str
    header_ok: bool = False
    rows_ok: bool = False
    types_right: int = 0
    types_total: int = 0
    totals_right: int = 0
    totals_total: int = 0
    kind_ok: bool = False
    roles_correct: int = 0
    roles_suggested: int = 0
    roles_expected: int = 0
    by_confidence: dict[str, list[int]] = field(default_factory=dict)  # level -> [right, stated]
    failures: list[str] = field(default_factory=list)
    reading_failures: list[str] = field(default_factory=list)
    kind_failures: list[str] = field(default_factory=list)
    role_failures: list[str] = field(default_factory=list)

    @property
    def read_right(self) -> bool:
        return (
            self.header_ok
            and self.rows_ok
            and self.types_right == self.types_total
            and self.totals_right == self.totals_total
        )


def reading_failures(exp: dict[str, Any], profile: Any) -> tuple[list[str], dict[str, Any]]:
    """Header, rows, types and totals of one table: the failures, and the counts behind them."""
    failures: list[str] = []
    counts = {
        "header_ok": False,
        "rows_ok": False,
        "types_right": 0,
        "types_total": 0,
        "totals_right": 0,
        "totals_total": 0,
    }
    if profile.header_row == exp["header_row"]:
        counts["header_ok"] = True
    else:
        failures.append(f"header row {profile.header_row}, expected {exp['header_row']}")
    if profile.rows == exp["rows"]:
        counts["rows_ok"] = True
    else:
        failures.append(f"{profile.rows} rows kept, expected {exp['rows']}" + _dropped_hint(profile, exp))
    actual = {c.name: c for c in profile.columns}
    expected_columns: dict[str, str] = exp["columns"]
    wrong_types: list[str] = []
    missing: list[str] = []
    for name, typ in expected_columns.items():
        counts["types_total"] += 1
        column = actual.get(name)
        if column is None:
            missing.append(name)
        elif column.type == typ:
            counts["types_right"] += 1
        else:
            wrong_types.append(f"{name!r} {column.type} (expected {typ})")
    extra = [name for name in actual if name not in expected_columns]
    counts["types_total"] += len(extra)
    if missing:
        failures.append(f"{len(missing)} expected column(s) missing: " + _short(missing))
    if extra:
        failures.append(f"{len(extra)} unexpected column(s): " + _short(extra))
    if wrong_types:
        failures.append(f"{len(wrong_types)} column type(s) wrong: " + _short(wrong_types, quote=False))
    for name, total in exp.get("totals", {}).items():
        counts["totals_total"] += 1
        column = actual.get(name)
        if column is None:
            failures.append(f"total of {name!r}: no such column")
        elif close(column.sum, total):
            counts["totals_right"] += 1
        else:
            failures.append(f"total of {name!r} {column.sum!r}, expected {total!r}")
    return failures, counts


def _dropped_hint(profile: Any, exp: dict[str, Any]) -> str:
    dropped = [f"{d.row} ({d.reason})" for d in getattr(profile, "dropped_rows", [])[:6]]
    return f" [dropped: {', '.join(dropped) or 'none'}]"


def _short(items: list[str], quote: bool = True, limit: int = 6) -> str:
    shown = [repr(i) if quote else i for i in items[:limit]]
    more = f", ... (+{len(items) - limit})" if len(items) > limit else ""
    return ", ".join(shown) + more


def role_pairs(mapping: Any) -> dict[str, Any]:
    return dict(mapping.roles) if mapping is not None else {}


def roles_failures(exp: dict[str, Any], mapping: Any) -> tuple[list[str], int, int, int]:
    expected: dict[str, Any] = exp.get("roles", {})
    suggested = role_pairs(mapping)
    failures: list[str] = []
    correct = 0
    for role, source in suggested.items():
        if role in expected and source_key(source) == source_key(expected[role]):
            correct += 1
        elif role in expected:
            failures.append(f"{role}: suggested {describe(source)}, expected {describe(expected[role])}")
        else:
            failures.append(f"{role}: suggested {describe(source)}, expected not mapped")
    for role, source in expected.items():
        if role not in suggested:
            failures.append(f"{role}: not suggested, expected {describe(source)}")
    return failures, correct, len(suggested), len(expected)


def score_table(name: str, exp: dict[str, Any], result: Read) -> TableScore:
    ts = TableScore(name=name)
    ts.roles_expected = len(exp.get("roles", {}))
    if result.error:
        n_types = len(exp["columns"])
        ts.types_total = n_types
        ts.totals_total = len(exp.get("totals", {}))
        ts.failures.append(result.error)
        ts.reading_failures.append(result.error)
        return ts
    failures, counts = reading_failures(exp, result.profile)
    for key, value in counts.items():
        setattr(ts, key, value)
    ts.reading_failures = failures
    if result.mapping_error:
        ts.kind_failures.append(result.mapping_error)
    else:
        if result.mapping.kind == exp["kind"]:
            ts.kind_ok = True
        else:
            ts.kind_failures.append(f"kind {result.mapping.kind}, expected {exp['kind']}")
        rf, ts.roles_correct, ts.roles_suggested, ts.roles_expected = roles_failures(exp, result.mapping)
        ts.role_failures = rf
        expected = exp.get("roles", {})
        for role, source in role_pairs(result.mapping).items():
            level = ts.by_confidence.setdefault(result.confidence.get(role, "unstated"), [0, 0])
            level[0] += role in expected and source_key(source) == source_key(expected[role])
            level[1] += 1
    ts.failures = ts.reading_failures + ts.kind_failures + ts.role_failures
    return ts


def score_file(exp: dict[str, Any]) -> list[TableScore]:
    file = exp["file"]
    if "tables" not in exp:
        return [score_table(file, exp, read(file, exp.get("sheet"), None))]
    tables = exp["tables"]
    count = table_count(file)
    if count is None:
        out = []
        for i, table in enumerate(tables):
            ts = TableScore(name=f"{file}#{i + 1}")
            ts.types_total = len(table["columns"])
            ts.totals_total = len(table.get("totals", {}))
            ts.roles_expected = len(table.get("roles", {}))
            msg = "stacked tables not supported (no kpi_core.ingest.list_tables)"
            ts.failures = [msg]
            ts.reading_failures = [msg]
            ts.kind_failures = [msg]
            out.append(ts)
        return out
    out = []
    for i, table in enumerate(tables):
        name = f"{file}#{i + 1}"
        if i >= count:
            ts = TableScore(
                name=name,
                types_total=len(table["columns"]),
                totals_total=len(table.get("totals", {})),
                roles_expected=len(table.get("roles", {})),
            )
            msg = f"the product lists {count} tables, expected {len(tables)}"
            ts.failures = ts.reading_failures = ts.kind_failures = [msg]
            out.append(ts)
            continue
        out.append(score_table(name, table, read(file, exp.get("sheet"), i)))
    return out


def prefetch(expected: list[dict[str, Any]], workers: int = 1) -> None:
    """Read every file once (in ``workers`` threads if more than 1, workbooks first) so that the cached
    ``read`` answers at once; each read has its own DuckDB connection."""
    from concurrent.futures import ThreadPoolExecutor

    jobs: list[tuple[str, str | None, int | None]] = []
    for exp in expected:
        if "tables" in exp:
            count = table_count(exp["file"])
            jobs += [(exp["file"], exp.get("sheet"), i) for i in range(min(count or 0, len(exp["tables"])))]
        else:
            jobs.append((exp["file"], exp.get("sheet"), None))
    if workers <= 1:  # measured: on a small machine threads contend and are slower than one by one
        for job in jobs:
            read(*job)
        return
    jobs.sort(key=lambda job: not job[0].endswith((".xlsx", ".xls")))
    with ThreadPoolExecutor(max_workers=workers) as pool:
        list(pool.map(lambda job: read(*job), jobs))


def score(names: list[str] | None = None, workers: int = 1) -> dict[str, Any]:
    """Score the product on the corpus (every file, or the files named): per-file results and totals."""
    expected = load_expected()
    if names:
        wanted = set(names)
        unknown = wanted - {e["file"] for e in expected}
        if unknown:
            raise KeyError(f"not in expected.json: {', '.join(sorted(unknown))}")
        expected = [e for e in expected if e["file"] in wanted]
    if workers > 1:
        prefetch(expected, workers)
    files = []
    agg = dict(
        tables=0,
        read_right=0,
        header=0,
        rows=0,
        types_right=0,
        types_total=0,
        totals_right=0,
        totals_total=0,
        kind=0,
        roles_correct=0,
        roles_suggested=0,
        roles_expected=0,
    )
    by_confidence: dict[str, list[int]] = {}
    for exp in expected:
        tables = score_file(exp)
        entry = {
            "file": exp["file"],
            "read_right": all(t.read_right for t in tables),
            "header": all(t.header_ok for t in tables),
            "rows": all(t.rows_ok for t in tables),
            "types_right": sum(t.types_right for t in tables),
            "types_total": sum(t.types_total for t in tables),
            "totals_right": sum(t.totals_right for t in tables),
            "totals_total": sum(t.totals_total for t in tables),
            "kind": all(t.kind_ok for t in tables),
            "roles_correct": sum(t.roles_correct for t in tables),
            "roles_suggested": sum(t.roles_suggested for t in tables),
            "roles_expected": sum(t.roles_expected for t in tables),
            "failures": [f"{t.name}: {f}" if len(tables) > 1 else f for t in tables for f in t.failures],
            "reading_failures": [
                f"{t.name}: {f}" if len(tables) > 1 else f for t in tables for f in t.reading_failures
            ],
            "kind_failures": [f"{t.name}: {f}" if len(tables) > 1 else f for t in tables for f in t.kind_failures],
            "role_failures": [f"{t.name}: {f}" if len(tables) > 1 else f for t in tables for f in t.role_failures],
        }
        files.append(entry)
        for t in tables:
            for level, (right, stated) in t.by_confidence.items():
                counts = by_confidence.setdefault(level, [0, 0])
                counts[0] += right
                counts[1] += stated
        agg["tables"] += len(tables)
        agg["read_right"] += entry["read_right"]
        agg["header"] += entry["header"]
        agg["rows"] += entry["rows"]
        agg["kind"] += entry["kind"]
        for key in (
            "types_right",
            "types_total",
            "totals_right",
            "totals_total",
            "roles_correct",
            "roles_suggested",
            "roles_expected",
        ):
            agg[key] += entry[key]
    n = len(files)

    def ratio(a: int, b: int) -> float:
        return a / b if b else 1.0

    totals = {
        "files": n,
        "files_read_right": agg["read_right"],
        "header_accuracy": ratio(agg["header"], n),
        "rows_accuracy": ratio(agg["rows"], n),
        "types_accuracy": ratio(agg["types_right"], agg["types_total"]),
        "totals_accuracy": ratio(agg["totals_right"], agg["totals_total"]),
        "kind_accuracy": ratio(agg["kind"], n),
        "role_precision": ratio(agg["roles_correct"], agg["roles_suggested"]),
        "role_recall": ratio(agg["roles_correct"], agg["roles_expected"]),
        "roles_correct": agg["roles_correct"],
        "roles_suggested": agg["roles_suggested"],
        "roles_expected": agg["roles_expected"],
        "confidence": {
            level: {"right": r, "stated": n, "share_right": ratio(r, n)}
            for level, (r, n) in sorted(by_confidence.items())
        },
    }
    return {"files": files, "totals": totals}


# ---------------------------------------------------------------- printing


def _mark(ok: bool) -> str:
    return "ok" if ok else "FAIL"


def print_report(result: dict[str, Any], seconds: float) -> None:
    files = result["files"]
    width = max(len(f["file"]) for f in files) if files else 4
    print(f"{'file':<{width}}  header rows  types    totals kind  roles (ok/sugg/exp)")
    for f in files:
        print(
            f"{f['file']:<{width}}  {_mark(f['header']):<6} {_mark(f['rows']):<5} "
            f"{f['types_right']:>3}/{f['types_total']:<4} {f['totals_right']}/{f['totals_total']:<4} "
            f"{_mark(f['kind']):<5} {f['roles_correct']}/{f['roles_suggested']}/{f['roles_expected']}"
        )
    print()
    for f in files:
        if f["failures"]:
            print(f"{f['file']}:")
            for failure in f["failures"]:
                print(f"  - {failure}")
    t = result["totals"]
    print()
    print(f"files read right     {t['files_read_right']}/{t['files']}")
    print(f"header accuracy      {t['header_accuracy']:.3f}")
    print(f"rows accuracy        {t['rows_accuracy']:.3f}")
    print(f"types accuracy       {t['types_accuracy']:.3f}")
    print(f"totals accuracy      {t['totals_accuracy']:.3f}")
    print(f"kind accuracy        {t['kind_accuracy']:.3f}")
    print(f"role precision       {t['role_precision']:.3f} ({t['roles_correct']}/{t['roles_suggested']})")
    print(f"role recall          {t['role_recall']:.3f} ({t['roles_correct']}/{t['roles_expected']})")
    for level, c in t["confidence"].items():
        print(f"said {level:<8}        {c['share_right']:.3f} right ({c['right']}/{c['stated']})")
    print(f"({seconds:.1f} s)")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("files", nargs="*", help="file names of expected.json (default: all)")
    parser.add_argument("--json", action="store_true", help="print the full result as JSON")
    args = parser.parse_args(argv)
    start = time.perf_counter()
    result = score(args.files or None)
    seconds = time.perf_counter() - start
    if args.json:
        print(json.dumps(result, indent=1, ensure_ascii=False))
    else:
        print_report(result, seconds)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
