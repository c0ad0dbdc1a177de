"""Small look helpers shared by the panels: palette colour mixing and headings."""
from __future__ import annotations

from PySide6.QtGui import QColor
from PySide6.QtWidgets import QLabel


def mix(a: QColor, b: QColor, t: float) -> QColor:
    """The colour a fraction `t` of the way from `a` to `b` (palette-derived tints)."""
    return QColor.fromRgbF(*(x + (y - x) * t for x, y in zip(a.getRgbF()[:3], b.getRgbF()[:3])))


def make_heading(label: QLabel, scale: float = 1.25) -> QLabel:
    """Bold and larger: a panel's title."""
    font = label.font()
    font.setBold(True)
    font.setPointSizeF(font.pointSizeF() * scale)
    label.setFont(font)
    return label


def small_heading(text: str, name: str) -> QLabel:
    """A bold label introducing one part of a panel."""
    label = QLabel(text)
    label.setObjectName(name)
    font = label.font()
    font.setBold(True)
    label.setFont(font)
    return label
