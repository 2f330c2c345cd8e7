"""Makers of real article files for the format tests: DOCX via python-docx, PDF via Chromium's print-to-PDF.

Not fixtures themselves (conftest.py stays small); the test modules wrap them.
"""

from __future__ import annotations

import shutil
import subprocess
from datetime import datetime
from pathlib import Path

import pytest

FORMATS_DATA = Path(__file__).resolve().parent / "data" / "formats"
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"

# A .docx article: a title, a date line, body paragraphs with a table between them, byline, outlet.
DOCX_TITLE = "Cần Thơ khánh thành cầu Trần Hoàng Na nối hai quận trung tâm"
DOCX_PARAGRAPHS = [
    DOCX_TITLE,
    "Thứ Bảy, 30/08/2025 - 09:00",
    "Sáng 30/8, UBND thành phố Cần Thơ khánh thành cầu Trần Hoàng Na dài 320 mét, nối quận Ninh Kiều với quận Cái Răng.",
    ("table", [["Hạng mục", "Giá trị"], ["Chiều dài cầu", "320 mét"], ["Tổng vốn", "470 tỷ đồng"]]),
    "Cây cầu rộng 22 mét với bốn làn xe, được xây dựng trong 26 tháng bằng vốn ngân sách thành phố.",
    "Theo lãnh đạo Sở Giao thông vận tải, cầu giúp giảm ùn tắc cho đường Nguyễn Văn Cừ vào giờ cao điểm.",
    "Minh Huyền",
    "Theo cantho.gov.vn",
]


# The Word file of issue 24: the headline as a plain first paragraph, the date line second, and the title
# Word left in the core properties. It used to be listed as "Word Document", undated.
ISSUE24_TITLE = "Cầu Rạch Miễu 2 nối Tiền Giang và Bến Tre thông xe sau ba năm thi công"
ISSUE24_PARAGRAPHS = [
    ISSUE24_TITLE,
    "Ngày 12 tháng 3 năm 2024",
    "Sáng 12/3, Bộ Giao thông vận tải thông xe cầu Rạch Miễu 2 dài 3,4 km bắc qua sông Tiền, nối Tiền Giang với Bến Tre.",
    "Cầu có bốn làn xe, tổng vốn đầu tư 5.175 tỷ đồng, giảm tải cho cầu Rạch Miễu cũ vốn thường xuyên ùn tắc vào dịp lễ.",
    "Theo baotiengiang.vn",
]


def make_docx(
    path: Path, blocks=DOCX_PARAGRAPHS, core_title: str | None = None, heading: bool = True, created: datetime | None = None
) -> Path:
    """Write `blocks` (strings, or ("table", rows)) as a Word document; the first string is styled as a heading
    unless `heading=False`. `created` sets the core created and modified times (else python-docx's template's)."""
    import docx

    document = docx.Document()
    for i, block in enumerate(blocks):
        if isinstance(block, tuple):
            rows = block[1]
            table = document.add_table(rows=len(rows), cols=len(rows[0]))
            for r, row in enumerate(rows):
                for c, value in enumerate(row):
                    table.cell(r, c).text = value
        elif i == 0 and heading:
            document.add_heading(block, level=1)
        else:
            document.add_paragraph(block)
    document.core_properties.title = core_title or ""
    if created is not None:
        document.core_properties.created = document.core_properties.modified = created
    document.core_properties.author = "python-docx"  # what a generated file says: never taken as the article's author
    document.save(path)
    return path


def print_pdf(html: Path, pdf: Path) -> Path:
    """Chromium's print-to-PDF of a local HTML file (no header/footer), as a reader would save a page."""
    if not Path(CHROMIUM).exists():
        pytest.skip("chromium is not installed: run `make browser` (apt-get install -y chromium)")
    subprocess.run(
        [
            CHROMIUM,
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--no-pdf-header-footer",
            f"--print-to-pdf={pdf}",
            html.resolve().as_uri(),
        ],
        check=True,
        capture_output=True,
        timeout=60,
    )
    return pdf


def image_pdf(path: Path) -> Path:
    """A one-page PDF holding only a picture of text: what a scanner produces."""
    from PIL import Image, ImageDraw

    image = Image.new("RGB", (600, 200), "white")
    ImageDraw.Draw(image).text((20, 80), "Scanned page: no text layer", fill="black")
    image.save(path, "PDF")
    return path


def encrypted_pdf(path: Path) -> Path:
    """A PDF that needs a password to open."""
    from pypdf import PdfWriter

    writer = PdfWriter()
    writer.add_blank_page(200, 200)
    writer.encrypt(user_password="secret", owner_password="owner", algorithm="RC4-128")
    with path.open("wb") as fh:
        writer.write(fh)
    return path
