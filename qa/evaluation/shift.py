"""Quality under shift: leave-one-corpus-out fits of the answerability model and the three outcomes.

Held-out splits of sets written by the same hands overstate quality, so the headline number is the worst corpus
when the model is fitted on the other corpora only (`leave_one_corpus_out`). Answer rows come from
`run_answers(..., model=None)` once per corpus (features do not depend on the model); each fold refits the model
and replays the outcome rule of `answer_question` on the left-out corpus (`outcome_of`). `choose_refuse_below`
picks the refuse threshold, a probability, so that the worst fold refuses at most 5% of answerable questions. A
probability carries across corpora better than a quantile of the training fit's probabilities (measured on these
folds: at the same worst-fold answerable refused, 0.49 against 0.23 of unanswerable questions refused on the worst
fold).
Not here: running the answers (qa.evaluation.answers), printing (qa.cli.eval).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence

from qa.answering.answerability import AnswerabilityModel, fit_model

OUTCOMES = ("answered", "unsure", "refused")
REFUSE_BELOW = (0.0, 0.01, 0.02, 0.03, 0.05, 0.08, 0.1, 0.15, 0.2, 0.3)  # the probabilities choose_refuse_below tries


def outcome_of(row: dict, model: AnswerabilityModel) -> str:
    """The outcome `answer_question` gives a row's question under `model` (same rule: unknown names refuse,
    names missing from the passages lower the outcome one step, "latest" questions are always answered)."""
    status = "answered" if row.get("recency") else model.outcome(model.probability(row["evidence"]))
    if row.get("unknown"):
        return "refused"
    if row.get("missing"):
        return {"answered": "unsure", "unsure": "refused"}.get(status, status)
    return status


def outcome_metrics(rows: Sequence[dict], outcomes: Sequence[str]) -> dict[str, float]:
    """Flat dict of the three-outcome rates: answered_with_fact (answerable, not refused, a quote holds the
    expected answer), answerable_refused, answerable_unsure, unanswerable_refused, unanswerable_unsure, and
    answered_with_fact for Vietnamese questions with diacritics (answered_with_fact_vi)."""
    pairs = list(zip(rows, outcomes))
    out: dict[str, float] = {"questions": float(len(rows))}

    def share(selected, test) -> float | None:
        return sum(map(test, selected)) / len(selected) if selected else None

    answerable = [(r, o) for r, o in pairs if r["answerable"]]
    unanswerable = [(r, o) for r, o in pairs if not r["answerable"]]
    vi = [(r, o) for r, o in answerable if r["slice"] == "vi"]
    values = {
        "answered_with_fact": share(answerable, lambda p: p[1] != "refused" and p[0]["would_be_correct"]),
        "answered_with_fact_vi": share(vi, lambda p: p[1] != "refused" and p[0]["would_be_correct"]),
        "answerable_refused": share(answerable, lambda p: p[1] == "refused"),
        "answerable_unsure": share(answerable, lambda p: p[1] == "unsure"),
        "unanswerable_refused": share(unanswerable, lambda p: p[1] == "refused"),
        "unanswerable_unsure": share(unanswerable, lambda p: p[1] == "unsure"),
    }
    out.update({k: v for k, v in values.items() if v is not None})
    return out


def _fit(rows: Sequence[dict], corpus_of: Sequence[str]) -> AnswerabilityModel:
    groups = [f"{c}:{r.get('group') or r['id']}" for r, c in zip(rows, corpus_of)]
    return fit_model([r["evidence"] for r in rows], [r["answerable"] for r in rows], 0.05, groups)


def _folds(corpora: Mapping[str, Sequence[dict]], measure) -> dict[str, tuple[AnswerabilityModel, list[dict]]]:
    """Left-out corpus -> (the model fitted on the other corpora's tuning rows, the rows measured on it)."""
    out = {}
    for left_out in corpora:
        train = [(r, c) for c, rows in corpora.items() if c != left_out for r in rows if r["split"] == "tune"]
        splits = (measure or {}).get(left_out)
        rows = [r for r in corpora[left_out] if splits is None or r["split"] in splits]
        out[left_out] = (_fit([r for r, _ in train], [c for _, c in train]), rows)
    return out


def _table(folds, refuse_below: float | None) -> dict[str, dict[str, float]]:
    def refusing(model: AnswerabilityModel) -> AnswerabilityModel:
        refuse = None if refuse_below is None else min(model.threshold, refuse_below)
        return dataclasses.replace(model, refuse_threshold=refuse)

    return {name: outcome_metrics(rows, [outcome_of(r, refusing(m)) for r in rows]) for name, (m, rows) in folds.items()}


def leave_one_corpus_out(
    corpora: Mapping[str, Sequence[dict]],
    refuse_below: float | None,
    measure: Mapping[str, Sequence[str]] | None = None,
) -> dict[str, dict[str, float]]:
    """Corpus name -> outcome_metrics on it, the model fitted on the tuning rows of the other corpora only, refusing
    below `refuse_below`.

    `corpora` maps a name to its answer rows (each with "split"); `measure` names the splits measured per corpus
    (default: all of them; a set whose held-out part is kept unread until the final measurement passes ["tune"])."""
    return _table(_folds(corpora, measure), refuse_below)


def choose_refuse_below(
    corpora: Mapping[str, Sequence[dict]],
    max_refused: float = 0.05,
    measure: Mapping[str, Sequence[str]] | None = None,
) -> tuple[float, dict[str, dict[str, float]]]:
    """The largest probability of REFUSE_BELOW whose worst leave-one-corpus-out fold refuses at most `max_refused`
    of its answerable questions (the smallest if none does), and that fold table. The folds are fitted once."""
    folds = _folds(corpora, measure)
    best = None
    for refuse_below in REFUSE_BELOW:
        table = _table(folds, refuse_below)
        worst = max(m.get("answerable_refused", 0.0) for m in table.values())
        if best is None or worst <= max_refused:
            best = (refuse_below, table)
        if worst > max_refused:
            break
    return best
