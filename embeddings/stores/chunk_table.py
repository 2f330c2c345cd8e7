"""The FAISS folder's passages in memory as arrays: a `Sequence[Chunk]` that makes each Chunk when asked for.

A list of Chunk objects holds every passage's text a second time (beside its article's) plus ~0.5 kB of
object overhead each: most of a 100,000-passage folder's serving memory. Here a passage is a row of
(article, start, end) and its id; `table[i]` slices the text from the article (`doc.text[start:end] == chunk.text`).
May import: embeddings.types.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from pathlib import Path

import numpy as np

from embeddings.types import Chunk, Document


class ChunkTable(Sequence):
    """Row i is the passage of vector i. `doc_rows` (n,) int32 indexes `doc_list`; `starts`, `ends` (n,) int64."""

    def __init__(self, ids: list[str], doc_list: list[Document], doc_rows: np.ndarray, starts: np.ndarray, ends: np.ndarray):
        self.ids, self.doc_list, self.doc_rows, self.starts, self.ends = ids, doc_list, doc_rows, starts, ends

    @classmethod
    def read(cls, path: Path, documents: Mapping[str, Document]) -> ChunkTable:
        """chunks.jsonl (rows of chunk_id, doc_id, start, end, and in older folders the text too) over `documents`."""
        position = {d: i for i, d in enumerate(documents)}
        ids, rows, starts, ends = [], [], [], []
        with path.open(encoding="utf-8") as fh:
            for line in fh:
                if line.strip():
                    row = json.loads(line)
                    ids.append(row["chunk_id"])
                    rows.append(position[row["doc_id"]])
                    starts.append(row["start"])
                    ends.append(row["end"])
        return cls(ids, list(documents.values()), np.array(rows, np.int32), np.array(starts, np.int64), np.array(ends, np.int64))

    def __len__(self) -> int:
        return len(self.ids)

    def __getitem__(self, i):
        if isinstance(i, slice):
            return [self[j] for j in range(*i.indices(len(self)))]
        i = int(i)
        if i < 0:
            i += len(self)
        doc = self.doc_list[self.doc_rows[i]]
        start, end = int(self.starts[i]), int(self.ends[i])
        return Chunk(self.ids[i], doc.doc_id, start, end, doc.text[start:end], doc.title, doc.date, doc.place)

    def documents_of_rows(self) -> list[Document]:
        """The article of every row, in row order (filters test articles, not passages)."""
        return [self.doc_list[r] for r in self.doc_rows]
