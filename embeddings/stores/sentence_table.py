"""The sentence vectors a version keeps beside its passages: two .npy files, written while a build streams and
looked up by key. The same files and format in a FAISS folder version and in a Qdrant Edge version::

    sentence_keys.npy  (m,) sorted embed keys (sha1 hex, bytes) of the corpus' distinct sentences
    sentences.npy      (m, d) float16: row i is the "passage" vector of the sentence keyed sentence_keys[i]

`SentenceTableWriter` appends each key's row once to a raw float16 file in the version being built, and at the end
sorts the keys and turns the rows into sentences.npy in that order, a block at a time (memory: the keys, not the
rows). Readers memory-map both files (`load_table`) and binary-search them (`find_rows`): an answer reads a few
dozen rows, a build's cache one batch of them. `raw_to_npy` (headerless rows -> .npy) also writes the FAISS folder's
passage vectors.

Not here: which sentences a passage has (embeddings.sentences), encoding them (embeddings.build), the manifest
entries that record the files (each store's writer), deciding whether a version has them (its manifest).
May import: numpy only.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np

KEYS, VECTORS = "sentence_keys.npy", "sentences.npy"
_RAW = "sentences.f16"  # rows in the order they came, until `finish`
_BLOCK = 65536  # rows copied at a time from a raw file into its .npy


def raw_to_npy(raw: Path, target: Path, dtype, dim: int, order: np.ndarray | None = None) -> None:
    """Rows of the headerless file `raw` -> `target`.npy (in `order` when given), a block at a time; removes `raw`.

    Plain reads and writes, not memory maps: mapped pages would count as the build's memory (RSS).
    """
    dtype = np.dtype(dtype)
    row_bytes = dtype.itemsize * dim
    n = raw.stat().st_size // row_bytes if dim else 0
    with raw.open("rb") as src, target.open("wb") as out:
        np.lib.format.write_array_header_1_0(
            out, {"descr": np.lib.format.dtype_to_descr(dtype), "fortran_order": False, "shape": (n, dim)}
        )
        for at in range(0, n, _BLOCK):
            if order is None:
                out.write(src.read(min(_BLOCK, n - at) * row_bytes))
            else:
                source = np.memmap(raw, dtype=dtype, mode="r", shape=(n, dim))
                out.write(np.ascontiguousarray(source[order[at : at + _BLOCK]]).tobytes())
                del source
    raw.unlink()


class SentenceTableWriter:
    """The two sentence files of the version folder `folder`, filled by `add` and written by `finish`."""

    def __init__(self, folder: Path):
        self.folder = folder
        self.keys: list[str] = []  # in the order of the raw rows
        self.dim = 0  # of the first rows added
        self._seen: set[str] = set()
        self._raw = (folder / _RAW).open("wb")

    def add(self, keys: Sequence[str], vectors: np.ndarray) -> None:
        """Rows of keys not added before (a key may recur in later batches: its first vector stays)."""
        fresh = []
        for i, k in enumerate(keys):
            if k not in self._seen:
                self._seen.add(k)
                fresh.append(i)
        self.keys += [keys[i] for i in fresh]
        if fresh:
            self.dim = self.dim or int(vectors.shape[1])
            self._raw.write(np.asarray(vectors[fresh], dtype=np.float16).tobytes())

    def finish(self, dim: int) -> int:
        """sentence_keys.npy (sorted) and sentences.npy (rows in that order) from what was added; returns their rows.
        `dim`: the rows' width when none were added (an empty table still has the index's shape)."""
        self._raw.close()
        dim = self.dim or dim
        keys = np.array(self.keys, dtype=bytes)
        order = np.argsort(keys, kind="stable")
        np.save(self.folder / KEYS, keys[order], allow_pickle=False)
        raw_to_npy(self.folder / _RAW, self.folder / VECTORS, np.float16, dim, order)
        return len(self.keys)

    def discard(self) -> None:
        """Close and remove the raw file (a build that keeps no sentence vectors after all, or failed)."""
        self._raw.close()
        (self.folder / _RAW).unlink(missing_ok=True)


def load_table(version: Path, dim: int) -> tuple[np.ndarray, np.ndarray]:
    """((m,) sorted keys, (m, dim) float16 vectors) of a version, both memory-mapped; ValueError when they disagree
    in size (OSError / ValueError from numpy for a missing or damaged file: the caller names the fix)."""
    keys = np.load(version / KEYS, mmap_mode="r", allow_pickle=False)
    vectors = np.load(version / VECTORS, mmap_mode="r", allow_pickle=False)
    if keys.ndim != 1 or vectors.shape != (len(keys), dim):
        raise ValueError(f"{KEYS} {keys.shape} and {VECTORS} {vectors.shape} disagree (dim {dim})")
    return keys, vectors


def find_rows(sorted_keys: np.ndarray, keys: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
    """(rows, found): `sorted_keys[rows[i]] == keys[i]` where `found[i]`; rows of missing keys are meaningless.

    >>> find_rows(np.array([b"a", b"c"]), ["c", "b"])
    (array([1, 1]), array([ True, False]))
    """
    if not len(keys) or not len(sorted_keys):
        return np.zeros(len(keys), np.int64), np.zeros(len(keys), bool)
    wanted = np.array(keys, dtype=sorted_keys.dtype)
    rows = np.minimum(np.searchsorted(sorted_keys, wanted), len(sorted_keys) - 1)
    return rows, sorted_keys[rows] == wanted


def stored_rows(sorted_keys: np.ndarray | None, vectors: np.ndarray | None, keys: Sequence[str]) -> dict[str, np.ndarray]:
    """key -> stored vector (float16 widened to float32, not re-normalized: a reused vector written back to float16
    is unchanged), for the wanted keys the table holds; {} without a table (`sorted_keys` None)."""
    if sorted_keys is None or not len(keys):
        return {}
    rows, found = find_rows(sorted_keys, keys)
    stored = np.asarray(vectors[rows[found]], dtype=np.float32)  # only these rows are read from the map
    return dict(zip((k for k, f in zip(keys, found) if f), stored))


def lookup(
    sorted_keys: np.ndarray | None, vectors: np.ndarray | None, keys: Sequence[str], dim: int
) -> tuple[np.ndarray, np.ndarray]:
    """((len(keys), dim) float32 L2-normalized vectors, (len(keys),) bool found); rows not found (every row without a
    table: `sorted_keys` None) are zeros, for the caller to encode."""
    out = np.zeros((len(keys), dim), dtype=np.float32)
    if sorted_keys is None:
        return out, np.zeros(len(keys), dtype=bool)
    rows, found = find_rows(sorted_keys, keys)
    if found.any():
        stored = np.asarray(vectors[rows[found]], dtype=np.float32)
        out[found] = stored / np.maximum(np.linalg.norm(stored, axis=1, keepdims=True), 1e-12)
    return out, found
