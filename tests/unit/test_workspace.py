"""The workspace file: datasets persist, every write is all-or-nothing, sessions are kept apart."""

from __future__ import annotations

import pytest

from kpi_core.errors import InputError
from kpi_core.mapping import mapping_from_dict
from kpi_core.workspace import Workspace, list_named, load_samples, new_private_name
from tests.conftest import FIXTURES, SAMPLE_DATA


def test_dataset_round_trip_survives_reopening() -> None:
    ws = Workspace("team")
    added = ws.add_dataset(SAMPLE_DATA / "campaign_sheet.csv")
    ws.close()
    again = Workspace("team").dataset(added.id)
    assert (again.name, again.rows, again.kind, again.file_name) == (
        "campaign_sheet",
        2496,
        "performance",
        "campaign_sheet.csv",
    )
    assert again.profile.column("Spend").type == "number"
    assert again.mapping is not None and again.is_mapped
    frame = Workspace("team").preview(added.id, 5)
    assert list(frame.columns) == [
        "Week",
        "Channel",
        "Campaign",
        "Region",
        "Spend",
        "Impressions",
        "Clicks",
        "Sessions",
    ]


def test_failed_upload_leaves_the_workspace_as_it_was() -> None:
    ws = Workspace("safe")
    ws.add_dataset(SAMPLE_DATA / "campaign_sheet.csv")
    tables_before = ws.con.execute("SELECT table_name FROM duckdb_tables() ORDER BY 1").fetchall()
    for broken in ("garbage.xlsx", "empty.csv", "binary_garbage.csv", "not_a_workbook.xlsx"):
        with pytest.raises(InputError):
            ws.add_dataset(FIXTURES / broken)
    assert [d.name for d in ws.datasets()] == ["campaign_sheet"]
    assert ws.con.execute("SELECT table_name FROM duckdb_tables() ORDER BY 1").fetchall() == tables_before


def test_write_failing_mid_transaction_rolls_back(monkeypatch: pytest.MonkeyPatch) -> None:
    ws = Workspace("atomic")
    ws.add_dataset(SAMPLE_DATA / "campaign_sheet.csv")

    def explode(*_: object) -> str:
        raise RuntimeError("disk full")

    monkeypatch.setattr(Workspace, "_free_name", staticmethod(explode))
    with pytest.raises(RuntimeError):
        ws.add_dataset(SAMPLE_DATA / "crm_funnel_rollup.csv")
    assert len(ws.datasets()) == 1
    tables = [r[0] for r in ws.con.execute("SELECT table_name FROM duckdb_tables()").fetchall()]
    assert sorted(t for t in tables if t.startswith("ds_")) == ["ds_1_1"]


def test_rename_replace_delete() -> None:
    ws = Workspace("edit")
    first = ws.add_dataset(SAMPLE_DATA / "google_ads_campaign_report.csv")
    ws.add_dataset(SAMPLE_DATA / "campaign_sheet.csv")
    assert ws.rename_dataset(first.id, "Google Ads 2024-25").name == "Google Ads 2024-25"
    with pytest.raises(InputError):
        ws.rename_dataset(first.id, "CAMPAIGN_SHEET")  # names are unique ignoring case
    replaced = ws.replace_dataset(first.id, FIXTURES / "ad_export_title_lines.csv")
    assert replaced.name == "Google Ads 2024-25" and replaced.rows == 12
    assert replaced.mapping == first.mapping  # kept: the user says once which column is which
    ws.delete_dataset(first.id)
    assert [d.name for d in ws.datasets()] == ["campaign_sheet"]
    tables = [r[0] for r in ws.con.execute("SELECT table_name FROM duckdb_tables()").fetchall()]
    assert not any(t.startswith(f"ds_{first.id}_") for t in tables)


def test_invalid_mapping_is_not_saved() -> None:
    ws = Workspace("maps")
    dataset = ws.add_dataset(SAMPLE_DATA / "campaign_sheet.csv")
    bad = mapping_from_dict({"version": 1, "kind": "performance", "roles": {"date": "Week", "spend": "Nope"}})
    result = ws.set_mapping(dataset.id, bad)
    assert not result.ok and "Nope" in result.errors[0]
    assert ws.dataset(dataset.id).mapping == dataset.mapping


def test_private_workspaces_are_not_listed() -> None:
    Workspace("Workshop 2026").add_dataset(SAMPLE_DATA / "ab_test_landing_page.csv")
    private = Workspace(new_private_name())
    private.add_dataset(SAMPLE_DATA / "ab_test_landing_page.csv")
    assert list_named() == ["Workshop 2026"]
    private.rename_to("Q4 plan")
    assert list_named() == ["Q4 plan", "Workshop 2026"]
    assert len(Workspace("Q4 plan").datasets()) == 1


@pytest.mark.parametrize("name", ["../etc/passwd", "", "a/b", ".hidden", "x" * 65, 'x"; DROP'])
def test_workspace_names_cannot_escape_the_folder(name: str) -> None:
    with pytest.raises(InputError):
        Workspace(name)


def test_samples_load_with_their_mappings() -> None:
    ws = Workspace("samples")
    added = load_samples(ws)
    assert [d.kind for d in added] == ["performance"] * 4 + ["deals", "touchpoints", "experiment"]
    assert all(d.is_mapped for d in added)
    assert load_samples(ws) == []  # loading twice adds nothing


def test_ids_are_never_reused_so_cached_answers_stay_right() -> None:
    from kpi_core.metrics import KpiRequest
    from kpi_core.metrics.workspace_data import workspace_performance

    ws = Workspace("cache")
    first = ws.add_dataset(SAMPLE_DATA / "campaign_sheet.csv")
    before = workspace_performance(ws).compute(KpiRequest(kpis=("spend",))).rows[0][0]
    ws.delete_dataset(first.id)
    second = ws.add_dataset(FIXTURES / "ad_export_title_lines.csv")
    assert second.id != first.id and second.table != first.table
    mapping = {"version": 1, "kind": "performance", "roles": {"date": "Week", "spend": "Cost"}}
    assert ws.set_mapping(second.id, mapping).ok
    after = workspace_performance(ws).compute(KpiRequest(kpis=("spend",))).rows[0][0]
    assert after == pytest.approx(18090.61) and after != before
    ws.replace_dataset(second.id, SAMPLE_DATA / "google_ads_campaign_report.csv")
    replaced = workspace_performance(ws).compute(KpiRequest(kpis=("spend",))).rows[0][0]
    assert replaced == pytest.approx(1_208_963.37)


def test_a_schema_3_workspace_upgrades_keeping_every_saved_object() -> None:
    """A file written by the store before collections (tests/fixtures/workspaces/make_v3.py) opens,
    moves its goals, annotations and scenarios into the documents table, and keeps their ids and id
    counters: the next goal does not take the id of one deleted before the upgrade."""
    import gzip
    from datetime import date

    from kpi_core.budget.scenarios import budget_scenarios
    from kpi_core.goals.model import goal_from_dict
    from kpi_core.goals.saved import goals, save_goal
    from kpi_core.trends.annotations import add_annotation, saved_annotations
    from kpi_core.workspace.home import path_of
    from kpi_core.workspace.schema import SCHEMA_VERSION

    path_of("old").parent.mkdir(parents=True, exist_ok=True)
    path_of("old").write_bytes(
        gzip.decompress((FIXTURES.parent / "workspaces" / "workspace_v3.duckdb.gz").read_bytes())
    )
    with Workspace("old") as ws:
        assert ws.con.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone() == (
            str(SCHEMA_VERSION),
        )
        [dataset] = ws.datasets()
        assert (dataset.name, dataset.rows, dataset.is_mapped) == ("weekly", 4, True)
        assert ws.settings() == {"currency": "EUR", "gross_margin": 0.6, "customer_lifetime_months": 30}
        assert [(g.id, g.name, g.kpi, g.target.change, g.target.value, dict(g.where), g.owner) for g in goals(ws)] == [
            (2, "Q1 pipeline", "leads", 0.2, None, {"channel": ("Email", "Paid Search")}, "Dana"),
            (3, "CPL under 40", "cpl", None, 40.0, {}, ""),
        ]
        assert [(a.id, a.day, a.title, a.note) for a in saved_annotations(ws)] == [
            (2, date(2025, 1, 15), "Tracking outage", ""),
            (1, date(2025, 2, 3), "Trade show: SaaStr", "Booth 12"),
        ]
        [scenario] = budget_scenarios(ws)
        assert (scenario.id, scenario.name, scenario.spends, scenario.note) == (
            1,
            "More search",
            {"Paid Search": 5000.0, "Email": 800.0},
            "workshop idea",
        )
        assert scenario.created.startswith("2026-")
        added = save_goal(ws, goal_from_dict({"name": "New", "objective": "revenue", "kpi": "revenue", "target": 5}))
        assert added.id == 4  # goal 1 was deleted before the upgrade: its id stays retired
        assert add_annotation(ws, date(2025, 3, 1), "Launch").id == 3
        tables = {r[0] for r in ws.con.execute("SELECT table_name FROM duckdb_tables()").fetchall()}
        assert {"goals", "annotations", "budget_scenarios"}.isdisjoint(tables)


def test_sessions_on_one_file_share_query_results_and_no_other_file_does() -> None:
    import shutil

    from kpi_core.workspace.home import path_of

    first, second = Workspace("shared"), Workspace("shared")
    first.add_dataset(SAMPLE_DATA / "campaign_sheet.csv")
    assert first.query_cache is second.query_cache  # a refresh answers from what the last session asked
    first.query_cache.put("probe", [1])
    first.close()
    second.close()
    shutil.copy(path_of("shared"), path_of("copied"))  # the same file id, another file
    assert "probe" not in Workspace("copied").query_cache
    path_of("shared").unlink()
    remade = Workspace("shared")  # deleted and made anew: its first dataset's table is named alike
    remade.add_dataset(SAMPLE_DATA / "crm_deals.csv")
    assert "probe" not in remade.query_cache
