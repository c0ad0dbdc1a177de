"""Training: the Trainer (the loop), its config, device and precision, and checkpoint state.

    trainer.py   Trainer and the StepContext it hands to Family.train_step
    config.py    TrainConfig, TrainingError
    device.py    choose_device, choose_precision and what the CPU is fast at
    state.py     EMA; a session's state as checkpoint tensors and back
    speed.py     SpeedEstimate: a few real steps timed before a run
    quality.py   QualityMeter: sample quality (KID) measured every few minutes while training
The events the Trainer yields are in studio.engine.events.
"""
from studio.engine.events import (
    Failed, Measured, Paused, Preview, Progress, Saved, Started, TrainEvent, TrainingWarning, TrainResult, Validated,
)
from studio.engine.training.config import TrainConfig, TrainingError
from studio.engine.training.device import (
    DeviceChoice, available_devices, choose_device, choose_precision, cpu_bf16_probe, cpu_has_fast_bf16,
    is_out_of_memory, precision_name, usable_cores,
)
from studio.engine.training.speed import SpeedEstimate, measure_speed
from studio.engine.training.state import EMA
from studio.engine.training.trainer import Trainer, TrainStepContext, holdout_split, lr_factor

__all__ = [
    "DeviceChoice", "EMA", "Failed", "Measured", "Paused", "Preview", "Progress", "Saved", "SpeedEstimate", "Started",
    "TrainConfig", "TrainEvent", "TrainResult", "TrainStepContext", "Trainer", "TrainingError", "TrainingWarning",
    "Validated", "available_devices", "choose_device", "choose_precision", "cpu_bf16_probe", "cpu_has_fast_bf16",
    "holdout_split", "is_out_of_memory", "lr_factor", "measure_speed", "precision_name", "usable_cores",
]
