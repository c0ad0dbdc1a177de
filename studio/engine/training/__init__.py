"""Training: the Trainer (the loop), its config, device and precision, and checkpoint state.

    trainer.py   Trainer and the StepContext it hands to Family.train_step
    config.py    TrainConfig, TrainingError
    device.py    choose_device, choose_precision and what the CPU is fast at
    state.py     EMA; a session's state as checkpoint tensors and back
The events the Trainer yields are in studio.engine.events.
"""
from studio.engine.events import (
    Failed, Paused, Preview, Progress, Saved, Started, TrainEvent, TrainingWarning, TrainResult, Validated,
)
from studio.engine.training.config import TrainConfig, TrainingError
from studio.engine.training.device import (
    DeviceChoice, choose_device, choose_precision, cpu_has_fast_bf16, is_out_of_memory, precision_name, usable_cores,
)
from studio.engine.training.state import EMA
from studio.engine.training.trainer import Trainer, TrainStepContext, holdout_split, lr_factor

__all__ = [
    "DeviceChoice", "EMA", "Failed", "Paused", "Preview", "Progress", "Saved", "Started", "TrainConfig",
    "TrainEvent", "TrainResult", "TrainStepContext", "Trainer", "TrainingError", "TrainingWarning", "Validated",
    "choose_device", "choose_precision", "cpu_has_fast_bf16", "holdout_split", "is_out_of_memory", "lr_factor", "precision_name",
    "usable_cores",
]
