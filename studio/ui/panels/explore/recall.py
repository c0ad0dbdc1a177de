"""Applying a recall result to Explore's controls, and saying in words what was used and what not.

What an image's parameters set, and why a value cannot be set, is decided by the engine
(studio.engine.recall); here the values go into the widgets. A value a control cannot show exactly
(a decimal the spin box would round) is told as not used. Texts are translated in the
"ExplorePanel" context.
"""
from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QCoreApplication

from studio.engine import LATENT, PROMPT, ImageMetadataError, provenance, read_provenance, recall
from studio.ui.i18n import engine_text
from studio.ui.panels.explore.latent import LatentSliders
from studio.ui.panels.explore.prompt import PromptForm, set_option_value

translate = QCoreApplication.translate
# what recall() names besides the sampling options
SEED, PROMPT_TEXT, NEGATIVE, LATENT_POSITION = (provenance.SEED, provenance.PROMPT_TEXT, provenance.NEGATIVE,
                                                provenance.LATENT_POSITION)


def read_image(path: str | Path):
    """(What made an image file, a Provenance or None; why it could not be read, in words, or None)."""
    try:
        return read_provenance(Path(path)), None          # the header only, not the pixels
    except ImageMetadataError as error:
        return None, engine_text(error)


def dropped_path(mime) -> str | None:
    """The first local file dropped, if any."""
    local = [url.toLocalFile() for url in mime.urls() if url.isLocalFile()] if mime.hasUrls() else []
    return local[0] if local else None


def recall_into(params, family, form: PromptForm, latent: LatentSliders):
    """Recall an image's parameters for `family` (None: no model) and put them in the controls:
    (the Recall, what was used and what was not in words, in the image's order)."""
    caps = family.capabilities if family is not None else frozenset()
    result = recall(params, family.sample_options() if family is not None else None, takes_prompt=PROMPT in caps,
                    latent_shape=tuple(family.latent_shape) if LATENT in caps else None)
    values, refused = result.values, set()
    if SEED in values:
        form.seed.setValue(values[SEED])
        form.count.setValue(1)                  # image 0 of a Generate is drawn from the seed itself
    if PROMPT_TEXT in values:
        form.prompt.setText(values[PROMPT_TEXT])
    if NEGATIVE in values:
        form.negative.setText(values[NEGATIVE])
    for name, (_, widget) in form.option_widgets.items():
        if name in values and not set_option_value(widget, values[name]):
            refused.add(name)
    if LATENT_POSITION in values:
        latent.set_start(values[LATENT_POSITION], dict(result.latent_origin))
    used = [recalled_text(r) for r in result.set if r.name not in refused]
    unused = [recalled_text(r) for r in result.not_set]
    return result, used, unused + [r.shown for r in result.set if r.name in refused]


def recalled_text(recalled) -> str:
    """One thing recall() found, in words: "seed 7", "steps 20"; or why it was not used."""
    if recalled.shown:
        return recalled.shown                   # an option, as the image wrote it
    if not recalled.why:
        texts = {SEED: translate("ExplorePanel", "seed %1"), PROMPT_TEXT: translate("ExplorePanel", "prompt"),
                 NEGATIVE: translate("ExplorePanel", "negative prompt"),
                 LATENT_POSITION: translate("ExplorePanel", "latent position")}
    else:
        texts = {SEED: translate("ExplorePanel", "seed %1 (out of range)"),
                 PROMPT_TEXT: translate("ExplorePanel", "the prompt (this model takes none)"),
                 NEGATIVE: translate("ExplorePanel", "the negative prompt (this model takes none)"),
                 LATENT_POSITION: translate("ExplorePanel", "the latent position (it does not fit this model)")}
    if recalled.name not in texts:              # AUTOMATIC1111's sampler, matched or not
        texts[recalled.name] = translate("ExplorePanel", "sampler %1 (this model has %2)").replace(
            "%2", ", ".join(recalled.choices)) if recalled.why == provenance.NOT_A_CHOICE \
            else translate("ExplorePanel", "sampler %1")
    return texts[recalled.name].replace("%1", str(recalled.value))


def restore_text(result, name: str, used: list[str], unused: list[str], warnings, has_model: bool) -> str:
    """The status line after a restore: what was used from the image `name`, what not, warnings first."""
    if result.source == provenance.A1111:
        text = translate("ExplorePanel", "From %1 (AUTOMATIC1111 parameters): used %2.").replace("%1", name) \
            .replace("%2", ", ".join(used) or translate("ExplorePanel", "nothing"))
    else:
        text = translate("ExplorePanel", "Restored %1 from %2.") \
            .replace("%1", ", ".join(used) or translate("ExplorePanel", "nothing")).replace("%2", name)
    if unused:
        text += " " + translate("ExplorePanel", "Not used: %1.").replace("%1", "; ".join(unused))
    if result.source != provenance.A1111 and has_model and not warnings and LATENT_POSITION not in result.values:
        text += " " + translate("ExplorePanel", "Press Generate to make it again.")
    if warnings:
        text = "⚠ " + " ".join(warnings) + "\n" + text
    return text
