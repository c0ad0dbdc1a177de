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


@pytest.fixture(scope="module")
def comparison(runs):
    from studio.engine.compare import compare_runs

    dataset, paths, cache = runs
    result, _ = drive(compare_runs(paths, n=24, dataset=dataset, cache=cache, feature_steps=FEATURE_STEPS))
    return result


def test_the_report_is_one_html_file_with_embedded_pngs_and_a_markdown_twin(comparison, tmp_path):
    import base64
    import re

    from studio.engine.compare import write_report

    html_path, md_path = write_report(comparison, tmp_path / "report")
    page = html_path.read_text(encoding="utf-8")
    assert "<script" not in page and 'src="http' not in page
    embedded = re.findall(r'src="data:image/png;base64,([A-Za-z0-9+/=]+)"', page)
    assert len(embedded) >= 2 + 2 * 8               # a grid per run, and the nearest-neighbour pairs
    assert all(base64.b64decode(data)[:8] == b"\x89PNG\r\n\x1a\n" for data in embedded)
    for heading in ("KID", "Precision", "Recall", "Coverage", "floor: real images", "seconds trained",
                    "training images/s", "sampling images/s", "ratio", "No quality measurements"):
        assert heading in page, heading
    assert page.count("★") >= 1 and ("PASS" in page or "FAIL" in page)
    markdown = md_path.read_text(encoding="utf-8")
    linked = re.findall(r"\]\((images/[^)]+\.png)\)", markdown)
    assert len(linked) == len(embedded) and all((md_path.parent / name).is_file() for name in linked)
    assert "| run | KID |" in markdown and "A VAE learns" in markdown and "A GAN only has" in markdown


def test_the_report_escapes_text_and_draws_the_quality_curve(comparison, tmp_path):
    import dataclasses

    from studio.engine.compare import write_report

    first = dataclasses.replace(comparison.entries[0], run=str(tmp_path / "<b>odd & name"),
                                curve=((10.0, 0.5), (20.0, 0.2)))
    html_path, md_path = write_report(dataclasses.replace(comparison, entries=(first,) + comparison.entries[1:]),
                                      tmp_path / "report")
    page = html_path.read_text(encoding="utf-8")
    assert "<b>odd" not in page and "&lt;b&gt;odd &amp; name" in page
    assert "<polyline" in page and (md_path.parent / "images" / "quality.svg").is_file()


def test_a_folder_of_someone_elses_files_is_refused(comparison, tmp_path):
    from studio.engine.compare import check_report_folder, write_report
    from studio.engine.evaluation.evaluate import EvaluationError

    (tmp_path / "holiday.jpg").write_bytes(b"x")
    with pytest.raises(EvaluationError, match="holiday.jpg"):
        check_report_folder(tmp_path)
    (tmp_path / "images").mkdir()
    (tmp_path / "images" / "1-vae-samples.png").write_bytes(b"mine")
    with pytest.raises(EvaluationError, match="no earlier report"):
        write_report(comparison, tmp_path)
    assert (tmp_path / "images" / "1-vae-samples.png").read_bytes() == b"mine"
    html_path, _ = write_report(comparison, tmp_path / "again")
    check_report_folder(html_path.parent)                     # an earlier report may be replaced
    write_report(comparison, html_path.parent)


def test_train_families_gives_each_the_same_budget_and_cancel_stops_the_rest(tmp_path):
    from studio.engine.compare import FamilyTraining, train_families
    from studio.engine.events import Progress

    seen = []

    def cancel():      # stop once the second family has taken a step
        return any(isinstance(e.event, Progress) and e.family == "gan" for e in seen)

    gen = train_families(bars(120), ["vae", "gan", "flow"], minutes=0.05, out=tmp_path, seed=0, cancel=cancel,
                         cache=tmp_path / "features", feature_steps=FEATURE_STEPS, preset="tiny", device="cpu")
    while True:
        try:
            event = next(gen)
        except StopIteration as stop:
            folders = stop.value
            break
        if isinstance(event, FamilyTraining):
            seen.append(event)
    assert [f.name for f in folders] == ["vae", "gan"]
    assert {e.family for e in seen} == {"vae", "gan"} and all(e.total == 3 for e in seen)
    assert all((f / "checkpoints" / "last.safetensors").exists() for f in folders)
