"""genstudio evaluate on a real tiny run (demo digits, 16 px, a feature network of 20 steps in a tmp cache)."""
import io
import json

import pytest

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
    assert "metric" in out and "floor" in out and "kid" in out and "degradation check:" in out
    assert (run / "evaluation.json").exists()
    code, out, err = cli("evaluate", str(run), "-n", "24", "--feature-steps", "20", "--json")
    assert code == 0, err
    assert json.loads(out)["family"] == "vae"


def test_a_folder_that_is_not_a_run_needs_images(tmp_path):
    code, _, err = cli("evaluate", str(tmp_path))
    assert code == 2 and err.count("\n") == 1 and "--images" in err
