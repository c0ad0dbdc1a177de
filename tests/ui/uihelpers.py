"""What several UI tests share: a real drag-and-drop, and a tiny VAE run to open (tests/ui is on sys.path)."""
from __future__ import annotations

import numpy as np
from PySide6.QtCore import QMimeData, QPoint, QPointF, Qt, QUrl
from PySide6.QtGui import QDragEnterEvent, QDropEvent
from PySide6.QtWidgets import QApplication


def drop(widget, path) -> None:
    """A real drag enter + drop of one local path onto `widget`; both must be accepted."""
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(path))])
    buttons, modifiers = Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier
    enter = QDragEnterEvent(QPoint(20, 20), Qt.DropAction.CopyAction, mime, buttons, modifiers)
    QApplication.sendEvent(widget, enter)
    assert enter.isAccepted()
    event = QDropEvent(QPointF(20, 20), Qt.DropAction.CopyAction, mime, buttons, modifiers)
    QApplication.sendEvent(widget, event)
    assert event.isAccepted()


def blocky_dataset(n, size, seed=0):
    """Blocky random RGB images as an in-memory ImageDataset (as tests/engine/synthetic.py makes them)."""
    from studio.engine.data import DatasetReport, ImageDataset

    rng = np.random.default_rng(seed)
    images = rng.integers(0, 256, size=(n, size // 4, size // 4, 3), dtype=np.uint8).repeat(4, 1).repeat(4, 2)
    report = DatasetReport(root="blocky", found=n, loaded=n, skipped=(), labels=(), label_counts={},
                           captioned=0, caption_source="none", channels=3, size=size)
    return ImageDataset(images=np.ascontiguousarray(images), labels=None, captions=("",) * n,
                        files=tuple(f"{i}.png" for i in range(n)), report=report, fingerprint=f"blocky-{n}-{size}")


def train_tiny_vae(run_dir, size: int):
    """A tiny VAE (latent 4) trained 3 steps on 16 blocky images of `size` px into run_dir; returns run_dir."""
    from studio.engine.families.vae import VAEConfig
    from studio.engine.training import TrainConfig, Trainer

    config = TrainConfig(steps=3, batch_size=8, precision="fp32", device="cpu", preview_seconds=0,
                         validate_seconds=0, seed=1)
    trainer = Trainer(blocky_dataset(n=16, size=size), run_dir, family="vae",
                      family_config=VAEConfig.from_preset("tiny", latent_dim=4), config=config)
    for _ in trainer.run():
        pass
    assert trainer.result.status == "completed"
    return run_dir
