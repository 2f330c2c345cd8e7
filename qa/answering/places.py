"""Vietnamese provinces and well-known cities: found in any spelling, with or without diacritics or capitals.

A question typed in lower case without diacritics ("tinh uy kien giang to chuc dai hoi khi nao") has no
capitals to tell its names apart, yet the place it asks about decides whether an article about another
province answers it. `places_in` finds the places of this list in any text (folded, whole words), and
`named_after_committee` the name that follows a party or people's committee ("quan uy hai chau"), which
no list can hold. Not here: capitalized names in general (qa.answering.evidence.question_entities).
"""

from __future__ import annotations

import re
from functools import lru_cache

from embeddings.lexical import fold

# The 63 provinces and centrally-run cities (before the 2025 mergers; the merged provinces kept these names),
# then cities, towns and regions that news names on their own. One-syllable names ("Huế", "Vinh") are left out:
# folded, they are ordinary words ("vinh" in "vinh dự").
PROVINCES = (
    "An Giang", "Bà Rịa - Vũng Tàu", "Bạc Liêu", "Bắc Giang", "Bắc Kạn", "Bắc Ninh", "Bến Tre", "Bình Dương",
    "Bình Định", "Bình Phước", "Bình Thuận", "Cà Mau", "Cao Bằng", "Cần Thơ", "Đà Nẵng", "Đắk Lắk", "Đắk Nông",
    "Điện Biên", "Đồng Nai", "Đồng Tháp", "Gia Lai", "Hà Giang", "Hà Nam", "Hà Nội", "Hà Tĩnh", "Hải Dương",
    "Hải Phòng", "Hậu Giang", "Hòa Bình", "Hưng Yên", "Khánh Hòa", "Kiên Giang", "Kon Tum", "Lai Châu", "Lâm Đồng",
    "Lạng Sơn", "Lào Cai", "Long An", "Nam Định", "Nghệ An", "Ninh Bình", "Ninh Thuận", "Phú Thọ", "Phú Yên",
    "Quảng Bình", "Quảng Nam", "Quảng Ngãi", "Quảng Ninh", "Quảng Trị", "Sóc Trăng", "Sơn La", "Tây Ninh",
    "Thái Bình", "Thái Nguyên", "Thanh Hóa", "Thừa Thiên Huế", "Tiền Giang", "Hồ Chí Minh", "Trà Vinh",
    "Tuyên Quang", "Vĩnh Long", "Vĩnh Phúc", "Yên Bái",
)  # fmt: skip
CITIES = (
    "Vũng Tàu", "Hội An", "Đà Lạt", "Nha Trang", "Phú Quốc", "Hạ Long", "Quy Nhơn", "Buôn Ma Thuột", "Pleiku",
    "Biên Hòa", "Thủ Đức", "Long Xuyên", "Mỹ Tho", "Rạch Giá", "Sa Pa", "Sài Gòn", "Phan Thiết", "Cam Ranh",
    "Móng Cái", "Điện Biên Phủ", "Tây Nguyên", "Tây Bắc",
)  # fmt: skip
# English and short spellings of the same places: each maps to its folded Vietnamese form.
_SPELLINGS = {
    "hanoi": "ha noi",
    "saigon": "ho chi minh",
    "sai gon": "ho chi minh",
    "tphcm": "ho chi minh",
    "tp hcm": "ho chi minh",
    "hcmc": "ho chi minh",
    "danang": "da nang",
    "haiphong": "hai phong",
    "hue": "thua thien hue",
    "dalat": "da lat",
}
_COMMITTEE = re.compile(
    r"\b(?:tinh uy|thanh uy|quan uy|huyen uy|thi uy|ubnd (?:tinh|thanh pho|tp|quan|huyen|thi xa)|"
    r"dang bo (?:tinh|thanh pho|quan|huyen))\s+(?P<name>[a-z]+ [a-z]+)\b"
)
# what follows a committee when no name does: a verb phrase ("tinh uy to chuc"), or "thanh uy vien" (a member)
_VERB_PHRASES = frozenset(
    ["to chuc", "ket nap", "ban hanh", "tong ket", "thuc hien", "lanh dao", "chi dao", "de nghi", "yeu cau", "kiem tra"]
)
_NOT_A_NAME_START = frozenset(
    ["vien", "da", "co", "la", "se", "dang", "va", "lam", "khoa", "nhiem", "ve", "cho", "tai", "o", "nam", "ngay", "thang"]
)


def _key(text: str) -> str:
    return " ".join(re.findall(r"\w+", fold(text).lower()))


_CANONICAL = {_key(p): _key(p) for p in (*PROVINCES, *CITIES)} | _SPELLINGS
# over folded lower-case text; words of a name may be split by spaces, hyphens or dots ("Bà Rịa - Vũng Tàu", "TP.HCM")
_PATTERN = re.compile(
    r"(?<!\w)("
    + "|".join(re.escape(k).replace(r"\ ", r"[\s\-.]+") for k in sorted(_CANONICAL, key=len, reverse=True))
    + r")(?!\w)"
)


def place_spans(text: str) -> list[str]:
    """The listed places as `text` writes them ('kien giang' in a question typed in lower case), in order.

    In a text with any capital every word of a place must be capitalized: "hòa bình" is peace and "cao bằng"
    "as high as", "Hòa Bình" and "Cao Bằng" are provinces, "Bắc Sơn là" is no "Sơn La"."""
    folded = fold(text).lower()
    if len(folded) != len(text):  # folding keeps offsets for NFC text; anything else is not searched
        return []
    cased = any(c.isupper() for c in text)
    spans = (text[m.start() : m.end()] for m in _PATTERN.finditer(folded))
    return [span for span in spans if not cased or all(w[:1].isupper() for w in re.findall(r"\w+", span))]


# the province each listed city lies in: a passage about "TP Thủ Đức" is about Ho Chi Minh City too
_PROVINCE_OF = {
    "vung tau": "ba ria vung tau", "hoi an": "quang nam", "da lat": "lam dong", "nha trang": "khanh hoa",
    "phu quoc": "kien giang", "ha long": "quang ninh", "quy nhon": "binh dinh", "buon ma thuot": "dak lak",
    "pleiku": "gia lai", "bien hoa": "dong nai", "thu duc": "ho chi minh", "long xuyen": "an giang",
    "my tho": "tien giang", "rach gia": "kien giang", "sa pa": "lao cai", "phan thiet": "binh thuan",
    "cam ranh": "khanh hoa", "mong cai": "quang ninh", "dien bien phu": "dien bien",
}  # fmt: skip


@lru_cache(maxsize=8192)
def places_in(text: str) -> frozenset[str]:
    """Folded Vietnamese names of the listed places that `text` mentions: 'Can Tho', 'Cần Thơ', 'TPHCM' alike,
    and the province of each city it names ("Nha Trang" -> also "khanh hoa").

    >>> sorted(places_in("Sáng 6/5, UBND tỉnh An Giang và TP Thủ Đức ..."))
    ['an giang', 'ho chi minh', 'thu duc']
    """
    found = {_CANONICAL[_key(m)] for m in place_spans(text)}
    return frozenset(found | {_PROVINCE_OF[p] for p in found if p in _PROVINCE_OF})


def named_after_committee(text: str) -> list[str]:
    """The two syllables after a committee in a question typed without diacritics: 'quan uy hai chau' -> 'hai chau'."""
    folded = fold(text).lower()
    if folded != text.lower():  # written with diacritics, so with capitals too: qa.answering.evidence reads those
        return []
    out = []
    for m in _COMMITTEE.finditer(folded):
        first, second = m.group("name").split()
        if first in _CANONICAL:  # a one-word spelling: "thanh uy tphcm la ai", "thanh uy tphcm tong ket"
            out.append(text[m.start("name") : m.start("name") + len(first)])
        elif m.group("name") not in _VERB_PHRASES and first not in _NOT_A_NAME_START:
            out.append(text[m.start("name") : m.end("name")])
    return out
