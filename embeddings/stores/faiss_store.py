"""The FAISS folder as a `VectorStore`: everything in memory, ids are row numbers.

A thin view over `embeddings.stores.faiss_folder.LoadedIndex` (the on-disk format is unchanged): exact search
for flat indexes and for filtered queries, FAISS' IVF top-k otherwise, bm25s for every chunk.
Sentence vectors stay memory-mapped: an answer reads a few dozen rows of them.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path

import numpy as np

from embeddings.types import Chunk

from .faiss_folder import LoadedIndex, load_index
from .faiss_write import write_folder
from .interface import FilterLike, WritePlan, embed_key, sample_rows
from .sentence_table import lookup, stored_rows
from .versions import writer_lock


class FaissStore:
    def __init__(self, index: LoadedIndex):
        self.loaded = index
        self.manifest = index.manifest
        self.documents = index.documents
        self._doc_list = list(index.documents.values())
        self._doc_rows = index.chunks.doc_rows  # row -> position of its article in _doc_list
        self._exact = index.manifest.get("index_type", "flat") == "flat"
        self._lexical_cache: tuple[str, np.ndarray] | None = None

    @property
    def version(self) -> str:
        return self.loaded.version

    @property
    def path(self):
        return self.loaded.path

    @property
    def n_chunks(self) -> int:
        return len(self.loaded.chunks)

    def _allowed(self, filters: FilterLike | None) -> np.ndarray:
        if filters is None:
            return np.ones(self.n_chunks, dtype=bool)
        return np.array([filters.allows(d) for d in self._doc_list], dtype=bool)[self._doc_rows]  # per article, then per row

    def _all_lexical(self, query: str) -> np.ndarray:
        # subtle: a hybrid search asks for the top-k and then for scores of the dense candidates; one bm25s pass serves both
        if self._lexical_cache is None or self._lexical_cache[0] != query:
            self._lexical_cache = (query, self.loaded.lexical.scores(query))
        return self._lexical_cache[1]

    def dense_search(self, qvec: np.ndarray, k: int, filters: FilterLike | None) -> tuple[list[int], np.ndarray]:
        allowed = self._allowed(filters)
        if self._exact or not allowed.all():
            rows = np.flatnonzero(allowed)
            scores = self.loaded.vectors[rows] @ qvec
        else:
            found, ids = self.loaded.faiss_index.search(qvec[None, :], k)
            keep = ids[0] >= 0
            rows, scores = ids[0][keep], found[0][keep]
        order = top_rows(scores, k)
        return [int(r) for r in rows[order]], np.asarray(scores[order], dtype=np.float32)

    def lexical_search(self, query: str, k: int, filters: FilterLike | None) -> tuple[list[int], np.ndarray]:
        scores = self._all_lexical(query)
        if filters is not None:
            scores = np.where(self._allowed(filters), scores, 0.0)
        top = top_rows(scores, k)
        top = top[scores[top] > 0]
        return [int(r) for r in top], scores[top].astype(np.float32)

    def dense_scores(self, ids: Sequence[int], qvec: np.ndarray) -> np.ndarray:
        return self.loaded.vectors[np.asarray(ids, dtype=np.int64)] @ qvec

    def lexical_scores(self, query: str, ids: Sequence[int]) -> np.ndarray:
        return self._all_lexical(query)[np.asarray(ids, dtype=np.int64)]

    def chunks(self, ids: Sequence[int]) -> list[Chunk]:
        return [self.loaded.chunks[i] for i in ids]

    def order_key(self, id_: int) -> int:
        return id_

    def sample_vectors(self) -> np.ndarray:
        return self.loaded.vectors[sample_rows(self.n_chunks)]

    def all_chunks(self) -> list[Chunk]:
        return self.loaded.chunks

    def sentence_vectors(self, texts: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
        """Binary search of the texts' keys in the memory-mapped sentence_keys.npy; float16 rows re-normalized."""
        keys = [embed_key(self.manifest["model"], t) for t in texts]
        return lookup(self.loaded.sentence_keys, self.loaded.sentence_vectors, keys, int(self.manifest.get("dim") or 0))

    def document_frequencies(self) -> Mapping[str, int]:
        """Read off the BM25 matrix (CSC: one column per token)."""
        lexical = self.loaded.lexical
        counts = np.diff(np.asarray(lexical.retriever.scores["indptr"]))
        return {tok: int(counts[i]) for tok, i in lexical.vocab.items() if i < len(counts)}


def top_rows(scores: np.ndarray, k: int) -> np.ndarray:
    """Indices of the k highest scores, best first, ties in index order (a full stable sort's first k, without
    sorting all n: at 100,000 passages the sort was most of a lexical search).

    >>> top_rows(np.array([0.5, 2.0, 0.5, 1.0]), 3).tolist()
    [1, 3, 0]
    """
    if k >= len(scores):
        return np.argsort(-scores, kind="stable")
    kth = np.partition(-scores, k - 1)[k - 1]  # the k-th best score: everything better, plus ties at it
    rows = np.flatnonzero(-scores <= kth)
    return rows[np.argsort(-scores[rows], kind="stable")][:k]


class FaissWriter:
    """Builds write a complete new version folder (atomic switch of CURRENT, under the writer lock)."""

    rewrites_everything = True  # every build writes all vectors into a new version folder
    streams = True  # takes the plan's batches one at a time (embeddings.stores.faiss_write)
    stores_sentences = True  # sentence_keys.npy + sentences.npy: English answers read their sentence vectors

    def __init__(self, index_dir: Path, lock_wait_seconds: float = 0.0):
        self.index_dir = index_dir
        self.lock_wait_seconds = lock_wait_seconds
        self._previous: LoadedIndex | None = None
        self._rows: dict[str, int] | None = None  # embed key -> row of the previous version
        self._lock = None

    def __enter__(self) -> FaissWriter:
        self._lock = writer_lock(self.index_dir, self.lock_wait_seconds)
        self._lock.__enter__()
        return self

    def __exit__(self, *exc) -> None:
        self._lock.__exit__(*exc)

    def previous_manifest(self) -> dict:
        self._previous = load_index(self.index_dir)
        return self._previous.manifest

    @property
    def previous_version(self) -> str:
        return self._previous.version if self._previous else ""

    def cached_vectors(self, wanted: Mapping[str, Chunk], key) -> dict[str, np.ndarray]:
        """embed key -> stored vector, for the wanted keys the previous version holds (asked once per batch)."""
        if self._previous is None:
            return {}
        if self._rows is None:  # every stored passage's key, computed once per build
            self._rows = {key(c): i for i, c in enumerate(self._previous.chunks)}
        return {k: self._previous.vectors[self._rows[k]] for k in wanted if k in self._rows}

    def cached_sentence_vectors(self, keys: Sequence[str]) -> dict[str, np.ndarray]:
        """key -> stored sentence vector (float16 widened to float32, not re-normalized: a reused vector is
        written back to float16 unchanged), for the wanted keys the previous version holds."""
        if self._previous is None:
            return {}
        return stored_rows(self._previous.sentence_keys, self._previous.sentence_vectors, keys)

    def write(self, plan: WritePlan) -> str:
        return write_folder(self.index_dir, plan)
