"""What measuring sample quality while training cost, read from trained runs' metrics.jsonl.

    .venv/bin/python benchmarks/quality_share.py RUN [RUN ...]
    .venv/bin/python benchmarks/quality_share.py /path/to/compare-out/runs/*

For each run: seconds trained, how many quality measurements the Trainer made, what they took in all (the
feature network included when the run trained it), that as a share of the training time (the Trainer keeps
it under 5%), and the first and last KID. The runs of `genstudio compare DATA --families ... --minutes M`
are the usual input: every family, the same data, the same budget.
"""
from __future__ import annotations

import argparse
import json
from pathlib import Path

from evaluation_check import cpu_name        # benchmarks/ is the script's folder, first on sys.path


def read(run: Path) -> dict | None:
    try:
        records = [json.loads(line) for line in (run / "metrics.jsonl").read_text(encoding="utf-8").splitlines()
                   if line.strip()]
        family = json.loads((run / "config.json").read_text(encoding="utf-8"))["family"]
    except (OSError, ValueError, KeyError):
        return None
    train = [r for r in records if r.get("kind") == "train"]
    quality = [r for r in records if r.get("kind") == "quality"]
    seconds = float(train[-1]["seconds"]) if train else 0.0
    return {"run": run.name, "family": family, "seconds": seconds, "count": len(quality),
            "cost": sum(float(r.get("cost_seconds", 0.0)) for r in quality),
            "share": float(quality[-1]["share"]) if quality else None,
            "first": quality[0]["kid"] if quality else None, "last": quality[-1]["kid"] if quality else None,
            "steps": [r["step"] for r in quality]}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("runs", nargs="+", type=Path)
    args = parser.parse_args()
    print(f"CPU: {cpu_name()}")
    print("| run | family | trained s | measurements | measuring s | share | KID first → last |")
    print("|---|---|---|---|---|---|---|")
    for run in args.runs:
        row = read(run)
        if row is None:
            print(f"| {run} | (not a run with metrics) | | | | | |")
            continue
        share = "–" if row["share"] is None else f"{row['share']:.1%}"
        kids = "–" if row["first"] is None else f"{row['first']:.3g} → {row['last']:.3g}"
        print(f"| {run.parent.parent.name}/{row['run']} | {row['family']} | {row['seconds']:.0f} | {row['count']} | "
              f"{row['cost']:.1f} | {share} | {kids} |")


if __name__ == "__main__":
    main()
