"""The FAISS folder as a `VectorStore`: everything in memory, ids are row numbers.

A thin view over `embeddings.store.LoadedIndex` (the on-disk format is unchanged): exact search
for flat indexes and for filtered queries, FAISS' IVF top-k otherwise, bm25s for every chunk.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np

from .store import LoadedIndex
from .types import Chunk
from .vectorstore import FilterLike, sample_rows


class FaissStore:
    def __init__(self, index: LoadedIndex):
        self.loaded = index
        self.manifest = index.manifest
        self.documents = index.documents
        self._docs = [index.documents[c.doc_id] for c in index.chunks]
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
        return np.array([filters.allows(d) for d in self._docs], dtype=bool)

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
        order = np.argsort(-scores, kind="stable")[:k]
        return [int(r) for r in rows[order]], np.asarray(scores[order], dtype=np.float32)

    def lexical_search(self, query: str, k: int, filters: FilterLike | None) -> tuple[list[int], np.ndarray]:
        scores = np.where(self._allowed(filters), self._all_lexical(query), 0.0)
        top = np.argsort(-scores, kind="stable")[:k]
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

    def document_frequencies(self) -> Mapping[str, int]:
        """Read off the BM25 matrix (CSC: one column per token)."""
        lexical = self.loaded.lexical
        counts = np.diff(np.asarray(lexical.retriever.scores["indptr"]))
        return {tok: int(counts[i]) for tok, i in lexical.vocab.items() if i < len(counts)}
