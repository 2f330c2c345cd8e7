"""The Gradio chat app: a thin shell over qa (answers) and embeddings (index rebuilds).

`ChatService` holds the loaded index and does the work; `build_app` wires it to Gradio
components and events, and `launch` starts it on localhost unless told otherwise.
Conversations live in the browser (gr.BrowserState), so a reload keeps them, citations included.
"""

import json
import logging
import threading
import time
from datetime import UTC, date, datetime
from pathlib import Path

from embeddings.errors import QAError
from qa.answer import answer_question, answer_to_dict
from qa.retrieve import Filters, open_searcher
from qa.settings import Settings

from .i18n import VERDICTS, t
from .render import CSS, JS, answer_markdown, escape_text, index_markdown, sources_html

log = logging.getLogger(__name__)
EMPTY_STATE = {"messages": [], "turns": [], "queries": []}
EXAMPLES = {
    "vi": [
        "Hải Phòng kiến nghị gì với Trung ương?",
        "Đảng bộ thành phố Cần Thơ có bao nhiêu đảng viên?",
        "Quận ủy Ngũ Hành Sơn kết nạp bao nhiêu đảng viên mới?",
        "bi thu thanh uy tphcm noi gi ve phan cap",
    ],
    "en": [
        "What did Hai Phong propose to the Central Committee?",
        "How many party members does Can Tho have?",
        "Đảng bộ thành phố Cần Thơ có bao nhiêu đảng viên?",
    ],
}


class ChatService:
    """The app's state: one searcher (swapped after a rebuild), the settings and the feedback file."""

    def __init__(self, settings: Settings):
        self.settings = settings
        self.searcher = None
        self.error: str | None = None
        self._rebuild_lock = threading.Lock()
        self._feedback_lock = threading.Lock()
        self.reload()

    def reload(self) -> None:
        try:
            self.searcher = open_searcher(self.settings.index_dir, self.settings.model, store=self.settings.store_config())
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
        queries=(),
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
        try:
            answer = answer_question(
                question,
                searcher,
                int(k or s.k),
                list(queries),
                retriever or s.retriever,
                filters,
                s.fusion,
                s.dense_weight,
                lang,
                s.max_question_chars,
            )
            if s.llm_base_url:
                from qa.llm import generate_answer

                answer = generate_answer(answer, s.replace(lang=lang), searcher.encoder)
        except QAError as exc:
            return {"error": str(exc), "question": question}
        except ValueError as exc:
            return {"error": str(exc), "question": question}
        return {**answer_to_dict(answer), "index_version": searcher.index.version}

    def rebuild(self, progress=None) -> str:
        from embeddings.build import build_index

        if not self._rebuild_lock.acquire(blocking=False):
            raise QAError("an index update is already running")
        try:
            summary = build_index(
                self.settings.corpus_dir,
                self.settings.index_dir,
                self.settings.build_options(),
                progress=progress,
                store=self.settings.store_config(),
            )
        finally:
            self._rebuild_lock.release()
        self.reload()
        return "\n".join(summary.lines())

    def record_feedback(self, turn: dict, verdict: str, comment: str = "") -> None:
        """Append one JSON line: question, answer, citations, index version, verdict, comment."""
        if verdict not in VERDICTS:
            raise ValueError(f"unknown verdict {verdict!r}")
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


def _user_message(question: str) -> dict:
    return {"role": "user", "content": escape_text(question)}


def build_app(service: ChatService, lang: str = "vi"):
    import gradio as gr

    with gr.Blocks(title=t("title", lang)) as demo:
        state = gr.BrowserState(EMPTY_STATE, storage_key="qa-news-conversation")
        lang_state = gr.State(lang)
        header = gr.Markdown(f"## {t('title', lang)}\n{t('subtitle', lang)}")
        with gr.Row(equal_height=False):
            with gr.Column(scale=3):
                chatbot = gr.Chatbot(
                    label=t("title", lang),
                    height=520,
                    elem_id="chat",
                    sanitize_html=True,
                    feedback_options=("Like", "Dislike", t("wrong_citation", lang)),
                    layout="panel",
                )
                with gr.Row():
                    question = gr.Textbox(
                        label=t("question", lang), placeholder=t("placeholder", lang), scale=5, elem_id="question", max_lines=4
                    )
                    send = gr.Button(t("send", lang), variant="primary", scale=1, elem_id="send")
                with gr.Row():
                    new_chat = gr.Button(t("new_chat", lang), size="sm", elem_id="new-chat")
                    comment = gr.Textbox(label=t("feedback_comment", lang), scale=4, max_lines=2, elem_id="feedback-comment")
                feedback_status = gr.Markdown("", elem_id="feedback-status")
                gr.Examples(EXAMPLES.get(lang, EXAMPLES["vi"]), inputs=question, label=t("examples", lang))
            with gr.Column(scale=2):
                sources = gr.HTML(sources_html(None, lang), elem_id="sources")
                with gr.Accordion(t("settings", lang), open=False) as settings_box:
                    language = gr.Radio(
                        [("Tiếng Việt", "vi"), ("English", "en")], value=lang, label=t("language", lang), elem_id="language"
                    )
                    k = gr.Slider(1, 10, value=service.settings.k, step=1, label=t("k", lang))
                    retriever = gr.Radio(
                        ["hybrid", "dense", "bm25"], value=service.settings.retriever, label=t("retriever", lang)
                    )
                    doc_filter = gr.Dropdown(service.doc_choices(), multiselect=True, label=t("articles_filter", lang))
                    with gr.Row():
                        date_from = gr.Textbox(label=t("date_from", lang), max_lines=1)
                        date_to = gr.Textbox(label=t("date_to", lang), max_lines=1)
                    llm = gr.Markdown(f"**{t('llm_status', lang)}:** {escape_text(service.llm_status(lang))}")
                with gr.Accordion(t("index", lang), open=False) as index_box:
                    index_info = gr.Markdown(_index_info(service, lang), elem_id="index-info")
                    rebuild = gr.Button(t("rebuild", lang), size="sm", elem_id="rebuild")
                    rebuild_log = gr.Markdown("")

        def respond(text, conv, k_value, retriever_value, docs, d_from, d_to, ui_lang):
            conv = conv or dict(EMPTY_STATE)
            messages = list(conv.get("messages", []))
            text = text or ""
            messages.append(_user_message(text))
            yield messages + [{"role": "assistant", "content": t("searching", ui_lang)}], gr.update(), conv, ""
            try:
                filters = parse_filters(docs, d_from, d_to, ui_lang)
                turn = service.ask(text, conv.get("queries", []), k_value, retriever_value, filters, ui_lang)
            except QAError as exc:
                turn = {"error": str(exc), "question": text}
            reply = answer_markdown(turn, ui_lang)
            # stream the answer sentence by sentence: the reader starts before the whole text is laid out
            pieces = reply.split("</a> ")
            for i in range(1, len(pieces)):
                yield messages + [{"role": "assistant", "content": "</a> ".join(pieces[:i]) + "</a>"}], gr.update(), conv, ""
                time.sleep(0.03)
            messages.append({"role": "assistant", "content": reply})
            turns = [*conv.get("turns", []), turn]
            queries = (
                [*conv.get("queries", []), turn.get("query", text)] if not turn.get("error") else list(conv.get("queries", []))
            )
            new_conv = {"messages": messages, "turns": turns[-50:], "queries": queries[-10:]}
            yield messages, sources_html(turn, ui_lang), new_conv, ""

        inputs = [question, state, k, retriever, doc_filter, date_from, date_to, lang_state]
        outputs = [chatbot, sources, state, question]
        send.click(respond, inputs, outputs, api_visibility="private")
        question.submit(respond, inputs, outputs, api_visibility="private")

        def restore(conv, ui_lang):
            conv = conv or EMPTY_STATE
            turns = conv.get("turns", [])
            return conv.get("messages", []), sources_html(turns[-1] if turns else None, ui_lang)

        demo.load(restore, [state, lang_state], [chatbot, sources], api_visibility="private")

        def clear(ui_lang):
            return [], sources_html(None, ui_lang), dict(EMPTY_STATE), ""

        new_chat.click(clear, [lang_state], [chatbot, sources, state, feedback_status], api_visibility="private")

        def on_feedback(data: gr.LikeData, conv, note, ui_lang):
            """Thumbs up = helpful, thumbs down = not helpful, the flag menu = wrong citation."""
            messages = (conv or {}).get("messages", [])
            turns = (conv or {}).get("turns", [])
            index = data.index[0] if isinstance(data.index, (list, tuple)) else data.index
            answer_number = sum(1 for m in messages[: int(index) + 1] if m.get("role") == "assistant")
            if not 1 <= answer_number <= len(turns):
                return note, ""
            verdict = "helpful" if data.liked is True else "not_helpful" if data.liked is False else "wrong_citation"
            service.record_feedback(turns[answer_number - 1], verdict, note)
            return "", t("feedback_saved", ui_lang)

        chatbot.like(on_feedback, [state, comment, lang_state], [comment, feedback_status], api_visibility="private")

        def do_rebuild(ui_lang, progress=gr.Progress()):  # noqa: B008 - Gradio injects progress this way
            try:
                summary = service.rebuild(lambda fraction, message: progress(fraction, desc=message))
            except QAError as exc:
                return _index_info(service, ui_lang), f"⚠️ {escape_text(str(exc))}", gr.update()
            return (
                _index_info(service, ui_lang),
                f"**{t('rebuilt', ui_lang)}**\n\n```\n{summary}\n```",
                gr.update(choices=service.doc_choices()),
            )

        rebuild.click(do_rebuild, [lang_state], [index_info, rebuild_log, doc_filter], api_visibility="private")

        def switch_language(new_lang, conv):
            turns = (conv or {}).get("turns", [])
            return (
                new_lang,
                f"## {t('title', new_lang)}\n{t('subtitle', new_lang)}",
                gr.update(label=t("question", new_lang), placeholder=t("placeholder", new_lang)),
                gr.update(value=t("send", new_lang)),
                gr.update(value=t("new_chat", new_lang)),
                gr.update(label=t("feedback_comment", new_lang)),
                gr.update(label=t("settings", new_lang)),
                gr.update(label=t("k", new_lang)),
                gr.update(label=t("retriever", new_lang)),
                gr.update(label=t("articles_filter", new_lang)),
                gr.update(label=t("date_from", new_lang)),
                gr.update(label=t("date_to", new_lang)),
                f"**{t('llm_status', new_lang)}:** {escape_text(service.llm_status(new_lang))}",
                gr.update(label=t("index", new_lang)),
                _index_info(service, new_lang),
                gr.update(value=t("rebuild", new_lang)),
                sources_html(turns[-1] if turns else None, new_lang),
                gr.update(feedback_options=("Like", "Dislike", t("wrong_citation", new_lang))),
            )

        language.change(
            switch_language,
            [language, state],
            [
                lang_state,
                header,
                question,
                send,
                new_chat,
                comment,
                settings_box,
                k,
                retriever,
                doc_filter,
                date_from,
                date_to,
                llm,
                index_box,
                index_info,
                rebuild,
                sources,
                chatbot,
            ],
            api_visibility="private",
        )

        def ask_api(question: str, k: int = 5, retriever: str = "hybrid", lang: str = "vi") -> dict:
            """Answer a question from the articles: {"answer", "abstained", "citations", "hits", "query"} or {"error"}."""
            return service.ask(
                question,
                (),
                k,
                retriever if retriever in ("hybrid", "dense", "bm25") else None,
                None,
                lang if lang in ("vi", "en") else "vi",
            )

        def search_api(question: str, k: int = 5, retriever: str = "hybrid") -> dict:
            """Ranked passages for a question: {"query", "hits"} or {"error"}."""
            from qa.answer import clean_question, hit_to_dict

            if service.searcher is None:
                return {"error": service.error}
            try:
                text = clean_question(question, service.settings.max_question_chars)
                result = service.searcher.search(
                    text, max(1, min(int(k), 50)), retriever if retriever in ("hybrid", "dense", "bm25") else "hybrid"
                )
            except (QAError, ValueError) as exc:
                return {"error": str(exc)}
            return {"query": result.query, "hits": [hit_to_dict(h) for h in result.hits]}

        gr.api(ask_api, api_name="ask")
        gr.api(search_api, api_name="search")
    return demo


def _index_info(service: ChatService, lang: str) -> str:
    searcher = service.searcher
    return index_markdown(
        searcher.index.manifest if searcher else None, searcher.index.version if searcher else "", service.error, lang
    )


def launch(settings: Settings, auth: tuple[str, str] | None = None, block: bool = True):
    """Start the app on settings.host:settings.port; returns (demo, url)."""
    service = ChatService(settings)
    demo = build_app(service, settings.lang)
    demo.queue(default_concurrency_limit=8)
    _, url, _ = demo.launch(
        server_name=settings.host,
        server_port=settings.port,
        auth=auth,
        prevent_thread_lock=not block,
        quiet=True,
        css=CSS,
        js=JS,
        footer_links=["api"],
        show_error=False,
        ssr_mode=False,
    )
    return demo, url
