"""The store interface retrieval reads through, and `open_store`, which picks the backend.

Three implementations: the FAISS folder (`embeddings.stores.faiss_store`, the default: versioned folders,
atomic CURRENT, bm25s), Qdrant Edge in-process (`embeddings.stores.edge_store`: `--store qdrant` without a
server URL, versioned folders too) and a Qdrant server (`embeddings.stores.qdrant_store`). Retrieval
asks a store for candidates and their scores; fusion, signals and answers stay in `qa/` and run
the same on both. Ids are opaque (a row number for FAISS, a chunk id for Qdrant): callers pass back
what the store handed out.

Not here: building (embeddings.build drives a `StoreWriter`), fusion and abstention (qa.retrieval.searcher).
"""

from __future__ import annotations

import dataclasses
import hashlib
from collections.abc import Hashable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

import numpy as np

from embeddings.types import Chunk, Document

STORES = ("faiss", "qdrant")


class FilterLike(Protocol):
    """What a store reads from a filter (qa.retrieval.searcher.Filters has exactly these fields)."""

    doc_ids: tuple[str, ...]
    sources: tuple[str, ...]
    date_from: str | None  # ISO yyyy-mm-dd, inclusive
    date_to: str | None

    def allows(self, doc: Document) -> bool: ...


class VectorStore(Protocol):
    """A built index, read-only. Scores: cosine (inner product of L2-normalized vectors) and raw BM25."""

    manifest: dict  # model, dim, settings (chunking, token_mode), per-document hashes, counts
    documents: Mapping[str, Document]

    @property
    def version(self) -> str: ...

    @property
    def n_chunks(self) -> int: ...

    def dense_search(self, qvec: np.ndarray, k: int, filters: FilterLike | None) -> tuple[list[Hashable], np.ndarray]:
        """Top-k ids by cosine among allowed chunks, best first, with their (k,) float32 scores."""
        ...

    def lexical_search(self, query: str, k: int, filters: FilterLike | None) -> tuple[list[Hashable], np.ndarray]:
        """Top-k ids by BM25 among allowed chunks with a positive score, best first; ties in row order."""
        ...

    def dense_scores(self, ids: Sequence[Hashable], qvec: np.ndarray) -> np.ndarray:
        """(len(ids),) cosine of each id's stored vector with `qvec`."""
        ...

    def lexical_scores(self, query: str, ids: Sequence[Hashable]) -> np.ndarray:
        """(len(ids),) BM25 score of each id (0 when it shares no token with the query)."""
        ...

    def chunks(self, ids: Sequence[Hashable]) -> list[Chunk]:
        """The chunks for `ids`, in the same order."""
        ...

    def order_key(self, id_: Hashable) -> object:
        """Sort key giving corpus order (article, then position): ties break the same way on every store."""
        ...

    def sample_vectors(self) -> np.ndarray:
        """(m, dim) stored vectors of a seeded sample of at most 2,000 chunks: the corpus' typical cosines (dense z-score)."""
        ...

    def document_frequencies(self) -> Mapping[str, int]:
        """BM25 token -> number of chunks containing it (query coverage and vocabulary share)."""
        ...

    def all_chunks(self) -> list[Chunk]:
        """Every chunk in corpus order. For evaluation on small sets: on Qdrant it reads the whole collection."""
        ...

    def sentence_vectors(self, texts: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
        """((len(texts), dim) float32 stored "passage" vectors of sentences, (len(texts),) bool found).

        Rows not found are zeros: the caller encodes those (an index built without sentence vectors,
        a Qdrant server, or a sentence split other than the build's). Keys: `embed_key(model, text)`.
        """
        ...


@dataclass(frozen=True, slots=True)
class StoreConfig:
    """Which store to open: `kind` faiss|qdrant; for qdrant, `url` http(s)://host:6333 (a server) or a folder (Edge).

    >>> StoreConfig("qdrant", Path("index")).edge_dir, StoreConfig("qdrant", url="http://q:6333").server
    (PosixPath('index/qdrant-edge'), True)
    """

    kind: str = "faiss"
    index_dir: Path = Path("index")  # the FAISS folder; the Qdrant Edge shard lives in index_dir/qdrant-edge when no url is given
    url: str = ""  # Qdrant: http(s)://host:6333 for a server, else a folder that holds qdrant-edge/
    api_key: str = ""
    collection: str = "qa_news"  # the server's collection (an Edge shard is one collection by itself)

    def __post_init__(self):
        if self.kind not in STORES:
            raise ValueError(f"unknown store {self.kind!r}; choose one of {', '.join(STORES)} (QA_STORE / --store)")

    @property
    def server(self) -> bool:
        """True for a Qdrant server (an http(s) URL); False for FAISS and for Qdrant Edge."""
        return self.kind == "qdrant" and self.url.startswith(("http://", "https://"))

    @property
    def edge_dir(self) -> Path:
        """The Qdrant Edge root (CURRENT, versions): `qdrant-edge/` in the --store-url folder, else in the index folder.

        subtle: a subfolder, so that a FAISS index and an Edge shard can share one index folder without their CURRENTs meeting.
        """
        return (Path(self.url) if self.url else self.index_dir) / "qdrant-edge"

    @property
    def name(self) -> str:
        """The store's name in JSON and benchmark output: faiss | qdrant-edge | qdrant."""
        return "faiss" if self.kind == "faiss" else "qdrant" if self.server else "qdrant-edge"

    def describe(self) -> str:
        if self.kind == "faiss":
            return str(self.index_dir)
        if not self.server:
            return f"the Qdrant Edge shard in {self.edge_dir}"
        return f"Qdrant collection {self.collection} at {self.url}"


@dataclass(frozen=True, slots=True)
class SentenceVectors:
    """One vector per distinct sentence of the corpus (embeddings.sentences), for a store that keeps them."""

    keys: tuple[str, ...]  # embed_key(model, sentence text), in the order of the rows
    vectors: np.ndarray  # (len(keys), dim) float32, L2-normalized, encoded with the "passage" prompt


@dataclass(frozen=True, slots=True)
class WritePlan:
    """What a build hands its store. `chunks` is the whole corpus in order; `vectors[i]` belongs to `targets[i]`.

    A FAISS build gets every chunk as a target; an incremental Qdrant build only the chunks of
    added/changed articles, after which `replaced` (changed) and `removed` articles' old points go.
    """

    manifest: dict  # model, dim, settings, per-document hashes, created_at
    documents: list[Document]
    chunks: list[Chunk]
    targets: list[Chunk]
    vectors: np.ndarray  # (len(targets), dim) float32
    token_mode: str
    index_type: str = "auto"
    incremental: bool = False
    replaced: tuple[str, ...] = ()
    removed: tuple[str, ...] = ()
    sentences: SentenceVectors | None = None  # every distinct sentence; None when the store keeps none
    # A streaming build leaves documents/chunks/targets/vectors empty and hands its articles over here instead,
    # a bounded batch at a time (embeddings.build): the writer consumes it once, in corpus order.
    stream: Iterable[WriteBatch] | None = None

    def batches(self) -> Iterator[WriteBatch]:
        """The plan's articles as batches: the stream, or the lists as one batch."""
        if self.stream is not None:
            yield from self.stream
        elif self.documents or self.chunks:
            yield WriteBatch(self.documents, self.chunks, self.targets, self.vectors, self.sentences)

    def materialized(self) -> WritePlan:
        """The same plan with every batch gathered into the lists (for a writer that needs the whole corpus at once)."""
        if self.stream is None:
            return self
        docs, chunks, targets, vectors, keys, rows = [], [], [], [], {}, []
        for b in self.batches():
            docs += b.documents
            chunks += b.chunks
            targets += b.targets
            vectors.append(b.vectors.reshape(len(b.targets), -1))
            for k, v in zip(b.sentences.keys if b.sentences else (), b.sentences.vectors if b.sentences else ()):
                if k not in keys:
                    keys[k] = len(rows)
                    rows.append(v)
        dim = int(self.manifest.get("dim") or 0)
        matrix = np.concatenate(vectors).astype(np.float32) if targets else np.zeros((0, dim), np.float32)
        sentences = SentenceVectors(tuple(keys), np.array(rows, np.float32).reshape(len(rows), -1)) if keys else self.sentences
        return dataclasses.replace(
            self, documents=docs, chunks=chunks, targets=targets, vectors=matrix, sentences=sentences, stream=None
        )


@dataclass(frozen=True, slots=True)
class WriteBatch:
    """A run of whole articles of a streaming build: all their passages, and vectors for those the store receives."""

    documents: list[Document]  # each article once, in corpus order
    chunks: list[Chunk]  # every passage of these articles, in order
    targets: list[Chunk]  # the passages the store receives: all of them, or (incremental) those of added/changed articles
    vectors: np.ndarray  # (len(targets), dim) float32
    sentences: SentenceVectors | None = None  # vectors of these passages' sentences; a key may recur in later batches


class StoreWriter(Protocol):
    """Used by embeddings.build as a context manager (held for the whole build: the writer lock)."""

    rewrites_everything: bool  # True: every build writes all vectors (FAISS); False: upserts/deletes by article
    stores_sentences: bool  # True: the build hands over a vector per distinct sentence of the corpus (FAISS, Edge)

    def previous_manifest(self) -> dict:
        """The live index's manifest; IndexMissingError when there is none, IndexCorruptError when unusable."""
        ...

    @property
    def previous_version(self) -> str: ...

    def cached_vectors(self, wanted: Mapping[str, Chunk], key) -> dict[str, np.ndarray]:
        """Stored vectors for the wanted embed keys (`key(chunk)` gives a stored chunk's key): the embedding cache."""
        ...

    def cached_sentence_vectors(self, keys: Sequence[str]) -> dict[str, np.ndarray]:
        """Stored sentence vectors for the wanted keys the previous version holds (float32)."""
        ...

    def write(self, plan: WritePlan) -> str:
        """Apply the plan; returns the new version name. Nothing is written before this call."""
        ...


Z_SAMPLE = 2000  # passages sampled for the dense z-score: mean/std stable to +-0.01 beyond ~1000; part of the index


def sample_rows(n: int, size: int = Z_SAMPLE, seed: int = 0) -> np.ndarray:
    """Sorted row numbers of the seeded sample behind `sample_vectors` (the same rows on every store)."""
    rng = np.random.default_rng(seed)
    return np.sort(rng.choice(n, size=min(n, size), replace=False)) if n else np.zeros(0, int)


def embed_key(model: str, text: str) -> str:
    """The embedding cache key of a passage or sentence: its vector depends on the model and the text only."""
    return hashlib.sha1(f"{model}\n{text}".encode()).hexdigest()
