"""The "Articles" panel's Gradio wiring: a table of articles, file uploads, a URL box and removal.

`articles_panel(service, lang, lang_state)` builds the components inside the caller's
gr.Blocks context (ui/app.py calls it where the panel should appear) and wires the events.
The work is in ui/articles.py; the handlers here only adapt Gradio's inputs and outputs.
Each change runs `service.rebuild` (incremental build, then an atomic searcher swap) with a
progress bar, so questions answered meanwhile keep using the previous index.
"""

from __future__ import annotations

from pathlib import Path

from qa.messages import t
from ui import articles

from .render import escape_text

MAX_UPLOAD_BYTES = 30_000_000  # for launch(max_file_size=...): the loader's largest limit (PDF/DOCX)


def _index(service):
    return service.searcher.index if service.searcher else None


def _outputs(service, message: str, ui_lang: str):
    """(table rows, removal choices, log) after a change."""
    import gradio as gr

    rows = articles.article_rows(_index(service), ui_lang)
    log = "\n\n".join(escape_text(part) for part in message.split("\n\n")) if message else ""
    return gr.update(value=rows, headers=articles.headers(ui_lang)), gr.update(choices=service.doc_choices(), value=None), log


def _progress(gr_progress):
    return lambda fraction, message: gr_progress(fraction, desc=message)


def on_upload(service, paths, ui_lang: str, progress=None) -> str:
    corpus = Path(service.settings.corpus_dir)
    return articles.add_uploads(paths, corpus, service.rebuild, progress, ui_lang)


def on_add_url(service, url: str, ui_lang: str, progress=None) -> str:
    return articles.add_url(url, Path(service.settings.corpus_dir), service.rebuild, progress, ui_lang)


def on_remove(service, doc_id: str | None, ui_lang: str, progress=None) -> str:
    return articles.remove(doc_id, Path(service.settings.corpus_dir), service.rebuild, progress, ui_lang)


def articles_panel(service, lang: str, lang_state):
    """Build the panel in the current Blocks context; returns its components by name (for language switches)."""
    import gradio as gr

    with gr.Accordion(t("articles", lang), open=False, elem_id="articles-panel") as box:
        table = gr.Dataframe(
            value=articles.article_rows(_index(service), lang),
            headers=articles.headers(lang),
            interactive=False,
            wrap=True,
            elem_id="articles-table",
        )
        uploads = gr.Files(
            file_count="multiple",
            file_types=articles.UPLOAD_TYPES,
            type="filepath",
            label=t("articles_upload", lang),
            elem_id="articles-upload",
        )
        with gr.Row():
            url = gr.Textbox(label=t("articles_url", lang), max_lines=1, scale=4, elem_id="articles-url")
            add_url = gr.Button(t("articles_add_url", lang), size="sm", scale=1, elem_id="articles-add-url")
        with gr.Row():
            choice = gr.Dropdown(
                service.doc_choices(), label=t("articles_remove_choice", lang), scale=4, elem_id="articles-choice"
            )
            remove = gr.Button(t("articles_remove", lang), size="sm", variant="stop", scale=1, elem_id="articles-remove")
        log = gr.Markdown("", elem_id="articles-log")

    def upload(paths, ui_lang, progress=gr.Progress()):  # noqa: B008 - Gradio injects progress this way
        return (*_outputs(service, on_upload(service, paths, ui_lang, _progress(progress)), ui_lang), None)

    def by_url(address, ui_lang, progress=gr.Progress()):  # noqa: B008
        return (*_outputs(service, on_add_url(service, address, ui_lang, _progress(progress)), ui_lang), "")

    def drop(doc_id, ui_lang, progress=gr.Progress()):  # noqa: B008
        return _outputs(service, on_remove(service, doc_id, ui_lang, _progress(progress)), ui_lang)

    uploads.upload(upload, [uploads, lang_state], [table, choice, log, uploads], api_visibility="private")
    add_url.click(by_url, [url, lang_state], [table, choice, log, url], api_visibility="private")
    url.submit(by_url, [url, lang_state], [table, choice, log, url], api_visibility="private")
    remove.click(drop, [choice, lang_state], [table, choice, log], api_visibility="private")
    return {
        "box": box,
        "table": table,
        "uploads": uploads,
        "url": url,
        "add_url": add_url,
        "choice": choice,
        "remove": remove,
        "log": log,
    }
