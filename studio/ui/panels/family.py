"""The family picker: a card per registered family, with what it is good and bad at and what it can do.

The registry is imported in a background Job (it imports torch); `read_families()`
turns it into plain `FamilyInfo` data the cards show. The choice is remembered.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from PySide6.QtCore import QCoreApplication, QSettings, Qt, Signal, Slot
from PySide6.QtGui import QPainter, QPalette, QPen
from PySide6.QtWidgets import (
    QAbstractButton, QButtonGroup, QGridLayout, QHBoxLayout, QLabel, QSizePolicy,
    QVBoxLayout, QWidget,
)

from studio.ui.i18n import family_text
from studio.ui.widgets.styling import make_heading, mix, vertical_scroll

translate = QCoreApplication.translate     # translate(context, text): lupdate finds these calls

COLUMNS = 2


def _capability_words() -> dict[str, tuple[str, str]]:
    """capability -> (chip text, tooltip)."""
    return {
        "latent": (translate("FamilyPanel", "latent space"),
                   translate("FamilyPanel", "Has a latent space you can move through with sliders")),
        "encode": (translate("FamilyPanel", "encodes images"),
                   translate("FamilyPanel", "Turns your own images into latents and back")),
        "prompt": (translate("FamilyPanel", "text prompts"),
                   translate("FamilyPanel", "Generates from a text prompt (needs captions)")),
        "progressive": (translate("FamilyPanel", "step by step"),
                        translate("FamilyPanel", "Shows its images forming, step by step")),
        "likelihood": (translate("FamilyPanel", "likelihood"),
                       translate("FamilyPanel", "Measures how likely an image is (bits per dimension)")),
    }


@dataclass(frozen=True)
class FamilyInfo:
    """What the picker shows about a family: plain data, safe to hand across threads."""

    name: str
    title: str
    summary: str
    description: str
    capabilities: tuple[str, ...]
    presets: tuple[str, ...] = ()          # model size presets, smallest first (the config's own order)
    train_defaults: dict = field(default_factory=dict, compare=False)   # TrainConfig values the family suggests
    cpu_recipe_presets: dict = field(default_factory=dict, compare=False)  # recipe -> preset when training on a CPU
    cpu_timed_presets: dict = field(default_factory=dict, compare=False)   # image side -> lighter preset on a CPU


def read_families() -> tuple[FamilyInfo, ...]:
    """Import the family registry (and with it torch) and describe each family. Runs in a worker."""
    from studio.engine import all_families

    return tuple(
        FamilyInfo(f.name, f.title, f.summary, f.description, tuple(sorted(f.capabilities)),
                   tuple(f.Config.presets), dict(f.train_defaults), dict(f.Config.cpu_recipe_presets),
                   dict(f.Config.cpu_timed_presets))
        for f in all_families()
    )


class FamilyCard(QAbstractButton):
    """One family: title, description, capability chips. Checkable; drawn with palette colours only."""

    def __init__(self, info: FamilyInfo, parent: QWidget | None = None):
        super().__init__(parent)
        self.info = info
        self.setCheckable(True)
        self.setObjectName(f"familyCard_{info.name}")
        self.setAccessibleName(family_text(info.title))
        self.setAccessibleDescription(family_text(info.description))
        self.setToolTip(family_text(info.summary))
        policy = QSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Minimum)
        policy.setHeightForWidth(True)          # the description wraps: narrower is taller
        self.setSizePolicy(policy)
        self.setAttribute(Qt.WidgetAttribute.WA_Hover)

        title = QLabel(family_text(info.title))
        font = title.font()
        font.setBold(True)
        font.setPointSizeF(font.pointSizeF() * 1.1)
        title.setFont(font)
        description = QLabel(family_text(info.description))
        description.setWordWrap(True)
        chips = QHBoxLayout()
        chips.setSpacing(4)
        words = _capability_words()
        for capability in info.capabilities:
            text, tip = words.get(capability, (capability, ""))
            chip = QLabel(text)
            chip.setObjectName("capabilityChip")
            chip.setToolTip(tip)
            chip.setStyleSheet(
                "QLabel#capabilityChip { border: 1px solid palette(mid); border-radius: 8px;"
                " padding: 0px 6px; background: palette(button); color: palette(button-text); }"
            )
            chips.addWidget(chip)
        chips.addStretch(1)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(12, 10, 12, 10)
        layout.setSpacing(6)
        layout.addWidget(title)
        layout.addWidget(description)
        layout.addLayout(chips)
        for child in (title, description):
            child.setAttribute(Qt.WidgetAttribute.WA_TransparentForMouseEvents)

    def paintEvent(self, event) -> None:
        palette = self.palette()
        base, accent = palette.color(QPalette.ColorRole.Base), palette.color(QPalette.ColorRole.Highlight)
        if self.isChecked():
            fill, border, width = mix(base, accent, 0.18), accent, 2.0
        else:
            hovered = self.underMouse() and self.isEnabled()
            fill = mix(base, accent, 0.06) if hovered else base
            border, width = palette.color(QPalette.ColorRole.Mid), 1.0
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.setPen(QPen(border, width))
        painter.setBrush(fill)
        inset = width / 2 + 0.5
        painter.drawRoundedRect(self.rect().toRectF().adjusted(inset, inset, -inset, -inset), 6, 6)
        if self.hasFocus():
            painter.setPen(QPen(accent, 1.0, Qt.PenStyle.DashLine))
            painter.setBrush(Qt.BrushStyle.NoBrush)
            painter.drawRoundedRect(self.rect().toRectF().adjusted(4, 4, -4, -4), 4, 4)


class FamilyPanel(QWidget):
    """The model families as selectable cards. The choice is remembered."""

    family_changed = Signal(str)        # the selected family's name

    def __init__(self, settings: QSettings, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("familyPanel")
        self._settings = settings
        self._cards: dict[str, FamilyCard] = {}
        self._loaded = False
        self._group = QButtonGroup(self)
        self._group.setExclusive(True)
        self._group.buttonToggled.connect(self._on_card_toggled)

        heading = QLabel(self.tr("Model family"))
        heading.setObjectName("familyHeading")
        make_heading(heading)
        self._message = QLabel(self.tr("Loading model families…"))
        self._message.setObjectName("familyMessage")
        self._message.setWordWrap(True)
        self._message.setForegroundRole(QPalette.ColorRole.PlaceholderText)

        intro = QLabel(self.tr("How should the model learn? Each family learns in its own way and is good "
                               "at different things; you can train several on the same pictures and compare."))
        intro.setObjectName("familyIntro")
        intro.setWordWrap(True)
        intro.setForegroundRole(QPalette.ColorRole.PlaceholderText)

        self._list = QWidget()
        self._list.setObjectName("familyList")
        self._list_layout = QGridLayout(self._list)
        self._list_layout.setContentsMargins(0, 0, 4, 0)
        self._list_layout.setSpacing(10)
        self._list_layout.addWidget(self._message, 0, 0, 1, COLUMNS)
        for column in range(COLUMNS):
            self._list_layout.setColumnStretch(column, 1)
        scroll = vertical_scroll(self._list, "familyScroll", self.tr("Model families"))

        layout = QVBoxLayout(self)
        layout.setContentsMargins(10, 10, 6, 10)
        layout.addWidget(heading)
        layout.addWidget(intro)
        layout.addWidget(scroll, 1)
        self.setMinimumWidth(240)

    @property
    def loaded(self) -> bool:
        """True once the registry answered (with families, none, or an error)."""
        return self._loaded

    def cards(self) -> list[FamilyCard]:
        return list(self._cards.values())

    def selected_family(self) -> str | None:
        card = self._group.checkedButton()
        return card.info.name if card else None

    def selected_info(self) -> FamilyInfo | None:
        card = self._group.checkedButton()
        return card.info if card else None

    def select_family(self, name: str) -> None:
        if name in self._cards:
            self._cards[name].setChecked(True)

    @Slot(object)
    def set_families(self, families: tuple[FamilyInfo, ...]) -> None:
        for card in self._cards.values():
            self._group.removeButton(card)
            card.deleteLater()
        self._cards.clear()
        self._loaded = True
        if not families:
            self._show_message(self.tr("No model families are installed yet. "
                                       "Each family is a module in studio/engine/families/."))
            return
        self._message.hide()
        for i, info in enumerate(families):
            card = FamilyCard(info)
            self._cards[info.name] = card
            self._group.addButton(card)
            self._list_layout.addWidget(card, 1 + i // COLUMNS, i % COLUMNS)
        self._list_layout.setRowStretch(2 + (len(families) - 1) // COLUMNS, 1)
        saved = self._settings.value("family/selected", "", type=str)
        self.select_family(saved if saved in self._cards else families[0].name)

    @Slot(str)
    def show_error(self, message: str) -> None:
        self._loaded = True
        self._show_message(self.tr("The model families could not be loaded: {0}").format(message))

    def _show_message(self, text: str) -> None:
        self._message.setText(text)
        self._message.show()

    @Slot(QAbstractButton, bool)
    def _on_card_toggled(self, card: QAbstractButton, checked: bool) -> None:
        if checked:
            self._settings.setValue("family/selected", card.info.name)
            self.family_changed.emit(card.info.name)
