"""studio.engine.families.igpt: the palette, causality, the KV cache, exact bits/dim, sampling, save -> load,
prompts."""
from __future__ import annotations

import math

import numpy as np
import pytest
import torch

from synthetic import KeepGradients, synthetic_dataset, train_briefly
from studio.engine.data import load_dataset
from studio.engine.families.base import LIKELIHOOD, PROGRESSIVE, PROMPT, Batch, ConfigError, DataInfo, get_family
from studio.engine.families.igpt import IGPTConfig, ImageGPT, KVCache, Palette, kmeans
from studio.engine.run import Run
from studio.engine.training import TrainConfig

TINY = IGPTConfig.from_preset("tiny")
WORDS = ("red", "blue", "circle", "square")


def make_model(size=8, channels=3, vocabulary=(), config=TINY, seed=0) -> ImageGPT:
    torch.manual_seed(seed)
    return ImageGPT(config, DataInfo(size, channels, has_captions=bool(vocabulary), vocabulary=vocabulary))


def to_tensor(images: np.ndarray) -> torch.Tensor:
    return torch.from_numpy(images).permute(0, 3, 1, 2).float().div(127.5).sub(1.0)


def test_registered_with_its_capabilities():
    assert get_family("igpt") is ImageGPT
    assert make_model().capabilities == {PROGRESSIVE, LIKELIHOOD}
    assert make_model(vocabulary=WORDS).capabilities == {PROGRESSIVE, LIKELIHOOD, PROMPT}
    assert [o.name for o in ImageGPT.sample_options()] == ["temperature", "top_k", "guidance"]
    assert ImageGPT.likelihood_kind == "exact" and ImageGPT.held_out_key == "bpd"


# -- the palette ---------------------------------------------------------------------------------
def test_kmeans_finds_well_separated_colours():
    centres = torch.tensor([[0.0, 0, 0], [255, 0, 0], [0, 0, 255], [255, 255, 255]], dtype=torch.float64)
    points = (centres[:, None] + torch.randn(4, 50, 3, dtype=torch.float64)).reshape(-1, 3)
    found = kmeans(points, torch.ones(len(points), dtype=torch.float64), 4)
    assert torch.cdist(centres, found).min(1).values.max() < 2.0


def test_grayscale_palette_keeps_every_level_so_bits_match():
    """16 grey levels and 32 colours: every level is its own token, decoding gives the image back, and the
    within-colour bits are ~0 (the histograms' smoothing alone), so bpd and palette_bpd agree."""
    rng = np.random.default_rng(0)
    images = (rng.integers(0, 16, size=(200, 8, 8, 1)) * 17).astype(np.uint8)
    model = make_model(8, 1)
    model.fit_data(images)
    tokens, within = model.palette.tokens(torch.from_numpy(images[:6]).long())
    np.testing.assert_array_equal(model.palette.images(tokens, 8), images[:6])
    assert within.abs().max() < 0.02 * images[0].size            # nats per image
    losses = model.validation_losses(Batch(images=to_tensor(images[:6])))
    assert losses["bpd"] == pytest.approx(losses["palette_bpd"], abs=0.02)


def test_the_within_colour_model_is_a_distribution_over_each_cell():
    palette = Palette(16, 3)
    palette.fit(torch.from_numpy(synthetic_dataset(n=8).images))
    assert int(palette.fitted) == 2
    per_bin = palette.log_bin.double().exp()
    per_token = torch.zeros(16, dtype=torch.float64).index_add_(0, palette.token_of_bin, per_bin)
    used = torch.bincount(palette.token_of_bin, minlength=16) > 0
    np.testing.assert_allclose(per_token[used].numpy(), 1.0, rtol=1e-5)                  # sum over bins of a cell
    np.testing.assert_allclose(palette.log_offset.double().exp().sum(2).numpy(), 1.0, rtol=1e-6)  # and in a bin


def test_bits_per_dim_is_exact_on_one_grey_pixel():
    """Summing 2^(-bits) over all 256 one-pixel images gives 1: a distribution over 8-bit images, as the PixelCNN's."""
    model = make_model(1, 1, config=TINY.replace(palette_size=16))
    model.fit_data(np.random.default_rng(0).integers(0, 256, size=(64, 1, 1, 1)).astype(np.uint8))
    every = np.arange(256, dtype=np.uint8).reshape(256, 1, 1, 1)
    bits = model.log_likelihood(every)                          # one dimension: bits per dim = bits
    assert np.isfinite(bits).all() and np.exp2(-bits).sum() == pytest.approx(1.0, abs=1e-5)


def test_bits_per_dim_of_one_colour_pixel_by_hand():
    model = make_model(1, 3, config=TINY.replace(palette_size=16))
    model.fit_data(synthetic_dataset(n=8).images)
    pixel = np.array([[[[200, 30, 90]]]], dtype=np.uint8)
    token, within = model.palette.tokens(torch.from_numpy(pixel).long())
    net = model.net.eval()
    with torch.no_grad():
        logits = net.start(model._text_ids([""]), KVCache(1, 1, TINY.heads, 1, TINY.dim // TINY.heads, "cpu"))
    bits = -(logits.log_softmax(1)[0, token[0, 0]] + within[0]).item() / math.log(2)
    assert model.log_likelihood(pixel)[0] == pytest.approx(bits / 3, rel=1e-5)


# -- the transformer only looks back ---------------------------------------------------------------
def test_each_pixel_token_is_predicted_only_from_those_before_it():
    model = make_model(4, 3, WORDS)
    net = model.net.eval()
    text = model._text_ids(["red circle"])
    tokens = torch.randint(0, TINY.palette_size, (1, 16))
    base = net(text, tokens)                                                      # (1, 16, K)
    for j in (0, 5, 15):
        changed = tokens.clone()
        changed[0, j] = (changed[0, j] + 1) % TINY.palette_size
        out = net(text, changed)
        assert torch.allclose(out[:, :j + 1], base[:, :j + 1], atol=1e-6), f"token {j} leaks into its own prediction"
        if j < 15:
            assert not torch.allclose(out[:, j + 1], base[:, j + 1]), f"token {j} is not seen by the next"


def test_the_kv_cache_matches_the_full_network():
    model = make_model(4, 3, WORDS, config=TINY.replace(depth=2))
    net = model.net.eval()
    text = model._text_ids(["blue square", ""])
    tokens = torch.randint(0, TINY.palette_size, (2, 16))
    with torch.no_grad():
        full = net(text, tokens)
        cache = KVCache(2, 2, TINY.heads, model.text_length + 16, TINY.dim // TINY.heads, "cpu")
        steps = [net.start(text, cache)] + [net.extend(tokens[:, j], j, cache) for j in range(15)]
    assert (torch.stack(steps, 1) - full).abs().max() < 1e-5


# -- training --------------------------------------------------------------------------------------
def test_one_step_gives_finite_losses_and_gradients():
    model = make_model(8, 3, WORDS)
    batch = Batch(images=to_tensor(synthetic_dataset(n=4).images), captions=("red circle", "blue", "", "square"))
    losses = model.train_step(batch, KeepGradients())
    assert set(losses) == {"bpd", "palette_bpd"} and all(math.isfinite(v) and v > 0 for v in losses.values())
    assert losses["bpd"] >= losses["palette_bpd"]
    assert int(model.palette.fitted) == 2, "used without a Trainer, the palette is fitted on the first batch"
    grads = {name: p.grad for name, p in model.net.named_parameters()}
    assert all(g is not None and torch.isfinite(g).all() for g in grads.values()), "a parameter got no gradient"


def test_training_lowers_held_out_bits_and_fits_the_palette_first(tmp_path):
    """demo:digits at 8 px, tiny preset, 20 steps of 16."""
    dataset = load_dataset("demo:digits", size=8)
    trainer = train_briefly(tmp_path / "run", dataset, "igpt", TINY, steps=20, lr=3e-3)
    family = trainer.family
    assert int(family.palette.fitted) == 2 and int(family.eval_module("palette").fitted) == 2
    untrained = make_model(8, 1, family.data.vocabulary)
    untrained.palette.load_state_dict(family.palette.state_dict())              # the same palette, no training
    held = dataset.images[trainer.val_idx]
    before, after = untrained.log_likelihood(held).mean(), family.log_likelihood(held).mean()
    assert after < before - 0.5, f"held-out {after:.3f} bits/dim, untrained {before:.3f}"


def test_save_and_load_gives_the_same_samples_and_bits(tmp_path):
    dataset = synthetic_dataset(n=24, size=8, channels=3)
    trainer = train_briefly(tmp_path / "run", dataset, "igpt", TINY, steps=3, batch_size=8)
    family, _ = Run.open(tmp_path / "run").load_family()
    assert isinstance(family, ImageGPT) and family.config == TINY
    np.testing.assert_array_equal(list(family.sample(3, seed=9))[-1].images,
                                  list(trainer.family.sample(3, seed=9))[-1].images)
    np.testing.assert_array_equal(family.log_likelihood(dataset.images[:4]),
                                  trainer.family.log_likelihood(dataset.images[:4]))


# -- sampling --------------------------------------------------------------------------------------
def test_sampling_yields_a_frame_per_row_and_is_deterministic():
    model = make_model(8, 3)
    model.fit_data(synthetic_dataset(n=8).images)
    frames = list(model.sample(3, seed=4))
    assert [f.label for f in frames] == [f"row {i}/8" for i in range(1, 9)]
    assert [(f.step, f.total) for f in frames] == [(i, 8) for i in range(1, 9)] and frames[-1].is_last
    for k, frame in enumerate(frames[:-1], start=1):
        assert frame.images.shape == (3, 8, 8, 3) and frame.images.dtype == np.uint8
        assert (frame.images[:, k:] == 128).all(), "rows not yet written are grey"
        np.testing.assert_array_equal(frame.images[:, :k], frames[-1].images[:, :k])   # written rows stay
    final = frames[-1].images
    np.testing.assert_array_equal(final, list(model.sample(3, seed=4))[-1].images)
    np.testing.assert_array_equal(final[1:], list(model.sample(2, seed=5))[-1].images)  # image i from seed + i
    assert not np.array_equal(final[0], final[1])
    colours = {tuple(c) for c in model.palette.colours.round().to(torch.uint8).tolist()}
    assert {tuple(p) for p in final.reshape(-1, 3).tolist()} <= colours, "every pixel is a palette colour"


def test_the_prompt_steers_sampling_and_unknown_words_are_named():
    model = make_model(4, 3, WORDS)
    model.net.text_embed.weight.data.mul_(50)          # an untrained model barely listens: make the words count
    red = list(model.sample(2, seed=0, prompt="red circle"))[-1].images
    np.testing.assert_array_equal(red, list(model.sample(2, seed=0, prompt="red circle"))[-1].images)
    assert not np.array_equal(red, list(model.sample(2, seed=0, prompt="blue square"))[-1].images)
    unguided = list(model.sample(2, seed=0, prompt="red circle", guidance=1.0))[-1].images
    assert not np.array_equal(red, unguided)
    assert [str(m) for m in model.prompt_warnings("red hexagon")] == [
        "the model never saw 'hexagon' in its captions or labels: that word is ignored"]
    assert "without captions or labels" in str(make_model(4, 3).prompt_warnings("red")[0])


def test_label_names_are_the_prompt_of_labelled_images():
    model = make_model(4, 1, ("zero", "one"))
    model.data = DataInfo(4, 1, label_names=("zero", "one"), vocabulary=("zero", "one"))
    batch = Batch(images=torch.zeros(2, 1, 4, 4), labels=torch.tensor([1, 0]), captions=("", "a zero"))
    assert model._texts(batch) == ["one", "a zero"]


# -- config ----------------------------------------------------------------------------------------
@pytest.mark.parametrize("values, match", [
    (dict(palette_size=8), r"palette_size must be between 16 and 512 \(e.g. 256\), not 8"),
    (dict(palette_size=1024), "palette_size must be between 16 and 512"),
    (dict(dim=30, heads=4), "dim must be at least 8 and a multiple of heads"),
    (dict(depth=0), "depth must be between 1 and 48, not 0"),
    (dict(text_dropout=1.5), "text_dropout must be between 0 and 1"),
])
def test_invalid_config_says_what_to_change(values, match):
    with pytest.raises(ConfigError, match=match):
        IGPTConfig(**values)


def test_unsuitable_data_is_refused_with_a_clear_message():
    with pytest.raises(ConfigError, match="Image GPT takes 1 or 3 channels, not 4"):
        make_model(8, 4)
    with pytest.raises(ConfigError, match="128x128 = 16384 pixels is too many tokens"):
        make_model(128, 3)


@pytest.mark.parametrize("preset", sorted(IGPTConfig.presets))
def test_presets_round_trip(preset):
    cfg = IGPTConfig.from_preset(preset)
    assert IGPTConfig.from_json(cfg.to_json()) == cfg


def test_train_defaults_are_a_valid_train_config():
    config = TrainConfig(**ImageGPT.train_defaults)
    assert config.batch_size == ImageGPT.train_defaults["batch_size"] and config.lr > 0
