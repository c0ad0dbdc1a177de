"""The denoising diffusion GAN beside pixel diffusion after the same 5 CPU-minutes on the same demo set: sample
grids, KID and recall, and sampling speed (the paper's property: a few steps sample much faster at comparable
quality, Xiao et al. 2022, https://arxiv.org/abs/2112.07804).

    nice -n 5 env OMP_NUM_THREADS=1 .venv/bin/python benchmarks/ddgan_grids.py train --family ddgan --runs RUNS
    nice -n 5 env OMP_NUM_THREADS=1 .venv/bin/python benchmarks/ddgan_grids.py train --family diffusion --runs RUNS
    nice -n 5 env OMP_NUM_THREADS=1 .venv/bin/python benchmarks/ddgan_grids.py report --runs RUNS [--samples 200]

train:   each family at what `genstudio train demo:SET --family F --minutes 5` chooses (plan_training: preset,
         batch, lr, EMA, precision), one thread, for 5 minutes of this process's CPU time (the Trainer's clock
         swapped for time.process_time: a loaded machine changes the wall time, not the budget), into RUNS/SET-F.
report:  per set, scored by studio.engine.evaluation against the held-out images (the run's own split, one
         feature network for both): KID (lower is better), recall and prompt adherence (higher is better) of `samples` images,
         sampled as `genstudio evaluate` does (EMA weights, each family's default sampling: the GAN's
         `denoising_steps`, diffusion's 20 steps of dpm++2m-sde at guidance 3); sampling images per CPU-second of one
         32-image batch at those defaults, one thread, side by side as a ratio: without a prompt (one pass a step
         for both) and with one (diffusion's guidance then runs a second, unconditional pass each step); docs/ddgan-5cpumin-SET.png with
         32 samples of each and the GAN's steps (x_t and its predicted x0) for the first four.
"""
from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np
import torch

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from common import cpu_name, drain, train_for_cpu_minutes, labelled, side_by_side              # noqa: E402
from studio.engine.data import load_dataset                           # noqa: E402
from studio.engine.evaluation.evaluate import evaluate_run, prepare_reference, split_of   # noqa: E402
from studio.engine.export import make_grid                            # noqa: E402
from studio.engine.families import get_family                         # noqa: E402
from studio.engine.run import Run                                     # noqa: E402
from studio.engine.training import Trainer                            # noqa: E402
from studio.engine.training.plan import DataFacts, plan_training      # noqa: E402

SCALE = 3
TITLES = {"ddgan": "Diffusion GAN", "diffusion": "Diffusion"}


def train(family: str, name: str, minutes: float, runs: Path, checkpoint_minutes: float) -> None:
    dataset = load_dataset(f"demo:{name}")
    plan = plan_training(family, DataFacts.of(dataset), device="cpu", given={"minutes": minutes})
    config = plan.train_config(seed=0, threads=1, device="cpu", preview_seconds=0, quality_minutes=0,
                               checkpoint_minutes=checkpoint_minutes)
    cls = get_family(family)
    family_config = cls.Config.from_preset(plan.model_preset) if plan.model_preset else cls.Config()
    trainer = Trainer(dataset, runs / f"{name}-{family}", family=family, family_config=family_config, config=config)
    cpu = train_for_cpu_minutes(trainer)
    print(f"{name:7s} {family:10s} preset {plan.model_preset}  batch {config.batch_size}  lr {config.lr:g}  "
          f"steps {trainer.step}  train {trainer.train_seconds:.0f} CPU-s (all {cpu:.0f})", flush=True)


def images_per_second(family, prompt: str | None = None, n: int = 32, repeats: int = 1) -> float:
    """Images per CPU-second (this process's CPU time, one thread: the machine's load does not count) of one
    n-image batch at the family's default sampling, the best of `repeats`."""
    best = float("inf")
    for _ in range(repeats):
        started = time.process_time()
        drain(iter(family.sample(n, seed=0, prompt=prompt)))
        best = min(best, time.process_time() - started)
    return n / best


def report(runs: Path, sets: list[str], samples: int, out: Path) -> None:
    print(f"# ddgan vs diffusion, one thread, on {cpu_name()}, torch {torch.__version__}, {samples} samples each")
    rows = []
    for name in sets:
        dataset = load_dataset(f"demo:{name}")
        reference = None
        panels, row = [], {"set": name}
        for family_name in ("ddgan", "diffusion"):
            folder = runs / f"{name}-{family_name}"
            run = Run.open(folder)
            if reference is None:
                train_idx, heldout_idx = split_of(run, dataset)
                reference = drain(prepare_reference(dataset, train_idx, heldout_idx, seed=0))
            evaluation = drain(evaluate_run(folder, n=samples, seed=0, dataset=dataset, reference=reference))
            family, ckpt = run.load_family()
            prompt = next((p for p in reference.prompts_for(16, 0) if p), None)
            speed, prompted = images_per_second(family), images_per_second(family, prompt)
            kid, recall, follow = (evaluation.model.value(k) for k in ("kid", "recall", "adherence"))
            row[family_name] = dict(step=ckpt.meta["step"], kid=kid, recall=recall, adherence=follow, speed=speed,
                                    prompted=prompted)
            print(f"{name:7s} {family_name:10s} steps {ckpt.meta['step']:5d}  train "
                  f"{ckpt.meta.get('train_seconds', 0):.0f} CPU-s  KID {_fmt(kid)}  recall {_fmt(recall)}  "
                  f"prompts followed {_fmt(follow)}  sampling {speed:7.1f} images/CPU-s, prompted ({prompt!r}) "
                  f"{prompted:7.1f}", flush=True)
            frames = list(family.sample(32, seed=0))
            steps = len(frames)
            panels.append(labelled(make_grid(frames[-1].images, 8),
                                   f"{TITLES[family_name]}: step {ckpt.meta['step']}, {steps} sampling steps, "
                                   f"KID {_fmt(kid)}", scale=SCALE))
            if family_name == "ddgan":
                rows_x = [f.images[:4] for f in frames] + [f.extras["x0"][:4] for f in frames]
                panels.append(labelled(make_grid(np.concatenate(rows_x), 4),
                                       f"rows: x_t after each of {steps} steps, then predicted x0", scale=SCALE))
        row["real"] = {k: evaluation.floor.value(k) for k in ("kid", "recall", "adherence")}
        rows.append(row)
        path = out / f"ddgan-5cpumin-{name}.png"
        side_by_side(panels).save(path)
        print("wrote", path, flush=True)
    print("\n| set | steps ddgan / diffusion | KID ddgan / diffusion / real | recall ddgan / diffusion / real "
          "| prompts followed ddgan / diffusion / real | images/CPU-s ddgan / diffusion | ratio "
          "| prompted images/CPU-s ddgan / diffusion | ratio |")
    print("|---|---|---|---|---|---|---|---|---|")
    for row in rows:
        g, d, r = row["ddgan"], row["diffusion"], row["real"]
        print(f"| {row['set']} | {g['step']} / {d['step']} | {_fmt(g['kid'])} / {_fmt(d['kid'])} / {_fmt(r['kid'])} "
              f"| {_fmt(g['recall'])} / {_fmt(d['recall'])} / {_fmt(r['recall'])} "
              f"| {_fmt(g['adherence'])} / {_fmt(d['adherence'])} / {_fmt(r['adherence'])} "
              f"| {g['speed']:.1f} / {d['speed']:.1f} | {g['speed'] / d['speed']:.1f}x "
              f"| {g['prompted']:.1f} / {d['prompted']:.1f} | {g['prompted'] / d['prompted']:.1f}x |")


def _fmt(value) -> str:
    return "–" if value is None else f"{value:.3f}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("what", choices=("train", "report"))
    parser.add_argument("--family", default="ddgan", help="train: ddgan or diffusion")
    parser.add_argument("--runs", required=True, help="folder of the SET-FAMILY runs")
    parser.add_argument("--sets", default="digits,faces,shapes")
    parser.add_argument("--minutes", type=float, default=5.0, help="train: CPU-minutes per run")
    parser.add_argument("--checkpoint-minutes", type=float, default=600.0,
                        help="train: also save every this many CPU-minutes (a run cut short keeps its progress)")
    parser.add_argument("--samples", type=int, default=200, help="report: images sampled for KID and recall")
    parser.add_argument("--out", default=str(ROOT / "docs"))
    args = parser.parse_args()
    torch.set_num_threads(1)
    runs = Path(args.runs)
    sets = [s for s in args.sets.split(",") if s]
    if args.what == "train":
        for name in sets:
            train(args.family, name, args.minutes, runs, args.checkpoint_minutes)
    else:
        report(runs, sets, args.samples, Path(args.out))


if __name__ == "__main__":
    main()
