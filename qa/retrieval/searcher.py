"""Retrieval: dense (FAISS), lexical (BM25) and their fusion, with filters and near-duplicate removal.

`Searcher.search()` is the one entry point (the UI, CLI and evaluation all call it);
`retrieve()` is the same returning only the hits. A question naming a province ranks another province's paper lower
where its passage names none of the question's places (provincial papers never name their own province). The fusion, de-duplication and
signal functions are array-only twins that tests drive without a model.
Not here: answer assembly and abstention (qa.answering.answer), which read the signals computed here.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import cached_property, lru_cache

import numpy as np

from embeddings.encoders.encode import Encoder
from embeddings.ingest.dates import date_range
from embeddings.lexical import fold, syllables, tokenize
from embeddings.stores.faiss_folder import LoadedIndex
from embeddings.stores.faiss_store import FaissStore
from embeddings.stores.interface import StoreConfig, VectorStore
from embeddings.types import Chunk, Document
from qa.errors import ConfigError
from qa.params import FUSIONS, RETRIEVERS, RetrievalParams
from qa.reading.evidence import address_words, article_years
from qa.reading.places import places_in
from qa.reading.question import Question, as_question

from .candidates import gather


@dataclass(frozen=True, slots=True)
class Hit:
    """One retrieved passage with its article, scores and 1-based rank."""

    chunk: Chunk
    document: Document
    score: float  # the ranking score of the retriever used (fused for hybrid)
    rank: int
    dense_score: float | None = None  # cosine similarity
    lexical_score: float | None = None  # raw BM25


@dataclass(frozen=True, slots=True)
class Filters:
    doc_ids: tuple[str, ...] = ()
    sources: tuple[str, ...] = ()
    date_from: str | None = None  # ISO, inclusive
    date_to: str | None = None

    def allows(self, doc: Document) -> bool:
        if self.doc_ids and doc.doc_id not in self.doc_ids:
            return False
        if self.sources and (doc.source or "").lower() not in {s.lower() for s in self.sources}:
            return False
        if not (self.date_from or self.date_to):
            return True
        span = date_range(doc.date)  # a month date covers its month; a date without a year matches no range
        if span is None:
            return False
        if self.date_from and span[1].isoformat() < self.date_from:
            return False
        return not (self.date_to and span[0].isoformat() > self.date_to)


@dataclass(frozen=True, slots=True)
class Signals:
    """Evidence for 'is any passage relevant?': see qa.answering.answer.should_abstain."""

    dense_top: float = 0.0  # best cosine
    dense_z: float = 0.0  # best cosine in standard deviations above the corpus' mean cosine for this query
    lexical_top: float = 0.0  # best BM25 score
    coverage: float = 0.0  # IDF-weighted share of the question's syllables found in the best passage
    agreement: bool = False  # dense and BM25 put the same passage first
    about_recency: bool = False  # "mới nhất"/"latest": a question about the articles themselves


@dataclass(frozen=True, slots=True)
class SearchResult:
    query: str
    hits: list[Hit] = field(default_factory=list)
    signals: Signals = field(default_factory=Signals)
    # (dim,) float32 "query" vector of `query` when the dense retriever ran (answers reuse it); None for bm25
    qvec: np.ndarray | None = field(default=None, compare=False, repr=False)


def minmax(scores: np.ndarray) -> np.ndarray:
    """Scale to [0, 1]; a constant vector maps to zeros (it carries no ranking information)."""
    if scores.size == 0:
        return scores.astype(np.float64)
    lo, hi = float(scores.min()), float(scores.max())
    return (scores - lo) / (hi - lo) if hi > lo else np.zeros_like(scores)


def fuse_weighted(dense: np.ndarray, lexical: np.ndarray, dense_weight: float, lexical_trust: float = 1.0) -> np.ndarray:
    """Min-max normalized weighted sum over the same candidates: (n,) -> (n,).

    `lexical_trust` in [0, 1] scales BM25's weight: a question whose words mostly do not occur in
    the corpus (an English question over Vietnamese articles) leaves BM25 matching names only.
    """
    return dense_weight * minmax(dense) + (1.0 - dense_weight) * lexical_trust * minmax(lexical)


def fuse_rrf(dense: np.ndarray, lexical: np.ndarray, k: int) -> np.ndarray:
    """Reciprocal rank fusion: sum of 1 / (k + rank) over both rankings (rank 1 = best); zero lexical scores get no rank."""

    def ranks(scores: np.ndarray) -> np.ndarray:
        order = np.argsort(-scores, kind="stable")
        r = np.empty(len(scores))
        r[order] = np.arange(1, len(scores) + 1)
        return r

    lex = 1.0 / (k + ranks(lexical))
    lex[lexical <= 0] = 0.0
    return 1.0 / (k + ranks(dense)) + lex


def is_near_duplicate(chunk: Chunk, chosen: Sequence[Chunk], params: RetrievalParams = RetrievalParams()) -> bool:
    """Overlapping passages of one article or near-identical text anywhere (see RetrievalParams.duplicate_*)."""
    mine = syllable_set(chunk.text)
    for other in chosen:
        if other.doc_id == chunk.doc_id:
            overlap = min(chunk.end, other.end) - max(chunk.start, other.start)
            if overlap > params.duplicate_overlap * min(chunk.end - chunk.start, other.end - other.start):
                return True
        theirs = syllable_set(other.text)
        if mine and theirs and len(mine & theirs) / len(mine | theirs) >= params.duplicate_jaccard:
            return True
    return False


@lru_cache(maxsize=16384)
def _folded_syllables(text: str) -> tuple[str, ...]:
    """Cached: passages are tokenized once, not on every query that retrieves them."""
    return tuple(syllables(fold(text)))


def syllable_set(text: str) -> frozenset[str]:
    """Folded syllables of a text, as a set (cached)."""
    return frozenset(_folded_syllables(text))


@lru_cache(maxsize=16384)
def syllable_pairs(text: str) -> frozenset[str]:
    """Adjacent folded-syllable pairs, 'hai_phong' style (cached)."""
    words = _folded_syllables(text)
    return frozenset(f"{a}_{b}" for a, b in zip(words, words[1:]))


def _words_of(text: Question | str) -> tuple[frozenset[str], frozenset[str]]:
    """(folded syllables, folded syllable pairs) of a read question, or of any text (cached)."""
    if isinstance(text, Question):
        return text.syllable_set, text.pairs
    return syllable_set(text), syllable_pairs(text)


def is_unaccented_vietnamese(question: str, vocabulary_share: float, min_vocabulary: float) -> bool:
    """Vietnamese typed without diacritics: its words are the corpus' words, yet no letter carries a mark.

    The embedding model reads such text poorly, so hybrid fusion leans on BM25 (which folds diacritics).
    """
    return vocabulary_share >= min_vocabulary and fold(question) == question and any(c.isalpha() for c in question)


def freshness(dates: dict[str, str | None], half_life_days: float) -> dict[str, float]:
    """Doc id -> 1.0 for the newest article, halving every `half_life_days` older; undated or year unknown -> 0.

    A month date counts from its first day.
    """
    spans = {k: date_range(v) for k, v in dates.items()}
    parsed = {k: span[0] for k, span in spans.items() if span}
    if not parsed:
        return {}
    newest = max(parsed.values())
    return {k: 0.5 ** ((newest - d).days / half_life_days) for k, d in parsed.items()}


class Searcher:
    """Holds a loaded index and a query encoder; everything per query is one encoding plus array work."""

    def __init__(self, index: VectorStore | LoadedIndex, encoder: Encoder, params: RetrievalParams = RetrievalParams()):
        self.index = FaissStore(index) if isinstance(index, LoadedIndex) else index  # the store: FAISS folder or Qdrant
        self.encoder = encoder
        self.params = params
        self._n = self.index.n_chunks
        self._typical_rows = self.index.sample_vectors()
        self._df = self.index.document_frequencies()
        self._weights: dict[frozenset[str], tuple] = {}
        self._places_named: dict[str, frozenset[str]] = {}  # chunk id -> the places its title and text name
        self._freshness = freshness({d.doc_id: d.date for d in self.index.documents.values()}, params.recency_half_life_days)

    @property
    def chunks(self) -> list[Chunk]:
        """Every chunk in corpus order (evaluation: which passages hold the evidence)."""
        return self.index.all_chunks()

    def coverage(self, question: Question | str, text: str) -> float:
        """IDF-weighted share of the question's folded syllable pairs found in `text`, in [0, 1].

        Pairs, because Vietnamese words are mostly two syllables: "dự báo thời tiết" shares
        syllables with political news ("báo cáo", "thời gian") but none of its pairs.
        A one-syllable question falls back to single syllables.
        """
        words, pairs = _words_of(question)
        if pairs:
            return self._covered(pairs, syllable_pairs(text))
        return self._covered(words, syllable_set(text))

    def sentence_overlap(self, question: Question | str, sentence: str) -> float:
        """How well a sentence matches the question (or any text): mean of syllable and syllable-pair coverage."""
        words, pairs = _words_of(question)
        return 0.5 * self._covered(words, syllable_set(sentence)) + 0.5 * self._covered(pairs, syllable_pairs(sentence))

    def _covered(self, wanted: frozenset[str], present: frozenset[str]) -> float:
        if not wanted:
            return 0.0
        weights, total = self._idf_weights(wanted)
        return sum(w for t, w in weights if t in present) / total

    def _idf_weights(self, wanted: frozenset[str]) -> tuple[tuple[tuple[str, float], ...], float]:
        """(token, IDF weight) pairs and their sum, memoised: one question's tokens are scored against many sentences."""
        found = self._weights.get(wanted)
        if found is None:
            n = max(1, self._n)
            pairs = tuple((t, math.log(1 + n / (self._df.get(t, 0) + 0.5))) for t in wanted)
            found = (pairs, sum(w for _, w in pairs))
            if len(self._weights) >= 4096:
                self._weights.clear()
            self._weights[wanted] = found
        return found

    def sentence_vectors(self, texts: Sequence[str]) -> np.ndarray:
        """(len(texts), dim) float32 "passage" vectors of sentences: the ones the index stores (every sentence
        of the build's split), the rest encoded now (an older index, Qdrant, another max_quote_chars)."""
        vectors, found = self.index.sentence_vectors(texts)
        missing = np.flatnonzero(~found)
        if missing.size:
            vectors[missing] = self.encoder.encode([texts[i] for i in missing], "passage")
        return vectors

    def document_frequency(self, token: str) -> int:
        """Number of passages holding a BM25 token (a folded syllable or 'a_b' syllable pair)."""
        return self._df.get(token, 0)

    def writes(self, token: str) -> bool:
        """Some passage, or some article's file or page name, holds a BM25 token: the corpus knows the word."""
        return token in self._df or token in self._address_tokens

    @cached_property
    def _address_tokens(self) -> frozenset[str]:
        return frozenset(t for d in self.index.documents for t in tokenize(address_words(d)))

    @cached_property
    def places_of_outlets(self) -> frozenset[str]:
        """Folded places the articles' outlets name though no passage may ("Theo Báo Quảng Trị", baonghean-vn_...)."""
        return frozenset(fold(d.place).lower() for d in self.index.documents.values() if d.place)

    def _about_elsewhere(self, chunk: Chunk, doc: Document, places: frozenset[str]) -> bool:
        """A provincial paper's passage that names none of the question's `places` is about its own province, which is
        another: "toàn tỉnh giải ngân 7.200 tỷ đồng" of Báo Nghệ An for a question about Đồng Tháp."""
        if not doc.place or fold(doc.place).lower() in places:
            return False
        named = self._places_named.get(chunk.chunk_id)
        if named is None:
            if len(self._places_named) > 100_000:  # a cache, not a copy of a large corpus
                self._places_named.clear()
            named = self._places_named[chunk.chunk_id] = places_in(f"{chunk.title}\n{chunk.text}")
        return not named & places

    def _about_other_years(self, doc: Document, years: frozenset[str]) -> bool:
        """An article whose date and text name years, none of them the question's (nor one its comparisons imply)."""
        written, implied = article_years(doc)
        return bool(written or implied) and not (written | implied) & years

    def vocabulary_share(self, question: Question | str) -> float:
        """Share of the question's folded syllables that occur anywhere in the corpus."""
        words = question.syllables if isinstance(question, Question) else syllables(fold(question))
        return sum(w in self._df for w in words) / len(words) if words else 0.0

    def search(
        self, question: Question | str, k: int = 5, retriever: str = "hybrid", filters: Filters | None = None
    ) -> SearchResult:
        """Top-k passages for `question` (already expanded for follow-ups; a string is read here), best first,
        near-duplicates removed."""
        read = as_question(question)
        question = read.text
        p = self.params
        if retriever not in RETRIEVERS:
            raise ConfigError(f"unknown retriever {retriever!r}; choose one of {', '.join(RETRIEVERS)}")
        if p.fusion not in FUSIONS:
            raise ConfigError(f"unknown fusion {p.fusion!r} (QA_FUSION); choose one of {', '.join(FUSIONS)}")
        qvec = self.encoder.encode([question], "query")[0] if retriever != "bm25" else None
        found = gather(self.index, question, qvec, retriever, filters, p.pool)
        dense, lexical = found.dense, found.lexical

        if retriever == "dense":
            ranking = dense.astype(np.float64)
        elif retriever == "bm25":
            ranking = lexical.astype(np.float64)
        elif p.fusion == "rrf":
            ranking = fuse_rrf(dense, lexical, p.rrf_k)
        else:
            share = self.vocabulary_share(read)
            weight = p.dense_weight
            if is_unaccented_vietnamese(question, share, p.unaccented_min_vocabulary):
                weight *= p.unaccented_dense_factor
            ranking = fuse_weighted(dense, lexical, weight, share)
        # another province's paper, another year's article: read for the best `penalty_depth` candidates only (each
        # costs ~0.2 ms the first time a passage or article is seen; the rest are cached)
        places, years = read.places if p.outlet_place_penalty else None, read.years if p.article_year_penalty else None
        if (places or years) and len(found.chunks):
            top = np.argsort(-ranking, kind="stable")[: p.penalty_depth]
            penalty = np.zeros(len(ranking))
            for j in top:
                if places and self._about_elsewhere(found.chunks[j], found.docs[j], places):
                    penalty[j] += p.outlet_place_penalty
                if years and self._about_other_years(found.docs[j], years):
                    penalty[j] += p.article_year_penalty
            ranking = ranking - penalty * (ranking.max() - ranking.min() or 1.0)
        if read.recent and len(found.chunks):
            bonus = np.array([self._freshness.get(d.doc_id, 0.0) for d in found.docs])
            ranking = ranking + p.recency_bonus * bonus * (ranking.max() - ranking.min() or 1.0)

        hits: list[Hit] = []
        chosen: list[Chunk] = []
        for j in np.argsort(-ranking, kind="stable"):
            chunk = found.chunks[j]
            if is_near_duplicate(chunk, chosen, p):
                continue
            chosen.append(chunk)
            hits.append(
                Hit(
                    chunk,
                    found.docs[j],
                    float(ranking[j]),
                    len(hits) + 1,
                    float(dense[j]) if qvec is not None else None,
                    float(lexical[j]) if retriever != "dense" else None,
                )
            )
            if len(hits) == k:
                break
        return SearchResult(question, hits, self._signals(read, qvec, dense, lexical, hits), qvec)

    def _signals(self, question: Question, qvec, dense: np.ndarray, lexical: np.ndarray, hits: list[Hit]) -> Signals:
        if not hits:
            return Signals()
        dense_top = float(dense.max()) if qvec is not None and len(dense) else 0.0
        z = 0.0
        if qvec is not None and len(self._typical_rows) > 1:
            typical = self._typical_rows @ qvec
            z = (dense_top - float(typical.mean())) / max(float(typical.std()), 1e-6)
        agreement = bool(
            qvec is not None and len(dense) and lexical.max(initial=0) > 0 and np.argmax(dense) == np.argmax(lexical)
        )
        coverage = max(self.coverage(question, h.chunk.embed_text) for h in hits[:3])
        return Signals(dense_top, z, float(lexical.max(initial=0.0)), coverage, agreement, question.recent)


def retrieve(question: str, k: int, searcher: Searcher, **options) -> list[Hit]:
    """Top-k hits for a question; see Searcher.search for the options."""
    return searcher.search(question, k, **options).hits


def open_searcher(
    index_dir,
    model: str,
    params: RetrievalParams = RetrievalParams(),
    fast: bool = True,
    query_encoder: str = "auto",
    store: StoreConfig | None = None,
) -> Searcher:
    """Open the index (the FAISS folder `index_dir`, or the store `store` names) and the query encoder for `model`
    (`query_encoder`: see embeddings.encoders.encode.ENGINES)."""
    from pathlib import Path

    from embeddings.encoders.encode import load_encoder
    from embeddings.stores.backends import open_store

    index = open_store(store or StoreConfig(index_dir=Path(index_dir)), model)
    return Searcher(index, load_encoder(model, fast=fast, engine=query_encoder), params)
