"""The evaluation of images and runs against a dataset's held-out split (studio.engine.evaluation.evaluate).

A small labelled dataset drawn here (bars at four angles), a feature network of a few steps in a tmp cache:
copies of training images are flagged as copies, noise scores far worse than held-out-like images, the
judge's adherence follows the prompts, the same seed gives the same numbers, and a real tiny run evaluates.
"""
import json

import numpy as np
import pytest

from studio.engine.data import DatasetReport, ImageDataset

SIZE, STEPS = 16, 60
ANGLES = ("flat", "rising", "upright", "falling")


def bars(n=800, seed=0):
    """Gray bars through the centre at four angles (the labels), random width, offset and brightness."""
    rng = np.random.default_rng(seed)
    yy, xx = np.mgrid[0:SIZE, 0:SIZE] - (SIZE - 1) / 2
    images = np.zeros((n, SIZE, SIZE, 1), np.uint8)
    labels = np.arange(n) % 4
    for i, label in enumerate(labels):
        theta = label * np.pi / 4 + rng.normal(0, 0.08)
        offset = rng.uniform(-2, 2)
        d = np.abs(-np.sin(theta) * xx + np.cos(theta) * yy - offset)
        width = rng.uniform(1.0, 2.2)
        images[i, ..., 0] = (np.clip(width - d, 0, 1) * rng.uniform(150, 255)).astype(np.uint8)
    report = DatasetReport(root="bars", found=n, loaded=n, skipped=(), labels=ANGLES,
                           label_counts={a: n // 4 for a in ANGLES}, captioned=0, caption_source="none",
                           channels=1, size=SIZE)
    return ImageDataset(images=images, labels=labels.astype(np.int64), captions=("",) * n,
                        files=tuple(f"{ANGLES[l]}/{i}.png" for i, l in enumerate(labels)), report=report,
                        fingerprint=f"bars-{n}-{seed}")


def drive(gen):
    events = []
    while True:
        try:
            events.append(next(gen))
        except StopIteration as stop:
            return stop.value, events


@pytest.fixture(scope="module")
def dataset():
    return bars()


@pytest.fixture(scope="module")
def reference(dataset, tmp_path_factory):
    from studio.engine.evaluation.evaluate import default_split, prepare_reference

    train_idx, heldout_idx = default_split(dataset)
    ref, events = drive(prepare_reference(dataset, train_idx, heldout_idx, seed=0,
                                          cache=tmp_path_factory.mktemp("features"), feature_steps=STEPS))
    return ref


def test_copies_of_training_images_are_flagged_and_fresh_images_are_not(dataset, reference):
    from studio.engine.evaluation.evaluate import score_images

    copies = dataset.images[reference.train_idx[:60]]
    copied = score_images(reference, copies, seed=0)
    fresh = score_images(reference, bars(60, seed=5).images, seed=0)
    assert copied.model.memorised > 0.8
    assert fresh.model.memorised < 0.3
    assert all(pair.ratio < 1 for pair in copied.nearest)
    first = copied.nearest[0]                               # the strip's pair names the very image copied
    assert np.array_equal(copies[first.sample], dataset.images[first.train])


def test_noise_scores_worse_than_real_looking_images_and_the_floor_is_near_zero(reference):
    from studio.engine.evaluation.evaluate import score_images

    real_like = score_images(reference, bars(80, seed=9).images, seed=0)
    noise = score_images(reference, np.random.default_rng(0).integers(0, 256, (80, SIZE, SIZE, 1), dtype=np.uint8),
                         seed=0)
    assert noise.model.kid > real_like.model.kid + 5 * max(real_like.model.kid_std, 1e-9)
    assert noise.model.precision < real_like.model.precision
    assert abs(real_like.floor.kid) < 3 * real_like.floor.kid_std + 1e-3 or real_like.floor.kid < real_like.model.kid
    assert real_like.floor.precision > 0.5


def test_adherence_follows_the_prompts(dataset, reference):
    from studio.engine.evaluation.evaluate import score_images

    images = bars(80, seed=11)
    truth = [ANGLES[int(l)] for l in images.labels]
    shifted = [ANGLES[(int(l) + 1) % 4] for l in images.labels]           # every prompt names another angle
    right = score_images(reference, images.images, truth, seed=0)
    wrong = score_images(reference, images.images, shifted, seed=0)
    assert right.model.adherence > 0.6 > wrong.model.adherence
    assert {p.prompt for p in right.prompts} == set(ANGLES)
    assert right.floor.adherence is not None and right.floor.adherence > 0.6


def test_mirror_images_are_counted_in_the_classes_that_have_a_handedness(dataset, reference):
    """A rising bar flipped is a falling one: prompted "rising", it is a mirror image; a flat bar flipped is flat."""
    import dataclasses

    from studio.engine.evaluation.evaluate import score_images
    from studio.engine.mirror import MirrorCheck

    assert reference.mirror.handed and set(reference.mirror.classes) == {"rising", "falling"}
    images = bars(80, seed=11)
    truth = [ANGLES[int(l)] for l in images.labels]
    real = score_images(reference, images.images, truth, seed=0)
    flipped = score_images(reference, np.ascontiguousarray(images.images[:, :, ::-1]), truth, seed=0)
    assert flipped.model.mirrored > 0.8 and real.model.mirrored < 0.3
    assert real.floor.mirrored is not None and real.floor.mirrored < 0.3        # held-out real bars
    no_hand = dataclasses.replace(reference, mirror=MirrorCheck(compared=400, changed=0.5))
    plain = score_images(no_hand, images.images, truth, seed=0)
    assert plain.model.mirrored is None and plain.floor.mirrored is None       # no column where flips do no harm


def test_same_seed_same_numbers_and_the_json_round_trip(dataset, reference):
    from studio.engine.evaluation.evaluate import Evaluation, score_images

    images = bars(40, seed=3).images
    a, b = score_images(reference, images, seed=4), score_images(reference, images, seed=4)
    assert a.model == b.model and a.floor == b.floor
    back = Evaluation.from_dict(json.loads(json.dumps(a.to_dict())))
    assert back.model == a.model and back.check.passed == a.check.passed and back.nearest == a.nearest


def test_too_few_images_say_so(dataset, reference, tmp_path):
    from studio.engine import EvaluationError
    from studio.engine.evaluation.evaluate import evaluate_images, score_images

    with pytest.raises(EvaluationError, match="at least 8 generated images"):
        score_images(reference, dataset.images[:3])
    small = bars(12)
    with pytest.raises(EvaluationError, match="too few to measure"):
        drive(evaluate_images(small, small.images, cache=tmp_path, feature_steps=5))


def test_a_real_tiny_run_evaluates_and_saves_its_evaluation(dataset, tmp_path):
    from studio.engine import load_evaluation, save_evaluation
    from studio.engine.evaluation.evaluate import EvaluationProgress, evaluate_run
    from studio.engine.families.vae import VAEConfig

    from synthetic import train_briefly

    run = tmp_path / "run"
    train_briefly(run, dataset, "vae", VAEConfig.from_preset("tiny", latent_dim=4), steps=10)
    result, events = drive(evaluate_run(run, n=24, seed=0, dataset=dataset, cache=tmp_path / "cache",
                                        feature_steps=20))
    stages = {e.stage.id for e in events if isinstance(e, EvaluationProgress)}
    assert {"evaluation.stage.sampling", "evaluation.stage.scoring"} <= stages
    assert result.family == "vae" and result.step == 10 and result.model.n == 24 and result.samples.shape[0] == 24
    assert result.floor.n == 24 and result.model.adherence is None          # a VAE takes no prompt
    save_evaluation(run, result)
    loaded = load_evaluation(run)
    assert loaded.model == result.model and loaded.check == result.check
    from studio.engine import FEATURE_VERSION
    assert loaded.feature_version == FEATURE_VERSION > 0      # the Compare step reuses it only while it is today's
    # the memorisation strip's samples come back with it (the JSON keeps no images) ...
    assert len(loaded.samples) == len(result.nearest) > 0
    for theirs, mine in zip(result.nearest, loaded.nearest):
        assert np.array_equal(loaded.samples[mine.sample], result.samples[theirs.sample])
        assert (mine.train, mine.ratio) == (theirs.train, theirs.ratio)
    # ... but never a PNG that is not the one saved with this JSON
    (run / "evaluation-nearest.png").write_bytes((run / "evaluation-nearest.png").read_bytes()[:-9] + b"x" * 9)
    stale = load_evaluation(run)
    assert stale.samples is None and stale.model == result.model
    # a sampling option other than the family's default reaches the samples: at temperature 0 every one is the mean
    cold, _ = drive(evaluate_run(run, n=24, seed=0, dataset=dataset, cache=tmp_path / "cache", feature_steps=20,
                                 options={"temperature": 0.0}))
    assert (cold.samples == cold.samples[:1]).all() and not (result.samples == result.samples[:1]).all()
