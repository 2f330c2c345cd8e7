"""Quality under shift: leave-one-corpus-out fits of the answerability model and the three outcomes.

Held-out splits of sets written by the same hands overstate quality, so the headline number is the worst corpus
when the model is fitted on the other corpora only (`leave_one_corpus_out`). Answer rows come from
`run_answers(..., model=None)` once per corpus (features do not depend on the model); each fold refits the model
and replays the outcome rule of `answer_question` on the left-out corpus (`outcome_of`). `choose_refuse_quantile`
picks the refuse threshold's quantile so that the worst fold refuses at most 5% of answerable questions.
Not here: running the answers (qa.evaluation.answers), printing (qa.cli.eval).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from qa.answering.answerability import AnswerabilityModel, fit_model

OUTCOMES = ("answered", "unsure", "refused")
REFUSE_QUANTILES = (0.0, 0.005, 0.01, 0.02, 0.03, 0.04, 0.05)  # the grid choose_refuse_quantile searches


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


def _fit(rows: Sequence[dict], refuse_quantile: float | None, corpus_of: Sequence[str]) -> AnswerabilityModel:
    groups = [f"{c}:{r.get('group') or r['id']}" for r, c in zip(rows, corpus_of)]
    return fit_model([r["evidence"] for r in rows], [r["answerable"] for r in rows], 0.05, groups, refuse_quantile)


def leave_one_corpus_out(
    corpora: Mapping[str, Sequence[dict]],
    refuse_quantile: float | None,
    measure: Mapping[str, Sequence[str]] | None = None,
) -> dict[str, dict[str, float]]:
    """Corpus name -> outcome_metrics on it, the model fitted on the tuning rows of the other corpora only.

    `corpora` maps a name to its answer rows (each with "split"); `measure` names the splits measured per corpus
    (default: all of them; a set whose held-out part is kept unread until the final measurement passes ["tune"])."""
    out = {}
    for left_out in corpora:
        train = [(r, c) for c, rows in corpora.items() if c != left_out for r in rows if r["split"] == "tune"]
        model = _fit([r for r, _ in train], refuse_quantile, [c for _, c in train])
        splits = (measure or {}).get(left_out)
        rows = [r for r in corpora[left_out] if splits is None or r["split"] in splits]
        out[left_out] = outcome_metrics(rows, [outcome_of(r, model) for r in rows])
    return out


def choose_refuse_quantile(
    corpora: Mapping[str, Sequence[dict]],
    max_refused: float = 0.05,
    measure: Mapping[str, Sequence[str]] | None = None,
) -> tuple[float, dict[str, dict[str, float]]]:
    """The largest quantile of REFUSE_QUANTILES whose worst leave-one-corpus-out fold refuses at most
    `max_refused` of its answerable questions (the smallest if none does), and that fold table."""
    best = None
    for q in REFUSE_QUANTILES:
        table = leave_one_corpus_out(corpora, q, measure)
        worst = max(m.get("answerable_refused", 0.0) for m in table.values())
        if best is None or worst <= max_refused:
            best = (q, table)
        if worst > max_refused:
            break
    return best
