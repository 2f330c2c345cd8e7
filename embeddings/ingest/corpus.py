"""Managing the corpus folder: add a file under a safe name, save downloaded bytes, remove an article.

Every addition is checked with the same reader the index uses before anything is written,
written atomically (a dot-file renamed into place), and never overwrites another article:
a taken name gets "-2", "-3", ...; identical bytes already present are reported, not copied.
The index is not touched here: callers run the incremental build afterwards.
"""

from __future__ import annotations

import os
import re
import unicodedata
import uuid
from pathlib import Path

from embeddings.errors import CorpusError

from .load import MAX_BINARY_BYTES, MAX_FILE_BYTES, SUFFIXES, article_from_bytes, corpus_files

MAX_NAME_CHARS = 100


def size_limit(suffix: str) -> int:
    """Largest accepted file for an extension, in bytes (the loader's limits)."""
    return MAX_BINARY_BYTES if suffix.lower() in (".pdf", ".docx") else MAX_FILE_BYTES


def safe_name(name: str, default_suffix: str = "") -> str:
    """A file name that cannot escape the corpus folder or hide: no directories, ASCII letters, digits, . _ - only.

    >>> safe_name("../../etc/Bài báo: Hà Nội?.PDF")
    'Bai_bao_Ha_Noi.pdf'
    """
    base = re.split(r"[/\\]", name)[-1]
    stem, dot, suffix = base.rpartition(".")
    if not dot:
        stem, suffix = base, default_suffix.lstrip(".")
    folded = unicodedata.normalize("NFKD", stem.replace("đ", "d").replace("Đ", "D")).encode("ascii", "ignore").decode()
    clean = re.sub(r"[^A-Za-z0-9._-]+", "_", folded)
    clean = re.sub(r"\.{2,}", ".", clean).strip("._-")[:MAX_NAME_CHARS].rstrip("._-") or "article"
    suffix = re.sub(r"[^a-z0-9]", "", suffix.lower())
    return f"{clean}.{suffix}" if suffix else clean


def _target(folder: Path, name: str, data: bytes) -> tuple[Path, bool]:
    """(where to save, already there): `name`, or `stem-2.ext`, ... when another file holds it; same bytes -> that file."""
    stem, dot, suffix = name.rpartition(".")
    stem, suffix = (stem, dot + suffix) if dot else (name, "")
    for n in range(1, 1000):
        path = folder / (name if n == 1 else f"{stem}-{n}{suffix}")
        if not path.exists():
            return path, False
        if path.is_file() and path.read_bytes() == data:
            return path, True
    raise CorpusError(f"{folder}: too many files named {name}; rename some")


def save_bytes(data: bytes, corpus_dir: Path, name: str) -> tuple[Path, bool]:
    """Write `data` as `corpus_dir/name` (or a free variant) atomically; (path, True) when identical bytes were there."""
    corpus_dir.mkdir(parents=True, exist_ok=True)
    path, exists = _target(corpus_dir, name, data)
    if exists:
        return path, True
    tmp = corpus_dir / f".{name}.{uuid.uuid4().hex[:8]}.part"  # a dot-file: never read as an article
    try:
        tmp.write_bytes(data)
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)
    return path, False


def add_file(source: Path, corpus_dir: Path, name: str | None = None) -> tuple[Path, bool]:
    """Copy an article file into the corpus under a safe version of `name` (default: its own name).

    Returns (path in the corpus, already there). Raises CorpusError naming the file when the
    extension is not supported, the file is too large, or the reader cannot use it.
    """
    shown = name or source.name
    final = safe_name(shown)
    suffix = Path(final).suffix.lower()
    if suffix not in SUFFIXES:
        raise CorpusError(f"{shown}: unsupported file type {suffix or '(none)'}; add {', '.join(SUFFIXES)} files")
    try:
        size = source.stat().st_size
    except OSError as exc:
        raise CorpusError(f"{shown}: cannot be read ({exc.strerror})") from None
    if size > size_limit(suffix):
        raise CorpusError(
            f"{shown}: {size / 1e6:.1f} MB is too large for an article (limit {size_limit(suffix) / 1e6:.0f} MB for {suffix} files)"
        )
    data = source.read_bytes()
    article_from_bytes(data, Path(final))  # the same checks as the index: fail before writing anything
    return save_bytes(data, corpus_dir, final)


def remove_article(doc_id: str, corpus_dir: Path) -> list[Path]:
    """Delete the file(s) of article `doc_id` (its file name without extension); returns what was deleted."""
    paths = [p for p in corpus_files(corpus_dir) if p.stem == doc_id]
    if not paths:
        raise CorpusError(f"no article {doc_id!r} in {corpus_dir}; list the articles to see their ids")
    for path in paths:
        path.unlink()
    return paths
