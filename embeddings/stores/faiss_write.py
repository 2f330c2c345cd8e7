"""Writing a FAISS folder version a batch at a time (layout: embeddings.stores.faiss_folder).

`FolderBuild` opens a `tmp-` version folder and appends each batch of a streaming build to it: articles to
documents.jsonl, passages to chunks.jsonl (where each sits in its article: id, doc_id, start, end; the text is
the article's, not repeated), vectors to a raw float32 file, BM25 statistics to an `embeddings.lexical.LexicalBuilder`,
sentence vectors to a raw float16 file (embeddings.stores.sentence_table). `finish` turns the raw files into .npy,
builds the FAISS index from the memory-mapped vectors and the BM25 matrix once, checksums, writes the manifest and
commits the version; until then the previous version stays live, and an error removes the folder. Memory: one
batch, the BM25 triples, the sentence keys, and at the end the vectors (which the store loads when serving anyway).
May import: embeddings.errors, embeddings.lexical, embeddings.types, .interface, .versions, .faiss_folder, .sentence_table;
faiss inside.
"""

from __future__ import annotations

import dataclasses
import json
import shutil
from pathlib import Path

import numpy as np

from embeddings.lexical import LexicalBuilder

from .faiss_folder import FORMAT_VERSION, build_faiss, choose_index_type, file_entries
from .interface import WriteBatch, WritePlan
from .sentence_table import SentenceTableWriter, raw_to_npy
from .versions import commit_version, new_version_dir


class FolderBuild:
    """One new version of the FAISS folder `index_dir`, filled by `add(batch)` and committed by `finish`."""

    def __init__(self, index_dir: Path, token_mode: str, keeps_sentences: bool):
        self.index_dir = index_dir
        self.tmp = new_version_dir(index_dir)
        self.lexical = LexicalBuilder(token_mode)
        self.sentences = SentenceTableWriter(self.tmp) if keeps_sentences else None
        self.n_chunks = self.n_documents = 0
        self.dim = 0
        self._files = {
            name: (self.tmp / name).open("w" if name.endswith(".jsonl") else "wb", **({"encoding": "utf-8"} if name.endswith(".jsonl") else {}))
            for name in ("documents.jsonl", "chunks.jsonl", "embeddings.f32")
        }  # fmt: skip

    def add(self, batch: WriteBatch) -> None:
        if len(batch.targets) != len(batch.chunks):
            raise ValueError("a FAISS folder is rewritten whole: every passage of a batch needs its vector")
        files = self._files
        for d in batch.documents:
            files["documents.jsonl"].write(json.dumps(dataclasses.asdict(d), ensure_ascii=False) + "\n")
        for c in batch.chunks:
            row = {"chunk_id": c.chunk_id, "doc_id": c.doc_id, "start": c.start, "end": c.end}
            files["chunks.jsonl"].write(json.dumps(row, ensure_ascii=False) + "\n")
        if len(batch.chunks):
            self.dim = self.dim or int(batch.vectors.shape[1])
            files["embeddings.f32"].write(np.ascontiguousarray(batch.vectors, dtype=np.float32).tobytes())
        self.lexical.add(c.embed_text for c in batch.chunks)
        self.n_chunks += len(batch.chunks)
        self.n_documents += len(batch.documents)
        if self.sentences is not None and batch.sentences is not None:
            self.sentences.add(batch.sentences.keys, batch.sentences.vectors)

    def finish(self, plan: WritePlan) -> dict:
        """Vectors, FAISS, BM25 and sentence files from what was added; returns the manifest to write beside them."""
        for fh in self._files.values():
            fh.close()
        tmp, dim = self.tmp, self.dim or int(plan.manifest.get("dim") or 0)
        raw_to_npy(tmp / "embeddings.f32", tmp / "embeddings.npy", np.float32, dim)
        vectors = np.load(tmp / "embeddings.npy")  # what the store loads to serve anyway
        index_type = choose_index_type(len(vectors)) if plan.index_type == "auto" else plan.index_type
        faiss_index, nprobe_recall = build_faiss(vectors, index_type)
        del vectors
        import faiss

        faiss.write_index(faiss_index, str(tmp / "faiss.index"))
        nprobe = getattr(faiss_index, "nprobe", None)  # IVF search width, tuned to recall@10 >= 0.97
        del faiss_index
        (tmp / "bm25").mkdir()
        self.lexical.finish().save(tmp / "bm25")
        n_sentences = self.sentences.finish(dim) if self.sentences is not None else None
        manifest = {
            **plan.manifest,
            "dim": dim,
            "index_type": index_type,
            "nprobe": nprobe,
            "nprobe_recall": nprobe_recall,  # the recall@10 against exact search measured for that width
            "format_version": FORMAT_VERSION,
            "files": file_entries(tmp),
            "n_chunks": self.n_chunks,
            "n_documents": self.n_documents,
            **({"n_sentences": n_sentences} if n_sentences is not None else {}),
        }
        return manifest

    def discard(self) -> None:
        for fh in self._files.values():
            fh.close()
        if self.sentences is not None:
            self.sentences.discard()
        shutil.rmtree(self.tmp, ignore_errors=True)


def write_folder(index_dir: Path, plan: WritePlan) -> str:
    """Stream `plan` into a new version of the FAISS folder and commit it; returns the version name."""
    build = FolderBuild(index_dir, plan.token_mode, plan.sentences is not None)
    try:
        for batch in plan.batches():
            build.add(batch)
        manifest = build.finish(plan)
        (build.tmp / "manifest.json").write_text(json.dumps(manifest, ensure_ascii=False, indent=2))
        return commit_version(index_dir, build.tmp, keep=2).name
    except BaseException:
        build.discard()
        raise
