"""Explore's Generate form: the prompt and negative prompt, the family's sampling options as controls
(built from `sample_options()`), count and seed, Generate / Stop and Open image.

Its texts are translated in the "ExplorePanel" context, as they were when the panel was one class.
"""
from __future__ import annotations

import random

from PySide6.QtCore import QCoreApplication, Signal, Slot
from PySide6.QtWidgets import (
    QCheckBox, QComboBox, QDoubleSpinBox, QFormLayout, QGroupBox, QHBoxLayout, QLabel, QLineEdit, QPushButton, QSpinBox,
    QVBoxLayout, QWidget,
)

from studio.engine import PROMPT, SampleOption, provenance
from studio.ui.i18n import engine_text, family_text, option_label
from studio.ui.panels.explore.compare import guidance_kinds

translate = QCoreApplication.translate
MAX_SEED = provenance.MAX_SEED


def named(widget: QWidget, name: str, accessible: str, tip: str) -> QWidget:
    """widget with its object name, accessible name and tooltip set."""
    widget.setObjectName(name)
    widget.setAccessibleName(accessible)
    widget.setToolTip(tip)
    return widget


def push_button(parent: QWidget, text: str, name: str, accessible: str, tip: str, clicked) -> QPushButton:
    """A named button that calls (or emits) `clicked`."""
    button = named(QPushButton(text, parent), name, accessible, tip)
    button.clicked.connect(clicked)
    return button


class PromptForm(QGroupBox):
    """What the next Generate draws: prompt, options, count and seed."""

    generate_requested = Signal()          # Generate clicked, or Enter in the prompt
    stop_requested = Signal()
    open_image_requested = Signal()
    compare_requested = Signal()           # Compare guidance clicked

    def __init__(self, parent: QWidget | None = None):
        super().__init__(translate("ExplorePanel", "Generate"), parent)
        self.setObjectName("exploreGenerateGroup")
        self.setMaximumWidth(340)
        self.option_widgets: dict[str, tuple[SampleOption, QWidget]] = {}    # refilled, never replaced
        self.has_negative = False
        self._family = None
        column = QVBoxLayout(self)
        self._form = QFormLayout()
        column.addLayout(self._form)
        column.addStretch(1)
        self._build_prompts()
        self._options_box = QWidget(self)
        self._form.addRow(self._options_box)
        self.count = named(QSpinBox(self), "exploreCount", translate("ExplorePanel", "Number of images"),
                           translate("ExplorePanel", "How many images one Generate makes"))
        self.count.setRange(1, 64)
        self.count.setValue(8)
        self._form.addRow(translate("ExplorePanel", "Count"), self.count)
        self._form.addRow(translate("ExplorePanel", "Seed"), self._build_seed_row())
        self._build_buttons()

    def _build_prompts(self) -> None:
        self.prompt = named(QLineEdit(self), "explorePrompt", translate("ExplorePanel", "Prompt"),
                            translate("ExplorePanel", "What to draw, in the words of the training captions. "
                                                      "Enter generates."))
        self.prompt.setPlaceholderText(translate("ExplorePanel", "e.g. small red circle"))
        self.prompt.returnPressed.connect(self.generate_requested)
        self.prompt.textChanged.connect(self._on_prompt_text_changed)
        self.prompt_label = QLabel(translate("ExplorePanel", "Prompt"), self)
        self._form.addRow(self.prompt_label, self.prompt)
        self.prompt_warning = QLabel(self)              # words the model never saw, from the family
        self.prompt_warning.setObjectName("explorePromptWarning")
        self.prompt_warning.setWordWrap(True)
        self.prompt_warning.setVisible(False)
        self._form.addRow(self.prompt_warning)
        self.negative = named(QLineEdit(self), "exploreNegativePrompt", translate("ExplorePanel", "Negative prompt"),
                              translate("ExplorePanel", "What the image should not look like"))
        self.negative_label = QLabel(translate("ExplorePanel", "Negative"), self)
        self._form.addRow(self.negative_label, self.negative)

    def _build_seed_row(self) -> QWidget:
        row = QWidget(self)
        layout = QHBoxLayout(row)
        layout.setContentsMargins(0, 0, 0, 0)
        self.seed = named(QSpinBox(row), "exploreSeed", translate("ExplorePanel", "Seed"),
                          translate("ExplorePanel", "Image i is drawn from seed + i: the same seed gives the same "
                                                    "images"))
        self.seed.setRange(0, MAX_SEED)
        self.dice = push_button(row, translate("ExplorePanel", "Random"), "exploreRandomSeedButton",
                                translate("ExplorePanel", "Random seed"),
                                translate("ExplorePanel", "Pick a new random seed"), self._on_dice_clicked)
        layout.addWidget(self.seed, 1)
        layout.addWidget(self.dice)
        return row

    def _build_buttons(self) -> None:
        self.generate_button = push_button(
            self, translate("ExplorePanel", "Generate"), "exploreGenerateButton", translate("ExplorePanel", "Generate"),
            translate("ExplorePanel", "Make new images (Ctrl+G)"), self.generate_requested)
        self.stop_button = push_button(
            self, translate("ExplorePanel", "Stop"), "exploreStopButton", translate("ExplorePanel", "Stop generating"),
            translate("ExplorePanel", "Stop sampling at the next step (Esc): the images drawn so far stay shown, "
                                      "unfinished, and are not added to the gallery"), self.stop_requested)
        buttons = QHBoxLayout()
        buttons.addWidget(self.generate_button, 1)
        buttons.addWidget(self.stop_button)
        self._form.addRow(buttons)
        self.compare_button = push_button(
            self, translate("ExplorePanel", "Compare guidance"), "exploreCompareGuidanceButton",
            translate("ExplorePanel", "Compare guidance"),
            translate("ExplorePanel", "Draw the same seed and prompt once per guidance kind (classifier-free, "
                                      "classifier, both), one row each, so the difference is the guidance alone; "
                                      "classifier guidance needs a run trained with labels or captions"),
            self.compare_requested)
        self._form.addRow(self.compare_button)
        self.open_image = push_button(
            self, translate("ExplorePanel", "Open image…"), "exploreOpenImageButton",
            translate("ExplorePanel", "Open image"),
            translate("ExplorePanel", "Recall the seed, prompt and options an exported image carries, and start the "
                                      "latent sliders from it where the model can encode images (or drop the image "
                                      "on this panel)"), self.open_image_requested)
        self._form.addRow(self.open_image)

    # --- what the family offers ---------------------------------------------------------------------
    def show_family(self, family) -> None:
        """Show the prompt where the family takes one (None: no model), the negative prompt where it has that
        option, and a control for each other option."""
        self._family = family
        options = family.sample_options() if family is not None else []
        for widget in (self.prompt, self.prompt_label):
            widget.setVisible(family is not None and PROMPT in family.capabilities)
        self.has_negative = any(o.name == provenance.NEGATIVE for o in options)
        for widget in (self.negative, self.negative_label):
            widget.setVisible(self.has_negative)
        self._build_options([o for o in options if o.name != provenance.NEGATIVE])
        self.compare_button.setVisible(len(guidance_kinds(family)) > 1)    # something to compare
        self._show_prompt_warnings()

    def _build_options(self, options: list[SampleOption]) -> None:
        old = self._options_box
        box = QWidget(old.parentWidget())
        form = QFormLayout(box)
        form.setContentsMargins(0, 0, 0, 0)
        self.option_widgets.clear()
        for option in options:
            widget = option_widget(option, box)
            widget.setObjectName(f"exploreOption_{option.name}")
            widget.setAccessibleName(option_label(option.name))
            widget.setToolTip(family_text(option.help) or option_label(option.name))
            self.option_widgets[option.name] = (option, widget)
            form.addRow(option_label(option.name), widget)
        self._form.replaceWidget(old, box)
        box.show()
        old.hide()                  # at once: deleteLater waits for the event loop
        old.deleteLater()
        self._options_box = box

    def options(self) -> dict:
        """The sampling options as the controls show them (the negative prompt included)."""
        values = {name: option_value(widget) for name, (_, widget) in self.option_widgets.items()}
        if self.has_negative:
            values[provenance.NEGATIVE] = self.negative.text()
        return values

    def prompt_text(self) -> str | None:
        """The prompt typed, None when the model takes none."""
        if self._family is None or PROMPT not in self._family.capabilities:
            return None
        return self.prompt.text().strip()

    def prompt_warnings(self) -> list[str]:
        """What the family says about the prompt now typed (e.g. words it never saw)."""
        text = self.prompt_text() or ""
        if not text or not self.prompt.isVisibleTo(self):
            return []
        try:
            return list(self._family.prompt_warnings(text))
        except Exception as error:  # a family's check must never break typing
            return [str(error)]

    @Slot(str)
    def _on_prompt_text_changed(self, _text: str) -> None:
        self._show_prompt_warnings()

    def _show_prompt_warnings(self) -> None:
        warnings = self.prompt_warnings()
        self.prompt_warning.setText("\n".join(engine_text(w) for w in warnings))
        self.prompt_warning.setToolTip(self.prompt_warning.text())
        self.prompt_warning.setVisible(bool(warnings))

    def set_running(self, running: bool) -> None:
        """A Generate is under way: Stop is offered, and Generate starts again."""
        self.stop_button.setEnabled(running)
        self.compare_button.setEnabled(not running)
        self.generate_button.setToolTip(
            translate("ExplorePanel", "Start again with the current settings (Ctrl+G): the images being drawn are "
                                      "dropped")
            if running else translate("ExplorePanel", "Make new images (Ctrl+G)"))

    def roll_seed(self) -> None:
        """A new random seed."""
        self.seed.setValue(random.randint(0, MAX_SEED))

    @Slot()
    def _on_dice_clicked(self) -> None:
        self.roll_seed()


# -- one control per sampling option ----------------------------------------------------------------------
def option_widget(option: SampleOption, parent: QWidget) -> QWidget:
    """A control for a sampling option, at its default: check box, choice, whole or decimal number, or text."""
    if option.kind == "bool":
        widget = QCheckBox(parent)
        widget.setChecked(bool(option.default))
    elif option.kind == "choice":
        widget = QComboBox(parent)
        widget.addItems([str(c) for c in option.choices])
        widget.setCurrentText(str(option.default))
    elif option.kind == "int":
        widget = QSpinBox(parent)
        widget.setRange(int(option.minimum if option.minimum is not None else -MAX_SEED),
                        int(option.maximum if option.maximum is not None else MAX_SEED))
        widget.setValue(int(option.default))
    elif option.kind == "float":
        widget = QDoubleSpinBox(parent)
        low = option.minimum if option.minimum is not None else -1e6
        high = option.maximum if option.maximum is not None else 1e6
        widget.setRange(low, high)
        widget.setDecimals(3)
        widget.setSingleStep((high - low) / 100 if option.maximum is not None else 0.1)
        widget.setValue(float(option.default))
    else:                                    # "str", or anything else: a text field
        widget = QLineEdit(parent)
        widget.setText("" if option.default is None else str(option.default))
    return widget


def option_value(widget: QWidget):
    """What an option's control shows."""
    if isinstance(widget, QCheckBox):
        return widget.isChecked()
    if isinstance(widget, QComboBox):
        return widget.currentText()
    if isinstance(widget, QSpinBox):
        return int(widget.value())
    if isinstance(widget, QDoubleSpinBox):
        return float(widget.value())
    return widget.text()


def set_option_value(widget: QWidget, value) -> bool:
    """Show a value recall() accepted in an option's control; False when the control cannot show it exactly."""
    if isinstance(widget, QCheckBox):
        widget.setChecked(value)
    elif isinstance(widget, QComboBox):
        widget.setCurrentText(str(value))
    elif isinstance(widget, (QSpinBox, QDoubleSpinBox)):
        if not widget.minimum() <= value <= widget.maximum():
            return False
        widget.setValue(value)
        return widget.value() == value          # shown with fewer decimals it would not draw the same image
    else:
        widget.setText(str(value))
    return True
