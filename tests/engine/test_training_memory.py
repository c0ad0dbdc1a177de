"""The training memory estimate (studio/engine/training/memory.py) and the plan's use of it."""
import sys

import pytest
import torch

from studio.engine.families import get_family
from studio.engine.families.base import DataInfo
from studio.engine.text import build_vocabulary
from studio.engine.training.memory import (
    MemoryEstimate, _saved_peak, _SavedPeak, _tensor_bytes, available_memory, estimate_training_memory,
    largest_batch,
)
from studio.engine.training.plan import DataFacts, plan_training
from synthetic import KeepGradients

DATA = DataInfo(image_size=16, channels=3, label_names=("a", "b"), has_captions=False,
                vocabulary=build_vocabulary([]))


def _config(family, preset="tiny"):
    return get_family(family).Config.from_preset(preset)


def test_the_estimate_grows_linearly_with_the_batch():
    estimate = estimate_training_memory("vae", _config("vae"), DATA)
    assert estimate.per_image > 0 and estimate.fixed > 0
    steps = [estimate.at(b + 16) - estimate.at(b) for b in (0, 16, 32, 48)]
    assert max(steps) - min(steps) <= 1                                      # int() rounding only
    assert estimate.at(0) > 0 and estimate.at(64) > estimate.at(32)


def test_a_bigger_preset_estimates_more():
    tiny = estimate_training_memory("vae", _config("vae", "tiny"), DATA)
    base = estimate_training_memory("vae", _config("vae", "base"), DATA)
    assert base.fixed > tiny.fixed and base.per_image > tiny.per_image
    assert base.at(16) > tiny.at(16)


def test_half_precision_keeps_smaller_activations():
    fp32 = estimate_training_memory("vae", _config("vae", "small"), DATA, precision="fp32")
    bf16 = estimate_training_memory("vae", _config("vae", "small"), DATA, precision="bf16")
    assert bf16.per_image < 0.8 * fp32.per_image


def test_saved_tensors_count_each_storage_once_while_kept():
    counter = _SavedPeak(skip=set())
    x = torch.randn(256, 256, requires_grad=True)                           # 256 KiB
    with torch.autograd.graph.saved_tensors_hooks(counter.pack, counter.unpack):
        y = x.exp()                                                          # saves its output: 256 KiB
        loss = (y * y).sum()                                                 # saves y twice: the same storage
    assert counter.peak == counter.live == 256 * 256 * 4
    loss.backward()
    del y, loss
    assert counter.live == 0


def _real_fixed(family: str, config, data) -> int:
    """What the Trainer holds at any batch, with the optimizers' real state after a step (not assumed): weights,
    gradients, optimizer state, EMA and the rollback copy while stepping; four copies of the state while a
    checkpoint is written."""
    model = get_family(family)(config, data)
    modules = list(model.modules().values())
    weights = _tensor_bytes([*(p for m in modules for p in m.parameters()),
                             *(b for m in modules for b in m.buffers())])
    gradients = _tensor_bytes([p for m in modules for p in m.parameters() if p.requires_grad])
    state = 2 * weights + _optimizer_state_after_a_step(model, config)
    return max(2 * state + gradients, 4 * state)


def _optimizer_state_after_a_step(model, config) -> int:
    from studio.engine.training.memory import _synthetic_batch

    optimizers = model.optimizers(1e-4)
    for step in sorted({0, int(getattr(config, "autoencoder_steps", 0))}):
        model.train_step(_synthetic_batch(model.data, 2), KeepGradients(step))
        for opt in optimizers.values():
            opt.step()
            opt.zero_grad(set_to_none=True)
    return _tensor_bytes([v for opt in optimizers.values() for s in opt.state.values() for v in s.values()])


def test_the_estimate_for_a_tiny_vae_at_batch_16_is_near_what_it_keeps():
    config = _config("vae")
    estimate = estimate_training_memory("vae", config, DATA)
    model = get_family("vae")(config, DATA)
    measured = _saved_peak(model, 16, 0, None) + _real_fixed("vae", config, DATA)
    counted = estimate.fixed + estimate.per_image * 16
    assert measured / 3 <= counted <= measured * 3
    assert estimate.at(16) >= measured                                       # with its margin: never short


@pytest.mark.parametrize("family", ["vae", "gan", "flow", "diffusion", "autoregressive", "vqvae", "vaegan",
                                    "igpt", "ldm", "flowgan", "ddgan"])
def test_two_moments_per_weight_bound_every_family_s_real_optimizer_state(family):
    config = _config(family)
    model = get_family(family)(config, DATA)
    gradients = _tensor_bytes([p for m in model.modules().values() for p in m.parameters() if p.requires_grad])
    assert _optimizer_state_after_a_step(model, config) <= 2 * gradients + 4096    # + the step counters


def test_the_largest_batch_never_exceeds_the_memory_and_keeps_a_batch_that_fits():
    estimate = MemoryEstimate(per_image=10 * 2**20, fixed=100 * 2**20)
    assert largest_batch(estimate, None, 64) == 64                          # nothing known: as wanted
    assert largest_batch(estimate, estimate.at(64), 64) == 64
    assert largest_batch(estimate, estimate.at(48), 48) == 48               # not a power of two, but it fits
    for room in range(estimate.at(0), estimate.at(80), 7 * 2**20):
        for wanted in (1, 3, 16, 48, 64):
            batch = largest_batch(estimate, room, wanted)
            assert 1 <= batch <= wanted
            assert batch == 1 or estimate.at(batch) <= room
            if estimate.at(wanted) <= room:
                assert batch == wanted
            elif batch > 1:
                assert batch & (batch - 1) == 0 and estimate.at(2 * batch) > room or 2 * batch >= wanted
    assert largest_batch(estimate, 1, 64) == 1                              # at least 1, however little there is


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc/meminfo")
def test_the_cpu_has_memory_available_on_linux():
    available = available_memory(torch.device("cpu"))
    assert isinstance(available, int) and available > 0


def test_the_plan_lowers_its_batch_to_fit_and_warns_about_a_given_one(monkeypatch):
    from studio.engine.training import memory

    facts = DataFacts(images=2000, image_size=16, channels=3, labels=2)
    estimate = estimate_training_memory("vae", _config("vae", "small"), DATA, precision="auto")   # as the plan does
    monkeypatch.setattr(memory, "available_memory", lambda device: estimate.at(20))
    plan = plan_training("vae", facts, device="cpu", given={"image_size": 16})
    assert plan.train["batch_size"] == 16 and plan.choice("batch_size").reason.id == "plan.batch_memory"
    given = plan_training("vae", facts, device="cpu", given={"image_size": 16, "batch_size": 64})
    assert given.train["batch_size"] == 64 and [w.id for w in given.warnings] == ["plan.batch_too_big"]
    assert given.warnings[0].args["fits"] == 16
