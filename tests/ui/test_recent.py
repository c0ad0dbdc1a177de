"""studio.ui.recent: the Recent runs list reads run folders as JSON and never fails on junk."""
import json
import os

from studio.ui.recent import recent_runs, remember_run


def make_run(folder, family, mtime):
    (folder / "checkpoints").mkdir(parents=True)
    (folder / "config.json").write_text(json.dumps({"family": family}))
    ckpt = folder / "checkpoints" / "last.safetensors"
    ckpt.write_bytes(b"x")
    os.utime(ckpt, (mtime, mtime))
    os.utime(folder / "config.json", (mtime - 10, mtime - 10))
    return folder


def test_newest_first_with_runs_opened_elsewhere_and_junk_left_out(tmp_path):
    root = tmp_path / "runs"
    old = make_run(root / "old", "vae", 1_000_000)
    new = make_run(root / "new", "gan", 2_000_000)
    elsewhere = make_run(tmp_path / "server" / "big", "diffusion", 1_500_000)
    (root / "empty").mkdir()
    (root / "broken").mkdir()
    (root / "broken" / "config.json").write_text("{not json")
    (root / "a-file.txt").write_text("hi")
    runs = recent_runs(root, [str(elsewhere), str(tmp_path / "gone")])
    assert [(r.path.name, r.family) for r in runs] == [("new", "gan"), ("big", "diffusion"), ("old", "vae")]
    assert recent_runs(root, limit=1)[0].path == new.resolve()
    assert recent_runs(tmp_path / "nowhere") == []
    assert old.resolve() in [r.path for r in runs]


def test_remember_run_moves_to_front_once_and_caps(tmp_path):
    a, b = str((tmp_path / "a").resolve()), str((tmp_path / "b").resolve())
    assert remember_run([a, b], b) == [b, a]
    assert remember_run([str(i) for i in range(30)], a, keep=5) == [a, "0", "1", "2", "3"]
