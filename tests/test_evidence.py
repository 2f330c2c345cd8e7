"""Entity, number and answer-type signals on hand-made cases, including inputs unlike the seed articles."""

import pytest

from qa.reading.asking import answer_type
from qa.reading.evidence import contains_folded, coverage_of, question_entities, question_numbers
from qa.reading.spans import find_answer_span


@pytest.mark.parametrize(
    ("question", "kind"),
    [
        ("Đảng bộ Cần Thơ có bao nhiêu đảng viên?", "how_many"),
        ("dang bo can tho co bao nhieu dang vien", "how_many"),
        ("How many houses were damaged by the storm?", "how_many"),
        ("Tỷ lệ tốt nghiệp THPT của Nghệ An năm 2020 là bao nhiêu?", "how_many"),
        ("Đại hội diễn ra khi nào?", "when"),
        ("Cầu Bắc Sơn thông xe vào ngày nào?", "when"),
        ("When did the congress open?", "when"),
        ("Ai dẫn đầu đoàn công tác?", "who"),
        ("Who led the Central working delegation to Hai Phong?", "who"),
        ("Hội nghị được tổ chức ở đâu?", "where"),
        ("Where was the conference held?", "where"),
        ("Vì sao giá xăng tăng?", "why"),
        ("Why did exports fall?", "why"),
        ("Thành phố có đạt chỉ tiêu không?", "yes_no"),
        ("Did the city meet its target?", "yes_no"),
        ("Hải Phòng kiến nghị gì với Trung ương?", "what"),
        # "máy" (a machine, "bộ máy") is not "mấy" (how many), typed with or without diacritics
        ("Bộ máy chính quyền ở Cần Thơ phải bảo đảm những yêu cầu gì?", "what"),
        ("bo may chinh quyen can tho phai bao dam nhung gi", "what"),
        ("Trước năm 2021 khu vực Bắc Trung Bộ đã có máy PET/CT chưa?", "yes_no"),
        ("Huế có mấy quận?", "how_many"),
        # "Cần Thơ" folds to "can tho": not the English "Can ...?"
        ("can tho co bao nhieu to chuc co so dang", "how_many"),
        ("can tho can ung dung cong nghe gi trong hoat dong cua dang", "what"),
        ("Does Binh Duong accept every labour-intensive investment project?", "yes_no"),
        ("Bà Trương Thị Mai sinh năm bao nhiêu?", "when"),
        ("Hội nghị tổng kết diễn ra hôm nào?", "when"),
        ("Quận nào là điểm nóng sốt xuất huyết ở Đà Nẵng năm 2022?", "where"),
        ("Bão số 3 đổ bộ vào khu vực nào của Quảng Ninh?", "where"),
        ("khach du lich den da lat chu yeu tu dau", "where"),
        ("Cơ quan nào tổ chức hội nghị tổng kết?", "who"),
        ("Nhờ đâu vai trò lãnh đạo của Đảng được nâng cao?", "why"),
        ("Hải Phòng giải quyết các điểm nghẽn nhằm mục đích gì?", "why"),
        ("How long is the Bac Son bridge?", "how_many"),
    ],
)
def test_answer_type(question, kind):
    assert answer_type(question) == kind


@pytest.mark.parametrize(
    ("question", "names"),
    [
        ("Đảng bộ tỉnh Long An có bao nhiêu đảng viên?", ("Long An",)),
        ("Quận ủy Sơn Trà kết nạp bao nhiêu đảng viên mới?", ("Sơn Trà",)),
        ("Hải Phòng kiến nghị gì với Trung ương?", ("Hải Phòng",)),  # "Trung ương" is an institution, not a name
        ("Bí thư Thành ủy TPHCM nói gì về phân cấp?", ("TPHCM",)),
        ("Ông Nguyễn Văn Hiếu giữ chức vụ gì?", ("Nguyễn Văn Hiếu",)),
        ("Who led the Central working delegation to Hai Phong?", ("Hai Phong",)),
        ("Bão số 3 gây thiệt hại bao nhiêu ở Quảng Ninh năm 2024?", ("Quảng Ninh",)),
        ("Giá xăng RON 95 hôm nay là bao nhiêu?", ("RON",)),  # "Giá" only opens the sentence
        ("Còn Cần Thơ thì sao?", ("Cần Thơ",)),
        # no capitals: provinces and cities are still known, and so is the name after a committee
        ("dang bo can tho co bao nhieu dang vien", ("can tho",)),
        ("tinh uy kien giang to chuc dai hoi khi nao", ("kien giang",)),
        ("quan uy hai chau tong ket nghi quyet ngay nao", ("hai chau",)),
        ("bi thu quan uy ngu hanh son la ai", ("ngu hanh",)),  # not "Sơn La", the province
        ("tinh uy to chuc hoi nghi o dau", ()),  # a verb after the committee, not a name
        ("Bà Nguyễn Thị Anh Thi có phải là Thành ủy viên không?", ("Nguyễn Thị", "Thi")),
        ("gia xang hom nay bao nhieu", ()),
        ("Ban Chấp hành Đảng bộ thành phố nhiệm kỳ 2025-2030 có bao nhiêu ủy viên?", ()),
        # a title and a department that overlap form one institution: no "Nội" left over
        ("Ai là Trưởng Ban Nội chính Trung ương?", ()),
        ("Ai là Giám đốc Sở Du lịch Ninh Bình?", ("Ninh Bình",)),  # "Du lịch" is the department's field
        ("Sở Kế hoạch và Đầu tư Bắc Giang công bố gì?", ("Bắc Giang",)),
        ("Bệnh viện Ung bướu Thanh Hóa khánh thành khi nào?", ("Thanh Hóa",)),
        ("Vịnh Hạ Long được công nhận năm nào?", ("Hạ Long",)),
        # punctuation ends a name; a slash or a dash inside one does not
        ("Theo ông Nguyễn Văn Nên, TPHCM là trung tâm của khu vực nào?", ("Nguyễn Văn Nên", "TPHCM")),
        ("Bệnh viện có máy PET/CT không?", ("PET CT",)),
        ("thanh uy tphcm tong ket nghi quyet ngay nao", ("tphcm",)),  # a one-word spelling, then a verb
    ],
)
def test_question_entities(question, names):
    assert question_entities(question) == names


def test_numbers_and_years():
    assert question_numbers("Nhiệm kỳ 2020-2025 có 55.369 đảng viên, tăng 12,5%?") == ("2020", "2025", "55.369", "12,5%")
    assert question_numbers("Không có số nào") == ()
    assert question_numbers("hlv u22 viet nam tai sea games 32 la ai") == ("32",)  # "U22" is a name, not a number


def test_folded_whole_word_containment():
    text = "thành phố cần thơ có 55.369 đảng viên; hà nội"
    from embeddings.lexical import fold

    folded = fold(text).lower()
    assert contains_folded("Can Tho", folded) and contains_folded("Cần Thơ", folded)
    assert not contains_folded("Long An", folded)
    assert not contains_folded("An", fold("thành phố an giang").lower().replace("an giang", "x"))
    assert contains_folded("Hanoi", folded)  # English spelling joins the syllables
    assert not contains_folded("Tho", fold("thơm").lower())  # whole words only
    assert coverage_of(("Cần Thơ", "Long An"), text) == 0.5 and coverage_of((), text) == 1.0
    # a slash between letters is a separator, as the name extraction splits it ("PET/CT" -> "PET CT")
    assert coverage_of(("PET CT",), "một máy chụp PET/CT") == 1.0 and coverage_of(("PET/CT",), "máy PET CT") == 1.0
    assert coverage_of(("PET CT",), "máy chụp CT") == 0.0


@pytest.mark.parametrize(
    ("sentence", "kind", "question", "expected"),
    [
        ("Đảng bộ hiện có 15 đảng bộ trực thuộc, với 55.369 đảng viên.", "how_many", "có bao nhiêu đảng bộ", "15"),
        ("Năm 2024, tỉnh kết nạp 1.411 đảng viên mới.", "how_many", "năm 2024 kết nạp bao nhiêu", "1.411"),
        ("Tỷ lệ đỗ đạt 98,5% trong kỳ thi năm 2023.", "how_many", "tỷ lệ đỗ bao nhiêu", "98,5%"),
        ("Chiều 25/3, Thành ủy tổ chức hội nghị.", "when", "khi nào", "25/3"),
        ("Cầu được thông xe ngày 14/10/2025 sau hai năm thi công.", "when", "ngày nào", "14/10/2025"),
        ("Đoàn do ông Trần Cẩm Tú, Ủy viên Bộ Chính trị, làm trưởng đoàn.", "who", "ai", "ông Trần Cẩm Tú"),
        ("Hội nghị diễn ra tại Nhà Văn hóa Lao động.", "where", "ở đâu", "Nhà Văn"),
    ],
)
def test_answer_spans(sentence, kind, question, expected):
    span = find_answer_span(sentence, kind, question)
    assert span is not None and expected in sentence[span.start : span.end]


def test_no_span_when_the_sentence_lacks_the_answer_type():
    assert find_answer_span("Thành phố tập trung đổi mới phương thức lãnh đạo.", "how_many", "bao nhiêu") is None
    assert find_answer_span("Nhiệm kỳ 2025-2030 sẽ có nhiều thay đổi.", "how_many", "bao nhiêu") is None  # years are no counts
    assert find_answer_span("Không ai nói gì.", "who", "ai") is None
    assert find_answer_span("Câu trả lời dài.", "what", "gì") is None


def test_ordinals_match_roman_numerals_and_places_need_every_capital():
    assert coverage_of(("19",), "Đại hội đại biểu Đảng bộ tỉnh lần thứ XIX") == 1.0
    assert coverage_of(("13",), "Ban Chấp hành Trung ương khóa XIII") == 1.0
    assert coverage_of(("19",), "lần thứ XX") == 0.0
    assert coverage_of(("3",), "nhà ga T3 Tân Sơn Nhất") == 1.0 and coverage_of(("3",), "có 13 người") == 0.0
    # "Bắc Sơn là" holds no "Sơn La"; a listed place replaces the part of it read as a name
    assert question_entities("Tổng mức đầu tư xây cầu Bắc Sơn là bao nhiêu?") == ("Bắc Sơn",)
    assert question_entities("TP.HCM có bao nhiêu quận?") == ("TP.HCM",)
    # "Hôm" opens a question with a capital and names nothing: "Hôm Hà Nội" was refused as a name written nowhere
    assert question_entities("Hôm Hà Nội nóng 40 độ, trạm đo nào ghi nhận mức 40 độ?") == ("Hà Nội",)
    # English kinds of things and a department's field are no names
    assert question_entities("Who heads Soc Trang's Department of Agriculture and Rural Development?") == ("Soc Trang",)
    assert question_entities("When did construction of Terminal 3 at Tan Son Nhat begin?") == ("Tan Son Nhat",)


@pytest.mark.parametrize(
    ("question", "language"),
    [
        ("Who led the Central working delegation to Hai Phong?", "en"),
        ("Does Ho Chi Minh City’s Party committee plan direct dialogues with residents?", "en"),  # a curly apostrophe
        ("Should dengue patients put themselves on an IV drip at home?", "en"),
        ("Can passengers pay for HCMC metro line 1 with a contactless bank card?", "en"),
        ("Of Can Tho's 642 grassroots Party organisations, how many are Party committees (đảng bộ)?", "en"),
        # Vietnamese typed without diacritics holds "to" (tổ), "do" (đổ), "can" (Cần, căn): still Vietnamese
        ("can tho co bao nhieu to chuc co so dang", "vi"),
        ("bao so 3 do bo vao quang ninh khi nao", "vi"),
        ("gia can ho so cap binh quan tphcm quy 3 2023", "vi"),
        ("hoi nghi doi thoai nong dan an giang 2021 to chuc o dau", "vi"),
        ("Thành phố có đạt chỉ tiêu không?", "vi"),
        # English typed as keywords, without function words: most words are no Vietnamese syllable
        ("Vietnam rice export volume 2016", "en"),
        ("Nam Dinh high school graduation rate 2024", "en"),
        ("gia iphone 16 o ha noi bao nhieu", "vi"),  # a loanword or two stay Vietnamese
        ("gia xang ron 95 hom nay", "vi"),
        # only names carry diacritics: English (set I, stop 31)
        ("How many Chinese visitors entered Quảng Ninh through the Móng Cái border gate?", "en"),
        ("Who chairs Cần Thơ?", "vi"),  # one English function word is not enough
        ("Bão Yagi làm bao nhiêu người ở Quảng Ninh chết?", "vi"),
    ],
)
def test_question_language(question, language):
    from qa.reading.asking import question_language

    assert question_language(question) == language


def test_an_opening_common_noun_is_no_part_of_the_name():
    assert question_entities("Phim Địa đạo đạt doanh thu bao nhiêu?") == ("Địa",)
    assert question_entities("Trận HAGL - SHB Đà Nẵng diễn ra khi nào?") == ("HAGL - SHB Đà Nẵng",)
    assert question_entities("Bão Noru gây thiệt hại gì ở Quảng Trị?") == ("Noru", "Quảng Trị")
    assert question_entities("Nhà Bè có bao nhiêu hộ dân?") == ("Nhà Bè",)  # a place that opens with a common word


def test_a_province_is_no_answer_to_who():
    from qa.reading.spans import find_answer_span

    nobody = "Bốn người ở Lai Châu, hai người ở Yên Bái, một người ở Sơn La tử vong do đất đá sạt lở, tính đến 6/8."
    assert find_answer_span(nobody, "who", "Người chết ở Sơn La tên gì?") is None
    named = "Tại kỳ họp, HĐND tỉnh Bắc Giang bầu bà Nguyễn Thị Hương làm Chủ tịch HĐND tỉnh."
    span = find_answer_span(named, "who", "Ai được bầu làm Chủ tịch HĐND tỉnh Bắc Giang?")
    assert named[span.start : span.end] == "bà Nguyễn Thị Hương"
    donor = "Nhật Bản tài trợ 20 triệu USD cho dự án."  # a country may be who: only provinces and cities are places here
    assert find_answer_span(donor, "who", "Ai tài trợ dự án?") is not None
