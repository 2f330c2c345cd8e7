"""Another built index as a read-only source of vectors (`qa index --from-index DIR`): a build into any store takes
the vectors of passages and sentences whose text it already holds instead of encoding them again.

`open_source(DIR, model)` finds what DIR holds: a FAISS folder (DIR/CURRENT naming a FAISS version), a Qdrant Edge
root (DIR/CURRENT naming a version with a shard/) or an index folder with an Edge shard in DIR/qdrant-edge (a FAISS
index in DIR itself wins; name DIR/qdrant-edge to take the Edge one). Vectors are
looked up by `embed_key(model, text)` a batch at a time, so chunking settings need not match the build's:

- FAISS: embeddings.npy and sentences.npy stay memory-mapped; the passages' keys are a sorted (n,) array of 40-byte
  hex digests (40 MB at a million passages), made on first use by streaming chunks.jsonl and documents.jsonl.
- Qdrant Edge: the points of the batch's articles (the `doc_id` payload index), matched on their `embed_key`
  payload; nothing is kept between batches. Sentence vectors: the version's sentence_keys.npy and sentences.npy
  (embeddings.stores.sentence_table), memory-mapped as for FAISS; a version built before them has none.

Not here: deciding whether the source's sentence vectors are of the build's kind (embeddings.build), a server as
a source (the way back from a server is a shard snapshot: README, "Past one machine").
May import: embeddings.errors, embeddings.types, .interface, .faiss_folder, .edge_store, .qdrant_schema, .sentence_table,
.versions.
"""

from __future__ import annotations

import json
from array import array
from collections.abc import Mapping, Sequence
from pathlib import Path

import numpy as np

from embeddings.errors import ConfigError, IndexCorruptError, IndexMissingError
from embeddings.types import Chunk, Document

from .edge_store import EDGE_FORMAT, edge, open_shard, read_sentences, scroll
from .faiss_folder import FORMAT_VERSION, verify_files
from .interface import embed_key
from .qdrant_schema import DENSE
from .sentence_table import KEYS, VECTORS, find_rows, load_table, stored_rows
from .versions import current_version, read_version_manifest

_DROP = "or drop --from-index"
_DOCS_PER_FILTER = 256  # article ids per Edge scroll filter


def open_source(folder: Path, model: str) -> FaissSource | EdgeSource:
    """The index in `folder`, checked to be built with `model`; IndexMissingError / IndexCorruptError / ConfigError
    naming `folder` and the fix. Loads nothing big (FAISS: memory maps; Edge: opens the shard)."""
    root = folder
    if not (folder / "CURRENT").exists() and (folder / "qdrant-edge" / "CURRENT").exists():
        root = folder / "qdrant-edge"
    fix = f"rebuild it with `qa index` {_DROP}"
    try:
        version = current_version(root, fix)
        if version is None:
            raise IndexMissingError(
                f"--from-index {folder}: no FAISS index or Qdrant Edge shard there (looked for {folder / 'CURRENT'} and "
                f"{folder / 'qdrant-edge' / 'CURRENT'}); name the folder `qa index` built, {_DROP}"
            )
        is_edge = (version / "shard").is_dir()
        manifest = read_version_manifest(root, version, EDGE_FORMAT if is_edge else FORMAT_VERSION, fix)
        if manifest.get("model") != model:
            raise ConfigError(
                f"--from-index {folder} was built with model {manifest.get('model')} (dim {manifest.get('dim')}) but "
                f"this build uses {model}: its vectors are no use here. Build with its model (QA_MODEL / --model "
                f"{manifest.get('model')}), {_DROP}"
            )
        return EdgeSource(version, manifest) if is_edge else FaissSource(version, manifest)
    except IndexCorruptError as exc:
        raise IndexCorruptError(f"--from-index {folder} cannot be used: {_with_fix(exc)}") from None


def _with_fix(exc: Exception) -> str:
    return str(exc) if _DROP in str(exc) else f"{exc}; {_DROP}"


class FaissSource:
    """A FAISS version folder's vectors, memory-mapped; row keys computed on first lookup."""

    def __init__(self, version: Path, manifest: dict):
        self.path, self.manifest = version, manifest
        files, dim = manifest.get("files", {}), manifest.get("dim")
        verify_files(
            version, manifest, ("documents.jsonl", "chunks.jsonl", "embeddings.npy", KEYS, VECTORS), "rebuild that index"
        )
        try:
            self.vectors = np.load(version / "embeddings.npy", mmap_mode="r", allow_pickle=False)
            self._sentence_keys = self._sentences = None
            if VECTORS in files:
                self._sentence_keys, self._sentences = load_table(version, dim)
        except Exception as exc:  # noqa: BLE001 - any failure to read our own files means a damaged index
            raise IndexCorruptError(f"{version} cannot be read ({exc}); rebuild that index") from None
        if self.vectors.ndim != 2 or self.vectors.shape[1] != dim:
            raise IndexCorruptError(f"{version}: vectors and manifest disagree in size; rebuild that index")
        self.keeps_sentences = self._sentence_keys is not None
        self._keys: tuple[np.ndarray, np.ndarray] | None = None  # (sorted keys, their rows)

    def _row_keys(self) -> tuple[np.ndarray, np.ndarray]:
        """(sorted (n,) S40 embed keys, (n,) row of each): chunks.jsonl read into arrays, then articles one at a time."""
        if self._keys is None:
            try:
                self._keys = self._read_keys()
            except (OSError, ValueError, KeyError, TypeError, IndexError) as exc:
                raise IndexCorruptError(
                    f"--from-index {self.path} cannot be read ({exc.__class__.__name__}: {exc}); {_DROP}"
                ) from None
        return self._keys

    def _read_keys(self) -> tuple[np.ndarray, np.ndarray]:
        """The keys of `_row_keys`; ValueError / KeyError / OSError when the folder's files disagree."""
        doc_index: dict[str, int] = {}
        docs, starts, ends = array("i"), array("q"), array("q")
        with (self.path / "chunks.jsonl").open(encoding="utf-8") as fh:
            for line in fh:
                if line.strip():
                    row = json.loads(line)
                    docs.append(doc_index.setdefault(row["doc_id"], len(doc_index)))
                    starts.append(row["start"])
                    ends.append(row["end"])
        if len(docs) != len(self.vectors):
            raise ValueError("chunks.jsonl and embeddings.npy disagree in size")
        doc_rows = np.frombuffer(docs, np.int32)
        order = np.argsort(doc_rows, kind="stable")  # the rows of article i: order[bounds[i]:bounds[i + 1]]
        bounds = np.searchsorted(doc_rows[order], np.arange(len(doc_index) + 1))
        keys = np.zeros(len(docs), "S40")
        model = self.manifest["model"]
        with (self.path / "documents.jsonl").open(encoding="utf-8") as fh:
            for line in fh:
                if not line.strip():
                    continue
                doc = Document(**json.loads(line))
                i = doc_index.get(doc.doc_id)
                for r in order[bounds[i] : bounds[i + 1]] if i is not None else ():
                    text = doc.text[starts[r] : ends[r]]
                    chunk = Chunk("", doc.doc_id, starts[r], ends[r], text, doc.title, doc.date, doc.place)
                    keys[r] = embed_key(model, chunk.embed_text).encode()
        rows = np.argsort(keys, kind="stable")
        return keys[rows], rows

    def passage_vectors(self, wanted: Mapping[str, Chunk]) -> dict[str, np.ndarray]:
        """embed key -> (dim,) float32 stored vector, for the wanted keys this index holds."""
        if not wanted:
            return {}
        sorted_keys, rows = self._row_keys()
        keys = list(wanted)
        at, found = find_rows(sorted_keys, keys)
        vectors = np.asarray(self.vectors[rows[at[found]]], np.float32)  # only these rows are read from the map
        return dict(zip((k for k, f in zip(keys, found) if f), vectors))

    def sentence_vectors(self, keys: Sequence[str]) -> dict[str, np.ndarray]:
        """key -> stored sentence vector (float16 widened to float32), for the wanted keys this index holds."""
        return stored_rows(self._sentence_keys, self._sentences, keys)

    def close(self) -> None:
        self.vectors = self._sentence_keys = self._sentences = None


class EdgeSource:
    """A committed Qdrant Edge version's dense vectors, read through the engine a batch of articles at a time, and its
    sentence vectors (when it has them) memory-mapped."""

    def __init__(self, version: Path, manifest: dict):
        self.path, self.manifest = version, manifest
        # none in a version built before Edge kept sentence vectors
        self._sentence_keys, self._sentences = read_sentences(version, manifest, "rebuild that index")
        self.keeps_sentences = self._sentence_keys is not None
        self.shard = open_shard(version)  # read-only in effect, as a reader opens it (nothing writes a committed version)

    def passage_vectors(self, wanted: Mapping[str, Chunk]) -> dict[str, np.ndarray]:
        """embed key -> (dim,) float32 stored vector, among the points of the wanted passages' articles."""
        q = edge()
        doc_ids = sorted({c.doc_id for c in wanted.values()})
        out: dict[str, np.ndarray] = {}
        for start in range(0, len(doc_ids), _DOCS_PER_FILTER):
            match = q.MatchAny(any=doc_ids[start : start + _DOCS_PER_FILTER])
            selector = q.Filter(must=[q.FieldCondition(key="doc_id", match=match)])
            for r in scroll(self.shard, with_vector=[DENSE], payload=["embed_key"], selector=selector):
                k = r.payload.get("embed_key")
                if k in wanted and k not in out:
                    out[k] = np.asarray(r.vector[DENSE], np.float32)
        return out

    def sentence_vectors(self, keys: Sequence[str]) -> dict[str, np.ndarray]:
        """key -> stored sentence vector (float16 widened to float32), for the wanted keys this version holds."""
        return stored_rows(self._sentence_keys, self._sentences, keys)

    def close(self) -> None:
        self._sentence_keys = self._sentences = None
        if self.shard is not None:
            self.shard.close()
            self.shard = None
