"""studio.engine.families.vaegan: a step's losses and gradients before and after the adversarial
terms join, the adaptive weight, save -> load, and that it stays a VAE (encode, decode, latents)."""
from __future__ import annotations

import math

import numpy as np
import pytest
import torch

from synthetic import KeepGradients, synthetic_dataset
from studio.engine.families.base import ENCODE, LATENT, Batch, ConfigError, DataInfo, get_family
from studio.engine.families.vaegan import VAEGAN, VAEGANConfig, PatchDiscriminator, adaptive_weight, feature_matching
from studio.engine.run import Run
from studio.engine.training import TrainConfig, Trainer, TrainStepContext

TINY = VAEGANConfig.from_preset("tiny", latent_dim=4, adv_start_steps=10)


def make_vaegan(config=TINY, seed=0) -> VAEGAN:
    torch.manual_seed(seed)
    return VAEGAN(config, DataInfo(8, 3))


def batch_of(n=8) -> Batch:
    x = torch.from_numpy(synthetic_dataset(n=n).images).permute(0, 3, 1, 2).float().div(127.5).sub(1.0)
    return Batch(images=x)                                                     # (B, C, H, W) in [-1, 1]




def test_registered_as_a_vae_with_a_discriminator():
    assert get_family("vaegan") is VAEGAN
    assert VAEGAN.capabilities == {LATENT, ENCODE}
    model = make_vaegan()
    assert set(model.modules()) == {"encoder", "decoder", "discriminator"}
    assert set(model.optimizers(1e-3)) == {"main", "discriminator"}
    for preset in VAEGANConfig.presets:
        VAEGANConfig.from_preset(preset)
    with pytest.raises(ConfigError, match="d_channels must be multiples of 4"):
        VAEGANConfig.from_preset("tiny", d_channels=(5,))
    with pytest.raises(ConfigError, match="cannot be negative"):
        VAEGANConfig.from_preset("tiny", adv_weight=-1.0)
    with pytest.raises(ConfigError, match="latent_dim"):                       # the VAE's checks still apply
        VAEGANConfig.from_preset("tiny", latent_dim=0)


@pytest.mark.parametrize("step", [0, 10], ids=["before-adversarial", "adversarial"])
def test_one_step_gives_finite_losses_and_gradients(step):
    model = make_vaegan()
    model.train()
    ctx = KeepGradients(step)
    losses = model.train_step(batch_of(), ctx)
    adversarial = {"g_adv", "fm"} if step >= 10 else set()
    assert set(losses) == {"loss", "recon_mse", "kl", "beta", "adv_weight", "d_loss", "d_real", "d_fake"} | adversarial
    assert all(isinstance(v, float) and math.isfinite(v) for v in losses.values())
    assert (losses["adv_weight"] > 0) == (step >= 10)
    assert ctx.names == ["main", "discriminator"] and ctx.warnings == []
    for name, module in model.modules().items():
        grads = [p.grad for p in module.parameters()]
        assert all(g is not None and torch.isfinite(g).all() for g in grads), name
        assert sum(g.abs().sum().item() for g in grads) > 0, f"{name}: all gradients are zero"


def test_the_adversarial_terms_change_the_decoders_update():
    grads = []
    for step in (0, 10):
        model = make_vaegan(TINY.replace(kl_warmup_steps=0))
        model.train()
        torch.manual_seed(5)
        model.train_step(batch_of(), KeepGradients(step))
        grads.append(model.decoder.body[-1].weight.grad.clone())
    assert not torch.allclose(grads[0], grads[1])


@pytest.mark.parametrize("size, patches", [(8, 16), (32, 64), (64, 64)])
def test_the_patch_discriminator_scores_each_patch(size, patches):
    torch.manual_seed(0)
    disc = PatchDiscriminator((8, 16), DataInfo(size, 3)).eval()     # eval: no power iteration per call
    x = torch.randn(2, 3, size, size)
    scores, features = disc(x)
    assert scores.shape == (2, patches) and len(features) >= 2
    x2 = x.clone()
    x2[:, :, :4, :4] = 5.0                                            # a change in one corner...
    changed = (disc(x2)[0] != scores).any(0).view(int(patches ** 0.5), -1)
    assert changed[0, 0] and (size == 8 or not changed[-1, -1])       # ...moves the scores there, not far away
    with pytest.raises(ConfigError, match="at least 8, not 4"):
        PatchDiscriminator((8,), DataInfo(4, 3))


def test_laplace_likelihood_is_an_l1_loss_with_a_learned_scale():
    model = make_vaegan(TINY.replace(likelihood="laplace", kl_warmup_steps=0))
    x = batch_of().images
    mean, logvar = torch.zeros(8, 4), torch.zeros(8, 4)                   # KL = 0
    recon = x + 0.1
    out = model._losses(x, mean, logvar, recon, 1.0)                      # log b = 0: b = 1
    assert out["loss"].item() == pytest.approx(0.1 + math.log(2.0), rel=1e-4)
    gaussian = make_vaegan(TINY.replace(likelihood="gaussian", kl_warmup_steps=0))
    assert gaussian._losses(x, mean, logvar, recon, 1.0)["loss"].item() == pytest.approx(
        0.5 * 0.01 + 0.5 * math.log(2 * math.pi), rel=1e-4)


def test_a_config_saved_before_the_patch_discriminator_keeps_the_old_model():
    saved = {k: v for k, v in VAEGANConfig.from_preset("tiny").to_dict().items()
             if k not in ("discriminator", "likelihood", "adv_warmup_steps", "prior_samples")}
    old = VAEGANConfig.from_dict(saved)
    assert (old.discriminator, old.likelihood, old.adv_warmup_steps, old.prior_samples) == ("global", "gaussian", 0, True)
    assert VAEGANConfig.from_json(VAEGANConfig.from_preset("tiny").to_json()) == VAEGANConfig.from_preset("tiny")
    assert VAEGANConfig.from_preset("small").discriminator == VAEGANConfig().discriminator == "patch"
    assert VAEGANConfig.from_preset("small").likelihood == "gaussian"                # sharper and truer than laplace (vae_vs_vaegan)
    laplace_run = VAEGANConfig.from_preset("tiny").replace(likelihood="laplace").to_dict()   # saved while L1 was the default
    assert VAEGANConfig.from_dict(laplace_run).likelihood == "laplace"


@pytest.mark.parametrize("settings", [dict(prior_samples=True), dict(augment="translation"),
                                      dict(discriminator="global", likelihood="gaussian")])
def test_the_other_variants_step_with_finite_losses(settings):
    model = make_vaegan(TINY.replace(**settings))
    model.train()
    losses = model.train_step(batch_of(), KeepGradients(20))
    assert losses["adv_weight"] > 0 and all(math.isfinite(v) for v in losses.values())


def test_the_adversarial_weight_ramps_up_after_its_start():
    model = make_vaegan(TINY.replace(adv_start_steps=10, adv_warmup_steps=4))
    assert [model._adversarial_ramp(s) for s in (0, 9, 10, 11, 13, 100)] == [0.0, 0.0, 0.25, 0.5, 1.0, 1.0]
    assert make_vaegan(TINY.replace(adv_weight=0.0))._adversarial_ramp(100) == 0.0


def test_adaptive_weight_is_the_ratio_of_gradient_norms():
    w = torch.nn.Parameter(torch.tensor([3.0, 4.0]))
    rec, adv = (w * 2).sum(), (w * w).sum() / 10            # gradients (2, 2) and (0.6, 0.8)
    assert adaptive_weight(rec, adv, w).item() == pytest.approx(math.sqrt(8) / 1.0, rel=1e-3)
    assert feature_matching([torch.ones(2, 3)], [torch.ones(2, 3)]).item() == 0


def test_a_real_step_updates_both_optimizers():
    model = make_vaegan(TINY.replace(adv_start_steps=0))
    model.train()
    ctx = TrainStepContext(torch.device("cpu"), None, model.optimizers(1e-3), grad_clip=10.0)
    before = {n: [p.detach().clone() for p in m.parameters()] for n, m in model.modules().items()}
    model.train_step(batch_of(), ctx)
    assert not ctx.skipped
    for name, module in model.modules().items():
        assert any(not torch.equal(a, p) for a, p in zip(before[name], module.parameters())), name


def test_save_load_gives_identical_samples_and_reconstructions(tmp_path):
    trainer = Trainer(synthetic_dataset(n=16, size=8), tmp_path / "run", family="vaegan",
                      family_config=TINY.replace(adv_start_steps=1),
                      config=TrainConfig(steps=3, batch_size=8, preview_seconds=0, validate_seconds=0, ema_decay=0.9))
    list(trainer.run())
    assert trainer.result.status == "completed"
    live = trainer.family
    loaded, _ = Run.open(tmp_path / "run").load_family()
    np.testing.assert_array_equal(next(live.sample(4, seed=7)).images, next(loaded.sample(4, seed=7)).images)
    images = synthetic_dataset(n=4, size=8, seed=3).images
    z = loaded.encode(images)
    assert z.shape == (4, 4)
    np.testing.assert_array_equal(live.decode(live.encode(images)), loaded.decode(z))
    assert all(d.vector.shape == (4,) for d in loaded.latent_directions())   # the VAE's latent sliders
