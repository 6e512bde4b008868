"""Experiment datasets through the one query layer: the mapping's experiment view, summed in DuckDB."""

from __future__ import annotations

import dataclasses
from datetime import date
from typing import Any

import duckdb
import pytest

from kpi_core.abtest import Arm
from kpi_core.abtest.data import UNREADABLE, experiment_data, experiment_data_for, experiment_datasets
from kpi_core.errors import InputError
from kpi_core.mapping import Mapping, mapping_from_dict
from kpi_core.mapping.views import (
    EXPERIMENT_COLUMNS,
    NO_CONVERSIONS,
    NO_OUTCOME,
    NO_VARIANT,
    WIDE_EXPERIMENT_ROLE,
    experiment_select,
)
from kpi_core.sql import quote_identifier
from kpi_core.workspace import Workspace, load_samples

# Headers a testing tool (or a stranger) might write: quotes, semicolons, SQL, mixed case.
VARIANT, USERS, CONVERSIONS, DAY = 'Arm "name"', "users; DROP TABLE t; --", "Conv'ersions", "Day (UTC)"


def experiment(roles: dict[str, Any]) -> Mapping:
    return mapping_from_dict({"version": 1, "kind": "experiment", "roles": roles})


@pytest.fixture()
def con() -> duckdb.DuckDBPyConnection:
    con = duckdb.connect()
    columns = ", ".join(f"{quote_identifier(c)} VARCHAR" for c in (VARIANT, USERS, CONVERSIONS, DAY))
    con.execute(f"CREATE TABLE per_variant ({columns})")
    con.executemany(
        "INSERT INTO per_variant VALUES (?, ?, ?, ?)",
        [
            ["B", "900", "60", "2024-03-02"],
            ["Control", "1000", "50", "2024-03-01"],
            ["Control", "1100", "55", "2024-03-02"],
            ["B", "1000", "70", "2024-03-01"],
            [None, "5", "5", "2024-03-01"],
            ["B", "n/a", "1", "not a day"],
        ],
    )
    con.execute("CREATE TABLE per_user (uid VARCHAR, grp VARCHAR, converted VARCHAR, revenue VARCHAR, ts VARCHAR)")
    con.executemany(
        "INSERT INTO per_user VALUES (?, ?, ?, ?, ?)",
        [
            ["u1", "control", "0", None, "2024-03-01 09:00:00"],
            ["u1", "control", "1", "10", "2024-03-02 10:00:00"],
            ["u2", "control", "0", None, "2024-03-01 11:00:00"],
            ["u3", "treatment", "1", "4", "2024-03-01 12:00:00"],
            ["u3", "treatment", "0", "2", "2024-03-03 12:00:00"],
            ["u4", "treatment", "0", None, "2024-03-02 08:00:00"],
        ],
    )
    return con


PER_VARIANT = {"variant": VARIANT, "users": USERS, "conversions": CONVERSIONS, "timestamp": DAY}
PER_USER = {"variant": "grp", "user_id": "uid", "converted": "converted", "revenue": "revenue", "timestamp": "ts"}


def test_the_view_quotes_every_header_and_names_its_columns(con: duckdb.DuckDBPyConnection) -> None:
    sql, params = experiment_select(experiment(PER_VARIANT), "per_variant")
    for header in (VARIANT, USERS, CONVERSIONS, DAY):
        assert quote_identifier(header) in sql
    assert params == []
    columns = [d[0] for d in con.execute(f"SELECT * FROM ({sql})", params).description]
    assert columns == list(EXPERIMENT_COLUMNS)


def test_constants_are_parameters_never_sql_text(con: duckdb.DuckDBPyConnection) -> None:
    mapping = experiment({**PER_VARIANT, "timestamp": {"value": "2024-03-05"}})
    sql, params = experiment_select(mapping, "per_variant")
    assert "2024-03-05" not in sql and params == ["2024-03-05"]
    data = experiment_data(con, mapping, "per_variant")
    assert (data.first_day, data.last_day) == (date(2024, 3, 5), date(2024, 3, 5))


def test_per_variant_rows_are_summed_in_file_order(con: duckdb.DuckDBPyConnection) -> None:
    data = experiment_data(con, experiment(PER_VARIANT), "per_variant")
    # A row without a variant is left out; a cell that is not a number counts as nothing.
    assert data.arms == [Arm("B", 1900, 131), Arm("Control", 2100, 105)]
    assert (data.first_day, data.last_day) == (date(2024, 3, 1), date(2024, 3, 2))
    assert data.daily is not None
    rows = data.daily.to_dict("records")
    assert [(r["day"].date(), r["variant"], r["users"], r["conversions"]) for r in rows] == [
        (date(2024, 3, 1), "B", 1000, 70),
        (date(2024, 3, 1), "Control", 1000, 50),
        (date(2024, 3, 2), "B", 1900, 130),
        (date(2024, 3, 2), "Control", 2100, 105),
    ]


def test_per_user_rows_count_each_user_once(con: duckdb.DuckDBPyConnection) -> None:
    data = experiment_data(con, experiment(PER_USER), "per_user")
    control, treatment = data.arms
    assert (control.name, control.users, control.conversions) == ("control", 2, 1)
    assert (treatment.name, treatment.users, treatment.conversions) == ("treatment", 2, 1)
    # Revenue per user: u1 10 and u2 0; u3 4 + 2 and u4 0 (sums of squares of each user's total).
    assert (control.revenue, control.revenue_squares) == (10.0, 100.0)
    assert (treatment.revenue, treatment.revenue_squares) == (6.0, 36.0)
    assert (data.first_day, data.last_day) == (date(2024, 3, 1), date(2024, 3, 2))


def test_without_a_day_there_is_no_daily_frame(con: duckdb.DuckDBPyConnection) -> None:
    roles = {k: v for k, v in PER_VARIANT.items() if k != "timestamp"}
    data = experiment_data(con, experiment(roles), "per_variant")
    assert data.first_day is None and data.last_day is None and data.daily is None


@pytest.mark.parametrize(
    ("roles", "message"),
    [
        ({"users": USERS, "conversions": CONVERSIONS}, NO_VARIANT),
        ({"variant": VARIANT, "users": USERS}, NO_CONVERSIONS),
        ({"variant": VARIANT, "timestamp": DAY}, NO_OUTCOME),
        (
            {"variant": VARIANT, "users": [{"column": USERS, "channel": "Web"}], "conversions": CONVERSIONS},
            WIDE_EXPERIMENT_ROLE,
        ),
    ],
)
def test_a_mapping_that_fits_no_shape_says_what_to_map(roles: dict[str, Any], message: str) -> None:
    with pytest.raises(InputError) as raised:
        experiment_select(experiment(roles), "per_variant")
    assert str(raised.value) == message


@pytest.mark.parametrize(
    "roles",
    [
        {**PER_VARIANT, "users": "a column that is gone"},  # DuckDB: Binder Error
        {**PER_VARIANT, "users": {"value": "lots"}},  # DuckDB: Conversion Error
    ],
)
def test_duckdb_errors_become_one_sentence_for_the_user(con: duckdb.DuckDBPyConnection, roles: dict[str, Any]) -> None:
    with pytest.raises(InputError) as raised:
        experiment_data(con, experiment(roles), "per_variant")
    assert str(raised.value) == UNREADABLE
    assert isinstance(raised.value.__cause__, duckdb.Error)


def test_a_missing_table_is_a_sentence_too(con: duckdb.DuckDBPyConnection) -> None:
    with pytest.raises(InputError, match="^the experiment dataset could not be summed"):
        experiment_data(con, experiment(PER_VARIANT), "dropped_meanwhile")


def test_the_workspace_entry_point_reads_the_sample_experiment() -> None:
    with Workspace("abtest-data") as ws:
        load_samples(ws)
        (dataset,) = experiment_datasets(ws)
        assert dataset.name == "ab_test_landing_page"
        data = experiment_data_for(ws, dataset)
    assert [(a.name, a.users, a.conversions) for a in data.arms] == [
        ("Control", 11945, 478),
        ("Variant B", 12064, 555),
        ("Variant C", 11909, 488),
    ]
    assert data.daily is None and data.first_day is None
    with pytest.raises(InputError, match="map the experiment dataset 'ab_test_landing_page' first"):
        experiment_data_for(ws, dataclasses.replace(dataset, mapping=None))


def test_constants_in_a_per_user_file_bind_in_the_order_of_the_sql(con: duckdb.DuckDBPyConnection) -> None:
    """Each parameter goes with its own placeholder: a constant revenue without a converted column
    (its placeholder appears twice), and a constant user ID before a constant revenue."""
    revenue_only = experiment_data(con, experiment({"variant": "grp", "revenue": {"value": 5}}), "per_user")
    assert [(a.users, a.conversions, a.revenue, a.revenue_squares) for a in revenue_only.arms] == [
        (3, 3, 15.0, 75.0),
        (3, 3, 15.0, 75.0),
    ]
    one_user = experiment(
        {"variant": "grp", "user_id": {"value": "7"}, "converted": "converted", "revenue": {"value": 5}}
    )
    assert [(a.users, a.conversions, a.revenue) for a in experiment_data(con, one_user, "per_user").arms] == [
        (1, 1, 15.0),
        (1, 1, 15.0),
    ]
