"""`qa chat`: the UI's subcommand, registered through the `qa.commands` entry point (qa never imports ui)."""

from __future__ import annotations

import signal
import sys
from pathlib import Path

from qa.cli.common import settings_from
from qa.cli.main import cmd_index

LOCAL_HOSTS = ("127.0.0.1", "localhost", "::1")


def cmd_chat(args) -> int:
    from embeddings.errors import IndexMissingError
    from embeddings.stores.backends import check_built

    settings = settings_from(args)
    auth = settings.auth_pair()  # checked before any work: a bad --auth fails at once
    try:
        check_built(settings.store_config())
    except IndexMissingError:
        print(f"no index in {settings.index_dir} yet: building it from {settings.corpus_dir} (one time)")
        cmd_index(args)
    if settings.host not in LOCAL_HOSTS and auth is None:
        print(
            f"warning: the chat is reachable from other machines on {settings.host} without a password; add --auth USER:PASSWORD",
            file=sys.stderr,
        )
    from .app import launch

    previous = signal.signal(signal.SIGTERM, _stop)  # `kill`, service managers and tests stop it as Ctrl+C does
    try:
        demo, url = launch(settings, auth, block=False)
        print(f"chat ready: {url}  (Ctrl+C to stop)", flush=True)
        try:
            demo.block_thread()  # returns on Ctrl+C (or SIGTERM) after closing the server
        except KeyboardInterrupt:
            demo.close()
    finally:
        signal.signal(signal.SIGTERM, previous)
    return 0


def _stop(signum, frame) -> None:
    """SIGTERM handler: stop like Ctrl+C, so the server closes and the exit handlers (upload folder) run."""
    raise KeyboardInterrupt


def register(add) -> None:
    p = add(
        "chat",
        "Start the chat UI in the browser (builds the index first if there is none).",
        "qa chat                       # http://127.0.0.1:7860\n  qa chat --port 8000 --lang en",
    )
    p.add_argument("--host", default=None, help="address to bind (default 127.0.0.1: this machine only)")
    p.add_argument("--port", type=int, default=None, help="port (default 7860)")
    p.add_argument("--lang", choices=["vi", "en"], default=None, help="UI language (default vi)")
    p.add_argument("--corpus", type=Path, help="corpus folder used to build or update the index")
    p.add_argument("--auth", help="require USER:PASSWORD (or set QA_AUTH); recommended with --host 0.0.0.0")
    p.set_defaults(func=cmd_chat, rebuild=False, wait=0.0)  # what cmd_index reads when chat builds a missing index
