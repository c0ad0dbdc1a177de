"""genstudio evaluate and compare on real tiny runs (demo digits and a drawn folder of bars, 16 px, 10-20 steps,
a feature network of 20 steps in a tmp cache)."""
import io
import json
import re
import shutil
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from studio.cli import main


def cli(*argv):
    out, err = io.StringIO(), io.StringIO()
    return main(list(argv), out=out, err=err), out.getvalue(), err.getvalue()


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    mp = pytest.MonkeyPatch()
    mp.setenv("GENSTUDIO_CACHE", str(tmp_path_factory.mktemp("cache")))
    path = tmp_path_factory.mktemp("runs") / "vae"
    code, _, err = cli("train", "demo:digits", "--family", "vae", "--out", str(path), "--steps", "10", "--size", "16",
                       "--preset", "tiny")
    assert code == 0, err
    yield path
    mp.undo()


def test_evaluate_prints_the_table_with_the_floor_and_json_parses(run):
    code, out, err = cli("evaluate", str(run), "-n", "24", "--feature-steps", "20")
    assert code == 0, err
    assert "changed since" not in out + err          # a demo run reloads its demo as demo:NAME, same fingerprint
    assert "metric" in out and "floor" in out and "KID" in out and "degradation check:" in out
    assert (run / "evaluation.json").exists()
    code, out, err = cli("evaluate", str(run), "-n", "24", "--feature-steps", "20", "--json")
    assert code == 0, err
    assert json.loads(out)["family"] == "vae"


def test_evaluate_draws_with_the_options_given_and_keeps_the_defaults_evaluation(run):
    saved = run / "evaluation.json"
    if not saved.exists():
        assert cli("evaluate", str(run), "-n", "24", "--feature-steps", "20")[0] == 0
    before = saved.read_bytes()
    code, out, err = cli("evaluate", str(run), "-n", "24", "--feature-steps", "20", "--opt", "temperature=0",
                         "--json")
    assert code == 0, err
    result = json.loads(out)
    assert result["options"] == {"temperature": 0.0} and "not saved as" in err
    assert saved.read_bytes() == before                 # the run's evaluation stays the one at its defaults
    assert json.loads(before)["options"] == {} and result["model"] != json.loads(before)["model"]
    for opt, says in (("temprature=1", "unknown sampling option temprature for vae"),
                      ("temperature=warm", "temperature takes a number from 0 to 2, not 'warm'")):
        code, _, err = cli("evaluate", str(run), "-n", "24", "--opt", opt)
        assert code == 2 and says in err and err.count("\n") == 1, err


def test_evaluate_scores_the_best_checkpoint_when_asked_and_says_when_there_is_none(run, tmp_path):
    assert (run / "checkpoints" / "best.safetensors").exists()      # a VAE keeps one by its held-out loss
    saved = run / "evaluation.json"
    if not saved.exists():
        assert cli("evaluate", str(run), "-n", "24", "--feature-steps", "20")[0] == 0
    before = saved.read_bytes()
    code, out, err = cli("evaluate", str(run), "-n", "24", "--feature-steps", "20", "--checkpoint", "best")
    assert code == 0, err
    step = json.loads((run / "checkpoints" / "best.json").read_text())["step"]
    assert f"the best checkpoint, step {step}" in out and "not saved as" in err and saved.read_bytes() == before
    older = tmp_path / "older"
    shutil.copytree(run, older)
    for path in (older / "checkpoints").glob("best.*"):
        path.unlink()
    code, _, err = cli("evaluate", str(older), "-n", "24", "--checkpoint", "best")
    assert code == 2 and "has no best checkpoint" in err and "evaluate its last one" in err


def test_a_folder_that_is_not_a_run_needs_images(tmp_path):
    code, _, err = cli("evaluate", str(tmp_path))
    assert code == 2 and err.count("\n") == 1 and "--images" in err


# -- a folder of drawn bars, runs on it, and images to score against it ----------------------------------------
FEATURE = ("--feature-steps", "20")
ANGLES = ("flat", "rising", "upright", "falling")


@pytest.fixture(scope="module", autouse=True)
def isolated_cache(tmp_path_factory):
    mp = pytest.MonkeyPatch()
    mp.setenv("GENSTUDIO_CACHE", str(tmp_path_factory.mktemp("feature-cache")))
    yield
    mp.undo()


@pytest.fixture(scope="module")
def bars(tmp_path_factory) -> Path:
    """240 grayscale 16 px bars through the centre at four angles, one class folder per angle."""
    root = tmp_path_factory.mktemp("bars")
    rng = np.random.default_rng(0)
    yy, xx = np.mgrid[0:16, 0:16] - 7.5
    for i in range(240):
        label = i % 4
        theta = label * np.pi / 4 + rng.normal(0, 0.08)
        d = np.abs(-np.sin(theta) * xx + np.cos(theta) * yy - rng.uniform(-2, 2))
        image = (np.clip(rng.uniform(1.0, 2.2) - d, 0, 1) * rng.uniform(150, 255)).astype(np.uint8)
        (root / ANGLES[label]).mkdir(exist_ok=True)
        Image.fromarray(image, mode="L").save(root / ANGLES[label] / f"{i:03d}.png")
    return root


@pytest.fixture(scope="module")
def bar_runs(bars, tmp_path_factory) -> list[Path]:
    root = tmp_path_factory.mktemp("bar-runs")
    for family in ("vae", "gan"):
        code, _, err = cli("train", str(bars), "--family", family, "--out", str(root / family), "--steps", "20",
                           "--size", "16", "--preset", "tiny")
        assert code == 0, err
    return [root / "vae", root / "gan"]


def _images_folder(folder: Path, images) -> Path:
    folder.mkdir()
    for i, image in enumerate(images):
        Image.fromarray(image, mode="L").save(folder / f"{i:03d}.png")
    return folder


def test_copies_of_training_images_are_flagged_and_noise_scores_far_worse(bars, tmp_path):
    from studio.engine import load_dataset
    from studio.engine.evaluation.evaluate import default_split

    dataset = load_dataset(str(bars), size=32)
    train_idx, _ = default_split(dataset)
    copies = tmp_path / "copies"
    copies.mkdir()
    for i in train_idx[:60]:
        shutil.copy(bars / dataset.files[i], copies / Path(dataset.files[i]).name)
    noise = _images_folder(tmp_path / "noise", np.random.default_rng(1).integers(0, 256, (60, 16, 16), np.uint8))
    scored = {}
    for name, folder in (("copies", copies), ("noise", noise)):
        code, out, err = cli("evaluate", str(bars), "--images", str(folder), "--json", *FEATURE)
        assert code == 0, err
        scored[name] = json.loads(out)["model"]
    assert scored["copies"]["memorised"] > 0.8 and scored["noise"]["memorised"] == 0
    assert scored["noise"]["kid"] > 10 * max(scored["copies"]["kid"], 0.05)


def test_a_missing_dataset_is_one_clear_line(bar_runs, tmp_path):
    code, _, err = cli("evaluate", str(tmp_path / "gone"), "--images", str(tmp_path), *FEATURE)
    assert code == 2 and err.count("\n") == 1 and "gone" in err
    moved = tmp_path / "moved-run"
    shutil.copytree(bar_runs[0], moved)
    config = json.loads((moved / "config.json").read_text())
    config["dataset"]["source"] = str(tmp_path / "elsewhere")
    (moved / "config.json").write_text(json.dumps(config))
    code, _, err = cli("evaluate", str(moved), "-n", "24", *FEATURE)
    assert code == 2 and err.strip().count("\n") == 0 and "elsewhere" in err


def test_compare_writes_the_html_report_and_its_markdown_twin(bar_runs, tmp_path):
    out_dir = tmp_path / "report"
    code, out, err = cli("compare", *map(str, bar_runs), "--out", str(out_dir), "-n", "24", *FEATURE)
    assert code == 0, err
    assert str(out_dir / "report.html") in out and str(out_dir / "report.md") in out
    page = (out_dir / "report.html").read_text(encoding="utf-8")
    assert page.count('src="data:image/png;base64,') >= 2 and "<table>" in page and "floor: real images" in page
    linked = re.findall(r"\]\((images/[^)]+\.png)\)", (out_dir / "report.md").read_text(encoding="utf-8"))
    assert linked and all((out_dir / name).is_file() for name in linked)
    code, _, err = cli("compare", *map(str, bar_runs), "--out", str(out_dir), "-n", "24", *FEATURE)
    assert code == 0, err                                  # an earlier report is replaced


def test_compare_refuses_a_folder_of_other_files_and_runs_on_other_data(bar_runs, run, tmp_path):
    (tmp_path / "notes.txt").write_text("mine")
    code, _, err = cli("compare", *map(str, bar_runs), "--out", str(tmp_path), *FEATURE)
    assert code == 2 and err.count("\n") == 1 and "notes.txt" in err
    assert (tmp_path / "notes.txt").read_text() == "mine" and not (tmp_path / "report.html").exists()
    code, _, err = cli("compare", str(bar_runs[0]), str(run), "--out", str(tmp_path / "r"), *FEATURE)
    assert code == 2 and err.count("\n") == 1 and "other data" in err


def test_compare_trains_each_family_then_reports(bars, tmp_path):
    out_dir = tmp_path / "families"
    code, out, err = cli("compare", str(bars), "--families", "vae,gan", "--minutes", "0.03", "--size", "16",
                         "--preset", "tiny", "--out", str(out_dir), "-n", "24", *FEATURE)
    assert code == 0, err
    assert sorted(p.name for p in (out_dir / "runs").iterdir()) == ["gan", "vae"]
    assert "training vae (1 of 2)" in err and "training gan (2 of 2)" in err
    assert "warning" not in err          # the quality measure found the network compare trained first
    assert (out_dir / "report.html").is_file() and (out_dir / "report.md").is_file()
