"""Answer spans: where in a sentence the kind of answer a question asks for stands (a number, a date, a person,
a place), so the answer is marked inside its quote and factoid sentences lead.

Pure functions over strings and a read `Question`. Not here: reading the question (qa.reading.question).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from .asking import find_counted, folded_lower
from .evidence import _NUMBER, _WORD, _YEAR, contains_folded, question_entities
from .places import is_place
from .question import Question, as_question

_DATE = re.compile(
    r"\b(\d{1,2}/\d{1,2}(/\d{2,4})?|ngày \d{1,2}(/\d{1,2}(/\d{2,4})?)?|tháng \d{1,2}(/\d{4})?|năm (19|20)\d\d|(19|20)\d\d|quý [IV1-4]+|"
    r"(sáng|chiều|tối|trưa|đêm) (qua|nay|mai|\d{1,2}/\d{1,2}))\b",
    re.IGNORECASE,
)
_PERSON = re.compile(r"\b(ông|bà|anh|chị|đồng chí|Ông|Bà|Anh|Chị|Đồng chí|Mr|Ms|Mrs)\s+[A-ZĐÀ-Ỹ][\wÀ-ỹ]*")


@dataclass(frozen=True, slots=True)
class Span:
    """[start, end) character offsets into the text that was searched."""

    start: int
    end: int


_NOT_A_COUNT_BEFORE = re.compile(r"(?:ngày|tháng|số|khóa|lần thứ|thứ|No\.?|Number)\s*$", re.IGNORECASE)


def _names_a_day_or_thing(text: str, start: int, end: int) -> bool:
    """The number at start:end is part of a date or time ("25/3", "ngày 17", "16:29") or a name ("bão số 3",
    "khóa 10"), not a count: how-many answers skip it."""
    return (
        text[end : end + 1] in ("/", ":", "h")
        or text[max(0, start - 1) : start] in ("/", ":")
        or bool(_NOT_A_COUNT_BEFORE.search(text[max(0, start - 12) : start]))
    )


def find_answer_span(sentence: str, kind: str, question: Question | str = "") -> Span | None:
    """Where in `sentence` the kind of answer asked for stands: a number, a date, a person or a place.

    Numbers that the question itself contains (a year it names) are not answers. None when absent;
    `what`, `why` and `yes_no` answers are whole sentences, so they have no span.
    """
    question = as_question(question) if question else None
    asked = set(question.numbers) if question else set()
    if kind == "how_many":
        noun = question.counted if question else None
        folded = folded_lower(sentence)
        if noun and len(folded) == len(sentence):  # folding keeps offsets for NFC text
            m = find_counted(noun, folded, sentence)
            if m and m.group(1).rstrip(".,") not in asked:
                return Span(m.start(1), m.start(1) + len(m.group(1).rstrip(".,")))
        for m in _NUMBER.finditer(sentence):
            value = m.group(0).rstrip(".,")
            if value not in asked and not _YEAR.fullmatch(value) and not _names_a_day_or_thing(sentence, m.start(), m.end()):
                return Span(m.start(), m.start() + len(value))
        return None
    if kind == "when":
        m = _DATE.search(sentence)
        return Span(m.start(), m.end()) if m else None
    if kind == "who":
        m = _PERSON.search(sentence)
        if m:
            end = m.end()
            for word in _WORD.finditer(sentence, end):  # the rest of the name
                if sentence[end : word.start()].strip() or not word.group(0)[:1].isupper():
                    break
                end = word.end()
            return Span(m.start(), end)
        names = [  # a province or city is where, not who ("một người ở Sơn La tử vong" names nobody)
            n
            for n in question_entities(sentence)
            if len(n.split()) >= 2 and not is_place(n) and not (question and contains_folded(n, question.folded))
        ]
        if names:
            start = sentence.find(names[0])
            return Span(start, start + len(names[0]))
        return None
    if kind == "where":
        asked = [folded_lower(n) for n in question.names] if question else []
        names = [n for n in question_entities(sentence) if not any(folded_lower(n) in a or a in folded_lower(n) for a in asked)]
        # a name after a place word ("quận Hoàng Mai", "tại Nghi Phú") before any other new name ("CDC")
        placed = [n for n in names if re.search(rf"(?:{_PLACE_WORDS})\s+{re.escape(n)}", sentence, re.IGNORECASE)]
        if placed or names:
            name = (placed or names)[0]
            start = sentence.find(name)
            return Span(start, start + len(name))
        return None
    return None


_PLACE_WORDS = r"quận|huyện|tỉnh|xã|phường|thành phố|thị xã|thị trấn|tại|ở|vùng|khu vực|sân|địa bàn"
