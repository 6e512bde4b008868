"""Every tricky fixture either loads exactly as its manifest says or gives a clear InputError."""

from __future__ import annotations

import json
from datetime import date, datetime

import pytest

from kpi_core.errors import InputError
from kpi_core.ingest import ingest
from tests.conftest import FIXTURES

EXPECTED = json.loads((FIXTURES.parent / "expected.json").read_text(encoding="utf-8"))


def _cases() -> list[tuple[str, str | None, dict]]:
    cases = []
    for name, spec in EXPECTED.items():
        if "sheets" in spec:
            cases += [(name, sheet, sheet_spec) for sheet, sheet_spec in spec["sheets"].items()]
        else:
            cases.append((name, spec.get("sheet"), spec))
    return cases


def _as_iso(value: object) -> object:
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    return value


@pytest.mark.parametrize(("name", "sheet", "spec"), _cases(), ids=lambda v: v if isinstance(v, str) else "")
def test_fixture(name: str, sheet: str | None, spec: dict) -> None:
    path = FIXTURES / name
    if spec.get("error"):
        with pytest.raises(InputError) as caught:
            ingest(path, sheet=sheet)
        message = str(caught.value)
        assert message and "Traceback" not in message and len(message.splitlines()) == 1
        return

    result = ingest(path, sheet=sheet)
    profile = result.profile
    assert profile.header_row == spec["header_row"]
    assert profile.rows == spec["rows"]
    columns = spec["columns"]
    assert [c.name for c in profile.columns] == columns["names"]
    rows = result.con.execute(f"SELECT * FROM {result.relation}").fetchall()
    by_name = {c.name: [row[i] for row in rows] for i, c in enumerate(profile.columns)}
    for column_name, expected in columns.items():
        if column_name == "names":
            continue
        column = profile.column(column_name)
        assert column.type == expected["type"], column_name
        if "nulls" in expected:
            assert profile.rows - column.non_null == expected["nulls"], column_name
        if "sum" in expected:
            assert column.sum == pytest.approx(expected["sum"], abs=1e-6), column_name
        for bound in ("min", "max"):
            if bound in expected and expected["type"] in ("number", "date"):
                actual = getattr(column, bound)
                if expected["type"] == "number":
                    assert actual == pytest.approx(expected[bound], abs=1e-9), (column_name, bound)
                else:
                    assert actual == expected[bound], (column_name, bound)
        if "values" in expected:
            actual_values = [_as_iso(v) for v in by_name[column_name]]
            if expected["type"] == "number":
                assert len(actual_values) == len(expected["values"]), column_name
                for got, want in zip(actual_values, expected["values"]):
                    assert (got is None and want is None) or got == pytest.approx(want, abs=1e-9), column_name
            elif expected["type"] == "date":
                for got, want in zip(actual_values, expected["values"], strict=True):
                    assert (
                        got == want
                        or (want and got == want + "T00:00:00")
                        or (want and want.endswith("T00:00:00") and got == want[:10])
                    ), column_name
            else:
                assert actual_values == expected["values"], column_name
        if "true" in expected:
            assert sum(1 for v in by_name[column_name] if v is True) == expected["true"], column_name
    assert [(d.row, d.reason) for d in profile.dropped_rows] == [(d["row"], d["reason"]) for d in spec["dropped_rows"]]
    warnings = " ".join(profile.warnings).lower()
    for fragment in spec.get("warnings_contain", []):
        assert fragment in warnings, (fragment, profile.warnings)
