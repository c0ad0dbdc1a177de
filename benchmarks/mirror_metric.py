"""Does the evaluation's "mirror images" score (studio.engine.evaluation.evaluate, `_mirrored`) tell a model
trained with mirror flips from one trained without? A family trained a few hundred steps with flips off and on,
on each set and seed, 200 samples scored as `genstudio evaluate` scores them: the share of samples nearer a mirror
image of a training image than to any training image, beside the real held-out images' (the floor), and how many
samples were near enough to a training image to count. A set without a handedness has no such score.

    python benchmarks/mirror_metric.py --sets demo:digits,/tmp/evalsets/glyphs,demo:faces --seeds 0,1
"""
from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from common import cpu_name, drain  # noqa: E402


def main() -> None:
    import torch

    from studio.engine import TrainConfig, Trainer, get_family, load_dataset
    from studio.engine.evaluation.evaluate import _mirrored, generate, prepare_reference, score_images
    from studio.engine.run import Run

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sets", default="demo:digits,demo:faces")
    parser.add_argument("--seeds", default="0")
    parser.add_argument("--family", default="vae")
    parser.add_argument("--preset", default="small")
    parser.add_argument("--steps", type=int, default=300)
    parser.add_argument("--size", type=int, default=16)
    parser.add_argument("--samples", type=int, default=200)
    parser.add_argument("--cache", default=str(Path(tempfile.gettempdir()) / "genstudio-mirror-metric-cache"))
    args = parser.parse_args()
    torch.set_num_threads(1)
    print(f"# {args.family} ({args.preset}), {args.steps} steps, {args.size} px, one thread, {cpu_name()}, "
          f"torch {torch.__version__}")
    print("| set | seed | flips | mirror images | floor | samples counted | KID | recall | seconds |")
    print("|---|---|---|---|---|---|---|---|---|")
    with tempfile.TemporaryDirectory() as tmp:
        for source in [s for s in args.sets.split(",") if s]:
            dataset = load_dataset(source, size=args.size)
            for seed in [int(s) for s in args.seeds.split(",")]:
                for mirror in (False, True):
                    started = time.process_time()
                    config = TrainConfig(steps=args.steps, precision="fp32", device="cpu", preview_seconds=0,
                                         validate_seconds=0, quality_minutes=0, seed=seed, mirror=mirror)
                    folder = Path(tmp) / f"{Path(source).name}-{seed}-{mirror}"
                    family_config = get_family(args.family).Config.from_preset(args.preset)
                    trainer = Trainer(dataset, folder, family=args.family, family_config=family_config, config=config)
                    drain(trainer.run())
                    reference = drain(prepare_reference(dataset, trainer.train_idx, trainer.val_idx, seed=0,
                                                        cache=Path(args.cache)))
                    family, _ = Run.open(folder).load_family(None)
                    images, prompts = drain(generate(family, reference, args.samples, seed=seed))
                    scored = score_images(reference, images, prompts, seed=seed)
                    per_image = _mirrored(reference, images, prompts)
                    counted = "–" if per_image is None else str(int(np.isfinite(per_image).sum()))
                    f = lambda v: "–" if v is None else f"{v:.2f}"                         # noqa: E731
                    print(f"| {Path(source).name if not source.startswith('demo:') else source} | {seed} | "
                          f"{'on' if mirror else 'off'} | {f(scored.model.mirrored)} | {f(scored.floor.mirrored)} | "
                          f"{counted} of {len(images)} | {f(scored.model.kid)} | {f(scored.model.recall)} | "
                          f"{time.process_time() - started:.0f} |", flush=True)


if __name__ == "__main__":
    main()
