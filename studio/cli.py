"""Headless genstudio: train, sample, inspect datasets, list families.

    genstudio train DATA --family vae --out RUN [--steps N | --minutes M] ...
    genstudio sample RUN -n 64 --out DIR [--seed S] [--grid FILE] [--again]   (--again: the run's last settings)
    genstudio latent RUN --direction NAME --out DIR | --interpolate A B --out DIR | --list
    genstudio inspect DATA            (the dataset doctor)
    genstudio export RUN --out PATH [--folder] [--no-gallery]   (a run as one zip or folder, with a model card)
    genstudio import PATH             (a checked export into the runs folder, under a free name)
    genstudio evaluate RUN [-n 500] [--json] | DATA --images DIR   (scores beside the floor)
    genstudio compare RUN RUN ... --out DIR | DATA --families vae,gan --minutes M --out DIR   (a report)
    genstudio families

Same engine, same run folders as the app. Errors are one readable line on
stderr and a non-zero exit code; Ctrl-C stops training cleanly and saves.
"""
from __future__ import annotations

import argparse
import errno
import json
import logging
import os
import sys
import time
import traceback
from pathlib import Path
from typing import Any, Sequence, TextIO

EXIT_ERROR = 2
EXIT_INTERRUPTED = 130


class CLIError(Exception):
    """A user error: printed as one line."""


# -- argument parsing ------------------------------------------------------------
def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, got {value}")
    return value


def _positive_float(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number, got {text!r}") from None
    if not value > 0:
        raise argparse.ArgumentTypeError(f"must be more than 0, got {text}")
    return value


def _key_value(text: str) -> tuple[str, Any]:
    if "=" not in text:
        raise argparse.ArgumentTypeError(f"expected NAME=VALUE, got {text!r}")
    key, raw = text.split("=", 1)
    try:
        value = json.loads(raw)
    except json.JSONDecodeError:
        value = raw
    return key.strip(), value


# TrainConfig fields with an option of their own; --set takes the others (mirror, ema_decay, warmup_steps, ...).
_TRAIN_OPTIONS = {"steps": "--steps", "minutes": "--minutes", "batch_size": "--batch", "lr": "--lr",
                  "device": "--device", "precision": "--precision", "seed": "--seed",
                  "checkpoint_minutes": "--checkpoint-minutes", "quality_minutes": "--quality-minutes"}
_BOOLEANS = {"true": True, "on": True, "yes": True, "1": True, "false": False, "off": False, "no": False, "0": False}


def _split_settings(family_cls, settings: Sequence[tuple[str, Any]]) -> tuple[dict[str, Any], dict[str, Any]]:
    """--set NAME=VALUE pairs as (family config values, TrainConfig values); a yes/no setting takes true/false,
    on/off, yes/no or 1/0."""
    from dataclasses import fields

    from studio.engine import TrainConfig

    family = {f.name: f for f in fields(family_cls.Config)}
    train = {f.name: f for f in fields(TrainConfig) if f.name not in _TRAIN_OPTIONS}
    for name, _ in settings:
        if name in _TRAIN_OPTIONS:
            raise CLIError(f"--set {name}: use {_TRAIN_OPTIONS[name]} instead")
    unknown = [name for name, _ in settings if name not in family and name not in train]
    if unknown:
        raise CLIError(f"--set: no setting {', '.join(map(repr, unknown))}; known settings: of the "
                       f"{family_cls.name} family: {', '.join(sorted(family))}; of training: {', '.join(sorted(train))}")
    family_values, train_values = {}, {}
    for name, value in settings:
        if isinstance((family.get(name) or train[name]).default, bool) and not isinstance(value, bool):
            if str(value).lower() not in _BOOLEANS:
                raise CLIError(f"--set {name}: expected true or false (or on/off, yes/no, 1/0), got {value!r}")
            value = _BOOLEANS[str(value).lower()]
        (family_values if name in family else train_values)[name] = value
    return family_values, train_values


def _augmentation(mirror: bool) -> str:
    """The training-start line that says which augmentations are on."""
    return ("augmentation: left-right mirror flips (mirror=true: right for photos of faces, objects, landscapes; "
            "wrong for text, digits, anything with a handedness)" if mirror else
            "augmentation: none (mirror flips are off; --set mirror=true turns them on for photos of faces, objects, "
            "landscapes)")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="genstudio",
        description="Train image generative models on your own pictures. Without a command, opens the desktop app.",
    )
    parser.add_argument("--version", action="version", version=f"genstudio {_version()}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    train = sub.add_parser("train", help="train a model on a folder of images (or demo:NAME)",
                           description="Train a model family on DATA, a folder of images or a built-in demo set "
                                       "such as demo:shapes. Ctrl-C stops and saves; --resume continues.")
    train.add_argument("data", metavar="DATA", help="image folder, or demo:shapes / demo:digits / demo:faces")
    train.add_argument("--family", default="vae", help="model family (see `genstudio families`; default vae)")
    train.add_argument("--out", metavar="RUN", type=Path,
                       help="run folder to create (default: a new folder under the user data dir)")
    train.add_argument("--size", type=_positive_int, help="image side in pixels (default 32, or the run's on --resume)")
    train.add_argument("--channels", type=int, choices=(1, 3), help="1 = grayscale, 3 = colour (default: from the data)")
    train.add_argument("--recipe", choices=("quick", "balanced", "quality"), default=None,
                       help="the app's recipes: model size, minutes and image size (quick: smallest, 2 min, 32 px; "
                            "balanced: mid-sized, 15 min, 32 px; quality: largest, 60 min, 64 px); options given win")
    train.add_argument("--preset", default=None, help="model size preset, e.g. tiny, small, base (default small)")
    limit = train.add_mutually_exclusive_group()
    limit.add_argument("--steps", type=_positive_int, help="optimisation steps in total (default 2000)")
    limit.add_argument("--minutes", type=_positive_float, help="training time in total, in minutes")
    train.add_argument("--batch", type=_positive_int, help="batch size")
    train.add_argument("--lr", type=_positive_float, help="peak learning rate")
    train.add_argument("--device", default="auto", help="auto (CUDA, then Apple MPS, then CPU), cpu, cuda, cuda:N, mps")
    train.add_argument("--precision", default="auto", choices=("auto", "fp32", "bf16", "fp16"))
    train.add_argument("--seed", type=int, default=0)
    train.add_argument("--resume", action="store_true", help="continue the run in --out from its last checkpoint "
                       "(--steps or --minutes extend it; --batch, --lr and --precision change it)")
    train.add_argument("--set", dest="settings", action="append", type=_key_value, default=[], metavar="NAME=VALUE",
                       help="a family setting, e.g. --set latent_dim=64 --set beta=2, or a training setting "
                            "without an option of its own, e.g. --set mirror=true (random left-right flips: for "
                            "photos of faces, objects, landscapes; never for text or digits) or --set "
                            "ema_decay=0.99 (repeatable; on --resume, training settings only)")
    train.add_argument("--checkpoint-minutes", type=_positive_float, default=5.0, help="minutes between checkpoints")
    train.add_argument("--quality-minutes", type=float, default=None, metavar="M",
                       help="measure the sample quality (KID) at most every M minutes of training, within 5%% of "
                            "the training time (default 2; 0: never)")

    sample = sub.add_parser("sample", help="generate images from a trained run",
                            description="Generate images from a run folder (its last checkpoint) or a checkpoint file.")
    sample.add_argument("run", metavar="RUN", type=Path, help="run folder or .safetensors checkpoint")
    sample.add_argument("--checkpoint", choices=("last", "best"), default="last",
                        help="with a run folder: its newest weights (last), or those of its best held-out loss "
                             "(best, kept while training; the better choice when the model overfits)")
    sample.add_argument("-n", "--num", type=_positive_int, default=64, help="how many images (default 64)")
    sample.add_argument("--out", type=Path, required=True, metavar="DIR", help="folder for one image file per image")
    sample.add_argument("--format", choices=("png", "jpg", "webp"), default="png",
                        help="image format, each carrying its parameters (PNG chunks, JPEG/WebP EXIF; default png)")
    sample.add_argument("--seed", type=int, default=None, help="seed of the first image; image i uses seed + i "
                        "(default 0)")
    sample.add_argument("--again", action="store_true", help="start from the settings this run last sampled with "
                        "(prompt, seed, every option and the precision; the run folder keeps them); flags given "
                        "override them")
    sample.add_argument("--grid", type=Path, metavar="FILE", help="also write all images as one grid "
                        "(.png, .jpg or .webp by its name; PNG otherwise)")
    sample.add_argument("--frames", type=Path, metavar="DIR", help="also write every intermediate frame as a grid PNG")
    sample.add_argument("--prompt", default=None, help="text prompt (families with the prompt capability)")
    sample.add_argument("--opt", action="append", type=_key_value, default=[], metavar="NAME=VALUE",
                        help="a sampling option, e.g. --opt temperature=0.8 (repeatable)")
    sample.add_argument("--negative", default=None, help="negative prompt (same as --opt negative=...)")
    sample.add_argument("--guidance", type=float, default=None, help="guidance scale (same as --opt guidance=...)")
    sample.add_argument("--steps", type=_positive_int, default=None, help="sampling steps (same as --opt steps=...)")
    sample.add_argument("--sampler", default=None, help="sampler, e.g. dpm++2m-sde, dpm++2m, ddim (same as --opt sampler=...)")
    sample.add_argument("--precision", choices=("auto", "fp32", "bf16"), default=None,
                        help="what the network runs in: auto (bf16 where the device has fast bf16 and the family "
                             "gains from it, else fp32; the default), fp32 or bf16. Each image records the one used")
    sample.add_argument("--device", default="auto")

    latent = sub.add_parser("latent", help="slider sweeps and interpolations in a trained model's latent space",
                            description="Write PNGs (with parameters) of a slider sweep along named latent directions "
                                        "(--direction), or of an interpolation between two seeds or images "
                                        "(--interpolate A B). --list shows the directions and their ranges.")
    latent.add_argument("run", metavar="RUN", type=Path, help="run folder or .safetensors checkpoint")
    action = latent.add_mutually_exclusive_group(required=True)
    action.add_argument("--list", action="store_true", help="list the latent directions (slider names) and ranges")
    action.add_argument("--direction", action="append", metavar="NAME",
                        help="sweep this direction across its range (repeatable; 'all' for every one)")
    action.add_argument("--interpolate", nargs=2, metavar=("A", "B"),
                        help="interpolate between two seeds (whole numbers) or two image files")
    latent.add_argument("--out", type=Path, metavar="DIR", help="folder for the PNGs (needed unless --list)")
    latent.add_argument("--steps", type=_positive_int, default=7, help="images per sweep or interpolation (default 7)")
    start = latent.add_mutually_exclusive_group()
    start.add_argument("--seed", type=int, help="sweep from this seed's latent (default: the dataset's mean latent)")
    start.add_argument("--image", type=Path, help="sweep from this image, encoded")
    latent.add_argument("--mode", choices=("slerp", "lerp"), help="interpolation path (default: slerp for "
                        "Gaussian latents, lerp otherwise)")
    latent.add_argument("--prompt", default=None, help="prompt for seeds of a prompt family (e.g. vqvae)")
    latent.add_argument("--fps", type=float, default=10.0, help="frame rate of the interpolation's animated GIF "
                        "and APNG (default 10)")
    latent.add_argument("--scale", type=_positive_int, default=1, help="enlarge the animations this many times "
                        "(nearest-neighbour; default 1)")
    latent.add_argument("--device", default="auto")

    inspect = sub.add_parser("inspect", help="check a dataset: counts, labels, captions, skipped files and why; "
                                             "or, with --params, what made an image")
    inspect.add_argument("data", metavar="DATA")
    inspect.add_argument("--params", action="store_true", help="print the generation parameters an image "
                         "(PNG, JPEG, WebP; genstudio's or AUTOMATIC1111's) carries, as JSON")
    inspect.add_argument("--size", type=_positive_int, default=32)
    inspect.add_argument("--channels", type=int, choices=(1, 3))

    export = sub.add_parser("export", help="a run as one zip (or folder): weights, config, history, model card",
                            description="Write a run as one zip (or with --folder, one folder): safetensors "
                                        "weights, JSON config and history, the images kept in the run's gallery "
                                        "folder (PNGs with their parameters), and a Markdown model card with its "
                                        "training curve and a sample grid.")
    export.add_argument("run", metavar="RUN", type=Path, help="run folder")
    export.add_argument("--out", type=Path, required=True, metavar="PATH", help="the zip (or folder) to create")
    export.add_argument("--folder", action="store_true", help="write a folder instead of a zip")
    export.add_argument("--samples", type=int, default=16, metavar="N",
                        help="images in the model card's sample grid (default 16; 0 for none, which is much "
                             "faster for a large diffusion model on a CPU)")
    export.add_argument("--no-gallery", dest="gallery", action="store_false",
                        help="leave out the images kept in the run's gallery folder (<run>/gallery/*.png)")

    import_ = sub.add_parser("import", help="add an exported run (zip or folder) to your runs, after checking it",
                             description="Check an exported run (file names and kinds, sizes, no pickles, JSON, "
                                         "weights headers, checksums), then add it to the runs folder under a "
                                         "name no other run has.")
    import_.add_argument("path", metavar="PATH", type=Path, help="the exported zip or folder")
    import_.add_argument("--runs", type=Path, metavar="DIR", help="runs folder (default: the user data dir's)")

    evaluate = sub.add_parser("evaluate", help="score a run's samples (or, with --images, a folder) against the "
                                               "dataset's held-out images, beside the floor")
    evaluate.add_argument("target", metavar="RUN|DATA", help="run folder, or a dataset with --images")
    evaluate.add_argument("-n", type=_positive_int, default=500, help="samples to generate (default 500)")
    evaluate.add_argument("--seed", type=int, default=0)
    evaluate.add_argument("--json", action="store_true", help="print the evaluation as JSON")
    evaluate.add_argument("--data", metavar="FOLDER", help="the run's dataset, when it moved")
    evaluate.add_argument("--images", type=Path, metavar="DIR", help="score this folder of images against DATA")
    evaluate.add_argument("--checkpoint", choices=("last", "best"), default="last",
                          help="a run's newest weights (last), or those of its best held-out loss (best: printed, "
                          "not saved as the run's evaluation)")
    evaluate.add_argument("--opt", action="append", type=_key_value, default=[], metavar="NAME=VALUE",
                          help="draw the run's samples with this sampling option, e.g. --opt temperature=0.9 "
                          "(repeatable); such a result is printed, not saved as the run's evaluation")
    evaluate.add_argument("--feature-steps", type=_positive_int, help=argparse.SUPPRESS)   # tests: a quick feature net

    compare = sub.add_parser("compare", help="several runs on one dataset side by side: a report (HTML + Markdown)",
                             description="Evaluate runs trained on one dataset at the same seeds and write a report "
                                         "(report.html, self-contained, and report.md with images/) into --out. "
                                         "With DATA and --families, first train each family for --minutes.")
    compare.add_argument("targets", nargs="+", metavar="RUN|DATA", help="run folders, or one dataset with --families")
    compare.add_argument("--out", type=Path, required=True, metavar="DIR", help="folder for the report")
    compare.add_argument("-n", type=_positive_int, default=200, help="samples per run (default 200)")
    compare.add_argument("--seed", type=int, default=0)
    compare.add_argument("--families", metavar="A,B,...", help="with DATA: the families to train, comma-separated")
    compare.add_argument("--minutes", type=_positive_float, help="with --families: training time of each family")
    compare.add_argument("--size", type=_positive_int, default=32, help="with --families: image side (default 32)")
    compare.add_argument("--preset", help="with --families: model size preset (default: small, or a lighter one "
                                          "the plan picks on a CPU)")
    compare.add_argument("--data", metavar="FOLDER", help="the runs' dataset, when it moved")
    compare.add_argument("--feature-steps", type=_positive_int, help=argparse.SUPPRESS)   # tests: a quick feature net

    sub.add_parser("families", help="list the model families with their capabilities")
    return parser


def _version() -> str:
    from studio import __version__
    return __version__


# -- output helpers ----------------------------------------------------------------
def _duration(seconds: float | None) -> str:
    if seconds is None or seconds != seconds:
        return "?"
    seconds = int(round(seconds))
    h, rest = divmod(seconds, 3600)
    m, s = divmod(rest, 60)
    return f"{h}h{m:02d}m" if h else (f"{m}m{s:02d}s" if m else f"{s}s")


class ProgressLine:
    """A one-line terminal progress bar; plain periodic lines when not a terminal."""

    def __init__(self, stream: TextIO, width: int = 24, every: float = 5.0):
        self.stream = stream
        self.tty = stream.isatty()
        self.width = width
        self.every = every
        self._last = 0.0
        self._shown = False

    def update(self, text: str, fraction: float | None = None, force: bool = False) -> None:
        now = time.monotonic()
        if not self.tty and not force and now - self._last < self.every:
            return
        self._last = now
        bar = ""
        if fraction is not None:
            filled = int(round(self.width * min(1.0, max(0.0, fraction))))
            bar = f"[{'#' * filled}{'.' * (self.width - filled)}] {fraction * 100:3.0f}% "
        line = bar + text
        if self.tty:
            cols = _terminal_columns()
            self.stream.write("\r" + line[:cols - 1].ljust(cols - 1))
            self._shown = True
        else:
            self.stream.write(line + "\n")
        self.stream.flush()

    def message(self, text: str) -> None:
        self.done()
        self.stream.write(text + "\n")
        self.stream.flush()

    def done(self) -> None:
        if self.tty and self._shown:
            self.stream.write("\n")
            self._shown = False


def _terminal_columns() -> int:
    try:
        return os.get_terminal_size().columns
    except OSError:
        return 100


def _format_losses(losses: dict[str, float]) -> str:
    return " ".join(f"{k} {v:.4g}" for k, v in losses.items())


# -- commands --------------------------------------------------------------------
def cmd_families(args, out: TextIO) -> int:
    from studio.engine import all_families
    families = all_families()
    for cls in families:
        caps = ", ".join(sorted(cls.capabilities)) or "-"
        out.write(f"{cls.name:<16}{cls.summary}\n{'':<16}capabilities: {caps}; presets: {', '.join(cls.Config.presets)}\n")
    from studio.engine import DEMOS
    out.write("\nbuilt-in demo datasets (use as DATA):\n")
    for name, text in DEMOS.items():
        out.write(f"  demo:{name:<12}{text}\n")
    return 0


def _load_dataset(source: str, size: int, channels: int | None, err: TextIO):
    from studio.engine import load_dataset
    bar = ProgressLine(err, every=2.0)
    first: list[float] = []          # when decoding began: a slow load also says the time left, from 2 s on

    def progress(done: int, total: int) -> None:
        now = time.monotonic()
        first[:] = first or [now]
        left = ""
        if now - first[0] >= 2.0 and 0 < done < total:
            left = f", about {_duration((total - done) * (now - first[0]) / done)} left"
        bar.update(f"loading {source}: {done:,}/{total:,} images{left}", done / total if total else None,
                   force=done == total)

    dataset = load_dataset(source, size=size, channels=channels, progress=progress)
    bar.done()
    return dataset


def _print_report(report, out: TextIO, limit: int = 20) -> None:
    out.write(report.summary() + "\n")
    if report.skipped:
        out.write(f"skipped {len(report.skipped)} file(s):\n")
        for item in report.skipped[:limit]:
            out.write(f"  {item.path}: {item.reason}\n")
        if len(report.skipped) > limit:
            out.write(f"  … and {len(report.skipped) - limit} more\n")


def cmd_inspect(args, out: TextIO, err: TextIO) -> int:
    if args.params:
        from studio.engine import read_image_parameters

        params = read_image_parameters(Path(args.data))
        if params is None:
            raise CLIError(f"{args.data}: carries no generation parameters")
        out.write(json.dumps(params, indent=2, sort_keys=True, ensure_ascii=False) + "\n")
        return 0
    dataset = _load_dataset(args.data, args.size, args.channels, err)
    _print_report(dataset.report, out, limit=1000)
    if dataset.report.label_counts:
        out.write("labels: " + ", ".join(f"{k} ({v})" for k, v in dataset.report.label_counts.items()) + "\n")
    # Augmentation is a training setting, not the data's: the doctor says what training does by default.
    out.write("augmentation while training: none (mirror flips are off; turn them on with train --set mirror=true "
              "for photos of faces, objects, landscapes, never for text, digits or anything with a handedness)\n")
    from studio.engine import check_mirror

    out.write(check_mirror(dataset.images, dataset.labels, dataset.label_names).summary() + "\n")
    return 0


def cmd_train(args, out: TextIO, err: TextIO) -> int:
    from studio.engine import Run, TrainConfig, Trainer, check_run_free, choose_device, default_run_dir, get_family

    group = _join_torchrun(args)      # several processes started by torchrun: this one's rank, else None
    if group is not None:
        out, err = group.quiet(out), group.quiet(err)
    choose_device(args.device)  # fail before the (slow) dataset load when the device is not there
    run_dir: Path = (args.out or default_run_dir(args.family)).expanduser()
    resume = args.resume and Run.is_run(run_dir)
    if args.resume and not resume:
        err.write(f"{run_dir} holds no run yet: starting a new one\n")
    if not args.resume and Run.is_run(run_dir):
        raise CLIError(f"{run_dir} already holds a run; add --resume to continue it, or choose another --out")

    if resume:
        run = Run.open(run_dir)
        if not run.checkpoint_path().exists() and not run.checkpoints():     # killed before its first save
            raise CLIError(f"{run_dir}: the run stopped before its first checkpoint was saved, so there is nothing "
                           "to resume; delete the folder and train again (or train into another --out)")
        check_run_free(run_dir)          # another live process trains it: say so before loading the data
        model_settings, train_settings = _split_settings(get_family(run.family_name), args.settings)
        if model_settings:
            err.write(f"warning: --resume keeps the run's model settings; ignored: {', '.join(model_settings)}\n")
        data_info = run.data_info
        size, channels = args.size or data_info.image_size, args.channels or data_info.channels
        dataset = _load_dataset(args.data, size, channels, err)
        changes = {k: v for k, v in (("steps", args.steps), ("minutes", args.minutes)) if v is not None}
        if args.steps is not None:
            changes["minutes"] = None
        if args.minutes is not None:
            changes["steps"] = None
        if args.quality_minutes is not None:
            changes["quality_minutes"] = args.quality_minutes
        given = {"batch_size": args.batch, "lr": args.lr,                   # what an out-of-memory or a NaN asks for
                 "precision": None if args.precision == "auto" else args.precision}
        changes.update({k: v for k, v in given.items() if v is not None})
        trainer = Trainer.resume(run_dir, dataset, **train_settings, **changes)
    else:
        from studio.engine import RECIPES, DataFacts, plan_training

        family_cls = get_family(args.family)
        model_settings, train_settings = _split_settings(family_cls, args.settings)
        family_cls.Config.from_preset(args.preset or "small", **model_settings)   # a wrong setting fails before loading
        size = args.size or (RECIPES[args.recipe].image_size if args.recipe else 32)
        dataset = _load_dataset(args.data, size, args.channels, err)
        given = {**train_settings, "steps": args.steps, "minutes": args.minutes, "batch_size": args.batch,
                 "lr": args.lr, "model_preset": args.preset, "image_size": args.size,
                 "precision": None if args.precision == "auto" else args.precision}
        plan = plan_training(args.family, DataFacts.of(dataset), recipe=args.recipe or "default", device=args.device,
                             given=given)
        _print_plan(plan, err)
        family_config = family_cls.Config.from_preset(plan.model_preset, **model_settings)
        extra = {"quality_minutes": args.quality_minutes} if args.quality_minutes is not None else {}
        config = plan.train_config(**{**train_settings, **extra, "device": args.device, "precision": args.precision,
                                      "seed": args.seed, "checkpoint_minutes": args.checkpoint_minutes})
        trainer = Trainer(dataset, run_dir, family=args.family, family_config=family_config, config=config)
    _print_report(dataset.report, err, limit=10)
    err.write(_augmentation(trainer.config.mirror) + "\n")
    if not trainer.config.mirror:        # a folder without a handedness (faces): say flips may help (under 0.1 s)
        from studio.engine import check_mirror

        check = check_mirror(dataset.images, dataset.labels, dataset.label_names)
        if check.handed is False:
            err.write(check.summary() + "\n")
    explained = None if resume else next((str(c.value) for c in plan.choices if c.name == "precision"), None)
    if group is not None:
        return _drive_distributed(trainer, group, args, out, err, explained)
    return _drive(trainer, args, out, err, explained)


def _join_torchrun(args):
    """torchrun's process group when it started several processes (studio/engine/training/distributed.py)."""
    from studio.engine import ProcessGroup

    group = ProcessGroup.start(args.device)
    if group is not None:
        args.device = group.device      # each process its own GPU (cuda:LOCAL_RANK), or the CPU
    return group


def _drive_distributed(trainer, group, args, out: TextIO, err: TextIO, explained: str | None = None) -> int:
    """_drive on one rank: rank 0 prints and writes, the others train quietly; a signal on any rank stops all."""
    try:
        group.attach(trainer)
        code = _drive(trainer, args, out, err, explained)
    finally:
        group.close()
    if code == 0 and group.interrupted:
        err.write(f"continue with: torchrun --nproc-per-node=N -m studio train {args.data} --out {trainer.run_dir} "
                  f"--resume (any number of processes)\n")
        return EXIT_INTERRUPTED
    result = trainer.result
    if code != 0 and not group.is_writer and result is not None and result.message:   # its own stderr is quiet
        sys.stderr.write(f"genstudio: process {group.rank}: training {result.status} at step {result.step}: "
                         f"{result.message}\n")
    return code


def _print_plan(plan, err: TextIO) -> None:
    """The settings a new run trains with and why (studio/engine/training/plan.py), and any warning."""
    err.write("settings:\n")
    for choice in plan.choices:
        value = str(choice.value).lower() if isinstance(choice.value, bool) else choice.value   # as --set takes it
        err.write(f"  {choice.name.replace('_', ' ')}: {value} ({choice.reason})\n")
    for warning in plan.warnings:
        err.write(f"warning: {warning}\n")


def _drive(trainer, args, out: TextIO, err: TextIO, explained: str | None = None) -> int:
    """Train, showing each event; `explained`: the precision whose reason the settings above already gave."""
    from studio.engine import CheckpointError

    bar = ProgressLine(err)
    try:
        for event in trainer.run():
            _show_event(event, bar, explained=explained)
            if getattr(trainer, "group", None) is not None and type(event).__name__ == "Started":
                from studio.engine import describe_group
                bar.message(describe_group(trainer.group, trainer.batch_size))
    except CheckpointError as e:
        if e.message.id != "checkpoint.disk_full_run":
            raise
        bar.done()             # a full disk: the message names the space needed and the last good checkpoint
        err.write(f"genstudio: error: {e}\n"
                  f"then continue with: genstudio train {args.data} --out {trainer.run_dir} --resume\n")
        return EXIT_ERROR
    except KeyboardInterrupt:  # the Trainer has saved before this reaches us
        bar.done()
        result_ckpt = trainer.run_folder.latest_checkpoint() if trainer.run_folder else None
        err.write(f"\nstopped at step {trainer.step}"
                  + (f"; saved {result_ckpt}" if result_ckpt else "") + "\n"
                  f"continue with: genstudio train {args.data} --out {trainer.run_dir} --resume\n")
        return EXIT_INTERRUPTED
    bar.done()
    result = trainer.result
    if result is None:
        return EXIT_ERROR
    if result.status == "failed":
        err.write(f"genstudio: training failed at step {result.step}: {result.message}\n")
        _say_how_to_continue(result, trainer, args, err)
        return EXIT_ERROR
    out.write(f"{result.status} at step {result.step}; checkpoint: {result.checkpoint}\n"
              f"sample with: genstudio sample {result.run_dir} -n 64 --out samples/\n")
    return 0


def _say_how_to_continue(result, trainer, args, err: TextIO) -> None:
    """After a failed run: where its work is saved and the command that continues it with what the failure asks
    for (a smaller batch after running out of memory, a lower learning rate after diverging)."""
    if result.checkpoint is None:
        err.write(f"nothing was saved in {result.run_dir}; start again with a smaller --batch or --preset\n")
        return
    err.write(f"the run is saved: {result.checkpoint}\n")
    resume = f"genstudio train {args.data} --out {result.run_dir} --resume"
    reason = getattr(result.message, "id", "")
    if reason == "training.out_of_memory":
        err.write(f"continue with a smaller batch: {resume} --batch {max(1, trainer.batch_size // 2)}\n")
    elif reason == "training.diverged":
        err.write(f"continue with a lower learning rate: {resume} --lr {trainer.config.lr / 4:.3g}\n")
    else:
        err.write(f"continue with: {resume}\n")


def _show_event(event, bar: ProgressLine, prefix: str = "", explained: str | None = None) -> None:
    """One training event on the terminal: the progress line, or a line of its own (after `prefix`); the
    precision's reason is left out when the settings printed before (`explained`) gave it."""
    from studio.engine import events as ev

    match event:
        case ev.Started():
            what = "resuming" if event.resumed else "training"
            why = "" if event.precision == explained else f" ({event.precision_reason})"
            bar.message(f"{what} {event.family} ({event.parameters:,} parameters) in {event.run_dir}\n"
                        f"device: {event.device} — {event.device_name} ({event.device_reason}); "
                        f"precision: {event.precision}{why}; threads: {event.threads}\n"
                        f"{event.train_images} training images, {event.holdout_images} held out; "
                        f"starting at step {event.step}")
        case ev.Progress():
            total = f"/{event.total_steps}" if event.total_steps else ""
            bar.update(f"step {event.step}{total} | {_format_losses(dict(event.losses))} | "
                       f"{event.images_per_sec:.0f} img/s | ETA {_duration(event.eta_seconds)}", event.fraction)
        case ev.Validated():
            if event.losses:
                bar.message(f"step {event.step}: validation {_format_losses(dict(event.losses))}")
        case ev.Measured():
            adherence = "" if event.adherence is None else f", prompts followed {event.adherence:.0%}"
            bar.message(f"{prefix}step {event.step}: sample quality KID {event.kid:.3g} ± {event.kid_std:.2g} "
                        f"({event.samples} samples{adherence}; measuring took {event.share:.1%} of the training time)")
        case ev.TrainingWarning():
            bar.message(f"{prefix}warning: {event.message}")
        case ev.Failed():
            bar.message(f"{prefix}failed: {event.message}")
        case ev.Saved():
            if event.reason in ("periodic", "requested"):
                bar.message(f"step {event.step}: saved {event.path}")
        case ev.Preview() | ev.Paused():
            pass                                    # the terminal shows no pictures; the CLI never pauses
        case _:
            raise ev.UnknownEvent(event)


def cmd_sample(args, out: TextIO, err: TextIO) -> int:
    from studio.engine import (IMAGE_FORMATS, frame_grid, make_grid, model_provenance, save_image, save_images,
                               save_png)
    from studio.engine import PROMPT, Run, choose_device, choose_sampling_precision, draw_images

    run = Run.open(args.run)
    checkpoint = args.run if args.run.is_file() else None
    if checkpoint is None and args.checkpoint == "best":
        checkpoint = _best_checkpoint(run, "sample its last one")
    device = choose_device(args.device).device
    family, ckpt = run.load_family(checkpoint, device=device)
    _warn_checkpoint(ckpt, err)
    last = run.config.get("sampling") if isinstance(run.config.get("sampling"), dict) else None
    if args.again and last is None:
        raise CLIError(f"{run.path}: this run has no saved sampling settings yet; sample once without --again")
    last = last if args.again else {}
    if args.prompt is None and isinstance(last.get("prompt"), str):
        args.prompt = last["prompt"] or None
    if args.seed is None:
        args.seed = int(last.get("seed", 0)) if isinstance(last.get("seed", 0), int) else 0
    if args.prompt and PROMPT not in family.capabilities:
        raise CLIError(f"the {family.name} family does not take prompts")
    known = {o.name for o in family.sample_options()}
    saved = last.get("options") if isinstance(last.get("options"), dict) else {}
    options = {**{k: v for k, v in saved.items() if k in known}, **dict(args.opt)}
    aliases = {"negative": args.negative, "guidance": args.guidance, "steps": args.steps, "sampler": args.sampler}
    for name, value in aliases.items():
        if value is not None:
            if name not in known:
                raise CLIError(f"--{name} is not an option of the {family.name} family; "
                               f"its options: {', '.join(sorted(known)) or 'none'}")
            options[name] = value
    for warning in family.prompt_warnings(args.prompt or ""):
        err.write(f"warning: {warning}\n")
    options = _checked_options(family.name, family.sample_options(), options)
    # every option's value goes into the images' parameters, the defaults too: an image regenerates as it was
    # drawn after a default changes (the flows' temperature went from 0.8 to 1.0); the run keeps what was given
    drawn = {**{o.name: o.default for o in family.sample_options()}, **options}
    asked = args.precision or (last.get("precision") if isinstance(last.get("precision"), str) else None)
    precision = choose_sampling_precision(family, asked or "auto")
    if precision.notice:
        err.write(f"warning: {precision.notice}\n")
    params = model_provenance(run, ckpt).for_image(seed=args.seed, prompt=args.prompt, options=drawn,
                                                   image_size=family.data.image_size, version=_version(),
                                                   precision=precision.name)
    bar = ProgressLine(err, every=2.0)

    def save_frame(frame) -> None:
        save_png(Path(args.frames) / f"frame-{frame.step:04d}.png", frame_grid(frame.images, frame.extras),
                 params.updated(frame=frame.step, frames=frame.total, label=frame.label))

    # image i is drawn from seed + i, so how the images are split between chunks and threads changes nothing
    images = draw_images(family, args.num, args.seed, args.prompt, drawn, precision,
                         on_frame=save_frame if args.frames else None,
                         on_done=lambda done: bar.update(f"sampled {done}/{args.num}", done / args.num, force=True))
    bar.done()
    paths = save_images([(Path(args.out) / f"image-{i:04d}.{args.format}", image,
                          params.updated(seed=args.seed + i, batch_seed=args.seed, index=i))
                         for i, image in enumerate(images)])
    if args.grid:
        write_grid = save_image if Path(args.grid).suffix.lower() in IMAGE_FORMATS else save_png
        write_grid(args.grid, make_grid(images), params.updated(grid=len(images)))
    try:                              # the run remembers these settings: `sample --again` starts from them
        kept = {"precision": asked} if asked else {}        # auto (not asked) draws the same again on this machine
        run.update_config(sampling={"prompt": args.prompt or "", "seed": args.seed, "options": options, **kept})
    except OSError as e:
        err.write(f"warning: {run.config_path}: could not save the sampling settings ({e.strerror or e})\n")
    out.write(f"wrote {len(paths)} images to {args.out}" + (f" and a grid to {args.grid}" if args.grid else "") + "\n")
    return 0


def _warn_checkpoint(ckpt, err: TextIO) -> None:
    """Which newer checkpoints were passed over for this one and why (damaged, cut short), when any were."""
    for warning in ckpt.warnings:
        err.write(f"warning: {warning}\n")


def _checked_options(family: str, declared, options: dict) -> dict:
    """--opt values checked against the family's sampling options: a CLIError for a name it does not have, the
    engine's ConfigError for a value of the wrong kind or out of range."""
    from studio.engine import check_sample_options

    known = {o.name for o in declared}
    if unknown := sorted(set(options) - known):
        raise CLIError(f"unknown sampling option {', '.join(unknown)} for {family}; "
                       f"known: {', '.join(sorted(known)) or 'none'}")
    return check_sample_options(options, declared)


def _best_checkpoint(run, instead: str) -> Path:
    """The run's best checkpoint (by held-out loss), or a CLIError saying why there is none and what to do."""
    path = run.checkpoint_path("best")
    if not path.is_file():
        raise CLIError(f"{run.path} has no best checkpoint: it is kept by the held-out loss while training "
                       f"(not for a GAN, and not in runs trained before this version); {instead}")
    return path


def _warn_fallback(run, err: TextIO) -> None:
    """evaluate and compare sample a run's newest good checkpoint: say, as sample does, which newer ones were
    passed over and why (read once more here, before the long work; a run with none good is its one error)."""
    _warn_checkpoint(run.load_checkpoint(), err)


def cmd_latent(args, out: TextIO, err: TextIO) -> int:
    from studio.engine import ENCODE, LATENT, Run, choose_device, model_provenance

    run = Run.open(args.run)
    family, ckpt = run.load_family(args.run if args.run.is_file() else None, device=choose_device(args.device).device)
    _warn_checkpoint(ckpt, err)
    if not {LATENT, ENCODE} & family.capabilities:
        raise CLIError(f"the {family.name} family has no latent space to move through")
    if args.list:
        for d in _directions(family):
            out.write(f"{d.name}\t{d.kind}\trange {d.low:.3g} to {d.high:.3g}" + (f"\t{d.help}" if d.help else "") + "\n")
        return 0
    if args.out is None:
        raise CLIError("give --out DIR for the PNGs")
    params = model_provenance(run, ckpt).updated(version=_version(), width=family.data.image_size,
                                                 height=family.data.image_size)
    if args.interpolate:
        return _write_interpolation(family, args, params, out)
    return _write_sweeps(family, args, params, out)


def _directions(family) -> list:
    try:
        return family.latent_directions()
    except NotImplementedError:
        raise CLIError(f"the {family.name} family has no named latent directions; try --interpolate") from None


def _latent_of(family, text: str, prompt: str | None):
    """A seed (whole number) or an image file -> one latent."""
    from studio.engine import latent_for_seed
    try:
        return latent_for_seed(family, int(text), prompt), {"seed": int(text)}
    except ValueError:
        pass
    path = Path(text)
    if not path.is_file():
        raise CLIError(f"{text}: neither a seed (a whole number) nor an image file")
    return _encode_file(family, path), {"image": str(path)}


def _encode_file(family, path: Path):
    from studio.engine import ENCODE, load_dataset
    if ENCODE not in family.capabilities:
        raise CLIError(f"the {family.name} family cannot encode images; use seeds")
    dataset = load_dataset(str(path), size=family.data.image_size, channels=family.data.channels)
    if len(dataset) == 0:
        raise CLIError(f"{path}: not a usable image")
    return family.encode(dataset.images[:1])[0]


def _write_interpolation(family, args, params, out: TextIO) -> int:
    import numpy as np
    from studio.engine import LATENT, interpolation_frames, make_grid, save_animation, save_png
    (za, from_a), (zb, from_b) = (_latent_of(family, t, args.prompt) for t in args.interpolate)
    mode = args.mode or ("slerp" if LATENT in family.capabilities else "lerp")
    steps = max(2, args.steps)
    images = [f.images[0] for f in interpolation_frames(family, za, zb, steps, mode)]
    params = params.updated(kind="interpolation", mode=mode, prompt=args.prompt or "", **{"from": from_a, "to": from_b})
    for i, image in enumerate(images):
        save_png(args.out / f"interpolation-{i:02d}.png", image, params.updated(t=i / (steps - 1), index=i))
    save_png(args.out / "interpolation.png", make_grid(np.stack(images), ncols=steps), params.updated(steps=steps))
    loop = images + images[-2:0:-1]
    for name in ("interpolation.gif", "interpolation.apng"):
        save_animation(args.out / name, loop, params.updated(fps=args.fps), fps=args.fps, scale=args.scale)
    out.write(f"wrote {steps} images, a strip (interpolation.png) and a loop (interpolation.gif, "
              f"interpolation.apng) to {args.out}\n")
    return 0


def _write_sweeps(family, args, params, out: TextIO) -> int:
    import re
    import numpy as np
    from studio.engine import make_grid, save_png, sweep_latents
    directions = _directions(family)
    chosen = directions if "all" in args.direction else [_find_direction(directions, n) for n in args.direction]
    start, source = None, {"start": "dataset mean"}
    if args.image is not None:
        start, source = _encode_file(family, args.image), {"image": str(args.image)}
    elif args.seed is not None:
        start, source = _latent_of(family, str(args.seed), args.prompt)
    for d in chosen:
        base = start if start is not None else (d.origin if d.origin is not None else np.zeros_like(d.vector))
        values, latents = sweep_latents(base, d, args.steps)
        images = family.decode(latents)
        slug = re.sub(r"[^a-z0-9]+", "-", d.name.split(" (")[0].lower()).strip("-") or "direction"
        info = params.updated(**source, kind="slider sweep", direction=d.name, direction_kind=d.kind,
                              low=d.low, high=d.high)
        for i, (value, image) in enumerate(zip(values, images)):
            save_png(args.out / f"{slug}-{i:02d}.png", image, info.updated(value=float(value), index=i))
        save_png(args.out / f"{slug}.png", make_grid(images, ncols=len(images)), info.updated(values=values.tolist()))
        out.write(f"{d.name}: {slug}.png ({d.low:.3g} to {d.high:.3g})\n")
    out.write(f"wrote {len(chosen)} sweep(s) of {args.steps} images to {args.out}\n")
    return 0


def _find_direction(directions: list, name: str):
    """A direction by its full name or its name before the parenthesis ('PC1', 'z3', 'smiling'), any case."""
    wanted = name.strip().lower()
    for d in directions:
        if wanted in (d.name.lower(), d.name.split(" (")[0].lower()):
            return d
    known = ", ".join(d.name.split(" (")[0] for d in directions[:30])
    raise CLIError(f"no latent direction named {name!r}; known: {known}")


def cmd_export(args, out: TextIO, err: TextIO) -> int:
    from studio.engine import export_run
    bar = ProgressLine(err, every=2.0)
    path = export_run(args.run, args.out, as_folder=args.folder, samples=max(0, args.samples), gallery=args.gallery,
                      progress=lambda done, total: bar.update("exporting", done / total, force=done >= total))
    bar.done()
    out.write(f"exported {args.run} to {path}\n")
    return 0


def cmd_import(args, out: TextIO) -> int:
    from studio.engine import import_run
    path = import_run(args.path, args.runs)
    out.write(f"imported {args.path} as {path}\n")
    return 0


def cmd_evaluate(args, out: TextIO, err: TextIO) -> int:
    """evaluate RUN (its samples) or evaluate DATA --images DIR; save <run>/evaluation.json for a run."""
    from studio.engine import Run, evaluate_images, evaluate_run, save_evaluation
    bar = ProgressLine(err, every=2.0)
    target = Path(args.target)
    options = dict(args.opt)
    if Run.is_run(target):
        run = Run.open(target)
        _warn_fallback(run, err)
        if options:
            from studio.engine import get_family
            options = _checked_options(run.family_name, get_family(run.family_name).sample_options(), options)
        checkpoint = _best_checkpoint(run, "evaluate its last one") if args.checkpoint == "best" else None
        dataset = None
        if args.data:
            dataset = _load_dataset(args.data, run.data_info.image_size, run.data_info.channels, err)
        result = _drive_evaluation(evaluate_run(target, n=args.n, seed=args.seed, dataset=dataset,
                                                checkpoint=checkpoint, feature_steps=args.feature_steps,
                                                options=options), bar)
        if options or checkpoint:   # the run's evaluation (the Compare step shows it): its last weights, defaults
            err.write(f"not saved as {target}'s evaluation: "
                      + ("drawn from the best checkpoint" if checkpoint else "")
                      + (" and " if options and checkpoint else "")
                      + ("drawn with sampling options other than the defaults" if options else "") + "\n")
        else:
            save_evaluation(target, result)
    else:
        if args.images is None:
            raise CLIError(f"{target} is not a run folder; to score images against it as a dataset, add --images DIR")
        if options or args.checkpoint == "best":
            raise CLIError("--opt and --checkpoint choose how a run's samples are drawn; they do not apply to --images")
        dataset = _load_dataset(args.target, 32, None, err)
        images = _load_dataset(str(args.images), dataset.images.shape[1], dataset.images.shape[3], err).images
        result = _drive_evaluation(evaluate_images(dataset, images, seed=args.seed, feature_steps=args.feature_steps), bar)
    if args.json:
        out.write(json.dumps(result.to_dict(), indent=1, default=str) + "\n")
    else:
        if args.checkpoint == "best" and result.run:
            out.write(f"the best checkpoint, step {result.step}\n")
        _print_evaluation(result, out)
    return 0


def _drive_showing(gen, bar: ProgressLine, show):
    """Run an engine generator to its end, each event passed to show(event); its return value."""
    while True:
        try:
            event = next(gen)
        except StopIteration as stop:
            bar.done()
            return stop.value
        show(event)


def _drive_evaluation(gen, bar: ProgressLine):
    from studio.engine import CompareProgress

    def show(event) -> None:
        if isinstance(event, CompareProgress):
            bar.message(f"evaluating {event.family} ({event.index + 1} of {event.total}): {event.run}")
            return
        done = getattr(event, "done", getattr(event, "step", 0))     # EvaluationProgress or FeatureTraining
        total = getattr(event, "total", None)
        stage = getattr(event, "stage", "training the feature network")
        bar.update(f"{stage} {done}/{total}" if total else str(stage), done / total if total else None)

    return _drive_showing(gen, bar, show)


def _print_evaluation(result, out: TextIO) -> None:
    from studio.engine import METRICS
    def cell(scores, key):
        value = scores.value(key)
        if key == "kid":                       # KID with its spread over subsets
            return f"{scores.kid:.4g} ± {scores.kid_std:.2g}"
        return "-" if value is None else f"{value:.3f}"

    if result.options:
        out.write("sampled with " + ", ".join(f"{k}={v}" for k, v in result.options.items()) + "\n")
    out.write(f"{'metric':<17} {'model':>16} {'floor':>16}  meaning\n")
    for info in METRICS:
        if result.model.value(info.key) is None:
            continue
        meaning = info.explain.split(" (")[0].rstrip(".")         # the first clause: a few words
        out.write(f"{info.name:<17} {cell(result.model, info.key):>16} {cell(result.floor, info.key):>16}  "
                  f"{meaning}\n")
    for p in result.prompts:
        floor = "-" if p.floor is None else f"{p.floor:.2f}"
        out.write(f"prompt {p.prompt!r}: adherence {p.adherence:.2f} (floor {floor}, n={p.n})\n")
    if result.bits_per_dim is not None:
        out.write(f"bits/dim: {result.bits_per_dim:.3f} ({result.bits_kind})\n")
    elif result.family:
        out.write(f"bits/dim: - ({result.family} gives no likelihood)\n")
    kids = ", ".join(f"{row.name} {row.kid:.3g}" for row in result.check.rows)
    out.write(f"degradation check: {'PASS' if result.check.passed else 'FAIL'} (KID must rise: {kids})\n")
    out.write(f"copies: {result.model.memorised:.1%} of samples sit nearer a training image than the copy threshold\n")
    for w in result.warnings:
        out.write(f"warning: {w}\n")


def cmd_compare(args, out: TextIO, err: TextIO) -> int:
    """compare RUN RUN ... (evaluate, then report) or compare DATA --families ... (train each, then the same)."""
    from studio.engine import Run, check_report_folder, compare_runs, write_report
    check_report_folder(args.out)                  # before any work: never write over a user's files
    dataset = None
    if args.families:
        if len(args.targets) != 1 or Run.is_run(Path(args.targets[0])):
            raise CLIError("--families trains on one dataset: give DATA (a folder or demo:NAME), not runs")
        if args.minutes is None:
            raise CLIError("--families needs --minutes, the training time of each family")
        dataset = _load_dataset(args.targets[0], args.size, None, err)
        runs = _train_families(dataset, args, err)
    else:
        runs = [Path(t) for t in args.targets]
        for run in runs:
            if not Run.is_run(run):
                raise CLIError(f"{run} is not a run folder; to train families on a dataset, add --families and "
                               "--minutes")
        for run in runs:
            _warn_fallback(Run.open(run), err)
        if args.data:
            info = Run.open(runs[0]).data_info
            dataset = _load_dataset(args.data, info.image_size, info.channels, err)
    comparison = _drive_evaluation(compare_runs(runs, n=args.n, seed=args.seed, dataset=dataset,
                                                feature_steps=args.feature_steps), ProgressLine(err, every=2.0))
    html_path, md_path = write_report(comparison, args.out)
    out.write(f"report: {html_path}\nmarkdown: {md_path}\n")
    return 0


def _train_families(dataset, args, err: TextIO) -> list[Path]:
    from studio.engine import FamilyTraining, events, train_families
    families = [name.strip() for name in args.families.split(",") if name.strip()]
    bar = ProgressLine(err)
    gen = train_families(dataset, families, minutes=args.minutes, out=args.out / "runs", seed=args.seed,
                         feature_steps=args.feature_steps, preset=args.preset)

    def show(event) -> None:
        if not isinstance(event, FamilyTraining):
            bar.update(f"training the feature network {getattr(event, 'step', '')}")
        elif isinstance(event.event, events.Started):
            bar.message(f"training {event.family} ({event.index + 1} of {event.total}) for {args.minutes:g} min "
                        f"in {event.run}")
        elif isinstance(event.event, events.Progress):
            bar.update(f"{event.family} ({event.index + 1}/{event.total}) step {event.event.step} | "
                       f"ETA {_duration(event.event.eta_seconds)}", event.event.fraction)
        elif isinstance(event.event, (events.Measured, events.TrainingWarning, events.Failed)):
            _show_event(event.event, bar, prefix=f"{event.family}: ")

    return _drive_showing(gen, bar, show)


# -- entry -----------------------------------------------------------------------
def _user_errors() -> tuple[type[BaseException], ...]:
    from studio.engine import user_errors
    return (CLIError, *user_errors())


def _log_crash() -> Path | None:
    try:
        from studio.paths import log_dir
        path = log_dir() / "genstudio-cli.log"
        path.parent.mkdir(parents=True, exist_ok=True)
        with open(path, "a", encoding="utf-8") as f:
            f.write(time.strftime("%Y-%m-%d %H:%M:%S ") + traceback.format_exc() + "\n")
        return path
    except OSError:
        return None


def main(argv: Sequence[str] | None = None, out: TextIO | None = None, err: TextIO | None = None) -> int:
    out, err = out or sys.stdout, err or sys.stderr
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help(out)
        return 0
    logging.basicConfig(level=logging.WARNING)
    try:
        if args.command == "families":
            return cmd_families(args, out)
        if args.command == "inspect":
            return cmd_inspect(args, out, err)
        if args.command == "train":
            return cmd_train(args, out, err)
        if args.command == "sample":
            return cmd_sample(args, out, err)
        if args.command == "latent":
            return cmd_latent(args, out, err)
        if args.command == "export":
            return cmd_export(args, out, err)
        if args.command == "import":
            return cmd_import(args, out)
        if args.command == "evaluate":
            return cmd_evaluate(args, out, err)
        if args.command == "compare":
            return cmd_compare(args, out, err)
    except KeyboardInterrupt:
        err.write("\ninterrupted\n")
        return EXIT_INTERRUPTED
    except Exception as error:  # noqa: BLE001 - the one place that turns errors into a line
        if isinstance(error, _user_errors()):
            err.write(f"genstudio: error: {error}\n")
            return EXIT_ERROR
        if isinstance(error, OSError) and error.errno in (errno.ENOSPC, errno.EDQUOT):   # not while saving a checkpoint
            where = f"{error.filename}: " if error.filename else ""
            err.write(f"genstudio: error: {where}{error.strerror or error}; free some space on that disk and "
                      "try again\n")
            return EXIT_ERROR
        log = _log_crash()
        err.write(f"genstudio: internal error: {type(error).__name__}: {error}"
                  + (f" (details in {log})" if log else "") + "\n")
        return EXIT_ERROR
    parser.error(f"unknown command {args.command}")
    return EXIT_ERROR
