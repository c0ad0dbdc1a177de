"""Reusable widgets: pictures of images, and later the loss plot and drop zone."""
from studio.ui.widgets.image_grid import ImageGrid, mosaic, to_qimage

__all__ = ["ImageGrid", "mosaic", "to_qimage"]
