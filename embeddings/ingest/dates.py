"""Publication dates as news pages state them, with how much of the date is actually known.

A date line is first stripped of what surrounds the date on Vietnamese pages (weekday,
"Cập nhật", "Ngày đăng", time of day, "(GMT+7)", "Sáng", a place prefix "Hải Phòng, ...");
what is left must be only a date, whose shape decides the precision, and `dateparser`
(Vietnamese and English, day-month-year order) reads the worded ones ("14 Tháng Mười 2025", "October 14, 2025");
all-number dates are read directly (dateparser costs milliseconds per call, a corpus has thousands). Precision:

- "day": 2025-10-14 ("22/07/2019", "ngày 22 tháng 09 năm 2019", "2025-10-14T08:30+07:00")
- "month": 2024-09 ("tháng 9/2024", "09/2024", "2024-09")
- "partial": --03-25, ISO 8601's year-less form ("Chiều 25/3"): shown, never used for recency.

Deliberately left out: guessing a year. A year-less date only gets a year when the article
writes that same day and month with a year ("25/3/2025"); years that merely occur in the text
("nhiệm kỳ 2025-2030", "đến năm 2030") are never borrowed. Dates after today are rejected.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import date
from functools import lru_cache

PRECISIONS = ("day", "month", "partial")
_LANGUAGES = ["vi", "en"]

_TZ = re.compile(r"[\[(]?\s*(?:gmt|utc)\s*[+\-]\s*\d{1,2}(?::?\d{2})?\s*[\])]?|\((?:giờ )?(?:hà nội|việt nam)\)", re.I)
_TIME = re.compile(r"\b\d{1,2}\s*(?::|h)\s*\d{2}(?::\d{2})?(?:\s*(?:am|pm|sa|ch)\b)?", re.I)
_LABEL = re.compile(
    r"^(?:ngày đăng tin|ngày đăng|ngày cập nhật|ngày xuất bản|cập nhật|đăng tải|đăng|xuất bản|thời gian|published|updated|"
    r"posted|date|vào lúc|lúc)(?:\s+(?:lúc|ngày|vào))?\s*[:\-]?\s*",
    re.I,
)
_WEEKDAY = re.compile(r"^(?:thứ\s+(?:hai|ba|tư|năm|sáu|bảy|[2-7])|chủ\s+nhật|cn)\b\s*[,\-|]?\s*", re.I)
_DAYPART = re.compile(r"^(?:rạng\s+sáng|sáng|trưa|chiều|tối|đêm)\s+", re.I)
_TRIM = " \t,;|–—-:.·•"

# What may remain after stripping: nothing but one of these shapes.
_ISO_DAY = re.compile(r"^\d{4}-\d{2}-\d{2}(?:t[\d:.+\-z]*)?$", re.I)
_DMY = re.compile(r"^(?:ngày\s+)?\d{1,2}\s*[/.\-]\s*\d{1,2}\s*[/.\-]\s*\d{4}$", re.I)
_DMY_WORDS = re.compile(r"^(?:ngày\s+)?\d{1,2}\s+(?:tháng\s+)?[\wÀ-ỹ]+,?\s+(?:năm\s+)?\d{4}$", re.I)
_MDY_EN = re.compile(r"^[a-z]{3,9}\.?\s+\d{1,2},?\s+\d{4}$", re.I)
_MONTH = re.compile(r"^(?:tháng\s+)?(\d{1,2})\s*[/.\-]\s*(\d{4})$|^tháng\s+(\d{1,2}),?\s+năm\s+(\d{4})$", re.I)
_NUMERIC = re.compile(
    r"(?:ngày\s+)?(\d{1,2})(?:[/.\-]|\s+tháng\s+)(\d{1,2})(?:[/.\-]|,?\s+(?:năm\s+)?)(\d{4})|(\d{4})-(\d{2})-(\d{2})", re.I
)
_ISO_MONTH = re.compile(r"^(\d{4})-(\d{2})$")
_DAY_MONTH = re.compile(r"^(?:ngày\s+)?(\d{1,2})\s*[/.]\s*(\d{1,2})$|^ngày\s+(\d{1,2})\s+tháng\s+(\d{1,2})$", re.I)
_PLACE = re.compile(r"^[A-ZĐÀ-Ỹ][\wÀ-ỹ.]*(?:\s+[\wÀ-ỹ.]+){0,4}\s*,\s*", re.U)

# A date opening a lead paragraph, after an optional dateline: "Chiều 25/3, ...", "TTXVN- Sáng ngày 30/11/2021, ...",
# "(Thanhuytphcm.vn) - Chiều 1/3, ...", "HÀ NỘI - Sáng 12/3". A date further into a sentence is some other event's.
_LEAD = re.compile(
    r"^(?:[\w.()À-ỹ]+\s*){0,3}?[-–—:]?\s*(?:ngày|sáng|chiều|tối|trưa|đêm)\s+(?:ngày\s+)?(\d{1,2})/(\d{1,2})(?:/(\d{4}))?(?![/\d])",
    re.I,
)


@dataclass(frozen=True, slots=True)
class PubDate:
    """A publication date: `iso` is "2025-10-14" (day), "2024-09" (month) or "--03-25" (partial, year unknown)."""

    iso: str
    precision: str  # one of PRECISIONS


def _strip(line: str) -> str:
    """Remove everything around the date a page writes on its date line (see the module docstring)."""
    s = " ".join(unicodedata.normalize("NFC", line).split())
    s = _TZ.sub(" ", s)
    s = _TIME.sub(" ", s) if not _ISO_DAY.match(s.strip(_TRIM)) else s
    s = " ".join(s.split()).strip(_TRIM)
    for _ in range(4):  # labels, weekdays and parts of the day come in any order: "Cập nhật: Thứ Hai, ..."
        before = s
        for pattern in (_LABEL, _WEEKDAY, _DAYPART):
            s = pattern.sub("", s).strip(_TRIM)
        if s == before:
            break
    return re.sub(r"\s*([/.\-])\s*", r"\1", s) if re.fullmatch(r"[\d\s/.\-]+", s) else s


@lru_cache(maxsize=4)
def _dateparser(parts: tuple[str, ...]):
    """One dateparser instance per set of required parts: building one per call costs ~10x the parse."""
    from dateparser import DateDataParser  # ~300 ms to import: only when a worded date is actually read

    settings = {
        "DATE_ORDER": "DMY",
        "REQUIRE_PARTS": list(parts),
        "PREFER_DAY_OF_MONTH": "first",
        "RETURN_AS_TIMEZONE_AWARE": False,
    }
    return DateDataParser(languages=_LANGUAGES, settings=settings)


def _full_date(core: str) -> date | None:
    """Day, month and year of a stripped date line; numbers are read directly, words ("Tháng Mười", "October") by dateparser."""
    if numbers := _NUMERIC.fullmatch(core):
        g = numbers.groups()
        day, month, year = (g[0], g[1], g[2]) if g[0] else (g[5], g[4], g[3])
        try:
            return date(int(year), int(month), int(day))
        except ValueError:
            return None
    parsed = _dateparser(("day", "month", "year")).get_date_data(core).date_obj
    return parsed.date() if parsed else None


def _from_core(core: str, today: date) -> PubDate | None:
    if _ISO_DAY.match(core):
        core = core[:10]  # the outlet's own calendar day, whatever the time zone
    if _ISO_DAY.match(core) or _DMY.match(core) or _DMY_WORDS.match(core) or _MDY_EN.match(core):
        found = _full_date(core)
        if found is None or found.year < 1900 or found > today:
            return None
        return PubDate(found.isoformat(), "day")
    if m := (_MONTH.match(core) or _ISO_MONTH.match(core)):
        groups = [g for g in m.groups() if g]
        month, year = (int(groups[1]), int(groups[0])) if m.re is _ISO_MONTH else (int(groups[0]), int(groups[1]))
        if not (1 <= month <= 12 and year >= 1900) or date(year, month, 1) > today:
            return None
        return PubDate(f"{year:04d}-{month:02d}", "month")
    if m := _DAY_MONTH.match(core):
        day, month = (int(g) for g in m.groups() if g)
        return partial(day, month)
    return None


def partial(day: int, month: int) -> PubDate | None:
    """A year-less date, if it exists in some year (29/2 does): >>> partial(25, 3) -> PubDate('--03-25', 'partial')."""
    try:
        date(2000, month, day)  # a leap year: every real day and month
    except ValueError:
        return None
    return PubDate(f"--{month:02d}-{day:02d}", "partial")


def parse_date_line(line: str, today: date | None = None) -> PubDate | None:
    """The date a whole line states, or None when the line says anything besides a date.

    >>> parse_date_line("16:29, Thứ Hai, 22/07/2019 (GMT+7)") -> PubDate("2019-07-22", "day")
    >>> parse_date_line("Hải Phòng, ngày 22 tháng 09 năm 2019") -> PubDate("2019-09-22", "day")
    """
    today = today or date.today()
    if len(line) > 120 or not any(c.isdigit() for c in line):
        return None
    core = _strip(line)
    found = _from_core(core, today)
    if found is None and (place := _PLACE.match(core)):  # "Hải Phòng, ngày 22 tháng 09 năm 2019"
        found = _from_core(_strip(core[place.end() :]), today)
    return found


def find_date(text: str, today: date | None = None) -> PubDate | None:
    """The first date line among the lines of `text` (e.g. a page header)."""
    for line in text.splitlines():
        if found := parse_date_line(line, today):
            return found
    return None


def stated_year(day: int, month: int, body: str) -> int | None:
    """The year the article writes next to this same day and month ("25/3/2025", "ngày 25 tháng 3 năm 2025").

    Only one such year counts: two different years for the same day are ambiguous -> None.
    """
    years = set()
    for m in re.finditer(rf"(?<![\d/])0?{day}\s*[/.\-]\s*0?{month}\s*[/.\-]\s*(\d{{4}})\b", body):
        years.add(int(m[1]))
    for m in re.finditer(rf"\bngày\s+0?{day}\s+tháng\s+0?{month}\s+năm\s+(\d{{4}})\b", body, re.I):
        years.add(int(m[1]))
    return years.pop() if len(years) == 1 else None


def lead_date(lead: str, body: str, today: date | None = None) -> PubDate | None:
    """The event date at the start of the lead paragraph, as the best evidence of when the article was written.

    "Chiều 25/3, ..." -> partial --03-25, unless the body writes 25/3 with a year elsewhere.
    """
    today = today or date.today()
    m = next((found for line in lead.splitlines() if (found := _LEAD.match(line.strip()))), None)
    if m is None:
        return None
    day, month = int(m[1]), int(m[2])
    year = int(m[3]) if m[3] else stated_year(day, month, body)
    if year is None:
        return partial(day, month)
    try:
        found = date(year, month, day)
    except ValueError:
        return None
    return PubDate(found.isoformat(), "day") if year >= 1900 and found <= today else None


def date_range(iso: str | None) -> tuple[date, date] | None:
    """First and last day an ISO date covers: a day, a whole month, or None when the year is unknown.

    What recency and date filters use, so partial dates never take part in them.
    """
    if not iso or iso.startswith("--"):
        return None
    try:
        if len(iso) == 7:
            first = date.fromisoformat(iso + "-01")
            nxt = date(first.year + first.month // 12, first.month % 12 + 1, 1)
            return first, date.fromordinal(nxt.toordinal() - 1)
        day = date.fromisoformat(iso[:10])
    except ValueError:
        return None
    return day, day


def precision_of(iso: str | None) -> str | None:
    """Precision from the ISO form alone (for indexes written before precision was stored)."""
    if not iso:
        return None
    return "partial" if iso.startswith("--") else "month" if len(iso) == 7 else "day"
