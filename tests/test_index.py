import json

import numpy as np
import pytest

from embeddings.build import ENCODER_OVERHEAD_TOKENS, BuildOptions, build_index
from embeddings.chunk import chunk_document, make_splitter
from embeddings.encoders.encode import token_counter
from embeddings.errors import CorpusError, IndexCorruptError, IndexLockedError, IndexMissingError
from embeddings.ingest.load import load_corpus
from embeddings.stores.faiss_folder import FORMAT_VERSION, load_index, writer_lock

from .conftest import CORPUS


@pytest.fixture(scope="module")
def docs():
    return load_corpus(CORPUS).documents


@pytest.mark.parametrize("size, overlap", [(200, 40), (120, 0), (64, 16)])
def test_offsets_round_trip_for_every_chunk(docs, options, size, overlap):
    count, max_tokens = token_counter(options.model)
    splitter = make_splitter(size, overlap, count)
    for doc in docs:
        chunks = chunk_document(doc, splitter)
        assert chunks, doc.doc_id
        covered = set()
        for c in chunks:
            assert doc.text[c.start : c.end] == c.text
            assert count(c.text) <= size + 8  # token sums of pieces are approximate, never far off
            assert count(c.embed_text) + ENCODER_OVERHEAD_TOKENS <= max_tokens
            assert c.title == doc.title and c.date == doc.date
            covered.update(range(c.start, c.end))
        # nothing but whitespace falls between chunks
        assert all(doc.text[i].isspace() for i in range(len(doc.text)) if i not in covered)


def test_chunk_ids_are_stable_and_unique(docs, options):
    count, _ = token_counter(options.model)
    first = [c.chunk_id for d in docs for c in chunk_document(d, make_splitter(200, 40, count))]
    second = [c.chunk_id for d in docs for c in chunk_document(d, make_splitter(200, 40, count))]
    assert first == second and len(set(first)) == len(first)


def test_incremental_build_embeds_only_the_changed_article(tmp_path, corpus_copy, fake_encoder, options):
    index_dir = tmp_path / "index"
    first = build_index(corpus_copy, index_dir, options, encoder=fake_encoder)
    assert len(first.added) == 5 and first.embedded == first.chunks > 0
    ids_before = [c.chunk_id for c in load_index(index_dir).chunks]

    again = build_index(corpus_copy, index_dir, options, encoder=fake_encoder)
    assert again.embedded == 0 and not again.written and len(again.unchanged) == 5
    assert [c.chunk_id for c in load_index(index_dir).chunks] == ids_before

    path = corpus_copy / "001_528bc86e38a8c041.txt"
    path.write_text(
        path.read_text(encoding="utf-8").replace("Quỳnh Trang", "Đoạn mới về Hải Phòng.\n\nQuỳnh Trang"), encoding="utf-8"
    )
    (corpus_copy / "004_9ddeaedd6e62409b.txt").unlink()
    fake_encoder.encoded.clear()
    changed = build_index(corpus_copy, index_dir, options, encoder=fake_encoder)
    assert changed.changed == ["001_528bc86e38a8c041"] and changed.removed == ["004_9ddeaedd6e62409b"]
    assert 1 <= changed.embedded <= 2 and all("Hải Phòng" in t for t in fake_encoder.encoded)
    index = load_index(index_dir)
    assert {c.doc_id for c in index.chunks} == {
        "000_a5e41cd1fa4addb6",
        "001_528bc86e38a8c041",
        "002_ec9a05d4f704e603",
        "003_fd758775aea649a6",
    }
    # unchanged articles keep their chunk ids and vectors
    kept = [c.chunk_id for c in index.chunks if c.doc_id == "000_a5e41cd1fa4addb6"]
    assert kept == [c for c in ids_before if c in set(kept)]


def test_a_cleaner_that_reads_a_file_differently_reindexes_it(tmp_path, corpus_copy, fake_encoder, options, monkeypatch):
    """Same file, new text (the cleaner now drops a caption): the article is chunked again, the rest is not."""
    import embeddings.ingest.load as load

    index_dir = tmp_path / "index"
    build_index(corpus_copy, index_dir, options, encoder=fake_encoder)
    cleaner = load.clean_lines
    monkeypatch.setattr(load, "clean_lines", lambda text: [x for x in cleaner(text) if "Đoàn công tác" not in x])
    again = build_index(corpus_copy, index_dir, options, encoder=fake_encoder)
    assert again.changed and len(again.changed) < 5 and len(again.changed) + len(again.unchanged) == 5
    assert all("Đoàn công tác" not in c.text for c in load_index(index_dir).chunks)


def test_manifest_mismatch_says_rebuild(tmp_path, corpus_copy, fake_encoder, options):
    index_dir = tmp_path / "index"
    build_index(corpus_copy, index_dir, options, encoder=fake_encoder)
    with pytest.raises(IndexCorruptError, match=r"qa index --rebuild"):
        load_index(index_dir, model="intfloat/some-other-model")
    manifest_path = next(index_dir.glob("v-*/manifest.json"))
    manifest = json.loads(manifest_path.read_text())
    manifest["format_version"] = 1
    manifest_path.write_text(json.dumps(manifest))
    with pytest.raises(IndexCorruptError, match="format version 1"):
        load_index(index_dir)


def test_missing_index_says_how_to_build(tmp_path):
    with pytest.raises(IndexMissingError, match="run `qa index`"):
        load_index(tmp_path / "nothing")


def test_manifest_content(tmp_path, corpus_copy, fake_encoder, options):
    build_index(corpus_copy, tmp_path, options, encoder=fake_encoder)
    index = load_index(tmp_path)
    m = index.manifest
    assert m["model"] == options.model and m["dim"] == 64 and m["normalized"] is True
    assert m["settings"]["chunk_tokens"] == options.chunk_tokens and m["format_version"] == FORMAT_VERSION == 2
    assert set(m["documents"]) == {p.stem for p in CORPUS.glob("*.txt")}
    assert np.allclose(np.linalg.norm(index.vectors, axis=1), 1.0, atol=1e-5)
    assert not list(tmp_path.rglob("*.pkl")) and not list(tmp_path.rglob("*.pickle"))


def test_empty_corpus_leaves_index_alone(tmp_path, corpus_copy, fake_encoder, options):
    build_index(corpus_copy, tmp_path / "index", options, encoder=fake_encoder)
    before = load_index(tmp_path / "index").version
    empty = tmp_path / "empty"
    empty.mkdir()
    with pytest.raises(CorpusError, match="no usable"):
        build_index(empty, tmp_path / "index", options, encoder=fake_encoder)
    assert load_index(tmp_path / "index").version == before


def test_second_writer_is_refused(tmp_path):
    with writer_lock(tmp_path), pytest.raises(IndexLockedError, match="wait for it"), writer_lock(tmp_path):
        pass


def test_rebuild_with_other_chunking_reuses_nothing_wrongly(tmp_path, corpus_copy, fake_encoder, options):
    build_index(corpus_copy, tmp_path, options, encoder=fake_encoder)
    small = BuildOptions(model=options.model, chunk_tokens=100, overlap_tokens=20)
    summary = build_index(corpus_copy, tmp_path, small, encoder=fake_encoder)
    index = load_index(tmp_path)
    assert summary.written and index.manifest["settings"]["chunk_tokens"] == 100
    # every vector equals a fresh encoding of its chunk
    fresh = fake_encoder.encode([c.embed_text for c in index.chunks], "passage")
    assert np.allclose(fresh, index.vectors, atol=1e-6)
