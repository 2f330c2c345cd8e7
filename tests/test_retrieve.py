import numpy as np
import pytest

from qa.answering.answer import answer_question, build_extractive, missing_names, should_abstain
from qa.answering.answerability import load_model
from qa.params import AnswerParams
from qa.retrieval.searcher import Filters, Searcher, Signals, fuse_rrf, fuse_weighted, minmax, retrieve

HP = "001_528bc86e38a8c041"
CT = "002_ec9a05d4f704e603"


@pytest.fixture(scope="module", params=["faiss", "qdrant"])
def searcher(request, real_searcher):
    """Every retrieval and answer test runs on both stores: the same hits are expected from each."""
    from embeddings.stores.backends import open_store

    if request.param == "faiss":
        return real_searcher
    return Searcher(open_store(request.getfixturevalue("real_qdrant_config")), real_searcher.encoder)


def test_fusion_twins_by_hand():
    dense = np.array([0.9, 0.8, 0.7])
    lexical = np.array([0.0, 10.0, 5.0])
    # min-max: dense -> [1, .5, 0], lexical -> [0, 1, .5]
    assert np.allclose(fuse_weighted(dense, lexical, 0.7), [0.7, 0.35 + 0.3, 0.15])
    assert np.allclose(fuse_weighted(dense, lexical, 0.7, lexical_trust=0.0), [0.7, 0.35, 0.0])
    # rrf (k=60): dense ranks 1,2,3; lexical ranks -,1,2 (a zero score gets no rank)
    assert np.allclose(fuse_rrf(dense, lexical, 60), [1 / 61, 1 / 62 + 1 / 61, 1 / 63 + 1 / 62])
    assert np.allclose(minmax(np.array([2.0, 2.0])), [0, 0])


@pytest.mark.parametrize(
    "question",
    [
        "Hải Phòng kiến nghị gì với Trung ương?",
        "hai phong kien nghi gi voi trung uong",
        "What did Hai Phong propose to the Central Committee?",
    ],
)
def test_same_question_three_ways_finds_the_article(searcher, question):
    hits = retrieve(question, 3, searcher)
    assert hits[0].document.doc_id == HP
    assert [h.rank for h in hits] == [1, 2, 3]


@pytest.mark.parametrize("kind", ["dense", "bm25", "hybrid"])
def test_each_retriever_is_selectable(searcher, kind):
    hits = searcher.search("Đảng bộ thành phố Cần Thơ có bao nhiêu đảng viên?", 5, kind).hits
    assert CT in {h.document.doc_id for h in hits}
    assert (hits[0].dense_score is None) == (kind == "bm25") and (hits[0].lexical_score is None) == (kind == "dense")


def test_no_near_duplicates_in_results(searcher):
    hits = retrieve("đổi mới phương thức lãnh đạo của Đảng", 10, searcher)
    for i, a in enumerate(hits):
        for b in hits[i + 1 :]:
            if a.chunk.doc_id == b.chunk.doc_id:
                overlap = min(a.chunk.end, b.chunk.end) - max(a.chunk.start, b.chunk.start)
                assert overlap <= 0.5 * min(len(a.chunk.text), len(b.chunk.text))


def test_filters(searcher):
    only = retrieve("đổi mới phương thức lãnh đạo", 5, searcher, filters=Filters(doc_ids=(CT,)))
    assert only and {h.document.doc_id for h in only} == {CT}
    dated = retrieve("đổi mới phương thức lãnh đạo", 10, searcher, filters=Filters(date_from="2022-03-20", date_to="2022-12-31"))
    assert dated and all("2022-03-20" <= h.document.date <= "2022-12-31" for h in dated)
    assert retrieve("đổi mới", 5, searcher, filters=Filters(sources=("nowhere.vn",))) == []


def test_freshness_halves_with_age():
    from qa.retrieval.searcher import freshness

    assert freshness({"new": "2025-03-25", "old": "2024-09-26", "none": None}, 180.0) == {"new": 1.0, "old": 0.5}
    # a month date counts from its first day; a date without a year takes no part
    assert freshness({"new": "2025-03", "old": "2024-09-02", "yearless": "--12-31"}, 180.0) == {"new": 1.0, "old": 0.5}


def test_date_filters_use_month_dates_as_their_month_and_never_partial_dates():
    from embeddings.types import Document

    def doc(iso, precision):
        return Document("d", "t", "x", "h", iso, date_precision=precision)

    in_2025 = Filters(date_from="2025-01-01", date_to="2025-12-31")
    assert in_2025.allows(doc("2025-10-14", "day"))
    assert not in_2025.allows(doc("2024-12-31", "day"))
    assert in_2025.allows(doc("2025-09", "month"))
    assert Filters(date_from="2024-09-15").allows(doc("2024-09", "month"))  # the month reaches past the 15th
    assert not Filters(date_to="2024-08-31").allows(doc("2024-09", "month"))
    assert not in_2025.allows(doc("--03-25", "partial"))
    assert not in_2025.allows(doc(None, None))
    assert Filters().allows(doc("--03-25", "partial"))  # no date filter: every article


def test_latest_prefers_recent_articles(searcher):
    hits = retrieve("Bài báo mới nhất nói về hội nghị nào?", 3, searcher)
    # 002 (Cần Thơ, "Chiều 25/3") has no stated year, so it is not used for recency: 2022-06-29 is the newest known date
    assert hits[0].document.doc_id == "003_fd758775aea649a6"


def test_every_citation_is_verbatim_in_its_article(searcher):
    answer = answer_question("Đảng bộ thành phố Cần Thơ có bao nhiêu đảng viên?", searcher)
    assert not answer.abstained and "55.369" in answer.text
    markers = {int(m) for m in __import__("re").findall(r"\[(\d+)\]", answer.text)}
    assert markers == {c.n for c in answer.citations}
    docs = searcher.index.documents
    for c in answer.citations:
        assert docs[c.doc_id].text[c.start : c.end] == c.quote
        assert c.quote in answer.text or all(part in answer.text for part in c.quote.split("\n\n"))


def test_off_corpus_question_abstains_but_lists_related(searcher):
    answer = answer_question("Dự báo thời tiết ngày mai?", searcher)
    assert answer.abstained and "không chứa thông tin" in answer.text
    assert answer.citations == () and len(answer.hits) > 0


def test_english_messages(searcher):
    answer = answer_question("Dự báo thời tiết ngày mai?", searcher, lang="en")
    assert answer.abstained and "do not contain" in answer.text


def test_follow_up_uses_previous_turn(searcher):
    first = answer_question("Hải Phòng kiến nghị gì với Trung ương?", searcher)
    follow = answer_question("Ông ấy nói gì thêm?", searcher, history=[first.query])
    assert follow.query != follow.question and "Hải Phòng" in follow.query
    assert follow.hits[0].document.doc_id == HP
    other = answer_question("Còn Ngũ Hành Sơn thì sao?", searcher, history=["Đảng bộ Cần Thơ có bao nhiêu đảng viên?"])
    assert "Cần Thơ" not in other.query and other.hits[0].document.doc_id == "004_9ddeaedd6e62409b"


def test_abstention_rule_by_hand():
    rule = AnswerParams(abstain_min_coverage=0.1, abstain_min_z=2.0)
    assert should_abstain(Signals(dense_top=0.8, dense_z=1.0, lexical_top=2.0, coverage=0.05, agreement=False), rule)
    assert not should_abstain(Signals(dense_top=0.8, dense_z=1.0, lexical_top=2.0, coverage=0.6, agreement=False), rule)
    assert not should_abstain(Signals(dense_top=0.9, dense_z=3.0, lexical_top=2.0, coverage=0.05, agreement=False), rule)
    assert not should_abstain(Signals(dense_top=0.8, dense_z=1.0, lexical_top=2.0, coverage=0.05, agreement=True), rule)
    assert should_abstain(Signals())
    assert not should_abstain(Signals(dense_top=0.8, dense_z=1.0, lexical_top=2.0, coverage=0.0, about_recency=True), rule)


# Regressions from issue 12: with the shipped answerability model, as `qa ask` and the chat use it.
@pytest.fixture(scope="module")
def model():
    return load_model()


@pytest.mark.parametrize(
    ("question", "missing"),
    [
        ("Đảng bộ tỉnh Long An có bao nhiêu đảng viên?", ("Long An",)),  # Cần Thơ's 55.369 must not answer it
        ("Quận ủy Sơn Trà kết nạp bao nhiêu đảng viên mới?", ("Sơn Trà",)),  # nor Ngũ Hành Sơn's 1.411
        # said as the question writes it, though the corpus only writes a part of it ("Long", never "Vĩnh Long")
        ("Đoàn công tác Trung ương làm việc với Tỉnh ủy Vĩnh Long vào ngày nào?", ("Vĩnh Long",)),
        # typed without capitals or diacritics, and a province the corpus never writes at all
        ("ai dan dau doan cong tac trung uong lam viec voi tinh uy kien giang", ("kien giang",)),
    ],
)
def test_wrong_entity_is_not_answered_with_another_entitys_fact(searcher, model, question, missing):
    answer = answer_question(question, searcher, model=model)
    assert answer.abstained and answer.missing == missing and answer.citations == ()
    assert answer.text == f"Các bài báo không nêu thông tin này cho {missing[0]}."
    assert answer.hits  # still listed as "may be related"


def test_typed_constraints_need_the_names_and_years_together(searcher):
    """The sentence holding a number must also hold (or its article's title or date must) the question's place and year."""
    from qa.answering.answerability import typed_sentence_scores

    def constraints(question, names):
        hits = searcher.search(question, 5).hits[:3]
        return typed_sentence_scores(question, hits, searcher, names)[2]

    question = "Đảng bộ thành phố Cần Thơ có bao nhiêu đảng viên?"
    assert constraints(question, ("Cần Thơ",)) == 1.0
    assert constraints(question, ("Cần Thơ", "1999")) == 0.5  # no sentence, title or date says 1999
    assert constraints(question, ("Long An",)) == 0.0


def test_off_topic_question_abstains(searcher, model):
    answer = answer_question("Giá xăng RON 95 hôm nay là bao nhiêu?", searcher, model=model)
    assert answer.abstained and answer.citations == () and answer.confidence < model.threshold


def test_who_question_quotes_the_person(searcher, model):
    answer = answer_question("Who led the survey delegation on the fifth plenum resolution to Hai Phong?", searcher, model=model)
    assert not answer.abstained and answer.confidence >= model.threshold
    lead = answer.citations[0]
    assert lead.doc_id == HP and "Trương Thị Mai" in lead.quote


def test_factoid_answer_leads_and_marks_the_number(searcher, model):
    answer = answer_question("Đảng bộ thành phố Cần Thơ có bao nhiêu đảng viên?", searcher, model=model)
    lead = answer.citations[0]
    doc = searcher.index.documents[lead.doc_id]
    assert doc.text[lead.answer_start : lead.answer_end] == "55.369"
    assert answer.text.startswith(lead.quote) and len(lead.quote) <= 300


def test_quotes_stay_short(searcher, model):
    for question in (
        "Hải Phòng kiến nghị gì với Trung ương?",
        "Những hạn chế trong thực hiện Nghị quyết Trung ương 5 của Cần Thơ là gì?",
    ):
        answer = answer_question(question, searcher, model=model)
        assert answer.citations and all(len(c.quote) <= 300 for c in answer.citations)


def test_follow_up_keeps_trung_uong(searcher, model):
    first = answer_question("Hải Phòng kiến nghị gì với Trung ương?", searcher, model=model)
    follow = answer_question("Còn Cần Thơ thì sao?", searcher, history=[first.query], model=model)
    assert follow.query == "Cần Thơ kiến nghị gì với Trung ương?"


def test_a_name_holding_a_province_needs_only_the_province(searcher):
    """'Can Tho Oncology Hospital' is written in English: the passages must name Cần Thơ, not the English words."""
    hits = searcher.search("Đảng bộ thành phố Cần Thơ có bao nhiêu đảng viên?", 5).hits
    assert missing_names("How many beds does the Can Tho Oncology Hospital have?", hits, searcher) == ()
    assert missing_names("How many beds does the Kien Giang Oncology Hospital have?", hits, searcher) == (
        "Kien Giang Oncology",  # "Hospital" is a kind of thing, not part of the name
    )


def test_an_answer_never_quotes_one_sentence_twice(searcher):
    """Overlapping passages of one article share sentences; the answer quotes each span of an article once."""
    for question in (
        "Which Party resolution was being reviewed at the meeting in Can Tho?",
        "Thành ủy Cần Thơ tổ chức hội nghị tổng kết khi nào?",
        "Hải Phòng kiến nghị gì với Trung ương?",
    ):
        hits = searcher.search(question, 5).hits
        citations = build_extractive(question, hits, searcher)[1]
        assert len({c.quote for c in citations}) == len(citations)
        for a in citations:  # and no quote lies inside another of the same article
            assert not any(b is not a and b.doc_id == a.doc_id and b.start <= a.start and a.end <= b.end for b in citations)


def _fake_searcher(tmp_path, options, articles: dict[str, str]) -> Searcher:
    """A searcher over `articles` (file name -> text) built and queried with the fake encoder."""
    from embeddings.build import build_index
    from embeddings.stores.backends import open_store
    from embeddings.stores.interface import StoreConfig

    from .conftest import FakeEncoder

    corpus = tmp_path / "corpus"
    corpus.mkdir()
    for name, text in articles.items():
        (corpus / name).write_text(text, encoding="utf-8")
    build_index(corpus, tmp_path / "index", options, encoder=FakeEncoder())
    return Searcher(open_store(StoreConfig(index_dir=tmp_path / "index")), FakeEncoder())


def _without(searcher: Searcher, **params) -> Searcher:
    import dataclasses

    return Searcher(searcher.index, searcher.encoder, dataclasses.replace(searcher.params, **params))


def test_another_provinces_paper_yields_to_the_asked_provinces_own(tmp_path, options):
    """Provincial papers never name their own province ("toàn tỉnh giải ngân ..."): for a question about Đồng Tháp,
    Báo Nghệ An's passage that names no place of it ranks below Báo Đồng Tháp's, which the words alone would not do."""
    searcher = _fake_searcher(
        tmp_path,
        options,
        {
            "baonghean-vn_giai-ngan-von-dau-tu-cong.txt": "Giải ngân vốn đầu tư công năm 2024 thuộc nhóm dẫn đầu cả nước\n\n"
            "(NAO) - Tính đến hết ngày 31/1/2025, kế hoạch vốn đầu tư công năm 2024 của tỉnh giải ngân đạt 7.200 tỷ "
            "đồng, bằng 96,3% kế hoạch.\n",
            "baodongthap-vn_khai-mac-ky-hop.txt": "Khai mạc kỳ họp thứ 19 HĐND tỉnh khóa X\n\n(ĐTO) - Tại kỳ họp, UBND "
            "tỉnh cho biết tính đến ngày 30/11, giải ngân vốn đầu tư công đạt 3.962 tỷ đồng, bằng 71,4% kế hoạch năm.\n",
            "thanhnien-vn_gia-lua.txt": "Giá lúa tăng mạnh\n\nGiá lúa tại các tỉnh miền Tây tăng 500 đồng mỗi kg.\n",
        },
    )
    question = "Đến cuối tháng 11/2024 Đồng Tháp giải ngân được bao nhiêu vốn đầu tư công?"
    assert searcher.search(question, 2).hits[0].document.doc_id == "baodongthap-vn_khai-mac-ky-hop"
    words_only = _without(searcher, outlet_place_penalty=0.0)
    assert words_only.search(question, 2).hits[0].document.doc_id == "baonghean-vn_giai-ngan-von-dau-tu-cong"
    # a question naming no place is ranked by its words alone
    first = searcher.search("Vốn đầu tư công năm 2024 giải ngân được bao nhiêu?", 2).hits[0]
    assert first.document.doc_id.startswith("baonghean")


def test_an_article_of_other_years_yields_to_one_of_the_asked_year(tmp_path, options):
    """ "Năm 2016 Việt Nam xuất khẩu bao nhiêu tấn gạo?": a 2023 report that names no 2016 ranks below the 2016 one,
    though its words match as well; a question naming no year is ranked by its words."""
    searcher = _fake_searcher(
        tmp_path,
        options,
        {
            "a_gao-2023.txt": "Xuất khẩu gạo tăng mạnh\n\n2023-05-10\n\nViệt Nam xuất khẩu gạo đạt 2,6 triệu tấn gạo.\n",
            "b_gao-2016.txt": "Tổng kết ngành lúa gạo\n\n2016-12-28\n\nViệt Nam xuất khẩu gạo cả năm ước đạt 4,88 triệu tấn.\n",
            "c_lua.txt": "Giá lúa tăng\n\nGiá lúa tăng 500 đồng mỗi kg trong tuần qua.\n",
        },
    )
    question = "Năm 2016 Việt Nam xuất khẩu được bao nhiêu tấn gạo?"
    assert searcher.search(question, 2).hits[0].document.doc_id == "b_gao-2016"
    assert _without(searcher, article_year_penalty=0.0).search(question, 2).hits[0].document.doc_id == "a_gao-2023"
    assert searcher.search("Việt Nam xuất khẩu được bao nhiêu tấn gạo?", 2).hits[0].document.doc_id == "a_gao-2023"
