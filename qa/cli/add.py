"""`qa add URL... [FILE...]`: put web pages and article files into the corpus, then update the index.

Each item is added or refused on its own (the message names it and says why); the good ones
are indexed by one incremental build. Exit code 0 when everything was added, 1 when some
items were refused, 2 when nothing could be done (the CLI's usual error path).
"""

from __future__ import annotations

import argparse
from pathlib import Path

from embeddings.errors import CorpusError

EXAMPLE = (
    "qa add https://vnexpress.net/some-article-4951234.html\n  qa add saved/page.html report.pdf notes.docx --corpus corpus/"
)


def is_url(item: str) -> bool:
    return item.startswith(("http://", "https://"))


def add_items(items: list[str], corpus_dir: Path, ssrf_protection: bool = True) -> tuple[list[str], list[str]]:
    """Add each URL or file to `corpus_dir`: (lines saying what was added, error messages)."""
    from embeddings.ingest.corpus import add_file
    from embeddings.ingest.fetch import fetch_article

    added, errors = [], []
    for item in items:
        try:
            if is_url(item):
                path = fetch_article(item, corpus_dir, ssrf_protection=ssrf_protection)
                added.append(f"added {item} -> {path}")
            else:
                path, existed = add_file(Path(item), corpus_dir)
                added.append(f"{'already in the corpus' if existed else 'added'} {item} -> {path}")
        except CorpusError as exc:
            errors.append(str(exc))
    return added, errors


def cmd_add(args) -> int:
    from embeddings.build import build_index

    from .common import make_progress, settings_from

    settings = settings_from(args)
    added, errors = add_items(args.items, settings.corpus_dir)
    for line in added:
        print(line)
    for message in errors:
        print(f"error: {message}")
    if not added:
        raise CorpusError("nothing was added; the corpus and the index are unchanged")
    progress, close = make_progress(args, desc="qa add")
    try:
        summary = build_index(
            settings.corpus_dir, settings.index_dir, settings.build, progress=progress, lock_wait_seconds=args.wait
        )
    finally:
        close()
    for line in summary.lines():
        print(line)
    return 1 if errors else 0


def register(add) -> argparse.ArgumentParser:
    """Add the `add` subcommand through the CLI's `add(name, help, example)` helper (which adds the common flags)."""
    p: argparse.ArgumentParser = add("add", "Add web pages (URLs) or article files to the corpus and update the index.", EXAMPLE)
    p.add_argument("items", nargs="+", metavar="URL_OR_FILE", help="http(s) URLs and .txt .md .html .htm .pdf .docx files")
    p.add_argument("--corpus", type=Path, help="corpus folder to add to (default: corpus/, or $QA_CORPUS_DIR)")
    p.add_argument("--wait", type=float, default=60.0, help="seconds to wait if another `qa index` holds the lock (default 60)")
    p.set_defaults(func=cmd_add)
    return p
