"""Retrieval evaluation: dataset loading and validation, runs, metrics by name, slices, comparisons.

A passage is relevant when its text contains one of the question's evidence strings
(after NFC and whitespace normalization), so a dataset stays valid whatever the chunking.
Ranking metrics come from pytrec_eval (trec_eval's own code); the paired tests from scipy.
Not here: printing and plotting, which the CLI does with the flat dicts returned here.
"""

from __future__ import annotations

import json
import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from qa.errors import DatasetError
from qa.retrieval.searcher import Searcher

METRICS = ("recall@1", "recall@3", "recall@5", "recall@10", "mrr@10", "ndcg@10", "doc_recall@5")
# our name -> pytrec_eval measure
_TREC = {
    "recall@1": "success_1",
    "recall@3": "success_3",
    "recall@5": "success_5",
    "recall@10": "success_10",
    "mrr@10": "recip_rank",
    "ndcg@10": "ndcg_cut_10",
}
RUN_DEPTH = 10
SPLITS = ("tune", "heldout")


@dataclass(frozen=True, slots=True)
class EvalQuestion:
    id: str
    question: str
    answers: tuple[str, ...]  # evidence strings; empty = the articles cannot answer it
    slice: str = "all"
    doc: str | None = None
    answer: str | None = None  # the short expected answer ("55.369"), verbatim in the article
    type: str | None = None  # who | how_many | when | where | what | why | yes_no
    category: str | None = None  # answerable | near_miss | off_topic
    group: str | None = None  # variants of one base question share a group (and a split)
    split: str | None = None  # tune | heldout: thresholds are fitted on tune only


def norm(text: str) -> str:
    return " ".join(unicodedata.normalize("NFC", text).split())


def is_relevant(passage: str, answers: Sequence[str]) -> bool:
    text = norm(passage)
    return any(norm(a) in text for a in answers)


def load_dataset(path: Path, corpus_texts: Sequence[str] | None = None) -> list[EvalQuestion]:
    """Read a JSON Lines dataset; every bad line is reported (with its number) in one DatasetError."""
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except FileNotFoundError:
        raise DatasetError(f"dataset {path} does not exist; see tests/data/eval_dev.jsonl for the format") from None
    except UnicodeDecodeError:
        raise DatasetError(f"dataset {path} is not UTF-8 text") from None
    corpus = [norm(t) for t in corpus_texts] if corpus_texts is not None else None
    questions, problems, ids = [], [], set()
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
        except json.JSONDecodeError as exc:
            problems.append(f"line {number}: invalid JSON ({exc.msg})")
            continue
        if not isinstance(row, dict):
            problems.append(f"line {number}: expected a JSON object")
            continue
        missing = [k for k in ("id", "question", "answers") if k not in row]
        if missing:
            problems.append(f"line {number}: missing field(s) {', '.join(missing)}")
            continue
        if not isinstance(row["answers"], list) or not all(isinstance(a, str) and a.strip() for a in row["answers"]):
            problems.append(f"line {number}: 'answers' must be a list of non-empty strings")
            continue
        if not str(row["question"]).strip():
            problems.append(f"line {number}: empty question")
            continue
        if row["id"] in ids:
            problems.append(f"line {number}: duplicate id {row['id']!r}")
            continue
        if row.get("needs_evidence") and not row["answers"]:
            continue  # a feedback case still waiting for its evidence string (see feedback_to_dataset)
        if corpus is not None:
            for answer in row["answers"]:
                if not any(norm(answer) in text for text in corpus):
                    problems.append(f"line {number}: evidence {answer!r} occurs in no article")
        if row.get("split") not in (None, *SPLITS):
            problems.append(f"line {number}: split must be one of {', '.join(SPLITS)}")
            continue
        ids.add(row["id"])
        questions.append(
            EvalQuestion(
                str(row["id"]),
                row["question"],
                tuple(row["answers"]),
                row.get("slice") or "all",
                row.get("doc"),
                row.get("answer"),
                row.get("type"),
                row.get("category"),
                row.get("group"),
                row.get("split"),
            )
        )
    if problems:
        raise DatasetError(f"{path} has {len(problems)} bad line(s); nothing was computed:\n  " + "\n  ".join(problems))
    if not questions:
        raise DatasetError(f"{path} holds no questions")
    return questions


def run_retriever(
    searcher: Searcher,
    questions: Sequence[EvalQuestion],
    retriever: str,
    tick: Callable[[], None] = lambda: None,
    depth: int = RUN_DEPTH,
) -> dict[str, dict]:
    """{question id: {"hits": [{rank, chunk_id, doc_id, score, text}]}} — the saved-run format."""
    run = {}
    for q in questions:
        result = searcher.search(q.question, depth, retriever)
        run[q.id] = {
            "hits": [
                {
                    "rank": h.rank,
                    "chunk_id": h.chunk.chunk_id,
                    "doc_id": h.chunk.doc_id,
                    "score": round(h.score, 6),
                    "text": h.chunk.text,
                }
                for h in result.hits
            ],
        }
        tick()
    return run


def per_question(
    questions: Sequence[EvalQuestion], run: dict[str, dict], relevant: dict[str, set[str]]
) -> dict[str, dict[str, float]]:
    """{question id: {metric: value}} for answerable questions; pure, given the relevant chunk ids per question."""
    import pytrec_eval

    answerable = [q for q in questions if q.answers and relevant.get(q.id)]
    qrels = {q.id: {cid: 1 for cid in relevant[q.id]} for q in answerable}
    # scores by rank so ties cannot reorder what the retriever ranked
    trec_run = {
        q.id: {h["chunk_id"]: float(RUN_DEPTH + 1 - h["rank"]) for h in run[q.id]["hits"][:RUN_DEPTH]} or {"none": 0.0}
        for q in answerable
    }
    evaluator = pytrec_eval.RelevanceEvaluator(
        qrels, set(_TREC.values()) - {"success_1", "success_3", "success_5", "success_10"} | {"success.1,3,5,10"}
    )
    raw = evaluator.evaluate(trec_run)
    out = {}
    for q in answerable:
        scores = {name: float(raw[q.id].get(measure, 0.0)) for name, measure in _TREC.items()}
        if q.doc:
            docs = [h["doc_id"] for h in run[q.id]["hits"][:5]]
            scores["doc_recall@5"] = float(q.doc in docs)
        out[q.id] = scores
    return out


def summarize(questions: Sequence[EvalQuestion], run: dict[str, dict], scores: dict[str, dict[str, float]]) -> dict[str, float]:
    """Flat dict: mean of each metric over answerable questions (abstention is measured on answers: qa.evaluation.answers)."""
    summary: dict[str, float] = {}
    for metric in METRICS:
        values = [s[metric] for s in scores.values() if metric in s]
        if values:
            summary[metric] = sum(values) / len(values)
    summary["questions"] = float(len(questions))
    return summary


def relevant_chunks(searcher: Searcher, questions: Sequence[EvalQuestion]) -> dict[str, set[str]]:
    return {q.id: {c.chunk_id for c in searcher.chunks if is_relevant(c.text, q.answers)} for q in questions if q.answers}


def evaluate(
    searcher: Searcher,
    questions: Sequence[EvalQuestion],
    retrievers: Sequence[str],
    tick: Callable[[], None] = lambda: None,
    depth: int = RUN_DEPTH,
) -> tuple[dict, dict]:
    """(report, runs). report = {retriever: {"overall": {...}, "slices": {slice: {...}}, "per_question": {...}}}."""
    relevant = relevant_chunks(searcher, questions)
    report, runs = {}, {}
    for retriever in retrievers:
        run = run_retriever(searcher, questions, retriever, tick, depth)
        scores = per_question(questions, run, relevant)
        slices = {}
        for name in sorted({q.slice for q in questions}):
            members = [q for q in questions if q.slice == name]
            slices[name] = summarize(members, run, {q.id: scores[q.id] for q in members if q.id in scores})
        report[retriever] = {"overall": summarize(questions, run, scores), "slices": slices, "per_question": scores}
        runs[retriever] = run
    return report, runs


def relevant_in_run(questions: Sequence[EvalQuestion], run: dict[str, dict]) -> dict[str, set[str]]:
    """Relevant chunk ids per answerable question, read off a saved run's own hit texts (no index needed)."""
    return {
        q.id: {h["chunk_id"] for h in run.get(q.id, {}).get("hits", [])[:RUN_DEPTH] if is_relevant(h["text"], q.answers)}
        for q in questions
        if q.answers
    }


def compare_saved_runs(questions: Sequence[EvalQuestion], a: dict, b: dict, metric: str = "mrr@10") -> dict[str, dict]:
    """{retriever: compare_runs(...)} for every retriever both saved runs ({retriever: run}) hold."""
    common = [r for r in a if r in b]
    if not common:
        raise DatasetError("the two runs have no retriever in common")
    out = {}
    for retriever in common:
        scores = [
            per_question(
                [q for q in questions if q.id in run[retriever]], run[retriever], relevant_in_run(questions, run[retriever])
            )
            for run in (a, b)
        ]
        out[retriever] = compare_runs(scores[0], scores[1], metric)
    return out


def compare_runs(a: dict, b: dict, metric: str = "mrr@10") -> dict:
    """Per-question wins/losses of run B over run A on `metric`, with paired t-test and Wilcoxon p-values.

    Both arguments are saved reports' per-question scores for one retriever: {question id: {metric: value}}.
    """
    from scipy import stats

    common = sorted(set(a) & set(b))
    if not common:
        raise DatasetError("the two runs share no question ids; compare runs made on the same dataset")
    xs = [a[q].get(metric, 0.0) for q in common]
    ys = [b[q].get(metric, 0.0) for q in common]
    wins = [q for q, x, y in zip(common, xs, ys) if y > x]
    losses = [q for q, x, y in zip(common, xs, ys) if y < x]
    diffs = [y - x for x, y in zip(xs, ys)]
    any_diff = any(diffs)
    t_p = float(stats.ttest_rel(ys, xs).pvalue) if any_diff and len(common) > 1 else 1.0
    w_p = float(stats.wilcoxon(ys, xs).pvalue) if any_diff else 1.0
    return {
        "metric": metric,
        "questions": len(common),
        "mean_a": sum(xs) / len(xs),
        "mean_b": sum(ys) / len(ys),
        "wins": wins,
        "losses": losses,
        "ties": len(common) - len(wins) - len(losses),
        "p_ttest": t_p,
        "p_wilcoxon": w_p,
    }


def feedback_to_dataset(feedback_path: Path, out_path: Path) -> int:
    """Turn UI feedback marked wrong / not helpful into dataset lines with an empty evidence list to fill in.

    Lines are written with `"answers": []` and `"needs_evidence": true`; `load_dataset` skips them until a
    reviewer pastes the evidence string from the right article (or deletes the flag to mark the question
    unanswerable). Returns the number of lines written.
    """
    try:
        lines = feedback_path.read_text(encoding="utf-8").splitlines()
    except FileNotFoundError:
        raise DatasetError(
            f"feedback file {feedback_path} does not exist; it is written by the chat UI's feedback buttons"
        ) from None
    out = []
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
        except json.JSONDecodeError:
            raise DatasetError(f"{feedback_path} line {number}: invalid JSON") from None
        if row.get("verdict") not in ("not_helpful", "wrong_citation"):
            continue
        cited = [c.get("doc_id") for c in row.get("citations", []) if isinstance(c, dict)]
        out.append(
            {
                "id": f"fb{number:04d}",
                "question": row.get("question", ""),
                "answers": [],
                "slice": "feedback",
                "needs_evidence": True,
                "comment": row.get("comment", ""),
                "previous_answer": row.get("answer", ""),
                "cited_docs": cited,
                "index_version": row.get("index_version"),
            }
        )
    out_path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in out), encoding="utf-8")
    return len(out)
