"""Answers with [n] citations, built from the retrieved passages, plus abstention and follow-ups.

The default answer is extractive: the sentences of the top passages that best answer the
question (IDF-weighted word overlap and passage rank), in reading order, each followed
by its citation marker. Every citation is an exact span of its article (doc id + offsets),
so a reader can find it verbatim. No LLM is needed; qa.llm adds an optional generative path.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from .retrieve import Filters, Hit, Searcher, Signals

MESSAGES = {
    "vi": {
        "abstain": "Các bài báo hiện có không chứa thông tin để trả lời câu hỏi này.",
        "related": "Những đoạn sau có thể liên quan:",
        "empty": "Câu hỏi đang trống: hãy nhập một câu hỏi về các bài báo.",
        "too_long": "Câu hỏi quá dài ({n} ký tự, tối đa {limit}): hãy rút gọn câu hỏi.",
    },
    "en": {
        "abstain": "The articles do not contain the answer to this question.",
        "related": "These passages may be related:",
        "empty": "The question is empty: type a question about the articles.",
        "too_long": "The question is too long ({n} characters, at most {limit}): please shorten it.",
    },
}

# Calibrated on tests/data/eval_dev.jsonl with `qa eval --calibrate` (see README, "Abstention").
ABSTAIN_MIN_COVERAGE = 0.03
ABSTAIN_MIN_Z = 2.6
MAX_SENTENCES = 3
SENTENCE_PASSAGES = 3  # passages whose sentences compete for the answer

_SENTENCE_END = re.compile(r"(?<=[.!?…])[\"”’)]*\s+|\n+")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


@dataclass(frozen=True, slots=True)
class Citation:
    """[n] -> an exact span of an article: `document.text[start:end] == quote`."""

    n: int
    chunk_id: str
    doc_id: str
    title: str
    date: str | None
    source: str | None
    author: str | None
    start: int
    end: int
    quote: str


@dataclass(frozen=True, slots=True)
class Answer:
    question: str
    query: str  # what was actually searched (after follow-up expansion)
    text: str  # with [n] markers
    abstained: bool
    citations: tuple[Citation, ...] = ()
    hits: tuple[Hit, ...] = ()
    signals: Signals = field(default_factory=Signals)
    mode: str = "extractive"  # extractive | generative
    warnings: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Sentence:
    hit_index: int
    start: int  # offsets into the document text
    end: int
    text: str


def clean_question(question: str, max_chars: int = 2000, lang: str = "vi") -> str:
    """NFC, control characters removed, whitespace collapsed; QuestionError for empty or huge input."""
    import unicodedata

    from embeddings.errors import QuestionError

    text = " ".join(_CONTROL.sub(" ", unicodedata.normalize("NFC", question or "")).split())
    if not text:
        raise QuestionError(MESSAGES[lang]["empty"])
    if len(text) > max_chars:
        raise QuestionError(MESSAGES[lang]["too_long"].format(n=len(text), limit=max_chars))
    return text


def split_sentences(hit_index: int, hit: Hit) -> list[Sentence]:
    """Sentences of a passage with offsets into its document."""
    chunk, out, pos = hit.chunk, [], 0
    for match in [*_SENTENCE_END.finditer(chunk.text), None]:
        end = match.start() if match else len(chunk.text)
        piece = chunk.text[pos:end]
        stripped = piece.strip()
        if len(stripped) >= 2:
            offset = pos + piece.index(stripped)
            out.append(Sentence(hit_index, chunk.start + offset, chunk.start + offset + len(stripped), stripped))
        pos = match.end() if match else len(chunk.text)
    return out


def should_abstain(signals: Signals, min_coverage: float = ABSTAIN_MIN_COVERAGE, min_z: float = ABSTAIN_MIN_Z) -> bool:
    """No passage is relevant when neither the words (coverage), the meaning (dense z-score) nor the
    agreement of the two retrievers on a best passage connect them to the question.

    Cosine scores of this model are bunched (unrelated passages still score 0.75-0.8), so the
    dense signal is how far the best passage stands out from the corpus for the same question (z-score).
    """
    if signals.about_recency:
        return False  # "what does the latest article say" is about the articles: always answerable
    if signals.dense_top == 0.0 and signals.lexical_top == 0.0:
        return True
    return signals.coverage < min_coverage and signals.dense_z < min_z and not signals.agreement


def select_sentences(
    sentences: Sequence[Sentence], overlap: np.ndarray, hit_prior: np.ndarray, limit: int = MAX_SENTENCES
) -> list[Sentence]:
    """Array-only twin: pick the best sentences (score >= 70% of the best), then put them in reading order."""
    if not sentences:
        return []
    score = 0.7 * overlap + 0.3 * hit_prior
    best = float(score.max())
    picked = [i for i in np.argsort(-score, kind="stable")[:limit] if score[i] >= 0.7 * best]
    return sorted((sentences[i] for i in picked), key=lambda s: (s.hit_index, s.start))


def build_extractive(question: str, hits: Sequence[Hit], searcher: Searcher) -> tuple[str, tuple[Citation, ...]]:
    """Answer text with [n] markers and its citations, from the top passages' sentences.

    Sentences are scored by IDF-weighted overlap of syllables and syllable pairs with the question,
    plus their passage's rank. Scoring them with embeddings as well was measured on the dev set:
    fewer answers held the evidence (43 vs 47 of 56) at 35x the cost (750 vs 20 ms a question).
    """
    sentences = [s for i, hit in enumerate(hits[:SENTENCE_PASSAGES]) for s in split_sentences(i, hit)]
    if not sentences:
        return "", ()
    overlap = np.array([searcher.sentence_overlap(question, s.text) for s in sentences])
    prior = np.array([1.0 - s.hit_index / SENTENCE_PASSAGES for s in sentences])
    return assemble(select_sentences(sentences, overlap, prior), hits)


def assemble(chosen: Sequence[Sentence], hits: Sequence[Hit]) -> tuple[str, tuple[Citation, ...]]:
    """Join sentences into an answer; adjacent sentences of one passage share one citation span."""
    groups: list[list[Sentence]] = []
    for s in chosen:
        last = groups[-1][-1] if groups else None
        if last and last.hit_index == s.hit_index and hits[s.hit_index].document.text[last.end : s.start].strip() == "":
            groups[-1].append(s)
        else:
            groups.append([s])
    parts, citations = [], []
    for n, group in enumerate(groups, start=1):
        hit = hits[group[0].hit_index]
        doc = hit.document
        start, end = group[0].start, group[-1].end
        quote = doc.text[start:end]
        citations.append(
            Citation(n, hit.chunk.chunk_id, doc.doc_id, doc.title, doc.date, doc.source, doc.author, start, end, quote)
        )
        parts.append(f"{' '.join(s.text for s in group)} [{n}]")
    return " ".join(parts), tuple(citations)


_FOLLOW_UP_START = re.compile(
    r"^(còn|thế còn|vậy còn|vậy|thế|và|còn về|con|the con|vay con|what about|how about|and)\b", re.IGNORECASE
)
_ANAPHORA = re.compile(
    r"\b(ông ấy|bà ấy|anh ấy|chị ấy|ông ta|bà ta|họ|đó|ấy|này|nữa|thêm|ong ay|ba ay|he|she|they|them|that|this|it)\b",
    re.IGNORECASE,
)


def is_follow_up(question: str) -> bool:
    """Short or anaphoric questions that lean on the previous turn ("Còn Hải Phòng thì sao?", "Ông ấy nói gì thêm?")."""
    words = question.split()
    return bool(_FOLLOW_UP_START.match(question)) or (len(words) <= 8 and bool(_ANAPHORA.search(question))) or len(words) <= 2


def _proper_nouns(text: str) -> list[str]:
    """Runs of capitalized syllables (a run at the very start needs two, the first word is always capitalized).

    >>> _proper_nouns("Cần Thơ kiến nghị gì? Còn Hải Phòng thì sao?")
    ['Cần Thơ', 'Còn Hải Phòng']
    """
    words = [w.strip(',.;:!?"“”()') for w in text.split()]
    runs, current, start = [], [], 0
    for i, w in enumerate([*words, ""]):
        if w[:1].isupper():
            if not current:
                start = i
            current.append(w)
            continue
        if current and (start > 0 or len(current) >= 2):
            runs.append(" ".join(current))
        current = []
    return runs


def expand_query(question: str, previous_queries: Sequence[str]) -> str:
    """The query to search: a follow-up borrows the previous turn's query; a new name replaces the old names."""
    if not previous_queries or not is_follow_up(question):
        return question
    previous = previous_queries[-1]
    new_names = _proper_nouns(question)
    if new_names:
        for name in _proper_nouns(previous):
            previous = previous.replace(name, " ")
    return " ".join(f"{previous} {question}".split())


def answer_question(
    question: str,
    searcher: Searcher,
    k: int = 5,
    history: Sequence[str] = (),
    retriever: str = "hybrid",
    filters: Filters | None = None,
    fusion: str = "weighted",
    dense_weight: float = 0.5,
    lang: str = "vi",
    max_chars: int = 2000,
) -> Answer:
    """Retrieve for `question` (expanded with `history`, the previous searched queries) and answer with citations."""
    question = clean_question(question, max_chars, lang)
    query = expand_query(question, history)
    result = searcher.search(query, k, retriever, filters, fusion, dense_weight)
    hits = tuple(result.hits)
    if should_abstain(result.signals) or not hits:
        return Answer(question, query, MESSAGES[lang]["abstain"], True, (), hits, result.signals)
    text, citations = build_extractive(query, hits, searcher)
    if not citations:
        return Answer(question, query, MESSAGES[lang]["abstain"], True, (), hits, result.signals)
    return Answer(question, query, text, False, citations, hits, result.signals)


def hit_to_dict(hit: Hit) -> dict:
    """JSON shape of a hit, shared by `qa search --json`, `qa ask --json`, the UI and its API."""
    c, d = hit.chunk, hit.document
    return {
        "rank": hit.rank,
        "score": round(hit.score, 6),
        "dense_score": None if hit.dense_score is None else round(hit.dense_score, 6),
        "lexical_score": None if hit.lexical_score is None else round(hit.lexical_score, 6),
        "chunk_id": c.chunk_id,
        "doc_id": c.doc_id,
        "title": d.title,
        "date": d.date,
        "date_precision": d.date_precision,
        "source": d.source,
        "author": d.author,
        "start": c.start,
        "end": c.end,
        "text": c.text,
    }


def answer_to_dict(answer: Answer) -> dict:
    """JSON shape of an answer: text with [n], abstained, citations (exact spans), hits, searched query."""
    import dataclasses

    return {
        "question": answer.question,
        "query": answer.query,
        "answer": answer.text,
        "abstained": answer.abstained,
        "mode": answer.mode,
        "warnings": list(answer.warnings),
        "citations": [dataclasses.asdict(c) for c in answer.citations],
        "hits": [hit_to_dict(h) for h in answer.hits],
    }
