"""Real marketing exports (tests/fixtures/real/): the product reads them as a careful analyst would.

The expectations in ``tests/fixtures/real/expected.json`` were decided by reading each file, not by
running the product (see that folder's README for provenance and conventions). The comparison
logic is the scorer's, ``bench/real_exports.py``, so the bench and these tests cannot disagree.
"""

from __future__ import annotations

import importlib.util
import json
import sys
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]
EXPECTED_PATH = ROOT / "tests" / "fixtures" / "real" / "expected.json"
EXPECTED: list[dict[str, Any]] = json.loads(EXPECTED_PATH.read_text(encoding="utf-8"))
IDS = [e["file"] for e in EXPECTED]


def _scorer() -> Any:
    name = "bench_real_exports"
    if name in sys.modules:
        return sys.modules[name]
    spec = importlib.util.spec_from_file_location(name, ROOT / "bench" / "real_exports.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def scorer() -> Any:
    module = _scorer()
    module.prefetch(EXPECTED)  # every file read once; the tests share the reads
    return module


def _tables(scorer: Any, exp: dict[str, Any]) -> list[Any]:
    return scorer.score_file(exp)


@pytest.mark.parametrize("exp", EXPECTED, ids=IDS)
def test_read_like_an_analyst(scorer: Any, exp: dict[str, Any]) -> None:
    """Header row, data rows, every column's type and the key totals are what the analyst expects."""
    tables = _tables(scorer, exp)
    failures = [f"{t.name}: {f}" for t in tables for f in t.reading_failures]
    assert not failures, "\n".join(failures)


@pytest.mark.parametrize("exp", EXPECTED, ids=IDS)
def test_kind_like_an_analyst(scorer: Any, exp: dict[str, Any]) -> None:
    """The suggested dataset kind is the analyst's."""
    tables = _tables(scorer, exp)
    failures = [f"{t.name}: {f}" for t in tables for f in t.kind_failures]
    assert not failures, "\n".join(failures)


def test_roles_precision_and_recall(scorer: Any) -> None:
    """Over the whole corpus, suggested roles are right (precision) and complete (recall) to 95%."""
    correct = suggested = expected = 0
    failures: list[str] = []
    for exp in EXPECTED:
        for t in _tables(scorer, exp):
            correct += t.roles_correct
            suggested += t.roles_suggested
            expected += t.roles_expected
            failures += [f"{t.name}: {f}" for f in t.role_failures]
            if not t.role_failures and t.roles_expected > t.roles_correct:
                failures += [f"{t.name}: roles not scored: {f}" for f in t.kind_failures[:1]]
    precision = correct / suggested if suggested else 1.0
    recall = correct / expected if expected else 1.0
    report = f"precision {precision:.3f} ({correct}/{suggested}), recall {recall:.3f} ({correct}/{expected})\n"
    assert precision >= 0.95 and recall >= 0.95, report + "\n".join(failures)


def test_expected_json_is_well_formed() -> None:
    """Every expectation names an existing file, valid types, kinds and roles of that kind."""
    from kpi_core.mapping.roles import KINDS, roles_of

    folder = EXPECTED_PATH.parent
    assert len(EXPECTED) >= 28
    for exp in EXPECTED:
        assert (folder / exp["file"]).is_file(), exp["file"]
        parts = exp.get("tables") or [exp]
        for part in parts:
            kind = part.get("kind", exp.get("kind"))
            assert kind in KINDS, (exp["file"], kind)
            assert set(part["columns"].values()) <= {"date", "number", "text", "boolean"}, exp["file"]
            for column in part.get("totals", {}):
                assert part["columns"][column] == "number", (exp["file"], column)
            allowed = roles_of(kind)
            for role, source in part.get("roles", {}).items():
                assert role in allowed, (exp["file"], role)
                if isinstance(source, str):
                    assert source in part["columns"], (exp["file"], role, source)
                else:
                    assert set(source) == {"value"}, (exp["file"], role, source)
            for column in part.get("dimensions", {}).values():
                assert column in part["columns"], (exp["file"], column)
