"""Tuning parameters: one frozen object for retrieval, one for answering, each number defined once here.

Every number says where it comes from. Settings (qa.settings) nests these objects, so any of them can be
overridden by a QA_* environment variable of the same name (QA_DENSE_WEIGHT=0.4). The answerability model
that `qa eval --calibrate` fits is a JSON file (qa/answering/answerability.json by default), loaded by `load_answerability`.
Not here: the values of user-facing settings (paths, ports, k), which stay in qa.settings.
"""

from __future__ import annotations

from dataclasses import dataclass

from embeddings.sentences import MAX_QUOTE_CHARS

RETRIEVERS = ("hybrid", "dense", "bm25")
MAX_QUESTION_CHARS = 2000  # a question, not a document: longer input is refused with a message (QA_MAX_QUESTION_CHARS)
FUSIONS = ("weighted", "rrf")


@dataclass(frozen=True, slots=True)
class RetrievalParams:
    """How dense and BM25 scores are combined, filtered and de-duplicated (qa.retrieval.searcher)."""

    fusion: str = "weighted"  # weighted (min-max, dense_weight on dense) | rrf: 0.92 vs 0.79 MRR@10 on eval_dev
    dense_weight: float = 0.5  # 0.3-0.5 plateau on eval_dev (MRR@10 0.91-0.92); the published 0.7 gave 0.86
    pool: int = 100  # candidates taken from each retriever before fusion: 20x k, far past where recall@10 saturates
    rrf_k: int = 60  # the constant of Cormack et al. (2009), used as published
    unaccented_dense_factor: float = 0.5  # dense weight multiplier for Vietnamese typed without diacritics: slice 0.86 -> 1.00
    unaccented_min_vocabulary: float = 0.7  # share of a question's syllables in the corpus that marks it as Vietnamese
    # a question naming a province: passages of another province's paper that name none of its places lose this share
    # of the score range (they are about their own province, which they never name)
    outlet_place_penalty: float = 0.2
    # a question naming a year: passages of articles whose date and text name only other years lose this share
    article_year_penalty: float = 0.2
    penalty_depth: int = 30  # the two penalties above are read for this many of the best candidates (6x k)
    recency_bonus: float = 0.5  # "mới nhất" questions: up to half the score range added for the newest article
    recency_half_life_days: float = 180.0  # news from half a year ago counts half as recent
    duplicate_overlap: float = 0.5  # passages of one article sharing more than half their characters are one passage
    duplicate_jaccard: float = 0.8  # near-identical text anywhere (syndicated copies) by syllable Jaccard


@dataclass(frozen=True, slots=True)
class AnswerParams:
    """How sentences are chosen for an extractive answer and how long quotes may be (qa.answering.answer)."""

    max_sentences: int = 3  # an answer of more than three quoted sentences stops being an answer
    sentence_passages: int = 3  # passages whose sentences compete: recall@3 is 0.95 on eval_dev
    overlap_weight: float = 0.7  # sentence score = 0.7 word overlap + 0.3 passage rank (47/56 answers held evidence)
    keep_ratio: float = 0.7  # keep sentences scoring at least 70% of the best one
    max_quote_chars: int = MAX_QUOTE_CHARS  # 300, a sentence not a paragraph; the build embeds this split's sentences
    typed_bonus: float = 0.3  # factoid questions: a sentence holding the answer type (number, date, name) leads
    # sentences of a passage whose text or article header hold all of the question's names and numbers gain this much
    # word overlap (less for a share): the answer comes from the article about the entity and year asked about.
    # Tune splits, answers quoting the expected answer (seed / news2): 0 -> 0.832 / 0.878, 0.5 -> 0.844 / 0.891,
    # 1.0 -> 0.849 / 0.895, 1.5 -> 0.860 / 0.891, 3.0 -> 0.860 / 0.891
    constraint_bonus: float = 1.0
    # who-questions: sentences holding the post asked about ("Chủ tịch UBND tỉnh"; "Who chairs" -> "Chủ tịch") gain this
    # much, times the share of the post found. Tune who-answers holding the expected name, three sets: 0 -> 67/76, 0.3 -> 69/76
    role_bonus: float = 0.3
    # why-questions: a sentence stating a cause (lexicon/cause_cues.txt) gains this much word overlap. Tune why-answers
    # holding the expected answer, four sets: 0 -> 59/71, 0.1 -> 61/71 (none lost), 0.15 -> 61 (3 lost), 0.35 -> 57.
    # Since the cues keep their diacritics and an answer stating no cause gets its article's cause sentence:
    # 0.1 -> 64/71 (0.2 -> 60); held out (not chosen on): 27/36 -> 28/36
    cause_bonus: float = 0.1
    # what-questions asking for an announced list ("còn những hạn chế gì?"): a sentence announcing that noun ("... vẫn
    # còn một số hạn chế.") gains this much word overlap, and the sentence giving the content follows it (set by hand)
    content_bonus: float = 0.2
    # a question naming a year: a sentence opening on another ("Năm 2020, tỉnh đặt mục tiêu ...") loses this much word
    # overlap (set by hand; tune answers quoting the expected answer 660 -> 661 of 747, none lost, held out unchanged)
    other_year_penalty: float = 0.3
    caption_penalty: float = 0.3  # paragraphs without closing punctuation (captions, headings) are rarely answers
    # English questions: the sentences of this many passages compete by embedding similarity (vectors stored at
    # build time). Tune-split English answer accuracy, seed / news2: 3 -> 0.66 / 0.73, 2 -> 0.64 / 0.64, 1 -> 0.48 / 0.50.
    cross_lingual_passages: int = 3
    entity_guard: bool = True  # a name of the question absent from every top passage: say so, never answer with another's fact
    abstain_min_coverage: float = 0.03  # `qa eval --calibrate` on eval_dev: 70% of unanswerable abstain,
    abstain_min_z: float = 2.6  # 1.8% of answerable wrongly (a fallback when no answerability model is loaded)
