"""The two layers: nothing under studio.engine imports Qt or studio.ui (DESIGN.md, STYLE.md habit 1)."""
from __future__ import annotations

import pkgutil
import re
import subprocess
import sys
from pathlib import Path

import studio.engine

FORBIDDEN = ("PySide6", "PySide2", "PyQt5", "PyQt6", "shiboken6", "qtpy", "qasync", "superqt", "pyqtgraph", "studio.ui")
ENGINE = Path(studio.engine.__file__).parent


def engine_modules() -> list[str]:
    names = ["studio.engine"]
    names += [info.name for info in pkgutil.walk_packages(studio.engine.__path__, "studio.engine.")]
    return names


def test_every_engine_module_imports_without_qt():
    modules = engine_modules()
    assert "studio.engine.data" in modules and "studio.engine.families" in modules
    code = (
        "import importlib, sys\n"
        f"for name in {modules!r}:\n"
        "    importlib.import_module(name)\n"
        f"loaded = sorted(m for m in sys.modules if m.startswith({FORBIDDEN!r}))\n"
        "assert not loaded, loaded\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=180)
    assert result.returncode == 0, result.stderr[-3000:]


_IMPORT = re.compile(
    r"^\s*(?:from\s+(?P<from>[\w.]+)\s+import|import\s+(?P<names>[\w.]+(?:\s*,\s*[\w.]+)*))", re.MULTILINE
)
_DYNAMIC = re.compile(r"""(?:import_module|__import__)\(\s*['"](?P<name>[\w.]+)""")


def test_no_engine_file_mentions_a_qt_import():
    offenders = []
    for path in sorted(ENGINE.rglob("*.py")):
        text = path.read_text(encoding="utf-8")
        names = []
        for match in _IMPORT.finditer(text):
            names += [match["from"]] if match["from"] else re.split(r"\s*,\s*", match["names"])
        names += [match["name"] for match in _DYNAMIC.finditer(text)]
        for name in names:
            if any(name == f or name.startswith(f + ".") for f in FORBIDDEN):
                offenders.append(f"{path.relative_to(ENGINE.parent.parent)}: {name}")
    assert not offenders, offenders
