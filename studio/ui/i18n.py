"""Which language the UI speaks: translator loading, the language choice and the View ▸ Language menu.

The UI's own strings go through tr() and come from `translations/genstudio_<locale>.qm`
(made by scripts/update_translations.py). The engine knows nothing of Qt, so what the
families say about themselves (titles, descriptions, option help, frame labels, latent
direction names) is plain English; `family_text()` translates it where it is shown, in
the "families" context that the update script fills from the registry. What the engine says when
something goes wrong (its exceptions' messages, why a file was skipped, training warnings and failures)
stays English too, for the CLI and the logs; `engine_text()` shows it in the UI's language, in the
"engine" context, matching messages with paths and numbers in them against ENGINE_TEMPLATES.

The language is, first to last: GENSTUDIO_LANG, `--lang X` on the app's command line,
the View ▸ Language setting, else the system locale. Changing it in the menu takes
effect on the next start; the menu offers to restart now (never while training runs).
"""
from __future__ import annotations

import os
import re
import sys
from pathlib import Path

from PySide6.QtCore import QCoreApplication, QLibraryInfo, QLocale, QProcess, QSettings, QTranslator
from PySide6.QtGui import QAction, QActionGroup
from PySide6.QtWidgets import QMenu, QMessageBox, QWidget

TRANSLATIONS_DIR = Path(__file__).resolve().parent / "translations"
SETTING = "ui/language"
ENV = "GENSTUDIO_LANG"
SYSTEM = ""                       # the setting's value for "follow the system locale"
ENGLISH = "en"
FAMILY_CONTEXT = "families"
ENGINE_CONTEXT = "engine"

# Each language's own name, never translated: a person who cannot read the current one still finds theirs.
LANGUAGE_NAMES = {ENGLISH: "English", "zh_CN": "简体中文"}

# Frame labels, direction names and help that the engine formats with numbers: the pattern that
# recognises one, and the English template (with {0}, {1}, ...) under which the translation is kept.
FAMILY_TEMPLATES: tuple[tuple[str, str], ...] = (
    (r"step (\d+)/(\d+)", "step {0}/{1}"),
    (r"row (\d+)/(\d+)", "row {0}/{1}"),
    (r"z(\d+) \(KL ([-\d.]+)\)", "z{0} (KL {1})"),
    (r"latent dimension (\d+) alone", "latent dimension {0} alone"),
    (r"PC(\d+) \((\d+)% of variance\)", "PC{0} ({1}% of variance)"),
    (r"coarse (\d+) \((\d+x\d+)\)", "coarse {0} ({1})"),
    (r"direction (\d+) \(spread ([-\d.]+)\)", "direction {0} (spread {1})"),
    (r"mean latent of the (\d+) images with '(.*)' minus that of the (\d+) without",
     "mean latent of the {0} images with '{1}' minus that of the {2} without"),
    (r"the model never saw (.+): it is treated as an unknown word",
     "the model never saw {0}: it is treated as an unknown word"),
    (r"the model never saw (.+): they are treated as an unknown word",
     "the model never saw {0}: they are treated as an unknown word"),
    (r"only the first (\d+) words of the prompt are used", "only the first {0} words of the prompt are used"),
    (r"losses were not finite for (\d+) steps in a row: rolled back to step (\d+) and halved the learning rate "
     r"\(now x(\S+)\)",
     "losses were not finite for {0} steps in a row: rolled back to step {1} and halved the learning rate (now x{2})"),
    (r"words the model never saw: (.+)", "words the model never saw: {0}"),
    (r"the model never saw (.+) in its captions or labels: that word is ignored",
     "the model never saw {0} in its captions or labels: that word is ignored"),
    (r"the model never saw (.+) in its captions or labels: those words are ignored",
     "the model never saw {0} in its captions or labels: those words are ignored"),
    (r"the prior is untrained \(the run ended in stage 1\), so samples are noise: train past "
     r"autoencoder_steps=(\d+) with --resume --steps N",
     "the prior is untrained (the run ended in stage 1), so samples are noise: train past "
     "autoencoder_steps={0} with --resume --steps N"),
)

# The metric keys the families log, shown as loss chart titles (metric_title()).
METRIC_KEYS: tuple[str, ...] = (
    "loss", "recon_mse", "kl", "beta", "bpd", "bits_per_dim", "d_loss", "g_loss", "d_real", "d_fake", "gp",
    "adv", "g_adv", "fm", "adv_weight", "perplexity", "dead_codes", "commitment", "prior_bits", "stage",
)

# Fixed texts the families show that are not in the registry's attributes (frame labels, prompt
# warnings): scripts/update_translations.py puts these, the templates above, and the registry's own
# texts (titles, summaries, descriptions, model presets, sample options) in the "families" context.
FAMILY_MESSAGES: tuple[str, ...] = (
    "input", "reconstruction", "samples", "samples from fixed noise", "reconstructions and samples",
    "reconstructions and prior samples",
    "a principal direction of the encoded dataset",
    "this model was trained without captions or class folders: the prompt is ignored",
    "this GAN is unconditional: the prompt is ignored",
    "this model was trained without captions or labels, so the prompt is ignored",
    # why the Trainer chose a device and a precision (engine/training.py)
    "a CUDA GPU is available", "an Apple GPU is available (MPS)", "no CUDA or Apple GPU found", "chosen",
    "the GPU supports bf16 (mixed precision, no loss scaling needed)",
    "mixed precision fp16 with loss scaling (the GPU lacks bf16)",
    "the CPU has AVX512-BF16/AMX, so bf16 autocast is faster",
    "fp32: this CPU lacks AVX512-BF16/AMX, where bf16 would be slower",
    *METRIC_KEYS,
)
_COMPILED = tuple((re.compile(pattern + r"\Z"), template) for pattern, template in FAMILY_TEMPLATES)

# What the engine says when something cannot go on (DatasetError, RunError, CheckpointError, ArchiveError,
# ConfigError, TrainingError, image metadata errors), what it tells of skipped files, and the Trainer's
# failures and warnings. The engine's words stay English (the CLI and logs show them); engine_text()
# shows them in the UI's language. Each entry: the pattern that recognises a message, and the English
# template (with {0}, {1}, ...) under which its translation is kept. A group named msg, msg2 holds a
# message of its own (a reason, an OS error) translated in turn; a group named items holds "path: reason"
# parts joined by "; ". Longer, more specific patterns come before shorter ones that would also match.
ENGINE_TEMPLATES: tuple[tuple[str, str], ...] = (
    # -- datasets (engine/data.py, engine/demo.py) --
    (r"'(.+)' cannot be used: (?P<msg>.+)", "'{0}' cannot be used: {1}"),
    (r"'(.+)' contains no images \((?P<msg>.+)\)", "'{0}' contains no images ({1})"),
    (r"([\d,]+) files? skipped: (?P<items>.+); and ([\d,]+) more", "{0} files skipped: {1}; and {2} more"),
    (r"([\d,]+) files? skipped: (?P<items>.+)", "{0} files skipped: {1}"),
    (r"([\d,]+) other files?, none with an image extension: (.+)",
     "{0} other files, none with an image extension: {1}"),
    (r"'(.+)' is empty \(no files in it or its sub-folders\)", "'{0}' is empty (no files in it or its sub-folders)"),
    (r"'(.+)' does not exist", "'{0}' does not exist"),
    (r"'(.+)' is a broken symbolic link", "'{0}' is a broken symbolic link"),
    (r"'(.+)' cannot be read: (?P<msg>.+)", "'{0}' cannot be read: {1}"),
    (r"'(.+)' is not a usable path: (.+)", "'{0}' is not a usable path: {1}"),
    (r"'(.+)' is neither a folder nor an image file \((.+)\)", "'{0}' is neither a folder nor an image file ({1})"),
    (r"loading '(.+)' cancelled", "loading '{0}' cancelled"),
    (r"'(.+)': not enough memory for ([\d,]+) images at (\d+x\d+) \(([\d.]+) GiB\); use a smaller size or fewer "
     r"images", "'{0}': not enough memory for {1} images at {2} ({3} GiB); use a smaller size or fewer images"),
    (r"a dataset is a folder, an image file or 'demo:NAME', not (.+)",
     "a dataset is a folder, an image file or 'demo:NAME', not {0}"),
    (r"size must be a whole number of pixels from 4 to 1024, got (.+)",
     "size must be a whole number of pixels from 4 to 1024, got {0}"),
    (r"channels must be 1 \(grayscale\), 3 \(RGB\) or None \(automatic\), got (.+)",
     "channels must be 1 (grayscale), 3 (RGB) or None (automatic), got {0}"),
    (r"unknown demo dataset '(.+)' \(choose from: (.+)\)", "unknown demo dataset '{0}' (choose from: {1})"),
    (r"cannot create the demo dataset folder in '(.+)': (?P<msg>.+)",
     "cannot create the demo dataset folder in '{0}': {1}"),
    (r"cannot write the demo dataset '(.+)' to '(.+)': (?P<msg>.+)",
     "cannot write the demo dataset '{0}' to '{1}': {2}"),
    (r"generating the demo dataset in '(.+)' cancelled", "generating the demo dataset in '{0}' cancelled"),
    # why a file was skipped (DatasetReport.skipped), and the kinds the summary counts
    (r"cannot read: (?P<msg>.+)", "cannot read: {0}"),
    (r"cannot decode: (.+)", "cannot decode: {0}"),
    (r"corrupt (\w+): not readable as an image", "corrupt {0}: not readable as an image"),
    (r"too large: declares (\d+x\d+) pixels \(limit (\S+) megapixels\)",
     "too large: declares {0} pixels (limit {1} megapixels)"),
    (r"too large: (.+)", "too large: {0}"),
    (r"truncated or corrupt (\w+): (.+)", "truncated or corrupt {0}: {1}"),
    (r"truncated or corrupt (\w+)", "truncated or corrupt {0}"),
    (r"corrupt (\w+)", "corrupt {0}"),
    # notes on a loaded dataset
    (r"folder '(.+)' could not be read: (?P<msg>.+)", "folder '{0}' could not be read: {1}"),
    (r"'(.+)' links to a folder already read \(symbolic link loop\?\); not followed",
     "'{0}' links to a folder already read (symbolic link loop?); not followed"),
    (r"caption '(.+)' could not be read: (?P<msg>.+)", "caption '{0}' could not be read: {1}"),
    (r"(.+): ([\d,]+) bad lines? ignored \(first: (?P<msg>.+)\)", "{0}: {1} bad lines ignored (first: {2})"),
    (r"(.+): ([\d,]+) (?:entry|entries) name files that were not loaded",
     "{0}: {1} entries name files that were not loaded"),
    (r"line (\d+): (?P<msg>.+)", "line {0}: {1}"),
    (r"not valid CSV: (.+)", "not valid CSV: {0}"),
    # -- run folders (engine/run.py) --
    (r"(.+): no such run folder", "{0}: no such run folder"),
    (r"(.+): not a genstudio run folder \(no config\.json\)", "{0}: not a genstudio run folder (no config.json)"),
    (r"(.+): not a genstudio run config", "{0}: not a genstudio run config"),
    (r"(.+): its version (.+) is not a number", "{0}: its version {1} is not a number"),
    (r"(.+): made by a newer genstudio \(run version (.+)\); update genstudio",
     "{0}: made by a newer genstudio (run version {1}); update genstudio"),
    (r"(.+): the run has no checkpoint yet; train it first", "{0}: the run has no checkpoint yet; train it first"),
    (r"(.+): the run has no checkpoint yet", "{0}: the run has no checkpoint yet"),
    (r"(.+): exists and is not a folder", "{0}: exists and is not a folder"),
    (r"(.+): already holds a run; resume it or choose another folder",
     "{0}: already holds a run; resume it or choose another folder"),
    (r"(.+): the folder is not empty; choose a new or empty folder for the run",
     "{0}: the folder is not empty; choose a new or empty folder for the run"),
    (r"(.+): cannot create the run folder \((?P<msg>.+)\)", "{0}: cannot create the run folder ({1})"),
    (r"(.+): the weights of ('.+') do not fit this model \((.+)\)",
     "{0}: the weights of {1} do not fit this model ({2})"),
    (r"(.+\.json): cannot be read \((.+)\)", "{0}: cannot be read ({1})"),
    (r"(.+\.json): missing ('\w+')", "{0}: missing {1}"),
    # -- checkpoints (engine/checkpoint.py) --
    (r"(.+): not a genstudio checkpoint \(file is (\d+) bytes, too short\)",
     "{0}: not a genstudio checkpoint (file is {1} bytes, too short)"),
    (r"(.+): not a genstudio checkpoint \(not a safetensors file\)",
     "{0}: not a genstudio checkpoint (not a safetensors file)"),
    (r"(.+): the checkpoint is incomplete \((\d+) bytes, its header describes (\d+)\); it was cut short while being "
     r"copied or written",
     "{0}: the checkpoint is incomplete ({1} bytes, its header describes {2}); it was cut short while being copied "
     "or written"),
    (r"(.+): a safetensors file, but not a genstudio checkpoint \(no genstudio metadata\)",
     "{0}: a safetensors file, but not a genstudio checkpoint (no genstudio metadata)"),
    (r"(.+): not a genstudio checkpoint \(format (.+)\)", "{0}: not a genstudio checkpoint (format {1})"),
    (r"(.+): written by a newer genstudio \(checkpoint version (.+), this one reads up to (.+)\); update genstudio",
     "{0}: written by a newer genstudio (checkpoint version {1}, this one reads up to {2}); update genstudio"),
    (r"(.+): its genstudio metadata is damaged", "{0}: its genstudio metadata is damaged"),
    (r"(.+): cannot read the tensors \((.+)\)", "{0}: cannot read the tensors ({1})"),
    (r"(.+): no such file or folder", "{0}: no such file or folder"),
    (r"(.+): no such file", "{0}: no such file"),
    (r"(.+): not a file", "{0}: not a file"),
    # -- exported runs (engine/archive.py) --
    (r"(.+?): refused: (?P<msg>.+)", "{0}: refused: {1}"),
    (r"(.+): cannot read it any more \((?P<msg>.+)\); export again",
     "{0}: cannot read it any more ({1}); export again"),
    (r"(.+): cannot read \((?P<msg>.+)\)", "{0}: cannot read ({1})"),
    (r"(.+): cannot write \((?P<msg>.+)\)", "{0}: cannot write ({1})"),
    (r"(.+): no free name for (.+)", "{0}: no free name for {1}"),
    (r"(.+): already exists; choose a new name", "{0}: already exists; choose a new name"),
    (r"(.+): it changed while the run was exported; export again",
     "{0}: it changed while the run was exported; export again"),
    (r"(.+): export cancelled", "{0}: export cancelled"),
    (r"(.+): import cancelled", "{0}: import cancelled"),
    (r"(.+): not a zip archive or an exported run folder", "{0}: not a zip archive or an exported run folder"),
    (r"(.+): the zip archive is damaged \((.+)\)", "{0}: the zip archive is damaged ({1})"),
    (r"(.+): cannot use this runs folder \((?P<msg>.+)\)", "{0}: cannot use this runs folder ({1})"),
    (r"(.+): needs ([\d.]+) GB but (.+) has ([\d.]+) GB free", "{0}: needs {1} GB but {2} has {3} GB free"),
    (r"(.+): cannot import into (.+) \((?P<msg>.+)\)", "{0}: cannot import into {1} ({2})"),
    # why an import was refused
    (r"the member (.+) has a backslash in its name", "the member {0} has a backslash in its name"),
    (r"the member (.+) has an absolute path", "the member {0} has an absolute path"),
    (r"the member (.+) names a drive", "the member {0} names a drive"),
    (r"the member (.+) has an unusable name", "the member {0} has an unusable name"),
    (r"the member (.+) points outside the archive \(\.\.\)", "the member {0} points outside the archive (..)"),
    (r"the member (.+) has an empty or '\.' path part", "the member {0} has an empty or '.' path part"),
    (r"the member (.+) has a name Windows would read differently",
     "the member {0} has a name Windows would read differently"),
    (r"it holds ([\d,]+) members; an exported run has at most ([\d,]+)",
     "it holds {0} members; an exported run has at most {1}"),
    (r"the member (.+) is a symbolic link", "the member {0} is a symbolic link"),
    (r"the member (.+) is not a regular file", "the member {0} is not a regular file"),
    (r"the member (.+) is encrypted", "the member {0} is encrypted"),
    (r"the member (.+) uses an unsupported compression method",
     "the member {0} uses an unsupported compression method"),
    (r"the member (.+) would expand ([\d,]+) times \(at most ([\d,]+)\); this looks like a zip bomb",
     "the member {0} would expand {1} times (at most {2}); this looks like a zip bomb"),
    (r"('.+'|\".+\") is a symbolic link", "{0} is a symbolic link"),
    (r"('.+'|\".+\") is not a regular file", "{0} is not a regular file"),
    (r"it holds more than ([\d,]+) files; an exported run has fewer",
     "it holds more than {0} files; an exported run has fewer"),
    (r"it holds ([\d,]+) members besides its gallery images; an exported run has at most ([\d,]+)",
     "it holds {0} members besides its gallery images; an exported run has at most {1}"),
    (r"it holds ([\d,]+) gallery images; an export holds at most ([\d,]+)",
     "it holds {0} gallery images; an export holds at most {1}"),
    (r"the member (.+) appears twice", "the member {0} appears twice"),
    (r"its members declare ([\d,]+) bytes in all \(at most ([\d,]+)\)",
     "its members declare {0} bytes in all (at most {1})"),
    (r"it has no (.+); it is not a run exported by genstudio", "it has no {0}; it is not a run exported by genstudio"),
    (r"the member (.+) declares ([\d,]+) bytes \(at most ([\d,]+)\)",
     "the member {0} declares {1} bytes (at most {2})"),
    (r"the member (.+) is a (\.\w+) file, a kind that can run code when loaded \(pickle\); genstudio exports carry "
     r"weights only as \.safetensors",
     "the member {0} is a {1} file, a kind that can run code when loaded (pickle); genstudio exports carry weights "
     "only as .safetensors"),
    (r"the member (.+) is not named as genstudio's gallery names its images \(such as (.+)\)",
     "the member {0} is not named as genstudio's gallery names its images (such as {1})"),
    (r"the member (.+) is not a kind of file an exported run holds \(config, metrics, model card, PNGs, gallery PNGs "
     r"and \.safetensors weights only\)",
     "the member {0} is not a kind of file an exported run holds (config, metrics, model card, PNGs, gallery PNGs "
     "and .safetensors weights only)"),
    (r"the member (.+) is a pickle \(it could run code when loaded\)",
     "the member {0} is a pickle (it could run code when loaded)"),
    (r"the member (.+) is a zip archive \(a PyTorch \.pt file holds a pickle\)",
     "the member {0} is a zip archive (a PyTorch .pt file holds a pickle)"),
    (r"the member (.+) is binary, not text", "the member {0} is binary, not text"),
    (r"the member (.+) is not valid JSON \((.+)\)", "the member {0} is not valid JSON ({1})"),
    (r"the member (.+) holds a line that is not a JSON object",
     "the member {0} holds a line that is not a JSON object"),
    (r"the member (.+) holds a step that is not a whole number",
     "the member {0} holds a step that is not a whole number"),
    (r"the member (.+) is not a valid safetensors file \((?P<msg>.+)\)",
     "the member {0} is not a valid safetensors file ({1})"),
    (r"tensor (.+) has no known dtype", "tensor {0} has no known dtype"),
    (r"tensor (.+) has a bad shape", "tensor {0} has a bad shape"),
    (r"tensor (.+) has offsets that do not match its shape", "tensor {0} has offsets that do not match its shape"),
    (r"its header describes ([\d,]+) bytes, the member holds ([\d,]+)",
     "its header describes {0} bytes, the member holds {1}"),
    (r"the member (.+) is not UTF-8 text", "the member {0} is not UTF-8 text"),
    (r"the member (.+) holds more than the ([\d,]+) bytes it declares",
     "the member {0} holds more than the {1} bytes it declares"),
    (r"the member (.+) holds less than the ([\d,]+) bytes it declares",
     "the member {0} holds less than the {1} bytes it declares"),
    (r"its (.+) is not a genstudio export manifest", "its {0} is not a genstudio export manifest"),
    (r"it was exported by a newer genstudio \(export version (.+)\); update genstudio",
     "it was exported by a newer genstudio (export version {0}); update genstudio"),
    (r"its (.+) lists no files", "its {0} lists no files"),
    (r"its files do not match its manifest \(missing (.+)\)", "its files do not match its manifest (missing {0})"),
    (r"its files do not match its manifest \(not in its manifest: (.+)\)",
     "its files do not match its manifest (not in its manifest: {0})"),
    (r"the member (.+) is not the size its manifest says", "the member {0} is not the size its manifest says"),
    (r"the member (.+) is damaged \(its sha256 differs from the manifest's\)",
     "the member {0} is damaged (its sha256 differs from the manifest's)"),
    (r"its run cannot be used here \((?P<msg>.+)\)", "its run cannot be used here ({0})"),
    (r"the member (.+) is not a PNG image", "the member {0} is not a PNG image"),
    (r"the member (.+) is not a readable PNG image \((.+)\)", "the member {0} is not a readable PNG image ({1})"),
    (r"the member (.+) is ([\d,]+×[\d,]+) pixels \(at most ([\d,]+)\)", "the member {0} is {1} pixels (at most {2})"),
    (r"the member (.+) is a (\w+) image, not the grayscale or RGB PNG the gallery keeps",
     "the member {0} is a {1} image, not the grayscale or RGB PNG the gallery keeps"),
    # -- images and animations (engine/export.py) --
    (r"images are saved as PNG, JPEG or WebP, not (.+)", "images are saved as PNG, JPEG or WebP, not {0}"),
    (r"(.+): images are saved as \.png, \.jpg or \.webp, not (.+)",
     "{0}: images are saved as .png, .jpg or .webp, not {1}"),
    (r"these parameters \(([\d,]+) bytes\) do not fit a JPEG's 64 KB EXIF; save the image as PNG or WebP",
     "these parameters ({0} bytes) do not fit a JPEG's 64 KB EXIF; save the image as PNG or WebP"),
    (r"(.+): a folder, not an image", "{0}: a folder, not an image"),
    (r"(.+): not an image genstudio can read \((.+)\)", "{0}: not an image genstudio can read ({1})"),
    (r"animation frames differ in size: (.+)", "animation frames differ in size: {0}"),
    (r"an animation plays at 0 to 100 frames a second, not (.+)",
     "an animation plays at 0 to 100 frames a second, not {0}"),
    (r"(.+): an animation is saved as \.gif, \.png or \.apng, not (.+)",
     "{0}: an animation is saved as .gif, .png or .apng, not {1}"),
    # -- training (engine/training.py): cannot start, failed, warnings --
    (r"(.+) is a (\w+) run, not (\w+)", "{0} is a {1} run, not {2}"),
    (r"(.+) was trained on (\d+)px images with (\d+) channel\(s\); load the dataset at that size and channel count "
     r"to resume",
     "{0} was trained on {1}px images with {2} channel(s); load the dataset at that size and channel count to resume"),
    (r"(.+) has no checkpoint to resume from", "{0} has no checkpoint to resume from"),
    (r"unknown device (.+); use auto, cpu, cuda, cuda:N or mps",
     "unknown device {0}; use auto, cpu, cuda, cuda:N or mps"),
    (r"device (.+) is not available: (?P<msg>.+); use --device cpu or auto",
     "device {0} is not available: {1}; use --device cpu or auto"),
    (r"device (.+) does not exist: (\d+) CUDA GPU\(s\) found", "device {0} does not exist: {1} CUDA GPU(s) found"),
    (r"steps must be at least 1, not (.+)", "steps must be at least 1, not {0}"),
    (r"minutes must be more than 0, not (.+)", "minutes must be more than 0, not {0}"),
    (r"batch size must be at least 1, not (.+)", "batch size must be at least 1, not {0}"),
    (r"learning rate must be a positive number, not (.+)", "learning rate must be a positive number, not {0}"),
    (r"precision must be auto, fp32, bf16 or fp16, not (.+)", "precision must be auto, fp32, bf16 or fp16, not {0}"),
    (r"channels_last must be auto, on or off, not (.+)", "channels_last must be auto, on or off, not {0}"),
    (r"holdout must be between 0 and 0\.5, not (.+)", "holdout must be between 0 and 0.5, not {0}"),
    (r"ema_decay must be in \[0, 1\), not (.+)", "ema_decay must be in [0, 1), not {0}"),
    (r"ema_warmup must be 1 or more \(10 is usual\), not (.+)", "ema_warmup must be 1 or more (10 is usual), not {0}"),
    (r"out of memory on (.+) at batch size (\d+), (\d+)px: try a smaller batch size, image size or preset",
     "out of memory on {0} at batch size {1}, {2}px: try a smaller batch size, image size or preset"),
    (r"training diverged: losses stayed non-finite after (\d+) rollbacks; lower the learning rate or use "
     r"--precision fp32",
     "training diverged: losses stayed non-finite after {0} rollbacks; lower the learning rate or use --precision fp32"),
    (r"batch size lowered to (\d+): the dataset has only (\d+) training images",
     "batch size lowered to {0}: the dataset has only {1} training images"),
    # -- model settings (engine/families/*.py): the image size, the dataset, sampling options --
    (r"the GAN needs a power-of-two image size of at least 4, not (\d+)",
     "the GAN needs a power-of-two image size of at least 4, not {0}"),
    (r"the VAE needs a power-of-two image size of at least 4, not (\d+)",
     "the VAE needs a power-of-two image size of at least 4, not {0}"),
    (r"a flow with (\d+) levels needs an image side divisible by (\d+), not (\d+); change the image size or levels",
     "a flow with {0} levels needs an image side divisible by {1}, not {2}; change the image size or levels"),
    (r"patch (\d+) folds (\d+) values into each position, more than the first level's (\d+) channels can hold: "
     r"use a smaller patch or at least (\d+) channels at the first level",
     "patch {0} folds {1} values into each position, more than the first level's {2} channels can hold: use a "
     "smaller patch or at least {3} channels at the first level"),
    (r"a (\d+)-level U-Net with patch (\d+) needs an image size divisible by (\d+), not (\d+): change the size, patch "
     r"or number of channel levels",
     "a {0}-level U-Net with patch {1} needs an image size divisible by {2}, not {3}: change the size, patch or "
     "number of channel levels"),
    (r"the image size (\d+) must be a multiple of (\d+) \(downsample=(\d+)\); choose another size or "
     r"--set downsample=\.\.\.",
     "the image size {0} must be a multiple of {1} (downsample={2}); choose another size or --set downsample=..."),
    (r"(\d+x\d+) = (\d+) image tokens is too many for the prior \(at most (\d+)\); raise downsample",
     "{0} = {1} image tokens is too many for the prior (at most {2}); raise downsample"),
    (r"the autoregressive family takes 1 or 3 channels, not (\d+)",
     "the autoregressive family takes 1 or 3 channels, not {0}"),
    (r"(\w+) has no setting (.+); known settings: (.+)", "{0} has no setting {1}; known settings: {2}"),
    (r"unknown preset (.+); choose one of (.+)", "unknown preset {0}; choose one of {1}"),
    (r"unknown family (.+); available: (.+)", "unknown family {0}; available: {1}"),
    (r"unknown sampler (.+); choose one of (.+)", "unknown sampler {0}; choose one of {1}"),
    (r"steps must be a whole number from 1 to 1000, not (.+)", "steps must be a whole number from 1 to 1000, not {0}"),
    (r"unknown sampling option\(s\) (.+); known: (.+)", "unknown sampling option(s) {0}; known: {1}"),
    (r"label must be -1 or between 0 and (\d+), not (.+)", "label must be -1 or between 0 and {0}, not {1}"),
    (r"unknown label (.+); known labels: (.+)", "unknown label {0}; known labels: {1}"),
    (r"the prompt (.+) names no class of this model; classes: (.+)",
     "the prompt {0} names no class of this model; classes: {1}"),
    (r"(\w+) must be between (\S+) and (\S+) \(e\.g\. (\d+)\), not (.+)",
     "{0} must be between {1} and {2} (e.g. {3}), not {4}"),
    (r"(\w+) must be between (\S+) and (\S+), not (.+)", "{0} must be between {1} and {2}, not {3}"),
    (r"(\w+) must be multiples of (\d+) \(e\.g\. (\d+, \d+)\), not (.+)",
     "{0} must be multiples of {1} (e.g. {2}), not {3}"),
    (r"(\w+) must be in (\[0, 1\)|\(0, 100\]), not (.+)", "{0} must be in {1}, not {2}"),
    (r"(\w+) must be one of (.+), not (.+)", "{0} must be one of {1}, not {2}"),
    (r"kernel must be an odd number of at least 3 \(e\.g\. 3 or 5\), not (.+)",
     "kernel must be an odd number of at least 3 (e.g. 3 or 5), not {0}"),
    (r"blocks needs one count \(0 or more\) per level of channels (.+)",
     "blocks needs one count (0 or more) per level of channels {0}"),
    (r"heads \((\d+)\) must divide every channel width and text_dim",
     "heads ({0}) must divide every channel width and text_dim"),
    (r"patch must be 1, 2 or 4, not (.+)", "patch must be 1, 2 or 4, not {0}"),
    (r"prediction must be 'v' or 'epsilon', not (.+)", "prediction must be 'v' or 'epsilon', not {0}"),
    (r"timestep_sampling must be 'uniform' or 'logit-normal', not (.+)",
     "timestep_sampling must be 'uniform' or 'logit-normal', not {0}"),
    (r"coupling_scale must be sigmoid or tanh, not (.+)", "coupling_scale must be sigmoid or tanh, not {0}"),
    (r"logit_alpha must be in \[0, 0\.5\), e\.g\. 0\.05, not (.+)",
     "logit_alpha must be in [0, 0.5), e.g. 0.05, not {0}"),
    (r"augment takes a comma-separated list of (.+) \(or \"\"\), not (.+)",
     "augment takes a comma-separated list of {0} (or \"\"), not {1}"),
    (r"codebook_size must be 2 to 65536 and code_dim at least 1, not (\d+) and (\d+)",
     "codebook_size must be 2 to 65536 and code_dim at least 1, not {0} and {1}"),
    (r"prior_dim \((\d+)\) must be a multiple of prior_heads \((\d+)\) and prior_depth at least 1",
     "prior_dim ({0}) must be a multiple of prior_heads ({1}) and prior_depth at least 1"),
)

# The engine's messages without numbers or names in them, and the fixed reasons the messages above hold.
ENGINE_MESSAGES: tuple[str, ...] = (
    # skipped files and their kinds
    "macOS metadata file", "broken symbolic link", "vanished while reading", "not a regular file",
    "empty file (0 bytes)", "not an image (unrecognised format)",
    "not an image (Git LFS pointer: the real file was never downloaded; run 'git lfs pull')",
    "not an image (looks like HTML, e.g. a saved web page)",
    "not an image (SVG vector drawing; convert it to PNG first)", "not an image (looks like text)",
    "not an image", "cannot read", "cannot decode", "too large", "empty file",
    "not valid JSON", "not an object with file_name and text", "no file_name", "no text or caption",
    # archives
    "it holds no weights (.safetensors)", "its weights are not a readable genstudio checkpoint",
    "too short", "its header length does not fit the file", "its header is not JSON", "its header is not a table",
    "no genstudio checkpoint metadata",
    # images and animations
    "an animation needs at least one frame",
    # training
    "the dataset has no images", "give a number of steps or of minutes to train",
    "this PyTorch was built without CUDA", "no CUDA GPU is visible", "no Apple GPU with MPS support",
    "this GPU does not support bf16; use --precision fp16 or fp32",
    "fp16 is not supported for training on the CPU; use bf16 or fp32",
    "the dataset changed since this run started; training continues on the new images",
    # model settings
    "condition=label needs a dataset with class folders; use condition=none or caption",
    "condition=caption needs a dataset with captions; use condition=none or label",
    "this model was not trained with labels; use label=-1",
    "guidance must be 0-100, guidance_rescale and eta 0-1",
    "gp_weight cannot be negative", "embed_dim must be at least 1", "blocks must be 0 or more",
    "beta, free_bits and kl_warmup_steps cannot be negative",
    "blocks must be 0 or more and downsample between 0 and 5",
    "codebook_decay must be in (0, 1); commitment and dead_code_threshold cannot be negative",
    "autoencoder_steps cannot be negative",
    "text_length must be at least 1 and text_dropout between 0 and 1",
    "min_snr_gamma cannot be negative and caption_dropout must be in [0, 1)",
    "text_dim must be at least 8, text_depth and max_prompt_words at least 1",
)

# What the operating system says (OSError.strerror; the engine lowercases some), looked up in lower case.
OS_REASONS: tuple[str, ...] = (
    "permission denied", "no such file or directory", "is a directory", "not a directory", "file exists",
    "no space left on device", "read-only file system", "file name too long", "too many levels of symbolic links",
    "disk quota exceeded", "input/output error", "operation not permitted", "directory not empty",
    "device or resource busy", "invalid argument", "too many open files",
)
_ENGINE_COMPILED = tuple((re.compile(pattern + r"\Z", re.DOTALL), template)
                         for pattern, template in ENGINE_TEMPLATES)
_OS_REASONS = frozenset(OS_REASONS)

_installed: list[QTranslator] = []      # kept alive: Qt does not own installed translators


def family_text(text: str) -> str:
    """A family's own English text (title, description, option help, frame label...) in the UI's language."""
    if not text:
        return text
    translated = QCoreApplication.translate(FAMILY_CONTEXT, text)
    if translated != text:
        return translated
    for pattern, template in _COMPILED:
        match = pattern.match(text)
        if match:
            return QCoreApplication.translate(FAMILY_CONTEXT, template).format(*match.groups())
    return text


def engine_text(text: str) -> str:
    """A message of the engine's (an error, why a file was skipped, a training warning or failure) in the
    UI's language, its paths, names and numbers as they were; one it does not know stays as it is."""
    if not text:
        return text
    translated = QCoreApplication.translate(ENGINE_CONTEXT, text)
    if translated != text:
        return translated
    if text.lower() in _OS_REASONS:
        translated = QCoreApplication.translate(ENGINE_CONTEXT, text.lower())
        return text if translated == text.lower() else translated
    for pattern, template in _ENGINE_COMPILED:
        match = pattern.match(text)
        if match:
            translated = QCoreApplication.translate(ENGINE_CONTEXT, template)
            return text if translated == template else translated.format(*_engine_parts(match))
    return family_text(text)      # a family's own words (a GAN's collapse warning, a rollback)


def _engine_parts(match: re.Match) -> list[str]:
    """A match's groups for its template: a msg group translated as a message of its own, an items group
    part by part, the rest (paths, names, numbers) as they are."""
    names = {index: name for name, index in match.re.groupindex.items()}
    parts = []
    for index, value in enumerate(match.groups(), 1):
        name = names.get(index, "")
        if value and name.startswith("msg"):
            value = engine_text(value)
        elif value and name == "items":
            value = _engine_items(value)
        parts.append(value or "")
    return parts


def _engine_items(text: str) -> str:
    """ "a.png: reason; b.png: reason" with each reason translated. A reason may hold "; " itself, so an
    item is the shortest run of parts that reads as "path: a known reason"."""
    pieces, shown, i = text.split("; "), [], 0
    while i < len(pieces):
        for j in range(i + 1, len(pieces) + 1):
            item = _path_and_reason("; ".join(pieces[i:j]))
            if item is not None:
                shown.append(item)
                i = j
                break
        else:
            shown.append(pieces[i])
            i += 1
    return "; ".join(shown)


def _path_and_reason(item: str) -> str | None:
    at = item.find(": ")
    while at >= 0:                  # a path may hold ": " too: the first split whose rest is known wins
        reason = item[at + 2:]
        translated = engine_text(reason)
        if translated != reason:
            return item[:at + 2] + translated
        at = item.find(": ", at + 1)
    return None


def direction_title(direction) -> str:
    """A latent direction's name for its slider: the family's words translated, the user's own
    (an "attribute" direction is named after a label or caption word, e.g. "small") as they are."""
    return direction.name if direction.kind == "attribute" else family_text(direction.name)


def metric_title(key: str) -> str:
    """A loss chart's title: the family's metric key, with its translation in front where there is one."""
    translated = QCoreApplication.translate(FAMILY_CONTEXT, key)
    return key if translated == key else f"{translated} ({key})"


def option_label(name: str) -> str:
    """A sample option's label: its name as words ("guidance_rescale" -> "Guidance rescale"), translated."""
    return family_text(name.replace("_", " ").capitalize())


def plain_icon_text(action: QAction) -> None:
    """Keep a toolbar action's icon text free of a CJK-style accelerator. Qt derives the icon text by
    dropping '&' only, so "训练(&T)" would show as "训练(T)"; this follows the action's text as it changes."""
    def update() -> None:
        plain = re.sub(r"\s*\(&\w\)", "", action.text()).replace("&", "")
        if action.iconText() != plain:
            action.setIconText(plain)

    action.changed.connect(update)
    update()


def available_languages() -> list[str]:
    """English plus every language with a compiled translation."""
    found = sorted(p.stem.removeprefix("genstudio_") for p in TRANSLATIONS_DIR.glob("genstudio_*.qm"))
    return [ENGLISH, *found]


def chosen_language(settings: QSettings, argv: list[str] | tuple[str, ...] = ()) -> str:
    """The language to start in: GENSTUDIO_LANG, `--lang X`, the setting, else SYSTEM."""
    if os.environ.get(ENV):
        return os.environ[ENV]
    args = list(argv)
    for i, arg in enumerate(args):
        if arg == "--lang" and i + 1 < len(args):
            return args[i + 1]
        if arg.startswith("--lang="):
            return arg.split("=", 1)[1]
    return str(settings.value(SETTING, SYSTEM, type=str) or SYSTEM)


def locale_for(language: str) -> QLocale:
    return QLocale.system() if language == SYSTEM else QLocale(language)


def install_translators(language: str) -> QLocale:
    """Load genstudio's and Qt's own translations (dialog buttons) for `language`, replacing any loaded
    before; English or a language without a translation leaves the source strings. Returns the locale."""
    app = QCoreApplication.instance()
    for translator in _installed:
        app.removeTranslator(translator)
    _installed.clear()
    locale = locale_for(language)
    if language != ENGLISH:
        qt_dir = QLibraryInfo.path(QLibraryInfo.LibraryPath.TranslationsPath)
        for name, folder in (("qtbase", qt_dir), ("genstudio", str(TRANSLATIONS_DIR))):
            translator = QTranslator(app)
            # Tries genstudio_zh_CN.qm, genstudio_zh.qm, ... for each of the locale's UI languages; other
            # Simplified Chinese locales (zh_SG, zh_MY) read zh_CN's.
            if translator.load(locale, name, "_", folder) or (
                    locale.language() == QLocale.Language.Chinese
                    and locale.script() != QLocale.Script.TraditionalHanScript
                    and translator.load(QLocale("zh_CN"), name, "_", folder)):
                app.installTranslator(translator)
                _installed.append(translator)
    QLocale.setDefault(locale if _installed or language == ENGLISH else QLocale(QLocale.Language.English))
    return locale


def install(settings: QSettings, argv: list[str] | tuple[str, ...] = ()) -> QLocale:
    """Install the translators for the chosen language (app start-up)."""
    return install_translators(chosen_language(settings, argv))


def restart_command() -> tuple[str, list[str]]:
    """How to start this app again: the bundle's own program, else this Python with `-m studio`."""
    if getattr(sys, "frozen", False):
        return sys.executable, []
    return sys.executable, ["-m", "studio"]


class LanguageMenu(QMenu):
    """View ▸ Language: System default, then each language by its own name. The choice is saved and
    applies at the next start; the menu offers to restart now, unless `is_busy()` (training runs)."""

    def __init__(self, window: QWidget, settings: QSettings, is_busy):
        super().__init__(window)
        self.setTitle(self.tr("&Language"))
        self.setObjectName("languageMenu")
        self._window, self._settings, self._is_busy = window, settings, is_busy
        self.group = QActionGroup(self)
        self.group.setExclusive(True)
        current = self.saved_language()
        choices = [(SYSTEM, self.tr("System default"))]
        choices += [(code, LANGUAGE_NAMES.get(code, QLocale(code).nativeLanguageName() or code))
                    for code in available_languages()]
        for code, title in choices:
            action = QAction(title, self)
            action.setObjectName(f"languageAction_{code or 'system'}")
            action.setCheckable(True)
            action.setChecked(code == current)
            action.setData(code)
            self.group.addAction(action)
            self.addAction(action)
        self.group.triggered.connect(self._on_group_triggered)

    def saved_language(self) -> str:
        return str(self._settings.value(SETTING, SYSTEM, type=str) or SYSTEM)

    def _on_group_triggered(self, action: QAction) -> None:
        code = str(action.data())
        if code == self.saved_language():
            return
        self._settings.setValue(SETTING, code)
        self._settings.sync()
        if os.environ.get(ENV):
            QMessageBox.information(self._window, self.tr("Language"), self.tr(
                "The language is set by the {0} environment variable; the new choice applies once it is unset.")
                .format(ENV))
        elif self._is_busy():
            QMessageBox.information(self._window, self.tr("Language"), self.tr(
                "The new language applies the next time genstudio starts (not now: training is running)."))
        elif self.ask_restart():
            restart_app(self._window)

    def ask_restart(self) -> bool:
        box = QMessageBox(QMessageBox.Icon.Question, self.tr("Language"),
                          self.tr("The new language applies when genstudio starts again. Restart now?"),
                          parent=self._window)
        box.setObjectName("languageRestartBox")
        restart = box.addButton(self.tr("Restart now"), QMessageBox.ButtonRole.AcceptRole)
        box.addButton(self.tr("Later"), QMessageBox.ButtonRole.RejectRole)
        box.exec()
        return box.clickedButton() is restart


def restart_app(window: QWidget) -> bool:
    """Close the window the normal way (jobs stop, state is saved) and start the app again. False if it
    stayed open."""
    if not window.close():
        return False
    os.environ.pop(ENV, None)
    program, args = restart_command()
    started, _pid = QProcess.startDetached(program, args, os.getcwd())
    QCoreApplication.quit()
    return bool(started)
