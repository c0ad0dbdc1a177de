"""torchrun: two CPU processes (gloo) at batch B train the same weights as one process at batch 2B, and a run
they made resumes in one process; a group of one process trains exactly as no group, and a signal stops it at a
step boundary with one save. Every family under torchrun, and Ctrl-C there: benchmarks/distributed_families.py."""
from __future__ import annotations

import json
import os
import signal
import subprocess
import sys

import numpy as np
import pytest
import torch
import torch.distributed as dist
from PIL import Image
from safetensors.torch import load_file
from synthetic import synthetic_dataset

from studio.engine import TrainConfig, Trainer, get_family, load_dataset
from studio.engine.events import Progress
from studio.engine.training.distributed import ProcessGroup, launched

STEPS, BATCH = 4, 4      # per process; the single process trains at 2 * BATCH


@pytest.fixture
def image_folder(tmp_path):
    """24 blocky 8x8 images in one folder: no labels, no captions, so the autoregressive steps draw no noise."""
    folder = tmp_path / "images"
    folder.mkdir()
    rng = np.random.default_rng(3)
    for i in range(24):
        coarse = rng.integers(0, 256, size=(2, 2, 3), dtype=np.uint8)
        Image.fromarray(coarse.repeat(4, axis=0).repeat(4, axis=1)).save(folder / f"{i:02d}.png")
    return folder


def torchrun(folder, run, *args):
    cmd = [sys.executable, "-m", "torch.distributed.run", "--standalone", "--nproc-per-node=2", "-m", "studio",
           "train", str(folder), "--out", str(run), *args]
    env = {**os.environ, "OMP_NUM_THREADS": "1"}
    return subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=240)


def weights(path, prefix):
    return {k: v for k, v in load_file(str(path)).items() if k.startswith(prefix)}


def max_difference(a, b) -> float:
    assert a.keys() == b.keys()
    return max((a[k].double() - b[k].double()).abs().max().item() for k in a)


def train_in_process(trainer) -> None:
    for _ in trainer.run():
        pass
    assert trainer.result.status == "completed"


def test_two_processes_at_batch_b_train_as_one_at_2b_and_resume_in_one(image_folder, tmp_path, one_torch_thread):
    assert not launched()
    run = tmp_path / "two"
    done = torchrun(image_folder, run, "--family", "autoregressive", "--preset", "tiny", "--size", "8",
                    "--steps", str(STEPS), "--batch", str(BATCH), "--precision", "fp32", "--device", "cpu",
                    "--quality-minutes", "0")
    assert done.returncode == 0, done.stderr[-3000:]
    assert "distributed: 2 processes (gloo), 4 images per process, effective batch 8" in done.stderr
    assert done.stderr.count("training autoregressive") == 1           # one rank prints
    config = json.loads((run / "config.json").read_text())
    assert config["distributed"] == {"processes": 2, "backend": "gloo", "batch_per_process": BATCH,
                                     "effective_batch": 2 * BATCH}
    steps = [json.loads(line)["step"] for line in (run / "metrics.jsonl").read_text().splitlines()
             if json.loads(line)["kind"] == "train"]
    assert steps == sorted(set(steps)) and steps[-1] == STEPS            # one writer: no line twice
    last = json.loads((run / "checkpoints" / "last.json").read_text())
    assert last["step"] == STEPS and last["processes"] == 2 and last["effective_batch"] == 2 * BATCH

    # One process at batch 2B, with the run's own settings, from the same seed.
    dataset = load_dataset(str(image_folder), size=8)
    family = get_family("autoregressive")
    one = Trainer(dataset, tmp_path / "one", family="autoregressive",
                  family_config=family.Config.from_dict(config["family_config"]),
                  config=TrainConfig.from_dict({**config["train_config"], "batch_size": 2 * BATCH}))
    train_in_process(one)
    ckpt_two, ckpt_one = run / "checkpoints" / "last.safetensors", tmp_path / "one" / "checkpoints" / "last.safetensors"
    for prefix in ("model.", "ema.", "optim."):
        difference = max_difference(weights(ckpt_two, prefix), weights(ckpt_one, prefix))
        print(f"max |two processes - one| of {prefix}*: {difference:.3g}")
        assert difference < 1e-5, prefix

    # Both resumed in one process at batch 2B: the same again (data order, RNG and optimizer state carried over).
    for run_dir in (run, tmp_path / "one"):
        train_in_process(Trainer.resume(run_dir, dataset, steps=STEPS + 2, batch_size=2 * BATCH))
    resumed = [weights(d / "checkpoints" / "last.safetensors", "model.") for d in (run, tmp_path / "one")]
    difference = max_difference(*resumed)
    print(f"max |resumed two - resumed one| of model.*: {difference:.3g}")
    assert difference < 1e-5
    assert json.loads((run / "checkpoints" / "last.json").read_text())["processes"] == 1
    assert torch.isfinite(torch.cat([t.flatten() for t in resumed[0].values()])).all()


@pytest.fixture
def group_of_one(tmp_path):
    """A gloo process group of this process alone: every collective runs, on one rank."""
    handlers = {sig: signal.getsignal(sig) for sig in (signal.SIGINT, signal.SIGTERM)}
    dist.init_process_group("gloo", init_method=f"file://{tmp_path / 'store'}", rank=0, world_size=1)
    yield ProcessGroup(rank=0, world=1, local_rank=0, backend="gloo", device="cpu")
    dist.destroy_process_group()
    for sig, handler in handlers.items():        # attach() installs its own
        signal.signal(sig, handler)


def tiny_trainer(run_dir, steps=6) -> Trainer:
    family = get_family("autoregressive")
    config = TrainConfig(steps=steps, batch_size=4, lr=3e-3, device="cpu", precision="fp32", quality_minutes=0,
                         preview_seconds=0, validate_seconds=0, event_seconds=0, warmup_steps=2)
    return Trainer(synthetic_dataset(n=24), run_dir, family="autoregressive",
                   family_config=family.Config.from_preset("tiny"), config=config)


def test_a_group_of_one_trains_exactly_as_no_group(tmp_path, group_of_one, one_torch_thread):
    alone = tiny_trainer(tmp_path / "alone")
    train_in_process(alone)
    grouped = tiny_trainer(tmp_path / "grouped")
    group_of_one.attach(grouped)
    train_in_process(grouped)
    a, b = (weights(tmp_path / name / "checkpoints" / "last.safetensors", "model.") for name in ("alone", "grouped"))
    assert all(torch.equal(a[k], b[k]) for k in a)


def test_a_signal_stops_every_rank_at_a_step_and_saves_once(tmp_path, group_of_one, one_torch_thread):
    trainer = tiny_trainer(tmp_path / "run", steps=1000)
    group_of_one.attach(trainer)
    for event in trainer.run():
        if isinstance(event, Progress) and event.step == 3:
            os.kill(os.getpid(), signal.SIGINT)          # the handler only flags it; the ranks agree after the step
    assert trainer.result.status == "stopped" and group_of_one.interrupted
    assert trainer.step == 4
    last = json.loads((tmp_path / "run" / "checkpoints" / "last.json").read_text())
    assert last["reason"] == "stopped" and last["step"] == 4
    saved = [p.name for p in (tmp_path / "run" / "checkpoints").glob("step-*.safetensors")]
    assert saved == ["step-00000004.safetensors"]
