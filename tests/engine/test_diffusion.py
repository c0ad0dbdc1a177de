"""studio.engine.families.diffusion and studio.engine.samplers: closed-form noising, samplers, guidance,
prompts, overfitting one image, validation/likelihood, bf16 + channels_last, resume through the Trainer."""
from __future__ import annotations

import json
import math
from contextlib import nullcontext

import numpy as np
import pytest
import torch

from synthetic import synthetic_dataset
from studio.engine.families.base import (
    LIKELIHOOD, PROGRESSIVE, PROMPT, Batch, ConfigError, DataInfo, Frame, from_uint8_images, get_family,
)
from studio.engine.families.diffusion import Diffusion, DiffusionConfig
from studio.engine.nn import UNet
from studio.engine.run import Run
from studio.engine.samplers import (
    SAMPLERS, cosine_alphas_cumprod, linear_alphas_cumprod, make_scheduler, q_sample, v_target,
)
from studio.engine.training import Trainer, TrainConfig

VOCAB = ("red", "blue", "circle", "square", "small")
TINY = DiffusionConfig.from_preset("tiny")


def make_model(size=8, vocabulary=VOCAB, seed=0, **changes) -> Diffusion:
    torch.manual_seed(seed)
    return Diffusion(TINY.replace(**changes), DataInfo(size, 3, vocabulary=vocabulary))


def perturb(model: Diffusion, seed=1) -> None:
    """Fresh U-Nets output zeros (zero-initialised last layers); give every weight a little noise."""
    g = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for module in model.modules().values():
            for p in module.parameters():
                p.add_(0.1 * torch.randn(p.shape, generator=g))


class Optimize:
    """A StepContext with a real AdamW step."""

    def __init__(self, model: Diffusion, lr: float):
        self.step, self.device = 0, torch.device("cpu")
        params = [p for m in model.modules().values() for p in m.parameters()]
        self.opt = torch.optim.AdamW(params, lr=lr)

    def autocast(self):
        return nullcontext()

    def optimize(self, name, loss):
        loss.backward()
        self.opt.step()
        self.opt.zero_grad()
        return True


pytestmark = pytest.mark.usefixtures("one_torch_thread")   # tiny models: one thread beats two fighting


# -- registry, config --------------------------------------------------------------------------
def test_registered_with_capabilities_and_options():
    assert get_family("diffusion") is Diffusion
    assert Diffusion.capabilities == {PROMPT, PROGRESSIVE, LIKELIHOOD}
    options = {o.name: o for o in Diffusion.sample_options()}
    assert list(options) == ["steps", "sampler", "guidance", "guidance_rescale", "guidance_start", "guidance_end",
                             "eta", "negative", "guidance_kind", "classifier_scale"]
    assert options["sampler"].choices == tuple(SAMPLERS) and options["negative"].kind == "str"
    assert set(make_model().modules()) == {"unet", "text"}
    assert set(make_model(vocabulary=()).modules()) == {"unet"}       # no captions, no labels: no text encoder


@pytest.mark.parametrize("changes, match", [
    (dict(channels=(12, 32)), "multiples of 8"), (dict(blocks=(1,)), "one count"),
    (dict(schedule="sigmoid"), "schedule"), (dict(prediction="x0"), "prediction"),
    (dict(caption_dropout=1.0), "caption_dropout"), (dict(timestep_sampling="beta"), "timestep_sampling"),
    (dict(text_pool="max"), "text_pool"), (dict(optimizer="sgd"), "optimizer must be one of adamw, muon"),
    (dict(dropout=1.0), r"dropout must be in \[0, 1\)"),
])
def test_config_validation_says_what_to_change(changes, match):
    with pytest.raises(ConfigError, match=match):
        TINY.replace(**changes)
    assert DiffusionConfig.from_json(TINY.to_json()) == TINY


def test_dropout_acts_in_training_only_and_keeps_the_checkpoint_layout():
    plain, dropped = make_model(vocabulary=()), make_model(vocabulary=(), dropout=0.5)
    assert plain.unet.state_dict().keys() == dropped.unet.state_dict().keys()     # no new weights to save
    perturb(dropped)
    x, t = torch.randn(2, 3, 8, 8), torch.tensor([10, 500])
    dropped.unet.train()
    assert not torch.equal(dropped.unet(x, t), dropped.unet(x, t))
    dropped.unet.eval()
    assert torch.equal(dropped.unet(x, t), dropped.unet(x, t))


def test_image_size_must_fit_the_levels():
    with pytest.raises(ConfigError, match="divisible by 8"):
        Diffusion(DiffusionConfig.from_preset("small"), DataInfo(18, 3))


def test_patch_must_fit_the_first_level():
    """Patch 4 folds 48 values of an RGB image into each position: 32 channels cannot carry the noise."""
    with pytest.raises(ConfigError, match="folds 48 values .* at least 48 channels"):
        Diffusion(DiffusionConfig.from_preset("light", patch=4), DataInfo(32, 3))
    Diffusion(DiffusionConfig.from_preset("light", patch=4), DataInfo(32, 1))     # grey: 16 values fit


# -- schedules and the forward process ---------------------------------------------------------------
@pytest.mark.parametrize("schedule", [cosine_alphas_cumprod, linear_alphas_cumprod])
def test_forward_noising_matches_its_closed_form(schedule):
    ab = schedule(1000)
    betas = 1 - ab / torch.cat([torch.ones(1, dtype=ab.dtype), ab[:-1]])
    # Composing the one-step kernels q(x_t | x_t-1) = N(sqrt(1-b) x, b) gives N(sqrt(ab) x0, 1 - ab).
    mean, var = torch.ones((), dtype=torch.float64), torch.zeros((), dtype=torch.float64)
    means, variances = [], []
    for b in betas:
        mean, var = mean * (1 - b).sqrt(), var * (1 - b) + b
        means.append(mean), variances.append(var)
    assert torch.allclose(torch.stack(means), ab.sqrt(), atol=1e-9)
    assert torch.allclose(torch.stack(variances), 1 - ab, atol=1e-9)
    # q_sample is that formula; over many draws its moments match.
    x0 = torch.full((20000, 1, 1, 1), 0.5)
    t = torch.full((20000,), 300)
    x_t = q_sample(x0, t, torch.randn(x0.shape, generator=torch.Generator().manual_seed(0)), ab)
    assert abs(x_t.mean().item() - 0.5 * ab[300].sqrt().item()) < 0.02
    assert abs(x_t.var().item() - (1 - ab[300]).item()) < 0.02


def test_cosine_schedule_is_the_papers_formula():
    ab = cosine_alphas_cumprod(1000)
    f = lambda t: math.cos((t / 1000 + 0.008) / 1.008 * math.pi / 2) ** 2
    for t in (0, 100, 500, 900):
        assert ab[t].item() == pytest.approx(f(t + 1) / f(0), rel=1e-6)
    assert (ab[1:] < ab[:-1]).all() and 0 < ab[-1] < 1e-4


# -- samplers --------------------------------------------------------------------------------------
@pytest.mark.parametrize("name", list(SAMPLERS))
@pytest.mark.parametrize("prediction", ["v", "epsilon"])
def test_sampler_with_a_perfect_model_lands_on_the_data(name, prediction):
    """A one-point dataset has an exact denoiser; every sampler must end exactly on that point."""
    ab = cosine_alphas_cumprod(1000)
    target = torch.linspace(-0.9, 0.9, 2 * 3 * 4 * 4).reshape(2, 3, 4, 4)
    scheduler = make_scheduler(name, ab, prediction, eta=0.5)
    scheduler.set_timesteps(8)
    assert scheduler.timesteps[0] == 999 and len(scheduler.timesteps) == 8
    assert (scheduler.timesteps[1:] < scheduler.timesteps[:-1]).all()
    gens = [torch.Generator().manual_seed(i) for i in range(2)]
    x = torch.randn(target.shape, generator=torch.Generator().manual_seed(5))
    for t in scheduler.timesteps.tolist():
        a = ab[t].float()
        eps = (x - a.sqrt() * target) / (1 - a).sqrt()
        output = v_target(target, eps, a) if prediction == "v" else eps
        x = scheduler.step(output, t, x, generator=gens).prev_sample
    assert torch.allclose(x, target, atol=1e-4)


@pytest.mark.parametrize("name", list(SAMPLERS))
def test_sampler_with_the_exact_denoiser_of_gaussian_data_draws_its_spread(name):
    """Data N(mu, s^2) per value has the exact denoiser E[x0 | x_t] = mu + a s^2 (x_t - a mu) / (a^2 s^2 + 1 - a^2):
    every sampler must draw that distribution back (mean and spread), the stochastic ones with their own noise.
    Ancestral steps (DDPM, DDIM with eta 1) put x0's mean where the posterior needs x0's spread too, so they
    draw too narrow at large strides (20 steps: 14% short): they get 250 steps, the solvers 50 (DPM-Solver++(2M)
    SDE at 20: 3% wide). x0 clipping off (the data reach outside [-1, 1])."""
    ab = cosine_alphas_cumprod(1000)
    mu, s = 0.3, 0.5
    scheduler = make_scheduler(name, ab, "v", eta=1.0)
    scheduler.clip_sample = False
    scheduler.set_timesteps(250 if name in ("ddpm", "ddim") else 50)
    x = torch.randn(4, 1, 64, 64, generator=torch.Generator().manual_seed(0), dtype=torch.float64)
    gens = [torch.Generator().manual_seed(10 + i) for i in range(4)]
    for t in scheduler.timesteps.tolist():
        a2 = float(ab[t])
        a = math.sqrt(a2)
        x0 = mu + a * s * s * (x - a * mu) / (a2 * s * s + 1 - a2)
        eps = (x - a * x0) / math.sqrt(1 - a2)
        x = scheduler.step(v_target(x0, eps, torch.tensor(a2, dtype=x.dtype)), t, x, generator=gens).prev_sample
    assert x.mean().item() == pytest.approx(mu, abs=0.02)
    assert x.std().item() == pytest.approx(s, rel=0.03)


@pytest.mark.parametrize("sampler", list(SAMPLERS))
def test_each_sampler_is_deterministic_for_a_seed_and_per_image(sampler):
    model = make_model()
    perturb(model)
    run = lambda n, seed: list(model.sample(n, seed=seed, prompt="red circle", steps=4, sampler=sampler, eta=1.0))
    frames = run(3, seed=7)
    assert [f.label for f in frames] == [f"step {i}/4" for i in range(1, 5)]
    assert all(isinstance(f, Frame) and f.images.shape == (3, 8, 8, 3) and f.extras["x0"].shape == (3, 8, 8, 3)
               for f in frames)
    assert frames[-1].is_last and frames[-1].images.dtype == np.uint8
    again = run(3, seed=7)
    assert all(np.array_equal(a.images, b.images) for a, b in zip(frames, again))
    third = run(1, seed=9)[-1].images[0].astype(int)      # image 2 of seed 7 is drawn from seed 9
    assert np.abs(third - frames[-1].images[2].astype(int)).max() <= 1
    assert not np.array_equal(run(3, seed=8)[-1].images, frames[-1].images)


def test_sampling_stops_between_steps():
    model = make_model()
    frames = model.sample(2, seed=0, steps=50)
    first = next(frames)
    frames.close()                          # the app's "stop": nothing more is computed
    assert first.step == 1 and first.total == 50


def test_bad_sampling_options_are_clear_errors():
    model = make_model()
    with pytest.raises(ConfigError, match="unknown sampler 'euler'"):
        next(model.sample(1, seed=0, sampler="euler"))
    with pytest.raises(ConfigError, match="steps"):
        next(model.sample(1, seed=0, steps=0))
    with pytest.raises(ConfigError, match="temperature"):
        next(model.sample(1, seed=0, temperature=1.0))


# -- prompts and guidance ------------------------------------------------------------------------
def test_guidance_1_is_conditional_and_0_unconditional():
    model = make_model()
    perturb(model)
    unet = model.unet.eval()
    x = torch.randn(2, 3, 8, 8, generator=torch.Generator().manual_seed(0))
    t = torch.tensor([700, 200])
    with torch.no_grad():
        cond, uncond = model.encode_text(["red circle", "blue square"]), model.encode_text(["", ""])
        c_only, u_only = model._predict(unet, x, t, cond), model._predict(unet, x, t, uncond)
        assert not torch.allclose(c_only, u_only, atol=1e-3)        # the prompt matters
        one = model.guided_prediction(unet, x, t, cond, uncond, 1.0)
        zero = model.guided_prediction(unet, x, t, cond, uncond, 0.0)
        three = model.guided_prediction(unet, x, t, cond, uncond, 3.0)
        rescaled = model.guided_prediction(unet, x, t, cond, uncond, 3.0, rescale=1.0)
    assert torch.allclose(one, c_only, atol=1e-5) and torch.allclose(zero, u_only, atol=1e-5)
    assert torch.allclose(three, u_only + 3 * (c_only - u_only), atol=1e-4)
    assert torch.allclose(rescaled.std(dim=(1, 2, 3)), c_only.std(dim=(1, 2, 3)), atol=1e-4)


def test_guidance_in_an_interval_guides_only_those_steps_in_one_pass_elsewhere(monkeypatch):
    model = make_model()
    perturb(model)
    batches = []
    predict = model._predict
    monkeypatch.setattr(model, "_predict", lambda unet, x, t, cond: (batches.append(len(x)), predict(unet, x, t, cond))[1])

    def draw(**options):
        batches.clear()
        return np.stack([f.images for f in model.sample(2, seed=3, prompt="red circle", steps=4, **options)])[-1]

    every = draw(guidance=3.0, guidance_start=0.0, guidance_end=1.0)
    assert batches == [4, 4, 4, 4]                               # conditional and unconditional, batched
    # the 4 steps sit at progress 0.001, 0.25, 0.5, 0.75 (timesteps 999, 749, 499, 249 of 1000)
    default = draw(guidance=3.0)                                 # guided from 0.12 to 0.83 of the way
    assert batches == [2, 4, 4, 4] and not np.array_equal(default, every)
    middle = draw(guidance=3.0, guidance_start=0.2, guidance_end=0.6)
    assert batches == [2, 4, 4, 2] and not np.array_equal(middle, every)
    nowhere = draw(guidance=3.0, guidance_start=1.0, guidance_end=1.0)
    assert batches == [2, 2, 2, 2] and np.array_equal(nowhere, draw(guidance=1.0))   # no step guided: guidance 1
    unprompted = [f.images for f in model.sample(2, seed=3, steps=4, guidance=3.0, guidance_start=0.0,
                                                 guidance_end=1.0)][-1]
    assert np.array_equal(unprompted, [f.images for f in model.sample(2, seed=3, steps=4, guidance=3.0)][-1])
    for start, end in ((0.6, 0.4), (-0.1, 1.0), (0.0, 1.5)):
        with pytest.raises(ConfigError, match="guidance_start and guidance_end"):
            next(model.sample(1, seed=0, guidance_start=start, guidance_end=end))


def test_unknown_prompt_words_warn_and_never_crash():
    model = make_model()
    warnings = model.prompt_warnings("small purple circle, zebra!")
    assert len(warnings) == 1 and "'purple'" in warnings[0] and "'zebra'" in warnings[0]
    assert "circle" not in warnings[0].split(":")[0].replace("'", " ").split()
    assert model.prompt_warnings("small red circle") == [] and model.prompt_warnings("") == []
    assert "first 15 words" in model.prompt_warnings(" ".join(["red"] * 20))[-1]
    frames = list(model.sample(1, seed=0, prompt="purple zebra", steps=2, negative="ünïcode 中文"))
    assert frames[-1].images.shape == (1, 8, 8, 3)
    unconditional = make_model(vocabulary=())
    assert "ignored" in unconditional.prompt_warnings("red circle")[0]
    assert list(unconditional.sample(1, seed=0, prompt="red circle", steps=2))[-1].images.shape == (1, 8, 8, 3)


def test_class_folder_names_are_captions_and_captions_win():
    model = Diffusion(TINY, DataInfo(8, 3, label_names=("cat", "dog"), vocabulary=("cat", "dog", "fluffy")))
    batch = Batch(images=torch.zeros(3, 3, 8, 8), labels=torch.tensor([0, 1, 1]), captions=("", "", "fluffy dog"))
    assert model.captions(batch) == ["cat", "dog", "fluffy dog"]
    assert model.captions(Batch(images=torch.zeros(1, 3, 8, 8), labels=torch.tensor([1]))) == ["dog"]


# -- training ----------------------------------------------------------------------------------------
def test_a_tiny_model_overfits_one_image_and_samples_it_back():
    torch.manual_seed(0)
    model = Diffusion(TINY, DataInfo(8, 3))
    image = torch.full((1, 3, 8, 8), -0.8)
    image[:, 0, 2:6, 2:6], image[:, 1, :, :4] = 0.9, 0.5
    ctx = Optimize(model, lr=3e-3)
    batch = Batch(images=image.repeat(8, 1, 1, 1))
    losses = [model.train_step(batch, ctx)["loss"] for _ in range(120)]
    assert all(math.isfinite(v) for v in losses) and np.mean(losses[-10:]) < 0.3 * np.mean(losses[:10])
    for sampler in SAMPLERS:
        samples = from_uint8_images(list(model.sample(4, seed=0, steps=10, sampler=sampler))[-1].images)
        assert (samples - image).abs().mean() < 0.2, sampler       # a random image is ~0.8 away


def test_train_step_gives_finite_loss_and_gradients_for_every_objective():
    batch = Batch(images=torch.rand(4, 3, 8, 8) * 2 - 1, captions=("red circle", "", "blue", "small square"))
    for changes in (dict(prediction="epsilon", schedule="linear"), dict(min_snr_gamma=0.0),
                    dict(timestep_sampling="logit-normal", text_pool="bos+mean"), dict(text_pool="bos+words")):
        model = make_model(**changes)
        losses = model.train_step(batch, Optimize(model, lr=1e-3))
        assert math.isfinite(losses["loss"]) and losses["loss"] > 0


def test_every_preset_builds_at_32_px_and_trains_a_step():
    """Presets in order of size; the light one runs its U-Net at half resolution and favours mid-noise steps."""
    batch = Batch(images=torch.rand(2, 3, 32, 32) * 2 - 1, captions=("red circle", "blue square"))
    sizes = []
    for name in DiffusionConfig.presets:
        torch.manual_seed(0)
        model = Diffusion(DiffusionConfig.from_preset(name), DataInfo(32, 3, vocabulary=VOCAB))
        assert DiffusionConfig.from_json(DiffusionConfig.from_preset(name).to_json()) == model.config
        losses = model.train_step(batch, Optimize(model, lr=1e-3))
        assert math.isfinite(losses["loss"])
        sizes.append(model.parameter_count())
    assert sizes == sorted(sizes), dict(zip(DiffusionConfig.presets, sizes))
    light = DiffusionConfig.from_preset("light")
    assert light.patch == 2 and light.timestep_sampling == "logit-normal" and light.attention_max_side == 4


def test_logit_normal_timesteps_stay_in_range_and_favour_the_middle():
    torch.manual_seed(0)
    uniform, logit = (make_model(timestep_sampling=k)._timesteps(20000, "cpu") for k in ("uniform", "logit-normal"))
    for t in (uniform, logit):
        assert t.dtype == torch.long and 0 <= int(t.min()) and int(t.max()) <= TINY.timesteps - 1
    middle = lambda t: ((t > 250) & (t < 750)).float().mean().item()           # noqa: E731
    assert abs(middle(uniform) - 0.5) < 0.02 and middle(logit) > 0.65          # sigmoid(N(0,1)): ~0.73
    shifted = make_model(timestep_sampling="logit-normal", timestep_shift=1.0)._timesteps(20000, "cpu")
    assert int(shifted.max()) <= TINY.timesteps - 1
    assert abs(shifted.float().median().item() / TINY.timesteps - 0.731) < 0.02   # sigmoid(1)


def test_pooled_text_with_the_mean_of_the_words_separates_prompts_and_leaves_empty_alone():
    model = make_model(text_pool="bos+mean")
    plain = make_model()                                 # same seed: the same text encoder weights
    _, _, pooled = model.encode_text(["red circle", "blue circle", ""])
    _, _, bos = plain.encode_text(["red circle", "blue circle", ""])
    tokens, mask, _ = plain.encode_text(["red circle"])
    assert torch.allclose(pooled[2], bos[2])             # the empty prompt ([BOS] only): no words to add
    assert torch.allclose(pooled[0], bos[0] + tokens[0, 1:3].mean(0), atol=1e-6)


def test_pooled_bag_of_words_tells_one_word_apart_from_the_first_step():
    model, plain = make_model(text_pool="bos+words"), make_model()
    _, _, pooled = model.encode_text(["red circle", "red square", ""])
    _, _, bos = plain.encode_text(["red circle", "red square", ""])
    assert torch.allclose(pooled[2], bos[2])             # the empty prompt (the guidance baseline) is unchanged
    cosine = lambda a, b: torch.nn.functional.cosine_similarity(a, b, dim=0).item()   # noqa: E731
    assert cosine(bos[0], bos[1]) > 0.95                 # a fresh transformer's BOS barely sees the words
    assert cosine(pooled[0], pooled[1]) < 0.9            # the bag of embeddings does


def test_validation_is_deterministic_and_bits_per_dim_is_a_plausible_bound():
    model = make_model()
    perturb(model)
    batch = Batch(images=torch.rand(4, 3, 8, 8) * 2 - 1, captions=("red", "blue", "", "circle"))
    first, second = model.validation_losses(batch), model.validation_losses(batch)
    assert first == second and set(first) == {"loss", "bits_per_dim"}
    assert math.isfinite(first["loss"]) and 0 < first["bits_per_dim"] < 1000
    images = (np.random.default_rng(0).random((2, 8, 8, 3)) * 255).astype(np.uint8)
    bpd = model.log_likelihood(images)
    assert bpd.shape == (2,) and np.isfinite(bpd).all() and (bpd > 0).all()


def test_unet_runs_under_bf16_autocast_and_channels_last():
    torch.manual_seed(0)
    unet = UNet(3, (16, 32), (1, 1), attention=(1,), heads=2, context_dim=16, pooled_dim=16)
    unet = unet.to(memory_format=torch.channels_last)
    x = torch.randn(2, 3, 8, 8).contiguous(memory_format=torch.channels_last)
    with torch.autocast("cpu", dtype=torch.bfloat16):
        out = unet(x, torch.tensor([10, 900]), torch.randn(2, 4, 16), torch.tensor([[1, 1, 0, 0]] * 2).bool(),
                   torch.randn(2, 16))
    assert out.shape == (2, 3, 8, 8) and torch.isfinite(out.float()).all()


def test_a_run_saved_before_muon_resumes_with_adamw(tmp_path):
    """Runs saved before the optimizer setting trained with AdamW: resuming must not hand its state to Muon."""
    dataset = synthetic_dataset(n=24, size=8)
    config = TrainConfig(steps=2, batch_size=8, seed=0, preview_seconds=0, validate_seconds=0, warmup_steps=1)
    assert TINY.optimizer == "muon"
    list(Trainer(dataset, tmp_path / "run", family="diffusion", family_config=TINY.replace(optimizer="adamw"),
                 config=config).run())
    path = tmp_path / "run" / "config.json"
    saved = json.loads(path.read_text())
    del saved["family_config"]["optimizer"]
    path.write_text(json.dumps(saved))
    resumed = Trainer.resume(tmp_path / "run", dataset, steps=4)
    assert resumed.family_config.optimizer == "adamw"
    list(resumed.run())
    assert resumed.result.status == "completed" and resumed.result.step == 4
    assert Run.open(tmp_path / "run").load_family()[0].config.optimizer == "adamw"


@pytest.mark.parametrize("flip", [True, False])
def test_a_run_saved_with_the_old_flip_setting_opens_samples_and_resumes_mirroring_as_it_was(tmp_path, flip):
    """The family's own "flip" (on by default) moved to TrainConfig.mirror (off by default): an old run whose
    config.json says flip opens, samples, and resumes with mirror as it trained."""
    dataset = synthetic_dataset(n=24, size=8)
    config = TrainConfig(steps=2, batch_size=8, seed=0, preview_seconds=0, validate_seconds=0, warmup_steps=1)
    assert "flip" not in TINY.to_dict() and TrainConfig().mirror is False
    list(Trainer(dataset, tmp_path / "run", family="diffusion", family_config=TINY, config=config).run())
    path = tmp_path / "run" / "config.json"
    saved = json.loads(path.read_text())
    saved["family_config"]["flip"] = flip                  # as runs saved before TrainConfig.mirror were
    del saved["train_config"]["mirror"]
    path.write_text(json.dumps(saved))
    family, _ = Run.open(tmp_path / "run").load_family()
    assert list(family.sample(1, seed=0, steps=2))[-1].images.shape == (1, 8, 8, 3)
    resumed = Trainer.resume(tmp_path / "run", dataset, steps=4)
    assert resumed.config.mirror is flip
    list(resumed.run())
    assert resumed.result.status == "completed" and resumed.result.step == 4
    assert json.loads(path.read_text())["train_config"]["mirror"] is flip
    assert Trainer.resume(tmp_path / "run", dataset, steps=5, mirror=not flip).config.mirror is (not flip)


@pytest.mark.parametrize("optimizer", ["adamw", "muon"])
def test_a_checkpoint_saved_mid_training_resumes(tmp_path, optimizer):
    dataset = synthetic_dataset(n=24, size=8)
    config = TrainConfig(steps=3, batch_size=8, seed=0, preview_seconds=0, validate_seconds=0, warmup_steps=1)
    first = Trainer(dataset, tmp_path / "run", family="diffusion", family_config=TINY.replace(optimizer=optimizer),
                    config=config)
    list(first.run())
    assert first.result.status == "completed" and first.result.step == 3
    resumed = Trainer.resume(tmp_path / "run", dataset, steps=6)
    events = list(resumed.run())
    assert events[0].resumed and events[0].step == 3
    assert resumed.result.status == "completed" and resumed.result.step == 6
    family, ckpt = Run.open(tmp_path / "run").load_family()
    assert ckpt.step == 6 and family.name == "diffusion"
    assert list(family.sample(1, seed=0, steps=2))[-1].images.shape == (1, 8, 8, 3)


def test_preview_is_a_short_prompted_denoising_strip():
    model = make_model()
    batch = Batch(images=torch.zeros(3, 3, 8, 8), captions=("red circle", "blue square", ""))
    frames = list(model.preview(batch, seed=0, n=16))
    assert len(frames) == 10 and frames[-1].is_last and frames[0].label == "step 1/10"
    assert frames[-1].images.shape == (8, 8, 8, 3) and frames[-1].extras["x0"].shape == (8, 8, 8, 3)
