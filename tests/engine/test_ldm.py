"""studio.engine.families.ldm: the autoencoder stage, the diffusion stage on its latents, sizes it refuses,
sampling decoded step by step, prompts, save -> load and an exact resume across the stage switch."""
from __future__ import annotations

import math

import numpy as np
import pytest
import torch

from synthetic import synthetic_dataset
from studio.engine.checkpoint import load_checkpoint
from studio.engine.data import load_dataset
from studio.engine.families.base import ENCODE, PROGRESSIVE, PROMPT, Batch, ConfigError, DataInfo, get_family
from studio.engine.families.ldm import LatentDiffusion, LDMConfig
from studio.engine.run import Run
from studio.engine.training import Progress, TrainConfig, Trainer, TrainStepContext

TINY = LDMConfig.from_preset("tiny", autoencoder_steps=3, autoencoder_share=1.0)   # switches at step 3
WORDS = ("red", "blue", "circle", "square")


def make_ldm(size=8, channels=3, vocabulary=WORDS, config=TINY, seed=0) -> LatentDiffusion:
    torch.manual_seed(seed)
    return LatentDiffusion(config, DataInfo(size, channels, has_captions=bool(vocabulary), vocabulary=vocabulary))


def batch_of(images: np.ndarray, captions=None) -> Batch:
    x = torch.from_numpy(images).permute(0, 3, 1, 2).float().div(127.5).sub(1.0)
    return Batch(images=x, captions=captions)


def train_config(**changes) -> TrainConfig:
    values = dict(steps=8, batch_size=8, lr=3e-3, warmup_steps=2, min_lr_ratio=1.0, precision="fp32", device="cpu",
                  seed=0, ema_decay=0.9, event_seconds=0, preview_seconds=0, validate_seconds=0, log_seconds=0,
                  quality_minutes=0, threads=1)
    return TrainConfig(**{**values, **changes})


def test_registered_with_its_capabilities_and_shapes():
    assert get_family("ldm") is LatentDiffusion
    assert LatentDiffusion.capabilities == {ENCODE, PROMPT, PROGRESSIVE}
    assert [o.name for o in LatentDiffusion.sample_options()] == [
        "steps", "sampler", "guidance", "guidance_rescale", "guidance_start", "guidance_end", "eta", "negative",
        "show_steps"]
    ldm = LatentDiffusion(LDMConfig(), DataInfo(16, 3))                   # the defaults: 4x smaller, 4 channels
    assert ldm.latent_shape == (4, 4, 4) and set(ldm.modules()) == {"autoencoder", "unet"}
    eight = LatentDiffusion(LDMConfig(downsample=8), DataInfo(32, 1, vocabulary=WORDS))
    assert eight.latent_shape == (4, 4, 4) and set(eight.modules()) == {"autoencoder", "unet", "text"}
    images = synthetic_dataset(n=3, size=16).images
    z = ldm.encode(images)
    assert z.shape == (3, 4, 4, 4) and z.dtype == np.float32
    assert ldm.decode(z).shape == (3, 16, 16, 3) and ldm.decode(z).dtype == np.uint8


def test_sizes_that_do_not_divide_are_refused_with_what_to_do():
    with pytest.raises(ConfigError, match=r"multiple of 16 here \(the autoencoder makes it 4 times smaller, then the "
                                          r"U-Net's 3 levels halve it again\); 24 is not: use --size 32"):
        LatentDiffusion(LDMConfig(), DataInfo(24, 3))
    with pytest.raises(ConfigError, match=r"multiple of 32 .* 8 times smaller.* 48 is not: use --size 64, or another "
                                          r"downsample \(--set downsample=2, 4 or 8\)"):
        LatentDiffusion(LDMConfig(downsample=8), DataInfo(48, 3))
    with pytest.raises(ConfigError, match="downsample must be 2, 4 or 8"):
        LDMConfig(downsample=16)


def test_two_stages_a_frozen_autoencoder_and_the_diffusion_trained_on_scaled_latents():
    ldm = make_ldm(size=8)
    ctx = TrainStepContext(torch.device("cpu"), None, ldm.optimizers(1e-3), grad_clip=1.0)
    batch = batch_of(synthetic_dataset(n=8).images, captions=("red circle",) * 4 + ("blue square",) * 4)
    seen = []
    inner = ldm.diffusion.train_step
    ldm.diffusion.train_step = lambda b, c: seen.append(b) or inner(b, c)
    ldm.train()
    for step in range(5):
        ctx.step = step
        losses = ldm.train_step(batch, ctx)
        assert all(isinstance(v, float) and math.isfinite(v) for v in losses.values())
        if step < 3:
            assert losses["stage"] == 1.0 and {"recon_mse", "kl"} <= set(losses)
            assert ldm.training_stage(step) == "autoencoder (1/2)" and ldm.held_out_objective(step) == "recon_mse"
        else:
            assert losses["stage"] == 2.0 and losses["latent_loss"] == losses["loss"]
            assert ldm.training_stage(step) == "diffusion (2/2)" and ldm.held_out_objective(step) == "latent_loss"
        if step == 3:
            frozen = {k: v.clone() for k, v in ldm.autoencoder.state_dict().items()}
            unet_before = {k: v.clone() for k, v in ldm.diffusion.unet.state_dict().items()}
    assert all(torch.equal(frozen[k], v) for k, v in ldm.autoencoder.state_dict().items())
    assert any(not torch.equal(unet_before[k], v) for k, v in ldm.diffusion.unet.state_dict().items())
    assert int(ldm.diffusion_start) == 3 and len(seen) == 2
    assert seen[0].images.shape == (8, 4, 4, 4) and seen[0].captions == batch.captions   # 8 px / 2, 4 channels
    assert seen[0].images.std().item() == pytest.approx(1.0, abs=0.05)   # measured on this batch: unit variance
    again = make_ldm()
    again.load_extra_state({k: v.clone() for k, v in ldm.extra_state().items()})
    assert again.started and again.latent_scale == ldm.latent_scale and again.training_stage(3) == "diffusion (2/2)"


def test_a_run_in_minutes_switches_by_its_share():
    ldm = make_ldm(config=LDMConfig.from_preset("tiny", autoencoder_steps=1000, autoencoder_share=0.4))
    ctx = TrainStepContext(torch.device("cpu"), None, ldm.optimizers(1e-3), grad_clip=1.0)
    batch = batch_of(synthetic_dataset(n=8).images)
    stages = []
    for step, fraction in enumerate([0.0, 0.39, 0.41, 0.6]):
        ctx.step, ctx.fraction = step, fraction
        stages.append(ldm.train_step(batch, ctx)["stage"])
    assert stages == [1.0, 1.0, 2.0, 2.0] and int(ldm.diffusion_start) == 2


def test_the_autoencoder_stage_alone_reconstructs_better_after_training(tmp_path):
    dataset = load_dataset("demo:shapes", size=8)
    trainer = Trainer(dataset, tmp_path / "run", family="ldm", config=train_config(steps=40, batch_size=16, lr=8e-3),
                      family_config=LDMConfig.from_preset("tiny", autoencoder_steps=1000, autoencoder_share=1.0))
    progress = [e for e in trainer.run() if isinstance(e, Progress)]
    assert {e.stage for e in progress} == {"autoencoder (1/2)"} and not trainer.family.started
    held = batch_of(dataset.images[trainer.val_idx][:64])
    after = trainer.family.validation_losses(held)
    before = make_ldm(8, 3, trainer.family.data.vocabulary).validation_losses(held)
    assert set(after) == {"recon_mse", "kl"}                  # no diffusion loss before stage 2
    assert after["recon_mse"] < 0.5 * before["recon_mse"], (before, after)
    assert [str(m) for m in trainer.family.prompt_warnings("red circle")] == [
        "the diffusion model is untrained (the run ended in stage 1, the autoencoder), so samples are noise: "
        "train on with --resume"]


def test_resume_across_the_stage_switch_is_exact_and_reloads_to_the_same_samples(tmp_path):
    """6 steps (the switch at step 3), then resumed to 12, against 12 in one go: every step's losses, the weights,
    EMA and optimizers and the latent scale are the same."""
    dataset = synthetic_dataset(n=40, size=8)

    def run(folder, steps):
        trainer = Trainer(dataset, folder, family="ldm", family_config=TINY, config=train_config(steps=steps))
        return trainer, {e.step: e.losses for e in trainer.run() if isinstance(e, Progress)}

    reference, ref_losses = run(tmp_path / "ref", 12)
    _, first = run(tmp_path / "run", 6)
    resumed = Trainer.resume(tmp_path / "run", dataset, steps=12)
    second = {e.step: e.losses for e in resumed.run() if isinstance(e, Progress)}
    assert {**first, **second} == ref_losses and ref_losses[4]["stage"] == 2.0 and ref_losses[3]["stage"] == 1.0
    a = load_checkpoint(Run.open(tmp_path / "ref").checkpoint_path()).tensors
    b = load_checkpoint(Run.open(tmp_path / "run").checkpoint_path()).tensors
    assert a.keys() == b.keys() and all(torch.equal(a[k], b[k]) for k in a if not k.startswith("rng."))
    family, _ = Run.open(tmp_path / "run").load_family()
    assert family.started and family.latent_scale == reference.family.latent_scale
    np.testing.assert_array_equal(list(family.sample(2, seed=5, steps=4))[-1].images,
                                  list(reference.family.sample(2, seed=5, steps=4))[-1].images)


def test_sampling_decodes_every_step_and_is_deterministic_by_seed():
    ldm = make_ldm(size=16, vocabulary=())
    frames = list(ldm.sample(3, seed=4, steps=5))
    assert [f.label for f in frames] == [f"step {i}/5" for i in range(1, 6)] and frames[-1].is_last
    for frame in frames:
        assert frame.images.shape == (3, 16, 16, 3) and frame.images.dtype == np.uint8
        assert set(frame.extras) == {"x0", "latent"} and frame.extras["latent"].shape == (3, 16, 16, 3)
    final = frames[-1].images
    np.testing.assert_array_equal(final, list(ldm.sample(3, seed=4, steps=5))[-1].images)
    np.testing.assert_array_equal(final[1:], list(ldm.sample(2, seed=5, steps=5))[-1].images)   # image i: seed + i
    assert not np.array_equal(final[0], final[1])
    quick = list(ldm.sample(3, seed=4, steps=5, show_steps=False))
    assert len(quick) == 1 and quick[0].is_last
    np.testing.assert_array_equal(quick[0].images, final)
    with pytest.raises(ConfigError, match="unknown sampling option"):
        list(ldm.sample(1, seed=0, temperature=1.0))
    with pytest.raises(ConfigError, match="unknown sampler"):
        list(ldm.sample(1, seed=0, sampler="euler"))
    with pytest.raises(ConfigError, match="show_steps must be one of true, false"):
        list(ldm.sample(1, seed=0, show_steps="maybe"))


def test_prompts_steer_and_unknown_words_are_named():
    ldm = make_ldm(size=8)
    ldm.diffusion_start = torch.tensor(0)
    ldm.diffusion.text.embed.weight.data.mul_(50)          # an untrained model barely listens: make the words count
    for p in ldm.diffusion.unet.parameters():              # zero-initialised output layers: wake them up
        p.data.add_(torch.randn_like(p) * 0.05)
    red = list(ldm.sample(2, seed=0, prompt="red circle", steps=3))[-1].images
    assert not np.array_equal(red, list(ldm.sample(2, seed=0, prompt="blue square", steps=3))[-1].images)
    # guidance in an interval that holds none of the 3 steps (progress 0.001, 0.33, 0.67) draws guidance 1's images
    nowhere = list(ldm.sample(2, seed=0, prompt="red circle", steps=3, guidance_start=0.9))[-1].images
    assert np.array_equal(nowhere, list(ldm.sample(2, seed=0, prompt="red circle", steps=3, guidance=1.0))[-1].images)
    assert not np.array_equal(nowhere, red)
    with pytest.raises(ConfigError, match="guidance_start and guidance_end"):
        list(ldm.sample(1, seed=0, guidance_start=0.5, guidance_end=0.2))
    assert [str(m) for m in ldm.prompt_warnings("red hexagon")] == [
        "the model never saw 'hexagon': it is treated as an unknown word"]


def test_preview_shows_reconstructions_first_then_decoded_samples():
    ldm = make_ldm(size=8)
    images = synthetic_dataset(n=4, size=8).images
    frames = list(ldm.preview(batch_of(images, captions=("red",) * 4), seed=3))
    assert len(frames) == 1 and str(frames[0].label).startswith("reconstructions, and random latents decoded")
    np.testing.assert_array_equal(frames[0].extras["input"], images)
    np.testing.assert_array_equal(frames[0].extras["reconstruction"], ldm.decode(ldm.encode(images)))
    assert frames[0].images.shape == (8, 8, 8, 3)
    ldm.diffusion_start = torch.tensor(0)
    frames = list(ldm.preview(batch_of(images, captions=("red",) * 4), seed=3))
    assert len(frames) == 10 and frames[-1].images.shape == (8, 8, 8, 3) and "x0" in frames[-1].extras


@pytest.mark.parametrize("preset", sorted(LDMConfig.presets))
def test_presets_round_trip(preset):
    cfg = LDMConfig.from_preset(preset)
    assert LDMConfig.from_json(cfg.to_json()) == cfg and isinstance(cfg.unet_channels, tuple)


@pytest.mark.parametrize("values, match", [
    (dict(latent_channels=0), "latent_channels must be between 1 and 64"),
    (dict(unet_channels=(12,), unet_blocks=(1,)), "unet_channels"),
    (dict(autoencoder_share=1.5), "autoencoder_share must be between 0 and 1"),
    (dict(kl_weight=-1.0), "kl_weight and autoencoder_steps cannot be negative"),
    (dict(unet_blocks=(1, 1)), "blocks"),
])
def test_config_errors_say_what_to_change(values, match):
    with pytest.raises(ConfigError, match=match):
        LDMConfig(**values)


def test_train_defaults_are_a_valid_train_config():
    config = TrainConfig(**LatentDiffusion.train_defaults)
    assert config.batch_size == LatentDiffusion.train_defaults["batch_size"] and config.lr > 0
