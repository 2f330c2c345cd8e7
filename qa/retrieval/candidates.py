"""The candidates one search fuses: the union of each retriever's top POOL, with both scores for every one.

This is the only place retrieval talks to a store (embeddings.stores.interface), so fusion, signals and
answers in qa.retrieval.searcher run unchanged on FAISS and on Qdrant. Candidates come in corpus order
(article, then position), which is how ties in the fused ranking break on every store.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from embeddings.stores.interface import FilterLike, VectorStore
from embeddings.types import Chunk, Document


@dataclass(frozen=True, slots=True)
class Candidates:
    """Row j: `chunks[j]` of `docs[j]`, cosine `dense[j]` (zeros without a query vector), BM25 `lexical[j]`."""

    chunks: list[Chunk]
    docs: list[Document]
    dense: np.ndarray  # (n,) float32
    lexical: np.ndarray  # (n,) float32


def gather(
    store: VectorStore, question: str, qvec: np.ndarray | None, retriever: str, filters: FilterLike | None, pool: int
) -> Candidates:
    """Hybrid: dense top-`pool` ∪ BM25 top-`pool` (positive scores only); dense / bm25: that retriever's top-`pool`."""
    dense_ids: list = []
    lexical_ids: list = []
    if qvec is not None:
        dense_ids, _ = store.dense_search(qvec, pool, filters)
    if retriever != "dense":
        lexical_ids, _ = store.lexical_search(question, pool, filters)
    if retriever == "hybrid":
        ids = list(dict.fromkeys([*dense_ids, *lexical_ids]))
    else:
        ids = list(dense_ids if retriever == "dense" else lexical_ids)
    ids.sort(key=store.order_key)
    chunks = store.chunks(ids)
    dense = store.dense_scores(ids, qvec) if qvec is not None and ids else np.zeros(len(ids), np.float32)
    lexical = store.lexical_scores(question, ids) if retriever != "dense" and ids else np.zeros(len(ids), np.float32)
    docs = [store.documents[c.doc_id] for c in chunks]
    return Candidates(chunks, docs, np.asarray(dense, np.float32), np.asarray(lexical, np.float32))
