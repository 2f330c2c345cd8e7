import pytest

from embeddings.errors import CorpusError
from embeddings.ingest.clean import clean_lines, collapse_doubled
from embeddings.ingest.load import load_corpus, parse_article, read_article

from .conftest import CORPUS

EXPECTED = {
    "000_a5e41cd1fa4addb6": (
        "Đổi mới phương thức lãnh đạo của Đảng đối với hoạt động của hệ thống chính trị",
        "2022-03-18",
        "nhandan.vn",
        None,
    ),
    "001_528bc86e38a8c041": (
        "Khảo sát về việc thực hiện đổi mới phương thức lãnh đạo của Đảng tại Đảng bộ thành phố Hải Phòng",
        "2022-03-25",
        None,
        "Quỳnh Trang",
    ),
    "002_ec9a05d4f704e603": (
        "Xây dựng, chỉnh đốn Đảng và hệ thống chính trị trong sạch, vững mạnh",
        "--03-25",  # "Chiều 25/3" and no year for that day anywhere: partial ("5 năm (2021-2025)" is a range, not its year)
        "TTXVN",
        "Ngọc Thiện",
    ),
    "003_fd758775aea649a6": (
        "Phát huy trí tuệ tập thể và sự năng động, sáng tạo, dám nghĩ, dám làm của đội ngũ cán bộ, đảng viên",
        "2022-06-29",
        "Thanhuytphcm.vn",
        "Nguyễn Nam",
    ),
    "004_9ddeaedd6e62409b": (
        "Ngũ Hành Sơn: Đổi mới phương thức lãnh đạo của Đảng đối với hoạt động của hệ thống chính trị",
        "2021-12-01",
        None,
        "Thanh Lài",
    ),
}


@pytest.fixture(scope="module")
def docs():
    result = load_corpus(CORPUS)
    assert result.skipped == []
    return {d.doc_id: d for d in result.documents}


@pytest.mark.parametrize("doc_id", sorted(EXPECTED))
def test_metadata_of_each_article(docs, doc_id):
    doc = docs[doc_id]
    assert (doc.title, doc.date, doc.source, doc.author) == EXPECTED[doc_id]
    assert len(doc.content_hash) == 64


@pytest.mark.parametrize(
    "doc_id, first, last",
    [
        (
            "000_a5e41cd1fa4addb6",
            "Ngày 17/3, Đoàn công tác của Trung ương",
            "Huyện ủy Phong Điền để khảo sát việc thực hiện Nghị quyết Trung ương 5, khóa X.",
        ),
        (
            "001_528bc86e38a8c041",
            "Đoàn khảo sát của Ban Chỉ đạo Đề án Trung ương 6",
            "cho ý kiến tại Hội nghị Trung ương 6 khóa XIII.",
        ),
        (
            "002_ec9a05d4f704e603",
            "Toàn Đảng bộ thành phố triển khai toàn diện",
            "chỉnh đốn Đảng và hệ thống chính trị của toàn Đảng bộ thành phố./.",
        ),
        ("003_fd758775aea649a6", "Bí thư Thành ủy TPHCM Nguyễn Văn Nên phát biểu chỉ đạo hội nghị", "gần dân, sát dân."),
        ("004_9ddeaedd6e62409b", "Sáng ngày 30/11/2021, Ban Thường vụ Quận ủy", "để đảm bảo cho nhân dân bình yên."),
    ],
)
def test_body_survives_intact(docs, doc_id, first, last):
    text = docs[doc_id].text
    assert text.startswith(first)
    assert text.endswith(last)
    raw = (CORPUS / f"{doc_id}.txt").read_text(encoding="utf-8")
    # every paragraph of the body is verbatim in the source file (modulo whitespace)
    flat = " ".join(raw.split())
    for paragraph in text.split("\n\n"):
        assert paragraph in flat


BOILERPLATE = [
    "Tin liên quan",
    "Xem thêm",
    "refresh",
    "Tin khác",
    "Ý kiến bạn đọc",
    "Tổng lượt bình luận",
    "Thống kê truy cập",
    "Tổng cộng",
    "Hôm nay:",
    "Lượt xem",
    "Tìm kiếm",
    "Thông báo",
]


def test_boilerplate_is_gone(docs):
    for doc in docs.values():
        for junk in BOILERPLATE:
            assert junk not in doc.text, (doc.doc_id, junk)


def test_duplicated_captions_collapse(docs):
    assert docs["001_528bc86e38a8c041"].text.count("Toàn cảnh buổi làm việc") == 1
    assert docs["003_fd758775aea649a6"].text.count("Các đồng chí chủ trì hội nghị") == 1
    assert collapse_doubled("Ảnh A Ảnh A") == "Ảnh A"
    assert collapse_doubled("một hai ba") == "một hai ba"


def test_a_caption_above_a_photo_credit_is_dropped_with_it(docs):
    """Quotes must not be photo captions: the short line above "Ảnh: ..." goes with the credit, body stays."""
    text = docs["002_ec9a05d4f704e603"].text
    assert "phát biểu chỉ đạo tại hội nghị" not in text and "Ngọc Thiện" not in text
    assert "ông Nguyễn Văn Hiếu, Bí thư Thành ủy Cần Thơ yêu cầu" in text
    long_paragraph = "Đoạn thân bài dài. " * 15  # a paragraph this long is article text, credit or not
    assert clean_lines(f"Tiêu đề\n{long_paragraph}\nẢnh: TTXVN") == ["Tiêu đề", long_paragraph.strip()]
    assert clean_lines("Tiêu đề\nThân bài.\nChú thích ảnh\nPhoto: VNA\nThân bài tiếp.") == [
        "Tiêu đề",
        "Thân bài.",
        "Thân bài tiếp.",
    ]


def test_clean_keeps_sentences_that_start_like_widgets():
    lines = clean_lines("Bình luận về vấn đề này, ông A cho biết thêm.\nTin khác\nMột tin khác")
    assert lines == ["Bình luận về vấn đề này, ông A cho biết thêm."]


def test_text_is_nfc(tmp_path):
    import unicodedata

    decomposed = unicodedata.normalize("NFD", "Tiêu đề bài viết về Cần Thơ hôm nay\n\nNội dung bài viết ở Cần Thơ.")
    path = tmp_path / "nfd.txt"
    path.write_text(decomposed, encoding="utf-8")
    doc = read_article(path)
    assert unicodedata.is_normalized("NFC", doc.text) and "Cần Thơ" in doc.text


def test_date_precision_of_each_article(docs):
    precision = {d: docs[d].date_precision for d in sorted(docs)}
    assert list(precision.values()) == ["day", "day", "partial", "day", "day"]


@pytest.mark.parametrize(
    "name, content, reason",
    [
        ("empty.txt", b"", "empty"),
        ("blank.txt", b"  \n\n ", "empty"),
        ("latin.txt", b"C\xe2\xccn Th\xf5 (Windows-1258)", "not valid UTF-8"),
        ("utf16.txt", "Tiêu đề Cần Thơ".encode("utf-16"), "UTF-16"),
        ("binary.md", bytes(range(256)) * 4, "binary"),
    ],
)
def test_bad_files_are_skipped_with_reason(tmp_path, name, content, reason):
    (tmp_path / "good.txt").write_text("Một bài báo thử nghiệm về Cần Thơ\n\nNội dung bài.", encoding="utf-8")
    (tmp_path / name).write_bytes(content)
    result = load_corpus(tmp_path)
    assert [d.doc_id for d in result.documents] == ["good"]
    assert len(result.skipped) == 1 and name in result.skipped[0].reason and reason in result.skipped[0].reason


def test_missing_corpus_folder_is_clear(tmp_path):
    with pytest.raises(CorpusError, match="does not exist"):
        load_corpus(tmp_path / "nope")


def test_parse_needs_a_body():
    with pytest.raises(CorpusError, match="no article body"):
        parse_article("x", "Chỉ có một tiêu đề dài ở đây thôi mà", "h")


# Pages saved without their headline (copied bodies, scraped leads): the first paragraph is the lead, and its facts
# must stay in the body that is searched and quoted, not vanish into the title.
LEAD_FIRST = (
    "Theo báo cáo nhanh, tính đến 17 giờ ngày 7/9, bão làm bốn người chết và 78 người bị thương (Quảng Ninh 58 người, "
    "Hải Phòng 20 người), hàng nghìn cây xanh bị ngã đổ tại các tỉnh, thành phố phía Bắc.\n\n"
    "Về tàu thuyền, có 5 tàu xi-măng bị chìm tại nơi neo đậu."
)


def test_a_lead_sentence_first_is_body_not_title():
    doc = parse_article("x", LEAD_FIRST, "h")
    assert doc.text.startswith("Theo báo cáo nhanh") and "78 người bị thương" in doc.text
    assert doc.title.endswith("…") and len(doc.title) <= 121 and doc.title.startswith("Theo báo cáo nhanh, tính đến")
    assert not doc.title[:-1].endswith(" ")  # cut at a word


def test_a_one_paragraph_article_is_kept():
    doc = parse_article("x", "Cả nước ghi nhận 150 trường hợp đến khám, cấp cứu do pháo nổ, tăng 54 trường hợp.", "h")
    assert doc.text.startswith("Cả nước ghi nhận 150 trường hợp")
    assert doc.title == doc.text


@pytest.mark.parametrize("headline", ["Bão số 3 gây thiệt hại nặng nề tại các tỉnh phía Bắc", "Vì sao giá vàng tăng...",
                                      "Ai sẽ vô địch V.League năm nay?"])  # fmt: skip
def test_headlines_stay_titles(headline):
    doc = parse_article("x", f"{headline}\n\n{LEAD_FIRST}", "h")
    assert doc.title == headline and doc.text.startswith("Theo báo cáo nhanh")


def test_a_section_path_above_the_title_is_no_title(tmp_path):
    """A saved page may start with the site's section path ("Xã hội › Giao thông"): the headline under it is the title."""
    path = tmp_path / "dantri-com-vn_tai-nan-lien-hoan-tren-cao-toc.txt"
    path.write_text(
        "Xã hội › Giao thông\nTai nạn liên hoàn trên cao tốc Pháp Vân - Cầu Giẽ, 5 ô tô hư hỏng\n"
        "Thứ hai, 16/09/2024 - 10:20\n(Dân trí) - Sáng 16/9, 5 ô tô đâm liên hoàn trên cao tốc, khiến một người bị thương.",
        encoding="utf-8",
    )
    doc = read_article(path)
    assert doc.title == "Tai nạn liên hoàn trên cao tốc Pháp Vân - Cầu Giẽ, 5 ô tô hư hỏng"
    assert doc.date == "2024-09-16" and doc.text.startswith("(Dân trí) - Sáng 16/9")
