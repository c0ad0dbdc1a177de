"""The gallery: generated images collect here; export them as PNGs, a grid, a contact sheet or an animation.

An animation is how one image formed (its progressive frames: denoising steps, rows) or,
with several images selected, the images one after another (a walk through latent
positions added from Explore, a seed series); the frame rate and enlargement are the user's.

Every file the gallery writes carries the generation parameters (CONVENTIONS.md: the
A1111 `parameters` chunk and the `genstudio` JSON), is written to a temporary file and
renamed into place, and never replaces a file the user did not agree to replace:
exports into a folder pick free names, and a single file is only replaced after the
save dialog asked. Writing runs in a background Job; failures open a dialog naming
the file and the reason.
"""
from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PySide6.QtCore import QCoreApplication, QSize, Qt, Signal, Slot
from PySide6.QtGui import QAction, QIcon, QKeySequence, QPixmap
from PySide6.QtWidgets import (
    QAbstractItemView, QComboBox, QFileDialog, QHBoxLayout, QLabel, QListWidget, QListWidgetItem, QMessageBox, QPushButton,
    QSpinBox, QVBoxLayout, QWidget,
)

from studio.engine.export import free_path, make_grid, save_animation, save_image
from studio.engine.sheets import save_contact_sheet
from studio.ui.widgets.image_grid import to_qimage
from studio.ui.workers import Job

THUMBNAIL = 96
DEFAULT_FPS = 10
MAX_FPS = 50              # GIF delays are in hundredths of a second: 50 fps is the fastest that plays right


@dataclass(frozen=True, eq=False)
class GalleryItem:
    """One generated image with its parameters.

    image:  (H, W, C) uint8
    params: what made it (provenance, seed, prompt, options, latent position), as the CLI writes it
    frames: the progressive frames ((H, W, C) uint8 each) that led to it, for animation export
    """

    image: np.ndarray
    params: dict
    frames: tuple = ()


# -- the writing, on a worker thread ---------------------------------------------------------------
class ExportError(Exception):
    """Writing one file failed; the message names the file and the reason."""


def _write(path: Path, write) -> Path:
    try:
        return write(path)
    except (OSError, ValueError) as e:
        reason = e.strerror if isinstance(e, OSError) and e.strerror else str(e)
        raise ExportError(f"{path}: {reason}") from None


IMAGE_FORMATS = {"png": "PNG", "jpg": "JPEG", "webp": "WebP"}     # extension -> the name shown


def write_images(items: list[GalleryItem], folder: Path, stem: str = "image", suffix: str = "png") -> list[Path]:
    """Each item as `<stem>-<seed>.<suffix>` (a free name) in folder, its parameters embedded (PNG text
    chunks, or EXIF for JPEG and WebP)."""
    folder = Path(folder)
    if folder.exists() and not folder.is_dir():
        raise ExportError(QCoreApplication.translate(
            "GalleryPanel", "{0}: this is a file, not a folder; choose a folder to export into").format(folder))
    paths = []
    for i, item in enumerate(items):
        seed = item.params.get("seed")
        name = f"{stem}-{seed}.{suffix}" if isinstance(seed, int) else f"{stem}-{i + 1:04d}.{suffix}"
        path = free_path(folder / name)
        paths.append(_write(path, lambda p, item=item: save_image(p, item.image, item.params)))
    return paths


def write_grid(items: list[GalleryItem], path: Path) -> list[Path]:
    """All items as one grid image (PNG, JPEG or WebP by the extension); its parameters list each image's."""
    shapes = {item.image.shape for item in items}
    if len(shapes) != 1:
        raise ExportError(QCoreApplication.translate(
            "GalleryPanel", "{0}: a grid needs images of one size, these have {1} sizes").format(path, len(shapes)))
    grid = make_grid(np.stack([item.image for item in items]))
    params = {"grid": len(items), "images": [item.params for item in items]}
    return [_write(Path(path), lambda p: save_image(p, grid, params))]


def write_animation(item: GalleryItem, path: Path, fps: float = DEFAULT_FPS, scale: int = 1) -> list[Path]:
    """The item's frames as an animated GIF or APNG (by the extension), with its parameters."""
    frames = list(item.frames) or [item.image]
    params = {**item.params, "frames": len(frames), "fps": fps}
    return [_write(Path(path), lambda p: save_animation(p, frames, params, fps=fps, scale=scale))]


def write_sequence(items: list[GalleryItem], path: Path, fps: float = DEFAULT_FPS, scale: int = 1) -> list[Path]:
    """Several images one after another (a latent walk, a seed series) as a GIF or APNG; its parameters
    list each image's."""
    if len({item.image.shape for item in items}) != 1:
        raise ExportError(f"{path}: an animation needs images of one size, these have several sizes")
    params = {"animation": "sequence", "frames": len(items), "fps": fps, "images": [item.params for item in items]}
    return [_write(Path(path), lambda p: save_animation(p, [item.image for item in items], params,
                                                       fps=fps, scale=scale))]


def write_contact_sheet(items: list[GalleryItem], path: Path, captions: list[str], title: str) -> list[Path]:
    """The items as a contact sheet PNG: a caption under each and a title; its parameters list each image's."""
    params = {"sheet": len(items), "images": [item.params for item in items]}
    return [_write(Path(path), lambda p: save_contact_sheet(p, [item.image for item in items], captions, title,
                                                            params))]


# -- the panel -------------------------------------------------------------------------------------
class GalleryPanel(QWidget):
    """A grid of thumbnails with selection, and export of the selection or all of it."""

    exported = Signal(object)           # list[Path] written by the latest export
    selection_changed = Signal(int)     # how many items are selected

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("galleryPanel")
        self.setAccessibleName(self.tr("Gallery"))
        self._items: list[GalleryItem] = []
        self._jobs: list[Job] = []
        self._build()
        self._update_buttons()

    # --- building ---------------------------------------------------------------------------------
    def _build(self) -> None:
        self._list = QListWidget(self)
        self._list.setObjectName("galleryList")
        self._list.setAccessibleName(self.tr("Generated images"))
        self._list.setToolTip(self.tr("Generated images. Click, Shift-click or Ctrl-click to select."))
        self._list.setViewMode(QListWidget.ViewMode.IconMode)
        self._list.setResizeMode(QListWidget.ResizeMode.Adjust)
        self._list.setMovement(QListWidget.Movement.Static)
        self._list.setIconSize(QSize(THUMBNAIL, THUMBNAIL))
        self._list.setSpacing(4)
        self._list.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self._list.itemSelectionChanged.connect(self._on_list_selection_changed)
        self._count_label = QLabel(self)
        self._count_label.setObjectName("galleryCountLabel")

        self._export_button = self._button("galleryExportButton", self.tr("Export images…"),
                                           self.tr("Save the selected images (all, if none is selected) into a "
                                                   "folder with their generation parameters embedded (Ctrl+E)"),
                                           self._on_export_clicked)
        self.format_box = QComboBox(self)
        self.format_box.setObjectName("galleryFormatBox")
        self.format_box.setAccessibleName(self.tr("Image format"))
        self.format_box.setToolTip(self.tr("The format of exported images: PNG keeps every pixel; JPEG and WebP "
                                           "carry the same parameters in their EXIF data"))
        for suffix, name in IMAGE_FORMATS.items():
            self.format_box.addItem(name, suffix)
        self._grid_button = self._button("galleryGridButton", self.tr("Export grid…"),
                                         self.tr("Save the selected images (or all) as one grid PNG"),
                                         self._on_grid_clicked)
        self._sheet_button = self._button("gallerySheetButton", self.tr("Contact sheet…"),
                                          self.tr("Save the selected images (or all) as one PNG with a caption "
                                                  "under each: prompt, seed, latent position"),
                                          self._on_sheet_clicked)
        self._animation_button = self._button("galleryAnimationButton", self.tr("Export animation…"),
                                              self.tr("Save how the selected image was made, frame by frame, or "
                                                      "several selected images one after another, as an animated "
                                                      "GIF or APNG"),
                                              self._on_animation_clicked)
        self.fps_box = self._spin_box("galleryFpsBox", 1, MAX_FPS, DEFAULT_FPS, self.tr(" fps"),
                                      self.tr("Animation speed"),
                                      self.tr("Frames a second of exported animations"))
        self.scale_box = self._spin_box("galleryScaleBox", 1, 16, 4, self.tr("size ×"),
                                        self.tr("Animation enlargement"),
                                        self.tr("Exported animations are this many times larger than the "
                                                "model's images (pixels stay sharp)"), prefix=True)
        self._remove_button = self._button("galleryRemoveButton", self.tr("Remove"),
                                           self.tr("Take the selected images out of the gallery (files already "
                                                   "exported stay)"), self._on_remove_clicked)

        buttons = QHBoxLayout()
        for widget in (self._export_button, self.format_box, self._grid_button, self._sheet_button, self._animation_button,
                       self.fps_box, self.scale_box, self._remove_button):
            buttons.addWidget(widget)
        buttons.addStretch(1)
        buttons.addWidget(self._count_label)
        layout = QVBoxLayout(self)
        layout.addLayout(buttons)
        layout.addWidget(self._list, 1)

        self.export_action = QAction(self.tr("Export"), self)
        self.export_action.setObjectName("galleryExportAction")
        self.export_action.setShortcut(QKeySequence(self.tr("Ctrl+E")))
        self.export_action.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        self.export_action.triggered.connect(self._on_export_clicked)
        self.addAction(self.export_action)

    def _button(self, name: str, text: str, tip: str, slot) -> QPushButton:
        button = QPushButton(text, self)
        button.setObjectName(name)
        button.setAccessibleName(text.rstrip("…"))
        button.setToolTip(tip)
        button.clicked.connect(slot)
        return button

    def _spin_box(self, name: str, low: int, high: int, value: int, affix: str, accessible: str, tip: str,
                  prefix: bool = False) -> QSpinBox:
        box = QSpinBox(self)
        box.setObjectName(name)
        box.setRange(low, high)
        box.setValue(value)
        box.setPrefix(affix) if prefix else box.setSuffix(affix)
        box.setAccessibleName(accessible)
        box.setToolTip(tip)
        return box

    # --- the items --------------------------------------------------------------------------------
    def add_items(self, items: list[GalleryItem]) -> None:
        """Append generated images (newest last) and scroll to them."""
        for item in items:
            self._items.append(item)
            self._list.addItem(self._list_item(item))
        if items:
            self._list.scrollToBottom()
        self._update_buttons()

    def items(self) -> list[GalleryItem]:
        return list(self._items)

    def selected_items(self) -> list[GalleryItem]:
        rows = sorted(self._list.row(i) for i in self._list.selectedItems())
        return [self._items[r] for r in rows]

    def select(self, rows: list[int]) -> None:
        """Select these rows (and only these)."""
        self._list.clearSelection()
        for r in rows:
            self._list.item(r).setSelected(True)

    def _list_item(self, item: GalleryItem) -> QListWidgetItem:
        pixmap = QPixmap.fromImage(to_qimage(item.image))
        pixmap = pixmap.scaled(THUMBNAIL, THUMBNAIL, Qt.AspectRatioMode.KeepAspectRatio,
                               Qt.TransformationMode.FastTransformation)      # nearest: small images stay crisp
        entry = QListWidgetItem(QIcon(pixmap), self._caption(item.params))
        entry.setToolTip(self._describe(item.params))
        entry.setData(Qt.ItemDataRole.AccessibleTextRole, self._describe(item.params))
        return entry

    def _caption(self, params: dict) -> str:
        if params.get("latent") is not None:
            return self.tr("latent %1").replace("%1", str(params.get("seed", "")))
        return self.tr("seed %1").replace("%1", str(params.get("seed", "?")))

    def _describe(self, params: dict) -> str:
        parts = [self.tr("seed %1").replace("%1", str(params.get("seed", "?")))]
        if params.get("prompt"):
            parts.append(f"“{params['prompt']}”")
        if params.get("latent") is not None:
            parts.append(self.tr("latent position"))
        if params.get("model"):
            parts.append(str(params["model"]))
        return ", ".join(parts)

    # --- export -----------------------------------------------------------------------------------
    def _chosen(self) -> list[GalleryItem]:
        return self.selected_items() or self.items()

    def export_images(self, items: list[GalleryItem], folder: Path, suffix: str | None = None) -> Job:
        """Write items into folder (free names) in the background, as `suffix` files (png, jpg, webp;
        by default the format chosen beside the Export button)."""
        return self._start(write_images, list(items), Path(folder), "image", suffix or self.format_box.currentData())

    def export_grid(self, items: list[GalleryItem], path: Path) -> Job:
        return self._start(write_grid, list(items), Path(path))

    def export_animation(self, items: list[GalleryItem], path: Path) -> Job:
        """One item: its frames; several: the items one after another. At the chosen frame rate and size."""
        fps, scale = self.fps_box.value(), self.scale_box.value()
        if len(items) == 1:
            return self._start(write_animation, items[0], Path(path), fps, scale)
        return self._start(write_sequence, list(items), Path(path), fps, scale)

    def export_contact_sheet(self, items: list[GalleryItem], path: Path) -> Job:
        captions = [self.sheet_caption(item.params) for item in items]
        return self._start(write_contact_sheet, list(items), Path(path), captions, self.sheet_title(items))

    def sheet_caption(self, params: dict) -> str:
        """Up to three lines under an image: its prompt or label, its seed, how it was made."""
        lines = []
        if params.get("prompt"):
            lines.append(str(params["prompt"]))
        elif params.get("label") not in (None, ""):
            lines.append(str(params["label"]))
        lines.append(self.tr("seed %1").replace("%1", str(params.get("seed", "?"))))
        if params.get("latent") is not None:
            lines.append(self.tr("latent position"))
        elif params.get("steps"):
            lines.append(self.tr("%1 steps, %2").replace("%1", str(params["steps"]))
                         .replace("%2", str(params.get("sampler") or "")).rstrip(", "))
        return "\n".join(lines)

    def sheet_title(self, items: list[GalleryItem]) -> str:
        models = sorted({str(i.params.get("model") or i.params.get("family") or "") for i in items} - {""})
        count = self.tr("{0:,} images").format(len(items)) if len(items) != 1 else self.tr("1 image")
        return " · ".join(["genstudio", *models[:3], count, time.strftime("%Y-%m-%d")])

    def _start(self, func, *args) -> Job:
        self._jobs = [job for job in self._jobs if job.running]
        job = Job(func, *args, parent=self)
        job.succeeded.connect(self._on_export_succeeded)
        job.failed.connect(self._on_export_failed)
        self._jobs.append(job)
        return job.start()

    @Slot(object)
    def _on_export_succeeded(self, paths) -> None:
        self._count_label.setText(self.tr("Saved %n file(s)", "", len(paths)))
        self.exported.emit(paths)

    @Slot(object)
    def _on_export_failed(self, error) -> None:
        reason = str(error) if isinstance(error, ExportError) else f"{type(error).__name__}: {error}"
        self.show_error(self.tr("Could not export"), reason)

    def show_error(self, title: str, message: str) -> None:
        """A modal error dialog (tests patch this)."""
        QMessageBox.warning(self, title, message)

    # --- asking the user (tests patch these) ------------------------------------------------------
    def ask_folder(self) -> Path | None:
        folder = QFileDialog.getExistingDirectory(self, self.tr("Export images into folder"))
        return Path(folder) if folder else None

    def ask_save_path(self, title: str, suggested: str, filters: str) -> Path | None:
        """A save dialog; it asks before replacing an existing file."""
        path, _ = QFileDialog.getSaveFileName(self, title, suggested, filters)
        return Path(path) if path else None

    # --- handlers ---------------------------------------------------------------------------------
    @Slot()
    def _on_export_clicked(self) -> None:
        items = self._chosen()
        if not items:
            return
        folder = self.ask_folder()
        if folder is not None:
            self.export_images(items, folder)

    @Slot()
    def _on_grid_clicked(self) -> None:
        items = self._chosen()
        if not items:
            return
        suffix = self.format_box.currentData()
        path = self.ask_save_path(self.tr("Save grid"), f"grid.{suffix}",
                                  self.tr("Images (*.png *.jpg *.jpeg *.webp)"))
        if path is not None:
            self.export_grid(items, path.with_suffix(f".{suffix}") if not path.suffix else path)

    @Slot()
    def _on_sheet_clicked(self) -> None:
        items = self._chosen()
        if not items:
            return
        path = self.ask_save_path(self.tr("Save contact sheet"), "contact-sheet.png", self.tr("PNG image (*.png)"))
        if path is not None:
            self.export_contact_sheet(items, path.with_suffix(".png") if not path.suffix else path)

    @Slot()
    def _on_animation_clicked(self) -> None:
        chosen = self.selected_items()
        if not self._can_animate(chosen):
            return
        suggested = "denoising.gif" if len(chosen) == 1 else "sequence.gif"
        path = self.ask_save_path(self.tr("Save animation"), suggested,
                                  self.tr("Animated GIF (*.gif);;Animated PNG (*.png *.apng)"))
        if path is not None:
            self.export_animation(chosen, path.with_suffix(".gif") if not path.suffix else path)

    @staticmethod
    def _can_animate(chosen: list[GalleryItem]) -> bool:
        return len(chosen) > 1 or (len(chosen) == 1 and len(chosen[0].frames) > 1)

    @Slot()
    def _on_remove_clicked(self) -> None:
        for row in sorted((self._list.row(i) for i in self._list.selectedItems()), reverse=True):
            self._list.takeItem(row)
            del self._items[row]
        self._update_buttons()

    @Slot()
    def _on_list_selection_changed(self) -> None:
        self._update_buttons()
        self.selection_changed.emit(len(self._list.selectedItems()))

    def _update_buttons(self) -> None:
        selected = self.selected_items()
        has_items = bool(self._items)
        for button in (self._export_button, self._grid_button, self._sheet_button):
            button.setEnabled(has_items)
        self.export_action.setEnabled(has_items)
        self._animation_button.setEnabled(self._can_animate(selected))
        self._remove_button.setEnabled(bool(selected))
        self._count_label.setText(self.tr("%n image(s)", "", len(self._items)) if not selected else
                                  self.tr("%1 of %2 selected").replace("%1", str(len(selected)))
                                  .replace("%2", str(len(self._items))))

    # --- lifetime ---------------------------------------------------------------------------------
    def jobs(self) -> list[Job]:
        return [job for job in self._jobs if job.running]

    def stop(self, timeout_s: float = 10.0) -> bool:
        """Wait for exports under way (a half-written export would be lost, so they are not cancelled first)."""
        return all(job.wait(timeout_s) for job in self._jobs)
