"""The genstudio engine: datasets, model families, training, run folders — its public face.

torch + numpy + pillow only; this package never imports Qt. The app (`studio.ui`) and the CLI
(`studio.cli`) use the engine only through the names listed here (tests/test_layers.py checks):

    from studio.engine import Trainer, TrainConfig, load_dataset

Names load lazily, on first use, so `import studio.engine` (and the events module, which the UI
dispatches on) stays free of torch until a name that needs it is touched.
"""
from __future__ import annotations

import importlib
from typing import Any

# name -> the module (under studio.engine) that defines it
_PUBLIC: dict[str, str] = {
    # datasets
    "ImageDataset": "data", "DatasetError": "data", "load_dataset": "data",
    "DEMOS": "demo", "check_mirror": "mirror", "MirrorCheck": "mirror",
    # families and their contract
    "all_families": "families", "get_family": "families",
    "ConfigError": "families.base", "Frame": "families.base", "SampleOption": "families.base",
    "seeded_normal": "families.base", "check_sample_options": "families.base",
    "ENCODE": "families.base", "LATENT": "families.base", "PROMPT": "families.base",
    "PROGRESSIVE": "families.base", "LIKELIHOOD": "families.base",
    # training
    "Trainer": "training", "TrainConfig": "training", "TrainingError": "training", "choose_device": "training",
    "cpu_bf16_probe": "training",
    "available_devices": "training", "SpeedEstimate": "training", "measure_speed": "training",
    "RECIPES": "recipes", "Recipe": "recipes", "recipe_preset": "recipes",
    "ProcessGroup": "training.distributed", "describe_group": "training.distributed",
    "DataFacts": "training.plan", "Plan": "training.plan", "plan_training": "training.plan",
    "events": "events",
    # run folders and checkpoints
    "Run": "run", "RunError": "run", "default_run_dir": "run", "save_run_as": "save_as",
    "CheckpointError": "checkpoint", "file_hash": "checkpoint", "read_meta": "checkpoint", "size_text": "checkpoint",
    # who trains a run (its owner lock), and following a run another process trains
    "RunHeldError": "runlock", "LockOwner": "runlock", "acquire_run_lock": "runlock", "check_run_free": "runlock",
    "read_run_lock": "runlock",
    "FollowUpdate": "follow", "RunReader": "follow", "load_newest_model": "follow",
    # images, parameters, animations, sheets
    "IMAGE_FORMATS": "export", "ImageMetadataError": "export", "frame_grid": "export",
    "generation_params": "export", "image_checkpoint": "export", "make_grid": "export",
    "read_image_parameters": "export", "save_animation": "export", "save_image": "export", "save_images": "export",
    "save_png": "export",
    "save_contact_sheet": "sheets",
    # what made an image and recalling it (provenance.NOT_TAKEN, ... say why a value was not set)
    "Provenance": "provenance", "provenance": "provenance", "recall": "provenance", "read_provenance": "export",
    # opening a trained model for the app (in a worker)
    "RunInfo": "opening", "model_provenance": "opening", "open_image_run": "opening", "open_run": "opening",
    "MAX_KEPT_FRAMES": "inference", "decode_latent": "inference", "encode_file": "inference",
    "sample_frames": "inference", "as_provenance": "provenance",
    "SamplingPrecision": "inference", "choose_sampling_precision": "inference", "precision_frames": "inference",
    "draw_images": "inference",
    # the gallery: images kept in a run's gallery/ folder, and exported
    "GALLERY_FOLDER": "gallery", "ExportError": "gallery", "GalleryItem": "gallery", "forget_kept": "gallery",
    "gallery_folder": "gallery", "keep_items": "gallery", "kept_names": "gallery", "read_kept": "gallery",
    "write_animation": "gallery", "write_contact_sheet": "gallery", "write_grid": "gallery",
    "write_images": "gallery", "write_sequence": "gallery",
    # latent spaces
    "interpolation_frames": "latent", "latent_for_seed": "latent", "sweep_latents": "latent",
    # what the engine says: errors and warnings as message ids and arguments, English formatted from them
    "CATALOGUE": "messages", "EngineError": "messages", "Message": "messages", "format_template": "messages",
    "message_of": "messages", "os_reason": "messages",
    # how good a model is: evaluation against the held-out images, with the floor
    "Evaluation": "evaluation.evaluate", "EvaluationError": "evaluation.evaluate",
    "EvaluationProgress": "evaluation.evaluate", "METRICS": "evaluation.evaluate", "Scores": "evaluation.evaluate",
    "evaluate_images": "evaluation.evaluate", "evaluate_run": "evaluation.evaluate",
    "load_evaluation": "evaluation.evaluate", "save_evaluation": "evaluation.evaluate",
    "prepare_reference": "evaluation.evaluate", "run_dataset": "evaluation.evaluate",
    "FeatureTraining": "evaluation.features", "FEATURE_VERSION": "evaluation.evaluate",
    "compare_runs": "compare", "comparison_of": "compare", "Comparison": "compare", "CompareProgress": "compare",
    "RunEntry": "compare",
    "train_families": "compare", "FamilyTraining": "compare", "write_report": "compare",
    "check_report_folder": "compare",
    # exported runs
    "ArchiveError": "archive", "export_run": "archive", "import_run": "archive",
}

__all__ = sorted([*_PUBLIC, "user_errors"])


def __getattr__(name: str) -> Any:
    module_name = _PUBLIC.get(name)
    if module_name is None:
        raise AttributeError(f"module 'studio.engine' has no public name {name!r}")
    module = importlib.import_module(f"studio.engine.{module_name}")
    value = module if name == module_name else getattr(module, name)
    globals()[name] = value                 # the next lookup is a plain attribute
    return value


def __dir__() -> list[str]:
    return __all__


def user_errors() -> tuple[type[BaseException], ...]:
    """The engine's errors that say what to change (shown as one line), as opposed to bugs."""
    names = ("DatasetError", "ConfigError", "RunError", "TrainingError", "CheckpointError", "ArchiveError",
             "ImageMetadataError", "EvaluationError", "RunHeldError")
    return tuple(__getattr__(name) for name in names)
