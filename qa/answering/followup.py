"""Follow-up questions: detect them and rewrite them into a query that stands on its own.

"Còn Cần Thơ thì sao?" after "Hải Phòng kiến nghị gì với Trung ương?" searches
"Cần Thơ kiến nghị gì với Trung ương?": whole entity names are swapped (qa.reading.evidence decides what
a name is), never parts of common nouns such as "Trung ương" or "Thành ủy".
Not here: what is searched or answered with the rewritten query (qa.answering.answer).
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from qa.reading.evidence import question_entities

_FOLLOW_UP_START = re.compile(
    r"^(còn|thế còn|vậy còn|vậy|thế|và|còn về|con|the con|vay con|what about|how about|and)\b", re.IGNORECASE
)
# The whole question is "what about X?": only a new name, nothing else to add to the query.
_ONLY_A_NAME = re.compile(
    r"^(còn|thế còn|vậy còn|còn về|con|the con|vay con|what about|how about|and)\s+(?P<rest>.+?)\s*"
    r"(thì sao|thi sao|ra sao|thế nào|the nao|nữa|nua)?\s*[?.!]*$",
    re.IGNORECASE,
)
_ANAPHORA = re.compile(
    r"\b(ông ấy|bà ấy|anh ấy|chị ấy|ông ta|bà ta|họ|đó|ấy|này|nữa|thêm|ong ay|ba ay|he|she|they|them|that|this|it)\b",
    re.IGNORECASE,
)


def is_follow_up(question: str) -> bool:
    """Short or anaphoric questions that lean on the previous turn ("Còn Hải Phòng thì sao?", "Ông ấy nói gì thêm?")."""
    words = question.split()
    return bool(_FOLLOW_UP_START.match(question)) or (len(words) <= 8 and bool(_ANAPHORA.search(question))) or len(words) <= 2


def _replace_whole(text: str, name: str, new: str) -> str:
    """Replace `name` where it stands as whole words (never inside a longer word)."""
    return re.sub(rf"(?<!\w){re.escape(name)}(?!\w)", new, text)


def expand_query(question: str, previous_queries: Sequence[str]) -> str:
    """The query to search: a follow-up borrows the previous turn's query; its new names replace the old names.

    >>> expand_query("Còn Cần Thơ thì sao?", ["Hải Phòng kiến nghị gì với Trung ương?"])
    'Cần Thơ kiến nghị gì với Trung ương?'
    """
    if not previous_queries or not is_follow_up(question):
        return question
    previous = previous_queries[-1]
    new_names = [n for n in question_entities(question) if n not in previous]
    old_names = [n for n in question_entities(previous) if n not in question]
    if not new_names:
        return " ".join(f"{previous} {question}".split())
    if old_names:
        rewritten = _replace_whole(previous, old_names[0], " ".join(new_names))
        for name in old_names[1:]:
            rewritten = _replace_whole(rewritten, name, " ")
    else:
        rewritten = f"{previous} {' '.join(new_names)}"
    only = _ONLY_A_NAME.match(question)
    if only and all(n in only["rest"] for n in new_names) and len(only["rest"].split()) <= len(" ".join(new_names).split()) + 1:
        return " ".join(rewritten.split())
    return " ".join(f"{rewritten} {question}".split())
