"""Explore a trained model, by capability.

Every family: Generate with a count and a seed (image i is drawn from seed + i), with
controls built from `sample_options()`. `prompt`: a prompt box, and a negative prompt
beside it when the family has a `negative` option. `progressive`: frames are drawn live
while sampling (at most ~10 a second) with the frame's extras (e.g. the predicted clean
image) under them. `latent`: sliders along `latent_directions()` that decode in a
worker as they move (only the latest position is decoded), starting from a seeded
random point or, with `encode`, from an image dropped on the panel.

An image dropped or opened here gives back what made it (restore): seed, prompt, every option
and, for a latent-slider image, the exact latent position; one from another run goes to the
window, which opens that run first. AUTOMATIC1111 images fill the prompt fields they can.

Sampling, decoding and encoding run in background Jobs under `torch.inference_mode()`;
a newer Generate cancels the older one, and Stop (Esc) ends one at the next step: the last
frame drawn stays shown and nothing goes to the gallery, which holds finished images only.
The panel never asks which family it shows.
"""
from __future__ import annotations

import random
from pathlib import Path

import numpy as np
import torch
from PySide6.QtCore import Qt, QTimer, Signal, Slot
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import (
    QCheckBox, QComboBox, QDoubleSpinBox, QFileDialog, QFormLayout, QGridLayout, QGroupBox, QHBoxLayout, QLabel, QLineEdit,
    QMessageBox, QProgressBar, QPushButton, QSlider, QSpinBox, QVBoxLayout, QWidget,
)
from superqt.utils import signals_blocked

from studio import __version__
from studio.engine.data import DatasetError, load_dataset
from studio.engine.export import ImageMetadataError, read_provenance
from studio.engine.provenance import (
    A1111, LATENT_POSITION, MAX_SEED, NEGATIVE, NOT_A_CHOICE, PROMPT_TEXT, SEED, as_provenance, recall,
)
from studio.engine.families.base import ENCODE, LATENT, PROMPT, Frame, SampleOption, seeded_normal
from studio.ui.i18n import direction_title, engine_text, family_text, option_label
from studio.ui.panels.gallery import GalleryItem
from studio.ui.widgets.image_grid import ImageGrid
from studio.ui.widgets.styling import vertical_scroll
from studio.ui.workers import Job, stop_all

MAX_SLIDERS = 12
SLIDER_STEPS = 1000
MAX_KEPT_FRAMES = 120           # progressive frames kept per Generate for animation export
DRAW_INTERVAL_MS = 100           # live frames: at most ~10 drawn a second


# -- work for the worker threads (no Qt) -----------------------------------------------------------
def sample_frames(family, n: int, seed: int, prompt: str | None, options: dict):
    """Yield every Frame of family.sample(); return the images of the frames kept for animation, in order.

    At most MAX_KEPT_FRAMES are kept, evenly spaced, the last always: a thousand steps of large
    images would not fit in memory.
    """
    frames, keep = [], None
    with torch.inference_mode():           # grad mode is per thread: set it here, in the worker
        for frame in family.sample(n, seed=seed, prompt=prompt, **options):
            if keep is None:
                keep = set(np.linspace(1, frame.total, min(frame.total, MAX_KEPT_FRAMES)).round().astype(int))
            if frame.step in keep or frame.is_last:
                frames.append(frame.images)
            yield frame
    return frames


def decode_latent(family, z: np.ndarray) -> np.ndarray:
    """One latent (latent_shape) -> one (H, W, C) uint8 image."""
    with torch.inference_mode():
        return family.decode(z[None].astype(np.float32))[0]


def encode_file(family, path: str) -> tuple[np.ndarray, np.ndarray]:
    """An image file -> (the image at the model's size, its latent). DatasetError names the file."""
    data = family.data
    dataset = load_dataset(path, size=data.image_size, channels=data.channels, workers=1)
    image = dataset.images[0]
    with torch.inference_mode():
        return image, family.encode(image[None])[0]


class ExplorePanel(QWidget):
    """Generate, watch sampling, and move through a model's latent space."""

    images_generated = Signal(object)      # list[GalleryItem]
    frame_shown = Signal(object)           # the Frame just drawn (throttled)
    latent_decoded = Signal(object)        # (H, W, C) uint8: the image at the latest latent position
    restored = Signal(str)                 # what restore() used from an image, and any warning, in words

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("explorePanel")
        self.setAccessibleName(self.tr("Explore"))
        self._family = None
        self._provenance = as_provenance(None)         # the model shown, as its images name it
        self._jobs: list[Job] = []
        self._sample_job: Job | None = None
        self._request: dict = {}
        self._pending_frame: Frame | None = None
        self._drawn_step: tuple[int, int] | None = None      # (step, total) of the frame shown
        self._option_widgets: dict[str, tuple[SampleOption, QWidget]] = {}
        self._directions: list = []
        self._sliders: list[QSlider] = []
        self._slider_values: list[QLabel] = []
        self._latent_base: np.ndarray | None = None
        self._latent_projection: np.ndarray | None = None
        self._latent_origin: dict = {}
        self._latent_pending: np.ndarray | None = None
        self._decoding: np.ndarray | None = None
        self._decode_busy = False
        self._latent_shown: tuple[np.ndarray, np.ndarray] | None = None     # (position, image)
        self._encoding_source = ""
        self._has_negative = False
        # Set by the window: restorer(path, params) reopens the run an image names when it is not the
        # model shown (the panel alone restores into the model it has).
        self.restorer = None
        self._draw_timer = QTimer(self)
        self._draw_timer.setSingleShot(True)
        self._draw_timer.setInterval(DRAW_INTERVAL_MS)
        self._draw_timer.timeout.connect(self._on_draw_timer_timeout)
        self._build()
        self.set_model(None, None)

    # --- building ---------------------------------------------------------------------------------
    def _build(self) -> None:
        self._message = QLabel(self._no_model_text(), self)
        self._message.setObjectName("exploreMessage")
        self._message.setWordWrap(True)
        self._message.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self._body = QWidget(self)
        row = QHBoxLayout(self._body)
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(self._build_controls(), 0)
        row.addWidget(self._build_samples(), 1)
        row.addWidget(self._build_latent(), 0)
        layout = QVBoxLayout(self)
        layout.addWidget(self._message)
        layout.addWidget(self._body, 1)

        self.generate_action = self._action("exploreGenerateAction", self.tr("Generate"), self.tr("Ctrl+G"),
                                            self._on_generate_clicked)
        self.stop_action = self._action("exploreStopAction", self.tr("Stop generating"), "Esc",
                                        self._on_stop_clicked)
        self._update_sampling_controls()

    def _no_model_text(self) -> str:
        return self.tr("Train a model or open a run to explore it here.")

    def _action(self, name: str, text: str, keys: str, slot) -> QAction:
        action = QAction(text, self)
        action.setObjectName(name)
        action.setShortcut(QKeySequence(keys))
        action.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        action.triggered.connect(slot)
        self.addAction(action)
        return action

    def _name(self, widget: QWidget, name: str, accessible: str, tip: str) -> QWidget:
        widget.setObjectName(name)
        widget.setAccessibleName(accessible)
        widget.setToolTip(tip)
        return widget

    def _build_controls(self) -> QWidget:
        box = QGroupBox(self.tr("Generate"), self._body)
        box.setObjectName("exploreGenerateGroup")
        box.setMaximumWidth(340)
        column = QVBoxLayout(box)
        form = QFormLayout()
        column.addLayout(form)
        column.addStretch(1)
        self._prompt = self._name(QLineEdit(box), "explorePrompt", self.tr("Prompt"),
                                  self.tr("What to draw, in the words of the training captions. Enter generates."))
        self._prompt.setPlaceholderText(self.tr("e.g. small red circle"))
        self._prompt.returnPressed.connect(self._on_prompt_return_pressed)
        self._prompt.textChanged.connect(self._on_prompt_text_changed)
        self._prompt_label = QLabel(self.tr("Prompt"), box)
        form.addRow(self._prompt_label, self._prompt)
        self._prompt_warning = QLabel(box)              # words the model never saw, from the family
        self._prompt_warning.setObjectName("explorePromptWarning")
        self._prompt_warning.setWordWrap(True)
        self._prompt_warning.setVisible(False)
        form.addRow(self._prompt_warning)
        self._negative = self._name(QLineEdit(box), "exploreNegativePrompt", self.tr("Negative prompt"),
                                    self.tr("What the image should not look like"))
        self._negative_label = QLabel(self.tr("Negative"), box)
        form.addRow(self._negative_label, self._negative)
        self._options_box = QWidget(box)
        self._options_form = form
        form.addRow(self._options_box)
        self._count = self._name(QSpinBox(box), "exploreCount", self.tr("Number of images"),
                                 self.tr("How many images one Generate makes"))
        self._count.setRange(1, 64)
        self._count.setValue(8)
        form.addRow(self.tr("Count"), self._count)
        form.addRow(self.tr("Seed"), self._build_seed_row(box))
        self._generate_button = self._name(QPushButton(self.tr("Generate"), box), "exploreGenerateButton",
                                           self.tr("Generate"),
                                           self.tr("Make new images (Ctrl+G)"))
        self._generate_button.clicked.connect(self._on_generate_clicked)
        self._stop_button = self._name(QPushButton(self.tr("Stop"), box), "exploreStopButton", self.tr("Stop generating"),
                                       self.tr("Stop sampling at the next step (Esc): the images drawn so far stay "
                                               "shown, unfinished, and are not added to the gallery"))
        self._stop_button.clicked.connect(self._on_stop_clicked)
        buttons = QHBoxLayout()
        buttons.addWidget(self._generate_button, 1)
        buttons.addWidget(self._stop_button)
        form.addRow(buttons)
        self._open_image = self._name(QPushButton(self.tr("Open image…"), box), "exploreOpenImageButton",
                                      self.tr("Open image"),
                                      self.tr("Recall the seed, prompt and options an exported image carries, and "
                                              "start the latent sliders from it where the model can encode images "
                                              "(or drop the image on this panel)"))
        self._open_image.clicked.connect(self._on_open_image_clicked)
        form.addRow(self._open_image)
        return box

    def _build_seed_row(self, parent: QWidget) -> QWidget:
        row = QWidget(parent)
        layout = QHBoxLayout(row)
        layout.setContentsMargins(0, 0, 0, 0)
        self._seed = self._name(QSpinBox(row), "exploreSeed", self.tr("Seed"),
                                self.tr("Image i is drawn from seed + i: the same seed gives the same images"))
        self._seed.setRange(0, MAX_SEED)
        self._dice = self._name(QPushButton(self.tr("Random"), row), "exploreRandomSeedButton",
                                self.tr("Random seed"), self.tr("Pick a new random seed"))
        self._dice.clicked.connect(self._on_dice_clicked)
        layout.addWidget(self._seed, 1)
        layout.addWidget(self._dice)
        return row

    def _build_samples(self) -> QWidget:
        box = QWidget(self._body)
        layout = QVBoxLayout(box)
        layout.setContentsMargins(0, 0, 0, 0)
        self._status = QLabel(self.tr("Press Generate to draw images."), box)
        self._status.setObjectName("exploreStatus")
        self._status.setWordWrap(True)
        self._progress = QProgressBar(box)
        self._progress.setObjectName("exploreProgress")
        self._progress.setAccessibleName(self.tr("Sampling progress"))
        self._progress.setMaximumHeight(12)
        self._progress.setTextVisible(False)
        self._progress.hide()
        self._samples_view = ImageGrid(box)
        self._samples_view.setObjectName("exploreSamplesView")
        self._samples_view.setAccessibleName(self.tr("Generated images"))
        self._extras_label = QLabel(box)
        self._extras_label.setObjectName("exploreExtrasLabel")
        self._extras_view = ImageGrid(box)
        self._extras_view.setObjectName("exploreExtrasView")
        self._extras_view.setAccessibleName(self.tr("Intermediate images"))
        self._extras_view.setToolTip(self.tr("What the model expects the finished images to look like at this step"))
        extras = QVBoxLayout()
        extras.addWidget(self._extras_label)
        extras.addWidget(self._extras_view, 1)
        views = QHBoxLayout()                     # the images and, beside them, the frame's extras (e.g. x0)
        views.addWidget(self._samples_view, 1)
        views.addLayout(extras, 0)               # stretched only while a frame has extras
        self._views = views
        layout.addWidget(self._status)
        layout.addWidget(self._progress)
        layout.addLayout(views, 1)
        return box

    def _build_latent(self) -> QWidget:
        box = QGroupBox(self.tr("Latent space"), self._body)
        box.setObjectName("exploreLatentGroup")
        box.setMinimumWidth(320)
        box.setMaximumWidth(380)
        layout = QVBoxLayout(box)
        self._latent_view = ImageGrid(box)
        self._latent_view.setObjectName("exploreLatentView")
        self._latent_view.setAccessibleName(self.tr("Image at the latent position"))
        self._latent_view.setMinimumSize(128, 128)
        self._latent_hint = QLabel(self.tr("Drop an image here to start from it."), box)
        self._latent_hint.setObjectName("exploreLatentHint")
        self._latent_hint.setWordWrap(True)
        buttons = QHBoxLayout()
        self._random_start = self._name(QPushButton(self.tr("Random start"), box), "exploreRandomStartButton",
                                        self.tr("Random start"),
                                        self.tr("Start from a new random point (its seed goes in the Seed box)"))
        self._random_start.clicked.connect(self._on_random_start_clicked)
        self._add_latent = self._name(QPushButton(self.tr("Add to gallery"), box), "exploreAddLatentButton",
                                      self.tr("Add to gallery"),
                                      self.tr("Put this image, with its latent position, in the gallery"))
        self._add_latent.clicked.connect(self._on_add_latent_clicked)
        buttons.addWidget(self._random_start)
        buttons.addWidget(self._add_latent)
        self._sliders_area = vertical_scroll(QWidget(), "exploreSlidersArea", self.tr("Latent sliders"),
                                             framed=True, parent=box)
        layout.addWidget(self._latent_view, 1)
        layout.addWidget(self._latent_hint)
        layout.addLayout(buttons)
        layout.addWidget(self._sliders_area, 1)
        self._latent_group = box
        return box

    # --- the model --------------------------------------------------------------------------------
    def set_model(self, family, provenance: dict | None) -> None:
        """Show this family (None: nothing to explore). Stops this panel's work for the old one first."""
        self.stop()
        self._family, self._provenance = family, as_provenance(provenance)
        self._pending_frame, self._sample_job, self._drawn_step = None, None, None
        self._update_sampling_controls()
        self._decode_busy, self._latent_pending, self._latent_shown = False, None, None
        self._samples_view.clear()
        self._extras_view.clear()
        self._show_extras(False)
        self._progress.hide()
        self._latent_view.clear()
        caps = family.capabilities if family is not None else frozenset()
        options = family.sample_options() if family is not None else []
        self._message.setVisible(family is None)
        self._message.setText(self._no_model_text())
        self._body.setVisible(family is not None)
        self._body.setEnabled(family is not None)
        self.generate_action.setEnabled(family is not None)
        for widget in (self._prompt, self._prompt_label):
            widget.setVisible(PROMPT in caps)
        self._show_prompt_warnings()
        self._has_negative = any(o.name == NEGATIVE for o in options)
        for widget in (self._negative, self._negative_label):
            widget.setVisible(self._has_negative)
        self._build_options([o for o in options if o.name != NEGATIVE])
        self._latent_group.setVisible(LATENT in caps)
        self._latent_hint.setVisible(ENCODE in caps)
        self.setAcceptDrops(family is not None)
        self._status.setText(self.tr("Press Generate to draw images."))
        if LATENT in caps:
            self._build_sliders(family.latent_directions()[:MAX_SLIDERS])
            self.start_latent_from_seed(self._seed.value())

    def family(self):
        return self._family

    def _build_options(self, options: list[SampleOption]) -> None:
        old = self._options_box
        box = QWidget(old.parentWidget())
        form = QFormLayout(box)
        form.setContentsMargins(0, 0, 0, 0)
        self._option_widgets = {}
        for option in options:
            widget = self._option_widget(option, box)
            widget.setObjectName(f"exploreOption_{option.name}")
            widget.setAccessibleName(option_label(option.name))
            widget.setToolTip(family_text(option.help) or option_label(option.name))
            self._option_widgets[option.name] = (option, widget)
            form.addRow(option_label(option.name), widget)
        self._options_form.replaceWidget(old, box)
        box.show()
        old.hide()                  # at once: deleteLater waits for the event loop
        old.deleteLater()
        self._options_box = box

    def _option_widget(self, option: SampleOption, parent: QWidget) -> QWidget:
        if option.kind == "bool":
            widget = QCheckBox(parent)
            widget.setChecked(bool(option.default))
        elif option.kind == "choice":
            widget = QComboBox(parent)
            widget.addItems([str(c) for c in option.choices])
            widget.setCurrentText(str(option.default))
        elif option.kind == "int":
            widget = QSpinBox(parent)
            widget.setRange(int(option.minimum if option.minimum is not None else -MAX_SEED),
                            int(option.maximum if option.maximum is not None else MAX_SEED))
            widget.setValue(int(option.default))
        elif option.kind == "float":
            widget = QDoubleSpinBox(parent)
            low = option.minimum if option.minimum is not None else -1e6
            high = option.maximum if option.maximum is not None else 1e6
            widget.setRange(low, high)
            widget.setDecimals(3)
            widget.setSingleStep((high - low) / 100 if option.maximum is not None else 0.1)
            widget.setValue(float(option.default))
        else:                                    # "str", or anything else: a text field
            widget = QLineEdit(parent)
            widget.setText("" if option.default is None else str(option.default))
        return widget

    def options(self) -> dict:
        """The sampling options as the controls show them (the negative prompt included)."""
        values = {}
        for name, (option, widget) in self._option_widgets.items():
            if isinstance(widget, QCheckBox):
                values[name] = widget.isChecked()
            elif isinstance(widget, QComboBox):
                values[name] = widget.currentText()
            elif isinstance(widget, QSpinBox):
                values[name] = int(widget.value())
            elif isinstance(widget, QDoubleSpinBox):
                values[name] = float(widget.value())
            else:
                values[name] = widget.text()
        if self._has_negative:
            values[NEGATIVE] = self._negative.text()
        return values

    def _prompt_text(self) -> str | None:
        if self._family is None or PROMPT not in self._family.capabilities:
            return None
        return self._prompt.text().strip()

    def params(self, seed: int, **extra) -> dict:
        """What an image made now with this seed carries (its Provenance's JSON, as the CLI writes it)."""
        size = self._family.data.image_size if self._family is not None else None
        made = self._provenance.for_image(seed=seed, prompt=self._prompt_text(), options=self.options(),
                                          image_size=size, version=__version__)
        return made.updated(**extra).to_dict()

    # --- generate ---------------------------------------------------------------------------------
    def generate(self) -> Job | None:
        """Start sampling with the current controls; a request still running is cancelled."""
        if self._family is None:
            return None
        if self._sample_job is not None:
            self._sample_job.cancel()
        count, seed = self._count.value(), self._seed.value()
        prompt, options = self._prompt_text(), self.options()
        self._request = {"count": count, "seed": seed}
        job = Job(sample_frames, self._family, count, seed, prompt, options, parent=self)
        job.yielded.connect(self._on_sample_yielded)
        job.succeeded.connect(self._on_sample_succeeded)
        job.failed.connect(self._on_sample_failed)
        self._sample_job = self._track(job)
        self._pending_frame, self._drawn_step = None, None
        self._status.setText(self.tr("Generating %n image(s)…", "", count))
        job.start()
        self._update_sampling_controls()
        return job

    @property
    def sampling(self) -> bool:
        """A Generate is under way (Stop is offered)."""
        return self._sample_job is not None

    def stop_generating(self) -> bool:
        """Stop the Generate under way at its next step; False when none runs.

        The frame drawn last (the latest one received, if the throttle held it back) stays shown and
        the status says where sampling stopped. Nothing goes to the gallery: its images are finished ones.
        """
        job = self._sample_job
        if job is None:
            return False
        job.cancel()                               # the worker stops at the next yield, between steps
        self._sample_job = None
        self._draw_timer.stop()
        if self._pending_frame is not None:
            self._draw_pending()
        self._progress.hide()
        if self._drawn_step is None:
            text = self.tr("Stopped before the first image was drawn.")
        elif self._drawn_step[1] > 1:
            text = self.tr("Stopped at step %1 of %2: the images shown are unfinished and were not added to the "
                           "gallery.").replace("%1", str(self._drawn_step[0])).replace("%2", str(self._drawn_step[1]))
        else:
            text = self.tr("Stopped: nothing was added to the gallery.")
        self._status.setText(text)
        self._update_sampling_controls()
        return True

    def _update_sampling_controls(self) -> None:
        running = self._sample_job is not None
        self._stop_button.setEnabled(running)
        self.stop_action.setEnabled(running)
        self._generate_button.setToolTip(
            self.tr("Start again with the current settings (Ctrl+G): the images being drawn are dropped")
            if running else self.tr("Make new images (Ctrl+G)"))

    @Slot()
    def _on_stop_clicked(self) -> None:
        self.stop_generating()

    def _track(self, job: Job) -> Job:
        self._jobs = [j for j in self._jobs if j.running] + [job]
        return job

    @Slot()
    def _on_generate_clicked(self) -> None:
        self.generate()

    @Slot()
    def _on_prompt_return_pressed(self) -> None:
        self.generate()

    @Slot(str)
    def _on_prompt_text_changed(self, text: str) -> None:
        self._show_prompt_warnings(text)

    def prompt_warnings(self) -> list[str]:
        """What the family says about the prompt now typed (e.g. words it never saw)."""
        text = self._prompt_text() or ""
        if self._family is None or not text or not self._prompt.isVisibleTo(self):
            return []
        try:
            return list(self._family.prompt_warnings(text))
        except Exception as error:  # a family's check must never break typing
            return [str(error)]

    def _show_prompt_warnings(self, _text: str = "") -> None:
        warnings = self.prompt_warnings()
        self._prompt_warning.setText("\n".join(engine_text(w) for w in warnings))
        self._prompt_warning.setToolTip(self._prompt_warning.text())
        self._prompt_warning.setVisible(bool(warnings))

    @Slot()
    def _on_dice_clicked(self) -> None:
        self._seed.setValue(random.randint(0, MAX_SEED))

    @Slot(object)
    def _on_sample_yielded(self, frame: Frame) -> None:
        self._pending_frame = frame
        if not self._draw_timer.isActive():          # leading edge now, the latest one when the timer fires
            self._draw_pending()
            self._draw_timer.start()

    @Slot()
    def _on_draw_timer_timeout(self) -> None:
        if self._pending_frame is not None:
            self._draw_pending()
            self._draw_timer.start()

    def _draw_pending(self) -> None:
        frame, self._pending_frame = self._pending_frame, None
        self._samples_view.set_images(frame.images)
        self._drawn_step = (frame.step, frame.total)
        extras = {k: v for k, v in frame.extras.items() if len(v)}
        if extras:
            name, images = next(iter(extras.items()))
            self._extras_label.setText(self._extras_title(name))
            self._extras_view.set_images(images)
        self._show_extras(bool(extras))
        if frame.total > 1:
            self._status.setText(family_text(frame.label) or self.tr("step %1 of %2").replace("%1", str(frame.step))
                                 .replace("%2", str(frame.total)))
            self._progress.setRange(0, frame.total)
            self._progress.setValue(frame.step)
            self._progress.setVisible(not frame.is_last)
        self.frame_shown.emit(frame)

    def _show_extras(self, shown: bool) -> None:
        self._extras_label.setVisible(shown)
        self._extras_view.setVisible(shown)
        self._views.setStretch(1, 1 if shown else 0)

    def _extras_title(self, name: str) -> str:
        if name == "x0":
            return self.tr("Predicted clean images (x0)")
        return self.tr("Intermediate: %1").replace("%1", family_text(name))

    @Slot(object)
    def _on_sample_succeeded(self, frames: list) -> None:
        self._sample_job = None
        self._update_sampling_controls()
        self._draw_timer.stop()
        self._progress.hide()
        if self._pending_frame is not None:
            self._draw_pending()
        if not frames:
            return
        seed = self._request["seed"]
        final = frames[-1]
        progressive = len(frames) > 1
        items = [GalleryItem(image=image, params=self.params(seed + i, batch_seed=seed, index=i),
                             frames=tuple(f[i] for f in frames) if progressive else ())
                 for i, image in enumerate(final)]
        self._status.setText(self.tr("%n image(s) from seed %1", "", len(items)).replace("%1", str(seed)))
        self.images_generated.emit(items)

    # --- latent space -----------------------------------------------------------------------------
    def _build_sliders(self, directions: list) -> None:
        self._directions = directions
        self._sliders, self._slider_values = [], []
        content = QWidget()
        grid = QGridLayout(content)
        for row, direction in enumerate(directions):
            title = direction_title(direction)
            name = QLabel(title, content)
            value = QLabel(content)
            value.setMinimumWidth(40)
            slider = QSlider(Qt.Orientation.Horizontal, content)
            slider.setRange(0, SLIDER_STEPS)
            slider.setObjectName(f"exploreLatentSlider{row}")
            slider.setAccessibleName(self.tr("Latent direction %1").replace("%1", title))
            tip = self.tr("Move along %1 (from %2 to %3); the image follows").replace("%1", title) \
                .replace("%2", f"{direction.low:.3g}").replace("%3", f"{direction.high:.3g}")
            how = family_text(getattr(direction, "help", ""))
            slider.setToolTip(f"{tip}\n{how}" if how else tip)
            name.setToolTip(slider.toolTip())
            slider.setMinimumWidth(60)
            name.setMaximumWidth(130)
            slider.valueChanged.connect(self._on_latent_slider_value_changed)
            grid.addWidget(name, row, 0)
            grid.addWidget(slider, row, 1)
            grid.addWidget(value, row, 2)
            self._sliders.append(slider)
            self._slider_values.append(value)
        grid.setColumnStretch(1, 1)
        grid.setRowStretch(len(directions), 1)
        self._sliders_area.setWidget(content)     # deletes the old content

    def sliders(self) -> list[QSlider]:
        return list(self._sliders)

    def _slider_position(self, i: int) -> float:
        d = self._directions[i]
        return d.low + (d.high - d.low) * self._sliders[i].value() / SLIDER_STEPS

    def latent_position(self) -> np.ndarray | None:
        """The latent the sliders point at: the start moved along each direction by as much as its slider moved."""
        if self._latent_base is None:
            return None
        z = self._latent_base.astype(np.float32).copy()
        for i, direction in enumerate(self._directions):
            vector = np.asarray(direction.vector, np.float32).reshape(z.shape)
            z += (self._slider_position(i) - self._latent_projection[i]) * vector
        return z

    def start_latent_from_seed(self, seed: int) -> None:
        """Start from the random latent of this seed (the one Generate's image 0 uses)."""
        base = seeded_normal(1, tuple(self._family.latent_shape), int(seed))[0].numpy()
        self._set_latent_start(base, {"latent_seed": int(seed)})

    def start_latent_from_file(self, path: str | Path) -> Job | None:
        """Encode an image file in the background and start from its latent."""
        if self._family is None or ENCODE not in self._family.capabilities:
            return None
        job = Job(encode_file, self._family, str(path), parent=self)
        job.succeeded.connect(self._on_encode_succeeded)
        job.failed.connect(self._on_job_failed)
        self._encoding_source = Path(path).name
        self._status.setText(self.tr("Encoding %1…").replace("%1", self._encoding_source))
        return self._track(job).start()

    @Slot(object)
    def _on_encode_succeeded(self, result) -> None:
        _, latent = result
        self._set_latent_start(np.asarray(latent, np.float32), {"latent_source": self._encoding_source})
        self._status.setText(self.tr("Started from %1.").replace("%1", self._encoding_source))

    def _set_latent_start(self, base: np.ndarray, origin: dict) -> None:
        self._latent_base, self._latent_origin = base.astype(np.float32), origin
        flat = base.reshape(-1)
        for slider, direction in zip(self._sliders, self._directions):   # each slider where the start lies along it
            along = float(flat @ np.asarray(direction.vector, np.float32).reshape(-1))
            t = (along - direction.low) / max(direction.high - direction.low, 1e-9)
            with signals_blocked(slider):
                slider.setValue(int(round(np.clip(t, 0.0, 1.0) * SLIDER_STEPS)))
        # Moves are measured from these slider positions, so the start itself is exact even where a
        # slider had to clip or round.
        self._latent_projection = np.array([self._slider_position(i) for i in range(len(self._sliders))], np.float32)
        self._update_slider_labels()
        self._request_decode()

    def _update_slider_labels(self) -> None:
        for i, label in enumerate(self._slider_values):
            label.setText(f"{self._slider_position(i):+.2f}")

    @Slot(int)
    def _on_latent_slider_value_changed(self, _value: int) -> None:
        self._update_slider_labels()
        self._request_decode()

    def _request_decode(self) -> None:
        """Decode the latest position; while one decode runs, later moves collapse into one."""
        self._latent_pending = self.latent_position()
        if not self._decode_busy and self._latent_pending is not None:
            self._start_decode()

    def _start_decode(self) -> None:
        self._decoding, self._latent_pending = self._latent_pending, None
        self._decode_busy = True
        job = Job(decode_latent, self._family, self._decoding, parent=self)
        job.succeeded.connect(self._on_decode_succeeded)
        job.failed.connect(self._on_decode_failed)
        self._track(job).start()

    @Slot(object)
    def _on_decode_succeeded(self, image: np.ndarray) -> None:
        self._decode_busy = False
        self._latent_shown = (self._decoding, image)
        self._latent_view.set_images(image[None])
        self.latent_decoded.emit(image)
        if self._latent_pending is not None:
            self._start_decode()

    @Slot(object)
    def _on_decode_failed(self, error) -> None:
        self._decode_busy = False
        self._on_job_failed(error)

    @Slot()
    def _on_random_start_clicked(self) -> None:
        self._on_dice_clicked()
        self.start_latent_from_seed(self._seed.value())

    @Slot()
    def _on_add_latent_clicked(self) -> None:
        if self._latent_shown is None:
            return
        position, image = self._latent_shown
        params = self.params(self._latent_origin.get("latent_seed", self._seed.value()),
                             latent=[float(v) for v in position.reshape(-1)], **self._latent_origin)
        self.images_generated.emit([GalleryItem(image=image, params=params)])

    # --- dropping an image ------------------------------------------------------------------------
    def dragEnterEvent(self, event) -> None:
        if self._dropped_path(event.mimeData()) is not None:
            event.acceptProposedAction()
        else:
            event.ignore()

    def dropEvent(self, event) -> None:
        path = self._dropped_path(event.mimeData())
        if path is None:
            event.ignore()
            return
        event.acceptProposedAction()
        self.open_image(path)

    def open_image(self, path: str | Path) -> None:
        """An image the user brought: restore what made it, and (encode) start the sliders from it.

        An image made by another run or checkpoint than the model shown goes to `restorer` (the
        window), which opens that run first. A genstudio image with a latent position starts the
        sliders there (exactly); any other image is encoded where the model can.
        """
        try:
            params, problem = read_provenance(Path(path)), None     # the header only, not the pixels
        except ImageMetadataError as error:
            params, problem = None, engine_text(str(error))
        if params is not None and self.restorer is not None and self.made_elsewhere(params):
            self.restorer(str(path), params)
            return
        if params is not None:
            self.restore(params, path)
        at_latent = params is not None and params.source != A1111 and params.latent is not None
        if self._family is not None and ENCODE in self._family.capabilities and not at_latent:
            self.start_latent_from_file(path)
        elif params is None:
            self.show_error(self.tr("Nothing to recall"),
                            problem or self.tr("%1: no genstudio parameters in this file").replace("%1", str(path)))

    def made_elsewhere(self, params) -> bool:
        """Whether a genstudio image (its Provenance or JSON) names another run or checkpoint than the model shown."""
        return as_provenance(params).names_other_model(self._provenance if self._family is not None else None)

    def restore(self, params, source: str | Path | None = None, warnings: list[str] = ()) -> list[str]:
        """Set everything an image's parameters (its Provenance or JSON) say into the controls, and say what was used.

        What is set is the engine's recall(): genstudio parameters give the seed (count 1: image 0 of a
        Generate is drawn from the seed itself), prompt, negative prompt, every sampling option this
        family has and the latent position (the sliders start exactly there); AUTOMATIC1111 parameters
        give the prompts, seed, steps, CFG scale and a sampler of that name. Returns the names of the
        fields used; the message (warnings first) goes to the status line and `restored`.
        """
        name = Path(source).name if source else self.tr("the image")
        family = self._family
        result = recall(params, family.sample_options() if family is not None else None,
                        takes_prompt=family is not None and PROMPT in family.capabilities,
                        latent_shape=tuple(family.latent_shape) if family is not None and LATENT in family.capabilities
                        else None)
        used, unused = self._apply_recall(result)
        if result.source == A1111:
            text = self.tr("From %1 (AUTOMATIC1111 parameters): used %2.").replace("%1", name) \
                .replace("%2", ", ".join(used) or self.tr("nothing"))
            if unused:
                text += " " + self.tr("Not used: %1.").replace("%1", "; ".join(unused))
        else:
            text = self.tr("Restored %1 from %2.").replace("%1", ", ".join(used) or self.tr("nothing")) \
                .replace("%2", name)
            if unused:
                text += " " + self.tr("Not used: %1.").replace("%1", "; ".join(unused))
            if family is not None and not warnings and LATENT_POSITION not in result.values:
                text += " " + self.tr("Press Generate to make it again.")
        if warnings:
            text = "⚠ " + " ".join(warnings) + "\n" + text
        self._status.setText(text)
        if family is None:
            self._message.setText(text + "\n\n" + self._no_model_text())
        self.restored.emit(text)
        return used

    def recall(self, params) -> None:
        """Set seed, prompt and options from an image's parameters (restore, without a source name)."""
        self.restore(params)

    def _apply_recall(self, result) -> tuple[list[str], list[str]]:
        """Put a Recall's values in the controls; (what was used, what was not) in words."""
        values, refused = result.values, set()
        if SEED in values:
            self._seed.setValue(values[SEED])
            self._count.setValue(1)
        if PROMPT_TEXT in values:
            self._prompt.setText(values[PROMPT_TEXT])
        if NEGATIVE in values:
            self._negative.setText(values[NEGATIVE])
        for option, (_, widget) in self._option_widgets.items():
            if option in values and not self._set_option(widget, values[option]):
                refused.add(option)             # shown with fewer decimals, it would not draw the same image
        if LATENT_POSITION in values:
            self._set_latent_start(values[LATENT_POSITION], dict(result.latent_origin))
        used = [self._recalled_text(r) for r in result.set if r.name not in refused]
        unused = [self._recalled_text(r) for r in result.not_set]
        return used, unused + [r.shown for r in result.set if r.name in refused]

    def _recalled_text(self, recalled) -> str:
        """One thing recall() found, in words: set (why == "") or not, and why."""
        name, value = recalled.name, str(recalled.value)
        if recalled.shown:
            return recalled.shown
        if not recalled.why:
            return {SEED: self.tr("seed %1").replace("%1", value), PROMPT_TEXT: self.tr("prompt"),
                    NEGATIVE: self.tr("negative prompt"), LATENT_POSITION: self.tr("latent position")}.get(
                name, self.tr("sampler %1").replace("%1", value))
        if recalled.why == NOT_A_CHOICE:
            return self.tr("sampler %1 (this model has %2)").replace("%1", value) \
                .replace("%2", ", ".join(recalled.choices))
        return {SEED: self.tr("seed %1 (out of range)").replace("%1", value),
                PROMPT_TEXT: self.tr("the prompt (this model takes none)"),
                NEGATIVE: self.tr("the negative prompt (this model takes none)"),
                LATENT_POSITION: self.tr("the latent position (it does not fit this model)")}.get(
            name, self.tr("sampler %1").replace("%1", value))

    def _set_option(self, widget: QWidget, value) -> bool:
        """Show value in an option's control; False when the control cannot show it exactly."""
        if isinstance(widget, QCheckBox):
            widget.setChecked(value)
        elif isinstance(widget, QComboBox):
            widget.setCurrentText(str(value))
        elif isinstance(widget, QSpinBox):
            if not widget.minimum() <= value <= widget.maximum():
                return False
            widget.setValue(value)
        elif isinstance(widget, QDoubleSpinBox):
            if not widget.minimum() <= value <= widget.maximum():
                return False
            widget.setValue(value)
            return widget.value() == value          # shown with fewer decimals would not regenerate
        else:
            widget.setText(str(value))
        return True

    @Slot()
    def _on_open_image_clicked(self) -> None:
        path = self.ask_open_path()
        if path is not None:
            self.open_image(path)

    def ask_open_path(self) -> Path | None:
        """A file dialog for an image (tests patch this)."""
        path, _ = QFileDialog.getOpenFileName(self, self.tr("Open an image"), "",
                                              self.tr("Images (*.png *.jpg *.jpeg *.webp *.bmp *.gif *.tif *.tiff)"))
        return Path(path) if path else None

    def _dropped_path(self, mime) -> str | None:
        if self._family is None or not mime.hasUrls():
            return None
        local = [url.toLocalFile() for url in mime.urls() if url.isLocalFile()]
        return local[0] if local else None

    # --- errors and lifetime ----------------------------------------------------------------------
    @Slot(object)
    def _on_sample_failed(self, error) -> None:
        self._sample_job = None
        self._draw_timer.stop()
        self._update_sampling_controls()
        self._on_job_failed(error)

    @Slot(object)
    def _on_job_failed(self, error) -> None:
        known = isinstance(error, (DatasetError, ValueError, OSError))
        reason = engine_text(str(error)) if known else f"{type(error).__name__}: {error}"
        self._status.setText(self.tr("Failed: %1").replace("%1", reason))
        self._progress.hide()
        self.show_error(self.tr("Could not explore the model"), reason)

    def show_error(self, title: str, message: str) -> None:
        """A modal error dialog (tests patch this)."""
        QMessageBox.warning(self, title, message)

    def jobs(self) -> list[Job]:
        """This panel's background jobs that are still running."""
        return [job for job in self._jobs if job.running]

    def stop(self, timeout_s: float = 10.0) -> bool:
        """Cancel this panel's jobs and wait for them (window close, model change); True if all stopped."""
        self._draw_timer.stop()
        stopped = stop_all(self._jobs, timeout_s)
        self._jobs = [job for job in self._jobs if job.running]
        self._decode_busy, self._sample_job = False, None
        self._update_sampling_controls()
        return stopped
