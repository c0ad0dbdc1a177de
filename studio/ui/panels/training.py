"""Training: presets and settings, Train / Pause / Resume / Stop / Save now / Sample now, progress, losses.

The Trainer (studio.engine.training) runs in a `Job`: its events arrive here as
queued signals, its controls (`pause()`, `request_stop()`, ...) are thread-safe
flags. The panel knows nothing of families beyond the contract: the model size
presets it offers are the family config's own, the loss keys it plots are
whatever `train_step` returns.

Signals tell the window what happened; the window hands previews to the
preview panel and the trained model to Explore (`model_changed`):
- paused, stopped, completed → the live family (sampling while paused is safe:
  no training step runs until Resume, and Resume first takes the model back);
- Resume or Start → None.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable

from PySide6.QtCore import QCoreApplication, QEvent, QSettings, Qt, Signal, Slot
from PySide6.QtGui import QColor, QPalette
from PySide6.QtWidgets import (
    QAbstractButton, QButtonGroup, QCheckBox, QComboBox, QDoubleSpinBox, QFormLayout, QHBoxLayout, QLabel, QMessageBox,
    QProgressBar, QPushButton, QSpinBox, QStyle, QVBoxLayout, QWidget,
)
from superqt import QCollapsible
from superqt.utils import signals_blocked

from studio.engine import events as ev
from studio.engine import RECIPES, Message, Recipe, check_mirror, recipe_preset
from studio.ui.i18n import engine_text, family_text
from studio.ui.panels.family import FamilyInfo
from studio.ui.widgets.loss_plot import LossPlot
from studio.ui.widgets.styling import glyph_icon, make_heading, small_heading, vertical_scroll
from studio.ui.workers import Job

if TYPE_CHECKING:
    from studio.engine import SpeedEstimate

translate = QCoreApplication.translate     # translate(context, text): lupdate finds these calls

log = logging.getLogger(__name__)

IMAGE_SIZES = (16, 32, 64, 128)
STOP_TIMEOUT_S = 60.0



# --- presets --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Preset:
    """A one-click recipe as the page shows it; what it sets is the engine's Recipe (studio/engine/training/plan.py)."""

    name: str
    title: str
    explanation: str

    @property
    def recipe(self) -> Recipe:
        return RECIPES[self.name]

    @property
    def minutes(self) -> int:
        return self.recipe.minutes

    @property
    def image_size(self) -> int:
        return self.recipe.image_size


def presets() -> tuple[Preset, ...]:
    return (
        Preset("quick", translate("TrainingPanel", "Quick"),
               translate("TrainingPanel", "The smallest model for 2 minutes at 32 px: see it learn right away.")),
        Preset("balanced", translate("TrainingPanel", "Balanced"),
               translate("TrainingPanel", "A mid-sized model for 15 minutes at 32 px.")),
        Preset("quality", translate("TrainingPanel", "Quality"),
               translate("TrainingPanel", "The largest model for an hour at 64 px; a GPU helps a lot.")),
    )


def model_preset_for(preset: Preset, family_presets: tuple[str, ...], overrides: dict[str, str] | None = None,
                     timed: dict[int, str] | None = None) -> str | None:
    """The family's own model preset that a recipe asks for (the engine's choice: recipes.recipe_preset);
    `overrides` and `timed` are the family's choices on a CPU (cpu_recipe_presets, cpu_timed_presets)."""
    return recipe_preset(preset.recipe, tuple(family_presets), overrides, timed)


@dataclass(frozen=True)
class Settings:
    """What the form says: plain values the Trainer's configs are built from."""

    model_preset: str | None
    image_size: int
    batch_size: int
    length: int
    unit: str                   # "minutes" | "steps"
    lr: float
    precision: str
    device: str
    seed: int
    preview_seconds: float = 10.0
    mirror: bool = False        # random left-right flips of the training images

    def train_config_values(self) -> dict[str, Any]:
        length = {"minutes": float(self.length), "steps": None} if self.unit == "minutes" else \
            {"steps": int(self.length), "minutes": None}
        return dict(batch_size=self.batch_size, lr=self.lr, precision=self.precision, device=self.device,
                    seed=self.seed, mirror=self.mirror, leave_core_for_ui=True, preview_seconds=self.preview_seconds,
                    validate_seconds=max(5.0, self.preview_seconds), **length)


# --- engine work, in Jobs ---------------------------------------------------------------------------


def read_devices() -> list[tuple[str, str]]:
    """(device id, label) for the device menu: automatic, each CUDA GPU by name, Apple GPU, the CPU."""
    from studio.engine import available_devices

    return [(device, device_label(device, name)) for device, name in available_devices()]


def device_label(device: str, name: str) -> str:
    if device == "auto":
        return translate("TrainingPanel", "Automatic: {0}").format(name)
    if device.startswith("cuda:"):
        return translate("TrainingPanel", "GPU {0}: {1}").format(device.removeprefix("cuda:"), name)
    if device == "mps":
        return translate("TrainingPanel", "Apple GPU (MPS)")
    return translate("TrainingPanel", "CPU: {0}").format(name)


def measure_speed(dataset, family: str, settings: Settings, *, progress=None,
                  cancel: Callable[[], bool] = lambda: False) -> SpeedEstimate | None:
    """The engine's speed measurement at what the form says; runs in a Job (which passes progress and cancel)."""
    from studio.engine import TrainConfig, measure_speed as measure

    return measure(dataset, family, TrainConfig(**settings.train_config_values()),
                   model_preset=settings.model_preset, cancel=cancel)


def describe_estimate(estimate: SpeedEstimate) -> str:
    return translate("TrainingPanel", "About {0} per 1000 steps on {1} ({2}), "
                                      "measured over {3} real steps at batch {4}, {5} px.").format(
        format_duration(estimate.seconds_per_step * 1000), estimate.device, estimate.device_name,
        estimate.steps_measured, estimate.batch_size, estimate.image_size)


def format_duration(seconds: float | None) -> str:
    if seconds is None or seconds != seconds:
        return "–"
    seconds = int(round(seconds))
    if seconds < 60:
        return translate("TrainingPanel", "{0} s").format(seconds)
    if seconds < 3600:
        return translate("TrainingPanel", "{0} min {1:02d} s").format(seconds // 60, seconds % 60)
    return translate("TrainingPanel", "{0} h {1:02d} min").format(seconds // 3600, seconds % 3600 // 60)


# --- the panel ---------------------------------------------------------------------------------------


class TrainingPanel(QWidget):
    """Settings, controls, progress and the loss plot of one training run at a time."""

    state_changed = Signal(str)              # "idle" | "starting" | "running" | "pausing" | "paused" | "stopping"
    image_size_changed = Signal(int)         # the dataset must be loaded at this size
    training_started = Signal(object)        # engine Started event
    progressed = Signal(object)              # engine Progress event
    preview_arrived = Signal(int, object)    # (step, Frame)
    checkpoint_saved = Signal(str)           # path
    training_finished = Signal(object)       # engine TrainResult
    training_failed = Signal(object)         # the exception that stopped training (the Trainer keeps its model)
    model_changed = Signal(object, object)   # (family or None, its Provenance or None)
    message_changed = Signal(str)            # a line for the status bar
    settings_changed = Signal()              # a setting that changes the training speed changed

    def __init__(self, settings: QSettings, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("trainingPanel")
        self._settings = settings
        self._family: FamilyInfo | None = None
        self._dataset = None
        self._mirror = None                      # check_mirror of the dataset: does it have a handedness?
        self._resume_dir: str | None = None
        self._resume_step = 0
        self._held: str | None = None           # why Train is off: another process trains the opened run
        self._followed_seconds = 0.0            # that run's training time, from its metrics
        self.followed_summary = ""              # where that run stands, in a few words (the steps rail shows it)
        self._recipe_model: str | None = None   # the model size the checked recipe last picked
        self._trainer = None
        self._job: Job | None = None
        self._hash_job: Job | None = None
        self._state = "idle"
        self.last_checkpoint: str | None = None
        self.step = 0
        self.outcome: str | None = None     # how the last training ended: completed, stopped or failed

        self.loss_plot = LossPlot()     # the panel feeds it; the window places it (beside the preview)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(10, 10, 6, 10)
        layout.addWidget(self._build_controls())
        self._restore_settings()
        self._update_controls()

    # --- building ---

    def _build_controls(self) -> QWidget:
        box = QWidget()
        layout = QVBoxLayout(box)
        layout.setContentsMargins(0, 0, 0, 0)
        heading = make_heading(QLabel(self.tr("Train")))
        heading.setObjectName("trainingHeading")
        self.readiness_label = QLabel()
        self.readiness_label.setObjectName("trainingReadiness")
        self.readiness_label.setWordWrap(True)
        self.readiness_label.setForegroundRole(QPalette.ColorRole.PlaceholderText)
        layout.addWidget(heading)
        layout.addWidget(self.readiness_label)
        layout.addLayout(self._build_presets())
        layout.addWidget(self._build_advanced())
        layout.addLayout(self._build_buttons())
        layout.addWidget(self._build_progress())
        layout.addStretch(1)
        return vertical_scroll(box, "trainingScroll", self.tr("Training settings and controls"))

    def _build_presets(self) -> QVBoxLayout:
        column = QVBoxLayout()
        column.addWidget(small_heading(self.tr("Preset"), "presetHeading"))
        row = QHBoxLayout()
        self.preset_group = QButtonGroup(self)
        self.preset_buttons: dict[str, QPushButton] = {}
        for preset in presets():
            button = QPushButton(preset.title)
            button.setCheckable(True)
            button.setObjectName(f"presetButton_{preset.name}")
            button.setAccessibleName(self.tr("{0} preset").format(preset.title))
            button.setAccessibleDescription(preset.explanation)
            button.setToolTip(preset.explanation)
            button.setProperty("preset", preset.name)
            self.preset_group.addButton(button)
            self.preset_buttons[preset.name] = button
            row.addWidget(button)
        self.preset_group.buttonClicked.connect(self._on_preset_group_clicked)
        column.addLayout(row)
        self.preset_label = QLabel()
        self.preset_label.setObjectName("presetExplanation")
        self.preset_label.setWordWrap(True)
        column.addWidget(self.preset_label)
        return column

    def _build_advanced(self) -> QWidget:
        form_widget = QWidget()
        form = QFormLayout(form_widget)
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.ExpandingFieldsGrow)
        self.model_combo = self._combo("modelPresetCombo", self.tr("Model size"),
                                       self.tr("The family's model size preset: bigger learns more, slower"))
        self.size_combo = self._combo("imageSizeCombo", self.tr("Image size"),
                                      self.tr("Images are scaled and centre-cropped to this many pixels a side"))
        for size in IMAGE_SIZES:
            self.size_combo.addItem(self.tr("{0} × {0} px").format(size), size)
        self.size_combo.currentIndexChanged.connect(self._on_size_combo_changed)
        self.batch_spin = self._spin(QSpinBox(), "batchSpin", self.tr("Batch size"),
                                     self.tr("Images per training step"), 1, 1024, 64)
        self.length_spin = self._spin(QSpinBox(), "lengthSpin", self.tr("Training length"),
                                      self.tr("How long to train (a run can be continued later)"), 1, 10_000_000, 2)
        self.unit_combo = self._combo("lengthUnitCombo", self.tr("Training length unit"),
                                      self.tr("Train for a number of minutes or of steps"))
        self.unit_combo.addItem(self.tr("minutes"), "minutes")
        self.unit_combo.addItem(self.tr("steps"), "steps")
        length_row = QHBoxLayout()
        length_row.addWidget(self.length_spin, 1)
        length_row.addWidget(self.unit_combo)
        self.lr_spin = self._spin(QDoubleSpinBox(), "learningRateSpin", self.tr("Learning rate"),
                                  self.tr("Step size of the optimizer (AdamW); the family suggests one"),
                                  1e-6, 1.0, 1e-3)
        self.lr_spin.setDecimals(6)
        self.lr_spin.setSingleStep(1e-4)
        self.precision_combo = self._combo("precisionCombo", self.tr("Precision"), self.tr(
            "Automatic uses bf16 where the hardware is fast at it (recent GPUs; CPUs with AVX512-BF16 or AMX where "
            "a short timing, once per machine, found it faster), else fp32"))
        for value, text in (("auto", self.tr("Automatic")), ("fp32", "fp32"), ("bf16", "bf16"), ("fp16", "fp16")):
            self.precision_combo.addItem(text, value)
        self.device_combo = self._combo("deviceCombo", self.tr("Device"),
                                        self.tr("Where to train; Automatic picks a GPU when there is one"))
        self.device_combo.addItem(self.tr("Automatic"), "auto")
        self.seed_spin = self._spin(QSpinBox(), "seedSpin", self.tr("Seed"),
                                    self.tr("The same seed, settings and data train the same model"), 0, 2**31 - 1, 0)
        for combo in (self.model_combo, self.size_combo, self.precision_combo, self.device_combo):
            combo.currentIndexChanged.connect(self._on_setting_changed)
        self.device_combo.currentIndexChanged.connect(self._on_device_combo_changed)
        self.batch_spin.valueChanged.connect(self._on_setting_changed)
        self.mirror_check = QCheckBox(self.tr("Mirror images"))
        self.mirror_check.setObjectName("mirrorCheck")
        self.mirror_check.setAccessibleName(self.tr("Mirror images"))
        mirror_help = self.tr("Random left-right flips while training: more variety for faces, objects, landscapes; "
                              "wrong for text, digits, anything with a handedness.")
        self.mirror_check.setToolTip(mirror_help)
        self.mirror_check.setAccessibleDescription(mirror_help)
        mirror_label = QLabel(mirror_help)
        mirror_label.setObjectName("mirrorExplanation")
        mirror_label.setWordWrap(True)
        mirror_label.setForegroundRole(QPalette.ColorRole.PlaceholderText)
        form.addRow(self.tr("Model size"), self.model_combo)
        form.addRow(self.tr("Image size"), self.size_combo)
        form.addRow(self.tr("Batch size"), self.batch_spin)
        form.addRow(self.tr("Train for"), length_row)
        form.addRow(self.tr("Learning rate"), self.lr_spin)
        form.addRow(self.tr("Precision"), self.precision_combo)
        form.addRow(self.tr("Device"), self.device_combo)
        form.addRow(self.tr("Seed"), self.seed_spin)
        self.mirror_warning = QLabel()          # flips on, and the dataset has a handedness (studio.engine.mirror)
        self.mirror_warning.setObjectName("mirrorWarning")
        self.mirror_warning.setWordWrap(True)
        palette = self.mirror_warning.palette()
        palette.setColor(QPalette.ColorRole.WindowText, QColor("#d64541"))      # the red of _show_message
        self.mirror_warning.setPalette(palette)
        self.mirror_warning.hide()
        self.mirror_check.toggled.connect(self._update_mirror_warning)
        form.addRow(self.tr("Augmentation"), self.mirror_check)
        form.addRow("", mirror_label)
        form.addRow("", self.mirror_warning)
        self.advanced = QCollapsible(self.tr("Advanced settings"))
        self.advanced.setObjectName("advancedSettings")
        self.advanced.setAccessibleName(self.tr("Advanced settings"))
        self.advanced.addWidget(form_widget)
        toggle = getattr(self.advanced, "_toggle_btn", None)      # superqt's header button: name it
        if toggle is not None:
            toggle.setObjectName("advancedSettingsToggle")
            toggle.setAccessibleName(self.tr("Show or hide the advanced settings"))
        return self.advanced

    def _combo(self, name: str, accessible: str, tip: str) -> QComboBox:
        combo = QComboBox()
        combo.setObjectName(name)
        combo.setAccessibleName(accessible)
        combo.setToolTip(tip)
        return combo

    def _spin(self, spin, name: str, accessible: str, tip: str, low, high, value):
        spin.setObjectName(name)
        spin.setAccessibleName(accessible)
        spin.setToolTip(tip)
        spin.setRange(low, high)
        spin.setValue(value)
        return spin

    def _build_buttons(self) -> QVBoxLayout:
        style = self.style()
        self.train_button = self._button("trainButton", self.tr("Train"), self.tr("Start training (Ctrl+T)"),
                                         glyph_icon(self, QStyle.StandardPixmap.SP_MediaPlay))
        self.train_button.setDefault(True)
        self.train_button.clicked.connect(self.toggle_training)
        self.stop_button = self._button("stopButton", self.tr("Stop"), self.tr("Stop and save (Ctrl+.)"),
                                        glyph_icon(self, QStyle.StandardPixmap.SP_MediaStop))
        self.stop_button.clicked.connect(self.stop_training)
        self.save_button = self._button("saveNowButton", self.tr("Save now"), self.tr("Write a checkpoint now"),
                                        style.standardIcon(QStyle.StandardPixmap.SP_DialogSaveButton))
        self.save_button.clicked.connect(self.save_now)
        self.sample_button = self._button("sampleNowButton", self.tr("Sample now"),
                                          self.tr("Show a preview now instead of waiting for the next one"),
                                          style.standardIcon(QStyle.StandardPixmap.SP_FileDialogContentsView))
        self.sample_button.clicked.connect(self.sample_now)
        self.new_run_button = self._button("newRunButton", self.tr("New run"),
                                           self.tr("Start a new run instead of continuing this one"),
                                           style.standardIcon(QStyle.StandardPixmap.SP_FileIcon))
        self.new_run_button.clicked.connect(self._on_new_run_button_clicked)
        rows = QVBoxLayout()                  # two short rows: the panel stays narrow beside the preview
        for buttons in ((self.train_button, self.stop_button, self.new_run_button),
                        (self.save_button, self.sample_button)):
            row = QHBoxLayout()
            for button in buttons:
                row.addWidget(button)
            row.addStretch(1)
            rows.addLayout(row)
        return rows

    def _button(self, name: str, text: str, tip: str, icon) -> QPushButton:
        button = QPushButton(icon, text)
        button.setObjectName(name)
        button.setAccessibleName(text)
        button.setToolTip(tip)
        return button

    def _build_progress(self) -> QWidget:
        box = QWidget()
        column = QVBoxLayout(box)
        column.setContentsMargins(0, 4, 0, 0)
        self.progress_bar = QProgressBar()
        self.progress_bar.setObjectName("trainingProgressBar")
        self.progress_bar.setAccessibleName(self.tr("Training progress"))
        self.progress_bar.setRange(0, 1000)
        self.progress_bar.setValue(0)
        self.progress_bar.setFormat(self.tr("Not started"))
        self.progress_bar.setTextVisible(True)
        self.rate_label = QLabel()
        self.rate_label.setObjectName("trainingRate")
        self.device_label = QLabel()
        self.device_label.setObjectName("trainingDevice")
        self.device_label.setWordWrap(True)
        self.device_label.setForegroundRole(QPalette.ColorRole.PlaceholderText)
        self.augmentation_label = QLabel()
        self.augmentation_label.setObjectName("trainingAugmentation")
        self.augmentation_label.setWordWrap(True)
        self.augmentation_label.setForegroundRole(QPalette.ColorRole.PlaceholderText)
        self.message_label = QLabel()
        self.message_label.setObjectName("trainingMessage")
        self.message_label.setWordWrap(True)
        self.message_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.message_label.hide()
        column.addWidget(self.progress_bar)
        column.addWidget(self.rate_label)
        self.follow_label = QLabel()            # the state of a run another process trains (show_followed)
        self.follow_label.setObjectName("followLabel")
        self.follow_label.setWordWrap(True)
        self.follow_label.hide()
        column.addWidget(self.follow_label)
        column.addWidget(self.device_label)
        column.addWidget(self.augmentation_label)
        column.addWidget(self.message_label)
        return box

    # --- inputs from the window ---

    @Slot(object)
    def set_family(self, info: FamilyInfo | None) -> None:
        """The family to train (its model presets fill the Model size menu)."""
        self._family = info
        with signals_blocked(self.model_combo):
            self.model_combo.clear()
            for name in (info.presets if info else ()):
                self.model_combo.addItem(family_text(name), name)
        if info is not None:
            self._apply_family_defaults(info)
        preset = self.preset_group.checkedButton()
        if preset is not None:
            self._select_model_for(preset.property("preset"))
        self._update_controls()

    @Slot(object)
    def set_dataset(self, dataset) -> None:
        self._dataset = dataset
        self._mirror = None if dataset is None else check_mirror(dataset.images, dataset.labels, dataset.label_names)
        self._update_mirror_warning()
        self._update_controls()

    @Slot()
    def _update_mirror_warning(self) -> None:
        """Under the Mirror images box, while it is ticked: what flips would do to this dataset, in short (the
        engine's whole message in the tooltip; the run says it again when it starts)."""
        check = self._mirror
        warning = check.warning() if check is not None and self.mirror_check.isChecked() else None
        if warning is None:
            self.mirror_warning.clear()
        elif check.classes:
            names = ", ".join(f"'{name}'" for name in check.classes[:3])
            self.mirror_warning.setText(self.tr(
                "⚠ This dataset has a handedness: flipped, {0:.0%} of its images look unlike the rest, most of all "
                "{1}. The model will learn to draw them mirrored.").format(check.changed, names))
        else:
            self.mirror_warning.setText(self.tr(
                "⚠ This dataset has a handedness: flipped, {0:.0%} of its images look unlike the rest. The model "
                "will learn to draw them mirrored.").format(check.changed))
        self.mirror_warning.setToolTip(engine_text(warning) if warning is not None else "")
        self.mirror_warning.setVisible(warning is not None)
        if self.advanced.isExpanded():          # the collapsible keeps the height it had: make room, or give it back
            self.advanced.expand(animate=False)

    def set_devices(self, devices: list[tuple[str, str]]) -> None:
        saved = self._settings.value("training/device", "auto", type=str)
        with signals_blocked(self.device_combo):
            self.device_combo.clear()
            for value, text in devices:
                self.device_combo.addItem(text, value)
            index = self.device_combo.findData(saved)
            self.device_combo.setCurrentIndex(max(0, index))
        self._repick_model_for_device()                           # now known: whether a GPU trains

    def continue_run(self, run_dir: str | None, step: int = 0, image_size: int | None = None) -> None:
        """Make Train continue this run folder (None: start new runs again)."""
        self._resume_dir, self._resume_step = run_dir, step
        if image_size in IMAGE_SIZES:
            self.size_combo.setCurrentIndex(IMAGE_SIZES.index(image_size))
        self._update_controls()

    @property
    def resume_dir(self) -> str | None:
        return self._resume_dir

    # --- a run another process trains (the window's RunFollower reads it) ---

    def show_followed(self, update) -> None:
        """Show where a run trained elsewhere stands (an engine FollowUpdate): progress, rate and state. While
        another process holds the run, Train is off and says why."""
        state, owner = update.state, update.owner
        for record in reversed(update.records):
            if record.get("kind") == "train" and isinstance(record.get("seconds"), (int, float)):
                self._followed_seconds = float(record["seconds"])
                rate = record.get("images_per_sec")
                fraction = self._followed_fraction(update)
                eta = self._followed_seconds * (1 - fraction) / fraction if 0 < fraction < 1 else 0.0
                self.rate_label.setText(self.tr("{0:,.0f} images/s · ETA {1} · elapsed {2}").format(
                    rate if isinstance(rate, (int, float)) else 0, format_duration(eta),
                    format_duration(self._followed_seconds)))
                break
        self.step = update.step
        who = (self.tr("process {0} on {1}, since {2}").format(owner.pid, owner.host, owner.started)
               if owner is not None else self.tr("another process"))
        held = state == "running" and not (owner is not None and owner.is_mine)
        self._held = self.tr("Another process is training this run ({0}). Train is off until it ends; Explore "
                             "samples from its newest checkpoint meanwhile.").format(who) if held else None
        fraction = self._followed_fraction(update)
        total = f" / {update.total_steps:,}" if update.total_steps else ""
        if state == "running":
            bar = self.tr("Following · step {0:,}{1} · {2:.0f}%").format(update.step, total, fraction * 100)
            line = self.tr("● Trained elsewhere, followed live: {0}").format(who)
        elif state == "finished":
            bar = self.tr("Completed at step {0:,}").format(update.step)
            line = self.tr("Trained elsewhere: completed at step {0:,}").format(update.step)
        elif state == "stopped":
            bar = self.tr("Stopped at step {0:,}").format(update.step)
            line = self.tr("Trained elsewhere: stopped at step {0:,}; Train continues it.").format(update.step)
        else:
            bar = self.tr("No longer updating · step {0:,}").format(update.step)
            process = self.tr("process {0} on {1}").format(owner.pid, owner.host) if owner is not None else ""
            if owner is not None and owner.why_stale == "gone":
                why = self.tr("{0} is no longer running").format(process)
            elif owner is not None:
                why = self.tr("no sign of {0} for {1}").format(process, format_duration(owner.age))
            else:
                why = self.tr("nothing written for {0}").format(format_duration(update.idle_seconds))
            line = self.tr("Trained elsewhere: no longer updating, {0}. Train takes the run over.").format(why)
        self.progress_bar.setValue(1000 if state == "finished" else int(round(fraction * 1000)))
        self.progress_bar.setFormat(bar)
        self.followed_summary = bar
        self.follow_label.setText(line)
        self.follow_label.show()
        self._update_controls()

    def _followed_fraction(self, update) -> float:
        parts = []
        if update.total_steps:
            parts.append(update.step / update.total_steps)
        if update.minutes:
            parts.append(self._followed_seconds / (update.minutes * 60))
        return min(1.0, max(parts)) if parts else 0.0

    def stop_following(self) -> None:
        """The run shown is no longer one trained elsewhere (another was opened, or training starts here)."""
        self._held = None
        self._followed_seconds = 0.0
        self.followed_summary = ""
        self.follow_label.hide()
        self._update_controls()

    @property
    def held_elsewhere(self) -> bool:
        """Another live process trains the run Train would continue."""
        return self._held is not None

    # --- settings ---

    def apply_preset(self, name: str) -> None:
        preset = next(p for p in presets() if p.name == name)
        self.preset_buttons[name].setChecked(True)
        self._select_model_for(name)
        self.unit_combo.setCurrentIndex(self.unit_combo.findData("minutes"))
        self.length_spin.setValue(preset.minutes)
        self.size_combo.setCurrentIndex(IMAGE_SIZES.index(preset.image_size))

    def trains_on_cpu(self) -> bool:
        """Whether Train would use the CPU: chosen, or Automatic with no GPU in the device list."""
        device = self.device_combo.currentData() or "auto"
        if device != "auto":
            return device == "cpu"
        found = (str(self.device_combo.itemData(i)) for i in range(self.device_combo.count()))
        return not any(d.startswith(("cuda", "mps")) for d in found)

    def _select_model_for(self, preset_name: str) -> None:
        preset = next(p for p in presets() if p.name == preset_name)
        on_cpu = bool(self._family) and self.trains_on_cpu()
        overrides = self._family.cpu_recipe_presets if on_cpu else None
        timed = self._family.cpu_timed_presets if on_cpu else None
        family_presets = self._family.presets if self._family else ()
        model = model_preset_for(preset, family_presets, overrides, timed)
        if model is not None:
            self.model_combo.setCurrentIndex(max(0, self.model_combo.findData(model)))
        self._recipe_model = self.model_combo.currentData()
        text = preset.explanation
        if model is not None:                          # which model size, and why (the engine's reasons)
            if model != model_preset_for(preset, family_presets, overrides):
                why = Message("plan.preset_cpu_size", size=preset.recipe.image_size)
            elif overrides and overrides.get(preset.name) == model:
                why = Message("plan.preset_cpu", recipe=preset.title)
            else:
                why = Message("plan.preset_recipe", recipe=preset.title)
            text = self.tr("{0} Model size: {1} ({2}).").format(text, family_text(model), engine_text(why))
        self.preset_label.setText(text)

    def _apply_family_defaults(self, info: FamilyInfo) -> None:
        """The batch size and learning rate the family suggests (the Trainer's defaults where it has none)."""
        defaults = info.train_defaults
        self.batch_spin.setValue(int(defaults.get("batch_size", 64)))
        self.lr_spin.setValue(float(defaults.get("lr", 1e-3)))

    def settings(self) -> Settings:
        """The form's values."""
        return Settings(
            model_preset=self.model_combo.currentData(), image_size=int(self.size_combo.currentData()),
            batch_size=self.batch_spin.value(), length=self.length_spin.value(), unit=self.unit_combo.currentData(),
            lr=self.lr_spin.value(), precision=self.precision_combo.currentData(),
            device=self.device_combo.currentData() or "auto", seed=self.seed_spin.value(),
            mirror=self.mirror_check.isChecked())

    def _restore_settings(self) -> None:
        s = self._settings
        preset = s.value("training/preset", "quick", type=str)
        self.apply_preset(preset if preset in self.preset_buttons else "quick")
        if s.value("training/custom", False, type=bool):      # batch size and learning rate follow the family
            self.length_spin.setValue(s.value("training/length", 2, type=int))
            self.unit_combo.setCurrentIndex(max(0, self.unit_combo.findData(s.value("training/unit", "minutes"))))
            self.precision_combo.setCurrentIndex(max(0, self.precision_combo.findData(s.value("training/precision"))))
            self.seed_spin.setValue(s.value("training/seed", 0, type=int))
            self.mirror_check.setChecked(s.value("training/mirror", False, type=bool))

    def save_settings(self) -> None:
        s = self._settings
        button = self.preset_group.checkedButton()
        s.setValue("training/preset", button.property("preset") if button else "quick")
        s.setValue("training/custom", True)
        s.setValue("training/length", self.length_spin.value())
        s.setValue("training/unit", self.unit_combo.currentData())
        s.setValue("training/precision", self.precision_combo.currentData())
        s.setValue("training/device", self.device_combo.currentData() or "auto")
        s.setValue("training/seed", self.seed_spin.value())
        s.setValue("training/mirror", self.mirror_check.isChecked())

    @Slot(QAbstractButton)
    def _on_preset_group_clicked(self, button: QAbstractButton) -> None:
        self.apply_preset(button.property("preset"))

    @Slot()
    def _on_new_run_button_clicked(self) -> None:
        self.continue_run(None)

    @Slot()
    def _on_setting_changed(self) -> None:
        self.settings_changed.emit()

    @Slot(int)
    def _on_device_combo_changed(self, index: int) -> None:
        self._repick_model_for_device()

    def _repick_model_for_device(self) -> None:
        """A recipe's model size depends on whether the CPU trains: pick it again for the device (list), unless
        the model size was chosen by hand after the recipe."""
        preset = self.preset_group.checkedButton()
        if preset is not None and self._family is not None and self.model_combo.currentData() == self._recipe_model:
            self._select_model_for(preset.property("preset"))

    @Slot(int)
    def _on_size_combo_changed(self, index: int) -> None:
        self._update_controls()
        self.image_size_changed.emit(int(self.size_combo.itemData(index)))

    # --- state ---

    @property
    def state(self) -> str:
        return self._state

    @property
    def is_training(self) -> bool:
        """A Trainer is alive (running, paused, starting or stopping)."""
        return self._job is not None

    @property
    def trainer(self):
        return self._trainer

    def jobs(self) -> list[Job]:
        return [job for job in (self._job, self._hash_job) if job is not None]

    def _set_state(self, state: str) -> None:
        if state != self._state:
            self._state = state
            self._update_controls()
            self.state_changed.emit(state)

    def readiness(self) -> str | None:
        """Why Train cannot start now, or None when it can."""
        if self._held:
            return self._held
        if self._family is None:
            return self.tr("Choose a model family first (the Model step).")
        if self._dataset is None:
            return self.tr("Load a dataset first (the Data step): drop a folder on the window or pick a demo set.")
        if self._dataset.images.shape[1] != int(self.size_combo.currentData()):
            return self.tr("The dataset is being loaded at the new image size…")
        return None

    def _update_controls(self) -> None:
        state, problem = self._state, self.readiness()
        idle = state == "idle"
        live = state in ("running", "paused")
        if state in ("paused", "pausing"):
            text, icon = self.tr("Resume"), QStyle.StandardPixmap.SP_MediaPlay
        elif state == "running":
            text, icon = self.tr("Pause"), QStyle.StandardPixmap.SP_MediaPause
        elif self._resume_dir:
            text, icon = self.tr("Continue run"), QStyle.StandardPixmap.SP_MediaPlay
        else:
            text, icon = self.tr("Train"), QStyle.StandardPixmap.SP_MediaPlay
        self.train_button.setText(text)
        self.train_button.setAccessibleName(text)
        self.train_button.setIcon(glyph_icon(self, icon))
        self.train_button.setEnabled((idle and problem is None) or state in ("running", "paused"))
        self.stop_button.setEnabled(live or state == "pausing")
        self.save_button.setEnabled(live)
        self.sample_button.setEnabled(state == "running")
        self.new_run_button.setVisible(idle and self._resume_dir is not None)
        for widget in (self.model_combo, self.size_combo, self.batch_spin, self.lr_spin, self.precision_combo,
                       self.device_combo, self.seed_spin, self.length_spin, self.unit_combo,
                       *self.preset_buttons.values()):
            widget.setEnabled(idle)
        if idle:
            family = family_text(self._family.title) if self._family else ""
            ready = self.tr("Ready to train {0}. Pick a preset and press Train (Ctrl+T).").format(family)
            if self._resume_dir:
                ready = self.tr("Continuing {0} from step {1:,}: Train adds the length below.").format(
                    Path(self._resume_dir).name, self._resume_step)
            self.readiness_label.setText(problem or ready)
        else:
            self.readiness_label.setText({
                "starting": self.tr("Starting…"), "running": self.tr("Training. Space or Ctrl+T pauses."),
                "pausing": self.tr("Pausing…"), "paused": self.tr("Paused: the model stays in memory; "
                                                                  "you can sample from it in Explore."),
                "stopping": self.tr("Stopping and saving…")}.get(state, ""))

    # --- control ---

    @Slot()
    def toggle_training(self) -> None:
        """Train, Pause or Resume: what the main button (Ctrl+T, Space) does now."""
        if self._state == "idle":
            self.start_training()
        elif self._state == "running":
            self.pause_training()
        elif self._state in ("paused", "pausing"):
            self.resume_training()

    @Slot()
    def start_training(self) -> bool:
        """Start (or continue) a run on the current dataset; False with a message if it cannot."""
        problem = self.readiness()
        if self._state != "idle" or problem:
            if problem:
                self._show_message(problem)
            return False
        if not self._resume_dir and not self._batch_fits():
            return False
        try:
            trainer = self._make_trainer()
        except Exception as error:                       # ConfigError, TrainingError, RunError: one readable line
            self._show_message(self.tr("Training cannot start: {0}").format(engine_text(error)), error=True)
            return False
        self.model_changed.emit(None, None)
        self._trainer = trainer
        self.step = 0
        self.outcome = None
        self.last_checkpoint = None
        self._hide_message()
        if not self._resume_dir:
            self.loss_plot.clear()
        self.progress_bar.setValue(0)
        self.progress_bar.setFormat(self.tr("Starting…"))
        job = Job(trainer.run, parent=self)
        job.yielded.connect(self._on_job_yielded)
        job.succeeded.connect(self._on_job_succeeded)
        job.failed.connect(self._on_job_failed)
        self._job = job
        self.save_settings()
        self._set_state("starting")
        job.start()
        return True

    def _batch_fits(self) -> bool:
        """Before a new run: when the batch typed would not fit the device's memory (the engine's estimate), ask
        whether to lower it to what fits, train anyway, or not start. True to go on."""
        from studio.engine import DataFacts, plan_training

        settings = self.settings()
        given = {"batch_size": settings.batch_size, "image_size": settings.image_size,
                 "precision": settings.precision, "model_preset": settings.model_preset}
        try:
            plan = plan_training(self._family.name, DataFacts.of(self._dataset), device=settings.device,
                                 given={k: v for k, v in given.items() if v is not None})
        except Exception:                 # the Trainer says what is wrong with these settings, in its words
            return True
        warning = next((w for w in plan.warnings if w.id == "plan.batch_too_big"), None)
        if warning is None:
            return True
        answer = self.ask_batch(engine_text(warning), int(warning.args["fits"]))
        if answer == "lower":
            self.batch_spin.setValue(int(warning.args["fits"]))
        return answer in ("lower", "anyway")

    def ask_batch(self, text: str, fits: int) -> str | None:
        """"lower", "anyway" or None (do not start): a question box (tests patch this)."""
        box = QMessageBox(QMessageBox.Icon.Warning, self.tr("Batch too large for this device"),
                          text[:1].upper() + text[1:] + ".", parent=self)
        lower = box.addButton(self.tr("Train with batch {0}").format(fits), QMessageBox.ButtonRole.AcceptRole)
        anyway = box.addButton(self.tr("Train anyway"), QMessageBox.ButtonRole.DestructiveRole)
        box.addButton(QMessageBox.StandardButton.Cancel)
        box.setDefaultButton(lower)
        box.exec()
        return {lower: "lower", anyway: "anyway"}.get(box.clickedButton())

    def _make_trainer(self):
        from studio.engine import TrainConfig, Trainer, default_run_dir, get_family

        settings = self.settings()
        # The form's values win; the family's other suggestions (EMA warm-up, LR warm-up, gradient clipping)
        # apply as they do from the command line.
        values = {**self._family.train_defaults, **settings.train_config_values()}
        if self._resume_dir:
            if settings.unit == "steps":
                changes = {"steps": self._resume_step + settings.length, "minutes": None}
            else:
                changes = {"minutes": self._resumed_minutes() + settings.length, "steps": None}
            return Trainer.resume(self._resume_dir, self._dataset, **changes)
        cls = get_family(self._family.name)
        family_config = cls.Config.from_preset(settings.model_preset) if settings.model_preset else cls.Config()
        return Trainer(self._dataset, default_run_dir(self._family.name), family=self._family.name,
                       family_config=family_config, config=TrainConfig(**values))

    def _resumed_minutes(self) -> float:
        from studio.engine import Run, read_meta

        checkpoint = Run.open(Path(self._resume_dir)).latest_checkpoint()
        meta = read_meta(checkpoint) if checkpoint else {}
        return float(meta.get("train_seconds", 0.0)) / 60

    @Slot()
    def pause_training(self) -> None:
        if self._trainer is not None and self._state == "running":
            self._trainer.pause()
            self._set_state("pausing")

    @Slot()
    def resume_training(self) -> None:
        if self._trainer is not None and self._state in ("paused", "pausing"):
            self.model_changed.emit(None, None)          # Explore lets go of the weights before they change
            self._trainer.resume_training()
            self._set_state("running")

    @Slot()
    def stop_training(self) -> None:
        """Stop at the next step, save, and hand the model to Explore."""
        if self._trainer is not None and self._state in ("running", "paused", "pausing", "starting"):
            self._trainer.request_stop()
            self._set_state("stopping")

    @Slot()
    def save_now(self) -> None:
        if self._trainer is not None and self._state in ("running", "paused"):
            self._trainer.save_now()                     # honoured at the next step, or at once while paused

    @Slot()
    def sample_now(self) -> None:
        if self._trainer is not None and self._state == "running":
            self._trainer.preview_now()

    def stop_and_wait(self, timeout_s: float = STOP_TIMEOUT_S) -> bool:
        """Window closing: stop training, save (the engine saves when its generator closes), wait for the thread."""
        jobs = self.jobs()
        if self._trainer is not None:
            self._trainer.request_stop()
        stopped = all(job.stop(timeout_s) for job in jobs)
        self._job = None
        self._trainer_done()
        return stopped

    # --- events from the Job (main thread) ---

    @Slot(object)
    def _on_job_yielded(self, event) -> None:
        match event:
            case ev.Started():
                self._on_started(event)
            case ev.Progress():
                self._on_progress(event)
            case ev.Validated():
                self.loss_plot.add_validation(event.step, event.losses)
            case ev.Measured():
                self.loss_plot.add_quality(event.step, event.kid, event.adherence)
                self.message_changed.emit(self.tr("Step {0:,}: sample quality KID {1:.3g} ± {2:.2g} ({3} samples)").format(
                    event.step, event.kid, event.kid_std, event.samples))
            case ev.Preview():
                self.preview_arrived.emit(event.step, event.frame)
            case ev.Saved():
                self._on_saved(event)
            case ev.TrainingWarning():
                self._show_message(self.tr("Step {0:,}: {1}").format(event.step, engine_text(event.message)))
            case ev.Failed():
                self._show_message(self.tr("Training failed at step {0:,}: {1}").format(
                    event.step, engine_text(event.message)), error=True)
            case ev.Paused():
                self._on_paused(event)
            case _:
                raise ev.UnknownEvent(event)

    def _on_started(self, event) -> None:
        self.step = event.step
        self._set_state("running" if self._state == "starting" else self._state)
        what = self.tr("Resumed") if event.resumed else self.tr("Training")
        self.device_label.setText(self.tr(
            "{0} {1:,} parameters on {2} ({3}: {4}); precision {5} ({6}); {7} training images, {8} held out; "
            "run folder {9}").format(what, event.parameters, event.device_name, event.device,
                                     family_text(event.device_reason), event.precision,
                                     family_text(event.precision_reason), event.train_images,
                                     event.holdout_images, event.run_dir))
        mirror = self._trainer is not None and self._trainer.config.mirror     # a continued run keeps its own
        self.augmentation_label.setText(self.tr("Augmentation: left-right mirror flips") if mirror
                                        else self.tr("Augmentation: none"))
        self.training_started.emit(event)
        self.message_changed.emit(self.tr("Training {0} on {1}").format(event.family, event.device_name))

    def _on_progress(self, event) -> None:
        self.step = event.step
        self.progress_bar.setValue(int(round(event.fraction * 1000)))
        total = f" / {event.total_steps:,}" if event.total_steps else ""
        text = self.tr("step {0:,}{1} · {2:.0f}%").format(event.step, total, event.fraction * 100)
        stage = event.stage                          # multi-stage families, e.g. "prior (2/2)"
        self.progress_bar.setFormat(self.tr("{0} · {1}").format(stage, text) if stage else text)
        self.rate_label.setText(self.tr("{0:,.0f} images/s · ETA {1} · elapsed {2}").format(
            event.images_per_sec, format_duration(event.eta_seconds), format_duration(event.elapsed_seconds)))
        self.loss_plot.add_training(event.step, event.losses)
        self.progressed.emit(event)

    def _on_saved(self, event) -> None:
        self.last_checkpoint = event.path
        self.checkpoint_saved.emit(event.path)
        self.message_changed.emit(self.tr("Saved a checkpoint at step {0:,}").format(event.step))

    def _on_paused(self, event) -> None:
        if self._state == "pausing":
            self._set_state("paused")
            self.message_changed.emit(self.tr("Paused at step {0:,}").format(event.step))
            self.model_changed.emit(self._trainer.family, self._provenance(None, None))

    @Slot(object)
    def _on_job_succeeded(self, result) -> None:
        family = self._trainer.family                       # None when it failed before building the model
        self._job = None
        self.step, self.outcome = result.step, result.status
        text = {"completed": self.tr("Completed at step {0:,}"), "stopped": self.tr("Stopped at step {0:,}"),
                "failed": self.tr("Failed at step {0:,}")}.get(result.status, "{0}").format(result.step)
        self.progress_bar.setFormat(text)
        if result.status == "completed":
            self.progress_bar.setValue(1000)
        self.message_changed.emit(text + (self.tr("; saved {0}").format(result.checkpoint) if result.checkpoint else ""))
        self.continue_run(result.run_dir, result.step)     # Train again continues this run
        self._trainer_done()
        self.training_finished.emit(result)
        if family is not None and result.checkpoint:
            self._hand_over(family, result.checkpoint)

    @Slot(object)
    def _on_job_failed(self, error) -> None:
        self._job = None
        from studio.engine import user_errors

        if isinstance(error, user_errors()):
            message = engine_text(error)
        else:
            log.error("training failed", exc_info=error)
            message = self.tr("unexpected error: {0}: {1}").format(type(error).__name__, error)
        self._show_message(self.tr("Training stopped: {0}").format(message), error=True)
        self.progress_bar.setFormat(self.tr("Stopped by an error"))
        self._trainer_done()
        self.training_failed.emit(error)

    def _trainer_done(self) -> None:
        self._set_state("idle")

    def _hand_over(self, family, checkpoint: str) -> None:
        """Give the trained model to Explore once its checkpoint hash is known (hashing runs in a Job)."""
        from studio.engine import file_hash   # torch stays out of the window's start-up

        job = Job(file_hash, checkpoint, parent=self)
        self._handover = (family, checkpoint)
        job.succeeded.connect(self._on_hash_job_succeeded)
        job.failed.connect(self._on_hash_job_failed)
        self._hash_job = job
        job.start()

    @Slot(object)
    def _on_hash_job_succeeded(self, digest: str) -> None:
        self._hash_job = None
        if self._state == "idle":
            family, checkpoint = self._handover
            self.model_changed.emit(family, self._provenance(checkpoint, digest))

    @Slot(object)
    def _on_hash_job_failed(self, error) -> None:
        self._hash_job = None
        if self._state == "idle":
            family, checkpoint = self._handover
            self.model_changed.emit(family, self._provenance(checkpoint, None))

    def _provenance(self, checkpoint: str | None, digest: str | None):
        from studio.engine import Provenance

        run_dir = str(self._trainer.run_dir) if self._trainer is not None else self._resume_dir
        return Provenance(family=self._family.name if self._family else None,
                          model=Path(run_dir).name if run_dir else None, run=run_dir, checkpoint=checkpoint,
                          checkpoint_hash=digest, checkpoint_step=self.step)

    def changeEvent(self, event) -> None:
        super().changeEvent(event)
        if event.type() == QEvent.Type.PaletteChange and hasattr(self, "stop_button"):
            self.stop_button.setIcon(glyph_icon(self, QStyle.StandardPixmap.SP_MediaStop))
            self._update_controls()

    def _show_message(self, text: str, *, error: bool = False) -> None:
        self.message_label.setText(("⚠ " if error else "") + text)
        palette = self.palette()
        if error:       # a red that reads on light and dark windows alike
            palette.setColor(QPalette.ColorRole.WindowText, QColor("#d64541"))
        self.message_label.setPalette(palette)
        self.message_label.show()
        self.message_changed.emit(text)

    def _hide_message(self) -> None:
        self.message_label.hide()
        self.message_label.clear()
