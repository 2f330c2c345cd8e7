"""The "Articles" panel's Gradio wiring: a table of articles, file uploads, a URL box and removal of the selected row.

`articles_panel(service, lang, lang_state)` builds the components inside the caller's gr.Blocks context
(ui/app.py calls it where the panel should appear) and wires the events. The table is Gradio's own
gr.Dataframe: its column headers sort, its search box filters, and selecting a row picks the article the
remove button deletes. Cells are plain text ("str"/"number" columns, never "markdown"/"html"), so a title
cannot inject markup; the selection note and the log are Markdown and escaped.
The work is in ui/articles.py; the handlers here only adapt Gradio's inputs and outputs.
Each change runs `service.rebuild` (incremental build, then an atomic searcher swap) with a
progress bar, so questions answered meanwhile keep using the previous index.
No `from __future__ import annotations`: Gradio reads the select handler's annotation (gr.SelectData) as a type.
"""

from pathlib import Path

from qa.messages import t
from ui import articles

from .render import escape_text

MAX_UPLOAD_BYTES = 30_000_000  # for launch(max_file_size=...): the loader's largest limit (PDF/DOCX)
COLUMN_WIDTHS = ["34%", "17%", "15%", "10%", "10%", "14%"]  # title, date, outlet, passages, format, file


def _index(service):
    return service.searcher.index if service.searcher else None


def _rebuild(service):
    """The `articles.Rebuild` for this service: build, swap, then count passages in the new index."""

    def run(progress=None):
        summary = service.rebuild(progress)
        return summary, articles.passage_counts(_index(service))

    return run


def table_update(service, ui_lang: str) -> dict:
    import gradio as gr

    return gr.update(value=articles.article_rows(_index(service), ui_lang), headers=articles.headers(ui_lang))


def escaped(message: str) -> str:
    """A message (plain text, paragraphs split by blank lines) as Markdown that shows exactly that text."""
    return "\n\n".join(escape_text(part) for part in message.split("\n\n")) if message else ""


def _outputs(service, message: str, ui_lang: str):
    """(table, selected article, selection note, log) after a change: the selection is cleared."""
    return table_update(service, ui_lang), None, escaped(articles.selection_note(None, ui_lang)), escaped(message)


def _progress(gr_progress):
    return lambda fraction, message: gr_progress(fraction, desc=message)


def on_upload(service, paths, ui_lang: str, progress=None) -> str:
    corpus = Path(service.settings.corpus_dir)
    return articles.add_uploads(paths, corpus, _rebuild(service), progress, ui_lang)


def on_add_url(service, url: str, ui_lang: str, progress=None) -> str:
    return articles.add_url(url, Path(service.settings.corpus_dir), _rebuild(service), progress, ui_lang)


def on_remove(service, doc_id: str | None, ui_lang: str, progress=None) -> str:
    return articles.remove(doc_id, Path(service.settings.corpus_dir), _rebuild(service), progress, ui_lang)


def on_select(row, ui_lang: str) -> tuple[str | None, str]:
    """A selected table row -> (its article id, the escaped note saying which article is selected)."""
    return articles.doc_id_of_row(row), escaped(articles.selection_note(row, ui_lang))


def articles_panel(service, lang: str, lang_state):
    """Build the panel in the current Blocks context; returns its components by name (for language switches)."""
    import gradio as gr

    with gr.Accordion(t("articles", lang), open=False, elem_id="articles-panel") as box:
        table = gr.Dataframe(
            value=articles.article_rows(_index(service), lang),
            headers=articles.headers(lang),
            datatype=articles.DATATYPES,
            label=t("articles_table", lang),
            interactive=False,
            wrap=True,
            show_search="search",
            column_widths=COLUMN_WIDTHS,
            max_height=420,
            elem_id="articles-table",
        )
        selected = gr.State(None)
        with gr.Row():
            note = gr.Markdown(escaped(articles.selection_note(None, lang)), elem_id="articles-selected")
            remove = gr.Button(t("articles_remove", lang), size="sm", variant="stop", scale=0, elem_id="articles-remove")
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
        log = gr.Markdown("", elem_id="articles-log")

    def select(evt: gr.SelectData, ui_lang):
        return on_select(evt.row_value, ui_lang)

    def upload(paths, ui_lang, progress=gr.Progress()):  # noqa: B008 - Gradio injects progress this way
        return (*_outputs(service, on_upload(service, paths, ui_lang, _progress(progress)), ui_lang), None)

    def by_url(address, ui_lang, progress=gr.Progress()):  # noqa: B008
        return (*_outputs(service, on_add_url(service, address, ui_lang, _progress(progress)), ui_lang), "")

    def drop(doc_id, ui_lang, progress=gr.Progress()):  # noqa: B008
        return _outputs(service, on_remove(service, doc_id, ui_lang, _progress(progress)), ui_lang)

    changed = [table, selected, note, log]
    table.select(select, [lang_state], [selected, note], api_visibility="private")
    uploads.upload(upload, [uploads, lang_state], [*changed, uploads], api_visibility="private")
    add_url.click(by_url, [url, lang_state], [*changed, url], api_visibility="private")
    url.submit(by_url, [url, lang_state], [*changed, url], api_visibility="private")
    remove.click(drop, [selected, lang_state], changed, api_visibility="private")
    return {
        "box": box,
        "table": table,
        "selected": selected,
        "note": note,
        "remove": remove,
        "uploads": uploads,
        "url": url,
        "add_url": add_url,
        "log": log,
    }
