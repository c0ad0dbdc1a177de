"""studio.engine.families.flowgan: weight 0 is the plain flow, the adversarial step, bits/dim, sampling,
save -> load and resume, config errors."""
from __future__ import annotations

import math

import numpy as np
import pytest
import torch

from synthetic import KeepGradients, synthetic_dataset, train_briefly
from studio.engine.data import load_dataset
from studio.engine.families.base import ENCODE, LATENT, LIKELIHOOD, Batch, ConfigError, DataInfo, get_family
from studio.engine.families.flow import Flow, FlowConfig
from studio.engine.families.flowgan import FlowGAN, FlowGANConfig
from studio.engine.run import Run
from studio.engine.training import Trainer, TrainStepContext

TINY = FlowGANConfig.from_preset("tiny")


def make_model(size=8, channels=3, config=TINY, seed=0) -> FlowGAN:
    torch.manual_seed(seed)
    return FlowGAN(config, DataInfo(size, channels))


def batch_of(images: np.ndarray) -> Batch:
    return Batch(images=torch.from_numpy(images).permute(0, 3, 1, 2).float().div(127.5).sub(1.0))


def test_registered_as_a_flow_with_a_discriminator():
    assert get_family("flowgan") is FlowGAN and issubclass(FlowGAN, Flow)
    assert FlowGAN.capabilities == {LATENT, ENCODE, LIKELIHOOD} and FlowGAN.held_out_key == "bpd"
    assert FlowGAN.likelihood_kind == Flow.likelihood_kind          # the flow's bits/dim, computed the same way
    assert [o.name for o in FlowGAN.sample_options()] == ["temperature"]
    model = make_model()
    assert set(model.modules()) == {"flow", "discriminator"}
    assert set(model.optimizers(1e-3)) == {"main", "discriminator"}
    plain = make_model(config=TINY.replace(adversarial_weight=0.0))
    assert set(plain.modules()) == {"flow"} and set(plain.optimizers(1e-3)) == {"main"} and plain.discriminator is None


# -- weight 0 is the plain flow ------------------------------------------------------------------
def test_with_weight_zero_a_step_is_the_plain_flows_step():
    """Same seed, same batch: the same weights before, the same loss and the same weights after one real step."""
    flow_config = FlowConfig(**{k: v for k, v in TINY.to_dict().items() if k in FlowConfig.__dataclass_fields__})
    torch.manual_seed(0)
    flow = Flow(flow_config, DataInfo(8, 3))
    model = make_model(config=TINY.replace(adversarial_weight=0.0))
    for a, b in zip(flow.flow.state_dict().values(), model.flow.state_dict().values()):
        assert torch.equal(a, b)
    batch = batch_of(synthetic_dataset(n=8).images)
    out = []
    for family in (flow, model):
        family.train()
        ctx = TrainStepContext(torch.device("cpu"), None, family.optimizers(1e-3), grad_clip=1.0)
        torch.manual_seed(1)
        out.append((family.train_step(batch, ctx), family.flow.state_dict()))
    assert out[0][0] == out[1][0]
    for a, b in zip(out[0][1].values(), out[1][1].values()):
        assert torch.equal(a, b)


def test_with_weight_zero_training_matches_the_flow_run(tmp_path):
    dataset = synthetic_dataset(n=24, size=8)
    flow_config = FlowConfig(**{k: v for k, v in TINY.to_dict().items() if k in FlowConfig.__dataclass_fields__})
    flow = train_briefly(tmp_path / "flow", dataset, "flow", flow_config, steps=3, batch_size=8).family
    model = train_briefly(tmp_path / "flowgan", dataset, "flowgan", TINY.replace(adversarial_weight=0.0), steps=3,
                          batch_size=8).family
    for a, b in zip(flow.flow.state_dict().values(), model.flow.state_dict().values()):
        assert torch.equal(a, b)
    np.testing.assert_array_equal(next(flow.sample(3, seed=2)).images, next(model.sample(3, seed=2)).images)


# -- the adversarial step --------------------------------------------------------------------------
class RecordGradients(KeepGradients):
    """Backward per optimizer; records which modules got gradients from each loss, then clears them."""

    def __init__(self, model):
        super().__init__()
        self.model, self.touched = model, {}

    def optimize(self, name, loss):
        super().optimize(name, loss)
        self.touched[name] = {m for m, module in self.model.modules().items()
                              if any(p.grad is not None and p.grad.abs().sum() > 0 for p in module.parameters())}
        for module in self.model.modules().values():
            module.zero_grad(set_to_none=True)
        return True


def test_one_step_trains_the_flow_against_a_frozen_discriminator_then_the_discriminator():
    model = make_model()
    model.train()
    ctx = RecordGradients(model)
    losses = model.train_step(batch_of(synthetic_dataset(n=8).images), ctx)
    assert ctx.names == ["main", "discriminator"]
    assert set(losses) == {"bpd", "g_adv", "d_loss", "d_real", "d_fake"}
    assert all(math.isfinite(v) for v in losses.values()) and losses["bpd"] > 0
    assert ctx.touched == {"main": {"flow"}, "discriminator": {"discriminator"}}
    assert all(p.requires_grad for p in model.discriminator.parameters())


def test_the_adversarial_term_changes_the_flows_gradient():
    images = batch_of(synthetic_dataset(n=8).images)
    grads = []
    for weight in (0.0, 1.0):
        model = make_model(config=TINY.replace(adversarial_weight=weight))
        model.train()
        torch.manual_seed(3)
        model.train_step(images, KeepGradients())
        grads.append(torch.cat([p.grad.flatten() for p in model.flow.parameters()]))
    assert not torch.allclose(grads[0], grads[1])


def test_training_lowers_held_out_bits_with_the_adversary_on(tmp_path):
    """demo:digits at 8 px, tiny preset, 15 steps of 32: the likelihood term still trains the flow."""
    dataset = load_dataset("demo:digits", size=8)
    before = make_model(8, 1).log_likelihood(dataset.images[:64]).mean()
    trainer = train_briefly(tmp_path / "run", dataset, "flowgan", TINY, steps=15, batch_size=32)
    bpd = trainer.family.log_likelihood(dataset.images[trainer.val_idx]).mean()
    assert bpd < before - 0.5, f"held-out {bpd:.3f} bits/dim, untrained {before:.3f}"
    losses = trainer.family.validation_losses(batch_of(dataset.images[trainer.val_idx[:16]]))
    assert set(losses) == {"bpd"}


# -- sampling, save -> load, resume ----------------------------------------------------------------
def test_samples_are_deterministic_by_seed_and_temperature_scales_the_noise():
    model = make_model()
    images = next(model.sample(4, seed=10)).images
    assert images.dtype == np.uint8 and images.shape == (4, 8, 8, 3)
    np.testing.assert_array_equal(images, next(model.sample(4, seed=10)).images)
    np.testing.assert_array_equal(images[2:], next(model.sample(2, seed=12)).images)
    cold = next(model.sample(3, seed=10, temperature=0.0)).images
    assert (cold == cold[:1]).all()


def test_save_load_and_resume_are_exact(tmp_path):
    dataset = synthetic_dataset(n=24, size=8)
    whole = train_briefly(tmp_path / "whole", dataset, "flowgan", TINY, steps=4, batch_size=8)
    loaded, _ = Run.open(tmp_path / "whole").load_family()
    assert isinstance(loaded, FlowGAN) and loaded.config == TINY
    np.testing.assert_array_equal(next(loaded.sample(4, seed=5)).images, next(whole.family.sample(4, seed=5)).images)
    np.testing.assert_array_equal(loaded.log_likelihood(dataset.images[:4]),
                                  whole.family.log_likelihood(dataset.images[:4]))

    train_briefly(tmp_path / "halves", dataset, "flowgan", TINY, steps=2, batch_size=8)
    resumed = Trainer.resume(tmp_path / "halves", dataset, steps=4)
    for _ in resumed.run():
        pass
    assert resumed.result.status == "completed"
    for name in ("flow", "discriminator"):
        for a, b in zip(whole.family.modules()[name].state_dict().values(),
                        resumed.family.modules()[name].state_dict().values()):
            assert torch.equal(a, b), name


# -- config ----------------------------------------------------------------------------------------
@pytest.mark.parametrize("preset", sorted(FlowGANConfig.presets))
def test_presets_round_trip(preset):
    cfg = FlowGANConfig.from_preset(preset)
    assert FlowGANConfig.from_json(cfg.to_json()) == cfg


@pytest.mark.parametrize("values, match", [
    (dict(adversarial_weight=-0.1), r"adversarial_weight must be in \[0, 100\], not -0.1"),
    (dict(d_channels=(30,)), r"d_channels must be multiples of 4"),
    (dict(augment="blur"), "augment takes a comma-separated list of color, translation, cutout"),
    (dict(levels=0), "levels must be between 1 and 6, not 0"),                 # the flow's own checks still run
])
def test_invalid_config_says_what_to_change(values, match):
    with pytest.raises(ConfigError, match=match):
        FlowGANConfig(**values)


def test_unsuitable_image_size_is_refused_with_a_clear_message():
    with pytest.raises(ConfigError, match="power-of-two image size of at least 4, not 12"):
        FlowGAN(FlowGANConfig(levels=2), DataInfo(12, 3))
    with pytest.raises(ConfigError, match="3 levels needs an image side divisible by 8, not 4"):
        FlowGAN(FlowGANConfig(levels=3), DataInfo(4, 3))
