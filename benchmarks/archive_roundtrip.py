"""How long do File ▸ Export run and Import run take, and how large is the zip?

    .venv/bin/python benchmarks/archive_roundtrip.py [--family diffusion] [--preset small] [--size 32] [--threads 1]

Builds a run holding one checkpoint of freshly initialised weights (model + EMA copy, as
training writes them; speed does not depend on what was learned), then times:
- export to a zip: reading the weights once, sampling the model card's 16-image grid
  (the family's default sampling options; for diffusion, 20 steps), the training
  curve, writing the zip;
- import: every check (names, kinds, sizes, JSON, safetensors header), extraction
  with sha256 against the manifest, opening the run, renaming it into place.
Prints seconds, sizes, and the import throughput in MB/s.
"""
from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

import torch

from studio.engine import archive
from studio.engine.families.base import DataInfo, get_family
from studio.engine.run import Run


def make_run(folder: Path, family_name: str, preset: str, size: int) -> tuple[Run, int]:
    cls = get_family(family_name)
    family = cls(cls.Config.from_preset(preset), DataInfo(size, 3))
    run = Run.create(folder, family=family_name, family_config=family.config.to_dict(), train_config={},
                     data=family.data, dataset={"source": "benchmark", "summary": "none"})
    tensors = {}
    for prefix in ("model", "ema"):
        for name, module in family.modules().items():
            tensors.update({f"{prefix}.{name}.{k}": v for k, v in module.state_dict().items()})
    run.save_checkpoint(tensors, {"step": 1, "train_seconds": 1.0})
    run.log_metrics({"kind": "train", "step": s, "loss": 1.0 / s} for s in range(1, 2001))
    return run, family.parameter_count()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--family", default="diffusion")
    parser.add_argument("--preset", default="small")
    parser.add_argument("--size", type=int, default=32)
    parser.add_argument("--threads", type=int, default=1)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    with tempfile.TemporaryDirectory() as root:
        root = Path(root)
        run, parameters = make_run(root / "run", args.family, args.preset, args.size)
        weights = run.checkpoint_path().stat().st_size
        t0 = time.perf_counter()
        out = archive.export_run(run.path, root / "run.zip")
        t_export = time.perf_counter() - t0
        t0 = time.perf_counter()
        imported = archive.import_run(out, root / "runs")
        t_import = time.perf_counter() - t0
        zipped = out.stat().st_size
        print(f"{args.family} {args.preset} {args.size}px: {parameters:,} parameters, checkpoint {weights / 1e6:.1f} MB "
              f"(model + EMA), {args.threads} thread(s)")
        print(f"export to zip:  {t_export:6.2f} s   zip {zipped / 1e6:.1f} MB")
        print(f"import:         {t_import:6.2f} s   {zipped / 1e6 / t_import:.0f} MB/s   -> {imported.name}")


if __name__ == "__main__":
    main()
