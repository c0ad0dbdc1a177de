"""Would left-right mirror flips change this data? A check of the folder's handedness, in pixels.

Each image's mirror image is compared with the folder's other images (in a labelled folder, the other images of its
class). Without a handedness (faces, landscapes, textures, shapes) the mirror image is about as near to them as the
image itself is, so it is the farther of the two for about half the images; for digits, letters and other symbols
it is the farther for most of them (a flipped 'b' is far from the other 'b's: it is a 'd'). Flips then teach the
model images unlike the folder's. The figures behind the thresholds: benchmarks/RESULTS.md, "Mirror flips: which
folders have a handedness".

    check = check_mirror(dataset.images, dataset.labels, dataset.label_names)
    check.handed, check.changed, check.classes    # None / the share / the handed classes' names
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

import numpy as np

from studio.engine.messages import Message

SAMPLE = 400           # images compared at most (seeded): under 0.1 s
MIN_IMAGES = 20        # below this nothing is said
SIDE = 16              # compared at this side at most (average-pooled): the shapes, not the pixels' noise
# Share of images changed by a flip, 400 compared: 0.46-0.54 on faces, shapes and textures; 0.89-0.91 on digits and
# glyphs (RESULTS.md). With n compared the share wanders by 0.5 / sqrt(n), so a verdict needs it 2 of those clear of
# both: from 0.55 (harmless) and from 0.75 (handed); in between nothing is said.
HANDED_SHARE = 0.65
PER_CLASS = 8          # "harmless" needs this many compared a class (median): glyphs at ~5 a class read 0.53 at times
CLASS_SHARE = 0.7      # a class is named as handed from this share (the symmetric digits 0 and 8: 0.50-0.56)
NAMED = 6              # handed classes named in a message at most


@dataclass(frozen=True)
class MirrorCheck:
    """What flipping did to the compared images: `changed` is the share whose mirror image is farther from the
    folder's other images (of its class, where there are classes) than the image is; `handed` is None when
    too few images were compared to tell."""

    compared: int
    changed: float
    classes: tuple[str, ...] = ()         # labelled folders: the classes most changed by a flip, most first
    per_class: float = float("inf")       # labelled folders: the median number compared of a class

    @property
    def handed(self) -> bool | None:
        if self.compared < MIN_IMAGES:
            return None
        wander = 2 * 0.5 / self.compared ** 0.5
        if self.changed >= max(HANDED_SHARE, 0.55 + wander):
            return True
        if self.changed <= min(HANDED_SHARE, 0.75 - wander) and self.per_class >= PER_CLASS:
            return False
        return None

    def _named(self) -> str:
        shown = ", ".join(f"'{name}'" for name in self.classes[:NAMED])
        return shown + (", ..." if len(self.classes) > NAMED else "")

    def warning(self) -> Message | None:
        """For a run with mirror flips on: what they will do to this folder, or None when they do no harm."""
        if not self.handed:
            return None
        if self.classes:
            return Message("mirror.handed_classes", share=self.changed, classes=self._named())
        return Message("mirror.handed", share=self.changed)

    def summary(self) -> Message:
        """One line for the dataset doctor, whether or not flips are on."""
        if self.compared < MIN_IMAGES:
            return Message("mirror.too_few", count=self.compared, needed=MIN_IMAGES)
        if self.handed is None:
            return Message("mirror.unclear", share=self.changed, count=self.compared)
        if not self.handed:
            return Message("mirror.symmetric", share=self.changed)
        if self.classes:
            return Message("mirror.summary_classes", share=self.changed, classes=self._named())
        return Message("mirror.summary", share=self.changed)


def _pooled(images: np.ndarray, side: int, grey: bool) -> np.ndarray:
    """(N, H, W, C) uint8 → (N, h, w, c) float32 in [0, 1] (c = 1 when grey), average-pooled to at most `side`."""
    x = images.astype(np.float32) / 255.0
    if grey:
        x = x.mean(axis=3, keepdims=True)
    factor = max(1, x.shape[1] // side)
    if factor > 1:
        n, h, w, c = x.shape
        h, w = h // factor * factor, w // factor * factor
        x = x[:, :h, :w].reshape(n, h // factor, factor, w // factor, factor, c).mean(axis=(2, 4))
    return x


def _distances(queries: np.ndarray, pool: np.ndarray) -> np.ndarray:
    """(Q, P) squared distances between the rows of two (N, D) arrays."""
    return (queries * queries).sum(1)[:, None] + (pool * pool).sum(1)[None, :] - 2.0 * queries @ pool.T


def _nearest(queries: np.ndarray, pool: np.ndarray, same: np.ndarray | None) -> np.ndarray:
    """For each query row i: the squared distance to its nearest row of `pool` other than i (of i's class where
    `same`, an (N, N) bool mask, is given)."""
    d = _distances(queries, pool)
    if same is not None:
        d[~same] = np.inf
    np.fill_diagonal(d, np.inf)
    return d.min(axis=1)


def check_mirror(images: np.ndarray, labels: np.ndarray | None = None, label_names: Sequence[str] = (),
                 seed: int = 0) -> MirrorCheck:
    """Compare up to SAMPLE images (seeded) and their mirror images with the other images of the sample (of
    their own class, in a labelled folder: a flipped 'b' is near the 'd's, far from the 'b's)."""
    n = len(images)
    pick = np.sort(np.random.default_rng(seed).permutation(n)[:SAMPLE]) if n > SAMPLE else np.arange(n)
    labelled = labels is not None and len(label_names) >= 2
    lab = np.asarray(labels)[pick] if labelled else np.zeros(len(pick), np.int64)
    counts = np.bincount(lab) if len(lab) else np.zeros(0, np.int64)
    keep = counts[lab] >= 2                          # an image alone in its class has nothing to be compared with
    pick, lab = pick[keep], lab[keep]
    if len(pick) < 2:
        return MirrorCheck(len(pick), 0.0)
    x = _pooled(images[pick], SIDE, grey=True)
    flat = x.reshape(len(x), -1)
    flipped = x[:, :, ::-1].reshape(len(x), -1)
    same = (lab[:, None] == lab[None, :]) if labelled else None
    changed = _nearest(flipped, flat, same) > _nearest(flat, flat, same)
    if not labelled:
        return MirrorCheck(len(pick), float(changed.mean()))
    present = np.unique(lab)
    shares = [(float(changed[lab == c].mean()), c) for c in present if (lab == c).sum() >= 5]
    classes = tuple(label_names[c] for share, c in sorted(shares, key=lambda s: (-s[0], s[1])) if share >= CLASS_SHARE)
    return MirrorCheck(len(pick), float(changed.mean()), classes, float(np.median(np.bincount(lab)[present])))


def _flat(images: np.ndarray) -> np.ndarray:
    """(N, H, W, C) uint8 → (N, D): colour kept, pooled to at most 32 px a side."""
    x = _pooled(images, 32, grey=False)
    return x.reshape(len(x), -1)


def _nearest_row(queries: np.ndarray, pool: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """For each query: the squared distance to its nearest row of `pool`, and that row's index."""
    d = _distances(queries, pool)
    j = d.argmin(axis=1)
    return d[np.arange(len(d)), j], j


def nearest_training_image(images: np.ndarray, train: np.ndarray, labels: np.ndarray | None = None,
                           train_labels: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per image, its nearest training image in pixels, plain or mirrored (with labels: among the training images
    of its own class): (whether the mirrored one is nearer, that image's index in `train`, the squared distance;
    -1 and inf for an image whose class has no training images)."""
    mirrored = np.zeros(len(images), dtype=bool)
    index = np.full(len(images), -1, np.int64)
    distance = np.full(len(images), np.inf)
    groups = [(np.arange(len(images)), np.arange(len(train)))] if labels is None else \
        [(np.flatnonzero(labels == c), np.flatnonzero(train_labels == c)) for c in np.unique(labels)]
    for rows, mine in groups:
        if not len(rows) or not len(mine):
            continue
        queries, pool = _flat(images[rows]), train[mine]
        to_plain, plain_j = _nearest_row(queries, _flat(pool))
        to_flipped, flipped_j = _nearest_row(queries, _flat(pool[:, :, ::-1]))
        mirrored[rows] = to_flipped < to_plain
        index[rows] = mine[np.where(mirrored[rows], flipped_j, plain_j)]
        distance[rows] = np.minimum(to_plain, to_flipped)
    return mirrored, index, distance


def nearer_a_mirror_image(images: np.ndarray, train: np.ndarray, labels: np.ndarray | None = None,
                          train_labels: np.ndarray | None = None) -> np.ndarray:
    """Per image: True where a mirror image of a training image is nearer to it in pixels than every training
    image is (with labels: among the training images of its own class). A model trained with flips on a handed
    folder draws such images; real images seldom are (RESULTS.md, "Mirror flips on symbols")."""
    return nearest_training_image(images, train, labels, train_labels)[0]
