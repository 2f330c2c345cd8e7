"""Writing a Qdrant Edge index (layout: embeddings.stores.edge_store): every build is a new version, committed atomically.

A full build creates a fresh shard; an incremental one copies the live version's shard and, in the copy,
deletes the points of changed and removed articles and upserts the new passages. Either way the new
version becomes live only through `versions.commit_version` (fsync, rename, swap CURRENT) under the writer
lock, so a crash or an error at any point leaves the previous version answering, and the next build starts
again from it. `optimize()` runs after every write: the engine's optimizers act only past their thresholds
(segments above 10 MB of vectors get their HNSW index), so a large build is indexed and a small one costs ~0.

The copy costs disk and time in proportion to the shard (0.1 s and ~100 MB at 10,000 passages), the price of
never touching a version a reader may have open.

Streaming: the plan's articles arrive in bounded batches (WritePlan.batches) and each batch is tokenized, upserted
and forgotten; what stays in memory for the whole build is what the store keeps anyway (the articles, the token
document frequencies, the chunk ids) and the sentence keys. BM25 weights need the corpus' mean passage length before
it is known: they are written with the first batch's mean (an incremental build: the stored one) and, only if the
final mean differs by more than 1% (qdrant_schema.AVGDL_TOLERANCE), every point's sparse vector is re-weighted at the end.

Sentence vectors (embeddings.stores.sentence_table, as in the FAISS folder) are not copied and updated like the
shard but written whole into every version: the build hands over every distinct sentence of the corpus, an
incremental one too (those of unchanged articles with the live version's vectors, from `cached_sentence_vectors`),
so a removed article's sentences go with it and nothing is encoded twice. Cost: the table is rewritten each build
(808 bytes a sentence at 384 dimensions: its float16 row and 40-byte key), like the shard's copy.
May import: embeddings.errors, embeddings.types, .interface, .qdrant_schema, .versions, .edge_store, .edge_points,
.sentence_table; qdrant_edge inside functions.
"""

from __future__ import annotations

import dataclasses
import json
import logging
import shutil
import time
from collections.abc import Mapping
from pathlib import Path

import numpy as np

from embeddings.errors import IndexCorruptError
from embeddings.types import Chunk, Document

from .edge_points import OPTIMIZE_EVERY, create_shard, delete_documents, point, reweight_all
from .edge_store import EDGE_FORMAT, edge, open_shard, read_live, read_sentences
from .interface import StoreConfig, WritePlan
from .qdrant_schema import (
    BATCH,
    DENSE,
    StreamStats,
    point_id,
    store_manifest,
)
from .sentence_table import KEYS, VECTORS, SentenceTableWriter, stored_rows
from .versions import commit_version, new_version_dir, read_jsonl, writer_lock

log = logging.getLogger(__name__)


# HNSW: Qdrant's m, a lower ef_construct (64, not 100) and no payload sub-graphs (payload_m=0): at 30,000 passages on
# 2 cores the whole build took 75 s with the defaults, 48 s without sub-graphs, 30 s with both (optimize() 7.6 s).
# The sub-graphs speed up searches filtered by doc_id, outlet or date; those still use the payload indexes.
def upsert_points(shard, points: list) -> None:
    """One batch of points into the shard (a function of its own: the interruption test fails it on purpose)."""
    shard.update(edge().UpdateOperation.upsert_points(points))


class EdgeWriter:
    """Builds write a complete new version folder (a copy of the live shard, updated, or a fresh one).

    subtle: the writer never opens the live version. Opening and closing a shard rewrites some of its files
    (with the same bytes), and readers have that folder open; the writer reads the embedding cache from
    its own copy, which then becomes the new version.
    """

    rewrites_everything = False  # incremental: only added and changed articles' passages are handed over
    stores_sentences = True  # sentence_keys.npy + sentences.npy beside the shard: answers read their sentence vectors
    streams = True  # takes the plan's batches one at a time

    def __init__(self, config: StoreConfig, lock_wait_seconds: float = 0.0):
        self.config = config
        self.root = config.edge_dir
        self.lock_wait_seconds = lock_wait_seconds
        self._previous: Path | None = None  # the live version folder
        self._manifest: dict | None = None
        self._tmp: Path | None = None  # the version being written (tmp-...)
        self._shard = None  # the shard open in it: a copy of the live one (the embedding cache; incremental: the target)
        self._target: Path | None = None  # the version folder being filled by write()
        self._target_shard = None  # a full build's fresh shard in it
        self._lock = None
        self._sentences: tuple | None = None  # the live version's sentence table (keys, vectors), memory-mapped

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
        """key -> the live version's sentence vector (float16 widened to float32, not re-normalized), for the wanted
        keys it holds; none from a version built without sentence files, or with damaged ones (encoded again).

        Read from the live version's own files, memory-mapped read-only (unlike its shard, opening them writes nothing).
        """
        if self._previous is None:
            return {}
        if self._sentences is None:
            try:
                self._sentences = read_sentences(self._previous, self._manifest)
            except IndexCorruptError as exc:
                log.warning("sentence vectors of the live version unusable, encoding them again: %s", exc)
                self._sentences = (None, None)
        return stored_rows(*self._sentences, keys)

    def write(self, plan: WritePlan) -> str:
        """Fill the new version (the live shard's copy when incremental, else a fresh shard) batch by batch,
        optimize, commit it."""
        old = self._manifest if plan.incremental and self._previous is not None else None
        if old is not None:
            shard = self._copy_of_live()
            target = self._tmp
        else:  # a full build: a fresh shard; a copy of the live one, if made, serves only the embedding cache
            target, shard = new_version_dir(self.root), None
        self._target = target
        sentences = SentenceTableWriter(target) if plan.sentences is not None else None
        started = time.perf_counter()
        try:
            stats = StreamStats(plan.token_mode, (old or {}).get("weights_avgdl"))
            deleted = 0
            if old is not None and plan.removed:
                deleted += delete_documents(shard, list(plan.removed))
            replaced = set(plan.replaced) if old is not None else set()
            model, n_documents, pending = plan.manifest["model"], 0, 0
            with (target / "documents.jsonl").open("w", encoding="utf-8") as fh:
                for batch in plan.batches():
                    for d in batch.documents:
                        fh.write(json.dumps(dataclasses.asdict(d), ensure_ascii=False) + "\n")
                    n_documents += len(batch.documents)
                    if sentences is not None and batch.sentences is not None:
                        sentences.add(batch.sentences.keys, batch.sentences.vectors)
                    gone = [d.doc_id for d in batch.documents if d.doc_id in replaced]
                    if gone:  # after the batch's cache lookup (done when it was made), before its new points
                        deleted += delete_documents(shard, gone)
                    if batch.targets and shard is None:
                        shard = self._new_shard(target, int(batch.vectors.shape[1]))
                    stats.prime(batch.chunks)
                    docs = {d.doc_id: d for d in batch.documents}
                    rows = {c.chunk_id: i for i, c in enumerate(batch.targets)}
                    for at in range(0, len(batch.chunks), BATCH):  # tokens of BATCH passages at a time, not the batch's
                        part = batch.chunks[at : at + BATCH]
                        tokens = stats.add(part)
                        points = [
                            point(
                                c, batch.vectors[rows[c.chunk_id]], tokens[c.chunk_id], stats.weights_avgdl, docs[c.doc_id], model
                            )
                            for c in part
                            if c.chunk_id in rows
                        ]
                        if points:
                            upsert_points(shard, points)
                            pending += len(points)
                        if pending >= OPTIMIZE_EVERY:  # the appendable segment keeps its points in RAM: index them now
                            shard = self._reopen(shard, target)
                            pending = 0
            if shard is None:
                shard = self._new_shard(target, int(plan.manifest.get("dim") or 0))
            if stats.reweight_needed():
                stats.weights_avgdl = stats.avgdl
                docs = {d.doc_id: d for d in read_jsonl(target / "documents.jsonl", Document)}
                reweight_all(shard, docs, plan.token_mode, stats.weights_avgdl)
                del docs
            written = time.perf_counter()
            optimized = shard.optimize()
            self.timings = {"write_s": written - started, "optimize_s": time.perf_counter() - written}
            shard.flush()
            shard.close()
            if shard is self._shard:
                self._shard = None
            self._target_shard = None
            log.info("Edge shard: %d passages, %d deleted, optimized: %s (%s)", stats.n, deleted, optimized, self.timings)
            n_sentences = sentences.finish(int(plan.manifest.get("dim") or 0)) if sentences is not None else None
            self._finish(target, plan, stats, n_documents, (old or {}).get("deleted_points", 0) + deleted, n_sentences)
            version = commit_version(self.root, target)
        except BaseException:
            if sentences is not None:
                sentences.discard()
            if self._target_shard is not None:
                self._target_shard.close()
                self._target_shard = None
            if target != self._tmp:
                shutil.rmtree(target, ignore_errors=True)
            raise
        if target == self._tmp:
            self._tmp = None  # committed: no longer ours to discard
        self._target = None
        return f"qdrant-edge:{version.name}"

    def _reopen(self, shard, target: Path):
        """Optimize, flush, close and load the shard again: its new segment is indexed and memory-mapped, and the
        pages the optimizer touched are no longer the process' (they stay in the OS page cache)."""
        shard.optimize()
        shard.flush()
        shard.close()
        shard = open_shard(target)
        if self._target_shard is not None:
            self._target_shard = shard
        else:
            self._shard = shard
        return shard

    def _new_shard(self, target: Path, dim: int):
        self._target_shard = create_shard(target / "shard", dim)
        return self._target_shard

    def _finish(
        self, tmp: Path, plan: WritePlan, stats: StreamStats, n_documents: int, deleted_points: int, n_sentences: int | None
    ) -> None:
        """Write stats and the manifest beside the filled shard, documents.jsonl and sentence files, ready to commit."""
        (tmp / "stats.json").write_text(json.dumps({"df": stats.df, "sample_ids": stats.sample_ids()}, ensure_ascii=False))
        names = ("documents.jsonl", "stats.json", *((KEYS, VECTORS) if n_sentences is not None else ()))
        manifest = {
            **store_manifest(plan, stats, "qdrant-edge", stats.n, n_documents),
            "format_version": EDGE_FORMAT,
            "deleted_points": deleted_points,  # > 0: queries compute IDF over live points (edge_store.search_params)
            "files": {name: (tmp / name).stat().st_size for name in names},  # sizes checked on open: truncation
            **({"n_sentences": n_sentences} if n_sentences is not None else {}),
        }
        (tmp / "manifest.json").write_text(json.dumps(manifest, ensure_ascii=False, indent=2))
