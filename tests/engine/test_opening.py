"""Opening a trained model for the app (engine/opening.py) and using it from a worker (engine/inference.py):
a run folder or one checkpoint gives its RunInfo, model and Provenance; an image's provenance gives its run
at the checkpoint that drew it while that is still there; sampling keeps a bounded number of frames."""
from __future__ import annotations

import numpy as np
import pytest
from PIL import Image

from synthetic import synthetic_dataset
from studio.engine.checkpoint import file_hash
from studio.engine.families.vae import VAEConfig
from studio.engine.inference import MAX_KEPT_FRAMES, decode_latent, encode_file, sample_frames
from studio.engine.opening import RunInfo, open_image_run, open_run
from studio.engine.provenance import Provenance
from studio.engine.training import TrainConfig, Trainer


@pytest.fixture(scope="module")
def run_dir(tmp_path_factory):
    """A tiny VAE trained 3 steps, each step a periodic checkpoint."""
    path = tmp_path_factory.mktemp("opening") / "run"
    config = TrainConfig(steps=3, batch_size=8, precision="fp32", device="cpu", preview_seconds=0,
                         validate_seconds=0, checkpoint_minutes=0.0, seed=0)
    trainer = Trainer(synthetic_dataset(), path, family="vae",
                      family_config=VAEConfig.from_preset("tiny", latent_dim=4), config=config)
    for _ in trainer.run():
        pass
    return path


def test_a_run_opens_with_its_model_and_provenance(run_dir):
    info, family, made = open_run(run_dir)
    last = run_dir / "checkpoints" / "last.safetensors"
    assert isinstance(info, RunInfo) and info.family == "vae" and info.step == 3 and info.path == str(run_dir)
    assert (info.image_size, info.channels, info.checkpoint) == (8, 3, str(last))
    assert info.metrics and all(int(r.get("step", 0)) <= 3 for r in info.metrics)
    assert made == Provenance(family="vae", model="run", run=str(run_dir.resolve()), checkpoint=str(last.resolve()),
                              checkpoint_hash=file_hash(last), checkpoint_step=3)
    assert family.name == "vae" and tuple(family.latent_shape) == (4,)


def test_one_checkpoint_of_a_run_opens_at_its_step(run_dir):
    step_2 = run_dir / "checkpoints" / "step-00000002.safetensors"
    info, _, made = open_run(step_2)
    assert info.step == 2 and made.checkpoint_step == 2 and made.checkpoint_hash == file_hash(step_2)
    assert all(int(r.get("step", 0)) <= 2 for r in info.metrics)


def test_an_image_opens_its_run_at_the_checkpoint_that_drew_it(run_dir):
    step_2 = run_dir / "checkpoints" / "step-00000002.safetensors"
    image = Provenance(run=str(run_dir), checkpoint=str(run_dir / "checkpoints" / "last.safetensors"),
                       checkpoint_hash=file_hash(step_2), checkpoint_step=2, seed=5)
    (info, _, made), exact = open_image_run(image)
    assert exact and info.step == 2 and made.checkpoint_hash == image.checkpoint_hash
    (info, _, made), exact = open_image_run(image.to_dict() | {"checkpoint_hash": "0000000000"})
    assert not exact and info.step == 3                       # the image's checkpoint is gone: the run's last


def test_sampling_decoding_and_encoding_from_a_worker(run_dir, tmp_path):
    _, family, _ = open_run(run_dir)
    frames = sample_frames(family, 2, 7, None, {})
    shown = []
    try:
        while True:
            shown.append(next(frames))
    except StopIteration as stop:
        kept = stop.value
    assert shown[-1].is_last and len(kept) == 1 and kept[0].shape == (2, 8, 8, 3) and MAX_KEPT_FRAMES >= 1
    z = np.zeros(4, np.float32)
    assert decode_latent(family, z).shape == (8, 8, 3)
    Image.new("RGB", (12, 12), (255, 0, 0)).save(tmp_path / "red.png")
    picture, latent = encode_file(family, str(tmp_path / "red.png"))
    assert picture.shape == (8, 8, 3) and latent.shape == (4,)
