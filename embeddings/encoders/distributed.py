"""`RayEncoder`: the one-method `Encoder` interface, run with Ray Data across a cluster's CPUs.

One model per actor (`map_batches` with an `ActorPoolStrategy`), rows tagged with their position
so the vectors come back in input order. The build hands it only the passages that need embedding,
in large batches (`preferred_batch`), and writes the vectors to the store itself: workers never
touch the index. Without an address it starts a local cluster (tests; on 2 cores it is no faster
than one process, its value is across machines). With an address it first checks that the head
answers, so a wrong address is a clear error before anything is embedded or written.

A cluster started with `ray start --head` (Ray >= 2.59) requires its token, which a driver joining it by address
does not send unless RAY_AUTH_MODE=token: where a token is at hand (RAY_AUTH_TOKEN, RAY_AUTH_TOKEN_PATH or
~/.ray/auth_token, which `ray start` writes) the encoder turns that mode on; a token-mode driver joins a cluster
without authentication too (checked with Ray 2.60).

Not here: retries. Ray Data re-runs the tasks of a killed actor; rows keep their position tag, so
nothing is lost or duplicated in the returned matrix.
"""

from __future__ import annotations

import logging
import os
import socket
from collections.abc import Mapping, Sequence
from pathlib import Path

import numpy as np

from embeddings.errors import StoreUnavailableError

from .encode import Kind

RAY_BATCH = 64  # texts per map_batches call
LOCAL_CPUS = 2


def check_reachable(address: str, timeout: float = 5.0) -> None:
    """Raise StoreUnavailableError unless the Ray head at `address` ('host:port' or 'ray://host:port') accepts a connection."""
    if address == "auto":
        return
    hostport = address.split("://", 1)[-1]
    host, sep, port = hostport.rpartition(":")
    if not sep or not port.isdigit():
        raise StoreUnavailableError(f"Ray address {address!r} must look like host:port or ray://host:port (--ray / RAY_ADDRESS)")
    try:
        with socket.create_connection((host, int(port)), timeout=timeout):
            pass
    except OSError as exc:
        raise StoreUnavailableError(
            f"cannot reach the Ray cluster at {address} ({exc.strerror or exc}); start it (`ray start --head`) "
            "or fix --ray / RAY_ADDRESS; nothing was embedded or written"
        ) from None


def auth_mode(address: str | None, environ: Mapping[str, str], home: Path) -> str | None:
    """The RAY_AUTH_MODE to join `address` with: "token" when a token is at hand and the mode is not set, else None
    (keep the environment's; a local cluster started here makes its own token).

    >>> auth_mode("head:6379", {"RAY_AUTH_TOKEN": "abc"}, Path("/nonexistent"))
    'token'
    >>> auth_mode("head:6379", {"RAY_AUTH_MODE": "disabled", "RAY_AUTH_TOKEN": "abc"}, Path("/nonexistent")) is None
    True
    """
    if not address or environ.get("RAY_AUTH_MODE"):
        return None
    has_token = environ.get("RAY_AUTH_TOKEN") or environ.get("RAY_AUTH_TOKEN_PATH") or (home / ".ray" / "auth_token").is_file()
    return "token" if has_token else None


class _Embed:
    """A Ray Data actor: loads the model once, encodes batches of {'i', 'text'} rows."""

    def __init__(self, model: str, kind: str, batch_size: int):
        from .encode import load_encoder

        self.encoder = load_encoder(model, batch_size=batch_size, threads=1)
        self.kind = kind

    def __call__(self, batch: dict) -> dict:
        vectors = self.encoder.encode([str(t) for t in batch["text"]], self.kind)
        return {"i": np.asarray(batch["i"]), "vector": vectors}


class RayEncoder:
    """Encoder over a Ray cluster: `address` None starts a local one with LOCAL_CPUS CPUs."""

    preferred_batch = 20_000  # one Ray Data job per 20k passages: progress without per-job overhead dominating

    def __init__(self, model: str, address: str | None = None, workers: int = 2, batch_size: int = 16):
        self.name = model
        self.address = address
        self.workers = workers
        self.batch_size = batch_size
        self.dim = 0
        self._started = False
        if address:
            check_reachable(address)

    def _start(self) -> None:
        os.environ.setdefault("RAY_USAGE_STATS_ENABLED", "0")
        mode = auth_mode(self.address, os.environ, Path.home())
        if mode is not None:  # subtle: read when Ray is imported, so set before
            os.environ["RAY_AUTH_MODE"] = mode
        try:
            import ray
        except ImportError:
            raise StoreUnavailableError(
                "--ray needs Ray Data, an optional part: pip install 'qa-news[distributed]' (or 'ray[data]>=2.60')"
            ) from None

        if ray.is_initialized():
            self._started = True
            return
        # the package travels with the job, so workers import this code even where it is not installed
        runtime_env = {"py_modules": [str(Path(__file__).resolve().parents[1])]}
        try:
            if self.address:
                ray.init(address=self.address, runtime_env=runtime_env, log_to_driver=False)
            else:
                ray.init(
                    num_cpus=LOCAL_CPUS,
                    include_dashboard=False,
                    log_to_driver=False,
                    object_store_memory=256 * 1024 * 1024,
                    runtime_env=runtime_env,
                )
        except ConnectionError as exc:
            hint = (
                ""
                if os.environ.get("RAY_AUTH_MODE")
                else "; if it asks for a token, set RAY_AUTH_TOKEN (`ray get-auth-token` on the head)"
            )
            raise StoreUnavailableError(
                f"cannot join the Ray cluster at {self.address} ({exc}){hint}; nothing was written"
            ) from None
        self._started = True

    def encode(self, texts: Sequence[str], kind: Kind) -> np.ndarray:
        """(len(texts), dim) float32, L2-normalized, in input order."""
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        if not self._started:
            self._start()
        import ray

        ray.data.DataContext.get_current().enable_progress_bars = False
        logging.getLogger("ray.data").setLevel(logging.WARNING)  # the library never prints: no per-job progress reports
        rows = [{"i": i, "text": t} for i, t in enumerate(texts)]
        dataset = ray.data.from_items(rows).map_batches(
            _Embed,
            fn_constructor_kwargs={"model": self.name, "kind": kind, "batch_size": self.batch_size},
            compute=ray.data.ActorPoolStrategy(size=self.workers),
            batch_size=RAY_BATCH,
            num_cpus=1,
        )
        order, parts = [], []
        for batch in dataset.iter_batches(batch_format="numpy", batch_size=None):
            order.append(batch["i"])
            parts.append(batch["vector"])
        positions = np.concatenate(order)
        vectors = np.concatenate(parts).astype(np.float32)
        if sorted(positions.tolist()) != list(range(len(texts))):
            raise RuntimeError(f"Ray returned {len(positions)} vectors for {len(texts)} passages")  # lost or duplicated rows
        out = np.empty_like(vectors)
        out[positions] = vectors
        self.dim = out.shape[1]
        return out

    def close(self) -> None:
        """Shut down the local cluster this encoder started (a remote cluster is only disconnected)."""
        if self._started:
            import ray

            ray.shutdown()
            self._started = False
