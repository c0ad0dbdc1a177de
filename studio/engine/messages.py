"""Errors and warnings as (message id, arguments): the English text is formatted from them, a translation
keys on the id.

    raise DatasetError("dataset.not_found", path=root)     # str(error) == "'/data/cats' does not exist"
    error.message.id, dict(error.message.args)              # "dataset.not_found", {"path": "/data/cats"}

A `Message` is its English text: a frozen `str` subclass, so the CLI, the logs, JSON parameters and `==` read
the words exactly as before, while the UI (`engine_text()` in studio/ui/i18n.py) formats the translation of
`CATALOGUE[id]` with the same arguments. An argument may itself be a Message (a nested reason, translated in
turn) or a non-empty tuple of them (joined by "; "). Templates are `str.format` fields, plus two specs of ours:
`{count:plural:file/files}` (the first word when count == 1) and `{reason:lower}` (lower case, as the
dataset's skip reasons have always said the operating system's words). Every template has a finished
translation (tests/engine/test_messages.py); scripts/update_translations.py puts them in the .ts files.

No torch and no Qt here: the catalogue is plain data the UI, the CLI and the update script read.
"""
from __future__ import annotations

import errno
import string
import types
from typing import Any, Mapping

# The operating system's reasons genstudio translates, as errno names. Their English is Linux's (and macOS's)
# strerror; an error whose words differ (another system, another language) stays in its own words.
_OS_REASONS: dict[str, str] = {
    "EACCES": "Permission denied", "ENOENT": "No such file or directory", "EISDIR": "Is a directory",
    "ENOTDIR": "Not a directory", "EEXIST": "File exists", "ENOSPC": "No space left on device",
    "EROFS": "Read-only file system", "ENAMETOOLONG": "File name too long",
    "ELOOP": "Too many levels of symbolic links", "EDQUOT": "Disk quota exceeded", "EIO": "Input/output error",
    "EPERM": "Operation not permitted", "ENOTEMPTY": "Directory not empty", "EBUSY": "Device or resource busy",
    "EINVAL": "Invalid argument", "EMFILE": "Too many open files",
}

# id -> English template. Grouped by the module that says it; ids read "<what>.<which>".
CATALOGUE: dict[str, str] = {
    **{f"os.{name}": text for name, text in _OS_REASONS.items()},

    # -- datasets (data.py): the set as a whole --
    "dataset.not_a_source": "a dataset is a folder, an image file or 'demo:NAME', not {source!r}",
    "dataset.bad_size": "size must be a whole number of pixels from 4 to 1024, got {size!r}",
    "dataset.bad_channels": "channels must be 1 (grayscale), 3 (RGB) or None (automatic), got {channels!r}",
    "dataset.bad_workers": "workers must be a whole number of at least 1, got {workers!r}",
    "dataset.bad_max_pixels": "max_pixels must be a positive whole number, got {max_pixels!r}",
    "dataset.broken_link": "'{path}' is a broken symbolic link",
    "dataset.not_found": "'{path}' does not exist",
    "dataset.unreadable": "'{path}' cannot be read: {reason:lower}",
    "dataset.unusable_path": "'{path}' is not a usable path: {error}",
    "dataset.not_folder_or_image": "'{path}' is neither a folder nor an image file ({extensions})",
    "dataset.cancelled": "loading '{path}' cancelled",
    "dataset.no_images": "'{path}' contains no images ({reason})",
    "dataset.other_files": "{count:,} other {count:plural:file/files}, none with an image extension: {extensions}",
    "dataset.empty": "'{path}' is empty (no files in it or its sub-folders)",
    "dataset.out_of_memory": "'{path}': not enough memory for {count:,} images at {size}x{size} ({gib:.1f} GiB); "
                             "use a smaller size or fewer images",
    "dataset.unusable": "'{path}' cannot be used: {reason}",
    "dataset.skipped": "{count:,} {count:plural:file/files} skipped: {items}",
    "dataset.skipped_more": "{count:,} {count:plural:file/files} skipped: {items}; and {more:,} more",
    "dataset.skipped_file": "{path}: {reason}",
    # notes on a loaded dataset (DatasetReport.notes)
    "dataset.folder_unreadable": "folder '{path}' could not be read: {reason:lower}",
    "dataset.link_loop": "'{path}' links to a folder already read (symbolic link loop?); not followed",
    "dataset.caption_unreadable": "caption '{path}' could not be read: {reason:lower}",
    "dataset.bad_metadata_lines": "{path}: {count:,} bad {count:plural:line/lines} ignored (first: {first})",
    "dataset.unmatched_metadata": "{path}: {count:,} {count:plural:entry/entries} name files that were not loaded",
    # why a metadata line was ignored
    "metadata.line": "line {line}: {reason}",
    "metadata.not_csv": "not valid CSV: {error}",
    "metadata.not_json": "not valid JSON",
    "metadata.not_an_object": "not an object with file_name and text",
    "metadata.no_file_name": "no file_name",
    "metadata.no_text": "no text or caption",
    # why a file was skipped (DatasetReport.skipped), and the kinds the summary counts them by
    "skip.macos_metadata": "macOS metadata file",
    "skip.broken_link": "broken symbolic link",
    "skip.vanished": "vanished while reading",
    "skip.unreadable": "cannot read: {reason:lower}",
    "skip.not_regular": "not a regular file",
    "skip.undecodable": "cannot decode: {error}",
    "skip.unidentified": "corrupt {format}: not readable as an image",
    "skip.unrecognised": "not an image (unrecognised format)",
    "skip.bomb": "too large: {error}",
    "skip.declares_too_many_pixels": "too large: declares {width}x{height} pixels (limit {limit:g} megapixels)",
    "skip.truncated": "truncated or corrupt {format}: {error}",
    "skip.empty": "empty file (0 bytes)",
    "skip.git_lfs": "not an image (Git LFS pointer: the real file was never downloaded; run 'git lfs pull')",
    "skip.html": "not an image (looks like HTML, e.g. a saved web page)",
    "skip.svg": "not an image (SVG vector drawing; convert it to PNG first)",
    "skip.text": "not an image (looks like text)",
    "skip.kind.unreadable": "cannot read",
    "skip.kind.undecodable": "cannot decode",
    "skip.kind.unidentified": "corrupt {format}",
    "skip.kind.not_an_image": "not an image",
    "skip.kind.too_large": "too large",
    "skip.kind.truncated": "truncated or corrupt {format}",
    "skip.kind.empty": "empty file",

    # -- mirror flips (mirror.py): whether the folder has a handedness --
    "mirror.handed_classes": "mirror flips are on, but this folder has a handedness: flipped, {share:.0%} of its "
                             "images look less like the rest of the folder than before (about half where flips do no "
                             "harm), most of all {classes}; the model will learn their mirror images. Turn Mirror "
                             "images off (CLI: --set mirror=false) unless that is what you want",
    "mirror.handed": "mirror flips are on, but this folder has a handedness: flipped, {share:.0%} of its images look "
                     "less like the rest of the folder than before (about half where flips do no harm); the model will "
                     "learn their mirror images. Turn Mirror images off (CLI: --set mirror=false) unless that is what "
                     "you want",
    "mirror.summary_classes": "mirror flips would change these images: flipped, {share:.0%} of them look less like the "
                              "rest of the folder (about half where flips do no harm), most of all {classes}; leave "
                              "mirror flips off (the Mirror images setting; --set mirror=false)",
    "mirror.summary": "mirror flips would change these images: flipped, {share:.0%} of them look less like the rest of "
                      "the folder (about half where flips do no harm); leave mirror flips off (the Mirror images "
                      "setting; --set mirror=false)",
    "mirror.symmetric": "mirror flips look harmless here: flipped, {share:.0%} of the images look less like the rest "
                        "of the folder, about the half expected without a handedness; mirror flips (the Mirror images "
                        "setting; --set mirror=true) may add variety",
    "mirror.unclear": "mirror flips may change these images: flipped, {share:.0%} of them look less like the rest of "
                      "the folder, between the half expected without a handedness and the most of digits and letters; "
                      "{count} images are too few to tell which",
    "mirror.too_few": "too few images ({count}) to tell whether mirror flips would change them (it takes {needed})",

    # -- demo sets (demo.py) --
    "demo.unknown": "unknown demo dataset '{name}' (choose from: {choices})",
    "demo.cannot_create": "cannot create the demo dataset folder in '{path}': {reason}",
    "demo.cannot_write": "cannot write the demo dataset '{name}' to '{path}': {reason}",
    "demo.cancelled": "generating the demo dataset in '{path}' cancelled",

    # -- run folders (run.py) --
    "run.not_a_folder": "{path}: exists and is not a folder",
    "run.holds_a_run": "{path}: already holds a run; resume it or choose another folder",
    "run.not_empty": "{path}: the folder is not empty; choose a new or empty folder for the run",
    "run.cannot_create": "{path}: cannot create the run folder ({reason})",
    # Save run as (save_as.py)
    "run.save_as_inside": "{path}: is inside the run being saved ({run}); choose a folder outside it",
    "run.save_as_no_room": "{path}: not enough room to save the run there ({size} needed, {free} free); choose a "
                           "folder on a disk with room",
    "run.save_as_failed": "{path}: the run could not be saved there: {reason:lower}; nothing was left there, and "
                          "{run} is unchanged",
    "run.save_as_no_model": "{path}: no model of this run is in memory to save",
    "run.not_found": "{path}: no such run folder",
    "run.not_a_run": "{path}: not a genstudio run folder (no config.json)",
    "run.config_unreadable": "{path}: cannot be read ({error})",
    "run.not_a_config": "{path}: not a genstudio run config",
    "run.bad_version": "{path}: its version {version!r} is not a number",
    "run.newer": "{path}: made by a newer genstudio (run version {version}); update genstudio",
    "run.missing_key": "{path}: missing {key!r}",
    "run.no_checkpoint": "{path}: the run has no checkpoint yet",
    "run.weights_do_not_fit": "{path}: the weights of {name!r} do not fit this model ({detail})",
    # -- the owner lock of a run folder (runlock.py) --
    "run.held": "{path}: another process is training this run ({owner}); wait until it finishes or stop it "
                "there (the app can open the run and follow it meanwhile)",
    "lock.owner": "process {pid} on {host}, since {started}",
    "lock.taken_over": "{path}: took over the lock left by {owner}: {why}",
    "lock.gone": "that process is no longer running",
    "lock.silent": "it has not been refreshed for {seconds} s",

    # -- checkpoints (checkpoint.py) --
    "checkpoint.unreadable": "{path}: cannot read ({reason})",
    "checkpoint.tensors_unreadable": "{path}: cannot read the tensors ({error})",
    "checkpoint.not_found": "{path}: no such file",
    "checkpoint.not_a_file": "{path}: not a file",
    "checkpoint.too_short": "{path}: not a genstudio checkpoint (file is {size} bytes, too short)",
    "checkpoint.not_safetensors": "{path}: not a genstudio checkpoint (not a safetensors file)",
    "checkpoint.truncated": "{path}: the checkpoint is incomplete ({size} bytes, its header describes {described}); "
                            "it was cut short while being copied or written",
    "checkpoint.no_metadata": "{path}: a safetensors file, but not a genstudio checkpoint (no genstudio metadata)",
    "checkpoint.metadata_damaged": "{path}: its genstudio metadata is damaged",
    "checkpoint.bad_format": "{path}: not a genstudio checkpoint (format {format!r})",
    "checkpoint.newer": "{path}: written by a newer genstudio (checkpoint version {version}, this one reads up to "
                        "{supported}); update genstudio",

    # -- exported runs (archive.py): export and import --
    "archive.exists": "{path}: already exists; choose a new name",
    "archive.no_checkpoint": "{path}: the run has no checkpoint yet; train it first",
    "archive.cannot_write": "{path}: cannot write ({reason})",
    "archive.no_longer_readable": "{path}: cannot read it any more ({reason}); export again",
    "archive.changed": "{path}: it changed while the run was exported; export again",
    "archive.export_cancelled": "{path}: export cancelled",
    "archive.unreadable": "{path}: cannot read ({reason})",
    "archive.not_found": "{path}: no such file or folder",
    "archive.not_an_archive": "{path}: not a zip archive or an exported run folder",
    "archive.damaged": "{path}: the zip archive is damaged ({error})",
    "archive.import_cancelled": "{path}: import cancelled",
    "archive.runs_folder_unusable": "{path}: cannot use this runs folder ({reason})",
    "archive.no_room": "{path}: needs {needed:.1f} GB but {folder} has {free:.1f} GB free",
    "archive.cannot_import": "{path}: cannot import into {folder} ({reason})",
    "archive.no_free_name": "{path}: no free name for {name}",
    "archive.refused": "{path}: refused: {reason}",
    # why an import was refused
    "archive.member_backslash": "the member {name!r} has a backslash in its name",
    "archive.member_absolute": "the member {name!r} has an absolute path",
    "archive.member_drive": "the member {name!r} names a drive",
    "archive.member_unusable_name": "the member {name!r} has an unusable name",
    "archive.member_escapes": "the member {name!r} points outside the archive (..)",
    "archive.member_empty_part": "the member {name!r} has an empty or '.' path part",
    "archive.member_windows_name": "the member {name!r} has a name Windows would read differently",
    "archive.too_many_members": "it holds {count} members; an exported run has at most {limit}",
    "archive.member_symlink": "the member {name!r} is a symbolic link",
    "archive.member_not_regular": "the member {name!r} is not a regular file",
    "archive.member_encrypted": "the member {name!r} is encrypted",
    "archive.member_compression": "the member {name!r} uses an unsupported compression method",
    "archive.member_zip_bomb": "the member {name!r} would expand {ratio:,.0f} times (at most {limit}); "
                               "this looks like a zip bomb",
    "archive.file_symlink": "{name!r} is a symbolic link",
    "archive.file_not_regular": "{name!r} is not a regular file",
    "archive.too_many_files": "it holds more than {limit} files; an exported run has fewer",
    "archive.too_many_run_members": "it holds {count} members besides its gallery images; an exported run has at "
                                    "most {limit}",
    "archive.too_many_gallery_images": "it holds {count:,} gallery images; an export holds at most {limit:,}",
    "archive.member_twice": "the member {name!r} appears twice",
    "archive.too_many_bytes": "its members declare {total:,} bytes in all (at most {limit:,})",
    "archive.missing_file": "it has no {name}; it is not a run exported by genstudio",
    "archive.no_weights": "it holds no weights (.safetensors)",
    "archive.member_too_large": "the member {name!r} declares {size:,} bytes (at most {limit:,})",
    "archive.member_pickle_kind": "the member {name!r} is a {suffix} file, a kind that can run code when loaded "
                                  "(pickle); genstudio exports carry weights only as .safetensors",
    "archive.member_gallery_name": "the member {name!r} is not named as genstudio's gallery names its images "
                                   "(such as 20250101-120000-000000-000-seed-7.png)",
    "archive.member_kind": "the member {name!r} is not a kind of file an exported run holds (config, metrics, "
                           "model card, PNGs, gallery PNGs and .safetensors weights only)",
    "archive.member_pickle": "the member {name!r} is a pickle (it could run code when loaded)",
    "archive.member_zip": "the member {name!r} is a zip archive (a PyTorch .pt file holds a pickle)",
    "archive.member_png": "the member {name!r} is {problem}",
    "archive.member_binary": "the member {name!r} is binary, not text",
    "archive.member_not_json": "the member {name!r} is not valid JSON ({error})",
    "archive.member_not_json_objects": "the member {name!r} holds a line that is not a JSON object",
    "archive.member_bad_step": "the member {name!r} holds a step that is not a whole number",
    "archive.member_not_safetensors": "the member {name!r} is not a valid safetensors file ({reason})",
    "archive.member_not_utf8": "the member {name!r} is not UTF-8 text",
    "archive.member_larger": "the member {name!r} holds more than the {size:,} bytes it declares",
    "archive.member_smaller": "the member {name!r} holds less than the {size:,} bytes it declares",
    "archive.not_a_manifest": "its {name} is not a genstudio export manifest",
    "archive.newer": "it was exported by a newer genstudio (export version {version!r}); update genstudio",
    "archive.manifest_lists_nothing": "its {name} lists no files",
    "archive.manifest_missing": "its files do not match its manifest (missing {names})",
    "archive.manifest_extra": "its files do not match its manifest (not in its manifest: {names})",
    "archive.member_size_mismatch": "the member {name!r} is not the size its manifest says",
    "archive.member_damaged": "the member {name!r} is damaged (its sha256 differs from the manifest's)",
    "archive.run_unusable": "its run cannot be used here ({error})",
    "archive.weights_unreadable": "its weights are not a readable genstudio checkpoint",
    # what is wrong with a PNG member (completes "the member '...' is ...")
    "png.not_png": "not a PNG image",
    "png.no_header": "not a readable PNG image (it does not begin with its header)",
    "png.too_many_pixels": "{width:,}×{height:,} pixels (at most {limit:,})",
    "png.header_mismatch": "not a readable PNG image (its header is not what Pillow reads)",
    "png.mode": "a {mode} image, not the grayscale or RGB PNG the gallery keeps",
    "png.unreadable": "not a readable PNG image ({error})",
    # what is wrong with a safetensors member
    "safetensors.too_short": "too short",
    "safetensors.header_length": "its header length does not fit the file",
    "safetensors.header_not_json": "its header is not JSON",
    "safetensors.header_not_table": "its header is not a table",
    "safetensors.tensor_dtype": "tensor {key!r} has no known dtype",
    "safetensors.tensor_shape": "tensor {key!r} has a bad shape",
    "safetensors.tensor_offsets": "tensor {key!r} has offsets that do not match its shape",
    "safetensors.size_mismatch": "its header describes {described:,} bytes, the member holds {size:,}",
    "safetensors.no_metadata": "no genstudio checkpoint metadata",

    # -- images and animations (export.py) --
    "image.bad_format": "images are saved as PNG, JPEG or WebP, not {format}",
    "image.parameters_too_long_for_jpeg": "these parameters ({size:,} bytes) do not fit a JPEG's 64 KB EXIF; save "
                                          "the image as PNG or WebP",
    "image.bad_extension": "{name}: images are saved as .png, .jpg or .webp, not {extension}",
    "image.not_found": "{path}: no such file",
    "image.is_a_folder": "{path}: a folder, not an image",
    "image.unreadable": "{path}: not an image genstudio can read ({error})",
    "animation.no_frames": "an animation needs at least one frame",
    "animation.sizes_differ": "animation frames differ in size: {sizes}",
    "animation.bad_fps": "an animation plays at 0 to 100 frames a second, not {fps}",
    "animation.bad_extension": "{name}: an animation is saved as .gif, .png or .apng, not {extension}",

    # -- training (training/): its settings, why it cannot start, its warnings and failures --
    "train.no_length": "give a number of steps or of minutes to train",
    "train.bad_steps": "steps must be at least 1, not {steps}",
    "train.bad_minutes": "minutes must be more than 0, not {minutes}",
    "train.bad_batch_size": "batch size must be at least 1, not {batch_size}",
    "train.bad_lr": "learning rate must be a positive number, not {lr}",
    "train.bad_precision": "precision must be auto, fp32, bf16 or fp16, not {precision!r}",
    "train.bad_channels_last": "channels_last must be auto, on or off, not {channels_last!r}",
    "train.bad_holdout": "holdout must be between 0 and 0.5, not {holdout}",
    "train.bad_ema_decay": "ema_decay must be in [0, 1), not {ema_decay}",
    "train.bad_ema_warmup": "ema_warmup must be 1 or more (10 is usual), not {ema_warmup}",
    "train.bad_quality_minutes": "quality_minutes must be 0 (no measuring) or more, not {quality_minutes}",
    "train.device_unavailable": "device {device!r} is not available: {reason}; use --device cpu or auto",
    "train.no_such_device": "device {device!r} does not exist: {count} CUDA GPU(s) found",
    "train.unknown_device": "unknown device {device!r}; use auto, cpu, cuda, cuda:N or mps",
    "train.no_gpu_bf16": "this GPU does not support bf16; use --precision fp16 or fp32",
    "train.no_cpu_fp16": "fp16 is not supported for training on the CPU; use bf16 or fp32",
    "train.no_images": "the dataset has no images",
    "train.other_family": "{path} is a {family} run, not {expected}",
    "train.other_images": "{path} was trained on {size}px images with {channels} channel(s); load the dataset at "
                          "that size and channel count to resume",
    "train.nothing_to_resume": "{path} has no checkpoint to resume from",
    "train.cannot_write": "{path}: training cannot write into the run folder ({reason:lower}); make it writable "
                          "(or free space on its disk), or copy the run to a folder you can write to and train there",
    "train.distributed_device": "torchrun trains on CUDA GPUs (NCCL) or the CPU (gloo), not on {device}",
    "train.distributed_gpus": "torchrun started {processes} processes on this machine but it has {gpus} CUDA GPUs: "
                              "start one process per GPU (--nproc-per-node), or train on the CPU with --device cpu",
    "train.distributed_folder": "process {rank} on {host} cannot open the run folder {path} that process 0 made: "
                                "with several machines, --out must be a folder every machine sees (a shared "
                                "file system)",
    "train.distributed_dataset": "process {rank} on {host} loaded other images than process 0 ({images} here, "
                                 "{expected} there): every process must train on the same dataset, at the same "
                                 "size",
    "training.batch_lowered": "batch size lowered to {batch_size}: the dataset has only {images} training images",
    "training.dataset_changed": "the dataset changed since this run started; training continues on the new images",
    "training.dataset_changed_at": "the dataset changed since this run started: '{path}' now holds other files (or "
                                  "other sizes); training continues on them",
    "training.rolled_back": "losses were not finite for {bad_steps} steps in a row: rolled back to step {step} and "
                            "halved the learning rate (now x{lr_scale:g})",
    "training.diverged": "training diverged: losses stayed non-finite after {rollbacks} rollbacks; lower the "
                         "learning rate or use --precision fp32",
    "training.overfitting": "the held-out {key} has risen from {best:.4g} (step {best_step}) to {now:.4g} while "
                            "the training loss keeps falling: the model fits its training images better than new "
                            "ones and may start to copy them. The best weights are kept as best.safetensors: sample "
                            "from them (--checkpoint best) and compare with the newest; more images, a smaller model "
                            "or a shorter run help",
    # why a training setting was chosen (studio/engine/training/plan.py)
    "plan.given": "as you set it",
    "plan.family_default": "the {family} family's default",
    "plan.preset_default": "the default model size",
    "plan.preset_recipe": "the {recipe} recipe's model size",
    "plan.preset_cpu": "the {recipe} recipe's model size for training on a CPU (the larger one trains too slowly)",
    "plan.preset_cpu_size": "a lighter model size for a timed run on a CPU at {size} px: the usual one learns too "
                            "slowly there to draw",
    "plan.size_default": "the default image size",
    "plan.size_recipe": "the {recipe} recipe's image size",
    "plan.minutes_recipe": "the {recipe} recipe's length",
    "plan.steps_family": "the {family} family's default length",
    "plan.batch_images": "no more than the {images} training images",
    "plan.batch_memory": "the largest batch that fits the {available} {device} has free",
    "plan.batch_too_big": "batch size {batch_size} needs about {needed} and {device} has {available} free: training "
                          "may run out of memory; batch size {fits} fits",
    "training.quality_too_few": "sample quality is not measured while training: {count} images are held out, at "
                                "least {needed} are needed (more images, or a larger holdout share)",
    "training.quality_skipped": "sample quality is not measured while training: its feature network would take "
                                "about {seconds} s, more than {share}% of this run; measure it after training "
                                "(Compare, genstudio evaluate), which also makes later runs on this data measure it",
    "training.out_of_memory": "out of memory on {device} at batch size {batch_size}, {size}px: try a smaller batch "
                              "size, image size or preset",
    # why the Trainer chose a device and a precision (Started.device_reason, .precision_reason)
    "device.cuda_found": "a CUDA GPU is available",
    "device.mps_found": "an Apple GPU is available (MPS)",
    "device.no_gpu": "no CUDA or Apple GPU found",
    "device.chosen": "chosen",
    "device.no_cuda_build": "this PyTorch was built without CUDA",
    "device.no_cuda_gpu": "no CUDA GPU is visible",
    "device.no_mps": "no Apple GPU with MPS support",
    "precision.gpu_bf16": "the GPU supports bf16 (mixed precision, no loss scaling needed)",
    "precision.gpu_fp16": "mixed precision fp16 with loss scaling (the GPU lacks bf16)",
    "precision.cpu_bf16": "this CPU's {feature} ran a training step {speedup}x as fast in bf16 as in fp32 (measured "
                          "once on this machine)",
    "precision.cpu_bf16_slow": "this CPU has {feature}, but bf16 ran a training step only {speedup}x as fast as "
                               "fp32 here (measured once on this machine), and fp32 gives the same numbers on "
                               "every machine",
    "precision.cpu_fp32": "fp32: this CPU lacks AVX512-BF16/AMX, where bf16 would be slower",
    "precision.fp32_on": "fp32 on {device}",

    # -- model settings (families/): configs, the image size and dataset they fit, sampling options --
    "config.unknown_family": "unknown family {name!r}; available: {choices}",
    "config.unknown_preset": "unknown preset {name!r}; choose one of {choices}",
    "config.unknown_settings": "{config} has no setting {names}; known settings: {known}",
    "config.wrong_class": "{family} needs a {expected}, got {got}",
    "config.between": "{name} must be between {low} and {high}, not {value}",
    "config.between_example": "{name} must be between {low} and {high} (e.g. {example}), not {value}",
    "config.multiples": "{name} must be multiples of {factor} (e.g. {example}), not {value}",
    "config.in_range": "{name} must be in {range}, not {value}",
    "config.one_of": "{name} must be one of {choices}, not {value!r}",
    "config.bad_augment": "augment takes a comma-separated list of {choices} (or \"\"), not {value}",
    "autoregressive.bad_kernel": "kernel must be an odd number of at least 3 (e.g. 3 or 5), not {kernel}",
    "autoregressive.bad_channels": "the autoregressive family takes 1 or 3 channels, not {channels}",
    "diffusion.bad_blocks": "blocks needs one count (0 or more) per level of channels {channels}",
    "diffusion.bad_heads": "heads ({heads}) must divide every channel width and text_dim",
    "diffusion.bad_patch": "patch must be 1, 2 or 4, not {patch}",
    "diffusion.bad_prediction": "prediction must be 'v' or 'epsilon', not {prediction!r}",
    "diffusion.bad_timestep_sampling": "timestep_sampling must be 'uniform' or 'logit-normal', not "
                                       "{timestep_sampling!r}",
    "diffusion.bad_snr_or_dropout": "min_snr_gamma cannot be negative and caption_dropout must be in [0, 1)",
    "diffusion.bad_text_encoder": "text_dim must be at least 8, text_depth and max_prompt_words at least 1",
    "diffusion.size_not_divisible": "a {levels}-level U-Net with patch {patch} needs an image size divisible by "
                                    "{multiple}, not {size}: change the size, patch or number of channel levels",
    "diffusion.patch_too_large": "patch {patch} folds {folded} values into each position, more than the first "
                                 "level's {channels} channels can hold: use a smaller patch or at least {needed} "
                                 "channels at the first level",
    # classifier guidance (families/noisy_classifier.py)
    "diffusion.no_classifier": "this run has no noisy classifier (it was trained without labels or captions, or "
                               "with classifier off): choose guidance kind classifier-free, or train a new run on "
                               "labelled or captioned images",
    "diffusion.classifier_needs_label": "classifier guidance steers toward a class: type one of the labels as the "
                                        "prompt ({known})",
    "diffusion.classifier_needs_words": "classifier guidance steers toward the prompt's words, and the classifier "
                                        "knows none of them: use words from the captions ({known})",
    "flow.bad_coupling_scale": "coupling_scale must be sigmoid or tanh, not {coupling_scale!r}",
    "flow.bad_logit_alpha": "logit_alpha must be in [0, 0.5), e.g. 0.05, not {logit_alpha}",
    "flow.size_not_divisible": "a flow with {levels} levels needs an image side divisible by {multiple}, not "
                               "{size}; change the image size or levels",
    "flowgan.bad_image_size": "Flow-GAN's discriminator needs a power-of-two image size of at least 4, not {size}",
    "gan.negative_gp_weight": "gp_weight cannot be negative",
    "gan.bad_embed_dim": "embed_dim must be at least 1",
    "gan.bad_image_size": "the GAN needs a power-of-two image size of at least 4, not {size}",
    "gan.no_labels_to_condition_on": "condition=label needs a dataset with class folders; use condition=none or "
                                     "caption",
    "gan.no_captions_to_condition_on": "condition=caption needs a dataset with captions; use condition=none or label",
    "ddgan.bad_steps": "denoising_steps must be a whole number between 1 and {high} (a denoising diffusion GAN is "
                       "made for 2-4), not {value}",
    "ddgan.bad_schedule": "the noise schedule needs 0 < beta_min < beta_max <= 100 (e.g. 0.1 and 20), not "
                          "beta_min {beta_min} and beta_max {beta_max}",
    "ddgan.bad_image_size": "the denoising diffusion GAN needs a power-of-two image size of at least 8 that its "
                            "{levels}-level U-Net can halve, not {size}",
    "igpt.bad_width": "dim must be at least 8 and a multiple of heads (at least 1), not dim {dim} with {heads} heads",
    "igpt.bad_channels": "Image GPT takes 1 or 3 channels, not {channels}",
    "igpt.too_many_pixels": "{size}x{size} = {pixels} pixels is too many tokens for Image GPT (at most {limit}); "
                            "use a smaller image size (e.g. 32)",
    # latent diffusion (ldm)
    "ldm.bad_downsample": "downsample must be 2, 4 or 8 (how many times smaller a side the latent is than the "
                          "image), not {value}",
    "ldm.negative_autoencoder_settings": "blocks, kl_weight and autoencoder_steps cannot be negative, and "
                                         "autoencoder_batch must be at least 1",
    "ldm.bad_autoencoder_share": "autoencoder_share must be between 0 and 1 (the share of the run for stage 1), "
                                 "not {value}",
    "ldm.size_not_divisible": "latent diffusion needs an image size that is a multiple of {multiple} here (the "
                              "autoencoder makes it {downsample} times smaller, then the U-Net's {levels} levels "
                              "halve it again); {size} is not: use --size {example}, or another downsample "
                              "(--set downsample=2, 4 or 8)",
    "prompt.untrained_ldm": "the diffusion model is untrained (the run ended in stage 1, the autoencoder), so "
                            "samples are noise: train on with --resume",
    "frame.reconstructions_and_random_latents": "reconstructions, and random latents decoded (the diffusion model "
                                                "learns the latents in stage 2)",
    "vae.negative_blocks": "blocks must be 0 or more",
    "vae.negative_kl_settings": "beta, free_bits and kl_warmup_steps cannot be negative",
    "vae.bad_image_size": "the VAE needs a power-of-two image size of at least 4, not {size}",
    "vaegan.negative_adversarial_settings": "adv_weight, fm_weight, adv_start_steps and adv_warmup_steps cannot be "
                                            "negative",
    "vaegan.bad_patch_image_size": "the patch discriminator needs a power-of-two image size of at least 8, not {size}",
    "vqvae.bad_blocks_or_downsample": "blocks must be 0 or more and downsample between 0 and 5",
    "vqvae.bad_codebook": "codebook_size must be 2 to 65536 and code_dim at least 1, not {codebook_size} and "
                          "{code_dim}",
    "vqvae.bad_codebook_training": "codebook_decay must be in (0, 1); commitment and dead_code_threshold cannot be "
                                   "negative",
    "vqvae.negative_autoencoder_steps": "autoencoder_steps cannot be negative",
    "vqvae.bad_autoencoder_share": "autoencoder_share must be between 0 and 1 (the share of the run for stage 1), "
                                   "not {value}",
    "vqvae.bad_prior_regularisation": "prior_dropout must be at least 0 and below 1, and prior_weight_decay at least "
                                      "0 (got {dropout} and {weight_decay})",
    "vqvae.bad_prior": "prior_dim ({prior_dim}) must be a multiple of prior_heads ({prior_heads}) and prior_depth at "
                       "least 1",
    "vqvae.bad_text": "text_length must be at least 1 and text_dropout between 0 and 1",
    "vqvae.size_not_divisible": "the image size {size} must be a multiple of {multiple} (downsample={downsample}); "
                                "choose another size or --set downsample=...",
    "vqvae.too_many_tokens": "{side}x{side} = {tokens} image tokens is too many for the prior (at most {limit}); "
                             "raise downsample",
    "sample.unknown_options": "unknown sampling option(s) {names}; known: {known}",
    "sample.unknown_sampler": "unknown sampler {sampler!r}; choose one of {choices}",
    "sample.bad_steps": "steps must be a whole number from 1 to 1000, not {steps}",
    "sample.option_number": "sampling option {name} takes a number from {low} to {high}, not {value!r}",
    "sample.option_whole": "sampling option {name} takes a whole number from {low} to {high}, not {value!r}",
    "sample.option_bool": "sampling option {name} takes true or false, not {value!r}",
    "sample.bad_guidance": "guidance must be 0-100, guidance_rescale and eta 0-1",
    "sample.bad_guidance_interval": "guidance_start and guidance_end must lie between 0 and 1 with the start not "
                                    "after the end, not {start} and {end}",
    "sample.unknown_label": "unknown label {label!r}; known labels: {known}",
    "sample.no_labels": "this model was not trained with labels; use label=-1",
    "sample.bad_label": "label must be -1 or between 0 and {high}, not {label}",
    # sampling precision
    "sample.unknown_precision": "unknown sampling precision {precision!r}; choose one of {choices}",
    "sample.no_bf16_cpu": "bf16 sampling was asked for, but this CPU lacks AVX512-BF16 and AMX: sampling in fp32 "
                          "instead, so the images will differ slightly from those drawn in bf16",
    "sample.no_bf16_device": "bf16 sampling was asked for, but this device ({device}) has no fast bf16: sampling in "
                             "fp32 instead, so the images will differ slightly from those drawn in bf16",
    # what the families say about a prompt before sampling (Family.prompt_warnings) and while training (ctx.warn)
    "prompt.names_no_class": "the prompt {prompt!r} names no class of this model; classes: {classes}",
    "prompt.ignored_no_captions_or_classes": "this model was trained without captions or class folders: the prompt "
                                             "is ignored",
    "prompt.ignored_no_captions_or_labels": "this model was trained without captions or labels, so the prompt is "
                                            "ignored",
    "prompt.ignored_unconditional_gan": "this GAN is unconditional: the prompt is ignored",
    "prompt.unknown_word": "the model never saw {words}: it is treated as an unknown word",
    "prompt.unknown_words": "the model never saw {words}: they are treated as an unknown word",
    "prompt.unseen_words": "words the model never saw: {words}",
    "prompt.unseen_word_ignored": "the model never saw {words} in its captions or labels: that word is ignored",
    "prompt.unseen_words_ignored": "the model never saw {words} in its captions or labels: those words are ignored",
    "prompt.too_long": "only the first {count} words of the prompt are used",
    "prompt.untrained_prior": "the prior is untrained (the run ended in stage 1), so samples are noise: train on "
                              "with --resume (stage 2 starts at step {autoencoder_steps} at the latest)",
    "gan.mode_collapse": "mode collapse: the generated images look almost alike (their diversity is far below the "
                         "data's); try more augmentation, a lower learning rate, or resume from an earlier checkpoint",
    "gan.discriminator_wins": "the discriminator wins outright (it tells every generated image from a real one), so "
                              "the generator has little to learn from; try augment=color,translation,cutout or a "
                              "lower learning rate",
    "gan.diverging": "training is diverging: the discriminator's scores are growing without bound; lower the "
                     "learning rate or use loss=hinge with spectral_norm=true",
    # what a sampling frame shows (Frame.label)
    "frame.samples": "samples",
    "frame.fixed_noise_samples": "samples from fixed noise",
    "frame.reconstructions_and_samples": "reconstructions and samples",
    "frame.reconstructions_and_prior_samples": "reconstructions and prior samples",
    "frame.step": "step {step}/{steps}",
    "frame.row": "row {row}/{rows}",
    "frame.interpolation": "t = {t:.2f}",
    # latent directions' names and how they were found (LatentDirection.name, .help)
    "direction.dimension": "z{index} (KL {kl:.2f})",
    "direction.dimension_help": "latent dimension {index} alone",
    "direction.principal": "PC{index} ({percent:.0f}% of variance)",
    "direction.principal_help": "a principal direction of the encoded dataset",
    "direction.attribute_help": "mean latent of the {with_count} images with '{name}' minus that of the "
                                "{without_count} without",
    "direction.coarse": "coarse {channel} ({side}x{side})",
    "direction.spread": "direction {index} (spread {spread:.2f})",

    # -- the gallery's exports (gallery.py) --
    "gallery.write_failed": "{path}: {reason}",
    "gallery.not_a_folder": "{path}: this is a file, not a folder; choose a folder to export into",
    "gallery.grid_sizes": "{path}: a grid needs images of one size, these have {count} sizes",
    "gallery.animation_sizes": "{path}: an animation needs images of one size, these have several sizes",

    # -- evaluation and comparison (evaluation/) --
    "evaluation.too_few_images": "{path}: {count:,} {count:plural:image/images} are too few to measure against: "
                                 "evaluation needs at least {needed} (a share of them is held out)",
    "evaluation.too_few_samples": "at least {needed} generated images are needed to measure, got {count}",
    "evaluation.dataset_gone": "the run was trained on '{path}', which is not there any more; "
                               "name the dataset (genstudio evaluate RUN --data FOLDER)",
    "evaluation.other_data": "the dataset at '{path}' changed since this run was trained on it "
                             "(other files or sizes): its held-out images differ, so read the figures with care",
    "evaluation.other_size": "{path}: these images are {size}x{size}, the dataset was loaded at {expected}x{expected}",
    "evaluation.few_heldout": "only {count} held-out images: the figures are rough (their spread says how rough)",
    "evaluation.cancelled": "evaluation cancelled",
    "evaluation.stage.features": "training the feature network",
    "evaluation.stage.reference": "measuring the real images",
    "evaluation.stage.sampling": "generating images",
    "evaluation.stage.scoring": "scoring",
    "evaluation.stage.likelihood": "bits per dimension",
    "compare.other_dataset": "{path} was trained on other data than {first} (a different dataset fingerprint): "
                             "runs are compared on one dataset",
    "compare.no_runs": "name at least one run to compare",
    "compare.not_written": "{path}: the report cannot be written: {reason}",
    "compare.folder_in_use": "{path} already holds '{name}', which is not part of a genstudio report; "
                             "choose an empty folder (or one holding only an earlier report)",
    "compare.not_ours": "it already holds '{name}' and no earlier report",
    "compare.no_families": "name at least one family to train",

    # checkpoint integrity
    "checkpoint.damaged": "{path}: damaged (its contents do not match the sha256 written beside it when it was saved)",
    "checkpoint.used_instead": "{reasons}; using {name} instead (step {step})",
    "run.no_good_checkpoint": "{path}: no checkpoint of this run can be used ({reasons}); restore its checkpoints "
                              "folder from a backup, or train again into a new folder",
    "checkpoint.disk_full": "{path}: cannot be saved: {reason:lower} ({size} needed); the file there before is "
                            "unchanged",
    "checkpoint.disk_full_run": "{folder}: no room to save the checkpoint: {reason:lower} ({size} needed); the last "
                                "good checkpoint, {last} (step {step}), is unchanged. Free at least {size} there "
                                "(or move the run folder to a disk with room) and resume",
    "checkpoint.disk_full_first": "{folder}: no room to save the run's first checkpoint: {reason:lower} ({size} "
                                  "needed). Free at least {size} there, or train into a folder on a disk with room",
}


class _Formatter(string.Formatter):
    def format_field(self, value: Any, spec: str) -> str:
        if spec.startswith("plural:"):
            one, many = spec.removeprefix("plural:").split("/", 1)
            return one if value == 1 else many
        if spec == "lower":
            return str(value).lower()
        if isinstance(value, tuple) and value and all(isinstance(item, Message) for item in value):
            return "; ".join(value)                       # a list of messages, e.g. skipped files
        return format(value, spec)


_FORMATTER = _Formatter()


def format_template(template: str, args: Mapping[str, Any]) -> str:
    """`template` (English or a translation of it) with its named fields filled from `args`."""
    return _FORMATTER.vformat(template, (), args)


def template_fields(template: str) -> set[str]:
    """The argument names a template uses: a translation must use the same ones."""
    return {name for _, name, _, _ in string.Formatter().parse(template) if name}


class Message(str):
    """A message of the engine's: its English text (this string), its `id` and its `args`. Frozen."""

    id: str
    args: Mapping[str, Any]

    def __new__(cls, id: str, /, **args: Any) -> "Message":
        try:
            template = CATALOGUE[id]
        except KeyError:
            raise KeyError(f"no message {id!r} in studio.engine.messages.CATALOGUE") from None
        self = super().__new__(cls, format_template(template, args))
        self.__dict__.update(id=id, args=types.MappingProxyType(args))
        return self

    def __setattr__(self, name: str, value: Any) -> None:
        raise AttributeError(f"a Message is frozen: cannot set {name}")

    def __delattr__(self, name: str) -> None:
        raise AttributeError(f"a Message is frozen: cannot delete {name}")

    def __reduce__(self):
        return _rebuild, (self.id, dict(self.args))

    def replacing(self, old: str, new: str) -> "Message":
        """This message with `old` replaced by `new` in its text and path arguments (e.g. a temporary folder's
        path by the one the user knows); nested messages too."""
        def swap(value):
            if isinstance(value, Message):
                return value.replacing(old, new)
            if isinstance(value, tuple):
                return tuple(swap(item) for item in value)
            return str(value).replace(old, new) if isinstance(value, str) or hasattr(value, "__fspath__") else value

        return Message(self.id, **{name: swap(value) for name, value in self.args.items()})


def _rebuild(id: str, args: dict) -> Message:
    return Message(id, **args)


class EngineError(Exception):
    """An engine error that says what to change: `DatasetError("dataset.not_found", path=root)`, or one made
    from a Message. `error.message` is the Message; str(error) its English text."""

    def __init__(self, message: str, /, **args: Any):
        self.message = message if isinstance(message, Message) and not args else Message(message, **args)
        super().__init__(self.message)


def os_reason(error: OSError) -> str:
    """Why the operating system refused: a Message (id "os.<errno name>") where genstudio knows the reason,
    else the error's own words; its text is `error.strerror` (or str(error)) either way."""
    text = error.strerror or str(error)
    name = errno.errorcode.get(error.errno or 0, "")
    if _OS_REASONS.get(name) == text:
        return Message(f"os.{name}")
    return text


def message_of(error: BaseException) -> str:
    """An error's Message where it carries one, else its text."""
    message = getattr(error, "message", None)
    return message if isinstance(message, Message) else str(error)
