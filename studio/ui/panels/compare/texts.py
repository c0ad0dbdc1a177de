"""The Compare step's words about the figures: each metric's name and what it means, the degradation check's
sets, and a note per family tying what is seen to how the family works. All in the "ComparePanel"
translation context (lupdate reads these translate() calls); a key the engine adds later and this file does
not know yet falls back to the engine's English (studio.engine.METRICS).
"""
from __future__ import annotations

from PySide6.QtCore import QCoreApplication

def metric_words() -> dict[str, tuple[str, str]]:
    """key -> (name, one line a student follows)."""
    tr = QCoreApplication.translate
    return {
        "kid": (tr("ComparePanel", "KID"), tr(
            "ComparePanel", "How far the generated images are from real ones as a whole (0: indistinguishable; "
            "lower is better); ± is how much it varies over random subsets.")),
        "precision": (tr("ComparePanel", "Precision"), tr(
            "ComparePanel", "Share of generated images that look like some real image (low: many odd or broken "
            "images).")),
        "recall": (tr("ComparePanel", "Recall"), tr(
            "ComparePanel", "Share of real images the model could have made something like (low: it covers only "
            "part of the data, e.g. a collapsed GAN).")),
        "density": (tr("ComparePanel", "Density"), tr(
            "ComparePanel", "How tightly the samples crowd into real neighbourhoods (about 1 when alike; above: "
            "it plays safe on typical images).")),
        "coverage": (tr("ComparePanel", "Coverage"), tr(
            "ComparePanel", "Share of real images with a generated image close by.")),
        "diversity": (tr("ComparePanel", "Diversity"), tr(
            "ComparePanel", "How different two generated images are on average (below the floor: the images "
            "look alike).")),
        "memorised": (tr("ComparePanel", "Copies"), tr(
            "ComparePanel", "Share of samples closer to a training image than real unseen images usually are "
            "(about 5% for real images).")),
        "adherence": (tr("ComparePanel", "Prompt adherence"), tr(
            "ComparePanel", "How often the judging network sees what the prompt asked for.")),
    }


def bits_words() -> tuple[str, str]:
    return (QCoreApplication.translate("ComparePanel", "Bits/dim"), QCoreApplication.translate(
        "ComparePanel", "How many bits the model needs per pixel value of unseen real images (lower is better); "
        "exact for autoregressive models and flows, an upper bound (≤) for the others."))


def check_row_name(name: str) -> str:
    """A degradation check set's name (studio.engine's DEGRADATIONS) in the UI's language."""
    tr = QCoreApplication.translate
    names = {
        "held-out": tr("ComparePanel", "held-out"),
        "slightly blurred": tr("ComparePanel", "slightly blurred"),
        "heavily blurred": tr("ComparePanel", "heavily blurred"),
        "shuffled pixels": tr("ComparePanel", "shuffled pixels"),
        "noise": tr("ComparePanel", "noise"),
    }
    return names.get(name, name)


def family_note(name: str) -> str | None:
    """Why a family's results look the way they do, from how it works; None for a family without a note."""
    tr = QCoreApplication.translate
    notes = {
        "vae": tr("ComparePanel", "A VAE learns to rebuild each image from a few numbers and is punished for every "
                  "pixel it misses, so where it is unsure it paints the average of what fits: smooth, blurry "
                  "images, good recall, lower precision."),
        "gan": tr("ComparePanel", "A GAN's generator only has to fool a discriminator, so its images are sharp; "
                  "when it collapses onto a few kinds of image that fool it, recall and diversity drop while "
                  "precision stays high."),
        "vaegan": tr("ComparePanel", "A VAE-GAN is a VAE whose decoder also plays the GAN game: the VAE part "
                     "keeps it covering the data, the adversarial part makes it sharper than a plain VAE."),
        "flow": tr("ComparePanel", "A flow is an invertible map from noise to images, so it computes exact "
                   "bits/dim; invertible layers are a weak way to draw images, so its samples are often noisy."),
        "diffusion": tr("ComparePanel", "A diffusion model removes noise a little at a time: strong samples "
                        "that cover the data, but each image takes many network passes, so sampling is slow."),
        "autoregressive": tr("ComparePanel", "An autoregressive model predicts each pixel from the ones above "
                             "and to the left: exact likelihood (bits/dim), but it draws row by row, one pixel "
                             "at a time, and errors early in an image carry on."),
        "vqvae": tr("ComparePanel", "A VQ-VAE turns images into a grid of codes from a codebook, and a prior "
                    "learns which codes follow which; on a small dataset the prior can learn whole code grids "
                    "and copy training images (watch Copies and the strip)."),
    }
    return notes.get(name)
