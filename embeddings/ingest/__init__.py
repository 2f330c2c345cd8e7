"""Ingest: article files and web pages -> `Document`s (reading formats, dates, cleaning, corpus folder, URL fetch).

May import: `embeddings.types`, `embeddings.errors`, third-party readers (trafilatura, pypdfium2, python-docx).
Must not import: `embeddings.encoders`, `embeddings.stores`, `embeddings.build`, anything in `qa` or `ui`.
"""

from .corpus import add_file, remove_article
from .dates import date_range
from .fetch import fetch_article
from .load import SUFFIXES, Skipped, corpus_files, load_corpus, read_article

__all__ = [
    "SUFFIXES",
    "Skipped",
    "add_file",
    "corpus_files",
    "date_range",
    "fetch_article",
    "load_corpus",
    "read_article",
    "remove_article",
]
