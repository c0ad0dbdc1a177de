"""Test set-up: headless Qt, isolated user folders, small thread counts, no background work left behind."""
import os
import sys

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
# One intra-op thread (inherited by the CLI subprocesses too): the test models are
# tiny, and on a shared or busy 2-core machine two threads waiting on each other
# made a 300-step VAE test 3.5x slower (55 s against 15 s, measured).
os.environ.setdefault("OMP_NUM_THREADS", "1")

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


@pytest.fixture(autouse=True)
def no_thread_left():
    """Like napari's: a test that leaves a Qt background job (superqt worker) running fails.

    Only where Qt is loaded; engine and CLI tests never start Qt threads."""
    yield
    if "PySide6.QtCore" in sys.modules:
        from PySide6.QtCore import QThreadPool

        assert QThreadPool.globalInstance().waitForDone(3000), "a background job outlived its test"


@pytest.fixture
def one_torch_thread():
    """torch on one intra-op thread for the test (the diffusion tests: steady on a shared machine), then back."""
    import torch

    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)
