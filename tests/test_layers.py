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


# -- the engine's public face (DESIGN.md: the app and the CLI use only studio.engine's names) ------------------
APP_AND_CLI = sorted((ENGINE.parent / "ui").rglob("*.py")) + [ENGINE.parent / "cli.py", ENGINE.parent / "__main__.py"]


def _engine_imports(path: Path):
    """(line, module, names) of every import of studio.engine or below, at any depth of the file."""
    import ast

    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("studio.engine"):
            yield node.lineno, node.module, [alias.name for alias in node.names]
        elif isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.startswith("studio.engine"):
                    yield node.lineno, alias.name, []


def test_the_app_and_the_cli_import_only_the_engines_public_names():
    offenders = []
    for path in APP_AND_CLI:
        for line, module, names in _engine_imports(path):
            where = f"{path.relative_to(ENGINE.parent.parent)}:{line}"
            if module != "studio.engine":
                offenders.append(f"{where}: imports {module} (use `from studio.engine import ...`)")
            offenders += [f"{where}: {name} is not in studio.engine.__all__"
                          for name in names if name not in studio.engine.__all__]
    assert not offenders, "\n".join(offenders)


def test_every_public_name_resolves():
    for name in studio.engine.__all__:
        assert getattr(studio.engine, name) is not None, name


def test_importing_the_engine_and_its_events_loads_no_torch():
    code = ("import sys, studio.engine\nfrom studio.engine import events, user_errors\n"
            "assert 'torch' not in sys.modules, 'torch was imported'\n"
            "from studio.engine import Trainer\nassert 'torch' in sys.modules\n")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=180)
    assert result.returncode == 0, result.stderr[-3000:]
