"""Provinces and cities found in any spelling: diacritics or not, capitals or not, English or short forms."""

import pytest

from qa.reading.places import named_after_committee, place_spans, places_in


@pytest.mark.parametrize(
    ("text", "places"),
    [
        ("Đảng bộ tỉnh Long An có bao nhiêu đảng viên?", {"long an"}),
        ("grdp 9 thang nam 2024 cua tien giang tang bao nhieu", {"tien giang"}),
        ("How much damage did the storm cause in Quang Nam province?", {"quang nam"}),
        ("Bí thư Thành ủy TPHCM và Hanoi", {"ho chi minh", "ha noi"}),
        ("Tỉnh Bà Rịa - Vũng Tàu", {"ba ria vung tau"}),  # the longer name, not the city inside it
        ("Người dân mong hòa bình, núi cao bằng trời", set()),  # ordinary words in cased text: not provinces
        ("nguoi dan mong hoa binh", {"hoa binh"}),  # typed in lower case: cannot be told apart, so counted
        ("dang bo tinh Quang Nam", {"quang nam"}),
        ("Chủ tịch nước nói về kinh tế", set()),
    ],
)
def test_places_in(text, places):
    assert places_in(text) == places


def test_place_spans_keep_the_question_spelling():
    assert place_spans("tinh uy kien giang va Hà Nội") == ["Hà Nội"]  # text with capitals: only capitalized places
    assert place_spans("tinh uy kien giang va ha noi") == ["kien giang", "ha noi"]
    assert place_spans("Tỉnh ủy Kiên Giang") == ["Kiên Giang"]


@pytest.mark.parametrize(
    ("text", "names"),
    [
        ("quan uy hai chau tong ket ngay nao", ["hai chau"]),
        ("ubnd tinh tra vinh ban hanh gi", ["tra vinh"]),
        ("thanh uy vien la gi", []),
        ("truong ban to chuc thanh uy tphcm la ai", ["tphcm"]),  # a one-word spelling, then "là"
        ("tinh uy to chuc hoi nghi", []),
        ("Quận ủy Hải Châu tổng kết", []),  # written with diacritics (and capitals): read as a capitalized name instead
    ],
)
def test_named_after_committee(text, names):
    assert named_after_committee(text) == names


def test_a_city_names_its_province_too():
    """A passage about TP Thủ Đức or Nha Trang is about Ho Chi Minh City or Khánh Hòa: no place conflict."""
    assert {"thu duc", "ho chi minh"} <= places_in("Đoàn tàu chạy qua đoạn trên cao ở TP Thủ Đức chiều 22/12")
    assert "khanh hoa" in places_in("Du khách đổ về Nha Trang dịp lễ")
    assert "khanh hoa" not in places_in("Du khách đổ về Đà Lạt dịp lễ")


def test_the_outlet_names_the_province_a_provincial_paper_never_writes():
    from embeddings.ingest.outlets import outlet_places

    assert outlet_places("Báo Nghệ An", "bai-viet", "Toàn tỉnh kết nạp được 412 đảng viên mới") == ("Nghệ An",)
    assert outlet_places(None, "baonghean-vn_ket-nap-dang-vien", "") == ("Nghệ An",)  # the page host in the file name
    assert outlet_places(None, "bai-viet", "(NAO) - Toàn tỉnh kết nạp ...") == ("Nghệ An",)  # the lead's signature
    assert outlet_places("thaibinh.gov.vn", "x", "") == ("Thái Bình",)
    assert outlet_places("QTO", "x", "") == ("Quảng Trị",)  # a signature taken as the source line
    assert outlet_places("Tuổi Trẻ", "000_a5e41cd1fa4addb6", "Sáng 6/11, ...") == ()


def test_the_loader_records_the_outlets_province_and_the_passages_carry_it():
    from embeddings.chunk import chunk_documents, make_splitter
    from embeddings.ingest.load import parse_article

    raw = "Vượt chỉ tiêu đề ra\n\n(NAO) - Toàn tỉnh kết nạp được 412 đảng viên mới trong năm.\n\nTheo Báo Nghệ An"
    doc = parse_article("baonghean-vn_ket-nap-dang-vien", raw, "h")
    assert doc.place == "Nghệ An" and "Nghệ An" not in doc.text
    chunk = chunk_documents([doc], make_splitter(300, 60, lambda s: len(s.split())))[0]
    assert chunk.place == "Nghệ An" and chunk.embed_text.startswith("Vượt chỉ tiêu đề ra (Nghệ An)\n")
    assert parse_article("000_a5e41cd1fa4addb6", "Tin\n\nHải Phòng kiến nghị.", "h").place is None
