"""Every page, with a workspace whose every user-supplied string is hostile Markdown/HTML: nothing
reaches a Markdown-rendering element (bodies, alerts, captions, metric labels/values/deltas, widget,
tab and expander labels, radio options, tooltips) in a form that renders as a link, image, HTML,
colour, formula or emphasis; and no page raises."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import date
from typing import Any

import pandas as pd
import pytest
from google.protobuf.message import Message
from streamlit.testing.v1 import AppTest

from kpi_core.budget.scenarios import Scenario, save_budget_scenario
from kpi_core.goals import Goal, Target
from kpi_core.goals.saved import save_goal
from kpi_core.mapping import mapping_from_dict
from kpi_core.trends.annotations import add_annotation
from kpi_core.workspace import Workspace
from tests.conftest import SAMPLE_DATA, app_on

TIMEOUT = 120
WS = "hostile"
HOSTILE = [
    "![x](http://h/b.png)",
    "[link](http://h)",
    "<img src=x onerror=alert(1)>",
    "**bold**",
    ":red[x]",
    "$x$",
    '=HYPERLINK("http://h")',
    "![y](http://h.example/y.png)",
    "www.h.example",
    ":material/home:",
]
CHANNELS = HOSTILE[:7]  # the sample has 7 channels: one hostile name each
DIMENSION_HEADER = "![r](http://h/r.png)"
STAGE_HEADER = "[s](http://h.example)"
CURRENCY = "![c](http://h/c.png)"

# Fields of an element's or block's protobuf that Streamlit renders as Markdown.
MARKDOWN_FIELDS = {"body", "label", "help", "delta", "text", "options", "content", "title"}
# Elements whose strings are not Markdown (plain text, code, data, chart specs, the traceback).
PLAIN_ELEMENTS = {
    "text",
    "code",
    "json",
    "arrow_data_frame",
    "arrow_vega_lite_chart",
    "vega_lite_chart",
    "exception",
    "latex",
}
# Fields shown as plain text in these elements (Streamlit 1.67: the dropdown options of a selectbox or
# multiselect are not Markdown, unlike radio, pills and segmented-control options).
PLAIN_FIELDS = {"selectbox": {"options"}, "multiselect": {"options"}}
# Rendered constructs: image, link, HTML tag, GFM autolink literal (URL, www., e-mail).
ACTIVE = re.compile(
    r"!\[|\]\(|<\s*[a-zA-Z/!?]|https?://[\w-]+\.|https?://|www\.[\w-]|[\w.+-]@[\w-]+\.\w", re.IGNORECASE
)


def hostile_workspace() -> Workspace:
    ws = Workspace(WS)
    sheet = pd.read_csv(SAMPLE_DATA / "campaign_sheet.csv")
    channels = dict(zip(sorted(sheet["Channel"].unique()), CHANNELS))
    sheet["Channel"] = sheet["Channel"].map(channels)
    sheet["Campaign"] = [f"{HOSTILE[i % len(HOSTILE)]} {i % 5}" for i in range(len(sheet))]
    sheet = sheet.rename(columns={"Region": DIMENSION_HEADER, "Sessions": STAGE_HEADER})
    mapping = mapping_from_dict(
        {
            "version": 1,
            "kind": "performance",
            "roles": {
                "date": "Week",
                "channel": "Channel",
                "campaign": "Campaign",
                "spend": "Spend",
                "impressions": "Impressions",
                "clicks": "Clicks",
            },
            "dimensions": {"region": DIMENSION_HEADER},
            "custom_stages": [{"id": "demos", "name": STAGE_HEADER, "column": STAGE_HEADER, "stage": "conversion"}],
            "settings": {"gross_margin": 0.8, "customer_lifetime_years": 3, "currency": CURRENCY},
        }
    )
    ws.add_dataset(
        sheet.to_csv(index=False).encode("utf-8"),
        file_name="<img src=x onerror=alert(1)>.csv",
        name="![d](http://h/d.png)",
        mapping=mapping,
    )
    arms = pd.DataFrame(
        {
            "Variant": ["[ctl](http://h)", "![v](http://h/v.png)", "**B** :red[x] $x$"],
            "Users": [12000, 12100, 11900],
            "Conversions": [480, 560, 500],
        }
    )
    experiment = mapping_from_dict(
        {
            "version": 1,
            "kind": "experiment",
            "roles": {"variant": "Variant", "users": "Users", "conversions": "Conversions"},
        }
    )
    ws.add_dataset(
        arms.to_csv(index=False).encode("utf-8"),
        file_name="[f](http://h).csv",
        name="[exp](http://h)",
        mapping=experiment,
    )
    ws.update_settings(
        {
            "currency": CURRENCY,
            "abtest_arms_text": "![a](http://h/a.png), 10000, 1000\n[b](http://h), 10000, 1200\n<img src=x>, 10000, 1100",
        }
    )
    high = pd.to_datetime(sheet["Week"]).max().date()
    save_goal(
        ws,
        Goal(
            name="![g](http://h/g.png) **goal**",
            objective="pipeline",
            kpi="clicks",
            target=Target(value=1000.0),
            start=date(high.year, 1, 1),
            end=date(high.year, 12, 31),
            where={"channel": (CHANNELS[0],)},
            owner="[owner](http://h) <b>x</b>",
        ),
    )
    add_annotation(ws, date(high.year, 3, 1), "![t](http://h/t.png) :red[x]", "[note](http://h) <img src=x> $x$")
    save_budget_scenario(ws, Scenario("![s](http://h/s.png) $x$", "clicks", "week", dict.fromkeys(CHANNELS, 500.0)))
    ws.close()
    return ws


def walk(message: Message, path: str = "", plain: frozenset[str] = frozenset()) -> Iterator[tuple[str, str]]:
    """Every (field path, string) of a protobuf that a Markdown field holds, nested messages too."""
    for field, value in message.ListFields():
        if field.name in plain:
            continue
        repeated = not isinstance(value, (str, bytes, Message)) and hasattr(value, "__len__")
        values = value if repeated else [value]
        for item in values:
            if isinstance(item, Message):
                yield from walk(item, f"{path}.{field.name}", plain)
            elif isinstance(item, str) and field.name in MARKDOWN_FIELDS:
                yield f"{path}.{field.name}", item


def markdown_strings(node: Any) -> Iterator[tuple[str, str]]:
    """All Markdown strings of the page: elements and blocks (expander and tab labels) alike."""
    kind = getattr(node, "type", "")
    proto = getattr(node, "proto", None)
    if proto is not None and kind not in PLAIN_ELEMENTS and isinstance(proto, Message):
        skipped = frozenset(PLAIN_FIELDS.get(kind, ()))
        yield from ((f"{kind}{p}", s) for p, s in walk(proto, plain=skipped))
    for child in getattr(node, "children", {}).values():
        yield from markdown_strings(child)


def problems(at: AppTest) -> list[str]:
    found = []
    for where, source in markdown_strings(at._tree):
        neutral = re.sub(r"\\.", "EE", source, flags=re.DOTALL)  # escaped characters render as themselves
        verbatim = [h for h in HOSTILE + [CURRENCY, DIMENSION_HEADER, STAGE_HEADER] if h in source]
        if ACTIVE.search(neutral) or verbatim:
            found.append(f"{where}: {source!r}")
    return found


def check(at: AppTest, page: str) -> AppTest:
    assert not at.exception, (page, at.exception)
    assert not problems(at), (page, problems(at))
    return at


@pytest.fixture(scope="module")
def hostile_home(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    home = tmp_path_factory.mktemp("hostile") / "workspaces"
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("ROI_WORKBENCH_HOME", str(home))
        hostile_workspace()
        yield home


@pytest.fixture(autouse=True)
def private_workspace_home(hostile_home: Any, monkeypatch: pytest.MonkeyPatch) -> Any:
    """One hostile workspace for the module (built once), instead of conftest's fresh home per test."""
    monkeypatch.setenv("ROI_WORKBENCH_HOME", str(hostile_home))
    return hostile_home


PAGES = [
    "pages/dashboard.py",
    "pages/goals.py",
    "pages/annotations.py",
    "pages/glossary.py",
    "pages/home.py",
    "pages/data.py",
    "pages/mapping.py",
    "pages/quality.py",
    "pages/settings.py",
]


def test_navigation_lists_every_page_checked_here() -> None:
    source = (SAMPLE_DATA.parent / "app.py").read_text()
    listed = set(re.findall(r'st\.Page\("([^"]+)"', source))
    assert listed == set(PAGES) | {"pages/budget.py", "pages/abtests.py"}


@pytest.mark.parametrize("page", PAGES)
def test_page_shows_hostile_text_as_text(page: str) -> None:
    at = check(app_on(page, WS, TIMEOUT), page)
    if page == "pages/dashboard.py":  # the filters and the breakdown by the hostile dimension
        at.radio(key="breakdown_by").set_value("region").run()
        check(at, page)


def test_dashboard_filtered_by_a_hostile_channel() -> None:
    """Through the router (the Dashboard is the default page), so app.py's sidebar is checked too."""
    at = app_on(None, WS, TIMEOUT)
    assert at.title[0].value == "Dashboard" and at.sidebar.caption
    at.multiselect(key="widget_filter_dim_channel").set_value([CHANNELS[0], CHANNELS[7 - 1]]).run()
    check(at, "dashboard, filtered")
    assert any("!\\[x\\]" in c.value for c in at.caption)  # the filter is named, escaped


def test_data_and_mapping_pages_for_each_dataset() -> None:
    at = app_on("pages/data.py", WS, TIMEOUT)
    for dataset in Workspace(WS).datasets():
        at.session_state["selected_dataset_id"] = dataset.id
        check(at.run(), f"data, dataset {dataset.id}")
        at.switch_page("pages/mapping.py")
        check(at.run(), f"mapping, dataset {dataset.id}")
        at.switch_page("pages/data.py")


def test_upload_with_a_hostile_file_name_and_headers() -> None:
    at = app_on("pages/data.py", WS, TIMEOUT)
    data = b"Week,![h](http://h/h.png),[c](http://h)\n2024-01-01,**a**,1\n2024-01-08,:red[b],2\n"
    at.file_uploader(key="upload_files").set_value(("![f](http://h/f.png).csv", data, "text/csv")).run()
    check(at, "data, upload")


@pytest.mark.parametrize("tab", ["Recommendation", "What-if", "Scenarios"])
def test_budget_tabs(tab: str) -> None:
    at = app_on("pages/budget.py", WS, TIMEOUT)
    at.session_state["budget_tab"] = tab
    check(at.run(), f"budget, {tab}")


@pytest.mark.parametrize("source", ["Type or paste counts", "An uploaded experiment file"])
def test_abtests_with_hostile_arm_names(source: str) -> None:
    at = app_on("pages/abtests.py", WS, TIMEOUT)
    at.radio(key="ab_source").set_value(source).run()
    check(at, f"abtests, {source}")
    assert len(at.metric) >= 3  # the arms were read, so their names reached the metric labels
