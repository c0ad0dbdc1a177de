"""The app's one-click recipes (Quick, Balanced, Quality) as numbers: which model size, how long, how big.

Plain data with no torch, so the Train page reads them while the window opens; studio/engine/training/plan.py
turns a recipe into a run's settings with the reasons for each.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Mapping


@dataclass(frozen=True)
class Recipe:
    """A one-click recipe: which model size (0 the family's smallest preset, 1 its largest), how long, how big."""

    name: str
    model_index: float
    minutes: int
    image_size: int


RECIPES = {r.name: r for r in (Recipe("quick", 0.0, 2, 32), Recipe("balanced", 0.5, 15, 32),
                               Recipe("quality", 1.0, 60, 64))}


def recipe_preset(recipe: Recipe, presets: tuple[str, ...], cpu_presets: Mapping[str, str] | None,
                  cpu_timed_presets: Mapping[int, str] | None = None) -> str | None:
    """The family's model preset for a recipe: its choice for training on a CPU (cpu_presets), else by position
    (smallest → largest); on a CPU (cpu_timed_presets given), a lighter one the family names for the recipe's
    image size wins (timed_preset)."""
    if not presets:
        return None
    if cpu_presets and cpu_presets.get(recipe.name) in presets:
        chosen = cpu_presets[recipe.name]
    else:
        chosen = presets[round(recipe.model_index * (len(presets) - 1))]
    return timed_preset(chosen, presets, cpu_timed_presets, recipe.image_size)


def timed_preset(preset: str | None, presets: tuple[str, ...], cpu_timed_presets: Mapping[int, str] | None,
                 size: int) -> str | None:
    """`preset`, or the lighter one the family names (FamilyConfig.cpu_timed_presets) for a run measured in
    minutes on a CPU at this image side; never a larger one (presets run smallest first)."""
    lighter = (cpu_timed_presets or {}).get(int(size))
    if lighter in presets and preset in presets and presets.index(lighter) < presets.index(preset):
        return lighter
    return preset
