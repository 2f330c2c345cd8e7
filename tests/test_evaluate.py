import json

import pytest

from qa.cli.main import main
from qa.errors import DatasetError
from qa.evaluation.retrieval import (
    METRICS,
    EvalQuestion,
    compare_runs,
    feedback_to_dataset,
    is_relevant,
    load_dataset,
    per_question,
    summarize,
)

from .conftest import CORPUS, DEV_SET


def _hits(*chunk_ids):
    return [
        {"rank": i + 1, "chunk_id": c, "doc_id": c.split(":")[0], "score": 1.0 / (i + 1), "text": ""}
        for i, c in enumerate(chunk_ids)
    ]


def test_metrics_on_a_hand_computed_case():
    questions = [
        EvalQuestion("q1", "?", ("x",), "a", doc="d1"),
        EvalQuestion("q2", "?", ("y",), "b", doc="d9"),
        EvalQuestion("q3", "?", (), "none"),
    ]
    run = {
        "q1": {"hits": _hits("d2:1", "d1:1", "d1:2")},  # relevant d1:1 at rank 2
        "q2": {"hits": _hits("d3:1", "d4:1")},  # nothing relevant retrieved
        "q3": {"hits": _hits("d2:1")},
    }
    relevant = {"q1": {"d1:1"}, "q2": {"d5:1"}}
    scores = per_question(questions, run, relevant)
    assert scores["q1"]["recall@1"] == 0.0 and scores["q1"]["recall@3"] == 1.0
    assert scores["q1"]["mrr@10"] == pytest.approx(0.5)
    assert scores["q1"]["ndcg@10"] == pytest.approx(1 / 1.5849625, rel=1e-4)  # 1/log2(3)
    assert scores["q1"]["doc_recall@5"] == 1.0 and scores["q2"]["doc_recall@5"] == 0.0
    assert scores["q2"]["mrr@10"] == 0.0
    summary = summarize(questions, run, scores)
    assert summary["recall@3"] == 0.5 and summary["mrr@10"] == pytest.approx(0.25)
    assert summary["questions"] == 3.0 and set(summary) == {*METRICS, "questions"}


def test_relevance_ignores_whitespace_and_normalization():
    import unicodedata

    assert is_relevant("có  55.369\nđảng viên", [unicodedata.normalize("NFD", "55.369 đảng viên")])
    assert not is_relevant("khác", ["55.369 đảng viên"])


def test_dev_set_is_valid_and_broad():
    texts = [p.read_text(encoding="utf-8") for p in CORPUS.glob("*.txt")]
    from embeddings.ingest.load import load_corpus

    questions = load_dataset(DEV_SET, [d.text for d in load_corpus(CORPUS).documents])  # raises on any evidence not in an article
    assert len(questions) >= 60 and len(texts) == 5
    assert sum(1 for q in questions if not q.answers) >= 6
    assert {q.doc for q in questions if q.doc} == {p.stem for p in CORPUS.glob("*.txt")}
    assert {"lexical", "paraphrase", "no_diacritics", "english", "unanswerable"} <= {q.slice for q in questions}


def test_bad_lines_are_reported_with_numbers(tmp_path):
    path = tmp_path / "bad.jsonl"
    path.write_text(
        '{"id": "a", "question": "Q?", "answers": ["55.369 đảng viên"]}\n'
        "not json\n"
        '{"id": "b", "answers": []}\n'
        '{"id": "c", "question": "Q?", "answers": ["không hề có trong bài"]}\n',
        encoding="utf-8",
    )
    from embeddings.ingest.load import load_corpus

    with pytest.raises(DatasetError) as err:
        load_dataset(path, [d.text for d in load_corpus(CORPUS).documents])
    message = str(err.value)
    assert "line 2: invalid JSON" in message and "line 3: missing field(s) question" in message and "line 4: evidence" in message


def test_compare_counts_wins_and_losses():
    a = {"q1": {"mrr@10": 1.0}, "q2": {"mrr@10": 0.5}, "q3": {"mrr@10": 0.2}}
    b = {"q1": {"mrr@10": 1.0}, "q2": {"mrr@10": 1.0}, "q3": {"mrr@10": 0.0}}
    result = compare_runs(a, b)
    assert result["wins"] == ["q2"] and result["losses"] == ["q3"] and result["ties"] == 1
    # differences 0, +0.5, -0.2: mean 0.1, sd 0.3606, t = 0.1 / (0.3606 / sqrt(3)) = 0.480 with 2 degrees of freedom
    assert result["p_ttest"] == pytest.approx(0.6784, abs=1e-4)
    # Wilcoxon drops the zero difference: ranks +2 and -1, W = min(2, 1) = 1, the exact two-sided p for n=2 is 1
    assert result["p_wilcoxon"] == pytest.approx(1.0)


def test_feedback_becomes_regression_lines(tmp_path):
    feedback = tmp_path / "feedback.jsonl"
    rows = [
        {
            "question": "Ai dẫn đầu đoàn?",
            "answer": "x [1]",
            "citations": [{"n": 1, "doc_id": "d"}],
            "verdict": "wrong_citation",
            "index_version": "v-1",
        },
        {"question": "Câu tốt", "answer": "y", "citations": [], "verdict": "helpful"},
    ]
    feedback.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
    out = tmp_path / "regression.jsonl"
    assert feedback_to_dataset(feedback, out) == 1
    line = json.loads(out.read_text(encoding="utf-8"))
    assert line["question"] == "Ai dẫn đầu đoàn?" and line["needs_evidence"] and line["answers"] == []
    # still waiting for evidence: skipped, so the dataset holds no questions yet
    with pytest.raises(DatasetError, match="no questions"):
        load_dataset(out)


@pytest.mark.slow
def test_eval_command_end_to_end(real_index_dir, tmp_path, capsys):
    report, run, plot = tmp_path / "r.json", tmp_path / "run.json", tmp_path / "p.png"
    code = main(
        [
            "eval",
            "--dataset",
            str(DEV_SET),
            "--index-dir",
            str(real_index_dir),
            "--json",
            str(report),
            "--save-run",
            str(run),
            "--plot",
            str(plot),
            "--quiet",
        ]
    )
    out = capsys.readouterr().out
    assert code == 0 and "hybrid" in out and "recall@5" in out and "no_diacritics" in out
    data = json.loads(report.read_text())
    assert data["retrievers"]["hybrid"]["overall"]["recall@5"] >= 0.85
    saved = json.loads(run.read_text())
    first = next(iter(saved["hybrid"].values()))
    assert set(first) == {"hits"} and {"rank", "chunk_id", "doc_id", "score", "text"} <= set(first["hits"][0])
    assert plot.stat().st_size > 1000
    # same index, same dataset: same numbers
    main(["eval", "--dataset", str(DEV_SET), "--index-dir", str(real_index_dir), "--json", str(tmp_path / "r2.json"), "--quiet"])
    assert json.loads((tmp_path / "r2.json").read_text())["retrievers"] == data["retrievers"]
    capsys.readouterr()
    assert main(["eval", "--dataset", str(DEV_SET), "--compare", str(run), str(run)]) == 0
    assert "B wins 0, loses 0" in capsys.readouterr().out


def test_eval_reports_answers_and_calibrate_writes_a_model_the_app_reads(real_index_dir, tmp_path, capsys):
    """Answer-level evaluation on a split, then --calibrate into a file that qa ask loads (--answer-model)."""
    dataset = DEV_SET.with_name("dev_seed.jsonl")
    report = tmp_path / "r.json"
    code = main(
        ["eval", "--dataset", str(dataset), "--split", "heldout", "--retriever", "hybrid"]
        + ["--index-dir", str(real_index_dir), "--json", str(report), "--quiet"]
    )
    out = capsys.readouterr().out
    assert code == 0 and "answer_accuracy" in out and "by category" in out and "heldout split" in out
    answers = json.loads(report.read_text())["answers"]
    heldout = [json.loads(line) for line in dataset.read_text(encoding="utf-8").splitlines() if '"heldout"' in line]
    assert answers["overall"]["questions"] == len(heldout)
    assert set(answers["categories"]) == {"answerable", "near_miss", "off_topic"}
    assert 0.0 < answers["overall"]["auroc"] <= 1.0 and len(answers["curve"]) == 20

    model_path = tmp_path / "answerability.json"
    code = main(
        ["eval", "--dataset", str(dataset), "--calibrate", "--split", "heldout", "--answer-model", str(model_path)]
        + ["--index-dir", str(real_index_dir), "--quiet"]
    )
    assert code == 0 and "5-fold CV: AUROC" in capsys.readouterr().out
    from qa.answering.answerability import load_model

    model = load_model(model_path)
    assert model.fitted["questions"] == len(heldout) and model.fitted["split"] == ["heldout"]
    assert (
        main(
            ["ask", "Đảng bộ thành phố Cần Thơ có bao nhiêu đảng viên?", "--answer-model", str(model_path)]
            + ["--index-dir", str(real_index_dir), "--json"]
        )
        == 0
    )
    assert json.loads(capsys.readouterr().out)["confidence"] is not None
