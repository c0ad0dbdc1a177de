"""studio.engine.families.ddgan: the few-step schedule and its posterior, a step's losses and gradients (each player
its own optimizer), training, save -> load, sampling in exactly `denoising_steps` generator calls, determinism by
seed, prompts, and settings refused with a clear message."""
from __future__ import annotations

import math

import numpy as np
import pytest
import torch

from synthetic import KeepGradients, synthetic_dataset, train_briefly
from studio.engine.families.base import LIKELIHOOD, PROGRESSIVE, PROMPT, Batch, ConfigError, DataInfo, get_family
from studio.engine.families.ddgan import DDGAN, DDGANConfig, alphas_cumprod
from studio.engine.run import Run
from studio.engine.training import TrainConfig, TrainStepContext

TINY = DDGANConfig.from_preset("tiny")
WORDS = ("red", "blue", "circle", "square")


def make_model(size=8, channels=3, vocabulary=(), config=TINY, seed=0, labels=()) -> DDGAN:
    torch.manual_seed(seed)
    return DDGAN(config, DataInfo(size, channels, label_names=labels, has_captions=bool(vocabulary) and not labels,
                                  vocabulary=vocabulary))


def batch_for(size=8, n=8, captions=None) -> Batch:
    x = torch.from_numpy(synthetic_dataset(n=n, size=size).images).permute(0, 3, 1, 2).float().div(127.5).sub(1.0)
    return Batch(images=x, captions=captions)


def test_registered_with_its_capabilities():
    assert get_family("ddgan") is DDGAN
    assert make_model().capabilities == {PROGRESSIVE}
    assert make_model(vocabulary=WORDS).capabilities == {PROGRESSIVE, PROMPT}
    assert LIKELIHOOD not in DDGAN.capabilities and "no likelihood" in DDGAN.description
    assert DDGAN.sample_options() == [] and DDGAN.held_out_key is None
    assert DDGANConfig().denoising_steps == 4


# -- the schedule -----------------------------------------------------------------------------------
def test_the_schedule_runs_from_the_data_to_almost_pure_noise():
    ab = alphas_cumprod(4, 0.1, 20.0)
    assert ab[0] == 1.0 and (ab[1:] < ab[:-1]).all() and ab[-1] < 1e-4
    assert ab[1] == pytest.approx(math.exp(-0.1 * 0.25 - 0.5 * 19.9 * 0.25 ** 2))


def test_the_posterior_is_gaussian_with_ddpm_s_mean_and_variance_and_the_last_step_gives_x0():
    model = make_model(config=TINY.replace(denoising_steps=2))
    x0, x_k = torch.randn(1, 3, 8, 8), torch.randn(1, 3, 8, 8)
    k = torch.tensor([1])
    np.testing.assert_allclose(model.posterior(x0, x_k, k, torch.randn_like(x0)).numpy(), x0.numpy(), atol=1e-6)
    k = torch.tensor([2])
    ab = model.alphas_cumprod.float()
    beta = 1 - ab[2] / ab[1]
    mean = model.posterior(x0, x_k, k, torch.zeros_like(x0))
    expected = (ab[1].sqrt() * beta * x0 + (1 - beta).sqrt() * (1 - ab[1]) * x_k) / (1 - ab[2])
    np.testing.assert_allclose(mean.numpy(), expected.numpy(), atol=1e-6)
    spread = model.posterior(x0, x_k, k, torch.ones_like(x0)) - mean
    assert torch.allclose(spread, (beta * (1 - ab[1]) / (1 - ab[2])).sqrt().expand_as(spread))


def test_noised_pairs_have_the_variance_of_their_steps():
    model = make_model(config=TINY.replace(denoising_steps=3))
    x0 = torch.zeros(4000, 1, 1, 1)
    for k in (1, 2, 3):
        x_prev, x_k = model.noised_pair(x0, torch.full((4000,), k))
        ab = model.alphas_cumprod
        assert x_prev.var().item() == pytest.approx(1 - ab[k - 1].item(), abs=0.06)
        assert x_k.var().item() == pytest.approx(1 - ab[k].item(), abs=0.06)


# -- training -----------------------------------------------------------------------------------------
@pytest.mark.parametrize("vocabulary", [(), WORDS])
def test_one_step_gives_finite_losses_and_gradients_for_each_player(vocabulary):
    model = make_model(vocabulary=vocabulary)
    ctx = KeepGradients()
    captions = ("red circle", "blue", "", "square") * 2 if vocabulary else None
    losses = model.train_step(batch_for(captions=captions), ctx)
    assert set(losses) == {"d_loss", "g_loss", "r1", "d_real", "d_fake"}
    assert all(math.isfinite(v) for v in losses.values()) and losses["r1"] > 0
    assert ctx.names == ["discriminator", "generator"]
    for name, module in model.modules().items():
        grads = [p.grad for p in module.parameters()]
        assert all(g is not None and torch.isfinite(g).all() for g in grads), f"{name}: a parameter got no gradient"


def test_augmenting_moves_both_images_of_a_pair_together_and_the_step_still_trains():
    model = make_model(config=TINY.replace(augment="translation"))
    torch.manual_seed(1)
    x_prev = torch.randn(64, 3, 8, 8)
    pair = model._pair(x_prev, x_prev.clone())                    # the same image twice: must stay the same twice
    assert not torch.equal(pair[:, :3], x_prev)                   # moved (64 draws: some shift is not zero)
    assert torch.equal(pair[:, :3], pair[:, 3:])
    assert torch.equal(make_model()._pair(x_prev, x_prev), torch.cat([x_prev, x_prev], 1))   # off by default
    losses = model.train_step(batch_for(), KeepGradients())
    assert all(math.isfinite(v) for v in losses.values()) and losses["r1"] > 0


def test_real_steps_change_both_players_and_leave_no_gradients():
    model = make_model()
    model.train()
    ctx = TrainStepContext(torch.device("cpu"), None, model.optimizers(1e-3), grad_clip=10.0)
    before = {n: [p.detach().clone() for p in m.parameters()] for n, m in model.modules().items()}
    model.train_step(batch_for(), ctx)
    assert not ctx.skipped
    for name, module in model.modules().items():
        assert any(not torch.equal(a, p) for a, p in zip(before[name], module.parameters())), name
        assert all(p.grad is None for p in module.parameters()), f"{name}: gradients left behind"


def test_training_moves_samples_toward_the_data(tmp_path):
    """40 steps on images of one colour: the samples, grey from an untrained generator, take on that colour."""
    dataset = synthetic_dataset(n=64, size=8)
    colour = np.array([200, 40, 90])
    dataset.images[:] = colour.astype(np.uint8)
    trainer = train_briefly(tmp_path / "run", dataset, "ddgan", TINY, steps=40, lr=2e-3)

    def distance(family) -> float:                        # of the samples' mean colour
        return np.abs(list(family.sample(16, seed=0))[-1].images.reshape(-1, 3).mean(0) - colour).mean()

    assert distance(trainer.family) < 0.3 * distance(make_model())


def test_save_and_load_gives_the_same_samples(tmp_path):
    dataset = synthetic_dataset(n=24, size=8)
    trainer = train_briefly(tmp_path / "run", dataset, "ddgan", TINY, steps=3, batch_size=8)
    family, _ = Run.open(tmp_path / "run").load_family()
    assert isinstance(family, DDGAN) and family.config == TINY
    live = list(trainer.family.sample(3, seed=9))
    loaded = list(family.sample(3, seed=9))
    for a, b in zip(live, loaded):
        np.testing.assert_array_equal(a.images, b.images)
        np.testing.assert_array_equal(a.extras["x0"], b.extras["x0"])


# -- sampling -------------------------------------------------------------------------------------------
@pytest.mark.parametrize("steps", [1, 2, 4, 8])
def test_sampling_calls_the_generator_exactly_denoising_steps_times(steps):
    model = make_model(config=TINY.replace(denoising_steps=steps))
    calls = []
    model.generator.register_forward_hook(lambda module, args, out: calls.append(args[0].shape[0]))
    frames = list(model.sample(5, seed=0))
    assert calls == [5] * steps, "one batched generator call per step"
    assert [(f.step, f.total) for f in frames] == [(i, steps) for i in range(1, steps + 1)] and frames[-1].is_last
    assert [f.label for f in frames] == [f"step {i}/{steps}" for i in range(1, steps + 1)]
    for frame in frames:
        assert frame.images.shape == frame.extras["x0"].shape == (5, 8, 8, 3) and frame.images.dtype == np.uint8
    np.testing.assert_array_equal(frames[-1].images, frames[-1].extras["x0"])   # the last step lands on x0


def wake(model: DDGAN) -> DDGAN:
    """Random values in the layers a fresh U-Net starts at zero (its output, its blocks' second convolutions, its
    attention projections), so z, the step and the prompt reach the output."""
    with torch.no_grad():
        for p in model.generator.parameters():
            if not p.abs().sum():
                p.normal_(0, 0.2)
    return model


def test_sampling_is_deterministic_by_seed_and_image_i_comes_from_seed_plus_i():
    model = wake(make_model())
    first = list(model.sample(3, seed=4))[-1].images
    np.testing.assert_array_equal(first, list(model.sample(3, seed=4))[-1].images)
    np.testing.assert_array_equal(first[1:], list(model.sample(2, seed=5))[-1].images)
    assert not np.array_equal(first, list(model.sample(3, seed=7))[-1].images)
    assert not np.array_equal(first[0], first[1])


def test_unknown_sampling_options_are_refused():
    with pytest.raises(ConfigError, match="unknown sampling option"):
        list(make_model().sample(1, seed=0, steps=20))


def test_the_prompt_steers_sampling_and_unknown_words_are_named():
    model = wake(make_model(vocabulary=WORDS))
    red = list(model.sample(2, seed=0, prompt="red circle"))[-1].images
    np.testing.assert_array_equal(red, list(model.sample(2, seed=0, prompt="red circle"))[-1].images)
    assert not np.array_equal(red, list(model.sample(2, seed=0, prompt="blue square"))[-1].images)
    assert [str(m) for m in model.prompt_warnings("red hexagon")] == [
        "the model never saw 'hexagon': it is treated as an unknown word"]
    assert model.prompt_warnings("") == [] and make_model().prompt_warnings("red")


def test_label_names_are_the_prompt_of_labelled_images():
    model = make_model(vocabulary=("zero", "one"), labels=("zero", "one"))
    batch = Batch(images=torch.zeros(2, 3, 8, 8), labels=torch.tensor([1, 0]), captions=("", "a zero"))
    assert model._texts(batch) == ["one", "a zero"]
    flat, offsets = model._d_tokens(torch.tensor([2, 4]), ["one", ""])
    assert offsets.tolist() == [0, 2] and flat.tolist() == [1, 4 + model.tokenizer.encode("one", 2)[1], 3]


def test_preview_shows_the_same_noise_every_time():
    model = make_model()
    batch = batch_for()
    a, b = list(model.preview(batch, n=4)), list(model.preview(batch, n=4))
    assert len(a) == TINY.denoising_steps
    np.testing.assert_array_equal(a[-1].images, b[-1].images)


# -- config ---------------------------------------------------------------------------------------------
@pytest.mark.parametrize("steps", [0, 9, -1, 2.5])
def test_denoising_steps_outside_1_to_8_are_refused_with_a_clear_message(steps):
    with pytest.raises(ConfigError, match=r"denoising_steps must be a whole number between 1 and 8 \(a denoising "
                                          r"diffusion GAN is made for 2-4\), not " + str(steps)):
        DDGANConfig(denoising_steps=steps)


@pytest.mark.parametrize("values, match", [
    (dict(channels=(12, 32)), "channels must be multiples of 8"),
    (dict(r1_gamma=-1), "r1_gamma must be between 0 and 100, not -1"),
    (dict(beta_min=5, beta_max=1), "0 < beta_min < beta_max <= 100"),
    (dict(z_dim=0), "z_dim must be between 1 and 1024, not 0"),
    (dict(augment="translation,color"), "augment takes a comma-separated list of translation, cutout .*not color"),
])
def test_invalid_config_says_what_to_change(values, match):
    with pytest.raises(ConfigError, match=match):
        DDGANConfig(**values)


def test_unsuitable_image_sizes_are_refused():
    with pytest.raises(ConfigError, match="power-of-two image size of at least 8 .* not 24"):
        make_model(24)
    with pytest.raises(ConfigError, match="not 4"):
        make_model(4)


@pytest.mark.parametrize("preset", sorted(DDGANConfig.presets))
def test_presets_round_trip(preset):
    cfg = DDGANConfig.from_preset(preset)
    assert DDGANConfig.from_json(cfg.to_json()) == cfg


def test_train_defaults_are_a_valid_train_config():
    config = TrainConfig(**DDGAN.train_defaults)
    assert config.batch_size == DDGAN.train_defaults["batch_size"] and config.lr > 0
