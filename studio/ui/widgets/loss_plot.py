"""The live loss plot: one small chart per loss key, training smoothed (EMA) as a line, validation as points,
and the sample quality measured while training (KID, prompts followed) as a line through its points.

The family decides the keys (KL vs reconstruction, D vs G, ...), so the plot only
draws what arrives. Keys differ by orders of magnitude (a KL in the tens, a
reconstruction error in the hundredths, a weight ramping from 0), so each key
gets its own chart and y scale ("small multiples"), all sharing the step axis.
Raw losses of some
families (a diffusion model's random timestep) jump around: the line is an
exponential moving average, bias-corrected so the first points are not pulled
to zero.

pyqtgraph takes ~0.5 s to import, so it is imported when the plot is first
given data, never while the window opens; the window calls `preload_plotting()`
in a worker beforehand so even that first plot does not stall the UI. Redraws
are batched: at most one every `REDRAW_MS`, however many points arrive.
"""
from __future__ import annotations

from typing import Mapping

import numpy as np
from PySide6.QtCore import QEvent, Qt, QTimer, Slot
from PySide6.QtGui import QPalette
from PySide6.QtWidgets import QLabel, QVBoxLayout, QWidget

from studio.ui.i18n import metric_title

# Repainting the charts is the main thread's longest job while training (py-spy: pyqtgraph's paint and
# axis layout, ~80 ms a time on a busy 2-core CPU), so they are redrawn at most once a second.
REDRAW_MS = 1000
QUALITY_KID, QUALITY_ADHERENCE = "quality:kid", "quality:adherence"     # chart keys no family's loss can take
# Tableau 10: distinct, and readable on light and dark backgrounds alike.
COLOURS = ("#4e79a7", "#f28e2b", "#59a14f", "#e15759", "#b07aa1", "#76b7b2", "#edc948", "#ff9da7",
           "#9c755f", "#bab0ac")


def preload_plotting() -> None:
    """Import pyqtgraph (plain imports, no Qt objects: safe in a worker thread)."""
    import pyqtgraph  # noqa: F401 (imported for its side effect: loaded once, here)


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
        self.setToolTip(self.tr("One chart per loss. Line: training loss, smoothed. Points: validation loss on "
                                "held-out images.\nDrag to pan, wheel to zoom, right-click for more."))
        self.setMinimumHeight(160)
        self._smoothing = smoothing
        self._train: dict[str, _Series] = {}
        self._validation: dict[str, tuple[list[int], list[float]]] = {}
        self._quality: dict[str, tuple[list[int], list[float]]] = {}   # "kid", "adherence" -> (steps, values)
        self._titles: dict[str, str] = {}       # chart titles other than a loss key's
        self._colours: dict[str, str] = {}
        self._view = None                       # the pyqtgraph GraphicsLayoutWidget, made on first need
        self._charts: dict[str, object] = {}    # key -> PlotItem
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
            self._colour(key)
        self._schedule()

    def add_validation(self, step: int, losses: Mapping[str, float]) -> None:
        """Validation losses at `step`, drawn as points."""
        for key, value in losses.items():
            if np.isfinite(value):
                steps, values = self._validation.setdefault(key, ([], []))
                steps.append(int(step))
                values.append(float(value))
                self._colour(key)
        self._schedule()

    def add_quality(self, step: int, kid: float, adherence: float | None = None) -> None:
        """Sample quality measured at `step` (studio.engine.training.quality): KID, and the share of prompts
        followed where the samples had prompts."""
        values = {QUALITY_KID: kid} if adherence is None else {QUALITY_KID: kid, QUALITY_ADHERENCE: adherence}
        for key, value in values.items():
            if np.isfinite(value):
                steps, points = self._quality.setdefault(key, ([], []))
                steps.append(int(step))
                points.append(float(value))
                self._colour(key)
        self._titles[QUALITY_KID] = self.tr("Sample quality: KID (lower is better)")
        self._titles[QUALITY_ADHERENCE] = self.tr("Prompts followed (higher is better)")
        self._schedule()

    def quality(self, key: str = QUALITY_KID) -> tuple[np.ndarray, np.ndarray]:
        """(steps, values) of a quality measure: QUALITY_KID or QUALITY_ADHERENCE."""
        steps, values = self._quality.get(key, ([], []))
        return np.asarray(steps, np.int64), np.asarray(values)

    def clear(self) -> None:
        self._train.clear()
        self._validation.clear()
        self._quality.clear()
        self._colours.clear()
        if self._view is not None:
            self._view.clear()
        self._charts.clear()
        self._items.clear()

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
        """Push the data to the charts now (normally the timer does this, at most every REDRAW_MS)."""
        if not self._train and not self._validation and not self._quality:
            return
        self._ensure_view()
        import pyqtgraph as pg

        # Making a chart costs tens of milliseconds: at most one new chart per redraw, the rest next time.
        missing = [key for key in self._colours if key not in self._charts]
        if missing:
            self._chart(missing[0])
            if len(missing) > 1:
                self._schedule()
        for key, series in self._train.items():
            if key not in self._charts:
                continue
            curve = self._items.get(("train", key))
            if curve is None:
                curve = self._chart(key).plot(pen=pg.mkPen(self._colours[key], width=2))
                curve.setDownsampling(auto=True, method="peak")
                curve.setClipToView(True)
                self._items[("train", key)] = curve
            curve.setData(np.asarray(series.steps, np.float64), np.asarray(series.smoothed))
        for key, (steps, values) in self._validation.items():
            if key not in self._charts:
                continue
            points = self._items.get(("val", key))
            if points is None:
                points = self._chart(key).plot(pen=None, symbol="o", symbolSize=6, symbolBrush=self._colours[key],
                                               symbolPen=pg.mkPen(self.palette().color(QPalette.ColorRole.Text)))
                self._items[("val", key)] = points
            points.setData(np.asarray(steps, np.float64), np.asarray(values))
        for key, (steps, values) in self._quality.items():
            if key not in self._charts:
                continue
            line = self._items.get(("quality", key))
            if line is None:
                line = self._chart(key).plot(pen=pg.mkPen(self._colours[key], width=2), symbol="o", symbolSize=6,
                                             symbolBrush=self._colours[key])
                self._items[("quality", key)] = line
            line.setData(np.asarray(steps, np.float64), np.asarray(values))
        self.redraws += 1

    def _chart(self, key: str):
        """The small chart of one key, made on its first value; charts fill two columns."""
        if key not in self._charts:
            index = len(self._charts)
            chart = self._view.addPlot(row=index // 2, col=index % 2)
            chart.showGrid(x=True, y=True, alpha=0.15)
            chart.hideButtons()
            chart.setMenuEnabled(True)
            if self._charts:
                chart.setXLink(next(iter(self._charts.values())))
            self._charts[key] = chart
            self._style_chart(key, chart)
        return self._charts[key]

    def _ensure_view(self) -> None:
        if self._view is not None:
            return
        import pyqtgraph as pg

        pg.setConfigOptions(antialias=False)      # antialiased lines cost paint time on every redraw
        self._view = pg.GraphicsLayoutWidget()
        self._view.setObjectName("lossPlotView")
        self._view.setAccessibleName(self.tr("Loss charts"))
        self._layout.addWidget(self._view)
        self._placeholder.hide()
        self._apply_palette()

    def _apply_palette(self) -> None:
        if self._view is None:
            return
        self._view.setBackground(self.palette().color(QPalette.ColorRole.Base))
        for key, chart in self._charts.items():
            self._style_chart(key, chart)

    def _style_chart(self, key: str, chart) -> None:
        import pyqtgraph as pg

        palette = self.palette()
        text = palette.color(QPalette.ColorRole.Text)
        chart.setTitle(self._titles.get(key) or metric_title(key), color=text.name(), size="9pt")
        for name in ("left", "bottom"):
            axis = chart.getAxis(name)
            axis.setPen(pg.mkPen(palette.color(QPalette.ColorRole.Mid)))
            axis.setTextPen(pg.mkPen(text))

    def showEvent(self, event) -> None:
        super().showEvent(event)
        if self._train or self._validation or self._quality:
            self._schedule()

    def changeEvent(self, event) -> None:
        super().changeEvent(event)
        if event.type() == QEvent.Type.PaletteChange:
            self._apply_palette()

