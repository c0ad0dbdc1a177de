"""The gallery: generated images collect here; export them as PNGs, a grid, a contact sheet or an animation.

An animation is how one image formed (its progressive frames: denoising steps, rows) or,
with several images selected, the images one after another (a walk through latent
positions added from Explore, a seed series); the frame rate and enlargement are the user's.

The files are the engine's (studio/engine/gallery.py): each carries its generation parameters and is
written to a temporary file and renamed into place; exports into a folder pick free names, and a
single file is only replaced after the save dialog asked. Writing runs in a background Job;
failures open a dialog naming the file and the reason.

The gallery keeps what it holds: each image added is saved (in a background Job) into the `gallery/`
folder of the run that made it, and `load_run()` brings a run's kept images back in the order they
were added. Their progressive frames are not kept, so an image brought back animates only as one
frame of a sequence. Remove deletes the image's file, but only a file the gallery wrote. Where a
run's folder cannot be written (read-only, gone) the images stay in memory, and the panel says so
once per folder.
"""
from __future__ import annotations

import logging
import os
import time
from datetime import datetime
from pathlib import Path

from PySide6.QtCore import QSize, Qt, Signal, Slot
from PySide6.QtGui import QAction, QIcon, QKeySequence, QPixmap
from PySide6.QtWidgets import (
    QAbstractItemView, QComboBox, QFileDialog, QHBoxLayout, QLabel, QListWidget, QListWidgetItem, QMessageBox, QPushButton,
    QSpinBox, QVBoxLayout, QWidget,
)

from studio.engine import (
    GALLERY_FOLDER, ExportError, GalleryItem, Provenance, as_provenance, forget_kept, gallery_folder, keep_items,
    kept_names, read_kept, write_animation, write_contact_sheet, write_grid, write_images, write_sequence,
)
from studio.ui.i18n import engine_text
from studio.ui.widgets.image_grid import to_qimage
from studio.ui.workers import Job, stop_all

THUMBNAIL = 96
DEFAULT_FPS = 10
MAX_FPS = 50              # GIF delays are in hundredths of a second: 50 fps is the fastest that plays right
IMAGE_FORMATS = {"png": "PNG", "jpg": "JPEG", "webp": "WebP"}     # extension -> the name shown

log = logging.getLogger(__name__)


def _seed(provenance: Provenance, unknown: str = "?") -> str:
    """An image's seed as text (a seed of the wrong kind as written; `unknown` when it has none)."""
    seed = provenance.seed if provenance.seed is not None else provenance.extra.get("seed")
    return unknown if seed is None else str(seed)


def _option(provenance: Provenance, name: str):
    """A sampling option of an image (one that an older file wrote only at the top level too)."""
    return provenance.extra.get(name, (provenance.options or {}).get(name))


# -- the panel -------------------------------------------------------------------------------------
class GalleryPanel(QWidget):
    """A grid of thumbnails with selection, and export of the selection or all of it."""

    exported = Signal(object)           # list[Path] written by the latest export
    selection_changed = Signal(int)     # how many items are selected
    items_changed = Signal(int)         # how many items the gallery holds, after adding, loading or removing
    message_changed = Signal(str)       # something the user should know about keeping the images (once)

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("galleryPanel")
        self.setAccessibleName(self.tr("Gallery"))
        self._items: list[GalleryItem] = []
        self._jobs: list[Job] = []
        self._files: dict[GalleryItem, Path] = {}     # where each item is kept (or is being written)
        self._writing: set[GalleryItem] = set()        # its file is not written yet
        self._dropped: set[GalleryItem] = set()        # removed while its file was being written: delete it
        self._warned: set[str] = set()                 # folders the user was told about
        self._load_job: Job | None = None
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
        self._notice = QLabel(self)                     # images that cannot be kept, images brought back
        self._notice.setObjectName("galleryNotice")
        self._notice.setWordWrap(True)
        self._notice.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self._notice.hide()

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
                                                      "GIF or APNG. Images brought back from a run's gallery folder "
                                                      "keep only their final image, not their frames."),
                                              self._on_animation_clicked)
        self.fps_box = self._spin_box("galleryFpsBox", 1, MAX_FPS, DEFAULT_FPS, self.tr(" fps"),
                                      self.tr("Animation speed"),
                                      self.tr("Frames a second of exported animations"))
        self.scale_box = self._spin_box("galleryScaleBox", 1, 16, 4, self.tr("size ×"),
                                        self.tr("Animation enlargement"),
                                        self.tr("Exported animations are this many times larger than the "
                                                "model's images (pixels stay sharp)"), prefix=True)
        self._remove_button = self._button("galleryRemoveButton", self.tr("Remove"),
                                           self.tr("Take the selected images out of the gallery and delete the "
                                                   "copies it kept in the run's gallery folder (files you "
                                                   "exported stay)"), self._on_remove_clicked)

        buttons = QHBoxLayout()
        for widget in (self._export_button, self.format_box, self._grid_button, self._sheet_button, self._animation_button,
                       self.fps_box, self.scale_box, self._remove_button):
            buttons.addWidget(widget)
        buttons.addStretch(1)
        buttons.addWidget(self._count_label)
        layout = QVBoxLayout(self)
        layout.addLayout(buttons)
        layout.addWidget(self._notice)
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
        """Append generated images (newest last), scroll to them, and keep them in their run's folder."""
        self._append(items)
        self._write(list(items))

    def _append(self, items: list[GalleryItem]) -> None:
        for item in items:
            self._items.append(item)
            self._list.addItem(self._list_item(item))
        if items:
            self._list.scrollToBottom()
        self._update_buttons()
        self.items_changed.emit(len(self._items))

    def kept_path(self, item: GalleryItem) -> Path | None:
        """The file an item is kept in (None: in memory only); it may still be being written."""
        return self._files.get(item)

    def _write(self, items: list[GalleryItem]) -> None:
        """Save items into their runs' gallery folders, one background Job per folder."""
        when = datetime.now()
        by_folder: dict[Path | None, list[GalleryItem]] = {}
        for item in items:
            by_folder.setdefault(gallery_folder(item.provenance), []).append(item)
        for folder, group in by_folder.items():
            if folder is None:
                self._warn_once("", self.tr("These images name no run folder, so they are not kept: they stay here "
                                            "until genstudio closes. Export the ones you want."))
                continue
            paths = [folder / name for name in kept_names(group, when)]
            for item, path in zip(group, paths):
                self._files[item] = path
                self._writing.add(item)
            self._run(self._on_keep_succeeded, self._on_keep_failed, keep_items, group, paths)

    @Slot(object)
    def _on_keep_succeeded(self, result) -> None:
        items, written, problem = result
        doomed = []
        for i, item in enumerate(items):
            self._writing.discard(item)
            if item in self._dropped:                    # removed while it was written
                self._dropped.discard(item)
                doomed += written[i:i + 1]
            elif i < len(written):
                self._files[item] = written[i]
            else:
                self._files.pop(item, None)
            self._update_tooltip(item)
        if doomed:
            self._run(self._on_forget_succeeded, self._on_keep_failed, forget_kept, doomed)
        if problem:
            folder, reason = problem
            self._warn_once(folder, self.tr("Images cannot be kept in %1 (%2): they stay here until genstudio "
                                            "closes. Export the ones you want.")
                            .replace("%1", folder).replace("%2", engine_text(reason)))

    @Slot(object)
    def _on_forget_succeeded(self, _deleted) -> None:
        pass                                            # what could not be deleted is in the log

    @Slot(object)
    def _on_keep_failed(self, error) -> None:          # a bug, not a full disk (keep_items returns those)
        log.error("keeping gallery images failed", exc_info=error)
        self._warn_once("?", self.tr("Images could not be kept: %1").replace("%1", f"{type(error).__name__}: {error}"))

    def _warn_once(self, key: str, text: str) -> None:
        if key in self._warned:
            return
        self._warned.add(key)
        self._notice.setText("⚠ " + text)
        self._notice.show()
        self.message_changed.emit(text)

    def load_run(self, run: str | Path) -> Job:
        """Bring back the images kept in a run's gallery folder (in the background), after those shown;
        images already shown are not added twice. A newer load cancels the older."""
        if self._load_job is not None:
            self._load_job.cancel()
        job = Job(read_kept, Path(run) / GALLERY_FOLDER, parent=self)
        job.succeeded.connect(self._on_load_succeeded)
        job.failed.connect(self._on_load_failed)
        self._load_job = self._track(job)
        return job.start()

    @Slot(object)
    def _on_load_succeeded(self, result) -> None:
        folder, kept = result
        self._load_job = None
        shown = {os.path.normcase(str(p)) for p in self._files.values()}
        new = [(item, path) for item, path in kept if os.path.normcase(str(path)) not in shown]
        for item, path in new:
            self._files[item] = path
        self._append([item for item, _ in new])
        if new:
            self._count_label.setText(self.tr("Brought back %n image(s)", "", len(new)))

    @Slot(object)
    def _on_load_failed(self, error) -> None:
        self._load_job = None
        log.error("bringing back a run's gallery failed", exc_info=error)

    def _update_tooltip(self, item: GalleryItem) -> None:
        row = next((r for r, mine in enumerate(self._items) if mine is item), None)
        if row is not None:
            self._list.item(row).setToolTip(self._tooltip(item))

    def _tooltip(self, item: GalleryItem) -> str:
        path = self._files.get(item)
        if path is None:
            where = self.tr("Not kept on disk: export it to keep it")
        elif item in self._writing:
            where = self.tr("Being saved to %1").replace("%1", str(path))
        else:
            where = self.tr("Kept in %1").replace("%1", str(path))
        return self._describe(item.provenance) + "\n" + where

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
        entry = QListWidgetItem(QIcon(pixmap), self._caption(item.provenance))
        entry.setToolTip(self._tooltip(item))
        entry.setData(Qt.ItemDataRole.AccessibleTextRole, self._describe(item.provenance))
        return entry

    def _caption(self, provenance: Provenance) -> str:
        if provenance.latent is not None:
            return self.tr("latent %1").replace("%1", _seed(provenance, ""))
        return self.tr("seed %1").replace("%1", _seed(provenance))

    def _describe(self, provenance: Provenance) -> str:
        parts = [self.tr("seed %1").replace("%1", _seed(provenance))]
        if provenance.prompt:
            parts.append(f"“{provenance.prompt}”")
        if provenance.latent is not None:
            parts.append(self.tr("latent position"))
        if provenance.model:
            parts.append(provenance.model)
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
        captions = [self.sheet_caption(item.provenance) for item in items]
        return self._start(write_contact_sheet, list(items), Path(path), captions, self.sheet_title(items))

    def sheet_caption(self, provenance: Provenance | dict) -> str:
        """Up to three lines under an image: its prompt or label, its seed, how it was made."""
        provenance = as_provenance(provenance)
        lines = []
        if provenance.prompt:
            lines.append(provenance.prompt)
        elif provenance.extra.get("label") not in (None, ""):       # a progressive frame's label
            lines.append(str(provenance.extra["label"]))
        lines.append(self.tr("seed %1").replace("%1", _seed(provenance)))
        if provenance.latent is not None:
            lines.append(self.tr("latent position"))
        elif _option(provenance, "steps"):
            lines.append(self.tr("%1 steps, %2").replace("%1", str(_option(provenance, "steps")))
                         .replace("%2", str(_option(provenance, "sampler") or "")).rstrip(", "))
        return "\n".join(lines)

    def sheet_title(self, items: list[GalleryItem]) -> str:
        models = sorted({i.provenance.model or i.provenance.family or "" for i in items} - {""})
        count = self.tr("{0:,} images").format(len(items)) if len(items) != 1 else self.tr("1 image")
        return " · ".join(["genstudio", *models[:3], count, time.strftime("%Y-%m-%d")])

    def _start(self, func, *args) -> Job:
        return self._run(self._on_export_succeeded, self._on_export_failed, func, *args)

    def _run(self, succeeded, failed, func, *args) -> Job:
        """Write files in a background Job that must finish: stop() lets it end, or runs it if it had not begun."""
        job = Job(func, *args, must_finish=True, parent=self)
        job.succeeded.connect(succeeded)
        job.failed.connect(failed)
        return self._track(job).start()

    def _track(self, job: Job) -> Job:
        self._jobs = [j for j in self._jobs if j.running] + [job]
        return job

    @Slot(object)
    def _on_export_succeeded(self, paths) -> None:
        self._count_label.setText(self.tr("Saved %n file(s)", "", len(paths)))
        self.exported.emit(paths)

    @Slot(object)
    def _on_export_failed(self, error) -> None:
        reason = engine_text(error.message) if isinstance(error, ExportError) else f"{type(error).__name__}: {error}"
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
        self.remove_rows([self._list.row(i) for i in self._list.selectedItems()])

    def remove_rows(self, rows: list[int]) -> None:
        """Take these rows out of the gallery and delete the files it kept of them (in the background)."""
        doomed = []
        for row in sorted(set(rows), reverse=True):
            self._list.takeItem(row)
            item = self._items.pop(row)
            path = self._files.pop(item, None)
            if item in self._writing:
                self._dropped.add(item)                  # deleted once written
            elif path is not None:
                doomed.append(path)
        if doomed:
            self._run(self._on_forget_succeeded, self._on_keep_failed, forget_kept, doomed)
        self._update_buttons()
        self.items_changed.emit(len(self._items))

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
        """Cancel a load still reading a run's folder; let exports and saves under way finish (a
        half-written file would be lost: they are must-finish jobs, and one whose worker had not begun
        runs here), and the deletes their ends start (an image removed while it was being saved)."""
        deadline = time.monotonic() + timeout_s
        stopped, seen = True, set()
        while jobs := [job for job in self._jobs if job not in seen]:
            seen.update(jobs)
            stopped = stop_all(jobs, max(0.0, deadline - time.monotonic())) and stopped
        return stopped
