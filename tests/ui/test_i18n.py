"""Translations: the Chinese .qm loads and translates, the .ts is complete, English comes back, the menu."""
import os
import re
import sys
import xml.etree.ElementTree as ET

import numpy as np
import pytest
from PySide6.QtCore import QCoreApplication, QSettings
from PySide6.QtWidgets import QMenu, QMessageBox

from studio.engine.families.base import LatentDirection
from studio.ui import i18n

TS = i18n.TRANSLATIONS_DIR / "genstudio_zh_CN.ts"
PLACEHOLDER = re.compile(r"\{[^}]*\}|%n|%\d")


@pytest.fixture
def chinese(qapp):
    """The UI in Simplified Chinese for one test; English again afterwards, whatever happens."""
    i18n.install_translators("zh_CN")
    yield
    i18n.install_translators(i18n.ENGLISH)


def ts_messages():
    root = ET.parse(TS).getroot()
    for context in root.iter("context"):
        for message in context.iter("message"):
            yield context.findtext("name"), message


def test_every_message_in_the_ts_is_finished_and_keeps_its_placeholders():
    messages = list(ts_messages())
    assert len(messages) > 300
    for context, message in messages:
        source = message.findtext("source")
        translation = message.find("translation")
        assert translation.get("type") is None, f"{context}: {source!r} is {translation.get('type')}"
        forms = [f.text for f in translation.iter("numerusform")] or [translation.text]
        for text in forms:
            assert text and text.strip(), f"{context}: {source!r} has an empty translation"
            assert sorted(PLACEHOLDER.findall(source)) == sorted(PLACEHOLDER.findall(text)), (context, source, text)
            if "&" in source and not source.startswith("<"):            # keyboard accelerators survive
                assert re.search(r"&\w", text), (context, source, text)


def test_the_families_own_texts_are_in_the_ts():
    """Run scripts/update_translations.py when this fails: a family's text changed and lupdate cannot see it."""
    from studio.engine.families import all_families

    sources = {m.findtext("source") for c, m in ts_messages() if c == i18n.FAMILY_CONTEXT}
    for family in all_families():
        for text in (family.title, family.summary, family.description, *family.Config.presets):
            assert text in sources, f"{family.name}: {text!r} is not in {TS.name}"
        for option in family.sample_options():
            assert option.help in sources, f"{family.name}: {option.help!r} is not in {TS.name}"


def test_the_qm_loads_and_translates_then_english_comes_back(qapp):
    assert i18n.install_translators("zh_CN").name() == "zh_CN"
    try:
        assert QCoreApplication.translate("MainWindow", "&File") == "文件(&F)"
        assert QCoreApplication.translate("TrainingPanel", "Learning rate") == "学习率"
        assert QCoreApplication.translate("QPlatformTheme", "Cancel") == "取消"      # Qt's own dialog buttons
        assert i18n.family_text("Diffusion model") == "扩散模型"
        # Texts the engine formats with numbers go through their template.
        assert i18n.family_text("step 3/20") == "第 3/20 步"
        assert i18n.family_text("PC2 (41% of variance)") == "主成分 2（方差占 41%）"
        assert i18n.option_label("guidance_rescale") == "引导重缩放"
        assert i18n.family_text("an unknown text") == "an unknown text"
        rollback = "losses were not finite for 20 steps in a row: rolled back to step 100 and halved the learning rate"
        assert i18n.family_text(rollback + " (now x0.25)") == "损失连续 20 步不是有限值：已回退到第 100 步，并把学习率减半（现为 x0.25）"
        # A direction named after the user's own word stays that word, even one the families use ("small").
        assert i18n.direction_title(LatentDirection("small", np.zeros(2, np.float32), kind="attribute")) == "small"
        assert i18n.direction_title(LatentDirection("z3 (KL 0.52)", np.zeros(2, np.float32))) == "z3（KL 0.52）"
        assert i18n.metric_title("recon_mse") == "重建误差 (recon_mse)"
    finally:
        i18n.install_translators(i18n.ENGLISH)
    assert QCoreApplication.translate("MainWindow", "&File") == "&File"
    assert i18n.family_text("step 3/20") == "step 3/20"
    try:                           # Singapore's Simplified Chinese reads zh_CN's; Taiwan's Traditional does not
        i18n.install_translators("zh_SG")
        assert QCoreApplication.translate("MainWindow", "&File") == "文件(&F)"
        i18n.install_translators("zh_TW")
        assert QCoreApplication.translate("MainWindow", "&File") == "&File"
    finally:
        i18n.install_translators(i18n.ENGLISH)
    assert i18n.option_label("guidance_rescale") == "Guidance rescale"
    assert i18n.metric_title("recon_mse") == "recon_mse"


def test_language_choice_order(monkeypatch, tmp_path):
    settings = QSettings(str(tmp_path / "s.ini"), QSettings.Format.IniFormat)
    monkeypatch.delenv(i18n.ENV, raising=False)
    assert i18n.chosen_language(settings) == i18n.SYSTEM
    settings.setValue(i18n.SETTING, "en")
    assert i18n.chosen_language(settings) == "en"
    assert i18n.chosen_language(settings, ["--lang", "zh_CN"]) == "zh_CN"
    assert i18n.chosen_language(settings, ["-platform", "offscreen", "--lang=zh_CN"]) == "zh_CN"
    monkeypatch.setenv(i18n.ENV, "zh_CN")
    assert i18n.chosen_language(settings, ["--lang", "en"]) == "zh_CN"


def test_window_in_chinese(chinese, make_window):
    win = make_window()
    titles = [menu.title() for menu in win.menuBar().findChildren(QMenu) if menu.parent() is win.menuBar()]
    assert "文件(&F)" in titles and "视图(&V)" in titles
    assert win.open_action.text() == "打开数据集(&O)…"
    card = win.family_panel.cards()[0]
    assert card.accessibleName() == i18n.family_text(card.info.title) != card.info.title


def test_language_menu_saves_the_choice_and_offers_a_restart(make_window, monkeypatch):
    win = make_window()
    menu = win.language_menu
    assert [a.text() for a in menu.actions()] == ["System default", "English", "简体中文"]
    assert menu.group.checkedAction().data() == i18n.SYSTEM
    monkeypatch.delenv(i18n.ENV, raising=False)
    asked = []
    monkeypatch.setattr(type(menu), "ask_restart", lambda self: asked.append(True) or False)
    menu.findChild(type(win.open_action), "languageAction_zh_CN").trigger()
    assert win._settings.value(i18n.SETTING) == "zh_CN"
    assert asked == [True] and win.isVisible()          # "Later": the window stays

    # While training runs it only says when the change applies: no restart offered.
    told = []
    with monkeypatch.context() as busy:             # undone before the window closes (it would ask to stop)
        busy.setattr(QMessageBox, "information", lambda *args: told.append(args[2]))
        busy.setattr(type(win.training_panel), "is_training", property(lambda self: True))
        menu.findChild(type(win.open_action), "languageAction_en").trigger()
    assert win._settings.value(i18n.SETTING) == "en"
    assert asked == [True] and "training is running" in told[0]

    # "Restart now": the window closes the normal way, then the app starts again.
    started = []
    monkeypatch.setattr(type(menu), "ask_restart", lambda self: True)
    monkeypatch.setattr(i18n.QProcess, "startDetached", lambda *args: started.append(args) or (True, 1))
    monkeypatch.setattr(i18n.QCoreApplication, "quit", lambda: None)
    menu.findChild(type(win.open_action), "languageAction_zh_CN").trigger()
    assert not win.isVisible()
    assert started == [(sys.executable, ["-m", "studio"], os.getcwd())]


def test_restart_command_starts_the_app_module():
    program, args = i18n.restart_command()
    assert args == ["-m", "studio"] and program
