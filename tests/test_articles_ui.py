"""The Articles panel's functions (ui/articles.py), driven without a browser: list, upload, remove, bad uploads."""

from __future__ import annotations

import re
import shutil

import pytest

from embeddings.build import build_index
from embeddings.stores.faiss_folder import load_index
from embeddings.stores.faiss_store import FaissStore
from ui.articles import (
    add_uploads,
    add_url,
    article_rows,
    date_label,
    doc_id_of_row,
    headers,
    passage_counts,
    remove,
    selection_note,
)
from ui.render import format_date

from .conftest import CORPUS
from .format_files import image_pdf, make_docx


@pytest.fixture
def panel(tmp_path, options, fake_encoder):
    """A two-article corpus with its index, and the rebuild the app would pass (build, then reload)."""
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    shutil.copy(CORPUS / "002_ec9a05d4f704e603.txt", corpus / "can_tho.txt")
    shutil.copy(CORPUS / "004_9ddeaedd6e62409b.txt", corpus / "ngu_hanh_son.txt")
    index_dir = tmp_path / "index"
    calls = []

    def rebuild(progress=None):
        summary = build_index(corpus, index_dir, options, encoder=fake_encoder, progress=progress)
        calls.append(summary)
        return summary, passage_counts(FaissStore(load_index(index_dir)))

    rebuild()
    calls.clear()
    return corpus, index_dir, rebuild, calls


@pytest.mark.parametrize(
    "iso, precision, lang, shown",
    [
        ("2025-10-14", "day", "vi", "14/10/2025"),
        ("2024-09", "month", "vi", "tháng 09/2024"),
        ("2024-09", "month", "en", "09/2024"),
        ("--03-25", "partial", "vi", "25/03 (không rõ năm)"),
        ("--03-25", "partial", "en", "25/03 (year unknown)"),
        ("--03-25", None, "vi", "25/03 (không rõ năm)"),  # precision read off the ISO form (citations carry none)
        ("2024-09", None, "en", "09/2024"),
        (None, None, "vi", "không rõ ngày"),
    ],
)
def test_format_date(iso, precision, lang, shown):
    assert format_date(iso, precision, lang) == shown


@pytest.mark.parametrize(
    "iso, precision, lang, shown",
    [
        ("2025-10-14", "day", "vi", "2025-10-14"),
        ("2024-09", "month", "vi", "2024-09 (cả tháng)"),
        ("2024-09", None, "en", "2024-09 (month)"),
        ("--03-25", "partial", "vi", "--03-25 (không rõ năm)"),
        (None, None, "en", "(no date)"),
    ],
)
def test_table_dates_sort_as_text_and_say_their_precision(iso, precision, lang, shown):
    assert date_label(iso, precision, lang) == shown


def test_table_date_order_is_date_order():
    shown = [date_label(*d) for d in [("2025-10-14", "day"), ("2024-09", "month"), ("--03-25", "partial"), (None, None)]]
    assert sorted(shown, reverse=True) == shown  # newest first, year-less and undated last, as the table sorts text


def test_rows_list_every_article_with_date_precision_outlet_passages_and_format(panel):
    corpus, index_dir, _, _ = panel
    index = FaissStore(load_index(index_dir))
    rows = article_rows(index, "en")
    assert headers("en") == ["Title", "Date", "Outlet", "Passages", "Format", "File"]
    per_doc = {doc_id_of_row(r): r for r in rows}
    assert list(per_doc) == ["ngu_hanh_son", "can_tho"]  # dated first; the year-less one last
    assert per_doc["ngu_hanh_son"][:3] == [
        "Ngũ Hành Sơn: Đổi mới phương thức lãnh đạo của Đảng đối với hoạt động của hệ thống chính trị",
        "2021-12-01",
        "—",
    ]
    assert per_doc["can_tho"][1:3] == ["--03-25 (year unknown)", "TTXVN"]
    assert per_doc["can_tho"][4:] == ["TXT", "can_tho.txt"]
    assert sum(r[3] for r in rows) == len(index.all_chunks()) and all(r[3] > 0 for r in rows)
    assert article_rows(None) == []


def test_a_selected_row_names_the_article_to_remove():
    row = ["Tiêu đề <b>đậm</b>", "2021-12-01", "—", 3, "DOCX", "cau.docx"]
    assert doc_id_of_row(row) == "cau" and doc_id_of_row(None) is None and doc_id_of_row(["x"]) is None
    assert selection_note(row, "en") == "Selected: Tiêu đề <b>đậm</b> (cau.docx)"  # the panel escapes it for Markdown
    assert selection_note(None, "vi") == "Chọn một dòng trong bảng để xoá bài đó."


def test_upload_then_remove_updates_the_index(panel, tmp_path):
    corpus, index_dir, rebuild, calls = panel
    uploads = tmp_path / "gradio-tmp"
    uploads.mkdir()
    good = make_docx(uploads / "Cầu Trần Hoàng Na.docx")
    scan = image_pdf(uploads / "scan.pdf")
    evil = uploads / "evil.txt"
    evil.write_text("Một bài báo có tên tệp nguy hiểm ở đây\n\nNội dung bài báo.", encoding="utf-8")

    message = add_uploads([str(good), str(scan)], corpus, rebuild, lang="en")
    assert passage_counts(FaissStore(load_index(index_dir)))["Cau_Tran_Hoang_Na"] == 1  # a short article
    lines = message.split("\n\n")
    assert re.fullmatch(r"Added 1 article \(1 passage\), index updated in \d+\.\d s", lines[0])
    assert lines[1] == (
        "⚠ Skipped scan.pdf: no text layer (scanned?); run OCR on it first (e.g. `ocrmypdf in.pdf out.pdf`) and add the result"
    )
    assert re.fullmatch(
        r"Details: files Cau_Tran_Hoang_Na\.docx · version v-\S+ · 1 passage embedded, \d+ passages reused", lines[2]
    )
    assert len(lines) == 3
    assert "Cau_Tran_Hoang_Na" in load_index(index_dir).documents

    # the same upload again changes nothing and does not rebuild
    calls.clear()
    assert add_uploads([str(good)], corpus, rebuild, lang="en") == (
        "Cau_Tran_Hoang_Na.docx is already in the corpus\n\nNothing changed; the index is as it was."
    )
    assert calls == []

    message = remove("Cau_Tran_Hoang_Na", corpus, rebuild, lang="vi")
    assert re.match(
        r"Đã xoá 1 bài, cập nhật chỉ mục trong \d+,\d s\n\nChi tiết: tệp Cau_Tran_Hoang_Na\.docx · phiên bản v-", message
    )
    assert sorted(load_index(index_dir).documents) == ["can_tho", "ngu_hanh_son"]
    assert not (corpus / "Cau_Tran_Hoang_Na.docx").exists()


def test_upload_names_cannot_escape_or_overwrite(panel, tmp_path):
    corpus, index_dir, rebuild, _ = panel
    uploads = tmp_path / "up" / ".." / "up"
    (tmp_path / "up").mkdir()
    sneaky = tmp_path / "up" / "can_tho.txt"  # the name of an existing, different article
    sneaky.write_text("Một bài báo khác hẳn nhưng cùng tên tệp với bài cũ\n\nNội dung hoàn toàn khác.", encoding="utf-8")
    message = add_uploads([str(uploads / "can_tho.txt")], corpus, rebuild, lang="en")
    assert message.startswith("Added 1 article (") and "Details: files can_tho-2.txt · " in message
    assert (corpus / "can_tho.txt").read_bytes() == (CORPUS / "002_ec9a05d4f704e603.txt").read_bytes()
    assert sorted(p.name for p in corpus.iterdir()) == ["can_tho-2.txt", "can_tho.txt", "ngu_hanh_son.txt"]


def test_bad_upload_only_reports_and_keeps_the_index(panel, tmp_path):
    corpus, index_dir, rebuild, calls = panel
    version = load_index(index_dir).version
    exe = tmp_path / "setup.exe"
    exe.write_bytes(b"MZ")
    assert add_uploads([str(exe)], corpus, rebuild, lang="en") == (
        "⚠ Skipped setup.exe: unsupported file type .exe; add .txt, .md, .html, .htm, .pdf, .docx files"
    )
    assert calls == [] and load_index(index_dir).version == version


def test_url_and_removal_mistakes_are_messages(panel):
    corpus, _, rebuild, calls = panel
    assert add_url("not a url", corpus, rebuild, lang="en") == "Type an http:// or https:// address"
    assert add_url("http://127.0.0.1:9/x.html", corpus, rebuild, lang="en").startswith(
        "⚠ http://127.0.0.1:9/x.html: 127.0.0.1 is a private or local address"
    )
    assert remove("", corpus, rebuild, lang="en") == "Select an article in the table to remove."
    assert remove("nope", corpus, rebuild, lang="en").startswith("⚠ no article 'nope'")
    assert calls == []


class _Service:
    """What the panel uses of ui.service.ChatService: settings.corpus_dir, searcher.index, rebuild."""

    def __init__(self, corpus, index_dir, options, encoder):
        from types import SimpleNamespace

        self.settings = SimpleNamespace(corpus_dir=corpus)
        self._index_dir, self._options, self._encoder = index_dir, options, encoder
        self.searcher = SimpleNamespace(index=FaissStore(load_index(index_dir)))

    def rebuild(self, progress=None):
        from types import SimpleNamespace

        summary = build_index(self.settings.corpus_dir, self._index_dir, self._options, encoder=self._encoder, progress=progress)
        self.searcher = SimpleNamespace(index=FaissStore(load_index(self._index_dir)))  # the swap ChatService.reload does
        return summary


@pytest.mark.slow  # builds a Gradio app (~5 s of imports): not for the fast loop
def test_panel_builds_in_gradio_and_its_handlers_update_table_and_selection(panel, tmp_path, options, fake_encoder):
    import gradio as gr

    from ui.articles_panel import _outputs, articles_panel, on_remove, on_select, on_upload

    corpus, index_dir, _, _ = panel
    service = _Service(corpus, index_dir, options, fake_encoder)
    with gr.Blocks():
        parts = articles_panel(service, "en", gr.State("en"))
    assert sorted(parts) == ["add_url", "box", "log", "note", "remove", "selected", "table", "uploads", "url"]
    assert parts["uploads"].file_types == [".txt", ".md", ".html", ".htm", ".pdf", ".docx"]
    table = parts["table"]
    assert (table.show_search, table.interactive, table.datatype) == (
        "search",
        False,
        ["str", "str", "str", "number", "str", "str"],
    )

    progress = []
    docx = make_docx(tmp_path / "cau.docx")
    message = on_upload(service, [str(docx)], "en", lambda f, m: progress.append(m))
    assert message.startswith("Added 1 article (") and progress[-1] == "done"
    table, selected, note, log = _outputs(service, message, "en")
    rows = table["value"]
    assert [doc_id_of_row(r) for r in rows] == ["cau", "ngu_hanh_son", "can_tho"]
    assert rows[0][:3] == ["Cần Thơ khánh thành cầu Trần Hoàng Na nối hai quận trung tâm", "2025-08-30", "cantho.gov.vn"]
    assert rows[0][4:] == ["DOCX", "cau.docx"]
    assert selected is None and log.startswith("Added 1 article \\(") and "cau\\.docx" in log  # escaped for Markdown

    doc_id, shown = on_select(["<img src=x onerror=alert(1)>", *rows[0][1:]], "en")
    assert doc_id == "cau" and "<img" not in shown and "&lt;img" in shown
    assert on_remove(service, doc_id, "en").startswith("Removed 1 article, index updated in ")
    assert "cau" not in service.searcher.index.documents
