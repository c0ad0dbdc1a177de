"""The Compare step's words about the figures: each metric's name and what it means, the degradation check's
sets, and a note per family tying what is seen to how the family works. All in the "ComparePanel"
translation context (lupdate reads these translate() calls, which is why each names it); a key the engine
adds later and this file does not know yet falls back to the engine's English (studio.engine.METRICS).
"""
from __future__ import annotations

from PySide6.QtCore import QCoreApplication


def metric_words() -> dict[str, tuple[str, str]]:
    """key -> (name, one line a student follows)."""
    return {
        "kid": (QCoreApplication.translate("ComparePanel", "KID"), QCoreApplication.translate(
            "ComparePanel", "How far the generated images are from real ones as a whole (0: indistinguishable; "
            "lower is better); ± is how much it varies over random subsets.")),
        "precision": (QCoreApplication.translate("ComparePanel", "Precision"), QCoreApplication.translate(
            "ComparePanel", "Share of generated images that look like some real image (low: many odd or broken "
            "images).")),
        "recall": (QCoreApplication.translate("ComparePanel", "Recall"), QCoreApplication.translate(
            "ComparePanel", "Share of real images the model could have made something like (low: it covers only "
            "part of the data, e.g. a collapsed GAN).")),
        "density": (QCoreApplication.translate("ComparePanel", "Density"), QCoreApplication.translate(
            "ComparePanel", "How tightly the samples crowd into real neighbourhoods (about 1 when alike; above: "
            "it plays safe on typical images).")),
        "coverage": (QCoreApplication.translate("ComparePanel", "Coverage"), QCoreApplication.translate(
            "ComparePanel", "Share of real images with a generated image close by.")),
        "diversity": (QCoreApplication.translate("ComparePanel", "Diversity"), QCoreApplication.translate(
            "ComparePanel", "How different two generated images are on average (below the floor: the images "
            "look alike).")),
        "memorised": (QCoreApplication.translate("ComparePanel", "Copies"), QCoreApplication.translate(
            "ComparePanel", "Share of samples closer to a training image than real unseen images usually are "
            "(about 5% for real images).")),
        "adherence": (QCoreApplication.translate("ComparePanel", "Prompt adherence"), QCoreApplication.translate(
            "ComparePanel", "How often the judging network sees what the prompt asked for.")),
        "mirrored": (QCoreApplication.translate("ComparePanel", "Mirror images"), QCoreApplication.translate(
            "ComparePanel", "Share of samples nearer a mirror image of a training image than to any training "
            "image (only where the data has a handedness, as digits and letters do; blurred or odd samples read "
            "above the floor too, so compare runs).")),
    }


def bits_words() -> tuple[str, str]:
    return (QCoreApplication.translate("ComparePanel", "Bits/dim"), QCoreApplication.translate(
        "ComparePanel", "How many bits the model needs per pixel value of unseen real images (lower is better); "
        "exact for autoregressive models and flows, an upper bound (≤) for the others."))


def check_row_name(name: str) -> str:
    """A degradation check set's name (studio.engine's DEGRADATIONS) in the UI's language."""
    names = {
        "held-out": QCoreApplication.translate("ComparePanel", "held-out"),
        "slightly blurred": QCoreApplication.translate("ComparePanel", "slightly blurred"),
        "heavily blurred": QCoreApplication.translate("ComparePanel", "heavily blurred"),
        "shuffled pixels": QCoreApplication.translate("ComparePanel", "shuffled pixels"),
        "noise": QCoreApplication.translate("ComparePanel", "noise"),
    }
    return names.get(name, name)


def family_note(name: str) -> str | None:
    """Why a family's results look the way they do, from how it works; None for a family without a note."""
    notes = {
        "vae": QCoreApplication.translate(
            "ComparePanel", "A VAE learns to rebuild each image from a few numbers and is punished for every "
            "pixel it misses, so where it is unsure it paints the average of what fits: smooth, blurry images, "
            "good recall, lower precision."),
        "gan": QCoreApplication.translate(
            "ComparePanel", "A GAN's generator only has to fool a discriminator, so its images are sharp; when "
            "it collapses onto a few kinds of image that fool it, recall and diversity drop while precision "
            "stays high."),
        "vaegan": QCoreApplication.translate(
            "ComparePanel", "A VAE-GAN is a VAE whose decoder also plays the GAN game: the VAE part keeps it "
            "covering the data, the adversarial part makes it sharper than a plain VAE."),
        "flow": QCoreApplication.translate(
            "ComparePanel", "A flow is an invertible map from noise to images, so it computes exact bits/dim; "
            "invertible layers are a weak way to draw images, so its samples are often noisy."),
        "flowgan": QCoreApplication.translate(
            "ComparePanel", "A Flow-GAN is a flow whose samples are also judged by a discriminator: it still "
            "computes bits/dim as a flow does, and gives up some of it for samples that look more like the data."),
        "diffusion": QCoreApplication.translate(
            "ComparePanel", "A diffusion model removes noise a little at a time: strong samples that cover the "
            "data, but each image takes many network passes, so sampling is slow."),
        "autoregressive": QCoreApplication.translate(
            "ComparePanel", "An autoregressive model predicts each pixel from the ones above and to the left: "
            "exact likelihood (bits/dim), but it draws row by row, one pixel at a time, and errors early in an "
            "image carry on."),
        "igpt": QCoreApplication.translate(
            "ComparePanel", "Image GPT turns every pixel into a colour from a learned palette and writes the image "
            "like text, one pixel at a time, with a transformer that sees all the pixels before it: exact "
            "bits/dim, but slow to train and to sample, so short runs show stripes and fragments."),
        "ldm": QCoreApplication.translate(
            "ComparePanel", "Latent diffusion first trains an autoencoder, then a diffusion model in its small latent "
            "grid: far cheaper steps than pixel diffusion at 32-64 px, but every sample is only as sharp as the "
            "autoencoder's reconstructions, and a short run spends part of its time on stage 1."),
        "vqvae": QCoreApplication.translate(
            "ComparePanel", "A VQ-VAE turns images into a grid of codes from a codebook, and a prior learns which "
            "codes follow which; on a small dataset the prior can learn whole code grids and copy training images "
            "(watch Copies and the strip)."),
        "ddgan": QCoreApplication.translate(
            "ComparePanel", "A denoising diffusion GAN removes the noise in only a few big steps (4 by default), "
            "each learnt by a generator against a discriminator, so it samples several times faster than diffusion; "
            "but it trains like a GAN (it can be unstable) and has no bits/dim."),
    }
    return notes.get(name)
