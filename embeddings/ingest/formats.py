"""Readers for saved web pages, PDFs and Word files: bytes -> (article text, metadata hints).

Each reader returns plain text in the shape of the `.txt` articles (one paragraph per line,
title and date line on top) plus the metadata the format states outside the text; the
common cleaning and metadata parsing in `embeddings.ingest.load.parse_article` does the rest, so
every format becomes the same kind of Document.

- HTML: trafilatura with pinned options for the body, title, author and site name; our own
  line clean-up after it ("Xem thêm: …", captions); the date from meta tags / JSON-LD only,
  else the visible date line next to the title (never a comment's timestamp).
- PDF: pypdfium2 text, NFC, lines regrouped into paragraphs by the vertical gaps between them.
- DOCX: python-docx, paragraphs and table rows in document order; the core-properties title and
  created date only when they are real (embeddings.ingest.properties: programs fill them with defaults).

Deliberately left out: OCR of scanned PDFs, legacy .doc, MHTML. Heavy imports happen inside
the readers. Every failure is a CorpusError naming the file, the reason and the fix.
"""

from __future__ import annotations

import json
import re
import unicodedata
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from io import BytesIO
from pathlib import Path

from embeddings.errors import CorpusError

from .dates import PubDate, parse_date_line
from .properties import core_date, core_title


@dataclass(frozen=True, slots=True)
class Hints:
    """Metadata a format states outside the text (HTML meta tags, JSON-LD); it wins over what the text says.

    `date_hint` is the exception: a last, lower-precision guess (a Word file's creation month), used only
    when neither the markup nor the text states a date.
    """

    title: str | None = None
    date: PubDate | None = None
    source: str | None = None
    author: str | None = None
    date_hint: PubDate | None = None


def sniff(data: bytes) -> str | None:
    """What the bytes really are: "pdf", "zip" (DOCX is a zip), "html", or None (plain text or unknown)."""
    head = data[:1024].lstrip()
    if head.startswith(b"%PDF-") or b"%PDF-" in data[:1024]:
        return "pdf"
    if head.startswith(b"PK\x03\x04"):
        return "zip"
    if re.match(rb"(?i)(<!doctype html|<html|<head|<meta|<body|<!--)", head) or re.search(rb"(?i)<html[\s>]", data[:4096]):
        return "html"
    return None


def _wrong_kind(path: Path, data: bytes, wanted: str) -> CorpusError:
    kind = sniff(data)
    real = {"pdf": ".pdf", "zip": ".docx (or another zip)", "html": ".html"}.get(kind or "", ".txt")
    looks = f"it is really {kind.upper()}" if kind else "it looks like plain text or an unknown format"
    return CorpusError(f"{path}: not a valid {wanted} file ({looks}); rename it to {real} or re-save it as {wanted}")


# ---------------------------------------------------------------- HTML

_TRAFILATURA = {  # pinned: include_tables=False let a comment block leak into the text on one layout
    "output_format": "json",
    "with_metadata": True,
    "include_comments": False,
    "include_tables": True,
    "include_images": False,
    "include_links": False,
    "include_formatting": False,
    "deduplicate": False,
    "favor_precision": False,
    "favor_recall": False,
    "date_extraction_params": {"extensive_search": False, "original_date": True},
}
_META_DATE_KEYS = {
    "article:published_time",
    "og:published_time",
    "og:article:published_time",
    "datepublished",
    "pubdate",
    "publishdate",
    "publish-date",
    "publish_date",
    "dc.date",
    "dc.date.issued",
    "citation_publication_date",
    "parsely-pub-date",
}
_SEE_ALSO = re.compile(r"^(xem thêm|đọc thêm|tin liên quan|bài liên quan|>>+)\s*[:>-]?\s*\S", re.I)
_CAPTION = re.compile(r"^\|.*\|$|(?:^|[.\s(])(ảnh|photo|nguồn ảnh)\s*:\s*[^.]{1,60}\)?\.?$", re.I)
_COMMENT_BOX = re.compile(r"comment|cmt|binh-?luan|reply|disqus", re.I)
_VISIBLE_WINDOW = 8  # text nodes after the title searched for the visible date line


def _meta_date(tree) -> PubDate | None:
    """Publication date from <meta> tags or JSON-LD `datePublished` (what the outlet's CMS wrote, not the layout)."""
    for meta in tree.iter("meta"):
        key = (meta.get("property") or meta.get("name") or meta.get("itemprop") or "").strip().lower()
        if key in _META_DATE_KEYS and (found := parse_date_line(meta.get("content") or "")):
            return found
    for script in tree.iter("script"):
        if (script.get("type") or "").lower() != "application/ld+json" or not script.text:
            continue
        try:
            data = json.loads(script.text)
        except ValueError:
            continue
        stack = [data]
        while stack:
            item = stack.pop()
            if isinstance(item, list):
                stack.extend(item)
            elif isinstance(item, dict):
                if isinstance(item.get("datePublished"), str) and (found := parse_date_line(item["datePublished"])):
                    return found
                stack.extend(v for v in item.values() if isinstance(v, dict | list))
    return None


def _text_nodes(tree) -> list[str]:
    """The page's visible text nodes in order, without scripts, styles and comment sections (removed from `tree`)."""
    for box in [
        el for el in tree.iter() if isinstance(el.tag, str) and _COMMENT_BOX.search(f"{el.get('class', '')} {el.get('id', '')}")
    ]:
        if box.getparent() is not None:
            box.drop_tree()
    out: list[str] = []
    for el in tree.iter():
        if not isinstance(el.tag, str) or el.tag in ("script", "style", "noscript", "template", "head", "title"):
            continue
        for piece in (el.text, el.tail):
            if piece and (line := _nfc(piece)):
                out.append(line)
    return out


def _visible_date(tree, title: str) -> PubDate | None:
    """The date line shown next to the title (a few text nodes before or after it)."""
    nodes = _text_nodes(tree)
    at = next((i for i, n in enumerate(nodes) if n == title or (len(title) > 20 and n.startswith(title))), None)
    if at is None:
        return None
    for node in nodes[max(0, at - 3) : at + _VISIBLE_WINDOW]:
        if found := parse_date_line(node):
            return found
    return None


def _best_title(tree, extracted: str | None) -> str | None:
    """The page heading that starts with trafilatura's title (<title> often drops a suffix after a dash)."""
    extracted = _nfc(extracted)
    if not extracted:
        return None
    for tag in ("h1", "h2"):
        for el in tree.iter(tag):
            heading = _nfc(el.text_content()) or ""
            if heading.lower().startswith(extracted.lower()) and len(heading) >= len(extracted):
                return heading
    return extracted


def html_lines(text: str) -> list[str]:
    """Trafilatura's text minus what it keeps on some layouts: "Xem thêm: …" lines and photo captions.

    >>> html_lines("Body.\\nXem thêm: Other story\\n| Tàu neo đậu. Ảnh: Lê Hà |\\nMore body.")
    ['Body.', 'More body.']
    """
    return [line for line in text.splitlines() if not (_SEE_ALSO.match(line.strip()) or _CAPTION.search(line.strip()))]


def read_html(data: bytes, path: Path) -> tuple[str, Hints]:
    """A saved news page -> (article text, hints with title, date, outlet, author)."""
    if sniff(data) in ("pdf", "zip"):
        raise _wrong_kind(path, data, "HTML")
    import lxml.html
    import trafilatura

    try:
        tree = lxml.html.document_fromstring(data)
    except Exception as exc:  # noqa: BLE001 - lxml raises several types for unparsable input
        raise CorpusError(f"{path}: not readable as HTML ({exc}); re-save the page from the browser") from None
    raw = trafilatura.extract(data, **_TRAFILATURA)
    result = json.loads(raw) if raw else {}
    if not (result.get("text") or "").strip():
        raise CorpusError(f"{path}: no article text found in the page; save the article page itself, not a list or a login page")
    title = _nfc(_best_title(tree, result.get("title")))
    date = _meta_date(tree) or (_visible_date(tree, title) if title else None)
    text = "\n".join(html_lines(result["text"]))
    if title and not text.startswith(title):
        text = f"{title}\n{text}"  # the header parser then strips it (and a date line under it) from the body
    source = result.get("source-hostname") or result.get("sitename") or result.get("hostname")
    return text, Hints(title=title, date=date, source=_nfc(source), author=_nfc(result.get("author")))


def _nfc(value: str | None) -> str | None:
    return " ".join(unicodedata.normalize("NFC", value).split()) or None if value else None


# ---------------------------------------------------------------- PDF


def _page_lines(textpage) -> list[tuple[str, float, float]]:
    """(text, bottom, top) of each line pdfium finds on a page; heights from the font's box, not the glyphs'."""
    full = textpage.get_text_range()
    lines, pos = [], 0
    for line in full.split("\r\n"):
        boxes = [textpage.get_charbox(i, loose=True) for i in range(pos, pos + len(line)) if not full[i].isspace()]
        pos += len(line) + 2
        if boxes:
            lines.append((line.strip(), min(b[1] for b in boxes), max(b[3] for b in boxes)))
    return lines


def pdf_paragraphs(lines: list[tuple[str, float, float]]) -> list[str]:
    """Join lines into paragraphs: a gap above a line of more than half its height, or a font size change, starts one.

    >>> pdf_paragraphs([("Tiêu đề", 700, 724), ("A b c", 660, 674), ("d e.", 645, 659), ("F g.", 615, 629)])
    ['Tiêu đề', 'A b c d e.', 'F g.']
    """
    paragraphs: list[list[str]] = []
    prev = None
    for text, bottom, top in lines:
        height = top - bottom
        if prev is None:
            paragraphs.append([text])
        else:
            gap = prev[1] - top
            prev_height = prev[2] - prev[1]
            new_size = abs(height - prev_height) > 0.2 * max(height, prev_height)
            if gap > 0.5 * min(height, prev_height) or new_size or gap < -height:  # gap < -height: a new column or page
                paragraphs.append([text])
            else:
                paragraphs[-1].append(text)
        prev = (text, bottom, top)
    return [" ".join(p) for p in paragraphs]


def read_pdf(data: bytes, path: Path) -> tuple[str, Hints]:
    """A PDF with a text layer -> article text (NFC, one paragraph per line)."""
    if sniff(data) != "pdf":
        raise _wrong_kind(path, data, "PDF")
    import pypdfium2 as pdfium

    try:
        pdf = pdfium.PdfDocument(data)
    except pdfium.PdfiumError as exc:
        if "password" in str(exc).lower():
            raise CorpusError(
                f"{path}: the PDF is encrypted (password-protected); save an unprotected copy (print it to PDF) and add that"
            ) from None
        raise CorpusError(f"{path}: damaged PDF ({exc}); download or export it again") from None
    try:
        paragraphs: list[str] = []
        for i in range(len(pdf)):
            page = pdf[i]
            paragraphs += pdf_paragraphs(_page_lines(page.get_textpage()))
    finally:
        pdf.close()
    text = unicodedata.normalize("NFC", "\n".join(paragraphs))
    if not text.strip():
        raise CorpusError(
            f"{path}: no text layer (scanned?); run OCR on it first (e.g. `ocrmypdf in.pdf out.pdf`) and add the result"
        )
    return text, Hints()


# ---------------------------------------------------------------- DOCX


_TEMPLATE = re.compile(rb"<Template>([^<]{1,200})</Template>")


def _docx_template(archive: zipfile.ZipFile) -> str:
    """The template's name in docProps/app.xml ("Normal.dotm"), or ""; generators copy it into the title."""
    try:
        found = _TEMPLATE.search(archive.read("docProps/app.xml"))
    except (KeyError, zipfile.BadZipFile, OSError):
        return ""
    return found[1].decode("utf-8", "replace").strip() if found else ""


def read_docx(data: bytes, path: Path) -> tuple[str, Hints]:
    """A Word .docx -> paragraphs and table rows (cells joined by " | ") in document order.

    Hints: the core title only when it is real, the created month only as a last hint (see properties.py).
    """
    if sniff(data) != "zip":
        raise _wrong_kind(path, data, "DOCX")
    import docx
    from docx.table import Table

    try:
        archive = zipfile.ZipFile(BytesIO(data))
        names = set(archive.namelist())
    except zipfile.BadZipFile as exc:
        raise CorpusError(f"{path}: damaged .docx ({exc}); open it in Word or LibreOffice and save it again") from None
    if "word/document.xml" not in names:
        raise CorpusError(
            f"{path}: not a Word document (a zip file without word/document.xml); save the article as .docx from Word or LibreOffice"
        )
    try:
        document = docx.Document(BytesIO(data))
    except Exception as exc:  # noqa: BLE001 - python-docx surfaces broken packages as assorted lxml/opc errors
        raise CorpusError(
            f"{path}: damaged .docx ({exc.__class__.__name__}); open it in Word or LibreOffice and save it again"
        ) from None
    lines: list[str] = []
    for block in document.iter_inner_content():
        if isinstance(block, Table):
            for row in block.rows:
                cells = []
                for cell in row.cells:
                    value = " ".join(cell.text.split())
                    if value and (not cells or cells[-1] != value):  # merged cells repeat their text
                        cells.append(value)
                if cells:
                    lines.append(" | ".join(cells))
        elif block.text.strip():
            lines.append(block.text)
    if not lines:
        raise CorpusError(f"{path}: the Word document has no text; add the article text or delete it")
    core = document.core_properties
    title = core_title(core.title, lines, path.name, _docx_template(archive))
    return "\n".join(lines), Hints(title=title, date_hint=core_date(core.created, core.modified))


Reader = Callable[[bytes, Path], tuple[str, Hints]]
READERS: dict[str, Reader] = {".html": read_html, ".htm": read_html, ".pdf": read_pdf, ".docx": read_docx}
