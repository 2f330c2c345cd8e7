"""Sentences of a retrieved passage: what answers quote and citations point to.

A thin adapter over embeddings.sentences (the split itself lives there, so the build embeds
exactly the sentences answers choose from); it only tags each sentence with its hit.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from embeddings.sentences import MAX_QUOTE_CHARS, sentence_spans
from qa.retrieval.searcher import Hit


@dataclass(frozen=True, slots=True)
class Sentence:
    hit_index: int
    start: int  # offsets into the document text
    end: int
    text: str
    caption: bool = False  # a paragraph without closing punctuation: a photo caption or a heading
    whole: tuple[int, int] = (-1, -1)  # the whole sentence this is a window of (document offsets)

    @property
    def cut_before(self) -> bool:
        return self.whole[0] < self.start

    @property
    def cut_after(self) -> bool:
        return self.whole[1] > self.end


def split_sentences(hit_index: int, hit: Hit, max_chars: int = MAX_QUOTE_CHARS) -> list[Sentence]:
    """Sentences of a passage with offsets into its document; a sentence longer than `max_chars` becomes
    windows of whole clauses (split after , ; :) so that no quote runs on for a paragraph."""
    return [
        Sentence(hit_index, s.start, s.end, s.text, s.caption, s.whole)
        for s in _spans(hit.chunk.text, hit.chunk.start, max_chars)
    ]


@lru_cache(maxsize=8192)  # an answer splits its passages twice (answerability signals, then the quote)
def _spans(text: str, start: int, max_chars: int) -> tuple:
    return tuple(sentence_spans(text, start, max_chars))
