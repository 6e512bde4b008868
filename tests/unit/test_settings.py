"""WorkspaceSettings: one typed place for the settings, their defaults and their checks."""

from __future__ import annotations

import pytest

from kpi_core.errors import InputError
from kpi_core.mapping.model import DEFAULT_SETTINGS
from kpi_core.settings import WorkspaceSettings


def test_defaults_and_the_mapping_defaults_agree() -> None:
    settings = WorkspaceSettings()
    assert (settings.currency, settings.gross_margin, settings.customer_lifetime_years) == ("USD", 1.0, 3)
    assert DEFAULT_SETTINGS == {"gross_margin": 1.0, "customer_lifetime_years": 3, "currency": "USD"}
    assert (settings.roas_strong, settings.roas_weak, settings.alert_threshold, settings.alert_kpis) == (
        5.0,
        2.0,
        None,
        (),
    )


def test_later_layers_win_and_unknown_keys_are_left_alone() -> None:
    mapping = {"gross_margin": 0.5, "currency": "EUR"}
    stored = {"currency": " GBP ", "alert_window": "12", "alert_kpis": ["sqls"], "abtest_arms_text": "A, 10, 1"}
    settings = WorkspaceSettings.from_values(mapping, stored)
    assert (settings.gross_margin, settings.currency, settings.alert_window, settings.alert_kpis) == (
        0.5,
        "GBP",
        12,
        ("sqls",),
    )
    assert WorkspaceSettings.from_values({"currency": ""}).currency == "USD"
    assert WorkspaceSettings.of(settings) is settings


@pytest.mark.parametrize(
    ("values", "message"),
    [
        ({"gross_margin": 1.5}, "Setting gross_margin = 1.5: use a share from 0 to 1"),
        ({"gross_margin": "lots"}, "Setting gross_margin = 'lots'"),
        ({"customer_lifetime_years": float("nan")}, "customer_lifetime_years"),
        ({"roas_strong": 3, "roas_weak": 4}, "not above the strong one"),
        ({"alert_threshold": -1}, "positive number of MAD units"),
        ({"alert_window": 2.5}, "whole number of periods"),
        ({"alert_window": True}, "whole number of periods"),
    ],
)
def test_a_bad_value_is_one_sentence_naming_the_setting(values: dict[str, object], message: str) -> None:
    with pytest.raises(InputError, match=message.replace("(", r"\(")):
        WorkspaceSettings.from_values(values)
