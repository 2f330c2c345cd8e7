"""Vietnamese provinces and well-known cities: found in any spelling, with or without diacritics or capitals.

A question typed in lower case without diacritics ("tinh uy kien giang to chuc dai hoi khi nao") has no
capitals to tell its names apart, yet the place it asks about decides whether an article about another
province answers it. `places_in` finds the places of this list in any text (folded, whole words), and
`named_after_committee` the name that follows a party or people's committee ("quan uy hai chau"), which
no list can hold. Not here: capitalized names in general (qa.reading.evidence.question_entities).
"""

from __future__ import annotations

import re
from functools import lru_cache

from embeddings.ingest.outlets import PROVINCES
from embeddings.lexical import fold

from . import lexicon

# PROVINCES: the 63 provinces and centrally-run cities (embeddings/ingest/data/provinces.txt: the build needs them too)
CITIES = lexicon.words("cities")  # cities, towns and regions news names on their own (no one-syllable names)
_SPELLINGS = dict(lexicon.table("place_spellings"))  # English and short spellings -> the folded Vietnamese name
_COMMITTEE = re.compile(
    r"\b(?:tinh uy|thanh uy|quan uy|huyen uy|thi uy|ubnd (?:tinh|thanh pho|tp|quan|huyen|thi xa)|"
    r"dang bo (?:tinh|thanh pho|quan|huyen))\s+(?P<name>[a-z]+ [a-z]+)\b"
)
# what follows a committee when no name does: a verb phrase ("tinh uy to chuc"), or "thanh uy vien" (a member)
_VERB_PHRASES = frozenset(lexicon.words("committee_verb_phrases"))
_NOT_A_NAME_START = frozenset(lexicon.words("not_a_name_start"))


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
    found = [(m.start(), m.end()) for m in _PATTERN.finditer(folded)]
    if not cased:  # "cahn hoa binh duong": "hòa Bình Dương" or "Hòa Bình dương"? Two overlapping readings: neither
        found = [(a, b) for a, b in found if not _overlapped(folded, a, b)]
    spans = (text[a:b] for a, b in found)
    return [span for span in spans if not cased or all(w[:1].isupper() for w in re.findall(r"\w+", span))]


def _overlapped(folded: str, start: int, end: int) -> bool:
    """Another listed place starts inside the match at `start:end` and runs past it: "hoa binh" in "hoa binh duong"
    (the leftmost match hides the second reading, "binh duong")."""
    for m in re.finditer(r"(?<!\w)\w", folded[start + 1 : end]):
        later = _PATTERN.match(folded, start + 1 + m.start())
        if later and later.end() > end:
            return True
    return False


# the province each listed city lies in: a passage about "TP Thủ Đức" is about Ho Chi Minh City too
_PROVINCE_OF = dict(lexicon.table("province_of_city"))


@lru_cache(maxsize=8192)
def places_in(text: str) -> frozenset[str]:
    """Folded Vietnamese names of the listed places that `text` mentions: 'Can Tho', 'Cần Thơ', 'TPHCM' alike,
    and the province of each city it names ("Nha Trang" -> also "khanh hoa").

    >>> sorted(places_in("Sáng 6/5, UBND tỉnh An Giang và TP Thủ Đức ..."))
    ['an giang', 'ho chi minh', 'thu duc']
    """
    found = {_CANONICAL[_key(m)] for m in place_spans(text)}
    return frozenset(found | {_PROVINCE_OF[p] for p in found if p in _PROVINCE_OF})


def is_place(name: str) -> bool:
    """The whole `name` is a listed place ("Sơn La", "TP.HCM", "Bắc Giang"): no answer to who did something."""
    key = _key(name)
    return key in _CANONICAL


_DIVISION_KINDS = re.compile(r"^(?:huyen|quan|thi xa|thanh pho|tp) ")


@lru_cache(maxsize=1)
def _districts() -> frozenset[str]:
    """Folded names of the districts, towns and provincial cities, as the 63 provinces had them before the 2025
    reform (the list of the vietnam-provinces package, 0.6.0): "son tay", "krong pa". Not "Quận 1": numbers."""
    import json
    from importlib.resources import files

    divisions = json.loads((files("vietnam_provinces") / "data" / "nested-divisions.json").read_text(encoding="utf-8"))
    names = (_DIVISION_KINDS.sub("", _key(d["name"])) for p in divisions for d in p["districts"])
    return frozenset(n for n in names if n and not n[0].isdigit())


@lru_cache(maxsize=1)
def _districts_unspaced() -> dict[str, str]:
    return {d.replace(" ", ""): d for d in _districts() if " " in d}


@lru_cache(maxsize=4096)
def host_districts(doc_id: str) -> tuple[str, ...]:
    """Districts a page's host names in its labels, folded ("krongpa-gialai-gov-vn_..." -> ("krong pa",)): a district
    portal's articles never write their district, their address does.

    >>> host_districts("krongpa-gialai-gov-vn_ubnd-xa-chu-drang"), host_districts("vnexpress-net_bao-so-3")
    (('krong pa',), ())
    """
    host = doc_id.split("_", 1)[0] if "_" in doc_id else ""
    labels = _districts_unspaced()
    return tuple(labels[w] for w in host.lower().split("-") if w in labels)


def is_district(name: str) -> bool:
    """The whole `name` is a district's ("Sơn Tây", "Krông Pa", "huyện Mù Cang Chải"): a place a reader adds to
    locate what an article names, though a commune's portal never writes its district."""
    return _DIVISION_KINDS.sub("", _key(name)) in _districts()


def named_after_committee(text: str) -> list[str]:
    """The two syllables after a committee in a question typed without diacritics: 'quan uy hai chau' -> 'hai chau'."""
    folded = fold(text).lower()
    if folded != text.lower():  # written with diacritics, so with capitals too: qa.reading.evidence reads those
        return []
    out = []
    for m in _COMMITTEE.finditer(folded):
        first, second = m.group("name").split()
        if first in _CANONICAL:  # a one-word spelling: "thanh uy tphcm la ai", "thanh uy tphcm tong ket"
            out.append(text[m.start("name") : m.start("name") + len(first)])
        elif m.group("name") not in _VERB_PHRASES and first not in _NOT_A_NAME_START:
            out.append(text[m.start("name") : m.end("name")])
    return out
