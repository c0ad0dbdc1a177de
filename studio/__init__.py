"""genstudio: train image generative models on your own pictures and explore them."""

__version__ = "0.1.0"
