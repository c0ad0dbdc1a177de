"""Small look helpers shared by the panels: palette colour mixing, headings, scroll areas."""
from __future__ import annotations

from PySide6.QtGui import QColor, QIcon, QPainter, QPalette, QPixmap
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QScrollArea, QStyle, QWidget


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


def glyph_icon(widget: QWidget, pixmap: QStyle.StandardPixmap, size: int = 32) -> QIcon:
    """A style's monochrome icon (play, pause, stop) recoloured with the palette's text colour,
    so it reads on dark palettes too (the styles draw these glyphs black)."""
    source = widget.style().standardIcon(pixmap).pixmap(size, size)
    icon = QIcon()
    for mode, group in ((QIcon.Mode.Normal, QPalette.ColorGroup.Active),
                        (QIcon.Mode.Disabled, QPalette.ColorGroup.Disabled)):
        tinted = QPixmap(source.size())
        tinted.setDevicePixelRatio(source.devicePixelRatio())
        tinted.fill(QColor(0, 0, 0, 0))
        painter = QPainter(tinted)
        painter.drawPixmap(0, 0, source)
        painter.setCompositionMode(QPainter.CompositionMode.CompositionMode_SourceIn)
        painter.fillRect(tinted.rect(), widget.palette().color(group, QPalette.ColorRole.ButtonText))
        painter.end()
        icon.addPixmap(tinted, mode)
    return icon


def vertical_scroll(content: QWidget, name: str, accessible: str, *, framed: bool = False,
                    parent: QWidget | None = None) -> QScrollArea:
    """`content` in a scroll area that scrolls up and down only and resizes it to its width."""
    scroll = QScrollArea(parent)
    scroll.setObjectName(name)
    scroll.setAccessibleName(accessible)
    scroll.setWidgetResizable(True)
    if not framed:
        scroll.setFrameShape(QFrame.Shape.NoFrame)
    scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
    scroll.setWidget(content)
    return scroll


def warning_frame(name: str, label: QLabel, style: QStyle) -> QFrame:
    """A framed row: the style's warning icon beside `label` (selectable text); hidden until shown."""
    frame = QFrame()
    frame.setObjectName(name)
    frame.setFrameShape(QFrame.Shape.StyledPanel)
    icon = QLabel()
    size = style.pixelMetric(QStyle.PixelMetric.PM_SmallIconSize)
    icon.setPixmap(style.standardIcon(QStyle.StandardPixmap.SP_MessageBoxWarning).pixmap(size, size))
    icon.setAlignment(Qt.AlignmentFlag.AlignTop)
    label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    row = QHBoxLayout(frame)
    row.addWidget(icon)
    row.addWidget(label, 1)
    frame.hide()
    return frame
