"""One run trained by several processes under torchrun: gloo on the CPU, NCCL on CUDA GPUs.

    torchrun --nproc-per-node=2 -m studio train DATA --family F --out RUN       # cli.py: start(), then attach()

Each process (rank) builds the same model from the same seed and trains on its own share of every batch: the
Trainer's data order picks `batch_size x world` images per step and rank r takes the r-th slice, so the run sees
the images in the order exact resume keeps, whatever the number of processes. `batch_size` is per process; the
effective batch is batch_size x world.

Gradients: families call backward themselves, once or twice per step and through `ctx.optimize(name, loss)`
(a GAN's discriminator then its generator, gradient penalties through autograd.grad, a VQ-VAE that freezes its
autoencoder half-way). Wrapping modules in DistributedDataParallel would hook one backward per forward and does
not support double backward, so `DistributedStepContext` (through TrainStepContext.optimize's hooks) all-reduces
(averages) the gradients of the optimizer being stepped, between backward and clipping (and before fp16's
unscale, so an overflow on one rank is seen by all): every rank then clips the same norm, and AdamW or Muon takes
the same step from the same averaged gradient, so the weights stay equal without being sent again. The
finite-loss check is agreed first, so no rank skips a step another takes.

Once per step the ranks agree (one small all_reduce) on: stop (Ctrl-C or SIGTERM on any rank), whether the step
was non-finite (the NaN rollback), whether a periodic checkpoint is due, and rank 0's training clock (minutes
limits). Buffers that forward passes change with local data (BatchNorm statistics, a VQ codebook's EMA, ActNorm's
data-dependent start) are sent from rank 0 after each step, as DDP's broadcast_buffers does; after the first step
(and the first after a non-finite one, which may roll back) the parameters are too: ActNorm initialises its
parameters from the first batch. Rank 0 alone writes checkpoints, previews, metrics, validation and quality
measurements; the others wait for it at the barrier of each save.
"""
from __future__ import annotations

import datetime
import json
import os
import signal
import socket
import threading
from dataclasses import dataclass
from typing import TYPE_CHECKING, Iterable, TextIO

import torch
import torch.distributed as dist
from torch import nn
from torch._utils import _flatten_dense_tensors, _unflatten_dense_tensors

from studio.engine.run import Run, RunError
from studio.engine.training.config import TrainingError
from studio.engine.training.trainer import TrainStepContext   # trainer.py does not import this module

if TYPE_CHECKING:
    from studio.engine.training.trainer import Trainer

TIMEOUT = datetime.timedelta(minutes=60)   # a collective waits this long (rank 0 may measure quality meanwhile)


def launched() -> bool:
    """True when torchrun (or another launcher that sets WORLD_SIZE) started more than one process."""
    return int(os.environ.get("WORLD_SIZE", "1") or 1) > 1


@dataclass
class ProcessGroup:
    """This process's place in a torchrun job and the collectives the Trainer uses."""

    rank: int
    world: int
    local_rank: int
    backend: str
    device: str                        # what this rank trains on: "cpu" or "cuda:<local rank>"

    def __post_init__(self):
        self.local_stop = threading.Event()     # a signal reached this rank; the ranks agree on it each step
        self.interrupted = False                # the run stopped because of a signal (the CLI's exit code)
        self._params_synced = False

    # -- starting -------------------------------------------------------------------------
    @classmethod
    def start(cls, requested_device: str = "auto") -> "ProcessGroup | None":
        """Join torchrun's process group (env:// rendezvous); None in a single process."""
        if not launched():
            return None
        rank, world = int(os.environ["RANK"]), int(os.environ["WORLD_SIZE"])
        local_rank = int(os.environ.get("LOCAL_RANK", "0"))
        requested = (requested_device or "auto").lower()
        if requested == "mps":
            raise TrainingError("train.distributed_device", device=requested)
        use_cuda = requested.startswith("cuda") or (requested == "auto" and torch.cuda.is_available())
        if use_cuda:
            if not torch.cuda.is_available() or local_rank >= torch.cuda.device_count():
                raise TrainingError("train.distributed_gpus", processes=int(os.environ.get("LOCAL_WORLD_SIZE", world)),
                                    gpus=torch.cuda.device_count() if torch.cuda.is_available() else 0)
            device = f"cuda:{local_rank}"          # one GPU per process; --device cuda:N is not used under torchrun
            torch.cuda.set_device(local_rank)
        elif requested in ("auto", "cpu"):
            device = "cpu"
        else:
            raise TrainingError("train.unknown_device", device=requested)
        backend = "nccl" if use_cuda else "gloo"
        if not dist.is_initialized():
            dist.init_process_group(backend=backend, timeout=TIMEOUT)
        return cls(rank=rank, world=world, local_rank=local_rank, backend=backend, device=device)

    @property
    def is_writer(self) -> bool:
        """Rank 0 writes the run folder; the others only train."""
        return self.rank == 0

    def quiet(self, stream: TextIO) -> TextIO:
        """The stream itself on rank 0; elsewhere a sink, so the terminal shows one progress line."""
        return stream if self.is_writer else open(os.devnull, "w", encoding="utf-8")  # noqa: SIM115

    def attach(self, trainer: "Trainer") -> None:
        """Make `trainer` one rank of this group: rank 0's configs everywhere (a plan may time the machine),
        Ctrl-C and SIGTERM stop every rank at the same step, and only rank 0 holds the run folder's lock."""
        family = json.loads(self._broadcast_text(json.dumps(trainer.family_config.to_dict())))
        train = json.loads(self._broadcast_text(json.dumps(trainer.config.to_dict())))
        self._check_same_images(trainer.dataset)
        trainer.family_config = type(trainer.family_config).from_dict(family)
        trainer.config = type(trainer.config).from_dict(train)
        trainer.batch_size = trainer.config.batch_size
        trainer.group = self
        if hasattr(trainer, "takes_lock"):
            trainer.takes_lock = self.is_writer
        self._install_signal_handlers()
        self.barrier()          # every rank has checked the run folder before rank 0 creates or locks it

    def _check_same_images(self, dataset) -> None:
        """Every rank must hold the same images in the same order (each machine loads its own copy)."""
        images = dataset.images                                                     # (N, H, W, C) uint8
        mine = torch.tensor([*images.shape, int(images.sum(dtype="int64"))], dtype=torch.int64)
        theirs = mine.clone().to(self._collective_device)
        dist.broadcast(theirs, src=0)
        theirs = theirs.cpu()
        if not torch.equal(mine, theirs):
            raise TrainingError("train.distributed_dataset", rank=self.rank, host=socket.gethostname(),
                                images=int(mine[0]), expected=int(theirs[0]))

    def close(self) -> None:
        if dist.is_initialized():
            dist.destroy_process_group()

    def _install_signal_handlers(self) -> None:
        # torchrun passes a Ctrl-C on to every worker (and the terminal sends it too): each one only sets the
        # flag, so no rank leaves a collective half-way; the ranks agree on it after the step, save once, exit.
        def handler(signum, frame):
            self.local_stop.set()

        if threading.current_thread() is threading.main_thread():
            signal.signal(signal.SIGINT, handler)
            signal.signal(signal.SIGTERM, handler)

    # -- what the Trainer calls -----------------------------------------------------------
    def step_context(self, device, dtype, optimizers, grad_clip):
        return DistributedStepContext(self, device, dtype, optimizers, grad_clip)

    def open_run(self, trainer: "Trainer", data) -> Run:
        """Rank 0 creates (or reopens and updates) the run folder; the others open it once it has."""
        run = trainer._open_run(data) if self.is_writer else None
        self.barrier()
        if run is None:
            try:
                run = Run.open(trainer.run_dir)
            except RunError:
                raise TrainingError("train.distributed_folder", path=trainer.run_dir, rank=self.rank,
                                    host=socket.gethostname()) from None
        return run

    def started(self, trainer: "Trainer") -> None:
        """After setup (and a resume's load): the same weights everywhere, and each rank its own random stream."""
        self.broadcast_modules(trainer.family.modules().values(), parameters=True)
        if self.is_writer:      # the run's effective batch (each checkpoint also keeps it)
            trainer.run_folder.update_config(distributed={
                "processes": self.world, "backend": self.backend, "batch_per_process": trainer.batch_size,
                "effective_batch": trainer.batch_size * self.world})
        if self.rank:           # rank 0 keeps the checkpoint's stream, so one process can resume it exactly
            torch.manual_seed(trainer.config.seed * 1_000_003 + trainer.step * 7_919 + self.rank * 104_729)

    def agree(self, trainer: "Trainer", bad: bool, save_due: bool) -> tuple[bool, bool]:
        """One all_reduce per step: (bad, periodic save due) as all ranks will act on them. Sets the agreed stop
        and rank 0's training clock on the trainer; after a good step, rank 0's buffers (and first parameters)."""
        flags = torch.tensor([float(self.local_stop.is_set()), float(bad), float(save_due and self.is_writer),
                              trainer.train_seconds if self.is_writer else 0.0],
                             dtype=torch.float64, device=self._collective_device)
        dist.all_reduce(flags, op=dist.ReduceOp.MAX)
        stop, bad_any, save, seconds = flags.tolist()
        trainer.train_seconds = seconds
        if stop:
            self.interrupted = True
            trainer.request_stop()
        if bad_any:                 # a rollback may restore weights from before a data-dependent start
            self._params_synced = False
        else:
            self.broadcast_modules(trainer.family.modules().values(), parameters=not self._params_synced)
            self._params_synced = True
        return bool(bad_any), bool(save)

    def barrier(self) -> None:
        if self.backend == "nccl":
            dist.barrier(device_ids=[self.local_rank])
        else:
            dist.barrier()

    # -- collectives ----------------------------------------------------------------------
    @property
    def _collective_device(self) -> torch.device:
        return torch.device(self.device)

    def all_finite(self, value: torch.Tensor) -> bool:
        flag = torch.isfinite(value.detach()).all().to(device=self._collective_device, dtype=torch.int32)
        dist.all_reduce(flag, op=dist.ReduceOp.MIN)
        return bool(flag.item())                                                     # GPU sync

    def average_gradients(self, optimizer: torch.optim.Optimizer) -> None:
        """Each gradient of `optimizer`'s parameters replaced by its mean over the ranks (one message per dtype).

        Which parameters have gradients is the same on every rank: the same code runs the same graph."""
        grads = [p.grad for group in optimizer.param_groups for p in group["params"] if p.grad is not None]
        for bucket in _by_dtype(grads):
            flat = _flatten_dense_tensors(bucket)
            dist.all_reduce(flat)
            flat.div_(self.world)
            for grad, synced in zip(bucket, _unflatten_dense_tensors(flat, bucket)):
                grad.copy_(synced)

    def broadcast_modules(self, modules: Iterable[nn.Module], *, parameters: bool) -> None:
        """Rank 0's buffers (and parameters) to every rank."""
        tensors = []
        for module in modules:
            if parameters:
                tensors += [p.data for p in module.parameters()]
            tensors += list(module.buffers())
        with torch.no_grad():
            for bucket in _by_dtype(tensors):
                flat = _flatten_dense_tensors(bucket)
                dist.broadcast(flat, src=0)
                if not self.is_writer:
                    for tensor, synced in zip(bucket, _unflatten_dense_tensors(flat, bucket)):
                        tensor.copy_(synced)

    def _broadcast_text(self, text: str) -> str:
        """Rank 0's text (JSON: no pickle between the ranks)."""
        data = torch.tensor(list(text.encode("utf-8")), dtype=torch.uint8) if self.is_writer else None
        size = torch.tensor([len(data) if data is not None else 0], dtype=torch.int64, device=self._collective_device)
        dist.broadcast(size, src=0)
        buffer = (data if data is not None else torch.zeros(int(size.item()), dtype=torch.uint8))
        buffer = buffer.to(self._collective_device)
        dist.broadcast(buffer, src=0)
        return bytes(buffer.cpu().tolist()).decode("utf-8")


def _by_dtype(tensors: list[torch.Tensor]) -> list[list[torch.Tensor]]:
    buckets: dict[tuple, list[torch.Tensor]] = {}
    for t in tensors:
        buckets.setdefault((t.dtype, t.device), []).append(t)
    return list(buckets.values())


class DistributedStepContext(TrainStepContext):
    """The Trainer's StepContext, with the finite-loss check agreed and the gradients averaged over the ranks."""

    def __init__(self, group: ProcessGroup, *args):
        super().__init__(*args)
        self.group = group

    def loss_is_finite(self, loss: torch.Tensor) -> bool:
        return self.group.all_finite(loss)

    def reduce_gradients(self, optimizer: torch.optim.Optimizer) -> None:
        self.group.average_gradients(optimizer)


def describe_group(group: ProcessGroup, batch_size: int) -> str:
    """The line the CLI prints: processes, backend, per-process and effective batch."""
    return (f"distributed: {group.world} processes ({group.backend}), {batch_size} images per process, "
            f"effective batch {batch_size * group.world}")

