"""Does the handedness check (studio.engine.mirror) tell symbol folders from the others, and how small a folder
may be? For each set and image size: the share of images a flip changes with every image compared (up to the
check's 400), the classes it names, and, over 200 random subsets of n images, how often it says handed, harmless
or nothing. Digits and glyphs are handed; faces, shapes and textures are not (RESULTS.md, "Mirror flips: which
folders have a handedness").

    python benchmarks/mirror_check.py --extra /tmp/evalsets        # sets of scripts/build_eval_datasets.py
"""
from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from studio.engine.data import load_dataset  # noqa: E402
from studio.engine.mirror import check_mirror  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sets", default="demo:digits,demo:faces,demo:shapes")
    parser.add_argument("--extra", help="folder of scripts/build_eval_datasets.py (its sets are added)")
    parser.add_argument("--sizes", default="16,32")
    parser.add_argument("--subsets", default="20,40,80,160")
    parser.add_argument("--draws", type=int, default=200)
    args = parser.parse_args()
    sets = [s for s in args.sets.split(",") if s]
    if args.extra:
        sets += [str(p) for p in sorted(Path(args.extra).iterdir()) if p.is_dir()]
    subsets = [int(n) for n in args.subsets.split(",")]
    print("| set | size | changed (all) | handed? | classes named | seconds | "
          + " | ".join(f"{n} images: handed / harmless / nothing" for n in subsets) + " |")
    print("|---" * (6 + len(subsets)) + "|")
    for source in sets:
        for size in (int(s) for s in args.sizes.split(",")):
            ds = load_dataset(source, size=size)
            start = time.perf_counter()
            whole = check_mirror(ds.images, ds.labels, ds.label_names)
            seconds = time.perf_counter() - start
            cells = []
            for n in subsets:
                verdicts = {True: 0, False: 0, None: 0}
                for draw in range(args.draws):
                    idx = np.random.default_rng(draw).permutation(len(ds))[:n]
                    labels = None if ds.labels is None else ds.labels[idx]
                    verdicts[check_mirror(ds.images[idx], labels, ds.label_names).handed] += 1
                cells.append(f"{verdicts[True]} / {verdicts[False]} / {verdicts[None]}")
            named = ", ".join(whole.classes) or "–"
            print(f"| {Path(source).name if not source.startswith('demo:') else source} | {size} | "
                  f"{whole.changed:.2f} | {whole.handed} | {named} | {seconds:.3f} | " + " | ".join(cells) + " |",
                  flush=True)


if __name__ == "__main__":
    main()
