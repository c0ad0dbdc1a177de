"""Refresh the UI translations: collect every translatable string, keep the translations already made,
compile the .qm files the app loads.

    .venv/bin/python scripts/update_translations.py            # all languages in studio/ui/translations
    .venv/bin/python scripts/update_translations.py zh_CN      # one (creates its .ts when new)

1. pyside6-lupdate reads tr() / QCoreApplication.translate() in studio/ui. The families' own texts
   (titles, descriptions, model presets, sample options, demo sets, metric keys; see studio/ui/i18n.py)
   are plain strings in the engine, which lupdate cannot see: they are written as translate("families", ...)
   calls into a temporary file that lupdate reads too, and so is every message of the engine's catalogue
   (studio/engine/messages.py: errors, skipped files, training warnings, frame labels, direction names), as
   translate("engine", <English template>, <message id>).
2. Existing translations are kept (lupdate merges; strings no longer in the code are dropped).
3. pyside6-lrelease compiles each .ts to the .qm next to it.
Prints, per language, how many messages there are and how many are still unfinished.

An engine message's source text is its English template ("{path}: cannot read ({reason})") and its
disambiguation (the translator's comment) is its id ("checkpoint.unreadable"), rather than the id as the
source: the translator reads the English words in Qt Linguist as with every other string; changing those
words in the catalogue leaves the old translation behind (dropped) and the new one unfinished, so the test
of finished translations fails until someone translates the new wording, instead of silently keeping a
translation of the old; and the id keeps two messages apart that say the same in English but may read
differently in another language. engine_text() looks a message up by both, from the catalogue.
"""
from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from studio.engine import CATALOGUE  # noqa: E402
from studio.ui.i18n import ENGINE_CONTEXT, FAMILY_CONTEXT, FAMILY_MESSAGES, TRANSLATIONS_DIR  # noqa: E402

BIN = Path(sys.executable).parent
LUPDATE, LRELEASE = BIN / "pyside6-lupdate", BIN / "pyside6-lrelease"
GENERATED = "family_strings.py"


def family_texts() -> list[str]:
    """Everything the families say that the UI shows, from the registry, in a stable order."""
    from studio.engine.families import all_families

    texts: list[str] = []
    for family in all_families():
        texts += [family.title, family.summary, family.description, *family.Config.presets]
        for option in family.sample_options():
            # The label is computed in option_label(); translate its English form, not the name.
            texts += [option.name.replace("_", " ").capitalize(), option.help]
    texts += list(FAMILY_MESSAGES)
    from studio.engine.demo import DEMOS           # the demo sets' names and descriptions (Data step)

    for name, description in DEMOS.items():
        texts += [name.capitalize(), description]
    seen: set[str] = set()
    return [t for t in texts if t and not (t in seen or seen.add(t))]


def write_family_source(folder: Path) -> Path:
    path = folder / GENERATED
    lines = ["from PySide6.QtCore import QCoreApplication", ""]
    lines += [f"QCoreApplication.translate({json.dumps(FAMILY_CONTEXT)}, {json.dumps(text)})" for text in family_texts()]
    lines += [f"QCoreApplication.translate({json.dumps(ENGINE_CONTEXT)}, {json.dumps(template)}, {json.dumps(id)})"
              for id, template in CATALOGUE.items()]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def ui_sources() -> list[Path]:
    return sorted(p for p in (ROOT / "studio" / "ui").rglob("*.py") if TRANSLATIONS_DIR not in p.parents)


def update(ts: Path, language: str) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        generated = write_family_source(Path(tmp))
        sources = [str(p.relative_to(ROOT)) for p in ui_sources()] + [str(generated)]
        subprocess.run([str(LUPDATE), *sources, "-source-language", "en", "-target-language", language,
                        "-no-obsolete", "-locations", "relative", "-ts", str(ts)], cwd=ROOT, check=True)
    text = ts.read_text(encoding="utf-8")
    # The generated file's locations point into a deleted temporary folder: drop them.
    text = re.sub(rf'\n *<location filename="[^"]*{re.escape(GENERATED)}"[^>]*/>', "", text)
    ts.write_text(text, encoding="utf-8")
    # Compile beside, then rename: a running app has the old .qm mapped, and overwriting it in place
    # would scramble that app's translations.
    qm, partial = ts.with_suffix(".qm"), ts.with_suffix(".qm.partial")
    subprocess.run([str(LRELEASE), str(ts), "-qm", str(partial)], cwd=ROOT, check=True)
    os.replace(partial, qm)
    messages = text.count("<message")
    unfinished = text.count('type="unfinished"')
    print(f"{ts.relative_to(ROOT)}: {messages} messages, {unfinished} unfinished")


def main(argv: list[str]) -> int:
    TRANSLATIONS_DIR.mkdir(parents=True, exist_ok=True)
    languages = argv or sorted(p.stem.removeprefix("genstudio_") for p in TRANSLATIONS_DIR.glob("genstudio_*.ts"))
    if not languages:
        print("no .ts files yet; name a language, e.g. zh_CN", file=sys.stderr)
        return 2
    for language in languages:
        update(TRANSLATIONS_DIR / f"genstudio_{language}.ts", language)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
