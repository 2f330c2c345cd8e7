"""`qa eval`: the evaluation command's shell — table, JSON report, saved runs, plot, comparisons."""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

from embeddings.errors import DatasetError

from .evaluate import METRICS, RUN_DEPTH, compare_runs, evaluate, feedback_to_dataset, load_dataset, per_question

ORDER = ("dense", "bm25", "hybrid")
TABLE_METRICS = (*METRICS, "abstain_unanswerable", "abstain_answerable")


def format_table(report: dict) -> str:
    """Metrics as rows, retrievers side by side; then one block per slice."""
    names = [r for r in ORDER if r in report] + [r for r in report if r not in ORDER]
    width = max(len(m) for m in TABLE_METRICS) + 2
    lines = ["metric".ljust(width) + "".join(n.rjust(10) for n in names)]
    for metric in TABLE_METRICS:
        values = [report[n]["overall"].get(metric) for n in names]
        if any(v is not None for v in values):
            lines.append(metric.ljust(width) + "".join(("—" if v is None else f"{v:.3f}").rjust(10) for v in values))
    slices = sorted({s for n in names for s in report[n]["slices"]})
    lines += [
        "",
        "per slice (recall@5 / mrr@10; unanswerable: share abstained)",
        "slice".ljust(16) + "n".rjust(4) + "".join(n.rjust(16) for n in names),
    ]
    for name in slices:
        row = name.ljust(16) + str(int(report[names[0]]["slices"][name]["questions"])).rjust(4)
        for n in names:
            s = report[n]["slices"][name]
            cell = (
                f"{s['abstain_unanswerable']:.2f}"
                if "recall@5" not in s and "abstain_unanswerable" in s
                else f"{s.get('recall@5', 0):.2f} / {s.get('mrr@10', 0):.2f}"
            )
            row += cell.rjust(16)
        lines.append(row)
    return "\n".join(lines)


def plot_recall(report: dict, path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    ks = [1, 3, 5, 10]
    fig, ax = plt.subplots(figsize=(6, 4))
    for name in [r for r in ORDER if r in report]:
        ax.plot(ks, [report[name]["overall"].get(f"recall@{k}", 0) for k in ks], marker="o", label=name)
    ax.set_xlabel("k (passages)")
    ax.set_ylabel("Recall@k (share of answerable questions)")
    ax.set_xticks(ks)
    ax.set_ylim(0, 1.02)
    ax.grid(alpha=0.3)
    ax.legend()
    ax.set_title("Retrieval recall on the dev set")
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)


def cmd_eval(args) -> int:
    from .cli import make_progress, settings_from
    from .retrieve import open_searcher

    if args.feedback_to_dataset:
        source, target = map(Path, args.feedback_to_dataset)
        n = feedback_to_dataset(source, target)
        print(f"wrote {n} regression question(s) to {target}; fill in each 'answers' with the evidence from the right article")
        return 0
    if not args.dataset:
        raise DatasetError("pass --dataset FILE (JSON Lines; see tests/data/eval_dev.jsonl)")
    settings = settings_from(args)
    if args.compare:
        return _compare(args, settings)
    started = time.perf_counter()
    searcher = open_searcher(settings.index_dir, settings.model, store=settings.store_config())
    questions = load_dataset(args.dataset, [d.text for d in searcher.index.documents.values()])
    if args.calibrate:
        from .evaluate import calibrate_abstention

        best = calibrate_abstention(searcher, questions, fusion=settings.fusion, dense_weight=settings.dense_weight)
        print("coverage  z     abstains on unanswerable  wrongly on answerable")
        for rule in best["frontier"]:
            print(
                f"{rule['min_coverage']:<9.2f} {rule['min_z']:<5.1f} {rule['abstain_unanswerable']:<25.2f} {rule['abstain_answerable']:.3f}"
            )
        print("chosen: " + json.dumps(best["chosen"]))
        print("set these as ABSTAIN_MIN_COVERAGE / ABSTAIN_MIN_Z in qa/answer.py")
        return 0
    retrievers = list(ORDER) if args.retriever in (None, "all") else [args.retriever]
    progress, close = make_progress(args, desc="qa eval")
    total, done = len(questions) * len(retrievers), [0]

    def tick() -> None:
        done[0] += 1
        if progress:
            progress(done[0] / total, f"{done[0]}/{total} questions")

    try:
        report, runs = evaluate(
            searcher, questions, retrievers, tick, max(1, args.k), fusion=settings.fusion, dense_weight=settings.dense_weight
        )
    finally:
        close()
    print(format_table(report))
    meta = {
        "dataset": str(args.dataset),
        "index_version": searcher.index.version,
        "model": settings.model,
        "settings": searcher.index.manifest.get("settings"),
    }
    if args.json:
        args.json.write_text(json.dumps({"meta": meta, "retrievers": report}, ensure_ascii=False, indent=2))
        print(f"report: {args.json}")
    if args.save_run:
        args.save_run.write_text(json.dumps(runs, ensure_ascii=False, indent=1))
        print(f"run: {args.save_run}")
    if args.plot:
        plot_recall(report, args.plot)
        print(f"plot: {args.plot}")
    print(
        f"{len(questions)} questions x {len(retrievers)} retriever(s) in {time.perf_counter() - started:.1f} s (index {searcher.index.version})"
    )
    return 0


def _read_run(path: Path) -> dict:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise DatasetError(f"cannot read run file {path} ({exc}); make one with `qa eval --save-run FILE`") from None
    if not isinstance(data, dict) or not all(isinstance(v, dict) for v in data.values()):
        raise DatasetError(f"{path} is not a saved run (expected {{retriever: {{question id: ...}}}})")
    return data


def _compare(args, settings) -> int:
    from .evaluate import is_relevant

    a, b = (_read_run(Path(p)) for p in args.compare)
    questions = load_dataset(args.dataset)
    common = [r for r in ORDER if r in a and r in b] + [r for r in a if r in b and r not in ORDER]
    if not common:
        raise DatasetError("the two runs have no retriever in common")
    for retriever in common:
        scores = []
        for run in (a[retriever], b[retriever]):
            relevant = {
                q.id: {h["chunk_id"] for h in run.get(q.id, {}).get("hits", [])[:RUN_DEPTH] if is_relevant(h["text"], q.answers)}
                for q in questions
                if q.answers
            }
            scores.append(per_question([q for q in questions if q.id in run], run, relevant))
        result = compare_runs(scores[0], scores[1], args.metric)
        print(
            f"{retriever}: {args.metric} {result['mean_a']:.3f} -> {result['mean_b']:.3f} over {result['questions']} questions; "
            f"B wins {len(result['wins'])}, loses {len(result['losses'])}, ties {result['ties']}; "
            f"paired t-test p={result['p_ttest']:.3f}, Wilcoxon p={result['p_wilcoxon']:.3f}"
        )
        if result["wins"]:
            print("  wins:   " + ", ".join(result["wins"]))
        if result["losses"]:
            print("  losses: " + ", ".join(result["losses"]))
    return 0


def add_eval_command(add) -> None:
    p: argparse.ArgumentParser = add("eval", "Evaluate retrieval on a question set: recall@k, MRR, nDCG, abstention, per slice.")
    p.add_argument("--dataset", type=Path, help="JSON Lines questions with evidence strings")
    p.add_argument(
        "-k", "--k", type=int, default=10, help="depth of the ranked lists (default 10; metrics @10 count what is retrieved)"
    )
    p.add_argument("--retriever", choices=["hybrid", "dense", "bm25", "all"], default="all")
    p.add_argument("--json", type=Path, help="write the full report (overall, per slice, per question)")
    p.add_argument("--save-run", type=Path, help="write the ranked lists per question (for --compare)")
    p.add_argument("--plot", type=Path, help="write a Recall@k plot (PNG)")
    p.add_argument("--compare", nargs=2, metavar=("RUN_A", "RUN_B"), help="compare two saved runs on --dataset")
    p.add_argument(
        "--metric",
        default="mrr@10",
        choices=["recall@1", "recall@3", "recall@5", "recall@10", "mrr@10"],
        help="metric for --compare",
    )
    p.add_argument(
        "--calibrate", action="store_true", help="search the abstention thresholds that best separate unanswerable questions"
    )
    p.add_argument("--feedback-to-dataset", nargs=2, metavar=("FEEDBACK", "OUT"), help="turn UI feedback into dataset lines")
    p.set_defaults(func=cmd_eval)
