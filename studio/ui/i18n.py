"""Which language the UI speaks: translator loading, the language choice and the View ▸ Language menu.

The UI's own strings go through tr() and come from `translations/genstudio_<locale>.qm`
(made by scripts/update_translations.py). The engine knows nothing of Qt, so what the
families say about themselves (titles, descriptions, option help, frame labels, latent
direction names) is plain English; `family_text()` translates it where it is shown, in
the "families" context that the update script fills from the registry.

The language is, first to last: GENSTUDIO_LANG, `--lang X` on the app's command line,
the View ▸ Language setting, else the system locale. Changing it in the menu takes
effect on the next start; the menu offers to restart now (never while training runs).
"""
from __future__ import annotations

import os
import re
import sys
from pathlib import Path

from PySide6.QtCore import QCoreApplication, QLibraryInfo, QLocale, QProcess, QSettings, QTranslator
from PySide6.QtGui import QAction, QActionGroup
from PySide6.QtWidgets import QMenu, QMessageBox, QWidget

TRANSLATIONS_DIR = Path(__file__).resolve().parent / "translations"
SETTING = "ui/language"
ENV = "GENSTUDIO_LANG"
SYSTEM = ""                       # the setting's value for "follow the system locale"
ENGLISH = "en"
FAMILY_CONTEXT = "families"

# Each language's own name, never translated: a person who cannot read the current one still finds theirs.
LANGUAGE_NAMES = {ENGLISH: "English", "zh_CN": "简体中文"}

# Frame labels, direction names and help that the engine formats with numbers: the pattern that
# recognises one, and the English template (with {0}, {1}, ...) under which the translation is kept.
FAMILY_TEMPLATES: tuple[tuple[str, str], ...] = (
    (r"step (\d+)/(\d+)", "step {0}/{1}"),
    (r"row (\d+)/(\d+)", "row {0}/{1}"),
    (r"z(\d+) \(KL ([-\d.]+)\)", "z{0} (KL {1})"),
    (r"latent dimension (\d+) alone", "latent dimension {0} alone"),
    (r"PC(\d+) \((\d+)% of variance\)", "PC{0} ({1}% of variance)"),
    (r"coarse (\d+) \((\d+x\d+)\)", "coarse {0} ({1})"),
    (r"direction (\d+) \(spread ([-\d.]+)\)", "direction {0} (spread {1})"),
    (r"mean latent of the (\d+) images with '(.*)' minus that of the (\d+) without",
     "mean latent of the {0} images with '{1}' minus that of the {2} without"),
    (r"the model never saw (.+): it is treated as an unknown word",
     "the model never saw {0}: it is treated as an unknown word"),
    (r"the model never saw (.+): they are treated as an unknown word",
     "the model never saw {0}: they are treated as an unknown word"),
    (r"only the first (\d+) words of the prompt are used", "only the first {0} words of the prompt are used"),
    (r"losses were not finite for (\d+) steps in a row: rolled back to step (\d+) and halved the learning rate "
     r"\(now x(\S+)\)",
     "losses were not finite for {0} steps in a row: rolled back to step {1} and halved the learning rate (now x{2})"),
    (r"words the model never saw: (.+)", "words the model never saw: {0}"),
    (r"the model never saw (.+) in its captions or labels: that word is ignored",
     "the model never saw {0} in its captions or labels: that word is ignored"),
    (r"the model never saw (.+) in its captions or labels: those words are ignored",
     "the model never saw {0} in its captions or labels: those words are ignored"),
    (r"the prior is untrained \(the run ended in stage 1\), so samples are noise: train past "
     r"autoencoder_steps=(\d+) with --resume --steps N",
     "the prior is untrained (the run ended in stage 1), so samples are noise: train past "
     "autoencoder_steps={0} with --resume --steps N"),
)

# The metric keys the families log, shown as loss chart titles (metric_title()).
METRIC_KEYS: tuple[str, ...] = (
    "loss", "recon_mse", "kl", "beta", "bpd", "bits_per_dim", "d_loss", "g_loss", "d_real", "d_fake", "gp",
    "adv", "g_adv", "fm", "adv_weight", "perplexity", "dead_codes", "commitment", "prior_bits", "stage",
)

# Fixed texts the families show that are not in the registry's attributes (frame labels, prompt
# warnings): scripts/update_translations.py puts these, the templates above, and the registry's own
# texts (titles, summaries, descriptions, model presets, sample options) in the "families" context.
FAMILY_MESSAGES: tuple[str, ...] = (
    "input", "reconstruction", "samples", "samples from fixed noise", "reconstructions and samples",
    "reconstructions and prior samples",
    "a principal direction of the encoded dataset",
    "this model was trained without captions or class folders: the prompt is ignored",
    "this GAN is unconditional: the prompt is ignored",
    "this model was trained without captions or labels, so the prompt is ignored",
    # why the Trainer chose a device and a precision (engine/training.py)
    "a CUDA GPU is available", "an Apple GPU is available (MPS)", "no CUDA or Apple GPU found", "chosen",
    "the GPU supports bf16 (mixed precision, no loss scaling needed)",
    "mixed precision fp16 with loss scaling (the GPU lacks bf16)",
    "the CPU has AVX512-BF16/AMX, so bf16 autocast is faster",
    "fp32: this CPU lacks AVX512-BF16/AMX, where bf16 would be slower",
    *METRIC_KEYS,
)
_COMPILED = tuple((re.compile(pattern + r"\Z"), template) for pattern, template in FAMILY_TEMPLATES)

_installed: list[QTranslator] = []      # kept alive: Qt does not own installed translators


def family_text(text: str) -> str:
    """A family's own English text (title, description, option help, frame label...) in the UI's language."""
    if not text:
        return text
    translated = QCoreApplication.translate(FAMILY_CONTEXT, text)
    if translated != text:
        return translated
    for pattern, template in _COMPILED:
        match = pattern.match(text)
        if match:
            return QCoreApplication.translate(FAMILY_CONTEXT, template).format(*match.groups())
    return text


def direction_title(direction) -> str:
    """A latent direction's name for its slider: the family's words translated, the user's own
    (an "attribute" direction is named after a label or caption word, e.g. "small") as they are."""
    return direction.name if direction.kind == "attribute" else family_text(direction.name)


def metric_title(key: str) -> str:
    """A loss chart's title: the family's metric key, with its translation in front where there is one."""
    translated = QCoreApplication.translate(FAMILY_CONTEXT, key)
    return key if translated == key else f"{translated} ({key})"


def option_label(name: str) -> str:
    """A sample option's label: its name as words ("guidance_rescale" -> "Guidance rescale"), translated."""
    return family_text(name.replace("_", " ").capitalize())


def plain_icon_text(action: QAction) -> None:
    """Keep a toolbar action's icon text free of a CJK-style accelerator. Qt derives the icon text by
    dropping '&' only, so "训练(&T)" would show as "训练(T)"; this follows the action's text as it changes."""
    def update() -> None:
        plain = re.sub(r"\s*\(&\w\)", "", action.text()).replace("&", "")
        if action.iconText() != plain:
            action.setIconText(plain)

    action.changed.connect(update)
    update()


def available_languages() -> list[str]:
    """English plus every language with a compiled translation."""
    found = sorted(p.stem.removeprefix("genstudio_") for p in TRANSLATIONS_DIR.glob("genstudio_*.qm"))
    return [ENGLISH, *found]


def chosen_language(settings: QSettings, argv: list[str] | tuple[str, ...] = ()) -> str:
    """The language to start in: GENSTUDIO_LANG, `--lang X`, the setting, else SYSTEM."""
    if os.environ.get(ENV):
        return os.environ[ENV]
    args = list(argv)
    for i, arg in enumerate(args):
        if arg == "--lang" and i + 1 < len(args):
            return args[i + 1]
        if arg.startswith("--lang="):
            return arg.split("=", 1)[1]
    return str(settings.value(SETTING, SYSTEM, type=str) or SYSTEM)


def locale_for(language: str) -> QLocale:
    return QLocale.system() if language == SYSTEM else QLocale(language)


def install_translators(language: str) -> QLocale:
    """Load genstudio's and Qt's own translations (dialog buttons) for `language`, replacing any loaded
    before; English or a language without a translation leaves the source strings. Returns the locale."""
    app = QCoreApplication.instance()
    for translator in _installed:
        app.removeTranslator(translator)
    _installed.clear()
    locale = locale_for(language)
    if language != ENGLISH:
        qt_dir = QLibraryInfo.path(QLibraryInfo.LibraryPath.TranslationsPath)
        for name, folder in (("qtbase", qt_dir), ("genstudio", str(TRANSLATIONS_DIR))):
            translator = QTranslator(app)
            # Tries genstudio_zh_CN.qm, genstudio_zh.qm, ... for each of the locale's UI languages; other
            # Simplified Chinese locales (zh_SG, zh_MY) read zh_CN's.
            if translator.load(locale, name, "_", folder) or (
                    locale.language() == QLocale.Language.Chinese
                    and locale.script() != QLocale.Script.TraditionalHanScript
                    and translator.load(QLocale("zh_CN"), name, "_", folder)):
                app.installTranslator(translator)
                _installed.append(translator)
    QLocale.setDefault(locale if _installed or language == ENGLISH else QLocale(QLocale.Language.English))
    return locale


def install(settings: QSettings, argv: list[str] | tuple[str, ...] = ()) -> QLocale:
    """Install the translators for the chosen language (app start-up)."""
    return install_translators(chosen_language(settings, argv))


def restart_command() -> tuple[str, list[str]]:
    """How to start this app again: the bundle's own program, else this Python with `-m studio`."""
    if getattr(sys, "frozen", False):
        return sys.executable, []
    return sys.executable, ["-m", "studio"]


class LanguageMenu(QMenu):
    """View ▸ Language: System default, then each language by its own name. The choice is saved and
    applies at the next start; the menu offers to restart now, unless `is_busy()` (training runs)."""

    def __init__(self, window: QWidget, settings: QSettings, is_busy):
        super().__init__(window)
        self.setTitle(self.tr("&Language"))
        self.setObjectName("languageMenu")
        self._window, self._settings, self._is_busy = window, settings, is_busy
        self.group = QActionGroup(self)
        self.group.setExclusive(True)
        current = self.saved_language()
        choices = [(SYSTEM, self.tr("System default"))]
        choices += [(code, LANGUAGE_NAMES.get(code, QLocale(code).nativeLanguageName() or code))
                    for code in available_languages()]
        for code, title in choices:
            action = QAction(title, self)
            action.setObjectName(f"languageAction_{code or 'system'}")
            action.setCheckable(True)
            action.setChecked(code == current)
            action.setData(code)
            self.group.addAction(action)
            self.addAction(action)
        self.group.triggered.connect(self._on_group_triggered)

    def saved_language(self) -> str:
        return str(self._settings.value(SETTING, SYSTEM, type=str) or SYSTEM)

    def _on_group_triggered(self, action: QAction) -> None:
        code = str(action.data())
        if code == self.saved_language():
            return
        self._settings.setValue(SETTING, code)
        self._settings.sync()
        if os.environ.get(ENV):
            QMessageBox.information(self._window, self.tr("Language"), self.tr(
                "The language is set by the {0} environment variable; the new choice applies once it is unset.")
                .format(ENV))
        elif self._is_busy():
            QMessageBox.information(self._window, self.tr("Language"), self.tr(
                "The new language applies the next time genstudio starts (not now: training is running)."))
        elif self.ask_restart():
            restart_app(self._window)

    def ask_restart(self) -> bool:
        box = QMessageBox(QMessageBox.Icon.Question, self.tr("Language"),
                          self.tr("The new language applies when genstudio starts again. Restart now?"),
                          parent=self._window)
        box.setObjectName("languageRestartBox")
        restart = box.addButton(self.tr("Restart now"), QMessageBox.ButtonRole.AcceptRole)
        box.addButton(self.tr("Later"), QMessageBox.ButtonRole.RejectRole)
        box.exec()
        return box.clickedButton() is restart


def restart_app(window: QWidget) -> bool:
    """Close the window the normal way (jobs stop, state is saved) and start the app again. False if it
    stayed open."""
    if not window.close():
        return False
    os.environ.pop(ENV, None)
    program, args = restart_command()
    started, _pid = QProcess.startDetached(program, args, os.getcwd())
    QCoreApplication.quit()
    return bool(started)
