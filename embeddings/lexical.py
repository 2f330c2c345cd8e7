"""Vietnamese-aware tokens and the BM25 index (bm25s) built over the same chunks as FAISS.

Tokens are lower-cased, diacritic-folded syllables, so a question typed without diacritics
("Can Tho") matches "Cần Thơ", plus folded-syllable bigrams, which give the phrase evidence
("hai_phong" as one token) that single Vietnamese syllables lack. The "exact+folded" modes
also keep the accented spelling; they scored lower on the dev set and stay for comparison.
"""

from __future__ import annotations

import logging
import re
import unicodedata
from collections.abc import Sequence
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
        retriever = bm25s.BM25(k1=1.2, b=0.75)
        corpus_tokens = [tokenize(t, mode) or ["<empty>"] for t in texts]
        retriever.index(corpus_tokens, show_progress=False)
        return cls(retriever, mode)

    def scores(self, query: str) -> np.ndarray:
        """(n_chunks,) float32 BM25 scores; all zero when no query token is in the vocabulary."""
        tokens = [t for t in tokenize(query, self.mode) if t in self.vocab]
        n = int(self.retriever.scores["num_docs"])
        if not tokens:
            return np.zeros(n, dtype=np.float32)
        return np.asarray(self.retriever.get_scores(tokens), dtype=np.float32)

    def save(self, folder: Path) -> None:
        self.retriever.save(str(folder), allow_pickle=False)
        (folder / "token_mode.txt").write_text(self.mode)

    @classmethod
    def load(cls, folder: Path) -> LexicalIndex:
        import bm25s

        retriever = bm25s.BM25.load(str(folder), mmap=False, allow_pickle=False)
        return cls(retriever, (folder / "token_mode.txt").read_text().strip())
