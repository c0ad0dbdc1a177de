"""ExplorePanel: the Generate form, the sampling view and the latent sliders side by side, wired to the
model shown; images dropped or opened here are recalled into them.
"""
from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt, Signal, Slot
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QComboBox, QFileDialog, QHBoxLayout, QLabel, QMessageBox, QVBoxLayout, QWidget
from superqt.utils import signals_blocked

from studio import __version__
from studio.engine import (
    ENCODE, DatasetError, GalleryItem, Provenance, as_provenance, choose_sampling_precision, provenance,
)
from studio.ui.i18n import engine_text, metric_title
from studio.ui.panels.explore.compare import compare_frames, guidance_kinds
from studio.ui.panels.explore.latent import LatentSliders
from studio.ui.panels.explore.prompt import PromptForm
from studio.ui.panels.explore.recall import dropped_path, read_image, recall_into, restore_text
from studio.ui.panels.explore.sampling import SamplingView
from studio.ui.workers import Job, stop_all


class ExplorePanel(QWidget):
    """Generate, watch sampling, and move through a model's latent space."""

    images_generated = Signal(object)      # list[GalleryItem]
    frame_shown = Signal(object)           # the Frame just drawn (throttled)
    latent_decoded = Signal(object)        # (H, W, C) uint8: the image at the latest latent position
    restored = Signal(str)                 # what restore() used from an image, and any warning, in words
    checkpoint_requested = Signal(str)     # open the shown run at this checkpoint (its best, or its newest)

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("explorePanel")
        self.setAccessibleName(self.tr("Explore"))
        self._family = None
        self._provenance = as_provenance(None)         # the model shown, as its images name it
        self._precision_asked = "auto"                  # "auto", or what an image brought here drew in
        self._drawn_precision = "fp32"                  # what the latest Generate draws in (its images record it)
        self._jobs: list[Job] = []
        self._comparing: tuple[str, ...] = ()          # the guidance kinds of the Compare guidance under way
        # Set by the window: restorer(path, provenance) reopens the run an image names when it is not the
        # model shown (the panel alone restores into the model it has).
        self.restorer = None
        self._build()
        self.set_model(None, None)

    # --- building ---------------------------------------------------------------------------------
    def _build(self) -> None:
        self._message = QLabel(self._no_model_text(), self)
        self._message.setObjectName("exploreMessage")
        self._message.setWordWrap(True)
        self._message.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.weights_choice = self._build_weights_choice()
        self._body = QWidget(self)
        self._form = PromptForm(self._body)
        self._sampling = SamplingView(self._track, self._body)
        self._latent = LatentSliders(self._track, self._body)
        row = QHBoxLayout(self._body)
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(self._form, 0)
        row.addWidget(self._sampling, 1)
        row.addWidget(self._latent, 0)
        layout = QVBoxLayout(self)
        layout.addWidget(self._message)
        layout.addWidget(self.weights_choice)
        layout.addWidget(self._body, 1)
        self._connect_parts()
        self.generate_action = self._action("exploreGenerateAction", self.tr("Generate"), self.tr("Ctrl+G"),
                                            self._on_generate_clicked)
        self.stop_action = self._action("exploreStopAction", self.tr("Stop generating"), "Esc",
                                        self._on_stop_clicked)
        self._on_sampling_running_changed(False)
        self._name_parts()

    def _build_weights_choice(self) -> QWidget:
        """Weights: newest / best on held-out images, for a run that keeps its best (hidden otherwise)."""
        box = QWidget(self)
        box.setObjectName("exploreWeights")
        box.setToolTip(self.tr(
            "Training keeps the weights that did best on held-out images beside the newest ones. When a model "
            "has started to learn its training images by heart, the best weights copy them less, though the "
            "newest may still draw the better pictures (a VAE's often do): compare both."))
        self.weights_combo = QComboBox(box)
        self.weights_combo.setObjectName("exploreWeightsCombo")
        self.weights_combo.setAccessibleName(self.tr("Which weights to explore"))
        self.weights_combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
        self.weights_combo.setToolTip(box.toolTip())
        self.weights_combo.currentIndexChanged.connect(self._on_weights_combo_index_changed)
        label = QLabel(self.tr("&Weights:"), box)
        label.setBuddy(self.weights_combo)
        row = QHBoxLayout(box)
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(label)
        row.addWidget(self.weights_combo)
        row.addStretch(1)
        box.hide()
        return box

    def _connect_parts(self) -> None:
        form, sampling, latent = self._form, self._sampling, self._latent
        form.generate_requested.connect(self._on_generate_clicked)
        form.stop_requested.connect(self._on_stop_clicked)
        form.open_image_requested.connect(self._on_open_image_clicked)
        form.compare_requested.connect(self._on_compare_clicked)
        sampling.frame_shown.connect(self.frame_shown)
        sampling.finished.connect(self._on_sampling_finished)
        sampling.failed.connect(self._on_job_failed)
        sampling.running_changed.connect(self._on_sampling_running_changed)
        latent.decoded.connect(self.latent_decoded)
        latent.encoded.connect(self._on_latent_encoded)
        latent.failed.connect(self._on_job_failed)
        latent.random_start_requested.connect(self._on_random_start_clicked)
        latent.add_requested.connect(self._on_add_latent_clicked)

    def _name_parts(self) -> None:
        """The parts' widgets under the names the one-class panel gave them (the window and tests use them)."""
        form, sampling, latent = self._form, self._sampling, self._latent
        self._prompt, self._prompt_warning, self._negative = form.prompt, form.prompt_warning, form.negative
        self._count, self._seed, self._option_widgets = form.count, form.seed, form.option_widgets
        self._generate_button, self._stop_button, self._open_image = (form.generate_button, form.stop_button,
                                                                      form.open_image)
        self._status, self._progress = sampling.status, sampling.progress
        self._samples_view, self._extras_view = sampling.samples_view, sampling.extras_view
        self._latent_group, self._latent_view, self._add_latent = latent, latent.view, latent.add_button

    def _no_model_text(self) -> str:
        return self.tr("Train a model or open a run to explore it here.")

    def _action(self, name: str, text: str, keys: str, slot) -> QAction:
        action = QAction(text, self)
        action.setObjectName(name)
        action.setShortcut(QKeySequence(keys))
        action.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        action.triggered.connect(slot)
        self.addAction(action)
        return action

    # --- the model --------------------------------------------------------------------------------
    def set_model(self, family, model_provenance) -> None:
        """Show this family and its Provenance (or its JSON; None: nothing to explore). Stops this panel's
        work for the old one first."""
        self.stop()
        self._family, self._provenance = family, as_provenance(model_provenance)
        self._precision_asked = "auto"
        self._sampling.clear()
        caps = family.capabilities if family is not None else frozenset()
        self._message.setVisible(family is None)
        self._message.setText(self._no_model_text())
        self._body.setVisible(family is not None)
        self._body.setEnabled(family is not None)
        self.generate_action.setEnabled(family is not None)
        self._form.show_family(family)
        self.setAcceptDrops(family is not None)
        self._status.setText(self.tr("Press Generate to draw images."))
        self._latent.set_family(family, self._seed.value())
        self.offer_weights()

    def offer_weights(self) -> None:
        """Show the Weights choice when the model shown comes from a run folder that also keeps its best weights
        (by held-out loss), set to the ones shown. Hidden for a live model (it has no checkpoint yet), a GAN and
        older runs. The window calls it again when switching failed."""
        made, combo = self._provenance, self.weights_combo
        folder = Path(made.run) / "checkpoints" if made.run and made.checkpoint else None
        best = _read_meta(folder / "best.safetensors") if folder is not None else None
        with signals_blocked(combo):
            combo.clear()
            if best is not None:
                shown = Path(made.checkpoint).resolve()
                newest = _read_meta(folder / "last.safetensors") or {"step": made.checkpoint_step or 0}
                combo.addItem(self.tr("newest (step {0:,})").format(int(newest.get("step", 0))), made.run)
                combo.addItem(self._best_text(best), str(folder / "best.safetensors"))
                if shown == (folder / "best.safetensors").resolve():
                    combo.setCurrentIndex(1)
                elif shown != (folder / "last.safetensors").resolve():     # an older checkpoint, from an image
                    combo.addItem(self.tr("step {0:,}").format(made.checkpoint_step or 0), made.checkpoint)
                    combo.setCurrentIndex(2)
        self.weights_choice.setVisible(best is not None)
        self.weights_choice.setEnabled(True)

    def _best_text(self, meta: dict) -> str:
        held = meta.get("held_out") if isinstance(meta.get("held_out"), dict) else {}
        return self.tr("best on held-out images (step {0:,}, {1} {2:.4g})").format(
            int(meta.get("step", 0)), metric_title(str(held.get("key", "?"))), float(held.get("value", float("nan"))))

    @Slot(int)
    def _on_weights_combo_index_changed(self, index: int) -> None:
        target = self.weights_combo.itemData(index)
        if target:
            self.weights_choice.setEnabled(False)          # until the run is reopened (set_model) or failed
            self.checkpoint_requested.emit(str(target))

    def family(self):
        return self._family

    def options(self) -> dict:
        """The sampling options as the controls show them (the negative prompt included)."""
        return self._form.options()

    def image_provenance(self, seed: int, precision: str = "fp32", **extra) -> Provenance:
        """What an image made now with this seed carries, drawn in `precision`; `extra` as Provenance.updated
        takes it."""
        size = self._family.data.image_size if self._family is not None else None
        made = self._provenance.for_image(seed=seed, prompt=self._form.prompt_text(), options=self.options(),
                                          image_size=size, version=__version__, precision=precision)
        return made.updated(**extra)

    # --- generate ---------------------------------------------------------------------------------
    def generate(self) -> Job | None:
        """Start sampling with the current controls; a request still running is cancelled."""
        if self._family is None:
            return None
        count = self._count.value()
        precision = choose_sampling_precision(self._family, self._precision_asked)
        self._drawn_precision = precision.name
        self._comparing = ()
        self._samples_view.set_columns(None)
        job = self._sampling.start(self._family, count, self._seed.value(), self._form.prompt_text(), self.options(),
                                   precision)
        status = self.tr("Generating %n image(s)…", "", count)
        if precision.notice is not None:        # an image drawn in bf16, on a machine without it
            status += " " + engine_text(precision.notice)
        self._status.setText(status)
        return job

    def compare_guidance(self) -> Job | None:
        """Draw the current seed, prompt and options once per guidance kind, one row each (nothing goes to the
        gallery: the images' options would not say which row is which)."""
        kinds = guidance_kinds(self._family)
        if not kinds:
            return None
        count = self._count.value()
        precision = choose_sampling_precision(self._family, self._precision_asked)
        self._drawn_precision = precision.name
        self._comparing = kinds
        self._samples_view.set_columns(count)
        job = self._sampling.start(self._family, count, self._seed.value(), self._form.prompt_text(), self.options(),
                                   precision, frames=compare_frames)
        self._status.setText(self.tr("Comparing guidance: %1, seed %2…").replace("%1", ", ".join(kinds))
                             .replace("%2", str(self._seed.value())))
        return job

    @Slot()
    def _on_compare_clicked(self) -> None:
        self.compare_guidance()

    @property
    def sampling(self) -> bool:
        """A Generate is under way (Stop is offered)."""
        return self._sampling.job is not None

    def stop_generating(self) -> bool:
        """Stop the Generate under way at its next step (the last frame stays shown and nothing goes to the
        gallery: its images are finished ones); False when none runs."""
        return self._sampling.stop()

    def _track(self, job: Job) -> Job:
        self._jobs = [j for j in self._jobs if j.running] + [job]
        return job

    @Slot(bool)
    def _on_sampling_running_changed(self, running: bool) -> None:
        self._form.set_running(running)
        self.stop_action.setEnabled(running)

    @Slot()
    def _on_generate_clicked(self) -> None:
        self.generate()

    @Slot()
    def _on_stop_clicked(self) -> None:
        self.stop_generating()

    @Slot(object, int)
    def _on_sampling_finished(self, frames: list, seed: int) -> None:
        if self._comparing:
            self._status.setText(self.tr("Rows, top to bottom: %1; all from seed %2. Not added to the gallery.")
                                 .replace("%1", ", ".join(self._comparing)).replace("%2", str(seed)))
            return
        progressive = len(frames) > 1
        items = [GalleryItem(image=image, provenance=self.image_provenance(seed + i, self._drawn_precision,
                                                                           batch_seed=seed, index=i),
                             frames=tuple(f[i] for f in frames) if progressive else ())
                 for i, image in enumerate(frames[-1])]
        self._status.setText(self.tr("%n image(s) from seed %1", "", len(items)).replace("%1", str(seed)))
        self.images_generated.emit(items)

    def prompt_warnings(self) -> list[str]:
        """What the family says about the prompt now typed (e.g. words it never saw)."""
        return self._form.prompt_warnings()

    # --- latent space -----------------------------------------------------------------------------
    def sliders(self) -> list:
        return self._latent.sliders()

    def latent_position(self):
        """The latent the sliders point at ((latent_shape) float32), None before a start."""
        return self._latent.position()

    def start_latent_from_seed(self, seed: int) -> None:
        """Start the sliders from the random latent of this seed (the one Generate's image 0 uses)."""
        self._latent.start_from_seed(seed)

    def start_latent_from_file(self, path: str | Path) -> Job | None:
        """Encode an image file in the background and start the sliders from its latent."""
        job = self._latent.start_from_file(path)
        if job is not None:
            self._status.setText(self.tr("Encoding %1…").replace("%1", Path(path).name))
        return job

    @Slot(str)
    def _on_latent_encoded(self, name: str) -> None:
        self._status.setText(self.tr("Started from %1.").replace("%1", name))

    @Slot()
    def _on_random_start_clicked(self) -> None:
        self._form.roll_seed()
        self.start_latent_from_seed(self._seed.value())

    @Slot()
    def _on_add_latent_clicked(self) -> None:
        position, image = self._latent.shown
        origin = self._latent.origin
        made = self.image_provenance(origin.get("latent_seed", self._seed.value()),
                                     latent=[float(v) for v in position.reshape(-1)], **origin)
        self.images_generated.emit([GalleryItem(image=image, provenance=made)])

    # The parts' state under the names the one-class panel had (tests read them).
    _latent_shown = property(lambda self: self._latent.shown)
    _latent_pending = property(lambda self: self._latent.pending)
    _decode_busy = property(lambda self: self._latent.busy)
    _latent_origin = property(lambda self: self._latent.origin)
    _latent_base = property(lambda self: self._latent.base)
    _latent_projection = property(lambda self: self._latent.projection)
    _directions = property(lambda self: self._latent.directions)
    _slider_position = property(lambda self: self._latent.slider_position)
    _sample_job = property(lambda self: self._sampling.job)

    # --- an image brought here --------------------------------------------------------------------
    def dragEnterEvent(self, event) -> None:
        if self._family is not None and dropped_path(event.mimeData()) is not None:
            event.acceptProposedAction()
        else:
            event.ignore()

    def dropEvent(self, event) -> None:
        path = dropped_path(event.mimeData()) if self._family is not None else None
        if path is None:
            event.ignore()
            return
        event.acceptProposedAction()
        self.open_image(path)

    @Slot()
    def _on_open_image_clicked(self) -> None:
        path = self.ask_open_path()
        if path is not None:
            self.open_image(path)

    def ask_open_path(self) -> Path | None:
        """A file dialog for an image (tests patch this)."""
        path, _ = QFileDialog.getOpenFileName(self, self.tr("Open an image"), "",
                                              self.tr("Images (*.png *.jpg *.jpeg *.webp *.bmp *.gif *.tif *.tiff)"))
        return Path(path) if path else None

    def open_image(self, path: str | Path) -> None:
        """An image the user brought: restore what made it, and (encode) start the sliders from it.

        An image made by another run or checkpoint than the model shown goes to `restorer` (the
        window), which opens that run first. A genstudio image with a latent position starts the
        sliders there (exactly); any other image is encoded where the model can.
        """
        made, problem = read_image(path)
        if made is not None and self.restorer is not None and self.made_elsewhere(made):
            self.restorer(str(path), made)
            return
        if made is not None:
            self.restore(made, path)
        at_latent = made is not None and made.source != provenance.A1111 and made.latent is not None
        if self._family is not None and ENCODE in self._family.capabilities and not at_latent:
            self.start_latent_from_file(path)
        elif made is None:
            self.show_error(self.tr("Nothing to recall"),
                            problem or self.tr("%1: no genstudio parameters in this file").replace("%1", str(path)))

    def made_elsewhere(self, params) -> bool:
        """Whether a genstudio image (its Provenance or JSON) names another run or checkpoint than the model shown."""
        return as_provenance(params).names_other_model(self._provenance if self._family is not None else None)

    def restore(self, params, source: str | Path | None = None, warnings: list[str] = ()) -> list[str]:
        """Set what an image's parameters (its Provenance or JSON) say into the controls (the engine's recall():
        seed with count 1, prompts, options, latent position), and say what was used: the message (warnings
        first) goes to the status line and `restored`. Returns what was used, in words."""
        result, used, unused = recall_into(params, self._family, self._form, self._latent)
        if result.values.get(provenance.PRECISION) in ("fp32", "bf16"):
            self._precision_asked = result.values[provenance.PRECISION]     # to draw the same pixels again
        text = restore_text(result, Path(source).name if source else self.tr("the image"), used, unused, warnings,
                            self._family is not None)
        self._status.setText(text)
        if self._family is None:
            self._message.setText(text + "\n\n" + self._no_model_text())
        self.restored.emit(text)
        return used

    def recall(self, params) -> None:
        """Set seed, prompt and options from an image's parameters (restore, without a source name)."""
        self.restore(params)

    # --- errors and lifetime ----------------------------------------------------------------------
    @Slot(object)
    def _on_job_failed(self, error) -> None:
        known = isinstance(error, (DatasetError, ValueError, OSError))
        reason = engine_text(error) if known else f"{type(error).__name__}: {error}"
        self._status.setText(self.tr("Failed: %1").replace("%1", reason))
        self._progress.hide()
        self.show_error(self.tr("Could not explore the model"), reason)

    def show_error(self, title: str, message: str) -> None:
        """A modal error dialog (tests patch this)."""
        QMessageBox.warning(self, title, message)

    def jobs(self) -> list[Job]:
        """This panel's background jobs that are still running."""
        return [job for job in self._jobs if job.running]

    def stop(self, timeout_s: float = 10.0) -> bool:
        """Cancel this panel's jobs and wait for them (window close, model change); True if all stopped."""
        stopped = stop_all(self._jobs, timeout_s)
        self._jobs = [job for job in self._jobs if job.running]
        self._latent.busy = False
        self._sampling.forget()
        return stopped


def _read_meta(path: Path) -> dict | None:
    """A checkpoint's metadata (its header only, no tensors); None when it is missing or unreadable."""
    from studio.engine import CheckpointError, read_meta

    if not path.is_file():
        return None
    try:
        return read_meta(path)
    except (CheckpointError, OSError, ValueError):
        return None
