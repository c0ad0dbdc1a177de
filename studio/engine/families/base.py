"""The Family contract and the registry.

A family is one kind of generative model (VAE, GAN, diffusion, ...). The
Trainer, the CLI and the app only talk to families through this contract, and
the app never asks "which family is this": it reads `capabilities` and
`sample_options()`. A new family appears everywhere by putting a module in
`studio/engine/families/` that decorates its class with `@register`.

Boundaries (see DESIGN.md):
- `modules()`       the named nn.Modules: checkpointed, EMA'd, moved to device
- `train_step()`    one optimisation step; the family owns its optimizer steps
                    and calls `ctx.optimize(name, loss)` for each
- `sample()`        an iterator of Frames; the last one is the result
- by capability:    encode/decode, latent_directions, log_likelihood
Images cross this boundary as uint8 numpy arrays (N, H, W, C); latents as
float32 numpy arrays. Tensors stay inside the engine.
"""
from __future__ import annotations

import dataclasses
import json
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from typing import Any, ClassVar, Iterator, Mapping, Protocol

import numpy as np
import torch
from torch import nn

from studio.engine.messages import EngineError, Message

# Capability names the UI reads.
LATENT = "latent"            # a latent space to move through: latent_shape, decode, latent_directions
ENCODE = "encode"            # images -> latents -> images: encode, decode
PROMPT = "prompt"            # sample(prompt=...) conditions on text
PROGRESSIVE = "progressive"  # sample() yields many frames (denoising steps, rows)
LIKELIHOOD = "likelihood"    # log_likelihood(images) in bits per dimension
KNOWN_CAPABILITIES = frozenset({LATENT, ENCODE, PROMPT, PROGRESSIVE, LIKELIHOOD})


class ConfigError(EngineError, ValueError):
    """A config value is invalid; the message says what to change."""


@dataclass(frozen=True)
class FamilyConfig:
    """Base of every family's frozen config dataclass.

    Subclasses add fields (with defaults) and fill `presets`: named partial
    configs such as "tiny", "small", "base". Validation goes in
    `__post_init__` and raises ConfigError with a message that says what to
    change.
    """

    presets: ClassVar[dict[str, dict[str, Any]]] = {}
    # The app's one-click recipes ("quick", "balanced", "quality") pick a preset by its place in `presets`; on a
    # CPU, where a bigger model gets far fewer steps in the recipe's minutes, these recipe -> preset names win.
    cpu_recipe_presets: ClassVar[dict[str, str]] = {}
    # A run measured in minutes on a CPU at this image side (exactly) trains this lighter preset when the recipe's
    # or the default one is larger: where the default learns too slowly in a few CPU-minutes to draw at all.
    cpu_timed_presets: ClassVar[dict[int, str]] = {}
    # What a setting meant in configs saved before it existed, where today's default differs: a run saved before
    # the setting was added resumes as it was trained (`from_saved`).
    saved_defaults: ClassVar[dict[str, Any]] = {}
    # Settings older runs saved that moved to TrainConfig, old name -> TrainConfig field: `from_saved` drops them
    # (an old run still opens and samples) and Trainer.resume carries their value over.
    moved_to_train: ClassVar[dict[str, str]] = {}

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), indent=2, sort_keys=True)

    @classmethod
    def from_dict(cls, values: Mapping[str, Any]):
        names = {f.name for f in dataclasses.fields(cls)}
        unknown = sorted(set(values) - names)
        if unknown:
            raise ConfigError("config.unknown_settings", config=cls.__name__, names=", ".join(unknown),
                              known=", ".join(sorted(names)))
        kwargs = {}
        for f in dataclasses.fields(cls):
            if f.name in values:
                value = values[f.name]
                # JSON has no tuples: restore them where the field default is one.
                if isinstance(value, list) and isinstance(f.default, tuple):
                    value = tuple(value)
                kwargs[f.name] = value
        return cls(**kwargs)

    @classmethod
    def from_saved(cls, values: Mapping[str, Any]):
        """A config read back from a run folder or an archive: the settings it predates take `saved_defaults`."""
        kept = {k: v for k, v in values.items() if k not in cls.moved_to_train}
        return cls.from_dict({**cls.saved_defaults, **kept})

    @classmethod
    def from_json(cls, text: str):
        return cls.from_dict(json.loads(text))

    @classmethod
    def from_preset(cls, name: str = "small", **overrides):
        if name not in cls.presets:
            raise ConfigError("config.unknown_preset", name=name, choices=", ".join(cls.presets))
        return cls.from_dict({**cls.presets[name], **overrides})

    def replace(self, **changes):
        return dataclasses.replace(self, **changes)


@dataclass(frozen=True)
class DataInfo:
    """What a family needs to know about its dataset to build itself."""

    image_size: int
    channels: int
    label_names: tuple[str, ...] = ()
    has_captions: bool = False
    vocabulary: tuple[str, ...] = ()   # words of the captions and label names (engine/text.py), for prompts

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)

    @classmethod
    def from_dict(cls, values: Mapping[str, Any]) -> "DataInfo":
        return cls(
            image_size=int(values["image_size"]),
            channels=int(values["channels"]),
            label_names=tuple(values.get("label_names", ())),
            has_captions=bool(values.get("has_captions", False)),
            vocabulary=tuple(values.get("vocabulary", ())),
        )


@dataclass(frozen=True)
class Frame:
    """One picture of where sampling stands.

    images:  (N, H, W, C) uint8, the main images of this step
    step:    1-based index of this frame; total: how many frames there will be
    label:   what this frame shows ("step 3/20", "row 5/32", "samples"): a Message ("frame.*"), or "" for none
    extras:  further named image sets of the same N, e.g. diffusion's
             predicted clean images ("x0") or a VAE preview's "input" and
             "reconstruction" rows
    """

    images: np.ndarray
    step: int = 1
    total: int = 1
    label: str = ""
    extras: Mapping[str, np.ndarray] = field(default_factory=dict)

    @property
    def is_last(self) -> bool:
        return self.step >= self.total


@dataclass(frozen=True)
class Batch:
    """A training batch on the training device.

    images:   (B, C, H, W) float in [-1, 1]
    labels:   (B,) int64 indices into DataInfo.label_names, or None
    captions: B strings ("" where an image has none), or None
    """

    images: torch.Tensor
    labels: torch.Tensor | None = None
    captions: tuple[str, ...] | None = None

    def __len__(self) -> int:
        return self.images.shape[0]


@dataclass(frozen=True)
class SampleOption:
    """One sampling option the app shows as a control and the CLI as --opt."""

    name: str
    kind: str  # "float" | "int" | "choice" | "bool" | "str" (free text, e.g. a negative prompt)
    default: Any
    minimum: float | None = None
    maximum: float | None = None
    choices: tuple[str, ...] = ()
    help: str = ""
    # (value,): what an image whose parameters do not name this option was drawn with, where that is not the
    # default (the option came, or its default changed, after images were written without it); (): the default
    drawn_before: tuple = ()

    def fit(self, value: Any) -> tuple[bool, Any]:
        """(True, value as this option's control holds it), or (False, None) when it cannot hold it."""
        try:
            if self.kind == "bool":
                return (True, value) if isinstance(value, bool) else (False, None)
            if self.kind == "choice":
                text = str(value)
                return (True, text) if text in [str(c) for c in self.choices] else (False, None)
            if self.kind not in ("int", "float"):
                return True, str(value)
            if isinstance(value, bool):
                return False, None
            number = float(value)
            if self.kind == "int":
                if number != int(number):
                    return False, None
                number = int(number)
            low = self.minimum if self.minimum is not None else -np.inf
            high = self.maximum if self.maximum is not None else np.inf
            return (True, number) if low <= number <= high else (False, None)
        except (TypeError, ValueError, OverflowError):
            return False, None                            # a value of the wrong kind

    def check(self, value: Any) -> Any:
        """The value as the option holds it; ConfigError naming the option and what it takes otherwise."""
        fits, held = self.fit(value)
        if fits:
            return held
        if self.kind == "choice":
            raise ConfigError("config.one_of", name=self.name, choices=", ".join(map(str, self.choices)), value=value)
        if self.kind == "bool":
            raise ConfigError("sample.option_bool", name=self.name, value=value)
        low = "-inf" if self.minimum is None else f"{self.minimum:g}"
        high = "inf" if self.maximum is None else f"{self.maximum:g}"
        if self.kind == "int":
            raise ConfigError("sample.option_whole", name=self.name, low=low, high=high, value=value)
        raise ConfigError("sample.option_number", name=self.name, low=low, high=high, value=value)


def check_sample_options(options: Mapping[str, Any], declared) -> dict[str, Any]:
    """Typed sampling options (--opt, a script's) as their controls hold them, checked against the family's
    SampleOptions: ConfigError for a value of the wrong kind or out of range. Names not declared are left to
    the caller, who knows how to say so."""
    by_name = {o.name: o for o in declared}
    return {name: by_name[name].check(value) if name in by_name else value for name, value in options.items()}


@dataclass(frozen=True)
class LatentDirection:
    """A named direction in latent space with the range a slider should span."""

    name: str           # a Message ("direction.*"), or the user's own word for an "attribute" direction
    vector: np.ndarray  # (D,) float32 unit vector
    low: float = -3.0
    high: float = 3.0
    kind: str = "dimension"               # "dimension" | "principal" | "attribute" (from the user's labels and words)
    origin: np.ndarray | None = None      # (D,) where a preview strip starts, e.g. the dataset's mean latent
    help: str = ""                        # one line for a tooltip: how the direction was found (a Message)


class StepContext(Protocol):
    """What the Trainer hands to `train_step` (implemented in training.py)."""

    step: int             # optimisation steps done so far in this run
    fraction: float       # share of the run's steps or minutes done, whichever is further (0 to 1)
    device: torch.device

    def autocast(self) -> AbstractContextManager: ...

    def optimize(self, name: str, loss: torch.Tensor) -> bool:
        """Backward, unscale, clip, step and zero the named optimizer.

        Returns False (and changes nothing) when the loss or its gradients are
        not finite; the Trainer counts such skipped steps.
        """

    def warn(self, message: Message) -> None:
        """Tell the user something is going wrong (e.g. a GAN's mode collapse).

        The Trainer yields it as a TrainingWarning; the same message at most
        once every few hundred steps, so a family may call this every step.
        """


class Family:
    """Base class of every model family. Subclasses set the ClassVars."""

    name: ClassVar[str]
    title: ClassVar[str]
    summary: ClassVar[str]          # one line, for `genstudio families`
    description: ClassVar[str]      # a sentence or two: how it works, good and bad at
    capabilities: ClassVar[frozenset[str]] = frozenset()
    likelihood_kind: ClassVar[str] = "bound"   # with LIKELIHOOD: "exact", or "bound" (an upper bound on bits/dim)
    Config: ClassVar[type[FamilyConfig]]
    convolutional: ClassVar[bool] = True  # channels_last helps it
    order: ClassVar[int] = 100            # place in pickers and lists: the teaching order, quick families first
    train_defaults: ClassVar[dict[str, Any]] = {}  # TrainConfig values that suit this family (lr, batch_size, ...)
    held_out_key: ClassVar[str | None] = None  # the validation loss of how well it fits unseen images (lower: better)

    def __init__(self, config: FamilyConfig, data: DataInfo):
        if not isinstance(config, self.Config):
            raise ConfigError("config.wrong_class", family=self.name, expected=self.Config.__name__,
                              got=type(config).__name__)
        self.config = config
        self.data = data
        self.device = torch.device("cpu")
        self._ema: dict[str, nn.Module] | None = None

    # -- structure -----------------------------------------------------------------
    def modules(self) -> dict[str, nn.Module]:
        """The named modules: what is trained, checkpointed, EMA'd and moved."""
        raise NotImplementedError

    def optimizers(self, lr: float) -> dict[str, torch.optim.Optimizer]:
        """One optimizer per name used in train_step. Default: AdamW over everything."""
        params = [p for m in self.modules().values() for p in m.parameters() if p.requires_grad]
        return {"main": torch.optim.AdamW(params, lr=lr, betas=(0.9, 0.99), weight_decay=0.0)}

    def to(self, device: torch.device, memory_format: torch.memory_format | None = None) -> "Family":
        self.device = torch.device(device)
        for module in self.all_modules():
            module.to(device)
            if memory_format is not None:
                module.to(memory_format=memory_format)
        return self

    def all_modules(self) -> list[nn.Module]:
        mods = list(self.modules().values())
        if self._ema:
            mods += list(self._ema.values())
        return mods

    def train(self, mode: bool = True) -> None:
        """Put the trained modules in training (or evaluation) mode."""
        for module in self.modules().values():
            module.train(mode)

    def eval(self) -> None:
        self.train(False)

    def use_ema(self, ema_modules: dict[str, nn.Module] | None) -> None:
        """Sampling, previews and encode/decode use these (EMA) copies when set."""
        self._ema = ema_modules

    def eval_module(self, name: str) -> nn.Module:
        """The module sampling should use: the EMA copy if there is one."""
        if self._ema and name in self._ema:
            return self._ema[name]
        return self.modules()[name]

    # latent directions fitted to the data by fit_latent_statistics (an engine/latent.py LatentStatistics)
    statistics = None

    def extra_state(self) -> dict[str, torch.Tensor]:
        """Tensors beyond module weights that a checkpoint must keep: here, fitted latent statistics."""
        return self.statistics.to_tensors("latent.") if self.statistics is not None else {}

    def load_extra_state(self, tensors: Mapping[str, torch.Tensor]) -> None:
        """Restore what extra_state() kept: latent statistics that fit this model's latent shape."""
        from studio.engine.latent import LatentStatistics    # latent.py imports this module

        statistics = LatentStatistics.from_tensors(tensors, "latent.")
        if statistics is not None and statistics.mean.shape == tuple(self.latent_shape):
            self.statistics = statistics

    def parameter_count(self) -> int:
        return sum(p.numel() for m in self.modules().values() for p in m.parameters())

    # -- training ------------------------------------------------------------------
    def train_step(self, batch: Batch, ctx: StepContext) -> dict[str, float]:
        raise NotImplementedError

    def validation_losses(self, batch: Batch) -> dict[str, float]:
        """Losses on held-out images at fixed noise (deterministic). Optional."""
        return {}

    def preview(self, batch: Batch, *, seed: int = 0, n: int = 16) -> Iterator[Frame]:
        """What the app shows while training. Default: the frames of sample()."""
        return self.sample(n, seed=seed)

    # -- generation ------------------------------------------------------------------
    @classmethod
    def sample_options(cls) -> list[SampleOption]:
        return []

    def sample(self, n: int, *, seed: int, prompt: str | None = None, **options) -> Iterator[Frame]:
        raise NotImplementedError

    def prompt_warnings(self, prompt: str) -> list[Message]:
        """What to tell the user about a prompt before sampling (e.g. words the
        model never saw); empty when all is well. Never raises for any text."""
        return []

    # -- by capability -------------------------------------------------------------
    @property
    def latent_shape(self) -> tuple[int, ...]:
        raise NotImplementedError(f"{self.name} has no latent space")

    def encode(self, images: np.ndarray) -> np.ndarray:
        raise NotImplementedError(f"{self.name} cannot encode images")

    def decode(self, latents: np.ndarray) -> np.ndarray:
        raise NotImplementedError(f"{self.name} cannot decode latents")

    def latent_directions(self) -> list[LatentDirection]:
        raise NotImplementedError(f"{self.name} has no latent directions")

    def log_likelihood(self, images: np.ndarray) -> np.ndarray:
        raise NotImplementedError(f"{self.name} has no likelihood")

    def fit_latent_statistics(self, images: np.ndarray, labels: np.ndarray | None,
                              captions: tuple[str, ...]) -> None:
        """Called by the Trainer before each checkpoint with the training images
        ((N, H, W, C) uint8), their labels and captions: a latent family fits its
        data-dependent latent directions here (engine/latent.py) and keeps them in
        extra_state(). Default: nothing."""

    def fit_data(self, images: np.ndarray) -> None:
        """Called by the Trainer once, before a new run's first step, with training images ((N, H, W, C) uint8,
        at most ~8k of them): a family that learns something from the pixels themselves before training (Image
        GPT's palette) does it here and keeps it in its modules' buffers. Default: nothing."""

    def held_out_objective(self, step: int) -> str | None:
        """The validation_losses key the Trainer keeps the best checkpoint by and watches for overfitting at
        this step (a multi-stage family: its stage's); None when the family has none (a GAN)."""
        return self.held_out_key

    def training_stage(self, step: int) -> str:
        """What a multi-stage family trains at this step (e.g. "prior (2/2)"); "" for one stage."""
        return ""


# -- helpers families share ----------------------------------------------------------
class FusedAdamW(torch.optim.AdamW):
    """torch.optim.AdamW(fused=True) that also runs its one kernel in place on channels_last weights.

    The fused CPU kernel copies every tensor that is not contiguous to a contiguous one and back, and a
    channels_last conv weight is not: that was four copies per weight per step (benchmarks/RESULTS.md,
    "Optimizer step cost"). Adam is elementwise, so the kernel gets each channels_last weight, gradient and
    moment as the contiguous (O, kH, kW, I) view of the same memory; the result is bit-for-bit the same. A
    tensor whose gradient or state is laid out otherwise is left as it is.
    """

    def __init__(self, params, **kwargs):
        super().__init__(params, fused=True, **kwargs)

    def _init_group(self, group, *lists):            # fills params, grads, exp_avgs, ... for the kernel
        result = super()._init_group(group, *lists)
        params = lists[0]
        if not params:
            return result
        # The lists holding one tensor per weight, index for index (not the 0-dim step counts): weight, grad,
        # exp_avg, exp_avg_sq.
        per_weight = [a for a in lists if isinstance(a, list) and len(a) == len(params)
                      and isinstance(a[0], torch.Tensor) and a[0].shape == params[0].shape]
        for i, p in enumerate(params):
            if p.dim() == 4 and _channels_last_only(p) and all(a[i].stride() == p.stride() for a in per_weight):
                for a in per_weight:
                    a[i] = a[i].permute(0, 2, 3, 1)
        return result

    def load_state_dict(self, state_dict) -> None:
        """As AdamW's; moments saved from channels_last weights come back contiguous: lay them out as the
        weights again, so the kernel keeps running in place after a resume."""
        super().load_state_dict(state_dict)
        for p, state in self.state.items():
            if p.dim() == 4 and _channels_last_only(p):
                for key, value in state.items():
                    if isinstance(value, torch.Tensor) and value.shape == p.shape:
                        state[key] = value.contiguous(memory_format=torch.channels_last)


def _channels_last_only(t: torch.Tensor) -> bool:
    return t.is_contiguous(memory_format=torch.channels_last) and not t.is_contiguous()


def to_uint8_images(x: torch.Tensor) -> np.ndarray:
    """(N, C, H, W) float in [-1, 1] -> (N, H, W, C) uint8 numpy."""
    x = ((x.detach().float().clamp(-1, 1) + 1) * 127.5).round().to(torch.uint8)
    return x.permute(0, 2, 3, 1).contiguous().cpu().numpy()


def from_uint8_images(images: np.ndarray, device: torch.device | str = "cpu") -> torch.Tensor:
    """(N, H, W, C) uint8 numpy -> (N, C, H, W) float in [-1, 1]."""
    if images.ndim == 3:  # (H, W, C): one image
        images = images[None]
    x = torch.from_numpy(np.ascontiguousarray(images)).to(device)
    return x.permute(0, 3, 1, 2).float().div(127.5).sub(1.0)


def seeded_normal(n: int, shape: tuple[int, ...], seed: int, device: torch.device | str = "cpu") -> torch.Tensor:
    """(n, *shape) standard normal noise where image i is drawn from seed + i.

    Drawn on the CPU, so the same seed gives the same images on every device, and
    image i of a batch can be regenerated alone with seed + i.
    """
    noise = [torch.randn(shape, generator=torch.Generator().manual_seed(int(seed) + i)) for i in range(n)]
    return torch.stack(noise).to(device) if noise else torch.zeros((0, *shape), device=device)


# -- registry ------------------------------------------------------------------------
_REGISTRY: dict[str, type[Family]] = {}


def register(cls: type[Family]) -> type[Family]:
    """Class decorator: make a family known to the CLI and the app."""
    unknown = set(cls.capabilities) - KNOWN_CAPABILITIES
    if unknown:
        raise ValueError(f"{cls.__name__} declares unknown capabilities {sorted(unknown)}")
    if cls.name in _REGISTRY and _REGISTRY[cls.name] is not cls:
        raise ValueError(f"two families are named {cls.name!r}")
    _REGISTRY[cls.name] = cls
    return cls


def _discover() -> None:
    from studio.engine import families  # noqa: F401  (imports every family module)


def get_family(name: str) -> type[Family]:
    _discover()
    try:
        return _REGISTRY[name]
    except KeyError:
        raise ConfigError("config.unknown_family", name=name, choices=", ".join(sorted(_REGISTRY)) or "none") from None


def all_families() -> list[type[Family]]:
    """Every registered family, in `order` (then by name): the first is the default choice."""
    _discover()
    return sorted(_REGISTRY.values(), key=lambda cls: (cls.order, cls.name))
