"""Qdrant Edge as a `VectorStore`: the Qdrant engine in-process (qdrant-edge-py), `--store qdrant` without a server URL.

Layout (versioned folders and CURRENT from embeddings.stores.versions, like the FAISS folder)::

    index/qdrant-edge/         (or <--store-url folder>/qdrant-edge/)
      CURRENT, .lock
      v-20261123T101500-1a2b/
        shard/                 the Edge shard: points in the schema of embeddings.stores.qdrant_schema
        documents.jsonl        one Document per line
        stats.json             token document frequencies, the chunk ids behind the z-score sample
        sentence_keys.npy      (m,) sorted embed keys of the corpus' distinct sentences   } as in the FAISS folder
        sentences.npy          (m, d) float16 "passage" vectors of those sentences        } (.sentence_table)
        manifest.json          the build's manifest, counts, BM25 lengths, sizes of the files above

Documents and stats are files beside the shard, not points in it: an Edge shard is one collection (the
server's `-docs` and `-meta` collections have no place there), and points without vectors would sit
among the searched ones. A version is never changed once committed, so the shard is created without a
write-ahead log, which is also what lets several processes read it at once. subtle: the Edge docs allow one
open shard per directory; opening and closing rewrite a few of its files with the same bytes (checked: the
contents do not change), harmless between readers, and the writer never opens a live version (edge_write).

The sentence files are optional: a version built before Edge kept them opens, and its answers encode their
sentences at question time (as on a server).

Not here: writing (embeddings.stores.edge_write), fusion (ours, in qa.retrieval: the engine's `Prefetch` +
`Fusion` would rank differently from the FAISS folder).
May import: embeddings.errors, embeddings.types, .interface, .last_search, .qdrant_schema, .sentence_table, .versions; qdrant_edge
inside functions.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from pathlib import Path

import numpy as np

from embeddings.errors import IndexCorruptError, IndexMissingError, StoreUnavailableError
from embeddings.types import Chunk, Document

from .interface import FilterLike, StoreConfig, embed_key
from .last_search import LastSearch
from .qdrant_schema import DENSE, SPARSE, chunk_from, filter_terms, point_id, query_weights, sparse_items
from .sentence_table import KEYS, VECTORS, load_table, lookup
from .versions import current_version, read_jsonl, read_version_manifest

EDGE_FORMAT = 1
_REBUILD = "run `qa index --rebuild --store qdrant`"
_PAGE = 1024


def edge():
    """The qdrant_edge module, or StoreUnavailableError with the command that installs it."""
    try:
        import qdrant_edge
    except ImportError:
        raise StoreUnavailableError("Qdrant Edge is not installed: pip install qdrant-edge-py==0.9.0") from None
    return qdrant_edge


def read_live(config: StoreConfig) -> tuple[Path, dict]:
    """(version folder, manifest) of the live Edge index; IndexMissingError / IndexCorruptError naming the fix."""
    root = config.edge_dir
    version = current_version(root, _REBUILD)
    if version is None:
        where = f" --store-url {config.url}" if config.url else ""
        raise IndexMissingError(f"no index in {root}: run `qa index --store qdrant{where}` to build it from your corpus")
    return version, read_version_manifest(root, version, EDGE_FORMAT, _REBUILD)


def open_shard(version: Path):
    """The version's EdgeShard, opened read-only in effect (nothing writes a committed version)."""
    try:
        return edge().EdgeShard.load(str(version / "shard"))
    except Exception as exc:  # noqa: BLE001 - the engine reports every failure as a bare Exception
        raise IndexCorruptError(f"{version / 'shard'} cannot be opened by Qdrant Edge ({str(exc)[:200]}); {_REBUILD}") from None


def read_sentences(version: Path, manifest: Mapping, fix: str = _REBUILD) -> tuple[np.ndarray | None, np.ndarray | None]:
    """((m,) sorted keys, (m, dim) float16 vectors) of the version's sentence files, memory-mapped; (None, None) for a
    version built without them. IndexCorruptError naming the file and `fix` when one is missing, truncated or damaged."""
    files = manifest.get("files", {})
    if VECTORS not in files:
        return None, None
    for name in (KEYS, VECTORS):
        path = version / name
        if not path.is_file() or path.stat().st_size != files.get(name):
            raise IndexCorruptError(f"{path} is missing or truncated (expected {files.get(name)} bytes); {fix}")
    try:
        return load_table(version, int(manifest.get("dim") or 0))
    except Exception as exc:  # noqa: BLE001 - any parse failure of our own files means a damaged index
        raise IndexCorruptError(f"{version} cannot be read ({exc.__class__.__name__}: {exc}); {fix}") from None


def edge_filter(filters: FilterLike | None, ids: Sequence[str] = ()):
    """Filters (and, when given, a set of point ids) -> a qdrant_edge Filter, or None when nothing is filtered."""
    q = edge()
    must = []
    for field, kind, value in filter_terms(filters):
        if kind == "range":
            must.append(q.FieldCondition(key=field, range=q.RangeFloat(**value)))
        else:
            must.append(q.FieldCondition(key=field, match=q.MatchAny(any=value)))
    if ids:
        must.append(q.HasIdCondition(set(ids)))
    return q.Filter(must=must) if must else None


def search_params(manifest: Mapping):
    """IDF over the live points when the shard ever lost points (an optimized segment keeps counting deleted ones
    in its IDF until it is vacuumed); None otherwise, the cheaper global statistics being exact then."""
    if not manifest.get("deleted_points"):
        return None
    q = edge()
    return q.SearchParams(idf=q.IdfParams(corpus=q.Filter(must_not=[q.IsEmptyCondition("doc_id")])))


def check_built(config: StoreConfig) -> None:
    read_live(config)


class EdgeStore:
    """A committed Edge version, read-only. Ids are chunk ids; documents and stats are read once at open."""

    def __init__(self, shard, path: Path, manifest: dict, stats: dict, documents: dict[str, Document], sentences=(None, None)):
        self.shard = shard
        self.path = path
        self.manifest = manifest
        self.documents = documents
        self._df = stats["df"]
        self._sample_ids = stats["sample_ids"]
        self.mode = manifest["settings"]["token_mode"]
        self._params = search_params(manifest)
        self._chunks: dict[str, Chunk] = {}
        self._all: list[Chunk] | None = None
        self._last = LastSearch()
        self._sentence_keys, self._sentences = sentences  # read_sentences: memory-mapped, or None

    @classmethod
    def open(cls, config: StoreConfig, model: str | None = None) -> EdgeStore:
        version, manifest = read_live(config)
        if model is not None and manifest.get("model") != model:
            raise IndexCorruptError(
                f"{config.edge_dir} was built with model {manifest.get('model')} (dim {manifest.get('dim')}) "
                f"but the settings use {model}: {_REBUILD} (or set QA_MODEL back)"
            )
        for name, size in manifest.get("files", {}).items():
            path = version / name
            if name not in (KEYS, VECTORS) and (not path.is_file() or path.stat().st_size != size):  # read_sentences checks those
                raise IndexCorruptError(f"{path} is missing or truncated (expected {size} bytes); {_REBUILD}")
        try:
            stats = json.loads((version / "stats.json").read_text(encoding="utf-8"))
            documents = {d.doc_id: d for d in read_jsonl(version / "documents.jsonl", Document)}
        except Exception as exc:  # noqa: BLE001 - any parse failure of our own files means a damaged index
            raise IndexCorruptError(f"{version} cannot be read ({exc.__class__.__name__}: {exc}); {_REBUILD}") from None
        sentences = read_sentences(version, manifest)
        return cls(open_shard(version), version, manifest, stats, documents, sentences)

    @property
    def version(self) -> str:
        return f"qdrant-edge:{self.path.name}"

    @property
    def n_chunks(self) -> int:
        return int(self.manifest.get("n_chunks", 0))

    def _query(self, vector, using: str, limit: int, filt, payload=True, exact: bool = False):
        q = edge()
        params = self._params if using == SPARSE else None  # the engine refuses IDF parameters on a dense query
        if exact:  # scores of given ids: every one of them, not the HNSW graph's approximation of them
            params = q.SearchParams(exact=True)
        request = q.QueryRequest(
            limit=limit, query=q.Query.Nearest(vector, using=using), filter=filt, with_payload=payload, params=params
        )
        return self.shard.query(request)

    def _remember(self, points) -> list[str]:
        if len(self._chunks) > 20_000:
            self._chunks.clear()
        ids = []
        for p in points:
            payload = p.payload  # subtle: each access converts the engine's payload to a new dict
            chunk_id = payload["chunk_id"]
            if chunk_id not in self._chunks:
                self._chunks[chunk_id] = chunk_from(payload, self.documents)
            ids.append(chunk_id)
        return ids

    def dense_search(self, qvec: np.ndarray, k: int, filters: FilterLike | None) -> tuple[list[str], np.ndarray]:
        found = self._query(np.asarray(qvec, np.float32).tolist(), DENSE, k, edge_filter(filters))
        ids = self._remember(found)
        self._last.keep_dense(qvec, ids, (p.score for p in found))
        return ids, np.array([p.score for p in found], dtype=np.float32)

    def _sparse(self, query: str):
        indices, values = sparse_items(query_weights(query, self.mode))
        return edge().SparseVector(indices, values) if indices else None

    def lexical_search(self, query: str, k: int, filters: FilterLike | None) -> tuple[list[str], np.ndarray]:
        sparse = self._sparse(query)
        if sparse is None:
            return [], np.zeros(0, np.float32)
        found = [p for p in self._query(sparse, SPARSE, k, edge_filter(filters)) if p.score > 0]
        ids = self._remember(found)
        self._last.keep_lexical(query, ids, (p.score for p in found))
        return ids, np.array([p.score for p in found], dtype=np.float32)

    def dense_scores(self, ids: Sequence[str], qvec: np.ndarray) -> np.ndarray:
        """Scores from the last dense search; the others from one exact query restricted to their ids."""
        scores = self._last.dense(qvec)
        missing = [i for i in ids if i not in scores]
        if missing:
            restricted = edge_filter(None, [point_id(i) for i in missing])
            found = self._query(np.asarray(qvec, np.float32).tolist(), DENSE, len(missing), restricted, ["chunk_id"], True)
            scores.update((p.payload["chunk_id"], p.score) for p in found)
        return np.array([scores.get(i, 0.0) for i in ids], dtype=np.float32)

    def lexical_scores(self, query: str, ids: Sequence[str]) -> np.ndarray:
        """Scores from the last lexical search; the others from one sparse query restricted to their ids (the engine's
        own IDF, so every score comes from the same formula)."""
        known = self._last.lexical(query)
        missing = [i for i in ids if i not in known]
        sparse = self._sparse(query) if missing else None
        if sparse is not None:
            found = self._query(sparse, SPARSE, len(missing), edge_filter(None, [point_id(i) for i in missing]), ["chunk_id"])
            known.update((p.payload["chunk_id"], p.score) for p in found)
        return np.array([max(known.get(i, 0.0), 0.0) for i in ids], dtype=np.float32)

    def chunks(self, ids: Sequence[str]) -> list[Chunk]:
        missing = [i for i in ids if i not in self._chunks]
        if missing:
            self._remember(self.shard.retrieve([point_id(i) for i in missing], with_payload=True, with_vector=False))
        return [self._chunks[i] for i in ids]

    def order_key(self, id_: str) -> tuple:
        chunk = self._chunks.get(id_) or self.chunks([id_])[0]
        return (chunk.doc_id, chunk.start)

    def sample_vectors(self) -> np.ndarray:
        dim = int(self.manifest.get("dim") or 0)
        if not self._sample_ids:
            return np.zeros((0, dim), np.float32)
        by_id = {}
        for start in range(0, len(self._sample_ids), _PAGE):
            points = [point_id(i) for i in self._sample_ids[start : start + _PAGE]]
            for p in self.shard.retrieve(points, with_payload=["chunk_id"], with_vector=[DENSE]):
                by_id[p.payload["chunk_id"]] = p.vector[DENSE]
        return np.array([by_id[i] for i in self._sample_ids if i in by_id], dtype=np.float32).reshape(-1, dim)

    def document_frequencies(self) -> Mapping[str, int]:
        return self._df

    def sentence_vectors(self, texts: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
        """Binary search of the texts' keys in the memory-mapped sentence_keys.npy; float16 rows re-normalized. None
        found in a version built without the files: callers encode them."""
        keys = [embed_key(self.manifest["model"], t) for t in texts]
        return lookup(self._sentence_keys, self._sentences, keys, int(self.manifest.get("dim") or 0))

    def all_chunks(self) -> list[Chunk]:
        if self._all is None:
            self._all = sorted(
                (chunk_from(r.payload, self.documents) for r in scroll(self.shard)), key=lambda c: (c.doc_id, c.start)
            )
        return self._all

    def close(self) -> None:
        self._sentence_keys = self._sentences = None
        self.shard.close()


def scroll(shard, with_vector=False, payload=True, selector=None):
    """Every point of `shard` (those `selector`, a qdrant_edge Filter, allows), page by page."""
    q = edge()
    offset = None
    while True:
        request = q.ScrollRequest(offset=offset, limit=_PAGE, filter=selector, with_payload=payload, with_vector=with_vector)
        records, offset = shard.scroll(request)
        yield from records
        if offset is None:
            return
