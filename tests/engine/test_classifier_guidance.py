"""Classifier guidance in the diffusion family (studio/engine/families/noisy_classifier.py): the classifier is
trained with its own optimizer, scale 0 is unguided sampling for every sampler, the errors a user can cause, its
accuracy by noise level, and runs saved before it still open, sample and resume."""
from __future__ import annotations

import dataclasses
import json
from contextlib import nullcontext

import numpy as np
import pytest
import torch

from synthetic import synthetic_dataset
from studio.engine.families.base import Batch, ConfigError, DataInfo
from studio.engine.families.diffusion import GUIDANCE_KINDS, Diffusion, DiffusionConfig
from studio.engine.families.noisy_classifier import LABELS, WORDS, NoisyClassifier, Targets
from studio.engine.run import Run
from studio.engine.samplers import SAMPLERS, q_sample
from studio.engine.training import Trainer, TrainConfig

TINY = DiffusionConfig.from_preset("tiny")
DIGITS = DataInfo(8, 1, label_names=("left", "right"), vocabulary=("left", "right"))
SHAPES = DataInfo(8, 3, label_names=("circle", "square"), has_captions=True,
                  vocabulary=("red", "blue", "circle", "square", "small"))


def make_model(data=DIGITS, seed=0, **changes) -> Diffusion:
    torch.manual_seed(seed)
    model = Diffusion(TINY.replace(**changes), data)
    g = torch.Generator().manual_seed(seed + 1)          # fresh zero-initialised layers: give every weight noise
    with torch.no_grad():
        for module in model.modules().values():
            for p in module.parameters():
                p.add_(0.05 * torch.randn(p.shape, generator=g))
    return model


def last(frames):
    return list(frames)[-1].images


class Step:
    """A StepContext that steps the family's own named optimizers."""

    def __init__(self, model: Diffusion, lr: float):
        self.step, self.device, self.names = 0, torch.device("cpu"), []
        self.optimizers = model.optimizers(lr)

    def autocast(self):
        return nullcontext()

    def optimize(self, name, loss):
        self.names.append(name)
        loss.backward()
        self.optimizers[name].step()
        self.optimizers[name].zero_grad()
        return True


def halves(n: int, seed: int) -> tuple[torch.Tensor, torch.Tensor]:
    """8x8 grey images, label 0: the left half bright, label 1: the right half, with pixel noise."""
    g = torch.Generator().manual_seed(seed)
    labels = torch.randint(0, 2, (n,), generator=g)
    x = torch.full((n, 1, 8, 8), -0.8)
    for i, label in enumerate(labels.tolist()):
        x[i, :, :, 4 * label:4 * label + 4] = 0.8
    return (x + 0.1 * torch.randn(x.shape, generator=g)).clamp(-1, 1), labels


# -- the model and its options -----------------------------------------------------------------------------------
def test_a_classifier_where_there_are_labels_or_words_with_its_own_optimizer():
    options = {o.name: o for o in Diffusion.sample_options()}
    assert options["guidance_kind"].choices == GUIDANCE_KINDS and options["guidance_kind"].default == "classifier-free"
    assert options["classifier_scale"].kind == "float"
    labelled, captioned = make_model(), make_model(SHAPES)
    assert labelled.targets.kind == LABELS and labelled.targets.size == 2
    assert captioned.targets.kind == WORDS and captioned.targets.size == 5
    assert isinstance(labelled.modules()["classifier"], NoisyClassifier)
    assert make_model(DataInfo(8, 3)).classifier is None                      # nothing to classify
    assert "classifier" not in make_model(classifier=False).modules()
    optimizers = labelled.optimizers(1e-3)
    assert set(optimizers) == {"main", "classifier"}
    main = {id(p) for g in optimizers["main"].param_groups for p in g["params"]}
    assert not main & {id(p) for p in labelled.classifier.parameters()}
    x, labels = halves(8, 0)
    ctx = Step(labelled, 1e-3)
    metrics = labelled.train_step(Batch(x, labels), ctx)
    assert ctx.names == ["main", "classifier"] and np.isfinite(metrics["cls_loss"])
    few = make_model(classifier_batch=3)                  # the classifier learns from the first 3 images only
    seen = []
    few.classifier.register_forward_hook(lambda module, args, out: seen.append(len(args[0])))
    few.train_step(Batch(x, labels), Step(few, 1e-3))
    assert seen == [3]
    # the words of the captions (the label name where an image has none) are the classifier's targets
    target = captioned.targets.from_batch(None, captioned.captions(Batch(torch.zeros(2, 3, 8, 8), torch.tensor([0, 1]),
                                                                         ("small red circle", ""))), "cpu")
    assert target.tolist() == [[1, 0, 1, 0, 1], [0, 0, 0, 1, 0]]


@pytest.mark.parametrize("sampler", list(SAMPLERS))
def test_classifier_scale_0_is_unguided_sampling_and_a_scale_steers(sampler):
    model = make_model()
    kw = dict(seed=3, steps=4, sampler=sampler, eta=0.5 if sampler == "ddim" else 0.0)
    unguided = last(model.sample(3, prompt="", **kw))
    assert np.array_equal(last(model.sample(3, prompt="left", guidance_kind="classifier", classifier_scale=0, **kw)),
                          unguided)
    free = last(model.sample(3, prompt="left", **kw))
    assert np.array_equal(last(model.sample(3, prompt="left", guidance_kind="both", classifier_scale=0, **kw)), free)
    steered = last(model.sample(3, prompt="left", guidance_kind="classifier", classifier_scale=20, **kw))
    assert not np.array_equal(steered, unguided)
    assert np.array_equal(last(model.sample(3, prompt="left", guidance_kind="classifier", classifier_scale=20, **kw)),
                          steered)                                                 # the same seed, the same images
    assert not np.array_equal(last(model.sample(3, prompt="left", guidance_kind="both", classifier_scale=20, **kw)),
                              free)


def test_guidance_by_caption_words_steers_too():
    model = make_model(SHAPES)
    kw = dict(seed=0, steps=3, prompt="red circle", guidance_kind="classifier")
    steered, unguided = last(model.sample(2, classifier_scale=20, **kw)), last(model.sample(2, classifier_scale=0, **kw))
    assert not np.array_equal(steered, unguided)


def test_what_classifier_guidance_cannot_do_is_a_clear_error():
    with pytest.raises(ConfigError, match="no noisy classifier.*classifier-free"):
        list(make_model(classifier=False).sample(1, seed=0, steps=2, prompt="left", guidance_kind="classifier"))
    with pytest.raises(ConfigError, match="no noisy classifier"):
        list(make_model(DataInfo(8, 3)).sample(1, seed=0, steps=2, guidance_kind="both"))
    with pytest.raises(ConfigError, match="type one of the labels as the prompt \\(left, right\\)"):
        list(make_model().sample(1, seed=0, steps=2, prompt="middle", guidance_kind="classifier"))
    with pytest.raises(ConfigError, match="knows none of them.*red, blue"):
        list(make_model(SHAPES).sample(1, seed=0, steps=2, prompt="green", guidance_kind="both"))
    with pytest.raises(ConfigError, match="guidance_kind"):
        list(make_model().sample(1, seed=0, steps=2, prompt="left", guidance_kind="clip"))
    with pytest.raises(ConfigError, match="classifier_scale"):
        list(make_model().sample(1, seed=0, steps=2, prompt="left", guidance_kind="classifier", classifier_scale=-1))
    # classifier-free guidance needs no classifier, whatever the scale says
    images = last(make_model(classifier=False).sample(1, seed=0, steps=2, prompt="left", classifier_scale=5))
    assert images.shape == (1, 8, 8, 1)


# -- accuracy by noise level ---------------------------------------------------------------------------------------
def test_a_trained_classifier_sees_the_class_at_low_noise_and_not_at_high():
    """Trained as train_step trains it (on x_t at random t), without the U-Net's steps, to stay fast."""
    model = make_model(seed=0)
    optimizer = torch.optim.AdamW(model.classifier.parameters(), lr=1e-2)
    for step in range(60):
        x, labels = halves(32, 100 + step)
        t = torch.randint(0, TINY.timesteps, (32,))
        x_t = q_sample(x, t, torch.randn_like(x), model.alphas_cumprod)
        model.targets.loss(model.classifier(x_t, t), labels).backward()
        optimizer.step()
        optimizer.zero_grad()
    x, labels = halves(64, 7)                                                    # held out
    accuracy = model.classifier_accuracy(Batch(x, labels))
    assert set(accuracy) == {"low", "mid", "high"}
    assert accuracy["low"] > 0.9 and accuracy["low"] > accuracy["high"] + 0.2, accuracy
    losses = model.validation_losses(Batch(x, labels))
    assert {"cls_acc_low", "cls_acc_mid", "cls_acc_high"} <= set(losses)
    assert "cls_acc_low" not in make_model(classifier=False).validation_losses(Batch(x, labels))


def test_word_accuracy_is_the_share_of_the_caption_words_ranked_first():
    targets = Targets(SHAPES)
    logits = torch.tensor([[5.0, 0, 4, 0, 0], [5.0, 0, 4, 0, 0], [0.0, 0, 0, 0, 0]])
    target = targets.multi_hot(["red circle", "blue circle", ""], "cpu")
    hits = targets.hits(logits, target)
    assert hits[:2].tolist() == [1.0, 0.5] and torch.isnan(hits[2])


# -- runs through the Trainer: saved, resumed, and saved before classifier guidance ------------------------------------
def labelled_dataset(n=24):
    dataset = synthetic_dataset(n=n, size=8)
    report = dataclasses.replace(dataset.report, labels=("a", "b"), label_counts={"a": n // 2, "b": n - n // 2})
    return dataclasses.replace(dataset, labels=np.arange(n) % 2, report=report)


def test_a_run_with_a_classifier_resumes_and_guides(tmp_path):
    dataset = labelled_dataset()
    config = TrainConfig(steps=2, batch_size=8, seed=0, preview_seconds=0, validate_seconds=0, warmup_steps=1)
    trainer = Trainer(dataset, tmp_path / "run", family="diffusion", family_config=TINY, config=config)
    events = list(trainer.run())
    assert any("cls_loss" in getattr(e, "losses", {}) for e in events)
    resumed = Trainer.resume(tmp_path / "run", dataset, steps=3)
    list(resumed.run())
    assert resumed.result.status == "completed" and resumed.result.step == 3
    family, _ = Run.open(tmp_path / "run").load_family()
    assert family.classifier is not None
    assert last(family.sample(2, seed=0, steps=2, prompt="a", guidance_kind="both")).shape == (2, 8, 8, 3)


def test_a_run_saved_before_classifier_guidance_opens_samples_and_resumes_without_one(tmp_path):
    dataset = labelled_dataset()
    config = TrainConfig(steps=2, batch_size=8, seed=0, preview_seconds=0, validate_seconds=0, warmup_steps=1)
    list(Trainer(dataset, tmp_path / "run", family="diffusion", family_config=TINY.replace(classifier=False),
                 config=config).run())
    path = tmp_path / "run" / "config.json"
    saved = json.loads(path.read_text())
    for key in ("classifier", "classifier_width", "classifier_batch"):
        del saved["family_config"][key]                    # as runs saved before classifier guidance were
    path.write_text(json.dumps(saved))
    family, _ = Run.open(tmp_path / "run").load_family()
    assert family.classifier is None and family.config.classifier is False
    assert last(family.sample(1, seed=0, steps=2, prompt="a")).shape == (1, 8, 8, 3)
    with pytest.raises(ConfigError, match="no noisy classifier"):
        list(family.sample(1, seed=0, steps=2, prompt="a", guidance_kind="classifier"))
    resumed = Trainer.resume(tmp_path / "run", dataset, steps=4)
    list(resumed.run())
    assert resumed.result.status == "completed" and resumed.result.step == 4


def test_guidance_works_with_weights_laid_out_under_inference_mode():
    """Sampling lays a model out for its precision inside torch.inference_mode (inference.lay_out_for), which makes
    the weights inference tensors; the classifier's gradient must still be taken."""
    model = make_model()
    kw = dict(seed=0, steps=2, prompt="left", guidance_kind="classifier", classifier_scale=5)
    before = last(model.sample(1, **kw))
    with torch.inference_mode():
        model.classifier.to(memory_format=torch.channels_last)
        after = last(model.sample(1, **kw))
    np.testing.assert_allclose(after.astype(int), before.astype(int), atol=2)
