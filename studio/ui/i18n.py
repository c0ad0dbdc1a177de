"""Which language the UI speaks: translator loading, the language choice and the View ▸ Language menu.

The UI's own strings go through tr() and come from `translations/genstudio_<locale>.qm`
(made by scripts/update_translations.py). The engine knows nothing of Qt, so what the
families say about themselves (titles, descriptions, option help) is plain English;
`family_text()` translates it where it is shown, in the "families" context that the update
script fills from the registry. What the engine says to the user (its errors, why a file was
skipped, training warnings and failures, frame labels, latent direction names) is a `Message`:
English text for the CLI and the logs, with a message id and arguments. `engine_text()` shows it
in the UI's language: the translation of its English template, looked up in the "engine" context
by template and id, filled with the same arguments (nested messages translated in turn).

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

from studio.engine import CATALOGUE, Message, format_template, message_of

TRANSLATIONS_DIR = Path(__file__).resolve().parent / "translations"
SETTING = "ui/language"
ENV = "GENSTUDIO_LANG"
SYSTEM = ""                       # the setting's value for "follow the system locale"
ENGLISH = "en"
FAMILY_CONTEXT = "families"
ENGINE_CONTEXT = "engine"

# Each language's own name, never translated: a person who cannot read the current one still finds theirs.
LANGUAGE_NAMES = {ENGLISH: "English", "zh_CN": "简体中文"}

# The metric keys the families log, shown as loss chart titles (metric_title()).
METRIC_KEYS: tuple[str, ...] = (
    "loss", "recon_mse", "kl", "beta", "bpd", "bits_per_dim", "d_loss", "g_loss", "d_real", "d_fake", "gp",
    "adv", "g_adv", "fm", "adv_weight", "perplexity", "dead_codes", "commitment", "prior_bits", "stage",
    "palette_bpd", "latent_loss", "r1",
    "cls_loss", "cls_acc_low", "cls_acc_mid", "cls_acc_high",
)

# Words the families show that are names rather than messages (a frame's extra image sets, the metric keys):
# scripts/update_translations.py puts these and the registry's own texts (titles, summaries, descriptions,
# model presets, sample options) in the "families" context.
FAMILY_MESSAGES: tuple[str, ...] = ("input", "reconstruction", "latent", *METRIC_KEYS)

_installed: list[QTranslator] = []      # kept alive: Qt does not own installed translators


def family_text(text: str) -> str:
    """A family's own English text (title, description, option help...) in the UI's language; a Message (a
    frame label, a latent direction's name or help) goes through engine_text()."""
    if isinstance(text, Message):
        return engine_text(text)
    if not text:
        return text
    return QCoreApplication.translate(FAMILY_CONTEXT, text)


def engine_text(message) -> str:
    """What the engine says (an error, why a file was skipped, a training warning or failure, a frame label) in
    the UI's language, its paths, names and numbers as they were. Takes a Message, an exception carrying one
    (shown by its message), or plain text, which stays as it is (so does any other exception's text)."""
    if isinstance(message, BaseException):
        message = message_of(message)
    if not isinstance(message, Message):
        return message if isinstance(message, str) else str(message)
    template = QCoreApplication.translate(ENGINE_CONTEXT, CATALOGUE[message.id], message.id)
    args = {name: _shown(value) for name, value in message.args.items()}
    try:
        return format_template(template, args)
    except (KeyError, IndexError, ValueError):      # a translation naming an argument the message lacks
        return str(message)


def _shown(value):
    """A message's argument as the translation shows it: nested messages translated in turn."""
    if isinstance(value, Message):
        return engine_text(value)
    if isinstance(value, tuple) and value and all(isinstance(item, Message) for item in value):
        return "; ".join(engine_text(item) for item in value)
    return value


def direction_title(direction) -> str:
    """A latent direction's name for its slider: the family's words (a Message) translated, the user's own
    (an "attribute" direction is named after a label or caption word, e.g. "small") as they are."""
    return engine_text(direction.name)


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
