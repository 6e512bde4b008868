"""A clean CSV's staged table becomes the typed one (no second copy); anything that the conversion
would change further down than the sample (a cell to trim, a total, a blank row) must still be handled."""

from __future__ import annotations

from pathlib import Path

import pytest

from kpi_core.ingest import ingest

ROWS = 6000  # more than the sample, so the whole file is read in one typed pass


def _write(path: Path, last: list[str] | None = None, cell: str | None = None) -> Path:
    lines = ["Week,Channel,Spend,Clicks"]
    for i in range(ROWS):
        channel = cell if cell is not None and i == ROWS - 10 else ("Search" if i % 2 else "Social")
        lines.append(f"2024-01-{1 + i % 28:02d},{channel},{(i % 50) + 0.25},{i % 7}")
    lines += [",".join(last)] if last else []
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def _channels(path: Path) -> list[str]:
    result = ingest(path)
    return [r[0] for r in result.con.execute('SELECT DISTINCT "Channel" FROM ingested ORDER BY 1').fetchall()]


def test_clean_file_is_typed_and_complete(tmp_path: Path) -> None:
    result = ingest(_write(tmp_path / "clean.csv"))
    types = dict(result.con.execute("SELECT column_name, column_type FROM (DESCRIBE ingested)").fetchall())
    assert types == {"Week": "DATE", "Channel": "VARCHAR", "Spend": "DOUBLE", "Clicks": "BIGINT"}
    assert result.profile.rows == ROWS
    assert result.profile.column("Spend").sum == pytest.approx(sum((i % 50) + 0.25 for i in range(ROWS)))
    assert result.profile.left_out == 0


@pytest.mark.parametrize(
    "cell, expected", [("  Display ", ["Display", "Search", "Social"]), ("", ["Search", "Social", None])]
)
def test_cells_below_the_sample_are_still_trimmed(tmp_path: Path, cell: str, expected: list[str | None]) -> None:
    assert _channels(_write(tmp_path / "trim.csv", cell=cell)) == expected


def test_a_total_row_below_the_sample_is_left_out(tmp_path: Path) -> None:
    spend = sum((i % 50) + 0.25 for i in range(ROWS))
    clicks = sum(i % 7 for i in range(ROWS))
    result = ingest(_write(tmp_path / "total.csv", last=["", "Total", f"{spend}", f"{clicks}"]))
    assert result.profile.rows == ROWS
    assert result.profile.column("Spend").sum == pytest.approx(spend)
    assert [d.reason for d in result.profile.dropped_rows] == ["total"]


def test_a_blank_row_below_the_sample_is_left_out(tmp_path: Path) -> None:
    result = ingest(_write(tmp_path / "blank.csv", last=["", "", "", ""]))
    assert result.profile.rows == ROWS
    assert [d.reason for d in result.profile.dropped_rows] == ["blank"]


def test_a_campaign_named_like_a_total_is_kept(tmp_path: Path) -> None:
    # "Summer" holds a total word: the careful conversion decides, and it is not a total.
    assert "Summer Sale" in _channels(_write(tmp_path / "summer.csv", cell="Summer Sale"))
