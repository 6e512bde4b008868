"""Where workspaces live, and what they may be called."""

from __future__ import annotations

import os
import re
import secrets
from pathlib import Path

from kpi_core.errors import InputError

HOME_VARIABLE = "ROI_WORKBENCH_HOME"
SUFFIX = ".duckdb"
PRIVATE_PREFIX = "session-"
DEFAULT_NAME = "default"
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9 _.\-]{0,63}$")


def home() -> Path:
    """The folder holding workspace files: $ROI_WORKBENCH_HOME, else ./workspace."""
    return Path(os.environ.get(HOME_VARIABLE) or "workspace").expanduser().resolve()


def check_name(name: str) -> str:
    name = name.strip()
    if not _NAME.match(name) or name.endswith(".") or ".." in name:
        raise InputError(
            "A workspace name is 1-64 letters, digits, spaces, '-', '_' or '.', starting with a letter or digit."
        )
    return name


def path_of(name: str) -> Path:
    return home() / f"{check_name(name)}{SUFFIX}"


def new_private_name() -> str:
    """An unguessable name for one browser session's own workspace (never listed to others)."""
    return PRIVATE_PREFIX + secrets.token_hex(8)


def is_private(name: str) -> bool:
    return name.startswith(PRIVATE_PREFIX)


def list_named() -> list[str]:
    """Named (shared on purpose) workspaces, not the private per-session ones."""
    folder = home()
    if not folder.is_dir():
        return []
    names = [p.name[: -len(SUFFIX)] for p in folder.glob(f"*{SUFFIX}")]
    return sorted(n for n in names if not is_private(n) and _NAME.match(n))
