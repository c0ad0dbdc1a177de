"""Every family's quality after the same CPU-minutes on every data set, at what `compare` trains: the sweep
behind docs/defaults.md (issue 25, part 3).

One cell is a family on a set at a size and a seed: planned as `genstudio compare` plans it (plan_training: the
small preset or the plan's lighter one on a CPU, the minutes given), trained on one thread for N CPU-minutes (the
Trainer's clock reads this process's CPU time, so a loaded machine changes how long a cell takes, not its
figures; another CPU does change them), then sampled and scored as `genstudio evaluate` does (200 samples
against the held-out images: KID, precision, recall, coverage, copies, prompts followed, bits/dim; where the
Trainer warned of overfitting, the same scores from best.safetensors). Each cell is one line of a JSONL file,
written as soon as it is measured; a cell already there is skipped, so the sweep (tens of CPU-hours over 5
sets, 2 sizes, 2 seeds, 11 families) goes on where it stopped, in as many processes as there are cores (split
them by --families or --seeds).

A candidate default is a label with overrides, measured against the label of today's defaults:

    python benchmarks/family_sets.py --label defaults --extra /tmp/evalsets --sizes 16 --seeds 0,1
    python benchmarks/family_sets.py --label mirror --train mirror=true --families diffusion,gan ...
    python benchmarks/family_sets.py --report --against defaults --label mirror

The report gives each family's figures per set (the mean over seeds, ± half their range) and, against another
label, the rule of issue 25: a change is kept only when it improves the mean over all the sets and hurts none by
more than the seeds' spread. The sets for --extra are built by `scripts/build_eval_datasets.py --out DIR`.
"""
from __future__ import annotations

import argparse
import contextlib
import dataclasses
import datetime
import json
import os
import subprocess
import sys
import tempfile
import traceback
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from common import cpu_name, drain, train_for_cpu_minutes  # noqa: E402

RESULTS = Path(__file__).resolve().parent / "results" / "family_sets.jsonl"
DEMO_SETS = ("demo:digits", "demo:faces", "demo:shapes")
SCORES = ("kid", "precision", "recall", "coverage", "memorised", "adherence", "mirrored")
# (key, higher is better, relative): the scores the report's rule judges; KID differs by orders of magnitude
# between sets, so its change is taken relative to the set's own figure. Copies are judged too: a regulariser
# is meant to lower them, and copying raises KID and recall (a copy looks like the data)
JUDGED = (("kid", False, True), ("recall", True, False), ("adherence", True, False), ("memorised", False, False))
COPIES_RESOLUTION = 0.01    # 2 of 200 samples: where both seeds copied nothing, the spread is no smaller than this


def parse_value(text: str):
    try:
        value = json.loads(text)
    except json.JSONDecodeError:
        return text
    return tuple(value) if isinstance(value, list) else value


def parse_overrides(items: list[str]) -> dict:
    out = {}
    for item in items:
        key, sep, value = item.partition("=")
        if not sep:
            raise SystemExit(f"an override is KEY=VALUE, not {item!r}")
        out[key.strip()] = parse_value(value.strip())
    return out


def set_name(source: str) -> str:
    return source if source.startswith("demo:") else Path(source).name


def commit() -> str:
    try:
        return subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True,
                              cwd=Path(__file__).resolve().parents[1], check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown"


def read_cells(path: Path) -> list[dict]:
    if not path.exists():
        return []
    cells = []
    for number, line in enumerate(path.read_text().splitlines(), 1):
        if line.strip():
            try:
                cells.append(json.loads(line))
            except json.JSONDecodeError:
                print(f"# {path}:{number}: not a JSON line (a process stopped while writing?); skipped")
    return cells


def cell_key(cell: dict) -> tuple:
    return cell["label"], cell["family"], cell["set"], cell["size"], cell["seed"], cell["cpu_minutes"]


def append_cell(path: Path, cell: dict) -> None:
    """One line, one write, appended: processes sharing the file do not interleave their lines."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
    try:
        os.write(fd, (json.dumps(cell, default=float) + "\n").encode())
    finally:
        os.close(fd)


def train_cell(family: str, source: str, dataset, size: int, seed: int, args, train_over: dict, model_over: dict,
               tmp: Path):
    """Train one cell as `compare` plans it, for args.cpu_minutes of this process's CPU time: (trainer, run folder,
    train config, the family's own overrides, CPU seconds, the ids of the Trainer's warnings, the model preset)."""
    from studio.engine.events import TrainingWarning
    from studio.engine.families import get_family
    from studio.engine.training import Trainer
    from studio.engine.training.plan import DataFacts, plan_training

    cls = get_family(family)
    plan = plan_training(family, DataFacts.of(dataset), device="cpu",
                         given={"minutes": args.cpu_minutes, "model_preset": args.preset, "image_size": size,
                                **train_over})
    config = plan.train_config(seed=seed, threads=1, device="cpu", preview_seconds=0, quality_minutes=0,
                               checkpoint_minutes=600)
    family_config = cls.Config.from_preset(plan.model_preset)
    own = own_options(family, model_over, {f.name for f in dataclasses.fields(family_config)})
    family_config = dataclasses.replace(family_config, **own)
    folder = tmp / f"{family}-{set_name(source).replace(':', '-')}-{size}-{seed}"
    for again in range(2, 1000):            # a kept folder from an earlier try is left as it was
        if not folder.exists():
            break
        folder = folder.with_name(f"{folder.name.rpartition('~')[0] or folder.name}~{again}")
    trainer = Trainer(dataset, folder, family=family, family_config=family_config, config=config)
    warnings: list = []
    cpu_seconds = train_for_cpu_minutes(trainer, on_event=lambda event: warnings.append(event.message.id)
                                        if isinstance(event, TrainingWarning) else None)
    return trainer, folder, config, own, cpu_seconds, warnings, plan.model_preset


def own_options(family: str, overrides: dict, names) -> dict:
    """The overrides that are this family's: FAMILY.KEY for it alone, a bare KEY for every family that has it."""
    out = {}
    for key, value in overrides.items():
        owner, dot, name = key.partition(".")
        if (owner == family if dot else True) and (name if dot else key) in names:
            out[name if dot else key] = value
    return out


def measure(family: str, source: str, dataset, reference, size: int, seed: int, args, train_over: dict,
            model_over: dict, tmp: Path, sample_over: dict | None = None) -> dict:
    from studio.engine.evaluation.evaluate import evaluate_run
    from studio.engine.families import get_family
    from studio.engine.training.trainer import BEST

    options = own_options(family, sample_over or {}, {o.name for o in get_family(family).sample_options()})
    trainer, folder, config, own, cpu_seconds, warnings, preset = train_cell(family, source, dataset, size, seed,
                                                                             args, train_over, model_over, tmp)
    evaluation = drain(evaluate_run(folder, n=args.samples, seed=seed, dataset=dataset, reference=reference,
                                    options=options))
    overfit = {"warnings": sorted(set(warnings)), "overfitting_warned": "training.overfitting" in warnings,
               "best_step": trainer.watch.best_step}
    best = folder / "checkpoints" / f"{BEST}.safetensors"
    if overfit["overfitting_warned"] and best.exists():
        # does sampling from the best held-out weights (what the warning offers) undo the overfitting?
        at_best = drain(evaluate_run(folder, n=args.samples, seed=seed, dataset=dataset, reference=reference,
                                     checkpoint=best, options=options))
        overfit["at_best"] = {k: at_best.model.value(k) for k in SCORES}
    return {
        "steps": trainer.step, "preset": preset, "batch": config.batch_size, "lr": config.lr,
        "cpu_seconds": round(cpu_seconds, 1),
        "precision_used": str(trainer.dtype).replace("torch.", "") if trainer.dtype else "float32",
        "overrides": {**train_over, **own, **{f"sample.{k}": v for k, v in options.items()}},
        **{k: evaluation.model.value(k) for k in SCORES},
        "floor": {k: evaluation.floor.value(k) for k in SCORES},
        "bits_per_dim": evaluation.bits_per_dim, "bits_kind": evaluation.bits_kind,
        "judge": reference.network.kind, **overfit,
    }


def sweep(args) -> None:
    import torch

    from studio.engine import load_dataset
    from studio.engine.evaluation.evaluate import prepare_reference
    from studio.engine.families import all_families
    from studio.engine.training.config import TrainConfig
    from studio.engine.training.trainer import holdout_split

    torch.set_num_threads(1)
    known = [cls.name for cls in all_families()]
    families = [f.strip() for f in args.families.split(",") if f.strip()] if args.families else known
    if missing := [f for f in families if f not in known]:
        raise SystemExit(f"unknown family {', '.join(missing)}; registered: {', '.join(known)}")
    sets = [s for s in args.sets.split(",") if s]
    if args.extra:
        sets += [str(p) for p in sorted(Path(args.extra).iterdir()) if p.is_dir()]
    sizes = [int(s) for s in args.sizes.split(",")]
    seeds = [int(s) for s in args.seeds.split(",")]
    train_over, model_over = parse_overrides(args.train), parse_overrides(args.model)
    sample_over = parse_overrides(args.sample)
    results = Path(args.results)
    done = {cell_key(c) for c in read_cells(results) if "error" not in c}      # a failed cell is tried again
    print(f"# {args.label}: {len(families)} families x {len(sets)} sets x sizes {sizes} x seeds {seeds}, "
          f"{args.cpu_minutes:g} CPU-minutes each, one thread, {cpu_name()}, torch {torch.__version__}, "
          f"commit {commit()}; results {results}", flush=True)
    with contextlib.nullcontext(args.keep) if args.keep else tempfile.TemporaryDirectory() as tmp:
        for size in sizes:
            for source in sets:
                dataset = reference = None
                for seed in seeds:
                    reference = None
                    for family in families:
                        key = (args.label, family, set_name(source), size, seed, args.cpu_minutes)
                        if key in done:
                            continue
                        if dataset is None:
                            dataset = load_dataset(source, size=size)
                        if reference is None:
                            train_idx, heldout_idx = holdout_split(len(dataset), TrainConfig().holdout, seed)
                            reference = drain(prepare_reference(dataset, train_idx, heldout_idx, seed=0,
                                                                cache=Path(args.cache)))
                        started = datetime.datetime.now()
                        try:
                            figures = measure(family, source, dataset, reference, size, seed, args, train_over,
                                              model_over, Path(tmp), sample_over)
                        except Exception as error:       # one cell failing must not end a night's sweep
                            traceback.print_exc()
                            figures = {"error": f"{type(error).__name__}: {error}"}
                        cell = {"label": args.label, "family": family, "set": set_name(source), "size": size,
                                "seed": seed, "cpu_minutes": args.cpu_minutes, **figures,
                                "commit": commit(), "cpu": cpu_name(), "date": started.strftime("%Y-%m-%d")}
                        append_cell(results, cell)
                        done.add(key)
                        print(one_line(cell), flush=True)


def number(value, spec: str = ".3g") -> str:
    return "–" if value is None else format(value, spec)


def one_line(cell: dict) -> str:
    if "error" in cell:
        return f"{cell['family']} {cell['set']} {cell['size']}px seed {cell['seed']}: FAILED {cell['error']}"
    return (f"{cell['family']} {cell['set']} {cell['size']}px seed {cell['seed']}: {cell['steps']} steps, "
            f"KID {number(cell['kid'])}, recall {number(cell['recall'], '.2f')}, "
            f"prompts {number(cell['adherence'], '.2f')}, copies {number(cell['memorised'], '.2f')}"
            + (f"; overfitting warned, best at step {cell['best_step']}" if cell.get("overfitting_warned") else ""))


def mean_spread(values: list[float]) -> tuple[float | None, float]:
    values = [v for v in values if v is not None]
    if not values:
        return None, 0.0
    return sum(values) / len(values), (max(values) - min(values)) / 2


def grouped(cells: list[dict], label: str, cpu_minutes: float) -> dict:
    """(family, size) -> set -> key -> list of the seeds' values."""
    out: dict = {}
    for c in cells:
        if c["label"] == label and c["cpu_minutes"] == cpu_minutes and "error" not in c:
            per = out.setdefault((c["family"], c["size"]), {}).setdefault(c["set"], {})
            for key in SCORES + ("steps", "overfitting_warned", "at_best"):
                per.setdefault(key, []).append(c.get(key))
    return out


def machine(cell: dict) -> tuple:
    """Where a cell's steps came from: another CPU, or bf16 against fp32, trains another number of steps in the
    same CPU time, so cells are compared only within one machine."""
    return cell["cpu"], cell.get("precision_used")


def comparable(cells: list[dict], label: str, by=machine) -> tuple[list[dict], list[str]]:
    """The cells of `label`, and those of other labels measured on a machine (CPU and precision; by=: what else
    must match) that `label` was measured on for the same family, size and set; with the names of the labels
    that lost cells to this."""
    measured_on: dict[tuple, set] = {}
    for c in cells:
        if c["label"] == label:
            measured_on.setdefault((c["family"], c["size"], c["set"]), set()).add(by(c))

    def kept(c: dict) -> bool:
        return c["label"] == label or by(c) in measured_on.get((c["family"], c["size"], c["set"]), ())

    return [c for c in cells if kept(c)], sorted({c["label"] for c in cells if not kept(c)})


def report(args) -> None:
    cells = read_cells(Path(args.results))
    if args.against:
        cells, elsewhere = comparable(cells, args.against)
        if args.label in elsewhere:
            print(f"# left out: {args.label}'s cells measured on a CPU or in a precision that {args.against} was not "
                  "measured on for the same family, size and set")
    ours = grouped(cells, args.label, args.cpu_minutes)
    measured = {cell_key(c) for c in cells if "error" not in c}
    failed = [c for c in cells if c["label"] == args.label and "error" in c and cell_key(c) not in measured]
    if not ours:
        print(f"no cells labelled {args.label!r} at {args.cpu_minutes:g} CPU-minutes in {args.results}")
        return
    theirs = grouped(cells, args.against, args.cpu_minutes) if args.against else {}
    print(f"# {args.label}" + (f" against {args.against}" if args.against else "")
          + f", {args.cpu_minutes:g} CPU-minutes; each figure the mean over the seeds ± half their range")
    for (family, size), sets in sorted(ours.items()):
        print(f"\n## {family}, {size} px")
        print("| set | seeds | steps | KID | recall | precision | coverage | copies | prompts followed "
              "| overfitting warned |")
        print("|---|---|---|---|---|---|---|---|---|---|")
        at_best = []
        for name, per in sorted(sets.items()):
            row = [name, str(len(per["kid"])), number(mean_spread(per["steps"])[0], ".0f")]
            for key in ("kid", "recall", "precision", "coverage", "memorised", "adherence"):
                mean, spread = mean_spread(per[key])
                row.append("–" if mean is None else f"{mean:.3g} ± {spread:.2g}")
            watched = [w for w in per["overfitting_warned"] if w is not None]     # older cells did not record it
            row.append(f"{sum(watched)} of {len(watched)}" if watched else "–")
            print("| " + " | ".join(row) + " |")
            at_best += [(name, best) for best in per["at_best"] if best]
        for name, best in at_best:
            print(f"- {name}, sampled from the best held-out weights instead: KID {number(best['kid'])}, recall "
                  f"{number(best['recall'], '.2f')}, copies {number(best['memorised'], '.2f')}, prompts "
                  f"{number(best['adherence'], '.2f')}")
        before = theirs.get((family, size))
        if before:
            print(verdict(before, sets, args.against, args.label))
    for c in failed:
        print("FAILED: " + one_line(c))


def judge(before: dict, after: dict) -> dict:
    """Issue 25's rule over the sets both labels measured: per judged score, the mean change (positive: better;
    KID's relative to the set's own figure) and the sets it hurt beyond the seeds' spread; "keep" is None where
    a set has one seed (the spread is unknown), else whether the change is better on some score and hurt none."""
    shared = sorted(set(before) & set(after))
    seeds = min((min(len(before[name]["kid"]), len(after[name]["kid"])) for name in shared), default=0)
    scores = {}
    for key, higher, relative in JUDGED:
        changes, hurt = [], []
        for name in shared:
            a, spread_a = mean_spread(before[name][key])
            b, spread_b = mean_spread(after[name][key])
            if a is None or b is None:
                continue
            gain = (b - a) if higher else (a - b)
            spread = max(spread_a, spread_b, COPIES_RESOLUTION if key == "memorised" else 0.0)
            changes.append(gain / (max(abs(a), 1e-9) if relative else 1.0))
            if gain < -spread:
                hurt.append(name)
        if changes:
            scores[key] = {"mean": sum(changes) / len(changes), "hurt": hurt, "relative": relative}
    keep = None
    if seeds >= 2:
        keep = any(s["mean"] > 0 for s in scores.values()) and not any(s["hurt"] for s in scores.values())
    return {"sets": shared, "seeds": seeds, "scores": scores, "keep": keep}


def verdict(before: dict, after: dict, old: str, new: str) -> str:
    """judge() in words, a line per score."""
    result = judge(before, after)
    lines = [f"\n{new} against {old} on {len(result['sets'])} sets ({', '.join(result['sets'])}):"]
    for key, score in result["scores"].items():
        unit = " (relative)" if score["relative"] else ""
        outcome = ("better" if score["mean"] > 0 and not score["hurt"] else "not better") if result["seeds"] >= 2 \
            else "no verdict: one seed on a set, so the seeds' spread is unknown"
        lines.append(f"- {key}: mean change {score['mean']:+.3f}{unit}, hurt beyond the seeds' spread on "
                     f"{', '.join(score['hurt']) or 'none'} -> {outcome}")
    if result["keep"] is not None:
        lines.append(f"- on every score: {'a better default' if result['keep'] else 'not a better default'}")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--label", default="defaults", help="the name the cells are kept under")
    parser.add_argument("--families", help="comma-separated (default: every registered family)")
    parser.add_argument("--sets", default=",".join(DEMO_SETS))
    parser.add_argument("--extra", help="folder of scripts/build_eval_datasets.py (its sets are added)")
    parser.add_argument("--sizes", default="16")
    parser.add_argument("--seeds", default="0")
    parser.add_argument("--cpu-minutes", type=float, default=5.0)
    parser.add_argument("--samples", type=int, default=200)
    parser.add_argument("--preset", help="the model preset (default: what compare trains, small or the plan's "
                                         "lighter one on a CPU)")
    parser.add_argument("--train", action="append", default=[], metavar="KEY=VALUE",
                        help="a training setting changed from the plan's (e.g. mirror=true)")
    parser.add_argument("--model", action="append", default=[], metavar="KEY=VALUE",
                        help="a model setting changed from the preset's, in every family that has it, or in one "
                        "as FAMILY.KEY=VALUE (e.g. vqvae.autoencoder_share=1)")
    parser.add_argument("--sample", action="append", default=[], metavar="KEY=VALUE",
                        help="a sampling option for the scores, as --model (e.g. flow.temperature=0.8)")
    parser.add_argument("--results", default=str(RESULTS))
    parser.add_argument("--cache", default=str(Path(tempfile.gettempdir()) / "genstudio-family-sets-cache"),
                        help="where the judges' feature networks are kept between processes")
    parser.add_argument("--keep", help="keep each cell's run folder under this folder (default: a temporary one, "
                                           "removed), e.g. to sample the trained models again")
    parser.add_argument("--report", action="store_true", help="print the tables from the results instead")
    parser.add_argument("--against", help="with --report: the label to judge this one against")
    args = parser.parse_args()
    report(args) if args.report else sweep(args)


if __name__ == "__main__":
    main()
