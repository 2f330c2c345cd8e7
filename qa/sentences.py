"""Sentences of a passage with exact document offsets: what answers quote and citations point to.

Pure string work. A sentence longer than a quote may be becomes windows of whole clauses; a paragraph
without closing punctuation (a photo caption, a heading) is flagged so answers can prefer real sentences.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from .retrieve import Hit

_SENTENCE_END = re.compile(r"(?<=[.!?…])[\"”’)]*\s+|\n+")
_CLAUSE_END = re.compile(r"(?<=[,;:])\s+")
_TERMINAL = re.compile(r"[.!?…:;\"”’)]\s*$")


@dataclass(frozen=True, slots=True)
class Sentence:
    hit_index: int
    start: int  # offsets into the document text
    end: int
    text: str
    caption: bool = False  # a paragraph without closing punctuation: a photo caption or a heading


def split_sentences(hit_index: int, hit: Hit, max_chars: int = 300) -> list[Sentence]:
    """Sentences of a passage with offsets into its document; a sentence longer than `max_chars` becomes
    windows of whole clauses (split after , ; :) so that no quote runs on for a paragraph."""
    chunk, out, pos = hit.chunk, [], 0
    for match in [*_SENTENCE_END.finditer(chunk.text), None]:
        end = match.start() if match else len(chunk.text)
        piece = chunk.text[pos:end]
        stripped = piece.strip()
        if len(stripped) >= 2:
            offset = pos + piece.index(stripped)
            whole_paragraph = chunk.text[:offset].rstrip(" ").endswith("\n") or offset == 0
            whole_paragraph = whole_paragraph and chunk.text[offset + len(stripped) :].lstrip(" ")[:1] in ("", "\n")
            caption = whole_paragraph and not _TERMINAL.search(stripped)
            out.extend(_windows(hit_index, chunk.start + offset, stripped, max_chars, caption))
        pos = match.end() if match else len(chunk.text)
    return out


def _windows(hit_index: int, start: int, text: str, max_chars: int, caption: bool) -> list[Sentence]:
    if len(text) <= max_chars:
        return [Sentence(hit_index, start, start + len(text), text, caption)]
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
            out.append(Sentence(hit_index, start + a + lead, start + a + len(piece), piece.strip(), caption))
        i = bounds.index(b)
    return out
