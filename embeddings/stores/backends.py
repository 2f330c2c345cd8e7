"""Open a store by its configuration: the FAISS folder, Qdrant Edge or a Qdrant server (the implementations of
embeddings.stores.interface).

Kept apart from the interface so that the implementations import the interface and this module imports
them, never the other way round. `--store qdrant` is Qdrant Edge unless `--store-url` is an http(s) URL.
"""

from __future__ import annotations

from .interface import StoreConfig, StoreWriter, VectorStore


def open_writer(config: StoreConfig, lock_wait_seconds: float = 0.0) -> StoreWriter:
    if config.server:
        from .qdrant_write import QdrantWriter

        return QdrantWriter(config)
    if config.kind == "qdrant":
        from .edge_write import EdgeWriter

        return EdgeWriter(config, lock_wait_seconds)
    from .faiss_store import FaissWriter

    return FaissWriter(config.index_dir, lock_wait_seconds)


def check_built(config: StoreConfig) -> None:
    """Raise IndexMissingError (or IndexCorruptError) unless `config` names a built index; loads nothing big."""
    if config.server:
        from .qdrant_store import check_built as check_server

        return check_server(config)
    if config.kind == "qdrant":
        from .edge_store import check_built as check_edge

        return check_edge(config)
    from .faiss_folder import read_manifest

    read_manifest(config.index_dir)


def open_store(config: StoreConfig, model: str | None = None) -> VectorStore:
    """Open the built index `config` names; raises IndexMissingError / IndexCorruptError (other model) with the fix."""
    if config.server:
        from .qdrant_store import QdrantStore

        return QdrantStore.open(config, model)
    if config.kind == "qdrant":
        from .edge_store import EdgeStore

        return EdgeStore.open(config, model)
    from .faiss_folder import load_index
    from .faiss_store import FaissStore

    return FaissStore(load_index(config.index_dir, model=model))
