"""The feature network the metrics look through, trained on the dataset's own training images.

Nothing is downloaded: an Inception network trained on ImageNet says little about a folder of
pixel-art symbols anyway. What the data offers decides what the network learns:

- class folders    → a small CNN classifier of the labels (its judge also scores label prompts)
- caption words    → the same CNN predicting which caption words an image has (multi-label)
- neither          → the same CNN trained self-supervised (SimCLR, Chen et al. 2020, arXiv 2002.05709):
                     two augmented views of an image should embed alike, other images apart

Its features are the pooled vector before the head. No mirror flips in any augmentation: a digit's
or a glyph's mirror image is another symbol. Trained once per dataset fingerprint, image size and
split, then cached (safetensors + JSON) in the cache folder.

    for event in feature_network(dataset, train_idx): ...      # FeatureTraining events, then the result
"""
from __future__ import annotations

import hashlib
import json
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Generator, Sequence

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from studio.engine.data import ImageDataset
from studio.engine.text import words

VERSION = 5                      # bump when the network or its training changes: cached ones retrain
LABELS, WORDS, SELF_SUPERVISED = "labels", "words", "self-supervised"
MAX_WORDS = 128                  # caption words the judge predicts (the most frequent ones)
FEATURE_DIM = 128
STRUCTURE_DIM = 6
# The structure values hardly vary between real images of one set, so standardising by their spread alone would
# make any blur look like another data set. One unit: a quarter of a log energy (a factor of 1.28), 0.05 of the ratio.
STRUCTURE_UNIT = np.array([0.25, 0.25, 0.05] * 2)
STRUCTURE_WEIGHT = 3.0      # 1 and 2 left heavy blur above shuffled pixels on digits and glyphs at 16 px: RESULTS.md
ENERGY_FLOOR = 1e-3          # differences' energy below ~4 grey levels reads as flat: a blank sample is far from
                             # real strokes, not thousands of spreads away (a floor of 1e-6 made one run's KID 2083)


@dataclass(frozen=True)
class FeatureTraining:
    """The feature network is being trained (cached afterwards): where it stands."""

    step: int
    total: int
    loss: float
    kind: str


# -- the network ------------------------------------------------------------------------------------------------
class FeatureNet(nn.Module):
    """A small CNN: stem, stride-2 stages down to 4×4, global average pool, a linear feature layer, a head."""

    def __init__(self, channels: int, image_size: int, outputs: int, width: int = 16, dim: int = FEATURE_DIM):
        super().__init__()
        layers: list[nn.Module] = [nn.Conv2d(channels, width, 3, padding=1), nn.SiLU()]
        size, c = image_size, width
        while size > 4:
            out = min(c * 2, 128)
            layers += [nn.Conv2d(c, out, 3, stride=2, padding=1), nn.GroupNorm(8, out), nn.SiLU(),
                       nn.Conv2d(out, out, 3, padding=1), nn.GroupNorm(8, out), nn.SiLU()]
            size, c = (size + 1) // 2, out
        self.body = nn.Sequential(*layers)
        self.feature = nn.Linear(c, dim)
        self.head = nn.Sequential(nn.SiLU(), nn.Linear(dim, outputs))

    def features(self, x: torch.Tensor) -> torch.Tensor:
        return self.feature(self.body(x).mean(dim=(2, 3)))               # (B, dim)

    def multiscale(self, x: torch.Tensor) -> torch.Tensor:
        """What the metrics compare: the feature vector, the spatial mean and spread of every activation map on
        the way, and the pixels' local structure. A classifier's last features are built to ignore blur and
        texture; the early maps are not; and neither a classifier nor a self-supervised encoder of textures need
        tell a texture from its pixels shuffled, which the structure statistics do."""
        parts = [local_structure(x)]
        for layer in self.body:
            x = layer(x)
            if isinstance(layer, nn.SiLU):
                parts += [x.mean(dim=(2, 3)), x.std(dim=(2, 3))]
        return torch.cat([self.feature(x.mean(dim=(2, 3))), *parts], dim=1)      # the structure after the vector

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.head(self.features(x))                               # (B, outputs)


def local_structure(x: torch.Tensor) -> torch.Tensor:
    """(B, C, H, W) → (B, STRUCTURE_DIM): across and down, the log energy of differences between pixels 1 and 2
    apart, and their ratio. Fixed, not learnt. The ratio is sharpness without scale: about 1/2 at a sharp edge,
    1/4 in smooth ramps and blurred edges, 1 for scattered pixels (mean absolute differences would not do: blur
    keeps an edge's total variation)."""
    out = []
    for dim in (3, 2):
        one = x.diff(dim=dim).square().mean(dim=(1, 2, 3))
        two = (x.narrow(dim, 2, x.shape[dim] - 2) - x.narrow(dim, 0, x.shape[dim] - 2)).square().mean(dim=(1, 2, 3))
        out += [one.add(ENERGY_FLOOR).log(), two.add(ENERGY_FLOOR).log(),
                one.add(ENERGY_FLOOR) / two.add(2 * ENERGY_FLOOR)]
    return torch.stack(out, dim=1)


def to_input(images: np.ndarray) -> torch.Tensor:
    """(N, H, W, C) uint8 → (N, C, H, W) float in [-1, 1]."""
    return torch.from_numpy(np.ascontiguousarray(images)).permute(0, 3, 1, 2).float().div_(127.5).sub_(1.0)


# -- what it learns from the data -----------------------------------------------------------------------------------
@dataclass(frozen=True)
class Targets:
    kind: str
    classes: tuple[str, ...]              # label names, or the caption words it predicts; () when self-supervised
    values: np.ndarray | None             # (N,) label indices, or (N, len(classes)) 0/1 words; None self-supervised


def targets_for(dataset: ImageDataset) -> Targets:
    """Labels when the data has class folders, else caption words, else nothing (self-supervised)."""
    if dataset.labels is not None and len(dataset.label_names) >= 2:
        return Targets(LABELS, tuple(dataset.label_names), dataset.labels.astype(np.int64))
    caption_words = [words(c) for c in dataset.captions]
    counts: dict[str, int] = {}
    for ws in caption_words:
        for w in set(ws):
            counts[w] = counts.get(w, 0) + 1
    vocabulary = tuple(w for w, n in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])) if n >= 2)[:MAX_WORDS]
    if len(vocabulary) >= 2:
        index = {w: i for i, w in enumerate(vocabulary)}
        values = np.zeros((len(dataset), len(vocabulary)), np.float32)
        for row, ws in enumerate(caption_words):
            for w in ws:
                if w in index:
                    values[row, index[w]] = 1.0
        return Targets(WORDS, vocabulary, values)
    return Targets(SELF_SUPERVISED, (), None)


# -- augmentation (no flips) -----------------------------------------------------------------------------------------
def _shift(x: torch.Tensor, pixels: int, g: torch.Generator) -> torch.Tensor:
    """Each image moved by up to `pixels` in x and y (edges replicated); one gather for the batch."""
    if pixels <= 0:
        return x
    b, _, h, w = x.shape
    padded = F.pad(x, (pixels,) * 4, mode="replicate")
    dx, dy = (torch.randint(0, 2 * pixels + 1, (b,), generator=g) for _ in range(2))
    rows = (dy[:, None] + torch.arange(h))[:, None, :, None]                  # (B, 1, H, 1)
    cols = (dx[:, None] + torch.arange(w))[:, None, None, :]                  # (B, 1, 1, W)
    return padded[torch.arange(b)[:, None, None, None], torch.arange(x.shape[1])[None, :, None, None], rows, cols]


def _view(x: torch.Tensor, g: torch.Generator) -> torch.Tensor:
    """A SimCLR view: a random zoom (scale 0.7-1) and shift, brightness and contrast jitter."""
    b = x.shape[0]
    scale = 0.7 + 0.3 * torch.rand(b, generator=g)
    shift = (torch.rand(b, 2, generator=g) * 2 - 1) * (1 - scale[:, None])
    theta = torch.zeros(b, 2, 3)
    theta[:, 0, 0] = theta[:, 1, 1] = scale
    theta[:, :, 2] = shift
    grid = F.affine_grid(theta, list(x.shape), align_corners=False)
    y = F.grid_sample(x, grid, padding_mode="border", align_corners=False)
    contrast = 0.6 + 0.8 * torch.rand(b, 1, 1, 1, generator=g)
    brightness = (torch.rand(b, 1, 1, 1, generator=g) - 0.5) * 0.4
    mean = y.mean(dim=(1, 2, 3), keepdim=True)
    return ((y - mean) * contrast + mean + brightness).clamp(-1, 1)


def _nt_xent(a: torch.Tensor, b: torch.Tensor, temperature: float = 0.2) -> torch.Tensor:
    z = F.normalize(torch.cat([a, b]), dim=1)                           # (2B, D)
    logits = z @ z.T / temperature
    logits.fill_diagonal_(float("-inf"))
    n = a.shape[0]
    partner = torch.cat([torch.arange(n, 2 * n), torch.arange(0, n)])
    return F.cross_entropy(logits, partner)


# -- training ------------------------------------------------------------------------------------------------------
def default_steps(n_images: int, image_size: int) -> int:
    """About 20 epochs of a small set, 100 to 300 steps at 32 px (fewer above): under a CPU-minute at 32 px."""
    steps = min(300, max(100, round(20 * n_images / 128)))
    return max(50, round(steps * min(1.0, (32 / image_size) ** 2)))


def train_feature_net(images: np.ndarray, targets: Targets, *, steps: int, seed: int = 0, batch: int = 128,
                      lr: float = 2e-3) -> Generator[FeatureTraining, None, FeatureNet]:
    """Train on `images` (the training split) for `targets`; yields progress about every tenth of the run."""
    g = torch.Generator().manual_seed(seed)
    torch.manual_seed(seed)
    kind = targets.kind
    outputs = 64 if kind == SELF_SUPERVISED else len(targets.classes)
    net = FeatureNet(images.shape[3], images.shape[1], outputs)
    opt = torch.optim.AdamW(net.parameters(), lr=lr, weight_decay=1e-4)
    x_all = to_input(images)
    y_all = None if targets.values is None else torch.from_numpy(targets.values)
    shift = max(1, images.shape[1] // 16)
    report_every = max(1, steps // 10)
    net.train()
    for step in range(1, steps + 1):
        for group in opt.param_groups:                                   # cosine decay, no warm-up
            group["lr"] = lr * 0.5 * (1 + math.cos(math.pi * (step - 1) / steps))
        idx = torch.randint(0, len(x_all), (min(batch, len(x_all)),), generator=g)
        x = x_all[idx]
        if kind == SELF_SUPERVISED:
            loss = _nt_xent(net(_view(x, g)), net(_view(x, g)))
        elif kind == LABELS:
            loss = F.cross_entropy(net(_shift(x, shift, g)), y_all[idx])
        else:
            loss = F.binary_cross_entropy_with_logits(net(_shift(x, shift, g)), y_all[idx])
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
        if step % report_every == 0 or step == steps:
            yield FeatureTraining(step, steps, float(loss.item()), kind)
    return net.eval().requires_grad_(False)


# -- the trained network, as the metrics use it --------------------------------------------------------------------------
class FeatureNetwork:
    """A trained FeatureNet with what it was trained for: features of images, and its judge's verdicts.

    Features are standardised per dimension by the training images' mean and spread (`mean`, `std`), so
    every part weighs alike in the distances and the KID kernel whatever its scale."""

    def __init__(self, net: FeatureNet, kind: str, classes: Sequence[str], mean: np.ndarray | None = None,
                 std: np.ndarray | None = None):
        self.net, self.kind, self.classes = net, kind, tuple(classes)
        self.mean, self.std = mean, std

    @torch.inference_mode()
    def _run(self, images: np.ndarray, head: bool, batch: int = 256) -> np.ndarray:
        out = []
        for i in range(0, len(images), batch):
            x = to_input(images[i:i + batch])
            out.append(self.net(x) if head else self.net.multiscale(x))
        return torch.cat(out).double().numpy() if out else np.zeros((0, 0))

    def raw_features(self, images: np.ndarray) -> np.ndarray:
        return self._run(images, head=False)

    def standardise_on(self, images: np.ndarray) -> "FeatureNetwork":
        """Fix the standardisation from these (training) images."""
        raw = self.raw_features(images)
        self.mean, self.std = raw.mean(axis=0), np.maximum(raw.std(axis=0), 1e-6)
        structure = slice(FEATURE_DIM, FEATURE_DIM + STRUCTURE_DIM)
        self.std[structure] = np.maximum(self.std[structure], STRUCTURE_UNIT) / STRUCTURE_WEIGHT
        return self

    def features(self, images: np.ndarray) -> np.ndarray:
        """(N, H, W, C) uint8 → (N, D) float64 standardised features."""
        raw = self.raw_features(images)
        if self.mean is None:
            return raw
        return (raw - self.mean) / self.std

    def judge(self, images: np.ndarray) -> np.ndarray:
        """Labels: (N,) the predicted class index. Words: (N, len(classes)) 0/1, the words it sees."""
        if self.kind == SELF_SUPERVISED:
            raise ValueError("a self-supervised feature network has no judge")
        logits = self._run(images, head=True)
        return logits.argmax(axis=1) if self.kind == LABELS else (logits > 0).astype(np.int64)


def cache_key(dataset: ImageDataset, train_idx: np.ndarray, steps: int, seed: int) -> str:
    """What makes a cached network the right one: the data, its size, the split, how it was trained."""
    h = hashlib.sha256()
    h.update(json.dumps([VERSION, dataset.fingerprint, list(dataset.images.shape[1:]), steps, seed]).encode())
    h.update(np.asarray(train_idx, np.int64).tobytes())
    return h.hexdigest()[:24]


def _cache_paths(folder: Path, key: str) -> tuple[Path, Path]:
    return folder / f"features-{key}.safetensors", folder / f"features-{key}.json"


def _load_cached(folder: Path, key: str, channels: int, size: int) -> FeatureNetwork | None:
    from safetensors import SafetensorError
    from safetensors.torch import load_file

    weights, meta_path = _cache_paths(folder, key)
    try:
        meta = json.loads(meta_path.read_text(encoding="utf-8"))
        outputs = 64 if meta["kind"] == SELF_SUPERVISED else len(meta["classes"])
        net = FeatureNet(channels, size, outputs)
        tensors = load_file(str(weights))
        mean, std = tensors.pop("standardise.mean").double().numpy(), tensors.pop("standardise.std").double().numpy()
        net.load_state_dict(tensors)
    except (OSError, ValueError, KeyError, RuntimeError, SafetensorError):   # absent or damaged: train again
        return None
    return FeatureNetwork(net.eval().requires_grad_(False), meta["kind"], meta["classes"], mean, std)


def _save_cached(folder: Path, key: str, network: FeatureNetwork) -> None:
    from safetensors.torch import save

    from studio.engine.checkpoint import atomic_write_bytes, atomic_write_text

    weights, meta_path = _cache_paths(folder, key)
    try:
        tensors = {k: v.contiguous() for k, v in network.net.state_dict().items()}
        tensors["standardise.mean"] = torch.from_numpy(network.mean)
        tensors["standardise.std"] = torch.from_numpy(network.std)
        atomic_write_bytes(weights, save(tensors))
        atomic_write_text(meta_path, json.dumps({"version": VERSION, "kind": network.kind,
                                                 "classes": list(network.classes)}))
    except OSError:
        pass                                                             # a cache: without it we train again next time


def feature_network(dataset: ImageDataset, train_idx: np.ndarray, *, steps: int | None = None, seed: int = 0,
                    cache: Path | None = None) -> Generator[FeatureTraining, None, FeatureNetwork]:
    """The dataset's feature network: from the cache when it was trained before, else trained (with progress)."""
    from studio.paths import cache_dir

    size, channels = dataset.images.shape[1], dataset.images.shape[3]
    steps = steps or default_steps(len(train_idx), size)
    folder = cache if cache is not None else cache_dir() / "evaluation"
    key = cache_key(dataset, train_idx, steps, seed)
    cached = _load_cached(folder, key, channels, size)
    if cached is not None:
        return cached
    targets = targets_for(dataset)
    subset = Targets(targets.kind, targets.classes, None if targets.values is None else targets.values[train_idx])
    net = yield from train_feature_net(dataset.images[train_idx], subset, steps=steps, seed=seed)
    network = FeatureNetwork(net, targets.kind, targets.classes).standardise_on(dataset.images[train_idx])
    _save_cached(folder, key, network)
    return network
