"""The chat app's upload folder: one fresh folder per run, removed when the app stops.

Gradio writes every uploaded file (and its multipart temporaries) under $GRADIO_TEMP_DIR. The app gives
it a folder of its own inside the base (the user's GRADIO_TEMP_DIR, else `<cache root>/uploads`: not the
shared /tmp/gradio, where another user's folder is not writable and uploads would silently fail), so that
stopping the app can delete exactly what this run wrote, and the base too when it is the app's own
(`<cache root>/uploads`, or a folder the run created) and nothing else is left in it. Uploaded articles live on in the corpus folder (copied there under safe names); nothing in the
upload folder is needed after the run. Not handled: a process killed with SIGKILL leaves its run folder
behind (the next run does not reuse it, and deleting `uploads/` by hand is always safe).
"""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path

ENV = "GRADIO_TEMP_DIR"


@dataclass(frozen=True, slots=True)
class UploadFolder:
    path: Path  # this run's folder, what GRADIO_TEMP_DIR points at while the app runs
    base: Path
    own_base: bool  # the app's default base, or one this run created: removed too when left empty
    previous_env: str | None  # GRADIO_TEMP_DIR before the run, restored on removal


def open_upload_folder(default_base: Path) -> UploadFolder:
    """Create this run's folder inside $GRADIO_TEMP_DIR (else `default_base`) and point GRADIO_TEMP_DIR at it."""
    previous = os.environ.get(ENV)
    base = Path(previous) if previous else default_base
    own_base = not previous or not base.exists()
    base.mkdir(parents=True, exist_ok=True)
    folder = UploadFolder(Path(tempfile.mkdtemp(prefix="run-", dir=base)), base, own_base, previous)
    os.environ[ENV] = str(folder.path)
    return folder


def remove_upload_folder(folder: UploadFolder) -> None:
    """Delete the run's folder (and its own base if nothing else is in it); restore GRADIO_TEMP_DIR."""
    shutil.rmtree(folder.path, ignore_errors=True)
    if folder.own_base:
        with contextlib.suppress(OSError):  # not empty: another running app still has its folder there
            folder.base.rmdir()
    if os.environ.get(ENV) == str(folder.path):
        if folder.previous_env is None:
            os.environ.pop(ENV, None)
        else:
            os.environ[ENV] = folder.previous_env
