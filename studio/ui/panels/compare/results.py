"""The Compare step's result views: sample grids side by side, the scores table with the floor, quality over
training time, the memorisation strip, the degradation check and a note per family. Each takes the plain
RunResults of work.py on the GUI thread; none does engine work.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np
from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QFont, QPalette, QPixmap
from PySide6.QtWidgets import (
    QAbstractItemView, QGridLayout, QHeaderView, QLabel, QSizePolicy, QTableWidget, QTableWidgetItem, QVBoxLayout,
    QWidget,
)

from studio.ui.i18n import family_text
from studio.ui.panels.compare.texts import bits_words, check_row_name, family_note, metric_words
from studio.ui.widgets.image_grid import mosaic, to_qimage
from studio.ui.widgets.loss_plot import COLOURS

CARD_WIDTH = 168            # pixels a run's sample grid is drawn in, at most
PAIR_WIDTH = 48             # pixels of each image of a strip pair, at least
COPY_COLOUR = QColor("#d62728")


def pixmap_of(array: np.ndarray, width: int) -> QPixmap:
    """(H, W, C) or a mosaic's (H, W, 4) uint8 as a pixmap enlarged by a whole factor to about `width`, crisp."""
    image = to_qimage(array)
    zoom = max(1, width // max(1, image.width()))
    return QPixmap.fromImage(image).scaled(image.width() * zoom, image.height() * zoom,
                                           Qt.AspectRatioMode.KeepAspectRatio,
                                           Qt.TransformationMode.FastTransformation)


def run_title(result) -> str:
    return Path(result.path).name


def family_title(families: dict, name: str) -> str:
    info = families.get(name)
    return family_text(info.title) if info is not None else name


def _caption(text: str, *, bold: bool = False, muted: bool = False, wrap: bool = False) -> QLabel:
    label = QLabel(text)
    if bold:
        font = label.font()
        font.setBold(True)
        label.setFont(font)
    if muted:
        label.setForegroundRole(QPalette.ColorRole.PlaceholderText)
    label.setWordWrap(wrap)
    return label


def clear_layout(layout) -> None:
    while layout.count():
        item = layout.takeAt(0)
        if item.widget() is not None:
            item.widget().deleteLater()


# -- samples side by side ------------------------------------------------------------------------------------
class SampleGrids(QWidget):
    """One card per run: its name, family and step over its samples at the shared seed."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("compareSampleGrids")
        self._layout = QGridLayout(self)
        self._layout.setContentsMargins(0, 0, 0, 0)
        self._layout.setHorizontalSpacing(18)
        self.cards: list[QLabel] = []          # the image label of each card (tests read their pixmaps)

    def set_results(self, results, families: dict, columns: int = 4) -> None:
        clear_layout(self._layout)
        self.cards = []
        shown = [r for r in results if r.grid is not None]
        for index, result in enumerate(shown):
            card = QWidget()
            column = QVBoxLayout(card)
            column.setContentsMargins(0, 0, 0, 0)
            column.setSpacing(2)
            column.addWidget(_caption(run_title(result), bold=True))
            column.addWidget(_caption(self.tr("{0} · step {1:,}").format(
                family_title(families, result.family), result.step or 0), muted=True))
            picture = QLabel()
            picture.setObjectName("compareSampleGrid")
            picture.setPixmap(pixmap_of(mosaic(result.grid, 4, 1), CARD_WIDTH))
            picture.setAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop)
            picture.setAccessibleName(self.tr("Samples of {0}").format(run_title(result)))
            column.addWidget(picture)
            column.addStretch(1)
            self._layout.addWidget(card, index // columns, index % columns, Qt.AlignmentFlag.AlignTop)
            self.cards.append(picture)
        self._layout.setColumnStretch(columns, 1)


# -- the scores table ----------------------------------------------------------------------------------------
def _value_text(key: str, value) -> str:
    if value is None or not np.isfinite(value):
        return "—"
    if key in ("precision", "recall", "coverage", "memorised", "adherence", "mirrored"):
        return f"{value:.0%}"
    return f"{value:.2f}"


class ScoresTable(QTableWidget):
    """One row per metric: its name, each run's value, the floor's (real images scored as samples), and what the
    metric means in a line. The best run value of a row is in bold (the floor decides for "nearest the floor")."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("compareScoresTable")
        self.setAccessibleName(self.tr("Scores"))
        self.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.setSelectionMode(QAbstractItemView.SelectionMode.NoSelection)
        self.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.verticalHeader().hide()
        self.setAlternatingRowColors(True)
        self.setWordWrap(True)
        self.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self.keys: list[str] = []
        self.floor_column = -1

    @staticmethod
    def keys_for(results, metrics) -> list[str]:
        evaluations = [r.evaluation for r in results]
        keys = [m.key for m in metrics
                if m.key != "adherence" or any(e.model.adherence is not None for e in evaluations)]
        if any(e.bits_per_dim is not None for e in evaluations):
            keys.append("bits")
        return keys

    def set_results(self, results, metrics, families: dict) -> None:
        results = [r for r in results if r.evaluation is not None]
        words = metric_words()
        info = {m.key: m for m in metrics}
        self.keys = self.keys_for(results, metrics) if results else []
        self.clear()
        self.floor_column = len(results) + 1
        self.setColumnCount(len(results) + 3)
        self.setRowCount(len(self.keys))
        headers = [(self.tr("Metric"), "")]
        headers += [(run_title(r), self.tr("{0}, step {1:,}\n{2}").format(family_title(families, r.family),
                                                                          r.step or 0, r.path)) for r in results]
        headers += [(self.tr("Real images (floor)"), self.tr(
            "Training images scored as if they were samples: what \"as good as real\" reads on this data with "
            "this many images.")), (self.tr("What it means"), "")]
        for column, (text, tip) in enumerate(headers):
            item = QTableWidgetItem(text)
            item.setToolTip(tip)
            self.setHorizontalHeaderItem(column, item)
        for row, key in enumerate(self.keys):
            name, explain = bits_words() if key == "bits" else words.get(key, (info[key].name, info[key].explain))
            self._set(row, 0, name, explain, numeric=False)
            for column, result in enumerate(results, start=1):
                self._set(row, column, self._model_text(key, result.evaluation))
            floor = results[0].evaluation.floor
            self._set(row, self.floor_column, "—" if key == "bits" else self._scores_text(key, floor))
            font = self.item(row, self.floor_column).font()
            font.setItalic(True)
            self.item(row, self.floor_column).setFont(font)
            self._set(row, self.floor_column + 1, explain, numeric=False)
            self._mark_best(row, key, results, info)
        header = self.horizontalHeader()
        for column in range(self.columnCount() - 1):
            header.setSectionResizeMode(column, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(self.columnCount() - 1, QHeaderView.ResizeMode.Stretch)
        self._fit_height()

    def _fit_height(self) -> None:
        """As tall as its rows (no vertical scrolling); rows as tall as their wrapped explanations."""
        self.resizeRowsToContents()
        height = self.horizontalHeader().height() + sum(self.rowHeight(r) for r in range(self.rowCount()))
        self.setFixedHeight(height + 2 * self.frameWidth() + 2)

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        self._fit_height()

    def _set(self, row: int, column: int, text: str, tip: str | None = None, *, numeric: bool = True) -> None:
        item = QTableWidgetItem(text)
        if numeric:
            item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        else:
            item.setTextAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
        if tip:
            item.setToolTip(tip)
        self.setItem(row, column, item)

    def _scores_text(self, key: str, scores) -> str:
        value = scores.value(key)
        if key == "kid" and value is not None:
            return f"{value:.2f} ± {scores.kid_std:.2f}"
        return _value_text(key, value)

    def _model_text(self, key: str, evaluation) -> str:
        if key != "bits":
            return self._scores_text(key, evaluation.model)
        if evaluation.bits_per_dim is None:
            return "—"
        sign = "" if evaluation.bits_kind == "exact" else "≤ "
        return f"{sign}{evaluation.bits_per_dim:.2f}"

    def _mark_best(self, row: int, key: str, results, info) -> None:
        if len(results) < 2:
            return
        if key == "bits":
            values, better, floor = [r.evaluation.bits_per_dim for r in results], "lower", None
        else:
            values = [r.evaluation.model.value(key) for r in results]
            better = info[key].better if key in info else "higher"
            floor = results[0].evaluation.floor.value(key)
        ranked = [(self._badness(v, better, floor), column) for column, v in enumerate(values, start=1)
                  if v is not None and np.isfinite(v)]
        if ranked:
            item = self.item(row, min(ranked)[1])
            font = item.font()
            font.setBold(True)
            item.setFont(font)

    @staticmethod
    def _badness(value: float, better: str, floor) -> float:
        if better == "lower":
            return value
        if better == "higher":
            return -value
        return abs(value - floor) if floor is not None else 0.0


# -- quality during training ------------------------------------------------------------------------------------
class QualityPlot(QWidget):
    """KID against the training step of each run that measured it while training (metrics.jsonl "kid")."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("compareQualityPlot")
        self._layout = QVBoxLayout(self)
        self._layout.setContentsMargins(0, 0, 0, 0)
        self.note = _caption("", muted=True, wrap=True)
        self.note.setObjectName("compareQualityNote")
        self._layout.addWidget(self.note)
        self._view = None
        self.curves: dict[str, tuple] = {}

    def set_results(self, results) -> None:
        measured = [r for r in results if r.quality]
        missing = [run_title(r) for r in results if not r.quality]
        self.curves = {run_title(r): r.quality for r in measured}
        if not measured:
            self.note.setText(self.tr("Not measured during training: none of these runs logged KID while it "
                                      "trained, so there is no quality-over-time curve. The table above measures "
                                      "each run's last checkpoint."))
            if self._view is not None:
                self._view.hide()
            return
        self.note.setText(self.tr("Not measured during training: {0}").format(", ".join(missing)) if missing
                          else self.tr("KID measured while each run trained (lower is better)."))
        self._draw(measured)

    def _draw(self, measured) -> None:
        import pyqtgraph as pg

        palette = self.palette()
        text = palette.color(QPalette.ColorRole.Text)
        if self._view is None:
            self._view = pg.PlotWidget()
            self._view.setObjectName("compareQualityView")
            self._view.setFixedHeight(240)
            self._view.setBackground(palette.color(QPalette.ColorRole.Base))
            self._view.showGrid(x=True, y=True, alpha=0.15)
            self._view.setLabel("bottom", self.tr("step"), color=text.name())
            self._view.setLabel("left", self.tr("KID"), color=text.name())
            for name in ("left", "bottom"):
                self._view.getAxis(name).setTextPen(pg.mkPen(text))
            self._layout.addWidget(self._view)
        self._view.show()
        plot = self._view.getPlotItem()
        plot.clear()
        if plot.legend is None:
            plot.addLegend(offset=(-10, 10), labelTextColor=text)
        for index, result in enumerate(measured):
            steps, values = zip(*result.quality)
            colour = COLOURS[index % len(COLOURS)]
            plot.plot(np.asarray(steps, np.float64), np.asarray(values), pen=pg.mkPen(colour, width=2),
                      symbol="o", symbolSize=5, symbolBrush=colour, name=run_title(result))


# -- the memorisation strip ----------------------------------------------------------------------------------
class CopyStrip(QWidget):
    """Per run, its samples nearest to a training image, each beside that image, with the distance ratio; below
    1 the sample is closer to it than unseen real images are to the training set: "likely copy"."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("compareCopyStrip")
        self._layout = QGridLayout(self)
        self._layout.setContentsMargins(0, 0, 0, 0)
        self._layout.setHorizontalSpacing(10)
        self._layout.setVerticalSpacing(4)
        self.pairs: list[QWidget] = []
        self.copies = 0

    def set_results(self, results, per_run: int = 6) -> None:
        clear_layout(self._layout)
        self.pairs, self.copies = [], 0
        row = 0
        for result in results:
            if not result.pairs:
                continue
            self._layout.addWidget(_caption(run_title(result), bold=True), row, 0, 1, per_run + 1)
            row += 1
            for column, pair in enumerate(result.pairs[:per_run]):
                widget = self._pair(pair)
                self._layout.addWidget(widget, row, column, Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
                self.pairs.append(widget)
            row += 1
            if any(p.sample is None for p in result.pairs):
                self._layout.addWidget(_caption(self.tr(
                    "These figures were read from the run's saved evaluation, which keeps no images: tick "
                    "\"Measure again\" to see its samples here."), muted=True, wrap=True), row, 0, 1, per_run + 1)
                row += 1
        self._layout.setColumnStretch(per_run, 1)

    def _pair(self, pair) -> QWidget:
        widget = QWidget()
        widget.setObjectName("compareCopyPair")
        column = QVBoxLayout(widget)
        column.setContentsMargins(0, 0, 0, 0)
        column.setSpacing(1)
        size = max(PAIR_WIDTH, 3 * pair.train.shape[1]) // pair.train.shape[1] * pair.train.shape[1]
        images = [pair.sample if pair.sample is not None else np.full_like(pair.train, 128), pair.train]
        picture = QLabel()
        picture.setPixmap(pixmap_of(mosaic(np.stack(images), 2, 1), 2 * size + 1))
        picture.setToolTip(self.tr("Left: a generated image. Right: the training image nearest to it."))
        column.addWidget(picture)
        copy = pair.ratio < 1
        self.copies += copy
        label = QLabel(self.tr("ratio {0:.2f} · likely copy").format(pair.ratio) if copy
                       else self.tr("ratio {0:.2f}").format(pair.ratio))
        label.setObjectName("compareCopyLabel")
        if copy:
            palette = label.palette()
            palette.setColor(QPalette.ColorRole.WindowText, COPY_COLOUR)
            label.setPalette(palette)
            font = label.font()
            font.setBold(True)
            label.setFont(font)
        column.addWidget(label)
        return widget


# -- the degradation check and the family notes ---------------------------------------------------------------
class CheckView(QLabel):
    """The degradation check: the verdict in a line, then the KID of each set in order."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("compareCheckLabel")
        self.setWordWrap(True)
        self.setTextFormat(Qt.TextFormat.RichText)
        self.passed: bool | None = None

    def set_check(self, check) -> None:
        if not check.rows:
            self.passed = None
            self.setText(self.tr("The degradation check was not run."))
            return
        self.passed = check.passed
        order = " &lt; ".join(f"{check_row_name(row.name)} {row.kid:.2f}" for row in check.rows)
        if check.passed:
            verdict = self.tr("<b>Passed.</b> Real unseen images, made worse step by step, score worse step by "
                              "step: the measuring network tells good images from bad ones on this data, so the "
                              "figures mean something.")
        else:
            verdict = self.tr("<b>Not passed.</b> The measuring network does not score images that were made "
                              "worse as worse on this data, so read the figures with care (more images or a "
                              "longer-trained measuring network help).")
        colour = "#2ca02c" if check.passed else COPY_COLOUR.name()
        self.setText(f"<span style='color:{colour}'>■</span> {verdict}<br><small>"
                     + self.tr("KID of each set: {0}").format(order) + "</small>")


def notes_text(results, families: dict) -> str:
    seen, lines = set(), []
    for result in results:
        if result.family in seen:
            continue
        seen.add(result.family)
        note = family_note(result.family)
        if note:
            lines.append(f"<b>{family_title(families, result.family)}</b> — {note}")
    return "<br><br>".join(lines)


def heading_font(label: QLabel) -> QLabel:
    font: QFont = label.font()
    font.setBold(True)
    font.setPointSizeF(font.pointSizeF() * 1.1)
    label.setFont(font)
    return label
