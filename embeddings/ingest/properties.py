"""What a Word file says about itself (its core properties), judged against its text: a real title, a date hint.

Word, LibreOffice, converters and generators fill the core title with defaults ("Word Document",
"Microsoft Word - bai-bao.doc", "Document1", the file name, the template's name) and the created and
modified times with the template's or the machine's clock. So:

- the core title is taken only when it is real: it names a line at the top of the text (that line is
  the title), or the text has no headline of its own; a default is never taken;
- the created (else modified) time is a month-precision hint, used only when the text states no date;
  never after today, never a template's known timestamp.

The defaults are data, not code: `data/default_titles.txt` (shell patterns) and `data/default_dates.txt`.
Deliberately left out: subject, keywords, description and author (generators write "python-docx", "Admin").
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from datetime import date, datetime
from fnmatch import fnmatchcase
from functools import lru_cache
from pathlib import Path

from .dates import PubDate, parse_date_line

DATA = Path(__file__).resolve().parent / "data"
HEADER_LINES = 6  # the lines parse_article reads the title and date line from
_MAX_HEADLINE_WORDS = 40  # a longer first line is a lead paragraph, not a headline
_SENTENCE_END = (".", ":", ";", ",")  # headlines do not end like a sentence of the body ("?" and "!" they may)


def _patterns(name: str) -> tuple[str, ...]:
    lines = (DATA / name).read_text(encoding="utf-8").splitlines()
    return tuple(unicodedata.normalize("NFC", s.strip()).casefold() for s in lines if s.strip() and not s.startswith("#"))


@lru_cache(maxsize=1)
def default_titles() -> tuple[str, ...]:
    """The default-title patterns of `data/default_titles.txt`, NFC and lower case."""
    return _patterns("default_titles.txt")


@lru_cache(maxsize=1)
def default_dates() -> frozenset[str]:
    """The template timestamps of `data/default_dates.txt` ("2013-12-23T23:15:00", UTC)."""
    return frozenset(s.upper() for s in _patterns("default_dates.txt"))


def _plain(text: str) -> str:
    """NFC, one space between words, lower case: how titles and lines are compared."""
    return " ".join(unicodedata.normalize("NFC", text).split()).casefold()


def _name_key(text: str) -> str:
    """Letters and digits without diacritics, lower case: "Cầu_Trần-Hoàng Na" and "cau tran hoang na" compare equal.

    Uploads are stored under ASCII names (embeddings.ingest.corpus.safe_name), so the file name a generator
    copied into the title must be recognised in either spelling.
    """
    folded = unicodedata.normalize("NFKD", text.replace("đ", "d").replace("Đ", "D")).encode("ascii", "ignore").decode()
    return " ".join(re.findall(r"[a-z0-9]+", folded.lower()))


def is_default_title(title: str, file_name: str = "", template: str = "") -> bool:
    """True for a title a program filled in, not a writer: a default pattern, the file's or the template's name.

    >>> is_default_title("Microsoft Word - bai-bao.doc"), is_default_title("Bai_bao", "bai-bao.docx")
    (True, True)
    """
    plain = _plain(title)
    if not plain or any(fnmatchcase(plain, pattern) for pattern in default_titles()):
        return True
    names = {file_name, Path(file_name).stem, template, Path(template).stem} - {""}
    key = _name_key(title)
    return not key or key in {_name_key(n) for n in names}


def has_headline(lines: Sequence[str]) -> bool:
    """Whether the text opens with a headline: its first line that is not a date line is short and not a body sentence."""
    for line in lines[:HEADER_LINES]:
        if not line.strip() or parse_date_line(line):
            continue
        words = line.split()
        return len(words) <= _MAX_HEADLINE_WORDS and not line.rstrip().endswith(_SENTENCE_END)
    return False


def core_title(title: str | None, lines: Sequence[str], file_name: str = "", template: str = "") -> str | None:
    """The title a Word file's core properties give, if it is real; None leaves the title to the text.

    - a default (see `is_default_title`) -> None;
    - it is, or begins, one of the top lines -> that whole line (the text's own spelling);
    - otherwise -> itself only when the text has no headline (`has_headline`), else None.

    >>> core_title("Word Document", ["Cầu Rạch Miễu 2 thông xe sau ba năm thi công", "Ngày 12 tháng 3 năm 2024"])  # -> None
    """
    title = " ".join(unicodedata.normalize("NFC", title or "").split())
    if not title or is_default_title(title, file_name, template):
        return None
    wanted = _plain(title)
    for line in lines[:HEADER_LINES]:
        plain = _plain(line)
        if plain == wanted or (len(wanted.split()) >= 3 and plain.startswith(wanted)):
            return " ".join(unicodedata.normalize("NFC", line).split())
    return None if has_headline(lines) else title


def core_date(created: datetime | None, modified: datetime | None, today: date | None = None) -> PubDate | None:
    """A month-precision date hint from a Word file's created time (else its modified time).

    None for a template's known timestamp (`default_dates`), a time after today, or before 1900.
    >>> core_date(datetime(2024, 3, 12, 8, 30), None, today=date(2025, 1, 1))  # -> PubDate("2024-03", "month")
    """
    today = today or date.today()
    for moment in (created, modified):
        if moment is None:
            continue
        stamp = moment.replace(tzinfo=None).isoformat(timespec="seconds").upper()
        day = moment.date()
        if stamp in default_dates() or day > today or day.year < 1900:
            continue
        return PubDate(f"{day.year:04d}-{day.month:02d}", "month")
    return None
