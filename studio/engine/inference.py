"""A loaded model at work in the app's background threads: sampling with the frames kept for an
animation, decoding one latent, encoding one image file.

Each runs under torch.inference_mode() set where it runs: grad mode is per thread, so the worker
must set it itself.
"""
from __future__ import annotations

from typing import Iterator

import numpy as np
import torch

from studio.engine.data import load_dataset
from studio.engine.families.base import Frame

MAX_KEPT_FRAMES = 120           # progressive frames kept per sampling, for animation export


def sample_frames(family, n: int, seed: int, prompt: str | None, options: dict) -> Iterator[Frame]:
    """Yield every Frame of family.sample(); return the images of the frames kept for animation, in order.

    At most MAX_KEPT_FRAMES are kept, evenly spaced, the last always: a thousand steps of large
    images would not fit in memory.
    """
    frames, keep = [], None
    with torch.inference_mode():
        for frame in family.sample(n, seed=seed, prompt=prompt, **options):
            if keep is None:
                keep = set(np.linspace(1, frame.total, min(frame.total, MAX_KEPT_FRAMES)).round().astype(int))
            if frame.step in keep or frame.is_last:
                frames.append(frame.images)
            yield frame
    return frames


def decode_latent(family, z: np.ndarray) -> np.ndarray:
    """One latent (latent_shape) -> one (H, W, C) uint8 image."""
    with torch.inference_mode():
        return family.decode(z[None].astype(np.float32))[0]


def encode_file(family, path: str) -> tuple[np.ndarray, np.ndarray]:
    """An image file -> (the image at the model's size, its latent). DatasetError names the file."""
    data = family.data
    dataset = load_dataset(path, size=data.image_size, channels=data.channels, workers=1)
    image = dataset.images[0]
    with torch.inference_mode():
        return image, family.encode(image[None])[0]
