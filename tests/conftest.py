"""Test set-up: headless Qt, isolated user folders, small thread counts."""
import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import pytest  # noqa: E402


@pytest.fixture(autouse=True)
def genstudio_home(tmp_path_factory, monkeypatch):
    """Every test gets its own GENSTUDIO_HOME, so runs and caches never touch the user's.

    The demo-dataset cache is shared across the session (generating it once is enough).
    """
    home = tmp_path_factory.mktemp("home")
    monkeypatch.setenv("GENSTUDIO_HOME", str(home))
    shared_cache = tmp_path_factory.getbasetemp() / "shared-cache"
    monkeypatch.setenv("GENSTUDIO_CACHE", str(shared_cache))
    return home
