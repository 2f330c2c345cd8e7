"""The "Articles" panel's work, without Gradio: list the indexed articles, add uploads or a URL, remove one.

ui/app.py wires these to components (a gr.Dataframe, gr.Files, a URL box, a remove button).
Every change is followed by `rebuild(progress)` (ChatService.rebuild: the incremental build,
then an atomic swap of the searcher), so questions being answered keep the old index until
the new one is ready. Functions return user messages; they never raise for user mistakes.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Sequence
from pathlib import Path

from embeddings.errors import QAError
from embeddings.ingest.corpus import add_file, remove_article
from embeddings.ingest.load import SUFFIXES
from qa.messages import t

from .render import format_date

Rebuild = Callable[..., str]  # rebuild(progress) -> build summary text
UPLOAD_TYPES = list(SUFFIXES)  # for gr.Files(file_types=...)


def _t(key: str, lang: str, **values) -> str:
    return t(f"articles_{key}", lang, **values)


def article_rows(index, lang: str = "vi") -> list[list]:
    """One row per indexed article, newest known date first: title, outlet, date, passages, file, id.

    `index` is the searcher's store (embeddings.stores.interface.VectorStore), or None before the first build.
    """
    if index is None:
        return []
    passages = Counter(c.doc_id for c in index.all_chunks())
    docs = sorted(
        index.documents.values(), key=lambda d: (d.date_precision != "partial" and d.date or "", d.doc_id), reverse=True
    )
    return [
        [
            d.title,
            d.source or "—",
            format_date(d.date, d.date_precision, lang),
            passages[d.doc_id],
            Path(d.path).name if d.path else "—",
            d.doc_id,
        ]
        for d in docs
    ]


def headers(lang: str = "vi") -> list[str]:
    return t("articles_headers", lang).split("|")


def _finish(lines: list[str], errors: list[str], changed: bool, rebuild: Rebuild, progress, lang: str) -> str:
    """Run the incremental build after a change and put everything the user should read in one message."""
    if changed:
        try:
            lines.append(rebuild(progress))
        except QAError as exc:
            errors.append(str(exc))
    elif not errors:
        lines.append(_t("nothing", lang))
    return "\n\n".join([*lines, *(f"⚠ {e}" for e in errors)])


def add_uploads(paths: Sequence[str] | None, corpus_dir: Path, rebuild: Rebuild, progress=None, lang: str = "vi") -> str:
    """Copy uploaded files (Gradio temp paths keep the original name) into the corpus, then update the index.

    Each file is checked (extension, size, readable article) before it is written; bad ones are
    reported by name and the good ones in the same batch are still indexed.
    """
    lines, errors, changed = [], [], False
    for raw in paths or []:
        source = Path(raw)
        try:
            path, existed = add_file(source, corpus_dir, name=source.name)
        except QAError as exc:
            errors.append(str(exc))
            continue
        changed = changed or not existed
        lines.append(_t("already" if existed else "added", lang, name=path.name))
    return _finish(lines, errors, changed, rebuild, progress, lang)


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
    return _finish([_t("added", lang, name=path.name)], [], True, rebuild, progress, lang)


def remove(doc_id: str | None, corpus_dir: Path, rebuild: Rebuild, progress=None, lang: str = "vi") -> str:
    """Delete an article's file from the corpus, then update the index (its passages go with it)."""
    if not doc_id:
        return _t("no_choice", lang)
    try:
        paths = remove_article(doc_id, corpus_dir)
    except QAError as exc:
        return f"⚠ {exc}"
    return _finish([_t("removed", lang, name=", ".join(p.name for p in paths))], [], True, rebuild, progress, lang)
