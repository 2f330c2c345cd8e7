"""Quotes cut at the length limit say so: "…" where the sentence goes on, and the whole sentence on the citation."""

from embeddings.sentences import sentence_spans
from embeddings.types import Chunk, Document
from qa.answering.answer import assemble, build_extractive
from qa.answering.sentences import split_sentences
from qa.retrieval.searcher import Hit

LONG = (
    "Tại kỳ họp, Hội đồng nhân dân tỉnh đã bầu bổ sung các chức danh, trong đó ông Nguyễn Văn A được bầu giữ chức "
    "Phó Chủ tịch, bà Trần Thị B được bầu làm Ủy viên, và Thường trực Hội đồng nhân dân đã thống nhất trình "
    "Thủ tướng phê chuẩn kết quả bầu, bổ nhiệm chức danh Chủ tịch, Phó Chủ tịch Ủy ban nhân dân tỉnh nhiệm kỳ 2021-2026."
)


class Words:
    """A searcher's word statistics, faked: `overlap(sentence)` is every sentence's word overlap with the question."""

    def __init__(self, overlap):
        self.overlap = overlap

    def sentence_overlap(self, question, sentence):
        return self.overlap(sentence)

    def coverage(self, question, sentence):
        return 0.0

    def document_frequency(self, token):
        return 1

    def writes(self, token):
        return True


def _hit(body: str) -> Hit:
    doc = Document("d", "Kỳ họp HĐND", body, "h")
    return Hit(Chunk("c", "d", 0, len(body), body), doc, 1.0, 1)


def test_windows_know_their_whole_sentence():
    windows = sentence_spans(LONG, 0, 120)
    assert len(windows) > 1 and all(w.whole == (0, len(LONG)) for w in windows)
    short = sentence_spans("Một câu ngắn.", 0, 120)[0]
    assert short.whole == (short.start, short.end)


def test_a_cut_quote_ends_with_an_ellipsis_and_carries_the_whole_sentence():
    hit = _hit(LONG + " Câu sau ngắn.")
    sentences = split_sentences(0, hit, 120)
    first = sentences[0]
    text, citations = assemble([first], [hit], None, 120)
    assert text == f"{first.text}… [1]"
    assert citations[0].quote == first.text  # the quote itself stays an exact span of the article
    assert citations[0].sentence == LONG
    middle = sentences[1]
    text, _ = assemble([middle], [hit], None, 120)
    assert text.startswith("… ") and text.endswith("… [1]")
    whole = sentences[-1]  # "Câu sau ngắn.": a whole sentence, no ellipsis, no sentence field
    text, citations = assemble([whole], [hit], None, 120)
    assert text == "Câu sau ngắn. [1]" and citations[0].sentence is None


def test_the_answer_path_marks_cut_quotes():
    text, citations = build_extractive(
        "Ai được trình phê chuẩn chức danh Chủ tịch Ủy ban?",
        [_hit(LONG)],
        Words(lambda sentence: 1.0 if "Chủ tịch Ủy ban" in sentence else 0.0),
    )
    assert "…" in text and citations[0].sentence == LONG


def test_the_source_card_shows_the_whole_sentence_escaped():
    from ui.render import sources_html

    citation = {"n": 1, "chunk_id": "c", "doc_id": "d", "title": "T", "date": None, "source": None, "author": None}
    citation |= {"start": 0, "end": 5, "quote": "Tại k", "answer_start": None, "sentence": "Tại kỳ họp <b>x</b>."}
    html = sources_html({"citations": [citation], "hits": []}, "vi")
    assert "Cả câu" in html and "&lt;b&gt;x&lt;/b&gt;" in html and "<b>x</b>" not in html


def test_two_windows_of_one_sentence_quoted_in_a_row_join_without_inner_ellipses():
    hit = _hit(LONG)
    windows = split_sentences(0, hit, 120)[:2]
    text, citations = assemble(windows, [hit], None, 120)
    assert len(citations) == 2  # too long for one citation
    assert text == f"{windows[0].text} [1] {windows[1].text}… [2]"


def test_a_what_answer_goes_on_past_the_sentence_that_announces_it():
    from qa.reading.asking import announces

    assert announces("Tuy nhiên, việc thực hiện Nghị quyết vẫn còn một số hạn chế.")
    assert announces("Ban Tổ chức cũng chỉ ra những nguyên nhân khiến việc tạo nguồn gặp khó khăn.")
    assert announces("Các nhiệm vụ trọng tâm gồm:") and not announces("Bão làm 9 người chết.")
    body = (
        "Tuy nhiên, việc thực hiện Nghị quyết vẫn còn một số hạn chế. "
        "Một số cấp ủy còn bao biện, làm thay hoặc buông lỏng lãnh đạo. "
        "Thành phố sẽ khắc phục trong năm tới."
    )

    text, citations = build_extractive(
        "Việc thực hiện Nghị quyết còn những hạn chế gì?",
        [_hit(body)],
        Words(lambda sentence: 1.0 if "hạn chế" in sentence else 0.0),
    )
    assert "bao biện, làm thay" in citations[0].quote  # the content, right after its announcement, in the same [1]
    assert text.startswith("Tuy nhiên") and "khắc phục" not in text


def test_a_what_answer_asking_for_an_announced_list_leads_with_its_announcement():
    """ "... còn tồn tại gì?": the sentence announcing "một số tồn tại" leads, with the content after it, though
    another sentence matches the question's words better."""
    body = (
        "Ngày 14/6, huyện tổng kết sản xuất vụ chiêm xuân năm 2024. "
        "Bên cạnh kết quả đạt được, sản xuất vụ chiêm xuân vẫn còn một số tồn tại. "
        "Cụ thể, tình trạng bỏ ruộng còn diễn ra ở một số xã với khoảng 45 ha."
    )
    words = Words(lambda sentence: 0.6 if "2024" in sentence else 0.45)

    _, citations = build_extractive("Sản xuất vụ chiêm xuân 2024 còn tồn tại gì?", [_hit(body)], words)
    assert citations[0].quote.startswith("Bên cạnh") and "bỏ ruộng" in citations[0].quote
    _, citations = build_extractive("Sản xuất vụ chiêm xuân 2024 của huyện thế nào?", [_hit(body)], words)
    assert citations[0].quote.startswith("Ngày 14/6")  # no announced list asked for


def test_a_question_naming_a_year_is_not_answered_with_a_sentence_opening_on_another():
    body = "Năm 2019, thu ngân sách đạt 28.000 tỷ đồng. Năm 2020, tỉnh đặt mục tiêu thu ngân sách 31.000 tỷ đồng."
    words = Words(lambda sentence: 0.6 if "mục tiêu" in sentence else 0.5)  # the plan matches the words a little better

    _, citations = build_extractive("Thu ngân sách của tỉnh năm 2019 đạt bao nhiêu?", [_hit(body)], words)
    assert "28.000" in citations[0].quote
    _, citations = build_extractive("Thu ngân sách của tỉnh đạt bao nhiêu?", [_hit(body)], words)
    assert "31.000" in citations[0].quote  # no year asked: the words decide


def test_a_why_answer_leads_with_the_sentence_that_states_the_cause():
    from qa.reading.asking import answer_type, states_cause

    assert answer_type("Học sinh trường Phước Thiện A bị ngộ độc do đâu?") == "why"  # not "where" (đâu)
    assert answer_type("What caused the food poisoning in Chu Pah?") == "why"
    assert states_cause("Kết quả xét nghiệm nhanh ban đầu nghi vi khuẩn Salmonella có trong món gỏi gà trộn.")
    assert states_cause("Nguyen nhan la do mua lon keo dai.") and not states_cause("Bệnh viện tiếp nhận 64 ca nhập viện.")
    body = (
        "Bệnh viện huyện tiếp nhận 64 trường hợp ngộ độc sau tiệc cưới ở làng Klăh. "
        "Kết quả xét nghiệm ban đầu nghi vi khuẩn Salmonella trong món gỏi gà."
    )

    words = Words(lambda sentence: 0.50 if "64" in sentence else 0.45)  # the first sentence matches a little better

    _, citations = build_extractive("Vì sao hàng chục người ngộ độc sau tiệc cưới ở làng Klăh?", [_hit(body)], words)
    assert "Salmonella" in citations[0].quote
    _, citations = build_extractive("Bao nhiêu người ngộ độc sau tiệc cưới ở làng Klăh?", [_hit(body)], words)
    assert "64" in citations[0].quote  # not a why-question: no cause bonus


def test_cause_cues_keep_their_diacritics():
    """Folded, "vì" would be the "vi" of "vi khuẩn" and "đơn vị", "nghi" the "nghị" of "hội nghị"."""
    from qa.reading.asking import states_cause

    for sentence in (
        "Hội nghị tổng kết của đơn vị diễn ra sáng nay.",
        "Công ty đã bồi thường cho 12 hộ dân.",
        "Các cơ sở y tế tiếp nhận 64 trường hợp nhập viện nghi ngộ độc thực phẩm.",  # what happened, not why
    ):
        assert not states_cause(sentence)
    assert states_cause("Vì trời mưa lớn, đường bị sạt lở.") and states_cause("vi khuan la nguyen nhan chinh")


def test_a_why_answer_that_tells_only_what_happened_gets_the_cause_of_its_article():
    body = (
        "Lúc 4 giờ 30 ngày 1-7, chiếc xe khách đang xuống đèo Quán Cau thì lao xuống rãnh thoát nước, lật ngửa. "
        "Rất may không có ai bị thương. "
        "Nguyên nhân ban đầu do xe đổ đèo nhanh, đường có rãnh sâu nên tài xế lạc tay lái."
    )
    words = Words(lambda sentence: 0.9 if "đèo Quán Cau" in sentence else 0.05)  # the cause shares few words
    text, citations = build_extractive("Vì sao xe khách bị lật ở đèo Quán Cau?", [_hit(body)], words)
    assert text.startswith("Lúc 4 giờ 30") and "lạc tay lái" in citations[-1].quote
    text, _ = build_extractive("Xe khách bị lật ở đèo Quán Cau lúc mấy giờ?", [_hit(body)], words)
    assert "lạc tay lái" not in text  # only why-questions look for the cause


def test_a_period_glued_to_the_next_sentence_still_ends_it():
    """Scraped pages lose the space after a period ("năm ngoái.Ca nhiễm"); abbreviations such as "TP.HCM" stay whole."""
    text = "Số ca tăng gấp đôi so với năm ngoái.Ca nguy kịch là 274 ca (31 ca).Tại TP.HCM có 136 khu vực, ở Q.Bình Thạnh 9."
    spans = sentence_spans(text)
    assert [s.text for s in spans] == [
        "Số ca tăng gấp đôi so với năm ngoái.",
        "Ca nguy kịch là 274 ca (31 ca).",
        "Tại TP.HCM có 136 khu vực, ở Q.Bình Thạnh 9.",
    ]
    assert all(text[s.start : s.end] == s.text for s in spans)
