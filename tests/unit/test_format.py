"""The one formatting layer: what every page, tile and download shows for a number."""

from __future__ import annotations

import io
import math
import re

import openpyxl
import pandas as pd
import pytest

from kpi_core.metrics.format import (
    EMPTY,
    compact,
    count,
    display_table,
    format_change,
    format_compact,
    format_value,
    identifier,
    label,
    money,
    number,
    percent,
    ratio,
    text_table,
)
from kpi_core.metrics.registry import BY_ID, KPIS
from kpi_core.report.export import to_xlsx

SNAKE = re.compile(r"^[a-z]+(_[a-z]+)+$")


@pytest.mark.parametrize(
    "value, expected",
    [(2_167_368.95, "$2,167,369"), (1.543, "$1.54"), (-12.5, "-$12.50"), (0.0, "$0.00"), (-0.001, "$0.00")],
)
def test_money(value: float, expected: str) -> None:
    assert money(value, "USD") == expected


def test_money_in_a_currency_without_a_symbol() -> None:
    assert money(1234.5, "CHF") == "1,235 CHF"


def test_percentages_keep_two_significant_figures() -> None:
    assert [percent(v) for v in (0.247, 0.0247, 0.00247, 0.00018, 0.00024, 2.821)] == [
        "24.7%",
        "2.5%",
        "0.25%",
        "0.018%",
        "0.024%",
        "282%",
    ]


def test_a_percent_column_tells_close_values_apart() -> None:
    table = display_table(pd.DataFrame({"ctr": [0.000181, 0.000184, 0.00024]}))
    shown = list(table.texts()["Click-through rate"])
    assert len(set(shown)) == 3 and shown[0] == "0.0181%"


def test_other_units() -> None:
    assert ratio(4.781) == "4.78x" and ratio(11.46) == "11.5x"
    assert count(1_097_971) == "1,097,971" and count(2.5) == "2.5"
    assert number(2.474e-13) == "0" and number(1.429999948) == "1.43" and number(83053.90000000001) == "83,054"
    assert identifier(708746.0) == "708746" and identifier("A-1") == "A-1"


@pytest.mark.parametrize("empty", [None, math.nan, math.inf, pd.NA, pd.NaT])
def test_empty_is_a_dash_in_every_unit(empty: object) -> None:
    for kpi in KPIS:
        assert format_value(kpi, empty) == EMPTY  # type: ignore[arg-type]
        assert format_compact(kpi, empty) == EMPTY  # type: ignore[arg-type]


def test_compact_tiles() -> None:
    assert compact(2_132_444, "$") == "$2.13M" and compact(10_249_000, "$") == "$10.2M"
    assert compact(999_999) == "1.00M" and compact(39_700) == "39.7K" and compact(541) == "541"
    assert format_compact(BY_ID["spend"], 2_132_444) == "$2.13M"
    assert format_compact(BY_ID["customers"], 541) == "541"
    assert format_compact(BY_ID["romi"], 2.821) == "282%"
    assert format_compact(BY_ID["cac_payback_months"], 3.14) == "3.1 mo"


def test_changes_against_a_tiny_or_zero_base() -> None:
    assert format_change(0.123) == "+12.3%"
    assert format_change(496.7) == "over 10x"
    assert format_change(None, 5.0, 0.0) == "new"
    assert format_change(None, 0.0, 0.0) is None and format_change(None) is None


def test_a_small_change_keeps_two_significant_figures() -> None:
    """A tile once read "-0.0%" under a down arrow (Meridian's geo sheet, spend 0.03% below the period
    before): the change has the same two significant figures as every percentage."""
    assert format_change(-0.000312) == "-0.031%"
    assert format_change(0.0247) == "+2.5%" and format_change(-0.5) == "-50.0%"
    assert format_change(1.5) == "+150%" and format_change(9.99) == "+999%"
    assert format_change(-0.0000001) == "-<0.0001%"
    assert format_change(0.0) == "no change"


def test_labels_come_from_the_registry_never_snake_case() -> None:
    assert label("cac_payback_months") == "CAC payback"
    assert label("drop_off") == "Drop off"
    for kpi in KPIS:
        assert not SNAKE.match(label(kpi.id))


def test_display_table_widths_cover_every_cell() -> None:
    frame = pd.DataFrame({"channel": ["Email", None], "spend": [2_167_368.95, math.nan], "roas": [4.2, None]})
    table = display_table(frame)
    texts = table.texts()
    assert list(texts.columns) == ["Channel", "Spend", "ROAS (revenue to cost)"]
    assert texts.iloc[1].tolist() == [EMPTY, EMPTY, EMPTY]
    for column in table.columns:
        assert column.width >= max(len(t) for t in texts[column.label])
        assert column.width >= len(column.label)


def test_text_table_keeps_preformatted_cells() -> None:
    table = text_table(pd.DataFrame({"KPI": ["ROAS"], "Value": ["4.78x"]}), numbers=("Value",))
    assert table.texts().iloc[0].tolist() == ["ROAS", "4.78x"]
    assert [c.numeric for c in table.columns] == [False, True]


def test_excel_download_has_number_formats_human_headers_and_no_float_noise() -> None:
    frame = pd.DataFrame({"channel": ["Email"], "spend": [83053.90000000001], "ctr": [0.00018], "roas": [4.2]})
    book = openpyxl.load_workbook(io.BytesIO(to_xlsx({"kpis": display_table(frame)})))
    sheet = book["kpis"]
    assert [c.value for c in sheet[1]] == ["Channel", "Spend", "Click-through rate", "ROAS (revenue to cost)"]
    spend, ctr, roas = sheet["B2"], sheet["C2"], sheet["D2"]
    assert spend.value == 83053.9 and "$" in spend.number_format
    assert ctr.number_format.endswith("%") and roas.number_format == '0.00"x"'
    assert sheet.freeze_panes == "A2"


def test_a_cost_per_something_under_a_cent_keeps_two_significant_figures_in_tables_too() -> None:
    frame = pd.DataFrame({"channel": ["A"], "cpl": [0.0035], "spend": [0.001]})
    shown = display_table(frame, "USD").texts()
    assert shown.loc[0, "Cost per lead"] == "$0.0035"  # a money sum this small is noise: $0.00
    assert shown.loc[0, "Spend"] == "$0.00"
