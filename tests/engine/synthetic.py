"""Small in-memory datasets for engine tests (no files, no decoding), and a StepContext that keeps gradients."""
from contextlib import nullcontext


def synthetic_dataset(n=32, size=8, channels=3, seed=0):
    """Blocky random images as an ImageDataset. Self-contained: tests also run its source in subprocesses."""
    import numpy as np
    from studio.engine.data import DatasetReport, ImageDataset

    rng = np.random.default_rng(seed)
    coarse = rng.integers(0, 256, size=(n, size // 4, size // 4, channels), dtype=np.uint8)
    images = np.ascontiguousarray(coarse.repeat(4, axis=1).repeat(4, axis=2))
    report = DatasetReport(root="synthetic", found=n, loaded=n, skipped=(), labels=(), label_counts={},
                           captioned=0, caption_source="none", channels=channels, size=size)
    return ImageDataset(images=images, labels=None, captions=("",) * n, files=tuple(f"{i}.png" for i in range(n)),
                        report=report, fingerprint=f"synthetic-{n}-{size}-{channels}-{seed}")


class KeepGradients:
    """A StepContext whose optimize() only runs backward, so the gradients can be read.

    It records the optimizer names used (`names`), the losses (`losses`) and the warnings (`warnings`).
    """

    def __init__(self, step=0):
        import torch

        self.step, self.device = step, torch.device("cpu")
        self.names, self.losses, self.warnings = [], [], []

    def autocast(self):
        return nullcontext()

    def optimize(self, name, loss):
        self.names.append(name)
        self.losses.append(loss.detach())
        loss.backward()
        return True

    def warn(self, message):
        self.warnings.append(message)


def train_briefly(run_dir, dataset, family, family_config, steps, **settings):
    """Train through the real Trainer (fp32, CPU, no previews or validation) and return it, completed."""
    from studio.engine.training import TrainConfig, Trainer

    values = dict(steps=steps, batch_size=16, lr=2e-3, warmup_steps=5, precision="fp32", device="cpu", seed=0,
                  ema_decay=0.9, preview_seconds=0, validate_seconds=0, checkpoint_minutes=60)
    trainer = Trainer(dataset, run_dir, family=family, family_config=family_config,
                      config=TrainConfig(**{**values, **settings}))
    for _ in trainer.run():
        pass
    assert trainer.result.status == "completed"
    return trainer
