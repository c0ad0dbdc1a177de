"""Small in-memory datasets for engine tests (no files, no decoding)."""


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
