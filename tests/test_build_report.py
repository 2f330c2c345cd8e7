"""The build summary as the Articles panel says it (issue 24, part 3): a sentence per outcome, in the UI language."""

from __future__ import annotations

import pytest

from embeddings.build import BuildSummary
from embeddings.ingest.load import Skipped
from ui.build_report import build_lines, count, number, outcome, skipped_line

TWO_ADDED = BuildSummary(
    added=["a", "b"],
    unchanged=["c"],
    skipped=[Skipped("/c/x.pdf", "/c/x.pdf: duplicate, the same article as /c/y.html; not indexed twice (delete one)")],
    chunks=40,
    embedded=31,
    reused=9,
    seconds=0.62,
    written=True,
    version="v-20261202T144530-91f5bc",
)
PASSAGES = {"a": 20, "b": 11, "c": 9}  # passages per article in the new index: 31 in the two added ones


@pytest.mark.parametrize(
    "value, lang, decimals, shown",
    [
        (0.62, "vi", 1, "0,6"),
        (0.62, "en", 1, "0.6"),
        (1234, "vi", 0, "1.234"),
        (1234, "en", 0, "1,234"),
        (12.25, "vi", 1, "12,2"),
    ],
)
def test_numbers_use_the_languages_marks(value, lang, decimals, shown):
    assert number(value, lang, decimals) == shown


def test_counts_have_an_english_singular():
    assert [count(1, "articles", "en"), count(2, "articles", "en"), count(1, "passages", "en")] == [
        "1 article",
        "2 articles",
        "1 passage",
    ]
    assert [count(1, "articles", "vi"), count(31, "passages", "vi")] == ["1 bài", "31 đoạn"]


def test_the_issue_example_in_both_languages():
    assert build_lines(TWO_ADDED, PASSAGES, "vi", ["a.docx", "b.pdf"], ["/tmp/up/scan.pdf: no text layer (scanned?)"]) == [
        "Đã thêm 2 bài (31 đoạn), cập nhật chỉ mục trong 0,6 s",
        "⚠ Bỏ qua scan.pdf: no text layer (scanned?)",  # refused before the build
        "⚠ Bỏ qua x.pdf: duplicate, the same article as /c/y.html; not indexed twice (delete one)",  # left out by it
        "Chi tiết: tệp a.docx, b.pdf · phiên bản v-20261202T144530-91f5bc · 31 đoạn mới mã hoá, 9 đoạn dùng lại",
    ]
    assert build_lines(TWO_ADDED, PASSAGES, "en") == [
        "Added 2 articles (31 passages), index updated in 0.6 s",
        "⚠ Skipped x.pdf: duplicate, the same article as /c/y.html; not indexed twice (delete one)",
        "Details: version v-20261202T144530-91f5bc · 31 passages embedded, 9 passages reused",
    ]


def test_removal_change_and_no_change():
    removed = BuildSummary(removed=["a"], seconds=0.31, written=True, version="v-x", reused=9)
    assert outcome(removed, {}, "en") == "Removed 1 article, index updated in 0.3 s"
    assert outcome(removed, {}, "vi") == "Đã xoá 1 bài, cập nhật chỉ mục trong 0,3 s"
    both = BuildSummary(added=["n"], changed=["m"], removed=["a"], seconds=1.25, written=True)
    assert outcome(both, {"n": 1, "m": 4}, "en") == (
        "Added 1 article (1 passage), re-read 1 article that changed (4 passages), removed 1 article, index updated in 1.2 s"
    )
    assert outcome(BuildSummary(seconds=0.05, version="v-y"), {}, "vi") == "Chỉ mục không đổi (0,1 s)"


def test_skipped_lines_name_the_file_not_its_folder():
    assert skipped_line("/tmp/gradio/ab12/setup.exe: unsupported file type .exe", "en") == (
        "Skipped setup.exe: unsupported file type .exe"
    )
    assert skipped_line("something went wrong", "vi") == "Bỏ qua: something went wrong"


def test_details_carry_truncation_and_the_builds_note():
    summary = BuildSummary(added=["a"], embedded=3, truncated=2, note="settings changed (chunk_tokens)", written=True)
    assert build_lines(summary, {"a": 3}, "en")[-1] == (
        "Details: 3 passages embedded, 0 passages reused · 2 passages longer than the model's window (truncated)"
        " · settings changed (chunk_tokens)"
    )
