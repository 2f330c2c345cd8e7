"""Retrieval: a question -> ranked `Hit`s. Dense and BM25 candidates from a store, fusion, filters,
near-duplicate removal, and the retrieval signals answerability reads (`Signals`).

May import: `embeddings` (stores, encoders, lexical, types), `qa.params`, `qa.errors`.
Must not import: `qa.answering`, `qa.evaluation`, `qa.cli`, `ui`.
"""

from .searcher import Filters, Hit, Searcher, SearchResult, Signals, open_searcher

__all__ = ["Filters", "Hit", "SearchResult", "Searcher", "Signals", "open_searcher"]
