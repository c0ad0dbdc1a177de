"""`train --set` takes training settings too (mirror flips, off by default), and says which augmentations are on."""
import io
import json

import pytest

from studio.cli import main


def run_cli(*args: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = main(list(args), out=out, err=err)
    return code, out.getvalue(), err.getvalue()


def train(run, *extra: str) -> tuple[int, str, str]:
    return run_cli("train", "demo:shapes", "--out", str(run), "--size", "8", "--preset", "tiny", "--steps", "2",
                   "--batch", "8", "--quality-minutes", "0", *extra)


@pytest.mark.parametrize("text, mirror", [("true", True), ("on", True), ("1", True), ("off", False)])
def test_set_mirror_lands_in_the_run_config_and_the_start_lines_say_so(tmp_path, text, mirror):
    code, _, err = train(tmp_path / "run", "--set", f"mirror={text}", "--set", "latent_dim=4")
    assert code == 0, err
    saved = json.loads((tmp_path / "run" / "config.json").read_text())
    assert saved["train_config"]["mirror"] is mirror
    assert saved["family_config"]["latent_dim"] == 4 and "mirror" not in saved["family_config"]
    assert ("augmentation: left-right mirror flips" if mirror else "augmentation: none") in err
    assert f"  mirror: {str(mirror).lower()} (as you set it)" in err          # the plan's settings list it too


def test_mirror_is_off_by_default_and_resume_can_turn_it_on(tmp_path):
    code, _, err = train(tmp_path / "run")
    assert code == 0, err
    assert "augmentation: none (mirror flips are off; --set mirror=true" in err
    assert "mirror flips look harmless here" in err and "may add variety" in err     # shapes have no handedness
    assert json.loads((tmp_path / "run" / "config.json").read_text())["train_config"]["mirror"] is False
    code, _, err = run_cli("train", "demo:shapes", "--out", str(tmp_path / "run"), "--resume", "--steps", "3",
                           "--quality-minutes", "0", "--set", "mirror=yes")
    assert code == 0, err
    assert json.loads((tmp_path / "run" / "config.json").read_text())["train_config"]["mirror"] is True
    assert "augmentation: left-right mirror flips" in err


@pytest.mark.parametrize("setting, words", [
    ("mirorr=true", ["'mirorr'", "of the vae family:", "latent_dim", "of training:", "mirror", "ema_decay"]),
    ("mirror=maybe", ["mirror", "true or false", "'maybe'"]),
    ("batch_size=4", ["--batch"]),
])
def test_a_wrong_setting_is_one_clear_line(tmp_path, setting, words):
    code, _, err = train(tmp_path / "run", "--set", setting)
    assert code == 2
    last = err.strip().splitlines()[-1]
    assert last.startswith("genstudio: error:") and "Traceback" not in err
    for word in words:
        assert word in last
    assert not (tmp_path / "run").exists()


def test_the_dataset_doctor_says_which_augmentations_training_uses():
    code, out, err = run_cli("inspect", "demo:shapes", "--size", "8")
    assert code == 0, err
    assert "augmentation while training: none (mirror flips are off; turn them on with train --set mirror=true" in out
    assert "mirror flips look harmless here" in out                     # shapes have no handedness


def test_the_doctor_and_training_with_flips_on_say_when_a_folder_has_a_handedness(tmp_path):
    code, out, err = run_cli("inspect", "demo:digits", "--size", "16")
    assert code == 0, err
    line = next(line for line in out.splitlines() if line.startswith("mirror flips"))
    assert line.startswith("mirror flips would change these images") and "'7'" in line and "--set mirror" in line
    code, _, err = run_cli("train", "demo:digits", "--out", str(tmp_path / "run"), "--size", "8", "--preset", "tiny",
                           "--family", "vae", "--steps", "1", "--batch", "8", "--quality-minutes", "0",
                           "--set", "mirror=true")
    assert code == 0, err
    assert "warning: mirror flips are on, but this folder has a handedness" in err
    code, _, err = run_cli("train", "demo:digits", "--out", str(tmp_path / "off"), "--size", "8", "--preset", "tiny",
                           "--family", "vae", "--steps", "1", "--batch", "8", "--quality-minutes", "0")
    assert code == 0, err
    assert "augmentation: none" in err and "may add variety" not in err      # off, and no hint to turn them on
