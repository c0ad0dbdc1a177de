"""The held-out watch: the best validation so far (the Trainer keeps its weights as best.safetensors) and
overfitting, seen as the held-out loss rising while the training loss keeps falling.

    watch = HeldOutWatch()
    improved, warning = watch.observe(step, stage, key, held_out=0.41, train=0.35)

The key is the family's `held_out_objective(step)`: one loss per stage (a multi-stage family starts over at
each stage, its best then being the new stage's). Validation is noisy, so overfitting is said only after
`PATIENCE` validations in a row above the best by more than `MARGIN` of it, with the training loss, averaged
since the previous validation, below what it was at the best; said once per stage.
"""
from __future__ import annotations

from typing import Any

from studio.engine.messages import Message

PATIENCE = 2          # validations in a row above the best before overfitting is said
MARGIN = 0.02         # above the best by more than this share of it (noise of a fixed held-out set is smaller)


class HeldOutWatch:
    def __init__(self) -> None:
        self._start(None, None)

    def _start(self, stage: str | None, key: str | None) -> None:
        self.stage, self.key = stage, key
        self.best: float | None = None
        self.best_step = 0
        self.train_at_best: float | None = None
        self.worse = 0                         # validations in a row above the best by more than MARGIN
        self.warned = False

    def state(self) -> dict[str, Any]:
        return dict(vars(self))

    def restore(self, saved: Any) -> None:
        if isinstance(saved, dict):
            for name in vars(self):
                if name in saved:
                    setattr(self, name, saved[name])

    def observe(self, step: int, stage: str, key: str, held_out: float,
                train: float | None) -> tuple[bool, Message | None]:
        """A validation's value of `key`, and the training loss of `key` since the previous one. Returns
        whether it is the best so far of this stage, and a warning the first time the model overfits."""
        if (stage, key) != (self.stage, self.key):
            self._start(stage, key)
        if self.best is None or held_out < self.best:
            self.best, self.best_step, self.train_at_best, self.worse = held_out, step, train, 0
            return True, None
        rising = held_out > self.best + MARGIN * abs(self.best)
        falling = train is not None and self.train_at_best is not None and train < self.train_at_best
        self.worse = self.worse + 1 if rising and falling else 0
        if self.worse >= PATIENCE and not self.warned:
            self.warned = True
            return False, Message("training.overfitting", key=key, best=self.best, best_step=self.best_step,
                                  now=held_out, step=step)
        return False, None
