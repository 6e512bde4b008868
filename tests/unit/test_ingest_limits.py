"""The caps that keep one file from taking the server down: each is reached, and each says one sentence.

The hostile corpus (test_hostile_corpus, test_ingest_traps) proves the files; these tests prove the
mechanisms: the zip check, the worker's memory and time budget, the compacted re-read, the CSV
watchdog, the row and column caps, and the encoding rules, each with its limit turned down.
"""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import openpyxl
import pytest

from kpi_core.errors import InputError
from kpi_core.ingest import decode, ingest
from kpi_core.ingest.workbook_worker import compact_sheet
from kpi_core.mapping import mapping_from_dict

HOSTILE = Path(__file__).resolve().parents[1] / "fixtures" / "hostile"


def _workbook(rows: list[list[object]]) -> bytes:
    book = openpyxl.Workbook()
    for row in rows:
        book.active.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def test_a_far_cell_is_read_compacted_with_its_sheet_rows() -> None:
    profile = ingest(HOSTILE / "far_cell_xfd1048576.xlsx").profile
    assert any("cells far away" in w for w in profile.warnings)
    assert profile.header_row == 1 and len(profile.columns) <= 4


def test_compacting_keeps_only_used_rows_and_columns() -> None:
    sheet = (
        b'<worksheet><dimension ref="A1:XFD1048576"/><sheetData>'
        b'<row r="1"><c r="A1"><v>1</v></c><c r="C1"><v>2</v></c></row>'
        b'<row r="7" spans="1:3"></row>'
        b'<row r="9"><c><v>3</v></c><c r="XFD9"><v>4</v></c></row></sheetData></worksheet>'
    )
    compacted, rows = compact_sheet(sheet)
    assert rows == [1, 9]
    assert b"dimension" not in compacted
    assert b'<c r="A1"><v>1</v></c><c r="B1"><v>2</v></c>' in compacted
    assert b'<row r="2"><c r="A2"><v>3</v></c><c r="C2"><v>4</v></c></row>' in compacted
    assert b'<row spans="1:3"></row>' in compacted  # an empty row stays well-formed, unnumbered


def test_a_worker_that_runs_out_of_memory_is_one_sentence(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ROI_WORKBENCH_WORKER_MEMORY_MB", "60")  # too little even to start Python's imports
    with pytest.raises(InputError, match="needs more than 60 MB of memory"):
        ingest(_workbook([["Date", "Spend"], ["2024-01-01", 1]]), name="small.xlsx")


def test_a_workbook_expanding_past_the_limit_is_refused_unopened(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ROI_WORKBENCH_MAX_WORKBOOK_MB", "0.001")
    with pytest.raises(InputError, match="more than the 0 MB this app reads"):
        ingest(_workbook([["Date", "Spend"]] + [["2024-01-01", i] for i in range(200)]), name="big.xlsx")


def test_an_absurd_compression_ratio_is_a_zip_bomb(tmp_path: Path) -> None:
    path = tmp_path / "bomb.xlsx"
    with (
        zipfile.ZipFile(_workbook_bytes_path(tmp_path)) as source,
        zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as copy,
    ):
        for info in source.infolist():
            data = source.read(info)
            if info.filename == "xl/worksheets/sheet1.xml":
                data = data.replace(b"</worksheet>", b"<!--" + b" " * 20_000_000 + b"--></worksheet>")
            copy.writestr(info.filename, data)
    with pytest.raises(InputError, match="as zip bombs do"):
        ingest(path)


def _workbook_bytes_path(tmp_path: Path) -> Path:
    path = tmp_path / "plain.xlsx"
    path.write_bytes(_workbook([["Date", "Spend"], ["2024-01-01", 1]]))
    return path


def test_a_slow_csv_is_stopped_by_the_watchdog(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    path = tmp_path / "slow.csv"
    path.write_text("Week,Spend\n" + "".join(f"2024-01-{1 + i % 28:02d},${i:,}.50\n" for i in range(400_000)))
    monkeypatch.setenv("ROI_WORKBENCH_WORKER_SECONDS", "0.01")
    with pytest.raises(InputError, match="took longer than 0 seconds"):
        ingest(path)


def test_rows_beyond_the_cap_are_refused(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    path = tmp_path / "long.csv"
    path.write_text("Week,Spend\n" + "2024-01-01,1\n" * 50)
    monkeypatch.setenv("ROI_WORKBENCH_MAX_ROWS", "20")
    with pytest.raises(InputError, match="more than 20 rows"):
        ingest(path)


def test_columns_beyond_the_cap_are_refused_at_once(tmp_path: Path) -> None:
    path = tmp_path / "wide.csv"
    path.write_text(",".join(f"c{i}" for i in range(1001)) + "\n" + ",".join("1" * 1001) + "\n")
    with pytest.raises(InputError, match="1,001 columns; at most 1,000"):
        ingest(path)


def test_a_thousand_columns_load(tmp_path: Path) -> None:
    path = tmp_path / "wide.csv"
    path.write_text(
        ",".join(f"c{i}" for i in range(1000)) + "\n" + "".join(",".join(["1.5"] * 1000) + "\n" for _ in range(300))
    )
    profile = ingest(path).profile
    assert profile.rows == 300 and len(profile.columns) == 1000 and profile.columns[-1].sum == 450.0


@pytest.mark.parametrize(
    ("text", "encoding"),
    [
        ("Kanal,Ausgaben\nSuchmaschinen-Anzeigen für Größe,1\nÉvénements Café,2\n", "cp1252"),
        ("Канал,Расходы\nПоисковая реклама,1\nЭлектронная почта,2\n", "cp1251"),
        ("日付,チャネル\n2024-01-01,検索広告\n2024-01-02,メール配信\n", "cp932"),
        ("日期,渠道\n2024-01-01,搜索广告\n2024-01-02,电子邮件\n", "gb18030"),
    ],
)
def test_legacy_code_pages_are_told_apart(tmp_path: Path, text: str, encoding: str) -> None:
    path = tmp_path / "legacy.csv"
    path.write_bytes(text.encode(encoding))
    result = ingest(path)
    assert result.profile.encoding == encoding
    first_column = result.profile.columns[0].name
    assert first_column == text.split(",")[0]
    assert any("not UTF-8" in w for w in result.profile.warnings)


def test_a_damaged_utf8_file_stays_utf8_and_says_where(tmp_path: Path) -> None:
    rows = "".join(f"2024-01-{1 + i % 28:02d},Café {i % 3},{i}\n" for i in range(3000)).encode()
    path = tmp_path / "damaged.csv"
    path.write_bytes(b"Week,Channel,Spend\n" + rows[:-40] + b"\xe9" + rows[-40:])
    result = ingest(path)
    assert result.profile.encoding == "utf-8"
    channels = {c for (c,) in result.con.execute('SELECT DISTINCT "Channel" FROM ingested').fetchall()}
    assert {"Café 0", "Café 1", "Café 2"} <= channels
    assert any("1 byte(s) are not valid UTF-8 (the first on line 3000)" in w for w in result.profile.warnings)


def test_clean_copy_strips_invisible_characters_and_unifies_line_ends() -> None:
    source = io.BytesIO("\ufeffa,b\r\n\u200bx,1\ry,2\n".encode("utf-8"))
    target = io.BytesIO()
    report = decode.clean_copy(source, "utf-8-sig", target)
    assert target.getvalue() == b"a,b\nx,1\ny,2\n"
    assert (report.invisible, report.lone_cr, report.undecodable) == (1, 1, 0)


def test_invisible_characters_in_workbook_cells_are_removed() -> None:
    result = ingest(
        _workbook([["\u200bWeek", "Channel"], ["2024-01-01", "\ufeffSearch"], ["2024-01-02", "Search"]]),
        name="pasted.xlsx",
    )
    assert [c.name for c in result.profile.columns] == ["Week", "Channel"]
    assert result.con.execute('SELECT DISTINCT "Channel" FROM ingested').fetchall() == [("Search",)]
    assert any("invisible" in w for w in result.profile.warnings)


def test_all_rows_left_out_are_counted_though_only_the_first_are_listed(tmp_path: Path) -> None:
    path = tmp_path / "gaps.csv"
    path.write_text("Week,Spend\n" + "2024-01-01,1\n,\n" * 1500)
    profile = ingest(path).profile
    assert profile.left_out == 1500 and len(profile.dropped_rows) == 1000
    assert profile.to_dict()["rows_left_out"] == 1500


def test_ingest_connection_spills_instead_of_growing(tmp_path: Path) -> None:
    path = tmp_path / "small.csv"
    path.write_text("Week,Spend\n2024-01-01,1\n")
    con = ingest(path).con
    limit = con.execute("SELECT current_setting('memory_limit')").fetchone()[0]
    assert limit.endswith(("MB", "MiB", "GB", "GiB")) and "roi-ingest-spill" in str(
        con.execute("SELECT current_setting('temp_directory')").fetchone()[0]
    )


@pytest.mark.parametrize("margin", [1e308, -0.5, float("nan")])
def test_mapping_settings_out_of_range_are_refused(margin: float) -> None:
    with pytest.raises(InputError, match="gross_margin"):
        mapping_from_dict(
            {"version": 1, "kind": "performance", "roles": {"date": "Week"}, "settings": {"gross_margin": margin}}
        )


def test_an_infinity_among_whole_numbers_is_emptied_and_the_rest_stay_whole(tmp_path: Path) -> None:
    path = tmp_path / "inf.csv"
    path.write_text("Week,Spend\n2024-01-01,1\n2024-01-02,1e309\n2024-01-03,3\n")
    result = ingest(path)
    assert result.con.execute('SELECT "Spend" FROM ingested ORDER BY "Week"').fetchall() == [(1,), (None,), (3,)]
    spend = result.profile.column("Spend")
    assert (spend.non_null, spend.sum) == (2, 4.0)
    assert any("infinite or too large" in w for w in result.profile.warnings)


def test_a_file_that_cannot_be_opened_is_one_sentence(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    path = tmp_path / "locked.csv"
    path.write_text("Week,Spend\n2024-01-01,1\n")
    real_open = open

    def refusing_open(file, *args, **kwargs):  # type: ignore[no-untyped-def]
        if str(file) == str(path):
            raise PermissionError(13, "Permission denied")
        return real_open(file, *args, **kwargs)

    monkeypatch.setattr("builtins.open", refusing_open)
    with pytest.raises(InputError, match="cannot be read \\(Permission denied\\)"):
        ingest(path)
