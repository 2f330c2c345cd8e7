"""BENCHMARKS.md is assembled from a results dict: every table renders from the keys the runs write."""

from qa.evaluation.bench import kept_sections, markdown


def _stat(p50, p95=None):
    return {"min": p50, "p50": p50, "p95": p95 if p95 is not None else p50, "n": 3}


def test_markdown_renders_every_section():
    side = {
        "chunks": 29,
        "query_engine": "onnx-fp32",
        **{
            k: {"ours": _stat(2.0, 3.0), "reference": _stat(6.0, 9.0)}
            for k in ("build_full_s", "retrieval_ms", "answer_ms", "cold_start_s")
        },
        "rebuild_one_changed_s": {"ours": _stat(0.25), "reference": _stat(5.0)},
        "peak_memory_mb": {"ours": {"min": 150.0}, "reference": {"min": 900.0}},
    }
    engine = {
        "engine": "onnx-fp32",
        "cosine_min": 0.99995,
        "encode_ms": _stat(11.0, 13.5),
        "retrieval_ms": _stat(12.0, 14.0),
        "answer_ms": _stat(13.0, 16.0),
        "cold_start_s": _stat(1.2),
        "build_encode_s": _stat(30.5),
    }
    scale_row = {
        "n": 10000,
        "data": "clustered",
        "index": "flat",
        "nprobe": None,
        "build_s": 0.1,
        "memory_mb": 15.0,
        "query_ms_p50": 0.5,
        "query_ms_p95": 0.7,
        "recall@10": 1.0,
    }
    results = {
        "date": "2026-11-23",
        "machine": "x86_64, 2 cores",
        "runs": 3,
        "side_by_side": side,
        "encoders": {"load_average": 0.31, "engines": {"onnx": engine}},
        "scale": [scale_row],
    }
    text = markdown(results, "qa bench")
    assert "| retrieval p95 (ms, warm) | 3 | 9 | 3.0× |" in text
    assert "| onnx-fp32 | 11.0 / 13.5 | 12.0 / 14.0 | 13.0 / 16.0 | 1.20 | 30.50 | 1.0000 |" in text
    assert "Load average when the encoder table was measured: 0.31" in text
    assert "| 10,000 | clustered | flat |  | 0.10 | 15 | 0.50 | 0.70 | 1.000 |" in text


def test_hand_written_sections_survive_a_rewrite():
    existing = "# Benchmarks\n\nold numbers\n\n## Notes on the encoder\n\nwhy\n\n## Stores at scale\n\nhours of measurements\n"
    assert kept_sections(existing) == "\n## Notes on the encoder\n\nwhy\n\n## Stores at scale\n\nhours of measurements\n"
    assert kept_sections("# Benchmarks\n\n## Stores at scale\n\nx\n") == "\n## Stores at scale\n\nx\n"
    assert kept_sections("# Benchmarks\n") == ""
