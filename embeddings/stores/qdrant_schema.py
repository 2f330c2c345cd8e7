"""The one point schema of both Qdrant stores (the server through qdrant-client, and Qdrant Edge in-process).

One point per chunk, id uuid5(chunk id): a dense vector `dense` (cosine), a sparse vector `bm25` whose
values are our BM25 term-frequency weights and whose IDF the engine adds (`Modifier.IDF`), and as payload
where the chunk sits (`chunk_id`, `doc_id`, `start`, `end`), its `embed_key` (the embedding cache), `source_lc`
(lower-cased outlet) and `day` (the date as an integer day). Payload indexes: `doc_id` and `source_lc`
(keyword), `day` (integer). The text, title and date come from the chunk's document (`doc.text[start:end]
== chunk.text`): a payload without the text reads 3x faster (2.4 -> 0.7 ms for 150 points at 10k passages). Because the schema is the same, a server
shard's snapshot restored into an Edge shard reads as an Edge index (README, "Past one machine").

BM25: the sparse vectors hold our own tokens (embeddings.lexical: folded syllables and pairs) hashed to
32 bits, weighted tf / (tf + k1 (1 - b + b dl / avgdl)); the engine's IDF ln(1 + (N - df + 0.5) / (df + 0.5))
is bm25s' own, so scores equal the FAISS folder's.

Pure functions and plain values only: no qdrant-client, no qdrant_edge (each store translates the filter
terms and payloads here into its own classes). May import `embeddings.lexical`, `embeddings.types`, `.interface`.
"""

from __future__ import annotations

import hashlib
import uuid
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from functools import lru_cache

import numpy as np

from embeddings.lexical import tokenize
from embeddings.types import Chunk, Document

from .interface import FilterLike, WritePlan, embed_key, sample_rows

DENSE, SPARSE = "dense", "bm25"  # vector names
PAYLOAD_INDEXES = (("doc_id", "keyword"), ("source_lc", "keyword"), ("day", "integer"))
K1, B = 1.2, 0.75  # the bm25s defaults the FAISS folder uses
BATCH = 256  # points per upsert
AVGDL_TOLERANCE = 0.01  # incremental builds re-weight all sparse vectors only when the mean length moved more than 1%
_NAMESPACE = uuid.UUID("6f1c2a57-3c1e-4f5a-9a2b-7d0f1e2c3b4a")
_EPOCH = date(1970, 1, 1)


@lru_cache(maxsize=1 << 20)
def point_id(key: str) -> str:
    """uuid5 of a chunk or document id (Qdrant ids are unsigned integers or UUIDs); cached: ~4 µs each, 200 a search."""
    return str(uuid.uuid5(_NAMESPACE, key))


_TOKEN_INDEX: dict[
    str, int
] = {}  # memo of token_index: a plain dict (an lru_cache call per token was most of a build's BM25 cost)


def token_index(token: str) -> int:
    """A token's sparse dimension: 32 bits of blake2b (no vocabulary to keep in sync; collisions are rare and only merge two tokens)."""
    idx = _TOKEN_INDEX.get(token)
    if idx is None:
        if len(_TOKEN_INDEX) >= 1 << 21:
            _TOKEN_INDEX.clear()
        idx = _TOKEN_INDEX[token] = int.from_bytes(hashlib.blake2b(token.encode(), digest_size=4).digest(), "little")
    return idx


def day_number(iso: str | None) -> int | None:
    """'2022-03-18' -> days since 1970-01-01; None for missing or unparseable dates."""
    try:
        return (date.fromisoformat(iso) - _EPOCH).days if iso else None
    except ValueError:
        return None


def bm25_weights(tokens: Sequence[str], avgdl: float) -> dict[int, float]:
    """Sparse dimension -> BM25 term-frequency weight of one passage (the IDF comes from the engine)."""
    tokens = list(tokens) or ["<empty>"]
    norm = K1 * (1 - B + B * len(tokens) / avgdl)
    out: dict[int, float] = {}
    known = _TOKEN_INDEX.get
    for token, tf in Counter(tokens).items():
        idx = known(token)
        if idx is None:
            idx = token_index(token)
        out[idx] = out.get(idx, 0.0) + tf / (tf + norm)
    return out


def query_weights(query: str, mode: str) -> dict[int, float]:
    """Sparse dimension -> count of the token in the query (bm25s sums a repeated token twice)."""
    out: dict[int, float] = {}
    for token in tokenize(query, mode):
        idx = token_index(token)
        out[idx] = out.get(idx, 0.0) + 1.0
    return out


def sparse_items(weights: Mapping[int, float]) -> tuple[list[int], list[float]]:
    """(indices, values) in index order, as both engines take a sparse vector."""
    items = sorted(weights.items())
    return [i for i, _ in items], [float(v) for _, v in items]


def chunk_payload(chunk: Chunk, doc: Document, model: str) -> dict:
    """A chunk's point payload: where it sits in its document, the embedding cache key and the filter fields."""
    return {
        "chunk_id": chunk.chunk_id,
        "doc_id": chunk.doc_id,
        "start": chunk.start,
        "end": chunk.end,
        "embed_key": embed_key(model, chunk.embed_text),
        "source_lc": (doc.source or "").lower() or None,
        "day": day_number(chunk.date),
    }


def chunk_from(payload: Mapping, documents: Mapping[str, Document]) -> Chunk:
    """The chunk a payload places in its document (as embeddings.chunk cut it: the document's title and date)."""
    doc = documents[payload["doc_id"]]
    start, end = payload["start"], payload["end"]
    return Chunk(payload["chunk_id"], doc.doc_id, start, end, doc.text[start:end], doc.title, doc.date, doc.place)


def filter_terms(filters: FilterLike | None) -> list[tuple[str, str, object]]:
    """Filters -> [(field, "any", values) | ("day", "range", {"gte": d, "lte": d})], all of which must hold.

    >>> filter_terms(None)
    []
    """
    if filters is None:
        return []
    terms: list[tuple[str, str, object]] = []
    if filters.doc_ids:
        terms.append(("doc_id", "any", list(filters.doc_ids)))
    if filters.sources:
        terms.append(("source_lc", "any", [s.lower() for s in filters.sources]))
    bounds = {}
    for name, value in (("gte", filters.date_from), ("lte", filters.date_to)):
        if value:
            day = day_number(value)
            if day is None:
                raise ValueError(f"date filter {value!r} is not an ISO date (yyyy-mm-dd)")
            bounds[name] = day
    if bounds:
        terms.append(("day", "range", bounds))
    return terms


@dataclass(frozen=True, slots=True)
class CorpusStats:
    """What a build derives from the whole corpus for the BM25 weights and the manifest."""

    tokens: dict[str, list[str]]  # chunk id -> its BM25 tokens
    avgdl: float  # the corpus' true mean passage length in tokens
    weights_avgdl: float  # the length the stored sparse weights use (kept while within 1% of avgdl)
    reweight: bool  # True: the stored weights of untouched points must be rewritten for weights_avgdl
    df: dict[str, int]  # token -> number of chunks containing it
    sample_ids: list[str]  # chunk ids behind the dense z-score sample (interface.sample_rows)


def corpus_stats(plan: WritePlan, old: Mapping | None) -> CorpusStats:
    """Tokens, lengths, document frequencies and the z-score sample of `plan`; `old` the previous manifest (incremental)."""
    tokens = [tokenize(c.embed_text, plan.token_mode) or ["<empty>"] for c in plan.chunks]
    avgdl = float(np.mean([len(t) for t in tokens])) if tokens else 1.0
    # subtle: every point must carry weights for one avgdl; keep the stored one while the true mean is within 1%
    weights_avgdl = avgdl
    previous = (old or {}).get("weights_avgdl")
    if previous and abs(avgdl - previous) <= AVGDL_TOLERANCE * previous:
        weights_avgdl = previous
    return CorpusStats(
        tokens={c.chunk_id: t for c, t in zip(plan.chunks, tokens)},
        avgdl=avgdl,
        weights_avgdl=weights_avgdl,
        reweight=bool(old) and weights_avgdl != previous,
        df=dict(Counter(t for toks in tokens for t in set(toks))),
        sample_ids=[plan.chunks[i].chunk_id for i in sample_rows(len(plan.chunks))],
    )


def store_manifest(plan: WritePlan, stats, store: str, n_chunks: int | None = None, n_documents: int | None = None) -> dict:
    """The manifest a Qdrant store keeps: the build's, plus counts and the BM25 lengths."""
    return {
        **plan.manifest,
        "n_chunks": len(plan.chunks) if n_chunks is None else n_chunks,
        "n_documents": len(plan.documents) if n_documents is None else n_documents,
        "avgdl": stats.avgdl,
        "weights_avgdl": stats.weights_avgdl,
        "store": store,
    }


class StreamStats:
    """CorpusStats gathered batch by batch (a streaming build): lengths, document frequencies, chunk ids.

    `weights_avgdl` is the length the sparse weights are written with: the stored one (incremental build), else
    the first batch's mean; `reweight_needed()` says whether the final mean moved more than AVGDL_TOLERANCE from it.
    """

    def __init__(self, token_mode: str, weights_avgdl: float | None = None):
        self.mode = token_mode
        self.weights_avgdl = weights_avgdl
        self.df: Counter = Counter()
        self.ids: list[str] = []
        self.total = 0

    def add(self, chunks: Sequence[Chunk]) -> dict[str, list[str]]:
        """Count a batch's passages; returns chunk id -> BM25 tokens for this batch only."""
        tokens = {c.chunk_id: tokenize(c.embed_text, self.mode) or ["<empty>"] for c in chunks}
        for toks in tokens.values():
            self.df.update(set(toks))
            self.total += len(toks)
        self.ids.extend(tokens)
        if self.weights_avgdl is None and tokens:
            self.weights_avgdl = sum(map(len, tokens.values())) / len(tokens)
        return tokens

    def prime(self, chunks: Sequence[Chunk]) -> None:
        """Take the weights' mean length from `chunks` (the first batch) before they are added part by part."""
        if self.weights_avgdl is None and chunks:
            self.weights_avgdl = sum(len(tokenize(c.embed_text, self.mode) or ["<empty>"]) for c in chunks) / len(chunks)

    @property
    def n(self) -> int:
        return len(self.ids)

    @property
    def avgdl(self) -> float:
        return self.total / self.n if self.n else 1.0

    def reweight_needed(self) -> bool:
        return self.weights_avgdl is not None and abs(self.avgdl - self.weights_avgdl) > AVGDL_TOLERANCE * self.weights_avgdl

    def sample_ids(self) -> list[str]:
        return [self.ids[i] for i in sample_rows(self.n)]
