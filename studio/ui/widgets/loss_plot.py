"""The live loss plot: training losses smoothed (EMA) as lines, validation losses as points.

One colour per loss key; the family decides the keys (KL vs reconstruction, D vs
G, ...), so the plot only draws what arrives. Raw losses of some families (a
diffusion model's random timestep) jump around: the line is an exponential
moving average, bias-corrected so the first points are not pulled to zero.

pyqtgraph takes ~0.5 s to import, so it is imported when the plot is first
shown or first given data, never while the window opens. Redraws are batched:
at most one every `REDRAW_MS`, however many points arrive.
"""
from __future__ import annotations

from typing import Mapping

import numpy as np
from PySide6.QtCore import QEvent, Qt, QTimer, Slot
from PySide6.QtGui import QColor, QPalette
from PySide6.QtWidgets import QLabel, QVBoxLayout, QWidget

REDRAW_MS = 250
LEGEND_COLUMNS = 4
# Tableau 10: distinct, and readable on light and dark backgrounds alike.
COLOURS = ("#4e79a7", "#f28e2b", "#59a14f", "#e15759", "#b07aa1", "#76b7b2", "#edc948", "#ff9da7",
           "#9c755f", "#bab0ac")


class _Series:
    """One loss key: raw points and their EMA."""

    def __init__(self, smoothing: float):
        self.smoothing = smoothing
        self.steps: list[int] = []
        self.smoothed: list[float] = []
        self._ema = 0.0
        self._weight = 0.0

    def add(self, step: int, value: float) -> None:
        if not np.isfinite(value):
            return
        self._ema = self.smoothing * self._ema + (1 - self.smoothing) * value
        self._weight = self.smoothing * self._weight + (1 - self.smoothing)
        self.steps.append(step)
        self.smoothed.append(self._ema / self._weight)      # bias-corrected, as in Adam


class LossPlot(QWidget):
    """Losses against steps. `add_training()` / `add_validation()` from the main thread."""

    def __init__(self, parent: QWidget | None = None, *, smoothing: float = 0.9):
        super().__init__(parent)
        self.setObjectName("lossPlot")
        self.setAccessibleName(self.tr("Loss plot"))
        self.setAccessibleDescription(self.tr("Training losses (smoothed lines) and validation losses (points) "
                                              "against the training step"))
        self.setToolTip(self.tr("Lines: training losses, smoothed. Points: validation losses on held-out images.\n"
                                "Click a name in the legend to hide or show it; drag to pan, wheel to zoom, "
                                "right-click for more."))
        self.setMinimumHeight(160)
        self._smoothing = smoothing
        self._train: dict[str, _Series] = {}
        self._validation: dict[str, tuple[list[int], list[float]]] = {}
        self._colours: dict[str, str] = {}
        self._minimum = float("inf")            # the smallest value drawn (decides the log scale)
        self._plot = None                       # the pyqtgraph PlotWidget, made on first need
        self._items: dict[tuple[str, str], object] = {}
        self.redraws = 0                        # how many times the curves were redrawn (tests, benchmarks)

        self._placeholder = QLabel(self.tr("The losses appear here once training starts."))
        self._placeholder.setObjectName("lossPlotPlaceholder")
        self._placeholder.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self._placeholder.setForegroundRole(QPalette.ColorRole.PlaceholderText)
        self._layout = QVBoxLayout(self)
        self._layout.setContentsMargins(0, 0, 0, 0)
        self._layout.addWidget(self._placeholder)
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(REDRAW_MS)
        self._timer.timeout.connect(self._on_timer_timeout)

    # --- data -------------------------------------------------------------------------------------

    def add_training(self, step: int, losses: Mapping[str, float]) -> None:
        """Training losses at `step` (means since the previous report)."""
        for key, value in losses.items():
            series = self._train.setdefault(key, _Series(self._smoothing))
            series.add(int(step), float(value))
            if series.smoothed:
                self._minimum = min(self._minimum, series.smoothed[-1])
            self._colour(key)
        self._schedule()

    def add_validation(self, step: int, losses: Mapping[str, float]) -> None:
        """Validation losses at `step`, drawn as points."""
        for key, value in losses.items():
            if np.isfinite(value):
                steps, values = self._validation.setdefault(key, ([], []))
                steps.append(int(step))
                values.append(float(value))
                self._minimum = min(self._minimum, float(value))
                self._colour(key)
        self._schedule()

    def clear(self) -> None:
        self._train.clear()
        self._validation.clear()
        self._colours.clear()
        self._minimum = float("inf")
        if self._plot is not None:
            self._plot.getPlotItem().clear()
            self._items.clear()
        self._placeholder.setVisible(self._plot is None)

    def keys(self) -> list[str]:
        """Every loss key seen, training and validation, in order of arrival."""
        return list(self._colours)

    def smoothed(self, key: str) -> tuple[np.ndarray, np.ndarray]:
        """(steps, EMA-smoothed values) of one training loss."""
        series = self._train.get(key)
        if series is None:
            return np.zeros(0, np.int64), np.zeros(0)
        return np.asarray(series.steps, np.int64), np.asarray(series.smoothed)

    def validation(self, key: str) -> tuple[np.ndarray, np.ndarray]:
        steps, values = self._validation.get(key, ([], []))
        return np.asarray(steps, np.int64), np.asarray(values)

    def _colour(self, key: str) -> str:
        if key not in self._colours:
            self._colours[key] = COLOURS[len(self._colours) % len(COLOURS)]
        return self._colours[key]

    def _schedule(self) -> None:
        if not self._timer.isActive():
            self._timer.start()

    # --- drawing ----------------------------------------------------------------------------------

    @Slot()
    def _on_timer_timeout(self) -> None:
        self.redraw()

    def redraw(self) -> None:
        """Push the data to the curves now (normally the timer does this, at most every REDRAW_MS)."""
        if not self._train and not self._validation:
            return
        self._ensure_plot()
        import pyqtgraph as pg

        plot = self._plot.getPlotItem()
        for key, series in self._train.items():
            curve = self._items.get(("train", key))
            if curve is None:
                curve = plot.plot(pen=pg.mkPen(self._colours[key], width=2), name=key)
                curve.setDownsampling(auto=True, method="peak")
                curve.setClipToView(True)
                self._items[("train", key)] = curve
            curve.setData(np.asarray(series.steps, np.float64), np.asarray(series.smoothed))
        for key, (steps, values) in self._validation.items():
            points = self._items.get(("val", key))
            if points is None:
                colour = self._colours[key]
                points = plot.plot(pen=None, symbol="o", symbolSize=7, symbolBrush=colour,
                                   symbolPen=pg.mkPen(self.palette().color(QPalette.ColorRole.Base)),
                                   name=self.tr("{0} (validation)").format(key))
                self._items[("val", key)] = points
            points.setData(np.asarray(steps, np.float64), np.asarray(values))
        plot.setLogMode(x=False, y=self.log_scale)
        self.redraws += 1

    @property
    def log_scale(self) -> bool:
        """A logarithmic y axis while every value is positive: KL in the tens and a reconstruction error
        in the hundredths then both stay readable. Any zero or negative value: linear."""
        return self._minimum > 0

    def _ensure_plot(self) -> None:
        if self._plot is not None:
            return
        import pyqtgraph as pg

        pg.setConfigOptions(antialias=True)
        self._plot = pg.PlotWidget()
        self._plot.setObjectName("lossPlotView")
        self._plot.setAccessibleName(self.tr("Loss curves"))
        item = self._plot.getPlotItem()
        item.showGrid(x=True, y=True, alpha=0.15)
        item.setLabel("bottom", self.tr("step"))
        item.setMenuEnabled(True)
        legend = item.addLegend(offset=(-10, 4), labelTextSize="8pt", verSpacing=-6)
        legend.setColumnCount(LEGEND_COLUMNS)
        self._layout.addWidget(self._plot)
        self._placeholder.hide()
        self._apply_palette()

    def _apply_palette(self) -> None:
        if self._plot is None:
            return
        import pyqtgraph as pg

        palette = self.palette()
        self._plot.setBackground(palette.color(QPalette.ColorRole.Base))
        text = palette.color(QPalette.ColorRole.Text)
        item = self._plot.getPlotItem()
        for name in ("left", "bottom"):
            axis = item.getAxis(name)
            axis.setPen(pg.mkPen(palette.color(QPalette.ColorRole.Mid)))
            axis.setTextPen(pg.mkPen(text))
        if item.legend is not None:
            item.legend.setLabelTextColor(text)
            item.legend.setBrush(pg.mkBrush(_with_alpha(palette.color(QPalette.ColorRole.Base), 200)))
            for _, label in item.legend.items:
                label.setText(label.text, color=text)

    def showEvent(self, event) -> None:
        super().showEvent(event)
        if self._train or self._validation:
            self._schedule()

    def changeEvent(self, event) -> None:
        super().changeEvent(event)
        if event.type() == QEvent.Type.PaletteChange:
            self._apply_palette()


def _with_alpha(colour: QColor, alpha: int) -> QColor:
    colour = QColor(colour)
    colour.setAlpha(alpha)
    return colour
