"""Noise schedules and samplers for the diffusion family, split the way diffusers splits them.

A scheduler knows the schedule (alpha_bar_t for t = 0 .. T-1) and how the model's output is read
(epsilon or v); it does not know the model. The caller owns the loop:

    scheduler = make_scheduler("dpm++2m", alphas_cumprod, prediction="v")
    scheduler.set_timesteps(20)
    for t in scheduler.timesteps:
        out = scheduler.step(model(x, t), t, x, generator=generators)
        x = out.prev_sample            # out.pred_original_sample is the predicted clean image

`generator` may be one torch.Generator or a list with one per image (so image i depends on its own
seed only, whatever the batch size). Noise is drawn on the CPU and moved, so it is the same everywhere.

Notation: x_t = sqrt(alpha_bar_t) x_0 + sqrt(1 - alpha_bar_t) eps  (DDPM, https://arxiv.org/abs/2006.11239, eq. 4).
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Sequence

import torch

# -- schedules ------------------------------------------------------------------------------------


def linear_alphas_cumprod(steps: int = 1000, beta_start: float = 1e-4, beta_end: float = 0.02) -> torch.Tensor:
    """alpha_bar_t of DDPM's linear beta schedule (https://arxiv.org/abs/2006.11239, section 4), float64."""
    betas = torch.linspace(beta_start, beta_end, steps, dtype=torch.float64)
    return torch.cumprod(1.0 - betas, dim=0)


def cosine_alphas_cumprod(steps: int = 1000, s: float = 0.008) -> torch.Tensor:
    """alpha_bar_t of the cosine schedule (improved DDPM, https://arxiv.org/abs/2102.09672, eq. 17), float64.

    f(t) = cos^2(((t/T + s) / (1 + s)) * pi/2); betas clipped at 0.999 as in the paper.
    """
    t = torch.linspace(0, steps, steps + 1, dtype=torch.float64) / steps
    f = torch.cos((t + s) / (1 + s) * math.pi / 2) ** 2
    betas = (1 - f[1:] / f[:-1]).clamp(max=0.999)
    return torch.cumprod(1.0 - betas, dim=0)


SCHEDULES = {"cosine": cosine_alphas_cumprod, "linear": linear_alphas_cumprod}


def q_sample(x0: torch.Tensor, t: torch.Tensor, noise: torch.Tensor, alphas_cumprod: torch.Tensor) -> torch.Tensor:
    """Forward noising in closed form: x_t = sqrt(ab_t) x0 + sqrt(1 - ab_t) eps (DDPM eq. 4)."""
    ab = alphas_cumprod.to(x0.device)[t].to(x0.dtype).view(-1, *([1] * (x0.dim() - 1)))   # (B, 1, 1, 1)
    return ab.sqrt() * x0 + (1 - ab).sqrt() * noise


def v_target(x0: torch.Tensor, noise: torch.Tensor, ab: torch.Tensor) -> torch.Tensor:
    """v = sqrt(ab) eps - sqrt(1 - ab) x0 (progressive distillation, https://arxiv.org/abs/2202.00512, sec. 4)."""
    return ab.sqrt() * noise - (1 - ab).sqrt() * x0


def split_prediction(model_output: torch.Tensor, x: torch.Tensor, ab: torch.Tensor,
                     prediction: str) -> tuple[torch.Tensor, torch.Tensor]:
    """(x0, eps) from an epsilon- or v-prediction at x_t with alpha_bar ab (broadcastable)."""
    a, s = ab.sqrt(), (1 - ab).sqrt()
    if prediction == "v":                 # x0 = a x_t - s v, eps = s x_t + a v
        return a * x - s * model_output, s * x + a * model_output
    return (x - s * model_output) / a, model_output


def noise_like(x: torch.Tensor, generator: torch.Generator | Sequence[torch.Generator] | None) -> torch.Tensor:
    """Standard normal noise shaped like x, drawn per image when given a list of generators."""
    if isinstance(generator, (list, tuple)):
        noise = torch.stack([torch.randn(x.shape[1:], generator=g, dtype=torch.float32) for g in generator])
    else:
        noise = torch.randn(x.shape, generator=generator, dtype=torch.float32)
    return noise.to(device=x.device, dtype=x.dtype)


# -- schedulers -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class StepOutput:
    prev_sample: torch.Tensor            # x at the next (less noisy) timestep; the clean image after the last step
    pred_original_sample: torch.Tensor   # the model's current estimate of the clean image x0


class Scheduler:
    """The shared part: schedule, timestep spacing, reading the model output, x0 clipping."""

    name = "base"
    stochastic = False

    def __init__(self, alphas_cumprod: torch.Tensor, prediction: str = "v", clip_sample: bool = True):
        if prediction not in ("epsilon", "v"):
            raise ValueError(f"prediction must be 'epsilon' or 'v', not {prediction!r}")
        self.alphas_cumprod = alphas_cumprod.double()
        self.num_train_timesteps = len(alphas_cumprod)
        self.prediction = prediction
        self.clip_sample = clip_sample
        self.timesteps = torch.zeros(0, dtype=torch.long)

    def set_timesteps(self, num_inference_steps: int) -> None:
        """`trailing` spacing: always starts at the last (noisiest) timestep, which few-step sampling
        needs (Lin et al. 2023, https://arxiv.org/abs/2305.08891, section 3.3)."""
        n = int(num_inference_steps)
        if not 1 <= n <= self.num_train_timesteps:
            raise ValueError(f"steps must be between 1 and {self.num_train_timesteps}, not {n}")
        T = self.num_train_timesteps
        steps = torch.round(torch.arange(T, 0, -T / n, dtype=torch.float64)).long() - 1
        self.timesteps = steps[:n]
        self._index = {int(t): i for i, t in enumerate(self.timesteps)}
        self.reset()

    def reset(self) -> None:
        """Forget a multistep solver's history (a new sampling loop begins)."""

    def _alpha_bars(self, t: int) -> tuple[float, float]:
        """alpha_bar at t and at the next timestep of the loop (1.0 after the last: clean)."""
        i = self._index[int(t)]
        prev = self.timesteps[i + 1] if i + 1 < len(self.timesteps) else None
        return float(self.alphas_cumprod[int(t)]), 1.0 if prev is None else float(self.alphas_cumprod[int(prev)])

    def _x0_eps(self, model_output: torch.Tensor, x: torch.Tensor, ab: float) -> tuple[torch.Tensor, torch.Tensor]:
        ab_t = torch.tensor(ab, dtype=x.dtype, device=x.device)
        x0, eps = split_prediction(model_output.to(x.dtype), x, ab_t, self.prediction)
        if self.clip_sample:              # keep x0 in the data range, then make eps agree with it
            x0 = x0.clamp(-1, 1)
            eps = (x - math.sqrt(ab) * x0) / math.sqrt(1 - ab)
        return x0, eps

    def step(self, model_output: torch.Tensor, t, x: torch.Tensor, generator=None) -> StepOutput:
        raise NotImplementedError


class DDPMScheduler(Scheduler):
    """Ancestral sampling from the posterior q(x_prev | x_t, x0) with x0 predicted
    (DDPM, https://arxiv.org/abs/2006.11239, eq. 6-7), generalised to strided timesteps."""

    name = "ddpm"
    stochastic = True

    def step(self, model_output, t, x, generator=None) -> StepOutput:
        ab, ab_prev = self._alpha_bars(t)
        x0, _ = self._x0_eps(model_output, x, ab)
        beta = 1 - ab / ab_prev                                              # beta of the strided step
        mean = (math.sqrt(ab_prev) * beta / (1 - ab)) * x0 + (math.sqrt(1 - beta) * (1 - ab_prev) / (1 - ab)) * x
        variance = (1 - ab_prev) / (1 - ab) * beta                           # beta tilde, eq. 7
        if variance > 0:
            mean = mean + math.sqrt(variance) * noise_like(x, generator)
        return StepOutput(mean, x0)


class DDIMScheduler(Scheduler):
    """DDIM (https://arxiv.org/abs/2010.02502, eq. 12): deterministic when eta = 0, DDPM-like when eta = 1."""

    name = "ddim"

    def __init__(self, alphas_cumprod, prediction="v", clip_sample=True, eta: float = 0.0):
        super().__init__(alphas_cumprod, prediction, clip_sample)
        self.eta = float(eta)
        self.stochastic = self.eta > 0

    def step(self, model_output, t, x, generator=None) -> StepOutput:
        ab, ab_prev = self._alpha_bars(t)
        x0, eps = self._x0_eps(model_output, x, ab)
        sigma = self.eta * math.sqrt((1 - ab_prev) / (1 - ab) * (1 - ab / ab_prev))   # eq. 16
        prev = math.sqrt(ab_prev) * x0 + math.sqrt(max(0.0, 1 - ab_prev - sigma ** 2)) * eps
        if sigma > 0:
            prev = prev + sigma * noise_like(x, generator)
        return StepOutput(prev, x0)


class DPMSolverPPScheduler(Scheduler):
    """DPM-Solver++(2M), the multistep second-order solver in data (x0) prediction
    (Lu et al. 2022, https://arxiv.org/abs/2211.01095, algorithm 2). Good images in 10-25 steps.

    With lambda = log(alpha / sigma) and h = lambda_next - lambda_now:
        x_next = (sigma_next / sigma_now) x - alpha_next (e^-h - 1) D
    where D = x0_now on the first and last step, else (1 + 1/2r) x0_now - (1/2r) x0_before, r = h_before / h.
    """

    name = "dpm++2m"

    def reset(self) -> None:
        self._previous: tuple[torch.Tensor, float] | None = None   # (x0, lambda) of the step before

    def step(self, model_output, t, x, generator=None) -> StepOutput:
        ab, ab_next = self._alpha_bars(t)
        x0, _ = self._x0_eps(model_output, x, ab)
        lam = 0.5 * math.log(ab / (1 - ab))
        if ab_next >= 1.0:                                                   # last step: the clean estimate
            self._previous = None
            return StepOutput(x0, x0)
        lam_next = 0.5 * math.log(ab_next / (1 - ab_next))
        h = lam_next - lam
        d = x0
        if self._previous is not None:
            x0_before, lam_before = self._previous
            r = (lam - lam_before) / h
            d = (1 + 0.5 / r) * x0 - (0.5 / r) * x0_before
        self._previous = (x0, lam)
        return StepOutput(self._update(x, d, ab, ab_next, h, generator), x0)

    def _update(self, x: torch.Tensor, d: torch.Tensor, ab: float, ab_next: float, h: float, generator) -> torch.Tensor:
        """x at the next timestep from x, the data estimate D and the step h in lambda (the ODE form)."""
        return math.sqrt((1 - ab_next) / (1 - ab)) * x - math.sqrt(ab_next) * math.expm1(-h) * d


class DPMSolverPPSDEScheduler(DPMSolverPPScheduler):
    """DPM-Solver++(2M) SDE: the stochastic form of the same multistep solver (Lu et al. 2022,
    https://arxiv.org/abs/2211.01095, appendix; diffusers' algorithm_type="sde-dpmsolver++"). Each step adds
    fresh noise as ancestral DDPM does, which corrects the model's errors of earlier steps:
        x_next = (sigma_next / sigma_now) e^-h x + alpha_next (1 - e^-2h) D + sigma_next sqrt(1 - e^-2h) z
    with D as in DPM-Solver++(2M) and z ~ N(0, I)."""

    name = "dpm++2m-sde"
    stochastic = True

    def _update(self, x, d, ab, ab_next, h, generator):
        sigma_next = math.sqrt(1 - ab_next)
        prev = (sigma_next / math.sqrt(1 - ab) * math.exp(-h)) * x - math.sqrt(ab_next) * math.expm1(-2 * h) * d
        return prev + sigma_next * math.sqrt(-math.expm1(-2 * h)) * noise_like(x, generator)


SAMPLERS = {"dpm++2m": DPMSolverPPScheduler, "dpm++2m-sde": DPMSolverPPSDEScheduler, "ddim": DDIMScheduler,
            "ddpm": DDPMScheduler}


def make_scheduler(name: str, alphas_cumprod: torch.Tensor, prediction: str = "v", eta: float = 0.0) -> Scheduler:
    """The named sampler over a schedule; eta is used by DDIM only."""
    if name not in SAMPLERS:
        raise ValueError(f"unknown sampler {name!r}; choose one of {', '.join(SAMPLERS)}")
    if name == "ddim":
        return DDIMScheduler(alphas_cumprod, prediction, eta=eta)
    return SAMPLERS[name](alphas_cumprod, prediction)
