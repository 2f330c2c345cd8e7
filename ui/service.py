"""The chat app's state and work, without any Gradio: one searcher (swapped after a rebuild), settings, feedback.

`ChatService` is what the Gradio layout (ui.app) and its API endpoints call; tests drive it directly.
"""

from __future__ import annotations

import json
import threading
from datetime import UTC, date, datetime
from pathlib import Path

from embeddings.errors import QAError
from qa.answering.answer import answer_question, answer_to_dict, clean_question, hit_to_dict
from qa.answering.answerability import load_model
from qa.messages import t
from qa.params import RETRIEVERS
from qa.retrieval.searcher import Filters, open_searcher
from qa.settings import Settings

VERDICTS = ("helpful", "not_helpful", "wrong_citation")
LANGS = ("vi", "en")
MAX_API_K = 50


class ChatService:
    """The app's state: one searcher (swapped after a rebuild), the settings and the feedback file."""

    def __init__(self, settings: Settings):
        self.settings = settings
        self.searcher = None
        self.error: str | None = None
        self.model = load_model(settings.answer_model)  # a broken model file is a start-up error, not a per-question one
        self._rebuild_lock = threading.Lock()
        self._feedback_lock = threading.Lock()
        self.reload()

    def reload(self) -> None:
        try:
            self.searcher = open_searcher(
                self.settings.index_dir,
                self.settings.model,
                self.settings.retrieval,
                query_encoder=self.settings.query_encoder,
                store=self.settings.store_config(),
            )
            self.error = None
        except QAError as exc:
            self.searcher, self.error = None, str(exc)

    def doc_choices(self) -> list[tuple[str, str]]:
        if not self.searcher:
            return []
        docs = sorted(self.searcher.index.documents.values(), key=lambda d: d.date or "", reverse=True)
        return [(f"{d.title[:70]} ({d.date or '?'})", d.doc_id) for d in docs]

    def ask(
        self,
        question: str,
        *,
        history=(),
        k: int | None = None,
        retriever: str | None = None,
        filters: Filters | None = None,
        lang: str = "vi",
    ) -> dict:
        """Answer as a plain dict (answer_to_dict shape), or {"error": message}; never raises for user input."""
        searcher = self.searcher
        if searcher is None:
            return {"error": self.error or t("no_index", lang), "question": question}
        s = self.settings
        lang = lang if lang in LANGS else "vi"
        try:
            answer = answer_question(
                question,
                searcher,
                k=max(1, min(int(k or s.k), MAX_API_K)),
                history=list(history),
                retriever=retriever if retriever in RETRIEVERS else s.retriever,
                filters=filters,
                lang=lang,
                max_chars=s.max_question_chars,
                params=s.answer,
                model=self.model,
            )
            if s.llm_base_url:
                from qa.answering.llm import generate_answer

                answer = generate_answer(answer, s.replace(lang=lang), searcher.encoder)
        except QAError as exc:
            return {"error": str(exc), "question": question}
        return {**answer_to_dict(answer), "index_version": searcher.index.version}

    def search(self, question: str, k: int = 5, retriever: str = "hybrid") -> dict:
        """Ranked passages: {"query", "hits"} or {"error"}."""
        if self.searcher is None:
            return {"error": self.error}
        try:
            text = clean_question(question, self.settings.max_question_chars)
            result = self.searcher.search(
                text, max(1, min(int(k), MAX_API_K)), retriever if retriever in RETRIEVERS else self.settings.retriever
            )
        except QAError as exc:
            return {"error": str(exc)}
        return {"query": result.query, "hits": [hit_to_dict(h) for h in result.hits]}

    def rebuild(self, progress=None):
        """Run the incremental build and swap the searcher; returns the embeddings.build.BuildSummary."""
        from embeddings.build import build_index

        if not self._rebuild_lock.acquire(blocking=False):
            raise QAError("an index update is already running")
        try:
            summary = build_index(
                self.settings.corpus_dir,
                self.settings.index_dir,
                self.settings.build,
                progress=progress,
                store=self.settings.store_config(),
            )
        finally:
            self._rebuild_lock.release()
        self.reload()
        return summary

    def record_feedback(self, turn: dict, verdict: str, comment: str = "") -> None:
        """Append one JSON line: question, answer, citations, index version, verdict, comment."""
        if verdict not in VERDICTS:
            raise ValueError(f"unknown verdict {verdict!r}")  # a programming error: the UI only sends VERDICTS
        row = {
            "time": datetime.now(UTC).isoformat(timespec="seconds"),
            "question": turn.get("question", ""),
            "query": turn.get("query", ""),
            "answer": turn.get("answer", ""),
            "abstained": turn.get("abstained"),
            "citations": turn.get("citations", []),
            "index_version": turn.get("index_version"),
            "verdict": verdict,
            "comment": (comment or "").strip()[:2000],
        }
        path = Path(self.settings.feedback_file)
        path.parent.mkdir(parents=True, exist_ok=True)
        with self._feedback_lock, path.open("a", encoding="utf-8") as fh:
            fh.write(json.dumps(row, ensure_ascii=False) + "\n")

    def llm_status(self, lang: str) -> str:
        s = self.settings
        return t("llm_on", lang, model=s.llm_model, url=s.llm_base_url) if s.llm_base_url else t("llm_off", lang)


def parse_filters(doc_ids, date_from: str, date_to: str, lang: str) -> Filters | None:
    """UI filter inputs -> Filters; a bad date raises QAError with the expected format."""
    for value in (date_from, date_to):
        if value and value.strip():
            try:
                date.fromisoformat(value.strip())
            except ValueError:
                raise QAError(t("bad_date", lang, value=value.strip())) from None
    if not (doc_ids or (date_from or "").strip() or (date_to or "").strip()):
        return None
    return Filters(tuple(doc_ids or ()), (), (date_from or "").strip() or None, (date_to or "").strip() or None)
