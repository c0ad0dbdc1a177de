"""studio.engine.families.vqvae: codebook, the two training stages, the prior's sampling, prompts, save -> load."""
from __future__ import annotations

import math

import numpy as np
import pytest
import torch

from synthetic import synthetic_dataset
from studio.engine.data import load_dataset
from studio.engine.families.base import ENCODE, PROGRESSIVE, PROMPT, Batch, ConfigError, DataInfo, get_family
from studio.engine.families.vqvae import VQVAE, Codebook, VQVAEConfig
from studio.engine.run import Run
from studio.engine.training import Progress, TrainConfig, Trainer, TrainStepContext

TINY = VQVAEConfig.from_preset("tiny", autoencoder_steps=3)
VOCAB = ("red", "blue", "circle", "square")


def make_vq(size=8, channels=3, config=TINY, seed=0) -> VQVAE:
    torch.manual_seed(seed)
    return VQVAE(config, DataInfo(size, channels, vocabulary=VOCAB, has_captions=True))


def batch_of(images: np.ndarray, captions=None) -> Batch:
    x = torch.from_numpy(images).permute(0, 3, 1, 2).float().div(127.5).sub(1.0)
    return Batch(images=x, captions=captions)


def test_registered_with_its_capabilities_and_shapes():
    assert get_family("vqvae") is VQVAE
    assert VQVAE.capabilities == {ENCODE, PROMPT, PROGRESSIVE}
    vq = make_vq(size=16)
    assert set(vq.modules()) == {"encoder", "decoder", "codebook", "prior"}
    assert vq.latent_shape == (8, 4, 4)
    images = synthetic_dataset(n=3, size=16).images
    z = vq.encode(images)
    assert z.shape == (3, 8, 4, 4) and z.dtype == np.float32
    assert vq.decode(z).shape == (3, 16, 16, 3) and vq.decode(z).dtype == np.uint8
    assert vq.tokens(images).shape == (3, 4, 4)
    with pytest.raises(ConfigError, match="multiple of 4"):
        VQVAE(TINY, DataInfo(10, 3))


def test_codebook_straight_through_ema_and_dead_code_restart():
    torch.manual_seed(0)
    book = Codebook(size=8, dim=2, decay=0.5, dead_threshold=0.5)
    z = torch.randn(4, 2, 3, 3, requires_grad=True)
    q, indices, commitment = book(z)
    assert q.shape == z.shape and indices.shape == (4, 3, 3) and commitment.item() > 0
    q.sum().backward()
    assert torch.equal(z.grad, torch.ones_like(z))                          # gradients pass straight through
    usage = book.update(z, indices)                                           # first update: codes from the data
    assert book.initialized.item() == 1 and usage["perplexity"] > 1
    # every vector now sits at one point: the codes not chosen die and restart on encoder outputs
    same = torch.full((4, 2, 3, 3), 3.0)
    for _ in range(6):
        usage = book.update(same, book(same)[1])
    assert usage["dead_codes"] >= 1 and math.isclose(usage["perplexity"], 1.0, rel_tol=1e-5)
    assert torch.allclose(book.embedding, torch.full_like(book.embedding, 3.0), atol=0.1)   # moved or restarted there


def test_two_stages_losses_and_a_frozen_autoencoder():
    vq = make_vq()
    ctx = TrainStepContext(torch.device("cpu"), None, vq.optimizers(1e-3), grad_clip=1.0)
    batch = batch_of(synthetic_dataset(n=8).images, captions=("red circle",) * 4 + ("blue square",) * 4)
    vq.train()
    for step in range(5):
        ctx.step = step
        losses = vq.train_step(batch, ctx)
        assert all(isinstance(v, float) and math.isfinite(v) for v in losses.values())
        if step < 3:
            assert losses["stage"] == 1.0 and {"recon_mse", "perplexity", "dead_codes"} <= set(losses)
            assert vq.training_stage(step) == "autoencoder (1/2)"
        else:
            assert losses["stage"] == 2.0 and "prior_bits" in losses and vq.training_stage(step) == "prior (2/2)"
        if step == 3:
            frozen = {k: v.clone() for k, v in vq.decoder.state_dict().items()}
            prior_before = {k: v.clone() for k, v in vq.prior.state_dict().items()}
    assert all(torch.equal(frozen[k], v) for k, v in vq.decoder.state_dict().items())
    assert any(not torch.equal(prior_before[k], v) for k, v in vq.prior.state_dict().items())
    assert int(vq.prior_start) == 3


def test_a_run_in_minutes_switches_stage_by_its_share_and_records_the_step():
    """Stage 2 starts once `autoencoder_share` of the run is done, long before `autoencoder_steps`; the step is
    kept in the state so a resumed run (or an old checkpoint) knows where stage 2 began."""
    vq = make_vq(config=VQVAEConfig.from_preset("tiny", autoencoder_steps=1000, autoencoder_share=0.4))
    ctx = TrainStepContext(torch.device("cpu"), None, vq.optimizers(1e-3), grad_clip=1.0)
    batch = batch_of(synthetic_dataset(n=8).images, captions=("red circle",) * 8)
    vq.train()
    stages = []
    for step, fraction in enumerate([0.0, 0.2, 0.39, 0.41, 0.6]):
        ctx.step, ctx.fraction = step, fraction
        stages.append(vq.train_step(batch, ctx)["stage"])
    assert stages == [1.0, 1.0, 1.0, 2.0, 2.0] and int(vq.prior_start) == 3
    assert [vq.training_stage(s) for s in (2, 3, 4)] == ["autoencoder (1/2)", "prior (2/2)", "prior (2/2)"]
    assert vq.held_out_objective(2) == "recon_mse" and vq.held_out_objective(3) == "prior_bits"
    again = make_vq(config=vq.config)
    again.load_extra_state({k: v.clone() for k, v in vq.extra_state().items()})
    assert int(again.prior_start) == 3 and again.training_stage(3) == "prior (2/2)"
    old = make_vq(config=vq.config)                          # saved before the start step was kept
    old.load_extra_state({"prior_steps": torch.tensor(7)})
    assert int(old.prior_start) == 1000
    old.load_extra_state({"prior_steps": torch.tensor(0)})
    assert int(old.prior_start) == -1 and old.training_stage(999) == "autoencoder (1/2)"


def test_the_prior_is_regularised_only_while_training():
    """Dropout acts in training only (sampling is the same on every call); only the prior's matrices decay."""
    vq = make_vq(config=VQVAEConfig.from_preset("tiny", prior_dropout=0.5, prior_weight_decay=0.3))
    text, codes = torch.zeros(2, vq.config.text_length, dtype=torch.long), torch.randint(0, 32, (2, 4))
    vq.prior.train()
    assert not torch.equal(vq.prior(text, codes), vq.prior(text, codes))
    vq.prior.eval()
    assert torch.equal(vq.prior(text, codes), vq.prior(text, codes))
    prior = vq.optimizers(1e-3)["prior"]
    decayed, kept = prior.param_groups
    assert decayed["weight_decay"] == 0.3 and kept["weight_decay"] == 0.0
    assert all(p.dim() == 2 for p in decayed["params"]) and vq.prior.position in [p for p in kept["params"]]


def test_prior_samples_deterministically_per_seed_row_by_row():
    vq = make_vq(size=16)
    frames = list(vq.sample(3, seed=5, prompt="red circle", top_k=8))
    assert [f.label for f in frames] == ["row 1/4", "row 2/4", "row 3/4", "row 4/4"] and frames[-1].is_last
    assert (frames[0].images[:, 4:] == 128).all() and not (frames[-1].images == 128).all()   # rows not yet written are grey
    again = list(vq.sample(3, seed=5, prompt="red circle", top_k=8))[-1].images
    np.testing.assert_array_equal(frames[-1].images, again)
    alone = list(vq.sample(1, seed=6, prompt="red circle", top_k=8))[-1].images             # image i from seed + i
    np.testing.assert_array_equal(frames[-1].images[1], alone[0])
    other = list(vq.sample(3, seed=9, prompt="red circle", top_k=8))[-1].images
    assert not np.array_equal(frames[-1].images, other)
    greedy = [list(vq.sample(2, seed=s, temperature=0.0))[-1].images for s in (0, 1)]
    np.testing.assert_array_equal(greedy[0], greedy[1])                                      # temperature 0: no randomness


def test_prompts_with_unknown_words_warn_and_still_sample():
    vq = make_vq()
    assert "the prior is untrained" in " ".join(vq.prompt_warnings(""))
    vq.load_extra_state({"prior_steps": torch.tensor(5)})
    assert vq.prompt_warnings("red circle") == [] and vq.prompt_warnings("") == []
    warnings = vq.prompt_warnings("a purple circle")
    assert len(warnings) == 1 and "'a'" in warnings[0] and "'purple'" in warnings[0] and "ignored" in warnings[0]
    images = list(vq.sample(2, seed=0, prompt="purple circle!! 🙂"))[-1].images
    np.testing.assert_array_equal(images, list(vq.sample(2, seed=0, prompt="circle"))[-1].images)   # unknown words dropped
    bare = VQVAE(TINY, DataInfo(8, 3))
    assert "without captions" in bare.prompt_warnings("cat")[-1]


def test_codebook_usage_on_the_demo_set_and_save_load(tmp_path):
    """Trained briefly on demo:shapes, codes stay in use; the run reloads to the same samples."""
    dataset = load_dataset("demo:shapes", size=8)
    config = TrainConfig(steps=40, batch_size=32, lr=2e-3, warmup_steps=5, precision="fp32", device="cpu",
                         preview_seconds=0, validate_seconds=0, ema_decay=0.9, seed=0, threads=1)
    family_config = VQVAEConfig.from_preset("tiny", autoencoder_steps=30)
    trainer = Trainer(dataset, tmp_path / "run", family="vqvae", family_config=family_config, config=config)
    progress = [e for e in trainer.run() if isinstance(e, Progress)]
    stages = [e.stage for e in progress]
    assert stages[0] == "autoencoder (1/2)" and stages[-1] == "prior (2/2)"
    usage = [e.losses["perplexity"] for e in progress if e.losses.get("stage") == 1.0]
    assert usage[-1] > 8, f"only {usage[-1]:.1f} of 32 codes in use"
    live = trainer.family
    assert int(live.prior_steps) == 20 and live.prompt_warnings("red circle") == []   # half the run (share 0.5)
    assert live.tokens(dataset.images[:256]).max() > 0 and len(np.unique(live.tokens(dataset.images[:256]))) > 8
    family, _ = Run.open(tmp_path / "run").load_family()
    assert int(family.prior_steps) == 20 and int(family.prior_start) == 20
    for seed in (0, 7):
        np.testing.assert_array_equal(list(family.sample(2, seed=seed, prompt="red circle"))[-1].images,
                                      list(live.sample(2, seed=seed, prompt="red circle"))[-1].images)


@pytest.mark.parametrize("preset", sorted(VQVAEConfig.presets))
def test_config_presets_round_trip(preset):
    cfg = VQVAEConfig.from_preset(preset)
    assert VQVAEConfig.from_json(cfg.to_json()) == cfg and isinstance(cfg.channels, tuple)


@pytest.mark.parametrize("values, match", [
    (dict(codebook_size=1), "codebook_size must be 2 to 65536"),
    (dict(prior_dim=30, prior_heads=4), r"prior_dim \(30\) must be a multiple of prior_heads \(4\)"),
    (dict(channels=(6,)), "multiples of 4"),
    (dict(text_dropout=1.5), "text_dropout between 0 and 1"),
    (dict(autoencoder_share=1.5), "autoencoder_share must be between 0 and 1"),
    (dict(prior_dropout=1.0), "prior_dropout must be at least 0 and below 1"),
])
def test_config_errors_say_what_to_change(values, match):
    with pytest.raises(ConfigError, match=match):
        VQVAEConfig(**values)


def test_preview_shows_reconstructions_and_unprompted_samples():
    vq = make_vq(size=16)
    images = synthetic_dataset(n=4, size=16).images
    frames = list(vq.preview(batch_of(images), seed=3, n=5))
    assert len(frames) == 1 and frames[0].images.shape == (5, 16, 16, 3)
    np.testing.assert_array_equal(frames[0].extras["input"], images)
    np.testing.assert_array_equal(frames[0].extras["reconstruction"], vq.decode(vq.encode(images)))
    np.testing.assert_array_equal(frames[0].images, list(vq.sample(5, seed=3, guidance=1.0))[-1].images)


def test_a_checkpoint_from_before_the_prior_had_its_own_optimizer_still_resumes():
    """Its one optimizer over every weight does not fit the new layout: that optimizer starts afresh, the weights load."""
    from studio.engine.training import state

    vq = make_vq()
    everything = [p for m in vq.modules().values() for p in m.parameters()]
    old = {"main": torch.optim.AdamW(everything, lr=1e-3)}
    tensors, meta = state.capture(vq, None, old, None, torch.device("cpu"))
    fresh = make_vq(seed=1)
    optimizers = fresh.optimizers(1e-3)
    state.restore(tensors, meta, "old.safetensors", family=fresh, ema=None, optimizers=optimizers, scaler=None,
                  device=torch.device("cpu"), memory_format=None)
    assert all(torch.equal(a, b) for a, b in zip(fresh.prior.parameters(), vq.prior.parameters()))
    assert len(optimizers["main"].param_groups[0]["params"]) < len(everything) and not optimizers["main"].state
