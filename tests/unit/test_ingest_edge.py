"""Inputs outside the fixture corpus: unclosed quotes, a workbook named .csv, one-column files."""

from __future__ import annotations

from pathlib import Path

from kpi_core.ingest import ingest
from tests.conftest import SAMPLE_DATA


def test_unclosed_quote_is_reported_with_its_line(tmp_path: Path) -> None:
    path = tmp_path / "broken.csv"
    path.write_text('Week;Spend\n2024-01-01;5\n"2024-01-08;6\n2024-01-15;7\n')
    profile = ingest(path).profile
    assert profile.delimiter == ";"
    assert any("opened on line 3 is never closed" in w for w in profile.warnings)


def test_workbook_saved_with_a_csv_name_is_read_as_a_workbook(tmp_path: Path) -> None:
    path = tmp_path / "export.csv"
    path.write_bytes((SAMPLE_DATA / "linkedin_campaign_performance.xlsx").read_bytes())
    profile = ingest(path).profile
    assert (profile.sheet, profile.header_row, profile.rows) == ("Campaign Performance", 5, 416)


def test_single_column_file(tmp_path: Path) -> None:
    path = tmp_path / "one.csv"
    path.write_text("Leads\n3\n4\n")
    profile = ingest(path).profile
    assert [c.name for c in profile.columns] == ["Leads"] and profile.column("Leads").sum == 7


def test_bytes_and_path_give_the_same_profile() -> None:
    path = SAMPLE_DATA / "eu_campaigns_semicolon.csv"
    from_path = ingest(path).profile.to_dict()
    from_bytes = ingest(path.read_bytes(), name=path.name).profile.to_dict()
    assert from_path == from_bytes
    assert from_path["encoding"] == "cp1252" and from_path["delimiter"] == ";"


def test_a_camel_case_name_ending_in_d_is_not_a_yes_no_question() -> None:
    """Found by the fuzzer: 'NameD' holding 0 is a number; 'Converted' and 'CLOSED' holding 0/1 are flags."""
    from kpi_core.ingest import ingest

    assert [c.type for c in ingest(b"NameD,Spend\n0,0.06\n", name="f.csv").profile.columns] == ["number", "number"]
    flags = ingest(b"Converted,CLOSED\n0,1\n1,0\n", name="f.csv").profile.columns
    assert [c.type for c in flags] == ["boolean", "boolean"]
