"""Sentence vectors stored at build time (sentences.npy): the split both layers share, what a build stores
and reuses, and English answers that read the stored vectors instead of encoding, with the on-the-fly
fallback for indexes built before them and for another quote length; Qdrant Edge keeps them too.

Fake encoder here (fast); the last tests repeat the checks with the real model.
"""

import dataclasses
import json

import numpy as np
import pytest

from embeddings.build import build_index
from embeddings.chunk import chunk_documents, make_splitter
from embeddings.encoders.encode import token_counter
from embeddings.ingest.load import load_corpus
from embeddings.sentences import MAX_QUOTE_CHARS, distinct_sentences, sentence_spans
from embeddings.stores.backends import open_store
from embeddings.stores.faiss_folder import current_version, load_index
from embeddings.stores.faiss_store import FaissStore
from embeddings.stores.interface import StoreConfig, embed_key
from qa.answering.answer import answer_question, build_extractive
from qa.answering.sentences import split_sentences
from qa.params import AnswerParams
from qa.retrieval.searcher import Hit, Searcher

from .conftest import CORPUS, AlwaysAnswer, FakeEncoder

HP = "001_528bc86e38a8c041"
ENGLISH = "What did Hai Phong propose to the Central Committee?"
NO_GUARD = AnswerParams(entity_guard=False)  # fake vectors: keep the name check from deciding these tests


class SpyEncoder:
    """Wraps an encoder and records (kind, number of texts) of every call."""

    def __init__(self, inner):
        self.inner, self.name, self.dim = inner, inner.name, inner.dim
        self.engine = getattr(inner, "engine", "spy")
        self.calls: list[tuple[str, int]] = []

    def encode(self, texts, kind):
        self.calls.append((kind, len(texts)))
        return self.inner.encode(texts, kind)

    def encoded(self, kind: str) -> int:
        return sum(n for k, n in self.calls if k == kind)


def _without_sentences(index):
    """The same loaded index as one built before sentence vectors existed."""
    return dataclasses.replace(index, sentence_keys=None, sentence_vectors=None)


def _answer(index, encoder, question=ENGLISH, params=NO_GUARD):
    spy = SpyEncoder(encoder)
    return answer_question(question, Searcher(index, spy), model=AlwaysAnswer(), params=params), spy


@pytest.fixture(scope="module")
def corpus_hits(options):
    docs = load_corpus(CORPUS).documents
    count, _ = token_counter(options.model)
    chunks = chunk_documents(docs, make_splitter(options.chunk_tokens, options.overlap_tokens, count))
    by_id = {d.doc_id: d for d in docs}
    return [Hit(c, by_id[c.doc_id], 0.0, 1) for c in chunks]


@pytest.fixture(scope="module")
def fake_index_dir(tmp_path_factory, options):
    index_dir = tmp_path_factory.mktemp("sentvec")
    build_index(CORPUS, index_dir, options, encoder=FakeEncoder())
    return index_dir


@pytest.mark.parametrize("max_chars", [MAX_QUOTE_CHARS, 120])
def test_answers_and_the_build_split_sentences_the_same_way(corpus_hits, max_chars):
    seen = {"caption": False, "window": False}
    for i, hit in enumerate(corpus_hits):
        quoted = split_sentences(i, hit, max_chars)
        built = sentence_spans(hit.chunk.text, hit.chunk.start, max_chars)
        assert [(s.start, s.end, s.text, s.caption) for s in quoted] == [(s.start, s.end, s.text, s.caption) for s in built]
        assert all(s.hit_index == i and hit.document.text[s.start : s.end] == s.text for s in quoted)
        assert all(len(s.text) <= max_chars for s in quoted)
        seen["caption"] |= any(s.caption for s in quoted)
        seen["window"] |= any(len(s.text) > max_chars for s in sentence_spans(hit.chunk.text, 0, 10**6))
    assert all(seen.values())  # the corpus exercises captions and clause windows
    texts = [s.text for i, h in enumerate(corpus_hits) for s in split_sentences(i, h, max_chars)]
    assert distinct_sentences([h.chunk.text for h in corpus_hits], max_chars) == list(dict.fromkeys(texts))


def test_the_default_quote_length_is_defined_once():
    assert AnswerParams().max_quote_chars == MAX_QUOTE_CHARS == 300


def test_build_stores_one_float16_vector_per_distinct_sentence(fake_index_dir, options):
    index = load_index(fake_index_dir)
    texts = distinct_sentences(c.text for c in index.chunks)
    assert len(texts) < sum(len(sentence_spans(c.text)) for c in index.chunks)  # overlapping chunks repeat sentences
    assert len(index.sentence_keys) == len(texts) == index.manifest["n_sentences"]
    assert sorted(index.sentence_keys.tolist()) == sorted(embed_key(options.model, t).encode() for t in texts)
    assert index.sentence_vectors.dtype == np.float16 and index.sentence_vectors.shape == (len(texts), 64)
    for name in ("sentences.npy", "sentence_keys.npy"):
        assert index.manifest["files"][name]["sha256"]  # checksummed like every other file
    assert index.manifest["settings"]["sentence_chars"] == MAX_QUOTE_CHARS

    stored, found = FaissStore(index).sentence_vectors([*texts, "Câu này không có trong bài nào."])
    assert found.tolist() == [True] * len(texts) + [False]
    assert stored.dtype == np.float32 and not stored[-1].any()
    fresh = FakeEncoder().encode(texts, "passage")
    assert np.min(np.sum(stored[:-1] * fresh, axis=1)) >= 0.999


def test_sentence_table_round_trip(tmp_path):
    """Rows added in batches (a key recurring keeps its first row) -> sorted files -> the same rows found by key."""
    from embeddings.stores.sentence_table import SentenceTableWriter, load_table, lookup, stored_rows

    rows = np.eye(3, dtype=np.float32)
    table = SentenceTableWriter(tmp_path)
    table.add(("c", "a"), rows[[0, 1]])  # c -> e0, a -> e1
    table.add(("a", "b"), rows[[0, 2]])  # a again (its second row ignored), b -> e2
    assert table.finish(3) == 3 and not (tmp_path / "sentences.f16").exists()
    keys, vectors = load_table(tmp_path, 3)
    assert keys.tolist() == [b"a", b"b", b"c"] and vectors.dtype == np.float16
    assert np.array_equal(vectors, rows[[1, 2, 0]].astype(np.float16))
    found = stored_rows(keys, vectors, ["b", "x", "c"])
    assert sorted(found) == ["b", "c"] and np.array_equal(found["c"], rows[0])
    out, hit = lookup(keys, vectors, ["x", "a"], 3)
    assert hit.tolist() == [False, True] and not out[0].any() and np.array_equal(out[1], rows[1])
    assert stored_rows(None, None, ["a"]) == {} and not lookup(None, None, ["a"], 3)[1].any()  # a version without them

    (tmp_path / "empty").mkdir()
    assert SentenceTableWriter(tmp_path / "empty").finish(3) == 0  # no rows: the index's width still
    assert load_table(tmp_path / "empty", 3)[1].shape == (0, 3)
    with pytest.raises(ValueError, match="disagree"):
        load_table(tmp_path, 4)


def test_build_summary_counts_sentences(tmp_path, corpus_copy, fake_encoder, options):
    first = build_index(corpus_copy, tmp_path, options, encoder=fake_encoder)
    assert first.sentences == first.sentences_embedded > 0 and first.sentences_reused == 0
    assert f"sentences: {first.sentences} distinct, {first.sentences} embedded, 0 reused" in "\n".join(first.lines())
    assert len(fake_encoder.encoded) == first.chunks + first.sentences
    again = build_index(corpus_copy, tmp_path, options, encoder=fake_encoder)
    assert not again.written and again.sentences == again.sentences_reused == first.sentences


def test_rebuild_encodes_only_the_changed_articles_new_sentences(tmp_path, corpus_copy, fake_encoder, options):
    build_index(corpus_copy, tmp_path, options, encoder=fake_encoder)
    before = load_index(tmp_path)
    old_sentences = set(distinct_sentences(c.text for c in before.chunks))
    old_passages = {c.embed_text for c in before.chunks}

    path = corpus_copy / f"{HP}.txt"
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("Quỳnh Trang", "Đoạn mới về Hải Phòng.\n\nQuỳnh Trang"), encoding="utf-8")
    fake_encoder.encoded.clear()
    summary = build_index(corpus_copy, tmp_path, options, encoder=fake_encoder)

    after = load_index(tmp_path)
    sentences = distinct_sentences(c.text for c in after.chunks)
    new_sentences = [t for t in sentences if t not in old_sentences]
    new_passages = [c.embed_text for c in after.chunks if c.embed_text not in old_passages]
    assert "Đoạn mới về Hải Phòng." in new_sentences
    assert all(any(t in c.text for c in after.chunks if c.doc_id == HP) for t in new_sentences)  # only that article's
    assert sorted(fake_encoder.encoded) == sorted(new_passages + new_sentences)
    assert summary.sentences_embedded == len(new_sentences) and summary.sentences_reused == len(sentences) - len(new_sentences)
    # a reused vector is copied, not re-encoded: bit for bit the stored float16 row
    kept = next(t for t in sentences if t in old_sentences)
    rows = [int(np.flatnonzero(i.sentence_keys == embed_key(options.model, kept).encode())[0]) for i in (before, after)]
    assert np.array_equal(before.sentence_vectors[rows[0]], after.sentence_vectors[rows[1]])


def test_english_answer_reads_stored_vectors_and_the_search_query_vector(fake_index_dir):
    index = load_index(fake_index_dir)
    stored, spy = _answer(index, FakeEncoder())
    assert not stored.abstained and stored.citations
    assert spy.calls == [("query", 1)]  # the search's encoding of the question, and nothing else

    on_the_fly, spy = _answer(_without_sentences(index), FakeEncoder())
    assert spy.encoded("passage") > 0 and spy.encoded("query") == 1  # the search's vector serves the fallback too
    assert on_the_fly.text == stored.text and on_the_fly.citations == stored.citations

    spy = SpyEncoder(FakeEncoder())  # called without the search's vector (as before): the question is encoded again
    searcher = Searcher(index, spy)
    assert build_extractive(ENGLISH, searcher.search(ENGLISH, 5).hits, searcher, NO_GUARD)[0] == stored.text
    assert spy.calls == [("query", 1), ("query", 1)]


def test_search_result_carries_the_query_vector(fake_index_dir):
    encoder = FakeEncoder()
    searcher = Searcher(load_index(fake_index_dir), encoder)
    for retriever in ("hybrid", "dense"):
        result = searcher.search(ENGLISH, 5, retriever)
        assert np.array_equal(result.qvec, encoder.encode([ENGLISH], "query")[0])
    assert searcher.search(ENGLISH, 5, "bm25").qvec is None


def test_other_quote_lengths_encode_only_the_sentences_not_stored(fake_index_dir):
    index = load_index(fake_index_dir)
    stored = set(distinct_sentences(c.text for c in index.chunks))
    encoder = FakeEncoder()
    answer, spy = _answer(index, encoder, params=dataclasses.replace(NO_GUARD, max_quote_chars=120))
    passages = encoder.encoded[1:]  # after the question: the sentences encoded
    assert answer.citations and spy.encoded("passage") == len(passages) > 0
    assert not stored & set(passages)


def test_index_built_before_sentence_vectors_still_answers_english(tmp_path, corpus_copy, fake_encoder, options):
    build_index(corpus_copy, tmp_path, options, encoder=fake_encoder)
    expected, _ = _answer(load_index(tmp_path), FakeEncoder())
    version = current_version(tmp_path)  # now make it an index of the previous build code
    manifest = json.loads((version / "manifest.json").read_text(encoding="utf-8"))
    for name in ("sentences.npy", "sentence_keys.npy"):
        (version / name).unlink()
        del manifest["files"][name]
    del manifest["settings"]["sentence_chars"], manifest["n_sentences"]
    (version / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")

    old = load_index(tmp_path)
    assert old.sentence_keys is None
    answer, spy = _answer(old, FakeEncoder())
    assert spy.encoded("passage") > 0 and answer.citations == expected.citations

    # the next build adds the sentence vectors and re-encodes no passage
    summary = build_index(corpus_copy, tmp_path, options, encoder=fake_encoder)
    assert summary.written and summary.embedded == 0 and summary.sentences_embedded == summary.sentences > 0
    assert summary.note == "settings changed (sentence_chars): every article indexed again"
    assert load_index(tmp_path).sentence_keys is not None


def test_sentence_vectors_can_be_switched_off(tmp_path, corpus_copy, fake_encoder, options, fake_index_dir):
    """QA_SENTENCE_VECTORS=0: a build that encodes only passages; English answers encode their candidates."""
    summary = build_index(corpus_copy, tmp_path, dataclasses.replace(options, sentence_vectors=False), encoder=fake_encoder)
    index = load_index(tmp_path)
    assert summary.sentences == 0 and index.sentence_keys is None
    assert not (current_version(tmp_path) / "sentences.npy").exists()
    assert sorted(fake_encoder.encoded) == sorted(c.embed_text for c in index.chunks)
    answer, spy = _answer(index, FakeEncoder())
    assert spy.encoded("passage") > 0
    assert answer.citations == _answer(load_index(fake_index_dir), FakeEncoder())[0].citations


def test_qdrant_edge_build_keeps_sentence_vectors_and_answers_english(
    tmp_path, corpus_copy, fake_encoder, options, fake_index_dir
):
    """Qdrant Edge keeps the FAISS folder's sentence files (tests/test_edge_store.py: updates, an older shard)."""
    config = StoreConfig(kind="qdrant", index_dir=tmp_path / "qdrant")
    summary = build_index(corpus_copy, tmp_path, options, encoder=fake_encoder, store=config)
    store = open_store(config)
    try:
        texts = distinct_sentences(c.text for c in store.all_chunks())
        assert summary.sentences == summary.sentences_embedded == len(texts) == store.manifest["n_sentences"]
        assert sorted(fake_encoder.encoded) == sorted([c.embed_text for c in store.all_chunks()] + texts)
        assert store.manifest["settings"]["sentence_chars"] == MAX_QUOTE_CHARS
        vectors, found = store.sentence_vectors([texts[0], "Một câu khác."])
        assert vectors.shape == (2, 64) and found.tolist() == [True, False] and not vectors[1].any()

        answer, spy = _answer(store, FakeEncoder())
        assert spy.calls == [("query", 1)]  # as on FAISS: no sentence encoded at question time
        assert answer.citations == _answer(load_index(fake_index_dir), FakeEncoder())[0].citations
    finally:
        store.close()


def test_stored_sentence_vectors_match_the_real_model(real_index_dir, real_encoder):
    index = load_index(real_index_dir)
    texts = distinct_sentences(c.text for c in index.chunks)[::7]
    stored, found = FaissStore(index).sentence_vectors(texts)
    assert found.all()
    assert np.min(np.sum(stored * real_encoder.encode(texts, "passage"), axis=1)) >= 0.999


def test_real_english_answer_encodes_only_the_question(real_index_dir, real_searcher):
    from qa.answering.answerability import load_model

    index, model = load_index(real_index_dir), load_model()
    spy = SpyEncoder(real_searcher.encoder)
    stored = answer_question(ENGLISH, Searcher(index, spy), model=model)
    assert not stored.abstained and spy.calls == [("query", 1)]
    spy = SpyEncoder(real_searcher.encoder)
    on_the_fly = answer_question(ENGLISH, Searcher(_without_sentences(index), spy), model=model)
    assert spy.encoded("passage") > 0
    assert on_the_fly.citations[0] == stored.citations[0] and on_the_fly.text == stored.text
