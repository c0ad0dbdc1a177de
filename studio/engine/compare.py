"""Compare runs on one dataset: each run's Evaluation beside its cost and its quality over training time.

    folders = yield from train_families("demo:digits", ["vae", "gan"], minutes=3, out=Path("runs"))
    comparison = yield from compare_runs(folders, n=200)
    html, md = write_report(comparison, Path("report"))

compare_runs is a generator like evaluate_run: CompareProgress before each run, the evaluation's own events
between, a Comparison at the end. Runs with the same train / held-out split share one Reference.
train_families trains each family for the same wall-clock budget, one after another (FamilyTraining events).
write_report writes one self-contained HTML file and a Markdown twin whose pictures sit in images/.
"""
from __future__ import annotations

import base64
import html
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Generator, Sequence

import numpy as np

from studio.engine.evaluation.evaluate import (METRICS, Evaluation, EvaluationError, evaluate_run,
                                               prepare_reference, run_dataset, split_of)
from studio.engine.messages import Message, os_reason


@dataclass(frozen=True)
class CompareProgress:
    """Run `index` of `total` (from 0) is about to be evaluated."""

    index: int
    total: int
    run: str
    family: str


@dataclass(frozen=True)
class RunEntry:
    """One run in a comparison: its evaluation and what it cost."""

    run: str
    family: str
    step: int
    evaluation: Evaluation
    parameters: int
    train_seconds: float | None
    train_images_per_sec: float | None
    sample_images_per_sec: float | None
    curve: tuple[tuple[float, float], ...]     # (seconds trained, kid) from metrics.jsonl records with "kid"
    # (K, H, W, C) uint8: the training image nearest to each of evaluation.nearest, for the memorisation strip
    nearest_images: np.ndarray | None = field(default=None, repr=False, compare=False)


@dataclass(frozen=True)
class Comparison:
    """The runs of compare_runs, all scored against the same dataset."""

    entries: tuple[RunEntry, ...]
    dataset: str
    images: int
    heldout: int
    feature_kind: str


def _cost(records: list[dict[str, Any]]) -> tuple[float | None, float | None]:
    """Seconds trained and the mean training images/s, from the Trainer's "train" records."""
    train = [r for r in records if r.get("kind") == "train"]
    seconds = max((float(r["seconds"]) for r in train if "seconds" in r), default=None)
    rates = [float(r["images_per_sec"]) for r in train if r.get("images_per_sec")]
    return seconds, (sum(rates) / len(rates) if rates else None)


def _curve(records: list[dict[str, Any]]) -> tuple[tuple[float, float], ...]:
    """(seconds, kid) of every record that carries a kid, in training order; empty when none were logged."""
    return tuple((float(r.get("seconds", r.get("elapsed", 0.0))), float(r["kid"]))
                 for r in records if r.get("kid") is not None)


def compare_runs(runs: Sequence[str | Path], *, n: int = 200, seed: int = 0, dataset=None, cache: Path | None = None,
                 cancel: Callable[[], bool] | None = None,
                 feature_steps: int | None = None) -> Generator[Any, None, Comparison]:
    """Evaluate each run at the same seeds against one dataset; refuse runs trained on other data."""
    from studio.engine.run import Run

    if not runs:
        raise EvaluationError("compare.no_runs")
    opened = [Run.open(Path(r)) for r in runs]
    first = opened[0].config.get("dataset", {}).get("fingerprint")
    for run in opened[1:]:
        if run.config.get("dataset", {}).get("fingerprint") != first:
            raise EvaluationError("compare.other_dataset", path=str(run.path), first=str(opened[0].path))
    dataset, _ = run_dataset(opened[0], dataset)
    references: dict[tuple, Any] = {}
    entries = []
    for index, run in enumerate(opened):
        yield CompareProgress(index, len(opened), str(run.path), run.family_name)
        train_idx, heldout_idx = split_of(run, dataset)
        key = (tuple(train_idx.tolist()), tuple(heldout_idx.tolist()))
        if key not in references:       # one feature pass per distinct split
            references[key] = yield from prepare_reference(dataset, train_idx, heldout_idx, seed=seed, cache=cache,
                                                           feature_steps=feature_steps)
        evaluation = yield from evaluate_run(run.path, n=n, seed=seed, dataset=dataset, cache=cache,
                                             reference=references[key], cancel=cancel, feature_steps=feature_steps)
        entries.append(_entry(run, evaluation, n, dataset))
    last = entries[-1].evaluation
    return Comparison(entries=tuple(entries), dataset=dataset.report.root, images=len(dataset), heldout=last.heldout,
                      feature_kind=last.feature_kind)


def comparison_of(evaluated: Sequence[tuple[str | Path, Evaluation]], dataset) -> Comparison:
    """A Comparison of runs evaluated elsewhere (the app's Compare step), for write_report."""
    from studio.engine.run import Run

    if not evaluated:
        raise EvaluationError("compare.no_runs")
    entries = tuple(_entry(Run.open(Path(path)), evaluation, evaluation.model.n, dataset)
                    for path, evaluation in evaluated)
    last = entries[-1].evaluation
    return Comparison(entries=entries, dataset=dataset.report.root, images=len(dataset), heldout=last.heldout,
                      feature_kind=last.feature_kind)


def _entry(run, evaluation: Evaluation, n: int, dataset) -> RunEntry:
    records = run.read_metrics()
    seconds, rate = _cost(records)
    family, _ = run.load_family()
    sampling = evaluation.seconds.get("sampling")
    nearest = [dataset.images[p.train] for p in evaluation.nearest if 0 <= p.train < len(dataset)]
    return RunEntry(run=str(run.path), family=run.family_name, step=evaluation.step or 0, evaluation=evaluation,
                    parameters=family.parameter_count(), train_seconds=seconds, train_images_per_sec=rate,
                    sample_images_per_sec=(n / sampling if sampling else None), curve=_curve(records),
                    nearest_images=np.stack(nearest) if nearest else None)


# -- training each family for the same budget -------------------------------------------------------------------
@dataclass(frozen=True)
class FamilyTraining:
    """A Trainer event of family `index` of `total` (from 0), training into `run`."""

    index: int
    total: int
    family: str
    event: Any
    run: str = ""


def train_families(source_or_dataset, families: Sequence[str], *, minutes: float, out: str | Path, size: int = 32,
                   seed: int = 0, cancel: Callable[[], bool] | None = None, cache: Path | None = None,
                   feature_steps: int | None = None, preset: str | None = None,
                   device: str = "auto") -> Generator[Any, None, list[Path]]:
    """Train each family for `minutes` of wall clock on the same data, one after another, each a run folder
    out/<family> (or out/<family>-2, ... when taken), at the model preset given or else the one the plan picks.
    The feature network is trained first, so that comparing afterwards finds it cached. Returns the run folders
    trained, the one cancelled included."""
    from studio.engine.data import load_dataset
    from studio.engine.evaluation.features import feature_network
    from studio.engine.families import get_family
    from studio.engine.training import Trainer
    from studio.engine.training.plan import DataFacts, plan_training
    from studio.engine.training.trainer import holdout_split

    if not families:
        raise EvaluationError("compare.no_families")
    classes = [get_family(name) for name in families]          # an unknown name fails before any work
    dataset = load_dataset(source_or_dataset, size=size) if isinstance(source_or_dataset, (str, Path)) \
        else source_or_dataset
    facts = DataFacts.of(dataset)
    plans = [plan_training(name, facts, device=device, given={"minutes": minutes, "model_preset": preset,
                                                               "image_size": dataset.images.shape[1]})
             for name in families]
    configs = [plan.train_config(seed=seed) for plan in plans]
    train_idx, _ = holdout_split(len(dataset), configs[0].holdout, configs[0].seed)
    # the feature network is all of the reference that is cached; a set too small to measure still trains
    yield from feature_network(dataset, train_idx, steps=feature_steps, seed=seed, cache=cache)
    folders: list[Path] = []
    for index, (name, cls, plan, config) in enumerate(zip(families, classes, plans, configs)):
        folder = _free_folder(Path(out) / name)
        trainer = Trainer(dataset, folder, family=name, family_config=cls.Config.from_preset(plan.model_preset),
                          config=config, evaluation_cache=cache, feature_steps=feature_steps)
        folders.append(folder)
        events = trainer.run()
        try:
            for event in events:
                if cancel is not None and cancel():
                    trainer.request_stop()      # it saves at the next step and its generator ends
                yield FamilyTraining(index, len(families), name, event, str(folder))
        finally:
            events.close()                      # closed from outside (GeneratorExit): the Trainer saves first
        if cancel is not None and cancel():
            break
    return folders


def _free_folder(path: Path) -> Path:
    candidate, n = path, 2
    while candidate.exists():
        candidate = path.with_name(f"{path.name}-{n}")
        n += 1
    return candidate


# -- the report -------------------------------------------------------------------------------------------------
REPORT_HTML, REPORT_MD, REPORT_IMAGES = "report.html", "report.md", "images"
GRID = 32                  # samples per run's grid, the same seeds (and prompts) for every run
GRID_COLUMNS = 8
PICTURE_MIN = 48           # cells are enlarged (nearest neighbour) to at least this many pixels

FAMILY_NOTES = {
    "vae": "A VAE learns to reconstruct under a pixel-wise Gaussian loss, so where it is unsure it draws the "
           "average of the images it could be: blurry samples; its bits/dim is a bound (the ELBO).",
    "gan": "A GAN only has to fool its discriminator, so its images are sharp, but it may collapse onto a few "
           "kinds of image: then recall and coverage fall while precision stays high.",
    "vaegan": "A VAE with a discriminator on its output: the adversarial loss sharpens the VAE's averaged images, "
              "at some cost in stability.",
    "flow": "A flow is an invertible network, so its bits/dim is exact; keeping every layer invertible limits what "
            "it can draw, and its samples are usually the weakest at this size.",
    "flowgan": "A Flow-GAN is a flow also trained to fool a discriminator: its bits/dim is computed as the flow's, "
               "and the adversarial loss trades some of it for samples that look more like the data.",
    "diffusion": "Diffusion removes noise step by step: strong samples, but slow to sample (a network call per "
                 "step); its bits/dim is a bound.",
    "autoregressive": "An autoregressive model predicts each pixel from the ones before it: exact likelihood, but "
                      "sampling is slow, one pixel after another, row by row.",
    "igpt": "Image GPT writes palette colours one pixel at a time with a transformer that sees every pixel before "
            "it: exact likelihood (bits/dim over the 256 levels, the palette's rounding included), but slow to "
            "train and to sample on a CPU, so short runs show stripes and fragments.",
    "ldm": "Latent diffusion first trains an autoencoder, then a diffusion model in its small latent grid: far "
           "cheaper steps than pixel diffusion at 32-64 px, but every sample is only as sharp as the autoencoder's "
           "reconstructions, and a short run spends part of its time on stage 1.",
    "vqvae": "A VQ-VAE turns images into a grid of discrete codes and a prior learns which codes go together; "
             "with few images the prior can learn whole code grids by heart (watch the copies column).",
    "ddgan": "A denoising diffusion GAN undoes the noise in only a few big steps (4 by default), each learnt "
             "adversarially, so it samples several times faster than diffusion's 20 steps; but it trains like a GAN "
             "(it can be unstable) and has no bits/dim.",
}


@dataclass(frozen=True)
class Picture:
    """A PNG the report shows: embedded in the HTML, a file under images/ for the Markdown."""

    name: str
    png: bytes
    alt: str


@dataclass(frozen=True)
class Table:
    header: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]


@dataclass(frozen=True)
class Figures:
    """Pictures side by side, each with a caption."""

    items: tuple[tuple[Picture, str], ...]


@dataclass(frozen=True)
class Chart:
    name: str
    svg: str


# A block of the report: ("h2" | "h3" | "p", text), a Table, Figures or a Chart.
Block = Any


def write_report(comparison: Comparison, out_dir: str | Path) -> tuple[Path, Path]:
    """Write report.html (self-contained: pictures as data URIs, inline CSS) and report.md (pictures in
    images/) into out_dir, each atomically. A folder whose images/ holds a file the report would replace,
    and no earlier report, is refused. Returns (html_path, md_path)."""
    from studio.engine.checkpoint import atomic_write_bytes, atomic_write_text

    out = Path(out_dir)
    blocks = _report_blocks(comparison)
    pictures = [p for b in blocks if isinstance(b, Figures) for p, _ in b.items]
    charts = [b for b in blocks if isinstance(b, Chart)]
    earlier = (out / REPORT_HTML).exists() or (out / REPORT_MD).exists()
    for name in [p.name for p in pictures] + [c.name for c in charts]:
        if not earlier and (out / REPORT_IMAGES / name).exists():
            raise EvaluationError("compare.not_written", path=str(out),
                                  reason=Message("compare.not_ours", name=f"{REPORT_IMAGES}/{name}"))
    title = f"genstudio comparison: {Path(comparison.dataset).name or comparison.dataset}"
    try:
        for picture in pictures:
            atomic_write_bytes(out / REPORT_IMAGES / picture.name, picture.png)
        for chart in charts:
            atomic_write_text(out / REPORT_IMAGES / chart.name, chart.svg)
        atomic_write_text(out / REPORT_MD, _markdown(title, blocks))
        atomic_write_text(out / REPORT_HTML, _html(title, blocks))
    except OSError as error:
        raise EvaluationError("compare.not_written", path=str(out), reason=os_reason(error)) from None
    return out / REPORT_HTML, out / REPORT_MD


def check_report_folder(out_dir: str | Path) -> None:
    """Refuse a folder that holds anything but an earlier report (and the runs a comparison trained there)."""
    from studio.engine.run import Run

    out = Path(out_dir)
    if not out.exists():
        return
    if not out.is_dir():
        raise EvaluationError("compare.folder_in_use", path=str(out), name=out.name)
    for child in sorted(out.iterdir()):
        ours = child.name in (REPORT_HTML, REPORT_MD) and child.is_file()
        if child.name == REPORT_IMAGES and child.is_dir():
            ours = all(p.is_file() and p.suffix in (".png", ".svg") for p in child.iterdir())
        if child.name == "runs" and child.is_dir():
            ours = all(Run.is_run(p) for p in child.iterdir())
        if not ours:
            raise EvaluationError("compare.folder_in_use", path=str(out), name=child.name)


def _labels(comparison: Comparison) -> list[str]:
    """A short unique name per run: its family, with the folder name where that differs."""
    out = []
    for entry in comparison.entries:
        folder = Path(entry.run).name
        out.append(entry.family if folder == entry.family else f"{entry.family} ({folder})")
    return out


def _report_blocks(comparison: Comparison) -> list[Block]:
    labels = _labels(comparison)
    entries = comparison.entries
    blocks: list[Block] = [("p", f"Dataset: {comparison.dataset} — {comparison.images:,} images, "
                                 f"{comparison.heldout:,} held out (never trained on) and scored against; "
                                 f"feature network: {comparison.feature_kind}, trained on the training split.")]
    blocks += [("h2", "Samples at the same seeds")] + _grids(entries, labels)
    blocks += [("h2", "Scores"), ("p", "Each run's samples against the held-out images; the floor row scores real "
                                       "training images the same way, which is what \"as good as real\" reads "
                                       "here. ★ marks the best run for each metric."),
               _metrics_table(entries, labels), _metrics_legend()]
    blocks += _prompt_section(entries, labels)
    blocks += [("h2", "Quality against training time")] + _quality_section(entries, labels)
    blocks += [("h2", "Cost"), _cost_table(entries, labels)]
    blocks += [("h2", "Nearest training images"),
               ("p", "Each sample beside the training image nearest to it (in the feature network's space), with "
                     "the distance as a share of the copy threshold: below 1 it is nearer than almost any real "
                     "held-out image is, a likely copy.")] + _strips(entries, labels)
    blocks += [("h2", "Does the feature network see quality?")] + _check_section(entries)
    blocks += [("h2", "What the families do")] + _family_notes(entries)
    warnings = [f"{label}: {w}" for label, e in zip(labels, entries) for w in e.evaluation.warnings]
    if warnings:
        blocks += [("h2", "Warnings")] + [("p", w) for w in warnings]
    return blocks


def _picture(name: str, image: np.ndarray, alt: str, cell: int) -> Picture:
    from studio.engine.export import png_bytes

    factor = max(1, math.ceil(PICTURE_MIN / max(1, cell)))
    return Picture(name, png_bytes(image.repeat(factor, axis=0).repeat(factor, axis=1)), alt)


def _slug(text: str) -> str:
    return "".join(c if c.isalnum() else "-" for c in text.lower()).strip("-") or "run"


def _grids(entries, labels) -> list[Block]:
    from studio.engine.export import make_grid

    out: list[Block] = []
    for i, (entry, label) in enumerate(zip(entries, labels)):
        samples = entry.evaluation.samples
        if samples is None or not len(samples):
            out.append(("p", f"{label}: no samples in memory (a saved evaluation)."))
            continue
        shown = samples[:GRID]
        grid = make_grid(shown, ncols=GRID_COLUMNS)
        caption = f"{label}: step {entry.step:,}, {len(shown)} samples, seeds from {entry.evaluation.seed}"
        prompts = [p for p in entry.evaluation.sample_prompts[:len(shown)]]
        if any(prompts):
            caption += "; prompts row by row: " + ", ".join(p or "—" for p in prompts)
        out.append(Figures(((_picture(f"{i + 1}-{_slug(label)}-samples.png", grid, f"samples of {label}",
                                      shown.shape[1]), caption),)))
    return out


def _number(value: float | None, digits: int = 3) -> str:
    if value is None or not math.isfinite(value):
        return "—"
    return f"{value:.{digits}f}"


def _best(values: list[float | None], better: str, floor: float | None) -> set[int]:
    """Indices of the best value (lower, higher, or nearest the floor), ties included; none when every run
    reads the same or fewer than two can be compared."""
    known = [(i, v) for i, v in enumerate(values) if v is not None and math.isfinite(v)]
    if len(known) < 2 or (better == "floor" and floor is None):
        return set()
    badness = {"lower": lambda v: v, "higher": lambda v: -v}.get(better, lambda v: abs(v - floor))
    scored = [(i, badness(v)) for i, v in known]
    best = min(b for _, b in scored)
    winners = {i for i, b in scored if b == best}
    return set() if len(winners) == len(scored) else winners


def _metric_cell(scores, key: str) -> str:
    if key == "kid":
        return f"{scores.kid:.4f} ± {scores.kid_std:.4f}"
    return _number(scores.value(key))


def _metrics_table(entries, labels) -> Table:
    metrics = [m for m in METRICS if any(e.evaluation.model.value(m.key) is not None for e in entries)]
    rows = []
    for entry, label in zip(entries, labels):
        rows.append([label] + [_metric_cell(entry.evaluation.model, m.key) for m in metrics] +
                    [_bits(entry.evaluation)])
    floor = entries[0].evaluation.floor
    for col, m in enumerate(metrics, start=1):
        for best in _best([e.evaluation.model.value(m.key) for e in entries], m.better, floor.value(m.key)):
            rows[best][col] += " ★"
    floors = {e.evaluation.floor for e in entries}
    for entry, label in (zip(entries, labels) if len(floors) > 1 else [(entries[0], "")]):
        name = f"floor: real images{f' ({label})' if label else ''}"
        rows.append([name] + [_metric_cell(entry.evaluation.floor, m.key) for m in metrics] + ["—"])
    header = ("run",) + tuple(m.name for m in metrics) + ("bits/dim",)
    return Table(header, tuple(tuple(r) for r in rows))


def _bits(evaluation: Evaluation) -> str:
    if evaluation.bits_per_dim is None:
        return "—"
    return f"{evaluation.bits_per_dim:.3f} ({evaluation.bits_kind or 'bound'})"


def _metrics_legend() -> Table:
    words = {"lower": "lower", "higher": "higher", "floor": "nearest the floor"}
    rows = [(m.name, words.get(m.better, m.better), m.explain) for m in METRICS]
    rows.append(("bits/dim", "lower", "Bits per pixel value the model needs to encode held-out images "
                 "(8 is a uniform guess); exact for flows and autoregressive models, an upper bound otherwise."))
    return Table(("metric", "better", "what it means"), tuple(rows))


def _prompt_section(entries, labels) -> list[Block]:
    prompts = sorted({p.prompt for e in entries for p in e.evaluation.prompts})
    if not prompts:
        return []
    rows = []
    for prompt in prompts:
        found = [{p.prompt: p for p in e.evaluation.prompts}.get(prompt) for e in entries]
        floor = next((p.floor for p in found if p is not None and p.floor is not None), None)
        rows.append((prompt,) + tuple("—" if p is None else f"{p.adherence:.2f} (n={p.n})" for p in found)
                    + (_number(floor, 2),))
    return [("h2", "Prompt adherence"),
            ("p", "How often the judge network sees what each prompt asked for; the floor is its accuracy on "
                  "held-out real images of that prompt."),
            Table(("prompt",) + tuple(labels) + ("floor",), tuple(rows))]


def _quality_section(entries, labels) -> list[Block]:
    if not any(e.curve for e in entries):
        return [("p", "No quality measurements were recorded during training (metrics.jsonl holds no KID), so "
                      "there is no curve to show.")]
    return [Chart("quality.svg", _svg_chart(entries, labels)),
            ("p", "KID of a small fixed-seed sample, measured during training, against seconds trained "
                  "(lower is better).")]


COLOURS = ("#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#8c564b", "#e377c2", "#17becf")


def _svg_chart(entries, labels, width: int = 640, height: int = 300) -> str:
    """A line chart of kid against seconds trained, one line per run (plain SVG, no script)."""
    left, right, top, bottom = 60, 150, 16, 40
    points = [p for e in entries for p in e.curve]
    x_max = max(p[0] for p in points) or 1.0
    y_max = max(max(p[1] for p in points), 1e-6)
    x = lambda s: left + (width - left - right) * s / x_max
    y = lambda k: top + (height - top - bottom) * (1 - max(k, 0.0) / y_max)
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
             f'viewBox="0 0 {width} {height}" font-family="sans-serif" font-size="11">',
             f'<rect width="{width}" height="{height}" fill="#ffffff"/>',
             f'<line x1="{left}" y1="{y(0):.1f}" x2="{width - right}" y2="{y(0):.1f}" stroke="#555"/>',
             f'<line x1="{left}" y1="{top}" x2="{left}" y2="{y(0):.1f}" stroke="#555"/>']
    for frac in (0.0, 0.5, 1.0):
        parts.append(f'<text x="{x(frac * x_max):.1f}" y="{height - bottom + 15}" text-anchor="middle">'
                     f'{frac * x_max:.0f}</text>')
        parts.append(f'<text x="{left - 5}" y="{y(frac * y_max) + 4:.1f}" text-anchor="end">'
                     f'{frac * y_max:.3g}</text>')
    parts.append(f'<text x="{(left + width - right) / 2}" y="{height - 6}" text-anchor="middle">'
                 f'seconds trained</text>')
    parts.append(f'<text x="14" y="{top + 10}" text-anchor="start">KID</text>')
    for i, (entry, label) in enumerate(zip(entries, labels)):
        colour = COLOURS[i % len(COLOURS)]
        if entry.curve:
            path = " ".join(f"{x(s):.1f},{y(k):.1f}" for s, k in entry.curve)
            parts.append(f'<polyline fill="none" stroke="{colour}" stroke-width="2" points="{path}"/>')
            parts += [f'<circle cx="{x(s):.1f}" cy="{y(k):.1f}" r="2.5" fill="{colour}"/>' for s, k in entry.curve]
        parts.append(f'<rect x="{width - right + 10}" y="{top + 16 * i}" width="10" height="10" fill="{colour}"/>')
        note = "" if entry.curve else " (none recorded)"
        parts.append(f'<text x="{width - right + 25}" y="{top + 16 * i + 9}">{html.escape(label + note)}</text>')
    parts.append("</svg>")
    return "\n".join(parts) + "\n"


def _rate(value: float | None) -> str:
    return "—" if value is None else f"{value:,.1f}"


def _cost_table(entries, labels) -> Table:
    rows = tuple((label, f"{e.parameters:,}", f"{e.step:,}",
                  "—" if e.train_seconds is None else f"{e.train_seconds:,.{0 if e.train_seconds >= 10 else 1}f}",
                  _rate(e.train_images_per_sec), _rate(e.sample_images_per_sec))
                 for e, label in zip(entries, labels))
    return Table(("run", "parameters", "steps", "seconds trained", "training images/s", "sampling images/s"), rows)


def _strips(entries, labels) -> list[Block]:
    out: list[Block] = []
    for i, (entry, label) in enumerate(zip(entries, labels)):
        ev = entry.evaluation
        if ev.samples is None or entry.nearest_images is None or not ev.nearest:
            out.append(("p", f"{label}: no nearest-neighbour pairs to show."))
            continue
        items = []
        copies = sum(p.ratio < 1 for p in ev.nearest)
        for k, (pair, train) in enumerate(zip(ev.nearest, entry.nearest_images)):
            sample = ev.samples[pair.sample]
            gap = np.full((sample.shape[0], 2, sample.shape[2]), 255, np.uint8)
            image = np.concatenate([sample, gap, train], axis=1)        # sample | nearest training image
            caption = f"ratio {pair.ratio:.2f}" + (" — likely copy" if pair.ratio < 1 else "")
            items.append((_picture(f"{i + 1}-{_slug(label)}-nearest-{k + 1}.png", image,
                                   f"sample {pair.sample} of {label} beside training image {pair.train}",
                                   sample.shape[0]), caption))
        out.append(("h3", f"{label}: {copies} of the {len(items)} closest samples are likely copies; "
                          f"{ev.model.memorised:.0%} of all samples (the floor reads {ev.floor.memorised:.0%})"))
        out.append(Figures(tuple(items)))
    return out


def _check_section(entries) -> list[Block]:
    check = entries[0].evaluation.check
    if not check.rows:
        return [("p", "The degradation check was not run.")]
    verdict = "PASS" if check.passed else "FAIL"
    rows = tuple((row.name, f"{row.kid:.4f} ± {row.kid_std:.4f}", _number(row.precision), _number(row.recall))
                 for row in check.rows)
    return [("p", f"{verdict}: KID of held-out real images, then ever more damaged copies of them, against the "
                  "training images; it must rise at every step for the figures above to mean something."),
            Table(("set", "KID", "precision", "recall"), rows)]


def _family_notes(entries) -> list[Block]:
    seen = list(dict.fromkeys(e.family for e in entries))
    return [("p", f"{family}: {FAMILY_NOTES.get(family, 'no note for this family.')}") for family in seen]


# -- the two renderings -----------------------------------------------------------------------------------------
CSS = """
body { font-family: system-ui, -apple-system, "Segoe UI", sans-serif; color: #1d1d1f; background: #fbfbfb;
       max-width: 1100px; margin: 2em auto; padding: 0 1em; line-height: 1.45; }
h1 { font-size: 1.6em; } h2 { margin-top: 1.8em; border-bottom: 1px solid #ddd; padding-bottom: .2em; }
h3 { font-size: 1em; margin-bottom: .4em; }
table { border-collapse: collapse; margin: .6em 0; font-size: .92em; }
th, td { border: 1px solid #d6d6d6; padding: .3em .6em; text-align: left; vertical-align: top; }
th { background: #efefef; } tr:nth-child(even) td { background: #f6f6f6; }
figure { display: inline-block; margin: .3em .6em .6em 0; vertical-align: top; }
figcaption { font-size: .85em; color: #444; max-width: 60em; }
img { image-rendering: pixelated; border: 1px solid #ccc; background: #fff; }
"""


def _html(title: str, blocks: list[Block]) -> str:
    parts = ["<!DOCTYPE html>", '<html lang="en"><head><meta charset="utf-8">',
             f"<title>{html.escape(title)}</title>", f"<style>{CSS}</style></head><body>",
             f"<h1>{html.escape(title)}</h1>"]
    for block in blocks:
        parts.append(_html_block(block))
    parts.append("</body></html>")
    return "\n".join(parts) + "\n"


def _html_block(block: Block) -> str:
    if isinstance(block, tuple):
        tag, text = block
        return f"<{tag}>{html.escape(text)}</{tag}>"
    if isinstance(block, Table):
        head = "".join(f"<th>{html.escape(h)}</th>" for h in block.header)
        body = "".join("<tr>" + "".join(f"<td>{html.escape(c)}</td>" for c in row) + "</tr>" for row in block.rows)
        return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"
    if isinstance(block, Figures):
        return "<div>" + "".join(
            f'<figure><img src="data:image/png;base64,{base64.b64encode(p.png).decode("ascii")}" '
            f'alt="{html.escape(p.alt)}"><figcaption>{html.escape(caption)}</figcaption></figure>'
            for p, caption in block.items) + "</div>"
    return f"<figure>{block.svg}</figure>"          # a Chart: our own SVG, labels escaped when drawn


def _markdown(title: str, blocks: list[Block]) -> str:
    parts = [f"# {_md_text(title)}"]
    for block in blocks:
        parts.append(_markdown_block(block))
    return "\n\n".join(parts) + "\n"


def _md_text(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def _markdown_block(block: Block) -> str:
    if isinstance(block, tuple):
        tag, text = block
        prefix = {"h2": "## ", "h3": "### "}.get(tag, "")
        return prefix + _md_text(text)
    if isinstance(block, Table):
        lines = ["| " + " | ".join(_md_text(h) for h in block.header) + " |",
                 "|" + "---|" * len(block.header)]
        lines += ["| " + " | ".join(_md_text(c) for c in row) + " |" for row in block.rows]
        return "\n".join(lines)
    if isinstance(block, Figures):
        return "\n\n".join(f"![{_md_text(p.alt)}]({REPORT_IMAGES}/{p.name})  \n{_md_text(caption)}"
                           for p, caption in block.items)
    return f"![KID against seconds trained]({REPORT_IMAGES}/{block.name})"
