"""The Trainer: a generator of events around a family's train_step.

    trainer = Trainer(dataset, run_dir, family="vae", config=TrainConfig(steps=2000))
    for event in trainer.run():        # a TrainEvent (studio.engine.events): Started, Progress, Saved, ...
        ...
    # StopIteration.value (or `trainer.result`) is a TrainResult

Every yield is where pause and stop take effect; a yield comes at least every
`event_seconds` while steps are short. The CLI iterates the generator under a
progress bar (Ctrl-C raises inside it: the Trainer saves, then re-raises);
the app runs it in a background worker and calls `request_stop()`,
`pause()`, `resume_training()`, `save_now()` and `preview_now()` from the UI thread.

What the Trainer owns: device and precision, threads, seeds and data order,
the LR schedule (linear warm-up, cosine decay), gradient clipping, EMA of the
weights, validation on held-out images, previews, checkpoints (periodic and on
stop) and exact resume, recovery from non-finite losses, and a clear failure
on out-of-memory.
"""
from __future__ import annotations

import dataclasses
import logging
import math
import threading
import time
from contextlib import nullcontext
from pathlib import Path
from typing import Any, Generator, Mapping

import numpy as np
import torch

from studio.engine.checkpoint import save_checkpoint
from studio.engine.data import ImageDataset
from studio.engine.events import (
    Failed, Measured, Paused, Preview, Progress, Saved, Started, TrainEvent, TrainingWarning, TrainResult, Validated,
)
from studio.engine.families.base import Batch, ConfigError, DataInfo, Family, FamilyConfig, get_family
from studio.engine.messages import Message, os_reason
from studio.engine.mirror import check_mirror
from studio.engine.run import Run, RunError, versions
from studio.engine.runlock import RunLock, acquire_run_lock
from studio.engine.text import build_vocabulary
from studio.engine.training import state
from studio.engine.training.config import TrainConfig, TrainingError
from studio.engine.training.device import choose_device, choose_precision, is_out_of_memory, precision_name, usable_cores
from studio.engine.training.quality import QualityMeter
from studio.engine.training.watch import HeldOutWatch


def lr_factor(step: int, total: int | None, warmup: int, min_ratio: float, fraction: float | None = None) -> float:
    """Linear warm-up to 1, then cosine decay to min_ratio over the run."""
    if warmup and step < warmup:
        return (step + 1) / warmup
    if fraction is None:
        fraction = (step - warmup) / max(1, (total or 1) - warmup)
    fraction = min(1.0, max(0.0, fraction))
    return min_ratio + (1 - min_ratio) * 0.5 * (1 + math.cos(math.pi * fraction))


BEST = "best"            # checkpoints/best.safetensors: the weights of the best held-out loss so far
WARN_EVERY_STEPS = 500   # a family's repeated warning is passed on at most once per this many steps


class TrainStepContext:
    """The StepContext handed to Family.train_step: autocast, warnings, and each optimizer's step."""

    def __init__(self, device: torch.device, dtype: torch.dtype | None, optimizers, grad_clip: float):
        self.device = device
        self.dtype = dtype
        self.optimizers = optimizers
        self.grad_clip = grad_clip
        self.step = 0
        self.fraction = 0.0
        self.skipped = False
        self.scaler = torch.amp.GradScaler("cuda") if dtype == torch.float16 and device.type == "cuda" else None
        self.warnings: list[Message] = []      # from train_step, for the Trainer to yield
        self._warned_at: dict[str, int] = {}   # message -> step it was last passed on

    def autocast(self):
        if self.dtype is None:
            return nullcontext()
        return torch.autocast(self.device.type, dtype=self.dtype)

    def warn(self, message: Message, every: int = WARN_EVERY_STEPS) -> None:
        last = self._warned_at.get(message)
        if last is None or self.step - last >= every:
            self._warned_at[message] = self.step
            self.warnings.append(message)

    def loss_is_finite(self, loss: torch.Tensor) -> bool:
        return bool(torch.isfinite(loss).item())                  # GPU sync

    def reduce_gradients(self, optimizer: torch.optim.Optimizer) -> None:
        """Under torchrun: the gradients averaged over the processes (distributed.py). One process: nothing."""

    def optimize(self, name: str, loss: torch.Tensor) -> bool:
        opt = self.optimizers[name]
        if not self.loss_is_finite(loss):
            opt.zero_grad(set_to_none=True)
            self.skipped = True
            return False
        if self.scaler is not None:
            self.scaler.scale(loss).backward()
            self.reduce_gradients(opt)
            self.scaler.unscale_(opt)
        else:
            loss.backward()
            self.reduce_gradients(opt)
        params = [p for g in opt.param_groups for p in g["params"] if p.grad is not None]
        max_norm = self.grad_clip if self.grad_clip > 0 else float("inf")
        norm = torch.nn.utils.clip_grad_norm_(params, max_norm) if params else torch.zeros(())
        if self.scaler is not None:      # the scaler skips inf steps itself and lowers its scale
            self.scaler.step(opt)
            self.scaler.update()
        elif not torch.isfinite(norm).item():
            opt.zero_grad(set_to_none=True)
            self.skipped = True
            return False
        else:
            opt.step()
        opt.zero_grad(set_to_none=True)
        return True


def holdout_split(n: int, holdout: float, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Deterministic train / held-out split of n images."""
    perm = np.random.default_rng(seed + 7919).permutation(n)
    k = 0 if n < 20 or holdout <= 0 else max(1, min(512, int(round(n * holdout))))
    return np.sort(perm[k:]), np.sort(perm[:k])


def _epoch_order(n: int, seed: int, epoch: int) -> torch.Tensor:
    g = torch.Generator().manual_seed(seed * 1_000_003 + epoch)
    return torch.randperm(n, generator=g)


# -- the trainer ---------------------------------------------------------------------
class Trainer:
    """Trains one family on one dataset into one run folder.

    A new run: `Trainer(dataset, run_dir, family="vae", family_config=..., config=...)`.
    Continue one: `Trainer.resume(run_dir, dataset)` (configs come from the run folder).
    Construction is cheap; everything heavy happens inside `run()`, so the app
    can build a Trainer on the UI thread and iterate it in a worker.
    """

    def __init__(self, dataset: ImageDataset, run_dir: Path | str, *, family: str = "vae",
                 family_config: FamilyConfig | None = None, config: TrainConfig | None = None,
                 resume: bool = False, evaluation_cache: Path | None = None, feature_steps: int | None = None):
        self.dataset = dataset
        self.run_dir = Path(run_dir)
        self.family_name = family
        self.family_cls = get_family(family)
        self.family_config = family_config or self.family_cls.Config()
        self.config = config or TrainConfig()
        self.resuming = resume
        self.evaluation_cache = evaluation_cache        # where the quality measure's feature network is cached,
        self.feature_steps = feature_steps              # and how long it trains (None: its default)
        self.quality: QualityMeter | None = None
        self.watch = HeldOutWatch()                     # the best held-out loss so far, and overfitting
        self._since_validation: dict[str, tuple[float, int]] = {}   # training losses since: (sum, count)
        self.result: TrainResult | None = None
        self._stop_flag = threading.Event()
        self._run_flag = threading.Event()     # cleared while paused
        self._run_flag.set()
        self._save_flag = threading.Event()
        self._preview_flag = threading.Event()
        # Built when run() starts (_setup); until then None or empty.
        self.device: torch.device | None = None
        self.dtype: torch.dtype | None = None           # autocast dtype; None trains in fp32
        self.threads = 0
        self.channels_last = False
        self.memory_format: torch.memory_format | None = None
        self.run_folder: Run | None = None
        self._family: Family | None = None
        self.ema: state.EMA | None = None
        self.optimizers: dict[str, torch.optim.Optimizer] = {}
        self.ctx: TrainStepContext | None = None
        self.train_idx = self.val_idx = np.zeros(0, dtype=np.int64)
        self.images: torch.Tensor | None = None         # (N, H, W, C) uint8, on the device
        self.labels: torch.Tensor | None = None
        self.batch_size = self.config.batch_size
        # Where training stands: saved in every checkpoint, restored exactly on resume.
        self.step = self.epoch = self.position = 0
        self.order: torch.Tensor | None = None          # this epoch's permutation of train_idx
        self.train_seconds, self.lr_scale, self.rollbacks = 0.0, 1.0, 0
        self.pending_warnings: list[Message] = []       # found while setting up, yielded after Started
        self._good_state: tuple[dict[str, torch.Tensor], dict[str, Any]] | None = None   # for a NaN rollback
        self._dirty = False                             # steps taken since the last save
        self.group = None           # under torchrun: this process's distributed.ProcessGroup (set by its attach())
        self.takes_lock = True                          # under torchrun only rank 0 holds the run's owner lock
        self.lock: RunLock | None = None                # held from the run folder's opening to the end of run()

    @classmethod
    def resume(cls, run_dir: Path | str, dataset: ImageDataset, *, evaluation_cache: Path | None = None,
               **config_changes: Any) -> "Trainer":
        """Continue a run with the configs in its folder (config_changes may extend steps/minutes)."""
        run = Run.open(Path(run_dir))
        family_cls = get_family(run.family_name)
        family_config = family_cls.Config.from_saved(run.config["family_config"])
        saved = run.config["family_config"]        # a setting that moved to TrainConfig keeps its value (flip: mirror)
        moved = {new: saved[old] for old, new in family_cls.Config.moved_to_train.items() if old in saved}
        config = dataclasses.replace(TrainConfig.from_dict({**moved, **run.config["train_config"]}), **config_changes)
        return cls(dataset, run_dir, family=run.family_name, family_config=family_config, config=config, resume=True,
                   evaluation_cache=evaluation_cache)

    # -- control from another thread -------------------------------------------------------
    def request_stop(self) -> None:
        """Stop at the next step boundary, save, and return."""
        self._stop_flag.set()
        self._run_flag.set()

    def pause(self) -> None:
        """Hold training at the next step boundary; the model stays in memory."""
        self._run_flag.clear()

    def resume_training(self) -> None:
        self._run_flag.set()

    def save_now(self) -> None:
        self._save_flag.set()

    def preview_now(self) -> None:
        self._preview_flag.set()

    def acquire_lock(self) -> None:
        """Hold the run folder's owner lock (runlock.py): RunHeldError when another live process trains it."""
        if self.takes_lock and self.lock is None:
            self.lock = acquire_run_lock(self.run_dir)
            if self.lock.taken_over is not None:           # a crashed trainer's lock, replaced
                self.pending_warnings.append(self.lock.taken_over)

    def release_lock(self) -> None:
        if self.lock is not None:
            self.lock.release()
            self.lock = None

    @property
    def is_paused(self) -> bool:
        return not self._run_flag.is_set()

    @property
    def family(self) -> Family:
        """The live family (after run() has started): sample from it while paused."""
        return self._family

    # -- setup -------------------------------------------------------------------------
    def _setup(self) -> Started:
        cfg = self.config
        if len(self.dataset) == 0:
            raise TrainingError("train.no_images")
        choice = choose_device(cfg.device)
        self.device = choice.device
        self.dtype, precision_reason = choose_precision(self.device, cfg.precision)
        self.threads = self._set_threads()
        data = DataInfo(image_size=self.dataset.images.shape[1], channels=self.dataset.images.shape[3],
                        label_names=tuple(self.dataset.label_names), has_captions=any(self.dataset.captions),
                        vocabulary=build_vocabulary([*self.dataset.captions, *self.dataset.label_names]))
        if self.resuming:
            self.run_folder = self._open_run_once(data)
            data = self.run_folder.data_info   # the model was built with the saved labels and vocabulary
        torch.manual_seed(cfg.seed)
        family = self.family_cls(self.family_config, data)   # refuses unsuitable data before a run folder exists
        if not self.resuming:
            self.run_folder = self._open_run_once(data)
        if not self.resuming:   # what a family learns from the pixels before its first step (Image GPT's palette)
            fit_idx = holdout_split(len(self.dataset), cfg.holdout, cfg.seed)[0]
            family.fit_data(self.dataset.images[fit_idx[::max(1, len(fit_idx) // 4096)]])
        # channels_last pays off on CUDA and under CPU bf16 (oneDNN), not in CPU fp32 (benchmarks/RESULTS.md, "CPU
        # precision and memory layout").
        self.channels_last = cfg.channels_last == "on" or (
            cfg.channels_last == "auto" and family.convolutional
            and (self.device.type == "cuda" or (self.device.type == "cpu" and self.dtype == torch.bfloat16)))
        self.memory_format = torch.channels_last if self.channels_last else None
        family.to(self.device, self.memory_format)
        self.ema = state.EMA(family.modules(), cfg.ema_decay, cfg.ema_warmup) if cfg.ema_decay > 0 else None
        if self.ema:
            family.use_ema(self.ema.modules)
        self._family = family
        self.optimizers = family.optimizers(cfg.lr)
        for opt in self.optimizers.values():
            for group in opt.param_groups:
                group.setdefault("base_lr", group["lr"])
        make_context = self.group.step_context if self.group else TrainStepContext
        self.ctx = make_context(self.device, self.dtype, self.optimizers, cfg.grad_clip)

        self.train_idx, self.val_idx = holdout_split(len(self.dataset), cfg.holdout, cfg.seed)
        self.images = torch.from_numpy(self.dataset.images)        # (N, H, W, C) uint8, shared with numpy
        if self.device.type != "cpu":
            self.images = self.images.to(self.device)
        self.labels = None if self.dataset.labels is None else torch.from_numpy(self.dataset.labels)
        self.batch_size = min(cfg.batch_size, max(1, len(self.train_idx) // self._processes))   # per process
        self.quality = QualityMeter(self.dataset, self.train_idx, self.val_idx, every_minutes=cfg.quality_minutes,
                                    samples=cfg.quality_samples, seed=cfg.seed, cache=self.evaluation_cache,
                                    feature_steps=self.feature_steps)
        if self.quality.off is not None:
            self.pending_warnings.append(self.quality.off)

        if cfg.mirror:                       # flips on a folder of symbols teach mirror-image symbols: say so
            labels = None if self.dataset.labels is None else self.dataset.labels[self.train_idx]
            flips = check_mirror(self.dataset.images[self.train_idx], labels, self.dataset.label_names).warning()
            if flips is not None:
                self.pending_warnings.append(flips)
        if self.batch_size < cfg.batch_size:
            self.pending_warnings.append(
                Message("training.batch_lowered", batch_size=self.batch_size, images=len(self.train_idx)))
        if self.resuming:
            ckpt = self.run_folder.load_checkpoint(device="cpu", fit=lambda c: self._load(c.tensors, c.meta, c.path))
            self.pending_warnings.extend(ckpt.warnings)       # a damaged newest one passed over, and why
            if self._writes:
                self.run_folder.truncate_metrics(self.step)
                self.run_folder.remove_stale_temp_files()
            fingerprint = self.run_folder.config.get("dataset", {}).get("fingerprint")
            if fingerprint and fingerprint != self.dataset.fingerprint:
                self.pending_warnings.append(Message("training.dataset_changed_at", path=self.dataset.report.root))
        self.order = _epoch_order(len(self.train_idx), cfg.seed, self.epoch)
        if self.group:
            self.group.started(self)
        self._good_state = self._snapshot()
        self._dirty = False
        return Started(
            run_dir=str(self.run_folder.path), family=self.family_name, device=str(self.device), device_name=choice.name,
            device_reason=choice.reason, precision=precision_name(self.dtype), precision_reason=precision_reason,
            channels_last=self.channels_last, threads=self.threads, parameters=family.parameter_count(),
            step=self.step, total_steps=cfg.steps, minutes=cfg.minutes, resumed=self.resuming,
            train_images=len(self.train_idx), holdout_images=len(self.val_idx))

    def _set_threads(self) -> int:
        cfg = self.config
        if cfg.threads:
            torch.set_num_threads(max(1, cfg.threads))
        elif cfg.leave_core_for_ui and self.device.type == "cpu":
            torch.set_num_threads(max(1, usable_cores() - 1))
        return torch.get_num_threads()

    @property
    def _processes(self) -> int:
        return self.group.world if self.group else 1

    @property
    def _my_share(self) -> slice:
        """This process's slice of a step's batch_size x processes images."""
        rank = self.group.rank if self.group else 0
        return slice(rank * self.batch_size, (rank + 1) * self.batch_size)

    @property
    def _writes(self) -> bool:
        """This process writes the run folder: always, except torchrun's ranks other than 0."""
        return self.group is None or self.group.is_writer

    def _open_run_once(self, data: DataInfo) -> Run:
        return self.group.open_run(self, data) if self.group else self._open_run(data)

    def _open_run(self, data: DataInfo) -> Run:
        if self.resuming:
            run = Run.open(self.run_dir)
            if run.family_name != self.family_name:
                raise TrainingError("train.other_family", path=self.run_dir, family=run.family_name,
                                    expected=self.family_name)
            if run.data_info.image_size != data.image_size or run.data_info.channels != data.channels:
                raise TrainingError("train.other_images", path=self.run_dir, size=run.data_info.image_size,
                                    channels=run.data_info.channels)
            if run.latest_checkpoint() is None:
                raise TrainingError("train.nothing_to_resume", path=self.run_dir)
            self.acquire_lock()                  # before the first write into the folder
            run.update_config(train_config=self.config.to_dict())
            return run
        dataset = {"source": self.dataset.report.root, "fingerprint": self.dataset.fingerprint,
                   "images": len(self.dataset), "summary": self.dataset.report.summary()}
        run = Run.create(self.run_dir, family=self.family_name, family_config=self.family_config.to_dict(),
                         train_config=self.config.to_dict(), data=data, dataset=dataset)
        self.acquire_lock()
        return run

    # -- state -------------------------------------------------------------------------
    def _snapshot(self) -> tuple[dict[str, torch.Tensor], dict[str, Any]]:
        """Everything a checkpoint holds: (tensors on the CPU, JSON-able metadata)."""
        tensors, meta = state.capture(self._family, self.ema, self.optimizers, self.ctx.scaler, self.device)
        meta.update({
            "step": self.step, "epoch": self.epoch, "position": self.position,
            "train_seconds": self.train_seconds, "lr_scale": self.lr_scale, "rollbacks": self.rollbacks,
            "processes": self._processes, "effective_batch": self.batch_size * self._processes,
            "quality": self.quality.state(), "held_out_watch": self.watch.state(),
            "family_config": self.family_config.to_dict(), "train_config": self.config.to_dict(),
            "data": self._family.data.to_dict(), "dataset_fingerprint": self.dataset.fingerprint,
            "time": time.strftime("%Y-%m-%dT%H:%M:%S"),
        })
        return tensors, meta

    def _load(self, tensors: Mapping[str, torch.Tensor], meta: Mapping[str, Any], source: Path | str) -> None:
        """Restore a checkpoint's (or an in-memory snapshot's) tensors and metadata."""
        state.restore(tensors, meta, source, family=self._family, ema=self.ema, optimizers=self.optimizers,
                      scaler=self.ctx.scaler, device=self.device, memory_format=self.memory_format)
        self.step, self.epoch, self.position = int(meta["step"]), int(meta["epoch"]), int(meta["position"])
        self.train_seconds = float(meta.get("train_seconds", 0.0))
        self.lr_scale = float(meta.get("lr_scale", 1.0))
        self.rollbacks = int(meta.get("rollbacks", 0))
        self.quality.restore(meta.get("quality"))
        self.watch.restore(meta.get("held_out_watch"))
        self.order = _epoch_order(len(self.train_idx), self.config.seed, self.epoch)

    def _weights_finite(self) -> bool:
        return all(torch.isfinite(p).all().item() for m in self._family.modules().values() for p in m.parameters())

    def _save(self, reason: str, together: bool = True) -> Saved | None:
        """Write a checkpoint; never replaces a good one with non-finite weights. Under torchrun rank 0 writes
        and the other ranks wait for it at a barrier (`together`; not on an error's way out, where they may not)."""
        saved = self._write_checkpoint(reason) if self._writes else self._keep_good_state()
        if self.group and together:
            self.group.barrier()
        return saved

    def _keep_good_state(self) -> None:
        if self._weights_finite():
            self._good_state = self._snapshot()
            self._dirty = False

    def _write_checkpoint(self, reason: str) -> Saved | None:
        if not self._weights_finite():
            return None
        if reason != "failed":
            self._fit_latent_statistics()
        tensors, meta = self._snapshot()
        meta["reason"] = reason
        periodic = reason in ("periodic", "completed", "stopped")
        path = self.run_folder.save_checkpoint(tensors, meta, periodic=periodic, keep=self.config.keep_checkpoints)
        self._good_state = (tensors, meta)
        self._dirty = False
        return Saved(step=self.step, path=str(path), reason=reason)

    def _fit_latent_statistics(self, limit: int = 1024) -> None:
        """Let a latent family refit its data-dependent directions (e.g. attribute sliders) before a save.

        It blocks the loop while it encodes, so only `limit` images (evenly spaced) are used."""
        idx = self.train_idx[np.linspace(0, len(self.train_idx) - 1, min(limit, len(self.train_idx))).astype(int)]
        labels = None if self.dataset.labels is None else self.dataset.labels[idx]
        captions = tuple(self.dataset.captions[i] for i in idx.tolist())
        self._family.eval()
        try:
            self._family.fit_latent_statistics(self.dataset.images[idx], labels, captions)
        except Exception:  # noqa: BLE001 - the directions are a nicety; the save must happen
            logging.getLogger(__name__).exception("fitting the latent statistics failed; saving without them")

    # -- data ----------------------------------------------------------------------------
    def _next_batch(self) -> Batch:
        step_images = self.batch_size * self._processes         # under torchrun each process takes its slice
        if self.position + step_images > len(self.order):       # drop the ragged end; next epoch
            self.epoch += 1
            self.position = 0
            self.order = _epoch_order(len(self.train_idx), self.config.seed, self.epoch)
        picked = self.order[self.position:self.position + step_images][self._my_share]
        self.position += step_images
        batch = self._make_batch(self.train_idx[picked.numpy()])
        return self._mirror(batch) if self.config.mirror else batch

    def _mirror(self, batch: Batch) -> Batch:
        """Each image flipped left-right with probability 1/2, drawn from (seed, step): exact resume holds."""
        g = torch.Generator().manual_seed(self.config.seed * 2_000_003 + self.step + 1_000_000_007)
        flipped = (torch.rand(self.batch_size * self._processes, generator=g)[self._my_share] < 0.5).to(
            batch.images.device)
        images = torch.where(flipped[:, None, None, None], batch.images.flip(3), batch.images)
        return dataclasses.replace(batch, images=images.contiguous(
            memory_format=self.memory_format or torch.contiguous_format))

    def _make_batch(self, indices: np.ndarray) -> Batch:
        idx = torch.from_numpy(np.asarray(indices, dtype=np.int64))
        x = self.images[idx.to(self.images.device)].to(self.device, non_blocking=True)
        # (B, C, H, W) in [-1, 1], laid out as the model's weights are: the permuted view of the (B, H, W, C) images
        # is channels_last-strided, and left so with contiguous fp32 weights every activation (and GroupNorm's slow
        # path) would follow it (benchmarks/RESULTS.md, "CPU precision and memory layout").
        x = x.permute(0, 3, 1, 2).to(torch.float32, memory_format=self.memory_format or torch.contiguous_format)
        x = x.div_(127.5).sub_(1.0)                                 # one copy: the cast lays it out too
        labels = None if self.labels is None else self.labels[idx].to(self.device)
        captions = tuple(self.dataset.captions[i] for i in indices.tolist()) if any(self.dataset.captions) else None
        return Batch(images=x, labels=labels, captions=captions)

    def _holdout_batches(self, limit: int = 256):
        idx = self.val_idx[:limit]
        for start in range(0, len(idx), self.batch_size):
            yield self._make_batch(idx[start:start + self.batch_size])

    def _preview_batch(self) -> Batch:
        source = self.val_idx if len(self.val_idx) >= 8 else self.train_idx
        return self._make_batch(source[:8])

    # -- the loop --------------------------------------------------------------------------
    def _fraction(self) -> float:
        cfg = self.config
        parts = []
        if cfg.steps:
            parts.append(self.step / cfg.steps)
        if cfg.minutes:
            parts.append(self.train_seconds / (cfg.minutes * 60))
        return min(1.0, max(parts))

    def _done(self) -> bool:
        return self._fraction() >= 1.0

    def _set_lr(self) -> float:
        cfg = self.config
        time_fraction = None if cfg.steps else self._fraction()
        factor = lr_factor(self.step, cfg.steps, cfg.warmup_steps, cfg.min_lr_ratio, time_fraction) * self.lr_scale
        for opt in self.optimizers.values():
            for group in opt.param_groups:
                group["lr"] = group["base_lr"] * factor
        return cfg.lr * factor

    def run(self) -> Generator[TrainEvent, None, TrainResult]:
        """Train; yields events; returns (and stores in .result) a TrainResult. The run's owner lock is held
        from the folder's opening to the end, also when training fails or the generator is closed."""
        try:
            return (yield from self._train())
        finally:
            self.release_lock()

    def _train(self) -> Generator[TrainEvent, None, TrainResult]:
        try:
            started = self._setup()
        except (RunError, ConfigError) as e:
            raise TrainingError(e.message) from None
        except OSError as e:   # the run folder refused a write before the first step: read-only, full, no permission
            raise TrainingError("train.cannot_write", path=self.run_dir, reason=os_reason(e)) from None
        yield started
        for message in self.pending_warnings:
            yield TrainingWarning(self.step, message)
        status, message = "stopped", ""
        try:
            status, message = yield from self._loop()
        except BaseException as error:  # Ctrl-C, generator close, OOM, bugs: keep the work, then report
            oom = is_out_of_memory(error)
            self._zero_grads()
            if self._dirty:
                self._save("failed" if oom else "stopped", together=False)
            if not oom:
                raise
            status = "failed"
            message = Message("training.out_of_memory", device=self.device, batch_size=self.batch_size,
                              size=self._family.data.image_size)
            if self.device.type == "cuda":
                torch.cuda.empty_cache()
            yield Failed(self.step, message)
        else:
            if self._dirty or status == "completed":
                saved = self._save(status)
                if saved:
                    yield saved
        checkpoint = self.run_folder.latest_checkpoint()
        self.result = TrainResult(status, self.step, str(self.run_folder.path), str(checkpoint) if checkpoint else None, message)
        return self.result

    def _zero_grads(self) -> None:
        for opt in self.optimizers.values():
            opt.zero_grad(set_to_none=True)

    def _loop(self) -> Generator[TrainEvent, None, tuple[str, str]]:
        cfg = self.config
        now = time.monotonic()
        last_event = last_log = now
        last_save = now
        last_val = now if self.step else now - cfg.validate_seconds   # validate early in a fresh run
        last_preview = now - cfg.preview_seconds                       # a first preview right away
        sums: dict[str, float] = {}
        count = images_since = 0
        rate = 0.0
        rate_clock = now
        bad_steps = 0
        while not self._done():
            if self._stop_flag.is_set():
                return "stopped", ""
            if not self._run_flag.is_set():
                yield Paused(self.step)
                if self._save_flag.is_set():        # "Save now" works while paused too
                    self._save_flag.clear()
                    saved = self._save("requested")
                    if saved:
                        yield saved
                    last_save = time.monotonic()
                self._run_flag.wait(timeout=0.1)
                rate_clock = time.monotonic()
                continue
            t0 = time.monotonic()
            lr = self._set_lr()
            batch = self._next_batch()
            self.ctx.step, self.ctx.skipped, self.ctx.fraction = self.step, False, self._fraction()
            self._family.train()
            losses = self._family.train_step(batch, self.ctx)
            t1 = time.monotonic()
            self.train_seconds += t1 - t0
            while self.ctx.warnings:            # from ctx.warn in train_step (deduplicated there)
                yield TrainingWarning(self.step, self.ctx.warnings.pop(0))
            bad = self.ctx.skipped or not all(math.isfinite(v) for v in losses.values())
            periodic = None
            if self.group:                  # every rank takes the same branches from here on (distributed.py)
                bad, periodic = self.group.agree(self, bad, time.monotonic() - last_save >= cfg.checkpoint_minutes * 60)
            if bad:
                bad_steps += 1
                if bad_steps >= cfg.max_bad_steps:
                    bad_steps = 0
                    outcome = self._rollback()
                    if outcome is not None:
                        yield outcome
                        if isinstance(outcome, Failed):
                            return "failed", outcome.message
                continue
            bad_steps = 0
            if self.ema:
                self.ema.update(self._family.modules())
            self.step += 1
            self._dirty = True
            count += 1
            images_since += len(batch) * self._processes
            for k, v in losses.items():
                sums[k] = sums.get(k, 0.0) + v
                total, n = self._since_validation.get(k, (0.0, 0))
                self._since_validation[k] = (total + v, n + 1)

            now = time.monotonic()
            if now - last_event >= cfg.event_seconds or self._done():
                elapsed = now - rate_clock
                if elapsed > 0:
                    rate = images_since / elapsed if rate == 0 else 0.7 * rate + 0.3 * images_since / elapsed
                mean = {k: v / count for k, v in sums.items()}
                if self._writes and (now - last_log >= cfg.log_seconds or self._done()):   # log before the yield
                    self.run_folder.log_metrics([{"kind": "train", "step": self.step, "epoch": self.epoch, "lr": lr,
                                           "images_per_sec": round(rate, 2), "seconds": round(self.train_seconds, 3),
                                           **mean}])
                    last_log = now
                sums, count, images_since, rate_clock, last_event = {}, 0, 0, now, now
                yield self._progress(mean, lr, rate)

            # Validation, previews and quality measures: rank 0's alone under torchrun.
            if (self._writes and len(self.val_idx) and cfg.validate_seconds
                    and (now - last_val >= cfg.validate_seconds or self._done())):
                yield from self._validate()
                last_val = time.monotonic()
            if self._writes and (self._preview_flag.is_set()
                                 or (cfg.preview_seconds and (now - last_preview >= cfg.preview_seconds))):
                self._preview_flag.clear()
                yield from self._make_preview()
                last_preview = time.monotonic()
            if self._writes and self.quality.due(self.train_seconds, final=self._done()):
                measuring = time.monotonic()
                measured = self._measure_quality()
                if measured is not None:
                    yield measured
                rate_clock += time.monotonic() - measuring       # the images/s rate is of training alone
            if periodic is None:
                periodic = now - last_save >= cfg.checkpoint_minutes * 60
            if self._save_flag.is_set() or periodic:
                reason = "requested" if self._save_flag.is_set() else "periodic"
                self._save_flag.clear()
                saved = self._save(reason)
                if saved:
                    yield saved
                last_save = time.monotonic()
        return "completed", ""

    def _progress(self, losses: Mapping[str, float], lr: float, rate: float) -> Progress:
        cfg = self.config
        fraction = self._fraction()
        eta = None
        if cfg.steps and rate > 0:
            eta = (cfg.steps - self.step) * self.batch_size * self._processes / rate
        if cfg.minutes:
            left = max(0.0, cfg.minutes * 60 - self.train_seconds)
            eta = left if eta is None else min(eta, left)
        return Progress(step=self.step, total_steps=cfg.steps, epoch=self.epoch, losses=dict(losses), lr=lr,
                        images_per_sec=rate, elapsed_seconds=self.train_seconds, eta_seconds=eta, fraction=fraction,
                        stage=self._family.training_stage(self.step))

    def _validate(self):
        """Validated, and a TrainingWarning when the model overfits; a new best is written as best.safetensors."""
        sums: dict[str, float] = {}
        n = 0
        self._family.eval()
        for batch in self._holdout_batches():
            for k, v in self._family.validation_losses(batch).items():
                sums[k] = sums.get(k, 0.0) + v * len(batch)
            n += len(batch)
        losses = {k: v / n for k, v in sums.items()} if n else {}
        if losses:
            self.run_folder.log_metrics([{"kind": "val", "step": self.step, **losses}])
        yield Validated(self.step, losses)
        key = self._family.held_out_objective(self.step)
        if key in losses and math.isfinite(losses[key]):
            total, n = self._since_validation.get(key, (0.0, 0))
            improved, warning = self.watch.observe(self.step, self._family.training_stage(self.step), key,
                                                   losses[key], total / n if n else None)
            if improved:
                self._save_best(key, losses[key])
            if warning is not None:
                yield TrainingWarning(self.step, warning)
        self._since_validation.clear()

    def _save_best(self, key: str, value: float) -> None:
        """The weights of the best held-out loss so far, as checkpoints/best.safetensors (never resumed from)."""
        if not self._weights_finite():
            return
        tensors, meta = self._snapshot()
        meta.update(reason="best", held_out={"key": key, "value": value},
                    family=self.family_name, versions=versions())
        save_checkpoint(self.run_folder.checkpoint_path(BEST), tensors, meta)

    def _expected_seconds(self) -> float | None:
        """How long the whole run will train: its minutes, or its steps at the rate so far."""
        cfg = self.config
        options = [cfg.minutes * 60] if cfg.minutes else []
        if cfg.steps and self.step:
            options.append(cfg.steps * self.train_seconds / self.step)
        return min(options) if options else None

    def _measure_quality(self) -> Measured | TrainingWarning | None:
        """Sample quality now (QualityMeter), logged to metrics.jsonl as a "quality" record."""
        event = self.quality.measure(self._family, self.step, self.train_seconds, self._expected_seconds(),
                                     self._stop_flag.is_set)
        if isinstance(event, Measured):
            self.run_folder.log_metrics([{
                "kind": "quality", "step": self.step, "seconds": round(self.train_seconds, 3), "kid": event.kid,
                "kid_std": event.kid_std, "adherence": event.adherence, "samples": event.samples,
                "cost_seconds": round(event.cost_seconds, 3), "share": round(event.share, 4)}])
        return event

    def _make_preview(self):
        """Each preview frame as soon as the family makes it (a denoising strip
        arrives step by step); the last one is also saved in the run folder."""
        self._family.eval()
        last = None
        for frame in self._family.preview(self._preview_batch(), seed=self.config.seed):
            if last is not None:
                yield Preview(self.step, last)
            last = frame
        if last is not None:
            path = self.run_folder.save_preview(last, self.step)
            yield Preview(self.step, last, str(path))

    def _rollback(self) -> TrainingWarning | Failed:
        """Too many non-finite steps: restore the last good state with half the LR."""
        self.rollbacks += 1
        if self.rollbacks > self.config.max_rollbacks:
            return Failed(self.step, Message("training.diverged", rollbacks=self.config.max_rollbacks))
        tensors, meta = self._good_state
        rollbacks, lr_scale = self.rollbacks, self.lr_scale
        self._zero_grads()
        self._load(tensors, meta, "the last good state")
        self.rollbacks = rollbacks
        self.lr_scale = lr_scale * 0.5
        return TrainingWarning(self.step, Message("training.rolled_back", bad_steps=self.config.max_bad_steps,
                                                  step=self.step, lr_scale=self.lr_scale))
