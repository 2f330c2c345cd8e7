"""Qdrant as a `VectorStore`: local mode (`QdrantClient(path=...)`, tests and small corpora) or a server.

Three collections: `<name>` (one point per chunk: a dense vector, a sparse BM25 vector, the chunk
as payload), `<name>-docs` (one point per article) and `<name>-meta` (manifest, token document
frequencies, the ids behind the z-score sample). Point ids are uuid5 of the chunk/document id,
which stays in the payload. Dates are stored as integer days, so date filters are integer ranges
(20x faster than datetime ranges in local mode).

BM25: the sparse vectors hold our own tokens (embeddings.lexical: folded syllables and pairs) with
client-side term-frequency weights tf / (tf + k1 (1 - b + b dl / avgdl)); Qdrant's `Modifier.IDF`
multiplies in the same IDF as bm25s, so scores equal the FAISS folder's bm25s scores.

Not here: writing (embeddings.stores.qdrant_write: incremental upserts and deletes, not atomic; an interrupted
build is marked and refused on open, and redone by the next `qa index`), and sentence vectors: English
answers over Qdrant encode their candidate sentences at question time.
"""

from __future__ import annotations

import atexit
import dataclasses
import hashlib
import json
import math
import uuid
from collections import Counter
from collections.abc import Mapping, Sequence
from datetime import date
from functools import lru_cache

import numpy as np

from embeddings.errors import IndexCorruptError, IndexLockedError, IndexMissingError, StoreUnavailableError
from embeddings.lexical import tokenize
from embeddings.types import Chunk, Document

from .interface import FilterLike, StoreConfig

K1, B = 1.2, 0.75  # the bm25s defaults the FAISS folder uses
BATCH = 256
_NAMESPACE = uuid.UUID("6f1c2a57-3c1e-4f5a-9a2b-7d0f1e2c3b4a")
_META_ID = str(uuid.uuid5(_NAMESPACE, "manifest"))
_EPOCH = date(1970, 1, 1)
_LOCAL: dict = {}  # resolved folder -> the process' local-mode client (the UI reads while its rebuild writes)


def point_id(key: str) -> str:
    """uuid5 of a chunk or document id (Qdrant ids are unsigned integers or UUIDs)."""
    return str(uuid.uuid5(_NAMESPACE, key))


@lru_cache(maxsize=1 << 20)
def token_index(token: str) -> int:
    """A token's sparse dimension: 32 bits of blake2b (no vocabulary to keep in sync; collisions are rare and only merge two tokens)."""
    return int.from_bytes(hashlib.blake2b(token.encode(), digest_size=4).digest(), "little")


def day_number(iso: str | None) -> int | None:
    """'2022-03-18' -> days since 1970-01-01; None for missing or unparseable dates."""
    try:
        return (date.fromisoformat(iso) - _EPOCH).days if iso else None
    except ValueError:
        return None


def bm25_weights(tokens: Sequence[str], avgdl: float) -> dict[int, float]:
    """Sparse dimension -> BM25 term-frequency weight of one passage (the IDF comes from Qdrant)."""
    tokens = list(tokens) or ["<empty>"]
    dl = len(tokens)
    out: dict[int, float] = {}
    for token, tf in Counter(tokens).items():
        idx = token_index(token)
        out[idx] = out.get(idx, 0.0) + tf / (tf + K1 * (1 - B + B * dl / avgdl))
    return out


def query_weights(query: str, mode: str) -> dict[int, float]:
    """Sparse dimension -> count of the token in the query (bm25s sums a repeated token twice)."""
    out: dict[int, float] = {}
    for token in tokenize(query, mode):
        idx = token_index(token)
        out[idx] = out.get(idx, 0.0) + 1.0
    return out


def _sparse(weights: Mapping[int, float]):
    from qdrant_client import models

    items = sorted(weights.items())
    return models.SparseVector(indices=[i for i, _ in items], values=[float(v) for _, v in items])


def store_filter(filters: FilterLike | None):
    """Filters -> a Qdrant payload filter (None when nothing is filtered)."""
    from qdrant_client import models

    if filters is None:
        return None
    must = []
    if filters.doc_ids:
        must.append(models.FieldCondition(key="doc_id", match=models.MatchAny(any=list(filters.doc_ids))))
    if filters.sources:
        must.append(models.FieldCondition(key="source_lc", match=models.MatchAny(any=[s.lower() for s in filters.sources])))
    if filters.date_from or filters.date_to:
        bounds = {}
        for name, value in (("gte", filters.date_from), ("lte", filters.date_to)):
            if value:
                day = day_number(value)
                if day is None:
                    raise ValueError(f"date filter {value!r} is not an ISO date (yyyy-mm-dd)")
                bounds[name] = day
        must.append(models.FieldCondition(key="day", range=models.Range(**bounds)))
    return models.Filter(must=must) if must else None


def _is_server(config: StoreConfig) -> bool:
    return config.url.startswith(("http://", "https://"))


def close_local_clients() -> None:
    """Release every local-mode folder this process opened (tests call it to reopen a folder fresh)."""
    while _LOCAL:
        _LOCAL.popitem()[1].close()


def connect(config: StoreConfig):
    """A QdrantClient for `config`: a server URL, or local mode in a folder. Errors name the fix."""
    from qdrant_client import QdrantClient

    target = config.url or str(config.index_dir)
    try:
        if _is_server(config):
            client = QdrantClient(url=target, api_key=config.api_key or None, timeout=10, check_compatibility=False)
            client.get_collections()  # fail here, clearly, rather than in the middle of a build
            return client
        from pathlib import Path

        folder = target if target == ":memory:" else Path(target).resolve()
        if folder not in _LOCAL:  # subtle: local mode locks its folder per client, so one process shares one client
            if folder != ":memory:":
                folder.mkdir(parents=True, exist_ok=True)
            if not _LOCAL:
                atexit.register(close_local_clients)  # before interpreter teardown, where the client's __del__ fails noisily
            _LOCAL[folder] = QdrantClient(":memory:") if folder == ":memory:" else QdrantClient(path=str(folder))
        return _LOCAL[folder]
    except RuntimeError as exc:
        if "already accessed" in str(exc):
            raise IndexLockedError(
                f"another process holds the Qdrant folder {target}; wait for it to finish, or use a Qdrant server"
            ) from None
        raise
    except Exception as exc:  # noqa: BLE001 - connection and HTTP failures come in many classes
        raise StoreUnavailableError(_explain(exc, target)) from None


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
            if not any(c is client for c in _LOCAL.values()):  # shared local clients live as long as the process
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
        raise IndexMissingError(
            f"no index in {config.describe()}: run `qa index --store qdrant --store-url {config.url or config.index_dir}`"
        )
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
    client = _guard(connect(config), config.url or str(config.index_dir))
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
        self._dense: dict[str, float] = {}
        self._lexical: tuple[str, dict[str, float]] = ("", {})

    @classmethod
    def open(cls, config: StoreConfig, model: str | None = None) -> QdrantStore:
        target = config.url or str(config.index_dir)
        client = _guard(connect(config), target)
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
            chunk = _chunk_from(p.payload)
            self._chunks[chunk.chunk_id] = chunk
            ids.append(chunk.chunk_id)
        return ids

    def dense_search(self, qvec: np.ndarray, k: int, filters: FilterLike | None) -> tuple[list[str], np.ndarray]:
        found = self.client.query_points(
            self.name, query=qvec.tolist(), using="dense", limit=k, query_filter=store_filter(filters), with_payload=True
        ).points
        ids = self._remember(found)
        self._dense = dict(zip(ids, (p.score for p in found)))
        return ids, np.array([p.score for p in found], dtype=np.float32)

    def lexical_search(self, query: str, k: int, filters: FilterLike | None) -> tuple[list[str], np.ndarray]:
        weights = query_weights(query, self.mode)
        if not weights:
            return [], np.zeros(0, np.float32)
        found = self.client.query_points(
            self.name, query=_sparse(weights), using="bm25", limit=k, query_filter=store_filter(filters), with_payload=True
        ).points
        found = [p for p in found if p.score > 0]
        ids = self._remember(found)
        self._lexical = (query, dict(zip(ids, (p.score for p in found))))
        return ids, np.array([p.score for p in found], dtype=np.float32)

    def dense_scores(self, ids: Sequence[str], qvec: np.ndarray) -> np.ndarray:
        missing = [i for i in ids if i not in self._dense]
        scores = dict(self._dense)
        if missing:
            points = self.client.retrieve(
                self.name, [point_id(i) for i in missing], with_payload=["chunk_id"], with_vectors=["dense"]
            )
            for p in points:
                scores[p.payload["chunk_id"]] = float(np.asarray(p.vector["dense"], np.float32) @ qvec)
        return np.array([scores.get(i, 0.0) for i in ids], dtype=np.float32)

    def lexical_scores(self, query: str, ids: Sequence[str]) -> np.ndarray:
        """Scores from the last lexical search; for the others, their stored sparse vectors times the IDF
        computed here from the manifest's document frequencies (the engine's formula), in one fetch
        instead of a second sparse scan."""
        known = dict(self._lexical[1]) if self._lexical[0] == query else {}
        missing = [i for i in ids if i not in known]
        if missing:
            n = self.n_chunks
            idf: dict[int, float] = {}
            for token in tokenize(query, self.mode):
                df = self._df.get(token, 0)
                idx = token_index(token)
                idf[idx] = idf.get(idx, 0.0) + math.log(1 + (n - df + 0.5) / (df + 0.5))
            points = self.client.retrieve(
                self.name, [point_id(i) for i in missing], with_payload=["chunk_id"], with_vectors=["bm25"]
            )
            for p in points:
                sparse = p.vector["bm25"]
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
            self.name, [point_id(i) for i in self._sample_ids], with_payload=["chunk_id"], with_vectors=["dense"]
        )
        by_id = {p.payload["chunk_id"]: p.vector["dense"] for p in points}
        return np.array([by_id[i] for i in self._sample_ids if i in by_id], dtype=np.float32)

    def document_frequencies(self) -> Mapping[str, int]:
        return self._df

    def sentence_vectors(self, texts: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
        """None stored (the Qdrant writer keeps no sentence vectors): callers encode them."""
        return np.zeros((len(texts), int(self.manifest.get("dim") or 0)), np.float32), np.zeros(len(texts), dtype=bool)

    def all_chunks(self) -> list[Chunk]:
        if self._all is None:
            chunks = [_chunk_from(p.payload) for p in _scroll(self.client, self.name)]
            self._all = sorted(chunks, key=lambda c: (c.doc_id, c.start))
        return self._all

    def close(self) -> None:
        self.client.close()


def _chunk_from(payload: dict) -> Chunk:
    return Chunk(**{f.name: payload.get(f.name) for f in dataclasses.fields(Chunk)})


def _scroll(client, name: str, with_vectors=False, scroll_filter=None):
    offset = None
    while True:
        points, offset = client.scroll(
            name, limit=1024, offset=offset, with_payload=True, with_vectors=with_vectors, scroll_filter=scroll_filter
        )
        yield from points
        if offset is None:
            return
