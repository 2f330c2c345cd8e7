"""Clean scraped article text: NFC, one paragraph per line, web-page boilerplate removed.

Pure functions over strings. Deliberately conservative: a line is dropped only when
it matches a known widget pattern, repeats the line before it, or follows a footer
marker (related news, comments, visitor counters), after which nothing is article text.
"""

from __future__ import annotations

import re
import unicodedata

# A line that is only one of these ends the article: everything after is page furniture.
FOOTER_MARKERS = re.compile(
    r"^(tin liên quan|xem thêm|tin khác|ý kiến bạn đọc|bình luận|chuyên mục, tin tức liên quan|"
    r"thống kê truy cập|tổng lượt bình luận|gửi bình luận|tin cùng chuyên mục|bài viết liên quan|"
    r"các tin (khác|đã đưa)|chia sẻ bài viết)\s*[:>]*\s*(\(\d+\))?$",
    re.IGNORECASE,
)
# Single lines that are widgets wherever they appear.
WIDGET_LINES = re.compile(
    r"^(refresh|thông báo|chia sẻ|share|in bài|print|bản in|facebook|twitter|zalo|"
    r"tìm kiếm( tìm kiếm nâng cao)?( >>)?|lượt xem:? [\d.]+|"
    r"(hôm nay|hôm qua|tuần này|tháng này|tổng cộng|đang truy cập|đang online):? [\d.,]+|"
    r"[\d ]+|[.\-–—_*•]+)$",
    re.IGNORECASE,
)
PHOTO_CREDIT = re.compile(r"^(ảnh|photo|nguồn ảnh)\s*:", re.IGNORECASE)
MAX_CAPTION_CHARS = 200  # captions above a photo credit here run 37-153 characters; body paragraphs are longer


def normalize(text: str) -> str:
    """NFC-normalize and unify line endings; diacritics stay as they are."""
    text = unicodedata.normalize("NFC", text).replace("\r\n", "\n").replace("\r", "\n")
    return text.replace("\ufeff", "").replace("\u00a0", " ")


def collapse_doubled(line: str) -> str:
    """'Caption Caption' (a caption printed twice on one line) -> 'Caption'."""
    words = line.split()
    half = len(words) // 2
    if len(words) >= 2 and len(words) % 2 == 0 and words[:half] == words[half:]:
        return " ".join(words[:half])
    return line


def clean_lines(text: str) -> list[str]:
    """Split normalized text into content lines, dropping widgets, repeats and the page footer.

    >>> clean_lines("Title\\nBody.\\n\\nPhoto\\nPhoto\\nrefresh\\nTin khác\\nOther story")
    ['Title', 'Body.', 'Photo']
    >>> clean_lines("Title\\nBody.\\nA caption.\\nẢnh: TTXVN\\nMore body.")
    ['Title', 'Body.', 'More body.']
    """
    lines: list[str] = []
    for raw in normalize(text).split("\n"):
        line = collapse_doubled(" ".join(raw.split()))
        if not line:
            continue
        if FOOTER_MARKERS.match(line):
            break
        if PHOTO_CREDIT.match(line):
            if lines and len(lines[-1]) <= MAX_CAPTION_CHARS and len(lines) > 1:
                lines.pop()  # the short line above a photo credit is the photo's caption, not article text
            continue
        if WIDGET_LINES.match(line):
            continue
        if lines and line == lines[-1]:
            continue
        lines.append(line)
    return lines
