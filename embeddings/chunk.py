"""Split documents into passages sized in the embedding model's own tokens.

Uses langchain-text-splitters' recursive splitter with separators for Vietnamese
paragraphs, sentences and clauses, then finds each passage in the document so that
`doc.text[chunk.start:chunk.end] == chunk.text` always holds. Pure, given a token counter.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable

from .errors import ConfigError
from .types import Chunk, Document

# Paragraph, line, sentence end (incl. the ellipsis used in Vietnamese news), clause, word.
SEPARATORS = ["\n\n", "\n", r"(?<=[.!?…])\s+", r"(?<=[;:])\s+", r"(?<=,)\s+", " ", ""]


def chunk_id(doc_id: str, text: str) -> str:
    """Stable id: the same text in the same document always gets the same id."""
    return hashlib.sha1(f"{doc_id}\n{text}".encode()).hexdigest()[:16]


def make_splitter(chunk_tokens: int, overlap_tokens: int, count_tokens: Callable[[str], int]):
    from langchain_text_splitters import RecursiveCharacterTextSplitter

    if overlap_tokens >= chunk_tokens:
        raise ConfigError(f"chunk overlap ({overlap_tokens}) must be smaller than the chunk size ({chunk_tokens})")
    return RecursiveCharacterTextSplitter(
        separators=SEPARATORS,
        is_separator_regex=True,
        keep_separator="end",
        chunk_size=chunk_tokens,
        chunk_overlap=overlap_tokens,
        length_function=count_tokens,
        strip_whitespace=True,
    )


def chunk_document(doc: Document, splitter) -> list[Chunk]:
    """Passages of one document with exact character offsets, in reading order."""
    chunks: list[Chunk] = []
    seen: dict[str, int] = {}
    search_from = 0
    for piece in splitter.split_text(doc.text):
        start = doc.text.find(piece, search_from)
        if start < 0:  # subtle: cannot happen with keep_separator; guard so offsets never lie
            raise RuntimeError(f"chunk of {doc.doc_id} not found in its document text")
        cid = chunk_id(doc.doc_id, piece)
        seen[cid] = seen.get(cid, 0) + 1
        if seen[cid] > 1:
            cid = f"{cid}-{seen[cid]}"
        chunks.append(Chunk(cid, doc.doc_id, start, start + len(piece), piece, doc.title, doc.date, doc.place))
        search_from = start + 1
    return chunks


def chunk_documents(docs: Iterable[Document], splitter) -> list[Chunk]:
    return [chunk for doc in docs for chunk in chunk_document(doc, splitter)]
