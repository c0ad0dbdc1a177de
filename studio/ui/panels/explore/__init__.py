"""Explore a trained model, by capability.

Every family: Generate with a count and a seed (image i is drawn from seed + i), with
controls built from `sample_options()`. `prompt`: a prompt box, and a negative prompt
beside it when the family has a `negative` option. `progressive`: frames are drawn live
while sampling (at most ~10 a second) with the frame's extras (e.g. the predicted clean
image) beside them. `latent`: sliders along `latent_directions()` that decode in a
worker as they move (only the latest position is decoded), starting from a seeded
random point or, with `encode`, from an image dropped on the panel.

An image dropped or opened here gives back what made it (restore): seed, prompt, every option
and, for a latent-slider image, the exact latent position; one from another run goes to the
window, which opens that run first. AUTOMATIC1111 images fill the prompt fields they can.

Sampling, decoding and encoding run in background Jobs (studio.engine's sample_frames,
decode_latent, encode_file); a newer Generate cancels the older one, and Stop (Esc) ends one at
the next step: the last frame drawn stays shown and nothing goes to the gallery, which holds
finished images only. The panel never asks which family it shows.

    prompt.py     the Generate form: prompt, negative prompt, the family's options, count, seed
    sampling.py   a Generate in a Job, its frames drawn live (throttled), Stop
    latent.py     the latent sliders and the image at their position, decoded in Jobs
    recall.py     an image's recalled parameters put into those controls, and said in words
    panel.py      ExplorePanel, which wires them to the model shown

Every text keeps the "ExplorePanel" translation context the one-class panel had.
"""
from studio.engine import MAX_KEPT_FRAMES, decode_latent, encode_file, sample_frames
from studio.ui.panels.explore.panel import ExplorePanel

__all__ = ["ExplorePanel", "MAX_KEPT_FRAMES", "decode_latent", "encode_file", "sample_frames"]
