"""The Gradio chat app: layout and events only; the work is done by ui.service.ChatService.

`build_app` lays out the components (`_layout`) and wires each group of events in its own function.
Conversations live in the browser (gr.BrowserState), so a reload keeps them, citations included.
`launch` starts the app on localhost unless told otherwise.
No `from __future__ import annotations` here: Gradio reads the event handlers' annotations (gr.LikeData)
as real types to decide what to inject.
"""

import atexit
import time
from types import SimpleNamespace

from embeddings.encoders.convert import cache_root
from embeddings.errors import QAError
from qa.messages import t
from qa.params import RETRIEVERS
from qa.settings import Settings

from .articles import passage_counts, selection_note
from .articles_panel import MAX_UPLOAD_BYTES, articles_panel, escaped, table_update
from .build_report import build_lines
from .render import CSS, JS, answer_steps, escape_text, index_markdown, sources_html
from .service import ChatService, parse_filters
from .uploads import open_upload_folder, remove_upload_folder

EMPTY_STATE = {"messages": [], "turns": [], "queries": []}
STREAM_PAUSE_SECONDS = 0.03  # between streamed sentence groups: visible progress, no real delay
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


def _header(lang: str) -> str:
    return f"## {t('title', lang)}\n{t('subtitle', lang)}"


def _llm_line(service: ChatService, lang: str) -> str:
    return f"**{t('llm_status', lang)}:** {escape_text(service.llm_status(lang))}"


def _feedback_options(lang: str) -> tuple[str, str, str]:
    return ("Like", "Dislike", t("wrong_citation", lang))


def _index_info(service: ChatService, lang: str) -> str:
    searcher = service.searcher
    return index_markdown(
        searcher.index.manifest if searcher else None,
        searcher.index.version if searcher else "",
        service.error,
        lang,
        getattr(searcher.encoder, "engine", "") if searcher else "",
    )


def _layout(gr, service: ChatService, lang: str) -> SimpleNamespace:
    """Create every component (inside the current Blocks) and return them by name."""
    ui = SimpleNamespace()
    ui.state = gr.BrowserState(EMPTY_STATE, storage_key="qa-news-conversation")
    ui.lang = gr.State(lang)
    ui.header = gr.Markdown(_header(lang))
    with gr.Row(equal_height=False):
        with gr.Column(scale=3):
            ui.chatbot = gr.Chatbot(
                label=t("title", lang),
                height=520,
                elem_id="chat",
                sanitize_html=True,
                feedback_options=_feedback_options(lang),
                layout="panel",
            )
            with gr.Row():
                ui.question = gr.Textbox(
                    label=t("question", lang), placeholder=t("placeholder", lang), scale=5, elem_id="question", max_lines=4
                )
                ui.send = gr.Button(t("send", lang), variant="primary", scale=1, elem_id="send")
            with gr.Row():
                ui.new_chat = gr.Button(t("new_chat", lang), size="sm", elem_id="new-chat")
                ui.comment = gr.Textbox(label=t("feedback_comment", lang), scale=4, max_lines=2, elem_id="feedback-comment")
            ui.feedback_status = gr.Markdown("", elem_id="feedback-status")
            gr.Examples(EXAMPLES.get(lang, EXAMPLES["vi"]), inputs=ui.question, label=t("examples", lang))
        with gr.Column(scale=2):
            ui.sources = gr.HTML(sources_html(None, lang), elem_id="sources")
            with gr.Accordion(t("settings", lang), open=False) as ui.settings_box:
                ui.language = gr.Radio(
                    [("Tiếng Việt", "vi"), ("English", "en")], value=lang, label=t("language", lang), elem_id="language"
                )
                ui.k = gr.Slider(1, 10, value=service.settings.k, step=1, label=t("k", lang))
                ui.retriever = gr.Radio(list(RETRIEVERS), value=service.settings.retriever, label=t("retriever", lang))
                ui.doc_filter = gr.Dropdown(service.doc_choices(), multiselect=True, label=t("articles_filter", lang))
                with gr.Row():
                    ui.date_from = gr.Textbox(label=t("date_from", lang), max_lines=1)
                    ui.date_to = gr.Textbox(label=t("date_to", lang), max_lines=1)
                ui.llm = gr.Markdown(_llm_line(service, lang))
            ui.articles = articles_panel(service, lang, ui.lang)
            with gr.Accordion(t("index", lang), open=False) as ui.index_box:
                ui.index_info = gr.Markdown(_index_info(service, lang), elem_id="index-info")
                ui.rebuild = gr.Button(t("rebuild", lang), size="sm", elem_id="rebuild")
                ui.rebuild_log = gr.Markdown("")
    return ui


def _wire_chat(gr, ui: SimpleNamespace, service: ChatService) -> None:
    def respond(text, conv, k_value, retriever_value, docs, d_from, d_to, ui_lang):
        conv = conv or dict(EMPTY_STATE)
        messages = [*conv.get("messages", []), {"role": "user", "content": escape_text(text or "")}]
        yield messages + [{"role": "assistant", "content": t("searching", ui_lang)}], gr.update(), conv, ""
        try:
            filters = parse_filters(docs, d_from, d_to, ui_lang)
            turn = service.ask(
                text or "", history=conv.get("queries", []), k=k_value, retriever=retriever_value, filters=filters, lang=ui_lang
            )
        except QAError as exc:
            turn = {"error": str(exc), "question": text}
        *partial, reply = answer_steps(turn, ui_lang)
        for step in partial:  # the reader starts before the whole answer is laid out
            yield messages + [{"role": "assistant", "content": step}], gr.update(), conv, ""
            time.sleep(STREAM_PAUSE_SECONDS)
        messages.append({"role": "assistant", "content": reply})
        queries = list(conv.get("queries", []))
        if not turn.get("error"):
            queries.append(turn.get("query", text))
        new_conv = {"messages": messages, "turns": [*conv.get("turns", []), turn][-50:], "queries": queries[-10:]}
        yield messages, sources_html(turn, ui_lang), new_conv, ""

    inputs = [ui.question, ui.state, ui.k, ui.retriever, ui.doc_filter, ui.date_from, ui.date_to, ui.lang]
    outputs = [ui.chatbot, ui.sources, ui.state, ui.question]
    ui.send.click(respond, inputs, outputs, api_visibility="private")
    ui.question.submit(respond, inputs, outputs, api_visibility="private")

    def restore(conv, ui_lang):
        turns = (conv or EMPTY_STATE).get("turns", [])
        return (conv or EMPTY_STATE).get("messages", []), sources_html(turns[-1] if turns else None, ui_lang)

    def clear(ui_lang):
        return [], sources_html(None, ui_lang), dict(EMPTY_STATE), ""

    ui.demo.load(restore, [ui.state, ui.lang], [ui.chatbot, ui.sources], api_visibility="private")
    ui.new_chat.click(clear, [ui.lang], [ui.chatbot, ui.sources, ui.state, ui.feedback_status], api_visibility="private")


def _wire_feedback(gr, ui: SimpleNamespace, service: ChatService) -> None:
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

    ui.chatbot.like(on_feedback, [ui.state, ui.comment, ui.lang], [ui.comment, ui.feedback_status], api_visibility="private")


def _wire_index(gr, ui: SimpleNamespace, service: ChatService) -> None:
    def do_rebuild(ui_lang, progress=gr.Progress()):  # noqa: B008 - Gradio injects progress this way
        try:
            summary = service.rebuild(lambda fraction, message: progress(fraction, desc=message))
        except QAError as exc:
            return _index_info(service, ui_lang), f"⚠️ {escape_text(str(exc))}", gr.update(), gr.update()
        lines = build_lines(summary, passage_counts(service.searcher.index if service.searcher else None), ui_lang)
        report = escaped("\n\n".join(lines))
        return (
            _index_info(service, ui_lang),
            f"**{t('rebuilt', ui_lang)}**\n\n{report}",
            gr.update(choices=service.doc_choices()),
            table_update(service, ui_lang),
        )

    outputs = [ui.index_info, ui.rebuild_log, ui.doc_filter, ui.articles["table"]]
    ui.rebuild.click(do_rebuild, [ui.lang], outputs, api_visibility="private")

    def refresh(ui_lang):
        """After the Articles panel changed the corpus: the index panel and the article filter follow."""
        return _index_info(service, ui_lang), gr.update(choices=service.doc_choices())

    ui.articles["log"].change(refresh, [ui.lang], [ui.index_info, ui.doc_filter], api_visibility="private")


def _language_updates(gr, ui: SimpleNamespace, service: ChatService) -> dict:
    """Component -> function(lang, last_turn) giving its update in that language."""
    label = lambda key: lambda lang, _: gr.update(label=t(key, lang))  # noqa: E731
    value = lambda key: lambda lang, _: gr.update(value=t(key, lang))  # noqa: E731
    return {
        ui.lang: lambda lang, _: lang,
        ui.header: lambda lang, _: _header(lang),
        ui.question: lambda lang, _: gr.update(label=t("question", lang), placeholder=t("placeholder", lang)),
        ui.send: value("send"),
        ui.new_chat: value("new_chat"),
        ui.comment: label("feedback_comment"),
        ui.settings_box: label("settings"),
        ui.k: label("k"),
        ui.retriever: label("retriever"),
        ui.doc_filter: label("articles_filter"),
        ui.date_from: label("date_from"),
        ui.date_to: label("date_to"),
        ui.llm: lambda lang, _: _llm_line(service, lang),
        ui.index_box: label("index"),
        ui.index_info: lambda lang, _: _index_info(service, lang),
        ui.rebuild: value("rebuild"),
        ui.sources: lambda lang, turn: sources_html(turn, lang),
        ui.chatbot: lambda lang, _: gr.update(feedback_options=_feedback_options(lang)),
        ui.articles["box"]: label("articles"),
        ui.articles["table"]: lambda lang, _: {**table_update(service, lang), "label": t("articles_table", lang)},
        ui.articles["selected"]: lambda lang, _: None,
        ui.articles["note"]: lambda lang, _: escaped(selection_note(None, lang)),
        ui.articles["remove"]: value("articles_remove"),
        ui.articles["uploads"]: label("articles_upload"),
        ui.articles["url"]: label("articles_url"),
        ui.articles["add_url"]: value("articles_add_url"),
    }


def _wire_language(gr, ui: SimpleNamespace, service: ChatService) -> None:
    updates = _language_updates(gr, ui, service)

    def switch_language(new_lang, conv):
        turns = (conv or {}).get("turns", [])
        last = turns[-1] if turns else None
        return {component: update(new_lang, last) for component, update in updates.items()}

    ui.language.change(switch_language, [ui.language, ui.state], list(updates), api_visibility="private")


def _wire_api(gr, service: ChatService) -> None:
    def ask_api(question: str, k: int = 5, retriever: str = "hybrid", lang: str = "vi") -> dict:
        """Answer a question from the articles: {"answer", "abstained", "citations", "hits", "query"} or {"error"}."""
        return service.ask(question, k=k, retriever=retriever, lang=lang)

    def search_api(question: str, k: int = 5, retriever: str = "hybrid") -> dict:
        """Ranked passages for a question: {"query", "hits"} or {"error"}."""
        return service.search(question, k, retriever)

    gr.api(ask_api, api_name="ask")
    gr.api(search_api, api_name="search")


def build_app(service: ChatService, lang: str = "vi"):
    import gradio as gr

    with gr.Blocks(title=t("title", lang)) as demo:
        ui = _layout(gr, service, lang)
        ui.demo = demo
        _wire_chat(gr, ui, service)
        _wire_feedback(gr, ui, service)
        _wire_index(gr, ui, service)
        _wire_language(gr, ui, service)
        _wire_api(gr, service)
    return demo


def launch(settings: Settings, auth: tuple[str, str] | None = None, block: bool = True):
    """Start the app on settings.host:settings.port; returns (demo, url)."""
    # This run's uploads get a folder of their own (inside GRADIO_TEMP_DIR, else the cache), removed at exit:
    # `qa chat` turns SIGTERM into the same clean stop as Ctrl+C (ui/cli.py), so atexit runs then too.
    folder = open_upload_folder(cache_root() / "uploads")
    atexit.register(remove_upload_folder, folder)
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
        max_file_size=MAX_UPLOAD_BYTES,
        show_error=False,
        ssr_mode=False,
    )
    return demo, url
