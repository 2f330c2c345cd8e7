"""Evaluation: datasets, retrieval metrics by name (`retrieval`), answer metrics and calibration (`answers`), and the
benchmarks (`bench`, `bench_stores` and its corpus `synthetic_corpus`). Numbers only: printing and plotting belong to `qa.cli.eval`.

May import: `qa.retrieval`, `qa.answering`, `qa.params`, `embeddings`. Must not import: `qa.cli`, `ui`.
"""

from .answers import answer_report, calibrate, run_answers
from .retrieval import METRICS, EvalQuestion, evaluate, load_dataset

__all__ = ["METRICS", "EvalQuestion", "answer_report", "calibrate", "evaluate", "load_dataset", "run_answers"]
