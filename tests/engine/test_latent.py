"""studio.engine.latent and the VAE's latent directions: interpolation, sliders, directions fitted to the data."""
from __future__ import annotations

import numpy as np
import pytest
import torch

from studio.engine.data import DatasetReport, ImageDataset
from studio.engine.families.base import DataInfo, LatentDirection
from studio.engine.families.vae import VAE, VAEConfig
from studio.engine.latent import (
    LatentStatistics, interpolation_frames, interpolation_latents, lerp, move_along, preview_strip, project, slerp,
    sweep_latents,
)
from studio.engine.run import Run
from studio.engine.training import TrainConfig, Trainer


def brightness_dataset(n=64, size=8, seed=0) -> ImageDataset:
    """Half the images dark, half bright (captions say which), each with its own blocky pattern."""
    rng = np.random.default_rng(seed)
    bright = np.arange(n) % 2 == 1
    pattern = rng.integers(-40, 41, size=(n, size // 4, size // 4, 3)).repeat(4, axis=1).repeat(4, axis=2)
    level = np.where(bright, 190, 60)[:, None, None, None]
    images = np.clip(level + pattern, 0, 255).astype(np.uint8)
    captions = tuple(("bright" if b else "dark") + " square" for b in bright)
    report = DatasetReport(root="synthetic", found=n, loaded=n, skipped=(), labels=(), label_counts={},
                           captioned=n, caption_source="txt", channels=3, size=size)
    return ImageDataset(images=np.ascontiguousarray(images), labels=None, captions=captions,
                        files=tuple(f"{i}.png" for i in range(n)), report=report, fingerprint=f"bright-{n}-{size}-{seed}")


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    """A tiny VAE trained briefly on the brightness set, loaded back from its run folder."""
    dataset = brightness_dataset()
    run_dir = tmp_path_factory.mktemp("latent") / "run"
    config = TrainConfig(steps=150, batch_size=16, lr=3e-3, warmup_steps=10, precision="fp32", device="cpu",
                         preview_seconds=0, validate_seconds=0, ema_decay=0, seed=1, threads=1)
    family_config = VAEConfig.from_preset("tiny", latent_dim=4, kl_warmup_steps=50)
    trainer = Trainer(dataset, run_dir, family="vae", family_config=family_config, config=config)
    for _ in trainer.run():
        pass
    family, _ = Run.open(run_dir).load_family()
    return family, dataset, trainer.family


# -- interpolation ------------------------------------------------------------------------------
def test_slerp_and_lerp_hit_the_endpoints_and_slerp_keeps_the_norm():
    rng = np.random.default_rng(0)
    a, b = rng.standard_normal(16).astype(np.float32), rng.standard_normal(16).astype(np.float32)
    for blend in (slerp, lerp):
        np.testing.assert_allclose(blend(a, b, 0.0), a, atol=1e-5)
        np.testing.assert_allclose(blend(a, b, 1.0), b, atol=1e-5)
    b_scaled = a[::-1].copy() * 1.0
    mid = slerp(a, b_scaled, 0.5)
    assert np.linalg.norm(mid) == pytest.approx(np.linalg.norm(a), rel=1e-4)          # same norms: stays on the sphere
    assert np.linalg.norm(lerp(a, -a, 0.5)) == pytest.approx(0.0, abs=1e-6)           # lerp cuts through the middle
    np.testing.assert_allclose(slerp(a, a, 0.3), a, atol=1e-5)                         # identical ends: no NaN
    path = interpolation_latents(a.reshape(4, 2, 2), b.reshape(4, 2, 2), steps=5)     # any latent shape
    assert path.shape == (5, 4, 2, 2) and path.dtype == np.float32
    with pytest.raises(ValueError, match="at least 2 steps"):
        interpolation_latents(a, b, steps=1)
    with pytest.raises(ValueError, match="slerp or lerp"):
        interpolation_latents(a, b, steps=3, mode="cubic")


def test_interpolation_endpoints_decode_to_the_encoded_inputs(trained):
    family, dataset, _ = trained
    inputs = dataset.images[[0, 1]]                                                    # one dark, one bright
    za, zb = family.encode(inputs)
    frames = list(interpolation_frames(family, za, zb, steps=6))
    assert [f.step for f in frames] == list(range(1, 7)) and frames[-1].is_last and frames[0].label == "t = 0.00"
    reconstructions = family.decode(np.stack([za, zb]))
    np.testing.assert_array_equal(frames[0].images[0], reconstructions[0])
    np.testing.assert_array_equal(frames[-1].images[0], reconstructions[1])
    error = np.abs(np.stack([frames[0].images[0], frames[-1].images[0]]).astype(int) - inputs.astype(int)).mean()
    assert error < 30, f"endpoints are {error:.1f} grey levels from the inputs on average"
    means = [f.images.mean() for f in frames]
    assert means[-1] - means[0] > 60                                                  # dark -> bright along the way


# -- sliders ------------------------------------------------------------------------------------
def test_move_along_sets_the_slider_value_and_keeps_the_rest():
    direction = LatentDirection("d", np.array([0.6, 0.8, 0.0], np.float32), low=-1.0, high=3.0)
    z = np.array([1.0, 2.0, 5.0], np.float32)
    moved = move_along(z, direction, 2.5)
    assert project(moved, direction)[0] == pytest.approx(2.5)
    assert moved[2] == 5.0
    values, latents = sweep_latents(z, direction, steps=5)
    np.testing.assert_allclose(values, [-1, 0, 1, 2, 3])
    np.testing.assert_allclose(project(latents, direction), values, atol=1e-5)


def test_statistics_find_the_attribute_and_survive_tensors():
    rng = np.random.default_rng(0)
    z = rng.standard_normal((80, 6)).astype(np.float32)
    labels = np.arange(80) % 2                                                          # label 1: "wide"
    z[labels == 1, 2] += 3.0
    captions = ["a cat" if i < 5 else "a dog" if i < 40 else "a fox" for i in range(80)]   # "cat": too few images
    stats = LatentStatistics.fit(z, labels, ("narrow", "wide"), captions)
    names = list(stats.attribute_names)
    assert set(names) == {"wide", "narrow", "dog", "fox"}                              # "a" is on every image
    wide = stats.directions()[names.index("wide")]
    assert wide.kind == "attribute" and int(np.argmax(np.abs(wide.vector))) == 2 and wide.vector[2] > 0.9
    assert np.linalg.norm(wide.vector) == pytest.approx(1.0, abs=1e-5)
    assert wide.low < 0.5 < 2.5 < wide.high                                            # spans both groups
    principal = [d for d in stats.directions() if d.kind == "principal"]
    assert principal and abs(principal[0].vector[2]) > 0.8 and principal[0].name.startswith("PC1 (")
    back = LatentStatistics.from_tensors(stats.to_tensors())
    assert back.attribute_names == stats.attribute_names
    for a, b in zip(back.directions(), stats.directions()):
        assert a.name == b.name and (a.low, a.high) == (b.low, b.high)
        np.testing.assert_array_equal(a.vector, b.vector)
    assert LatentStatistics.from_tensors({}) is None


def test_attribute_direction_moves_decoded_brightness(trained):
    """The acceptance test: a slider fitted to 'bright' vs the rest makes decoded images brighter."""
    family, dataset, live = trained
    directions = {d.name: d for d in family.latent_directions()}
    assert {"bright", "dark"} <= set(directions) and "square" not in directions         # "square" is on every image
    assert [d.name for d in family.latent_directions()] == [d.name for d in live.latent_directions()]  # saved -> loaded
    bright = directions["bright"]
    strip = preview_strip(family, bright, steps=7)
    assert strip.shape == (7, 8, 8, 3) and strip.dtype == np.uint8
    means = strip.reshape(7, -1).mean(1)
    assert means[-1] - means[0] > 60, means
    assert (np.diff(means) > -2).all(), means                                           # brighter all the way
    dark_image = family.encode(dataset.images[:1])[0]                                   # a dropped (dark) image, edited
    edited = preview_strip(family, bright, latent=dark_image, steps=7).reshape(7, -1).mean(1)
    assert edited[-1] - edited[0] > 60
    assert project(dark_image[None], bright)[0] < (bright.low + bright.high) / 2                # it starts on the dark side
    dark_strip = preview_strip(family, directions["dark"], steps=7).reshape(7, -1).mean(1)
    assert dark_strip[0] - dark_strip[-1] > 60                                          # the opposite word, the opposite way


def test_vae_without_statistics_keeps_per_dimension_directions():
    torch.manual_seed(0)
    vae = VAE(VAEConfig.from_preset("tiny", latent_dim=3), DataInfo(8, 3))
    assert [d.kind for d in vae.latent_directions()] == ["dimension"] * 3
    images = brightness_dataset(n=32).images
    vae.fit_latent_statistics(images, None, ("",) * 32)                                # no words: principal directions only
    kinds = [d.kind for d in vae.latent_directions()]
    assert "attribute" not in kinds and kinds.count("principal") >= 1 and kinds.count("dimension") == 3
    dims = [d for d in vae.latent_directions() if d.kind == "dimension"]
    z = vae.encode(images)
    for d in dims:                                                                      # ranges fitted to the data
        i = int(np.argmax(d.vector))
        assert d.low == pytest.approx(np.percentile(z[:, i], 2), abs=1e-4)
