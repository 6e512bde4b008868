"""One-click sample data: the files listed in sample_data/manifest.json, with their mappings."""

from __future__ import annotations

import json
from pathlib import Path

from kpi_core.mapping import mapping_from_dict
from kpi_core.workspace.store import Dataset, Workspace

SAMPLE_FOLDER = Path(__file__).resolve().parents[2] / "sample_data"


def sample_names(folder: Path = SAMPLE_FOLDER) -> set[str]:
    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    return {Path(entry["file"]).stem for entry in manifest}


def holds_own_data(workspace: Workspace, folder: Path = SAMPLE_FOLDER) -> bool:
    """Whether the workspace holds a dataset that is not sample data (then samples go elsewhere,
    unless the user asks to merge: mixed in, they make ROMI and the funnel meaningless)."""
    samples = sample_names(folder)
    return any(d.name not in samples for d in workspace.datasets())


def load_samples(workspace: Workspace, folder: Path = SAMPLE_FOLDER) -> list[Dataset]:
    """Add every sample file (skipping ones already loaded by name) with its ready mapping."""
    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    loaded = {d.name for d in workspace.datasets()}
    added = []
    for entry in manifest:
        name = Path(entry["file"]).stem
        if name in loaded:
            continue
        mapping = mapping_from_dict(json.loads((folder / entry["mapping"]).read_text(encoding="utf-8")))
        added.append(workspace.add_dataset(folder / entry["file"], sheet=mapping.sheet, name=name, mapping=mapping))
    return added
