"""Follow-up rewriting: whole names are swapped, institutions ("Trung ương", "Thành ủy") never touched."""

import pytest

from qa.answering.followup import expand_query, is_follow_up

# (previous searched query, follow-up, expected query)
PAIRS = [
    ("Hải Phòng kiến nghị gì với Trung ương?", "Còn Cần Thơ thì sao?", "Cần Thơ kiến nghị gì với Trung ương?"),
    ("Cần Thơ kiến nghị gì?", "Còn Hải Phòng thì sao?", "Hải Phòng kiến nghị gì?"),
    ("Đảng bộ Cần Thơ có bao nhiêu đảng viên?", "Còn Ngũ Hành Sơn thì sao?", "Đảng bộ Ngũ Hành Sơn có bao nhiêu đảng viên?"),
    ("Thành ủy Cần Thơ tổ chức hội nghị gì?", "Còn Hải Phòng thì sao?", "Thành ủy Hải Phòng tổ chức hội nghị gì?"),
    ("Bộ Chính trị giao nhiệm vụ gì cho Hải Phòng?", "Còn Cần Thơ thì sao?", "Bộ Chính trị giao nhiệm vụ gì cho Cần Thơ?"),
    ("Ban Thường vụ Thành ủy TPHCM đánh giá gì?", "Vậy còn Đà Nẵng?", "Ban Thường vụ Thành ủy Đà Nẵng đánh giá gì?"),
    (
        "Quận ủy Ngũ Hành Sơn kết nạp bao nhiêu đảng viên mới?",
        "Còn Sơn Trà thì sao?",
        "Quận ủy Sơn Trà kết nạp bao nhiêu đảng viên mới?",
    ),
    ("Bão số 3 gây thiệt hại gì ở Quảng Ninh?", "Còn Hải Phòng thì sao?", "Bão số 3 gây thiệt hại gì ở Hải Phòng?"),
    ("GRDP của Bắc Ninh tăng bao nhiêu?", "Thế còn Đà Nẵng?", "GRDP của Đà Nẵng tăng bao nhiêu?"),
    ("How many party members does Hai Phong have?", "What about Can Tho?", "How many party members does Can Tho have?"),
    (
        "What did the Central Committee say about Hai Phong?",
        "How about Can Tho?",
        "What did the Central Committee say about Can Tho?",
    ),
    ("Ông Nguyễn Văn Nên phát biểu gì?", "Còn Trần Lưu Quang thì sao?", "Ông Trần Lưu Quang phát biểu gì?"),
    ("Trung ương kết luận gì về Cần Thơ?", "Còn Hải Phòng?", "Trung ương kết luận gì về Hải Phòng?"),
    # no new name: the follow-up is added to the previous query
    (
        "Hải Phòng kiến nghị gì với Trung ương?",
        "Ông ấy nói gì thêm?",
        "Hải Phòng kiến nghị gì với Trung ương? Ông ấy nói gì thêm?",
    ),
    ("Cần Thơ có bao nhiêu đảng viên?", "Còn số chi bộ thì sao?", "Cần Thơ có bao nhiêu đảng viên? Còn số chi bộ thì sao?"),
    (
        "Đại hội Đảng bộ Quảng Ngãi bầu bao nhiêu ủy viên?",
        "Họ là ai?",
        "Đại hội Đảng bộ Quảng Ngãi bầu bao nhiêu ủy viên? Họ là ai?",
    ),
    ("What did Hai Phong propose?", "Why?", "What did Hai Phong propose? Why?"),
    # a new name with more to say: the old name is swapped and the new question kept
    (
        "Quận ủy Ngũ Hành Sơn kết nạp bao nhiêu đảng viên mới?",
        "Còn Sơn Trà năm 2024 kết nạp bao nhiêu?",
        "Quận ủy Sơn Trà kết nạp bao nhiêu đảng viên mới? Còn Sơn Trà năm 2024 kết nạp bao nhiêu?",
    ),
    (
        "Thành ủy Cần Thơ kiến nghị gì?",
        "Và Hải Phòng kiến nghị gì với Bộ Chính trị?",
        "Thành ủy Hải Phòng kiến nghị gì? Và Hải Phòng kiến nghị gì với Bộ Chính trị?",
    ),
    # not a follow-up: searched as typed
    (
        "Cần Thơ kiến nghị gì?",
        "Đảng bộ thành phố Hải Phòng hiện có bao nhiêu đảng viên?",
        "Đảng bộ thành phố Hải Phòng hiện có bao nhiêu đảng viên?",
    ),
    ("x", "Câu hỏi mới hoàn toàn về Cần Thơ và Trung ương", "Câu hỏi mới hoàn toàn về Cần Thơ và Trung ương"),
    # typed without capitals or diacritics: provinces are still names to swap, "trung uong" is still kept
    ("hai phong kien nghi gi voi trung uong", "con can tho thi sao", "can tho kien nghi gi voi trung uong"),
    ("grdp bac ninh nam 2019 tang bao nhieu", "Còn Đà Nẵng thì sao?", "grdp Đà Nẵng nam 2019 tang bao nhieu"),
    (
        "Bão số 9 làm bao nhiêu nhà ở Quảng Ngãi bị hư hỏng?",
        "con quang nam?",
        "Bão số 9 làm bao nhiêu nhà ở quang nam bị hư hỏng?",
    ),
]


@pytest.mark.parametrize(("previous", "question", "expected"), PAIRS)
def test_follow_up_rewrites(previous, question, expected):
    assert expand_query(question, [previous]) == expected


def test_no_history_means_no_rewrite():
    assert expand_query("Còn Hải Phòng thì sao?", []) == "Còn Hải Phòng thì sao?"


def test_follow_up_detection():
    assert is_follow_up("Còn Hải Phòng thì sao?") and is_follow_up("Ông ấy nói gì thêm?") and is_follow_up("What about Can Tho?")
    assert not is_follow_up("Đảng bộ thành phố Cần Thơ hiện có bao nhiêu đảng viên?")
