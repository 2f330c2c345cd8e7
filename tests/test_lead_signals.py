"""The lead_* answerability signals and the post/count/date rules behind them, on hand-made articles unlike the seed ones."""

import pytest

from embeddings.types import Chunk, Document
from qa.answering.answerability import FEATURES, lead_features, role_support, unseen_pairs
from qa.reading.asking import counted_noun, number_before, role_of
from qa.reading.spans import find_answer_span
from qa.retrieval.searcher import Hit


class _NoWords:
    """Stands in for the searcher's corpus statistics: these tests are about names, places, years and posts."""

    def sentence_overlap(self, question, sentence):
        return 0.0

    def coverage(self, question, text):
        return 0.0


def _lead(body: str, title: str = "Tin địa phương", date: str | None = "2024-09-30") -> tuple[Hit, str]:
    doc = Document("d", title, body, "h", date)
    return Hit(Chunk("c", "d", 0, len(body), body), doc, 1.0, 1), body.split(". ")[-1]


STORM = "Bão số 9 đổ bộ vào Quảng Ngãi trưa 28/10. Toàn tỉnh có 56.230 ngôi nhà bị hư hỏng, tốc mái"


def test_place_conflict_when_the_lead_names_another_province():
    lead = _lead(STORM, title="Quảng Ngãi thiệt hại nặng sau bão số 9", date="2020-10-29")
    asked = lead_features("Bão số 9 làm bao nhiêu ngôi nhà ở Quảng Nam bị hư hỏng?", lead, _NoWords(), ())
    same = lead_features("Bão số 9 làm bao nhiêu ngôi nhà ở Quảng Ngãi bị hư hỏng?", lead, _NoWords(), ())
    typed_plain = lead_features("bao so 9 lam bao nhieu ngoi nha o quang nam hu hong", lead, _NoWords(), ())
    assert asked["lead_place_conflict"] == 1.0 and typed_plain["lead_place_conflict"] == 1.0
    assert same["lead_place_conflict"] == 0.0
    assert lead_features("Bão số 9 làm bao nhiêu ngôi nhà hư hỏng?", lead, _NoWords(), ())["lead_place_conflict"] == 0.0


def test_year_conflict_reads_the_article_date_too():
    lead = _lead(STORM, date="2020-10-29")
    assert lead_features("Năm 2021 bão số 9 làm bao nhiêu nhà hư hỏng?", lead, _NoWords(), ())["lead_year_conflict"] == 1.0
    assert lead_features("Năm 2020 bão số 9 làm bao nhiêu nhà hư hỏng?", lead, _NoWords(), ())["lead_year_conflict"] == 0.0


def test_year_conflict_when_the_sentence_reports_another_year_though_the_date_line_holds_the_asked_one():
    """Published in January 2024, about 2023: a sentence opening "Năm 2023, Việt Nam xuất khẩu ..." does not answer
    "năm 2024"."""
    body = "Xuất khẩu gạo lập kỷ lục. Năm 2023, Việt Nam xuất khẩu 8,21 triệu tấn gạo, trị giá 4,78 tỷ USD, tăng so với năm 2022"
    lead = _lead(body, title="Xuất khẩu gạo lập kỷ lục mới về giá trị", date="2024-01-12")
    asked = "Kim ngạch xuất khẩu gạo năm 2024 đạt bao nhiêu tỷ USD?"
    assert lead_features(asked, lead, _NoWords(), ())["lead_year_conflict"] == 1.0
    assert lead_features(asked.replace("2024", "2023"), lead, _NoWords(), ())["lead_year_conflict"] == 0.0
    # a sentence that names no year, or names another further in (a comparison, a plan), is no conflict
    later = _lead("Lúa được mùa. Năng suất đạt 71,2 tạ/ha, tăng 1,8 tạ/ha so với vụ chiêm xuân năm 2023", date="2024-06-14")
    assert lead_features(asked, later, _NoWords(), ())["lead_year_conflict"] == 0.0
    signed = _lead("Tin tỉnh. (NAO) - Trong năm 2023, toàn tỉnh thu 4,78 tỷ USD", date="2024-01-12")
    assert lead_features(asked, signed, _NoWords(), ())["lead_year_conflict"] == 1.0
    plain = _lead("Xuất khẩu gạo lập kỷ lục. Kim ngạch đạt 4,78 tỷ USD", date="2024-01-12")
    assert lead_features(asked, plain, _NoWords(), ())["lead_year_conflict"] == 0.0
    compared = _lead("Xuất khẩu gạo lập kỷ lục. Kim ngạch đạt 5,1 tỷ USD, tăng 8% so với cùng kỳ năm 2023", date="2024-12-30")
    assert lead_features(asked, compared, _NoWords(), ())["lead_year_conflict"] == 0.0


def test_constraints_count_the_header_and_the_sentence_separately():
    opening = "Sáng 6/5, hội nghị đối thoại giữa lãnh đạo tỉnh với nông dân được tổ chức. " * 5
    body = opening + "Hội nghị do UBND tỉnh An Giang chủ trì. Có 300 nông dân dự hội nghị"
    lead = _lead(body, title="Đối thoại với nông dân", date="2021-05-06")
    f = lead_features("Bao nhiêu nông dân An Giang dự đối thoại năm 2021?", lead, _NoWords(), ("An Giang", "2021"))
    assert f["lead_constraints"] == 1.0  # the passage names An Giang, the article's date says 2021
    assert f["lead_sentence_constraints"] == 0.5  # the quote, title and opening lines do not name An Giang
    assert f["lead_typed"] == 1.0 and f["lead_counted"] == 1.0  # "300 nông dân"


def test_no_lead_means_no_answer():
    f = lead_features("Ai là Chủ tịch UBND tỉnh Lào Cai?", None, _NoWords(), ())
    assert set(f) == {x for x in FEATURES if x.startswith("lead_")} and not any(f.values())


@pytest.mark.parametrize(
    ("question", "role"),
    [
        ("Ai là Chủ tịch UBND tỉnh Lào Cai?", "chu tich ubnd tinh"),
        ("pho bi thu thuong truc thanh uy can tho la ai", "pho bi thu thuong truc"),
        ("Ai là Giám đốc Sở Du lịch Ninh Bình?", "giam doc so du"),
        ("HLV đội tuyển nữ là ai?", "hlv doi tuyen"),
        ("Ai mở tỷ số cho U22 Việt Nam?", None),
        ("Hiệu trưởng Trường Đại học Cần Thơ là ai?", "hieu truong truong dai"),
        ("Who was Truong Minh Khoa's defence lawyer?", "luat su"),
        ("Who is the mayor of Da Nang?", "chu tich"),
        ("Vụ sạt lở có ai bị thương vong không?", None),  # "bị thương" is no "Bí thư"
    ],
)
def test_role_of(question, role):
    assert role_of(question) == role


def test_is_anyone_is_a_yes_no_question():
    """ "Có ai bị thương không?" asks whether anyone was hurt; the answer may be "không có thiệt hại về người"."""
    from qa.reading.asking import answer_type

    assert answer_type("Vụ sạt lở kênh Vàm Cỏ Lau có ai bị thương vong không?") == "yes_no"
    assert answer_type("Bão Noru có làm ai chết ở Quảng Trị không?") == "yes_no"
    assert answer_type("chay rung o son la nam 2023 co ai bi thuong khong") == "yes_no"
    assert answer_type("Ai bị thương trong vụ tai nạn?") == "who" and answer_type("Ai có mặt tại hội nghị?") == "who"


def test_role_support_tells_a_deputy_of_another_council_apart():
    question = "Chủ tịch UBND tỉnh Lào Cai là ai?"
    assert role_support(question, "Ông Trịnh Xuân Trường, Chủ tịch UBND tỉnh, phát biểu.") == 1.0
    assert role_support(question, "Chủ tọa kỳ họp là bà Hoàng Thị Hạnh, Phó Chủ tịch Thường trực HĐND tỉnh.") < 0.5
    assert role_support("Ai mở tỷ số?", "Văn Trường ghi bàn.") == 1.0  # no post asked: nothing to check


def test_how_many_skips_dates_times_and_names():
    question = "Cầu dài bao nhiêu mét?"
    for sentence, number in [
        ("Sáng 21/9, UBND thành phố tổ chức khánh thành cầu dài 1.247 m.", "1.247 m"),  # with its unit
        ("Bão số 3 làm 14 người chết.", "14"),
        ("Lúc 16:29 có 12 xe qua cầu.", "12"),
        ("Khóa 10 có 45 học viên.", "45"),
    ]:
        span = find_answer_span(sentence, "how_many", question)
        assert sentence[span.start : span.end] == number
    assert find_answer_span("Ngày 17/3 và ngày 18/3.", "how_many", question) is None


def test_counted_noun_must_follow_a_number():
    assert number_before("dang vien", "Quận ủy kết nạp 1.411 đảng viên mới")
    assert not number_before("chi bo", "Quận ủy kết nạp 1.411 đảng viên mới")


class _Corpus:
    """Document frequencies of a tiny corpus that writes 'can_tho' and 'dang_vien' but never 'cam_le'."""

    def document_frequency(self, token):
        return 1 if token in {"can_tho", "dang_vien", "quan_cam"} else 0


def test_unseen_pairs_ignore_how_questions_ask():
    # "tho_co", "co_bao", "bao_nhieu", "nhieu_dang" hold asking words: only can_tho and dang_vien count, both known
    assert unseen_pairs("can tho co bao nhieu dang vien", _Corpus()) == 0.0
    assert unseen_pairs("quan cam le co bao nhieu dang vien", _Corpus()) == pytest.approx(1 / 3)  # cam_le: unknown


class _Syllables:
    """A corpus that writes "Nghệ An" and "bệnh viện" (its syllables and pairs) but no English word."""

    known = {
        "nghe",
        "an",
        "nghe_an",
        "benh",
        "vien",
        "ung",
        "buou",
        "ho",
        "chi",
        "minh",
        "ho_chi",
        "chi_minh",
        "ha",
        "noi",
        "ha_noi",
    }

    places_of_outlets = frozenset(["quang tri"])

    def document_frequency(self, token):
        return int(token in self.known)

    def writes(self, token):  # Searcher.writes: a passage or an article's file name holds it
        return token in self.known or token in {"trung", "kinh", "trung_kinh"}


def test_a_page_saved_without_its_title_names_its_place_in_its_address():
    """ "Liên quan đến vụ cháy làm 14 người tử vong ..." never writes "Trung Kính"; its page's address does
    (nghean24h-vn_...-o-trung-kinh-k): the name is known to the corpus and counts as present in the article's header.
    A file name that is no words (a hash) adds nothing, and numbers in an address other than years are left out."""
    from embeddings.types import Document
    from qa.answering.answerability import article_header, name_in_corpus
    from qa.reading.evidence import address_words, coverage_of

    doc = Document("nghean24h-vn_lua-chay-ngoi-nha-o-trung-kinh-k", "", "Liên quan đến vụ cháy làm 14 người tử vong.", "h")
    assert coverage_of(("Trung Kính",), article_header(doc)) == 1.0
    assert name_in_corpus("Trung Kính", _Syllables())
    assert address_words("000_a5e41cd1fa4addb6") == ""
    assert address_words("vnexpress-net_viet-nam-thu-1-2-ty-usd-tu-sau-rieng-4935372") == "viet nam thu ty usd tu sau rieng"
    assert address_words("n04_bao-so-12-khanh-hoa-2017") == "bao so khanh hoa 2017"


def test_small_figures_count_spelled_out_and_years_of_birth_are_no_news_years():
    from qa.reading.evidence import coverage_of, question_numbers, years_in

    text = "Huyện Yên Minh có năm người chết, gồm cháu Sính Thị Chính (ba tuổi) chết do sập tường nhà."
    assert coverage_of(("3", "Yên Minh"), text) == 1.0
    assert coverage_of(("5",), text) == 0.0  # "năm" is also the year: never the figure a question writes
    assert coverage_of(("3",), "Bà Lan cho biết") == 0.0 and coverage_of(("2",), "hai mươi người, mười hai hộ") == 0.0
    assert years_in("chị Thào (SN 1980), tài xế sinh năm 1993, năm 2024") == {"2024"}
    # a season written short names both its years; a year and month ("2024/12") does not
    assert years_in("V-League 2023/24") == {"2023", "2024"} and years_in("mùa giải 2024-25") == {"2024", "2025"}
    assert years_in("ngày 2024/12") == {"2024"}
    assert question_numbers("Quốc lộ 279D qua Sơn La, 10ha, the 13th Committee") == ("279D", "10", "13")


def test_a_name_is_known_by_its_vietnamese_part_its_spellings_or_its_outlet():
    from qa.answering.answerability import corpus_names, name_in_corpus

    corpus = _Syllables()
    # the institution's English words are the question's language; the province is what the corpus must know
    assert corpus_names("How many beds does Nghe An Oncology Hospital have?", corpus) == ("Nghe An",)
    assert name_in_corpus("Nghe An", corpus) and name_in_corpus("Ho Chi Minh", corpus)
    assert not name_in_corpus("Champions League", corpus)  # the corpus writes no word of it
    assert name_in_corpus("Hanoi", corpus)  # the corpus writes "Hà Nội"
    # a provincial paper names its province only through its outlet ("Theo Báo Quảng Trị")
    assert name_in_corpus("Quảng Trị", corpus) and name_in_corpus("Quang Tri", corpus)
    assert not name_in_corpus("Quảng Bình", corpus)
    # two names joined by a dash are each looked for: "HAGL - SHB Đà Nẵng" holds no pair "hagl_shb"
    assert name_in_corpus("Hà Nội - Nghệ An", corpus) and not name_in_corpus("Hà Nội - Champions", corpus)


def test_names_the_corpus_writes_no_word_of_reach_the_guard():
    """A name in words of which no word is written anywhere ("Champions League", "Vietcombank") is something the
    articles cannot be about: kept for the entity guard, which refuses it. Not a code or abbreviation ("TW5" for
    "Trung ương 5"), nor a storm's name, which articles may give as its number ("bão Yagi" is "bão số 3"), nor an
    English question's names, whose words are English ("Oncology")."""
    from qa.answering.answerability import corpus_names, unwritten_names

    corpus = _Syllables()
    question = "Trận chung kết Champions League năm nay diễn ra ở sân nào?"
    assert corpus_names(question, corpus) == () and unwritten_names(question, corpus) == ("Champions League",)
    assert unwritten_names("Qua 15 năm thực hiện Nghị quyết TW5, Nghệ An đạt kết quả gì?", corpus) == ()
    assert unwritten_names("Who won the 2022 FIFA World Cup?", corpus) == ()
    assert unwritten_names("Ngành báo chí ĐH KHXH&NV năm 2023 lấy bao nhiêu điểm?", corpus) == ()  # abbreviations
    assert unwritten_names("How many beds does the Quy Hop Oncology Hospital have?", corpus) == ()
    assert unwritten_names("Lãi suất tiết kiệm của Vietcombank hiện nay là bao nhiêu?", corpus) == ("Vietcombank",)
    assert unwritten_names("Giá xăng RON 95 hôm nay là bao nhiêu một lít?", corpus) == ()  # a code
    for storm in ("Bão Yagi làm bao nhiêu người chết?", "Cơn bão Noru đổ bộ vào đâu?", "bao Yagi gay thiet hai gi"):
        assert unwritten_names(storm, corpus) == (), storm


def test_a_name_after_a_head_articles_number_may_be_written_as_its_number():
    from qa.reading.evidence import named_by_number

    assert named_by_number("Siêu bão Yagi đổ bộ khi nào?", "Yagi") and named_by_number("Áp thấp nhiệt đới Wutip", "Wutip")
    assert not named_by_number("Giá cổ phiếu Vinamilk bao nhiêu?", "Vinamilk")
    assert not named_by_number("Báo Nhân Dân viết gì về Yagi?", "Yagi")  # "báo" (newspaper), not "bão"


@pytest.mark.parametrize(
    ("question", "noun", "sentence", "answer"),
    [
        ("Cầu Bắc Sơn dài bao nhiêu mét?", "met", "Cầu có tổng chiều dài 1.247 m, rộng 25 m.", "1.247 m"),
        ("GRDP năm 2019 tăng bao nhiêu phần trăm?", "phan tram", "GRDP ước tăng 8,95% so với năm trước.", "8,95%"),
        ("bao so 9 lam bao nhieu nha o quang ngai bi hu hong", "nha", "Toàn tỉnh có 56.230 ngôi nhà bị hư hỏng.", "56.230"),
        ("Tỷ lệ hộ nghèo giảm còn bao nhiêu sau nhiệm kỳ 2010-2015?", None, "Tỷ lệ hộ nghèo còn 4,1%.", "4,1%"),
        ("Đảng bộ có bao nhiêu đảng viên?", "dang vien", "Có 15 đảng bộ trực thuộc, 55.369 đảng viên.", "55.369"),
        # a price per unit is money: "bao nhiêu một ký" is answered by "119.300 đồng/kg", not by a count of "một ký"
        ("Giá cà phê ở Đắk Nông bao nhiêu một ký?", "tien", "Tại Đắk Nông, giá cà phê là 119.300 đồng/kg.", "119.300 đồng"),
    ],
)
def test_counted_noun_units_and_loose_words(question, noun, sentence, answer):
    """Units are found as articles abbreviate them; a preposition after 'bao nhiêu' is no counted noun."""
    assert counted_noun(question) == noun
    if noun:
        assert number_before(noun, sentence)
    span = find_answer_span(sentence, "how_many", question)
    assert sentence[span.start : span.end] == answer


def test_where_span_is_a_new_place_after_a_place_word():
    question = "Quận nào là điểm nóng sốt xuất huyết ở Đà Nẵng năm 2022?"
    asked_place = "Trung tâm Kiểm soát bệnh tật (CDC) thành phố Đà Nẵng ghi nhận 4.327 ca mắc."
    answer = "CDC Đà Nẵng cho biết quận Liên Chiểu có số ca mắc cao nhất."
    found = find_answer_span(asked_place, "where", question)
    assert found is None or "Đà Nẵng" not in asked_place[found.start : found.end]
    span = find_answer_span(answer, "where", question)
    assert answer[span.start : span.end] == "Liên Chiểu"  # not "CDC", not the city the question names
    # the question's place typed without diacritics is still the question's, not an answer
    plain = find_answer_span("Sở Y tế Hà Nội ghi nhận 5.620 ca.", "where", "quan nao o ha noi nhieu ca nhat")
    assert plain is None


def test_a_how_many_sentence_counts_in_full_when_its_number_counts_the_noun():
    from qa.answering.answer import _typed_strength
    from qa.answering.sentences import Sentence

    question = "Bao nhiêu nông dân dự hội nghị đối thoại năm 2021?"
    counted = Sentence(0, 0, 40, "Có 300 nông dân dự hội nghị.")
    other = Sentence(0, 50, 120, "Ông Bảy trả lời 23 câu hỏi của nông dân.")
    spans = {(0, 0): (3, 6), (0, 50): (66, 68)}
    assert _typed_strength(counted, spans, counted_noun(question)) == 1.0
    assert _typed_strength(other, spans, counted_noun(question)) == 0.5
    assert _typed_strength(Sentence(0, 200, 230, "Không có số."), spans, counted_noun(question)) == 0.0
    assert counted_noun("grdp bac ninh nam 2019 tang bao nhieu") == "phan tram"  # a rise with nothing counted


@pytest.mark.parametrize(
    ("question", "sentence", "support"),
    [
        # the deputy holds another post: "Phó Chủ tịch" answers no question about the chairman
        ("Chủ tịch UBND tỉnh Hà Tĩnh năm 2019 là ai?", "Ông Phan Đình Khuê, Phó Chủ tịch UBND tỉnh Hà Tĩnh, có mặt.", 0.0),
        ("giam doc so tai nguyen va moi truong ha noi la ai", "Ông Lê Thanh Hòa, Phó Giám đốc Sở Tài nguyên và Môi trường.", 0.0),
        ("Chủ tịch UBND tỉnh là ai?", "Ông A, Chủ tịch UBND tỉnh, và ông B, Phó Chủ tịch UBND tỉnh.", 1.0),
        ("Phó Chủ tịch UBND tỉnh là ai?", "Ông B, Phó Chủ tịch UBND tỉnh, phát biểu.", 1.0),
        # English posts read as the articles write them
        ("Who chairs the board of Hanoi Metro?", "Ông Đặng Minh Quân, Tổng giám đốc Hanoi Metro, cho biết.", 0.0),
        ("Who is the general director of ACV?", "Ông Vũ Thế Phiệt, Tổng giám đốc ACV, cho biết.", 1.0),
        ("Who is the director of the department?", "Ông A, Phó Giám đốc Sở, cho biết.", 0.0),
        ("Who coached Vietnam at SEA Games 32?", "HLV Troussier hài lòng với các cầu thủ.", 1.0),
        # an abbreviation counts wherever the sentence writes it
        ("Chủ tịch VFA năm 2023 là ai?", "Ông Lâm Quốc Thắng, Chủ tịch Hiệp hội Lương thực Việt Nam (VFA), cho biết.", 1.0),
    ],
)
def test_role_support_deputies_english_posts_and_abbreviations(question, sentence, support):
    assert role_support(question, sentence) == support


def test_fact_words_leave_out_names_and_numbers():
    """What is asked once whom and when are blanked: a near miss about the same city keeps only its fact."""
    from qa.answering.answerability import fact_features, fact_words

    assert fact_words("Người cao tuổi đi xe buýt ở Đà Nẵng có được miễn vé không?") == (
        "nguoi cao tuoi di xe buyt o | duoc mien ve"  # asking words ("có ... không") left out too
    )
    assert "2023" not in fact_words("Cháy rừng ở huyện Thuận Châu năm 2023 thiệt hại bao nhiêu ha?")

    class Words(_NoWords):
        def sentence_overlap(self, question, text):
            return float("xe buyt" in question and "xe buýt" in text)

    lead = _lead("Đà Nẵng có hơn 2.600 doanh nghiệp công nghệ số")
    asked = "Người cao tuổi đi xe buýt ở Đà Nẵng có được miễn vé không?"
    assert fact_features(asked, lead, Words(), 1.0)["fact_pairs_vi"] == 0.0
    assert fact_features(asked, _lead("Người cao tuổi đi xe buýt ở Đà Nẵng được miễn vé"), Words(), 1.0)["fact_pairs_vi"] == 1.0
    assert fact_features("Who rides buses free in Da Nang?", lead, Words(), 0.0) == {"fact_pairs_vi": 0.0, "fact_overlap_vi": 0.0}


class _FlatCorpus(_NoWords):
    """Every sentence matches the question's words equally; every syllable is known."""

    def sentence_overlap(self, question, sentence):
        return 0.5

    def document_frequency(self, token):
        return 1


def test_a_who_answer_leads_with_the_post_asked_about():
    from qa.answering.answer import build_extractive
    from qa.params import AnswerParams

    body = "Ông Trần Văn An, Phó Chủ tịch UBND tỉnh, phát biểu. Ông Lê Văn Bình, Chủ tịch UBND tỉnh, chủ trì hội nghị."
    hit = _lead(body)[0]
    _, citations = build_extractive("Chủ tịch UBND tỉnh là ai?", [hit], _FlatCorpus())
    assert "Lê Văn Bình" in citations[0].quote
    _, without = build_extractive("Chủ tịch UBND tỉnh là ai?", [hit], _FlatCorpus(), AnswerParams(role_bonus=0.0))
    assert "Trần Văn An" in without[0].quote  # without the bonus, the first of two equal sentences leads


def test_a_question_about_a_deputy_is_not_answered_by_the_post_holder():
    question = "Phó Chủ tịch Hiệp hội Lương thực Việt Nam là ai?"
    assert role_support(question, "Ông Lâm Quốc Thắng, Chủ tịch Hiệp hội Lương thực Việt Nam (VFA), cho biết.") == 0.0
    assert role_support(question, "Ông Đỗ Hà Nam, Phó Chủ tịch Hiệp hội Lương thực Việt Nam, cho biết.") == 1.0


@pytest.mark.parametrize(
    ("question", "sentence", "found"),
    [
        ("Có bao nhiêu ca phải nhập viện?", "Đã có 64 trường hợp nhập viện điều trị.", True),  # another word, same count
        ("Bão làm bao nhiêu người thiệt mạng?", "Bão làm 18 người chết và 5 người mất tích.", True),  # the head alone
        ("khanh hoa bao nhieu ca sxh 2024", "toan tinh ghi nhan 3.215 ca mac sot xuat huyet", True),  # an abbreviation
        ("kien xuong cay may dat bao nhieu phan tram", "ty le cay may dat 62%", True),  # "cấy máy", not "mấy"
        ("Bao nhiêu hộ phải sơ tán?", "Lửa thiêu rụi 300 ha rừng.", False),  # another thing counted stays missing
        ("Trami là cơn bão thứ mấy vào Philippines?", "Trami là cơn bão thứ 11 vào Philippines.", True),  # an ordinal
        ("Trami là cơn bão thứ mấy vào Philippines?", "Bão số 11 đã tan.", False),  # "số 11" is a name, not "thứ"
        ("Bão số 2 gây thiệt hại bao nhiêu ở Hải Hậu?", "Thiệt hại ước khoảng 18,6 tỷ đồng.", True),  # damage: money
    ],
)
def test_counted_nouns_survive_rewording(question, sentence, found):
    from qa.reading.asking import counted_noun, number_before

    assert number_before(counted_noun(question), sentence) is found


def test_an_article_that_writes_no_year_is_not_held_to_the_question_s_year():
    """A page saved without its date line ("tháng 7 năm nay") can neither confirm nor deny "tháng 7/2024": the year
    is dropped from what its passages must hold, while a dated article is still held to it."""
    from embeddings.types import Document
    from qa.answering.answerability import held_to

    undated = Document("d", "Xuất khẩu sầu riêng tăng mạnh", "Tháng 7 năm nay, xuất khẩu sầu riêng đạt 280 triệu USD.", "h")
    dated = Document("e", "Xuất khẩu sầu riêng", "Tháng 7, xuất khẩu đạt 280 triệu USD.", "h", date="2023-08-01")
    assert held_to(("Gia Lai", "2024", "7"), undated) == ("Gia Lai", "7")
    assert held_to(("Gia Lai", "2024", "7"), dated) == ("Gia Lai", "2024", "7")


def test_an_undated_article_is_not_held_to_the_day_the_question_names():
    """ "Trưa nay ... 42,1 độ C tại Đông Hà" saved without its date line can neither confirm nor deny "Trưa 27/4/2024":
    the day and month are dropped from what its passages must hold (with the year it does not write), as is the month of
    "cuối tháng 8/2025", while an article with a date line is still held to them."""
    from embeddings.types import Document
    from qa.answering.answerability import held_to
    from qa.reading.question import read_question

    question = read_question("Trưa 27/4/2024 nơi nào nóng nhất cả nước?")
    assert question.numbers == ("27", "4", "2024") and question.days == {"27", "4"}
    text = "Trưa nay nắng nóng gay gắt, nhiệt độ cao nhất là 42,1 độ C ghi nhận được tại Đông Hà (Quảng Trị)."
    undated = Document("d", "Nắng nóng vượt 42 độ C", text, "h")
    dated = Document("e", "Nắng nóng vượt 42 độ C", text, "h", date="2024-04-28")
    assert held_to(question.numbers, undated, question.days) == ()
    assert held_to(question.numbers, dated, question.days) == question.numbers
    monthly = read_question("Bão số 5 hồi cuối tháng 8/2025 làm mấy người chết?")
    assert monthly.days == {"8"} and held_to(monthly.numbers, undated, monthly.days) == ("5",)
    assert held_to(monthly.numbers, dated, monthly.days) == ("5", "8", "2025")


def test_date_numbers_reads_dates_not_decimals_or_ranges():
    from qa.reading.evidence import date_numbers

    assert date_numbers("ngay 5/8 co bao nhieu ca") == {"5", "8"}
    assert date_numbers("ngày 30.4 và Ngày 2 tháng 9, tháng 11/2023") == {"30", "4", "2", "11"}
    assert date_numbers("tăng 3.5 lần, 12.3%, từ 1-2 người, giá 7.500 đồng, 6 tháng đầu năm 2024, ngày 1.000") == set()


def test_a_same_period_comparison_reports_the_next_year():
    """ "Tăng 7,6% so với cùng kỳ năm 2023" reports 2024's figures: a question about 2024 is not held to a written
    "2024", nor does the written "2023" conflict with it; a question about 2022 still is."""
    from embeddings.types import Document
    from qa.answering.answerability import held_to
    from qa.reading.evidence import implied_years

    text = "Sáu tháng đầu năm có 500 doanh nghiệp thành lập mới, tăng 7,6% so với cùng kỳ năm 2023."
    doc = Document("d", "Gia Lai công bố số liệu thống kê 6 tháng đầu năm", text, "h")
    assert implied_years(text) == {"2024"}
    assert held_to(("Gia Lai", "2024"), doc) == ("Gia Lai",)
    assert held_to(("Gia Lai", "2022"), doc) == ("Gia Lai", "2022")


@pytest.mark.parametrize(
    ("question", "sentence", "answer"),
    [
        ("Bão Noul làm bao nhiêu người thiệt mạng?", "Bão đã làm bốn người thiệt mạng, 112 người bị thương.", "bốn"),
        ("Có bao nhiêu ca tử vong?", "Khánh Hòa ghi nhận ba ca tử vong do sốt xuất huyết.", "ba"),
        ("Bão làm bao nhiêu người thiệt mạng?", "Bão làm 3 người thiệt mạng và bốn người bị thương.", "3"),  # a figure first
        ("Có bao nhiêu người dự lễ?", "Năm nay người dân đến dự lễ rất đông.", None),  # "năm nay": this year
        ("Có bao nhiêu người dự lễ?", "Hai mươi người dự lễ.", None),  # part of "hai mươi", not two
        ("Có bao nhiêu người nhập viện?", "Bà con cho biết bà người nhập viện sáng nay.", None),  # "bà" is no "ba"
    ],
)
def test_small_counts_spelled_out(question, sentence, answer):
    """News spells out small counts; a spelled count answers only with a number word's diacritics and when no
    figure counts the same noun."""
    span = find_answer_span(sentence, "how_many", question)
    assert (sentence[span.start : span.end] if span else None) == answer


def test_figures_of_another_reporting_period_conflict_with_the_question():
    """ "Cả năm 2023 xuất khẩu sầu riêng đạt bao nhiêu?" is not answered by "6 tháng đầu năm ... đạt 2,68 tỷ USD"; "7
    tháng đầu năm" is by "trong 7 tháng", "quý 1" by "quý I/2024"; "7 tháng tù" is a sentence, not a period."""
    from qa.answering.answerability import period_conflict

    assert period_conflict("Cả năm 2023 xuất khẩu sầu riêng đạt bao nhiêu?", "Tính chung 6 tháng đầu năm đạt 2,68 tỷ USD.")
    assert not period_conflict("7 tháng đầu năm 2025 xuất khẩu được bao nhiêu?", "Mang về 1,2 tỷ USD trong 7 tháng.")
    assert not period_conflict("quy 1 2024 grdp tang bao nhieu", "GRDP quý I/2024 tăng 6%.")
    assert not period_conflict("Nửa đầu năm 2023 sầu riêng chiếm bao nhiêu?", "Bị cáo bị tuyên phạt 7 tháng tù.")
    assert period_conflict("6 tháng đầu năm GRDP tăng bao nhiêu?", "Quý III, GRDP tăng 7,4%.")


def test_a_comparison_with_a_year_reports_the_next_and_an_address_may_carry_the_date():
    """ "Tăng 22,86% so với năm 2009" reports 2010; a page id that starts with its date ("202207", "20241016093015")
    gives the article's year; "bao nhiêu 1 mét vuông" asks a price per unit, and its "1" is no figure to find."""
    from qa.reading.evidence import address_words, implied_years, question_numbers

    assert implied_years("Quảng Ngãi đỗ tốt nghiệp 96,24% (tăng 22,86% so với năm 2009)") == {"2010"}
    assert implied_years("tỷ lệ tốt nghiệp đạt 99,48%, cao hơn năm 2023 0,12%") == {"2024"}
    assert implied_years("giữa tuần nên lượng khách không đông như năm 2023") == {"2024"}
    assert (
        address_words("baonamdinh-vn_channel-5083-202207-16-tinh-co-100-so-xa-dat-chuan")
        == "channel 2022 tinh co so xa dat chuan"
    )
    assert address_words("tuoitre-vn_gia-vang-hom-nay-20241016093015") == "gia vang hom nay 2024"
    assert question_numbers("gia dat thang 3/2025 bao nhieu 1 met vuong") == ("3", "2025")
    assert question_numbers("Vụ tai nạn có 1 người chết?") == ("1",)


def test_lower_case_places_read_two_ways_are_neither_and_names_side_by_side_are_known():
    """ "cahn hoa binh duong 1-1" is "hòa Bình Dương" (a draw) or "Hòa Bình dương": neither province is the question's,
    so neither can be refused as written nowhere; "Phú An Land Trương Minh Quốc" is two names the corpus writes apart."""
    from qa.answering.answerability import name_in_corpus
    from qa.reading.places import place_spans

    assert place_spans("cahn hoa binh duong 1-1 ai da phat den") == []
    assert place_spans("hoa binh co bao nhieu dang vien") == ["hoa binh"]
    assert place_spans("ha noi va ha nam") == ["ha noi", "ha nam"]

    class Corpus(_Syllables):
        known = {"phu", "an", "land", "truong", "minh", "quoc", "phu_an", "an_land", "truong_minh", "minh_quoc"}

    assert name_in_corpus("Phú An Land Trương Minh Quốc", Corpus())
    assert not name_in_corpus("Phú An Land Nguyễn Văn Tú", Corpus())


def test_an_unrecognised_outlet_s_province_is_only_missing_and_abbreviations_split_off():
    """ "Sạt lở ... xã An Phong huyện Thanh Bình, Đồng Tháp": the passages hold the commune and district, the page (thdt.vn,
    an outlet the loader does not know) never writes its province; it steps the answer down, it does not refuse it.
    "Sở NN-PTNT Cà Mau" is an abbreviation beside a province, each written by the corpus."""
    from qa.answering.answer import written_nowhere
    from qa.answering.answerability import name_in_corpus
    from qa.reading.question import read_question

    class Corpus(_Syllables):
        known = {"an", "phong", "an_phong", "thanh", "binh", "thanh_binh", "nn", "ptnt", "nn_ptnt", "ca", "mau", "ca_mau"}

    question = read_question("Sạt lở bờ sông Tiền ở xã An Phong huyện Thanh Bình, Đồng Tháp xảy ra lúc nào?")
    assert written_nowhere(question, ("Đồng Tháp",), Corpus()) == ()
    alone = read_question("Đồng Tháp có bao nhiêu đảng viên?")
    assert written_nowhere(alone, ("Đồng Tháp",), Corpus()) == ("Đồng Tháp",)  # nothing else locates it: refused
    assert name_in_corpus("NN-PTNT Cà Mau", Corpus()) and not name_in_corpus("Nguyễn Cà Mau", Corpus())


def test_centimetres_and_millimetres_are_units():
    from qa.reading.asking import counted_noun

    question = "tp vinh ngap sau bao nhieu cm sau mua 23/9"
    sentence = "Nhiều tuyến phố ngập sâu từ 50 đến 70cm, có nơi gần 1 m."
    span = find_answer_span(sentence, "how_many", question)
    assert counted_noun(question).startswith("cm") and sentence[span.start : span.end] == "70cm"
    assert counted_noun("Lượng mưa ở Huế bao nhiêu mm?") == "mm"


def test_an_asked_for_list_is_read_from_the_question():
    from qa.reading.asking import announces, asked_content, states_cause

    assert asked_content("Sản xuất vụ chiêm xuân 2024 ở Kiến Xương còn tồn tại gì?") == "ton tai"
    assert asked_content("Công tác phát triển đảng viên còn những hạn chế gì?") == "han che"
    assert asked_content("Vì sao giá gạo giảm?") is None
    assert announces("Bên cạnh kết quả đạt được, sản xuất vụ chiêm xuân vẫn còn một số tồn tại.")
    # "phát hiện" tells what was noticed, not why: only the bacterium states the cause
    assert not states_cause("Ngay khi phát hiện sự việc, trường đã liên hệ với phụ huynh.")
    assert states_cause("Kết quả bước đầu phát hiện vi khuẩn Bacillus cereus vượt ngưỡng cho phép.")


def test_a_match_score_is_one_number_either_way_round_and_holds_only_where_scores_are_written():
    """ "hòa Bình Dương 1-1": the score is one constraint, "0-2" is "2-0" written from the loser's side, and an article
    telling the result in words ("bị cầm chân", "gỡ hòa") is not held to it, as one without a year is not to a year."""
    from qa.answering.answerability import held_to
    from qa.reading.evidence import coverage_of, question_numbers

    assert question_numbers("Trận Công an Hà Nội hòa Bình Dương 1-1 ai ghi bàn?") == ("1-1",)
    assert question_numbers("Cầu thủ nào bị đuổi trong trận thua Nam Định 0-2?") == ("0-2",)
    assert question_numbers("Thủ tục mất 1-2 ngày?") == ("1", "2")  # no match spoken of: a range
    assert coverage_of(("0-2",), "Nam Định thắng Hải Phòng 2 - 0") == 1.0 and coverage_of(("2-1",), "thắng 2-0") == 0.0
    words = Document("a", "Công an Hà Nội bị cầm chân", "Bình Dương gỡ hòa ở phút 67.", "h", "2024-10-20")
    scored = Document("b", "Công an Hà Nội hòa Bình Dương 1-1", "Bình Dương gỡ hòa ở phút 67.", "h", "2024-10-20")
    assert held_to(("1-1", "Bình Dương"), words) == ("Bình Dương",)
    assert held_to(("2-0", "Bình Dương"), scored) == ("2-0", "Bình Dương")


def test_a_year_an_article_only_measures_from_does_not_date_it():
    """ "cao nhất kể từ năm 2021" is a record's reference: an undated page that writes no other year is not held to the
    year a question names, as one that writes no year at all is not."""
    from qa.answering.answerability import held_to

    since = Document("a", "Giá chung cư lập đỉnh mới trong quý III", "Tỷ lệ hấp thụ 91%, cao nhất kể từ năm 2021.", "h")
    dated = Document("b", "Giá chung cư lập đỉnh mới trong quý III", "Tỷ lệ hấp thụ năm 2021 đạt 91%.", "h")
    assert held_to(("Hà Nội", "2024"), since) == ("Hà Nội",)
    assert held_to(("Hà Nội", "2024"), dated) == ("Hà Nội", "2024")


def test_two_names_side_by_side_split_at_a_listed_place_and_money_is_money():
    """ "Lũ quét ở Kỳ Sơn Nghệ An": an article writes "huyện Kỳ Sơn" and its province apart (or names the province only
    by its outlet), so the question holds two names; "bao nhiêu tiền vì hạn mặn" counts money, not "tiền vì"."""
    from qa.reading.asking import counted_noun
    from qa.reading.evidence import question_entities

    assert question_entities("Lũ quét ở Kỳ Sơn Nghệ An làm trôi bao nhiêu ngôi nhà?") == ("Kỳ Sơn", "Nghệ An")
    assert question_entities("Lễ hội pháo hoa DIFF Đà Nẵng thu hút bao nhiêu lượt khách?") == ("DIFF", "Đà Nẵng")
    assert question_entities("Tỉnh ủy Nghệ An có bao nhiêu đảng viên?") == ("Nghệ An",)
    assert counted_noun("Long An thiệt hại bao nhiêu tiền vì hạn mặn?") == "tien"
    assert counted_noun("BHXH tỉnh đã chi bao nhiêu tiền cho các chế độ?") == "tien"
    assert counted_noun("Trường có bao nhiêu tiến sĩ?") == "tien si"  # the diacritics decide


def test_a_district_a_reader_adds_is_only_missing_and_a_district_portal_names_its_district():
    """ "Xã Chư Drăng (Krông Pa, Gia Lai)", "HĐND xã Sơn Mùa (Sơn Tây, Quảng Ngãi)": a commune's portal never writes its
    district. The district (vietnam-provinces' list) steps the answer down when the passages hold the commune, and the
    portal's host (krongpa-gialai-gov-vn) names it; a district alone, or a name that is no district, still refuses."""
    from qa.answering.answer import written_nowhere
    from qa.answering.answerability import article_header
    from qa.reading.places import host_districts, is_district
    from qa.reading.question import read_question

    class Corpus(_Syllables):
        known = {"chu", "drang", "chu_drang", "gia", "lai", "gia_lai", "son", "mua", "son_mua"}

    located = read_question("Xã Chư Drăng (Krông Pa, Gia Lai) có tổng đàn gia súc bao nhiêu con?")
    assert written_nowhere(located, ("Krông Pa",), Corpus()) == ()
    assert written_nowhere(read_question("Krông Pa có bao nhiêu đảng viên?"), ("Krông Pa",), Corpus()) == ("Krông Pa",)
    other = read_question("Xã Chư Drăng (Hoàng Văn Thụ, Gia Lai) có bao nhiêu con bò?")
    assert written_nowhere(other, ("Hoàng Văn Thụ",), Corpus()) == ("Hoàng Văn Thụ",)
    assert is_district("huyện Sơn Tây") and is_district("Mù Cang Chải") and not is_district("Hồ Chí Minh")
    assert host_districts("krongpa-gialai-gov-vn_ubnd-xa-chu-drang") == ("krong pa",)
    page = Document("krongpa-gialai-gov-vn_ubnd-xa-chu-drang", "UBND xã Chư Drăng", "Tổng đàn có 17.919 con.", "h")
    assert "krong pa" in article_header(page)


def test_an_english_question_s_names_count_by_the_words_the_corpus_writes():
    """ "Ha Long Bay" is "vịnh Hạ Long", "Chinese visitors" "khách Trung Quốc" (lexicon/aliases.txt), and an English
    question's name is written when the corpus writes a run of its words: not names written nowhere."""
    from qa.answering.answer import written_nowhere
    from qa.answering.answerability import name_in_corpus
    from qa.reading.question import read_question

    class Corpus(_Syllables):
        known = {"vinh", "ha", "long", "vinh_ha", "ha_long", "trung", "quoc", "trung_quoc", "mong", "cai", "mong_cai"}

    bay = read_question("Which tugboat was swept out to sea in Ha Long Bay during Typhoon Yagi?")
    assert written_nowhere(bay, ("Ha Long Bay",), Corpus()) == ()
    assert name_in_corpus("Chinese", Corpus()) and name_in_corpus("Ha Long Bay", Corpus())
    assert written_nowhere(read_question("How many visitors came to Ha Long Bay?"), ("Sun World",), Corpus()) == ("Sun World",)


@pytest.mark.parametrize(
    ("question", "noun"),
    [
        ("Mô hình lúa SRI làm trên bao nhiêu ha, giống gì?", "ha"),  # hectares, written "10ha"
        ("Có mấy em phải nằm khoa hồi sức tích cực?", "em"),  # "phải": what befell them, not what is counted
        ("Bao nhiêu người vẫn còn mất tích?", "nguoi"),
        ("Bao nhiêu hộ dân phải di dời?", "ho dan"),
    ],
)
def test_what_a_how_many_question_counts(question, noun):
    assert counted_noun(question) == noun


def test_hectares_glued_to_their_number():
    from qa.reading.asking import find_counted

    assert find_counted("ha", "duoc trien khai tren quy mo 10ha, su dung giong lua").group(1) == "10ha"
