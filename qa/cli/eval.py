"""`qa eval`: the evaluation command's shell — table, JSON report, saved runs, plot, comparisons."""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

from qa.errors import DatasetError
from qa.evaluation.retrieval import METRICS, compare_saved_runs, evaluate, feedback_to_dataset, load_dataset
from qa.params import RETRIEVERS

from .common import make_progress, settings_from

ORDER = ("dense", "bm25", "hybrid")
TABLE_METRICS = METRICS
# refused = abstained; "not sure" answers are shown (with a warning), so they count as answered in the first four
ANSWER_METRICS = (
    "answer_accuracy",
    "false_abstention",
    "answerable_unsure",
    "abstain_unanswerable",
    "unanswerable_unsure",
    "abstention_precision",
    "auroc",
)


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
        "per slice (recall@5 / mrr@10 over its answerable questions)",
        "slice".ljust(16) + "n".rjust(4) + "".join(n.rjust(16) for n in names),
    ]
    for name in slices:
        row = name.ljust(16) + str(int(report[names[0]]["slices"][name]["questions"])).rjust(4)
        for n in names:
            s = report[n]["slices"][name]
            cell = f"{s['recall@5']:.2f} / {s['mrr@10']:.2f}" if "recall@5" in s else "—"
            row += cell.rjust(16)
        lines.append(row)
    return "\n".join(lines)


def format_answer_table(report: dict) -> str:
    """Answer-level metrics overall, then per slice, question type and category."""
    cols = ("questions", *ANSWER_METRICS)
    head = "".rjust(18) + "".join(
        c.replace("abstention_", "abst_").rjust(22 if c.endswith("unanswerable") or c.startswith("unanswerable") else 18)
        for c in cols
    )
    lines = ["answers (hybrid; a quote must hold the expected answer)", head]

    def row(name: str, metrics: dict) -> str:
        cells = []
        for c in cols:
            v = metrics.get(c)
            width = 22 if c.endswith("unanswerable") or c.startswith("unanswerable") else 18
            cells.append(("—" if v is None else (f"{int(v)}" if c == "questions" else f"{v:.3f}")).rjust(width))
        return name[:18].ljust(18) + "".join(cells)

    lines.append(row("overall", report["overall"]))
    for group in ("slices", "types", "categories"):
        lines.append(f"by {group[:-1] if group != 'categories' else 'category'}")
        lines += [row("  " + name, metrics) for name, metrics in report[group].items()]
    return "\n".join(lines)


def plot_report(report: dict, answers: dict | None, path: Path) -> None:
    """Recall@k per retriever and, when answers were evaluated, the selective-answering curve beside it."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    ks = [1, 3, 5, 10]
    fig, axes = plt.subplots(1, 2 if answers else 1, figsize=(11 if answers else 6, 4), squeeze=False)
    ax = axes[0][0]
    for name in [r for r in ORDER if r in report]:
        ax.plot(ks, [report[name]["overall"].get(f"recall@{k}", 0) for k in ks], marker="o", label=name)
    ax.set(xlabel="k (passages)", ylabel="Recall@k (answerable questions)", xticks=ks, ylim=(0, 1.02), title="Retrieval recall")
    ax.grid(alpha=0.3)
    ax.legend()
    if answers:
        ax = axes[0][1]
        curve = answers["curve"]
        ax.plot([c for c, _ in curve], [a for _, a in curve], marker=".", label="answer only the most confident")
        ax.axhline(
            answers["overall"].get("answer_accuracy", 0), color="grey", linestyle=":", label="answer accuracy (answerable)"
        )
        ax.set(xlabel="coverage (share of questions answered)", ylabel="accuracy of the answers given", ylim=(0, 1.02))
        ax.set_title("Selective answering")
        ax.grid(alpha=0.3)
        ax.legend(loc="lower left")
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)


def cmd_eval(args) -> int:
    from qa.answering.answerability import DEFAULT_MODEL_PATH, load_model, save_model
    from qa.evaluation.answers import answer_report, calibrate, run_answers

    if args.feedback_to_dataset:
        source, target = map(Path, args.feedback_to_dataset)
        n = feedback_to_dataset(source, target)
        print(f"wrote {n} regression question(s) to {target}; fill in each 'answers' with the evidence from the right article")
        return 0
    if not args.dataset:
        raise DatasetError("pass --dataset FILE (JSON Lines; see tests/data/eval_dev.jsonl)")
    settings = settings_from(args)
    if args.compare:
        return _compare(args)
    started = time.perf_counter()
    split = args.split or ("tune" if args.calibrate else "all")
    searcher, questions = _open_set(settings, settings.index_dir, args.dataset, split)
    if args.loco:
        return _loco(args, settings)
    if args.calibrate:
        target = settings.answer_model or DEFAULT_MODEL_PATH
        sets = [(searcher, questions)] + [_open_set(settings, Path(i), Path(d), split) for d, i in args.also or ()]
        names = " + ".join(str(d) for d in [args.dataset, *(d for d, _ in args.also or ())])
        model = calibrate(sets, settings.answer, dataset=names)
        save_model(model, target)
        f = model.fitted
        print(
            f"answerability model fitted on {f['questions']} questions ({split} split, {f['answerable']} answerable), "
            f"5-fold CV: AUROC {f['cv_auroc']:.3f}, abstains on {f['cv_abstain_unanswerable']:.1%} of unanswerable, "
            f"{f['cv_false_abstention']:.1%} false abstention at threshold {model.threshold:.3f}"
        )
        for name, coef in sorted(zip(model.features, model.coef), key=lambda item: -abs(item[1])):
            print(f"  {name:<18} {coef:+.3f}")
        print(f"wrote {target} (loaded by qa ask, qa chat and qa eval; set QA_ANSWER_MODEL to use another file)")
        return 0
    retrievers = list(ORDER) if args.retriever in (None, "all") else [args.retriever]
    answers_too = not args.no_answers
    progress, close = make_progress(args, desc="qa eval")
    total, done = len(questions) * (len(retrievers) + answers_too), [0]

    def tick() -> None:
        done[0] += 1
        if progress:
            progress(done[0] / total, f"{done[0]}/{total} questions")

    try:
        report, runs = evaluate(searcher, questions, retrievers, tick, max(1, args.k))
        answers = None
        if answers_too:
            model = load_model(settings.answer_model)
            answers = answer_report(run_answers(searcher, questions, model, settings.answer, tick))
    finally:
        close()
    print(f"{len(questions)} questions ({split} split)")
    print(format_table(report))
    if answers:
        print()
        print(format_answer_table(answers))
    meta = {
        "dataset": str(args.dataset),
        "split": split,
        "index_version": searcher.index.version,
        "model": settings.model,
        "settings": searcher.index.manifest.get("settings"),
    }
    if args.json:
        args.json.write_text(json.dumps({"meta": meta, "retrievers": report, "answers": answers}, ensure_ascii=False, indent=2))
        print(f"report: {args.json}")
    if args.save_run:
        args.save_run.write_text(json.dumps(runs, ensure_ascii=False, indent=1))
        print(f"run: {args.save_run}")
    if args.plot:
        plot_report(report, answers, args.plot)
        print(f"plot: {args.plot}")
    print(
        f"{len(questions)} questions x {len(retrievers)} retriever(s) in {time.perf_counter() - started:.1f} s (index {searcher.index.version})"
    )
    return 0


LOCO_COLUMNS = (
    ("answered_with_fact", "answered+fact"),
    ("answered_with_fact_vi", "vi answered+fact"),
    ("answerable_refused", "answerable refused"),
    ("answerable_unsure", "answerable unsure"),
    ("unanswerable_refused", "unanswerable refused"),
    ("unanswerable_unsure", "unanswerable unsure"),
)


def format_loco_table(table: dict[str, dict[str, float]]) -> str:
    """Markdown table: one row per left-out corpus, the three-outcome rates."""
    head = "| left out (fitted on the others) | questions | " + " | ".join(n for _, n in LOCO_COLUMNS) + " |"
    lines = [head, "|" + "---|" * (len(LOCO_COLUMNS) + 2)]
    for name, m in table.items():
        cells = [f"{m[k]:.3f}" if k in m else "—" for k, _ in LOCO_COLUMNS]
        lines.append(f"| {name} | {int(m['questions'])} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def format_ablation_table(ablation: dict[str, dict[str, float]]) -> str:
    """Markdown table: each feature held constant, the worst fold's AUROC and refusal rates, against all features."""
    base = ablation["all"]
    lines = ["| without | worst AUROC | worst answerable refused | worst unanswerable refused |", "|---|---|---|---|"]
    for name, m in sorted(ablation.items(), key=lambda kv: (kv[0] != "all", kv[1]["auroc"] - base["auroc"])):
        delta = "" if name == "all" else f" ({m['auroc'] - base['auroc']:+.3f})"
        lines.append(
            f"| {'(nothing)' if name == 'all' else name} | {m['auroc']:.3f}{delta} | {m['answerable_refused']:.3f} | "
            f"{m['unanswerable_refused']:.3f} |"
        )
    return "\n".join(lines)


def _loco(args, settings) -> int:
    """qa eval --loco: leave-one-corpus-out over --dataset and every --also set; with --calibrate, also write the
    model fitted on all tuning splits with the refuse threshold chosen here."""
    from qa.answering.answerability import DEFAULT_MODEL_PATH, save_model
    from qa.evaluation.answers import run_answers
    from qa.evaluation.shift import (
        choose_operating_point,
        feature_ablation,
        fit_on_tuning_rows,
        leave_one_corpus_out,
        paraphrases_out_of_corpus,
    )

    pairs = [(Path(args.dataset), settings.index_dir), *((Path(d), Path(i)) for d, i in args.also or ())]
    corpora, searchers = {}, {}
    for dataset, index_dir in pairs:
        searcher, questions = _open_set(settings, index_dir, dataset, "all")
        corpora[dataset.stem], searchers[dataset.stem] = run_answers(searcher, questions, None, settings.answer), searcher
    paraphrases = {}
    for dataset, of in args.paraphrases or ():
        corpus = Path(of).stem
        if corpus not in searchers:
            raise DatasetError(f"--paraphrases {dataset} {of}: {of} is not --dataset or an --also set; add it first")
        questions = _questions(searchers[corpus], Path(dataset), "all")
        paraphrases[f"{Path(dataset).stem}@{corpus}"] = run_answers(searchers[corpus], questions, None, settings.answer)
    measure = {Path(name).stem: ["tune"] for name in args.tune_only or ()}
    if args.refuse_below is None:
        cap, q, table = choose_operating_point(corpora, 0.05, measure, paraphrases=paraphrases)
    else:
        cap, q = args.cap, args.refuse_below
        table = leave_one_corpus_out(corpora, q, measure, cap)
    how = "chosen" if args.refuse_below is None else "given"
    print(
        f"leave-one-corpus-out, each feature capped at {cap}, refused below p = {q} ({how}; tuning split only for: {', '.join(measure) or 'none'})"
    )
    print(format_loco_table(table))
    asked_again = paraphrases_out_of_corpus(corpora, paraphrases, q, measure, cap) if paraphrases else {}
    if asked_again:
        print("\nparaphrase sets, each under the fold model of its corpus:")
        print(format_loco_table(asked_again).replace("left out (fitted on the others)", "asked again (not fitted on)"))
    ablation = None
    if args.ablation:
        ablation = feature_ablation(corpora, q, cap, measure)
        print(format_ablation_table(ablation))
    if args.json:
        report = {"cap": cap, "refuse_below": q, "loco": table, "paraphrases": asked_again, "ablation": ablation}
        args.json.write_text(json.dumps(report, indent=2))
    if args.calibrate:
        target = settings.answer_model or DEFAULT_MODEL_PATH
        model = fit_on_tuning_rows(corpora, q, cap)
        save_model(model, target)
        f = model.fitted
        print(
            f"wrote {target}: CV AUROC {f['cv_auroc']:.3f}, answer threshold {model.threshold:.3f}, "
            f"refuse threshold {model.refuse_threshold:.3f}, each feature capped at {model.cap}"
        )
    return 0


def _open_set(settings, index_dir: Path, dataset: Path, split: str):
    """(searcher over index_dir, the questions of `dataset` in `split`), checked against that index's articles."""
    from qa.retrieval.searcher import open_searcher

    searcher = open_searcher(
        index_dir,
        settings.model,
        settings.retrieval,
        query_encoder=settings.query_encoder,
        store=settings.replace(index_dir=index_dir).store_config(),
    )
    return searcher, _questions(searcher, dataset, split)


def _questions(searcher, dataset: Path, split: str):
    """The questions of `dataset` in `split`, checked against the searcher's articles."""
    questions = load_dataset(dataset, [d.text for d in searcher.index.documents.values()])
    if split != "all":
        questions = [q for q in questions if q.split == split]
        if not questions:
            raise DatasetError(f'{dataset} has no questions with "split": "{split}"; use --split all')
    return questions


def _read_run(path: Path) -> dict:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise DatasetError(f"cannot read run file {path} ({exc}); make one with `qa eval --save-run FILE`") from None
    if not isinstance(data, dict) or not all(isinstance(v, dict) for v in data.values()):
        raise DatasetError(f"{path} is not a saved run (expected {{retriever: {{question id: ...}}}})")
    return data


def _compare(args) -> int:
    a, b = (_read_run(Path(p)) for p in args.compare)
    results = compare_saved_runs(load_dataset(args.dataset), a, b, args.metric)
    for retriever, result in sorted(results.items(), key=lambda item: ORDER.index(item[0]) if item[0] in ORDER else 99):
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


def register(add) -> None:
    p: argparse.ArgumentParser = add(
        "eval",
        "Evaluate retrieval (recall@k, MRR, nDCG) and answers (expected answer quoted, abstention, AUROC) on a question set.",
        "qa eval --dataset tests/data/dev_seed.jsonl --split heldout --plot eval.png\n"
        "  qa eval --dataset tests/data/dev_seed.jsonl --calibrate          # fit the answerability model on the tune split\n"
        "  qa eval --loco --dataset tests/data/dev_seed.jsonl --also tests/data/dev_news2.jsonl index-news2\n"
        "                                                 # leave-one-corpus-out: fit on the others, measure the one left out\n"
        "  qa eval --loco --dataset tests/data/dev_seed.jsonl --also tests/data/dev_news2.jsonl index-news2 \\\n"
        "          --paraphrases tests/data/para_seed.jsonl dev_seed   # ... and hold seed's paraphrases at <= 10% refused\n"
        "  qa eval --compare runs/a.json runs/b.json --dataset tests/data/eval_dev.jsonl\n"
        "  qa eval --feedback-to-dataset feedback.jsonl regression.jsonl",
    )
    p.add_argument("--dataset", type=Path, help="JSON Lines questions with evidence strings")
    p.add_argument(
        "-k", "--k", type=int, default=10, help="depth of the ranked lists (default 10; metrics @10 count what is retrieved)"
    )
    p.add_argument("--retriever", choices=[*RETRIEVERS, "all"], default="all")
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
        "--calibrate",
        action="store_true",
        help="fit the answerability model on the tuning split (--split tune) and write it (qa/answering/answerability.json, or --answer-model)",
    )
    p.add_argument("--split", choices=["tune", "heldout", "all"], help="evaluate only this part of the dataset (default all)")
    p.add_argument("--answer-model", type=Path, help="answerability model JSON to use or write (default: the one shipped in qa/)")
    p.add_argument(
        "--loco",
        action="store_true",
        help="leave-one-corpus-out over --dataset and every --also set: fit on the others' tuning splits, measure the "
        "one left out (answered/unsure/refused rates); with --calibrate also write the model",
    )
    p.add_argument(
        "--tune-only",
        action="append",
        metavar="DATASET",
        help="with --loco: measure only this set's tune split (its held-out part stays unread)",
    )
    p.add_argument(
        "--ablation",
        action="store_true",
        help="with --loco: also each feature's ablation on the folds (slow: a refit per feature)",
    )
    p.add_argument("--cap", type=float, help="with --loco --refuse-below: cap each feature's log-odds contribution at this")
    p.add_argument(
        "--refuse-below",
        type=float,
        help="with --loco: refuse below this probability instead of choosing it (<= 5%% refused on the worst fold)",
    )
    p.add_argument(
        "--also",
        nargs=2,
        action="append",
        metavar=("DATASET", "INDEX_DIR"),
        help="with --calibrate or --loco: also this dataset over its own index (repeatable)",
    )
    p.add_argument(
        "--paraphrases",
        nargs=2,
        action="append",
        metavar=("DATASET", "OF_DATASET"),
        help="with --loco: a set asking OF_DATASET's questions again (over its index), measured under that corpus' fold "
        "model and kept at <= 10%% answerable refused by the chosen point (repeatable)",
    )
    p.add_argument("--no-answers", action="store_true", help="retrieval metrics only (skip the answer-level evaluation)")
    p.add_argument("--feedback-to-dataset", nargs=2, metavar=("FEEDBACK", "OUT"), help="turn UI feedback into dataset lines")
    p.set_defaults(func=cmd_eval)
