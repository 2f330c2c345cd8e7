"""The Qdrant server as a `VectorStore`, through qdrant-client (`--store qdrant --store-url http(s)://host:6333`).

Three collections: `<name>` (one point per chunk in the schema of embeddings.stores.qdrant_schema, the
same as a Qdrant Edge shard's), `<name>-docs` (one point per article) and `<name>-meta` (manifest, token
document frequencies, the ids behind the z-score sample). Without a server URL, `--store qdrant` is Qdrant
Edge in-process (embeddings.stores.edge_store); qdrant-client's pure-Python local mode is not used.

Not here: writing (embeddings.stores.qdrant_write: incremental upserts and deletes, not atomic; an interrupted
build is marked and refused on open, and redone by the next `qa index`), and sentence vectors: English
answers over Qdrant encode their candidate sentences at question time.
May import: embeddings.errors, embeddings.lexical, embeddings.types, .interface, .last_search, .qdrant_schema; qdrant-client inside functions.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping, Sequence

import numpy as np

from embeddings.errors import IndexCorruptError, IndexMissingError, StoreUnavailableError
from embeddings.lexical import tokenize
from embeddings.types import Chunk, Document

from .interface import FilterLike, StoreConfig
from .last_search import LastSearch
from .qdrant_schema import DENSE, SPARSE, chunk_from, filter_terms, point_id, query_weights, sparse_items, token_index

_META_ID = point_id("manifest")


def _sparse(weights: Mapping[int, float]):
    from qdrant_client import models

    indices, values = sparse_items(weights)
    return models.SparseVector(indices=indices, values=values)


def store_filter(filters: FilterLike | None):
    """Filters -> a Qdrant payload filter (None when nothing is filtered)."""
    from qdrant_client import models

    must = []
    for field, kind, value in filter_terms(filters):
        if kind == "range":
            must.append(models.FieldCondition(key=field, range=models.Range(**value)))
        else:
            must.append(models.FieldCondition(key=field, match=models.MatchAny(any=value)))
    return models.Filter(must=must) if must else None


def close_local_clients() -> None:
    """Nothing to close any more (qdrant-client's local mode is gone; an Edge store closes with `close()`).

    Kept for callers written against the local mode.
    """


def connect(config: StoreConfig):
    """A QdrantClient for the server `config.url` names; StoreUnavailableError (naming the fix) when it does not answer."""
    from qdrant_client import QdrantClient

    try:
        client = QdrantClient(url=config.url, api_key=config.api_key or None, timeout=10, check_compatibility=False)
        client.get_collections()  # fail here, clearly, rather than in the middle of a build
        return client
    except Exception as exc:  # noqa: BLE001 - connection and HTTP failures come in many classes
        raise StoreUnavailableError(_explain(exc, config.url)) from None


def _explain(exc: Exception, target: str) -> str:
    status = getattr(exc, "status_code", None)
    if status in (401, 403):
        return f"Qdrant at {target} refused the API key (HTTP {status}): set QA_STORE_API_KEY to the server's key"
    return (
        f"cannot reach Qdrant at {target} ({exc.__class__.__name__}: {str(exc)[:200]}); "
        "start the server or fix QA_STORE_URL / --store-url"
    )


def _guard(client, target: str):
    """Calls on an open client: turn connection failures into StoreUnavailableError."""

    class Guarded:
        def close(self):
            client.close()

        def __getattr__(self, name):
            fn = getattr(client, name)

            def call(*args, **kwargs):
                try:
                    return fn(*args, **kwargs)
                except (ValueError, KeyError, TypeError):
                    raise
                except Exception as exc:  # noqa: BLE001
                    raise StoreUnavailableError(_explain(exc, target)) from None

            return call

    return Guarded()


def read_meta(client, config: StoreConfig) -> dict:
    meta_name = f"{config.collection}-meta"
    if not client.collection_exists(meta_name):
        raise IndexMissingError(f"no index in {config.describe()}: run `qa index --store qdrant --store-url {config.url}`")
    points = client.retrieve(meta_name, [_META_ID], with_payload=True)
    if not points:
        raise IndexCorruptError(f"{config.describe()} has no manifest; run `qa index --rebuild --store qdrant`")
    payload = points[0].payload
    manifest = json.loads(payload["manifest"])
    if manifest.get("building"):
        raise IndexCorruptError(
            f"{config.describe()} holds an interrupted build; run `qa index --store qdrant` (it rebuilds from the corpus)"
        )
    return payload


def check_built(config: StoreConfig) -> None:
    """IndexMissingError / IndexCorruptError unless the collection holds a finished build."""
    client = _guard(connect(config), config.url)
    try:
        read_meta(client, config)
    finally:
        client.close()


class QdrantStore:
    """A built Qdrant index, read-only. Ids are chunk ids; documents are read once at open."""

    def __init__(self, client, config: StoreConfig, meta: dict):
        self.client = client
        self.config = config
        self.name = config.collection
        self.manifest = json.loads(meta["manifest"])
        self._df = json.loads(meta["df"])
        self._sample_ids = meta["sample_ids"]
        self.mode = self.manifest["settings"]["token_mode"]
        self.documents = {
            p.payload["doc_id"]: Document(**p.payload) for p in _scroll(client, f"{self.name}-docs", with_vectors=False)
        }
        self._chunks: dict[str, Chunk] = {}
        self._all: list[Chunk] | None = None
        self._last = LastSearch()

    @classmethod
    def open(cls, config: StoreConfig, model: str | None = None) -> QdrantStore:
        client = _guard(connect(config), config.url)
        meta = read_meta(client, config)
        manifest = json.loads(meta["manifest"])
        if model is not None and manifest.get("model") != model:
            raise IndexCorruptError(
                f"{config.describe()} was built with model {manifest.get('model')} (dim {manifest.get('dim')}) "
                f"but the settings use {model}: run `qa index --rebuild --store qdrant` (or set QA_MODEL back)"
            )
        return cls(client, config, meta)

    @property
    def version(self) -> str:
        return f"qdrant:{self.name}@{self.manifest.get('created_at', '?')}"

    @property
    def n_chunks(self) -> int:
        return int(self.manifest.get("n_chunks", 0))

    def _remember(self, points) -> list[str]:
        if len(self._chunks) > 20_000:
            self._chunks.clear()
        ids = []
        for p in points:
            chunk = chunk_from(p.payload, self.documents)
            self._chunks[chunk.chunk_id] = chunk
            ids.append(chunk.chunk_id)
        return ids

    def dense_search(self, qvec: np.ndarray, k: int, filters: FilterLike | None) -> tuple[list[str], np.ndarray]:
        found = self.client.query_points(
            self.name, query=qvec.tolist(), using=DENSE, limit=k, query_filter=store_filter(filters), with_payload=True
        ).points
        ids = self._remember(found)
        self._last.keep_dense(qvec, ids, (p.score for p in found))
        return ids, np.array([p.score for p in found], dtype=np.float32)

    def lexical_search(self, query: str, k: int, filters: FilterLike | None) -> tuple[list[str], np.ndarray]:
        weights = query_weights(query, self.mode)
        if not weights:
            return [], np.zeros(0, np.float32)
        found = self.client.query_points(
            self.name, query=_sparse(weights), using=SPARSE, limit=k, query_filter=store_filter(filters), with_payload=True
        ).points
        found = [p for p in found if p.score > 0]
        ids = self._remember(found)
        self._last.keep_lexical(query, ids, (p.score for p in found))
        return ids, np.array([p.score for p in found], dtype=np.float32)

    def dense_scores(self, ids: Sequence[str], qvec: np.ndarray) -> np.ndarray:
        scores = self._last.dense(qvec)
        missing = [i for i in ids if i not in scores]
        if missing:
            points = self.client.retrieve(
                self.name, [point_id(i) for i in missing], with_payload=["chunk_id"], with_vectors=[DENSE]
            )
            for p in points:
                scores[p.payload["chunk_id"]] = float(np.asarray(p.vector[DENSE], np.float32) @ qvec)
        return np.array([scores.get(i, 0.0) for i in ids], dtype=np.float32)

    def lexical_scores(self, query: str, ids: Sequence[str]) -> np.ndarray:
        """Scores from the last lexical search; for the others, their stored sparse vectors times the IDF
        computed here from the manifest's document frequencies (the engine's formula), in one fetch
        instead of a second sparse scan."""
        known = self._last.lexical(query)
        missing = [i for i in ids if i not in known]
        if missing:
            n = self.n_chunks
            idf: dict[int, float] = {}
            for token in tokenize(query, self.mode):
                df = self._df.get(token, 0)
                idx = token_index(token)
                idf[idx] = idf.get(idx, 0.0) + math.log(1 + (n - df + 0.5) / (df + 0.5))
            points = self.client.retrieve(
                self.name, [point_id(i) for i in missing], with_payload=["chunk_id"], with_vectors=[SPARSE]
            )
            for p in points:
                sparse = p.vector[SPARSE]
                known[p.payload["chunk_id"]] = sum(idf.get(i, 0.0) * v for i, v in zip(sparse.indices, sparse.values))
        return np.array([max(known.get(i, 0.0), 0.0) for i in ids], dtype=np.float32)

    def chunks(self, ids: Sequence[str]) -> list[Chunk]:
        missing = [i for i in ids if i not in self._chunks]
        if missing:
            self._remember(self.client.retrieve(self.name, [point_id(i) for i in missing], with_payload=True))
        return [self._chunks[i] for i in ids]

    def order_key(self, id_: str) -> tuple:
        chunk = self._chunks.get(id_) or self.chunks([id_])[0]
        return (chunk.doc_id, chunk.start)

    def sample_vectors(self) -> np.ndarray:
        if not self._sample_ids:
            return np.zeros((0, int(self.manifest.get("dim") or 0)), np.float32)
        points = self.client.retrieve(
            self.name, [point_id(i) for i in self._sample_ids], with_payload=["chunk_id"], with_vectors=[DENSE]
        )
        by_id = {p.payload["chunk_id"]: p.vector[DENSE] for p in points}
        return np.array([by_id[i] for i in self._sample_ids if i in by_id], dtype=np.float32)

    def document_frequencies(self) -> Mapping[str, int]:
        return self._df

    def sentence_vectors(self, texts: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
        """None stored (the Qdrant writer keeps no sentence vectors): callers encode them."""
        return np.zeros((len(texts), int(self.manifest.get("dim") or 0)), np.float32), np.zeros(len(texts), dtype=bool)

    def all_chunks(self) -> list[Chunk]:
        if self._all is None:
            chunks = [chunk_from(p.payload, self.documents) for p in _scroll(self.client, self.name)]
            self._all = sorted(chunks, key=lambda c: (c.doc_id, c.start))
        return self._all

    def close(self) -> None:
        self.client.close()


def _scroll(client, name: str, with_vectors=False, scroll_filter=None):
    offset = None
    while True:
        points, offset = client.scroll(
            name, limit=1024, offset=offset, with_payload=True, with_vectors=with_vectors, scroll_filter=scroll_filter
        )
        yield from points
        if offset is None:
            return
