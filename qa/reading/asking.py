"""What a question asks for: the kind of answer (a number, a date, a person, a place...), what a how-many
question counts, and the post a who-question names.

Pure functions over the question's text, diacritic-folded where Vietnamese typed without diacritics must
read the same. They feed answer spans (qa.reading.evidence), sentence choice (qa.answering.answer) and the answerability
signals (qa.answering.answerability).
Not here: which names and numbers a question is about (qa.reading.evidence).
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

from embeddings.lexical import fold

from . import lexicon


@lru_cache(maxsize=16384)  # the same passages and headers are matched against many names and numbers per answer
def folded_lower(text: str) -> str:
    """fold(text).lower(): Vietnamese typed with or without diacritics reads the same."""
    return fold(text).lower()


# (answer type, pattern over the folded, lower-cased question); first match wins
_PLACE_KINDS = "|".join(lexicon.words("place_kinds"))  # "tỉnh nào", "khu công nghiệp nào" ask where
_TYPES = (
    ("when", r"\b(nam bao nhieu|hom nao|what dates?|which days?|on which days?)\b"),
    (
        "how_many",
        r"\b(bao nhieu|may|how many|how much|so luong|ty le|percentage|what share|what percent|"
        r"how (long|far|fast|big|large|high|tall|old|deep|wide)|(exchange )?rate of|price of)\b",
    ),
    (
        "when",
        r"\b(khi nao|luc nao|bao gio|ngay nao|thang nao|nam nao|thoi gian nao|when|what date|which day|what year|which year|what time)\b",
    ),
    (
        "why",
        r"\b(vi sao|tai sao|why|ly do|do dau|vi dau|what caused|cause of|nho dau|de lam gi|nham muc dich gi|muc dich gi|nguyen nhan|tren co so nao|what for)\b",
    ),
    ("yes_no", r"\bco (?:\w+ )?ai\b.*\bkhong$"),  # "có ai bị thương không?", "có làm ai chết không?": is anyone
    (
        "who",
        r"\b(ai|nguoi nao|who|whom|whose|co quan nao|don vi nao|to chuc nao|doi nao|lanh dao nao|"
        r"which (body|organisation|organization|agency|team|official|leader|person))\b",
    ),
    (
        "where",
        rf"\b(o dau|tai dau|noi nao|dia diem nao|(?:tu|toi|den|la) dau$|where|which (province|city|district|place|region)|(?:{_PLACE_KINDS}) nao)\b",
    ),
    ("yes_no", r"(\bco phai\b|\bphai khong\b|\bco .+ khong\b|\bkhong$|\bchua$)"),
)
_ENGLISH_YES_NO = re.compile(r"^(is|are|was|were|did|does|do|has|have|had|can|could|will|would|should)\b")
# "máy" (a machine, "bộ máy" an apparatus) folds to "may" as "mấy" (how many) does
_NOT_MAY = re.compile(r"\b(?!mấy\b)m[aáàảãạâầẩẫậăắằẳẵặ]y\b", re.IGNORECASE)
_NOT_MAY_FOLDED = re.compile(r"\b(bo may|xe may|may (bay|tinh|moc|chup|gia toc|pet|cong|phat|in|quay))\b")
_TYPE_PATTERNS = tuple((name, re.compile(pattern)) for name, pattern in _TYPES)
FACTOID_TYPES = ("how_many", "when", "who", "where")  # answered by a span: a number, a date, a person, a place


# function words: how a question in English reads, and how Vietnamese typed without diacritics does
_ENGLISH_WORDS = frozenset(lexicon.words("english_function_words"))
_VIETNAMESE_WORDS = frozenset(lexicon.words("vietnamese_function_words"))


# a Vietnamese syllable written without diacritics: an initial consonant, one to three vowels, a final consonant
_SYLLABLE = re.compile(r"(?:ngh|ng|gh|gi|kh|nh|ph|th|tr|ch|qu|[bcdghklmnprstvx])?[aeiouy]{1,3}(?:ch|nh|ng|[cmnpt])?")


def question_language(question: str) -> str:
    """'en' for a question written in English, else 'vi' (also for Vietnamese typed without diacritics).

    >>> question_language("Who led the delegation?"), question_language("ai dan dau doan cong tac")
    ('en', 'vi')
    """
    words = re.findall(r"[^\W\d_]+", question.lower())
    english = sum(w in _ENGLISH_WORDS for w in words)
    if any(fold(w) != w for w in words):  # a letter with a diacritic: Vietnamese, unless it only quotes a term
        # ... or only names carry them: "How many Chinese visitors entered Quảng Ninh through the Móng Cái gate?"
        only_names = all(w[:1].isupper() for w in re.findall(r"[^\W\d_]+", question) if fold(w) != w)
        return "en" if (english >= 3 and english >= len(words) / 4) or (only_names and english >= 2) else "vi"
    vietnamese = sum(w in _VIETNAMESE_WORDS for w in words)  # "to", "do", "can" are words of both
    if english >= max(1, len(words) // 6) and english > vietnamese:
        return "en"
    # typed as keywords, without function words ("Vietnam rice export volume 2016"): most words are no Vietnamese syllable
    foreign = sum(not _SYLLABLE.fullmatch(w) for w in words if len(w) > 1)
    return "en" if words and foreign >= 0.5 * len(words) and foreign > 2 * vietnamese else "vi"


def _folded_question(question: str) -> str:
    """Folded, lower case, end punctuation dropped, and "máy" (a machine) kept apart from "mấy" (how many)."""
    text = question.strip()
    folded = fold(_NOT_MAY.sub("_", text) if fold(text) != text else text).lower()
    return _NOT_MAY_FOLDED.sub("_", folded.rstrip(" ?.!"))


def answer_type(question: str) -> str:
    """The kind of answer a question wants: how_many, when, who, where, why, yes_no, or what (the rest).

    >>> answer_type("Đảng bộ Cần Thơ có bao nhiêu đảng viên?"), answer_type("Who led the delegation?")
    ('how_many', 'who')
    """
    text = question.strip()
    folded = _folded_question(text)
    for name, pattern in _TYPE_PATTERNS:
        if pattern.search(folded):
            return name
    if _ENGLISH_YES_NO.match(text.lower()) and question_language(text) == "en":
        return "yes_no"  # "Did Bac Ninh's exports grow in 2019?", not "can tho can ung dung cong nghe gi"
    return "what"


# "bao nhiêu" first: where a question has both, its "may" is "máy" (a machine: "cấy máy", "cay may")
_COUNTED = (re.compile(r"\bbao nhieu\s+(\w+(?:\s+\w+)?)"), re.compile(r"\bmay\s+(\w+(?:\s+\w+)?)"))
_SYNONYMS = {form: group for group in lexicon.groups("counted_synonyms") for form in group}
_NOT_COUNTED = frozenset(lexicon.words("not_counted"))  # "giảm còn bao nhiêu sau nhiệm kỳ": no counted noun
_LOOSE_SECOND = frozenset(lexicon.words("loose_second_words"))  # "bao nhieu nha o quang ngai": "nhà" counts alone
_UNITS = dict(lexicon.table("units"))  # units as questions spell them -> as articles write them after a number


ORDINAL = "thu"  # the counted noun of "thứ mấy": the number stands after "thứ", not before a noun
_ORDINAL_ASKED = re.compile(r"\bthu (?:may|bao nhieu)\b")
_MONEY_ASKED = re.compile(
    r"\b(?:thiet hai|kinh phi|chi phi|von|gia tri|tong muc dau tu|doanh thu|loi nhuan|ngan sach)(?: \w+){0,2} bao nhieu\b"
)


_MONEY_WORD = re.compile(r"\b(?:bao nhiêu|mấy) tiền\b", re.IGNORECASE)  # with its diacritics: not "tiến sĩ", "tiện"
_PER_UNIT = re.compile(r"(?:mot|1|moi) (?!so$)\w+$")  # "bao nhiêu một ký", "bao nhiêu 1 lít": money per unit


def counted_noun(question: str) -> str | None:
    """What a Vietnamese how-many question counts, folded: 'có bao nhiêu đảng viên?' -> 'dang vien'."""
    folded = _folded_question(question)
    if _ORDINAL_ASKED.search(folded):
        return ORDINAL  # "cơn bão thứ mấy", "lần thứ bao nhiêu": the number after "thứ"
    m = _COUNTED[0].search(folded) or _COUNTED[1].search(folded)
    if m and _PER_UNIT.match(m.group(1)):
        return "tien"  # "giá cà phê bao nhiêu một ký": a price, "119.300 đồng/kg"
    if _MONEY_WORD.search(question):
        return "tien"  # "thiệt hại bao nhiêu tiền vì hạn mặn", "chi bao nhiêu tiền cho các chế độ": money, "252 tỉ đồng"
    if not m or m.group(1).split()[0] in _NOT_COUNTED:
        # "GRDP tăng bao nhiêu?": a rise or fall with nothing counted is a percentage in the news
        if re.search(r"\b(tang|giam) (them |len |xuong )?bao nhieu$", folded):
            return "phan tram"
        # "thiệt hại bao nhiêu", "tổng kinh phí bao nhiêu": an amount of money
        return "tien" if _MONEY_ASKED.search(folded) else None
    words = m.group(1).split()
    return words[0] if len(words) > 1 and words[1] in _LOOSE_SECOND else m.group(1)


def counted_pattern(noun: str, loose: bool = False, number: str = r"(\d[\d.,]*%?)") -> str:
    """Regex (group 1: the number) for a number standing before `noun` or a synonym, at most two words apart; units
    also as abbreviated: 'dài bao nhiêu mét' is answered by '1.247 m', 'bao nhiêu phần trăm' by '8,95%'. `loose`:
    a two-word noun's first word alone, and its synonyms ("bao nhiêu người thiệt mạng" by "18 người chết"), for
    when the strict pattern finds nothing (strict first: "55.369 đảng viên", not "15 đảng bộ"). `number`: what counts
    as the number (group 1): a figure, or find_counted's spelled-out counts."""
    if noun == ORDINAL:  # "thứ 11", "lần thứ XIX"
        return r"(?<!\w)thu\s+(\d+|[ivxlc]+)(?!\w)"
    if written := _unit_written(noun):
        return rf"(\d[\d.,]*\s*(?:{written}))(?!\w)"
    alternatives = "|".join(_noun_pattern(form) for form in counted_forms(noun, loose))
    return rf"{number}\s+(?:\w+\s+){{0,2}}?(?:{alternatives})(?!\w)"


def _unit_written(noun: str) -> str | None:
    """How articles write the unit `noun` measures in ("met" -> "m|mét"), or None when it counts things."""
    return next((written for unit, written in _UNITS.items() if noun == unit or noun.startswith(unit + " ")), None)


def counted_forms(noun: str, loose: bool = False) -> tuple[str, ...]:
    """The ways an article may write what `noun` counts, longest first: itself and its synonyms
    (lexicon/counted_synonyms.txt); `loose` adds its first word alone and that word's synonyms."""
    forms = {noun, *_SYNONYMS.get(noun, ())}
    if loose and " " in noun:
        head = noun.split()[0]
        forms |= {head, *_SYNONYMS.get(head, ())}
    return tuple(sorted(forms, key=lambda f: (-len(f), f)))


_NUMBER_WORDS = frozenset(word for word, _ in lexicon.table("number_words"))  # "bốn", "tám": small counts spelled out
# ... as folded text writes them, whole words, not followed by what makes them part of a larger number
_SPELLED = (
    r"(?<!\w)(?<!muoi )(" + "|".join(sorted({folded_lower(w) for w in _NUMBER_WORDS})) + r")"
    r"(?!\s+(?:\d|(?:muoi|tram|nghin|ngan|trieu|ty|chuc|lam|mot|tu|le)\b))"
    # "năm nay", "năm ngoái", "năm học": the year, not five
    r"(?!(?<=nam)\s+(?:nay|ngoai|qua|truoc|sau|hoc|moi|toi|do|tai|ke|nao)\b)"
)


def find_counted(noun: str, folded_text: str, text: str | None = None) -> re.Match | None:
    """The first number counting `noun` in a folded text: strictly if any, else loosely (see counted_pattern). With
    the `text` it was folded from (same offsets), a count spelled out ("bốn người thiệt mạng") when no figure counts
    the noun; its diacritics must be a number word's ("bà" is no "ba")."""
    # a spelled count needs its text, and counts things: an ordinal or a unit ("mét") is written as a figure
    spelled = text is not None and len(text) == len(folded_text) and noun != ORDINAL and not _unit_written(noun)
    for loose in (False, True) if " " in noun else (False,):
        if found := re.search(counted_pattern(noun, loose), folded_text):
            return found
        for m in re.finditer(counted_pattern(noun, loose, number=_SPELLED), folded_text) if spelled else ():
            if text[m.start(1) : m.end(1)].lower() in _NUMBER_WORDS:
                return m
    return None


def _noun_pattern(noun: str) -> str:
    # a two-word noun may be split by a word or three: "bao nhiêu hộ thiếu nước" -> "7.200 hộ dân bị thiếu"
    first, _, rest = noun.partition(" ")
    tail = rf"(?:\s+\w+){{0,3}}?\s+{re.escape(rest)}" if rest else ""
    return re.escape(first) + tail


# A person's post as questions name it: "Chủ tịch UBND tỉnh", "Phó Bí thư Thường trực", "Giám đốc Sở Du lịch"
_ROLE = re.compile(
    r"\b((?:pho |tong )?(?:" + "|".join(lexicon.words("posts")) + r")\b"  # "bi thu", not "bi thuong" (bị thương)
    r"(?: (?!la\b|ai\b|nao\b|nam\b|nhiem\b|khoa\b|hien\b|tai\b|cua\b|o\b)\w+){0,2})"
)


# English posts as Vietnamese articles write them (head only): "Who chairs ...?" -> "chu tich"
_ENGLISH_ROLES = lexicon.table("english_posts")
_ENGLISH_ROLE = re.compile(
    r"\b(?P<deputy>deputy |vice |vice-)?(?P<post>" + "|".join(p for p, _ in _ENGLISH_ROLES) + r")\b", re.IGNORECASE
)


def role_of(question: str) -> str | None:
    """The post a question names, folded, with at most two words after its head: 'Ai là Chủ tịch UBND tỉnh
    Lào Cai?' -> 'chu tich ubnd tinh'; in English, the post's Vietnamese head: 'Who is the deputy director of
    ...?' -> 'pho giam doc'. A who-question's answer must hold this post, not another ('Phó Chủ tịch HĐND')."""
    m = _ROLE.search(folded_lower(question))
    if m:
        return m.group(1)
    m = _ENGLISH_ROLE.search(question) if answer_type(question) == "who" else None
    if not m:
        return None
    head = next(v for p, v in _ENGLISH_ROLES if re.fullmatch(p, m.group("post"), re.IGNORECASE))
    return f"pho {head}" if m.group("deputy") else head


def post_mismatch(role: str, sentence: str) -> bool:
    """The sentence names the post asked for only as a deputy's ("Phó Chủ tịch UBND tỉnh" for "Chủ tịch UBND
    tỉnh"), or only as the post itself when a deputy is asked for: another person's answer either way."""
    folded = folded_lower(sentence)
    deputy = role.startswith("pho ")
    post = role.removeprefix("pho ").split()
    head = " ".join(post[:3] if post[0] == "tong" else post[:2])  # "chu tich", "tong giam doc"
    found = [m.start() for m in re.finditer(rf"(?<!\w){re.escape(head)}(?!\w)", folded)]
    as_deputy = [folded[max(0, i - 4) : i] == "pho " for i in found]
    return bool(found) and (not any(as_deputy) if deputy else all(as_deputy))


def number_before(noun: str, text: str) -> bool:
    """A number stands right before `noun` (folded) or a synonym in `text`, at most two words apart: '55.369 đảng viên'."""
    return find_counted(noun, folded_lower(text), text) is not None


_RECENT = re.compile(r"mới nhất|gần đây nhất|gần nhất|moi nhat|gan day nhat|latest|most recent|newest", re.IGNORECASE)


def wants_recent(question: str) -> bool:
    """The question asks for the latest articles: "tin mới nhất", "the latest report"."""
    return bool(_RECENT.search(question))


_ANNOUNCING = re.compile(
    r"\b(?:mot so|nhung|cac|nhieu|hai|ba|bon)\s+(?:\w+\s+){0,2}?(?:"
    + "|".join(map(re.escape, lexicon.words("announcing_nouns")))
    # what may follow the noun: a few words ("... hạn chế cần khắc phục."), or a clause about what it concerns
    + r")\b(?:\s+(?:khien|lam|dan den|cua|trong|de|o|tai|ve)\b(?:\s+\w+){0,10}|(?:\s+\w+){0,4})\s*[.:]?\s*$"
)


_CAUSE_CUES = lexicon.words("cause_cues")
_CAUSE = re.compile(r"(?<!\w)(?:" + "|".join(map(re.escape, _CAUSE_CUES)) + r")(?!\w)")
_CAUSE_FOLDED = re.compile(r"(?<!\w)(?:" + "|".join(sorted({re.escape(folded_lower(c)) for c in _CAUSE_CUES})) + r")(?!\w)")


def states_cause(sentence: str) -> bool:
    """The sentence states a cause ("... nghi vi khuẩn Salmonella", "nguyên nhân là do ..."): what a why-answer leads
    with, when the question's own words match a sentence that only tells what happened. Diacritics decide ("vì",
    not "vi khuẩn"); a sentence written without any is compared folded."""
    lowered = unicodedata.normalize("NFC", sentence).lower()
    folded = folded_lower(sentence)
    return bool((_CAUSE_FOLDED if folded == lowered else _CAUSE).search(lowered))


def announces(sentence: str) -> bool:
    """The sentence announces content it does not give ("Tuy nhiên, ... vẫn còn một số hạn chế."): a what/why
    answer must go on with the sentence after it."""
    return bool(_ANNOUNCING.search(folded_lower(sentence).strip())) or sentence.rstrip().endswith(":")


_ASKED_CONTENT = re.compile(
    r"\b(" + "|".join(map(re.escape, lexicon.words("announcing_nouns"))) + r")\s+(?:gi|nao|ra sao|the nao)\b"
)


def asked_content(question: str) -> str | None:
    """The announcing noun a what-question asks for ("... còn những hạn chế gì?" -> "han che", folded): articles
    announce it ("... vẫn còn một số hạn chế.") before they give it, so that sentence leads the answer."""
    match = _ASKED_CONTENT.search(folded_lower(question))
    return match.group(1) if match else None
