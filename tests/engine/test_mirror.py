"""Whether mirror flips would change a folder (studio.engine.mirror), and where genstudio says so."""
from __future__ import annotations

import numpy as np
import pytest

from studio.engine.mirror import MIN_IMAGES, MirrorCheck, check_mirror


def _strokes(n: int, seed: int, scale: int = 1) -> np.ndarray:
    """(n, 16 * scale, 16 * scale, 1): a vertical bar near the left edge and a random blob, as a handed symbol."""
    rng = np.random.default_rng(seed)
    size = 16
    images = np.zeros((n, size, size, 1), np.uint8)
    for i in range(n):
        left = rng.integers(1, 4)
        images[i, 2:-2, left:left + 2] = 255
        y, x = rng.integers(4, size - 6), rng.integers(6, size - 4)
        images[i, y:y + 3, x:x + 3] = 200
    return np.ascontiguousarray(images.repeat(scale, axis=1).repeat(scale, axis=2))


def test_a_folder_whose_images_have_a_side_is_handed_and_symmetric_images_are_not():
    handed = check_mirror(_strokes(120, 0))
    assert handed.handed is True and handed.changed > 0.9 and handed.compared == 120
    assert handed.warning() is not None and handed.warning().id == "mirror.handed"
    assert handed.summary().id == "mirror.summary"

    rng = np.random.default_rng(1)
    noise = rng.integers(0, 256, (120, 16, 16, 3)).astype(np.float32)
    symmetric = ((noise + noise[:, :, ::-1]) / 2).astype(np.uint8)          # every image its own mirror image
    check = check_mirror(symmetric)
    assert check.handed is False and check.changed < 0.5
    assert check.warning() is None and check.summary().id == "mirror.symmetric"


def test_random_images_with_no_side_are_not_handed():
    """Neither the images nor their mirror images look like each other: about half are farther once flipped."""
    check = check_mirror(np.random.default_rng(2).integers(0, 256, (300, 16, 16, 3), dtype=np.uint8))
    assert 0.4 < check.changed < 0.6 and check.handed is False


def test_in_a_labelled_folder_a_class_that_is_another_flipped_is_handed_and_named():
    """A flipped 'b' is a 'd': near the folder's images, far from its own class. Both classes are named."""
    b = _strokes(60, 3)
    d = _strokes(60, 4)[:, :, ::-1]
    o = np.zeros((60, 16, 16, 1), np.uint8)                               # a symmetric class: rings
    yy, xx = np.mgrid[:16, :16]
    for i, r in enumerate(np.random.default_rng(5).uniform(3, 7, 60)):
        o[i, np.abs(np.hypot(yy - 7.5, xx - 7.5) - r) < 1, 0] = 255
    images = np.concatenate([b, d, o])
    labels = np.repeat(np.arange(3), 60)
    check = check_mirror(images, labels, ("b", "d", "o"))
    assert check.handed is True and set(check.classes) == {"b", "d"}
    warning = check.warning()
    assert warning.id == "mirror.handed_classes" and "'b'" in warning and "'o'" not in warning
    assert check_mirror(images).changed < check.changed      # without the labels, a flipped 'b' is near the 'd's


def test_too_few_images_or_a_share_between_the_two_says_nothing_either_way():
    few = check_mirror(_strokes(MIN_IMAGES - 1, 6))
    assert few.handed is None and few.warning() is None and few.summary().id == "mirror.too_few"
    assert MirrorCheck(compared=30, changed=0.62).handed is None                    # 30 images: could be either
    assert MirrorCheck(compared=30, changed=0.62).summary().id == "mirror.unclear"
    assert MirrorCheck(compared=400, changed=0.62).handed is False
    assert MirrorCheck(compared=400, changed=0.62, per_class=4).handed is None      # 4 images a class: too few
    assert check_mirror(np.zeros((1, 8, 8, 3), np.uint8)).handed is None


@pytest.mark.parametrize("scale", [1, 4])
def test_large_images_are_compared_small_and_the_check_is_seeded(scale):
    images = _strokes(500, 7, scale)
    a, b = check_mirror(images), check_mirror(images)
    assert a == b and a.compared == 400 and a.handed is True


def test_training_with_flips_on_a_handed_folder_warns_and_off_it_does_not(tmp_path):
    from studio.engine.data import DatasetReport, ImageDataset
    from studio.engine.events import TrainingWarning
    from studio.engine.families.vae import VAE
    from studio.engine.training import TrainConfig, Trainer

    images = _strokes(80, 8)
    report = DatasetReport(root="strokes", found=80, loaded=80, skipped=(), labels=(), label_counts={},
                           captioned=0, caption_source="none", channels=1, size=16)
    dataset = ImageDataset(images=images, labels=None, captions=("",) * 80, files=tuple(f"{i}.png" for i in range(80)),
                           report=report, fingerprint="strokes")
    family_config = VAE.Config.from_preset("tiny")

    def warnings(mirror: bool, folder: str) -> list[str]:
        config = TrainConfig(steps=1, batch_size=8, precision="fp32", device="cpu", preview_seconds=0,
                             validate_seconds=0, quality_minutes=0, mirror=mirror)
        trainer = Trainer(dataset, tmp_path / folder, family="vae", family_config=family_config, config=config)
        return [e.message.id for e in trainer.run() if isinstance(e, TrainingWarning)]

    assert "mirror.handed" in warnings(True, "on")
    assert not any(w.startswith("mirror.") for w in warnings(False, "off"))
