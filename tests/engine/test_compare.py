"""Comparing runs (studio.engine.compare): two real tiny runs on one dataset share one reference and each
carries its evaluation and cost; a run trained on other data is refused."""
import pytest

from test_evaluation_run import bars, drive

FEATURE_STEPS = 20


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    from studio.engine.families.gan import GANConfig
    from studio.engine.families.vae import VAEConfig
    from synthetic import train_briefly

    root, dataset = tmp_path_factory.mktemp("runs"), bars(200)
    train_briefly(root / "vae", dataset, "vae", VAEConfig.from_preset("tiny", latent_dim=4), steps=10)
    train_briefly(root / "gan", dataset, "gan", GANConfig.from_preset("tiny"), steps=10)
    return dataset, [root / "vae", root / "gan"], tmp_path_factory.mktemp("features")


def test_two_runs_compare_with_one_reference_and_their_costs(runs):
    from studio.engine.compare import CompareProgress, compare_runs

    dataset, paths, cache = runs
    result, events = drive(compare_runs(paths, n=24, dataset=dataset, cache=cache, feature_steps=FEATURE_STEPS))
    assert [e.family for e in events if isinstance(e, CompareProgress)] == ["vae", "gan"]
    assert [e.family for e in result.entries] == ["vae", "gan"]
    for entry in result.entries:
        assert entry.parameters > 0 and entry.train_seconds > 0 and entry.sample_images_per_sec > 0
        assert entry.evaluation.samples.shape[0] == 24
        assert entry.curve == ()                 # no kid records in a run this short
    assert result.images == 200


def test_a_run_on_other_data_is_refused(runs, tmp_path):
    from studio.engine.compare import compare_runs
    from studio.engine.evaluation.evaluate import EvaluationError
    from studio.engine.families.vae import VAEConfig
    from synthetic import train_briefly

    dataset, paths, cache = runs
    train_briefly(tmp_path / "other", bars(120, seed=3), "vae", VAEConfig.from_preset("tiny", latent_dim=4), steps=2)
    with pytest.raises(EvaluationError, match="other data"):
        drive(compare_runs([paths[0], tmp_path / "other"], n=24, dataset=dataset, cache=cache))
