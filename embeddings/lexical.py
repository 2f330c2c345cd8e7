"""Vietnamese-aware tokens and the BM25 index (bm25s) built over the same chunks as FAISS.

Tokens are lower-cased, diacritic-folded syllables, so a question typed without diacritics
("Can Tho") matches "Cần Thơ", plus folded-syllable bigrams, which give the phrase evidence
("hai_phong" as one token) that single Vietnamese syllables lack. The "exact+folded" modes
also keep the accented spelling; they scored lower on the dev set and stay for comparison.

`LexicalBuilder` builds the same bm25s index a batch of texts at a time (a streaming build): it keeps each
passage's distinct token ids and counts in numpy arrays, not every passage's token strings, which is what
made bm25s' own `index()` take most of a 100,000-passage build's 6 GB.
"""

from __future__ import annotations

import logging
import re
import unicodedata
from array import array
from collections import Counter
from collections.abc import Iterable, Sequence
from functools import lru_cache
from pathlib import Path

import numpy as np

from .errors import ConfigError

_WORD = re.compile(r"\w+", re.UNICODE)
TOKEN_MODES = ("folded", "exact+folded", "folded+bigrams", "exact+folded+bigrams")
DEFAULT_MODE = "folded+bigrams"  # best BM25 and hybrid MRR@10 on tests/data/eval_dev.jsonl (see README)


def fold(text: str) -> str:
    """Remove Vietnamese diacritics: 'Đảng Cần Thơ' -> 'Dang Can Tho'."""
    decomposed = unicodedata.normalize("NFD", text.replace("đ", "d").replace("Đ", "D"))
    return unicodedata.normalize("NFC", "".join(c for c in decomposed if not unicodedata.combining(c)))


_fold_syllable = lru_cache(maxsize=1 << 18)(fold)  # a corpus has few distinct syllables: fold each once


def syllables(text: str) -> list[str]:
    """Lower-cased NFC syllables: 'Cần Thơ, 2022!' -> ['cần', 'thơ', '2022']."""
    return _WORD.findall(unicodedata.normalize("NFC", text).lower())


def tokenize(text: str, mode: str = DEFAULT_MODE) -> list[str]:
    """Tokens for BM25 under one of TOKEN_MODES.

    >>> tokenize("Cần Thơ", "exact+folded+bigrams")
    ['cần', 'can', 'thơ', 'tho', 'can_tho']
    >>> tokenize("Cần Thơ")
    ['can', 'tho', 'can_tho']
    """
    if mode not in TOKEN_MODES:
        raise ConfigError(f"unknown token mode {mode!r}; choose one of {', '.join(TOKEN_MODES)}")
    sylls = syllables(text)
    folded = [_fold_syllable(s) for s in sylls]
    if mode == "folded" or mode == "folded+bigrams":
        tokens = list(folded)
    else:
        tokens = []
        for exact, plain in zip(sylls, folded):
            tokens.append(exact)
            if plain != exact:
                tokens.append(plain)
    if mode.endswith("+bigrams"):
        tokens.extend(f"{a}_{b}" for a, b in zip(folded, folded[1:]))
    return tokens


K1, B = 1.2, 0.75  # bm25s' "lucene" BM25 with these parameters (the Qdrant stores use the same)


class LexicalIndex:
    """BM25 over chunk texts; scores every chunk for a query (the corpus is the unit of fusion)."""

    def __init__(self, retriever, mode: str):
        self.retriever = retriever
        self.mode = mode
        self.vocab = retriever.vocab_dict

    @classmethod
    def build(cls, texts: Sequence[str], mode: str = DEFAULT_MODE) -> LexicalIndex:
        import bm25s

        logging.getLogger("bm25s").setLevel(logging.WARNING)  # bm25s sets its own logger to DEBUG on import
        retriever = bm25s.BM25(k1=K1, b=B)
        corpus_tokens = [tokenize(t, mode) or ["<empty>"] for t in texts]
        retriever.index(corpus_tokens, show_progress=False)
        return cls(retriever, mode)

    def scores(self, query: str) -> np.ndarray:
        """(n_chunks,) float32 BM25 scores; all zero when no query token is in the vocabulary."""
        tokens = [t for t in tokenize(query, self.mode) if t in self.vocab]
        matrix = self.retriever.scores
        out = np.zeros(int(matrix["num_docs"]), dtype=np.float32)
        data, indices, indptr = matrix["data"], matrix["indices"], matrix["indptr"]
        for token in tokens:  # a repeated query token counts twice, as in bm25s
            column = self.vocab[token]
            if column + 1 < len(indptr):
                start, end = indptr[column], indptr[column + 1]
                # subtle: a column holds each passage once, so this is bm25s' np.add.at (same float32 sums, same
                # order), without add.at's per-element cost: 10x faster on the long columns of 100,000 passages
                out[indices[start:end]] += data[start:end]
        return out

    def save(self, folder: Path) -> None:
        self.retriever.save(str(folder), allow_pickle=False)
        (folder / "token_mode.txt").write_text(self.mode)

    @classmethod
    def load(cls, folder: Path) -> LexicalIndex:
        import bm25s

        retriever = bm25s.BM25.load(str(folder), mmap=False, allow_pickle=False)
        return cls(retriever, (folder / "token_mode.txt").read_text().strip())


class LexicalBuilder:
    """bm25s' index over texts added a batch at a time; `finish()` gives the LexicalIndex `LexicalIndex.build` would.

    Per passage only (row, token id, count) triples are kept (int32, int32, float32: ~2.3 kB for a 300-token
    passage), and scores are computed once at the end with bm25s' formulas (method and IDF "lucene"):
    idf = ln(1 + (N - df + 0.5) / (df + 0.5)), tf / (tf + k1 (1 - b + b dl / avgdl)), in float64, stored float32.
    Token ids are numbered in first-seen order (bm25s numbers them otherwise; the saved vocabulary maps either way).
    """

    def __init__(self, mode: str = DEFAULT_MODE):
        tokenize("", mode)  # an unknown mode fails here, not after the first batch
        self.mode = mode
        self.vocab: dict[str, int] = {}
        self._rows: list[np.ndarray] = []
        self._cols: list[np.ndarray] = []
        self._tfs: list[np.ndarray] = []
        self._lengths: list[int] = []

    def add(self, texts: Iterable[str]) -> None:
        rows, cols, tfs = array("i"), array("i"), array("f")  # C arrays: no Python int per entry
        vocab = self.vocab
        for text in texts:
            tokens = tokenize(text, self.mode) or ["<empty>"]
            row = len(self._lengths)
            self._lengths.append(len(tokens))
            counts = Counter(tokens)
            cols.extend(vocab.setdefault(token, len(vocab)) for token in counts)
            tfs.extend(counts.values())
            rows.extend([row] * len(counts))
        self._rows.append(np.frombuffer(rows, dtype=np.int32))
        self._cols.append(np.frombuffer(cols, dtype=np.int32))
        self._tfs.append(np.frombuffer(tfs, dtype=np.float32))

    def finish(self) -> LexicalIndex:
        import bm25s

        logging.getLogger("bm25s").setLevel(logging.WARNING)
        n, n_vocab = len(self._lengths), len(self.vocab)

        def take(parts: list, dtype) -> np.ndarray:  # one array from its parts, freeing the parts (peak: ~1 copy)
            out = np.concatenate(parts) if parts else np.zeros(0, dtype)
            parts.clear()
            return out

        # subtle: the arrays are made and dropped in this order so that at most ~4 of the n_entries-long ones coexist
        cols = take(self._cols, np.int32)
        counts = np.bincount(cols, minlength=n_vocab)
        order = np.argsort(cols, kind="stable")  # by token, rows ascending within each (they were added in order)
        df = counts.astype(np.float64)
        idf = np.log(1 + (n - df + 0.5) / (df + 0.5)).astype(np.float32)  # bm25s keeps its IDF array in float32
        data = idf[cols]
        del cols
        rows, tfs = take(self._rows, np.int32), take(self._tfs, np.float32)
        lengths = np.array(self._lengths, dtype=np.float64)
        avgdl = float(lengths.mean()) if n else 1.0
        for at in range(0, len(data), 1 << 22):  # blocks: the float64 temporaries stay small
            part = slice(at, at + (1 << 22))
            tf = tfs[part].astype(np.float64)
            data[part] = data[part] * (tf / (K1 * ((1 - B) + B * lengths[rows[part]] / avgdl) + tf))
        del tfs
        data, rows = data[order], rows[order]
        del order
        indptr = np.zeros(n_vocab + 1, dtype=np.int64)
        np.cumsum(counts, out=indptr[1:])
        retriever = bm25s.BM25(k1=K1, b=B)
        retriever.scores = {"data": data, "indices": rows, "indptr": indptr, "num_docs": n}
        vocab = dict(self.vocab)
        vocab.setdefault("", n_vocab)  # as bm25s' index() adds it
        retriever.vocab_dict = vocab
        retriever.unique_token_ids_set = set(vocab.values())
        retriever.nonoccurrence_array = None
        return LexicalIndex(retriever, self.mode)
