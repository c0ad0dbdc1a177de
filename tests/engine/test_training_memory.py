"""The training memory estimate (studio/engine/training/memory.py) and the plan's use of it."""
import torch

from studio.engine.families import get_family
from studio.engine.families.base import DataInfo
from studio.engine.text import build_vocabulary
from studio.engine.training.memory import (
    MemoryEstimate, _saved_bytes, available_memory, estimate_training_memory, largest_batch,
)
from studio.engine.training.plan import DataFacts, plan_training

DATA = DataInfo(image_size=16, channels=3, label_names=("a", "b"), has_captions=False,
                vocabulary=build_vocabulary([]))


def test_the_estimate_grows_with_the_batch_and_the_model():
    vae = get_family("vae")
    tiny = estimate_training_memory("vae", vae.Config.from_preset("tiny"), DATA)
    base = estimate_training_memory("vae", vae.Config.from_preset("base"), DATA)
    assert tiny.per_image > 0 and tiny.fixed > 0
    assert tiny.at(64) - tiny.at(32) == tiny.at(32) - tiny.at(0) or abs(
        (tiny.at(64) - tiny.at(32)) - (tiny.at(32) - tiny.at(0))) <= 2              # linear in the batch
    assert base.fixed > tiny.fixed and base.per_image > tiny.per_image


def test_the_count_at_a_batch_is_what_autograd_keeps_and_scales_with_it():
    family = get_family("vae")(get_family("vae").Config.from_preset("tiny"), DATA)
    at4, at16 = _saved_bytes(family, 4, 0, None), _saved_bytes(family, 16, 0, None)
    assert 3 < at16 / at4 < 4.5                      # activations are per image; a little is shared
    estimate = estimate_training_memory("vae", get_family("vae").Config.from_preset("tiny"), DATA)
    assert estimate.per_image * 16 / 3 <= at16 <= estimate.per_image * 16 * 3


def test_the_largest_batch_that_fits_is_never_too_big():
    estimate = MemoryEstimate(per_image=10 * 2**20, fixed=100 * 2**20)
    assert largest_batch(estimate, None, 64) == 64                    # nothing known: as wanted
    assert largest_batch(estimate, estimate.at(64), 64) == 64
    room = estimate.at(20)
    batch = largest_batch(estimate, room, 64)
    assert batch == 16 and estimate.at(batch) <= room < estimate.at(32)
    assert largest_batch(estimate, 1, 64) == 1                        # at least 1, however little there is
    assert isinstance(available_memory(torch.device("cpu")), int) and available_memory(torch.device("cpu")) > 0


def test_the_plan_lowers_its_batch_to_fit_and_warns_about_a_given_one(monkeypatch):
    from studio.engine.training import memory

    facts = DataFacts(images=2000, image_size=16, channels=3, labels=2)
    estimate = estimate_training_memory("vae", get_family("vae").Config.from_preset("small"), DATA,
                                        precision="auto")          # as the plan measures it
    monkeypatch.setattr(memory, "available_memory", lambda device: estimate.at(20))
    plan = plan_training("vae", facts, device="cpu", given={"image_size": 16})
    assert plan.train["batch_size"] == 16 and plan.choice("batch_size").reason.id == "plan.batch_memory"
    given = plan_training("vae", facts, device="cpu", given={"image_size": 16, "batch_size": 64})
    assert given.train["batch_size"] == 64 and [w.id for w in given.warnings] == ["plan.batch_too_big"]
    assert given.warnings[0].args["fits"] == 16
