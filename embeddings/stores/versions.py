"""Versioned folders behind an atomic `CURRENT` pointer, and the writer lock: how a store's folder changes safely.

Layout of a store root (the FAISS folder, or the Qdrant Edge root `qdrant-edge/`)::

    root/
      CURRENT              name of the live version (replaced atomically: the commit point)
      .lock                held by the one process writing
      tmp-1a2b3c4d/        a build in progress (deleted by the next build if it crashed)
      v-20261123T101500-1a2b/   a finished version: whatever files the store writes, never changed again

A build writes a `tmp-` folder (`new_version_dir`), then `commit_version` fsyncs it, renames it to a
`v-` name and only then swaps `CURRENT`, so a crash at any point leaves the previous version live.
Readers open the version `CURRENT` names and never see a half-written one.

Imports nothing from the project but `embeddings.errors`; what goes inside a version is the store's business
(embeddings.stores.faiss_folder, embeddings.stores.edge_write).
"""

from __future__ import annotations

import errno
import fcntl
import json
import os
import shutil
import time
import uuid
from collections.abc import Iterable
from contextlib import contextmanager
from pathlib import Path

from embeddings.errors import IndexCorruptError, IndexLockedError


def current_version(root: Path, fix: str = "run `qa index --rebuild`") -> Path | None:
    """The live version folder, or None when nothing was ever committed; IndexCorruptError for a damaged pointer."""
    pointer = root / "CURRENT"
    if not pointer.exists():
        return None
    name = pointer.read_text().strip()
    if not name.startswith("v-") or "/" in name:
        raise IndexCorruptError(f"{pointer} is damaged (it does not name an index version); {fix}")
    return root / name


def read_version_manifest(root: Path, version: Path, expected_format: int, fix: str) -> dict:
    """The manifest of `version` (a version folder of `root`), checked to be of `expected_format`; IndexCorruptError
    naming the file and `fix` when it is missing, damaged or of another format."""
    path = version / "manifest.json"
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise IndexCorruptError(f"{path} is missing; {fix}") from None
    except (ValueError, UnicodeDecodeError):
        raise IndexCorruptError(f"{path} is damaged (not valid JSON); {fix}") from None
    if not isinstance(manifest, dict) or manifest.get("format_version") != expected_format:
        found = manifest.get("format_version") if isinstance(manifest, dict) else None
        raise IndexCorruptError(f"{root} was built by format version {found}, this program reads {expected_format}; {fix}")
    return manifest


def new_version_dir(root: Path) -> Path:
    """A fresh `tmp-` folder in `root` to write a version into (it becomes live only through `commit_version`)."""
    root.mkdir(parents=True, exist_ok=True)
    tmp = root / f"tmp-{uuid.uuid4().hex[:8]}"
    tmp.mkdir()
    return tmp


def fsync_tree(folder: Path) -> None:
    for path in folder.rglob("*"):
        if path.is_file():
            with path.open("rb") as fh:
                os.fsync(fh.fileno())


def commit_version(root: Path, tmp: Path, keep: int = 2) -> Path:
    """Make the finished folder `tmp` the live version: fsync, rename to `v-<time>-<id>`, swap CURRENT, prune.

    Returns the version folder. On failure before the swap, the previous version stays live.
    """
    fsync_tree(tmp)
    version = root / f"v-{time.strftime('%Y%m%dT%H%M%S')}-{uuid.uuid4().hex[:6]}"
    os.replace(tmp, version)
    pointer_tmp = root / f"CURRENT.{uuid.uuid4().hex[:6]}"
    pointer_tmp.write_text(version.name + "\n")
    with pointer_tmp.open("rb") as fh:
        os.fsync(fh.fileno())
    os.replace(pointer_tmp, root / "CURRENT")  # the commit point
    prune_versions(root, keep)
    return version


def prune_versions(root: Path, keep: int = 2) -> None:
    """Delete abandoned temp folders and all but the newest `keep` versions (the live one always stays).

    subtle: the previous version is kept so that a reader that opened it just before the switch still finds its files.
    """
    live = current_version(root)
    for tmp in root.glob("tmp-*"):
        shutil.rmtree(tmp, ignore_errors=True)
    for stray in root.glob("CURRENT.*"):
        stray.unlink(missing_ok=True)
    versions = sorted(root.glob("v-*"), key=lambda p: p.name, reverse=True)
    for old in versions[keep:]:
        if old != live:
            shutil.rmtree(old, ignore_errors=True)


@contextmanager
def writer_lock(root: Path, wait_seconds: float = 0.0):
    """Hold the root's writer lock; a second writer waits up to `wait_seconds`, then gets IndexLockedError."""
    root.mkdir(parents=True, exist_ok=True)
    path = root / ".lock"
    fh = path.open("a+")
    deadline = time.monotonic() + wait_seconds
    try:
        while True:
            try:
                fcntl.flock(fh.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except OSError as exc:
                if exc.errno not in (errno.EAGAIN, errno.EACCES):
                    raise
                if time.monotonic() >= deadline:
                    fh.seek(0)
                    holder = fh.read().strip() or "?"
                    raise IndexLockedError(
                        f"another `qa index` (pid {holder}) is updating {root}; wait for it to finish and try again"
                    ) from None
                time.sleep(0.2)
        fh.seek(0)
        fh.truncate()
        fh.write(str(os.getpid()))
        fh.flush()
        yield
    finally:
        fh.close()  # closing releases the flock, also when the process is killed


def write_jsonl(path: Path, rows: Iterable[dict]) -> None:
    with path.open("w", encoding="utf-8") as fh:
        for row in rows:
            fh.write(json.dumps(row, ensure_ascii=False) + "\n")


def read_jsonl(path: Path, cls):
    """One `cls(**row)` per non-empty line of a JSON Lines file."""
    with path.open(encoding="utf-8") as fh:
        return [cls(**json.loads(line)) for line in fh if line.strip()]
