"""Answers with [n] citations, built from the retrieved passages, plus abstention.

The default answer is extractive: the sentences of the top passages that best answer the question
(IDF-weighted word overlap, passage rank and, for factoid questions, whether the sentence holds the
kind of answer asked for: a number, a date, a person, a place). The best sentence leads; every
citation is an exact span of its article (doc id + offsets), at most one sentence or clause group
long, with the answer span marked. Whether to answer at all is decided by the answerability model
(qa.answering.answerability). No LLM is needed; qa.answering.llm adds an optional generative path.
Not here: follow-up rewriting (qa.answering.followup), retrieval (qa.retrieval.searcher).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from qa.errors import QuestionError
from qa.messages import t
from qa.params import MAX_QUESTION_CHARS, MAX_QUOTE_CHARS, AnswerParams
from qa.reading.asking import FACTOID_TYPES, announces, asked_content, folded_lower, number_before, states_cause
from qa.reading.evidence import coverage_of
from qa.reading.places import is_district, is_place, place_spans
from qa.reading.question import Question, as_question, read_question
from qa.reading.spans import find_answer_span
from qa.retrieval.searcher import Filters, Hit, Searcher, Signals

from .followup import expand_query
from .sentences import Sentence, split_sentences

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


@dataclass(frozen=True, slots=True)
class Citation:
    """[n] -> an exact span of an article: `document.text[start:end] == quote`; the answer itself at answer_start:answer_end."""

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
    answer_start: int | None = None  # document offsets of the number/date/name that answers a factoid question
    answer_end: int | None = None
    sentence: str | None = None  # the whole sentence when the quote was cut from a longer one (shown in the source card)

    @classmethod
    def of(
        cls, n: int, hit: Hit, start: int, end: int, answer: tuple[int, int] | None = None, whole: tuple[int, int] | None = None
    ) -> Citation:
        """[n] for document offsets start:end of a hit's article; the quote is read off the article itself.
        `whole`: the offsets of the sentence the quote was cut from, when it was."""
        doc = hit.document
        a_start, a_end = answer or (None, None)
        return cls(
            n,
            hit.chunk.chunk_id,
            doc.doc_id,
            doc.title,
            doc.date,
            doc.source,
            doc.author,
            start,
            end,
            doc.text[start:end],
            a_start,
            a_end,
            doc.text[whole[0] : whole[1]] if whole else None,
        )


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
    confidence: float | None = None  # the answerability model's probability that the passages answer the question
    missing: tuple[str, ...] = ()  # names the question asks about that the passages never mention
    evidence: dict[str, float] = field(default_factory=dict)  # the answerability features (qa.answering.answerability.FEATURES)
    status: str = ""  # "answered" | "unsure" (the best quote, with a warning) | "refused"; "" = from `abstained`
    # why it was refused or stepped down (REASONS): "" when the model's outcome stands
    reason: str = ""

    @property
    def outcome(self) -> str:
        return self.status or ("refused" if self.abstained else "answered")


def clean_question(question: str, max_chars: int = MAX_QUESTION_CHARS, lang: str = "vi") -> str:
    """NFC, control characters removed, whitespace collapsed; QuestionError for empty or huge input."""
    text = " ".join(_CONTROL.sub(" ", unicodedata.normalize("NFC", question or "")).split())
    if not text:
        raise QuestionError(t("empty", lang))
    if len(text) > max_chars:
        raise QuestionError(t("too_long", lang, n=len(text), limit=max_chars))
    return text


def should_abstain(signals: Signals, params: AnswerParams = AnswerParams()) -> bool:
    """The fallback rule when no answerability model is loaded: no passage is relevant when neither the
    words (coverage), the meaning (dense z-score) nor the agreement of the two retrievers connect them to it."""
    if signals.about_recency:
        return False  # "what does the latest article say" is about the articles: always answerable
    if signals.dense_top == 0.0 and signals.lexical_top == 0.0:
        return True
    return signals.coverage < params.abstain_min_coverage and signals.dense_z < params.abstain_min_z and not signals.agreement


def select_sentences(
    sentences: Sequence[Sentence],
    overlap: np.ndarray,
    hit_prior: np.ndarray,
    params: AnswerParams = AnswerParams(),
    typed: np.ndarray | None = None,
) -> list[Sentence]:
    """Array-only twin: the best sentence first, then the others scoring >= keep_ratio of it, in reading order.

    score = overlap_weight * overlap + (1 - overlap_weight) * passage prior + typed_bonus * (holds the answer type);
    captions and headings lose caption_penalty.
    """
    if not sentences:
        return []
    score = params.overlap_weight * overlap + (1.0 - params.overlap_weight) * hit_prior
    if typed is not None:
        score = score + params.typed_bonus * typed
    score = score - params.caption_penalty * np.array([s.caption for s in sentences], dtype=float)
    order = np.argsort(-score, kind="stable")
    best = float(score[order[0]])
    rest = [i for i in order[1 : params.max_sentences] if score[i] >= params.keep_ratio * best and score[i] > 0]
    return [sentences[order[0]], *sorted((sentences[i] for i in rest), key=lambda s: (s.hit_index, s.start))]


def build_extractive(
    question: Question | str,
    hits: Sequence[Hit],
    searcher: Searcher,
    params: AnswerParams = AnswerParams(),
    qvec: np.ndarray | None = None,
) -> tuple[str, tuple[Citation, ...]]:
    """Answer text with [n] markers and its citations, from the top passages' sentences.

    Sentences are scored by IDF-weighted overlap of syllables and syllable pairs with the question,
    plus their passage's rank, plus (for factoid questions) whether they hold the answer type.
    Scoring them with embeddings as well was measured on the dev set: fewer answers held the
    evidence (43 vs 47 of 56) at 35x the cost (750 vs 20 ms a question). English questions are the
    exception (see _cross_lingual_overlap); `qvec`, the search's "query" vector of `question`, spares
    encoding it again.
    """
    question = as_question(question)
    n = params.sentence_passages
    sentences = _distinct(
        hits[:n], [s for i, hit in enumerate(hits[:n]) for s in split_sentences(i, hit, params.max_quote_chars)]
    )
    if not sentences:
        return "", ()
    kind = question.kind
    spans = {}
    if kind in FACTOID_TYPES:
        for s in sentences:
            span = find_answer_span(s.text, kind, question)
            if span is not None:
                spans[(s.hit_index, s.start)] = (s.start + span.start, s.start + span.end)
    if question.language == "en":
        overlap = _cross_lingual_overlap(question, sentences, searcher, params.cross_lingual_passages, qvec)
    else:
        overlap = np.array([searcher.sentence_overlap(question, s.text) for s in sentences])
    prior = np.array([1.0 - s.hit_index / n for s in sentences])
    noun = question.counted if kind == "how_many" else None
    typed = np.array([_typed_strength(s, spans, noun) for s in sentences]) if spans else None
    if params.constraint_bonus:
        held = passage_constraints(question, hits[:n], searcher)
        overlap = overlap + params.constraint_bonus * np.array([held[s.hit_index] for s in sentences])
    if params.role_bonus and kind == "who":
        from .answerability import role_support

        overlap = overlap + params.role_bonus * np.array([role_support(question, s.text) for s in sentences])
    if params.cause_bonus and kind == "why":
        overlap = overlap + params.cause_bonus * np.array([states_cause(s.text) for s in sentences], dtype=float)
    if params.other_year_penalty and question.years:  # "Năm 2020, Bắc Ninh đặt mục tiêu ..." reports another year
        from .answerability import sentence_year_conflict

        overlap = overlap - params.other_year_penalty * np.array(
            [sentence_year_conflict(question, s.text) for s in sentences], dtype=float
        )
    asked = asked_content(question.text) if params.content_bonus and kind in ("what", "why") else None
    if asked:
        overlap = overlap + params.content_bonus * np.array(
            [asked in folded_lower(s.text) and announces(s.text) for s in sentences], dtype=float
        )
    chosen = select_sentences(sentences, overlap, prior, params, typed)
    lead = chosen[0]
    if kind in ("what", "why") and announces(lead.text):
        chosen = _with_content(chosen, sentences)
    if kind == "why" and not any(states_cause(s.text) for s in chosen):
        chosen = _with_cause(chosen, sentences, overlap, hits, params.max_sentences)
    return assemble(chosen, hits, spans.get((lead.hit_index, lead.start)), params.max_quote_chars)


def _with_content(chosen: list[Sentence], sentences: Sequence[Sentence]) -> list[Sentence]:
    """The lead announces content ("... vẫn còn một số hạn chế."): the next sentence of its passage, which gives it,
    follows the lead in the answer (moved up if it was chosen later)."""
    lead = chosen[0]
    after = [s for s in sentences if s.hit_index == lead.hit_index and s.start >= lead.end]
    if not after:
        return chosen
    content = min(after, key=lambda s: s.start)
    return [lead, content, *(s for s in chosen[1:] if s is not content)]


def _with_cause(
    chosen: list[Sentence], sentences: Sequence[Sentence], overlap: np.ndarray, hits: Sequence[Hit], limit: int
) -> list[Sentence]:
    """A why-answer whose sentences tell what happened but no cause: the sentence of the lead's article that states
    one (the best-matching, if several) follows the lead ("Nguyên nhân ban đầu do xe đổ đèo nhanh ...")."""
    doc = hits[chosen[0].hit_index].document.doc_id
    causes = [
        i
        for i, s in enumerate(sentences)
        if hits[s.hit_index].document.doc_id == doc and s not in chosen and states_cause(s.text)
    ]
    if not causes:
        return chosen
    best = sentences[max(causes, key=lambda i: overlap[i])]
    return [chosen[0], best, *chosen[1:]][:limit]


def _typed_strength(sentence: Sentence, spans: dict, noun: str | None) -> float:
    """1.0 for a sentence holding the kind of answer asked for; a how-many answer (`noun`: what it counts)
    counts in full only when its number stands before that noun ("300 nông dân", not "23 câu hỏi của nông
    dân"): 0.5 otherwise."""
    if (sentence.hit_index, sentence.start) not in spans:
        return 0.0
    return 1.0 if noun is None or number_before(noun, sentence.text) else 0.5


def _distinct(hits: Sequence[Hit], sentences: list[Sentence]) -> list[Sentence]:
    """Each sentence of an article once: overlapping passages of one article share sentences, and an answer
    must not quote the same sentence twice (the higher-ranked passage keeps it)."""
    seen: set[tuple[str, int]] = set()
    out = []
    for s in sentences:
        key = (hits[s.hit_index].document.doc_id, s.start)
        if key not in seen:
            seen.add(key)
            out.append(s)
    return out


def passage_constraints(question: Question, hits: Sequence[Hit], searcher: Searcher) -> list[float]:
    """Per passage, the share of the question's names and numbers that it or its article's header hold:
    a sentence about Cần Thơ's party members is no answer about Long An's, however well its words match."""
    from .answerability import held_to, passage_context, question_constraints

    constraints = question_constraints(question, searcher)
    return [coverage_of(held_to(constraints, h.document, question.days), passage_context(h)) for h in hits]


def _cross_lingual_overlap(
    question: Question, sentences: Sequence[Sentence], searcher: Searcher, passages: int, qvec: np.ndarray | None = None
) -> np.ndarray:
    """Sentence scores for an English question over Vietnamese text: shared words say little, so the
    embedding similarity (min-max scaled over the candidates) stands in for word overlap. Only the
    sentences of the first `passages` passages compete (the rest score 0). Their vectors come from the
    index (the build embeds every sentence); only sentences it lacks are encoded now, and `qvec` (the
    search's vector of `question`) is used when given."""
    scored = [i for i, s in enumerate(sentences) if s.hit_index < passages]
    out = np.zeros(len(sentences))
    if not scored:
        return out
    query = qvec if qvec is not None else searcher.encoder.encode([question.text], "query")[0]
    cosines = searcher.sentence_vectors([sentences[i].text for i in scored]) @ query
    spread = float(cosines.max() - cosines.min())
    out[scored] = (cosines - cosines.min()) / spread if spread > 0 else 0.0
    return out


def assemble(
    chosen: Sequence[Sentence],
    hits: Sequence[Hit],
    answer_span: tuple[int, int] | None = None,
    max_chars: int = MAX_QUOTE_CHARS,
) -> tuple[str, tuple[Citation, ...]]:
    """Join sentences into an answer (in the given order); adjacent sentences of one passage share one citation
    while their quote stays within `max_chars` (beyond, each keeps its own [n]).

    `answer_span` (document offsets inside the first sentence) is recorded on the citation that holds it.
    """
    groups: list[list[Sentence]] = []
    for s in chosen:
        last = groups[-1][-1] if groups else None
        if (
            last
            and last.hit_index == s.hit_index
            and last.end <= s.start
            and hits[s.hit_index].document.text[last.end : s.start].strip() == ""
            and s.end - groups[-1][0].start <= max_chars
        ):
            groups[-1].append(s)
        else:
            groups.append([s])
    parts, citations = [], []
    for n, group in enumerate(groups, start=1):
        start, end = group[0].start, group[-1].end
        inside = answer_span is not None and group[0] is chosen[0] and start <= answer_span[0] and answer_span[1] <= end
        # a quote cut from a longer sentence says so, except where the next quote goes on with the same sentence
        cut_before = group[0].cut_before and not (n > 1 and _continues(groups[n - 2][-1], group[0]))
        cut_after = group[-1].cut_after and not (n < len(groups) and _continues(group[-1], groups[n][0]))
        whole = (group[0].whole[0], group[-1].whole[1]) if cut_before or cut_after else None
        citations.append(Citation.of(n, hits[group[0].hit_index], start, end, answer_span if inside else None, whole))
        quoted = " ".join(s.text for s in group)
        parts.append(f"{'… ' if cut_before else ''}{quoted}{'…' if cut_after else ''} [{n}]")
    return " ".join(parts), tuple(citations)


def _continues(before: Sentence, after: Sentence) -> bool:
    """`after` is the next window of the sentence `before` is a window of (one sentence quoted in two citations)."""
    return before.hit_index == after.hit_index and before.whole == after.whole and before.end <= after.start


def missing_names(question: Question | str, hits: Sequence[Hit], searcher: Searcher, passages: int = 3) -> tuple[str, ...]:
    """Names the question asks about (as the corpus would write them) that none of the first passages,
    nor their articles' headers, mention: "Long An" when only Cần Thơ's figures were found."""
    from .answerability import corpus_names, passage_context, unwritten_names

    question = as_question(question)
    texts = [passage_context(h) for h in hits[:passages]]
    named = question.names
    # the corpus' spelling of each name, and the provinces and cities it never writes at all ("kien giang")
    wanted = [
        *corpus_names(question, searcher),
        *unwritten_names(question, searcher),
        *(p for n in named for p in place_spans(n)),
    ]
    missing = [name for name in dict.fromkeys(wanted) if not any(coverage_of((name,), t) == 1.0 for t in texts)]
    # said as the question wrote it: "Vĩnh Long", not the part of it the corpus also writes ("Long")
    return tuple(dict.fromkeys(next((n for n in named if f" {name} " in f" {n} "), name) for name in missing))


def written_nowhere(question: Question, missing: Sequence[str], searcher: Searcher) -> tuple[str, ...]:
    """The `missing` names the corpus writes nowhere, which refuse outright. Not a province, city or district when the
    passages hold another of the question's names ("xã An Phong huyện Thanh Bình, Đồng Tháp", "xã Chư Drăng (Krông Pa,
    Gia Lai)"): an outlet the loader does not know may be the only one to name its article's province (thdt.vn), and a
    commune's portal never writes its district, so it is only missing."""
    from .answerability import corpus_runs, name_in_corpus

    located = any(n not in missing for n in question.names)
    # an English question's name mixes in English words ("Ha Long Bay", "Krong Pa district"): written when the corpus
    # writes a run of its other words
    runs = dict(zip(question.names, corpus_runs(question, searcher))) if question.language == "en" else {}
    return tuple(
        n
        for n in missing
        if not name_in_corpus(n, searcher) and not runs.get(n) and not (located and (is_place(n) or is_district(n)))
    )


# Why an answer is not the model's plain outcome. The first two refuse whatever the model says; "missing_name" steps
# the outcome down one level; "low_confidence" is the model's own refusal; "no_passages": nothing was found.
REASONS = ("unknown_name", "post_conflict", "missing_name", "low_confidence", "no_passages")


def guarded_outcome(status: str, unknown: bool, conflict: bool, missing: bool) -> tuple[str, str]:
    """(outcome, reason) of the entity guard over the model's `status`: a name written nowhere in the corpus
    (`unknown`) or a quote whose person holds another post (`conflict`) refuses; a name only missing from the
    passages found lowers the outcome one step. The one rule answers and the evaluation (qa.evaluation.shift) apply.

    >>> guarded_outcome("answered", False, False, True)
    ('unsure', 'missing_name')
    """
    if unknown or conflict:
        return "refused", "unknown_name" if unknown else "post_conflict"
    if missing and status != "refused":
        return {"answered": "unsure", "unsure": "refused"}[status], "missing_name"
    return status, "low_confidence" if status == "refused" else ""


def answer_question(
    question: str,
    searcher: Searcher,
    *,
    k: int = 5,
    history: Sequence[str] = (),
    retriever: str = "hybrid",
    filters: Filters | None = None,
    lang: str = "vi",
    max_chars: int = MAX_QUESTION_CHARS,
    params: AnswerParams = AnswerParams(),
    model=None,
) -> Answer:
    """Retrieve for `question` (expanded with `history`, the previous searched queries) and answer with citations.

    Three outcomes. `model` (qa.answering.answerability.AnswerabilityModel) gives the probability that the passages
    answer: at or above its threshold "answered", above its refuse threshold "unsure" (the best quote, shown with a
    warning), below it "refused" (without a model, the fallback rule `should_abstain` answers or refuses). A name the
    question asks about that the first passages never mention lowers the outcome one step, and the answer says the
    quote does not name it; a name written nowhere in the corpus, under any spelling, is refused outright.
    """
    from .answerability import answerability_features, post_conflict

    question = clean_question(question, max_chars, lang)
    query = expand_query(question, history)
    read = read_question(query)  # read once; everything below takes this value
    result = searcher.search(read, k, retriever, filters)
    hits = tuple(result.hits)
    if not hits:
        text = t("abstain", lang)
        return Answer(question, query, text, True, (), hits, result.signals, status="refused", reason="no_passages")
    text, citations = build_extractive(read, hits, searcher, params, result.qvec)
    lead = next(((h, citations[0].quote) for h in hits if h.chunk.chunk_id == citations[0].chunk_id), None) if citations else None
    evidence = answerability_features(read, result, searcher, lead)
    confidence = None
    if model is not None:
        confidence = model.probability(evidence)
        status = "answered" if result.signals.about_recency else model.outcome(confidence)
    else:
        status = "refused" if should_abstain(result.signals, params) else "answered"
    missing = missing_names(read, hits, searcher) if params.entity_guard else ()
    unknown = bool(written_nowhere(read, missing, searcher))
    conflict = bool(citations) and post_conflict(read, citations[0].quote)
    status, reason = guarded_outcome(status, unknown, conflict, bool(missing))
    found = {"confidence": confidence, "evidence": evidence, "missing": missing, "reason": reason}
    if status == "refused" or not citations:
        text = t("not_about", lang, entities=", ".join(missing)) if missing else t("abstain", lang)
        return Answer(question, query, text, True, (), hits, result.signals, status="refused", **found)
    warnings = ()
    if status == "unsure":
        shown = "" if confidence is None else f"{confidence:.0%}"
        warnings = (t("unsure", lang, confidence=shown),)
        if missing:
            outlet = hits[0].document.source
            key = "quote_lacks" if outlet else "quote_lacks_plain"
            warnings += (t(key, lang, entities=", ".join(missing), outlet=outlet or ""),)
    return Answer(question, query, text, False, citations, hits, result.signals, warnings=warnings, status=status, **found)


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
        "status": answer.outcome,
        "reason": answer.reason,
        "abstained": answer.abstained,
        "mode": answer.mode,
        "warnings": list(answer.warnings),
        "citations": [dataclasses.asdict(c) for c in answer.citations],
        "hits": [hit_to_dict(h) for h in answer.hits],
        "confidence": None if answer.confidence is None else round(answer.confidence, 4),
        "missing": list(answer.missing),
    }
