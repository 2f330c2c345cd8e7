"""Streaming builds (issue 23, item 2): a build written in many small batches gives the index one batch gives.

The batch size is lowered to a few passages, so the seed corpus streams through the same code a 100,000-passage
build does: FAISS (vectors, chunk rows, bm25s matrix, sentence vectors) and Qdrant Edge (points, BM25 weights
re-weighted when the first batch's mean length was off). Also the pieces: bm25s' matrix built from token counts,
the top-k without a full sort, chunk rows that hold no text.
"""

import dataclasses
import json

import numpy as np
import pytest

from embeddings.build import batches as build_batches
from embeddings.build import build_index
from embeddings.ingest.load import load_corpus
from embeddings.lexical import LexicalBuilder, LexicalIndex, tokenize
from embeddings.stores.backends import open_store
from embeddings.stores.chunk_table import ChunkTable
from embeddings.stores.faiss_folder import current_version, load_index
from embeddings.stores.faiss_store import top_rows
from embeddings.stores.interface import StoreConfig

from .conftest import CORPUS, FakeEncoder

QUERIES = ["Hải Phòng kiến nghị gì với Trung ương?", "can tho co bao nhieu dang vien", "Ngũ Hành Sơn kết nạp", "xyzzy"]


@pytest.fixture(scope="module")
def fake_index_dir(tmp_path_factory, options):
    """The seed corpus built in one batch (29 passages < BATCH_PASSAGES)."""
    index_dir = tmp_path_factory.mktemp("one-batch")
    build_index(CORPUS, index_dir, options, encoder=FakeEncoder())
    return index_dir


def _passages():
    return [p for d in load_corpus(CORPUS).documents for p in d.text.split("\n") if p.strip()]


def test_lexical_builder_gives_bm25s_scores_bit_for_bit(tmp_path):
    texts = [*_passages(), ""]  # an empty passage becomes the <empty> token, as in LexicalIndex.build
    builder = LexicalBuilder()
    for at in range(0, len(texts), 7):  # many small batches
        builder.add(texts[at : at + 7])
    builder.finish().save(tmp_path)
    ours, theirs = LexicalIndex.load(tmp_path), LexicalIndex.build(texts)
    for query in QUERIES:
        assert np.array_equal(ours.scores(query), theirs.scores(query))
        tokens = [t for t in tokenize(query + " " + query) if t in theirs.vocab]  # repeated tokens count twice
        if tokens:  # bm25s' own scoring, np.add.at per token, gives the same float32 sums
            assert np.array_equal(ours.scores(query + " " + query), np.asarray(theirs.retriever.get_scores(tokens), np.float32))
    assert set(ours.vocab) == set(theirs.vocab)


def test_top_rows_is_a_stable_sort_cut_at_k():
    rng = np.random.default_rng(0)
    scores = rng.integers(0, 5, 200).astype(np.float32)  # many ties
    for k in (1, 5, 50, 199, 200, 300):
        assert top_rows(scores, k).tolist() == np.argsort(-scores, kind="stable")[:k].tolist()


def test_chunk_rows_without_text_read_back_from_their_article(tmp_path, fake_index_dir):
    index = load_index(fake_index_dir)
    rows = (current_version(fake_index_dir) / "chunks.jsonl").read_text(encoding="utf-8").splitlines()
    assert set(json.loads(rows[0])) == {"chunk_id", "doc_id", "start", "end"}  # the text is the article's
    old = tmp_path / "chunks.jsonl"  # a folder written before streaming builds repeats text, title and date
    old.write_text("".join(json.dumps(dataclasses.asdict(c), ensure_ascii=False) + "\n" for c in index.chunks), encoding="utf-8")
    assert list(ChunkTable.read(old, index.documents)) == list(index.chunks)
    chunk = index.chunks[3]
    assert (
        index.documents[chunk.doc_id].text[chunk.start : chunk.end] == chunk.text and index.chunks[-1] == list(index.chunks)[-1]
    )


@pytest.fixture
def tiny_batches(monkeypatch):
    monkeypatch.setattr(build_batches, "BATCH_PASSAGES", 3)  # the 29 passages in ten or more batches


def test_faiss_folder_in_small_batches_equals_one_batch(
    tmp_path, corpus_copy, fake_encoder, options, fake_index_dir, tiny_batches
):
    summary = build_index(corpus_copy, tmp_path, options, encoder=fake_encoder)
    streamed, whole = load_index(tmp_path), load_index(fake_index_dir)
    assert summary.chunks == len(whole.chunks) and summary.sentences == len(whole.sentence_keys)
    assert list(streamed.chunks) == list(whole.chunks)
    assert np.array_equal(streamed.vectors, whole.vectors)
    assert np.array_equal(streamed.sentence_keys, whole.sentence_keys)
    assert np.array_equal(streamed.sentence_vectors, whole.sentence_vectors)
    for query in QUERIES:
        assert np.array_equal(streamed.lexical.scores(query), whole.lexical.scores(query))
    assert sorted(fake_encoder.encoded) == sorted({c.embed_text for c in whole.chunks} | set(_sentences(whole)))


def _sentences(index):
    from embeddings.sentences import distinct_sentences

    return distinct_sentences(c.text for c in index.chunks)


def test_a_batch_that_fails_leaves_the_previous_folder_live(
    tmp_path, corpus_copy, fake_encoder, options, tiny_batches, monkeypatch
):
    build_index(corpus_copy, tmp_path, options, encoder=fake_encoder)
    live = current_version(tmp_path)
    real, made = build_batches.Batches._batch, []

    def fail_on_the_fourth(self, docs, chunks):
        made.append(1)
        if len(made) == 4:
            raise OSError("disk full")
        return real(self, docs, chunks)

    monkeypatch.setattr(build_batches.Batches, "_batch", fail_on_the_fourth)
    with pytest.raises(OSError, match="disk full"):
        build_index(corpus_copy, tmp_path, options, rebuild=True, encoder=fake_encoder)
    assert current_version(tmp_path) == live and not list(tmp_path.glob("tmp-*"))
    assert len(load_index(tmp_path).chunks) == 29


def test_edge_shard_in_small_batches_scores_bm25_like_faiss(
    tmp_path, corpus_copy, fake_encoder, options, fake_index_dir, tiny_batches
):
    """The first batches' mean length is not the corpus': the weights are redone at the end, so BM25 is exact."""
    config = StoreConfig(kind="qdrant", index_dir=tmp_path)
    build_index(corpus_copy, tmp_path, options, encoder=fake_encoder, store=config)
    edge, faiss = open_store(config), open_store(StoreConfig(index_dir=fake_index_dir))
    try:
        assert edge.n_chunks == faiss.n_chunks == 29
        for query in QUERIES[:3]:
            ids, scores = edge.lexical_search(query, 10, None)
            rows, expected = faiss.lexical_search(query, 10, None)
            assert [c.chunk_id for c in faiss.chunks(rows)] == ids
            assert np.allclose(scores, expected, rtol=1e-5)
        assert edge.document_frequencies() == faiss.document_frequencies()
    finally:
        edge.close()
