"""What to train with, for a data set and a device, each setting with why: the one place the CLI's defaults,
the app's recipes (Quick, Balanced, Quality) and `compare` take their settings from.

    plan = plan_training("diffusion", DataFacts.of(dataset), recipe="balanced", device="auto")
    for choice in plan.choices:
        print(choice.name, choice.value, choice.reason)       # "batch_size 64 the family's default ..."
    config = plan.train_config(seed=0)                        # a TrainConfig
    family_config = get_family("diffusion").Config.from_preset(plan.model_preset)

What the user gave (`given`) wins and is said so; a batch they give that would not fit the device's memory is
warned about (`plan.warnings`), one the plan chooses is lowered until it fits. The values themselves are the
families' defaults and the recipes' sizes; changing one is a measured decision (docs/defaults.md,
benchmarks/RESULTS.md), not a rule written here. The recipes themselves are in studio/engine/recipes.py (no
torch: the app's page reads them while the window opens).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Mapping

from studio.engine.messages import Message
from studio.engine.recipes import RECIPES, recipe_preset, timed_preset

DEFAULT_PRESET = "small"
DEFAULT_SIZE = 32


@dataclass(frozen=True)
class DataFacts:
    """What the plan needs to know about the data."""

    images: int
    image_size: int
    channels: int
    labels: int = 0              # classes (folder names); 0 without
    captioned: int = 0           # images with a caption

    @classmethod
    def of(cls, dataset) -> "DataFacts":
        return cls(len(dataset), int(dataset.images.shape[1]), int(dataset.images.shape[3]),
                   len(dataset.label_names), sum(1 for c in dataset.captions if c))


@dataclass(frozen=True)
class Choice:
    name: str                    # a TrainConfig field, or "model_preset" / "image_size" / "sampling_steps"
    value: Any
    reason: Message


@dataclass(frozen=True)
class Plan:
    family: str
    recipe: str                  # "default" or a RECIPES name
    device: str                  # the device chosen ("cpu", "cuda", ...)
    model_preset: str | None
    image_size: int
    train: Mapping[str, Any]     # TrainConfig values
    choices: tuple[Choice, ...]
    warnings: tuple[Message, ...] = ()

    def choice(self, name: str) -> Choice | None:
        return next((c for c in self.choices if c.name == name), None)

    def train_config(self, **more: Any):
        from studio.engine.training.config import TrainConfig

        return TrainConfig(**{**self.train, **more})


def plan_training(family: str, data: DataFacts, *, recipe: str = "default", device: str = "auto",
                  given: Mapping[str, Any] | None = None, check_memory: bool = True) -> Plan:
    """The settings to train `family` on `data` with, on `device`. `given`: what the user set (TrainConfig
    fields, "model_preset", "image_size"); None values count as not given. `check_memory` builds the model
    once to estimate what a batch needs (under a second for the small presets)."""
    from studio.engine.families import get_family
    from studio.engine.training.device import choose_device, choose_precision, precision_name
    from studio.engine.training.trainer import holdout_split

    cls = get_family(family)
    given = {k: v for k, v in (given or {}).items() if v is not None}
    choices: list[Choice] = []
    warnings: list[Message] = []
    train: dict[str, Any] = {**cls.train_defaults}
    # a given TrainConfig field the plan has no rule for (mirror, warmup_steps, holdout, ...) is taken as given
    as_given = sorted(set(given) & _train_fields() - {"minutes", "steps", "lr", "precision", "device", "ema_decay",
                                                      "batch_size"})
    train.update({name: given[name] for name in as_given})
    chosen = choose_device(device)
    on_cpu = chosen.device.type == "cpu"
    cooked = RECIPES.get(recipe)

    def choose(name: str, value: Any, reason: Message) -> Any:
        if name in given:
            value, reason = given[name], Message("plan.given")
        choices.append(Choice(name, value, reason))
        return value

    # the model and the image size
    presets = tuple(cls.Config.presets)
    size = given.get("image_size", cooked.image_size if cooked else DEFAULT_SIZE)
    if cooked is not None:
        preset = recipe_preset(cooked, presets, cls.Config.cpu_recipe_presets if on_cpu else None)
        why = Message("plan.preset_cpu", recipe=recipe) if on_cpu and cls.Config.cpu_recipe_presets.get(recipe) \
            else Message("plan.preset_recipe", recipe=recipe)
    else:
        preset = DEFAULT_PRESET if DEFAULT_PRESET in presets else (presets[0] if presets else None)
        why = Message("plan.preset_default")
    timed = "steps" not in given and ("minutes" in given or cooked is not None)
    lighter = timed_preset(preset, presets, cls.Config.cpu_timed_presets if on_cpu and timed else None, size)
    if lighter != preset:
        preset, why = lighter, Message("plan.preset_cpu_size", size=int(size))
    preset = choose("model_preset", preset, why)
    size = choose("image_size", size,
                  Message("plan.size_recipe", recipe=recipe) if cooked else Message("plan.size_default"))

    # how long
    if "minutes" in given or "steps" in given:
        train["minutes"], train["steps"] = given.get("minutes"), given.get("steps")
        choices.append(Choice("minutes" if "minutes" in given else "steps", given.get("minutes", given.get("steps")),
                              Message("plan.given")))
    elif cooked is not None:
        train["minutes"], train["steps"] = float(cooked.minutes), None
        choices.append(Choice("minutes", cooked.minutes, Message("plan.minutes_recipe", recipe=recipe)))
    else:
        train["steps"], train["minutes"] = train.get("steps", 2000), None
        choices.append(Choice("steps", train["steps"], Message("plan.steps_family", family=family)))

    train["lr"] = choose("lr", train.get("lr", 1e-3), Message("plan.family_default", family=family))
    dtype, precision_reason = choose_precision(chosen.device, given.get("precision", "auto"))
    choose("precision", precision_name(dtype), precision_reason)
    train["precision"] = given.get("precision", "auto")       # the Trainer resolves "auto" the same way
    train["device"] = device
    if "ema_decay" in train or "ema_decay" in given:
        train["ema_decay"] = choose("ema_decay", train.get("ema_decay"), Message("plan.family_default", family=family))

    # the batch: the family's, no more than the training images, and what fits the memory
    wanted = int(train.get("batch_size", 64))
    batch, why = wanted, Message("plan.family_default", family=family)
    train_images = max(1, len(holdout_split(data.images, train.get("holdout", 0.05), 0)[0]))
    if batch > train_images:
        batch, why = train_images, Message("plan.batch_images", images=train_images)
    fit = _memory_fit(cls, preset, data, size, chosen.device, given.get("precision", "auto")) \
        if check_memory else None
    if fit is not None:
        estimate, available = fit
        if "batch_size" in given:
            needed = estimate.at(int(given["batch_size"]))
            if available is not None and needed > available:
                warnings.append(Message("plan.batch_too_big", batch_size=given["batch_size"], needed=_gib(needed),
                                        available=_gib(available), device=chosen.name,
                                        fits=_largest(estimate, available, int(given["batch_size"]))))
        elif available is not None and estimate.at(batch) > available:
            batch = _largest(estimate, available, batch)
            why = Message("plan.batch_memory", available=_gib(available), device=chosen.name)
    train["batch_size"] = choose("batch_size", batch, why)

    steps_option = next((o for o in cls.sample_options() if o.name == "steps"), None)
    if steps_option is not None:
        choices.append(Choice("sampling_steps", steps_option.default, Message("plan.family_default", family=family)))
    choices.extend(Choice(name, given[name], Message("plan.given")) for name in as_given)
    train = {k: v for k, v in train.items() if k in _train_fields()}
    return Plan(family, recipe if cooked else "default", str(chosen.device), preset, int(size), train,
                tuple(choices), tuple(warnings))


def _train_fields() -> set[str]:
    import dataclasses

    from studio.engine.training.config import TrainConfig
    return {f.name for f in dataclasses.fields(TrainConfig)}


def _gib(n: int) -> str:
    return f"{n / 2**30:.1f} GiB"


def _largest(estimate, available: int, wanted: int) -> int:
    from studio.engine.training.memory import largest_batch
    return largest_batch(estimate, available, wanted)


def _memory_fit(cls, preset, data: DataFacts, size: int, device, precision: str):
    """(MemoryEstimate, bytes available) for this model at this size; None when it cannot be estimated."""
    from studio.engine.families.base import ConfigError, DataInfo
    from studio.engine.text import build_vocabulary
    from studio.engine.training.memory import available_memory, estimate_training_memory

    config = cls.Config.from_preset(preset) if preset else cls.Config()
    info = DataInfo(image_size=size, channels=data.channels,
                    label_names=tuple(f"class {i}" for i in range(data.labels)), has_captions=data.captioned > 0,
                    vocabulary=build_vocabulary([]))
    try:
        estimate = estimate_training_memory(cls.name, config, info, precision=precision)
    except (ConfigError, RuntimeError, ValueError):      # a model that cannot be built here: the Trainer says why
        return None
    return estimate, available_memory(device)
