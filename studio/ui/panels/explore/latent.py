"""Explore's latent sliders: one slider per `latent_directions()` (at most MAX_SLIDERS), the image at the
position they point to, decoded in a Job as they move (while one decode runs, later moves collapse into
the latest), starting from a seed's random latent, an encoded image, or a recalled position.

A slider's value is the latent's coordinate along its direction (studio/engine/latent.py); moves are
measured from where the start put each slider, so the start itself is exact even where a slider had to
clip or round. Texts are translated in the "ExplorePanel" context.
"""
from __future__ import annotations

from pathlib import Path
from typing import Callable

import numpy as np
from PySide6.QtCore import QCoreApplication, Qt, Signal, Slot
from PySide6.QtWidgets import QGridLayout, QGroupBox, QHBoxLayout, QLabel, QSlider, QVBoxLayout, QWidget
from superqt.utils import signals_blocked

from studio.engine import ENCODE, LATENT, decode_latent, encode_file, seeded_normal
from studio.ui.i18n import direction_title, family_text
from studio.ui.panels.explore.prompt import push_button
from studio.ui.widgets.image_grid import ImageGrid
from studio.ui.widgets.styling import vertical_scroll
from studio.ui.workers import Job

translate = QCoreApplication.translate
MAX_SLIDERS = 12
SLIDER_STEPS = 1000


class LatentSliders(QGroupBox):
    """The latent space of the model shown: sliders, the image they point at, and where they started."""

    decoded = Signal(object)               # (H, W, C) uint8: the image at the latest position
    encoded = Signal(str)                  # the name of the file whose latent is now the start
    failed = Signal(object)                # a decode or an encode raised this
    random_start_requested = Signal()
    add_requested = Signal()               # put the image shown in the gallery

    def __init__(self, track: Callable[[Job], Job], parent: QWidget | None = None):
        super().__init__(translate("ExplorePanel", "Latent space"), parent)
        self.setObjectName("exploreLatentGroup")
        self.setMinimumWidth(320)
        self.setMaximumWidth(380)
        self._track = track
        self._family = None
        self.directions: list = []
        self._sliders: list[QSlider] = []
        self._values: list[QLabel] = []
        self.base: np.ndarray | None = None              # the start
        self.projection: np.ndarray | None = None        # each slider's position at the start
        self.origin: dict = {}                           # {"latent_seed": s} or {"latent_source": file name}
        self.pending: np.ndarray | None = None           # the latest position, waiting for a decode
        self._decoding: np.ndarray | None = None
        self.busy = False                                # a decode runs
        self.shown: tuple[np.ndarray, np.ndarray] | None = None     # (position, image) drawn
        self._encoding = ""
        self._build()

    def _build(self) -> None:
        layout = QVBoxLayout(self)
        self.view = ImageGrid(self)
        self.view.setObjectName("exploreLatentView")
        self.view.setAccessibleName(translate("ExplorePanel", "Image at the latent position"))
        self.view.setMinimumSize(128, 128)
        self.hint = QLabel(translate("ExplorePanel", "Drop an image here to start from it."), self)
        self.hint.setObjectName("exploreLatentHint")
        self.hint.setWordWrap(True)
        buttons = QHBoxLayout()
        self.random_start = push_button(
            self, translate("ExplorePanel", "Random start"), "exploreRandomStartButton",
            translate("ExplorePanel", "Random start"),
            translate("ExplorePanel", "Start from a new random point (its seed goes in the Seed box)"),
            self.random_start_requested)
        self.add_button = push_button(
            self, translate("ExplorePanel", "Add to gallery"), "exploreAddLatentButton",
            translate("ExplorePanel", "Add to gallery"),
            translate("ExplorePanel", "Put this image, with its latent position, in the gallery"),
            self._on_add_button_clicked)
        buttons.addWidget(self.random_start)
        buttons.addWidget(self.add_button)
        self._area = vertical_scroll(QWidget(), "exploreSlidersArea", translate("ExplorePanel", "Latent sliders"),
                                     framed=True, parent=self)
        layout.addWidget(self.view, 1)
        layout.addWidget(self.hint)
        layout.addLayout(buttons)
        layout.addWidget(self._area, 1)

    # --- the model ------------------------------------------------------------------------------------
    def set_family(self, family, seed: int) -> None:
        """Show this model's latent space (hidden when it has none), starting from `seed`'s latent."""
        self._family = family
        self.busy, self.pending, self.shown = False, None, None
        self.view.clear()
        caps = family.capabilities if family is not None else frozenset()
        self.setVisible(LATENT in caps)
        self.hint.setVisible(ENCODE in caps)
        if LATENT in caps:
            self._build_sliders(family.latent_directions()[:MAX_SLIDERS])
            self.start_from_seed(seed)

    def _build_sliders(self, directions: list) -> None:
        self.directions = directions
        self._sliders, self._values = [], []
        content = QWidget()
        grid = QGridLayout(content)
        for row, direction in enumerate(directions):
            slider, name, value = self._slider_row(row, direction, content)
            grid.addWidget(name, row, 0)
            grid.addWidget(slider, row, 1)
            grid.addWidget(value, row, 2)
            self._sliders.append(slider)
            self._values.append(value)
        grid.setColumnStretch(1, 1)
        grid.setRowStretch(len(directions), 1)
        self._area.setWidget(content)     # deletes the old content

    def _slider_row(self, row: int, direction, parent: QWidget) -> tuple[QSlider, QLabel, QLabel]:
        title = direction_title(direction)
        name = QLabel(title, parent)
        value = QLabel(parent)
        value.setMinimumWidth(40)
        slider = QSlider(Qt.Orientation.Horizontal, parent)
        slider.setRange(0, SLIDER_STEPS)
        slider.setObjectName(f"exploreLatentSlider{row}")
        slider.setAccessibleName(translate("ExplorePanel", "Latent direction %1").replace("%1", title))
        tip = translate("ExplorePanel", "Move along %1 (from %2 to %3); the image follows").replace("%1", title) \
            .replace("%2", f"{direction.low:.3g}").replace("%3", f"{direction.high:.3g}")
        how = family_text(getattr(direction, "help", ""))
        slider.setToolTip(f"{tip}\n{how}" if how else tip)
        name.setToolTip(slider.toolTip())
        slider.setMinimumWidth(60)
        name.setMaximumWidth(130)
        slider.valueChanged.connect(self._on_slider_value_changed)
        return slider, name, value

    def sliders(self) -> list[QSlider]:
        return list(self._sliders)

    # --- where the sliders point ----------------------------------------------------------------------
    def slider_position(self, i: int) -> float:
        d = self.directions[i]
        return d.low + (d.high - d.low) * self._sliders[i].value() / SLIDER_STEPS

    def position(self) -> np.ndarray | None:
        """The latent the sliders point at: the start moved along each direction by as much as its slider moved."""
        if self.base is None:
            return None
        z = self.base.astype(np.float32).copy()
        for i, direction in enumerate(self.directions):
            vector = np.asarray(direction.vector, np.float32).reshape(z.shape)
            z += (self.slider_position(i) - self.projection[i]) * vector
        return z

    def start_from_seed(self, seed: int) -> None:
        """Start from the random latent of this seed (the one Generate's image 0 uses)."""
        base = seeded_normal(1, tuple(self._family.latent_shape), int(seed))[0].numpy()
        self.set_start(base, {"latent_seed": int(seed)})

    def start_from_file(self, path: str | Path) -> Job | None:
        """Encode an image file in the background and start from its latent (None: the model cannot encode)."""
        if self._family is None or ENCODE not in self._family.capabilities:
            return None
        job = Job(encode_file, self._family, str(path), parent=self)
        job.succeeded.connect(self._on_encode_succeeded)
        job.failed.connect(self.failed)
        self._encoding = Path(path).name
        return self._track(job).start()

    @Slot(object)
    def _on_encode_succeeded(self, result) -> None:
        _, latent = result
        self.set_start(np.asarray(latent, np.float32), {"latent_source": self._encoding})
        self.encoded.emit(self._encoding)

    def set_start(self, base: np.ndarray, origin: dict) -> None:
        """Start from this latent: each slider where the start lies along its direction."""
        self.base, self.origin = base.astype(np.float32), origin
        flat = base.reshape(-1)
        for slider, direction in zip(self._sliders, self.directions):
            along = float(flat @ np.asarray(direction.vector, np.float32).reshape(-1))
            t = (along - direction.low) / max(direction.high - direction.low, 1e-9)
            with signals_blocked(slider):
                slider.setValue(int(round(np.clip(t, 0.0, 1.0) * SLIDER_STEPS)))
        self.projection = np.array([self.slider_position(i) for i in range(len(self._sliders))], np.float32)
        self._update_labels()
        self._request_decode()

    def _update_labels(self) -> None:
        for i, label in enumerate(self._values):
            label.setText(f"{self.slider_position(i):+.2f}")

    # --- decoding, the latest position only -----------------------------------------------------------
    @Slot(int)
    def _on_slider_value_changed(self, _value: int) -> None:
        self._update_labels()
        self._request_decode()

    def _request_decode(self) -> None:
        """Decode the latest position; while one decode runs, later moves collapse into one."""
        self.pending = self.position()
        if not self.busy and self.pending is not None:
            self._start_decode()

    def _start_decode(self) -> None:
        self._decoding, self.pending = self.pending, None
        self.busy = True
        job = Job(decode_latent, self._family, self._decoding, parent=self)
        job.succeeded.connect(self._on_decode_succeeded)
        job.failed.connect(self._on_decode_failed)
        self._track(job).start()

    @Slot(object)
    def _on_decode_succeeded(self, image: np.ndarray) -> None:
        self.busy = False
        self.shown = (self._decoding, image)
        self.view.set_images(image[None])
        self.decoded.emit(image)
        if self.pending is not None:
            self._start_decode()

    @Slot(object)
    def _on_decode_failed(self, error) -> None:
        self.busy = False
        self.failed.emit(error)

    @Slot()
    def _on_add_button_clicked(self) -> None:
        if self.shown is not None:
            self.add_requested.emit()
