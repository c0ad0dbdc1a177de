"""The Compare step: runs trained on one dataset, side by side.

Left, what to compare: the run folders (the runs folder, runs opened before, folders added by hand), shown
when they were trained on the current dataset, or on the dataset of the first ticked run (its fingerprint in
config.json); the samples per run; Compare and Stop. Below, "Train each family": one run per ticked family on
the current dataset, for the same minutes each, queued in a background Job. Right, the results: sample grids
at the same seed, the scores with the floor (each metric explained in words), quality over training time,
the memorisation strip, the degradation check, a note per family, and Export report…

Evaluation and training run in Jobs (workers.py); what crosses back is plain data (work.py's RunResult and the
engine's events). A run that cannot be measured (its dataset is gone) is said in the panel with what to do.
"""
from __future__ import annotations

import logging
from pathlib import Path

from PySide6.QtCore import QSettings, Qt, Signal, Slot
from PySide6.QtWidgets import (
    QAbstractItemView, QCheckBox, QFileDialog, QFrame, QGridLayout, QHBoxLayout, QLabel, QListWidget,
    QListWidgetItem, QMessageBox, QProgressBar, QPushButton, QSpinBox, QSplitter, QVBoxLayout, QWidget,
)

from studio.engine import Message, message_of
from studio.ui.i18n import engine_text, family_text
from studio.ui.panels.compare.results import (
    CheckView, CopyStrip, QualityPlot, SampleGrids, ScoresTable, family_title, notes_text,
)
from studio.ui.panels.compare.work import ComparisonMade, RunCompared, RunStarted, compare_runs_for_view, list_runs
from studio.ui.widgets.styling import make_heading, small_heading, vertical_scroll, warning_frame
from studio.ui.workers import Job, stop_all

log = logging.getLogger(__name__)

DEFAULT_SAMPLES = 200
DEFAULT_MINUTES = 5
PATH_ROLE = Qt.ItemDataRole.UserRole


def _label(text: str = "", name: str = "", *, muted: bool = False, rich: bool = False) -> QLabel:
    label = QLabel(text)
    label.setWordWrap(True)
    if name:
        label.setObjectName(name)
    if muted:
        from PySide6.QtGui import QPalette

        label.setForegroundRole(QPalette.ColorRole.PlaceholderText)
    if rich:
        label.setTextFormat(Qt.TextFormat.RichText)
    return label


class ComparePanel(QWidget):
    """Pick runs of one dataset (or train one per family), evaluate them in the background, show them side by
    side."""

    summary_changed = Signal(str)         # the rail's line for this step
    message_changed = Signal(str)         # something for the status bar
    compared = Signal(object)             # list[RunResult] of the latest comparison
    runs_trained = Signal(object)         # list of run folders "Train each family" made

    def __init__(self, settings: QSettings | None = None, *, runs_root: Path | None = None,
                 parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("comparePanel")
        self.setAccessibleName(self.tr("Compare"))
        from studio.paths import runs_dir

        self._settings = settings
        self.runs_root = Path(runs_root) if runs_root is not None else runs_dir()
        self.cache: Path | None = None            # the feature network's cache (None: the user cache folder)
        self.feature_steps: int | None = None     # its training steps (None: the engine's default)
        self.dataset = None                       # the Data step's dataset
        self.families: dict = {}                  # name -> FamilyInfo
        self.results: list = []
        self.comparison = None                    # compare.py's Comparison, when the engine made one
        self._entries: dict[str, object] = {}     # path -> RunEntry of every run found
        self._added: list[str] = []               # folders added by hand
        self._training_elsewhere = False
        self._compare_job: Job | None = None
        self._train_job: Job | None = None
        self._old_jobs: list[Job] = []
        self._errors: list[str] = []              # the latest comparison's runs that could not be measured
        self._index, self._total, self._run_name = 0, 0, ""
        self._build()
        self.refresh_runs()

    # --- building ---------------------------------------------------------------------------------

    def _build(self) -> None:
        splitter = QSplitter(Qt.Orientation.Horizontal)
        splitter.setObjectName("compareSplitter")
        splitter.setChildrenCollapsible(False)
        controls = vertical_scroll(self._build_controls(), "compareControlsScroll", self.tr("What to compare"))
        controls.setMinimumWidth(300)
        splitter.addWidget(controls)
        splitter.addWidget(vertical_scroll(self._build_results(), "compareResultsScroll", self.tr("Results")))
        splitter.setStretchFactor(0, 0)
        splitter.setStretchFactor(1, 1)
        splitter.setSizes([340, 730])
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(splitter)
        for button in self.findChildren(QPushButton):          # a button's name is its words
            button.setAccessibleName(button.text().rstrip("…"))
        for widget, name in ((self.samples_spin, self.tr("Samples per run")),
                             (self.minutes_spin, self.tr("Minutes each")),
                             (self.progress_bar, self.tr("Comparison progress")),
                             (self.train_bar, self.tr("Training progress"))):
            widget.setAccessibleName(name)

    def _build_controls(self) -> QWidget:
        box = QWidget()
        column = QVBoxLayout(box)
        column.setContentsMargins(10, 10, 10, 10)
        heading = make_heading(QLabel(self.tr("Compare")))
        heading.setObjectName("compareHeading")
        column.addWidget(heading)
        column.addWidget(_label(self.tr("Runs trained on the same images, side by side: their samples, their "
                                        "scores against real images they never saw, and copies of training "
                                        "images."), muted=True))
        column.addWidget(small_heading(self.tr("Runs on this dataset"), "compareRunsHeading"))
        self.filter_label = _label(name="compareFilterLabel", muted=True)
        column.addWidget(self.filter_label)
        self.run_list = QListWidget()
        self.run_list.setObjectName("compareRunList")
        self.run_list.setAccessibleName(self.tr("Runs to compare"))
        self.run_list.setSelectionMode(QAbstractItemView.SelectionMode.NoSelection)
        self.run_list.setMinimumHeight(150)
        self.run_list.itemChanged.connect(self._on_run_list_item_changed)
        column.addWidget(self.run_list, 1)
        row = QHBoxLayout()
        self.add_button = QPushButton(self.tr("Add run folder…"))
        self.add_button.setObjectName("compareAddRunButton")
        self.add_button.clicked.connect(self.choose_run_folder)
        self.refresh_button = QPushButton(self.tr("Refresh"))
        self.refresh_button.setObjectName("compareRefreshButton")
        self.refresh_button.clicked.connect(self.refresh_runs)
        row.addWidget(self.add_button)
        row.addWidget(self.refresh_button)
        row.addStretch(1)
        column.addLayout(row)
        form = QGridLayout()
        form.addWidget(QLabel(self.tr("Samples per run")), 0, 0)
        self.samples_spin = QSpinBox()
        self.samples_spin.setObjectName("compareSamplesSpin")
        self.samples_spin.setRange(8, 5000)
        self.samples_spin.setSingleStep(50)
        self.samples_spin.setValue(DEFAULT_SAMPLES)
        self.samples_spin.setToolTip(self.tr("Images generated and scored per run: more give steadier figures "
                                             "and take longer."))
        form.addWidget(self.samples_spin, 0, 1)
        self.again_check = QCheckBox(self.tr("Measure again"))
        self.again_check.setObjectName("compareAgainCheck")
        self.again_check.setToolTip(self.tr("Ignore the evaluation saved in each run folder and measure anew."))
        form.addWidget(self.again_check, 1, 0, 1, 2)
        form.setColumnStretch(2, 1)
        column.addLayout(form)
        row = QHBoxLayout()
        self.compare_button = QPushButton(self.tr("Compare"))
        self.compare_button.setObjectName("compareButton")
        self.compare_button.setDefault(True)
        self.compare_button.clicked.connect(self.compare)
        self.stop_button = QPushButton(self.tr("Stop"))
        self.stop_button.setObjectName("compareStopButton")
        self.stop_button.clicked.connect(self.stop_comparing)
        row.addWidget(self.compare_button)
        row.addWidget(self.stop_button)
        row.addStretch(1)
        column.addLayout(row)
        self.progress_label = _label(name="compareProgressLabel", muted=True)
        self.progress_bar = QProgressBar()
        self.progress_bar.setObjectName("compareProgressBar")
        self.progress_bar.setTextVisible(False)
        column.addWidget(self.progress_label)
        column.addWidget(self.progress_bar)
        column.addSpacing(8)
        column.addWidget(self._build_training())
        self._set_comparing(False)
        return box

    def _build_training(self) -> QWidget:
        box = QWidget()
        column = QVBoxLayout(box)
        column.setContentsMargins(0, 0, 0, 0)
        column.addWidget(small_heading(self.tr("Train each family"), "compareTrainHeading"))
        column.addWidget(_label(self.tr("One new run per ticked family on the current dataset, one after "
                                        "another, each for the same minutes: a fair race."), muted=True))
        self.family_grid = QGridLayout()
        self.family_checks: dict[str, QCheckBox] = {}
        column.addLayout(self.family_grid)
        row = QHBoxLayout()
        row.addWidget(QLabel(self.tr("Minutes each")))
        self.minutes_spin = QSpinBox()
        self.minutes_spin.setObjectName("compareMinutesSpin")
        self.minutes_spin.setRange(1, 600)
        self.minutes_spin.setValue(DEFAULT_MINUTES)
        row.addWidget(self.minutes_spin)
        row.addStretch(1)
        column.addLayout(row)
        row = QHBoxLayout()
        self.train_button = QPushButton(self.tr("Train families"))
        self.train_button.setObjectName("compareTrainButton")
        self.train_button.clicked.connect(self.train_families)
        self.train_stop_button = QPushButton(self.tr("Stop"))
        self.train_stop_button.setObjectName("compareTrainStopButton")
        self.train_stop_button.clicked.connect(self.stop_training)
        row.addWidget(self.train_button)
        row.addWidget(self.train_stop_button)
        row.addStretch(1)
        column.addLayout(row)
        self.train_label = _label(name="compareTrainLabel", muted=True)
        self.train_bar = QProgressBar()
        self.train_bar.setObjectName("compareTrainProgressBar")
        self.train_bar.setTextVisible(False)
        column.addWidget(self.train_label)
        column.addWidget(self.train_bar)
        self._set_training(False)
        return box

    def _build_results(self) -> QWidget:
        box = QWidget()
        box.setObjectName("compareResults")
        column = QVBoxLayout(box)
        column.setContentsMargins(10, 10, 10, 10)
        column.setSpacing(6)
        top = QHBoxLayout()
        self.results_heading = make_heading(QLabel(self.tr("Results")), 1.1)
        top.addWidget(self.results_heading)
        top.addStretch(1)
        self.export_button = QPushButton(self.tr("Export report…"))
        self.export_button.setObjectName("compareExportButton")
        self.export_button.setToolTip(self.tr("Write the comparison as an HTML page and a Markdown file into a "
                                              "folder"))
        self.export_button.clicked.connect(self.choose_report_folder)
        self.export_button.setEnabled(False)
        top.addWidget(self.export_button)
        column.addLayout(top)
        column.addWidget(self._build_message())
        self.placeholder = _label(self.tr("Tick one or more runs on the left and press Compare. Each run's "
                                          "samples are scored against images it never saw; the floor row shows "
                                          "what real images score the same way."), "comparePlaceholder", muted=True)
        column.addWidget(self.placeholder)
        self.sections: list[QWidget] = []

        def section(title: str, name: str, *widgets) -> None:
            heading = small_heading(title, name)
            column.addSpacing(6)
            column.addWidget(heading)
            self.sections.append(heading)
            for widget in widgets:
                column.addWidget(widget)
                self.sections.append(widget)

        self.grids = SampleGrids()
        section(self.tr("Samples at the same seed"), "compareSamplesHeading", self.grids)
        self.table = ScoresTable()
        section(self.tr("Scores against real images the runs never saw"), "compareScoresHeading", self.table)
        self.quality = QualityPlot()
        section(self.tr("Quality during training"), "compareQualityHeading", self.quality)
        self.strip = CopyStrip()
        self.strip_note = _label(self.tr("Each sample beside the training image nearest to it. The ratio compares "
                                         "their distance with how close unseen real images come to the training "
                                         "set: below 1 the sample is closer than real images get, a likely copy."),
                                 muted=True)
        section(self.tr("Copies of training images"), "compareCopiesHeading", self.strip_note, self.strip)
        self.check = CheckView()
        section(self.tr("Can the measuring network tell good from bad?"), "compareCheckHeading", self.check)
        self.notes = _label(name="compareNotes", rich=True)
        section(self.tr("Why each family looks the way it does"), "compareNotesHeading", self.notes)
        column.addStretch(1)
        for widget in self.sections:
            widget.hide()
        return box

    def _build_message(self) -> QFrame:
        self.message_label = _label(name="compareMessage")
        self.message_frame = warning_frame("compareMessageFrame", self.message_label, self.style())
        return self.message_frame

    # --- what the window tells it -----------------------------------------------------------------

    def set_dataset(self, dataset) -> None:
        """The Data step's dataset: its runs are listed, and "Train each family" trains on it."""
        self.dataset = dataset
        self._refilter()
        self._set_training(self._train_job is not None)

    def set_families(self, families) -> None:
        """The families (FamilyInfo) "Train each family" offers, all ticked but the slow-sampling ones."""
        self.families = {info.name: info for info in families}
        for check in self.family_checks.values():
            check.deleteLater()
        self.family_checks = {}
        for index, info in enumerate(families):
            check = QCheckBox(family_text(info.title))
            check.setObjectName(f"compareFamilyCheck_{info.name}")
            check.setToolTip(family_text(info.summary))
            check.setChecked(info.name in ("vae", "gan", "diffusion"))
            self.family_grid.addWidget(check, index, 0)
            self.family_checks[info.name] = check
        self._refilter()

    def set_training_elsewhere(self, busy: bool) -> None:
        """The Train step is training: "Train each family" waits (both would share the same processor)."""
        self._training_elsewhere = busy
        self._set_training(self._train_job is not None)

    # --- the run list ---------------------------------------------------------------------------------

    def _opened(self) -> list[str]:
        if self._settings is None:
            return []
        return list(self._settings.value("runs/opened", [], type=list) or [])

    @Slot()
    def refresh_runs(self) -> None:
        """List the run folders again (the runs folder, runs opened before, those added here)."""
        entries = list_runs(self.runs_root, [*self._opened(), *self._added])
        self._entries = {str(entry.path): entry for entry in entries}
        self._refilter()

    def run_paths(self) -> list[str]:
        """The runs the list shows, in order."""
        return [self.run_list.item(i).data(PATH_ROLE) for i in range(self.run_list.count())]

    def checked_runs(self) -> list[str]:
        return [self.run_list.item(i).data(PATH_ROLE) for i in range(self.run_list.count())
                if self.run_list.item(i).checkState() == Qt.CheckState.Checked]

    def set_checked(self, paths) -> None:
        wanted = {str(Path(p).resolve()) for p in paths}
        for i in range(self.run_list.count()):
            item = self.run_list.item(i)
            item.setCheckState(Qt.CheckState.Checked if item.data(PATH_ROLE) in wanted else Qt.CheckState.Unchecked)

    def filter_fingerprint(self) -> str | None:
        """The dataset the list shows runs of: the first ticked run's, else the current dataset's."""
        checked = self.checked_runs()
        if checked and self._entries.get(checked[0]) is not None:
            return self._entries[checked[0]].fingerprint
        return self.dataset.fingerprint if self.dataset is not None else None

    def _refilter(self) -> None:
        checked = self.checked_runs()
        fingerprint = self.filter_fingerprint()
        shown = [e for e in self._entries.values() if fingerprint is None or e.fingerprint == fingerprint]
        hidden = len(self._entries) - len(shown)
        with_signals = self.run_list.blockSignals(True)
        self.run_list.clear()
        for entry in shown:
            step = self.tr("step {0:,}").format(entry.step) if entry.step is not None else self.tr("no checkpoint")
            item = QListWidgetItem(self.tr("{0}\n{1}, {2}").format(
                entry.path.name, family_title(self.families, entry.family), step))
            item.setData(PATH_ROLE, str(entry.path))
            item.setToolTip(self.tr("{0}\nTrained on {1}").format(entry.path, entry.source or "?"))
            item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
            item.setCheckState(Qt.CheckState.Checked if str(entry.path) in checked else Qt.CheckState.Unchecked)
            if entry.step is None:
                item.setFlags(item.flags() & ~Qt.ItemFlag.ItemIsEnabled)
            self.run_list.addItem(item)
        self.run_list.blockSignals(with_signals)
        self.filter_label.setText(self._filter_text(fingerprint, len(shown), hidden))
        self._set_comparing(self._compare_job is not None)
        self.summary_changed.emit(self.summary())

    def _filter_text(self, fingerprint, shown: int, hidden: int) -> str:
        if not self._entries:
            return self.tr("No runs yet: train one on the Train step, or train each family below.")
        if fingerprint is None:
            return self.tr("All runs; tick one and only runs on its dataset stay listed.")
        source = next((e.source for e in self._entries.values() if e.fingerprint == fingerprint and e.source), None)
        if source is None and self.dataset is not None and self.dataset.fingerprint == fingerprint:
            source = self.dataset.report.root
        name = Path(source).name if source else "?"
        text = self.tr("Runs trained on {0}: {1}.").format(name, shown) if shown else \
            self.tr("No runs trained on {0} yet.").format(name)
        if hidden:
            text += " " + self.tr("{0} on other data are not listed (runs are compared on one dataset).").format(hidden)
        return text

    @Slot(QListWidgetItem)
    def _on_run_list_item_changed(self, _item) -> None:
        self._refilter()

    @Slot()
    def choose_run_folder(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, self.tr("Add a run folder"), str(self.runs_root))
        if folder:
            self.add_run(folder)

    def add_run(self, folder) -> bool:
        """Add a run folder to the list and tick it; a folder that is no run, or a run on other data than the
        ticked ones, is said instead."""
        from studio.ui.panels.compare.work import describe_run

        path = Path(folder).resolve()
        entry = describe_run(path)
        if entry is None:
            self.show_message(self.tr("{0} is not a genstudio run folder (it has no readable config.json).")
                              .format(path))
            return False
        checked = self.checked_runs()
        fingerprint = self.filter_fingerprint()
        if fingerprint is not None and entry.fingerprint != fingerprint:
            first = checked[0] if checked else self.dataset.report.root
            self.show_message(engine_text(Message("compare.other_dataset", path=path, first=first)))
            return False
        if str(path) not in self._added:
            self._added.append(str(path))
        self._entries[str(path)] = entry
        self.hide_message()
        self.set_checked([*checked, path])
        self._refilter()
        return True

    # --- comparing ----------------------------------------------------------------------------------

    @Slot()
    def compare(self) -> Job | None:
        """Evaluate the ticked runs in the background; the results fill in run by run."""
        paths = self.checked_runs()
        if not paths:
            self.show_message(engine_text(Message("compare.no_runs")))
            return None
        fingerprints = {self._entries[p].fingerprint for p in paths}
        if len(fingerprints) > 1:
            self.show_message(engine_text(Message("compare.other_dataset", path=paths[-1], first=paths[0])))
            return None
        self.stop_comparing()
        self.hide_message()
        self.results = []
        self.comparison = None
        self._errors = []
        job = Job(compare_runs_for_view, paths, n=self.samples_spin.value(), seed=0, dataset=self.dataset,
                  cache=self.cache, reuse=not self.again_check.isChecked(), feature_steps=self.feature_steps,
                  parent=self)
        job.yielded.connect(self._on_compare_job_yielded)
        job.succeeded.connect(self._on_compare_job_succeeded)
        job.failed.connect(self._on_compare_job_failed)
        self._compare_job = job
        self._total = len(paths)
        self._index = 0
        self.progress_bar.setRange(0, 0)
        self.progress_label.setText(self.tr("Starting…"))
        self._set_comparing(True)
        job.start()
        return job

    @Slot()
    def stop_comparing(self) -> None:
        if self._compare_job is not None:
            self._compare_job.cancel()
            self._old_jobs.append(self._compare_job)
            self._compare_job = None
            self.progress_label.setText(self.tr("Stopped."))
            self._set_comparing(False)

    @Slot(object)
    def _on_compare_job_yielded(self, event) -> None:
        if isinstance(event, RunStarted):
            self._index = event.index
            self._run_name = Path(event.path).name
            self._show_progress(engine_text(Message("evaluation.stage.reference")), 0, 0)
        elif isinstance(event, RunCompared):
            self.results.append(event.result)
            if event.result.error is not None:
                self._errors.append(self._error_text(event.result))
            self._show_results()
        elif isinstance(event, ComparisonMade):
            self.comparison = event.comparison
            self.export_button.setEnabled(True)
        elif type(event).__name__ == "FeatureTraining":
            self._show_progress(engine_text(Message("evaluation.stage.features")), event.step, event.total)
        elif type(event).__name__ == "EvaluationProgress":
            self._show_progress(engine_text(event.stage), event.done, event.total)

    def _show_progress(self, stage: str, done: int, total: int) -> None:
        self.progress_label.setText(self.tr("Run {0} of {1} ({2}): {3}").format(
            self._index + 1, self._total, self._run_name, stage) + (f" {done:,}/{total:,}" if total else "…"))
        fraction = (self._index + (done / total if total else 0)) / max(1, self._total)
        self.progress_bar.setRange(0, 1000)
        self.progress_bar.setValue(int(fraction * 1000))

    def _error_text(self, result) -> str:
        name = Path(result.path).name
        message = message_of(result.error)
        text = self.tr("{0} could not be measured: {1}").format(name, engine_text(result.error))
        if getattr(message, "id", "") == "evaluation.dataset_gone":
            text += "\n" + self.tr("Open the images it was trained on on the Data step (or put them back at that "
                                   "path) and press Compare again.")
        return text

    @Slot(object)
    def _on_compare_job_succeeded(self, results) -> None:
        self._compare_job = None
        self.results = list(results or [])
        self._set_comparing(False)
        measured = [r for r in self.results if r.evaluation is not None]
        self.progress_bar.setRange(0, 1)
        self.progress_bar.setValue(1)
        self.progress_label.setText(self.tr("Measured {0} of {1} runs.").format(len(measured), len(self.results)))
        self._show_results()
        self.compared.emit(self.results)
        self.summary_changed.emit(self.summary())

    @Slot(object)
    def _on_compare_job_failed(self, error: Exception) -> None:
        self._compare_job = None
        self._set_comparing(False)
        self.progress_label.setText("")
        log.error("comparing runs failed", exc_info=error)
        self.show_message(self.tr("The comparison stopped: {0}").format(engine_text(error)))

    def _show_results(self) -> None:
        from studio.engine import METRICS

        measured = [r for r in self.results if r.evaluation is not None]
        if self._errors:
            self.show_message("\n\n".join(self._errors))
        warnings = sorted({engine_text(w) for r in measured for w in r.evaluation.warnings})
        if warnings and not self._errors:
            self.show_message("\n".join(warnings))
        self.placeholder.setVisible(not measured)
        for widget in self.sections:
            widget.setVisible(bool(measured))
        if not measured:
            return
        self.grids.set_results(measured, self.families)
        self.table.set_results(measured, METRICS, self.families)
        self.quality.set_results(measured)
        self.strip.set_results(measured)
        self.check.set_check(measured[0].evaluation.check)
        self.notes.setText(notes_text(measured, self.families))
        self.export_button.setEnabled(self.comparison is not None)

    # --- training each family -------------------------------------------------------------------------

    def checked_families(self) -> list[str]:
        return [name for name, check in self.family_checks.items() if check.isChecked()]

    @Slot()
    def train_families(self) -> Job | None:
        """Train one run per ticked family on the current dataset, in the background."""
        from studio import engine

        if "train_families" not in engine.__all__:
            self.show_message(self.tr("Training each family needs a newer engine (studio.engine.train_families)."))
            return None
        families = self.checked_families()
        if self.dataset is None or not families:
            self.show_message(self.tr("Load a dataset on the Data step and tick at least one family."))
            return None
        self.hide_message()
        job = Job(engine.train_families, self.dataset, families, minutes=float(self.minutes_spin.value()),
                  out=self.runs_root, size=int(self.dataset.images.shape[1]), parent=self)
        job.yielded.connect(self._on_train_job_yielded)
        job.succeeded.connect(self._on_train_job_succeeded)
        job.failed.connect(self._on_train_job_failed)
        self._train_job = job
        self.train_bar.setRange(0, 0)
        self.train_label.setText(self.tr("Starting…"))
        self._set_training(True)
        job.start()
        return job

    @Slot()
    def stop_training(self) -> None:
        if self._train_job is not None:
            self._train_job.cancel()            # the Trainer saves what it has at its next yield
            self._old_jobs.append(self._train_job)
            self._train_job = None
            self.train_label.setText(self.tr("Stopped; the runs trained so far are in the list."))
            self._set_training(False)
            self.refresh_runs()

    @Slot(object)
    def _on_train_job_yielded(self, wrapped) -> None:
        event = getattr(wrapped, "event", None)
        fraction = getattr(event, "fraction", None)
        if fraction is None:
            return
        index, total = wrapped.index, wrapped.total
        self.train_bar.setRange(0, 1000)
        self.train_bar.setValue(int((index + fraction) / max(1, total) * 1000))
        self.train_label.setText(self.tr("Training {0} ({1} of {2}): step {3:,}").format(
            family_title(self.families, wrapped.family), index + 1, total, event.step))

    @Slot(object)
    def _on_train_job_succeeded(self, folders) -> None:
        self._train_job = None
        self._set_training(False)
        self.train_bar.setRange(0, 1)
        self.train_bar.setValue(1)
        folders = [str(Path(f).resolve()) for f in folders or []]
        self.train_label.setText(self.tr("Trained {0} runs; they are ticked in the list.").format(len(folders)))
        self.refresh_runs()
        self.set_checked(folders)
        self._refilter()
        self.runs_trained.emit(folders)

    @Slot(object)
    def _on_train_job_failed(self, error: Exception) -> None:
        self._train_job = None
        self._set_training(False)
        self.train_label.setText("")
        self.show_message(self.tr("Training stopped: {0}").format(engine_text(error)))
        self.refresh_runs()

    # --- the report ----------------------------------------------------------------------------------

    @Slot()
    def choose_report_folder(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, self.tr("Export the report into a folder"),
                                                  str(Path.home()))
        if folder:
            self.export_report(Path(folder))

    def export_report(self, folder: Path, *, replace: bool | None = None):
        """Write the report (HTML + Markdown) into `folder`; an existing report there is replaced only when the
        user says so (replace=None asks). Returns the files written, or None."""
        from studio import engine

        if self.comparison is None or "write_report" not in engine.__all__:
            return None
        folder = Path(folder)
        existing = [p for p in (folder / "report.html", folder / "report.md") if p.exists()]
        if existing and replace is None:
            replace = QMessageBox.question(
                self, self.tr("Replace the report?"),
                self.tr("{0} already holds a report. Replace it?").format(folder),
                QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.Cancel,
                QMessageBox.StandardButton.Cancel) == QMessageBox.StandardButton.Yes
        if existing and not replace:
            return None
        try:
            written = engine.write_report(self.comparison, folder)
        except engine.user_errors() as error:
            self.show_message(engine_text(error))
            return None
        self.message_changed.emit(self.tr("Report written to {0}").format(folder))
        return written

    # --- state -------------------------------------------------------------------------------------

    def summary(self) -> str:
        if self._compare_job is not None:
            return self.tr("Measuring…")
        measured = [r for r in self.results if r.evaluation is not None]
        if measured:
            return self.tr("{0} runs measured").format(len(measured))
        checked = len(self.checked_runs())
        return self.tr("{0} runs ticked").format(checked) if checked else self.tr("Pick runs")

    def show_message(self, text: str) -> None:
        self.message_label.setText(text)
        self.message_frame.show()

    def hide_message(self) -> None:
        self.message_frame.hide()

    def _set_comparing(self, running: bool) -> None:
        self.compare_button.setEnabled(not running and bool(self.checked_runs()))
        self.stop_button.setEnabled(running)
        self.progress_bar.setVisible(running or self.progress_bar.value() > 0)
        self.summary_changed.emit(self.summary())

    def _set_training(self, running: bool) -> None:
        ready = self.dataset is not None and not self._training_elsewhere
        self.train_button.setEnabled(not running and ready)
        self.train_button.setToolTip(self.tr("Training runs on the Train step; wait for it to finish.")
                                     if self._training_elsewhere else "")
        self.train_stop_button.setEnabled(running)
        self.train_bar.setVisible(running)

    @property
    def busy(self) -> bool:
        return self._compare_job is not None or self._train_job is not None

    def jobs(self) -> list[Job]:
        return [job for job in (self._compare_job, self._train_job, *self._old_jobs) if job is not None]

    def stop(self, timeout_s: float = 10.0) -> bool:
        """Stop comparing and training (a training run saves at its next yield); True once all stopped."""
        return stop_all(self.jobs(), timeout_s)
