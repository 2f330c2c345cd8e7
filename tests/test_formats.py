"""HTML, PDF and DOCX articles become the same Documents as .txt ones (issue 13, part 2)."""

from __future__ import annotations

import shutil
import unicodedata

import pytest

from embeddings.build import build_index
from embeddings.ingest.formats import html_lines, pdf_paragraphs, sniff
from embeddings.ingest.load import load_corpus, read_article

from .conftest import CORPUS
from .format_files import DOCX_PARAGRAPHS, DOCX_TITLE, FORMATS_DATA, make_docx, print_pdf

METRO = FORMATS_DATA / "metro.html"
HARBOR = FORMATS_DATA / "harbor.html"
KEGO = FORMATS_DATA / "kego.html"


def test_html_with_meta_tags_and_article_element():
    doc = read_article(METRO)
    assert doc.doc_id == "metro"
    assert doc.title == "Đà Lạt khởi công tuyến xe buýt điện nối sân bay Liên Khương"
    assert (doc.date, doc.date_precision) == ("2025-10-14", "day")  # article:published_time / JSON-LD
    assert (doc.source, doc.author) == ("Báo Lâm Đồng Mới", "Hoàng Minh Tâm")
    assert doc.text.split("\n\n") == [
        "Sáng 14/10, UBND tỉnh Lâm Đồng khởi công tuyến xe buýt điện dài 32 km nối trung tâm Đà Lạt với sân bay Liên Khương.",
        "Tuyến xe buýt có tổng vốn đầu tư 185 tỷ đồng, gồm 24 xe điện loại 40 chỗ và 6 trạm sạc nhanh đặt tại bến xe liên tỉnh Đà Lạt.",
        "Theo Sở Xây dựng Lâm Đồng, mỗi chuyến xe chạy hết 45 phút, giá vé dự kiến 25.000 đồng mỗi lượt và tuyến sẽ hoạt động từ quý II năm 2026.",
        "Ông Trần Văn Hiệp, Phó Chủ tịch UBND tỉnh, cho biết tuyến xe buýt điện giúp giảm 4.000 tấn khí thải mỗi năm.",
    ]


def test_html_div_layout_visible_date_and_our_clean_up():
    doc = read_article(HARBOR)
    assert doc.title == "Quy Nhơn nạo vét luồng cảng cho tàu 50.000 tấn"  # the heading, not <title> cut at the dash
    assert (doc.date, doc.date_precision) == ("2024-03-05", "day")  # "Cập nhật: 09:15 - 05/03/2024" under the title
    assert (doc.source, doc.author) == (None, "Lê Hà")
    assert doc.text.split("\n\n") == [
        "Cảng vụ Hàng hải Quy Nhơn cho biết dự án nạo vét luồng cảng sẽ đưa độ sâu luồng lên 13,5 mét, cho phép tàu trọng tải 50.000 tấn ra vào cảng.",
        "Khối lượng nạo vét khoảng 1,2 triệu mét khối, thi công trong 10 tháng với kinh phí 320 tỷ đồng từ ngân sách trung ương.",
        "Sau khi hoàn thành, sản lượng hàng hóa qua cảng dự kiến tăng thêm 3 triệu tấn mỗi năm, theo ông Nguyễn Văn Bình, Giám đốc Cảng vụ.",
    ]


PAGE = """<html><head><meta charset="utf-8">{head}</head><body>
<div class="menu">Trang chủ | Thời sự</div>
<h1>Phú Yên mở lại tuyến tàu cá xa bờ sau mùa bão năm nay</h1>
{visible}
<div class="body"><p>Sở Nông nghiệp Phú Yên cho phép 350 tàu cá xa bờ ra khơi trở lại từ đầu tuần, sau khi bão đi qua.</p>
<p>Ngư dân được hỗ trợ 2 triệu đồng mỗi chuyến biển để mua nhiên liệu trong tháng đầu tiên.</p>
<p>Các tàu phải bật thiết bị giám sát hành trình suốt chuyến đi, theo yêu cầu của Chi cục Thủy sản.</p></div>
<div class="comments"><div class="cmt-item"><span>Nguyễn An</span> <span>10:20 06/03/2024</span><p>Chúc bà con ra khơi an toàn.</p></div></div>
</body></html>"""


@pytest.mark.parametrize(
    "head, visible, expected",
    [
        ("", "", (None, None)),  # no date anywhere but a comment's timestamp: undated, not the comment's date
        ("", '<p class="time">Chiều 25/3</p>', ("--03-25", "partial")),  # visible, year-less
        (
            '<script type="application/ld+json">{"@graph": [{"@type": "NewsArticle", "datePublished": "2023-05-02T10:00:00+07:00"}]}</script>',
            "<p>Cập nhật: 05/05/2023 08:00</p>",
            ("2023-05-02", "day"),  # JSON-LD wins over the visible "updated" line
        ),
        ('<meta itemprop="datePublished" content="2024-09">', "", ("2024-09", "month")),
        ('<meta property="article:published_time" content="2031-01-01T00:00:00+07:00">', "", (None, None)),  # future
    ],
)
def test_html_dates_come_from_markup_or_the_visible_line_never_comments(tmp_path, head, visible, expected):
    path = tmp_path / "page.html"
    path.write_text(PAGE.format(head=head, visible=visible), encoding="utf-8")
    doc = read_article(path)
    assert (doc.date, doc.date_precision) == expected
    assert doc.title == "Phú Yên mở lại tuyến tàu cá xa bờ sau mùa bão năm nay"
    assert "Chúc bà con" not in doc.text and "Trang chủ" not in doc.text and "Cập nhật" not in doc.text
    assert doc.text.startswith("Sở Nông nghiệp Phú Yên") and doc.text.endswith("Chi cục Thủy sản.")


def test_html_decomposed_input_is_nfc(tmp_path):
    path = tmp_path / "nfd.html"
    page = PAGE.format(head="", visible="<p>Thứ Hai, 13/10/2025</p>")
    path.write_bytes(unicodedata.normalize("NFD", page).encode("utf-8"))
    doc = read_article(path)
    assert unicodedata.is_normalized("NFC", doc.text) and unicodedata.is_normalized("NFC", doc.title)
    assert (doc.title, doc.date) == ("Phú Yên mở lại tuyến tàu cá xa bờ sau mùa bão năm nay", "2025-10-13")
    assert "Sở Nông nghiệp Phú Yên" in doc.text


def test_html_line_clean_up():
    text = "Body one.\nXem thêm: Bình Định thu hút đầu tư\n| Tàu neo đậu tại cảng. Ảnh: Lê Hà |\nĐọc thêm >> Tin khác\nBody two."
    assert html_lines(text) == ["Body one.", "Body two."]
    assert html_lines("Ông A nói: ảnh hưởng của bão là rất lớn, cần khắc phục sớm trong nhiều tháng tới nữa.") == [
        "Ông A nói: ảnh hưởng của bão là rất lớn, cần khắc phục sớm trong nhiều tháng tới nữa."
    ]


def test_pdf_lines_regroup_into_paragraphs():
    lines = [
        ("Hà Tĩnh đưa nhà máy điện mặt", 680, 710),  # title, 20 pt, two lines
        ("trời nổi vào vận hành", 650, 678),
        ("Thứ Sáu, 07/11/2025", 590, 605),  # body size, after a large gap
        ("Sáng 7/11, công ty đưa nhà máy", 560, 575),
        ("vào vận hành thương mại.", 544, 559),
        ("Nhà máy gồm 92.000 tấm pin.", 515, 530),
        ("Trang sau tiếp tục đoạn", 780, 795),  # next page: the line jumps back up
    ]
    assert pdf_paragraphs(lines) == [
        "Hà Tĩnh đưa nhà máy điện mặt trời nổi vào vận hành",
        "Thứ Sáu, 07/11/2025",
        "Sáng 7/11, công ty đưa nhà máy vào vận hành thương mại.",
        "Nhà máy gồm 92.000 tấm pin.",
        "Trang sau tiếp tục đoạn",
    ]


def test_docx_paragraphs_and_tables_in_document_order(tmp_path):
    doc = read_article(make_docx(tmp_path / "cau.docx"))
    assert doc.title == DOCX_TITLE
    assert (doc.date, doc.date_precision, doc.source, doc.author) == ("2025-08-30", "day", "cantho.gov.vn", "Minh Huyền")
    assert doc.text.split("\n\n") == [
        "Sáng 30/8, UBND thành phố Cần Thơ khánh thành cầu Trần Hoàng Na dài 320 mét, nối quận Ninh Kiều với quận Cái Răng.",
        "Hạng mục | Giá trị",
        "Chiều dài cầu | 320 mét",
        "Tổng vốn | 470 tỷ đồng",
        "Cây cầu rộng 22 mét với bốn làn xe, được xây dựng trong 26 tháng bằng vốn ngân sách thành phố.",
        "Theo lãnh đạo Sở Giao thông vận tải, cầu giúp giảm ùn tắc cho đường Nguyễn Văn Cừ vào giờ cao điểm.",
    ]


def test_docx_title_from_properties_when_the_text_has_none(tmp_path):
    blocks = ["Ngày 12/01/2024", "Đoạn thân bài thứ nhất nói về việc khánh thành cầu mới ở Cần Thơ.", "Đoạn thứ hai."]
    doc = read_article(make_docx(tmp_path / "x.docx", blocks, core_title="Khánh thành cầu mới"))
    assert (doc.title, doc.date) == ("Khánh thành cầu mới", "2024-01-12")
    assert doc.text.startswith("Đoạn thân bài thứ nhất")


def test_sniff():
    assert sniff(b"%PDF-1.7\n...") == "pdf"
    assert sniff(b"PK\x03\x04rest") == "zip"
    assert sniff(b"  <!DOCTYPE html><html>") == "html"
    assert sniff("Tiêu đề bài báo\n\nNội dung".encode()) is None


def test_duplicates_are_reported_not_indexed_twice(tmp_path):
    make_docx(tmp_path / "b_cau.docx")
    # the same article as a .txt with an earlier name: kept; the .docx is the duplicate
    lines = []
    for block in DOCX_PARAGRAPHS:
        lines += [" | ".join(row) for row in block[1]] if isinstance(block, tuple) else [block]
    text = "\n\n".join(lines)
    (tmp_path / "a_cau.txt").write_text(text, encoding="utf-8")
    (tmp_path / "c_copy.txt").write_text(text, encoding="utf-8")  # byte-identical copy under another name
    result = load_corpus(tmp_path)
    assert [d.doc_id for d in result.documents] == ["a_cau"]
    reasons = sorted(s.reason for s in result.skipped)
    assert reasons == [
        f"{tmp_path / 'b_cau.docx'}: duplicate, the same article as {tmp_path / 'a_cau.txt'}; not indexed twice (delete one)",
        f"{tmp_path / 'c_copy.txt'}: duplicate, the same file as {tmp_path / 'a_cau.txt'}; not indexed twice (delete one)",
    ]


def test_a_copy_added_later_never_replaces_the_indexed_article(tmp_path, options, fake_encoder):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    make_docx(corpus / "b_cau.docx")
    build_index(corpus, tmp_path / "index", options, encoder=fake_encoder)
    lines = []
    for block in DOCX_PARAGRAPHS:
        lines += [" | ".join(row) for row in block[1]] if isinstance(block, tuple) else [block]
    (corpus / "a_cau.txt").write_text("\n\n".join(lines), encoding="utf-8")  # first in name order, but new
    summary = build_index(corpus, tmp_path / "index", options, encoder=fake_encoder)
    assert (summary.added, summary.unchanged, summary.removed, summary.written) == ([], ["b_cau"], [], False)
    assert [s.reason for s in summary.skipped] == [
        f"{corpus / 'a_cau.txt'}: duplicate, the same article as {corpus / 'b_cau.docx'}; not indexed twice (delete one)"
    ]


@pytest.fixture(scope="module")
def printed_pdf(tmp_path_factory):
    return print_pdf(KEGO, tmp_path_factory.mktemp("pdf") / "kego.pdf")


@pytest.mark.slow
def test_chromium_printed_pdf(printed_pdf):
    doc = read_article(printed_pdf)
    assert doc.title == "Hà Tĩnh đưa nhà máy điện mặt trời nổi trên hồ Kẻ Gỗ vào vận hành thương mại"
    assert (doc.date, doc.date_precision, doc.source, doc.author) == ("2025-11-07", "day", "baohatinhmoi.vn", "Phan Thị Lan")
    assert unicodedata.is_normalized("NFC", doc.text)
    assert doc.text.split("\n\n") == [
        "Sáng 7/11, Công ty Năng lượng Kẻ Gỗ đưa nhà máy điện mặt trời nổi công suất 50 MW trên hồ Kẻ Gỗ vào vận hành thương mại sau 14 tháng thi công, sớm hơn kế hoạch hai tháng.",
        "Nhà máy gồm 92.000 tấm pin đặt trên phao nổi, chiếm 60 héc-ta mặt hồ, mỗi năm cung cấp khoảng 70 triệu kWh cho lưới điện quốc gia.",
        "Theo Sở Công Thương Hà Tĩnh, tổng vốn đầu tư của dự án là 1.050 tỷ đồng, trong đó 30% là vốn tự có của doanh nghiệp.",
        "Ông Võ Trọng Hải, Phó Chủ tịch UBND tỉnh, đề nghị chủ đầu tư theo dõi chất lượng nước hồ Kẻ Gỗ mỗi quý và công khai kết quả cho người dân vùng hạ du.",
    ]


MD_ARTICLE = """# Gia Lai trồng mới 5.000 héc-ta cà phê theo chuẩn hữu cơ

Thứ Hai, 15/09/2025, 07:45 (GMT+7)

Tỉnh Gia Lai đặt mục tiêu trồng mới 5.000 héc-ta cà phê hữu cơ trong ba năm, tập trung ở huyện Chư Păh và Ia Grai.

Nông dân tham gia được vay vốn ưu đãi lãi suất 4% mỗi năm và được hướng dẫn ủ phân vi sinh tại chỗ.

Theo Sở Nông nghiệp Gia Lai, giá cà phê hữu cơ cao hơn cà phê thường khoảng 20%.

Theo baogialai.com.vn
"""


def mixed_folder(folder, pdf):
    """One folder with every supported format: .txt (seed), .md, .html, .htm, .pdf, .docx."""
    folder.mkdir()
    shutil.copy(CORPUS / "000_a5e41cd1fa4addb6.txt", folder / "can_tho.txt")
    (folder / "ca_phe.md").write_text(MD_ARTICLE, encoding="utf-8")
    shutil.copy(METRO, folder / "xe_buyt.html")
    shutil.copy(HARBOR, folder / "cang.htm")
    shutil.copy(pdf, folder / "kego.pdf")
    make_docx(folder / "cau.docx")
    return folder


@pytest.mark.slow
def test_a_folder_mixing_all_formats_indexes_in_one_build(tmp_path, printed_pdf, options, fake_encoder):
    from embeddings.stores.faiss_folder import load_index

    folder = mixed_folder(tmp_path / "corpus", printed_pdf)
    summary = build_index(folder, tmp_path / "index", options, encoder=fake_encoder)
    assert summary.skipped == []
    assert sorted(summary.added) == ["ca_phe", "can_tho", "cang", "cau", "kego", "xe_buyt"]
    index = load_index(tmp_path / "index")
    meta = index.manifest["documents"]
    assert {d: (m["date"], m["date_precision"]) for d, m in meta.items()} == {
        "ca_phe": ("2025-09-15", "day"),
        "can_tho": ("2022-03-18", "day"),
        "cang": ("2024-03-05", "day"),
        "cau": ("2025-08-30", "day"),
        "kego": ("2025-11-07", "day"),
        "xe_buyt": ("2025-10-14", "day"),
    }
    assert meta["ca_phe"]["title"] == "Gia Lai trồng mới 5.000 héc-ta cà phê theo chuẩn hữu cơ"  # "# " of Markdown dropped
    for chunk in index.chunks:  # exact offsets in every format
        assert index.documents[chunk.doc_id].text[chunk.start : chunk.end] == chunk.text
    again = build_index(folder, tmp_path / "index", options, encoder=fake_encoder)
    assert (again.written, sorted(again.unchanged)) == (False, sorted(meta))


QUESTIONS = {
    "ca_phe": ("Nông dân trồng cà phê hữu cơ ở Gia Lai được vay vốn với lãi suất bao nhiêu?", "4%"),
    "xe_buyt": ("Giá vé dự kiến mỗi lượt của tuyến xe buýt điện Đà Lạt là bao nhiêu?", "25.000 đồng"),
    "cang": ("Nạo vét luồng cảng Quy Nhơn tốn bao nhiêu kinh phí?", "320 tỷ đồng"),
    "kego": ("Nhà máy điện mặt trời nổi hồ Kẻ Gỗ có bao nhiêu tấm pin?", "92.000 tấm pin"),
    "cau": ("Cầu Trần Hoàng Na ở Cần Thơ dài bao nhiêu mét?", "320 mét"),
    "can_tho": ("Đoàn công tác của Trung ương làm việc với Ban Thường vụ Thành ủy Cần Thơ về việc gì?", "tổng kết 15 năm"),
}


@pytest.mark.slow
def test_real_model_answers_from_each_format_with_verbatim_citations(tmp_path, printed_pdf, options, real_encoder):
    from embeddings.stores.faiss_folder import load_index
    from qa.answering.answer import answer_question
    from qa.retrieval.searcher import Searcher

    folder = mixed_folder(tmp_path / "corpus", printed_pdf)
    build_index(folder, tmp_path / "index", options, encoder=real_encoder)
    index = load_index(tmp_path / "index")
    searcher = Searcher(index, real_encoder)
    for doc_id, (question, evidence) in QUESTIONS.items():
        answer = answer_question(question, searcher)
        assert not answer.abstained, question
        assert answer.citations[0].doc_id == doc_id, question
        assert any(evidence in c.quote for c in answer.citations if c.doc_id == doc_id), (question, answer.text)
        for c in answer.citations:
            assert index.documents[c.doc_id].text[c.start : c.end] == c.quote
