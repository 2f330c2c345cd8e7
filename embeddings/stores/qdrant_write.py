"""Writing the Qdrant server's collections (layout: embeddings.stores.qdrant_store): full builds and incremental upserts.

An incremental build deletes the points of changed and removed articles and upserts the new
passages; the manifest is marked `building` first and cleared last, so an interrupted build is
refused on open and redone by the next `qa index`. Not atomic, and no writer lock on a server
(Qdrant Edge builds are both: embeddings.stores.edge_write).
May import: .interface, .qdrant_schema, .qdrant_store; qdrant-client inside functions.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Mapping

import numpy as np

from embeddings.types import Chunk

from .interface import StoreConfig, WritePlan
from .qdrant_schema import (
    BATCH,
    DENSE,
    PAYLOAD_INDEXES,
    SPARSE,
    bm25_weights,
    chunk_payload,
    corpus_stats,
    point_id,
    store_manifest,
)
from .qdrant_store import _META_ID, _guard, _sparse, connect, read_meta


class QdrantWriter:
    """Incremental builds: points of changed and removed articles are deleted, new passages upserted."""

    rewrites_everything = False
    stores_sentences = False  # no sentence vectors: the build skips encoding them, answers encode their few

    def __init__(self, config: StoreConfig):
        self.config = config
        self.name = config.collection
        self.client = None
        self._meta: dict | None = None

    def __enter__(self) -> QdrantWriter:
        self.client = _guard(connect(self.config), self.config.url)
        return self

    def __exit__(self, *exc) -> None:
        self.client.close()

    def previous_manifest(self) -> dict:
        self._meta = read_meta(self.client, self.config)
        return json.loads(self._meta["manifest"])

    @property
    def previous_version(self) -> str:
        manifest = json.loads(self._meta["manifest"]) if self._meta else {}
        return f"qdrant:{self.name}@{manifest.get('created_at', '?')}"

    def cached_vectors(self, wanted: Mapping[str, Chunk], key) -> dict[str, np.ndarray]:
        """Vectors of wanted passages already stored under the same chunk id and embed key (same model and text)."""
        if not self.client.collection_exists(self.name):
            return {}
        by_point = {point_id(c.chunk_id): k for k, c in wanted.items()}
        out = {}
        ids = list(by_point)
        for start in range(0, len(ids), BATCH):
            for p in self.client.retrieve(
                self.name, ids[start : start + BATCH], with_payload=["embed_key"], with_vectors=[DENSE]
            ):
                if p.payload.get("embed_key") == by_point[str(p.id)]:
                    out[by_point[str(p.id)]] = np.asarray(p.vector[DENSE], dtype=np.float32)
        return out

    def cached_sentence_vectors(self, keys) -> dict[str, np.ndarray]:
        return {}  # never asked: stores_sentences is False

    def _create(self, dim: int) -> None:
        from qdrant_client import models

        for name in (self.name, f"{self.name}-docs", f"{self.name}-meta"):
            if self.client.collection_exists(name):
                self.client.delete_collection(name)
        self.client.create_collection(
            self.name,
            vectors_config={DENSE: models.VectorParams(size=dim, distance=models.Distance.COSINE)},
            sparse_vectors_config={SPARSE: models.SparseVectorParams(modifier=models.Modifier.IDF)},
        )
        self.client.create_collection(f"{self.name}-docs", vectors_config={})
        self.client.create_collection(f"{self.name}-meta", vectors_config={})
        for field, schema in PAYLOAD_INDEXES:
            self.client.create_payload_index(self.name, field, field_schema=schema)

    def _set_meta(self, manifest: dict, df: dict | None = None, sample_ids: list[str] | None = None) -> None:
        from qdrant_client import models

        payload = {"manifest": json.dumps(manifest, ensure_ascii=False)}
        if df is not None:
            payload.update(df=json.dumps(df, ensure_ascii=False), sample_ids=sample_ids or [])
            self.client.upsert(f"{self.name}-meta", [models.PointStruct(id=_META_ID, vector={}, payload=payload)])
        else:
            self.client.set_payload(f"{self.name}-meta", payload, points=[_META_ID])

    def write(self, plan: WritePlan) -> str:
        from qdrant_client import models

        docs_by_id = {d.doc_id: d for d in plan.documents}
        old = json.loads(self._meta["manifest"]) if plan.incremental and self._meta is not None else None
        stats = corpus_stats(plan, old)
        manifest = store_manifest(plan, stats, "qdrant")
        if old:
            self._set_meta({**old, "building": True})
            gone = [*plan.replaced, *plan.removed]
            if gone:
                selector = models.Filter(must=[models.FieldCondition(key="doc_id", match=models.MatchAny(any=gone))])
                self.client.delete(self.name, points_selector=models.FilterSelector(filter=selector))
                self.client.delete(f"{self.name}-docs", points_selector=[point_id(d) for d in plan.removed])
        else:
            self._create(plan.manifest["dim"])
            self._set_meta({**manifest, "building": True}, {}, [])
        fresh = {c.doc_id for c in plan.targets} | set(plan.replaced) if old else set(docs_by_id)
        doc_points = [
            models.PointStruct(id=point_id(d), vector={}, payload=dataclasses.asdict(docs_by_id[d])) for d in sorted(fresh)
        ]
        for start in range(0, len(doc_points), BATCH):
            self.client.upsert(f"{self.name}-docs", doc_points[start : start + BATCH])
        model = plan.manifest["model"]
        for start in range(0, len(plan.targets), BATCH):
            points = [
                models.PointStruct(
                    id=point_id(chunk.chunk_id),
                    vector={
                        DENSE: vector.tolist(),
                        SPARSE: _sparse(bm25_weights(stats.tokens[chunk.chunk_id], stats.weights_avgdl)),
                    },
                    payload=chunk_payload(chunk, docs_by_id[chunk.doc_id], model),
                )
                for chunk, vector in zip(plan.targets[start : start + BATCH], plan.vectors[start : start + BATCH])
            ]
            self.client.upsert(self.name, points)
        if stats.reweight:
            targeted = {c.chunk_id for c in plan.targets}
            rest = [c for c in plan.chunks if c.chunk_id not in targeted]
            for start in range(0, len(rest), BATCH):
                self.client.update_vectors(
                    self.name,
                    [
                        models.PointVectors(
                            id=point_id(c.chunk_id),
                            vector={SPARSE: _sparse(bm25_weights(stats.tokens[c.chunk_id], stats.weights_avgdl))},
                        )
                        for c in rest[start : start + BATCH]
                    ],
                )
        self._set_meta(manifest, stats.df, stats.sample_ids)
        return f"qdrant:{self.name}@{manifest['created_at']}"
