"""`LastSearch`: the scores of a Qdrant store's last dense and BM25 searches, so that scoring the fused candidates asks
the engine only about the ones the other retriever found (both Qdrant stores; the FAISS folder scores every passage).

May import: numpy only.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import numpy as np


class LastSearch:
    """What the last dense search (by query vector) and the last lexical search (by query text) returned: id -> score."""

    def __init__(self):
        self._dense: tuple[bytes, dict[str, float]] = (b"", {})
        self._lexical: tuple[str, dict[str, float]] = ("", {})

    def keep_dense(self, qvec: np.ndarray, ids: Sequence[str], scores: Iterable[float]) -> None:
        self._dense = (np.asarray(qvec, np.float32).tobytes(), dict(zip(ids, scores)))

    def keep_lexical(self, query: str, ids: Sequence[str], scores: Iterable[float]) -> None:
        self._lexical = (query, dict(zip(ids, scores)))

    def dense(self, qvec: np.ndarray) -> dict[str, float]:
        """A copy of the last dense search's scores when it was for `qvec`, else empty."""
        return dict(self._dense[1]) if self._dense[0] == np.asarray(qvec, np.float32).tobytes() else {}

    def lexical(self, query: str) -> dict[str, float]:
        """A copy of the last lexical search's scores when it was for `query`, else empty."""
        return dict(self._lexical[1]) if self._lexical[0] == query else {}
