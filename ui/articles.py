"""The "Articles" panel's work, without Gradio: list the indexed articles, add uploads or a URL, remove one.

ui/articles_panel.py wires these to components (a sortable, filterable gr.Dataframe, gr.Files, a URL box,
a remove button for the selected row). Every change is followed by `rebuild(progress)` (the incremental build,
then an atomic swap of the searcher, returning the build's summary and the new index's passages per article),
so questions being answered keep the old index until the new one is ready. Functions return user messages
in the UI language (ui/build_report.py); they never raise for user mistakes.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Sequence
from pathlib import Path

from embeddings.errors import QAError
from embeddings.ingest.corpus import add_file, remove_article
from embeddings.ingest.load import SUFFIXES
from qa.messages import t

from .build_report import build_lines, skipped_line

Rebuild = Callable[..., tuple]  # rebuild(progress) -> (BuildSummary, {doc_id: passages in the new index})
UPLOAD_TYPES = list(SUFFIXES)  # for gr.Files(file_types=...)
DATATYPES = ["str", "str", "str", "number", "str", "str"]  # the columns of `article_rows`, for gr.Dataframe
FILE_COLUMN = 5


def _t(key: str, lang: str, **values) -> str:
    return t(f"articles_{key}", lang, **values)


def passage_counts(index) -> Counter:
    """doc_id -> number of passages in `index` (a VectorStore), empty before the first build."""
    return Counter(c.doc_id for c in index.all_chunks()) if index is not None else Counter()


def date_label(iso: str | None, precision: str | None, lang: str = "vi") -> str:
    """A date for the table: ISO first, so sorting the column as text sorts by date, then what is unknown.

    >>> date_label("2025-10-14", "day"), date_label("2024-09", "month"), date_label("--03-25", "partial", "en")
    ('2025-10-14', '2024-09 (cả tháng)', '--03-25 (year unknown)')

    Year-less dates ("--") and undated articles ("(") sort below every year.
    """
    if not iso:
        return _t("no_date", lang)
    precision = precision or ("partial" if iso.startswith("--") else "month" if len(iso) == 7 else "day")
    return _t(f"date_{precision}", lang, iso=iso) if precision in ("month", "partial") else iso


def file_format(path: str | None) -> str:
    """ "corpus/x.docx" -> "DOCX"; "HTM" is shown as "HTML"."""
    suffix = Path(path or "").suffix.lstrip(".").upper()
    return "HTML" if suffix == "HTM" else suffix or "—"


def article_rows(index, lang: str = "vi") -> list[list]:
    """One row per indexed article, newest known date first: title, date, outlet, passages, format, file.

    `index` is the searcher's store (embeddings.stores.interface.VectorStore), or None before the first build.
    The file name identifies the article (its id is the name without the extension).
    """
    if index is None:
        return []
    passages = passage_counts(index)
    docs = sorted(
        index.documents.values(), key=lambda d: (d.date_precision != "partial" and d.date or "", d.doc_id), reverse=True
    )
    return [
        [
            d.title,
            date_label(d.date, d.date_precision, lang),
            d.source or "—",
            passages[d.doc_id],
            file_format(d.path),
            Path(d.path).name if d.path else d.doc_id,
        ]
        for d in docs
    ]


def headers(lang: str = "vi") -> list[str]:
    return t("articles_headers", lang).split("|")


def doc_id_of_row(row: Sequence | None) -> str | None:
    """The article a table row shows (its file name without the extension), or None for no or a short row."""
    if not row or len(row) <= FILE_COLUMN or not str(row[FILE_COLUMN]).strip():
        return None
    return Path(str(row[FILE_COLUMN])).stem


def _finish(notes: list[str], refused: list[str], files: list[str], rebuild: Rebuild, progress, lang: str) -> str:
    """Run the incremental build after a change (`files` written or removed) and say what happened in one message."""
    lines = list(notes)
    if files:
        try:
            summary, passages = rebuild(progress)
        except QAError as exc:
            lines += [*(f"⚠ {skipped_line(r, lang)}" for r in refused), f"⚠ {exc}"]
        else:
            lines += build_lines(summary, passages, lang, files, refused)
        return "\n\n".join(lines)
    if not refused:
        lines.append(_t("nothing", lang))
    return "\n\n".join([*lines, *(f"⚠ {skipped_line(r, lang)}" for r in refused)])


def add_uploads(paths: Sequence[str] | None, corpus_dir: Path, rebuild: Rebuild, progress=None, lang: str = "vi") -> str:
    """Copy uploaded files (Gradio temp paths keep the original name) into the corpus, then update the index.

    Each file is checked (extension, size, readable article) before it is written; bad ones are
    reported by name and the good ones in the same batch are still indexed.
    """
    notes, refused, files = [], [], []
    for raw in paths or []:
        source = Path(raw)
        try:
            path, existed = add_file(source, corpus_dir, name=source.name)
        except QAError as exc:
            refused.append(str(exc))
            continue
        if existed:
            notes.append(_t("already", lang, name=path.name))
        else:
            files.append(path.name)
    return _finish(notes, refused, files, rebuild, progress, lang)


def add_url(url: str, corpus_dir: Path, rebuild: Rebuild, progress=None, lang: str = "vi", ssrf_protection: bool = True) -> str:
    """Download a page into the corpus (SSRF protection on), then update the index."""
    from embeddings.ingest.fetch import fetch_article

    url = (url or "").strip()
    if not url.startswith(("http://", "https://")):
        return _t("no_url", lang)
    try:
        path = fetch_article(url, corpus_dir, ssrf_protection=ssrf_protection)
    except QAError as exc:
        return f"⚠ {exc}"
    return _finish([], [], [path.name], rebuild, progress, lang)


def remove(doc_id: str | None, corpus_dir: Path, rebuild: Rebuild, progress=None, lang: str = "vi") -> str:
    """Delete an article's file from the corpus, then update the index (its passages go with it)."""
    if not doc_id:
        return _t("no_choice", lang)
    try:
        paths = remove_article(doc_id, corpus_dir)
    except QAError as exc:
        return f"⚠ {exc}"
    return _finish([], [], [p.name for p in paths], rebuild, progress, lang)


def selection_note(row: Sequence | None, lang: str = "vi") -> str:
    """What the panel says under the table: the selected article, or how to select one."""
    if doc_id_of_row(row) is None:
        return _t("pick", lang)
    return _t("selected", lang, title=str(row[0]), file=str(row[FILE_COLUMN]))
