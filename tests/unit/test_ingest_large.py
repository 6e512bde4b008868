"""A 1-million-row CSV generated at test time: read whole, nothing lost, sums exact."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from kpi_core.ingest import ingest


@pytest.fixture(scope="module")
def million_rows(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("big") / "export.csv"
    duckdb.execute(
        f"""COPY (
            SELECT DATE '2023-01-02' + INTERVAL (i % 104 * 7) DAY AS "Week",
                   'Channel ' || (i % 7) AS "Channel",
                   'Campaign ' || (i % 40) AS "Campaign",
                   round((i % 1000) * 1.25, 2) AS "Spend",
                   i % 5000 AS "Impressions",
                   i % 97 AS "Clicks"
            FROM range(1000000) t(i)
        ) TO '{path}' (HEADER, DELIMITER ',')"""
    )
    return path


def test_million_row_csv(million_rows: Path) -> None:
    result = ingest(million_rows)
    profile = result.profile
    assert profile.rows == 1_000_000
    expected = duckdb.execute(
        f'SELECT sum("Spend"), sum("Clicks"), min("Week")::DATE, max("Week")::DATE FROM read_csv(\'{million_rows}\')'
    ).fetchall()[0]
    assert profile.column("Spend").sum == pytest.approx(expected[0], rel=1e-12)
    assert profile.column("Clicks").sum == expected[1]
    assert (profile.column("Week").min, profile.column("Week").max) == (str(expected[2]), str(expected[3]))
    assert [c.type for c in profile.columns] == ["date", "text", "text", "number", "number", "number"]


def test_late_surprise_in_a_big_file_is_kept_as_text(million_rows: Path, tmp_path: Path) -> None:
    """A value far below the sampled rows that is not a number: the column stays text, nothing lost."""
    path = tmp_path / "surprise.csv"
    with open(million_rows, "rb") as source, open(path, "wb") as target:
        target.write(source.read())
        target.write(b"2024-12-30,Channel 1,Campaign 1,pending,5,1\n")
    profile = ingest(path).profile
    assert profile.rows == 1_000_001
    assert profile.column("Spend").type == "text"
    assert any("pending" in w for w in profile.warnings)
    assert profile.column("Clicks").type == "number"


def _rows(count: int) -> bytes:
    return b"".join(b"2024-01-%02d,Email,%d.5\n" % (1 + i % 28, i) for i in range(count))


def test_windows_1252_far_below_the_sample_is_read(tmp_path: Path) -> None:
    """UTF-8 beyond the sniffed bytes, then a Windows-1252 byte: the file is read again as Windows-1252."""
    path = tmp_path / "late_encoding.csv"
    path.write_bytes(b"Date,Channel,Spend\n" + _rows(20000) + b"2024-02-01,Caf\xe9 ads,1.0\n")
    result = ingest(path)
    assert result.profile.rows == 20001
    assert result.profile.column("Spend").sum == pytest.approx(sum(i + 0.5 for i in range(20000)) + 1.0)
    assert result.profile.column("Date").type == "date"
    assert ("Café ads",) in result.con.execute('SELECT DISTINCT "Channel" FROM ingested').fetchall()


def test_quoted_line_breaks_in_ragged_rows_far_below_the_sample(tmp_path: Path) -> None:
    """DuckDB's parallel reader gives up on these; the careful single-threaded read keeps every row."""
    path = tmp_path / "ragged.csv"
    tail = b'2024-02-01,"Web\ninar",1.0\n2024-02-02,Email\n'
    path.write_bytes(b"Date,Channel,Spend\n" + _rows(8000) + tail)
    profile = ingest(path).profile
    assert profile.rows == 8002
    assert profile.column("Spend").sum == pytest.approx(sum(i + 0.5 for i in range(8000)) + 1.0)
