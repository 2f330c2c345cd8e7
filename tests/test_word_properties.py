"""Word files as users bring them (issue 24, part 1): default core titles and dates are not taken for the article's."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime

import pytest

from embeddings.ingest.dates import PubDate
from embeddings.ingest.load import read_article
from embeddings.ingest.properties import core_date, core_title, has_headline, is_default_title
from qa.cli.main import main

from .conftest import FakeEncoder
from .format_files import ISSUE24_PARAGRAPHS, ISSUE24_TITLE, make_docx

HEADLINE_FIRST = [ISSUE24_TITLE, "Ngày 12 tháng 3 năm 2024", "Sáng 12/3, cầu được thông xe."]
BODY_FIRST = ["Ngày 12/01/2024", "Đoạn thân bài thứ nhất nói về việc khánh thành cầu mới ở Cần Thơ.", "Đoạn thứ hai."]


@pytest.mark.parametrize(
    "title, file_name, template",
    [
        ("Word Document", "", ""),  # python-docx, and Word's own "new document" title
        ("Microsoft Word - x.doc", "", ""),  # a Word file printed to PDF and converted back
        ("microsoft word - bai-bao.doc", "", ""),
        ("Document1", "", ""),
        ("Tài liệu1", "", ""),  # Vietnamese Word's "Document1"
        ("bai-bao.docx", "", ""),  # a file name
        ("Bai_bao", "bai-bao.docx", ""),  # this file's name, spelled another way
        ("Cầu Trần Hoàng Na", "Cau_Tran_Hoang_Na.docx", ""),  # the upload's original name, stored as ASCII
        ("Normal", "", "Normal.dotm"),  # the template's name
        ("  ", "", ""),
    ],
)
def test_default_titles_are_recognised(title, file_name, template):
    assert is_default_title(title, file_name, template)


@pytest.mark.parametrize("title", ["Cầu Rạch Miễu 2 thông xe", "Word Document về chuyển đổi số", "Documentary festival opens"])
def test_real_titles_are_not_defaults(title):
    assert not is_default_title(title, "bai-bao.docx", "Normal.dotm")


@pytest.mark.parametrize(
    "title, lines, expected",
    [
        ("Word Document", HEADLINE_FIRST, None),  # default: the text's headline stays
        ("Microsoft Word - x.doc", HEADLINE_FIRST, None),
        ("Word Document", BODY_FIRST, None),  # a default is never taken, even when the text has no headline
        (ISSUE24_TITLE.upper(), HEADLINE_FIRST, ISSUE24_TITLE),  # it names the first line: the line, as written
        ("Cầu Rạch Miễu 2 nối Tiền Giang", HEADLINE_FIRST, ISSUE24_TITLE),  # a shortened title names its line
        ("Báo cáo quý 1", HEADLINE_FIRST, None),  # real, but not in the text, which has its own headline
        ("Khánh thành cầu mới", BODY_FIRST, "Khánh thành cầu mới"),  # real, and the text has none
    ],
)
def test_core_title_only_when_real(title, lines, expected):
    assert core_title(title, lines, "bai-bao.docx", "Normal.dotm") == expected


def test_has_headline():
    assert has_headline(HEADLINE_FIRST)
    assert not has_headline(BODY_FIRST)  # after the date line, a sentence of the body
    assert not has_headline(["Ngày 12/01/2024"])
    assert not has_headline([" ".join(["từ"] * 41)])  # too long for a headline


TODAY = date(2025, 1, 1)


@pytest.mark.parametrize(
    "created, modified, expected",
    [
        (datetime(2024, 3, 12, 8, 30, tzinfo=UTC), None, PubDate("2024-03", "month")),  # a month, never the day
        (None, datetime(2023, 7, 1, tzinfo=UTC), PubDate("2023-07", "month")),  # modified when created is missing
        (datetime(2013, 12, 23, 23, 15, tzinfo=UTC), datetime(2024, 5, 2, tzinfo=UTC), PubDate("2024-05", "month")),
        (datetime(2026, 2, 1, tzinfo=UTC), None, None),  # after today
        (datetime(2013, 12, 23, 23, 15, tzinfo=UTC), None, None),  # python-docx's template
        (None, None, None),
    ],
)
def test_core_date_is_a_month_hint(created, modified, expected):
    assert core_date(created, modified, today=TODAY) == expected


def test_issue_24_word_file_keeps_its_headline_and_date_line(tmp_path):
    path = make_docx(tmp_path / "bai-bao.docx", ISSUE24_PARAGRAPHS, core_title="Word Document", heading=False)
    doc = read_article(path)
    assert (doc.title, doc.date, doc.date_precision, doc.source) == (ISSUE24_TITLE, "2024-03-12", "day", "baotiengiang.vn")
    assert doc.text.startswith("Sáng 12/3, Bộ Giao thông vận tải")  # headline and date line left the body


@pytest.mark.parametrize(
    "core, expected",
    [
        ("Word Document", ISSUE24_TITLE),
        ("Microsoft Word - x.doc", ISSUE24_TITLE),
        (ISSUE24_TITLE, ISSUE24_TITLE),  # a real one that is the headline
        ("Khánh thành cầu", ISSUE24_TITLE),  # a real one elsewhere: the text's headline wins
    ],
)
def test_word_file_titles(tmp_path, core, expected):
    doc = read_article(make_docx(tmp_path / "x.docx", ISSUE24_PARAGRAPHS, core_title=core, heading=False))
    assert (doc.title, doc.date) == (expected, "2024-03-12")


def test_created_month_only_when_the_text_states_no_date(tmp_path):
    blocks = [ISSUE24_TITLE, "Bộ Giao thông vận tải thông xe cầu Rạch Miễu 2 dài 3,4 km bắc qua sông Tiền."]
    created = datetime(2024, 3, 12, 1, 0, tzinfo=UTC)
    undated = read_article(make_docx(tmp_path / "a.docx", blocks, created=created))
    assert (undated.date, undated.date_precision) == ("2024-03", "month")
    dated = read_article(make_docx(tmp_path / "b.docx", [blocks[0], "Thứ Ba, 05/03/2024", blocks[1]], created=created))
    assert (dated.date, dated.date_precision) == ("2024-03-05", "day")  # the date line wins
    template = read_article(make_docx(tmp_path / "c.docx", blocks))  # python-docx's 2013 template time: no date
    assert (template.date, template.date_precision) == (None, None)


def test_qa_search_json_lists_the_word_file_with_its_headline_and_date(tmp_path, monkeypatch, capsys):
    corpus, index_dir = tmp_path / "corpus", tmp_path / "index"
    corpus.mkdir()
    make_docx(corpus / "bai-bao.docx", ISSUE24_PARAGRAPHS, core_title="Word Document", heading=False)
    monkeypatch.setattr("embeddings.build.load_encoder", lambda *a, **k: FakeEncoder())
    monkeypatch.setattr("embeddings.encoders.encode.load_encoder", lambda *a, **k: FakeEncoder())
    assert main(["index", "--corpus", str(corpus), "--index-dir", str(index_dir), "--quiet"]) == 0
    capsys.readouterr()
    assert main(["search", "cầu Rạch Miễu 2 dài bao nhiêu", "--json", "--index-dir", str(index_dir), "-k", "1"]) == 0
    hit = json.loads(capsys.readouterr().out)["hits"][0]
    assert (hit["doc_id"], hit["title"], hit["date"], hit["date_precision"]) == ("bai-bao", ISSUE24_TITLE, "2024-03-12", "day")
