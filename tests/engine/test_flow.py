"""studio.engine.families.flow: invertibility, exact log-determinants, training, sampling, save -> load, bits/dim."""
from __future__ import annotations

import math

import numpy as np
import pytest
import torch

from synthetic import KeepGradients, synthetic_dataset, train_briefly
from studio.engine.data import load_dataset
from studio.engine.families.base import ENCODE, LATENT, LIKELIHOOD, Batch, ConfigError, DataInfo, get_family
from studio.engine.families.flow import ActNorm, Flow, FlowConfig
from studio.engine.run import Run

TINY = FlowConfig.from_preset("tiny")


def make_flow(size=8, channels=3, config=TINY, seed=0, scramble=True) -> Flow:
    """A flow whose zero-initialised layers are given random weights, so no layer is the identity."""
    torch.manual_seed(seed)
    flow = Flow(config, DataInfo(size, channels))
    if scramble:
        with torch.no_grad():
            for name, p in flow.flow.named_parameters():
                if not name.endswith("weight") or p.dim() != 2:       # keep the 1x1 convs invertible rotations
                    p.add_(torch.randn_like(p) * 0.1)
    return flow


def batch_of(images: np.ndarray) -> Batch:
    return Batch(images=torch.from_numpy(images).permute(0, 3, 1, 2).float().div(127.5).sub(1.0))




def test_registered_with_its_capabilities():
    assert get_family("flow") is Flow
    assert Flow.capabilities == {LATENT, ENCODE, LIKELIHOOD}
    assert [o.name for o in Flow.sample_options()] == ["temperature"]
    flow = make_flow(8, 3)
    assert flow.latent_shape == (192,) and set(flow.modules()) == {"flow"}


# -- invertibility and the log-determinant ----------------------------------------------------------
@pytest.mark.parametrize("channels, scale", [(1, "sigmoid"), (3, "sigmoid"), (3, "tanh")])
def test_inverse_reconstructs_its_input(channels, scale):
    flow = make_flow(8, channels, TINY.replace(coupling_scale=scale))
    flow.eval()
    y = torch.randn(5, channels, 8, 8) * 2
    with torch.no_grad():
        z, logdet = flow.flow(y)
        back = flow.flow.inverse(z)
    assert z.shape == (5, channels * 64) and logdet.shape == (5,)
    assert (back - y).abs().max().item() < 1e-4
    images = synthetic_dataset(n=6, size=8, channels=channels).images
    np.testing.assert_array_equal(flow.decode(flow.encode(images)), images)   # pixel for pixel
    assert flow.encode(images[0]).shape == (1, channels * 64)


@pytest.mark.parametrize("scale", ["sigmoid", "tanh"])
def test_log_determinant_matches_the_jacobian(scale):
    """The flow's log|det dz/dy| against torch's Jacobian of the whole map (4x4 grayscale: 16 x 16)."""
    flow = make_flow(4, 1, FlowConfig(levels=2, steps_per_level=2, hidden=8, coupling_scale=scale))
    flow.eval()
    y = torch.randn(1, 1, 4, 4)
    jacobian = torch.autograd.functional.jacobian(lambda t: flow.flow(t.view(1, 1, 4, 4))[0][0], y.flatten())
    expected = torch.linalg.slogdet(jacobian.double())[1].item()
    assert flow.flow(y)[1].item() == pytest.approx(expected, abs=1e-3)


def test_actnorm_initialises_from_the_first_training_batch():
    layer = ActNorm(4)
    x = torch.randn(16, 4, 5, 5) * 3 + 2
    layer.eval()
    assert torch.equal(layer(x)[0], x)                                       # evaluation never initialises
    layer.train()
    y, logdet = layer(x)
    assert layer.initialized.item() == 1.0
    assert y.mean(dim=(0, 2, 3)).abs().max() < 1e-4 and (y.std(dim=(0, 2, 3)) - 1).abs().max() < 1e-3
    assert logdet[0].item() == pytest.approx(layer.log_scale.sum().item() * 25)
    assert torch.allclose(layer.inverse(y), x, atol=1e-4)


# -- training --------------------------------------------------------------------------------
def test_one_step_gives_finite_losses_and_gradients():
    flow = make_flow(8, 3, scramble=False)
    flow.train()
    losses = flow.train_step(batch_of(synthetic_dataset(n=8).images), KeepGradients())
    assert set(losses) == {"bpd"} and math.isfinite(losses["bpd"]) and losses["bpd"] > 0
    grads = {name: p.grad for name, p in flow.flow.named_parameters()}
    assert all(g is not None and torch.isfinite(g).all() for g in grads.values())
    assert sum(g.abs().sum().item() for g in grads.values()) > 0
    assert all(m.initialized.item() == 1.0 for m in flow.flow.modules() if isinstance(m, ActNorm))


def test_validation_and_log_likelihood_are_deterministic_bits_per_dim():
    flow = make_flow(8, 3)
    images = synthetic_dataset(n=6).images
    bpd = flow.log_likelihood(images)
    assert bpd.shape == (6,) and bpd.dtype == np.float64 and np.isfinite(bpd).all()
    np.testing.assert_array_equal(flow.log_likelihood(images), bpd)
    first = flow.validation_losses(batch_of(images))
    assert first == flow.validation_losses(batch_of(images)) and set(first) == {"bpd"}
    assert first["bpd"] == pytest.approx(bpd.mean(), rel=1e-5)


# -- sampling, latents -----------------------------------------------------------------------
def test_samples_are_deterministic_and_image_i_comes_from_seed_plus_i():
    flow = make_flow(8, 3)
    frames = list(flow.sample(4, seed=10))
    assert len(frames) == 1 and frames[0].is_last
    images = frames[0].images
    assert images.dtype == np.uint8 and images.shape == (4, 8, 8, 3)
    np.testing.assert_array_equal(images, next(flow.sample(4, seed=10)).images)
    np.testing.assert_array_equal(images[2:], next(flow.sample(2, seed=12)).images)
    assert len({img.tobytes() for img in images}) == 4
    cold = next(flow.sample(3, seed=10, temperature=0.0)).images              # z = 0: one image
    assert (cold == cold[:1]).all()


def test_latent_directions_are_unit_vectors_that_move_the_image():
    flow = make_flow(8, 3)
    directions = flow.latent_directions()
    assert len(directions) == 24                                  # 3 -> 12 channels at 4x4, keep 6 -> 24 at 2x2
    for d in directions:
        assert d.vector.shape == (192,) and np.linalg.norm(d.vector) == pytest.approx(1.0)
    z = flow.encode(synthetic_dataset(n=1).images)
    moved = flow.decode(z + directions[0].vector * directions[0].high)
    assert not np.array_equal(moved, flow.decode(z))


# -- save -> load, and it learns ---------------------------------------------------------------
def train(tmp_path, dataset, steps, config=TINY, **settings):
    return train_briefly(tmp_path / "run", dataset, "flow", config, steps, **{"batch_size": 32, **settings})


def test_save_and_load_gives_the_same_samples(tmp_path):
    dataset = synthetic_dataset(n=24, size=8, channels=3)
    trainer = train(tmp_path, dataset, steps=3, batch_size=8)
    live = trainer.family
    family, _ = Run.open(tmp_path / "run").load_family()
    assert isinstance(family, Flow) and family.config == TINY
    np.testing.assert_array_equal(next(family.sample(4, seed=5)).images, next(live.sample(4, seed=5)).images)
    np.testing.assert_array_equal(family.log_likelihood(dataset.images[:4]), live.log_likelihood(dataset.images[:4]))
    assert all(m.initialized.item() == 1.0 for m in family.flow.modules() if isinstance(m, ActNorm))


def test_bits_per_dim_on_held_out_digits_drop_below_uniform(tmp_path):
    """demo:digits at 16 px, tiny preset, 12 steps of 32. Measured: held-out 6.2 bits/dim after 15 steps, 5.8 after 40
    (uniform: 8)."""
    dataset = load_dataset("demo:digits", size=16)
    before = make_flow(16, 1, scramble=False).log_likelihood(dataset.images[:64]).mean()
    trainer = train(tmp_path, dataset, steps=12)
    held = dataset.images[trainer.val_idx]
    bpd = trainer.family.log_likelihood(held).mean()
    assert bpd < 8.0 and bpd < before - 0.5, f"held-out {bpd:.3f} bits/dim, untrained {before:.3f}"


# -- config ----------------------------------------------------------------------------------
@pytest.mark.parametrize("preset", sorted(FlowConfig.presets))
def test_presets_round_trip(preset):
    cfg = FlowConfig.from_preset(preset)
    assert FlowConfig.from_json(cfg.to_json()) == cfg


@pytest.mark.parametrize("values, match", [
    (dict(levels=0), "levels must be between 1 and 6, not 0"),
    (dict(steps_per_level=0), "steps_per_level must be between 1 and 64"),
    (dict(hidden=2), r"hidden must be between 4 and 1024 \(e.g. 64\), not 2"),
    (dict(logit_alpha=0.5), r"logit_alpha must be in \[0, 0.5\)"),
    (dict(coupling_scale="exp"), "coupling_scale must be sigmoid or tanh, not 'exp'"),
])
def test_invalid_config_says_what_to_change(values, match):
    with pytest.raises(ConfigError, match=match):
        FlowConfig(**values)


def test_a_config_saved_before_coupling_scale_keeps_the_sigmoid_scale():
    saved = {k: v for k, v in FlowConfig.from_preset("small").to_dict().items() if k != "coupling_scale"}
    assert FlowConfig.from_dict(saved).coupling_scale == "sigmoid"
    assert FlowConfig.from_preset("small").coupling_scale == FlowConfig().coupling_scale == "tanh"


def test_image_size_must_fit_the_levels():
    with pytest.raises(ConfigError, match="3 levels needs an image side divisible by 8, not 12"):
        Flow(FlowConfig(levels=3), DataInfo(12, 3))


def test_attribute_sliders_are_named_after_caption_words_and_saved(tmp_path):
    images = synthetic_dataset(n=32, size=8).images.copy()
    images[:16] //= 4                                                   # dark
    images[16:] = 255 - (255 - images[16:]) // 4                        # bright
    flow = make_flow(8, 3)
    flow.eval()
    flow.fit_latent_statistics(images, None, ("dark",) * 16 + ("bright",) * 16)
    directions = flow.latent_directions()
    names = [d.name for d in directions if d.kind == "attribute"]
    assert names == ["bright", "dark"] or names == ["dark", "bright"]
    assert any(d.kind == "principal" for d in directions) and directions[-1].name.startswith("coarse")
    bright = next(d for d in directions if d.name == "bright")
    along = flow.encode(images) @ bright.vector                         # where each image sits on the slider
    assert along[16:].min() > along[:16].max()                          # every bright image above every dark one
    loaded = make_flow(8, 3)
    loaded.load_extra_state(flow.extra_state())
    assert [d.name for d in loaded.latent_directions()] == [d.name for d in directions]
