"""studio.engine.families.gan: a step's losses and gradients, save -> load, conditioning, latent
space, DiffAugment, the collapse watch, and the StepContext.warn hook of the Trainer."""
from __future__ import annotations

import math

import numpy as np
import pytest
import torch

from synthetic import KeepGradients, synthetic_dataset
from studio.engine.families import gan as gan_module
from studio.engine.families.base import LATENT, PROMPT, Batch, ConfigError, DataInfo, get_family
from studio.engine.families.gan import GAN, GANConfig, diff_augment, diversity
from studio.engine.run import Run
from studio.engine.training import TrainConfig, Trainer, TrainingWarning, TrainStepContext

LABELLED = DataInfo(8, 3, label_names=("circle", "square"))
CAPTIONED = DataInfo(8, 3, has_captions=True, vocabulary=("red", "blue", "circle"))


def make_gan(data=DataInfo(8, 3), seed=0, **settings) -> GAN:
    torch.manual_seed(seed)
    return GAN(GANConfig.from_preset("tiny", **settings), data)


def batch_for(data: DataInfo, n=8) -> Batch:
    images = torch.from_numpy(synthetic_dataset(n=n, size=data.image_size).images)
    x = images.permute(0, 3, 1, 2).float().div(127.5).sub(1.0)                   # (B, C, H, W) in [-1, 1]
    labels = torch.arange(n) % len(data.label_names) if data.label_names else None
    captions = tuple(("red circle", "blue", "")[i % 3] for i in range(n)) if data.has_captions else None
    return Batch(images=x, labels=labels, captions=captions)


def test_registered_with_its_capabilities_and_presets():
    assert get_family("gan") is GAN and GAN.capabilities == {LATENT}
    assert [o.name for o in GAN.sample_options()] == ["truncation"]
    for preset in GANConfig.presets:
        GANConfig.from_preset(preset)
    assert make_gan().capabilities == {LATENT}
    assert make_gan(LABELLED).capabilities == {LATENT, PROMPT}      # conditioned models take prompts
    assert make_gan(LABELLED, condition="none").condition == "none"


@pytest.mark.parametrize("settings, message", [
    (dict(loss="wasserstein"), "loss must be one of hinge, wgan-gp"),
    (dict(augment="color,flip"), "not flip"),
    (dict(channels=(6,)), "multiples of 4"),
    (dict(condition="words"), "condition must be one of"),
    (dict(d_lr_ratio=0.0), r"d_lr_ratio must be in \(0, 100\]"),
    (dict(beta1=1.0), r"beta1 must be in \[0, 1\)"),
])
def test_bad_settings_say_what_to_change(settings, message):
    with pytest.raises(ConfigError, match=message):
        GANConfig.from_preset("tiny", **settings)


def test_the_discriminator_learns_at_d_lr_ratio_times_the_generators_rate():
    optimizers = make_gan(d_lr_ratio=4.0, beta1=0.0).optimizers(1e-4)
    assert set(optimizers) == {"generator", "discriminator"}
    g, d = optimizers["generator"].param_groups[0], optimizers["discriminator"].param_groups[0]
    assert g["lr"] == pytest.approx(1e-4) and d["lr"] == pytest.approx(4e-4)
    assert g["betas"][0] == d["betas"][0] == 0.0


def test_conditions_the_data_cannot_give_are_refused():
    with pytest.raises(ConfigError, match="class folders"):
        make_gan(condition="label")
    with pytest.raises(ConfigError, match="captions"):
        make_gan(LABELLED, condition="caption")
    with pytest.raises(ConfigError, match="power-of-two"):
        make_gan(DataInfo(12, 3))


@pytest.mark.parametrize("data, loss", [(DataInfo(8, 3), "hinge"), (LABELLED, "wgan-gp"), (CAPTIONED, "hinge")],
                         ids=["unconditional-hinge", "label-wgan-gp", "caption-hinge"])
def test_one_step_gives_finite_losses_and_gradients(data, loss):
    gan = make_gan(data, loss=loss)
    gan.train()
    ctx = KeepGradients()
    losses = gan.train_step(batch_for(data), ctx)
    expected = {"d_loss", "g_loss", "d_real", "d_fake", "diversity"} | ({"gp"} if loss == "wgan-gp" else set())
    assert set(losses) == expected
    assert all(isinstance(v, float) and math.isfinite(v) for v in losses.values())
    assert ctx.names == ["discriminator", "generator"]
    for name, module in gan.modules().items():
        grads = [p.grad for p in module.parameters()]
        assert all(g is not None and torch.isfinite(g).all() for g in grads), name
        assert sum(g.abs().sum().item() for g in grads) > 0, f"{name}: all gradients are zero"


def test_real_steps_change_only_the_player_that_steps():
    gan = make_gan()
    gan.train()
    ctx = TrainStepContext(torch.device("cpu"), None, gan.optimizers(1e-3), grad_clip=10.0)
    before = {n: [p.detach().clone() for p in m.parameters()] for n, m in gan.modules().items()}
    gan.train_step(batch_for(DataInfo(8, 3)), ctx)
    assert not ctx.skipped
    for name, module in gan.modules().items():
        assert any(not torch.equal(a, p) for a, p in zip(before[name], module.parameters())), name
        assert all(p.grad is None for p in module.parameters()), f"{name}: gradients left behind"


def test_a_non_finite_batch_is_skipped_for_the_trainer_to_count():
    gan = make_gan()
    gan.train()
    ctx = TrainStepContext(torch.device("cpu"), None, gan.optimizers(1e-3), grad_clip=10.0)
    before = [p.detach().clone() for p in gan.discriminator.parameters()]
    losses = gan.train_step(Batch(images=torch.full((8, 3, 8, 8), float("nan"))), ctx)
    assert ctx.skipped and math.isnan(losses["d_loss"])                 # the Trainer rolls back after a few
    assert all(torch.equal(a, p) for a, p in zip(before, gan.discriminator.parameters()))
    assert not gan.watch                                                # nothing non-finite in the running stats


def test_save_load_gives_identical_samples(tmp_path):
    data = synthetic_dataset(n=16, size=8)
    trainer = Trainer(data, tmp_path / "run", family="gan", family_config=GANConfig.from_preset("tiny"),
                      config=TrainConfig(steps=3, batch_size=8, preview_seconds=0, validate_seconds=0, ema_decay=0.9))
    events = list(trainer.run())
    assert trainer.result.status == "completed", events
    live = next(trainer.family.sample(4, seed=11)).images
    loaded, _ = Run.open(tmp_path / "run").load_family()
    again = next(loaded.sample(4, seed=11)).images
    assert live.shape == (4, 8, 8, 3) and live.dtype == np.uint8
    np.testing.assert_array_equal(live, again)
    np.testing.assert_array_equal(next(loaded.sample(1, seed=13)).images[0], again[2])   # image i from seed + i
    assert not np.array_equal(again[0], again[1])


def test_preview_shows_the_same_noise_every_time():
    gan = make_gan()
    batch = batch_for(DataInfo(8, 3))
    first = next(gan.preview(batch, seed=0)).images
    np.testing.assert_array_equal(first, next(gan.preview(batch, seed=0)).images)
    gan.train()
    gan.train_step(batch, TrainStepContext(torch.device("cpu"), None, gan.optimizers(1e-2), grad_clip=10.0))
    assert not np.array_equal(first, next(gan.preview(batch, seed=0)).images)     # same noise, a changed model


def test_prompts_pick_the_condition():
    gan = make_gan(LABELLED)
    circles = next(gan.sample(2, seed=0, prompt="circle")).images
    squares = next(gan.sample(2, seed=0, prompt="a Square")).images
    assert not np.array_equal(circles, squares)
    np.testing.assert_array_equal(circles, next(gan.sample(2, seed=0, prompt="Circle")).images)
    with pytest.raises(ConfigError, match="names no class.*circle, square"):
        next(gan.sample(1, seed=0, prompt="banana"))
    assert gan.prompt_warnings("banana") and not gan.prompt_warnings("circle")
    captioned = make_gan(CAPTIONED)
    assert captioned.prompt_warnings("red banana") == ["words the model never saw: banana"]
    red = next(captioned.sample(2, seed=0, prompt="red circle")).images
    assert not np.array_equal(red, next(captioned.sample(2, seed=0, prompt="blue circle")).images)


def test_latent_directions_and_decode():
    gan = make_gan()
    directions = gan.latent_directions()
    vectors = np.stack([d.vector for d in directions])                  # (D, D)
    assert gan.latent_shape == (16,) and vectors.shape == (16, 16) and vectors.dtype == np.float32
    np.testing.assert_allclose(vectors @ vectors.T, np.eye(16), atol=1e-5)   # orthonormal
    spreads = [float(d.name.split("spread ")[1].rstrip(")")) for d in directions]
    assert spreads == sorted(spreads, reverse=True)
    z = np.zeros((3, 16), np.float32)
    z[1] = 3 * directions[0].vector
    images = gan.decode(z)
    assert images.shape == (3, 8, 8, 3)
    np.testing.assert_array_equal(images[0], images[2])
    assert not np.array_equal(images[0], images[1])


def test_diff_augment_keeps_shape_and_gradients():
    torch.manual_seed(0)
    x = torch.ones(16, 3, 8, 8, requires_grad=True)
    cut = diff_augment(x, ["cutout"])
    zeros = (cut == 0).float().mean().item()
    assert 0 < zeros <= 0.25                                            # a 4x4 hole, partly outside at times
    out = diff_augment(x, ["color", "translation", "cutout"])
    assert out.shape == x.shape
    out.sum().backward()
    assert torch.isfinite(x.grad).all() and x.grad.abs().sum() > 0
    moved = diff_augment(torch.arange(64.0).view(1, 1, 8, 8).repeat(32, 1, 1, 1), ["translation"])
    assert len({m.sum().item() for m in moved}) > 1                    # images shifted by different amounts


def test_a_collapsed_generator_is_reported_and_a_healthy_one_is_not():
    ctx = KeepGradients(step=gan_module.WATCH_AFTER_STEPS)
    healthy = make_gan()
    healthy.train()
    healthy.train_step(batch_for(DataInfo(8, 3)), ctx)
    assert not [w for w in ctx.warnings if "mode collapse" in w]
    collapsed = make_gan()
    collapsed.train()
    with torch.no_grad():
        collapsed.generator.head.weight.zero_()                         # every z gives the same image
    collapsed.train_step(batch_for(DataInfo(8, 3)), ctx)
    assert any("mode collapse" in w for w in ctx.warnings)
    assert diversity(torch.zeros(4, 3, 8, 8)).item() == 0


def test_minibatch_std_lets_the_discriminator_see_a_batch_of_copies():
    x = batch_for(DataInfo(8, 3)).images
    copies = x[:1].repeat(8, 1, 1, 1)                                   # what a collapsed generator paints
    for minibatch_std in (False, True):
        torch.manual_seed(0)
        disc = gan_module.Discriminator((8, 16), DataInfo(8, 3), sn=True, minibatch_std=minibatch_std).eval()
        with torch.no_grad():
            alone, among_others = disc(copies)[0][0], disc(torch.cat([x[:1], x[1:]]))[0][0]
        assert torch.isclose(alone, among_others).item() != minibatch_std


def test_context_warn_dedupes_per_message():
    ctx = TrainStepContext(torch.device("cpu"), None, {}, grad_clip=1.0)
    for step in (0, 1, 499, 500, 501):
        ctx.step = step
        ctx.warn("collapse")
    ctx.warn("other")
    assert ctx.warnings == ["collapse", "collapse", "other"]


def test_trainer_yields_a_family_warning_once(tmp_path, monkeypatch):
    monkeypatch.setattr(gan_module, "WATCH_AFTER_STEPS", 0)
    config = GANConfig.from_preset("tiny", collapse_threshold=0.999)   # every step looks "collapsed"
    trainer = Trainer(synthetic_dataset(n=16, size=8), tmp_path / "run", family="gan", family_config=config,
                      config=TrainConfig(steps=4, batch_size=8, preview_seconds=0, validate_seconds=0))
    warnings = [e for e in trainer.run() if isinstance(e, TrainingWarning)]
    assert trainer.result.status == "completed"
    assert len([w for w in warnings if "mode collapse" in w.message]) == 1


def test_attribute_sliders_are_fitted_to_samples_labelled_by_their_nearest_training_image(monkeypatch):
    """Red training images captioned 'red', blue ones 'blue'; a generator that paints red where z[0] > 0:
    the fitted 'red' direction points along +z0 and survives save -> load (extra_state)."""
    images = np.zeros((32, 8, 8, 3), np.uint8)
    images[:16, ..., 0] = 220                                           # red
    images[16:, ..., 2] = 220                                           # blue
    captions = ("red",) * 16 + ("blue",) * 16
    model = make_gan(CAPTIONED, condition="none")

    def paint(z, token_lists):
        out = np.zeros((len(z), 8, 8, 3), np.uint8)
        red = (z[:, 0] > 0).cpu().numpy()
        out[red, ..., 0] = 200
        out[~red, ..., 2] = 200
        return out

    monkeypatch.setattr(model, "_generate", paint)
    model.fit_latent_statistics(images, None, captions, n=256)
    attributes = {d.name: d for d in model.latent_directions() if d.kind == "attribute"}
    assert set(attributes) == {"red", "blue"}
    red = attributes["red"].vector
    assert red[0] > 0.9 and np.abs(red[1:]).max() < 0.3
    assert len(model.latent_directions()) == 2 + model.config.z_dim     # then the GANSpace directions
    loaded = make_gan(CAPTIONED, condition="none")
    loaded.load_extra_state(model.extra_state())
    np.testing.assert_array_equal(loaded.statistics.attributes, model.statistics.attributes)
    model.fit_latent_statistics(images, None, ())                      # nothing to name: no attribute sliders
    assert model.statistics is None and len(model.latent_directions()) == model.config.z_dim
