"""The province an article's outlet names: provincial papers and portals never name their own province.

"Toàn tỉnh kết nạp được 412 đảng viên mới", signed "(NAO)", ending "Theo Báo Nghệ An", saved as
`baonghean-vn_ket-nap-dang-vien.txt`: only the outlet line, the page host or file name and the lead's signature
say which province "toàn tỉnh" is. `outlet_places` reads them; the loader records the first on `Document.place`,
and the chunker puts it beside the title in what is embedded and indexed, so a question naming the province finds
the article. The 63 provinces (`data/provinces.txt`) live here because the build needs them; question reading
(qa.reading.places) takes them from this module.
May import: embeddings.lexical. Must not import: encoders, stores, build, qa, ui.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache
from pathlib import Path

from embeddings.lexical import fold

DATA = Path(__file__).resolve().parent / "data"


def _rows(name: str) -> list[str]:
    text = (DATA / name).read_text(encoding="utf-8")
    return [unicodedata.normalize("NFC", line.strip()) for line in text.splitlines() if line.strip() and not line.startswith("#")]


def _key(text: str) -> str:
    return " ".join(re.findall(r"\w+", fold(text).lower()))


PROVINCES: tuple[str, ...] = tuple(_rows("provinces.txt"))  # the 63 provinces and centrally-run cities
_DISPLAY = {_key(p): p for p in PROVINCES}  # "nghe an" -> "Nghệ An"
# as outlet lines write them ("Báo Nghệ An"), and as page hosts do, without spaces ("baonghean", "thaibinh.gov.vn")
_NAMED = re.compile(r"(?<!\w)(" + "|".join(sorted(map(re.escape, _DISPLAY), key=len, reverse=True)) + r")(?!\w)")
_HOST_FORMS = {k.replace(" ", ""): k for k in _DISPLAY if len(k.replace(" ", "")) >= 6}
_HOST = re.compile("|".join(sorted(map(re.escape, _HOST_FORMS), key=len, reverse=True)))
# how provincial papers sign a lead ("(NAO) - ...") or their source line ("QTO") -> the folded province
_SIGNATURES = dict(row.split("\t", 1) for row in _rows("outlet_signatures.tsv"))
_SIGNED = re.compile(r"\((" + "|".join(map(re.escape, _SIGNATURES)) + r")\)")


@lru_cache(maxsize=8192)
def outlet_places(source: str | None, doc_id: str, lead: str) -> tuple[str, ...]:
    """The provinces an article's outlet names, as written ("Nghệ An"), from its outlet line (`source`), the page
    host in its file name (`doc_id`: "baonghean-vn_...") and the signature in its first lines (`lead`).

    >>> outlet_places("Báo Thái Bình", "x", ""), outlet_places(None, "baonghean-vn_ket-nap", "(NAO) - Toàn tỉnh ...")
    (('Thái Bình',), ('Nghệ An',))
    """
    found = set()
    if source:
        found |= set(_NAMED.findall(_key(source)))
        found |= {_SIGNATURES[source.strip()]} if source.strip() in _SIGNATURES else set()
    for host in (doc_id.split("_", 1)[0], source or ""):
        found |= {_HOST_FORMS[m] for m in _HOST.findall(re.sub(r"[\s\-.]", "", fold(host).lower()))}
    found |= {_SIGNATURES[m] for m in _SIGNED.findall(lead[:80])}
    return tuple(sorted(_DISPLAY.get(p, p) for p in found))


def outlet_place(source: str | None, doc_id: str, text: str) -> str | None:
    """The one province an article's outlet names, or None (none, or several: no guess)."""
    places = outlet_places(source, doc_id, text[:80])
    return places[0] if len(places) == 1 else None
