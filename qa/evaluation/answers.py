"""Answer-level evaluation: did the answer quote the expected answer, did it abstain when it should, how sure was it.

For an answerable question the answer is right when a citation's quote contains the expected short
answer (`answer`, or else one of the evidence strings), compared after NFC, whitespace and case
normalization and also diacritic-folded. For an unanswerable one, abstaining is right. The
answerability model's confidence gives an AUROC and a selective-answering curve (coverage vs
accuracy when only the most confident answers are given). `calibrate` fits the model on a split.
Not here: retrieval metrics (qa.evaluation.retrieval), printing and plotting (qa.cli.eval).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from embeddings.lexical import fold
from qa.answering.answer import answer_question, build_extractive
from qa.answering.answerability import AnswerabilityModel, fit_model
from qa.params import AnswerParams
from qa.retrieval.searcher import Searcher

from .retrieval import EvalQuestion, norm


def _normalized(text: str) -> str:
    return norm(text).lower()


def quote_holds(quotes: Sequence[str], expected: Sequence[str]) -> bool:
    """True when one quote contains one expected string (exactly, or both diacritic-folded)."""
    for quote in quotes:
        q = _normalized(quote)
        for want in expected:
            w = _normalized(want)
            if w and (w in q or fold(w) in fold(q)):
                return True
    return False


def run_answers(
    searcher: Searcher,
    questions: Sequence[EvalQuestion],
    model: AnswerabilityModel | None,
    params: AnswerParams = AnswerParams(),
    tick: Callable[[], None] = lambda: None,
) -> list[dict]:
    """One row per question: answerable, abstained, correct, confidence, evidence features and its labels."""
    rows = []
    for q in questions:
        answer = answer_question(q.question, searcher, params=params, model=model)
        expected = [q.answer] if q.answer else list(q.answers)
        answerable = bool(q.answers)
        quotes = [c.quote for c in answer.citations]
        if answer.abstained and answer.hits:  # what it would have quoted: for the selective-answering curve
            quotes = [c.quote for c in build_extractive(answer.query, answer.hits, searcher, params)[1]]
        rows.append(
            {
                "id": q.id,
                "group": q.group or q.id,
                "answerable": answerable,
                "abstained": answer.abstained,
                "correct": (not answer.abstained and quote_holds([c.quote for c in answer.citations], expected))
                if answerable
                else answer.abstained,
                "would_be_correct": answerable and quote_holds(quotes, expected),
                "confidence": answer.confidence,
                "status": answer.outcome,
                "missing": bool(answer.missing),
                "unknown": answer.reason == "unknown_name",  # the guard's refusals, whatever the model says
                "conflict": answer.reason == "post_conflict",
                "recency": answer.signals.about_recency,
                "evidence": answer.evidence,
                "slice": q.slice,
                "type": q.type or "unknown",
                "category": q.category or ("answerable" if answerable else "unanswerable"),
                "split": q.split or "all",
            }
        )
        tick()
    return rows


def auroc(scores: Sequence[float], positive: Sequence[bool]) -> float | None:
    """Probability that a random positive scores above a random negative (ties count half); None if one class is empty."""
    pos = [s for s, p in zip(scores, positive) if p]
    neg = [s for s, p in zip(scores, positive) if not p]
    if not pos or not neg:
        return None
    wins = sum((a > b) + 0.5 * (a == b) for a in pos for b in neg)
    return wins / (len(pos) * len(neg))


def answer_metrics(rows: Sequence[dict]) -> dict[str, float]:
    """Flat dict: answer_accuracy, abstain_unanswerable, false_abstention, abstention_precision, auroc, questions."""
    answerable = [r for r in rows if r["answerable"]]
    unanswerable = [r for r in rows if not r["answerable"]]
    abstained = [r for r in rows if r["abstained"]]
    out: dict[str, float] = {"questions": float(len(rows))}
    if answerable:
        out["answer_accuracy"] = sum(r["correct"] for r in answerable) / len(answerable)
        out["false_abstention"] = sum(r["abstained"] for r in answerable) / len(answerable)
    if unanswerable:
        out["abstain_unanswerable"] = sum(r["abstained"] for r in unanswerable) / len(unanswerable)
    if abstained:
        out["abstention_precision"] = sum(not r["answerable"] for r in abstained) / len(abstained)
    if answerable:
        out["answerable_unsure"] = sum(r.get("status") == "unsure" for r in answerable) / len(answerable)
    if unanswerable:
        out["unanswerable_unsure"] = sum(r.get("status") == "unsure" for r in unanswerable) / len(unanswerable)
    scored = [r for r in rows if r["confidence"] is not None]
    area = auroc([r["confidence"] for r in scored], [r["answerable"] for r in scored])
    if area is not None:
        out["auroc"] = area
    return out


def selective_curve(rows: Sequence[dict], points: int = 20) -> list[tuple[float, float]]:
    """(coverage, accuracy) when answering only the most confident share of questions.

    An answer given counts as right when the question is answerable and the quote holds the answer;
    answering an unanswerable question is wrong. Rows without a confidence are left out.
    """
    scored = sorted((r for r in rows if r["confidence"] is not None), key=lambda r: -r["confidence"])
    if not scored:
        return []
    curve = []
    for i in range(1, points + 1):
        n = max(1, round(i * len(scored) / points))
        top = scored[:n]
        right = sum(r["would_be_correct"] for r in top)
        curve.append((n / len(scored), right / n))
    return curve


def answer_report(rows: Sequence[dict]) -> dict:
    """{"overall": metrics, "slices": {...}, "types": {...}, "categories": {...}, "curve": [...]}."""

    def by(key: str) -> dict[str, dict[str, float]]:
        return {v: answer_metrics([r for r in rows if r[key] == v]) for v in sorted({r[key] for r in rows})}

    return {
        "overall": answer_metrics(rows),
        "slices": by("slice"),
        "types": by("type"),
        "categories": by("category"),
        "curve": selective_curve(rows),
    }


def calibrate(
    sets: Sequence[tuple[Searcher, Sequence[EvalQuestion]]],
    params: AnswerParams = AnswerParams(),
    max_false_abstention: float = 0.05,
    dataset: str = "",
    refuse_below: float | None = None,
    cap: float | None = None,
) -> AnswerabilityModel:
    """Fit the answerability model on (searcher, questions) sets, each a tuning split over its own corpus,
    from the same features the answer path computes."""
    features, labels, groups = [], [], []
    for n, (searcher, questions) in enumerate(sets):
        rows = run_answers(searcher, questions, None, params)
        features += [r["evidence"] for r in rows]
        labels += [r["answerable"] for r in rows]
        groups += [f"{n}:{q.group or q.id}" for q in questions]
    splits = sorted({q.split or "all" for _, questions in sets for q in questions})
    return fit_model(features, labels, max_false_abstention, groups, refuse_below, cap, dataset=dataset, split=splits)
