"""The caption tokenizer and the text encoder (studio.engine.text)."""
import torch

from studio.engine.families.base import DataInfo
from studio.engine.text import BOS, PAD, UNK, TextEncoder, Tokenizer, build_vocabulary, words


def test_words_lowercase_drop_punctuation_and_split_chinese():
    assert words("Small RED circle, please!") == ["small", "red", "circle", "please"]
    assert words("红色的圆 big") == ["红", "色", "的", "圆", "big"]
    assert words("  ") == []


def test_vocabulary_is_ranked_by_frequency_then_alphabet():
    vocab = build_vocabulary(["red circle", "blue circle", "red square"], max_words=3)
    assert vocab == ("circle", "red", "blue")


def test_encode_pads_truncates_and_marks_unknown_words():
    tok = Tokenizer(["red", "circle"])
    assert tok.size == 5
    assert tok.encode("red circle", 5) == [BOS, 3, 4, PAD, PAD]
    assert tok.encode("red circle red circle", 3) == [BOS, 3, 4]
    assert tok.encode("", 3) == [BOS, PAD, PAD]
    ids, unknown = tok.encode_batch(["purple circle", "red hexagon purple"], 4)
    assert ids.shape == (2, 4) and ids.dtype == torch.long
    assert ids[0, 1].item() == UNK
    assert unknown == ["purple", "hexagon"]


def test_encoder_shapes_mask_and_padding_invariance():
    torch.manual_seed(0)
    tok = Tokenizer(["red", "circle", "square"])
    enc = TextEncoder(tok.size, dim=16, depth=1, heads=2, max_len=6).eval()
    ids, _ = tok.encode_batch(["red circle", ""], 6)
    tokens, pooled, mask = enc(ids)
    assert tokens.shape == (2, 6, 16) and pooled.shape == (2, 16)
    assert mask.tolist() == [[True, True, True, False, False, False], [True] + [False] * 5]
    assert torch.isfinite(tokens).all()
    # padding does not change what the real tokens see
    short, _ = tok.encode_batch(["red circle"], 4)
    _, pooled_short, _ = enc(short)
    assert torch.allclose(pooled_short[0], pooled[0], atol=1e-5)
    # different prompts, different encodings
    assert not torch.allclose(pooled[0], pooled[1])


def test_data_info_keeps_the_vocabulary_through_json():
    info = DataInfo(16, 3, ("a",), True, ("red", "circle"))
    assert DataInfo.from_dict(info.to_dict()) == info
    assert DataInfo.from_dict({"image_size": 8, "channels": 1}).vocabulary == ()
