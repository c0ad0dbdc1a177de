"""Messages with ids: the engine's errors and warnings carry (id, arguments); the English is formatted from them."""
from __future__ import annotations

import ast
import copy
import errno
import pickle
import zipfile
from pathlib import Path

import pytest

from studio.engine import messages
from studio.engine.messages import CATALOGUE, EngineError, Message, os_reason, template_fields

ENGINE = Path(messages.__file__).parent
# What carries a message: the engine's errors and the private helpers that build one.
MESSAGE_CALLS = {"DatasetError", "ConfigError", "RunError", "TrainingError", "CheckpointError", "ArchiveError",
                 "ImageMetadataError", "EngineError", "Message", "_Skip", "_refuse", "bad", "warn"}


def test_every_message_is_raised_by_id_not_by_literal_text():
    """A raise with an f-string or a sentence would bypass the catalogue, and with it the translation."""
    offenders = []
    for path in sorted(ENGINE.rglob("*.py")):
        if path.name == "messages.py" or "evaluation" in path.parts:
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.Call):
                continue
            name = getattr(node.func, "id", None) or getattr(node.func, "attr", None)
            args = node.args[1:] if name == "_refuse" else node.args      # _refuse(source, id, ...)
            if name not in MESSAGE_CALLS or not args:
                continue
            first = args[0]
            literal = isinstance(first, ast.Constant) and isinstance(first.value, str)
            if isinstance(first, ast.JoinedStr) or (literal and first.value not in CATALOGUE):
                offenders.append(f"{path.relative_to(ENGINE)}:{node.lineno}: {ast.unparse(first)[:70]}")
    assert not offenders, "raise these by a message id of studio/engine/messages.py:\n" + "\n".join(offenders)


def test_every_template_formats_and_ids_read_as_what_dot_which():
    for id, template in CATALOGUE.items():
        assert id.count(".") >= 1 and id == id.strip(), id
        fields = {name: 1 for name in template_fields(template)}
        assert str(Message(id, **fields)), id


def test_a_message_is_its_english_text_frozen_and_survives_pickling():
    reason = Message("skip.unreadable", reason=os_reason(OSError(errno.EACCES, "Permission denied")))
    message = Message("dataset.skipped", count=1, items=(Message("dataset.skipped_file", path="a.png", reason=reason),))
    assert message == "1 file skipped: a.png: cannot read: permission denied"
    assert message.id == "dataset.skipped" and message.args["items"][0].args["reason"] is reason
    assert reason.args["reason"].id == "os.EACCES"
    with pytest.raises(AttributeError):
        message.id = "other"
    for copied in (pickle.loads(pickle.dumps(message)), copy.deepcopy(message)):
        assert copied == message and copied.id == message.id and copied.args["items"][0].args["reason"].id == reason.id
    assert Message("config.multiples", name="channels", factor=4, example="32", value=(3, 5)).endswith("not (3, 5)")
    with pytest.raises(KeyError, match="no message"):
        Message("no.such_id")


def test_an_os_reason_is_a_message_only_where_its_words_are_known():
    assert os_reason(OSError(errno.ENOSPC, "No space left on device")).id == "os.ENOSPC"
    foreign = os_reason(OSError(errno.EACCES, "Zugriff verweigert"))
    assert foreign == "Zugriff verweigert" and not isinstance(foreign, Message)
    assert os_reason(OSError("no errno at all")) == "no errno at all"


def test_an_engine_error_carries_its_message_and_pickles():
    error = EngineError("run.not_found", path="/runs/x")
    assert str(error) == "/runs/x: no such run folder" and error.message.id == "run.not_found"
    again = pickle.loads(pickle.dumps(error))
    assert str(again) == str(error) and again.message.id == "run.not_found"
    assert EngineError(error.message).message is error.message


# -- real errors read as they always did ----------------------------------------------------------
def test_a_missing_dataset_folder(tmp_path):
    from studio.engine.data import DatasetError, load_dataset

    with pytest.raises(DatasetError) as info:
        load_dataset(tmp_path / "nowhere", size=8)
    assert str(info.value) == f"'{tmp_path / 'nowhere'}' does not exist"
    assert info.value.message.id == "dataset.not_found"


def test_a_truncated_checkpoint(tmp_path):
    import torch

    from studio.engine.checkpoint import CheckpointError, load_checkpoint, save_checkpoint

    path = save_checkpoint(tmp_path / "c.safetensors", {"w": torch.randn(1000)}, {"step": 3})
    whole = path.stat().st_size
    path.write_bytes(path.read_bytes()[:2000])
    with pytest.raises(CheckpointError) as info:
        load_checkpoint(path)
    assert str(info.value) == (f"{path}: the checkpoint is incomplete (2000 bytes, its header describes {whole}); "
                               "it was cut short while being copied or written")
    assert info.value.message.id == "checkpoint.truncated"


def test_a_refused_archive_member(tmp_path):
    from studio.engine.archive import ArchiveError, import_run

    with zipfile.ZipFile(tmp_path / "evil.zip", "w") as zf:
        info = zipfile.ZipInfo("run/link")
        info.external_attr = 0o120777 << 16                             # a symbolic link
        zf.writestr(info, "target")
    with pytest.raises(ArchiveError) as caught:
        import_run(tmp_path / "evil.zip", tmp_path / "runs")
    assert str(caught.value) == f"{tmp_path / 'evil.zip'}: refused: the member 'run/link' is a symbolic link"
    assert caught.value.message.id == "archive.refused"
    assert caught.value.message.args["reason"].id == "archive.member_symlink"


def test_a_skipped_file_and_the_summary_count_it_by_kind(tmp_path):
    from PIL import Image

    from studio.engine.data import load_dataset

    Image.new("RGB", (8, 8)).save(tmp_path / "ok.png")
    (tmp_path / "notes.png").write_text("shopping list\n")
    (tmp_path / "empty.png").write_bytes(b"")
    report = load_dataset(tmp_path, size=8).report
    reasons = {s.path: s.reason for s in report.skipped}
    assert reasons == {"empty.png": "empty file (0 bytes)", "notes.png": "not an image (looks like text)"}
    assert {r.id for r in reasons.values()} == {"skip.empty", "skip.text"}
    kinds = dict(report.skip_kinds())
    assert kinds == {"empty file": 1, "not an image": 1} and {kind.id for kind in kinds} == {
        "skip.kind.empty", "skip.kind.not_an_image"}
    assert f"skipped: {', '.join(f'1 {kind}' for kind in kinds)}" in report.summary()
