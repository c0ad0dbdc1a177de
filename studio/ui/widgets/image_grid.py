"""Images as a mosaic: numpy uint8 (N, H, W, C) -> one picture on screen.

`mosaic()` is plain numpy and may run on any thread; `to_qimage()` copies
pixels into a QImage that owns them; `ImageGrid` turns that into a QPixmap
(GUI thread only) and draws it at the largest whole-number zoom that fits,
without smoothing, so 32-pixel images stay crisp.
"""
from __future__ import annotations

import math

import numpy as np
from PySide6.QtCore import QRect, QSize, Qt
from PySide6.QtGui import QImage, QPainter, QPixmap
from PySide6.QtWidgets import QSizePolicy, QWidget

_FORMATS = {1: QImage.Format.Format_Grayscale8, 3: QImage.Format.Format_RGB888, 4: QImage.Format.Format_RGBA8888}


def mosaic(images: np.ndarray, columns: int | None = None, gap: int = 2) -> np.ndarray:
    """Tile (N, H, W, C) uint8 images into one (rows*(H+gap)-gap, cols*(W+gap)-gap, 4) RGBA array.

    Grayscale (C=1) is repeated to RGB; gaps and unused cells are transparent,
    so whatever is behind the picture (the palette's window colour) shows through.
    """
    images = np.asarray(images)
    if images.ndim == 3:                           # (N, H, W): grayscale without a channel axis
        images = images[..., None]
    if images.ndim != 4 or images.shape[-1] not in (1, 3, 4) or images.dtype != np.uint8:
        raise ValueError(f"expected uint8 images (N, H, W, 1|3|4), got {images.dtype} {images.shape}")
    n, h, w, c = images.shape
    if n == 0:
        return np.zeros((0, 0, 4), np.uint8)
    columns = max(1, min(n, columns or math.ceil(math.sqrt(n))))
    rows = math.ceil(n / columns)
    out = np.zeros((rows * (h + gap) - gap, columns * (w + gap) - gap, 4), np.uint8)   # transparent
    for i, image in enumerate(images):
        r, col = divmod(i, columns)
        cell = out[r * (h + gap): r * (h + gap) + h, col * (w + gap): col * (w + gap) + w]
        cell[..., :3] = image[..., :3] if c >= 3 else image        # (H, W, 1) broadcasts to RGB
        cell[..., 3] = image[..., 3] if c == 4 else 255
    return out


def to_qimage(array: np.ndarray) -> QImage:
    """(H, W), (H, W, 1), (H, W, 3) or (H, W, 4) uint8 -> a QImage that owns a copy of the pixels."""
    array = np.asarray(array)
    if array.ndim == 2:
        array = array[..., None]
    if array.ndim != 3 or array.shape[2] not in _FORMATS or array.dtype != np.uint8:
        raise ValueError(f"expected a uint8 image (H, W, 1|3|4), got {array.dtype} {array.shape}")
    array = np.ascontiguousarray(array)
    h, w, c = array.shape
    # bytesPerLine = strides[0]: rows may be padded; the QImage only borrows the numpy memory,
    # so copy() it before the array can go away.
    return QImage(array.data, w, h, array.strides[0], _FORMATS[c]).copy()


class ImageGrid(QWidget):
    """A mosaic of images drawn at a whole-number zoom, crisp, at the top left, on the palette's background."""

    def __init__(self, parent: QWidget | None = None, *, columns: int | None = None, gap: int = 2):
        super().__init__(parent)
        self._columns, self._gap = columns, gap
        self._pixmap = QPixmap()
        self._count = 0
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)

    def set_images(self, images: np.ndarray) -> None:
        """Show (N, H, W, C) uint8 images; call on the GUI thread (it makes a QPixmap)."""
        self._count = len(images)
        tiled = mosaic(images, self._columns, self._gap)
        self._pixmap = QPixmap.fromImage(to_qimage(tiled)) if tiled.size else QPixmap()
        self.updateGeometry()
        self.update()

    def set_columns(self, columns: int | None) -> None:
        """Images per row from the next set_images() (None: as square as fits)."""
        self._columns = columns

    def clear(self) -> None:
        self._pixmap, self._count = QPixmap(), 0
        self.updateGeometry()
        self.update()

    def pixmap(self) -> QPixmap:
        """The mosaic at 1:1 (a null pixmap when empty)."""
        return self._pixmap

    def count(self) -> int:
        return self._count

    def zoom(self) -> int:
        """The whole-number zoom the mosaic is drawn at in the current size (at least 1)."""
        if self._pixmap.isNull():
            return 1
        fit = min(self.width() / self._pixmap.width(), self.height() / self._pixmap.height())
        return max(1, int(fit))

    def sizeHint(self) -> QSize:
        if self._pixmap.isNull():
            return QSize(256, 256)
        return self._pixmap.size() * 2

    def minimumSizeHint(self) -> QSize:
        if self._pixmap.isNull():
            return QSize(64, 64)
        return self._pixmap.size().boundedTo(QSize(256, 256))

    def paintEvent(self, event) -> None:
        if self._pixmap.isNull():
            return
        size = self._pixmap.size() * self.zoom()
        if size.width() > self.width() or size.height() > self.height():       # too small even at 1x: shrink
            size = self._pixmap.size().scaled(self.size(), Qt.AspectRatioMode.KeepAspectRatio)
        target = QRect(0, 0, size.width(), size.height())     # top left, under its heading
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform, size.width() < self._pixmap.width())
        painter.drawPixmap(target, self._pixmap)
