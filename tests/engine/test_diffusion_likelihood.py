"""The diffusion family's bits/dim bound (Diffusion.bits_per_dim, log_likelihood) against cases with known answers:
quantised Gaussian data under the closed-form optimal denoiser (exact NLL known), a miscalibrated denoiser, and a fresh
U-Net (which outputs zero) on demo digits. The references below are independent float64 computations of the bound's
expectation: every one of the T-1 KL terms, the noise integrated by Gauss-Hermite quadrature, clamping included."""
from __future__ import annotations

import math

import numpy as np
import pytest
import torch
from torch import nn

from studio.engine.data import load_dataset
from studio.engine.families.base import Batch, DataInfo, from_uint8_images
from studio.engine.families.diffusion import Diffusion, DiffusionConfig

TINY = DiffusionConfig.from_preset("tiny")
LEVELS = torch.arange(256, dtype=torch.float64) / 127.5 - 1          # the 256 values of 8-bit data in [-1, 1]
MU, S = 0.1, 0.3                                                     # the Gaussian data's mean and sd per value
NODES, WEIGHTS = (torch.from_numpy(a) for a in np.polynomial.hermite_e.hermegauss(60))
WEIGHTS = WEIGHTS / math.sqrt(2 * math.pi)                           # E f(eps), eps ~ N(0, 1) = sum WEIGHTS f(NODES)


pytestmark = pytest.mark.usefixtures("one_torch_thread")


class GaussianDenoiser(nn.Module):
    """E[x0 | x_t] for x0 ~ N(MU, s^2) per value (optimal for s = S), as the eps or v the config predicts."""

    def __init__(self, alphas_cumprod: torch.Tensor, prediction: str, s: float = S):
        super().__init__()
        self.ab, self.v, self.s = alphas_cumprod.float(), prediction == "v", s

    def forward(self, x, t, *context):
        ab = self.ab[t].view(-1, 1, 1, 1)
        a, sigma = ab.sqrt(), (1 - ab).sqrt()
        x0 = MU + a * self.s ** 2 * (x - a * MU) / (ab * self.s ** 2 + sigma ** 2)
        eps = (x - a * x0) / sigma
        return a * eps - sigma * x0 if self.v else eps


def gaussian_x0(s: float):
    """The denoiser above in float64: x0_hat(x_t, alpha_bar)."""
    return lambda x, ab: MU + ab.sqrt() * s ** 2 * (x - ab.sqrt() * MU) / (ab * s ** 2 + 1 - ab)


def expected_nats(ab: torch.Tensor, x0_hat) -> torch.Tensor:
    """(256,) the bound's expectation over the noise for one value at each level, in nats: prior KL + all T-1 KL
    terms (DDPM eq. 7's posterior means, variance beta-tilde) + the discretised decoder, for x0_hat(x_t, ab) clamped."""
    x0 = LEVELS[:, None]
    ab_T = ab[-1]
    total = 0.5 * (-torch.log1p(-ab_T) + (1 - ab_T) + ab_T * LEVELS ** 2 - 1)
    for t in range(1, len(ab)):
        a, a_prev = ab[t], ab[t - 1]
        beta = 1 - a / a_prev
        x_t = a.sqrt() * x0 + (1 - a).sqrt() * NODES
        coef = a_prev.sqrt() * beta / (1 - a)                       # posterior mean's coefficient of x0
        variance = (1 - a_prev) / (1 - a) * beta
        error = (x0 - x0_hat(x_t, a).clamp(-1, 1)) ** 2
        total = total + coef ** 2 * (error * WEIGHTS).sum(1) / (2 * variance)
    x_1 = ab[0].sqrt() * x0 + (1 - ab[0]).sqrt() * NODES
    mean, std = x0_hat(x_1, ab[0]).clamp(-1, 1), (1 - ab[0]).sqrt()
    upper = torch.special.ndtr((x0 + 1 / 255 - mean) / std)
    lower = torch.special.ndtr((x0 - 1 / 255 - mean) / std)
    p = torch.where(x0 < -0.999, upper, torch.where(x0 > 0.999, 1 - lower, upper - lower))
    return total + (-p.clamp(min=1e-300).log() * WEIGHTS).sum(1)


def quantised_gaussian(n: int, side: int, seed: int) -> np.ndarray:
    values = MU + S * np.random.default_rng(seed).standard_normal((n, side, side, 1))
    return np.clip(np.round((values + 1) * 127.5), 0, 255).astype(np.uint8)


def level_probabilities() -> torch.Tensor:
    """P(level) of quantised N(MU, S^2): the mass of each level's bin, the edge bins open-ended."""
    upper = torch.special.ndtr((LEVELS + 1 / 255 - MU) / S)
    lower = torch.special.ndtr((LEVELS - 1 / 255 - MU) / S)
    upper[-1], lower[0] = 1.0, 0.0
    return upper - lower


def variance_gap_bits(ab: torch.Tensor) -> float:
    """What the fixed reverse variance beta-tilde costs on N(MU, S^2) data with the optimal denoiser: the true reverse
    step has variance beta-tilde (1 + r), r = (SNR(t-1) - SNR(t)) Var(x0 | x_t), so each step adds
    KL = (r - log(1 + r)) / 2. Large where one step halves the SNR (the first steps); in bits/dim."""
    snr = ab / (1 - ab)
    r = (snr[:-1] - snr[1:]) * S ** 2 * (1 - ab[1:]) / (ab[1:] * S ** 2 + 1 - ab[1:])
    return float((r - torch.log1p(r)).sum() / 2 / math.log(2))


def gaussian_model(schedule: str, prediction: str, s: float = S) -> Diffusion:
    torch.manual_seed(0)
    model = Diffusion(TINY.replace(schedule=schedule, prediction=prediction), DataInfo(8, 1, vocabulary=()))
    model.unet = GaussianDenoiser(model.alphas_cumprod, prediction, s)
    return model


def within(estimates: np.ndarray, reference: float, spreads: float = 4.0) -> bool:
    """The mean of per-image estimates is within `spreads` standard errors of the reference."""
    error = estimates.std(ddof=1) / math.sqrt(len(estimates))
    return abs(estimates.mean() - reference) < spreads * error


@pytest.mark.parametrize("schedule, prediction", [("cosine", "v"), ("linear", "epsilon")])
def test_bound_with_the_optimal_denoiser_is_above_the_true_nll_by_the_known_gap(schedule, prediction):
    """Quantised N(0.1, 0.3^2) values, 8x8: the true NLL is the entropy of the level probabilities, 7.297 bits/dim.
    The bound with the optimal denoiser must be above it by what the fixed reverse variance costs (0.57 bits on cosine,
    0.64 on linear, computed in closed form) plus a little for the quantisation, and the estimate from 16 (and the
    Train page's 8) sampled timesteps must match the full sum."""
    model = gaussian_model(schedule, prediction)
    images = quantised_gaussian(256, 8, seed=0)
    p = level_probabilities()
    true_nll = float(-(p * p.log()).sum() / math.log(2))
    ab = model.alphas_cumprod.double()
    reference = float((p * expected_nats(ab, gaussian_x0(S))).sum() / math.log(2))
    gap = variance_gap_bits(ab)
    assert 0.5 < gap < 0.7 and true_nll + gap < reference < true_nll + gap + 0.02      # the reference itself

    bpd = model.log_likelihood(images)
    assert bpd.shape == (256,) and np.isfinite(bpd).all()
    assert true_nll < bpd.mean() and within(bpd, reference), (bpd.mean(), reference, true_nll)
    few = model.bits_per_dim(Batch(images=from_uint8_images(images)), timesteps=8).numpy()
    assert within(few, reference), (few.mean(), reference)


def test_a_miscalibrated_denoiser_gets_a_larger_bound():
    """The same data and noise, a denoiser that takes the data's sd for 0.5 instead of 0.3: its bound is larger, by
    what the closed form says (8.15 against 7.88 bits/dim)."""
    images = quantised_gaussian(256, 8, seed=1)
    p = level_probabilities()
    ab = gaussian_model("cosine", "v").alphas_cumprod.double()
    good = gaussian_model("cosine", "v").log_likelihood(images)
    bad = gaussian_model("cosine", "v", s=0.5).log_likelihood(images)
    reference = float((p * expected_nats(ab, gaussian_x0(0.5))).sum() / math.log(2))
    assert within(bad, reference), (bad.mean(), reference)
    assert (bad > good).mean() > 0.9 and bad.mean() > good.mean() + 0.2


def test_a_fresh_unet_on_digits_gets_the_bound_of_predicting_nothing():
    """A fresh U-Net outputs zero (zero-initialised last layer), so with v-prediction x0_hat = sqrt(ab) x_t: the optimal
    denoiser for N(0, 1) values. The expected bound of real 8-bit images then follows in closed form, and the estimate
    must match it. It is below the 8 bits of a uniform guess: digits are mostly black, and the open-ended bin of black
    holds the 16% of N(0, 1) below -1 (about 5.9 bits there, 8.9 at mid-grey)."""
    images = load_dataset("demo:digits", size=16).images[:64]
    torch.manual_seed(0)
    model = Diffusion(TINY, DataInfo(16, 1, vocabulary=()))
    assert model.unet(torch.randn(2, 1, 16, 16), torch.tensor([3, 500])).abs().max() == 0
    ab = model.alphas_cumprod.double()
    per_level = expected_nats(ab, lambda x_t, a: a.sqrt() * x_t) / math.log(2)
    assert 5.5 < per_level[0] < 6.5 and 8.5 < per_level[128] < 9.5
    reference = float(per_level[torch.from_numpy(images.astype(np.int64))].mean())
    bpd = model.log_likelihood(images)
    assert np.isfinite(bpd).all() and within(bpd, reference), (bpd.mean(), reference)
