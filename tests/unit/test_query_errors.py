"""The query edge: what the data can cause is the user's to fix (InputError); a bug stays a bug."""

from __future__ import annotations

import duckdb
import pytest

from kpi_core.errors import InputError
from kpi_core.sql import query_rows


@pytest.mark.parametrize("sql", ["SELECT 'abc'::INTEGER", "SELECT 2147483647::INTEGER + 1::INTEGER"])
def test_a_value_the_data_cannot_compute_is_one_sentence_without_duckdb_text(sql: str) -> None:
    with pytest.raises(InputError) as error:
        query_rows(duckdb.connect(), sql)
    message = str(error.value)
    assert message.startswith("A value in the data could not be computed (") and "Data quality page" in message
    assert "abc" not in message and "INTEGER" not in message and "\n" not in message


def test_a_missing_table_is_not_the_users_fault() -> None:
    with pytest.raises(duckdb.CatalogException):
        query_rows(duckdb.connect(), "SELECT * FROM no_such_table")


def test_rows_and_parameters() -> None:
    assert query_rows(duckdb.connect(), "SELECT ? + 1, 'x'", [41]) == [(42, "x")]
