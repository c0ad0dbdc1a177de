"""Provenance: the `genstudio` JSON round trip (today's and older dict shapes), AUTOMATIC1111's text written
and parsed back (quoting included), and recall of genstudio's and A1111's parameters into a model's
sampling options, with what could not be set and why."""
from __future__ import annotations

import json

import numpy as np
import pytest

from studio.engine.export import generation_params, image_bytes, read_image_parameters, read_provenance
from studio.engine.families.base import SampleOption
from studio.engine.provenance import (
    A1111, DOES_NOT_FIT, LATENT_POSITION, MAX_SEED, NEGATIVE, NO_SUCH_OPTION, NOT_A_CHOICE, NOT_ALLOWED, NOT_TAKEN,
    OUT_OF_RANGE, PROMPT_TEXT, SEED, Provenance, parse_a1111_parameters, recall,
)

MODEL = Provenance(family="diffusion", model="run-1", run="/runs/run-1",
                   checkpoint="/runs/run-1/checkpoints/last.safetensors", checkpoint_hash="0123456789", checkpoint_step=40)
OPTIONS = [SampleOption("steps", "int", 25, 1, 1000), SampleOption("guidance", "float", 3.0, 0.0, 20.0),
           SampleOption("sampler", "choice", "ddim", choices=("ddpm", "ddim", "dpm++2m")),
           SampleOption("clip", "bool", True), SampleOption(NEGATIVE, "str", "")]

# A dict as genstudio wrote images before Provenance existed (generation_params + Explore's extras).
OLD = {"family": "diffusion", "model": "run-1", "run": "/runs/run-1",
       "checkpoint": "/runs/run-1/checkpoints/last.safetensors", "checkpoint_hash": "0123456789", "checkpoint_step": 40, "seed": 1234, "batch_seed": 1230, "index": 4,
       "prompt": "small red circle", "options": {"steps": 20, "sampler": "ddpm", "negative": "blue, square"},
       "version": "0.1.0", "width": 32, "height": 32, "steps": 20, "sampler": "ddpm", "negative_prompt": "blue, square",
       "grid": 8}


def test_an_image_of_a_model_gives_the_json_genstudio_always_wrote():
    made = MODEL.for_image(seed=1234, prompt="small red circle", image_size=32, version="0.1.0",
                           options={"steps": 20, "sampler": "ddpm", "negative": "blue, square"})
    assert made.updated(batch_seed=1230, index=4, grid=8).to_dict() == OLD
    assert made.updated(grid=8).extra == {"grid": 8} and made.updated(index=4).index == 4
    assert generation_params(MODEL.to_dict(), seed=1234, prompt="small red circle", image_size=32, version="0.1.0",
                             options=made.options) == made.to_dict()
    assert made.negative_prompt == "blue, square"


def test_json_round_trip_and_old_dicts_read():
    provenance = Provenance.from_dict(OLD)
    assert provenance.seed == 1234 and provenance.options["steps"] == 20 and provenance.checkpoint_step == 40
    assert provenance.extra == {"grid": 8}                  # the top-level option copies are derived, not kept
    assert provenance.to_dict() == OLD
    assert Provenance.from_json(provenance.to_json()) == provenance
    assert json.loads(provenance.to_json()) == OLD
    latent = {**OLD, "latent": [0.1, -2.5, 1 / 3], "latent_seed": 11}
    assert Provenance.from_dict(latent).latent == (0.1, -2.5, 1 / 3)
    assert Provenance.from_dict(latent).to_dict() == latent
    # a copy that disagrees with the options is kept as written; a hand-written negative prompt is read
    odd = {"prompt": "x", "steps": 7, "negative_prompt": "blue"}
    assert Provenance.from_dict(odd).to_dict() == odd and Provenance.from_dict(odd).negative_prompt == "blue"
    assert Provenance.from_json("[1, 2]") is None and Provenance.from_json("{broken") is None


def test_junk_values_stay_out_of_the_fields():
    junk = Provenance.from_dict({"run": 5, "seed": True, "prompt": 3, "options": "x", "checkpoint_hash": [],
                                 "checkpoint_step": "40", "latent": [1, "a"]})
    assert (junk.run, junk.seed, junk.prompt, junk.options, junk.checkpoint_hash, junk.checkpoint_step) == \
        (None, None, None, None, None, None)
    assert junk.latent == (1, "a") and junk.extra == {"run": 5, "seed": True, "prompt": 3, "options": "x",
                                                      "checkpoint_hash": [], "checkpoint_step": "40"}
    assert junk.names_other_model(MODEL)                  # it names some run, not one that can be checked


def test_the_a1111_text_round_trips_and_quotes_what_needs_it():
    made = MODEL.for_image(seed=7, prompt="small red circle, on grey: 中文\nsecond line", image_size=32,
                           version="0.1.0", options={"steps": 20, "sampler": "dpm++2m", "guidance": 3.5,
                                                     "negative": "blue, square"})
    text = made.to_a1111()
    assert text.split("\n")[-1] == ('Steps: 20, Sampler: dpm++2m, CFG scale: 3.5, Seed: 7, Size: 32x32, '
                                    'Model hash: 0123456789, Model: run-1, Version: genstudio 0.1.0')
    assert "Negative prompt: blue, square" in text
    back = Provenance.from_a1111(text)
    assert back.source == A1111 and back.prompt == made.prompt and back.negative_prompt == "blue, square"
    assert back.options == {"steps": 20, "sampler": "dpm++2m", "guidance": 3.5, "negative": "blue, square"}
    assert (back.seed, back.width, back.height, back.checkpoint_hash, back.model) == (7, 32, 32, "0123456789", "run-1")
    assert back.to_dict() == parse_a1111_parameters(text)
    assert Provenance.from_dict(back.to_dict()) == back
    quoted = MODEL.updated(model="run, the second: best").to_a1111()
    assert 'Model: "run, the second: best"' in quoted
    assert Provenance.from_a1111(quoted).model == "run, the second: best"
    junk = Provenance.from_a1111("\x00\x01 Steps: many, Seed: -5, CFG scale: nan")
    assert junk.seed == -5 and "steps" not in junk.options and "guidance" not in junk.options


@pytest.mark.parametrize("fmt", ["PNG", "JPEG", "WEBP"])
def test_images_read_back_as_provenance(tmp_path, fmt):
    made = Provenance.from_dict(OLD)
    path = tmp_path / f"image.{fmt.lower()}"
    path.write_bytes(image_bytes(np.zeros((8, 8, 3), np.uint8), made, fmt))
    assert read_provenance(path) == made and read_image_parameters(path) == OLD
    assert image_bytes(np.zeros((8, 8, 3), np.uint8), made, fmt) == image_bytes(np.zeros((8, 8, 3), np.uint8), OLD, fmt)


def test_recall_of_genstudio_parameters():
    made = Provenance.from_dict({**OLD, "options": {"steps": 20, "sampler": "ddpm", "negative": "blue", "unknown": 1,
                                                   "guidance": "not a number"}})
    result = recall(made, OPTIONS, takes_prompt=True)
    assert result.values[SEED] == 1234 and result.values[PROMPT_TEXT] == "small red circle"
    assert result.values[NEGATIVE] == "blue" and result.values["steps"] == 20 and result.values["sampler"] == "ddpm"
    assert result.values["clip"] is True                      # not named by the image: back to its default
    assert "guidance" not in result.values and "unknown" not in result.values
    assert [r.name for r in result.set] == [SEED, PROMPT_TEXT, NEGATIVE, "steps", "sampler"]
    assert {r.name: r.why for r in result.not_set} == {"unknown": NO_SUCH_OPTION, "guidance": NOT_ALLOWED}
    assert [r.shown for r in result.not_set] == ["unknown 1", "guidance not a number"]


def test_an_option_an_image_does_not_name_is_recalled_as_it_was_drawn():
    """An option added (or a default changed) after images were written without it: such an image was drawn
    with the option's drawn_before value, not today's default."""
    later = [*OPTIONS, SampleOption("guidance_end", "float", 0.83, 0.0, 1.0, drawn_before=(1.0,))]
    older = Provenance.from_dict({**OLD, "options": {"steps": 20}})
    assert recall(older, later).values["guidance_end"] == 1.0
    named = Provenance.from_dict({**OLD, "options": {"steps": 20, "guidance_end": 0.5}})
    assert recall(named, later).values["guidance_end"] == 0.5
    assert recall(older, OPTIONS).values["clip"] is True       # no drawn_before: the default


def test_recall_of_a_latent_position_and_what_does_not_fit():
    made = Provenance(seed=3, latent=(0.5, -1.0, 2.0, 0.0), latent_seed=3)
    result = recall(made, [], latent_shape=(2, 2))
    np.testing.assert_array_equal(result.values[LATENT_POSITION], np.array([[0.5, -1.0], [2.0, 0.0]], np.float32))
    assert result.latent_origin == {"latent_seed": 3} and result.set[-1].name == LATENT_POSITION
    for shape in ((3,), None):
        result = recall(made, [], latent_shape=shape)
        assert LATENT_POSITION not in result.values and result.not_set[-1].why == DOES_NOT_FIT
    assert recall(Provenance(seed=MAX_SEED + 1), []).not_set[0].why == OUT_OF_RANGE


def test_recall_of_a1111_parameters():
    text = "a red circle\nNegative prompt: blue\nSteps: 20, Sampler: DPM++ 2M, CFG scale: 7, Seed: 42, Size: 512x512"
    result = recall(Provenance.from_a1111(text), OPTIONS, takes_prompt=True)
    assert result.source == A1111 and result.values == {PROMPT_TEXT: "a red circle", NEGATIVE: "blue", SEED: 42,
                                                        "steps": 20, "guidance": 7.0, "sampler": "dpm++2m"}
    assert [r.shown for r in result.set if r.shown] == ["Steps 20", "CFG scale 7"] and not result.not_set
    plain = recall(Provenance.from_a1111(text), OPTIONS[:2], takes_prompt=False)
    assert {r.name: r.why for r in plain.not_set} == {PROMPT_TEXT: NOT_TAKEN, NEGATIVE: NOT_TAKEN,
                                                      "sampler": NO_SUCH_OPTION}
    fewer = [SampleOption("sampler", "choice", "ddpm", choices=("ddpm", "ddim"))]
    (sampler,) = [r for r in recall(Provenance.from_a1111(text), fewer).not_set if r.name == "sampler"]
    assert sampler.why == NOT_A_CHOICE and sampler.value == "DPM++ 2M" and sampler.choices == ("ddpm", "ddim")
    no_model = recall(Provenance.from_a1111(text), None, takes_prompt=False)     # the prompts wait for a model
    assert no_model.values[PROMPT_TEXT] == "a red circle" and no_model.values[NEGATIVE] == "blue"
    assert recall(Provenance.from_a1111("x\nSteps: 1, Seed: -5, Size: 8x8"), OPTIONS).not_set[0].why == OUT_OF_RANGE


def test_another_model_is_told_apart():
    image = Provenance.from_dict(OLD)
    assert not image.names_other_model(MODEL)
    assert image.names_other_model(None)
    assert image.names_other_model(MODEL.updated(checkpoint_hash="ffff"))
    assert image.names_other_model(MODEL.updated(run="/runs/other"))
    assert not Provenance.from_a1111("x\nSteps: 1, Seed: 2, Model hash: abc").names_other_model(MODEL)


def test_every_familys_option_defaults_are_what_its_sample_draws_with():
    """An image written with an option at its shown default regenerates as the family draws without that option
    (compare and evaluate sample with the family's own defaults)."""
    import inspect

    from studio.engine.families import all_families

    for cls in all_families():
        parameters = inspect.signature(cls.sample).parameters
        for option in cls.sample_options():
            if option.name in parameters:
                assert parameters[option.name].default == option.default, (cls.name, option.name)
