"""The FAISS folder on disk: what a version holds, and how it is written, checked and loaded.

Versioned folders, the atomic `CURRENT` pointer and the writer lock are embeddings.stores.versions (shared
with the Qdrant Edge store). Layout of an index folder::

    index/
      CURRENT              name of the live version (replaced atomically)
      .lock                held by the one process writing
      v-20261123T101500-1a2b/
        manifest.json      model, dim, chunker, per-document hashes, files and checksums
        documents.jsonl    one Document per line
        chunks.jsonl       one passage per line, row i = vector i: chunk_id, doc_id, start, end (its text is
                           doc.text[start:end]; indexes built before streaming builds also repeat text, title, date)
        embeddings.npy     (n, d) float32, L2-normalized
        faiss.index        inner-product index over the same rows
        bm25/              bm25s arrays and vocabulary (no pickle)
        sentence_keys.npy  (m,) sorted embed keys (sha1 hex, bytes) of the corpus' distinct sentences
        sentences.npy      (m, d) float16: row i is the "passage" vector of the sentence keyed sentence_keys[i]
                           (both: embeddings.stores.sentence_table, shared with the Qdrant Edge store)

A build writes a new version folder and only then swaps `CURRENT`, so a crash at any
point leaves the previous version live. No pickle anywhere: JSON, .npy, FAISS' own format.
The two sentence files are optional: an index built before them loads, and its English answers
encode their candidate sentences at question time instead (qa.answering.answer).
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from embeddings.errors import IndexCorruptError, IndexMissingError
from embeddings.lexical import LexicalIndex
from embeddings.types import Document

from .chunk_table import ChunkTable
from .sentence_table import VECTORS, load_table
from .versions import current_version, prune_versions, read_jsonl, read_version_manifest, writer_lock  # noqa: F401 - prune_versions, writer_lock: re-exported for tests

FORMAT_VERSION = 2
APPROX_MIN_CHUNKS = 20_000  # exact search costs ~4 ms at 20k x 384 on 2 cores, ~20 ms at 100k
TARGET_RECALL = 0.97  # tuned to find >= 97% of the exact top 10, so unseen queries stay above 0.95
_CHECKSUM_MAX_BYTES = 64_000_000
_REBUILD = "run `qa index --rebuild`"


@dataclass
class LoadedIndex:
    """Everything retrieval needs, in memory. Row i of `vectors` is `chunks[i]`."""

    path: Path
    manifest: dict
    documents: dict[str, Document]
    chunks: ChunkTable  # a Sequence[Chunk]: each Chunk made when asked for, its text sliced from its article
    vectors: np.ndarray
    faiss_index: object
    lexical: LexicalIndex
    sentence_keys: np.ndarray | None = None  # (m,) sorted bytes, memory-mapped; None: built without sentence vectors
    sentence_vectors: np.ndarray | None = None  # (m, d) float16, memory-mapped, row i keyed by sentence_keys[i]

    @property
    def version(self) -> str:
        return self.path.name


def choose_index_type(n_vectors: int) -> str:
    return "ivf" if n_vectors >= APPROX_MIN_CHUNKS else "flat"


def exact_top_k(vectors: np.ndarray, queries: np.ndarray, k: int = 10, block: int = 8192) -> np.ndarray:
    """(n_queries, k) row ids of the exact top-k by inner product, in blocks to bound memory (8,192 rows: ~50 MB of
    temporaries for 500 queries; 65,536 took ~0.8 GB of a 100,000-passage build's peak)."""
    best_scores = np.full((len(queries), k), -np.inf, dtype=np.float32)
    best_ids = np.zeros((len(queries), k), dtype=np.int64)
    for start in range(0, len(vectors), block):
        scores = queries @ vectors[start : start + block].T
        ids = np.broadcast_to(np.arange(start, start + scores.shape[1]), scores.shape)
        all_scores = np.concatenate([best_scores, scores], axis=1)
        all_ids = np.concatenate([best_ids, ids], axis=1)
        keep = np.argpartition(-all_scores, k - 1, axis=1)[:, :k]
        best_scores = np.take_along_axis(all_scores, keep, axis=1)
        best_ids = np.take_along_axis(all_ids, keep, axis=1)
    return best_ids


def calibrate_nprobe(
    index, vectors: np.ndarray, target: float = TARGET_RECALL, n_queries: int = 500, seed: int = 0
) -> tuple[int, float]:
    """Smallest nprobe whose recall@10 against exact search reaches `target` on queries drawn from the data itself.

    Queries are stored vectors plus a little noise (a question is near, not on, its passage).
    Returns (nprobe, measured recall); the index is left set to that nprobe.
    """
    rng = np.random.default_rng(seed)
    queries = vectors[rng.choice(len(vectors), min(n_queries, len(vectors)), replace=False)].copy()
    queries += 0.03 * rng.standard_normal(queries.shape).astype(np.float32)
    queries /= np.linalg.norm(queries, axis=1, keepdims=True)
    truth = exact_top_k(vectors, queries, 10)
    recall = 0.0
    nprobe = 1
    while nprobe <= index.nlist:
        index.nprobe = nprobe
        _, found = index.search(queries, 10)
        recall = float(np.mean([len(set(a) & set(b)) / 10 for a, b in zip(found, truth)]))
        if recall >= target:
            break
        nprobe *= 2
    index.nprobe = min(nprobe, index.nlist)
    return index.nprobe, recall


def build_faiss(vectors: np.ndarray, index_type: str = "auto") -> tuple[object, float | None]:
    """(FAISS inner-product index over L2-normalized rows, measured recall@10 of its nprobe or None when exact).

    Exact (flat) or IVF with nprobe tuned for recall.

    IVF rather than HNSW: on this 2-core machine IVF builds 100k vectors in seconds where HNSW took
    over a minute, and its search width can be tuned after the build to a measured recall.
    """
    import faiss

    if index_type == "auto":
        index_type = choose_index_type(len(vectors))
    dim = vectors.shape[1]
    vectors = np.ascontiguousarray(vectors, dtype=np.float32)
    if index_type == "ivf":
        nlist = max(1, min(int(4 * np.sqrt(len(vectors))), len(vectors) // 39))  # faiss wants >= 39 training points per list
        index = faiss.IndexIVFFlat(faiss.IndexFlatIP(dim), dim, nlist, faiss.METRIC_INNER_PRODUCT)
        rng = np.random.default_rng(0)
        sample = vectors[rng.choice(len(vectors), min(len(vectors), 40 * nlist), replace=False)]
        index.train(sample)
        index.add(vectors)
        _, recall = calibrate_nprobe(index, vectors)
        return index, recall
    index = faiss.IndexFlatIP(dim)
    if len(vectors):
        index.add(vectors)
    return index, None


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def file_entries(version: Path) -> dict:
    """name -> {"bytes", "sha256"} of every file in a version folder (sha256 only up to 64 MB: checked on load)."""
    files = {}
    for path in sorted(p for p in version.rglob("*") if p.is_file()):
        size = path.stat().st_size
        files[str(path.relative_to(version))] = {"bytes": size, "sha256": _sha256(path) if size <= _CHECKSUM_MAX_BYTES else None}
    return files


def read_manifest(index_dir: Path) -> tuple[Path, dict]:
    """(version folder, manifest) of the live index; clear errors when missing or unreadable."""
    version = current_version(index_dir)
    if version is None:
        if (index_dir / "manifest.json").exists():
            raise IndexCorruptError(f"{index_dir} holds an index in an older format (version 1); {_REBUILD}")
        raise IndexMissingError(f"no index in {index_dir}: run `qa index` to build it from your corpus")
    return version, read_version_manifest(index_dir, version, FORMAT_VERSION, _REBUILD)


def check_model(manifest: dict, index_dir: Path, model: str | None) -> None:
    """IndexCorruptError when the index was built with another model than the settings name."""
    if model is not None and manifest.get("model") != model:
        raise IndexCorruptError(
            f"{index_dir} was built with model {manifest.get('model')} (dim {manifest.get('dim')}) "
            f"but the settings use {model}: {_REBUILD} (or set QA_MODEL back)"
        )


def verify_files(version: Path, manifest: dict, names: Sequence[str] | None = None, fix: str = _REBUILD) -> None:
    """IndexCorruptError naming the file and `fix` unless every file the manifest records (or those of `names` it
    records) has its size and, up to 64 MB, its checksum."""
    files = manifest.get("files", {})
    for name in files if names is None else [n for n in names if n in files]:
        info, path = files[name], version / name
        if not path.is_file():
            raise IndexCorruptError(f"{path} is missing; {fix}")
        if path.stat().st_size != info["bytes"]:
            raise IndexCorruptError(
                f"{path} is truncated or changed ({path.stat().st_size} bytes, expected {info['bytes']}); {fix}"
            )
        if info.get("sha256") and _sha256(path) != info["sha256"]:
            raise IndexCorruptError(f"{path} is damaged (checksum mismatch); {fix}")


def load_index(index_dir: Path, model: str | None = None) -> LoadedIndex:
    """Load and validate the live index. Raises IndexMissingError / IndexCorruptError with the fix."""
    import faiss

    version, manifest = read_manifest(index_dir)
    check_model(manifest, index_dir, model)
    verify_files(version, manifest)
    try:
        documents = {d.doc_id: d for d in read_jsonl(version / "documents.jsonl", Document)}
        chunks = ChunkTable.read(version / "chunks.jsonl", documents)
        vectors = np.load(version / "embeddings.npy", allow_pickle=False)
        faiss_index = faiss.read_index(str(version / "faiss.index"))
        lexical = LexicalIndex.load(version / "bm25")
        sentence_keys, sentence_vectors = None, None
        if VECTORS in manifest.get("files", {}):  # absent from indexes built before sentence vectors
            sentence_keys, sentence_vectors = load_table(version, manifest.get("dim"))
    except Exception as exc:  # noqa: BLE001 - any parse failure of our own files means a damaged index
        raise IndexCorruptError(f"{version} cannot be read ({exc.__class__.__name__}: {exc}); {_REBUILD}") from None
    n = len(chunks)
    if vectors.shape != (n, manifest.get("dim")) or faiss_index.ntotal != n or faiss_index.d != manifest.get("dim"):
        raise IndexCorruptError(f"{version}: chunks, vectors and FAISS index disagree in size; {_REBUILD}")
    return LoadedIndex(version, manifest, documents, chunks, vectors, faiss_index, lexical, sentence_keys, sentence_vectors)
