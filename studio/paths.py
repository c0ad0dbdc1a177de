"""Where genstudio keeps things on disk (platformdirs locations).

Runs live under the user data dir, generated demo datasets and other caches
under the user cache dir, logs under the user log dir. Set GENSTUDIO_HOME to
put all three under one folder instead (tests and portable installs use it);
GENSTUDIO_CACHE moves the cache alone.
"""
from __future__ import annotations

import os
from pathlib import Path

from platformdirs import PlatformDirs

_dirs = PlatformDirs("genstudio", appauthor=False)


def _home() -> Path | None:
    home = os.environ.get("GENSTUDIO_HOME")
    return Path(home).expanduser() if home else None


def data_dir() -> Path:
    home = _home()
    return home / "data" if home else Path(_dirs.user_data_dir)


def cache_dir() -> Path:
    override = os.environ.get("GENSTUDIO_CACHE")
    if override:
        return Path(override).expanduser()
    home = _home()
    return home / "cache" if home else Path(_dirs.user_cache_dir)


def log_dir() -> Path:
    home = _home()
    return home / "logs" if home else Path(_dirs.user_log_dir)


def runs_dir() -> Path:
    """Default parent folder of run folders."""
    return data_dir() / "runs"


def demo_dir() -> Path:
    """Where built-in demo datasets are generated on first use."""
    return cache_dir() / "demo-datasets"
