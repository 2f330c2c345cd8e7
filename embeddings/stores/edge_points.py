"""How Qdrant Edge shards are made and points written (for embeddings.stores.edge_write): the shard's config, a
passage's point, deleting an article's points, re-weighting every point's BM25 vector.

May import: embeddings.lexical, embeddings.types, .edge_store, .qdrant_schema; qdrant_edge through edge_store.edge.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from embeddings.lexical import tokenize
from embeddings.types import Chunk, Document

from .edge_store import edge, scroll
from .qdrant_schema import BATCH, DENSE, PAYLOAD_INDEXES, SPARSE, bm25_weights, chunk_from, chunk_payload, point_id, sparse_items

# Points wait in an appendable segment, in RAM (~17 kB each at 100,000: vectors, sparse postings, payload indexes),
# until optimize() indexes them into an immutable, memory-mapped one: a large build optimizes every OPTIMIZE_EVERY
# points, so the build's memory stays that of one such segment instead of growing with the corpus. Every query runs
# in every segment, so fewer, larger ones answer faster: a million passages in segments of 100,000 / 150,000 /
# 200,000 built with peaks of 4.7 / 6.3 / 8.0 GB and answered at p95 43 / 34 / 37 ms (the last on a slower machine;
# BENCHMARKS.md): 150,000 is the largest that stays well inside the 8 GB build budget.
OPTIMIZE_EVERY = 150_000
HNSW = {"m": 16, "ef_construct": 64, "full_scan_threshold": 10_000, "payload_m": 0}
# ... and indexed segments are not merged into ever larger ones (re-indexing the merged points each time: a
# 200,000-passage build optimized every 50,000 took 8 min and 8.9 GB): at most ~150,000 passages' vectors each
# (KB), up to 32 of them. Immutable segments are memory-mapped (on_disk): the OS pages them, they are not heap.
OPTIMIZERS = {"max_segment_size": 240_000, "default_segment_number": 32}


def create_shard(path: Path, dim: int):
    """A new, empty shard in the common schema: dense cosine + sparse IDF vectors, the three payload indexes, no WAL.

    No write-ahead log: a version is flushed before it is committed and never written afterwards.
    """
    q = edge()
    config = q.EdgeConfig(
        vectors={DENSE: q.EdgeVectorParams(size=dim, distance=q.Distance.Cosine, on_disk=True)},
        sparse_vectors={SPARSE: q.EdgeSparseVectorParams(modifier=q.Modifier.Idf, on_disk=True)},
        on_disk_payload=True,
        payload_memory=q.Memory.Cached,
        id_tracker_memory=q.Memory.Cached,
        wal_enabled=False,
        hnsw_config=q.HnswIndexConfig(**HNSW, on_disk=True),
        optimizers=q.EdgeOptimizersConfig(**OPTIMIZERS),
    )
    shard = q.EdgeShard.create(str(path), config)
    kinds = {"keyword": q.PayloadSchemaType.Keyword, "integer": q.PayloadSchemaType.Integer}
    for field, kind in PAYLOAD_INDEXES:
        shard.update(q.UpdateOperation.create_field_index(field, kinds[kind]))
    return shard


def _sparse(tokens: list[str], avgdl: float):
    indices, values = sparse_items(bm25_weights(tokens, avgdl))
    return edge().SparseVector(indices, values)


def delete_documents(shard, doc_ids: list[str]) -> int:
    """Delete every point of the articles `doc_ids`; returns how many there were."""
    q = edge()
    selector = q.Filter(must=[q.FieldCondition(key="doc_id", match=q.MatchAny(any=doc_ids))])
    count = shard.count(q.CountRequest(exact=True, filter=selector))
    if count:
        shard.update(q.UpdateOperation.delete_points_by_filter(selector))
    return count


def point(chunk: Chunk, vector: np.ndarray, tokens: list[str], avgdl: float, doc: Document, model: str):
    """A passage's point: dense vector, BM25 weights for `avgdl`, payload."""
    q = edge()
    return q.Point(
        point_id(chunk.chunk_id), {DENSE: vector.tolist(), SPARSE: _sparse(tokens, avgdl)}, chunk_payload(chunk, doc, model)
    )


def reweight_all(shard, docs: dict[str, Document], mode: str, avgdl: float) -> None:
    """Rewrite every point's BM25 weights for `avgdl` (texts from their articles; dense vectors untouched)."""
    q = edge()
    page = []
    for record in scroll(shard, payload=["chunk_id", "doc_id", "start", "end"]):
        chunk = chunk_from(record.payload, docs)
        page.append(q.PointVectors(str(record.id), {SPARSE: _sparse(tokenize(chunk.embed_text, mode) or ["<empty>"], avgdl)}))
        if len(page) >= BATCH:
            shard.update(q.UpdateOperation.update_vectors(page))
            page = []
    if page:
        shard.update(q.UpdateOperation.update_vectors(page))
