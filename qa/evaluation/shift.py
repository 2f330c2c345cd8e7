"""Quality under shift: leave-one-corpus-out fits of the answerability model and the three outcomes.

Held-out splits of sets written by the same hands overstate quality, so the headline number is the worst corpus
when the model is fitted on the other corpora only (`leave_one_corpus_out`). Answer rows come from
`run_answers(..., model=None)` once per corpus (features do not depend on the model); each fold refits the model
and replays the outcome rule of `answer_question` on the left-out corpus (`outcome_of`). `choose_operating_point`
picks the cap on each feature's contribution and the refuse threshold (a probability) that refuse the most
unanswerable questions on the worst fold while refusing at most 5% of answerable ones on every fold and at most 10% of
the paraphrase sets' questions (each under the fold model of its corpus; issue 22's floors). A probability
carries across corpora better than a quantile of the training fit's probabilities, and a cap keeps one reworded word
from deciding alone (measured on these folds: see the README's evaluation section).
Not here: running the answers (qa.evaluation.answers), printing (qa.cli.eval).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence

from qa.answering.answer import guarded_outcome
from qa.answering.answerability import FEATURES, AnswerabilityModel, fit_model
from qa.evaluation.answers import auroc

OUTCOMES = ("answered", "unsure", "refused")
REFUSE_BELOW = (0.0, 0.02, 0.05, 0.1, 0.15, 0.2, 0.25, 0.3, 0.35, 0.4)  # the refuse thresholds tried
CAPS = (None, 3.0, 2.5, 2.0, 1.5)  # the caps on one feature's log-odds contribution tried (None: uncapped)


def outcome_of(row: dict, model: AnswerabilityModel) -> str:
    """The outcome `answer_question` gives a row's question under `model`: the model's outcome ("latest" questions are
    always answered), then the same entity guard (qa.answering.answer.guarded_outcome) on the row's recorded reason."""
    status = "answered" if row.get("recency") else model.outcome(model.probability(row["evidence"]))
    return guarded_outcome(status, bool(row.get("unknown")), bool(row.get("conflict")), bool(row.get("missing")))[0]


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


def _refusing(model: AnswerabilityModel, refuse_below: float | None) -> AnswerabilityModel:
    """`model` refusing below `refuse_below` (never above its own answer threshold; None: no refusal by probability)."""
    refuse = None if refuse_below is None else min(model.threshold, refuse_below)
    return dataclasses.replace(model, refuse_threshold=refuse)


def _fit(rows: Sequence[dict], corpus_of: Sequence[str], cap: float | None = None, **fitted) -> AnswerabilityModel:
    groups = [f"{c}:{r.get('group') or r['id']}" for r, c in zip(rows, corpus_of)]
    return fit_model([r["evidence"] for r in rows], [r["answerable"] for r in rows], 0.05, groups, cap=cap, **fitted)


def fit_on_tuning_rows(
    corpora: Mapping[str, Sequence[dict]], refuse_below: float | None, cap: float | None
) -> AnswerabilityModel:
    """The shipped model: fitted on the tuning rows of every corpus, with the chosen cap and refuse threshold."""
    train = [(r, c) for c, rows in corpora.items() for r in rows if r["split"] == "tune"]
    model = _fit([r for r, _ in train], [c for _, c in train], cap, dataset=" + ".join(corpora), split=["tune"])
    return _refusing(model, refuse_below)


def _folds(
    corpora: Mapping[str, Sequence[dict]], measure, cap: float | None = None
) -> dict[str, tuple[AnswerabilityModel, list[dict]]]:
    """Left-out corpus -> (the model fitted on the other corpora's tuning rows, the rows measured on it)."""
    out = {}
    for left_out in corpora:
        train = [(r, c) for c, rows in corpora.items() if c != left_out for r in rows if r["split"] == "tune"]
        splits = (measure or {}).get(left_out)
        rows = [r for r in corpora[left_out] if splits is None or r["split"] in splits]
        out[left_out] = (_fit([r for r, _ in train], [c for _, c in train], cap), rows)
    return out


def _models(folds) -> dict[str, AnswerabilityModel]:
    """Left-out corpus -> its fold model (of `_folds`' pairs)."""
    return {corpus: model for corpus, (model, _) in folds.items()}


def _table(folds, refuse_below: float | None) -> dict[str, dict[str, float]]:
    out = {}
    for name, (model, rows) in folds.items():
        refusing = _refusing(model, refuse_below)
        out[name] = outcome_metrics(rows, [outcome_of(r, refusing) for r in rows])
        area = auroc([model.probability(r["evidence"]) for r in rows], [r["answerable"] for r in rows])
        if area is not None:
            out[name]["auroc"] = area
    return out


def feature_ablation(
    corpora: Mapping[str, Sequence[dict]],
    refuse_below: float | None,
    cap: float | None,
    measure: Mapping[str, Sequence[str]] | None = None,
) -> dict[str, dict[str, float]]:
    """Feature -> the worst fold's auroc, answerable_refused (max) and unanswerable_refused (min) with that feature
    held constant (so it carries nothing), and "all" with every feature: what each signal is worth under shift."""

    def worst(table: dict[str, dict[str, float]]) -> dict[str, float]:
        return {
            "auroc": min(m.get("auroc", 1.0) for m in table.values()),
            "answerable_refused": max(m.get("answerable_refused", 0.0) for m in table.values()),
            "unanswerable_refused": min(m.get("unanswerable_refused", 1.0) for m in table.values()),
        }

    out = {"all": worst(leave_one_corpus_out(corpora, refuse_below, measure, cap))}
    for feature in FEATURES:
        blanked = {c: [r | {"evidence": r["evidence"] | {feature: 0.0}} for r in rows] for c, rows in corpora.items()}
        out[feature] = worst(leave_one_corpus_out(blanked, refuse_below, measure, cap))
    return out


def leave_one_corpus_out(
    corpora: Mapping[str, Sequence[dict]],
    refuse_below: float | None,
    measure: Mapping[str, Sequence[str]] | None = None,
    cap: float | None = None,
) -> dict[str, dict[str, float]]:
    """Corpus name -> outcome_metrics on it, the model (capped at `cap`) fitted on the tuning rows of the other
    corpora only, refusing below `refuse_below`.

    `corpora` maps a name to its answer rows (each with "split"); `measure` names the splits measured per corpus
    (default: all of them; a set whose held-out part is kept unread until the final measurement passes ["tune"])."""
    return _table(_folds(corpora, measure, cap), refuse_below)


def paraphrase_table(
    models: Mapping[str, AnswerabilityModel], paraphrases: Mapping[str, Sequence[dict]], refuse_below: float | None
) -> dict[str, dict[str, float]]:
    """Paraphrase set name -> outcome_metrics under `models`[the corpus it asks about] (a fold model fitted without that
    corpus, or the shipped model for every corpus). `paraphrases` maps "<set>@<corpus>" to its rows; a set whose corpus
    has no model is skipped."""
    out = {}
    for key, rows in paraphrases.items():
        name, _, corpus = key.partition("@")
        if corpus in models:
            model = _refusing(models[corpus], refuse_below)
            out[name] = outcome_metrics(rows, [outcome_of(r, model) for r in rows])
    return out


def paraphrases_out_of_corpus(
    corpora: Mapping[str, Sequence[dict]],
    paraphrases: Mapping[str, Sequence[dict]],
    refuse_below: float | None,
    measure: Mapping[str, Sequence[str]] | None = None,
    cap: float | None = None,
) -> dict[str, dict[str, float]]:
    """Paraphrase set name -> outcome_metrics, each under the model fitted without the corpus it asks about."""
    return paraphrase_table(_models(_folds(corpora, measure, cap)), paraphrases, refuse_below)


def choose_operating_point(
    corpora: Mapping[str, Sequence[dict]],
    max_refused: float = 0.05,
    measure: Mapping[str, Sequence[str]] | None = None,
    caps: Sequence[float | None] = CAPS,
    thresholds: Sequence[float] = REFUSE_BELOW,
    paraphrases: Mapping[str, Sequence[dict]] | None = None,
    max_paraphrases_refused: float = 0.10,
) -> tuple[float | None, float, dict[str, dict[str, float]]]:
    """(cap, refuse threshold, fold table): of CAPS x REFUSE_BELOW, the pair whose worst leave-one-corpus-out fold
    refuses the most unanswerable questions while no fold refuses more than `max_refused` of its answerable ones and
    no paraphrase set (`paraphrases`, see paraphrase_table; measured, never fitted on) more than
    `max_paraphrases_refused`, under its corpus' fold model or the one that ships (ties: the smaller threshold, then
    no cap). Falls back to no cap and no refusal by
    probability. `caps` and `thresholds` are the grids searched."""
    best_key, best = None, None
    for cap in caps:
        folds = _folds(corpora, measure, cap)  # fitted once per cap
        # the paraphrases under their corpus' fold model, and under the model that ships (fitted on every tuning split)
        judges = [_models(folds)]
        if paraphrases:
            judges.append(dict.fromkeys(corpora, fit_on_tuning_rows(corpora, None, cap)))
        for refuse_below in thresholds:
            table = _table(folds, refuse_below)
            if max(m.get("answerable_refused", 0.0) for m in table.values()) > max_refused:
                break  # higher thresholds only refuse more
            asked_again = [m for models in judges for m in paraphrase_table(models, paraphrases or {}, refuse_below).values()]
            if max((m.get("answerable_refused", 0.0) for m in asked_again), default=0.0) > max_paraphrases_refused:
                break
            worst = min(m.get("unanswerable_refused", 1.0) for m in table.values())
            key = (worst, -refuse_below, cap is None)
            if best_key is None or key > best_key:
                best_key, best = key, (cap, refuse_below, table)
    return best if best is not None else (None, 0.0, _table(_folds(corpora, measure), 0.0))
