"""Stores: where passages, vectors and BM25 live. The store interface (`interface`), versioned folders behind an
atomic CURRENT (`versions`), the FAISS folder (`faiss_folder` on disk, `faiss_write` writing it batch by batch, `chunk_table` its passages, `faiss_store` as a store), Qdrant Edge
in-process (`edge_store`, `edge_write`, `edge_points`) and a Qdrant server (`qdrant_store`, `qdrant_write`), the two Qdrant
stores sharing one point schema (`qdrant_schema`) and the memo of their last searches (`last_search`); the sentence vectors a FAISS or Edge version keeps
(`sentence_table`); `backends` opens one; `vector_source` reads another FAISS folder's or
Edge shard's vectors for a build (`qa index --from-index`).

May import: `embeddings.types`, `embeddings.errors`, `embeddings.lexical`; faiss, qdrant_edge and qdrant-client inside functions.
Must not import: `embeddings.ingest`, `embeddings.encoders`, `embeddings.build`, `qa`, `ui` (vectors arrive as arrays).
"""

from .backends import check_built, open_store, open_writer
from .interface import FilterLike, SentenceVectors, StoreConfig, StoreWriter, VectorStore, WritePlan, embed_key

__all__ = [
    "FilterLike",
    "SentenceVectors",
    "StoreConfig",
    "StoreWriter",
    "VectorStore",
    "WritePlan",
    "check_built",
    "embed_key",
    "open_store",
    "open_writer",
]
