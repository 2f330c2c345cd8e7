"""Writing a Qdrant Edge index (layout: embeddings.stores.edge_store): every build is a new version, committed atomically.

A full build creates a fresh shard; an incremental one copies the live version's shard and, in the copy,
deletes the points of changed and removed articles and upserts the new passages. Either way the new
version becomes live only through `versions.commit_version` (fsync, rename, swap CURRENT) under the writer
lock, so a crash or an error at any point leaves the previous version answering, and the next build starts
again from it. `optimize()` runs after every write: the engine's optimizers act only past their thresholds
(segments above 10 MB of vectors get their HNSW index), so a large build is indexed and a small one costs ~0.

The copy costs disk and time in proportion to the shard (0.1 s and ~100 MB at 10,000 passages), the price of
never touching a version a reader may have open.
May import: embeddings.types, .interface, .qdrant_schema, .versions, .edge_store; qdrant_edge inside functions.
"""

from __future__ import annotations

import dataclasses
import json
import logging
import shutil
from collections.abc import Mapping
from pathlib import Path

import numpy as np

from embeddings.types import Chunk

from .edge_store import EDGE_FORMAT, edge, open_shard, read_live
from .interface import StoreConfig, WritePlan
from .qdrant_schema import (
    BATCH,
    DENSE,
    PAYLOAD_INDEXES,
    SPARSE,
    CorpusStats,
    bm25_weights,
    chunk_payload,
    corpus_stats,
    point_id,
    sparse_items,
    store_manifest,
)
from .versions import commit_version, new_version_dir, write_jsonl, writer_lock

log = logging.getLogger(__name__)


def create_shard(path: Path, dim: int):
    """A new, empty shard in the common schema: dense cosine + sparse IDF vectors, the three payload indexes, no WAL.

    No write-ahead log: a version is flushed before it is committed and never written afterwards.
    """
    q = edge()
    config = q.EdgeConfig(
        vectors={DENSE: q.EdgeVectorParams(size=dim, distance=q.Distance.Cosine)},
        sparse_vectors={SPARSE: q.EdgeSparseVectorParams(modifier=q.Modifier.Idf)},
        wal_enabled=False,
    )
    shard = q.EdgeShard.create(str(path), config)
    kinds = {"keyword": q.PayloadSchemaType.Keyword, "integer": q.PayloadSchemaType.Integer}
    for field, kind in PAYLOAD_INDEXES:
        shard.update(q.UpdateOperation.create_field_index(field, kinds[kind]))
    return shard


def upsert_points(shard, points: list) -> None:
    """One batch of points into the shard (a function of its own: the interruption test fails it on purpose)."""
    shard.update(edge().UpdateOperation.upsert_points(points))


def _sparse(tokens: list[str], avgdl: float):
    indices, values = sparse_items(bm25_weights(tokens, avgdl))
    return edge().SparseVector(indices, values)


def fill_shard(shard, plan: WritePlan, stats: CorpusStats, gone: list[str]) -> int:
    """Delete the points of the `gone` articles, upsert the plan's targets, re-weight the rest if needed.

    Returns the number of points deleted.
    """
    q = edge()
    deleted = 0
    if gone:
        selector = q.Filter(must=[q.FieldCondition(key="doc_id", match=q.MatchAny(any=gone))])
        deleted = shard.count(q.CountRequest(exact=True, filter=selector))
        shard.update(q.UpdateOperation.delete_points_by_filter(selector))
    docs = {d.doc_id: d for d in plan.documents}
    model = plan.manifest["model"]
    for start in range(0, len(plan.targets), BATCH):
        batch = zip(plan.targets[start : start + BATCH], plan.vectors[start : start + BATCH])
        upsert_points(
            shard,
            [
                q.Point(
                    point_id(c.chunk_id),
                    {DENSE: v.tolist(), SPARSE: _sparse(stats.tokens[c.chunk_id], stats.weights_avgdl)},
                    chunk_payload(c, docs[c.doc_id], model),
                )
                for c, v in batch
            ],
        )
    if stats.reweight:
        targeted = {c.chunk_id for c in plan.targets}
        rest = [c for c in plan.chunks if c.chunk_id not in targeted]
        for start in range(0, len(rest), BATCH):
            vectors = [
                q.PointVectors(point_id(c.chunk_id), {SPARSE: _sparse(stats.tokens[c.chunk_id], stats.weights_avgdl)})
                for c in rest[start : start + BATCH]
            ]
            shard.update(q.UpdateOperation.update_vectors(vectors))
    return deleted


class EdgeWriter:
    """Builds write a complete new version folder (a copy of the live shard, updated, or a fresh one).

    subtle: the writer never opens the live version. Opening and closing a shard rewrites some of its files
    (with the same bytes), and readers have that folder open; the writer reads the embedding cache from
    its own copy, which then becomes the new version.
    """

    rewrites_everything = False  # incremental: only added and changed articles' passages are handed over
    stores_sentences = False  # no sentence vectors: the build skips encoding them, answers encode their few

    def __init__(self, config: StoreConfig, lock_wait_seconds: float = 0.0):
        self.config = config
        self.root = config.edge_dir
        self.lock_wait_seconds = lock_wait_seconds
        self._previous: Path | None = None  # the live version folder
        self._manifest: dict | None = None
        self._tmp: Path | None = None  # the version being written (tmp-...)
        self._shard = None  # the shard open in it: a copy of the live one, or a fresh one
        self._lock = None

    def __enter__(self) -> EdgeWriter:
        self._lock = writer_lock(self.root, self.lock_wait_seconds)
        self._lock.__enter__()
        return self

    def __exit__(self, *exc) -> None:
        try:
            self._discard()  # anything not committed by write(): an error, or nothing to write
        finally:
            self._lock.__exit__(*exc)

    def _discard(self) -> None:
        if self._shard is not None:
            self._shard.close()
            self._shard = None
        if self._tmp is not None:
            shutil.rmtree(self._tmp, ignore_errors=True)
            self._tmp = None

    def _copy_of_live(self):
        """The live shard, copied into a new tmp- version folder and opened there (once per build)."""
        if self._shard is None:
            self._tmp = new_version_dir(self.root)
            shutil.copytree(self._previous / "shard", self._tmp / "shard")
            self._shard = open_shard(self._tmp)
        return self._shard

    def previous_manifest(self) -> dict:
        self._previous, self._manifest = read_live(self.config)
        return self._manifest

    @property
    def previous_version(self) -> str:
        return f"qdrant-edge:{self._previous.name}" if self._previous else ""

    def cached_vectors(self, wanted: Mapping[str, Chunk], key) -> dict[str, np.ndarray]:
        """Vectors of wanted passages the live version stores under the same chunk id and embed key (same model and text)."""
        if self._previous is None:
            return {}
        shard = self._copy_of_live()
        by_point = {point_id(c.chunk_id): k for k, c in wanted.items()}
        ids, out = list(by_point), {}
        for start in range(0, len(ids), BATCH):
            for r in shard.retrieve(ids[start : start + BATCH], with_payload=["embed_key"], with_vector=[DENSE]):
                k = by_point[str(r.id)]
                if r.payload.get("embed_key") == k:
                    out[k] = np.asarray(r.vector[DENSE], dtype=np.float32)
        return out

    def cached_sentence_vectors(self, keys) -> dict[str, np.ndarray]:
        return {}  # never asked: stores_sentences is False

    def write(self, plan: WritePlan) -> str:
        """Fill the new version (the live shard's copy when incremental, else a fresh shard), optimize, commit it."""
        old = self._manifest if plan.incremental and self._previous is not None else None
        stats = corpus_stats(plan, old)
        if old is not None:
            shard = self._copy_of_live()
        else:
            self._discard()  # a full build: the copy only served the embedding cache
            self._tmp = new_version_dir(self.root)
            shard = self._shard = create_shard(self._tmp / "shard", int(plan.manifest["dim"]))
        deleted = fill_shard(shard, plan, stats, [*plan.replaced, *plan.removed] if old is not None else [])
        optimized = shard.optimize()
        shard.flush()
        shard.close()
        self._shard = None
        log.info("Edge shard: %d points written, %d deleted, optimized: %s", len(plan.targets), deleted, optimized)
        tmp = self._finish(self._tmp, plan, stats, (old or {}).get("deleted_points", 0) + deleted)
        version = commit_version(self.root, tmp)
        self._tmp = None  # committed: no longer ours to discard
        return f"qdrant-edge:{version.name}"

    def _finish(self, tmp: Path, plan: WritePlan, stats: CorpusStats, deleted_points: int) -> Path:
        """Write documents, stats and the manifest beside the filled shard; returns `tmp`, ready to commit."""
        write_jsonl(tmp / "documents.jsonl", (dataclasses.asdict(d) for d in plan.documents))
        (tmp / "stats.json").write_text(json.dumps({"df": stats.df, "sample_ids": stats.sample_ids}, ensure_ascii=False))
        manifest = {
            **store_manifest(plan, stats, "qdrant-edge"),
            "format_version": EDGE_FORMAT,
            "deleted_points": deleted_points,  # > 0: queries compute IDF over live points (edge_store.search_params)
            "files": {name: (tmp / name).stat().st_size for name in ("documents.jsonl", "stats.json")},
        }
        (tmp / "manifest.json").write_text(json.dumps(manifest, ensure_ascii=False, indent=2))
        return tmp
