"""Plain immutable values that cross module boundaries."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Document:
    """One cleaned article. `text` is the NFC body; offsets in chunks and citations index into it."""

    doc_id: str  # the file stem, stable across rebuilds
    title: str
    text: str
    content_hash: str  # sha256 of the file's bytes: what incremental builds compare
    date: str | None = None  # ISO: "2025-10-14", "2024-09" (month) or "--03-25" (year unknown); see embeddings.ingest.dates
    source: str | None = None  # outlet, e.g. "nhandan.vn", "TTXVN"
    author: str | None = None
    path: str = ""
    date_precision: str | None = None  # "day" | "month" | "partial"; None when there is no date
    place: str | None = None  # the province its outlet names ("Báo Nghệ An", baonghean-vn_...): see embeddings.ingest.outlets

    @property
    def meta(self) -> dict:
        """Display metadata, without the text."""
        return {
            "doc_id": self.doc_id,
            "title": self.title,
            "date": self.date,
            "date_precision": self.date_precision,
            "source": self.source,
            "author": self.author,
            "place": self.place,
        }


@dataclass(frozen=True, slots=True)
class Chunk:
    """A passage of a document: `doc.text[start:end] == text`."""

    chunk_id: str  # hash of doc id + text: unchanged text keeps its id
    doc_id: str
    start: int
    end: int
    text: str
    title: str = ""
    date: str | None = None
    place: str | None = None  # its article's outlet's province, which the text itself may never name

    @property
    def embed_text(self) -> str:
        """What the encoder sees (and BM25 indexes): the title, and the outlet's province, give the passage its context."""
        head = f"{self.title} ({self.place})" if self.place else self.title
        return f"{head}\n{self.text}" if head else self.text
