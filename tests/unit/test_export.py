"""Safe output: downloads that a spreadsheet cannot run, and user text that Markdown shows literally."""

from __future__ import annotations

import csv
import io
import re

import numpy as np
import openpyxl
import pandas as pd
import pytest

from kpi_core.markdown import WORD_JOINER, as_markdown_text, strip_markdown_escapes
from kpi_core.report.export import FORMULA_TRIGGERS, defuse_formula, to_csv, to_xlsx

HOSTILE = [
    '=HYPERLINK("http://h.example/x","click")',
    "=cmd|' /C calc'!A0",
    "+1+1",
    "-2+3",
    "@SUM(A1)",
    "\t=1+1",
    "\r=1+1",
]


def read_csv(data: bytes) -> list[list[str]]:
    return list(csv.reader(io.StringIO(data.decode("utf-8"), newline="")))


@pytest.mark.parametrize("value", HOSTILE)
def test_csv_defuses_every_trigger(value: str) -> None:
    rows = read_csv(to_csv(pd.DataFrame({"campaign": [value], "spend": [1.5]})))
    assert rows[1] == ["'" + value, "1.5"]


def test_csv_keeps_numbers_exact_and_plain_text_unchanged() -> None:
    frame = pd.DataFrame(
        {
            "campaign": ["Plain", "a-b", None],
            "value": [-5, 1 / 3, 1e-20],
            "count": pd.array([-5, 0, None], dtype="Int64"),
            "flag": [True, False, True],
        }
    )
    rows = read_csv(to_csv(frame))
    assert rows[1] == ["Plain", "-5.0", "-5", "True"]  # -5 as a number is a number, never "'-5"
    assert rows[2] == ["a-b", "0.3333333333333333", "0", "False"]
    assert float(rows[3][1]) == 1e-20 and rows[3][0] == ""
    assert pd.read_csv(io.BytesIO(to_csv(frame)))["value"].tolist() == frame["value"].tolist()


def test_csv_defuses_headers_string_dtypes_and_categories() -> None:
    frame = pd.DataFrame(
        {
            "=x": pd.array(["=a", None], dtype="string"),
            "c": pd.Categorical(["-1", "b"]),
            "day": pd.to_datetime(["2024-01-03", "2024-01-04"]),
        }
    )
    rows = read_csv(to_csv(frame))
    assert rows == [["'=x", "c", "day"], ["'=a", "'-1", "2024-01-03"], ["", "b", "2024-01-04"]]


def test_csv_a_line_break_cannot_start_an_undefused_cell() -> None:
    """Excel starts a new row at a lone CR in an unquoted cell; the text after it would be a new cell."""
    data = to_csv(pd.DataFrame({"campaign": ["ok\r=1+1", "ok\n@SUM(A1)"]}))
    assert read_csv(data) == [["campaign"], ["ok\r=1+1"], ["ok\n@SUM(A1)"]]
    assert b'"ok\r=1+1"' in data  # quoted, so the CR stays inside the cell


def test_csv_unsafe_mode_keeps_values_exact() -> None:
    rows = read_csv(to_csv(pd.DataFrame({"campaign": HOSTILE[:5]}), safe=False))
    assert [r[0] for r in rows[1:]] == HOSTILE[:5]


def test_defuse_formula_rule() -> None:
    assert FORMULA_TRIGGERS == ("=", "+", "-", "@", "\t", "\r")
    assert defuse_formula("=1") == "'=1" and defuse_formula("a=1") == "a=1" and defuse_formula("") == ""
    assert defuse_formula(-5) == -5 and defuse_formula(None) is None


def test_xlsx_keeps_text_as_plain_text_cells() -> None:
    frame = pd.DataFrame({"=header": HOSTILE + ["Plain"], "roas": [1 / 3, -5, 0, 1, 2, 3, 4, np.nan]})
    book = openpyxl.load_workbook(io.BytesIO(to_xlsx({"KPIs: by/channel?": frame})))
    sheet = book.active
    assert sheet.title == "KPIs  by channel "
    assert sheet["A1"].value == "=header" and sheet["A1"].data_type == "s"
    for row, value in enumerate(HOSTILE + ["Plain"], start=2):
        cell = sheet.cell(row=row, column=1)
        # XML reads a CR back as LF (line-end normalisation); the cell is text either way
        assert cell.data_type == "s" and cell.value == value.replace("\r", "\n")
        assert not str(cell.value).startswith("'")  # nothing extra to see
    assert sheet["A2"].value == HOSTILE[0] and sheet["A2"].quotePrefix  # Excel keeps it text when edited
    assert not sheet["A9"].quotePrefix
    assert sheet["B2"].value == pytest.approx(1 / 3) and sheet["B2"].data_type == "n"
    assert sheet["B3"].value == -5 and sheet["B3"].data_type == "n"


def test_xlsx_survives_control_characters() -> None:
    book = openpyxl.load_workbook(io.BytesIO(to_xlsx({"t": pd.DataFrame({"name": ["a\x01b"]})})))
    assert book.active["A2"].value == "a\ufffdb"


# --- as_markdown_text: the escaping rule behind pages/_session.plain -------------------------------

MARKDOWN_HOSTILE = [
    "![x](http://h/b.png)",
    "[link](http://h)",
    "<img src=x onerror=alert(1)>",
    "**bold**",
    ":red[x]",
    "$x$",
    '=HYPERLINK("http://h")',
    ":material/home:",
    ":smile:",
    "`code`",
    "# heading",
    "- item",
    "1. item",
    "> quote",
    "a | b",
    "~~gone~~",
    "&lt;b&gt;",
    "x_y_z",
    "line\n===",
    "www.evil.example",
    "http://evil.example/p",
    "me@evil.example",
    "<http://h.x>",
]


@pytest.mark.parametrize("text", MARKDOWN_HOSTILE)
def test_markdown_text_reads_back_as_the_same_text(text: str) -> None:
    assert strip_markdown_escapes(as_markdown_text(text)) == text


@pytest.mark.parametrize("text", MARKDOWN_HOSTILE)
def test_markdown_text_has_no_active_construct(text: str) -> None:
    shown = as_markdown_text(text)
    assert not re.search(r"(?<!\\)(?:\\\\)*[\[\]<>*_`$~|#]", shown), shown  # every special escaped
    assert not re.search(r"(?<!\\)&#?\w+;", shown)  # no character reference
    assert not re.search(r":[\w+-]", shown)  # no directive, icon or emoji shortcode (:red[, :smile:)
    assert not re.search(r"https?://|www\.|@[\w-]", shown, re.IGNORECASE)  # GFM autolinks broken
    assert not re.search(r"^\s*([-+=>]|\d+[.)])", shown, re.MULTILINE)  # no list, quote or heading


def test_markdown_text_leaves_ordinary_text_alone() -> None:
    for text in (
        "Control (control)",
        "LinkedIn Ads",
        "Winner: New pricing page",
        "Q4 pipeline: 1 Oct to 31 Dec!",
        "50% off",
        "R&D",
        "a-b + c = d",
        "",
    ):
        assert as_markdown_text(text) == text
    assert as_markdown_text("http://h.example") == f"http:{WORD_JOINER}//h.example"
    assert as_markdown_text(":smile:") == f":{WORD_JOINER}smile:"
