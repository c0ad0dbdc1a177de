"""Every family trained by two CPU processes under torchrun (gloo), checked, resumed in one process; and Ctrl-C.

    .venv/bin/python benchmarks/distributed_families.py [--families vae,gan] [--steps 8] [--size 16]
                                                        [--no-interrupt]

For each family (default: all registered), torchrun starts two copies of this script (the worker below): each
builds the tiny preset on demo:shapes, joins the process group (studio/engine/training/distributed.py) and
trains --steps steps at batch 4 per process. Rank 1's losses are non-finite for max_bad_steps steps in a row
from step 3 on, so the ranks must agree to skip and then to roll back together. At the end every rank
all-gathers a checksum of its modules, EMA copies and optimizer state: all equal, or the family fails. The VQ-VAE
switches stage half-way. Then the run is resumed for 2 more steps in this (single) process.

Interrupt check (unless --no-interrupt): `torchrun ... -m studio train` with a long run, Ctrl-C as a terminal
sends it (SIGINT to the whole process group), then SIGINT to rank 1 alone: each run must end with one "stopped"
checkpoint and a resumable folder.
"""
from __future__ import annotations

import argparse
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


# -- the worker: one rank ----------------------------------------------------------------------------------
def checksum(trainer) -> list[float]:
    import torch

    values = []
    for modules in (trainer.family.modules(), trainer.ema.modules if trainer.ema else {}):
        for module in modules.values():
            for t in [*module.parameters(), *module.buffers()]:
                values.append(t.detach().double().sum().item())
    for opt in trainer.optimizers.values():
        for entries in opt.state.values():
            values += [v.double().sum().item() for v in entries.values() if torch.is_tensor(v)]
    return values


def worker(args) -> int:
    import torch
    import torch.distributed as dist

    from studio.engine import TrainConfig, Trainer, get_family, load_dataset
    from studio.engine.training.distributed import ProcessGroup

    group = ProcessGroup.start("cpu")
    family_cls = get_family(args.family)
    overrides = {"autoencoder_steps": args.steps // 2} if args.family == "vqvae" else {}
    family_config = family_cls.Config.from_preset("tiny", **overrides)
    config = TrainConfig(steps=args.steps, batch_size=4, lr=family_cls.train_defaults.get("lr", 1e-3), device="cpu",
                         precision="fp32", quality_minutes=0, preview_seconds=0, validate_seconds=0,
                         warmup_steps=2, max_bad_steps=2)
    dataset = load_dataset("demo:shapes", size=args.size)
    trainer = Trainer(dataset, args.out, family=args.family, family_config=family_config, config=config)
    group.attach(trainer)
    calls = 0

    def poisoned(batch, ctx):
        nonlocal calls
        calls += 1
        if group.rank == 1 and 3 <= calls < 3 + config.max_bad_steps:   # rank 1 alone: non-finite losses
            optimize = ctx.optimize
            ctx.optimize = lambda name, loss: optimize(name, loss * float("nan"))
            try:
                return real_step(batch, ctx)
            finally:
                del ctx.optimize
        return real_step(batch, ctx)

    events = trainer.run()
    started = next(events)                                  # setup done: wrap the live family's train_step
    real_step = trainer.family.train_step
    trainer.family.train_step = poisoned
    kinds = [type(started).__name__] + [type(event).__name__ for event in events]
    mine = torch.tensor(checksum(trainer), dtype=torch.float64)
    gathered = [torch.zeros_like(mine) for _ in range(group.world)]
    dist.all_gather(gathered, mine)
    equal = all(torch.equal(gathered[0], g) for g in gathered[1:])
    if group.is_writer:
        print(json.dumps({"status": trainer.result.status, "step": trainer.step, "rollbacks": trainer.rollbacks,
                          "ranks_equal": equal, "warnings": kinds.count("TrainingWarning"),
                          "tensors": len(mine)}), flush=True)
    group.close()
    return 0 if equal and trainer.result.status == "completed" else 1


# -- the driver --------------------------------------------------------------------------------------------
def torchrun(*args: str) -> list[str]:
    return [sys.executable, "-m", "torch.distributed.run", "--standalone", "--nproc-per-node=2", *args]


def env() -> dict[str, str]:
    return {**os.environ, "OMP_NUM_THREADS": "1", "PYTHONPATH": str(ROOT)}


def one_family(name: str, steps: int, size: int, folder: Path) -> str:
    from studio.engine import Trainer, load_dataset

    out = folder / name
    start = time.perf_counter()
    done = subprocess.run(torchrun(__file__, "--worker", "--family", name, "--steps", str(steps), "--size", str(size),
                                   "--out", str(out)), capture_output=True, text=True, env=env(), timeout=900)
    seconds = time.perf_counter() - start
    lines = [line for line in done.stdout.splitlines() if line.startswith("{")]
    if done.returncode != 0 or not lines:
        errors = [line for line in done.stderr.splitlines() if "Error" in line and "elastic" not in line]
        return f"{name:<16} FAILED (exit {done.returncode}): {errors[-1:] or done.stdout.splitlines()[-1:]}"
    report = json.loads(lines[-1])
    trainer = Trainer.resume(out, load_dataset("demo:shapes", size=size), steps=steps + 2)
    for _ in trainer.run():
        pass
    resumed = f"{trainer.result.status} at {trainer.step}"
    return (f"{name:<16}{report['status']:>10}{report['step']:>6}{report['rollbacks']:>10}"
            f"{str(report['ranks_equal']):>13}{report['tensors']:>9}{seconds:>9.1f}   {resumed}")


def interrupt(folder: Path, whom: str) -> str:
    """A long 2-process CLI run stopped by SIGINT: to the process group ("all", a terminal's Ctrl-C) or rank 1."""
    out = folder / f"interrupt-{whom}"
    cmd = torchrun("-m", "studio", "train", "demo:shapes", "--family", "vae", "--preset", "tiny", "--size", "16",
                   "--steps", "100000", "--batch", "4", "--device", "cpu", "--quality-minutes", "0", "--out", str(out))
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env(),
                            start_new_session=True)
    metrics = out / "metrics.jsonl"
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline and not (metrics.exists() and '"train"' in metrics.read_text()):
        time.sleep(0.5)
    if whom == "all":
        os.killpg(proc.pid, signal.SIGINT)
    else:
        agent_children = subprocess.run(["ps", "-o", "pid=,args=", "--ppid", str(proc.pid)], capture_output=True,
                                        text=True).stdout.splitlines()
        workers = [int(line.split()[0]) for line in agent_children if "studio" in line]
        ranks = {}
        for pid in workers:
            environ = Path(f"/proc/{pid}/environ").read_bytes().split(b"\0")
            rank = [e for e in environ if e.startswith(b"RANK=")]
            ranks[int(rank[0][5:])] = pid
        os.kill(ranks[1], signal.SIGINT)
    stdout, stderr = proc.communicate(timeout=300)
    last = json.loads((out / "checkpoints" / "last.json").read_text())
    stops = stdout.count("stopped at step")
    periodic = sorted(p.name for p in (out / "checkpoints").glob("step-*.safetensors"))
    (folder / f"interrupt-{whom}.log").write_text(stdout + stderr)
    return (f"SIGINT to {whom:<6} exit {proc.returncode}; last checkpoint: step {last['step']}, reason "
            f"{last['reason']}; 'stopped at step' printed {stops}x; step checkpoints {periodic}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--families", default="")
    parser.add_argument("--steps", type=int, default=8)
    parser.add_argument("--size", type=int, default=16)
    parser.add_argument("--no-interrupt", action="store_true")
    parser.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--family", help=argparse.SUPPRESS)
    parser.add_argument("--out", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        return worker(args)

    from studio.engine.families.base import all_families

    names = [n for n in args.families.split(",") if n] or [cls.name for cls in all_families()]
    print(f"2 processes (torchrun --standalone, gloo), tiny presets, demo:shapes at {args.size}px, batch 4 per "
          f"process, {args.steps} steps, rank 1's losses non-finite for 2 steps from its 3rd; "
          f"load {os.getloadavg()[0]:.1f}")
    print(f"{'family':<16}{'status':>10}{'step':>6}{'rollbacks':>10}{'ranks equal':>13}{'tensors':>9}"
          f"{'wall s':>9}   resumed in 1 process")
    failed = 0
    with tempfile.TemporaryDirectory() as tmp:
        for name in names:
            line = one_family(name, args.steps, args.size, Path(tmp))
            failed += "FAILED" in line or "False" in line
            print(line, flush=True)
        if not args.no_interrupt:
            for whom in ("all", "rank1"):
                print(interrupt(Path(tmp), whom), flush=True)
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
