"""Sentences of a passage with exact document offsets: what answers quote and what the build embeds.

Pure string work, here rather than in `qa/` because both sides need the same split: the build
stores one vector per distinct sentence (looked up by text at answer time), and answers quote
these sentences (qa.answering.sentences adapts them to retrieved hits). A sentence longer than a quote may
be becomes windows of whole clauses; a paragraph without closing punctuation (a photo caption, a
heading) is flagged so answers can prefer real sentences.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

MAX_QUOTE_CHARS = 300  # a quote is a sentence, not a paragraph: longer sentences are cut at clauses

# ... and "năm ngoái.Ca nhiễm": scraped pages lose the space after a period (a lower-case word's, so "TP.HCM" stays)
_SENTENCE_END = re.compile(r"(?<=[.!?…])[\"”’)]*\s+|\n+|(?<=[a-zà-ỹđ0-9%)][.!?])(?=[A-ZĐÀ-Ỹ][a-zà-ỹđ])")
_CLAUSE_END = re.compile(r"(?<=[,;:])\s+")
_TERMINAL = re.compile(r"[.!?…:;\"”’)]\s*$")


@dataclass(frozen=True, slots=True)
class SentenceSpan:
    start: int  # offsets into the document text
    end: int
    text: str
    caption: bool = False  # a paragraph without closing punctuation: a photo caption or a heading
    # the whole sentence this span is a window of (document offsets); the span itself when it is whole
    sentence_start: int = -1
    sentence_end: int = -1

    @property
    def whole(self) -> tuple[int, int]:
        """(start, end) of the whole sentence: a quote cut from a longer one ends with "…" and shows it in full."""
        return (
            self.start if self.sentence_start < 0 else self.sentence_start,
            self.end if self.sentence_end < 0 else self.sentence_end,
        )


def sentence_spans(text: str, offset: int = 0, max_chars: int = MAX_QUOTE_CHARS) -> list[SentenceSpan]:
    """Sentences of a passage `text` that starts at `offset` in its document, with document offsets
    (`doc.text[s.start:s.end] == s.text`); a sentence longer than `max_chars` becomes windows of whole
    clauses (split after , ; :) so that no quote runs on for a paragraph.

    >>> [s.text for s in sentence_spans("Ảnh: TTXVN\\nHải Phòng kiến nghị. Cần Thơ đồng ý.")]
    ['Ảnh: TTXVN', 'Hải Phòng kiến nghị.', 'Cần Thơ đồng ý.']
    """
    out, pos = [], 0
    for match in [*_SENTENCE_END.finditer(text), None]:
        end = match.start() if match else len(text)
        piece = text[pos:end]
        stripped = piece.strip()
        if len(stripped) >= 2:
            start = pos + piece.index(stripped)
            whole_paragraph = text[:start].rstrip(" ").endswith("\n") or start == 0
            whole_paragraph = whole_paragraph and text[start + len(stripped) :].lstrip(" ")[:1] in ("", "\n")
            caption = whole_paragraph and not _TERMINAL.search(stripped)
            out.extend(_windows(offset + start, stripped, max_chars, caption))
        pos = match.end() if match else len(text)
    return out


def _windows(start: int, text: str, max_chars: int, caption: bool) -> list[SentenceSpan]:
    if len(text) <= max_chars:
        return [SentenceSpan(start, start + len(text), text, caption)]
    whole = (start, start + len(text))
    bounds = [0, *(m.end() for m in _CLAUSE_END.finditer(text)), len(text)]
    out, i = [], 0
    while i < len(bounds) - 1:
        j = i + 1
        while j + 1 < len(bounds) and bounds[j + 1] - bounds[i] <= max_chars:
            j += 1
        a, b = bounds[i], bounds[j]
        if b - a > max_chars:  # one clause longer than the limit: cut at the last space before it
            b = a + (text.rfind(" ", a, a + max_chars) - a if " " in text[a : a + max_chars] else max_chars)
            bounds.insert(j, b)
        piece = text[a:b].rstrip(" ,;:")
        if piece.strip():
            lead = len(piece) - len(piece.lstrip())
            out.append(SentenceSpan(start + a + lead, start + a + len(piece), piece.strip(), caption, *whole))
        i = bounds.index(b)
    return out


def distinct_sentences(texts, max_chars: int = MAX_QUOTE_CHARS) -> list[str]:
    """The distinct sentence texts of passages `texts`, in first-seen order: what the build embeds.

    >>> distinct_sentences(["Một. Hai.", "Hai. Ba."])
    ['Một.', 'Hai.', 'Ba.']
    """
    return list(dict.fromkeys(s.text for text in texts for s in sentence_spans(text, 0, max_chars)))
