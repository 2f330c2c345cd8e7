"""Publication dates: every form of the issue (13) and more, each with its exact expected value.

`today` is fixed to 2026-11-23 so "later than today" is testable and the expectations never age.
"""

from datetime import date

import pytest

from embeddings.ingest.dates import PubDate, date_range, find_date, lead_date, parse_date_line, precision_of, stated_year
from embeddings.ingest.load import parse_article

TODAY = date(2026, 11, 23)

DAY, MONTH, PARTIAL = "day", "month", "partial"

LINES = [
    # ISO forms
    ("2025-10-14", "2025-10-14", DAY),
    ("2024-09", "2024-09", MONTH),
    ("2025-10-14T08:30:00+07:00", "2025-10-14", DAY),  # meta tags / JSON-LD
    ("2025-10-14T23:59:00Z", "2025-10-14", DAY),  # the outlet's calendar day, not shifted to UTC+7
    # time, weekday, time zone (issue 13's failures)
    ("Sáng 27/9/2025", "2025-09-27", DAY),
    ("17:30 01/01/2016", "2016-01-01", DAY),
    ("16:29, Thứ Hai, 22/07/2019 (GMT+7)", "2019-07-22", DAY),
    ("Thứ Tư, 08/04/2015, 08:11 [GMT+7]", "2015-04-08", DAY),
    ("Cập nhật ngày: 20/10/2020 17:53", "2020-10-20", DAY),
    ("Ngày 09/02/2017", "2017-02-09", DAY),
    ("Hải Phòng, ngày 22 tháng 09 năm 2019", "2019-09-22", DAY),
    # the seed corpus' forms
    ("18/03/2022, 06:39", "2022-03-18", DAY),
    ("Thứ Sáu, 25/03/2022, 15:48 [GMT+7]", "2022-03-25", DAY),
    ("Thứ Tư, ngày 29 tháng 6 năm 2022", "2022-06-29", DAY),
    ("Ngày đăng tin: 01/12/2021", "2021-12-01", DAY),
    # more outlets' forms
    ("Thứ sáu, 18/3/2022, 06:39 (GMT+7)", "2022-03-18", DAY),
    ("Cập nhật: 06:39 18/03/2022", "2022-03-18", DAY),
    ("Thứ Hai, 13/10/2025 - 10:15 AM", "2025-10-13", DAY),
    ("08h30 ngày 14/10/2025", "2025-10-14", DAY),
    ("Cập nhật lúc 08:30, 14/10/2025", "2025-10-14", DAY),
    ("14.10.2025", "2025-10-14", DAY),
    ("14-10-2025", "2025-10-14", DAY),
    ("Chủ nhật, 5/1/2025 19:00 (GMT+7)", "2025-01-05", DAY),
    ("Đăng lúc: 10:15 - 13/10/2025", "2025-10-13", DAY),
    ("Xuất bản ngày 14-10-2025", "2025-10-14", DAY),
    ("Thứ 2, 13/10/2025", "2025-10-13", DAY),
    ("13/10/2025 | 10:15", "2025-10-13", DAY),
    ("ngày 22 tháng 09 năm 2019 15:00", "2019-09-22", DAY),
    ("Hà Nội, 13/10/2025", "2025-10-13", DAY),
    ("14 Tháng Mười 2025", "2025-10-14", DAY),
    ("22 tháng 9, 2019", "2019-09-22", DAY),
    ("October 14, 2025", "2025-10-14", DAY),
    ("Thứ Bảy, 29/2/2020", "2020-02-29", DAY),  # a leap day
    ("Thứ năm, 20/11/2026 - 07:00 (GMT+7)", "2026-11-20", DAY),
    ("23/11/2026", "2026-11-23", DAY),  # today is not in the future
    # month only
    ("tháng 9/2024", "2024-09", MONTH),
    ("09/2024", "2024-09", MONTH),
    ("Tháng 10, năm 2024", "2024-10", MONTH),
    ("Cập nhật: tháng 3/2023", "2023-03", MONTH),
    # year-less: partial, never a guessed year
    ("Chiều 25/3", "--03-25", PARTIAL),
    ("Ngày 25 tháng 3", "--03-25", PARTIAL),
    ("Sáng 1/10", "--10-01", PARTIAL),
    ("Thứ Hai, 29/2", "--02-29", PARTIAL),
]

NOT_DATES = [
    "31/02/2020",  # no such day
    "29/02/2021",  # not a leap year
    "01/01/2030",  # after today
    "24/11/2026",  # tomorrow
    "tháng 12/2026",  # a month that has not begun
    "Chiều 31/4",  # no 31 April
    "Cần Thơ",
    "Ngày 17/3, Đoàn công tác của Trung ương làm việc",  # a sentence, not a date line
    "Nhiệm kỳ 2025-2030",
    "Đến năm 2030",
    "Hội nghị lần thứ 13",
    "2025",
    "",
]


@pytest.mark.parametrize("line, iso, precision", LINES)
def test_date_lines(line, iso, precision):
    assert parse_date_line(line, TODAY) == PubDate(iso, precision)


def test_at_least_forty_date_lines():
    assert len(LINES) + len(NOT_DATES) >= 40 and len(LINES) >= 40


@pytest.mark.parametrize("line", NOT_DATES)
def test_not_a_date(line):
    assert parse_date_line(line, TODAY) is None


def test_find_date_takes_the_first_date_line():
    assert find_date("Xây dựng Đảng\nCần Thơ\nThứ Hai, 13/10/2025\n14/10/2025", TODAY) == PubDate("2025-10-13", "day")
    assert find_date("Không có ngày ở đây\nCần Thơ", TODAY) is None


@pytest.mark.parametrize(
    "lead, body, expected",
    [
        ("TTXVN- Chiều 25/3, Thành ủy Cần Thơ tổ chức hội nghị.", "", PubDate("--03-25", "partial")),
        # years in the body that are not this event's year are never borrowed
        (
            "Sáng 27/9, Đại hội khai mạc.",
            "Đại hội nhiệm kỳ 2025-2030 đề ra mục tiêu đến năm 2030.",
            PubDate("--09-27", "partial"),
        ),
        ("Chiều 14/10, hội nghị diễn ra.", "Nhiệm kỳ 2020-2025 và tầm nhìn đến năm 2030, 2045.", PubDate("--10-14", "partial")),
        # the article writes this same day with its year: that year is stated, not guessed
        ("Chiều 25/3, hội nghị diễn ra.", "Hội nghị ngày 25/3/2025 đã thống nhất.", PubDate("2025-03-25", "day")),
        ("Chiều 25/3, hội nghị diễn ra.", "Văn bản ký ngày 25 tháng 3 năm 2025.", PubDate("2025-03-25", "day")),
        # two different years for the same day: ambiguous, stays partial
        ("Chiều 25/3, hội nghị.", "So với ngày 25/3/2024 và 25/3/2025.", PubDate("--03-25", "partial")),
        # a different day with a year says nothing about this one
        ("Chiều 25/3, hội nghị.", "Kế hoạch ban hành ngày 20/3/2025.", PubDate("--03-25", "partial")),
        ("Sáng ngày 30/11/2021, Ban Thường vụ họp.", "", PubDate("2021-11-30", "day")),
        ("Sáng 30/11/2030, hội nghị.", "", None),  # in the future
        ("Hội nghị diễn ra tại Hà Nội.", "25/3/2025", None),  # no date in the lead
        ("(Thanhuytphcm.vn) - Chiều 1/3, Thành ủy họp.", "", PubDate("--03-01", "partial")),
        ("HÀ NỘI - Sáng 12/3, Quốc hội họp.", "", PubDate("--03-12", "partial")),
        ("Tóm tắt.\nTTXVN- Chiều 25/3, hội nghị.", "", PubDate("--03-25", "partial")),  # a later lead paragraph
        ("Hội nghị dự kiến tổ chức vào ngày 20/12 tới tại Hà Nội.", "", None),  # inside a sentence: another event
        ("Theo kế hoạch, sáng 5/1/2020 đoàn sẽ lên đường.", "", None),
    ],
)
def test_lead_dates(lead, body, expected):
    assert lead_date(lead, body + "\n" + lead, TODAY) == expected


def test_stated_year_needs_the_same_day_and_month():
    assert stated_year(5, 3, "ngày 05/03/2024") == 2024
    assert stated_year(5, 3, "ngày 15/03/2024") is None
    assert stated_year(5, 3, "ngày 5/3/2024, rồi 5/3/2025") is None


def test_article_about_a_future_term_is_not_dated_in_it():
    """Issue 13: "nhiệm kỳ 2025-2030" made the old fallback date articles 2030-09-27."""
    raw = (
        "Khai mạc Đại hội Đảng bộ thành phố lần thứ nhất\n\n"
        "Sáng 27/9, Đại hội đại biểu Đảng bộ thành phố lần thứ I, nhiệm kỳ 2025-2030 khai mạc.\n\n"
        "Đại hội đề ra mục tiêu đến năm 2030 trở thành thành phố phát triển.\n\nTheo nhandan.vn"
    )
    doc = parse_article("x", raw, "h")
    assert (doc.date, doc.date_precision, doc.source) == ("--09-27", "partial", "nhandan.vn")


@pytest.mark.parametrize(
    "iso, expected",
    [
        ("2025-10-14", (date(2025, 10, 14), date(2025, 10, 14))),
        ("2024-09", (date(2024, 9, 1), date(2024, 9, 30))),
        ("2024-12", (date(2024, 12, 1), date(2024, 12, 31))),
        ("2024-02", (date(2024, 2, 1), date(2024, 2, 29))),
        ("--03-25", None),
        (None, None),
        ("garbage", None),
    ],
)
def test_date_range(iso, expected):
    assert date_range(iso) == expected


def test_precision_of_iso_forms():
    assert [precision_of(x) for x in ("2025-10-14", "2024-09", "--03-25", None)] == ["day", "month", "partial", None]


def test_search_json_hits_carry_the_date_and_its_precision():
    from embeddings.types import Chunk, Document
    from qa.answering.answer import hit_to_dict
    from qa.retrieval.searcher import Hit

    doc = Document("d", "Tiêu đề", "Chiều 25/3, hội nghị.", "h", "--03-25", date_precision="partial")
    hit = hit_to_dict(Hit(Chunk("c", "d", 0, 21, "Chiều 25/3, hội nghị."), doc, 1.0, 1))
    assert (hit["date"], hit["date_precision"]) == ("--03-25", "partial")


def test_an_index_with_invented_dates_is_restated_without_re_embedding(tmp_path, options, fake_encoder):
    """Indexes built before this parser hold invented years ("2025-03-25" for "Chiều 25/3"): the next
    incremental build rewrites their metadata although no file changed, reusing every vector."""
    import json
    import shutil

    from embeddings.build import build_index
    from embeddings.stores.faiss_folder import current_version, load_index

    from .conftest import CORPUS

    corpus = tmp_path / "corpus"
    corpus.mkdir()
    shutil.copy(CORPUS / "002_ec9a05d4f704e603.txt", corpus / "ct.txt")
    index_dir = tmp_path / "index"
    build_index(corpus, index_dir, options, encoder=fake_encoder)
    manifest_path = current_version(index_dir) / "manifest.json"
    manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    old_entry = {k: v for k, v in manifest["documents"]["ct"].items() if k != "date_precision"}
    manifest["documents"]["ct"] = {**old_entry, "date": "2025-03-25"}  # what the old fallback wrote
    manifest_path.write_text(json.dumps(manifest, ensure_ascii=False), encoding="utf-8")

    summary = build_index(corpus, index_dir, options, encoder=fake_encoder)
    assert (summary.written, summary.embedded, summary.unchanged) == (True, 0, ["ct"])
    assert summary.note == "metadata updated for 1 unchanged article(s): ct"
    entry = load_index(index_dir).manifest["documents"]["ct"]
    assert (entry["date"], entry["date_precision"]) == ("--03-25", "partial")
    again = build_index(corpus, index_dir, options, encoder=fake_encoder)
    assert (again.written, again.note) == (False, "")


NEWS2 = {  # tests/data/news2: every date line's value by hand; n19 and n20 have none, only "Chiều 25/3" / "Sáng 6/5" leads
    "n01": ("2015-10-14", "day"),
    "n02": ("2020-10-17", "day"),
    "n03": ("2025-09-27", "day"),  # "Sáng 27/9/2025" (the previous parser missed it)
    "n04": ("2017-11-06", "day"),  # "17:30 06/11/2017"
    "n05": ("2020-10-30", "day"),
    "n06": ("2024-09-09", "day"),  # "Thứ Hai, 09/09/2024, 08:15 (GMT+7)"
    "n07": ("2019-12-28", "day"),  # "Ngày 28/12/2019"
    "n08": ("2023-12-29", "day"),  # "2023-12-29"
    "n09": ("2024-09", "month"),  # "2024-09"
    "n10": ("2019-07-22", "day"),  # "16:29, Thứ Hai, 22/07/2019 (GMT+7)"
    "n11": ("2022-07-15", "day"),
    "n12": ("2020-08-27", "day"),
    "n13": ("2023-07-18", "day"),
    "n14": ("2023-05-16", "day"),  # "21:45 16/05/2023"
    "n15": ("2016-01-01", "day"),
    "n16": ("2019-09-22", "day"),  # "Hải Phòng, ngày 22 tháng 09 năm 2019"
    "n17": ("2017-02-09", "day"),  # "Ngày 09/02/2017"
    "n18": ("2024-04-20", "day"),
    "n19": ("--03-25", "partial"),  # the old fallback wrote 2026-03-25 from "nhiệm kỳ 2021-2026"
    "n20": ("--05-06", "partial"),
    "n21": ("2023-01-03", "day"),
    "n22": ("2018-12-27", "day"),
    "n23": ("2021-06-10", "day"),
    "n24": ("2018-08-07", "day"),
}


def test_news2_dates_every_stated_date_read_none_invented():
    from pathlib import Path

    from embeddings.ingest.load import load_corpus

    folder = Path(__file__).resolve().parent / "data" / "news2"
    result = load_corpus(folder)
    assert result.skipped == []
    found = {d.doc_id[:3]: (d.date, d.date_precision) for d in result.documents}
    assert found == NEWS2
    for doc in result.documents:  # the date line never stays in the body
        assert not doc.text.startswith(
            ("Sáng 27/9/2025", "17:30", "Thứ", "Ngày 28/12", "2023-12-29", "2024-09", "Hải Phòng, ngày")
        )
