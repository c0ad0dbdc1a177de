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
from studio.engine.messages import CATALOGUE, Message, os_reason, template_fields
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
            if context == i18n.ENGINE_CONTEXT:      # named fields; English's {n:plural:file/files} has no Chinese
                assert template_fields(source) == template_fields(text), (context, source, text)
                continue
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
        # What the engine says with numbers in it (frame labels, direction names) is a Message, translated by id.
        assert i18n.family_text(Message("frame.step", step=3, steps=20)) == "第 3/20 步"
        assert i18n.family_text(Message("direction.principal", index=2, percent=41.0)) == "主成分 2（方差占 41%）"
        assert i18n.option_label("guidance_rescale") == "引导重缩放"
        assert i18n.family_text("an unknown text") == "an unknown text"
        rollback = Message("training.rolled_back", bad_steps=20, step=100, lr_scale=0.25)
        assert i18n.engine_text(rollback) == "损失连续 20 步不是有限值：已回退到第 100 步，并把学习率减半（现为 x0.25）"
        # A direction named after the user's own word stays that word, even one the families use ("small").
        assert i18n.direction_title(LatentDirection("small", np.zeros(2, np.float32), kind="attribute")) == "small"
        z3 = LatentDirection(Message("direction.dimension", index=3, kl=0.52), np.zeros(2, np.float32))
        assert i18n.direction_title(z3) == "z3（KL 0.52）"
        assert i18n.metric_title("recon_mse") == "重建误差 (recon_mse)"
    finally:
        i18n.install_translators(i18n.ENGLISH)
    assert QCoreApplication.translate("MainWindow", "&File") == "&File"
    assert i18n.family_text(Message("frame.step", step=3, steps=20)) == "step 3/20"
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


# -- the engine's messages ----------------------------------------------------------------------------
def real_engine_errors(tmp_path) -> dict[str, Exception]:
    """Errors the engine really raises, by what went wrong."""
    import zipfile

    import torch

    from studio.engine.archive import ArchiveError, import_run
    from studio.engine.checkpoint import CheckpointError, load_checkpoint, save_checkpoint
    from studio.engine.data import DatasetError, load_dataset
    from studio.engine.families import get_family
    from studio.engine.families.base import ConfigError
    from studio.engine.run import Run, RunError
    from studio.engine.training import TrainConfig

    def message(kind, call, *args, **kwargs) -> Exception:
        with pytest.raises(kind) as info:
            call(*args, **kwargs)
        return info.value

    (tmp_path / "notes.png").write_text("shopping list: milk, eggs\n")
    junk = tmp_path / "junk"
    junk.mkdir()
    (junk / "a.png").write_text("not a picture\n")
    (junk / "b.jpg").write_bytes(b"")
    (tmp_path / "not-a-run").mkdir()
    checkpoint = save_checkpoint(tmp_path / "c.safetensors", {"w": torch.randn(1000)}, {"step": 3})
    checkpoint.write_bytes(checkpoint.read_bytes()[:2000])
    with zipfile.ZipFile(tmp_path / "evil.zip", "w") as zf:
        zf.writestr("../evil.json", "{}")
    return {
        "text file as an image": message(DatasetError, load_dataset, tmp_path / "notes.png", size=8),
        "folder of junk": message(DatasetError, load_dataset, junk, size=8),
        "not a run": message(RunError, Run.open, tmp_path / "not-a-run"),
        "truncated checkpoint": message(CheckpointError, load_checkpoint, checkpoint),
        "zip escaping": message(ArchiveError, import_run, tmp_path / "evil.zip", tmp_path / "runs"),
        "family config": message(ConfigError, get_family("gan").Config, z_dim=0),
        "train config": message(ConfigError, TrainConfig, batch_size=0),
    }


def test_real_engine_errors_read_in_chinese_with_their_names_and_numbers(chinese, tmp_path):
    errors = real_engine_errors(tmp_path)
    shown = {what: i18n.engine_text(error) for what, error in errors.items()}
    assert shown["not a run"] == i18n.engine_text(errors["not a run"].message)     # the error or its message
    notes = str(tmp_path / "notes.png")
    assert shown["text file as an image"] == f"'{notes}' 无法使用：不是图像（看起来是文本）"
    # A list of skipped files: each reason translated, each file name kept.
    assert shown["folder of junk"] == (f"'{tmp_path / 'junk'}' 中没有图像（跳过了 2 个文件：a.png: 不是图像（看起来是文本）; "
                                       "b.jpg: 空文件（0 字节））")
    assert shown["not a run"] == f"{tmp_path / 'not-a-run'}：不是 genstudio 训练运行文件夹（没有 config.json）"
    size, described = re.search(r"\((\d+) bytes, its header describes (\d+)\)", str(errors["truncated checkpoint"])).groups()
    assert size == "2000"
    assert shown["truncated checkpoint"] == (f"{tmp_path / 'c.safetensors'}：检查点不完整（2000 字节，而其文件头描述了 "
                                             f"{described} 字节）；它在复制或写入时被截断了")
    assert shown["zip escaping"] == f"{tmp_path / 'evil.zip'}：已拒绝：成员 '../evil.json' 指向压缩包之外（..）"
    assert shown["family config"] == "z_dim 必须在 1 到 1024 之间，而不是 0"
    assert shown["train config"] == "批大小至少为 1，而不是 0"
    # Training's warnings and failures, as the Trainer words them (a family's own warning goes through too).
    assert i18n.engine_text(Message("training.batch_lowered", batch_size=6, images=6)) == \
        "批大小已降为 6：数据集只有 6 张训练图像"
    assert i18n.engine_text(Message("training.diverged", rollbacks=3)).startswith("训练发散：回退 3 次后")
    assert i18n.engine_text(Message("gan.mode_collapse")).startswith("模式坍缩")
    # The operating system's reasons, whichever case the engine gives them in.
    denied = os_reason(OSError(13, "Permission denied"))
    assert i18n.engine_text(Message("run.cannot_create", path="/runs", reason=denied)) == "/runs：无法创建训练运行文件夹（权限不足）"
    assert i18n.engine_text(Message("skip.unreadable", reason=denied)) == "无法读取：权限不足"
    # Plain text stays as it is, and so does a reason the catalogue does not know, inside a message it does.
    assert i18n.engine_text("something else went wrong: 42") == "something else went wrong: 42"
    assert i18n.engine_text(Message("archive.refused", path="/x.zip", reason="a brand new reason")) == \
        "/x.zip：已拒绝：a brand new reason"
    assert i18n.engine_text(ValueError("not the engine's")) == "not the engine's"
    assert i18n.engine_text("") == ""


def test_engine_errors_stay_as_they_are_in_english(qapp, tmp_path):
    i18n.install_translators(i18n.ENGLISH)
    for error in real_engine_errors(tmp_path).values():
        assert i18n.engine_text(error) == str(error)
    denied = os_reason(OSError(13, "Permission denied"))
    for message in (Message("skip.unreadable", reason=denied), Message("archive.cannot_write", path="/runs", reason=denied)):
        assert i18n.engine_text(message) == message == str(message)
    assert i18n.engine_text("an unknown message") == "an unknown message"


def test_every_engine_message_has_a_finished_translation_with_its_placeholders(chinese):
    """Run scripts/update_translations.py and translate what it leaves unfinished when this fails: a message was
    added to studio/engine/messages.py, or its English changed."""
    translations = {m.findtext("comment"): (m.findtext("source"), m.find("translation"))
                    for c, m in ts_messages() if c == i18n.ENGINE_CONTEXT}
    assert len(CATALOGUE) > 250
    for id, template in CATALOGUE.items():
        assert id in translations, f"{id}: not in {TS.name}"
        source, translation = translations[id]
        assert source == template, f"{id}: the .ts has older English: {source!r}"
        assert translation.get("type") is None and translation.text, f"{id}: its translation is unfinished"
        assert template_fields(translation.text) == template_fields(template), (id, template, translation.text)
        assert QCoreApplication.translate(i18n.ENGINE_CONTEXT, template, id) == translation.text, f"{id}: not in the .qm"
    assert set(translations) == set(CATALOGUE), "the .ts has messages the catalogue no longer has"


def test_the_dataset_panel_shows_engine_messages_in_chinese(chinese, qtbot, tmp_path):
    from PIL import Image

    from studio.ui.panels.dataset import DatasetPanel

    panel = DatasetPanel(image_size=16)
    qtbot.addWidget(panel)
    panel.show()
    folder = tmp_path / "pictures"
    folder.mkdir()
    Image.new("RGB", (20, 20), (200, 40, 40)).save(folder / "red.png")
    (folder / "notes.png").write_text("shopping list: milk, eggs\n")
    with qtbot.waitSignal(panel.dataset_loaded, timeout=60_000):
        panel.load(str(folder))
    reason = panel.skipped_table.item(0, 1)
    assert panel.skipped_table.item(0, 0).text() == "notes.png"
    assert reason.text() == "不是图像（看起来是文本）"
    assert reason.toolTip() == "不是图像（看起来是文本）\nnot an image (looks like text)"
    assert "1 不是图像" in panel.summary_label.text()

    with qtbot.waitSignal(panel.load_failed, timeout=60_000) as failed:
        panel.load(str(folder / "notes.png"))
    assert failed.args[0] == f"'{folder / 'notes.png'}' 无法使用：不是图像（看起来是文本）"
    assert failed.args[0] in panel.message_label.text() and panel.message_frame.isVisible()
    assert "此数据集无法使用" in panel.message_label.text()         # the heading, not only the message


def test_the_training_panel_shows_warnings_and_failures_in_chinese(chinese, qtbot, tmp_path):
    from studio.engine.training import Failed, TrainingWarning
    from studio.ui.panels.training import TrainingPanel

    panel = TrainingPanel(QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat))
    qtbot.addWidget(panel)
    panel._on_job_yielded(TrainingWarning(12, Message("training.batch_lowered", batch_size=6, images=6)))
    assert panel.message_label.text() == "第 12 步：批大小已降为 6：数据集只有 6 张训练图像"
    panel._on_job_yielded(Failed(40, Message("training.out_of_memory", device="cuda:0", batch_size=64, size=64)))
    assert "在 cuda:0 上内存不足（批大小 64，64px）" in panel.message_label.text()
