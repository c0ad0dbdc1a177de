"""What made an image (one frozen dataclass), and recalling it into a model's sampling controls.

A generated image carries its Provenance (CONVENTIONS.md, "Formats"): the model that drew it (family,
run, checkpoint, its hash and step), how (seed, prompt, every sampling option, the precision it drew
in, the latent position of a latent-slider image) and genstudio's version. export.py writes it twice
into the image, as the `genstudio` JSON (to_dict) and as AUTOMATIC1111's `parameters` text (to_a1111),
and reads either back (from_dict, from_a1111), from images written before this class existed too.

    made = model.for_image(seed=7, prompt="red circle", options={"steps": 20}, image_size=32, version=v)
    result = recall(Provenance.from_a1111(text), family.sample_options(), takes_prompt=True)
    result.values["steps"], result.not_set          # what to put in the controls; what could not be, and why

recall decides; the app only applies the values to its widgets and says what was (not) used.
"""
from __future__ import annotations

import json
import re
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any, Mapping, Sequence

import numpy as np

GENSTUDIO, A1111 = "genstudio", "a1111"          # Provenance.source: where the parameters were read from
MAX_SEED = 2**31 - 1
NEGATIVE = "negative"                              # the sampling option that holds the negative prompt
# Sampling options that also stand at the top level of the JSON, where the AUTOMATIC1111 `parameters`
# line reads them (option name -> JSON key).
A1111_OPTIONS = {NEGATIVE: "negative_prompt", "steps": "steps", "sampler": "sampler", "guidance": "guidance"}

_TEXTS = ("family", "model", "run", "checkpoint", "checkpoint_hash", "prompt", "precision", "latent_source",
          "version")
# What drew an image written before the precision was recorded: sampling ran in fp32 only.
PRECISION_BEFORE_RECORDED = "fp32"
_WHOLES = ("checkpoint_step", "seed", "batch_seed", "index", "latent_seed", "width", "height")


@dataclass(frozen=True)
class Provenance:
    """What made an image, as its `genstudio` JSON holds it; None where the image does not say.

    The same class describes a model before it draws (the first six fields), and what Explore and the
    CLI hand over. `options` and the mappings are read-only by convention (a frozen dataclass cannot
    freeze a dict).
    """

    family: str | None = None
    model: str | None = None                 # the run folder's name (AUTOMATIC1111's `Model`)
    run: str | None = None                   # the run folder
    checkpoint: str | None = None            # the checkpoint file that drew it
    checkpoint_hash: str | None = None       # checkpoint.file_hash of that file
    checkpoint_step: int | None = None
    seed: int | None = None                  # image `index` of a Generate is drawn from batch_seed + index
    batch_seed: int | None = None
    index: int | None = None
    prompt: str | None = None
    options: Mapping[str, Any] | None = None     # every sampling option, the negative prompt included
    precision: str | None = None             # what the networks ran in while it drew: "fp32" or "bf16"
    latent: tuple | None = None              # a latent-slider image: its exact position, flattened
    latent_seed: int | None = None           # where those sliders started: a seed's latent ...
    latent_source: str | None = None         # ... or an encoded image's file name
    width: int | None = None
    height: int | None = None
    version: str | None = None               # genstudio's
    source: str = GENSTUDIO                  # A1111: read from another tool's `parameters` text
    fields: Mapping[str, str] = field(default_factory=dict)   # A1111: every `key: value` pair, as text
    extra: Mapping[str, Any] = field(default_factory=dict)    # anything else the image carries (grid, frame, ...)

    def __post_init__(self):
        if self.latent is not None and not isinstance(self.latent, tuple):
            object.__setattr__(self, "latent", tuple(self.latent))

    # -- describing an image ---------------------------------------------------------------------------
    def for_image(self, *, seed: int, prompt: str | None, options: Mapping[str, Any], image_size: int | None,
                  version: str, precision: str | None = None) -> Provenance:
        """This model's provenance for an image it draws now: seed, prompt (None: it takes none), every option,
        the sampling precision (inference.choose_sampling_precision's name; None: as this provenance says)."""
        return replace(self, seed=int(seed), prompt=prompt or "", options=dict(options), width=image_size,
                       height=image_size, version=version, precision=precision or self.precision)

    def updated(self, **values: Any) -> Provenance:
        """A copy with these values: named fields set, any other key added to `extra` (grid=4, frame=2)."""
        named = {f.name for f in fields(self)}
        return replace(self, **{k: v for k, v in values.items() if k in named},
                       extra={**self.extra, **{k: v for k, v in values.items() if k not in named}})

    @property
    def negative_prompt(self) -> str:
        """The `negative` option, or (an image whose options lack it) the top-level copy."""
        value = (self.options or {}).get(NEGATIVE, self.extra.get("negative_prompt"))
        return value if isinstance(value, str) else ""

    def names_other_model(self, shown: Provenance | None) -> bool:
        """Whether this genstudio image names another run or checkpoint than `shown` (None: no model shown)."""
        unreadable = self.extra.get("run") or self.extra.get("checkpoint_hash")     # of the wrong kind
        if self.source == A1111 or not (self.run or self.checkpoint_hash or unreadable):
            return False
        if shown is None or unreadable:
            return True
        if self.run and shown.run and not same_path(self.run, shown.run):
            return True
        return bool(self.checkpoint_hash and shown.checkpoint_hash and self.checkpoint_hash != shown.checkpoint_hash)

    # -- the `genstudio` JSON --------------------------------------------------------------------------
    def to_dict(self) -> dict[str, Any]:
        """The JSON object an image carries: every field that is set, each sampling option of A1111_OPTIONS
        also at the top level, then `extra`. A1111 parameters give parse_a1111_parameters' shape."""
        if self.source == A1111:
            return self._a1111_dict()
        out: dict[str, Any] = {name: getattr(self, name) for name in (*_TEXTS, *_WHOLES)
                               if getattr(self, name) is not None}
        if self.options is not None:
            out["options"] = dict(self.options)
            out.update({key: self.options[name] for name, key in A1111_OPTIONS.items()
                        if self.options.get(name) not in (None, "")})
        if self.latent is not None:
            out["latent"] = list(self.latent)
        return {**out, **self.extra}

    @classmethod
    def from_dict(cls, params: Mapping[str, Any]) -> Provenance:
        """Read a `genstudio` JSON object (any genstudio version) or parse_a1111_parameters' dict.

        Keys it does not name, and values of the wrong kind for a field (junk never raises), go to
        `extra` as written, so from_dict(d).to_dict() == d.
        """
        if params.get("source") == A1111:
            return cls._from_a1111_dict(params)
        named: dict[str, Any] = {}
        named.update({k: params[k] for k in _TEXTS if isinstance(params.get(k), str)})
        named.update({k: params[k] for k in _WHOLES if _is_whole(params.get(k))})
        if isinstance(params.get("options"), Mapping):
            named["options"] = dict(params["options"])
        if isinstance(params.get("latent"), (list, tuple)):
            named["latent"] = tuple(params["latent"])
        provenance = cls(**named)
        derived = provenance.to_dict()           # the top-level option copies it writes itself
        kept = {k: v for k, v in params.items()
                if not (k in named or (k == "source" and v == GENSTUDIO)
                        or (k in A1111_OPTIONS.values() and k in derived and derived[k] == v))}
        return replace(provenance, extra=kept)

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), sort_keys=True, default=str)

    @classmethod
    def from_json(cls, text: str | bytes) -> Provenance | None:
        """The provenance in a `genstudio` chunk's text; None when it is not a JSON object."""
        try:
            value = json.loads(text)
        except (TypeError, ValueError):
            return None
        return cls.from_dict(value) if isinstance(value, dict) else None

    # -- AUTOMATIC1111's `parameters` text -------------------------------------------------------------
    def to_a1111(self) -> str:
        """The AUTOMATIC1111 `parameters` text (CONVENTIONS.md): the prompt, `Negative prompt: …`, then
        `Steps: …, Sampler: …, CFG scale: …, Seed: …, Size: WxH, Model hash: …, Model: …, Version: …`."""
        return a1111_text(self.to_dict())

    @classmethod
    def from_a1111(cls, text: Any) -> Provenance:
        """What another tool's `parameters` text says, in genstudio's names (steps, sampler, guidance and
        the negative prompt as options). Never raises: junk gives what could be read."""
        return cls._from_a1111_dict(parse_a1111_parameters(text))

    def _a1111_dict(self) -> dict[str, Any]:
        options = self.options or {}
        out: dict[str, Any] = {"source": A1111, "prompt": self.prompt or "", "negative_prompt": self.negative_prompt,
                               "fields": dict(self.fields)}
        out.update({name: options[name] for name in ("steps", "sampler", "guidance") if name in options})
        out.update({name: getattr(self, name) for name in ("seed", "width", "height", "checkpoint_hash", "model")
                    if getattr(self, name) is not None})
        return out

    @classmethod
    def _from_a1111_dict(cls, params: Mapping[str, Any]) -> Provenance:
        options = {name: params[name] for name in ("steps", "sampler", "guidance") if name in params}
        if params.get("negative_prompt"):
            options[NEGATIVE] = params["negative_prompt"]
        named = {k: params[k] for k in ("model", "checkpoint_hash") if isinstance(params.get(k), str)}
        named.update({k: params[k] for k in ("seed", "width", "height") if _is_whole(params.get(k))})
        fields_ = params.get("fields") if isinstance(params.get("fields"), Mapping) else {}
        return cls(source=A1111, prompt=str(params.get("prompt") or ""), options=options, fields=dict(fields_), **named)


def as_provenance(params: Provenance | Mapping[str, Any] | None) -> Provenance:
    """A Provenance as it is, or read from a JSON-shaped mapping (None: nothing known)."""
    if isinstance(params, Provenance):
        return params
    return Provenance.from_dict(params or {})


def _is_whole(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def same_path(a: str, b: str) -> bool:
    """Whether two paths name the same file or folder (as written when it cannot be resolved)."""
    try:
        return Path(a).expanduser().resolve() == Path(b).expanduser().resolve()
    except (OSError, RuntimeError):
        return a == b


# -- the AUTOMATIC1111 `parameters` text ----------------------------------------------------------
def _a1111_value(value: Any) -> str:
    """A value as AUTOMATIC1111 writes it: JSON-quoted when it holds `,`, `:` or a newline."""
    text = str(value)
    return json.dumps(text, ensure_ascii=False) if any(ch in text for ch in ",:\n") else text


def a1111_text(params: Mapping[str, Any]) -> str:
    """The AUTOMATIC1111 `parameters` text of a JSON-shaped parameters object (its top-level keys)."""
    lines = [str(params.get("prompt") or "")]
    if params.get("negative_prompt"):
        lines.append(f"Negative prompt: {params['negative_prompt']}")
    pairs = {
        "Steps": params.get("steps"), "Sampler": params.get("sampler"),
        "CFG scale": params.get("guidance"), "Seed": params.get("seed"), "Precision": params.get("precision"),
        "Size": f"{params['width']}x{params['height']}" if params.get("width") and params.get("height") else None,
        "Model hash": params.get("checkpoint_hash"), "Model": params.get("model"),
        "Version": f"genstudio {params.get('version', '')}".strip(),
    }
    lines.append(", ".join(f"{k}: {_a1111_value(v)}" for k, v in pairs.items() if v not in (None, "")))
    return "\n".join(lines)


# The same grammar as AUTOMATIC1111's own reader (modules/infotext_utils.py, parse_generation_parameters):
# the last line holds `key: value` pairs when it has at least three of them; the lines before it are
# the prompt, then, from a line starting `Negative prompt:`, the negative prompt. A value in double
# quotes is JSON.
_A1111_PAIR = re.compile(r'\s*(\w[\w \-/]+):\s*("(?:\\.|[^\\"])+"|[^,]*)(?:,|$)')
_A1111_SIZE = re.compile(r"^\s*(\d+)\s*x\s*(\d+)\s*$")
# A1111 field -> (genstudio parameter, how to read it)
_A1111_FIELDS = {"Steps": ("steps", int), "Sampler": ("sampler", str), "CFG scale": ("guidance", float),
                 "Seed": ("seed", int), "Model hash": ("checkpoint_hash", str), "Model": ("model", str)}
A1111_LABELS = {"steps": "Steps", "guidance": "CFG scale", "sampler": "Sampler"}     # option -> A1111's name


def _a1111_unquote(value: str) -> str:
    value = value.strip()
    if len(value) >= 2 and value[0] == '"' and value[-1] == '"':
        try:
            decoded = json.loads(value)
            return decoded if isinstance(decoded, str) else value
        except ValueError:
            return value[1:-1]
    return value


def _split_prompts(lines: list[str]) -> tuple[str, str]:
    prompt: list[str] = []
    negative: list[str] = []
    for line in lines:
        line = line.strip()
        if not negative and line.startswith("Negative prompt:"):
            negative.append(line[len("Negative prompt:"):].strip())
        elif negative:
            negative.append(line)
        else:
            prompt.append(line)
    return "\n".join(prompt).strip(), "\n".join(negative).strip()


def parse_a1111_parameters(text: Any) -> dict[str, Any]:
    """What an AUTOMATIC1111 `parameters` text says, in genstudio's parameter names.

    Returns `prompt`, `negative_prompt` and, where present and readable, `steps`, `sampler`,
    `guidance` (CFG scale), `seed`, `width`/`height` (Size), `checkpoint_hash` (Model hash) and
    `model`; `fields` holds every `key: value` pair as text, and `source` is "a1111". Never raises:
    junk gives what could be read (at least empty prompts); a value of the wrong kind is left out.
    """
    result: dict[str, Any] = {"source": A1111, "prompt": "", "negative_prompt": "", "fields": {}}
    if isinstance(text, bytes):
        text = text.decode("utf-8", errors="replace")
    if not isinstance(text, str):
        return result
    text = text.replace("\r\n", "\n").replace("\x00", "").strip()
    if not text:
        return result
    *lines, last = text.split("\n")
    if len(_A1111_PAIR.findall(last)) < 3:
        lines.append(last)
        last = ""
    result["prompt"], result["negative_prompt"] = _split_prompts(lines)
    pairs = {key.strip(): _a1111_unquote(value) for key, value in _A1111_PAIR.findall(last)}
    result["fields"] = pairs
    for key, (name, kind) in _A1111_FIELDS.items():
        if not pairs.get(key):
            continue
        try:
            value = kind(float(pairs[key])) if kind is int else kind(pairs[key])
        except (TypeError, ValueError, OverflowError):
            continue
        if kind is float and not np.isfinite(value):
            continue
        result[name] = value
    size = _A1111_SIZE.match(pairs.get("Size", ""))
    if size:
        result["width"], result["height"] = int(size.group(1)), int(size.group(2))
    return result


# -- recalling parameters into a model's controls ---------------------------------------------------
SEED, PROMPT_TEXT, LATENT_POSITION = "seed", "prompt", "latent"      # Recall.values' names besides the options
PRECISION = "precision"              # Recall.values: the sampling precision to draw in again (genstudio images only)
# Recalled.why: why a value could not be set
NOT_TAKEN = "not taken"              # the model takes no prompt / no negative prompt
OUT_OF_RANGE = "out of range"        # a seed outside 0 … MAX_SEED
NO_SUCH_OPTION = "no such option"    # the model has no sampling option of that name
NOT_ALLOWED = "not allowed"          # the option cannot hold that value (kind, range)
NOT_A_CHOICE = "not a choice"        # a sampler the model does not have (Recalled.choices: those it has)
DOES_NOT_FIT = "does not fit"        # a latent position of another shape, or a model with no latent space


@dataclass(frozen=True)
class Recalled:
    """One thing an image's parameters say, set or (why != "") not."""

    name: str                 # SEED, PROMPT_TEXT, NEGATIVE, LATENT_POSITION or a sampling option's name
    value: Any                # as the image gave it; a sampler matched loosely: the model's own choice
    shown: str = ""           # an option as the image wrote it, for messages: "steps 20", "CFG scale 7"
    why: str = ""
    choices: tuple[str, ...] = ()


@dataclass(frozen=True)
class Recall:
    """What recall() found: the values to put in the controls and what the image said, set and not."""

    source: str                                   # GENSTUDIO or A1111
    values: Mapping[str, Any]                     # name -> value: SEED, PROMPT_TEXT, NEGATIVE, options, LATENT_POSITION
    set: tuple[Recalled, ...]                     # in the order to tell them
    not_set: tuple[Recalled, ...]
    latent_origin: Mapping[str, Any] = field(default_factory=dict)   # where the recalled latent started


def recall(params: Provenance | Mapping[str, Any], options: Sequence | None, *, takes_prompt: bool = True,
           latent_shape: tuple[int, ...] | None = None) -> Recall:
    """What of an image's parameters a model's controls can take.

    options: the model's SampleOptions (None: no model is shown; the prompts wait for one). takes_prompt:
    the model has the prompt capability. latent_shape: its latent's shape when it has a latent space.

    genstudio parameters give the seed, prompt and negative prompt, every option the model has (those
    the image does not name go back to the values they were drawn with, SampleOption.drawn_before, else the
    defaults: the CLI wrote only those given before 2026-12-07), the sampling precision (fp32 for images
    older than its record) and the latent position. AUTOMATIC1111 parameters
    give the prompts where the model takes them, the seed, steps, CFG scale (guidance) and a sampler the
    model has by a loosely equal name.
    """
    provenance = as_provenance(params)
    by_name = {o.name: o for o in options or ()}
    found = _Found()
    if provenance.source == A1111:
        _recall_foreign(provenance, by_name, found, takes_prompt or options is None, options is None)
    else:
        _recall_own(provenance, by_name, found, latent_shape)
    origin = {k: getattr(provenance, k) for k in ("latent_seed", "latent_source") if getattr(provenance, k) is not None}
    return Recall(provenance.source, found.values, tuple(found.set), tuple(found.not_set),
                  origin if LATENT_POSITION in found.values else {})


class _Found:
    def __init__(self):
        self.values: dict[str, Any] = {}
        self.set: list[Recalled] = []
        self.not_set: list[Recalled] = []

    def add(self, name: str, value: Any, told: Any = None, shown: str = "", why: str = "", choices=()) -> None:
        """Set name to value (why == ""), telling it as `told` (default: value); or say why not."""
        if not why:
            self.values[name] = value
        (self.not_set if why else self.set).append(Recalled(name, value if told is None else told, shown, why,
                                                            tuple(choices)))


def _recall_seed(seed: int | None, found: _Found) -> None:
    if seed is not None:
        found.add(SEED, seed, why="" if 0 <= seed <= MAX_SEED else OUT_OF_RANGE)


def _recall_own(provenance: Provenance, by_name: dict, found: _Found, latent_shape) -> None:
    _recall_seed(provenance.seed, found)
    if provenance.prompt is not None:                 # an empty prompt too: it drew unconditioned
        found.values[PROMPT_TEXT] = provenance.prompt
        if provenance.prompt:
            found.set.append(Recalled(PROMPT_TEXT, provenance.prompt))
    found.values[PRECISION] = provenance.precision or PRECISION_BEFORE_RECORDED   # no control shows it: not in set
    negative = provenance.negative_prompt
    found.values[NEGATIVE] = negative
    if negative:
        found.set.append(Recalled(NEGATIVE, negative))
    given = provenance.options or {}
    for name, value in given.items():
        if name == NEGATIVE:
            continue
        fits, held = by_name[name].fit(value) if name in by_name else (False, None)
        why = "" if fits else (NOT_ALLOWED if name in by_name else NO_SUCH_OPTION)
        found.add(name, held, value, f"{name} {value}", why)
    for name, option in by_name.items():
        if name not in given and name != NEGATIVE:    # not written: it was at its default of the time
            found.values[name] = option.drawn_before[0] if option.drawn_before else option.default
    if provenance.latent is not None:
        z = _latent(provenance.latent, latent_shape)
        found.add(LATENT_POSITION, z, provenance.latent, why="" if z is not None else DOES_NOT_FIT)


def _recall_foreign(provenance: Provenance, by_name: dict, found: _Found, takes_prompt: bool,
                    no_model: bool) -> None:
    if provenance.prompt:
        found.add(PROMPT_TEXT, provenance.prompt, why="" if takes_prompt else NOT_TAKEN)
    if provenance.negative_prompt:
        found.add(NEGATIVE, provenance.negative_prompt, why="" if no_model or NEGATIVE in by_name else NOT_TAKEN)
    _recall_seed(provenance.seed, found)
    given = provenance.options or {}
    for name in ("steps", "guidance"):
        if name not in given:
            continue
        label = A1111_LABELS[name]
        fits, held = by_name[name].fit(given[name]) if name in by_name else (False, None)
        why = "" if fits else (NOT_ALLOWED if name in by_name else NO_SUCH_OPTION)
        found.add(name, held, given[name], f"{label} {provenance.fields.get(label, given[name])}", why)
    sampler = given.get("sampler")
    if sampler:
        option = by_name.get("sampler")
        choices = [str(c) for c in option.choices] if option is not None and option.kind == "choice" else []
        match = next((c for c in choices if _sampler_key(c) == _sampler_key(sampler)), None)
        if match is not None:
            found.add("sampler", match)
        else:
            found.add("sampler", None, sampler, why=NOT_A_CHOICE if choices else NO_SUCH_OPTION, choices=choices)


def _sampler_key(name: Any) -> str:
    """A sampler name compared loosely: `DPM++ 2M` is `dpm++2m`, `DDIM` is `ddim`."""
    return "".join(ch for ch in str(name).lower() if ch not in " _-")


def _latent(latent: Sequence, shape: tuple[int, ...] | None) -> np.ndarray | None:
    """A recorded latent position as this model's latent (float32, its shape), or None when it does not fit."""
    if shape is None:
        return None
    try:
        z = np.asarray(latent, dtype=np.float32)
    except (TypeError, ValueError):
        return None
    if z.size != int(np.prod(shape)) or not np.all(np.isfinite(z)):
        return None
    return z.reshape(tuple(shape))
