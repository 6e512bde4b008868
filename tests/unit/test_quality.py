"""Data-quality checks, each against pandas on the same data; fixes as reversible mapping rules."""

from __future__ import annotations

import json
import subprocess
import sys

import pandas as pd
import pytest

from kpi_core.ingest import ingest
from kpi_core.mapping import mapping_from_dict
from kpi_core.quality import apply_fix, check_dataset, remove_rule, rules_of
from tests.conftest import DATASETS, ROOT

MESSY = DATASETS / "messy-marketing-campaigns" / "marketing_campaign_data_messy.csv"
MESSY_MAPPING = {
    "kind": "performance",
    "roles": {
        "date": "Start_Date",
        "channel": "Channel",
        "campaign": "Campaign_Name",
        "spend": "Spend",
        "impressions": "Impressions",
        "clicks": "Clicks",
        "leads": "Conversions",
    },
}
needs_datasets = pytest.mark.skipif(not MESSY.is_file(), reason=f"the shared datasets are absent ({MESSY})")


def _checked(data: bytes | str, mapping: dict, name: str = "data.csv"):  # type: ignore[no-untyped-def]
    ingested = ingest(data.encode() if isinstance(data, str) else data, name=name)
    ingested.con.execute("CREATE TABLE rows AS SELECT * FROM ingested")
    parsed = mapping_from_dict(mapping)
    return ingested, parsed, check_dataset(ingested.con, "rows", parsed, ingested.profile)


def _by_check(findings):  # type: ignore[no-untyped-def]
    out: dict[str, list] = {}
    for finding in findings:
        out.setdefault(finding.check, []).append(finding)
    return out


@pytest.fixture(scope="module")
def messy():  # type: ignore[no-untyped-def]
    if not MESSY.is_file():
        pytest.skip(f"the shared datasets are absent ({MESSY})")
    frame = pd.read_csv(MESSY)
    frame.columns = [c.strip() for c in frame.columns]
    return frame, _checked(MESSY.read_bytes(), MESSY_MAPPING, "messy.csv")


def test_messy_sheet_lists_each_known_problem(messy) -> None:  # type: ignore[no-untyped-def]
    frame, (_, _, findings) = messy
    found = _by_check(findings)
    merges = {f.example: f.fix["recode"]["channel"][f.example] for f in found["near_duplicate_values"]}
    assert merges == {
        "Gogle": "Google Ads",
        "Facebok": "Facebook",
        "Insta_gram": "Instagram",
        "Tik_Tok": "TikTok",
        "E-mail": "Email",
    }
    counts = frame["Channel"].value_counts()
    assert {f.example: f.rows for f in found["near_duplicate_values"]} == {v: counts[v] for v in merges}
    blanks = found["blank_values"][0]
    assert blanks.column == "Channel" and blanks.rows == frame["Channel"].isna().sum() == 101
    assert found["duplicate_rows"][0].rows == frame.duplicated().sum() == 19
    spend = pd.to_numeric(frame["Spend"].astype(str).str.replace("$", "", regex=False), errors="coerce")
    negative = found["negative_values"][0]
    assert negative.rows == (spend < 0).sum() and negative.severity == "error"
    assert float(negative.example) == pytest.approx(spend.min())
    outliers = next(f for f in found["outliers"] if f.column == "Spend")
    assert float(outliers.example) == 500000 and outliers.rows >= (spend == 500000).sum() == 5
    assert outliers.fix is not None and outliers.fix["exclude"]["above"] < 500000
    order = next(f for f in found["impossible_sequence"] if f.column == "End_Date")
    assert order.rows == 78  # the README's count: slashed dates read day-first, ISO as ISO
    assert blanks.touches["spend"] == pytest.approx(spend[frame["Channel"].isna()].sum() / spend.sum(), rel=1e-6)


def test_merges_and_exclusions_change_the_numbers_as_pandas_does(messy) -> None:  # type: ignore[no-untyped-def]
    frame, (ingested, mapping, findings) = messy
    fixed = mapping
    for finding in findings:
        if finding.check in ("near_duplicate_values", "duplicate_rows", "negative_values"):
            fixed = apply_fix(fixed, finding.fix)
    again = check_dataset(ingested.con, "rows", fixed, ingested.profile)
    assert not {"near_duplicate_values", "duplicate_rows", "negative_values"} & {f.check for f in again}
    from kpi_core.metrics.query import KpiRequest, Performance, Source

    by_channel = Performance(ingested.con, [Source(fixed, "rows")]).compute(KpiRequest(by=("channel",))).frame()
    spend = pd.to_numeric(frame["Spend"].astype(str).str.replace("$", "", regex=False), errors="coerce")
    expected = frame.assign(Spend=spend).drop_duplicates()
    expected = expected[~(expected["Spend"] < 0)]
    expected["Channel"] = expected["Channel"].replace(
        {
            "Gogle": "Google Ads",
            "Facebok": "Facebook",
            "Insta_gram": "Instagram",
            "Tik_Tok": "TikTok",
            "E-mail": "Email",
        }
    )
    sums = expected.groupby("Channel")["Spend"].sum()
    got = by_channel.dropna(subset=["channel"]).set_index("channel")["spend"].drop("N/A")  # pandas reads it as blank
    assert sorted(got.index) == sorted(sums.index)
    for channel, value in sums.items():
        assert got[channel] == pytest.approx(value, rel=1e-9)
    # Undoing every rule gives the numbers as read.
    restored = fixed
    for _, rule in rules_of(fixed):
        restored = remove_rule(restored, rule)
    assert restored.to_dict() == mapping.to_dict()


def test_campaign_names_that_differ_by_a_number_are_not_merged() -> None:
    text = "Week,Campaign,Spend\n" + "".join(
        f"2024-01-{d:02d},{name},10\n" for d in range(1, 8) for name in ("Q1_Launch", "Q2_Launch", "Q1 Launch")
    )
    _, _, findings = _checked(
        text, {"kind": "performance", "roles": {"date": "Week", "campaign": "Campaign", "spend": "Spend"}}
    )
    merges = [f for f in findings if f.check == "near_duplicate_values"]
    assert [{f.example, f.fix["recode"]["campaign"][f.example]} for f in merges] == [{"Q1 Launch", "Q1_Launch"}]


def test_funnel_that_narrows_the_wrong_way_and_gaps_in_weeks() -> None:
    text = "Week,Clicks,Impressions\n2024-01-01,10,100\n2024-01-08,200,100\n2024-01-22,5,50\n2024-01-29,5,50\n"
    _, _, findings = _checked(
        text, {"kind": "performance", "roles": {"date": "Week", "clicks": "Clicks", "impressions": "Impressions"}}
    )
    found = _by_check(findings)
    assert found["impossible_sequence"][0].rows == 1
    gap = found["date_gaps"][0]
    assert gap.rows == 1 and gap.example == "2024-01-15"


def test_deals_closed_before_created() -> None:
    text = "Deal ID,Created date,Close date,Stage,Amount\nD1,2024-01-10,2024-01-05,Won,100\nD2,2024-01-10,2024-02-01,Won,-5\n"
    _, _, findings = _checked(
        text,
        {
            "kind": "deals",
            "roles": {
                "id": "Deal ID",
                "created_date": "Created date",
                "close_date": "Close date",
                "status": "Stage",
                "amount": "Amount",
            },
        },
    )
    found = _by_check(findings)
    assert found["impossible_sequence"][0].rows == 1
    assert found["negative_values"][0].rows == 1


def test_hostile_names_and_values_are_parameters() -> None:
    text = 'Day,"Chan""nel; DROP",Cost\n2024-01-01,"Gogle\'); --",10\n2024-01-02,Google,20\n2024-01-03,Google,30\n'
    _, mapping, findings = _checked(
        text, {"kind": "performance", "roles": {"date": "Day", "channel": 'Chan"nel; DROP', "spend": "Cost"}}
    )
    assert all(f.check != "error" for f in findings)
    rules = apply_fix(mapping, {"recode": {"channel": {"Gogle'); --": "Google"}}})
    assert rules.recode["channel"] == {"Gogle'); --": "Google"}


@pytest.mark.skipif(not MESSY.is_file(), reason="the shared datasets are absent")
def test_cli_check_lists_findings_and_writes_fixes(tmp_path) -> None:  # type: ignore[no-untyped-def]
    mapping = tmp_path / "m.json"
    mapping.write_text(json.dumps(MESSY_MAPPING))
    fixed = tmp_path / "fixed.json"

    def run(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run([sys.executable, "-m", "kpi_core", *args], capture_output=True, text=True, cwd=ROOT)

    done = run("check", str(MESSY), "--mapping", str(mapping), "--format", "json", "--apply-fixes", str(fixed))
    assert done.returncode == 0, done.stderr
    records = json.loads(done.stdout)
    assert list(records[0])[:7] == ["check", "severity", "column", "rows", "share", "example", "message"]
    assert {r["check"] for r in records} >= {
        "near_duplicate_values",
        "blank_values",
        "duplicate_rows",
        "negative_values",
        "outliers",
        "impossible_sequence",
    }
    written = json.loads(fixed.read_text())
    assert written["recode"]["channel"]["Gogle"] == "Google Ads" and {"duplicates": True} in written["exclude"]
    kpis = run("kpis", str(MESSY), "--mapping", str(fixed), "--by", "channel", "--format", "json")
    assert kpis.returncode == 0, kpis.stderr
    assert "Gogle" not in {r["channel"] for r in json.loads(kpis.stdout)}
    bad = run("check", str(tmp_path / "missing.csv"), "--mapping", str(mapping))
    assert bad.returncode == 2 and bad.stderr.startswith("error: ") and len(bad.stderr.strip().splitlines()) == 1
    table = run("check", str(MESSY), "--mapping", str(mapping))
    assert table.returncode == 0 and "near_duplicate_values" in table.stdout
