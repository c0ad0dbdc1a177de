"""How good a model is on its own dataset: generated images scored against the held-out real images,
each figure beside its floor (real images scored the same way).

    reference = yield from prepare_reference(dataset, train_idx, heldout_idx)     # the feature network, once
    evaluation = yield from evaluate_run("runs/vae-1", n=500)           # a run: samples, scores, floor
    evaluation = yield from evaluate_images(dataset, images)            # any folder of images

The generators yield FeatureTraining (the feature network being trained) and EvaluationProgress
events; their return value is the result. The real side of every metric is the held-out split the
Trainer kept (training never saw it). The floor scores training images as if they were samples: it
reads what "as good as real" reads on this data with this many images.
"""
from __future__ import annotations

import dataclasses
import hashlib
import io
import json
import math
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Callable, Generator, Sequence

import numpy as np

from studio.engine.data import ImageDataset
from studio.engine.evaluation.check import DegradationCheck, degradation_check
from studio.engine.evaluation.features import LABELS, SELF_SUPERVISED, WORDS, FeatureNetwork, feature_network
from studio.engine.evaluation.features import VERSION as FEATURE_VERSION
from studio.engine.evaluation.metrics import diversity, kid, manifold_metrics, memorisation
from studio.engine.families.base import check_sample_options
from studio.engine.messages import EngineError, Message
from studio.engine.mirror import MirrorCheck, check_mirror, nearest_training_image
from studio.engine.text import words

MIN_IMAGES = 40              # below this the held-out split is too small to measure against
MIN_SAMPLES = 8
TRAIN_LIMIT = 2000           # training images whose features stand for the training set
SAMPLE_BATCH = 50            # images generated per family.sample call
LIKELIHOOD_IMAGES = 64       # held-out images the bits/dim is averaged over
STRIP = 8                    # sample / nearest training image pairs kept for the memorisation strip


class EvaluationError(EngineError):
    """An evaluation cannot be done as asked; str(e) says why and what to do."""


@dataclass(frozen=True)
class EvaluationProgress:
    """Where an evaluation stands: stage is a Message ("evaluation.stage.*"), done of total in it."""

    stage: Message
    done: int
    total: int


# -- the metrics, as the tables and the app name and explain them -----------------------------------------------------
@dataclass(frozen=True)
class MetricInfo:
    key: str
    name: str
    better: str              # "lower" | "higher" | "floor" (nearest the floor is best)
    explain: str             # one line a student follows (English; the app translates its own)


METRICS: tuple[MetricInfo, ...] = (
    MetricInfo("kid", "KID", "lower", "How far the generated images are from real ones as a whole "
               "(0: indistinguishable); ± is its spread over random subsets."),
    MetricInfo("precision", "Precision", "higher", "Share of generated images that look like some real image "
               "(low: many odd or broken images)."),
    MetricInfo("recall", "Recall", "higher", "Share of real images the model could have made something like "
               "(low: it covers only part of the data, e.g. a collapsed GAN)."),
    MetricInfo("density", "Density", "floor", "How tightly samples crowd into real neighbourhoods "
               "(about 1 when alike; above: it plays safe on typical images)."),
    MetricInfo("coverage", "Coverage", "higher", "Share of real images with a generated image close by."),
    MetricInfo("diversity", "Diversity", "floor", "Mean distance between two generated images in feature space "
               "(below the floor: the images look alike)."),
    MetricInfo("memorised", "Copies", "lower", "Share of samples closer to a training image than almost any "
               "real held-out image is (5% by construction for real images)."),
    MetricInfo("adherence", "Prompt adherence", "higher", "How often the judge network sees what the prompt "
               "asked for, over the prompted samples."),
    MetricInfo("mirrored", "Mirror images", "lower", "Share of samples nearer a mirror image of a training image "
               "than to any training image (measured where the data has a handedness, as digits and letters do; "
               "blurred or odd samples read above the floor too, so compare runs)."),
)


@dataclass(frozen=True)
class Scores:
    """Every metric of one set of images against the held-out images (None: not measurable here)."""

    n: int
    kid: float
    kid_std: float
    precision: float
    recall: float
    density: float
    coverage: float
    diversity: float
    memorised: float
    adherence: float | None = None
    mirrored: float | None = None        # where the training images have a handedness (studio.engine.mirror)

    def value(self, key: str) -> float | None:
        return getattr(self, key)


@dataclass(frozen=True)
class PromptScore:
    prompt: str
    n: int
    adherence: float         # the judge's accuracy on samples made with this prompt
    floor: float | None      # its accuracy on held-out images of this label / caption, when there are some


@dataclass(frozen=True)
class NearestPair:
    """A generated image and its nearest training image (for the memorisation strip)."""

    sample: int              # index into Evaluation.samples
    train: int               # index into the dataset
    distance: float
    ratio: float             # distance / the copy threshold: below 1 counts as a copy


@dataclass(frozen=True)
class Evaluation:
    """The result of evaluate_run / evaluate_images. `samples` stay in memory (not in to_dict)."""

    model: Scores
    floor: Scores
    prompts: tuple[PromptScore, ...]
    bits_per_dim: float | None
    bits_kind: str | None                      # "exact" | "bound" | None
    check: DegradationCheck
    feature_kind: str                           # labels | words | self-supervised
    nearest: tuple[NearestPair, ...]
    copy_threshold: float
    seed: int
    heldout: int
    train: int
    dataset: str
    fingerprint: str
    family: str | None = None
    run: str | None = None
    step: int | None = None
    seconds: dict[str, float] = field(default_factory=dict)
    warnings: tuple[Message, ...] = ()
    feature_version: int = 0                   # features.VERSION it was measured with (0: before it was kept)
    options: dict[str, Any] = field(default_factory=dict)     # sampling options given (the family's defaults if none)
    samples: np.ndarray | None = field(default=None, repr=False, compare=False)
    sample_prompts: tuple[str | None, ...] = field(default=(), repr=False, compare=False)

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d.pop("samples")
        d["sample_prompts"] = list(self.sample_prompts)
        d["warnings"] = [{"id": w.id, "args": {k: _plain_arg(v) for k, v in w.args.items()}, "text": str(w)}
                         for w in self.warnings]
        d["check"] = {"passed": self.check.passed, "rows": [asdict(r) for r in self.check.rows]}
        return d

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> "Evaluation":
        from studio.engine.evaluation.check import CheckRow

        values = dict(d)
        values["model"] = Scores(**values["model"])
        values["floor"] = Scores(**values["floor"])
        values["prompts"] = tuple(PromptScore(**p) for p in values.get("prompts", ()))
        values["nearest"] = tuple(NearestPair(**p) for p in values.get("nearest", ()))
        values["check"] = DegradationCheck(tuple(CheckRow(**r) for r in values["check"]["rows"]))
        values["sample_prompts"] = tuple(values.get("sample_prompts", ()))
        values["warnings"] = tuple(_message(w) for w in values.get("warnings", ()) if _message(w) is not None)
        return cls(**values)


def _plain_arg(value):
    return value if isinstance(value, (int, float, bool)) or value is None else str(value)


def _message(saved: dict) -> Message | None:
    try:
        return Message(saved["id"], **saved.get("args", {}))
    except (KeyError, ValueError, TypeError):
        return None


# -- the reference: what the real images read ---------------------------------------------------------------------
@dataclass
class Reference:
    """The feature network and the real images' features, computed once per dataset and split."""

    network: FeatureNetwork
    dataset: ImageDataset
    train_idx: np.ndarray
    heldout_idx: np.ndarray
    train_features: np.ndarray                 # of the training images at train_feature_idx
    train_feature_idx: np.ndarray              # dataset indices, at most TRAIN_LIMIT
    heldout_features: np.ndarray
    check: DegradationCheck
    mirror: MirrorCheck | None = None          # does the training data have a handedness?

    @property
    def prompt_kind(self) -> str:
        return self.network.kind

    def prompts_for(self, n: int, seed: int) -> list[str | None]:
        """n prompts in the training data's proportions: label names, or captions of training images."""
        if self.network.kind == SELF_SUPERVISED:
            return [None] * n
        rng = np.random.default_rng(seed + 104729)
        picks = rng.choice(self.train_idx, n, replace=len(self.train_idx) < n)
        if self.network.kind == LABELS:
            names = self.dataset.label_names
            out = [names[int(self.dataset.labels[i])] for i in picks]
        else:
            out = [self.dataset.captions[i] or None for i in picks]
        return out


def prepare_reference(dataset: ImageDataset, train_idx: np.ndarray, heldout_idx: np.ndarray, *, seed: int = 0,
            cache: Path | None = None, check: bool = True,
            feature_steps: int | None = None) -> Generator[Any, None, Reference]:
    """Train (or load) the feature network and measure the real images: FeatureTraining and
    EvaluationProgress events, then the Reference. feature_steps: None for the network's default."""
    if len(heldout_idx) < MIN_SAMPLES:
        raise EvaluationError("evaluation.too_few_images", path=dataset.report.root, count=len(dataset),
                              needed=MIN_IMAGES)
    network = yield from feature_network(dataset, np.asarray(train_idx), steps=feature_steps, seed=seed, cache=cache)
    yield EvaluationProgress(Message("evaluation.stage.reference"), 0, 1)
    rng = np.random.default_rng(seed)
    limit = np.sort(rng.choice(train_idx, min(TRAIN_LIMIT, len(train_idx)), replace=False))
    train_features = network.features(dataset.images[limit])
    heldout_features = network.features(dataset.images[heldout_idx])
    result = degradation_check(network, dataset.images[limit], dataset.images[heldout_idx], seed=seed) if check \
        else DegradationCheck(())
    mirror = check_mirror(dataset.images[limit], None if dataset.labels is None else dataset.labels[limit],
                          dataset.label_names)
    yield EvaluationProgress(Message("evaluation.stage.reference"), 1, 1)
    return Reference(network, dataset, np.asarray(train_idx), np.asarray(heldout_idx), train_features, limit,
                     heldout_features, result, mirror)


# -- scoring ------------------------------------------------------------------------------------------------------
def _adherence(reference: Reference, images: np.ndarray, prompts: Sequence[str | None]) -> np.ndarray | None:
    """Per image: 1/0 (labels) or the share of the prompt's known words the judge sees (words);
    NaN where an image has no prompt the judge can read. None when the judge has no verdicts."""
    network = reference.network
    if network.kind == SELF_SUPERVISED or not any(prompts):
        return None
    verdicts = network.judge(images)
    out = np.full(len(images), np.nan)
    if network.kind == LABELS:
        index = {name.lower(): i for i, name in enumerate(network.classes)}
        for row, prompt in enumerate(prompts):
            wanted = index.get((prompt or "").strip().lower())
            if wanted is not None:
                out[row] = float(verdicts[row] == wanted)
    else:
        index = {w: i for i, w in enumerate(network.classes)}
        for row, prompt in enumerate(prompts):
            known = [index[w] for w in set(words(prompt or "")) if w in index]
            if known:
                out[row] = float(np.mean([verdicts[row, i] for i in known]))
    return out


def _mirrored(reference: Reference, images: np.ndarray, prompts: Sequence[str | None]) -> np.ndarray | None:
    """Per image: 1/0, nearer a mirror image of a training image than to any training image; None where the data
    has no handedness. NaN for an image no nearer to a training image, plain or mirrored, than 19 in 20 held-out
    images are (a blur is as near to either: a coin's toss). In a labelled folder only the classes with a
    handedness count (a flipped '0' is a '0'): a label prompt's class, compared with that class's images alone,
    or, unprompted, the class of the nearest training image, plain or mirrored."""
    check = reference.mirror
    if check is None or not check.handed:
        return None
    ds = reference.dataset
    train_idx = reference.train_feature_idx
    train = ds.images[train_idx]
    held = ds.images[reference.heldout_idx]
    index = {name.lower(): i for i, name in enumerate(ds.label_names)}
    labels = np.array([index.get((p or "").strip().lower(), -1) for p in prompts], np.int64)
    by_prompt = ds.labels is not None and reference.network.kind == LABELS and bool((labels >= 0).any())
    if by_prompt:
        train_labels = ds.labels[train_idx]
        mirrored, nearest, distance = nearest_training_image(images, train, labels, train_labels)
        radius = np.quantile(nearest_training_image(held, train, ds.labels[reference.heldout_idx],
                                                    train_labels)[2], 0.95)
        classes = labels
    else:
        mirrored, nearest, distance = nearest_training_image(images, train)
        radius = np.quantile(nearest_training_image(held, train)[2], 0.95)
        classes = ds.labels[train_idx][np.maximum(nearest, 0)] if ds.labels is not None else None
    keep = distance <= radius
    if classes is not None and check.classes:
        keep &= np.isin(classes, [index[name.lower()] for name in check.classes if name.lower() in index])
    out = np.full(len(images), np.nan)
    if keep.sum() >= MIN_SAMPLES:                # a few near images would make a share of noise: not measured
        out[keep] = mirrored[keep]
    return out


def _mean_known(values: np.ndarray | None) -> float | None:
    if values is None or not np.isfinite(values).any():
        return None
    return float(np.nanmean(values))


def score_features(reference: Reference, features: np.ndarray, *, adherence: np.ndarray | None = None,
                   mirrored: np.ndarray | None = None, seed: int = 0, subsets: int = 50) -> tuple[Scores, Any]:
    """Every metric of (N, D) features against the held-out features; and the memorisation details."""
    real = reference.heldout_features
    kid_mean, kid_std = kid(real, features, subsets=subsets, subset_size=1000, seed=seed)
    manifold = manifold_metrics(real, features)
    memo = memorisation(features, reference.train_features, real)
    scores = Scores(len(features), kid_mean, kid_std, manifold.precision, manifold.recall, manifold.density,
                    manifold.coverage, diversity(features, seed=seed), memo.share, _mean_known(adherence),
                    _mean_known(mirrored))
    return scores, memo


def floor_scores(reference: Reference, n: int, *, seed: int = 0, subsets: int = 50, prompted: bool = True) -> Scores:
    """The metrics of up to n training images scored as samples; adherence and mirror images from held-out images
    (the judge never trained on them; mirror images with their labels where the samples were prompted);
    memorisation by its definition (held-out images against themselves)."""
    rng = np.random.default_rng(seed + 1)
    pick = rng.choice(len(reference.train_features), min(n, len(reference.train_features)), replace=False)
    real = reference.heldout_features
    kid_mean, kid_std = kid(real, reference.train_features[pick], subsets=subsets, subset_size=1000, seed=seed)
    manifold = manifold_metrics(real, reference.train_features[pick])
    # held-out images against the training set, the threshold from the other half of the held-out images
    half = len(real) // 2
    memo = memorisation(real[:half], reference.train_features, real[half:])
    held = reference.dataset.images[reference.heldout_idx]
    true_prompts = _true_prompts(reference, reference.heldout_idx)
    adherence = _adherence(reference, held, true_prompts)
    mirrored = _mirrored(reference, held, true_prompts if prompted else [None] * len(held))
    return Scores(len(pick), kid_mean, kid_std, manifold.precision, manifold.recall, manifold.density,
                  manifold.coverage, diversity(reference.train_features[pick], seed=seed), memo.share,
                  _mean_known(adherence), _mean_known(mirrored))


def _true_prompts(reference: Reference, idx: np.ndarray) -> list[str | None]:
    ds = reference.dataset
    if reference.network.kind == LABELS:
        return [ds.label_names[int(ds.labels[i])] for i in idx]
    if reference.network.kind == WORDS:
        return [ds.captions[i] or None for i in idx]
    return [None] * len(idx)


def _per_prompt(reference: Reference, prompts: Sequence[str | None], values: np.ndarray | None) -> tuple[PromptScore, ...]:
    if values is None:
        return ()
    held_prompts = _true_prompts(reference, reference.heldout_idx)
    held_values = _adherence(reference, reference.dataset.images[reference.heldout_idx], held_prompts)
    out = []
    for prompt in sorted({p for p in prompts if p}):
        mine = np.array([v for p, v in zip(prompts, values) if p == prompt])
        mine = mine[np.isfinite(mine)]
        if not len(mine):
            continue
        theirs = None if held_values is None else np.array([v for p, v in zip(held_prompts, held_values) if p == prompt])
        theirs = None if theirs is None or not len(theirs) or not np.isfinite(theirs).any() else float(np.nanmean(theirs))
        out.append(PromptScore(prompt, len(mine), float(mine.mean()), theirs))
    return tuple(out)


def _strip(reference: Reference, memo) -> tuple[NearestPair, ...]:
    order = np.argsort(memo.nearest_distance, kind="stable")[:STRIP]
    threshold = max(memo.threshold, 1e-12)
    return tuple(NearestPair(int(i), int(reference.train_feature_idx[memo.nearest_index[i]]),
                             float(memo.nearest_distance[i]), float(memo.nearest_distance[i] / threshold))
                 for i in order)


def score_images(reference: Reference, images: np.ndarray, prompts: Sequence[str | None] | None = None, *,
                 seed: int = 0, family=None) -> Evaluation:
    """An Evaluation of (N, H, W, C) uint8 images (prompts: what each was asked to show, or None)."""
    ds = reference.dataset
    if len(images) < MIN_SAMPLES:
        raise EvaluationError("evaluation.too_few_samples", needed=MIN_SAMPLES, count=len(images))
    prompts = list(prompts) if prompts is not None else [None] * len(images)
    started = time.perf_counter()
    features = reference.network.features(images)
    values = _adherence(reference, images, prompts)
    model, memo = score_features(reference, features, adherence=values, mirrored=_mirrored(reference, images, prompts),
                                 seed=seed)
    floor = floor_scores(reference, len(images), seed=seed, prompted=any(prompts))
    seconds = {"scoring": time.perf_counter() - started}
    bits, kind = None, None
    if family is not None and "likelihood" in family.capabilities:
        started = time.perf_counter()
        bits, kind = bits_per_dim(family, ds.images[reference.heldout_idx[:LIKELIHOOD_IMAGES]])
        seconds["likelihood"] = time.perf_counter() - started
    warnings = (Message("evaluation.few_heldout", count=len(reference.heldout_idx)),) \
        if len(reference.heldout_idx) < 50 else ()
    return Evaluation(model, floor, _per_prompt(reference, prompts, values), bits, kind, reference.check,
                      reference.network.kind, _strip(reference, memo), float(memo.threshold), seed,
                      len(reference.heldout_idx), len(reference.train_idx), ds.report.root, ds.fingerprint,
                      seconds=seconds, warnings=warnings, samples=images, sample_prompts=tuple(prompts),
                      feature_version=FEATURE_VERSION)


def bits_per_dim(family, images: np.ndarray) -> tuple[float | None, str | None]:
    """Mean bits/dim of real images under the family, and whether it is exact or an upper bound."""
    import torch

    with torch.inference_mode():
        values = np.concatenate([np.asarray(family.log_likelihood(images[i:i + 16]), np.float64)
                                 for i in range(0, len(images), 16)])
    mean = float(values.mean()) if len(values) else math.nan
    return (mean if math.isfinite(mean) else None), getattr(family, "likelihood_kind", "bound")


# -- generating ---------------------------------------------------------------------------------------------------
def generate(family, reference: Reference, n: int, *, seed: int = 0, cancel: Callable[[], bool] | None = None,
             batch: int = SAMPLE_BATCH, options: dict | None = None
             ) -> Generator[EvaluationProgress, None, tuple[np.ndarray, list]]:
    """n samples at fixed seeds (`batch` at a time); prompted in the data's proportions when the family takes
    prompts. options: the family's sampling options (its defaults where not given)."""
    import torch

    from studio.engine.families.base import PROMPT

    prompts = reference.prompts_for(n, seed) if PROMPT in family.capabilities else [None] * n
    order = sorted(range(n), key=lambda i: (prompts[i] or "", i))           # one sample() call per prompt group
    images: list[np.ndarray | None] = [None] * n
    stage = Message("evaluation.stage.sampling")
    yield EvaluationProgress(stage, 0, n)
    done, start = 0, 0
    with torch.inference_mode():
        while start < n:
            prompt = prompts[order[start]]
            stop = start
            while stop < n and stop - start < batch and prompts[order[stop]] == prompt:
                stop += 1
            last = None
            for frame in family.sample(stop - start, seed=seed * 100_003 + start, prompt=prompt, **(options or {})):
                last = frame
                if cancel is not None and cancel():
                    raise EvaluationError("evaluation.cancelled")
            for j, i in enumerate(order[start:stop]):
                images[i] = last.images[j]
            done += stop - start
            start = stop
            yield EvaluationProgress(stage, done, n)
    return np.stack(images), prompts


# -- a run, or a folder of images ------------------------------------------------------------------------------------
def run_dataset(run, dataset: ImageDataset | None = None, *, progress=None) -> tuple[ImageDataset, list[Message]]:
    """The dataset a run was trained on, loaded as it was (size, channels), and warnings about it."""
    from studio.engine.data import load_dataset

    info = run.data_info
    recorded = run.config.get("dataset", {})
    warnings: list[Message] = []
    if dataset is None:
        source = recorded.get("source")
        if not source or not Path(source).exists():
            raise EvaluationError("evaluation.dataset_gone", path=source or "?")
        dataset = load_dataset(_demo_source(source), size=info.image_size, channels=info.channels, progress=progress)
    if recorded.get("fingerprint") and recorded["fingerprint"] != dataset.fingerprint:
        warnings.append(Message("evaluation.other_data", path=dataset.report.root))
    return dataset, warnings


def _demo_source(source: str) -> str:
    """A demo set's folder (what a run records) as "demo:NAME": its fingerprint includes the demo's name."""
    from studio.engine.demo import DEMO_VERSION, DEMOS
    from studio.paths import demo_dir

    path = Path(source)
    for name in DEMOS:
        if path.name == f"{name}-v{DEMO_VERSION}" and path.parent.name == demo_dir().name:
            return f"demo:{name}"
    return source


def split_of(run, dataset: ImageDataset) -> tuple[np.ndarray, np.ndarray]:
    """The run's own train / held-out split (the one its Trainer kept)."""
    from studio.engine.training.config import TrainConfig
    from studio.engine.training.trainer import holdout_split

    cfg = TrainConfig.from_dict(run.config["train_config"])
    return holdout_split(len(dataset), cfg.holdout, cfg.seed)


def default_split(dataset: ImageDataset) -> tuple[np.ndarray, np.ndarray]:
    """The split a new run on this dataset keeps at the default settings."""
    from studio.engine.training.config import TrainConfig
    from studio.engine.training.trainer import holdout_split

    cfg = TrainConfig()
    return holdout_split(len(dataset), cfg.holdout, cfg.seed)


def evaluate_run(run_path: str | Path, *, n: int = 500, seed: int = 0, dataset: ImageDataset | None = None,
                 checkpoint: Path | None = None, cache: Path | None = None, reference: Reference | None = None,
                 cancel: Callable[[], bool] | None = None,
                 feature_steps: int | None = None, options: dict | None = None) -> Generator[Any, None, Evaluation]:
    """Sample n images from a run's checkpoint (EMA weights) and score them; with the floor and the check.
    options: the family's sampling options (its defaults where not given)."""
    from studio.engine.run import Run

    if n < MIN_SAMPLES:
        raise EvaluationError("evaluation.too_few_samples", needed=MIN_SAMPLES, count=n)
    run = Run.open(Path(run_path))
    timing: dict[str, float] = {}
    started = time.perf_counter()
    warnings: list[Message] = []
    if reference is None:
        dataset, warnings = run_dataset(run, dataset)
        train_idx, heldout_idx = split_of(run, dataset)
        if len(heldout_idx) < MIN_SAMPLES:
            raise EvaluationError("evaluation.too_few_images", path=dataset.report.root, count=len(dataset),
                                  needed=MIN_IMAGES)
        reference = yield from prepare_reference(dataset, train_idx, heldout_idx, seed=seed, cache=cache,
                                                 feature_steps=feature_steps)
    timing["reference"] = time.perf_counter() - started
    family, ckpt = run.load_family(checkpoint)
    options = check_sample_options(options or {}, family.sample_options())
    started = time.perf_counter()
    images, prompts = yield from generate(family, reference, n, seed=seed, cancel=cancel, options=options)
    timing["sampling"] = time.perf_counter() - started
    yield EvaluationProgress(Message("evaluation.stage.scoring"), 0, 1)
    result = score_images(reference, images, prompts, seed=seed, family=family)
    yield EvaluationProgress(Message("evaluation.stage.scoring"), 1, 1)
    return _with(result, family=run.family_name, run=str(run.path), step=int(ckpt.step),
                 seconds={**timing, **result.seconds}, warnings=tuple(warnings) + result.warnings,
                 options=dict(options or {}))


def evaluate_images(dataset: ImageDataset, images: np.ndarray, *, seed: int = 0, cache: Path | None = None,
                    prompts: Sequence[str | None] | None = None,
                    feature_steps: int | None = None) -> Generator[Any, None, Evaluation]:
    """Score any (N, H, W, C) uint8 images against a dataset's held-out images (the default split)."""
    if images.shape[1:] != dataset.images.shape[1:]:
        raise EvaluationError("evaluation.other_size", path=dataset.report.root, size=images.shape[1],
                              expected=dataset.images.shape[1])
    train_idx, heldout_idx = default_split(dataset)
    if len(heldout_idx) < MIN_SAMPLES:
        raise EvaluationError("evaluation.too_few_images", path=dataset.report.root, count=len(dataset),
                              needed=MIN_IMAGES)
    reference = yield from prepare_reference(dataset, train_idx, heldout_idx, seed=seed, cache=cache,
                                             feature_steps=feature_steps)
    yield EvaluationProgress(Message("evaluation.stage.scoring"), 0, 1)
    result = score_images(reference, images, prompts, seed=seed)
    yield EvaluationProgress(Message("evaluation.stage.scoring"), 1, 1)
    return result


def _with(result: Evaluation, **changes) -> Evaluation:
    import dataclasses

    return dataclasses.replace(result, **changes)


# -- saved beside the run -------------------------------------------------------------------------------------------
EVALUATION_FILE = "evaluation.json"
NEAREST_FILE = "evaluation-nearest.png"      # the memorisation strip's samples, side by side


def save_evaluation(run_path: str | Path, evaluation: Evaluation) -> Path:
    """Write the evaluation as <run>/evaluation.json, atomically, and the samples of its memorisation strip
    as <run>/evaluation-nearest.png (the JSON names the PNG's hash, so a stale PNG is never shown)."""
    from studio.engine.checkpoint import atomic_write_bytes, atomic_write_text

    folder = Path(run_path)
    record = evaluation.to_dict()
    if evaluation.samples is not None and evaluation.nearest:
        png = _png([evaluation.samples[p.sample] for p in evaluation.nearest])
        atomic_write_bytes(folder / NEAREST_FILE, png)
        record["nearest_png_sha256"] = hashlib.sha256(png).hexdigest()
    path = folder / EVALUATION_FILE
    atomic_write_text(path, json.dumps(record, indent=1, default=_plain) + "\n")
    return path


def load_evaluation(run_path: str | Path) -> Evaluation | None:
    """<run>/evaluation.json when there is a readable one, else None. Its samples are those of the memorisation
    strip when the PNG saved with it is there (`nearest[i].sample` is then i), else None."""
    folder = Path(run_path)
    try:
        record = json.loads((folder / EVALUATION_FILE).read_text(encoding="utf-8"))
        evaluation = Evaluation.from_dict({k: v for k, v in record.items() if k != "nearest_png_sha256"})
    except (OSError, ValueError, KeyError, TypeError):
        return None
    strip = _read_strip(folder / NEAREST_FILE, record.get("nearest_png_sha256"), len(evaluation.nearest))
    if strip is None:
        return evaluation
    nearest = tuple(dataclasses.replace(p, sample=i) for i, p in enumerate(evaluation.nearest))
    return dataclasses.replace(evaluation, samples=strip, nearest=nearest)


def _png(images: Sequence[np.ndarray]) -> bytes:
    from PIL import Image

    row = np.concatenate(list(images), axis=1)
    buffer = io.BytesIO()
    Image.fromarray(row[..., 0] if row.shape[2] == 1 else row).save(buffer, format="PNG")
    return buffer.getvalue()


def _read_strip(path: Path, sha256: str | None, count: int) -> np.ndarray | None:
    """The (count, H, W, C) images of a strip PNG whose bytes have the saved hash; None otherwise."""
    from PIL import Image, UnidentifiedImageError

    if not sha256 or not count:
        return None
    try:
        data = path.read_bytes()
        if hashlib.sha256(data).hexdigest() != sha256:
            return None
        row = np.asarray(Image.open(io.BytesIO(data)))
    except (OSError, UnidentifiedImageError, ValueError):
        return None
    row = row[..., None] if row.ndim == 2 else row
    if row.shape[1] % count:
        return None
    return np.stack(np.split(row, count, axis=1))


def _plain(value):
    if isinstance(value, np.generic):
        return value.item()
    raise TypeError(f"{type(value).__name__} is not JSON")
