"""How many of a model's prompted samples are mirror images, with random left-right flips in training off (today's
default) and on (the default before issue 25), on sets whose symbols have a handedness.

The issue was filed after diffusion samples on a folder of symbols included many mirror-image symbols. Each cell
trains one family as `compare` plans it for N CPU-minutes (benchmarks/family_sets.py's train_cell) and draws 200
samples prompted in the data's proportions, as `genstudio evaluate` does. A sample counts as mirrored when, among
the training images of the class it was asked for, its nearest neighbour in pixels is a flipped one. Real held-out
images give the floor; symmetric symbols sit near a coin's toss, so the share is also given over the classes whose
held-out images are told from their mirror images (mirrored share below 25%). The judge's own reading of mirrored
held-out images says whether "prompts followed" can see a mirrored symbol at all.

    python benchmarks/mirror_samples.py --sets demo:digits,/tmp/evalsets/glyphs --seeds 0,1
    python benchmarks/mirror_samples.py --report
"""
from __future__ import annotations

import argparse
import datetime
import tempfile
from pathlib import Path

import numpy as np

from common import cpu_name, drain
from family_sets import append_cell, commit, read_cells, set_name, train_cell

from studio.engine.mirror import nearer_a_mirror_image

RESULTS = Path(__file__).resolve().parent / "results" / "mirror_samples.jsonl"
TOLD_APART = 0.25        # a class whose held-out images are mirrored-nearest less often than this has a handedness


def shares(flags: np.ndarray, labels: np.ndarray, classes: set[int]) -> tuple[float, float | None]:
    """(share over every image, share over the images of `classes`)."""
    keep = np.isin(labels, sorted(classes))
    return float(flags.mean()), (float(flags[keep].mean()) if keep.any() else None)


def measure(source: str, dataset, reference, seed: int, mirror: bool, args, tmp: Path) -> dict:
    from studio.engine.evaluation.evaluate import generate, score_images
    from studio.engine.run import Run

    trainer, folder, config, _, cpu_seconds, _, _ = train_cell(args.family, source, dataset, args.size, seed, args,
                                                            {"mirror": mirror}, {}, tmp)
    family, _ = Run.open(folder).load_family(None)
    images, prompts = drain(generate(family, reference, args.samples, seed=seed))
    scored = score_images(reference, images, prompts, seed=seed, family=family)
    index = {name: i for i, name in enumerate(dataset.label_names)}
    sample_labels = np.array([index[p] for p in prompts])
    train, train_labels = dataset.images[reference.train_idx], dataset.labels[reference.train_idx]
    held, held_labels = dataset.images[reference.heldout_idx], dataset.labels[reference.heldout_idx]
    held_flags = nearer_a_mirror_image(held, train, held_labels, train_labels)
    handed = {int(c) for c in np.unique(held_labels) if held_flags[held_labels == c].mean() < TOLD_APART}
    model_all, model_handed = shares(nearer_a_mirror_image(images, train, sample_labels, train_labels), sample_labels,
                                     handed)
    real_all, real_handed = shares(held_flags, held_labels, handed)
    # does the judge read a mirrored symbol as the symbol? (its verdicts on flipped held-out images)
    names = {name.lower(): i for i, name in enumerate(reference.network.classes)}
    wanted = np.array([names.get(dataset.label_names[int(c)].lower(), -1) for c in held_labels])
    plain_read = reference.network.judge(held) == wanted
    flipped_read = reference.network.judge(held[:, :, ::-1].copy()) == wanted
    on_handed = np.isin(held_labels, sorted(handed))
    return {
        "steps": trainer.step, "batch": config.batch_size, "cpu_seconds": round(cpu_seconds, 1),
        "kid": scored.model.value("kid"), "recall": scored.model.value("recall"),
        "adherence": scored.model.value("adherence"),
        "mirrored": model_all, "mirrored_handed": model_handed,
        "floor_mirrored": real_all, "floor_mirrored_handed": real_handed,
        "handed_classes": [dataset.label_names[c] for c in sorted(handed)], "classes": len(dataset.label_names),
        "judge_reads_plain": float(plain_read[on_handed].mean()) if on_handed.any() else None,
        "judge_reads_mirrored": float(flipped_read[on_handed].mean()) if on_handed.any() else None,
    }


def sweep(args) -> None:
    import torch

    from studio.engine import load_dataset
    from studio.engine.evaluation.evaluate import prepare_reference
    from studio.engine.training.config import TrainConfig
    from studio.engine.training.trainer import holdout_split

    torch.set_num_threads(1)
    results = Path(args.results)
    done = {(c["family"], c["set"], c["seed"], c["mirror"]) for c in read_cells(results) if "error" not in c}
    print(f"# {args.family}, {args.size} px, {args.cpu_minutes:g} CPU-minutes a cell, one thread, {cpu_name()}, "
          f"torch {torch.__version__}, commit {commit()}; results {results}", flush=True)
    with tempfile.TemporaryDirectory() as tmp:
        for source in [s for s in args.sets.split(",") if s]:
            dataset = load_dataset(source, size=args.size)
            if dataset.labels is None:
                raise SystemExit(f"{source}: no class folders, so no prompts to be mirrored against")
            for seed in [int(s) for s in args.seeds.split(",")]:
                train_idx, heldout_idx = holdout_split(len(dataset), TrainConfig().holdout, seed)
                reference = drain(prepare_reference(dataset, train_idx, heldout_idx, seed=0, cache=Path(args.cache)))
                for mirror in (False, True):
                    if (args.family, set_name(source), seed, mirror) in done:
                        continue
                    started = datetime.datetime.now()
                    figures = measure(source, dataset, reference, seed, mirror, args, Path(tmp) / f"mirror-{mirror}")
                    cell = {"family": args.family, "set": set_name(source), "size": args.size, "seed": seed,
                            "mirror": mirror, "cpu_minutes": args.cpu_minutes, **figures,
                            "commit": commit(), "cpu": cpu_name(), "date": started.strftime("%Y-%m-%d")}
                    append_cell(results, cell)
                    print(f"{cell['set']} seed {seed} mirror {mirror}: mirrored {cell['mirrored']:.2f} "
                          f"(handed classes {cell['mirrored_handed']}), floor {cell['floor_mirrored']:.2f} / "
                          f"{cell['floor_mirrored_handed']}; prompts followed {cell['adherence']}", flush=True)


def report(args) -> None:
    cells = read_cells(Path(args.results))
    print("| set | seed | mirror flips | samples mirrored (all / handed classes) | real held-out (all / handed) "
          "| prompts followed | KID | recall | judge reads handed symbols plain / mirrored |")
    print("|---|---|---|---|---|---|---|---|---|")
    for c in sorted(cells, key=lambda c: (c["family"], c["set"], c["seed"], c["mirror"])):
        if "error" in c:
            continue
        f = lambda v: "–" if v is None else f"{v:.2f}"                                      # noqa: E731
        print(f"| {c['set']} ({c['family']}) | {c['seed']} | {'on' if c['mirror'] else 'off'} | "
              f"{f(c['mirrored'])} / {f(c['mirrored_handed'])} | {f(c['floor_mirrored'])} / "
              f"{f(c['floor_mirrored_handed'])} | {f(c['adherence'])} | {f(c['kid'])} | {f(c['recall'])} | "
              f"{f(c['judge_reads_plain'])} / {f(c['judge_reads_mirrored'])} |")
    for name in sorted({c["set"] for c in cells if "error" not in c}):
        for c in [c for c in cells if c["set"] == name and "error" not in c][:1]:
            print(f"- {name}: {len(c['handed_classes'])} of {c['classes']} classes told from their mirror images "
                  f"(seed {c['seed']}'s split): {', '.join(c['handed_classes'])}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--family", default="diffusion")
    parser.add_argument("--sets", default="demo:digits")
    parser.add_argument("--seeds", default="0")
    parser.add_argument("--size", type=int, default=16)
    parser.add_argument("--cpu-minutes", type=float, default=5.0)
    parser.add_argument("--samples", type=int, default=200)
    parser.add_argument("--preset", default="small")
    parser.add_argument("--results", default=str(RESULTS))
    parser.add_argument("--cache", default=str(Path(tempfile.gettempdir()) / "genstudio-family-sets-cache"))
    parser.add_argument("--report", action="store_true")
    args = parser.parse_args()
    report(args) if args.report else sweep(args)


if __name__ == "__main__":
    main()
