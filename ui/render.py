"""Pure rendering for the chat UI: answers as Markdown with clickable [n], sources as escaped HTML.

Everything that comes from an article or a question is escaped twice over: HTML-escaped and with
Markdown punctuation backslash-escaped, so it can neither inject markup nor turn into links or
images. Only the tags built here (citation links, marks, cards) reach the page.
"""

from __future__ import annotations

import html
import re

from qa.messages import t

_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+\-.!|~>])")
_MARKER = re.compile(r"\[(\d+)(\?)?\]")


def escape_text(text: str) -> str:
    """Plain text -> safe for Markdown that allows HTML: no tags, no Markdown syntax, no autolinks."""
    escaped = html.escape(text, quote=True)
    escaped = _MD_SPECIAL.sub(r"\\\1", escaped)
    return escaped.replace("://", ":&#47;&#47;").replace("www.", "www&#46;").replace("@", "&#64;")


def answer_markdown(answer: dict, lang: str = "vi") -> str:
    """The chat message for one answer (the `answer_json` shape): text with citation links, searched query, warnings."""
    if answer.get("error"):
        return f"⚠️ {escape_text(answer['error'])}"
    body = escape_text(answer["answer"])
    # escape_text turned "[1]" into "\[1\]"; put real citation links there
    body = re.sub(
        r"\\\[(\d+)(\?)?\\\]",
        lambda m: (
            f'<a class="cite{" unsupported" if m.group(2) else ""}" href="#src-{m.group(1)}" data-n="{m.group(1)}">[{m.group(1)}{"?" if m.group(2) else ""}]</a>'
        ),
        body,
    )
    parts = [body]
    if answer.get("status") == "unsure":  # not sure: the quote is shown, under a visible banner
        parts.insert(0, f'<div class="unsure-banner">❓ {escape_text(t("unsure_label", lang))}</div>')
    if answer.get("abstained") and answer.get("hits"):
        parts.append(f"*{escape_text(t('related_hint', lang))}*")
    for warning in answer.get("warnings", []):
        parts.append(f"⚠️ *{escape_text(warning)}*")
    notes = []
    if answer.get("confidence") is not None:
        notes.append(f"{escape_text(t('confidence', lang))}: {round(100 * answer['confidence'])}%")
    if answer.get("query") and answer.get("query") != answer.get("question"):
        notes.append(f"{escape_text(t('searched_for', lang))}: {escape_text(answer['query'])}")
    if notes:
        parts.append(f'<span class="searched">{" · ".join(notes)}</span>')
    return "\n\n".join(parts)


def answer_steps(answer: dict, lang: str = "vi") -> list[str]:
    """Progressively longer renderings of one answer, a cited sentence group at a time, for streaming.

    Splits the answer's plain text after each [n] marker (not the rendered HTML), so it does not depend
    on how markers are drawn; the last step is exactly `answer_markdown(answer)`.
    """
    text = answer.get("answer") or ""
    ends = [m.end() for m in _MARKER.finditer(text)] if not answer.get("error") else []
    steps = [answer_markdown({"answer": text[:end], "question": answer.get("question")}, lang) for end in ends[:-1]]
    return [*steps, answer_markdown(answer, lang)]


def _passage_with_highlight(
    text: str, chunk_start: int, spans: list[tuple[int, int]], answer: tuple[int, int] | None = None
) -> str:
    """Escape a passage and wrap the cited character spans (document offsets) in <mark>; inside them, the
    answer itself (a number, date or name) in <mark class="answer">."""
    out, pos = [], 0
    for start, end in sorted(spans):
        a, b = max(0, start - chunk_start), min(len(text), end - chunk_start)
        if a >= b or a < pos:
            continue
        out.append(html.escape(text[pos:a]))
        inner = html.escape(text[a:b])
        if answer and start <= answer[0] < answer[1] <= end:
            x, y = answer[0] - chunk_start, answer[1] - chunk_start
            inner = f'{html.escape(text[a:x])}<mark class="answer">{html.escape(text[x:y])}</mark>{html.escape(text[y:b])}'
        out.append(f'<mark class="cited">{inner}</mark>')
        pos = b
    out.append(html.escape(text[pos:]))
    return "".join(out).replace("\n\n", "<br><br>")


def format_date(iso: str | None, precision: str | None = None, lang: str = "vi") -> str:
    """A stored date as readers write it, saying how much of it is known (precision from the ISO form if not given).

    >>> format_date("2025-10-14"), format_date("2024-09"), format_date("--03-25")
    ('14/10/2025', 'tháng 09/2024', '25/03 (không rõ năm)')
    """
    if not iso:
        return t("no_date", lang)
    if iso.startswith("--") or precision == "partial":
        return t("date_year_unknown", lang, day=iso[-2:], month=iso[-5:-3])
    if len(iso) == 7 or precision == "month":
        return t("date_month", lang, month=iso[5:7], year=iso[:4])
    return f"{iso[8:10]}/{iso[5:7]}/{iso[:4]}"


def _meta_line(item: dict, lang: str) -> str:
    date = format_date(item.get("date"), item.get("date_precision"), lang)
    parts = [html.escape(item.get("source") or t("unknown_source", lang)), html.escape(date)]
    if item.get("author"):
        parts.append(html.escape(item["author"]))
    return " · ".join(parts)


def sources_html(answer: dict | None, lang: str = "vi") -> str:
    """The sources panel for one answer: a card per [n] with the cited sentence highlighted, or the closest passages."""
    if not answer:
        return f'<div class="sources empty">{html.escape(t("sources_empty", lang))}</div>'
    if answer.get("error"):
        return f'<div class="sources error">{html.escape(answer["error"])}</div>'
    hits = {h["chunk_id"]: h for h in answer.get("hits", [])}
    cards = []
    if answer.get("citations"):
        for c in answer["citations"]:
            hit = hits.get(c["chunk_id"])
            passage = (
                _passage_with_highlight(
                    hit["text"],
                    hit["start"],
                    [(c["start"], c["end"])],
                    (c["answer_start"], c["answer_end"]) if c.get("answer_start") is not None else None,
                )
                if hit
                else f'<mark class="cited">{html.escape(c["quote"])}</mark>'
            )
            cards.append(
                f'<div class="source" id="src-{c["n"]}" data-n="{c["n"]}">'
                f'<div class="source-head"><span class="badge">[{c["n"]}]</span> <b>{html.escape(c["title"])}</b></div>'
                f'<div class="source-meta">{_meta_line(c, lang)}</div>'
                f'<div class="passage">{passage}</div>'
                + (
                    f'<div class="whole-sentence"><b>{html.escape(t("whole_sentence", lang))}:</b> {html.escape(c["sentence"])}</div>'
                    if c.get("sentence")
                    else ""
                )
                + f'<div class="source-ref">{html.escape(c["doc_id"])} · {c["start"]}–{c["end"]}</div></div>'
            )
        title = t("sources", lang)
    else:
        for h in answer.get("hits", [])[:3]:
            cards.append(
                f'<div class="source related"><div class="source-head"><b>{html.escape(h["title"])}</b></div>'
                f'<div class="source-meta">{_meta_line(h, lang)}</div>'
                f'<div class="passage">{_passage_with_highlight(h["text"], h["start"], [])}</div>'
                f'<div class="source-ref">{html.escape(h["doc_id"])} · {h["start"]}–{h["end"]}</div></div>'
            )
        title = t("maybe_related", lang) if cards else t("sources_empty", lang)
    return f'<div class="sources"><div class="sources-title">{html.escape(title)}</div>{"".join(cards)}</div>'


def index_markdown(manifest: dict | None, version: str, error: str | None, lang: str = "vi", engine: str = "") -> str:
    """The index panel: articles, passages, model (and the engine embedding questions), build time, version."""
    if error:
        return f"⚠️ {escape_text(error)}"
    if not manifest:
        return escape_text(t("no_index", lang))
    return "\n".join(
        [
            f"- {t('articles', lang)}: **{manifest.get('n_documents', 0)}**",
            f"- {t('passages', lang)}: **{manifest.get('n_chunks', 0)}**",
            f"- {t('model', lang)}: `{escape_text(str(manifest.get('model')))}` ({manifest.get('dim')}d"
            + (f", {t('query_encoder', lang)} `{escape_text(engine)}`)" if engine else ")"),
            f"- {t('built', lang)}: {escape_text(str(manifest.get('created_at')))}",
            f"- {t('version', lang)}: `{escape_text(version)}`",
        ]
    )


CSS = """
.unsure-banner { background: #fff4ce; border-left: 4px solid #d4a000; padding: 4px 8px; font-weight: 600; }
.sources { display: flex; flex-direction: column; gap: 10px; max-height: 70vh; overflow-y: auto; }
.sources-title { font-weight: 600; font-size: 1.05em; }
.source { border: 1px solid var(--border-color-primary); border-radius: 8px; padding: 10px 12px; scroll-margin-top: 8px; }
.source.active { outline: 3px solid #f59e0b; background: rgba(245, 158, 11, 0.08); }
.source .badge { color: #2563eb; font-weight: 700; }
mark.answer { background: #fcd34d; font-weight: 700; padding: 0 2px; border-radius: 3px; }
.source-meta, .source-ref { color: var(--body-text-color-subdued); font-size: 0.85em; margin: 2px 0 6px; }
.passage { line-height: 1.5; }
mark.cited { background: #fde68a; color: inherit; padding: 0 2px; border-radius: 3px; }
a.cite { color: #2563eb; font-weight: 600; text-decoration: none; cursor: pointer; }
a.cite.unsupported { color: #b91c1c; }
.searched { color: var(--body-text-color-subdued); font-size: 0.85em; }
"""

# Clicking a citation marker brings its source into view and highlights it (the panel is outside the chat).
JS = """
() => {
  document.addEventListener('click', (event) => {
    const link = event.target.closest('a.cite');
    if (!link) return;
    event.preventDefault();
    const n = link.dataset.n || (link.getAttribute('href') || '').split('-').pop();
    const card = document.getElementById('src-' + n);
    if (!card) return;
    document.querySelectorAll('.source.active').forEach((el) => el.classList.remove('active'));
    card.classList.add('active');
    card.scrollIntoView({behavior: 'smooth', block: 'nearest'});
  }, true);
}
"""
