"""The Compare step on real tiny runs: a VAE and a GAN trained 20 steps at 16 px on 60 two-class images,
evaluated with a feature network of a few steps in a tmp cache (no engine mocks)."""
import json
import os
import shutil
from pathlib import Path

import numpy as np
import pyqtgraph  # noqa: F401  Imported here, not first in the window's preload worker: a garbage collection on
import pytest     # the main thread while that worker imported pyqtgraph crashed the window tests of this file
from PIL import Image  # now and then (a segmentation fault; pyqtgraph/Qt/__init__.py on the worker's stack).

from studio.ui import i18n

TIMEOUT_MS = 120_000
N = 16


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    """(runs folder, dataset folder, the loaded dataset, [vae run, gan run], a run on other data)."""
    from studio.engine import TrainConfig, Trainer, get_family, load_dataset

    root = tmp_path_factory.mktemp("compare")
    data = root / "pictures"
    rng = np.random.default_rng(0)
    for label, base in (("dark", 50), ("light", 200)):
        (data / label).mkdir(parents=True)
        for i in range(30):
            cells = np.clip(base + rng.normal(0, 35, (4, 4, 3)), 0, 255).astype(np.uint8)
            Image.fromarray(cells.repeat(4, 0).repeat(4, 1)).save(data / label / f"{i}.png")
    dataset = load_dataset(str(data), size=16)
    folder = root / "runs"
    made = []
    for family in ("vae", "gan"):
        config = TrainConfig(steps=20, batch_size=16, precision="fp32", device="cpu", preview_seconds=0,
                             validate_seconds=0, seed=1, holdout=0.2)
        cls = get_family(family)
        trainer = Trainer(dataset, folder / family, family=family, family_config=cls.Config.from_preset("tiny"),
                          config=config)
        for _ in trainer.run():
            pass
        made.append(folder / family)
    other = folder / "vae-other"                       # the same run, said to be on other data
    shutil.copytree(folder / "vae", other)
    config = json.loads((other / "config.json").read_text())
    config["dataset"]["fingerprint"] = "something-else"
    (other / "config.json").write_text(json.dumps(config))
    return folder, data, dataset, made, other


def make_panel(qtbot, runs, tmp_path_factory):
    from studio.ui.panels.compare import ComparePanel

    folder, _data, dataset, _made, _other = runs
    panel = ComparePanel(runs_root=folder)
    panel.cache = tmp_path_factory.getbasetemp() / "compare-features"
    panel.feature_steps = 20
    panel.samples_spin.setValue(N)
    qtbot.addWidget(panel)
    panel.resize(1200, 900)
    panel.show()
    panel.set_dataset(dataset)
    return panel


def save_shots(qtbot, panel, folder: Path, language: str) -> None:
    """COMPARE_SHOTS=folder: the panel at a window's size, and the whole results page."""
    from PySide6.QtWidgets import QWidget

    folder.mkdir(parents=True, exist_ok=True)
    panel.resize(1070, 760)
    qtbot.wait(50)
    panel.grab().save(str(folder / f"compare_{language}_panel.png"))
    panel.findChild(QWidget, "compareResults").grab().save(str(folder / f"compare_{language}_results.png"))


def compare(qtbot, panel):
    job = panel.compare()
    assert job is not None
    with qtbot.waitSignal(panel.compared, timeout=TIMEOUT_MS):
        pass
    return panel.results


def test_the_run_list_keeps_to_one_dataset(qtbot, runs, tmp_path_factory):
    folder, _data, _dataset, made, other = runs
    panel = make_panel(qtbot, runs, tmp_path_factory)
    listed = set(panel.run_paths())
    assert listed == {str(p.resolve()) for p in made}           # the run on other data is not listed
    assert "1 on other data" in panel.filter_label.text()
    assert not panel.add_run(other)                              # nor added by hand next to a ticked run: said
    panel.set_checked(made[:1])
    assert not panel.add_run(other)
    assert "other data" in panel.message_label.text()
    panel.set_dataset(None)                                      # no dataset: the first ticked run's decides
    assert set(panel.run_paths()) == listed
    panel.set_checked([])
    assert len(panel.run_paths()) == 3


def test_two_runs_side_by_side_with_the_floor_the_strip_and_the_check(qtbot, runs, tmp_path_factory):
    _folder, _data, _dataset, made, _other = runs
    panel = make_panel(qtbot, runs, tmp_path_factory)
    panel.set_checked(made)
    results = compare(qtbot, panel)
    assert sorted(Path(r.path).name for r in results) == ["gan", "vae"] and all(r.evaluation for r in results)
    table = panel.table
    headers = [table.horizontalHeaderItem(c).text() for c in range(table.columnCount())]
    assert headers == ["Metric", *(Path(r.path).name for r in results), "Real images (floor)", "What it means"]
    rows = [table.item(row, 0).text() for row in range(table.rowCount())]
    assert {"KID", "Precision", "Recall", "Copies"} <= set(rows)
    kid = rows.index("KID")
    assert "±" in table.item(kid, table.floor_column).text()
    assert "indistinguishable" in table.item(kid, table.columnCount() - 1).text()
    assert len(panel.grids.cards) == 2 and not panel.grids.cards[0].pixmap().isNull()
    assert len(panel.strip.pairs) >= 2
    assert panel.check.passed in (True, False) and ("Passed" in panel.check.text() or "Not passed" in panel.check.text())
    assert "not measured during training" in panel.quality.note.text().lower()
    assert "average" in panel.notes.text() and "discriminator" in panel.notes.text()
    assert panel.summary() == "2 runs measured"
    # Export report writes the HTML page and its Markdown twin; a second export there asks before replacing.
    assert panel.export_button.isEnabled() and panel.comparison is not None
    out = tmp_path_factory.mktemp("report")
    html, md = panel.export_report(out)
    assert "data:image/png;base64," in Path(html).read_text(encoding="utf-8") and Path(md).is_file()
    assert panel.export_report(out, replace=False) is None
    # Saved beside each run; a second comparison reads them back (same step, same n), the strip's samples too.
    assert all((p / "evaluation.json").is_file() for p in made)
    results = compare(qtbot, panel)
    assert all(r.reused for r in results)
    assert all(p.sample is not None for r in results for p in r.pairs) and len(panel.strip.pairs) >= 2
    assert table.columnCount() == 5
    shots = os.environ.get("COMPARE_SHOTS")
    if shots:
        panel.again_check.setChecked(True)
        compare(qtbot, panel)
        save_shots(qtbot, panel, Path(shots), "en")


def test_a_run_whose_dataset_is_gone_says_what_to_do(qtbot, runs, tmp_path_factory):
    folder, data, _dataset, made, _other = runs
    gone = folder.parent / "gone-run"
    shutil.copytree(made[0], gone)
    config = json.loads((gone / "config.json").read_text())
    config["dataset"]["source"] = str(folder.parent / "no-such-folder")
    (gone / "config.json").write_text(json.dumps(config))
    (gone / "evaluation.json").unlink(missing_ok=True)
    panel = make_panel(qtbot, runs, tmp_path_factory)
    panel.set_dataset(None)                                  # not the current dataset: it has to be found
    panel.again_check.setChecked(True)
    assert panel.add_run(gone)
    panel.set_checked([gone])
    results = compare(qtbot, panel)
    assert results[0].error is not None
    assert panel.message_frame.isVisible()
    assert "not there any more" in panel.message_label.text() and "Data step" in panel.message_label.text()
    assert panel.placeholder.isVisible()


def test_headings_in_chinese(qtbot, runs, tmp_path_factory):
    i18n.install_translators("zh_CN")
    try:
        panel = make_panel(qtbot, runs, tmp_path_factory)
        from PySide6.QtWidgets import QLabel

        heading = panel.findChild(QLabel, "compareHeading")
        assert heading.text() == "比较"
        assert panel.findChild(QLabel, "compareScoresHeading").text() != "Scores against real images the runs never saw"
        shots = os.environ.get("COMPARE_SHOTS")
        if shots:
            _folder, _data, _dataset, made, _other = runs
            panel.set_checked(made)
            panel.again_check.setChecked(True)
            compare(qtbot, panel)
            save_shots(qtbot, panel, Path(shots), "zh_CN")
    finally:
        i18n.install_translators(i18n.ENGLISH)


def test_the_window_has_a_compare_step(make_window):
    from PySide6.QtGui import QKeySequence

    from studio.ui.main_window import COMPARE

    win = make_window()
    assert win.steps.count() == 6 and win.steps.item(COMPARE).text().startswith("6  Compare")
    action = win.step_actions[COMPARE]
    assert action.shortcut() == QKeySequence("Ctrl+6")
    action.trigger()
    assert win.pages.currentWidget() is win.compare_panel
    assert "Pick runs" in win.steps.item(COMPARE).text()


def test_the_window_compares_real_runs(make_window, qtbot, runs, tmp_path_factory):
    """The runs folder of the window lists the runs; Compare fills the page; the rail says so."""
    from studio.paths import runs_dir
    from studio.ui.main_window import COMPARE

    _folder, _data, dataset, made, _other = runs
    for run in made:
        shutil.copytree(run, runs_dir() / run.name)
    win = make_window()
    win.resize(1280, 820)
    panel = win.compare_panel
    panel.cache = tmp_path_factory.getbasetemp() / "compare-features"
    panel.feature_steps = 20
    panel.samples_spin.setValue(N)
    panel.again_check.setChecked(True)
    panel.set_dataset(dataset)
    panel.refresh_runs()
    assert len(panel.run_paths()) == 2
    panel.set_checked(panel.run_paths())
    win.show_step(COMPARE)
    compare(qtbot, panel)
    assert "2 runs measured" in win.steps.item(COMPARE).text()
    assert "step 20" in panel.table.horizontalHeaderItem(1).toolTip()
    shots = os.environ.get("COMPARE_SHOTS")
    if shots:
        qtbot.wait(50)
        Path(shots).mkdir(parents=True, exist_ok=True)
        win.grab().save(str(Path(shots) / "compare_window_en.png"))


def test_quality_measured_during_training_is_drawn(qtbot, runs, tmp_path_factory):
    """metrics.jsonl records with a "kid" (what the Trainer logs when it measures quality) become one curve per run."""
    folder, _data, _dataset, made, _other = runs
    measured = folder.parent / "measured-vae"
    if not measured.exists():
        shutil.copytree(made[0], measured)
        with open(measured / "metrics.jsonl", "a", encoding="utf-8") as f:
            for step, kid in ((5, 40.0), (10, 22.0), (20, 9.5)):
                f.write(json.dumps({"kind": "quality", "step": step, "kid": kid, "kid_std": 1.0}) + "\n")
    panel = make_panel(qtbot, runs, tmp_path_factory)
    assert panel.add_run(measured)
    panel.set_checked([measured, made[1]])
    compare(qtbot, panel)
    assert panel.quality.curves == {"measured-vae": ((5, 40.0), (10, 22.0), (20, 9.5))}
    assert panel.quality.note.text() == "Not measured during training: gan"
    shots = os.environ.get("COMPARE_SHOTS")
    if shots:
        from PySide6.QtWidgets import QWidget

        panel.resize(1070, 760)
        qtbot.wait(50)
        panel.findChild(QWidget, "compareResults").grab().save(str(Path(shots) / "compare_en_quality.png"))


def test_stop_cancels_the_comparison(qtbot, runs, tmp_path_factory):
    _folder, _data, _dataset, made, _other = runs
    panel = make_panel(qtbot, runs, tmp_path_factory)
    panel.again_check.setChecked(True)
    panel.set_checked(made)
    job = panel.compare()
    assert panel.stop_button.isEnabled() and not panel.compare_button.isEnabled()
    assert panel.summary() == "Measuring…"
    panel.stop_button.click()
    assert job.cancelled and panel.compare_button.isEnabled() and not panel.stop_button.isEnabled()
    assert panel.stop(30)


def test_train_each_family_runs_in_the_background_and_stop_keeps_the_run(qtbot, runs, tmp_path_factory):
    from studio.ui.panels.family import FamilyInfo

    panel = make_panel(qtbot, runs, tmp_path_factory)
    panel.set_families((FamilyInfo("vae", "VAE", "A VAE.", "Variational autoencoder.", ("latent",)),
                        FamilyInfo("gan", "GAN", "A GAN.", "Generative adversarial network.", ())))
    panel.family_checks["gan"].setChecked(False)
    job = panel.train_families()
    assert job is not None
    qtbot.waitUntil(lambda: "step" in panel.train_label.text(), timeout=60_000)   # a real Trainer, stepping
    panel.stop_training()
    assert job.wait(60)                       # cancelled: the Trainer saves what it has and the thread ends
    trained = [p for p in Path(panel.runs_root).iterdir() if p.name.startswith("vae-")]
    assert trained and all((p / "checkpoints" / "last.safetensors").is_file() for p in trained)
