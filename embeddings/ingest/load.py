"""Load a corpus folder into Documents: read files safely, find title/date/outlet/author, clean the body.

Metadata is parsed from the ways Vietnamese news pages state it: "18/03/2022, 06:39",
"Thứ Tư, ngày 29 tháng 6 năm 2022", "Ngày đăng tin: 01/12/2021", "Theo nhandan.vn",
"(TTXVN)", "TTXVN-", and a byline on its own line at the end. Files that cannot be used
are reported as skipped with the reason, never raised mid-corpus.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Collection
from dataclasses import dataclass, field
from pathlib import Path

from embeddings.errors import CorpusError
from embeddings.types import Document

from .clean import clean_lines
from .dates import lead_date, parse_date_line
from .formats import READERS, Hints, sniff
from .outlets import outlet_place

TEXT_SUFFIXES = (".txt", ".md")
SUFFIXES = (".txt", ".md", ".html", ".htm", ".pdf", ".docx")
MAX_FILE_BYTES = 5_000_000  # a news article is a few KB of text; 5 MB is a mis-saved file, not an article
MAX_BINARY_BYTES = 30_000_000  # PDF and DOCX carry photos and fonts: more room, still far below a 50 MB upload

_POSTED = re.compile(r"người đăng( tin)?:\s*(?P<poster>.+?)\s+ngày đăng( tin)?:\s*(?P<date>\S+)", re.IGNORECASE)
_THEO = re.compile(r"^(theo|nguồn:?)\s+(?P<src>[\w.\- ]{2,40})\.?$", re.IGNORECASE)
_LEAD_SOURCE = re.compile(r"^\(?(?P<src>[A-ZĐ][\w.]{1,30}(\.(vn|com|net|org))?)\)?\s*[-–—]\s*\S")
_PAREN_SOURCE = re.compile(r"\((?P<src>TTXVN|VNA|TTO|VOV|VTV|QĐND|SGGP)\)")
_BYLINE = re.compile(r"^(?:[A-ZĐÀ-Ỹ][\wÀ-ỹ]*)(?: [A-ZĐÀ-Ỹ][\wÀ-ỹ]*){1,4}\.?$")
_MD_HEADING = re.compile(r"^#{1,6}[ \t]+", re.MULTILINE)
_SHORT_WORDS = 3  # header tags ("Xây dựng Đảng", "Cần Thơ") have at most this many words
_BREADCRUMB = re.compile(r"\s[›»>|/]\s")  # "Xã hội › Giao thông", "Thời sự > Xã hội"
_TITLE_MIN_WORDS = 5
_TITLE_MAX_WORDS = 40  # a headline is a line, not a paragraph
_SENTENCE_CLOSE = re.compile(r"(?<![.…])[.;:][\"”’)]*$")  # a lead ends with a period; a headline seldom does ("..." may)


@dataclass(frozen=True, slots=True)
class Skipped:
    path: str
    reason: str


@dataclass(slots=True)
class LoadResult:
    documents: list[Document] = field(default_factory=list)
    skipped: list[Skipped] = field(default_factory=list)


def _is_byline(line: str) -> bool:
    words = line.rstrip(".").split()
    return 2 <= len(words) <= 5 and bool(_BYLINE.match(line)) and not line.isupper()


def _reads_as_body(line: str) -> bool:
    """A first line that is a sentence of the body, not a headline: it closes like a sentence or runs long."""
    return bool(_SENTENCE_CLOSE.search(line.rstrip())) or len(line.split()) > _TITLE_MAX_WORDS


def _title_from(lead: str, max_chars: int = 120) -> str:
    """A title for an article saved without one: its first sentence, cut at a word within `max_chars` ("…")."""
    first = re.split(r"(?<=[.!?])\s", lead, maxsplit=1)[0]
    if len(first) <= max_chars:
        return first
    return first[: first.rfind(" ", 0, max_chars)].rstrip(" ,;:") + "…"


def parse_article(doc_id: str, raw_text: str, content_hash: str, path: str = "", hints: Hints | None = None) -> Document:
    """Pure: raw article text -> Document with metadata and a clean body (paragraphs joined by blank lines).

    `hints` (from a page's markup) override what the text says; a hinted title is removed from the body's top;
    `hints.date_hint` is used only when nothing else gives a date.
    """
    hints = hints or Hints()
    lines = clean_lines(raw_text)
    if not lines:
        raise CorpusError(f"{path or doc_id}: no article text after cleaning")
    title, date, source, author = hints.title, hints.date, hints.source, hints.author
    header_end = 0
    for i, line in enumerate(lines[:6]):
        if posted := _POSTED.search(line):
            date = date or parse_date_line(posted["date"])
            header_end = i + 1
        elif pub := parse_date_line(line):
            date = date or pub
            header_end = i + 1
        elif hints.title and line == hints.title:
            header_end = i + 1
        elif title is None and _BREADCRUMB.search(line) and len(line.split()) <= 2 * _SHORT_WORDS:
            header_end = i + 1  # the site's section path above the title: "Xã hội › Giao thông"
        elif title is None and len(line.split()) >= _TITLE_MIN_WORDS and not _reads_as_body(line):
            title = line.rstrip()
            header_end = i + 1
        elif title is None and len(line.split()) >= _TITLE_MIN_WORDS:
            break  # saved without its headline: the text starts with the lead, which stays in the body
        elif hints.title and len(line.split()) >= _TITLE_MIN_WORDS:
            break  # the text starts with the body: the title is only in the markup
        elif title is None and len(line.split()) <= _SHORT_WORDS:
            header_end = i + 1  # a section tag above the title
        elif title is not None and len(line.split()) <= _SHORT_WORDS and not line.endswith("."):
            header_end = i + 1  # a place tag under the title
        else:
            break
    body = lines[header_end:]
    # The tail: "Theo nhandan.vn", a byline on its own line, in either order.
    for _ in range(2):
        if body and (theo := _THEO.match(body[-1])):
            source = source or theo["src"].strip()
            body = body[:-1]
        elif body and len(body) > 1 and _is_byline(body[-1]):
            author = author or body[-1].rstrip(".")
            body = body[:-1]
    for line in body[:3]:
        if lead := _LEAD_SOURCE.match(line):
            source = source or lead["src"]
            break
        if paren := _PAREN_SOURCE.search(line):
            source = source or paren["src"]
            break
    if date is None:  # "Chiều 25/3, ...": the event in the lead, partial unless the article writes its year
        date = lead_date("\n".join(body[:3]), "\n".join(body))
    date = date or hints.date_hint  # last: what the file says of itself (a Word file's creation month)
    if not body:
        raise CorpusError(f"{path or doc_id}: only a title and metadata, no article body")
    text = "\n\n".join(body)
    return Document(
        doc_id=doc_id,
        title=title or _title_from(body[0]),
        text=text,
        content_hash=content_hash,
        date=date.iso if date else None,
        date_precision=date.precision if date else None,
        source=source,
        author=author,
        path=path,
        place=outlet_place(source, doc_id, text),
    )


def _read_bytes(path: Path, limit: int) -> bytes:
    try:
        size = path.stat().st_size
        if size > limit:
            raise CorpusError(
                f"{path}: {size / 1e6:.1f} MB is too large for an article (limit {limit / 1e6:.0f} MB for {path.suffix} files); "
                "split it or remove it"
            )
        data = path.read_bytes()
    except PermissionError:
        raise CorpusError(f"{path}: permission denied; make the file readable (chmod a+r) or move it out of the corpus") from None
    except OSError as exc:
        raise CorpusError(f"{path}: cannot be read ({exc.strerror}); check the file") from None
    if not data.strip():
        raise CorpusError(f"{path}: the file is empty; add the article text or delete it")
    return data


def _decode_text(path: Path, data: bytes) -> str:
    if (kind := sniff(data)) in ("pdf", "zip"):
        real = ".pdf" if kind == "pdf" else ".docx"
        raise CorpusError(f"{path}: is a {kind.upper()} file saved with the {path.suffix} extension; rename it to {real}")
    if b"\x00" in data[:4096]:
        raise CorpusError(f"{path}: looks binary (or UTF-16); save it as UTF-8 text")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise CorpusError(
            f"{path}: not valid UTF-8 (byte {exc.start}); re-save it as UTF-8, e.g. `iconv -f WINDOWS-1258 -t UTF-8`"
        ) from None


def read_article(path: Path) -> Document:
    """Read one file strictly (not empty, not huge, really of its extension's format) and parse it."""
    data = _read_bytes(path, MAX_BINARY_BYTES if path.suffix.lower() in (".pdf", ".docx") else MAX_FILE_BYTES)
    return article_from_bytes(data, path)


def article_from_bytes(data: bytes, path: Path) -> Document:
    """Parse a file's bytes by its extension; `path` gives the id (its stem) and names the file in errors."""
    suffix = path.suffix.lower()
    if not data.strip():
        raise CorpusError(f"{path}: the file is empty; add the article text or delete it")
    digest = hashlib.sha256(data).hexdigest()
    if suffix in TEXT_SUFFIXES:
        text = _decode_text(path, data)
        if suffix == ".md":
            text = _MD_HEADING.sub("", text)  # "# Title" -> "Title"; the rest of Markdown reads as text
        return parse_article(path.stem, text, digest, str(path))
    text, hints = READERS[suffix](data, path)
    return parse_article(path.stem, text, digest, str(path), hints)


def text_key(doc: Document) -> str:
    """Hash of the title and body words, lowercased: the same article saved twice, in any two formats, shares it."""
    words = re.findall(r"\w+", f"{doc.title}\n{doc.text}".lower())
    return hashlib.sha256(" ".join(words).encode()).hexdigest()


def corpus_files(folder: Path) -> list[Path]:
    """The article files of a corpus folder, sorted; symlinks leading outside it are refused."""
    if not folder.is_dir():
        raise CorpusError(
            f"corpus folder {folder} does not exist; pass --corpus DIR or create it with your articles ({', '.join(SUFFIXES)})"
        )
    return sorted(p for p in folder.rglob("*") if p.suffix.lower() in SUFFIXES and not p.name.startswith("."))


def load_corpus(folder: Path, prefer: Collection[str] = ()) -> LoadResult:
    """Every article file under `folder` as a Document; unusable files and duplicates land in `skipped` with the reason.

    Duplicates: the same bytes under another name, or the same title and body in another format
    (an .html page and its .pdf print). The copy kept is an article id in `prefer` (those already
    indexed: adding a copy never replaces them), else the first file in name order.
    """
    result = LoadResult()
    root = folder.resolve()
    ids: set[str] = set()
    by_hash: dict[str, str] = {}
    by_text: dict[str, str] = {}
    for path in sorted(corpus_files(folder), key=lambda p: (p.stem not in prefer, p)):
        if not path.resolve().is_relative_to(root):
            result.skipped.append(
                Skipped(str(path), f"{path}: symlink points outside the corpus folder; copy the file in instead")
            )
            continue
        try:
            doc = read_article(path)
        except CorpusError as exc:
            result.skipped.append(Skipped(str(path), str(exc)))
            continue
        key = text_key(doc)
        if first := by_hash.get(doc.content_hash) or by_text.get(key):
            what = "the same file" if doc.content_hash in by_hash else "the same article"
            result.skipped.append(Skipped(str(path), f"{path}: duplicate, {what} as {first}; not indexed twice (delete one)"))
            continue
        if path.stem in ids:
            result.skipped.append(Skipped(str(path), f"{path}: another file already has the id {path.stem!r}; rename one"))
            continue
        ids.add(path.stem)
        by_hash[doc.content_hash] = str(path)
        by_text[key] = str(path)
        result.documents.append(doc)
    result.documents.sort(key=lambda d: Path(d.path))  # name order, as before preferring
    result.skipped.sort(key=lambda s: Path(s.path))
    return result
