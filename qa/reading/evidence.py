"""What a question is about and what a passage must hold to answer it: names, numbers, aliases, folded matching.

Pure functions over strings, diacritic-folded where matching matters ("Can Tho" matches "Cần Thơ").
They feed the answerability model (qa.answering.answerability) and sentence choice (qa.answering.answer).
Not here: what kind of answer a question wants (qa.reading.asking), any scoring of passages against each other
(qa.retrieval.searcher) or thresholds (qa.params).
"""

from __future__ import annotations

import re
from functools import lru_cache

from embeddings.lexical import fold
from embeddings.types import Document

from . import lexicon
from .asking import folded_lower
from .places import named_after_committee, place_spans

# Capitalized institutions and titles (common nouns written with capitals, never "the entity asked about"),
# exact (lower-cased) and, for phrases, folded for questions typed without diacritics. A one-syllable
# institution is not matched folded: "Tỉnh" folds to "tinh" as "Hà Tĩnh" does, "Đảng" to "dang" as "Đặng".
_INSTITUTION_NAMES = lexicon.words("institutions")
INSTITUTIONS = frozenset(x.lower() for x in _INSTITUTION_NAMES) | frozenset(
    fold(x).lower() for x in _INSTITUTION_NAMES if " " in x
)
_SENTENCE_START_NOUNS = frozenset(x.lower() for x in lexicon.words("sentence_start_nouns"))
# Words that start a question or a clause with a capital without naming anything.
_LEADING = frozenset(x.lower() for x in lexicon.words("leading_words"))
_WORD = re.compile(r"[\wÀ-ỹĐđ]+(?:[-'’][\wÀ-ỹĐđ]+)*", re.UNICODE)
_POSSESSIVE = re.compile(r"['’]s$")
_NUMBER = re.compile(r"\d+(?:[.,]\d+)*%?")
_YEAR = re.compile(r"\b(19\d\d|20\d\d)\b")


@lru_cache(maxsize=4096)  # pure, and asked for several times per answer
def question_entities(question: str) -> tuple[str, ...]:
    """Names the question is about: runs of capitalized syllables that are not institutions, titles or question words.

    Institutions break runs wherever they stand ("Trung ương", "Quận ủy"), so "Quận ủy Sơn Trà" gives "Sơn Trà";
    a single capitalized word that opens the question is only the sentence's capital. In lower case, the
    provinces and cities of qa.reading.places and the name after a committee ("quan uy hai chau") still count.
    >>> question_entities("Quận ủy Sơn Trà kết nạp bao nhiêu đảng viên mới?")
    ('Sơn Trà',)
    """
    question = _ENGLISH_FIELD.sub(r"\1", question)  # "Department of Agriculture and Rural Development": a field, no name
    found = list(_WORD.finditer(question))
    words = [_POSSESSIVE.sub("", m.group(0)) for m in found]
    # punctuation between two words ends a name: "ông Nguyễn Văn Nên, TPHCM" holds two
    punctuated = [
        i > 0 and question[found[i - 1].end() : m.start()].strip() not in ("", "/", "-", "–") for i, m in enumerate(found)
    ]
    lowered = [w.lower() for w in words]
    folded = [fold(w) for w in lowered]
    runs, current, i = [], [], 0
    while i <= len(words):
        span = _institution_at(words, lowered, folded, i) if i < len(words) else 0
        word = words[i] if i < len(words) else ""
        if current and i < len(words) and punctuated[i]:
            runs.append(current)
            current = []
        if not span and word[:1].isupper() and word.lower() not in _LEADING:
            current.append((i, word))
            i += 1
            continue
        if current:
            runs.append(current)
        current = []
        i += max(span, 1)
    names = []
    for run in runs:
        if run[0][0] == 0 and len(run) > 1 and run[0][1].lower() in _SENTENCE_START_NOUNS:
            run = run[1:]  # "Phim Địa đạo ...": the opening common noun is no part of the name
        if (run[0][0] == 0 and len(run) == 1) or (len(run) == 1 and len(run[0][1]) < 2):
            continue  # the question's first word, or a lone letter ("Bộ Y tế")
        # a spaced dash stays: "Cát Linh - Hà Đông", "HAGL - SHB Đà Nẵng" are two names a text may write apart
        names.append("".join((_joiner(question, found[i - 1], found[i]) if k else "") + w for k, (i, w) in enumerate(run)))
    # typed without capitals, names are still found where a list (provinces, cities) or a committee names them
    for name in (*named_after_committee(question), *place_spans(question)):
        key = _spaced(name)
        names = [part for n in names for part in _split_place(n, name, key)]
        if any(key in _spaced(n) for n in names) or _follows_name(question, name, names):
            continue
        # a listed place replaces the part of it read as a name: "TP.HCM" for "HCM", "Bà Rịa - Vũng Tàu" for "Rịa Vũng Tàu"
        names = [n for n in names if _spaced(n) not in key] + [name]
    return tuple(dict.fromkeys(names))


def _split_place(name: str, place: str, key: str) -> tuple[str, ...]:
    """A name that ends with a listed place is two names written side by side ("Kỳ Sơn Nghệ An", "Sa Kỳ Quảng Ngãi",
    "DIFF Đà Nẵng"): an article writes "huyện Kỳ Sơn" and its province apart, or names the province only by its outlet."""
    spaced = _spaced(name)
    if spaced == key or not spaced.endswith(key) or _DASHED.search(name):  # "HAGL - SHB Đà Nẵng": each side apart already
        return (name,)
    words, tail = name.split(), len(place.split())
    prefix = " ".join(words[:-tail]).rstrip(" -–,")
    return (prefix, " ".join(words[-tail:])) if len(words) > tail and len(prefix) >= 2 else (name,)


def _joiner(question: str, before: re.Match, after: re.Match) -> str:
    """How two words of one name are joined: " - " across a dash, else one space."""
    return " - " if question[before.end() : after.start()].strip() in ("-", "–") else " "


_ENGLISH_FIELD = re.compile(
    r"\b(Department|Ministry|Bureau|Office|Institute|Board|Committee|Council|School|Faculty) of"
    r"(?: (?:the )?[A-Z][\w'’-]*)+(?:(?:,| and| &) [A-Z][\w'’-]*(?: [A-Z][\w'’-]*)*)*"
)


def _spaced(name: str) -> str:
    """' folded words ' of a name, for whole-word containment between names."""
    words = re.findall(r"\w+", fold(name).lower())
    return " " + " ".join(words) + " "


def _follows_name(question: str, name: str, names: list[str]) -> bool:
    """`name` starts right where another name ends ("ngu hanh" + "son la" in "ngu hanh son la ai"): it is
    that name's last syllables, not a second place."""
    start = question.find(name)
    return any(question[:start].rstrip().endswith(n) and question[:start].endswith(" ") for n in names if n)


def _institution_at(words: list[str], lowered: list[str], folded: list[str], i: int) -> int:
    """Length of the institution phrase starting at word i (0 if none), exact or (for phrases) folded; a
    phrase that overlaps the next one continues it ("Trưởng Ban" + "Ban Nội chính" + "Trung ương")."""
    end = i + _phrase_at(lowered, folded, i)
    j = i + 1
    while j < end:
        end = max(end, j + _phrase_at(lowered, folded, j))
        j += 1
    while end < len(words) and (n := _phrase_at(lowered, folded, end)):  # adjacent institutions form one title
        end += n
    if end > i and words[end - 1].lower() in _DEPARTMENT_HEADS:
        # "Sở Du lịch", "Bộ Kế hoạch và Đầu tư": a capitalized word then lower-case ones name the field, not a place
        while end + 1 < len(words) and words[end][:1].isupper() and words[end + 1][:1].islower():
            end += 2
            while end < len(words) and words[end][:1].islower() and words[end] != "và":
                end += 1
            if end + 1 < len(words) and words[end] == "và" and words[end + 1][:1].isupper():
                end += 1
    return end - i


_DEPARTMENT_HEADS = frozenset(lexicon.words("department_heads"))


def _phrase_at(lowered: list[str], folded: list[str], i: int) -> int:
    """Length of the longest institution phrase starting at word i: exact, or (two words or more) folded."""
    for n in range(min(5, len(lowered) - i), 0, -1):
        if " ".join(lowered[i : i + n]) in INSTITUTIONS or (n > 1 and " ".join(folded[i : i + n]) in INSTITUTIONS):
            return n
    return 0


# a year of birth ("chị Thào (SN 1980)", "sinh năm 1993") dates a person, not the news
_BIRTH_YEAR = re.compile(r"\b(?:SN|sn|[Ss]inh(?: n[aă]m)?)\s*(?:19|20)\d\d\b")


# a season written short: "V-League 2023/24", "mùa giải 2024-25" (the second year by its last two digits)
_SEASON = re.compile(r"\b((?:19|20)\d\d)\s*[/-]\s*(\d\d)\b(?![.,/]?\d)")


def years_in(text: str) -> set[str]:
    """The years (1900-2099) a text writes, but years of birth: '2020-2025 (ông A, SN 1965)' -> {'2020', '2025'};
    a season's both: 'mùa giải 2023/24' -> {'2023', '2024'}."""
    text = _BIRTH_YEAR.sub(" ", text)
    seasons = {f"{int(first) + 1}" for first, last in _SEASON.findall(text) if (int(first) + 1) % 100 == int(last)}
    return set(_YEAR.findall(text)) | seasons


# a sentence that opens on a year reports that year: "Năm 2023, Việt Nam xuất khẩu ...", "(NAO) - Trong năm 2020, ..."
_OPENING_YEAR = re.compile(
    r"^\W*(?:\([^)]{1,12}\)\s*[-–]\s*)?(?:(?:trong|cả|riêng|tính chung cả|tính đến hết|hết)\s+)?năm\s+((?:19|20)\d\d)\b",
    re.IGNORECASE,
)


def opening_year(sentence: str) -> str | None:
    """The year a sentence opens on, the period it reports: "Năm 2023, Việt Nam xuất khẩu 8,21 triệu tấn" -> "2023".
    A year further in is often a comparison or a plan ("tăng so với vụ chiêm xuân năm 2023", "đến quý II/2024")."""
    match = _OPENING_YEAR.match(sentence)
    return match.group(1) if match else None


# a comparison with an earlier year: "so với cùng kỳ năm 2023", "so với năm 2009", "cao hơn năm 2023", "như năm 2023"
_SAME_PERIOD = re.compile(r"\b(?:cùng kỳ|so với|hơn|như)(?: cùng kỳ)?(?: năm)? ((?:19|20)\d\d)\b", re.IGNORECASE)


# a date as questions write it: "27/4" (day, month), after "ngày" ("ngày 27", "ngày 27.4", "ngày 27-4"), or a month of a
# year ("tháng 7/2024": the month); "3.5 lần", "12.3%" and "1-2" are no dates
_DATE_PARTS = re.compile(
    r"\b([0-3]?\d)\s*/\s*(1[0-2]|0?[1-9])\b(?![.,]\d)"
    r"|\bng[aà]y\s+([0-3]?\d)(?:\s*[./-]\s*(1[0-2]|0?[1-9]))?\b(?![.,%]?\d)"
    r"|\b(1[0-2]|0?[1-9])\s*/\s*(?:19|20)\d\d\b",
    re.IGNORECASE,
)


def date_numbers(text: str) -> set[str]:
    """The day and month numbers of the dates a text names, as written: "Trưa 27/4/2024" -> {"27", "4"}; the month of
    "tháng 8/2025". An article without its date line can confirm neither.

    >>> sorted(date_numbers("Đến ngày 5/8, tỉnh có 64 ca; ngày 12 có thêm 3 ca, giá 7.500 đồng/kg, 6 tháng đầu năm"))
    ['12', '5', '8']
    >>> sorted(date_numbers("cuối tháng 7/2024"))
    ['7']
    """
    found = set()
    for m in _DATE_PARTS.finditer(text):
        day, month = (m[1], m[2]) if m[1] else (m[3], m[4]) if m[3] else (None, m[5])
        if day is None or 1 <= int(day) <= 31:
            found.update(filter(None, (day, month)))
    return found


# Reporting periods, folded: "7 tháng đầu năm", "lũy kế 7 tháng", "quý I", "nửa đầu năm", "cả năm" (not "7 tháng tù")
_MONTHS_PERIOD = re.compile(r"\b(?:(\d{1,2}) thang dau nam|(?:luy ke|tinh chung|trong) (\d{1,2}) thang(?! tu\b))")
_QUARTER = re.compile(r"\bquy (iv|iii|ii|i|[1-4])\b")
_HALF_YEAR = re.compile(r"\b(?:nua dau nam|6 thang dau nam)\b")
_WHOLE_YEAR = re.compile(r"\bca nam\b")
_QUARTER_MONTHS = {"i": (1, 3), "1": (1, 3), "ii": (4, 6), "2": (4, 6), "iii": (7, 9), "3": (7, 9), "iv": (10, 12), "4": (10, 12)}


def periods_in(text: str) -> frozenset[tuple[int, int]]:
    """The reporting periods a text names, as (first month, last month): "6 tháng đầu năm" and "nửa đầu năm" are
    (1, 6), "quý I" (1, 3), "cả năm" (1, 12). Figures of one period answer no question about another.

    >>> sorted(periods_in("Lũy kế 7 tháng, xuất khẩu đạt 1,2 tỷ USD; quý III tăng 5%")), periods_in("án 7 tháng tù")
    ([(1, 7), (7, 9)], frozenset())
    """
    folded = folded_lower(text)
    found = {(1, int(a or b)) for a, b in _MONTHS_PERIOD.findall(folded) if 1 <= int(a or b) <= 12}
    found |= {_QUARTER_MONTHS[q] for q in _QUARTER.findall(folded)}
    found |= {(1, 6)} if _HALF_YEAR.search(folded) else set()
    found |= {(1, 12)} if _WHOLE_YEAR.search(folded) else set()
    return frozenset(found)


def implied_years(text: str) -> set[str]:
    """The years a text reports on without writing them: "tăng 7,6% so với cùng kỳ năm 2023" compares with the same
    period of 2023, so the figures are 2024's; "tăng 22,86% so với năm 2009" are 2010's, "cao hơn năm 2023" 2024's.

    >>> sorted(implied_years("Thu ngân sách tăng 17,7% so với cùng kỳ năm 2023; xuất khẩu giảm so với cùng kỳ 2019."))
    ['2020', '2024']
    """
    return {str(int(m[1]) + 1) for m in _SAME_PERIOD.finditer(text)}


def reported_years(text: str) -> tuple[frozenset[str], frozenset[str]]:
    """(years a text writes, but a year it only measures from: "cao nhất kể từ năm 2021"; years it reports on without
    writing them: the year after a "cùng kỳ năm 2023" comparison). What an article (title, date line, text) is about.

    >>> reported_years("Giá lúa cao nhất kể từ năm 2021, tăng 12% so với cùng kỳ năm 2023.")
    (frozenset({'2023'}), frozenset({'2024'}))
    """
    return frozenset(years_in(_SINCE.sub(" ", text))), frozenset(implied_years(text))


_SINCE = re.compile(r"\bkể từ(?: năm)? (?:19|20)\d\d\b", re.IGNORECASE)  # a record's reference year, not the news


@lru_cache(maxsize=4096)
def article_years(document: Document) -> tuple[frozenset[str], frozenset[str]]:
    """`reported_years` of the article's title, date and text: what the answer holds it to, and what the searcher's
    other-year penalty reads (one cache for both)."""
    return reported_years(f"{document.title}\n{document.date or ''}\n{document.text}")


# an address's id that starts with its date ("-20241016093015", "channel-5083-202207-16"): the year is the article's
_DATE_ID = re.compile(r"(?:19|20)\d\d(?:0[1-9]|1[0-2])(?:\d{2,8})?")


@lru_cache(maxsize=16384)
def address_words(doc_id: str) -> str:
    """The words of an article's file or page name after its host: saved pages are named after their address, whose
    slug is the headline in folded words, which is what a page saved without its title still says of its place and
    topic. Words and years ("bao so khanh hoa 2017", the year of an id that starts with its date: "202207" or
    "20241016093015"; other numbers are ids or a figure cut at its comma, "1-2-ty-usd"); "" for names that are not words.

    >>> address_words("nghean24h-vn_clip-chay-ngoi-nha-o-trung-kinh-k"), address_words("000_a5e41cd1fa4addb6")
    ('clip chay ngoi nha o trung kinh k', '')
    """
    stem = doc_id.split("_", 1)[1] if "_" in doc_id else doc_id
    words = [
        w[:4] if _DATE_ID.fullmatch(w) else w
        for w in re.split(r"[-_.\s]+", stem.lower())
        if w.isascii() and (w.isalpha() or _YEAR.fullmatch(w) or _DATE_ID.fullmatch(w))
    ]
    return " ".join(words) if len(words) >= 3 else ""


# a match's score: "thắng Hải Phòng 2-0", "hòa 1-1", "the 3-1 win" (in a question that speaks of a match)
SCORE = re.compile(r"(?<![\d/.,:])(\d{1,2})\s*[-–]\s*(\d{1,2})(?![\d/.,:%])")
_MATCH_WORDS = re.compile(
    r"\b(?:trận|tỷ số|tỉ số|thắng|thua|hòa|hoà|cầm hòa|tran|ty so|draw|drew|win|won|beat|lost|score)\b", re.IGNORECASE
)


def question_numbers(question: str) -> tuple[str, ...]:
    """Numbers and years written in the question ("2020", "55.369"), which the answer's passage must also hold; a
    match's score as one ("2-0")."""
    numbers = []
    if _MATCH_WORDS.search(question):
        numbers = [f"{m.group(1)}-{m.group(2)}" for m in SCORE.finditer(question)]
        question = SCORE.sub(" ", question)
    for m in _NUMBER.finditer(question):
        if question[m.start() - 1 : m.start()].isalpha():
            continue  # part of a name ("U22", "PM2.5"), which the name's own word carries
        if m.group(0) == "1" and _PER_ONE.search(question[: m.start()]):
            continue  # "bao nhiêu 1 mét vuông": the unit a price is per, not a figure to find
        number, after = m.group(0).rstrip(".,"), question[m.end() :]
        code = re.match(r"[^\W\d_]\w*", after) if not _GLUED_UNIT.match(after) else None
        numbers.append(number + code.group(0) if code else number)  # a code is whole: "Quốc lộ 279D" is not "279"
    return tuple(dict.fromkeys(numbers))


_PER_ONE = re.compile(r"(?:bao nhi[eê]u|gi[aá]|m[oỗ]i)\s+$", re.IGNORECASE)
# letters a number stays a number before: an English ordinal ("13th"), a unit written close ("10ha", "20h")
_GLUED_UNIT = re.compile(r"(?:st|nd|rd|th|ha|km|m2|m|kg|g|h|tr|ty|usd)(?!\w)", re.IGNORECASE)


# Names written in several ways (folded, lower case): any form found counts for the others.
ALIASES = lexicon.groups("aliases")
_ALIAS_OF = {form: group for group in ALIASES for form in group}


def aliases_of(name: str) -> tuple[str, ...]:
    """The folded, lower-case spellings of a name (ALIASES): 'Hanoi' -> ('ha noi', 'hanoi', 'tp ha noi')."""
    key = folded_lower(name)
    return _ALIAS_OF.get(key, (key,))


# Heads of names that articles may write by a number instead ("bão Yagi" = "bão số 3"), folded.
_NUMBER_NAMED_HEADS = lexicon.words("number_named_heads")


def named_by_number(question: str, name: str) -> bool:
    """`name` follows, in `question`, a head whose names articles may write as a number: "Bão Yagi", "cơn bão Noru"
    ("bão số 3", "bão số 4"). Such a name the corpus never writes may still be what it reports."""
    at = question.find(name)
    before = folded_lower(question[:at]).split() if at >= 0 else []
    return any(before[-len(head.split()) :] == head.split() for head in _NUMBER_NAMED_HEADS)


# "Covid-19" = "Covid 19", "PET/CT" = "PET CT", "Cát Linh - Hà Đông" = "Cát Linh Hà Đông"
_DASHED = re.compile(r"\s+[-–]\s+")  # a spaced dash between two names
_SEPARATORS = re.compile(r"(?<=\w)\s*[-–/]\s*(?=\w)")


_SCORE_TARGET = re.compile(r"\d{1,2} \d{1,2}")


@lru_cache(maxsize=16384)  # one passage is searched for every name and number of the question
def _unseparated(folded: str) -> str:
    return _SEPARATORS.sub(" ", folded)


def contains_folded(needle: str, haystack_folded: str) -> bool:
    """Whole-word containment after folding both sides: 'Can Tho' in 'thành phố cần thơ' -> True.

    Hyphens and slashes between letters count as spaces ('Covid-19' = 'Covid 19', 'PET/CT'); a one-word name also matches the syllables it
    joins ('Hanoi' in 'hà nội'), as English spells them; known aliases match each other (ALIASES).
    """
    parts = _DASHED.split(needle)
    if len(parts) > 1:  # "HAGL - SHB Đà Nẵng": each side, wherever the text writes it
        return all(contains_folded(part, haystack_folded) for part in parts if part.strip())
    target = _SEPARATORS.sub(" ", folded_lower(needle))
    if not target:
        return False
    haystack = _unseparated(haystack_folded)
    forms = _ALIAS_OF.get(target, (target,))
    if _SCORE_TARGET.fullmatch(target):  # a score is written either way round: "thua Nam Định 0-2" is "2-0"
        first, second = target.split()
        forms = (target, f"{second} {first}")
    elif target.isdigit():
        # "Terminal 3" is written "nhà ga T3": one letter may stand right before a number
        if re.search(rf"(?<![\w.,])[a-z]?{target}(?![\w])", haystack):
            return True
        if 0 < int(target) < 40:  # "lần thứ 19" is written "lần thứ XIX", "khóa 13" "khóa XIII"
            forms = (target, _roman(int(target)))
    for form in forms:
        if re.search(rf"(?<!\w){re.escape(form)}(?!\w)", haystack):
            return True
    return " " not in target and len(target) >= 5 and target in haystack.replace(" ", "")


@lru_cache(maxsize=4096)
def _roman(n: int) -> str:
    """1 <= n < 40 in lower-case Roman numerals: 19 -> 'xix'."""
    tens, ones = divmod(n, 10)
    return "x" * tens + ["", "i", "ii", "iii", "iv", "v", "vi", "vii", "viii", "ix"][ones]


def coverage_of(items: tuple[str, ...], text: str) -> float:
    """Share of `items` found (folded, whole words; a small figure also spelled out) in `text`; 1.0 when there is
    nothing to find."""
    if not items:
        return 1.0
    folded = folded_lower(text)
    return sum(contains_folded(item, folded) or spelled_in(item, text) for item in items) / len(items)


# Small figures as news spells them, with their diacritics ("ba tuổi" for "3 tuổi"); not "năm", which is also the year.
_SPELLED_FIGURE = {figure: word for word, figure in lexicon.table("number_words") if word != "năm"}
_LARGER = r"(?!\w)(?! (?:mươi|trăm|nghìn|ngàn|triệu|tỷ)\b)"  # not "hai mươi", "ba trăm", nor after "mười"/"mươi"


def spelled_in(figure: str, text: str) -> bool:
    """`text` spells the small figure out: spelled_in("3", "cháu Chính (ba tuổi)") -> True; "bà" is no "ba"."""
    word = _SPELLED_FIGURE.get(figure)
    return word is not None and re.search(rf"(?<!\w)(?<!mười )(?<!mươi ){word}{_LARGER}", text.lower()) is not None
