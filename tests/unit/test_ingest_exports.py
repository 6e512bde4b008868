"""The reading cases of real exports (issue 13), each on a small file written here, numbers checked
against pandas: totals wherever their label sits, currencies of any form, long and compact dates,
ISO weeks, stacked tables, description rows, unlabelled grand totals and no-data notices.

The real files these cases come from are in tests/fixtures/real (see test_real_exports.py).
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pandas as pd
import pytest

from kpi_core.errors import InputError
from kpi_core.ingest import ingest, list_tables
from kpi_core.mapping.suggest import suggest

REAL = Path(__file__).resolve().parents[1] / "fixtures" / "real"


def write(tmp_path: Path, text: str, name: str = "export.csv", encoding: str = "utf-8") -> Path:
    path = tmp_path / name
    path.write_bytes(text.encode(encoding))
    return path


def column_sum(result, column: str) -> float:  # type: ignore[no-untyped-def]
    return result.profile.column(column).sum


# --- totals ----------------------------------------------------------------------------------------


def test_google_ads_total_rows_with_the_label_in_the_third_column(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        (
            "Keyword,Match type,Campaign,Clicks,Cost\n"
            "shoes,Exact,Brand,5,1.50\n"
            "boots,Phrase,Brand,7,2.50\n"
            " --, --,Total: All but removed keywords,12,4.00\n"
            ",,Total: Account,12,4.00\n"
        ),
    )
    result = ingest(path)
    data = pd.read_csv(path).iloc[:2]
    assert result.profile.rows == 2
    assert column_sum(result, "Cost") == pytest.approx(data["Cost"].sum())
    assert column_sum(result, "Clicks") == data["Clicks"].sum()
    assert [d.reason for d in result.profile.dropped_rows] == ["total", "total"]


def test_a_grand_total_labelled_in_a_trailing_extra_cell(tmp_path: Path) -> None:
    path = write(tmp_path, "Channel,Sessions,Users\nOrganic,10,8\nPaid,5,4\n,15,12,Grand total\n")
    result = ingest(path)
    assert result.profile.rows == 2
    assert column_sum(result, "Sessions") == 15  # not 30


def test_a_search_term_that_starts_with_total_is_data(tmp_path: Path) -> None:
    path = write(tmp_path, "Search term,Clicks,Cost\ntotal solar,5,1.5\nsolar panels,7,2.5\nTotal,12,4.0\n")
    result = ingest(path)
    rows = result.con.execute('SELECT "Search term" FROM ingested').fetchall()
    assert rows == [("total solar",), ("solar panels",)]
    assert column_sum(result, "Clicks") == 12


def test_a_bare_total_that_does_not_add_up_is_kept_and_flagged(tmp_path: Path) -> None:
    path = write(tmp_path, "Search term,Clicks,Cost\ntotal solar,5,1.5\nsolar panels,7,2.5\nTotal,99,40.0\n")
    result = ingest(path)
    assert result.profile.rows == 3
    assert column_sum(result, "Clicks") == pd.read_csv(path)["Clicks"].sum()
    assert any("do not add up" in w for w in result.profile.warnings)


def test_a_named_total_of_rows_the_export_no_longer_has_is_left_out(tmp_path: Path) -> None:
    # A truncated export keeps "Total: Search" over rows that were cut: it names itself, no sum check.
    path = write(tmp_path, "Search term,Clicks\nshoes,5\nboots,7\nTotal: Search,400\n")
    result = ingest(path)
    assert result.profile.rows == 2 and column_sum(result, "Clicks") == 12


def test_an_unlabelled_grand_total_at_the_bottom_is_left_out() -> None:
    # Universal Analytics: the last row has no page and the whole site's totals (more than the rows).
    result = ingest(REAL / "google_analytics_ua_pages.xlsx", sheet="Dataset1")
    frame = pd.read_excel(REAL / "google_analytics_ua_pages.xlsx", sheet_name="Dataset1")
    assert result.profile.rows == len(frame) - 1
    assert column_sum(result, "Pageviews") == pytest.approx(frame["Pageviews"].iloc[:-1].sum())
    assert result.profile.dropped_rows[-1].reason == "total"


def test_a_last_row_without_a_label_that_does_not_add_up_is_data(tmp_path: Path) -> None:
    path = write(tmp_path, "Campaign,Clicks,Cost\nBrand,5,1.5\nGeneric,7,2.5\n,3,1.0\n")
    result = ingest(path)
    assert result.profile.rows == 3
    assert column_sum(result, "Clicks") == 15


# --- currencies ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("cells", "currency", "values"),
    [
        (["US$50.00", "US$ 7.25", "US$1,000.00"], "USD", [50.0, 7.25, 1000.0]),
        (["CA$ 1,200.50", "CA$30", "CA$0.50"], "CAD", [1200.5, 30.0, 0.5]),
        (["€12.00", "€ 3.50", "€1,000.00"], "EUR", [12.0, 3.5, 1000.0]),
        (["EUR 10.00", "EUR 2.50", "EUR 0.25"], "EUR", [10.0, 2.5, 0.25]),
        (["R$ 5.00", "R$10.00", "R$ 0.99"], "BRL", [5.0, 10.0, 0.99]),
        (["₹1,000", "₹ 250", "₹99"], "INR", [1000.0, 250.0, 99.0]),
        (["12.00 zł", "3.50zł", "1.00 zł"], "PLN", [12.0, 3.5, 1.0]),
    ],
)
def test_currency_amounts_of_any_common_form(
    tmp_path: Path, cells: list[str], currency: str, values: list[float]
) -> None:
    path = write(tmp_path, "Campaign,Cost\n" + "".join(f'C{i},"{c}"\n' for i, c in enumerate(cells)))
    result = ingest(path)
    column = result.profile.column("Cost")
    assert column.type == "number" and column.currency == currency
    assert [r[0] for r in result.con.execute('SELECT "Cost" FROM ingested').fetchall()] == pytest.approx(values)
    assert suggest(result.profile).settings["currency"] == currency


def test_mixed_currencies_are_not_added_up(tmp_path: Path) -> None:
    path = write(tmp_path, "Campaign,Cost\nA,US$50.00\nB,€20.00\nC,US$5.00\n")
    result = ingest(path)
    column = result.profile.column("Cost")
    assert column.type == "text" and column.currency == "mixed" and column.sum is None
    assert any("currenc" in w.lower() for w in result.profile.warnings)


def test_the_currency_from_a_header_or_a_currency_column(tmp_path: Path) -> None:
    header = ingest(write(tmp_path, "Campaign,Cost (EUR)\nA,10\nB,20\n", "header.csv")).profile
    assert suggest(header).settings["currency"] == "EUR"
    column = ingest(write(tmp_path, "Campaign,Currency code,Cost\nA,GBP,10\nB,GBP,20\n", "column.csv")).profile
    assert suggest(column).settings["currency"] == "GBP"


# --- dates -----------------------------------------------------------------------------------------


def test_long_dates_compact_dates_and_iso_weeks(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        (
            "Campaign,Day,Signed up,CreatedDate,Week,Amount\n"
            'A,"Thu, 5 Feb 2026","Jan 15, 2025, 11:22 PM",20210105,2024-W05,20210105\n'
            'B,5 February 2026,"Feb 1, 2025, 9:05 AM",20210228,2024-W06,100\n'
            'C,"Fri, 6 Feb 2026","Mar 3, 2025, 12:00 AM",20211231,2024-W52,5\n'
        ),
    )
    result = ingest(path)
    types = {c.name: c.type for c in result.profile.columns}
    assert types == {
        "Campaign": "text",
        "Day": "date",
        "Signed up": "date",
        "CreatedDate": "date",
        "Week": "date",
        "Amount": "number",
    }
    rows = result.con.execute('SELECT "Day", "Signed up", "CreatedDate", "Week" FROM ingested').fetchall()
    assert rows[0] == (dt.date(2026, 2, 5), dt.datetime(2025, 1, 15, 23, 22), dt.date(2021, 1, 5), dt.date(2024, 1, 29))
    assert [r[0] for r in rows] == [dt.date(2026, 2, 5)] * 2 + [dt.date(2026, 2, 6)]
    # An ISO week is read as its Monday, as pandas' %G-W%V-%u reads it.
    assert [r[3] for r in rows] == [
        pd.to_datetime(f"{w}-1", format="%G-W%V-%u").date() for w in ("2024-W05", "2024-W06", "2024-W52")
    ]
    assert result.profile.column("Amount").sum == pd.read_csv(path)["Amount"].sum()  # not a date column


def test_zero_padded_period_indexes_are_numbers_and_codes_stay_text(tmp_path: Path) -> None:
    path = write(tmp_path, "Nth week,Account code,Users\n0010,000,2\n0011,007,6\n0012,042,73\n")
    types = {c.name: c.type for c in ingest(path).profile.columns}
    assert types == {"Nth week": "number", "Account code": "text", "Users": "number"}


# --- stacked tables --------------------------------------------------------------------------------


GA4_STACKED = (
    "# ----------------------------------------\n"
    "# Reports snapshot\n"
    "# ----------------------------------------\n"
    "# Start date: 20260101\n"
    "Nth week,Active users\n"
    "0010,2\n"
    "0011,6\n"
    "\n"
    "# Where do your new users come from?\n"
    "# Start date: 20260101\n"
    "First user primary channel group (Default channel group),New users\n"
    "Organic Search,1347\n"
    "Direct,120\n"
    "Referral,81\n"
    "\n"
    "# Start date: 20260101\n"
    "Event name,Key events\n"
)


def test_stacked_tables_are_listed_and_each_read_on_its_own(tmp_path: Path) -> None:
    path = write(tmp_path, GA4_STACKED)
    assert list_tables(path) == [
        "Nth week / Active users",
        "Where do your new users come from?",
        "Event name / Key events",
    ]
    first, second, empty = (ingest(path, table=i).profile for i in range(3))
    assert (first.header_row, first.rows, first.column("Active users").sum) == (5, 2, 8)
    assert first.column("Nth week").type == "number"
    assert (second.header_row, second.rows, second.column("New users").sum) == (11, 3, 1347 + 120 + 81)
    assert second.table == "Where do your new users come from?" and len(second.tables) == 3
    assert (empty.header_row, empty.rows) == (17, 0)
    assert any("no data rows" in w for w in empty.warnings)


def test_a_stacked_file_read_without_a_choice_is_its_first_table_with_a_warning(tmp_path: Path) -> None:
    profile = ingest(write(tmp_path, GA4_STACKED)).profile
    assert profile.rows == 2 and profile.table == "Nth week / Active users"
    assert any("holds 3 tables" in w for w in profile.warnings)


def test_an_unknown_table_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="no table 5"):
        ingest(write(tmp_path, GA4_STACKED), table=4)
    with pytest.raises(InputError, match="no table 2"):
        ingest(write(tmp_path, "a,b\n1,2\n", "one.csv"), table=1)


def test_a_second_table_below_a_blank_line_with_its_own_header(tmp_path: Path) -> None:
    path = write(
        tmp_path, ("Campaign,Clicks,Cost\nBrand,5,1.5\nGeneric,7,2.5\n\nDevice,Impressions\nMobile,100\nDesktop,50\n")
    )
    assert list_tables(path) == ["Campaign / Clicks / Cost", "Device / Impressions"]
    assert ingest(path, table=1).profile.column("Impressions").sum == 150


def test_a_blank_line_inside_one_table_does_not_split_it(tmp_path: Path) -> None:
    path = write(tmp_path, "Campaign,Clicks\nBrand,5\n\nGeneric,7\nVideo,1\n")
    assert list_tables(path) == []
    profile = ingest(path).profile
    assert profile.rows == 3 and not profile.tables


def test_a_utf16_stacked_file(tmp_path: Path) -> None:
    path = write(tmp_path, "\ufeff" + GA4_STACKED.replace(",", "\t"), encoding="utf-16-le")
    assert len(list_tables(path)) == 3
    profile = ingest(path, table=1).profile
    assert profile.column("New users").sum == 1548 and profile.encoding and "16" in profile.encoding


# --- rows that are not data ------------------------------------------------------------------------


def test_a_row_describing_the_columns_is_part_of_the_header() -> None:
    path = REAL / "google_business_profile_insights.csv"
    profile = ingest(path).profile
    frame = pd.read_csv(path, skiprows=[1])  # the analyst skips the description line
    assert profile.header_row == 1 and profile.rows == len(frame)
    assert profile.column("Website clicks").type == "number"
    assert profile.column("Website clicks").sum == frame["Website clicks"].sum()
    assert any("describes the columns" in w for w in profile.warnings)


def test_a_no_data_notice_is_not_a_row() -> None:
    profile = ingest(REAL / "meta_ads_campaigns_no_data.csv").profile
    assert profile.rows == 0
    assert any("no data rows" in w for w in profile.warnings)


def test_a_campaign_named_like_a_notice_beside_numbers_is_data(tmp_path: Path) -> None:
    profile = ingest(write(tmp_path, "Campaign,Clicks\nNo data,5\nBrand,7\n")).profile
    assert profile.rows == 2


def test_rows_after_a_blank_line_that_only_look_different_stay_in_the_table(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        ("Campaign,Channel,Spend\nBrand,Google,5\n\nGeneric,,\nVideo,Meta,--\nPromo,Meta,7\n#1 promo,Email,3\n"),
    )
    assert list_tables(path) == []
    assert ingest(path).profile.rows == 5
