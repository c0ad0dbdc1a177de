"""Render the app icon's PNG sizes from its SVG, in the hicolor icon-theme layout under resources/icons/hicolor.

    .venv/bin/python packaging/render_icons.py        # after changing the SVG

The SVG is the source: resources/icons/hicolor/scalable/apps/io.github.genstudio.GenStudio.svg. This writes
resources/icons/hicolor/<n>x<n>/apps/io.github.genstudio.GenStudio.png for each size in SIZES, so the whole
hicolor folder installs as it is (see packaging/README.md). Uses QtSvg from PySide6-Essentials; runs headless.
"""
from __future__ import annotations

import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
APP_ID = "io.github.genstudio.GenStudio"
HICOLOR = ROOT / "resources" / "icons" / "hicolor"
SVG = HICOLOR / "scalable" / "apps" / f"{APP_ID}.svg"
SIZES = (16, 32, 48, 64, 128, 256, 512)


def render(svg: Path, size: int, out: Path) -> None:
    """Draw `svg` into a transparent size×size PNG (written atomically)."""
    from PySide6.QtCore import Qt
    from PySide6.QtGui import QImage, QPainter
    from PySide6.QtSvg import QSvgRenderer

    renderer = QSvgRenderer(str(svg))
    if not renderer.isValid():
        raise SystemExit(f"{svg}: not a valid SVG")
    image = QImage(size, size, QImage.Format.Format_ARGB32_Premultiplied)
    image.fill(Qt.GlobalColor.transparent)
    painter = QPainter(image)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform)
    renderer.render(painter)
    painter.end()
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(out.name + ".tmp")
    if not image.save(str(tmp), "PNG"):
        raise SystemExit(f"{out}: could not be written")
    os.replace(tmp, out)


def main() -> int:
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtGui import QGuiApplication

    app = QGuiApplication.instance() or QGuiApplication(sys.argv[:1])  # noqa: F841 (QPainter needs one)
    for size in SIZES:
        out = HICOLOR / f"{size}x{size}" / "apps" / f"{APP_ID}.png"
        render(SVG, size, out)
        print(f"{out.relative_to(ROOT)}  {out.stat().st_size:,} bytes")
    return 0


if __name__ == "__main__":
    sys.exit(main())
