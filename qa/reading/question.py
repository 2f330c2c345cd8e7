"""`Question`: a question read once — language, folded text, tokens, names, numbers, places, what it asks for.

`read_question(text)` is called at the two entrances, `answer_question` and `Searcher.search`, and the value is
passed down: retrieval, sentence choice and every answerability signal read these fields instead of parsing the
string again. `as_question` lets a function also take a plain string (tests, scripts) and reads it there, once.
Not here: how the fields are found (asking, evidence, places); anything about passages.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from embeddings.lexical import fold, syllables, tokenize

from .asking import answer_type, counted_noun, folded_lower, question_language, role_of, wants_recent
from .evidence import aliases_of, date_numbers, periods_in, question_entities, question_numbers, years_in
from .places import places_in

_ACRONYM = re.compile(r"\b[A-ZĐ]{2,}\b")


@dataclass(frozen=True, slots=True)
class Question:
    """What a question says and asks for. Strings are NFC; folded forms are diacritic-free and lower case."""

    text: str  # as searched (after follow-up expansion)
    language: str  # "vi" (also typed without diacritics) or "en"
    folded: str  # fold(text).lower()
    tokens: tuple[str, ...]  # BM25 tokens: folded syllables and syllable pairs
    syllables: tuple[str, ...]  # folded syllables in order, repeats kept
    pairs: frozenset[str]  # adjacent folded-syllable pairs, "hai_phong"
    names: tuple[str, ...]  # what it is about: "Cần Thơ", "Nguyễn Văn Nên" (evidence.question_entities)
    aliases: tuple[tuple[str, ...], ...]  # per name, its folded spellings (lexicon/aliases.txt)
    numbers: tuple[str, ...]  # numbers and years it writes, which an answer's passage must repeat
    years: frozenset[str]
    days: frozenset[str]  # day and month numbers of the dates it names, as in `numbers`: "27", "4" of "27/4/2024"
    periods: frozenset[tuple[int, int]]  # reporting periods it names, as (first, last) month: "cả năm 2023" -> (1, 12)
    places: frozenset[str]  # folded provinces and cities it names (a city adds its province)
    kind: str  # answer type: how_many, when, who, where, why, yes_no, what
    counted: str | None  # what a how-many question counts, folded: "dang vien"
    post: str | None  # the post a who-question names, folded: "chu tich ubnd tinh"
    acronyms: frozenset[str]  # folded abbreviations it writes: "vfa", "ubnd"
    recent: bool  # asks for the latest articles ("mới nhất", "latest")

    @property
    def syllable_set(self) -> frozenset[str]:
        return frozenset(self.syllables)


def read_question(text: str) -> Question:
    """Read `text` once into a Question.

    >>> q = read_question("Đảng bộ thành phố Cần Thơ có bao nhiêu đảng viên?")
    >>> q.kind, q.counted, q.names, sorted(q.places)
    ('how_many', 'dang vien', ('Cần Thơ',), ['can tho'])
    """
    text = unicodedata.normalize("NFC", text)
    words = tuple(syllables(fold(text)))
    names = question_entities(text)
    return Question(
        text=text,
        language=question_language(text),
        folded=folded_lower(text),
        tokens=tuple(tokenize(text)),
        syllables=words,
        pairs=frozenset(f"{a}_{b}" for a, b in zip(words, words[1:])),
        names=names,
        aliases=tuple(aliases_of(n) for n in names),
        numbers=question_numbers(text),
        years=frozenset(years_in(text)),
        days=frozenset(date_numbers(text)),
        periods=periods_in(text),
        places=places_in(text),
        kind=answer_type(text),
        counted=counted_noun(text),
        post=role_of(text),
        acronyms=frozenset(fold(w).lower() for w in _ACRONYM.findall(text)),
        recent=wants_recent(text),
    )


def as_question(question: Question | str) -> Question:
    """`question` itself, or a plain string read into one."""
    return question if isinstance(question, Question) else read_question(question)
