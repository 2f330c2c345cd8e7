"""The index build's outcome as the Articles panel tells it: sentences in the UI language, not the CLI's counters.

`build_lines(summary, passages, lang)` turns an `embeddings.build.BuildSummary` into:

1. one sentence for what the build did: "Đã thêm 2 bài (31 đoạn), cập nhật chỉ mục trong 0,6 s"
   ("Added 2 articles (31 passages), index updated in 0.6 s"), with the UI language's decimal mark;
2. one line per file left out, with its reason ("Bỏ qua scan.pdf: no text layer (scanned?); ...");
3. a details line with the version id and how many passages were embedded or reused.

Pure: plain text out (callers escape it for Markdown). Reasons stay as the loader wrote them (English, naming
the fix): translating every loader message is left out.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path

from qa.messages import t

_MARKS = {"vi": (".", ",")}  # lang -> (thousands separator, decimal mark); default English ("," and ".")


def number(value: float, lang: str = "vi", decimals: int = 0) -> str:
    """A number as the UI language writes it.

    >>> number(0.6, "vi", 1), number(0.6, "en", 1), number(1234, "vi"), number(1234, "en")
    ('0,6', '0.6', '1.234', '1,234')
    """
    text = f"{value:,.{decimals}f}"
    thousands, decimal = _MARKS.get(lang, (",", "."))
    return text.replace(",", "\0").replace(".", decimal).replace("\0", thousands)


def count(n: int, what: str, lang: str = "vi") -> str:
    """ "2 bài", "1 article", "31 passages": `what` is "articles" or "passages" (English has a singular)."""
    return t(f"build_{what}_one" if n == 1 else f"build_{what}", lang, n=number(n, lang))


def skipped_line(reason: str, lang: str = "vi") -> str:
    """A loader's "<path>: <reason>" as "Bỏ qua <file name>: <reason>" (the file's folder is noise in the UI).

    >>> skipped_line("/tmp/up/scan.pdf: no text layer", "en")
    'Skipped scan.pdf: no text layer'
    """
    where, sep, why = reason.partition(": ")
    if not sep or not why:
        return t("build_skipped_unnamed", lang, reason=reason)
    return t("build_skipped", lang, name=Path(where).name or where, reason=why)


def outcome(summary, passages: Mapping[str, int], lang: str = "vi") -> str:
    """The sentence for what a build did; `passages` is passages per article in the new index."""
    parts = []
    for ids, key in ((summary.added, "build_added"), (summary.changed, "build_changed")):
        if ids:
            n_passages = sum(passages.get(i, 0) for i in ids)
            parts.append(t(key, lang, articles=count(len(ids), "articles", lang), passages=count(n_passages, "passages", lang)))
    if summary.removed:
        parts.append(t("build_removed", lang, articles=count(len(summary.removed), "articles", lang)))
    seconds = number(summary.seconds, lang, 1)
    parts.append(t("build_time" if summary.written else "build_unchanged", lang, seconds=seconds))
    sentence = ", ".join(parts)
    return sentence[:1].upper() + sentence[1:]


def details(summary, lang: str = "vi", files: Sequence[str] = ()) -> str:
    """The line for whoever checks: files, version id, passages embedded and reused, the build's own note."""
    items = [t("build_files", lang, names=", ".join(files))] if files else []
    if summary.version:
        items.append(t("build_version", lang, version=summary.version))
    embedded, reused = count(summary.embedded, "passages", lang), count(summary.reused, "passages", lang)
    items.append(t("build_vectors", lang, embedded=embedded, reused=reused))
    if summary.truncated:
        items.append(t("build_truncated", lang, passages=count(summary.truncated, "passages", lang)))
    if summary.note:
        items.append(summary.note)
    return t("build_details", lang, items=" · ".join(items))


def build_lines(
    summary, passages: Mapping[str, int], lang: str = "vi", files: Sequence[str] = (), refused: Sequence[str] = ()
) -> list[str]:
    """Outcome sentence, one "⚠ Bỏ qua ..." line per file left out (`refused` before the build, then the build's
    skipped files), and the details line. `summary` is an embeddings.build.BuildSummary."""
    left_out = [f"⚠ {skipped_line(r, lang)}" for r in [*refused, *(s.reason for s in summary.skipped)]]
    return [outcome(summary, passages, lang), *left_out, details(summary, lang, files)]
