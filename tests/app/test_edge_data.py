"""Every page on the smallest data a user can make: one row, one date, no channel column."""

from __future__ import annotations

import pytest

from kpi_core.workspace import Workspace
from tests.app.test_every_page_on_real_data import add_as_a_user_would, walk

EDGE_FILES = {
    "one_row.csv": b"Date,Channel,Spend,Clicks,Leads,Revenue\n2025-03-03,Email,120.5,40,3,900\n",
    "one_date.csv": b"Date,Channel,Spend,Clicks,Leads\n2025-03-03,Email,120,40,3\n2025-03-03,Search,80,10,1\n",
    "no_channel.csv": b"Week,Spend,Clicks,Leads\n2025-03-03,120,40,3\n2025-03-10,90,35,2\n2025-03-17,150,50,5\n",
    "no_date.csv": b"ad_id,Spent,Impressions,Clicks,Total_Conversion,Approved_Conversion\n"
    b"708746,1.43,7350,1,2,1\n708749,1.82,17861,2,2,0\n",
    "no_measure.csv": b"Date,Channel,Owner\n2025-03-03,Email,Ann\n2025-03-10,Search,Bo\n",
}


@pytest.mark.parametrize("name", list(EDGE_FILES))
def test_every_page_on_edge_data(name: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("ROI_WORKBENCH_STRICT")
    add_as_a_user_would(Workspace("edge"), EDGE_FILES[name], name)
    assert walk("edge") == []
